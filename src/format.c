/*
 * format.c — the .s2s container of docs/format.md: a parser that validates a
 * memory buffer before handing out views into it, and a writer that lays out
 * a complete file (header, metadata, tensor table, aligned data, CRC-32).
 *
 * Every position in the parser is a size_t that never exceeds the buffer size,
 * and every u64 read from the file is range-checked against that size before
 * it is converted, so the arithmetic is safe with a 32-bit size_t (WASM32).
 */
#include "format.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Tensor data is handed out and copied as raw host bytes. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "format.c assumes a little-endian host (x86, ARM, WASM)"
#endif

enum {
    HEADER_SIZE = 32,
    TRAILER_SIZE = 4,
    MAX_KV = 65536,
    MAX_TENSORS = 4096,
    MAX_NAME = 256,          /* keys and tensor names */
    MAX_STR_VALUE = 1 << 20, /* STR values and STR_ARRAY elements */
    MAX_ARRAY = 1 << 24,     /* array elements */
    MAX_DIMS = 4,
    Q8_COLS = 16, /* a Q8 row holds a multiple of this many values (S2S_Q8_COLS) */
    /* The smallest possible entries, used to reject counts that cannot fit
     * in the metadata before allocating for them. */
    MIN_KV_BYTES = 4 + 1 + 4 + 4,            /* key length, key, type, I32 */
    MIN_TENSOR_BYTES = 4 + 1 + 4 + 4 + 4 + 8 /* name length, name, dtype, n_dims, dim, offset */
};

/* -------------------------------------------------------- little endian */

uint32_t format_read_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t format_read_u64(const uint8_t *p) {
    return (uint64_t)format_read_u32(p) | (uint64_t)format_read_u32(p + 4) << 32;
}

