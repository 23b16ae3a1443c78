/*
 * The RRD writer with a journal: points are in the journal while they wait
 * for their delay, a run that was killed leaves them for the next, which
 * writes them (with what the spool kept, in time order) and then removes
 * what it read; and a full disk under the journal (journal_testutil.h), or
 * no journal at all, costs no point: results are then written as they come.
 */
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

#include "journal_testutil.h"
#include "rrd_testutil.h"
#include "storage/rrd_backend.h"
#include "storage/rrd_journal.h"
#include "storage/rrd_spool.h"
#include "storage/rrd_writer.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct fixture {
    char *dir;   /* the data directory of a run */
    char *spool; /* its spool */
};

static int setup(void **state)
{
    struct fixture *fx = gw_xcalloc(1, sizeof(*fx));
    fx->dir = temp_dir("gw-wjournal");
    fx->spool = gw_xasprintf("%s/%s", fx->dir, GW_RRD_SPOOL_NAME);
    gw_log_set_level(GW_LOG_WARNING);
    disk_free();
    atomic_store(&disk.calls, 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    disk_free();
    tree_remove(fx->dir);
    free(fx->dir);
    free(fx->spool);
    free(fx);
    return 0;
}

/* A writer for the run in fx->dir, with its spool and journal, points held back `delay_ms`. */
static struct gw_rrd_writer *journaled_writer(const struct fixture *fx, uint64_t delay_ms)
{
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    gw_rrd_writer_set_spool(w, fx->spool);
    gw_rrd_writer_set_delay(w, delay_ms);
    char *err = NULL;
    assert_int_equal(gw_rrd_writer_set_journal(w, fx->dir, &err), 0);
    return w;
}

/* The journal's lines in `dir`, all segments, in order of their numbers. Caller frees. */
static char *journal_text(const char *dir)
{
    size_t n;
    char **paths = segment_paths(dir, &n);
    struct gw_strbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        char *text = file_read(paths[i]);
        gw_strbuf_append(&b, text);
        free(text);
    }
    segment_paths_free(paths, n);
    gw_strbuf_append(&b, "");
    return b.s;
}

static size_t journal_lines(const char *dir)
{
    char *text = journal_text(dir);
    size_t n = count_of(text, "\n");
    free(text);
    return n;
}

/* Polls until the journal in `dir` holds `lines` lines. */
static bool wait_journal_lines(const char *dir, size_t lines, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        if (journal_lines(dir) == lines)
            return true;
        sleep_ms(10);
    }
    fprintf(stderr, "waited for %zu journal lines, found %zu\n", lines, journal_lines(dir));
    return false;
}

/* Copies the journal of `from` into `to`: what a run killed now leaves. */
static void copy_journal(const char *from, const char *to)
{
    size_t n;
    char **paths = segment_paths(from, &n);
    for (size_t i = 0; i < n; i++) {
        char *text = file_read(paths[i]);
        char *copy = gw_xasprintf("%s%s", to, strrchr(paths[i], '/'));
        file_write(copy, text);
        free(copy);
        free(text);
    }
    segment_paths_free(paths, n);
}

/* The line of point i of a numbered run (submit_latency) of `id`, as a journal holds it. */
static void line_of(struct gw_strbuf *b, const char *id, int i)
{
    static const char *names[] = {"up", "degraded", "latency"};
    double values[] = {1, 0, i / 10.0};
    gw_rrd_spool_format(b, id, (int64_t)(BASE_S + 10 * i) * 1000, 3, names, values);
}

/* What recovery hands back is submitted to the writer, as the daemon does. */
struct replay {
    struct gw_rrd_writer *w;
    struct gw_rrd_series *s;
    struct gw_strbuf seen; /* "time:latency;" of each point */
};

static void replay_point(void *ctx, const char *id, int64_t time_ms, size_t n,
                         const char *const *names, const double *values)
{
    struct replay *r = ctx;
    assert_string_equal(id, gw_rrd_series_id(r->s));
    size_t n_ds = gw_rrd_series_ds_count(r->s);
    double v[16];
    assert_true(n_ds <= 16);
    for (size_t k = 0; k < n_ds; k++) {
        v[k] = NAN;
        for (size_t i = 0; i < n; i++)
            if (strcmp(names[i], gw_rrd_series_ds(r->s, k)->name) == 0)
                v[k] = values[i];
    }
    gw_strbuf_printf(&r->seen, "%lld:%g;", (long long)(time_ms / 1000 - (int64_t)BASE_S), v[2]);
    gw_rrd_writer_submit(r->w, r->s, (double)time_ms / 1000.0, v);
}

