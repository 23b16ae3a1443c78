#include "report/rrd_rows.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rrd.h>
#include <rrd_client.h>

#include "util/xalloc.h"

struct gw_rrd_rows_reader {
    char *address; /* NULL: direct */
    bool remote;   /* files are on the rrdcached host, named relative to its base */
    bool connected;
    char *description;
};

struct gw_rrd_rows_reader *gw_rrd_rows_reader_new(const char *rrdcached)
{
    struct gw_rrd_rows_reader *r = gw_xcalloc(1, sizeof(*r));
    if (!rrdcached || !*rrdcached) {
        r->description = gw_xstrdup("directly");
        return r;
    }
    r->address = gw_xstrdup(rrdcached);
    r->remote = strncmp(rrdcached, "unix:", 5) != 0 && rrdcached[0] != '/';
    rrd_clear_error();
    r->connected = rrdc_connect(rrdcached) == 0;
    rrd_clear_error();
    r->description = gw_xasprintf("through rrdcached at %s%s", rrdcached,
                                  r->connected ? "" : " (not reachable: files read directly)");
    return r;
}

void gw_rrd_rows_reader_free(struct gw_rrd_rows_reader *r)
{
    if (!r)
        return;
    if (r->connected)
        rrdc_disconnect();
    free(r->address);
    free(r->description);
    free(r);
}

const char *gw_rrd_rows_reader_describe(const struct gw_rrd_rows_reader *r)
{
    return r->description;
}

void gw_rrd_rows_clear(struct gw_rrd_rows *rows)
{
    free(rows->data);
    for (size_t i = 0; i < rows->n_cols; i++)
        free(rows->names[i]);
    free(rows->names);
    memset(rows, 0, sizeof(*rows));
}

int gw_rrd_rows_col(const struct gw_rrd_rows *rows, const char *name)
{
    for (size_t i = 0; i < rows->n_cols; i++)
        if (strcmp(rows->names[i], name) == 0)
            return (int)i;
    return -1;
}

int gw_rrd_rows_read(struct gw_rrd_rows_reader *r, const char *path, const char *name,
                     int64_t start_s, int64_t end_s, struct gw_rrd_rows *out, char **err)
{
    memset(out, 0, sizeof(*out));
    *err = NULL;
    bool fetch_remote = r->connected && r->remote;
    if (!fetch_remote) {
        struct stat st;
        if (stat(path, &st) < 0)
            return errno == ENOENT ? -ENOENT : -errno;
    }
    time_t start = (time_t)start_s, end = (time_t)end_s;
    unsigned long step = 1, n_cols = 0;
    char **names = NULL;
    rrd_value_t *data = NULL;
    rrd_clear_error();
    int rc;
    if (fetch_remote) {
        rc = rrdc_fetch(name, "AVERAGE", &start, &end, &step, &n_cols, &names, &data);
    } else {
        /* A file rrdcached holds points for is written out before it is read. */
        if (r->connected && rrdc_flush(path) != 0)
            rrd_clear_error();
        rc = rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &n_cols, &names, &data);
    }
    if (rc != 0) {
        const char *msg = rrd_get_error();
        *err = gw_xstrdup(msg && *msg ? msg : "librrd could not read it");
        rrd_clear_error();
        if (fetch_remote && strstr(*err, "No such file"))
            return -ENOENT;
        return -EIO;
    }
    size_t rows = step && end > start ? (size_t)((end - start) / (time_t)step) : 0;
    out->first_ms = (int64_t)start * 1000;
    out->step_ms = (int64_t)step * 1000;
    out->n_rows = rows;
    out->n_cols = n_cols;
    out->names = gw_xcalloc(n_cols ? n_cols : 1, sizeof(char *));
    for (unsigned long c = 0; c < n_cols; c++) {
        out->names[c] = gw_xstrdup(names[c]);
        rrd_freemem(names[c]);
    }
    rrd_freemem(names);
    size_t cells = rows * n_cols;
    out->data = gw_xreallocarray(NULL, cells ? cells : 1, sizeof(double));
    for (size_t i = 0; i < cells; i++)
        out->data[i] = data[i];
    rrd_freemem(data);
    return 0;
}
