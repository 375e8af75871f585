/*
 * model.c — hyper-parameters, the flat parameter layout, model files,
 * quantization, metadata and the vocabulary attached to a model.
 */
#include "model.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "format.h"
#include "util.h"

/* ------------------------------------------------------- hyper-parameters */

s2s_hparams s2s_hparams_default(void) {
    s2s_hparams hp = {
        .src_vocab = 8000, .tgt_vocab = 8000, .emb_dim = 256, .enc_hidden = 256,
        .dec_hidden = 256, .layers = 1, .bidirectional = 1, .cell = S2S_CELL_LSTM,
        .attention = S2S_ATTN_BAHDANAU, .bridge = S2S_BRIDGE_PROJECT, .input_feed = 1,
        .tie_output = 0, .architecture = S2S_ARCH_RNN,
    };
    return hp;
}

/* The hyper-parameter key table: the one list of names, ranges and defaults.
 * Files, validation, JS (s2s_hparam_*) and the CLI all read it. */
static const char *const cell_names[] = {"rnn", "lstm", "gru"};
static const char *const attention_names[] = {"none", "bahdanau", "luong-dot", "luong-general"};
static const char *const bridge_names[] = {"copy", "project", "zero"};
static const char *const architecture_names[] = {"rnn", "transformer"};
static const char *const positions_names[] = {"sinusoidal", "learned"};
static const char *const activation_names[] = {"relu", "gelu"};

typedef struct hparam_spec {
    const char *key;          /* field name; the file key is "s2s." + key */
    size_t offset;            /* in s2s_hparams */
    int required;             /* in every file; otherwise a missing key reads as `absent` */
    int32_t absent;
    int32_t min, max;
    const char *const *names; /* enum fields: the name of each value min..max (min is 0) */
} hparam_spec;

#define HP(field) #field, offsetof(s2s_hparams, field)
static const hparam_spec hparam_table[] = {
    {HP(src_vocab), 1, 0, 4, S2S_MAX_VOCAB, NULL},
    {HP(tgt_vocab), 1, 0, 4, S2S_MAX_VOCAB, NULL},
    {HP(emb_dim), 1, 0, 1, S2S_MAX_DIM, NULL},
    {HP(enc_hidden), 1, 0, 1, S2S_MAX_DIM, NULL},
    {HP(dec_hidden), 1, 0, 1, S2S_MAX_DIM, NULL},
    {HP(layers), 1, 0, 1, S2S_MAX_LAYERS, NULL},
    {HP(bidirectional), 1, 0, 0, 1, NULL},
    {HP(cell), 1, 0, S2S_CELL_RNN, S2S_CELL_GRU, cell_names},
    {HP(attention), 1, 0, S2S_ATTN_NONE, S2S_ATTN_LUONG_GENERAL, attention_names},
    {HP(bridge), 1, 0, S2S_BRIDGE_COPY, S2S_BRIDGE_ZERO, bridge_names},
    {HP(input_feed), 1, 0, 0, 1, NULL},
    {HP(tie_output), 1, 0, 0, 1, NULL},
    {HP(architecture), 0, S2S_ARCH_RNN, S2S_ARCH_RNN, S2S_ARCH_TRANSFORMER, architecture_names},
    /* the Transformer's: absent (0) from RNN files, whose family requires 0 */
    {HP(heads), 0, 0, 0, 256, NULL},
    {HP(ff_dim), 0, 0, 0, 4 * S2S_MAX_DIM, NULL},
    {HP(dec_layers), 0, 0, 0, S2S_MAX_LAYERS, NULL},
    {HP(positions), 0, S2S_POS_SINUSOIDAL, S2S_POS_SINUSOIDAL, S2S_POS_LEARNED, positions_names},
    {HP(max_positions), 0, 0, 0, 8192, NULL},
    {HP(activation), 0, S2S_ACT_RELU, S2S_ACT_RELU, S2S_ACT_GELU, activation_names},
};
#undef HP
#define N_HPARAMS ((int)(sizeof hparam_table / sizeof hparam_table[0]))
static_assert(sizeof(s2s_hparams) == sizeof hparam_table / sizeof hparam_table[0] * sizeof(int32_t),
              "hparam_table must list every field of s2s_hparams");

static int32_t *hparam_field(s2s_hparams *hp, int i) {
    return (int32_t *)(void *)((char *)hp + hparam_table[i].offset);
}

int32_t s2s_hparam_count(void) { return N_HPARAMS; }

const char *s2s_hparam_key(int32_t i) { return i >= 0 && i < N_HPARAMS ? hparam_table[i].key : NULL; }

