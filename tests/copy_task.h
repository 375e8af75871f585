/*
 * copy_task.h — what several search tests share: a model trained briefly to
 * copy its input (peaked but imperfect, which is what makes beam search,
 * batching and shortlist differences visible), and the checks any model's
 * search must pass: its int8 copy searches like it, and a batch translates
 * like its sentences one by one. Include after testing.h.
 */
#ifndef S2S_TESTS_COPY_TASK_H
#define S2S_TESTS_COPY_TASK_H

#include <math.h>
#include <string.h>

#include "s2s.h"
#include "util.h"

/* `steps` Adam steps (lr 3e-3, no dropout) on batches of 32 random
 * sequences of 2..10 symbols 4..4+symbols-1, drawn from rng (which the
 * caller seeded and may go on drawing from). */
static inline s2s_model *copy_task_model(const s2s_hparams *hp, uint64_t init_seed,
                                         s2s_rng *rng, int steps, int symbols) {
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, hp, init_seed, 0.1f, NULL) == S2S_OK);
    s2s_train_params p = s2s_train_default_params();
    p.learning_rate = 3e-3f;
    p.dropout = 0.0f;
    s2s_trainer *t = NULL;
    CHECK(s2s_trainer_init(&t, m, &p, NULL) == S2S_OK);
    int32_t buf[32][12], len[32];
    const int32_t *ptr[32];
    for (int step = 0; step < steps; step++) {
        for (int b = 0; b < 32; b++) {
            len[b] = 2 + (int32_t)(s2s_rng_u32(rng) % 9);
            for (int k = 0; k < len[b]; k++)
                buf[b][k] = 4 + (int32_t)(s2s_rng_u32(rng) % (uint32_t)symbols);
            ptr[b] = buf[b];
        }
        s2s_batch batch = {32, ptr, len, ptr, len};
        CHECK(s2s_trainer_step(t, &batch, NULL, NULL, NULL) == S2S_OK);
    }
    s2s_trainer_free(t);
    return m;
}

/* How many of n sentences m's int8 copy translates exactly as m (beam 2). */
static inline int int8_same_outputs(const s2s_model *m, int n, const int32_t *const *src,
                                    const int32_t *len) {
    s2s_model *q = NULL;
    CHECK(s2s_model_quantize(&q, m, NULL) == S2S_OK);
    s2s_translate_params p = s2s_translate_default_params();
    p.beam_size = 2;
    s2s_result *rf = NULL, *rq = NULL;
    CHECK(s2s_translate_ids(m, n, src, len, &p, &rf, NULL) == S2S_OK);
    CHECK(s2s_translate_ids(q, n, src, len, &p, &rq, NULL) == S2S_OK);
    int same = 0;
    for (int i = 0; rf && rq && i < n; i++) {
        int32_t nf, nq;
        const int32_t *tf = s2s_result_tokens(rf, i, &nf), *tq = s2s_result_tokens(rq, i, &nq);
        same += nf == nq && memcmp(tf, tq, sizeof(int32_t) * (size_t)nf) == 0;
    }
    s2s_result_free(rf);
    s2s_result_free(rq);
    s2s_model_free(q);
    return same;
}

/* Sentences translated together equal them translated one at a time
 * (tokens exactly, scores within float noise); 1 when all do. */
static inline int batch_matches_one_by_one(const s2s_model *m, int n, const int32_t *const *ptr,
                                           const int32_t *len, int beam) {
    s2s_translate_params p = s2s_translate_default_params();
    p.beam_size = beam;
    s2s_result *all = NULL;
    CHECK(s2s_translate_ids(m, n, ptr, len, &p, &all, NULL) == S2S_OK);
    int same = 0;
    for (int i = 0; all && i < n; i++) {
        s2s_result *one = NULL;
        CHECK(s2s_translate_ids(m, 1, &ptr[i], &len[i], &p, &one, NULL) == S2S_OK);
        int32_t na, n1;
        const int32_t *ta = s2s_result_tokens(all, i, &na), *t1 = s2s_result_tokens(one, 0, &n1);
        int eq = na == n1 && memcmp(ta, t1, sizeof(int32_t) * (size_t)na) == 0;
        same += eq;
        if (eq) CHECK_CLOSE(s2s_result_score(all, i), s2s_result_score(one, 0), 1e-4);
        s2s_result_free(one);
    }
    printf("  beam %d: %d of %d sentences identical in a batch and alone\n", beam, same, n);
    s2s_result_free(all);
    return same == n;
}

