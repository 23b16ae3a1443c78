/* For the header's layout (rrd_format.h), which rrd.h shows only so; none of
 * the deprecated functions it declares is used. */
#define RRD_EXPORT_DEPRECATED
#include "storage/rrd_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rrd.h>

#include "util/fsutil.h"
#include "util/xalloc.h"

#define DIR_MODE 0750

void gw_rrd_backend_info_clear(struct gw_rrd_file_info *info)
{
    for (size_t i = 0; i < info->n_ds; i++)
        free(info->ds[i]);
    free(info->ds);
    memset(info, 0, sizeof(*info));
}

void gw_rrd_backend_read_last_ms(const char *path, struct gw_rrd_file_info *info)
{
    info->last_ms = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    /* The header's documented layout (rrd_format.h): the static head, the
     * data source and archive definitions, then the live head, which from
     * version 0003 on holds the microseconds of the last update. */
    stat_head_t head;
    live_head_t live;
    if (pread(fd, &head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
        memcmp(head.cookie, RRD_COOKIE, 4) == 0 && strncmp(head.version, "0003", 4) >= 0 &&
        head.ds_cnt < 100000 && head.rra_cnt < 100000) {
        off_t at = (off_t)(sizeof(stat_head_t) + head.ds_cnt * sizeof(ds_def_t) +
                           head.rra_cnt * sizeof(rra_def_t));
        if (pread(fd, &live, sizeof(live), at) == (ssize_t)sizeof(live) &&
            (int64_t)live.last_up == info->last_s && live.last_up_usec >= 0 &&
            live.last_up_usec < 1000000)
            /* librrd read our millisecond from its decimal text: a
             * microsecond either side of it. */
            info->last_ms = info->last_s * 1000 + (live.last_up_usec + 500) / 1000;
    }
    close(fd);
}

/* "ds[<name>].index": the name, or NULL for any other key. Caller frees. */
static char *ds_index_name(const char *key)
{
    if (strncmp(key, "ds[", 3) != 0)
        return NULL;
    const char *end = strstr(key, "].index");
    if (!end || end[7] != '\0')
        return NULL;
    return gw_xstrndup(key + 3, (size_t)(end - key - 3));
}

int gw_rrd_backend_info_parse(const rrd_info_t *ri, struct gw_rrd_file_info *out)
{
    gw_rrd_backend_info_clear(out);
    out->last_ms = -1;
    size_t n = 0;
    for (const rrd_info_t *i = ri; i; i = i->next) {
        char *name = ds_index_name(i->key);
        n += name != NULL;
        free(name);
    }
    if (n == 0)
        return -EINVAL;
    out->ds = gw_xcalloc(n, sizeof(*out->ds));
    out->n_ds = n;
    for (const rrd_info_t *i = ri; i; i = i->next) {
        if (strcmp(i->key, "last_update") == 0) {
            out->last_s = (int64_t)i->value.u_cnt;
        } else if (strcmp(i->key, "step") == 0) {
            out->step_s = i->value.u_cnt;
        } else {
            char *name = ds_index_name(i->key);
            if (name && i->value.u_cnt < n && !out->ds[i->value.u_cnt])
                out->ds[i->value.u_cnt] = name;
            else
                free(name);
        }
    }
    bool complete = out->step_s > 0;
    for (size_t k = 0; k < n; k++)
        complete = complete && out->ds[k];
    if (!complete) {
        gw_rrd_backend_info_clear(out);
        return -EINVAL;
    }
    return 0;
}

struct gw_rrd_backend *gw_rrd_backend_new(const char *rrdcached)
{
    if (rrdcached && *rrdcached)
        return gw_rrd_cached_new(rrdcached);
    return gw_rrd_direct_new();
}

void gw_rrd_backend_free(struct gw_rrd_backend *b)
{
    if (b)
        b->ops->free(b);
}

int gw_rrd_backend_mkdir_of(const char *path, char **err)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    char *dir = gw_xstrndup(path, (size_t)(slash - path));
    int rc = gw_fsutil_mkdirs(dir, DIR_MODE);
    if (rc < 0)
        *err = gw_xasprintf("cannot create directory %s: %s", dir, strerror(-rc));
    free(dir);
    return rc;
}

char *gw_rrd_backend_error(void)
{
    const char *e = rrd_test_error() ? rrd_get_error() : NULL;
    char *msg = gw_xstrdup(e && *e ? e : "unknown librrd error");
    rrd_clear_error();
    return msg;
}
