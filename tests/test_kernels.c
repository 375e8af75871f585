/*
 * test_kernels.c — every SIMD kernel against its _ref twin (bit for bit
 * where kernels.h promises it), the approximations against libm, GEMM
 * against a double-precision triple loop, and the Q8 round trip.
 *
 * Build with -ffp-contract=off: the bit-for-bit promises assume no FMA
 * contraction (as in WASM, which has no FMA).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "simd.h"
#include "testing.h"

/* ------------------------------------------------------------- helpers */

static uint64_t rng_state;

static void rng_seed(uint64_t seed) { rng_state = seed; }

/* splitmix64: fixed seed, same numbers on every platform */
static uint64_t rng_next(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* uniform in [-1, 1) */
static float rng_float(void) { return (float)((double)(rng_next() >> 40) / (double)(1ull << 23) - 1.0); }

static float *rand_array(size_t n, float scale) {
    float *x = malloc((n ? n : 1) * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = scale * rng_float();
    return x;
}

static int same_bits(const void *a, const void *b, size_t bytes) { return memcmp(a, b, bytes) == 0; }

static const int odd_lengths[] = {0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 1000};
#define COUNT(a) (int)(sizeof(a) / sizeof((a)[0]))

/* relative error with a floor: |y - ref| / max(|ref|, floor) */
static double rel_err(double y, double ref, double floor_) {
    return fabs(y - ref) / fmax(fabs(ref), floor_);
}

/* ------------------------------------------------------- dot, axpy, matvec */

static void dot_matches_ref_bit_for_bit_on_odd_lengths(void) {
    rng_seed(1);
    for (int t = 0; t < COUNT(odd_lengths); t++) {
        int n = odd_lengths[t];
        float *a = rand_array((size_t)n, 3.0f), *b = rand_array((size_t)n, 3.0f);
        float s = kernel_dot(a, b, n), r = kernel_dot_ref(a, b, n);
        CHECK(same_bits(&s, &r, sizeof s));
        double d = 0.0, mag = 0.0;
        for (int i = 0; i < n; i++) d += (double)a[i] * b[i], mag += fabs((double)a[i] * b[i]);
        CHECK(fabs(s - d) <= (n + 2) * FLT_EPSILON * mag + 1e-30);
        free(a);
        free(b);
    }
}

static void axpy_matches_ref_bit_for_bit_on_odd_lengths(void) {
    rng_seed(2);
    for (int t = 0; t < COUNT(odd_lengths); t++) {
        int n = odd_lengths[t];
        float *x = rand_array((size_t)n, 1.0f), *y1 = rand_array((size_t)n, 1.0f);
        float *y2 = malloc((n ? n : 1) * sizeof *y2);
        memcpy(y2, y1, (size_t)n * sizeof *y2);
        kernel_axpy(y1, 0.37f, x, n);
        kernel_axpy_ref(y2, 0.37f, x, n);
        CHECK(same_bits(y1, y2, (size_t)n * sizeof *y1));
        free(x);
        free(y1);
        free(y2);
    }
}

static void matvec_f32_matches_ref_bit_for_bit_and_double_product(void) {
    static const int Ms[] = {1, 3, 4, 5, 8, 33};
    static const int Ks[] = {1, 3, 4, 5, 31, 32, 33, 257};
    rng_seed(3);
    for (int mi = 0; mi < COUNT(Ms); mi++)
        for (int ki = 0; ki < COUNT(Ks); ki++) {
            int M = Ms[mi], K = Ks[ki];
            float *W = rand_array((size_t)M * K, 1.0f), *x = rand_array((size_t)K, 1.0f);
            float *y1 = malloc(M * sizeof *y1), *y2 = malloc(M * sizeof *y2);
            kernel_matvec_f32(y1, W, x, M, K);
            kernel_matvec_f32_ref(y2, W, x, M, K);
            CHECK(same_bits(y1, y2, (size_t)M * sizeof *y1));
            for (int i = 0; i < M; i++) {
                double d = 0.0, mag = 0.0;
                for (int k = 0; k < K; k++) {
                    d += (double)W[(size_t)i * K + k] * x[k];
                    mag += fabs((double)W[(size_t)i * K + k] * x[k]);
                }
                CHECK(fabs(y1[i] - d) <= (K + 2) * FLT_EPSILON * mag);
            }
            free(W);
            free(x);
            free(y1);
            free(y2);
        }
}

/* ---------------------------------------------------- exp, sigmoid, tanh */

/* Inputs every elementwise test walks: a dense sweep plus the extremes. */
static float *sweep_inputs(int *n_out) {
    static const float special[] = {0.0f,   -0.0f,   1e-8f,   -1e-8f,  1e-30f,  -1e-30f, 0.5f,    -0.5f,
                                    0.625f, -0.625f, 0.6249f, 1.0f,    -1.0f,   9.0f,    -9.0f,   20.0f,
                                    -20.0f, 80.0f,   -80.0f,  87.0f,   -87.0f,  88.7f,   88.72f,  88.73f,
                                    89.0f,  -89.0f,  100.0f,  -100.0f, -103.0f, -104.0f, -105.0f, 1e30f,
                                    -1e30f, FLT_MAX, -FLT_MAX, INFINITY, -INFINITY, FLT_MIN, -FLT_MIN};
    int n_sweep = 200001;
    int n = n_sweep + COUNT(special);
    float *x = malloc((size_t)n * sizeof *x);
    for (int i = 0; i < n_sweep; i++) x[i] = -110.0f + 220.0f * (float)i / (float)(n_sweep - 1);
    memcpy(x + n_sweep, special, sizeof special);
    *n_out = n;
    return x;
}

typedef void (*elementwise_fn)(float *, const float *, int);

/* SIMD == ref on the sweep, on every odd length, and with y == x. */
static void check_elementwise_bit_exact(elementwise_fn simd, elementwise_fn ref) {
    int n;
    float *x = sweep_inputs(&n);
    float *y1 = malloc((size_t)n * sizeof *y1), *y2 = malloc((size_t)n * sizeof *y2);
    simd(y1, x, n);
    ref(y2, x, n);
    CHECK(same_bits(y1, y2, (size_t)n * sizeof *y1));
    for (int t = 0; t < COUNT(odd_lengths); t++) {
        int len = odd_lengths[t];
        for (int off = 0; off < 3; off++) { /* unaligned starts */
            simd(y1, x + 12345 + off, len);
            ref(y2, x + 12345 + off, len);
            CHECK(same_bits(y1, y2, (size_t)len * sizeof *y1));
        }
    }
    ref(y2, x, n);
    memcpy(y1, x, (size_t)n * sizeof *y1);
    simd(y1, y1, n); /* in place */
    CHECK(same_bits(y1, y2, (size_t)n * sizeof *y1));
    free(x);
    free(y1);
    free(y2);
}

static void exp_sigmoid_tanh_match_ref_bit_for_bit(void) {
    check_elementwise_bit_exact(kernel_exp, kernel_exp_ref);
    check_elementwise_bit_exact(kernel_sigmoid, kernel_sigmoid_ref);
    check_elementwise_bit_exact(kernel_tanh, kernel_tanh_ref);
}

static double max_rel_err;

static void exp_is_within_2e7_of_libm_and_saturates(void) {
    int n;
    float *x = sweep_inputs(&n);
    float *y = malloc((size_t)n * sizeof *y);
    kernel_exp(y, x, n);
    double worst = 0.0;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double ref = exp((double)x[i]);
        if (isnan(y[i])) bad++;
        if (ref > FLT_MAX) {
            if (!(isinf(y[i]) && y[i] > 0)) bad++;
        } else if (ref < FLT_MIN) {
            /* subnormal or zero result: within one subnormal step */
            if (!(y[i] >= 0.0f && fabs(y[i] - ref) <= 0x1p-149)) bad++;
        } else {
            double e = rel_err(y[i], ref, 0.0);
            if (e > worst) worst = e;
        }
    }
    CHECK(bad == 0);
    max_rel_err = worst;
    CHECK(worst <= 2e-7);
    float special[] = {0.0f, NAN};
    kernel_exp(special, special, 2);
    CHECK(special[0] == 1.0f);
    CHECK(isnan(special[1]));
    free(x);
    free(y);
}

static void sigmoid_is_within_2e7_of_libm_and_saturates_to_0_and_1(void) {
    int n;
    float *x = sweep_inputs(&n);
    float *y = malloc((size_t)n * sizeof *y);
    kernel_sigmoid(y, x, n);
    double worst = 0.0;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double ref = 1.0 / (1.0 + exp(-(double)x[i]));
        if (isnan(y[i]) || y[i] < 0.0f || y[i] > 1.0f) bad++;
        if (ref >= FLT_MIN) {
            double e = rel_err(y[i], ref, 0.0);
            if (e > worst) worst = e;
        } else if (fabs(y[i] - ref) > FLT_MIN) {
            bad++; /* below FLT_MIN (x < -87.3) it may flush to 0 */
        }
    }
    CHECK(bad == 0);
    CHECK(worst <= 2e-7);
    float s[] = {100.0f, -200.0f, INFINITY, -INFINITY, 0.0f};
    kernel_sigmoid(s, s, COUNT(s));
    CHECK(s[0] == 1.0f && s[1] == 0.0f && s[2] == 1.0f && s[3] == 0.0f && s[4] == 0.5f);
    free(x);
    free(y);
}

