/*
 * Where the RRD writer puts its files: one interface, two backends.
 *
 *   direct     librrd on the local files (rrd_create_r2, rrd_update_r,
 *              rrd_info_r, rrd_tune)
 *   rrdcached  the rrdcached protocol through librrd's client (rrdc_*): files
 *              are created, read and updated by the daemon at `address`
 *              ("unix:PATH", "/PATH" or "host:port"), so several gwyliwr hosts
 *              can share one store
 *
 * A file is named twice: by its local path (direct, and rrdcached over a
 * unix socket, which is on this host) and by its name relative to the data
 * directory (rrdcached over the network, whose base directory, -b, stands for
 * the data directory). Each backend uses the one it needs.
 *
 * Threads: a backend belongs to one thread, the writer's; none of its
 * functions may run on the event loop (they block on disk or socket I/O).
 * librrd's client keeps one connection per process, so a process has at most
 * one rrdcached backend at a time.
 *
 * Errors: every function returns 0 or a negative errno and, on failure, sets
 * *err to a message for people (caller frees):
 *   -ENOENT    info: the file does not exist
 *   -ENOTCONN  the backend itself cannot be reached (rrdcached down): every
 *              file would fail alike
 *   -ENOTSUP   extend: data sources cannot be added through this backend
 *   other      this file could not be created, read or written
 */
#ifndef GW_RRD_BACKEND_H
#define GW_RRD_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rrd.h>

/* What a file holds, as read from its header. */
struct gw_rrd_file_info {
    unsigned long step_s;
    int64_t last_s; /* the last update, whole seconds since the epoch */
    /* The last update to the millisecond, when the file's header could be
     * read here (a local file); -1 when only last_s is known. */
    int64_t last_ms;
    char **ds; /* data source names, in the file's order */
    size_t n_ds;
};

/* Frees what info holds and zeroes it. */
void gw_rrd_backend_info_clear(struct gw_rrd_file_info *info);
/*
 * Fills *out (cleared first) from librrd's description of a file (borrowed).
 * Returns 0, or -EINVAL when it lacks the step or names no data source.
 */
int gw_rrd_backend_info_parse(const rrd_info_t *ri, struct gw_rrd_file_info *out);

/*
 * Reads the last update of the local RRD file at `path` to the millisecond
 * into info->last_ms, which librrd's info reports in whole seconds only; a
 * point replayed after a restart may lie in that same second. Leaves it -1
 * when the header cannot be read or does not match info->last_s.
 */
void gw_rrd_backend_read_last_ms(const char *path, struct gw_rrd_file_info *info);

struct gw_rrd_backend;

struct gw_rrd_backend_ops {
    /* Reads the file's step, last update and data sources into *info. */
    int (*info)(struct gw_rrd_backend *b, const char *path, const char *name,
                struct gw_rrd_file_info *info, char **err);
    /*
     * Creates the file (never overwriting one), with its directory when the
     * backend reaches the directory. argv: the DS and RRA arguments.
     */
    int (*create)(struct gw_rrd_backend *b, const char *path, const char *name,
                  unsigned long step_s, int64_t start_s, int argc, const char **argv, char **err);
    /*
     * Writes n points, "<time>:<v1>:<v2>...", in the file's data source order,
     * oldest first. On failure a first part of them may have been written.
     */
    int (*update)(struct gw_rrd_backend *b, const char *path, const char *name, int n,
                  const char **points, char **err);
    /* Adds data sources ("DS:..." arguments) to the file, keeping its data. */
    int (*extend)(struct gw_rrd_backend *b, const char *path, const char *name, int n,
                  const char **ds_args, char **err);
    /* Has the file's accepted points put on disk. NULL when update already does. */
    int (*sync)(struct gw_rrd_backend *b, const char *path, const char *name, char **err);
    void (*free)(struct gw_rrd_backend *b);
};

/* The common head of every backend. */
struct gw_rrd_backend {
    const struct gw_rrd_backend_ops *ops;
    char *description; /* "direct" or "rrdcached at unix:/run/rrdcached.sock" */
    /* true: files are named by local path, and their directories can be made here. */
    bool local;
};

/* Backends: implemented in rrd_direct.c and rrd_cached.c. Caller frees with gw_rrd_backend_free. */
struct gw_rrd_backend *gw_rrd_direct_new(void);
/* `address` (copied): "unix:PATH", an absolute socket path, or "host:port". */
struct gw_rrd_backend *gw_rrd_cached_new(const char *address);
/* Adds data sources to the local file at `path` with librrd's tune (rrd_direct.c). */
int gw_rrd_direct_tune(const char *path, int n, const char **ds_args, char **err);

/* The direct backend for "", else rrdcached at `rrdcached`. Caller frees. */
struct gw_rrd_backend *gw_rrd_backend_new(const char *rrdcached);

/* Frees a backend (closing its connection). NULL does nothing. */
void gw_rrd_backend_free(struct gw_rrd_backend *b);

/*
 * Creates the directory of a local file and its missing parents (mode 0750).
 * Returns 0, or a negative errno with *err set (caller frees).
 */
int gw_rrd_backend_mkdir_of(const char *path, char **err);

/* librrd's last error of this thread, taken and cleared. Caller frees. */
char *gw_rrd_backend_error(void);

#endif
