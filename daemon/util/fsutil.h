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
 * Reads what is left of `fd` to its end, at most `max` bytes: *out gets a
 * NUL-terminated buffer (caller frees) and *len_out its length. Returns 0,
 * -EFBIG when there is more than `max`, or a negative errno (nothing is
 * allocated then). Retries interrupted reads.
 */
int gw_fsutil_read_fd(int fd, size_t max, char **out, size_t *len_out);

/*
 * Replaces the file at `path` with `len` bytes of `data`, atomically: a
 * temporary file in the same directory is written, fsync'd and renamed over
 * it, then the directory is fsync'd. 0 or a negative errno.
 */
int gw_fsutil_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
