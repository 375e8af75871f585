/*
 * test_format.c — the .s2s container: round trips, the Python-written
 * fixture, and a hostile-input sweep (every truncation, every byte flip with
 * and without a repaired checksum, hostile counts and offsets).
 *
 * Usage: test_format [FIXTURE_DIR]; without an argument the directory comes
 * from the S2S_FIXTURE_DIR compile definition.
 *
 * Buffers handed to format_parse are always malloc'ed at their exact size,
 * so AddressSanitizer and valgrind see any read past the end.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "testing.h"

static const char *fixture_dir;

/* ------------------------------------------------------------ helpers */

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v) {
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* Rewrites the trailer so the checksum matches the (mutated) bytes. */
static void fix_crc(uint8_t *buf, size_t size) {
    put32(buf + size - 4, format_crc32(0, buf, size - 4));
}

/* An exact-size heap copy, so the sanitizers catch reads past its end. */
static uint8_t *copy_of(const uint8_t *src, size_t size) {
    uint8_t *p = malloc(size ? size : 1);
    if (p && size) memcpy(p, src, size);
    return p;
}

/* Position of the first occurrence of needle in buf, or SIZE_MAX. */
static size_t find_bytes(const uint8_t *buf, size_t size, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(buf + i, needle, n) == 0) return i;
    return SIZE_MAX;
}

static uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static int str_is(format_str s, const char *z) {
    return s.len == strlen(z) && memcmp(s.ptr, z, s.len) == 0;
}

/* --------------------------------------------- the sample (= the fixture) */

/* The values of tools/make_format_fixture.py, rebuilt in C. */
static const int32_t sample_types[5] = {1, 2, 3, -4, 2147483647};
static const char *const sample_pieces[5] = {"<pad>", "<unk>", "", "\xe2\x96\x81hello",
                                             "w\xc3\xb6rld"};
static const char sample_name[] = "fixture \xe2\x9c\x93 h\xc3\xa9llo";

typedef struct sample {
    float scores[4];
    float f32[15];      /* (3, 5) */
    int32_t i32[7];     /* (7) */
    float q_src[192];       /* (4, 48), quantized into q8 */
    uint8_t q8[4 * 4 + 192]; /* 4 row scales (f32), then 4 x 48 int8 */
    float f4[12];       /* (2, 1, 3, 2) */
} sample;

/* Q8 with the engine's rule (src/kernels.h), row by row: d = amax / 127 in
 * float (NaN ignored), q = round-half-to-even(x / d) in float, NaN gives 0,
 * an all-zero row stores zeros; the row scales first, then the int8 rows.
 * Written here independently of src/kernels.c and of tools/s2sfile.py. */
static void quantize_ref(uint8_t *out, const float *x, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float *v = x + cols * r;
        int8_t *q = (int8_t *)(out + 4 * rows + cols * r);
        float amax = 0.0f;
        for (int i = 0; i < cols; i++) amax = fmaxf(amax, fabsf(v[i]));
        float d = amax / 127.0f;
        put32(out + 4 * r, f32_bits(d));
        for (int i = 0; i < cols; i++) {
            float t = d == 0.0f || v[i] != v[i] ? 0.0f : rintf(v[i] / d);
            q[i] = (int8_t)fminf(127.0f, fmaxf(-128.0f, t)); /* saturates as kernels.c does */
        }
    }
}

static void sample_init(sample *s) {
    const float scores[4] = {0.0f, -1.25f, 1e-3f, -0.0f};
    memcpy(s->scores, scores, sizeof scores);
    for (int i = 0; i < 15; i++) s->f32[i] = (float)(((i * 37) % 101 - 50) / 16.0);
    for (int i = 0; i < 7; i++) s->i32[i] = i * i - 20;
    for (int j = 0; j < 192; j++) s->q_src[j] = (float)(((j * 7919) % 255 - 127) / 64.0);
    for (int j = 48; j < 96; j++) s->q_src[j] = 0.0f; /* row 1 all zero: scale 0 */
    s->q_src[2 * 48 + 7] = NAN;                          /* row 2: ignored by amax, q 0 */
    s->q_src[144] = 127.0f;                              /* row 3: scale 1 and exact ties */
    s->q_src[145] = 2.5f;
    s->q_src[146] = -0.5f;
    s->q_src[147] = -1.5f;
    quantize_ref(s->q8, s->q_src, 4, 48);
    for (int i = 0; i < 12; i++) s->f4[i] = (float)i * 0.25f;
}

/* The fixture's content through the C writer; the caller frees *out. */
static s2s_status sample_write(const sample *s, uint8_t **out, size_t *size, s2s_error *err) {
    format_writer *w = format_writer_new();
    if (!w) return S2S_ERR_OUT_OF_MEMORY;
    format_writer_add_i32(w, "s2s.emb_dim", 256);
    format_writer_add_i32(w, "test.i32_min", INT32_MIN);
    format_writer_add_f32(w, "test.f32", -1.5f);
    format_writer_add_f32(w, "test.f32_tenth", 0.1f);
    format_writer_add_str(w, "meta.name", sample_name);
    format_writer_add_str(w, "meta.empty", "");
    format_writer_add_i32_array(w, "tokenizer.types", sample_types, 5);
    format_writer_add_f32_array(w, "tokenizer.scores", s->scores, 4);
    format_writer_add_str_array(w, "tokenizer.pieces", sample_pieces, 5);
    format_writer_add_i32_array(w, "test.empty_i32s", NULL, 0);
    format_writer_add_f32_array(w, "test.empty_f32s", NULL, 0);
    format_writer_add_str_array(w, "test.empty_strs", NULL, 0);
    const uint32_t d_f32[2] = {3, 5}, d_i32[1] = {7}, d_q8[2] = {4, 48}, d_4d[4] = {2, 1, 3, 2};
    format_writer_add_tensor(w, "enc.f32", FORMAT_DTYPE_F32, 2, d_f32, s->f32);
    format_writer_add_tensor(w, "enc.i32", FORMAT_DTYPE_I32, 1, d_i32, s->i32);
    format_writer_add_tensor(w, "dec.q8", FORMAT_DTYPE_Q8, 2, d_q8, s->q8);
    format_writer_add_tensor(w, "dec.4d", FORMAT_DTYPE_F32, 4, d_4d, s->f4);
    s2s_status st = format_writer_finish(w, out, size, err);
    format_writer_free(w);
    return st;
}

