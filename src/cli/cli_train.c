/*
 * cli_train.c — `s2s train`: read TSV pairs, tokenize with the model's
 * vocabulary, batch by length, run the trainer with progress, dev loss and
 * dev BLEU, keep the best model, stop early, checkpoint and resume.
 *
 * Resuming is exact because everything random about an epoch is a function
 * of (seed, epoch): the batch order is rebuilt from them and the batches
 * already done are skipped; the dropout generator and Adam moments come back
 * from the trainer state. The counters live as "train.*" meta in the
 * checkpoint model; the trainer state sits beside it in CKPT.opt.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "metrics.h"
#include "tokenizer.h"
#include "tsv.h"

/* ------------------------------------------------------------ options */

typedef struct train_opts {
    const char *train_path, *dev_path, *out_path, *vocab_path, *init_path, *ckpt_path;
    const char *step_log; /* --step-log: every step's loss, for tools/torch_train.py's test */
    s2s_hparams hp;
    int dec_hidden_set;
    s2s_train_params tp;
    long long batch, epochs, max_steps, max_len, dev_bleu_sentences, patience, eval_every,
        log_every, seed, keep_checkpoints;
    double time_limit_min, init_scale, lr_decay;
    long long warmup; /* steps of linear learning-rate warm-up (0: none) */
    int inverse_sqrt; /* --lr-schedule inverse-sqrt: lr sqrt(warmup / step) after the warm-up */
    long long rewarm; /* --rewarm: steps of linear ramp after --continue (fresh Adam moments) */
    int resume, reverse, cont;
    const char *meta[32]; /* --meta KEY=VALUE, in order */
    int n_meta;
} train_opts;

static const char train_usage[] =
    "usage: s2s train --train FILE.tsv --out MODEL.s2s (--vocab spm.vocab | --init MODEL.s2s)\n"
    "                 [--dev FILE.tsv] [options]\n"
    "TSV lines are domain<TAB>en<TAB>es (or en<TAB>es). The best model by dev BLEU is kept\n"
    "at --out (without --dev: the latest). Progress goes to stderr.\n"
    "  --reverse                       train es -> en from the same files (give it again\n"
    "                                  with --resume)\n"
    "  --meta KEY=VALUE                metadata string on the model (repeatable), e.g.\n"
    "                                  source_language=en\n"
    "model (new models only; --init and --resume take the shape from the file):\n"
    "  --cell lstm|gru|rnn            --attention bahdanau|luong-dot|luong-general|none\n"
    "  --bridge copy|project|zero     --emb N (256)   --hidden N (256, per direction)\n"
    "  --dec-hidden N (hidden x directions)           --layers N (1)\n"
    "  --bidirectional 0|1 (1)        --input-feed 0|1   --tie 0|1\n"
    "  --init-scale S (0.1)           uniform init range\n"
    "  --arch rnn|transformer (rnn)   Transformer: --emb is the model width and\n"
    "  --heads N (4)  --ff N (4 x emb)  --dec-layers N (--layers)\n"
    "  --positions sinusoidal|learned  --activation relu|gelu (relu); the RNN options\n"
    "                                  do not apply\n"
    "training:\n"
    "  --batch N (64)  --epochs N (10)  --max-steps N (0 = no limit)\n"
    "  --time-limit MINUTES            stop cleanly (and save) after this long\n"
    "  --lr X (1e-3)  --lr-decay F (1 = off; multiply lr by F after a dev set without gain)\n"
    "  --warmup N (0)                  raise the lr linearly over the first N steps\n"
    "  --lr-schedule plateau|inverse-sqrt (plateau: --lr-decay) inverse-sqrt: after\n"
    "                                  --warmup N steps, lr x sqrt(N / step) (give it\n"
    "                                  again with --resume)\n"
    "  --dropout P (0.2)  --label-smoothing E (0.1)  --clip NORM (5)  --seed N (1)\n"
    "  --max-len N (100)               drop pairs with more tokens on either side\n"
    "evaluation and checkpoints:\n"
    "  --dev-bleu-sentences N (500)    greedy translations scored for dev BLEU\n"
    "  --eval-every N (0 = each epoch) also evaluate every N steps\n"
    "  --patience N (3)                stop after N evaluations without a better dev BLEU\n"
    "  --checkpoint PATH (OUT.ckpt)    model + PATH.opt optimizer state, written at each\n"
    "                                  evaluation and on exit\n"
    "  --resume                        continue exactly from --checkpoint\n"
    "  --continue                      with --init: go on from where that file's run was\n"
    "                                  (its train.* metadata: step, epoch, batch order,\n"
    "                                  seed), so the schedule and the batches continue;\n"
    "                                  Adam's moments start at zero (see --rewarm). For\n"
    "                                  a committed master on a machine without the\n"
    "                                  checkpoint. With other training pairs than the\n"
    "                                  file's run (its train.data), that epoch starts\n"
    "                                  again at its first batch (so does --resume)\n"
    "  --rewarm N (0)                  after --continue, ramp the schedule's rate up\n"
    "                                  linearly over the first N steps\n"
    "  --keep-checkpoints N (0)        also keep the weights of each evaluation as\n"
    "                                  CKPT.step-STEP.s2s, the newest N of them (for\n"
    "                                  s2s average: checkpoint averaging)\n"
    "  --log-every N (100)             progress line interval when stderr is not a terminal\n"
    "  --step-log FILE                 one line per accepted step: step epoch batch tokens\n"
    "                                  loss lr (appended to with --resume)\n";

static int parse_train_args(int argc, char **argv, train_opts *o) {
    memset(o, 0, sizeof *o);
    o->hp = s2s_hparams_default();
    o->hp.emb_dim = 256;
    o->hp.enc_hidden = 256;
    o->hp.layers = 1;
    o->hp.bidirectional = 1;
    o->tp = s2s_train_default_params();
    o->tp.learning_rate = 1e-3f;
    o->tp.dropout = 0.2f;
    o->tp.label_smoothing = 0.1f;
    o->tp.clip_norm = 5.0f;
    o->batch = 64;
    o->epochs = 10;
    o->max_len = 100;
    o->dev_bleu_sentences = 500;
    o->patience = 3;
    o->log_every = 100;
    o->seed = 1;
    o->init_scale = 0.1;
    o->lr_decay = 1.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        long long n;
        double d;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(train_usage, stdout);
            return 1;
        }
        if (!strcmp(a, "--resume")) {
            o->resume = 1;
            continue;
        }
        if (!strcmp(a, "--reverse")) {
            o->reverse = 1;
            continue;
        }
        if (!strcmp(a, "--continue")) {
            o->cont = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            cli_error("train: unexpected argument '%s' (see s2s train -h)", a);
            return -1;
        }
        if (!(v = cli_next_value(argc, argv, &i))) return -1;
