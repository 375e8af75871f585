/*
 * test_shortlist.c — the lexical shortlist: which ids a sentence gets, that
 * a list holding every id changes nothing, that outputs stay inside a short
 * list in greedy, beam and streaming search, that batching and chunking
 * change nothing, and that the list survives files and refuses bad tables.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "s2s.h"
#include "shortlist.h"
#include "testing.h"
#include "copy_task.h"
#include "util.h"

#define SYMBOLS 12
#define V (4 + SYMBOLS)
#define N_SENT 32

static int32_t src_store[N_SENT][12];
static int32_t src_len[N_SENT];
static const int32_t *src_ptr[N_SENT];

/* The copy task (copy_task.h), then the sentences the tests translate. */
static s2s_model *trained_copy_model(void) {
    s2s_hparams hp = {.src_vocab = V, .tgt_vocab = V, .emb_dim = 32, .enc_hidden = 32,
                      .dec_hidden = 64, .layers = 1, .bidirectional = 1, .cell = S2S_CELL_LSTM,
                      .attention = S2S_ATTN_BAHDANAU, .bridge = S2S_BRIDGE_PROJECT,
                      .input_feed = 1, .tie_output = 0};
    s2s_rng rng;
    s2s_rng_seed(&rng, 3);
    s2s_model *m = copy_task_model(&hp, 7, &rng, 150, SYMBOLS);
    for (int i = 0; i < N_SENT; i++) {
        src_len[i] = 1 + (int32_t)(s2s_rng_u32(&rng) % 11);
        for (int k = 0; k < src_len[i]; k++) src_store[i][k] = 4 + (int32_t)(s2s_rng_u32(&rng) % SYMBOLS);
        src_ptr[i] = src_store[i];
    }
    return m;
}

static s2s_model *model, *model_q8;

static s2s_model *copy_of(const s2s_model *m) {
    s2s_model *c = NULL;
    CHECK(s2s_model_clone(&c, m, NULL) == S2S_OK);
    return c;
}

/* Candidates of source piece s: s itself and s + 1 (a near miss the copy
 * model may prefer), no frequent ids: a sentence's list is small. */
static void set_narrow_shortlist(s2s_model *m) {
    int32_t cand[V * 2];
    for (int s = 0; s < V; s++) {
        cand[2 * s] = s >= 4 ? s : -1;
        cand[2 * s + 1] = s >= 4 && s + 1 < V ? s + 1 : -1;
    }
    CHECK(s2s_model_set_shortlist(m, NULL, 0, cand, 2, NULL) == S2S_OK);
}

/* Every id is frequent: the search scores exactly what it scores without. */
static void set_full_shortlist(s2s_model *m) {
    int32_t freq[V];
    for (int t = 0; t < V; t++) freq[t] = V - 1 - t; /* any order: ids come out sorted */
    CHECK(s2s_model_set_shortlist(m, freq, V, NULL, 0, NULL) == S2S_OK);
}

static int same_results(const s2s_result *a, const s2s_result *b, int n) {
    int same = 1;
    for (int i = 0; i < n; i++) {
        int32_t na, nb, ra, ca, rb, cb;
        const int32_t *ta = s2s_result_tokens(a, i, &na), *tb = s2s_result_tokens(b, i, &nb);
        const float *la = s2s_result_token_logprobs(a, i), *lb = s2s_result_token_logprobs(b, i);
        const float *aa = s2s_result_attention(a, i, &ra, &ca), *ab = s2s_result_attention(b, i, &rb, &cb);
        same = same && na == nb && !memcmp(ta, tb, sizeof *ta * (size_t)na) &&
               !memcmp(la, lb, sizeof *la * (size_t)(na + 1)) &&
               s2s_result_score(a, i) == s2s_result_score(b, i) && ra == rb && ca == cb &&
               (!aa || !memcmp(aa, ab, sizeof *aa * (size_t)ra * (size_t)ca));
    }
    return same;
}

static s2s_result *translate(const s2s_model *m, int n, const int32_t *const *src,
                             const int32_t *len, int beam, int use_shortlist) {
    s2s_translate_params p = s2s_translate_default_params();
    p.beam_size = beam;
    p.want_attention = 1;
    p.use_shortlist = use_shortlist;
    s2s_result *r = NULL;
    CHECK(s2s_translate_ids(m, n, src, len, &p, &r, NULL) == S2S_OK);
    return r;
}