/* Checks every value of a parsed sample, bit for bit. */
static void check_sample(const format_file *f, const sample *s) {
    CHECK(f->version == FORMAT_VERSION_DEFAULT); /* 3 is written only for Transformer models */
    CHECK(f->n_kv == 12);
    CHECK(f->n_tensors == 4);
    int32_t i = 0;
    float x = 0;
    CHECK(format_get_i32(f, "s2s.emb_dim", &i) && i == 256);
    CHECK(format_get_i32(f, "test.i32_min", &i) && i == INT32_MIN);
    CHECK(format_get_f32(f, "test.f32", &x) && f32_bits(x) == f32_bits(-1.5f));
    CHECK(format_get_f32(f, "test.f32_tenth", &x) && f32_bits(x) == f32_bits(0.1f));
    char *name = format_get_str_dup(f, "meta.name");
    CHECK(name && strcmp(name, sample_name) == 0);
    free(name);
    char *empty = format_get_str_dup(f, "meta.empty");
    CHECK(empty && empty[0] == '\0');
    free(empty);

    const format_kv *kv = format_find_kv(f, "tokenizer.types");
    CHECK(kv && kv->type == FORMAT_I32_ARRAY && kv->count == 5);
    for (uint32_t k = 0; kv && k < kv->count && k < 5; k++)
        CHECK(format_kv_i32_at(kv, k) == sample_types[k]);
    kv = format_find_kv(f, "tokenizer.scores");
    CHECK(kv && kv->type == FORMAT_F32_ARRAY && kv->count == 4);
    for (uint32_t k = 0; kv && k < kv->count && k < 4; k++)
        CHECK(f32_bits(format_kv_f32_at(kv, k)) == f32_bits(s->scores[k]));
    kv = format_find_kv(f, "tokenizer.pieces");
    CHECK(kv && kv->type == FORMAT_STR_ARRAY && kv->count == 5);
    const uint8_t *cur = NULL;
    for (uint32_t k = 0; kv && k < kv->count && k < 5; k++)
        CHECK(str_is(format_kv_str_next(kv, &cur), sample_pieces[k]));
    kv = format_find_kv(f, "meta.name");
    cur = NULL;
    CHECK(kv && str_is(format_kv_str_next(kv, &cur), sample_name));
    const char *empties[3] = {"test.empty_i32s", "test.empty_f32s", "test.empty_strs"};
    const format_value_type empty_types[3] = {FORMAT_I32_ARRAY, FORMAT_F32_ARRAY, FORMAT_STR_ARRAY};
    for (int k = 0; k < 3; k++) {
        kv = format_find_kv(f, empties[k]);
        CHECK(kv && kv->type == empty_types[k] && kv->count == 0);
    }

    const format_tensor *t = format_find_tensor(f, "enc.f32");
    CHECK(t && t->dtype == FORMAT_DTYPE_F32 && t->n_dims == 2 && t->dims[0] == 3 &&
          t->dims[1] == 5 && t->nbytes == sizeof s->f32);
    CHECK(t && memcmp(t->data, s->f32, sizeof s->f32) == 0);
    t = format_find_tensor(f, "enc.i32");
    CHECK(t && t->dtype == FORMAT_DTYPE_I32 && t->n_dims == 1 && t->dims[0] == 7 &&
          t->nbytes == sizeof s->i32);
    CHECK(t && memcmp(t->data, s->i32, sizeof s->i32) == 0);
    t = format_find_tensor(f, "dec.q8");
    CHECK(t && t->dtype == FORMAT_DTYPE_Q8 && t->n_dims == 2 && t->dims[0] == 4 &&
          t->dims[1] == 48 && t->nbytes == sizeof s->q8);
    CHECK(t && memcmp(t->data, s->q8, sizeof s->q8) == 0);
    /* the edge rows came out as the rule says */
    CHECK(format_read_u32(s->q8 + 4) == 0 && format_read_u32(s->q8 + 12) == f32_bits(1.0f));
    CHECK((int8_t)s->q8[16 + 2 * 48 + 7] == 0);
    CHECK((int8_t)s->q8[16 + 144] == 127 && (int8_t)s->q8[16 + 145] == 2 &&
          (int8_t)s->q8[16 + 146] == 0 && (int8_t)s->q8[16 + 147] == -2);
    t = format_find_tensor(f, "dec.4d");
    CHECK(t && t->dtype == FORMAT_DTYPE_F32 && t->n_dims == 4 && t->dims[0] == 2 &&
          t->dims[1] == 1 && t->dims[2] == 3 && t->dims[3] == 2 && t->nbytes == sizeof s->f4);
    CHECK(t && memcmp(t->data, s->f4, sizeof s->f4) == 0);
    /* Order is file order, and every tensor sits at a multiple of 32 from the first. */
    CHECK(str_is(f->tensors[0].name, "enc.f32") && str_is(f->tensors[3].name, "dec.4d"));
    for (uint32_t k = 0; k < f->n_tensors; k++)
        CHECK((size_t)(f->tensors[k].data - f->tensors[0].data) % 32 == 0);
}

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    uint8_t *buf = NULL;
    long n = -1;
    if (fseek(fp, 0, SEEK_END) == 0) n = ftell(fp);
    if (n >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n ? (size_t)n : 1);
        if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(fp);
    *size = (size_t)n;
    return buf;
}

