/*
 * The RRD writer's journal (rrd_journal.h): the points the writer thread
 * takes in are appended to it before anything else is done with them, in
 * one write per pass, and released from it as they leave the writer's
 * memory; and what the last run left, in its journal and in the spool, is
 * read back and submitted again at the next start.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "storage/rrd_spool.h"
#include "storage/rrd_writer_internal.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Data sources of a file at most, for the names of a point's values on the stack. */
#define NAMES_MAX 256

static void batch_add(struct gw_rrd_writer *w, struct point *p)
{
    const char *stack[NAMES_MAX];
    size_t n = gw_rrd_series_file_ds_count(p->series, p->file);
    const char **names = n <= NAMES_MAX ? stack : gw_xcalloc(n, sizeof(*names));
    point_names(p, names);
    gw_rrd_spool_format(&w->journal_text, gw_rrd_series_id(p->series), p->time_ms, n, names,
                        p->values);
    if (names != stack)
        free(names);
    if (w->n_journal_batch == w->journal_batch_cap) {
        w->journal_batch_cap = w->journal_batch_cap ? 2 * w->journal_batch_cap : 256;
        w->journal_batch =
            gw_xreallocarray(w->journal_batch, w->journal_batch_cap, sizeof(*w->journal_batch));
    }
    w->journal_batch[w->n_journal_batch++] = p;
}

void gw_rrd_writer_journal_add(struct gw_rrd_writer *w, struct point *p)
{
    /* While the journal fails, its retry journals every point it lacks. */
    if (w->journal && !w->journal_failing)
        batch_add(w, p);
}

/* Removes the files the last run's points were read from: they are in this run's journal. */
static void retire_recovered(struct gw_rrd_writer *w)
{
    if (w->journal)
        gw_rrd_journal_retire_old(w->journal);
    if (w->recovered_spool && unlink(w->spool_path) != 0 && errno != ENOENT)
        gw_log_warning("cannot remove %s: %s", w->spool_path, strerror(errno));
    w->recovered = false;
    w->recovered_spool = false;
}

static void batch_clear(struct gw_rrd_writer *w)
{
    gw_strbuf_reset(&w->journal_text);
    w->n_journal_batch = 0;
}

/* Every queued point that no segment holds: those the journal lost while it failed. */
static size_t add_unjournaled(struct gw_rrd_writer *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->n_files; i++)
        for (struct point *p = w->files[i]->queue.head; p; p = p->next)
            if (!p->seg) {
                batch_add(w, p);
                n++;
            }
    return n;
}

void gw_rrd_writer_journal_commit(struct gw_rrd_writer *w)
{
    if (!w->journal)
        return;
    uint64_t now_ms = gw_clock_mono_ms();
    bool retrying = w->journal_failing;
    if (retrying) {
        if (now_ms < w->journal_retry_ms)
            return;
        add_unjournaled(w); /* nothing else was added meanwhile */
    }
    if (w->n_journal_batch == 0 && !retrying)
        return;
    struct gw_rrd_journal_seg *seg = NULL;
    char *err = NULL;
    int rc = w->n_journal_batch == 0
                 ? 0
                 : gw_rrd_journal_append(w->journal, w->journal_text.s, w->journal_text.len,
                                         w->n_journal_batch, now_ms, &seg, &err);
    if (rc == 0) {
        for (size_t i = 0; i < w->n_journal_batch; i++) {
            struct point *p = w->journal_batch[i];
            point_unjournal(w, p);
            p->seg = seg;
        }
        if (retrying) {
            w->journal_failing = false;
            w->journal_backoff_ms = 0;
            gw_log_notice("rrd: the journal is written again; results wait for "
                          "rrd_write_delay again (the %zu points waiting are in it)",
                          w->n_journal_batch);
        }
        /* Every queued point is in a segment now, the last run's among them. */
        if (w->recovered)
            retire_recovered(w);
    } else {
        w->journal_backoff_ms = backoff_next(retrying ? w->journal_backoff_ms : 0);
        w->journal_retry_ms = now_ms + w->journal_backoff_ms;
        if (!retrying) {
            w->journal_failing = true;
            gw_log_warning("rrd: %s; results are written as they come, not after "
                           "rrd_write_delay, until the journal can be written again; retrying",
                           err);
        } else {
            gw_log_debug("rrd: %s; next attempt in %" PRIu64 " ms", err, w->journal_backoff_ms);
        }
    }
    free(err);
    batch_clear(w);
}