static void ids_are_sorted_unique_and_hold_eos_frequent_and_candidates(void) {
    int32_t freq[] = {9, 5, 9};
    int32_t cand[V * 3];
    for (int i = 0; i < V * 3; i++) cand[i] = -1;
    cand[7 * 3] = 12;
    cand[7 * 3 + 1] = 5;
    cand[8 * 3] = 14;
    shortlist *sl = NULL;
    CHECK(shortlist_new(&sl, V, V, freq, 3, cand, 3, NULL) == S2S_OK);
    if (!sl) return;
    int32_t src[] = {8, 7, 7, 4};
    int32_t ids[V];
    uint8_t mark[V] = {0};
    CHECK(shortlist_max_ids(sl, 4) >= 6);
    int32_t n = shortlist_ids(sl, src, 4, ids, mark);
    int32_t want[] = {S2S_EOS, 5, 9, 12, 14};
    CHECK(n == 5 && !memcmp(ids, want, sizeof want));
    int clean = 1;
    for (int t = 0; t < V; t++) clean = clean && mark[t] == 0;
    CHECK(clean);
    shortlist_free(sl);
}

static void bad_tables_are_refused(void) {
    s2s_model *m = copy_of(model);
    int32_t freq_bad[] = {4, V};
    s2s_error err = {0};
    CHECK(s2s_model_set_shortlist(m, freq_bad, 2, NULL, 0, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "frequent") != NULL);
    int32_t cand[V * 2];
    for (int i = 0; i < V * 2; i++) cand[i] = 4;
    cand[5 * 2] = -1; /* a hole: -1 then an id */
    CHECK(s2s_model_set_shortlist(m, NULL, 0, cand, 2, &err) == S2S_ERR_INVALID_ARGUMENT);
    cand[5 * 2] = -2;
    CHECK(s2s_model_set_shortlist(m, NULL, 0, cand, 2, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(s2s_model_set_shortlist(m, NULL, 3, NULL, 0, &err) == S2S_ERR_INVALID_ARGUMENT);
    CHECK(!s2s_model_shortlist(m, NULL, NULL)); /* nothing half set */
    s2s_model_free(m);
}

/* Same tokens, and log-probabilities within tol (0: bit for bit). */
static int same_tokens(const s2s_result *a, const s2s_result *b, int n, float tol) {
    int same = 1;
    for (int i = 0; i < n; i++) {
        int32_t na, nb;
        const int32_t *ta = s2s_result_tokens(a, i, &na), *tb = s2s_result_tokens(b, i, &nb);
        const float *la = s2s_result_token_logprobs(a, i), *lb = s2s_result_token_logprobs(b, i);
        same = same && na == nb && !memcmp(ta, tb, sizeof *ta * (size_t)na);
        for (int k = 0; same && k <= na; k++) same = fabsf(la[k] - lb[k]) <= tol;
    }
    return same;
}

/* int8: the output layer's sums are exact integers, so scoring a subset of
 * rows gives the very same logits. f32: one row goes through the matrix-
 * vector kernel instead of the GEMM, whose sums run in another order. */
static void a_shortlist_of_every_id_changes_nothing(void) {
    const s2s_model *models[2] = {model, model_q8};
    for (int q = 0; q < 2; q++) {
        s2s_model *m = copy_of(models[q]);
        set_full_shortlist(m);
        for (int beam = 1; beam <= 3; beam += 2) {
            s2s_result *a = translate(models[q], N_SENT, src_ptr, src_len, beam, 1);
            s2s_result *b = translate(m, N_SENT, src_ptr, src_len, beam, 1);
            CHECK(a && b && (q ? same_results(a, b, N_SENT) : same_tokens(a, b, N_SENT, 1e-5f)));
            s2s_result_free(a);
            s2s_result_free(b);
        }
        s2s_model_free(m);
    }
}

static void outputs_stay_inside_a_narrow_shortlist(void) {
    s2s_model *m = copy_of(model_q8);
    set_narrow_shortlist(m);
    for (int beam = 1; beam <= 4; beam += 3) {
        s2s_result *r = translate(m, N_SENT, src_ptr, src_len, beam, 1);
        int inside = 1;
        for (int i = 0; r && i < N_SENT; i++) {
            int32_t allowed[V], n_allowed = s2s_model_shortlist_ids(m, src_ptr[i], src_len[i], allowed, V);
            CHECK(n_allowed >= 2 && allowed[0] == S2S_EOS);
            int32_t n;
            const int32_t *tok = s2s_result_tokens(r, i, &n);
            const float *lp = s2s_result_token_logprobs(r, i);
            for (int k = 0; k < n; k++) {
                int found = 0;
                for (int j = 0; j < n_allowed; j++) found |= allowed[j] == tok[k];
                inside = inside && found && lp[k] <= 0.0f;
            }
        }
        CHECK(inside);
        /* turning it off gives what the model without a list gives */
        s2s_result *off = translate(m, N_SENT, src_ptr, src_len, beam, 0);
        s2s_result *plain = translate(model_q8, N_SENT, src_ptr, src_len, beam, 1);
        CHECK(off && plain && same_results(off, plain, N_SENT));
        s2s_result_free(r);
        s2s_result_free(off);
        s2s_result_free(plain);
    }
    s2s_model_free(m);
}

static void batching_does_not_change_shortlisted_results(void) {
    s2s_model *m = copy_of(model_q8);
    set_narrow_shortlist(m);
    for (int beam = 1; beam <= 3; beam += 2) {
        s2s_result *all = translate(m, N_SENT, src_ptr, src_len, beam, 1);
        int same = all != NULL;
        for (int i = 0; all && i < N_SENT; i++) {
            s2s_result *one = translate(m, 1, &src_ptr[i], &src_len[i], beam, 1);
            int32_t na, nb;
            const int32_t *ta = s2s_result_tokens(all, i, &na), *tb = s2s_result_tokens(one, 0, &nb);
            same = same && one && na == nb && !memcmp(ta, tb, sizeof *ta * (size_t)na) &&
                   s2s_result_score(all, i) == s2s_result_score(one, 0);
            s2s_result_free(one);
        }
        CHECK(same);
        s2s_result_free(all);
    }
    s2s_model_free(m);
}

/* A large vocabulary makes each sentence's gathered layer about 4 MB, so a
 * request is split into several chunks by the byte budget: the results
 * must not show it. */
static void chunking_by_bytes_does_not_change_results(void) {
    s2s_hparams hp = {.src_vocab = 4096, .tgt_vocab = 4096, .emb_dim = 16, .enc_hidden = 256,
                      .dec_hidden = 256, .layers = 1, .bidirectional = 0, .cell = S2S_CELL_GRU,
                      .attention = S2S_ATTN_LUONG_DOT, .bridge = S2S_BRIDGE_ZERO,
                      .input_feed = 0, .tie_output = 0};
    s2s_model *m = NULL;
    CHECK(s2s_model_init(&m, &hp, 11, 0.5f, NULL) == S2S_OK);
    if (!m) return;
    int32_t *freq = malloc(sizeof(int32_t) * 4000);
    for (int t = 0; t < 4000; t++) freq[t] = 4 + t;
    CHECK(s2s_model_set_shortlist(m, freq, 4000, NULL, 0, NULL) == S2S_OK);
    free(freq);
    enum { N = 24 };
    int32_t store[N][6], len[N];
    const int32_t *ptr[N];
    s2s_rng rng;
    s2s_rng_seed(&rng, 9);
    for (int i = 0; i < N; i++) {
        len[i] = 2 + (int32_t)(s2s_rng_u32(&rng) % 5);
        for (int k = 0; k < len[i]; k++) store[i][k] = 4 + (int32_t)(s2s_rng_u32(&rng) % 4000);
        ptr[i] = store[i];
    }
    s2s_translate_params p = s2s_translate_default_params();
    p.max_len_factor = 1.0f;
    p.max_len_extra = 3;
    s2s_result *all = NULL;
    CHECK(s2s_translate_ids(m, N, ptr, len, &p, &all, NULL) == S2S_OK);
    int same = all != NULL;
    for (int i = 0; all && i < N; i++) {
        s2s_result *one = NULL;
        CHECK(s2s_translate_ids(m, 1, &ptr[i], &len[i], &p, &one, NULL) == S2S_OK);
        int32_t na, nb;
        const int32_t *ta = s2s_result_tokens(all, i, &na), *tb = s2s_result_tokens(one, 0, &nb);
        same = same && one && na == nb && !memcmp(ta, tb, sizeof *ta * (size_t)na);
        s2s_result_free(one);
    }
    CHECK(same);
    s2s_result_free(all);
    s2s_model_free(m);
}

/* The search is family-free: a Transformer gets the same shortlist. Random
 * weights (scale 0.5) give spread-out choices, so a narrow list matters. */
static void a_transformer_uses_the_shortlist_too(void) {
    s2s_hparams hp = {.src_vocab = V, .tgt_vocab = V, .emb_dim = 32, .enc_hidden = 32,
                      .dec_hidden = 32, .layers = 1, .architecture = S2S_ARCH_TRANSFORMER,
                      .heads = 2, .ff_dim = 64, .dec_layers = 1, .positions = S2S_POS_SINUSOIDAL,
                      .activation = S2S_ACT_RELU};
    s2s_model *f32 = NULL, *tf = NULL;
    CHECK(s2s_model_init(&f32, &hp, 5, 0.5f, NULL) == S2S_OK);
    CHECK(f32 && s2s_model_quantize(&tf, f32, NULL) == S2S_OK);
    s2s_model_free(f32);
    if (!tf) return;
    s2s_model *full = copy_of(tf), *narrow = copy_of(tf);
    set_full_shortlist(full);
    set_narrow_shortlist(narrow);
    for (int beam = 1; beam <= 3; beam += 2) {
        s2s_result *a = translate(tf, N_SENT, src_ptr, src_len, beam, 1);
        s2s_result *b = translate(full, N_SENT, src_ptr, src_len, beam, 1);
        CHECK(a && b && same_results(a, b, N_SENT));
        s2s_result *c = translate(narrow, N_SENT, src_ptr, src_len, beam, 1);
        int inside = c != NULL, outside_without = 0; /* the list must have mattered */
        for (int i = 0; c && i < N_SENT; i++) {
            int32_t allowed[V], n_allowed = s2s_model_shortlist_ids(narrow, src_ptr[i], src_len[i], allowed, V);
            for (int with = 0; with < 2; with++) {
                int32_t n;
                const int32_t *tok = s2s_result_tokens(with ? c : a, i, &n);
                for (int k = 0; k < n; k++) {
                    int found = 0;
                    for (int j = 0; j < n_allowed; j++) found |= allowed[j] == tok[k];
                    if (with) inside = inside && found;
                    else outside_without += !found;
                }
            }
        }
        CHECK(inside);
        CHECK(outside_without > 0);
        s2s_result_free(a);
        s2s_result_free(b);
        s2s_result_free(c);
    }
    s2s_model_free(full);
    s2s_model_free(narrow);
    s2s_model_free(tf);
}

static void streaming_matches_greedy_with_a_shortlist(void) {
    s2s_model *m = copy_of(model_q8);
    set_narrow_shortlist(m);
    s2s_result *r = translate(m, N_SENT, src_ptr, src_len, 1, 1);
    s2s_translate_params p = s2s_translate_default_params();
    int same = r != NULL;
    for (int i = 0; r && i < N_SENT; i++) {
        s2s_stream *s = NULL;
        CHECK(s2s_stream_start(&s, m, src_ptr[i], src_len[i], &p, NULL) == S2S_OK);
        int32_t n;
        const int32_t *tok = s2s_result_tokens(r, i, &n);
        const float *lp = s2s_result_token_logprobs(r, i);
        for (int k = 0; s && k <= n; k++) {
            int32_t t, done;
            float logprob;
            CHECK(s2s_stream_next(s, &t, &logprob, &done, NULL) == S2S_OK);
            same = same && t == (k < n ? tok[k] : S2S_EOS) && logprob == lp[k] && done == (k == n);
        }
        s2s_stream_free(s);
    }
    CHECK(same);
    s2s_result_free(r);
    s2s_model_free(m);
}

/* Re-write a saved file with `key` dropped, or its I32 value replaced. */
static uint8_t *rewrite(const uint8_t *data, size_t size, const char *key, int drop, int32_t value,
                        size_t *out_size) {
    format_file f;
    CHECK(format_parse(&f, data, size, NULL) == S2S_OK);
    format_writer *w = format_writer_new();
    for (uint32_t i = 0; i < f.n_kv; i++) {
        const format_kv *kv = &f.kv[i];
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)kv->key.len, kv->key.ptr);
        int match = !strcmp(name, key);
        if (match && drop) continue;
        if (kv->type == FORMAT_I32) {
            format_writer_add_i32(w, name, match ? value : format_kv_i32_at(kv, 0));
        } else if (kv->type == FORMAT_I32_ARRAY) {
            int32_t *v = malloc(sizeof(int32_t) * (kv->count + 1));
            for (uint32_t j = 0; j < kv->count; j++) v[j] = format_kv_i32_at(kv, j);
            format_writer_add_i32_array(w, name, v, kv->count);
            free(v);
        } else if (kv->type == FORMAT_F32_ARRAY) {
            float *v = malloc(sizeof(float) * (kv->count + 1));
            for (uint32_t j = 0; j < kv->count; j++) v[j] = format_kv_f32_at(kv, j);
            format_writer_add_f32_array(w, name, v, kv->count);
            free(v);
        } else if (kv->type == FORMAT_STR) {
            const uint8_t *cur = NULL;
            format_str s = format_kv_str_next(kv, &cur);
            char *v = malloc(s.len + 1);
            memcpy(v, s.ptr, s.len);
            v[s.len] = '\0';
            format_writer_add_str(w, name, v);
            free(v);
        }
    }
    for (uint32_t i = 0; i < f.n_tensors; i++) {
        const format_tensor *t = &f.tensors[i];
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)t->name.len, t->name.ptr);
        format_writer_add_tensor(w, name, t->dtype, t->n_dims, t->dims, t->data);
    }
    uint8_t *out = NULL;
    CHECK(format_writer_finish(w, &out, out_size, NULL) == S2S_OK);
    format_writer_free(w);
    format_file_clear(&f);
    return out;
}

