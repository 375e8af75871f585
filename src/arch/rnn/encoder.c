/*
 * encoder.c — the stacked, optionally bidirectional RNN encoder and the
 * bridge to the decoder's first state. Padding never enters a cell: rows
 * past their length carry their state through (cell_forward's `active`),
 * which equals PyTorch's pack_padded_sequence.
 */
#include <string.h>

#include "seq2seq.h"

/* active[s][b] = s < len[b] */
static uint8_t *active_mask(const int32_t *len, int S, int B, arena *a) {
    uint8_t *act = arena_bytes(a, (size_t)S * (size_t)B);
    if (!act) return NULL;
    for (int s = 0; s < S; s++)
        for (int b = 0; b < B; b++) act[(size_t)s * B + b] = s < len[b];
    return act;
}

int encoder_forward(enc_out *out, enc_tape *tape, const s2s_model *m, const int32_t *src,
                    const int32_t *len, int S, int B, float dropout, s2s_rng *rng, arena *a) {
    dims d = model_dims(&m->hp);
    const weights *w = &m->w;
    int cell = m->hp.cell, GH = d.G * d.He, CS = cell_cache_size(cell, d.He);
    size_t SB = (size_t)S * (size_t)B;
    int max_in = d.E > d.De ? d.E : d.De;
    uint8_t *act = active_mask(len, S, B, a);
    float *x = arena_floats(a, SB * (size_t)max_in);
    float *xw = arena_floats(a, SB * (size_t)GH);
    float *hw = arena_floats(a, (size_t)B * (size_t)GH);
    float *zeros = arena_zeros(a, (size_t)B * (size_t)d.He);
    void *xq = arena_bytes(a, kernel_gemm_q8_scratch((int)SB, max_in));
    out->henc = arena_floats(a, SB * (size_t)d.De);
    if (a->failed) return 0;
    embedding_forward(x, &w->src_emb, src, (int)SB);
    int in = d.E;
    for (int l = 0; l < d.L; l++) {
        enc_tape_layer *tl = tape ? &tape->layer[l] : NULL;
        if (tl) {
            tl->x = arena_floats(a, SB * (size_t)in);
            tl->drop = dropout > 0.0f ? arena_floats(a, SB * (size_t)in) : NULL;
            if (a->failed) return 0;
            memcpy(tl->x, x, sizeof(float) * SB * (size_t)in);
            dropout_forward(tl->x, tl->drop, SB * (size_t)in, dropout, rng);
        }
        const float *xin = tl ? tl->x : x;
        out->fin_h[l] = arena_floats(a, (size_t)B * (size_t)d.De);
        out->fin_c[l] = cell == S2S_CELL_LSTM ? arena_floats(a, (size_t)B * (size_t)d.De) : NULL;
        float *hs[2], *cs[2];
        for (int dir = 0; dir < d.D; dir++) {
            const rnn_weights *r = &w->enc[l][dir];
            hs[dir] = tl ? (tl->h[dir] = arena_floats(a, SB * (size_t)d.He))
                         : arena_floats(a, SB * (size_t)d.He);
            cs[dir] = cell == S2S_CELL_LSTM ? arena_floats(a, SB * (size_t)d.He) : NULL;
            float *cache = tl ? arena_floats(a, SB * (size_t)CS) : NULL;
            if (tl) {
                tl->c[dir] = cs[dir];
                tl->cache[dir] = cache;
            }
            if (a->failed) return 0;
            linear_forward(xw, GH, xin, in, &r->w_ih, r->b_ih, (int)SB, xq);
            for (int k = 0; k < S; k++) {
                int s = dir == 0 ? k : S - 1 - k;
                int prev = dir == 0 ? s - 1 : s + 1;
                const float *hp = k == 0 ? zeros : hs[dir] + (size_t)prev * B * d.He;
                const float *cp = cell != S2S_CELL_LSTM ? NULL
                                  : k == 0              ? zeros
                                                        : cs[dir] + (size_t)prev * B * d.He;
                linear_forward(hw, GH, hp, d.He, &r->w_hh, r->b_hh, B, xq);
                cell_forward(hs[dir] + (size_t)s * B * d.He,
                             cs[dir] ? cs[dir] + (size_t)s * B * d.He : NULL,
                             cache ? cache + (size_t)s * B * CS : NULL, xw + (size_t)s * B * GH, hw,
                             hp, cp, act + (size_t)s * B, cell, B, d.He);
            }
        }
        /* layer output [fwd; bwd], zero at padding; final states */
        for (int s = 0; s < S; s++) {
            for (int b = 0; b < B; b++) {
                float *o = out->henc + ((size_t)s * B + b) * d.De;
                for (int dir = 0; dir < d.D; dir++) {
                    const float *h = hs[dir] + ((size_t)s * B + b) * d.He;
                    if (act[(size_t)s * B + b])
                        memcpy(o + dir * d.He, h, sizeof(float) * (size_t)d.He);
                    else
                        memset(o + dir * d.He, 0, sizeof(float) * (size_t)d.He);
                }
            }
        }
        for (int b = 0; b < B; b++) {
            for (int dir = 0; dir < d.D; dir++) {
                size_t at = ((size_t)(dir == 0 ? S - 1 : 0) * B + b) * d.He;
                memcpy(out->fin_h[l] + (size_t)b * d.De + dir * d.He, hs[dir] + at,
                       sizeof(float) * (size_t)d.He);
                if (cell == S2S_CELL_LSTM)
                    memcpy(out->fin_c[l] + (size_t)b * d.De + dir * d.He, cs[dir] + at,
                           sizeof(float) * (size_t)d.He);
            }
        }
        if (l + 1 < d.L) memcpy(x, out->henc, sizeof(float) * SB * (size_t)d.De);
        in = d.De;
    }
    return 1;
}

