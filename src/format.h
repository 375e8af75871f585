/*
 * format.h — reading and writing the .s2s container (docs/format.md).
 *
 * This layer knows keys, values and tensors, not what they mean: model.c
 * maps them onto hyper-parameters and weights. The reader validates every
 * byte it relies on before using it.
 */
#ifndef S2S_FORMAT_H
#define S2S_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include "s2s.h"

#define FORMAT_MAGIC "S2SM"
/* Version 2 (2026-11-22) brought per-row int8 (dtype 3) and retired the
 * int8 blocks of version 1 (dtype 1). Version 1 files are still read: their
 * F32 and I32 tensors are unchanged, their dtype 1 tensors are refused with
 * a message saying to quantize the f32 model again. */
#define FORMAT_VERSION 3u
/* What the writer puts in files that need nothing of version 3: version 3
 * is the same container, written only for Transformer models so that an
 * engine that predates them refuses such a file by its version. */
#define FORMAT_VERSION_DEFAULT 2u
#define FORMAT_VERSION_MIN 1u
#define FORMAT_ALIGN 32u

typedef enum format_value_type {
    FORMAT_I32 = 0,
    FORMAT_F32 = 1,
    FORMAT_STR = 2,
    FORMAT_I32_ARRAY = 3,
    FORMAT_F32_ARRAY = 4,
    FORMAT_STR_ARRAY = 5,
} format_value_type;

typedef enum format_dtype {
    FORMAT_DTYPE_F32 = 0,
    FORMAT_DTYPE_Q8_BLOCKS = 1, /* retired (blocks of 32 with a scale each): refused */
    FORMAT_DTYPE_I32 = 2,
    FORMAT_DTYPE_Q8 = 3,        /* int8 with one f32 scale per row: rows x f32, then rows x cols i8 */
} format_dtype;

/* A string inside the parsed buffer: not NUL-terminated. */
typedef struct format_str {
    const char *ptr;
    uint32_t len;
} format_str;

typedef struct format_kv {
    format_str key;
    format_value_type type;
    uint32_t count;          /* arrays: element count; scalars and STR: 1 */
    const uint8_t *value;    /* raw little-endian bytes of the value (after the type), as
                                encoded: STR starts with its u32 length, arrays with their
                                u32 count; use the accessors below */
} format_kv;

typedef struct format_tensor {
    format_str name;
    format_dtype dtype;
    uint32_t n_dims;
    uint32_t dims[4];        /* outermost first */
    const uint8_t *data;     /* inside the parsed buffer, 32-byte aligned relative to data start */
    uint64_t nbytes;
} format_tensor;

/* A validated view of a buffer; points into it (the caller keeps the buffer
 * alive while the view is used). */
typedef struct format_file {
    uint32_t version;
    uint32_t n_kv, n_tensors;
    format_kv *kv;           /* (n_kv) */
    format_tensor *tensors;  /* (n_tensors) */
} format_file;

/* Validate everything in docs/format.md (checksum included) and fill *out.
 * On failure *out is left empty and err says what is wrong and where. */
s2s_status format_parse(format_file *out, const uint8_t *data, size_t size, s2s_error *err);
void format_file_clear(format_file *f); /* frees kv and tensors arrays; accepts zeroed */

/* Lookups return NULL/0 when the key is absent or has another type; the
 * get functions return 1 and store the value when found. */
const format_kv *format_find_kv(const format_file *f, const char *key);
const format_tensor *format_find_tensor(const format_file *f, const char *name);
int format_get_i32(const format_file *f, const char *key, int32_t *out);
int format_get_f32(const format_file *f, const char *key, float *out);
/* Copies a STR value into a new NUL-terminated malloc'ed string. */
char *format_get_str_dup(const format_file *f, const char *key);
/* Element i of an array (no bounds beyond count: callers check kv->count);
 * an I32/F32 scalar kv gives its value for any i; another type gives 0. */
int32_t format_kv_i32_at(const format_kv *kv, uint32_t i);
float format_kv_f32_at(const format_kv *kv, uint32_t i);
/* STR_ARRAY elements are variable length: walk them with this cursor, which
 * starts NULL; call it at most count times. For a STR kv the first call
 * returns the string. Another type returns {NULL, 0}. */
format_str format_kv_str_next(const format_kv *kv, const uint8_t **cursor);

/* Little-endian scalar reads from possibly unaligned bytes. */
uint32_t format_read_u32(const uint8_t *p);
uint64_t format_read_u64(const uint8_t *p);
float format_read_f32(const uint8_t *p);

/* IEEE CRC-32 (zlib.crc32), over a running value starting at 0. */
uint32_t format_crc32(uint32_t crc, const uint8_t *data, size_t n);

/* ------------------------------------------------------------- writer */

typedef struct format_writer format_writer;

format_writer *format_writer_new(void); /* NULL when out of memory */
void format_writer_free(format_writer *w); /* accepts NULL */

/* Each add copies its arguments. Errors (OOM, duplicate key, bad dims) are
 * remembered and reported by format_writer_finish. */
void format_writer_add_i32(format_writer *w, const char *key, int32_t v);
void format_writer_add_f32(format_writer *w, const char *key, float v);
void format_writer_add_str(format_writer *w, const char *key, const char *v);
void format_writer_add_i32_array(format_writer *w, const char *key, const int32_t *v, uint32_t n);
void format_writer_add_f32_array(format_writer *w, const char *key, const float *v, uint32_t n);
void format_writer_add_str_array(format_writer *w, const char *key, const char *const *v,
                                 uint32_t n);
/* data must hold the dtype's size for dims (docs/format.md); it is copied. */
void format_writer_add_tensor(format_writer *w, const char *name, format_dtype dtype,
                              uint32_t n_dims, const uint32_t *dims, const void *data);

/* The header's version (FORMAT_VERSION_DEFAULT unless set). */
void format_writer_set_version(format_writer *w, uint32_t version);

/* The finished file, malloc'ed, owned by the caller. */
s2s_status format_writer_finish(format_writer *w, uint8_t **out, size_t *out_size,
                                s2s_error *err);

#endif /* S2S_FORMAT_H */