int32_t s2s_hparam_get(const s2s_hparams *hp, int32_t i) {
    if (!hp || i < 0 || i >= N_HPARAMS) return 0;
    return *hparam_field((s2s_hparams *)(uintptr_t)hp, i);
}

const char *s2s_hparam_value_name(int32_t i, int32_t value) {
    if (i < 0 || i >= N_HPARAMS || !hparam_table[i].names) return NULL;
    const hparam_spec *h = &hparam_table[i];
    return value >= h->min && value <= h->max ? h->names[value - h->min] : NULL;
}

int32_t s2s_hparam_find(const char *key) {
    for (int i = 0; key && i < N_HPARAMS; i++)
        if (strcmp(hparam_table[i].key, key) == 0) return i;
    return -1;
}

/* "rnn, lstm, gru" into buf: the names an enum field accepts. */
static const char *value_names(char *buf, size_t size, const hparam_spec *h) {
    size_t at = 0;
    buf[0] = '\0';
    for (int32_t v = h->min; v <= h->max && at < size; v++) {
        int n = snprintf(buf + at, size - at, "%s%s", v > h->min ? ", " : "", h->names[v - h->min]);
        if (n < 0) break;
        at += (size_t)n;
    }
    return buf;
}

s2s_status s2s_hparams_validate(const s2s_hparams *hp, s2s_error *err) {
    if (!hp) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "hparams is NULL");
    for (int i = 0; i < N_HPARAMS; i++) {
        const hparam_spec *h = &hparam_table[i];
        int32_t v = s2s_hparam_get(hp, i);
        if (v >= h->min && v <= h->max) continue;
        char names[128];
        if (h->names)
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "%s must be one of %s (got %d)", h->key,
                            value_names(names, sizeof names, h), (int)v);
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "%s must be in [%d, %d] (got %d)", h->key,
                        (int)h->min, (int)h->max, (int)v);
    }
    return arch_of(hp)->validate(hp, err);
}

/* ----------------------------------------------------------------- layout */

/* The tensor order is the family's (arch.h); everything that needs the
 * layout goes through here. */
void model_walk(const s2s_hparams *hp, weights *w, model_visit_fn visit, void *ctx) {
    arch_of(hp)->walk(hp, w, visit, ctx);
}

typedef struct bind_ctx {
    float *next;
} bind_ctx;

static void bind_visit(void *ctx, const char *name, int rows, int cols, matrix *m, float **v) {
    bind_ctx *b = ctx;
    (void)name;
    if (m) {
        m->f = b->next;
        m->qscale = NULL;
        m->q = NULL;
        m->rows = rows;
        m->cols = cols;
        b->next += (size_t)rows * (size_t)cols;
    } else {
        *v = b->next;
        b->next += (size_t)rows;
    }
}

void weights_bind_f32(weights *w, const s2s_hparams *hp, float *base) {
    memset(w, 0, sizeof *w);
    bind_ctx b = {base};
    model_walk(hp, w, bind_visit, &b);
}

static void count_visit(void *ctx, const char *name, int rows, int cols, matrix *m, float **v) {
    (void)name, (void)m, (void)v;
    *(size_t *)ctx += (size_t)rows * (size_t)(cols > 0 ? cols : 1);
}

size_t model_param_count(const s2s_hparams *hp) {
    weights scratch;
    size_t n = 0;
    memset(&scratch, 0, sizeof scratch);
    model_walk(hp, &scratch, count_visit, &n);
    return n;
}

void matrix_row_f32(float *out, const matrix *m, int row) {
    if (m->q) {
        kernel_dequantize_q8(out, m->q + (size_t)row * (size_t)m->cols, m->qscale[row], m->cols);
    } else {
        memcpy(out, m->f + (size_t)row * (size_t)m->cols, sizeof(float) * (size_t)m->cols);
    }
}

/* ------------------------------------------------------------ init / free */

static s2s_model *model_alloc(const s2s_hparams *hp) {
    s2s_model *m = calloc(1, sizeof *m);
    if (m) m->hp = *hp;
    return m;
}

void s2s_model_free(s2s_model *model) {
    if (!model) return;
    free(model->params);
    free(model->qparams);
    free(model->file);
    tokenizer_free(model->tok);
    for (int i = 0; i < model->n_meta; i++) {
        free(model->meta[i].key);
        free(model->meta[i].value);
    }
    free(model->meta);
    shortlist_free(model->sl);
    free(model);
}

