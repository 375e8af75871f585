/*
 * test_metrics.c — BLEU (13a) and chrF2 against counts worked out by hand
 * in the comments, plus one published sacreBLEU number.
 */
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "testing.h"

static double bleu_of(const char *hyp, const char *ref) {
    bleu_result r;
    const char *h[1] = {hyp}, *f[1] = {ref};
    CHECK(corpus_bleu(1, h, f, &r) == 0);
    return r.score;
}

static double chrf_of(const char *hyp, const char *ref) {
    double s = -1;
    const char *h[1] = {hyp}, *f[1] = {ref};
    CHECK(corpus_chrf(1, h, f, &s) == 0);
    return s;
}

/* Checks that text tokenizes to `want` under 13a. */
static void check_13a(const char *text, const char *want) {
    char *got = tokenize_13a(text, strlen(text));
    CHECK(got != NULL);
    if (got && strcmp(got, want) != 0) {
        fprintf(stderr, "13a(\"%s\") = \"%s\", want \"%s\"\n", text, got, want);
        tests_failed_checks++;
    }
    free(got);
}

/* ---------------------------------------------------------------- 13a */

static void tokenize_13a_splits_punctuation_but_not_apostrophes_or_hyphens(void) {
    check_13a("Hello, world!", "Hello , world !");
    check_13a("(see: A&B)", "( see : A & B )");
    check_13a("don't stop", "don't stop");
    check_13a("a well-known fact", "a well-known fact");
    check_13a("a.b", "a . b");
    check_13a("¿Qué tal?", "¿Qué tal ?");
    check_13a("", "");
    check_13a("   ", "");
}

static void tokenize_13a_keeps_separators_inside_numbers(void) {
    /* Comma and period stay between digits; the final period splits. */
    check_13a("It costs $3,000.50 today.", "It costs $ 3,000.50 today .");
    /* A dash after a digit splits, a dash after a letter does not. */
    check_13a("1990-2000", "1990 - 2000");
    check_13a("x-2", "x-2");
    check_13a("3.", "3 .");
    check_13a(".5", ". 5");
}

static void tokenize_13a_unescapes_entities_in_order(void) {
    check_13a("&quot;hi&quot;", "\" hi \"");
    /* &amp; is undone after &quot;, so "&amp;quot;" stays "&quot;" (then split). */
    check_13a("&amp;quot;", "& quot ;");
    /* ...but before &lt;, so "&amp;lt;" becomes "<". */
    check_13a("&amp;lt;", "<");
}

static void tokenize_13a_splits_on_unicode_spaces_and_drops_skipped(void) {
    check_13a("a\xc2\xa0" "b", "a b");    /* no-break space */
    check_13a("a\xe3\x80\x80" "b", "a b"); /* ideographic space */
    check_13a("a <skipped> b", "a b");
}

/* ---------------------------------------------------------------- BLEU */

static void bleu_of_identical_sentences_is_100(void) {
    CHECK_CLOSE(bleu_of("the cat sat on the mat", "the cat sat on the mat"), 100.0, 1e-12);
    CHECK_CLOSE(chrf_of("the cat sat on the mat", "the cat sat on the mat"), 100.0, 1e-12);
}

static void bleu_of_disjoint_sentences_is_0(void) {
    /* No match at any order: 0 even though "exp" smoothing is on. */
    CHECK(bleu_of("a b c d", "e f g h") == 0.0);
    CHECK(chrf_of("a b c d", "e f g h") == 0.0);
}

static void bleu_counts_clipped_ngrams_and_smooths_a_zero_order(void) {
    /* hyp: the cat sat on the mat / ref: the cat is on the mat
     *   1-grams: the x2, cat, on, mat match        -> 5/6
     *   2-grams: "the cat", "on the", "the mat"     -> 3/5
     *   3-grams: "on the mat"                       -> 1/4
     *   4-grams: none; exp smoothing gives 1/(2*3)  -> 100/6
     *   BP = 1 (6 vs 6 tokens). */
    double want = pow(500.0 / 6.0 * 60.0 * 25.0 * (100.0 / 6.0), 0.25);
    CHECK_CLOSE(bleu_of("the cat sat on the mat", "the cat is on the mat"), want, 1e-12);
    CHECK_CLOSE(want, 37.9917, 1e-4);
}

