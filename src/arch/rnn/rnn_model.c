/*
 * rnn_model.c — the recurrent family as a model: its derived sizes, its
 * hyper-parameter rules, its tensor layout, and its s2s_arch table.
 */
#include <stdio.h>

#include "seq2seq.h"

dims model_dims(const s2s_hparams *hp) {
    dims d;
    d.Vs = hp->src_vocab;
    d.Vt = hp->tgt_vocab;
    d.E = hp->emb_dim;
    d.He = hp->enc_hidden;
    d.Hd = hp->dec_hidden;
    d.L = hp->layers;
    d.D = hp->bidirectional ? 2 : 1;
    d.De = d.D * d.He;
    d.G = cell_gates(hp->cell);
    d.dec_in0 = d.E + (hp->input_feed ? d.Hd : 0);
    return d;
}

static s2s_status rnn_validate(const s2s_hparams *hp, s2s_error *err) {
    dims d = model_dims(hp);
    if (hp->heads || hp->ff_dim || hp->dec_layers || hp->positions || hp->max_positions ||
        hp->activation)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "heads, ff_dim, dec_layers, positions, max_positions and activation are "
                        "the Transformer's: 0 for the RNN");
    if (hp->bridge == S2S_BRIDGE_COPY && d.Hd != d.De)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "the copy bridge needs dec_hidden == directions * enc_hidden (%d != %d)",
                        d.Hd, d.De);
    if (hp->attention == S2S_ATTN_LUONG_DOT && d.Hd != d.De)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "Luong dot attention needs dec_hidden == directions * enc_hidden (%d != %d)",
                        d.Hd, d.De);
    if (hp->input_feed && hp->attention == S2S_ATTN_NONE)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "input feeding needs attention");
    if (hp->tie_output && d.Hd != d.E)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "a tied output needs dec_hidden == emb_dim (%d != %d)", d.Hd, d.E);
    return S2S_OK;
}

/* The one definition of the RNN's tensor order (docs/architecture.md's table). */
static void rnn_walk(const s2s_hparams *hp, weights *w, model_visit_fn visit, void *ctx) {
    dims d = model_dims(hp);
    char name[64];
    static const char *const dir_name[2] = {"fwd", "bwd"};
    visit(ctx, "src_emb", d.Vs, d.E, &w->src_emb, NULL);
    visit(ctx, "tgt_emb", d.Vt, d.E, &w->tgt_emb, NULL);
    for (int l = 0; l < d.L; l++) {
        int in = l == 0 ? d.E : d.De;
        for (int dir = 0; dir < d.D; dir++) {
            rnn_weights *r = &w->enc[l][dir];
            snprintf(name, sizeof name, "enc.%d.%s.w_ih", l, dir_name[dir]);
            visit(ctx, name, d.G * d.He, in, &r->w_ih, NULL);
            snprintf(name, sizeof name, "enc.%d.%s.w_hh", l, dir_name[dir]);
            visit(ctx, name, d.G * d.He, d.He, &r->w_hh, NULL);
            snprintf(name, sizeof name, "enc.%d.%s.b_ih", l, dir_name[dir]);
            visit(ctx, name, d.G * d.He, 0, NULL, &r->b_ih);
            snprintf(name, sizeof name, "enc.%d.%s.b_hh", l, dir_name[dir]);
            visit(ctx, name, d.G * d.He, 0, NULL, &r->b_hh);
        }
    }
    if (hp->bridge == S2S_BRIDGE_PROJECT) {
        for (int l = 0; l < d.L; l++) {
            snprintf(name, sizeof name, "bridge.%d.w_h", l);
            visit(ctx, name, d.Hd, d.De, &w->bridge_wh[l], NULL);
            snprintf(name, sizeof name, "bridge.%d.b_h", l);
            visit(ctx, name, d.Hd, 0, NULL, &w->bridge_bh[l]);
            if (hp->cell == S2S_CELL_LSTM) {
                snprintf(name, sizeof name, "bridge.%d.w_c", l);
                visit(ctx, name, d.Hd, d.De, &w->bridge_wc[l], NULL);
                snprintf(name, sizeof name, "bridge.%d.b_c", l);
                visit(ctx, name, d.Hd, 0, NULL, &w->bridge_bc[l]);
            }
        }
    }
    for (int l = 0; l < d.L; l++) {
        int in = l == 0 ? d.dec_in0 : d.Hd;
        rnn_weights *r = &w->dec[l];
        snprintf(name, sizeof name, "dec.%d.w_ih", l);
        visit(ctx, name, d.G * d.Hd, in, &r->w_ih, NULL);
        snprintf(name, sizeof name, "dec.%d.w_hh", l);
        visit(ctx, name, d.G * d.Hd, d.Hd, &r->w_hh, NULL);
        snprintf(name, sizeof name, "dec.%d.b_ih", l);
        visit(ctx, name, d.G * d.Hd, 0, NULL, &r->b_ih);
        snprintf(name, sizeof name, "dec.%d.b_hh", l);
        visit(ctx, name, d.G * d.Hd, 0, NULL, &r->b_hh);
    }
    if (hp->attention == S2S_ATTN_BAHDANAU) {
        visit(ctx, "att.w_q", d.Hd, d.Hd, &w->att_wq, NULL);
        visit(ctx, "att.w_k", d.Hd, d.De, &w->att_wk, NULL);
        visit(ctx, "att.v", d.Hd, 0, NULL, &w->att_v);
    } else if (hp->attention == S2S_ATTN_LUONG_GENERAL) {
        visit(ctx, "att.w_a", d.Hd, d.De, &w->att_wa, NULL);
    }
    if (hp->attention != S2S_ATTN_NONE) visit(ctx, "out.w_c", d.Hd, d.Hd + d.De, &w->out_wc, NULL);
    if (!hp->tie_output) visit(ctx, "out.w", d.Vt, d.Hd, &w->out_w, NULL);
    visit(ctx, "out.b", d.Vt, 0, NULL, &w->out_b);
    if (hp->tie_output) w->out_w = w->tgt_emb; /* shared storage, shared gradient */
}

static int rnn_out_dim(const s2s_hparams *hp) { return hp->dec_hidden; }

static const matrix *rnn_output(const weights *w, float **bias) {
    *bias = w->out_b;
    return &w->out_w;
}

static int rnn_has_attention(const s2s_hparams *hp) { return hp->attention != S2S_ATTN_NONE; }

const s2s_arch rnn_arch = {
    .name = "rnn",
    .validate = rnn_validate,
    .walk = rnn_walk,
    .out_dim = rnn_out_dim,
    .output = rnn_output,
    .has_attention = rnn_has_attention,
    .row_state_bytes = rnn_row_state_bytes,
    .begin = rnn_begin,
    .step = rnn_step,
    .reorder = rnn_reorder,
    .train_forward = rnn_train_forward,
    .train_backward = rnn_train_backward,
};
