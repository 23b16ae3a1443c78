/*
 * The RRD writer's journal: files in the data directory to which every
 * point the writer holds in memory is appended before it waits for its
 * write, so a daemon that is killed (kill -9, a crash, the OOM killer) loses
 * none of them: the next start reads them back and writes them. This is
 * rrdcached's design (-j), on this side of the socket.
 *
 * Segments: <dir>/rrd-journal.<N>.tsv, numbered upwards, made of the
 * spool's lines (rrd_spool.h). Points are appended to the newest segment; a
 * new one begins when it is a minute old or 64 MiB long. The writer tells the
 * journal when each point leaves its memory (written, dropped, or kept in the
 * spool at a clean stop): a segment none of whose points is held any more is
 * removed. When few points keep many old segments alive (a file that cannot
 * be written for hours), the journal asks for them to be appended again to
 * the newest segment, so the old ones can go (gw_rrd_journal_wants_compaction).
 *
 * Lines are appended with one write(2) per batch and not synced: they
 * survive the process, not the machine (a power cut loses what the page cache
 * held, as it does for the RRD files themselves). A write that fails part way
 * is cut back, so a segment holds whole lines only.
 *
 * One thread at a time: the writer's.
 */
#ifndef GW_RRD_JOURNAL_H
#define GW_RRD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Segment file names: this prefix, a number, this suffix. */
#define GW_RRD_JOURNAL_PREFIX "rrd-journal."
#define GW_RRD_JOURNAL_SUFFIX ".tsv"
/* The file a journal holds locked (flock) while it is open. */
#define GW_RRD_JOURNAL_LOCK "rrd-journal.lock"

struct gw_rrd_journal;
/* One segment, counted by the points it holds. */
struct gw_rrd_journal_seg;

/*
 * A journal in `dir` (copied), which must exist. The segments found there
 * are the last run's (gw_rrd_journal_old_paths); this run's are numbered
 * after them and made on the first append. One process at a time: the
 * journal holds `dir`/GW_RRD_JOURNAL_LOCK locked until it is freed. Returns
 * 0, or a negative errno with *err set (caller frees): -EBUSY when another
 * process holds the lock, another when `dir` cannot be read or the lock
 * made. Caller frees with gw_rrd_journal_free.
 */
int gw_rrd_journal_open(const char *dir, struct gw_rrd_journal **out, char **err);

/*
 * The paths of the segments the last run left, oldest first: *n_out of
 * them, borrowed until gw_rrd_journal_free. None once retired.
 */
const char *const *gw_rrd_journal_old_paths(const struct gw_rrd_journal *j, size_t *n_out);

/* Removes the last run's segments: their points are in this run's now. */
void gw_rrd_journal_retire_old(struct gw_rrd_journal *j);

/*
 * Appends `len` bytes of `text`, the lines of `n_points` points, to the
 * newest segment (starting one when it is due, `now_ms` being a monotonic
 * time), and sets *seg to it: the segment now holds the points until each is
 * released. All or nothing: returns 0, or a negative errno with *err set
 * (caller frees) and nothing appended.
 */
int gw_rrd_journal_append(struct gw_rrd_journal *j, const char *text, size_t len, size_t n_points,
                          uint64_t now_ms, struct gw_rrd_journal_seg **seg, char **err);

/* `n` points of `seg` have left the writer's memory. NULL seg does nothing. */
void gw_rrd_journal_release(struct gw_rrd_journal *j, struct gw_rrd_journal_seg *seg, size_t n);

/* True when `seg` is not the newest segment (its points may be appended again). */
bool gw_rrd_journal_sealed(const struct gw_rrd_journal *j, const struct gw_rrd_journal_seg *seg);

/*
 * True when old segments are kept mostly for points long gone: the points
 * they still hold should be appended again (and those segments released).
 */
bool gw_rrd_journal_wants_compaction(const struct gw_rrd_journal *j);

/*
 * Closes the journal and frees it. `remove`: every point it holds is written
 * or kept elsewhere (the spool), so this run's segments are removed;
 * otherwise they stay for the next start. The last run's segments are only
 * ever removed by gw_rrd_journal_retire_old. NULL does nothing.
 */
void gw_rrd_journal_free(struct gw_rrd_journal *j, bool remove);

#endif
