#include "web/history.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rrd.h>

#include "storage/rrd_writer.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/server.h"

#define PASS_MIN_MS   10000
#define PASS_MAX_MS   300000
#define PASS_SHARE    20 /* a pass takes at most 1/20 of the time */
#define RECENT_SPAN_S (14 * 86400)
#define RECENT_STEP_S 300
#define LONG_STEP_S   3600

/* ---- views ---------------------------------------------------------------------- */

void gw_history_view_unref(struct gw_history_view *v)
{
    if (!v || atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
        return;
    gw_strmap_free(v->index);
    free(v->avail);
    free(v);
}

const struct gw_avail *gw_history_find(const struct gw_history_view *v, const char *id)
{
    size_t at;
    if (!v || gw_strmap_get(v->index, id, &at) < 0)
        return NULL;
    return &v->avail[at];
}

struct mean {
    double sum;
    size_t n;
};

static void mean_add(struct mean *m, double v)
{
    if (!isnan(v)) {
        m->sum += v;
        m->n++;
    }
}

static double mean_of(const struct mean *m)
{
    return m->n ? m->sum / (double)m->n : NAN;
}

void gw_history_mean(const struct gw_history_view *v, const struct gw_snapshot *s, size_t first,
                     size_t count, struct gw_avail *out)
{
    struct mean day[GW_HISTORY_DAYS] = {{0}}, d1 = {0}, d7 = {0}, d30 = {0};
    for (size_t i = first; v && i < first + count && i < s->n; i++) {
        const struct gw_avail *a = gw_history_find(v, s->config->targets[i].id);
        if (!a)
            continue;
        mean_add(&d1, a->last_24h);
        mean_add(&d7, a->last_7d);
        mean_add(&d30, a->last_30d);
        for (size_t d = 0; d < GW_HISTORY_DAYS; d++)
            mean_add(&day[d], a->days[d]);
    }
    out->last_24h = mean_of(&d1);
    out->last_7d = mean_of(&d7);
    out->last_30d = mean_of(&d30);
    for (size_t d = 0; d < GW_HISTORY_DAYS; d++)
        out->days[d] = mean_of(&day[d]);
}

/* ---- reading one file ---------------------------------------------------------------- */

void gw_history_days(int64_t now_ms, int64_t *day_start_ms)
{
    time_t now = (time_t)(now_ms / 1000);
    struct tm tm;
    localtime_r(&now, &tm);
    for (int i = 0; i < GW_HISTORY_DAYS; i++) {
        struct tm d = tm;
        d.tm_mday -= GW_HISTORY_DAYS - 1 - i;
        d.tm_hour = d.tm_min = d.tm_sec = 0;
        d.tm_isdst = -1; /* mktime finds whether that midnight is summer time */
        day_start_ms[i] = (int64_t)mktime(&d) * 1000;
    }
}

/* Sums of "up" time and known time. */
struct acc {
    double up_s, known_s;
};

static void acc_add(struct acc *a, double v, double len_s)
{
    a->up_s += v * len_s;
    a->known_s += len_s;
}

static double acc_ratio(const struct acc *a)
{
    return a->known_s > 0 ? a->up_s / a->known_s : NAN;
}

struct reading {
    int64_t now_s;
    const int64_t *day_start_ms;
    struct acc d1, d7, d30, days[GW_HISTORY_DAYS];
};

/* The row ending at end_s covers (end_s - step_s, end_s] and holds availability v. */
static void reading_add(struct reading *r, int64_t end_s, int64_t step_s, double v)
{
    if (isnan(v))
        return;
    if (v < 0)
        v = 0;
    if (v > 1)
        v = 1;
    int64_t age = r->now_s - end_s;
    double len = (double)step_s;
    if (age < 86400)
        acc_add(&r->d1, v, len);
    if (age < 7 * 86400)
        acc_add(&r->d7, v, len);
    if (age < 30 * 86400)
        acc_add(&r->d30, v, len);
    /* The day the row's middle falls in. */
    int64_t mid_ms = (end_s * 1000) - step_s * 500;
    if (mid_ms < r->day_start_ms[0])
        return;
    int lo = 0, hi = GW_HISTORY_DAYS - 1;
    while (lo < hi) {
        int m = (lo + hi + 1) / 2;
        if (r->day_start_ms[m] <= mid_ms)
            lo = m;
        else
            hi = m - 1;
    }
    acc_add(&r->days[lo], v, len);
}

/*
 * Fetches `up` averaged at about step_s over [start_s, end_s]; adds the rows
 * that end after `after_s` and no later than `until_s`. Returns the time the
 * rows began (rrd_fetch's start), or -1.
 */
static int64_t fetch_up(const char *path, int64_t start_s, int64_t end_s, int64_t step_s,
                        int64_t until_s, struct reading *r)
{
    time_t start = (time_t)start_s, end = (time_t)end_s;
    unsigned long step = (unsigned long)step_s, n_cols = 0;
    char **names = NULL;
    rrd_value_t *data = NULL;
    rrd_clear_error();
    if (rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &n_cols, &names, &data) != 0) {
        rrd_clear_error();
        return -1;
    }
    long col = -1;
    for (unsigned long c = 0; c < n_cols; c++) {
        if (col < 0 && strcmp(names[c], "up") == 0)
            col = (long)c;
        rrd_freemem(names[c]);
    }
    rrd_freemem(names);
    size_t rows = step ? (size_t)((end - start) / (time_t)step) : 0;
    for (size_t i = 0; col >= 0 && i < rows; i++) {
        int64_t row_end = (int64_t)start + (int64_t)(i + 1) * (int64_t)step;
        if (row_end > until_s)
            break;
        reading_add(r, row_end, (int64_t)step, data[i * n_cols + (size_t)col]);
    }
    rrd_freemem(data);
    return col >= 0 ? (int64_t)start : -1;
}