static void bleu_clips_repeated_words_to_the_reference_count(void) {
    /* hyp: the the the the the / ref: the cat the mat
     *   1-grams: "the" x5 in hyp, x2 in ref        -> 2/5
     *   2..4-grams: "the the" etc. never match      -> smoothed 1/(2*4), 1/(4*3), 1/(8*2)
     *   BP = 1 (5 >= 4). */
    double want = pow(40.0 * (100.0 / 8) * (100.0 / 12) * (100.0 / 16), 0.25);
    CHECK_CLOSE(bleu_of("the the the the the", "the cat the mat"), want, 1e-12);
}

static void bleu_applies_the_brevity_penalty_to_short_output(void) {
    /* hyp: the cat sat on the (5) / ref: the cat sat on the mat (6)
     * every hyp n-gram matches (5/5, 4/4, 3/3, 2/2), BP = exp(1 - 6/5). */
    bleu_result r;
    const char *h[1] = {"the cat sat on the"}, *f[1] = {"the cat sat on the mat"};
    CHECK(corpus_bleu(1, h, f, &r) == 0);
    CHECK_CLOSE(r.brevity_penalty, exp(-0.2), 1e-12);
    CHECK_CLOSE(r.score, 100.0 * exp(-0.2), 1e-12);
    CHECK(r.sys_len == 5 && r.ref_len == 6);
}

static void bleu_sums_statistics_over_the_corpus_before_scoring(void) {
    /* "a b c d"="a b c d" and "x y" vs "x z":
     *   1-grams 5/6, 2-grams 3/4, 3-grams 2/2, 4-grams 1/1, BP 1
     *   BLEU = 100 * (5/6 * 3/4)^(1/4), not the mean of sentence scores. */
    bleu_result r;
    const char *h[2] = {"a b c d", "x y"}, *f[2] = {"a b c d", "x z"};
    CHECK(corpus_bleu(2, h, f, &r) == 0);
    CHECK_CLOSE(r.score, 100.0 * pow(5.0 / 6.0 * 3.0 / 4.0, 0.25), 1e-12);
    CHECK_CLOSE(r.precision[0], 500.0 / 6.0, 1e-12);
}

static void bleu_of_a_corpus_without_4grams_is_0(void) {
    /* sacreBLEU's corpus default has no effective order: no 4-gram, no score. */
    CHECK(bleu_of("a b c", "a b c") == 0.0);
}

static void bleu_tokenizes_punctuation_before_matching(void) {
    /* "Hola, mundo." -> Hola , mundo .  vs  "Hola mundo." -> Hola mundo .
     *   1-grams: Hola, mundo, . match             -> 3/4
     *   2-grams: "mundo ." matches                 -> 1/3
     *   3-grams: none -> 1/(2*2); 4-grams: none -> 1/(4*1)
     *   BP = 1 (4 >= 3). */
    double want = pow(75.0 * (100.0 / 3.0) * 25.0 * 25.0, 0.25);
    CHECK_CLOSE(bleu_of("Hola, mundo.", "Hola mundo."), want, 1e-12);
}

/* ---------------------------------------------------------------- chrF */

static void chrf_counts_accented_letters_as_one_character(void) {
    /* "está" vs "esta", 4 code points each (5 and 4 bytes):
     *   1: e s t match, á≠a        -> 3/4 both ways
     *   2: es st match, tá≠ta      -> 2/3
     *   3: est matches, stá≠sta    -> 1/2
     *   4: está≠esta               -> 0/1
     *   5, 6: no n-grams, left out of the average
     *   P = R = (3/4 + 2/3 + 1/2 + 0) / 4, and F2 of P = R is P. */
    double p = (0.75 + 2.0 / 3.0 + 0.5) / 4.0;
    CHECK_CLOSE(chrf_of("está", "esta"), 100.0 * p, 1e-12);
}

static void chrf_ignores_whitespace(void) {
    CHECK_CLOSE(chrf_of("a b", "ab"), 100.0, 1e-12);
    CHECK_CLOSE(chrf_of("  ab\t", "a\xc2\xa0" "b"), 100.0, 1e-12);
}

static void chrf_weighs_recall_more_than_precision(void) {
    /* hyp "ab" vs ref "abcd":
     *   1: P 2/2, R 2/4;  2: P 1/1, R 1/3;  3, 4: no hyp n-grams, left out
     *   P = 1, R = (1/2 + 1/3) / 2 = 5/12;  F2 = 5PR / (4P + R). */
    double p = 1.0, r = 5.0 / 12.0;
    CHECK_CLOSE(chrf_of("ab", "abcd"), 100.0 * 5 * p * r / (4 * p + r), 1e-12);
    /* The other way round the low side is precision, which counts less. */
    CHECK(chrf_of("abcd", "ab") > chrf_of("ab", "abcd"));
}

