/*
 * test_train.c — the trainer's promises: determinism under a seed,
 * checkpoints that resume exactly, a diverging or out-of-memory step that
 * changes nothing,
 * evaluation that changes nothing, and clear errors for bad batches.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "model.h"
#include "testing.h"
#include "util.h"

enum { B = 8, LEN = 6 };
static int32_t src[B][LEN], tgt[B][LEN], slen[B], tlen[B];
static const int32_t *sp[B], *tp[B];
static s2s_batch batch = {B, sp, slen, tp, tlen};

static void make_batch(uint64_t seed) {
    s2s_rng rng;
    s2s_rng_seed(&rng, seed);
    for (int b = 0; b < B; b++) {
        slen[b] = 1 + (int32_t)(s2s_rng_u32(&rng) % LEN);
        tlen[b] = (int32_t)(s2s_rng_u32(&rng) % LEN);
        for (int k = 0; k < LEN; k++) {
            src[b][k] = 4 + (int32_t)(s2s_rng_u32(&rng) % 16);
            tgt[b][k] = 4 + (int32_t)(s2s_rng_u32(&rng) % 16);
        }
        sp[b] = src[b];
        tp[b] = tgt[b];
    }
}

static s2s_model *new_model(void) {
    s2s_hparams hp = {.src_vocab = 20, .tgt_vocab = 20, .emb_dim = 16, .enc_hidden = 16,
                      .dec_hidden = 32, .layers = 2, .bidirectional = 1, .cell = S2S_CELL_LSTM,
                      .attention = S2S_ATTN_BAHDANAU, .bridge = S2S_BRIDGE_PROJECT,
                      .input_feed = 1, .tie_output = 0};
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, &hp, 3, 0.1f, NULL) == S2S_OK);
    return m;
}

static s2s_train_params with_dropout(void) {
    s2s_train_params p = s2s_train_default_params();
    p.dropout = 0.3f;
    p.seed = 77;
    return p;
}

static void run_steps(s2s_trainer *t, int n, float *last_loss) {
    for (int i = 0; i < n; i++) CHECK(s2s_trainer_step(t, &batch, last_loss, NULL, NULL) == S2S_OK);
}

/* Two equal models with trainers of the same settings (with_dropout()),
 * each after `steps` steps on the batch. */
typedef struct twins {
    s2s_model *a, *b;
    s2s_trainer *ta, *tb;
    float la, lb; /* the last step's losses */
} twins;

static twins twins_after(int steps) {
    twins w = {new_model(), new_model(), NULL, NULL, 0, 0};
    s2s_train_params p = with_dropout();
    CHECK(s2s_trainer_init(&w.ta, w.a, &p, NULL) == S2S_OK);
    CHECK(s2s_trainer_init(&w.tb, w.b, &p, NULL) == S2S_OK);
    run_steps(w.ta, steps, &w.la);
    run_steps(w.tb, steps, &w.lb);
    return w;
}

/* The same last loss and the same weights, bit for bit. */
static void check_twins_equal(const twins *w) {
    CHECK(w->la == w->lb);
    CHECK(memcmp(w->a->params, w->b->params, w->a->n_params * sizeof(float)) == 0);
}

static void twins_free(twins *w) {
    s2s_trainer_free(w->ta);
    s2s_trainer_free(w->tb);
    s2s_model_free(w->a);
    s2s_model_free(w->b);
}

static void the_same_seed_gives_the_same_weights(void) {
    twins w = twins_after(5);
    check_twins_equal(&w);
    CHECK(s2s_trainer_steps(w.ta) == 5);
    /* another seed draws other dropout masks */
    s2s_model *c = new_model();
    s2s_train_params p = with_dropout();
    p.seed = 78;
    s2s_trainer *tc = NULL;
    CHECK(s2s_trainer_init(&tc, c, &p, NULL) == S2S_OK);
    float lc;
    run_steps(tc, 5, &lc);
    CHECK(memcmp(w.a->params, c->params, w.a->n_params * sizeof(float)) != 0);
    s2s_trainer_free(tc);
    s2s_model_free(c);
    twins_free(&w);
}

