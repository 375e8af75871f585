/*
 * rnn_search.c — the recurrent family's side of the search (arch.h):
 * encode once, start each sentence's row from the bridge, step the decoder,
 * and move rows by copying their h, c and o when beams reorder.
 */
#include <string.h>

#include "seq2seq.h"

typedef struct rnn_search {
    const s2s_model *m;
    dec_source source;
    dec_state st;   /* (cap_rows, Hd) each */
    dec_state next; /* reorder's target, then swapped with st */
} rnn_search;

/* h and c per layer (c only for LSTM) plus o, twice (st and next). */
size_t rnn_row_state_bytes(const s2s_hparams *hp, int S, int T) {
    (void)S, (void)T; /* the encoder's outputs are per sentence, shared by its rows */
    size_t per_layer = hp->cell == S2S_CELL_LSTM ? 2 : 1;
    return 2 * ((size_t)hp->layers * per_layer + 1) * (size_t)hp->dec_hidden * sizeof(float);
}

static void state_alloc(dec_state *st, const dims *d, int lstm, size_t rows, arena *a) {
    for (int l = 0; l < d->L; l++) {
        st->h[l] = arena_floats(a, rows * (size_t)d->Hd);
        st->c[l] = lstm ? arena_floats(a, rows * (size_t)d->Hd) : NULL;
    }
}

void *rnn_begin(const s2s_model *m, const int32_t *src, const int32_t *len, int S, int n,
                int cap_rows, int max_steps, arena *a) {
    (void)max_steps; /* the state does not grow with the steps */
    dims d = model_dims(&m->hp);
    int lstm = m->hp.cell == S2S_CELL_LSTM, has_att = m->hp.attention != S2S_ATTN_NONE;
    rnn_search *s = arena_bytes(a, sizeof *s);
    enc_out enc;
    if (!s || !encoder_forward(&enc, NULL, m, src, len, S, n, 0.0f, NULL, a)) return NULL;
    s->m = m;
    s->source = (dec_source){.henc = enc.henc, .len = len, .S = S, .Bs = n};
    s->source.keys = has_att ? decoder_keys(m, enc.henc, S, n, a) : NULL;
    dec_state start; /* (n, Hd): the bridge's output, one row per sentence */
    state_alloc(&start, &d, lstm, (size_t)n, a);
    state_alloc(&s->st, &d, lstm, (size_t)cap_rows, a);
    state_alloc(&s->next, &d, lstm, (size_t)cap_rows, a);
    s->st.o = arena_zeros(a, (size_t)cap_rows * d.Hd);
    s->next.o = arena_floats(a, (size_t)cap_rows * d.Hd);
    if (a->failed || (has_att && !s->source.keys)) return NULL;
    bridge_forward(start.h, start.c, &enc, m, n);
    size_t bytes = sizeof(float) * (size_t)n * d.Hd;
    for (int l = 0; l < d.L; l++) {
        memcpy(s->st.h[l], start.h[l], bytes);
        if (lstm) memcpy(s->st.c[l], start.c[l], bytes);
    }
    return s;
}

const float *rnn_step(void *state, float *att, float *heads, const int32_t *row_src,
                      const int32_t *prev, int N, arena *a) {
    rnn_search *s = state;
    (void)heads; /* the RNN has one attention, no heads (no attention_shape) */
    if (!decoder_step_forward(&s->st, NULL, att, s->m, &s->source, row_src, prev, N, 0.0f, NULL, a))
        return NULL;
    return s->st.o;
}

void rnn_reorder(void *state, const int32_t *parent, int n_out) {
    rnn_search *s = state;
    int L = s->m->hp.layers, lstm = s->m->hp.cell == S2S_CELL_LSTM;
    size_t Hd = (size_t)s->m->hp.dec_hidden, bytes = sizeof(float) * Hd;
    for (int o = 0; o < n_out; o++) {
        size_t to = (size_t)o * Hd, from = (size_t)parent[o] * Hd;
        for (int l = 0; l < L; l++) {
            memcpy(s->next.h[l] + to, s->st.h[l] + from, bytes);
            if (lstm) memcpy(s->next.c[l] + to, s->st.c[l] + from, bytes);
        }
        memcpy(s->next.o + to, s->st.o + from, bytes);
    }
    dec_state tmp = s->st;
    s->st = s->next;
    s->next = tmp;
}
