#include <stdlib.h>
#include <string.h>

#include "alert/alert_internal.h"
#include "schedule/scheduler.h"
#include "storage/rrd_writer.h"
#include "util/xalloc.h"

/*
 * The watcher watches itself: every 10 s it compares the RRD writer's
 * counters and the scheduler's lateness with the last look, and each kind
 * of trouble is one monitor problem from when it is seen to when it is
 * gone (alert.c makes an event only of a change).
 */

#define WATCH_EVERY_MS 10000u

struct gw_alert_watch_state {
    struct gw_rrd_writer *writer;
    struct gw_scheduler *scheduler;
    uint64_t last_mono;
    struct gw_rrd_writer_stats last;
    struct gw_histo lateness; /* the scheduler's histogram at the last look */
    bool spool;               /* points of the last run are being written */
};

void gw_alert_watch(struct gw_alert *a, struct gw_rrd_writer *writer,
                    struct gw_scheduler *scheduler)
{
    if (!a || !a->started)
        return;
    struct gw_alert_watch_state *w = a->watch;
    if (!w)
        w = a->watch = gw_xcalloc(1, sizeof(*w));
    w->writer = writer;
    w->scheduler = scheduler;
    w->last_mono = uv_now(a->loop);
    if (writer)
        gw_rrd_writer_stats(writer, &w->last);
    if (scheduler) {
        struct gw_scheduler_stats st;
        gw_scheduler_stats(scheduler, &st);
        w->lateness = st.lateness;
    }
}

void gw_alert_watch_spooled(struct gw_alert *a, size_t points)
{
    if (!a || !a->started || points == 0)
        return;
    if (!a->watch)
        a->watch = gw_xcalloc(1, sizeof(*a->watch));
    a->watch->spool = true;
    gw_alert_monitor(a, "rrd_spool", NULL, true,
                     "%zu measurements could not be written to RRD files before the last stop; "
                     "they were kept and are written now",
                     points);
}

static void watch_writer(struct gw_alert *a, struct gw_alert_watch_state *w)
{
    struct gw_rrd_writer_stats s;
    gw_rrd_writer_stats(w->writer, &s);
    uint64_t errors = s.errors - w->last.errors;
    uint64_t dropped = (s.dropped_overflow - w->last.dropped_overflow);
    if (errors > 0 && s.pending > 0)
        gw_alert_monitor(a, "rrd_write", NULL, true,
                         "RRD files cannot be written: %llu measurements wait in memory",
                         (unsigned long long)s.pending);
    else if (errors == 0 && (s.written > w->last.written || s.pending == 0))
        gw_alert_monitor(a, "rrd_write", NULL, false, "RRD files are written again");
    if (dropped > 0)
        gw_alert_monitor(a, "rrd_dropped", NULL, true,
                         "%llu measurements were dropped: too many waited to be written",
                         (unsigned long long)dropped);
    else
        gw_alert_monitor(a, "rrd_dropped", NULL, false, "no more measurements are dropped");
    /* Not pending == 0: rrd_write_delay holds the newest points back. */
    if (w->spool && s.replaying == 0) {
        w->spool = false;
        gw_alert_monitor(a, "rrd_spool", NULL, false,
                         "the measurements kept at the last stop are written");
    }
    w->last = s;
}

static void watch_lateness(struct gw_alert *a, struct gw_alert_watch_state *w)
{
    struct gw_scheduler_stats st;
    gw_scheduler_stats(w->scheduler, &st);
    /* The window since the last look; the stats line resets the histogram. */
    struct gw_histo *window = gw_xmalloc(sizeof(*window));
    *window = st.lateness;
    if (st.lateness.count >= w->lateness.count) {
        window->count -= w->lateness.count;
        for (size_t i = 0; i < GW_HISTO_BUCKETS; i++)
            window->buckets[i] -= w->lateness.buckets[i];
    }
    w->lateness = st.lateness;
    if (window->count >= 10) {
        uint64_t p99_ms = gw_histo_quantile(window, 0.99) / 1000;
        uint64_t limit = a->config->daemon.lateness_limit_ms;
        if (p99_ms > limit)
            gw_alert_monitor(a, "lateness", NULL, true,
                             "checks start late: p99 %llu ms over the last %u s (lateness_limit "
                             "%llu ms); the machine or the daemon is overloaded",
                             (unsigned long long)p99_ms, WATCH_EVERY_MS / 1000,
                             (unsigned long long)limit);
        else
            gw_alert_monitor(a, "lateness", NULL, false, "checks start on time again");
    }
    free(window);
}

void gw_alert_watch_tick(struct gw_alert *a)
{
    struct gw_alert_watch_state *w = a->watch;
    if (!w || uv_now(a->loop) - w->last_mono < WATCH_EVERY_MS)
        return;
    w->last_mono = uv_now(a->loop);
    if (w->writer)
        watch_writer(a, w);
    if (w->scheduler)
        watch_lateness(a, w);
}

void gw_alert_watch_free(struct gw_alert_watch_state *w)
{
    free(w);
}
