/*
 * The RRD writer's failures: a file that cannot be written is retried after
 * 1 s, doubling to 30 s; a backend that cannot be reached makes every file
 * wait alike, and the points it took lately are checked again when it is
 * back. Transitions are logged, not every failure.
 */
#include <inttypes.h>

#include "storage/rrd_writer_internal.h"
#include "util/clock.h"
#include "util/log.h"

/* A call of the backend worked: if it was unreachable, it is no longer. */
void gw_rrd_failure_backend_ok(struct gw_rrd_writer *w)
{
    if (!w->down)
        return;
    w->down = false;
    w->down_backoff_ms = 0;
    gw_log_notice("rrd: %s is reachable again after %" PRIu64 " s; writing the points kept "
                  "meanwhile",
                  w->backend->description, (gw_clock_mono_ms() - w->down_since_ms) / 1000);
}

/* The backend went away: the points it took lately may be lost with it, so
 * they go back to the front of their queues (and into the journal), to be
 * compared with the file when it is reachable again and written if the file
 * lacks them. */
static void recheck_taken(struct gw_rrd_writer *w, uint64_t now_ms)
{
    for (size_t i = 0; i < w->n_files; i++) {
        struct rrd_file *f = w->files[i];
        if (!f->taken.head)
            continue;
        size_t n = 0;
        for (struct point *p = f->taken.head; p; p = p->next, n++) {
            p->attempted = true;
            gw_rrd_writer_journal_add(w, p);
        }
        f->taken.tail->next = f->queue.head;
        if (!f->queue.head)
            f->queue.tail = f->taken.tail;
        f->queue.head = f->taken.head;
        f->taken.head = f->taken.tail = NULL;
        f->n_taken = 0;
        atomic_fetch_add(&w->pending, n);
        f->known = false;
        gw_rrd_writer_thread_busy(w, f, now_ms);
    }
    gw_rrd_writer_journal_commit(w);
}

static void backend_down(struct gw_rrd_writer *w, uint64_t now_ms, const char *err)
{
    w->down_backoff_ms = backoff_next(w->down ? w->down_backoff_ms : 0);
    w->down_retry_ms = now_ms + w->down_backoff_ms;
    if (!w->down) {
        w->down = true;
        w->down_since_ms = now_ms;
        recheck_taken(w, now_ms);
        gw_log_warning("rrd: %s; keeping points in memory and retrying", err);
        return;
    }
    gw_log_debug("rrd: %s; next attempt in %" PRIu64 " ms", err, w->down_backoff_ms);
}

void gw_rrd_failure_of_file(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t now_ms, int rc,
                            const char *err)
{
    if (rc == -ECANCELED) {
        /* Hurried: no more attempts; what is queued goes to the spool. */
        w->down = true;
        return;
    }
    atomic_fetch_add(&w->errors, 1);
    if (rc == -ENOTCONN) {
        backend_down(w, now_ms, err);
        return;
    }
    /* The directory or the file may be replaced before the next attempt. */
    f->known = false;
    f->backoff_ms = backoff_next(f->backoff_ms);
    f->retry_mono_ms = now_ms + f->backoff_ms;
    if (!f->failing) {
        f->failing = true;
        if (w->n_failing++ == 0) {
            w->failing_since_ms = now_ms;
            gw_log_warning("rrd: cannot write %s: %s; keeping its points in memory and "
                           "retrying",
                           f->path, err);
            return;
        }
    }
    gw_log_debug("rrd: cannot write %s: %s; next attempt in %" PRIu64 " ms", f->path, err,
                 f->backoff_ms);
}

void gw_rrd_failure_file_ok(struct gw_rrd_writer *w, struct rrd_file *f)
{
    f->failing = false;
    f->backoff_ms = 0;
    if (--w->n_failing == 0)
        gw_log_notice("rrd: writing works again after %" PRIu64 " s (last to recover: %s)",
                      (gw_clock_mono_ms() - w->failing_since_ms) / 1000, f->path);
}