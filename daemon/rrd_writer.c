#include "rrd_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rrd.h>
#include <uv.h>

#include "clock.h"
#include "log.h"
#include "strmap.h"
#include "xalloc.h"

#define BACKOFF_FIRST_MS 1000u
#define BACKOFF_MAX_MS   30000u
#define DIR_MODE         0750
#define NO_DEADLINE      UINT64_MAX
/* Enough for "%.17g" of any double and its separator. */
#define VALUE_TEXT_MAX 32

struct point {
    struct point *next;
    struct gw_rrd_series *series;
    int64_t time_ms;
    double values[];
};

struct point_list {
    struct point *head;
    struct point *tail;
};

/* What the writer thread knows of one file. Only the writer thread touches it. */
struct rrd_file {
    char *path; /* the key of file_index */
    struct point_list queue;
    bool busy;  /* on the writer's list of files with queued points */
    bool known; /* seen on disk: file_ds and last_ms are loaded */
    int64_t last_ms;
    unsigned long step_s;
    char **file_ds;
    size_t n_file_ds;
    /* How values of `mapped` are written to this file: which of them, and
     * the template naming them (NULL when they are the file's, in order). */
    struct gw_rrd_series *mapped;
    char *tmpl;
    size_t *map;
    size_t n_map;
    bool failing;
    uint64_t backoff_ms;
    uint64_t retry_mono_ms;
};

struct gw_rrd_writer {
    size_t max_pending;

    uv_mutex_t lock;
    uv_cond_t wake;
    struct point_list inbox; /* under lock */
    bool stopping;           /* under lock */

    /* The caller's side: start and stop. */
    uv_thread_t thread;
    bool started;
    bool joined;

    atomic_uint_fast64_t written;
    atomic_uint_fast64_t pending;
    atomic_uint_fast64_t errors;
    atomic_uint_fast64_t dropped_stale;
    atomic_uint_fast64_t dropped_overflow;
    atomic_bool overflow_logged;

    /* The writer thread's own. */
    struct gw_strmap *file_index;
    struct rrd_file **files;
    size_t n_files;
    struct rrd_file **busy; /* files with queued points */
    size_t n_busy;
    size_t n_failing;
    uint64_t failing_since_ms;
};

/* ---------------------------------------------------------------------------
 * Points
 * ------------------------------------------------------------------------ */

static void list_append(struct point_list *list, struct point *p)
{
    p->next = NULL;
    if (list->tail)
        list->tail->next = p;
    else
        list->head = p;
    list->tail = p;
}

static struct point *list_pop(struct point_list *list)
{
    struct point *p = list->head;
    if (p) {
        list->head = p->next;
        if (!list->head)
            list->tail = NULL;
    }
    return p;
}

static void point_free(struct point *p)
{
    gw_rrd_series_unref(p->series);
    free(p);
}

/* Releases a point that leaves the queue, counting why. */
static void point_done(struct gw_rrd_writer *w, struct point *p, atomic_uint_fast64_t *counter)
{
    atomic_fetch_add(counter, 1);
    atomic_fetch_sub(&w->pending, 1);
    point_free(p);
}

/* ---------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

static void file_unmap(struct rrd_file *f)
{
    gw_rrd_series_unref(f->mapped);
    f->mapped = NULL;
    free(f->tmpl);
    f->tmpl = NULL;
    free(f->map);
    f->map = NULL;
    f->n_map = 0;
}

static void file_forget_ds(struct rrd_file *f)
{
    for (size_t i = 0; i < f->n_file_ds; i++)
        free(f->file_ds[i]);
    free(f->file_ds);
    f->file_ds = NULL;
    f->n_file_ds = 0;
    file_unmap(f);
}

static void file_free(struct rrd_file *f)
{
    file_forget_ds(f);
    free(f->path);
    free(f);
}

static struct rrd_file *file_get(struct gw_rrd_writer *w, const char *path)
{
    size_t i;
    if (gw_strmap_get(w->file_index, path, &i) == 0)
        return w->files[i];
    struct rrd_file *f = gw_xcalloc(1, sizeof(*f));
    f->path = gw_xstrdup(path);
    f->last_ms = -1;
    w->files = gw_xreallocarray(w->files, w->n_files + 1, sizeof(*w->files));
    w->files[w->n_files] = f;
    gw_strmap_put(w->file_index, f->path, w->n_files, NULL);
    w->n_files++;
    return f;
}

/* librrd keeps its last error per thread; take it and clear it. */
static char *rrd_error_take(void)
{
    const char *e = rrd_test_error() ? rrd_get_error() : NULL;
    char *msg = gw_xstrdup(e && *e ? e : "unknown librrd error");
    rrd_clear_error();
    return msg;
}

