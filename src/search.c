/*
 * search.c — inference for any model family: the family (arch.h) encodes a
 * batch of sentences once and steps all their live hypotheses together, so
 * each step is one matrix product over every row (the int8 GEMM across beams
 * and sentences); this file owns the rest: request checks, packing, the
 * output layer, greedy or beam selection, limits, backtracking, results and
 * streaming. Keeps, per output token, its log-probability and the attention
 * row that produced it.
 *
 * Beam search: each step extends every live hypothesis, keeps the best
 * beam_size non-EOS continuations per sentence and moves EOS continuations
 * to the finished list, scored by logprob / len^length_penalty. A sentence
 * is done once it has beam_size finished hypotheses or reaches its maximum
 * length; the best finished one wins (the best live one if none finished).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "util.h"

/* Rows decoded together at most: bounds the (rows, V) logits buffer. */
#define MAX_ROWS 256
/* The shortlisted output layers of one chunk's sentences (gathered rows of
 * W_out) take at most this much; a chunk has fewer sentences if needed. */
#define SHORTLIST_CHUNK_BYTES ((size_t)8 << 20)
/* Bytes of family state (arch.h row_state_bytes) all rows of a chunk may
 * hold together; the RNN's rows are far below it, so for it MAX_ROWS rules. */
#define STATE_BUDGET ((size_t)256 << 20)

s2s_translate_params s2s_translate_default_params(void) {
    s2s_translate_params p = {.beam_size = 1, .length_penalty = 1.0f, .max_len_factor = 2.0f,
                              .max_len_extra = 10, .want_attention = 0, .use_shortlist = 1};
    return p;
}

/* "1.6": digits, then optionally a point and digits; -1 for anything else.
 * (strtod would add 6 KB of locale-aware parsing to the WebAssembly module.) */
static double plain_decimal(const char *s) {
    double v = 0, scale = 1;
    int digits = 0, point = 0;
    for (; *s; s++) {
        if (*s == '.' && !point) {
            point = 1;
        } else if (*s >= '0' && *s <= '9' && digits < 9) {
            digits++;
            if (point) scale /= 10;
            v = v * (point ? 1 : 10) + (*s - '0') * (point ? scale : 1);
        } else {
            return -1;
        }
    }
    return digits ? v : -1;
}

/* The model's metadata `key` when it is a plain decimal in [0, hi], else dflt. */
static float meta_decimal(const s2s_model *model, const char *key, double hi, float dflt) {
    const char *v = model ? s2s_model_meta(model, key) : NULL;
    double d = v ? plain_decimal(v) : -1;
    return d >= 0.0 && d <= hi ? (float)d : dflt;
}

s2s_translate_params s2s_translate_model_params(const s2s_model *model) {
    s2s_translate_params p = s2s_translate_default_params();
    p.length_penalty = meta_decimal(model, "length_penalty", 5.0, p.length_penalty);
    const char *b = model ? s2s_model_meta(model, "block_repeats") : NULL;
    if (b && (!strcmp(b, "0") || !strcmp(b, "1"))) p.block_repeats = b[0] - '0';
    p.rerank_weight = meta_decimal(model, "rerank_weight", 100.0, p.rerank_weight);
    return p;
}

typedef struct hypothesis {
    int32_t len;           /* tokens, EOS excluded */
    int32_t *tokens;
    float *logprobs;       /* (len + 1): each token's, then EOS's */
    float *attention;      /* (len + 1, src_len) or NULL */
    float *heads;          /* (dec_layers, heads, len + 1, src_len) or NULL (level 2) */
    float *enc_att;        /* (enc_layers, heads, src_len, src_len) or NULL (level 2) */
    float score;
    float rerank;          /* the rerank model's log P(source | it) per source token, or NAN */
} hypothesis;

struct s2s_result {
    int32_t n;
    int32_t *src_len;
    hypothesis *hyp;
    int32_t dec_layers, enc_layers, heads; /* of heads and enc_att; 0 without them */
};

int32_t s2s_result_count(const s2s_result *r) { return r ? r->n : 0; }

static const hypothesis *result_hyp(const s2s_result *r, int32_t i) {
    return r && i >= 0 && i < r->n ? &r->hyp[i] : NULL;
}

const int32_t *s2s_result_tokens(const s2s_result *r, int32_t i, int32_t *len) {
    const hypothesis *h = result_hyp(r, i);
    if (len) *len = h ? h->len : 0;
    return h ? h->tokens : NULL;
}

const float *s2s_result_token_logprobs(const s2s_result *r, int32_t i) {
    const hypothesis *h = result_hyp(r, i);
    return h ? h->logprobs : NULL;
}

float s2s_result_score(const s2s_result *r, int32_t i) {
    const hypothesis *h = result_hyp(r, i);
    return h ? h->score : NAN;
}

float s2s_result_rerank_logprob(const s2s_result *r, int32_t i) {
    const hypothesis *h = result_hyp(r, i);
    return h ? h->rerank : NAN;
}

const float *s2s_result_attention(const s2s_result *r, int32_t i, int32_t *rows, int32_t *cols) {
    const hypothesis *h = result_hyp(r, i);
    if (rows) *rows = h && h->attention ? h->len + 1 : 0;
    if (cols) *cols = h && h->attention ? r->src_len[i] : 0;
    return h ? h->attention : NULL;
}

