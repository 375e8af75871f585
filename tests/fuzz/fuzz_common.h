/*
 * fuzz_common.h — what the libFuzzer targets of tests/fuzz/ share: reading a
 * fixture model at startup, and a check that aborts (so libFuzzer saves the
 * input) when a property the engine promises does not hold.
 *
 * Fixtures are found in $S2S_FIXTURE_DIR, else in the tests/fixtures path
 * tools/fuzz.sh compiles in.
 */
#ifndef S2S_FUZZ_COMMON_H
#define S2S_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s2s.h"

#ifndef S2S_FIXTURE_DIR
#define S2S_FIXTURE_DIR "tests/fixtures"
#endif

/* A broken promise: print it and abort, which libFuzzer reports as a crash. */
#define FUZZ_CHECK(cond)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static inline const char *fuzz_fixture_dir(void) {
    const char *d = getenv("S2S_FIXTURE_DIR");
    return d && d[0] ? d : S2S_FIXTURE_DIR;
}

/* The bytes of fixture `rel` (relative to the fixture directory), malloc'ed;
 * exits with a message when it cannot be read (a setup error, not a find). */
static inline uint8_t *fuzz_read_fixture(const char *rel, size_t *size) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", fuzz_fixture_dir(), rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz: cannot open fixture %s (set S2S_FIXTURE_DIR)\n", path);
        exit(2);
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(buf, cap);
            if (!grown) exit(2);
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    *size = n;
    return buf;
}

/* A fixture model, loaded once at startup; exits when it does not load. */
static inline s2s_model *fuzz_load_fixture_model(const char *rel) {
    size_t size = 0;
    uint8_t *bytes = fuzz_read_fixture(rel, &size);
    s2s_model *m = NULL;
    s2s_error err;
    if (s2s_model_load(&m, bytes, size, &err) != S2S_OK) {
        fprintf(stderr, "fuzz: fixture %s does not load: %s\n", rel, err.message);
        exit(2);
    }
    free(bytes);
    return m;
}

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or values
 * above U+10FFFF): an independent twin of the tokenizer's check. */
static inline int fuzz_utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1Fu;
        else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0Fu;
        else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07u;
        else return 0;
        if (n - i < len) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

#endif /* S2S_FUZZ_COMMON_H */
