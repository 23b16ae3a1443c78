#include "storage/rrd_backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
