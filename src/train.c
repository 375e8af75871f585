/*
 * train.c — training for any model family: batch checks, time-major
 * packing, the family's teacher-forced forward and backward (arch.h),
 * dropout before the output layer, the output layer, label-smoothed
 * cross-entropy and their backward, global norm clipping, the
 * exploding-loss guard, Adam over the flat parameter buffer, checkpoints.
 *
 * Letters: B sentences, S source length, T decoder steps (target + EOS),
 * O the width of the family's output vectors.
 */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "util.h"

struct s2s_trainer {
    s2s_model *model;
    s2s_train_params p;
    size_t n;              /* parameters */
    float *grad, *m1, *m2; /* (n) each, model_walk order */
    weights g;             /* views of grad */
    int64_t step;
    s2s_rng rng;
    arena act;
    float *logits;         /* kept copy for trainer_pass(keep_logits) */
    size_t logits_cap;
    /* Exploding-loss guard (trainer_set_explode_factor): the running level of
     * the accepted steps' losses and how many steps it has seen. */
    float explode_factor;
    double loss_level;
    int64_t level_steps;
};

s2s_train_params s2s_train_default_params(void) {
    s2s_train_params p = {.learning_rate = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
                          .clip_norm = 5.0f, .label_smoothing = 0.1f, .dropout = 0.2f, .seed = 1};
    return p;
}

static s2s_status check_params(const s2s_train_params *p, s2s_error *err) {
    if (!(p->learning_rate > 0.0f && p->learning_rate < 10.0f) || !(p->beta1 >= 0.0f && p->beta1 < 1.0f) ||
        !(p->beta2 >= 0.0f && p->beta2 < 1.0f) || !(p->eps > 0.0f) ||
        !(p->label_smoothing >= 0.0f && p->label_smoothing < 1.0f) ||
        !(p->dropout >= 0.0f && p->dropout < 1.0f) || !(p->clip_norm == p->clip_norm))
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                        "training parameters out of range (learning rate in (0, 10), betas and "
                        "label smoothing and dropout in [0, 1), eps > 0)");
    return S2S_OK;
}

s2s_status s2s_trainer_init(s2s_trainer **out, s2s_model *model, const s2s_train_params *p,
                            s2s_error *err) {
    if (!out || !model || !p) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "invalid arguments");
    *out = NULL;
    if (s2s_model_is_quantized(model))
        return s2s_fail(err, S2S_ERR_UNSUPPORTED,
                        "an int8 model cannot be trained; dequantize it first");
    s2s_status st = check_params(p, err);
    if (st) return st;
    s2s_trainer *t = calloc(1, sizeof *t);
    if (!t) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    t->model = model;
    t->p = *p;
    t->n = model->n_params;
    t->grad = calloc(t->n, sizeof(float));
    t->m1 = calloc(t->n, sizeof(float));
    t->m2 = calloc(t->n, sizeof(float));
    if (!t->grad || !t->m1 || !t->m2) {
        s2s_trainer_free(t);
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for optimizer state");
    }
    weights_bind_f32(&t->g, &model->hp, t->grad);
    s2s_rng_seed(&t->rng, p->seed);
    t->explode_factor = TRAIN_EXPLODE_FACTOR;
    *out = t;
    return S2S_OK;
}

void s2s_trainer_free(s2s_trainer *t) {
    if (!t) return;
    free(t->grad);
    free(t->m1);
    free(t->m2);
    free(t->logits);
    arena_release(&t->act);
    free(t);
}

float *trainer_grad_buffer(s2s_trainer *t, size_t *n) {
    *n = t->n;
    return t->grad;
}
const weights *trainer_grads(const s2s_trainer *t) { return &t->g; }

s2s_status s2s_trainer_set_learning_rate(s2s_trainer *t, float lr) {
    if (!t || !(lr > 0.0f && lr < 10.0f)) return S2S_ERR_INVALID_ARGUMENT;
    t->p.learning_rate = lr;
    return S2S_OK;
}

int64_t s2s_trainer_steps(const s2s_trainer *t) { return t ? t->step : 0; }

s2s_status trainer_set_explode_factor(s2s_trainer *t, float factor) {
    if (!t || !(factor == 0.0f || (factor > 1.0f && factor < 1e30f))) return S2S_ERR_INVALID_ARGUMENT;
    t->explode_factor = factor;
    return S2S_OK;
}

/* The loss a step may not exceed (after the warm-up), or 0 for none. */
static double explode_limit(const s2s_trainer *t) {
    if (t->explode_factor <= 0.0f || t->level_steps < TRAIN_EXPLODE_WARMUP) return 0.0;
    double uniform = log((double)(t->model->hp.tgt_vocab > 1 ? t->model->hp.tgt_vocab : 2));
    double limit = (double)t->explode_factor * t->loss_level;
    return limit > uniform ? limit : uniform;
}

