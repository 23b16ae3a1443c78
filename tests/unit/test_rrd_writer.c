#include <errno.h>
#include <ftw.h>
#include <math.h>
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

#include "log.h"
#include "rrd_schema.h"
#include "rrd_writer.h"
#include "xalloc.h"

/* A time well in the past, so nothing depends on today's clock, and a multiple of
 * every step used here, so fetched rows line up with points. */
#define BASE_S 1700000040.0

struct fixture {
    char dir[64];
};

static int setup(void **state)
{
    struct fixture *fx = gw_xcalloc(1, sizeof(*fx));
    const char *tmp = getenv("TMPDIR");
    snprintf(fx->dir, sizeof(fx->dir), "%s/gw-rrd-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(fx->dir));
    umask(022);
    gw_log_set_level(GW_LOG_WARNING);
    *state = fx;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    nftw(fx->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

static void stats_of(struct gw_rrd_writer *w, struct gw_rrd_writer_stats *st)
{
    memset(st, 0xff, sizeof(*st));
    gw_rrd_writer_stats(w, st);
}

/* Polls the counters until `done` holds, for at most `timeout_ms`. */
static bool wait_for(struct gw_rrd_writer *w, bool (*done)(const struct gw_rrd_writer_stats *),
                     int timeout_ms)
{
    struct gw_rrd_writer_stats st;
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        stats_of(w, &st);
        if (done(&st))
            return true;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void core_values(double *v, double up, double degraded, double latency)
{
    v[GW_RRD_DS_UP] = up;
    v[GW_RRD_DS_DEGRADED] = degraded;
    v[GW_RRD_DS_LATENCY] = latency;
}

/* The file's last update (whole seconds) and the text of its last value of each DS. */
struct last {
    time_t time;
    unsigned long n;
    char **names;
    char **values;
};

static void last_read(const char *path, struct last *l)
{
    rrd_clear_error();
    int rc = rrd_lastupdate_r(path, &l->time, &l->n, &l->names, &l->values);
    if (rc != 0)
        fail_msg("rrd_lastupdate_r(%s): %s", path, rrd_get_error());
}

static void last_free(struct last *l)
{
    for (unsigned long i = 0; i < l->n; i++) {
        free(l->names[i]);
        free(l->values[i]);
    }
    free(l->names);
    free(l->values);
}

/* One value of the full-resolution AVERAGE archive: the step that ends at `end_s`. */
static double fetch_at(const char *path, time_t end_s, unsigned long step_s, unsigned long ds)
{
    time_t start = end_s - (time_t)step_s, end = end_s;
    unsigned long step = step_s, n_ds = 0;
    char **names = NULL;
    rrd_value_t *data = NULL;
    rrd_clear_error();
    if (rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &n_ds, &names, &data) != 0)
        fail_msg("rrd_fetch_r(%s): %s", path, rrd_get_error());
    assert_int_equal(step, step_s);
    /* Rows are the steps (start, start + step], ...; find the one ending at end_s. */
    if (!(end_s > start && (end_s - start) % (time_t)step == 0))
        fail_msg("fetch %s: asked to %ld, got (%ld, %ld] step %lu", path, (long)end_s, (long)start,
                 (long)end, step);
    size_t row = (size_t)((end_s - start) / (time_t)step) - 1;
    assert_true(ds < n_ds);
    double v = data[row * n_ds + ds];
    for (unsigned long i = 0; i < n_ds; i++)
        free(names[i]);
    free(names);
    free(data);
    return v;
}

static void assert_info(const char *path, unsigned long step_s, const char *const *ds_names)
{
    rrd_clear_error();
    rrd_info_t *info = rrd_info_r(path);
    if (!info)
        fail_msg("rrd_info_r(%s): %s", path, rrd_get_error());
    bool step_seen = false;
    size_t n_names = 0, n_seen = 0;
    while (ds_names[n_names])
        n_names++;
    for (rrd_info_t *i = info; i; i = i->next) {
        if (strcmp(i->key, "step") == 0) {
            assert_int_equal(i->value.u_cnt, step_s);
            step_seen = true;
        }
        char want[64];
        for (size_t k = 0; k < n_names; k++) {
            snprintf(want, sizeof(want), "ds[%s].index", ds_names[k]);
            if (strcmp(i->key, want) == 0) {
                assert_int_equal(i->value.u_cnt, k);
                n_seen++;
            }
        }
        if (strncmp(i->key, "ds[", 3) == 0 && strstr(i->key, "].index"))
            assert_true(i->value.u_cnt < n_names);
    }
    rrd_info_free(info);
    assert_true(step_seen);
    assert_int_equal(n_seen, n_names);
}

static bool all_written_5(const struct gw_rrd_writer_stats *st)
{
    return st->written == 5 && st->pending == 0;
}

static void test_rrd_writer_two_series(void **state)
{
    struct fixture *fx = *state;
    static const struct gw_figure_decl figures[] = {
        {"total", "count", 0, NAN},
        {"available", "count", 0, NAN},
    };
    struct gw_rrd_series *a = gw_rrd_series_new(fx->dir, "cardiff", "website", 10, NULL, 0);
    struct gw_rrd_series *b = gw_rrd_series_new(fx->dir, "gwynedd", "chargers", 60, figures, 2);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    assert_int_equal(gw_rrd_writer_start(w), 0);
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

    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_true(all_written_5(&st));
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.dropped_stale + st.dropped_overflow, 0);

    static const char *const a_ds[] = {"up", "degraded", "latency", NULL};
    static const char *const b_ds[] = {"up", "degraded", "latency", "total", "available", NULL};
    assert_info(gw_rrd_series_path(a), 10, a_ds);
    assert_info(gw_rrd_series_path(b), 60, b_ds);

    struct stat sb;
    assert_int_equal(stat(gw_rrd_series_dir(a), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0750);
    assert_int_equal(stat(gw_rrd_series_path(a), &sb), 0);
    assert_int_equal(sb.st_size, (off_t)gw_rrd_schema_file_size(10, 3));
    assert_int_equal(stat(gw_rrd_series_path(b), &sb), 0);
    assert_int_equal(sb.st_size, (off_t)gw_rrd_schema_file_size(60, 5));

    struct last l;
    last_read(gw_rrd_series_path(a), &l);
    assert_int_equal(l.time, (time_t)BASE_S + 30);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.values[0], "U");
    assert_string_equal(l.values[1], "U");
    assert_string_equal(l.values[2], "0.5");
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
    assert_true(fetch_at(pa, (time_t)BASE_S + 10, 10, GW_RRD_DS_LATENCY) == 0.25);
    assert_true(fetch_at(pa, (time_t)BASE_S + 20, 10, GW_RRD_DS_LATENCY) == 1.5);
    assert_true(fetch_at(pa, (time_t)BASE_S + 20, 10, GW_RRD_DS_DEGRADED) == 1);
    assert_true(fetch_at(pa, (time_t)BASE_S + 30, 10, GW_RRD_DS_LATENCY) == 0.5);
    assert_true(isnan(fetch_at(pa, (time_t)BASE_S + 30, 10, GW_RRD_DS_UP)));
    const char *pb = gw_rrd_series_path(b);
    assert_true(fetch_at(pb, (time_t)BASE_S + 60, 60, 4) == 7);
    assert_true(fetch_at(pb, (time_t)BASE_S + 120, 60, GW_RRD_DS_UP) == 0);

    gw_rrd_writer_free(w);
    gw_rrd_series_unref(a);
    gw_rrd_series_unref(b);
}

static void test_rrd_writer_stale_points(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "conwy", "portal", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    assert_int_equal(gw_rrd_writer_start(w), 0);
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
    assert_int_equal(st.written, 3);
    assert_int_equal(st.dropped_stale, 4);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.pending, 0);
    gw_rrd_writer_free(w);

    struct last l;
    last_read(gw_rrd_series_path(s), &l);
    assert_int_equal(l.time, (time_t)BASE_S + 30);
    assert_string_equal(l.values[2], "0.3");
    last_free(&l);

    /*
     * A new writer (a restart) reads the file's last update once. librrd gives
     * it to the second, so a point within that second is dropped; later ones
     * are written.
     */
    w = gw_rrd_writer_new(0);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    core_values(v, 0, 0, 0.4);
    gw_rrd_writer_submit(w, s, BASE_S + 30.9, v);
    gw_rrd_writer_submit(w, s, BASE_S + 25, v);
    core_values(v, 0, 0, 0.5);
    gw_rrd_writer_submit(w, s, BASE_S + 40, v);
    gw_rrd_writer_stop(w);
    stats_of(w, &st);
    assert_int_equal(st.written, 1);
    assert_int_equal(st.dropped_stale, 2);
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

static bool retried_with_4_pending(const struct gw_rrd_writer_stats *st)
{
    return st->errors >= 3 && st->pending == 4;
}

static bool all_written_6(const struct gw_rrd_writer_stats *st)
{
    return st->written == 6 && st->pending == 0;
}

/* Sends the daemon's log (stderr) to a file while `on`; returns its fd. */
static int capture_log(int *saved)
{
    char path[] = "/tmp/gw-rrd-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    *saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    return fd;
}

/* Restores stderr and returns what was logged meanwhile. Caller frees. */
static char *capture_end(int fd, int saved)
{
    dup2(saved, STDERR_FILENO);
    close(saved);
    size_t size = 16384;
    char *buf = gw_xmalloc(size);
    ssize_t n = pread(fd, buf, size - 1, 0);
    close(fd);
    assert_true(n >= 0);
    buf[n] = '\0';
    return buf;
}

static size_t count_of(const char *text, const char *needle)
{
    size_t count = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        count++;
    return count;
}

static void test_rrd_writer_unwritable_then_fixed(void **state)
{
    struct fixture *fx = *state;
    char *data_dir = blocked_data_dir(fx);
    struct gw_rrd_series *s = gw_rrd_series_new(data_dir, "wrexham", "payments", 10, NULL, 0);
    struct gw_rrd_series *s2 = gw_rrd_series_new(data_dir, "wrexham", "forms", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    gw_log_set_level(GW_LOG_NOTICE);
    int saved_stderr;
    int log_fd = capture_log(&saved_stderr);
    assert_int_equal(gw_rrd_writer_start(w), 0);

    double v[3];
    for (int i = 1; i <= 3; i++) {
        core_values(v, 1, 0, i / 10.0);
        gw_rrd_writer_submit(w, s, BASE_S + 10 * i, v);
    }
    gw_rrd_writer_submit(w, s2, BASE_S + 10, v);
    /* Both files fail, and are retried after their backoff: nothing is lost. */
    assert_true(wait_for(w, retried_with_4_pending, 5000));
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.dropped_stale + st.dropped_overflow, 0);
    assert_int_not_equal(access(gw_rrd_series_path(s), F_OK), 0);

    /* Repair: the writer makes the directories itself on its next attempt. */
    assert_int_equal(unlink(data_dir), 0);
    for (int i = 4; i <= 5; i++) {
        core_values(v, 1, 0, i / 10.0);
        gw_rrd_writer_submit(w, s, BASE_S + 10 * i, v);
    }
    assert_true(wait_for(w, all_written_6, 10000));
    stats_of(w, &st);
    assert_int_equal(st.dropped_stale + st.dropped_overflow, 0);
    gw_rrd_writer_stop(w);

    /* One line when writes began to fail, one when they all worked again. */
    char *log = capture_end(log_fd, saved_stderr);
    gw_log_set_level(GW_LOG_WARNING);
    assert_int_equal(count_of(log, "cannot write"), 1);
    assert_int_equal(count_of(log, "writing works again"), 1);
    free(log);

    /* In time order: every step holds its own point. */
    for (int i = 1; i <= 5; i++)
        assert_true(fetch_at(gw_rrd_series_path(s), (time_t)BASE_S + 10 * i, 10,
                             GW_RRD_DS_LATENCY) == i / 10.0);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
    gw_rrd_series_unref(s2);
    free(data_dir);
}

static bool failed_once(const struct gw_rrd_writer_stats *st)
{
    return st->errors >= 1;
}

static void test_rrd_writer_stop_makes_last_attempt(void **state)
{
    struct fixture *fx = *state;
    char *data_dir = blocked_data_dir(fx);
    struct gw_rrd_series *s = gw_rrd_series_new(data_dir, "ceredigion", "wifi", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    double v[3];
    core_values(v, 1, 0, 0.1);
    gw_rrd_writer_submit(w, s, BASE_S + 10, v);
    assert_true(wait_for(w, failed_once, 5000));
    core_values(v, 1, 0, 0.2);
    gw_rrd_writer_submit(w, s, BASE_S + 20, v);

    /* Fixed while the file waits out its backoff: stop writes without waiting. */
    assert_int_equal(unlink(data_dir), 0);
    gw_rrd_writer_stop(w);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 2);
    assert_int_equal(st.pending, 0);
    assert_true(st.errors >= 1);
    assert_true(fetch_at(gw_rrd_series_path(s), (time_t)BASE_S + 20, 10, GW_RRD_DS_LATENCY) == 0.2);

    /* After stop, points are refused. */
    gw_rrd_writer_submit(w, s, BASE_S + 30, v);
    stats_of(w, &st);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.dropped_overflow, 1);
    gw_rrd_writer_stop(w);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
    free(data_dir);
}

static void test_rrd_writer_bound(void **state)
{
    struct fixture *fx = *state;
    char *data_dir = blocked_data_dir(fx);
    struct gw_rrd_series *s = gw_rrd_series_new(data_dir, "powys", "dns", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(3);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    double v[3];
    core_values(v, 1, 0, 0.1);
    for (int i = 1; i <= 5; i++)
        gw_rrd_writer_submit(w, s, BASE_S + 10 * i, v);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.dropped_overflow, 2);
    assert_true(st.pending + st.written == 3);

    /* Still broken at stop: the last attempt fails and the points are lost, counted. */
    gw_rrd_writer_stop(w);
    stats_of(w, &st);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.dropped_overflow, 5);
    assert_true(st.errors >= 1);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(s);
    free(data_dir);
}

