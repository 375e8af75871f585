/*
 * s2s.h — the one public header of the seq2seq-wasm engine.
 *
 * Opaque handles, status codes, hyper-parameters and default parameter
 * functions. Every fallible call returns an s2s_status and, when the caller
 * passes a non-NULL s2s_error, fills it with a human-readable message.
 * Nothing here prints, exits or aborts on bad input, and there is no global
 * state: any number of models, trainers and results may coexist.
 *
 * Enums are append-only: values are stored in model files and crossed into JS.
 */
#ifndef S2S_H
#define S2S_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status */

typedef enum s2s_status {
    S2S_OK = 0,
    S2S_ERR_INVALID_ARGUMENT = 1, /* a NULL pointer, a negative size, an option out of range */
    S2S_ERR_OUT_OF_MEMORY = 2,
    S2S_ERR_BAD_FORMAT = 3,       /* a model file that is malformed, truncated or hostile */
    S2S_ERR_VERSION = 4,          /* a model file of a version this build does not read */
    S2S_ERR_CHECKSUM = 5,         /* a model file whose checksum does not match its bytes */
    S2S_ERR_UNSUPPORTED = 6,      /* valid, but not possible here (e.g. training an int8 model) */
    S2S_ERR_INPUT_TOO_LONG = 7,   /* beyond S2S_MAX_* below */
    S2S_ERR_BAD_UTF8 = 8,
    S2S_ERR_DIVERGED = 9,         /* a training step produced NaN/inf; the step was rolled back */
    S2S_ERR_IO = 10,              /* native CLI and helpers only: a file could not be read/written */
} s2s_status;

/* The message buffer filled by failing calls. Pass NULL when not needed. */
typedef struct s2s_error {
    s2s_status status;
    char message[240];
} s2s_error;

/* A static English name for a status ("bad model file", ...). Never NULL. */
const char *s2s_status_name(s2s_status status);

/* -------------------------------------------------------------- limits */

enum {
    S2S_MAX_SEQ_LEN = 512,        /* tokens in one source or target sentence */
    S2S_MAX_BATCH = 1024,         /* sentences in one translate or train call */
    S2S_MAX_BEAM = 32,
    S2S_MAX_VOCAB = 1 << 20,
    S2S_MAX_DIM = 8192,           /* embedding and hidden sizes */
    S2S_MAX_LAYERS = 8,           /* per stack (encoder, decoder) */
    /* want_attention 2 records every head of every layer: a request whose
     * records would exceed this many floats (64 MiB; counted as in
     * s2s_translate_params) fails with S2S_ERR_INPUT_TOO_LONG */
    S2S_MAX_ATTENTION_WEIGHTS = 1 << 24,
};

/* Special token ids, fixed for every model (SentencePiece is trained with
 * --pad_id=0 --unk_id=1 --bos_id=2 --eos_id=3 to match). */
enum { S2S_PAD = 0, S2S_UNK = 1, S2S_SOS = 2, S2S_EOS = 3 };

/* -------------------------------------------------------- hyper-parameters */

typedef enum s2s_cell_type {
    S2S_CELL_RNN = 0,  /* h' = tanh(W_ih x + b_ih + W_hh h + b_hh) */
    S2S_CELL_LSTM = 1, /* gates i, f, g, o (PyTorch order) */
    S2S_CELL_GRU = 2,  /* gates r, z, n (PyTorch order) */
} s2s_cell_type;

typedef enum s2s_attention_type {
    S2S_ATTN_NONE = 0,          /* the basic encoder-decoder: the bridge is the only link */
    S2S_ATTN_BAHDANAU = 1,      /* additive: v . tanh(W_q h_t + W_k h_s) */
    S2S_ATTN_LUONG_DOT = 2,     /* h_t . h_s */
    S2S_ATTN_LUONG_GENERAL = 3, /* h_t . (W_a h_s) */
} s2s_attention_type;

typedef enum s2s_bridge_type {
    S2S_BRIDGE_COPY = 0,    /* decoder starts from the encoder's final state */
    S2S_BRIDGE_PROJECT = 1, /* from a learned projection of it */
    S2S_BRIDGE_ZERO = 2,    /* from zeros */
} s2s_bridge_type;

/* The Transformer's position encodings and feed-forward activation. */
typedef enum s2s_positions {
    S2S_POS_SINUSOIDAL = 0, /* computed, not stored */
    S2S_POS_LEARNED = 1,    /* a (max_positions, E) table, pos_emb */
} s2s_positions;

