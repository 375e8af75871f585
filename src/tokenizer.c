/*
 * tokenizer.c — SentencePiece unigram encode/decode, matching spm_encode and
 * spm_decode (0.1.97) for identity-normalized models.
 *
 * Encoding = normalize (trim and collapse ASCII spaces, dummy "▁" prefix,
 * spaces -> "▁"), then Viterbi over byte positions with SentencePiece's
 * exact arithmetic and tie-breaking, then byte fallback (or merged UNKs).
 *
 * Piece lookup: the ids of matchable pieces (normal, user-defined, unused)
 * sorted by their bytes. Every piece sharing a prefix forms one contiguous
 * range, so walking the text narrows the range by binary search one byte at
 * a time: a trie that costs 4 bytes per piece and no build step beyond a sort.
 *
 * Scores are float; the arithmetic must stay IEEE single/double as written
 * (no -ffast-math, no x87), or ties break differently from SentencePiece.
 */
#include "tokenizer.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct tokenizer {
    int32_t n;
    char *blob;          /* every piece, NUL-terminated, back to back */
    uint32_t *off;       /* (n+1) piece i is blob[off[i] .. off[i+1]-1) */
    float *score;        /* (n) */
    uint8_t *type;       /* (n) PIECE_* */
    int32_t *sorted;     /* (n_sorted) matchable piece ids in byte order */
    int32_t n_sorted;
    int32_t first[257];  /* sorted[first[b] .. first[b+1]) start with byte b */
    int32_t byte_id[256];/* id of <0xXX>, or the unk id when missing */
    int32_t unk_id;
    int byte_fallback;   /* the vocabulary has byte pieces */
    float min_score;     /* over NORMAL pieces, as SentencePiece computes it */
    float max_score;
};

static const char kSpace[3] = {'\xE2', '\x96', '\x81'}; /* U+2581 "▁" */
static const char kUnkSurface[] = " \xE2\x81\x87 ";      /* " ⁇ " as spm_decode prints */
static const char kReplacement[] = "\xEF\xBF\xBD";        /* U+FFFD */

/* ------------------------------------------------------------------ UTF-8 */

/* Length of the well-formed UTF-8 character at s[0..n), or 0 when it is
 * malformed: truncated, overlong, a surrogate, above U+10FFFF or a stray
 * continuation byte. */
static size_t utf8_char_len(const uint8_t *s, size_t n) {
    uint8_t c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

/* Byte offset of the first malformed character, or n when all is valid. */
static size_t utf8_invalid_at(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        size_t l = utf8_char_len(s + i, n - i);
        if (!l) return i;
        i += l;
    }
    return n;
}

/* ------------------------------------------------------------- accessors */

static size_t piece_len(const tokenizer *t, int32_t id) { return t->off[id + 1] - t->off[id] - 1; }
static const uint8_t *piece_bytes(const tokenizer *t, int32_t id) {
    return (const uint8_t *)t->blob + t->off[id];
}

int32_t tokenizer_size(const tokenizer *t) { return t ? t->n : 0; }

const char *tokenizer_piece(const tokenizer *t, int32_t id) {
    return t && id >= 0 && id < t->n ? t->blob + t->off[id] : NULL;
}

float tokenizer_score(const tokenizer *t, int32_t id) {
    return t && id >= 0 && id < t->n ? t->score[id] : 0.0f;
}

int32_t tokenizer_type(const tokenizer *t, int32_t id) {
    return t && id >= 0 && id < t->n ? t->type[id] : 0;
}

void tokenizer_free(tokenizer *t) {
    if (!t) return;
    free(t->blob);
    free(t->off);
    free(t->score);
    free(t->type);
    free(t->sorted);
    free(t);
}

/* ------------------------------------------------------------------ init */

/* memcmp order with the shorter of two equal prefixes first. */
static int piece_cmp(const tokenizer *t, int32_t a, int32_t b) {
    size_t la = piece_len(t, a), lb = piece_len(t, b);
    int c = memcmp(piece_bytes(t, a), piece_bytes(t, b), la < lb ? la : lb);
    if (c) return c;
    return la < lb ? -1 : la > lb;
}

/* Bottom-up merge sort of ids by piece bytes (qsort has no context
 * argument in C11). tmp holds n ids. */
