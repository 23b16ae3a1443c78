#include "util/fsutil.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

int gw_fsutil_mkdirs(const char *path, mode_t mode)
{
    char *copy = gw_xstrdup(path);
    int rc = 0;
    size_t len = strlen(copy);
    while (len > 1 && copy[len - 1] == '/')
        copy[--len] = '\0';
    for (char *p = copy + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            char saved = *p;
            *p = '\0';
            if (mkdir(copy, mode) != 0 && errno != EEXIST) {
                rc = -errno;
                break;
            }
            *p = saved;
        }
        if (end)
            break;
    }
    if (rc == 0) {
        struct stat st;
        if (stat(copy, &st) != 0)
            rc = -errno;
        else if (!S_ISDIR(st.st_mode))
            rc = -ENOTDIR;
    }
    free(copy);
    return rc;
}

int gw_fsutil_read_fd(int fd, size_t max, char **out, size_t *len_out)
{
    size_t cap = max < 65536 ? max + 1 : 65536, got = 0;
    char *buf = gw_xmalloc(cap + 1);
    for (;;) {
        if (got == cap) {
            if (cap > max) {
                free(buf);
                return -EFBIG;
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            buf = gw_xreallocarray(buf, cap + 1, 1);
        }
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int err = -errno;
            free(buf);
            return err;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got > max) {
        free(buf);
        return -EFBIG;
    }
    buf[got] = '\0';
    *out = buf;
    *len_out = got;
    return 0;
}

int gw_fsutil_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char *tmp = gw_xasprintf("%s.tmp.%ld", path, (long)getpid());
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = -errno;
        free(tmp);
        return rc;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0) {
        unlink(tmp);
    } else {
        char *copy = gw_xstrdup(path);
        int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(copy);
    }
    free(tmp);
    return rc;
}
