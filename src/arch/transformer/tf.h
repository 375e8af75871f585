/*
 * tf.h — the Transformer family (src/arch/transformer/): a pre-norm
 * encoder-decoder. Encoder layer: x += Drop(SelfAtt(LN1 x)); x += Drop(FF(LN2 x));
 * decoder layer: y += Drop(CausalSelfAtt(LN1 y)); y += Drop(CrossAtt(LN2 y, enc));
 * y += Drop(FF(LN3 y)); each side ends in a LayerNorm. Inputs are
 * sqrt(E) emb + pos (sinusoidal or learned), dropped out.
 *
 * Letters: B sentences, S source length, T decoder steps, E model width,
 * H heads, Dh = E / H, F feed-forward width, N rows.
 */
#ifndef S2S_TF_H
#define S2S_TF_H

#include "../../arch.h"

typedef struct tf_dims {
    int E, H, Dh, F, Le, Ld, act;
} tf_dims;

static inline tf_dims tf_dims_of(const s2s_hparams *hp) {
    tf_dims d = {hp->emb_dim, hp->heads, hp->heads ? hp->emb_dim / hp->heads : 0, hp->ff_dim,
                 hp->layers, hp->dec_layers, hp->activation};
    return d;
}

/* x (T, B, E) = sqrt(E) table[ids] + the encoding of position first + t
 * (ids (T, B) time-major). */
void tf_embed(float *x, const s2s_model *m, const matrix *table, const int32_t *ids, int T, int B,
              int first);

/* The encoder without a tape: *out (S, B, E), in `a`. 0 when out of memory. */
int tf_encode(float **out, const s2s_model *m, const int32_t *src, const int32_t *len, int S, int B,
              arena *a);

size_t tf_row_state_bytes(const s2s_hparams *hp, int S, int T);
void *tf_begin(const s2s_model *m, const int32_t *src, const int32_t *len, int S, int n,
               int cap_rows, int max_steps, arena *a);
const float *tf_step(void *state, float *att, float *heads, const int32_t *row_src,
                     const int32_t *prev, int N, arena *a);
/* One sentence's encoder self-attention: out (Le, H, len, len). 0 when out of memory. */
int tf_encoder_attention(float *out, const s2s_model *m, const int32_t *src, int len, arena *a);
void tf_reorder(void *state, const int32_t *parent, int n_out);
void *tf_train_forward(float *O, const s2s_model *m, const packed_batch *b, int record,
                       float dropout, s2s_rng *rng, arena *a);
int tf_train_backward(weights *g, const float *dO, const float *O, void *tape, const s2s_model *m,
                      const packed_batch *b, arena *a);

#endif /* S2S_TF_H */
