/* cli.c — messages, files, option parsing and small utilities of the CLI. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("s2s: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_error_s2s(const char *what, const s2s_error *err) {
    cli_error("%s: %s (%s)", what, err->message[0] ? err->message : "no details",
              s2s_status_name(err->status));
}

int cli_read_file(const char *path, char **data, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) {
        cli_error("out of memory reading %s", path);
        return -1;
    }
    if (bad) {
        free(buf);
        cli_error("cannot read %s", path);
        return -1;
    }
    buf[n] = '\0';
    *data = buf;
    *size = n;
    return 0;
}

int cli_write_file(const char *path, const void *data, size_t size) {
    size_t len = strlen(path);
    char *tmp = malloc(len + 8);
    if (!tmp) {
        cli_error("out of memory writing %s", path);
        return -1;
    }
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        cli_error("cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    int ok = fwrite(data, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        cli_error("cannot write %s: %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

s2s_model *cli_load_model(const char *path) {
    char *data;
    size_t size;
    if (cli_read_file(path, &data, &size) != 0) return NULL;
    s2s_model *m = NULL;
    s2s_error err = {0};
    s2s_status st = s2s_model_load_owned(&m, data, size, &err);
    if (st != S2S_OK) {
        free(data);
        char what[512];
        snprintf(what, sizeof what, "cannot load model %s", path);
        cli_error_s2s(what, &err);
        return NULL;
    }
    return m;
}

int cli_load_rerank(const char *cmd, const char *path, double weight, const s2s_model *model,
                    s2s_translate_params *tp, s2s_model **rerank) {
    *rerank = NULL;
    if (weight < 0) {
        if (!s2s_model_meta(model, "rerank_weight")) {
            cli_error("%s: the model has no rerank_weight metadata: give --rerank-weight W", cmd);
            return -1;
        }
        weight = s2s_translate_model_params(model).rerank_weight;
    }
    if (!(*rerank = cli_load_model(path))) return -1;
    tp->rerank_model = *rerank;
    tp->rerank_weight = (float)weight;
    return 0;
}

int cli_save_model(const s2s_model *model, const char *path) {
    uint8_t *data = NULL;
    size_t size = 0;
    s2s_error err = {0};
    if (s2s_model_save(model, &data, &size, &err) != S2S_OK) {
        char what[512];
        snprintf(what, sizeof what, "cannot serialize model for %s", path);
        cli_error_s2s(what, &err);
        return -1;
    }
    int rc = cli_write_file(path, data, size);
    s2s_free(data);
    return rc;
}

const char *cli_next_value(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) {
        cli_error("%s needs a value", argv[*i]);
        return NULL;
    }
    *i += 1;
    return argv[*i];
}

int cli_parse_int(const char *opt, const char *s, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end != '\0') {
        cli_error("%s: '%s' is not an integer", opt, s);
        return -1;
    }
    if (v < lo || v > hi) {
        cli_error("%s: %lld is out of range [%lld, %lld]", opt, v, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_double(const char *opt, const char *s, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !isfinite(v)) {
        cli_error("%s: '%s' is not a number", opt, s);
        return -1;
    }
    if (v < lo || v > hi) {
        cli_error("%s: %g is out of range [%g, %g]", opt, v, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

uint64_t cli_rng_next(cli_rng *r) {
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t cli_rng_below(cli_rng *r, uint64_t n) {
    /* Rejection keeps the result unbiased for any n. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = cli_rng_next(r);
    while (x >= limit);
    return x % n;
}

void cli_json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p == '\n') fputs("\\n", f);
        else if (*p == '\t') fputs("\\t", f);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

double cli_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_format_duration(char *out, size_t cap, double seconds) {
    if (!(seconds >= 0) || seconds > 1e9) {
        snprintf(out, cap, "?");
        return;
    }
    long long s = (long long)(seconds + 0.5);
    snprintf(out, cap, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
}

int cli_set_meta(s2s_model *model, const char *assignment) {
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        cli_error("--meta: '%s' is not KEY=VALUE", assignment);
        return -1;
    }
    char key[201];
    size_t kl = (size_t)(eq - assignment);
    if (kl >= sizeof key) {
        cli_error("--meta: keys are at most 200 bytes");
        return -1;
    }
    memcpy(key, assignment, kl);
    key[kl] = '\0';
    s2s_error err = {0};
    if (s2s_model_set_meta(model, key, eq + 1, &err) != S2S_OK) {
        cli_error_s2s("--meta", &err);
        return -1;
    }
    return 0;
}

size_t cli_chomp(char *line, size_t len) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    return len;
}

/* Enum names come from the library's hyper-parameter table (s2s_hparam_*),
 * the same names the JS API shows. */
const char *cli_enum_name(const char *field, int32_t v) {
    const char *name = s2s_hparam_value_name(s2s_hparam_find(field), v);
    return name ? name : "unknown";
}

int32_t cli_enum_value(const char *field, const char *s) {
    /* the CLI's spellings before the names were unified; scripts still pass them */
    if (!strcmp(field, "attention") && !strcmp(s, "dot")) return S2S_ATTN_LUONG_DOT;
    if (!strcmp(field, "attention") && !strcmp(s, "general")) return S2S_ATTN_LUONG_GENERAL;
    int32_t i = s2s_hparam_find(field);
    for (int32_t v = 0; s2s_hparam_value_name(i, v); v++)
        if (!strcmp(s2s_hparam_value_name(i, v), s)) return v;
    return -1;
}

const char *cli_enum_choices(const char *field, char *buf, size_t size) {
    int32_t i = s2s_hparam_find(field);
    size_t at = 0;
    buf[0] = '\0';
    for (int32_t v = 0; s2s_hparam_value_name(i, v) && at < size; v++) {
        int n = snprintf(buf + at, size - at, "%s%s", v ? ", " : "", s2s_hparam_value_name(i, v));
        if (n < 0) break;
        at += (size_t)n;
    }
    return buf;
}
