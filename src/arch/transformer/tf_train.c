/*
 * tf_train.c — the Transformer's layers over whole sequences: the encoder
 * (also the search's, tf_search.c) and the teacher-forced causal decoder,
 * forward with a tape and backward for every parameter but the output
 * layer's, which the trainer owns (arch.h).
 *
 * Every block is x += Drop(f(LN x)) on a residual stream x (N, E), N = T B
 * rows time-major. The tape keeps, per block, the stream entering it, the
 * LayerNorm's output and statistics, what f's backward reads (Q/K/V and
 * probabilities, or the feed-forward's pre-activation) and the dropout mask.
 */
#include <math.h>
#include <string.h>

#include "tf.h"

enum { BLK_SELF, BLK_CROSS, BLK_FF, N_BLK };

typedef struct blk_tape {
    float *xin;          /* (N, E) the stream entering the block */
    float *ln, *mean, *rstd; /* (N, E), (N), (N) */
    float *drop;         /* (N, E) dropout mask of the block's output, NULL without */
    float *qkv;          /* self: (N, 3E); cross: the queries (N, E) */
    float *kv;           /* cross: (S B, 2E) keys and values of the encoder's output */
    float *P;            /* (B, H, Tq, Tk) */
    float *ctx;          /* (N, E) heads' outputs, before w_o */
    float *pre, *hid;    /* ff: (N, F) */
} blk_tape;

typedef struct layer_tape {
    blk_tape blk[N_BLK];
} layer_tape;

/* One side (encoder or decoder) of a forward pass. */
typedef struct side_tape {
    float *x0;           /* (N, E) embedded input after dropout */
    float *drop0;        /* (N, E) its dropout mask or NULL */
    layer_tape layer[S2S_MAX_LAYERS];
    float *xfin, *mean, *rstd; /* the stream entering the final LayerNorm, its statistics */
    float *out;          /* (N, E) the final LayerNorm's output */
} side_tape;

typedef struct tf_tape {
    side_tape enc, dec;
} tf_tape;

/* Buffers of one block for N rows (Tq queries, Tk keys over B sentences). */
static void blk_alloc(blk_tape *t, int kind, const tf_dims *d, int Tq, int Tk, int B, int dropout,
                      arena *a) {
    size_t N = (size_t)Tq * B, E = (size_t)d->E;
    t->xin = arena_floats(a, N * E);
    t->ln = arena_floats(a, N * E);
    t->mean = arena_floats(a, N);
    t->rstd = arena_floats(a, N);
    t->drop = dropout ? arena_floats(a, N * E) : NULL;
    if (kind == BLK_FF) {
        t->pre = arena_floats(a, N * (size_t)d->F);
        t->hid = arena_floats(a, N * (size_t)d->F);
        return;
    }
    t->qkv = arena_floats(a, N * E * (kind == BLK_SELF ? 3 : 1));
    if (kind == BLK_CROSS) t->kv = arena_floats(a, (size_t)Tk * B * 2 * E);
    t->P = arena_floats(a, (size_t)B * d->H * Tq * Tk);
    t->ctx = arena_floats(a, N * E);
}

/* x += Drop(f(LN x)) for one block. klen: the keys' lengths (encoder self
 * and cross), NULL for the decoder's causal self-attention. mem (Tk B, E):
 * the encoder's output for cross-attention. scratch: (N, E). */