const float *s2s_result_attention_heads(const s2s_result *r, int32_t i, int32_t *layers,
                                        int32_t *heads, int32_t *rows, int32_t *cols) {
    const hypothesis *h = result_hyp(r, i);
    int has = h && h->heads;
    if (layers) *layers = has ? r->dec_layers : 0;
    if (heads) *heads = has ? r->heads : 0;
    if (rows) *rows = has ? h->len + 1 : 0;
    if (cols) *cols = has ? r->src_len[i] : 0;
    return has ? h->heads : NULL;
}

const float *s2s_result_encoder_attention(const s2s_result *r, int32_t i, int32_t *layers,
                                          int32_t *heads, int32_t *n) {
    const hypothesis *h = result_hyp(r, i);
    int has = h && h->enc_att;
    if (layers) *layers = has ? r->enc_layers : 0;
    if (heads) *heads = has ? r->heads : 0;
    if (n) *n = has ? r->src_len[i] : 0;
    return has ? h->enc_att : NULL;
}

void s2s_result_free(s2s_result *r) {
    if (!r) return;
    for (int32_t i = 0; i < r->n; i++) {
        free(r->hyp[i].tokens);
        free(r->hyp[i].logprobs);
        free(r->hyp[i].attention);
        free(r->hyp[i].heads);
        free(r->hyp[i].enc_att);
    }
    free(r->hyp);
    free(r->src_len);
    free(r);
}

/* ------------------------------------------------------------- the search */

/* What step t leaves for backtracking. Input rows are the hypotheses the
 * step extended; output rows the ones it kept (the next step's input rows). */
typedef struct step_record {
    int32_t *parent;       /* (output rows) the input row each extends */
    int32_t *token;        /* (output rows) the token it added */
    float *logprob;        /* (output rows) that token's log-probability */
    float *attention;      /* (input rows, S) or NULL */
    float *heads;          /* (input rows, dec_layers, heads, S) or NULL */
} step_record;

typedef struct candidate {
    float score;           /* running sum of log-probabilities */
    int32_t row, token;
    float logprob;
} candidate;

/* The best `k` (at most 2 * S2S_MAX_BEAM) of a row's tokens into cand,
 * best first: the k largest logits, whose log-probabilities are logit - lse. */
static int top_tokens(candidate *cand, int k, const float *logits, float lse, int V, float base,
                      int row) {
    int32_t idx[2 * S2S_MAX_BEAM];
    float val[2 * S2S_MAX_BEAM];
    int n = kernel_top_k(idx, val, k, logits, V);
    for (int c = 0; c < n; c++) {
        float logprob = val[c] - lse;
        cand[c] = (candidate){base + logprob, row, idx[c], logprob};
    }
    return n;
}

static int by_score_desc(const void *a, const void *b) {
    float x = ((const candidate *)a)->score, y = ((const candidate *)b)->score;
    return (x < y) - (x > y);
}

/* Whether writing `token` right after itself would repeat a word: a piece
 * that starts a word ("\u2581", U+2581) with a letter (ASCII or any non-ASCII
 * character), not digits or punctuation, which may repeat ("1 1", "- -"). */