float format_read_f32(const uint8_t *p) {
    uint32_t u = format_read_u32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_u64(uint8_t *p, uint64_t v) {
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

/* ---------------------------------------------------------------- CRC-32 */

/* The reflected IEEE 802.3 polynomial 0xEDB88320, one entry per byte value
 * (generated offline; tests/test_format.c recomputes it bit by bit). */
static const uint32_t crc32_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu, 0xe963a535u,
    0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u, 0x09b64c2bu, 0x7eb17cbdu,
    0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u, 0xf3b97148u, 0x84be41deu, 0x1adad47du,
    0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u, 0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu,
    0x14015c4fu, 0x63066cd9u, 0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u,
    0xa2677172u, 0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u, 0x26d930acu,
    0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u, 0xcfba9599u, 0xb8bda50fu,
    0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u, 0x2f6f7c87u, 0x58684c11u, 0xc1611dabu,
    0xb6662d3du, 0x76dc4190u, 0x01db7106u, 0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu,
    0x9fbfe4a5u, 0xe8b8d433u, 0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu,
    0x086d3d2du, 0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u, 0x8bbeb8eau,
    0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u, 0x4db26158u, 0x3ab551ceu,
    0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u, 0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au,
    0x346ed9fcu, 0xad678846u, 0xda60b8d0u, 0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u,
    0x5005713cu, 0x270241aau, 0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u,
    0xce61e49fu, 0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au, 0xead54739u,
    0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u, 0x0d6d6a3eu, 0x7a6a5aa8u,
    0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u, 0xf00f9344u, 0x8708a3d2u, 0x1e01f268u,
    0x6906c2feu, 0xf762575du, 0x806567cbu, 0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u,
    0x10da7a5au, 0x67dd4accu, 0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u,
    0xa1d1937eu, 0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u, 0x316e8eefu,
    0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u, 0xcc0c7795u, 0xbb0b4703u,
    0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u, 0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u,
    0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du, 0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au,
    0x9c0906a9u, 0xeb0e363fu, 0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu,
    0x0cb61b38u, 0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u, 0x88085ae6u,
    0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u, 0x616bffd3u, 0x166ccf45u,
    0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u, 0xa7672661u, 0xd06016f7u, 0x4969474du,
    0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu, 0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u,
    0x47b2cf7fu, 0x30b5ffe9u, 0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u,
    0xcdd70693u, 0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

/* zlib's crc32(): the running value is kept inverted between calls, so
 * crc32(crc32(0, a), b) == crc32(0, a ++ b). */
uint32_t format_crc32(uint32_t crc, const uint8_t *data, size_t n) {
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = crc32_table[(crc ^ data[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

/* ---------------------------------------------------------------- parser */

/* A read position inside [base, base + end); pos <= end always holds, so
 * `end - pos` is the number of bytes left and never underflows. */
typedef struct reader {
    const uint8_t *base;
    size_t pos, end;
} reader;

static int reader_has(const reader *c, uint64_t n) { return n <= (uint64_t)(c->end - c->pos); }

/* Callers have checked reader_has(c, 4). */
static uint32_t reader_u32(reader *c) {
    uint32_t v = format_read_u32(c->base + c->pos);
    c->pos += 4;
    return v;
}

/* Writes s as at most 40 printable ASCII characters into buf (48 bytes) for
 * error messages: names are arbitrary bytes, the message buffer is small. */
static const char *printable(char *buf, format_str s) {
    uint32_t n = s.len < 40 ? s.len : 37;
    for (uint32_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];
        buf[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (n < s.len) memcpy(buf + n, "...", 3), n += 3;
    buf[n] = '\0';
    return buf;
}

/* Reads a `u32 length, bytes` string of 1..max bytes (0..max when
 * allow_empty). `where` ("kv 3 ('key')") and `field` name it in messages. */
static s2s_status read_str(reader *c, format_str *s, uint32_t max, int allow_empty,
                           const char *where, const char *field, s2s_error *err) {
    size_t at = c->pos;
    if (!reader_has(c, 4))
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "%s: %s length at byte %zu runs past data_offset (%zu)", where, field, at,
                        c->end);
    uint32_t len = reader_u32(c);
    if (len > max || (len == 0 && !allow_empty))
        return s2s_fail(err, S2S_ERR_BAD_FORMAT, "%s: %s length %u at byte %zu is not in %u..%u",
                        where, field, (unsigned)len, at, allow_empty ? 0u : 1u, (unsigned)max);
    if (!reader_has(c, len))
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "%s: %s of %u bytes at byte %zu runs past data_offset (%zu)", where, field,
                        (unsigned)len, at, c->end);
    s->ptr = (const char *)(c->base + c->pos);
    s->len = len;
    c->pos += len;
    return S2S_OK;
}

/* "kv 3 ('key')" for messages about entry `index` named `name`. */
static const char *entry_where(char *buf, size_t cap, const char *what, uint32_t index,
                               format_str name) {
    char printed[48];
    snprintf(buf, cap, "%s %u ('%s')", what, (unsigned)index, printable(printed, name));
    return buf;
}

static const char *kv_type_name(uint32_t type) {
    static const char *const names[] = {"I32", "F32", "STR", "I32_ARRAY", "F32_ARRAY", "STR_ARRAY"};
    return type < 6 ? names[type] : "?";
}

/* Parses key/value entry `index` at c into *kv. The value's bytes
 * (after the type) stay in the buffer; kv->value points at them. */
static s2s_status parse_kv(reader *c, format_kv *kv, uint32_t index, s2s_error *err) {
    char where[80];
    snprintf(where, sizeof where, "kv %u", (unsigned)index);
    s2s_status st = read_str(c, &kv->key, MAX_NAME, 0, where, "key", err);
    if (st != S2S_OK) return st;
    entry_where(where, sizeof where, "kv", index, kv->key);
    if (!reader_has(c, 4))
        return s2s_fail(err, S2S_ERR_BAD_FORMAT, "%s: type at byte %zu runs past data_offset (%zu)",
                        where, c->pos, c->end);
    size_t at = c->pos;
    uint32_t type = reader_u32(c);
    if (type > FORMAT_STR_ARRAY)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT, "%s: unknown type %u at byte %zu", where,
                        (unsigned)type, at);
    kv->type = (format_value_type)type;
    kv->value = c->base + c->pos;
    kv->count = 1;
    if (type == FORMAT_STR) {
        format_str s;
        return read_str(c, &s, MAX_STR_VALUE, 1, where, "STR value", err);
    }
    uint64_t need = 4; /* bytes of an I32 or F32 value, or of an array's elements */
    if (type >= FORMAT_I32_ARRAY) {
        at = c->pos;
        if (!reader_has(c, 4))
            return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                            "%s: %s count at byte %zu runs past data_offset (%zu)", where,
                            kv_type_name(type), at, c->end);
        uint32_t count = reader_u32(c);
        if (count > MAX_ARRAY)
            return s2s_fail(err, S2S_ERR_BAD_FORMAT, "%s: %s count %u at byte %zu exceeds %u",
                            where, kv_type_name(type), (unsigned)count, at, (unsigned)MAX_ARRAY);
        kv->count = count;
        if (type == FORMAT_STR_ARRAY) {
            /* Each element is at least 4 bytes, so the loop ends at the buffer's end. */
            for (uint32_t i = 0; i < count; i++) {
                format_str s;
                st = read_str(c, &s, MAX_STR_VALUE, 1, where, "STR_ARRAY element", err);
                if (st != S2S_OK) return st;
            }
            return S2S_OK;
        }
        need = (uint64_t)count * 4;
    }
    if (!reader_has(c, need))
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "%s: %s value of %llu bytes at byte %zu runs past data_offset (%zu)", where,
                        kv_type_name(type), (unsigned long long)need, c->pos, c->end);
    c->pos += (size_t)need;
    return S2S_OK;
}

/* Parses tensor entry `index` of a file of `version` into *t, checking dtype,
 * dims, the byte size and that the bytes lie inside the tensor data
 * [data, data + data_len). */
static s2s_status parse_tensor(reader *c, format_tensor *t, uint32_t index, uint32_t version,
                               const uint8_t *data, size_t data_len, s2s_error *err) {
    char where[80];
    snprintf(where, sizeof where, "tensor %u", (unsigned)index);
    s2s_status st = read_str(c, &t->name, MAX_NAME, 0, where, "name", err);
    if (st != S2S_OK) return st;
    entry_where(where, sizeof where, "tensor", index, t->name);
    size_t at = c->pos;
    if (!reader_has(c, 8))
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "%s: dtype and n_dims at byte %zu run past data_offset (%zu)", where, at,
                        c->end);
    uint32_t dtype = reader_u32(c);
    uint32_t n_dims = reader_u32(c);
    if (dtype == FORMAT_DTYPE_Q8_BLOCKS)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "%s: int8 blocks (dtype 1, format version 1) are no longer read; "
                        "quantize the f32 model again",
                        where);
    /* dtype 3 came with version 2 */
    if (dtype > FORMAT_DTYPE_Q8 || (dtype == FORMAT_DTYPE_Q8 && version < 2))
        return s2s_fail(err, S2S_ERR_BAD_FORMAT, "%s: unknown dtype %u at byte %zu (version %u)",
                        where, (unsigned)dtype, at, (unsigned)version);
    if (n_dims < 1 || n_dims > MAX_DIMS)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT, "%s: n_dims %u at byte %zu is not in 1..4", where,
                        (unsigned)n_dims, at + 4);
    at = c->pos;
    if (!reader_has(c, (uint64_t)n_dims * 4 + 8))
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "%s: dims and offset at byte %zu run past data_offset (%zu)", where, at,
                        c->end);
    t->dtype = (format_dtype)dtype;
    t->n_dims = n_dims;
    uint64_t count = 1; /* product(dims), checked for u64 overflow */
    for (uint32_t d = 0; d < n_dims; d++) {
        uint32_t dim = reader_u32(c);
        t->dims[d] = dim;
        if (dim == 0)
            return s2s_fail(err, S2S_ERR_BAD_FORMAT, "%s: dim %u is 0", where, (unsigned)d);
        if (count > UINT64_MAX / dim)
            return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                            "%s: the product of the dims overflows 64 bits", where);
        count *= dim;
    }
    for (uint32_t d = n_dims; d < MAX_DIMS; d++) t->dims[d] = 0;
    uint64_t nbytes;
    if (dtype == FORMAT_DTYPE_Q8) {
        uint32_t inner = t->dims[n_dims - 1];
        if (inner % Q8_COLS != 0)
            return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                            "%s: Q8 innermost dim %u is not a multiple of 16", where,
                            (unsigned)inner);
        /* rows x f32 scale + count x i8; rows = count / inner <= count / 16 */
        uint64_t rows = count / inner;
        if (count > UINT64_MAX - 4 * rows)
            return s2s_fail(err, S2S_ERR_BAD_FORMAT, "%s: the byte size overflows 64 bits", where);
        nbytes = 4 * rows + count;
    } else {
        if (count > UINT64_MAX / 4)
            return s2s_fail(err, S2S_ERR_BAD_FORMAT, "%s: the byte size overflows 64 bits", where);
        nbytes = count * 4;
    }
    uint64_t offset = format_read_u64(c->base + c->pos);
    c->pos += 8;
    if (offset % FORMAT_ALIGN != 0)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT, "%s: offset %llu is not a multiple of 32", where,
                        (unsigned long long)offset);
    /* offset <= data_len first, so the subtraction cannot wrap. */
    if (offset > data_len || nbytes > data_len - offset) {
        uint64_t end = nbytes <= UINT64_MAX - offset ? offset + nbytes : UINT64_MAX;
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "%s: data [%llu, %llu) runs past the end of the tensor data (%zu)", where,
                        (unsigned long long)offset, (unsigned long long)end, data_len);
    }
    t->data = data + (size_t)offset;
    t->nbytes = nbytes;
    return S2S_OK;
}

