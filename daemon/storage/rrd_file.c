/*
 * One file as the RRD writer knows it: its data sources and last update, read
 * through the backend (or made, when it is missing), extended when its series
 * records more figures, and how a point's values become one of its rows.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "storage/rrd_writer_internal.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/number.h"
#include "util/xalloc.h"

static void file_unmap(struct rrd_file *f)
{
    gw_rrd_series_unref(f->mapped);
    f->mapped = NULL;
    free(f->map);
    f->map = NULL;
}

void gw_rrd_file_forget_ds(struct rrd_file *f)
{
    for (size_t i = 0; i < f->n_file_ds; i++)
        free(f->file_ds[i]);
    free(f->file_ds);
    f->file_ds = NULL;
    f->n_file_ds = 0;
    file_unmap(f);
}

/* Forgets the points kept for a re-check: the file has them for sure. */
void gw_rrd_file_forget_taken(struct rrd_file *f)
{
    struct point *p;
    while ((p = point_list_pop(&f->taken)))
        point_free(p);
    f->n_taken = 0;
}

void gw_rrd_file_free(struct rrd_file *f)
{
    gw_rrd_file_forget_taken(f);
    gw_rrd_file_forget_ds(f);
    free(f->path);
    free(f->name);
    free(f);
}

struct rrd_file *gw_rrd_file_get(struct gw_rrd_writer *w, const char *path, const char *name)
{
    size_t i;
    if (gw_strmap_get(w->file_index, path, &i) == 0)
        return w->files[i];
    struct rrd_file *f = gw_xcalloc(1, sizeof(*f));
    f->path = gw_xstrdup(path);
    f->name = gw_xstrdup(name);
    f->last_ms = -1;
    w->files = gw_xreallocarray(w->files, w->n_files + 1, sizeof(*w->files));
    w->files[w->n_files] = f;
    gw_strmap_put(w->file_index, f->path, w->n_files, NULL);
    w->n_files++;
    return f;
}

static int file_create(struct gw_rrd_writer *w, struct rrd_file *f, const struct point *first,
                       char **err)
{
    const struct gw_rrd_series *s = first->series;
    uint32_t step_s = gw_rrd_series_step(s);
    /* A result speaks for the step before it, as every later one does, so the
     * file starts one step before the first point. */
    int64_t start = first->time_ms / 1000 - (int64_t)step_s;
    if (start < 0)
        start = 0;
    char **argv;
    int argc;
    int rc = gw_rrd_schema_create_args(s, first->file, &argv, &argc);
    if (rc < 0) {
        *err = gw_xasprintf("%s: no such file in the layout of %s", f->path, gw_rrd_series_id(s));
        return rc;
    }
    rc = backend_enter(w, f->path);
    if (rc == 0) {
        rc = w->backend->ops->create(w->backend, f->path, f->name, step_s, start, argc,
                                     (const char **)argv, err);
        rc = backend_leave(w, rc, err);
    }
    gw_rrd_schema_args_free(argv);
    if (rc < 0)
        return rc;
    gw_rrd_failure_backend_ok(w);

    gw_rrd_file_forget_ds(f);
    f->n_file_ds = gw_rrd_series_file_ds_count(s, first->file);
    f->file_ds = gw_xcalloc(f->n_file_ds, sizeof(*f->file_ds));
    for (size_t i = 0; i < f->n_file_ds; i++)
        f->file_ds[i] =
            gw_xstrdup(gw_rrd_series_ds(s, gw_rrd_series_file_ds(s, first->file, i))->name);
    f->last_ms = start * 1000;
    f->step_s = step_s;
    gw_log_debug("rrd: created %s (step %" PRIu32 " s, %zu data sources)", f->path, step_s,
                 f->n_file_ds);
    return 0;
}

