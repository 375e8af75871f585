/*
 * test_model.c — models as values: hyper-parameter rules, save/load round
 * trips, quantization, metadata and vocabulary, and a loader that refuses
 * every damaged model file cleanly.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "model.h"
#include "testing.h"

static s2s_hparams small_hparams(void) {
    s2s_hparams hp = {.src_vocab = 40, .tgt_vocab = 36, .emb_dim = 32, .enc_hidden = 32,
                      .dec_hidden = 64, .layers = 2, .bidirectional = 1, .cell = S2S_CELL_LSTM,
                      .attention = S2S_ATTN_BAHDANAU, .bridge = S2S_BRIDGE_PROJECT,
                      .input_feed = 1, .tie_output = 0};
    return hp;
}

static s2s_model *small_model(void) {
    s2s_hparams hp = small_hparams();
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, &hp, 11, 0.2f, NULL) == S2S_OK);
    return m;
}

static void invalid_hyper_parameters_are_refused_with_a_reason(void) {
    s2s_hparams hp = small_hparams();
    s2s_error err;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_OK);
    hp.src_vocab = 3;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT);
    hp = small_hparams();
    hp.layers = S2S_MAX_LAYERS + 1;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT);
    hp = small_hparams();
    hp.bridge = S2S_BRIDGE_COPY;
    hp.dec_hidden = 63;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "copy bridge") != NULL);
    hp = small_hparams();
    hp.attention = S2S_ATTN_NONE; /* input feeding without attention */
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT);
    hp = small_hparams();
    hp.tie_output = 1; /* Hd 64 != E 32 */
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT);
    hp = small_hparams();
    hp.cell = 7;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(s2s_hparams_validate(NULL, &err) == S2S_ERR_INVALID_ARGUMENT);
    s2s_model *m = (s2s_model *)&err; /* must be overwritten with NULL on failure */
    CHECK(s2s_model_init(&m, &hp, 1, 0.1f, &err) == S2S_ERR_INVALID_ARGUMENT && m == NULL);
}

static void save_then_load_gives_the_same_bytes(void) {
    s2s_model *m = small_model();
    CHECK(s2s_model_set_meta(m, "name", "test model", NULL) == S2S_OK);
    CHECK(s2s_model_set_meta(m, "name", "renamed", NULL) == S2S_OK);
    CHECK(s2s_model_set_meta(m, "gone", "1", NULL) == S2S_OK);
    CHECK(s2s_model_set_meta(m, "kept", "2", NULL) == S2S_OK);
    CHECK(s2s_model_remove_meta(m, "gone") == 1 && s2s_model_meta(m, "gone") == NULL);
    CHECK(s2s_model_remove_meta(m, "gone") == 0 && s2s_model_remove_meta(NULL, "x") == 0);
    CHECK(strcmp(s2s_model_meta(m, "kept"), "2") == 0 && strcmp(s2s_model_meta(m, "name"), "renamed") == 0);
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    CHECK(s2s_model_save(m, &a, &na, NULL) == S2S_OK);
    s2s_model *back = NULL;
    CHECK(s2s_model_load(&back, a, na, NULL) == S2S_OK);
    CHECK(back && back->n_params == m->n_params &&
          memcmp(back->params, m->params, m->n_params * sizeof(float)) == 0);
    CHECK(back && strcmp(s2s_model_meta(back, "name"), "renamed") == 0);
    CHECK(back && !s2s_model_meta(back, "gone") && strcmp(s2s_model_meta(back, "kept"), "2") == 0);
    CHECK(s2s_model_save(back, &b, &nb, NULL) == S2S_OK);
    CHECK(na == nb && memcmp(a, b, na) == 0);
    CHECK(s2s_model_num_params(m) == m->n_params);
    s2s_free(a);
    s2s_free(b);
    s2s_model_free(back);
    s2s_model_free(m);
}

