/*
 * The rows of an RRD file over a span of time, as averages: what reports
 * read where the event log cannot tell (rrd_schema.h documents the files).
 *
 * librrd picks the finest archive that covers the whole span, so the last
 * hour is read at the check's interval, a month two weeks ago at 1 hour per
 * row and one a year ago at 1 day per row; the first row begins at or
 * before the span's start (rows are aligned to their step).
 *
 * Reading blocks on file I/O: never on the loop thread.
 */
#ifndef GW_RRD_ROWS_H
#define GW_RRD_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gw_rrd_rows {
    int64_t first_ms; /* start of the first row; row i is [first + i*step, first + (i+1)*step) */
    int64_t step_ms;
    size_t n_rows, n_cols;
    char **names; /* the data sources, in column order */
    double *data; /* n_rows * n_cols, row by row; NAN is no value */
};

/*
 * Where files are read: directly (rrdcached NULL or ""), or through
 * rrdcached at "unix:PATH", "/PATH" or "host:port" — over a socket the file
 * is flushed first and read here; over the network it is fetched by its
 * name relative to rrdcached's base directory.
 *
 * librrd has one rrdcached connection per process: a reader that uses
 * rrdcached must be the only user of it in the process (the command line,
 * not the daemon, whose RRD writer owns it). Caller frees.
 */
struct gw_rrd_rows_reader *gw_rrd_rows_reader_new(const char *rrdcached);
/* Frees the reader, closing its connection; NULL does nothing. */
void gw_rrd_rows_reader_free(struct gw_rrd_rows_reader *r);
/* "directly", or "through rrdcached at ..." (with "(not reachable)" when it was not). Borrowed. */
const char *gw_rrd_rows_reader_describe(const struct gw_rrd_rows_reader *r);

/*
 * Reads the averages of the file at local `path` (or, through a remote
 * rrdcached, named `name`) over [start_s, end_s] into *out (cleared
 * first). Returns 0; -ENOENT when the file does not exist; -EIO when librrd
 * cannot read it, with *err set to its message (caller frees).
 */
int gw_rrd_rows_read(struct gw_rrd_rows_reader *r, const char *path, const char *name,
                     int64_t start_s, int64_t end_s, struct gw_rrd_rows *out, char **err);

/* The column of data source `name`, or -1. */
int gw_rrd_rows_col(const struct gw_rrd_rows *rows, const char *name);

/* Frees what rows hold and zeroes them. */
void gw_rrd_rows_clear(struct gw_rrd_rows *rows);

#endif
