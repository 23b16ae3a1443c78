/*
 * Graphs: the option syntaxes (periods, times, sizes, formats) as tables, and
 * drawing from RRD files made here with librrd, from two threads at once (the
 * module serialises librrd), with the errors a caller can get back.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rrd.h>

#include "config/config.h"
#include "graph/graph.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "config_testutil.h"
#include "tmp_testutil.h"
#include "util/diag.h"
#include "util/xalloc.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Under AddressSanitizer: what rrd_graph_v leaves behind is not ours. The
 * font caches of fontconfig and pango (some filled on pango's own thread)
 * live as long as the process, and librrd 1.7 never frees the copies of the
 * legend texts it puts in its info list. Suppressing by function needs
 * whole allocation stacks.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:rrd_graph_v\nleak:libfontconfig.so\n";
}

static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* ---- syntaxes ---------------------------------------------------------------- */

static void test_graph_parse_period(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        enum gw_graph_period want;
        int64_t seconds;
    } cases[] = {
        {"1h", 0, GW_GRAPH_PERIOD_1H, 3600},
        {"1d", 0, GW_GRAPH_PERIOD_1D, 86400},
        {"7d", 0, GW_GRAPH_PERIOD_7D, 7 * 86400},
        {"30d", 0, GW_GRAPH_PERIOD_30D, 30 * 86400},
        {"365d", 0, GW_GRAPH_PERIOD_365D, 365 * 86400},
        {"2d", -EINVAL, 0, 0},
        {"1H", -EINVAL, 0, 0},
        {"", -EINVAL, 0, 0},
        {"1h ", -EINVAL, 0, 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        enum gw_graph_period p = GW_GRAPH_PERIOD_CUSTOM;
        assert_int_equal(gw_graph_parse_period(cases[i].text, &p), cases[i].rc);
        if (cases[i].rc == 0) {
            assert_int_equal(p, cases[i].want);
            assert_int_equal(gw_graph_period_seconds(p), cases[i].seconds);
        }
    }
    assert_int_equal(gw_graph_period_seconds(GW_GRAPH_PERIOD_CUSTOM), 0);
}

static int64_t local_time(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s,
                    .tm_isdst = -1};
    return (int64_t)mktime(&tm);
}

