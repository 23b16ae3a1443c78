/*
 * The RRD writer through a real rrdcached (Debian's), started by each test on
 * a private unix socket or a loopback port, and killed and restarted under it.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <rrd.h>

#include "rrd_testutil.h"
#include "storage/rrd_backend.h"
#include "storage/rrd_schema.h"
#include "storage/rrd_writer.h"
#include "util/log.h"
#include "util/xalloc.h"

/* The test's rrdcached (not started yet) on a unix socket or a loopback port. */
static int setup_rrdcached(void **state, bool unix_socket)
{
    struct rrdcached *r = gw_xcalloc(1, sizeof(*r));
    rrdcached_init(r, unix_socket);
    umask(022);
    gw_log_set_level(GW_LOG_WARNING);
    *state = r;
    return 0;
}

static int setup_unix(void **state)
{
    return setup_rrdcached(state, true);
}

static int setup_tcp(void **state)
{
    return setup_rrdcached(state, false);
}

static int teardown(void **state)
{
    struct rrdcached *r = *state;
    rrdcached_fini(r);
    free(r);
    return 0;
}

static struct gw_rrd_writer *cached_writer(const struct rrdcached *r)
{
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    gw_rrd_writer_set_backend(w, gw_rrd_backend_new(r->address));
    assert_int_equal(gw_rrd_writer_start(w), 0);
    return w;
}

/* Every point 1..n is in both files of s, in its own step. */
static void assert_points(struct gw_rrd_series *s, int n)
{
    assert_latencies(gw_rrd_series_path(s), 1, n);
    struct last l;
    last_read(gw_rrd_series_file_path(s, GW_RRD_FILE_SPREAD), &l);
    assert_int_equal(l.time, (time_t)BASE_S + 10 * n);
    char want[16];
    snprintf(want, sizeof(want), "%g", n / 10.0);
    assert_string_equal(last_value(&l, "latency"), want);
    last_free(&l);
}

static void test_rrd_cached_killed_and_restarted(void **state)
{
    struct rrdcached *r = *state;
    rrdcached_start(r);
    struct gw_rrd_series *s = gw_rrd_series_new(r->base, "cardiff", "website", 10, NULL, 0);
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_NOTICE);
    struct gw_rrd_writer *w = cached_writer(r);

    submit_latencies(w, s, 1, 3);
    assert_true(wait_written(w, 6, 5000));

    /*
     * rrdcached is restarted mid-run (systemctl restart: SIGTERM, and with -F
     * it writes what it accepted before it goes). The points it took lately
     * are checked again against the file once it is back.
     */
    rrdcached_stop(r, SIGTERM);
    submit_latencies(w, s, 4, 6);
    assert_true(wait_errors(w, 1, 5000));
    sleep_ms(500);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 6);
    assert_int_equal(st.pending, 6 + 6);

    /* Back again: every point measured meanwhile arrives. */
    rrdcached_start(r);
    assert_true(wait_written(w, 12, 10000));
    submit_latency(w, s, 7);
    assert_true(wait_written(w, 14, 5000));
    assert_stop_logs(w, &cap, 1, "keeping points in memory", "is reachable again");
    stats_of(w, &st);
    assert_int_equal(st.dropped_stale + st.dropped_overflow, 0);

    /* rrdcached puts everything on disk as it stops (-F): read the files. */
    rrdcached_stop(r, SIGTERM);
    assert_points(s, 7);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
}

/*
 * A rrdcached that dies (kill -9) loses what it had taken and not yet put on
 * disk, and its buffered journal may not have it either: the writer keeps
 * what rrdcached took in the last minute and writes again what the file
 * lacks once rrdcached is back.
 */
static void test_rrd_cached_crash_loses_nothing_it_took_lately(void **state)
{
    struct rrdcached *r = *state;
    rrdcached_start(r);
    struct gw_rrd_series *s = gw_rrd_series_new(r->base, "powys", "website", 10, NULL, 0);
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_NOTICE);
    struct gw_rrd_writer *w = cached_writer(r);

    submit_latencies(w, s, 1, 3);
    assert_true(wait_written(w, 6, 5000));
    rrdcached_stop(r, SIGKILL);
    submit_latencies(w, s, 4, 5);
    assert_true(wait_errors(w, 1, 5000));

    rrdcached_start(r);
    assert_true(wait_written(w, 10, 10000));
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 10);
    assert_int_equal(st.dropped_stale + st.dropped_overflow, 0);
    assert_stop_logs(w, &cap, 1, "keeping points in memory", "is reachable again");
    rrdcached_stop(r, SIGTERM);
    assert_points(s, 5);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
}

static void test_rrd_cached_down_at_start(void **state)
{
    struct rrdcached *r = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(r->base, "newport", "portal", 10, NULL, 0);
    struct gw_rrd_writer *w = cached_writer(r);
    submit_latencies(w, s, 1, 2);
    assert_true(wait_errors(w, 1, 5000));
    rrdcached_start(r);
    assert_true(wait_written(w, 4, 10000));
    gw_rrd_writer_stop(w);
    rrdcached_stop(r, SIGTERM);
    assert_points(s, 2);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
}

/* rrdcached writes only when told: what the files hold after the writer
 * stops is what its stop had rrdcached put on disk. */
static void test_rrd_cached_stop_flushes(void **state)
{
    struct rrdcached *r = *state;
    rrdcached_start(r);
    struct gw_rrd_series *s = gw_rrd_series_new(r->base, "torfaen", "forms", 10, NULL, 0);
    struct gw_rrd_writer *w = cached_writer(r);
    gw_rrd_writer_set_delay(w, 3600 * 1000);
    submit_latencies(w, s, 1, 3);
    sleep_ms(200);
    assert_int_not_equal(access(gw_rrd_series_path(s), F_OK), 0);
    gw_rrd_writer_stop(w);
    assert_true(wait_written(w, 6, 0));
    /* rrdcached still runs, holding nothing back: the files are complete. */
    assert_true(rrdcached_answers(r));
    assert_points(s, 3);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
}

