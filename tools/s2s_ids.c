/*
 * s2s_ids.c — the engine's own tokenizer for tools/torch_train.py, so that
 * the PyTorch trainer sees exactly the ids `s2s train` sees (and decodes its
 * greedy output to the text `s2s train` would score).
 *
 *   s2s_ids encode MODEL.s2s  < text lines  > one line of ids per input line
 *   s2s_ids decode MODEL.s2s  < id lines    > one line of text per input line
 *
 * encode writes the ids separated by spaces (an empty line for empty text),
 * "!long" when the text needs more than S2S_MAX_SEQ_LEN ids and "!error" when
 * the vocabulary cannot encode it — the cases s2s train counts and drops.
 * Only the public API (s2s.h), so it follows the library wherever it moves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s2s.h"

static char *slurp(FILE *f, size_t *len) {
    size_t cap = 1 << 16, n = 0, r;
    char *buf = malloc(cap + 1);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *grown = realloc(buf, (cap *= 2) + 1);
            if (!grown) free(buf);
            buf = grown;
        }
    }
    if (buf) buf[n] = '\0', *len = n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "encode") && strcmp(argv[1], "decode"))) {
        fprintf(stderr, "usage: s2s_ids encode|decode MODEL.s2s < lines\n");
        return 2;
    }
    int encode = !strcmp(argv[1], "encode");
    FILE *mf = fopen(argv[2], "rb");
    size_t msize = 0, tsize = 0;
    char *mdata = mf ? slurp(mf, &msize) : NULL;
    if (mf) fclose(mf);
    if (!mdata) {
        fprintf(stderr, "s2s_ids: cannot read %s: %s\n", argv[2], strerror(errno));
        return 2;
    }
    s2s_model *m = NULL;
    s2s_error err = {0};
    s2s_status lst = s2s_model_load(&m, mdata, msize, &err);
    free(mdata);
    if (lst != S2S_OK || !s2s_model_has_vocab(m)) {
        fprintf(stderr, "s2s_ids: %s: %s\n", argv[2], m ? "no vocabulary" : err.message);
        s2s_model_free(m);
        return 2;
    }
    char *text = slurp(stdin, &tsize);
    int32_t *ids = malloc(sizeof *ids * (tsize / 2 + S2S_MAX_SEQ_LEN + 1));
    if (!text || !ids) {
        fprintf(stderr, "s2s_ids: out of memory\n");
        return 2;
    }
    for (char *p = text, *end = text + tsize; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (encode) {
            int32_t n = 0;
            s2s_status st = s2s_encode(m, p, len, ids, S2S_MAX_SEQ_LEN, &n, &err);
            if (st == S2S_ERR_INPUT_TOO_LONG) fputs("!long", stdout);
            else if (st != S2S_OK) fputs("!error", stdout);
            else
                for (int32_t i = 0; i < n; i++) printf(i ? " %d" : "%d", (int)ids[i]);
        } else {
            int32_t n = 0;
            char *q = p, *stop = p + len;
            while (q < stop) {
                char *after;
                long v = strtol(q, &after, 10);
                if (after == q) break;
                ids[n++] = (int32_t)v;
                q = after;
            }
            char *out = NULL;
            if (s2s_decode(m, ids, n, &out, &err) != S2S_OK) {
                fprintf(stderr, "s2s_ids: cannot decode: %s\n", err.message);
                return 1;
            }
            fputs(out, stdout);
            s2s_free(out);
        }
        putchar('\n');
        p = nl ? nl + 1 : end;
    }
    free(ids);
    free(text);
    s2s_model_free(m);
    return fflush(stdout) == 0 ? 0 : 1;
}