typedef enum s2s_activation {
    S2S_ACT_RELU = 0,
    S2S_ACT_GELU = 1, /* the tanh approximation (PyTorch approximate='tanh') */
} s2s_activation;

/* The model family; the fields above it that a family does not use are 0. */
typedef enum s2s_architecture {
    S2S_ARCH_RNN = 0,         /* recurrent encoder-decoder (cell, attention, bridge, input feeding) */
    S2S_ARCH_TRANSFORMER = 1, /* pre-norm Transformer (heads, ff_dim, dec_layers, positions, ...) */
} s2s_architecture;

/* Everything that fixes the shape of a model; stored in the model file.
 * docs/architecture.md gives the equations and the tensor names. */
typedef struct s2s_hparams {
    int32_t src_vocab;     /* Vs */
    int32_t tgt_vocab;     /* Vt */
    int32_t emb_dim;       /* E, both embeddings */
    int32_t enc_hidden;    /* He, per direction */
    int32_t dec_hidden;    /* Hd */
    int32_t layers;        /* L, encoder and decoder alike, 1..4 */
    int32_t bidirectional; /* 0 or 1 */
    int32_t cell;          /* s2s_cell_type */
    int32_t attention;     /* s2s_attention_type */
    int32_t bridge;        /* s2s_bridge_type */
    int32_t input_feed;    /* 0 or 1: feed the previous attentional vector to the decoder */
    int32_t tie_output;    /* 0 or 1: the output projection shares tgt_emb (needs Hd == E) */
    /* Fields from here on are appended, never reordered: a file without one
     * reads it as its default (model.c's key table). */
    int32_t architecture;  /* s2s_architecture; absent from files of the RNN era: 0 */
    /* The Transformer's (0 for the RNN; E is emb_dim, which enc_hidden and
     * dec_hidden equal; `layers` is the encoder's depth): */
    int32_t heads;         /* attention heads; emb_dim % heads == 0 */
    int32_t ff_dim;        /* F, the feed-forward width */
    int32_t dec_layers;    /* the decoder's depth */
    int32_t positions;     /* s2s_positions */
    int32_t max_positions; /* rows of the learned table (>= S2S_MAX_SEQ_LEN); 0 when sinusoidal */
    int32_t activation;    /* s2s_activation of the feed-forward */
} s2s_hparams;

/* A small LSTM with Bahdanau attention, bidirectional, projection bridge. */
s2s_hparams s2s_hparams_default(void);

/* S2S_OK when the combination is valid; otherwise a message says which rule
 * failed (e.g. Luong dot needs Hd == directions * He). */
s2s_status s2s_hparams_validate(const s2s_hparams *hp, s2s_error *err);

/* The hyper-parameters by name, in s2s_hparams order: the one list that the
 * file format, the JS API and the CLI read, so none keeps a copy.
 * i runs over [0, s2s_hparam_count()); out of range gives NULL (names) or 0. */
int32_t s2s_hparam_count(void);
/* The field's name ("src_vocab", "cell", ...); the file key is "s2s." + name. */
const char *s2s_hparam_key(int32_t i);
int32_t s2s_hparam_get(const s2s_hparams *hp, int32_t i);
/* The name of an enum field's value ("lstm", "luong-dot", "project", "rnn");
 * NULL when field i is not an enum or the value is unknown. */
const char *s2s_hparam_value_name(int32_t i, int32_t value);
/* The index of the field called `key`, or -1. */
int32_t s2s_hparam_find(const char *key);

/* ------------------------------------------------------------------ model */

typedef struct s2s_model s2s_model;

/* A new f32 model with weights drawn uniformly from [-scale, scale] by a
 * deterministic generator seeded with `seed`. Caller frees with s2s_model_free. */
s2s_status s2s_model_init(s2s_model **out, const s2s_hparams *hp, uint64_t seed,
                          float scale, s2s_error *err);

/* Parse a model file held in memory. The bytes are copied: the caller may
 * free `data` afterwards. Every count, size and offset is bounds-checked. */
s2s_status s2s_model_load(s2s_model **out, const void *data, size_t size, s2s_error *err);

