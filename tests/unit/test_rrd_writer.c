#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rrd.h>

#include "rrd_testutil.h"
#include "storage/rrd_backend.h"
#include "storage/rrd_schema.h"
#include "storage/rrd_spool.h"
#include "storage/rrd_writer.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

struct fixture {
    char *dir;
    bool mounted;
};

static int setup(void **state)
{
    struct fixture *fx = gw_xcalloc(1, sizeof(*fx));
    fx->dir = temp_dir("gw-rrd");
    umask(022);
    gw_log_set_level(GW_LOG_WARNING);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx->mounted)
        umount2(fx->dir, MNT_DETACH);
    tree_remove(fx->dir);
    free(fx->dir);
    free(fx);
    return 0;
}

/* ---- a backend that fails or hangs when told (injected faults) --------------- */

/*
 * While shut, the faulty backend's updates hang, as they do when rrdcached is
 * stopped (librrd's client waits for its answer for ever). The gate is the
 * test's own: the writer frees the backend, maybe after the test ends.
 */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool shut;
    bool hanging;     /* an update is waiting at the gate */
    atomic_int freed; /* faulty backends freed so far */
} gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, 0};

static void gate_pass(void)
{
    pthread_mutex_lock(&gate.lock);
    while (gate.shut) {
        gate.hanging = true;
        pthread_cond_broadcast(&gate.cond);
        pthread_cond_wait(&gate.cond, &gate.lock);
    }
    gate.hanging = false;
    pthread_mutex_unlock(&gate.lock);
}

static void gate_set(bool shut)
{
    pthread_mutex_lock(&gate.lock);
    gate.shut = shut;
    pthread_cond_broadcast(&gate.cond);
    pthread_mutex_unlock(&gate.lock);
}

static bool gate_wait_hanging(int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    pthread_mutex_lock(&gate.lock);
    int rc = 0;
    while (!gate.hanging && rc == 0)
        rc = pthread_cond_timedwait(&gate.cond, &gate.lock, &until);
    bool hanging = gate.hanging;
    pthread_mutex_unlock(&gate.lock);
    return hanging;
}

struct faulty {
    struct gw_rrd_backend base;
    struct gw_rrd_backend *inner;
    atomic_bool down;        /* every call fails: the backend cannot be reached */
    atomic_int fail_updates; /* so many next updates fail */
    atomic_int partial;      /* ... after writing this many of their points */
    atomic_int calls;        /* calls made while down */
    atomic_int update_calls; /* updates that reached the file */
};

static int faulty_down(struct faulty *b, char **err)
{
    if (!atomic_load(&b->down))
        return 0;
    atomic_fetch_add(&b->calls, 1);
    *err = gw_xstrdup("cannot connect to the test store: Connection refused");
    return -ENOTCONN;
}

static int faulty_info(struct gw_rrd_backend *base, const char *path, const char *name,
                       struct gw_rrd_file_info *info, char **err)
{
    struct faulty *b = (struct faulty *)base;
    int rc = faulty_down(b, err);
    return rc ? rc : b->inner->ops->info(b->inner, path, name, info, err);
}

static int faulty_create(struct gw_rrd_backend *base, const char *path, const char *name,
                         unsigned long step_s, int64_t start_s, int argc, const char **argv,
                         char **err)
{
    struct faulty *b = (struct faulty *)base;
    int rc = faulty_down(b, err);
    return rc ? rc : b->inner->ops->create(b->inner, path, name, step_s, start_s, argc, argv, err);
}

static int faulty_update(struct gw_rrd_backend *base, const char *path, const char *name, int n,
                         const char **points, char **err)
{
    struct faulty *b = (struct faulty *)base;
    int rc = faulty_down(b, err);
    if (rc)
        return rc;
    gate_pass();
    if (atomic_load(&b->fail_updates) > 0) {
        atomic_fetch_sub(&b->fail_updates, 1);
        int part = atomic_load(&b->partial);
        if (part > n)
            part = n;
        if (part > 0 && b->inner->ops->update(b->inner, path, name, part, points, err) < 0)
            return -EIO;
        *err = gw_xstrdup("injected write error");
        return -EIO;
    }
    atomic_fetch_add(&b->update_calls, 1);
    return b->inner->ops->update(b->inner, path, name, n, points, err);
}

static int faulty_extend(struct gw_rrd_backend *base, const char *path, const char *name, int n,
                         const char **ds_args, char **err)
{
    struct faulty *b = (struct faulty *)base;
    int rc = faulty_down(b, err);
    return rc ? rc : b->inner->ops->extend(b->inner, path, name, n, ds_args, err);
}

static void faulty_free(struct gw_rrd_backend *base)
{
    struct faulty *b = (struct faulty *)base;
    gw_rrd_backend_free(b->inner);
    free(b->base.description);
    free(b);
    atomic_fetch_add(&gate.freed, 1);
}

static const struct gw_rrd_backend_ops faulty_ops = {
    .info = faulty_info,
    .create = faulty_create,
    .update = faulty_update,
    .extend = faulty_extend,
    .sync = NULL,
    .free = faulty_free,
};

static struct faulty *faulty_new(void)
{
    struct faulty *b = gw_xcalloc(1, sizeof(*b));
    b->base.ops = &faulty_ops;
    b->base.description = gw_xstrdup("the test store");
    b->base.local = true;
    b->inner = gw_rrd_direct_new();
    return b;
}