static int repeats_word(const s2s_model *m, int32_t token) {
    const unsigned char *s = (const unsigned char *)s2s_piece(m, token);
    if (!s || s[0] != 0xE2 || s[1] != 0x96 || s[2] != 0x81) return 0;
    unsigned char c = s[3];
    return c >= 0x80 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static float normalised(float score, int len_with_eos, float alpha) {
    return alpha > 0.0f ? score / powf((float)len_with_eos, alpha) : score;
}

typedef struct finished {
    float norm;            /* the score the search compares */
    int step, row;         /* where its EOS was chosen */
    float eos_logprob;
} finished;

/* The checks every request gets before any work is done. */
static s2s_status check_request(const s2s_model *model, int32_t n, const int32_t *const *src,
                                const int32_t *src_len, const s2s_translate_params *p,
                                s2s_error *err) {
    if (!model || !src || !src_len || !p)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "model, src, src_len and params are required");
    if (n < 1 || n > S2S_MAX_BATCH)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "translate 1 to %d sentences at a time (got %d)",
                        S2S_MAX_BATCH, (int)n);
    if (p->beam_size < 1 || p->beam_size > S2S_MAX_BEAM)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "beam size must be 1..%d (got %d)", S2S_MAX_BEAM,
                        (int)p->beam_size);
    if (p->block_repeats != 0 && p->block_repeats != 1)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "block_repeats must be 0 or 1 (got %d)",
                        (int)p->block_repeats);
    if (p->want_attention < 0 || p->want_attention > 2)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "want_attention must be 0, 1 or 2 (got %d)",
                        (int)p->want_attention);
    if (!(p->rerank_weight >= 0.0f && p->rerank_weight <= 100.0f))
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "rerank weight must be in [0, 100]");
    if (p->rerank_model) {
        const s2s_model *r = p->rerank_model;
        if (r->hp.src_vocab != model->hp.tgt_vocab || r->hp.tgt_vocab != model->hp.src_vocab)
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                            "the rerank model must translate the other way with the same vocabulary "
                            "(its vocabularies are %d -> %d, this model's %d -> %d)",
                            (int)r->hp.src_vocab, (int)r->hp.tgt_vocab, (int)model->hp.src_vocab,
                            (int)model->hp.tgt_vocab);
        if (s2s_model_has_vocab(r) && s2s_model_has_vocab(model))
            for (int32_t id = 0; id < model->hp.tgt_vocab || id < model->hp.src_vocab; id++) {
                const char *a = s2s_piece(model, id), *b = s2s_piece(r, id);
                if (!a || !b || strcmp(a, b))
                    return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                                    "the rerank model's vocabulary differs from this model's "
                                    "(piece %d)", (int)id);
            }
    }
    if (!(p->length_penalty >= 0.0f && p->length_penalty <= 5.0f) ||
        !(p->max_len_factor > 0.0f && p->max_len_factor <= 16.0f) || p->max_len_extra < 0 ||
        p->max_len_extra > S2S_MAX_SEQ_LEN)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "length penalty must be in [0, 5], max length factor in (0, 16], "
                        "max length extra in [0, %d]", S2S_MAX_SEQ_LEN);
    for (int32_t i = 0; i < n; i++) {
        if (src_len[i] < 1 || !src[i])
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "sentence %d is empty", (int)i);
        if (src_len[i] > S2S_MAX_SEQ_LEN)
            return s2s_fail(err, S2S_ERR_INPUT_TOO_LONG, "sentence %d has %d tokens; the limit is %d",
                            (int)i, (int)src_len[i], S2S_MAX_SEQ_LEN);
        for (int32_t k = 0; k < src_len[i]; k++)
            if (src[i][k] < 0 || src[i][k] >= model->hp.src_vocab)
                return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "sentence %d: token id %d out of range",
                                (int)i, (int)src[i][k]);
    }
    return S2S_OK;
}

/* Output tokens allowed for a source of `len` tokens (EOS excluded). */
static int32_t max_output_len(const s2s_translate_params *p, int len) {
    double lim = floor((double)p->max_len_factor * len) + p->max_len_extra;
    return lim > S2S_MAX_SEQ_LEN - 1 ? S2S_MAX_SEQ_LEN - 1 : (int32_t)lim;
}

/* The tokens the rerank pass scores of a source of len tokens: them and EOS,
 * within a decoder's S2S_MAX_SEQ_LEN steps. */
static int rerank_steps(int len) { return len + 1 > S2S_MAX_SEQ_LEN ? S2S_MAX_SEQ_LEN : len + 1; }

/* The output layer as one sentence sees it: the whole vocabulary, or only
 * its lexical shortlist (src/shortlist.h) with those rows of W_out and the
 * bias gathered once, so each step multiplies by a few hundred rows. */
typedef struct out_layer {
    int32_t n;             /* scored ids */
    const int32_t *ids;    /* (n) ascending target ids; NULL: all of 0..n-1 */
    matrix w;              /* (n, O) */
    const float *b;        /* (n) */
    int32_t eos;           /* where EOS is among the scored ids (shortlists always hold it) */
} out_layer;

/* Bytes one sentence's gathered layer needs at most (0 without a shortlist). */
static size_t out_layer_bytes(const s2s_model *m, int use_shortlist, int len) {
    if (!use_shortlist || !m->sl) return 0;
    float *bias;
    const matrix *W = arch_of(&m->hp)->output(&m->w, &bias);
    size_t n = (size_t)shortlist_max_ids(m->sl, len), Hd = (size_t)W->cols;
    size_t row = W->q ? sizeof(float) + Hd : sizeof(float) * Hd;
    return n * (row + 2 * sizeof(float) + sizeof(int32_t)) + 64;
}

/* 0 when out of memory. `mark` is tgt_vocab zero bytes, left zeroed. */
static int out_layer_init(out_layer *o, const s2s_model *m, const int32_t *src, int len,
                          int use_shortlist, uint8_t *mark, arena *a) {
    float *bias;
    const matrix *W = arch_of(&m->hp)->output(&m->w, &bias);
    int Hd = W->cols;
    if (!use_shortlist || !m->sl) {
        *o = (out_layer){.n = W->rows, .ids = NULL, .w = *W, .b = bias, .eos = S2S_EOS};
        return 1;
    }
    int32_t *ids = arena_bytes(a, sizeof(int32_t) * (size_t)shortlist_max_ids(m->sl, len));
    if (!ids) return 0;
    int32_t n = shortlist_ids(m->sl, src, len, ids, mark);
    float *b = arena_floats(a, (size_t)n);
    if (!b) return 0;
    *o = (out_layer){.n = n, .ids = ids, .b = b, .eos = 0};
    for (int32_t j = 0; j < n; j++) {
        b[j] = bias[ids[j]];
        if (ids[j] == S2S_EOS) o->eos = j;
    }
    if (W->q) {
        uint8_t *q = arena_bytes(a, q8_matrix_bytes(n, Hd));
        if (!q) return 0;
        q8_matrix_bind(&o->w, q, n, Hd);
        for (int32_t j = 0; j < n; j++) {
            o->w.qscale[j] = W->qscale[ids[j]];
            memcpy(o->w.q + (size_t)j * Hd, W->q + (size_t)ids[j] * Hd, (size_t)Hd);
        }
    } else {
        float *f = arena_floats(a, (size_t)n * Hd);
        if (!f) return 0;
        o->w = (matrix){.f = f, .rows = n, .cols = Hd};
        for (int32_t j = 0; j < n; j++)
            memcpy(f + (size_t)j * Hd, W->f + (size_t)ids[j] * Hd, sizeof(float) * (size_t)Hd);
    }
    return 1;
}

