#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "result/result.h"
#include "storage/rrd_schema.h"
#include "util/xalloc.h"

static void assert_args(uint32_t step_s, size_t file, const char *const *expected)
{
    struct gw_rrd_series *s =
        gw_rrd_series_new("/var/lib/gwyliwr", "cardiff", "web", step_s, NULL, 0);
    assert_non_null(s);
    char **argv = NULL;
    int argc = -1;
    assert_int_equal(gw_rrd_schema_create_args(s, file, &argv, &argc), 0);
    int n = 0;
    while (expected[n])
        n++;
    for (int i = 0; i < argc && i < n; i++)
        assert_string_equal(argv[i], expected[i]);
    assert_int_equal(argc, n);
    assert_null(argv[argc]);
    gw_rrd_schema_args_free(argv);
    gw_rrd_series_unref(s);
}

/* An archive tier: rows of `steps` primary steps each, `rows` of them. */
struct tier {
    unsigned steps;
    unsigned rows;
};

/*
 * Fails unless the create arguments of `file` for a series checked every
 * `step_s` seconds are, in order: for the main file, the core data sources
 * with heartbeat `hb` and an AVERAGE archive per tier; for the spread file,
 * latency alone and a MIN and a MAX archive per tier of more than one step.
 */
static void assert_tiers(uint32_t step_s, size_t file, const char *hb, const struct tier *tiers,
                         size_t n)
{
    char **expected = gw_xcalloc(4 + 2 * n, sizeof(*expected));
    size_t k = 0;
    if (file == GW_RRD_FILE_MAIN) {
        expected[k++] = gw_xasprintf("DS:up:GAUGE:%s:0:1", hb);
        expected[k++] = gw_xasprintf("DS:degraded:GAUGE:%s:0:1", hb);
    }
    expected[k++] = gw_xasprintf("DS:latency:GAUGE:%s:0:U", hb);
    for (size_t i = 0; i < n; i++) {
        if (file == GW_RRD_FILE_MAIN) {
            expected[k++] = gw_xasprintf("RRA:AVERAGE:0.5:%u:%u", tiers[i].steps, tiers[i].rows);
        } else if (tiers[i].steps > 1) {
            expected[k++] = gw_xasprintf("RRA:MIN:0.5:%u:%u", tiers[i].steps, tiers[i].rows);
            expected[k++] = gw_xasprintf("RRA:MAX:0.5:%u:%u", tiers[i].steps, tiers[i].rows);
        }
    }
    assert_args(step_s, file, (const char *const *)expected);
    for (size_t i = 0; i < k; i++)
        free(expected[i]);
    free(expected);
}

/* Both files: assert_tiers of each. */
static void assert_files(uint32_t step_s, const char *hb, const struct tier *tiers, size_t n)
{
    assert_tiers(step_s, GW_RRD_FILE_MAIN, hb, tiers, n);
    assert_tiers(step_s, GW_RRD_FILE_SPREAD, hb, tiers, n);
}

static void test_rrd_schema_args_step_1(void **state)
{
    (void)state;
    static const struct tier tiers[] = {{1, 2880}, {300, 4032}, {3600, 2160}, {86400, 1827}};
    assert_files(1, "2", tiers, 4);
    /* A step of 0 (a sub-second interval) is stored as 1 s. */
    assert_tiers(0, GW_RRD_FILE_MAIN, "2", tiers, 4);
}

static void test_rrd_schema_args_step_7(void **state)
{
    (void)state;
    /* 300/7, 3600/7 and 86400/7 round to 43, 514 and 12343 steps per row. */
    static const struct tier tiers[] = {{1, 2880}, {43, 4019}, {514, 2162}, {12343, 1827}};
    assert_files(7, "14", tiers, 4);
}

static void test_rrd_schema_args_step_60(void **state)
{
    (void)state;
    static const struct tier tiers[] = {{1, 2880}, {5, 4032}, {60, 2160}, {1440, 1827}};
    assert_files(60, "120", tiers, 4);
}

