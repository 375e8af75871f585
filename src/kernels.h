/*
 * kernels.h — the hot numeric kernels, written once against the WASM SIMD128
 * intrinsics (natively through SIMDe), each with a plain scalar `_ref` twin
 * that the tests compare it with.
 *
 * Conventions: row-major; a weight matrix W of M rows and K columns maps a
 * K-vector to an M-vector (y = W x), as PyTorch's nn.Linear stores it.
 * Output pointers first, then inputs, then dimensions. Unless a comment says
 * otherwise outputs must not alias inputs. Every kernel is noinline: V8 only
 * tiers up WASM functions that are entered many times (TOOLCHAIN.md).
 */
#ifndef S2S_KERNELS_H
#define S2S_KERNELS_H

#include <stdint.h>
#include <assert.h>

/* ------------------------------------------------------------- f32 linear */

/* y (M) = W (M, K) x (K) */
void kernel_matvec_f32(float *y, const float *W, const float *x, int M, int K);
void kernel_matvec_f32_ref(float *y, const float *W, const float *x, int M, int K);

/* C = op(A) op(B) + beta * C, with op(X) = X or X^T (trans_* = 0 or 1);
 * op(A) is (M, K), op(B) is (K, N), C is (M, N); lda/ldb/ldc are row
 * strides of A, B, C as stored. beta is 0 (overwrite, C may hold garbage)
 * or 1 (accumulate). The three uses in this engine:
 *   forward  Y = X W^T        trans_a=0 trans_b=1
 *   backward dX = dY W        trans_a=0 trans_b=0
 *   backward dW += dY^T X     trans_a=1 trans_b=0, beta=1
 * Native builds configured with S2S_USE_BLAS route this to cblas_sgemm. */
void kernel_gemm_f32(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc);
void kernel_gemm_f32_ref(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                         const float *B, int ldb, float beta, float *C, int ldc);

/* ------------------------------------------------------------------ int8 */

/* Q8 blocks after ggml's Q8_0: 32 int8 values and one f32 scale d, value =
 * d * q. Symmetric scale d = amax / 127; q = round-to-nearest-even(x / d)
 * in both the SIMD and the _ref path, so the two agree bit for bit. */
#define S2S_QK 32
typedef struct s2s_block_q8 {
    float d;
    int8_t qs[S2S_QK];
} s2s_block_q8;
static_assert(sizeof(s2s_block_q8) == 4 + S2S_QK, "Q8 block must be 36 bytes, no padding");

/* x (n) -> n / 32 blocks. n must be a multiple of 32. */
void kernel_quantize_q8(s2s_block_q8 *y, const float *x, int n);
void kernel_quantize_q8_ref(s2s_block_q8 *y, const float *x, int n);
void kernel_dequantize_q8(float *y, const s2s_block_q8 *x, int n);

/* y (M) = W (M, K) x (K), W as M rows of K/32 blocks, x already quantized.
 * K must be a multiple of 32. Integer dot products per block, then scaled. */
void kernel_matvec_q8(float *y, const s2s_block_q8 *W, const s2s_block_q8 *x, int M, int K);
void kernel_matvec_q8_ref(float *y, const s2s_block_q8 *W, const s2s_block_q8 *x, int M, int K);

/* Y (N, M) with row stride ldy = X (N, K) W^T for N quantized rows at once
 * (beams, batch): each weight block is loaded once for all N rows. */
void kernel_gemm_q8(float *Y, int ldy, const s2s_block_q8 *W, const s2s_block_q8 *X, int M,
                    int N, int K);
void kernel_gemm_q8_ref(float *Y, int ldy, const s2s_block_q8 *W, const s2s_block_q8 *X, int M,
                        int N, int K);

/* ----------------------------------------------------------- elementwise */

/* Vectorised approximations (max relative error ~1e-6 against libm in the
 * ranges a network sees; saturate cleanly outside). The _ref twins evaluate
 * the same formula one lane at a time: bit-identical results. y may == x. */
void kernel_exp(float *y, const float *x, int n);
void kernel_exp_ref(float *y, const float *x, int n);
void kernel_sigmoid(float *y, const float *x, int n);
void kernel_sigmoid_ref(float *y, const float *x, int n);
void kernel_tanh(float *y, const float *x, int n);
void kernel_tanh_ref(float *y, const float *x, int n);

/* y = softmax(x) over n values; returns log(sum(exp(x - max))) + max, the
 * log normaliser. y may == x. */
float kernel_softmax(float *y, const float *x, int n);
float kernel_softmax_ref(float *y, const float *x, int n);
/* y = x - logsumexp(x). y may == x. */
void kernel_log_softmax(float *y, const float *x, int n);
void kernel_log_softmax_ref(float *y, const float *x, int n);

/* Small vector helpers used all over the layers. */
float kernel_dot(const float *a, const float *b, int n);
float kernel_dot_ref(const float *a, const float *b, int n);
void kernel_axpy(float *y, float a, const float *x, int n);     /* y += a * x */
void kernel_axpy_ref(float *y, float a, const float *x, int n);

#endif /* S2S_KERNELS_H */
