/*
 * test_transformer.c — the Transformer family end to end: its rules, that
 * a small one learns to copy, that the search's K/V cache reproduces the
 * teacher-forced full forward (greedy rows, beam rows after reorders,
 * streaming), that batching changes nothing, int8 against f32, and the
 * file: version 3, a round trip, and a version-2 Transformer refused.
 */
#include <stdlib.h>
#include <string.h>

#include "../src/arch.h"
#include "../src/format.h"
#include "testing.h"
#include "copy_task.h"

#define SYMBOLS 12
#define N_SENT 32

static int32_t src_store[N_SENT][12];
static int32_t src_len[N_SENT];
static const int32_t *src_ptr[N_SENT];

static s2s_hparams small_transformer(void) {
    s2s_hparams hp = {.src_vocab = 4 + SYMBOLS, .tgt_vocab = 4 + SYMBOLS, .emb_dim = 32,
                      .enc_hidden = 32, .dec_hidden = 32, .layers = 2, .tie_output = 0,
                      .architecture = S2S_ARCH_TRANSFORMER, .heads = 4, .ff_dim = 64,
                      .dec_layers = 2, .positions = S2S_POS_SINUSOIDAL,
                      .activation = S2S_ACT_GELU};
    return hp;
}

static s2s_model *model;
static double copy_accuracy;

static void random_sentence(int32_t *out, int32_t *len, int lo, int hi, s2s_rng *rng) {
    *len = lo + (int32_t)(s2s_rng_u32(rng) % (uint32_t)(hi - lo + 1));
    for (int k = 0; k < *len; k++) out[k] = 4 + (int32_t)(s2s_rng_u32(rng) % SYMBOLS);
}

/* A Transformer trained for a few hundred steps to copy its input. */
static s2s_model *trained_copy_model(void) {
    s2s_hparams hp = small_transformer();
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, &hp, 21, 0.1f, NULL) == S2S_OK);
    s2s_train_params p = s2s_train_default_params();
    p.learning_rate = 2e-3f;
    p.dropout = 0.0f;
    s2s_trainer *t = NULL;
    CHECK(s2s_trainer_init(&t, m, &p, NULL) == S2S_OK);
    s2s_rng rng;
    s2s_rng_seed(&rng, 5);
    int32_t buf[32][12], len[32];
    const int32_t *ptr[32];
    float loss = 0.0f;
    for (int step = 0; step < 400; step++) {
        for (int b = 0; b < 32; b++) {
            random_sentence(buf[b], &len[b], 2, 10, &rng);
            ptr[b] = buf[b];
        }
        s2s_batch batch = {32, ptr, len, ptr, len};
        CHECK(s2s_trainer_step(t, &batch, &loss, NULL, NULL) == S2S_OK);
    }
    printf("  copy task: loss per token after 400 steps %.3f\n", loss);
    s2s_trainer_free(t);
    for (int i = 0; i < N_SENT; i++) {
        random_sentence(src_store[i], &src_len[i], 1, 11, &rng);
        src_ptr[i] = src_store[i];
    }
    return m;
}

static void invalid_transformer_hyper_parameters_are_refused(void) {
    s2s_hparams ok = small_transformer(), hp;
    s2s_error err;
    CHECK(s2s_hparams_validate(&ok, &err) == S2S_OK);
    hp = ok, hp.heads = 3; /* 32 % 3 */
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT && strstr(err.message, "heads"));
    hp = ok, hp.ff_dim = 40; /* not a multiple of S2S_Q8_COLS */
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT && strstr(err.message, "ff_dim"));
    hp = ok, hp.dec_hidden = 64;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT);
    hp = ok, hp.cell = S2S_CELL_LSTM;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT);
    hp = ok, hp.positions = S2S_POS_LEARNED, hp.max_positions = 100;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT && strstr(err.message, "max_positions"));
    hp.max_positions = S2S_MAX_SEQ_LEN;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_OK);
    hp = ok, hp.dec_layers = 0;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT);
    /* and the RNN keeps the Transformer's fields at 0 */
    hp = s2s_hparams_default(), hp.heads = 4;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT && strstr(err.message, "heads"));
}

