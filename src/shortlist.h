/*
 * shortlist.h — a lexical shortlist: for one source sentence, the target
 * pieces its translation can plausibly use, so the output layer scores a
 * few hundred rows instead of the whole vocabulary (the practice of Marian
 * and Bergamot). It is the union of EOS, the most frequent target pieces and
 * the top translation candidates of each source piece, learned from the
 * training data by `s2s shortlist` (src/cli/cli_shortlist.c).
 *
 * Ids come out sorted, so a search over them breaks ties between equal
 * logits exactly as the search over the whole vocabulary does (lowest id
 * first): wherever the full search's choice is in the list, both agree.
 */
#ifndef S2S_SHORTLIST_H
#define S2S_SHORTLIST_H

#include <stdint.h>
#include "s2s.h"

typedef struct shortlist {
    int32_t src_vocab, tgt_vocab;
    int32_t n_frequent;
    int32_t *frequent;     /* (n_frequent) target ids, always allowed */
    int32_t k;             /* candidates per source piece */
    int32_t *candidates;   /* (src_vocab, k) target ids, best first; -1 pads a short row */
} shortlist;

/* Validates and copies the tables (ids in range, -1 only as padding). */
s2s_status shortlist_new(shortlist **out, int32_t src_vocab, int32_t tgt_vocab,
                         const int32_t *frequent, int32_t n_frequent, const int32_t *candidates,
                         int32_t k, s2s_error *err);
s2s_status shortlist_clone(shortlist **out, const shortlist *sl, s2s_error *err);
void shortlist_free(shortlist *sl); /* accepts NULL */

/* The most ids one sentence can get: bounds the buffers of shortlist_ids. */
int32_t shortlist_max_ids(const shortlist *sl, int32_t src_len);

/* The allowed target ids of a source sentence, ascending and unique, into
 * ids (shortlist_max_ids(sl, len) room); returns their number. `mark` is
 * tgt_vocab bytes of zeros, left zeroed. Source ids must be in range. */
int32_t shortlist_ids(const shortlist *sl, const int32_t *src, int32_t len, int32_t *ids,
                      uint8_t *mark);

#endif /* S2S_SHORTLIST_H */