static int32_t out_layer_id(const out_layer *o, int32_t j) { return o->ids ? o->ids[j] : j; }

/* Row `step` of every (layer, head) of a hypothesis's heads (LHd, rows_out,
 * cols) from input row r of a step's record (rows, LHd, S). */
static void copy_heads(float *dst, int step, size_t rows_out, size_t cols, const float *rec, int r,
                       size_t LHd, int S) {
    for (size_t k = 0; k < LHd; k++)
        memcpy(dst + (k * rows_out + (size_t)step) * cols, rec + ((size_t)r * LHd + k) * S,
               sizeof(float) * cols);
}

/* Weights level-2 attention records for a request, counted as allocated:
 * per sentence and step, every beam row's layers and heads over the
 * longest source (the search's records; the results are no larger), plus
 * each sentence's encoder self-attention. 0 below level 2 or without heads. */
static double attention_weights(const s2s_model *m, int32_t n, const int32_t *src_len,
                                const s2s_translate_params *p) {
    const s2s_arch *arch = arch_of(&m->hp);
    int Ld = 0, Le = 0, H = 0;
    if (p->want_attention < 2 || !arch->attention_shape) return 0.0;
    arch->attention_shape(&m->hp, &Ld, &Le, &H);
    double S = 0.0, steps = 0.0, enc = 0.0;
    for (int32_t i = 0; i < n; i++) {
        if (src_len[i] > S) S = src_len[i];
        steps += (double)max_output_len(p, src_len[i]) + 1.0;
        enc += (double)src_len[i] * src_len[i];
    }
    return (double)p->beam_size * steps * S * Ld * H + enc * Le * H;
}

/* How many sentences from `first` one chunk takes: at most MAX_ROWS rows,
 * the family's state sized by the chunk's own longest source and most
 * steps within STATE_BUDGET (a chunk of short sentences holds many more
 * rows than S2S_MAX_SEQ_LEN would allow), and the shortlist's gathered
 * rows within SHORTLIST_CHUNK_BYTES; always at least one. A sentence's
 * result does not depend on its chunk. */
static int chunk_size(const s2s_model *m, int first, int n, const int32_t *src_len,
                      const s2s_translate_params *p) {
    const s2s_arch *arch = arch_of(&m->hp);
    int S = 0, T = 0, count = 0;
    size_t sl_bytes = 0;
    for (; first + count < n; count++) {
        int len = src_len[first + count], steps = max_output_len(p, len) + 1;
        if (len > S) S = len;
        if (steps > T) T = steps;
        size_t rows = (size_t)(count + 1) * (size_t)p->beam_size;
        sl_bytes += out_layer_bytes(m, p->use_shortlist, len);
        size_t state = rows * arch->row_state_bytes(&m->hp, S, T);
        if (p->rerank_model) { /* its sources are the hypotheses, its steps the source + EOS */
            const s2s_hparams *rh = &p->rerank_model->hp;
            size_t rerank = rows * arch_of(rh)->row_state_bytes(rh, T, rerank_steps(S));
            if (rerank > state) state = rerank;
        }
        if (count > 0 && (rows > MAX_ROWS || state > STATE_BUDGET || sl_bytes > SHORTLIST_CHUNK_BYTES))
            break;
    }
    return count;
}

/* Every finished hypothesis of a chunk scored by the rerank model: log
 * P(source | hypothesis) per source token, EOS counted, into out (n * k,
 * hypothesis f of sentence i at i * k + f). The hypotheses are the rerank
 * model's sources and each row is fed its sentence's source tokens, through
 * the same begin / step as the search; the whole vocabulary is scored, never
 * a shortlist, so that the numbers are probabilities one can compare. An
 * empty hypothesis is read as the lone token EOS. A decoder takes at most
 * S2S_MAX_SEQ_LEN steps, so the EOS after a source of that many tokens is
 * not scored. 0 when out of memory. */
