/*
 * The RRD writer's own: what its files (rrd_writer*.c, rrd_file.c,
 * rrd_failure.c) share, and nothing else includes.
 *
 *   rrd_writer.c         the caller's side: new, submit, sync, stop, free
 *   rrd_writer_thread.c  the writer thread: what a pass does, and when
 *   rrd_file.c           one file as the writer knows it: open, create,
 *                        extend, map, and the rows of an update
 *   rrd_failure.c        failures: backoff, an unreachable backend, the
 *                        points it took that are checked again
 *   rrd_writer_journal.c the journal of the points held (rrd_journal.h),
 *                        and reading back what the last run left
 *   rrd_writer_stop.c    the end: the last pass, the spool, and another
 *                        thread keeping the queues when the writer's is stuck
 *
 * Threads: the fields of struct gw_rrd_writer say which lock guards them.
 * Those marked "the writer thread's own", and every struct rrd_file and
 * queued point, are touched by the thread that holds work_lock: the writer
 * thread, or a rescuer that took the queues over (rrd_writer_stop.c).
 */
#ifndef GW_RRD_WRITER_INTERNAL_H
#define GW_RRD_WRITER_INTERNAL_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <uv.h>

#include "storage/rrd_backend.h"
#include "storage/rrd_journal.h"
#include "storage/rrd_schema.h"
#include "storage/rrd_writer.h"
#include "util/strbuf.h"
#include "util/strmap.h"

#define BACKOFF_FIRST_MS 1000u
#define BACKOFF_MAX_MS   30000u
#define NO_DEADLINE      UINT64_MAX
/* Points of one file written by one update call at most. */
#define BATCH_MAX 256
/* Enough for any value's text (GW_NUMBER_MAX) and its separator. */
#define VALUE_TEXT_MAX 33
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
/*
 * A point submitted is in the journal this long after at most: the writer
 * takes what came in that long in one pass and one write. Waking it for
 * each result instead costs more than the check itself where waking a
 * thread is dear (a virtual machine), and the results of the last few
 * milliseconds were always lost to a kill -9.
 */
#define JOURNAL_EVERY_MS 10u

/* A thread waiting in gw_rrd_writer_sync for the files of one subject. */
struct sync_request {
    struct sync_request *next;
    const char *subject; /* a council id, or "council/target" */
};

/* One row of one file. */
struct point {
    struct point *next;
    struct gw_rrd_series *series;
    size_t file;    /* which file of the series */
    bool attempted; /* sent in an update that failed: the file may hold it */
    bool counted;   /* already counted as written (taken once, then checked again) */
    bool replayed;  /* the last run's: the file may hold it (nothing to count then) */
    struct gw_rrd_journal_seg *seg; /* the journal segment holding it, or NULL */
    uint64_t taken_mono_ms;         /* when the backend took it (kept for a re-check) */
    uint64_t queued_mono_ms;        /* when it was submitted: its delay counts from then */
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
    struct sync_request *sync_requests;  /* under lock: the subjects syncs wait for */
    uv_cond_t synced;                    /* flush_served moved */
    struct gw_rrd_backend *next_backend; /* under lock */
    bool recovering;                     /* under lock: points submitted now are the last run's */
    /* Set before the thread starts: points are journaled, or written
     * without the delay while the journal cannot keep them. */
    bool journaling;
    uint64_t delay_ms;        /* under lock */
    uint64_t asleep_until_ms; /* under lock: 0 awake, NO_DEADLINE untimed */

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
    atomic_uint_fast64_t replaying;
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
    char **subjects;  /* the subjects of the syncs this pass serves */
    size_t n_subjects, subjects_cap;

    /* The journal (rrd_writer_journal.c), the writer thread's own once it runs. */
    struct gw_rrd_journal *journal; /* NULL: none */
    struct gw_strbuf journal_text;  /* the lines of journal_batch */
    struct point **journal_batch;   /* points whose lines are in journal_text */
    size_t n_journal_batch, journal_batch_cap;
    /* The journal cannot be written (the disk is full): queued points are
     * in memory only until a retry, after a backoff, journals them all. */
    bool journal_failing;
    uint64_t journal_backoff_ms;
    uint64_t journal_retry_ms;
    /* The last run's points were submitted again: its journal (and the spool
     * read back, when recovered_spool) go once they are journaled anew. */
    bool recovered;
    bool recovered_spool;
};

