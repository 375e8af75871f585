/*
 * test_tokenizer.c — the unigram tokenizer against SentencePiece's own output.
 *
 * Fixtures (tools/make_tokenizer_fixture.py) hold two vocabularies and, for
 * each, texts with the ids spm_encode gave and the text spm_decode gave back,
 * plus random id sequences with spm_decode's text. Every one must match
 * exactly. The rest checks bad input, limits, speed and robustness.
 *
 * usage: test_tokenizer [DIR]   DIR holds the tokenizer fixtures
 *        (default: S2S_FIXTURE_DIR "/tokenizer", as CMake defines it)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testing.h"
#include "tokenizer.h"

#ifndef S2S_FIXTURE_DIR
#define S2S_FIXTURE_DIR "tests/fixtures"
#endif

static const char *fixture_dir = S2S_FIXTURE_DIR "/tokenizer";

/* ------------------------------------------------------------- helpers */

/* Whole file, NUL-terminated, malloc'ed; NULL when unreadable. */
static char *read_file(const char *dir, const char *name, size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (size_t r; buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += r;
        if (n + 1 == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (buf) buf[n] = 0;
    if (len) *len = n;
    return buf;
}

static tokenizer *load_vocab(const char *name) {
    size_t len;
    char *tsv = read_file(fixture_dir, name, &len);
    tokenizer *t = NULL;
    s2s_error err = {0};
    if (tsv && tokenizer_from_spm_vocab(&t, tsv, len, &err) != S2S_OK)
        fprintf(stderr, "%s: %s\n", name, err.message);
    free(tsv);
    return t;
}

/* Undoes the fixture escapes (\\ \t \n \r \xHH) in place; returns the length. */
static size_t unescape(char *s) {
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] != '\\' || !s[i + 1]) {
            s[o++] = s[i];
            continue;
        }
        char c = s[++i];
        if (c == 't') s[o++] = '\t';
        else if (c == 'n') s[o++] = '\n';
        else if (c == 'r') s[o++] = '\r';
        else if (c == 'x' && s[i + 1] && s[i + 2]) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            s[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else s[o++] = c;
    }
    s[o] = 0;
    return o;
}

/* Space-separated ids; returns how many (at most cap). */
static int32_t parse_ids(const char *s, int32_t *ids, int32_t cap) {
    int32_t n = 0;
    char *end;
    for (;;) {
        long v = strtol(s, &end, 10);
        if (end == s || n == cap) return n;
        ids[n++] = (int32_t)v;
        s = end;
    }
}

/* Splits buf into lines (in place) and each line at tabs into at most 3
 * fields; calls fn per non-header line. */
typedef void (*case_fn)(const tokenizer *t, int line, char **fields, int nf, int *count);
static void for_each_case(const tokenizer *t, const char *file, case_fn fn, int *count) {
    char *buf = read_file(fixture_dir, file, NULL);
    CHECK(buf != NULL);
    if (!buf) return;
    int line = 0;
    for (char *p = buf; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        line++;
        if (!(line == 1 && p[0] == '#')) {
            char *fields[3] = {p, NULL, NULL};
            int nf = 1;
            for (char *q = p; *q && nf < 3; q++)
                if (*q == '\t') *q = 0, fields[nf++] = q + 1;
            fn(t, line, fields, nf, count);
        }
        p = nl ? nl + 1 : NULL;
    }
    free(buf);
}

static void print_ids(const char *label, const int32_t *ids, int32_t n) {
    fprintf(stderr, "  %s:", label);
    for (int32_t i = 0; i < n; i++) fprintf(stderr, " %d", (int)ids[i]);
    fprintf(stderr, "\n");
}

/* ------------------------------------------------ fixture comparisons */

enum { MAX_IDS = 4096 };

static void check_encode_case(const tokenizer *t, int line, char **f, int nf, int *count) {
    CHECK(nf == 3);
    if (nf != 3) return;
    static int32_t want[MAX_IDS], got[MAX_IDS];
    size_t len = unescape(f[0]);
    int32_t nw = parse_ids(f[1], want, MAX_IDS), ng = -1;
    s2s_error err = {0};
    s2s_status st = tokenizer_encode(t, f[0], len, got, MAX_IDS, &ng, &err);
    int ok = st == S2S_OK && ng == nw && memcmp(got, want, (size_t)nw * sizeof *got) == 0;
    if (!ok) {
        fprintf(stderr, "line %d: \"%s\" (%s)\n", line, f[0], err.message);
        print_ids("spm ", want, nw);
        print_ids("ours", got, ng > 0 && ng <= MAX_IDS ? ng : 0);
    }
    CHECK(ok);
    char *text = NULL;
    unescape(f[2]);
    st = tokenizer_decode(t, want, nw, &text, &err);
    int dok = st == S2S_OK && strcmp(text, f[2]) == 0;
    if (!dok) fprintf(stderr, "line %d: decoded \"%s\", spm \"%s\"\n", line, text, f[2]);
    CHECK(dok);
    free(text);
    (*count)++;
}