static void test_graph_parse_time(void **state)
{
    (void)state;
    const int64_t now = 1800000000;
    static const struct {
        const char *text;
        int rc;
        int64_t want; /* -1: local 2026-03-01 10:30:00; -2: local 2026-03-01 00:00 */
    } cases[] = {
        {"now", 0, now},
        {"-2h", 0, now - 7200},
        {"-1d12h", 0, now - 129600},
        {"-90s", 0, now - 90},
        {"1700000000", 0, 1700000000},
        {"2026-11-12T10:00:00Z", 0, 1794477600},
        {"2026-11-12T11:00:00+01:00", 0, 1794477600},
        {"2026-03-01 10:30", 0, -1},
        {"2026-03-01T10:30:00", 0, -1},
        {"2026-03-01", 0, -2},
        /* refused */
        {"", -EINVAL, 0},
        {"yesterday", -EINVAL, 0},
        {"-2", -EINVAL, 0},
        {"-2x", -EINVAL, 0},
        {"2026-02-31", -EINVAL, 0},
        {"2026-03-01 25:00", -EINVAL, 0},
        {"12abc", -EINVAL, 0},
        {"99999999999999999999", -EINVAL, 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        int64_t t = 0;
        int rc = gw_graph_parse_time(cases[i].text, now, &t);
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, expected %d", cases[i].text, rc, cases[i].rc);
        if (rc != 0)
            continue;
        int64_t want = cases[i].want == -1   ? local_time(2026, 3, 1, 10, 30, 0)
                       : cases[i].want == -2 ? local_time(2026, 3, 1, 0, 0, 0)
                                             : cases[i].want;
        if (t != want)
            fail_msg("\"%s\": %lld, expected %lld", cases[i].text, (long long)t, (long long)want);
    }
}

static void test_graph_parse_size(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        unsigned w, h;
    } cases[] = {
        {"800x400", 0, 800, 400},
        {"1920X1080", 0, 1920, 1080},
        {"300x150", 0, GW_GRAPH_WIDTH_MIN, GW_GRAPH_HEIGHT_MIN},
        {"4000x4000", 0, GW_GRAPH_WIDTH_MAX, GW_GRAPH_HEIGHT_MAX},
        {"299x400", -ERANGE, 0, 0},
        {"800x149", -ERANGE, 0, 0},
        {"4001x400", -ERANGE, 0, 0},
        {"10x10", -ERANGE, 0, 0},
        {"800", -EINVAL, 0, 0},
        {"800x", -EINVAL, 0, 0},
        {"x400", -EINVAL, 0, 0},
        {"800x400x2", -EINVAL, 0, 0},
        {"-800x400", -EINVAL, 0, 0},
        {"800 x 400", -EINVAL, 0, 0},
        {"99999999999x400", -EINVAL, 0, 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        unsigned w = 0, h = 0;
        int rc = gw_graph_parse_size(cases[i].text, &w, &h);
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, expected %d", cases[i].text, rc, cases[i].rc);
        if (rc == 0) {
            assert_int_equal(w, cases[i].w);
            assert_int_equal(h, cases[i].h);
        }
    }
}

static void test_graph_format_of_path(void **state)
{
    (void)state;
    enum gw_graph_format f;
    assert_int_equal(gw_graph_format_of_path("a/b/graph.png", &f), 0);
    assert_int_equal(f, GW_GRAPH_PNG);
    assert_int_equal(gw_graph_format_of_path("graph.SVG", &f), 0);
    assert_int_equal(f, GW_GRAPH_SVG);
    assert_int_equal(gw_graph_format_of_path("graph.gif", &f), -EINVAL);
    assert_int_equal(gw_graph_format_of_path("graph", &f), -EINVAL);
    assert_int_equal(gw_graph_format_of_path("dir.png/graph", &f), -EINVAL);
}

/* ---- drawing ----------------------------------------------------------------- */

#define STEP    60
#define MINUTES 180

struct fixture {
    char *dir;
    struct gw_plugins *plugins;
    struct gw_host host;
    struct gw_config *config;
    int64_t start, end;
};

/* One target's file: up and latency, down for minutes [30, 45). */
static void make_rrd(const char *path, int64_t start)
{
    const char *create[] = {
        "DS:up:GAUGE:120:0:1",    "DS:degraded:GAUGE:120:0:1", "DS:latency:GAUGE:120:0:U",
        "RRA:AVERAGE:0.5:1:2880", "RRA:AVERAGE:0.5:5:4032",    "RRA:MIN:0.5:5:4032",
        "RRA:MAX:0.5:5:4032",
    };
    assert_int_equal(rrd_create_r(path, STEP, (time_t)(start - STEP), (int)N_OF(create), create),
                     0);
    char **rows = gw_xcalloc(MINUTES, sizeof(*rows));
    for (int m = 0; m < MINUTES; m++) {
        bool up = m < 30 || m >= 45;
        rows[m] = gw_xasprintf("%lld:%d:0:%s", (long long)(start + (m + 1) * STEP), up ? 1 : 0,
                               up ? "0.05" : "U");
    }
    assert_int_equal(rrd_update_r(path, NULL, MINUTES, (const char **)rows), 0);
    for (int m = 0; m < MINUTES; m++)
        free(rows[m]);
    free(rows);
}

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    f->dir = temp_dir("gw-test-graph");
    f->plugins = test_plugins_load();
    gw_host_init(&f->host, NULL);

    f->end = (int64_t)time(NULL) / STEP * STEP;
    f->start = f->end - MINUTES * STEP;
    char *council = gw_xasprintf("%s/data/cardiff", f->dir);
    char *data = gw_xasprintf("%s/data", f->dir);
    assert_int_equal(mkdir(data, 0755), 0);
    assert_int_equal(mkdir(council, 0755), 0);
    const char *measured[] = {"website", "smtp"};
    for (size_t i = 0; i < N_OF(measured); i++) {
        char *path = gw_xasprintf("%s/%s.rrd", council, measured[i]);
        make_rrd(path, f->start);
        free(path);
    }
    char *yaml = gw_xasprintf("daemon:\n  data_dir: %s\n  listen: \"\"\n"
                              "councils:\n"
                              "  - id: cardiff\n    name: Cardiff Council\n"
                              "    name_cy: Cyngor Caerdydd\n    targets:\n"
                              "      - {id: website, check: tcp, host: 127.0.0.1, port: 9}\n"
                              "      - {id: smtp, check: tcp, host: 127.0.0.1, port: 9}\n"
                              "      - {id: ftp, check: tcp, host: 127.0.0.1, port: 9}\n"
                              "  - id: powys\n    targets:\n"
                              "      - {id: website, check: tcp, host: 127.0.0.1, port: 9}\n",
                              data);
    f->config = test_config_load("graph.yaml", yaml, f->plugins, &f->host);
    free(yaml);
    free(data);
    free(council);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    gw_config_unref(f->config);
    gw_plugins_free(f->plugins);
    tree_remove(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

struct job {
    const struct fixture *f;
    const char *subject;
    enum gw_graph_format format;
    int rounds;
    int failures;
};

static void *draw_cb(void *arg)
{
    struct job *j = arg;
    for (int i = 0; i < j->rounds; i++) {
        struct gw_graph_request req = {.subject = j->subject,
                                       .start_s = j->f->start,
                                       .end_s = j->f->end,
                                       .period = GW_GRAPH_PERIOD_CUSTOM,
                                       .lang = (i % 2) ? GW_LANG_CY : GW_LANG_EN,
                                       .format = j->format,
                                       .width = 500,
                                       .height = 300};
        unsigned char *data;
        size_t size;
        char *error;
        int rc = gw_graph_render(j->f->config, &req, &data, &size, &error);
        bool ok = rc == 0 && size > 100 &&
                  (j->format == GW_GRAPH_PNG ? memcmp(data, png_magic, 8) == 0
                                             : memmem(data, size, "</svg>", 6) != NULL);
        if (!ok) {
            fprintf(stderr, "%s: rc %d: %s\n", j->subject, rc, error ? error : "bad image");
            j->failures++;
        }
        free(data);
        free(error);
    }
    return NULL;
}

static void test_graph_render_from_two_threads(void **state)
{
    struct fixture *f = *state;
    struct job jobs[] = {
        {f, "cardiff/website", GW_GRAPH_PNG, 6, 0},
        {f, "cardiff", GW_GRAPH_SVG, 4, 0},
        {f, "wales", GW_GRAPH_PNG, 3, 0},
    };
    pthread_t threads[N_OF(jobs)];
    for (size_t i = 0; i < N_OF(jobs); i++)
        assert_int_equal(pthread_create(&threads[i], NULL, draw_cb, &jobs[i]), 0);
    for (size_t i = 0; i < N_OF(jobs); i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(jobs[i].failures, 0);
    }
}

static void test_graph_png_has_the_size_asked(void **state)
{
    struct fixture *f = *state;
    struct gw_graph_request req = {.subject = "cardiff/smtp",
                                   .start_s = f->start,
                                   .end_s = f->end,
                                   .period = GW_GRAPH_PERIOD_CUSTOM,
                                   .lang = GW_LANG_EN,
                                   .format = GW_GRAPH_PNG,
                                   .width = 640,
                                   .height = 360};
    unsigned char *data;
    size_t size;
    char *error;
    assert_int_equal(gw_graph_render(f->config, &req, &data, &size, &error), 0);
    assert_null(error);
    assert_true(size > 24);
    assert_memory_equal(data, png_magic, 8);
    assert_memory_equal(data + 12, "IHDR", 4);
    unsigned w =
        (unsigned)data[16] << 24 | (unsigned)data[17] << 16 | (unsigned)data[18] << 8 | data[19];
    unsigned h =
        (unsigned)data[20] << 24 | (unsigned)data[21] << 16 | (unsigned)data[22] << 8 | data[23];
    assert_int_equal(w, 640);
    assert_int_equal(h, 360);
    free(data);
}

static void test_graph_svg_is_titled_in_its_language(void **state)
{
    struct fixture *f = *state;
    struct gw_graph_request req = {.subject = "cardiff",
                                   .start_s = f->start,
                                   .end_s = f->end,
                                   .period = GW_GRAPH_PERIOD_1D,
                                   .lang = GW_LANG_CY,
                                   .format = GW_GRAPH_SVG};
    unsigned char *data;
    size_t size;
    char *error;
    assert_int_equal(gw_graph_render(f->config, &req, &data, &size, &error), 0);
    char *text = gw_xstrndup((const char *)data, size);
    assert_non_null(strstr(text, "<title>Cyngor Caerdydd · argaeledd fesul gwasanaeth · y 24 awr "
                                 "ddiwethaf</title>"));
    assert_non_null(strstr(text, "xml:lang=\"cy\""));
    /* website and smtp: 15 of 180 minutes down; ftp: nothing measured. */
    assert_non_null(strstr(text, "website 91.6"));
    assert_non_null(strstr(text, "ftp —"));
    assert_null(strstr(text, "pt\" height"));
    free(text);
    free(data);
}

static void test_graph_errors(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *subject;
        int rc;
        const char *message;
    } cases[] = {
        {"cardiff/nothing", -ENOENT, "no target cardiff/nothing in graph.yaml"},
        {"nowhere", -ENOENT, "no council nowhere in graph.yaml"},
        {"cardiff/ftp", -ENODATA, "no data recorded for cardiff/ftp yet"},
        {"powys", -ENODATA, "no data recorded for powys yet"},
        {"", -EINVAL, "no subject"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct gw_graph_request req = {.subject = cases[i].subject,
                                       .start_s = f->start,
                                       .end_s = f->end,
                                       .period = GW_GRAPH_PERIOD_1D};
        unsigned char *data = (unsigned char *)"x";
        size_t size = 1;
        char *error = NULL;
        assert_int_equal(gw_graph_render(f->config, &req, &data, &size, &error), cases[i].rc);
        assert_null(data);
        assert_int_equal(size, 0);
        assert_non_null(error);
        if (!strstr(error, cases[i].message))
            fail_msg("\"%s\" does not say \"%s\"", error, cases[i].message);
        free(error);
    }
    struct gw_graph_request req = {.subject = "cardiff", .start_s = f->end, .end_s = f->start};
    unsigned char *data;
    size_t size;
    char *error;
    assert_int_equal(gw_graph_render(f->config, &req, &data, &size, &error), -EINVAL);
    free(error);
    req = (struct gw_graph_request){
        .subject = "cardiff", .start_s = f->start, .end_s = f->end, .width = 20, .height = 20};
    assert_int_equal(gw_graph_render(f->config, &req, &data, &size, &error), -EINVAL);
    free(error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_parse_period),
        cmocka_unit_test(test_graph_parse_time),
        cmocka_unit_test(test_graph_parse_size),
        cmocka_unit_test(test_graph_format_of_path),
        cmocka_unit_test_setup_teardown(test_graph_render_from_two_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graph_png_has_the_size_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graph_svg_is_titled_in_its_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graph_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
