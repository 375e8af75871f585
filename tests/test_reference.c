/*
 * test_reference.c — the C engine against PyTorch.
 *
 * tools/gen_fixtures.py runs tools/torch_ref.py (the same network in
 * PyTorch 1.13) once and writes tests/fixtures/ref/<case>.s2s: the model,
 * a padded batch, the logits, the label-smoothed loss, every parameter's
 * gradient, the losses of 20 Adam steps, and greedy and beam search outputs. For each case
 * the C forward, backward, optimizer and search must give the same numbers:
 * logits within 1e-4 relative, gradients within 1e-3, Adam losses within 1e-4.
 * The cases cover both families: the RNN's cells, attentions and bridges,
 * and the Transformer's (tf_*.s2s, version-3 files) heads 1/2/4, depths,
 * positions, activations and tied output.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, dirent */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "model.h"
#include "testing.h"
#include "train.h"

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* Largest |a - b| / max(|a|, |b|, floor) over n values. */
static double max_rel_diff(const float *a, const float *b, size_t n, double floor) {
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double s = fmax(floor, fmax(fabs(a[i]), fabs(b[i])));
        double e = fabs((double)a[i] - b[i]) / s;
        if (e > worst) worst = e;
    }
    return worst;
}

typedef struct grad_check {
    const format_file *f;
    const float *grad; /* the C gradient buffer, walked in layout order */
    size_t at;
    double floor;      /* 1e-2 of the largest reference gradient entry of the whole model */
    double worst;
    char worst_name[64];
    int missing;
} grad_check;

static void compare_grad(void *ctx, const char *name, int rows, int cols, matrix *m, float **v) {
    grad_check *g = ctx;
    (void)m, (void)v;
    size_t n = (size_t)rows * (size_t)(cols > 0 ? cols : 1);
    char key[80];
    snprintf(key, sizeof key, "grad.%s", name);
    const format_tensor *t = format_find_tensor(g->f, key);
    if (!t || t->nbytes != n * sizeof(float)) {
        fprintf(stderr, "fixture lacks %s\n", key);
        g->missing++;
    } else {
        float *ref = malloc(n * sizeof(float));
        memcpy(ref, t->data, n * sizeof(float));
        double e = max_rel_diff(g->grad + g->at, ref, n, g->floor);
        if (e > g->worst) {
            g->worst = e;
            snprintf(g->worst_name, sizeof g->worst_name, "%s", name);
        }
        free(ref);
    }
    g->at += n;
}

static int n_transformer; /* Transformer fixtures checked */

static float kv_f32(const format_file *f, const char *key) {
    float v = NAN;
    CHECK(format_get_f32(f, key, &v));
    return v;
}

