/*
 * fuzz_loader.c — arbitrary bytes as a model file.
 *
 * Each input is loaded twice: as it is (header checks, checksum) and, when it
 * starts with the magic, with its header file_size and CRC-32 trailer
 * repaired, so mutations reach the key/values, the tensor table, the
 * hyper-parameters, the weights and the vocabulary instead of stopping at
 * the checksum. A file that loads must behave like a model:
 *   - its hyper-parameters validate; the accessors answer;
 *   - save -> load -> save gives the same bytes (and the second load works);
 *   - quantize or dequantize, and clone, work;
 *   - with a vocabulary, a fixed text encodes and its ids decode to UTF-8;
 *   - a short greedy and beam translation and a few streaming steps run
 *     (weights may be NaN or huge: only crashes, leaks and UB count).
 * s2s_model_load_owned (int8 weights read in place from the caller's malloc'ed
 * buffer, which the model then frees) must give the same verdict and the
 * same model, and leave the buffer to the caller when it refuses.
 * A refused file must come back with a NULL model, an error status matching
 * err.status, a file-kind status (bad format, version, checksum, out of
 * memory) and a NUL-terminated message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "format.h"

static void check_refusal(s2s_status st, const s2s_model *m, const s2s_error *err) {
    FUZZ_CHECK(m == NULL);
    FUZZ_CHECK(err->status == st);
    FUZZ_CHECK(memchr(err->message, '\0', sizeof err->message) != NULL);
    FUZZ_CHECK(s2s_status_name(st) != NULL);
    if (!(st == S2S_ERR_BAD_FORMAT || st == S2S_ERR_VERSION || st == S2S_ERR_CHECKSUM ||
          st == S2S_ERR_OUT_OF_MEMORY))
        fprintf(stderr, "refused with status %d (%s): %s\n", (int)st, s2s_status_name(st),
                err->message);
    FUZZ_CHECK(st == S2S_ERR_BAD_FORMAT || st == S2S_ERR_VERSION || st == S2S_ERR_CHECKSUM ||
               st == S2S_ERR_OUT_OF_MEMORY);
}

static void exercise_vocab(const s2s_model *m) {
    const s2s_hparams *hp = s2s_model_hparams(m);
    FUZZ_CHECK(s2s_piece(m, -1) == NULL);
    FUZZ_CHECK(s2s_piece(m, hp->src_vocab) == NULL);
    for (int32_t i = 0; i < hp->src_vocab && i < 64; i++) FUZZ_CHECK(s2s_piece(m, i) != NULL);
    static const char text[] = "Open the file.  \xC2\xBF" "D\xC3\xB3nde est\xC3\xA1? \xF0\x9F\x98\x80 a";
    int32_t ids[128], n = 0;
    s2s_error err;
    s2s_status st = s2s_encode(m, text, sizeof text - 1, ids, 128, &n, &err);
    FUZZ_CHECK(st == S2S_OK); /* every character is covered by a piece, a byte or UNK */
    FUZZ_CHECK(n >= 1 && n <= 128);
    for (int32_t i = 0; i < n; i++) FUZZ_CHECK(ids[i] >= 0 && ids[i] < hp->src_vocab);
    char *out = NULL;
    st = s2s_decode(m, ids, n, &out, &err);
    FUZZ_CHECK(st == S2S_OK && out != NULL);
    FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)out, strlen(out)));
    s2s_free(out);
}

static void exercise_translate(const s2s_model *m) {
    const s2s_hparams *hp = s2s_model_hparams(m);
    int32_t src[3];
    for (int i = 0; i < 3; i++) src[i] = (int32_t)((4 + 7 * i) % hp->src_vocab);
    const int32_t *srcs[2] = {src, src + 1};
    int32_t lens[2] = {3, 2};
    s2s_translate_params p = s2s_translate_default_params();
    p.max_len_factor = 1.0f;
    p.max_len_extra = 2;
    p.want_attention = 1;
    for (int beam = 1; beam <= 2; beam++) {
        p.beam_size = beam;
        s2s_result *r = NULL;
        if (s2s_translate_ids(m, 2, srcs, lens, &p, &r, NULL) == S2S_OK) {
            for (int32_t i = 0; i < s2s_result_count(r); i++) {
                int32_t len = -1, rows = 0, cols = 0;
                const int32_t *toks = s2s_result_tokens(r, i, &len);
                FUZZ_CHECK(toks != NULL && len >= 0 && len <= 5);
                for (int32_t k = 0; k < len; k++)
                    FUZZ_CHECK(toks[k] >= 0 && toks[k] < hp->tgt_vocab);
                FUZZ_CHECK(s2s_result_token_logprobs(r, i) != NULL);
                (void)s2s_result_score(r, i);
                const float *att = s2s_result_attention(r, i, &rows, &cols);
                if (att) FUZZ_CHECK(rows == len + 1 && cols == lens[i]);
            }
            s2s_result_free(r);
        }
    }
    s2s_stream *s = NULL;
    p.beam_size = 1;
    if (s2s_stream_start(&s, m, src, 3, &p, NULL) == S2S_OK) {
        for (int k = 0; k < 8; k++) {
            int32_t tok = -1, done = 0, cols = 0;
            float lp = 0.0f;
            FUZZ_CHECK(s2s_stream_next(s, &tok, &lp, &done, NULL) == S2S_OK);
            FUZZ_CHECK(tok >= 0 && tok < hp->tgt_vocab);
            (void)s2s_stream_attention(s, &cols);
            if (done) break;
            FUZZ_CHECK(k < 5); /* max length 1 * 3 + 2 tokens, then EOS */
        }
        s2s_stream_free(s);
    }
}

