/*
 * The RRD writer, the caller's side: points submitted, flushes asked for and
 * waited on, the thread started and stopped (rrd_writer.h says what each
 * does; rrd_writer_internal.h where the rest is).
 */
#include "storage/rrd_writer.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "storage/rrd_writer_internal.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

struct gw_rrd_writer *gw_rrd_writer_new(size_t max_pending)
{
    struct gw_rrd_writer *w = gw_xcalloc(1, sizeof(*w));
    w->max_pending = max_pending ? max_pending : GW_RRD_WRITER_MAX_PENDING;
    if (uv_mutex_init(&w->lock) != 0 || uv_mutex_init(&w->work_lock) != 0 ||
        uv_cond_init(&w->wake) != 0 || uv_cond_init(&w->synced) != 0 ||
        uv_cond_init(&w->call_done) != 0) {
        fprintf(stderr, "gwyliwr: cannot initialise the RRD writer's lock\n");
        abort();
    }
    atomic_init(&w->written, 0);
    atomic_init(&w->pending, 0);
    atomic_init(&w->updates, 0);
    atomic_init(&w->errors, 0);
    atomic_init(&w->dropped_stale, 0);
    atomic_init(&w->dropped_overflow, 0);
    atomic_init(&w->spooled, 0);
    atomic_init(&w->replaying, 0);
    atomic_init(&w->overflow_logged, false);
    atomic_init(&w->hurry, false);
    w->file_index = gw_strmap_new();
    w->backend = gw_rrd_direct_new();
    return w;
}

/* Wakes the writer thread after a change made under the lock. */
static void poke(struct gw_rrd_writer *w)
{
    uv_cond_signal(&w->wake);
}

void gw_rrd_writer_set_backend(struct gw_rrd_writer *w, struct gw_rrd_backend *backend)
{
    if (!w->started) {
        /* No thread yet: nothing was written through the old one. */
        gw_rrd_backend_free(w->backend);
        w->backend = backend;
        return;
    }
    uv_mutex_lock(&w->lock);
    struct gw_rrd_backend *unused = w->next_backend;
    w->next_backend = backend;
    uv_mutex_unlock(&w->lock);
    /* Never used, so never connected: freeing it touches no connection. */
    gw_rrd_backend_free(unused);
    poke(w);
}

void gw_rrd_writer_set_spool(struct gw_rrd_writer *w, const char *path)
{
    free(w->spool_path);
    w->spool_path = path ? gw_xstrdup(path) : NULL;
}

void gw_rrd_writer_set_delay(struct gw_rrd_writer *w, uint64_t delay_ms)
{
    uv_mutex_lock(&w->lock);
    w->delay_ms = delay_ms;
    uv_mutex_unlock(&w->lock);
    poke(w); /* queued points may be due sooner now */
}

void gw_rrd_writer_flush(struct gw_rrd_writer *w)
{
    uv_mutex_lock(&w->lock);
    w->flush_all = true;
    uv_mutex_unlock(&w->lock);
    poke(w);
}

int gw_rrd_writer_sync(struct gw_rrd_writer *w, const char *subject, uint64_t timeout_ms)
{
    uint64_t deadline = gw_clock_mono_ms() + timeout_ms;
    int rc = 0;
    uv_mutex_lock(&w->lock);
    if (!w->started || w->stopping) {
        uv_mutex_unlock(&w->lock);
        return 0;
    }
    uint64_t mine = ++w->flush_asked;
    /* The writer copies the subjects it serves, so this one may leave early. */
    struct sync_request request = {w->sync_requests, subject};
    if (subject)
        w->sync_requests = &request;
    else
        w->flush_all = true;
    uv_cond_signal(&w->wake);
    while (w->flush_served < mine) {
        uint64_t now = gw_clock_mono_ms();
        if (now >= deadline ||
            uv_cond_timedwait(&w->synced, &w->lock, (deadline - now) * 1000000u) == UV_ETIMEDOUT) {
            rc = w->flush_served < mine ? -ETIMEDOUT : 0;
            break;
        }
    }
    if (subject) {
        struct sync_request **at = &w->sync_requests;
        while (*at && *at != &request)
            at = &(*at)->next;
        if (*at)
            *at = request.next;
    }
    uv_mutex_unlock(&w->lock);
    return rc;
}

