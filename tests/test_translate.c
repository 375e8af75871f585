/*
 * test_translate.c — greedy and beam search on a small trained model: what a
 * result holds, that batching changes nothing, that beam search finds
 * hypotheses at least as likely as greedy, that int8 agrees with f32, and
 * that bad requests get error codes; the length penalty a file recommends;
 * reranking by a reverse model; block_repeats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s2s.h"
#include "testing.h"
#include "copy_task.h"
#include "util.h"

#define SYMBOLS 12
#define N_SENT 48

static int32_t src_store[N_SENT][12];
static int32_t src_len[N_SENT];
static const int32_t *src_ptr[N_SENT];

/* The copy task (copy_task.h), then the sentences the tests translate. */
static s2s_model *trained_copy_model(void) {
    s2s_hparams hp = {.src_vocab = 4 + SYMBOLS, .tgt_vocab = 4 + SYMBOLS, .emb_dim = 32,
                      .enc_hidden = 32, .dec_hidden = 64, .layers = 1, .bidirectional = 1,
                      .cell = S2S_CELL_GRU, .attention = S2S_ATTN_LUONG_GENERAL,
                      .bridge = S2S_BRIDGE_PROJECT, .input_feed = 1, .tie_output = 0};
    s2s_rng rng;
    s2s_rng_seed(&rng, 5);
    s2s_model *m = copy_task_model(&hp, 21, &rng, 200, SYMBOLS);
    for (int i = 0; i < N_SENT; i++) {
        src_len[i] = 1 + (int32_t)(s2s_rng_u32(&rng) % 11);
        for (int k = 0; k < src_len[i]; k++) src_store[i][k] = 4 + (int32_t)(s2s_rng_u32(&rng) % SYMBOLS);
        src_ptr[i] = src_store[i];
    }
    return m;
}

static s2s_model *model;

static void results_hold_tokens_logprobs_scores_and_attention(void) {
    s2s_translate_params p = s2s_translate_default_params();
    p.want_attention = 1;
    p.length_penalty = 0.0f;
    s2s_result *r = NULL;
    CHECK(s2s_translate_ids(model, N_SENT, src_ptr, src_len, &p, &r, NULL) == S2S_OK);
    CHECK(s2s_result_count(r) == N_SENT);
    int copied = 0;
    for (int i = 0; r && i < N_SENT; i++) {
        int32_t n, rows, cols;
        const int32_t *tok = s2s_result_tokens(r, i, &n);
        const float *lp = s2s_result_token_logprobs(r, i);
        const float *att = s2s_result_attention(r, i, &rows, &cols);
        CHECK(tok && lp && att);
        CHECK(rows == n + 1 && cols == src_len[i]);
        double sum = 0.0;
        for (int k = 0; k <= n; k++) {
            CHECK(lp[k] <= 0.0f);
            sum += lp[k];
            double row = 0.0;
            for (int s = 0; s < cols; s++) {
                CHECK(att[(size_t)k * cols + s] >= 0.0f);
                row += att[(size_t)k * cols + s];
            }
            CHECK_CLOSE(row, 1.0, 1e-5);
        }
        for (int k = 0; k < n; k++) CHECK(tok[k] >= 0 && tok[k] < 4 + SYMBOLS && tok[k] != S2S_EOS);
        /* with no length penalty the score is the summed log-probability, EOS included */
        CHECK_CLOSE(s2s_result_score(r, i), sum, 1e-4);
        copied += n == src_len[i] && memcmp(tok, src_ptr[i], sizeof(int32_t) * (size_t)n) == 0;
    }
    printf("  greedy copies %d of %d sentences exactly after 200 training steps\n", copied, N_SENT);
    CHECK(copied >= N_SENT / 4); /* it has learned something */
    CHECK(s2s_result_tokens(r, N_SENT, NULL) == NULL && s2s_result_tokens(r, -1, NULL) == NULL);
    s2s_result_free(r);
}

static void a_batch_translates_like_its_sentences_one_by_one(void) {
    for (int beam = 1; beam <= 4; beam += 3)
        CHECK(batch_matches_one_by_one(model, N_SENT, src_ptr, src_len, beam));
}