/* Lexicographic byte order of two strings, shorter first on a tie. */
static int str_cmp(format_str a, format_str b) {
    uint32_t n = a.len < b.len ? a.len : b.len;
    int r = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (r) return r;
    return (a.len > b.len) - (a.len < b.len);
}

static int kv_ptr_by_key(const void *a, const void *b) {
    return str_cmp((*(const format_kv *const *)a)->key, (*(const format_kv *const *)b)->key);
}

static int tensor_ptr_by_name(const void *a, const void *b) {
    return str_cmp((*(const format_tensor *const *)a)->name,
                   (*(const format_tensor *const *)b)->name);
}

static int tensor_ptr_by_data(const void *a, const void *b) {
    const uint8_t *x = (*(const format_tensor *const *)a)->data;
    const uint8_t *y = (*(const format_tensor *const *)b)->data;
    return (x > y) - (x < y);
}

/* Duplicate keys, duplicate names and overlapping tensors, found by sorting
 * pointers (n log n: a hostile file with 65536 keys cannot make this
 * quadratic). The scratch array is bounded by counts already checked
 * against the file's size. */
static s2s_status check_unique_and_disjoint(const format_file *f, s2s_error *err) {
    size_t n = f->n_kv > f->n_tensors ? f->n_kv : f->n_tensors;
    if (n < 2) return S2S_OK;
    /* One scratch array serves the kv pointers, then the tensor pointers. */
    static_assert(sizeof(const format_kv *) == sizeof(const format_tensor *), "pointer sizes");
    void *scratch = malloc(n * sizeof(const format_kv *));
    if (!scratch)
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory checking unique names");
    s2s_status st = S2S_OK;
    char name[48];

    const format_kv **kv = scratch;
    for (uint32_t i = 0; i < f->n_kv; i++) kv[i] = &f->kv[i];
    qsort(kv, f->n_kv, sizeof *kv, kv_ptr_by_key);
    for (uint32_t i = 1; i < f->n_kv && st == S2S_OK; i++) {
        if (str_cmp(kv[i - 1]->key, kv[i]->key) == 0) {
            size_t a = (size_t)(kv[i - 1] - f->kv), b = (size_t)(kv[i] - f->kv);
            st = s2s_fail(err, S2S_ERR_BAD_FORMAT, "duplicate key '%s' (kv %zu and kv %zu)",
                          printable(name, kv[i]->key), a < b ? a : b, a < b ? b : a);
        }
    }

    const format_tensor **t = scratch;
    if (st == S2S_OK) {
        for (uint32_t i = 0; i < f->n_tensors; i++) t[i] = &f->tensors[i];
        qsort(t, f->n_tensors, sizeof *t, tensor_ptr_by_name);
        for (uint32_t i = 1; i < f->n_tensors && st == S2S_OK; i++) {
            if (str_cmp(t[i - 1]->name, t[i]->name) == 0) {
                size_t a = (size_t)(t[i - 1] - f->tensors), b = (size_t)(t[i] - f->tensors);
                st = s2s_fail(err, S2S_ERR_BAD_FORMAT,
                              "duplicate tensor name '%s' (tensor %zu and tensor %zu)",
                              printable(name, t[i]->name), a < b ? a : b, a < b ? b : a);
            }
        }
    }
    if (st == S2S_OK) {
        qsort(t, f->n_tensors, sizeof *t, tensor_ptr_by_data);
        for (uint32_t i = 1; i < f->n_tensors && st == S2S_OK; i++) {
            /* Both lie inside the buffer, so the end pointer is valid. */
            if (t[i - 1]->data + t[i - 1]->nbytes > t[i]->data) {
                char other[48];
                st = s2s_fail(err, S2S_ERR_BAD_FORMAT,
                              "tensor %zu ('%s') overlaps tensor %zu ('%s')",
                              (size_t)(t[i] - f->tensors), printable(name, t[i]->name),
                              (size_t)(t[i - 1] - f->tensors), printable(other, t[i - 1]->name));
            }
        }
    }
    free(scratch);
    return st;
}