static void check_case(const char *dir, const char *file) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t size;
    uint8_t *buf = read_file(path, &size);
    CHECK(buf != NULL);
    if (!buf) return;
    s2s_error err;
    s2s_model *m = NULL;
    s2s_status st = s2s_model_load(&m, buf, size, &err);
    CHECK(st == S2S_OK);
    format_file f;
    CHECK(format_parse(&f, buf, size, NULL) == S2S_OK);
    if (st) {
        fprintf(stderr, "%s: %s\n", file, err.message);
        free(buf);
        return;
    }
    if (m->hp.architecture == S2S_ARCH_TRANSFORMER) {
        n_transformer++;
        CHECK(f.version == 3);
    }
    const format_tensor *tsrc = format_find_tensor(&f, "fixture.src");
    const format_tensor *tsl = format_find_tensor(&f, "fixture.src_len");
    const format_tensor *ttgt = format_find_tensor(&f, "fixture.tgt");
    const format_tensor *ttl = format_find_tensor(&f, "fixture.tgt_len");
    const format_tensor *tlog = format_find_tensor(&f, "fixture.logits");
    const format_tensor *tloss = format_find_tensor(&f, "fixture.loss");
    const format_tensor *tadam = format_find_tensor(&f, "fixture.adam_losses");
    CHECK(tsrc && tsl && ttgt && ttl && tlog && tloss && tadam);
    if (!(tsrc && tsl && ttgt && ttl && tlog && tloss && tadam)) goto done;
    int B = (int)tsrc->dims[0], S = (int)tsrc->dims[1], Tm = (int)ttgt->dims[1];
    int V = m->hp.tgt_vocab, T1 = Tm + 1;
    int32_t *ids = malloc(tsrc->nbytes + ttgt->nbytes + tsl->nbytes + ttl->nbytes);
    int32_t *src = ids, *tgt = src + (size_t)B * S, *sl = tgt + (size_t)B * Tm, *tl = sl + B;
    memcpy(src, tsrc->data, tsrc->nbytes);
    memcpy(tgt, ttgt->data, ttgt->nbytes);
    memcpy(sl, tsl->data, tsl->nbytes);
    memcpy(tl, ttl->data, ttl->nbytes);
    const int32_t *sp[16], *tp[16];
    for (int b = 0; b < B && b < 16; b++) {
        sp[b] = src + (size_t)b * S;
        tp[b] = tgt + (size_t)b * Tm;
    }
    s2s_batch batch = {B, sp, sl, tp, tl};
    s2s_train_params p = s2s_train_default_params();
    p.learning_rate = kv_f32(&f, "fixture.lr");
    p.beta1 = kv_f32(&f, "fixture.beta1");
    p.beta2 = kv_f32(&f, "fixture.beta2");
    p.eps = kv_f32(&f, "fixture.eps");
    p.clip_norm = kv_f32(&f, "fixture.clip_norm");
    p.label_smoothing = kv_f32(&f, "fixture.label_smoothing");
    p.dropout = 0.0f;
    s2s_trainer *t = NULL;
    CHECK(s2s_trainer_init(&t, m, &p, NULL) == S2S_OK);

    /* logits and loss */
    train_pass r;
    CHECK(trainer_pass(t, &batch, 1, p.label_smoothing, 0.0f, 1, &r, NULL) == S2S_OK);
    CHECK(r.T == T1 && r.B == B);
    double logit_err = 0.0;
    float *ref = malloc(tlog->nbytes);
    memcpy(ref, tlog->data, tlog->nbytes);
    for (int b = 0; b < B; b++)
        for (int k = 0; k <= tl[b]; k++) /* positions past EOS are padding */
            logit_err = fmax(logit_err, max_rel_diff(r.logits + ((size_t)k * B + b) * V,
                                                     ref + ((size_t)b * T1 + k) * V, (size_t)V, 1.0));
    float ref_loss = format_read_f32(tloss->data);
    double loss = r.loss_sum / r.tokens;
    double loss_err = fabs(loss - ref_loss) / fmax(1.0, fabs(ref_loss));

    /* gradients, tensor by tensor */
    size_t n;
    /* Entries under 1% of the model's largest gradient are sums that cancel
     * (a trained model near its optimum): float32 resolves them only to the
     * precision of their terms, so their error is measured against 1% of
     * that largest entry instead of against themselves. */
    double gmax = 0.0;
    for (uint32_t i = 0; i < f.n_tensors; i++) {
        const format_tensor *x = &f.tensors[i];
        if (x->name.len > 5 && memcmp(x->name.ptr, "grad.", 5) == 0)
            for (uint64_t k = 0; k < x->nbytes / 4; k++)
                gmax = fmax(gmax, fabs(format_read_f32(x->data + 4 * k)));
    }
    grad_check g = {.f = &f, .grad = trainer_grad_buffer(t, &n), .floor = 1e-2 * gmax};
    weights scratch;
    memset(&scratch, 0, sizeof scratch);
    model_walk(&m->hp, &scratch, compare_grad, &g);
    CHECK(g.missing == 0 && g.at == n);

    /* 20 Adam steps with clipping */
    int steps = (int)tadam->dims[0];
    double adam_err = 0.0;
    for (int s = 0; s < steps; s++) {
        float l;
        CHECK(s2s_trainer_step(t, &batch, &l, NULL, NULL) == S2S_OK);
        float want = format_read_f32(tadam->data + 4 * (size_t)s);
        adam_err = fmax(adam_err, fabs(l - want) / fmax(1.0, fabs(want)));
    }
    printf("  %-42s logits %.1e  loss %.1e  grads %.1e (%s)  adam %.1e\n", file, logit_err, loss_err,
           g.worst, g.worst_name, adam_err);
    CHECK(logit_err <= 1e-4);
    CHECK(loss_err <= 1e-4);
    CHECK(g.worst <= 1e-3);
    CHECK(adam_err <= 1e-4);
    free(ref);
    free(ids);
    s2s_trainer_free(t);
done:
    format_file_clear(&f);
    s2s_model_free(m);
    free(buf);
}

/* A search against PyTorch's (tools/torch_ref.py greedy and beam_search) on
 * the initial and trained models: fixture.<what> holds the tokens padded to
 * the fixed maximum length, fixture.<what>_len their counts. */