static int rerank_scores(float *out, const s2s_model *rm, int n, int k, const finished *fin,
                         const int *n_fin, const step_record *rec, const int32_t *const *src,
                         const int32_t *src_len, arena *a) {
    const s2s_arch *arch = arch_of(&rm->hp);
    int rows = 0, S = 1, T = 0;
    for (int i = 0; i < n; i++) {
        rows += n_fin[i];
        for (int f = 0; f < n_fin[i]; f++)
            if (fin[(size_t)i * k + f].step > S) S = fin[(size_t)i * k + f].step;
        if (rerank_steps(src_len[i]) > T) T = rerank_steps(src_len[i]);
    }
    int32_t *hyp = arena_bytes(a, sizeof(int32_t) * (size_t)S * rows); /* (S, rows) time-major */
    int32_t *len = arena_bytes(a, sizeof(int32_t) * (size_t)rows);
    int32_t *sent = arena_bytes(a, sizeof(int32_t) * (size_t)rows);
    int32_t *prev = arena_bytes(a, sizeof(int32_t) * (size_t)rows);
    float *sum = arena_zeros(a, (size_t)rows);
    if (!hyp || !len || !sent || !prev || !sum) return 0;
    for (int i = 0, r = 0; i < n; i++)
        for (int f = 0; f < n_fin[i]; f++, r++) {
            const finished *h = &fin[(size_t)i * k + f];
            sent[r] = i;
            len[r] = h->step ? h->step : 1;
            for (int s = 0; s < S; s++) hyp[(size_t)s * rows + r] = S2S_PAD;
            if (!h->step) hyp[r] = S2S_EOS;
            for (int s = h->step - 1, row = h->row; s >= 0; s--) {
                hyp[(size_t)s * rows + r] = rec[s].token[row];
                row = rec[s].parent[row];
            }
        }
    void *state = arch->begin(rm, hyp, len, S, rows, rows, T, a);
    float *bias;
    const matrix *w = arch->output(&rm->w, &bias);
    int V = rm->hp.tgt_vocab, O = arch->out_dim(&rm->hp);
    float *logits = arena_floats(a, (size_t)rows * V);
    void *xq = arena_bytes(a, kernel_gemm_q8_scratch(rows, O));
    if (!state || !logits || !xq) return 0;
    for (int t = 0; t < T; t++) {
        for (int r = 0; r < rows; r++) {
            int i = sent[r];
            /* rows past their sentence's EOS go on reading EOS; nothing counts them */
            prev[r] = t == 0 ? S2S_SOS : t <= src_len[i] ? src[i][t - 1] : S2S_EOS;
        }
        const float *dec = arch->step(state, NULL, NULL, NULL, prev, rows, a);
        if (!dec) return 0;
        linear_forward(logits, V, dec, O, w, bias, rows, xq);
        for (int r = 0; r < rows; r++) {
            int i = sent[r];
            if (t >= rerank_steps(src_len[i])) continue;
            int32_t want = t < src_len[i] ? src[i][t] : S2S_EOS;
            const float *row = logits + (size_t)r * V;
            sum[r] += row[want] - kernel_logsumexp(row, V);
        }
    }
    for (int i = 0, r = 0; i < n; i++)
        for (int f = 0; f < n_fin[i]; f++, r++) out[(size_t)i * k + f] = sum[r] / (float)rerank_steps(src_len[i]);
    return 1;
}