static void tanh_is_within_2e7_of_libm_and_saturates_to_plus_minus_1(void) {
    int n;
    float *x = sweep_inputs(&n);
    float *y = malloc((size_t)n * sizeof *y);
    kernel_tanh(y, x, n);
    double worst = 0.0;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double ref = tanh((double)x[i]);
        if (isnan(y[i]) || fabs(y[i]) > 1.0f) bad++;
        double e = rel_err(y[i], ref, 1e-38);
        if (e > worst) worst = e;
    }
    CHECK(bad == 0);
    CHECK(worst <= 2e-7);
    /* small arguments: relative accuracy, not just absolute */
    for (float v = 1e-8f; v < 1.0f; v *= 1.1f) {
        float in[2] = {v, -v}, out[2];
        kernel_tanh(out, in, 2);
        CHECK(rel_err(out[0], tanh((double)v), 0.0) <= 2e-7);
        CHECK(out[1] == -out[0]);
    }
    float s[] = {100.0f, -100.0f, 10.0f, -10.0f, INFINITY, -INFINITY, 0.0f};
    kernel_tanh(s, s, COUNT(s));
    CHECK(s[0] == 1.0f && s[1] == -1.0f && s[2] == 1.0f && s[3] == -1.0f);
    CHECK(s[4] == 1.0f && s[5] == -1.0f && s[6] == 0.0f);
    float nan_in = NAN, nan_out;
    kernel_tanh(&nan_out, &nan_in, 1);
    CHECK(isnan(nan_out));
    free(x);
    free(y);
}

