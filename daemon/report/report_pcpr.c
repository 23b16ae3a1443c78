/*
 * The charge points of a report: each tracked item's `working` history, all
 * of them together, and the feed's own figure for its rapid charge points
 * (report/pcpr.h counts them).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "util/xalloc.h"

/* "%2F" back to "/" for people; an id cut and hashed stays as it is. */
static char *item_id_of(const char *file)
{
    size_t len = strlen(file) - 4; /* ".rrd" */
    char *id = gw_xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        if (file[i] == '%' && i + 2 < len && sscanf(file + i + 1, "%2x", &v) == 1) {
            id[o++] = (char)v;
            i += 2;
        } else {
            id[o++] = file[i];
        }
    }
    id[o] = '\0';
    return id;
}

static int charger_cmp(const void *a, const void *b)
{
    return strcmp(((const struct gw_report_charger *)a)->id,
                  ((const struct gw_report_charger *)b)->id);
}

/* Adds the rows of a `working` or ratio column to p, each counted for its part in [from, to). */
static void add_ratio_rows(struct gw_pcpr *p, const struct gw_rrd_rows *rows, int col, int64_t from,
                           int64_t to)
{
    for (size_t k = 0; k < rows->n_rows; k++) {
        int64_t r0 = rows->first_ms + (int64_t)k * rows->step_ms, r1 = r0 + rows->step_ms;
        int64_t lo = r0 > from ? r0 : from, hi = r1 < to ? r1 : to;
        if (hi > lo)
            gw_pcpr_add_ratio(p, rows->data[k * rows->n_cols + (size_t)col], hi - lo);
    }
}

void gw_report_pcpr_build(struct gw_report *r, const struct gw_config *config,
                          struct gw_rrd_rows_reader *reader, const struct gw_target_conf *t)
{
    const struct gw_council_conf *c = &config->councils[t->council];
    char *dir = gw_xasprintf("%s/%s/%s.items", config->daemon.data_dir, c->id, t->name);
    struct gw_report_pcpr entry = {.target = t, .rapid_reliability = NAN};

    /* The feed's own figure for its rapid charge points, from the target's file. */
    struct gw_rrd_rows rows;
    char *path = gw_xasprintf("%s/%s/%s.rrd", config->daemon.data_dir, c->id, t->name);
    char *name = gw_xasprintf("%s/%s.rrd", c->id, t->name);
    int rc = gw_report_read_file(r, reader, path, name, r->start_ms, r->measured_end_ms, &rows);
    free(path);
    free(name);
    if (rc == 0) {
        int col = gw_rrd_rows_col(&rows, "rapid_reliability");
        if (col >= 0) {
            struct gw_pcpr net = {0};
            add_ratio_rows(&net, &rows, col, r->start_ms, r->measured_end_ms);
            entry.rapid_reliability = gw_pcpr_reliability(&net);
        }
        gw_rrd_rows_clear(&rows);
    }

    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, ".rrd") != 0 || e->d_name[0] == '.')
            continue;
        path = gw_xasprintf("%s/%s", dir, e->d_name);
        name = gw_xasprintf("%s/%s.items/%s", c->id, t->name, e->d_name);
        if (gw_report_read_file(r, reader, path, name, r->start_ms, r->measured_end_ms, &rows) ==
            0) {
            int col = gw_rrd_rows_col(&rows, "working");
            struct gw_pcpr p = {0};
            if (col >= 0)
                add_ratio_rows(&p, &rows, col, r->start_ms, r->measured_end_ms);
            /* Only rapid charge points have a `working` figure (storage/rrd_schema.h):
             * an item with none in the period is not one, or was not measured. */
            if (p.working_ms + p.broken_ms > 0) {
                entry.chargers =
                    gw_xreallocarray(entry.chargers, entry.n_chargers + 1, sizeof(*entry.chargers));
                struct gw_report_charger *ch = &entry.chargers[entry.n_chargers++];
                memset(ch, 0, sizeof(*ch));
                ch->id = item_id_of(e->d_name);
                ch->p = p;
                gw_pcpr_sum(&entry.network, &ch->p);
            }
            gw_rrd_rows_clear(&rows);
        }
        free(path);
        free(name);
    }
    if (d)
        closedir(d);
    free(dir);
    if (entry.n_chargers > 1)
        qsort(entry.chargers, entry.n_chargers, sizeof(*entry.chargers), charger_cmp);
    if (entry.n_chargers || !isnan(entry.rapid_reliability)) {
        r->pcpr = gw_xreallocarray(r->pcpr, r->n_pcpr + 1, sizeof(*r->pcpr));
        r->pcpr[r->n_pcpr++] = entry;
    }
}

bool gw_report_pcpr_wanted(const struct gw_target_conf *t)
{
    for (size_t i = 0; i < t->n_figures; i++)
        if (strcmp(t->figures[i].name, "rapid_reliability") == 0)
            return true;
    return t->category && strcmp(t->category, "ev-charging") == 0;
}
