#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert/eventlog.h"
#include "util/xalloc.h"

/*
 * Reading the event log's files: the rotated ones oldest first, then the
 * live one, a line at a time. Writing is eventlog.c's.
 */

size_t gw_eventlog_rotated(const char *dir, unsigned **out)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0, cap = 0;
    size_t prefix = strlen(GW_EVENTLOG_NAME);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, GW_EVENTLOG_NAME ".", prefix + 1) != 0)
            continue;
        const char *num = e->d_name + prefix + 1;
        if (*num < '1' || *num > '9')
            continue; /* "events.jsonl.01" is no rotated file: it would read .1 twice */
        char *end;
        errno = 0;
        unsigned long k = strtoul(num, &end, 10);
        if (errno || *end || k > 1000000)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = gw_xreallocarray(*out, cap, sizeof(**out));
        }
        (*out)[n++] = (unsigned)k;
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) /* few files: insertion sort, descending */
        for (size_t j = i; j > 0 && (*out)[j - 1] < (*out)[j]; j--) {
            unsigned t = (*out)[j];
            (*out)[j] = (*out)[j - 1];
            (*out)[j - 1] = t;
        }
    return n;
}

bool gw_eventlog_exists(const char *dir)
{
    char *live = gw_xasprintf("%s/%s", dir, GW_EVENTLOG_NAME);
    bool found = access(live, F_OK) == 0;
    free(live);
    if (!found) {
        unsigned *ks;
        found = gw_eventlog_rotated(dir, &ks) > 0;
        free(ks);
    }
    return found;
}

/*
 * Reads one file from `offset`. Returns 1 when read to its end, 0 when the
 * callback asked to stop, or a negative errno (-ENOENT: there is no such
 * file).
 */
static int read_file(const char *path, uint64_t offset, gw_eventlog_line_fn fn, void *data)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    struct gw_eventlog_line l = {.path = path};
    struct stat st;
    if (fstat(fileno(f), &st) == 0) {
        l.pos.dev = (uint64_t)st.st_dev;
        l.pos.ino = (uint64_t)st.st_ino;
    }
    if (offset && fseeko(f, (off_t)offset, SEEK_SET) != 0)
        offset = 0;
    l.pos.offset = offset;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 1;
    while (rc == 1 && (len = getline(&buf, &cap, f)) > 0) {
        l.pos.offset += (uint64_t)len;
        l.number++;
        size_t n = (size_t)len;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        buf[n] = '\0';
        l.text = buf;
        l.len = n;
        if (!fn(data, &l))
            rc = 0;
    }
    if (rc == 1 && ferror(f))
        rc = -EIO;
    free(buf);
    fclose(f);
    return rc;
}

int gw_eventlog_read(const char *dir, const struct gw_eventlog_pos *from, bool *from_found,
                     gw_eventlog_line_fn line, void *data)
{
    unsigned *ks;
    size_t n = gw_eventlog_rotated(dir, &ks);
    char **paths = gw_xcalloc(n + 1, sizeof(*paths));
    for (size_t i = 0; i < n; i++)
        paths[i] = gw_xasprintf("%s/%s.%u", dir, GW_EVENTLOG_NAME, ks[i]);
    paths[n] = gw_xasprintf("%s/%s", dir, GW_EVENTLOG_NAME);
    free(ks);
    size_t first = 0;
    uint64_t offset = 0;
    bool found = false;
    for (size_t i = 0; from && i <= n; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && (uint64_t)st.st_dev == from->dev &&
            (uint64_t)st.st_ino == from->ino) {
            first = i;
            offset = from->offset;
            found = true;
        }
    }
    if (from_found)
        *from_found = found;
    int rc = 0;
    bool any = false;
    for (size_t i = first; i <= n; i++) {
        int r = read_file(paths[i], i == first ? offset : 0, line, data);
        if (r == -ENOENT) /* rotated away meanwhile, or no live file yet */
            continue;
        any = true;
        if (r <= 0) {
            rc = r;
            break;
        }
    }
    for (size_t i = 0; i <= n; i++)
        free(paths[i]);
    free(paths);
    return any ? rc : -ENOENT;
}