int gw_rrd_writer_start(struct gw_rrd_writer *w)
{
    if (w->started)
        return -EALREADY;
    int rc = uv_thread_create(&w->thread, gw_rrd_writer_thread_main, w);
    if (rc != 0)
        return rc;
    w->started = true;
    return 0;
}

void gw_rrd_writer_submit(struct gw_rrd_writer *w, struct gw_rrd_series *s, double time_s,
                          const double *values)
{
    size_t n_files = gw_rrd_series_file_count(s);
    if (!isfinite(time_s) || time_s <= 0 || time_s >= (double)(INT64_MAX / 1000)) {
        atomic_fetch_add(&w->dropped_stale, n_files);
        return;
    }
    int64_t time_ms = llround(time_s * 1000);
    uint64_t now_ms = gw_clock_mono_ms();
    struct point_list points = {NULL, NULL};
    for (size_t f = 0; f < n_files; f++) {
        size_t n = gw_rrd_series_file_ds_count(s, f);
        struct point *p = gw_xmalloc(sizeof(*p) + n * sizeof(double));
        p->series = gw_rrd_series_ref(s);
        p->file = f;
        p->attempted = false;
        p->counted = false;
        p->seg = NULL;
        p->taken_mono_ms = 0;
        p->queued_mono_ms = now_ms;
        p->time_ms = time_ms;
        for (size_t k = 0; k < n; k++)
            p->values[k] = values[gw_rrd_series_file_ds(s, f, k)];
        point_list_append(&points, p);
    }

    bool queued = false, wake = false, overflow = false;
    uv_mutex_lock(&w->lock);
    if (!w->stopping && atomic_load(&w->pending) + n_files <= (uint_fast64_t)w->max_pending) {
        for (struct point *p = points.head; p; p = p->next)
            p->replayed = w->recovering;
        if (w->recovering)
            atomic_fetch_add(&w->replaying, n_files);
        /* The writer drains the whole inbox each time: it needs waking only
         * when it may have found the inbox empty, and not before its own
         * deadline if that comes before these points are due: to be
         * written, or to be journaled (it sleeps at most JOURNAL_EVERY_MS
         * after a pass that took points). */
        uint64_t due_ms = w->delay_ms;
        if (w->journaling && due_ms > JOURNAL_EVERY_MS)
            due_ms = JOURNAL_EVERY_MS;
        wake = !w->inbox.head && now_ms + due_ms < w->asleep_until_ms;
        if (w->inbox.tail)
            w->inbox.tail->next = points.head;
        else
            w->inbox.head = points.head;
        w->inbox.tail = points.tail;
        atomic_fetch_add(&w->pending, n_files);
        queued = true;
    } else {
        overflow = !w->stopping;
    }
    uv_mutex_unlock(&w->lock);

    if (wake)
        poke(w);
    if (queued)
        return;
    struct point *p;
    while ((p = point_list_pop(&points)))
        point_free(p);
    atomic_fetch_add(&w->dropped_overflow, n_files);
    if (overflow && !atomic_exchange(&w->overflow_logged, true))
        gw_log_warning("rrd: %zu points are waiting to be written; new points are dropped "
                       "until writes catch up",
                       w->max_pending);
}

int gw_rrd_writer_stop_async(struct gw_rrd_writer *w, gw_rrd_writer_done_cb done_cb, void *data)
{
    if (!w->started || w->joined)
        return -EINVAL;
    uv_mutex_lock(&w->lock);
    bool already = w->stopping;
    if (!already) {
        w->done_cb = done_cb;
        w->done_data = data;
        w->stopping = true;
    }
    uv_mutex_unlock(&w->lock);
    if (already)
        return -EALREADY;
    poke(w);
    return 0;
}

