/*
 * test_soak.c — many calls in one process, every one freed: a few hundred
 * translations (greedy in batches, beam 4 with attention, streaming),
 * hostile text through the tokenizer, trainer steps with save/reload, and
 * the exploding-loss guard. On its own it checks results; under
 * AddressSanitizer and valgrind memcheck (tools/test.sh) it checks that
 * nothing leaks or is touched after being freed. Kept small enough to run
 * in seconds under valgrind: the JS fixture model (E = 32, H = 32).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "testing.h"
#include "train.h"

#define MODEL_PATH S2S_FIXTURE_DIR "/js/tiny-en-es.s2s"
#define SENTENCES_PATH S2S_FIXTURE_DIR "/js/sentences.txt"

static char *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    *size = n;
    return buf;
}

static s2s_model *model;
static char *sentence_text;
static const char *lines[256];
static int n_lines;
static int32_t ids[256][S2S_MAX_SEQ_LEN];
static int32_t lens[256];

static void setup(void) {
    size_t size = 0;
    char *bytes = read_all(MODEL_PATH, &size);
    CHECK(bytes != NULL);
    if (!bytes) exit(1);
    CHECK(s2s_model_load(&model, bytes, size, NULL) == S2S_OK);
    free(bytes);
    if (!model) exit(1);
    sentence_text = read_all(SENTENCES_PATH, &size);
    CHECK(sentence_text != NULL);
    if (!sentence_text) exit(1);
    for (char *p = strtok(sentence_text, "\n"); p && n_lines < 256; p = strtok(NULL, "\n")) {
        lines[n_lines] = p;
        CHECK(s2s_encode(model, p, strlen(p), ids[n_lines], S2S_MAX_SEQ_LEN, &lens[n_lines], NULL) ==
              S2S_OK);
        if (lens[n_lines] > 0) n_lines++;
    }
    CHECK(n_lines >= 8);
}

static void hostile_text_gives_a_status_never_a_crash(void) {
    int32_t out[S2S_MAX_SEQ_LEN], n = -1;
    s2s_error err;
    /* invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong form */
    const char *bad[] = {"bad \x80 byte", "cut \xe2\x82", "over \xc0\xaf long", "\xff\xfe"};
    for (int i = 0; i < 4; i++)
        CHECK(s2s_encode(model, bad[i], strlen(bad[i]), out, S2S_MAX_SEQ_LEN, &n, &err) ==
              S2S_ERR_BAD_UTF8);
    /* NUL inside (the length is given): encoded like any other character */
    static const char nul[] = "Open\0 the file.";
    CHECK(s2s_encode(model, nul, sizeof nul - 1, out, S2S_MAX_SEQ_LEN, &n, &err) == S2S_OK);
    CHECK(n > 0);
    /* emoji, right-to-left text, combining marks */
    const char *odd[] = {"Open the \xf0\x9f\x93\x81 file \xf0\x9f\x98\x80.",
                         "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
                         "e\xcc\x81\xcc\x81\xcc\x81 a\xcc\x88\xcc\xa3"};
    for (int i = 0; i < 3; i++) {
        CHECK(s2s_encode(model, odd[i], strlen(odd[i]), out, S2S_MAX_SEQ_LEN, &n, &err) == S2S_OK);
        const int32_t *src[1] = {out};
        s2s_translate_params p = s2s_translate_default_params();
        s2s_result *r = NULL;
        CHECK(s2s_translate_ids(model, 1, src, &n, &p, &r, &err) == S2S_OK);
        int32_t len = 0;
        const int32_t *tok = s2s_result_tokens(r, 0, &len);
        char *text = NULL;
        CHECK(s2s_decode(model, tok, len, &text, &err) == S2S_OK);
        s2s_free(text);
        s2s_result_free(r);
    }
    /* empty and spaces only: no ids */
    CHECK(s2s_encode(model, "", 0, out, S2S_MAX_SEQ_LEN, &n, &err) == S2S_OK && n == 0);
    CHECK(s2s_encode(model, "    ", 4, out, S2S_MAX_SEQ_LEN, &n, &err) == S2S_OK && n == 0);
    /* 64 KB of one word: too long, with the count, and the first ids written */
    size_t big = 1 << 16;
    char *longtext = malloc(big);
    for (size_t i = 0; i < big; i++) longtext[i] = i % 5 == 4 ? ' ' : "word"[i % 5];
    CHECK(s2s_encode(model, longtext, big, out, S2S_MAX_SEQ_LEN, &n, &err) ==
          S2S_ERR_INPUT_TOO_LONG);
    CHECK(n > S2S_MAX_SEQ_LEN);
    free(longtext);
}

