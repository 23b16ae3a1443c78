/*
 * File system helpers for start-up and worker threads (they block: never on
 * the loop thread).
 */
#ifndef GW_FSUTIL_H
#define GW_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Creates `path` and its missing parents with `mode`. 0 or a negative errno. */
int gw_fsutil_mkdirs(const char *path, mode_t mode);

/*
 * Replaces the file at `path` with `len` bytes of `data`, atomically: a
 * temporary file in the same directory is written, fsync'd and renamed over
 * it, then the directory is fsync'd. 0 or a negative errno.
 */
int gw_fsutil_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