/* Reranking by rev (a model of the other direction; a copy model is its
 * own): with weight 0 the search picks what it picks without reranking and
 * reports for it the log P(source | hypothesis) per source token that rev's
 * teacher-forced loss gives (s2s_trainer_eval, the trainer's own forward);
 * with weight w the winner's score + w x that is at least the weight-0
 * winner's, and a batch reranks like its sentences one by one. Returns how
 * many of the n sentences weight w changes. */
static inline int rerank_checks(const s2s_model *m, const s2s_model *rev, int n,
                                const int32_t *const *src, const int32_t *len, float w) {
    s2s_model *tf = NULL; /* a trainer needs a model it may own */
    s2s_trainer *t = NULL;
    CHECK(s2s_model_clone(&tf, rev, NULL) == S2S_OK);
    s2s_train_params tp = s2s_train_default_params();
    CHECK(s2s_trainer_init(&t, tf, &tp, NULL) == S2S_OK);
    s2s_translate_params p = s2s_translate_default_params();
    p.beam_size = 4;
    s2s_result *plain = NULL, *r0 = NULL, *rw = NULL;
    CHECK(s2s_translate_ids(m, n, src, len, &p, &plain, NULL) == S2S_OK);
    p.rerank_model = rev;
    CHECK(s2s_translate_ids(m, n, src, len, &p, &r0, NULL) == S2S_OK);
    p.rerank_weight = w;
    CHECK(s2s_translate_ids(m, n, src, len, &p, &rw, NULL) == S2S_OK);
    int changed = 0;
    for (int i = 0; plain && r0 && rw && i < n; i++) {
        int32_t np, n0, nw;
        const int32_t *tp_ = s2s_result_tokens(plain, i, &np), *t0 = s2s_result_tokens(r0, i, &n0);
        const int32_t *tw = s2s_result_tokens(rw, i, &nw);
        CHECK(np == n0 && memcmp(tp_, t0, sizeof(int32_t) * (size_t)np) == 0);
        CHECK(isnan(s2s_result_rerank_logprob(plain, i)));
        /* rev's loss on (hypothesis -> source): EOS read alone for an empty one */
        int32_t eos = S2S_EOS, hl = n0 ? n0 : 1;
        const int32_t *h = n0 ? t0 : &eos;
        s2s_batch b = {1, &h, &hl, &src[i], &len[i]};
        float loss = 0.0f;
        int32_t tokens = 0;
        CHECK(s2s_trainer_eval(t, &b, &loss, &tokens, NULL) == S2S_OK);
        CHECK(tokens == len[i] + 1);
        CHECK_CLOSE(s2s_result_rerank_logprob(r0, i), -loss, 1e-4 * (1.0 + fabs(loss)));
        float c0 = s2s_result_score(r0, i) + w * s2s_result_rerank_logprob(r0, i);
        float cw = s2s_result_score(rw, i) + w * s2s_result_rerank_logprob(rw, i);
        CHECK(cw >= c0 - 1e-4f * (1.0f + fabsf(c0)));
        changed += nw != n0 || memcmp(tw, t0, sizeof(int32_t) * (size_t)n0) != 0;
        s2s_result *one = NULL;
        CHECK(s2s_translate_ids(m, 1, &src[i], &len[i], &p, &one, NULL) == S2S_OK);
        int32_t n1;
        const int32_t *t1 = s2s_result_tokens(one, 0, &n1);
        CHECK(n1 == nw && memcmp(t1, tw, sizeof(int32_t) * (size_t)nw) == 0);
        CHECK_CLOSE(s2s_result_rerank_logprob(one, 0), s2s_result_rerank_logprob(rw, i), 1e-4);
        s2s_result_free(one);
    }
    printf("  rerank weight %.1f changes %d of %d beam-4 outputs\n", (double)w, changed, n);
    s2s_result_free(plain);
    s2s_result_free(r0);
    s2s_result_free(rw);
    s2s_trainer_free(t);
    s2s_model_free(tf);
    return changed;
}

#endif /* S2S_TESTS_COPY_TASK_H */
