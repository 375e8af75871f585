/*
 * bench_core.c — end-to-end speed of the engine on models of the shipped
 * size. Prints numbers only, no pass/fail (bench/README.md explains them).
 *
 *   decode: latency of one decoder step (batch 1, greedy and beam 4), f32
 *           and int8, measured through s2s_translate_ids.
 *   train:  target tokens per second of s2s_trainer_step on batches of 64
 *           random sentence pairs (the recipe tools/bench_torch.py repeats
 *           exactly, so both sides train on the same ids).
 *
 * Shapes (LSTM, Bahdanau, projection bridge, input feeding, vocab 8000, E 256):
 *   h256: enc_hidden 128 bidirectional, dec_hidden 256
 *   h512: enc_hidden 256 bidirectional, dec_hidden 512
 *
 * Times are wall-clock (CLOCK_MONOTONIC): with S2S_USE_BLAS, OpenBLAS runs
 * its own threads, which a per-thread CPU clock would not see. Process CPU
 * time is reported next to it for the training steps.
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "s2s.h"

#ifdef BENCH_HAVE_OPENBLAS
char *openblas_get_config(void);
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
#endif

/* ------------------------------------------------------------------ clocks */

static double wall_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ------------------------------------------------- the shared data recipe */

/* 64-bit LCG; tools/bench_torch.py implements the same one. Every draw
 * advances the state once and uses its top 31 bits. */
static uint64_t lcg_state;

static int32_t lcg_int(int32_t lo, int32_t hi) { /* uniform in [lo, hi] */
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t v = (uint32_t)(lcg_state >> 33);
    return lo + (int32_t)(v % (uint32_t)(hi - lo + 1));
}

/* Recipe: for each batch, for each pair: source length uniform in
 * [SRC_LO, SRC_HI] (mean 17), target length uniform in [TGT_LO, TGT_HI]
 * (mean 18), then the source ids, then the target ids, uniform in
 * [4, vocab - 1] (no PAD/UNK/SOS/EOS). Seed DATA_SEED. */
enum { SRC_LO = 12, SRC_HI = 22, TGT_LO = 13, TGT_HI = 23, FIRST_ID = 4 };
#define DATA_SEED 20240501ull

typedef struct batch_data {
    int n;
    int32_t *src_len, *tgt_len;
    int32_t **src, **tgt;
    s2s_batch b;
} batch_data;

static void make_batches(batch_data *bd, int n_batches, int batch, int vocab) {
    lcg_state = DATA_SEED;
    for (int k = 0; k < n_batches; k++) {
        batch_data *d = &bd[k];
        d->n = batch;
        d->src_len = malloc(sizeof(int32_t) * (size_t)batch);
        d->tgt_len = malloc(sizeof(int32_t) * (size_t)batch);
        d->src = malloc(sizeof(int32_t *) * (size_t)batch);
        d->tgt = malloc(sizeof(int32_t *) * (size_t)batch);
        for (int i = 0; i < batch; i++) {
            d->src_len[i] = lcg_int(SRC_LO, SRC_HI);
            d->tgt_len[i] = lcg_int(TGT_LO, TGT_HI);
            d->src[i] = malloc(sizeof(int32_t) * (size_t)d->src_len[i]);
            d->tgt[i] = malloc(sizeof(int32_t) * (size_t)d->tgt_len[i]);
            for (int j = 0; j < d->src_len[i]; j++) d->src[i][j] = lcg_int(FIRST_ID, vocab - 1);
            for (int j = 0; j < d->tgt_len[i]; j++) d->tgt[i][j] = lcg_int(FIRST_ID, vocab - 1);
        }
        d->b.n = batch;
        d->b.src = (const int32_t *const *)d->src;
        d->b.src_len = d->src_len;
        d->b.tgt = (const int32_t *const *)d->tgt;
        d->b.tgt_len = d->tgt_len;
    }
}

static void free_batches(batch_data *bd, int n_batches) {
    for (int k = 0; k < n_batches; k++) {
        for (int i = 0; i < bd[k].n; i++) {
            free(bd[k].src[i]);
            free(bd[k].tgt[i]);
        }
        free(bd[k].src);
        free(bd[k].tgt);
        free(bd[k].src_len);
        free(bd[k].tgt_len);
    }
}

