/*
 * Availability over time for the pages: each target's availability over
 * the last 24 hours, 7 days and 30 days, and per local day over the last 90
 * days, read from its RRD file (`up` averaged: the 5-minute archive for the
 * last 14 days, the hourly one before).
 *
 * Reading 10,000 files takes seconds, so a thread of its own reads them all
 * in a pass and publishes the figures as one immutable, reference-counted
 * view; pages only look them up. A pass runs at start, then as often as the
 * shortest check interval of the configuration, at least every 10 s and at
 * most every 5 minutes, and never spends more than a twentieth of the time
 * (a pass of 3 s waits a minute). The figures thus lag the files by up to
 * that much; the state "now" comes from the snapshot, never from here.
 *
 * Before a pass the RRD writer writes what it holds (a daemon.rrd_write_delay
 * of points), once per 5-minute row: a pass reads whole rows of the 5-minute
 * archive, and a point of the row still under way shows in none of them, so
 * writing more often would cost writes and show nothing more.
 *
 * With daemon.rrdcached the files are read as they are on disk (rrdcached
 * writes them on its own schedule); files only a remote rrdcached holds
 * cannot be read here, and their figures are unknown.
 */
#ifndef GW_HISTORY_H
#define GW_HISTORY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "result/snapshot.h"
#include "util/strmap.h"

struct gw_rrd_writer;

#define GW_HISTORY_DAYS 90

/* Availability ratios 0..1; NAN where nothing is known. */
struct gw_avail {
    double last_24h, last_7d, last_30d;
    double days[GW_HISTORY_DAYS]; /* days[0] the oldest, days[GW_HISTORY_DAYS - 1] today */
};

struct gw_history_view {
    atomic_uint refs;
    uint64_t generation;                   /* increases by one per pass */
    int64_t computed_ms;                   /* wall clock at the end of the pass */
    int64_t day_start_ms[GW_HISTORY_DAYS]; /* local midnight that starts each day */
    size_t n;
    struct gw_strmap *index; /* target id -> index into avail */
    struct gw_avail *avail;
};

/* Drops a reference to a view. NULL does nothing. Any thread. */
void gw_history_view_unref(struct gw_history_view *v);
/* The figures of a target by full id, or NULL when the pass did not know it. */
const struct gw_avail *gw_history_find(const struct gw_history_view *v, const char *id);

/*
 * The mean of the availabilities of the targets [first, first + count) of
 * the snapshot's configuration (a council, or all of Wales), period by
 * period and day by day, those with nothing known left out; NAN when none is
 * known. `v` may be NULL (everything NAN).
 */
void gw_history_mean(const struct gw_history_view *v, const struct gw_snapshot *s, size_t first,
                     size_t count, struct gw_avail *out);

/*
 * Reads the availability of one target's main file `path` as of `now_ms`,
 * with days starting at day_start_ms (GW_HISTORY_DAYS of them). Fills *out
 * (NAN where unknown); returns 0, or -ENOENT when the file cannot be read.
 * Blocks on file I/O.
 */
int gw_history_read(const char *path, int64_t now_ms, const int64_t *day_start_ms,
                    struct gw_avail *out);

/* The local midnights of the GW_HISTORY_DAYS days that end with the day of now_ms. */
void gw_history_days(int64_t now_ms, int64_t *day_start_ms);

struct gw_history;

/*
 * Starts the reading thread over what `box` (borrowed) publishes, with the
 * points `writer` (borrowed; NULL: none) holds written first. Caller frees.
 */
struct gw_history *gw_history_start(struct gw_snapshot_box *box, struct gw_rrd_writer *writer);
/* The newest view, referenced (caller unrefs), or NULL before the first pass. Any thread. */
struct gw_history_view *gw_history_acquire(struct gw_history *h);
/* Asks for a pass now (a test, or a configuration that changed). Any thread. */
void gw_history_poke(struct gw_history *h);
/* Stops and joins the thread, frees everything. NULL does nothing. */
void gw_history_stop(struct gw_history *h);

#endif
