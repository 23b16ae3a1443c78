/*
 * The RRD writer: one thread that owns every blocking storage call, so the
 * loop thread only queues points.
 *
 * The loop thread submits points (a series and a row of values at a wall
 * time). Each point goes to every file of its series (rrd_schema.h: the main
 * file and the spread file), where it waits in that file's queue. A file's
 * queue is written by one update of several points, oldest first, once its
 * oldest point has waited the writer's delay (0 by default: as soon as the
 * writer thread gets to it, so under load what accumulated meanwhile goes
 * together, as collectd's rrdtool cache does with CacheTimeout), and at stop.
 * The writer creates a file (and, for local files, its directory, mode 0750)
 * on its first point.
 *
 * Where files go is a backend (rrd_backend.h): direct librrd calls, or
 * rrdcached. It can be replaced while the writer runs (a reload that changes
 * daemon.rrdcached): the writer first has the old one put what it accepted on
 * disk, then sends every queued point to the new one.
 *
 * A point must be later than its file's last update: one at or before it (the
 * clock stepped back, or a restart within the same second) is dropped and
 * counted as stale, never retried. Times are kept to the millisecond. A file
 * the writer did not create has its last update read once (librrd reports
 * whole seconds, so a point within that second is treated as not later).
 *
 * Nothing is lost to a failure: when a file cannot be created or updated
 * (disk full, read-only, permissions, a missing or unusable directory) its
 * points stay queued in memory and the file is retried after 1 s, doubling to
 * 30 s, with its directory and header looked at afresh each time. When the
 * backend itself cannot be reached (rrdcached down or restarting) every file
 * waits the same way, and points keep queueing. The first failure is logged
 * once, with the reason, and one line says when writing works again; the
 * queued points are then written in time order. An update that failed part
 * way is not repeated: the points the file took are counted as written. All
 * queued points together are bounded; beyond the bound new points are dropped,
 * counted, and logged once per episode.
 *
 * Data sources: a point is written in its file's data source order, by name.
 * A file lacking data sources of its series (the check declares more figures
 * than when it was created) is extended with librrd's tune, keeping its
 * history; through a remote rrdcached, which cannot tune, the missing figures
 * are left out with a warning saying how to extend the file by hand. A file
 * with data sources its series lacks gets "unknown" for them. A file whose
 * step differs from its series' (the target's interval changed) is written as
 * it is, with a warning: past twice its step, every value it gets is unknown.
 *
 * Stopping makes one last attempt at every queued point, whatever its file's
 * backoff or delay; with rrdcached it then has rrdcached write those files to
 * disk (FLUSH), so what was measured before SIGTERM survives a restart of
 * both. Points that still cannot be written are kept in the spool (see
 * gw_rrd_writer_set_spool), or counted and logged as lost when there is none.
 * A writer can be hurried while it stops: it then makes no further attempt
 * and spools what is left at once, even while a call of the backend it is in
 * does not return (a stopped rrdcached never answers, and librrd's client has
 * no timeout): another thread then writes the spool in its place.
 *
 * A writer with a journal (gw_rrd_writer_set_journal, rrd_journal.h) appends
 * each point it takes in to it, in one write per pass, before the point waits
 * for its delay, and lets the journal forget the point once it is written
 * (or taken by rrdcached, which journals it in turn: -j), dropped, or
 * spooled. A daemon that is killed (kill -9, a crash, the OOM killer) thus
 * loses no point the writer had taken in, however long the delay, and the
 * next start reads them back and writes them (gw_rrd_writer_recover). A
 * point is in the journal 10 ms after its submission at most: while points
 * come, the writer takes what came in that time in one pass and one write
 * (waking it for each point would cost more than the check that made it),
 * so a kill loses at most the points of its last 10 ms, as a kill always
 * lost the points on their way to the writer. When the journal cannot be
 * written (disk full) the writer says so once and goes on without it,
 * writing points as they come, whatever the delay (as a writer without a
 * delay does: a kill then loses no more than it did before there was a
 * journal), and retries after 1 s, doubling to 30 s; when it works again
 * every point still queued is journaled at once, the delay holds again, and
 * one line says so. A journal that cannot be opened at all is treated alike,
 * for the whole run.
 *
 * Readers of the files in this process (graphs, pages, reports) call
 * gw_rrd_writer_sync first, for the files of what they read, so a long
 * delay never hides a point from them.
 *
 * Counters count points of files: a result of a target with two files is two.
 */