/* ---------------------------------------------------------------- softmax */

static void softmax_matches_ref_bit_for_bit_and_sums_to_one(void) {
    rng_seed(4);
    for (int t = 1; t < COUNT(odd_lengths); t++) {
        int n = odd_lengths[t];
        float *x = rand_array((size_t)n, 20.0f);
        float *y1 = malloc((size_t)n * sizeof *y1), *y2 = malloc((size_t)n * sizeof *y2);
        float l1 = kernel_softmax(y1, x, n), l2 = kernel_softmax_ref(y2, x, n);
        CHECK(same_bits(y1, y2, (size_t)n * sizeof *y1));
        CHECK(same_bits(&l1, &l2, sizeof l1));
        double m = -INFINITY, sum = 0.0, total = 0.0;
        for (int i = 0; i < n; i++) m = fmax(m, x[i]);
        for (int i = 0; i < n; i++) sum += exp((double)x[i] - m);
        CHECK_CLOSE(l1, m + log(sum), 1e-6);
        for (int i = 0; i < n; i++) {
            CHECK(fabs(y1[i] - exp((double)x[i] - m) / sum) <= 1e-6 * exp((double)x[i] - m) / sum + 1e-12);
            total += y1[i];
        }
        CHECK_CLOSE(total, 1.0, 1e-5);
        /* in place */
        memcpy(y1, x, (size_t)n * sizeof *y1);
        kernel_softmax(y1, y1, n);
        CHECK(same_bits(y1, y2, (size_t)n * sizeof *y1));
        free(x);
        free(y1);
        free(y2);
    }
}

static void log_softmax_matches_ref_bit_for_bit_and_double_logsumexp(void) {
    rng_seed(5);
    for (int t = 1; t < COUNT(odd_lengths); t++) {
        int n = odd_lengths[t];
        float *x = rand_array((size_t)n, 30.0f);
        float *y1 = malloc((size_t)n * sizeof *y1), *y2 = malloc((size_t)n * sizeof *y2);
        kernel_log_softmax(y1, x, n);
        kernel_log_softmax_ref(y2, x, n);
        CHECK(same_bits(y1, y2, (size_t)n * sizeof *y1));
        double m = -INFINITY, sum = 0.0;
        for (int i = 0; i < n; i++) m = fmax(m, x[i]);
        for (int i = 0; i < n; i++) sum += exp((double)x[i] - m);
        for (int i = 0; i < n; i++) CHECK_CLOSE(y1[i], x[i] - m - log(sum), 1e-6);
        memcpy(y1, x, (size_t)n * sizeof *y1);
        kernel_log_softmax(y1, y1, n);
        CHECK(same_bits(y1, y2, (size_t)n * sizeof *y1));
        free(x);
        free(y1);
        free(y2);
    }
}

static void softmax_of_masked_rows_has_no_nan(void) {
    float x[5] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY}, y[5];
    float l = kernel_softmax(y, x, 5);
    CHECK(l == -INFINITY);
    for (int i = 0; i < 5; i++) CHECK(y[i] == 0.0f);
    kernel_log_softmax(y, x, 5);
    for (int i = 0; i < 5; i++) CHECK(y[i] == -INFINITY);
    /* partly masked: masked entries get exactly 0 */
    float z[6] = {1.0f, -INFINITY, 2.0f, -INFINITY, 3.0f, -INFINITY};
    kernel_softmax(y, z, 5);
    CHECK(y[1] == 0.0f && y[3] == 0.0f && !isnan(y[0]));
    CHECK(kernel_softmax(y, x, 0) == -INFINITY);
}

/* ------------------------------------------------------------------ top-k */

static void logsumexp_is_what_log_softmax_subtracts(void) {
    rng_seed(11);
    static const int ns[] = {1, 3, 4, 7, 8000};
    for (int t = 0; t < COUNT(ns); t++) {
        int n = ns[t];
        float *x = rand_array((size_t)n, 20.0f), *y = malloc((size_t)n * sizeof *y);
        float l1 = kernel_logsumexp(x, n), l2 = kernel_logsumexp_ref(x, n);
        CHECK(same_bits(&l1, &l2, sizeof l1));
        kernel_log_softmax(y, x, n);
        for (int i = 0; i < n; i++) CHECK(y[i] == x[i] - l1);
        double m = -INFINITY, sum = 0.0;
        for (int i = 0; i < n; i++) m = fmax(m, x[i]);
        for (int i = 0; i < n; i++) sum += exp((double)x[i] - m);
        CHECK(fabs(l1 - (log(sum) + m)) <= 1e-5 * fmax(1.0, fabs(l1)));
        free(x);
        free(y);
    }
    float inf[5] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    CHECK(kernel_logsumexp(inf, 5) == 0.0f && kernel_logsumexp_ref(inf, 5) == 0.0f);
}

/* Against _ref and against a plain definition: the k largest, largest first,
 * ties in position order; on random rows, rows with many ties, sorted rows
 * (every value enters) and rows with NaN. */
