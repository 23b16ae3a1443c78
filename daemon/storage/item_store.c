#include "storage/item_store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "storage/rrd_schema.h"
#include "storage/rrd_writer.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/xalloc.h"

/* Room for an item's file name: a 120-byte id, every byte %-encoded, fits. */
#define ITEM_FILE_MAX 384

struct gw_item_store {
    char *data_dir, *council, *target;
    uint32_t step_s;
    uint32_t max_items;
    struct gw_rrd_series **series;
    char **files; /* the keys of `index`, owned */
    size_t n, cap;
    struct gw_strmap *index; /* item file name -> position */
    bool full_logged;
};

struct gw_item_store *gw_item_store_new(const char *data_dir, const char *council,
                                        const char *target, uint32_t step_s, uint32_t max_items)
{
    struct gw_item_store *st = gw_xcalloc(1, sizeof(*st));
    st->data_dir = gw_xstrdup(data_dir);
    st->council = gw_xstrdup(council);
    st->target = gw_xstrdup(target);
    st->step_s = step_s;
    st->max_items = max_items;
    st->index = gw_strmap_new();
    return st;
}

void gw_item_store_free(struct gw_item_store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n; i++) {
        gw_rrd_series_unref(st->series[i]);
        free(st->files[i]);
    }
    free(st->series);
    free(st->files);
    gw_strmap_free(st->index);
    free(st->data_dir);
    free(st->council);
    free(st->target);
    free(st);
}

bool gw_item_store_matches(const struct gw_item_store *st, const char *data_dir, uint32_t step_s,
                           uint32_t max_items)
{
    return strcmp(st->data_dir, data_dir) == 0 && st->step_s == step_s &&
           st->max_items == max_items;
}

/* The series of the item file `file`, made when there is room; NULL when there is none. */
static struct gw_rrd_series *series_of(struct gw_item_store *st, const char *file)
{
    size_t at;
    if (gw_strmap_get(st->index, file, &at) == 0)
        return st->series[at];
    if (st->n >= st->max_items) {
        if (!st->full_logged)
            gw_log_warning("%s/%s: more than %u items to track; the others are not recorded "
                           "(raise max_tracked_items)",
                           st->council, st->target, st->max_items);
        st->full_logged = true;
        return NULL;
    }
    struct gw_rrd_series *s =
        gw_rrd_series_new_item(st->data_dir, st->council, st->target, file, st->step_s);
    if (!s)
        return NULL;
    if (st->n == st->cap) {
        st->cap = st->cap ? 2 * st->cap : 16;
        st->series = gw_xreallocarray(st->series, st->cap, sizeof(*st->series));
        st->files = gw_xreallocarray(st->files, st->cap, sizeof(*st->files));
    }
    st->series[st->n] = s;
    st->files[st->n] = gw_xstrdup(file);
    gw_strmap_put(st->index, st->files[st->n], st->n, NULL);
    st->n++;
    return s;
}

size_t gw_item_store_submit(struct gw_item_store *st, struct gw_rrd_writer *writer,
                            const struct gw_items *items, int64_t time_ms)
{
    size_t queued = 0;
    for (size_t i = 0; i < gw_items_count(items); i++) {
        const struct gw_item_rec *r = gw_items_at(items, i);
        char file[ITEM_FILE_MAX];
        gw_rrd_schema_item_file(r->id, file, sizeof(file));
        struct gw_rrd_series *s = series_of(st, file);
        if (!s)
            continue;
        double values[2];
        gw_rrd_schema_item_values(r->status, r->flags, values);
        gw_rrd_writer_submit(writer, s, (double)time_ms / 1000.0, values);
        queued++;
    }
    return queued;
}

bool gw_item_store_submit_named(struct gw_item_store *st, struct gw_rrd_writer *writer,
                                const char *item_file, int64_t time_ms, size_t n,
                                const char *const *names, const double *values)
{
    struct gw_rrd_series *s = series_of(st, item_file);
    if (!s)
        return false;
    double row[2] = {NAN, NAN};
    bool any = false;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < 2; i++)
            if (strcmp(gw_rrd_series_ds(s, i)->name, names[k]) == 0) {
                row[i] = values[k];
                any = true;
            }
    if (any)
        gw_rrd_writer_submit(writer, s, (double)time_ms / 1000.0, row);
    return any;
}