/* ---- direct writes ----------------------------------------------------------- */

static void test_rrd_writer_two_series(void **state)
{
    struct fixture *fx = *state;
    static const struct gw_figure_decl figures[] = {
        {"total", "count", 0, NAN},
        {"available", "count", 0, NAN},
    };
    struct gw_rrd_series *a = gw_rrd_series_new(fx->dir, "cardiff", "website", 10, NULL, 0);
    struct gw_rrd_series *b = gw_rrd_series_new(fx->dir, "gwynedd", "chargers", 60, figures, 2);
    struct gw_rrd_writer *w = started_writer(0);
    assert_int_equal(gw_rrd_writer_start(w), -EALREADY);

    double v[5];
    core_values(v, 1, 0, 0.25);
    gw_rrd_writer_submit(w, a, BASE_S + 10, v);
    v[3] = 12;
    v[4] = 7;
    gw_rrd_writer_submit(w, b, BASE_S + 60, v);
    core_values(v, 1, 1, 1.5);
    gw_rrd_writer_submit(w, a, BASE_S + 20, v);
    core_values(v, 0, 0, NAN);
    v[3] = 12;
    v[4] = NAN;
    gw_rrd_writer_submit(w, b, BASE_S + 120, v);
    core_values(v, NAN, NAN, 0.5);
    gw_rrd_writer_submit(w, a, BASE_S + 30, v);
    gw_rrd_writer_stop(w);

    /* Five results, each in the main file and the spread file. */
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 10);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.dropped_stale + st.dropped_overflow, 0);

    assert_ds_list(gw_rrd_series_path(a), "up,degraded,latency");
    assert_ds_list(gw_rrd_series_path(b), "up,degraded,latency,total,available");
    assert_ds_list(gw_rrd_series_file_path(b, GW_RRD_FILE_SPREAD), "latency");

    struct stat sb;
    assert_int_equal(stat(gw_rrd_series_dir(a), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0750);
    for (size_t f = 0; f < GW_RRD_FILES_MAX; f++) {
        assert_int_equal(stat(gw_rrd_series_file_path(a, f), &sb), 0);
        assert_int_equal(sb.st_size, (off_t)gw_rrd_schema_file_size(10, f, 3));
        assert_int_equal(stat(gw_rrd_series_file_path(b, f), &sb), 0);
        assert_int_equal(sb.st_size, (off_t)gw_rrd_schema_file_size(60, f, 5));
    }

    struct last l;
    last_read(gw_rrd_series_path(a), &l);
    assert_int_equal(l.time, (time_t)BASE_S + 30);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.values[0], "U");
    assert_string_equal(l.values[1], "U");
    assert_string_equal(l.values[2], "0.5");
    last_free(&l);
    last_read(gw_rrd_series_file_path(a, GW_RRD_FILE_SPREAD), &l);
    assert_int_equal(l.time, (time_t)BASE_S + 30);
    assert_string_equal(last_value(&l, "latency"), "0.5");
    last_free(&l);
    last_read(gw_rrd_series_path(b), &l);
    assert_int_equal(l.time, (time_t)BASE_S + 120);
    assert_string_equal(l.names[3], "total");
    assert_string_equal(l.values[0], "0");
    assert_string_equal(l.values[2], "U");
    assert_string_equal(l.values[3], "12");
    assert_string_equal(l.values[4], "U");
    last_free(&l);

    /* Each result fills the step it ends: the first one included. */
    const char *pa = gw_rrd_series_path(a);
    assert_true(fetch_at(pa, (time_t)BASE_S + 10, 10, "latency") == 0.25);
    assert_true(fetch_at(pa, (time_t)BASE_S + 20, 10, "latency") == 1.5);
    assert_true(fetch_at(pa, (time_t)BASE_S + 20, 10, "degraded") == 1);
    assert_true(fetch_at(pa, (time_t)BASE_S + 30, 10, "latency") == 0.5);
    assert_true(isnan(fetch_at(pa, (time_t)BASE_S + 30, 10, "up")));
    const char *pb = gw_rrd_series_path(b);
    assert_true(fetch_at(pb, (time_t)BASE_S + 60, 60, "available") == 7);
    assert_true(fetch_at(pb, (time_t)BASE_S + 120, 60, "up") == 0);

    gw_rrd_writer_free(w);
    gw_rrd_series_unref(a);
    gw_rrd_series_unref(b);
}

/* The spread file keeps the extremes of latency over each consolidated row. */
static void test_rrd_writer_spread_extremes(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "torfaen", "forms", 60, NULL, 0);
    struct gw_rrd_writer *w = started_writer(0);
    double v[3];
    /* Ten minutes of results: two 5-minute rows of five steps. */
    static const double latency[10] = {0.2, 0.4, 0.9, 0.1, 0.3, 0.5, 0.5, 2.0, 0.6, 0.7};
    for (int i = 0; i < 10; i++) {
        core_values(v, 1, 0, latency[i]);
        gw_rrd_writer_submit(w, s, 1700000100.0 + 60 * (i + 1), v);
    }
    gw_rrd_writer_stop(w);
    assert_true(wait_written(w, 20, 0));
    const char *spread = gw_rrd_series_file_path(s, GW_RRD_FILE_SPREAD);
    assert_true(fetch_cf_at(spread, "MIN", 1700000400, 300, "latency") == 0.1);
    assert_true(fetch_cf_at(spread, "MAX", 1700000400, 300, "latency") == 0.9);
    assert_true(fetch_cf_at(spread, "MIN", 1700000700, 300, "latency") == 0.5);
    assert_true(fetch_cf_at(spread, "MAX", 1700000700, 300, "latency") == 2.0);
    assert_true(fabs(fetch_at(gw_rrd_series_path(s), 1700000400, 300, "latency") - 0.38) < 1e-9);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
}