static void a_checkpoint_resumes_exactly(void) {
    s2s_model *straight = new_model(), *first = new_model();
    s2s_train_params p = with_dropout();
    s2s_trainer *ts = NULL, *t1 = NULL, *t2 = NULL;
    CHECK(s2s_trainer_init(&ts, straight, &p, NULL) == S2S_OK);
    CHECK(s2s_trainer_init(&t1, first, &p, NULL) == S2S_OK);
    float loss;
    run_steps(ts, 6, &loss);
    run_steps(t1, 3, &loss);
    /* save model and optimizer, drop them, restore into fresh objects */
    uint8_t *mbuf = NULL, *obuf = NULL;
    size_t mn = 0, on = 0;
    CHECK(s2s_model_save(first, &mbuf, &mn, NULL) == S2S_OK);
    CHECK(s2s_trainer_save_state(t1, &obuf, &on, NULL) == S2S_OK);
    s2s_trainer_free(t1);
    s2s_model_free(first);
    s2s_model *resumed = NULL;
    CHECK(s2s_model_load(&resumed, mbuf, mn, NULL) == S2S_OK);
    CHECK(s2s_trainer_init(&t2, resumed, &p, NULL) == S2S_OK);
    CHECK(s2s_trainer_load_state(t2, obuf, on, NULL) == S2S_OK);
    CHECK(s2s_trainer_steps(t2) == 3);
    run_steps(t2, 3, &loss);
    CHECK(resumed && memcmp(resumed->params, straight->params, straight->n_params * sizeof(float)) == 0);
    /* a state for another model shape is refused */
    s2s_hparams hp = resumed->hp;
    hp.dec_hidden = 16;
    s2s_model *other = NULL;
    s2s_trainer *to = NULL;
    s2s_error err;
    CHECK(s2s_model_init(&other, &hp, 1, 0.1f, NULL) == S2S_OK);
    CHECK(s2s_trainer_init(&to, other, &p, NULL) == S2S_OK);
    CHECK(s2s_trainer_load_state(to, obuf, on, &err) == S2S_ERR_BAD_FORMAT);
    CHECK(s2s_trainer_load_state(to, mbuf, mn, &err) == S2S_ERR_BAD_FORMAT);
    s2s_free(mbuf);
    s2s_free(obuf);
    s2s_trainer_free(ts);
    s2s_trainer_free(t2);
    s2s_trainer_free(to);
    s2s_model_free(straight);
    s2s_model_free(resumed);
    s2s_model_free(other);
}

/* An optimizer state as s2s_trainer_save_state writes it, by hand, with the
 * guard's level keys as given (NULL: left out). */
static void write_state(uint8_t **out, size_t *size, const s2s_model *m, const char *level,
                        const char *level_steps) {
    uint32_t n = (uint32_t)s2s_model_num_params(m);
    float *zeros = calloc(n, sizeof *zeros);
    format_writer *fw = format_writer_new();
    format_writer_add_str(fw, "train.step", "7");
    format_writer_add_str(fw, "train.rng", "12345");
    if (level) format_writer_add_str(fw, "train.loss_level", level);
    if (level_steps) format_writer_add_str(fw, "train.level_steps", level_steps);
    format_writer_add_tensor(fw, "adam.m", FORMAT_DTYPE_F32, 1, &n, zeros);
    format_writer_add_tensor(fw, "adam.v", FORMAT_DTYPE_F32, 1, &n, zeros);
    CHECK(format_writer_finish(fw, out, size, NULL) == S2S_OK);
    format_writer_free(fw);
    free(zeros);
}

/* The guard's running level is optional in a state (older checkpoints lack
 * it) but must be whole and sane when present. */