/* ------------------------------------------------------------------ batch */

static s2s_status check_batch(const s2s_batch *b, const s2s_hparams *hp, s2s_error *err) {
    if (!b || b->n < 1 || b->n > S2S_MAX_BATCH || !b->src || !b->src_len || !b->tgt || !b->tgt_len)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "a batch needs 1 to %d sentence pairs",
                        S2S_MAX_BATCH);
    for (int i = 0; i < b->n; i++) {
        if (b->src_len[i] < 1 || b->src_len[i] > S2S_MAX_SEQ_LEN || b->tgt_len[i] < 0 ||
            b->tgt_len[i] >= S2S_MAX_SEQ_LEN)
            return s2s_fail(err, b->src_len[i] > S2S_MAX_SEQ_LEN || b->tgt_len[i] >= S2S_MAX_SEQ_LEN
                                     ? S2S_ERR_INPUT_TOO_LONG
                                     : S2S_ERR_INVALID_ARGUMENT,
                            "pair %d: source length must be 1..%d and target length 0..%d", i,
                            S2S_MAX_SEQ_LEN, S2S_MAX_SEQ_LEN - 1);
        if (!b->src[i] || (b->tgt_len[i] && !b->tgt[i]))
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "pair %d: NULL token array", i);
        for (int k = 0; k < b->src_len[i]; k++)
            if (b->src[i][k] < 0 || b->src[i][k] >= hp->src_vocab)
                return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "pair %d: source id %d out of range",
                                i, (int)b->src[i][k]);
        for (int k = 0; k < b->tgt_len[i]; k++)
            if (b->tgt[i][k] < 0 || b->tgt[i][k] >= hp->tgt_vocab)
                return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "pair %d: target id %d out of range",
                                i, (int)b->tgt[i][k]);
    }
    return S2S_OK;
}

/* ----------------------------------------------------------- forward/back */

s2s_status trainer_pass(s2s_trainer *t, const s2s_batch *b, int backward, float eps,
                        float dropout, int keep_logits, train_pass *out, s2s_error *err) {
    s2s_model *m = t->model;
    s2s_status st = check_batch(b, &m->hp, err);
    if (st) return st;
    const s2s_arch *arch = arch_of(&m->hp);
    int B = b->n, S = 0, T = 0, V = m->hp.tgt_vocab, Od = arch->out_dim(&m->hp);
    for (int i = 0; i < B; i++) {
        if (b->src_len[i] > S) S = b->src_len[i];
        if (b->tgt_len[i] + 1 > T) T = b->tgt_len[i] + 1;
    }
    size_t TB = (size_t)T * (size_t)B, SB = (size_t)S * (size_t)B;
    arena *a = &t->act;
    arena_reset(a);
    float p_drop = backward ? dropout : 0.0f;
    s2s_rng *rng = &t->rng;

    /* time-major ids: src (S, B); decoder inputs SOS + tgt and targets tgt + EOS (T, B) */
    int32_t *src = arena_bytes(a, sizeof(int32_t) * SB);
    int32_t *len = arena_bytes(a, sizeof(int32_t) * (size_t)B);
    int32_t *dec_in = arena_bytes(a, sizeof(int32_t) * TB);
    int32_t *target = arena_bytes(a, sizeof(int32_t) * TB);
    if (a->failed) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for the batch");
    for (int i = 0; i < B; i++) {
        len[i] = b->src_len[i];
        for (int s = 0; s < S; s++) src[(size_t)s * B + i] = s < len[i] ? b->src[i][s] : S2S_PAD;
        for (int k = 0; k < T; k++) {
            int tl = b->tgt_len[i];
            dec_in[(size_t)k * B + i] = k == 0 ? S2S_SOS : k <= tl ? b->tgt[i][k - 1] : S2S_PAD;
            target[(size_t)k * B + i] = k < tl ? b->tgt[i][k] : k == tl ? S2S_EOS : S2S_PAD;
        }
    }
    packed_batch pb = {.src = src, .len = len, .dec_in = dec_in, .S = S, .T = T, .B = B};

    /* the family's forward gives the vectors the output layer reads */
    float *O = arena_floats(a, TB * (size_t)Od);
    if (!O) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for activations");
    void *tape = arch->train_forward(O, m, &pb, backward, p_drop, rng, a);
    if (!tape) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory in the forward pass");
    float *OD = arena_floats(a, TB * (size_t)Od);     /* after dropout */
    float *ODM = p_drop > 0.0f ? arena_floats(a, TB * (size_t)Od) : NULL;
    float *logits = arena_floats(a, TB * (size_t)V);
    void *xq = NULL; /* f32 only: training models are never quantized */
    if (a->failed) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory for activations");
    float *out_b;
    const matrix *out_w = arch->output(&m->w, &out_b);
    memcpy(OD, O, sizeof(float) * TB * (size_t)Od);
    dropout_forward(OD, ODM, TB * (size_t)Od, p_drop, rng);
    linear_forward(logits, V, OD, Od, out_w, out_b, (int)TB, xq);
    if (keep_logits) {
        size_t n = TB * (size_t)V;
        if (n > t->logits_cap) {
            float *grown = realloc(t->logits, n * sizeof(float));
            if (!grown) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
            t->logits = grown;
            t->logits_cap = n;
        }
        memcpy(t->logits, logits, n * sizeof(float));
    }
    int count = 0;
    for (size_t i = 0; i < TB; i++) count += target[i] != S2S_PAD;
    double loss_sum = loss_forward_backward(backward ? logits : NULL, logits, target, (int)TB, V,
                                            eps, 1.0f / (float)count, &count);
    out->loss_sum = loss_sum;
    out->tokens = count;
    out->T = T;
    out->B = B;
    out->logits = keep_logits ? t->logits : NULL;
    if (!backward) return S2S_OK;

    /* ------------------------------------------------------------ backward */
    memset(t->grad, 0, sizeof(float) * t->n);
    float *dlogits = logits;
    float *dO = arena_zeros(a, TB * (size_t)Od);
    if (!dO) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    float *gout_b;
    const matrix *gout_w = arch->output(&t->g, &gout_b);
    linear_backward(dO, Od, gout_w->f, gout_b, dlogits, V, OD, Od, out_w, (int)TB);
    if (ODM) vec_mul(dO, ODM, TB * (size_t)Od);
    if (!arch->train_backward(&t->g, dO, O, tape, m, &pb, a))
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory in backward");
    return S2S_OK;
}

