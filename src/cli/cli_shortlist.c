/*
 * cli_shortlist.c — `s2s shortlist`: learn a lexical shortlist from a
 * training corpus and attach it to a model (src/shortlist.h).
 *
 * Counts are per sentence pair: c(s) pairs whose source has piece s, c(t)
 * pairs whose target has t, c(s,t) pairs with both. The `--frequent` target
 * pieces with the largest c(t) are always allowed; each source piece then
 * gets itself (a shared vocabulary copies names and numbers) and its best
 * other target pieces by the Dice coefficient 2 c(s,t) / (c(s) + c(t)),
 * which (unlike c(s,t) / c(s)) does not favour pieces that co-occur with
 * everything; on the dev set the two rank about equally well. Pairs seen
 * fewer than --min-count times are noise and never candidates.
 *
 * --check FILE measures the result on pairs the counts never saw: how many
 * reference target pieces the list covers, and, translating the sources
 * with the whole vocabulary, how often that search picks a piece outside it.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tsv.h"

typedef struct shortlist_opts {
    const char *model, *train, *out, *check;
    long long n_frequent, k, min_count, check_sentences;
    int reverse;
} shortlist_opts;

static const char shortlist_usage[] =
    "usage: s2s shortlist --model M.s2s --train TRAIN.tsv --out OUT.s2s [options]\n"
    "  --frequent N (1000)        target pieces always allowed (the most frequent)\n"
    "  --candidates K (32)        best target pieces per source piece (itself, then by Dice)\n"
    "  --min-count C (2)          pairs seen fewer times are never candidates\n"
    "  --reverse                  the model translates the TSV's second column into its first\n"
    "  --check DEV.tsv            report coverage on held-out pairs (translates them greedily\n"
    "  --check-sentences N (500)  with the whole vocabulary)\n"
    "  --remove                   write OUT without a shortlist (--train not needed)\n";

/* Encoded pieces of one text, deduplicated with a stamp per id. */
static int32_t unique_ids(const s2s_model *m, const char *text, int32_t *ids, int64_t *stamp,
                          int64_t mark) {
    int32_t n = 0, out = 0;
    if (s2s_encode(m, text, strlen(text), ids, S2S_MAX_SEQ_LEN, &n, NULL) != S2S_OK) return 0;
    for (int32_t i = 0; i < n; i++)
        if (stamp[ids[i]] != mark) {
            stamp[ids[i]] = mark;
            ids[out++] = ids[i];
        }
    return out;
}

typedef struct ranked {
    float score;
    int32_t id;
} ranked;

static int by_score_then_id(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    if (x->score != y->score) return (x->score < y->score) - (x->score > y->score);
    return (x->id > y->id) - (x->id < y->id);
}