static void check_search(const char *dir, const char *file, const char *what) {
    char path[1024], key[64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t size;
    uint8_t *buf = read_file(path, &size);
    s2s_model *m = NULL;
    format_file f;
    if (!buf || s2s_model_load(&m, buf, size, NULL) || format_parse(&f, buf, size, NULL)) {
        CHECK(0);
        free(buf);
        s2s_model_free(m);
        return;
    }
    int beam = strcmp(what, "beam") == 0;
    snprintf(key, sizeof key, "fixture.%s", what);
    const format_tensor *tg = format_find_tensor(&f, key);
    snprintf(key, sizeof key, "fixture.%s_len", what);
    const format_tensor *tgl = format_find_tensor(&f, key);
    const format_tensor *tscore = beam ? format_find_tensor(&f, "fixture.beam_score") : NULL;
    const format_tensor *tsrc = format_find_tensor(&f, "fixture.src");
    const format_tensor *tsl = format_find_tensor(&f, "fixture.src_len");
    s2s_translate_params p = s2s_translate_default_params();
    int32_t beam_size = 0;
    if (beam) {
        CHECK(format_get_i32(&f, "fixture.beam_size", &beam_size));
        p.beam_size = beam_size;
        p.length_penalty = kv_f32(&f, "fixture.length_penalty");
    }
    CHECK(tg && tgl && tsrc && tsl && (!beam || tscore));
    if (tg && tgl && tsrc && tsl && (!beam || tscore)) {
        int B = (int)tsrc->dims[0], S = (int)tsrc->dims[1], maxlen = (int)tg->dims[1];
        int32_t src[16 * 64], sl[16];
        const int32_t *sp[16];
        memcpy(src, tsrc->data, tsrc->nbytes);
        memcpy(sl, tsl->data, tsl->nbytes);
        for (int b = 0; b < B; b++) sp[b] = src + (size_t)b * S;
        p.max_len_factor = 1e-6f; /* a fixed maximum: max_len_extra tokens */
        p.max_len_extra = maxlen;
        s2s_result *r = NULL;
        CHECK(s2s_translate_ids(m, B, sp, sl, &p, &r, NULL) == S2S_OK);
        int agree = 0;
        double score_err = 0.0;
        for (int b = 0; r && b < B; b++) {
            int32_t n;
            const int32_t *out = s2s_result_tokens(r, b, &n);
            int32_t want_len = (int32_t)format_read_u32(tgl->data + 4 * (size_t)b);
            int same = n == want_len;
            for (int k = 0; same && k < n; k++)
                same = out[k] == (int32_t)format_read_u32(tg->data + 4 * ((size_t)b * maxlen + k));
            agree += same;
            if (tscore) {
                float want = format_read_f32(tscore->data + 4 * (size_t)b);
                score_err = fmax(score_err, fabs(s2s_result_score(r, b) - want) / fmax(1.0, fabs(want)));
            }
        }
        if (beam)
            printf("  %-42s beam %d, length penalty %.1f: outputs equal to PyTorch's %d of %d, "
                   "scores %.1e\n", file, (int)beam_size, p.length_penalty, agree, B, score_err);
        else
            printf("  %-42s greedy outputs equal to PyTorch's: %d of %d\n", file, agree, B);
        CHECK(agree == B);
        CHECK(score_err <= 1e-4);
        s2s_result_free(r);
    }
    format_file_clear(&f);
    s2s_model_free(m);
    free(buf);
}

static void check_greedy(const char *dir, const char *file) { check_search(dir, file, "greedy"); }
static void check_beam(const char *dir, const char *file) { check_search(dir, file, "beam"); }

static const char *fixture_dir;

static int is_fixture(const char *name) {
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".s2s") == 0;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void for_each_fixture(void (*fn)(const char *, const char *)) {
    DIR *d = opendir(fixture_dir);
    CHECK(d != NULL);
    if (!d) return;
    char *names[256];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 256;)
        if (is_fixture(e->d_name)) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    CHECK(n >= 10);
    for (int i = 0; i < n; i++) {
        fn(fixture_dir, names[i]);
        free(names[i]);
    }
}

static void forward_backward_and_adam_match_pytorch(void) {
    for_each_fixture(check_case);
    CHECK(n_transformer >= 4); /* the Transformer's cases cannot go missing unnoticed */
}
static void greedy_search_matches_pytorch(void) { for_each_fixture(check_greedy); }
static void beam_search_matches_pytorch(void) { for_each_fixture(check_beam); }

int main(int argc, char **argv) {
    fixture_dir = argc > 1 ? argv[1] : S2S_FIXTURE_DIR "/ref";
    RUN(forward_backward_and_adam_match_pytorch);
    RUN(greedy_search_matches_pytorch);
    RUN(beam_search_matches_pytorch);
    return tests_exit_code();
}
