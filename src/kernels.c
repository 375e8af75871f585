/*
 * kernels.c — vector helpers, f32 matvec, the int8 (Q8) GEMM, top-k and
 * the elementwise approximations of kernels.h. f32 GEMM lives in
 * kernels_gemm.c.
 *
 * Written once against the WASM SIMD128 intrinsics; native builds get them
 * through SIMDe. A build with S2S_NO_SIMD (the scalar WASM flavour) turns
 * every SIMD kernel into a call of its _ref twin.
 *
 * Bit-for-bit agreement between a kernel and its _ref twin holds when the
 * file is compiled with -ffp-contract=off (gcc would otherwise fuse the
 * mul+add pairs, SIMDe's and the scalar ones, into FMA in different places).
 * WASM has no FMA, so the WASM build always agrees with such a native build.
 *
 * Summation order, which every float reduction here follows (the _ref twins
 * spell it out lane by lane): four lane sums l[0..3] over the multiple-of-4
 * prefix, combined as (l0 + l2) + (l1 + l3), then the tail added in order.
 */
#include "kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"


static inline uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float float_of(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* ======================================================= scalar reference */

/* The 4-lane dot product order described at the top of the file. */
static float dot4_ref(const float *a, const float *b, int n) {
    float l[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    int i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) l[j] = l[j] + a[i + j] * b[i + j];
    float s = (l[0] + l[2]) + (l[1] + l[3]);
    for (; i < n; i++) s = s + a[i] * b[i];
    return s;
}

float kernel_dot_ref(const float *a, const float *b, int n) { return dot4_ref(a, b, n); }

void kernel_axpy_ref(float *y, float a, const float *x, int n) {
    for (int i = 0; i < n; i++) y[i] = y[i] + a * x[i];
}

void kernel_matvec_f32_ref(float *y, const float *W, const float *x, int M, int K) {
    for (int i = 0; i < M; i++) y[i] = dot4_ref(W + (size_t)i * K, x, K);
}

/* ---------------------------------------------------- exp, sigmoid, tanh
 *
 * exp(x): clamp x to [-104, 89] (outside, float exp is 0 or inf anyway),
 * n = round(x log2 e) with the 1.5*2^23 trick, r = x - n ln2 in two parts
 * (Cody-Waite), e^r by its Taylor polynomial of degree 7 (|r| <= 0.347, the
 * truncation error is below 6e-9), then scaled by 2^n as two factors
 * 2^(n>>1) * 2^(n - (n>>1)): each factor stays a normal float, so overflow
 * gives inf and underflow a correctly rounded subnormal or 0.
 * NaN passes through the clamps (they are written as WASM pmin/pmax) and
 * comes out as NaN.
 */
#define EXP_HI 89.0f
#define EXP_LO (-104.0f)
#define EXP_LOG2E 1.44269504088896341f
#define EXP_LN2_HI 0.693359375f     /* 9 significant bits: n * LN2_HI is exact */
#define EXP_LN2_LO (-2.12194440e-4f) /* ln 2 - LN2_HI */
#define EXP_MAGIC 12582912.0f        /* 1.5 * 2^23: x + MAGIC - MAGIC rounds to integer */
#define EXP_MAGIC_BITS 0x4B400000u
#define EXP_C2 (1.0f / 2.0f)
#define EXP_C3 (1.0f / 6.0f)
#define EXP_C4 (1.0f / 24.0f)
#define EXP_C5 (1.0f / 120.0f)
#define EXP_C6 (1.0f / 720.0f)
#define EXP_C7 (1.0f / 5040.0f)

/* tanh(x) for |x| < TANH_SMALL: x + x^3 P(x^2), P fitted for relative error
 * (7.5e-8 evaluated in float); above, 1 - 2 / (e^(2|x|) + 1) with x's sign. */
#define TANH_SMALL 0.625f
#define TANH_P0 (-0.3333328068256378f)
#define TANH_P1 0.13331444561481476f
#define TANH_P2 (-0.05373990163207054f)
#define TANH_P3 0.02063966915011406f
#define TANH_P4 (-0.005705596413463354f)

static inline float exp_lane(float x) {
    x = EXP_HI < x ? EXP_HI : x; /* wasm pmin(x, hi) */
    x = x < EXP_LO ? EXP_LO : x; /* wasm pmax(x, lo) */
    float t = x * EXP_LOG2E + EXP_MAGIC;
    float n = t - EXP_MAGIC;
    uint32_t ni = bits_of(t) - EXP_MAGIC_BITS; /* n as two's complement */
    float r = x - n * EXP_LN2_HI;
    r = r - n * EXP_LN2_LO;
    float q = EXP_C7;
    q = q * r + EXP_C6;
    q = q * r + EXP_C5;
    q = q * r + EXP_C4;
    q = q * r + EXP_C3;
    q = q * r + EXP_C2;
    float r2 = r * r;
    float p = 1.0f + (r + r2 * q);
    uint32_t n1 = (ni >> 1) | (ni & 0x80000000u); /* arithmetic shift, as i32x4_shr */
    uint32_t n2 = ni - n1;
    float s1 = float_of((n1 + 127u) << 23);
    float s2 = float_of((n2 + 127u) << 23);
    return (p * s1) * s2;
}

static inline float sigmoid_lane(float x) { return 1.0f / (1.0f + exp_lane(-x)); }

static inline float tanh_lane(float x) {
    float ax = float_of(bits_of(x) & 0x7FFFFFFFu);
    float e = exp_lane(ax + ax);
    float big = 1.0f - 2.0f / (e + 1.0f);
    big = float_of(bits_of(big) | (bits_of(x) & 0x80000000u));
    float u = x * x;
    float p = TANH_P4;
    p = p * u + TANH_P3;
    p = p * u + TANH_P2;
    p = p * u + TANH_P1;
    p = p * u + TANH_P0;
    float small = x + (x * u) * p;
    return ax < TANH_SMALL ? small : big;
}

void kernel_exp_ref(float *y, const float *x, int n) {
    for (int i = 0; i < n; i++) y[i] = exp_lane(x[i]);
}

void kernel_sigmoid_ref(float *y, const float *x, int n) {
    for (int i = 0; i < n; i++) y[i] = sigmoid_lane(x[i]);
}

void kernel_tanh_ref(float *y, const float *x, int n) {
    for (int i = 0; i < n; i++) y[i] = tanh_lane(x[i]);
}

/* ------------------------------------------------- layernorm, GELU */

#define GELU_K0 0.7978845608028654f /* sqrt(2 / pi) */
#define GELU_K1 0.044715f

static inline float gelu_lane(float x) {
    float inner = GELU_K0 * (x + GELU_K1 * ((x * x) * x));
    return (0.5f * x) * (1.0f + tanh_lane(inner));
}

void kernel_gelu_tanh_ref(float *y, const float *x, int n) {
    for (int i = 0; i < n; i++) y[i] = gelu_lane(x[i]);
}

/* sum of x, or of (x - m)^2 when squares, in the 4-lane order */
static float sum4_ref(const float *x, float m, int squares, int n) {
    float l[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    int i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) {
            float v = squares ? (x[i + j] - m) * (x[i + j] - m) : x[i + j];
            l[j] = l[j] + v;
        }
    float s = (l[0] + l[2]) + (l[1] + l[3]);
    for (; i < n; i++) s = s + (squares ? (x[i] - m) * (x[i] - m) : x[i]);
    return s;
}

void kernel_layernorm_ref(float *y, float *mean, float *rstd, const float *x, const float *g,
                          const float *b, int N, int C, float eps) {
    for (int r = 0; r < N; r++) {
        const float *xr = x + (size_t)r * C;
        float *yr = y + (size_t)r * C;
        float mu = C > 0 ? sum4_ref(xr, 0.0f, 0, C) / (float)C : 0.0f;
        float rs = 1.0f / sqrtf((C > 0 ? sum4_ref(xr, mu, 1, C) / (float)C : 0.0f) + eps);
        if (mean) mean[r] = mu;
        if (rstd) rstd[r] = rs;
        for (int i = 0; i < C; i++) {
            float v = (xr[i] - mu) * rs;
            if (g) v = v * g[i];
            if (b) v = v + b[i];
            yr[i] = v;
        }
    }
}

/* ------------------------------------------------------------- softmax */

/* Max with the WASM pmax rule, in the lane order the SIMD path uses. */
static float max4_ref(const float *x, int n) {
    float l[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    int i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) l[j] = l[j] < x[i + j] ? x[i + j] : l[j];
    float a = l[0] < l[2] ? l[2] : l[0];
    float b = l[1] < l[3] ? l[3] : l[1];
    float m = a < b ? b : a;
    for (; i < n; i++) m = m < x[i] ? x[i] : m;
    return m;
}

/* Sum of exp(x - m), optionally stored to y, in the 4-lane order. */
static float sumexp4_ref(float *y, const float *x, float m, int n) {
    float l[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    int i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) {
            float e = exp_lane(x[i + j] - m);
            if (y) y[i + j] = e;
            l[j] = l[j] + e;
        }
    float s = (l[0] + l[2]) + (l[1] + l[3]);
    for (; i < n; i++) {
        float e = exp_lane(x[i] - m);
        if (y) y[i] = e;
        s = s + e;
    }
    return s;
}

/* All of x at -inf (or n == 0) has no distribution: y becomes 0 and the
 * normaliser -inf, rather than NaN. */
float kernel_softmax_ref(float *y, const float *x, int n) {
    float m = max4_ref(x, n);
    if (m == -INFINITY) {
        for (int i = 0; i < n; i++) y[i] = 0.0f;
        return -INFINITY;
    }
    float s = sumexp4_ref(y, x, m, n);
    float inv = 1.0f / s;
    for (int i = 0; i < n; i++) y[i] = y[i] * inv;
    return logf(s) + m;
}

float kernel_logsumexp_ref(const float *x, int n) {
    float m = max4_ref(x, n);
    return m == -INFINITY ? 0.0f : logf(sumexp4_ref(NULL, x, m, n)) + m;
}

void kernel_log_softmax_ref(float *y, const float *x, int n) {
    float lse = kernel_logsumexp_ref(x, n);
    for (int i = 0; i < n; i++) y[i] = x[i] - lse;
}

/* ------------------------------------------------------------------ top-k */

/* One value offered to a top-k list of *c entries (at most k), sorted
 * descending; kept only when the list has room or it beats the k-th. */
static inline void top_k_offer(int32_t *idx, float *val, int *c, int k, float s, int32_t at_index) {
    if (*c == k && s <= val[k - 1]) return;
    int at = *c < k ? (*c)++ : k - 1;
    while (at > 0 && val[at - 1] < s) {
        val[at] = val[at - 1];
        idx[at] = idx[at - 1];
        at--;
    }
    val[at] = s;
    idx[at] = at_index;
}

int kernel_top_k_ref(int32_t *idx, float *val, int k, const float *x, int n) {
    int c = 0;
    if (k <= 0) return 0;
    for (int v = 0; v < n; v++) top_k_offer(idx, val, &c, k, x[v], v);
    return c;
}

/* ------------------------------------------------------------------ Q8 */

/* round-to-nearest-even(v), saturated to int8 like i32x4.trunc_sat followed
 * by the saturating narrows; NaN gives 0 as trunc_sat does. Only subnormal
 * rows can reach the saturation (the scale rounds down a lot). */
static inline int8_t q8_round(float v) {
    if (v != v) return 0;
    float r = nearbyintf(v);
    if (r > 127.0f) return 127;
    if (r < -128.0f) return -128;
    return (int8_t)r;
}

/* amax with the pmax rule starting from 0, so NaN never wins. */
static float q8_amax_ref(const float *x, int n) {
    float amax = 0.0f;
    for (int j = 0; j < n; j++) {
        float a = fabsf(x[j]);
        amax = amax < a ? a : amax;
    }
    return amax;
}

static float q8_scale_ref(const float *x, int n) { return q8_amax_ref(x, n) / 127.0f; }

void kernel_quantize_q8_ref(int8_t *q, float *scale, const float *x, int n) {
    assert(n % S2S_Q8_COLS == 0);
    float d = q8_scale_ref(x, n);
    *scale = d;
    for (int j = 0; j < n; j++) q[j] = d == 0.0f ? 0 : q8_round(x[j] / d);
}

void kernel_dequantize_q8(float *y, const int8_t *q, float scale, int n) {
    for (int j = 0; j < n; j++) y[j] = scale * (float)q[j];
}

size_t kernel_gemm_q8_scratch(int N, int K) {
    size_t n = N > 0 ? (size_t)N : 0, k = K > 0 ? (size_t)K : 0;
    return ((n + 3) & ~(size_t)3) * sizeof(float) + n * k * sizeof(int16_t);
}

/* The scratch of kernel_gemm_q8: the N row scales (room for a multiple of
 * four), then the N quantized rows as int16 (widened once, used M times). */
static float *q8_scratch_scales(void *scratch) { return scratch; }
static int16_t *q8_scratch_rows(void *scratch, int N) {
    return (int16_t *)((float *)scratch + (((size_t)N + 3) & ~(size_t)3));
}

void kernel_gemm_q8_ref(float *Y, int ldy, const int8_t *W, const float *ws, const float *X,
                        int ldx, int M, int N, int K, void *scratch) {
    assert(K % S2S_Q8_COLS == 0);
#if defined(S2S_RELAXED_SIMD)
    kernel_gemm_q8a7_ref(Y, ldy, W, ws, X, ldx, M, N, K, scratch);
    return;
#endif
    float *xs = q8_scratch_scales(scratch);
    int16_t *xq = q8_scratch_rows(scratch, N);
    for (int n = 0; n < N; n++) {
        const float *x = X + (size_t)n * ldx;
        int16_t *q = xq + (size_t)n * K;
        float d = xs[n] = q8_scale_ref(x, K);
        for (int k = 0; k < K; k++) q[k] = d == 0.0f ? 0 : q8_round(x[k] / d);
    }
    for (int n = 0; n < N; n++)
        for (int m = 0; m < M; m++) {
            const int8_t *w = W + (size_t)m * K;
            const int16_t *q = xq + (size_t)n * K;
            int32_t isum = 0;
            for (int k = 0; k < K; k++) isum += (int32_t)w[k] * q[k];
            Y[(size_t)n * ldy + m] = (ws[m] * xs[n]) * (float)isum;
        }
}

/* 7-bit activations (kernel_gemm_q8a7): q in -Q7_MAX..Q7_MAX, stored as
 * q + Q7_ZERO in 1..127, the range where the relaxed dot product has one
 * meaning. The rows sit where kernel_gemm_q8 keeps its int16 rows. */
enum { Q7_MAX = 63, Q7_ZERO = 64 };

static uint8_t *q7_scratch_rows(void *scratch, int N) { return (uint8_t *)q8_scratch_rows(scratch, N); }

/* round-to-nearest-even(v) clamped to -63..63 (NaN -> 0), as the SIMD path's
 * trunc_sat, saturating narrows and clamp give. */
static inline int q7_round(float v) {
    if (v != v) return 0;
    float r = nearbyintf(v);
    if (r > (float)Q7_MAX) return Q7_MAX;
    if (r < (float)-Q7_MAX) return -Q7_MAX;
    return (int)r;
}

void kernel_gemm_q8a7_ref(float *Y, int ldy, const int8_t *W, const float *ws, const float *X,
                          int ldx, int M, int N, int K, void *scratch) {
    assert(K % S2S_Q8_COLS == 0);
    float *xs = q8_scratch_scales(scratch);
    uint8_t *xu = q7_scratch_rows(scratch, N);
    for (int n = 0; n < N; n++) {
        const float *x = X + (size_t)n * ldx;
        uint8_t *u = xu + (size_t)n * K;
        float d = xs[n] = q8_amax_ref(x, K) / (float)Q7_MAX;
        for (int k = 0; k < K; k++) u[k] = (uint8_t)(Q7_ZERO + (d == 0.0f ? 0 : q7_round(x[k] / d)));
    }
    for (int n = 0; n < N; n++)
        for (int m = 0; m < M; m++) {
            const int8_t *w = W + (size_t)m * K;
            const uint8_t *u = xu + (size_t)n * K;
            int32_t isum = 0;
            for (int k = 0; k < K; k++) isum += (int32_t)w[k] * ((int32_t)u[k] - Q7_ZERO);
            Y[(size_t)n * ldy + m] = (ws[m] * xs[n]) * (float)isum;
        }
}

/* ================================================================= SIMD */

#if defined(S2S_NO_SIMD)

S2S_NOINLINE float kernel_dot(const float *a, const float *b, int n) { return kernel_dot_ref(a, b, n); }
S2S_NOINLINE void kernel_axpy(float *y, float a, const float *x, int n) { kernel_axpy_ref(y, a, x, n); }
S2S_NOINLINE void kernel_matvec_f32(float *y, const float *W, const float *x, int M, int K) {
    kernel_matvec_f32_ref(y, W, x, M, K);
}
S2S_NOINLINE void kernel_exp(float *y, const float *x, int n) { kernel_exp_ref(y, x, n); }
S2S_NOINLINE void kernel_sigmoid(float *y, const float *x, int n) { kernel_sigmoid_ref(y, x, n); }
S2S_NOINLINE void kernel_tanh(float *y, const float *x, int n) { kernel_tanh_ref(y, x, n); }
S2S_NOINLINE float kernel_softmax(float *y, const float *x, int n) { return kernel_softmax_ref(y, x, n); }
S2S_NOINLINE void kernel_log_softmax(float *y, const float *x, int n) { kernel_log_softmax_ref(y, x, n); }
S2S_NOINLINE float kernel_logsumexp(const float *x, int n) { return kernel_logsumexp_ref(x, n); }
S2S_NOINLINE int kernel_top_k(int32_t *idx, float *val, int k, const float *x, int n) {
    return kernel_top_k_ref(idx, val, k, x, n);
}
S2S_NOINLINE void kernel_quantize_q8(int8_t *q, float *scale, const float *x, int n) {
    kernel_quantize_q8_ref(q, scale, x, n);
}
S2S_NOINLINE void kernel_gemm_q8(float *Y, int ldy, const int8_t *W, const float *ws, const float *X,
                                 int ldx, int M, int N, int K, void *scratch) {
    kernel_gemm_q8_ref(Y, ldy, W, ws, X, ldx, M, N, K, scratch);
}
S2S_NOINLINE void kernel_gemm_q8a7(float *Y, int ldy, const int8_t *W, const float *ws, const float *X,
                                   int ldx, int M, int N, int K, void *scratch) {
    kernel_gemm_q8a7_ref(Y, ldy, W, ws, X, ldx, M, N, K, scratch);
}
S2S_NOINLINE void kernel_layernorm(float *y, float *mean, float *rstd, const float *x, const float *g,
                                   const float *b, int N, int C, float eps) {
    kernel_layernorm_ref(y, mean, rstd, x, g, b, N, C, eps);
}
S2S_NOINLINE void kernel_gelu_tanh(float *y, const float *x, int n) { kernel_gelu_tanh_ref(y, x, n); }

#else /* SIMD */

/* (l0 + l2) + (l1 + l3) of one vector. */
static inline float hsum4(v128_t v) {
    v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(v, 0);
}

/* [hsum4(a), hsum4(b), hsum4(c), hsum4(d)] in the same order, via a
 * transpose: lane i of the result is (x0 + x2) + (x1 + x3) of input i. */
static inline v128_t hsum4x4(v128_t a, v128_t b, v128_t c, v128_t d) {
    v128_t ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    v128_t cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
    return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

S2S_NOINLINE float kernel_dot(const float *a, const float *b, int n) {
    v128_t acc = wasm_f32x4_splat(0.0f);
    int i = 0;
    for (; i + 4 <= n; i += 4)
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    float s = hsum4(acc);
    for (; i < n; i++) s = s + a[i] * b[i];
    return s;
}

S2S_NOINLINE void kernel_axpy(float *y, float a, const float *x, int n) {
    v128_t va = wasm_f32x4_splat(a);
    int i = 0;
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, wasm_v128_load(x + i))));
    for (; i < n; i++) y[i] = y[i] + a * x[i];
}