#define INT_OPT(name, field, lo, hi)                                  \
    else if (!strcmp(a, name)) {                                      \
        if (cli_parse_int(a, v, lo, hi, &n)) return -1;               \
        field = n;                                                    \
    }
#define DBL_OPT(name, field, lo, hi)                                  \
    else if (!strcmp(a, name)) {                                      \
        if (cli_parse_double(a, v, lo, hi, &d)) return -1;            \
        field = d;                                                    \
    }
        if (!strcmp(a, "--train")) o->train_path = v;
        else if (!strcmp(a, "--dev")) o->dev_path = v;
        else if (!strcmp(a, "--out")) o->out_path = v;
        else if (!strcmp(a, "--vocab")) o->vocab_path = v;
        else if (!strcmp(a, "--init")) o->init_path = v;
        else if (!strcmp(a, "--checkpoint")) o->ckpt_path = v;
        else if (!strcmp(a, "--step-log")) o->step_log = v;
        else if (!strcmp(a, "--lr-schedule")) {
            if (strcmp(v, "plateau") && strcmp(v, "inverse-sqrt")) {
                cli_error("--lr-schedule: '%s' is not one of plateau, inverse-sqrt", v);
                return -1;
            }
            o->inverse_sqrt = !strcmp(v, "inverse-sqrt");
        }
        else if (!strcmp(a, "--meta")) {
            if (o->n_meta == (int)(sizeof o->meta / sizeof o->meta[0])) {
                cli_error("train: at most 32 --meta options");
                return -1;
            }
            o->meta[o->n_meta++] = v;
        }
        else if (!strcmp(a, "--cell") || !strcmp(a, "--attention") || !strcmp(a, "--bridge") ||
                 !strcmp(a, "--arch") || !strcmp(a, "--positions") || !strcmp(a, "--activation")) {
            const char *field = !strcmp(a, "--arch") ? "architecture" : a + 2;
            int32_t value = cli_enum_value(field, v);
            if (value < 0) {
                char choices[128];
                cli_error("%s: '%s' is not one of %s", a, v,
                          cli_enum_choices(field, choices, sizeof choices));
                return -1;
            }
            if (!strcmp(field, "cell")) o->hp.cell = value;
            else if (!strcmp(field, "attention")) o->hp.attention = value;
            else if (!strcmp(field, "architecture")) o->hp.architecture = value;
            else if (!strcmp(field, "positions")) o->hp.positions = value;
            else if (!strcmp(field, "activation")) o->hp.activation = value;
            else o->hp.bridge = value;
        } else if (!strcmp(a, "--dec-hidden")) {
            if (cli_parse_int(a, v, 1, S2S_MAX_DIM, &n)) return -1;
            o->hp.dec_hidden = (int32_t)n;
            o->dec_hidden_set = 1;
        }
        INT_OPT("--emb", o->hp.emb_dim, 1, S2S_MAX_DIM)
        INT_OPT("--hidden", o->hp.enc_hidden, 1, S2S_MAX_DIM)
        INT_OPT("--layers", o->hp.layers, 1, S2S_MAX_LAYERS)
        INT_OPT("--bidirectional", o->hp.bidirectional, 0, 1)
        INT_OPT("--input-feed", o->hp.input_feed, 0, 1)
        INT_OPT("--tie", o->hp.tie_output, 0, 1)
        INT_OPT("--heads", o->hp.heads, 1, 256)
        INT_OPT("--ff", o->hp.ff_dim, 1, 4 * S2S_MAX_DIM)
        INT_OPT("--dec-layers", o->hp.dec_layers, 1, S2S_MAX_LAYERS)
        INT_OPT("--warmup", o->warmup, 0, (long long)1 << 40)
        INT_OPT("--rewarm", o->rewarm, 0, (long long)1 << 40)
        INT_OPT("--batch", o->batch, 1, S2S_MAX_BATCH)
        INT_OPT("--epochs", o->epochs, 0, 1000000)
        INT_OPT("--max-steps", o->max_steps, 0, (long long)1 << 40)
        INT_OPT("--max-len", o->max_len, 1, S2S_MAX_SEQ_LEN - 1)
        INT_OPT("--dev-bleu-sentences", o->dev_bleu_sentences, 0, (long long)1 << 40)
        INT_OPT("--patience", o->patience, 0, 1000000)
        INT_OPT("--keep-checkpoints", o->keep_checkpoints, 0, 1000)
        INT_OPT("--eval-every", o->eval_every, 0, (long long)1 << 40)
        INT_OPT("--log-every", o->log_every, 1, (long long)1 << 40)
        INT_OPT("--seed", o->seed, 0, (long long)1 << 62)
        DBL_OPT("--time-limit", o->time_limit_min, 0, 1e7)
        DBL_OPT("--lr", o->tp.learning_rate, 1e-9, 10)
        DBL_OPT("--lr-decay", o->lr_decay, 0.01, 1)
        DBL_OPT("--dropout", o->tp.dropout, 0, 0.99)
        DBL_OPT("--label-smoothing", o->tp.label_smoothing, 0, 0.99)
        DBL_OPT("--clip", o->tp.clip_norm, 0, 1e9)
        DBL_OPT("--init-scale", o->init_scale, 1e-6, 10)
        else {
            cli_error("train: unknown option '%s' (see s2s train -h)", a);
            return -1;
        }
#undef INT_OPT
#undef DBL_OPT
    }
    if (!o->train_path || !o->out_path) {
        cli_error("train: --train and --out are required (see s2s train -h)");
        return -1;
    }
    if (o->inverse_sqrt && (o->warmup < 1 || o->lr_decay < 1.0)) {
        cli_error("train: --lr-schedule inverse-sqrt needs --warmup N >= 1 and no --lr-decay");
        return -1;
    }
    if (o->cont && (!o->init_path || o->resume)) {
        cli_error("train: --continue goes with --init (and not with --resume)");
        return -1;
    }
    if (o->rewarm && !o->cont) {
        cli_error("train: --rewarm needs --continue");
        return -1;
    }
    if (!o->resume && !o->vocab_path == !o->init_path) {
        cli_error("train: give exactly one of --vocab (new model) or --init (start from a model)");
        return -1;
    }
    if (o->hp.architecture == S2S_ARCH_TRANSFORMER) {
        /* one width throughout; the RNN's fields are 0 */
        o->hp.enc_hidden = o->hp.dec_hidden = o->hp.emb_dim;
        o->hp.cell = o->hp.attention = o->hp.bridge = o->hp.input_feed = o->hp.bidirectional = 0;
        if (!o->hp.heads) o->hp.heads = 4;
        if (!o->hp.ff_dim) o->hp.ff_dim = 4 * o->hp.emb_dim;
        if (!o->hp.dec_layers) o->hp.dec_layers = o->hp.layers;
        if (o->hp.positions == S2S_POS_LEARNED) o->hp.max_positions = S2S_MAX_SEQ_LEN;
    } else if (!o->dec_hidden_set) {
        o->hp.dec_hidden = o->hp.enc_hidden * (o->hp.bidirectional ? 2 : 1);
    }
    o->tp.seed = (uint64_t)o->seed;
    return 0;
}

