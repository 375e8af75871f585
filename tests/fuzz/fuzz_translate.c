/*
 * fuzz_translate.c — arbitrary bytes as a translation request: 8 option
 * bytes, then the text.
 *
 *   byte 0  beam size: 1..33 (33 is out of range), or -8..7 from 0xF0 up
 *   byte 1  bit 0 want_attention; bits 1-3 the model (below); bit 4 split the
 *           text into a batch at '\n'; bit 5 ids straight from the bytes
 *           (byte % vocab: PAD/UNK/SOS/EOS included) instead of s2s_encode;
 *           bit 6 append one out-of-range id; bit 7 an empty sentence
 *   byte 2  length penalty: a table of edge values (NaN, inf, -0, 5, 5.01...)
 *           when < 16, else (b - 16) / 40 (0 .. 6)
 *   byte 3  max length factor: a table (NaN, 0, -1, 1e-6, 16, 16.01, ...)
 *           when < 16, else (b - 16) / 15 (0 .. 16)
 *   byte 4-5  max length extra: byte 4 % 24 when byte 5 < 0x80, else the
 *           two bytes as a signed 16-bit number
 *   byte 6  for the reference models, which one
 *   byte 7  the streaming call pattern: calls after done, attention polls
 *   rest    UTF-8 text (anything: invalid text is an error, not a crash)
 *
 * Models, loaded at startup: tests/fixtures/js/tiny-en-es.s2s (int8, LSTM,
 * Bahdanau, tied output, with the vocabulary), its f32 dequantization, and
 * the reference models of tests/fixtures/ref (RNN/GRU/LSTM, every attention
 * and bridge, 1-2 layers, no vocabulary: they get ids from tiny-en-es's
 * tokenizer reduced into their vocabularies).
 *
 * Every request goes to s2s_translate_ids and, per sentence, to the
 * streaming API. Errors are fine; results must be in range (token ids,
 * lengths within the maximum, attention shapes), and for one sentence with
 * beam 1 the stream must give the same tokens and log-probabilities as the
 * search.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static const char *const ref_models[] = {
    "ref/gru_bahdanau_bi_project_feed.s2s", "ref/gru_general_l2_uni_zero_feed.s2s",
    "ref/gru_none_uni_copy.s2s",            "ref/lstm_bahdanau_l2_bi_project_feed.s2s",
    "ref/lstm_dot_bi_copy.s2s",             "ref/lstm_none_l2_bi_copy.s2s",
    "ref/rnn_bahdanau_bi_project_feed.s2s", "ref/rnn_general_uni_project_tied.s2s",
    "ref/rnn_none_uni_copy.s2s",
};
#define N_REF (int)(sizeof ref_models / sizeof *ref_models)

static s2s_model *tiny, *tiny_f32, *refs[N_REF];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    tiny = fuzz_load_fixture_model("js/tiny-en-es.s2s");
    s2s_error err;
    if (s2s_model_dequantize(&tiny_f32, tiny, &err) != S2S_OK) {
        fprintf(stderr, "fuzz: dequantize: %s\n", err.message);
        exit(2);
    }
    for (int i = 0; i < N_REF; i++) refs[i] = fuzz_load_fixture_model(ref_models[i]);
    return 0;
}

__attribute__((destructor)) static void free_models(void) {
    s2s_model_free(tiny);
    s2s_model_free(tiny_f32);
    for (int i = 0; i < N_REF; i++) s2s_model_free(refs[i]);
}

static float pick_float(uint8_t b, const float *table, float scale) {
    return b < 16 ? table[b] : (float)(b - 16) / scale;
}

static const float penalty_table[16] = {
    NAN, INFINITY, -INFINITY, -0.0f, 0.0f, -1e-30f, 1e-30f, 0.6f,
    1.0f, 4.999999f, 5.0f, 5.000001f, 100.0f, -1.0f, 2.0f, 1e38f,
};
static const float factor_table[16] = {
    NAN, INFINITY, -INFINITY, 0.0f, -0.0f, -1.0f, 1e-6f, 0.5f,
    1.0f, 2.0f, 15.99f, 16.0f, 16.01f, 1e30f, 3.5f, 1e-38f,
};

/* The library's rule, restated: tokens allowed for a source of len tokens. */
static int32_t max_out(const s2s_translate_params *p, int32_t len) {
    double lim = floor((double)p->max_len_factor * len) + p->max_len_extra;
    return lim > S2S_MAX_SEQ_LEN - 1 ? S2S_MAX_SEQ_LEN - 1 : (int32_t)lim;
}

