/*
 * cli_translate.c — `s2s translate`, `s2s quantize`, `s2s dequantize`,
 * `s2s info`, and the batched translation loop the other commands share.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

char *cli_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

/* ------------------------------------------------------------ shared loop */

typedef struct len_index {
    int32_t len;
    int64_t index;
} len_index;

static int by_length(const void *a, const void *b) {
    const len_index *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index); /* stable, so runs are repeatable */
}

int cli_translate_encoded(const s2s_model *model, int64_t n, const int32_t *const *src,
                          const int32_t *src_len, const s2s_translate_params *params,
                          int32_t batch, char **hyps, float **attn, int32_t *dims) {
    for (int64_t i = 0; i < n; i++) {
        hyps[i] = NULL;
        if (attn) attn[i] = NULL;
    }
    if (batch < 1) batch = 1;
    if (batch > S2S_MAX_BATCH) batch = S2S_MAX_BATCH;
    len_index *order = malloc(sizeof *order * (size_t)(n + 1));
    const int32_t **bsrc = malloc(sizeof *bsrc * (size_t)batch);
    int32_t *blen = malloc(sizeof *blen * (size_t)batch);
    int64_t *bidx = malloc(sizeof *bidx * (size_t)batch);
    int rc = -1;
    if (!order || !bsrc || !blen || !bidx) {
        cli_error("out of memory translating %lld sentences", (long long)n);
        goto done;
    }
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        if (src_len[i] == 0) {
            /* Nothing to translate: an empty line stays empty. */
            if (!(hyps[i] = cli_strdup(""))) {
                cli_error("out of memory");
                goto done;
            }
            continue;
        }
        order[m].len = src_len[i];
        order[m].index = i;
        m++;
    }
    qsort(order, (size_t)m, sizeof *order, by_length);
    for (int64_t start = 0; start < m; start += batch) {
        int32_t k = (int32_t)(m - start < batch ? m - start : batch);
        for (int32_t j = 0; j < k; j++) {
            bidx[j] = order[start + j].index;
            bsrc[j] = src[bidx[j]];
            blen[j] = src_len[bidx[j]];
        }
        s2s_result *res = NULL;
        s2s_error err = {0};
        if (s2s_translate_ids(model, k, bsrc, blen, params, &res, &err) != S2S_OK) {
            cli_error_s2s("translation failed", &err);
            goto done;
        }
        for (int32_t j = 0; j < k; j++) {
            int32_t len = 0;
            const int32_t *tok = s2s_result_tokens(res, j, &len);
            char *text = NULL;
            if (s2s_decode(model, tok, len, &text, &err) != S2S_OK) {
                s2s_result_free(res);
                cli_error_s2s("cannot decode a translation", &err);
                goto done;
            }
            hyps[bidx[j]] = cli_strdup(text);
            s2s_free(text);
            if (!hyps[bidx[j]]) {
                s2s_result_free(res);
                cli_error("out of memory");
                goto done;
            }
            if (attn) {
                int32_t rows = 0, cols = 0;
                const float *a = s2s_result_attention(res, j, &rows, &cols);
                dims[2 * bidx[j]] = a ? rows : 0;
                dims[2 * bidx[j] + 1] = a ? cols : 0;
                if (a) {
                    size_t bytes = sizeof(float) * (size_t)rows * (size_t)cols;
                    attn[bidx[j]] = malloc(bytes ? bytes : 1);
                    if (!attn[bidx[j]]) {
                        s2s_result_free(res);
                        cli_error("out of memory");
                        goto done;
                    }
                    memcpy(attn[bidx[j]], a, bytes);
                }
            }
        }
        s2s_result_free(res);
    }
    rc = 0;
done:
    if (rc != 0) {
        for (int64_t i = 0; i < n; i++) {
            free(hyps[i]);
            hyps[i] = NULL;
            if (attn) {
                free(attn[i]);
                attn[i] = NULL;
            }
        }
    }
    free(order);
    free(bsrc);
    free(blen);
    free(bidx);
    return rc;
}

/* ------------------------------------------------------------ translate */