/* Four rows at a time: four independent accumulator chains share each load
 * of x. Per row the order is exactly kernel_dot's. */
S2S_NOINLINE void kernel_matvec_f32(float *y, const float *W, const float *x, int M, int K) {
    int i = 0;
    int K4 = K & ~3;
    for (; i + 4 <= M; i += 4) {
        const float *w0 = W + (size_t)i * K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
        v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < K4; k += 4) {
            v128_t xv = wasm_v128_load(x + k);
            a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(w0 + k), xv));
            a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(w1 + k), xv));
            a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(w2 + k), xv));
            a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(w3 + k), xv));
        }
        v128_t s = hsum4x4(a0, a1, a2, a3);
        if (K4 == K) {
            wasm_v128_store(y + i, s);
        } else {
            float t[4];
            wasm_v128_store(t, s);
            for (int k = K4; k < K; k++) {
                t[0] = t[0] + w0[k] * x[k];
                t[1] = t[1] + w1[k] * x[k];
                t[2] = t[2] + w2[k] * x[k];
                t[3] = t[3] + w3[k] * x[k];
            }
            memcpy(y + i, t, sizeof t);
        }
    }
    for (; i < M; i++) y[i] = kernel_dot(W + (size_t)i * K, x, K);
}

/* ------------------------------------------------- exp, sigmoid, tanh */

