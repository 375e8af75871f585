/*
 * native_ref.c — the native build's translations of a list of sentences, as
 * JSON, for the JS test that checks the WebAssembly engine gives the same
 * tokens and scores (tests/js/native-equivalence.test.js).
 *
 * usage: native_ref MODEL.s2s SENTENCES.txt > expected.json
 * For each line and for beam 1 and beam 4 (default translate parameters
 * otherwise): the source ids, the output ids, the score and the per-token
 * log-probabilities. Built by tests/js/native_ref.sh against build/libs2s_core.a.
 * With --heads (after the two files), greedy also runs at want_attention 2
 * and each sentence gets "heads" and "encoder": the shapes and, per layer
 * and head, the mean attended position (1-based) over its rows (the
 * target tokens', without EOS's, as the JS result has them): a digest small
 * enough to commit that moves with any weight.
 *
 * usage: native_ref MODEL.s2s PAIRS.tsv --train STEPS LEARNING_RATE
 * Fine-tunes as Translator.fineTune does with every pair in one batch: an
 * f32 copy of the model (int8 is dequantized), the library's training
 * defaults but the learning rate, STEPS steps; prints the pairs with their
 * ids, each step's loss and token count, and the tuned model's greedy output
 * ids of each source (tests/js/finetune-transformer.test.js).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s2s.h"

static char *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    if (buf) buf[n] = 0;
    *size = n;
    return buf;
}

/* Per (layer, head) block of `stride` rows x cols: the sum over its first
 * `rows` rows of sum_c w (c + 1), / rows (0 without rows). */
static void print_moments(const float *w, int32_t blocks, int32_t stride, int32_t rows,
                          int32_t cols) {
    putchar('[');
    for (int32_t b = 0; b < blocks; b++) {
        double m = 0.0;
        for (int32_t r = 0; r < rows; r++)
            for (int32_t c = 0; c < cols; c++) m += w[((size_t)b * stride + r) * cols + c] * (c + 1);
        printf(b ? ",%.9g" : "%.9g", rows ? m / rows : 0.0);
    }
    putchar(']');
}

static void print_ints(const int32_t *v, int32_t n) {
    putchar('[');
    for (int32_t i = 0; i < n; i++) printf(i ? ",%d" : "%d", (int)v[i]);
    putchar(']');
}

static void print_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

enum { MAX_PAIRS = 64, MAX_STEPS = 256 };

/* --train: see the usage at the top. Returns the exit status. */
static int train(const char *name, const s2s_model *loaded, char *text, int steps, float lr) {
    s2s_error err = {0};
    static int32_t ids[2][MAX_PAIRS][S2S_MAX_SEQ_LEN];
    int32_t lens[2][MAX_PAIRS];
    const int32_t *ptrs[2][MAX_PAIRS];
    char *side[2][MAX_PAIRS];
    int n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        if (!tab || n == MAX_PAIRS) {
            fprintf(stderr, "native_ref: --train needs 1 to %d lines of source<TAB>target\n", MAX_PAIRS);
            return 1;
        }
        *tab = 0;
        side[0][n] = line;
        side[1][n] = tab + 1;
        for (int k = 0; k < 2; k++) {
            if (s2s_encode(loaded, side[k][n], strlen(side[k][n]), ids[k][n], S2S_MAX_SEQ_LEN,
                           &lens[k][n], &err) != S2S_OK || lens[k][n] == 0) {
                fprintf(stderr, "native_ref: cannot encode \"%s\": %s\n", side[k][n], err.message);
                return 1;
            }
            ptrs[k][n] = ids[k][n];
        }
        n++;
    }
    /* what fineTune trains: an f32 copy (s2s_trainer_init refuses int8) */
    s2s_model *m = NULL;
    s2s_status st = s2s_model_is_quantized(loaded) ? s2s_model_dequantize(&m, loaded, &err)
                                                   : s2s_model_clone(&m, loaded, &err);
    s2s_train_params p = s2s_train_default_params();
    p.learning_rate = lr;
    s2s_trainer *t = NULL;
    if (st != S2S_OK || s2s_trainer_init(&t, m, &p, &err) != S2S_OK) {
        fprintf(stderr, "native_ref: %s\n", err.message);
        return 1;
    }
    printf("{\"model\":\"%s\",\"steps\":%d,\"learningRate\":%.9g,\"pairs\":[", name, steps, lr);
    for (int i = 0; i < n; i++) {
        printf(i ? ",\n{\"source\":" : "\n{\"source\":");
        print_string(side[0][i]);
        printf(",\"target\":");
        print_string(side[1][i]);
        printf(",\"sourceIds\":");
        print_ints(ids[0][i], lens[0][i]);
        printf(",\"targetIds\":");
        print_ints(ids[1][i], lens[1][i]);
        putchar('}');
    }
    s2s_batch b = {.n = n, .src = ptrs[0], .src_len = lens[0], .tgt = ptrs[1], .tgt_len = lens[1]};
    printf("],\n\"losses\":[");
    int32_t tokens[MAX_STEPS];
    for (int s = 0; s < steps; s++) {
        float loss;
        if (s2s_trainer_step(t, &b, &loss, &tokens[s], &err) != S2S_OK) {
            fprintf(stderr, "native_ref: step %d: %s\n", s + 1, err.message);
            return 1;
        }
        printf(s ? ",%.9g" : "%.9g", loss);
    }
    printf("],\"tokens\":");
    print_ints(tokens, steps);
    printf(",\n\"after\":[");
    for (int i = 0; i < n; i++) {
        s2s_translate_params tp = s2s_translate_default_params();
        const int32_t *src[1] = {ids[0][i]};
        s2s_result *r = NULL;
        if (s2s_translate_ids(m, 1, src, &lens[0][i], &tp, &r, &err) != S2S_OK) {
            fprintf(stderr, "native_ref: %s\n", err.message);
            return 1;
        }
        int32_t len;
        const int32_t *out = s2s_result_tokens(r, 0, &len);
        if (i) putchar(',');
        print_ints(out, len);
        s2s_result_free(r);
    }
    printf("]}\n");
    s2s_trainer_free(t);
    s2s_model_free(m);
    return 0;
}