void gw_rrd_writer_hurry(struct gw_rrd_writer *w)
{
    if (!w->started || w->joined || atomic_exchange(&w->hurry, true))
        return;
    uv_mutex_lock(&w->lock);
    w->stopping = true;
    uv_mutex_unlock(&w->lock);
    poke(w);
    /* Without a rescuer the writer thread still spools what is left once
     * the call it is in returns. */
    w->rescuer_started = uv_thread_create(&w->rescuer, gw_rrd_writer_stop_rescue_main, w) == 0;
}

void gw_rrd_writer_stop(struct gw_rrd_writer *w)
{
    if (!w->started || w->joined)
        return;
    uv_mutex_lock(&w->lock);
    w->stopping = true;
    uv_mutex_unlock(&w->lock);
    poke(w);
    uv_thread_join(&w->thread);
    w->joined = true;
}

/* Frees everything; the writer thread has ended or is this one. */
void gw_rrd_writer_release(struct gw_rrd_writer *w)
{
    /* What is left is not written: the journal keeps it for the next start. */
    gw_rrd_writer_journal_close(w, false);
    /* Points a rescuer kept in the spool were counted then. */
    atomic_uint_fast64_t *lost = w->taken_over ? NULL : &w->dropped_overflow;
    struct point *p;
    while ((p = point_list_pop(&w->rescued)))
        point_free(p);
    while ((p = point_list_pop(&w->inbox)))
        point_done(w, p, &w->dropped_overflow);
    for (size_t i = 0; i < w->n_files; i++) {
        while ((p = point_list_pop(&w->files[i]->queue))) {
            if (w->taken_over)
                point_free(p);
            else
                point_done(w, p, lost);
        }
        gw_rrd_file_free(w->files[i]);
    }
    free(w->files);
    free(w->busy);
    for (size_t i = 0; i < w->n_subjects; i++)
        free(w->subjects[i]);
    free(w->subjects);
    gw_strmap_free(w->file_index);
    free(w->spool_path);
    gw_rrd_backend_free(w->next_backend);
    gw_rrd_backend_free(w->backend);
    uv_cond_destroy(&w->wake);
    uv_cond_destroy(&w->synced);
    uv_cond_destroy(&w->call_done);
    uv_mutex_destroy(&w->work_lock);
    uv_mutex_destroy(&w->lock);
    free(w);
}

void gw_rrd_writer_free(struct gw_rrd_writer *w)
{
    if (!w)
        return;
    if (w->rescuer_started) {
        uv_thread_join(&w->rescuer);
        w->rescuer_started = false;
    }
    if (atomic_load(&w->hurry) && !w->joined) {
        /* A thread stuck in a call of the backend is not waited for: it
         * frees the writer itself if the call ever returns. */
        uv_thread_t thread = w->thread;
        uv_mutex_lock(&w->work_lock);
        bool orphaned = w->orphaned = !w->finished;
        uv_mutex_unlock(&w->work_lock);
        if (orphaned) {
            pthread_detach(thread);
            return;
        }
    }
    gw_rrd_writer_stop(w);
    gw_rrd_writer_release(w);
}

void gw_rrd_writer_stats(const struct gw_rrd_writer *w, struct gw_rrd_writer_stats *out)
{
    struct gw_rrd_writer *mw = (struct gw_rrd_writer *)w;
    out->written = atomic_load(&mw->written);
    out->pending = atomic_load(&mw->pending);
    out->updates = atomic_load(&mw->updates);
    out->errors = atomic_load(&mw->errors);
    out->dropped_stale = atomic_load(&mw->dropped_stale);
    out->dropped_overflow = atomic_load(&mw->dropped_overflow);
    out->spooled = atomic_load(&mw->spooled);
    out->replaying = atomic_load(&mw->replaying);
}