s2s_status s2s_model_init(s2s_model **out, const s2s_hparams *hp, uint64_t seed, float scale,
                          s2s_error *err) {
    if (!out) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    s2s_status st = s2s_hparams_validate(hp, err);
    if (st) return st;
    if (!(scale >= 0.0f && scale <= 10.0f))
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "init scale must be in [0, 10]");
    s2s_model *m = model_alloc(hp);
    if (!m) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    m->n_params = model_param_count(hp);
    m->params = malloc(s2s_mul_size(m->n_params, sizeof(float)));
    if (!m->params) {
        size_t n = m->n_params;
        s2s_model_free(m);
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for %zu parameters", n);
    }
    s2s_rng rng;
    s2s_rng_seed(&rng, seed);
    for (size_t i = 0; i < m->n_params; i++)
        m->params[i] = (2.0f * s2s_rng_uniform(&rng) - 1.0f) * scale;
    weights_bind_f32(&m->w, hp, m->params);
    if (arch_of(hp)->init) arch_of(hp)->init(m);
    *out = m;
    return S2S_OK;
}

const s2s_hparams *s2s_model_hparams(const s2s_model *model) { return model ? &model->hp : NULL; }
int s2s_model_is_quantized(const s2s_model *model) { return model && model->n_qbytes > 0; }
size_t s2s_model_num_params(const s2s_model *model) {
    return model ? model_param_count(&model->hp) : 0;
}

/* --------------------------------------------------------------- metadata */

const char *s2s_model_meta(const s2s_model *model, const char *key) {
    if (!model || !key) return NULL;
    for (int i = 0; i < model->n_meta; i++)
        if (strcmp(model->meta[i].key, key) == 0) return model->meta[i].value;
    return NULL;
}

int s2s_model_remove_meta(s2s_model *model, const char *key) {
    if (!model || !key) return 0;
    for (int i = 0; i < model->n_meta; i++) {
        if (strcmp(model->meta[i].key, key) == 0) {
            free(model->meta[i].key);
            free(model->meta[i].value);
            model->meta[i] = model->meta[--model->n_meta]; /* the order carries no meaning */
            return 1;
        }
    }
    return 0;
}

static char *str_dup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

s2s_status s2s_model_set_meta(s2s_model *model, const char *key, const char *value,
                              s2s_error *err) {
    if (!model || !key || !value)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "model, key and value must be non-NULL");
    if (key[0] == '\0' || strlen(key) > 200 || strlen(value) > (1u << 20))
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "meta keys are 1-200 bytes and values at most 1 MiB");
    char *v = str_dup(value);
    if (!v) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < model->n_meta; i++) {
        if (strcmp(model->meta[i].key, key) == 0) {
            free(model->meta[i].value);
            model->meta[i].value = v;
            return S2S_OK;
        }
    }
    char *k = str_dup(key);
    meta_entry *grown = realloc(model->meta, sizeof *grown * (size_t)(model->n_meta + 1));
    if (!k || !grown) {
        free(k);
        free(v);
        if (grown) model->meta = grown;
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    }
    model->meta = grown;
    model->meta[model->n_meta].key = k;
    model->meta[model->n_meta].value = v;
    model->n_meta++;
    return S2S_OK;
}

/* -------------------------------------------------------------- shortlist */

s2s_status s2s_model_set_shortlist(s2s_model *model, const int32_t *frequent, int32_t n_frequent,
                                   const int32_t *candidates, int32_t k, s2s_error *err) {
    if (!model) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "model is NULL");
    shortlist *sl = NULL;
    if (n_frequent != 0 || k != 0) {
        s2s_status st = shortlist_new(&sl, model->hp.src_vocab, model->hp.tgt_vocab, frequent,
                                      n_frequent, candidates, k, err);
        if (st) return st;
    }
    shortlist_free(model->sl);
    model->sl = sl;
    return S2S_OK;
}

int s2s_model_shortlist(const s2s_model *model, int32_t *n_frequent, int32_t *k) {
    const shortlist *sl = model ? model->sl : NULL;
    if (n_frequent) *n_frequent = sl ? sl->n_frequent : 0;
    if (k) *k = sl ? sl->k : 0;
    return sl != NULL;
}

int32_t s2s_model_shortlist_ids(const s2s_model *model, const int32_t *src, int32_t len,
                                int32_t *ids, int32_t cap) {
    if (!model || !model->sl || !ids || len < 0 || (len > 0 && !src)) return -1;
    const shortlist *sl = model->sl;
    if (cap < shortlist_max_ids(sl, len)) return -1;
    for (int32_t i = 0; i < len; i++)
        if (src[i] < 0 || src[i] >= sl->src_vocab) return -1;
    uint8_t *mark = calloc((size_t)sl->tgt_vocab, 1);
    if (!mark) return -1;
    int32_t n = shortlist_ids(sl, src, len, ids, mark);
    free(mark);
    return n;
}