static void check_decode_case(const tokenizer *t, int line, char **f, int nf, int *count) {
    CHECK(nf == 2);
    if (nf != 2) return;
    static int32_t ids[MAX_IDS];
    int32_t n = parse_ids(f[0], ids, MAX_IDS);
    unescape(f[1]);
    char *text = NULL;
    s2s_status st = tokenizer_decode(t, ids, n, &text, NULL);
    int ok = st == S2S_OK && strcmp(text, f[1]) == 0;
    if (!ok) fprintf(stderr, "line %d: ids %s decoded \"%s\", spm \"%s\"\n", line, f[0], text, f[1]);
    CHECK(ok);
    free(text);
    (*count)++;
}

static void check_model(const char *vocab, const char *cases, const char *decode_cases) {
    tokenizer *t = load_vocab(vocab);
    CHECK(t != NULL);
    if (!t) return;
    int n = 0, m = 0;
    for_each_case(t, cases, check_encode_case, &n);
    for_each_case(t, decode_cases, check_decode_case, &m);
    printf("     %s: %d encode+decode cases, %d decode cases\n", vocab, n, m);
    CHECK(n > 100 && m > 100);
    tokenizer_free(t);
}

static void every_case_encodes_and_decodes_as_spm_does_with_byte_fallback(void) {
    check_model("vocab.tsv", "cases.tsv", "decode_cases.tsv");
}

static void every_case_encodes_and_decodes_as_spm_does_without_byte_fallback(void) {
    check_model("vocab_nobyte.tsv", "cases_nobyte.tsv", "decode_cases_nobyte.tsv");
}

/* The shipped English-Spanish vocabulary on every sentence of the dev set
 * (tools/make_dev_tokenizer_fixture.py). */
static void the_english_spanish_dev_set_encodes_and_decodes_as_spm_does(void) {
    check_model("vocab_en_es.tsv", "cases_en_es.tsv", "decode_cases_en_es.tsv");
}

/* ------------------------------------------------------------ behaviour */

static tokenizer *byte_model, *unk_model;

static s2s_status encode_str(const tokenizer *t, const char *s, size_t len, int32_t *n) {
    static int32_t ids[MAX_IDS];
    return tokenizer_encode(t, s, len, ids, MAX_IDS, n, NULL);
}

static void the_vocabulary_types_are_inferred_from_the_pieces(void) {
    const tokenizer *t = byte_model;
    CHECK(tokenizer_type(t, S2S_PAD) == PIECE_CONTROL && strcmp(tokenizer_piece(t, 0), "<pad>") == 0);
    CHECK(tokenizer_type(t, S2S_UNK) == PIECE_UNKNOWN);
    CHECK(tokenizer_type(t, S2S_SOS) == PIECE_CONTROL && tokenizer_type(t, S2S_EOS) == PIECE_CONTROL);
    CHECK(tokenizer_type(t, 4) == PIECE_BYTE && strcmp(tokenizer_piece(t, 4), "<0x00>") == 0);
    CHECK(tokenizer_type(t, 259) == PIECE_BYTE && strcmp(tokenizer_piece(t, 259), "<0xFF>") == 0);
    CHECK(tokenizer_type(t, 260) == PIECE_NORMAL && tokenizer_score(t, 260) < 0);
    CHECK(tokenizer_piece(t, -1) == NULL && tokenizer_piece(t, tokenizer_size(t)) == NULL);
    CHECK(tokenizer_type(unk_model, 4) == PIECE_NORMAL);
}

static void empty_and_blank_text_encode_to_no_ids(void) {
    int32_t n = -1;
    CHECK(encode_str(byte_model, "", 0, &n) == S2S_OK && n == 0);
    CHECK(tokenizer_encode(byte_model, NULL, 0, NULL, 0, &n, NULL) == S2S_OK && n == 0);
    CHECK(encode_str(byte_model, "     ", 5, &n) == S2S_OK && n == 0);
    CHECK(encode_str(byte_model, "\xE2\x96\x81 \xE2\x96\x81", 7, &n) == S2S_OK && n == 0);
}

