/*
 * fuzz_tokenizer.c — arbitrary bytes as text for s2s_encode, and the ids
 * back through s2s_decode, with two real vocabularies loaded at startup:
 *   - tests/fixtures/js/tiny-en-es.s2s: 768 pieces with byte fallback (the
 *     shape of the shipped model's vocabulary), through the public API;
 *   - tests/fixtures/tokenizer/vocab_nobyte.tsv: no byte pieces, so unknown
 *     characters merge into UNK, through the internal tokenizer API.
 * Properties checked on every input:
 *   - encode succeeds exactly when the text is well-formed UTF-8 (else
 *     S2S_ERR_BAD_UTF8), every id is in range, and the count does not depend
 *     on the capacity: a too small cap gives S2S_ERR_INPUT_TOO_LONG, the same
 *     count and the same leading ids;
 *   - decode of those ids succeeds and gives well-formed UTF-8;
 *   - with byte fallback, text without NUL bytes and without a literal "▁"
 *     decodes back to itself with its spaces trimmed and runs of them
 *     collapsed to one (spm's identity normalization);
 *   - decoding arbitrary ids made from the input never fails on in-range ids
 *     and never writes outside its buffer;
 *   - the input read as a vocabulary (tokenizer_from_spm_vocab, what
 *     `s2s train --vocab` reads) is refused with a status and a message, or
 *     gives a tokenizer that encodes and decodes a fixed sentence and the
 *     input itself like the others.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "tokenizer.h"

static s2s_model *model;     /* byte fallback, through the public API */
static tokenizer *nobyte;    /* no byte pieces: UNK runs */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    model = fuzz_load_fixture_model("js/tiny-en-es.s2s");
    if (!s2s_model_has_vocab(model)) {
        fprintf(stderr, "fuzz: js/tiny-en-es.s2s has no vocabulary\n");
        exit(2);
    }
    size_t size = 0;
    uint8_t *tsv = fuzz_read_fixture("tokenizer/vocab_nobyte.tsv", &size);
    s2s_error err;
    if (tokenizer_from_spm_vocab(&nobyte, (const char *)tsv, size, &err) != S2S_OK) {
        fprintf(stderr, "fuzz: tokenizer/vocab_nobyte.tsv: %s\n", err.message);
        exit(2);
    }
    free(tsv);
    /* LeakSanitizer runs at exit: free the fixtures then. */
    return 0;
}

__attribute__((destructor)) static void free_fixtures(void) {
    s2s_model_free(model);
    tokenizer_free(nobyte);
}

/* What spm's identity normalizer and spm_decode make of text without NUL or
 * a literal "▁": spaces (U+0020 only) trimmed at both ends, runs collapsed. */
static size_t collapse_spaces(const uint8_t *s, size_t n, char *out) {
    size_t o = 0;
    int pending = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            pending = o > 0;
            continue;
        }
        if (pending) out[o++] = ' ';
        pending = 0;
        out[o++] = (char)s[i];
    }
    out[o] = '\0';
    return o;
}

static int has_lower_one_eighth_block(const uint8_t *s, size_t n) {
    for (size_t i = 0; i + 2 < n; i++)
        if (s[i] == 0xE2 && s[i + 1] == 0x96 && s[i + 2] == 0x81) return 1;
    return 0;
}

typedef s2s_status (*encode_fn)(const void *ctx, const char *text, size_t len, int32_t *ids,
                                int32_t cap, int32_t *n, s2s_error *err);
typedef s2s_status (*decode_fn)(const void *ctx, const int32_t *ids, int32_t n, char **out,
                                s2s_error *err);

static s2s_status enc_model(const void *ctx, const char *text, size_t len, int32_t *ids,
                            int32_t cap, int32_t *n, s2s_error *err) {
    return s2s_encode(ctx, text, len, ids, cap, n, err);
}
static s2s_status dec_model(const void *ctx, const int32_t *ids, int32_t n, char **out,
                            s2s_error *err) {
    return s2s_decode(ctx, ids, n, out, err);
}
static s2s_status enc_tok(const void *ctx, const char *text, size_t len, int32_t *ids,
                          int32_t cap, int32_t *n, s2s_error *err) {
    return tokenizer_encode(ctx, text, len, ids, cap, n, err);
}
static s2s_status dec_tok(const void *ctx, const int32_t *ids, int32_t n, char **out,
                          s2s_error *err) {
    return tokenizer_decode(ctx, ids, n, out, err);
}

static void free_text(void *p, int from_model) {
    if (from_model)
        s2s_free(p);
    else
        free(p);
}

