/*
 * The RRD writer's thread: it takes the submitted points into their files'
 * queues, and writes the files whose oldest point has waited the delay (or
 * every one, when asked), sleeping until the next is due.
 */
#include <inttypes.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "storage/rrd_writer_internal.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Writes the file's queued points, oldest first, until one fails. */
void gw_rrd_writer_thread_flush_file(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t now_ms)
{
    char *err = NULL;
    int rc = atomic_load(&w->hurry) ? -ECANCELED : 0;
    if (rc == 0 && !f->known)
        rc = gw_rrd_file_open(w, f, f->queue.head, &err);
    struct point *p;
    while (rc == 0 && (p = f->queue.head)) {
        if (p->time_ms <= f->last_ms) {
            if (p->replayed) {
                point_done(w, point_list_pop(&f->queue), NULL); /* written before */
                continue;
            }
            if (!p->attempted)
                gw_log_debug("rrd: %s: dropped a point at %" PRId64 " ms, not after the last "
                             "update at %" PRId64 " ms",
                             f->path, p->time_ms, f->last_ms);
            point_done(w, point_list_pop(&f->queue),
                       p->attempted ? &w->written : &w->dropped_stale);
            continue;
        }
        rc = gw_rrd_file_map(w, f, p, &err);
        if (rc == 0)
            rc = gw_rrd_file_write(w, f, &err);
    }
    if (rc < 0) {
        gw_rrd_failure_of_file(w, f, now_ms, rc, err ? err : "unknown error");
        free(err);
        return;
    }
    if (f->failing)
        gw_rrd_failure_file_ok(w, f);
}

/* Puts a file with queued points on the list the writer goes through. */
void gw_rrd_writer_thread_busy(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t due_ms)
{
    if (f->busy)
        return;
    f->busy = true;
    f->due_mono_ms = due_ms;
    if (due_ms < w->next_ready_ms)
        w->next_ready_ms = due_ms; /* its backoff may make it later, never earlier */
    if (w->n_busy == w->busy_cap) {
        w->busy_cap = w->busy_cap ? 2 * w->busy_cap : 64;
        w->busy = gw_xreallocarray(w->busy, w->busy_cap, sizeof(*w->busy));
    }
    w->busy[w->n_busy++] = f;
}

/* When a point is due to be written: after the delay, or at once if the last run left it. */
static uint64_t point_due(const struct point *p, uint64_t delay_ms)
{
    return p->replayed ? p->queued_mono_ms : p->queued_mono_ms + delay_ms;
}

static void route(struct gw_rrd_writer *w, struct point *p, uint64_t delay_ms)
{
    while (p) {
        uint64_t due_ms = point_due(p, delay_ms);
        struct point *next = p->next;
        struct rrd_file *f = gw_rrd_file_get(w, gw_rrd_series_file_path(p->series, p->file),
                                             gw_rrd_series_file_name(p->series, p->file));
        point_list_append(&f->queue, p);
        gw_rrd_writer_thread_busy(w, f, due_ms);
        p = next;
    }
}

/* The delay held changed: what waits is due by the new one. */
static void redate(struct gw_rrd_writer *w, uint64_t delay_ms)
{
    for (size_t i = 0; i < w->n_busy; i++) {
        struct rrd_file *f = w->busy[i];
        if (f->queue.head)
            f->due_mono_ms = point_due(f->queue.head, delay_ms);
    }
    w->routed_delay_ms = delay_ms;
    w->next_ready_ms = 0;
}

/* Under lock: takes the subjects of the syncs waiting now, for this pass. */
static void take_subjects(struct gw_rrd_writer *w)
{
    for (size_t i = 0; i < w->n_subjects; i++)
        free(w->subjects[i]);
    w->n_subjects = 0;
    for (const struct sync_request *r = w->sync_requests; r; r = r->next) {
        if (w->n_subjects == w->subjects_cap) {
            w->subjects_cap = w->subjects_cap ? 2 * w->subjects_cap : 4;
            w->subjects = gw_xreallocarray(w->subjects, w->subjects_cap, sizeof(*w->subjects));
        }
        w->subjects[w->n_subjects++] = gw_xstrdup(r->subject);
    }
}