static void print_attention(const s2s_model *model, int64_t line, const int32_t *src,
                            int32_t src_len, const char *hyp, const float *a, int32_t rows,
                            int32_t cols) {
    /* One JSON object per line on stderr, so stdout stays plain translations. */
    int32_t tgt[S2S_MAX_SEQ_LEN];
    int32_t tn = 0;
    s2s_error err = {0};
    if (s2s_encode(model, hyp, strlen(hyp), tgt, S2S_MAX_SEQ_LEN, &tn, &err) != S2S_OK) tn = 0;
    fprintf(stderr, "{\"line\": %lld, \"src\": [", (long long)line);
    for (int32_t i = 0; i < src_len; i++) {
        if (i) fputs(", ", stderr);
        cli_json_string(stderr, s2s_piece(model, src[i]));
    }
    /* The output pieces are re-encoded from the text, which normally gives
     * the decoded ids back; the last row of attention belongs to EOS. */
    fputs("], \"tgt\": [", stderr);
    for (int32_t i = 0; i < tn; i++) {
        cli_json_string(stderr, s2s_piece(model, tgt[i]));
        fputs(", ", stderr);
    }
    fputs("\"</s>\"], \"attention\": ", stderr);
    if (!a) {
        fputs("null}\n", stderr);
        return;
    }
    fputc('[', stderr);
    for (int32_t r = 0; r < rows; r++) {
        fputs(r ? ", [" : "[", stderr);
        for (int32_t c = 0; c < cols; c++)
            fprintf(stderr, c ? ", %.4f" : "%.4f", (double)a[(size_t)r * (size_t)cols + (size_t)c]);
        fputc(']', stderr);
    }
    fputs("]}\n", stderr);
}

static const char translate_usage[] =
    "usage: s2s translate --model MODEL.s2s [--beam N] [--length-penalty A]\n"
    "                     [--max-len-factor F] [--batch N] [--attention] [--no-shortlist]\n"
    "                     [--block-repeats 0|1] [--rerank REVERSE.s2s [--rerank-weight W]]\n"
    "Reads lines in the source language (the file says which: s2s info) on stdin, writes one\n"
    "translated line per input line on stdout.\n"
    "  --beam N            beam size (1 = greedy; default 1)\n"
    "  --length-penalty A  score = logprob / len^A (default: the model's length_penalty\n"
    "                      metadata where it has one, else 1)\n"
    "  --max-len-factor F  stop after F x source length (+ extra) tokens\n"
    "  --batch N           sentences translated together (default 32)\n"
    "  --attention         also print each attention matrix as a JSON line on stderr\n"
    "  --no-shortlist      score the whole vocabulary even when the model has a shortlist\n"
    "  --block-repeats B   1: never write a word's piece right after itself (\"the the\");\n"
    "                      default: the model's block_repeats metadata where it has one, else 0\n"
    "  --rerank REVERSE.s2s  pick among the beam's finished hypotheses with a model of the\n"
    "                      other direction (same vocabulary): score + W x its log P(source |\n"
    "                      hypothesis) per source token; keeps more of long sentences\n"
    "  --rerank-weight W   W (default: the model's rerank_weight metadata)\n"
    "A line that cannot be translated (invalid UTF-8, or longer than 1 MiB) gives an\n"
    "empty output line and a message naming it on stderr; the rest go on. A line of\n"
    "more than 512 tokens is translated from its first 512 (with a warning). Exit\n"
    "status: 0 when every line was translated, 1 when a line was left empty or on\n"
    "another error, 2 for a usage error.\n";

/* Longest input line read (bytes, without its newline); the rest of a longer
 * line is skipped, so memory stays bounded whatever stdin holds. */
#define TRANSLATE_MAX_LINE (1 << 20)

/* Reads one line of at most TRANSLATE_MAX_LINE bytes into *buf (grown as
 * needed, NUL-terminated, newline dropped; NUL bytes inside are kept and
 * counted in *len). Returns 1 for a line, 0 at end of input, -1 when out of
 * memory. *too_long is set when the line was longer (its start is in *buf). */