static void test_rrd_schema_args_step_300(void **state)
{
    (void)state;
    /* The full tier and the 5-minute tier are one archive, kept 14 days. */
    static const struct tier tiers[] = {{1, 4032}, {12, 2160}, {288, 1827}};
    assert_files(300, "600", tiers, 3);
}

static void test_rrd_schema_args_step_3600(void **state)
{
    (void)state;
    static const struct tier tiers[] = {{1, 2160}, {24, 1827}};
    assert_files(3600, "7200", tiers, 2);
}

static void test_rrd_schema_args_step_86400(void **state)
{
    (void)state;
    static const struct tier tiers[] = {{1, 1827}};
    assert_tiers(86400, GW_RRD_FILE_MAIN, "172800", tiers, 1);

    /* One step per row everywhere: no extremes to keep, no spread file. */
    struct gw_rrd_series *s = gw_rrd_series_new("/d", "c", "t", 86400, NULL, 0);
    assert_int_equal(gw_rrd_series_file_count(s), 1);
    char **argv = NULL;
    int argc = 0;
    assert_int_equal(gw_rrd_schema_create_args(s, GW_RRD_FILE_SPREAD, &argv, &argc), -EINVAL);
    assert_null(argv);
    gw_rrd_series_unref(s);
}

static void test_rrd_schema_args_figures(void **state)
{
    (void)state;
    static const struct gw_figure_decl figures[] = {
        {"loss", "ratio", 0, 1},         {"cert_days", "days", NAN, NAN},
        {"bytes_per_s", "B/s", 0, 1e12}, {"temperature", "C", -40.5, NAN},
        {"latency", "s", 0, NAN}, /* a core data source: not added twice */
    };
    struct gw_rrd_series *s = gw_rrd_series_new("/d", "c", "t", 30, figures, 5);
    assert_non_null(s);
    assert_int_equal(gw_rrd_series_ds_count(s), 7);
    char **argv;
    int argc;
    assert_int_equal(gw_rrd_schema_create_args(s, GW_RRD_FILE_MAIN, &argv, &argc), 0);
    assert_string_equal(argv[0], "DS:up:GAUGE:60:0:1");
    assert_string_equal(argv[2], "DS:latency:GAUGE:60:0:U");
    assert_string_equal(argv[3], "DS:loss:GAUGE:60:0:1");
    assert_string_equal(argv[4], "DS:cert_days:GAUGE:60:U:U");
    assert_string_equal(argv[5], "DS:bytes_per_s:GAUGE:60:0:1000000000000");
    assert_string_equal(argv[6], "DS:temperature:GAUGE:60:-40.5:U");
    assert_string_equal(argv[7], "RRA:AVERAGE:0.5:1:2880");
    gw_rrd_schema_args_free(argv);
    gw_rrd_schema_args_free(NULL);

    const struct gw_rrd_ds *ds = gw_rrd_series_ds(s, 4);
    assert_string_equal(ds->name, "cert_days");
    assert_true(isnan(ds->min) && isnan(ds->max));

    /* tune takes the same text to add a data source later. */
    char *arg = gw_rrd_schema_ds_arg(s, 6);
    assert_string_equal(arg, "DS:temperature:GAUGE:60:-40.5:U");
    free(arg);

    /* The spread file holds latency alone, whatever the figures. */
    assert_int_equal(gw_rrd_series_file_ds_count(s, GW_RRD_FILE_SPREAD), 1);
    assert_int_equal(gw_rrd_series_file_ds(s, GW_RRD_FILE_SPREAD, 0), GW_RRD_DS_LATENCY);
    assert_int_equal(gw_rrd_series_file_ds_count(s, GW_RRD_FILE_MAIN), 7);
    assert_int_equal(gw_rrd_series_file_ds(s, GW_RRD_FILE_MAIN, 5), 5);
    assert_int_equal(gw_rrd_schema_create_args(s, GW_RRD_FILE_SPREAD, &argv, &argc), 0);
    assert_int_equal(argc, 7);
    assert_string_equal(argv[0], "DS:latency:GAUGE:60:0:U");
    assert_string_equal(argv[1], "RRA:MIN:0.5:10:4032");
    gw_rrd_schema_args_free(argv);
    gw_rrd_series_unref(s);
}