/* ------------------------------------------------------------- vocabulary */

s2s_status s2s_model_set_vocab(s2s_model *model, int32_t n, const char *const *pieces,
                               const float *scores, const int32_t *types, s2s_error *err) {
    if (!model) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "model is NULL");
    if (n != model->hp.src_vocab || n != model->hp.tgt_vocab)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "the vocabulary has %d pieces but the model's vocabularies are %d and %d",
                        (int)n, (int)model->hp.src_vocab, (int)model->hp.tgt_vocab);
    tokenizer *tok = NULL;
    s2s_status st = tokenizer_init(&tok, n, pieces, scores, types, err);
    if (st) return st;
    tokenizer_free(model->tok);
    model->tok = tok;
    return S2S_OK;
}

int s2s_model_has_vocab(const s2s_model *model) { return model && model->tok; }

s2s_status s2s_encode(const s2s_model *model, const char *text, size_t len, int32_t *ids,
                      int32_t cap, int32_t *n_out, s2s_error *err) {
    if (!model || (!text && len) || (!ids && cap) || !n_out || cap < 0)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "invalid arguments to s2s_encode");
    if (!model->tok)
        return s2s_fail(err, S2S_ERR_UNSUPPORTED, "this model carries no vocabulary");
    return tokenizer_encode(model->tok, text ? text : "", len, ids, cap, n_out, err);
}

s2s_status s2s_decode(const s2s_model *model, const int32_t *ids, int32_t n, char **out_text,
                      s2s_error *err) {
    if (!model || (!ids && n) || n < 0 || !out_text)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "invalid arguments to s2s_decode");
    *out_text = NULL;
    if (!model->tok)
        return s2s_fail(err, S2S_ERR_UNSUPPORTED, "this model carries no vocabulary");
    return tokenizer_decode(model->tok, ids, n, out_text, err);
}

const char *s2s_piece(const s2s_model *model, int32_t id) {
    return model && model->tok ? tokenizer_piece(model->tok, id) : NULL;
}

/* ------------------------------------------------------------------- save */

typedef struct save_ctx {
    format_writer *fw;
} save_ctx;

static void save_visit(void *ctx, const char *name, int rows, int cols, matrix *m, float **v) {
    save_ctx *s = ctx;
    if (m) {
        uint32_t shape[2] = {(uint32_t)rows, (uint32_t)cols};
        if (m->q)
            format_writer_add_tensor(s->fw, name, FORMAT_DTYPE_Q8, 2, shape, m->qscale);
        else
            format_writer_add_tensor(s->fw, name, FORMAT_DTYPE_F32, 2, shape, m->f);
    } else {
        uint32_t dim = (uint32_t)rows;
        format_writer_add_tensor(s->fw, name, FORMAT_DTYPE_F32, 1, &dim, *v);
    }
}

s2s_status s2s_model_save(const s2s_model *model, uint8_t **out_data, size_t *out_size,
                          s2s_error *err) {
    if (!model || !out_data || !out_size)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "invalid arguments to s2s_model_save");
    *out_data = NULL;
    *out_size = 0;
    format_writer *fw = format_writer_new();
    if (!fw) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    s2s_hparams hp = model->hp;
    if (hp.architecture != S2S_ARCH_RNN) format_writer_set_version(fw, 3);
    for (int i = 0; i < N_HPARAMS; i++) {
        const hparam_spec *h = &hparam_table[i];
        int32_t v = s2s_hparam_get(&hp, i);
        /* an optional key at its default is left out, so files of the RNN era
         * are written byte for byte as before and older engines still read them */
        if (!h->required && v == h->absent) continue;
        char key[64];
        snprintf(key, sizeof key, "s2s.%s", h->key);
        format_writer_add_i32(fw, key, v);
    }
    if (model->tok) {
        int32_t n = tokenizer_size(model->tok);
        const char **pieces = malloc(sizeof *pieces * (size_t)n);
        float *scores = malloc(sizeof *scores * (size_t)n);
        int32_t *types = malloc(sizeof *types * (size_t)n);
        if (pieces && scores && types) {
            for (int32_t i = 0; i < n; i++) {
                pieces[i] = tokenizer_piece(model->tok, i);
                scores[i] = tokenizer_score(model->tok, i);
                types[i] = tokenizer_type(model->tok, i);
            }
            format_writer_add_str_array(fw, "tokenizer.pieces", pieces, (uint32_t)n);
            format_writer_add_f32_array(fw, "tokenizer.scores", scores, (uint32_t)n);
            format_writer_add_i32_array(fw, "tokenizer.types", types, (uint32_t)n);
        }
        free(pieces);
        free(scores);
        free(types);
        if (!pieces || !scores || !types) {
            format_writer_free(fw);
            return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
        }
    }
    for (int i = 0; i < model->n_meta; i++) {
        char key[256];
        snprintf(key, sizeof key, "meta.%s", model->meta[i].key);
        format_writer_add_str(fw, key, model->meta[i].value);
    }
    if (model->sl) {
        const shortlist *sl = model->sl;
        format_writer_add_i32(fw, "shortlist.k", sl->k);
        format_writer_add_i32_array(fw, "shortlist.frequent", sl->frequent, (uint32_t)sl->n_frequent);
        format_writer_add_i32_array(fw, "shortlist.candidates", sl->candidates,
                                    (uint32_t)((size_t)sl->src_vocab * (size_t)sl->k));
    }
    weights w = model->w; /* the walker takes non-const slots; it only reads them here */
    save_ctx s = {fw};
    model_walk(&hp, &w, save_visit, &s);
    s2s_status st = format_writer_finish(fw, out_data, out_size, err);
    format_writer_free(fw);
    return st;
}