/* Translates sentences [first, first + k) (mod n_lines) and checks the texts. */
static void translate_some(int first, int k, const s2s_translate_params *p) {
    const int32_t *src[16];
    int32_t len[16];
    for (int j = 0; j < k; j++) {
        src[j] = ids[(first + j) % n_lines];
        len[j] = lens[(first + j) % n_lines];
    }
    s2s_result *r = NULL;
    s2s_error err;
    CHECK(s2s_translate_ids(model, k, src, len, p, &r, &err) == S2S_OK);
    if (!r) return;
    CHECK(s2s_result_count(r) == k);
    for (int j = 0; j < k; j++) {
        int32_t n = 0;
        const int32_t *tok = s2s_result_tokens(r, j, &n);
        char *text = NULL;
        CHECK(s2s_decode(model, tok, n, &text, &err) == S2S_OK);
        s2s_free(text);
        if (p->want_attention) {
            int32_t rows = 0, cols = 0;
            CHECK(s2s_result_attention(r, j, &rows, &cols) != NULL);
            CHECK(rows == n + 1 && cols == len[j]);
        }
    }
    s2s_result_free(r);
}

static void hundreds_of_translations_free_everything(void) {
    s2s_translate_params greedy = s2s_translate_default_params();
    for (int i = 0; i < 150; i++) translate_some(i * 3, 1 + i % 4, &greedy);
    s2s_translate_params beam = s2s_translate_default_params();
    beam.beam_size = 4;
    beam.want_attention = 1;
    for (int i = 0; i < 30; i++) translate_some(i, 1 + i % 2, &beam);
}

static void streaming_matches_greedy_and_frees_early_stops(void) {
    s2s_translate_params p = s2s_translate_default_params();
    for (int i = 0; i < 60; i++) {
        const int32_t *src[1] = {ids[i % n_lines]};
        int32_t len = lens[i % n_lines];
        s2s_result *r = NULL;
        CHECK(s2s_translate_ids(model, 1, src, &len, &p, &r, NULL) == S2S_OK);
        int32_t want_n = 0;
        const int32_t *want = r ? s2s_result_tokens(r, 0, &want_n) : NULL;
        s2s_stream *s = NULL;
        CHECK(s2s_stream_start(&s, model, src[0], len, &p, NULL) == S2S_OK);
        int32_t got = 0, done = 0, tok;
        float lp;
        /* every third stream is abandoned after two tokens: freed mid-way */
        while (!done && !(i % 3 == 0 && got == 2)) {
            CHECK(s2s_stream_next(s, &tok, &lp, &done, NULL) == S2S_OK);
            if (!done) {
                CHECK(got < want_n && tok == want[got]);
                got++;
            }
        }
        if (i % 3 != 0) CHECK(got == want_n);
        s2s_stream_free(s);
        s2s_result_free(r);
    }
}

/* A batch of the first k fixture sentences paired with themselves shifted. */
static s2s_batch batch_of(int first, int k, const int32_t **sp, const int32_t **tp,
                          int32_t *sl, int32_t *tl) {
    for (int j = 0; j < k; j++) {
        sp[j] = ids[(first + j) % n_lines];
        sl[j] = lens[(first + j) % n_lines];
        tp[j] = ids[(first + j + 1) % n_lines];
        tl[j] = lens[(first + j + 1) % n_lines];
    }
    s2s_batch b = {k, sp, sl, tp, tl};
    return b;
}

static void training_steps_and_reloads_free_everything(void) {
    s2s_model *m = NULL;
    s2s_error err;
    CHECK(s2s_model_dequantize(&m, model, &err) == S2S_OK);
    s2s_train_params p = s2s_train_default_params();
    p.seed = 5;
    s2s_trainer *t = NULL;
    CHECK(s2s_trainer_init(&t, m, &p, &err) == S2S_OK);
    const int32_t *sp[4], *tp[4];
    int32_t sl[4], tl[4];
    for (int step = 0; step < 30; step++) {
        s2s_batch b = batch_of(step * 4, 4, sp, tp, sl, tl);
        float loss = 0;
        int32_t tokens = 0;
        CHECK(s2s_trainer_step(t, &b, &loss, &tokens, &err) == S2S_OK);
        CHECK(loss > 0 && tokens > 0);
        if (step % 10 == 9) {
            /* save, reload, and the reloaded model translates the same */
            uint8_t *data = NULL;
            size_t size = 0;
            CHECK(s2s_model_save(m, &data, &size, &err) == S2S_OK);
            s2s_model *again = NULL;
            CHECK(s2s_model_load(&again, data, size, &err) == S2S_OK);
            s2s_free(data);
            const int32_t *src[1] = {ids[0]};
            s2s_translate_params tp1 = s2s_translate_default_params();
            s2s_result *r1 = NULL, *r2 = NULL;
            CHECK(s2s_translate_ids(m, 1, src, &lens[0], &tp1, &r1, &err) == S2S_OK);
            CHECK(s2s_translate_ids(again, 1, src, &lens[0], &tp1, &r2, &err) == S2S_OK);
            int32_t n1 = 0, n2 = 0;
            const int32_t *a = s2s_result_tokens(r1, 0, &n1), *c = s2s_result_tokens(r2, 0, &n2);
            CHECK(n1 == n2 && memcmp(a, c, sizeof *a * (size_t)n1) == 0);
            s2s_result_free(r1);
            s2s_result_free(r2);
            s2s_model_free(again);
        }
    }
    CHECK(s2s_trainer_steps(t) == 30);
    s2s_trainer_free(t);
    s2s_model_free(m);
}