/* The header fields after the magic, kept together while validating. */
typedef struct header {
    uint32_t version, n_kv, n_tensors;
    uint64_t data_offset, file_size;
} header;

/* Checks the fixed header, the size and the checksum; on success the
 * metadata lies in [32, data_offset) and the tensor data in
 * [data_offset, size - 4), both representable as size_t. */
static s2s_status check_header(header *h, const uint8_t *data, size_t size, s2s_error *err) {
    if (size < HEADER_SIZE + TRAILER_SIZE)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "file is %zu bytes, smaller than a header and a trailer (36)", size);
    if (memcmp(data, FORMAT_MAGIC, 4) != 0)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT, "not an .s2s file: the magic is not \"S2SM\"");
    h->version = format_read_u32(data + 4);
    if (h->version < FORMAT_VERSION_MIN || h->version > FORMAT_VERSION)
        return s2s_fail(err, S2S_ERR_VERSION, "file version %u, this build reads versions %u to %u",
                        (unsigned)h->version, FORMAT_VERSION_MIN, FORMAT_VERSION);
    h->n_kv = format_read_u32(data + 8);
    h->n_tensors = format_read_u32(data + 12);
    h->data_offset = format_read_u64(data + 16);
    h->file_size = format_read_u64(data + 24);
    if (h->file_size != (uint64_t)size)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "header file_size %llu disagrees with the buffer size %zu "
                        "(truncated or padded?)",
                        (unsigned long long)h->file_size, size);
    uint32_t stored = format_read_u32(data + size - TRAILER_SIZE);
    uint32_t actual = format_crc32(0, data, size - TRAILER_SIZE);
    if (stored != actual)
        return s2s_fail(err, S2S_ERR_CHECKSUM,
                        "CRC-32 mismatch: trailer says 0x%08x, bytes [0, %zu) give 0x%08x",
                        (unsigned)stored, size - TRAILER_SIZE, (unsigned)actual);
    if (h->n_kv > MAX_KV)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT, "n_kv %u exceeds %u", (unsigned)h->n_kv,
                        (unsigned)MAX_KV);
    if (h->n_tensors > MAX_TENSORS)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT, "n_tensors %u exceeds %u", (unsigned)h->n_tensors,
                        (unsigned)MAX_TENSORS);
    if (h->data_offset % FORMAT_ALIGN != 0 || h->data_offset < HEADER_SIZE ||
        h->data_offset > (uint64_t)(size - TRAILER_SIZE))
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "data_offset %llu is not a multiple of 32 in [32, %zu]",
                        (unsigned long long)h->data_offset, size - TRAILER_SIZE);
    /* Before allocating: every entry takes a minimum number of bytes, so a
     * count the metadata cannot hold is rejected here. */
    uint64_t min_bytes =
        (uint64_t)h->n_kv * MIN_KV_BYTES + (uint64_t)h->n_tensors * MIN_TENSOR_BYTES;
    if (min_bytes > h->data_offset - HEADER_SIZE)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "n_kv %u and n_tensors %u need at least %llu bytes of metadata, "
                        "the file has %llu",
                        (unsigned)h->n_kv, (unsigned)h->n_tensors, (unsigned long long)min_bytes,
                        (unsigned long long)(h->data_offset - HEADER_SIZE));
    return S2S_OK;
}