/* ------------------------------------------------------------------- load */

typedef struct load_ctx {
    const format_file *f;
    s2s_model *m;
    size_t f32_used, q8_used; /* running offsets (pass 2) or totals (pass 1): floats, bytes */
    int pass;
    int q8_in_place; /* point Q8 tensors into the file instead of copying them */
    s2s_status status;
    s2s_error *err;
} load_ctx;

static void load_visit(void *ctx, const char *name, int rows, int cols, matrix *m, float **v) {
    load_ctx *c = ctx;
    if (c->status) return;
    const format_tensor *t = format_find_tensor(c->f, name);
    if (!t) {
        c->status = s2s_fail(c->err, S2S_ERR_BAD_FORMAT, "tensor '%s' is missing", name);
        return;
    }
    int want_dims = m ? 2 : 1;
    if ((int)t->n_dims != want_dims || t->dims[0] != (uint32_t)rows ||
        (m && t->dims[1] != (uint32_t)cols)) {
        c->status = s2s_fail(c->err, S2S_ERR_BAD_FORMAT,
                             "tensor '%s' has the wrong shape for these hyper-parameters", name);
        return;
    }
    int is_q8 = t->dtype == FORMAT_DTYPE_Q8;
    if (t->dtype == FORMAT_DTYPE_I32 || (is_q8 && (!m || cols % S2S_Q8_COLS != 0))) {
        c->status = s2s_fail(c->err, S2S_ERR_BAD_FORMAT, "tensor '%s' has an unusable type", name);
        return;
    }
    size_t n = (size_t)rows * (size_t)(cols > 0 ? cols : 1);
    if (c->pass == 1) {
        if (is_q8)
            c->q8_used += q8_matrix_bytes(rows, cols);
        else
            c->f32_used += n;
        return;
    }
    if (is_q8) {
        uint8_t *dst;
        if (c->q8_in_place) {
            dst = (uint8_t *)(uintptr_t)t->data; /* the model owns the file bytes */
        } else {
            dst = c->m->qparams + c->q8_used;
            memcpy(dst, t->data, q8_matrix_bytes(rows, cols));
        }
        q8_matrix_bind(m, dst, rows, cols);
        for (int r = 0; r < rows; r++) {
            if (!isfinite(m->qscale[r])) {
                c->status = s2s_fail(c->err, S2S_ERR_BAD_FORMAT,
                                     "tensor '%s' has a non-finite row scale", name);
                return;
            }
        }
        c->q8_used += q8_matrix_bytes(rows, cols);
    } else {
        float *dst = c->m->params + c->f32_used;
        memcpy(dst, t->data, n * sizeof(float));
        if (m) {
            m->f = dst;
            m->qscale = NULL;
            m->q = NULL;
            m->rows = rows;
            m->cols = cols;
        } else {
            *v = dst;
        }
        c->f32_used += n;
    }
}

