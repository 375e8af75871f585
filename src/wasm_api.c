/*
 * wasm_api.c — flat-argument wrappers over s2s.h for the JS side of the
 * WebAssembly build (src/js/engine.js). s2s.h stays the real API: these only
 * replace what JS cannot pass conveniently (structs by value, arrays of
 * pointers) with plain integers, floats and pointers into the module's memory.
 * Only the Emscripten build compiles this file (emscripten/build.sh); the
 * exported symbols are listed in emscripten/exports.txt.
 *
 * Conventions: every pointer is an offset into the module's memory that the
 * caller allocated with malloc and frees with free; `err` is an s2s_error
 * (status at offset 0, NUL-terminated message at offset 4).
 */
#include <malloc.h>
#include <stdlib.h>

#include "s2s.h"
#include "util.h"

/* Byte size of s2s_error, so JS allocates the right amount. */
int32_t s2sw_error_size(void) { return (int32_t)sizeof(s2s_error); }

/* Bytes the allocator currently hands out (dlmalloc's in-use count): the JS
 * tests use it to check that nothing leaks across calls. */
size_t s2sw_heap_used(void) {
    struct mallinfo mi = mallinfo();
    return (size_t)mi.uordblks;
}

/* The version of these exports' signatures and meanings. Bumped whenever one
 * changes, so that engine.js refuses a module built from other sources than
 * it (a stale dist/, a cached .wasm) instead of calling it wrongly:
 * 2: s2sw_translate_defaults takes the model (its own length penalty).
 * 3: s2sw_translate and s2sw_stream_start take block_repeats (after
 *    use_shortlist); s2sw_translate_defaults writes it as out[4].
 * 4: s2sw_translate takes rerank_model and rerank_weight (after
 *    block_repeats); s2sw_translate_defaults writes the weight as out[5]. */
#define S2SW_ABI_VERSION 4
int32_t s2sw_abi_version(void) { return S2SW_ABI_VERSION; }

static s2s_translate_params make_params(const s2s_model *model, int32_t beam, float length_penalty,
                                        float max_len_factor, int32_t max_len_extra,
                                        int32_t want_attention, int32_t use_shortlist,
                                        int32_t block_repeats) {
    s2s_translate_params p = s2s_translate_model_params(model);
    p.beam_size = beam;
    if (length_penalty >= 0.0f) p.length_penalty = length_penalty;  /* < 0: the model's default */
    if (max_len_factor > 0.0f) p.max_len_factor = max_len_factor;   /* <= 0: library default */
    if (max_len_extra >= 0) p.max_len_extra = max_len_extra;        /* < 0: library default */
    p.want_attention = want_attention;
    p.use_shortlist = use_shortlist != 0;
    if (block_repeats >= 0) p.block_repeats = block_repeats != 0;  /* < 0: the model's default */
    return p;
}

/* s2s_translate_model_params(model) into out[0..5]: beam (as float), length
 * penalty, max length factor, max length extra, block_repeats (as floats) and
 * rerank weight. */
void s2sw_translate_defaults(const s2s_model *model, float *out) {
    s2s_translate_params p = s2s_translate_model_params(model);
    out[0] = (float)p.beam_size;
    out[1] = p.length_penalty;
    out[2] = p.max_len_factor;
    out[3] = (float)p.max_len_extra;
    out[4] = (float)p.block_repeats;
    out[5] = p.rerank_weight;
}

/* s2s_translate_ids over n sentences packed one after another in `ids`
 * (sentence i has lens[i] ids). Negative length_penalty / max_len_extra /
 * block_repeats / rerank_weight and non-positive max_len_factor keep the
 * model's defaults; rerank_model 0 reranks nothing. */
