/* linear.c — dense layers (f32 or int8 weights) and embedding lookups. */
#include <string.h>

#include "nn.h"

void linear_forward(float *Y, int ldy, const float *X, int ldx, const matrix *W, const float *bias,
                    int N, void *q8_scratch) {
    int M = W->rows, K = W->cols;
    if (W->q) {
        kernel_gemm_q8(Y, ldy, W->q, W->qscale, X, ldx, M, N, K, q8_scratch);
    } else if (N == 1) {
        kernel_matvec_f32(Y, W->f, X, M, K);
    } else {
        kernel_gemm_f32(0, 1, N, M, K, X, ldx, W->f, K, 0.0f, Y, ldy);
    }
    if (bias)
        for (int n = 0; n < N; n++) kernel_axpy(Y + (size_t)n * ldy, 1.0f, bias, M);
}

void linear_backward(float *dX, int lddx, float *dW, float *db, const float *dY, int lddy,
                     const float *X, int ldx, const matrix *W, int N) {
    int M = W->rows, K = W->cols;
    if (N == 0) return;
    if (dX) kernel_gemm_f32(0, 0, N, K, M, dY, lddy, W->f, K, 1.0f, dX, lddx);
    if (dW) kernel_gemm_f32(1, 0, M, K, N, dY, lddy, X, ldx, 1.0f, dW, K);
    if (db)
        for (int n = 0; n < N; n++) kernel_axpy(db, 1.0f, dY + (size_t)n * lddy, M);
}

void embedding_forward(float *out, const matrix *table, const int32_t *ids, int N) {
    for (int n = 0; n < N; n++) matrix_row_f32(out + (size_t)n * table->cols, table, ids[n]);
}

void embedding_backward(float *dtable, const float *dout, const int32_t *ids, int N, int E) {
    for (int n = 0; n < N; n++)
        kernel_axpy(dtable + (size_t)ids[n] * E, 1.0f, dout + (size_t)n * E, E);
}

void dropout_forward(float *x, float *mask, size_t n, float p, s2s_rng *rng) {
    if (p <= 0.0f || !mask) return;
    float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = s2s_rng_uniform(rng) < p ? 0.0f : keep;
        x[i] *= mask[i];
    }
}

void vec_mul(float *y, const float *a, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] *= a[i];
}
