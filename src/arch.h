/*
 * arch.h — the seam between a model family and the family-free parts of the
 * engine. A family (today only the RNN, src/arch/rnn/) supplies its
 * hyper-parameter rules, its tensor layout, and the network: begin / step /
 * reorder for the search (search.c), forward / backward for the trainer
 * (train.c). The search owns tokens, scores, limits, selection, backtracking
 * and results; the trainer owns packing, the output layer, the loss,
 * clipping, Adam and checkpoints. Both see a family only through s2s_arch,
 * so a second family adds a table here, not a switch in them.
 *
 * Letters: B sentences, S source length, T decoder steps, N rows (sentences
 * or beam hypotheses), O the width of the vector the output layer reads.
 */
#ifndef S2S_ARCH_H
#define S2S_ARCH_H

#include "model.h"
#include "nn/nn.h"

/* A training batch packed time-major by the trainer. */
typedef struct packed_batch {
    const int32_t *src;    /* (S, B) ids, PAD past each length */
    const int32_t *len;    /* (B) source lengths */
    const int32_t *dec_in; /* (T, B) SOS then the target, PAD past its end */
    int S, T, B;
} packed_batch;

typedef struct s2s_arch {
    const char *name; /* the architecture enum's name, "rnn" */

    /* ------------------------------------------------------------- model */
    /* The family's own rules; the ranges of the key table are already checked. */
    s2s_status (*validate)(const s2s_hparams *hp, s2s_error *err);
    /* Every tensor in file order (model_walk's contract, model.h). */
    void (*walk)(const s2s_hparams *hp, weights *w, model_visit_fn visit, void *ctx);
    /* O: the width of the vectors step and train_forward hand to the output layer. */
    int (*out_dim)(const s2s_hparams *hp);
    /* The output layer's (Vt, O) matrix and (Vt) bias in w (a model's weights
     * or a trainer's gradients). */
    const matrix *(*output)(const weights *w, float **bias);
    /* Optional: adjusts s2s_model_init's uniform draw (LayerNorm gains 1,
     * biases 0). NULL leaves it as drawn. */
    void (*init)(s2s_model *m);
    /* Whether step produces one attention row (S floats) per row. */
    int (*has_attention)(const s2s_hparams *hp);
    /* Optional (NULL: none, as the RNN): the attention a family can show
     * per layer and head: its decoder's cross-attention layers, its
     * encoder's self-attention layers and the heads of each. */
    void (*attention_shape)(const s2s_hparams *hp, int *dec_layers, int *enc_layers, int *heads);
    /* Optional with attention_shape: one sentence's encoder self-attention,
     * out (enc_layers, heads, len, len). 0 when out of memory. */
    int (*encoder_attention)(float *out, const s2s_model *m, const int32_t *src, int len, arena *a);

    /* ------------------------------------------------------------ search */
    /* Bytes of search state one live row holds for a source of at most S
     * tokens and at most T steps (both bounded by S2S_MAX_SEQ_LEN); the
     * search sizes each chunk by its longest source and most steps. */
    size_t (*row_state_bytes)(const s2s_hparams *hp, int S, int T);
    /* Encodes n sentences (src (S, n) time-major, PAD past len) and returns
     * the state of up to cap_rows rows, row i < n starting sentence i, for at
     * most max_steps steps; all in `a`, and `len` must outlive it. NULL when
     * out of memory. */
    void *(*begin)(const s2s_model *m, const int32_t *src, const int32_t *len, int S, int n,
                   int cap_rows, int max_steps, arena *a);
    /* One step for N rows: row r reads sentence row_src[r] (NULL: r) and
     * feeds token prev[r]. Returns the (N, O) vectors for the output layer,
     * valid until the next step or reorder; att (N, S) receives attention
     * when non-NULL, heads (N, dec_layers, heads, S) every layer's and head's
     * cross-attention when non-NULL (families with attention_shape only).
     * NULL when out of memory. Scratch ends with the step. */
    const float *(*step)(void *state, float *att, float *heads, const int32_t *row_src,
                         const int32_t *prev, int N, arena *a);
    /* Row o of the state becomes old row parent[o], for o < n_out. */
    void (*reorder)(void *state, const int32_t *parent, int n_out);

    /* ---------------------------------------------------------- training */
    /* Teacher-forced forward over b: writes O (T, B, O) and, with `record`,
     * returns a tape (in `a`) for train_backward; otherwise any non-NULL
     * pointer. NULL when out of memory. dropout applies inside the family
     * (its embeddings and layers); the trainer drops out O itself. */
    void *(*train_forward)(float *O, const s2s_model *m, const packed_batch *b, int record,
                           float dropout, s2s_rng *rng, arena *a);
    /* Given dO (T, B, O) and the O train_forward wrote, accumulates every
     * gradient except the output layer's into g. 0 when out of memory. */
    int (*train_backward)(weights *g, const float *dO, const float *O, void *tape,
                          const s2s_model *m, const packed_batch *b, arena *a);
} s2s_arch;

/* The family of hp->architecture (which s2s_hparams_validate has checked). */
const s2s_arch *arch_of(const s2s_hparams *hp);

extern const s2s_arch rnn_arch;
extern const s2s_arch transformer_arch;

#endif /* S2S_ARCH_H */