static void test_rrd_schema_series_paths(void **state)
{
    (void)state;
    struct gw_rrd_series *s =
        gw_rrd_series_new("/var/lib/gwyliwr//", "powys", "my-account", 60, NULL, 0);
    assert_non_null(s);
    assert_string_equal(gw_rrd_series_path(s), "/var/lib/gwyliwr/powys/my-account.rrd");
    assert_int_equal(gw_rrd_series_file_count(s), 2);
    assert_string_equal(gw_rrd_series_file_path(s, GW_RRD_FILE_MAIN),
                        "/var/lib/gwyliwr/powys/my-account.rrd");
    assert_string_equal(gw_rrd_series_file_path(s, GW_RRD_FILE_SPREAD),
                        "/var/lib/gwyliwr/powys/my-account.spread.rrd");
    assert_string_equal(gw_rrd_series_file_name(s, GW_RRD_FILE_MAIN), "powys/my-account.rrd");
    assert_string_equal(gw_rrd_series_file_name(s, GW_RRD_FILE_SPREAD),
                        "powys/my-account.spread.rrd");
    assert_string_equal(gw_rrd_series_dir(s), "/var/lib/gwyliwr/powys");
    assert_string_equal(gw_rrd_series_id(s), "powys/my-account");
    assert_int_equal(gw_rrd_series_step(s), 60);
    assert_int_equal(gw_rrd_series_ds_count(s), GW_RRD_CORE_DS);

    assert_ptr_equal(gw_rrd_series_ref(s), s);
    gw_rrd_series_unref(s);
    /* Still alive: one reference left. */
    assert_string_equal(gw_rrd_series_id(s), "powys/my-account");
    gw_rrd_series_unref(s);
    gw_rrd_series_unref(NULL);

    s = gw_rrd_series_new("data", "c", "t", 5, NULL, 0);
    assert_string_equal(gw_rrd_series_path(s), "data/c/t.rrd");
    gw_rrd_series_unref(s);
}

static void test_rrd_schema_series_rejects(void **state)
{
    (void)state;
    static const struct gw_figure_decl bad_char[] = {{"rtt-ms", "s", 0, NAN}};
    static const struct gw_figure_decl too_long[] = {{"a_name_of_twenty_chr", "s", 0, NAN}};
    static const struct gw_figure_decl twice[] = {{"total", "count", 0, NAN},
                                                  {"total", "count", 0, NAN}};
    static const struct gw_figure_decl longest[] = {{"a_name_of_19_chars_", "s", 0, NAN}};

    assert_null(gw_rrd_series_new("/d", "c", "t", 60, bad_char, 1));
    assert_null(gw_rrd_series_new("/d", "c", "t", 60, too_long, 1));
    assert_null(gw_rrd_series_new("/d", "c", "t", 60, twice, 2));
    assert_null(gw_rrd_series_new("/d", "", "t", 60, NULL, 0));
    assert_null(gw_rrd_series_new("/d", "c", "..", 60, NULL, 0));
    assert_null(gw_rrd_series_new("/d", "c", "a/b", 60, NULL, 0));
    assert_null(gw_rrd_series_new("", "c", "t", 60, NULL, 0));

    struct gw_rrd_series *s = gw_rrd_series_new("/d", "c", "t", 60, longest, 1);
    assert_non_null(s);
    assert_string_equal(gw_rrd_series_ds(s, 3)->name, "a_name_of_19_chars_");
    gw_rrd_series_unref(s);
}

static struct gw_result result_of(enum gw_status status)
{
    struct gw_result r;
    memset(&r, 0, sizeof(r));
    r.status = status;
    return r;
}