static void sort_ids(const tokenizer *t, int32_t *ids, int32_t *tmp, int32_t n) {
    for (int32_t w = 1; w < n; w *= 2) {
        for (int32_t lo = 0; lo < n; lo += 2 * w) {
            int32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int32_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = piece_cmp(t, ids[j], ids[i]) < 0 ? ids[j++] : ids[i++];
            while (i < mid) tmp[k++] = ids[i++];
            while (j < hi) tmp[k++] = ids[j++];
        }
        memcpy(ids, tmp, (size_t)n * sizeof *ids);
    }
}

/* Value of a byte piece "<0xHH>" (upper-case hex, as SentencePiece writes
 * it), or -1. */
static int byte_piece_value(const uint8_t *p, size_t len) {
    if (len != 6 || memcmp(p, "<0x", 3) != 0 || p[5] != '>') return -1;
    int v = 0;
    for (int i = 3; i < 5; i++) {
        int c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Builds the lookup tables once pieces, scores and types are copied in:
 * rejects duplicates, checks the unknown and byte pieces, and computes the
 * score range SentencePiece uses for unknown and user-defined pieces. */
static s2s_status build_index(tokenizer *t, s2s_error *err) {
    int32_t n = t->n;
    int32_t *all = malloc((size_t)n * sizeof *all);
    int32_t *tmp = malloc((size_t)n * sizeof *tmp);
    t->sorted = malloc((size_t)n * sizeof *t->sorted);
    if (!all || !tmp || !t->sorted) {
        free(all);
        free(tmp);
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "tokenizer: out of memory");
    }
    for (int32_t i = 0; i < n; i++) all[i] = i;
    sort_ids(t, all, tmp, n);
    free(tmp);
    for (int32_t i = 1; i < n; i++) {
        if (piece_cmp(t, all[i - 1], all[i]) == 0) {
            int32_t a = all[i - 1] < all[i] ? all[i - 1] : all[i];
            int32_t b = all[i - 1] < all[i] ? all[i] : all[i - 1];
            free(all);
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                            "tokenizer: pieces %d and %d are both \"%.60s\"", (int)a, (int)b,
                            tokenizer_piece(t, a));
        }
    }
    /* The matchable pieces keep the sorted order; the rest are looked up by id. */
    t->n_sorted = 0;
    for (int32_t i = 0; i < n; i++) {
        int ty = t->type[all[i]];
        if (ty == PIECE_NORMAL || ty == PIECE_USER_DEFINED || ty == PIECE_UNUSED)
            t->sorted[t->n_sorted++] = all[i];
    }
    free(all);
    for (int b = 0, k = 0; b <= 256; b++) {
        while (k < t->n_sorted && piece_bytes(t, t->sorted[k])[0] < b) k++;
        t->first[b] = k;
    }

    t->unk_id = -1;
    t->byte_fallback = 0;
    t->min_score = FLT_MAX; /* SentencePiece's initial values, kept for equal results */
    t->max_score = FLT_MIN;
    for (int32_t i = 0; i < n; i++) {
        int ty = t->type[i];
        if (ty == PIECE_UNKNOWN) {
            if (t->unk_id >= 0)
                return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                                "tokenizer: pieces %d and %d are both unknown", (int)t->unk_id,
                                (int)i);
            t->unk_id = i;
        } else if (ty == PIECE_BYTE) {
            if (byte_piece_value(piece_bytes(t, i), piece_len(t, i)) < 0)
                return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                                "tokenizer: byte piece %d is not of the form <0xHH>", (int)i);
            t->byte_fallback = 1;
        } else if (ty == PIECE_NORMAL) {
            if (t->score[i] < t->min_score) t->min_score = t->score[i];
            if (t->score[i] > t->max_score) t->max_score = t->score[i];
        }
    }
    if (t->unk_id < 0)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "tokenizer: no unknown piece");
    /* A byte spm cannot find falls back to the unk id (its PieceToId). */
    for (int b = 0; b < 256; b++) t->byte_id[b] = t->unk_id;
    for (int32_t i = 0; i < n; i++)
        if (t->type[i] == PIECE_BYTE) t->byte_id[byte_piece_value(piece_bytes(t, i), 6)] = i;
    return S2S_OK;
}

