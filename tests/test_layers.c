/*
 * test_layers.c — the Transformer's layers (src/nn/layernorm.c, mha.c,
 * ffn.c) one at a time: every input and weight gradient of the backward
 * against central differences of L = sum(y * r) for a fixed random r, with
 * length and causal masks; the cached decode step against the full forward;
 * and the sinusoidal table against its formula.
 */
#include <stdlib.h>
#include <string.h>

#include "../src/nn/nn.h"
#include "testing.h"

static s2s_rng rng;

static float *rnd(size_t n, float scale) {
    float *x = malloc((n ? n : 1) * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = (2.0f * s2s_rng_uniform(&rng) - 1.0f) * scale;
    return x;
}

static float *zeros(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

/* A layer under test: forward into y from the current inputs. */
typedef void (*forward_fn)(float *y, void *ctx);

static double weighted_sum(const float *y, const float *r, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)y[i] * r[i];
    return s;
}

static double worst_error;

/* Compares grad (n) with central differences of sum(y r) in x (n). */
static void check_grad(const char *label, float *x, const float *grad, size_t n, forward_fn f,
                       void *ctx, float *y, const float *r, size_t ny) {
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        float keep = x[i];
        const float h = 1e-2f;
        x[i] = keep + h;
        f(y, ctx);
        double up = weighted_sum(y, r, ny);
        x[i] = keep - h;
        f(y, ctx);
        double down = weighted_sum(y, r, ny);
        x[i] = keep;
        double numeric = (up - down) / (2.0 * h);
        double e = fabs(numeric - grad[i]) / (fabs(numeric) + fabs(grad[i]) + 1e-2);
        if (e > worst) worst = e;
    }
    printf("  %-28s worst relative error %.2e\n", label, worst);
    if (worst > worst_error) worst_error = worst;
    CHECK(worst < 5e-3);
}

/* ------------------------------------------------------------- layernorm */

typedef struct ln_case {
    float *x, *g, *b, *mean, *rstd;
    int N, C;
} ln_case;

static void ln_fwd(float *y, void *ctx) {
    ln_case *c = ctx;
    layernorm_forward(y, c->mean, c->rstd, c->x, c->g, c->b, c->N, c->C);
}

static void layernorm_backward_matches_finite_differences(void) {
    s2s_rng_seed(&rng, 1);
    ln_case c = {.N = 3, .C = 7};
    size_t n = (size_t)c.N * c.C;
    c.x = rnd(n, 2.0f), c.g = rnd((size_t)c.C, 1.5f), c.b = rnd((size_t)c.C, 1.0f);
    c.mean = zeros((size_t)c.N), c.rstd = zeros((size_t)c.N);
    float *y = zeros(n), *r = rnd(n, 1.0f), *dx = zeros(n), *dg = zeros((size_t)c.C), *db = zeros((size_t)c.C);
    ln_fwd(y, &c);
    layernorm_backward(dx, dg, db, r, c.x, c.mean, c.rstd, c.g, c.N, c.C);
    check_grad("layernorm x", c.x, dx, n, ln_fwd, &c, y, r, n);
    check_grad("layernorm g", c.g, dg, (size_t)c.C, ln_fwd, &c, y, r, n);
    check_grad("layernorm b", c.b, db, (size_t)c.C, ln_fwd, &c, y, r, n);
    free(c.x), free(c.g), free(c.b), free(c.mean), free(c.rstd);
    free(y), free(r), free(dx), free(dg), free(db);
}

/* ------------------------------------------------------------------- mha */

/* Q, K, V packed in one (T, B, 3d) block as the self-attention's w_qkv
 * writes them; cross-attention reads separate Q and KV blocks. */
typedef struct mha_case {
    float *q, *kv, *P;
    int ldq, ldkv, Tq, Tk, B, H, Dh, causal;
    const int32_t *klen;
} mha_case;

static void mha_fwd(float *y, void *ctx) {
    mha_case *c = ctx;
    int d = c->H * c->Dh;
    mha_forward(y, d, c->P, c->q, c->ldq, c->kv, c->ldkv, c->kv + d, c->ldkv, c->klen, c->causal,
                c->Tq, c->Tk, c->B, c->H, c->Dh);
}