static int mkdir_p(const char *dir, char **err)
{
    char *path = gw_xstrdup(dir);
    int rc = 0;
    for (char *c = path + 1;; c++) {
        if (*c != '/' && *c != '\0')
            continue;
        char saved = *c;
        *c = '\0';
        if (mkdir(path, DIR_MODE) != 0 && errno != EEXIST) {
            rc = -errno;
            *err = gw_xasprintf("cannot create directory %s: %s", path, strerror(errno));
            break;
        }
        *c = saved;
        if (saved == '\0')
            break;
    }
    free(path);
    if (rc < 0)
        return rc;
    /* mkdir's EEXIST also covers a regular file in the directory's place. */
    struct stat st;
    if (stat(dir, &st) != 0)
        rc = -errno;
    else if (!S_ISDIR(st.st_mode))
        rc = -ENOTDIR;
    if (rc < 0)
        *err = gw_xasprintf("%s is not a usable directory: %s", dir, strerror(-rc));
    return rc;
}

static int file_create(struct rrd_file *f, const struct point *first, char **err)
{
    const struct gw_rrd_series *s = first->series;
    int rc = mkdir_p(gw_rrd_series_dir(s), err);
    if (rc < 0)
        return rc;

    /* A result speaks for the step before it, as every later one does, so the
     * file starts one step before the first point. */
    int64_t start = first->time_ms / 1000 - (int64_t)gw_rrd_series_step(s);
    if (start < 0)
        start = 0;
    char **argv;
    int argc;
    gw_rrd_schema_create_args(s, &argv, &argc);
    rrd_clear_error();
    rc = rrd_create_r2(f->path, gw_rrd_series_step(s), (time_t)start, 1, NULL, NULL, argc,
                       (const char **)argv);
    gw_rrd_schema_args_free(argv);
    if (rc != 0) {
        *err = rrd_error_take();
        return -EIO;
    }

    file_forget_ds(f);
    f->n_file_ds = gw_rrd_series_ds_count(s);
    f->file_ds = gw_xcalloc(f->n_file_ds, sizeof(*f->file_ds));
    for (size_t i = 0; i < f->n_file_ds; i++)
        f->file_ds[i] = gw_xstrdup(gw_rrd_series_ds(s, i)->name);
    f->last_ms = start * 1000;
    f->step_s = gw_rrd_series_step(s);
    gw_log_debug("rrd: created %s (step %" PRIu32 " s, %zu data sources)", f->path,
                 gw_rrd_series_step(s), f->n_file_ds);
    return 0;
}

/* The file's step, data sources and last update, from its header. */
static int file_read(struct rrd_file *f, char **err)
{
    rrd_clear_error();
    rrd_info_t *info = rrd_info_r(f->path);
    if (!info) {
        *err = rrd_error_take();
        return -EIO;
    }
    file_forget_ds(f);
    time_t last = 0;
    for (rrd_info_t *i = info; i; i = i->next) {
        if (strcmp(i->key, "last_update") == 0) {
            last = (time_t)i->value.u_cnt;
        } else if (strcmp(i->key, "step") == 0) {
            f->step_s = i->value.u_cnt;
        } else if (strncmp(i->key, "ds[", 3) == 0) {
            /* librrd lists each data source's "ds[<name>].index" in index order. */
            const char *end = strstr(i->key, "].index");
            if (!end || end[7] != '\0')
                continue;
            f->file_ds = gw_xreallocarray(f->file_ds, f->n_file_ds + 1, sizeof(*f->file_ds));
            f->file_ds[f->n_file_ds++] = gw_xstrndup(i->key + 3, (size_t)(end - i->key - 3));
        }
    }
    rrd_info_free(info);

    /* librrd reports whole seconds. What we wrote ourselves in that second is
     * known exactly; otherwise the whole second counts as taken. */
    int64_t file_ms = (int64_t)last * 1000;
    if (f->last_ms < file_ms || f->last_ms >= file_ms + 1000)
        f->last_ms = file_ms + 999;
    return 0;
}

/* Loads what the file holds, creating it (and its directory) when missing. */
static int file_open(struct rrd_file *f, const struct point *first, char **err)
{
    struct stat st;
    int rc;
    if (stat(f->path, &st) == 0)
        rc = file_read(f, err);
    else if (errno == ENOENT || errno == ENOTDIR)
        rc = file_create(f, first, err);
    else {
        rc = -errno;
        *err = gw_xasprintf("%s: %s", f->path, strerror(-rc));
    }
    f->known = rc == 0;
    return rc;
}

