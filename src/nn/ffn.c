/*
 * ffn.c — the Transformer's position-wise feed-forward block,
 * y = W2 act(W1 x + b1) + b2, with act ReLU or GELU (tanh form). The
 * forward keeps the pre-activation (N, F) for the backward.
 */
#include <math.h>
#include <string.h>

#include "nn.h"

void ffn_forward(float *y, float *pre, float *hid, const float *x, const matrix *w1,
                 const float *b1, const matrix *w2, const float *b2, int act, int N,
                 void *q8_scratch) {
    int F = w1->rows, C = w1->cols;
    linear_forward(pre, F, x, C, w1, b1, N, q8_scratch);
    size_t n = (size_t)N * (size_t)F;
    if (act == S2S_ACT_GELU) {
        kernel_gelu_tanh(hid, pre, (int)n);
    } else {
        for (size_t i = 0; i < n; i++) hid[i] = pre[i] > 0.0f ? pre[i] : 0.0f;
    }
    linear_forward(y, w2->rows, hid, F, w2, b2, N, q8_scratch);
}

/* d/dx of 0.5 x (1 + tanh(u)), u = k0 (x + k1 x^3):
 * 0.5 (1 + t) + 0.5 x (1 - t^2) k0 (1 + 3 k1 x^2), t through kernel_tanh as
 * in the forward, so native and WASM builds train alike. */
static void gelu_grad(float *dpre, const float *pre, int n) {
    const float k0 = 0.7978845608028654f, k1 = 0.044715f;
    float t[64];
    for (int i0 = 0; i0 < n; i0 += 64) {
        int m = n - i0 < 64 ? n - i0 : 64;
        for (int i = 0; i < m; i++) {
            float x = pre[i0 + i];
            t[i] = k0 * (x + k1 * ((x * x) * x));
        }
        kernel_tanh(t, t, m);
        for (int i = 0; i < m; i++) {
            float x = pre[i0 + i];
            float d = 0.5f * (1.0f + t[i]) + 0.5f * x * (1.0f - t[i] * t[i]) * k0 * (1.0f + 3.0f * k1 * x * x);
            dpre[i0 + i] *= d;
        }
    }
}

void ffn_backward(float *dx, float *dw1, float *db1, float *dw2, float *db2, const float *dy,
                  const float *x, const float *pre, const float *hid, const matrix *w1,
                  const matrix *w2, int act, int N, float *scratch) {
    int F = w1->rows, C = w1->cols;
    size_t n = (size_t)N * (size_t)F;
    float *dh = scratch; /* (N, F) */
    memset(dh, 0, sizeof(float) * n);
    linear_backward(dh, F, dw2, db2, dy, C, hid, F, w2, N);
    if (act == S2S_ACT_GELU) {
        gelu_grad(dh, pre, (int)n);
    } else {
        for (size_t i = 0; i < n; i++)
            if (!(pre[i] > 0.0f)) dh[i] = 0.0f;
    }
    linear_backward(dx, C, dw1, db1, dh, F, x, C, w1, N);
}