/*
 * How long points wait for their file's next update: the delay, but not
 * while the journal asked for cannot keep them (it could not be opened, or
 * the disk is full): they are then written as they come, as they were
 * before there was a journal, so a kill loses no more than it did then.
 */
static inline uint64_t holding_ms(const struct gw_rrd_writer *w, uint64_t delay_ms)
{
    return w->journaling && (!w->journal || w->journal_failing) ? 0 : delay_ms;
}

/* After a failure: 1 s, then twice as long each time, up to 30 s. */
static inline uint64_t backoff_next(uint64_t backoff_ms)
{
    backoff_ms = backoff_ms ? backoff_ms * 2 : BACKOFF_FIRST_MS;
    return backoff_ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff_ms;
}

/* ---- points --------------------------------------------------------------------- */

static inline void point_list_append(struct point_list *list, struct point *p)
{
    p->next = NULL;
    if (list->tail)
        list->tail->next = p;
    else
        list->head = p;
    list->tail = p;
}

static inline struct point *point_list_pop(struct point_list *list)
{
    struct point *p = list->head;
    if (p) {
        list->head = p->next;
        if (!list->head)
            list->tail = NULL;
    }
    return p;
}

static inline void point_free(struct point *p)
{
    gw_rrd_series_unref(p->series);
    free(p);
}

/* A point leaves the writer's memory: the journal need not hold it any more. */
static inline void point_unjournal(struct gw_rrd_writer *w, struct point *p)
{
    if (p->seg && w->journal)
        gw_rrd_journal_release(w->journal, p->seg, 1);
    p->seg = NULL;
}

/* A point of the last run has been written, or needs no writing. */
static inline void point_replayed(struct gw_rrd_writer *w, struct point *p)
{
    if (p->replayed)
        atomic_fetch_sub(&w->replaying, 1);
    p->replayed = false;
}

/* Counts a point that leaves the queue, and why (NULL: counted before). */
static inline void point_account(struct gw_rrd_writer *w, struct point *p,
                                 atomic_uint_fast64_t *counter)
{
    if (counter && !p->counted)
        atomic_fetch_add(counter, 1);
    atomic_fetch_sub(&w->pending, 1);
    point_replayed(w, p);
    point_unjournal(w, p);
}

/*
 * The names of the point's values, the data sources of its file in its
 * series (borrowed from the series): fills names[0 .. count), returns count.
 * `names` has room for gw_rrd_series_file_ds_count of the point's file.
 */
static inline size_t point_names(const struct point *p, const char **names)
{
    const struct gw_rrd_series *s = p->series;
    size_t n = gw_rrd_series_file_ds_count(s, p->file);
    for (size_t k = 0; k < n; k++)
        names[k] = gw_rrd_series_ds(s, gw_rrd_series_file_ds(s, p->file, k))->name;
    return n;
}

/* Releases a point that leaves the queue, counting why. */
static inline void point_done(struct gw_rrd_writer *w, struct point *p,
                              atomic_uint_fast64_t *counter)
{
    point_account(w, p, counter);
    point_free(p);
}

/* ---- calls of the backend --------------------------------------------------------- */

/*
 * Every call of the backend goes between these two. backend_enter refuses
 * (-ECANCELED) once the writer is hurried; otherwise it lets go of the
 * queues for the length of the call. backend_leave takes them back, unless
 * another thread has kept them in the spool meanwhile (rrd_writer_stop.c):
 * the call's outcome is then dropped (*err freed) and it returns -ECANCELED,
 * after which the writer thread touches no point again.
 */
static inline int backend_enter(struct gw_rrd_writer *w, const char *path)
{
    if (atomic_load(&w->hurry))
        return -ECANCELED;
    w->in_call = path;
    uv_mutex_unlock(&w->work_lock);
    return 0;
}

static inline int backend_leave(struct gw_rrd_writer *w, int rc, char **err)
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

/* ---- rrd_file.c: one file ------------------------------------------------------------ */

