/*
 * layernorm.c — LayerNorm over the last dimension (eps 1e-5, PyTorch's), and
 * the position encodings of the Transformer family. The forward keeps each
 * row's mean and rstd so the backward needs no second pass over x's stats.
 */
#include <math.h>
#include <string.h>

#include "nn.h"

void layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *g,
                       const float *b, int N, int C) {
    kernel_layernorm(y, mean, rstd, x, g, b, N, C, S2S_LN_EPS);
}

/* With xhat = (x - mean) rstd and dxhat = dy g:
 * dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)). */
void layernorm_backward(float *dx, float *dg, float *db, const float *dy, const float *x,
                        const float *mean, const float *rstd, const float *g, int N, int C) {
    for (int r = 0; r < N; r++) {
        const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
        float mu = mean[r], rs = rstd[r];
        float sum_d = 0.0f, sum_dx = 0.0f;
        for (int i = 0; i < C; i++) {
            float xhat = (xr[i] - mu) * rs, dxhat = dyr[i] * g[i];
            sum_d += dxhat;
            sum_dx += dxhat * xhat;
            if (dg) dg[i] += dyr[i] * xhat;
            if (db) db[i] += dyr[i];
        }
        float m_d = sum_d / (float)C, m_dx = sum_dx / (float)C;
        if (!dx) continue;
        float *dxr = dx + (size_t)r * C;
        for (int i = 0; i < C; i++) {
            float xhat = (xr[i] - mu) * rs;
            dxr[i] += rs * (dyr[i] * g[i] - m_d - xhat * m_dx);
        }
    }
}

/* pe[t][2i] = sin(t / 10000^(2i/d)), pe[t][2i+1] = cos(the same), in double
 * and rounded once, so every build gets the same floats. */
void positions_sinusoidal(float *pe, int first, int n, int d) {
    for (int t = 0; t < n; t++)
        for (int i = 0; i < d; i += 2) {
            double angle = (double)(first + t) / pow(10000.0, (double)i / (double)d);
            pe[(size_t)t * d + i] = (float)sin(angle);
            if (i + 1 < d) pe[(size_t)t * d + i + 1] = (float)cos(angle);
        }
}
