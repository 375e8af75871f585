/*
 * cli_eval.c — `s2s eval` (translate a test TSV and score it overall, per
 * domain and per source length; with --hyp it scores another system's output
 * instead, with the same breakdown) and `s2s score` (score two text files).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metrics.h"
#include "tsv.h"

/* One row of the report: sufficient statistics of a subset. */
typedef struct score_bin {
    char name[64];
    int64_t sentences;
    bleu_stats bleu;
    chrf_stats chrf;
} score_bin;

static void bin_init(score_bin *b, const char *name) {
    memset(b, 0, sizeof *b);
    snprintf(b->name, sizeof b->name, "%s", name);
}

static int bin_add(score_bin *b, const char *hyp, const char *ref) {
    if (bleu_add(&b->bleu, hyp, ref) != 0 || chrf_add(&b->chrf, hyp, ref) != 0) {
        cli_error("out of memory scoring");
        return -1;
    }
    b->sentences++;
    return 0;
}

static void print_header(void) {
    printf("%-28s %9s %7s %7s %6s %9s %9s\n", "subset", "sentences", "BLEU", "chrF2", "BP",
           "hyp_len", "ref_len");
}

static void print_row(const score_bin *b, const char *prefix) {
    if (b->sentences == 0) return;
    bleu_result r = bleu_score(&b->bleu);
    char name[96];
    snprintf(name, sizeof name, "%s%.64s", prefix, b->name);
    printf("%-28s %9lld %7.2f %7.2f %6.3f %9lld %9lld\n", name, (long long)b->sentences,
           r.score, chrf_score(&b->chrf), r.brevity_penalty, (long long)r.sys_len,
           (long long)r.ref_len);
}

static void json_bin(FILE *f, const score_bin *b) {
    bleu_result r = bleu_score(&b->bleu);
    fprintf(f,
            "{\"sentences\": %lld, \"bleu\": %.6f, \"chrf2\": %.6f, \"precisions\": [%.4f, %.4f, "
            "%.4f, %.4f], \"bp\": %.6f, \"hyp_len\": %lld, \"ref_len\": %lld}",
            (long long)b->sentences, r.score, chrf_score(&b->chrf), r.precision[0],
            r.precision[1], r.precision[2], r.precision[3], r.brevity_penalty,
            (long long)r.sys_len, (long long)r.ref_len);
}

static void json_bins(FILE *f, const char *key, const score_bin *bins, int n) {
    fprintf(f, ",\n  \"%s\": {", key);
    int first = 1;
    for (int i = 0; i < n; i++) {
        if (bins[i].sentences == 0) continue;
        fputs(first ? "\n    " : ",\n    ", f);
        cli_json_string(f, bins[i].name);
        fputs(": ", f);
        json_bin(f, &bins[i]);
        first = 0;
    }
    fputs(first ? "}" : "\n  }", f);
}

/* ------------------------------------------------------------ score */

static const char score_usage[] =
    "usage: s2s score --ref REF.txt --hyp HYP.txt [--json FILE]\n"
    "Corpus BLEU (sacreBLEU defaults: 13a, exp smoothing) and chrF2 of two files\n"
    "with one sentence per line (the same number of lines).\n";