static void top_k_matches_ref_and_keeps_the_earliest_of_ties(void) {
    rng_seed(12);
    static const int ns[] = {1, 3, 5, 9, 64, 8000};
    static const int ks[] = {1, 2, 4, 8, 64};
    int32_t i1[64], i2[64];
    float v1[64], v2[64];
    for (int kind = 0; kind < 4; kind++)
        for (int t = 0; t < COUNT(ns); t++)
            for (int kk = 0; kk < COUNT(ks); kk++) {
                int n = ns[t], k = ks[kk];
                float *x = rand_array((size_t)n, 5.0f);
                for (int i = 0; i < n; i++) {
                    if (kind == 1) x[i] = (float)(int)(x[i]); /* many equal values */
                    if (kind == 2) x[i] = (float)i;           /* ascending: each one enters */
                    if (kind == 3 && i % 7 == 3) x[i] = NAN;
                }
                int c1 = kernel_top_k(i1, v1, k, x, n), c2 = kernel_top_k_ref(i2, v2, k, x, n);
                CHECK(c1 == (k < n ? k : n) && c1 == c2);
                CHECK(same_bits(i1, i2, (size_t)c1 * sizeof *i1) && same_bits(v1, v2, (size_t)c1 * sizeof *v1));
                if (kind == 3) {
                    free(x);
                    continue;
                }
                for (int c = 0; c < c1; c++) {
                    CHECK(v1[c] == x[i1[c]]);
                    if (c > 0) CHECK(v1[c - 1] > v1[c] || (v1[c - 1] == v1[c] && i1[c - 1] < i1[c]));
                }
                /* nothing left out beats the k-th, or ties it from an earlier position */
                for (int i = 0; i < n && c1 == k; i++) {
                    int taken = 0;
                    for (int d = 0; d < c1; d++) taken |= i1[d] == i;
                    if (!taken) CHECK(x[i] < v1[k - 1] || (x[i] == v1[k - 1] && i > i1[k - 1]));
                }
                free(x);
            }
}

/* -------------------------------------------------------------------- Q8 */

/* `rows` random rows of n, with a few zero rows, tiny rows and exact ties. */
static float *q8_inputs(int rows, int n) {
    float *x = rand_array((size_t)rows * n, 4.0f);
    for (int r = 0; r < rows; r++) {
        float *xr = x + (size_t)r * n;
        switch (r % 7) {
        case 1: memset(xr, 0, (size_t)n * sizeof *xr); break;
        case 2:
            for (int j = 0; j < n; j++) xr[j] *= 1e-30f;
            break;
        case 3: /* amax 127 -> scale 1: values on .5 land on exact ties */
            for (int j = 0; j < n; j++) xr[j] = (float)(j % 32 - 16) + 0.5f;
            xr[0] = 127.0f;
            break;
        case 4: /* subnormal amax, where the scale rounds hard */
            for (int j = 0; j < n; j++) xr[j] = (float)(j % 32 * 7 - 100) * 0x1p-149f;
            break;
        default: break;
        }
    }
    return x;
}

static void quantize_q8_matches_ref_bit_for_bit(void) {
    rng_seed(6);
    static const int ns[] = {16, 32, 48, 512, 2048};
    for (int t = 0; t < COUNT(ns); t++) {
        int n = ns[t], rows = 7;
        float *x = q8_inputs(rows, n);
        int8_t *q1 = calloc((size_t)n, 1), *q2 = calloc((size_t)n, 1);
        for (int r = 0; r < rows; r++) {
            float s1 = -1.0f, s2 = -2.0f;
            kernel_quantize_q8(q1, &s1, x + (size_t)r * n, n);
            kernel_quantize_q8_ref(q2, &s2, x + (size_t)r * n, n);
            CHECK(same_bits(q1, q2, (size_t)n) && same_bits(&s1, &s2, sizeof s1));
        }
        free(x);
        free(q1);
        free(q2);
    }
    /* NaN and inf do not crash and agree */
    float x[32] = {0};
    x[3] = NAN;
    x[5] = 2.0f;
    x[9] = -INFINITY;
    int8_t a[32], b[32];
    float sa, sb;
    kernel_quantize_q8(a, &sa, x, 32);
    kernel_quantize_q8_ref(b, &sb, x, 32);
    CHECK(same_bits(a, b, sizeof a) && same_bits(&sa, &sb, sizeof sa));
}

static void dequantized_values_are_within_half_a_step(void) {
    rng_seed(7);
    int rows = 14, n = 288;
    float *x = q8_inputs(rows, n);
    int8_t *q = malloc((size_t)n);
    float *y = malloc((size_t)n * sizeof *y);
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * n;
        float d, amax = 0.0f;
        kernel_quantize_q8(q, &d, xr, n);
        kernel_dequantize_q8(y, q, d, n);
        for (int j = 0; j < n; j++) amax = fmaxf(amax, fabsf(xr[j]));
        if (amax < FLT_MIN) continue; /* subnormal rows: the scale itself is inexact */
        CHECK(d == amax / 127.0f);
        for (int j = 0; j < n; j++) {
            CHECK(fabs((double)y[j] - xr[j]) <= 0.5 * d * (1.0 + 1e-6) + 1e-45);
            CHECK(q[j] >= -127 && q[j] <= 127);
        }
        if (r % 7 == 3) { /* the tie row: 0.5 rounds to 0, 1.5 to 2, -0.5 to -0 */
            CHECK(d == 1.0f);
            CHECK(q[16] == 0 && q[17] == 2 && q[15] == 0 && q[14] == -2);
        }
    }
    free(x);
    free(q);
    free(y);
}