/* Loads what the file holds, creating it when missing. */
int gw_rrd_file_open(struct gw_rrd_writer *w, struct rrd_file *f, const struct point *first,
                     char **err)
{
    struct gw_rrd_file_info info = {0};
    int rc = backend_enter(w, f->path);
    if (rc == 0) {
        rc = w->backend->ops->info(w->backend, f->path, f->name, &info, err);
        rc = backend_leave(w, rc, err);
        if (rc == -ECANCELED)
            gw_rrd_backend_info_clear(&info);
    }
    if (rc == -ENOENT) {
        free(*err);
        *err = NULL;
        rc = file_create(w, f, first, err);
    } else if (rc == 0) {
        gw_rrd_failure_backend_ok(w);
        gw_rrd_file_forget_ds(f);
        f->file_ds = info.ds;
        f->n_file_ds = info.n_ds;
        f->step_s = info.step_s;
        /* librrd reports whole seconds; a local file's header tells the
         * milliseconds, so a point replayed in that same second, after the
         * last update, is still written. Otherwise what we wrote ourselves in
         * that second is known exactly, and else the whole second counts as
         * taken. */
        int64_t file_ms = info.last_s * 1000;
        if (info.last_ms >= 0)
            f->last_ms = info.last_ms;
        else if (f->last_ms < file_ms || f->last_ms >= file_ms + 1000)
            f->last_ms = file_ms + 999;
    }
    f->known = rc == 0;
    return rc;
}

static bool file_has_ds(const struct rrd_file *f, const char *name, size_t *index)
{
    for (size_t j = 0; j < f->n_file_ds; j++)
        if (strcmp(f->file_ds[j], name) == 0) {
            *index = j;
            return true;
        }
    return false;
}

/* Adds the data sources of the point's series that the file lacks. */
static int file_extend(struct gw_rrd_writer *w, struct rrd_file *f, const struct point *p,
                       char **err)
{
    const struct gw_rrd_series *s = p->series;
    size_t n = gw_rrd_series_file_ds_count(s, p->file);
    const char **args = gw_xcalloc(n, sizeof(*args));
    size_t *added = gw_xcalloc(n, sizeof(*added));
    size_t n_missing = 0, names_len = 1, j;
    for (size_t k = 0; k < n; k++) {
        size_t ds = gw_rrd_series_file_ds(s, p->file, k);
        if (file_has_ds(f, gw_rrd_series_ds(s, ds)->name, &j))
            continue;
        args[n_missing] = gw_rrd_schema_ds_arg(s, ds);
        added[n_missing++] = ds;
        names_len += strlen(gw_rrd_series_ds(s, ds)->name) + 2;
    }
    int rc = 0;
    if (n_missing > 0 && !f->extend_refused) {
        char *names = gw_xcalloc(1, names_len);
        for (size_t i = 0; i < n_missing; i++) {
            if (i)
                strcat(names, ", ");
            strcat(names, gw_rrd_series_ds(s, added[i])->name);
        }
        rc = backend_enter(w, f->path);
        if (rc == 0) {
            rc = w->backend->ops->extend(w->backend, f->path, f->name, (int)n_missing, args, err);
            rc = backend_leave(w, rc, err);
        }
        if (rc == 0) {
            gw_rrd_failure_backend_ok(w);
            gw_log_notice("rrd: %s: added data sources %s (%s records more figures now)", f->path,
                          names, gw_rrd_series_id(s));
            f->file_ds =
                gw_xreallocarray(f->file_ds, f->n_file_ds + n_missing, sizeof(*f->file_ds));
            for (size_t i = 0; i < n_missing; i++)
                f->file_ds[f->n_file_ds++] = gw_xstrdup(gw_rrd_series_ds(s, added[i])->name);
        } else if (rc == -ENOTSUP) {
            f->extend_refused = true;
            gw_log_warning("rrd: %s has no data source for %s, which are not recorded: %s", f->name,
                           names, *err);
            free(*err);
            *err = NULL;
            rc = 0;
        }
        free(names);
    }
    for (size_t i = 0; i < n_missing; i++)
        free((char *)args[i]);
    free(args);
    free(added);
    return rc;
}