#ifndef GW_RRD_WRITER_H
#define GW_RRD_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "storage/rrd_backend.h"
#include "storage/rrd_schema.h"
#include "storage/rrd_spool.h"

/* The default bound on points queued in memory, all files together. */
#define GW_RRD_WRITER_MAX_PENDING 1000000

struct gw_rrd_writer;

struct gw_rrd_writer_stats {
    uint64_t written;          /* points stored in their file */
    uint64_t pending;          /* points queued, not yet stored */
    uint64_t updates;          /* update calls that stored them */
    uint64_t errors;           /* failed attempts to reach, create or update a file */
    uint64_t dropped_stale;    /* points at or before their file's last update */
    uint64_t dropped_overflow; /* points over the bound, or lost when stopped */
    uint64_t spooled;          /* points unwritable when stopped, kept in the spool */
    uint64_t replaying;        /* points of the last run (gw_rrd_writer_recover) still queued */
};

/*
 * A writer that queues at most `max_pending` points (0: the default
 * GW_RRD_WRITER_MAX_PENDING), writing local files directly with no delay
 * until told otherwise. Its thread does not run until gw_rrd_writer_start;
 * points submitted before wait for it. Caller frees with gw_rrd_writer_free.
 */
struct gw_rrd_writer *gw_rrd_writer_new(size_t max_pending);

/*
 * Makes `backend` (taken: the writer frees it) where files go from the
 * writer's next pass on. Any thread; never blocks on I/O.
 */
void gw_rrd_writer_set_backend(struct gw_rrd_writer *w, struct gw_rrd_backend *backend);

/*
 * Before gw_rrd_writer_start: the file (rrd_spool.h) where points that still
 * cannot be written when the writer stops are kept for the next start
 * (`path` copied; NULL, the default: they are counted as lost).
 */
void gw_rrd_writer_set_spool(struct gw_rrd_writer *w, const char *path);

/*
 * Before gw_rrd_writer_start: keeps the journal in `dir` (copied; the data
 * directory, which must exist). Returns 0, or a negative errno with *err set
 * (caller frees) when `dir` cannot be read, the journal's lock made, or
 * another process holds it (-EBUSY): the writer then keeps no journal and
 * writes points as they come, whatever the delay, and the last run's
 * journal is left where it is.
 */
int gw_rrd_writer_set_journal(struct gw_rrd_writer *w, const char *dir, char **err);

/*
 * Before gw_rrd_writer_start, after set_spool and set_journal: reads what
 * the last run left unwritten, the journal (a run that was killed) and the
 * spool (one that stopped), and calls fn(ctx, ...) once per point, each
 * target's points oldest first (rrd_spool.h), for the caller to submit it
 * again. Those points are written without waiting for the delay (they
 * are old already). A point submitted from fn may be in its file already:
 * when it is not later than the file's last update it is dropped and
 * counted nowhere.
 * The files read are removed once the writer has journaled those points
 * anew (at once when it keeps no journal), or when it has spooled them;
 * never when some were over the writer's bound (they stay for the next
 * start). Returns the number of points read (*damage: the lines that could
 * not be, which the caller clears with gw_rrd_spool_damage_clear), or a
 * negative errno when a file cannot be read: nothing is removed then.
 */
long gw_rrd_writer_recover(struct gw_rrd_writer *w, gw_rrd_spool_point_fn fn, void *ctx,
                           struct gw_rrd_spool_damage *damage);