static void all_zero_row_quantizes_to_zero_scale_and_zeros(void) {
    float x[64] = {0};
    int8_t q[64];
    float d = -1.0f;
    memset(q, 0x55, sizeof q);
    kernel_quantize_q8(q, &d, x, 64);
    CHECK(d == 0.0f);
    for (int j = 0; j < 64; j++) CHECK(q[j] == 0);
}

typedef struct q8_mat {
    int8_t *q;
    float *scale;
} q8_mat;

static q8_mat q8_quantize_rows(const float *x, int rows, int n) {
    q8_mat m = {malloc((size_t)rows * n), malloc((size_t)rows * sizeof(float))};
    for (int r = 0; r < rows; r++) kernel_quantize_q8(m.q + (size_t)r * n, &m.scale[r], x + (size_t)r * n, n);
    return m;
}

static void q8_mat_free(q8_mat m) {
    free(m.q);
    free(m.scale);
}

typedef void (*gemm_q8_fn)(float *, int, const int8_t *, const float *, const float *, int, int, int, int, void *);

/* Every path of a SIMD kernel (four activation rows at once, four weight
 * rows at once, single rows, strips of 32 weight rows) against _ref, with
 * strided X and Y, zero / tiny / subnormal activation rows, and scratch of
 * exactly kernel_gemm_q8_scratch bytes (ASan sees any overrun). */
static void check_gemm_q8_against_ref(gemm_q8_fn gemm, gemm_q8_fn ref) {
    static const int Ms[] = {1, 3, 4, 5, 17, 33, 64};
    static const int Ks[] = {16, 32, 48, 288, 512};
    static const int Ns[] = {1, 2, 4, 5, 9};
    for (int mi = 0; mi < COUNT(Ms); mi++)
        for (int ki = 0; ki < COUNT(Ks); ki++) {
            int M = Ms[mi], K = Ks[ki];
            float *Wf = q8_inputs(M, K);
            q8_mat W = q8_quantize_rows(Wf, M, K);
            for (int ni = 0; ni < COUNT(Ns); ni++) {
                int N = Ns[ni], ldy = M + 3, ldx = K + 5;
                float *Xf = q8_inputs(N, ldx);
                void *scratch = malloc(kernel_gemm_q8_scratch(N, K));
                float *Y1 = calloc((size_t)N * ldy, sizeof *Y1), *Y2 = calloc((size_t)N * ldy, sizeof *Y2);
                float *y = malloc((size_t)M * sizeof *y);
                gemm(Y1, ldy, W.q, W.scale, Xf, ldx, M, N, K, scratch);
                ref(Y2, ldy, W.q, W.scale, Xf, ldx, M, N, K, scratch);
                CHECK(same_bits(Y1, Y2, (size_t)N * ldy * sizeof *Y1));
                /* row r of the GEMM is the one-row product of X row r; padding untouched */
                for (int r = 0; r < N; r++) {
                    gemm(y, M, W.q, W.scale, Xf + (size_t)r * ldx, ldx, M, 1, K, scratch);
                    CHECK(same_bits(y, Y1 + (size_t)r * ldy, (size_t)M * sizeof *y));
                    for (int p = M; p < ldy; p++) CHECK(Y1[(size_t)r * ldy + p] == 0.0f);
                }
                free(Xf);
                free(scratch);
                free(y);
                free(Y1);
                free(Y2);
            }
            free(Wf);
            q8_mat_free(W);
        }
}

static void gemm_q8_matches_ref_bit_for_bit(void) {
    rng_seed(8);
    check_gemm_q8_against_ref(kernel_gemm_q8, kernel_gemm_q8_ref);
}

/* ------------------------------------------- Q8 with 7-bit activations */

#if !defined(S2S_NO_SIMD)
/* The relaxed dot product as this build has it (the instruction in the
 * relaxed WebAssembly flavour, an emulation elsewhere) against its
 * definition, on random lanes and on the extremes: -128 and 127 against
 * 127 in every lane, where pmaddubsw's int16 pair sums are closest to
 * saturating. */
static void relaxed_dot_has_the_standard_meaning_for_7_bit_operands(void) {
    rng_seed(20);
    for (int t = 0; t < 1000; t++) {
        int8_t a[16];
        uint8_t b[16];
        int32_t c[4], got[4];
        for (int j = 0; j < 16; j++) {
            uint64_t r = rng_next();
            a[j] = (int8_t)(r & 0xff);
            b[j] = (uint8_t)((r >> 8) & 0x7f);
            if (t == 0) a[j] = -128, b[j] = 127;
            if (t == 1) a[j] = 127, b[j] = 127;
        }
        for (int i = 0; i < 4; i++) c[i] = (int32_t)(rng_next() >> 40) - (1 << 23);
        wasm_v128_store(got, s2s_i32x4_dot_i8x16_i7x16_add(wasm_v128_load(a), wasm_v128_load(b), wasm_v128_load(c)));
        for (int i = 0; i < 4; i++) {
            int32_t want = c[i];
            for (int j = 0; j < 4; j++) want += (int32_t)a[4 * i + j] * b[4 * i + j];
            CHECK(got[i] == want);
        }
    }
}
#endif

static void gemm_q8a7_matches_ref_bit_for_bit(void) {
    rng_seed(21);
    check_gemm_q8_against_ref(kernel_gemm_q8a7, kernel_gemm_q8a7_ref);
}