static inline v128_t exp_f32x4(v128_t x) {
    x = wasm_f32x4_pmin(x, wasm_f32x4_splat(EXP_HI));
    x = wasm_f32x4_pmax(x, wasm_f32x4_splat(EXP_LO));
    v128_t magic = wasm_f32x4_splat(EXP_MAGIC);
    v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(EXP_LOG2E)), magic);
    v128_t n = wasm_f32x4_sub(t, magic);
    v128_t ni = wasm_i32x4_sub(t, wasm_i32x4_splat((int32_t)EXP_MAGIC_BITS));
    v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(EXP_LN2_HI)));
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(EXP_LN2_LO)));
    v128_t q = wasm_f32x4_splat(EXP_C7);
    q = wasm_f32x4_add(wasm_f32x4_mul(q, r), wasm_f32x4_splat(EXP_C6));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, r), wasm_f32x4_splat(EXP_C5));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, r), wasm_f32x4_splat(EXP_C4));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, r), wasm_f32x4_splat(EXP_C3));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, r), wasm_f32x4_splat(EXP_C2));
    v128_t r2 = wasm_f32x4_mul(r, r);
    v128_t p = wasm_f32x4_add(wasm_f32x4_splat(1.0f), wasm_f32x4_add(r, wasm_f32x4_mul(r2, q)));
    v128_t n1 = wasm_i32x4_shr(ni, 1);
    v128_t n2 = wasm_i32x4_sub(ni, n1);
    v128_t bias = wasm_i32x4_splat(127);
    v128_t s1 = wasm_i32x4_shl(wasm_i32x4_add(n1, bias), 23);
    v128_t s2 = wasm_i32x4_shl(wasm_i32x4_add(n2, bias), 23);
    return wasm_f32x4_mul(wasm_f32x4_mul(p, s1), s2);
}