int encoder_backward(weights *g, float *dhenc, float *const *dfin_h, float *const *dfin_c,
                     const enc_tape *tape, const s2s_model *m, const int32_t *src,
                     const int32_t *len, int S, int B, arena *a) {
    dims d = model_dims(&m->hp);
    const weights *w = &m->w;
    int cell = m->hp.cell, GH = d.G * d.He;
    size_t SB = (size_t)S * (size_t)B;
    int max_in = d.E > d.De ? d.E : d.De;
    uint8_t *act = active_mask(len, S, B, a);
    float *dxw = arena_floats(a, SB * (size_t)GH);
    float *dhw = arena_floats(a, SB * (size_t)GH);
    float *hprev = arena_floats(a, SB * (size_t)d.He);
    float *cprev = arena_floats(a, SB * (size_t)d.He);
    float *dh = arena_floats(a, (size_t)B * (size_t)d.He);
    float *dh_carry = arena_floats(a, (size_t)B * (size_t)d.He);
    float *dc_carry = arena_floats(a, (size_t)B * (size_t)d.He);
    float *dx = arena_floats(a, SB * (size_t)max_in);
    if (a->failed) return 0;
    for (int l = d.L - 1; l >= 0; l--) {
        const enc_tape_layer *tl = &tape->layer[l];
        int in = l == 0 ? d.E : d.De;
        memset(dx, 0, sizeof(float) * SB * (size_t)in);
        for (int dir = 0; dir < d.D; dir++) {
            const rnn_weights *r = &w->enc[l][dir];
            rnn_weights *gr = &g->enc[l][dir];
            const float *hs = tl->h[dir], *cs = tl->c[dir];
            /* states before each step, in step order */
            for (int s = 0; s < S; s++) {
                int prev = dir == 0 ? s - 1 : s + 1;
                int first = prev < 0 || prev >= S;
                size_t at = (size_t)s * B * d.He, pat = (size_t)prev * B * d.He;
                if (first) {
                    memset(hprev + at, 0, sizeof(float) * (size_t)B * d.He);
                    memset(cprev + at, 0, sizeof(float) * (size_t)B * d.He);
                } else {
                    memcpy(hprev + at, hs + pat, sizeof(float) * (size_t)B * d.He);
                    if (cs) memcpy(cprev + at, cs + pat, sizeof(float) * (size_t)B * d.He);
                }
            }
            for (int b = 0; b < B; b++) {
                float *dhc = dh_carry + (size_t)b * d.He, *dcc = dc_carry + (size_t)b * d.He;
                size_t from = (size_t)b * d.De + (size_t)dir * d.He;
                if (dfin_h)
                    memcpy(dhc, dfin_h[l] + from, sizeof(float) * (size_t)d.He);
                else
                    memset(dhc, 0, sizeof(float) * (size_t)d.He);
                if (cell == S2S_CELL_LSTM && dfin_c)
                    memcpy(dcc, dfin_c[l] + from, sizeof(float) * (size_t)d.He);
                else
                    memset(dcc, 0, sizeof(float) * (size_t)d.He);
            }
            /* reverse of the forward step order */
            for (int k = S - 1; k >= 0; k--) {
                int s = dir == 0 ? k : S - 1 - k;
                for (int b = 0; b < B; b++) {
                    const float *up = dhenc + ((size_t)s * B + b) * d.De + dir * d.He;
                    float *dhb = dh + (size_t)b * d.He;
                    const float *carry = dh_carry + (size_t)b * d.He;
                    if (act[(size_t)s * B + b])
                        for (int j = 0; j < d.He; j++) dhb[j] = carry[j] + up[j];
                    else
                        memcpy(dhb, carry, sizeof(float) * (size_t)d.He);
                }
                size_t at = (size_t)s * B;
                cell_backward(dxw + at * GH, dhw + at * GH, dh_carry, cell == S2S_CELL_LSTM ? dc_carry : NULL,
                              dh, cell == S2S_CELL_LSTM ? dc_carry : NULL,
                              tl->cache[dir] + at * cell_cache_size(cell, d.He), hprev + at * d.He,
                              cprev + at * d.He, act + at, cell, B, d.He);
                linear_backward(dh_carry, d.He, NULL, NULL, dhw + at * GH, GH, NULL, 0, &r->w_hh, B);
            }
            linear_backward(NULL, 0, gr->w_hh.f, gr->b_hh, dhw, GH, hprev, d.He, &r->w_hh, (int)SB);
            linear_backward(dx, in, gr->w_ih.f, gr->b_ih, dxw, GH, tl->x, in, &r->w_ih, (int)SB);
        }
        if (tl->drop) vec_mul(dx, tl->drop, SB * (size_t)in);
        if (l > 0) memcpy(dhenc, dx, sizeof(float) * SB * (size_t)d.De);
    }
    embedding_backward(g->src_emb.f, dx, src, (int)SB, d.E);
    return 1;
}

