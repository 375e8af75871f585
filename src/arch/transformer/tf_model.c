/*
 * tf_model.c — the Transformer family as a model: its hyper-parameter
 * rules, its tensor layout (docs/architecture.md), its initialisation, the
 * embedding with positions, and its s2s_arch table.
 */
#include <math.h>
#include <stdio.h>

#include "tf.h"

static s2s_status tf_validate(const s2s_hparams *hp, s2s_error *err) {
    if (hp->cell || hp->attention || hp->bridge || hp->input_feed || hp->bidirectional)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "cell, attention, bridge, input_feed and bidirectional are the RNN's: 0 "
                        "for the Transformer");
    if (hp->enc_hidden != hp->emb_dim || hp->dec_hidden != hp->emb_dim)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "the Transformer needs enc_hidden == dec_hidden == emb_dim (%d, %d, %d)",
                        (int)hp->enc_hidden, (int)hp->dec_hidden, (int)hp->emb_dim);
    if (hp->heads < 1 || hp->emb_dim % hp->heads != 0)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "emb_dim (%d) must be a multiple of heads (%d), heads >= 1",
                        (int)hp->emb_dim, (int)hp->heads);
    if (hp->ff_dim < 1 || hp->emb_dim % S2S_Q8_COLS != 0 || hp->ff_dim % S2S_Q8_COLS != 0)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "emb_dim (%d) and ff_dim (%d) must be positive multiples of %d "
                        "(so every matrix can be int8)",
                        (int)hp->emb_dim, (int)hp->ff_dim, S2S_Q8_COLS);
    if (hp->dec_layers < 1)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "dec_layers must be in [1, %d]",
                        S2S_MAX_LAYERS);
    if (hp->positions == S2S_POS_LEARNED && hp->max_positions < S2S_MAX_SEQ_LEN)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "learned positions need max_positions >= %d (got %d)", S2S_MAX_SEQ_LEN,
                        (int)hp->max_positions);
    if (hp->positions == S2S_POS_SINUSOIDAL && hp->max_positions != 0)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "max_positions is for learned positions: 0 when sinusoidal");
    return S2S_OK;
}

/* One layer's tensors; the decoder's have the cross-attention between. */
static void walk_layer(const char *side, int l, int dec, const tf_dims *d, tf_layer *t,
                       model_visit_fn visit, void *ctx) {
    char name[64];
    const char *self = dec ? "self" : "att";
#define V(field, rows, fmt, ...)                                           \
    snprintf(name, sizeof name, "%s.%d." fmt, side, l, __VA_ARGS__);     \
    visit(ctx, name, rows, 0, NULL, &t->field)
#define M(field, rows, cols, fmt, ...)                                     \
    snprintf(name, sizeof name, "%s.%d." fmt, side, l, __VA_ARGS__);     \
    visit(ctx, name, rows, cols, &t->field, NULL)
    V(ln_self_g, d->E, "%s", "ln1.g");
    V(ln_self_b, d->E, "%s", "ln1.b");
    M(self_qkv, 3 * d->E, d->E, "%s.w_qkv", self);
    V(self_bqkv, 3 * d->E, "%s.b_qkv", self);
    M(self_o, d->E, d->E, "%s.w_o", self);
    V(self_bo, d->E, "%s.b_o", self);
    if (dec) {
        V(ln_cross_g, d->E, "%s", "ln2.g");
        V(ln_cross_b, d->E, "%s", "ln2.b");
        M(cross_q, d->E, d->E, "%s", "cross.w_q");
        V(cross_bq, d->E, "%s", "cross.b_q");
        M(cross_kv, 2 * d->E, d->E, "%s", "cross.w_kv");
        V(cross_bkv, 2 * d->E, "%s", "cross.b_kv");
        M(cross_o, d->E, d->E, "%s", "cross.w_o");
        V(cross_bo, d->E, "%s", "cross.b_o");
    }
    V(ln_ff_g, d->E, "%s", dec ? "ln3.g" : "ln2.g");
    V(ln_ff_b, d->E, "%s", dec ? "ln3.b" : "ln2.b");
    M(ff_w1, d->F, d->E, "%s", "ff.w1");
    V(ff_b1, d->F, "%s", "ff.b1");
    M(ff_w2, d->E, d->F, "%s", "ff.w2");
    V(ff_b2, d->E, "%s", "ff.b2");
#undef V
#undef M
}

