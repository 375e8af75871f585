/*
 * decoder.c — one decoder step for N rows, forward and backward: input
 * (embedding + fed-back attentional vector), stacked cells, attention and
 * the attentional vector o = tanh(W_c [h; ctx]). The output projection is
 * the caller's: training batches it over all steps, search over beams.
 */
#include <string.h>

#include "seq2seq.h"

int attention_key_size(const s2s_hparams *hp) {
    dims d = model_dims(hp);
    return hp->attention == S2S_ATTN_LUONG_DOT ? d.De : d.Hd;
}

const float *decoder_keys(const s2s_model *m, const float *henc, int S, int B, arena *a) {
    dims d = model_dims(&m->hp);
    const matrix *w = m->hp.attention == S2S_ATTN_BAHDANAU        ? &m->w.att_wk
                      : m->hp.attention == S2S_ATTN_LUONG_GENERAL ? &m->w.att_wa
                                                                  : NULL;
    if (!w) return henc;
    size_t SB = (size_t)S * (size_t)B;
    float *keys = arena_floats(a, SB * (size_t)d.Hd);
    void *xq = arena_bytes(a, kernel_gemm_q8_scratch((int)SB, d.De));
    if (!keys || !xq) return NULL;
    linear_forward(keys, d.Hd, henc, d.De, w, NULL, (int)SB, xq);
    return keys;
}

/* Row r's slice of a time-major (S, Bs, width) source tensor. */
static const float *src_row(const float *base, const int32_t *row_src, int r, int width) {
    return base + (size_t)(row_src ? row_src[r] : r) * (size_t)width;
}

int decoder_step_forward(dec_state *st, dec_tape_step *tape, float *att, const s2s_model *m,
                         const dec_source *src, const int32_t *row_src, const int32_t *prev,
                         int N, float dropout, s2s_rng *rng, arena *a) {
    dims d = model_dims(&m->hp);
    const weights *w = &m->w;
    int cell = m->hp.cell, GH = d.G * d.Hd, lstm = cell == S2S_CELL_LSTM;
    int has_att = m->hp.attention != S2S_ATTN_NONE, K = attention_key_size(&m->hp);
    int max_in = d.dec_in0 > d.Hd + d.De ? d.dec_in0 : d.Hd + d.De;
    arena_mark mark = arena_get_mark(a); /* scratch below ends with the step */
    float *x = arena_floats(a, (size_t)N * (size_t)max_in);
    float *xw = arena_floats(a, (size_t)N * (size_t)GH);
    float *hw = arena_floats(a, (size_t)N * (size_t)GH);
    float *q = arena_floats(a, (size_t)N * (size_t)K);
    float *cat = arena_floats(a, (size_t)N * (size_t)(d.Hd + d.De));
    float *arow = arena_floats(a, (size_t)src->S);
    float *scratch = arena_floats(a, (size_t)K);
    void *xq = arena_bytes(a, kernel_gemm_q8_scratch(N, max_in));
    if (a->failed) return 0;

    /* layer 0 input: [dropout(emb(prev)); o_prev] */
    int in = d.dec_in0;
    for (int r = 0; r < N; r++) matrix_row_f32(x + (size_t)r * in, &w->tgt_emb, prev[r]);
    if (tape && tape->drop[0])
        for (int r = 0; r < N; r++)
            dropout_forward(x + (size_t)r * in, tape->drop[0] + (size_t)r * d.E, (size_t)d.E,
                            dropout, rng);
    if (m->hp.input_feed)
        for (int r = 0; r < N; r++)
            memcpy(x + (size_t)r * in + d.E, st->o + (size_t)r * d.Hd, sizeof(float) * (size_t)d.Hd);

    for (int l = 0; l < d.L; l++) {
        const rnn_weights *rw = &w->dec[l];
        if (l > 0) { /* input: the layer below's new state, with dropout */
            in = d.Hd;
            memcpy(x, st->h[l - 1], sizeof(float) * (size_t)N * (size_t)d.Hd);
            if (tape && tape->drop[l]) dropout_forward(x, tape->drop[l], (size_t)N * d.Hd, dropout, rng);
        }
        if (tape) {
            memcpy(tape->x[l], x, sizeof(float) * (size_t)N * (size_t)in);
            memcpy(tape->h_prev[l], st->h[l], sizeof(float) * (size_t)N * (size_t)d.Hd);
            if (lstm) memcpy(tape->c_prev[l], st->c[l], sizeof(float) * (size_t)N * (size_t)d.Hd);
        }
        linear_forward(xw, GH, x, in, &rw->w_ih, rw->b_ih, N, xq);
        linear_forward(hw, GH, st->h[l], d.Hd, &rw->w_hh, rw->b_hh, N, xq);
        cell_forward(st->h[l], lstm ? st->c[l] : NULL, tape ? tape->cache[l] : NULL, xw, hw,
                     st->h[l], lstm ? st->c[l] : NULL, NULL, cell, N, d.Hd);
    }
    const float *htop = st->h[d.L - 1];
    if (!has_att) {
        memcpy(st->o, htop, sizeof(float) * (size_t)N * (size_t)d.Hd);
        arena_rewind(a, mark);
        return 1;
    }
    if (m->hp.attention == S2S_ATTN_BAHDANAU)
        linear_forward(q, K, htop, d.Hd, &w->att_wq, NULL, N, xq);
    else
        memcpy(q, htop, sizeof(float) * (size_t)N * (size_t)K);
    int Bs = src->Bs;
    for (int r = 0; r < N; r++) {
        int sent = row_src ? row_src[r] : r;
        int len = src->len[sent];
        float *cr = cat + (size_t)r * (d.Hd + d.De);
        float *ar = tape ? tape->a + (size_t)r * src->S : arow;
        memcpy(cr, htop + (size_t)r * d.Hd, sizeof(float) * (size_t)d.Hd);
        attention_forward(ar, cr + d.Hd, q + (size_t)r * K, src_row(src->keys, row_src, r, K),
                          Bs * K, src_row(src->henc, row_src, r, d.De), Bs * d.De, w->att_v,
                          m->hp.attention, len, K, d.De, scratch);
        if (tape) memset(ar + len, 0, sizeof(float) * (size_t)(src->S - len));
        if (att) {
            memcpy(att + (size_t)r * src->S, ar, sizeof(float) * (size_t)len);
            memset(att + (size_t)r * src->S + len, 0, sizeof(float) * (size_t)(src->S - len));
        }
    }
    if (tape) {
        memcpy(tape->q, q, sizeof(float) * (size_t)N * (size_t)K);
        memcpy(tape->cat, cat, sizeof(float) * (size_t)N * (size_t)(d.Hd + d.De));
    }
    linear_forward(st->o, d.Hd, cat, d.Hd + d.De, &w->out_wc, NULL, N, xq);
    kernel_tanh(st->o, st->o, N * d.Hd);
    arena_rewind(a, mark);
    return 1;
}

