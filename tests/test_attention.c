/*
 * test_attention.c — want_attention 2: every decoder layer's and head's
 * cross-attention and the encoder's self-attention. Shapes, distributions
 * (each head's row sums to 1 over the source), the mean of the last
 * layer's heads equal to the level-1 map, results unchanged by the level,
 * batching invariance, streaming, the int8 model, the RNN (none), and the
 * memory limit (a typed error before any work).
 */
#include <stdlib.h>
#include <string.h>

#include "../src/s2s.h"
#include "../src/util.h"
#include "testing.h"

#define N_SENT 12
#define SYMBOLS 40

static int32_t src_store[N_SENT][14];
static int32_t src_len[N_SENT];
static const int32_t *src_ptr[N_SENT];
static s2s_model *tf;

/* Untrained is enough: attention is a distribution whatever the weights. */
static s2s_model *small_transformer(void) {
    s2s_hparams hp = {.src_vocab = 4 + SYMBOLS, .tgt_vocab = 4 + SYMBOLS, .emb_dim = 32,
                      .enc_hidden = 32, .dec_hidden = 32, .layers = 3, .tie_output = 0,
                      .architecture = S2S_ARCH_TRANSFORMER, .heads = 4, .ff_dim = 64,
                      .dec_layers = 2, .positions = S2S_POS_SINUSOIDAL,
                      .activation = S2S_ACT_GELU};
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, &hp, 7, 0.3f, NULL) == S2S_OK);
    return m;
}

static s2s_result *run(const s2s_model *m, int32_t n, const int32_t *const *src, const int32_t *len,
                       int level, int beam) {
    s2s_translate_params p = s2s_translate_default_params();
    p.want_attention = level;
    p.beam_size = beam;
    s2s_result *r = NULL;
    CHECK(s2s_translate_ids(m, n, src, len, &p, &r, NULL) == S2S_OK);
    return r;
}

/* Every row of `rows` rows of n in x sums to 1 and is non-negative. */
static int rows_are_distributions(const float *x, size_t rows, int n) {
    for (size_t r = 0; r < rows; r++) {
        double sum = 0.0;
        for (int j = 0; j < n; j++) {
            if (!(x[r * n + j] >= 0.0f)) return 0;
            sum += x[r * n + j];
        }
        if (fabs(sum - 1.0) > 1e-5) return 0;
    }
    return 1;
}

static void heads_have_their_shapes_sum_to_one_and_average_to_the_map(void) {
    for (int beam = 1; beam <= 3; beam += 2) {
        s2s_result *r0 = run(tf, N_SENT, src_ptr, src_len, 0, beam);
        s2s_result *r1 = run(tf, N_SENT, src_ptr, src_len, 1, beam);
        s2s_result *r2 = run(tf, N_SENT, src_ptr, src_len, 2, beam);
        int good = 0;
        for (int i = 0; r0 && r1 && r2 && i < N_SENT; i++) {
            int32_t n0, n2, rows, cols, L, H, R, C, Le, He, n;
            const int32_t *t0 = s2s_result_tokens(r0, i, &n0), *t2 = s2s_result_tokens(r2, i, &n2);
            int ok = n0 == n2 && !memcmp(t0, t2, sizeof(int32_t) * (size_t)n0) &&
                     s2s_result_score(r0, i) == s2s_result_score(r2, i);
            ok &= s2s_result_attention_heads(r0, i, &L, &H, &R, &C) == NULL && L == 0;
            ok &= s2s_result_attention_heads(r1, i, &L, &H, &R, &C) == NULL && L == 0;
            ok &= s2s_result_encoder_attention(r1, i, &Le, &He, &n) == NULL && Le == 0;
            const float *map1 = s2s_result_attention(r1, i, &rows, &cols);
            const float *map2 = s2s_result_attention(r2, i, &rows, &cols);
            const float *heads = s2s_result_attention_heads(r2, i, &L, &H, &R, &C);
            const float *enc = s2s_result_encoder_attention(r2, i, &Le, &He, &n);
            ok &= map1 && map2 && heads && enc;
            ok &= L == 2 && H == 4 && R == n2 + 1 && C == src_len[i] && rows == R && cols == C;
            ok &= Le == 3 && He == 4 && n == src_len[i];
            if (!ok) continue;
            ok &= !memcmp(map1, map2, sizeof(float) * (size_t)R * C); /* level 1 unchanged */
            ok &= rows_are_distributions(heads, (size_t)L * H * R, C);
            ok &= rows_are_distributions(enc, (size_t)Le * He * n, n);
            /* the mean of the last layer's heads, summed as the search sums it */
            for (int t = 0; t < R; t++)
                for (int j = 0; j < C; j++) {
                    float mean = 0.0f;
                    for (int h = 0; h < H; h++)
                        mean += (1.0f / (float)H) * heads[(((size_t)(L - 1) * H + h) * R + t) * C + j];
                    ok &= fabsf(mean - map2[(size_t)t * C + j]) <= 1e-6f;
                }
            good += ok;
        }
        printf("  beam %d: %d of %d sentences right\n", beam, good, N_SENT);
        CHECK(good == N_SENT);
        s2s_result_free(r0);
        s2s_result_free(r1);
        s2s_result_free(r2);
    }
}