static void embedded_nul_bytes_are_ordinary_characters(void) {
    int32_t ids[8], n = 0;
    CHECK(tokenizer_encode(byte_model, "\0", 1, ids, 8, &n, NULL) == S2S_OK);
    CHECK(n == 2 && ids[1] == 4); /* "▁" then <0x00> */
    CHECK(tokenizer_encode(unk_model, "\0\0", 2, ids, 8, &n, NULL) == S2S_OK);
    CHECK(n == 2 && ids[1] == S2S_UNK); /* a run of unknowns is one UNK */
}

static void invalid_utf8_is_rejected_cleanly(void) {
    static const char *bad[] = {
        "\xFF", "\xFE", "\x80", "abc\xBF", "\xC0\x80", "\xC1\xBF", /* stray, overlong 2 */
        "\xE0\x80\x80", "\xE0\x9F\xBF", "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF", /* overlong */
        "\xED\xA0\x80", "\xED\xBF\xBF", /* surrogates */
        "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xF8\x88\x80\x80\x80", /* > U+10FFFF */
        "\xC3", "\xE2\x96", "\xF0\x9F\x8C", "ok \xE2\x96 ok", "\xC3\x28", /* truncated */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int32_t ids[16], n = -1;
        s2s_error err = {0};
        s2s_status st = tokenizer_encode(byte_model, bad[i], strlen(bad[i]), ids, 16, &n, &err);
        CHECK(st == S2S_ERR_BAD_UTF8 && n == 0 && err.status == S2S_ERR_BAD_UTF8);
        CHECK(err.message[0] != 0);
    }
    int32_t n = -1; /* the largest scalar values are fine */
    CHECK(encode_str(byte_model, "\xF4\x8F\xBF\xBF\xEF\xBF\xBF", 7, &n) == S2S_OK && n == 8);
}

static void a_too_small_cap_reports_input_too_long_and_the_needed_count(void) {
    const char *s = "El niño comió una manzana en el parque.";
    int32_t all[64], n = 0;
    CHECK(tokenizer_encode(byte_model, s, strlen(s), all, 64, &n, NULL) == S2S_OK && n > 3);
    for (int32_t cap = 0; cap < n; cap++) {
        int32_t part[64], m = -1;
        for (int i = 0; i < 64; i++) part[i] = -7;
        s2s_error err = {0};
        CHECK(tokenizer_encode(byte_model, s, strlen(s), part, cap, &m, &err) ==
              S2S_ERR_INPUT_TOO_LONG);
        CHECK(m == n && err.status == S2S_ERR_INPUT_TOO_LONG);
        CHECK(memcmp(part, all, (size_t)cap * sizeof *part) == 0 && part[cap] == -7);
    }
    CHECK(tokenizer_encode(byte_model, s, strlen(s), all, n, &n, NULL) == S2S_OK);
    CHECK(tokenizer_encode(byte_model, s, strlen(s), all, -1, &n, NULL) == S2S_ERR_INVALID_ARGUMENT);
}