static void the_shortlist_survives_files_and_bad_ones_are_refused(void) {
    s2s_model *m = copy_of(model_q8);
    set_narrow_shortlist(m);
    uint8_t *data = NULL;
    size_t size = 0;
    CHECK(s2s_model_save(m, &data, &size, NULL) == S2S_OK);
    s2s_model *back = NULL;
    CHECK(s2s_model_load(&back, data, size, NULL) == S2S_OK);
    int32_t nf = -1, k = -1;
    CHECK(back && s2s_model_shortlist(back, &nf, &k) && nf == 0 && k == 2);
    s2s_result *a = translate(m, N_SENT, src_ptr, src_len, 3, 1);
    s2s_result *b = back ? translate(back, N_SENT, src_ptr, src_len, 3, 1) : NULL;
    CHECK(a && b && same_results(a, b, N_SENT));
    s2s_result_free(a);
    s2s_result_free(b);
    s2s_model_free(back);
    /* a file without the shortlist loads without one; half a shortlist, a
     * wrong k or a bad id is a bad file */
    size_t n = 0;
    uint8_t *bad = rewrite(data, size, "shortlist.k", 0, 3, &n);
    s2s_error err = {0};
    back = NULL;
    CHECK(s2s_model_load(&back, bad, n, &err) == S2S_ERR_BAD_FORMAT && !back);
    CHECK(strstr(err.message, "shortlist") != NULL);
    free(bad);
    bad = rewrite(data, size, "shortlist.candidates", 1, 0, &n);
    CHECK(s2s_model_load(&back, bad, n, &err) == S2S_ERR_BAD_FORMAT && !back);
    free(bad);
    s2s_model_set_shortlist(m, NULL, 0, NULL, 0, NULL);
    CHECK(!s2s_model_shortlist(m, NULL, NULL));
    free(data);
    CHECK(s2s_model_save(m, &data, &size, NULL) == S2S_OK);
    CHECK(s2s_model_load(&back, data, size, NULL) == S2S_OK && !s2s_model_shortlist(back, NULL, NULL));
    s2s_model_free(back);
    free(data);
    s2s_model_free(m);
}

int main(void) {
    model = trained_copy_model();
    CHECK(s2s_model_quantize(&model_q8, model, NULL) == S2S_OK);
    RUN(ids_are_sorted_unique_and_hold_eos_frequent_and_candidates);
    RUN(bad_tables_are_refused);
    RUN(a_shortlist_of_every_id_changes_nothing);
    RUN(outputs_stay_inside_a_narrow_shortlist);
    RUN(batching_does_not_change_shortlisted_results);
    RUN(chunking_by_bytes_does_not_change_results);
    RUN(a_transformer_uses_the_shortlist_too);
    RUN(streaming_matches_greedy_with_a_shortlist);
    RUN(the_shortlist_survives_files_and_bad_ones_are_refused);
    s2s_model_free(model);
    s2s_model_free(model_q8);
    return tests_exit_code();
}