static void beam_search_finds_hypotheses_at_least_as_likely_as_greedy(void) {
    s2s_translate_params p = s2s_translate_default_params();
    p.length_penalty = 0.0f;
    s2s_result *g = NULL, *b = NULL;
    CHECK(s2s_translate_ids(model, N_SENT, src_ptr, src_len, &p, &g, NULL) == S2S_OK);
    p.beam_size = 6;
    CHECK(s2s_translate_ids(model, N_SENT, src_ptr, src_len, &p, &b, NULL) == S2S_OK);
    int better = 0, worse = 0;
    double gain = 0.0;
    for (int i = 0; g && b && i < N_SENT; i++) {
        float sg = s2s_result_score(g, i), sb = s2s_result_score(b, i);
        better += sb > sg + 1e-5f;
        worse += sb < sg - 1e-5f;
        gain += sb - sg;
    }
    printf("  beam 6 vs greedy: %d better, %d worse, mean log-probability gain %.3f\n", better,
           worse, gain / N_SENT);
    /* beam search is not exact (greedy's prefix can be pruned), so a few
     * sentences may lose; on average it must find more likely outputs */
    CHECK(worse <= N_SENT / 10);
    CHECK(gain > 0.0);
    s2s_result_free(g);
    s2s_result_free(b);
}

static void int8_search_agrees_with_f32(void) {
    int same = int8_same_outputs(model, N_SENT, src_ptr, src_len);
    printf("  int8 and f32 give the same output for %d of %d sentences\n", same, N_SENT);
    CHECK(same >= N_SENT * 9 / 10);
}

static void the_maximum_length_is_respected(void) {
    s2s_translate_params p = s2s_translate_default_params();
    p.max_len_factor = 0.01f;
    p.max_len_extra = 3;
    for (int beam = 1; beam <= 3; beam += 2) {
        p.beam_size = beam;
        s2s_result *r = NULL;
        CHECK(s2s_translate_ids(model, N_SENT, src_ptr, src_len, &p, &r, NULL) == S2S_OK);
        for (int i = 0; r && i < N_SENT; i++) {
            int32_t n;
            s2s_result_tokens(r, i, &n);
            CHECK(n <= 3);
        }
        s2s_result_free(r);
    }
}