static void test_rrd_writer_stale_points(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "conwy", "portal", 10, NULL, 0);
    struct gw_rrd_writer *w = started_writer(0);
    double v[3];
    core_values(v, 1, 0, 0.1);
    gw_rrd_writer_submit(w, s, BASE_S + 20, v);
    gw_rrd_writer_submit(w, s, BASE_S + 10, v); /* before the last update */
    gw_rrd_writer_submit(w, s, BASE_S + 20, v); /* at it */
    /* Times are kept to the millisecond: these two are 500 ms apart. */
    core_values(v, 1, 0, 0.2);
    gw_rrd_writer_submit(w, s, BASE_S + 30.25, v);
    core_values(v, 1, 0, 0.3);
    gw_rrd_writer_submit(w, s, BASE_S + 30.75, v);
    gw_rrd_writer_submit(w, s, -1, v);
    gw_rrd_writer_submit(w, s, NAN, v);
    gw_rrd_writer_stop(w);

    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 6);
    assert_int_equal(st.dropped_stale, 8);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.pending, 0);
    gw_rrd_writer_free(w);

    struct last l;
    last_read(gw_rrd_series_path(s), &l);
    assert_int_equal(l.time, (time_t)BASE_S + 30);
    assert_string_equal(l.values[2], "0.3");
    last_free(&l);

    /*
     * A new writer (a restart) reads the file's last update once, to the
     * millisecond from the file's header (librrd's info gives the second): a
     * point in that second before it is dropped, one after it is written.
     */
    w = started_writer(0);
    core_values(v, 0, 0, 0.4);
    gw_rrd_writer_submit(w, s, BASE_S + 30.5, v);
    gw_rrd_writer_submit(w, s, BASE_S + 30.9, v);
    gw_rrd_writer_submit(w, s, BASE_S + 25, v);
    core_values(v, 0, 0, 0.5);
    gw_rrd_writer_submit(w, s, BASE_S + 40, v);
    gw_rrd_writer_stop(w);
    stats_of(w, &st);
    assert_int_equal(st.written, 4);
    assert_int_equal(st.dropped_stale, 4);
    assert_int_equal(st.errors, 0);
    gw_rrd_writer_free(w);

    last_read(gw_rrd_series_path(s), &l);
    assert_int_equal(l.time, (time_t)BASE_S + 40);
    assert_string_equal(l.values[0], "0");
    assert_string_equal(l.values[2], "0.5");
    last_free(&l);
    gw_rrd_series_unref(s);
}

/* Makes <dir>/blocked a regular file: nothing can be created beneath it, even by root. */
static char *blocked_data_dir(const struct fixture *fx)
{
    char *path = gw_xasprintf("%s/blocked", fx->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    return path;
}

static void test_rrd_writer_unwritable_then_fixed(void **state)
{
    struct fixture *fx = *state;
    char *data_dir = blocked_data_dir(fx);
    struct gw_rrd_series *s = gw_rrd_series_new(data_dir, "wrexham", "payments", 10, NULL, 0);
    struct gw_rrd_series *s2 = gw_rrd_series_new(data_dir, "wrexham", "forms", 10, NULL, 0);
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_NOTICE);
    struct gw_rrd_writer *w = started_writer(0);
    submit_latencies(w, s, 1, 3);
    double v[3];
    core_values(v, 1, 0, 0.3);
    gw_rrd_writer_submit(w, s2, BASE_S + 10, v);
    /* All four files fail, and are retried after their backoff: nothing is lost. */
    assert_true(wait_errors(w, 6, 5000));
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.pending, 8);
    assert_int_equal(st.dropped_stale + st.dropped_overflow, 0);
    assert_int_not_equal(access(gw_rrd_series_path(s), F_OK), 0);

    /* Repair: the writer makes the directories itself on its next attempt. */
    assert_int_equal(unlink(data_dir), 0);
    submit_latencies(w, s, 4, 5);
    assert_true(wait_written(w, 12, 10000));
    stats_of(w, &st);
    assert_int_equal(st.dropped_stale + st.dropped_overflow, 0);

    /* One line when writes began to fail, one when they all worked again. */
    assert_stop_logs(w, &cap, 1, "cannot write", "writing works again");

    /* In time order: every step holds its own point. */
    assert_latencies(gw_rrd_series_path(s), 1, 5);
    struct last l;
    last_read(gw_rrd_series_file_path(s, GW_RRD_FILE_SPREAD), &l);
    assert_string_equal(last_value(&l, "latency"), "0.5");
    last_free(&l);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
    gw_rrd_series_unref(s2);
    free(data_dir);
}

