/*
 * "Did you mean": edit distances and the thresholds that make a candidate a
 * likely typo rather than another word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/suggest.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void test_suggest_distance(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        size_t want;
    } cases[] = {
        {"", "", 0},
        {"abc", "", 3},
        {"", "abc", 3},
        {"interval", "interval", 0},
        {"intervall", "interval", 1}, /* insertion */
        {"intrval", "interval", 1},   /* deletion */
        {"intarval", "interval", 1},  /* substitution */
        {"stauts", "status", 1},      /* neighbours swapped */
        {"prot", "port", 1},
        {"kitten", "sitting", 3},
        {"ca", "abc", 3}, /* optimal string alignment: no edit of a swapped pair */
        {"Interval", "interval", 1},
        {"timeout", "interval", 7},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        size_t d = gw_suggest_distance(cases[i].a, cases[i].b);
        if (d != cases[i].want)
            fail_msg("distance(\"%s\", \"%s\") = %zu, want %zu", cases[i].a, cases[i].b, d,
                     cases[i].want);
        /* symmetric */
        assert_int_equal(gw_suggest_distance(cases[i].b, cases[i].a), d);
    }
}

static void test_suggest_thresholds(void **state)
{
    (void)state;
    static const char *const keys[] = {
        "id",   "check", "interval", "timeout",  "port",
        "host", "hosts", "notify",   "category", "success_threshold"};
    static const struct {
        const char *word;
        const char *want; /* NULL: no suggestion */
    } cases[] = {
        {"intervall", "interval"},
        {"intrvl", "interval"}, /* distance 2 in a long word */
        {"itrvl", NULL},        /* distance 3 */
        {"prot", "port"},       /* distance 1 in a short word */
        {"prto", NULL},         /* distance 2 in a word of 4: too far */
        {"hots", "host"},       /* tie with "hosts": the first candidate */
        {"chek", "check"},
        {"Timeout", "timeout"},
        {"x", NULL}, /* a one-letter word is never a typo of "id" */
        {"i", NULL},
        {"", NULL},
        {"colour", NULL},
        {"success_treshold", "success_threshold"},
        {"ab", NULL},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        const char *got = gw_suggest(cases[i].word, keys, N_OF(keys));
        if ((got == NULL) != (cases[i].want == NULL) || (got && strcmp(got, cases[i].want) != 0))
            fail_msg("suggest(\"%s\") = %s, want %s", cases[i].word, got ? got : "NULL",
                     cases[i].want ? cases[i].want : "NULL");
    }
    /* two letters, one edit: near enough when it is less than the length */
    static const char *const short_names[] = {"xy", "ab"};
    assert_string_equal(gw_suggest("ac", short_names, 2), "ab");
    /* the candidate is borrowed, not copied */
    assert_ptr_equal(gw_suggest("prot", keys, N_OF(keys)), keys[4]);
}

static void test_suggest_no_candidates(void **state)
{
    (void)state;
    static const char *const some[] = {NULL, "port", NULL};
    assert_null(gw_suggest("prot", NULL, 0));
    assert_string_equal(gw_suggest("prot", some, 3), "port");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suggest_distance),
        cmocka_unit_test(test_suggest_thresholds),
        cmocka_unit_test(test_suggest_no_candidates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