int gw_history_read(const char *path, int64_t now_ms, const int64_t *day_start_ms,
                    struct gw_avail *out)
{
    struct reading r = {.now_s = now_ms / 1000, .day_start_ms = day_start_ms};
    /* The fine archive first, for as far back as it goes; the hourly one before it. */
    int64_t recent = fetch_up(path, r.now_s - RECENT_SPAN_S, r.now_s, RECENT_STEP_S, INT64_MAX, &r);
    int64_t oldest = day_start_ms[0] / 1000;
    if (r.now_s - 30 * 86400 < oldest)
        oldest = r.now_s - 30 * 86400;
    if (recent < 0) {
        for (int d = 0; d < GW_HISTORY_DAYS; d++)
            out->days[d] = NAN;
        out->last_24h = out->last_7d = out->last_30d = NAN;
        return -ENOENT;
    }
    if (recent > oldest)
        fetch_up(path, oldest, recent, LONG_STEP_S, recent, &r);
    out->last_24h = acc_ratio(&r.d1);
    out->last_7d = acc_ratio(&r.d7);
    out->last_30d = acc_ratio(&r.d30);
    for (int d = 0; d < GW_HISTORY_DAYS; d++)
        out->days[d] = acc_ratio(&r.days[d]);
    return 0;
}

/* ---- the thread ------------------------------------------------------------------------ */

struct gw_history {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping, poked, started;
    struct gw_snapshot_box *box;
    struct gw_rrd_writer *writer;
    int64_t synced_row;              /* the 5-minute row the writer last wrote everything in */
    struct gw_history_view *current; /* under lock */
    uint64_t generation;
};

/* How long a pass waits for the writer at most: then it reads what is on disk. */
#define SYNC_TIMEOUT_MS 2000u

/* Has the writer write what it holds, when a 5-minute row ended since it last did. */
static void sync_rows(struct gw_history *h, int64_t now_ms)
{
    int64_t row = now_ms / 1000 / RECENT_STEP_S;
    if (!h->writer || row == h->synced_row)
        return;
    if (gw_rrd_writer_sync(h->writer, NULL, SYNC_TIMEOUT_MS) == 0)
        h->synced_row = row;
}