static int read_line(FILE *in, char **buf, size_t *cap, size_t *len, int *too_long) {
    size_t n = 0;
    int c, any = 0;
    *too_long = 0;
    while ((c = getc(in)) != EOF) {
        any = 1;
        if (c == '\n') break;
        if (n >= TRANSLATE_MAX_LINE) {
            *too_long = 1;
            continue;
        }
        if (n + 1 >= *cap) {
            size_t nc = *cap ? *cap * 2 : 256;
            char *nb = realloc(*buf, nc);
            if (!nb) return -1;
            *buf = nb;
            *cap = nc;
        }
        (*buf)[n++] = (char)c;
    }
    if (!any) return 0;
    if (!*buf) {
        if (!(*buf = malloc(1))) return -1;
        *cap = 1;
    }
    (*buf)[n] = '\0';
    *len = cli_chomp(*buf, n); /* "\r\n" endings */
    return 1;
}

int cmd_translate(int argc, char **argv) {
    const char *model_path = NULL, *rerank_path = NULL;
    double rerank_weight = -1; /* the model's, unless --rerank-weight */
    s2s_translate_params tp = s2s_translate_default_params();
    tp.length_penalty = -1; /* the model's, unless --length-penalty */
    tp.block_repeats = -1;  /* the model's, unless --block-repeats */
    long long batch = 32, v;
    double d;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(translate_usage, stdout);
            return 0;
        } else if (!strcmp(a, "--model")) {
            if (!(model_path = cli_next_value(argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--beam")) {
            if (!(val = cli_next_value(argc, argv, &i)) ||
                cli_parse_int(a, val, 1, S2S_MAX_BEAM, &v))
                return 2;
            tp.beam_size = (int32_t)v;
        } else if (!strcmp(a, "--length-penalty")) {
            if (!(val = cli_next_value(argc, argv, &i)) || cli_parse_double(a, val, 0, 10, &d))
                return 2;
            tp.length_penalty = (float)d;
        } else if (!strcmp(a, "--max-len-factor")) {
            if (!(val = cli_next_value(argc, argv, &i)) || cli_parse_double(a, val, 0.1, 100, &d))
                return 2;
            tp.max_len_factor = (float)d;
        } else if (!strcmp(a, "--batch")) {
            if (!(val = cli_next_value(argc, argv, &i)) ||
                cli_parse_int(a, val, 1, S2S_MAX_BATCH, &batch))
                return 2;
        } else if (!strcmp(a, "--attention")) {
            tp.want_attention = 1;
        } else if (!strcmp(a, "--no-shortlist")) {
            tp.use_shortlist = 0;
        } else if (!strcmp(a, "--block-repeats")) {
            if (!(val = cli_next_value(argc, argv, &i)) || cli_parse_int(a, val, 0, 1, &v)) return 2;
            tp.block_repeats = (int32_t)v;
        } else if (!strcmp(a, "--rerank")) {
            if (!(rerank_path = cli_next_value(argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--rerank-weight")) {
            if (!(val = cli_next_value(argc, argv, &i)) ||
                cli_parse_double(a, val, 0, 100, &rerank_weight))
                return 2;
        } else {
            cli_error("translate: unknown option '%s' (see s2s translate -h)", a);
            return 2;
        }
    }
    if (!model_path) {
        cli_error("translate: --model is required (see s2s translate -h)");
        return 2;
    }
    if (rerank_weight >= 0 && !rerank_path) {
        cli_error("translate: --rerank-weight needs --rerank");
        return 2;
    }
    s2s_model *model = cli_load_model(model_path), *rerank = NULL;
    if (!model) return 1;
    if (rerank_path && cli_load_rerank("translate", rerank_path, rerank_weight, model, &tp, &rerank)) {
        s2s_model_free(model);
        return 1;
    }
    s2s_translate_params own = s2s_translate_model_params(model);
    if (tp.length_penalty < 0) tp.length_penalty = own.length_penalty;
    if (tp.block_repeats < 0) tp.block_repeats = own.block_repeats;
    if (!s2s_model_has_vocab(model)) {
        cli_error("translate: %s has no vocabulary attached", model_path);
        s2s_model_free(model);
        s2s_model_free(rerank);
        return 1;
    }

    int status = 1;
    int32_t *pool = malloc(sizeof *pool * (size_t)batch * S2S_MAX_SEQ_LEN);
    const int32_t **src = malloc(sizeof *src * (size_t)batch);
    int32_t *src_len = malloc(sizeof *src_len * (size_t)batch);
    char **hyps = malloc(sizeof *hyps * (size_t)batch);
    float **attn = malloc(sizeof *attn * (size_t)batch);
    int32_t *dims = malloc(sizeof *dims * 2 * (size_t)batch);
    char *line = NULL;
    size_t line_cap = 0;
    if (!pool || !src || !src_len || !hyps || !attn || !dims) {
        cli_error("out of memory");
        goto done;
    }
    int64_t line_no = 0;
    int eof = 0, failed_lines = 0;
    while (!eof) {
        int32_t k = 0;
        while (k < batch) {
            size_t len = 0;
            int too_long = 0;
            int got = read_line(stdin, &line, &line_cap, &len, &too_long);
            if (got < 0) {
                cli_error("out of memory reading line %lld", (long long)(line_no + k + 1));
                goto done;
            }
            if (got == 0) {
                eof = 1;
                break;
            }
            int32_t *ids = pool + (size_t)k * S2S_MAX_SEQ_LEN;
            int32_t nids = 0;
            s2s_error err = {0};
            s2s_status st = S2S_OK;
            if (too_long) {
                cli_error("line %lld left empty: longer than %d bytes",
                          (long long)(line_no + k + 1), TRANSLATE_MAX_LINE);
                failed_lines++;
                src[k] = ids;
                src_len[k] = 0;
                k++;
                continue;
            }
            st = s2s_encode(model, line, len, ids, S2S_MAX_SEQ_LEN, &nids, &err);
            if (st == S2S_ERR_INPUT_TOO_LONG) {
                cli_error("line %lld: %d tokens, translating the first %d",
                          (long long)(line_no + k + 1), nids, S2S_MAX_SEQ_LEN);
                nids = S2S_MAX_SEQ_LEN;
            } else if (st != S2S_OK) {
                char what[64];
                snprintf(what, sizeof what, "line %lld left empty", (long long)(line_no + k + 1));
                cli_error_s2s(what, &err);
                failed_lines++;
                nids = 0;
            }
            src[k] = ids;
            src_len[k] = nids;
            k++;
        }
        if (k == 0) break;
        if (cli_translate_encoded(model, k, src, src_len, &tp, (int32_t)batch, hyps,
                                  tp.want_attention ? attn : NULL, dims) != 0)
            goto done;
        for (int32_t j = 0; j < k; j++) {
            fputs(hyps[j], stdout);
            fputc('\n', stdout);
            if (tp.want_attention && src_len[j] > 0)
                print_attention(model, line_no + j + 1, src[j], src_len[j], hyps[j], attn[j],
                                dims[2 * j], dims[2 * j + 1]);
            free(hyps[j]);
            if (tp.want_attention) free(attn[j]);
        }
        fflush(stdout);
        line_no += k;
    }
    if (ferror(stdin)) {
        cli_error("translate: error reading standard input");
        goto done;
    }
    if (failed_lines) {
        cli_error("translate: %d of %lld lines could not be translated (left empty)",
                  failed_lines, (long long)line_no);
        goto done;
    }
    status = 0;
done:
    free(line);
    free(pool);
    free(src);
    free(src_len);
    free(hyps);
    free(attn);
    free(dims);
    s2s_model_free(model);
    s2s_model_free(rerank);
    return status;
}

/* ------------------------------------------------------------ quantize */

static int convert(int argc, char **argv, int quantize) {
    const char *name = quantize ? "quantize" : "dequantize";
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        printf("usage: s2s %s IN.s2s OUT.s2s [--meta KEY=VALUE]...\n%s"
               "--meta sets a metadata string on the copy (repeatable), e.g.\n"
               "  --meta source_language=en --meta target_language=es\n",
               name,
               quantize ? "Writes a copy with int8 (Q8) matrices; embeddings and biases stay f32.\n"
                        : "Writes a copy with every int8 tensor expanded back to f32.\n");
        return 0;
    }
    const char *paths[2] = {NULL, NULL};
    int n_paths = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--meta")) {
            if (!cli_next_value(argc, argv, &i)) return 2;
        } else if (!strncmp(argv[i], "--", 2) || n_paths == 2) {
            cli_error("%s: unexpected argument '%s' (see s2s %s -h)", name, argv[i], name);
            return 2;
        } else {
            paths[n_paths++] = argv[i];
        }
    }
    if (n_paths != 2) {
        cli_error("%s needs IN and OUT (see s2s %s -h)", name, name);
        return 2;
    }
    s2s_model *in = cli_load_model(paths[0]);
    if (!in) return 1;
    s2s_model *out = NULL;
    s2s_error err = {0};
    s2s_status st = quantize ? s2s_model_quantize(&out, in, &err)
                             : s2s_model_dequantize(&out, in, &err);
    s2s_model_free(in);
    if (st != S2S_OK) {
        cli_error_s2s(quantize ? "cannot quantize" : "cannot dequantize", &err);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--meta") != 0) continue;
        if (cli_set_meta(out, argv[++i])) {
            s2s_model_free(out);
            return 2;
        }
    }
    int rc = cli_save_model(out, paths[1]);
    s2s_model_free(out);
    return rc ? 1 : 0;
}

int cmd_quantize(int argc, char **argv) { return convert(argc, argv, 1); }
int cmd_dequantize(int argc, char **argv) { return convert(argc, argv, 0); }

/* ------------------------------------------------------------ average */

int cmd_average(int argc, char **argv) {
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        puts("usage: s2s average IN.s2s... --out OUT.s2s [--meta KEY=VALUE]...\n"
             "Writes an f32 model whose every parameter is the mean of the inputs' (checkpoint\n"
             "averaging: f32 models of one training run at several steps, same shape). The\n"
             "vocabulary, metadata and shortlist are the last input's; --meta adds or replaces\n"
             "metadata. Quantize the result to ship it.");
        return 0;
    }
    const char *out_path = NULL;
    int n = 0; /* input paths; models[i] loads paths[i] (NULL until it has) */
    const char **paths = calloc((size_t)argc, sizeof *paths);
    s2s_model **models = calloc((size_t)argc, sizeof *models);
    int rc = 2;
    if (!paths || !models) {
        cli_error("out of memory");
        rc = 1;
        goto done;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out")) {
            if (!(out_path = cli_next_value(argc, argv, &i))) goto done;
        } else if (!strcmp(argv[i], "--meta")) {
            if (!cli_next_value(argc, argv, &i)) goto done;
        } else if (!strncmp(argv[i], "--", 2)) {
            cli_error("average: unexpected argument '%s' (see s2s average -h)", argv[i]);
            goto done;
        } else {
            paths[n++] = argv[i];
        }
    }
    if (!out_path || n < 1) {
        cli_error("average needs input models and --out (see s2s average -h)");
        goto done;
    }
    rc = 1;
    for (int i = 0; i < n; i++)
        if (!(models[i] = cli_load_model(paths[i]))) goto done;
    s2s_model *avg = NULL;
    s2s_error err = {0};
    if (s2s_model_average(&avg, (const s2s_model *const *)models, n, &err) != S2S_OK) {
        cli_error_s2s("cannot average", &err);
        goto done;
    }
    rc = 0;
    for (int i = 1; i < argc && !rc; i++)
        if (!strcmp(argv[i], "--meta") && cli_set_meta(avg, argv[++i])) rc = 2;
    if (!rc && cli_save_model(avg, out_path)) rc = 1;
    s2s_model_free(avg);