static s2s_status load_vocab(s2s_model *m, const format_file *f, s2s_error *err) {
    const format_kv *kp = format_find_kv(f, "tokenizer.pieces");
    const format_kv *ks = format_find_kv(f, "tokenizer.scores");
    const format_kv *kt = format_find_kv(f, "tokenizer.types");
    if (!kp && !ks && !kt) return S2S_OK;
    if (!kp || !ks || !kt || kp->type != FORMAT_STR_ARRAY || ks->type != FORMAT_F32_ARRAY ||
        kt->type != FORMAT_I32_ARRAY || kp->count != ks->count || kp->count != kt->count)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "tokenizer.pieces/scores/types must be arrays of one length");
    uint32_t n = kp->count;
    char **pieces = calloc(n ? n : 1, sizeof *pieces);
    float *scores = malloc(sizeof *scores * (n ? n : 1));
    int32_t *types = malloc(sizeof *types * (n ? n : 1));
    s2s_status st = S2S_OK;
    if (!pieces || !scores || !types) {
        st = s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    } else {
        const uint8_t *cursor = NULL;
        for (uint32_t i = 0; i < n && !st; i++) {
            format_str s = format_kv_str_next(kp, &cursor);
            pieces[i] = malloc((size_t)s.len + 1);
            if (!pieces[i]) {
                st = s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
                break;
            }
            memcpy(pieces[i], s.ptr, s.len);
            pieces[i][s.len] = '\0';
            if (strlen(pieces[i]) != s.len)
                st = s2s_fail(err, S2S_ERR_BAD_FORMAT, "vocabulary piece %u contains a NUL byte",
                              (unsigned)i);
            scores[i] = format_kv_f32_at(ks, i);
            types[i] = format_kv_i32_at(kt, i);
        }
        if (!st)
            st = s2s_model_set_vocab(m, (int32_t)n, (const char *const *)pieces, scores, types,
                                     err);
    }
    if (pieces)
        for (uint32_t i = 0; i < n; i++) free(pieces[i]);
    free(pieces);
    free(scores);
    free(types);
    return st;
}

static s2s_status load_meta(s2s_model *m, const format_file *f, s2s_error *err) {
    for (uint32_t i = 0; i < f->n_kv; i++) {
        const format_kv *kv = &f->kv[i];
        if (kv->type != FORMAT_STR || kv->key.len <= 5 || memcmp(kv->key.ptr, "meta.", 5) != 0)
            continue;
        char key[260];
        if (kv->key.len - 5 >= sizeof key) continue;
        memcpy(key, kv->key.ptr + 5, kv->key.len - 5);
        key[kv->key.len - 5] = '\0';
        const uint8_t *cursor = NULL;
        format_str v = format_kv_str_next(kv, &cursor);
        char *value = malloc((size_t)v.len + 1);
        if (!value) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
        memcpy(value, v.ptr, v.len);
        value[v.len] = '\0';
        s2s_status st = s2s_model_set_meta(m, key, value, err);
        free(value);
        if (st) return st;
    }
    return S2S_OK;
}

/* The optional lexical shortlist: all three keys or none. */
static s2s_status load_shortlist(s2s_model *m, const format_file *f, s2s_error *err) {
    const format_kv *freq = format_find_kv(f, "shortlist.frequent");
    const format_kv *cand = format_find_kv(f, "shortlist.candidates");
    int32_t k = 0;
    int has_k = format_get_i32(f, "shortlist.k", &k);
    if (!has_k && !freq && !cand) return S2S_OK;
    if (!has_k || !freq || !cand || freq->type != FORMAT_I32_ARRAY ||
        cand->type != FORMAT_I32_ARRAY || k < 0 || k > S2S_MAX_VOCAB ||
        cand->count != (uint64_t)m->hp.src_vocab * (uint64_t)k)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "the shortlist needs shortlist.k, shortlist.frequent and "
                        "shortlist.candidates (src_vocab x k ids)");
    int32_t *fq = malloc(sizeof(int32_t) * ((size_t)freq->count + 1));
    int32_t *cd = malloc(sizeof(int32_t) * ((size_t)cand->count + 1));
    s2s_status st = S2S_OK;
    if (!fq || !cd) {
        st = s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    } else {
        for (uint32_t i = 0; i < freq->count; i++) fq[i] = format_kv_i32_at(freq, i);
        for (uint32_t i = 0; i < cand->count; i++) cd[i] = format_kv_i32_at(cand, i);
        st = s2s_model_set_shortlist(m, fq, (int32_t)freq->count, cd, k, err);
    }
    free(fq);
    free(cd);
    return st;
}