s2s_status s2sw_translate(const s2s_model *model, int32_t n, const int32_t *ids,
                          const int32_t *lens, int32_t beam, float length_penalty,
                          float max_len_factor, int32_t max_len_extra, int32_t want_attention,
                          int32_t use_shortlist, int32_t block_repeats,
                          const s2s_model *rerank_model, float rerank_weight, s2s_result **out,
                          s2s_error *err) {
    if (!ids || !lens || !out || n < 1 || n > S2S_MAX_BATCH)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "translate 1 to %d sentences at a time",
                        S2S_MAX_BATCH);
    const int32_t **src = malloc(sizeof *src * (size_t)n);
    if (!src) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    size_t at = 0;
    for (int32_t i = 0; i < n; i++) {
        src[i] = ids + at;
        at += lens[i] > 0 ? (size_t)lens[i] : 0;
    }
    s2s_translate_params p =
        make_params(model, beam, length_penalty, max_len_factor, max_len_extra, want_attention, use_shortlist,
                    block_repeats);
    p.rerank_model = rerank_model;
    if (rerank_weight >= 0.0f) p.rerank_weight = rerank_weight;
    s2s_status st = s2s_translate_ids(model, n, src, lens, &p, out, err);
    free(src);
    return st;
}

/* want_attention: 2 keeps every head's attention (s2s_stream_attention_heads);
 * the one-row map is there whatever it is. */
s2s_status s2sw_stream_start(s2s_stream **out, const s2s_model *model, const int32_t *src,
                             int32_t src_len, float length_penalty, float max_len_factor,
                             int32_t max_len_extra, int32_t use_shortlist, int32_t block_repeats,
                             int32_t want_attention, s2s_error *err) {
    s2s_translate_params p = make_params(model, 1, length_penalty, max_len_factor, max_len_extra,
                                         want_attention, use_shortlist, block_repeats);
    return s2s_stream_start(out, model, src, src_len, &p, err);
}

/* A trainer with the library's defaults except the given learning rate,
 * dropout, label smoothing and seed (negative values keep the defaults). */
s2s_status s2sw_trainer_init(s2s_trainer **out, s2s_model *model, float learning_rate,
                             float dropout, float label_smoothing, int32_t seed,
                             s2s_error *err) {
    s2s_train_params p = s2s_train_default_params();
    p.learning_rate = learning_rate;
    if (dropout >= 0.0f) p.dropout = dropout;
    if (label_smoothing >= 0.0f) p.label_smoothing = label_smoothing;
    if (seed >= 0) p.seed = (uint64_t)seed;
    return s2s_trainer_init(out, model, &p, err);
}

/* One s2s_trainer_step over n pairs packed like s2sw_translate's input.
 * out2[0] gets the loss (float), out2[1] the target token count (int32). */
s2s_status s2sw_trainer_step(s2s_trainer *t, int32_t n, const int32_t *src_ids,
                             const int32_t *src_lens, const int32_t *tgt_ids,
                             const int32_t *tgt_lens, void *out2, s2s_error *err) {
    if (!t || n < 1 || n > S2S_MAX_BATCH || !src_ids || !src_lens || !tgt_ids || !tgt_lens ||
        !out2)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "train on 1 to %d pairs at a time",
                        S2S_MAX_BATCH);
    const int32_t **ptrs = malloc(sizeof *ptrs * 2 * (size_t)n);
    if (!ptrs) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    size_t a = 0, b = 0;
    for (int32_t i = 0; i < n; i++) {
        ptrs[i] = src_ids + a;
        ptrs[n + i] = tgt_ids + b;
        a += src_lens[i] > 0 ? (size_t)src_lens[i] : 0;
        b += tgt_lens[i] > 0 ? (size_t)tgt_lens[i] : 0;
    }
    s2s_batch batch = {.n = n, .src = ptrs, .src_len = src_lens, .tgt = ptrs + n,
                       .tgt_len = tgt_lens};
    float loss = 0.0f;
    int32_t tokens = 0;
    s2s_status st = s2s_trainer_step(t, &batch, &loss, &tokens, err);
    free(ptrs);
    ((float *)out2)[0] = loss;
    ((int32_t *)out2)[1] = tokens;
    return st;
}