static void quantized_models_round_trip_and_stay_close_to_f32(void) {
    s2s_model *m = small_model(), *q = NULL, *back = NULL, *deq = NULL;
    CHECK(s2s_model_quantize(&q, m, NULL) == S2S_OK);
    CHECK(s2s_model_is_quantized(q) && !s2s_model_is_quantized(m));
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0, nf = 0;
    CHECK(s2s_model_save(q, &a, &na, NULL) == S2S_OK);
    uint8_t *f = NULL;
    CHECK(s2s_model_save(m, &f, &nf, NULL) == S2S_OK);
    printf("  file size f32 %zu bytes, int8 %zu bytes (%.2fx smaller)\n", nf, na, (double)nf / na);
    CHECK(na * 3 < nf);
    CHECK(s2s_model_load(&back, a, na, NULL) == S2S_OK);
    CHECK(s2s_model_save(back, &b, &nb, NULL) == S2S_OK);
    CHECK(na == nb && memcmp(a, b, na) == 0);
    /* dequantized weights within half a quantization step of the originals */
    CHECK(s2s_model_dequantize(&deq, q, NULL) == S2S_OK);
    double worst = 0.0;
    for (size_t i = 0; deq && i < m->n_params; i++)
        worst = fmax(worst, fabs((double)deq->params[i] - m->params[i]));
    printf("  largest weight change after int8 round trip: %.2e (weights in [-0.2, 0.2])\n", worst);
    CHECK(worst <= 0.2 / 127.0 * 0.5 + 1e-7);
    /* a quantized model cannot be trained */
    s2s_train_params p = s2s_train_default_params();
    s2s_trainer *t = NULL;
    CHECK(s2s_trainer_init(&t, q, &p, NULL) == S2S_ERR_UNSUPPORTED && t == NULL);
    s2s_free(a);
    s2s_free(b);
    s2s_free(f);
    s2s_model_free(back);
    s2s_model_free(deq);
    s2s_model_free(q);
    s2s_model_free(m);
}

/* s2s_model_load_owned reads int8 weights in place and gives the same model;
 * on failure the buffer stays the caller's (ASan/valgrind catch a double free). */
static void an_owned_load_reads_int8_weights_in_place(void) {
    s2s_model *m = small_model(), *q = NULL;
    CHECK(s2s_model_quantize(&q, m, NULL) == S2S_OK);
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    CHECK(s2s_model_save(q, &a, &na, NULL) == S2S_OK);
    uint8_t *copy = malloc(na);
    memcpy(copy, a, na);
    s2s_model *owned = NULL;
    CHECK(s2s_model_load_owned(&owned, copy, na, NULL) == S2S_OK);
    CHECK(owned && owned->file == copy && owned->qparams == NULL && s2s_model_is_quantized(owned));
    CHECK(owned && (uint8_t *)owned->w.src_emb.q >= copy &&
          (uint8_t *)owned->w.src_emb.q < copy + na);
    CHECK(owned && s2s_model_save(owned, &b, &nb, NULL) == S2S_OK);
    CHECK(na == nb && b && memcmp(a, b, na) == 0);
    s2s_model_free(owned); /* frees copy */

    /* an f32 file: copied, the buffer freed at once, still trainable */
    uint8_t *f = NULL;
    size_t nf = 0;
    CHECK(s2s_model_save(m, &f, &nf, NULL) == S2S_OK);
    s2s_model *f32 = NULL;
    CHECK(s2s_model_load_owned(&f32, f, nf, NULL) == S2S_OK); /* takes f */
    CHECK(f32 && f32->params && !s2s_model_is_quantized(f32));
    s2s_train_params p = s2s_train_default_params();
    s2s_trainer *t = NULL;
    CHECK(f32 && s2s_trainer_init(&t, f32, &p, NULL) == S2S_OK);
    s2s_trainer_free(t);
    s2s_model_free(f32);

    /* a damaged file: refused, the buffer is still the caller's */
    uint8_t *bad = malloc(na);
    memcpy(bad, a, na);
    bad[na / 2] ^= 0x55;
    s2s_model *none = NULL;
    s2s_error err;
    CHECK(s2s_model_load_owned(&none, bad, na, &err) == S2S_ERR_CHECKSUM && none == NULL);
    bad[na / 2] ^= 0x55; /* still ours to write */
    free(bad);

    /* a row scale made NaN, checksum repaired: a bad file, in place or copied */
    format_file ff;
    CHECK(format_parse(&ff, a, na, NULL) == S2S_OK);
    const format_tensor *emb = format_find_tensor(&ff, "src_emb");
    CHECK(emb && emb->dtype == FORMAT_DTYPE_Q8);
    size_t at = emb ? (size_t)(emb->data - a) + 4 : 0; /* row 1's scale */
    format_file_clear(&ff);
    for (int owned_load = 0; owned_load < 2 && at; owned_load++) {
        uint8_t *nan_scale = malloc(na);
        memcpy(nan_scale, a, na);
        const uint8_t nan_bits[4] = {0x00, 0x00, 0xc0, 0x7f};
        memcpy(nan_scale + at, nan_bits, 4);
        uint32_t crc = format_crc32(0, nan_scale, na - 4);
        for (int i = 0; i < 4; i++) nan_scale[na - 4 + i] = (uint8_t)(crc >> (8 * i));
        s2s_status st = owned_load ? s2s_model_load_owned(&none, nan_scale, na, &err)
                                   : s2s_model_load(&none, nan_scale, na, &err);
        CHECK(st == S2S_ERR_BAD_FORMAT && none == NULL && strstr(err.message, "non-finite row scale"));
        free(nan_scale);
    }
    s2s_free(a);
    s2s_free(b);
    s2s_model_free(q);
    s2s_model_free(m);
}

