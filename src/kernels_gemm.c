/*
 * kernels_gemm.c — kernel_gemm_f32: C = op(A) op(B) + beta C (kernels.h).
 *
 * With S2S_USE_BLAS it is cblas_sgemm (but for few-row products). Otherwise the Goto/BLIS scheme with
 * WASM SIMD128 intrinsics (SIMDe natively):
 *   for each KC-deep slice of K and NC-wide slice of N: pack op(B) into
 *     NR-column panels (zero padded), then for each MC-high slice of M:
 *     pack op(A) into MR-row panels and run the MR x NR register-blocked
 *     micro-kernel over every (MR, NR) tile.
 * The packing buffers are malloc'ed once per call and freed before return:
 * no global state, so the library stays reentrant. If malloc fails the call
 * falls back to the _ref loop rather than failing.
 *
 * Letters: M rows of C, N columns of C, K the inner dimension.
 */
#include "kernels.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(S2S_USE_BLAS)
#include <cblas.h>
#endif
#include "simd.h"


/* Naive triple loop: the definition the tests and the fallback rely on. */
void kernel_gemm_f32_ref(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                         const float *B, int ldb, float beta, float *C, int ldc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = 0.0f;
            for (int k = 0; k < K; k++) {
                float a = trans_a ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                float b = trans_b ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                s = s + a * b;
            }
            float *c = C + (size_t)i * ldc + j;
            *c = beta == 0.0f ? s : s + beta * *c; /* beta 0: C may be garbage, never read */
        }
}

#if defined(S2S_USE_BLAS) || !defined(S2S_NO_SIMD)
/* Shapes no kernel needs to touch: nothing to multiply, only C to scale. */
static int gemm_trivial(int M, int N, int K, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return 1;
    if (K > 0) return 0;
    if (beta != 1.0f)
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                float *c = C + (size_t)i * ldc + j;
                *c = beta == 0.0f ? 0.0f : beta * *c;
            }
    return 1;
}
#endif

#if !defined(S2S_NO_SIMD)


/* MR x NR = 4 x 8: 8 accumulators + 2 B vectors + 1 A splat fit in the 16
 * vector registers V8 has on x64, and 8 independent add chains cover the
 * add latency. KC x NR floats of B (8 KB) stay in L1, MC x KC of A in L2. */
enum { MR = 4, NR = 8, KC = 256, MC = 128, NC = 1024 };

#ifndef GEMM_NT_SMALL_M
#define GEMM_NT_SMALL_M 8 /* measured crossover with the packed path */
#endif

static inline void transpose4(v128_t *r0, v128_t *r1, v128_t *r2, v128_t *r3) {
    v128_t t0 = wasm_i32x4_shuffle(*r0, *r1, 0, 4, 1, 5);
    v128_t t1 = wasm_i32x4_shuffle(*r0, *r1, 2, 6, 3, 7);
    v128_t t2 = wasm_i32x4_shuffle(*r2, *r3, 0, 4, 1, 5);
    v128_t t3 = wasm_i32x4_shuffle(*r2, *r3, 2, 6, 3, 7);
    *r0 = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
    *r1 = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
    *r2 = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
    *r3 = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}

/* dst[k * W + off + r] = src[r * ld + k] for r < 4, k < kc: four strided
 * rows become four columns of a W-wide panel (4x4 transposes, scalar tail). */
static void pack_rows4_transposed(float *dst, int W, int off, const float *src, size_t ld, int kc) {
    const float *s0 = src, *s1 = src + ld, *s2 = src + 2 * ld, *s3 = src + 3 * ld;
    int k = 0;
    for (; k + 4 <= kc; k += 4) {
        v128_t r0 = wasm_v128_load(s0 + k), r1 = wasm_v128_load(s1 + k);
        v128_t r2 = wasm_v128_load(s2 + k), r3 = wasm_v128_load(s3 + k);
        transpose4(&r0, &r1, &r2, &r3);
        wasm_v128_store(dst + (size_t)(k + 0) * W + off, r0);
        wasm_v128_store(dst + (size_t)(k + 1) * W + off, r1);
        wasm_v128_store(dst + (size_t)(k + 2) * W + off, r2);
        wasm_v128_store(dst + (size_t)(k + 3) * W + off, r3);
    }
    for (; k < kc; k++) {
        float *d = dst + (size_t)k * W + off;
        d[0] = s0[k];
        d[1] = s1[k];
        d[2] = s2[k];
        d[3] = s3[k];
    }
}

