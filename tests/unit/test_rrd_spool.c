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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spool_round_trip_merges_a_targets_files),
        cmocka_unit_test(test_spool_skips_lines_it_cannot_read),
        cmocka_unit_test(test_spool_missing_or_unwritable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