static void a_state_without_the_guard_level_loads_and_a_broken_one_is_refused(void) {
    s2s_model *m = new_model();
    s2s_train_params p = with_dropout();
    s2s_trainer *t = NULL;
    CHECK(s2s_trainer_init(&t, m, &p, NULL) == S2S_OK);
    static const char *const cases[][2] = {
        {NULL, NULL}, {"3.25", "5"}, {"3.25", NULL}, {NULL, "5"}, {"nan", "5"}, {"-1", "5"},
        {"3.25", "8"}, {"3.25x", "5"},
    };
    static const s2s_status want[] = {S2S_OK, S2S_OK, S2S_ERR_BAD_FORMAT, S2S_ERR_BAD_FORMAT,
                                      S2S_ERR_BAD_FORMAT, S2S_ERR_BAD_FORMAT, S2S_ERR_BAD_FORMAT,
                                      S2S_ERR_BAD_FORMAT};
    for (int i = 0; i < (int)(sizeof want / sizeof want[0]); i++) {
        uint8_t *buf = NULL;
        size_t size = 0;
        write_state(&buf, &size, m, cases[i][0], cases[i][1]);
        s2s_error err;
        CHECK(s2s_trainer_load_state(t, buf, size, &err) == want[i]);
        if (want[i] == S2S_OK) CHECK(s2s_trainer_steps(t) == 7);
        s2s_free(buf);
    }
    s2s_trainer_free(t);
    s2s_model_free(m);
}

static void a_diverging_step_leaves_the_model_untouched(void) {
    s2s_model *m = new_model();
    s2s_train_params p = with_dropout();
    s2s_trainer *t = NULL;
    CHECK(s2s_trainer_init(&t, m, &p, NULL) == S2S_OK);
    float loss;
    run_steps(t, 2, &loss);
    /* poison one weight: the loss and gradients become NaN */
    float *before = malloc(m->n_params * sizeof(float));
    m->params[m->n_params - 1] = NAN; /* out.b: every logit row */
    memcpy(before, m->params, m->n_params * sizeof(float));
    s2s_error err;
    CHECK(s2s_trainer_step(t, &batch, &loss, NULL, &err) == S2S_ERR_DIVERGED);
    CHECK(strstr(err.message, "skipped") != NULL);
    CHECK(memcmp(before, m->params, m->n_params * sizeof(float)) == 0);
    CHECK(s2s_trainer_steps(t) == 2);
    free(before);
    s2s_trainer_free(t);
    s2s_model_free(m);
}

/* Run out of memory on purpose: address space capped just above what the
 * process holds. Not under a sanitizer or valgrind, whose own allocators
 * treat a refused mapping as fatal. */
#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#include <sys/resource.h>
#define CAN_CAP_MEMORY 1
static int under_valgrind(void) {
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "vgpreload");
}
static long held_bytes(void) {
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f && fscanf(f, "%ld", &pages) != 1) pages = 0;
    if (f) fclose(f);
    return pages * 4096;
}
#endif

/* A step that fails half-way (out of memory) leaves no trace either: the
 * next steps are those of a trainer that never tried it, dropout masks
 * included. */
static void an_out_of_memory_step_leaves_no_trace(void) {
#ifdef CAN_CAP_MEMORY
    if (under_valgrind()) return;
    enum { N = 16, T = 300 };
    int32_t *big = malloc(sizeof *big * T);
    const int32_t **rows = malloc(sizeof *rows * N);
    int32_t *lens = malloc(sizeof *lens * N);
    for (int k = 0; k < T; k++) big[k] = 4 + k % 16;
    for (int i = 0; i < N; i++) rows[i] = big, lens[i] = T;
    s2s_batch huge = {N, rows, lens, rows, lens};
    twins w = twins_after(2);
    /* caps growing by half until the step fits: the failures stop at
     * every stage of the forward and backward pass on the way */
    struct rlimit old, cap;
    CHECK(getrlimit(RLIMIT_AS, &old) == 0);
    cap = old;
    int failures = 0;
    s2s_status st = S2S_ERR_OUT_OF_MEMORY;
    for (rlim_t extra = (rlim_t)1 << 20; st == S2S_ERR_OUT_OF_MEMORY && extra < ((rlim_t)1 << 33);
         extra += extra / 2) {
        cap.rlim_cur = (rlim_t)held_bytes() + extra;
        if (setrlimit(RLIMIT_AS, &cap) != 0) break;
        st = s2s_trainer_step(w.ta, &huge, &w.la, NULL, NULL);
        CHECK(setrlimit(RLIMIT_AS, &old) == 0);
        if (st == S2S_ERR_OUT_OF_MEMORY) {
            failures++;
            CHECK(s2s_trainer_steps(w.ta) == 2);
        }
    }
    CHECK(st == S2S_OK && failures > 0);
    printf("  (%d steps out of memory before one fitted)\n", failures);
    CHECK(s2s_trainer_step(w.tb, &huge, &w.lb, NULL, NULL) == S2S_OK);
    CHECK(w.la == w.lb);
    run_steps(w.ta, 3, &w.la);
    run_steps(w.tb, 3, &w.lb);
    check_twins_equal(&w);
    twins_free(&w);
    free(big);
    free(rows);
    free(lens);
#endif
}

