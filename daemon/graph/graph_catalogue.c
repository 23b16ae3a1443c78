#include "graph/graph_internal.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rrd.h>
#include <rrd_client.h>

#include "util/xalloc.h"

/*
 * A target's data sources may be spread over several files; each file is
 * asked what it holds, so the layout can change without this module knowing.
 */

static const char *const cf_names[GRAPH_CF_COUNT] = {"AVERAGE", "MIN", "MAX"};

const char *gw_graph_catalogue_cf_name(enum graph_cf cf)
{
    return cf_names[cf];
}

/* A file name inside DEF:name=FILE:ds:CF, where ':' separates fields. */
static char *def_path(const char *path)
{
    struct gw_strbuf b = {0};
    for (const char *s = path; *s; s++) {
        if (*s == ':')
            gw_strbuf_append(&b, "\\:");
        else
            gw_strbuf_append_n(&b, s, 1);
    }
    return gw_strbuf_take(&b);
}

const struct graph_ds *gw_graph_catalogue_find_cf(const struct graph_catalogue *cat,
                                                  const char *name, enum graph_cf cf)
{
    for (size_t i = 0; i < cat->n_ds; i++)
        if (strcmp(cat->ds[i].name, name) == 0 && cat->parts[cat->ds[i].part].has_cf[cf])
            return &cat->ds[i];
    return NULL;
}

const struct graph_ds *gw_graph_catalogue_find(const struct graph_catalogue *cat, const char *name)
{
    return gw_graph_catalogue_find_cf(cat, name, GRAPH_CF_AVERAGE);
}

/* "ds[NAME].index" gives NAME. */
static char *info_ds_name(const char *key)
{
    if (strncmp(key, "ds[", 3) != 0)
        return NULL;
    const char *close = strstr(key, "].index");
    if (!close || close[7] != '\0')
        return NULL;
    return gw_xstrndup(key + 3, (size_t)(close - key - 3));
}

/* Adds a file, its data sources and the consolidation functions of its archives. */
static void catalogue_add_file(struct graph_catalogue *cat, const char *path)
{
    rrd_clear_error();
    rrd_info_t *info = rrd_info_r(path);
    if (!info) {
        rrd_clear_error();
        return;
    }
    struct graph_part part = {0};
    size_t first_ds = cat->n_ds;
    for (rrd_info_t *i = info; i; i = i->next) {
        if (i->type == RD_I_STR && strncmp(i->key, "rra[", 4) == 0 && strstr(i->key, "].cf")) {
            for (int c = 0; c < GRAPH_CF_COUNT; c++)
                part.has_cf[c] = part.has_cf[c] || strcmp(i->value.u_str, cf_names[c]) == 0;
            continue;
        }
        char *name = info_ds_name(i->key);
        if (!name)
            continue;
        cat->ds = gw_xreallocarray(cat->ds, cat->n_ds + 1, sizeof(*cat->ds));
        cat->ds[cat->n_ds++] = (struct graph_ds){.name = name, .part = cat->n_parts};
    }
    rrd_info_free(info);
    if (cat->n_ds == first_ds)
        return;
    part.path = gw_xstrdup(path);
    part.def_path = def_path(path);
    cat->parts = gw_xreallocarray(cat->parts, cat->n_parts + 1, sizeof(*cat->parts));
    cat->parts[cat->n_parts++] = part;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void gw_graph_catalogue_scan(struct graph_catalogue *cat, const char *data_dir, const char *council,
                             const char *target)
{
    char *dir = gw_xasprintf("%s/%s", data_dir, council);
    char *main_path = gw_xasprintf("%s/%s.rrd", dir, target);
    struct stat st;
    if (stat(main_path, &st) == 0 && S_ISREG(st.st_mode))
        catalogue_add_file(cat, main_path);
    free(main_path);

    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0;
    size_t tlen = strlen(target);
    for (struct dirent *e; d && (e = readdir(d));) {
        const char *name = e->d_name;
        size_t len = strlen(name);
        if (len <= tlen + 5 || strncmp(name, target, tlen) != 0 || name[tlen] != '.' ||
            strcmp(name + len - 4, ".rrd") != 0)
            continue;
        /* Exactly one part between the dots: target ids have none of their own. */
        const char *part = name + tlen + 1;
        if (memchr(part, '.', (size_t)(name + len - 4 - part)))
            continue;
        names = gw_xreallocarray(names, n + 1, sizeof(*names));
        names[n++] = gw_xasprintf("%s/%s", dir, name);
    }
    if (d)
        closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        catalogue_add_file(cat, names[i]);
        free(names[i]);
    }
    free(names);
    free(dir);
}

/*
 * Flushes the files through rrdcached so the newest points are drawn. Uses
 * librrd's one process-wide rrdcached connection (the only client interface
 * librrd 1.7 exports), so only under the drawing lock (gw_graph_draw_lock).
 */
void gw_graph_catalogue_flush(const struct graph_catalogue *cat, bool connected)
{
    for (size_t i = 0; connected && i < cat->n_parts; i++)
        if (rrdc_flush(cat->parts[i].path) != 0)
            rrd_clear_error();
}

void gw_graph_catalogue_stats(struct graph_catalogue *cat, int64_t start_s, int64_t end_s,
                              unsigned long step_s)
{
    for (size_t p = 0; p < cat->n_parts; p++) {
        if (!cat->parts[p].has_cf[GRAPH_CF_AVERAGE])
            continue;
        time_t start = (time_t)start_s, end = (time_t)end_s;
        unsigned long step = step_s, n_cols = 0;
        char **names = NULL;
        rrd_value_t *data = NULL;
        rrd_clear_error();
        if (rrd_fetch_r(cat->parts[p].path, "AVERAGE", &start, &end, &step, &n_cols, &names,
                        &data) != 0) {
            rrd_clear_error();
            continue;
        }
        size_t rows = step ? (size_t)((end - start) / (time_t)step) : 0;
        for (unsigned long c = 0; c < n_cols; c++) {
            struct graph_ds *loc = NULL;
            for (size_t d = 0; d < cat->n_ds && !loc; d++)
                if (cat->ds[d].part == p && strcmp(cat->ds[d].name, names[c]) == 0)
                    loc = &cat->ds[d];
            if (loc) {
                loc->step_s = (double)step;
                for (size_t r = 0; r < rows; r++) {
                    double v = data[r * n_cols + c];
                    if (isnan(v))
                        continue;
                    loc->sum += v;
                    loc->max = loc->n_known ? fmax(loc->max, v) : v;
                    loc->n_known++;
                }
            }
            rrd_freemem(names[c]);
        }
        rrd_freemem(names);
        rrd_freemem(data);
    }
}

void gw_graph_catalogue_free(struct graph_catalogue *cat)
{
    for (size_t i = 0; i < cat->n_parts; i++) {
        free(cat->parts[i].path);
        free(cat->parts[i].def_path);
    }
    for (size_t i = 0; i < cat->n_ds; i++)
        free(cat->ds[i].name);
    free(cat->parts);
    free(cat->ds);
    memset(cat, 0, sizeof(*cat));
}

double gw_graph_catalogue_mean(const struct graph_ds *loc)
{
    return loc && loc->n_known ? loc->sum / (double)loc->n_known : NAN;
}

double gw_graph_catalogue_downtime_s(const struct graph_ds *loc)
{
    return loc ? ((double)loc->n_known - loc->sum) * loc->step_s : 0;
}