/* Build the tables from the corpus and attach them to the model. */
static int build(s2s_model *m, const tsv_corpus *c, const shortlist_opts *o) {
    const s2s_hparams *hp = s2s_model_hparams(m);
    int32_t Vs = hp->src_vocab, Vt = hp->tgt_vocab;
    if ((uint64_t)Vs * (uint64_t)Vt > (1ull << 28)) {
        cli_error("shortlist: %d x %d co-occurrence counts would need over 1 GiB", (int)Vs, (int)Vt);
        return -1;
    }
    int status = -1;
    uint32_t *pair = calloc((size_t)Vs * (size_t)Vt, sizeof *pair);
    int64_t *cs = calloc((size_t)Vs, sizeof *cs), *ct = calloc((size_t)Vt, sizeof *ct);
    int64_t *stamp_s = malloc(sizeof(int64_t) * (size_t)Vs), *stamp_t = malloc(sizeof(int64_t) * (size_t)Vt);
    int32_t *frequent = malloc(sizeof(int32_t) * (size_t)(o->n_frequent ? o->n_frequent : 1));
    int32_t *cand = malloc(sizeof(int32_t) * (size_t)Vs * (size_t)(o->k ? o->k : 1));
    ranked *rank = malloc(sizeof(ranked) * (size_t)(Vs > Vt ? Vs : Vt));
    uint8_t *is_frequent = calloc((size_t)Vt, 1);
    if (!pair || !cs || !ct || !stamp_s || !stamp_t || !frequent || !cand || !rank || !is_frequent) {
        cli_error("out of memory");
        goto done;
    }
    for (int32_t i = 0; i < Vs; i++) stamp_s[i] = -1;
    for (int32_t i = 0; i < Vt; i++) stamp_t[i] = -1;
    for (int64_t p = 0; p < c->n; p++) {
        int32_t src[S2S_MAX_SEQ_LEN], tgt[S2S_MAX_SEQ_LEN];
        int32_t ns = unique_ids(m, c->src[p], src, stamp_s, p);
        int32_t nt = unique_ids(m, c->tgt[p], tgt, stamp_t, p);
        for (int32_t i = 0; i < ns; i++) {
            cs[src[i]]++;
            uint32_t *row = pair + (size_t)src[i] * (size_t)Vt;
            for (int32_t j = 0; j < nt; j++) row[tgt[j]]++;
        }
        for (int32_t j = 0; j < nt; j++) ct[tgt[j]]++;
    }
    /* the most frequent target pieces (specials never: EOS is always in) */
    int32_t n_rank = 0;
    for (int32_t t = S2S_EOS + 1; t < Vt; t++)
        if (ct[t] > 0) rank[n_rank++] = (ranked){(float)ct[t], t};
    qsort(rank, (size_t)n_rank, sizeof *rank, by_score_then_id);
    int32_t n_frequent = n_rank < o->n_frequent ? n_rank : (int32_t)o->n_frequent;
    for (int32_t i = 0; i < n_frequent; i++) {
        frequent[i] = rank[i].id;
        is_frequent[rank[i].id] = 1;
    }
    int32_t k = (int32_t)o->k;
    for (int32_t s = 0; s < Vs; s++) {
        const uint32_t *row = pair + (size_t)s * (size_t)Vt;
        n_rank = 0;
        for (int32_t t = S2S_EOS + 1; t < Vt; t++)
            if (!is_frequent[t] && row[t] >= (uint32_t)o->min_count && t != s)
                rank[n_rank++] = (ranked){2.0f * (float)row[t] / (float)(cs[s] + ct[t]), t};
        qsort(rank, (size_t)n_rank, sizeof *rank, by_score_then_id);
        /* the piece itself first: names and numbers are copied (one vocabulary
         * serves both languages) */
        int32_t j0 = 0;
        if (k > 0 && s > S2S_EOS && s < Vt && !is_frequent[s]) cand[(size_t)s * k + j0++] = s;
        for (int32_t j = j0; j < k; j++) cand[(size_t)s * k + j] = j - j0 < n_rank ? rank[j - j0].id : -1;
    }
    s2s_error err = {0};
    if (s2s_model_set_shortlist(m, frequent, n_frequent, cand, k, &err) != S2S_OK) {
        cli_error_s2s("shortlist", &err);
        goto done;
    }
    status = 0;
done:
    free(pair);
    free(cs);
    free(ct);
    free(stamp_s);
    free(stamp_t);
    free(frequent);
    free(cand);
    free(rank);
    free(is_frequent);
    return status;
}

/* Coverage on held-out pairs: of the reference pieces, and of what the
 * unrestricted greedy search chooses. */