/* ---- the tests -------------------------------------------------------------------- */

static void test_rrd_writer_journal_a_killed_run_loses_nothing(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "gwynedd", "web", 10, NULL, 0);
    struct gw_rrd_writer *w = journaled_writer(fx, 3600 * 1000);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    submit_latencies(w, s, 1, 3);
    /* Held back an hour, yet in the journal at once: three points of two files. */
    assert_true(wait_journal_lines(fx->dir, 6, 3000));
    assert_int_not_equal(access(gw_rrd_series_path(s), F_OK), 0);

    /* Killed now: the next run, on a data directory as this one leaves it. */
    struct fixture next = {temp_dir("gw-wjournal-next"), NULL};
    next.spool = gw_xasprintf("%s/%s", next.dir, GW_RRD_SPOOL_NAME);
    copy_journal(fx->dir, next.dir);
    gw_rrd_writer_free(w);
    /* A run that stops writes everything and leaves no journal. */
    assert_latencies(gw_rrd_series_path(s), 1, 3);
    assert_int_equal(journal_lines(fx->dir), 0);

    struct gw_rrd_series *s2 = gw_rrd_series_new(next.dir, "gwynedd", "web", 10, NULL, 0);
    struct replay r = {journaled_writer(&next, 3600 * 1000), s2, {0}};
    struct gw_rrd_spool_damage damage;
    assert_int_equal(gw_rrd_writer_recover(r.w, replay_point, &r, &damage), 3);
    assert_int_equal(damage.bad + damage.torn, 0);
    assert_string_equal(r.seen.s, "10:0.1;20:0.2;30:0.3;");
    struct gw_rrd_writer_stats st;
    stats_of(r.w, &st);
    assert_int_equal(st.replaying, 6); /* three points of two files, not written yet */
    /* The last run's segment goes once the points are in this run's journal. */
    char *old = journal_text(next.dir);
    char *old_segment =
        gw_xasprintf("%s/%s0000000001%s", next.dir, GW_RRD_JOURNAL_PREFIX, GW_RRD_JOURNAL_SUFFIX);
    assert_int_equal(access(old_segment, F_OK), 0);
    assert_int_equal(gw_rrd_writer_start(r.w), 0);
    for (int waited = 0; access(old_segment, F_OK) == 0 && waited < 3000; waited += 10)
        sleep_ms(10);
    assert_int_not_equal(access(old_segment, F_OK), 0);
    char *now = journal_text(next.dir);
    assert_string_equal(now, old);
    free(old);
    free(now);
    free(old_segment);
    /* Old already, they are written at once, whatever the delay. */
    assert_true(wait_written(r.w, 6, 5000));
    assert_latencies(gw_rrd_series_path(s2), 1, 3);
    stats_of(r.w, &st);
    assert_int_equal(st.replaying, 0);
    /* New points wait for the delay as ever. */
    submit_latency(r.w, s2, 4);
    assert_int_equal(gw_rrd_writer_sync(r.w, "gwynedd", 5000), 0);
    assert_latencies(gw_rrd_series_path(s2), 4, 4);
    gw_rrd_writer_free(r.w);
    assert_int_equal(journal_lines(next.dir), 0);

    gw_strbuf_reset(&r.seen);
    gw_rrd_series_unref(s);
    gw_rrd_series_unref(s2);
    tree_remove(next.dir);
    free(next.dir);
    free(next.spool);
}

