/*
 * bench_translate.c — native translation speed on real sentences, the
 * interactive case: one sentence per call. Prints JSON only (bench/run.mjs
 * reads it and prints the table); numbers, no pass/fail.
 *
 *   bench_translate MODEL.s2s SENTENCES.txt [--beam N] [--limit N] [--warmup N] [--reps N] [--ids]
 *                   [--no-shortlist]
 *
 * Per sentence (one line of SENTENCES.txt):
 *   first_token_ms  s2s_encode + s2s_stream_start + the first s2s_stream_next:
 *                   the time until the first target token is known (greedy).
 *                   Beam search decides nothing before it ends, so with
 *                   --beam > 1 this is the whole call (call_ms).
 *   call_ms         s2s_encode + s2s_translate_ids + s2s_decode: text in, text
 *                   out, what one JS translate(sentence) call does.
 *   tokens          target tokens produced (EOS not counted).
 * The translation parameters are s2s_translate_model_params(model) (the JS
 * API's defaults: the file's length penalty, else 1; at most 2 x source + 10
 * tokens) with beam_size.
 * With --reps N the whole pass runs N times and each sentence keeps its
 * fastest time (as bench/translate-loop.js does), which filters out moments
 * when another process had the core.
 * --ids adds each sentence's source ids (s2s_encode), the input the TF.js
 * comparison is given, and its output ids, to check TF.js gives the same.
 * --no-shortlist scores the whole vocabulary (TF.js has no shortlist). Times are wall-clock (CLOCK_MONOTONIC).
 * Any model family: only the public API is used (the JSON names the family).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s2s.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
}

static void die(const char *what, const s2s_error *e) {
    fprintf(stderr, "bench_translate: %s: %s\n", what, e ? e->message : "failed");
    exit(1);
}

static char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) die(path, NULL);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) die(path, NULL);
    buf[n] = '\0';
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct sentence {
    const char *text;
    size_t len;
    int words; /* whitespace-separated */
    int32_t ids[S2S_MAX_SEQ_LEN];
    int32_t n_ids;
    double first_ms, call_ms;
    int32_t tokens;
    int32_t *out; /* output ids (the last timed call) */
} sentence;

/* Text in, text out: encode, translate, decode. Sets s->tokens and s->out. */
static void translate_one(const s2s_model *m, sentence *s, const s2s_translate_params *p) {
    s2s_error err;
    int32_t ids[S2S_MAX_SEQ_LEN], n = 0;
    if (s2s_encode(m, s->text, s->len, ids, S2S_MAX_SEQ_LEN, &n, &err) != S2S_OK) die("encode", &err);
    const int32_t *src[1] = {ids};
    s2s_result *r = NULL;
    if (s2s_translate_ids(m, 1, src, &n, p, &r, &err) != S2S_OK) die("translate", &err);
    int32_t len = 0;
    const int32_t *out = s2s_result_tokens(r, 0, &len);
    char *text = NULL;
    if (s2s_decode(m, out, len, &text, &err) != S2S_OK) die("decode", &err);
    s2s_free(text);
    free(s->out);
    s->out = malloc(sizeof *out * (size_t)(len + 1));
    memcpy(s->out, out, sizeof *out * (size_t)len);
    s->tokens = len;
    s2s_result_free(r);
}