/* ------------------------------------------------------------ encoded data */

typedef struct encoded {
    int64_t n;
    int32_t *pool;                     /* all ids, back to back */
    int64_t *src_off, *tgt_off;        /* (n) into pool */
    int32_t *src_len, *tgt_len;        /* (n) */
    int64_t *row;                      /* (n) the corpus line each pair came from */
} encoded;

static void encoded_free(encoded *e) {
    free(e->pool);
    free(e->src_off);
    free(e->tgt_off);
    free(e->src_len);
    free(e->tgt_len);
    free(e->row);
    memset(e, 0, sizeof *e);
}

/* Tokenize every pair; pairs with an empty side, more than max_len tokens
 * on a side, or text the vocabulary cannot encode are dropped (counted). */
static int encode_corpus(const s2s_model *m, const tsv_corpus *c, int32_t max_len, encoded *e,
                         const char *what) {
    memset(e, 0, sizeof *e);
    size_t cap = 1 << 20, used = 0;
    e->pool = malloc(sizeof *e->pool * cap);
    e->src_off = malloc(sizeof *e->src_off * (size_t)(c->n + 1));
    e->tgt_off = malloc(sizeof *e->tgt_off * (size_t)(c->n + 1));
    e->src_len = malloc(sizeof *e->src_len * (size_t)(c->n + 1));
    e->tgt_len = malloc(sizeof *e->tgt_len * (size_t)(c->n + 1));
    e->row = malloc(sizeof *e->row * (size_t)(c->n + 1));
    if (!e->pool || !e->src_off || !e->tgt_off || !e->src_len || !e->tgt_len || !e->row) {
        cli_error("out of memory encoding %s", what);
        encoded_free(e);
        return -1;
    }
    int64_t too_long = 0, empty = 0, bad = 0;
    int64_t src_tokens = 0, tgt_tokens = 0;
    for (int64_t i = 0; i < c->n; i++) {
        int32_t s[S2S_MAX_SEQ_LEN], t[S2S_MAX_SEQ_LEN], sn = 0, tn = 0;
        s2s_error err = {0};
        s2s_status st1 = s2s_encode(m, c->src[i], strlen(c->src[i]), s, S2S_MAX_SEQ_LEN, &sn, &err);
        s2s_status st2 = st1 == S2S_OK ? s2s_encode(m, c->tgt[i], strlen(c->tgt[i]), t,
                                                    S2S_MAX_SEQ_LEN, &tn, &err)
                                       : st1;
        if (st1 == S2S_ERR_INPUT_TOO_LONG || st2 == S2S_ERR_INPUT_TOO_LONG ||
            (st2 == S2S_OK && (sn > max_len || tn > max_len))) {
            too_long++;
            continue;
        }
        if (st2 != S2S_OK) {
            if (bad++ < 3) {
                char msg[96];
                snprintf(msg, sizeof msg, "%s pair %lld dropped", what, (long long)(i + 1));
                cli_error_s2s(msg, &err);
            }
            continue;
        }
        if (sn == 0 || tn == 0) {
            empty++;
            continue;
        }
        if (used + (size_t)sn + (size_t)tn > cap) {
            while (used + (size_t)sn + (size_t)tn > cap) cap *= 2;
            int32_t *grown = realloc(e->pool, sizeof *grown * cap);
            if (!grown) {
                cli_error("out of memory encoding %s", what);
                encoded_free(e);
                return -1;
            }
            e->pool = grown;
        }
        memcpy(e->pool + used, s, sizeof *s * (size_t)sn);
        e->src_off[e->n] = (int64_t)used;
        e->src_len[e->n] = sn;
        used += (size_t)sn;
        memcpy(e->pool + used, t, sizeof *t * (size_t)tn);
        e->tgt_off[e->n] = (int64_t)used;
        e->tgt_len[e->n] = tn;
        used += (size_t)tn;
        e->row[e->n] = i;
        e->n++;
        src_tokens += sn;
        tgt_tokens += tn;
    }
    fprintf(stderr,
            "s2s: %s: %lld pairs kept of %lld (%lld longer than %d tokens, %lld with an empty "
            "side, %lld unreadable); %.1f source and %.1f target tokens per sentence\n",
            what, (long long)e->n, (long long)c->n, (long long)too_long, max_len,
            (long long)empty, (long long)bad, e->n ? (double)src_tokens / (double)e->n : 0.0,
            e->n ? (double)tgt_tokens / (double)e->n : 0.0);
    return 0;
}

/* FNV-1a (64-bit) over every kept pair's ids, in order, as 16 hex digits:
 * which training data a batch position counts in. Another file (or the same
 * one tokenized by another vocabulary) gives other batches for the same
 * seed and epoch, so a saved position means nothing there. */
static uint64_t fnv1a_u32(uint64_t h, uint32_t v) {
    for (int b = 0; b < 4; b++) {
        h ^= (v >> (8 * b)) & 0xFFu;
        h *= 1099511628211ull;
    }
    return h;
}

/* a side's length first, so that pairs cannot run into each other */
static uint64_t fnv1a_ids(uint64_t h, const int32_t *ids, int32_t n) {
    h = fnv1a_u32(h, (uint32_t)n);
    for (int32_t j = 0; j < n; j++) h = fnv1a_u32(h, (uint32_t)ids[j]);
    return h;
}