static void test_rrd_writer_stop_makes_last_attempt(void **state)
{
    struct fixture *fx = *state;
    char *data_dir = blocked_data_dir(fx);
    struct gw_rrd_series *s = gw_rrd_series_new(data_dir, "ceredigion", "wifi", 10, NULL, 0);
    struct gw_rrd_writer *w = started_writer(0);
    submit_latency(w, s, 1);
    assert_true(wait_errors(w, 1, 5000));
    submit_latency(w, s, 2);

    /* Fixed while the files wait out their backoff: stop writes without waiting. */
    assert_int_equal(unlink(data_dir), 0);
    gw_rrd_writer_stop(w);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 4);
    assert_int_equal(st.pending, 0);
    assert_true(st.errors >= 1);
    assert_true(fetch_at(gw_rrd_series_path(s), (time_t)BASE_S + 20, 10, "latency") == 0.2);

    /* After stop, points are refused. */
    submit_latency(w, s, 3);
    stats_of(w, &st);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.dropped_overflow, 2);
    gw_rrd_writer_stop(w);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
    free(data_dir);
}

/* Collects what a spool holds, for the tests. */
struct spooled {
    char id[64];
    int64_t time_ms[8];
    double latency[8];
    size_t names[8];
    size_t n;
};

static void collect_spooled(void *ctx, const char *id, int64_t time_ms, size_t n,
                            const char *const *names, const double *values)
{
    struct spooled *sp = ctx;
    assert_true(sp->n < 8);
    snprintf(sp->id, sizeof(sp->id), "%s", id);
    sp->time_ms[sp->n] = time_ms;
    sp->names[sp->n] = n;
    sp->latency[sp->n] = NAN;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], "latency") == 0)
            sp->latency[sp->n] = values[i];
    sp->n++;
}

/* Storage still broken at the end: what is queued goes to the spool, not lost. */
static void test_rrd_writer_stop_keeps_unwritable_points_in_the_spool(void **state)
{
    struct fixture *fx = *state;
    char *data_dir = blocked_data_dir(fx);
    char *spool = gw_xasprintf("%s/spool.tsv", fx->dir);
    struct gw_rrd_series *s = gw_rrd_series_new(data_dir, "ceredigion", "wifi", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    gw_rrd_writer_set_spool(w, spool);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    submit_latencies(w, s, 1, 2);
    assert_true(wait_errors(w, 2, 5000));
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_WARNING);
    gw_rrd_writer_stop(w);
    char *log = log_capture_end(&cap);
    assert_non_null(strstr(log, "kept in"));
    free(log);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.spooled, 4); /* two points, two files each */
    assert_int_equal(st.dropped_overflow, 0);
    assert_int_equal(st.pending, 0);
    gw_rrd_writer_free(w);

    /* Read back: one point per time, the two files' lines merged. */
    struct spooled sp = {0};
    size_t bad = 1;
    assert_int_equal(gw_rrd_spool_read(spool, collect_spooled, &sp, &bad), 2);
    assert_int_equal(bad, 0);
    assert_string_equal(sp.id, "ceredigion/wifi");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(sp.time_ms[i], (BASE_S + 10 * (i + 1)) * 1000LL);
        assert_true(sp.latency[i] == (i + 1) / 10.0);
        assert_int_equal(sp.names[i], gw_rrd_series_ds_count(s));
    }
    gw_rrd_series_unref(s);
    free(spool);
    free(data_dir);
}

static void test_rrd_writer_bound(void **state)
{
    struct fixture *fx = *state;
    char *data_dir = blocked_data_dir(fx);
    struct gw_rrd_series *s = gw_rrd_series_new(data_dir, "powys", "dns", 10, NULL, 0);
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_WARNING);
    struct gw_rrd_writer *w = started_writer(6);
    double v[3];
    core_values(v, 1, 0, 0.1);
    for (int i = 1; i <= 5; i++)
        gw_rrd_writer_submit(w, s, BASE_S + 10 * i, v);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    /* Three results of two files fill the bound of six; two more are dropped. */
    assert_int_equal(st.dropped_overflow, 4);
    assert_true(st.pending + st.written == 6);

    /* Still broken at stop: the last attempt fails and the points are lost, counted. */
    assert_stop_logs(w, &cap, 1, "new points are dropped",
                     "stopping with 6 points that could not be written");
    stats_of(w, &st);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.dropped_overflow, 10);
    assert_true(st.errors >= 1);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
    free(data_dir);
}

/* ---- schema changes ---------------------------------------------------------- */