/* _ref against its definition in double: activations on the 7-bit grid
 * (d = amax / 63, q = rne(x / d) in -63..63), exact integer sums; and the
 * extremes (weights -128 or 127 against activations at +-amax over a long
 * row), where the offset sums are largest. */
static void gemm_q8a7_ref_is_the_7_bit_product(void) {
    rng_seed(22);
    int M = 37, K = 4096, N = 6;
    float *Wf = rand_array((size_t)M * K, 1.0f), *Xf = rand_array((size_t)N * K, 2.0f);
    for (int k = 0; k < K; k++) Xf[k] = 3.0f;                                 /* row 0: all at +amax */
    for (int k = 0; k < K; k++) Xf[(size_t)K + k] = k == 0 ? 3.0f : -3.0f;  /* row 1: -amax */
    q8_mat W = q8_quantize_rows(Wf, M, K);
    for (int k = 0; k < K; k++) W.q[k] = -128, W.q[(size_t)K + k] = 127;
    void *scratch = malloc(kernel_gemm_q8_scratch(N, K));
    float *Y = malloc((size_t)N * M * sizeof *Y), *Y2 = malloc((size_t)N * M * sizeof *Y2);
    kernel_gemm_q8a7_ref(Y, M, W.q, W.scale, Xf, K, M, N, K, scratch);
    kernel_gemm_q8a7(Y2, M, W.q, W.scale, Xf, K, M, N, K, scratch);
    CHECK(same_bits(Y, Y2, (size_t)N * M * sizeof *Y));
    for (int n = 0; n < N; n++) {
        const float *x = Xf + (size_t)n * K;
        float amax = 0.0f;
        for (int k = 0; k < K; k++) amax = fmaxf(amax, fabsf(x[k]));
        float d = amax / 63.0f;
        for (int m = 0; m < M; m++) {
            int64_t isum = 0;
            for (int k = 0; k < K; k++) {
                float q = nearbyintf(x[k] / d);
                CHECK(q >= -63.0f && q <= 63.0f);
                isum += (int64_t)W.q[(size_t)m * K + k] * (int64_t)q;
            }
            float want = (W.scale[m] * d) * (float)isum;
            CHECK(same_bits(&want, &Y[(size_t)n * M + m], sizeof want));
        }
    }
    /* row 0 of W (all -128) against X row 0 (all 63): -128 * 63 * K */
    CHECK(Y[0] == (W.scale[0] * (3.0f / 63.0f)) * (float)(-128 * 63 * K));
    free(Wf);
    free(Xf);
    free(Y);
    free(Y2);
    free(scratch);
    q8_mat_free(W);
}

static void gemm_q8_is_close_to_f32_on_dequantized_values(void) {
    rng_seed(9);
    int M = 67, K = 512, N = 5;
    float *Wf = rand_array((size_t)M * K, 1.0f), *Xf = rand_array((size_t)N * K, 1.0f);
    q8_mat W = q8_quantize_rows(Wf, M, K), X = q8_quantize_rows(Xf, N, K);
    float *Wd = malloc((size_t)M * K * sizeof *Wd), *Xd = malloc((size_t)N * K * sizeof *Xd);
    for (int r = 0; r < M; r++) kernel_dequantize_q8(Wd + (size_t)r * K, W.q + (size_t)r * K, W.scale[r], K);
    for (int r = 0; r < N; r++) kernel_dequantize_q8(Xd + (size_t)r * K, X.q + (size_t)r * K, X.scale[r], K);
    void *scratch = malloc(kernel_gemm_q8_scratch(N, K));
    float Y[5 * 67], yd[67], yf[67];
    kernel_gemm_q8(Y, M, W.q, W.scale, Xf, K, M, N, K, scratch);
    for (int n = 0; n < N; n++) {
        const float *x = Xf + (size_t)n * K, *xd = Xd + (size_t)n * K;
        kernel_matvec_f32(yd, Wd, xd, M, K);
        kernel_matvec_f32(yf, Wf, x, M, K);
        for (int i = 0; i < M; i++) {
            double mag = 0.0;
            for (int k = 0; k < K; k++) mag += fabs((double)Wd[(size_t)i * K + k] * xd[k]);
#if !defined(S2S_RELAXED_SIMD) /* that build quantizes X to 7 bits */
            /* the kernel quantizes X by the same rule: same products, other rounding */
            CHECK(fabs(Y[n * M + i] - yd[i]) <= 1e-6 * mag);
#endif
            /* and int8 is a usable approximation of the f32 product */
            CHECK(fabs(Y[n * M + i] - yf[i]) <= 0.02 * mag);
        }
    }
    free(Wf);
    free(Xf);
    free(Wd);
    free(Xd);
    free(scratch);
    q8_mat_free(W);
    q8_mat_free(X);
}

/* ------------------------------------------------------------------ GEMM */

typedef void (*gemm_fn)(int, int, int, int, int, const float *, int, const float *, int, float, float *, int);

/* One GEMM call against a double triple loop: each entry within the
 * standard bound (K + 2) eps sum|a b| (+ |c| for beta 1). */
