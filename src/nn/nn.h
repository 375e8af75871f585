/*
 * nn.h — the layer families, each a _forward / _backward pair of free
 * functions (outputs, inputs, weights, dims). Backward functions take
 * d-prefixed pointers and accumulate (+=) into weight gradients.
 *
 * Letters: N rows (batch sentences or beam hypotheses), H hidden, G gates,
 * S source length, K key size, De encoder output size, V vocabulary.
 */
#ifndef S2S_NN_H
#define S2S_NN_H

#include <stddef.h>
#include <stdint.h>
#include "../model.h"
#include "../util.h"

/* --------------------------------------------------------------- arena */

/* A bump allocator for activations, reset once per batch. Requests that
 * overflow the current block open a new 1 MB block, except large ones
 * (a quarter block or more), which get an allocation of their own so that
 * they do not strand the rest of a block; rewinding to a mark frees what
 * was opened after it. At the next reset everything is merged into one
 * block of the most bytes held at once, so steady state is a single
 * allocation reused forever. */
typedef struct arena {
    void **blocks;         /* the last is the one being filled */
    size_t *sizes;
    int n_blocks;
    size_t used;           /* bytes used in the last block */
    void **big;            /* large requests, one allocation each */
    size_t *big_sizes;
    int n_big;
    size_t total, peak;    /* bytes held now; the most held since the last reset */
    int failed;            /* an allocation failed since the last reset */
} arena;

void arena_reset(arena *a);
void arena_release(arena *a);
/* n floats, 32-byte aligned, uninitialised; NULL (and a->failed) when out of memory. */
float *arena_floats(arena *a, size_t n);
float *arena_zeros(arena *a, size_t n);
void *arena_bytes(arena *a, size_t n);
/* Scratch that lives only inside one call: mark, use, rewind. */
typedef struct arena_mark {
    int n_blocks, n_big;
    size_t used;
} arena_mark;
arena_mark arena_get_mark(const arena *a);
void arena_rewind(arena *a, arena_mark mark);

/* -------------------------------------------------------------- linear */

/* Y (N, W.rows) = X (N, W.cols) W^T (+ bias when non-NULL). X rows have
 * stride ldx, Y rows stride ldy. A Q8 matrix uses the int8 kernel, which
 * quantizes X into q8_scratch (kernel_gemm_q8_scratch(N, W.cols) bytes,
 * float-aligned; unused, may be NULL, for f32 matrices). */
void linear_forward(float *Y, int ldy, const float *X, int ldx, const matrix *W, const float *bias,
                    int N, void *q8_scratch);
/* dX (N, cols) += dY W (when dX non-NULL); dW += dY^T X; db += column sums of dY. f32 only. */
void linear_backward(float *dX, int lddx, float *dW, float *db, const float *dY, int lddy,
                     const float *X, int ldx, const matrix *W, int N);

/* ----------------------------------------------------------- embedding */

/* out (N, E) = rows ids of the table. */
void embedding_forward(float *out, const matrix *table, const int32_t *ids, int N);
void embedding_backward(float *dtable, const float *dout, const int32_t *ids, int N, int E);

/* ---------------------------------------------------------------- cells */

/* Gates per cell type: 1 (RNN), 4 (LSTM), 3 (GRU). */
int cell_gates(int cell);
/* Floats per row that cell_forward records for backward. */
int cell_cache_size(int cell, int H);

/* One time step for N rows. xw, hw (N, G*H): W_ih x + b_ih and W_hh h + b_hh.
 * h_prev, c_prev (N, H) (c only for LSTM; may be NULL otherwise). Writes
 * h, c (N, H). Rows with active[n] == 0 carry h_prev/c_prev through
 * unchanged (padding). cache (N, cell_cache_size) may be NULL. */
void cell_forward(float *h, float *c, float *cache, const float *xw, const float *hw,
                  const float *h_prev, const float *c_prev, const uint8_t *active, int cell,
                  int N, int H);

/* Given dh, dc (N, H) (dc may be NULL: zero), writes dxw, dhw (N, G*H),
 * dh_prev (N, H): the part of the gradient that does not pass through W_hh,
 * and dc_prev (N, H) for LSTM. */
void cell_backward(float *dxw, float *dhw, float *dh_prev, float *dc_prev, const float *dh,
                   const float *dc, const float *cache, const float *h_prev, const float *c_prev,
                   const uint8_t *active, int cell, int N, int H);

/* ------------------------------------------------------------ attention */