static void blk_forward(float *x, blk_tape *t, int kind, const tf_layer *w, const tf_dims *d,
                        const float *mem, const int32_t *klen, int Tq, int Tk, int B,
                        float dropout, s2s_rng *rng, float *scratch, void *xq) {
    int N = Tq * B, E = d->E;
    size_t NE = (size_t)N * E;
    const float *g = kind == BLK_SELF ? w->ln_self_g : kind == BLK_CROSS ? w->ln_cross_g : w->ln_ff_g;
    const float *bb = kind == BLK_SELF ? w->ln_self_b : kind == BLK_CROSS ? w->ln_cross_b : w->ln_ff_b;
    memcpy(t->xin, x, sizeof(float) * NE);
    layernorm_forward(t->ln, t->mean, t->rstd, x, g, bb, N, E);
    float *o = scratch;
    if (kind == BLK_SELF) {
        linear_forward(t->qkv, 3 * E, t->ln, E, &w->self_qkv, w->self_bqkv, N, xq);
        mha_forward(t->ctx, E, t->P, t->qkv, 3 * E, t->qkv + E, 3 * E, t->qkv + 2 * E, 3 * E, klen,
                    klen == NULL, Tq, Tq, B, d->H, d->Dh);
        linear_forward(o, E, t->ctx, E, &w->self_o, w->self_bo, N, xq);
    } else if (kind == BLK_CROSS) {
        linear_forward(t->qkv, E, t->ln, E, &w->cross_q, w->cross_bq, N, xq);
        linear_forward(t->kv, 2 * E, mem, E, &w->cross_kv, w->cross_bkv, Tk * B, xq);
        mha_forward(t->ctx, E, t->P, t->qkv, E, t->kv, 2 * E, t->kv + E, 2 * E, klen, 0, Tq, Tk, B,
                    d->H, d->Dh);
        linear_forward(o, E, t->ctx, E, &w->cross_o, w->cross_bo, N, xq);
    } else {
        ffn_forward(o, t->pre, t->hid, t->ln, &w->ff_w1, w->ff_b1, &w->ff_w2, w->ff_b2, d->act, N,
                    xq);
    }
    dropout_forward(o, t->drop, NE, dropout, rng);
    kernel_axpy(x, 1.0f, o, (int)NE);
}

/* Given dx (N, E), the gradient at the block's output stream, adds the
 * gradient through f into dx and accumulates f's and the LayerNorm's weight
 * gradients; cross-attention adds into dmem (Tk B, E). */
static int blk_backward(float *dx, float *dmem, tf_layer *gw, const blk_tape *t, int kind,
                        const tf_layer *w, const tf_dims *d, const float *mem, int Tq, int Tk,
                        int B, arena *a) {
    int N = Tq * B, E = d->E;
    size_t NE = (size_t)N * E;
    arena_mark mark = arena_get_mark(a);
    float *dO = arena_floats(a, NE), *dln = arena_zeros(a, NE);
    float *scratch = arena_floats(a, kind == BLK_FF ? (size_t)N * d->F : (size_t)Tq * Tk);
    float *dctx = kind == BLK_FF ? NULL : arena_zeros(a, NE);
    float *dq = kind == BLK_FF ? NULL : arena_zeros(a, NE * (kind == BLK_SELF ? 3 : 1));
    float *dkv = kind == BLK_CROSS ? arena_zeros(a, (size_t)Tk * B * 2 * E) : NULL;
    if (a->failed) return 0;
    memcpy(dO, dx, sizeof(float) * NE);
    if (t->drop) vec_mul(dO, t->drop, NE);
    const float *g;
    float *dg, *db;
    if (kind == BLK_SELF) {
        linear_backward(dctx, E, gw->self_o.f, gw->self_bo, dO, E, t->ctx, E, &w->self_o, N);
        mha_backward(dq, 3 * E, dq + E, 3 * E, dq + 2 * E, 3 * E, dctx, E, t->P, t->qkv, 3 * E,
                     t->qkv + E, 3 * E, t->qkv + 2 * E, 3 * E, Tq, Tq, B, d->H, d->Dh, scratch);
        linear_backward(dln, E, gw->self_qkv.f, gw->self_bqkv, dq, 3 * E, t->ln, E, &w->self_qkv, N);
        g = w->ln_self_g, dg = gw->ln_self_g, db = gw->ln_self_b;
    } else if (kind == BLK_CROSS) {
        linear_backward(dctx, E, gw->cross_o.f, gw->cross_bo, dO, E, t->ctx, E, &w->cross_o, N);
        mha_backward(dq, E, dkv, 2 * E, dkv + E, 2 * E, dctx, E, t->P, t->qkv, E, t->kv, 2 * E,
                     t->kv + E, 2 * E, Tq, Tk, B, d->H, d->Dh, scratch);
        linear_backward(dln, E, gw->cross_q.f, gw->cross_bq, dq, E, t->ln, E, &w->cross_q, N);
        linear_backward(dmem, E, gw->cross_kv.f, gw->cross_bkv, dkv, 2 * E, mem, E, &w->cross_kv,
                        Tk * B);
        g = w->ln_cross_g, dg = gw->ln_cross_g, db = gw->ln_cross_b;
    } else {
        ffn_backward(dln, gw->ff_w1.f, gw->ff_b1, gw->ff_w2.f, gw->ff_b2, dO, t->ln, t->pre, t->hid,
                     &w->ff_w1, &w->ff_w2, d->act, N, scratch);
        g = w->ln_ff_g, dg = gw->ln_ff_g, db = gw->ln_ff_b;
    }
    layernorm_backward(dx, dg, db, dln, t->xin, t->mean, t->rstd, g, N, E);
    arena_rewind(a, mark);
    return 1;
}

