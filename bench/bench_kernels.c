/*
 * bench_kernels.c — speed of the kernels on the shapes the engine uses.
 * Prints numbers only, no pass/fail. Each figure is the best of several
 * timed batches of calls (single thread, thread CPU time).
 *
 * Letters: M output rows, N columns of C (or activation rows for int8), K inner.
 *
 *   bench_kernels [--json] [--stream-mb N]
 * --json prints one JSON object per measurement instead of the text lines
 * (bench/run.mjs reads it). "stream" is the machine's streaming-read
 * bandwidth, the ceiling of a matvec whose matrix is not in cache: a sum
 * over an N MB array (default 256), best of 5 passes.
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"

/* CPU time of this thread, not wall time: the shared build machines are
 * often oversubscribed and wall time then mostly measures the others. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_state = 42;

static float rng_float(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(rng_state >> 40) / (double)(1ull << 23) - 1.0);
}

static float *rand_array(size_t n) {
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = rng_float();
    return x;
}

static volatile float sink;
static volatile uint64_t isink;

/* --json: each measurement is one object of a JSON array. */
static int json_mode, json_rows;

static void json_row(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("%s\n  {", json_rows++ ? "," : "");
    vprintf(fmt, ap);
    printf("}");
    va_end(ap);
}

/* Seconds per call of `body`: calls are batched until a batch takes at
 * least 20 ms, and the best of 5 batches is kept. */
#define TIME_PER_CALL(result, body)                                  \
    do {                                                             \
        long reps_ = 1;                                              \
        for (;;) {                                                   \
            double t0_ = now_s();                                    \
            for (long r_ = 0; r_ < reps_; r_++) { body; }            \
            if (now_s() - t0_ >= 0.02) break;                        \
            reps_ *= 2;                                              \
        }                                                            \
        double best_ = 1e30;                                         \
        for (int b_ = 0; b_ < 5; b_++) {                             \
            double t0_ = now_s();                                    \
            for (long r_ = 0; r_ < reps_; r_++) { body; }            \
            double dt_ = (now_s() - t0_) / (double)reps_;            \
            if (dt_ < best_) best_ = dt_;                            \
        }                                                            \
        (result) = best_;                                            \
    } while (0)

static void bench_gemm(const char *what, int ta, int tb, int M, int N, int K, float beta, int with_ref) {
    float *A = rand_array((size_t)M * K), *B = rand_array((size_t)K * N), *C = rand_array((size_t)M * N);
    int lda = ta ? M : K, ldb = tb ? K : N;
    double t, flops = 2.0 * M * N * K;
    TIME_PER_CALL(t, kernel_gemm_f32(ta, tb, M, N, K, A, lda, B, ldb, beta, C, N));
    if (json_mode) {
        json_row("\"kernel\": \"gemm_f32\", \"what\": \"%s\", \"M\": %d, \"N\": %d, \"K\": %d, \"us\": %.2f, "
                 "\"gflops\": %.3f", what, M, N, K, t * 1e6, flops / t * 1e-9);
        free(A);
        free(B);
        free(C);
        return;
    }
    printf("gemm %-22s M=%-5d N=%-5d K=%-5d ta=%d tb=%d  %8.1f us  %6.2f GFLOP/s", what, M, N, K, ta, tb, t * 1e6,
           flops / t * 1e-9);
    if (with_ref) {
        double tr;
        TIME_PER_CALL(tr, kernel_gemm_f32_ref(ta, tb, M, N, K, A, lda, B, ldb, beta, C, N));
        printf("   (ref %.2f GFLOP/s)", flops / tr * 1e-9);
    }
    printf("\n");
    free(A);
    free(B);
    free(C);
}

/* A (M, K) matrix as int8 rows with row scales, as s2s_model_quantize stores it. */
typedef struct q8_matrix {
    int8_t *q;
    float *scale;
} q8_matrix;

static q8_matrix quantize_matrix(const float *W, int M, int K) {
    q8_matrix m = {malloc((size_t)M * K), malloc((size_t)M * sizeof(float))};
    for (int r = 0; r < M; r++) kernel_quantize_q8(m.q + (size_t)r * K, &m.scale[r], W + (size_t)r * K, K);
    return m;
}