static void bad_requests_get_error_codes(void) {
    s2s_translate_params p = s2s_translate_default_params();
    s2s_result *r = (s2s_result *)&p;
    s2s_error err;
    int32_t bad_id[2] = {5, 999}, two = 2, zero = 0, huge = S2S_MAX_SEQ_LEN + 1;
    const int32_t *bp = bad_id;
    CHECK(s2s_translate_ids(model, 1, &bp, &two, &p, &r, &err) == S2S_ERR_INVALID_ARGUMENT && !r);
    CHECK(strstr(err.message, "out of range") != NULL);
    CHECK(s2s_translate_ids(model, 1, &bp, &zero, &p, &r, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(s2s_translate_ids(model, 1, &bp, &huge, &p, &r, &err) == S2S_ERR_INPUT_TOO_LONG);
    CHECK(s2s_translate_ids(model, 0, &bp, &two, &p, &r, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(s2s_translate_ids(NULL, 1, &bp, &two, &p, &r, &err) == S2S_ERR_INVALID_ARGUMENT);
    p.beam_size = 0;
    CHECK(s2s_translate_ids(model, 1, src_ptr, src_len, &p, &r, &err) == S2S_ERR_INVALID_ARGUMENT);
    p.beam_size = S2S_MAX_BEAM + 1;
    CHECK(s2s_translate_ids(model, 1, src_ptr, src_len, &p, &r, &err) == S2S_ERR_INVALID_ARGUMENT);
    p = s2s_translate_default_params();
    p.length_penalty = NAN;
    CHECK(s2s_translate_ids(model, 1, src_ptr, src_len, &p, &r, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(s2s_translate_ids(model, 1, src_ptr, src_len, &p, NULL, &err) == S2S_ERR_INVALID_ARGUMENT);
    s2s_result_free(NULL);
}

static void streaming_gives_what_greedy_search_gives(void) {
    s2s_translate_params p = s2s_translate_default_params();
    p.want_attention = 1;
    s2s_result *r = NULL;
    CHECK(s2s_translate_ids(model, N_SENT, src_ptr, src_len, &p, &r, NULL) == S2S_OK);
    int same = 0;
    for (int i = 0; r && i < N_SENT; i++) {
        s2s_stream *s = NULL;
        CHECK(s2s_stream_start(&s, model, src_ptr[i], src_len[i], &p, NULL) == S2S_OK);
        CHECK(s2s_stream_attention(s, NULL) == NULL);
        int32_t n, rows, cols, tok, done = 0, k = 0, ok = 1;
        float lp;
        const int32_t *want = s2s_result_tokens(r, i, &n);
        const float *want_lp = s2s_result_token_logprobs(r, i);
        const float *want_att = s2s_result_attention(r, i, &rows, &cols);
        while (!done && k <= n) {
            CHECK(s2s_stream_next(s, &tok, &lp, &done, NULL) == S2S_OK);
            ok &= done ? k == n && tok == S2S_EOS : k < n && tok == want[k];
            ok &= fabsf(lp - want_lp[k]) <= 1e-4f;
            int32_t c;
            const float *row = s2s_stream_attention(s, &c);
            ok &= row && c == cols;
            /* within float noise: the batch ran larger GEMMs, summing in another order */
            for (int j = 0; ok && j < c; j++) ok &= fabsf(row[j] - want_att[(size_t)k * cols + j]) <= 1e-4f;
            k++;
        }
        CHECK(s2s_stream_next(s, &tok, &lp, &done, NULL) == S2S_OK && done && tok == S2S_EOS);
        same += ok && done;
        s2s_stream_free(s);
    }
    printf("  streamed %d of %d sentences token for token like greedy search\n", same, N_SENT);
    CHECK(same == N_SENT);
    s2s_result_free(r);
    int32_t zero = 0;
    s2s_stream *s = (s2s_stream *)&p;
    CHECK(s2s_stream_start(&s, model, src_ptr[0], zero, &p, NULL) == S2S_ERR_INVALID_ARGUMENT && !s);
    s2s_stream_free(NULL);
}

/* "length_penalty" metadata sets the model's default; anything that is not a
 * number in [0, 5] leaves the library's. */
static void a_model_file_can_recommend_its_length_penalty(void) {
    const float lib = s2s_translate_default_params().length_penalty;
    CHECK(s2s_translate_model_params(model).length_penalty == lib);
    CHECK(s2s_translate_model_params(NULL).length_penalty == lib);
    const char *bad[] = {"", "abc", "1.5x", "-0.5", "5.5", "nan", " ", ".", "1..5", "1e0", "+1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(s2s_model_set_meta(model, "length_penalty", bad[i], NULL) == S2S_OK);
        CHECK(s2s_translate_model_params(model).length_penalty == lib);
    }
    CHECK(s2s_model_set_meta(model, "length_penalty", "1.6", NULL) == S2S_OK);
    s2s_translate_params p = s2s_translate_model_params(model);
    CHECK(p.length_penalty == 1.6f);
    s2s_translate_params d = s2s_translate_default_params();
    CHECK(p.beam_size == d.beam_size && p.max_len_factor == d.max_len_factor &&
          p.max_len_extra == d.max_len_extra && p.use_shortlist == d.use_shortlist);
    const char *good[] = {"0", "2", "0.75", ".5", "5.", "1.25"};
    const float value[] = {0.0f, 2.0f, 0.75f, 0.5f, 5.0f, 1.25f};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        CHECK(s2s_model_set_meta(model, "length_penalty", good[i], NULL) == S2S_OK);
        CHECK(s2s_translate_model_params(model).length_penalty == value[i]);
    }
    CHECK(s2s_model_set_meta(model, "length_penalty", "", NULL) == S2S_OK);
}

/* The copy model reverses a copy, so it serves as its own rerank model. */
static void a_reverse_model_reranks_the_finished_hypotheses(void) {
    int changed = rerank_checks(model, model, N_SENT, src_ptr, src_len, 2.0f);
    CHECK(changed > 0); /* the test would not see a rerank that picks nothing */
    s2s_model *q = NULL; /* an int8 rerank model, as the page would load */
    CHECK(s2s_model_quantize(&q, model, NULL) == S2S_OK);
    s2s_translate_params p = s2s_translate_default_params();
    p.beam_size = 3;
    p.rerank_model = q;
    p.rerank_weight = 1.0f;
    s2s_result *r = NULL;
    CHECK(s2s_translate_ids(model, N_SENT, src_ptr, src_len, &p, &r, NULL) == S2S_OK);
    for (int i = 0; r && i < N_SENT; i++) CHECK(s2s_result_rerank_logprob(r, i) <= 0.0f);
    s2s_result_free(r);
    s2s_model_free(q);
}

static void a_rerank_model_of_other_vocabularies_or_a_bad_weight_is_refused(void) {
    s2s_hparams hp = *s2s_model_hparams(model);
    hp.tgt_vocab += 1;
    s2s_model *other = NULL;
    CHECK(s2s_model_init(&other, &hp, 1, 0.1f, NULL) == S2S_OK);
    s2s_translate_params p = s2s_translate_default_params();
    p.beam_size = 2;
    p.rerank_model = other;
    s2s_result *r = NULL;
    s2s_error err;
    CHECK(s2s_translate_ids(model, 1, src_ptr, src_len, &p, &r, &err) == S2S_ERR_INVALID_ARGUMENT && !r);
    CHECK(strstr(err.message, "rerank model") != NULL);
    p.rerank_model = model;
    const float bad[] = {-0.5f, 100.5f, NAN};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        p.rerank_weight = bad[i];
        CHECK(s2s_translate_ids(model, 1, src_ptr, src_len, &p, &r, &err) == S2S_ERR_INVALID_ARGUMENT);
    }
    s2s_model_free(other);
    /* the weight a file recommends, read like its length penalty */
    CHECK(s2s_translate_model_params(model).rerank_weight == 0.0f);
    CHECK(s2s_model_set_meta(model, "rerank_weight", "0.25", NULL) == S2S_OK);
    CHECK(s2s_translate_model_params(model).rerank_weight == 0.25f);
    CHECK(s2s_model_set_meta(model, "rerank_weight", "-1", NULL) == S2S_OK);
    CHECK(s2s_translate_model_params(model).rerank_weight == 0.0f);
    CHECK(s2s_model_set_meta(model, "rerank_weight", "101", NULL) == S2S_OK);
    CHECK(s2s_translate_model_params(model).rerank_weight == 0.0f);
    CHECK(s2s_model_remove_meta(model, "rerank_weight"));
}

/* Whether some output has a token right after itself; with `only`, that token. */
static int has_doubled_token(const s2s_result *r, int n_sent, int32_t only) {
    for (int i = 0; i < n_sent; i++) {
        int32_t n;
        const int32_t *tok = s2s_result_tokens(r, i, &n);
        for (int k = 1; tok && k < n; k++)
            if (tok[k] == tok[k - 1] && (only < 0 || tok[k] == only)) return 1;
    }
    return 0;
}

/* The copy model copies doubled symbols ("a a b"); with block_repeats a
 * piece that starts a word with a letter never follows itself, in greedy,
 * beam and streamed search, while a digit's piece still may. Runs last: it
 * gives the shared model a vocabulary. */
static void block_repeats_keeps_a_word_from_following_itself(void) {
    const char *pieces[4 + SYMBOLS] = {"<pad>", "<unk>", "<s>", "</s>"};
    float scores[4 + SYMBOLS];
    int32_t types[4 + SYMBOLS] = {3, 2, 3, 3};
    /* symbols 4..9 are words ("\u2581a"), 10..15 numbers ("\u25811") */
    static char text[SYMBOLS][8];
    for (int k = 0; k < SYMBOLS; k++) {
        snprintf(text[k], sizeof text[k], "\xE2\x96\x81%c", k < 6 ? 'a' + k : '1' + (k - 6));
        pieces[4 + k] = text[k];
        types[4 + k] = 1;
    }
    for (int k = 0; k < 4 + SYMBOLS; k++) scores[k] = -(float)k;
    CHECK(s2s_model_set_vocab(model, 4 + SYMBOLS, pieces, scores, types, NULL) == S2S_OK);
    /* every symbol doubled, between two others */
    int32_t store[SYMBOLS][4], lens[SYMBOLS];
    const int32_t *ptr[SYMBOLS];
    for (int k = 0; k < SYMBOLS; k++) {
        int32_t sym = 4 + k, other = 4 + (k + 5) % SYMBOLS;
        store[k][0] = other;
        store[k][1] = store[k][2] = sym;
        store[k][3] = 4 + (k + 7) % SYMBOLS;
        lens[k] = 4;
        ptr[k] = store[k];
    }
    for (int beam = 1; beam <= 4; beam += 3) {
        s2s_translate_params p = s2s_translate_default_params();
        p.beam_size = beam;
        s2s_result *plain = NULL, *blocked = NULL;
        CHECK(s2s_translate_ids(model, SYMBOLS, ptr, lens, &p, &plain, NULL) == S2S_OK);
        p.block_repeats = 1;
        CHECK(s2s_translate_ids(model, SYMBOLS, ptr, lens, &p, &blocked, NULL) == S2S_OK);
        int words_doubled = 0, words_blocked = 0, numbers_doubled = 0;
        for (int32_t w = 4; w < 4 + SYMBOLS; w++) {
            if (w < 10) {
                words_doubled += has_doubled_token(plain, SYMBOLS, w);
                words_blocked += has_doubled_token(blocked, SYMBOLS, w);
            } else {
                numbers_doubled += has_doubled_token(blocked, SYMBOLS, w);
            }
        }
        printf("  beam %d: the copy doubles %d of 6 words, %d with block_repeats, which doubles %d of "
               "6 numbers\n", beam, words_doubled, words_blocked, numbers_doubled);
        CHECK(words_doubled >= 3); /* else this test could not fail */
        CHECK(words_blocked == 0);
        CHECK(numbers_doubled >= 3);
        if (beam == 1)
            for (int i = 0; i < SYMBOLS; i++) {
                s2s_stream *st = NULL;
                CHECK(s2s_stream_start(&st, model, ptr[i], lens[i], &p, NULL) == S2S_OK);
                int32_t n, tok, done = 0, k = 0, ok = 1;
                float lp;
                const int32_t *want = s2s_result_tokens(blocked, i, &n);
                while (!done && k <= n) {
                    CHECK(s2s_stream_next(st, &tok, &lp, &done, NULL) == S2S_OK);
                    ok &= done ? k == n && tok == S2S_EOS : k < n && tok == want[k];
                    k++;
                }
                CHECK(ok && done);
                s2s_stream_free(st);
            }
        s2s_result_free(plain);
        s2s_result_free(blocked);
    }
    /* the file's metadata sets the default; a request must say 0 or 1 */
    CHECK(s2s_translate_model_params(model).block_repeats == 0);
    CHECK(s2s_model_set_meta(model, "block_repeats", "1", NULL) == S2S_OK);
    CHECK(s2s_translate_model_params(model).block_repeats == 1);
    CHECK(s2s_model_set_meta(model, "block_repeats", "yes", NULL) == S2S_OK);
    CHECK(s2s_translate_model_params(model).block_repeats == 0);
    s2s_translate_params bad = s2s_translate_default_params();
    bad.block_repeats = 2;
    s2s_result *r = NULL;
    CHECK(s2s_translate_ids(model, 1, ptr, lens, &bad, &r, NULL) == S2S_ERR_INVALID_ARGUMENT && !r);
}

int main(void) {
    model = trained_copy_model();
    RUN(results_hold_tokens_logprobs_scores_and_attention);
    RUN(a_batch_translates_like_its_sentences_one_by_one);
    RUN(beam_search_finds_hypotheses_at_least_as_likely_as_greedy);
    RUN(int8_search_agrees_with_f32);
    RUN(the_maximum_length_is_respected);
    RUN(streaming_gives_what_greedy_search_gives);
    RUN(bad_requests_get_error_codes);
    RUN(a_model_file_can_recommend_its_length_penalty);
    RUN(a_reverse_model_reranks_the_finished_hypotheses);
    RUN(a_rerank_model_of_other_vocabularies_or_a_bad_weight_is_refused);
    RUN(block_repeats_keeps_a_word_from_following_itself);
    s2s_model_free(model);
    return tests_exit_code();
}