static void corpus_fingerprint(const encoded *e, char out[17]) {
    uint64_t h = 14695981039346656037ull;
    for (int64_t i = 0; i < e->n; i++) {
        h = fnv1a_ids(h, e->pool + e->src_off[i], e->src_len[i]);
        h = fnv1a_ids(h, e->pool + e->tgt_off[i], e->tgt_len[i]);
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* ------------------------------------------------------------ batch plans */

typedef struct plan {
    int64_t *order;      /* (n) pair indices, batch after batch */
    int64_t *start;      /* (n_batches) into order */
    int32_t *size;       /* (n_batches) */
    int64_t n_batches;
} plan;

static void plan_free(plan *p) {
    free(p->order);
    free(p->start);
    free(p->size);
    memset(p, 0, sizeof *p);
}

typedef struct keyed {
    int32_t len;
    int64_t index;
} keyed;

static int by_len_then_index(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* The batches of one epoch: shuffle, sort by source length inside chunks of
 * 100 batches (so a batch pads little), cut, shuffle the batches. A pure
 * function of (seed, epoch), which is what makes --resume exact. */
static int make_plan(const encoded *e, int32_t batch, uint64_t seed, int64_t epoch, plan *p) {
    memset(p, 0, sizeof *p);
    int64_t n = e->n, max_batches = n / batch + n / ((int64_t)batch * 100) + 2;
    keyed *k = malloc(sizeof *k * (size_t)(n + 1));
    int64_t *perm_start = malloc(sizeof *perm_start * (size_t)max_batches);
    int32_t *perm_size = malloc(sizeof *perm_size * (size_t)max_batches);
    p->order = malloc(sizeof *p->order * (size_t)(n + 1));
    p->start = malloc(sizeof *p->start * (size_t)max_batches);
    p->size = malloc(sizeof *p->size * (size_t)max_batches);
    if (!k || !perm_start || !perm_size || !p->order || !p->start || !p->size) {
        free(k);
        free(perm_start);
        free(perm_size);
        plan_free(p);
        cli_error("out of memory planning batches");
        return -1;
    }
    cli_rng rng = {seed * 0x9E3779B97F4A7C15ull ^ ((uint64_t)epoch << 32) ^ 0x5EED};
    for (int64_t i = 0; i < n; i++) k[i].index = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)cli_rng_below(&rng, (uint64_t)i + 1);
        keyed t = k[i];
        k[i] = k[j];
        k[j] = t;
    }
    int64_t chunk = (int64_t)batch * 100, nb = 0;
    for (int64_t c0 = 0; c0 < n; c0 += chunk) {
        int64_t c1 = c0 + chunk < n ? c0 + chunk : n;
        for (int64_t i = c0; i < c1; i++) k[i].len = e->src_len[k[i].index];
        qsort(k + c0, (size_t)(c1 - c0), sizeof *k, by_len_then_index);
        for (int64_t b = c0; b < c1; b += batch) {
            perm_start[nb] = b;
            perm_size[nb] = (int32_t)(c1 - b < batch ? c1 - b : batch);
            nb++;
        }
    }
    for (int64_t i = 0; i < n; i++) p->order[i] = k[i].index;
    for (int64_t i = nb - 1; i > 0; i--) {
        int64_t j = (int64_t)cli_rng_below(&rng, (uint64_t)i + 1);
        int64_t ts = perm_start[i];
        int32_t tz = perm_size[i];
        perm_start[i] = perm_start[j];
        perm_size[i] = perm_size[j];
        perm_start[j] = ts;
        perm_size[j] = tz;
    }
    memcpy(p->start, perm_start, sizeof *p->start * (size_t)nb);
    memcpy(p->size, perm_size, sizeof *p->size * (size_t)nb);
    p->n_batches = nb;
    free(k);
    free(perm_start);
    free(perm_size);
    return 0;
}

/* Point a library batch at pairs idx[0..k) of e (arrays sized S2S_MAX_BATCH). */
typedef struct batch_view {
    const int32_t *src[S2S_MAX_BATCH], *tgt[S2S_MAX_BATCH];
    int32_t src_len[S2S_MAX_BATCH], tgt_len[S2S_MAX_BATCH];
    s2s_batch b;
} batch_view;

static void view_batch(batch_view *v, const encoded *e, const int64_t *idx, int32_t k) {
    for (int32_t j = 0; j < k; j++) {
        v->src[j] = e->pool + e->src_off[idx[j]];
        v->tgt[j] = e->pool + e->tgt_off[idx[j]];
        v->src_len[j] = e->src_len[idx[j]];
        v->tgt_len[j] = e->tgt_len[idx[j]];
    }
    v->b.n = k;
    v->b.src = v->src;
    v->b.src_len = v->src_len;
    v->b.tgt = v->tgt;
    v->b.tgt_len = v->tgt_len;
}

/* ------------------------------------------------------------ evaluation */

typedef struct dev_result {
    double loss, bleu, chrf;
    int64_t tokens;
} dev_result;

/* Dev loss over every kept dev pair, and BLEU/chrF2 of greedy translations
 * of the first `bleu_n` against their reference text. */
static int evaluate(s2s_trainer *t, const s2s_model *m, const encoded *dev, const tsv_corpus *dc,
                    int32_t batch, int64_t bleu_n, batch_view *view, dev_result *r) {
    memset(r, 0, sizeof *r);
    double loss_sum = 0;
    int64_t *idx = malloc(sizeof *idx * (size_t)(dev->n + 1));
    if (!idx) {
        cli_error("out of memory evaluating");
        return -1;
    }
    for (int64_t i = 0; i < dev->n; i++) idx[i] = i;
    for (int64_t s = 0; s < dev->n; s += batch) {
        int32_t k = (int32_t)(dev->n - s < batch ? dev->n - s : batch);
        view_batch(view, dev, idx + s, k);
        float loss = 0;
        int32_t tokens = 0;
        s2s_error err = {0};
        if (s2s_trainer_eval(t, &view->b, &loss, &tokens, &err) != S2S_OK) {
            cli_error_s2s("dev loss failed", &err);
            free(idx);
            return -1;
        }
        loss_sum += (double)loss * tokens;
        r->tokens += tokens;
    }
    free(idx);
    r->loss = r->tokens ? loss_sum / (double)r->tokens : 0.0;

    if (bleu_n > dev->n) bleu_n = dev->n;
    if (bleu_n == 0) return 0;
    const int32_t **src = malloc(sizeof *src * (size_t)bleu_n);
    char **hyps = malloc(sizeof *hyps * (size_t)bleu_n);
    if (!src || !hyps) {
        free(src);
        free(hyps);
        cli_error("out of memory evaluating");
        return -1;
    }
    for (int64_t i = 0; i < bleu_n; i++) src[i] = dev->pool + dev->src_off[i];
    s2s_translate_params tp = s2s_translate_default_params();
    tp.beam_size = 1;
    int rc = cli_translate_encoded(m, bleu_n, src, dev->src_len, &tp, batch, hyps, NULL, NULL);
    if (rc == 0) {
        bleu_stats bs;
        chrf_stats cs;
        memset(&bs, 0, sizeof bs);
        memset(&cs, 0, sizeof cs);
        for (int64_t i = 0; i < bleu_n && rc == 0; i++) {
            const char *ref = dc->tgt[dev->row[i]];
            if (bleu_add(&bs, hyps[i], ref) || chrf_add(&cs, hyps[i], ref)) {
                cli_error("out of memory scoring");
                rc = -1;
            }
        }
        r->bleu = bleu_score(&bs).score;
        r->chrf = chrf_score(&cs);
        for (int64_t i = 0; i < bleu_n; i++) free(hyps[i]);
    }
    free(src);
    free(hyps);
    return rc;
}

/* ------------------------------------------------------------ state */

typedef struct train_state {
    int64_t epoch;       /* 1-based, the epoch in progress */
    int64_t batch_done;  /* batches of it already trained */
    int64_t step;        /* optimizer steps over the whole run */
    double best_bleu;    /* -1 before the first evaluation */
    int64_t best_step;
    int64_t bad_evals;   /* evaluations since the best */
    double lr;
    uint64_t seed;
    int64_t batch;
    char data[17];       /* corpus_fingerprint of the training pairs; "" when unknown */
} train_state;

static int set_meta_text(s2s_model *m, const char *key, const char *v) {
    s2s_error err = {0};
    if (s2s_model_set_meta(m, key, v, &err) != S2S_OK) {
        cli_error_s2s("cannot set model metadata", &err);
        return -1;
    }
    return 0;
}

static int set_meta_num(s2s_model *m, const char *key, double v, int integer) {
    char buf[64];
    if (integer) snprintf(buf, sizeof buf, "%lld", (long long)v);
    else snprintf(buf, sizeof buf, "%.17g", v);
    return set_meta_text(m, key, buf);
}

static int store_state(s2s_model *m, const train_state *s) {
    return set_meta_num(m, "train.epoch", (double)s->epoch, 1) ||
           set_meta_num(m, "train.batch_done", (double)s->batch_done, 1) ||
           set_meta_num(m, "train.step", (double)s->step, 1) ||
           set_meta_num(m, "train.best_bleu", s->best_bleu, 0) ||
           set_meta_num(m, "train.best_step", (double)s->best_step, 1) ||
           set_meta_num(m, "train.bad_evals", (double)s->bad_evals, 1) ||
           set_meta_num(m, "train.lr", s->lr, 0) ||
           set_meta_num(m, "train.seed", (double)s->seed, 1) ||
           set_meta_num(m, "train.batch", (double)s->batch, 1) ||
           set_meta_text(m, "train.data", s->data)
               ? -1
               : 0;
}

static int load_num(const s2s_model *m, const char *key, double *out) {
    const char *v = s2s_model_meta(m, key);
    char *end;
    if (!v) {
        cli_error("the model file has no '%s' metadata: not written by s2s train?", key);
        return -1;
    }
    *out = strtod(v, &end);
    if (end == v || *end) {
        cli_error("checkpoint metadata '%s' = '%s' is not a number", key, v);
        return -1;
    }
    return 0;
}

static int restore_state(const s2s_model *m, train_state *s) {
    double v[9];
    static const char *const keys[9] = {"train.epoch", "train.batch_done", "train.step",
                                        "train.best_bleu", "train.best_step", "train.bad_evals",
                                        "train.lr", "train.seed", "train.batch"};
    for (int i = 0; i < 9; i++)
        if (load_num(m, keys[i], &v[i])) return -1;
    s->epoch = (int64_t)v[0];
    s->batch_done = (int64_t)v[1];
    s->step = (int64_t)v[2];
    s->best_bleu = v[3];
    s->best_step = (int64_t)v[4];
    s->bad_evals = (int64_t)v[5];
    s->lr = v[6];
    /* The seed as text keeps 17 digits, enough for the seeds the option takes. */
    s->seed = (uint64_t)v[7];
    s->batch = (int64_t)v[8];
    /* optional: files written before it was recorded have none */
    const char *data = s2s_model_meta(m, "train.data");
    snprintf(s->data, sizeof s->data, "%s", data && strlen(data) == 16 ? data : "");
    return 0;
}

static char *opt_path(const char *ckpt) {
    size_t n = strlen(ckpt);
    char *p = malloc(n + 5);
    if (p) {
        memcpy(p, ckpt, n);
        memcpy(p + n, ".opt", 5);
    }
    return p;
}

/* The step of a kept checkpoint's file name "BASE.step-STEP.s2s", or -1. */
static long long kept_step(const char *name, const char *base) {
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0 || strncmp(name + n, ".step-", 6) != 0) return -1;
    const char *p = name + n + 6;
    long long step = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 18; p++, digits++) step = step * 10 + (*p - '0');
    return digits && !strcmp(p, ".s2s") ? step : -1;
}