/* Parses every section; on failure the caller clears *out. */
static s2s_status parse_body(format_file *out, const header *h, const uint8_t *data, size_t size,
                             s2s_error *err) {
    size_t data_offset = (size_t)h->data_offset; /* <= size - 4, checked */
    out->version = h->version;
    if (h->n_kv) {
        out->kv = calloc(h->n_kv, sizeof *out->kv);
        if (!out->kv)
            return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for %u kv",
                            (unsigned)h->n_kv);
    }
    if (h->n_tensors) {
        out->tensors = calloc(h->n_tensors, sizeof *out->tensors);
        if (!out->tensors)
            return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for %u tensors",
                            (unsigned)h->n_tensors);
    }
    reader c = {data, HEADER_SIZE, data_offset};
    s2s_status st;
    for (uint32_t i = 0; i < h->n_kv; i++) {
        if ((st = parse_kv(&c, &out->kv[i], i, err)) != S2S_OK) return st;
        out->n_kv = i + 1;
    }
    const uint8_t *tensor_data = data + data_offset;
    size_t data_len = size - TRAILER_SIZE - data_offset;
    for (uint32_t i = 0; i < h->n_tensors; i++) {
        if ((st = parse_tensor(&c, &out->tensors[i], i, h->version, tensor_data, data_len, err)) !=
            S2S_OK)
            return st;
        out->n_tensors = i + 1;
    }
    for (size_t i = c.pos; i < data_offset; i++)
        if (data[i] != 0)
            return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                            "padding byte %zu before data_offset %zu is not zero", i, data_offset);
    return check_unique_and_disjoint(out, err);
}

s2s_status format_parse(format_file *out, const uint8_t *data, size_t size, s2s_error *err) {
    if (!out) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "format_parse: out is NULL");
    memset(out, 0, sizeof *out);
    if (!data && size) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "format_parse: data is NULL");
    header h = {0, 0, 0, 0, 0};
    s2s_status st = check_header(&h, data, size, err);
    if (st == S2S_OK) st = parse_body(out, &h, data, size, err);
    if (st != S2S_OK) format_file_clear(out);
    return st;
}

void format_file_clear(format_file *f) {
    if (!f) return;
    free(f->kv);
    free(f->tensors);
    memset(f, 0, sizeof *f);
}

/* --------------------------------------------------------------- lookups */

static int str_eq(format_str s, const char *z) {
    size_t n = strlen(z);
    return n == s.len && memcmp(s.ptr, z, n) == 0;
}

const format_kv *format_find_kv(const format_file *f, const char *key) {
    if (!f || !key) return NULL;
    for (uint32_t i = 0; i < f->n_kv; i++)
        if (str_eq(f->kv[i].key, key)) return &f->kv[i];
    return NULL;
}

const format_tensor *format_find_tensor(const format_file *f, const char *name) {
    if (!f || !name) return NULL;
    for (uint32_t i = 0; i < f->n_tensors; i++)
        if (str_eq(f->tensors[i].name, name)) return &f->tensors[i];
    return NULL;
}

int format_get_i32(const format_file *f, const char *key, int32_t *out) {
    const format_kv *kv = format_find_kv(f, key);
    if (!kv || kv->type != FORMAT_I32) return 0;
    if (out) *out = (int32_t)format_read_u32(kv->value);
    return 1;
}

int format_get_f32(const format_file *f, const char *key, float *out) {
    const format_kv *kv = format_find_kv(f, key);
    if (!kv || kv->type != FORMAT_F32) return 0;
    if (out) *out = format_read_f32(kv->value);
    return 1;
}

char *format_get_str_dup(const format_file *f, const char *key) {
    const format_kv *kv = format_find_kv(f, key);
    if (!kv || kv->type != FORMAT_STR) return NULL;
    uint32_t len = format_read_u32(kv->value);
    char *s = malloc((size_t)len + 1);
    if (!s) return NULL;
    memcpy(s, kv->value + 4, len);
    s[len] = '\0';
    return s;
}

/* I32 scalars answer i == 0; arrays skip their u32 count. */
int32_t format_kv_i32_at(const format_kv *kv, uint32_t i) {
    if (kv->type == FORMAT_I32) return (int32_t)format_read_u32(kv->value);
    if (kv->type != FORMAT_I32_ARRAY) return 0;
    return (int32_t)format_read_u32(kv->value + 4 + (size_t)i * 4);
}

float format_kv_f32_at(const format_kv *kv, uint32_t i) {
    if (kv->type == FORMAT_F32) return format_read_f32(kv->value);
    if (kv->type != FORMAT_F32_ARRAY) return 0.0f;
    return format_read_f32(kv->value + 4 + (size_t)i * 4);
}

format_str format_kv_str_next(const format_kv *kv, const uint8_t **cursor) {
    format_str s = {NULL, 0};
    if (kv->type != FORMAT_STR && kv->type != FORMAT_STR_ARRAY) return s;
    const uint8_t *p = *cursor;
    if (!p) p = kv->type == FORMAT_STR ? kv->value : kv->value + 4;
    s.len = format_read_u32(p);
    s.ptr = (const char *)(p + 4);
    *cursor = p + 4 + s.len;
    return s;
}

/* ---------------------------------------------------------------- writer */

/* A key/value entry with its value already encoded as in the file. */
typedef struct writer_kv {
    char *key;
    uint32_t key_len;
    format_value_type type;
    uint8_t *value; /* (value_len) the bytes after the type */
    size_t value_len;
} writer_kv;

typedef struct writer_tensor {
    char *name;
    uint32_t name_len;
    format_dtype dtype;
    uint32_t n_dims;
    uint32_t dims[MAX_DIMS];
    uint8_t *data; /* (nbytes) */
    size_t nbytes;
} writer_tensor;

struct format_writer {
    writer_kv *kv; /* (cap_kv) */
    uint32_t n_kv, cap_kv;
    writer_tensor *tensors; /* (cap_tensors) */
    uint32_t n_tensors, cap_tensors;
    s2s_error error; /* the first error; status S2S_OK while there is none */
    uint32_t version; /* 0: FORMAT_VERSION_DEFAULT */
};