static inline v128_t sigmoid_f32x4(v128_t x) {
    v128_t one = wasm_f32x4_splat(1.0f);
    return wasm_f32x4_div(one, wasm_f32x4_add(one, exp_f32x4(wasm_f32x4_neg(x))));
}

static inline v128_t tanh_f32x4(v128_t x) {
    v128_t sign = wasm_i32x4_splat((int32_t)0x80000000u);
    v128_t ax = wasm_v128_andnot(x, sign);
    v128_t one = wasm_f32x4_splat(1.0f);
    v128_t e = exp_f32x4(wasm_f32x4_add(ax, ax));
    v128_t big = wasm_f32x4_sub(one, wasm_f32x4_div(wasm_f32x4_splat(2.0f), wasm_f32x4_add(e, one)));
    big = wasm_v128_or(big, wasm_v128_and(x, sign));
    v128_t u = wasm_f32x4_mul(x, x);
    v128_t p = wasm_f32x4_splat(TANH_P4);
    p = wasm_f32x4_add(wasm_f32x4_mul(p, u), wasm_f32x4_splat(TANH_P3));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, u), wasm_f32x4_splat(TANH_P2));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, u), wasm_f32x4_splat(TANH_P1));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, u), wasm_f32x4_splat(TANH_P0));
    v128_t small = wasm_f32x4_add(x, wasm_f32x4_mul(wasm_f32x4_mul(x, u), p));
    return wasm_v128_bitselect(small, big, wasm_f32x4_lt(ax, wasm_f32x4_splat(TANH_SMALL)));
}