s2s_status tokenizer_init(tokenizer **out, int32_t n, const char *const *pieces,
                          const float *scores, const int32_t *types, s2s_error *err) {
    if (!out || !pieces || !scores || !types)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "tokenizer_init: NULL argument");
    *out = NULL;
    if (n <= 0 || n > S2S_MAX_VOCAB)
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "tokenizer_init: %d pieces (1..%d)",
                        (int)n, (int)S2S_MAX_VOCAB);
    size_t total = 0;
    for (int32_t i = 0; i < n; i++) {
        if (!pieces[i] || !pieces[i][0])
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "tokenizer_init: piece %d is empty",
                            (int)i);
        size_t l = strlen(pieces[i]);
        if (utf8_invalid_at((const uint8_t *)pieces[i], l) != l)
            return s2s_fail(err, S2S_ERR_BAD_UTF8, "tokenizer_init: piece %d is not UTF-8",
                            (int)i);
        if (!isfinite(scores[i]))
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                            "tokenizer_init: piece %d has a non-finite score", (int)i);
        if (types[i] < PIECE_NORMAL || types[i] > PIECE_BYTE)
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                            "tokenizer_init: piece %d has unknown type %d", (int)i, (int)types[i]);
        total += l + 1;
        if (total > UINT32_MAX)
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "tokenizer_init: pieces too long");
    }
    tokenizer *t = calloc(1, sizeof *t);
    if (!t) return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "tokenizer_init: out of memory");
    t->n = n;
    t->blob = malloc(total);
    t->off = malloc(((size_t)n + 1) * sizeof *t->off);
    t->score = malloc((size_t)n * sizeof *t->score);
    t->type = malloc((size_t)n);
    if (!t->blob || !t->off || !t->score || !t->type) {
        tokenizer_free(t);
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "tokenizer_init: out of memory");
    }
    uint32_t pos = 0;
    for (int32_t i = 0; i < n; i++) {
        size_t l = strlen(pieces[i]) + 1;
        t->off[i] = pos;
        memcpy(t->blob + pos, pieces[i], l);
        pos += (uint32_t)l;
        t->score[i] = scores[i];
        t->type[i] = (uint8_t)types[i];
    }
    t->off[n] = pos;
    s2s_status st = build_index(t, err);
    if (st != S2S_OK) {
        tokenizer_free(t);
        return st;
    }
    *out = t;
    return S2S_OK;
}

/* Parses one score field (not NUL-terminated); strtof needs the C locale,
 * which a library that never calls setlocale keeps. */
static int parse_score(const char *s, size_t len, float *out) {
    char buf[64];
    while (len && (s[len - 1] == '\r' || s[len - 1] == ' ')) len--;
    if (len == 0 || len >= sizeof buf) return 0;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *end;
    *out = strtof(buf, &end);
    return end == buf + len && isfinite(*out);
}

/* The type spm_export_vocab leaves out, inferred from the piece text. */
static int32_t infer_type(const char *p, size_t len) {
    if (len == 5 && memcmp(p, "<unk>", 5) == 0) return PIECE_UNKNOWN;
    if ((len == 3 && memcmp(p, "<s>", 3) == 0) || (len == 4 && memcmp(p, "</s>", 4) == 0) ||
        (len == 5 && memcmp(p, "<pad>", 5) == 0))
        return PIECE_CONTROL;
    if (byte_piece_value((const uint8_t *)p, len) >= 0) return PIECE_BYTE;
    return PIECE_NORMAL;
}

/* Parses `spm_export_vocab` output: one "piece<TAB>score" line per id, in id
 * order. The piece is everything before the line's last tab (pieces may hold
 * tabs); empty lines are skipped. Line numbers in messages count from 1. */
