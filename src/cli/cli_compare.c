/*
 * cli_compare.c — `s2s compare`: is one system's output better than
 * another's on the same test set by more than the luck of which sentences
 * the set holds? Paired bootstrap resampling (Koehn, EMNLP 2004): draw many
 * test sets of the same size from the sentences, with replacement, score
 * both systems on each draw (the same sentences for both: paired), and see
 * how the difference of their corpus scores spreads.
 *
 * Corpus BLEU and chrF are not means of sentence scores, but their
 * statistics add up (metrics.h), so each sentence's statistics are computed
 * once and a draw only sums them.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metrics.h"
#include "tsv.h"

/* One sentence's statistics for one system. */
typedef struct sentence_stats {
    bleu_stats bleu;
    chrf_stats chrf;
} sentence_stats;

enum { METRIC_BLEU, METRIC_CHRF, N_METRICS };
static const char *const metric_names[N_METRICS] = {"bleu", "chrf2"};

/* What a subset's bootstrap found for one metric. */
typedef struct metric_result {
    double a, b;        /* the two systems' scores on the subset itself */
    double low, high;   /* the 2.5th and 97.5th percentile of the sampled a - b */
    double p;           /* share of draws in which the observed leader is not ahead */
} metric_result;

typedef struct subset_result {
    char name[64];
    int64_t sentences;
    metric_result m[N_METRICS];
} subset_result;

static void sum_stats(sentence_stats *into, const sentence_stats *s) {
    bleu_merge(&into->bleu, &s->bleu);
    chrf_merge(&into->chrf, &s->chrf);
}