uint64_t gw_rrd_writer_journal_retry_in(const struct gw_rrd_writer *w, uint64_t now_ms)
{
    if (!w->journal || !w->journal_failing)
        return NO_DEADLINE;
    return w->journal_retry_ms > now_ms ? w->journal_retry_ms - now_ms : 0;
}

void gw_rrd_writer_journal_compact(struct gw_rrd_writer *w)
{
    if (!w->journal || !gw_rrd_journal_wants_compaction(w->journal))
        return;
    size_t n = 0;
    for (size_t i = 0; i < w->n_files; i++)
        for (struct point *p = w->files[i]->queue.head; p; p = p->next)
            if (gw_rrd_journal_sealed(w->journal, p->seg)) {
                gw_rrd_writer_journal_add(w, p);
                n++;
            }
    gw_log_debug("rrd: %zu points kept old journal segments; appended again", n);
    gw_rrd_writer_journal_commit(w);
}

void gw_rrd_writer_journal_close(struct gw_rrd_writer *w, bool kept)
{
    if (!w->journal)
        return;
    /* Kept in the spool, the last run's points are safe too. */
    if (kept && w->recovered)
        gw_rrd_journal_retire_old(w->journal);
    gw_rrd_journal_free(w->journal, kept);
    w->journal = NULL;
    gw_strbuf_reset(&w->journal_text);
    free(w->journal_batch);
    w->journal_batch = NULL;
    w->n_journal_batch = w->journal_batch_cap = 0;
}

/* ---- the caller's side ------------------------------------------------------------ */

int gw_rrd_writer_set_journal(struct gw_rrd_writer *w, const char *dir, char **err)
{
    gw_rrd_journal_free(w->journal, false);
    w->journal = NULL;
    /* Without a journal (rc < 0), points are written as they come. */
    w->journaling = true;
    return gw_rrd_journal_open(dir, &w->journal, err);
}

long gw_rrd_writer_recover(struct gw_rrd_writer *w, gw_rrd_spool_point_fn fn, void *ctx,
                           struct gw_rrd_spool_damage *damage)
{
    size_t n_old = 0;
    const char *const *old = w->journal ? gw_rrd_journal_old_paths(w->journal, &n_old) : NULL;
    const char **paths = gw_xcalloc(n_old + 1, sizeof(*paths));
    for (size_t i = 0; i < n_old; i++)
        paths[i] = old[i];
    size_t n_paths = n_old;
    bool spool = w->spool_path && access(w->spool_path, F_OK) == 0;
    if (spool)
        paths[n_paths++] = w->spool_path;

    uint64_t overflow = atomic_load(&w->dropped_overflow);
    uv_mutex_lock(&w->lock);
    w->recovering = true;
    uv_mutex_unlock(&w->lock);
    long n = gw_rrd_spool_read_all(paths, n_paths, fn, ctx, damage);
    uv_mutex_lock(&w->lock);
    w->recovering = false;
    uv_mutex_unlock(&w->lock);
    free(paths);
    if (n < 0)
        return n;
    /* Points over the bound were not queued: their files stay for the next start. */
    if (atomic_load(&w->dropped_overflow) != overflow)
        return n;
    w->recovered = true;
    w->recovered_spool = spool;
    uv_mutex_lock(&w->lock);
    bool queued = w->inbox.head != NULL;
    uv_mutex_unlock(&w->lock);
    /* Without a journal they are in memory only from now on, as they were before. */
    if (!w->journal || !queued)
        retire_recovered(w);
    return n;
}