s2s_status tokenizer_from_spm_vocab(tokenizer **out, const char *tsv, size_t len,
                                    s2s_error *err) {
    if (!out || (!tsv && len))
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "tokenizer_from_spm_vocab: NULL argument");
    *out = NULL;
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) lines += tsv[i] == '\n';
    lines++;
    if (lines > S2S_MAX_VOCAB + (size_t)1) lines = S2S_MAX_VOCAB + (size_t)1; /* init rejects */
    char **pieces = calloc(lines, sizeof *pieces);
    float *scores = malloc(lines * sizeof *scores);
    int32_t *types = malloc(lines * sizeof *types);
    char *text = malloc(len + 1); /* every piece, NUL-terminated */
    s2s_status st = S2S_OK;
    if (!pieces || !scores || !types || !text) {
        st = s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "tokenizer_from_spm_vocab: out of memory");
        goto done;
    }
    int32_t n = 0;
    size_t line_no = 0, pos = 0;
    while (pos < len) {
        const char *line = tsv + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + (nl != NULL);
        line_no++;
        if (ll == 0) continue;
        if ((size_t)n >= lines) {
            st = s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "vocab: more than %d pieces",
                          (int)S2S_MAX_VOCAB);
            goto done;
        }
        const char *tab = NULL;
        for (size_t i = ll; i-- > 0;)
            if (line[i] == '\t') {
                tab = line + i;
                break;
            }
        size_t pl = tab ? (size_t)(tab - line) : 0;
        if (!tab || pl == 0 || memchr(line, 0, pl)) {
            st = s2s_fail(err, S2S_ERR_BAD_FORMAT, "vocab line %zu: expected piece<TAB>score",
                          line_no);
            goto done;
        }
        if (!parse_score(tab + 1, ll - pl - 1, &scores[n])) {
            st = s2s_fail(err, S2S_ERR_BAD_FORMAT, "vocab line %zu: bad score", line_no);
            goto done;
        }
        char *p = text + (line - tsv); /* same offset: pieces never overlap */
        memcpy(p, line, pl);
        p[pl] = 0;
        pieces[n] = p;
        types[n] = infer_type(line, pl);
        n++;
    }
    st = tokenizer_init(out, n, (const char *const *)pieces, scores, types, err);
done:
    free(pieces);
    free(scores);
    free(types);
    free(text);
    return st;
}

/* ---------------------------------------------------------------- encode */

/* SentencePiece's identity normalizer, before its trailing trim: leading
 * ASCII spaces dropped, a "▁" prepended, each space run collapsed to one
 * "▁". Only U+0020 is a space; tabs and the like are ordinary characters.
 * With out == NULL only the length is computed. */
static size_t normalize(const uint8_t *s, size_t len, uint8_t *out) {
    size_t i = 0, o = 3;
    while (i < len && s[i] == ' ') i++;
    if (i == len) return 0;
    if (out) memcpy(out, kSpace, 3);
    int prev_space = 1; /* the dummy prefix counts as a space */
    for (; i < len; i++) {
        if (s[i] == ' ') {
            if (!prev_space && out) memcpy(out + o, kSpace, 3);
            if (!prev_space) o += 3;
            prev_space = 1;
        } else {
            if (out) out[o] = s[i];
            o++;
            prev_space = 0;
        }
    }
    return o;
}

/* spm then removes every trailing "▁", a literal U+2581 from the text and
 * the dummy prefix included (so "▁" alone encodes to nothing). */
static size_t trim_trailing_space(const uint8_t *norm, size_t size) {
    while (size >= 3 && memcmp(norm + size - 3, kSpace, 3) == 0) size -= 3;
    return size;
}

/* Viterbi over the normalized text, as SentencePiece's EncodeOptimized:
 * best[e] is the best score of a segmentation of norm[0..e) and id[e] the
 * last piece of it (-1 before any). A piece candidate is the double sum of
 * its score and best[start], compared in double and stored as float (the
 * user-defined branch of spm's ternary makes the whole expression double);
 * the unknown candidate is a float sum. Strict > keeps the first candidate
 * seen, which is the order spm visits them: starts ascending, shorter
 * pieces first. */