/* --keep-checkpoints: the weights at this step as CKPT.step-STEP.s2s, and
 * only the newest `keep` such files of CKPT left in its folder (older runs'
 * included, so a resumed run keeps counting). */
static int keep_checkpoint(const s2s_model *m, const char *ckpt, long long step, long long keep) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s.step-%lld.s2s", ckpt, step) >= (int)sizeof path) {
        cli_error("checkpoint path too long: %s", ckpt);
        return -1;
    }
    if (cli_save_model(m, path)) return -1;
    const char *slash = strrchr(ckpt, '/');
    const char *base = slash ? slash + 1 : ckpt;
    char dir[4096]; /* the checkpoint's folder: ".", "/" or the path before the last '/' */
    if (!slash) snprintf(dir, sizeof dir, ".");
    else snprintf(dir, sizeof dir, "%.*s", slash == ckpt ? 1 : (int)(slash - ckpt), ckpt);
    DIR *d = opendir(dir);
    if (!d) return 0; /* the newest is written; pruning is a courtesy */
    long long steps[1024];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 1024;) {
        long long s = kept_step(e->d_name, base);
        if (s >= 0) steps[n++] = s;
    }
    closedir(d);
    for (int i = 0; i < n; i++) { /* unlink all but the `keep` largest steps */
        int newer = 0;
        for (int j = 0; j < n; j++) newer += steps[j] > steps[i];
        if (newer >= keep) {
            snprintf(path, sizeof path, "%s.step-%lld.s2s", ckpt, steps[i]);
            if (unlink(path) != 0) cli_error("warning: cannot remove %s", path);
        }
    }
    return 0;
}