static void test_rrd_writer_figures_added_extend_the_file(void **state)
{
    struct fixture *fx = *state;
    static const struct gw_figure_decl old_figures[] = {{"rtt_max", "s", 0, NAN}};
    static const struct gw_figure_decl new_figures[] = {{"loss", "ratio", 0, 1},
                                                        {"rtt_max", "s", 0, NAN}};
    struct gw_rrd_series *old_s =
        gw_rrd_series_new(fx->dir, "anglesey", "ping", 10, old_figures, 1);
    struct gw_rrd_series *new_s =
        gw_rrd_series_new(fx->dir, "anglesey", "ping", 10, new_figures, 2);
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_NOTICE);
    struct gw_rrd_writer *w = started_writer(0);
    double v[5];
    core_values(v, 1, 0, 0.01);
    v[3] = 0.03;
    gw_rrd_writer_submit(w, old_s, BASE_S + 10, v);
    assert_true(wait_written(w, 2, 5000));
    /* The configuration is reloaded: the check now records loss before rtt_max. */
    core_values(v, 1, 1, 0.02);
    v[3] = 0.5;
    v[4] = 0.04;
    gw_rrd_writer_submit(w, new_s, BASE_S + 20, v);
    assert_stop_logs(w, &cap, 1, "added data sources loss", NULL);

    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 4);
    assert_int_equal(st.errors, 0);
    /* Tuned, not replaced: the new data source comes last, history stays. */
    const char *path = gw_rrd_series_path(old_s);
    assert_ds_list(path, "up,degraded,latency,rtt_max,loss");
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, (off_t)gw_rrd_schema_file_size(10, GW_RRD_FILE_MAIN, 5));
    assert_true(fetch_at(path, (time_t)BASE_S + 10, 10, "rtt_max") == 0.03);
    assert_true(isnan(fetch_at(path, (time_t)BASE_S + 10, 10, "loss")));
    assert_true(fetch_at(path, (time_t)BASE_S + 20, 10, "rtt_max") == 0.04);
    assert_true(fetch_at(path, (time_t)BASE_S + 20, 10, "loss") == 0.5);
    assert_true(fetch_at(path, (time_t)BASE_S + 20, 10, "degraded") == 1);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(old_s);
    gw_rrd_series_unref(new_s);
}

static void test_rrd_writer_figures_removed(void **state)
{
    struct fixture *fx = *state;
    static const struct gw_figure_decl old_figures[] = {{"loss", "ratio", 0, 1},
                                                        {"rtt_max", "s", 0, NAN}};
    static const struct gw_figure_decl new_figures[] = {{"rtt_max", "s", 0, NAN}};
    struct gw_rrd_series *old_s =
        gw_rrd_series_new(fx->dir, "anglesey", "ping", 10, old_figures, 2);
    struct gw_rrd_series *new_s =
        gw_rrd_series_new(fx->dir, "anglesey", "ping", 10, new_figures, 1);
    struct gw_rrd_writer *w = started_writer(0);
    double v[5];
    core_values(v, 1, 0, 0.01);
    v[3] = 0.25;
    v[4] = 0.03;
    gw_rrd_writer_submit(w, old_s, BASE_S + 10, v);
    core_values(v, 1, 0, 0.02);
    v[3] = 0.05;
    gw_rrd_writer_submit(w, new_s, BASE_S + 20, v);
    gw_rrd_writer_stop(w);
    assert_true(wait_written(w, 4, 0));
    struct last l;
    last_read(gw_rrd_series_path(old_s), &l);
    assert_int_equal(l.n, 5);
    assert_string_equal(last_value(&l, "loss"), "U");
    assert_string_equal(last_value(&l, "rtt_max"), "0.05");
    last_free(&l);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(old_s);
    gw_rrd_series_unref(new_s);
}

static void test_rrd_writer_step_changed(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *old_s = gw_rrd_series_new(fx->dir, "newport", "api", 10, NULL, 0);
    struct gw_rrd_series *new_s = gw_rrd_series_new(fx->dir, "newport", "api", 60, NULL, 0);
    struct gw_rrd_writer *w = started_writer(0);
    submit_latency(w, old_s, 1);
    gw_rrd_writer_stop(w);
    gw_rrd_writer_free(w);

    /* After a restart with a longer interval, the old files are read and kept. */
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_WARNING);
    w = started_writer(0);
    double v[3];
    core_values(v, 1, 0, 0.1);
    gw_rrd_writer_submit(w, new_s, BASE_S + 60, v);
    assert_stop_logs(w, &cap, 2,
                     "has a step of 10 s but newport/api is now checked every 60 s: "
                     "every value it gets will be unknown",
                     NULL);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 2);
    rrd_info_t *info = rrd_info_r(gw_rrd_series_path(old_s));
    assert_non_null(info);
    for (rrd_info_t *i = info; i; i = i->next)
        if (strcmp(i->key, "step") == 0)
            assert_int_equal(i->value.u_cnt, 10);
    rrd_info_free(info);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(old_s);
    gw_rrd_series_unref(new_s);
}

/* ---- the delay ----------------------------------------------------------------- */

static void test_rrd_writer_delay_gathers_points(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "monmouthshire", "bins", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    gw_rrd_writer_set_delay(w, 600);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    uint64_t submitted_ms = gw_clock_mono_ms();
    submit_latencies(w, s, 1, 4);
    sleep_ms(150);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    bool file_made = access(gw_rrd_series_path(s), F_OK) == 0;
    /* Unless this thread was held up past the delay, nothing is written yet. */
    if (gw_clock_mono_ms() < submitted_ms + 600) {
        assert_int_equal(st.written, 0);
        assert_int_equal(st.pending, 8);
        assert_false(file_made);
    }

    /* Within the delay, all four go in one update of each file. */
    assert_true(wait_written(w, 8, 3000));
    stats_of(w, &st);
    assert_int_equal(st.updates, 2);

    /* A flush does not wait for the delay. */
    gw_rrd_writer_set_delay(w, 3600 * 1000);
    submit_latencies(w, s, 5, 6);
    sleep_ms(100);
    stats_of(w, &st);
    assert_int_equal(st.written, 8);
    gw_rrd_writer_flush(w);
    assert_true(wait_written(w, 12, 2000));
    stats_of(w, &st);
    assert_int_equal(st.updates, 4);

    /* Stopping writes what waits, however long the delay. */
    submit_latency(w, s, 7);
    gw_rrd_writer_stop(w);
    assert_true(wait_written(w, 14, 0));
    assert_latencies(gw_rrd_series_path(s), 1, 7);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
}