/* ---------------------------------------------------------------- optimizer */

static void adam_update(s2s_trainer *t) {
    const s2s_train_params *p = &t->p;
    t->step++;
    double bc1 = 1.0 - pow(p->beta1, (double)t->step);
    double bc2 = 1.0 - pow(p->beta2, (double)t->step);
    float step_size = (float)(p->learning_rate / bc1);
    float bc2_sqrt = (float)sqrt(bc2);
    float *w = t->model->params;
    for (size_t i = 0; i < t->n; i++) {
        float g = t->grad[i];
        t->m1[i] = p->beta1 * t->m1[i] + (1.0f - p->beta1) * g;
        t->m2[i] = p->beta2 * t->m2[i] + (1.0f - p->beta2) * g * g;
        float denom = sqrtf(t->m2[i]) / bc2_sqrt + p->eps;
        w[i] -= step_size * t->m1[i] / denom;
    }
}

s2s_status s2s_trainer_step(s2s_trainer *t, const s2s_batch *b, float *loss, int32_t *tokens,
                            s2s_error *err) {
    if (!t) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "trainer is NULL");
    train_pass r;
    s2s_rng saved_rng = t->rng;
    s2s_status st = trainer_pass(t, b, 1, t->p.label_smoothing, t->p.dropout, 0, &r, err);
    if (st) { /* e.g. out of memory half-way: the dropout masks drawn so far are undone too */
        t->rng = saved_rng;
        return st;
    }
    float mean = r.tokens ? (float)(r.loss_sum / r.tokens) : 0.0f;
    if (loss) *loss = mean;
    if (tokens) *tokens = r.tokens;
    double norm2 = 0.0;
    for (size_t i = 0; i < t->n; i++) norm2 += (double)t->grad[i] * t->grad[i];
    double norm = sqrt(norm2);
    if (!isfinite(mean) || !isfinite(norm)) {
        t->rng = saved_rng;
        return s2s_fail(err, S2S_ERR_DIVERGED,
                        "step %lld: loss %g, gradient norm %g; the update was skipped",
                        (long long)t->step + 1, (double)mean, norm);
    }
    double limit = explode_limit(t);
    if (limit > 0.0 && (double)mean > limit) {
        t->rng = saved_rng;
        return s2s_fail(err, S2S_ERR_DIVERGED,
                        "step %lld: loss %g exploded (over %g x the running loss %g and over "
                        "ln(target vocabulary) %g); the update was skipped",
                        (long long)t->step + 1, (double)mean, (double)t->explode_factor,
                        t->loss_level, log((double)t->model->hp.tgt_vocab));
    }
    if (t->p.clip_norm > 0.0f) {
        double coef = t->p.clip_norm / (norm + 1e-6);
        if (coef < 1.0)
            for (size_t i = 0; i < t->n; i++) t->grad[i] *= (float)coef;
    }
    adam_update(t);
    /* The running level: an exponential moving average of accepted losses. */
    t->loss_level = t->level_steps == 0 ? (double)mean
                                        : TRAIN_EXPLODE_DECAY * t->loss_level +
                                              (1.0 - TRAIN_EXPLODE_DECAY) * (double)mean;
    t->level_steps++;
    return S2S_OK;
}