format_writer *format_writer_new(void) { return calloc(1, sizeof(format_writer)); }

void format_writer_set_version(format_writer *w, uint32_t version) {
    if (w) w->version = version;
}

void format_writer_free(format_writer *w) {
    if (!w) return;
    for (uint32_t i = 0; i < w->n_kv; i++) {
        free(w->kv[i].key);
        free(w->kv[i].value);
    }
    for (uint32_t i = 0; i < w->n_tensors; i++) {
        free(w->tensors[i].name);
        free(w->tensors[i].data);
    }
    free(w->kv);
    free(w->tensors);
    free(w);
}

/* Remembers the first error; later adds become no-ops and finish reports it. */
static void writer_fail(format_writer *w, s2s_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void writer_fail(format_writer *w, s2s_status status, const char *fmt, ...) {
    if (w->error.status != S2S_OK) return;
    va_list ap;
    va_start(ap, fmt);
    w->error.status = status;
    vsnprintf(w->error.message, sizeof w->error.message, fmt, ap);
    va_end(ap);
}

/* Checks a key or tensor name (1..256 bytes, not yet used by another entry
 * of the same kind) and returns a copy, or NULL after recording an error. */
static char *writer_name(format_writer *w, const char *name, int is_key, uint32_t *len) {
    const char *what = is_key ? "key" : "tensor name";
    if (!name) {
        writer_fail(w, S2S_ERR_INVALID_ARGUMENT, "format writer: %s is NULL", what);
        return NULL;
    }
    size_t n = strlen(name);
    if (n == 0 || n > MAX_NAME) {
        writer_fail(w, S2S_ERR_INVALID_ARGUMENT,
                    "format writer: %s '%.40s' is %zu bytes, not 1..%u", what, name, n,
                    (unsigned)MAX_NAME);
        return NULL;
    }
    uint32_t count = is_key ? w->n_kv : w->n_tensors;
    for (uint32_t i = 0; i < count; i++) {
        const char *other = is_key ? w->kv[i].key : w->tensors[i].name;
        if (strcmp(other, name) == 0) {
            writer_fail(w, S2S_ERR_INVALID_ARGUMENT, "format writer: duplicate %s '%.40s'", what,
                        name);
            return NULL;
        }
    }
    char *copy = malloc(n + 1);
    if (!copy) {
        writer_fail(w, S2S_ERR_OUT_OF_MEMORY, "format writer: out of memory");
        return NULL;
    }
    memcpy(copy, name, n + 1);
    *len = (uint32_t)n;
    return copy;
}

/* Appends a kv entry that takes ownership of `value` (freed on failure). */
static void writer_push_kv(format_writer *w, const char *key, format_value_type type,
                           uint8_t *value, size_t value_len) {
    uint32_t key_len = 0;
    char *k = NULL;
    if (w->n_kv >= MAX_KV)
        writer_fail(w, S2S_ERR_INVALID_ARGUMENT, "format writer: more than %u kv",
                    (unsigned)MAX_KV);
    else
        k = writer_name(w, key, 1, &key_len);
    if (k && w->n_kv == w->cap_kv) {
        uint32_t cap = w->cap_kv ? w->cap_kv * 2 : 16;
        writer_kv *grown = realloc(w->kv, (size_t)cap * sizeof *grown);
        if (grown) {
            w->kv = grown;
            w->cap_kv = cap;
        } else {
            writer_fail(w, S2S_ERR_OUT_OF_MEMORY, "format writer: out of memory");
        }
    }
    if (!k || w->n_kv == w->cap_kv) {
        free(k);
        free(value);
        return;
    }
    w->kv[w->n_kv++] = (writer_kv){k, key_len, type, value, value_len};
}

/* A new buffer of n bytes for an encoded value, or NULL after recording an
 * error (also when an earlier error makes the add a no-op). */
static uint8_t *writer_value(format_writer *w, size_t n) {
    if (w->error.status != S2S_OK) return NULL;
    uint8_t *p = malloc(n ? n : 1);
    if (!p) writer_fail(w, S2S_ERR_OUT_OF_MEMORY, "format writer: out of memory");
    return p;
}

void format_writer_add_i32(format_writer *w, const char *key, int32_t v) {
    uint8_t *p = w ? writer_value(w, 4) : NULL;
    if (!p) return;
    put_u32(p, (uint32_t)v);
    writer_push_kv(w, key, FORMAT_I32, p, 4);
}

void format_writer_add_f32(format_writer *w, const char *key, float v) {
    uint8_t *p = w ? writer_value(w, 4) : NULL;
    if (!p) return;
    uint32_t u;
    memcpy(&u, &v, 4);
    put_u32(p, u);
    writer_push_kv(w, key, FORMAT_F32, p, 4);
}

void format_writer_add_str(format_writer *w, const char *key, const char *v) {
    if (!w || w->error.status != S2S_OK) return;
    if (!v) {
        writer_fail(w, S2S_ERR_INVALID_ARGUMENT, "format writer: kv '%.40s': value is NULL",
                    key ? key : "");
        return;
    }
    size_t n = strlen(v);
    if (n > MAX_STR_VALUE) {
        writer_fail(w, S2S_ERR_INVALID_ARGUMENT,
                    "format writer: kv '%.40s': string of %zu bytes exceeds 1 MiB", key ? key : "",
                    n);
        return;
    }
    uint8_t *p = writer_value(w, 4 + n);
    if (!p) return;
    put_u32(p, (uint32_t)n);
    memcpy(p + 4, v, n);
    writer_push_kv(w, key, FORMAT_STR, p, 4 + n);
}

/* The checks every array value gets: present, and at most 2^24 elements. */
static int writer_array_ok(format_writer *w, const char *key, const void *v, uint32_t n) {
    if (!w || w->error.status != S2S_OK) return 0;
    if (!v && n) {
        writer_fail(w, S2S_ERR_INVALID_ARGUMENT, "format writer: kv '%.40s': array is NULL",
                    key ? key : "");
        return 0;
    }
    if (n > MAX_ARRAY) {
        writer_fail(w, S2S_ERR_INVALID_ARGUMENT,
                    "format writer: kv '%.40s': array of %u elements exceeds 2^24", key ? key : "",
                    (unsigned)n);
        return 0;
    }
    return 1;
}

/* I32_ARRAY and F32_ARRAY share the layout: u32 count, count 4-byte words. */
static void writer_add_words(format_writer *w, const char *key, format_value_type type,
                             const void *v, uint32_t n) {
    if (!writer_array_ok(w, key, v, n)) return;
    uint8_t *p = writer_value(w, 4 + (size_t)n * 4);
    if (!p) return;
    put_u32(p, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, (const uint8_t *)v + (size_t)i * 4, 4);
        put_u32(p + 4 + (size_t)i * 4, u);
    }
    writer_push_kv(w, key, type, p, 4 + (size_t)n * 4);
}