static void test_rrd_writer_figures_changed(void **state)
{
    struct fixture *fx = *state;
    static const struct gw_figure_decl old_figures[] = {{"rtt_max", "s", 0, NAN}};
    static const struct gw_figure_decl new_figures[] = {{"loss", "ratio", 0, 1},
                                                        {"rtt_max", "s", 0, NAN}};
    struct gw_rrd_series *old_s =
        gw_rrd_series_new(fx->dir, "anglesey", "ping", 10, old_figures, 1);
    struct gw_rrd_series *new_s =
        gw_rrd_series_new(fx->dir, "anglesey", "ping", 10, new_figures, 2);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    double v[5];
    core_values(v, 1, 0, 0.01);
    v[3] = 0.03;
    gw_rrd_writer_submit(w, old_s, BASE_S + 10, v);
    /* The configuration is reloaded: the check now records loss before rtt_max. */
    core_values(v, 1, 1, 0.02);
    v[3] = 0.5;
    v[4] = 0.04;
    gw_rrd_writer_submit(w, new_s, BASE_S + 20, v);
    gw_rrd_writer_stop(w);

    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 2);
    assert_int_equal(st.errors, 0);
    struct last l;
    last_read(gw_rrd_series_path(old_s), &l);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.names[3], "rtt_max");
    assert_string_equal(l.values[1], "1");
    assert_string_equal(l.values[2], "0.02");
    assert_string_equal(l.values[3], "0.04");
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
    double v[3];
    core_values(v, 1, 0, 0.1);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    gw_rrd_writer_submit(w, old_s, BASE_S + 10, v);
    gw_rrd_writer_stop(w);
    gw_rrd_writer_free(w);

    /* After a restart with a longer interval, the old file is read and kept. */
    int saved_stderr;
    int log_fd = capture_log(&saved_stderr);
    w = gw_rrd_writer_new(0);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    gw_rrd_writer_submit(w, new_s, BASE_S + 60, v);
    gw_rrd_writer_stop(w);
    char *log = capture_end(log_fd, saved_stderr);
    assert_int_equal(count_of(log, "has a step of 10 s but newport/api is now checked every 60 s: "
                                   "every value it gets will be unknown"),
                     1);
    free(log);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 1);
    static const char *const ds[] = {"up", "degraded", "latency", NULL};
    assert_info(gw_rrd_series_path(old_s), 10, ds);
    gw_rrd_writer_free(w);
    gw_rrd_series_unref(old_s);
    gw_rrd_series_unref(new_s);
}

static void test_rrd_writer_free_unstarted(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "c", "t", 10, NULL, 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    double v[3];
    core_values(v, 1, 0, 0.1);
    gw_rrd_writer_submit(w, s, BASE_S + 10, v);
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.pending, 1);
    gw_rrd_writer_stop(w);
    stats_of(w, &st);
    assert_int_equal(st.pending, 1);
    gw_rrd_writer_free(w);
    gw_rrd_writer_free(NULL);
    /* Never started: nothing was written. */
    assert_int_not_equal(access(gw_rrd_series_path(s), F_OK), 0);
    gw_rrd_series_unref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rrd_writer_two_series, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrd_writer_stale_points, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrd_writer_unwritable_then_fixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrd_writer_stop_makes_last_attempt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrd_writer_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrd_writer_figures_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrd_writer_step_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrd_writer_free_unstarted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