static void test_rrd_schema_values_status(void **state)
{
    (void)state;
    struct gw_rrd_series *s = gw_rrd_series_new("/d", "c", "t", 60, NULL, 0);
    double v[GW_RRD_CORE_DS];

    struct gw_result r = result_of(GW_STATUS_UP);
    gw_result_set_figure(&r, "latency", 0.25);
    gw_rrd_schema_values(s, &r, v);
    assert_true(v[GW_RRD_DS_UP] == 1 && v[GW_RRD_DS_DEGRADED] == 0);
    assert_true(v[GW_RRD_DS_LATENCY] == 0.25);

    r = result_of(GW_STATUS_DEGRADED);
    gw_result_set_figure(&r, "latency", 2.5);
    gw_rrd_schema_values(s, &r, v);
    assert_true(v[GW_RRD_DS_UP] == 1 && v[GW_RRD_DS_DEGRADED] == 1);
    assert_true(v[GW_RRD_DS_LATENCY] == 2.5);

    r = result_of(GW_STATUS_DOWN);
    gw_rrd_schema_values(s, &r, v);
    assert_true(v[GW_RRD_DS_UP] == 0 && v[GW_RRD_DS_DEGRADED] == 0);
    assert_true(isnan(v[GW_RRD_DS_LATENCY]));

    /* Unknown is not downtime: no value at all, not 0. */
    r = result_of(GW_STATUS_UNKNOWN);
    gw_result_set_figure(&r, "latency", 0.5);
    gw_rrd_schema_values(s, &r, v);
    assert_true(isnan(v[GW_RRD_DS_UP]) && isnan(v[GW_RRD_DS_DEGRADED]));
    assert_true(v[GW_RRD_DS_LATENCY] == 0.5);
    gw_rrd_series_unref(s);
}

static void test_rrd_schema_values_figures(void **state)
{
    (void)state;
    static const struct gw_figure_decl figures[] = {
        {"total", "count", 0, NAN},
        {"operational", "count", 0, NAN},
        {"available", "count", 0, NAN},
        {"cert_days", "days", NAN, NAN},
    };
    struct gw_rrd_series *s = gw_rrd_series_new("/d", "c", "t", 60, figures, 4);
    double v[7];
    struct gw_result r = result_of(GW_STATUS_UP);
    /* Set in another order than declared, with one extra and one missing. */
    gw_result_set_figure(&r, "available", 3);
    gw_result_set_figure(&r, "undeclared", 99);
    gw_result_set_figure(&r, "total", 12);
    gw_result_set_figure(&r, "latency", INFINITY);
    gw_result_set_figure(&r, "cert_days", -2);
    gw_rrd_schema_values(s, &r, v);
    assert_true(v[GW_RRD_DS_UP] == 1);
    assert_true(isnan(v[GW_RRD_DS_LATENCY]));
    assert_true(v[3] == 12);
    assert_true(isnan(v[4]));
    assert_true(v[5] == 3);
    assert_true(v[6] == -2);
    gw_rrd_series_unref(s);
}