static int params_valid(const s2s_translate_params *p) {
    return p->beam_size >= 1 && p->beam_size <= S2S_MAX_BEAM && p->length_penalty >= 0.0f &&
           p->length_penalty <= 5.0f && p->max_len_factor > 0.0f && p->max_len_factor <= 16.0f &&
           p->max_len_extra >= 0 && p->max_len_extra <= S2S_MAX_SEQ_LEN;
}

/* Streams one sentence; when `want` is given (beam 1, one sentence, both
 * valid) the tokens and log-probabilities must match it. */
static void stream_one(const s2s_model *m, const int32_t *src, int32_t len,
                       const s2s_translate_params *p, uint8_t pattern, const s2s_result *want) {
    s2s_stream *s = (s2s_stream *)&pattern; /* must be overwritten, even on failure */
    s2s_error err;
    s2s_status st = s2s_stream_start(&s, m, src, len, p, &err);
    if (st != S2S_OK) {
        FUZZ_CHECK(s == NULL && err.status == st);
        FUZZ_CHECK(want == NULL);
        return;
    }
    int32_t cols = -1;
    FUZZ_CHECK(s2s_stream_attention(s, &cols) == NULL && cols == 0);
    int32_t n_want = 0;
    const int32_t *want_tok = want ? s2s_result_tokens(want, 0, &n_want) : NULL;
    const float *want_lp = want ? s2s_result_token_logprobs(want, 0) : NULL;
    int32_t limit = max_out(p, len), vocab = s2s_model_hparams(m)->tgt_vocab;
    int has_att = s2s_model_hparams(m)->attention != S2S_ATTN_NONE;
    int32_t k = 0, done = 0;
    while (!done) {
        int32_t tok = -1;
        float lp = 1.0f;
        FUZZ_CHECK(s2s_stream_next(s, &tok, &lp, &done, &err) == S2S_OK);
        FUZZ_CHECK(tok >= 0 && tok < vocab);
        FUZZ_CHECK(!done || tok == S2S_EOS);
        FUZZ_CHECK(k <= limit); /* at most limit tokens, then EOS */
        if (want) {
            FUZZ_CHECK(done ? k == n_want : k < n_want && tok == want_tok[k]);
            FUZZ_CHECK(fabsf(lp - want_lp[k]) <= 1e-4f || (isnan(lp) && isnan(want_lp[k])));
        }
        if (pattern & 1) {
            const float *row = s2s_stream_attention(s, &cols);
            FUZZ_CHECK(has_att ? row != NULL && cols == len : row == NULL && cols == 0);
        }
        k++;
    }
    for (int extra = 0; extra < (pattern >> 1 & 3); extra++) {
        int32_t tok = -1, d = 0;
        float lp = 1.0f;
        FUZZ_CHECK(s2s_stream_next(s, &tok, &lp, &d, NULL) == S2S_OK && d == 1 && tok == S2S_EOS);
    }
    if (pattern & 8) FUZZ_CHECK(s2s_stream_next(s, NULL, NULL, NULL, NULL) == S2S_ERR_INVALID_ARGUMENT);
    s2s_stream_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 8) return 0;
    const uint8_t *opt = data;
    const char *text = (const char *)data + 8;
    size_t text_len = size - 8;

    s2s_translate_params p = s2s_translate_default_params();
    p.beam_size = opt[0] < 0xF0 ? 1 + opt[0] % 33 : (int32_t)opt[0] - 0xF0 - 8;
    p.want_attention = opt[1] & 1;
    p.length_penalty = pick_float(opt[2], penalty_table, 40.0f);
    p.max_len_factor = pick_float(opt[3], factor_table, 15.0f);
    p.max_len_extra = opt[5] < 0x80 ? opt[4] % 24 : (int16_t)(opt[4] | opt[5] << 8);
    int which = opt[1] >> 1 & 7;
    const s2s_model *m = which == 0 || which == 1 ? tiny
                         : which == 2           ? tiny_f32
                                                : refs[opt[6] % N_REF];
    int batch = opt[1] >> 4 & 1, raw_ids = opt[1] >> 5 & 1, bad_id = opt[1] >> 6 & 1;
    int empty = opt[1] >> 7 & 1;
    int32_t vs = s2s_model_hparams(m)->src_vocab;

    /* sentences: the text split at '\n' (batch) or whole */
    enum { MAX_SENT = 8 };
    int32_t *ids[MAX_SENT] = {0}, lens[MAX_SENT] = {0};
    int n = 0;
    size_t start = 0;
    while (n < MAX_SENT && start <= text_len) {
        const char *nl = batch ? memchr(text + start, '\n', text_len - start) : NULL;
        size_t end = nl ? (size_t)(nl - text) : text_len;
        size_t len = end - start;
        int32_t cap = (int32_t)len + 2;
        ids[n] = malloc(sizeof(int32_t) * (size_t)cap);
        if (!ids[n]) goto done;
        int32_t k = 0;
        if (raw_ids) {
            for (size_t i = 0; i < len; i++) ids[n][k++] = (uint8_t)text[start + i] % vs;
        } else {
            s2s_status st = s2s_encode(tiny, text + start, len, ids[n], cap, &k, NULL);
            if (st != S2S_OK) goto done; /* bad UTF-8: the tokenizer target's business */
            for (int32_t i = 0; i < k; i++) ids[n][i] %= vs;
        }
        if (bad_id && n == 0) ids[n][k++] = (opt[6] & 1) ? -1 - opt[7] : vs + opt[7];
        lens[n++] = k;
        if (!nl) break;
        start = end + 1;
    }
    /* (only when there is room: eight sentences from the text leave none) */
    if (empty && n < MAX_SENT) {
        ids[n] = malloc(sizeof(int32_t));
        if (!ids[n]) goto done;
        lens[n++] = 0;
    } else {
        empty = 0;
    }

    s2s_result *r = (s2s_result *)&p; /* must be overwritten, even on failure */
    s2s_error err;
    s2s_status st = s2s_translate_ids(m, n, (const int32_t *const *)ids, lens, &p, &r, &err);
    int expect_ok = params_valid(&p) && !bad_id && !empty;
    for (int i = 0; i < n; i++) expect_ok &= lens[i] >= 1 && lens[i] <= S2S_MAX_SEQ_LEN;
    if (st != S2S_OK) {
        FUZZ_CHECK(r == NULL && err.status == st);
        FUZZ_CHECK(!expect_ok || st == S2S_ERR_OUT_OF_MEMORY);
    } else {
        FUZZ_CHECK(expect_ok);
        FUZZ_CHECK(s2s_result_count(r) == n);
        int32_t vt = s2s_model_hparams(m)->tgt_vocab;
        int has_att = s2s_model_hparams(m)->attention != S2S_ATTN_NONE;
        for (int i = 0; i < n; i++) {
            int32_t len = -1, rows = -1, cols = -1;
            const int32_t *toks = s2s_result_tokens(r, i, &len);
            FUZZ_CHECK(toks != NULL && len >= 0 && len <= max_out(&p, lens[i]));
            for (int32_t k = 0; k < len; k++) FUZZ_CHECK(toks[k] >= 0 && toks[k] < vt && toks[k] != S2S_EOS);
            const float *lp = s2s_result_token_logprobs(r, i);
            FUZZ_CHECK(lp != NULL);
            for (int32_t k = 0; k <= len; k++) FUZZ_CHECK(!(lp[k] > 1e-5f)); /* log-softmax */
            (void)s2s_result_score(r, i);
            const float *att = s2s_result_attention(r, i, &rows, &cols);
            if (p.want_attention && has_att) {
                FUZZ_CHECK(att != NULL && rows == len + 1 && cols == lens[i]);
                for (int32_t k = 0; k < rows * cols; k++) FUZZ_CHECK(att[k] >= 0.0f && att[k] <= 1.00001f);
            } else {
                FUZZ_CHECK(att == NULL && rows == 0 && cols == 0);
            }
            if (m == tiny) {
                char *out = NULL;
                FUZZ_CHECK(s2s_decode(m, toks, len, &out, NULL) == S2S_OK);
                FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)out, strlen(out)));
                s2s_free(out);
            }
        }
        FUZZ_CHECK(s2s_result_tokens(r, n, NULL) == NULL && s2s_result_tokens(r, -1, NULL) == NULL);
    }
    /* each sentence streamed (with the same, possibly invalid, parameters) */
    for (int i = 0; i < n; i++)
        stream_one(m, ids[i], lens[i], &p, opt[7],
                   st == S2S_OK && n == 1 && p.beam_size == 1 ? r : NULL);
    if (st == S2S_OK) s2s_result_free(r);
done:
    for (int i = 0; i < MAX_SENT; i++) free(ids[i]);
    return 0;
}