static double max_diff(const float *a, const float *b, size_t n) {
    double d = 0.0;
    for (size_t k = 0; k < n; k++) d = fmax(d, fabs((double)a[k] - b[k]));
    return d;
}

static void a_batch_gives_each_sentence_the_heads_it_gets_alone(void) {
    s2s_result *all = run(tf, N_SENT, src_ptr, src_len, 2, 2);
    int same = 0;
    double worst = 0.0;
    for (int i = 0; all && i < N_SENT; i++) {
        s2s_result *one = run(tf, 1, &src_ptr[i], &src_len[i], 2, 2);
        int32_t na, n1, L, H, R, C, L1, H1, R1, C1, Le, He, n, Le1, He1, n1e;
        const int32_t *ta = s2s_result_tokens(all, i, &na), *t1 = s2s_result_tokens(one, 0, &n1);
        const float *ha = s2s_result_attention_heads(all, i, &L, &H, &R, &C);
        const float *h1 = s2s_result_attention_heads(one, 0, &L1, &H1, &R1, &C1);
        const float *ea = s2s_result_encoder_attention(all, i, &Le, &He, &n);
        const float *e1 = s2s_result_encoder_attention(one, 0, &Le1, &He1, &n1e);
        int ok = na == n1 && !memcmp(ta, t1, sizeof(int32_t) * (size_t)na) && ha && h1 && ea &&
                 e1 && L == L1 && H == H1 && R == R1 && C == C1 && Le == Le1 && n == n1e;
        if (ok) {
            double d = fmax(max_diff(ha, h1, (size_t)L * H * R * C),
                            max_diff(ea, e1, (size_t)Le * He * n * n));
            worst = fmax(worst, d);
            ok &= d <= 1e-5;
        }
        same += ok;
        s2s_result_free(one);
    }
    printf("  %d of %d sentences alike in a batch and alone (within %.1e)\n", same, N_SENT, worst);
    CHECK(same == N_SENT);
    s2s_result_free(all);
}

static void streaming_gives_each_steps_heads(void) {
    s2s_result *r = run(tf, N_SENT, src_ptr, src_len, 2, 1);
    s2s_translate_params p = s2s_translate_default_params();
    p.want_attention = 2;
    int same = 0;
    for (int i = 0; r && i < N_SENT; i++) {
        int32_t n, L, H, R, C, tok, done = 0, k = 0, ok = 1;
        float lp;
        s2s_result_tokens(r, i, &n);
        const float *want = s2s_result_attention_heads(r, i, &L, &H, &R, &C);
        s2s_stream *s = NULL;
        CHECK(s2s_stream_start(&s, tf, src_ptr[i], src_len[i], &p, NULL) == S2S_OK);
        int32_t sl, sh, sc;
        ok &= s2s_stream_attention_heads(s, &sl, &sh, &sc) == NULL && sl == 0; /* nothing decided */
        while (ok && !done && k < R) {
            CHECK(s2s_stream_next(s, &tok, &lp, &done, NULL) == S2S_OK);
            const float *got = s2s_stream_attention_heads(s, &sl, &sh, &sc);
            ok &= got && sl == L && sh == H && sc == C;
            for (int lh = 0; ok && lh < L * H; lh++)
                ok &= max_diff(got + (size_t)lh * C, want + ((size_t)lh * R + k) * C, (size_t)C) <= 1e-5;
            k++;
        }
        same += ok && done && k == R;
        s2s_stream_free(s);
    }
    printf("  streamed the heads of %d of %d sentences\n", same, N_SENT);
    CHECK(same == N_SENT);
    s2s_result_free(r);
}

static void an_int8_model_gives_heads_too(void) {
    s2s_model *q = NULL;
    CHECK(s2s_model_quantize(&q, tf, NULL) == S2S_OK);
    s2s_result *r = run(q, N_SENT, src_ptr, src_len, 2, 1);
    int good = 0;
    for (int i = 0; r && i < N_SENT; i++) {
        int32_t L, H, R, C, Le, He, n;
        const float *h = s2s_result_attention_heads(r, i, &L, &H, &R, &C);
        const float *e = s2s_result_encoder_attention(r, i, &Le, &He, &n);
        good += h && e && rows_are_distributions(h, (size_t)L * H * R, C) &&
                rows_are_distributions(e, (size_t)Le * He * n, n);
    }
    CHECK(good == N_SENT);
    s2s_result_free(r);
    s2s_model_free(q);
}