static void round_trip(const void *ctx, int32_t vocab, encode_fn enc, decode_fn dec,
                       int byte_fallback, const uint8_t *data, size_t size) {
    int valid = fuzz_utf8_valid(data, size);
    /* Enough for every normalized byte to become an id: a space becomes the
     * three bytes of "▁", and a "▁" is prepended. */
    int32_t cap = 3 * (int32_t)size + 3;
    int32_t *ids = malloc(sizeof *ids * (size_t)cap);
    if (!ids) return;
    int32_t n = -1;
    s2s_error err;
    s2s_status st = enc(ctx, (const char *)data, size, ids, cap, &n, &err);
    if (!valid) {
        FUZZ_CHECK(st == S2S_ERR_BAD_UTF8 && err.status == st);
        free(ids);
        return;
    }
    FUZZ_CHECK(st == S2S_OK);
    FUZZ_CHECK(n >= 0 && n <= cap);
    for (int32_t i = 0; i < n; i++) FUZZ_CHECK(ids[i] >= 0 && ids[i] < vocab);

    if (n > 0) {
        /* a cap one short: the same count, the same leading ids */
        int32_t *part = malloc(sizeof *part * (size_t)n);
        if (part) {
            int32_t m = -1;
            st = enc(ctx, (const char *)data, size, n > 1 ? part : NULL, n - 1, &m, &err);
            FUZZ_CHECK(st == S2S_ERR_INPUT_TOO_LONG && m == n);
            if (n > 1) FUZZ_CHECK(memcmp(part, ids, sizeof *part * (size_t)(n - 1)) == 0);
            free(part);
        }
    }

    char *text = NULL;
    st = dec(ctx, ids, n, &text, &err);
    FUZZ_CHECK(st == S2S_OK && text != NULL);
    size_t tl = strlen(text);
    FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)text, tl));
    if (byte_fallback && !memchr(data, 0, size) && !has_lower_one_eighth_block(data, size)) {
        char *want = malloc(size + 1);
        if (want) {
            size_t wl = collapse_spaces(data, size, want);
            if (wl != tl || memcmp(want, text, tl) != 0)
                fprintf(stderr, "round trip: want \"%s\" got \"%s\"\n", want, text);
            FUZZ_CHECK(wl == tl && memcmp(want, text, tl) == 0);
            free(want);
        }
    }
    free_text(text, enc == enc_model);
    free(ids);
}

/* The input read as little-endian u16 ids, reduced into the vocabulary,
 * decoded: every piece type in any order (controls, UNK, byte runs that are
 * not UTF-8, "▁" pieces first). One out-of-range id is an error. */
static void decode_arbitrary(const void *ctx, int32_t vocab, decode_fn dec, int from_model,
                             const uint8_t *data, size_t size) {
    int32_t n = (int32_t)(size / 2);
    if (n > 512) n = 512;
    int32_t *ids = malloc(sizeof *ids * (size_t)(n ? n : 1));
    if (!ids) return;
    for (int32_t i = 0; i < n; i++) ids[i] = (int32_t)((data[2 * i] | data[2 * i + 1] << 8) % vocab);
    char *text = NULL;
    s2s_error err;
    s2s_status st = dec(ctx, ids, n, &text, &err);
    FUZZ_CHECK(st == S2S_OK && text != NULL);
    FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)text, strlen(text)));
    free_text(text, from_model);
    if (n > 0) {
        ids[n / 2] = (data[0] & 1) ? -1 - data[1] : vocab + data[1];
        text = (char *)1;
        st = dec(ctx, ids, n, &text, &err);
        FUZZ_CHECK(st == S2S_ERR_INVALID_ARGUMENT && text == NULL);
    }
    free(ids);
}

/* The input as a spm_export_vocab TSV. */
static void vocab_from_input(const uint8_t *data, size_t size) {
    tokenizer *t = (tokenizer *)&size; /* must come back NULL on failure */
    s2s_error err = {S2S_OK, ""};
    s2s_status st = tokenizer_from_spm_vocab(&t, (const char *)data, size, &err);
    if (st != S2S_OK) {
        FUZZ_CHECK(t == NULL && err.status == st && err.message[0] != '\0');
        return;
    }
    FUZZ_CHECK(t != NULL && tokenizer_size(t) > 0);
    static const char fixed[] = "Open the file. \xc2\xbf" "D\xc3\xb3nde est\xc3\xa1? \xe2\x96\x81x <unk>";
    round_trip(t, tokenizer_size(t), enc_tok, dec_tok, 0, (const uint8_t *)fixed, sizeof fixed - 1);
    round_trip(t, tokenizer_size(t), enc_tok, dec_tok, 0, data, size);
    decode_arbitrary(t, tokenizer_size(t), dec_tok, 0, data, size);
    tokenizer_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int32_t vm = s2s_model_hparams(model)->src_vocab, vn = tokenizer_size(nobyte);
    round_trip(model, vm, enc_model, dec_model, 1, data, size);
    round_trip(nobyte, vn, enc_tok, dec_tok, 0, data, size);
    decode_arbitrary(model, vm, dec_model, 1, data, size);
    decode_arbitrary(nobyte, vn, dec_tok, 0, data, size);
    vocab_from_input(data, size);
    return 0;
}