static int save_checkpoint(s2s_model *m, const s2s_trainer *t, const train_state *s,
                           const char *ckpt, long long keep) {
    if (store_state(m, s) || cli_save_model(m, ckpt)) return -1;
    if (keep > 0 && keep_checkpoint(m, ckpt, s->step, keep)) return -1;
    uint8_t *data = NULL;
    size_t size = 0;
    s2s_error err = {0};
    if (s2s_trainer_save_state(t, &data, &size, &err) != S2S_OK) {
        cli_error_s2s("cannot save the optimizer state", &err);
        return -1;
    }
    char *path = opt_path(ckpt);
    int rc = path ? cli_write_file(path, data, size) : -1;
    if (!path) cli_error("out of memory");
    free(path);
    s2s_free(data);
    return rc;
}

/* ------------------------------------------------------------ model setup */

static s2s_model *new_model_from_vocab(const train_opts *o) {
    char *text;
    size_t size;
    if (cli_read_file(o->vocab_path, &text, &size) != 0) return NULL;
    tokenizer *tok = NULL;
    s2s_error err = {0};
    s2s_status st = tokenizer_from_spm_vocab(&tok, text, size, &err);
    free(text);
    if (st != S2S_OK) {
        char what[512];
        snprintf(what, sizeof what, "cannot read vocabulary %s", o->vocab_path);
        cli_error_s2s(what, &err);
        return NULL;
    }
    int32_t n = tokenizer_size(tok);
    if (n < 4 || tokenizer_type(tok, S2S_UNK) != PIECE_UNKNOWN ||
        tokenizer_type(tok, S2S_SOS) != PIECE_CONTROL ||
        tokenizer_type(tok, S2S_EOS) != PIECE_CONTROL) {
        cli_error("warning: %s does not have <pad>/<unk>/<s>/</s> at ids 0-3; train "
                  "SentencePiece with --pad_id=0 --unk_id=1 --bos_id=2 --eos_id=3",
                  o->vocab_path);
    }
    s2s_hparams hp = o->hp;
    hp.src_vocab = hp.tgt_vocab = n;
    s2s_model *m = NULL;
    const char **pieces = malloc(sizeof *pieces * (size_t)n);
    float *scores = malloc(sizeof *scores * (size_t)n);
    int32_t *types = malloc(sizeof *types * (size_t)n);
    if (!pieces || !scores || !types) {
        cli_error("out of memory");
        goto done;
    }
    for (int32_t i = 0; i < n; i++) {
        pieces[i] = tokenizer_piece(tok, i);
        scores[i] = tokenizer_score(tok, i);
        types[i] = tokenizer_type(tok, i);
    }
    if (s2s_hparams_validate(&hp, &err) != S2S_OK) {
        cli_error_s2s("invalid model shape", &err);
        goto done;
    }
    if (s2s_model_init(&m, &hp, (uint64_t)o->seed, (float)o->init_scale, &err) != S2S_OK) {
        cli_error_s2s("cannot create the model", &err);
        goto done;
    }
    if (s2s_model_set_vocab(m, n, pieces, scores, types, &err) != S2S_OK) {
        cli_error_s2s("cannot attach the vocabulary", &err);
        s2s_model_free(m);
        m = NULL;
    }
done:
    free(pieces);
    free(scores);
    free(types);
    tokenizer_free(tok);
    return m;
}

static s2s_model *model_from_init(const char *path) {
    s2s_model *m = cli_load_model(path);
    if (m && s2s_model_is_quantized(m)) {
        /* Training needs f32 weights. */
        s2s_model *f = NULL;
        s2s_error err = {0};
        if (s2s_model_dequantize(&f, m, &err) != S2S_OK) cli_error_s2s("cannot dequantize", &err);
        s2s_model_free(m);
        m = f;
    }
    if (m && !s2s_model_has_vocab(m)) {
        cli_error("%s has no vocabulary attached", path);
        s2s_model_free(m);
        m = NULL;
    }
    /* The file's record of which checkpoints it is the mean of would be
     * false of the weights trained from it (train.* keys are rewritten). */
    if (m) s2s_model_remove_meta(m, "averaged_steps");
    return m;
}

/* ------------------------------------------------------------ progress */

static volatile sig_atomic_t interrupted;
static void on_interrupt(int sig) {
    (void)sig;
    interrupted = 1;
}

typedef struct progress {
    int tty;
    int open_line; /* a '\r' line is on screen and needs a newline first */
} progress;

static void progress_newline(progress *p) {
    if (p->open_line) fputc('\n', stderr);
    p->open_line = 0;
}

/* ------------------------------------------------------------ the command */