/* The Python-written fixture, or NULL (after a failed check) when missing. */
static uint8_t *load_fixture(size_t *size) {
    char path[1024];
    if (!fixture_dir) {
        fprintf(stderr, "no fixture directory: pass it as argv[1] or define S2S_FIXTURE_DIR\n");
        CHECK(fixture_dir != NULL);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/format_sample.s2s", fixture_dir);
    uint8_t *buf = read_file(path, size);
    if (!buf) fprintf(stderr, "cannot read %s\n", path);
    CHECK(buf != NULL);
    return buf;
}

/* Walks everything a caller may touch in an accepted file and checks it
 * lies inside the buffer; reading the bytes lets the sanitizers see them. */
static void check_views_inside(const format_file *f, const uint8_t *buf, size_t size) {
    const uint8_t *end = buf + size;
    unsigned sum = 0;
    for (uint32_t i = 0; i < f->n_kv; i++) {
        const format_kv *kv = &f->kv[i];
        const uint8_t *k = (const uint8_t *)kv->key.ptr;
        CHECK(k >= buf && kv->key.len >= 1 && kv->key.len <= 256 && k + kv->key.len <= end);
        CHECK(kv->value >= buf && kv->value + 4 <= end);
        if (kv->type == FORMAT_STR || kv->type == FORMAT_STR_ARRAY) {
            const uint8_t *cur = NULL;
            for (uint32_t j = 0; j < kv->count; j++) {
                format_str s = format_kv_str_next(kv, &cur);
                const uint8_t *p = (const uint8_t *)s.ptr;
                CHECK(p >= buf && p + s.len <= end);
                for (uint32_t b = 0; b < s.len; b++) sum ^= p[b];
            }
        } else if (kv->type == FORMAT_I32_ARRAY || kv->type == FORMAT_F32_ARRAY) {
            CHECK(kv->value + 4 + (uint64_t)kv->count * 4 <= end);
            for (uint32_t j = 0; j < kv->count; j++) sum ^= (unsigned)format_kv_i32_at(kv, j);
        } else {
            sum ^= (unsigned)format_kv_i32_at(kv, 0);
        }
    }
    for (uint32_t i = 0; i < f->n_tensors; i++) {
        const format_tensor *t = &f->tensors[i];
        CHECK(t->data >= buf && t->nbytes <= (uint64_t)(end - 4 - t->data));
        if (t->data >= buf && t->nbytes <= (uint64_t)(end - 4 - t->data))
            for (uint64_t b = 0; b < t->nbytes; b++) sum ^= t->data[b];
    }
    volatile unsigned sink = sum; /* keeps the reads */
    (void)sink;
}

/* Parses an exact-size copy; returns the status and checks an accepted
 * file's views. */
static s2s_status parse_copy(const uint8_t *src, size_t size, s2s_error *err) {
    uint8_t *buf = copy_of(src, size);
    format_file f;
    s2s_status st = format_parse(&f, buf, size, err);
    if (st == S2S_OK)
        check_views_inside(&f, buf, size);
    else
        CHECK(f.kv == NULL && f.tensors == NULL && f.n_kv == 0 && f.n_tensors == 0);
    format_file_clear(&f);
    free(buf);
    return st;
}

/* -------------------------------------------------------------- tests */

static void crc32_matches_zlib_and_a_bitwise_reference(void) {
    CHECK(format_crc32(0, (const uint8_t *)"123456789", 9) == 0xCBF43926u);
    CHECK(format_crc32(0, NULL, 0) == 0);
    /* Every table entry is reached by one of the 256 one-byte inputs. */
    for (unsigned b = 0; b < 256; b++) {
        uint32_t c = 0xFFFFFFFFu ^ b;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        uint8_t byte = (uint8_t)b;
        CHECK(format_crc32(0, &byte, 1) == (c ^ 0xFFFFFFFFu));
    }
    const uint8_t *msg = (const uint8_t *)"The quick brown fox jumps over the lazy dog";
    CHECK(format_crc32(0, msg, 43) == 0x414FA339u);
    CHECK(format_crc32(format_crc32(0, msg, 10), msg + 10, 33) == 0x414FA339u);
}

static void a_written_file_parses_back_bit_exact(void) {
    sample s;
    sample_init(&s);
    uint8_t *buf = NULL;
    size_t size = 0;
    s2s_error err = {S2S_OK, ""};
    CHECK(sample_write(&s, &buf, &size, &err) == S2S_OK);
    if (!buf) return;
    format_file f;
    s2s_status st = format_parse(&f, buf, size, &err);
    if (st != S2S_OK) fprintf(stderr, "parse: %s\n", err.message);
    CHECK(st == S2S_OK);
    if (st == S2S_OK) check_sample(&f, &s);
    format_file_clear(&f);
    format_file_clear(&f); /* idempotent */
    free(buf);
}

static void an_empty_writer_makes_a_valid_file(void) {
    format_writer *w = format_writer_new();
    uint8_t *buf = NULL;
    size_t size = 0;
    CHECK(format_writer_finish(w, &buf, &size, NULL) == S2S_OK);
    CHECK(size == 36);
    format_file f;
    CHECK(buf && format_parse(&f, buf, size, NULL) == S2S_OK && f.n_kv == 0 && f.n_tensors == 0);
    format_file_clear(&f);
    free(buf);
    format_writer_free(w);
    format_writer_free(NULL);
}

static void the_python_fixture_parses_with_the_expected_values(void) {
    size_t size = 0;
    uint8_t *buf = load_fixture(&size);
    if (!buf) return;
    sample s;
    sample_init(&s);
    format_file f;
    s2s_error err = {S2S_OK, ""};
    s2s_status st = format_parse(&f, buf, size, &err);
    if (st != S2S_OK) fprintf(stderr, "fixture: %s\n", err.message);
    CHECK(st == S2S_OK);
    if (st == S2S_OK) check_sample(&f, &s);
    format_file_clear(&f);
    free(buf);
}

static void the_c_writer_reproduces_the_python_fixture_byte_for_byte(void) {
    size_t size = 0;
    uint8_t *py = load_fixture(&size);
    if (!py) return;
    sample s;
    sample_init(&s);
    uint8_t *c = NULL;
    size_t c_size = 0;
    CHECK(sample_write(&s, &c, &c_size, NULL) == S2S_OK);
    CHECK(c && c_size == size && memcmp(c, py, size) == 0);
    if (c && c_size == size) {
        for (size_t i = 0; i < size; i++) {
            if (c[i] != py[i]) {
                fprintf(stderr, "first difference at byte %zu: C 0x%02x, Python 0x%02x\n", i, c[i],
                        py[i]);
                break;
            }
        }
    }
    free(c);
    free(py);
}

/* Both samples, for the sweeps below: the C-written one always, the
 * Python fixture when present. */
static int sweep_inputs(uint8_t **bufs, size_t *sizes) {
    sample s;
    sample_init(&s);
    int n = 0;
    if (sample_write(&s, &bufs[n], &sizes[n], NULL) == S2S_OK) n++;
    if (fixture_dir) {
        size_t size = 0;
        uint8_t *py = load_fixture(&size);
        if (py) bufs[n] = py, sizes[n++] = size;
    }
    CHECK(n >= 1);
    return n;
}

static void every_truncation_is_rejected(void) {
    uint8_t *bufs[2];
    size_t sizes[2];
    int n = sweep_inputs(bufs, sizes);
    for (int k = 0; k < n; k++) {
        for (size_t len = 0; len < sizes[k]; len++) CHECK(parse_copy(bufs[k], len, NULL) != S2S_OK);
        free(bufs[k]);
    }
}

static void every_truncation_with_repaired_size_and_checksum_is_rejected(void) {
    uint8_t *bufs[2];
    size_t sizes[2];
    int n = sweep_inputs(bufs, sizes);
    for (int k = 0; k < n; k++) {
        for (size_t len = 36; len < sizes[k]; len++) {
            uint8_t *cut = copy_of(bufs[k], len);
            put64(cut + 24, len);
            fix_crc(cut, len);
            CHECK(parse_copy(cut, len, NULL) != S2S_OK);
            free(cut);
        }
        free(bufs[k]);
    }
}

static void every_byte_flip_in_the_metadata_is_rejected(void) {
    static const uint8_t xors[3] = {0x01, 0x80, 0xFF};
    uint8_t *bufs[2];
    size_t sizes[2];
    int n = sweep_inputs(bufs, sizes);
    for (int k = 0; k < n; k++) {
        size_t data_offset = (size_t)(bufs[k][16] | bufs[k][17] << 8);
        for (size_t i = 0; i < data_offset; i++) {
            for (int x = 0; x < 3; x++) {
                bufs[k][i] ^= xors[x];
                CHECK(parse_copy(bufs[k], sizes[k], NULL) != S2S_OK);
                bufs[k][i] ^= xors[x];
            }
        }
        /* The trailer itself. */
        for (size_t i = sizes[k] - 4; i < sizes[k]; i++) {
            bufs[k][i] ^= 0x01;
            CHECK(parse_copy(bufs[k], sizes[k], NULL) == S2S_ERR_CHECKSUM);
            bufs[k][i] ^= 0x01;
        }
        free(bufs[k]);
    }
}

/* The structural checks, with the checksum out of the way: flip each
 * metadata byte three ways and overwrite each position with hostile words,
 * repairing the CRC each time. Nothing may crash or read out of bounds; a
 * harmless change (a letter of a name, a value) may be accepted. */
static void metadata_mutations_with_a_repaired_checksum_never_read_out_of_bounds(void) {
    static const uint8_t xors[3] = {0x01, 0x80, 0xFF};
    static const uint32_t words[5] = {0xFFFFFFFFu, 0x80000000u, 0x00000000u, 0x00001000u,
                                      0x7FFFFFFFu};
    uint8_t *bufs[2];
    size_t sizes[2];
    int n = sweep_inputs(bufs, sizes);
    for (int k = 0; k < n; k++) {
        size_t size = sizes[k];
        size_t data_offset = (size_t)(bufs[k][16] | bufs[k][17] << 8);
        uint8_t *m = malloc(size);
        long flips_rejected = 0, flips_accepted = 0, words_rejected = 0, words_accepted = 0;
        for (size_t i = 0; i < data_offset; i++) {
            for (int x = 0; x < 3; x++) {
                memcpy(m, bufs[k], size);
                m[i] ^= xors[x];
                fix_crc(m, size);
                if (parse_copy(m, size, NULL) == S2S_OK)
                    flips_accepted++;
                else
                    flips_rejected++;
            }
            for (int x = 0; x < 5 && i + 4 <= data_offset; x++) {
                memcpy(m, bufs[k], size);
                put32(m + i, words[x]);
                fix_crc(m, size);
                if (parse_copy(m, size, NULL) == S2S_OK)
                    words_accepted++;
                else
                    words_rejected++;
            }
        }
        printf("     %s: byte flips %ld rejected, %ld accepted; hostile words %ld rejected, "
               "%ld accepted\n",
               k == 0 ? "C sample" : "Python fixture", flips_rejected, flips_accepted,
               words_rejected, words_accepted);
        /* Most bytes are lengths, types, dims and offsets: most changes must be caught. */
        CHECK(flips_rejected > flips_accepted);
        free(m);
        free(bufs[k]);
    }
}

/* A heap buffer and its size. */
typedef struct blob {
    uint8_t *p;
    size_t n;
} blob;

/* A hand-made file: header fields, then `body` at byte 32, zero padding to
 * data_offset, data_len bytes of (zero) tensor data and a valid checksum. */
static blob craft(uint32_t n_kv, uint32_t n_tensors, const uint8_t *body, size_t body_len,
                  size_t data_len) {
    size_t data_offset = (32 + body_len + 31) / 32 * 32;
    blob b = {NULL, data_offset + data_len + 4};
    b.p = calloc(b.n, 1);
    memcpy(b.p, "S2SM", 4);
    put32(b.p + 4, FORMAT_VERSION);
    put32(b.p + 8, n_kv);
    put32(b.p + 12, n_tensors);
    put64(b.p + 16, data_offset);
    put64(b.p + 24, b.n);
    if (body_len) memcpy(b.p + 32, body, body_len);
    fix_crc(b.p, b.n);
    return b;
}

/* Parses the file and checks it is rejected with `status` and a message
 * that contains `needle`; frees the file. */
static void expect_reject(blob file, s2s_status status, const char *needle) {
    s2s_error err = {S2S_OK, ""};
    s2s_status st = parse_copy(file.p, file.n, &err);
    CHECK(st == status);
    CHECK(err.status == status);
    if (!strstr(err.message, needle) || st != status)
        fprintf(stderr, "  expected %d '%s', got %d '%s'\n", (int)status, needle, (int)st,
                err.message);
    CHECK(strstr(err.message, needle) != NULL);
    free(file.p);
}

/* body builders */
typedef struct bytes {
    uint8_t b[512];
    size_t n;
} bytes;

static void b32(bytes *b, uint32_t v) { put32(b->b + b->n, v), b->n += 4; }
static void b64(bytes *b, uint64_t v) { put64(b->b + b->n, v), b->n += 8; }
static void bstr(bytes *b, const char *s) {
    size_t n = strlen(s);
    b32(b, (uint32_t)n);
    memcpy(b->b + b->n, s, n);
    b->n += n;
}

/* A tensor entry named "w" of one dtype, n dims and offset. */
static bytes tensor_entry(uint32_t dtype, uint32_t n_dims, const uint32_t *dims, uint64_t off) {
    bytes b = {{0}, 0};
    bstr(&b, "w");
    b32(&b, dtype);
    b32(&b, n_dims);
    for (uint32_t d = 0; d < n_dims; d++) b32(&b, dims[d]);
    b64(&b, off);
    return b;
}

static void hostile_counts_and_lengths_are_rejected_before_allocating(void) {
    bytes b = {{0}, 0};
    expect_reject(craft(0xFFFFFFFFu, 0, NULL, 0, 0), S2S_ERR_BAD_FORMAT, "n_kv 4294967295 exceeds");
    expect_reject(craft(0, 0xFFFFFFFFu, NULL, 0, 0), S2S_ERR_BAD_FORMAT,
                  "n_tensors 4294967295 exceeds");
    /* Within the limits, but far more than 64 bytes of metadata can hold. */
    memset(b.b, 0, 64);
    expect_reject(craft(65536, 0, b.b, 64, 0), S2S_ERR_BAD_FORMAT, "need at least");
    expect_reject(craft(0, 4096, b.b, 64, 0), S2S_ERR_BAD_FORMAT, "need at least");

    b.n = 0; /* key length 0xFFFFFFFF */
    b32(&b, 0xFFFFFFFFu);
    b32(&b, 0);
    b32(&b, 0);
    b32(&b, 0);
    expect_reject(craft(1, 0, b.b, b.n, 0), S2S_ERR_BAD_FORMAT, "kv 0: key length 4294967295");
    b.n = 0; /* empty key */
    b32(&b, 0);
    b32(&b, 0);
    b32(&b, 0);
    b32(&b, 0);
    expect_reject(craft(1, 0, b.b, b.n, 0), S2S_ERR_BAD_FORMAT, "key length 0");
    b.n = 0; /* a 300-byte key */
    b32(&b, 300);
    memset(b.b + 4, 'k', 300);
    b.n += 300;
    b32(&b, 0);
    b32(&b, 0);
    expect_reject(craft(1, 0, b.b, b.n, 0), S2S_ERR_BAD_FORMAT, "key length 300");

    const uint32_t huge_len[3] = {0xFFFFFFFFu, (1u << 20) + 1, 400};
    const char *huge_msg[3] = {"STR value length 4294967295", "STR value length 1048577",
                               "STR value of 400 bytes"};
    for (int k = 0; k < 3; k++) {
        b.n = 0;
        bstr(&b, "s");
        b32(&b, FORMAT_STR);
        b32(&b, huge_len[k]);
        expect_reject(craft(1, 0, b.b, b.n, 0), S2S_ERR_BAD_FORMAT, huge_msg[k]);
    }
    const uint32_t array_types[3] = {FORMAT_I32_ARRAY, FORMAT_F32_ARRAY, FORMAT_STR_ARRAY};
    for (int k = 0; k < 3; k++) {
        b.n = 0; /* count over the limit */
        bstr(&b, "a");
        b32(&b, array_types[k]);
        b32(&b, 0xFFFFFFFFu);
        expect_reject(craft(1, 0, b.b, b.n, 0), S2S_ERR_BAD_FORMAT, "count 4294967295");
        b.n = 0; /* count at the limit, bytes missing */
        bstr(&b, "a");
        b32(&b, array_types[k]);
        b32(&b, 1u << 24);
        expect_reject(craft(1, 0, b.b, b.n, 0), S2S_ERR_BAD_FORMAT, "runs past data_offset");
    }
    b.n = 0; /* STR_ARRAY element with a huge length */
    bstr(&b, "a");
    b32(&b, FORMAT_STR_ARRAY);
    b32(&b, 2);
    bstr(&b, "ok");
    b32(&b, 0xFFFFFFF0u);
    expect_reject(craft(1, 0, b.b, b.n, 0), S2S_ERR_BAD_FORMAT,
                  "STR_ARRAY element length 4294967280");
    b.n = 0; /* unknown type */
    bstr(&b, "t");
    b32(&b, 6);
    b32(&b, 0);
    expect_reject(craft(1, 0, b.b, b.n, 0), S2S_ERR_BAD_FORMAT, "unknown type 6");
}

static void hostile_dims_and_offsets_are_rejected(void) {
    const uint32_t max4[4] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
    bytes b = tensor_entry(FORMAT_DTYPE_F32, 4, max4, 0);
    expect_reject(craft(0, 1, b.b, b.n, 64), S2S_ERR_BAD_FORMAT, "product of the dims overflows");
    const uint32_t pow63[3] = {1u << 31, 1u << 31, 2}; /* product 2^63: x4 overflows */
    b = tensor_entry(FORMAT_DTYPE_F32, 3, pow63, 0);
    expect_reject(craft(0, 1, b.b, b.n, 64), S2S_ERR_BAD_FORMAT, "byte size overflows");
    /* product 0.81 * 2^64 fits, but with 4 bytes of scale per row of 16 it does not */
    const uint32_t q8big[3] = {0xFFFFFFFFu, 0x0D000000u, 16};
    b = tensor_entry(FORMAT_DTYPE_Q8, 3, q8big, 0);
    expect_reject(craft(0, 1, b.b, b.n, 64), S2S_ERR_BAD_FORMAT, "byte size overflows");
    const uint32_t big[2] = {1u << 16, 1u << 16}; /* 16 GiB in a tiny file */
    b = tensor_entry(FORMAT_DTYPE_F32, 2, big, 0);
    expect_reject(craft(0, 1, b.b, b.n, 64), S2S_ERR_BAD_FORMAT,
                  "data [0, 17179869184) runs past the end of the tensor data (64)");
    const uint32_t small[1] = {8};
    const uint64_t offsets[3] = {UINT64_MAX - 31, UINT64_MAX & ~(uint64_t)31, 64};
    for (int k = 0; k < 3; k++) {
        b = tensor_entry(FORMAT_DTYPE_F32, 1, small, offsets[k]);
        expect_reject(craft(0, 1, b.b, b.n, 64), S2S_ERR_BAD_FORMAT,
                      "runs past the end of the tensor data");
    }
    b = tensor_entry(FORMAT_DTYPE_F32, 1, small, 32); /* [32, 64) fits, [32, 96) would not */
    blob ok = craft(0, 1, b.b, b.n, 64);
    CHECK(parse_copy(ok.p, ok.n, NULL) == S2S_OK);
    free(ok.p);
    b = tensor_entry(FORMAT_DTYPE_F32, 1, small, 36);
    expect_reject(craft(0, 1, b.b, b.n, 128), S2S_ERR_BAD_FORMAT,
                  "offset 36 is not a multiple of 32");
    const uint32_t zero[2] = {4, 0};
    b = tensor_entry(FORMAT_DTYPE_F32, 2, zero, 0);
    expect_reject(craft(0, 1, b.b, b.n, 64), S2S_ERR_BAD_FORMAT, "dim 1 is 0");
    const uint32_t q8odd[2] = {2, 40};
    b = tensor_entry(FORMAT_DTYPE_Q8, 2, q8odd, 0);
    expect_reject(craft(0, 1, b.b, b.n, 256), S2S_ERR_BAD_FORMAT, "Q8 innermost dim 40");
    const uint32_t q8ok[2] = {2, 48}; /* 2 x 4 + 96 bytes */
    b = tensor_entry(FORMAT_DTYPE_Q8, 2, q8ok, 0);
    blob q8fits = craft(0, 1, b.b, b.n, 128);
    CHECK(parse_copy(q8fits.p, q8fits.n, NULL) == S2S_OK);
    free(q8fits.p);
    expect_reject(craft(0, 1, b.b, b.n, 96), S2S_ERR_BAD_FORMAT, "data [0, 104) runs past");
    b = tensor_entry(FORMAT_DTYPE_Q8_BLOCKS, 2, q8ok, 0);
    expect_reject(craft(0, 1, b.b, b.n, 256), S2S_ERR_BAD_FORMAT, "no longer read");
    /* version 1 files are still read, without the dtype version 2 brought */
    b = tensor_entry(FORMAT_DTYPE_F32, 1, small, 0);
    blob v1 = craft(0, 1, b.b, b.n, 32);
    put32(v1.p + 4, 1);
    fix_crc(v1.p, v1.n);
    CHECK(parse_copy(v1.p, v1.n, NULL) == S2S_OK);
    free(v1.p);
    b = tensor_entry(FORMAT_DTYPE_Q8, 2, q8ok, 0);
    v1 = craft(0, 1, b.b, b.n, 128);
    put32(v1.p + 4, 1);
    fix_crc(v1.p, v1.n);
    expect_reject(v1, S2S_ERR_BAD_FORMAT, "unknown dtype 3 at byte 37 (version 1)");
    b = tensor_entry(FORMAT_DTYPE_Q8_BLOCKS, 2, q8ok, 0);
    v1 = craft(0, 1, b.b, b.n, 256);
    put32(v1.p + 4, 1);
    fix_crc(v1.p, v1.n);
    expect_reject(v1, S2S_ERR_BAD_FORMAT, "no longer read");
    b = tensor_entry(4, 1, small, 0);
    expect_reject(craft(0, 1, b.b, b.n, 64), S2S_ERR_BAD_FORMAT, "unknown dtype 4");
    const uint32_t ones5[5] = {1, 1, 1, 1, 1};
    b = tensor_entry(FORMAT_DTYPE_F32, 5, ones5, 0);
    expect_reject(craft(0, 1, b.b, b.n, 64), S2S_ERR_BAD_FORMAT, "n_dims 5");
    b = tensor_entry(FORMAT_DTYPE_F32, 0, max4, 0);
    expect_reject(craft(0, 1, b.b, b.n, 64), S2S_ERR_BAD_FORMAT, "n_dims 0");
}

static void hostile_header_fields_are_rejected(void) {
    /* 68 bytes with an empty metadata: data_offset may only be 32 or 64. */
    const uint64_t bad_offsets[5] = {UINT64_MAX & ~(uint64_t)31, 0, 16, 33, 96};
    for (int k = 0; k < 5; k++) {
        blob x = craft(0, 0, NULL, 0, 32);
        put64(x.p + 16, bad_offsets[k]);
        fix_crc(x.p, x.n);
        expect_reject(x, S2S_ERR_BAD_FORMAT, "data_offset");
    }
    blob x = craft(0, 0, NULL, 0, 32);
    put64(x.p + 24, UINT64_MAX);
    fix_crc(x.p, x.n);
    expect_reject(x, S2S_ERR_BAD_FORMAT, "file_size 18446744073709551615");
    x = craft(0, 0, NULL, 0, 0);
    put32(x.p + 4, FORMAT_VERSION + 1);
    fix_crc(x.p, x.n);
    expect_reject(x, S2S_ERR_VERSION, "version 4");
    x = craft(0, 0, NULL, 0, 0);
    put32(x.p + 4, 0);
    fix_crc(x.p, x.n);
    expect_reject(x, S2S_ERR_VERSION, "version 0");
    x = craft(0, 0, NULL, 0, 0);
    x.p[3] = 'X';
    fix_crc(x.p, x.n);
    expect_reject(x, S2S_ERR_BAD_FORMAT, "magic");
    x = craft(0, 0, NULL, 0, 0);
    x.p[x.n - 1] ^= 0x40;
    expect_reject(x, S2S_ERR_CHECKSUM, "CRC-32 mismatch");
    x = craft(0, 0, NULL, 0, 0);
    x.n = 35;
    expect_reject(x, S2S_ERR_BAD_FORMAT, "smaller than");

    bytes b = {{0}, 0}; /* one I32 kv, then padding up to data_offset 64 */
    bstr(&b, "k");
    b32(&b, FORMAT_I32);
    b32(&b, 7);
    x = craft(1, 0, b.b, b.n, 0);
    x.p[32 + b.n + 2] = 1;
    fix_crc(x.p, x.n);
    expect_reject(x, S2S_ERR_BAD_FORMAT, "padding byte 47");

    format_file f;
    CHECK(format_parse(NULL, (const uint8_t *)"", 0, NULL) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(format_parse(&f, NULL, 10, NULL) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(format_parse(&f, NULL, 0, NULL) == S2S_ERR_BAD_FORMAT);
}

/* A copy of buf with `len` bytes at the first occurrence of `find` replaced
 * by `repl` (same length) and the checksum repaired. */
static blob patched(const uint8_t *buf, size_t size, const char *find, size_t skip,
                    const void *repl, size_t len) {
    blob x = {copy_of(buf, size), size};
    size_t at = find_bytes(buf, size, find);
    CHECK(at != SIZE_MAX && at + skip + len <= size);
    if (at != SIZE_MAX && at + skip + len <= size) memcpy(x.p + at + skip, repl, len);
    fix_crc(x.p, x.n);
    return x;
}

/* Renames and moves entries of a valid C-written sample (layout in
 * tools/s2sfile.py's printout: enc.f32 [0, 60), enc.i32 [64, 92),
 * dec.q8 [96, 304), dec.4d [320, 368)). */
static void duplicates_and_overlaps_are_rejected_with_their_names(void) {
    sample s;
    sample_init(&s);
    uint8_t *buf = NULL;
    size_t size = 0;
    CHECK(sample_write(&s, &buf, &size, NULL) == S2S_OK);
    if (!buf) return;
    expect_reject(patched(buf, size, "enc.i32", 0, "enc.f32", 7), S2S_ERR_BAD_FORMAT,
                  "duplicate tensor name 'enc.f32' (tensor 0 and tensor 1)");
    expect_reject(patched(buf, size, "test.empty_f32s", 0, "test.empty_i32s", 15),
                  S2S_ERR_BAD_FORMAT, "duplicate key 'test.empty_i32s' (kv 9 and kv 10)");

    /* A tensor's offset follows its name by dtype, n_dims and 4 bytes a dim. */
    uint8_t off[8];
    put64(off, 288); /* dec.4d (4 dims) into dec.q8 */
    expect_reject(patched(buf, size, "dec.4d", 6 + 8 + 16, off, 8), S2S_ERR_BAD_FORMAT,
                  "tensor 3 ('dec.4d') overlaps tensor 2 ('dec.q8')");
    put64(off, 0); /* enc.i32 (1 dim) onto enc.f32 */
    expect_reject(patched(buf, size, "enc.i32", 7 + 8 + 4, off, 8), S2S_ERR_BAD_FORMAT, "overlaps");
    put64(off, 32); /* enc.i32 [32, 60) inside enc.f32 [0, 60) */
    expect_reject(patched(buf, size, "enc.i32", 7 + 8 + 4, off, 8), S2S_ERR_BAD_FORMAT,
                  "tensor 1 ('enc.i32') overlaps tensor 0 ('enc.f32')");
    put64(off, 320); /* enc.i32 [320, 348) inside dec.4d [320, 368): same start */
    expect_reject(patched(buf, size, "enc.i32", 7 + 8 + 4, off, 8), S2S_ERR_BAD_FORMAT, "overlaps");
    free(buf);
}

static void the_writer_rejects_duplicates_and_bad_q8_dims(void) {
    s2s_error err = {S2S_OK, ""};
    uint8_t *out = NULL;
    size_t size = 0;
    float data[64] = {0};

    format_writer *w = format_writer_new();
    format_writer_add_i32(w, "a", 1);
    format_writer_add_f32(w, "a", 2.0f);
    CHECK(format_writer_finish(w, &out, &size, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(out == NULL && size == 0 && strstr(err.message, "duplicate key 'a'"));
    format_writer_free(w);

    w = format_writer_new();
    const uint32_t d1[1] = {16};
    format_writer_add_tensor(w, "t", FORMAT_DTYPE_F32, 1, d1, data);
    format_writer_add_tensor(w, "t", FORMAT_DTYPE_I32, 1, d1, data);
    CHECK(format_writer_finish(w, &out, &size, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "duplicate tensor name 't'") != NULL);
    format_writer_free(w);

    /* A key and a tensor may share a name: they are different namespaces. */
    w = format_writer_new();
    format_writer_add_i32(w, "t", 1);
    format_writer_add_tensor(w, "t", FORMAT_DTYPE_F32, 1, d1, data);
    CHECK(format_writer_finish(w, &out, &size, &err) == S2S_OK);
    free(out);
    format_writer_free(w);

    const uint32_t q_bad[2][2] = {{2, 40}, {64, 1}};
    for (int k = 0; k < 2; k++) {
        w = format_writer_new();
        format_writer_add_tensor(w, "q", FORMAT_DTYPE_Q8, 2, q_bad[k], data);
        CHECK(format_writer_finish(w, &out, &size, &err) == S2S_ERR_INVALID_ARGUMENT);
        CHECK(strstr(err.message, "not a multiple of 16") != NULL);
        format_writer_free(w);
    }

    /* Other bad arguments are remembered and reported, the first one wins. */
    w = format_writer_new();
    const uint32_t d0[2] = {4, 0};
    format_writer_add_tensor(w, "z", FORMAT_DTYPE_F32, 2, d0, data);
    format_writer_add_i32(w, "", 1);
    CHECK(format_writer_finish(w, &out, &size, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "dim 1 is 0") != NULL);
    format_writer_free(w);

    char long_key[258];
    memset(long_key, 'k', 257);
    long_key[257] = '\0';
    w = format_writer_new();
    format_writer_add_i32(w, long_key, 1);
    CHECK(format_writer_finish(w, &out, &size, &err) == S2S_ERR_INVALID_ARGUMENT);
    format_writer_free(w);
    long_key[256] = '\0'; /* 256 bytes is allowed */
    w = format_writer_new();
    format_writer_add_i32(w, long_key, 1);
    CHECK(format_writer_finish(w, &out, &size, &err) == S2S_OK);
    format_file f;
    CHECK(format_parse(&f, out, size, &err) == S2S_OK && format_find_kv(&f, long_key));
    format_file_clear(&f);
    free(out);
    format_writer_free(w);

    w = format_writer_new();
    const uint32_t d5[5] = {1, 1, 1, 1, 1};
    format_writer_add_tensor(w, "five", FORMAT_DTYPE_F32, 5, d5, data);
    CHECK(format_writer_finish(w, &out, &size, &err) == S2S_ERR_INVALID_ARGUMENT);
    format_writer_free(w);
#if SIZE_MAX <= UINT32_MAX
    /* 32-bit size_t (WASM32): 8 GiB of tensor cannot be addressed. The data
     * pointer is never read because the size is checked first. */
    w = format_writer_new();
    const uint32_t huge[2] = {1u << 16, 1u << 15};
    format_writer_add_tensor(w, "huge", FORMAT_DTYPE_F32, 2, huge, data);
    CHECK(format_writer_finish(w, &out, &size, &err) == S2S_ERR_OUT_OF_MEMORY);
    format_writer_free(w);
#endif
    CHECK(format_writer_finish(NULL, &out, &size, &err) == S2S_ERR_INVALID_ARGUMENT);
    format_writer_add_i32(NULL, "a", 1); /* no-op, no crash */
}

static void lookups_answer_absent_and_wrong_type_with_null_or_zero(void) {
    sample s;
    sample_init(&s);
    uint8_t *buf = NULL;
    size_t size = 0;
    CHECK(sample_write(&s, &buf, &size, NULL) == S2S_OK);
    format_file f;
    CHECK(buf && format_parse(&f, buf, size, NULL) == S2S_OK);
    int32_t i = 7;
    float x = 7.0f;
    CHECK(format_find_kv(&f, "nope") == NULL);
    CHECK(format_find_kv(&f, "s2s.emb") == NULL); /* a prefix is not a match */
    CHECK(format_find_tensor(&f, "nope") == NULL);
    CHECK(format_find_tensor(&f, "enc.f32x") == NULL);
    CHECK(!format_get_i32(&f, "test.f32", &i) && i == 7);
    CHECK(!format_get_f32(&f, "s2s.emb_dim", &x) && x == 7.0f);
    CHECK(format_get_str_dup(&f, "s2s.emb_dim") == NULL);
    CHECK(format_get_str_dup(&f, "nope") == NULL);
    CHECK(format_find_kv(NULL, "x") == NULL && format_find_tensor(NULL, "x") == NULL);
    const format_kv *kv = format_find_kv(&f, "s2s.emb_dim");
    CHECK(kv && format_kv_i32_at(kv, 0) == 256 && format_kv_f32_at(kv, 0) == 0.0f);
    const uint8_t *cur = NULL;
    CHECK(kv && format_kv_str_next(kv, &cur).ptr == NULL);
    format_file_clear(&f);
    format_file_clear(NULL);
    free(buf);
}

int main(int argc, char **argv) {
#ifdef S2S_FIXTURE_DIR
    fixture_dir = S2S_FIXTURE_DIR;
#endif
    if (argc > 1) fixture_dir = argv[1];
    RUN(crc32_matches_zlib_and_a_bitwise_reference);
    RUN(a_written_file_parses_back_bit_exact);
    RUN(an_empty_writer_makes_a_valid_file);
    RUN(the_python_fixture_parses_with_the_expected_values);
    RUN(the_c_writer_reproduces_the_python_fixture_byte_for_byte);
    RUN(every_truncation_is_rejected);
    RUN(every_truncation_with_repaired_size_and_checksum_is_rejected);
    RUN(every_byte_flip_in_the_metadata_is_rejected);
    RUN(metadata_mutations_with_a_repaired_checksum_never_read_out_of_bounds);
    RUN(hostile_counts_and_lengths_are_rejected_before_allocating);
    RUN(hostile_dims_and_offsets_are_rejected);
    RUN(hostile_header_fields_are_rejected);
    RUN(duplicates_and_overlaps_are_rejected_with_their_names);
    RUN(the_writer_rejects_duplicates_and_bad_q8_dims);
    RUN(lookups_answer_absent_and_wrong_type_with_null_or_zero);
    return tests_exit_code();
}
