/* shortlist.c — the lexical shortlist of a model (shortlist.h). */
#include "shortlist.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* At most this many ids per table: 2^24 entries (64 MiB) is far beyond any
 * useful shortlist and keeps every size computation below in int32. */
#define SHORTLIST_MAX_ENTRIES (1 << 24)

s2s_status shortlist_new(shortlist **out, int32_t src_vocab, int32_t tgt_vocab,
                         const int32_t *frequent, int32_t n_frequent, const int32_t *candidates,
                         int32_t k, s2s_error *err) {
    if (!out) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (src_vocab < 1 || tgt_vocab < 1 || n_frequent < 0 || k < 0 ||
        n_frequent > SHORTLIST_MAX_ENTRIES || (k > 0 && src_vocab > SHORTLIST_MAX_ENTRIES / k) ||
        (n_frequent > 0 && !frequent) || (k > 0 && !candidates))
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "a shortlist needs at most %d frequent ids and %d candidates in all",
                        SHORTLIST_MAX_ENTRIES, SHORTLIST_MAX_ENTRIES);
    for (int32_t i = 0; i < n_frequent; i++)
        if (frequent[i] < 0 || frequent[i] >= tgt_vocab)
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                            "shortlist: frequent id %d is outside the target vocabulary (%d)",
                            (int)frequent[i], (int)tgt_vocab);
    size_t n_cand = (size_t)src_vocab * (size_t)k;
    for (size_t i = 0; i < n_cand; i++) {
        int32_t id = candidates[i];
        /* -1 pads the end of a row; an id after a pad would be a hole */
        int padded = i % (size_t)k > 0 && candidates[i - 1] == -1;
        if (id < -1 || id >= tgt_vocab || (padded && id != -1))
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                            "shortlist: candidate %d of source piece %d is invalid (%d)",
                            (int)(i % (size_t)k), (int)(i / (size_t)k), (int)id);
    }
    shortlist *sl = calloc(1, sizeof *sl);
    if (!sl) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    sl->src_vocab = src_vocab;
    sl->tgt_vocab = tgt_vocab;
    sl->n_frequent = n_frequent;
    sl->k = k;
    sl->frequent = malloc(sizeof(int32_t) * (size_t)(n_frequent ? n_frequent : 1));
    sl->candidates = malloc(sizeof(int32_t) * (n_cand ? n_cand : 1));
    if (!sl->frequent || !sl->candidates) {
        shortlist_free(sl);
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (n_frequent) memcpy(sl->frequent, frequent, sizeof(int32_t) * (size_t)n_frequent);
    if (n_cand) memcpy(sl->candidates, candidates, sizeof(int32_t) * n_cand);
    *out = sl;
    return S2S_OK;
}

s2s_status shortlist_clone(shortlist **out, const shortlist *sl, s2s_error *err) {
    return shortlist_new(out, sl->src_vocab, sl->tgt_vocab, sl->frequent, sl->n_frequent,
                         sl->candidates, sl->k, err);
}

void shortlist_free(shortlist *sl) {
    if (!sl) return;
    free(sl->frequent);
    free(sl->candidates);
    free(sl);
}

int32_t shortlist_max_ids(const shortlist *sl, int32_t src_len) {
    int64_t n = 1 + (int64_t)sl->n_frequent + (int64_t)src_len * sl->k;
    return n < sl->tgt_vocab ? (int32_t)n : sl->tgt_vocab;
}

static int by_id(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int32_t shortlist_ids(const shortlist *sl, const int32_t *src, int32_t len, int32_t *ids,
                      uint8_t *mark) {
    int32_t n = 0;
#define SHORTLIST_ADD(id)                                                                          \
    do {                                                                                           \
        int32_t id_ = (id);                                                                        \
        if (!mark[id_]) {                                                                          \
            mark[id_] = 1;                                                                         \
            ids[n++] = id_;                                                                        \
        }                                                                                          \
    } while (0)
    if (S2S_EOS < sl->tgt_vocab) SHORTLIST_ADD(S2S_EOS);
    for (int32_t i = 0; i < sl->n_frequent; i++) SHORTLIST_ADD(sl->frequent[i]);
    for (int32_t s = 0; s < len; s++) {
        const int32_t *row = sl->candidates + (size_t)src[s] * (size_t)sl->k;
        for (int32_t c = 0; c < sl->k && row[c] >= 0; c++) SHORTLIST_ADD(row[c]);
    }
#undef SHORTLIST_ADD
    /* ascending: a sweep over the marks when the list is long, else a sort;
     * either is cheap next to one output-layer row */
    if (n > sl->tgt_vocab / 8) {
        n = 0;
        for (int32_t id = 0; id < sl->tgt_vocab; id++)
            if (mark[id]) {
                mark[id] = 0;
                ids[n++] = id;
            }
        return n;
    }
    for (int32_t i = 0; i < n; i++) mark[ids[i]] = 0;
    qsort(ids, (size_t)n, sizeof *ids, by_id);
    return n;
}
