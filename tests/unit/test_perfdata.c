/*
 * The perfdata parser, table-driven: every row is a plugin's output and the
 * values (or the problem) it must give.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "perfdata.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* NAN in a table: the field is absent (or U). */
struct want_value {
    const char *label;
    double value;
    enum gw_perfdata_unit unit;
    const char *uom;
    const char *warn, *crit;
    double min, max;
};

struct output_case {
    const char *text;
    const char *summary;
    size_t n;
    struct want_value values[5];
    size_t bad;
    const char *problem; /* a part of pd.problem, or NULL when there is none */
};

static void assert_same_double(double got, double want, const char *what, const char *text)
{
    if (isnan(want) != isnan(got) || (!isnan(want) && fabs(got - want) > fabs(want) * 1e-12))
        fail_msg("%s: %s is %.17g, expected %.17g", text, what, got, want);
}

static void check_case(const struct output_case *c)
{
    struct gw_perfdata *pd = calloc(1, sizeof(*pd));
    assert_non_null(pd);
    size_t len = strlen(c->text);
    gw_perfdata_parse_output(c->text, len, pd);
    size_t off, n;
    gw_perfdata_summary(c->text, len, &off, &n);
    if (strlen(c->summary) != n || memcmp(c->text + off, c->summary, n) != 0)
        fail_msg("%s: summary \"%.*s\", expected \"%s\"", c->text, (int)n, c->text + off,
                 c->summary);
    if (pd->n != c->n)
        fail_msg("%s: %zu values, expected %zu (problem: %s)", c->text, pd->n, c->n, pd->problem);
    for (size_t i = 0; i < c->n; i++) {
        const struct want_value *w = &c->values[i];
        const struct gw_perfdata_value *v = &pd->values[i];
        assert_string_equal(v->label, w->label);
        assert_same_double(v->value, w->value, "value", c->text);
        assert_int_equal(v->unit, w->unit);
        assert_string_equal(v->uom, w->uom ? w->uom : "");
        assert_string_equal(v->warn, w->warn ? w->warn : "");
        assert_string_equal(v->crit, w->crit ? w->crit : "");
        assert_same_double(v->min, w->min, "min", c->text);
        assert_same_double(v->max, w->max, "max", c->text);
    }
    if (pd->bad != c->bad)
        fail_msg("%s: %zu bad items, expected %zu (problem: %s)", c->text, pd->bad, c->bad,
                 pd->problem);
    if (c->problem && !strstr(pd->problem, c->problem))
        fail_msg("%s: problem \"%s\" lacks \"%s\"", c->text, pd->problem, c->problem);
    if (!c->problem)
        assert_string_equal(pd->problem, "");
    free(pd);
}

#define V(l, v, u, uom)                                                                            \
    {                                                                                              \
        l, v, u, uom, NULL, NULL, NAN, NAN                                                         \
    }

static void test_perfdata_values_and_units(void **state)
{
    (void)state;
    static const struct output_case cases[] = {
        {"OK", "OK", 0, {{0}}, 0, NULL},
        {"", "", 0, {{0}}, 0, NULL},
        {"OK - all fine |", "OK - all fine", 0, {{0}}, 0, NULL},
        {"OK: load | load1=0.5", "OK: load", 1, {V("load1", 0.5, GW_PERFDATA_NONE, "")}, 0, NULL},
        {"TCP OK - 0.001 second response time on 127.0.0.1 port 22|"
         "time=0.000512s;;;0.000000;10.000000",
         "TCP OK - 0.001 second response time on 127.0.0.1 port 22",
         1,
         {{"time", 0.000512, GW_PERFDATA_SECONDS, "s", "", "", 0.0, 10.0}},
         0,
         NULL},
        {"x | a=250ms b=12us c=3s",
         "x",
         3,
         {V("a", 0.25, GW_PERFDATA_SECONDS, "ms"), V("b", 12e-6, GW_PERFDATA_SECONDS, "us"),
          V("c", 3.0, GW_PERFDATA_SECONDS, "s")},
         0,
         NULL},
        {"x | a=1B b=2KB c=3MB d=1TB",
         "x",
         4,
         {V("a", 1.0, GW_PERFDATA_BYTES, "B"), V("b", 2048.0, GW_PERFDATA_BYTES, "KB"),
          V("c", 3145728.0, GW_PERFDATA_BYTES, "MB"),
          V("d", 1099511627776.0, GW_PERFDATA_BYTES, "TB")},
         0,
         NULL},
        {"x | used=512MB;800;900;0;1024",
         "x",
         1,
         {{"used", 536870912.0, GW_PERFDATA_BYTES, "MB", "800", "900", 0.0, 1073741824.0}},
         0,
         NULL},
        {"x | pl=20%;50;80;0;100 packets=1234c",
         "x",
         2,
         {{"pl", 20.0, GW_PERFDATA_PERCENT, "%", "50", "80", 0.0, 100.0},
          V("packets", 1234.0, GW_PERFDATA_COUNTER, "c")},
         0,
         NULL},
        /* a unit outside the guidelines is kept, unscaled */
        {"x | rate=5.5bps", "x", 1, {V("rate", 5.5, GW_PERFDATA_OTHER, "bps")}, 0, NULL},
        /* U: undetermined */
        {"UNKNOWN | temp=U;;;0;",
         "UNKNOWN",
         1,
         {{"temp", NAN, GW_PERFDATA_NONE, "", "", "", 0.0, NAN}},
         0,
         NULL},
        {"x | neg=-3.25 plus=+2 exp=1.5e3 small=.5 e=2E-3s",
         "x",
         5,
         {V("neg", -3.25, GW_PERFDATA_NONE, ""), V("plus", 2.0, GW_PERFDATA_NONE, ""),
          V("exp", 1500.0, GW_PERFDATA_NONE, ""), V("small", 0.5, GW_PERFDATA_NONE, ""),
          V("e", 0.002, GW_PERFDATA_SECONDS, "s")},
         0,
         NULL},
        /* ranges as written, trailing separators */
        {"x | a=1;@10:20;~:5;; b=2;;;",
         "x",
         2,
         {{"a", 1.0, GW_PERFDATA_NONE, "", "@10:20", "~:5", NAN, NAN},
          V("b", 2.0, GW_PERFDATA_NONE, "")},
         0,
         NULL},
    };
    for (size_t i = 0; i < N_OF(cases); i++)
        check_case(&cases[i]);
}