/* ------------------------------------------------------------------ shapes */

typedef struct shape {
    const char *name;
    int enc_hidden, dec_hidden;
} shape;

static const shape SHAPES[] = {{"h256", 128, 256}, {"h512", 256, 512}};
enum { N_SHAPES = 2 };

static s2s_hparams shape_hparams(const shape *s, int vocab) {
    s2s_hparams hp = s2s_hparams_default();
    hp.src_vocab = vocab;
    hp.tgt_vocab = vocab;
    hp.emb_dim = 256;
    hp.enc_hidden = s->enc_hidden;
    hp.dec_hidden = s->dec_hidden;
    hp.layers = 1;
    hp.bidirectional = 1;
    hp.cell = S2S_CELL_LSTM;
    hp.attention = S2S_ATTN_BAHDANAU;
    hp.bridge = S2S_BRIDGE_PROJECT;
    hp.input_feed = 1;
    hp.tie_output = 0;
    return hp;
}

static void die(const char *what, const s2s_error *e) {
    fprintf(stderr, "bench_core: %s: %s\n", what, e->message);
    exit(1);
}

/* ------------------------------------------------------------------ options */

typedef struct options {
    int decode, train, json;
    int shape_mask;          /* bit i: SHAPES[i] */
    int vocab, batch;
    int warmup, steps;       /* training */
    int dec_short, dec_long; /* forced output lengths for the decode timing */
    int reps;                /* decode calls per configuration */
    float dropout;
} options;

static void usage(void) {
    fprintf(stderr,
            "usage: bench_core [--decode] [--train] [--shape h256|h512|all] [--json]\n"
            "                  [--steps N] [--warmup N] [--batch N] [--vocab N] [--dropout P]\n"
            "                  [--dec-short N] [--dec-long N] [--reps N]\n"
            "With neither --decode nor --train, both run. Defaults: all shapes, batch 64,\n"
            "vocab 8000, warm-up 2, steps 8, dropout 0, decode 20 and 120 tokens, 7 reps.\n");
    exit(2);
}

static options parse(int argc, char **argv) {
    options o = {.shape_mask = 3, .vocab = 8000, .batch = 64, .warmup = 2, .steps = 8,
                 .dec_short = 20, .dec_long = 120, .reps = 7, .dropout = 0.0f};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEXT_INT(field)                     \
    do {                                    \
        if (!v) usage();                    \
        (field) = atoi(v);                  \
        i++;                                \
    } while (0)
        if (!strcmp(a, "--decode")) o.decode = 1;
        else if (!strcmp(a, "--train")) o.train = 1;
        else if (!strcmp(a, "--json")) o.json = 1;
        else if (!strcmp(a, "--shape")) {
            if (!v) usage();
            o.shape_mask = !strcmp(v, "h256") ? 1 : !strcmp(v, "h512") ? 2 : !strcmp(v, "all") ? 3 : 0;
            if (!o.shape_mask) usage();
            i++;
        } else if (!strcmp(a, "--steps")) NEXT_INT(o.steps);
        else if (!strcmp(a, "--warmup")) NEXT_INT(o.warmup);
        else if (!strcmp(a, "--batch")) NEXT_INT(o.batch);
        else if (!strcmp(a, "--vocab")) NEXT_INT(o.vocab);
        else if (!strcmp(a, "--dec-short")) NEXT_INT(o.dec_short);
        else if (!strcmp(a, "--dec-long")) NEXT_INT(o.dec_long);
        else if (!strcmp(a, "--reps")) NEXT_INT(o.reps);
        else if (!strcmp(a, "--dropout")) {
            if (!v) usage();
            o.dropout = (float)atof(v);
            i++;
        } else usage();
#undef NEXT_INT
    }
    if (!o.decode && !o.train) o.decode = o.train = 1;
    if (o.steps < 1 || o.warmup < 0 || o.batch < 1 || o.vocab < 64 || o.reps < 1 || o.dec_short < 1 ||
        o.dec_long <= o.dec_short || o.dec_long > S2S_MAX_SEQ_LEN - 2)
        usage();
    return o;
}

