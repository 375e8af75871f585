/* util.c — error messages and the status names of s2s.h. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

s2s_status s2s_fail(s2s_error *err, s2s_status status, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->status = status;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

const char *s2s_status_name(s2s_status status) {
    switch (status) {
    case S2S_OK: return "ok";
    case S2S_ERR_INVALID_ARGUMENT: return "invalid argument";
    case S2S_ERR_OUT_OF_MEMORY: return "out of memory";
    case S2S_ERR_BAD_FORMAT: return "bad model file";
    case S2S_ERR_VERSION: return "unsupported model file version";
    case S2S_ERR_CHECKSUM: return "model file checksum mismatch";
    case S2S_ERR_UNSUPPORTED: return "unsupported";
    case S2S_ERR_INPUT_TOO_LONG: return "input too long";
    case S2S_ERR_BAD_UTF8: return "invalid UTF-8";
    case S2S_ERR_DIVERGED: return "training diverged";
    case S2S_ERR_IO: return "input/output error";
    }
    return "unknown status";
}

void s2s_free(void *p) { free(p); }