/* The embedded input and every layer of one side, then its final LayerNorm
 * into st->out. Encoder: ids (S, B) with klen; decoder: ids (T, B) causal,
 * reading mem (S B, E) with klen. With record == 0 the layers share one set
 * of buffers. */
static int side_forward(side_tape *st, const s2s_model *m, int dec, const int32_t *ids, int T,
                        int B, const float *mem, const int32_t *klen, int S, int record,
                        float dropout, s2s_rng *rng, arena *a) {
    tf_dims d = tf_dims_of(&m->hp);
    int L = dec ? d.Ld : d.Le, N = T * B, drop = dropout > 0.0f;
    size_t NE = (size_t)N * d.E;
    const tf_layer *lw = dec ? m->w.tf_dec : m->w.tf_enc;
    float *x = arena_floats(a, NE), *scratch = arena_floats(a, NE);
    /* int8 weights (search only) quantize activation rows: S B rows of E or F */
    int rows = dec ? (T > S ? T : S) * B : N, width = d.F > d.E ? d.F : d.E;
    void *xq = m->n_qbytes ? arena_bytes(a, kernel_gemm_q8_scratch(rows, width)) : NULL;
    st->x0 = record ? arena_floats(a, NE) : NULL;
    st->drop0 = drop ? arena_floats(a, NE) : NULL;
    st->xfin = arena_floats(a, NE);
    st->mean = arena_floats(a, (size_t)N);
    st->rstd = arena_floats(a, (size_t)N);
    st->out = arena_floats(a, NE);
    for (int l = 0; l < L; l++)
        for (int k = 0; k < N_BLK; k++) {
            if (k == BLK_CROSS && !dec) continue;
            if (record || l == 0)
                blk_alloc(&st->layer[l].blk[k], k, &d, T, k == BLK_CROSS ? S : T, B, drop, a);
            else
                st->layer[l].blk[k] = st->layer[0].blk[k];
        }
    if (a->failed) return 0;
    tf_embed(x, m, dec ? &m->w.tgt_emb : &m->w.src_emb, ids, T, B, 0);
    dropout_forward(x, st->drop0, NE, dropout, rng);
    if (st->x0) memcpy(st->x0, x, sizeof(float) * NE);
    for (int l = 0; l < L; l++)
        for (int k = 0; k < N_BLK; k++) {
            if (k == BLK_CROSS && !dec) continue;
            const int32_t *kl = k == BLK_SELF ? (dec ? NULL : klen) : klen;
            blk_forward(x, &st->layer[l].blk[k], k, &lw[l], &d, mem, kl, T, k == BLK_CROSS ? S : T,
                        B, dropout, rng, scratch, xq);
        }
    memcpy(st->xfin, x, sizeof(float) * NE);
    layernorm_forward(st->out, st->mean, st->rstd, x, dec ? m->w.tf_dec_ln_g : m->w.tf_enc_ln_g,
                      dec ? m->w.tf_dec_ln_b : m->w.tf_enc_ln_b, N, d.E);
    return 1;
}

/* dout (N, E) at the side's output -> every gradient of the side; the
 * decoder adds its cross-attention's share into dmem. */