/* Decides which of the series' values go to the file, and under which names. */
static void file_map(struct rrd_file *f, struct gw_rrd_series *s)
{
    if (f->mapped == s)
        return;
    file_unmap(f);
    f->mapped = gw_rrd_series_ref(s);
    size_t n = gw_rrd_series_ds_count(s);
    f->map = gw_xcalloc(n, sizeof(*f->map));
    bool same_order = n == f->n_file_ds;
    size_t tmpl_len = 1, missing_len = 1;
    for (size_t i = 0; i < n; i++) {
        const char *name = gw_rrd_series_ds(s, i)->name;
        size_t j = 0;
        while (j < f->n_file_ds && strcmp(f->file_ds[j], name) != 0)
            j++;
        if (j < f->n_file_ds) {
            f->map[f->n_map++] = i;
            tmpl_len += strlen(name) + 1;
        } else {
            missing_len += strlen(name) + 2;
        }
        same_order = same_order && j == i;
    }
    uint32_t step_s = gw_rrd_series_step(s);
    if (step_s != f->step_s)
        gw_log_warning("rrd: %s has a step of %lu s but %s is now checked every %" PRIu32
                       " s%s; move the file away to have it made afresh",
                       f->path, f->step_s, gw_rrd_series_id(s), step_s,
                       step_s > 2 * f->step_s ? ": every value it gets will be unknown" : "");
    if (same_order)
        return;

    char *missing = gw_xcalloc(1, missing_len);
    f->tmpl = gw_xcalloc(1, tmpl_len);
    for (size_t i = 0, k = 0; i < n; i++) {
        const char *name = gw_rrd_series_ds(s, i)->name;
        if (k < f->n_map && f->map[k] == i) {
            if (k++ > 0)
                strcat(f->tmpl, ":");
            strcat(f->tmpl, name);
        } else {
            if (*missing)
                strcat(missing, ", ");
            strcat(missing, name);
        }
    }
    if (*missing)
        gw_log_warning("rrd: %s has no data source for %s (the check's figures changed since "
                       "it was created): those are not recorded; move the file away to have it "
                       "made afresh",
                       f->path, missing);
    free(missing);
}

static void value_text(char *out, double v)
{
    if (!isfinite(v)) {
        strcpy(out, "U");
        return;
    }
    snprintf(out, VALUE_TEXT_MAX, "%.15g", v);
    if (strtod(out, NULL) != v)
        snprintf(out, VALUE_TEXT_MAX, "%.17g", v);
}