static s2s_status model_load(s2s_model **out, const void *data, size_t size, int q8_in_place,
                             s2s_error *err) {
    if (!out) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!data && size) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "data is NULL");
    format_file f;
    s2s_status st = format_parse(&f, data, size, err);
    if (st) return st;
    s2s_hparams hp;
    for (int i = 0; i < N_HPARAMS; i++) {
        const hparam_spec *h = &hparam_table[i];
        char key[64];
        snprintf(key, sizeof key, "s2s.%s", h->key);
        if (format_get_i32(&f, key, hparam_field(&hp, i))) continue;
        if (!h->required && !format_find_kv(&f, key)) {
            *hparam_field(&hp, i) = h->absent;
            continue;
        }
        int present = format_find_kv(&f, key) != NULL;
        format_file_clear(&f);
        return s2s_fail(err, S2S_ERR_BAD_FORMAT, "hyper-parameter '%s' is %s", key,
                        present ? "not an I32" : "missing");
    }
    if (s2s_hparams_validate(&hp, err)) { /* the message says which rule failed */
        format_file_clear(&f);
        if (err) err->status = S2S_ERR_BAD_FORMAT;
        return S2S_ERR_BAD_FORMAT;
    }
    if (hp.architecture != S2S_ARCH_RNN && f.version < 3) {
        format_file_clear(&f);
        return s2s_fail(err, S2S_ERR_BAD_FORMAT, "a %s model in a version %u file (needs 3)",
                        architecture_names[hp.architecture], (unsigned)f.version);
    }
    s2s_model *m = model_alloc(&hp);
    if (!m) {
        format_file_clear(&f);
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    }
    load_ctx c = {.f = &f, .m = m, .pass = 1, .q8_in_place = q8_in_place, .err = err};
    weights scratch;
    memset(&scratch, 0, sizeof scratch);
    model_walk(&hp, &scratch, load_visit, &c);
    if (!c.status) {
        m->n_params = c.f32_used;
        m->n_qbytes = c.q8_used;
        m->params = malloc(s2s_mul_size(c.f32_used ? c.f32_used : 1, sizeof(float)));
        if (!q8_in_place && c.q8_used) m->qparams = malloc(c.q8_used);
        if (!m->params || (c.q8_used && !q8_in_place && !m->qparams))
            c.status = s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for the weights");
    }
    if (!c.status) {
        c.pass = 2;
        c.f32_used = c.q8_used = 0;
        memset(&m->w, 0, sizeof m->w);
        model_walk(&hp, &m->w, load_visit, &c);
    }
    if (!c.status) c.status = load_vocab(m, &f, err);
    if (!c.status) c.status = load_meta(m, &f, err);
    if (!c.status) c.status = load_shortlist(m, &f, err);
    /* A vocabulary, metadata or shortlist the setters refuse (bad UTF-8, unknown piece
     * type, an empty or 250-byte meta key...) is a bad file, not a bad argument. */
    if (c.status && c.status != S2S_ERR_OUT_OF_MEMORY && c.status != S2S_ERR_BAD_FORMAT) {
        c.status = S2S_ERR_BAD_FORMAT;
        if (err) err->status = S2S_ERR_BAD_FORMAT;
    }
    format_file_clear(&f);
    if (c.status) {
        s2s_model_free(m);
        return c.status;
    }
    *out = m;
    return S2S_OK;
}

s2s_status s2s_model_load(s2s_model **out, const void *data, size_t size, s2s_error *err) {
    return model_load(out, data, size, 0, err);
}

s2s_status s2s_model_load_owned(s2s_model **out, void *data, size_t size, s2s_error *err) {
    /* Tensors start at multiples of 32 from the file start, so a float-aligned
     * buffer gives aligned Q8 row scales; anything else is read by copying. */
    int in_place = data && (uintptr_t)data % _Alignof(float) == 0;
    s2s_status st = model_load(out, data, size, in_place, err);
    if (!st && in_place)
        (*out)->file = data;
    else if (!st)
        free(data); /* everything was copied */
    return st;
}

/* ------------------------------------------- quantize / dequantize / clone */

/* Round trip through the file format: one code path for every kind of
 * copy, so a clone is exactly what a save and load would give. */
s2s_status s2s_model_clone(s2s_model **out, const s2s_model *model, s2s_error *err) {
    if (!out || !model) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "invalid arguments");
    *out = NULL;
    uint8_t *buf = NULL;
    size_t size = 0;
    s2s_status st = s2s_model_save(model, &buf, &size, err);
    if (!st) st = s2s_model_load(out, buf, size, err);
    free(buf);
    return st;
}

typedef struct convert_ctx {
    s2s_model *dst;
    size_t f32_used, q8_used;
    int pass, to_q8;
} convert_ctx;

/* Converts the tensors of a model walked in layout order: pass 1 counts,
 * pass 2 copies into dst (binding dst->w as it goes). */