static void test_rrd_schema_file_size(void **state)
{
    (void)state;
    /*
     * 60 s, main file: 2880 + 4032 + 2160 + 1827 = 10,899 rows of 3 values =
     * 261,576 bytes; header 128 + 3 x 120 + 4 x 120 + 16 + 3 x 112 + 3 x 4 x 80
     * + 4 x 8 = 2,312 bytes.
     */
    assert_int_equal(gw_rrd_schema_file_size(60, GW_RRD_FILE_MAIN, 3), 263888);
    /* Spread file: 2 x (4032 + 2160 + 1827) = 16,038 rows of 1 value; 6 archives. */
    assert_int_equal(gw_rrd_schema_file_size(60, GW_RRD_FILE_SPREAD, 3),
                     16038 * 8 + 128 + 120 + 6 * 120 + 16 + 112 + 6 * 80 + 6 * 8);
    /* The spread file's size does not depend on the figures. */
    assert_int_equal(gw_rrd_schema_file_size(60, GW_RRD_FILE_SPREAD, 25),
                     gw_rrd_schema_file_size(60, GW_RRD_FILE_SPREAD, 3));
    /* 300 s: 4032 + 2160 + 1827 = 8,019 rows; 3 archives. */
    assert_int_equal(gw_rrd_schema_file_size(300, GW_RRD_FILE_MAIN, 3),
                     8019 * 3 * 8 + 128 + 360 + 360 + 16 + 336 + 720 + 24);
    /* 86400 s: one archive of 1827 rows, no spread file. */
    assert_int_equal(gw_rrd_schema_file_size(86400, GW_RRD_FILE_MAIN, 1),
                     1827 * 8 + 128 + 120 + 120 + 16 + 112 + 80 + 8);
    assert_int_equal(gw_rrd_schema_file_size(86400, GW_RRD_FILE_SPREAD, 1), 0);
    assert_int_equal(gw_rrd_schema_target_size(86400, 1),
                     gw_rrd_schema_file_size(86400, GW_RRD_FILE_MAIN, 1));
    assert_int_equal(gw_rrd_schema_file_size(60, GW_RRD_FILES_MAX, 3), 0);
    /* Short steps are capped: a 1 s target is no bigger than a 60 s one. */
    assert_int_equal(gw_rrd_schema_target_size(1, 3), gw_rrd_schema_target_size(60, 3));
    assert_true(gw_rrd_schema_target_size(60, 4) > gw_rrd_schema_target_size(60, 3));
}

static void test_rrd_schema_budget(void **state)
{
    (void)state;
    /* A target with the core figures only: both files, under 400 KB. */
    assert_int_equal(gw_rrd_schema_target_size(60, 3), 393816);
    /*
     * An http target with every phase figure: up, degraded, latency, dns,
     * connect, tls, ttfb, size, cert_days, http_version. Within about 1 MB.
     */
    static const struct gw_figure_decl http[] = {
        {"dns", "s", 0, NAN},        {"connect", "s", 0, NAN}, {"tls", "s", 0, NAN},
        {"ttfb", "s", 0, NAN},       {"size", "B", 0, NAN},    {"cert_days", "days", NAN, NAN},
        {"http_version", "", 0, 30}, {"latency", "s", 0, NAN},
    };
    size_t n_ds = gw_rrd_schema_ds_count(http, 8);
    assert_int_equal(n_ds, 10);
    assert_int_equal(gw_rrd_schema_target_size(60, n_ds), 1008024);
    assert_true(gw_rrd_schema_target_size(60, n_ds) < 1024 * 1024);
    /* Names counted once, core names not at all. */
    static const struct gw_figure_decl twice[] = {
        {"total", "count", 0, NAN}, {"up", "", 0, 1}, {"total", "count", 0, NAN}};
    assert_int_equal(gw_rrd_schema_ds_count(twice, 3), 4);
    assert_int_equal(gw_rrd_schema_ds_count(NULL, 0), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rrd_schema_args_step_1),
        cmocka_unit_test(test_rrd_schema_args_step_7),
        cmocka_unit_test(test_rrd_schema_args_step_60),
        cmocka_unit_test(test_rrd_schema_args_step_300),
        cmocka_unit_test(test_rrd_schema_args_step_3600),
        cmocka_unit_test(test_rrd_schema_args_step_86400),
        cmocka_unit_test(test_rrd_schema_args_figures),
        cmocka_unit_test(test_rrd_schema_series_paths),
        cmocka_unit_test(test_rrd_schema_series_rejects),
        cmocka_unit_test(test_rrd_schema_values_status),
        cmocka_unit_test(test_rrd_schema_values_figures),
        cmocka_unit_test(test_rrd_schema_file_size),
        cmocka_unit_test(test_rrd_schema_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