static void the_rnn_has_no_heads(void) {
    s2s_hparams hp = s2s_hparams_default();
    hp.src_vocab = hp.tgt_vocab = 4 + SYMBOLS;
    hp.emb_dim = hp.enc_hidden = hp.dec_hidden = 16;
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, &hp, 3, 0.1f, NULL) == S2S_OK);
    s2s_result *r1 = run(m, N_SENT, src_ptr, src_len, 1, 1);
    s2s_result *r2 = run(m, N_SENT, src_ptr, src_len, 2, 1);
    int good = 0;
    for (int i = 0; r1 && r2 && i < N_SENT; i++) {
        int32_t L = -1, H = -1, R = -1, C = -1, rows, cols, rows2, cols2, Le = -1, He = -1, n = -1;
        const float *a1 = s2s_result_attention(r1, i, &rows, &cols);
        const float *a2 = s2s_result_attention(r2, i, &rows2, &cols2);
        good += s2s_result_attention_heads(r2, i, &L, &H, &R, &C) == NULL && L == 0 && H == 0 &&
                R == 0 && C == 0 && s2s_result_encoder_attention(r2, i, &Le, &He, &n) == NULL &&
                Le == 0 && n == 0 && a1 && a2 && rows == rows2 && cols == cols2 &&
                !memcmp(a1, a2, sizeof(float) * (size_t)rows * cols);
    }
    CHECK(good == N_SENT);
    s2s_translate_params p = s2s_translate_default_params();
    p.want_attention = 2;
    s2s_stream *s = NULL;
    int32_t tok, done, L = -1;
    float lp;
    CHECK(s2s_stream_start(&s, m, src_ptr[0], src_len[0], &p, NULL) == S2S_OK);
    CHECK(s2s_stream_next(s, &tok, &lp, &done, NULL) == S2S_OK);
    CHECK(s2s_stream_attention_heads(s, &L, NULL, NULL) == NULL && L == 0);
    s2s_stream_free(s);
    s2s_result_free(r1);
    s2s_result_free(r2);
    s2s_model_free(m);
}

static void a_request_beyond_the_limit_fails_before_any_work(void) {
    enum { N = S2S_MAX_BATCH, LEN = 100 };
    static int32_t sent[LEN];
    static const int32_t *ptr[N];
    static int32_t len[N];
    for (int k = 0; k < LEN; k++) sent[k] = 4 + k % SYMBOLS;
    for (int i = 0; i < N; i++) ptr[i] = sent, len[i] = LEN;
    s2s_translate_params p = s2s_translate_default_params();
    p.want_attention = 2;
    p.beam_size = 4;
    s2s_result *r = (s2s_result *)&p; /* must come back NULL */
    s2s_error err;
    CHECK(s2s_translate_ids(tf, N, ptr, len, &p, &r, &err) == S2S_ERR_INPUT_TOO_LONG);
    CHECK(r == NULL && err.status == S2S_ERR_INPUT_TOO_LONG && strstr(err.message, "limit"));
    p.want_attention = 1; /* one map is not counted against it */
    p.beam_size = 1;
    CHECK(s2s_translate_ids(tf, 2, ptr, len, &p, &r, NULL) == S2S_OK);
    s2s_result_free(r);
    p.want_attention = 3;
    CHECK(s2s_translate_ids(tf, 1, ptr, len, &p, &r, &err) == S2S_ERR_INVALID_ARGUMENT);
    p.want_attention = 2;
    CHECK(s2s_stream_start(NULL, tf, sent, LEN, &p, NULL) == S2S_ERR_INVALID_ARGUMENT);
}

int main(void) {
    s2s_rng rng;
    s2s_rng_seed(&rng, 11);
    for (int i = 0; i < N_SENT; i++) {
        src_len[i] = 1 + (int32_t)(s2s_rng_u32(&rng) % 14);
        for (int k = 0; k < src_len[i]; k++) src_store[i][k] = 4 + (int32_t)(s2s_rng_u32(&rng) % SYMBOLS);
        src_ptr[i] = src_store[i];
    }
    tf = small_transformer();
    RUN(heads_have_their_shapes_sum_to_one_and_average_to_the_map);
    RUN(a_batch_gives_each_sentence_the_heads_it_gets_alone);
    RUN(streaming_gives_each_steps_heads);
    RUN(an_int8_model_gives_heads_too);
    RUN(the_rnn_has_no_heads);
    RUN(a_request_beyond_the_limit_fails_before_any_work);
    s2s_model_free(tf);
    return tests_exit_code();
}
