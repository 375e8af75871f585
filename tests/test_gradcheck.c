/*
 * test_gradcheck.c — finite-difference checks of every backward pass.
 *
 * For tiny models covering each cell, attention, bridge, input feeding,
 * tied output, depth and direction, the analytic gradient of the
 * label-smoothed loss is compared with central differences on sampled
 * entries of every tensor. Tensor names say which layer's backward is being
 * checked (enc.* cells, bridge.*, att.*, out.w_c, out.w/out.b with the loss,
 * src_emb/tgt_emb embeddings).
 */
#include <stdlib.h>
#include <string.h>

#include "../src/model.h"
#include "../src/train.h"
#include "testing.h"

typedef struct tensor_span {
    char name[64];
    size_t offset, size;
} tensor_span;

typedef struct span_list {
    tensor_span spans[128];
    int n;
    size_t next;
} span_list;

static void collect(void *ctx, const char *name, int rows, int cols, matrix *m, float **v) {
    span_list *l = ctx;
    (void)m, (void)v;
    size_t size = (size_t)rows * (size_t)(cols > 0 ? cols : 1);
    tensor_span *s = &l->spans[l->n++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->offset = l->next;
    s->size = size;
    l->next += size;
}

/* Three pairs with different lengths so padding and masking are exercised. */
static const int32_t src0[] = {5, 6, 7, 8, 9, 10, 4}, src1[] = {11, 4, 5, 12}, src2[] = {7, 7};
static const int32_t tgt0[] = {4, 5, 6, 7, 8}, tgt1[] = {9, 10, 4, 5, 6, 7}, tgt2[] = {8};
static const int32_t *srcs[] = {src0, src1, src2}, *tgts[] = {tgt0, tgt1, tgt2};
static const int32_t src_lens[] = {7, 4, 2}, tgt_lens[] = {5, 6, 1};

static double batch_loss(s2s_trainer *t, const s2s_batch *b) {
    train_pass r;
    s2s_status st = trainer_pass(t, b, 0, 0.1f, 0.0f, 0, &r, NULL);
    CHECK(st == S2S_OK);
    return r.loss_sum / r.tokens;
}

static double tensor_max_error = 0.0;

/* Checks up to `samples` entries of every tensor; returns the worst
 * relative error and prints it per tensor. */
static void check_model(const char *label, s2s_hparams hp) {
    s2s_model *m = NULL;
    s2s_error err;
    CHECK(s2s_model_init(&m, &hp, 7, 0.4f, &err) == S2S_OK);
    if (!m) {
        fprintf(stderr, "%s: %s\n", label, err.message);
        return;
    }
    s2s_train_params p = s2s_train_default_params();
    p.dropout = 0.0f;
    s2s_trainer *t = NULL;
    CHECK(s2s_trainer_init(&t, m, &p, NULL) == S2S_OK);
    s2s_batch b = {3, srcs, src_lens, tgts, tgt_lens};
    train_pass r;
    CHECK(trainer_pass(t, &b, 1, 0.1f, 0.0f, 0, &r, NULL) == S2S_OK);
    size_t n;
    float *grad_live = trainer_grad_buffer(t, &n);
    float *grad = malloc(n * sizeof(float));
    memcpy(grad, grad_live, n * sizeof(float));

    span_list spans = {0};
    weights scratch;
    memset(&scratch, 0, sizeof scratch);
    model_walk(&hp, &scratch, collect, &spans);
    CHECK(spans.next == n);

    s2s_rng rng;
    s2s_rng_seed(&rng, 99);
    double worst = 0.0;
    char worst_name[64] = "";
    for (int k = 0; k < spans.n; k++) {
        const tensor_span *s = &spans.spans[k];
        double tensor_worst = 0.0;
        int samples = s->size < 12 ? (int)s->size : 12;
        for (int j = 0; j < samples; j++) {
            size_t i = s->offset + (samples == (int)s->size ? (size_t)j : s2s_rng_u32(&rng) % s->size);
            float keep = m->params[i];
            const float h = 2e-3f;
            m->params[i] = keep + h;
            double up = batch_loss(t, &b);
            m->params[i] = keep - h;
            double down = batch_loss(t, &b);
            m->params[i] = keep;
            double numeric = (up - down) / (2.0 * h);
            double analytic = grad[i];
            double e = fabs(numeric - analytic) / (fabs(numeric) + fabs(analytic) + 1e-2);
            if (e > tensor_worst) tensor_worst = e;
        }
        if (tensor_worst > worst) {
            worst = tensor_worst;
            snprintf(worst_name, sizeof worst_name, "%s", s->name);
        }
        if (tensor_worst > 1e-2)
            fprintf(stderr, "  %s: %s relative error %.3g\n", label, s->name, tensor_worst);
    }
    printf("  %-40s worst relative error %.2e (%s)\n", label, worst, worst_name);
    if (worst > tensor_max_error) tensor_max_error = worst;
    CHECK(worst < 1e-2);
    free(grad);
    s2s_trainer_free(t);
    s2s_model_free(m);
}

static s2s_hparams tiny(int cell, int attention, int bidir, int bridge, int feed) {
    s2s_hparams hp = {.src_vocab = 13, .tgt_vocab = 11, .emb_dim = 6, .enc_hidden = 5,
                      .dec_hidden = bidir ? 10 : 5, .layers = 1, .bidirectional = bidir,
                      .cell = cell, .attention = attention, .bridge = bridge, .input_feed = feed,
                      .tie_output = 0};
    return hp;
}

static void every_cell_without_attention_has_correct_gradients(void) {
    check_model("rnn, no attention, copy", tiny(S2S_CELL_RNN, S2S_ATTN_NONE, 0, S2S_BRIDGE_COPY, 0));
    check_model("lstm, no attention, copy", tiny(S2S_CELL_LSTM, S2S_ATTN_NONE, 0, S2S_BRIDGE_COPY, 0));
    check_model("gru, no attention, copy", tiny(S2S_CELL_GRU, S2S_ATTN_NONE, 0, S2S_BRIDGE_COPY, 0));
}

static void every_attention_type_has_correct_gradients(void) {
    check_model("lstm bi bahdanau project feed",
                tiny(S2S_CELL_LSTM, S2S_ATTN_BAHDANAU, 1, S2S_BRIDGE_PROJECT, 1));
    check_model("gru bi luong dot copy", tiny(S2S_CELL_GRU, S2S_ATTN_LUONG_DOT, 1, S2S_BRIDGE_COPY, 0));
    check_model("rnn bi luong general zero feed",
                tiny(S2S_CELL_RNN, S2S_ATTN_LUONG_GENERAL, 1, S2S_BRIDGE_ZERO, 1));
}

static void stacked_layers_and_tied_output_have_correct_gradients(void) {
    s2s_hparams hp = tiny(S2S_CELL_LSTM, S2S_ATTN_BAHDANAU, 1, S2S_BRIDGE_PROJECT, 1);
    hp.layers = 2;
    check_model("lstm 2 layers bi bahdanau project", hp);
    hp = tiny(S2S_CELL_GRU, S2S_ATTN_LUONG_GENERAL, 0, S2S_BRIDGE_PROJECT, 1);
    hp.layers = 3;
    check_model("gru 3 layers general project feed", hp);
    hp = tiny(S2S_CELL_RNN, S2S_ATTN_BAHDANAU, 0, S2S_BRIDGE_PROJECT, 0);
    hp.dec_hidden = hp.emb_dim;
    hp.tie_output = 1;
    check_model("rnn bahdanau tied output", hp);
}

/* The smallest Transformer the rules allow (E and F multiples of 16). */
static s2s_hparams tiny_transformer(int heads, int enc_layers, int dec_layers, int positions,
                                    int activation, int tied) {
    s2s_hparams hp = {.src_vocab = 13, .tgt_vocab = 11, .emb_dim = 16, .enc_hidden = 16,
                      .dec_hidden = 16, .layers = enc_layers, .tie_output = tied,
                      .architecture = S2S_ARCH_TRANSFORMER, .heads = heads, .ff_dim = 32,
                      .dec_layers = dec_layers, .positions = positions,
                      .max_positions = positions == S2S_POS_LEARNED ? S2S_MAX_SEQ_LEN : 0,
                      .activation = activation};
    return hp;
}

static void transformers_have_correct_gradients(void) {
    check_model("transformer 1+1 layers, 2 heads, relu",
                tiny_transformer(2, 1, 1, S2S_POS_SINUSOIDAL, S2S_ACT_RELU, 0));
    check_model("transformer 2+2 layers, 4 heads, gelu, tied",
                tiny_transformer(4, 2, 2, S2S_POS_SINUSOIDAL, S2S_ACT_GELU, 1));
    check_model("transformer 1+2 layers, 1 head, learned pos",
                tiny_transformer(1, 1, 2, S2S_POS_LEARNED, S2S_ACT_GELU, 0));
}

int main(void) {
    RUN(every_cell_without_attention_has_correct_gradients);
    RUN(every_attention_type_has_correct_gradients);
    RUN(stacked_layers_and_tied_output_have_correct_gradients);
    RUN(transformers_have_correct_gradients);
    printf("largest relative error over all tensors: %.2e\n", tensor_max_error);
    return tests_exit_code();
}
