/*
 * The RRD writer: one thread that owns every blocking librrd call, so the
 * loop thread only queues points.
 *
 * The loop thread submits points (a series and a row of values at a wall
 * time); the writer thread creates <data_dir>/<council> (mode 0750) and the
 * file on a series' first point, then updates it point by point, oldest
 * first. A point must be later than the file's last update: one at or before
 * it (the clock stepped back, or a restart within the same second) is dropped
 * and counted, never retried. Times are kept to the millisecond. A file the
 * writer did not create has its last update read once (librrd reports whole
 * seconds, so a point within that second is treated as not later).
 *
 * When a file cannot be created or updated (disk full, permissions, a missing
 * or unusable directory) its points stay queued in memory and the file is
 * retried after 1 s, doubling to 30 s, with the directory and the file looked
 * at afresh each time. The first failure is logged once, with librrd's
 * message, and one line says when every file is written again. All queued
 * points together are bounded; beyond the bound new points are dropped,
 * counted, and logged once per episode.
 *
 * A file whose data sources differ from its series (the check's figures
 * changed since it was created) is updated through an RRD template: the data
 * sources both have are written, the others are left unknown, and the
 * difference is logged once. A file whose step differs from its series' (the
 * target's interval changed) is written as it is, with a warning: past twice
 * its step, every value it gets is unknown.
 */
#ifndef GW_RRD_WRITER_H
#define GW_RRD_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "rrd_schema.h"

/* The default bound on points queued in memory, all files together. */
#define GW_RRD_WRITER_MAX_PENDING 100000

struct gw_rrd_writer;

struct gw_rrd_writer_stats {
    uint64_t written;          /* points stored in their file */
    uint64_t pending;          /* points queued, not yet stored */
    uint64_t errors;           /* failed attempts to create or update a file */
    uint64_t dropped_stale;    /* points at or before their file's last update */
    uint64_t dropped_overflow; /* points over the bound, or still queued when stopped */
};

/*
 * A writer that queues at most `max_pending` points (0: the default
 * GW_RRD_WRITER_MAX_PENDING). Its thread does not run until
 * gw_rrd_writer_start; points submitted before wait for it. Caller frees with
 * gw_rrd_writer_free.
 */
struct gw_rrd_writer *gw_rrd_writer_new(size_t max_pending);

/* Starts the writer thread. Returns 0, or -EALREADY when it was started before. */
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
 * Makes one last attempt at every queued point, whatever its file's backoff,
 * then stops and joins the thread. Points still unwritten are dropped, counted
 * and logged. Blocks for as long as those writes take: call it at shutdown,
 * after the loop has stopped submitting. Stopping a writer never started, or
 * already stopped, does nothing.
 */
void gw_rrd_writer_stop(struct gw_rrd_writer *w);

/* Stops the writer if it runs, then frees it. NULL does nothing. */
void gw_rrd_writer_free(struct gw_rrd_writer *w);

/* A snapshot of the writer's counters. Any thread. */
void gw_rrd_writer_stats(const struct gw_rrd_writer *w, struct gw_rrd_writer_stats *out);

#endif
