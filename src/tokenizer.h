/*
 * tokenizer.h — SentencePiece unigram encoding and decoding in plain C.
 *
 * Given the pieces, scores and types that `spm_export_vocab` prints (and the
 * model file stores), encode gives the same ids as `spm_encode` for a model
 * trained with --normalization_rule_name=identity --byte_fallback
 * (whitespace: runs collapsed and trimmed, a dummy "▁" prefix, spaces
 * written as "▁"; Viterbi over piece scores; characters no piece covers
 * become <0xXX> byte pieces, or UNK without byte pieces).
 */
#ifndef S2S_TOKENIZER_H
#define S2S_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>
#include "s2s.h"

/* SentencePiece piece types (sentencepiece_model.proto). */
enum { PIECE_NORMAL = 1, PIECE_UNKNOWN = 2, PIECE_CONTROL = 3, PIECE_USER_DEFINED = 4,
       PIECE_UNUSED = 5, PIECE_BYTE = 6 };

typedef struct tokenizer tokenizer;

/* Copies its inputs. Rejects empty, duplicate or invalid-UTF-8 pieces,
 * non-finite scores and unknown types. Caller frees with tokenizer_free. */
s2s_status tokenizer_init(tokenizer **out, int32_t n, const char *const *pieces,
                          const float *scores, const int32_t *types, s2s_error *err);
void tokenizer_free(tokenizer *t); /* accepts NULL */

/* Parses what `spm_export_vocab` prints: one "piece<TAB>score" line per id,
 * in id order (the piece is everything before the last tab). Types are
 * inferred: <unk> unknown; <s>, </s>, <pad> control; <0x00>..<0xFF> byte;
 * the rest normal (user-defined and unused pieces cannot be told apart).
 * spm_export_vocab rounds scores to 6 digits; a vocabulary written with
 * exact scores (tools/spm_model_vocab.py) reproduces spm_encode exactly. */
s2s_status tokenizer_from_spm_vocab(tokenizer **out, const char *tsv, size_t len,
                                    s2s_error *err);

int32_t tokenizer_size(const tokenizer *t);
const char *tokenizer_piece(const tokenizer *t, int32_t id);   /* NULL when out of range */
float tokenizer_score(const tokenizer *t, int32_t id);
int32_t tokenizer_type(const tokenizer *t, int32_t id);

/* UTF-8 text -> ids (no BOS/EOS). Writes at most cap ids; *n_out is the
 * number the text needs. S2S_ERR_BAD_UTF8 for malformed input,
 * S2S_ERR_INPUT_TOO_LONG when *n_out > cap. */
s2s_status tokenizer_encode(const tokenizer *t, const char *text, size_t len, int32_t *ids,
                            int32_t cap, int32_t *n_out, s2s_error *err);

/* ids -> UTF-8 text, malloc'ed and NUL-terminated (free with free()).
 * "▁" becomes a space, the leading one is dropped, byte pieces are joined
 * back into characters (invalid sequences become U+FFFD), control pieces
 * vanish, out-of-range ids are an error. */
s2s_status tokenizer_decode(const tokenizer *t, const int32_t *ids, int32_t n, char **out,
                            s2s_error *err);

#endif /* S2S_TOKENIZER_H */
