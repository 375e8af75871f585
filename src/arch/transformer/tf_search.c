/*
 * tf_search.c — the Transformer's side of the search (arch.h). begin
 * encodes the sentences and projects each decoder layer's cross-attention
 * keys and values once per sentence; rows of a sentence (its beams) read
 * them through row_src and nothing of them is copied. Each row keeps its
 * own self-attention keys and values in a slot of the cache, head-major
 * (slot, H, max_steps, Dh), so a step computes only the new position and
 * attends over the cached ones. A reorder hands each surviving row's slot
 * to one of its children and copies it (the t cached positions) only into
 * the slots of rows that died, for its other children: no second cache.
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
    int32_t *slot, *new_slot;          /* (cap) each row's slot, the same in every layer */
    uint8_t *read, *taken;             /* (cap) reorder: slots a child reads, slots given out */
    float *out;                        /* (cap, E) the last step's output */
} tf_search;

/* Per row: the self-attention keys and values of T steps, a sentence's
 * cross keys and values for S tokens (counted per row: a sentence has at
 * least one row), the output row and the step's scratch. */
size_t tf_row_state_bytes(const s2s_hparams *hp, int S, int T) {
    tf_dims d = tf_dims_of(hp);
    size_t per_layer = (size_t)2 * T * d.E + (size_t)2 * S * d.E;
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
    }
    s->out = arena_floats(a, (size_t)cap_rows * d.E);
    s->slot = arena_bytes(a, sizeof(int32_t) * (size_t)cap_rows);
    s->new_slot = arena_bytes(a, sizeof(int32_t) * (size_t)cap_rows);
    s->read = arena_bytes(a, (size_t)cap_rows);
    s->taken = arena_bytes(a, (size_t)cap_rows);
    if (a->failed) return NULL;
    for (int r = 0; r < cap_rows; r++) s->slot[r] = r;
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
            size_t at_row = (size_t)s->slot[r] * row_self;
            float *Kr = s->sk[l] + at_row, *Vr = s->sv[l] + at_row;
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

/* The first t positions of every head of slot `from` into slot `to`, in
 * every layer's keys and values ((slots, H, Tcap, Dh) each). */
static void copy_slot(const tf_search *s, int to, int from) {
    size_t row = (size_t)s->d.H * s->Tcap * s->d.Dh, head = (size_t)s->Tcap * s->d.Dh;
    size_t bytes = sizeof(float) * (size_t)s->t * s->d.Dh; /* only the cached positions */
    for (int l = 0; l < s->d.Ld; l++)
        for (int h = 0; h < s->d.H; h++) {
            memcpy(s->sk[l] + (size_t)to * row + h * head, s->sk[l] + (size_t)from * row + h * head, bytes);
            memcpy(s->sv[l] + (size_t)to * row + h * head, s->sv[l] + (size_t)from * row + h * head, bytes);
        }
}

/* Row o continues row parent[o]. A row that is its own parent (every
 * greedy row, most beams) keeps its slot; a parent's slot then goes, as
 * it is, to its first child that has none; a further child gets the slot
 * of a row nobody continues, with the parent's positions copied in. Those
 * slots are read by nobody, so no copy overwrites what another reads. */
void tf_reorder(void *state, const int32_t *parent, int n_out) {
    tf_search *s = state;
    int cap = s->cap, moved = 0;
    for (int o = 0; o < n_out && !moved; o++) moved = parent[o] != o;
    if (!moved) return;
    int32_t *slot = s->slot, *ns = s->new_slot;
    memset(s->read, 0, (size_t)cap);
    memset(s->taken, 0, (size_t)cap);
    for (int o = 0; o < n_out; o++) s->read[slot[parent[o]]] = 1;
    for (int o = 0; o < n_out; o++) {
        ns[o] = parent[o] == o ? slot[o] : -1;
        if (ns[o] >= 0) s->taken[ns[o]] = 1;
    }
    for (int o = 0; o < n_out; o++)
        if (ns[o] < 0 && !s->taken[slot[parent[o]]]) s->taken[ns[o] = slot[parent[o]]] = 1;
    int free_slot = 0;
    for (int o = 0; o < n_out; o++) {
        if (ns[o] >= 0) continue;
        while (s->read[free_slot] || s->taken[free_slot]) free_slot++; /* cap slots: one is left */
        s->taken[ns[o] = free_slot] = 1;
        copy_slot(s, free_slot, slot[parent[o]]);
    }
    /* rows past n_out keep the slots left over, so the slots stay a permutation */
    for (int o = n_out, f = 0; o < cap; o++) {
        while (s->taken[f]) f++;
        s->taken[ns[o] = f] = 1;
    }
    memcpy(slot, ns, sizeof(int32_t) * (size_t)cap);
}