int cmd_score(int argc, char **argv) {
    const char *ref_path = NULL, *hyp_path = NULL, *json_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(score_usage, stdout);
            return 0;
        } else if (!strcmp(a, "--ref")) {
            if (!(ref_path = cli_next_value(argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--hyp")) {
            if (!(hyp_path = cli_next_value(argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--json")) {
            if (!(json_path = cli_next_value(argc, argv, &i))) return 2;
        } else {
            cli_error("score: unknown option '%s' (see s2s score -h)", a);
            return 2;
        }
    }
    if (!ref_path || !hyp_path) {
        cli_error("score: --ref and --hyp are required (see s2s score -h)");
        return 2;
    }
    text_lines ref, hyp;
    if (lines_read(ref_path, &ref) != 0) return 1;
    if (lines_read(hyp_path, &hyp) != 0) {
        lines_free(&ref);
        return 1;
    }
    int status = 1;
    if (ref.n != hyp.n) {
        cli_error("score: %s has %lld lines but %s has %lld", ref_path, (long long)ref.n,
                  hyp_path, (long long)hyp.n);
        goto done;
    }
    score_bin all;
    bin_init(&all, "all");
    for (int64_t i = 0; i < ref.n; i++)
        if (bin_add(&all, hyp.line[i], ref.line[i]) != 0) goto done;
    bleu_result r = bleu_score(&all.bleu);
    printf("BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %lld ref_len = %lld)\n",
           r.score, r.precision[0], r.precision[1], r.precision[2], r.precision[3],
           r.brevity_penalty, r.ref_len ? (double)r.sys_len / (double)r.ref_len : 0.0,
           (long long)r.sys_len, (long long)r.ref_len);
    printf("chrF2 = %.2f\n", chrf_score(&all.chrf));
    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (!f) {
            cli_error("cannot create %s", json_path);
            goto done;
        }
        fputs("{\"overall\": ", f);
        json_bin(f, &all);
        fputs("}\n", f);
        if (fclose(f) != 0) {
            cli_error("cannot write %s", json_path);
            goto done;
        }
    }
    status = 0;
done:
    lines_free(&ref);
    lines_free(&hyp);
    return status;
}

/* ------------------------------------------------------------ eval */

enum { N_LENGTH_BINS = 5 };
static const int32_t length_upper[N_LENGTH_BINS] = {10, 20, 30, 50, INT32_MAX};
static const char *const length_names[N_LENGTH_BINS] = {"words 1-10", "words 11-20",
                                                        "words 21-30", "words 31-50",
                                                        "words 51+"};

static int length_bin(int32_t words) {
    for (int i = 0; i < N_LENGTH_BINS; i++)
        if (words <= length_upper[i]) return i;
    return N_LENGTH_BINS - 1;
}

static const char eval_usage[] =
    "usage: s2s eval --model MODEL.s2s --test TEST.tsv [--beam N] [--length-penalty A] [--reverse]\n"
    "                [--batch N] [--hyp-out FILE] [--by-domain] [--by-length] [--json FILE]\n"
    "                [--no-shortlist] [--block-repeats 0|1] [--rerank REVERSE.s2s [--rerank-weight W]]\n"
    "       s2s eval --hyp HYP.txt --test TEST.tsv [--by-domain] [--by-length] [--json FILE]\n"
    "Translates the English column of TEST.tsv (domain<TAB>en<TAB>es or en<TAB>es) and\n"
    "prints corpus BLEU and chrF2 against the Spanish column: overall, and with\n"
    "--by-domain per domain, with --by-length per source length in words\n"
    "(1-10, 11-20, 21-30, 31-50, 51+). --hyp-out writes the translations, one a line.\n"
    "With --hyp instead of --model, the translations are read from HYP.txt (another\n"
    "system's output: one line per sentence pair of TEST.tsv, in order, the same\n"
    "number of lines) and scored with exactly the same breakdown.\n"
    "--reverse swaps the columns: translate the Spanish, score against the English\n"
    "(for a Spanish -> English model on the same files).\n"
    "--no-shortlist scores the whole vocabulary even when the model has a lexical shortlist.\n"
    "--length-penalty defaults to the model's length_penalty metadata where it has one, else 1;\n"
    "--block-repeats 1 never writes a word's piece right after itself, and defaults to the\n"
    "model's block_repeats metadata where it has one, else 0.\n"
    "--rerank picks among the beam's finished hypotheses with a model of the other direction\n"
    "(as s2s translate --rerank); --rerank-weight defaults to the model's rerank_weight metadata.\n";

/* What the JSON report says about the model that was evaluated. */
typedef struct model_desc {
    const char *architecture, *cell, *attention; /* cell and attention: the RNN's */
    int quantized;
    int shortlist; /* the search used the model's lexical shortlist */
} model_desc;

/* Translate the English side of `test` with the model at model_path into
 * hyps (malloc'ed strings). *secs receives the translation time. */
static int eval_translate(const char *model_path, const char *rerank_path, double rerank_weight,
                          const tsv_corpus *test, s2s_translate_params *tp, int32_t batch,
                          char **hyps, double *secs, model_desc *desc) {
    s2s_model *model = cli_load_model(model_path), *rerank = NULL;
    if (!model) return -1;
    if (rerank_path && cli_load_rerank("eval", rerank_path, rerank_weight, model, tp, &rerank)) {
        s2s_model_free(model);
        return -1;
    }
    s2s_translate_params own = s2s_translate_model_params(model);
    if (tp->length_penalty < 0) tp->length_penalty = own.length_penalty;
    if (tp->block_repeats < 0) tp->block_repeats = own.block_repeats;
    const s2s_hparams *hp = s2s_model_hparams(model);
    desc->architecture = cli_enum_name("architecture", hp->architecture);
    /* cell and attention describe the RNN family only: null for a Transformer */
    if (hp->architecture == S2S_ARCH_RNN) {
        desc->cell = cli_enum_name("cell", hp->cell);
        desc->attention = cli_enum_name("attention", hp->attention);
    }
    desc->quantized = s2s_model_is_quantized(model);
    desc->shortlist = tp->use_shortlist && s2s_model_shortlist(model, NULL, NULL);
    int status = -1;
    size_t pool_cap = (size_t)test->n * S2S_MAX_SEQ_LEN / 8 + 1, pool_n = 0;
    int32_t *pool = malloc(sizeof *pool * pool_cap);
    int64_t *offs = malloc(sizeof *offs * (size_t)test->n);
    int32_t *lens = malloc(sizeof *lens * (size_t)test->n);
    const int32_t **src = malloc(sizeof *src * (size_t)test->n);
    if (!pool || !offs || !lens || !src) {
        cli_error("out of memory");
        goto done;
    }
    if (!s2s_model_has_vocab(model)) {
        cli_error("eval: %s has no vocabulary attached", model_path);
        goto done;
    }
    int64_t truncated = 0, unreadable = 0;
    for (int64_t i = 0; i < test->n; i++) {
        int32_t ids[S2S_MAX_SEQ_LEN], n = 0;
        s2s_error err = {0};
        s2s_status st = s2s_encode(model, test->src[i], strlen(test->src[i]), ids,
                                   S2S_MAX_SEQ_LEN, &n, &err);
        if (st == S2S_ERR_INPUT_TOO_LONG) {
            truncated++;
            n = S2S_MAX_SEQ_LEN;
        } else if (st != S2S_OK) {
            unreadable++;
            n = 0;
        }
        if (pool_n + (size_t)n > pool_cap) {
            size_t cap = 2 * pool_cap + (size_t)n;
            int32_t *grown = realloc(pool, sizeof *pool * cap);
            if (!grown) {
                cli_error("out of memory");
                goto done;
            }
            pool = grown;
            pool_cap = cap;
        }
        memcpy(pool + pool_n, ids, sizeof *ids * (size_t)n);
        offs[i] = (int64_t)pool_n;
        lens[i] = n;
        pool_n += (size_t)n;
    }
    for (int64_t i = 0; i < test->n; i++) src[i] = pool + offs[i];
    if (truncated) cli_error("warning: %lld sources longer than %d tokens were truncated",
                             (long long)truncated, S2S_MAX_SEQ_LEN);
    if (unreadable) cli_error("warning: %lld sources could not be encoded (scored as empty output)",
                              (long long)unreadable);
    double t0 = cli_now();
    if (cli_translate_encoded(model, test->n, src, lens, tp, batch, hyps, NULL, NULL)) goto done;
    *secs = cli_now() - t0;
    status = 0;
done:
    free(pool);
    free(offs);
    free(lens);
    free(src);
    s2s_model_free(model);
    s2s_model_free(rerank);
    tp->rerank_model = NULL; /* freed: only its weight is reported */
    return status;
}

/* Read another system's output: exactly one line per sentence pair. */
static int eval_read_hyps(const char *hyp_path, const char *test_path, const tsv_corpus *test,
                          char **hyps) {
    text_lines lines;
    if (hyp_lines_read("eval", hyp_path, test_path, test->n, &lines) != 0) return -1;
    int status = -1;
    for (int64_t i = 0; i < test->n; i++)
        if (!(hyps[i] = cli_strdup(lines.line[i]))) {
            cli_error("out of memory");
            goto done;
        }
    status = 0;
done:
    lines_free(&lines);
    return status;
}

int cmd_eval(int argc, char **argv) {
    const char *model_path = NULL, *test_path = NULL, *hyp_out_path = NULL, *json_path = NULL,
               *hyp_in_path = NULL, *rerank_path = NULL;
    double rerank_weight = -1; /* the model's, unless --rerank-weight */
    int by_domain = 0, by_length = 0, decoding_opts = 0, reverse = 0;
    long long batch = 64, v;
    double d;
    s2s_translate_params tp = s2s_translate_default_params();
    tp.beam_size = 1;
    tp.length_penalty = -1; /* the model's (eval_translate), unless --length-penalty */
    tp.block_repeats = -1;  /* the model's, unless --block-repeats */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(eval_usage, stdout);
            return 0;
        } else if (!strcmp(a, "--model")) {
            if (!(model_path = cli_next_value(argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--hyp")) {
            if (!(hyp_in_path = cli_next_value(argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--test")) {
            if (!(test_path = cli_next_value(argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--hyp-out")) {
            if (!(hyp_out_path = cli_next_value(argc, argv, &i))) return 2;
            decoding_opts = 1;
        } else if (!strcmp(a, "--json")) {
            if (!(json_path = cli_next_value(argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--beam")) {
            if (!(val = cli_next_value(argc, argv, &i)) ||
                cli_parse_int(a, val, 1, S2S_MAX_BEAM, &v))
                return 2;
            tp.beam_size = (int32_t)v;
            decoding_opts = 1;
        } else if (!strcmp(a, "--length-penalty")) {
            if (!(val = cli_next_value(argc, argv, &i)) || cli_parse_double(a, val, 0, 10, &d))
                return 2;
            tp.length_penalty = (float)d;
            decoding_opts = 1;
        } else if (!strcmp(a, "--no-shortlist")) {
            tp.use_shortlist = 0;
            decoding_opts = 1;
        } else if (!strcmp(a, "--block-repeats")) {
            if (!(val = cli_next_value(argc, argv, &i)) || cli_parse_int(a, val, 0, 1, &v)) return 2;
            tp.block_repeats = (int32_t)v;
            decoding_opts = 1;
        } else if (!strcmp(a, "--batch")) {
            if (!(val = cli_next_value(argc, argv, &i)) ||
                cli_parse_int(a, val, 1, S2S_MAX_BATCH, &batch))
                return 2;
            decoding_opts = 1;
        } else if (!strcmp(a, "--rerank")) {
            if (!(rerank_path = cli_next_value(argc, argv, &i))) return 2;
            decoding_opts = 1;
        } else if (!strcmp(a, "--rerank-weight")) {
            if (!(val = cli_next_value(argc, argv, &i)) ||
                cli_parse_double(a, val, 0, 100, &rerank_weight))
                return 2;
            decoding_opts = 1;
        } else if (!strcmp(a, "--by-domain")) {
            by_domain = 1;
        } else if (!strcmp(a, "--reverse")) {
            reverse = 1;
        } else if (!strcmp(a, "--by-length")) {
            by_length = 1;
        } else {
            cli_error("eval: unknown option '%s' (see s2s eval -h)", a);
            return 2;
        }
    }
    if (!test_path || (!model_path) == (!hyp_in_path)) {
        cli_error("eval: --test and exactly one of --model or --hyp are required (see s2s eval -h)");
        return 2;
    }
    if (hyp_in_path && decoding_opts) {
        cli_error("eval: --beam, --length-penalty, --block-repeats, --batch, --hyp-out, "
                  "--no-shortlist and --rerank need --model, not --hyp");
        return 2;
    }
    if (rerank_weight >= 0 && !rerank_path) {
        cli_error("eval: --rerank-weight needs --rerank");
        return 2;
    }
    tsv_corpus test;
    if (tsv_read(test_path, &test) != 0) return 1;
    if (reverse) tsv_reverse(&test);
    if (test.n == 0) {
        cli_error("eval: %s has no sentence pairs", test_path);
        tsv_free(&test);
        return 1;
    }
    int status = 1;
    char **hyps = calloc((size_t)test.n, sizeof *hyps);
    score_bin *domains = NULL;
    int n_domains = 0;
    double secs = 0;
    model_desc desc = {"?", NULL, NULL, 0, 0};
    if (!hyps) {
        cli_error("out of memory");
        goto done;
    }
    if (model_path ? eval_translate(model_path, rerank_path, rerank_weight, &test, &tp,
                                    (int32_t)batch, hyps, &secs, &desc)
                   : eval_read_hyps(hyp_in_path, test_path, &test, hyps))
        goto done;

    score_bin all, lengths[N_LENGTH_BINS];
    bin_init(&all, "all");
    for (int i = 0; i < N_LENGTH_BINS; i++) bin_init(&lengths[i], length_names[i]);
    for (int64_t i = 0; i < test.n; i++) {
        if (bin_add(&all, hyps[i], test.tgt[i]) != 0) goto done;
        if (by_length &&
            bin_add(&lengths[length_bin(count_words(test.src[i]))], hyps[i], test.tgt[i]) != 0)
            goto done;
        if (by_domain) {
            int k = 0;
            while (k < n_domains && strcmp(domains[k].name, test.domain[i]) != 0) k++;
            if (k == n_domains) {
                score_bin *grown = realloc(domains, sizeof *domains * (size_t)(n_domains + 1));
                if (!grown) {
                    cli_error("out of memory");
                    goto done;
                }
                domains = grown;
                bin_init(&domains[n_domains++], test.domain[i]);
            }
            if (bin_add(&domains[k], hyps[i], test.tgt[i]) != 0) goto done;
        }
    }
    if (model_path)
        printf("model %s, test %s, beam %d%s%s, %lld sentences in %.1f s (%.1f sentences/s)\n",
               model_path, test_path, tp.beam_size, desc.shortlist ? ", shortlist" : "",
               rerank_path ? ", reranked" : "",
               (long long)test.n, secs,
               secs > 0 ? (double)test.n / secs : 0.0);
    else
        printf("hypotheses %s, test %s, %lld sentences\n", hyp_in_path, test_path,
               (long long)test.n);
    print_header();
    print_row(&all, "");
    for (int k = 0; k < n_domains; k++) print_row(&domains[k], "domain ");
    if (by_length)
        for (int i = 0; i < N_LENGTH_BINS; i++) print_row(&lengths[i], "");

    if (hyp_out_path) {
        FILE *f = fopen(hyp_out_path, "w");
        if (!f) {
            cli_error("cannot create %s", hyp_out_path);
            goto done;
        }
        for (int64_t i = 0; i < test.n; i++) fprintf(f, "%s\n", hyps[i]);
        if (fclose(f) != 0) {
            cli_error("cannot write %s", hyp_out_path);
            goto done;
        }
    }
    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (!f) {
            cli_error("cannot create %s", json_path);
            goto done;
        }
        if (model_path) {
            fputs("{\n  \"model\": ", f);
            cli_json_string(f, model_path);
        } else {
            fputs("{\n  \"hyp\": ", f);
            cli_json_string(f, hyp_in_path);
        }
        fputs(",\n  \"test\": ", f);
        cli_json_string(f, test_path);
        if (model_path) {
            fputs(",\n  \"architecture\": ", f);
            cli_json_string(f, desc.architecture);
            /* cell and attention are the RNN family's: null for a Transformer */
            fputs(",\n  \"cell\": ", f);
            desc.cell ? cli_json_string(f, desc.cell) : (void)fputs("null", f);
            fputs(",\n  \"attention\": ", f);
            desc.attention ? cli_json_string(f, desc.attention) : (void)fputs("null", f);
            fprintf(f,
                    ",\n  \"quantized\": %s,\n  \"beam\": %d,\n  \"shortlist\": %s,"
                    "\n  \"length_penalty\": %.3f,\n  \"block_repeats\": %s,\n  \"seconds\": %.3f",
                    desc.quantized ? "true" : "false", tp.beam_size,
                    desc.shortlist ? "true" : "false", (double)tp.length_penalty,
                    tp.block_repeats ? "true" : "false", secs);
            fputs(",\n  \"rerank\": ", f);
            rerank_path ? cli_json_string(f, rerank_path) : (void)fputs("null", f);
            if (rerank_path) fprintf(f, ",\n  \"rerank_weight\": %.4f", (double)tp.rerank_weight);
        }
        fputs(",\n  \"overall\": ", f);
        json_bin(f, &all);
        if (by_domain) json_bins(f, "by_domain", domains, n_domains);
        if (by_length) json_bins(f, "by_length", lengths, N_LENGTH_BINS);
        fputs("\n}\n", f);
        if (fclose(f) != 0) {
            cli_error("cannot write %s", json_path);
            goto done;
        }
    }
    status = 0;
done:
    if (hyps)
        for (int64_t i = 0; i < test.n; i++) free(hyps[i]);
    free(hyps);
    free(domains);
    tsv_free(&test);
    return status;
}
