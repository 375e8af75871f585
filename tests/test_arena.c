/*
 * test_arena.c — the activation arena (src/nn/arena.c): where requests land,
 * what a rewind gives back, and that the merge at reset makes the next batch
 * of the same requests a single block with nothing more allocated.
 */
#include <stdint.h>

#include "../src/nn/nn.h"
#include "testing.h"

#define KB ((size_t)1024)
#define MB (KB * KB)

static int aligned(const void *p) { return ((uintptr_t)p & 31u) == 0; }

static void small_requests_share_one_aligned_block(void) {
    arena a = {0};
    char *p = arena_bytes(&a, 100), *q = arena_bytes(&a, 5);
    CHECK(p && q && aligned(p) && aligned(q));
    CHECK(q == p + 128); /* 100 rounded up to the 32-byte alignment */
    CHECK(a.n_blocks == 1 && a.n_big == 0 && a.total == MB);
    arena_release(&a);
}

/* A large request that overflows the block gets its own allocation, and the
 * block's remainder stays in use for the small requests after it. */
static void a_large_request_does_not_strand_the_rest_of_the_block(void) {
    arena a = {0};
    char *p = arena_bytes(&a, 700 * KB);
    char *big = arena_bytes(&a, 600 * KB);
    char *q = arena_bytes(&a, 64 * KB);
    CHECK(p && big && q && aligned(big));
    CHECK(a.n_blocks == 1 && a.n_big == 1);
    CHECK(q == p + 700 * KB);
    CHECK(a.total == MB + 600 * KB && a.peak == a.total);
    /* a small request that overflows opens a new block as before */
    CHECK(arena_bytes(&a, 200 * KB) && a.n_blocks == 1);
    char *r = arena_bytes(&a, 200 * KB);
    CHECK(r && a.n_blocks == 2 && a.total == 2 * MB + 600 * KB);
    arena_release(&a);
}

static void a_rewind_frees_what_was_opened_after_the_mark(void) {
    arena a = {0};
    arena_bytes(&a, 900 * KB);
    arena_mark m = arena_get_mark(&a);
    arena_bytes(&a, 500 * KB); /* its own allocation */
    arena_bytes(&a, 200 * KB); /* a new block */
    size_t peak = a.total;
    arena_rewind(&a, m);
    CHECK(a.n_blocks == 1 && a.n_big == 0 && a.total == MB && a.used == 900 * KB);
    CHECK(a.peak == peak);
    /* the same scratch a thousand times over holds no more than once */
    for (int i = 0; i < 1000; i++) {
        arena_mark step = arena_get_mark(&a);
        CHECK(arena_bytes(&a, 500 * KB) && arena_bytes(&a, 200 * KB));
        arena_rewind(&a, step);
    }
    CHECK(a.total == MB && a.peak == peak);
    arena_release(&a);
}

static void a_mark_of_an_empty_arena_rewinds_to_an_empty_block(void) {
    arena a = {0};
    arena_mark m = arena_get_mark(&a);
    arena_bytes(&a, 10 * KB);
    arena_bytes(&a, 2 * MB);
    arena_rewind(&a, m);
    CHECK(a.n_blocks == 1 && a.n_big == 0 && a.used == 0);
    CHECK(arena_bytes(&a, 10 * KB) == a.blocks[0]);
    arena_release(&a);
}

static void sizes(arena *a, const size_t *req, int n) {
    for (int i = 0; i < n; i++) CHECK(arena_bytes(a, req[i]) != NULL);
}

/* After one batch overflowed, reset merges into one block of the most bytes
 * held at once, and the same batch then fits it with nothing more allocated. */
static void reset_merges_into_one_block_that_the_next_batch_fits(void) {
    const size_t req[] = {64 * KB, 556 * KB, 556 * KB, 64 * KB, 128 * KB, 556 * KB, 192 * KB, 3 * MB, 16 * KB};
    const int n = (int)(sizeof req / sizeof *req);
    arena a = {0};
    arena_reset(&a);
    sizes(&a, req, n);
    CHECK(a.n_blocks + a.n_big > 1);
    size_t peak = a.peak;
    arena_reset(&a);
    CHECK(a.n_blocks == 1 && a.n_big == 0 && a.total == peak && a.used == 0);
    sizes(&a, req, n);
    CHECK(a.n_blocks == 1 && a.n_big == 0 && a.total == peak);
    arena_reset(&a);
    CHECK(a.n_blocks == 1 && a.total == peak);
    arena_release(&a);
    CHECK(a.n_blocks == 0 && a.total == 0 && a.blocks == NULL);
}

int main(void) {
    RUN(small_requests_share_one_aligned_block);
    RUN(a_large_request_does_not_strand_the_rest_of_the_block);
    RUN(a_rewind_frees_what_was_opened_after_the_mark);
    RUN(a_mark_of_an_empty_arena_rewinds_to_an_empty_block);
    RUN(reset_merges_into_one_block_that_the_next_batch_fits);
    return tests_exit_code();
}