static void decoding_out_of_range_ids_is_an_error(void) {
    char *text = (char *)1;
    int32_t ids[] = {260, tokenizer_size(byte_model)};
    s2s_error err = {0};
    CHECK(tokenizer_decode(byte_model, ids, 2, &text, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(text == NULL && err.message[0]);
    ids[1] = -1;
    CHECK(tokenizer_decode(byte_model, ids, 2, &text, NULL) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(tokenizer_decode(byte_model, ids, 0, &text, NULL) == S2S_OK && strcmp(text, "") == 0);
    free(text);
}

static void bad_vocabularies_are_rejected(void) {
    const char *pieces[] = {"<unk>", "a", "b", "c"};
    float scores[] = {0, -1, -2, -3};
    int32_t types[] = {PIECE_UNKNOWN, PIECE_NORMAL, PIECE_NORMAL, PIECE_NORMAL};
    tokenizer *t = NULL;
    CHECK(tokenizer_init(&t, 4, pieces, scores, types, NULL) == S2S_OK);
    tokenizer_free(t);
    tokenizer_free(NULL);
    s2s_error err = {0};
    pieces[3] = "a"; /* duplicate */
    CHECK(tokenizer_init(&t, 4, pieces, scores, types, &err) == S2S_ERR_INVALID_ARGUMENT && !t);
    pieces[3] = ""; /* empty */
    CHECK(tokenizer_init(&t, 4, pieces, scores, types, NULL) == S2S_ERR_INVALID_ARGUMENT);
    pieces[3] = "\xC3"; /* not UTF-8 */
    CHECK(tokenizer_init(&t, 4, pieces, scores, types, NULL) == S2S_ERR_BAD_UTF8);
    pieces[3] = "c";
    scores[2] = 1.0f / 0.0f;
    CHECK(tokenizer_init(&t, 4, pieces, scores, types, NULL) == S2S_ERR_INVALID_ARGUMENT);
    scores[2] = -2;
    types[2] = 7;
    CHECK(tokenizer_init(&t, 4, pieces, scores, types, NULL) == S2S_ERR_INVALID_ARGUMENT);
    types[2] = PIECE_BYTE; /* "b" is no <0xHH> */
    CHECK(tokenizer_init(&t, 4, pieces, scores, types, NULL) == S2S_ERR_INVALID_ARGUMENT);
    types[2] = PIECE_NORMAL;
    types[0] = PIECE_CONTROL; /* no unknown piece */
    CHECK(tokenizer_init(&t, 4, pieces, scores, types, NULL) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(tokenizer_init(&t, 0, pieces, scores, types, NULL) == S2S_ERR_INVALID_ARGUMENT);

    static const char *tsvs[] = {"<unk>\t0\na-1\n", "<unk>\t0\na\tx\n", "<unk>\t0\na\tnan\n",
                                 "<unk>\t0\n\t-1\n", "<unk>\t0\na\t-1\na\t-2\n", ""};
    for (size_t i = 0; i < sizeof tsvs / sizeof *tsvs; i++) {
        CHECK(tokenizer_from_spm_vocab(&t, tsvs[i], strlen(tsvs[i]), &err) != S2S_OK && !t);
    }
    /* CRLF endings, a tab inside a piece, no final newline */
    const char *ok = "<unk>\t0\r\na\tb\t-1.5\r\n<0x0A>\t0";
    CHECK(tokenizer_from_spm_vocab(&t, ok, strlen(ok), &err) == S2S_OK);
    CHECK(t && tokenizer_size(t) == 3 && strcmp(tokenizer_piece(t, 1), "a\tb") == 0);
    CHECK(t && tokenizer_score(t, 1) == -1.5f && tokenizer_type(t, 2) == PIECE_BYTE);
    tokenizer_free(t);
}

/* Equal totals: spm keeps the first candidate it sees at each end position,
 * visiting starts left to right and, per start, shorter pieces first. */
static void exact_ties_keep_the_segmentation_spm_keeps(void) {
    const char *pieces[] = {"<unk>", "\xE2\x96\x81", "a", "b", "ab", "\xE2\x96\x81" "a"};
    float scores[] = {0, -1, -1, -1, -2, -2};
    int32_t types[] = {PIECE_UNKNOWN, 1, 1, 1, 1, 1};
    tokenizer *t = NULL;
    CHECK(tokenizer_init(&t, 6, pieces, scores, types, NULL) == S2S_OK);
    int32_t ids[8], n = 0;
    /* "▁ab": ▁+ab and ▁a+b both score -3; ▁+ab (start 0, then 3) is seen
     * before ▁a+b's last piece (start 4) */
    CHECK(tokenizer_encode(t, "ab", 2, ids, 8, &n, NULL) == S2S_OK);
    CHECK(n == 2 && ids[0] == 1 && ids[1] == 4);
    /* "▁a": ▁a and ▁+a both score -2; ▁a starts earlier, so it wins */
    CHECK(tokenizer_encode(t, "a", 1, ids, 8, &n, NULL) == S2S_OK);
    CHECK(n == 1 && ids[0] == 5);
    tokenizer_free(t);
}

static void a_megabyte_of_text_encodes(void) {
    size_t len = 1 << 20;
    char *s = malloc(len);
    const char *words[] = {"el ", "niño ", "come ", "una ", "manzana ", "🌮 ", "Привет ", "a  "};
    size_t o = 0;
    for (unsigned i = 0; o + 16 < len; i = i * 1103515245u + 12345u) {
        const char *w = words[(i >> 16) % 8];
        memcpy(s + o, w, strlen(w));
        o += strlen(w);
    }
    int32_t *ids = malloc(len * sizeof *ids), n = 0;
    clock_t c0 = clock();
    CHECK(tokenizer_encode(byte_model, s, o, ids, (int32_t)len, &n, NULL) == S2S_OK);
    double half = (double)(clock() - c0) / CLOCKS_PER_SEC;
    c0 = clock();
    CHECK(tokenizer_encode(byte_model, s, o / 2, ids, (int32_t)len, &n, NULL) == S2S_OK);
    printf("     1 MB: %.3f s (%d ids); 0.5 MB: %.3f s\n", half, (int)n,
           (double)(clock() - c0) / CLOCKS_PER_SEC);
    free(s);
    free(ids);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Appends code point cp as UTF-8. */
static size_t put_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) return o[0] = (char)cp, 1;
    if (cp < 0x800) return o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static void random_bytes_never_crash_and_clean_text_round_trips(void) {
    char buf[256];
    int32_t ids[1024], n;
    int rejected = 0, roundtrips = 0;
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = rnd() % 64;
        for (size_t i = 0; i < len; i++) buf[i] = (char)(rnd() & 0xFF);
        const tokenizer *t = iter & 1 ? byte_model : unk_model;
        s2s_status st = tokenizer_encode(t, buf, len, ids, 1024, &n, NULL);
        CHECK(st == S2S_OK || st == S2S_ERR_BAD_UTF8);
        rejected += st == S2S_ERR_BAD_UTF8;
        if (st == S2S_OK) {
            char *text = NULL;
            CHECK(tokenizer_decode(t, ids, n, &text, NULL) == S2S_OK);
            free(text);
        }
        /* Valid text without leading, trailing or doubled spaces (or "▁"):
         * with byte fallback, decode(encode(x)) == x. */
        static const uint32_t lo[] = {0x21, 0xA1, 0x370, 0x4E00, 0x1F300, 0x10000, 0x300};
        static const uint32_t span[] = {0x5E, 0x15F, 0x200, 0x100, 0x200, 0xF0000, 0x70};
        size_t o = 0, k = 1 + rnd() % 20;
        for (size_t i = 0; i < k; i++) {
            if (i && rnd() % 4 == 0) buf[o++] = ' ';
            int r = (int)(rnd() % 7);
            uint32_t cp = lo[r] + rnd() % span[r];
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';
            o += put_utf8(buf + o, cp);
        }
        buf[o] = 0;
        st = tokenizer_encode(byte_model, buf, o, ids, 1024, &n, NULL);
        CHECK(st == S2S_OK);
        char *text = NULL;
        if (st == S2S_OK && tokenizer_decode(byte_model, ids, n, &text, NULL) == S2S_OK) {
            int same = strcmp(text, buf) == 0;
            if (!same) fprintf(stderr, "round trip: \"%s\" -> \"%s\"\n", buf, text);
            CHECK(same);
            roundtrips += same;
        }
        free(text);
    }
    printf("     %d random inputs rejected as bad UTF-8, %d round trips\n", rejected, roundtrips);
    CHECK(rejected > 5000 && roundtrips == 20000);
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv) {
    if (argc > 1) fixture_dir = argv[1];
    RUN(every_case_encodes_and_decodes_as_spm_does_with_byte_fallback);
    RUN(every_case_encodes_and_decodes_as_spm_does_without_byte_fallback);
    RUN(the_english_spanish_dev_set_encodes_and_decodes_as_spm_does);
    byte_model = load_vocab("vocab.tsv");
    unk_model = load_vocab("vocab_nobyte.tsv");
    if (!byte_model || !unk_model) {
        fprintf(stderr, "cannot load the fixture vocabularies from %s\n", fixture_dir);
        return 1;
    }
    RUN(the_vocabulary_types_are_inferred_from_the_pieces);
    RUN(empty_and_blank_text_encode_to_no_ids);
    RUN(embedded_nul_bytes_are_ordinary_characters);
    RUN(invalid_utf8_is_rejected_cleanly);
    RUN(a_too_small_cap_reports_input_too_long_and_the_needed_count);
    RUN(decoding_out_of_range_ids_is_an_error);
    RUN(bad_vocabularies_are_rejected);
    RUN(exact_ties_keep_the_segmentation_spm_keeps);
    RUN(a_megabyte_of_text_encodes);
    RUN(random_bytes_never_crash_and_clean_text_round_trips);
    tokenizer_free(byte_model);
    tokenizer_free(unk_model);
    return tests_exit_code();
}
