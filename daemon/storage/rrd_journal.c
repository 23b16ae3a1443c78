#include "storage/rrd_journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/xalloc.h"

/* A segment is the newest for at most this long, or this many bytes. */
#define ROTATE_MS    60000u
#define ROTATE_BYTES (64u << 20)
/*
 * Old segments are compacted when they hold more than this many points in
 * all, and at least COMPACT_RATIO times as many as are still held: appending
 * the few held points again is then cheaper than keeping the files.
 */
#define COMPACT_MIN   100000u
#define COMPACT_RATIO 8u

struct gw_rrd_journal_seg {
    struct gw_rrd_journal_seg *next;
    char *path;
    int fd; /* the newest segment's; -1 once sealed */
    uint64_t opened_ms;
    uint64_t size;
    uint64_t points; /* appended in all */
    uint64_t held;   /* appended and not yet released */
};

struct gw_rrd_journal {
    char *dir;
    int lock_fd; /* holds GW_RRD_JOURNAL_LOCK locked while the journal is open */
    uint64_t next_number;
    struct gw_rrd_journal_seg *head, *tail; /* oldest first; tail may be the newest */
    char **old;                             /* the last run's segments, oldest first */
    size_t n_old;
};

/* The number of a segment's file name, or -1 when it is not one. */
static int64_t number_of(const char *name)
{
    size_t plen = strlen(GW_RRD_JOURNAL_PREFIX), slen = strlen(GW_RRD_JOURNAL_SUFFIX);
    size_t len = strlen(name);
    if (len <= plen + slen || strncmp(name, GW_RRD_JOURNAL_PREFIX, plen) != 0 ||
        strcmp(name + len - slen, GW_RRD_JOURNAL_SUFFIX) != 0)
        return -1;
    int64_t n = 0;
    for (size_t i = plen; i < len - slen; i++) {
        if (name[i] < '0' || name[i] > '9' || n > INT64_MAX / 10 - 9)
            return -1;
        n = n * 10 + (name[i] - '0');
    }
    return n;
}

struct found {
    int64_t number;
    char *path;
};

static int by_number(const void *a, const void *b)
{
    int64_t x = ((const struct found *)a)->number, y = ((const struct found *)b)->number;
    return (x > y) - (x < y);
}

/*
 * Locks the journal of `dir` for this process: another daemon on the same
 * data directory would take this one's segments for a dead run's, replay
 * them and remove them while they are still written. Returns the lock's
 * descriptor, or a negative errno with *err set.
 */
static int lock_dir(const char *dir, char **err)
{
    char *path = gw_xasprintf("%s/%s", dir, GW_RRD_JOURNAL_LOCK);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    int rc = fd;
    if (fd < 0) {
        rc = -errno;
        *err = gw_xasprintf("cannot open %s: %s", path, strerror(errno));
    } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
        *err = rc == -EBUSY ? gw_xasprintf("%s is locked: another gwyliwr process writes RRD "
                                           "files from %s",
                                           path, dir)
                            : gw_xasprintf("cannot lock %s: %s", path, strerror(errno));
        close(fd);
    }
    free(path);
    return rc;
}

int gw_rrd_journal_open(const char *dir, struct gw_rrd_journal **out, char **err)
{
    DIR *d = opendir(dir);
    if (!d) {
        int rc = -errno;
        *err = gw_xasprintf("cannot read %s: %s", dir, strerror(errno));
        return rc;
    }
    int lock_fd = lock_dir(dir, err);
    if (lock_fd < 0) {
        closedir(d);
        return lock_fd;
    }
    struct found *found = NULL;
    size_t n = 0, cap = 0;
    int64_t highest = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int64_t number = number_of(e->d_name);
        if (number < 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            found = gw_xreallocarray(found, cap, sizeof(*found));
        }
        found[n].number = number;
        found[n].path = gw_xasprintf("%s/%s", dir, e->d_name);
        n++;
        if (number > highest)
            highest = number;
    }
    closedir(d);
    if (n > 1)
        qsort(found, n, sizeof(*found), by_number);

    struct gw_rrd_journal *j = gw_xcalloc(1, sizeof(*j));
    j->dir = gw_xstrdup(dir);
    j->lock_fd = lock_fd;
    j->next_number = (uint64_t)highest + 1;
    j->old = gw_xcalloc(n ? n : 1, sizeof(*j->old));
    for (size_t i = 0; i < n; i++)
        j->old[i] = found[i].path;
    j->n_old = n;
    free(found);
    *out = j;
    return 0;
}

const char *const *gw_rrd_journal_old_paths(const struct gw_rrd_journal *j, size_t *n_out)
{
    *n_out = j->n_old;
    return (const char *const *)j->old;
}