/* Encode, start a greedy stream, decide the first token. */
static void first_token(const s2s_model *m, const sentence *s, const s2s_translate_params *p) {
    s2s_error err;
    int32_t ids[S2S_MAX_SEQ_LEN], n = 0, tok, done;
    float lp;
    if (s2s_encode(m, s->text, s->len, ids, S2S_MAX_SEQ_LEN, &n, &err) != S2S_OK) die("encode", &err);
    s2s_stream *st = NULL;
    if (s2s_stream_start(&st, m, ids, n, p, &err) != S2S_OK) die("stream_start", &err);
    if (s2s_stream_next(st, &tok, &lp, &done, &err) != S2S_OK) die("stream_next", &err);
    s2s_stream_free(st);
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *text_path = NULL;
    int beam = 1, limit = 0, warmup = 5, reps = 1, want_ids = 0, use_shortlist = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--beam") && i + 1 < argc) beam = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--limit") && i + 1 < argc) limit = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) warmup = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ids")) want_ids = 1;
        else if (!strcmp(argv[i], "--no-shortlist")) use_shortlist = 0;
        else if (!model_path) model_path = argv[i];
        else if (!text_path) text_path = argv[i];
        else model_path = NULL, i = argc; /* too many: print usage */
    }
    if (!model_path || !text_path || beam < 1 || beam > S2S_MAX_BEAM || reps < 1) {
        fprintf(stderr, "usage: bench_translate MODEL.s2s SENTENCES.txt [--beam N] [--limit N] "
                        "[--warmup N] [--reps N] [--ids] [--no-shortlist]\n");
        return 2;
    }

    /* the model: load time is the median of 5 s2s_model_load calls on bytes in memory */
    size_t model_size;
    char *bytes = read_file(model_path, &model_size);
    s2s_model *m = NULL;
    s2s_error err;
    double loads[5];
    for (int i = 0; i < 5; i++) {
        s2s_model_free(m);
        m = NULL;
        double t0 = now_ms();
        if (s2s_model_load(&m, bytes, model_size, &err) != S2S_OK) die("load", &err);
        loads[i] = now_ms() - t0;
    }
    free(bytes);
    qsort(loads, 5, sizeof *loads, cmp_double);

    /* the sentences: one per line */
    size_t text_size;
    char *text = read_file(text_path, &text_size);
    int n = 0, cap = 256;
    sentence *ss = malloc(sizeof *ss * (size_t)cap);
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        if (end) *end = '\0';
        if (*line && (!limit || n < limit)) {
            if (n == cap) ss = realloc(ss, sizeof *ss * (size_t)(cap *= 2));
            sentence *s = &ss[n++];
            memset(s, 0, sizeof *s);
            s->text = line;
            s->len = strlen(line);
            for (const char *c = line; *c; c++)
                if (*c != ' ' && *c != '\t' && (c == line || c[-1] == ' ' || c[-1] == '\t')) s->words++;
            if (s2s_encode(m, line, s->len, s->ids, S2S_MAX_SEQ_LEN, &s->n_ids, &err) != S2S_OK)
                die("encode", &err);
        }
        if (!end) break;
        line = end + 1;
    }

    s2s_translate_params p = s2s_translate_model_params(m);
    p.beam_size = beam;
    p.use_shortlist = use_shortlist;

    for (int i = 0; i < warmup && i < n; i++) translate_one(m, &ss[i], &p);
    for (int i = 0; i < n; i++) ss[i].first_ms = ss[i].call_ms = 1e300;
    for (int rep = 0; rep < reps; rep++) {
        if (beam == 1)
            for (int i = 0; i < n; i++) { /* time to the first token, greedy streaming */
                double t0 = now_ms();
                first_token(m, &ss[i], &p);
                double dt = now_ms() - t0;
                if (dt < ss[i].first_ms) ss[i].first_ms = dt;
            }
        for (int i = 0; i < n; i++) { /* throughput: one sentence per call */
            double t0 = now_ms();
            translate_one(m, &ss[i], &p);
            double dt = now_ms() - t0;
            if (dt < ss[i].call_ms) ss[i].call_ms = dt;
        }
    }
    double total_ms = 0;
    for (int i = 0; i < n; i++) {
        total_ms += ss[i].call_ms;
        if (beam > 1) ss[i].first_ms = ss[i].call_ms;
    }

    /* the family by the engine's own name of it ("rnn", "transformer"): the suite measures both */
    int32_t arch_key = s2s_hparam_find("architecture");
    const char *arch =
        s2s_hparam_value_name(arch_key, s2s_hparam_get(s2s_model_hparams(m), arch_key));
    printf("{\n  \"model\": \"%s\", \"architecture\": \"%s\", \"quantized\": %d, \"parameters\": %zu, "
           "\"file_bytes\": %zu,\n", model_path, arch ? arch : "?", s2s_model_is_quantized(m),
           s2s_model_num_params(m), model_size);
    printf("  \"shortlist\": %d, \"use_shortlist\": %d,\n", s2s_model_shortlist(m, NULL, NULL),
           use_shortlist);
    printf("  \"load_ms\": %.3f,\n", loads[2]);
    printf("  \"beam\": %d, \"length_penalty\": %g, \"max_len_factor\": %g, \"max_len_extra\": %d,\n", p.beam_size,
           p.length_penalty, p.max_len_factor, p.max_len_extra);
    printf("  \"sentences\": %d, \"reps\": %d, \"seconds\": %.6f,\n", n, reps, total_ms / 1e3);
    const char *keys[] = {"words", "tokens", "first_token_ms", "call_ms"};
    for (int k = 0; k < 4; k++) {
        printf("  \"%s\": [", keys[k]);
        for (int i = 0; i < n; i++) {
            const sentence *s = &ss[i];
            if (k == 0) printf("%s%d", i ? "," : "", s->words);
            else if (k == 1) printf("%s%d", i ? "," : "", s->tokens);
            else printf("%s%.4f", i ? "," : "", k == 2 ? s->first_ms : s->call_ms);
        }
        printf("]%s\n", k < 3 || want_ids ? "," : "");
    }
    if (want_ids) {
        printf("  \"src_ids\": [");
        for (int i = 0; i < n; i++) {
            printf("%s\n    [", i ? "," : "");
            for (int j = 0; j < ss[i].n_ids; j++) printf("%s%d", j ? "," : "", ss[i].ids[j]);
            printf("]");
        }
        printf("\n  ],\n  \"out_ids\": [");
        for (int i = 0; i < n; i++) {
            printf("%s\n    [", i ? "," : "");
            for (int j = 0; j < ss[i].tokens; j++) printf("%s%d", j ? "," : "", ss[i].out[j]);
            printf("]");
        }
        printf("\n  ]\n");
    }
    printf("}\n");
    s2s_model_free(m);
    for (int i = 0; i < n; i++) free(ss[i].out);
    free(ss);
    free(text);
    return 0;
}