void format_writer_add_i32_array(format_writer *w, const char *key, const int32_t *v, uint32_t n) {
    writer_add_words(w, key, FORMAT_I32_ARRAY, v, n);
}

void format_writer_add_f32_array(format_writer *w, const char *key, const float *v, uint32_t n) {
    writer_add_words(w, key, FORMAT_F32_ARRAY, v, n);
}

void format_writer_add_str_array(format_writer *w, const char *key, const char *const *v,
                                 uint32_t n) {
    if (!writer_array_ok(w, key, v, n)) return;
    /* Up to 2^24 strings of up to 1 MiB: the total can overflow a 32-bit size_t. */
    uint64_t total = 4;
    for (uint32_t i = 0; i < n; i++) {
        if (!v[i]) {
            writer_fail(w, S2S_ERR_INVALID_ARGUMENT,
                        "format writer: kv '%.40s': element %u is NULL", key ? key : "",
                        (unsigned)i);
            return;
        }
        size_t len = strlen(v[i]);
        if (len > MAX_STR_VALUE) {
            writer_fail(w, S2S_ERR_INVALID_ARGUMENT,
                        "format writer: kv '%.40s': element %u of %zu bytes exceeds 1 MiB",
                        key ? key : "", (unsigned)i, len);
            return;
        }
        total += 4 + (uint64_t)len;
    }
    if (total > SIZE_MAX) {
        writer_fail(w, S2S_ERR_OUT_OF_MEMORY, "format writer: string array too large");
        return;
    }
    uint8_t *p = writer_value(w, (size_t)total);
    if (!p) return;
    put_u32(p, n);
    size_t pos = 4;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]);
        put_u32(p + pos, (uint32_t)len);
        memcpy(p + pos + 4, v[i], len);
        pos += 4 + len;
    }
    writer_push_kv(w, key, FORMAT_STR_ARRAY, p, (size_t)total);
}

void format_writer_add_tensor(format_writer *w, const char *name, format_dtype dtype,
                              uint32_t n_dims, const uint32_t *dims, const void *data) {
    if (!w || w->error.status != S2S_OK) return;
    if ((unsigned)dtype > FORMAT_DTYPE_Q8 || dtype == FORMAT_DTYPE_Q8_BLOCKS) {
        writer_fail(w, S2S_ERR_INVALID_ARGUMENT, "format writer: tensor '%.40s': dtype %u",
                    name ? name : "", (unsigned)dtype);
        return;
    }
    if (n_dims < 1 || n_dims > MAX_DIMS || !dims || !data) {
        writer_fail(w, S2S_ERR_INVALID_ARGUMENT,
                    "format writer: tensor '%.40s': n_dims %u (1..4) or NULL dims/data",
                    name ? name : "", (unsigned)n_dims);
        return;
    }
    uint64_t count = 1;
    for (uint32_t d = 0; d < n_dims; d++) {
        if (dims[d] == 0 || count > UINT64_MAX / dims[d]) {
            writer_fail(w, S2S_ERR_INVALID_ARGUMENT,
                        "format writer: tensor '%.40s': dim %u is 0 or overflows", name ? name : "",
                        (unsigned)d);
            return;
        }
        count *= dims[d];
    }
    if (dtype == FORMAT_DTYPE_Q8 && dims[n_dims - 1] % Q8_COLS != 0) {
        writer_fail(w, S2S_ERR_INVALID_ARGUMENT,
                    "format writer: Q8 tensor '%.40s': innermost dim %u is not a "
                    "multiple of 16",
                    name ? name : "", (unsigned)dims[n_dims - 1]);
        return;
    }
    /* Q8: count + 4 * count / 16 < count * 4, so one bound serves both. */
    if (count > SIZE_MAX / 4) {
        writer_fail(w, S2S_ERR_OUT_OF_MEMORY, "format writer: tensor '%.40s' too large",
                    name ? name : "");
        return;
    }
    size_t nbytes =
        dtype == FORMAT_DTYPE_Q8 ? (size_t)count + 4 * (size_t)(count / dims[n_dims - 1])
                                 : (size_t)count * 4;
    if (w->n_tensors >= MAX_TENSORS) {
        writer_fail(w, S2S_ERR_INVALID_ARGUMENT, "format writer: more than %u tensors",
                    (unsigned)MAX_TENSORS);
        return;
    }
    if (w->n_tensors == w->cap_tensors) {
        uint32_t cap = w->cap_tensors ? w->cap_tensors * 2 : 16;
        writer_tensor *grown = realloc(w->tensors, (size_t)cap * sizeof *grown);
        if (!grown) {
            writer_fail(w, S2S_ERR_OUT_OF_MEMORY, "format writer: out of memory");
            return;
        }
        w->tensors = grown;
        w->cap_tensors = cap;
    }
    uint32_t name_len = 0;
    char *n = writer_name(w, name, 0, &name_len);
    if (!n) return;
    uint8_t *copy = malloc(nbytes);
    if (!copy) {
        free(n);
        {
            writer_fail(w, S2S_ERR_OUT_OF_MEMORY, "format writer: out of memory");
            return;
        }
    }
    memcpy(copy, data, nbytes);
    writer_tensor *t = &w->tensors[w->n_tensors++];
    *t = (writer_tensor){n, name_len, dtype, n_dims, {0, 0, 0, 0}, copy, nbytes};
    memcpy(t->dims, dims, n_dims * sizeof *dims);
}