/* Decides how the point's values become a row of the file, extending it first if need be. */
int gw_rrd_file_map(struct gw_rrd_writer *w, struct rrd_file *f, const struct point *p, char **err)
{
    if (f->mapped == p->series && f->mapped_file == p->file)
        return 0;
    int rc = file_extend(w, f, p, err);
    if (rc < 0)
        return rc;
    const struct gw_rrd_series *s = p->series;
    size_t n = gw_rrd_series_file_ds_count(s, p->file);
    file_unmap(f);
    f->mapped = gw_rrd_series_ref(p->series);
    f->mapped_file = p->file;
    f->map = gw_xcalloc(f->n_file_ds, sizeof(*f->map));
    for (size_t j = 0; j < f->n_file_ds; j++) {
        f->map[j] = NOT_IN_SERIES;
        for (size_t k = 0; k < n; k++)
            if (strcmp(gw_rrd_series_ds(s, gw_rrd_series_file_ds(s, p->file, k))->name,
                       f->file_ds[j]) == 0)
                f->map[j] = k;
    }
    uint32_t step_s = gw_rrd_series_step(s);
    if (step_s != f->step_s)
        gw_log_warning("rrd: %s has a step of %lu s but %s is now checked every %" PRIu32
                       " s%s; move the file away to have it made afresh",
                       f->path, f->step_s, gw_rrd_series_id(s), step_s,
                       step_s > 2 * f->step_s ? ": every value it gets will be unknown" : "");
    return 0;
}

static int value_text(char *out, double v)
{
    if (!isfinite(v)) {
        strcpy(out, "U");
        return 1;
    }
    return (int)gw_number_format(out, v);
}

/*
 * Writes the longest run of queued points that can go in one update: of the
 * same series, each later than the one before, at most BATCH_MAX.
 */
int gw_rrd_file_write(struct gw_rrd_writer *w, struct rrd_file *f, char **err)
{
    struct point *batch[BATCH_MAX];
    int n = 0;
    int64_t last_ms = f->last_ms;
    for (struct point *q = f->queue.head; q && n < BATCH_MAX; q = q->next) {
        if (q->series != f->mapped || q->file != f->mapped_file || q->time_ms <= last_ms)
            break;
        batch[n++] = q;
        last_ms = q->time_ms;
    }

    size_t row_max = (f->n_file_ds + 1) * VALUE_TEXT_MAX;
    char *text = gw_xmalloc((size_t)n * row_max);
    const char **argv = gw_xcalloc((size_t)n, sizeof(*argv));
    for (int i = 0; i < n; i++) {
        char *row = text + (size_t)i * row_max;
        int64_t t = batch[i]->time_ms;
        int len = sprintf(row, "%" PRId64 ".%03d", t / 1000, (int)(t % 1000));
        for (size_t j = 0; j < f->n_file_ds; j++) {
            row[len++] = ':';
            size_t k = f->map[j];
            len += value_text(row + len, k == NOT_IN_SERIES ? NAN : batch[i]->values[k]);
        }
        argv[i] = row;
    }
    int rc = backend_enter(w, f->path);
    if (rc == 0) {
        rc = w->backend->ops->update(w->backend, f->path, f->name, n, argv, err);
        rc = backend_leave(w, rc, err);
    }
    free(argv);
    free(text);
    if (rc == -ECANCELED)
        return rc;
    if (rc < 0) {
        /* A first part may be in the file: its header says which, next time. */
        for (int i = 0; i < n; i++)
            batch[i]->attempted = true;
        f->known = false;
        return rc;
    }
    gw_rrd_failure_backend_ok(w);
    atomic_fetch_add(&w->updates, 1);
    uint64_t now_ms = gw_clock_mono_ms();
    for (int i = 0; i < n; i++) {
        struct point *p = point_list_pop(&f->queue);
        if (!w->backend->ops->sync) {
            point_done(w, p, &w->written);
            continue;
        }
        /* rrdcached journals what it takes: ours need not hold it any more. */
        point_unjournal(w, p);
        point_replayed(w, p);
        if (!p->counted)
            atomic_fetch_add(&w->written, 1);
        atomic_fetch_sub(&w->pending, 1);
        p->counted = true;
        p->taken_mono_ms = now_ms;
        point_list_append(&f->taken, p);
        f->n_taken++;
    }
    while (f->taken.head &&
           (f->n_taken > RECHECK_MAX || f->taken.head->taken_mono_ms + RECHECK_MS < now_ms)) {
        point_free(point_list_pop(&f->taken));
        f->n_taken--;
    }
    f->last_ms = last_ms;
    f->unsynced = f->unsynced || w->backend->ops->sync != NULL;
    f->final_writes = f->final_writes || w->final_pass;
    return 0;
}
