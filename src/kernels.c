/*
 * kernels.c — vector helpers, f32 matvec, int8 (Q8) kernels and the
 * elementwise approximations of kernels.h. GEMM lives in kernels_gemm.c.
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

void kernel_log_softmax_ref(float *y, const float *x, int n) {
    float m = max4_ref(x, n);
    if (m == -INFINITY) {
        for (int i = 0; i < n; i++) y[i] = x[i]; /* -inf stays -inf; never NaN */
        return;
    }
    float lse = logf(sumexp4_ref(NULL, x, m, n)) + m;
    for (int i = 0; i < n; i++) y[i] = x[i] - lse;
}

/* ------------------------------------------------------------------ Q8 */

/* round-to-nearest-even(v), saturated to int8 like i32x4.trunc_sat followed
 * by the two saturating narrows; NaN gives 0 as trunc_sat does. Only
 * subnormal blocks can reach the saturation (d rounds down a lot). */
static inline int8_t q8_round(float v) {
    if (v != v) return 0;
    float r = nearbyintf(v);
    if (r > 127.0f) return 127;
    if (r < -128.0f) return -128;
    return (int8_t)r;
}

/* amax with the pmax rule starting from 0, so NaN never wins. */
void kernel_quantize_q8_ref(s2s_block_q8 *y, const float *x, int n) {
    assert(n % S2S_QK == 0);
    for (int b = 0; b < n / S2S_QK; b++) {
        const float *xb = x + (size_t)b * S2S_QK;
        float amax = 0.0f;
        for (int j = 0; j < S2S_QK; j++) {
            float a = fabsf(xb[j]);
            amax = amax < a ? a : amax;
        }
        float d = amax / 127.0f;
        y[b].d = d;
        for (int j = 0; j < S2S_QK; j++) y[b].qs[j] = d == 0.0f ? 0 : q8_round(xb[j] / d);
    }
}

void kernel_dequantize_q8(float *y, const s2s_block_q8 *x, int n) {
    assert(n % S2S_QK == 0);
    for (int b = 0; b < n / S2S_QK; b++)
        for (int j = 0; j < S2S_QK; j++) y[(size_t)b * S2S_QK + j] = x[b].d * (float)x[b].qs[j];
}

/* One row against one activation row. The integer part is exact; the float
 * part follows the SIMD lanes: lane l of a block's i32x4.dot_i16x8 sum holds
 * the products at positions 8j + 2l and 8j + 2l + 1 (j < 4), each lane adds
 * (dw * dx) * isum_l over the blocks in order, and the lanes are combined
 * as (l0 + l2) + (l1 + l3). */
/* One weight row against one activation row: per block an exact integer dot
 * product, then acc = acc + (dw * dx) * isum in block order. The SIMD kernels
 * do the same float operations in the same order, so the two agree bit for bit. */
static float q8_row_ref(const s2s_block_q8 *w, const s2s_block_q8 *x, int nb) {
    float acc = 0.0f;
    for (int b = 0; b < nb; b++) {
        int32_t isum = 0;
        for (int j = 0; j < S2S_QK; j++) isum += (int32_t)w[b].qs[j] * x[b].qs[j];
        acc = acc + (w[b].d * x[b].d) * (float)isum;
    }
    return acc;
}

void kernel_matvec_q8_ref(float *y, const s2s_block_q8 *W, const s2s_block_q8 *x, int M, int K) {
    assert(K % S2S_QK == 0);
    int nb = K / S2S_QK;
    for (int i = 0; i < M; i++) y[i] = q8_row_ref(W + (size_t)i * nb, x, nb);
}

void kernel_gemm_q8_ref(float *Y, int ldy, const s2s_block_q8 *W, const s2s_block_q8 *X, int M,
                        int N, int K) {
    assert(K % S2S_QK == 0);
    int nb = K / S2S_QK;
    for (int r = 0; r < N; r++) kernel_matvec_q8_ref(Y + (size_t)r * ldy, W, X + (size_t)r * nb, M, K);
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
S2S_NOINLINE void kernel_quantize_q8(s2s_block_q8 *y, const float *x, int n) {
    kernel_quantize_q8_ref(y, x, n);
}
S2S_NOINLINE void kernel_matvec_q8(float *y, const s2s_block_q8 *W, const s2s_block_q8 *x, int M,
                                   int K) {
    kernel_matvec_q8_ref(y, W, x, M, K);
}
S2S_NOINLINE void kernel_gemm_q8(float *Y, int ldy, const s2s_block_q8 *W, const s2s_block_q8 *X,
                                 int M, int N, int K) {
    kernel_gemm_q8_ref(Y, ldy, W, X, M, N, K);
}

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

S2S_NOINLINE void kernel_log_softmax(float *y, const float *x, int n) {
    float m = max4(x, n);
    if (m == -INFINITY) {
        if (y != x) memmove(y, x, (size_t)n * sizeof *y);
        return;
    }
    float lse = logf(sumexp4(NULL, x, m, n)) + m;
    v128_t vl = wasm_f32x4_splat(lse);
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_sub(wasm_v128_load(x + i), vl));
    for (; i < n; i++) y[i] = x[i] - lse;
}

