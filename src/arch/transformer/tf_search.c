/*
 * tf_search.c — the Transformer's side of the search (arch.h). begin
 * encodes the sentences and projects each decoder layer's cross-attention
 * keys and values once per sentence; rows of a sentence (its beams) read
 * them through row_src and nothing of them is copied. Each row keeps its
 * own self-attention keys and values, head-major (row, H, max_steps, Dh),
 * so a step computes only the new position and attends over the cached
 * ones; a reorder moves, in place, the t cached positions of each row
 * whose parent is another row.
 *
 * The attention a step reports is the last decoder layer's cross-attention
 * averaged over its heads; on request also every layer's and head's.
 */
#include <string.h>

#include "tf.h"

typedef struct tf_search {
    const s2s_model *m;
    tf_dims d;
    const int32_t *len;                /* (n) source lengths */
    int S, cap, Tcap, t;               /* t: positions cached (steps taken) */
    float *ck[S2S_MAX_LAYERS], *cv[S2S_MAX_LAYERS]; /* (n, H, S, Dh) cross keys, values */
    float *sk[S2S_MAX_LAYERS], *sv[S2S_MAX_LAYERS]; /* (cap, H, Tcap, Dh) self keys, values */
    float *nk[S2S_MAX_LAYERS], *nv[S2S_MAX_LAYERS]; /* reorder's saved rows, (cap, H, Tcap, Dh) */
    uint8_t *read;                     /* (cap) reorder: whether a moved row reads it */
    float *out;                        /* (cap, E) the last step's output */
} tf_search;

/* Per row: the self-attention cache of T steps twice (state and reorder's
 * saved rows), a sentence's cross keys and values for S tokens (counted per
 * row: a sentence has at least one row), the output row and the step's
 * scratch. */
size_t tf_row_state_bytes(const s2s_hparams *hp, int S, int T) {
    tf_dims d = tf_dims_of(hp);
    size_t per_layer = (size_t)2 * 2 * T * d.E + (size_t)2 * S * d.E;
    size_t scratch = (size_t)9 * d.E + (size_t)2 * d.F + (size_t)d.H * (T > S ? T : S);
    return sizeof(float) * ((size_t)d.Ld * per_layer + scratch);
}

void *tf_begin(const s2s_model *m, const int32_t *src, const int32_t *len, int S, int n,
               int cap_rows, int max_steps, arena *a) {
    tf_search *s = arena_bytes(a, sizeof *s);
    if (!s) return NULL;
    memset(s, 0, sizeof *s);
    tf_dims d = tf_dims_of(&m->hp);
    *s = (tf_search){.m = m, .d = d, .len = len, .S = S, .cap = cap_rows, .Tcap = max_steps};
    size_t self = (size_t)cap_rows * d.H * max_steps * d.Dh, cross = (size_t)n * d.H * S * d.Dh;
    for (int l = 0; l < d.Ld; l++) {
        s->ck[l] = arena_floats(a, cross);
        s->cv[l] = arena_floats(a, cross);
        s->sk[l] = arena_floats(a, self);
        s->sv[l] = arena_floats(a, self);
        s->nk[l] = arena_floats(a, self);
        s->nv[l] = arena_floats(a, self);
    }
    s->out = arena_floats(a, (size_t)cap_rows * d.E);
    s->read = arena_bytes(a, (size_t)cap_rows);
    if (a->failed) return NULL;
    /* the encoder and the projections are scratch once the cross cache is filled */
    arena_mark mark = arena_get_mark(a);
    float *mem, *kv = NULL;
    size_t SN = (size_t)S * n;
    void *xq = NULL;
    if (!tf_encode(&mem, m, src, len, S, n, a) || !(kv = arena_floats(a, SN * 2 * d.E)) ||
        (m->n_qbytes && !(xq = arena_bytes(a, kernel_gemm_q8_scratch((int)SN, d.E)))))
        return NULL;
    for (int l = 0; l < d.Ld; l++) {
        const tf_layer *w = &m->w.tf_dec[l];
        linear_forward(kv, 2 * d.E, mem, d.E, &w->cross_kv, w->cross_bkv, (int)SN, xq);
        for (int i = 0; i < n; i++)
            for (int h = 0; h < d.H; h++)
                for (int p = 0; p < S; p++) {
                    const float *row = kv + ((size_t)p * n + i) * 2 * d.E + (size_t)h * d.Dh;
                    size_t at = (((size_t)i * d.H + h) * S + p) * d.Dh;
                    memcpy(s->ck[l] + at, row, sizeof(float) * d.Dh);
                    memcpy(s->cv[l] + at, row + d.E, sizeof(float) * d.Dh);
                }
    }
    arena_rewind(a, mark);
    return s;
}

