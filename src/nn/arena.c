/* arena.c — the bump allocator that holds a batch's activations. */
#include <stdlib.h>
#include <string.h>

#include "nn.h"

#define ARENA_ALIGN 32u

static size_t round_up(size_t n) { return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1); }

void arena_release(arena *a) {
    for (int i = 0; i < a->n_blocks; i++) free(a->blocks[i]);
    free(a->blocks);
    free(a->sizes);
    memset(a, 0, sizeof *a);
}

void arena_reset(arena *a) {
    if (a->n_blocks > 1) { /* merge: next time everything fits in one block */
        size_t total = a->total;
        arena_release(a);
        a->blocks = malloc(sizeof *a->blocks);
        a->sizes = malloc(sizeof *a->sizes);
        void *block = aligned_alloc(ARENA_ALIGN, round_up(total));
        if (a->blocks && a->sizes && block) {
            a->blocks[0] = block;
            a->sizes[0] = round_up(total);
            a->n_blocks = 1;
            a->total = round_up(total);
        } else {
            free(block);
            arena_release(a);
        }
    }
    a->used = 0;
    a->failed = 0;
}

void *arena_bytes(arena *a, size_t n) {
    n = round_up(n ? n : 1);
    if (a->n_blocks > 0 && a->used + n <= a->sizes[a->n_blocks - 1]) {
        void *p = (char *)a->blocks[a->n_blocks - 1] + a->used;
        a->used += n;
        return p;
    }
    size_t size = n > (1u << 20) ? n : (1u << 20);
    void **blocks = realloc(a->blocks, sizeof *blocks * (size_t)(a->n_blocks + 1));
    if (blocks) a->blocks = blocks;
    size_t *sizes = realloc(a->sizes, sizeof *sizes * (size_t)(a->n_blocks + 1));
    if (sizes) a->sizes = sizes;
    void *block = blocks && sizes ? aligned_alloc(ARENA_ALIGN, size) : NULL;
    if (!block) {
        a->failed = 1;
        return NULL;
    }
    a->blocks[a->n_blocks] = block;
    a->sizes[a->n_blocks] = size;
    a->n_blocks++;
    a->total += size;
    a->used = n;
    return block;
}

float *arena_floats(arena *a, size_t n) {
    if (n > SIZE_MAX / sizeof(float) / 2) {
        a->failed = 1;
        return NULL;
    }
    return arena_bytes(a, n * sizeof(float));
}

float *arena_zeros(arena *a, size_t n) {
    float *p = arena_floats(a, n);
    if (p) memset(p, 0, n * sizeof(float));
    return p;
}

arena_mark arena_get_mark(const arena *a) {
    arena_mark m = {a->n_blocks, a->used};
    return m;
}

/* Only rewinds within the same block; after growth the space stays used
 * until the next reset (which merges the blocks anyway). */
void arena_rewind(arena *a, arena_mark mark) {
    if (a->n_blocks == mark.n_blocks) a->used = mark.used;
}