static void test_perfdata_labels(void **state)
{
    (void)state;
    static const struct output_case cases[] = {
        {"x | 'free space'=10%",
         "x",
         1,
         {V("free space", 10.0, GW_PERFDATA_PERCENT, "%")},
         0,
         NULL},
        {"x | 'a=b'=1", "x", 1, {V("a=b", 1.0, GW_PERFDATA_NONE, "")}, 0, NULL},
        {"x | 'it''s'=1", "x", 1, {V("it's", 1.0, GW_PERFDATA_NONE, "")}, 0, NULL},
        {"x | /=2048MB;;;0;4096 /boot=100MB",
         "x",
         2,
         {{"/", 2147483648.0, GW_PERFDATA_BYTES, "MB", "", "", 0.0, 4294967296.0},
          V("/boot", 104857600.0, GW_PERFDATA_BYTES, "MB")},
         0,
         NULL},
        {"x | ''=1", "x", 0, {{0}}, 1, "an empty label"},
        {"x | =1", "x", 0, {{0}}, 1, "an empty label"},
        {"x | 'open=1 b=2", "x", 0, {{0}}, 1, "a quoted label is not closed"},
        {"x | a'b=1 c=2",
         "x",
         1,
         {V("c", 2.0, GW_PERFDATA_NONE, "")},
         1,
         "a quote inside an unquoted label"},
        {"x | "
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1",
         "x",
         0,
         {{0}},
         1,
         "a label longer than 63 bytes"},
    };
    for (size_t i = 0; i < N_OF(cases); i++)
        check_case(&cases[i]);
}

static void test_perfdata_malformed_items_are_skipped(void **state)
{
    (void)state;
    static const struct output_case cases[] = {
        {"x | load 5 ok=1",
         "x",
         1,
         {V("ok", 1.0, GW_PERFDATA_NONE, "")},
         2,
         "no '=' after the label in \"load\""},
        {"x | a= b=2",
         "x",
         1,
         {V("b", 2.0, GW_PERFDATA_NONE, "")},
         1,
         "a value that is not a number or U"},
        {"x | a=1,5 b=2",
         "x",
         1,
         {V("b", 2.0, GW_PERFDATA_NONE, "")},
         1,
         "an unexpected character after the value in \"a=1,5\""},
        {"x | a=abc", "x", 0, {{0}}, 1, "a value that is not a number"},
        {"x | a=1;2;3;4;5;6", "x", 0, {{0}}, 1, "more than five fields"},
        {"x | a=1;2;3;x;5", "x", 0, {{0}}, 1, "a minimum or maximum that is not a number"},
        {"x | a=1;2;3;4;5x", "x", 0, {{0}}, 1, "a minimum or maximum that is not a number"},
        {"x | a=1;w", "x", 0, {{0}}, 1, "a threshold that is not a range"},
        {"x | a=1e999", "x", 0, {{0}}, 1, "a number out of range"},
        /* Finite as written, infinite once a unit makes it bytes (found by fuzz/perfdata). */
        {"x | a=1.5e306TB", "x", 0, {{0}}, 1, "a number out of range"},
        {"x | a=1TB;;;0;1.5e306", "x", 0, {{0}}, 1, "a number out of range"},
        {"x | a=5verylongunit", "x", 0, {{0}}, 1, "a unit longer than 7 letters"},
        {"x | a=1 | b=2",
         "x",
         2,
         {V("a", 1.0, GW_PERFDATA_NONE, ""), V("b", 2.0, GW_PERFDATA_NONE, "")},
         1,
         "\"|\""},
    };
    for (size_t i = 0; i < N_OF(cases); i++)
        check_case(&cases[i]);
}

