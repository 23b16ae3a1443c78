/*
 * The RRD writer's end: the last attempt at every queued point, the spool for
 * what still cannot be written, and a rescuer that keeps the queues in the
 * spool when the writer thread is stuck in a call that does not return.
 */
#include <inttypes.h>

#include "storage/rrd_spool.h"
#include "storage/rrd_writer_internal.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

/* The last attempt at every queued point, then rrdcached's writes to disk. */
void gw_rrd_writer_stop_last_pass(struct gw_rrd_writer *w)
{
    w->final_pass = true;
    w->down = false; /* one more try, whatever the backoff */
    uint64_t now_ms = gw_clock_mono_ms();
    for (size_t i = 0; i < w->n_busy && !w->down; i++)
        gw_rrd_writer_thread_flush_file(w, w->busy[i], now_ms);
    if (!w->down)
        gw_rrd_writer_thread_sync_files(w, true);
}

/* Writes every point still queued, and those of `also`, to the spool. 0 or -1. */
static int spool_queued(struct gw_rrd_writer *w, const struct point_list *also)
{
    char *err = NULL;
    struct gw_rrd_spool *spool = gw_rrd_spool_open(w->spool_path, &err);
    if (!spool) {
        gw_log_error("rrd: cannot keep the points that could not be written: %s", err);
        free(err);
        return -1;
    }
    for (size_t i = 0; i <= w->n_files; i++) {
        const struct point_list *list = i < w->n_files ? &w->files[i]->queue : also;
        for (const struct point *p = list ? list->head : NULL; p; p = p->next) {
            size_t n = gw_rrd_series_file_ds_count(p->series, p->file);
            const char **names = gw_xcalloc(n ? n : 1, sizeof(*names));
            point_names(p, names);
            gw_rrd_spool_put(spool, gw_rrd_series_id(p->series), p->time_ms, n, names, p->values);
            free(names);
        }
    }
    if (gw_rrd_spool_close(spool, &err) < 0) {
        gw_log_error("rrd: cannot keep the points that could not be written: %s", err);
        free(err);
        return -1;
    }
    return 0;
}

/*
 * Keeps every point still queued, and those of `also`, in the spool, or
 * counts them lost when there is none or it cannot be written (the journal,
 * kept then, still holds those it took). The points stay where they are,
 * accounted for: whoever frees them counts nothing. Ends the journal.
 */
static void keep_queued(struct gw_rrd_writer *w, struct point_list *also)
{
    uint64_t n = 0, journaled = 0;
    for (size_t i = 0; i <= w->n_files; i++) {
        const struct point_list *list = i < w->n_files ? &w->files[i]->queue : also;
        for (const struct point *p = list ? list->head : NULL; p; p = p->next) {
            n++;
            journaled += p->seg != NULL;
        }
    }
    bool kept = n == 0 || (w->spool_path && spool_queued(w, also) == 0);
    gw_rrd_writer_journal_close(w, kept);
    if (n == 0)
        return;
    for (size_t i = 0; i <= w->n_files; i++) {
        const struct point_list *list = i < w->n_files ? &w->files[i]->queue : also;
        for (struct point *p = list ? list->head : NULL; p; p = p->next)
            point_account(w, p, kept ? &w->spooled : &w->dropped_overflow);
    }
    if (kept)
        gw_log_warning("rrd: stopping with %" PRIu64 " points that could not be written; "
                       "kept in %s for the next start",
                       n, w->spool_path);
    else if (journaled > 0)
        gw_log_warning("rrd: stopping with %" PRIu64 " points that could not be written nor "
                       "kept in the spool; the journal keeps %" PRIu64 " of them for the next "
                       "start",
                       n, journaled);
    else
        gw_log_warning("rrd: stopping with %" PRIu64 " points that could not be written; "
                       "they are lost",
                       n);
}

/* The writer thread's end: what is still queued goes to the spool. */
void gw_rrd_writer_stop_abandon(struct gw_rrd_writer *w)
{
    keep_queued(w, NULL);
    for (size_t i = 0; i < w->n_files; i++) {
        struct point *p;
        while ((p = point_list_pop(&w->files[i]->queue)))
            point_free(p);
        w->files[i]->busy = false;
    }
    w->n_busy = 0;
}

/*
 * Started by gw_rrd_writer_hurry. A hurried writer thread makes no new call
 * of the backend, so it finishes on its own unless a call it was in does not
 * return: after RESCUE_GRACE_MS this thread keeps the queues in the spool in
 * its place.
 */
void gw_rrd_writer_stop_rescue_main(void *arg)
{
    struct gw_rrd_writer *w = arg;
    uint64_t deadline_ms = gw_clock_mono_ms() + RESCUE_GRACE_MS;
    bool rescue = false;
    uv_mutex_lock(&w->work_lock);
    while (!w->finished && !rescue) {
        uint64_t now_ms = gw_clock_mono_ms();
        if (!w->in_call)
            uv_cond_wait(&w->call_done, &w->work_lock);
        else if (now_ms < deadline_ms)
            uv_cond_timedwait(&w->call_done, &w->work_lock, (deadline_ms - now_ms) * 1000000u);
        else
            rescue = true;
    }
    if (rescue) {
        w->taken_over = true;
        uv_mutex_lock(&w->lock);
        w->rescued = w->inbox;
        w->inbox.head = w->inbox.tail = NULL;
        w->flush_served = UINT64_MAX; /* nothing is written after this: nobody waits */
        uv_cond_broadcast(&w->synced);
        uv_mutex_unlock(&w->lock);
        gw_log_warning("rrd: writing %s has not finished after %u ms; not waiting for it",
                       w->in_call, RESCUE_GRACE_MS);
        keep_queued(w, &w->rescued);
    }
    uv_mutex_unlock(&w->work_lock);
    if (rescue && w->done_cb)
        w->done_cb(w->done_data);
}
