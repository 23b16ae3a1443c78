#include "storage/rrd_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "storage/rrd_spool.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#define BACKOFF_FIRST_MS 1000u
#define BACKOFF_MAX_MS   30000u
#define NO_DEADLINE      UINT64_MAX
/* Points of one file written by one update call at most. */
#define BATCH_MAX 256
/* Enough for "%.17g" of any double and its separator. */
#define VALUE_TEXT_MAX 32
/* A data source of a file that its series does not have. */
#define NOT_IN_SERIES SIZE_MAX
/*
 * rrdcached answers an update once the update is in its memory, and a
 * rrdcached that is stopping may still take updates after its last write to
 * disk: those are lost with it. So points it took recently are kept, and
 * when it cannot be reached they are checked against what its successor
 * finds in the file, and written again if missing.
 */
#define RECHECK_MS  60000u
#define RECHECK_MAX 64u
/* How long a hurried writer's call of the backend may still take before
 * another thread spools the queues in its place: a call that returns in time
 * spares the next start points it would find written already. */
#define RESCUE_GRACE_MS 500u

/* One row of one file. */
struct point {
    struct point *next;
    struct gw_rrd_series *series;
    size_t file;             /* which file of the series */
    bool attempted;          /* sent in an update that failed: the file may hold it */
    bool counted;            /* already counted as written (taken once, then checked again) */
    uint64_t taken_mono_ms;  /* when the backend took it (kept for a re-check) */
    uint64_t queued_mono_ms; /* when it was submitted: its delay counts from then */
    int64_t time_ms;
    double values[]; /* the file's data sources of the series, in the series' order */
};

struct point_list {
    struct point *head;
    struct point *tail;
};

/* What the writer thread knows of one file. Only the writer thread touches it. */
struct rrd_file {
    char *path; /* the key of file_index */
    char *name; /* relative to the data directory */
    struct point_list queue;
    bool busy;            /* on the writer's list of files with queued points */
    uint64_t due_mono_ms; /* when its oldest queued point has waited the delay */
    bool known;           /* seen through the backend: file_ds and last_ms are loaded */
    int64_t last_ms;
    unsigned long step_s;
    char **file_ds;
    size_t n_file_ds;
    /* How points of `mapped` (its file `mapped_file`) become rows of this
     * file: for each of its data sources, the index into a point's values. */
    struct gw_rrd_series *mapped;
    size_t mapped_file;
    size_t *map;
    bool extend_refused; /* data sources could not be added: said once */
    bool failing;
    uint64_t backoff_ms;
    uint64_t retry_mono_ms;
    bool unsynced;           /* took points the backend holds in memory (rrdcached) */
    struct point_list taken; /* the last points it took, while it may lose them */
    size_t n_taken;
    bool final_writes; /* took points in the last pass */
};

struct gw_rrd_writer {
    size_t max_pending;

    uv_mutex_t lock;
    uv_cond_t wake;
    struct point_list inbox;             /* under lock */
    bool stopping;                       /* under lock */
    bool flush_all;                      /* under lock */
    uint64_t flush_asked;                /* under lock: gw_rrd_writer_sync's requests */
    uint64_t flush_served;               /* under lock: requests whose pass has ended */
    uv_cond_t synced;                    /* flush_served moved */
    struct gw_rrd_backend *next_backend; /* under lock */
    uint64_t delay_ms;                   /* under lock */
    uint64_t asleep_until_ms;            /* under lock: 0 awake, NO_DEADLINE untimed */

    /* The caller's side: start and stop. */
    uv_thread_t thread;
    bool started;
    bool joined;
    gw_rrd_writer_done_cb done_cb; /* set before stopping, then read only */
    void *done_data;
    uv_thread_t rescuer;
    bool rescuer_started;

    /*
     * The writer thread holds work_lock whenever it runs, except inside a
     * call of the backend (which a stopped rrdcached can make last for ever):
     * a thread that takes it then may keep the queues in the spool in its
     * place (gw_rrd_writer_hurry).
     */
    uv_mutex_t work_lock;
    atomic_bool hurry;         /* no further call of the backend: spool what is left */
    bool taken_over;           /* under work_lock: another thread kept the queues; hands off */
    bool finished;             /* under work_lock: the writer thread is done with the queues */
    bool orphaned;             /* under work_lock: freed while stuck; the thread frees the writer */
    struct point_list rescued; /* the inbox as the rescuer found it, freed with the writer */
    const char *in_call; /* under work_lock: the file of the backend call under way, or NULL */
    uv_cond_t call_done; /* with work_lock: a call returned, or the thread finished */