/* ------------------------------------------------------------------ decode */

typedef struct decode_result {
    double short_s, long_s;         /* best wall time of a call with dec_short / dec_long tokens */
    double short_cpu_s, long_cpu_s; /* best process CPU time of the same calls */
    int produced_short, produced_long;
    double step_us, step_cpu_us;    /* marginal: (long - short) / (extra steps) */
    double call_us_per_tok;         /* the short call divided by its decoder steps */
} decode_result;

/* One call with a forced length: max_len = floor(factor * 20) + extra with
 * a tiny factor, so extra alone sets it, and EOS is unreachable (the caller
 * set out.b[EOS] = -1e4), so every call runs max_len + 1 decoder steps (the
 * last one may only choose EOS). */
static void translate_once(const s2s_model *m, const int32_t *src, int32_t len, int beam, int n_tok,
                           double *wall, double *cpu, int *produced) {
    s2s_translate_params p = s2s_translate_default_params();
    p.beam_size = beam;
    p.max_len_factor = 1e-3f;
    p.max_len_extra = n_tok;
    p.length_penalty = 1.0f;
    s2s_error e;
    s2s_result *res = NULL;
    double w0 = wall_s(), c0 = cpu_s();
    if (s2s_translate_ids(m, 1, &src, &len, &p, &res, &e)) die("translate", &e);
    *wall = wall_s() - w0;
    *cpu = cpu_s() - c0;
    int32_t n = 0;
    s2s_result_tokens(res, 0, &n);
    *produced = n;
    s2s_result_free(res);
}

/* Short and long calls alternate, so that both see the same background
 * load; each figure is the best of reps calls after one warm-up pair. */
static decode_result bench_decode_one(const s2s_model *m, const options *o, int beam) {
    int32_t src[20];
    lcg_state = 7;
    for (int i = 0; i < 20; i++) src[i] = lcg_int(FIRST_ID, o->vocab - 1);
    decode_result r;
    r.short_s = r.long_s = r.short_cpu_s = r.long_cpu_s = 1e30;
    for (int k = -1; k < o->reps; k++) {
        double w, c;
        translate_once(m, src, 20, beam, o->dec_short, &w, &c, &r.produced_short);
        if (k >= 0 && w < r.short_s) r.short_s = w;
        if (k >= 0 && c < r.short_cpu_s) r.short_cpu_s = c;
        translate_once(m, src, 20, beam, o->dec_long, &w, &c, &r.produced_long);
        if (k >= 0 && w < r.long_s) r.long_s = w;
        if (k >= 0 && c < r.long_cpu_s) r.long_cpu_s = c;
    }
    /* steps run = max_len + 1 */
    r.step_us = (r.long_s - r.short_s) / (double)(o->dec_long - o->dec_short) * 1e6;
    r.step_cpu_us = (r.long_cpu_s - r.short_cpu_s) / (double)(o->dec_long - o->dec_short) * 1e6;
    r.call_us_per_tok = r.short_s / (double)(o->dec_short + 1) * 1e6;
    return r;
}

/* ------------------------------------------------------------------- train */

typedef struct train_result {
    double tok_s, tok_s_cpu;   /* median over timed steps: wall and process CPU */
    double step_ms, step_ms_cpu;
    double tokens_per_step;    /* mean */
    float first_loss, last_loss;
} train_result;