/* Like s2s_model_load, but without the copy of the int8 weights: on success
 * the model takes `data` (which must come from malloc) and reads its int8
 * tensors in place; s2s_model_free frees it. On failure the caller still owns
 * `data`. This halves peak memory while loading a quantized model (the
 * browser's case). f32 tensors are still copied, so training is unaffected. */
s2s_status s2s_model_load_owned(s2s_model **out, void *data, size_t size, s2s_error *err);

/* Serialize the model. On success *out_data is malloc'ed and owned by the
 * caller (free with s2s_free). */
s2s_status s2s_model_save(const s2s_model *model, uint8_t **out_data, size_t *out_size,
                          s2s_error *err);

/* A copy of the model with every matrix (embeddings included) whose row
 * length is a multiple of 16 quantized to int8 with one f32 scale per row
 * (docs/format.md, Q8). Biases and vectors stay f32. */
s2s_status s2s_model_quantize(s2s_model **out, const s2s_model *model, s2s_error *err);

/* A copy with every int8 tensor expanded back to f32 (needed to train). */
s2s_status s2s_model_dequantize(s2s_model **out, const s2s_model *model, s2s_error *err);

s2s_status s2s_model_clone(s2s_model **out, const s2s_model *model, s2s_error *err);

/* A copy of the last of n f32 models (its vocabulary, metadata and shortlist)
 * whose every parameter is the mean of the n models' (checkpoint averaging:
 * the weights of one training run at several steps). The models must have
 * the same hyper-parameters; int8 models are refused. */
s2s_status s2s_model_average(s2s_model **out, const s2s_model *const *models, int n,
                             s2s_error *err);

void s2s_model_free(s2s_model *model); /* accepts NULL */

const s2s_hparams *s2s_model_hparams(const s2s_model *model);
int s2s_model_is_quantized(const s2s_model *model);
size_t s2s_model_num_params(const s2s_model *model);

/* Free-form string metadata kept in the file ("name", "license", ...).
 * Returns NULL when absent. The string lives as long as the model. */
const char *s2s_model_meta(const s2s_model *model, const char *key);
s2s_status s2s_model_set_meta(s2s_model *model, const char *key, const char *value,
                              s2s_error *err);
/* Removes the key; 1 when it was there, 0 when not (or a NULL argument). */
int s2s_model_remove_meta(s2s_model *model, const char *key);

/* Attach a SentencePiece unigram vocabulary (shared by source and target):
 * n pieces (UTF-8), their scores and types (SentencePiece's piece types:
 * 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte). */
s2s_status s2s_model_set_vocab(s2s_model *model, int32_t n, const char *const *pieces,
                               const float *scores, const int32_t *types, s2s_error *err);
int s2s_model_has_vocab(const s2s_model *model);

/* A lexical shortlist (see src/shortlist.h): search then scores, per
 * sentence, only EOS, the n_frequent ids of `frequent` and the first k
 * `candidates` of each source piece (src_vocab rows of k target ids, best
 * first, -1 padding a row's end). n_frequent = k = 0 removes it. Saved with
 * the model; `s2s shortlist` builds one from a training corpus. */
s2s_status s2s_model_set_shortlist(s2s_model *model, const int32_t *frequent, int32_t n_frequent,
                                   const int32_t *candidates, int32_t k, s2s_error *err);
/* 1 when the model has a shortlist; its sizes go to the non-NULL pointers. */
int s2s_model_shortlist(const s2s_model *model, int32_t *n_frequent, int32_t *k);
/* The target ids the shortlist allows for a source sentence (ids in range),
 * ascending, into ids (cap room; the target vocabulary size always fits);
 * returns their number, or -1 without a shortlist or room. */
int32_t s2s_model_shortlist_ids(const s2s_model *model, const int32_t *src, int32_t len,
                                int32_t *ids, int32_t cap);

/* Text <-> ids with the model's vocabulary. `text` is UTF-8 (NFC is the
 * caller's job). encode writes at most `cap` ids and sets *n_out to the
 * number needed; S2S_ERR_INPUT_TOO_LONG when that exceeds cap. No SOS/EOS. */
s2s_status s2s_encode(const s2s_model *model, const char *text, size_t len, int32_t *ids,
                      int32_t cap, int32_t *n_out, s2s_error *err);
/* The decoded text is malloc'ed, NUL-terminated, freed with s2s_free. */
s2s_status s2s_decode(const s2s_model *model, const int32_t *ids, int32_t n, char **out_text,
                      s2s_error *err);