/* Panels of a (rows x kc) block of a matrix X whose element (r, k) is
 * src[r * rs + k * ks] (one of rs, ks is 1): panel p holds rows p*W ..
 * p*W+W-1 as dst[p * kc * W + k * W + r], rows past `rows` zeroed. */
static void pack_panels(float *dst, int W, const float *src, size_t rs, size_t ks, int rows, int kc) {
    for (int r0 = 0; r0 < rows; r0 += W) {
        int h = rows - r0 < W ? rows - r0 : W;
        float *d = dst + (size_t)r0 * kc;
        const float *s = src + (size_t)r0 * rs;
        if (ks == 1) {
            /* rows contiguous in k: transpose 4 rows at a time */
            int r = 0;
            for (; r + 4 <= h; r += 4) pack_rows4_transposed(d, W, r, s + (size_t)r * rs, rs, kc);
            for (; r < h; r++)
                for (int k = 0; k < kc; k++) d[(size_t)k * W + r] = s[(size_t)r * rs + k];
        } else {
            /* columns contiguous in r: straight copies */
            for (int k = 0; k < kc; k++) {
                const float *sk = s + (size_t)k * ks;
                float *dk = d + (size_t)k * W;
                int r = 0;
                for (; r + 4 <= h; r += 4) wasm_v128_store(dk + r, wasm_v128_load(sk + r));
                for (; r < h; r++) dk[r] = sk[r];
            }
        }
        if (h < W)
            for (int k = 0; k < kc; k++)
                for (int r = h; r < W; r++) d[(size_t)k * W + r] = 0.0f;
    }
}

/* c (MR x NR, row stride ldc) = a-panel x b-panel over kc, plus c when
 * accumulate. Separate and noinline so V8 tiers it up during a long call. */
S2S_NOINLINE static void gemm_micro_4x8(int kc, const float *restrict a, const float *restrict b,
                                        float *restrict c, size_t ldc, int accumulate) {
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int k = 0; k < kc; k++) {
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t a0 = wasm_v128_load32_splat(a + 0);
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
        c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
        v128_t a1 = wasm_v128_load32_splat(a + 1);
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
        v128_t a2 = wasm_v128_load32_splat(a + 2);
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
        v128_t a3 = wasm_v128_load32_splat(a + 3);
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
        a += MR;
        b += NR;
    }
    float *r0 = c, *r1 = c + ldc, *r2 = c + 2 * ldc, *r3 = c + 3 * ldc;
    if (accumulate) {
        c00 = wasm_f32x4_add(c00, wasm_v128_load(r0));
        c01 = wasm_f32x4_add(c01, wasm_v128_load(r0 + 4));
        c10 = wasm_f32x4_add(c10, wasm_v128_load(r1));
        c11 = wasm_f32x4_add(c11, wasm_v128_load(r1 + 4));
        c20 = wasm_f32x4_add(c20, wasm_v128_load(r2));
        c21 = wasm_f32x4_add(c21, wasm_v128_load(r2 + 4));
        c30 = wasm_f32x4_add(c30, wasm_v128_load(r3));
        c31 = wasm_f32x4_add(c31, wasm_v128_load(r3 + 4));
    }
    wasm_v128_store(r0, c00);
    wasm_v128_store(r0 + 4, c01);
    wasm_v128_store(r1, c10);
    wasm_v128_store(r1 + 4, c11);
    wasm_v128_store(r2, c20);
    wasm_v128_store(r2 + 4, c21);
    wasm_v128_store(r3, c30);
    wasm_v128_store(r3 + 4, c31);
}

/* Edge tile: compute the full tile into a local buffer, copy the mr x nr
 * part that exists. */
static void gemm_micro_edge(int kc, const float *a, const float *b, float *c, size_t ldc, int mr, int nr,
                            int accumulate) {
    float tile[MR * NR];
    gemm_micro_4x8(kc, a, b, tile, NR, 0);
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) {
            float *cij = c + (size_t)i * ldc + j;
            *cij = accumulate ? tile[i * NR + j] + *cij : tile[i * NR + j];
        }
}

static int min_int(int a, int b) { return a < b ? a : b; }