static void check_gemm(gemm_fn gemm, int ta, int tb, int M, int N, int K, float beta) {
    int pad = 3;
    int rows_a = ta ? K : M, cols_a = ta ? M : K;
    int rows_b = tb ? N : K, cols_b = tb ? K : N;
    int lda = cols_a + pad, ldb = cols_b + pad, ldc = N + pad;
    float *A = rand_array((size_t)rows_a * lda + 1, 1.0f);
    float *B = rand_array((size_t)rows_b * ldb + 1, 1.0f);
    float *C = rand_array((size_t)M * ldc + 1, 1.0f);
    float *C0 = malloc(((size_t)M * ldc + 1) * sizeof *C0);
    if (beta == 0.0f)
        for (size_t i = 0; i < (size_t)M * ldc; i++) C[i] = NAN; /* garbage must be ignored */
    memcpy(C0, C, ((size_t)M * ldc + 1) * sizeof *C0);
    gemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
    int bad = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < ldc; j++) {
            size_t ij = (size_t)i * ldc + j;
            if (j >= N) { /* padding untouched */
                if (!same_bits(&C[ij], &C0[ij], sizeof *C)) bad++;
                continue;
            }
            double s = 0.0, mag = 0.0;
            for (int k = 0; k < K; k++) {
                double a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                double b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                s += a * b;
                mag += fabs(a * b);
            }
            if (beta != 0.0f) s += beta * (double)C0[ij], mag += fabs(beta * (double)C0[ij]);
            if (!(fabs(C[ij] - s) <= (K + 2) * FLT_EPSILON * mag + 1e-30)) bad++;
        }
    if (bad)
        fprintf(stderr, "  gemm ta=%d tb=%d M=%d N=%d K=%d beta=%g: %d bad entries\n", ta, tb, M, N, K,
                (double)beta, bad);
    CHECK(bad == 0);
    free(A);
    free(B);
    free(C);
    free(C0);
}

static const int gemm_shapes[][3] = {
    {1, 1, 1},   {1, 1, 7},     {3, 5, 7},      {4, 8, 16},  {5, 9, 17},     {7, 3, 1},
    {8, 16, 4},  {33, 31, 29},  {64, 64, 64},   {17, 1, 33}, {1, 40, 300},   {130, 70, 257},
    {9, 1100, 40}, {131, 1030, 260}, {2, 2, 513},
};

static void gemm_matches_naive_product_for_all_transposes(void) {
    rng_seed(10);
    for (int s = 0; s < COUNT(gemm_shapes); s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                const int *d = gemm_shapes[s];
                check_gemm(kernel_gemm_f32, ta, tb, d[0], d[1], d[2], 0.0f);
            }
}

static void gemm_with_beta_one_accumulates_into_c(void) {
    rng_seed(11);
    for (int s = 0; s < COUNT(gemm_shapes); s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                const int *d = gemm_shapes[s];
                check_gemm(kernel_gemm_f32, ta, tb, d[0], d[1], d[2], 1.0f);
            }
}

static void gemm_ref_matches_naive_product(void) {
    rng_seed(12);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            check_gemm(kernel_gemm_f32_ref, ta, tb, 33, 31, 29, 0.0f);
            check_gemm(kernel_gemm_f32_ref, ta, tb, 5, 9, 17, 1.0f);
        }
}

static void gemm_with_zero_k_zeroes_c_for_beta_zero_and_keeps_it_for_beta_one(void) {
    float A[1] = {1.0f}, B[1] = {1.0f};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            float C[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
            kernel_gemm_f32(ta, tb, 2, 3, 0, A, 1, B, 1, 0.0f, C, 3);
            for (int i = 0; i < 6; i++) CHECK(C[i] == 0.0f);
            float D[6] = {1, 2, 3, 4, 5, 6};
            kernel_gemm_f32(ta, tb, 2, 3, 0, A, 1, B, 1, 1.0f, D, 3);
            for (int i = 0; i < 6; i++) CHECK(D[i] == (float)(i + 1));
        }
}

static void gemm_with_zero_m_or_n_leaves_c_untouched(void) {
    float A[4] = {1, 2, 3, 4}, B[4] = {1, 2, 3, 4}, C[4] = {7, 7, 7, 7};
    kernel_gemm_f32(0, 0, 0, 2, 2, A, 2, B, 2, 0.0f, C, 2);
    kernel_gemm_f32(0, 1, 2, 0, 2, A, 2, B, 2, 0.0f, C, 2);
    kernel_gemm_f32_ref(1, 0, 0, 0, 2, A, 2, B, 2, 0.0f, C, 2);
    for (int i = 0; i < 4; i++) CHECK(C[i] == 7.0f);
}

/* ------------------------------------------------------ layernorm, GELU */

