/*
 * model.h — what a model is inside the engine: hyper-parameters, the flat
 * parameter layout, and typed views of the weights that the layers use.
 *
 * Layout: every tensor of docs/architecture.md, in table order, lives in one
 * contiguous f32 buffer (or, for quantized matrices, one int8 buffer).
 * model_walk() is the single place that knows that order; everything that
 * needs the layout (allocation, binding gradients and Adam moments, saving,
 * loading, quantizing) goes through it.
 */
#ifndef S2S_MODEL_H
#define S2S_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "s2s.h"
#include "kernels.h"
#include "tokenizer.h"
#include "shortlist.h"

/* A weight matrix (rows, cols) mapping cols -> rows; exactly one of f / q is set. */
typedef struct matrix {
    float *f;              /* (rows, cols) f32 */
    float *qscale;         /* int8: (rows) scales, and right after them in memory... */
    int8_t *q;             /* ...(rows, cols) int8: the file's Q8 tensor as it is */
    int rows, cols;
} matrix;

/* One RNN layer in one direction, PyTorch's weight_ih / weight_hh / biases. */
typedef struct rnn_weights {
    matrix w_ih;           /* (G*H, In) */
    matrix w_hh;           /* (G*H, H) */
    float *b_ih, *b_hh;    /* (G*H) */
} rnn_weights;

/* One pre-norm Transformer layer (src/arch/transformer/); the encoder's
 * leave the cross-attention and its LayerNorm unset. */
typedef struct tf_layer {
    float *ln_self_g, *ln_self_b;       /* (E) before self-attention: ln1 */
    matrix self_qkv;                    /* (3E, E) packed Q, K, V */
    float *self_bqkv;                   /* (3E) */
    matrix self_o;                      /* (E, E) */
    float *self_bo;                     /* (E) */
    float *ln_cross_g, *ln_cross_b;     /* (E) before cross-attention: decoder ln2 */
    matrix cross_q;                     /* (E, E) */
    float *cross_bq;                    /* (E) */
    matrix cross_kv;                    /* (2E, E) packed K, V of the encoder's output */
    float *cross_bkv;                   /* (2E) */
    matrix cross_o;                     /* (E, E) */
    float *cross_bo;                    /* (E) */
    float *ln_ff_g, *ln_ff_b;           /* (E) before the feed-forward: ln2 / decoder ln3 */
    matrix ff_w1;                       /* (F, E) */
    float *ff_b1;                       /* (F) */
    matrix ff_w2;                       /* (E, F) */
    float *ff_b2;                       /* (E) */
} tf_layer;

/* The weights of a model, as slots the layers read: the RNN family's
 * (src/arch/rnn/), then the Transformer's; a family leaves the other's
 * slots unset. src_emb, tgt_emb, out_w and out_b serve both. */
typedef struct weights {
    matrix src_emb;                     /* (Vs, E) */
    matrix tgt_emb;                     /* (Vt, E) */
    rnn_weights enc[S2S_MAX_LAYERS][2]; /* [layer][fwd, bwd] */
    matrix bridge_wh[S2S_MAX_LAYERS];   /* (Hd, De) */
    float *bridge_bh[S2S_MAX_LAYERS];   /* (Hd) */
    matrix bridge_wc[S2S_MAX_LAYERS];   /* (Hd, De), LSTM */
    float *bridge_bc[S2S_MAX_LAYERS];   /* (Hd), LSTM */
    rnn_weights dec[S2S_MAX_LAYERS];
    matrix att_wq, att_wk;              /* Bahdanau (Hd, Hd), (Hd, De) */
    float *att_v;                       /* Bahdanau (Hd) */
    matrix att_wa;                      /* Luong general (Hd, De) */
    matrix out_wc;                      /* (Hd, Hd + De), with attention */
    matrix out_w;                       /* (Vt, Hd); aliases tgt_emb when tied */
    float *out_b;                       /* (Vt) */
    matrix pos_emb;                     /* (P, E), learned positions */
    tf_layer tf_enc[S2S_MAX_LAYERS], tf_dec[S2S_MAX_LAYERS];
    float *tf_enc_ln_g, *tf_enc_ln_b;   /* (E) the encoder's final LayerNorm */
    float *tf_dec_ln_g, *tf_dec_ln_b;   /* (E) the decoder's final LayerNorm */
} weights;

/* Visit every tensor of the layout in order (the family's walk, arch.h). For a matrix `m` is set and
 * cols > 0; for a vector `v` is set and cols == 0. The slots point into the
 * given weights struct, so a visitor can bind them to a buffer. */
typedef void (*model_visit_fn)(void *ctx, const char *name, int rows, int cols, matrix *m,
                               float **v);
void model_walk(const s2s_hparams *hp, weights *w, model_visit_fn visit, void *ctx);

/* Bind every slot of w to consecutive f32 storage starting at base (which
 * must hold model_param_count floats). Used for parameters, gradients and
 * Adam moments alike. */
void weights_bind_f32(weights *w, const s2s_hparams *hp, float *base);
size_t model_param_count(const s2s_hparams *hp);

typedef struct meta_entry {
    char *key, *value;
} meta_entry;

struct s2s_model {
    s2s_hparams hp;
    weights w;
    float *params;          /* f32 storage; for a quantized model only its f32 tensors */
    size_t n_params;        /* floats in params */
    uint8_t *qparams;       /* Q8 storage; NULL when f32 or when the Q8 tensors live in `file` */
    size_t n_qbytes;        /* bytes of Q8 tensors in the model, wherever they are stored */
    uint8_t *file;          /* the file bytes Q8 tensors point into (s2s_model_load_owned) */
    tokenizer *tok;         /* NULL when the model carries no vocabulary */
    meta_entry *meta;
    int n_meta;
    shortlist *sl;          /* NULL when the model carries no lexical shortlist */
};

/* True when the matrix is stored as int8 (s2s_model_quantize). */
static inline int matrix_is_q8(const matrix *m) { return m->q != NULL; }

/* Bytes of a Q8 matrix: rows f32 scales, then rows x cols int8. */
static inline size_t q8_matrix_bytes(int rows, int cols) {
    return (size_t)rows * sizeof(float) + (size_t)rows * (size_t)cols;
}

/* Makes m the Q8 matrix stored at `bytes` (float-aligned, q8_matrix_bytes long). */
static inline void q8_matrix_bind(matrix *m, uint8_t *bytes, int rows, int cols) {
    m->f = NULL;
    m->qscale = (float *)(void *)bytes;
    m->q = (int8_t *)(bytes + (size_t)rows * sizeof(float));
    m->rows = rows;
    m->cols = cols;
}

/* One row of an embedding matrix as f32 (dequantized when Q8). */
void matrix_row_f32(float *out, const matrix *m, int row);

#endif /* S2S_MODEL_H */