static void a_small_transformer_learns_to_copy(void) {
    s2s_translate_params p = s2s_translate_default_params();
    s2s_result *r = NULL;
    CHECK(s2s_translate_ids(model, N_SENT, src_ptr, src_len, &p, &r, NULL) == S2S_OK);
    int exact = 0;
    for (int i = 0; r && i < N_SENT; i++) {
        int32_t n;
        const int32_t *tok = s2s_result_tokens(r, i, &n);
        exact += n == src_len[i] && !memcmp(tok, src_ptr[i], sizeof(int32_t) * (size_t)n);
    }
    copy_accuracy = (double)exact / N_SENT;
    printf("  greedy copies %d of %d sentences exactly\n", exact, N_SENT);
    CHECK(exact >= N_SENT / 2);
    s2s_result_free(r);
}

/* The teacher-forced decoder output (T, B, E) for rows whose sentence is
 * row_src[r] and whose decoder inputs are in[r][0..T). */
static float *full_forward(const s2s_model *m, const int32_t *row_src, int32_t (*in)[16], int T,
                           int B, arena *a) {
    int S = 0;
    for (int r = 0; r < B; r++) S = src_len[row_src[r]] > S ? src_len[row_src[r]] : S;
    int32_t *src = arena_bytes(a, sizeof(int32_t) * (size_t)S * B);
    int32_t *len = arena_bytes(a, sizeof(int32_t) * (size_t)B);
    int32_t *dec = arena_bytes(a, sizeof(int32_t) * (size_t)T * B);
    float *O = arena_floats(a, (size_t)T * B * m->hp.emb_dim);
    for (int r = 0; r < B; r++) {
        len[r] = src_len[row_src[r]];
        for (int s = 0; s < S; s++) src[s * B + r] = s < len[r] ? src_ptr[row_src[r]][s] : S2S_PAD;
        for (int t = 0; t < T; t++) dec[t * B + r] = in[r][t];
    }
    packed_batch b = {.src = src, .len = len, .dec_in = dec, .S = S, .T = T, .B = B};
    CHECK(arch_of(&m->hp)->train_forward(O, m, &b, 0, 0.0f, NULL, a) != NULL);
    return O;
}

enum { CHILDREN, IDENTITY, PERMUTATION };

/* Steps n sentences with two rows each, feeding random tokens and
 * reordering rows as `how` says: CHILDREN as beams do (a sentence's rows are
 * children of any of its rows, a parent may have several), IDENTITY (every
 * row its own parent), PERMUTATION (a random permutation of all rows across
 * sentences, so swaps and cycles). After every step each row's output must
 * equal the full forward over that row's history. */
static double kv_cache_worst_difference(int how) {
    const s2s_arch *arch = arch_of(&model->hp);
    enum { n = 5, rows = 2 * n, T = 12 };
    int E = model->hp.emb_dim, S = 0;
    int32_t len[n], row_src[rows], prev[rows], parent[rows], hist[rows][16], next_hist[rows][16];
    for (int i = 0; i < n; i++) {
        len[i] = src_len[i];
        S = len[i] > S ? len[i] : S;
    }
    int32_t src[12 * n];
    for (int s = 0; s < S; s++)
        for (int i = 0; i < n; i++) src[s * n + i] = s < len[i] ? src_ptr[i][s] : S2S_PAD;
    arena a, f;
    memset(&a, 0, sizeof a);
    memset(&f, 0, sizeof f);
    void *state = arch->begin(model, src, len, S, n, rows, T, &a);
    CHECK(state != NULL);
    s2s_rng rng;
    s2s_rng_seed(&rng, 77);
    int N = how == CHILDREN ? n : rows; /* CHILDREN: one row per sentence, as the search starts */
    for (int r = 0; r < N; r++) row_src[r] = how == CHILDREN ? r : r / 2, hist[r][0] = S2S_SOS;
    double worst = 0.0;
    for (int t = 0; t < T && state; t++) {
        for (int r = 0; r < N; r++) prev[r] = hist[r][t];
        const float *out = arch->step(state, NULL, NULL, row_src, prev, N, &a);
        CHECK(out != NULL);
        arena_reset(&f);
        const float *O = full_forward(model, row_src, hist, t + 1, N, &f);
        double step_worst = 0.0;
        for (int r = 0; out && r < N; r++)
            for (int e = 0; e < E; e++) {
                double d = fabs(out[(size_t)r * E + e] - O[((size_t)t * N + r) * E + e]);
                if (d > step_worst) step_worst = d;
            }
        if (getenv("TF_DEBUG")) printf("    step %d rows %d: %.2e\n", t, N, step_worst);
        worst = step_worst > worst ? step_worst : worst;
        /* the next rows: each sentence keeps two, children of any of its rows */
        int N2 = rows;
        for (int o = 0; o < N2; o++) parent[o] = o;
        for (int o = 0; o < N2 && how == CHILDREN; o++) {
            int i = o / 2, first = 0;
            while (row_src[first] != i) first++;
            int count = 0;
            while (first + count < N && row_src[first + count] == i) count++;
            parent[o] = first + (int)(s2s_rng_u32(&rng) % (uint32_t)count);
        }
        for (int o = N2 - 1; o > 0 && how == PERMUTATION; o--) {
            int j = (int)(s2s_rng_u32(&rng) % (uint32_t)(o + 1)), tmp = parent[o];
            parent[o] = parent[j], parent[j] = tmp;
        }
        arch->reorder(state, parent, N2);
        int32_t next_src[rows];
        for (int o = 0; o < N2; o++) {
            next_src[o] = row_src[parent[o]];
            memcpy(next_hist[o], hist[parent[o]], sizeof hist[0]);
            next_hist[o][t + 1] = 4 + (int32_t)(s2s_rng_u32(&rng) % SYMBOLS);
        }
        memcpy(row_src, next_src, sizeof row_src);
        memcpy(hist, next_hist, sizeof hist);
        N = N2;
    }
    arena_release(&a);
    arena_release(&f);
    return worst;
}