/* Translate sentences [first, first + n) of the request. */
static s2s_status translate_chunk(s2s_result *res, const s2s_model *m, int first, int n,
                                  const int32_t *const *src_ids, const int32_t *src_len,
                                  const s2s_translate_params *p, arena *a, s2s_error *err) {
    const s2s_arch *arch = arch_of(&m->hp);
    float *out_b;
    const matrix *out_w = arch->output(&m->w, &out_b);
    int k = p->beam_size, V = m->hp.tgt_vocab, O = arch->out_dim(&m->hp);
    int has_att = arch->has_attention(&m->hp);
    int Ld = 0, Le = 0, H = 0; /* level 2: every layer's and head's attention */
    if (p->want_attention >= 2 && arch->attention_shape) arch->attention_shape(&m->hp, &Ld, &Le, &H);
    size_t LHd = (size_t)Ld * H;
    int S = 0, T = 0;
    int32_t max_len[MAX_ROWS];
    for (int i = 0; i < n; i++) {
        int len = src_len[first + i];
        if (len > S) S = len;
        max_len[i] = max_output_len(p, len);
        if (max_len[i] + 1 > T) T = max_len[i] + 1;
    }
    arena_reset(a);
    size_t SB = (size_t)S * (size_t)n;
    int32_t *src = arena_bytes(a, sizeof(int32_t) * SB);
    int32_t *len = arena_bytes(a, sizeof(int32_t) * (size_t)n);
    if (a->failed) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < n; i++) {
        len[i] = src_len[first + i];
        for (int s = 0; s < S; s++)
            src[(size_t)s * n + i] = s < len[i] ? src_ids[first + i][s] : S2S_PAD;
    }
    int cap = n * k; /* rows alive at most */
    void *state = arch->begin(m, src, len, S, n, cap, T, a);
    if (!state) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory in the encoder");
    float *logits = arena_floats(a, (size_t)cap * V);
    float *lse = arena_floats(a, (size_t)cap); /* each row's log normaliser */
    void *xq = arena_bytes(a, kernel_gemm_q8_scratch(cap, O));
    int32_t *row_src = arena_bytes(a, sizeof(int32_t) * (size_t)cap);
    int32_t *prev = arena_bytes(a, sizeof(int32_t) * (size_t)cap);
    float *score = arena_floats(a, (size_t)cap);
    float *next_score = arena_floats(a, (size_t)cap);
    int32_t *next_src = arena_bytes(a, sizeof(int32_t) * (size_t)cap);
    int shortlisted = p->use_shortlist && m->sl;
    out_layer *layers = arena_bytes(a, sizeof(out_layer) * (size_t)n);
    uint8_t *mark = shortlisted ? arena_bytes(a, (size_t)V) : NULL;
    if (mark) memset(mark, 0, (size_t)V);
    for (int i = 0; i < n && layers && (mark || !shortlisted); i++)
        if (!out_layer_init(&layers[i], m, src_ids[first + i], src_len[first + i], shortlisted, mark, a))
            layers = NULL;
    if (!layers) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for the shortlist");
    candidate *cand = arena_bytes(a, sizeof(candidate) * (size_t)cap * (size_t)(2 * k));
    step_record *rec = arena_bytes(a, sizeof(step_record) * (size_t)T);
    finished *fin = arena_bytes(a, sizeof(finished) * (size_t)n * (size_t)k);
    int *n_fin = arena_bytes(a, sizeof(int) * (size_t)n);
    if (a->failed) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for the search");
    /* one row per sentence to start */
    int rows = n;
    for (int i = 0; i < n; i++) {
        row_src[i] = i;
        prev[i] = S2S_SOS;
        score[i] = 0.0f;
        n_fin[i] = 0;
    }
    int want_att = p->want_attention && has_att;
    for (int t = 0; t < T && rows > 0; t++) {
        step_record *sr = &rec[t];
        sr->parent = arena_bytes(a, sizeof(int32_t) * (size_t)cap);
        sr->token = arena_bytes(a, sizeof(int32_t) * (size_t)cap);
        sr->logprob = arena_floats(a, (size_t)cap);
        sr->attention = want_att ? arena_floats(a, (size_t)rows * S) : NULL;
        sr->heads = LHd ? arena_floats(a, (size_t)rows * LHd * S) : NULL;
        if (a->failed) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for the search");
        const float *dec_out = arch->step(state, sr->attention, sr->heads, row_src, prev, rows, a);
        if (!dec_out) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory in the decoder");
        /* rows of one sentence are contiguous: a shortlisted layer per sentence,
         * else one product over every row */
        if (!shortlisted) linear_forward(logits, V, dec_out, O, out_w, out_b, rows, xq);
        int out_rows = 0;
        for (int r0 = 0; r0 < rows;) {
            int i = row_src[r0], r1 = r0;
            while (r1 < rows && row_src[r1] == i) r1++;
            const out_layer *ol = &layers[i];
            if (shortlisted)
                linear_forward(logits + (size_t)r0 * V, V, dec_out + (size_t)r0 * O, O, &ol->w,
                               ol->b, r1 - r0, xq);
            int nc = 0;
            for (int r = r0; r < r1; r++) {
                lse[r] = kernel_logsumexp(logits + (size_t)r * V, ol->n);
                int nr = top_tokens(cand + nc, 2 * k, logits + (size_t)r * V, lse[r], ol->n, score[r], r);
                for (int c = nc; c < nc + nr; c++) cand[c].token = out_layer_id(ol, cand[c].token);
                nc += nr;
            }
            qsort(cand, (size_t)nc, sizeof *cand, by_score_desc);
            int kept = 0, at_limit = t >= max_len[i]; /* max_len tokens, then only EOS */
            for (int c = 0; c < nc && kept < k && n_fin[i] < k; c++) {
                const candidate *cd = &cand[c];
                if (cd->token == S2S_EOS) {
                    finished *f = &fin[(size_t)i * k + n_fin[i]++];
                    f->norm = normalised(cd->score, t + 1, p->length_penalty);
                    f->step = t;
                    f->row = cd->row;
                    f->eos_logprob = cd->logprob;
                    continue;
                }
                if (at_limit) continue; /* no room for more tokens: only EOS can finish */
                if (p->block_repeats && cd->token == prev[cd->row] && repeats_word(m, cd->token))
                    continue;
                int o = out_rows++;
                next_src[o] = i;
                next_score[o] = cd->score;
                sr->parent[o] = cd->row;
                sr->token[o] = cd->token;
                sr->logprob[o] = cd->logprob;
                kept++;
            }
            if (n_fin[i] >= k || at_limit) {
                /* sentence finished: drop the rows just added for it */
                out_rows -= kept;
                if (n_fin[i] == 0 && kept == 0) {
                    /* nothing finished and no room: close the best live row with a forced EOS */
                    finished *f = &fin[(size_t)i * k + n_fin[i]++];
                    int best = r0;
                    for (int r = r0; r < r1; r++)
                        if (score[r] > score[best]) best = r;
                    float eos_logprob = logits[(size_t)best * V + ol->eos] - lse[best];
                    f->norm = normalised(score[best] + eos_logprob, t + 1, p->length_penalty);
                    f->step = t;
                    f->row = best;
                    f->eos_logprob = eos_logprob;
                }
            }
            r0 = r1;
        }
        arch->reorder(state, sr->parent, out_rows); /* output row o continues sr->parent[o] */
        float *tmp = score;
        score = next_score;
        next_score = tmp;
        int32_t *itmp = row_src;
        row_src = next_src;
        next_src = itmp;
        for (int o = 0; o < out_rows; o++) prev[o] = sr->token[o];
        rows = out_rows;
    }
    /* with a rerank model, every finished hypothesis's reverse score */
    float *rerank = NULL;
    if (p->rerank_model) {
        rerank = arena_floats(a, (size_t)n * k);
        if (!rerank || !rerank_scores(rerank, p->rerank_model, n, k, fin, n_fin, rec, src_ids + first,
                                      src_len + first, a))
            return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for the rerank model");
    }
    /* pick and backtrack the winners */
    for (int i = 0; i < n; i++) {
        hypothesis *h = &res->hyp[first + i];
        const finished *fi = &fin[(size_t)i * k];
        const float *ri = rerank ? rerank + (size_t)i * k : NULL;
        /* the best score, plus the weighted rerank score with a rerank model; ties keep the first */
        int best = 0;
        float best_score = 0.0f;
        for (int f = 0; f < n_fin[i]; f++) {
            float sc = fi[f].norm + (ri ? p->rerank_weight * ri[f] : 0.0f);
            if (f == 0 || sc > best_score) best = f, best_score = sc;
        }
        h->rerank = ri ? ri[best] : NAN;
        const finished *f = &fi[best];
        /* EOS was chosen at step f->step from its input row f->row, which is output
         * row f->row of the step before: walk the parents back to step 0 */
        int len_out = f->step;
        h->score = f->norm;
        h->len = len_out;
        h->tokens = malloc(sizeof(int32_t) * (size_t)(len_out ? len_out : 1));
        h->logprobs = malloc(sizeof(float) * (size_t)(len_out + 1));
        h->attention = want_att ? malloc(sizeof(float) * (size_t)(len_out + 1) * (size_t)len[i]) : NULL;
        size_t rows_out = (size_t)(len_out + 1), li = (size_t)len[i];
        h->heads = LHd ? malloc(sizeof(float) * LHd * rows_out * li) : NULL;
        h->enc_att = LHd ? malloc(sizeof(float) * (size_t)Le * H * li * li) : NULL;
        if (!h->tokens || !h->logprobs || (want_att && !h->attention) ||
            (LHd && (!h->heads || !h->enc_att)))
            return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for the results");
        h->logprobs[len_out] = f->eos_logprob;
        int r = f->row; /* input row at step f->step */
        if (h->attention)
            memcpy(h->attention + (size_t)len_out * len[i], rec[f->step].attention + (size_t)r * S,
                   sizeof(float) * (size_t)len[i]);
        if (h->heads) copy_heads(h->heads, len_out, rows_out, li, rec[f->step].heads, r, LHd, S);
        for (int s = f->step - 1; s >= 0; s--) {
            /* output row r of step s chose token[s] from input row parent[r] of step s */
            h->tokens[s] = rec[s].token[r];
            h->logprobs[s] = rec[s].logprob[r];
            r = rec[s].parent[r];
            if (h->attention)
                memcpy(h->attention + (size_t)s * len[i], rec[s].attention + (size_t)r * S,
                       sizeof(float) * (size_t)len[i]);
            if (h->heads) copy_heads(h->heads, s, rows_out, li, rec[s].heads, r, LHd, S);
        }
    }
    /* the encoder's self-attention: each sentence encoded once more on its
     * own, so it does not depend on the batch (the search state is done) */
    for (int i = 0; i < n && LHd; i++) {
        hypothesis *h = &res->hyp[first + i];
        if (!arch->encoder_attention(h->enc_att, m, src_ids[first + i], len[i], a))
            return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for the encoder's attention");
    }
    return S2S_OK;
}

