/*
 * util.h — small helpers shared by every C file: error reporting and
 * overflow-checked allocation sizes.
 */
#ifndef S2S_UTIL_H
#define S2S_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "s2s.h"

/* Fill err (when non-NULL) with status and a printf-style message; returns
 * status so callers can write `return s2s_fail(err, S2S_ERR_..., "...")`. */
s2s_status s2s_fail(s2s_error *err, s2s_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* a * b, or SIZE_MAX when it overflows (malloc(SIZE_MAX) then fails cleanly). */
static inline size_t s2s_mul_size(size_t a, size_t b) {
    if (a != 0 && b > SIZE_MAX / a) return SIZE_MAX;
    return a * b;
}

/* A small deterministic generator (splitmix64 seeding xorshift64*): the
 * same seed gives the same weights and dropout masks on every platform. */
typedef struct s2s_rng {
    uint64_t state;
} s2s_rng;

static inline void s2s_rng_seed(s2s_rng *r, uint64_t seed) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    r->state = (z ^ (z >> 31)) | 1u;
}

static inline uint32_t s2s_rng_u32(s2s_rng *r) {
    r->state ^= r->state >> 12;
    r->state ^= r->state << 25;
    r->state ^= r->state >> 27;
    return (uint32_t)((r->state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* Uniform in [0, 1) with 24 random bits. */
static inline float s2s_rng_uniform(s2s_rng *r) {
    return (float)(s2s_rng_u32(r) >> 8) * (1.0f / 16777216.0f);
}

#endif /* S2S_UTIL_H */