static void check_mha(const char *label, int causal, int self) {
    static const int32_t klen[] = {5, 3};
    mha_case c = {.Tq = self ? 5 : 4, .Tk = 5, .B = 2, .H = 2, .Dh = 3, .causal = causal, .klen = klen};
    int d = c.H * c.Dh;
    c.ldq = self ? 3 * d : d;
    c.ldkv = self ? 3 * d : 2 * d;
    size_t nq = (size_t)c.Tq * c.B * c.ldq, nkv = (size_t)c.Tk * c.B * c.ldkv;
    float *qkv = rnd(self ? nq : nq + nkv, 1.5f);
    c.q = qkv;
    c.kv = self ? qkv + d : qkv + nq;
    c.P = zeros((size_t)c.B * c.H * c.Tq * c.Tk);
    size_t ny = (size_t)c.Tq * c.B * d;
    float *y = zeros(ny), *r = rnd(ny, 1.0f), *dqkv = zeros(self ? nq : nq + nkv);
    float *scratch = zeros((size_t)c.Tq * c.Tk);
    mha_fwd(y, &c);
    float *dq = dqkv, *dkv = self ? dqkv + d : dqkv + nq;
    mha_backward(dq, c.ldq, dkv, c.ldkv, dkv + d, c.ldkv, r, d, c.P, c.q, c.ldq, c.kv, c.ldkv,
                 c.kv + d, c.ldkv, c.Tq, c.Tk, c.B, c.H, c.Dh, scratch);
    check_grad(label, qkv, dqkv, self ? nq : nq + nkv, mha_fwd, &c, y, r, ny);
    /* masked keys: probability exactly 0 (sentence 1 has 3 keys) */
    for (int h = 0; h < c.H; h++)
        for (int t = 0; t < c.Tq; t++) {
            const float *p = c.P + ((size_t)(1 * c.H + h) * c.Tq + t) * c.Tk;
            CHECK(p[3] == 0.0f && p[4] == 0.0f);
            if (causal) CHECK(t >= 2 || p[2] == 0.0f);
        }
    free(qkv), free(c.P), free(y), free(r), free(dqkv), free(scratch);
}

static void attention_backward_matches_finite_differences_with_masks(void) {
    s2s_rng_seed(&rng, 2);
    check_mha("mha cross, length mask", 0, 0);
    check_mha("mha self, length mask", 0, 1);
    check_mha("mha self, causal + length", 1, 1);
}

/* The search's decode step over a head-major cache gives the rows of the
 * causal full forward. */
static void cached_decode_equals_the_causal_full_forward(void) {
    s2s_rng_seed(&rng, 3);
    int T = 12, H = 2, Dh = 4, d = H * Dh, cap = 16;
    float *qkv = rnd((size_t)T * 3 * d, 1.5f), *ctx = zeros((size_t)T * d), *P = zeros((size_t)H * T * T);
    mha_forward(ctx, d, P, qkv, 3 * d, qkv + d, 3 * d, qkv + 2 * d, 3 * d, NULL, 1, T, T, 1, H, Dh);
    float *Kc = zeros((size_t)H * cap * Dh), *Vc = zeros((size_t)H * cap * Dh);
    float row[8], p[2 * 16];
    double worst = 0.0;
    for (int t = 0; t < T; t++) {
        for (int h = 0; h < H; h++) {
            memcpy(Kc + ((size_t)h * cap + t) * Dh, qkv + (size_t)t * 3 * d + d + h * Dh, sizeof(float) * Dh);
            memcpy(Vc + ((size_t)h * cap + t) * Dh, qkv + (size_t)t * 3 * d + 2 * d + h * Dh, sizeof(float) * Dh);
        }
        mha_decode(row, p, qkv + (size_t)t * 3 * d, Kc, Vc, t + 1, cap, H, Dh);
        for (int i = 0; i < d; i++) {
            double e = fabs(row[i] - ctx[(size_t)t * d + i]);
            if (e > worst) worst = e;
        }
        for (int h = 0; h < H; h++)
            for (int j = 0; j <= t; j++) CHECK(fabs(p[h * (t + 1) + j] - P[((size_t)h * T + t) * T + j]) <= 1e-6);
    }
    printf("  cached decode vs full forward: max difference %.2e\n", worst);
    CHECK(worst <= 1e-6);
    free(qkv), free(ctx), free(P), free(Kc), free(Vc);
}