static void test_rrd_writer_journal_recovery_merges_spool_and_journal(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "powys", "forms", 10, NULL, 0);
    /* Points 1 and 2 are in the file already (written before the crash). */
    struct gw_rrd_writer *first = started_writer(0);
    submit_latencies(first, s, 1, 2);
    gw_rrd_writer_free(first);

    /* The spool of a stop, then a run that was killed: their lines out of order. */
    struct gw_strbuf b = {0};
    line_of(&b, "powys/forms", 4);
    line_of(&b, "powys/forms", 1);
    file_write(fx->spool, b.s);
    gw_strbuf_reset(&b);
    line_of(&b, "powys/forms", 5);
    line_of(&b, "powys/forms", 2);
    line_of(&b, "powys/forms", 3);
    char *segment =
        gw_xasprintf("%s/%s0000000001%s", fx->dir, GW_RRD_JOURNAL_PREFIX, GW_RRD_JOURNAL_SUFFIX);
    file_write(segment, b.s);
    gw_strbuf_reset(&b);

    struct replay r = {journaled_writer(fx, 0), s, {0}};
    struct gw_rrd_spool_damage damage;
    assert_int_equal(gw_rrd_writer_recover(r.w, replay_point, &r, &damage), 5);
    assert_int_equal(damage.bad + damage.torn, 0);
    /* Oldest first, whichever file held them. */
    assert_string_equal(r.seen.s, "10:0.1;20:0.2;30:0.3;40:0.4;50:0.5;");
    assert_int_equal(gw_rrd_writer_start(r.w), 0);
    /* Points 1 and 2 were written before: dropped without a word or a count. */
    assert_true(wait_written(r.w, 6, 5000));
    assert_latencies(gw_rrd_series_path(s), 1, 5);
    struct gw_rrd_writer_stats st;
    stats_of(r.w, &st);
    assert_int_equal(st.dropped_stale, 0);
    /* What the last run left is gone once this run holds it. */
    for (int waited = 0; access(segment, F_OK) == 0 && waited < 3000; waited += 10)
        sleep_ms(10);
    assert_int_not_equal(access(segment, F_OK), 0);
    assert_int_not_equal(access(fx->spool, F_OK), 0);
    gw_rrd_writer_free(r.w);
    gw_strbuf_reset(&r.seen);
    free(segment);
    gw_rrd_series_unref(s);
}

static void test_rrd_writer_journal_replays_a_point_in_the_second_of_the_last_update(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "ceredigion", "web", 10, NULL, 0);
    /* The file's last update is point 1, on a whole second. */
    struct gw_rrd_writer *first = started_writer(0);
    submit_latencies(first, s, 1, 1);
    gw_rrd_writer_free(first);

    /* The last run kept a point 999 ms later, in that same second: librrd's
     * info says only the second, and the file has not got the point. */
    int64_t late_ms = (int64_t)(BASE_S + 10) * 1000 + 999;
    static const char *names[] = {"up", "degraded", "latency"};
    double values[] = {1, 0, 0.7};
    struct gw_strbuf b = {0};
    gw_rrd_spool_format(&b, "ceredigion/web", late_ms, 3, names, values);
    file_write(fx->spool, b.s);
    gw_strbuf_reset(&b);

    struct replay r = {journaled_writer(fx, 0), s, {0}};
    struct gw_rrd_spool_damage damage;
    assert_int_equal(gw_rrd_writer_recover(r.w, replay_point, &r, &damage), 1);
    assert_int_equal(gw_rrd_writer_start(r.w), 0);
    /* Written (both files), not taken for one the file holds. */
    assert_true(wait_written(r.w, 2, 5000));
    gw_rrd_writer_free(r.w);
    struct gw_rrd_file_info info = {0};
    info.last_s = late_ms / 1000;
    gw_rrd_backend_read_last_ms(gw_rrd_series_path(s), &info);
    assert_int_equal(info.last_ms, late_ms);
    gw_strbuf_reset(&r.seen);
    gw_rrd_series_unref(s);
}

static void test_rrd_writer_journal_full_disk_then_room(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "conwy", "bins", 10, NULL, 0);
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_NOTICE);
    struct gw_rrd_writer *w = journaled_writer(fx, 3600 * 1000);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    disk_fill(0, ENOSPC);
    submit_latencies(w, s, 1, 2);
    /* The journal cannot keep them: they are written as they come, an hour's
     * delay or not, as a writer without a delay does. */
    assert_true(wait_written(w, 4, 5000));
    assert_latencies(gw_rrd_series_path(s), 1, 2);
    assert_true(atomic_load(&disk.calls) > 0);
    assert_int_equal(journal_lines(fx->dir), 0);
    submit_latency(w, s, 3);
    assert_true(wait_written(w, 6, 5000));

    /* Room again: the retry finds it unasked, and results wait for the delay
     * again, in the journal meanwhile. */
    disk_free();
    assert_true(wait_log(&cap, "the journal is written again", 5000));
    submit_latency(w, s, 4);
    assert_true(wait_journal_lines(fx->dir, 2, 3000));
    struct gw_rrd_writer_stats st;
    stats_of(w, &st);
    assert_int_equal(st.written, 6);
    assert_int_equal(st.pending, 2);
    assert_stop_logs(w, &cap, 1, "results are written as they come",
                     "the journal is written again");
    assert_latencies(gw_rrd_series_path(s), 1, 4);
    stats_of(w, &st);
    assert_int_equal(st.written, 8);
    assert_int_equal(st.dropped_overflow + st.dropped_stale, 0);
    gw_rrd_writer_free(w);
    assert_int_equal(journal_lines(fx->dir), 0);
    gw_rrd_series_unref(s);
}

