/* tsv.c — reading parallel TSV corpora and plain text files, in place. */
#include "tsv.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int64_t count_lines(const char *s, size_t n) {
    int64_t lines = 0;
    for (size_t i = 0; i < n; i++) lines += s[i] == '\n';
    return lines + (n > 0 && s[n - 1] != '\n');
}

int tsv_read(const char *path, tsv_corpus *out) {
    memset(out, 0, sizeof *out);
    char *data;
    size_t size;
    if (cli_read_file(path, &data, &size) != 0) return -1;
    int64_t cap = count_lines(data, size);
    out->storage = data;
    out->domain = malloc(sizeof *out->domain * (size_t)(cap + 1));
    out->src = malloc(sizeof *out->src * (size_t)(cap + 1));
    out->tgt = malloc(sizeof *out->tgt * (size_t)(cap + 1));
    if (!out->domain || !out->src || !out->tgt) {
        cli_error("out of memory reading %s", path);
        tsv_free(out);
        return -1;
    }
    char *p = data, *end = data + size;
    int64_t lineno = 0;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        lineno++;
        *stop = '\0';
        size_t len = cli_chomp(p, (size_t)(stop - p));
        char *next = nl ? nl + 1 : end;
        if (len == 0) {
            p = next;
            continue;
        }
        char *col[4] = {p, NULL, NULL, NULL};
        int ncol = 1;
        for (char *q = p; *q; q++) {
            if (*q != '\t') continue;
            if (ncol == 4) break;
            *q = '\0';
            col[ncol++] = q + 1;
        }
        if (ncol != 2 && ncol != 3) {
            cli_error("%s:%lld: expected 2 or 3 tab-separated columns (domain, en, es), found %s",
                      path, (long long)lineno, ncol > 3 ? "more" : "1");
            tsv_free(out);
            return -1;
        }
        out->domain[out->n] = ncol == 3 ? col[0] : "-";
        out->src[out->n] = col[ncol - 2];
        out->tgt[out->n] = col[ncol - 1];
        out->n++;
        p = next;
    }
    return 0;
}

void tsv_free(tsv_corpus *c) {
    free(c->domain);
    free(c->src);
    free(c->tgt);
    free(c->storage);
    memset(c, 0, sizeof *c);
}

int lines_read(const char *path, text_lines *out) {
    memset(out, 0, sizeof *out);
    char *data;
    size_t size;
    if (cli_read_file(path, &data, &size) != 0) return -1;
    int64_t cap = count_lines(data, size);
    out->storage = data;
    out->line = malloc(sizeof *out->line * (size_t)(cap + 1));
    if (!out->line) {
        cli_error("out of memory reading %s", path);
        lines_free(out);
        return -1;
    }
    char *p = data, *end = data + size;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        *stop = '\0';
        cli_chomp(p, (size_t)(stop - p));
        out->line[out->n++] = p;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

int hyp_lines_read(const char *cmd, const char *hyp_path, const char *test_path, int64_t pairs,
                   text_lines *out) {
    if (lines_read(hyp_path, out) != 0) return -1;
    if (out->n != pairs) {
        cli_error("%s: %s has %lld lines but %s has %lld sentence pairs (one output line per "
                  "pair, in order, is required)",
                  cmd, hyp_path, (long long)out->n, test_path, (long long)pairs);
        lines_free(out);
        return -1;
    }
    return 0;
}

void lines_free(text_lines *t) {
    free(t->line);
    free(t->storage);
    memset(t, 0, sizeof *t);
}

void tsv_reverse(tsv_corpus *c) {
    const char **t = c->src;
    c->src = c->tgt;
    c->tgt = t;
}