/* ----------------------------------------------------------------- bridge */

void bridge_forward(float *const *h0, float *const *c0, const enc_out *enc, const s2s_model *m,
                    int B) {
    dims d = model_dims(&m->hp);
    const weights *w = &m->w;
    int lstm = m->hp.cell == S2S_CELL_LSTM;
    size_t n = (size_t)B * (size_t)d.Hd;
    for (int l = 0; l < d.L; l++) {
        switch (m->hp.bridge) {
        case S2S_BRIDGE_COPY:
            memcpy(h0[l], enc->fin_h[l], sizeof(float) * n);
            if (lstm) memcpy(c0[l], enc->fin_c[l], sizeof(float) * n);
            break;
        case S2S_BRIDGE_PROJECT: {
            /* row by row, so an int8 bridge needs scratch for one row only:
             * kernel_gemm_q8_scratch(1, De) = 4 floats + De int16 */
            for (int b = 0; b < B; b++) {
                float xq[4 + S2S_MAX_DIM / 2];
                linear_forward(h0[l] + (size_t)b * d.Hd, d.Hd, enc->fin_h[l] + (size_t)b * d.De,
                               d.De, &w->bridge_wh[l], w->bridge_bh[l], 1, xq);
                if (lstm)
                    linear_forward(c0[l] + (size_t)b * d.Hd, d.Hd,
                                   enc->fin_c[l] + (size_t)b * d.De, d.De, &w->bridge_wc[l],
                                   w->bridge_bc[l], 1, xq);
            }
            kernel_tanh(h0[l], h0[l], (int)n);
            break;
        }
        default:
            memset(h0[l], 0, sizeof(float) * n);
            if (lstm) memset(c0[l], 0, sizeof(float) * n);
        }
    }
}

void bridge_backward(weights *g, float *const *dfin_h, float *const *dfin_c, float *const *dh0,
                     float *const *dc0, const float *const *h0, const enc_out *enc,
                     const s2s_model *m, int B) {
    dims d = model_dims(&m->hp);
    const weights *w = &m->w;
    int lstm = m->hp.cell == S2S_CELL_LSTM;
    size_t n = (size_t)B * (size_t)d.Hd;
    for (int l = 0; l < d.L; l++) {
        switch (m->hp.bridge) {
        case S2S_BRIDGE_COPY:
            memcpy(dfin_h[l], dh0[l], sizeof(float) * n);
            if (lstm) memcpy(dfin_c[l], dc0[l], sizeof(float) * n);
            break;
        case S2S_BRIDGE_PROJECT:
            for (size_t i = 0; i < n; i++) dh0[l][i] *= 1.0f - h0[l][i] * h0[l][i];
            memset(dfin_h[l], 0, sizeof(float) * (size_t)B * d.De);
            linear_backward(dfin_h[l], d.De, g->bridge_wh[l].f, g->bridge_bh[l], dh0[l], d.Hd,
                            enc->fin_h[l], d.De, &w->bridge_wh[l], B);
            if (lstm) {
                memset(dfin_c[l], 0, sizeof(float) * (size_t)B * d.De);
                linear_backward(dfin_c[l], d.De, g->bridge_wc[l].f, g->bridge_bc[l], dc0[l], d.Hd,
                                enc->fin_c[l], d.De, &w->bridge_wc[l], B);
            }
            break;
        default:
            memset(dfin_h[l], 0, sizeof(float) * (size_t)B * d.De);
            if (lstm) memset(dfin_c[l], 0, sizeof(float) * (size_t)B * d.De);
        }
    }
}