int decoder_step_backward(dec_grad_step *gs, float *const *dh, float *const *dc, float *do_prev,
                          float *dkeys, float *dhenc, float *dv, float *d_o,
                          const dec_tape_step *tape, const float *o, const s2s_model *m,
                          const dec_source *src, int N, arena *a) {
    dims d = model_dims(&m->hp);
    const weights *w = &m->w;
    int cell = m->hp.cell, GH = d.G * d.Hd, lstm = cell == S2S_CELL_LSTM;
    int K = attention_key_size(&m->hp), Bs = src->Bs, L = d.L;
    arena_mark mark = arena_get_mark(a);
    int max_in = d.dec_in0 > d.Hd + d.De ? d.dec_in0 : d.Hd + d.De;
    float *dcat = arena_floats(a, (size_t)N * (size_t)(d.Hd + d.De));
    float *dq = arena_floats(a, (size_t)N * (size_t)K);
    float *dx = arena_floats(a, (size_t)N * (size_t)max_in);
    float *dhp = arena_floats(a, (size_t)N * (size_t)d.Hd);
    float *scratch = arena_floats(a, (size_t)(2 * K + src->S));
    if (a->failed) return 0;
    size_t NH = (size_t)N * (size_t)d.Hd;

    if (m->hp.attention == S2S_ATTN_NONE) {
        kernel_axpy(dh[L - 1], 1.0f, d_o, (int)NH);
    } else {
        for (size_t i = 0; i < NH; i++) gs->dpre[i] = d_o[i] * (1.0f - o[i] * o[i]);
        memset(dcat, 0, sizeof(float) * (size_t)N * (size_t)(d.Hd + d.De));
        linear_backward(dcat, d.Hd + d.De, NULL, NULL, gs->dpre, d.Hd, NULL, 0, &w->out_wc, N);
        for (int r = 0; r < N; r++) {
            const float *cr = dcat + (size_t)r * (d.Hd + d.De);
            kernel_axpy(dh[L - 1] + (size_t)r * d.Hd, 1.0f, cr, d.Hd);
            attention_backward(dq + (size_t)r * K, dkeys + (size_t)r * K, dhenc + (size_t)r * d.De, dv,
                               cr + d.Hd, tape->a + (size_t)r * src->S, tape->q + (size_t)r * K,
                               src->keys + (size_t)r * K, Bs * K, src->henc + (size_t)r * d.De,
                               Bs * d.De, w->att_v, m->hp.attention, src->len[r], K, d.De, scratch);
        }
        if (m->hp.attention == S2S_ATTN_BAHDANAU) {
            memcpy(gs->dq, dq, sizeof(float) * (size_t)N * (size_t)K);
            linear_backward(dh[L - 1], d.Hd, NULL, NULL, dq, K, NULL, 0, &w->att_wq, N);
        } else {
            kernel_axpy(dh[L - 1], 1.0f, dq, (int)NH);
        }
    }
    for (int l = L - 1; l >= 0; l--) {
        const rnn_weights *rw = &w->dec[l];
        int in = l == 0 ? d.dec_in0 : d.Hd;
        cell_backward(gs->dxw[l], gs->dhw[l], dhp, lstm ? dc[l] : NULL, dh[l],
                      lstm ? dc[l] : NULL, tape->cache[l], tape->h_prev[l],
                      lstm ? tape->c_prev[l] : NULL, NULL, cell, N, d.Hd);
        memset(dx, 0, sizeof(float) * (size_t)N * (size_t)in);
        linear_backward(dx, in, NULL, NULL, gs->dxw[l], GH, NULL, 0, &rw->w_ih, N);
        memcpy(dh[l], dhp, sizeof(float) * NH);
        linear_backward(dh[l], d.Hd, NULL, NULL, gs->dhw[l], GH, NULL, 0, &rw->w_hh, N);
        if (l > 0) {
            if (tape->drop[l]) vec_mul(dx, tape->drop[l], NH);
            kernel_axpy(dh[l - 1], 1.0f, dx, (int)NH);
        } else {
            for (int r = 0; r < N; r++) {
                float *dr = dx + (size_t)r * in;
                if (tape->drop[0]) vec_mul(dr, tape->drop[0] + (size_t)r * d.E, (size_t)d.E);
                memcpy(gs->demb + (size_t)r * d.E, dr, sizeof(float) * (size_t)d.E);
                if (m->hp.input_feed && do_prev)
                    memcpy(do_prev + (size_t)r * d.Hd, dr + d.E, sizeof(float) * (size_t)d.Hd);
            }
        }
    }
    arena_rewind(a, mark);
    return 1;
}
