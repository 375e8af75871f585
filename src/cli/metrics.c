/*
 * metrics.c — corpus BLEU (13a) and chrF2 as sacreBLEU 2.x computes them
 * with its defaults. See metrics.h for the definitions.
 *
 * N-grams are counted without hashing: a sentence pair becomes one array of
 * integer symbols (token ids for BLEU, code points for chrF), the n-gram
 * start positions of each side are sorted by content, and one merge over the
 * two sorted lists adds min(hyp count, ref count) per distinct n-gram.
 */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ UTF-8 */

/* The code point at s[*i] (advancing *i); a malformed byte counts as one
 * U+FFFD so every input has a defined meaning. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i) {
    unsigned c = s[*i];
    size_t need;
    uint32_t cp, min;
    if (c < 0x80) { *i += 1; return c; }
    if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; min = 0x10000; }
    else { *i += 1; return 0xFFFD; }
    if (*i + need >= len) { *i += 1; return 0xFFFD; } /* truncated */
    for (size_t k = 1; k <= need; k++) {
        unsigned cc = s[*i + k];
        if ((cc & 0xC0) != 0x80) { *i += 1; return 0xFFFD; }
        cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { *i += 1; return 0xFFFD; }
    *i += need + 1;
    return cp;
}

/* Python's str.isspace(), which both str.split() and sacreBLEU's whitespace
 * removal use; NBSP and the other Unicode spaces count. */