/* The longest a point waits to be written with later ones of its file. Any thread. */
void gw_rrd_writer_set_delay(struct gw_rrd_writer *w, uint64_t delay_ms);

/* Has every queued point written now, whatever the delay. Returns at once. Any thread. */
void gw_rrd_writer_flush(struct gw_rrd_writer *w);

/*
 * Has the queued points of `subject` written now, whatever the delay, and
 * waits until the writer's pass that does it has ended, or `timeout_ms` has
 * passed, so a reader of the files (a graph drawn on demand, a report) sees
 * what was measured. `subject` (borrowed): a target's id ("council/target")
 * for its files, a council's id for its targets' files, NULL for every file.
 * Points whose file is failing stay queued; the pass still ends. Returns 0,
 * or -ETIMEDOUT. A writer not started or stopping returns 0 at once. Blocks:
 * never call it on the loop thread. Any other thread.
 */
int gw_rrd_writer_sync(struct gw_rrd_writer *w, const char *subject, uint64_t timeout_ms);

/* Starts the writer thread. Returns 0, -EALREADY when it was started before, or uv's error. */
int gw_rrd_writer_start(struct gw_rrd_writer *w);

/*
 * Queues one point of `s` at wall time `time_s` (seconds since the epoch,
 * kept to the millisecond): values[0 .. ds_count) in the series' order, NAN
 * for unknown (copied; the writer takes its own reference to s). Never blocks
 * on I/O: it only takes the queue's lock. A point over the bound, with a time
 * that is not a finite positive number, or submitted after
 * gw_rrd_writer_stop, is dropped and counted.
 */
void gw_rrd_writer_submit(struct gw_rrd_writer *w, struct gw_rrd_series *s, double time_s,
                          const double *values);

/*
 * Makes one last attempt at every queued point, then stops and joins the
 * thread (see above). Blocks for as long as those writes take: call it at
 * shutdown, after the loop has stopped submitting. Stopping a writer never
 * started, or already stopped, does nothing. Not after gw_rrd_writer_hurry.
 */
void gw_rrd_writer_stop(struct gw_rrd_writer *w);

/* Called once when a stopping writer is done: see gw_rrd_writer_stop_async. */
typedef void (*gw_rrd_writer_done_cb)(void *data);

/*
 * Stopping without blocking: tells the writer thread to make its last
 * attempt at every queued point (as gw_rrd_writer_stop does) and returns at
 * once. done_cb(data) is called exactly once, on a thread of the writer,
 * when every point has been written, kept in the spool or counted lost;
 * gw_rrd_writer_free then returns promptly. Returns 0, -EINVAL when the
 * writer was never started or has been stopped, -EALREADY when it is
 * stopping already; done_cb is then never called.
 */
int gw_rrd_writer_stop_async(struct gw_rrd_writer *w, gw_rrd_writer_done_cb done_cb, void *data);

/*
 * Tells a stopping writer to stop trying (a second SIGTERM, or a stop that
 * has waited long enough): no further call of the backend is made and what
 * is still queued goes to the spool, by another thread if the writer's is
 * inside a call that does not return. Implies stopping; the done callback
 * of gw_rrd_writer_stop_async comes as soon as the spool is written. Any
 * thread; returns at once. A second call does nothing.
 */
void gw_rrd_writer_hurry(struct gw_rrd_writer *w);

/*
 * Stops the writer if it runs (gw_rrd_writer_stop), then frees it and its
 * backend. After gw_rrd_writer_hurry, a writer thread still inside a call of
 * the backend is not waited for: it frees the writer itself if the call ever
 * returns (the process may exit first). NULL does nothing.
 */
void gw_rrd_writer_free(struct gw_rrd_writer *w);

/* A snapshot of the writer's counters. Any thread. */
void gw_rrd_writer_stats(const struct gw_rrd_writer *w, struct gw_rrd_writer_stats *out);

#endif