const float *tf_step(void *state, float *att, float *heads, const int32_t *row_src,
                     const int32_t *prev, int N, arena *a) {
    tf_search *s = state;
    const s2s_model *m = s->m;
    tf_dims d = s->d;
    int E = d.E, t = s->t, Tc = s->Tcap, S = s->S;
    size_t NE = (size_t)N * E, NF = (size_t)N * d.F;
    if (t >= Tc || N > s->cap) return NULL; /* the search never steps past begin's bounds */
    arena_mark mark = arena_get_mark(a);
    float *x = arena_floats(a, NE), *ln = arena_floats(a, NE), *qkv = arena_floats(a, 3 * NE);
    float *ctx = arena_floats(a, NE), *o = arena_floats(a, NE), *pre = arena_floats(a, NF);
    float *hid = arena_floats(a, NF), *p = arena_floats(a, (size_t)d.H * (Tc > S ? Tc : S));
    void *xq = m->n_qbytes ? arena_bytes(a, kernel_gemm_q8_scratch(N, d.F > E ? d.F : E)) : NULL;
    if (a->failed) {
        arena_rewind(a, mark);
        return NULL;
    }
    tf_embed(x, m, &m->w.tgt_emb, prev, 1, N, t);
    size_t row_self = (size_t)d.H * Tc * d.Dh, row_cross = (size_t)d.H * S * d.Dh;
    for (int l = 0; l < d.Ld; l++) {
        const tf_layer *w = &m->w.tf_dec[l];
        /* causal self-attention: cache this position's key and value, attend over 0..t */
        layernorm_forward(ln, NULL, NULL, x, w->ln_self_g, w->ln_self_b, N, E);
        linear_forward(qkv, 3 * E, ln, E, &w->self_qkv, w->self_bqkv, N, xq);
        for (int r = 0; r < N; r++) {
            float *Kr = s->sk[l] + (size_t)r * row_self, *Vr = s->sv[l] + (size_t)r * row_self;
            const float *q = qkv + (size_t)r * 3 * E;
            for (int h = 0; h < d.H; h++) {
                size_t at = ((size_t)h * Tc + t) * d.Dh;
                memcpy(Kr + at, q + E + (size_t)h * d.Dh, sizeof(float) * d.Dh);
                memcpy(Vr + at, q + 2 * E + (size_t)h * d.Dh, sizeof(float) * d.Dh);
            }
            mha_decode(ctx + (size_t)r * E, p, q, Kr, Vr, t + 1, Tc, d.H, d.Dh);
        }
        linear_forward(o, E, ctx, E, &w->self_o, w->self_bo, N, xq);
        kernel_axpy(x, 1.0f, o, (int)NE);
        /* cross-attention over the row's sentence */
        layernorm_forward(ln, NULL, NULL, x, w->ln_cross_g, w->ln_cross_b, N, E);
        linear_forward(qkv, E, ln, E, &w->cross_q, w->cross_bq, N, xq);
        for (int r = 0; r < N; r++) {
            int i = row_src ? row_src[r] : r, n = s->len[i];
            mha_decode(ctx + (size_t)r * E, p, qkv + (size_t)r * E, s->ck[l] + (size_t)i * row_cross,
                       s->cv[l] + (size_t)i * row_cross, n, S, d.H, d.Dh);
            if (att && l == d.Ld - 1) {
                float *ar = att + (size_t)r * S;
                memset(ar, 0, sizeof(float) * S);
                for (int h = 0; h < d.H; h++) kernel_axpy(ar, 1.0f / (float)d.H, p + (size_t)h * n, n);
            }
            if (heads) /* the same probabilities, each head's row; only n of S are read */
                for (int h = 0; h < d.H; h++)
                    memcpy(heads + (((size_t)r * d.Ld + l) * d.H + h) * S, p + (size_t)h * n,
                           sizeof(float) * (size_t)n);
        }
        linear_forward(o, E, ctx, E, &w->cross_o, w->cross_bo, N, xq);
        kernel_axpy(x, 1.0f, o, (int)NE);
        layernorm_forward(ln, NULL, NULL, x, w->ln_ff_g, w->ln_ff_b, N, E);
        ffn_forward(o, pre, hid, ln, &w->ff_w1, w->ff_b1, &w->ff_w2, w->ff_b2, d.act, N, xq);
        kernel_axpy(x, 1.0f, o, (int)NE);
    }
    layernorm_forward(s->out, NULL, NULL, x, m->w.tf_dec_ln_g, m->w.tf_dec_ln_b, N, E);
    s->t++;
    arena_rewind(a, mark);
    return s->out;
}

/* The first t positions of every head of row `from` of src into row `to`
 * of dst (both (rows, H, Tcap, Dh)). */
static void copy_row(float *dst, int to, const float *src, int from, const tf_search *s) {
    size_t row = (size_t)s->d.H * s->Tcap * s->d.Dh, head = (size_t)s->Tcap * s->d.Dh;
    size_t bytes = sizeof(float) * (size_t)s->t * s->d.Dh; /* only the cached positions */
    for (int h = 0; h < s->d.H; h++)
        memcpy(dst + (size_t)to * row + h * head, src + (size_t)from * row + h * head, bytes);
}

/* In place: a row that is its own parent (every greedy row, most beams)
 * stays as it is; a moved row copies its parent's cache, or the saved copy
 * of it when the parent is itself overwritten (a swap, a chain). */
void tf_reorder(void *state, const int32_t *parent, int n_out) {
    tf_search *s = state;
    int moved = 0;
    memset(s->read, 0, (size_t)s->cap);
    for (int o = 0; o < n_out; o++)
        if (parent[o] != o) s->read[parent[o]] = 1, moved = 1;
    for (int l = 0; l < s->d.Ld && moved; l++) {
        for (int o = 0; o < n_out; o++) /* overwritten below but still to be read: save */
            if (parent[o] != o && s->read[o]) {
                copy_row(s->nk[l], o, s->sk[l], o, s);
                copy_row(s->nv[l], o, s->sv[l], o, s);
            }
        for (int o = 0; o < n_out; o++) {
            int p = parent[o];
            if (p == o) continue;
            int saved = p < n_out && parent[p] != p;
            copy_row(s->sk[l], o, saved ? s->nk[l] : s->sk[l], p, s);
            copy_row(s->sv[l], o, saved ? s->nv[l] : s->sv[l], p, s);
        }
    }
}