static uint64_t align_up(uint64_t x) {
    return (x + FORMAT_ALIGN - 1) / FORMAT_ALIGN * FORMAT_ALIGN;
}

/* Lays out header, kv entries, tensor table, zero padding to the aligned
 * data_offset, each tensor at the next multiple of 32 (in the order added)
 * and the CRC-32 trailer. Sizes are summed in u64 and checked against
 * SIZE_MAX, which is what limits a WASM32 file to under 4 GiB. */
s2s_status format_writer_finish(format_writer *w, uint8_t **out, size_t *out_size, s2s_error *err) {
    if (!w || !out || !out_size)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "format_writer_finish: NULL argument");
    *out = NULL;
    *out_size = 0;
    if (w->error.status != S2S_OK) return s2s_fail(err, w->error.status, "%s", w->error.message);
    uint64_t meta = HEADER_SIZE;
    for (uint32_t i = 0; i < w->n_kv; i++)
        meta += 4 + (uint64_t)w->kv[i].key_len + 4 + w->kv[i].value_len;
    for (uint32_t i = 0; i < w->n_tensors; i++)
        meta += 4 + (uint64_t)w->tensors[i].name_len + 8 + 4 * (uint64_t)w->tensors[i].n_dims + 8;
    /* meta < 2^40 (65536 kv of < 2^38 bytes each would not have been allocated). */
    uint64_t data_offset = align_up(meta);
    uint64_t data_len = 0;
    for (uint32_t i = 0; i < w->n_tensors; i++) {
        data_len = align_up(data_len);
        if (w->tensors[i].nbytes > SIZE_MAX - data_len)
            return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "format writer: file too large");
        data_len += w->tensors[i].nbytes;
    }
    if (data_len > SIZE_MAX - TRAILER_SIZE - data_offset || data_offset > SIZE_MAX)
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "format writer: file too large");
    size_t size = (size_t)(data_offset + data_len + TRAILER_SIZE);
    uint8_t *buf = calloc(size, 1); /* zeroed: the padding */
    if (!buf)
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "format writer: out of memory for %zu bytes",
                        size);

    memcpy(buf, FORMAT_MAGIC, 4);
    put_u32(buf + 4, w->version ? w->version : FORMAT_VERSION_DEFAULT);
    put_u32(buf + 8, w->n_kv);
    put_u32(buf + 12, w->n_tensors);
    put_u64(buf + 16, data_offset);
    put_u64(buf + 24, (uint64_t)size);
    size_t pos = HEADER_SIZE;
    for (uint32_t i = 0; i < w->n_kv; i++) {
        const writer_kv *kv = &w->kv[i];
        put_u32(buf + pos, kv->key_len);
        memcpy(buf + pos + 4, kv->key, kv->key_len);
        pos += 4 + kv->key_len;
        put_u32(buf + pos, (uint32_t)kv->type);
        memcpy(buf + pos + 4, kv->value, kv->value_len);
        pos += 4 + kv->value_len;
    }
    size_t offset = 0;
    for (uint32_t i = 0; i < w->n_tensors; i++) {
        const writer_tensor *t = &w->tensors[i];
        offset = (size_t)align_up(offset);
        put_u32(buf + pos, t->name_len);
        memcpy(buf + pos + 4, t->name, t->name_len);
        pos += 4 + t->name_len;
        put_u32(buf + pos, (uint32_t)t->dtype);
        put_u32(buf + pos + 4, t->n_dims);
        pos += 8;
        for (uint32_t d = 0; d < t->n_dims; d++, pos += 4) put_u32(buf + pos, t->dims[d]);
        put_u64(buf + pos, offset);
        pos += 8;
        memcpy(buf + (size_t)data_offset + offset, t->data, t->nbytes);
        offset += t->nbytes;
    }
    put_u32(buf + size - TRAILER_SIZE, format_crc32(0, buf, size - TRAILER_SIZE));
    *out = buf;
    *out_size = size;
    return S2S_OK;
}