static int side_backward(weights *g, float *dmem, const float *dout, const side_tape *st,
                         const s2s_model *m, int dec, const int32_t *ids, int T, int B,
                         const float *mem, int S, arena *a) {
    tf_dims d = tf_dims_of(&m->hp);
    int L = dec ? d.Ld : d.Le, N = T * B;
    size_t NE = (size_t)N * d.E;
    const tf_layer *lw = dec ? m->w.tf_dec : m->w.tf_enc;
    tf_layer *gl = dec ? g->tf_dec : g->tf_enc;
    float *dx = arena_zeros(a, NE);
    if (!dx) return 0;
    layernorm_backward(dx, dec ? g->tf_dec_ln_g : g->tf_enc_ln_g,
                       dec ? g->tf_dec_ln_b : g->tf_enc_ln_b, dout, st->xfin, st->mean, st->rstd,
                       dec ? m->w.tf_dec_ln_g : m->w.tf_enc_ln_g, N, d.E);
    for (int l = L - 1; l >= 0; l--)
        for (int k = N_BLK - 1; k >= 0; k--) {
            if (k == BLK_CROSS && !dec) continue;
            if (!blk_backward(dx, dmem, &gl[l], &st->layer[l].blk[k], k, &lw[l], &d, mem, T,
                              k == BLK_CROSS ? S : T, B, a))
                return 0;
        }
    /* x0 = Drop(sqrt(E) emb + pos) */
    if (st->drop0) vec_mul(dx, st->drop0, NE);
    if (m->hp.positions == S2S_POS_LEARNED)
        for (int t = 0; t < T; t++)
            for (int b = 0; b < B; b++)
                kernel_axpy(g->pos_emb.f + (size_t)t * d.E, 1.0f, dx + ((size_t)t * B + b) * d.E, d.E);
    float scale = sqrtf((float)d.E);
    for (size_t i = 0; i < NE; i++) dx[i] *= scale;
    embedding_backward(dec ? g->tgt_emb.f : g->src_emb.f, dx, ids, N, d.E);
    return 1;
}

/* The search's encoder: *out (S, B, E) is the encoder's output. */
int tf_encode(float **out, const s2s_model *m, const int32_t *src, const int32_t *len, int S, int B,
              arena *a) {
    side_tape *st = arena_bytes(a, sizeof *st);
    if (!st || !side_forward(st, m, 0, src, S, B, NULL, len, S, 0, 0.0f, NULL, a)) return 0;
    *out = st->out;
    return 1;
}

/* The encoder once more for one sentence, with a tape so each layer keeps
 * its probabilities (record == 0 shares one buffer between layers). */
int tf_encoder_attention(float *out, const s2s_model *m, const int32_t *src, int len, arena *a) {
    tf_dims d = tf_dims_of(&m->hp);
    int32_t klen[1] = {len};
    arena_mark mark = arena_get_mark(a);
    side_tape *st = arena_bytes(a, sizeof *st);
    if (!st || !side_forward(st, m, 0, src, len, 1, NULL, klen, len, 1, 0.0f, NULL, a)) return 0;
    size_t per_layer = (size_t)d.H * len * len; /* P is (B = 1, H, len, len) */
    for (int l = 0; l < d.Le; l++)
        memcpy(out + (size_t)l * per_layer, st->layer[l].blk[BLK_SELF].P, sizeof(float) * per_layer);
    arena_rewind(a, mark);
    return 1;
}

void *tf_train_forward(float *O, const s2s_model *m, const packed_batch *b, int record,
                       float dropout, s2s_rng *rng, arena *a) {
    tf_tape *tp = arena_bytes(a, sizeof *tp);
    if (!tp) return NULL;
    memset(tp, 0, sizeof *tp);
    if (!side_forward(&tp->enc, m, 0, b->src, b->S, b->B, NULL, b->len, b->S, record, dropout, rng,
                      a) ||
        !side_forward(&tp->dec, m, 1, b->dec_in, b->T, b->B, tp->enc.out, b->len, b->S, record,
                      dropout, rng, a))
        return NULL;
    memcpy(O, tp->dec.out, sizeof(float) * (size_t)b->T * b->B * m->hp.emb_dim);
    return tp;
}

int tf_train_backward(weights *g, const float *dO, const float *O, void *tape, const s2s_model *m,
                      const packed_batch *b, arena *a) {
    (void)O;
    const tf_tape *tp = tape;
    float *dmem = arena_zeros(a, (size_t)b->S * b->B * m->hp.emb_dim);
    if (!dmem) return 0;
    return side_backward(g, dmem, dO, &tp->dec, m, 1, b->dec_in, b->T, b->B, tp->enc.out, b->S, a) &&
           side_backward(g, NULL, dmem, &tp->enc, m, 0, b->src, b->S, b->B, NULL, b->S, a);
}