static void scores(const sentence_stats *s, double out[N_METRICS]) {
    out[METRIC_BLEU] = bleu_score(&s->bleu).score;
    out[METRIC_CHRF] = chrf_score(&s->chrf);
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The value below which a share q of the sorted samples lie (nearest rank). */
static double percentile(const double *sorted, int64_t n, double q) {
    int64_t k = (int64_t)(q * (double)n);
    if (k >= n) k = n - 1;
    if (k < 0) k = 0;
    return sorted[k];
}

/* Bootstrap the subset of sentences idx[0..n) of both systems. deltas has
 * room for N_METRICS * samples doubles. */
static void bootstrap(const sentence_stats *sa, const sentence_stats *sb, const int64_t *idx,
                      int64_t n, int64_t samples, uint64_t seed, double *deltas,
                      subset_result *out) {
    sentence_stats ta, tb;
    memset(&ta, 0, sizeof ta);
    memset(&tb, 0, sizeof tb);
    for (int64_t i = 0; i < n; i++) {
        sum_stats(&ta, &sa[idx[i]]);
        sum_stats(&tb, &sb[idx[i]]);
    }
    double a[N_METRICS], b[N_METRICS];
    scores(&ta, a);
    scores(&tb, b);
    cli_rng rng = {seed};
    for (int64_t s = 0; s < samples; s++) {
        memset(&ta, 0, sizeof ta);
        memset(&tb, 0, sizeof tb);
        for (int64_t i = 0; i < n; i++) {
            int64_t k = idx[cli_rng_below(&rng, (uint64_t)n)];
            sum_stats(&ta, &sa[k]);
            sum_stats(&tb, &sb[k]);
        }
        double da[N_METRICS], db[N_METRICS];
        scores(&ta, da);
        scores(&tb, db);
        for (int m = 0; m < N_METRICS; m++) deltas[m * samples + s] = da[m] - db[m];
    }
    out->sentences = n;
    for (int m = 0; m < N_METRICS; m++) {
        double *d = deltas + m * samples, observed = a[m] - b[m];
        int64_t not_ahead = 0;
        for (int64_t s = 0; s < samples; s++)
            if (observed >= 0 ? d[s] <= 0 : d[s] >= 0) not_ahead++;
        qsort(d, (size_t)samples, sizeof *d, cmp_double);
        out->m[m] = (metric_result){a[m], b[m], percentile(d, samples, 0.025),
                                    percentile(d, samples, 0.975),
                                    (double)not_ahead / (double)samples};
    }
}

static void print_result(const subset_result *r) {
    printf("%-22s %6lld", r->name, (long long)r->sentences);
    for (int m = 0; m < N_METRICS; m++) {
        const metric_result *x = &r->m[m];
        char interval[48]; /* one word, so that the columns split on spaces */
        snprintf(interval, sizeof interval, "[%+.2f,%+.2f]", x->low, x->high);
        printf("  %6.2f %6.2f %+6.2f %16s %5.3f", x->a, x->b, x->a - x->b, interval, x->p);
    }
    putchar('\n');
}

static void json_result(FILE *f, const subset_result *r) {
    fprintf(f, "{\"sentences\": %lld", (long long)r->sentences);
    for (int m = 0; m < N_METRICS; m++) {
        const metric_result *x = &r->m[m];
        fprintf(f,
                ", \"%s\": {\"a\": %.6f, \"b\": %.6f, \"delta\": %.6f, \"low\": %.6f, "
                "\"high\": %.6f, \"p\": %.6f}",
                metric_names[m], x->a, x->b, x->a - x->b, x->low, x->high, x->p);
    }
    fputc('}', f);
}

static const char compare_usage[] =
    "usage: s2s compare --test TEST.tsv --hyp A.txt --hyp B.txt [--reverse] [--by-domain]\n"
    "                   [--samples N] [--seed S] [--json FILE]\n"
    "Paired bootstrap resampling: are system A's corpus BLEU and chrF2 on TEST.tsv\n"
    "above system B's by more than chance? A.txt and B.txt hold one output line per\n"
    "sentence pair of TEST.tsv, in order (as `s2s eval --hyp-out` writes them).\n"
    "Draws N test sets (default 1000) of the same size from the sentences, with\n"
    "replacement, scores both systems on each and prints, per metric: A, B, A - B,\n"
    "the 95% interval of A - B over the draws, and p: the share of draws in which\n"
    "the system ahead on the whole set is not ahead (p < 0.05: unlikely to be luck).\n"
    "--by-domain does the same within each domain; --reverse scores against the\n"
    "English column; --seed (default 1) fixes the draws.\n";

int cmd_compare(int argc, char **argv) {
    const char *test_path = NULL, *hyp_path[2] = {NULL, NULL}, *json_path = NULL;
    int n_hyp = 0, by_domain = 0, reverse = 0;
    long long samples = 1000, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(compare_usage, stdout);
            return 0;
        } else if (!strcmp(a, "--test")) {
            if (!(test_path = cli_next_value(argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--hyp")) {
            if (!(val = cli_next_value(argc, argv, &i))) return 2;
            if (n_hyp == 2) {
                cli_error("compare: --hyp given more than twice (see s2s compare -h)");
                return 2;
            }
            hyp_path[n_hyp++] = val;
        } else if (!strcmp(a, "--json")) {
            if (!(json_path = cli_next_value(argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--samples")) {
            if (!(val = cli_next_value(argc, argv, &i)) ||
                cli_parse_int(a, val, 10, 1000000, &samples))
                return 2;
        } else if (!strcmp(a, "--seed")) {
            if (!(val = cli_next_value(argc, argv, &i)) ||
                cli_parse_int(a, val, 0, INT64_MAX, &seed))
                return 2;
        } else if (!strcmp(a, "--by-domain")) {
            by_domain = 1;
        } else if (!strcmp(a, "--reverse")) {
            reverse = 1;
        } else {
            cli_error("compare: unknown option '%s' (see s2s compare -h)", a);
            return 2;
        }
    }
    if (!test_path || n_hyp != 2) {
        cli_error("compare: --test and two --hyp files are required (see s2s compare -h)");
        return 2;
    }
    tsv_corpus test;
    if (tsv_read(test_path, &test) != 0) return 1;
    if (reverse) tsv_reverse(&test);
    int status = 1;
    text_lines hyp[2] = {{0}, {0}};
    sentence_stats *stats[2] = {NULL, NULL};
    int64_t *idx = NULL;
    double *deltas = NULL;
    subset_result *results = NULL;
    int n_results = 0;
    const char **names = NULL;
    if (test.n == 0) {
        cli_error("compare: %s has no sentence pairs", test_path);
        goto done;
    }
    for (int h = 0; h < 2; h++) {
        if (hyp_lines_read("compare", hyp_path[h], test_path, test.n, &hyp[h]) != 0) goto done;
        if (!(stats[h] = calloc((size_t)test.n, sizeof *stats[h]))) {
            cli_error("out of memory");
            goto done;
        }
        for (int64_t i = 0; i < test.n; i++)
            if (bleu_add(&stats[h][i].bleu, hyp[h].line[i], test.tgt[i]) != 0 ||
                chrf_add(&stats[h][i].chrf, hyp[h].line[i], test.tgt[i]) != 0) {
                cli_error("out of memory scoring");
                goto done;
            }
    }
    /* subsets: all, then each domain in order of first appearance */
    int n_names = 1;
    names = malloc(sizeof *names * (size_t)(test.n + 1));
    idx = malloc(sizeof *idx * (size_t)test.n);
    deltas = malloc(sizeof *deltas * (size_t)(N_METRICS * samples));
    if (!names || !idx || !deltas) {
        cli_error("out of memory");
        goto done;
    }
    names[0] = "all";
    if (by_domain)
        for (int64_t i = 0; i < test.n; i++) {
            int k = 1;
            while (k < n_names && strcmp(names[k], test.domain[i]) != 0) k++;
            if (k == n_names) names[n_names++] = test.domain[i];
        }
    if (!(results = calloc((size_t)n_names, sizeof *results))) {
        cli_error("out of memory");
        goto done;
    }
    printf("A %s\nB %s\ntest %s, %lld draws, seed %lld\n", hyp_path[0], hyp_path[1], test_path,
           samples, seed);
    printf("%-22s %6s  %6s %6s %6s %16s %5s  %6s %6s %6s %16s %5s\n", "subset", "sent", "BLEU A",
           "B", "A-B", "95% interval", "p", "chrF A", "B", "A-B", "95% interval", "p");
    for (int k = 0; k < n_names; k++) {
        int64_t n = 0;
        for (int64_t i = 0; i < test.n; i++)
            if (k == 0 || !strcmp(test.domain[i], names[k])) idx[n++] = i;
        subset_result *r = &results[n_results++];
        snprintf(r->name, sizeof r->name, "%s%.48s", k ? "domain " : "", names[k]);
        /* the same seed for every subset: each subset's draws are reproducible alone */
        bootstrap(stats[0], stats[1], idx, n, samples, (uint64_t)seed, deltas, r);
        print_result(r);
    }
    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (!f) {
            cli_error("cannot create %s", json_path);
            goto done;
        }
        fputs("{\n  \"a\": ", f);
        cli_json_string(f, hyp_path[0]);
        fputs(",\n  \"b\": ", f);
        cli_json_string(f, hyp_path[1]);
        fputs(",\n  \"test\": ", f);
        cli_json_string(f, test_path);
        fprintf(f, ",\n  \"samples\": %lld,\n  \"seed\": %lld,\n  \"overall\": ", samples, seed);
        json_result(f, &results[0]);
        if (by_domain) {
            fputs(",\n  \"by_domain\": {", f);
            for (int k = 1; k < n_results; k++) {
                fputs(k > 1 ? ",\n    " : "\n    ", f);
                cli_json_string(f, names[k]);
                fputs(": ", f);
                json_result(f, &results[k]);
            }
            fputs(n_results > 1 ? "\n  }" : "}", f);
        }
        fputs("\n}\n", f);
        if (fclose(f) != 0) {
            cli_error("cannot write %s", json_path);
            goto done;
        }
    }
    status = 0;
done:
    for (int h = 0; h < 2; h++) {
        lines_free(&hyp[h]);
        free(stats[h]);
    }
    free(names);
    free(idx);
    free(deltas);
    free(results);
    tsv_free(&test);
    return status;
}