s2s_status s2s_trainer_eval(s2s_trainer *t, const s2s_batch *b, float *loss, int32_t *tokens,
                            s2s_error *err) {
    if (!t) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "trainer is NULL");
    train_pass r;
    s2s_status st = trainer_pass(t, b, 0, 0.0f, 0.0f, 0, &r, err);
    if (st) return st;
    if (loss) *loss = r.tokens ? (float)(r.loss_sum / r.tokens) : 0.0f;
    if (tokens) *tokens = r.tokens;
    return S2S_OK;
}

/* -------------------------------------------------------------- checkpoints */

s2s_status s2s_trainer_save_state(const s2s_trainer *t, uint8_t **out_data, size_t *out_size,
                                  s2s_error *err) {
    if (!t || !out_data || !out_size)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "invalid arguments");
    if (t->n > UINT32_MAX) return s2s_fail(err, S2S_ERR_UNSUPPORTED, "model too large to checkpoint");
    format_writer *fw = format_writer_new();
    if (!fw) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "out of memory");
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)t->step);
    format_writer_add_str(fw, "train.step", buf);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)t->rng.state);
    format_writer_add_str(fw, "train.rng", buf);
    /* the exploding-loss guard's running level, so a resumed run needs no new warm-up */
    snprintf(buf, sizeof buf, "%.17g", t->loss_level);
    format_writer_add_str(fw, "train.loss_level", buf);
    snprintf(buf, sizeof buf, "%lld", (long long)t->level_steps);
    format_writer_add_str(fw, "train.level_steps", buf);
    uint32_t n = (uint32_t)t->n;
    format_writer_add_tensor(fw, "adam.m", FORMAT_DTYPE_F32, 1, &n, t->m1);
    format_writer_add_tensor(fw, "adam.v", FORMAT_DTYPE_F32, 1, &n, t->m2);
    s2s_status st = format_writer_finish(fw, out_data, out_size, err);
    format_writer_free(fw);
    return st;
}

s2s_status s2s_trainer_load_state(s2s_trainer *t, const void *data, size_t size, s2s_error *err) {
    if (!t || (!data && size)) return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "invalid arguments");
    format_file f;
    s2s_status st = format_parse(&f, data, size, err);
    if (st) return st;
    const format_tensor *m1 = format_find_tensor(&f, "adam.m");
    const format_tensor *m2 = format_find_tensor(&f, "adam.v");
    char *step = format_get_str_dup(&f, "train.step");
    char *rng = format_get_str_dup(&f, "train.rng");
    /* optional (states written before the guard had them): absent, it warms up again */
    char *level = format_get_str_dup(&f, "train.loss_level");
    char *level_steps = format_get_str_dup(&f, "train.level_steps");
    int ok = m1 && m2 && step && rng && !level == !level_steps;
    for (int i = 0; ok && i < 2; i++) {
        const format_tensor *x = i ? m2 : m1;
        ok = x->dtype == FORMAT_DTYPE_F32 && x->n_dims == 1 && x->dims[0] == t->n;
    }
    char *end1 = NULL, *end2 = NULL;
    long long steps = ok ? strtoll(step, &end1, 10) : 0;
    unsigned long long state = ok ? strtoull(rng, &end2, 10) : 0;
    ok = ok && end1 && *end1 == '\0' && end2 && *end2 == '\0' && steps >= 0 && state != 0;
    double loss_level = 0.0;
    long long n_level = 0;
    if (ok && level) {
        char *end3 = NULL, *end4 = NULL;
        loss_level = strtod(level, &end3);
        n_level = strtoll(level_steps, &end4, 10);
        ok = *end3 == '\0' && *end4 == '\0' && isfinite(loss_level) && loss_level >= 0.0 &&
             n_level >= 0 && n_level <= steps;
    }
    if (ok) {
        memcpy(t->m1, m1->data, t->n * sizeof(float));
        memcpy(t->m2, m2->data, t->n * sizeof(float));
        t->step = steps;
        t->rng.state = state;
        t->loss_level = loss_level;
        t->level_steps = n_level;
    }
    free(step);
    free(rng);
    free(level);
    free(level_steps);
    format_file_clear(&f);
    if (!ok)
        return s2s_fail(err, S2S_ERR_BAD_FORMAT,
                        "not an optimizer state for this model (adam.m/adam.v of %zu values, "
                        "train.step, train.rng, optionally train.loss_level and "
                        "train.level_steps)", t->n);
    return S2S_OK;
}