static void test_rrd_writer_journal_none_writes_as_results_come(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "ceredigion", "bins", 10, NULL, 0);
    /* Another process uses the data directory's journal: this writer has none. */
    struct gw_rrd_journal *other = NULL;
    char *err = NULL;
    assert_int_equal(gw_rrd_journal_open(fx->dir, &other, &err), 0);
    struct gw_rrd_writer *w = gw_rrd_writer_new(0);
    gw_rrd_writer_set_spool(w, fx->spool);
    gw_rrd_writer_set_delay(w, 3600 * 1000);
    assert_int_equal(gw_rrd_writer_set_journal(w, fx->dir, &err), -EBUSY);
    assert_non_null(strstr(err, "another gwyliwr process"));
    free(err);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    /* Nothing would keep them across a kill: they are written as they come. */
    submit_latencies(w, s, 1, 3);
    assert_true(wait_written(w, 6, 5000));
    assert_latencies(gw_rrd_series_path(s), 1, 3);
    assert_int_equal(journal_lines(fx->dir), 0);
    gw_rrd_writer_free(w);
    gw_rrd_journal_free(other, true);
    gw_rrd_series_unref(s);
}

static void test_rrd_writer_journal_last_runs_kept_until_this_run_journals(void **state)
{
    struct fixture *fx = *state;
    struct gw_rrd_series *s = gw_rrd_series_new(fx->dir, "torfaen", "pay", 10, NULL, 0);
    struct gw_strbuf b = {0};
    line_of(&b, "torfaen/pay", 1);
    char *segment =
        gw_xasprintf("%s/%s0000000004%s", fx->dir, GW_RRD_JOURNAL_PREFIX, GW_RRD_JOURNAL_SUFFIX);
    file_write(segment, b.s);
    gw_strbuf_reset(&b);

    /* The disk is full as the next run starts: what it read stays where it was. */
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_WARNING);
    disk_fill(0, ENOSPC);
    struct replay r = {journaled_writer(fx, 3600 * 1000), s, {0}};
    struct gw_rrd_spool_damage damage;
    assert_int_equal(gw_rrd_writer_recover(r.w, replay_point, &r, &damage), 1);
    gw_rrd_spool_damage_clear(&damage);
    assert_int_equal(gw_rrd_writer_start(r.w), 0);
    for (int waited = 0; atomic_load(&disk.calls) == 0 && waited < 3000; waited += 10)
        sleep_ms(10);
    assert_true(atomic_load(&disk.calls) > 0);
    sleep_ms(50);
    assert_int_equal(access(segment, F_OK), 0);

    /* Written meanwhile (the last run's points do not wait), the point is
     * safe, yet the old segment stays until this run's journal works. */
    assert_true(wait_written(r.w, 2, 5000));
    assert_latencies(gw_rrd_series_path(s), 1, 1);
    assert_int_equal(access(segment, F_OK), 0);

    /* Room again: nothing is waiting, and the old segment goes. */
    disk_free();
    for (int waited = 0; access(segment, F_OK) == 0 && waited < 5000; waited += 10)
        sleep_ms(10);
    assert_int_not_equal(access(segment, F_OK), 0);
    assert_int_equal(journal_lines(fx->dir), 0);
    char *log = log_capture_end(&cap);
    assert_int_equal(count_of(log, "No space left on device"), 1);
    free(log);
    gw_rrd_writer_free(r.w);
    gw_strbuf_reset(&r.seen);
    free(segment);
    gw_rrd_series_unref(s);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_rrd_writer_journal_a_killed_run_loses_nothing),
        T(test_rrd_writer_journal_recovery_merges_spool_and_journal),
        T(test_rrd_writer_journal_replays_a_point_in_the_second_of_the_last_update),
        T(test_rrd_writer_journal_full_disk_then_room),
        T(test_rrd_writer_journal_none_writes_as_results_come),
        T(test_rrd_writer_journal_last_runs_kept_until_this_run_journals),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