static void a_vocabulary_travels_with_the_model(void) {
    s2s_hparams hp = small_hparams();
    hp.src_vocab = hp.tgt_vocab = 8;
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, &hp, 1, 0.1f, NULL) == S2S_OK);
    const char *pieces[8] = {"<pad>", "<unk>", "<s>", "</s>", "\xe2\x96\x81", "a", "b", "\xe2\x96\x81" "ab"};
    float scores[8] = {0, 0, 0, 0, -1, -2, -2, -1.5f};
    int32_t types[8] = {3, 2, 3, 3, 1, 1, 1, 1};
    s2s_error err;
    CHECK(s2s_model_set_vocab(m, 7, pieces, scores, types, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(s2s_model_set_vocab(m, 8, pieces, scores, types, &err) == S2S_OK);
    uint8_t *buf = NULL;
    size_t n = 0;
    CHECK(s2s_model_save(m, &buf, &n, NULL) == S2S_OK);
    s2s_model *back = NULL;
    CHECK(s2s_model_load(&back, buf, n, &err) == S2S_OK);
    int32_t ids[8], count = 0;
    CHECK(back && s2s_encode(back, "ab ba", 5, ids, 8, &count, NULL) == S2S_OK);
    CHECK(count == 4 && ids[0] == 7 && ids[1] == 4 && ids[2] == 6 && ids[3] == 5);
    char *text = NULL;
    CHECK(back && s2s_decode(back, ids, count, &text, NULL) == S2S_OK);
    CHECK(text && strcmp(text, "ab ba") == 0);
    CHECK(back && strcmp(s2s_piece(back, 7), "\xe2\x96\x81" "ab") == 0 && s2s_piece(back, 8) == NULL);
    s2s_free(text);
    s2s_free(buf);
    s2s_model_free(back);
    s2s_model_free(m);
}

/* A file whose vocabulary or metadata the setters refuse is a bad file:
 * S2S_ERR_BAD_FORMAT (a ModelError in JS), not the setters' invalid argument
 * or bad UTF-8 (found by tests/fuzz/fuzz_loader.c). */
static void a_damaged_vocabulary_or_meta_key_is_a_bad_format(void) {
    s2s_hparams hp = small_hparams();
    hp.src_vocab = hp.tgt_vocab = 8;
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, &hp, 1, 0.1f, NULL) == S2S_OK);
    const char *pieces[8] = {"<pad>", "<unk>", "<s>", "</s>", "\xe2\x96\x81", "a", "b", "c"};
    float scores[8] = {0, 0, 0, 0, -1, -2, -2, -3};
    int32_t types[8] = {3, 2, 3, 3, 1, 1, 1, 1};
    CHECK(s2s_model_set_vocab(m, 8, pieces, scores, types, NULL) == S2S_OK);
    CHECK(s2s_model_set_meta(m, "xy", "z", NULL) == S2S_OK);
    uint8_t *buf = NULL;
    size_t n = 0;
    CHECK(s2s_model_save(m, &buf, &n, NULL) == S2S_OK);
    format_file f;
    CHECK(buf && format_parse(&f, buf, n, NULL) == S2S_OK);
    const format_kv *kt = format_find_kv(&f, "tokenizer.types");
    const format_kv *kp = format_find_kv(&f, "tokenizer.pieces");
    const format_kv *km = format_find_kv(&f, "meta.xy");
    CHECK(kt && kp && km);
    /* offsets into buf: piece 5 ("a"), type 6, the 'x' of "meta.xy" */
    size_t at_piece = 0, at_type = 0, at_key = 0;
    if (kt && kp && km) {
        const uint8_t *cursor = NULL;
        format_str s = {0};
        for (int i = 0; i <= 5; i++) s = format_kv_str_next(kp, &cursor);
        at_piece = (size_t)((const uint8_t *)s.ptr - buf);
        at_type = (size_t)(kt->value - buf) + 4 + 6 * 4; /* after the u32 count */
        at_key = (size_t)((const uint8_t *)km->key.ptr - buf) + 5;
    }
    format_file_clear(&f);
    struct { size_t at; uint8_t byte; } damage[3] = {{at_piece, 0xFF}, {at_type, 100}, {at_key, 0}};
    uint8_t *copy = malloc(n);
    for (int d = 0; d < 3 && copy && at_piece; d++) {
        memcpy(copy, buf, n);
        copy[damage[d].at] = damage[d].byte;
        uint32_t crc = format_crc32(0, copy, n - 4);
        for (int i = 0; i < 4; i++) copy[n - 4 + i] = (uint8_t)(crc >> (8 * i));
        s2s_model *x = NULL;
        s2s_error err;
        CHECK(s2s_model_load(&x, copy, n, &err) == S2S_ERR_BAD_FORMAT && x == NULL);
        CHECK(err.status == S2S_ERR_BAD_FORMAT);
        uint8_t *owned = malloc(n);
        memcpy(owned, copy, n);
        CHECK(s2s_model_load_owned(&x, owned, n, &err) == S2S_ERR_BAD_FORMAT && x == NULL);
        CHECK(err.status == S2S_ERR_BAD_FORMAT);
        free(owned);
    }
    free(copy);
    s2s_free(buf);
    s2s_model_free(m);
}