static train_result bench_train_one(const shape *s, const options *o) {
    enum { N_BATCHES = 4 };
    batch_data bd[N_BATCHES];
    make_batches(bd, N_BATCHES, o->batch, o->vocab);
    s2s_hparams hp = shape_hparams(s, o->vocab);
    s2s_error e;
    s2s_model *m = NULL;
    if (s2s_model_init(&m, &hp, 1, 0.1f, &e)) die("model init", &e);
    s2s_train_params tp = s2s_train_default_params();
    tp.dropout = o->dropout;
    tp.label_smoothing = 0.1f;
    tp.clip_norm = 5.0f;
    tp.learning_rate = 1e-3f;
    s2s_trainer *tr = NULL;
    if (s2s_trainer_init(&tr, m, &tp, &e)) die("trainer init", &e);
    double *w = malloc(sizeof(double) * (size_t)o->steps), *c = malloc(sizeof(double) * (size_t)o->steps),
           *tw = malloc(sizeof(double) * (size_t)o->steps), *tc = malloc(sizeof(double) * (size_t)o->steps);
    train_result r = {0};
    double tok_total = 0.0;
    for (int k = 0; k < o->warmup + o->steps; k++) {
        const batch_data *d = &bd[k % N_BATCHES];
        float loss = 0.0f;
        int32_t tokens = 0;
        double w0 = wall_s(), c0 = cpu_s();
        if (s2s_trainer_step(tr, &d->b, &loss, &tokens, &e)) die("trainer step", &e);
        double dw = wall_s() - w0, dc = cpu_s() - c0;
        if (k == 0) r.first_loss = loss;
        r.last_loss = loss;
        if (k >= o->warmup) {
            int j = k - o->warmup;
            w[j] = dw;
            c[j] = dc;
            tw[j] = tokens / dw;
            tc[j] = tokens / dc;
            tok_total += tokens;
        }
    }
    r.tok_s = median(tw, o->steps);
    r.tok_s_cpu = median(tc, o->steps);
    r.step_ms = median(w, o->steps) * 1e3;
    r.step_ms_cpu = median(c, o->steps) * 1e3;
    r.tokens_per_step = tok_total / o->steps;
    free(w);
    free(c);
    free(tw);
    free(tc);
    s2s_trainer_free(tr);
    s2s_model_free(m);
    free_batches(bd, N_BATCHES);
    return r;
}

/* -------------------------------------------------------------------- main */

static const char *build_name(void) {
#ifdef BENCH_HAVE_OPENBLAS
    return "blas";
#else
    return "simd";
#endif
}