/* ------------------------------------------------------------------- ffn */

typedef struct ffn_case {
    float *x, *pre, *hid;
    matrix w1, w2;
    float *b1, *b2;
    int act, N;
} ffn_case;

static void ffn_fwd(float *y, void *ctx) {
    ffn_case *c = ctx;
    ffn_forward(y, c->pre, c->hid, c->x, &c->w1, c->b1, &c->w2, c->b2, c->act, c->N, NULL);
}

static void check_ffn(const char *label, int act) {
    int N = 3, C = 4, F = 6;
    ffn_case c = {.act = act, .N = N};
    c.x = rnd((size_t)N * C, 1.5f);
    c.w1 = (matrix){.f = rnd((size_t)F * C, 1.0f), .rows = F, .cols = C};
    c.w2 = (matrix){.f = rnd((size_t)C * F, 1.0f), .rows = C, .cols = F};
    c.b1 = rnd((size_t)F, 0.5f), c.b2 = rnd((size_t)C, 0.5f);
    c.pre = zeros((size_t)N * F), c.hid = zeros((size_t)N * F);
    size_t ny = (size_t)N * C;
    float *y = zeros(ny), *r = rnd(ny, 1.0f), *dx = zeros(ny), *dw1 = zeros((size_t)F * C);
    float *dw2 = zeros((size_t)C * F), *db1 = zeros((size_t)F), *db2 = zeros((size_t)C);
    float *scratch = zeros((size_t)N * F);
    ffn_fwd(y, &c);
    ffn_backward(dx, dw1, db1, dw2, db2, r, c.x, c.pre, c.hid, &c.w1, &c.w2, act, N, scratch);
    char name[64];
    snprintf(name, sizeof name, "%s x", label);
    check_grad(name, c.x, dx, ny, ffn_fwd, &c, y, r, ny);
    snprintf(name, sizeof name, "%s w1", label);
    check_grad(name, c.w1.f, dw1, (size_t)F * C, ffn_fwd, &c, y, r, ny);
    snprintf(name, sizeof name, "%s b1", label);
    check_grad(name, c.b1, db1, (size_t)F, ffn_fwd, &c, y, r, ny);
    snprintf(name, sizeof name, "%s w2", label);
    check_grad(name, c.w2.f, dw2, (size_t)C * F, ffn_fwd, &c, y, r, ny);
    snprintf(name, sizeof name, "%s b2", label);
    check_grad(name, c.b2, db2, (size_t)C, ffn_fwd, &c, y, r, ny);
    free(c.x), free(c.w1.f), free(c.w2.f), free(c.b1), free(c.b2), free(c.pre), free(c.hid);
    free(y), free(r), free(dx), free(dw1), free(dw2), free(db1), free(db2), free(scratch);
}

static void feed_forward_backward_matches_finite_differences(void) {
    s2s_rng_seed(&rng, 4);
    check_ffn("ffn relu", S2S_ACT_RELU);
    check_ffn("ffn gelu", S2S_ACT_GELU);
}

static void sinusoidal_positions_follow_the_formula(void) {
    int n = 5, d = 8;
    float pe[40];
    positions_sinusoidal(pe, 3, n, d);
    for (int t = 0; t < n; t++)
        for (int i = 0; i < d; i += 2) {
            double a = (3 + t) / pow(10000.0, (double)i / d);
            CHECK(fabs(pe[t * d + i] - sin(a)) <= 1e-7 && fabs(pe[t * d + i + 1] - cos(a)) <= 1e-7);
        }
}

int main(void) {
    RUN(layernorm_backward_matches_finite_differences);
    RUN(attention_backward_matches_finite_differences_with_masks);
    RUN(cached_decode_equals_the_causal_full_forward);
    RUN(feed_forward_backward_matches_finite_differences);
    RUN(sinusoidal_positions_follow_the_formula);
    printf("worst relative error of any layer gradient: %.2e\n", worst_error);
    return tests_exit_code();
}