/* A sync writes the files of what is about to be read, and leaves the rest to their delay. */
static void test_rrd_writer_sync_writes_the_subject_only(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s[4] = {
        gw_rrd_series_new(fx->dir, "cardiff", "web", 10, NULL, 0),
        gw_rrd_series_new(fx->dir, "cardiff", "webmail", 10, NULL, 0),
        gw_rrd_series_new(fx->dir, "cardiffshire", "web", 10, NULL, 0),
        gw_rrd_series_new(fx->dir, "conwy", "web", 10, NULL, 0),
    };
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    gw_rrd_writer_set_delay(w, 3600 * 1000);
    /* Not started: nothing to wait for. */
    assert_int_equal(gw_rrd_writer_sync(w, "cardiff", 0), 0);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    for (int i = 0; i < 4; i++)
        submit_latencies(w, s[i], 1, 2);
    /* A target's files; then a council's targets' files; then every file. */
    static const struct {
        const char *subject;
        bool written[4];
    } steps[] = {
        {"cardiff/web", {true, false, false, false}},
        {"cardiff", {true, true, false, false}},
        {NULL, {true, true, true, true}},
    };
    for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        assert_int_equal(gw_rrd_writer_sync(w, steps[k].subject, 5000), 0);
        uint64_t written = 0;
        for (int i = 0; i < 4; i++) {
            bool made = access(gw_rrd_series_path(s[i]), F_OK) == 0 &&
                        access(gw_rrd_series_file_path(s[i], GW_RRD_FILE_SPREAD), F_OK) == 0;
            assert_int_equal(made, steps[k].written[i]);
            if (made)
                assert_latencies(gw_rrd_series_path(s[i]), 1, 2);
            written += made ? 4 : 0;
        }
        struct gw_rrd_writer_stats st;
        stats_of(w, &st);
        assert_int_equal(st.written, written);
        assert_int_equal(st.pending, 16 - written);
    }
    gw_rrd_writer_free(w);
    for (int i = 0; i < 4; i++)
        gw_rrd_series_unref(s[i]);
}

/*
 * A point's delay counts from its submission, and a point that arrives while
 * the writer sleeps towards an earlier deadline is written in its own time,
 * though nobody woke the writer for it.
 */
static void test_rrd_writer_delay_counts_from_submission(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *first = gw_rrd_series_new(fx->dir, "powys", "first", 10, NULL, 0);
    struct gw_rrd_series *second = gw_rrd_series_new(fx->dir, "powys", "second", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    gw_rrd_writer_set_delay(w, 800);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    submit_latency(w, first, 1);
    sleep_ms(400);
    uint64_t second_ms = gw_clock_mono_ms();
    submit_latency(w, second, 1);
    struct gw_rrd_writer_stats st;
    for (int waited = 0; waited < 3000; waited += 10) {
        stats_of(w, &st);
        if (st.written >= 2)
            break;
        sleep_ms(10);
    }
    bool second_made = access(gw_rrd_series_path(second), F_OK) == 0;
    /* Seen before the second point was due (this thread was not held up
     * 400 ms): only the first series' two files are written. */
    if (gw_clock_mono_ms() < second_ms + 800) {
        assert_int_equal(st.written, 2);
        assert_int_equal(st.pending, 2);
        assert_false(second_made);
    }
    assert_true(wait_written(w, 4, 3000));
    assert_latencies(gw_rrd_series_path(second), 1, 1);

    /* A shorter delay applies to what already waits. */
    gw_rrd_writer_set_delay(w, 3600 * 1000);
    submit_latency(w, first, 2);
    sleep_ms(100);
    gw_rrd_writer_set_delay(w, 50);
    assert_true(wait_written(w, 6, 3000));
    assert_latencies(gw_rrd_series_path(first), 1, 2);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(first);
    gw_rrd_series_unref(second);
}

/* ---- injected failures ----------------------------------------------------------- */

static void test_rrd_writer_partial_update_not_repeated(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "flintshire", "portal", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    struct faulty *b = faulty_new();
    gw_rrd_writer_set_backend(w, &b->base);
    gw_rrd_writer_set_delay(w, 300);
    /* The first update of each file takes two of its four points, then fails. */
    atomic_store(&b->fail_updates, 2);
    atomic_store(&b->partial, 2);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    submit_latencies(w, s, 1, 4);
    assert_true(wait_written(w, 8, 5000));
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.errors, 2);
    assert_int_equal(st.dropped_stale, 0);
    /* The retry sent only what the files did not take. */
    assert_int_equal(atomic_load(&b->update_calls), 2);
    assert_latencies(gw_rrd_series_path(s), 1, 4);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
}

