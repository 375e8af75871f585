/*
 * rnn_train.c — the recurrent family's side of training (arch.h): the
 * teacher-forced forward over a batch (encoder, bridge, decoder steps) and
 * backward through time for every parameter but the output layer's, which
 * the trainer owns. The attention keys' projection (W_k, W_a) is the
 * family's too, so its backward lives here.
 *
 * Decoder tensors are recorded (T, B, ...) so that each weight gradient is
 * one GEMM over all steps after the recurrence has been walked backwards.
 */
#include <string.h>

#include "seq2seq.h"

/* What backward needs from forward. */
typedef struct rnn_tape {
    enc_tape etape;
    enc_out enc;
    dec_source source;
    float *h0[S2S_MAX_LAYERS], *c0[S2S_MAX_LAYERS]; /* (B, Hd): the bridge's output */
    dec_tape_step tape;                             /* (T, B, ...) */
} rnn_tape;

/* Step k's view of a tape laid out (T, B, ...); NULL arrays stay NULL. */
static dec_tape_step tape_slice(const dec_tape_step *tape, int k, const s2s_model *m, int B, int S) {
    dims d = model_dims(&m->hp);
    size_t rows = (size_t)k * (size_t)B;
    int K = attention_key_size(&m->hp), CS = cell_cache_size(m->hp.cell, d.Hd);
    dec_tape_step ts;
    memset(&ts, 0, sizeof ts);
#define SLICE(field, width) ts.field = tape->field ? tape->field + rows * (size_t)(width) : NULL
    for (int l = 0; l < d.L; l++) {
        SLICE(x[l], l == 0 ? d.dec_in0 : d.Hd);
        SLICE(drop[l], l == 0 ? d.E : d.Hd);
        SLICE(h_prev[l], d.Hd);
        SLICE(c_prev[l], d.Hd);
        SLICE(cache[l], CS);
    }
    SLICE(q, K);
    SLICE(a, S);
    SLICE(cat, d.Hd + d.De);
#undef SLICE
    return ts;
}

void *rnn_train_forward(float *O, const s2s_model *m, const packed_batch *b, int record,
                        float dropout, s2s_rng *rng, arena *a) {
    dims d = model_dims(&m->hp);
    int B = b->B, S = b->S, T = b->T, L = d.L, lstm = m->hp.cell == S2S_CELL_LSTM;
    int has_att = m->hp.attention != S2S_ATTN_NONE, K = attention_key_size(&m->hp);
    int CS = cell_cache_size(m->hp.cell, d.Hd);
    size_t TB = (size_t)T * (size_t)B, NH = (size_t)B * d.Hd;
    rnn_tape *rt = arena_bytes(a, sizeof *rt);
    if (!rt) return NULL;
    memset(rt, 0, sizeof *rt);
    if (!encoder_forward(&rt->enc, record ? &rt->etape : NULL, m, b->src, b->len, S, B, dropout,
                         rng, a))
        return NULL;
    rt->source = (dec_source){.henc = rt->enc.henc, .len = b->len, .S = S, .Bs = B};
    rt->source.keys = has_att ? decoder_keys(m, rt->enc.henc, S, B, a) : NULL;

    dec_state ds;
    for (int l = 0; l < L; l++) {
        rt->h0[l] = arena_floats(a, NH);
        rt->c0[l] = lstm ? arena_floats(a, NH) : NULL;
        ds.h[l] = arena_floats(a, NH);
        ds.c[l] = lstm ? arena_floats(a, NH) : NULL;
    }
    ds.o = arena_zeros(a, NH);
    if (a->failed || (has_att && !rt->source.keys)) return NULL;
    bridge_forward(rt->h0, rt->c0, &rt->enc, m, B);
    for (int l = 0; l < L; l++) {
        memcpy(ds.h[l], rt->h0[l], sizeof(float) * NH);
        if (lstm) memcpy(ds.c[l], rt->c0[l], sizeof(float) * NH);
    }

    /* decoder tape over all steps, (T, B, ...), so weight gradients batch over steps */
    dec_tape_step *tape = &rt->tape;
    for (int l = 0; l < L && record; l++) {
        int in = l == 0 ? d.dec_in0 : d.Hd;
        int drop_w = l == 0 ? d.E : d.Hd;
        tape->x[l] = arena_floats(a, TB * (size_t)in);
        tape->drop[l] = dropout > 0.0f ? arena_floats(a, TB * (size_t)drop_w) : NULL;
        tape->h_prev[l] = arena_floats(a, TB * (size_t)d.Hd);
        tape->c_prev[l] = lstm ? arena_floats(a, TB * (size_t)d.Hd) : NULL;
        tape->cache[l] = arena_floats(a, TB * (size_t)CS);
    }
    if (record && has_att) {
        tape->q = arena_floats(a, TB * (size_t)K);
        tape->a = arena_floats(a, TB * (size_t)S);
        tape->cat = arena_floats(a, TB * (size_t)(d.Hd + d.De));
    }
    if (a->failed) return NULL;

    for (int k = 0; k < T; k++) {
        dec_tape_step ts = tape_slice(tape, k, m, B, S);
        if (!decoder_step_forward(&ds, record ? &ts : NULL, NULL, m, &rt->source, NULL,
                                  b->dec_in + (size_t)k * B, B, dropout, rng, a))
            return NULL;
        memcpy(O + (size_t)k * NH, ds.o, sizeof(float) * NH);
    }
    return rt;
}