static void chrf_sums_statistics_over_the_corpus_before_scoring(void) {
    /* "ab"="ab" and "c" vs "d":
     *   1: 2 matches of 3 both ways; 2: 1 of 1; 3..6: none
     *   P = R = (2/3 + 1) / 2 = 5/6 -> 83.33, not (100 + 0) / 2. */
    double s = -1;
    const char *h[2] = {"ab", "c"}, *f[2] = {"ab", "d"};
    CHECK(corpus_chrf(2, h, f, &s) == 0);
    CHECK_CLOSE(s, 100.0 * 5.0 / 6.0, 1e-12);
}

static void chrf_matches_the_published_sacrebleu_example(void) {
    /* The chrF metric card of huggingface/datasets (sacreBLEU defaults). */
    CHECK_CLOSE(chrf_of("The relationship between Obama and Netanyahu is not exactly friendly.",
                        "The ties between Obama and Netanyahu are not particularly friendly."),
                61.576379378113785, 1e-12);
}

static void statistics_merge_like_one_pass(void) {
    bleu_stats a, b, all;
    chrf_stats ca, cb, call;
    memset(&a, 0, sizeof a); memset(&b, 0, sizeof b); memset(&all, 0, sizeof all);
    memset(&ca, 0, sizeof ca); memset(&cb, 0, sizeof cb); memset(&call, 0, sizeof call);
    CHECK(bleu_add(&a, "one two three four five", "one two three four six") == 0);
    CHECK(bleu_add(&b, "seis siete", "seis ocho") == 0);
    CHECK(bleu_add(&all, "one two three four five", "one two three four six") == 0);
    CHECK(bleu_add(&all, "seis siete", "seis ocho") == 0);
    bleu_merge(&a, &b);
    CHECK(memcmp(&a, &all, sizeof a) == 0);
    CHECK(chrf_add(&ca, "niño", "nino") == 0);
    CHECK(chrf_add(&cb, "año", "ano") == 0);
    CHECK(chrf_add(&call, "niño", "nino") == 0);
    CHECK(chrf_add(&call, "año", "ano") == 0);
    chrf_merge(&ca, &cb);
    CHECK(memcmp(&ca, &call, sizeof ca) == 0);
}

static void empty_hypotheses_score_0_without_crashing(void) {
    CHECK(bleu_of("", "a b c d") == 0.0);
    CHECK(chrf_of("", "a b c d") == 0.0);
    CHECK(bleu_of("", "") == 0.0);
    CHECK(chrf_of("", "") == 0.0);
}

static void malformed_utf8_is_scored_not_rejected(void) {
    CHECK(chrf_of("\xff\xfe" "abc", "abc") > 0.0);
    check_13a("\xe2\x82", "\xe2\x82");
}

static void count_words_splits_on_any_whitespace(void) {
    CHECK(count_words("  hello  big\tworld ") == 3);
    CHECK(count_words("") == 0);
    CHECK(count_words("uno\xc2\xa0" "dos") == 2);
}

int main(void) {
    RUN(tokenize_13a_splits_punctuation_but_not_apostrophes_or_hyphens);
    RUN(tokenize_13a_keeps_separators_inside_numbers);
    RUN(tokenize_13a_unescapes_entities_in_order);
    RUN(tokenize_13a_splits_on_unicode_spaces_and_drops_skipped);
    RUN(bleu_of_identical_sentences_is_100);
    RUN(bleu_of_disjoint_sentences_is_0);
    RUN(bleu_counts_clipped_ngrams_and_smooths_a_zero_order);
    RUN(bleu_clips_repeated_words_to_the_reference_count);
    RUN(bleu_applies_the_brevity_penalty_to_short_output);
    RUN(bleu_sums_statistics_over_the_corpus_before_scoring);
    RUN(bleu_of_a_corpus_without_4grams_is_0);
    RUN(bleu_tokenizes_punctuation_before_matching);
    RUN(chrf_counts_accented_letters_as_one_character);
    RUN(chrf_ignores_whitespace);
    RUN(chrf_weighs_recall_more_than_precision);
    RUN(chrf_sums_statistics_over_the_corpus_before_scoring);
    RUN(chrf_matches_the_published_sacrebleu_example);
    RUN(statistics_merge_like_one_pass);
    RUN(empty_hypotheses_score_0_without_crashing);
    RUN(malformed_utf8_is_scored_not_rejected);
    RUN(count_words_splits_on_any_whitespace);
    return tests_exit_code();
}