/* ------------------------------------------------------------------ Q8 */

S2S_NOINLINE void kernel_quantize_q8(s2s_block_q8 *y, const float *x, int n) {
    assert(n % S2S_QK == 0);
    for (int b = 0; b < n / S2S_QK; b++) {
        const float *xb = x + (size_t)b * S2S_QK;
        v128_t v[8];
        v128_t amax = wasm_f32x4_splat(0.0f); /* start at 0 so NaN never wins, as in _ref */
        for (int j = 0; j < 8; j++) {
            v[j] = wasm_v128_load(xb + 4 * j);
            amax = wasm_f32x4_pmax(amax, wasm_f32x4_abs(v[j]));
        }
        amax = wasm_f32x4_pmax(amax, wasm_i32x4_shuffle(amax, amax, 2, 3, 0, 1));
        amax = wasm_f32x4_pmax(amax, wasm_i32x4_shuffle(amax, amax, 1, 0, 3, 2));
        float d = wasm_f32x4_extract_lane(amax, 0) / 127.0f;
        y[b].d = d;
        if (d == 0.0f) {
            memset(y[b].qs, 0, sizeof y[b].qs);
            continue;
        }
        v128_t vd = wasm_f32x4_splat(d);
        v128_t q[8];
        for (int j = 0; j < 8; j++) q[j] = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_div(v[j], vd)));
        v128_t lo = wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(q[0], q[1]), wasm_i16x8_narrow_i32x4(q[2], q[3]));
        v128_t hi = wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(q[4], q[5]), wasm_i16x8_narrow_i32x4(q[6], q[7]));
        wasm_v128_store(y[b].qs, lo);
        wasm_v128_store(y[b].qs + 16, hi);
    }
}

/* Lane sums of one block: w0..w3 widened weights, xw 32 widened activations.
 * The four lanes add up to the block's integer dot product. */
static inline v128_t q8_isum(v128_t w0, v128_t w1, v128_t w2, v128_t w3, const int16_t *xw) {
    v128_t s = wasm_i32x4_dot_i16x8(w0, wasm_v128_load(xw));
    s = wasm_i32x4_add(s, wasm_i32x4_dot_i16x8(w1, wasm_v128_load(xw + 8)));
    s = wasm_i32x4_add(s, wasm_i32x4_dot_i16x8(w2, wasm_v128_load(xw + 16)));
    return wasm_i32x4_add(s, wasm_i32x4_dot_i16x8(w3, wasm_v128_load(xw + 24)));
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

static inline v128_t q8_isum_block(const int8_t *q, const int16_t *xw) {
    return q8_isum(wasm_i16x8_load8x8(q), wasm_i16x8_load8x8(q + 8), wasm_i16x8_load8x8(q + 16),
                   wasm_i16x8_load8x8(q + 24), xw);
}

/* Weight row w against one activation row (x blocks, xw widened). */
static inline float q8_row_x1(const s2s_block_q8 *w, const s2s_block_q8 *x, const int16_t *xw, int nb) {
    float acc = 0.0f;
    for (int b = 0; b < nb; b++)
        acc = acc + (w[b].d * x[b].d) * (float)isum1(q8_isum_block(w[b].qs, xw + (size_t)b * S2S_QK));
    return acc;
}

/* Four weight rows (stride nb blocks) against one activation row: the
 * activation block is loaded once for four rows, and one conversion and one
 * multiply-add per block serve all four (lane i = row i). */
static inline v128_t q8_rows4_x1(const s2s_block_q8 *w, const s2s_block_q8 *x, const int16_t *xw, int nb) {
    v128_t acc = wasm_f32x4_splat(0.0f);
    const s2s_block_q8 *w0 = w, *w1 = w0 + nb, *w2 = w1 + nb, *w3 = w2 + nb;
    for (int b = 0; b < nb; b++) {
        const int16_t *xb = xw + (size_t)b * S2S_QK;
        v128_t t = isum4x4(q8_isum_block(w0[b].qs, xb), q8_isum_block(w1[b].qs, xb),
                           q8_isum_block(w2[b].qs, xb), q8_isum_block(w3[b].qs, xb));
        v128_t dw = wasm_f32x4_make(w0[b].d, w1[b].d, w2[b].d, w3[b].d);
        v128_t scale = wasm_f32x4_mul(dw, wasm_f32x4_splat(x[b].d));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(scale, wasm_f32x4_convert_i32x4(t)));
    }
    return acc;
}