/* One query row against one sentence's keys. keys: position s at
 * keys + s * key_stride (K floats: Bahdanau W_k h_s, general W_a h_s, dot
 * h_s); values: henc + s * henc_stride (De floats). q is the query
 * (Bahdanau: W_q h_t; otherwise h_t), K floats. Writes a (len) and ctx
 * (De). scratch holds K floats. */
void attention_forward(float *a, float *ctx, const float *q, const float *keys, int key_stride,
                       const float *henc, int henc_stride, const float *v, int type, int len,
                       int K, int De, float *scratch);

/* Backward of one row: dq (K) is overwritten; dkeys, dhenc (strided like
 * the inputs) and dv accumulate. scratch holds 2 * K + len floats. */
void attention_backward(float *dq, float *dkeys, float *dhenc, float *dv, const float *dctx,
                        const float *a, const float *q, const float *keys, int key_stride,
                        const float *henc, int henc_stride, const float *v, int type, int len,
                        int K, int De, float *scratch);

/* ------------------------------------------------- Transformer layers */

#define S2S_LN_EPS 1e-5f /* PyTorch's LayerNorm default */

/* y (N, C) = LayerNorm(x) g + b; mean, rstd (N) are kept for the backward.
 * y may == x. */
void layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *g,
                       const float *b, int N, int C);
/* dx += ..., dg += ..., db += ... (any of them may be NULL). */
void layernorm_backward(float *dx, float *dg, float *db, const float *dy, const float *x,
                        const float *mean, const float *rstd, const float *g, int N, int C);

/* pe (n, d): the sinusoidal encodings of positions first..first+n-1. */
void positions_sinusoidal(float *pe, int first, int n, int d);

/* Multi-head scaled dot-product attention (mha.c), time-major:
 * Q (Tq, B, ldq), K and V (Tk, B, ldk / ldv), head h in columns
 * [h Dh, (h+1) Dh); writes ctx (Tq, B, ldc) in the same head layout and the
 * probabilities P (B, H, Tq, Tk), 0 where masked. Query t of sentence b sees
 * keys j < klen[b] (klen NULL: all Tk) and, when causal, j <= t. */
void mha_forward(float *ctx, int ldc, float *P, const float *Q, int ldq, const float *K, int ldk,
                 const float *V, int ldv, const int32_t *klen, int causal, int Tq, int Tk, int B,
                 int H, int Dh);
/* dQ, dK, dV accumulate (+=), strided like Q, K, V; the masks live in P.
 * scratch holds Tq Tk floats. */
void mha_backward(float *dQ, int lddq, float *dK, int lddk, float *dV, int lddv, const float *dctx,
                  int lddc, const float *P, const float *Q, int ldq, const float *K, int ldk,
                  const float *V, int ldv, int Tq, int Tk, int B, int H, int Dh, float *scratch);
/* One query row q (H Dh) against n cached keys and values, head-major:
 * head h's position j at Kc + (h cap + j) Dh. Writes ctx (H Dh) and the
 * probabilities p (H, n). */
void mha_decode(float *ctx, float *p, const float *q, const float *Kc, const float *Vc, int n,
                int cap, int H, int Dh);

/* y (N, C) = W2 act(W1 x + b1) + b2 (act an s2s_activation); keeps pre
 * (N, F), W1 x + b1, and hid (N, F), act(pre), for the backward. */
void ffn_forward(float *y, float *pre, float *hid, const float *x, const matrix *w1,
                 const float *b1, const matrix *w2, const float *b2, int act, int N,
                 void *q8_scratch);
/* dx (N, C) and the weight gradients accumulate; scratch holds N F floats. */
void ffn_backward(float *dx, float *dw1, float *db1, float *dw2, float *db2, const float *dy,
                  const float *x, const float *pre, const float *hid, const matrix *w1,
                  const matrix *w2, int act, int N, float *scratch);

/* ---------------------------------------------------------------- loss */

/* logits (N, V) become log-probabilities in place. For each row with a
 * target other than PAD: loss += (1-eps)(-logp_y) + eps/V * sum(-logp);
 * dlogits (when non-NULL) = scale * (softmax - target distribution); PAD rows
 * get zero gradient. Returns the summed loss and sets *count to the number
 * of non-PAD rows. */
double loss_forward_backward(float *dlogits, float *logits, const int32_t *targets, int N, int V,
                             float eps, float scale, int *count);

/* --------------------------------------------------------------- dropout */

/* x *= mask where mask[i] is 0 or 1/(1-p), drawn from rng. mask may be
 * NULL when p == 0 (nothing happens). */
void dropout_forward(float *x, float *mask, size_t n, float p, s2s_rng *rng);

/* elementwise helpers */
void vec_mul(float *y, const float *a, size_t n); /* y *= a */

#endif /* S2S_NN_H */
