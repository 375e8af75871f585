/*
 * attention.c — Bahdanau (additive) and Luong (dot, general) attention for
 * one query row over one sentence. Scores past `len` do not exist, which
 * is how padding is masked. Bahdanau's tanh(q + k_s) values are recomputed
 * in backward instead of stored: S x K floats per row per step is the
 * largest tensor training would otherwise keep.
 */
#include <string.h>

#include "nn.h"

static float score(const float *q, const float *key, const float *v, int type, int K,
                   float *scratch) {
    if (type == S2S_ATTN_BAHDANAU) {
        for (int j = 0; j < K; j++) scratch[j] = q[j] + key[j];
        kernel_tanh(scratch, scratch, K);
        return kernel_dot(v, scratch, K);
    }
    return kernel_dot(q, key, K); /* dot: key = h_s; general: key = W_a h_s */
}

void attention_forward(float *a, float *ctx, const float *q, const float *keys, int key_stride,
                       const float *henc, int henc_stride, const float *v, int type, int len,
                       int K, int De, float *scratch) {
    for (int s = 0; s < len; s++)
        a[s] = score(q, keys + (size_t)s * key_stride, v, type, K, scratch);
    kernel_softmax(a, a, len);
    memset(ctx, 0, sizeof(float) * (size_t)De);
    for (int s = 0; s < len; s++) kernel_axpy(ctx, a[s], henc + (size_t)s * henc_stride, De);
}

void attention_backward(float *dq, float *dkeys, float *dhenc, float *dv, const float *dctx,
                        const float *a, const float *q, const float *keys, int key_stride,
                        const float *henc, int henc_stride, const float *v, int type, int len,
                        int K, int De, float *scratch) {
    float *t = scratch, *dpre = scratch + K, *de = scratch + 2 * K;
    /* ctx = sum a_s h_s: da_s = dctx . h_s and dh_s += a_s dctx */
    double dot_a_da = 0.0;
    for (int s = 0; s < len; s++) {
        de[s] = kernel_dot(dctx, henc + (size_t)s * henc_stride, De);
        dot_a_da += (double)a[s] * de[s];
        kernel_axpy(dhenc + (size_t)s * henc_stride, a[s], dctx, De);
    }
    /* softmax: de_s = a_s (da_s - sum_k a_k da_k) */
    for (int s = 0; s < len; s++) de[s] = a[s] * (de[s] - (float)dot_a_da);
    memset(dq, 0, sizeof(float) * (size_t)K);
    for (int s = 0; s < len; s++) {
        const float *key = keys + (size_t)s * key_stride;
        float *dkey = dkeys + (size_t)s * key_stride;
        if (type == S2S_ATTN_BAHDANAU) {
            for (int j = 0; j < K; j++) t[j] = q[j] + key[j];
            kernel_tanh(t, t, K);
            kernel_axpy(dv, de[s], t, K);
            for (int j = 0; j < K; j++) dpre[j] = de[s] * v[j] * (1.0f - t[j] * t[j]);
            kernel_axpy(dq, 1.0f, dpre, K);
            kernel_axpy(dkey, 1.0f, dpre, K);
        } else {
            kernel_axpy(dq, de[s], key, K);
            kernel_axpy(dkey, de[s], q, K);
        }
    }
}