s2s_status s2s_translate_ids(const s2s_model *model, int32_t n, const int32_t *const *src,
                             const int32_t *src_len, const s2s_translate_params *params,
                             s2s_result **out, s2s_error *err) {
    if (!out) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    s2s_status st = check_request(model, n, src, src_len, params, err);
    if (st) return st;
    const s2s_translate_params *p = params;
    double att_weights = attention_weights(model, n, src_len, p);
    if (att_weights > S2S_MAX_ATTENTION_WEIGHTS)
        return s2s_fail(err, S2S_ERR_INPUT_TOO_LONG,
                        "every head's attention of this request would take %.0f weights; the limit "
                        "is %d (fewer sentences, shorter ones, a smaller beam, or want_attention 1)",
                        att_weights, (int)S2S_MAX_ATTENTION_WEIGHTS);
    s2s_result *res = calloc(1, sizeof *res);
    if (res) {
        res->hyp = calloc((size_t)n, sizeof *res->hyp);
        res->src_len = malloc(sizeof(int32_t) * (size_t)n);
    }
    if (!res || !res->hyp || !res->src_len) {
        s2s_result_free(res);
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    }
    res->n = n;
    const s2s_arch *family = arch_of(&model->hp);
    if (p->want_attention >= 2 && family->attention_shape) {
        int Ld, Le, H;
        family->attention_shape(&model->hp, &Ld, &Le, &H);
        res->dec_layers = Ld, res->enc_layers = Le, res->heads = H;
    }
    memcpy(res->src_len, src_len, sizeof(int32_t) * (size_t)n);
    arena a;
    memset(&a, 0, sizeof a);
    for (int first = 0, count; first < n && !st; first += count) {
        count = chunk_size(model, first, n, src_len, p);
        st = translate_chunk(res, model, first, count, src, src_len, p, &a, err);
    }
    arena_release(&a);
    if (st) {
        s2s_result_free(res);
        return st;
    }
    *out = res;
    return S2S_OK;
}

