/*
 * cli.h — helpers shared by the subcommands of the native `s2s` tool:
 * messages, files, option parsing, a seeded generator, the clock.
 *
 * Unlike the library, the CLI may print: every helper that can fail prints
 * one clear "s2s: ..." line on stderr and returns -1 (or NULL), and the
 * subcommand turns that into a non-zero exit status.
 */
#ifndef S2S_CLI_H
#define S2S_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "s2s.h"

/* Subcommand entry points (argv[0] is the subcommand name). Return the
 * process exit status. */
int cmd_train(int argc, char **argv);
int cmd_translate(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_dequantize(int argc, char **argv);
int cmd_average(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_shortlist(int argc, char **argv);

/* "s2s: <message>" on stderr, with a newline. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* The same for a failed library call: "s2s: <what>: <message> (<status>)". */
void cli_error_s2s(const char *what, const s2s_error *err);

/* Whole-file I/O. read: *data is malloc'ed with a NUL after the last byte
 * (so text can be used as a C string); caller frees. write goes through a
 * temporary file renamed into place, so a crash never leaves half a model. */
int cli_read_file(const char *path, char **data, size_t *size);
int cli_write_file(const char *path, const void *data, size_t size);

s2s_model *cli_load_model(const char *path); /* NULL after printing why */
int cli_save_model(const s2s_model *model, const char *path);
/* `--rerank FILE [--rerank-weight W]` of translate and eval: loads FILE into
 * *rerank and tp->rerank_model, with tp->rerank_weight W when W >= 0, else
 * the main model's rerank_weight metadata (which must then be there). 0, or
 * -1 after printing why (nothing is left loaded). */
int cli_load_rerank(const char *cmd, const char *path, double weight, const s2s_model *model,
                    s2s_translate_params *tp, s2s_model **rerank);
/* `--meta KEY=VALUE`: set meta KEY on the model (0), or print why not (-1). */
int cli_set_meta(s2s_model *model, const char *assignment);

/* Option values: "--name VALUE". next_value returns argv[i+1] and advances
 * *i, or prints "--name needs a value" and returns NULL. */
const char *cli_next_value(int argc, char **argv, int *i);
int cli_parse_int(const char *opt, const char *s, long long lo, long long hi, long long *out);
int cli_parse_double(const char *opt, const char *s, double lo, double hi, double *out);

/* A small deterministic generator (splitmix64) for shuffling. */
typedef struct cli_rng {
    uint64_t state;
} cli_rng;
uint64_t cli_rng_next(cli_rng *r);
uint64_t cli_rng_below(cli_rng *r, uint64_t n); /* uniform in [0, n), n > 0 */

/* s as a JSON string, quotes included (NULL prints ""). */
void cli_json_string(FILE *f, const char *s);

double cli_now(void); /* monotonic seconds */
void cli_format_duration(char *out, size_t cap, double seconds); /* "1:02:03" */

/* Translate n encoded sentences (no SOS/EOS), batch at a time, sorted by
 * length inside so batches pad little. hyps[i] receives a malloc'ed string
 * (free with free()); an empty source gives "". When attn is non-NULL,
 * attn[i] receives a malloc'ed (rows x cols) copy and dims[2*i], dims[2*i+1]
 * the shape (NULL when the model has no attention). Prints and returns -1
 * on failure (everything already handed out is freed). */
int cli_translate_encoded(const s2s_model *model, int64_t n, const int32_t *const *src,
                          const int32_t *src_len, const s2s_translate_params *params,
                          int32_t batch, char **hyps, float **attn, int32_t *dims);

/* Names of the enum values of s2s.h as the options spell them, and back
 * (-1 for an unknown name). */
/* Names of an enum hyper-parameter ("cell", "attention", "bridge",
 * "architecture") from the library's table: a value's name ("unknown" when
 * out of range), a name's value (-1 when unknown; "dot" and "general" are
 * still read as luong-dot and luong-general), and the accepted names joined
 * with ", " into buf. */
const char *cli_enum_name(const char *field, int32_t v);
int32_t cli_enum_value(const char *field, const char *s);
const char *cli_enum_choices(const char *field, char *buf, size_t size);

char *cli_strdup(const char *s); /* NULL when out of memory */

/* Strip a trailing "\n" and "\r" in place; returns the new length. */
size_t cli_chomp(char *line, size_t len);

#endif /* S2S_CLI_H */