S2S_NOINLINE void kernel_exp(float *y, const float *x, int n) {
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, exp_f32x4(wasm_v128_load(x + i)));
    for (; i < n; i++) y[i] = exp_lane(x[i]);
}

S2S_NOINLINE void kernel_sigmoid(float *y, const float *x, int n) {
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, sigmoid_f32x4(wasm_v128_load(x + i)));
    for (; i < n; i++) y[i] = sigmoid_lane(x[i]);
}

S2S_NOINLINE void kernel_tanh(float *y, const float *x, int n) {
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, tanh_f32x4(wasm_v128_load(x + i)));
    for (; i < n; i++) y[i] = tanh_lane(x[i]);
}

/* ------------------------------------------------- layernorm, GELU */

static inline v128_t gelu_f32x4(v128_t x) {
    v128_t x3 = wasm_f32x4_mul(wasm_f32x4_mul(x, x), x);
    v128_t inner = wasm_f32x4_mul(wasm_f32x4_splat(GELU_K0),
                                  wasm_f32x4_add(x, wasm_f32x4_mul(wasm_f32x4_splat(GELU_K1), x3)));
    v128_t half_x = wasm_f32x4_mul(wasm_f32x4_splat(0.5f), x);
    return wasm_f32x4_mul(half_x, wasm_f32x4_add(wasm_f32x4_splat(1.0f), tanh_f32x4(inner)));
}

S2S_NOINLINE void kernel_gelu_tanh(float *y, const float *x, int n) {
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, gelu_f32x4(wasm_v128_load(x + i)));
    for (; i < n; i++) y[i] = gelu_lane(x[i]);
}

/* sum4_ref's order: x, or (x - m)^2 when squares */
static float sum4(const float *x, float m, int squares, int n) {
    v128_t acc = wasm_f32x4_splat(0.0f), vm = wasm_f32x4_splat(m);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        v128_t v = wasm_v128_load(x + i);
        if (squares) {
            v = wasm_f32x4_sub(v, vm);
            v = wasm_f32x4_mul(v, v);
        }
        acc = wasm_f32x4_add(acc, v);
    }
    float s = hsum4(acc);
    for (; i < n; i++) s = s + (squares ? (x[i] - m) * (x[i] - m) : x[i]);
    return s;
}

S2S_NOINLINE void kernel_layernorm(float *y, float *mean, float *rstd, const float *x, const float *g,
                                   const float *b, int N, int C, float eps) {
    for (int r = 0; r < N; r++) {
        const float *xr = x + (size_t)r * C;
        float *yr = y + (size_t)r * C;
        float mu = C > 0 ? sum4(xr, 0.0f, 0, C) / (float)C : 0.0f;
        float rs = 1.0f / sqrtf((C > 0 ? sum4(xr, mu, 1, C) / (float)C : 0.0f) + eps);
        if (mean) mean[r] = mu;
        if (rstd) rstd[r] = rs;
        v128_t vm = wasm_f32x4_splat(mu), vr = wasm_f32x4_splat(rs);
        int i = 0;
        for (; i + 4 <= C; i += 4) {
            v128_t v = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + i), vm), vr);
            if (g) v = wasm_f32x4_mul(v, wasm_v128_load(g + i));
            if (b) v = wasm_f32x4_add(v, wasm_v128_load(b + i));
            wasm_v128_store(yr + i, v);
        }
        for (; i < C; i++) {
            float v = (xr[i] - mu) * rs;
            if (g) v = v * g[i];
            if (b) v = v + b[i];
            yr[i] = v;
        }
    }
}

/* ------------------------------------------------------------- softmax */

static float max4(const float *x, int n) {
    v128_t l = wasm_f32x4_splat(-INFINITY);
    int i = 0;
    for (; i + 4 <= n; i += 4) l = wasm_f32x4_pmax(l, wasm_v128_load(x + i));
    l = wasm_f32x4_pmax(l, wasm_i32x4_shuffle(l, l, 2, 3, 0, 1));
    l = wasm_f32x4_pmax(l, wasm_i32x4_shuffle(l, l, 1, 0, 3, 2));
    float m = wasm_f32x4_extract_lane(l, 0);
    for (; i < n; i++) m = m < x[i] ? x[i] : m;
    return m;
}