int rnn_train_backward(weights *g, const float *dO, const float *O, void *tape_ptr,
                       const s2s_model *m, const packed_batch *b, arena *a) {
    const rnn_tape *rt = tape_ptr;
    const dec_tape_step *tape = &rt->tape;
    dims d = model_dims(&m->hp);
    int B = b->B, S = b->S, T = b->T, L = d.L, lstm = m->hp.cell == S2S_CELL_LSTM;
    int has_att = m->hp.attention != S2S_ATTN_NONE, K = attention_key_size(&m->hp);
    int GH = d.G * d.Hd;
    size_t TB = (size_t)T * (size_t)B, SB = (size_t)S * (size_t)B, NH = (size_t)B * d.Hd;

    float *DXW[S2S_MAX_LAYERS], *DHW[S2S_MAX_LAYERS], *dh[S2S_MAX_LAYERS], *dc[S2S_MAX_LAYERS];
    for (int l = 0; l < L; l++) {
        DXW[l] = arena_floats(a, TB * (size_t)GH);
        DHW[l] = arena_floats(a, TB * (size_t)GH);
        dh[l] = arena_zeros(a, NH);
        dc[l] = lstm ? arena_zeros(a, NH) : NULL;
    }
    float *DPRE = has_att ? arena_floats(a, TB * (size_t)d.Hd) : NULL;
    float *DQ = m->hp.attention == S2S_ATTN_BAHDANAU ? arena_floats(a, TB * (size_t)K) : NULL;
    float *DEMB = arena_floats(a, TB * (size_t)d.E);
    float *dkeys = has_att ? arena_zeros(a, SB * (size_t)K) : NULL;
    float *dhenc = arena_zeros(a, SB * (size_t)d.De);
    float *d_o = arena_floats(a, NH);
    float *dfeed = arena_zeros(a, NH);
    if (a->failed) return 0;

    for (int k = T - 1; k >= 0; k--) {
        dec_tape_step ts = tape_slice(tape, k, m, B, S);
        dec_grad_step gs;
        memset(&gs, 0, sizeof gs);
        for (int l = 0; l < L; l++) {
            gs.dxw[l] = DXW[l] + (size_t)k * B * GH;
            gs.dhw[l] = DHW[l] + (size_t)k * B * GH;
        }
        if (has_att) {
            gs.dpre = DPRE + (size_t)k * NH;
            gs.dq = DQ ? DQ + (size_t)k * B * K : NULL;
        }
        gs.demb = DEMB + (size_t)k * B * d.E;
        for (size_t i = 0; i < NH; i++) d_o[i] = dO[(size_t)k * NH + i] + dfeed[i];
        if (!decoder_step_backward(&gs, dh, dc, m->hp.input_feed ? dfeed : NULL, dkeys, dhenc,
                                   g->att_v, d_o, &ts, O + (size_t)k * NH, m, &rt->source, B, a))
            return 0;
    }
    /* weight gradients, one GEMM each over all steps */
    for (int l = 0; l < L; l++) {
        int in = l == 0 ? d.dec_in0 : d.Hd;
        rnn_weights *gr = &g->dec[l];
        const rnn_weights *rw = &m->w.dec[l];
        linear_backward(NULL, 0, gr->w_ih.f, gr->b_ih, DXW[l], GH, tape->x[l], in, &rw->w_ih, (int)TB);
        linear_backward(NULL, 0, gr->w_hh.f, gr->b_hh, DHW[l], GH, tape->h_prev[l], d.Hd, &rw->w_hh, (int)TB);
    }
    if (has_att)
        linear_backward(NULL, 0, g->out_wc.f, NULL, DPRE, d.Hd, tape->cat, d.Hd + d.De, &m->w.out_wc,
                        (int)TB);
    if (DQ) /* W_q's input is h_t: the first Hd columns of [h; ctx] */
        linear_backward(NULL, 0, g->att_wq.f, NULL, DQ, K, tape->cat, d.Hd + d.De, &m->w.att_wq, (int)TB);
    embedding_backward(g->tgt_emb.f, DEMB, b->dec_in, (int)TB, d.E);
    /* the keys' projection: its gradient, and the keys' share of dhenc */
    if (m->hp.attention == S2S_ATTN_BAHDANAU)
        linear_backward(dhenc, d.De, g->att_wk.f, NULL, dkeys, K, rt->enc.henc, d.De, &m->w.att_wk, (int)SB);
    else if (m->hp.attention == S2S_ATTN_LUONG_GENERAL)
        linear_backward(dhenc, d.De, g->att_wa.f, NULL, dkeys, K, rt->enc.henc, d.De, &m->w.att_wa, (int)SB);
    else if (m->hp.attention == S2S_ATTN_LUONG_DOT)
        kernel_axpy(dhenc, 1.0f, dkeys, (int)(SB * (size_t)d.De));

    float *dfin_h[S2S_MAX_LAYERS], *dfin_c[S2S_MAX_LAYERS];
    for (int l = 0; l < L; l++) {
        dfin_h[l] = arena_floats(a, (size_t)B * d.De);
        dfin_c[l] = lstm ? arena_floats(a, (size_t)B * d.De) : NULL;
    }
    if (a->failed) return 0;
    bridge_backward(g, dfin_h, dfin_c, dh, dc, (const float *const *)rt->h0, &rt->enc, m, B);
    return encoder_backward(g, dhenc, dfin_h, lstm ? dfin_c : NULL, &rt->etape, m, b->src, b->len,
                            S, B, a);
}