/* One weight row against four activation rows: each weight block is widened
 * once and used four times (lane i = activation row i). dx holds the four
 * rows' block scales side by side (nb vectors). */
static inline v128_t q8_row_x4(const s2s_block_q8 *w, const v128_t *dx, const int16_t *xw, int nb) {
    v128_t acc = wasm_f32x4_splat(0.0f);
    size_t xs = (size_t)nb * S2S_QK; /* widened row stride */
    for (int b = 0; b < nb; b++) {
        const int8_t *q = w[b].qs;
        v128_t w0 = wasm_i16x8_load8x8(q), w1 = wasm_i16x8_load8x8(q + 8);
        v128_t w2 = wasm_i16x8_load8x8(q + 16), w3 = wasm_i16x8_load8x8(q + 24);
        const int16_t *xb = xw + (size_t)b * S2S_QK;
        v128_t t = isum4x4(q8_isum(w0, w1, w2, w3, xb), q8_isum(w0, w1, w2, w3, xb + xs),
                           q8_isum(w0, w1, w2, w3, xb + 2 * xs), q8_isum(w0, w1, w2, w3, xb + 3 * xs));
        v128_t scale = wasm_f32x4_mul(wasm_v128_load32_splat(&w[b].d), dx[b]);
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(scale, wasm_f32x4_convert_i32x4(t)));
    }
    return acc;
}

/* Strips of Q8_STRIP weight rows stay in L1 while every group of four
 * activation rows goes through them. */
enum { Q8_STRIP = 32 };

S2S_NOINLINE void kernel_gemm_q8(float *Y, int ldy, const s2s_block_q8 *W, const s2s_block_q8 *X, int M,
                                 int N, int K) {
    assert(K % S2S_QK == 0);
    int nb = K / S2S_QK;
    if (M <= 0 || N <= 0) return;
    /* activations widened to int16 once (32 per block), and for each group of
     * four rows their block scales side by side */
    size_t xs = (size_t)nb * S2S_QK;
    int groups = N / 4;
    int16_t *xw = malloc((size_t)N * xs * sizeof *xw);
    v128_t *dx = malloc((size_t)(groups ? groups : 1) * (size_t)nb * sizeof *dx);
    if (!xw || !dx) {
        free(xw);
        free(dx);
        kernel_gemm_q8_ref(Y, ldy, W, X, M, N, K);
        return;
    }
    for (int b = 0; b < N * nb; b++)
        for (int j = 0; j < 4; j++) wasm_v128_store(xw + (size_t)b * S2S_QK + 8 * j, wasm_i16x8_load8x8(X[b].qs + 8 * j));
    for (int g = 0; g < groups; g++)
        for (int b = 0; b < nb; b++) {
            const s2s_block_q8 *x0 = X + (size_t)4 * g * nb + b;
            dx[(size_t)g * nb + b] = wasm_f32x4_make(x0[0].d, x0[nb].d, x0[2 * nb].d, x0[3 * nb].d);
        }
    for (int m0 = 0; m0 < M; m0 += Q8_STRIP) {
        int m1 = M - m0 < Q8_STRIP ? M : m0 + Q8_STRIP;
        int n = 0;
        for (; n + 4 <= N; n += 4)
            for (int r = m0; r < m1; r++) {
                float out[4];
                wasm_v128_store(out, q8_row_x4(W + (size_t)r * nb, dx + (size_t)(n / 4) * nb, xw + n * xs, nb));
                for (int i = 0; i < 4; i++) Y[(size_t)(n + i) * ldy + r] = out[i];
            }
        for (; n < N; n++) {
            const s2s_block_q8 *x = X + (size_t)n * nb;
            float *y = Y + (size_t)n * ldy;
            int r = m0;
            for (; r + 4 <= m1; r += 4)
                wasm_v128_store(y + r, q8_rows4_x1(W + (size_t)r * nb, x, xw + n * xs, nb));
            for (; r < m1; r++) y[r] = q8_row_x1(W + (size_t)r * nb, x, xw + n * xs, nb);
        }
    }
    free(dx);
    free(xw);
}

S2S_NOINLINE void kernel_matvec_q8(float *y, const s2s_block_q8 *W, const s2s_block_q8 *x, int M, int K) {
    kernel_gemm_q8(y, M, W, x, M, 1, K);
}

#endif /* SIMD */
