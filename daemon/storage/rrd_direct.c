/*
 * The direct RRD backend: librrd's thread-safe calls on the local files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rrd.h>

#include "storage/rrd_backend.h"
#include "util/xalloc.h"

static int direct_info(struct gw_rrd_backend *b, const char *path, const char *name,
                       struct gw_rrd_file_info *info, char **err)
{
    (void)b;
    (void)name;
    struct stat st;
    if (stat(path, &st) != 0) {
        int rc = -errno;
        *err = gw_xasprintf("%s: %s", path, strerror(errno));
        return rc == -ENOTDIR ? -ENOENT : rc;
    }
    rrd_clear_error();
    rrd_info_t *ri = rrd_info_r(path);
    if (!ri) {
        *err = gw_rrd_backend_error();
        return -EIO;
    }
    int rc = gw_rrd_backend_info_parse(ri, info);
    rrd_info_free(ri);
    if (rc < 0)
        *err = gw_xasprintf("%s is not an RRD file this daemon can use", path);
    else
        gw_rrd_backend_read_last_ms(path, info);
    return rc;
}

static int direct_create(struct gw_rrd_backend *b, const char *path, const char *name,
                         unsigned long step_s, int64_t start_s, int argc, const char **argv,
                         char **err)
{
    (void)b;
    (void)name;
    int rc = gw_rrd_backend_mkdir_of(path, err);
    if (rc < 0)
        return rc;
    rrd_clear_error();
    if (rrd_create_r2(path, step_s, (time_t)start_s, 1, NULL, NULL, argc, argv) != 0) {
        *err = gw_rrd_backend_error();
        return -EIO;
    }
    /* librrd 1.7 writes a temporary file and renames it; when the disk is
     * full it can report success with no file made. */
    struct stat st;
    if (stat(path, &st) != 0) {
        *err = gw_xasprintf("%s was not created (librrd reported no error; is the file system "
                            "full?)",
                            path);
        return -ENOSPC;
    }
    return 0;
}

static int direct_update(struct gw_rrd_backend *b, const char *path, const char *name, int n,
                         const char **points, char **err)
{
    (void)b;
    (void)name;
    rrd_clear_error();
    if (rrd_update_r(path, NULL, n, points) != 0) {
        *err = gw_rrd_backend_error();
        return -EIO;
    }
    return 0;
}

int gw_rrd_direct_tune(const char *path, int n, const char **ds_args, char **err)
{
    /* rrd_tune takes a command line and may reorder it: give it its own. */
    char **argv = gw_xcalloc((size_t)n + 3, sizeof(*argv));
    argv[0] = gw_xstrdup("tune");
    argv[1] = gw_xstrdup(path);
    for (int i = 0; i < n; i++)
        argv[i + 2] = gw_xstrdup(ds_args[i]);
    rrd_clear_error();
    int rc = rrd_tune(n + 2, argv);
    for (int i = 0; i < n + 2; i++)
        free(argv[i]);
    free(argv);
    if (rc != 0) {
        *err = gw_rrd_backend_error();
        return -EIO;
    }
    return 0;
}

static int direct_extend(struct gw_rrd_backend *b, const char *path, const char *name, int n,
                         const char **ds_args, char **err)
{
    (void)b;
    (void)name;
    return gw_rrd_direct_tune(path, n, ds_args, err);
}

static void direct_free(struct gw_rrd_backend *b)
{
    free(b->description);
    free(b);
}

static const struct gw_rrd_backend_ops direct_ops = {
    .info = direct_info,
    .create = direct_create,
    .update = direct_update,
    .extend = direct_extend,
    .sync = NULL,
    .free = direct_free,
};

struct gw_rrd_backend *gw_rrd_direct_new(void)
{
    struct gw_rrd_backend *b = gw_xcalloc(1, sizeof(*b));
    b->ops = &direct_ops;
    b->description = gw_xstrdup("direct");
    b->local = true;
    return b;
}