void gw_rrd_journal_retire_old(struct gw_rrd_journal *j)
{
    for (size_t i = 0; i < j->n_old; i++) {
        unlink(j->old[i]);
        free(j->old[i]);
    }
    j->n_old = 0;
}

static void seg_free(struct gw_rrd_journal_seg *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s->path);
    free(s);
}

/* Unlinks and frees a sealed segment that holds no point any more. */
static void drop_if_done(struct gw_rrd_journal *j, struct gw_rrd_journal_seg *s)
{
    if (s->fd >= 0 || s->held > 0)
        return;
    struct gw_rrd_journal_seg **at = &j->head, *prev = NULL;
    while (*at != s) {
        prev = *at;
        at = &(*at)->next;
    }
    *at = s->next;
    if (j->tail == s)
        j->tail = prev;
    unlink(s->path);
    seg_free(s);
}

static struct gw_rrd_journal_seg *newest(const struct gw_rrd_journal *j)
{
    return j->tail && j->tail->fd >= 0 ? j->tail : NULL;
}

static void seal(struct gw_rrd_journal *j, struct gw_rrd_journal_seg *s)
{
    close(s->fd);
    s->fd = -1;
    drop_if_done(j, s);
}

static int start_segment(struct gw_rrd_journal *j, uint64_t now_ms, char **err)
{
    char *path = gw_xasprintf("%s/%s%010" PRIu64 "%s", j->dir, GW_RRD_JOURNAL_PREFIX,
                              j->next_number, GW_RRD_JOURNAL_SUFFIX);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        int rc = -errno;
        *err = gw_xasprintf("cannot create %s: %s", path, strerror(errno));
        free(path);
        /* A number taken by a file that was not ours: the next try takes the next. */
        if (rc == -EEXIST)
            j->next_number++;
        return rc;
    }
    j->next_number++;
    struct gw_rrd_journal_seg *s = gw_xcalloc(1, sizeof(*s));
    s->path = path;
    s->fd = fd;
    s->opened_ms = now_ms;
    if (j->tail)
        j->tail->next = s;
    else
        j->head = s;
    j->tail = s;
    return 0;
}

int gw_rrd_journal_append(struct gw_rrd_journal *j, const char *text, size_t len, size_t n_points,
                          uint64_t now_ms, struct gw_rrd_journal_seg **seg, char **err)
{
    struct gw_rrd_journal_seg *s = newest(j);
    if (s && (now_ms >= s->opened_ms + ROTATE_MS || s->size + len > ROTATE_BYTES)) {
        seal(j, s);
        s = NULL;
    }
    if (!s) {
        int rc = start_segment(j, now_ms, err);
        if (rc < 0)
            return rc;
        s = j->tail;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t wrote = write(s->fd, text + done, len - done);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0) {
            int rc = wrote < 0 ? -errno : -EIO;
            *err = gw_xasprintf("cannot write %s: %s", s->path, strerror(-rc));
            /* Whole lines only: a torn one would spoil the next one appended.
             * When it cannot be cut back, nothing more goes after it (the next
             * start skips the one line it cannot read). */
            if (done > 0 && ftruncate(s->fd, (off_t)s->size) != 0)
                seal(j, s);
            return rc;
        }
        done += (size_t)wrote;
    }
    s->size += len;
    s->points += n_points;
    s->held += n_points;
    *seg = s;
    return 0;
}

void gw_rrd_journal_release(struct gw_rrd_journal *j, struct gw_rrd_journal_seg *seg, size_t n)
{
    if (!seg)
        return;
    seg->held = seg->held > n ? seg->held - n : 0;
    drop_if_done(j, seg);
}

bool gw_rrd_journal_sealed(const struct gw_rrd_journal *j, const struct gw_rrd_journal_seg *seg)
{
    return seg && seg != newest(j);
}

bool gw_rrd_journal_wants_compaction(const struct gw_rrd_journal *j)
{
    uint64_t points = 0, held = 0;
    for (const struct gw_rrd_journal_seg *s = j->head; s; s = s->next)
        if (s->fd < 0) {
            points += s->points;
            held += s->held;
        }
    return points > COMPACT_MIN && points > COMPACT_RATIO * held;
}

void gw_rrd_journal_free(struct gw_rrd_journal *j, bool remove)
{
    if (!j)
        return;
    struct gw_rrd_journal_seg *s = j->head;
    while (s) {
        struct gw_rrd_journal_seg *next = s->next;
        if (remove)
            unlink(s->path);
        seg_free(s);
        s = next;
    }
    for (size_t i = 0; i < j->n_old; i++)
        free(j->old[i]);
    free(j->old);
    free(j->dir);
    close(j->lock_fd); /* the lock goes with it; the file stays, empty */
    free(j);
}