/* The piece text of one id (NULL when out of range); for displaying tokens. */
const char *s2s_piece(const s2s_model *model, int32_t id);

void s2s_free(void *p); /* frees memory handed out by this library */

/* ------------------------------------------------------------- translate */

typedef struct s2s_translate_params {
    int32_t beam_size;      /* 1 = greedy */
    float length_penalty;   /* score = logprob / len^alpha; 0 disables */
    float max_len_factor;   /* stop after factor * source length + max_len_extra tokens */
    int32_t max_len_extra;
    int32_t want_attention; /* 0 none; 1 one map (rows, cols) per hypothesis; 2 that and,
                               for a family with heads (the Transformer), every decoder
                               layer's and head's cross-attention and the encoder's
                               self-attention: beam x sum over sentences of (max output
                               + 1) x longest source x dec_layers x heads, plus
                               layers x heads x source^2 each, within
                               S2S_MAX_ATTENTION_WEIGHTS */
    int32_t use_shortlist;  /* 1 (default): score only the model's lexical shortlist, when it
                               has one; 0: always the whole target vocabulary */
    int32_t block_repeats;  /* 1: never write a piece right after itself when it starts a
                               word with a letter ("también también"; digits and
                               punctuation may repeat); 0 (the library's default): no
                               such rule */
    /* Reranking by a reverse model (target -> source, the same vocabulary):
     * with rerank_model set, every hypothesis the beam finished is scored by
     * it as log P(source | hypothesis) per source token (EOS counted), and
     * the winner is the one with the largest score + rerank_weight * that.
     * It favours hypotheses that keep all of the source (the beam alone
     * drops clauses of long sentences); it costs the reverse model's
     * teacher-forced pass over every finished hypothesis, on its whole
     * vocabulary (for the shipped Transformers about 3x beam 4's time).
     * Greedy (beam 1) has one hypothesis, which is scored but cannot
     * change. NULL (the default): no reranking. */
    const s2s_model *rerank_model;
    float rerank_weight;    /* >= 0 and <= 100; the default is the model's
                               rerank_weight metadata where it has one, else 0 */
} s2s_translate_params;

s2s_translate_params s2s_translate_default_params(void);
/* The defaults for one model: the library's, with the length penalty the
 * file recommends as its "length_penalty" metadata (a number in [0, 5],
 * chosen on dev data when the model was shipped), its "block_repeats"
 * metadata ("0" or "1") and its "rerank_weight" metadata (a number in
 * [0, 100], for when a rerank_model is given) where it has them. */
s2s_translate_params s2s_translate_model_params(const s2s_model *model);

typedef struct s2s_result s2s_result;

/* Translate n sentences given as id arrays (no SOS/EOS). Works for f32 and
 * int8 models. The result holds one hypothesis per sentence; free with
 * s2s_result_free. */
s2s_status s2s_translate_ids(const s2s_model *model, int32_t n, const int32_t *const *src,
                             const int32_t *src_len, const s2s_translate_params *params,
                             s2s_result **out, s2s_error *err);

int32_t s2s_result_count(const s2s_result *r);
/* Output ids without EOS; *len gets their number. */
const int32_t *s2s_result_tokens(const s2s_result *r, int32_t i, int32_t *len);
/* (len + 1) log-probabilities: one per output token, then the EOS that ended it. */
const float *s2s_result_token_logprobs(const s2s_result *r, int32_t i);
float s2s_result_score(const s2s_result *r, int32_t i); /* normalised as searched */
/* The rerank model's log P(source | this hypothesis) per source token; NAN
 * without a rerank_model. */
float s2s_result_rerank_logprob(const s2s_result *r, int32_t i);
/* (rows = output len + 1 for EOS) x (cols = source len), row-major; NULL
 * when attention was not requested or the model has none. */
const float *s2s_result_attention(const s2s_result *r, int32_t i, int32_t *rows,
                                  int32_t *cols);
/* want_attention 2: every decoder layer's and head's cross-attention,
 * (layers, heads, rows, cols) row-major with rows and cols as above; the
 * mean of the last layer's heads is s2s_result_attention's map. NULL (and
 * 0 layers) below level 2 or for a family without heads (the RNN). */
const float *s2s_result_attention_heads(const s2s_result *r, int32_t i, int32_t *layers,
                                        int32_t *heads, int32_t *rows, int32_t *cols);