static int check(const s2s_model *m, const tsv_corpus *c, long long max_sentences) {
    int32_t Vt = s2s_model_hparams(m)->tgt_vocab;
    int64_t n = c->n < max_sentences ? c->n : max_sentences;
    int32_t *allowed = malloc(sizeof(int32_t) * (size_t)Vt);
    uint8_t *in = calloc((size_t)Vt, 1);
    int status = -1;
    if (!allowed || !in) {
        cli_error("out of memory");
        goto done;
    }
    s2s_translate_params tp = s2s_translate_default_params();
    tp.use_shortlist = 0;
    int64_t ref_pieces = 0, ref_in = 0, out_pieces = 0, out_in = 0, sentences_out = 0, sum_size = 0;
    for (int64_t p = 0; p < n; p++) {
        int32_t src[S2S_MAX_SEQ_LEN], tgt[S2S_MAX_SEQ_LEN], ns = 0, nt = 0;
        if (s2s_encode(m, c->src[p], strlen(c->src[p]), src, S2S_MAX_SEQ_LEN, &ns, NULL) != S2S_OK ||
            s2s_encode(m, c->tgt[p], strlen(c->tgt[p]), tgt, S2S_MAX_SEQ_LEN, &nt, NULL) != S2S_OK ||
            ns == 0)
            continue;
        int32_t na = s2s_model_shortlist_ids(m, src, ns, allowed, Vt);
        if (na < 0) goto done;
        sum_size += na;
        for (int32_t i = 0; i < na; i++) in[allowed[i]] = 1;
        for (int32_t j = 0; j < nt; j++) ref_in += in[tgt[j]];
        ref_pieces += nt;
        const int32_t *srcs[1] = {src};
        s2s_result *r = NULL;
        s2s_error err = {0};
        if (s2s_translate_ids(m, 1, srcs, &ns, &tp, &r, &err) != S2S_OK) {
            cli_error_s2s("shortlist --check: translate", &err);
            goto done;
        }
        int32_t len = 0, missed = 0;
        const int32_t *out = s2s_result_tokens(r, 0, &len);
        for (int32_t j = 0; j < len; j++) missed += !in[out[j]];
        out_pieces += len;
        out_in += len - missed;
        sentences_out += missed > 0;
        s2s_result_free(r);
        for (int32_t i = 0; i < na; i++) in[allowed[i]] = 0;
    }
    printf("shortlist check on %lld held-out pairs: %.1f target pieces per sentence of %d\n",
           (long long)n, n ? (double)sum_size / (double)n : 0.0, (int)Vt);
    printf("  reference pieces in the list: %.2f%% (%lld of %lld)\n",
           ref_pieces ? 100.0 * (double)ref_in / (double)ref_pieces : 0.0, (long long)ref_in,
           (long long)ref_pieces);
    printf("  pieces the unrestricted greedy search chose in the list: %.2f%% (%lld of %lld); "
           "%lld sentences chose a piece outside it\n",
           out_pieces ? 100.0 * (double)out_in / (double)out_pieces : 0.0, (long long)out_in,
           (long long)out_pieces, (long long)sentences_out);
    status = 0;
done:
    free(allowed);
    free(in);
    return status;
}

int cmd_shortlist(int argc, char **argv) {
    shortlist_opts o = {.n_frequent = 1000, .k = 32, .min_count = 2, .check_sentences = 500};
    int remove = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        long long *num = !strcmp(a, "--frequent")          ? &o.n_frequent
                         : !strcmp(a, "--candidates")      ? &o.k
                         : !strcmp(a, "--min-count")       ? &o.min_count
                         : !strcmp(a, "--check-sentences") ? &o.check_sentences
                                                           : NULL;
        const char **str = !strcmp(a, "--model") ? &o.model
                           : !strcmp(a, "--train") ? &o.train
                           : !strcmp(a, "--out")   ? &o.out
                           : !strcmp(a, "--check") ? &o.check
                                                   : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(shortlist_usage, stdout);
            return 0;
        } else if (!strcmp(a, "--reverse")) {
            o.reverse = 1;
        } else if (!strcmp(a, "--remove")) {
            remove = 1;
        } else if (num) {
            if (!(v = cli_next_value(argc, argv, &i)) || cli_parse_int(a, v, 0, 100000, num) != 0)
                return 2;
        } else if (str) {
            if (!(*str = cli_next_value(argc, argv, &i))) return 2;
        } else {
            cli_error("shortlist: unknown option '%s' (see s2s shortlist -h)", a);
            return 2;
        }
    }
    if (!o.model || !o.out || (!remove && !o.train)) {
        cli_error("shortlist: --model, --out and --train (or --remove) are required");
        fputs(shortlist_usage, stderr);
        return 2;
    }
    s2s_model *m = cli_load_model(o.model);
    if (!m) return 1;
    int status = 1;
    tsv_corpus train = {0}, dev = {0};
    if (!s2s_model_has_vocab(m)) {
        cli_error("shortlist: %s has no vocabulary attached", o.model);
        goto done;
    }
    if (remove) {
        s2s_model_set_shortlist(m, NULL, 0, NULL, 0, NULL);
    } else {
        if (tsv_read(o.train, &train) != 0) goto done;
        if (o.reverse) tsv_reverse(&train);
        if (build(m, &train, &o) != 0) goto done;
        if (o.check) {
            if (tsv_read(o.check, &dev) != 0) goto done;
            if (o.reverse) tsv_reverse(&dev);
            if (check(m, &dev, o.check_sentences) != 0) goto done;
        }
    }
    if (cli_save_model(m, o.out) != 0) goto done;
    status = 0;
done:
    tsv_free(&train);
    tsv_free(&dev);
    s2s_model_free(m);
    return status;
}