/* Every truncation and every single-byte change of a real model file gives
 * an error status (and never a crash: the suite also runs under ASan and
 * valgrind). With the checksum repaired after the change, the loader's own
 * checks must still refuse what would make an inconsistent model. */
static void damaged_model_files_are_refused_cleanly(void) {
    s2s_hparams hp = small_hparams(); /* small, so that thousands of loads stay fast */
    hp.src_vocab = hp.tgt_vocab = 10;
    hp.emb_dim = hp.enc_hidden = 8;
    hp.dec_hidden = 16;
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, &hp, 5, 0.1f, NULL) == S2S_OK);
    CHECK(s2s_model_set_meta(m, "license", "CC0", NULL) == S2S_OK);
    uint8_t *buf = NULL;
    size_t n = 0;
    CHECK(s2s_model_save(m, &buf, &n, NULL) == S2S_OK);
    uint8_t *copy = malloc(n);
    int refused = 0, total = 0;
    for (size_t len = 0; len < n; len++) {
        memcpy(copy, buf, len);
        s2s_model *x = NULL;
        s2s_error err;
        s2s_status st = s2s_model_load(&x, copy, len, &err);
        refused += st != S2S_OK && x == NULL;
        total++;
        s2s_model_free(x);
    }
    printf("  truncations refused: %d of %d\n", refused, total);
    CHECK(refused == total);
    /* header + key/value section + tensor table: everything before the data */
    format_file f;
    CHECK(format_parse(&f, buf, n, NULL) == S2S_OK);
    size_t meta_end = (size_t)(f.tensors[0].data - buf);
    format_file_clear(&f);
    int flips = 0, flips_refused = 0, repaired_refused = 0, repaired_loaded = 0;
    for (size_t i = 0; i < meta_end; i++) {
        static const uint8_t xors[3] = {0x01, 0x80, 0xFF};
        for (int k = 0; k < 3; k++) {
            memcpy(copy, buf, n);
            copy[i] ^= xors[k];
            s2s_model *x = NULL;
            s2s_status st = s2s_model_load(&x, copy, n, NULL);
            flips++;
            flips_refused += st != S2S_OK && x == NULL;
            s2s_model_free(x);
            /* repair the CRC so the structural checks see the change */
            uint32_t crc = format_crc32(0, copy, n - 4);
            for (int b = 0; b < 4; b++) copy[n - 4 + b] = (uint8_t)(crc >> (8 * b));
            x = NULL;
            st = s2s_model_load(&x, copy, n, NULL);
            if (st == S2S_OK) {
                repaired_loaded++;
                /* whatever loaded must be a usable model */
                CHECK(x && s2s_hparams_validate(&x->hp, NULL) == S2S_OK);
            } else {
                repaired_refused++;
                CHECK(x == NULL);
            }
            s2s_model_free(x);
        }
    }
    printf("  single-byte changes refused: %d of %d; with the checksum repaired: "
           "%d refused, %d harmless (a letter of a value or name)\n",
           flips_refused, flips, repaired_refused, repaired_loaded);
    CHECK(flips_refused == flips);
    free(copy);
    s2s_free(buf);
    s2s_model_free(m);
}