static void exercise_model(s2s_model *m) {
    const s2s_hparams *hp = s2s_model_hparams(m);
    FUZZ_CHECK(hp != NULL);
    FUZZ_CHECK(s2s_hparams_validate(hp, NULL) == S2S_OK);
    FUZZ_CHECK(s2s_model_num_params(m) > 0);
    (void)s2s_model_is_quantized(m);
    const char *name = s2s_model_meta(m, "name");
    if (name) (void)strlen(name);
    (void)s2s_model_meta(m, "license");

    /* save -> load -> save is the identity on bytes */
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    s2s_error err;
    FUZZ_CHECK(s2s_model_save(m, &a, &na, &err) == S2S_OK);
    s2s_model *m2 = NULL;
    s2s_status st = s2s_model_load(&m2, a, na, &err);
    if (st != S2S_OK) fprintf(stderr, "reload failed: %s\n", err.message);
    FUZZ_CHECK(st == S2S_OK);
    FUZZ_CHECK(s2s_model_save(m2, &b, &nb, &err) == S2S_OK);
    FUZZ_CHECK(na == nb && memcmp(a, b, na) == 0);
    FUZZ_CHECK(s2s_model_has_vocab(m2) == s2s_model_has_vocab(m));
    FUZZ_CHECK(memcmp(s2s_model_hparams(m2), hp, sizeof *hp) == 0);
    s2s_free(a);
    s2s_free(b);
    s2s_model_free(m2);

    s2s_model *conv = NULL;
    if (s2s_model_is_quantized(m))
        st = s2s_model_dequantize(&conv, m, &err);
    else
        st = s2s_model_quantize(&conv, m, &err);
    FUZZ_CHECK(st == S2S_OK);
    s2s_model_free(conv);
    s2s_model *copy = NULL;
    FUZZ_CHECK(s2s_model_clone(&copy, m, &err) == S2S_OK);
    FUZZ_CHECK(s2s_model_set_meta(copy, "fuzz", "x", &err) == S2S_OK);
    s2s_model_free(copy);

    if (s2s_model_has_vocab(m)) exercise_vocab(m);
    exercise_translate(m);
}

/* The model's file as bytes (for comparing two models); NULL on failure. */
static uint8_t *saved_bytes(const s2s_model *m, size_t *n) {
    uint8_t *b = NULL;
    FUZZ_CHECK(s2s_model_save(m, &b, n, NULL) == S2S_OK);
    return b;
}

/* s2s_model_load (copies), then s2s_model_load_owned on a malloc'ed copy
 * (int8 weights read in place; the model frees the buffer, but only on
 * success): both must agree, and the model they give must work. */
static void load_and_exercise(const uint8_t *data, size_t size) {
    s2s_model *m = NULL;
    s2s_error err;
    memset(&err, 0x5a, sizeof err); /* a message must be written, not left over */
    s2s_status st = s2s_model_load(&m, data, size, &err);
    if (st != S2S_OK)
        check_refusal(st, m, &err);
    else
        exercise_model(m);

    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        s2s_model_free(m);
        return;
    }
    memcpy(buf, data, size);
    s2s_model *owned = NULL;
    memset(&err, 0x5a, sizeof err);
    s2s_status st2 = s2s_model_load_owned(&owned, buf, size, &err);
    FUZZ_CHECK(st2 == st); /* the same verdict as the copying load */
    if (st2 != S2S_OK) {
        check_refusal(st2, owned, &err);
        memset(buf, 0, size); /* still the caller's: ASan reports a use after free */
        free(buf);
    } else {
        exercise_model(owned);
        size_t na = 0, nb = 0;
        uint8_t *a = saved_bytes(m, &na), *b = saved_bytes(owned, &nb);
        FUZZ_CHECK(na == nb && memcmp(a, b, na) == 0);
        s2s_free(a);
        s2s_free(b);
        s2s_model_free(owned); /* frees buf */
    }
    s2s_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    load_and_exercise(data, size);
    if (size >= 36 && memcmp(data, "S2SM", 4) == 0) {
        uint8_t *fixed = malloc(size); /* exactly size: ASan sees any read past it */
        if (!fixed) return 0;
        memcpy(fixed, data, size);
        uint64_t fs = size;
        for (int i = 0; i < 8; i++) fixed[24 + i] = (uint8_t)(fs >> (8 * i));
        uint32_t crc = format_crc32(0, fixed, size - 4);
        for (int i = 0; i < 4; i++) fixed[size - 4 + i] = (uint8_t)(crc >> (8 * i));
        load_and_exercise(fixed, size);
        free(fixed);
    }
    return 0;
}