/* The file at `path` (named `name` relative to the data directory), made on first use. */
struct rrd_file *gw_rrd_file_get(struct gw_rrd_writer *w, const char *path, const char *name);
/* Frees a file and what it holds but its queue. */
void gw_rrd_file_free(struct rrd_file *f);
/* Forgets the file's data sources (read again when it is next opened). */
void gw_rrd_file_forget_ds(struct rrd_file *f);
/* Forgets the points kept for a re-check: the file has them for sure. */
void gw_rrd_file_forget_taken(struct rrd_file *f);
/* Loads what the file holds through the backend, creating it when missing (from `first`). */
int gw_rrd_file_open(struct gw_rrd_writer *w, struct rrd_file *f, const struct point *first,
                     char **err);
/* Decides how the point's values become a row of the file, extending it first if need be. */
int gw_rrd_file_map(struct gw_rrd_writer *w, struct rrd_file *f, const struct point *p, char **err);
/*
 * Writes the longest run of queued points that can go in one update: of the
 * mapped series, each later than the one before, at most BATCH_MAX.
 */
int gw_rrd_file_write(struct gw_rrd_writer *w, struct rrd_file *f, char **err);

/* ---- rrd_failure.c: failures --------------------------------------------------------- */

/* A call of the backend worked: if it was unreachable, it is no longer. */
void gw_rrd_failure_backend_ok(struct gw_rrd_writer *w);
/* Writing `f` failed with rc and err: back off (the file, or the whole backend). */
void gw_rrd_failure_of_file(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t now_ms, int rc,
                            const char *err);
/* Writing `f` worked again after failures. */
void gw_rrd_failure_file_ok(struct gw_rrd_writer *w, struct rrd_file *f);

/* ---- rrd_writer_thread.c: the writer thread ---------------------------------------- */

void gw_rrd_writer_thread_main(void *arg);
/* Puts a file with queued points on the list the writer goes through. */
void gw_rrd_writer_thread_busy(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t due_ms);
/* Has the backend put on disk what it holds of the files that need it. */
void gw_rrd_writer_thread_sync_files(struct gw_rrd_writer *w, bool final_only);
/* Writes the file's queued points, oldest first, until one fails. */
void gw_rrd_writer_thread_flush_file(struct gw_rrd_writer *w, struct rrd_file *f, uint64_t now_ms);

/* ---- rrd_writer_journal.c: the journal -------------------------------------------- */

/* Queues the point's line for the next commit. */
void gw_rrd_writer_journal_add(struct gw_rrd_writer *w, struct point *p);
/*
 * Appends the lines queued since the last commit in one write; each of
 * their points is then held by the newest segment (and released from the
 * one that held it before). A failure is logged once, and those points stay
 * where they were journaled before, or nowhere, until a retry after a
 * backoff (1 s doubling to 30 s) journals every queued point that is in no
 * segment. Meanwhile, and after a failure, the lines queued are dropped.
 */
void gw_rrd_writer_journal_commit(struct gw_rrd_writer *w);
/* Milliseconds from now_ms until a failing journal is retried, or NO_DEADLINE. */
uint64_t gw_rrd_writer_journal_retry_in(const struct gw_rrd_writer *w, uint64_t now_ms);
/* Appends again the queued points that keep old segments alive, when the journal asks. */
void gw_rrd_writer_journal_compact(struct gw_rrd_writer *w);
/*
 * The writer is done with its points: `kept` when every one of them is
 * written or in the spool (the journal is then removed), else the journal
 * stays for the next start. No journal call is made after.
 */
void gw_rrd_writer_journal_close(struct gw_rrd_writer *w, bool kept);

/* ---- rrd_writer_stop.c: the end ---------------------------------------------------- */

/* The last attempt at every queued point, then rrdcached's writes to disk. */
void gw_rrd_writer_stop_last_pass(struct gw_rrd_writer *w);
/* The writer thread's end: what is still queued goes to the spool. */
void gw_rrd_writer_stop_abandon(struct gw_rrd_writer *w);
/* The thread gw_rrd_writer_hurry starts: see rrd_writer_stop.c. */
void gw_rrd_writer_stop_rescue_main(void *arg);

/* ---- rrd_writer.c ----------------------------------------------------------------- */

/* Frees everything; the writer thread has ended or is this one. */
void gw_rrd_writer_release(struct gw_rrd_writer *w);

#endif