static void bench_matvec(int M, int K) {
    float *W = rand_array((size_t)M * K), *x = rand_array((size_t)K), *y = malloc((size_t)M * sizeof *y);
    q8_matrix Wq = quantize_matrix(W, M, K);
    void *scratch = malloc(kernel_gemm_q8_scratch(1, K));
    double tf, tr, tq;
    TIME_PER_CALL(tf, kernel_matvec_f32(y, W, x, M, K); sink = y[0]);
    TIME_PER_CALL(tr, kernel_matvec_f32_ref(y, W, x, M, K); sink = y[0]);
    TIME_PER_CALL(tq, kernel_gemm_q8(y, M, Wq.q, Wq.scale, x, K, M, 1, K, scratch); sink = y[0]);
    double bytes_f = 4.0 * M * K, bytes_q = (double)M * K + 4.0 * M;
    if (json_mode) {
        json_row("\"kernel\": \"matvec_f32\", \"M\": %d, \"K\": %d, \"us\": %.2f, \"gbs\": %.3f, \"gflops\": %.3f",
                 M, K, tf * 1e6, bytes_f / tf * 1e-9, 2.0 * M * K / tf * 1e-9);
        json_row("\"kernel\": \"matvec_q8\", \"M\": %d, \"K\": %d, \"us\": %.2f, \"gbs\": %.3f, \"gflops\": %.3f, "
                 "\"speedup_vs_f32\": %.3f", M, K, tq * 1e6, bytes_q / tq * 1e-9, 2.0 * M * K / tq * 1e-9, tf / tq);
    } else {
        printf("matvec f32 %5dx%-5d %8.1f us  %6.2f GB/s   (ref %8.1f us)\n", M, K, tf * 1e6, bytes_f / tf * 1e-9,
               tr * 1e6);
        printf("matvec q8  %5dx%-5d %8.1f us  %6.2f GB/s   %.2fx faster than f32 (quantizing x included)\n", M, K,
               tq * 1e6, bytes_q / tq * 1e-9, tf / tq);
    }
    free(W);
    free(x);
    free(y);
    free(Wq.q);
    free(Wq.scale);
    free(scratch);
}

static void bench_gemm_q8(int M, int N, int K) {
    float *W = rand_array((size_t)M * K), *X = rand_array((size_t)N * K), *Y = malloc((size_t)N * M * sizeof *Y);
    q8_matrix Wq = quantize_matrix(W, M, K);
    void *scratch = malloc(kernel_gemm_q8_scratch(N, K));
    double tg, tm, tf;
    TIME_PER_CALL(tg, kernel_gemm_q8(Y, M, Wq.q, Wq.scale, X, K, M, N, K, scratch); sink = Y[0]);
    TIME_PER_CALL(tm, for (int r = 0; r < N; r++)
                          kernel_gemm_q8(Y + (size_t)r * M, M, Wq.q, Wq.scale, X + (size_t)r * K, K, M, 1, K, scratch);
                  sink = Y[0]);
    TIME_PER_CALL(tf, kernel_gemm_f32(0, 1, N, M, K, X, K, W, K, 0.0f, Y, M); sink = Y[0]);
    if (json_mode)
        json_row("\"kernel\": \"gemm_q8\", \"M\": %d, \"N\": %d, \"K\": %d, \"us\": %.2f, \"gflops\": %.3f, "
                 "\"speedup_vs_f32\": %.3f", M, N, K, tg * 1e6, 2.0 * M * N * K / tg * 1e-9, tf / tg);
    else
        printf("gemm q8    %5dx%-5d N=%-3d %8.1f us  (%d x one row %8.1f us, %.2fx; f32 gemm %8.1f us, %.2fx)\n", M,
               K, N, tg * 1e6, N, tm * 1e6, tm / tg, tf * 1e6, tf / tg);
    free(W);
    free(X);
    free(Y);
    free(Wq.q);
    free(Wq.scale);
    free(scratch);
}

static void bench_elementwise(int n) {
    float *x = rand_array((size_t)n), *y = malloc((size_t)n * sizeof *y);
    for (int i = 0; i < n; i++) x[i] *= 6.0f;
    double t_tanh, t_tanhf, t_sig, t_sigf, t_exp, t_expf;
    TIME_PER_CALL(t_tanh, kernel_tanh(y, x, n); sink = y[0]);
    TIME_PER_CALL(t_tanhf, for (int i = 0; i < n; i++) y[i] = tanhf(x[i]); sink = y[0]);
    TIME_PER_CALL(t_sig, kernel_sigmoid(y, x, n); sink = y[0]);
    TIME_PER_CALL(t_sigf, for (int i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i])); sink = y[0]);
    TIME_PER_CALL(t_exp, kernel_exp(y, x, n); sink = y[0]);
    TIME_PER_CALL(t_expf, for (int i = 0; i < n; i++) y[i] = expf(x[i]); sink = y[0]);
    if (json_mode) {
        json_row("\"kernel\": \"tanh\", \"n\": %d, \"us\": %.3f, \"speedup_vs_libm\": %.2f", n, t_tanh * 1e6,
                 t_tanhf / t_tanh);
        free(x);
        free(y);
        return;
    }
    printf("tanh    n=%d  %7.3f us   (libm tanhf %7.3f us, %.1fx)\n", n, t_tanh * 1e6, t_tanhf * 1e6, t_tanhf / t_tanh);
    printf("sigmoid n=%d  %7.3f us   (libm expf  %7.3f us, %.1fx)\n", n, t_sig * 1e6, t_sigf * 1e6, t_sigf / t_sig);
    printf("exp     n=%d  %7.3f us   (libm expf  %7.3f us, %.1fx)\n", n, t_exp * 1e6, t_expf * 1e6, t_expf / t_exp);
    free(x);
    free(y);
}