int cmd_train(int argc, char **argv) {
    train_opts o;
    int pr = parse_train_args(argc, argv, &o);
    if (pr != 0) return pr > 0 ? 0 : 2;

    char *default_ckpt = NULL;
    const char *ckpt = o.ckpt_path;
    if (!ckpt) {
        size_t n = strlen(o.out_path);
        default_ckpt = malloc(n + 6);
        if (!default_ckpt) return 1;
        memcpy(default_ckpt, o.out_path, n);
        memcpy(default_ckpt + n, ".ckpt", 6);
        ckpt = default_ckpt;
    }

    int status = 1;
    tsv_corpus train_c, dev_c;
    encoded train_e, dev_e;
    plan pl;
    memset(&train_c, 0, sizeof train_c);
    memset(&dev_c, 0, sizeof dev_c);
    memset(&train_e, 0, sizeof train_e);
    memset(&dev_e, 0, sizeof dev_e);
    memset(&pl, 0, sizeof pl);
    s2s_model *model = NULL;
    s2s_trainer *trainer = NULL;
    batch_view *view = malloc(sizeof *view);
    FILE *step_log = NULL;
    s2s_error err = {0};
    train_state s;
    memset(&s, 0, sizeof s);
    s.epoch = 1;
    s.best_bleu = -1;
    s.lr = o.tp.learning_rate;
    s.seed = (uint64_t)o.seed;
    s.batch = o.batch;
    if (!view) {
        cli_error("out of memory");
        goto done;
    }

    /* The model: resumed, started from a file, or new from a vocabulary. */
    if (o.resume) {
        if (!(model = cli_load_model(ckpt))) goto done;
        if (restore_state(model, &s)) goto done;
        o.batch = s.batch; /* the batch plan must be rebuilt identically */
        o.tp.learning_rate = (float)s.lr;
        o.tp.seed = s.seed;
    } else if (o.init_path) {
        if (!(model = model_from_init(o.init_path))) goto done;
        if (o.cont) {
            /* where the file's run was: the step (so the schedule goes on), the
             * epoch, batch and seed (so the batch order goes on). Not its best
             * dev BLEU: --out is the best of this run. Dropout is seeded apart
             * from the first run's (the generator's state is not in the file). */
            if (restore_state(model, &s)) goto done;
            s.best_bleu = -1;
            s.best_step = 0;
            s.bad_evals = 0;
            s.lr = o.tp.learning_rate;
            o.batch = s.batch;
            o.tp.seed = s.seed + (uint64_t)s.step;
            fprintf(stderr, "s2s: continuing %s's run at epoch %lld, batch %lld, step %lld%s\n",
                    o.init_path, (long long)s.epoch, (long long)s.batch_done, (long long)s.step,
                    o.rewarm ? " (rate ramped up again)" : "");
        }
    } else {
        if (!(model = new_model_from_vocab(&o))) goto done;
    }
    for (int i = 0; i < o.n_meta; i++)
        if (cli_set_meta(model, o.meta[i])) goto done;
    if (s2s_trainer_init(&trainer, model, &o.tp, &err) != S2S_OK) {
        cli_error_s2s("cannot start training", &err);
        goto done;
    }
    if (o.resume) {
        char *path = opt_path(ckpt), *data = NULL;
        size_t size = 0;
        int rc = path ? cli_read_file(path, &data, &size) : -1;
        free(path);
        if (rc) goto done;
        s2s_status st = s2s_trainer_load_state(trainer, data, size, &err);
        free(data);
        if (st != S2S_OK) {
            cli_error_s2s("cannot restore the optimizer state", &err);
            goto done;
        }
        fprintf(stderr, "s2s: resuming %s at epoch %lld, batch %lld, step %lld (best dev BLEU %.2f)\n",
                ckpt, (long long)s.epoch, (long long)s.batch_done, (long long)s.step,
                s.best_bleu);
    }
    {
        const s2s_hparams *hp = s2s_model_hparams(model);
        if (hp->architecture == S2S_ARCH_TRANSFORMER)
            fprintf(stderr,
                    "s2s: model transformer, emb %d, heads %d, ff %d, layers %d+%d, %s positions, "
                    "%s, vocab %d: %zu parameters\n",
                    hp->emb_dim, hp->heads, hp->ff_dim, hp->layers, hp->dec_layers,
                    cli_enum_name("positions", hp->positions),
                    cli_enum_name("activation", hp->activation), hp->src_vocab,
                    s2s_model_num_params(model));
        else
            fprintf(stderr,
                    "s2s: model %s/%s/%s, emb %d, hidden %d%s, dec %d, layers %d, vocab %d: %zu "
                    "parameters\n",
                    cli_enum_name("cell", hp->cell), cli_enum_name("attention", hp->attention),
                    cli_enum_name("bridge", hp->bridge), hp->emb_dim, hp->enc_hidden,
                    hp->bidirectional ? " x2" : "", hp->dec_hidden, hp->layers, hp->src_vocab,
                    s2s_model_num_params(model));
    }

    if (tsv_read(o.train_path, &train_c)) goto done;
    if (o.reverse) tsv_reverse(&train_c);
    if (encode_corpus(model, &train_c, (int32_t)o.max_len, &train_e, "train")) goto done;
    if (train_e.n == 0) {
        cli_error("train: no usable pairs in %s", o.train_path);
        goto done;
    }
    {
        char now[17];
        corpus_fingerprint(&train_e, now);
        if ((o.resume || o.cont) && s.data[0] && strcmp(s.data, now) && s.batch_done > 0) {
            /* its position in the saved run's batch order would skip batches of
             * this one's (never seen this epoch) and repeat others */
            fprintf(stderr,
                    "s2s: the training pairs are not the ones that run used (train.data %s, now "
                    "%s): epoch %lld starts again at its first batch\n",
                    s.data, now, (long long)s.epoch);
            s.batch_done = 0;
        }
        memcpy(s.data, now, sizeof now);
    }
    if (o.dev_path) {
        if (tsv_read(o.dev_path, &dev_c)) goto done;
        if (o.reverse) tsv_reverse(&dev_c);
        /* Dev pairs are never dropped for length: the dev set stays the dev set. */
        if (encode_corpus(model, &dev_c, S2S_MAX_SEQ_LEN - 1, &dev_e, "dev")) goto done;
    }

    if (o.step_log && !(step_log = fopen(o.step_log, o.resume ? "a" : "w"))) {
        cli_error("cannot write %s", o.step_log);
        goto done;
    }
    progress pg = {isatty(fileno(stderr)), 0};
    signal(SIGINT, on_interrupt);
    double t_start = cli_now(), t_last = t_start, limit = o.time_limit_min * 60.0;
    int64_t run_steps = 0, win_tokens = 0, last_eval_step = -1;
    double epoch_loss = 0, epoch_tokens = 0;
    int diverged_in_a_row = 0;
    const char *stop = NULL;
    int need_final_eval = 0;

    while (!stop) {
        if (o.epochs > 0 && s.epoch > o.epochs) {
            stop = "all epochs done";
            break;
        }
        plan_free(&pl);
        if (make_plan(&train_e, (int32_t)o.batch, s.seed, s.epoch, &pl)) goto done;
        epoch_loss = epoch_tokens = 0;
        for (int64_t b = s.batch_done; b < pl.n_batches && !stop; b++) {
            view_batch(view, &train_e, pl.order + pl.start[b], pl.size[b]);
            float loss = 0;
            int32_t tokens = 0;
            /* linear warm-up, then the schedule's rate: s.lr (lowered on plateaus
             * by --lr-decay), or s.lr sqrt(warmup / step), equal at the warm-up's end */
            double lr_now = o.warmup > 0 && s.step < o.warmup
                                ? s.lr * (double)(s.step + 1) / (double)o.warmup
                            : o.inverse_sqrt ? s.lr * sqrt((double)o.warmup / (double)(s.step + 1))
                                             : s.lr;
            /* --rewarm: Adam's moments are new after --continue; ramp up again */
            if (run_steps < o.rewarm) lr_now *= (double)(run_steps + 1) / (double)o.rewarm;
            if (o.warmup > 0 || o.rewarm > 0) s2s_trainer_set_learning_rate(trainer, (float)lr_now);
            s2s_status st = s2s_trainer_step(trainer, &view->b, &loss, &tokens, &err);
            s.batch_done = b + 1;
            int stepped = 0;
            if (st == S2S_ERR_DIVERGED) {
                /* The library rolled the step back; skip this batch. */
                progress_newline(&pg);
                cli_error("warning: step skipped: %s", err.message);
                if (++diverged_in_a_row >= 20) {
                    cli_error("training diverged 20 steps in a row; try a lower --lr or --clip");
                    stop = "diverged";
                    break;
                }
            } else if (st != S2S_OK) {
                progress_newline(&pg);
                cli_error_s2s("training step failed", &err);
                goto done;
            } else {
                stepped = 1;
                diverged_in_a_row = 0;
                s.step++;
                run_steps++;
                need_final_eval = 1;
                epoch_loss += (double)loss * tokens;
                epoch_tokens += tokens;
                if (step_log)
                    fprintf(step_log, "%lld %lld %lld %d %.9g %.9g\n", (long long)s.step,
                            (long long)s.epoch, (long long)b, (int)tokens, (double)loss, lr_now);
                win_tokens += tokens;
            }

            double now = cli_now(), elapsed = now - t_start;
            if (o.max_steps > 0 && s.step >= o.max_steps) stop = "--max-steps reached";
            if (limit > 0 && elapsed >= limit) stop = "--time-limit reached";
            if (interrupted) stop = "interrupted";
            if (stepped && ((pg.tty && now - t_last >= 0.25) ||
                            (!pg.tty && s.step % o.log_every == 0) || stop)) {
                /* ETA from this run's pace, towards the nearest limit. */
                double per_step = elapsed / (double)run_steps, eta = -1;
                if (o.epochs > 0)
                    eta = per_step * (double)((o.epochs - s.epoch) * pl.n_batches +
                                              (pl.n_batches - b - 1));
                if (o.max_steps > 0) {
                    double e2 = per_step * (double)(o.max_steps - s.step);
                    eta = eta < 0 || e2 < eta ? e2 : eta;
                }
                if (limit > 0 && (eta < 0 || limit - elapsed < eta)) eta = fmax(0.0, limit - elapsed);
                char el[32], et[32];
                cli_format_duration(el, sizeof el, elapsed);
                cli_format_duration(et, sizeof et, eta);
                double dt = now - t_last;
                fprintf(stderr, "%sepoch %lld  step %lld  batch %lld/%lld  loss %.4f  %.0f tok/s  "
                        "elapsed %s  ETA %s%s",
                        pg.tty ? "\r" : "", (long long)s.epoch, (long long)s.step,
                        (long long)(b + 1), (long long)pl.n_batches,
                        epoch_tokens > 0 ? epoch_loss / epoch_tokens : 0.0,
                        dt > 0 ? (double)win_tokens / dt : 0.0, el, et, pg.tty ? "   " : "\n");
                pg.open_line = pg.tty;
                t_last = now;
                win_tokens = 0;
            }
            int end_of_epoch = b + 1 == pl.n_batches;
            int periodic = stepped && o.eval_every > 0 && s.step % o.eval_every == 0;
            if (end_of_epoch || periodic) {
                if (end_of_epoch) {
                    s.epoch++;
                    s.batch_done = 0;
                }
                /* Evaluate below, outside the batch loop's bookkeeping. */
                progress_newline(&pg);
                dev_result r = {0};
                if (o.dev_path && dev_e.n > 0) {
                    double t0 = cli_now();
                    if (evaluate(trainer, model, &dev_e, &dev_c, (int32_t)o.batch,
                                 o.dev_bleu_sentences, view, &r))
                        goto done;
                    int better = r.bleu > s.best_bleu;
                    if (better) {
                        s.best_bleu = r.bleu;
                        s.best_step = s.step;
                        s.bad_evals = 0;
                        if (store_state(model, &s) || cli_save_model(model, o.out_path)) goto done;
                    } else {
                        s.bad_evals++;
                        if (o.lr_decay < 1.0) {
                            s.lr *= o.lr_decay;
                            s2s_trainer_set_learning_rate(trainer, (float)s.lr);
                        }
                    }
                    fprintf(stderr,
                            "dev: step %lld  loss %.4f  ppl %.2f  BLEU %.2f  chrF2 %.2f  (%lld "
                            "sentences, %.1f s)%s\n",
                            (long long)s.step, r.loss, exp(r.loss), r.bleu, r.chrf,
                            (long long)(o.dev_bleu_sentences < dev_e.n ? o.dev_bleu_sentences
                                                                       : dev_e.n),
                            cli_now() - t0,
                            better ? "  best, saved" : "");
                    if (!better && o.lr_decay < 1.0)
                        fprintf(stderr, "s2s: learning rate now %g\n", s.lr);
                    if (!better && o.patience > 0 && s.bad_evals >= o.patience && !stop)
                        stop = "early stopping (no better dev BLEU)";
                } else {
                    if (store_state(model, &s) || cli_save_model(model, o.out_path)) goto done;
                }
                last_eval_step = s.step;
                need_final_eval = 0;
                if (save_checkpoint(model, trainer, &s, ckpt, o.keep_checkpoints)) goto done;
                if (end_of_epoch) break;
            }
        }
        if (pl.n_batches == 0) break;
    }

    progress_newline(&pg);
    if (need_final_eval && last_eval_step != s.step) {
        /* Stopped mid-epoch: score what we have so --out is never behind. */
        dev_result r = {0};
        if (o.dev_path && dev_e.n > 0) {
            if (evaluate(trainer, model, &dev_e, &dev_c, (int32_t)o.batch, o.dev_bleu_sentences,
                         view, &r))
                goto done;
            fprintf(stderr, "dev: step %lld  loss %.4f  ppl %.2f  BLEU %.2f  chrF2 %.2f%s\n",
                    (long long)s.step, r.loss, exp(r.loss), r.bleu, r.chrf,
                    r.bleu > s.best_bleu ? "  best, saved" : "");
            if (r.bleu > s.best_bleu) {
                s.best_bleu = r.bleu;
                s.best_step = s.step;
                s.bad_evals = 0;
                if (store_state(model, &s) || cli_save_model(model, o.out_path)) goto done;
            }
        } else if (store_state(model, &s) || cli_save_model(model, o.out_path)) {
            goto done;
        }
    }
    if (save_checkpoint(model, trainer, &s, ckpt, o.keep_checkpoints)) goto done;
    {
        char el[32];
        cli_format_duration(el, sizeof el, cli_now() - t_start);
        fprintf(stderr, "s2s: stopped: %s after %lld steps (%s); ", stop ? stop : "done",
                (long long)s.step, el);
        if (s.best_bleu >= 0)
            fprintf(stderr, "best dev BLEU %.2f at step %lld in %s; checkpoint %s\n", s.best_bleu,
                    (long long)s.best_step, o.out_path, ckpt);
        else
            fprintf(stderr, "model in %s; checkpoint %s\n", o.out_path, ckpt);
    }
    status = stop && !strcmp(stop, "diverged") ? 1 : 0;
done:
    if (step_log) fclose(step_log);
    plan_free(&pl);
    encoded_free(&train_e);
    encoded_free(&dev_e);
    tsv_free(&train_c);
    tsv_free(&dev_c);
    s2s_trainer_free(trainer);
    s2s_model_free(model);
    free(view);
    free(default_ckpt);
    return status;
}