int main(int argc, char **argv) {
    options o = parse(argc, argv);
    if (o.json) {
        printf("{\n  \"impl\": \"c\",\n  \"build\": \"%s\",\n", build_name());
#ifdef BENCH_HAVE_OPENBLAS
        printf("  \"openblas_config\": \"%s\",\n  \"openblas_core\": \"%s\",\n  \"openblas_threads\": %d,\n",
               openblas_get_config(), openblas_get_corename(), openblas_get_num_threads());
#endif
        printf("  \"batch\": %d, \"vocab\": %d, \"dropout\": %g, \"warmup\": %d, \"steps\": %d,\n", o.batch, o.vocab,
               (double)o.dropout, o.warmup, o.steps);
        printf("  \"shapes\": {");
    } else {
        printf("bench_core (%s build)", build_name());
#ifdef BENCH_HAVE_OPENBLAS
        printf(": OpenBLAS %s, core %s, %d threads", openblas_get_config(), openblas_get_corename(),
               openblas_get_num_threads());
#endif
        printf("\n");
    }
    int first_shape = 1;
    for (int si = 0; si < N_SHAPES; si++) {
        if (!(o.shape_mask & (1 << si))) continue;
        const shape *s = &SHAPES[si];
        s2s_hparams hp = shape_hparams(s, o.vocab);
        if (o.json) {
            printf("%s\n    \"%s\": {\"emb\": 256, \"enc_hidden\": %d, \"dec_hidden\": %d", first_shape ? "" : ",",
                   s->name, s->enc_hidden, s->dec_hidden);
        } else {
            printf("\n== %s: LSTM, Bahdanau, input feeding, E 256, He %d x2, Hd %d, vocab %d\n", s->name,
                   s->enc_hidden, s->dec_hidden, o.vocab);
        }
        first_shape = 0;
        if (o.decode) {
            s2s_error e;
            s2s_model *m = NULL, *q = NULL;
            if (s2s_model_init(&m, &hp, 1, 0.1f, &e)) die("model init", &e);
            m->w.out_b[S2S_EOS] = -1e4f; /* never stop early: every call runs the forced length */
            if (s2s_model_quantize(&q, m, &e)) die("quantize", &e);
            int beams[2] = {1, 4};
            decode_result dr[2][2]; /* [beam][f32, int8] */
            for (int bi = 0; bi < 2; bi++) {
                dr[bi][0] = bench_decode_one(m, &o, beams[bi]);
                dr[bi][1] = bench_decode_one(q, &o, beams[bi]);
            }
            if (o.json) {
                printf(",\n      \"decode\": {\"src_len\": 20, \"short_tokens\": %d, \"long_tokens\": %d, \"reps\": %d",
                       o.dec_short, o.dec_long, o.reps);
                for (int bi = 0; bi < 2; bi++)
                    for (int qi = 0; qi < 2; qi++) {
                        const decode_result *r = &dr[bi][qi];
                        printf(",\n        \"beam%d_%s\": {\"step_us\": %.2f, \"step_cpu_us\": %.2f, "
                               "\"call_short_ms\": %.3f, \"call_long_ms\": %.3f, \"call_us_per_step\": %.2f, \"produced_short\": %d, "
                               "\"produced_long\": %d}",
                               beams[bi], qi ? "int8" : "f32", r->step_us, r->step_cpu_us, r->short_s * 1e3,
                               r->long_s * 1e3, r->call_us_per_tok, r->produced_short, r->produced_long);
                    }
                printf(",\n        \"speedup_int8_beam1\": %.3f, \"speedup_int8_beam4\": %.3f}",
                       dr[0][0].step_us / dr[0][1].step_us, dr[1][0].step_us / dr[1][1].step_us);
            } else {
                printf("decode, source 20 tokens, batch 1 (best of %d calls; step = marginal cost of one more "
                       "decoder step, from %d vs %d forced tokens)\n",
                       o.reps, o.dec_short, o.dec_long);
                printf("  %-6s %-5s %10s %11s %14s %14s %9s\n", "search", "type", "step us", "step CPU us", "call@20 ms",
                       "call@20 us/st", "produced");
                for (int bi = 0; bi < 2; bi++)
                    for (int qi = 0; qi < 2; qi++) {
                        const decode_result *r = &dr[bi][qi];
                        printf("  beam %-1d %-5s %10.1f %11.1f %14.3f %14.1f %4d/%-4d\n", beams[bi], qi ? "int8" : "f32",
                               r->step_us, r->step_cpu_us, r->short_s * 1e3, r->call_us_per_tok, r->produced_short,
                               r->produced_long);
                    }
                printf("  int8/f32 step speedup: greedy %.2fx, beam 4 %.2fx\n", dr[0][0].step_us / dr[0][1].step_us,
                       dr[1][0].step_us / dr[1][1].step_us);
            }
            s2s_model_free(q);
            s2s_model_free(m);
        }
        if (o.train) {
            train_result tr = bench_train_one(s, &o);
            if (o.json) {
                printf(",\n      \"train\": {\"tok_s\": %.1f, \"tok_s_cpu\": %.1f, \"step_ms\": %.2f, "
                       "\"step_ms_cpu\": %.2f, \"tokens_per_step\": %.1f, \"first_loss\": %.4f, \"last_loss\": %.4f}",
                       tr.tok_s, tr.tok_s_cpu, tr.step_ms, tr.step_ms_cpu, tr.tokens_per_step, (double)tr.first_loss,
                       (double)tr.last_loss);
            } else {
                printf("train, batch %d, %.0f target tokens/step, median of %d steps after %d warm-up\n", o.batch,
                       tr.tokens_per_step, o.steps, o.warmup);
                printf("  %.0f tok/s wall (%.1f ms/step), %.0f tok/s per CPU-second (%.1f ms CPU/step); "
                       "loss %.3f -> %.3f\n",
                       tr.tok_s, tr.step_ms, tr.tok_s_cpu, tr.step_ms_cpu, (double)tr.first_loss,
                       (double)tr.last_loss);
            }
        }
        if (o.json) printf("}");
        fflush(stdout);
    }
    if (o.json) printf("\n  }\n}\n");
    return 0;
}