static void test_perfdata_multi_line_output(void **state)
{
    (void)state;
    static const struct output_case cases[] = {
        /* the guidelines' example: perfdata on line 1, after the long
         * text's '|', and on every line after that */
        {"DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n"
         "/ 15272 MB (77%);\n"
         "/boot 68 MB (69%);\n"
         "/home 69357 MB (27%);\n"
         "/var/log 819 MB (84%); | /boot=68MB;88;93;0;98\n"
         "/home=69357MB;253404;253409;0;253414 \n"
         "/var/log=818MB;970;975;0;980",
         "DISK OK - free space: / 3326 MB (56%);",
         4,
         {{"/", 2643.0 * 1048576, GW_PERFDATA_BYTES, "MB", "5948", "5958", 0.0, 5968.0 * 1048576},
          {"/boot", 68.0 * 1048576, GW_PERFDATA_BYTES, "MB", "88", "93", 0.0, 98.0 * 1048576},
          {"/home", 69357.0 * 1048576, GW_PERFDATA_BYTES, "MB", "253404", "253409", 0.0,
           253414.0 * 1048576},
          {"/var/log", 818.0 * 1048576, GW_PERFDATA_BYTES, "MB", "970", "975", 0.0,
           980.0 * 1048576}},
         0,
         NULL},
        /* long text without perfdata: nothing from it */
        {"OK - fine\nline two has no bar\n", "OK - fine", 0, {{0}}, 0, NULL},
        /* the first line without perfdata, the long text with some */
        {"  OK - padded  \nmore | a=1\nb=2",
         "OK - padded",
         2,
         {V("a", 1.0, GW_PERFDATA_NONE, ""), V("b", 2.0, GW_PERFDATA_NONE, "")},
         0,
         NULL},
        {"CRLF | a=1\r\nb | c=3\r\n",
         "CRLF",
         2,
         {V("a", 1.0, GW_PERFDATA_NONE, ""), V("c", 3.0, GW_PERFDATA_NONE, "")},
         0,
         NULL},
    };
    for (size_t i = 0; i < N_OF(cases); i++)
        check_case(&cases[i]);
}

static void test_perfdata_bounded(void **state)
{
    (void)state;
    /* More values than kept: the rest are counted, not stored. */
    char text[4096] = "x |";
    for (int i = 0; i < GW_PERFDATA_MAX + 6; i++) {
        char item[32];
        snprintf(item, sizeof(item), " v%d=%d", i, i);
        strcat(text, item);
    }
    struct gw_perfdata *pd = calloc(1, sizeof(*pd));
    assert_non_null(pd);
    gw_perfdata_parse_output(text, strlen(text), pd);
    assert_int_equal(pd->n, GW_PERFDATA_MAX);
    assert_int_equal(pd->dropped, 6);
    assert_string_equal(pd->values[GW_PERFDATA_MAX - 1].label, "v63");
    assert_non_null(gw_perfdata_find(pd, "v0"));
    assert_null(gw_perfdata_find(pd, "v64"));

    /* Text that is not NUL-terminated is never read past its length. */
    const char cut[] = "x | a=12345";
    gw_perfdata_parse_output(cut, 9, pd); /* "x | a=123" */
    assert_int_equal(pd->n, 1);
    assert_true(pd->values[0].value == 123.0);

    /* A NUL byte is a byte like any other in the text, not its end. */
    const char nul[] = "x | a=1 b\0c=2 d=3";
    gw_perfdata_parse_output(nul, sizeof(nul) - 1, pd);
    assert_int_equal(pd->n, 2);
    assert_int_equal(pd->bad, 1);
    assert_non_null(strstr(pd->problem, "\\x00"));
    free(pd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perfdata_values_and_units),
        cmocka_unit_test(test_perfdata_labels),
        cmocka_unit_test(test_perfdata_malformed_items_are_skipped),
        cmocka_unit_test(test_perfdata_multi_line_output),
        cmocka_unit_test(test_perfdata_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