static void a_newer_file_version_is_refused_as_such(void) {
    s2s_model *m = small_model();
    uint8_t *buf = NULL;
    size_t n = 0;
    CHECK(s2s_model_save(m, &buf, &n, NULL) == S2S_OK);
    buf[4] = FORMAT_VERSION + 1; /* a version this build does not know */
    uint32_t crc = format_crc32(0, buf, n - 4);
    for (int b = 0; b < 4; b++) buf[n - 4 + b] = (uint8_t)(crc >> (8 * b));
    s2s_model *x = NULL;
    s2s_error err;
    CHECK(s2s_model_load(&x, buf, n, &err) == S2S_ERR_VERSION && x == NULL);
    CHECK(strstr(err.message, "version") != NULL);
    CHECK(s2s_model_load(&x, NULL, 0, &err) != S2S_OK);
    CHECK(s2s_model_load(NULL, buf, n, &err) == S2S_ERR_INVALID_ARGUMENT);
    s2s_free(buf);
    s2s_model_free(m);
}

static void the_hyper_parameter_table_names_every_field_once(void) {
    s2s_hparams hp = small_hparams();
    CHECK(s2s_hparam_count() == (int32_t)(sizeof hp / sizeof(int32_t)));
    CHECK(!strcmp(s2s_hparam_key(0), "src_vocab") && !strcmp(s2s_hparam_key(11), "tie_output"));
    CHECK(s2s_hparam_find("architecture") == 12 && s2s_hparam_find("nope") == -1);
    CHECK(s2s_hparam_key(-1) == NULL && s2s_hparam_key(s2s_hparam_count()) == NULL);
    CHECK(s2s_hparam_get(&hp, s2s_hparam_find("dec_hidden")) == 64);
    int32_t att = s2s_hparam_find("attention");
    CHECK(!strcmp(s2s_hparam_value_name(att, S2S_ATTN_LUONG_DOT), "luong-dot"));
    CHECK(s2s_hparam_value_name(att, 4) == NULL);
    CHECK(s2s_hparam_value_name(s2s_hparam_find("layers"), 1) == NULL); /* not an enum */
    CHECK(!strcmp(s2s_hparam_value_name(s2s_hparam_find("architecture"), S2S_ARCH_RNN), "rnn"));
    hp.architecture = S2S_ARCH_TRANSFORMER + 1; /* no such family */
    s2s_error err;
    CHECK(s2s_hparams_validate(&hp, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "architecture") != NULL);
}

/* RNN files are written as before the architecture key existed (so the
 * fixtures stay byte-identical), and a file naming an unknown one is refused. */
static void the_architecture_key_is_optional_and_checked(void) {
    s2s_model *m = small_model();
    uint8_t *buf = NULL;
    size_t n = 0;
    CHECK(s2s_model_save(m, &buf, &n, NULL) == S2S_OK);
    static const char key[] = "s2s.architecture";
    int found = 0;
    for (size_t i = 0; i + sizeof key - 1 <= n; i++)
        if (!memcmp(buf + i, key, sizeof key - 1)) found = 1;
    CHECK(!found);
    s2s_free(buf);
    format_writer *fw = format_writer_new();
    const s2s_hparams *hp = s2s_model_hparams(m);
    for (int32_t i = 0; i < 12; i++) {
        char k[64];
        snprintf(k, sizeof k, "s2s.%s", s2s_hparam_key(i));
        format_writer_add_i32(fw, k, s2s_hparam_get(hp, i));
    }
    format_writer_add_i32(fw, key, 7);
    CHECK(format_writer_finish(fw, &buf, &n, NULL) == S2S_OK);
    format_writer_free(fw);
    s2s_model *x = NULL;
    s2s_error err;
    CHECK(s2s_model_load(&x, buf, n, &err) == S2S_ERR_BAD_FORMAT && x == NULL);
    CHECK(strstr(err.message, "architecture") != NULL);
    s2s_free(buf);
    s2s_model_free(m);
}

