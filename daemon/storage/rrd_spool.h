/*
 * The points the RRD writer could not write before the daemon stopped
 * (rrdcached down, disk full at that moment), kept in a file for the next
 * start to submit again, so a restart loses nothing that was measured.
 *
 * One line per file point, in the order the writer held them:
 *
 *     <council>/<target> TAB <time in ms> TAB <figure>=<value> TAB ...
 *
 * Values are printed in as few digits as read back exactly ("nan" for
 * unknown). The format is text so an operator can read it, and values are
 * named so a target whose figures changed in between still gets the ones it
 * keeps. The writer's journal (rrd_journal.h) is made of the same lines.
 */
#ifndef GW_RRD_SPOOL_H
#define GW_RRD_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* The spool's name in the data directory. */
#define GW_RRD_SPOOL_NAME "unwritten-points.tsv"

struct gw_rrd_spool;

/*
 * Opens `path` to append points (created 0640 when missing). Returns NULL
 * and sets *err (caller frees) when it cannot.
 */
struct gw_rrd_spool *gw_rrd_spool_open(const char *path, char **err);

/* Appends one point: `n` values named by `names`. Errors surface at close. */
void gw_rrd_spool_put(struct gw_rrd_spool *spool, const char *id, int64_t time_ms, size_t n,
                      const char *const *names, const double *values);

/* Appends the line of one point to `b`, as gw_rrd_spool_put writes it. */
void gw_rrd_spool_format(struct gw_strbuf *b, const char *id, int64_t time_ms, size_t n,
                         const char *const *names, const double *values);

/*
 * Writes out what was put and syncs it to disk, then frees the spool.
 * Returns 0, or a negative errno with *err set (caller frees): the points
 * may then not all be in the file.
 */
int gw_rrd_spool_close(struct gw_rrd_spool *spool, char **err);

/* Receives one point read back: `n` named values, all borrowed for the call. */
typedef void (*gw_rrd_spool_point_fn)(void *ctx, const char *id, int64_t time_ms, size_t n,
                                      const char *const *names, const double *values);

/*
 * Reads the spool at `path` and calls `fn` once per point in the order the
 * points first appear, the lines of one target and time (one per RRD file)
 * merged into one point. Lines that cannot be parsed, and a last line cut
 * short (without its newline), are skipped and counted in *bad. Returns the
 * number of points, or a negative errno (-ENOENT when there is no spool).
 * The file is left alone: the caller removes it.
 */
long gw_rrd_spool_read(const char *path, gw_rrd_spool_point_fn fn, void *ctx, size_t *bad);

/* The lines that could not be read back, for a log line a person can act on. */
struct gw_rrd_spool_damage {
    /* Last lines cut short, without their newline: a process killed while
     * it appended them (or a disk that filled then). One per file at most. */
    size_t torn;
    char *first_torn; /* the first file with one, or NULL */
    /* Lines that are not lines of points: a file damaged, or not ours. */
    size_t bad;
    char *first_bad; /* "path:line" of the first, or NULL */
};

/* Frees what `d` holds and zeroes it. */
void gw_rrd_spool_damage_clear(struct gw_rrd_spool_damage *d);

/*
 * Reads the `n` files at `paths` as one (lines of one target and time merged
 * into one point, whichever file they are in) and calls `fn` once per point,
 * in time order (points of the same time in the order they first appear), so
 * each target's points come oldest first however the files were written. A
 * missing file is skipped; lines are read as gw_rrd_spool_read reads them,
 * and what was skipped is described in *damage (zeroed first; the caller
 * clears it with gw_rrd_spool_damage_clear). Returns the number of points,
 * or a negative errno when a file cannot be read (then `fn` is never called).
 */
long gw_rrd_spool_read_all(const char *const *paths, size_t n, gw_rrd_spool_point_fn fn, void *ctx,
                           struct gw_rrd_spool_damage *damage);

#endif
