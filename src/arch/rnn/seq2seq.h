/*
 * seq2seq.h — the recurrent family (src/arch/rnn/): the network assembled
 * from the layers: encoder over a batch,
 * bridge, and one decoder step over N rows (training sentences or beam
 * hypotheses). Training and inference run the same forward code; training
 * passes a tape that records what the backward passes need.
 *
 * Layouts are time-major: (S, B, ...) for the source side, (N, ...) rows
 * for one decoder step.
 */
#ifndef S2S_SEQ2SEQ_H
#define S2S_SEQ2SEQ_H

#include "../../arch.h"

/* Derived sizes used everywhere in the family. */
typedef struct dims {
    int Vs, Vt, E, He, Hd, L, D, De, G;
    int dec_in0;                        /* E (+ Hd with input feeding) */
} dims;
dims model_dims(const s2s_hparams *hp);

/* ---------------------------------------------------------------- encoder */

typedef struct enc_tape_layer {
    float *x;                /* (S, B, In_l) layer input after dropout */
    float *drop;             /* (S, B, In_l) dropout mask, NULL without dropout */
    float *h[2], *c[2];      /* (S, B, He) per direction, state after each step */
    float *cache[2];         /* (S, B, cell cache) */
} enc_tape_layer;

typedef struct enc_tape {
    enc_tape_layer layer[S2S_MAX_LAYERS];
} enc_tape;

/* The encoder's results. */
typedef struct enc_out {
    float *henc;                      /* (S, B, De), zero at padding */
    float *fin_h[S2S_MAX_LAYERS];     /* (B, De) */
    float *fin_c[S2S_MAX_LAYERS];     /* (B, De), LSTM */
} enc_out;

/* src (S, B) ids time-major, PAD beyond each len. Allocates outputs (and
 * the tape when non-NULL) in `a`. Returns 0 when the arena ran out. */
int encoder_forward(enc_out *out, enc_tape *tape, const s2s_model *m, const int32_t *src,
                    const int32_t *len, int S, int B, float dropout, s2s_rng *rng, arena *a);

/* dhenc (S, B, De) and dfin_h/dfin_c (B, De) per layer (may be NULL) are
 * consumed (overwritten as scratch). Gradients accumulate into g. */
int encoder_backward(weights *g, float *dhenc, float *const *dfin_h, float *const *dfin_c,
                     const enc_tape *tape, const s2s_model *m, const int32_t *src,
                     const int32_t *len, int S, int B, arena *a);

/* ----------------------------------------------------------------- bridge */

/* Initial decoder state (B, Hd) per layer from the encoder's final states. */
void bridge_forward(float *const *h0, float *const *c0, const enc_out *enc, const s2s_model *m,
                    int B);
/* dh0/dc0 (B, Hd) per layer -> dfin_h/dfin_c (B, De) per layer (overwritten). */
void bridge_backward(weights *g, float *const *dfin_h, float *const *dfin_c, float *const *dh0,
                     float *const *dc0, const float *const *h0, const enc_out *enc,
                     const s2s_model *m, int B);

/* ---------------------------------------------------------------- decoder */

/* What a decoder step reads about the encoded batch. */
typedef struct dec_source {
    const float *henc;       /* (S, Bs, De) */
    const float *keys;       /* (S, Bs, K): W_k henc (Bahdanau), W_a henc (general), henc (dot) */
    const int32_t *len;      /* (Bs) */
    int S, Bs;
} dec_source;

/* keys for the attention type, allocated in `a` (or henc itself for dot). */
const float *decoder_keys(const s2s_model *m, const float *henc, int S, int B, arena *a);
int attention_key_size(const s2s_hparams *hp);

/* Recurrent state of N rows; every pointer (N, Hd). o is the previous
 * attentional vector (input feeding). */
typedef struct dec_state {
    float *h[S2S_MAX_LAYERS];
    float *c[S2S_MAX_LAYERS];
    float *o;
} dec_state;

/* What one training step records (all (N, ...)); NULL fields are not needed
 * for the configuration. */
typedef struct dec_tape_step {
    float *x[S2S_MAX_LAYERS];       /* layer inputs (after dropout) */
    float *drop[S2S_MAX_LAYERS];    /* dropout masks of the inputs (emb part for layer 0) */
    float *h_prev[S2S_MAX_LAYERS], *c_prev[S2S_MAX_LAYERS];
    float *cache[S2S_MAX_LAYERS];
    float *q;                       /* (N, K) attention query */
    float *a;                       /* (N, S) attention weights */
    float *cat;                     /* (N, Hd + De) [h; ctx] */
} dec_tape_step;

/* One step for N rows: row r reads source sentence row_src[r] (NULL: r).
 * Updates st in place; st->o becomes this step's output vector (N, Hd).
 * att (N, S) receives the attention weights when non-NULL. */
int decoder_step_forward(dec_state *st, dec_tape_step *tape, float *att, const s2s_model *m,
                         const dec_source *src, const int32_t *row_src, const int32_t *prev,
                         int N, float dropout, s2s_rng *rng, arena *a);

/* Per-step results of the backward pass, (N, ...) each. The trainer lays
 * them out (T, N, ...) so that the weight gradients become one GEMM over
 * all steps. */
typedef struct dec_grad_step {
    float *dxw[S2S_MAX_LAYERS];     /* (N, G*Hd) gradient at W_ih's output */
    float *dhw[S2S_MAX_LAYERS];     /* (N, G*Hd) gradient at W_hh's output */
    float *dpre;                    /* (N, Hd) gradient at W_c's output (attention) */
    float *dq;                      /* (N, Hd) gradient at W_q's output (Bahdanau) */
    float *demb;                    /* (N, E) gradient of the input embeddings */
} dec_grad_step;

/* Backward of one training step (row r reads sentence r). d_o (N, Hd): the
 * gradient of this step's output vector. dh/dc (N, Hd) per layer hold the
 * gradient flowing back from the next step into this step's new states and
 * are replaced by the gradient w.r.t. its previous states. do_prev receives
 * the gradient of the previous output vector (input feeding). dkeys, dhenc
 * (S, N, ...) and dv accumulate. */
int decoder_step_backward(dec_grad_step *gs, float *const *dh, float *const *dc, float *do_prev,
                          float *dkeys, float *dhenc, float *dv, float *d_o,
                          const dec_tape_step *tape, const float *o, const s2s_model *m,
                          const dec_source *src, int N, arena *a);

/* ------------------------------------------------- the family's entry points */

/* Search (rnn_search.c) and training (rnn_train.c) as arch.h describes them. */
size_t rnn_row_state_bytes(const s2s_hparams *hp, int S, int T);
void *rnn_begin(const s2s_model *m, const int32_t *src, const int32_t *len, int S, int n,
                int cap_rows, int max_steps, arena *a);
const float *rnn_step(void *state, float *att, float *heads, const int32_t *row_src,
                      const int32_t *prev, int N, arena *a);
void rnn_reorder(void *state, const int32_t *parent, int n_out);
void *rnn_train_forward(float *O, const s2s_model *m, const packed_batch *b, int record,
                        float dropout, s2s_rng *rng, arena *a);
int rnn_train_backward(weights *g, const float *dO, const float *O, void *tape,
                       const s2s_model *m, const packed_batch *b, arena *a);

#endif /* S2S_SEQ2SEQ_H */