/* True when a sync of this pass asks for the file: of a subject's target, or its council's. */
static bool asked_for(const struct gw_rrd_writer *w, const struct rrd_file *f)
{
    if (w->n_subjects == 0 || !f->queue.head)
        return false;
    const char *id = gw_rrd_series_id(f->queue.head->series);
    for (size_t i = 0; i < w->n_subjects; i++) {
        size_t len = strlen(w->subjects[i]);
        if (strncmp(id, w->subjects[i], len) == 0 && (id[len] == '\0' || id[len] == '/'))
            return true;
    }
    return false;
}

/* When the file may next be written: its delay, its backoff, the backend's. */
static uint64_t ready_at(const struct gw_rrd_writer *w, const struct rrd_file *f, bool undelayed)
{
    uint64_t t = undelayed ? 0 : f->due_mono_ms;
    if (f->failing && f->retry_mono_ms > t)
        t = f->retry_mono_ms;
    if (w->down && w->down_retry_ms > t)
        t = w->down_retry_ms;
    return t;
}

/*
 * Writes every busy file that is ready (`all`: whatever its delay). Returns
 * the milliseconds until the next one is, or NO_DEADLINE.
 */
static uint64_t flush_due(struct gw_rrd_writer *w, bool all)
{
    uint64_t now_ms = gw_clock_mono_ms();
    uint64_t wait_ms = NO_DEADLINE;
    size_t keep = 0;
    for (size_t i = 0; i < w->n_busy; i++) {
        struct rrd_file *f = w->busy[i];
        if (ready_at(w, f, all || asked_for(w, f)) <= now_ms) {
            gw_rrd_writer_thread_flush_file(w, f, now_ms);
            now_ms = gw_clock_mono_ms();
        }
        if (!f->queue.head) {
            f->busy = false;
            continue;
        }
        w->busy[keep++] = f;
        uint64_t at = ready_at(w, f, all);
        uint64_t due = at > now_ms ? at - now_ms : 0;
        if (due < wait_ms)
            wait_ms = due;
    }
    w->n_busy = keep;
    if (atomic_load(&w->overflow_logged) &&
        atomic_load(&w->pending) <= (uint_fast64_t)w->max_pending / 2) {
        atomic_store(&w->overflow_logged, false);
        gw_log_notice("rrd: the write queue has room again");
    }
    return wait_ms;
}

/* Has the backend put on disk what it holds of the files that need it. */
void gw_rrd_writer_thread_sync_files(struct gw_rrd_writer *w, bool final_only)
{
    if (!w->backend->ops->sync)
        return;
    size_t failed = 0;
    char *first_err = NULL;
    for (size_t i = 0; i < w->n_files; i++) {
        struct rrd_file *f = w->files[i];
        if (!f->unsynced || (final_only && !f->final_writes))
            continue;
        char *err = NULL;
        int rc = backend_enter(w, f->path);
        if (rc == 0) {
            rc = w->backend->ops->sync(w->backend, f->path, f->name, &err);
            rc = backend_leave(w, rc, &err);
        }
        if (rc == -ECANCELED)
            break;
        if (rc == 0) {
            f->unsynced = false;
            gw_rrd_file_forget_taken(f);
        } else {
            atomic_fetch_add(&w->errors, 1);
            failed++;
            if (!first_err)
                first_err = err;
            else
                free(err);
            if (rc == -ENOTCONN)
                break;
        }
    }
    if (failed)
        gw_log_warning("rrd: %s did not confirm writing %zu files to disk: %s",
                       w->backend->description, failed, first_err);
    free(first_err);
}

static void switch_backend(struct gw_rrd_writer *w, struct gw_rrd_backend *next)
{
    /* What the old backend holds in memory must reach the files before the
     * new one writes after it. */
    gw_rrd_writer_thread_sync_files(w, false);
    gw_rrd_backend_free(w->backend);
    w->backend = next;
    for (size_t i = 0; i < w->n_files; i++) {
        struct rrd_file *f = w->files[i];
        gw_rrd_file_forget_taken(f);
        gw_rrd_file_forget_ds(f);
        f->known = false;
        f->failing = false;
        f->backoff_ms = 0;
        f->unsynced = false;
        f->extend_refused = false;
    }
    w->n_failing = 0;
    w->down = false;
    gw_log_info("rrd: writing through %s", next->description);
}