    atomic_uint_fast64_t written;
    atomic_uint_fast64_t pending;
    atomic_uint_fast64_t updates;
    atomic_uint_fast64_t errors;
    atomic_uint_fast64_t dropped_stale;
    atomic_uint_fast64_t dropped_overflow;
    atomic_uint_fast64_t spooled;
    atomic_bool overflow_logged;

    /* The writer thread's own. */
    struct gw_rrd_backend *backend;
    struct gw_strmap *file_index;
    struct rrd_file **files;
    size_t n_files;
    struct rrd_file **busy; /* files with queued points */
    size_t n_busy;
    size_t busy_cap;
    /* No busy file is ready before this: until then a wake-up only queues
     * (scanning thousands of delayed files at each result would cost more
     * than writing them). */
    uint64_t next_ready_ms;
    uint64_t routed_delay_ms; /* the delay the busy files' due times count */
    size_t n_failing;
    uint64_t failing_since_ms;
    bool down; /* the backend cannot be reached */
    uint64_t down_backoff_ms;
    uint64_t down_retry_ms;
    uint64_t down_since_ms;
    bool final_pass;
    char *spool_path; /* where what cannot be written at the end is kept, or NULL */
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

/* Counts a point that leaves the queue, and why (NULL: counted before). */
static void point_account(struct gw_rrd_writer *w, const struct point *p,
                          atomic_uint_fast64_t *counter)
{
    if (counter && !p->counted)
        atomic_fetch_add(counter, 1);
    atomic_fetch_sub(&w->pending, 1);
}

/* Releases a point that leaves the queue, counting why. */
static void point_done(struct gw_rrd_writer *w, struct point *p, atomic_uint_fast64_t *counter)
{
    point_account(w, p, counter);
    point_free(p);
}

/* ---------------------------------------------------------------------------
 * Calls of the backend
 * ------------------------------------------------------------------------ */

/*
 * Every call of the backend goes between these two. backend_enter refuses
 * (-ECANCELED) once the writer is hurried; otherwise it lets go of the
 * queues for the length of the call. backend_leave takes them back, unless
 * another thread has kept them in the spool meanwhile: the call's outcome is
 * then dropped (*err freed) and it returns -ECANCELED, after which the
 * writer thread touches no point again.
 */
static int backend_enter(struct gw_rrd_writer *w, const char *path)
{
    if (atomic_load(&w->hurry))
        return -ECANCELED;
    w->in_call = path;
    uv_mutex_unlock(&w->work_lock);
    return 0;
}

static int backend_leave(struct gw_rrd_writer *w, int rc, char **err)
{
    uv_mutex_lock(&w->work_lock);
    w->in_call = NULL;
    uv_cond_broadcast(&w->call_done);
    if (!w->taken_over)
        return rc;
    free(*err);
    *err = NULL;
    return -ECANCELED;
}

/* ---------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

static void file_unmap(struct rrd_file *f)
{
    gw_rrd_series_unref(f->mapped);
    f->mapped = NULL;
    free(f->map);
    f->map = NULL;
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

/* Forgets the points kept for a re-check: the file has them for sure. */
static void file_forget_taken(struct rrd_file *f)
{
    struct point *p;
    while ((p = list_pop(&f->taken)))
        point_free(p);
    f->n_taken = 0;
}

static void file_free(struct rrd_file *f)
{
    file_forget_taken(f);
    file_forget_ds(f);
    free(f->path);
    free(f->name);
    free(f);
}

static struct rrd_file *file_get(struct gw_rrd_writer *w, const char *path, const char *name)
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

/* A call of the backend worked: if it was unreachable, it is no longer. */
static void backend_ok(struct gw_rrd_writer *w)
{
    if (!w->down)
        return;
    w->down = false;
    w->down_backoff_ms = 0;
    gw_log_notice("rrd: %s is reachable again after %" PRIu64 " s; writing the points kept "
                  "meanwhile",
                  w->backend->description, (gw_clock_mono_ms() - w->down_since_ms) / 1000);
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
    backend_ok(w);

    file_forget_ds(f);
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
static int file_open(struct gw_rrd_writer *w, struct rrd_file *f, const struct point *first,
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
        backend_ok(w);
        file_forget_ds(f);
        f->file_ds = info.ds;
        f->n_file_ds = info.n_ds;
        f->step_s = info.step_s;
        /* librrd reports whole seconds. What we wrote ourselves in that second
         * is known exactly; otherwise the whole second counts as taken. */
        int64_t file_ms = info.last_s * 1000;
        if (f->last_ms < file_ms || f->last_ms >= file_ms + 1000)
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
            backend_ok(w);
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
static int file_map(struct gw_rrd_writer *w, struct rrd_file *f, const struct point *p, char **err)
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
    int len = snprintf(out, VALUE_TEXT_MAX, "%.15g", v);
    if (strtod(out, NULL) != v)
        len = snprintf(out, VALUE_TEXT_MAX, "%.17g", v);
    return len;
}

/*
 * Writes the longest run of queued points that can go in one update: of the
 * same series, each later than the one before, at most BATCH_MAX.
 */
static int write_batch(struct gw_rrd_writer *w, struct rrd_file *f, char **err)
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
    backend_ok(w);
    atomic_fetch_add(&w->updates, 1);
    uint64_t now_ms = gw_clock_mono_ms();
    for (int i = 0; i < n; i++) {
        struct point *p = list_pop(&f->queue);
        if (!w->backend->ops->sync) {
            point_done(w, p, &w->written);
            continue;
        }
        if (!p->counted)
            atomic_fetch_add(&w->written, 1);
        atomic_fetch_sub(&w->pending, 1);
        p->counted = true;
        p->taken_mono_ms = now_ms;
        list_append(&f->taken, p);
        f->n_taken++;
    }
    while (f->taken.head &&
           (f->n_taken > RECHECK_MAX || f->taken.head->taken_mono_ms + RECHECK_MS < now_ms)) {
        point_free(list_pop(&f->taken));
        f->n_taken--;
    }
    f->last_ms = last_ms;
    f->unsynced = f->unsynced || w->backend->ops->sync != NULL;
    f->final_writes = f->final_writes || w->final_pass;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Failures
 * ------------------------------------------------------------------------ */

static uint64_t backoff_next(uint64_t backoff_ms)
{
    backoff_ms = backoff_ms ? backoff_ms * 2 : BACKOFF_FIRST_MS;
    return backoff_ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff_ms;
}

static void make_busy(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t due_ms);

/* The backend went away: the points it took lately may be lost with it, so
 * they go back to the front of their queues, to be compared with the file
 * when it is reachable again and written if the file lacks them. */
static void recheck_taken(struct gw_rrd_writer *w, uint64_t now_ms)
{
    for (size_t i = 0; i < w->n_files; i++) {
        struct rrd_file *f = w->files[i];
        if (!f->taken.head)
            continue;
        size_t n = 0;
        for (struct point *p = f->taken.head; p; p = p->next, n++)
            p->attempted = true;
        f->taken.tail->next = f->queue.head;
        if (!f->queue.head)
            f->queue.tail = f->taken.tail;
        f->queue.head = f->taken.head;
        f->taken.head = f->taken.tail = NULL;
        f->n_taken = 0;
        atomic_fetch_add(&w->pending, n);
        f->known = false;
        make_busy(w, f, now_ms);
    }
}

static void backend_down(struct gw_rrd_writer *w, uint64_t now_ms, const char *err)
{
    w->down_backoff_ms = backoff_next(w->down ? w->down_backoff_ms : 0);
    w->down_retry_ms = now_ms + w->down_backoff_ms;
    if (!w->down) {
        w->down = true;
        w->down_since_ms = now_ms;
        recheck_taken(w, now_ms);
        gw_log_warning("rrd: %s; keeping points in memory and retrying", err);
        return;
    }
    gw_log_debug("rrd: %s; next attempt in %" PRIu64 " ms", err, w->down_backoff_ms);
}

static void file_failed(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t now_ms, int rc,
                        const char *err)
{
    if (rc == -ECANCELED) {
        /* Hurried: no more attempts; what is queued goes to the spool. */
        w->down = true;
        return;
    }
    atomic_fetch_add(&w->errors, 1);
    if (rc == -ENOTCONN) {
        backend_down(w, now_ms, err);
        return;
    }
    /* The directory or the file may be replaced before the next attempt. */
    f->known = false;
    f->backoff_ms = backoff_next(f->backoff_ms);
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

/* ---------------------------------------------------------------------------
 * The writer thread
 * ------------------------------------------------------------------------ */

/* Writes the file's queued points, oldest first, until one fails. */
static void file_flush(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t now_ms)
{
    char *err = NULL;
    int rc = atomic_load(&w->hurry) ? -ECANCELED : 0;
    if (rc == 0 && !f->known)
        rc = file_open(w, f, f->queue.head, &err);
    struct point *p;
    while (rc == 0 && (p = f->queue.head)) {
        if (p->time_ms <= f->last_ms) {
            if (!p->attempted)
                gw_log_debug("rrd: %s: dropped a point at %" PRId64 " ms, not after the last "
                             "update at %" PRId64 " ms",
                             f->path, p->time_ms, f->last_ms);
            point_done(w, list_pop(&f->queue), p->attempted ? &w->written : &w->dropped_stale);
            continue;
        }
        rc = file_map(w, f, p, &err);
        if (rc == 0)
            rc = write_batch(w, f, &err);
    }
    if (rc < 0) {
        file_failed(w, f, now_ms, rc, err ? err : "unknown error");
        free(err);
        return;
    }
    if (f->failing)
        file_recovered(w, f);
}

/* Puts a file with queued points on the list the writer goes through. */
static void make_busy(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t due_ms)
{
    if (f->busy)
        return;
    f->busy = true;
    f->due_mono_ms = due_ms;
    if (due_ms < w->next_ready_ms)
        w->next_ready_ms = due_ms; /* its backoff may make it later, never earlier */
    if (w->n_busy == w->busy_cap) {
        w->busy_cap = w->busy_cap ? 2 * w->busy_cap : 64;
        w->busy = gw_xreallocarray(w->busy, w->busy_cap, sizeof(*w->busy));
    }
    w->busy[w->n_busy++] = f;
}

static void route(struct gw_rrd_writer *w, struct point *p, uint64_t delay_ms)
{
    while (p) {
        uint64_t due_ms = p->queued_mono_ms + delay_ms;
        struct point *next = p->next;
        struct rrd_file *f = file_get(w, gw_rrd_series_file_path(p->series, p->file),
                                      gw_rrd_series_file_name(p->series, p->file));
        list_append(&f->queue, p);
        make_busy(w, f, due_ms);
        p = next;
    }
}

/* The delay changed: what waits is due by the new one. */
static void redate(struct gw_rrd_writer *w, uint64_t delay_ms)
{
    for (size_t i = 0; i < w->n_busy; i++) {
        struct rrd_file *f = w->busy[i];
        if (f->queue.head)
            f->due_mono_ms = f->queue.head->queued_mono_ms + delay_ms;
    }
    w->routed_delay_ms = delay_ms;
    w->next_ready_ms = 0;
}

/* When the file may next be written: its delay, its backoff, the backend's. */
static uint64_t ready_at(const struct gw_rrd_writer *w, const struct rrd_file *f, bool undelayed)
{
    uint64_t t = undelayed ? 0 : f->due_mono_ms;
    if (f->failing && f->retry_mono_ms > t)
        t = f->retry_mono_ms;
    if (w->down && w->down_retry_ms > t)
        t = w->down_retry_ms;
    return t;
}

/*
 * Writes every busy file that is ready (`all`: whatever its delay). Returns
 * the milliseconds until the next one is, or NO_DEADLINE.
 */
static uint64_t flush_due(struct gw_rrd_writer *w, bool all)
{
    uint64_t now_ms = gw_clock_mono_ms();
    uint64_t wait_ms = NO_DEADLINE;
    size_t keep = 0;
    for (size_t i = 0; i < w->n_busy; i++) {
        struct rrd_file *f = w->busy[i];
        if (ready_at(w, f, all) <= now_ms) {
            file_flush(w, f, now_ms);
            now_ms = gw_clock_mono_ms();
        }
        if (!f->queue.head) {
            f->busy = false;
            continue;
        }
        w->busy[keep++] = f;
        uint64_t at = ready_at(w, f, all);
        uint64_t due = at > now_ms ? at - now_ms : 0;
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

/* Has the backend put on disk what it holds of the files that need it. */
static void sync_files(struct gw_rrd_writer *w, bool final_only)
{
    if (!w->backend->ops->sync)
        return;
    size_t failed = 0;
    char *first_err = NULL;
    for (size_t i = 0; i < w->n_files; i++) {
        struct rrd_file *f = w->files[i];
        if (!f->unsynced || (final_only && !f->final_writes))
            continue;
        char *err = NULL;
        int rc = backend_enter(w, f->path);
        if (rc == 0) {
            rc = w->backend->ops->sync(w->backend, f->path, f->name, &err);
            rc = backend_leave(w, rc, &err);
        }
        if (rc == -ECANCELED)
            break;
        if (rc == 0) {
            f->unsynced = false;
            file_forget_taken(f);
        } else {
            atomic_fetch_add(&w->errors, 1);
            failed++;
            if (!first_err)
                first_err = err;
            else
                free(err);
            if (rc == -ENOTCONN)
                break;
        }
    }
    if (failed)
        gw_log_warning("rrd: %s did not confirm writing %zu files to disk: %s",
                       w->backend->description, failed, first_err);
    free(first_err);
}

static void switch_backend(struct gw_rrd_writer *w, struct gw_rrd_backend *next)
{
    /* What the old backend holds in memory must reach the files before the
     * new one writes after it. */
    sync_files(w, false);
    gw_rrd_backend_free(w->backend);
    w->backend = next;
    for (size_t i = 0; i < w->n_files; i++) {
        struct rrd_file *f = w->files[i];
        file_forget_taken(f);
        file_forget_ds(f);
        f->known = false;
        f->failing = false;
        f->backoff_ms = 0;
        f->unsynced = false;
        f->extend_refused = false;
    }
    w->n_failing = 0;
    w->down = false;
    gw_log_info("rrd: writing through %s", next->description);
}

/* The last attempt at every queued point, then rrdcached's writes to disk. */
static void last_pass(struct gw_rrd_writer *w)
{
    w->final_pass = true;
    w->down = false; /* one more try, whatever the backoff */
    uint64_t now_ms = gw_clock_mono_ms();
    for (size_t i = 0; i < w->n_busy && !w->down; i++)
        file_flush(w, w->busy[i], now_ms);
    if (!w->down)
        sync_files(w, true);
}

/* Writes every point still queued, and those of `also`, to the spool. 0 or -1. */
static int spool_queued(struct gw_rrd_writer *w, const struct point_list *also)
{
    char *err = NULL;
    struct gw_rrd_spool *spool = gw_rrd_spool_open(w->spool_path, &err);
    if (!spool) {
        gw_log_error("rrd: cannot keep the points that could not be written: %s", err);
        free(err);
        return -1;
    }
    for (size_t i = 0; i <= w->n_files; i++) {
        const struct point_list *list = i < w->n_files ? &w->files[i]->queue : also;
        for (const struct point *p = list ? list->head : NULL; p; p = p->next) {
            const struct gw_rrd_series *s = p->series;
            size_t n = gw_rrd_series_file_ds_count(s, p->file);
            const char **names = gw_xcalloc(n ? n : 1, sizeof(*names));
            for (size_t k = 0; k < n; k++)
                names[k] = gw_rrd_series_ds(s, gw_rrd_series_file_ds(s, p->file, k))->name;
            gw_rrd_spool_put(spool, gw_rrd_series_id(s), p->time_ms, n, names, p->values);
            free(names);
        }
    }
    if (gw_rrd_spool_close(spool, &err) < 0) {
        gw_log_error("rrd: cannot keep the points that could not be written: %s", err);
        free(err);
        return -1;
    }
    return 0;
}

/*
 * Keeps every point still queued, and those of `also`, in the spool, or
 * counts them lost when there is none or it cannot be written. The points
 * stay where they are, accounted for: whoever frees them counts nothing.
 */
static void keep_queued(struct gw_rrd_writer *w, const struct point_list *also)
{
    uint64_t n = 0;
    for (size_t i = 0; i <= w->n_files; i++) {
        const struct point_list *list = i < w->n_files ? &w->files[i]->queue : also;
        for (const struct point *p = list ? list->head : NULL; p; p = p->next)
            n++;
    }
    if (n == 0)
        return;
    bool kept = w->spool_path && spool_queued(w, also) == 0;
    for (size_t i = 0; i <= w->n_files; i++) {
        const struct point_list *list = i < w->n_files ? &w->files[i]->queue : also;
        for (const struct point *p = list ? list->head : NULL; p; p = p->next)
            point_account(w, p, kept ? &w->spooled : &w->dropped_overflow);
    }
    if (kept)
        gw_log_warning("rrd: stopping with %" PRIu64 " points that could not be written; "
                       "kept in %s for the next start",
                       n, w->spool_path);
    else
        gw_log_warning("rrd: stopping with %" PRIu64 " points that could not be written; "
                       "they are lost",
                       n);
}

/* The writer thread's end: what is still queued goes to the spool. */
static void abandon(struct gw_rrd_writer *w)
{
    keep_queued(w, NULL);
    for (size_t i = 0; i < w->n_files; i++) {
        struct point *p;
        while ((p = list_pop(&w->files[i]->queue)))
            point_free(p);
        w->files[i]->busy = false;
    }
    w->n_busy = 0;
}

static void writer_release(struct gw_rrd_writer *w);

static void writer_main(void *arg)
{
    struct gw_rrd_writer *w = arg;
    /* A broken rrdcached connection must fail the write, not kill the process. */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    /* Timestamps and values are written with '.' whatever the daemon's locale. */
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t previous = c_locale ? uselocale(c_locale) : (locale_t)0;

    uv_mutex_lock(&w->work_lock);
    uv_mutex_lock(&w->lock);
    for (;;) {
        struct point *in = w->inbox.head;
        w->inbox.head = w->inbox.tail = NULL;
        bool stopping = w->stopping;
        bool all = w->flush_all;
        w->flush_all = false;
        uint64_t serving = w->flush_asked;
        struct gw_rrd_backend *next = w->next_backend;
        w->next_backend = NULL;
        uint64_t delay_ms = w->delay_ms;
        uv_mutex_unlock(&w->lock);

        /* The points taken from the inbox are queued before any call of the
         * backend, so a rescuer (gw_rrd_writer_hurry) finds every one. */
        if (delay_ms != w->routed_delay_ms)
            redate(w, delay_ms);
        route(w, in, delay_ms);
        if (next)
            switch_backend(w, next);
        uint64_t wait_ms = 0;
        if (!stopping) {
            uint64_t now_ms = gw_clock_mono_ms();
            if (all || next || now_ms >= w->next_ready_ms) {
                wait_ms = flush_due(w, all);
                w->next_ready_ms =
                    wait_ms == NO_DEADLINE ? NO_DEADLINE : gw_clock_mono_ms() + wait_ms;
            } else {
                wait_ms = w->next_ready_ms - now_ms;
            }
        }

        uv_mutex_lock(&w->lock);
        /* Forward only: a rescuer may have released every waiter meanwhile. */
        if (serving > w->flush_served) {
            w->flush_served = serving;
            uv_cond_broadcast(&w->synced);
        }
        if (stopping)
            break;
        if (w->inbox.head || w->stopping || w->flush_all || w->next_backend || wait_ms == 0)
            continue;
        w->asleep_until_ms = wait_ms == NO_DEADLINE ? NO_DEADLINE : gw_clock_mono_ms() + wait_ms;
        if (wait_ms == NO_DEADLINE)
            uv_cond_wait(&w->wake, &w->lock);
        else
            uv_cond_timedwait(&w->wake, &w->lock, wait_ms * 1000000u);
        w->asleep_until_ms = 0;
    }
    uv_mutex_unlock(&w->lock);
    last_pass(w);
    bool mine = !w->taken_over;
    if (mine)
        abandon(w);
    uv_mutex_lock(&w->lock);
    w->flush_served = UINT64_MAX; /* nothing is written after this: nobody waits */
    uv_cond_broadcast(&w->synced);
    uv_mutex_unlock(&w->lock);
    w->finished = true;
    uv_cond_broadcast(&w->call_done);
    bool orphaned = w->orphaned;
    uv_mutex_unlock(&w->work_lock);

    if (c_locale) {
        uselocale(previous);
        freelocale(c_locale);
    }
    if (mine && w->done_cb)
        w->done_cb(w->done_data);
    if (orphaned)
        writer_release(w);
}

/*
 * Started by gw_rrd_writer_hurry. A hurried writer thread makes no new call
 * of the backend, so it finishes on its own unless a call it was in does not
 * return: after RESCUE_GRACE_MS this thread keeps the queues in the spool in
 * its place.
 */
static void rescue_main(void *arg)
{
    struct gw_rrd_writer *w = arg;
    uint64_t deadline_ms = gw_clock_mono_ms() + RESCUE_GRACE_MS;
    bool rescue = false;
    uv_mutex_lock(&w->work_lock);
    while (!w->finished && !rescue) {
        uint64_t now_ms = gw_clock_mono_ms();
        if (!w->in_call)
            uv_cond_wait(&w->call_done, &w->work_lock);
        else if (now_ms < deadline_ms)
            uv_cond_timedwait(&w->call_done, &w->work_lock, (deadline_ms - now_ms) * 1000000u);
        else
            rescue = true;
    }
    if (rescue) {
        w->taken_over = true;
        uv_mutex_lock(&w->lock);
        w->rescued = w->inbox;
        w->inbox.head = w->inbox.tail = NULL;
        w->flush_served = UINT64_MAX; /* nothing is written after this: nobody waits */
        uv_cond_broadcast(&w->synced);
        uv_mutex_unlock(&w->lock);
        gw_log_warning("rrd: writing %s has not finished after %u ms; not waiting for it",
                       w->in_call, RESCUE_GRACE_MS);
        keep_queued(w, &w->rescued);
    }
    uv_mutex_unlock(&w->work_lock);
    if (rescue && w->done_cb)
        w->done_cb(w->done_data);
}

/* ---------------------------------------------------------------------------
 * The caller's side
 * ------------------------------------------------------------------------ */

struct gw_rrd_writer *gw_rrd_writer_new(size_t max_pending)
{
    struct gw_rrd_writer *w = gw_xcalloc(1, sizeof(*w));
    w->max_pending = max_pending ? max_pending : GW_RRD_WRITER_MAX_PENDING;
    if (uv_mutex_init(&w->lock) != 0 || uv_mutex_init(&w->work_lock) != 0 ||
        uv_cond_init(&w->wake) != 0 || uv_cond_init(&w->synced) != 0 ||
        uv_cond_init(&w->call_done) != 0) {
        fprintf(stderr, "gwyliwr: cannot initialise the RRD writer's lock\n");
        abort();
    }
    atomic_init(&w->written, 0);
    atomic_init(&w->pending, 0);
    atomic_init(&w->updates, 0);
    atomic_init(&w->errors, 0);
    atomic_init(&w->dropped_stale, 0);
    atomic_init(&w->dropped_overflow, 0);
    atomic_init(&w->spooled, 0);
    atomic_init(&w->overflow_logged, false);
    atomic_init(&w->hurry, false);
    w->file_index = gw_strmap_new();
    w->backend = gw_rrd_direct_new();
    return w;
}

/* Wakes the writer thread after a change made under the lock. */
static void poke(struct gw_rrd_writer *w)
{
    uv_cond_signal(&w->wake);
}

void gw_rrd_writer_set_backend(struct gw_rrd_writer *w, struct gw_rrd_backend *backend)
{
    if (!w->started) {
        /* No thread yet: nothing was written through the old one. */
        gw_rrd_backend_free(w->backend);
        w->backend = backend;
        return;
    }
    uv_mutex_lock(&w->lock);
    struct gw_rrd_backend *unused = w->next_backend;
    w->next_backend = backend;
    uv_mutex_unlock(&w->lock);
    /* Never used, so never connected: freeing it touches no connection. */
    gw_rrd_backend_free(unused);
    poke(w);
}

void gw_rrd_writer_set_spool(struct gw_rrd_writer *w, const char *path)
{
    free(w->spool_path);
    w->spool_path = path ? gw_xstrdup(path) : NULL;
}

void gw_rrd_writer_set_delay(struct gw_rrd_writer *w, uint64_t delay_ms)
{
    uv_mutex_lock(&w->lock);
    w->delay_ms = delay_ms;
    uv_mutex_unlock(&w->lock);
    poke(w); /* queued points may be due sooner now */
}

void gw_rrd_writer_flush(struct gw_rrd_writer *w)
{
    uv_mutex_lock(&w->lock);
    w->flush_all = true;
    uv_mutex_unlock(&w->lock);
    poke(w);
}

int gw_rrd_writer_sync(struct gw_rrd_writer *w, uint64_t timeout_ms)
{
    uint64_t deadline = gw_clock_mono_ms() + timeout_ms;
    int rc = 0;
    uv_mutex_lock(&w->lock);
    if (!w->started || w->stopping) {
        uv_mutex_unlock(&w->lock);
        return 0;
    }
    uint64_t mine = ++w->flush_asked;
    w->flush_all = true;
    uv_cond_signal(&w->wake);
    while (w->flush_served < mine) {
        uint64_t now = gw_clock_mono_ms();
        if (now >= deadline ||
            uv_cond_timedwait(&w->synced, &w->lock, (deadline - now) * 1000000u) == UV_ETIMEDOUT) {
            rc = w->flush_served < mine ? -ETIMEDOUT : 0;
            break;
        }
    }
    uv_mutex_unlock(&w->lock);
    return rc;
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
    size_t n_files = gw_rrd_series_file_count(s);
    if (!isfinite(time_s) || time_s <= 0 || time_s >= (double)(INT64_MAX / 1000)) {
        atomic_fetch_add(&w->dropped_stale, n_files);
        return;
    }
    int64_t time_ms = llround(time_s * 1000);
    uint64_t now_ms = gw_clock_mono_ms();
    struct point_list points = {NULL, NULL};
    for (size_t f = 0; f < n_files; f++) {
        size_t n = gw_rrd_series_file_ds_count(s, f);
        struct point *p = gw_xmalloc(sizeof(*p) + n * sizeof(double));
        p->series = gw_rrd_series_ref(s);
        p->file = f;
        p->attempted = false;
        p->counted = false;
        p->taken_mono_ms = 0;
        p->queued_mono_ms = now_ms;
        p->time_ms = time_ms;
        for (size_t k = 0; k < n; k++)
            p->values[k] = values[gw_rrd_series_file_ds(s, f, k)];
        list_append(&points, p);
    }

    bool queued = false, wake = false, overflow = false;
    uv_mutex_lock(&w->lock);
    if (!w->stopping && atomic_load(&w->pending) + n_files <= (uint_fast64_t)w->max_pending) {
        /* The writer drains the whole inbox each time: it needs waking only
         * when it may have found the inbox empty, and not before its own
         * deadline if that comes before these points are due. */
        wake = !w->inbox.head && now_ms + w->delay_ms < w->asleep_until_ms;
        if (w->inbox.tail)
            w->inbox.tail->next = points.head;
        else
            w->inbox.head = points.head;
        w->inbox.tail = points.tail;
        atomic_fetch_add(&w->pending, n_files);
        queued = true;
    } else {
        overflow = !w->stopping;
    }
    uv_mutex_unlock(&w->lock);

    if (wake)
        poke(w);
    if (queued)
        return;
    struct point *p;
    while ((p = list_pop(&points)))
        point_free(p);
    atomic_fetch_add(&w->dropped_overflow, n_files);
    if (overflow && !atomic_exchange(&w->overflow_logged, true))
        gw_log_warning("rrd: %zu points are waiting to be written; new points are dropped "
                       "until writes catch up",
                       w->max_pending);
}

int gw_rrd_writer_stop_async(struct gw_rrd_writer *w, gw_rrd_writer_done_cb done_cb, void *data)
{
    if (!w->started || w->joined)
        return -EINVAL;
    uv_mutex_lock(&w->lock);
    bool already = w->stopping;
    if (!already) {
        w->done_cb = done_cb;
        w->done_data = data;
        w->stopping = true;
    }
    uv_mutex_unlock(&w->lock);
    if (already)
        return -EALREADY;
    poke(w);
    return 0;
}

void gw_rrd_writer_hurry(struct gw_rrd_writer *w)
{
    if (!w->started || w->joined || atomic_exchange(&w->hurry, true))
        return;
    uv_mutex_lock(&w->lock);
    w->stopping = true;
    uv_mutex_unlock(&w->lock);
    poke(w);
    /* Without a rescuer the writer thread still spools what is left once
     * the call it is in returns. */
    w->rescuer_started = uv_thread_create(&w->rescuer, rescue_main, w) == 0;
}

void gw_rrd_writer_stop(struct gw_rrd_writer *w)
{
    if (!w->started || w->joined)
        return;
    uv_mutex_lock(&w->lock);
    w->stopping = true;
    uv_mutex_unlock(&w->lock);
    poke(w);
    uv_thread_join(&w->thread);
    w->joined = true;
}

/* Frees everything; the writer thread has ended or is this one. */
static void writer_release(struct gw_rrd_writer *w)
{
    /* Points a rescuer kept in the spool were counted then. */
    atomic_uint_fast64_t *lost = w->taken_over ? NULL : &w->dropped_overflow;
    struct point *p;
    while ((p = list_pop(&w->rescued)))
        point_free(p);
    while ((p = list_pop(&w->inbox)))
        point_done(w, p, &w->dropped_overflow);
    for (size_t i = 0; i < w->n_files; i++) {
        while ((p = list_pop(&w->files[i]->queue))) {
            if (w->taken_over)
                point_free(p);
            else
                point_done(w, p, lost);
        }
        file_free(w->files[i]);
    }
    free(w->files);
    free(w->busy);
    gw_strmap_free(w->file_index);
    free(w->spool_path);
    gw_rrd_backend_free(w->next_backend);
    gw_rrd_backend_free(w->backend);
    uv_cond_destroy(&w->wake);
    uv_cond_destroy(&w->synced);
    uv_cond_destroy(&w->call_done);
    uv_mutex_destroy(&w->work_lock);
    uv_mutex_destroy(&w->lock);
    free(w);
}

void gw_rrd_writer_free(struct gw_rrd_writer *w)
{
    if (!w)
        return;
    if (w->rescuer_started) {
        uv_thread_join(&w->rescuer);
        w->rescuer_started = false;
    }
    if (atomic_load(&w->hurry) && !w->joined) {
        /* A thread stuck in a call of the backend is not waited for: it
         * frees the writer itself if the call ever returns. */
        uv_thread_t thread = w->thread;
        uv_mutex_lock(&w->work_lock);
        bool orphaned = w->orphaned = !w->finished;
        uv_mutex_unlock(&w->work_lock);
        if (orphaned) {
            pthread_detach(thread);
            return;
        }
    }
    gw_rrd_writer_stop(w);
    writer_release(w);
}

void gw_rrd_writer_stats(const struct gw_rrd_writer *w, struct gw_rrd_writer_stats *out)
{
    struct gw_rrd_writer *mw = (struct gw_rrd_writer *)w;
    out->written = atomic_load(&mw->written);
    out->pending = atomic_load(&mw->pending);
    out->updates = atomic_load(&mw->updates);
    out->errors = atomic_load(&mw->errors);
    out->dropped_stale = atomic_load(&mw->dropped_stale);
    out->dropped_overflow = atomic_load(&mw->dropped_overflow);
    out->spooled = atomic_load(&mw->spooled);
}
