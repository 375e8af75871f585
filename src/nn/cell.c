/*
 * cell.c — the pointwise half of one RNN, LSTM or GRU step, forward and
 * backward. The matrix products (W_ih x, W_hh h) are the caller's, so the
 * same code serves training batches and beam hypotheses, f32 and int8.
 *
 * Cache per row (what backward needs):
 *   RNN  (H):  h'
 *   LSTM (5H): i, f, g, o after their nonlinearities, tanh(c')
 *   GRU  (4H): r, z, n, W_hn h + b_hn
 */
#include <string.h>

#include "nn.h"

int cell_gates(int cell) { return cell == S2S_CELL_LSTM ? 4 : cell == S2S_CELL_GRU ? 3 : 1; }

int cell_cache_size(int cell, int H) {
    return cell == S2S_CELL_LSTM ? 5 * H : cell == S2S_CELL_GRU ? 4 * H : H;
}

/* Largest H handled with stack scratch; larger sizes loop in chunks. */
#define CELL_CHUNK 256

static void rnn_row(float *h, float *cache, const float *xw, const float *hw, int H) {
    for (int j = 0; j < H; j++) h[j] = xw[j] + hw[j];
    kernel_tanh(h, h, H);
    if (cache) memcpy(cache, h, sizeof(float) * (size_t)H);
}

static void lstm_row(float *h, float *c, float *cache, const float *xw, const float *hw,
                     const float *c_prev, int H) {
    float gates[4 * CELL_CHUNK], tc[CELL_CHUNK];
    for (int j0 = 0; j0 < H; j0 += CELL_CHUNK) {
        int n = H - j0 < CELL_CHUNK ? H - j0 : CELL_CHUNK;
        float *i = gates, *f = gates + n, *g = gates + 2 * n, *o = gates + 3 * n;
        for (int j = 0; j < n; j++) {
            i[j] = xw[j0 + j] + hw[j0 + j];
            f[j] = xw[H + j0 + j] + hw[H + j0 + j];
            g[j] = xw[2 * H + j0 + j] + hw[2 * H + j0 + j];
            o[j] = xw[3 * H + j0 + j] + hw[3 * H + j0 + j];
        }
        kernel_sigmoid(i, i, 2 * n); /* i and f are adjacent */
        kernel_tanh(g, g, n);
        kernel_sigmoid(o, o, n);
        for (int j = 0; j < n; j++) c[j0 + j] = f[j] * c_prev[j0 + j] + i[j] * g[j];
        kernel_tanh(tc, c + j0, n);
        for (int j = 0; j < n; j++) h[j0 + j] = o[j] * tc[j];
        if (cache) {
            memcpy(cache + j0, i, sizeof(float) * (size_t)n);
            memcpy(cache + H + j0, f, sizeof(float) * (size_t)n);
            memcpy(cache + 2 * H + j0, g, sizeof(float) * (size_t)n);
            memcpy(cache + 3 * H + j0, o, sizeof(float) * (size_t)n);
            memcpy(cache + 4 * H + j0, tc, sizeof(float) * (size_t)n);
        }
    }
}

static void gru_row(float *h, float *cache, const float *xw, const float *hw, const float *h_prev,
                    int H) {
    float rz[2 * CELL_CHUNK], nn_[CELL_CHUNK];
    for (int j0 = 0; j0 < H; j0 += CELL_CHUNK) {
        int n = H - j0 < CELL_CHUNK ? H - j0 : CELL_CHUNK;
        float *r = rz, *z = rz + n;
        for (int j = 0; j < n; j++) {
            r[j] = xw[j0 + j] + hw[j0 + j];
            z[j] = xw[H + j0 + j] + hw[H + j0 + j];
        }
        kernel_sigmoid(rz, rz, 2 * n);
        for (int j = 0; j < n; j++) nn_[j] = xw[2 * H + j0 + j] + r[j] * hw[2 * H + j0 + j];
        kernel_tanh(nn_, nn_, n);
        for (int j = 0; j < n; j++) h[j0 + j] = (1.0f - z[j]) * nn_[j] + z[j] * h_prev[j0 + j];
        if (cache) {
            memcpy(cache + j0, r, sizeof(float) * (size_t)n);
            memcpy(cache + H + j0, z, sizeof(float) * (size_t)n);
            memcpy(cache + 2 * H + j0, nn_, sizeof(float) * (size_t)n);
            memcpy(cache + 3 * H + j0, hw + 2 * H + j0, sizeof(float) * (size_t)n);
        }
    }
}

