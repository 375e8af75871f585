/*
 * metrics.h — corpus BLEU and chrF, computed the way sacreBLEU 2.x does with
 * its defaults, so numbers printed by `s2s eval` and `s2s score` can be put
 * beside published ones.
 *
 * BLEU: 13a tokenization, case-sensitive, n-grams up to 4, one reference,
 * brevity penalty over the corpus, smooth_method "exp" (a zero-match order
 * gets precision 100 / (2^k * total), k counting such orders; no matches at
 * all is BLEU 0), no effective order (a corpus whose hypotheses have no
 * 4-gram scores 0).
 * chrF2: character n-grams 1..6 over code points with all whitespace
 * removed, beta 2, statistics summed over the corpus, precision and recall
 * averaged over the orders that occur in both sides, then the F-score.
 *
 * Statistics are additive: accumulate sentence by sentence into as many
 * bins as needed (overall, per domain, per length) and score each at the end.
 * These helpers belong to the native CLI: nothing here prints.
 */
#ifndef S2S_CLI_METRICS_H
#define S2S_CLI_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum { BLEU_ORDER = 4, CHRF_ORDER = 6, CHRF_BETA = 2 };

typedef struct bleu_stats {
    int64_t correct[BLEU_ORDER]; /* clipped n-gram matches, order n at [n-1] */
    int64_t total[BLEU_ORDER];   /* hypothesis n-grams */
    int64_t sys_len;             /* hypothesis tokens */
    int64_t ref_len;             /* reference tokens */
} bleu_stats;

typedef struct bleu_result {
    double score;                  /* 0..100 */
    double precision[BLEU_ORDER];  /* 0..100, smoothed as scored */
    double brevity_penalty;
    int64_t sys_len, ref_len;
} bleu_result;

typedef struct chrf_stats {
    int64_t hyp[CHRF_ORDER];   /* hypothesis character n-grams, order n at [n-1] */
    int64_t ref[CHRF_ORDER];   /* reference character n-grams */
    int64_t match[CHRF_ORDER]; /* clipped matches */
} chrf_stats;

/* The 13a tokenization of `len` bytes of UTF-8 text: tokens joined by single
 * spaces, no leading or trailing space. Malloc'ed, NUL-terminated, freed by
 * the caller with free(); NULL when out of memory. */
char *tokenize_13a(const char *text, size_t len);

/* Add one sentence pair (NUL-terminated UTF-8) to the statistics.
 * Return 0, or -1 when out of memory (the stats are then unchanged). */
int bleu_add(bleu_stats *s, const char *hyp, const char *ref);
int chrf_add(chrf_stats *s, const char *hyp, const char *ref);

void bleu_merge(bleu_stats *into, const bleu_stats *from);
void chrf_merge(chrf_stats *into, const chrf_stats *from);

bleu_result bleu_score(const bleu_stats *s);
double chrf_score(const chrf_stats *s); /* 0..100 */

/* Convenience for n parallel sentences; -1 when out of memory. */
int corpus_bleu(int64_t n, const char *const *hyps, const char *const *refs, bleu_result *out);
int corpus_chrf(int64_t n, const char *const *hyps, const char *const *refs, double *out);

/* Number of whitespace-separated words (the length buckets of `s2s eval`). */
int32_t count_words(const char *text);

#endif /* S2S_CLI_METRICS_H */