static float sumexp4(float *y, const float *x, float m, int n) {
    v128_t vm = wasm_f32x4_splat(m);
    v128_t acc = wasm_f32x4_splat(0.0f);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        v128_t e = exp_f32x4(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
        if (y) wasm_v128_store(y + i, e);
        acc = wasm_f32x4_add(acc, e);
    }
    float s = hsum4(acc);
    for (; i < n; i++) {
        float e = exp_lane(x[i] - m);
        if (y) y[i] = e;
        s = s + e;
    }
    return s;
}

S2S_NOINLINE float kernel_softmax(float *y, const float *x, int n) {
    float m = max4(x, n);
    if (m == -INFINITY) {
        for (int i = 0; i < n; i++) y[i] = 0.0f;
        return -INFINITY;
    }
    float s = sumexp4(y, x, m, n);
    float inv = 1.0f / s;
    v128_t vinv = wasm_f32x4_splat(inv);
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_mul(wasm_v128_load(y + i), vinv));
    for (; i < n; i++) y[i] = y[i] * inv;
    return logf(s) + m;
}

S2S_NOINLINE float kernel_logsumexp(const float *x, int n) {
    float m = max4(x, n);
    return m == -INFINITY ? 0.0f : logf(sumexp4(NULL, x, m, n)) + m;
}

S2S_NOINLINE void kernel_log_softmax(float *y, const float *x, int n) {
    float lse = kernel_logsumexp(x, n);
    v128_t vl = wasm_f32x4_splat(lse);
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_sub(wasm_v128_load(x + i), vl));
    for (; i < n; i++) y[i] = x[i] - lse;
}

/* ------------------------------------------------------------------ top-k */

S2S_NOINLINE int kernel_top_k(int32_t *idx, float *val, int k, const float *x, int n) {
    int c = 0, v = 0;
    if (k <= 0) return 0;
    for (; v < n && c < k; v++) top_k_offer(idx, val, &c, k, x[v], v);
    v128_t worst = wasm_f32x4_splat(val[k - 1]);
    for (; v + 4 <= n; v += 4) {
        /* "not <= the k-th" rather than "> the k-th": a NaN is offered, as in _ref */
        if (!wasm_v128_any_true(wasm_v128_not(wasm_f32x4_le(wasm_v128_load(x + v), worst)))) continue;
        for (int j = 0; j < 4; j++) top_k_offer(idx, val, &c, k, x[v + j], v + j);
        worst = wasm_f32x4_splat(val[k - 1]);
    }
    for (; v < n; v++) top_k_offer(idx, val, &c, k, x[v], v);
    return c;
}

/* ------------------------------------------------------------------ Q8 */

/* amax as q8_amax_ref computes it (pmax from 0: NaN never wins). */
static float q8_amax(const float *x, int n) {
    v128_t amax = wasm_f32x4_splat(0.0f);
    for (int i = 0; i < n; i += 4) amax = wasm_f32x4_pmax(amax, wasm_f32x4_abs(wasm_v128_load(x + i)));
    amax = wasm_f32x4_pmax(amax, wasm_i32x4_shuffle(amax, amax, 2, 3, 0, 1));
    amax = wasm_f32x4_pmax(amax, wasm_i32x4_shuffle(amax, amax, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(amax, 0);
}

static float q8_scale(const float *x, int n) { return q8_amax(x, n) / 127.0f; }

/* round-to-nearest-even(x / d) for four values, as int32 (NaN -> 0). */
static inline v128_t q8_round4(const float *x, v128_t vd) {
    return wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x), vd)));
}

S2S_NOINLINE void kernel_quantize_q8(int8_t *q, float *scale, const float *x, int n) {
    assert(n % S2S_Q8_COLS == 0);
    float d = q8_scale(x, n);
    *scale = d;
    if (d == 0.0f) {
        memset(q, 0, (size_t)n);
        return;
    }
    v128_t vd = wasm_f32x4_splat(d);
    for (int i = 0; i < n; i += 16) {
        v128_t lo = wasm_i16x8_narrow_i32x4(q8_round4(x + i, vd), q8_round4(x + i + 4, vd));
        v128_t hi = wasm_i16x8_narrow_i32x4(q8_round4(x + i + 8, vd), q8_round4(x + i + 12, vd));
        wasm_v128_store(q + i, wasm_i8x16_narrow_i16x8(lo, hi));
    }
}

/* One activation row quantized like kernel_quantize_q8 but stored widened to
 * int16 (clamped to the int8 range as the narrowing would); returns its scale. */
static float q8_quantize_row_i16(int16_t *q, const float *x, int n) {
    float d = q8_scale(x, n);
    if (d == 0.0f) {
        memset(q, 0, (size_t)n * sizeof *q);
        return d;
    }
    v128_t vd = wasm_f32x4_splat(d), lo = wasm_i16x8_splat(-128), hi = wasm_i16x8_splat(127);
    for (int i = 0; i < n; i += 8) {
        v128_t v = wasm_i16x8_narrow_i32x4(q8_round4(x + i, vd), q8_round4(x + i + 4, vd));
        wasm_v128_store(q + i, wasm_i16x8_min(wasm_i16x8_max(v, lo), hi));
    }
    return d;
}