void cell_forward(float *h, float *c, float *cache, const float *xw, const float *hw,
                  const float *h_prev, const float *c_prev, const uint8_t *active, int cell,
                  int N, int H) {
    int GH = cell_gates(cell) * H, CS = cell_cache_size(cell, H);
    for (int r = 0; r < N; r++) {
        float *hr = h + (size_t)r * H;
        float *cr = cell == S2S_CELL_LSTM ? c + (size_t)r * H : NULL;
        float *cacher = cache ? cache + (size_t)r * CS : NULL;
        const float *hpr = h_prev + (size_t)r * H;
        if (active && !active[r]) {
            memmove(hr, hpr, sizeof(float) * (size_t)H);
            if (cr) memmove(cr, c_prev + (size_t)r * H, sizeof(float) * (size_t)H);
            if (cacher) memset(cacher, 0, sizeof(float) * (size_t)CS);
            continue;
        }
        const float *xr = xw + (size_t)r * GH, *hwr = hw + (size_t)r * GH;
        if (cell == S2S_CELL_LSTM)
            lstm_row(hr, cr, cacher, xr, hwr, c_prev + (size_t)r * H, H);
        else if (cell == S2S_CELL_GRU)
            gru_row(hr, cacher, xr, hwr, hpr, H);
        else
            rnn_row(hr, cacher, xr, hwr, H);
    }
}

void cell_backward(float *dxw, float *dhw, float *dh_prev, float *dc_prev, const float *dh,
                   const float *dc, const float *cache, const float *h_prev, const float *c_prev,
                   const uint8_t *active, int cell, int N, int H) {
    int GH = cell_gates(cell) * H, CS = cell_cache_size(cell, H);
    for (int r = 0; r < N; r++) {
        const float *dhr = dh + (size_t)r * H, *cr = cache + (size_t)r * CS;
        const float *dcr = dc ? dc + (size_t)r * H : NULL;
        float *dxr = dxw + (size_t)r * GH, *dhwr = dhw + (size_t)r * GH;
        float *dhpr = dh_prev + (size_t)r * H;
        float *dcpr = dc_prev ? dc_prev + (size_t)r * H : NULL;
        if (active && !active[r]) { /* carried state: the gradient passes straight back */
            memset(dxr, 0, sizeof(float) * (size_t)GH);
            memset(dhwr, 0, sizeof(float) * (size_t)GH);
            memmove(dhpr, dhr, sizeof(float) * (size_t)H);
            if (dcpr) {
                if (dcr)
                    memmove(dcpr, dcr, sizeof(float) * (size_t)H); /* may be the same buffer */
                else
                    memset(dcpr, 0, sizeof(float) * (size_t)H);
            }
            continue;
        }
        if (cell == S2S_CELL_RNN) {
            for (int j = 0; j < H; j++) dxr[j] = dhr[j] * (1.0f - cr[j] * cr[j]);
            memcpy(dhwr, dxr, sizeof(float) * (size_t)H);
            memset(dhpr, 0, sizeof(float) * (size_t)H);
        } else if (cell == S2S_CELL_LSTM) {
            const float *i = cr, *f = cr + H, *g = cr + 2 * H, *o = cr + 3 * H, *tc = cr + 4 * H;
            const float *cp = c_prev + (size_t)r * H;
            for (int j = 0; j < H; j++) {
                float dct = (dcr ? dcr[j] : 0.0f) + dhr[j] * o[j] * (1.0f - tc[j] * tc[j]);
                float di = dct * g[j], df = dct * cp[j], dg = dct * i[j], d_o = dhr[j] * tc[j];
                dxr[j] = di * i[j] * (1.0f - i[j]);
                dxr[H + j] = df * f[j] * (1.0f - f[j]);
                dxr[2 * H + j] = dg * (1.0f - g[j] * g[j]);
                dxr[3 * H + j] = d_o * o[j] * (1.0f - o[j]);
                dcpr[j] = dct * f[j];
            }
            memcpy(dhwr, dxr, sizeof(float) * (size_t)GH);
            memset(dhpr, 0, sizeof(float) * (size_t)H);
        } else {
            const float *rg = cr, *z = cr + H, *n = cr + 2 * H, *hn = cr + 3 * H;
            const float *hp = h_prev + (size_t)r * H;
            for (int j = 0; j < H; j++) {
                float dn = dhr[j] * (1.0f - z[j]);
                float dz = dhr[j] * (hp[j] - n[j]);
                float dnp = dn * (1.0f - n[j] * n[j]);
                float dr = dnp * hn[j];
                dxr[j] = dr * rg[j] * (1.0f - rg[j]);
                dxr[H + j] = dz * z[j] * (1.0f - z[j]);
                dxr[2 * H + j] = dnp;
                dhwr[j] = dxr[j];
                dhwr[H + j] = dxr[H + j];
                dhwr[2 * H + j] = dnp * rg[j];
                dhpr[j] = dhr[j] * z[j];
            }
        }
    }
}
