/*
 * mha.c — multi-head scaled dot-product attention over time-major blocks.
 *
 * Q (Tq, B, ldq), K (Tk, B, ldk), V (Tk, B, ldv): head h of row (t, b) is
 * the Dh floats at column h Dh of row t B + b, so one head of one sentence
 * is a (T, Dh) matrix with row stride B ld and every product is one strided
 * kernel_gemm_f32 (no copies into per-head buffers). Keys past klen[b] do
 * not exist (padding), and with `causal` query t sees keys 0..t; a masked
 * probability is exactly 0, so masked keys get no gradient either.
 *
 * Letters: B sentences, H heads, Dh head size, Tq queries, Tk keys.
 */
#include <math.h>
#include <string.h>

#include "nn.h"

/* keys query t of sentence b sees */
static int visible(const int32_t *klen, int causal, int b, int t, int Tk) {
    int n = klen ? klen[b] : Tk;
    if (n > Tk) n = Tk;
    if (causal && t + 1 < n) n = t + 1;
    return n < 0 ? 0 : n;
}

void mha_forward(float *ctx, int ldc, float *P, const float *Q, int ldq, const float *K, int ldk,
                 const float *V, int ldv, const int32_t *klen, int causal, int Tq, int Tk, int B,
                 int H, int Dh) {
    float scale = 1.0f / sqrtf((float)Dh);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++) {
            float *Pbh = P + ((size_t)b * H + h) * (size_t)Tq * Tk;
            size_t col = (size_t)h * Dh;
            kernel_gemm_f32(0, 1, Tq, Tk, Dh, Q + (size_t)b * ldq + col, B * ldq,
                            K + (size_t)b * ldk + col, B * ldk, 0.0f, Pbh, Tk);
            for (int t = 0; t < Tq; t++) {
                float *row = Pbh + (size_t)t * Tk;
                int n = visible(klen, causal, b, t, Tk);
                for (int j = 0; j < n; j++) row[j] *= scale;
                kernel_softmax(row, row, n);
                for (int j = n; j < Tk; j++) row[j] = 0.0f;
            }
            /* only the visible keys: a sentence's result does not depend on its batch's padding */
            int nk = causal ? Tk : visible(klen, 0, b, 0, Tk);
            kernel_gemm_f32(0, 0, Tq, Dh, nk, Pbh, Tk, V + (size_t)b * ldv + col, B * ldv, 0.0f,
                            ctx + (size_t)b * ldc + col, B * ldc);
        }
}

void mha_backward(float *dQ, int lddq, float *dK, int lddk, float *dV, int lddv, const float *dctx,
                  int lddc, const float *P, const float *Q, int ldq, const float *K, int ldk,
                  const float *V, int ldv, int Tq, int Tk, int B, int H, int Dh, float *scratch) {
    float scale = 1.0f / sqrtf((float)Dh);
    float *dS = scratch; /* (Tq, Tk) */
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++) {
            const float *Pbh = P + ((size_t)b * H + h) * (size_t)Tq * Tk;
            size_t col = (size_t)h * Dh;
            const float *dC = dctx + (size_t)b * lddc + col;
            /* dV += P^T dctx; dP = dctx V^T */
            kernel_gemm_f32(1, 0, Tk, Dh, Tq, Pbh, Tk, dC, B * lddc, 1.0f,
                            dV + (size_t)b * lddv + col, B * lddv);
            kernel_gemm_f32(0, 1, Tq, Tk, Dh, dC, B * lddc, V + (size_t)b * ldv + col, B * ldv, 0.0f,
                            dS, Tk);
            /* softmax backward, then the scale: dS = P (dP - sum_j P dP) / sqrt(Dh) */
            for (int t = 0; t < Tq; t++) {
                const float *p = Pbh + (size_t)t * Tk;
                float *d = dS + (size_t)t * Tk;
                float dot = kernel_dot(p, d, Tk);
                for (int j = 0; j < Tk; j++) d[j] = p[j] * (d[j] - dot) * scale;
            }
            kernel_gemm_f32(0, 0, Tq, Dh, Tk, dS, Tk, K + (size_t)b * ldk + col, B * ldk, 1.0f,
                            dQ + (size_t)b * lddq + col, B * lddq);
            kernel_gemm_f32(1, 0, Tk, Dh, Tq, dS, Tk, Q + (size_t)b * ldq + col, B * ldq, 1.0f,
                            dK + (size_t)b * lddk + col, B * lddk);
        }
}

void mha_decode(float *ctx, float *p, const float *q, const float *Kc, const float *Vc, int n,
                int cap, int H, int Dh) {
    float scale = 1.0f / sqrtf((float)Dh);
    for (int h = 0; h < H; h++) {
        const float *Kh = Kc + (size_t)h * cap * Dh, *Vh = Vc + (size_t)h * cap * Dh;
        float *ph = p + (size_t)h * n, *ch = ctx + (size_t)h * Dh;
        kernel_matvec_f32(ph, Kh, q + (size_t)h * Dh, n, Dh);
        for (int j = 0; j < n; j++) ph[j] *= scale;
        kernel_softmax(ph, ph, n);
        memset(ch, 0, sizeof(float) * (size_t)Dh);
        for (int j = 0; j < n; j++) kernel_axpy(ch, ph[j], Vh + (size_t)j * Dh, Dh);
    }
}
