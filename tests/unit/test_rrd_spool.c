#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rrd_testutil.h"
#include "storage/rrd_spool.h"
#include "util/xalloc.h"

/* What the reader gave back, flattened: "id@time:name=value,...;" per point. */
struct seen {
    char text[1024];
};

static void record(void *ctx, const char *id, int64_t time_ms, size_t n, const char *const *names,
                   const double *values)
{
    struct seen *seen = ctx;
    size_t len = strlen(seen->text);
    len += (size_t)snprintf(seen->text + len, sizeof(seen->text) - len, "%s@%lld:", id,
                            (long long)time_ms);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(seen->text + len, sizeof(seen->text) - len, "%s%s=%g", i ? "," : "",
                                names[i], values[i]);
    snprintf(seen->text + len, sizeof(seen->text) - len, ";");
}

/* A file name in a fresh temporary directory; remove both with done_with. */
static char *temp_path(void)
{
    char *dir = temp_dir("gw-spool");
    char *path = gw_xasprintf("%s/spool.tsv", dir);
    free(dir);
    return path;
}

static void done_with(char *path)
{
    unlink(path);
    *strrchr(path, '/') = '\0';
    rmdir(path);
    free(path);
}

static void test_spool_round_trip_merges_a_targets_files(void **state)
{
    (void)state;
    char *path = temp_path();
    char *err = NULL;
    struct gw_rrd_spool *spool = gw_rrd_spool_open(path, &err);
    assert_non_null(spool);
    const char *main_names[] = {"up", "latency", "connect"};
    const char *spread_names[] = {"latency"};
    double a1[] = {1, 0.25, NAN}, a2[] = {0, NAN, 0.003};
    double s1[] = {0.25}, s2[] = {NAN};
    /* As the writer holds them: the main file's queue, then the spread file's. */
    gw_rrd_spool_put(spool, "powys/web", 1700000010000, 3, main_names, a1);
    gw_rrd_spool_put(spool, "powys/web", 1700000020000, 3, main_names, a2);
    gw_rrd_spool_put(spool, "powys/web", 1700000010000, 1, spread_names, s1);
    gw_rrd_spool_put(spool, "powys/web", 1700000020000, 1, spread_names, s2);
    assert_int_equal(gw_rrd_spool_close(spool, &err), 0);

    /* A second stop appends. */
    spool = gw_rrd_spool_open(path, &err);
    assert_non_null(spool);
    double c1[] = {1, 0.125};
    gw_rrd_spool_put(spool, "conwy/bins", 1700000030500, 2, main_names, c1);
    assert_int_equal(gw_rrd_spool_close(spool, &err), 0);

    struct seen seen = {""};
    size_t bad = 7;
    assert_int_equal(gw_rrd_spool_read(path, record, &seen, &bad), 3);
    assert_int_equal(bad, 0);
    assert_string_equal(seen.text, "powys/web@1700000010000:up=1,latency=0.25,connect=nan;"
                                   "powys/web@1700000020000:up=0,latency=nan,connect=0.003;"
                                   "conwy/bins@1700000030500:up=1,latency=0.125;");
    done_with(path);
}

static void test_spool_skips_lines_it_cannot_read(void **state)
{
    (void)state;
    char *path = temp_path();
    file_write(path, "powys/web\t1700000010000\tup=1\tlatency=0.5\n"
                     "\n"
                     "no tabs at all\n"
                     "powys/web\tsoon\tup=1\n"
                     "powys/web\t1700000010000\n"
                     "powys/web\t1700000020000\tup\n"
                     "powys/web\t1700000020000\tup=yes\n"
                     "\t1700000020000\tup=1\n"
                     "powys/web\t-5\tup=1\n"
                     "conwy/bins\t1700000020000\tup=0\tlatency=2.5e-1\n"
                     /* Cut short by a crash: it may have been 0.55, or held more figures. */
                     "conwy/bins\t1700000030000\tup=1\tlatency=0.5");
    struct seen seen = {""};
    size_t bad = 0;
    assert_int_equal(gw_rrd_spool_read(path, record, &seen, &bad), 2);
    assert_int_equal(bad, 8);
    assert_string_equal(seen.text, "powys/web@1700000010000:up=1,latency=0.5;"
                                   "conwy/bins@1700000020000:up=0,latency=0.25;");
    done_with(path);
}

static void test_spool_missing_or_unwritable(void **state)
{
    (void)state;
    struct seen seen = {""};
    size_t bad = 0;
    assert_int_equal(gw_rrd_spool_read("/nonexistent-gw/spool.tsv", record, &seen, &bad), -ENOENT);
    assert_string_equal(seen.text, "");
    char *err = NULL;
    assert_null(gw_rrd_spool_open("/nonexistent-gw/spool.tsv", &err));
    assert_non_null(strstr(err, "/nonexistent-gw/spool.tsv"));
    free(err);
}

/* What printf writes: the shortest of %.15g, %.16g and %.17g that reads back as v. */
static void printf_shortest(char *out, double v)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(out, GW_RRD_SPOOL_NUMBER_MAX, "%.*g", digits, v);
        if (!isfinite(v) || strtod(out, NULL) == v)
            return;
    }
}

static void test_spool_numbers_are_the_shortest_exact_text(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {1, "1"},
        {0, "0"},
        {-0.0, "-0"},
        {-5, "-5"},
        {200, "200"},
        {123456789012345.0, "123456789012345"},
        {-999999999999999.0, "-999999999999999"},
        {1e15, "1e+15"},
        {9007199254740993.0, "9007199254740992"},
        {0.25, "0.25"},
        {0.1, "0.1"},
        {0.000523, "0.000523"},
        {0.0001, "0.0001"},
        {0.00001, "1e-05"},
        {-2.5, "-2.5"},
        {999999999.999999, "999999999.999999"},
        {1e9 + 0.5, "1000000000.5"},
        {12.000001, "12.000001"},
        {1.0 / 3, "0.3333333333333333"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1e300, "1e+300"},
        {NAN, "nan"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
    };
    char text[GW_RRD_SPOOL_NUMBER_MAX];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = gw_rrd_spool_number(text, cases[i].v);
        assert_string_equal(text, cases[i].text);
        assert_int_equal(len, strlen(cases[i].text));
    }
    /* Whole or not, the same text as printf's, over many magnitudes. */
    char want[GW_RRD_SPOOL_NUMBER_MAX];
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v = (double)(x >> 11) / (double)(1ull << (x % 64));
        if (i % 4 == 1)
            v = floor(v);
        else if (i % 4 == 2)
            v = (double)(x % 100000000000ull) / 1e6; /* whole microseconds */
        if (i % 3 == 0)
            v = -v;
        gw_rrd_spool_number(text, v);
        printf_shortest(want, v);
        if (strcmp(text, want) != 0)
            fail_msg("%.17g: %s, printf writes %s", v, text, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spool_round_trip_merges_a_targets_files),
        cmocka_unit_test(test_spool_skips_lines_it_cannot_read),
        cmocka_unit_test(test_spool_missing_or_unwritable),
        cmocka_unit_test(test_spool_numbers_are_the_shortest_exact_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
