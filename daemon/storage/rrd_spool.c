#include "storage/rrd_spool.h"

#include "util/strmap.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct gw_rrd_spool {
    FILE *file;
    char *path;
};

struct gw_rrd_spool *gw_rrd_spool_open(const char *path, char **err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        *err = gw_xasprintf("cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    FILE *file = fdopen(fd, "a");
    if (!file) {
        *err = gw_xasprintf("cannot open %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    struct gw_rrd_spool *spool = gw_xcalloc(1, sizeof(*spool));
    spool->file = file;
    spool->path = gw_xstrdup(path);
    return spool;
}

void gw_rrd_spool_put(struct gw_rrd_spool *spool, const char *id, int64_t time_ms, size_t n,
                      const char *const *names, const double *values)
{
    fprintf(spool->file, "%s\t%" PRId64, id, time_ms);
    for (size_t i = 0; i < n; i++)
        fprintf(spool->file, "\t%s=%.17g", names[i], values[i]);
    fputc('\n', spool->file);
}

int gw_rrd_spool_close(struct gw_rrd_spool *spool, char **err)
{
    int rc = 0;
    errno = 0; /* ferror alone does not set it */
    if (fflush(spool->file) != 0 || ferror(spool->file) || fsync(fileno(spool->file)) != 0)
        rc = -(errno ? errno : EIO);
    if (fclose(spool->file) != 0 && rc == 0)
        rc = -(errno ? errno : EIO);
    if (rc < 0)
        *err = gw_xasprintf("cannot write %s: %s", spool->path, strerror(-rc));
    free(spool->path);
    free(spool);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Reading back
 * ------------------------------------------------------------------------ */

/* The values of one target at one time, gathered from its files' lines. */
struct group {
    char *key; /* "<id>\t<time>": the index's key */
    char *id;
    int64_t time_ms;
    char **names;
    double *values;
    size_t n, cap;
};

struct groups {
    struct group *items;
    size_t n, cap;
    struct gw_strmap *index; /* key -> position */
};

static struct group *group_of(struct groups *g, const char *id, int64_t time_ms)
{
    char *key = gw_xasprintf("%s\t%" PRId64, id, time_ms);
    size_t at;
    if (gw_strmap_get(g->index, key, &at) == 0) {
        free(key);
        return &g->items[at];
    }
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 64;
        g->items = gw_xreallocarray(g->items, g->cap, sizeof(*g->items));
    }
    struct group *grp = &g->items[g->n];
    memset(grp, 0, sizeof(*grp));
    grp->key = key;
    grp->id = gw_xstrdup(id);
    grp->time_ms = time_ms;
    gw_strmap_put(g->index, key, g->n, NULL);
    g->n++;
    return grp;
}

static void group_add(struct group *grp, const char *name, size_t name_len, double value)
{
    for (size_t i = 0; i < grp->n; i++)
        if (strlen(grp->names[i]) == name_len && memcmp(grp->names[i], name, name_len) == 0) {
            grp->values[i] = value;
            return;
        }
    if (grp->n == grp->cap) {
        grp->cap = grp->cap ? 2 * grp->cap : 8;
        grp->names = gw_xreallocarray(grp->names, grp->cap, sizeof(*grp->names));
        grp->values = gw_xreallocarray(grp->values, grp->cap, sizeof(*grp->values));
    }
    grp->names[grp->n] = gw_xstrndup(name, name_len);
    grp->values[grp->n] = value;
    grp->n++;
}

/* One line into its group. Returns false, touching nothing, when it is not a spool line. */
static bool parse_line(struct groups *g, char *line)
{
    line[strcspn(line, "\r\n")] = '\0';
    char *id = line, *tab = strchr(line, '\t');
    if (!tab || tab == id)
        return false;
    *tab = '\0';
    char *time_s = tab + 1, *end;
    errno = 0;
    long long time_ms = strtoll(time_s, &end, 10);
    if (errno || end == time_s || (*end != '\t' && *end != '\0') || time_ms <= 0)
        return false;

    /* Check every field before keeping any. */
    size_t fields = 0;
    for (char *f = end; *f == '\t'; fields++) {
        char *name = f + 1, *eq = strchr(name, '='), *next = strchr(name, '\t');
        if (!eq || eq == name || (next && eq > next))
            return false;
        char *value_end;
        strtod(eq + 1, &value_end);
        if (value_end == eq + 1 || (*value_end != '\t' && *value_end != '\0'))
            return false;
        f = value_end;
    }
    if (fields == 0)
        return false;
    struct group *grp = group_of(g, id, time_ms);
    for (char *f = end; *f == '\t';) {
        char *name = f + 1, *eq = strchr(name, '=');
        char *value_end;
        double value = strtod(eq + 1, &value_end);
        group_add(grp, name, (size_t)(eq - name), value);
        f = value_end;
    }
    return true;
}

long gw_rrd_spool_read(const char *path, gw_rrd_spool_point_fn fn, void *ctx, size_t *bad)
{
    *bad = 0;
    FILE *file = fopen(path, "re");
    if (!file)
        return -errno;
    struct groups g = {NULL, 0, 0, gw_strmap_new()};
    char *line = NULL;
    size_t line_cap = 0;
    while (getline(&line, &line_cap, file) >= 0)
        if (line[0] != '\n' && !parse_line(&g, line))
            (*bad)++;
    int rc = ferror(file) ? -EIO : 0;
    free(line);
    fclose(file);

    for (size_t i = 0; i < g.n; i++) {
        struct group *grp = &g.items[i];
        if (rc == 0)
            fn(ctx, grp->id, grp->time_ms, grp->n, (const char *const *)grp->names, grp->values);
        for (size_t k = 0; k < grp->n; k++)
            free(grp->names[k]);
        free(grp->names);
        free(grp->values);
        free(grp->id);
        free(grp->key);
    }
    free(g.items);
    gw_strmap_free(g.index);
    return rc < 0 ? rc : (long)g.n;
}