static void test_rrd_writer_backend_down_then_back(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *series[3];
    static const char *const names[3] = {"website", "forms", "payments"};
    for (int i = 0; i < 3; i++)
        series[i] = gw_rrd_series_new(fx->dir, "pembrokeshire", names[i], 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    struct faulty *b = faulty_new();
    atomic_store(&b->down, true);
    gw_rrd_writer_set_backend(w, &b->base);
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_NOTICE);
    assert_int_equal(gw_rrd_writer_start(w), 0);

    double v[3];
    for (int t = 1; t <= 3; t++)
        for (int i = 0; i < 3; i++) {
            core_values(v, 1, 0, t + i / 10.0);
            gw_rrd_writer_submit(w, series[i], BASE_S + 10 * t, v);
        }
    /* The first attempt and one retry a second later (the next comes after
     * two more): the store is tried, not each of its six files. */
    uint64_t started_ms = gw_clock_mono_ms();
    for (int waited = 0; atomic_load(&b->calls) < 2 && waited < 5000; waited += 10)
        sleep_ms(10);
    int calls = atomic_load(&b->calls);
    assert_true(calls >= 2);
    if (gw_clock_mono_ms() < started_ms + 2900)
        assert_int_equal(calls, 2);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.pending, 18);

    atomic_store(&b->down, false);
    assert_true(wait_written(w, 18, 10000));
    assert_stop_logs(w, &cap, 1, "cannot connect to the test store",
                     "the test store is reachable again");
    for (int i = 0; i < 3; i++) {
        for (int t = 1; t <= 3; t++)
            assert_true(fetch_at(gw_rrd_series_path(series[i]), (time_t)BASE_S + 10 * t, 10,
                                 "latency") == t + i / 10.0);
        gw_rrd_series_unref(series[i]);
    }
    gw_rrd_writer_free(w);
}

/* ---- a full disk and a read-only one (a small tmpfs; needs root) ------------------ */

/* Fills the file system of `dir` with one file; returns its path (caller frees). */
static char *fill_up(const char *dir)
{
    char *path = gw_xasprintf("%s/filler", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    static char block[4096];
    while (fwrite(block, 1, sizeof(block), f) == sizeof(block))
        ;
    fclose(f);
    return path;
}

static void test_rrd_writer_full_then_read_only_disk(void **state)
{
    struct fixture *fx = *state;
    if (mount("tmpfs", fx->dir, "tmpfs", 0, "size=1m,mode=0755") != 0) {
        print_message("skipped: cannot mount a tmpfs here (%s); injected errors cover this\n",
                      strerror(errno));
        skip();
    }
    fx->mounted = true;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "bridgend", "website", 10, NULL, 0);
    char *filler = fill_up(fx->dir);
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_NOTICE);
    struct gw_rrd_writer *w = started_writer(0);
    submit_latencies(w, s, 1, 3);
    assert_true(wait_errors(w, 4, 5000));
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.pending, 6);

    /* Room again: the files are made and every point is written, in order. */
    assert_int_equal(unlink(filler), 0);
    assert_true(wait_written(w, 6, 10000));

    /* Read-only: updates fail; writable again: nothing was lost. */
    assert_int_equal(mount(NULL, fx->dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
    uint64_t errors_before = st.errors;
    submit_latencies(w, s, 4, 6);
    assert_true(wait_errors(w, errors_before + 2, 5000));
    stats_of(w, &st);
    assert_int_equal(st.written, 6);
    assert_int_equal(st.pending, 6);
    assert_int_equal(mount(NULL, fx->dir, NULL, MS_REMOUNT, "size=1m"), 0);
    assert_true(wait_written(w, 12, 10000));
    assert_stop_logs(w, &cap, 2, "cannot write", "writing works again");

    stats_of(w, &st);
    assert_int_equal(st.dropped_stale + st.dropped_overflow, 0);
    assert_latencies(gw_rrd_series_path(s), 1, 6);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
    free(filler);
}

static void test_rrd_writer_free_unstarted(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "c", "t", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    gw_rrd_writer_set_backend(w, gw_rrd_backend_new(""));
    submit_latency(w, s, 1);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.pending, 2);
    gw_rrd_writer_stop(w);
    stats_of(w, &st);
    assert_int_equal(st.pending, 2);
    gw_rrd_writer_free(w);
    gw_rrd_writer_free(NULL);
    /* Never started: nothing was written. */
    assert_int_not_equal(access(gw_rrd_series_path(s), F_OK), 0);
    gw_rrd_series_unref(s);
}

/* ---- stopping without blocking, and hurried ------------------------------------ */

/* Counts done callbacks (any thread). */
static void count_cb(void *data)
{
    atomic_fetch_add((atomic_int *)data, 1);
}

static bool wait_count(atomic_int *count, int want, int timeout_ms)
{
    for (int waited = 0; atomic_load(count) < want; waited += 10) {
        if (waited >= timeout_ms)
            return false;
        sleep_ms(10);
    }
    return true;
}