static void test_rrd_cached_extends_over_unix_socket(void **state)
{
    struct rrdcached *r = *state;
    rrdcached_start(r);
    static const struct gw_figure_decl more[] = {{"loss", "ratio", 0, 1}};
    struct gw_rrd_series *s = gw_rrd_series_new(r->base, "conwy", "ping", 10, NULL, 0);
    struct gw_rrd_series *s2 = gw_rrd_series_new(r->base, "conwy", "ping", 10, more, 1);
    struct gw_rrd_writer *w = cached_writer(r);
    submit_latencies(w, s, 1, 2);
    assert_true(wait_written(w, 4, 5000));
    double v[4] = {1, 0, 0.3, 0.25};
    gw_rrd_writer_submit(w, s2, BASE_S + 30, v);
    gw_rrd_writer_stop(w);
    assert_true(wait_written(w, 6, 0));
    rrdcached_stop(r, SIGTERM);
    /* rrdcached had written nothing of its own: the tune kept what it held. */
    assert_ds_list(gw_rrd_series_path(s), "up,degraded,latency,loss");
    assert_points(s, 3);
    assert_true(fetch_at(gw_rrd_series_path(s), (time_t)BASE_S + 30, 10, "loss") == 0.25);
    assert_true(isnan(fetch_at(gw_rrd_series_path(s), (time_t)BASE_S + 20, 10, "loss")));
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
    gw_rrd_series_unref(s2);
}

/* A backend replaced while points wait (a reload that changes daemon.rrdcached). */
static void test_rrd_cached_switch_backends(void **state)
{
    struct rrdcached *r = *state;
    rrdcached_start(r);
    struct gw_rrd_series *s = gw_rrd_series_new(r->base, "powys", "dns", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    submit_latency(w, s, 1);
    assert_true(wait_written(w, 2, 5000));
    gw_rrd_writer_set_backend(w, gw_rrd_backend_new(r->address));
    submit_latencies(w, s, 2, 3);
    assert_true(wait_written(w, 6, 5000));
    /* Back to direct writes: rrdcached must first write what it holds,
     * or its older points would come after the new ones. */
    gw_rrd_writer_set_backend(w, gw_rrd_backend_new(""));
    submit_latency(w, s, 4);
    assert_true(wait_written(w, 8, 5000));
    gw_rrd_writer_stop(w);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.dropped_stale, 0);
    assert_points(s, 4);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
}

/* Over the network, files are named relative to rrdcached's base directory. */
static void test_rrd_cached_network_names(void **state)
{
    struct rrdcached *r = *state;
    rrdcached_start(r);
    /* The daemon's own data directory is never touched for RRD files. */
    struct gw_rrd_series *s =
        gw_rrd_series_new("/nonexistent/gwyliwr-data", "gwynedd", "website", 10, NULL, 0);
    static const struct gw_figure_decl more[] = {{"loss", "ratio", 0, 1}};
    struct gw_rrd_series *s2 =
        gw_rrd_series_new("/nonexistent/gwyliwr-data", "gwynedd", "website", 10, more, 1);
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_NOTICE);
    struct gw_rrd_writer *w = cached_writer(r);
    submit_latencies(w, s, 1, 2);
    assert_true(wait_written(w, 4, 5000));
    /* rrdcached cannot tune a file for a remote client: the new figure is
     * left out, with one warning saying what to do; the rest is written. */
    double v[4] = {1, 0, 0.3, 0.25};
    gw_rrd_writer_submit(w, s2, BASE_S + 30, v);
    assert_true(wait_written(w, 6, 5000));
    assert_stop_logs(w, &cap, 1,
                     "gwynedd/website.rrd has no data source for loss, which are "
                     "not recorded: data sources cannot be added through "
                     "rrdcached over the network; on the store host run: "
                     "rrdtool tune gwynedd/website.rrd DS:loss:GAUGE:20:0:1",
                     NULL);
    rrdcached_stop(r, SIGTERM);

    char *main_path = gw_xasprintf("%s/gwynedd/website.rrd", r->base);
    char *spread_path = gw_xasprintf("%s/gwynedd/website.spread.rrd", r->base);
    assert_latencies(main_path, 1, 3);
    assert_ds_list(main_path, "up,degraded,latency");
    struct last l;
    last_read(spread_path, &l);
    assert_string_equal(last_value(&l, "latency"), "0.3");
    last_free(&l);
    assert_int_not_equal(access("/nonexistent/gwyliwr-data", F_OK), 0);
    free(main_path);
    free(spread_path);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
    gw_rrd_series_unref(s2);
}

int main(void)
{
    if (system("rrdcached -h >/dev/null 2>&1") == 127 * 256) {
        printf("rrdcached is not installed (Debian package rrdcached)\n");
        return 1;
    }
#define T(name, setup) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_rrd_cached_killed_and_restarted, setup_unix),
        T(test_rrd_cached_crash_loses_nothing_it_took_lately, setup_unix),
        T(test_rrd_cached_down_at_start, setup_unix),
        T(test_rrd_cached_stop_flushes, setup_unix),
        T(test_rrd_cached_extends_over_unix_socket, setup_unix),
        T(test_rrd_cached_switch_backends, setup_unix),
        T(test_rrd_cached_network_names, setup_tcp),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