static void viterbi(const tokenizer *t, const uint8_t *norm, size_t size, float *best,
                    int32_t *id) {
    const float unk_score = t->min_score - 10.0f; /* spm's kUnkPenalty */
    for (size_t e = 0; e <= size; e++) id[e] = -1, best[e] = 0.0f;
    size_t s = 0;
    while (s < size) {
        const float here = best[s];
        size_t mblen = utf8_char_len(norm + s, size - s);
        if (!mblen) mblen = 1; /* cannot happen (text was validated); never loop forever */
        int has_single = 0;
        int32_t lo = t->first[norm[s]], hi = t->first[norm[s] + 1];
        for (size_t k = 1; lo < hi; k++) {
            /* [lo, hi) holds the pieces starting with norm[s .. s+k). */
            int32_t pid = t->sorted[lo];
            if (piece_len(t, pid) == k && t->type[pid] != PIECE_UNUSED) {
                double sc = t->type[pid] == PIECE_USER_DEFINED
                                ? (double)((float)k * t->max_score) - 0.1
                                : (double)t->score[pid];
                double cand = sc + (double)here;
                if (id[s + k] < 0 || cand > (double)best[s + k]) {
                    best[s + k] = (float)cand;
                    id[s + k] = pid;
                }
                if (k == mblen) has_single = 1;
            }
            if (s + k >= size) break;
            /* Narrow to pieces longer than k whose byte k is norm[s+k]; in the
             * range those of length k sort first, then byte k ascending. */
            const uint8_t b = norm[s + k];
            int32_t a = lo, z = hi;
            while (a < z) { /* first with byte k >= b */
                int32_t m = a + (z - a) / 2, q = t->sorted[m];
                if (piece_len(t, q) <= k || piece_bytes(t, q)[k] < b) a = m + 1;
                else z = m;
            }
            lo = a;
            z = hi;
            while (a < z) { /* first with byte k > b */
                int32_t m = a + (z - a) / 2;
                if (piece_bytes(t, t->sorted[m])[k] <= b) a = m + 1;
                else z = m;
            }
            hi = a;
        }
        if (!has_single) {
            float cand = unk_score + here;
            if (id[s + mblen] < 0 || cand > best[s + mblen]) {
                best[s + mblen] = cand;
                id[s + mblen] = t->unk_id;
            }
        }
        s += mblen;
    }
}

/* Start of the node ending at e on the best path: unknown nodes span one
 * character (found by skipping continuation bytes back), others their piece. */
static size_t node_start(const tokenizer *t, const uint8_t *norm, size_t e, int32_t pid) {
    if (pid != t->unk_id) return e - piece_len(t, pid);
    size_t s = e - 1;
    while (s > 0 && (norm[s] & 0xC0) == 0x80) s--;
    return s;
}

/* Walks the best path backwards and emits ids right to left, ending at
 * index total: unknown characters become their UTF-8 bytes as byte pieces
 * with byte fallback, otherwise a run of them becomes one UNK (as spm merges
 * them). Only indices below cap are written. Returns the number of ids. */
static size_t emit(const tokenizer *t, const uint8_t *norm, size_t size, const int32_t *id,
                   size_t total, int32_t *ids, size_t cap) {
    size_t e = size, k = total, count = 0;
    while (e > 0) {
        int32_t pid = id[e];
        size_t s = node_start(t, norm, e, pid);
        if (pid == t->unk_id && t->byte_fallback) {
            for (size_t j = e; j-- > s;) {
                count++;
                if (--k < cap && ids) ids[k] = t->byte_id[norm[j]];
            }
        } else if (pid != t->unk_id || s == 0 || id[s] != t->unk_id) {
            count++;
            if (--k < cap && ids) ids[k] = pid;
        }
        e = s;
    }
    return count;
}

