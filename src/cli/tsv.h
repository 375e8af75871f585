/*
 * tsv.h — the parallel corpora and text files the CLI reads.
 *
 * A corpus line is "domain<TAB>en<TAB>es" or "en<TAB>es" (domain then "-").
 * Blank lines are skipped; a trailing "\r" is dropped; any other column
 * count is an error naming the file and line. Strings point into one buffer
 * owned by the struct.
 */
#ifndef S2S_CLI_TSV_H
#define S2S_CLI_TSV_H

#include <stdint.h>

typedef struct tsv_corpus {
    int64_t n;
    const char **domain; /* (n) */
    const char **src;    /* (n) English (Spanish after tsv_reverse) */
    const char **tgt;    /* (n) Spanish (English after tsv_reverse) */
    char *storage;
} tsv_corpus;

/* Prints the reason and returns -1 on failure; free with tsv_free. */
int tsv_read(const char *path, tsv_corpus *out);
void tsv_free(tsv_corpus *c); /* accepts a zeroed struct */
/* Swap the two sides, so that one corpus file serves both directions
 * (`--reverse`: Spanish -> English from the same en<TAB>es files). */
void tsv_reverse(tsv_corpus *c);

typedef struct text_lines {
    int64_t n;
    const char **line; /* (n), every line kept, blank ones too */
    char *storage;
} text_lines;

int lines_read(const char *path, text_lines *out);
/* Another system's output for a test set of `pairs` sentence pairs read from
 * test_path: exactly one line per pair, else an error naming both files
 * (prefixed "cmd: "). -1 on failure, with *out freed. */
int hyp_lines_read(const char *cmd, const char *hyp_path, const char *test_path, int64_t pairs,
                   text_lines *out);
void lines_free(text_lines *t);

#endif /* S2S_CLI_TSV_H */
