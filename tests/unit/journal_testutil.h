/*
 * Helpers of the journal's tests: the segments in a directory, and a disk
 * that fills up, at the boundary: write(2) is wrapped (link the test with
 * -Wl,--wrap=write, tests/CMakeLists.txt), and while armed a write to a
 * journal segment takes at most what room is left, then fails, as write(2)
 * does on a full disk. Other writes (the log, librrd's own) go through. One
 * test program includes it once.
 */
#ifndef GW_JOURNAL_TESTUTIL_H
#define GW_JOURNAL_TESTUTIL_H

#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "storage/rrd_journal.h"
#include "util/xalloc.h"

/* True for the name of a journal segment (not the journal's lock). */
static inline bool is_segment_name(const char *name)
{
    size_t len = strlen(name), plen = strlen(GW_RRD_JOURNAL_PREFIX);
    size_t slen = strlen(GW_RRD_JOURNAL_SUFFIX);
    return len > plen + slen && strncmp(name, GW_RRD_JOURNAL_PREFIX, plen) == 0 &&
           strcmp(name + len - slen, GW_RRD_JOURNAL_SUFFIX) == 0;
}

/*
 * The paths of the segments in `dir`, in the order of their numbers (*n of
 * them). Caller frees each and the array.
 */
static inline char **segment_paths(const char *dir, size_t *n)
{
    struct dirent **list;
    int found = scandir(dir, &list, NULL, alphasort);
    char **paths = gw_xcalloc(found > 0 ? (size_t)found : 1, sizeof(*paths));
    *n = 0;
    for (int i = 0; i < found; i++) {
        if (is_segment_name(list[i]->d_name))
            paths[(*n)++] = gw_xasprintf("%s/%s", dir, list[i]->d_name);
        free(list[i]);
    }
    free(list);
    return paths;
}

static inline void segment_paths_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

/* Writes to journal segments: armed, room left, the error after it, writes seen. */
static struct {
    atomic_bool armed;
    atomic_size_t room;
    atomic_int error;
    atomic_size_t calls;
} disk;

static inline bool disk_is_segment(int fd)
{
    char link[64], target[4096];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, target, sizeof(target) - 1);
    if (len < 0)
        return false;
    target[len] = '\0';
    return strstr(target, "/" GW_RRD_JOURNAL_PREFIX) != NULL;
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
    if (!disk_is_segment(fd))
        return __real_write(fd, buf, n);
    atomic_fetch_add(&disk.calls, 1);
    if (!atomic_load(&disk.armed))
        return __real_write(fd, buf, n);
    size_t room = atomic_load(&disk.room);
    if (room == 0) {
        errno = atomic_load(&disk.error);
        return -1;
    }
    ssize_t wrote = __real_write(fd, buf, n < room ? n : room);
    if (wrote > 0)
        atomic_fetch_sub(&disk.room, (size_t)wrote);
    return wrote;
}

/* From now on the disk has `room` bytes left, then writes fail with `error`. */
static inline void disk_fill(size_t room, int error)
{
    atomic_store(&disk.room, room);
    atomic_store(&disk.error, error);
    atomic_store(&disk.armed, true);
}

/* Room again. */
static inline void disk_free(void)
{
    atomic_store(&disk.armed, false);
}

#endif
