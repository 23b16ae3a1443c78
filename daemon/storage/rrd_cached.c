/*
 * The rrdcached RRD backend, through librrd's client (rrd_client.h).
 *
 * librrd keeps one connection per process behind its rrdc_* functions, so
 * this backend owns it: it connects on first use, and after any failed
 * exchange it drops the connection (a failed reply can leave the protocol out
 * of step) so the next call starts on a fresh one. A call that fails because
 * a connection that had worked broke (rrdcached was restarted since) is tried
 * once more on a new connection before the failure counts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rrd.h>
#include <rrd_client.h>

#include "storage/rrd_backend.h"
#include "util/xalloc.h"

/* librrd's client builds each request in a buffer of this size. */
#define CLIENT_LINE_MAX 4096
/* Room for the command word, separators and the newline. */
#define LINE_SLACK 64

struct cached {
    struct gw_rrd_backend base; /* first: the writer sees only this */
    char *address;
    bool used; /* has ever connected: only then is the process's connection ours */
};

enum op {
    OP_INFO,
    OP_CREATE,
    OP_UPDATE,
    OP_FLUSH,
};

/* The arguments of one request. */
struct request {
    enum op op;
    const char *file;
    unsigned long step_s;
    int64_t start_s;
    int argc;
    const char **argv;
    rrd_info_t *info; /* OP_INFO result */
};

static const char *file_of(const struct cached *c, const char *path, const char *name)
{
    return c->base.local ? path : name;
}

static int connect_once(struct cached *c, char **err)
{
    if (rrdc_is_connected(c->address))
        return 0;
    rrd_clear_error();
    int rc = rrdc_connect(c->address);
    if (rc != 0 || !rrdc_is_connected(c->address)) {
        char *why = gw_rrd_backend_error();
        *err = gw_xasprintf("cannot connect to rrdcached at %s: %s", c->address, why);
        free(why);
        rrdc_disconnect();
        return -ENOTCONN;
    }
    c->used = true;
    return 0;
}

/* Sends one request; returns librrd's status (0 on success). */
static int send_request(struct request *r)
{
    switch (r->op) {
    case OP_INFO:
        r->info = rrdc_info(r->file);
        return r->info ? 0 : -1;
    case OP_CREATE:
        return rrdc_create_r2(r->file, r->step_s, (time_t)r->start_s, 1, NULL, NULL, r->argc,
                              r->argv);
    case OP_UPDATE:
        return rrdc_update(r->file, r->argc, r->argv);
    case OP_FLUSH:
        return rrdc_flush(r->file);
    }
    return -1;
}

static int call(struct cached *c, struct request *r, char **err)
{
    for (int attempt = 0;; attempt++) {
        bool was_connected = rrdc_is_connected(c->address);
        int rc = connect_once(c, err);
        if (rc < 0)
            return rc;
        rrd_clear_error();
        int status = send_request(r);
        if (status == 0)
            return 0;
        bool broken = !rrdc_is_connected(c->address);
        if (broken && was_connected && attempt == 0)
            continue;
        char *why = gw_rrd_backend_error();
        rrdc_disconnect();
        if (status == ENOBUFS) {
            free(why);
            *err = gw_xstrdup("request too long for librrd's rrdcached client");
            return -ENOBUFS;
        }
        if (broken) {
            *err = gw_xasprintf("lost the connection to rrdcached at %s: %s", c->address, why);
            free(why);
            return -ENOTCONN;
        }
        *err = why;
        return strstr(why, "No such file") ? -ENOENT : -EIO;
    }
}

static int cached_info(struct gw_rrd_backend *b, const char *path, const char *name,
                       struct gw_rrd_file_info *info, char **err)
{
    struct cached *c = (struct cached *)b;
    struct stat st;
    if (b->local && stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
        *err = gw_xasprintf("%s: %s", path, strerror(errno));
        return -ENOENT;
    }
    /* rrdcached answers INFO from the file on disk, which may lag behind
     * what it holds for it: have it write the file first. (librrd's LAST
     * request, which would answer from memory, reads its reply after
     * freeing it.) A file rrdcached holds nothing of flushes at once. */
    struct request r = {.op = OP_FLUSH, .file = file_of(c, path, name)};
    int rc = call(c, &r, err);
    if (rc == -ENOENT)
        return rc;
    if (rc < 0 && rc != -EIO)
        return rc;
    free(*err);
    *err = NULL;
    r = (struct request){.op = OP_INFO, .file = r.file};
    rc = call(c, &r, err);
    if (rc < 0)
        return rc;
    rc = gw_rrd_backend_info_parse(r.info, info);
    rrd_info_free(r.info);
    if (rc < 0) {
        *err = gw_xasprintf("%s is not an RRD file this daemon can use", r.file);
        return rc;
    }
    /* Flushed, the file on disk has all rrdcached held of it. */
    if (b->local)
        gw_rrd_backend_read_last_ms(path, info);
    return 0;
}