int main(int argc, char **argv) {
    int heads = argc == 4 && !strcmp(argv[3], "--heads");
    int training = argc == 6 && !strcmp(argv[3], "--train");
    if (argc != 3 && !heads && !training) {
        fprintf(stderr, "usage: native_ref MODEL.s2s SENTENCES.txt [--heads]\n"
                        "       native_ref MODEL.s2s PAIRS.tsv --train STEPS LEARNING_RATE\n");
        return 2;
    }
    size_t msize, tsize;
    char *mbytes = read_all(argv[1], &msize), *text = read_all(argv[2], &tsize);
    if (!mbytes || !text) {
        fprintf(stderr, "native_ref: cannot read %s or %s\n", argv[1], argv[2]);
        return 1;
    }
    s2s_error err = {0};
    s2s_model *m = NULL;
    if (s2s_model_load(&m, mbytes, msize, &err) != S2S_OK) {
        fprintf(stderr, "native_ref: %s\n", err.message);
        return 1;
    }
    const char *name = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
    if (training) {
        int steps = atoi(argv[4]);
        float lr = strtof(argv[5], NULL);
        if (steps < 1 || steps > MAX_STEPS || !(lr > 0.0f && lr <= 1.0f)) {
            fprintf(stderr, "native_ref: --train needs 1 to %d steps and a learning rate in (0, 1]\n",
                    MAX_STEPS);
            return 2;
        }
        int rc = train(name, m, text, steps, lr);
        s2s_model_free(m);
        free(mbytes);
        free(text);
        return rc;
    }
    printf("{\"model\":\"%s\",\"sentences\":[\n", name);
    int first = 1;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        int32_t ids[S2S_MAX_SEQ_LEN], n = 0;
        if (s2s_encode(m, line, strlen(line), ids, S2S_MAX_SEQ_LEN, &n, &err) != S2S_OK || n == 0) {
            fprintf(stderr, "native_ref: cannot encode \"%s\": %s\n", line, err.message);
            return 1;
        }
        printf("%s{\"text\":", first ? "" : ",\n");
        first = 0;
        print_string(line);
        printf(",\"sourceIds\":");
        print_ints(ids, n);
        const int beams[2] = {1, 4};
        for (int b = 0; b < 2; b++) {
            s2s_translate_params p = s2s_translate_default_params();
            p.beam_size = beams[b];
            const int32_t *src[1] = {ids};
            s2s_result *r = NULL;
            if (s2s_translate_ids(m, 1, src, &n, &p, &r, &err) != S2S_OK) {
                fprintf(stderr, "native_ref: %s\n", err.message);
                return 1;
            }
            int32_t len;
            const int32_t *out = s2s_result_tokens(r, 0, &len);
            const float *lp = s2s_result_token_logprobs(r, 0);
            printf(",\"beam%d\":{\"targetIds\":", beams[b]);
            print_ints(out, len);
            printf(",\"score\":%.9g,\"tokenLogprobs\":[", s2s_result_score(r, 0));
            for (int32_t i = 0; i <= len; i++) printf(i ? ",%.9g" : "%.9g", lp[i]);
            printf("]}");
            s2s_result_free(r);
        }
        if (heads) {
            s2s_translate_params p = s2s_translate_default_params();
            p.want_attention = 2;
            const int32_t *src[1] = {ids};
            s2s_result *r = NULL;
            int32_t L, H, R, C, Le, He, N;
            if (s2s_translate_ids(m, 1, src, &n, &p, &r, &err) != S2S_OK) {
                fprintf(stderr, "native_ref: %s\n", err.message);
                return 1;
            }
            const float *h = s2s_result_attention_heads(r, 0, &L, &H, &R, &C);
            const float *e = s2s_result_encoder_attention(r, 0, &Le, &He, &N);
            if (!h || !e) {
                fprintf(stderr, "native_ref: --heads needs a model with heads (a Transformer)\n");
                return 1;
            }
            printf(",\"heads\":{\"layers\":%d,\"heads\":%d,\"rows\":%d,\"cols\":%d,\"moments\":",
                   (int)L, (int)H, (int)R, (int)C);
            print_moments(h, L * H, R, R - 1, C);
            printf("},\"encoder\":{\"layers\":%d,\"heads\":%d,\"n\":%d,\"moments\":", (int)Le,
                   (int)He, (int)N);
            print_moments(e, Le * He, N, N, N);
            putchar('}');
            s2s_result_free(r);
        }
        putchar('}');
    }
    printf("\n]}\n");
    s2s_model_free(m);
    free(mbytes);
    free(text);
    return 0;
}