static void the_kv_cache_reproduces_the_full_forward_through_reorders(void) {
    static const char *const names[] = {"beam-like children", "identity", "permutations"};
    for (int how = CHILDREN; how <= PERMUTATION; how++) {
        double worst = kv_cache_worst_difference(how);
        printf("  K/V cache vs teacher-forced full forward, 12 steps, reorders by %s: max "
               "|difference| %.2e\n", names[how], worst);
        CHECK(worst <= 1e-5);
    }
}

static void a_batch_translates_like_its_sentences_one_by_one(void) {
    for (int beam = 1; beam <= 4; beam += 3)
        CHECK(batch_matches_one_by_one(model, N_SENT, src_ptr, src_len, beam));
}

/* The search sizes a chunk by its own longest source and most steps: the
 * state per row must shrink with both, and the RNN's not depend on them. */
static void search_state_per_row_shrinks_with_source_and_steps(void) {
    s2s_hparams hp = small_transformer();
    const s2s_arch *tf = arch_of(&hp);
    size_t full = tf->row_state_bytes(&hp, S2S_MAX_SEQ_LEN, S2S_MAX_SEQ_LEN);
    CHECK(tf->row_state_bytes(&hp, 12, S2S_MAX_SEQ_LEN) < full);
    CHECK(tf->row_state_bytes(&hp, S2S_MAX_SEQ_LEN, 35) < full);
    CHECK(tf->row_state_bytes(&hp, 12, 35) < tf->row_state_bytes(&hp, 12, S2S_MAX_SEQ_LEN));
    CHECK(tf->row_state_bytes(&hp, 12, 35) < tf->row_state_bytes(&hp, S2S_MAX_SEQ_LEN, 35));
    CHECK(tf->row_state_bytes(&hp, 12, 35) > 0);
    s2s_hparams rnn = s2s_hparams_default();
    const s2s_arch *ra = arch_of(&rnn);
    CHECK(ra->row_state_bytes(&rnn, 12, 35) ==
          ra->row_state_bytes(&rnn, S2S_MAX_SEQ_LEN, S2S_MAX_SEQ_LEN));
}

/* A wider, deeper (untrained) decoder whose state, sized for
 * S2S_MAX_SEQ_LEN, would split 40 short sentences into chunks of about 30
 * rows; sized by the request they fit one chunk, and a long sentence in the
 * middle splits it elsewhere. Neither may change a result. */