static int is_space_cp(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

/* ------------------------------------------------------------ buffers */

typedef struct buf {
    char *p;
    size_t n, cap;
    int oom;
} buf;

static void buf_reserve(buf *b, size_t extra) {
    if (b->oom || b->n + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + extra + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) { b->oom = 1; return; }
    b->p = p;
    b->cap = cap;
}

static void buf_put(buf *b, const char *s, size_t n) {
    buf_reserve(b, n);
    if (b->oom) return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void buf_putc(buf *b, char c) { buf_put(b, &c, 1); }

/* Every occurrence of `from` in src replaced by `to`, left to right, as
 * Python's str.replace does. */
static void replace_all(buf *out, const char *src, size_t n, const char *from, const char *to) {
    size_t fl = strlen(from), tl = strlen(to);
    out->n = 0;
    buf_reserve(out, n);
    size_t i = 0;
    while (i < n) {
        if (i + fl <= n && memcmp(src + i, from, fl) == 0) {
            buf_put(out, to, tl);
            i += fl;
        } else {
            buf_putc(out, src[i++]);
        }
    }
    buf_put(out, "", 0); /* NUL-terminate even when empty */
}

/* ------------------------------------------------------------ 13a */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* mteval-v13a's symbol class, which gets a space on both sides:
 * { | } ~  [ \ ] ^ _ `  space ! " # $ % &  ( ) * +  : ; < = > ? @  /
 * (the apostrophe, comma, hyphen and period are handled apart). */
static int is_13a_symbol(unsigned char c) {
    return (c >= 0x7B && c <= 0x7E) || (c >= 0x5B && c <= 0x60) || (c >= 0x20 && c <= 0x26) ||
           (c >= 0x28 && c <= 0x2B) || (c >= 0x3A && c <= 0x40) || c == '/';
}

/* One pass of a two-character rule, non-overlapping and left to right like
 * a regex substitution: rule 'b' splits a period or comma after a non-digit,
 * 'c' one before a non-digit, 'd' a dash after a digit. The classes are
 * ASCII, so scanning bytes gives what scanning code points would. */
static void pair_pass(buf *out, const char *s, size_t n, char rule) {
    out->n = 0;
    buf_reserve(out, n + n / 2 + 4);
    size_t i = 0;
    while (i < n) {
        if (i + 1 < n) {
            char a = s[i], c = s[i + 1];
            int punct_a = a == '.' || a == ',', punct_c = c == '.' || c == ',';
            if (rule == 'b' && !is_digit(a) && punct_c) {
                buf_putc(out, a); buf_putc(out, ' '); buf_putc(out, c); buf_putc(out, ' ');
                i += 2;
                continue;
            }
            if (rule == 'c' && punct_a && !is_digit(c)) {
                buf_putc(out, ' '); buf_putc(out, a); buf_putc(out, ' '); buf_putc(out, c);
                i += 2;
                continue;
            }
            if (rule == 'd' && is_digit(a) && c == '-') {
                buf_putc(out, a); buf_putc(out, ' '); buf_putc(out, c); buf_putc(out, ' ');
                i += 2;
                continue;
            }
        }
        buf_putc(out, s[i++]);
    }
    buf_put(out, "", 0);
}

static void buf_swap(buf *a, buf *b) {
    buf t = *a;
    *a = *b;
    *b = t;
}

char *tokenize_13a(const char *text, size_t len) {
    buf a = {0}, b = {0};
    /* Language-independent part: markers and hyphenated line breaks. */
    replace_all(&a, text, len, "<skipped>", "");
    replace_all(&b, a.p ? a.p : "", a.n, "-\n", "");
    replace_all(&a, b.p ? b.p : "", b.n, "\n", " ");
    if (!a.oom && memchr(a.p, '&', a.n)) {
        /* In this order, like the reference: "&amp;quot;" ends as "&quot;"
         * but "&amp;lt;" as "<". */
        static const char *const ent[4][2] = {
            {"&quot;", "\""}, {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}};
        for (int k = 0; k < 4; k++) {
            replace_all(&b, a.p, a.n, ent[k][0], ent[k][1]);
            buf_swap(&a, &b);
        }
    }
    /* Padded with a space on each side, the symbols split off. */
    b.n = 0;
    buf_putc(&b, ' ');
    for (size_t i = 0; !a.oom && i < a.n; i++) {
        unsigned char c = (unsigned char)a.p[i];
        if (is_13a_symbol(c)) {
            buf_putc(&b, ' '); buf_putc(&b, (char)c); buf_putc(&b, ' ');
        } else {
            buf_putc(&b, (char)c);
        }
    }
    buf_putc(&b, ' ');
    pair_pass(&a, b.p ? b.p : "", b.n, 'b');
    pair_pass(&b, a.p ? a.p : "", a.n, 'c');
    pair_pass(&a, b.p ? b.p : "", b.n, 'd');
    if (a.oom || b.oom) {
        free(a.p);
        free(b.p);
        return NULL;
    }
    /* Split on (Unicode) whitespace, join with single spaces. */
    b.n = 0;
    buf_reserve(&b, a.n);
    size_t i = 0;
    const unsigned char *s = (const unsigned char *)a.p;
    while (i < a.n) {
        size_t start = i;
        uint32_t cp = utf8_next(s, a.n, &i);
        if (is_space_cp(cp)) continue;
        if (b.n) buf_putc(&b, ' ');
        size_t end = i;
        while (i < a.n) {
            size_t j = i;
            if (is_space_cp(utf8_next(s, a.n, &j))) break;
            i = end = j;
        }
        buf_put(&b, a.p + start, end - start);
    }
    buf_put(&b, "", 0);
    free(a.p);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ------------------------------------------------------------ n-gram counting */

typedef int (*cmp_fn)(const void *ctx, int32_t a, int32_t b);

/* Stable bottom-up merge sort of idx[0..n) (tmp has n slots). */
static void merge_sort(int32_t *idx, int32_t *tmp, int32_t n, cmp_fn cmp, const void *ctx) {
    int32_t *src = idx, *dst = tmp;
    for (int32_t w = 1; w < n; w *= 2) {
        for (int32_t lo = 0; lo < n; lo += 2 * w) {
            int32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int32_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = cmp(ctx, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        int32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != idx) memcpy(idx, src, (size_t)n * sizeof *idx);
}

typedef struct ngram_ctx {
    const uint32_t *seq;
    int n;
} ngram_ctx;

static int ngram_cmp(const void *ctx, int32_t a, int32_t b) {
    const ngram_ctx *c = ctx;
    for (int k = 0; k < c->n; k++) {
        uint32_t x = c->seq[a + k], y = c->seq[b + k];
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}

/* Clipped n-gram matches between seq[0..hn) (hypothesis) and
 * seq[hn..hn+rn) (reference). work holds 2 * (hn + rn) int32. */
static int64_t clipped_matches(const uint32_t *seq, int32_t hn, int32_t rn, int n,
                               int32_t *work) {
    int32_t kh = hn - n + 1, kr = rn - n + 1;
    if (kh <= 0 || kr <= 0) return 0;
    int32_t *h = work, *r = work + kh, *tmp = work + kh + kr;
    for (int32_t i = 0; i < kh; i++) h[i] = i;
    for (int32_t i = 0; i < kr; i++) r[i] = hn + i;
    ngram_ctx ctx = {seq, n};
    merge_sort(h, tmp, kh, ngram_cmp, &ctx);
    merge_sort(r, tmp, kr, ngram_cmp, &ctx);
    int64_t match = 0;
    int32_t i = 0, j = 0;
    while (i < kh && j < kr) {
        int c = ngram_cmp(&ctx, h[i], r[j]);
        if (c < 0) { i++; continue; }
        if (c > 0) { j++; continue; }
        int32_t ci = 0, cj = 0, hi = h[i], rj = r[j];
        while (i < kh && ngram_cmp(&ctx, h[i], hi) == 0) { i++; ci++; }
        while (j < kr && ngram_cmp(&ctx, r[j], rj) == 0) { j++; cj++; }
        match += ci < cj ? ci : cj;
    }
    return match;
}

/* ------------------------------------------------------------ BLEU */

typedef struct token_ctx {
    const char *const *ptr;
    const int32_t *len;
} token_ctx;

static int token_cmp(const void *ctx, int32_t a, int32_t b) {
    const token_ctx *c = ctx;
    int32_t la = c->len[a], lb = c->len[b];
    int r = memcmp(c->ptr[a], c->ptr[b], (size_t)(la < lb ? la : lb));
    if (r) return r;
    return la < lb ? -1 : la > lb;
}

/* Token starts and lengths of a 13a string (single spaces, no edges);
 * appends to ptr/len from index *k. */
static void split_tokens(const char *s, const char **ptr, int32_t *len, int32_t *k) {
    const char *p = s;
    while (*p) {
        const char *q = strchr(p, ' ');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        ptr[*k] = p;
        len[*k] = (int32_t)l;
        (*k)++;
        p += l;
        if (*p == ' ') p++;
    }
}

static int32_t count_spaces(const char *s) {
    int32_t n = 0;
    for (; *s; s++) n += *s == ' ';
    return n;
}

int bleu_add(bleu_stats *s, const char *hyp, const char *ref) {
    char *th = tokenize_13a(hyp, strlen(hyp)), *tr = tokenize_13a(ref, strlen(ref));
    int rc = -1;
    const char **ptr = NULL;
    int32_t *len = NULL, *idx = NULL, *work = NULL;
    uint32_t *ids = NULL;
    if (!th || !tr) goto done;
    int32_t hn = th[0] ? count_spaces(th) + 1 : 0, rn = tr[0] ? count_spaces(tr) + 1 : 0;
    size_t m = (size_t)hn + (size_t)rn + 1;
    ptr = malloc(m * sizeof *ptr);
    len = malloc(m * sizeof *len);
    idx = malloc(2 * m * sizeof *idx);
    ids = malloc(m * sizeof *ids);
    work = malloc(2 * m * sizeof *work);
    if (!ptr || !len || !idx || !ids || !work) goto done;
    int32_t k = 0;
    split_tokens(th, ptr, len, &k);
    split_tokens(tr, ptr, len, &k);
    /* Equal strings get equal ids, so n-grams compare as integer runs. */
    for (int32_t i = 0; i < k; i++) idx[i] = i;
    token_ctx tc = {ptr, len};
    merge_sort(idx, idx + m, k, token_cmp, &tc);
    uint32_t id = 0;
    for (int32_t i = 0; i < k; i++) {
        if (i > 0 && token_cmp(&tc, idx[i - 1], idx[i]) != 0) id++;
        ids[idx[i]] = id;
    }
    for (int n = 1; n <= BLEU_ORDER; n++) {
        s->total[n - 1] += hn - n + 1 > 0 ? hn - n + 1 : 0;
        s->correct[n - 1] += clipped_matches(ids, hn, rn, n, work);
    }
    s->sys_len += hn;
    s->ref_len += rn;
    rc = 0;
done:
    free(th);
    free(tr);
    free(ptr);
    free(len);
    free(idx);
    free(ids);
    free(work);
    return rc;
}

void bleu_merge(bleu_stats *into, const bleu_stats *from) {
    for (int n = 0; n < BLEU_ORDER; n++) {
        into->correct[n] += from->correct[n];
        into->total[n] += from->total[n];
    }
    into->sys_len += from->sys_len;
    into->ref_len += from->ref_len;
}

bleu_result bleu_score(const bleu_stats *s) {
    bleu_result r;
    memset(&r, 0, sizeof r);
    r.sys_len = s->sys_len;
    r.ref_len = s->ref_len;
    if (s->sys_len < s->ref_len)
        r.brevity_penalty = s->sys_len > 0 ? exp(1.0 - (double)s->ref_len / (double)s->sys_len) : 0.0;
    else
        r.brevity_penalty = 1.0;
    int any = 0;
    for (int n = 0; n < BLEU_ORDER; n++) any |= s->correct[n] != 0;
    if (!any) return r; /* no match at all: 0, whatever the smoothing */
    double smooth = 1.0, logsum = 0.0;
    for (int n = 0; n < BLEU_ORDER; n++) {
        if (s->total[n] == 0) break; /* leaves precision 0: the score is 0 */
        if (s->correct[n] == 0) {
            smooth *= 2.0; /* "exp" smoothing, as mteval-v13a */
            r.precision[n] = 100.0 / (smooth * (double)s->total[n]);
        } else {
            r.precision[n] = 100.0 * (double)s->correct[n] / (double)s->total[n];
        }
    }
    for (int n = 0; n < BLEU_ORDER; n++) {
        if (r.precision[n] == 0.0) return r;
        logsum += log(r.precision[n]);
    }
    r.score = r.brevity_penalty * exp(logsum / BLEU_ORDER);
    return r;
}

/* ------------------------------------------------------------ chrF */

/* The code points of s, every whitespace character removed, written to
 * `into` (room for strlen(s)); *n gets their number. */
static uint32_t *chars_without_space(const char *s, int32_t *n, uint32_t *into) {
    size_t len = strlen(s), i = 0;
    int32_t k = 0;
    while (i < len) {
        uint32_t cp = utf8_next((const unsigned char *)s, len, &i);
        if (!is_space_cp(cp)) into[k++] = cp;
    }
    *n = k;
    return into;
}

int chrf_add(chrf_stats *s, const char *hyp, const char *ref) {
    size_t lh = strlen(hyp), lr = strlen(ref), m = lh + lr + 1;
    uint32_t *seq = malloc(m * sizeof *seq);
    int32_t *work = malloc(2 * m * sizeof *work);
    if (!seq || !work) {
        free(seq);
        free(work);
        return -1;
    }
    int32_t hn, rn;
    chars_without_space(hyp, &hn, seq);
    chars_without_space(ref, &rn, seq + hn);
    for (int n = 1; n <= CHRF_ORDER; n++) {
        s->hyp[n - 1] += hn - n + 1 > 0 ? hn - n + 1 : 0;
        s->ref[n - 1] += rn - n + 1 > 0 ? rn - n + 1 : 0;
        s->match[n - 1] += clipped_matches(seq, hn, rn, n, work);
    }
    free(seq);
    free(work);
    return 0;
}

void chrf_merge(chrf_stats *into, const chrf_stats *from) {
    for (int n = 0; n < CHRF_ORDER; n++) {
        into->hyp[n] += from->hyp[n];
        into->ref[n] += from->ref[n];
        into->match[n] += from->match[n];
    }
}

double chrf_score(const chrf_stats *s) {
    double prec = 0.0, rec = 0.0;
    int effective = 0;
    for (int n = 0; n < CHRF_ORDER; n++) {
        /* Orders missing on either side are left out of the averages. */
        if (s->hyp[n] > 0 && s->ref[n] > 0) {
            prec += (double)s->match[n] / (double)s->hyp[n];
            rec += (double)s->match[n] / (double)s->ref[n];
            effective++;
        }
    }
    if (effective == 0) return 0.0;
    prec /= effective;
    rec /= effective;
    if (prec + rec == 0.0) return 0.0;
    double b2 = (double)CHRF_BETA * CHRF_BETA;
    return 100.0 * (1.0 + b2) * prec * rec / (b2 * prec + rec);
}

/* ------------------------------------------------------------ corpus helpers */

int corpus_bleu(int64_t n, const char *const *hyps, const char *const *refs, bleu_result *out) {
    bleu_stats s;
    memset(&s, 0, sizeof s);
    for (int64_t i = 0; i < n; i++)
        if (bleu_add(&s, hyps[i], refs[i]) != 0) return -1;
    *out = bleu_score(&s);
    return 0;
}

int corpus_chrf(int64_t n, const char *const *hyps, const char *const *refs, double *out) {
    chrf_stats s;
    memset(&s, 0, sizeof s);
    for (int64_t i = 0; i < n; i++)
        if (chrf_add(&s, hyps[i], refs[i]) != 0) return -1;
    *out = chrf_score(&s);
    return 0;
}

int32_t count_words(const char *text) {
    size_t len = strlen(text), i = 0;
    int32_t words = 0, in_word = 0;
    while (i < len) {
        uint32_t cp = utf8_next((const unsigned char *)text, len, &i);
        int sp = is_space_cp(cp);
        if (!sp && !in_word) words++;
        in_word = !sp;
    }
    return words;
}