s2s_status tokenizer_encode(const tokenizer *t, const char *text, size_t len, int32_t *ids,
                            int32_t cap, int32_t *n_out, s2s_error *err) {
    if (!t || !n_out || (!text && len) || cap < 0 || (!ids && cap > 0))
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "tokenizer_encode: bad argument");
    *n_out = 0;
    const uint8_t *s = (const uint8_t *)text;
    size_t bad = len ? utf8_invalid_at(s, len) : 0;
    if (bad != len)
        return s2s_fail(err, S2S_ERR_BAD_UTF8, "tokenizer_encode: invalid UTF-8 at byte %zu",
                        bad);
    size_t size = len ? normalize(s, len, NULL) : 0;
    if (size == 0) return S2S_OK;
    if (size > (size_t)INT32_MAX)
        return s2s_fail(err, S2S_ERR_INPUT_TOO_LONG, "tokenizer_encode: text too long");
    uint8_t *norm = malloc(size);
    float *best = malloc(s2s_mul_size(size + 1, sizeof *best));
    int32_t *id = malloc(s2s_mul_size(size + 1, sizeof *id));
    if (!norm || !best || !id) {
        free(norm);
        free(best);
        free(id);
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "tokenizer_encode: out of memory");
    }
    normalize(s, len, norm);
    size = trim_trailing_space(norm, size);
    if (size == 0) {
        free(norm), free(best), free(id);
        return S2S_OK;
    }
    viterbi(t, norm, size, best, id);
    free(best);
    size_t total = emit(t, norm, size, id, 0, NULL, 0);
    emit(t, norm, size, id, total, ids, (size_t)cap);
    free(norm);
    free(id);
    if (total > (size_t)INT32_MAX)
        return s2s_fail(err, S2S_ERR_INPUT_TOO_LONG, "tokenizer_encode: text too long");
    *n_out = (int32_t)total;
    if (total > (size_t)cap)
        return s2s_fail(err, S2S_ERR_INPUT_TOO_LONG,
                        "tokenizer_encode: %zu ids do not fit in %d", total, (int)cap);
    return S2S_OK;
}

/* ---------------------------------------------------------------- decode */

/* Appends the text of a run of byte pieces: each well-formed UTF-8
 * character as itself, every other byte as U+FFFD (spm_decode's rule). */
static size_t decode_bytes(const uint8_t *b, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_char_len(b + i, n - i);
        if (l) {
            memcpy(out + o, b + i, l);
            o += l, i += l;
        } else {
            memcpy(out + o, kReplacement, 3);
            o += 3, i++;
        }
    }
    return o;
}

/* As spm_decode: control pieces vanish, UNK prints " ⁇ ", byte runs are
 * reassembled, "▁" becomes a space, and while nothing has been written yet
 * each piece loses one leading "▁" (so leading spaces never survive). */
s2s_status tokenizer_decode(const tokenizer *t, const int32_t *ids, int32_t n, char **out,
                            s2s_error *err) {
    if (!t || !out || n < 0 || (!ids && n))
        return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT, "tokenizer_decode: bad argument");
    *out = NULL;
    size_t cap = 1;
    for (int32_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= t->n)
            return s2s_fail(err, S2S_ERR_INVALID_ARGUMENT,
                            "tokenizer_decode: id %d at %d is out of range", (int)ids[i], (int)i);
        int ty = t->type[ids[i]];
        cap += ty == PIECE_UNKNOWN ? sizeof kUnkSurface : ty == PIECE_BYTE ? 3 : piece_len(t, ids[i]);
    }
    char *text = malloc(cap);
    uint8_t *run = malloc(n ? (size_t)n : 1);
    if (!text || !run) {
        free(text);
        free(run);
        return s2s_fail(err, S2S_ERR_OUT_OF_MEMORY, "tokenizer_decode: out of memory");
    }
    size_t o = 0, nrun = 0;
    for (int32_t i = 0; i <= n; i++) {
        int ty = i < n ? t->type[ids[i]] : 0;
        if (ty == PIECE_BYTE) {
            run[nrun++] = (uint8_t)byte_piece_value(piece_bytes(t, ids[i]), 6);
            continue;
        }
        o += decode_bytes(run, nrun, text + o);
        nrun = 0;
        if (i == n || ty == PIECE_CONTROL) continue;
        if (ty == PIECE_UNKNOWN) {
            memcpy(text + o, kUnkSurface, sizeof kUnkSurface - 1);
            o += sizeof kUnkSurface - 1;
            continue;
        }
        const uint8_t *p = piece_bytes(t, ids[i]);
        size_t l = piece_len(t, ids[i]), j = 0;
        if (o == 0 && l >= 3 && memcmp(p, kSpace, 3) == 0) j = 3;
        while (j < l) {
            if (j + 3 <= l && memcmp(p + j, kSpace, 3) == 0) {
                text[o++] = ' ';
                j += 3;
            } else {
                text[o++] = (char)p[j++];
            }
        }
    }
    text[o] = 0;
    free(run);
    *out = text;
    return S2S_OK;
}