static inline v128_t hsum4x4(v128_t a, v128_t b, v128_t c, v128_t d) {
    v128_t ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    v128_t cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
    return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

/* Row i of C, columns j .. j+3, from the four lane-sum vectors s0..s3 of
 * A row a against B rows b0..b3, plus the k >= K4 tail. */
static inline void gemm_nt_store4(float *c, v128_t s0, v128_t s1, v128_t s2, v128_t s3, const float *a,
                                  const float *b0, size_t ldb, int K4, int K, int accumulate) {
    float out[4];
    wasm_v128_store(out, hsum4x4(s0, s1, s2, s3));
    for (int k = K4; k < K; k++)
        for (int j = 0; j < 4; j++) out[j] = out[j] + a[k] * b0[(size_t)j * ldb + k];
    for (int j = 0; j < 4; j++) c[j] = accumulate ? out[j] + c[j] : out[j];
}

/* C = A B^T (+ C) with rows of A and B both contiguous in K, no packing:
 * strips of four B rows stay in L1 while the rows of A (two at a time,
 * eight accumulator chains) stream past. For few rows of A, where packing
 * B would cost as much as the product (decode steps). */
S2S_NOINLINE static void gemm_nt_small_m(int M, int N, int K, const float *A, size_t lda, const float *B,
                                         size_t ldb, float *C, size_t ldc, int accumulate) {
    int K4 = K & ~3;
    int j = 0;
    for (; j + 4 <= N; j += 4) {
        const float *b0 = B + (size_t)j * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
        int i = 0;
        for (; i + 2 <= M; i += 2) {
            const float *x = A + (size_t)i * lda, *z = x + lda;
            v128_t x0 = wasm_f32x4_splat(0.0f), x1 = x0, x2 = x0, x3 = x0, z0 = x0, z1 = x0, z2 = x0, z3 = x0;
            for (int k = 0; k < K4; k += 4) {
                v128_t xv = wasm_v128_load(x + k), zv = wasm_v128_load(z + k);
                v128_t v0 = wasm_v128_load(b0 + k), v1 = wasm_v128_load(b1 + k);
                x0 = wasm_f32x4_add(x0, wasm_f32x4_mul(xv, v0));
                z0 = wasm_f32x4_add(z0, wasm_f32x4_mul(zv, v0));
                x1 = wasm_f32x4_add(x1, wasm_f32x4_mul(xv, v1));
                z1 = wasm_f32x4_add(z1, wasm_f32x4_mul(zv, v1));
                v128_t v2 = wasm_v128_load(b2 + k), v3 = wasm_v128_load(b3 + k);
                x2 = wasm_f32x4_add(x2, wasm_f32x4_mul(xv, v2));
                z2 = wasm_f32x4_add(z2, wasm_f32x4_mul(zv, v2));
                x3 = wasm_f32x4_add(x3, wasm_f32x4_mul(xv, v3));
                z3 = wasm_f32x4_add(z3, wasm_f32x4_mul(zv, v3));
            }
            gemm_nt_store4(C + (size_t)i * ldc + j, x0, x1, x2, x3, x, b0, ldb, K4, K, accumulate);
            gemm_nt_store4(C + (size_t)(i + 1) * ldc + j, z0, z1, z2, z3, z, b0, ldb, K4, K, accumulate);
        }
        for (; i < M; i++) {
            const float *x = A + (size_t)i * lda;
            v128_t x0 = wasm_f32x4_splat(0.0f), x1 = x0, x2 = x0, x3 = x0;
            for (int k = 0; k < K4; k += 4) {
                v128_t xv = wasm_v128_load(x + k);
                x0 = wasm_f32x4_add(x0, wasm_f32x4_mul(xv, wasm_v128_load(b0 + k)));
                x1 = wasm_f32x4_add(x1, wasm_f32x4_mul(xv, wasm_v128_load(b1 + k)));
                x2 = wasm_f32x4_add(x2, wasm_f32x4_mul(xv, wasm_v128_load(b2 + k)));
                x3 = wasm_f32x4_add(x3, wasm_f32x4_mul(xv, wasm_v128_load(b3 + k)));
            }
            gemm_nt_store4(C + (size_t)i * ldc + j, x0, x1, x2, x3, x, b0, ldb, K4, K, accumulate);
        }
    }
    for (; j < N; j++) /* last columns: plain dots */
        for (int i = 0; i < M; i++) {
            const float *x = A + (size_t)i * lda, *y = B + (size_t)j * ldb;
            float s = 0.0f;
            for (int k = 0; k < K; k++) s = s + x[k] * y[k];
            float *c = C + (size_t)i * ldc + j;
            *c = accumulate ? s + *c : s;
        }
}


static size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

S2S_NOINLINE static void gemm_f32_simd(int trans_a, int trans_b, int M, int N, int K, const float *A,
                                       int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    if (gemm_trivial(M, N, K, beta, C, ldc)) return;
    if (!trans_a && trans_b && M <= GEMM_NT_SMALL_M && (beta == 0.0f || beta == 1.0f)) {
        gemm_nt_small_m(M, N, K, A, (size_t)lda, B, (size_t)ldb, C, (size_t)ldc, beta != 0.0f);
        return;
    }

    int kc_max = min_int(K, KC), mc_max = min_int(M, MC), nc_max = min_int(N, NC);
    size_t a_floats = round_up((size_t)mc_max, MR) * (size_t)kc_max;
    size_t b_floats = round_up((size_t)nc_max, NR) * (size_t)kc_max;
    /* 32 floats of slack: each buffer starts 64-byte aligned */
    float *mem = malloc((a_floats + b_floats + 32) * sizeof(float));
    if (!mem) {
        kernel_gemm_f32_ref(trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    float *ap = (float *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    float *bp = ap + round_up(a_floats, 16);

    if (beta != 0.0f && beta != 1.0f) {
        /* not used by the engine; keep the BLAS meaning anyway */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] *= beta;
        beta = 1.0f;
    }

    /* op(A)(i, k) = A[i * a_rs + k * a_ks]; op(B)(k, j) = B[k * b_ks + j * b_cs] */
    size_t a_rs = trans_a ? 1 : (size_t)lda, a_ks = trans_a ? (size_t)lda : 1;
    size_t b_ks = trans_b ? 1 : (size_t)ldb, b_cs = trans_b ? (size_t)ldb : 1;

    for (int jc = 0; jc < N; jc += NC) {
        int nc = min_int(NC, N - jc);
        for (int pc = 0; pc < K; pc += KC) {
            int kc = min_int(KC, K - pc);
            int accumulate = pc > 0 || beta != 0.0f;
            /* B's panels: "rows" are the columns j of op(B), "k" runs down K */
            pack_panels(bp, NR, B + (size_t)pc * b_ks + (size_t)jc * b_cs, b_cs, b_ks, nc, kc);
            for (int ic = 0; ic < M; ic += MC) {
                int mc = min_int(MC, M - ic);
                pack_panels(ap, MR, A + (size_t)ic * a_rs + (size_t)pc * a_ks, a_rs, a_ks, mc, kc);
                for (int jr = 0; jr < nc; jr += NR) {
                    int nr = min_int(NR, nc - jr);
                    const float *bpanel = bp + (size_t)jr * kc;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = min_int(MR, mc - ir);
                        const float *apanel = ap + (size_t)ir * kc;
                        float *c = C + (size_t)(ic + ir) * ldc + jc + jr;
                        if (mr == MR && nr == NR)
                            gemm_micro_4x8(kc, apanel, bpanel, c, (size_t)ldc, accumulate);
                        else
                            gemm_micro_edge(kc, apanel, bpanel, c, (size_t)ldc, mr, nr, accumulate);
                    }
                }
            }
        }
    }
    free(mem);
}

#endif /* !S2S_NO_SIMD */

S2S_NOINLINE void kernel_gemm_f32(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                                  const float *B, int ldb, float beta, float *C, int ldc) {
#if defined(S2S_USE_BLAS)
    /* cblas rejects (and prints about) zero sizes with zero strides. */
    if (gemm_trivial(M, N, K, beta, C, ldc)) return;
#if !defined(S2S_NO_SIMD)
    /* OpenBLAS is slow on the few-row products of decoding (a few beams):
     * the row-dot path is faster there. */
    if (!trans_a && trans_b && M <= GEMM_NT_SMALL_M && (beta == 0.0f || beta == 1.0f)) {
        gemm_f32_simd(trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#endif
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N,
                K, 1.0f, A, lda, B, ldb, beta, C, ldc);
#elif defined(S2S_NO_SIMD)
    kernel_gemm_f32_ref(trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc);
#else
    gemm_f32_simd(trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc);
#endif
}
