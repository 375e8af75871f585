/*
 * spm_check.c — compare our tokenizer with spm_encode on a whole text file.
 *
 * usage: spm_check VOCAB.tsv TEXT_FILE SPM_IDS_FILE
 *   VOCAB.tsv     piece<TAB>score per id (spm_export_vocab, or exact scores
 *                 from tools/spm_model_vocab.py)
 *   TEXT_FILE     one sentence per line
 *   SPM_IDS_FILE  `spm_encode --output_format=id` of TEXT_FILE
 * Prints each mismatching line (and lines that are not UTF-8, which spm
 * replaces by U+FFFD but we reject), then a summary. Exit status 0 when
 * every line matches, 1 otherwise, 2 on usage or I/O errors.
 * Build: cc -std=c11 -O2 -Isrc src/util.c src/tokenizer.c tools/spm_check.c -o spm_check
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, n = 0, r;
    char *buf = malloc(cap + 1);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0)
        if ((n += r) == cap) buf = realloc(buf, (cap *= 2) + 1);
    fclose(f);
    if (buf) buf[n] = 0, *len = n;
    return buf;
}

/* Next line of buf[*pos..len) without its '\n'; NULL at the end. */
static char *next_line(char *buf, size_t len, size_t *pos, size_t *ll) {
    if (*pos >= len) return NULL;
    char *p = buf + *pos, *nl = memchr(p, '\n', len - *pos);
    *ll = nl ? (size_t)(nl - p) : len - *pos;
    *pos += *ll + 1;
    return p;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: spm_check VOCAB.tsv TEXT_FILE SPM_IDS_FILE\n");
        return 2;
    }
    size_t vl, tl, il;
    char *vocab = slurp(argv[1], &vl), *text = slurp(argv[2], &tl), *spm = slurp(argv[3], &il);
    if (!vocab || !text || !spm) {
        fprintf(stderr, "spm_check: cannot read %s\n", !vocab ? argv[1] : !text ? argv[2] : argv[3]);
        return 2;
    }
    tokenizer *t = NULL;
    s2s_error err = {0};
    if (tokenizer_from_spm_vocab(&t, vocab, vl, &err) != S2S_OK) {
        fprintf(stderr, "spm_check: %s: %s\n", argv[1], err.message);
        return 2;
    }
    size_t tp = 0, ip = 0, ll, sl, lines = 0, bad = 0, bad_utf8 = 0, cap = 1 << 16;
    int32_t *ids = malloc(cap * sizeof *ids), *want = malloc(cap * sizeof *want);
    for (char *line; (line = next_line(text, tl, &tp, &ll)) != NULL;) {
        lines++;
        char *sline = next_line(spm, il, &ip, &sl);
        if (!sline) {
            printf("line %zu: no spm_encode output left\n", lines);
            bad++;
            break;
        }
        sline[sl] = 0; /* overwrites the '\n' (or the final NUL) */
        size_t nw = 0;
        for (char *p = sline, *end; nw < cap; p = end) {
            long v = strtol(p, &end, 10);
            if (end == p) break;
            want[nw++] = (int32_t)v;
        }
        int32_t n = 0;
        s2s_status st = tokenizer_encode(t, line, ll, ids, (int32_t)cap, &n, &err);
        if (st == S2S_ERR_BAD_UTF8) {
            printf("line %zu: not UTF-8 (%s)\n", lines, err.message);
            bad_utf8++;
            continue;
        }
        if (st == S2S_OK && (size_t)n == nw && memcmp(ids, want, nw * sizeof *ids) == 0) continue;
        bad++;
        printf("line %zu: %.*s\n  spm: %s\n  ours:", lines, (int)ll, line, sline);
        if (st != S2S_OK) printf(" error: %s", err.message);
        for (int32_t i = 0; st == S2S_OK && i < n; i++) printf(" %d", (int)ids[i]);
        printf("\n");
    }
    printf("%zu lines, %zu mismatches, %zu not UTF-8\n", lines, bad, bad_utf8);
    free(ids), free(want), free(vocab), free(text), free(spm);
    tokenizer_free(t);
    return bad || bad_utf8 ? 1 : 0;
}