static void an_exploding_loss_is_rolled_back(void) {
    s2s_model *m = NULL;
    s2s_error err;
    CHECK(s2s_model_dequantize(&m, model, &err) == S2S_OK);
    s2s_train_params p = s2s_train_default_params();
    p.label_smoothing = 0.0f;
    s2s_trainer *t = NULL;
    CHECK(s2s_trainer_init(&t, m, &p, &err) == S2S_OK);
    const int32_t *sp[4], *tp[4];
    int32_t sl[4], tl[4];
    float loss = 0;
    for (int step = 0; step < TRAIN_EXPLODE_WARMUP; step++) {
        s2s_batch b = batch_of(step * 4, 4, sp, tp, sl, tl);
        CHECK(s2s_trainer_step(t, &b, &loss, NULL, &err) == S2S_OK);
    }
    /* the output bias of the last target id, far below the others: a pair
     * whose target is that id has a huge but finite loss */
    int32_t last = s2s_model_hparams(m)->tgt_vocab - 1;
    m->params[m->n_params - 1] = -1e4f;
    size_t bytes = m->n_params * sizeof(float);
    float *before = malloc(bytes);
    memcpy(before, m->params, bytes);
    int32_t one = 1;
    const int32_t *psrc[1] = {ids[0]}, *ptgt[1] = {&last};
    s2s_batch poisoned = {1, psrc, &lens[0], ptgt, &one};
    CHECK(s2s_trainer_step(t, &poisoned, &loss, NULL, &err) == S2S_ERR_DIVERGED);
    CHECK(isfinite(loss) && loss > 1000.0f);
    CHECK(strstr(err.message, "exploded") != NULL);
    CHECK(memcmp(before, m->params, bytes) == 0);
    CHECK(s2s_trainer_steps(t) == TRAIN_EXPLODE_WARMUP);
    /* a trainer resumed from a checkpoint keeps the running level: no new
     * warm-up lets the same step through */
    uint8_t *state = NULL;
    size_t state_size = 0;
    CHECK(s2s_trainer_save_state(t, &state, &state_size, &err) == S2S_OK);
    s2s_trainer *resumed = NULL;
    CHECK(s2s_trainer_init(&resumed, m, &p, &err) == S2S_OK);
    CHECK(s2s_trainer_load_state(resumed, state, state_size, &err) == S2S_OK);
    CHECK(s2s_trainer_step(resumed, &poisoned, &loss, NULL, &err) == S2S_ERR_DIVERGED);
    CHECK(memcmp(before, m->params, bytes) == 0);
    s2s_trainer_free(resumed);
    s2s_free(state);
    /* ordinary batches go on */
    s2s_batch b = batch_of(0, 4, sp, tp, sl, tl);
    CHECK(s2s_trainer_step(t, &b, &loss, NULL, &err) == S2S_OK);
    CHECK(s2s_trainer_steps(t) == TRAIN_EXPLODE_WARMUP + 1);
    /* with the guard off, the same step is taken */
    CHECK(trainer_set_explode_factor(t, 0.5f) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(trainer_set_explode_factor(t, 0.0f) == S2S_OK);
    CHECK(s2s_trainer_step(t, &poisoned, &loss, NULL, &err) == S2S_OK);
    free(before);
    s2s_trainer_free(t);
    s2s_model_free(m);
}

int main(void) {
    setup();
    RUN(hostile_text_gives_a_status_never_a_crash);
    RUN(hundreds_of_translations_free_everything);
    RUN(streaming_matches_greedy_and_frees_early_stops);
    RUN(training_steps_and_reloads_free_everything);
    RUN(an_exploding_loss_is_rolled_back);
    s2s_model_free(model);
    free(sentence_text);
    return tests_exit_code();
}