static int cached_create(struct gw_rrd_backend *b, const char *path, const char *name,
                         unsigned long step_s, int64_t start_s, int argc, const char **argv,
                         char **err)
{
    struct cached *c = (struct cached *)b;
    /* Over a unix socket the client resolves the directory here; over the
     * network rrdcached makes it (it must run with -R). */
    if (b->local) {
        int rc = gw_rrd_backend_mkdir_of(path, err);
        if (rc < 0)
            return rc;
    }
    struct request r = {.op = OP_CREATE,
                        .file = file_of(c, path, name),
                        .step_s = step_s,
                        .start_s = start_s,
                        .argc = argc,
                        .argv = argv};
    return call(c, &r, err);
}

/* How many of points[0..n) fit in one request line after the file name. */
static int fitting(const char *file, int n, const char **points)
{
    size_t room = CLIENT_LINE_MAX - LINE_SLACK;
    /* The client escapes spaces and backslashes: count the name at its worst. */
    size_t used = 2 * strlen(file);
    int k = 0;
    while (k < n && used + strlen(points[k]) + 1 <= room) {
        used += strlen(points[k]) + 1;
        k++;
    }
    return k > 0 ? k : 1;
}

static int cached_update(struct gw_rrd_backend *b, const char *path, const char *name, int n,
                         const char **points, char **err)
{
    struct cached *c = (struct cached *)b;
    /* Over a unix socket the client sends the file's absolute path: resolve
     * it here, so the request's length is known before it is built. */
    char *absolute = b->local && path[0] != '/' ? realpath(path, NULL) : NULL;
    const char *file = absolute ? absolute : file_of(c, path, name);
    int rc = 0;
    while (n > 0 && rc == 0) {
        int k = fitting(file, n, points);
        struct request r = {.op = OP_UPDATE, .file = file, .argc = k, .argv = points};
        rc = call(c, &r, err);
        /* The client may name the file longer than we did (symbolic links
         * resolved): send fewer points at a time. */
        while (rc == -ENOBUFS && r.argc > 1) {
            free(*err);
            *err = NULL;
            r.argc /= 2;
            rc = call(c, &r, err);
        }
        points += r.argc;
        n -= r.argc;
    }
    free(absolute);
    return rc;
}

static int cached_sync(struct gw_rrd_backend *b, const char *path, const char *name, char **err)
{
    struct cached *c = (struct cached *)b;
    struct request r = {.op = OP_FLUSH, .file = file_of(c, path, name)};
    return call(c, &r, err);
}

static int cached_extend(struct gw_rrd_backend *b, const char *path, const char *name, int n,
                         const char **ds_args, char **err)
{
    if (!b->local) {
        *err = gw_xasprintf("data sources cannot be added through rrdcached over the network; "
                            "on the store host run: rrdtool tune %s %s%s",
                            name, ds_args[0], n > 1 ? " ..." : "");
        return -ENOTSUP;
    }
    /* The file is on this host: empty rrdcached's queue for it, then tune it
     * here. Nothing else writes it meanwhile: this thread is its only writer. */
    int rc = cached_sync(b, path, name, err);
    if (rc < 0)
        return rc;
    return gw_rrd_direct_tune(path, n, ds_args, err);
}

static void cached_free(struct gw_rrd_backend *b)
{
    struct cached *c = (struct cached *)b;
    if (c->used)
        rrdc_disconnect();
    free(c->address);
    free(b->description);
    free(c);
}

static const struct gw_rrd_backend_ops cached_ops = {
    .info = cached_info,
    .create = cached_create,
    .update = cached_update,
    .extend = cached_extend,
    .sync = cached_sync,
    .free = cached_free,
};

struct gw_rrd_backend *gw_rrd_cached_new(const char *address)
{
    struct cached *c = gw_xcalloc(1, sizeof(*c));
    c->base.ops = &cached_ops;
    c->base.description = gw_xasprintf("rrdcached at %s", address);
    c->base.local = strncmp(address, "unix:", 5) == 0 || address[0] == '/';
    c->address = gw_xstrdup(address);
    return &c->base;
}