/* Checkpoint averaging: the mean of each parameter, the last model's
 * metadata; int8 models and other shapes are refused. */
static void averaged_models_hold_the_mean_of_each_parameter(void) {
    s2s_hparams hp = small_hparams();
    s2s_model *a = NULL, *b = NULL, *c = NULL, *avg = NULL, *one = NULL;
    CHECK(s2s_model_init(&a, &hp, 1, 0.2f, NULL) == S2S_OK);
    CHECK(s2s_model_init(&b, &hp, 2, 0.2f, NULL) == S2S_OK);
    CHECK(s2s_model_init(&c, &hp, 3, 0.2f, NULL) == S2S_OK);
    if (!a || !b || !c) goto done;
    CHECK(s2s_model_set_meta(a, "name", "first", NULL) == S2S_OK);
    CHECK(s2s_model_set_meta(c, "name", "last", NULL) == S2S_OK);
    const s2s_model *three[] = {a, b, c};
    CHECK(s2s_model_average(&avg, three, 3, NULL) == S2S_OK);
    CHECK(avg && avg->n_params == a->n_params && !s2s_model_is_quantized(avg));
    double worst = 0.0;
    for (size_t k = 0; avg && k < avg->n_params; k++) {
        double want = ((double)a->params[k] + b->params[k] + c->params[k]) / 3.0;
        worst = fmax(worst, fabs(avg->params[k] - want));
    }
    CHECK(worst <= 1e-7);
    CHECK(avg && strcmp(s2s_model_meta(avg, "name"), "last") == 0);
    /* the inputs are untouched, and one model averages to itself */
    CHECK(s2s_model_average(&one, three, 1, NULL) == S2S_OK);
    CHECK(one && memcmp(one->params, a->params, a->n_params * sizeof(float)) == 0);
    /* refused: int8, another shape, nothing */
    s2s_model *q = NULL, *other = NULL, *out = (s2s_model *)&hp;
    s2s_error err;
    CHECK(s2s_model_quantize(&q, b, NULL) == S2S_OK);
    const s2s_model *with_q[] = {a, q};
    CHECK(s2s_model_average(&out, with_q, 2, &err) == S2S_ERR_INVALID_ARGUMENT && out == NULL);
    CHECK(strstr(err.message, "int8") != NULL);
    s2s_hparams hp2 = hp;
    hp2.dec_hidden = 32;
    CHECK(s2s_model_init(&other, &hp2, 1, 0.2f, NULL) == S2S_OK);
    const s2s_model *mixed[] = {a, other};
    CHECK(s2s_model_average(&out, mixed, 2, &err) == S2S_ERR_INVALID_ARGUMENT && out == NULL);
    CHECK(strstr(err.message, "hyper-parameters") != NULL);
    CHECK(s2s_model_average(&out, three, 0, &err) == S2S_ERR_INVALID_ARGUMENT);
    s2s_model_free(q);
    s2s_model_free(other);
done:
    s2s_model_free(avg);
    s2s_model_free(one);
    s2s_model_free(a);
    s2s_model_free(b);
    s2s_model_free(c);
}

int main(void) {
    RUN(invalid_hyper_parameters_are_refused_with_a_reason);
    RUN(the_hyper_parameter_table_names_every_field_once);
    RUN(the_architecture_key_is_optional_and_checked);
    RUN(save_then_load_gives_the_same_bytes);
    RUN(quantized_models_round_trip_and_stay_close_to_f32);
    RUN(averaged_models_hold_the_mean_of_each_parameter);
    RUN(an_owned_load_reads_int8_weights_in_place);
    RUN(a_vocabulary_travels_with_the_model);
    RUN(a_damaged_vocabulary_or_meta_key_is_a_bad_format);
    RUN(damaged_model_files_are_refused_cleanly);
    RUN(a_newer_file_version_is_refused_as_such);
    return tests_exit_code();
}