static void evaluation_changes_nothing(void) {
    s2s_model *m = new_model();
    s2s_train_params p = with_dropout();
    s2s_trainer *t = NULL;
    CHECK(s2s_trainer_init(&t, m, &p, NULL) == S2S_OK);
    float *before = malloc(m->n_params * sizeof(float));
    memcpy(before, m->params, m->n_params * sizeof(float));
    float l1, l2;
    int32_t tokens = 0;
    CHECK(s2s_trainer_eval(t, &batch, &l1, &tokens, NULL) == S2S_OK);
    CHECK(s2s_trainer_eval(t, &batch, &l2, NULL, NULL) == S2S_OK);
    int want = 0;
    for (int b = 0; b < B; b++) want += tlen[b] + 1;
    CHECK(l1 == l2 && tokens == want && l1 > 0.0f);
    CHECK(memcmp(before, m->params, m->n_params * sizeof(float)) == 0);
    free(before);
    s2s_trainer_free(t);
    s2s_model_free(m);
}

static void bad_batches_and_settings_get_error_codes(void) {
    s2s_model *m = new_model();
    s2s_train_params p = s2s_train_default_params();
    s2s_trainer *t = NULL;
    s2s_error err;
    p.learning_rate = -1.0f;
    CHECK(s2s_trainer_init(&t, m, &p, &err) == S2S_ERR_INVALID_ARGUMENT && t == NULL);
    p = s2s_train_default_params();
    p.dropout = 1.0f;
    CHECK(s2s_trainer_init(&t, m, &p, &err) == S2S_ERR_INVALID_ARGUMENT);
    p = s2s_train_default_params();
    CHECK(s2s_trainer_init(&t, m, &p, &err) == S2S_OK);
    int32_t bad[2] = {5, 20}, two = 2, zero = 0, huge = S2S_MAX_SEQ_LEN + 1;
    const int32_t *bp = bad;
    s2s_batch b1 = {1, &bp, &two, &bp, &two};
    CHECK(s2s_trainer_step(t, &b1, NULL, NULL, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "out of range") != NULL);
    s2s_batch b2 = {1, sp, &zero, tp, tlen};
    CHECK(s2s_trainer_step(t, &b2, NULL, NULL, &err) == S2S_ERR_INVALID_ARGUMENT);
    s2s_batch b3 = {1, sp, &huge, tp, tlen};
    CHECK(s2s_trainer_step(t, &b3, NULL, NULL, &err) == S2S_ERR_INPUT_TOO_LONG);
    s2s_batch b4 = {0, sp, slen, tp, tlen};
    CHECK(s2s_trainer_step(t, &b4, NULL, NULL, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(s2s_trainer_step(t, NULL, NULL, NULL, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(s2s_trainer_set_learning_rate(t, 0.0f) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(s2s_trainer_load_state(t, "junk", 4, &err) != S2S_OK);
    CHECK(s2s_trainer_steps(t) == 0);
    s2s_trainer_free(t);
    s2s_trainer_free(NULL);
    s2s_model_free(m);
}

int main(void) {
    make_batch(42);
    RUN(the_same_seed_gives_the_same_weights);
    RUN(a_checkpoint_resumes_exactly);
    RUN(a_state_without_the_guard_level_loads_and_a_broken_one_is_refused);
    RUN(a_diverging_step_leaves_the_model_untouched);
    RUN(an_out_of_memory_step_leaves_no_trace);
    RUN(evaluation_changes_nothing);
    RUN(bad_batches_and_settings_get_error_codes);
    return tests_exit_code();
}