static void chunks_sized_by_the_request_translate_like_sentences_one_by_one(void) {
    s2s_hparams hp = small_transformer();
    hp.emb_dim = hp.enc_hidden = hp.dec_hidden = 256, hp.ff_dim = 128;
    hp.layers = 1, hp.dec_layers = S2S_MAX_LAYERS;
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, &hp, 3, 0.1f, NULL) == S2S_OK);
    if (!m) return;
    enum { N = 40, LONG = 500 };
    const size_t budget = (size_t)256 << 20; /* search.c's STATE_BUDGET */
    const s2s_arch *arch = arch_of(&hp);
    CHECK(budget / arch->row_state_bytes(&hp, S2S_MAX_SEQ_LEN, S2S_MAX_SEQ_LEN) < N);
    CHECK(budget / arch->row_state_bytes(&hp, 11, 2 * 11 + 11) >= 2 * N);
    static int32_t long_src[LONG];
    const int32_t *ptr[N];
    int32_t len[N];
    for (int i = 0; i < N; i++) ptr[i] = src_ptr[i % N_SENT], len[i] = src_len[i % N_SENT];
    for (int beam = 1; beam <= 2; beam++) CHECK(batch_matches_one_by_one(m, N, ptr, len, beam));
    for (int k = 0; k < LONG; k++) long_src[k] = 4 + k % SYMBOLS;
    ptr[N / 2] = long_src, len[N / 2] = LONG;
    CHECK(budget / arch->row_state_bytes(&hp, LONG, S2S_MAX_SEQ_LEN) < N);
    CHECK(batch_matches_one_by_one(m, N, ptr, len, 1));
    s2s_model_free(m);
}

static void streaming_gives_what_greedy_search_gives(void) {
    s2s_translate_params p = s2s_translate_default_params();
    p.want_attention = 1;
    s2s_result *r = NULL;
    CHECK(s2s_translate_ids(model, N_SENT, src_ptr, src_len, &p, &r, NULL) == S2S_OK);
    int same = 0;
    double worst_att = 0.0;
    for (int i = 0; r && i < N_SENT; i++) {
        s2s_stream *s = NULL;
        CHECK(s2s_stream_start(&s, model, src_ptr[i], src_len[i], &p, NULL) == S2S_OK);
        int32_t n, rows, cols, tok, done = 0, k = 0, ok = 1;
        float lp;
        const int32_t *want = s2s_result_tokens(r, i, &n);
        const float *want_lp = s2s_result_token_logprobs(r, i);
        const float *want_att = s2s_result_attention(r, i, &rows, &cols);
        ok &= want_att != NULL && rows == n + 1 && cols == src_len[i];
        while (ok && !done && k <= n) {
            CHECK(s2s_stream_next(s, &tok, &lp, &done, NULL) == S2S_OK);
            ok &= done ? k == n && tok == S2S_EOS : k < n && tok == want[k];
            ok &= fabsf(lp - want_lp[k]) <= 1e-4f;
            int32_t c;
            const float *row = s2s_stream_attention(s, &c);
            ok &= row && c == cols;
            float sum = 0.0f;
            for (int j = 0; ok && j < c; j++) {
                double d = fabs(row[j] - want_att[(size_t)k * cols + j]);
                worst_att = d > worst_att ? d : worst_att;
                sum += row[j];
            }
            ok &= fabsf(sum - 1.0f) <= 1e-4f; /* heads' average of distributions */
            k++;
        }
        same += ok && done;
        s2s_stream_free(s);
    }
    printf("  streamed %d of %d sentences like greedy search (attention within %.1e)\n", same,
           N_SENT, worst_att);
    CHECK(same == N_SENT);
    CHECK(worst_att <= 1e-4);
    s2s_result_free(r);
}

static void beam_search_finds_hypotheses_at_least_as_likely_as_greedy(void) {
    s2s_translate_params p = s2s_translate_default_params();
    p.length_penalty = 0.0f;
    s2s_result *g = NULL, *b = NULL;
    CHECK(s2s_translate_ids(model, N_SENT, src_ptr, src_len, &p, &g, NULL) == S2S_OK);
    p.beam_size = 6;
    CHECK(s2s_translate_ids(model, N_SENT, src_ptr, src_len, &p, &b, NULL) == S2S_OK);
    int worse = 0;
    double gain = 0.0;
    for (int i = 0; g && b && i < N_SENT; i++) {
        float sg = s2s_result_score(g, i), sb = s2s_result_score(b, i);
        worse += sb < sg - 1e-5f;
        gain += sb - sg;
    }
    printf("  beam 6 vs greedy: %d worse, mean log-probability gain %.4f\n", worse, gain / N_SENT);
    CHECK(worse <= N_SENT / 10);
    CHECK(gain >= -1e-4); /* equal up to float noise when greedy is already best */
    s2s_result_free(g);
    s2s_result_free(b);
}

static void int8_search_agrees_with_f32(void) {
    int same = int8_same_outputs(model, N_SENT, src_ptr, src_len);
    printf("  int8 and f32 give the same output for %d of %d sentences\n", same, N_SENT);
    CHECK(same >= N_SENT * 9 / 10);
}