static void layernorm_matches_ref_bit_for_bit_and_double_formula(void) {
    static const int Cs[] = {1, 3, 4, 5, 16, 17, 64, 257};
    rng_seed(40);
    for (int ci = 0; ci < COUNT(Cs); ci++) {
        int C = Cs[ci], N = 3;
        float *x = rand_array((size_t)N * C, 4.0f), *g = rand_array((size_t)C, 1.5f);
        float *b = rand_array((size_t)C, 1.0f);
        for (int i = 0; i < N * C; i++) x[i] += 2.5f; /* an offset the mean must remove */
        float *y1 = malloc(sizeof(float) * (size_t)N * C), *y2 = malloc(sizeof(float) * (size_t)N * C);
        float m1[3], m2[3], r1[3], r2[3];
        kernel_layernorm(y1, m1, r1, x, g, b, N, C, 1e-5f);
        kernel_layernorm_ref(y2, m2, r2, x, g, b, N, C, 1e-5f);
        CHECK(same_bits(y1, y2, sizeof(float) * (size_t)N * C));
        CHECK(same_bits(m1, m2, sizeof m1) && same_bits(r1, r2, sizeof r1));
        for (int r = 0; r < N; r++) {
            const float *xr = x + (size_t)r * C;
            double mu = 0.0, var = 0.0;
            for (int i = 0; i < C; i++) mu += xr[i];
            mu /= C;
            for (int i = 0; i < C; i++) var += (xr[i] - mu) * (xr[i] - mu);
            var /= C;
            double rs = 1.0 / sqrt(var + 1e-5);
            CHECK(fabs(m1[r] - mu) <= 1e-5 && rel_err(r1[r], rs, 1e-30) <= 1e-5);
            for (int i = 0; i < C; i++) {
                double want = (xr[i] - mu) * rs * g[i] + b[i];
                CHECK(fabs(y1[(size_t)r * C + i] - want) <= 2e-5 * fmax(1.0, fabs(want)));
            }
        }
        /* without affine parameters, in place */
        memcpy(y1, x, sizeof(float) * (size_t)N * C);
        kernel_layernorm(y1, NULL, NULL, y1, NULL, NULL, N, C, 1e-5f);
        kernel_layernorm_ref(y2, NULL, NULL, x, NULL, NULL, N, C, 1e-5f);
        CHECK(same_bits(y1, y2, sizeof(float) * (size_t)N * C));
        free(x), free(g), free(b), free(y1), free(y2);
    }
    /* a constant row normalises to b, not NaN (var 0, rstd 1/sqrt(eps)) */
    float c[8] = {3, 3, 3, 3, 3, 3, 3, 3}, bias[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8];
    kernel_layernorm(y, NULL, NULL, c, NULL, bias, 1, 8, 1e-5f);
    for (int i = 0; i < 8; i++) CHECK(y[i] == bias[i]);
}

static void gelu_matches_ref_bit_for_bit_and_double_formula(void) {
    check_elementwise_bit_exact(kernel_gelu_tanh, kernel_gelu_tanh_ref);
    int n;
    float *x = sweep_inputs(&n);
    float *y = malloc((size_t)n * sizeof *y);
    kernel_gelu_tanh(y, x, n);
    double worst = 0.0;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || fabs(x[i]) > 1e4f) continue; /* x^3 overflows: libm's NaN, ours too */
        double v = x[i];
        double want = 0.5 * v * (1.0 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
        if (isnan(y[i])) bad++;
        /* absolute for the negative tail, where 1 + tanh cancels (as in PyTorch's float) */
        double e = fabs(y[i] - want) / fmax(1.0, fabs(v));
        if (e > worst) worst = e;
    }
    CHECK(bad == 0);
    CHECK(worst <= 3e-7);
    fprintf(stderr, "gelu_tanh: max error vs double %.3g (relative to max(1, |x|))\n", worst);
    float s[] = {0.0f, 1.0f, -1.0f, 10.0f, -10.0f};
    kernel_gelu_tanh(s, s, COUNT(s));
    CHECK(s[0] == 0.0f && s[3] == 10.0f && s[4] == 0.0f);
    CHECK_CLOSE(s[1], 0.841191990, 1e-6);
    CHECK_CLOSE(s[2], -0.158808009, 1e-6);
    free(x);
    free(y);
}

int main(void) {
    RUN(dot_matches_ref_bit_for_bit_on_odd_lengths);
    RUN(axpy_matches_ref_bit_for_bit_on_odd_lengths);
    RUN(matvec_f32_matches_ref_bit_for_bit_and_double_product);
    RUN(exp_sigmoid_tanh_match_ref_bit_for_bit);
    RUN(exp_is_within_2e7_of_libm_and_saturates);
    RUN(sigmoid_is_within_2e7_of_libm_and_saturates_to_0_and_1);
    RUN(tanh_is_within_2e7_of_libm_and_saturates_to_plus_minus_1);
    RUN(softmax_matches_ref_bit_for_bit_and_sums_to_one);
    RUN(log_softmax_matches_ref_bit_for_bit_and_double_logsumexp);
    RUN(softmax_of_masked_rows_has_no_nan);
    RUN(logsumexp_is_what_log_softmax_subtracts);
    RUN(top_k_matches_ref_and_keeps_the_earliest_of_ties);
    RUN(quantize_q8_matches_ref_bit_for_bit);
    RUN(dequantized_values_are_within_half_a_step);
    RUN(all_zero_row_quantizes_to_zero_scale_and_zeros);
    RUN(gemm_q8_matches_ref_bit_for_bit);
    RUN(gemm_q8_is_close_to_f32_on_dequantized_values);
#if !defined(S2S_NO_SIMD)
    RUN(relaxed_dot_has_the_standard_meaning_for_7_bit_operands);
#endif
    RUN(gemm_q8a7_matches_ref_bit_for_bit);
    RUN(gemm_q8a7_ref_is_the_7_bit_product);
    RUN(gemm_matches_naive_product_for_all_transposes);
    RUN(gemm_with_beta_one_accumulates_into_c);
    RUN(gemm_ref_matches_naive_product);
    RUN(gemm_with_zero_k_zeroes_c_for_beta_zero_and_keeps_it_for_beta_one);
    RUN(gemm_with_zero_m_or_n_leaves_c_untouched);
    RUN(layernorm_matches_ref_bit_for_bit_and_double_formula);
    RUN(gelu_matches_ref_bit_for_bit_and_double_formula);
    fprintf(stderr, "exp: max relative error vs libm %.3g\n", max_rel_err);
    return tests_exit_code();
}