static int file_update(struct rrd_file *f, const struct point *p, char **err)
{
    file_map(f, p->series);
    if (f->n_map == 0) {
        *err = gw_xasprintf("%s has none of the data sources of %s", f->path,
                            gw_rrd_series_id(p->series));
        return -EINVAL;
    }
    char *arg = gw_xmalloc((f->n_map + 1) * VALUE_TEXT_MAX);
    int len = sprintf(arg, "%" PRId64 ".%03d", p->time_ms / 1000, (int)(p->time_ms % 1000));
    for (size_t k = 0; k < f->n_map; k++) {
        arg[len++] = ':';
        value_text(arg + len, p->values[f->map[k]]);
        len += (int)strlen(arg + len);
    }
    const char *argv[] = {arg};
    rrd_clear_error();
    int rc = rrd_update_r(f->path, f->tmpl, 1, argv);
    free(arg);
    if (rc != 0) {
        *err = rrd_error_take();
        return -EIO;
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * The writer thread
 * ------------------------------------------------------------------------ */

static void file_failed(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t now_ms,
                        const char *err)
{
    atomic_fetch_add(&w->errors, 1);
    /* The directory or the file may be replaced before the next attempt. */
    f->known = false;
    f->backoff_ms = f->backoff_ms ? f->backoff_ms * 2 : BACKOFF_FIRST_MS;
    if (f->backoff_ms > BACKOFF_MAX_MS)
        f->backoff_ms = BACKOFF_MAX_MS;
    f->retry_mono_ms = now_ms + f->backoff_ms;
    if (!f->failing) {
        f->failing = true;
        if (w->n_failing++ == 0) {
            w->failing_since_ms = now_ms;
            gw_log_warning("rrd: cannot write %s: %s; keeping its points in memory and "
                           "retrying",
                           f->path, err);
            return;
        }
    }
    gw_log_debug("rrd: cannot write %s: %s; next attempt in %" PRIu64 " ms", f->path, err,
                 f->backoff_ms);
}

static void file_recovered(struct gw_rrd_writer *w, struct rrd_file *f)
{
    f->failing = false;
    f->backoff_ms = 0;
    if (--w->n_failing == 0)
        gw_log_notice("rrd: writing works again after %" PRIu64 " s (last to recover: %s)",
                      (gw_clock_mono_ms() - w->failing_since_ms) / 1000, f->path);
}

/* Writes the file's queued points, oldest first, until one fails. */
static void file_flush(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t now_ms)
{
    char *err = NULL;
    if (!f->known && file_open(f, f->queue.head, &err) < 0) {
        file_failed(w, f, now_ms, err);
        free(err);
        return;
    }
    struct point *p;
    while ((p = f->queue.head)) {
        if (p->time_ms <= f->last_ms) {
            gw_log_debug("rrd: %s: dropped a point at %" PRId64 " ms, not after the last "
                         "update at %" PRId64 " ms",
                         f->path, p->time_ms, f->last_ms);
            point_done(w, list_pop(&f->queue), &w->dropped_stale);
            continue;
        }
        if (file_update(f, p, &err) < 0) {
            file_failed(w, f, now_ms, err);
            free(err);
            return;
        }
        f->last_ms = p->time_ms;
        point_done(w, list_pop(&f->queue), &w->written);
    }
    if (f->failing)
        file_recovered(w, f);
}

static void route(struct gw_rrd_writer *w, struct point *p)
{
    while (p) {
        struct point *next = p->next;
        struct rrd_file *f = file_get(w, gw_rrd_series_path(p->series));
        list_append(&f->queue, p);
        if (!f->busy) {
            f->busy = true;
            w->busy = gw_xreallocarray(w->busy, w->n_busy + 1, sizeof(*w->busy));
            w->busy[w->n_busy++] = f;
        }
        p = next;
    }
}

/*
 * Flushes every busy file whose backoff has passed (every one when `all`).
 * Returns the milliseconds until the next retry is due, or NO_DEADLINE.
 */
static uint64_t flush_due(struct gw_rrd_writer *w, bool all)
{
    uint64_t now_ms = gw_clock_mono_ms();
    uint64_t wait_ms = NO_DEADLINE;
    size_t keep = 0;
    for (size_t i = 0; i < w->n_busy; i++) {
        struct rrd_file *f = w->busy[i];
        if (all || f->retry_mono_ms <= now_ms)
            file_flush(w, f, now_ms);
        if (!f->queue.head) {
            f->busy = false;
            continue;
        }
        w->busy[keep++] = f;
        uint64_t due = f->retry_mono_ms > now_ms ? f->retry_mono_ms - now_ms : 0;
        if (due < wait_ms)
            wait_ms = due;
    }
    w->n_busy = keep;
    if (atomic_load(&w->overflow_logged) &&
        atomic_load(&w->pending) <= (uint_fast64_t)w->max_pending / 2) {
        atomic_store(&w->overflow_logged, false);
        gw_log_notice("rrd: the write queue has room again");
    }
    return wait_ms;
}

static void abandon(struct gw_rrd_writer *w)
{
    uint64_t lost = 0;
    for (size_t i = 0; i < w->n_busy; i++) {
        struct point *p;
        while ((p = list_pop(&w->busy[i]->queue))) {
            point_done(w, p, &w->dropped_overflow);
            lost++;
        }
        w->busy[i]->busy = false;
    }
    w->n_busy = 0;
    if (lost)
        gw_log_warning("rrd: stopping with %" PRIu64 " points that could not be written; "
                       "they are lost",
                       lost);
}

static void writer_main(void *arg)
{
    struct gw_rrd_writer *w = arg;
    /* Timestamps and values are written with '.' whatever the daemon's locale. */
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t previous = c_locale ? uselocale(c_locale) : (locale_t)0;

    uv_mutex_lock(&w->lock);
    for (;;) {
        struct point *in = w->inbox.head;
        w->inbox.head = w->inbox.tail = NULL;
        bool last_pass = w->stopping;
        uv_mutex_unlock(&w->lock);

        route(w, in);
        uint64_t wait_ms = flush_due(w, last_pass);

        uv_mutex_lock(&w->lock);
        if (last_pass)
            break;
        if (w->inbox.head || w->stopping || wait_ms == 0)
            continue;
        if (wait_ms == NO_DEADLINE)
            uv_cond_wait(&w->wake, &w->lock);
        else
            uv_cond_timedwait(&w->wake, &w->lock, wait_ms * 1000000u);
    }
    uv_mutex_unlock(&w->lock);
    abandon(w);

    if (c_locale) {
        uselocale(previous);
        freelocale(c_locale);
    }
}

/* ---------------------------------------------------------------------------
 * The caller's side
 * ------------------------------------------------------------------------ */

struct gw_rrd_writer *gw_rrd_writer_new(size_t max_pending)
{
    struct gw_rrd_writer *w = gw_xcalloc(1, sizeof(*w));
    w->max_pending = max_pending ? max_pending : GW_RRD_WRITER_MAX_PENDING;
    if (uv_mutex_init(&w->lock) != 0 || uv_cond_init(&w->wake) != 0) {
        fprintf(stderr, "gwyliwr: cannot initialise the RRD writer's lock\n");
        abort();
    }
    atomic_init(&w->written, 0);
    atomic_init(&w->pending, 0);
    atomic_init(&w->errors, 0);
    atomic_init(&w->dropped_stale, 0);
    atomic_init(&w->dropped_overflow, 0);
    atomic_init(&w->overflow_logged, false);
    w->file_index = gw_strmap_new();
    return w;
}

int gw_rrd_writer_start(struct gw_rrd_writer *w)
{
    if (w->started)
        return -EALREADY;
    int rc = uv_thread_create(&w->thread, writer_main, w);
    if (rc != 0)
        return rc;
    w->started = true;
    return 0;
}

void gw_rrd_writer_submit(struct gw_rrd_writer *w, struct gw_rrd_series *s, double time_s,
                          const double *values)
{
    if (!isfinite(time_s) || time_s <= 0 || time_s >= (double)(INT64_MAX / 1000)) {
        atomic_fetch_add(&w->dropped_stale, 1);
        return;
    }
    size_t n = gw_rrd_series_ds_count(s);
    struct point *p = gw_xmalloc(sizeof(*p) + n * sizeof(double));
    p->series = gw_rrd_series_ref(s);
    p->time_ms = llround(time_s * 1000);
    memcpy(p->values, values, n * sizeof(double));

    bool queued = false, wake = false, overflow = false;
    uv_mutex_lock(&w->lock);
    if (!w->stopping && atomic_load(&w->pending) < (uint_fast64_t)w->max_pending) {
        /* The writer drains the whole inbox each time: it needs waking only
         * when it may have found the inbox empty. */
        wake = !w->inbox.head;
        list_append(&w->inbox, p);
        atomic_fetch_add(&w->pending, 1);
        queued = true;
    } else {
        overflow = !w->stopping;
    }
    uv_mutex_unlock(&w->lock);

    if (wake)
        uv_cond_signal(&w->wake);
    if (queued)
        return;
    point_free(p);
    atomic_fetch_add(&w->dropped_overflow, 1);
    if (overflow && !atomic_exchange(&w->overflow_logged, true))
        gw_log_warning("rrd: %zu points are waiting to be written; new points are dropped "
                       "until writes catch up",
                       w->max_pending);
}

void gw_rrd_writer_stop(struct gw_rrd_writer *w)
{
    if (!w->started || w->joined)
        return;
    uv_mutex_lock(&w->lock);
    w->stopping = true;
    uv_mutex_unlock(&w->lock);
    uv_cond_signal(&w->wake);
    uv_thread_join(&w->thread);
    w->joined = true;
}

void gw_rrd_writer_free(struct gw_rrd_writer *w)
{
    if (!w)
        return;
    gw_rrd_writer_stop(w);
    struct point *p;
    while ((p = list_pop(&w->inbox)))
        point_done(w, p, &w->dropped_overflow);
    for (size_t i = 0; i < w->n_files; i++)
        file_free(w->files[i]);
    free(w->files);
    free(w->busy);
    gw_strmap_free(w->file_index);
    uv_cond_destroy(&w->wake);
    uv_mutex_destroy(&w->lock);
    free(w);
}

void gw_rrd_writer_stats(const struct gw_rrd_writer *w, struct gw_rrd_writer_stats *out)
{
    struct gw_rrd_writer *mw = (struct gw_rrd_writer *)w;
    out->written = atomic_load(&mw->written);
    out->pending = atomic_load(&mw->pending);
    out->errors = atomic_load(&mw->errors);
    out->dropped_stale = atomic_load(&mw->dropped_stale);
    out->dropped_overflow = atomic_load(&mw->dropped_overflow);
}