void gw_rrd_writer_thread_main(void *arg)
{
    struct gw_rrd_writer *w = arg;
    /* A broken rrdcached connection must fail the write, not kill the process. */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    /* Timestamps and values are written with '.' whatever the daemon's locale. */
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t previous = c_locale ? uselocale(c_locale) : (locale_t)0;

    uv_mutex_lock(&w->work_lock);
    uv_mutex_lock(&w->lock);
    for (;;) {
        struct point *in = w->inbox.head;
        w->inbox.head = w->inbox.tail = NULL;
        bool stopping = w->stopping;
        bool all = w->flush_all;
        w->flush_all = false;
        uint64_t serving = w->flush_asked;
        take_subjects(w);
        struct gw_rrd_backend *next = w->next_backend;
        w->next_backend = NULL;
        uint64_t delay_ms = w->delay_ms;
        uv_mutex_unlock(&w->lock);

        /* The points taken from the inbox are queued and journaled before
         * any call of the backend: a rescuer (gw_rrd_writer_hurry) finds
         * every one, and a daemon killed from now on loses none. */
        for (struct point *p = in; p; p = p->next)
            gw_rrd_writer_journal_add(w, p);
        if (holding_ms(w, delay_ms) != w->routed_delay_ms)
            redate(w, holding_ms(w, delay_ms));
        route(w, in, w->routed_delay_ms);
        gw_rrd_writer_journal_commit(w);
        gw_rrd_writer_journal_compact(w);
        /* The journal failed, or works again: what waits is due accordingly. */
        if (holding_ms(w, delay_ms) != w->routed_delay_ms)
            redate(w, holding_ms(w, delay_ms));
        if (next)
            switch_backend(w, next);
        uint64_t wait_ms = 0;
        if (!stopping) {
            uint64_t now_ms = gw_clock_mono_ms();
            if (all || next || w->n_subjects || now_ms >= w->next_ready_ms) {
                wait_ms = flush_due(w, all);
                w->next_ready_ms =
                    wait_ms == NO_DEADLINE ? NO_DEADLINE : gw_clock_mono_ms() + wait_ms;
            } else {
                wait_ms = w->next_ready_ms - now_ms;
            }
            uint64_t retry_ms = gw_rrd_writer_journal_retry_in(w, gw_clock_mono_ms());
            if (retry_ms < wait_ms)
                wait_ms = retry_ms;
            /* Results keep coming: the next ones are journaled in one pass too. */
            if (in && w->journaling && wait_ms > JOURNAL_EVERY_MS)
                wait_ms = JOURNAL_EVERY_MS;
        }

        uv_mutex_lock(&w->lock);
        /* Forward only: a rescuer may have released every waiter meanwhile. */
        if (serving > w->flush_served) {
            w->flush_served = serving;
            uv_cond_broadcast(&w->synced);
        }
        if (stopping)
            break;
        if (w->inbox.head || w->stopping || w->flush_all || w->next_backend || wait_ms == 0)
            continue;
        w->asleep_until_ms = wait_ms == NO_DEADLINE ? NO_DEADLINE : gw_clock_mono_ms() + wait_ms;
        if (wait_ms == NO_DEADLINE)
            uv_cond_wait(&w->wake, &w->lock);
        else
            uv_cond_timedwait(&w->wake, &w->lock, wait_ms * 1000000u);
        w->asleep_until_ms = 0;
    }
    uv_mutex_unlock(&w->lock);
    gw_rrd_writer_stop_last_pass(w);
    bool mine = !w->taken_over;
    if (mine)
        gw_rrd_writer_stop_abandon(w);
    uv_mutex_lock(&w->lock);
    w->flush_served = UINT64_MAX; /* nothing is written after this: nobody waits */
    uv_cond_broadcast(&w->synced);
    uv_mutex_unlock(&w->lock);
    w->finished = true;
    uv_cond_broadcast(&w->call_done);
    bool orphaned = w->orphaned;
    uv_mutex_unlock(&w->work_lock);

    if (c_locale) {
        uselocale(previous);
        freelocale(c_locale);
    }
    if (mine && w->done_cb)
        w->done_cb(w->done_data);
    if (orphaned)
        gw_rrd_writer_release(w);
}