static size_t lines_of(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static void test_rrd_writer_stop_async_calls_back_once(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "conwy", "website", 10, NULL, 0);
    struct gw_rrd_writer *w = started_writer(0);
    gw_rrd_writer_set_delay(w, 3600000);
    submit_latencies(w, s, 1, 3);
    atomic_int done = 0;
    assert_int_equal(gw_rrd_writer_stop_async(w, count_cb, &done), 0);
    assert_int_equal(gw_rrd_writer_stop_async(w, count_cb, &done), -EALREADY);
    assert_true(wait_count(&done, 1, 5000));
    /* Held back by the delay, written by the stop. */
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 6);
    assert_int_equal(st.pending, 0);
    gw_rrd_writer_free(w);
    assert_int_equal(atomic_load(&done), 1);
    assert_latencies(gw_rrd_series_path(s), 1, 3);

    /* A writer never started cannot stop this way: no callback. */
    w = gw_rrd_writer_new(0);
    assert_int_equal(gw_rrd_writer_stop_async(w, count_cb, &done), -EINVAL);
    gw_rrd_writer_free(w);
    assert_int_equal(atomic_load(&done), 1);
    gw_rrd_series_unref(s);
}

/* Hurried with nothing hanging: each point is written or spooled, none lost. */
static void test_rrd_writer_hurry_spools_what_is_left(void **state)
{
    struct fixture *fx = *state;
    char *spool = gw_xasprintf("%s/spool.tsv", fx->dir);
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "conwy", "forms", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    gw_rrd_writer_set_spool(w, spool);
    gw_rrd_writer_set_delay(w, 3600000);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    submit_latencies(w, s, 1, 5);
    atomic_int done = 0;
    assert_int_equal(gw_rrd_writer_stop_async(w, count_cb, &done), 0);
    gw_rrd_writer_hurry(w);
    gw_rrd_writer_hurry(w);
    assert_true(wait_count(&done, 1, 5000));
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.dropped_overflow, 0);
    assert_int_equal(st.written + st.spooled, 10);
    assert_int_equal(lines_of(spool), st.spooled);
    gw_rrd_writer_free(w);
    assert_int_equal(atomic_load(&done), 1);
    gw_rrd_series_unref(s);
    free(spool);
}

static void test_rrd_writer_hurry_spools_while_a_write_hangs(void **state)
{
    struct fixture *fx = *state;
    char *spool = gw_xasprintf("%s/spool.tsv", fx->dir);
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "conwy", "payments", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    gate_set(true);
    gw_rrd_writer_set_backend(w, &faulty_new()->base);
    gw_rrd_writer_set_spool(w, spool);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    submit_latency(w, s, 1);
    assert_true(gate_wait_hanging(5000));
    submit_latencies(w, s, 2, 4); /* they pile up behind the hanging write */

    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_WARNING);
    atomic_int done = 0;
    assert_int_equal(gw_rrd_writer_stop_async(w, count_cb, &done), 0);
    /* The last attempt waits for the hanging write, however long. */
    sleep_ms(200);
    assert_int_equal(atomic_load(&done), 0);
    gw_rrd_writer_hurry(w);
    assert_true(wait_count(&done, 1, 5000));
    char *log = log_capture_end(&cap);
    assert_non_null(strstr(log, "writing "));
    assert_non_null(strstr(log, "has not finished after 500 ms; not waiting for it"));
    assert_non_null(strstr(log, "stopping with 8 points that could not be written; kept in"));
    free(log);
    /* Every point of both files, the one being written included, is in the spool. */
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.spooled, 8);
    struct spooled sp = {0};
    size_t bad = 1;
    assert_int_equal(gw_rrd_spool_read(spool, collect_spooled, &sp, &bad), 4);
    assert_int_equal(bad, 0);
    for (int i = 0; i < 4; i++)
        assert_true(sp.latency[i] == (i + 1) / 10.0);

    /* Freed while its thread still hangs: the thread frees it once the write returns. */
    int freed = atomic_load(&gate.freed);
    gw_rrd_writer_free(w);
    assert_int_equal(atomic_load(&gate.freed), freed);
    gate_set(false);
    for (int waited = 0; atomic_load(&gate.freed) == freed && waited < 5000; waited += 10)
        sleep_ms(10);
    assert_int_equal(atomic_load(&gate.freed), freed + 1);
    assert_int_equal(atomic_load(&done), 1);
    gw_rrd_series_unref(s);
    free(spool);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_rrd_writer_two_series),
        T(test_rrd_writer_spread_extremes),
        T(test_rrd_writer_stale_points),
        T(test_rrd_writer_unwritable_then_fixed),
        T(test_rrd_writer_stop_makes_last_attempt),
        T(test_rrd_writer_stop_keeps_unwritable_points_in_the_spool),
        T(test_rrd_writer_bound),
        T(test_rrd_writer_figures_added_extend_the_file),
        T(test_rrd_writer_figures_removed),
        T(test_rrd_writer_step_changed),
        T(test_rrd_writer_delay_gathers_points),
        T(test_rrd_writer_delay_counts_from_submission),
        T(test_rrd_writer_sync_writes_the_subject_only),
        T(test_rrd_writer_partial_update_not_repeated),
        T(test_rrd_writer_backend_down_then_back),
        T(test_rrd_writer_full_then_read_only_disk),
        T(test_rrd_writer_free_unstarted),
        T(test_rrd_writer_stop_async_calls_back_once),
        T(test_rrd_writer_hurry_spools_what_is_left),
        T(test_rrd_writer_hurry_spools_while_a_write_hangs),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