static struct gw_history_view *pass(struct gw_history *h, const struct gw_snapshot *s)
{
    struct gw_history_view *v = gw_xcalloc(1, sizeof(*v));
    atomic_init(&v->refs, 1);
    v->generation = ++h->generation;
    int64_t now_ms = gw_clock_wall_ms();
    sync_rows(h, now_ms);
    gw_history_days(now_ms, v->day_start_ms);
    const struct gw_config *config = s->config;
    v->n = config->n_targets;
    v->avail = gw_xcalloc(v->n ? v->n : 1, sizeof(*v->avail));
    v->index = gw_strmap_new();
    for (size_t i = 0; i < v->n; i++) {
        const struct gw_target_conf *t = &config->targets[i];
        const char *council = config->councils[t->council].id;
        char *path = gw_xasprintf("%s/%s/%s.rrd", config->daemon.data_dir, council, t->name);
        gw_history_read(path, now_ms, v->day_start_ms, &v->avail[i]);
        free(path);
        gw_strmap_put(v->index, t->id, i, NULL);
        pthread_mutex_lock(&h->lock);
        bool stop = h->stopping;
        pthread_mutex_unlock(&h->lock);
        if (stop)
            break;
    }
    v->computed_ms = gw_clock_wall_ms();
    return v;
}

/* The time between passes: see history.h. */
static uint64_t pause_ms(const struct gw_snapshot *s, uint64_t took_ms)
{
    uint64_t shortest = PASS_MAX_MS;
    for (size_t i = 0; i < s->config->n_targets; i++)
        if (s->config->targets[i].interval_ms < shortest)
            shortest = s->config->targets[i].interval_ms;
    if (shortest < PASS_MIN_MS)
        shortest = PASS_MIN_MS;
    if (shortest < took_ms * PASS_SHARE)
        shortest = took_ms * PASS_SHARE;
    return shortest;
}

static void deadline_in(struct timespec *until, uint64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, until);
    until->tv_sec += (time_t)(ms / 1000);
    until->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until->tv_nsec >= 1000000000L) {
        until->tv_sec++;
        until->tv_nsec -= 1000000000L;
    }
}

static void *history_main(void *arg)
{
    struct gw_history *h = arg;
    gw_web_lower_priority();
    pthread_mutex_lock(&h->lock);
    while (!h->stopping) {
        h->poked = false;
        pthread_mutex_unlock(&h->lock);
        uint64_t wait_ms = 200; /* until the daemon publishes its first snapshot */
        struct gw_snapshot *s = gw_snapshot_acquire(h->box);
        if (s) {
            uint64_t t0 = gw_clock_mono_ms();
            struct gw_history_view *v = pass(h, s);
            uint64_t took = gw_clock_mono_ms() - t0;
            wait_ms = pause_ms(s, took);
            gw_snapshot_unref(s);
            pthread_mutex_lock(&h->lock);
            struct gw_history_view *old = h->current;
            h->current = v;
            pthread_mutex_unlock(&h->lock);
            gw_history_view_unref(old);
            gw_log_debug("web: availability of %zu targets read in %llu ms", v->n,
                         (unsigned long long)took);
        }
        struct timespec until;
        deadline_in(&until, wait_ms);
        pthread_mutex_lock(&h->lock);
        while (!h->stopping && !h->poked &&
               pthread_cond_timedwait(&h->wake, &h->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

struct gw_history *gw_history_start(struct gw_snapshot_box *box, struct gw_rrd_writer *writer)
{
    struct gw_history *h = gw_xcalloc(1, sizeof(*h));
    h->box = box;
    h->writer = writer;
    h->synced_row = -1;
    pthread_mutex_init(&h->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&h->wake, &attr);
    pthread_condattr_destroy(&attr);
    h->started = pthread_create(&h->thread, NULL, history_main, h) == 0;
    if (!h->started)
        gw_log_error("web: cannot start the availability reader; pages show no history");
    return h;
}

struct gw_history_view *gw_history_acquire(struct gw_history *h)
{
    pthread_mutex_lock(&h->lock);
    struct gw_history_view *v = h->current;
    if (v)
        atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&h->lock);
    return v;
}

void gw_history_poke(struct gw_history *h)
{
    pthread_mutex_lock(&h->lock);
    h->poked = true;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
}

void gw_history_stop(struct gw_history *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
    if (h->started)
        pthread_join(h->thread, NULL);
    gw_history_view_unref(h->current);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