/* The one definition of the Transformer's tensor order. */
static void tf_walk(const s2s_hparams *hp, weights *w, model_visit_fn visit, void *ctx) {
    tf_dims d = tf_dims_of(hp);
    visit(ctx, "src_emb", hp->src_vocab, d.E, &w->src_emb, NULL);
    visit(ctx, "tgt_emb", hp->tgt_vocab, d.E, &w->tgt_emb, NULL);
    if (hp->positions == S2S_POS_LEARNED)
        visit(ctx, "pos_emb", hp->max_positions, d.E, &w->pos_emb, NULL);
    for (int l = 0; l < d.Le; l++) walk_layer("enc", l, 0, &d, &w->tf_enc[l], visit, ctx);
    visit(ctx, "enc.ln.g", d.E, 0, NULL, &w->tf_enc_ln_g);
    visit(ctx, "enc.ln.b", d.E, 0, NULL, &w->tf_enc_ln_b);
    for (int l = 0; l < d.Ld; l++) walk_layer("dec", l, 1, &d, &w->tf_dec[l], visit, ctx);
    visit(ctx, "dec.ln.g", d.E, 0, NULL, &w->tf_dec_ln_g);
    visit(ctx, "dec.ln.b", d.E, 0, NULL, &w->tf_dec_ln_b);
    if (!hp->tie_output) visit(ctx, "out.w", hp->tgt_vocab, d.E, &w->out_w, NULL);
    visit(ctx, "out.b", hp->tgt_vocab, 0, NULL, &w->out_b);
    if (hp->tie_output) w->out_w = w->tgt_emb; /* shared storage, shared gradient */
}

static void set(float *v, float x, int n) {
    for (int i = 0; i < n; i++) v[i] = x;
}

/* LayerNorms start as the identity (gain 1, bias 0), as PyTorch's do. */
static void tf_init(s2s_model *m) {
    tf_dims d = tf_dims_of(&m->hp);
    weights *w = &m->w;
    for (int l = 0; l < d.Le + d.Ld; l++) {
        tf_layer *t = l < d.Le ? &w->tf_enc[l] : &w->tf_dec[l - d.Le];
        set(t->ln_self_g, 1.0f, d.E), set(t->ln_self_b, 0.0f, d.E);
        set(t->ln_ff_g, 1.0f, d.E), set(t->ln_ff_b, 0.0f, d.E);
        if (l >= d.Le) set(t->ln_cross_g, 1.0f, d.E), set(t->ln_cross_b, 0.0f, d.E);
    }
    set(w->tf_enc_ln_g, 1.0f, d.E), set(w->tf_enc_ln_b, 0.0f, d.E);
    set(w->tf_dec_ln_g, 1.0f, d.E), set(w->tf_dec_ln_b, 0.0f, d.E);
}

void tf_embed(float *x, const s2s_model *m, const matrix *table, const int32_t *ids, int T, int B,
              int first) {
    int E = m->hp.emb_dim;
    float scale = sqrtf((float)E);
    size_t N = (size_t)T * (size_t)B;
    embedding_forward(x, table, ids, (int)N);
    for (size_t i = 0; i < N * (size_t)E; i++) x[i] *= scale;
    float pe[S2S_MAX_DIM];
    for (int t = 0; t < T; t++) {
        if (m->hp.positions == S2S_POS_LEARNED)
            matrix_row_f32(pe, &m->w.pos_emb, first + t);
        else
            positions_sinusoidal(pe, first + t, 1, E);
        for (int b = 0; b < B; b++) kernel_axpy(x + ((size_t)t * B + b) * E, 1.0f, pe, E);
    }
}

static int tf_out_dim(const s2s_hparams *hp) { return hp->emb_dim; }

static const matrix *tf_output(const weights *w, float **bias) {
    *bias = w->out_b;
    return &w->out_w;
}

/* The last decoder layer's cross-attention, averaged over its heads. */
static int tf_has_attention(const s2s_hparams *hp) { return 1; }

static void tf_attention_shape(const s2s_hparams *hp, int *dec_layers, int *enc_layers,
                               int *heads) {
    *dec_layers = hp->dec_layers, *enc_layers = hp->layers, *heads = hp->heads;
}

const s2s_arch transformer_arch = {
    .name = "transformer",
    .validate = tf_validate,
    .walk = tf_walk,
    .init = tf_init,
    .out_dim = tf_out_dim,
    .output = tf_output,
    .has_attention = tf_has_attention,
    .attention_shape = tf_attention_shape,
    .encoder_attention = tf_encoder_attention,
    .row_state_bytes = tf_row_state_bytes,
    .begin = tf_begin,
    .step = tf_step,
    .reorder = tf_reorder,
    .train_forward = tf_train_forward,
    .train_backward = tf_train_backward,
};