/* Lane i = the sum of the lanes of input i (integer adds: exact). */
static inline v128_t isum4x4(v128_t a, v128_t b, v128_t c, v128_t d) {
    v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
    return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

static inline int32_t isum1(v128_t v) {
    v = wasm_i32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_i32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_i32x4_extract_lane(v, 0);
}

/* Lane sums of 16 products: 16 widened weights (wl, wh) times 16 widened
 * activations. */
static inline v128_t q8_dot16_widened(v128_t wl, v128_t wh, const int16_t *x) {
    return wasm_i32x4_add(wasm_i32x4_dot_i16x8(wl, wasm_v128_load(x)),
                          wasm_i32x4_dot_i16x8(wh, wasm_v128_load(x + 8)));
}

/* The same with 16 int8 weights, widened as they load. */
static inline v128_t q8_dot16(const int8_t *w, const int16_t *x) {
    return q8_dot16_widened(wasm_i16x8_load8x8(w), wasm_i16x8_load8x8(w + 8), x);
}

/* One weight row against four activation rows (stride K): each weight chunk
 * is widened once and used four times. Lane i = the exact sum for row i. */
static inline v128_t q8_row_x4(const int8_t *w, const int16_t *x, int K) {
    const int16_t *x1 = x + K, *x2 = x1 + K, *x3 = x2 + K;
    v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (int k = 0; k < K; k += 16) {
        v128_t wl = wasm_i16x8_load8x8(w + k), wh = wasm_i16x8_load8x8(w + k + 8);
        a0 = wasm_i32x4_add(a0, q8_dot16_widened(wl, wh, x + k));
        a1 = wasm_i32x4_add(a1, q8_dot16_widened(wl, wh, x1 + k));
        a2 = wasm_i32x4_add(a2, q8_dot16_widened(wl, wh, x2 + k));
        a3 = wasm_i32x4_add(a3, q8_dot16_widened(wl, wh, x3 + k));
    }
    return isum4x4(a0, a1, a2, a3);
}

/* Four weight rows (stride K) against one activation row, which is loaded
 * once for the four. Lane i = the exact sum for weight row i. */
static inline v128_t q8_rows4_x1(const int8_t *w, const int16_t *x, int K) {
    const int8_t *w1 = w + K, *w2 = w1 + K, *w3 = w2 + K;
    v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (int k = 0; k < K; k += 16) {
        a0 = wasm_i32x4_add(a0, q8_dot16(w + k, x + k));
        a1 = wasm_i32x4_add(a1, q8_dot16(w1 + k, x + k));
        a2 = wasm_i32x4_add(a2, q8_dot16(w2 + k, x + k));
        a3 = wasm_i32x4_add(a3, q8_dot16(w3 + k, x + k));
    }
    return isum4x4(a0, a1, a2, a3);
}

static inline int32_t q8_row_x1(const int8_t *w, const int16_t *x, int K) {
    v128_t a = wasm_i32x4_splat(0);
    for (int k = 0; k < K; k += 16) a = wasm_i32x4_add(a, q8_dot16(w + k, x + k));
    return isum1(a);
}

/* Strips of Q8_STRIP weight rows stay in L1 while every group of four
 * activation rows goes through them. */
enum { Q8_STRIP = 32 };

S2S_NOINLINE void kernel_gemm_q8(float *Y, int ldy, const int8_t *W, const float *ws, const float *X,
                                 int ldx, int M, int N, int K, void *scratch) {
    assert(K % S2S_Q8_COLS == 0);
#if defined(S2S_RELAXED_SIMD)
    kernel_gemm_q8a7(Y, ldy, W, ws, X, ldx, M, N, K, scratch);
    return;
#endif
    if (M <= 0 || N <= 0) return;
    float *xs = q8_scratch_scales(scratch);
    int16_t *xq = q8_scratch_rows(scratch, N);
    for (int n = 0; n < N; n++) xs[n] = q8_quantize_row_i16(xq + (size_t)n * K, X + (size_t)n * ldx, K);
    for (int m0 = 0; m0 < M; m0 += Q8_STRIP) {
        int m1 = M - m0 < Q8_STRIP ? M : m0 + Q8_STRIP;
        int n = 0;
        for (; n + 4 <= N; n += 4) {
            v128_t sx = wasm_v128_load(xs + n);
            for (int r = m0; r < m1; r++) {
                v128_t s = wasm_f32x4_mul(wasm_f32x4_splat(ws[r]), sx);
                v128_t t = q8_row_x4(W + (size_t)r * K, xq + (size_t)n * K, K);
                float out[4];
                wasm_v128_store(out, wasm_f32x4_mul(s, wasm_f32x4_convert_i32x4(t)));
                for (int i = 0; i < 4; i++) Y[(size_t)(n + i) * ldy + r] = out[i];
            }
        }
        for (; n < N; n++) {
            const int16_t *x = xq + (size_t)n * K;
            float *y = Y + (size_t)n * ldy;
            v128_t sx = wasm_f32x4_splat(xs[n]);
            int r = m0;
            for (; r + 4 <= m1; r += 4) {
                v128_t s = wasm_f32x4_mul(wasm_v128_load(ws + r), sx);
                v128_t t = q8_rows4_x1(W + (size_t)r * K, x, K);
                wasm_v128_store(y + r, wasm_f32x4_mul(s, wasm_f32x4_convert_i32x4(t)));
            }
            for (; r < m1; r++) y[r] = (ws[r] * xs[n]) * (float)q8_row_x1(W + (size_t)r * K, x, K);
        }
    }
}

/* ------------------------------------------- Q8 with 7-bit activations */

/* One activation row as 7-bit values plus Q7_ZERO (kernel_gemm_q8a7);
 * returns its scale. The saturating narrows and the clamp give _ref's
 * q7_round. */
static float q7_quantize_row(uint8_t *u, const float *x, int n) {
    float d = q8_amax(x, n) / (float)Q7_MAX;
    if (d == 0.0f) {
        memset(u, Q7_ZERO, (size_t)n);
        return d;
    }
    v128_t vd = wasm_f32x4_splat(d), lo = wasm_i8x16_splat(-Q7_MAX), hi = wasm_i8x16_splat(Q7_MAX);
    v128_t zero = wasm_i8x16_splat(Q7_ZERO);
    for (int i = 0; i < n; i += 16) {
        v128_t a = wasm_i16x8_narrow_i32x4(q8_round4(x + i, vd), q8_round4(x + i + 4, vd));
        v128_t b = wasm_i16x8_narrow_i32x4(q8_round4(x + i + 8, vd), q8_round4(x + i + 12, vd));
        v128_t q = wasm_i8x16_min(wasm_i8x16_max(wasm_i8x16_narrow_i16x8(a, b), lo), hi);
        wasm_v128_store(u + i, wasm_i8x16_add(q, zero));
    }
    return d;
}

#define Q7_DOT s2s_i32x4_dot_i8x16_i7x16_add

/* Q7_ZERO * (sum of each weight row) for `rows` rows (stride K): what the
 * offset added to the activations puts into every dot product. */
static void q7_row_offsets(int32_t *off, const int8_t *W, int rows, int K) {
    v128_t one = wasm_i8x16_splat(1);
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        const int8_t *w0 = W + (size_t)r * K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
        v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < K; k += 16) {
            a0 = Q7_DOT(wasm_v128_load(w0 + k), one, a0);
            a1 = Q7_DOT(wasm_v128_load(w1 + k), one, a1);
            a2 = Q7_DOT(wasm_v128_load(w2 + k), one, a2);
            a3 = Q7_DOT(wasm_v128_load(w3 + k), one, a3);
        }
        wasm_v128_store(off + r, wasm_i32x4_mul(isum4x4(a0, a1, a2, a3), wasm_i32x4_splat(Q7_ZERO)));
    }
    for (; r < rows; r++) {
        const int8_t *w = W + (size_t)r * K;
        v128_t a = wasm_i32x4_splat(0);
        for (int k = 0; k < K; k += 16) a = Q7_DOT(wasm_v128_load(w + k), one, a);
        off[r] = isum1(a) * Q7_ZERO;
    }
}

