/*
 * testing.h — the few macros every C test uses. A test is a void function
 * whose name reads as a sentence; RUN prints "ok" or "FAIL" beside it and
 * tests_exit_code() makes CTest see failures.
 */
#ifndef S2S_TESTING_H
#define S2S_TESTING_H

#include <math.h>
#include <stdio.h>

static int tests_failed_checks;
static int tests_run, tests_failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            tests_failed_checks++;                                                    \
        }                                                                             \
    } while (0)

/* |a - b| <= tol * max(1, |a|, |b|) */
#define CHECK_CLOSE(a, b, tol)                                                          \
    do {                                                                                \
        double a_ = (a), b_ = (b), s_ = fmax(1.0, fmax(fabs(a_), fabs(b_)));            \
        if (!(fabs(a_ - b_) <= (tol) * s_)) {                                           \
            fprintf(stderr, "%s:%d: %s = %.9g but %s = %.9g (tol %g)\n", __FILE__,     \
                    __LINE__, #a, a_, #b, b_, (double)(tol));                           \
            tests_failed_checks++;                                                      \
        }                                                                               \
    } while (0)

#define RUN(test)                                                       \
    do {                                                                \
        int before_ = tests_failed_checks;                              \
        test();                                                         \
        tests_run++;                                                    \
        int ok_ = tests_failed_checks == before_;                       \
        if (!ok_) tests_failed++;                                       \
        printf("%s %s\n", ok_ ? "ok  " : "FAIL", #test);                \
        fflush(stdout);                                                 \
    } while (0)

static inline int tests_exit_code(void) {
    printf("%d passed, %d failed\n", tests_run - tests_failed, tests_failed);
    return tests_failed ? 1 : 0;
}

#endif /* S2S_TESTING_H */