/* The copy model reverses a copy: the rerank pass through the Transformer's
 * begin / step (many rows, sources of the hypotheses' lengths) scores as
 * the trainer's teacher-forced forward does. */
static void a_reverse_transformer_reranks_the_finished_hypotheses(void) {
    rerank_checks(model, model, N_SENT, src_ptr, src_len, 2.0f);
    /* the longest source: its rerank pass stays within the decoder's steps
     * (learned positions have S2S_MAX_SEQ_LEN rows) */
    s2s_hparams hp = small_transformer();
    hp.positions = S2S_POS_LEARNED;
    hp.max_positions = S2S_MAX_SEQ_LEN;
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, &hp, 3, 0.1f, NULL) == S2S_OK);
    static int32_t longest[S2S_MAX_SEQ_LEN];
    for (int i = 0; i < S2S_MAX_SEQ_LEN; i++) longest[i] = 4 + i % SYMBOLS;
    const int32_t *lp = longest;
    int32_t n = S2S_MAX_SEQ_LEN;
    s2s_translate_params p = s2s_translate_default_params();
    p.beam_size = 2;
    p.max_len_factor = 0.01f;
    p.max_len_extra = 4;
    p.rerank_model = m;
    p.rerank_weight = 1.0f;
    s2s_result *r = NULL;
    CHECK(s2s_translate_ids(m, 1, &lp, &n, &p, &r, NULL) == S2S_OK);
    float lr = s2s_result_rerank_logprob(r, 0);
    CHECK(isfinite(lr) && lr <= 0.0f);
    s2s_result_free(r);
    s2s_model_free(m);
}

static void files_are_version_3_round_trip_and_a_version_2_transformer_is_refused(void) {
    uint8_t *buf = NULL;
    size_t n = 0;
    CHECK(s2s_model_save(model, &buf, &n, NULL) == S2S_OK);
    CHECK(buf && format_read_u32(buf + 4) == 3);
    s2s_model *back = NULL;
    CHECK(s2s_model_load(&back, buf, n, NULL) == S2S_OK);
    uint8_t *again = NULL;
    size_t n2 = 0;
    CHECK(back && s2s_model_save(back, &again, &n2, NULL) == S2S_OK);
    CHECK(n2 == n && again && !memcmp(buf, again, n));
    CHECK(back && !memcmp(&back->hp, &model->hp, sizeof model->hp));
    s2s_free(again);
    s2s_model_free(back);
    /* the same bytes claiming version 2 (checksum repaired): refused */
    buf[4] = 2;
    uint32_t crc = format_crc32(0, buf, n - 4);
    for (int i = 0; i < 4; i++) buf[n - 4 + i] = (uint8_t)(crc >> (8 * i));
    s2s_error err;
    CHECK(s2s_model_load(&back, buf, n, &err) == S2S_ERR_BAD_FORMAT && strstr(err.message, "version"));
    s2s_free(buf);
    /* an RNN is still written as version 2 */
    s2s_hparams hp = s2s_hparams_default();
    hp.src_vocab = hp.tgt_vocab = 20, hp.emb_dim = hp.enc_hidden = hp.dec_hidden = 16;
    s2s_model *rnn = NULL;
    CHECK(s2s_model_init(&rnn, &hp, 1, 0.1f, NULL) == S2S_OK);
    CHECK(s2s_model_save(rnn, &buf, &n, NULL) == S2S_OK && format_read_u32(buf + 4) == 2);
    s2s_free(buf);
    s2s_model_free(rnn);
}

int main(void) {
    RUN(invalid_transformer_hyper_parameters_are_refused);
    model = trained_copy_model();
    RUN(a_small_transformer_learns_to_copy);
    RUN(the_kv_cache_reproduces_the_full_forward_through_reorders);
    RUN(a_batch_translates_like_its_sentences_one_by_one);
    RUN(search_state_per_row_shrinks_with_source_and_steps);
    RUN(chunks_sized_by_the_request_translate_like_sentences_one_by_one);
    RUN(streaming_gives_what_greedy_search_gives);
    RUN(beam_search_finds_hypotheses_at_least_as_likely_as_greedy);
    RUN(int8_search_agrees_with_f32);
    RUN(a_reverse_transformer_reranks_the_finished_hypotheses);
    RUN(files_are_version_3_round_trip_and_a_version_2_transformer_is_refused);
    s2s_model_free(model);
    return tests_exit_code();
}