static void convert_visit(void *ctx, const char *name, int rows, int cols, matrix *m, float **v) {
    convert_ctx *c = ctx;
    (void)name;
    size_t n = (size_t)rows * (size_t)(cols > 0 ? cols : 1);
    int q8 = m && c->to_q8 && cols % S2S_Q8_COLS == 0;
    if (c->pass == 1) {
        if (q8)
            c->q8_used += q8_matrix_bytes(rows, cols);
        else
            c->f32_used += n;
        return;
    }
    if (!m) {
        float *dst = c->dst->params + c->f32_used;
        memcpy(dst, *v, n * sizeof(float));
        *v = dst;
        c->f32_used += n;
        return;
    }
    if (q8) {
        uint8_t *dst = c->dst->qparams + c->q8_used;
        matrix src = *m;
        q8_matrix_bind(m, dst, rows, cols);
        if (src.q)
            memcpy(dst, src.qscale, q8_matrix_bytes(rows, cols));
        else
            for (int r = 0; r < rows; r++)
                kernel_quantize_q8(m->q + (size_t)r * (size_t)cols, &m->qscale[r],
                                   src.f + (size_t)r * (size_t)cols, cols);
        c->q8_used += q8_matrix_bytes(rows, cols);
    } else {
        float *dst = c->dst->params + c->f32_used;
        if (m->q)
            for (int r = 0; r < rows; r++) matrix_row_f32(dst + (size_t)r * (size_t)cols, m, r);
        else
            memcpy(dst, m->f, n * sizeof(float));
        m->f = dst;
        m->qscale = NULL;
        m->q = NULL;
        c->f32_used += n;
    }
}

static s2s_status model_convert(s2s_model **out, const s2s_model *model, int to_q8,
                                s2s_error *err) {
    if (!out || !model) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "invalid arguments");
    *out = NULL;
    s2s_model *dst = NULL;
    s2s_status st = s2s_model_clone(&dst, model, err); /* vocabulary and metadata */
    if (st) return st;
    convert_ctx c = {.dst = dst, .pass = 1, .to_q8 = to_q8};
    weights w = model->w;
    model_walk(&model->hp, &w, convert_visit, &c);
    float *params = malloc(s2s_mul_size(c.f32_used ? c.f32_used : 1, sizeof(float)));
    uint8_t *qparams = c.q8_used ? malloc(c.q8_used) : NULL;
    if (!params || (c.q8_used && !qparams)) {
        free(params);
        free(qparams);
        s2s_model_free(dst);
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    }
    free(dst->params);
    free(dst->qparams);
    dst->params = params;
    dst->qparams = qparams;
    dst->n_params = c.f32_used;
    dst->n_qbytes = c.q8_used;
    c.pass = 2;
    c.f32_used = c.q8_used = 0;
    dst->w = model->w; /* walked from the source's pointers, rebound to dst's storage */
    model_walk(&model->hp, &dst->w, convert_visit, &c);
    *out = dst;
    return S2S_OK;
}

s2s_status s2s_model_average(s2s_model **out, const s2s_model *const *models, int n,
                             s2s_error *err) {
    if (!out || !models || n < 1) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "invalid arguments");
    *out = NULL;
    for (int i = 0; i < n; i++) {
        if (!models[i]) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "model %d is missing", i);
        if (s2s_model_is_quantized(models[i]))
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                            "model %d is int8: average the f32 models, then quantize", i);
        if (memcmp(&models[i]->hp, &models[0]->hp, sizeof models[0]->hp) != 0 ||
            models[i]->n_params != models[0]->n_params)
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                            "model %d has other hyper-parameters than model 0", i);
    }
    s2s_model *dst = NULL;
    s2s_status st = s2s_model_clone(&dst, models[n - 1], err);
    if (st) return st;
    /* f32 models keep every parameter in one buffer in layout order, so
     * averaging the buffers averages each tensor; summed in double, in model
     * order, so the result does not depend on anything but the inputs */
    for (size_t k = 0; k < dst->n_params; k++) {
        double sum = 0.0;
        for (int i = 0; i < n; i++) sum += models[i]->params[k];
        dst->params[k] = (float)(sum / n);
    }
    *out = dst;
    return S2S_OK;
}

s2s_status s2s_model_quantize(s2s_model **out, const s2s_model *model, s2s_error *err) {
    return model_convert(out, model, 1, err);
}

s2s_status s2s_model_dequantize(s2s_model **out, const s2s_model *model, s2s_error *err) {
    return model_convert(out, model, 0, err);
}