/* -------------------------------------------------------------- streaming */

struct s2s_stream {
    const s2s_model *m;
    const s2s_arch *arch;
    arena a;            /* encoder outputs and state; steps use its tail as scratch */
    void *state;        /* the family's, one row */
    int32_t len[1];
    int32_t prev, steps, max_len, done;
    int32_t block_repeats;
    float *logits;      /* (Vt) */
    float *att;         /* (S) attention row of the last step, NULL without attention */
    float *heads;       /* (dec_layers, heads, S) of the last step, NULL below level 2 */
    int dec_layers, n_heads;
    void *xq; /* kernel_gemm_q8 scratch for the output layer */
    out_layer out;
};

void s2s_stream_free(s2s_stream *s) {
    if (!s) return;
    arena_release(&s->a);
    free(s);
}

s2s_status s2s_stream_start(s2s_stream **out, const s2s_model *model, const int32_t *src,
                            int32_t src_len, const s2s_translate_params *params, s2s_error *err) {
    if (!out) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    s2s_status st = check_request(model, 1, &src, &src_len, params, err);
    if (st) return st;
    s2s_stream *s = calloc(1, sizeof *s);
    if (!s) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    arena *a = &s->a;
    s->m = model;
    s->arch = arch_of(&model->hp);
    s->len[0] = src_len;
    s->prev = S2S_SOS;
    s->block_repeats = params->block_repeats;
    s->max_len = max_output_len(params, src_len);
    s->state = s->arch->begin(model, src, s->len, src_len, 1, 1, s->max_len + 1, a);
    if (s->arch->has_attention(&model->hp)) s->att = arena_floats(a, (size_t)src_len);
    if (params->want_attention >= 2 && s->arch->attention_shape) {
        int Le;
        s->arch->attention_shape(&model->hp, &s->dec_layers, &Le, &s->n_heads);
        s->heads = arena_floats(a, (size_t)s->dec_layers * s->n_heads * src_len);
    }
    s->logits = arena_floats(a, (size_t)model->hp.tgt_vocab);
    s->xq = arena_bytes(a, kernel_gemm_q8_scratch(1, s->arch->out_dim(&model->hp)));
    int shortlisted = params->use_shortlist && model->sl;
    uint8_t *mark = shortlisted ? arena_bytes(a, (size_t)model->hp.tgt_vocab) : NULL;
    if (mark) memset(mark, 0, (size_t)model->hp.tgt_vocab);
    int ok = s->state && (mark || !shortlisted) &&
             out_layer_init(&s->out, model, src, src_len, shortlisted, mark, a);
    if (!ok || a->failed) {
        s2s_stream_free(s);
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    }
    *out = s;
    return S2S_OK;
}

s2s_status s2s_stream_next(s2s_stream *s, int32_t *token, float *logprob, int32_t *done,
                           s2s_error *err) {
    if (!s || !token || !logprob || !done)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "invalid arguments to s2s_stream_next");
    *token = S2S_EOS;
    *logprob = 0.0f;
    *done = s->done;
    if (s->done) return S2S_OK;
    const s2s_model *m = s->m;
    const out_layer *ol = &s->out;
    const float *dec_out = s->arch->step(s->state, s->att, s->heads, NULL, &s->prev, 1, &s->a);
    if (!dec_out) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory in the decoder");
    linear_forward(s->logits, ol->n, dec_out, s->arch->out_dim(&m->hp), &ol->w, ol->b, 1, s->xq);
    /* the same choice as the search with one beam: the first largest logit
     * (the second when the first would repeat a word under block_repeats),
     * and only EOS once max_len tokens are out */
    int32_t top_j[2] = {0, 0};
    float top[2];
    int nt = kernel_top_k(top_j, top, 2, s->logits, ol->n);
    int32_t j = top_j[0];
    if (nt > 1 && s->block_repeats && out_layer_id(ol, j) == s->prev && repeats_word(m, s->prev))
        j = top_j[1];
    if (s->steps >= s->max_len) j = ol->eos;
    int32_t best = out_layer_id(ol, j);
    *token = best;
    *logprob = s->logits[j] - kernel_logsumexp(s->logits, ol->n);
    s->steps++;
    s->prev = best;
    s->done = *done = best == S2S_EOS;
    return S2S_OK;
}

const float *s2s_stream_attention(const s2s_stream *s, int32_t *cols) {
    int has = s && s->att && s->steps > 0;
    if (cols) *cols = has ? s->len[0] : 0;
    return has ? s->att : NULL;
}

const float *s2s_stream_attention_heads(const s2s_stream *s, int32_t *layers, int32_t *heads,
                                        int32_t *cols) {
    int has = s && s->heads && s->steps > 0;
    if (layers) *layers = has ? s->dec_layers : 0;
    if (heads) *heads = has ? s->n_heads : 0;
    if (cols) *cols = has ? s->len[0] : 0;
    return has ? s->heads : NULL;
}
