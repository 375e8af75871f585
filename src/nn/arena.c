/* arena.c — the bump allocator that holds a batch's activations. */
#include <stdlib.h>
#include <string.h>

#include "nn.h"

#define ARENA_ALIGN 32u
#define ARENA_BLOCK ((size_t)1 << 20)
/* A request this large that does not fit the current block gets its own
 * allocation: opening a new block for it would strand up to its size at the
 * end of the old one (a Transformer's beam search lost 1.4 MB so). */
#define ARENA_BIG (ARENA_BLOCK / 4)

static size_t round_up(size_t n) { return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1); }

void arena_release(arena *a) {
    for (int i = 0; i < a->n_blocks; i++) free(a->blocks[i]);
    for (int i = 0; i < a->n_big; i++) free(a->big[i]);
    free(a->blocks);
    free(a->sizes);
    free(a->big);
    free(a->big_sizes);
    memset(a, 0, sizeof *a);
}

void arena_reset(arena *a) {
    if (a->n_blocks > 1 || a->n_big > 0) { /* merge: next time everything fits in one block */
        size_t size = round_up(a->peak);
        arena_release(a);
        a->blocks = malloc(sizeof *a->blocks);
        a->sizes = malloc(sizeof *a->sizes);
        void *block = aligned_alloc(ARENA_ALIGN, size);
        if (a->blocks && a->sizes && block) {
            a->blocks[0] = block;
            a->sizes[0] = size;
            a->n_blocks = 1;
            a->total = a->peak = size;
        } else {
            free(block);
            arena_release(a);
        }
    }
    a->used = 0;
    a->failed = 0;
}

/* Appends p (size bytes) to a list; 0 when the list cannot grow. */
static int push(void ***list, size_t **sizes, int n, void *p, size_t size) {
    void **l = realloc(*list, sizeof *l * (size_t)(n + 1));
    if (l) *list = l;
    size_t *s = realloc(*sizes, sizeof *s * (size_t)(n + 1));
    if (s) *sizes = s;
    if (!l || !s) return 0;
    (*list)[n] = p;
    (*sizes)[n] = size;
    return 1;
}

void *arena_bytes(arena *a, size_t n) {
    n = round_up(n ? n : 1);
    if (a->n_blocks > 0 && a->used + n <= a->sizes[a->n_blocks - 1]) {
        void *p = (char *)a->blocks[a->n_blocks - 1] + a->used;
        a->used += n;
        return p;
    }
    int big = n >= ARENA_BIG && a->n_blocks > 0;
    size_t size = big || n > ARENA_BLOCK ? n : ARENA_BLOCK;
    void *block = aligned_alloc(ARENA_ALIGN, size);
    if (!block || !(big ? push(&a->big, &a->big_sizes, a->n_big, block, size)
                        : push(&a->blocks, &a->sizes, a->n_blocks, block, size))) {
        free(block);
        a->failed = 1;
        return NULL;
    }
    if (big) {
        a->n_big++;
    } else {
        a->n_blocks++;
        a->used = n;
    }
    a->total += size;
    if (a->total > a->peak) a->peak = a->total;
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
    arena_mark m = {a->n_blocks, a->n_big, a->used};
    return m;
}

/* Everything allocated since the mark is dead: blocks opened after it are
 * freed (the peak remembers them for the merge at the next reset). */
void arena_rewind(arena *a, arena_mark mark) {
    while (a->n_big > mark.n_big) {
        a->n_big--;
        free(a->big[a->n_big]);
        a->total -= a->big_sizes[a->n_big];
    }
    if (a->n_blocks < mark.n_blocks) return; /* a reset came between: nothing to undo */
    int keep = mark.n_blocks > 0 ? mark.n_blocks : 1; /* the first block stays for reuse */
    while (a->n_blocks > keep) {
        a->n_blocks--;
        free(a->blocks[a->n_blocks]);
        a->total -= a->sizes[a->n_blocks];
    }
    a->used = mark.n_blocks > 0 ? mark.used : 0;
}
