#include "storage/rrd_spool.h"

#include "util/number.h"
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
    struct gw_strbuf line;
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

void gw_rrd_spool_format(struct gw_strbuf *b, const char *id, int64_t time_ms, size_t n,
                         const char *const *names, const double *values)
{
    gw_strbuf_printf(b, "%s\t%" PRId64, id, time_ms);
    for (size_t i = 0; i < n; i++) {
        gw_strbuf_append_char(b, '\t');
        gw_strbuf_append(b, names[i]);
        gw_strbuf_append_char(b, '=');
        char number[GW_NUMBER_MAX];
        gw_strbuf_append_n(b, number, gw_number_format(number, values[i]));
    }
    gw_strbuf_append_char(b, '\n');
}

void gw_rrd_spool_put(struct gw_rrd_spool *spool, const char *id, int64_t time_ms, size_t n,
                      const char *const *names, const double *values)
{
    gw_rrd_spool_format(&spool->line, id, time_ms, n, names, values);
    fwrite(spool->line.s, 1, spool->line.len, spool->file);
    gw_strbuf_reset(&spool->line);
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
    gw_strbuf_reset(&spool->line);
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

void gw_rrd_spool_damage_clear(struct gw_rrd_spool_damage *d)
{
    free(d->first_torn);
    free(d->first_bad);
    memset(d, 0, sizeof(*d));
}

/* Reads the lines of `path` into g. 0, or a negative errno. */
static int read_into(struct groups *g, const char *path, struct gw_rrd_spool_damage *damage)
{
    FILE *file = fopen(path, "re");
    if (!file)
        return -errno;
    char *line = NULL;
    size_t line_cap = 0, number = 0;
    ssize_t len;
    while ((len = getline(&line, &line_cap, file)) >= 0) {
        number++;
        /* A last line without its newline was cut short (a write that
         * failed, a crash in the middle of one): its last value may be
         * missing digits, so none of it is trusted. */
        if (line[len - 1] != '\n') {
            if (damage->torn++ == 0)
                damage->first_torn = gw_xstrdup(path);
        } else if (line[0] != '\n' && !parse_line(g, line)) {
            if (damage->bad++ == 0)
                damage->first_bad = gw_xasprintf("%s:%zu", path, number);
        }
    }
    int rc = ferror(file) ? -EIO : 0;
    free(line);
    fclose(file);
    return rc;
}

/* Calls fn for each group in `order` (NULL: as they first appeared), then frees them all. */
static void emit_and_free(struct groups *g, const size_t *order, bool emit,
                          gw_rrd_spool_point_fn fn, void *ctx)
{
    for (size_t i = 0; i < g->n; i++) {
        struct group *grp = &g->items[order ? order[i] : i];
        if (emit)
            fn(ctx, grp->id, grp->time_ms, grp->n, (const char *const *)grp->names, grp->values);
    }
    for (size_t i = 0; i < g->n; i++) {
        struct group *grp = &g->items[i];
        for (size_t k = 0; k < grp->n; k++)
            free(grp->names[k]);
        free(grp->names);
        free(grp->values);
        free(grp->id);
        free(grp->key);
    }
    free(g->items);
    gw_strmap_free(g->index);
}

long gw_rrd_spool_read(const char *path, gw_rrd_spool_point_fn fn, void *ctx, size_t *bad)
{
    struct gw_rrd_spool_damage damage = {0};
    struct groups g = {NULL, 0, 0, gw_strmap_new()};
    int rc = read_into(&g, path, &damage);
    long n = (long)g.n;
    emit_and_free(&g, NULL, rc == 0, fn, ctx);
    *bad = damage.bad + damage.torn;
    gw_rrd_spool_damage_clear(&damage);
    return rc < 0 ? rc : n;
}

/* Time order, then the order of first appearance: a stable sort by time. */
static int by_time(const void *a, const void *b, void *arg)
{
    const struct groups *g = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int64_t ti = g->items[i].time_ms, tj = g->items[j].time_ms;
    if (ti != tj)
        return ti < tj ? -1 : 1;
    return i < j ? -1 : i > j;
}

long gw_rrd_spool_read_all(const char *const *paths, size_t n, gw_rrd_spool_point_fn fn, void *ctx,
                           struct gw_rrd_spool_damage *damage)
{
    memset(damage, 0, sizeof(*damage));
    struct groups g = {NULL, 0, 0, gw_strmap_new()};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = read_into(&g, paths[i], damage);
        if (rc == -ENOENT)
            rc = 0;
    }
    size_t *order = gw_xcalloc(g.n ? g.n : 1, sizeof(*order));
    for (size_t i = 0; i < g.n; i++)
        order[i] = i;
    qsort_r(order, g.n, sizeof(*order), by_time, &g);
    long count = (long)g.n;
    emit_and_free(&g, order, rc == 0, fn, ctx);
    free(order);
    return rc < 0 ? rc : count;
}