done:
    for (int i = 0; models && i < n; i++) s2s_model_free(models[i]); /* NULL: not loaded */
    free(models);
    free(paths);
    return rc;
}

/* ------------------------------------------------------------ info */

int cmd_info(int argc, char **argv) {
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        puts("usage: s2s info MODEL.s2s\n"
             "Prints the hyper-parameters, parameter count, quantization, vocabulary size and\n"
             "metadata of a model file.");
        return 0;
    }
    if (argc != 2) {
        cli_error("info needs one model file (see s2s info -h)");
        return 2;
    }
    char *data;
    size_t size;
    if (cli_read_file(argv[1], &data, &size) != 0) return 1;
    s2s_model *m = NULL;
    s2s_error err = {0};
    if (s2s_model_load(&m, data, size, &err) != S2S_OK) {
        char what[512];
        snprintf(what, sizeof what, "cannot load model %s", argv[1]);
        cli_error_s2s(what, &err);
        free(data);
        return 1;
    }
    const s2s_hparams *hp = s2s_model_hparams(m);
    size_t params = s2s_model_num_params(m);
    printf("file           %s (%.2f MB)\n", argv[1], (double)size / 1e6);
    if (hp->architecture == S2S_ARCH_TRANSFORMER) { /* no cells, bridge or input feeding */
        printf("architecture   %s\n", cli_enum_name("architecture", hp->architecture));
        printf("layers         %d encoder, %d decoder\n", hp->layers, hp->dec_layers);
        printf("heads          %d\n", hp->heads);
        printf("ff_dim         %d\n", hp->ff_dim);
        if (hp->positions == S2S_POS_LEARNED)
            printf("positions      %s (%d)\n", cli_enum_name("positions", hp->positions),
                   hp->max_positions);
        else
            printf("positions      %s\n", cli_enum_name("positions", hp->positions));
        printf("activation     %s\n", cli_enum_name("activation", hp->activation));
        printf("emb            %d\n", hp->emb_dim);
    } else { /* RNN files print as before */
        printf("cell           %s\n", cli_enum_name("cell", hp->cell));
        printf("attention      %s\n", cli_enum_name("attention", hp->attention));
        printf("bridge         %s\n", cli_enum_name("bridge", hp->bridge));
        printf("layers         %d\n", hp->layers);
        printf("bidirectional  %d\n", hp->bidirectional);
        printf("emb            %d\n", hp->emb_dim);
        printf("enc hidden     %d (per direction)\n", hp->enc_hidden);
        printf("dec hidden     %d\n", hp->dec_hidden);
        printf("input feed     %d\n", hp->input_feed);
    }
    printf("tied output    %d\n", hp->tie_output);
    printf("vocabulary     src %d, tgt %d, pieces %s\n", hp->src_vocab, hp->tgt_vocab,
           s2s_model_has_vocab(m) ? "attached" : "NOT attached");
    printf("parameters     %zu (%.2f MB as f32)\n", params, (double)params * 4 / 1e6);
    printf("quantized      %s\n", s2s_model_is_quantized(m) ? "yes (int8, one scale per row)" : "no (f32)");
    int32_t sl_frequent = 0, sl_k = 0;
    if (s2s_model_shortlist(m, &sl_frequent, &sl_k))
        printf("shortlist      %d frequent pieces + %d candidates per source piece\n", sl_frequent, sl_k);
    else
        puts("shortlist      none");
    /* The public API looks meta up by key; listing them needs the container. */
    format_file f;
    memset(&f, 0, sizeof f);
    if (format_parse(&f, (const uint8_t *)data, size, &err) == S2S_OK) {
        int any = 0;
        for (uint32_t i = 0; i < f.n_kv; i++) {
            const format_kv *kv = &f.kv[i];
            if (kv->key.len <= 5 || memcmp(kv->key.ptr, "meta.", 5) != 0) continue;
            char key[300];
            snprintf(key, sizeof key, "%.*s", (int)(kv->key.len - 5), kv->key.ptr + 5);
            const char *value = s2s_model_meta(m, key);
            if (!value) continue;
            size_t vl = strlen(value);
            printf("%s %-24s %.*s%s\n", any ? "              " : "meta          ", key,
                   (int)(vl > 100 ? 100 : vl), value, vl > 100 ? "..." : "");
            any = 1;
        }
        if (!any) puts("meta           (none)");
        format_file_clear(&f);
    }
    s2s_model_free(m);
    free(data);
    return 0;
}
