/*
 * Diagnostics: formatting, sorting by file (in order of first appearance),
 * line and column, and one report for a problem reached many times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/diag.h"

static void expect_lines(const struct gw_diag *d, const char *const *want, size_t n)
{
    if (d->n != n)
        fail_msg("%zu entries, want %zu", d->n, n);
    for (size_t i = 0; i < n; i++) {
        char *got = gw_diag_format(d, i);
        if (strcmp(got, want[i]) != 0) {
            print_error("entry %zu:\n  got:  %s\n  want: %s\n", i, got, want[i]);
            free(got);
            fail();
        }
        free(got);
    }
}

#define EXPECT_LINES(d, ...)                                                                       \
    do {                                                                                           \
        const char *const want_[] = {__VA_ARGS__};                                                 \
        expect_lines((d), want_, sizeof(want_) / sizeof(want_[0]));                                \
    } while (0)

static void test_diag_format(void **state)
{
    (void)state;
    struct gw_diag *d = gw_diag_new();
    gw_diag_add(d, GW_DIAG_ERROR, "a.yaml", 3, 7, "bad %s \"%s\" (expected %d)", "thing", "x", 1);
    gw_diag_add(d, GW_DIAG_WARNING, "a.yaml", 0, 0, "whole-file warning");
    gw_diag_add(d, GW_DIAG_ERROR, NULL, 5, 5, "no file at all");
    EXPECT_LINES(d, "a.yaml:3:7: error: bad thing \"x\" (expected 1)",
                 "a.yaml: warning: whole-file warning", "error: no file at all");
    assert_int_equal(d->errors, 2);
    assert_int_equal(d->warnings, 1);
    assert_true(gw_diag_contains(d, "bad thing"));
    assert_true(gw_diag_contains(d, "a.yaml:3:7: error:"));
    assert_false(gw_diag_contains(d, "a.yaml:3:8"));

    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    gw_diag_print(d, out);
    fclose(out);
    assert_string_equal(buf, "a.yaml:3:7: error: bad thing \"x\" (expected 1)\n"
                             "a.yaml: warning: whole-file warning\n"
                             "error: no file at all\n");
    free(buf);
    gw_diag_free(d);
    gw_diag_free(NULL);
}

static void test_diag_sort(void **state)
{
    (void)state;
    struct gw_diag *d = gw_diag_new();
    gw_diag_add(d, GW_DIAG_ERROR, "main.yaml", 10, 5, "m10");
    gw_diag_add(d, GW_DIAG_ERROR, "conf.d/b.yaml", 1, 1, "b1");
    gw_diag_add(d, GW_DIAG_ERROR, "main.yaml", 2, 9, "m2c9");
    gw_diag_add(d, GW_DIAG_WARNING, "main.yaml", 2, 3, "m2c3");
    gw_diag_add(d, GW_DIAG_ERROR, "conf.d/a.yaml", 4, 1, "a4");
    gw_diag_add(d, GW_DIAG_ERROR, NULL, 0, 0, "nofile");
    gw_diag_add(d, GW_DIAG_ERROR, "main.yaml", 2, 9, "m2c9 second"); /* same place: kept in order */
    gw_diag_add(d, GW_DIAG_ERROR, "main.yaml", 2, 9, "m2c9 first?"); /* reported later */
    gw_diag_sort(d);
    /* files in order of first appearance, not by name */
    EXPECT_LINES(d, "error: nofile", "main.yaml:2:3: warning: m2c3", "main.yaml:2:9: error: m2c9",
                 "main.yaml:2:9: error: m2c9 second", "main.yaml:2:9: error: m2c9 first?",
                 "main.yaml:10:5: error: m10", "conf.d/b.yaml:1:1: error: b1",
                 "conf.d/a.yaml:4:1: error: a4");
    assert_int_equal(d->errors, 7);
    assert_int_equal(d->warnings, 1);
    gw_diag_free(d);
}

static void test_diag_dedupe(void **state)
{
    (void)state;
    struct gw_diag *d = gw_diag_new();
    /* one default inherited by three targets, each also finding another
     * problem at the same place: the copies are not neighbours */
    for (int t = 0; t < 3; t++) {
        gw_diag_add(d, GW_DIAG_ERROR, "o.yaml", 3, 9, "\"eighty\" is not a whole number");
        gw_diag_add(d, GW_DIAG_ERROR, "o.yaml", 3, 9, "target c/%d: port unusable", t);
        gw_diag_add(d, GW_DIAG_WARNING, "o.yaml", 5, 1, "readable by others");
    }
    /* the same text at another place, in another file, or as a warning is another report */
    gw_diag_add(d, GW_DIAG_ERROR, "o.yaml", 3, 10, "\"eighty\" is not a whole number");
    gw_diag_add(d, GW_DIAG_ERROR, "p.yaml", 3, 9, "\"eighty\" is not a whole number");
    gw_diag_add(d, GW_DIAG_WARNING, "o.yaml", 3, 9, "\"eighty\" is not a whole number");
    gw_diag_sort(d);
    EXPECT_LINES(d, "o.yaml:3:9: error: \"eighty\" is not a whole number",
                 "o.yaml:3:9: error: target c/0: port unusable",
                 "o.yaml:3:9: error: target c/1: port unusable",
                 "o.yaml:3:9: error: target c/2: port unusable",
                 "o.yaml:3:9: warning: \"eighty\" is not a whole number",
                 "o.yaml:3:10: error: \"eighty\" is not a whole number",
                 "o.yaml:5:1: warning: readable by others",
                 "p.yaml:3:9: error: \"eighty\" is not a whole number");
    assert_int_equal(d->errors, 6);
    assert_int_equal(d->warnings, 2);
    gw_diag_free(d);
}

static void test_diag_sort_many(void **state)
{
    (void)state;
    enum { FILES = 2000, PER = 20 };
    struct gw_diag *d = gw_diag_new();
    char file[32];
    for (int line = PER; line > 0; line--) {
        for (int f = 0; f < FILES; f++) {
            snprintf(file, sizeof(file), "f%d.yaml", f);
            gw_diag_add(d, GW_DIAG_ERROR, file, (unsigned)line, 1, "e");
        }
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    gw_diag_sort(d);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    assert_int_equal(d->n, FILES * PER);
    for (size_t i = 0; i < d->n; i++) {
        snprintf(file, sizeof(file), "f%zu.yaml", i / PER);
        assert_string_equal(d->entries[i].file, file);
        assert_int_equal(d->entries[i].line, i % PER + 1);
    }
    if (took > 5.0)
        fail_msg("sorting %d entries took %.2f s", FILES * PER, took);
    gw_diag_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diag_format),
        cmocka_unit_test(test_diag_sort),
        cmocka_unit_test(test_diag_dedupe),
        cmocka_unit_test(test_diag_sort_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
