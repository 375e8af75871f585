/*
 * kernels.h — the hot numeric kernels, written once against the WASM SIMD128
 * intrinsics (natively through SIMDe), each with a plain scalar `_ref` twin
 * that the tests compare it with.
 *
 * Conventions: row-major; a weight matrix W of M rows and K columns maps a
 * K-vector to an M-vector (y = W x), as PyTorch's nn.Linear stores it.
 * Output pointers first, then inputs, then dimensions. Unless a comment says
 * otherwise outputs must not alias inputs. Every kernel is noinline: V8
 * first runs a WASM function from its baseline compiler and swaps in the
 * optimised code only when the function is entered again, so a kernel
 * inlined into one long-running caller would stay unoptimised
 * (docs/performance.md, "Engine notes").
 */
#ifndef S2S_KERNELS_H
#define S2S_KERNELS_H

#include <stddef.h>
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

/* int8 matrices with one f32 scale per row: value = scale[r] * q[r][k].
 * Symmetric, scale = amax(row) / 127, q = round-to-nearest-even(x / scale),
 * in the SIMD and the _ref path alike, so the two agree bit for bit. One
 * scale per row (not per block of 32, as until format dtype 1) lets the
 * kernels sum a whole row in exact int32 and scale once per output. */
#define S2S_Q8_COLS 16 /* a quantized row holds a multiple of this many values */

/* One row of n values (n a multiple of S2S_Q8_COLS) -> q (n) and *scale. */
void kernel_quantize_q8(int8_t *q, float *scale, const float *x, int n);
void kernel_quantize_q8_ref(int8_t *q, float *scale, const float *x, int n);
void kernel_dequantize_q8(float *y, const int8_t *q, float scale, int n);

/* Y (N, M), row stride ldy = X (N, K), row stride ldx, times W^T, with W
 * int8 (M, K) and its row scales ws. Each X row is quantized by the rule
 * above into `scratch` (kernel_gemm_q8_scratch(N, K) bytes), the products
 * are summed exactly in int32 and Y = (ws[m] * scale_x[n]) * sum. Weight rows
 * are read once for every four activation rows (beams, batch). K must be a
 * multiple of S2S_Q8_COLS and at most 131072 (int32 sums cannot overflow). */
size_t kernel_gemm_q8_scratch(int N, int K);
void kernel_gemm_q8(float *Y, int ldy, const int8_t *W, const float *ws, const float *X, int ldx,
                    int M, int N, int K, void *scratch);
void kernel_gemm_q8_ref(float *Y, int ldy, const int8_t *W, const float *ws, const float *X,
                        int ldx, int M, int N, int K, void *scratch);

/* The same product with 7-bit activations: the arithmetic of WebAssembly's
 * relaxed int8 dot product (i32x4.relaxed_dot_i8x16_i7x16_add_s), whose
 * second operand has one meaning on every runtime only in 0..127. Each X
 * row is quantized to q = round-to-nearest-even(x / d), d = amax(row) / 63,
 * q in -63..63, and enters the instruction as q + 64 (1..127); the kernel
 * takes 64 * (sum of the weight row) off again. The int32 sum stays exact,
 * so the relaxed instruction, its native emulation (simd.h) and _ref agree
 * bit for bit. Scratch (kernel_gemm_q8_scratch) and limits as kernel_gemm_q8.
 * In a build with S2S_RELAXED_SIMD (the relaxed WebAssembly flavour, or a
 * native build configured with -DS2S_RELAXED_SIMD=ON to reproduce it)
 * kernel_gemm_q8 and kernel_gemm_q8_ref are this arithmetic. */
void kernel_gemm_q8a7(float *Y, int ldy, const int8_t *W, const float *ws, const float *X, int ldx,
                      int M, int N, int K, void *scratch);
void kernel_gemm_q8a7_ref(float *Y, int ldy, const int8_t *W, const float *ws, const float *X,
                          int ldx, int M, int N, int K, void *scratch);

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
/* log(sum(exp(x - max))) + max, what kernel_log_softmax subtracts; 0 when
 * every value is -inf (so x - it stays -inf, never NaN). */
float kernel_logsumexp(const float *x, int n);
float kernel_logsumexp_ref(const float *x, int n);

/* The min(k, n) largest of x (n values), largest first, into val and their
 * positions into idx; of equal values the earlier position comes first (a
 * NaN is kept where the scalar rule "skip when not above the k-th" puts it).
 * The SIMD path skips four values at a time that cannot enter: beam search
 * reads 8,000 logits a row for a handful of candidates. */
int kernel_top_k(int32_t *idx, float *val, int k, const float *x, int n);
int kernel_top_k_ref(int32_t *idx, float *val, int k, const float *x, int n);

/* ------------------------------------------------- Transformer layers */

/* LayerNorm of N rows of C values: y = (x - mean) * rstd * g + b with
 * rstd = 1 / sqrt(var + eps), var the biased variance (PyTorch's). Both
 * sums follow the 4-lane order; the per-row mean and rstd go to mean / rstd
 * (N each; either may be NULL), which the backward reads. g and b may be
 * NULL (1 and 0). y may == x. */
void kernel_layernorm(float *y, float *mean, float *rstd, const float *x, const float *g,
                      const float *b, int N, int C, float eps);
void kernel_layernorm_ref(float *y, float *mean, float *rstd, const float *x, const float *g,
                          const float *b, int N, int C, float eps);

/* GELU, tanh form (PyTorch's approximate='tanh'):
 * y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), tanh as kernel_tanh.
 * y may == x. */
void kernel_gelu_tanh(float *y, const float *x, int n);
void kernel_gelu_tanh_ref(float *y, const float *x, int n);

/* Small vector helpers used all over the layers. */
float kernel_dot(const float *a, const float *b, int n);
float kernel_dot_ref(const float *a, const float *b, int n);
void kernel_axpy(float *y, float a, const float *x, int n);     /* y += a * x */
void kernel_axpy_ref(float *y, float a, const float *x, int n);

#endif /* S2S_KERNELS_H */