static void bench_softmax(int n) {
    float *x = rand_array((size_t)n), *y = malloc((size_t)n * sizeof *y);
    double t, tl, tr;
    TIME_PER_CALL(t, sink = kernel_softmax(y, x, n));
    TIME_PER_CALL(tr, sink = kernel_softmax_ref(y, x, n));
    TIME_PER_CALL(tl, kernel_log_softmax(y, x, n); sink = y[0]);
    if (json_mode)
        json_row("\"kernel\": \"softmax\", \"n\": %d, \"us\": %.3f, \"log_softmax_us\": %.3f", n, t * 1e6,
                 tl * 1e6);
    else
        printf("softmax n=%d %7.2f us (ref %7.2f us); log_softmax %7.2f us\n", n, t * 1e6, tr * 1e6, tl * 1e6);
    free(x);
    free(y);
}

/* Streaming read: sum a `mb` MB array of 64-bit integers (integer adds, so
 * the compiler may vectorise the loop freely), best of 5 passes. */
static void bench_stream(int mb) {
    size_t n = (size_t)mb * (1u << 20) / sizeof(uint64_t);
    uint64_t *a = malloc(n * sizeof *a);
    if (!a) {
        fprintf(stderr, "bench_kernels: cannot allocate %d MB\n", mb);
        return;
    }
    for (size_t i = 0; i < n; i++) a[i] = i; /* touch every page first */
    double best = 1e30;
    for (int pass = 0; pass < 5; pass++) {
        double t0 = now_s();
        uint64_t s = 0;
        for (size_t i = 0; i < n; i++) s += a[i];
        isink = s;
        double dt = now_s() - t0;
        if (dt < best) best = dt;
    }
    double gbs = (double)n * sizeof *a / best * 1e-9;
    if (json_mode) json_row("\"kernel\": \"stream_read\", \"mb\": %d, \"ms\": %.3f, \"gbs\": %.3f", mb, best * 1e3, gbs);
    else printf("stream read %d MB  %8.2f ms  %6.2f GB/s (best of 5)\n", mb, best * 1e3, gbs);
    free(a);
}

static const char *build_name(void) {
#if defined(S2S_USE_BLAS)
    return "cblas_sgemm for GEMM";
#elif defined(S2S_NO_SIMD)
    return "scalar (S2S_NO_SIMD)";
#elif defined(__wasm__)
    return "WASM SIMD128 intrinsics (wasm)";
#else
    return "WASM SIMD128 intrinsics via SIMDe (native)";
#endif
}

int main(int argc, char **argv) {
    int stream_mb = 256;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json_mode = 1;
        else if (!strcmp(argv[i], "--stream-mb") && i + 1 < argc) stream_mb = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_kernels [--json] [--stream-mb N]\n");
            return 2;
        }
    }
    if (json_mode) printf("{\"build\": \"%s\", \"results\": [", build_name());
    else printf("build: %s\n", build_name());
    bench_gemm("forward X W^T", 0, 1, 64, 1024, 256, 0.0f, 0);
    bench_gemm("square", 0, 0, 256, 256, 256, 0.0f, 1);
    bench_gemm("vocab projection", 0, 1, 64, 8000, 256, 0.0f, 0);
    bench_gemm("backward dX = dY W", 0, 0, 64, 256, 1024, 0.0f, 0);
    bench_gemm("backward dW += dY^T X", 1, 0, 1024, 256, 64, 1.0f, 0);
    bench_gemm("beam decode step", 0, 1, 8, 8000, 256, 0.0f, 0);
    bench_gemm("single row", 0, 1, 1, 2048, 512, 0.0f, 0);
    bench_matvec(2048, 512);
    bench_matvec(8000, 256);
    bench_gemm_q8(8000, 4, 256);
    bench_gemm_q8(8000, 8, 256);
    bench_gemm_q8(2048, 8, 512);
    bench_elementwise(512);
    bench_softmax(8000);
    if (stream_mb > 0) bench_stream(stream_mb);
    if (json_mode) printf("\n]}\n");
    return 0;
}