/* want_attention 2: the encoder's self-attention over the source sentence,
 * (layers, heads, n, n) with n the source length; NULL as above. */
const float *s2s_result_encoder_attention(const s2s_result *r, int32_t i, int32_t *layers,
                                          int32_t *heads, int32_t *n);
void s2s_result_free(s2s_result *r); /* accepts NULL */

/* Streaming: greedy decoding one token at a time, so a caller can show each
 * piece as soon as it is decided. Produces exactly what s2s_translate_ids
 * gives with beam_size 1 (the other parameters apply as there). */
typedef struct s2s_stream s2s_stream;

s2s_status s2s_stream_start(s2s_stream **out, const s2s_model *model, const int32_t *src,
                            int32_t src_len, const s2s_translate_params *params, s2s_error *err);
/* Decides the next token: *token gets its id and *logprob its
 * log-probability; *done becomes 1 (and *token S2S_EOS) when the sentence
 * has ended. Further calls after done keep returning done. */
s2s_status s2s_stream_next(s2s_stream *s, int32_t *token, float *logprob, int32_t *done,
                           s2s_error *err);
/* The attention row (src_len values) of the last decided token; NULL when
 * the model has no attention or no token was decided yet. */
const float *s2s_stream_attention(const s2s_stream *s, int32_t *cols);
/* want_attention 2: the last decided token's cross-attention per decoder
 * layer and head, (layers, heads, cols); NULL as s2s_result_attention_heads. */
const float *s2s_stream_attention_heads(const s2s_stream *s, int32_t *layers, int32_t *heads,
                                        int32_t *cols);
void s2s_stream_free(s2s_stream *s); /* accepts NULL */

/* ----------------------------------------------------------------- train */

typedef struct s2s_train_params {
    float learning_rate;
    float beta1, beta2, eps;   /* Adam, PyTorch's formulation */
    float clip_norm;           /* global gradient norm; <= 0 disables */
    float label_smoothing;     /* PyTorch's CrossEntropyLoss(label_smoothing=) */
    float dropout;             /* embeddings, between layers, before the output */
    uint64_t seed;             /* dropout masks */
} s2s_train_params;

s2s_train_params s2s_train_default_params(void);

typedef struct s2s_trainer s2s_trainer;

/* A trainer updates `model` in place (which must be f32 and outlive it). */
s2s_status s2s_trainer_init(s2s_trainer **out, s2s_model *model, const s2s_train_params *p,
                            s2s_error *err);
void s2s_trainer_free(s2s_trainer *t); /* accepts NULL */

/* A batch of n pairs of id arrays (no SOS/EOS: the trainer adds them). */
typedef struct s2s_batch {
    int32_t n;
    const int32_t *const *src;
    const int32_t *src_len;
    const int32_t *const *tgt;
    const int32_t *tgt_len;
} s2s_batch;

/* One optimizer step: forward with teacher forcing, backward, clipping,
 * Adam. *loss gets the mean token loss and *tokens the number of target
 * tokens (with EOS). A non-finite loss or gradient, or an exploding loss
 * (after 5 accepted steps: above 10x the running loss and above ln(target
 * vocabulary); see train.h), leaves the model and the optimizer as they were
 * and returns S2S_ERR_DIVERGED. */
s2s_status s2s_trainer_step(s2s_trainer *t, const s2s_batch *b, float *loss, int32_t *tokens,
                            s2s_error *err);

/* The mean token loss (no dropout, no smoothing, no update). */
s2s_status s2s_trainer_eval(s2s_trainer *t, const s2s_batch *b, float *loss, int32_t *tokens,
                            s2s_error *err);

s2s_status s2s_trainer_set_learning_rate(s2s_trainer *t, float lr);
int64_t s2s_trainer_steps(const s2s_trainer *t);

/* Checkpoints: the optimizer state (Adam moments, step count, dropout
 * generator) as a .s2s container, malloc'ed, freed with s2s_free. Restore
 * it into a trainer built on the same model shape to resume exactly. */
s2s_status s2s_trainer_save_state(const s2s_trainer *t, uint8_t **out_data, size_t *out_size,
                                  s2s_error *err);
s2s_status s2s_trainer_load_state(s2s_trainer *t, const void *data, size_t size,
                                  s2s_error *err);

#ifdef __cplusplus
}
#endif
#endif /* S2S_H */