/* One weight row against four activation rows (stride K): one weight load,
 * four dot products. Lane i = the offset sum for row i. */
static inline v128_t q7_row_x4(const int8_t *w, const uint8_t *u, int K) {
    const uint8_t *u1 = u + K, *u2 = u1 + K, *u3 = u2 + K;
    v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (int k = 0; k < K; k += 16) {
        v128_t wv = wasm_v128_load(w + k);
        a0 = Q7_DOT(wv, wasm_v128_load(u + k), a0);
        a1 = Q7_DOT(wv, wasm_v128_load(u1 + k), a1);
        a2 = Q7_DOT(wv, wasm_v128_load(u2 + k), a2);
        a3 = Q7_DOT(wv, wasm_v128_load(u3 + k), a3);
    }
    return isum4x4(a0, a1, a2, a3);
}

/* Four weight rows (stride K) against one activation row. */
static inline v128_t q7_rows4_x1(const int8_t *w, const uint8_t *u, int K) {
    const int8_t *w1 = w + K, *w2 = w1 + K, *w3 = w2 + K;
    v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (int k = 0; k < K; k += 16) {
        v128_t uv = wasm_v128_load(u + k);
        a0 = Q7_DOT(wasm_v128_load(w + k), uv, a0);
        a1 = Q7_DOT(wasm_v128_load(w1 + k), uv, a1);
        a2 = Q7_DOT(wasm_v128_load(w2 + k), uv, a2);
        a3 = Q7_DOT(wasm_v128_load(w3 + k), uv, a3);
    }
    return isum4x4(a0, a1, a2, a3);
}

static inline int32_t q7_row_x1(const int8_t *w, const uint8_t *u, int K) {
    v128_t a = wasm_i32x4_splat(0);
    for (int k = 0; k < K; k += 16) a = Q7_DOT(wasm_v128_load(w + k), wasm_v128_load(u + k), a);
    return isum1(a);
}

/* kernel_gemm_q8's loop structure: strips of Q8_STRIP weight rows, whose
 * offsets are summed first (the strip is then in L1 for the products). */
S2S_NOINLINE void kernel_gemm_q8a7(float *Y, int ldy, const int8_t *W, const float *ws, const float *X,
                                   int ldx, int M, int N, int K, void *scratch) {
    assert(K % S2S_Q8_COLS == 0);
    if (M <= 0 || N <= 0) return;
    float *xs = q8_scratch_scales(scratch);
    uint8_t *xu = q7_scratch_rows(scratch, N);
    for (int n = 0; n < N; n++) xs[n] = q7_quantize_row(xu + (size_t)n * K, X + (size_t)n * ldx, K);
    int32_t off[Q8_STRIP];
    for (int m0 = 0; m0 < M; m0 += Q8_STRIP) {
        int m1 = M - m0 < Q8_STRIP ? M : m0 + Q8_STRIP;
        q7_row_offsets(off, W + (size_t)m0 * K, m1 - m0, K);
        int n = 0;
        for (; n + 4 <= N; n += 4) {
            v128_t sx = wasm_v128_load(xs + n);
            for (int r = m0; r < m1; r++) {
                v128_t s = wasm_f32x4_mul(wasm_f32x4_splat(ws[r]), sx);
                v128_t t = wasm_i32x4_sub(q7_row_x4(W + (size_t)r * K, xu + (size_t)n * K, K),
                                          wasm_i32x4_splat(off[r - m0]));
                float out[4];
                wasm_v128_store(out, wasm_f32x4_mul(s, wasm_f32x4_convert_i32x4(t)));
                for (int i = 0; i < 4; i++) Y[(size_t)(n + i) * ldy + r] = out[i];
            }
        }
        for (; n < N; n++) {
            const uint8_t *u = xu + (size_t)n * K;
            float *y = Y + (size_t)n * ldy;
            v128_t sx = wasm_f32x4_splat(xs[n]);
            int r = m0;
            for (; r + 4 <= m1; r += 4) {
                v128_t s = wasm_f32x4_mul(wasm_v128_load(ws + r), sx);
                v128_t t = wasm_i32x4_sub(q7_rows4_x1(W + (size_t)r * K, u, K), wasm_v128_load(off + (r - m0)));
                wasm_v128_store(y + r, wasm_f32x4_mul(s, wasm_f32x4_convert_i32x4(t)));
            }
            for (; r < m1; r++)
                y[r] = (ws[r] * xs[n]) * (float)(q7_row_x1(W + (size_t)r * K, u, K) - off[r - m0]);
        }
    }
}

#endif /* SIMD */
