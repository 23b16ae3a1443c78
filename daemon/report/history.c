#include "report/history.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/london.h"
#include "util/strmap.h"
#include "util/xalloc.h"

struct hspan {
    int64_t start, end;
    enum gw_timeline_state state;
    enum gw_timeline_cause cause;
    char *reason;
    char *cause_target;
};

struct window {
    int64_t start, end;
};

/* What the log says of one target so far. */
struct track {
    char *target;
    struct hspan *spans;
    size_t n_spans;
    struct window *maint;
    size_t n_maint;
    /* The state since `since`, set by the last change. */
    enum gw_timeline_state state;
    enum gw_timeline_cause cause;
    char *reason;
    char *cause_target;
    int64_t since;
    bool seen;          /* a state change has been read */
    int64_t maint_open; /* start of an open window; -1 when none */
};

struct gw_history {
    struct track **tracks;
    size_t n_tracks;
    struct gw_strmap *index;
    struct window *stops; /* the daemon not running */
    size_t n_stops;
    int64_t begin, last_line, stopped_at, latest_start;
    bool any_line, running, finished, live;
    int64_t end;
};

struct gw_history *gw_history_new(void)
{
    struct gw_history *h = gw_xcalloc(1, sizeof(*h));
    h->index = gw_strmap_new();
    h->running = true; /* a log that does not open with `start` began while it ran */
    h->begin = INT64_MAX;
    return h;
}

static void track_free(struct track *t)
{
    for (size_t i = 0; i < t->n_spans; i++) {
        free(t->spans[i].reason);
        free(t->spans[i].cause_target);
    }
    free(t->spans);
    free(t->maint);
    free(t->reason);
    free(t->cause_target);
    free(t->target);
    free(t);
}

void gw_history_free(struct gw_history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_tracks; i++)
        track_free(h->tracks[i]);
    free(h->tracks);
    gw_strmap_free(h->index);
    free(h->stops);
    free(h);
}

static struct track *track_of(struct gw_history *h, const char *target)
{
    size_t i;
    if (gw_strmap_get(h->index, target, &i) == 0)
        return h->tracks[i];
    struct track *t = gw_xcalloc(1, sizeof(*t));
    t->target = gw_xstrdup(target);
    t->maint_open = -1;
    h->tracks = gw_xreallocarray(h->tracks, h->n_tracks + 1, sizeof(*h->tracks));
    h->tracks[h->n_tracks] = t;
    gw_strmap_put(h->index, t->target, h->n_tracks, NULL);
    h->n_tracks++;
    return t;
}

static const struct track *track_find(const struct gw_history *h, const char *target)
{
    size_t i;
    return gw_strmap_get(h->index, target, &i) == 0 ? h->tracks[i] : NULL;
}

static void span_push(struct track *t, int64_t start, int64_t end, enum gw_timeline_state state,
                      enum gw_timeline_cause cause, const char *reason, const char *cause_target)
{
    if (end <= start)
        return;
    t->spans = gw_xreallocarray(t->spans, t->n_spans + 1, sizeof(*t->spans));
    t->spans[t->n_spans++] = (struct hspan){
        .start = start,
        .end = end,
        .state = state,
        .cause = cause,
        .reason = reason ? gw_xstrdup(reason) : NULL,
        .cause_target = cause_target ? gw_xstrdup(cause_target) : NULL,
    };
}

static void window_push(struct window **v, size_t *n, int64_t start, int64_t end)
{
    if (end <= start)
        return;
    *v = gw_xreallocarray(*v, *n + 1, sizeof(**v));
    (*v)[(*n)++] = (struct window){start, end};
}

static enum gw_timeline_state state_of(enum gw_event_lines_state s)
{
    switch (s) {
    case GW_EVENT_LINES_S_UP:
        return GW_TIMELINE_UP;
    case GW_EVENT_LINES_S_DEGRADED:
        return GW_TIMELINE_DEGRADED;
    case GW_EVENT_LINES_S_DOWN:
        return GW_TIMELINE_DOWN;
    default:
        return GW_TIMELINE_UNKNOWN;
    }
}

static enum gw_timeline_cause cause_of(const char *cause)
{
    if (!cause)
        return GW_TIMELINE_CAUSE_NONE;
    if (strcmp(cause, "parent") == 0)
        return GW_TIMELINE_CAUSE_PARENT;
    if (strcmp(cause, "maintenance") == 0)
        return GW_TIMELINE_CAUSE_MAINTENANCE;
    return GW_TIMELINE_CAUSE_NONE;
}

static bool real_state(enum gw_event_lines_state s)
{
    return s != GW_EVENT_LINES_S_NONE && s != GW_EVENT_LINES_S_PENDING;
}

/* The span that a change at time t ends, then the new state from t. */
static void track_change(struct gw_history *h, struct track *t, const struct gw_event_lines_rec *ev)
{
    int64_t now = ev->time_ms;
    if (!t->seen) {
        /* From pending: the target was new (started, or added by a reload): nothing
         * was known of it before. */
        if (real_state(ev->from) && ev->since_ms > 0) {
            span_push(t, ev->since_ms, now, state_of(ev->from), GW_TIMELINE_CAUSE_NONE, NULL, NULL);
        }
    } else if (ev->from == GW_EVENT_LINES_S_PENDING && h->latest_start > t->since) {
        int64_t start = h->latest_start < now ? h->latest_start : now;
        span_push(t, t->since, start, t->state, t->cause, t->reason, t->cause_target);
        span_push(t, start, now, GW_TIMELINE_UNKNOWN, GW_TIMELINE_CAUSE_NONE, NULL, NULL);
    } else {
        /* The log's word for what the state was wins over what we carried. */
        enum gw_timeline_state was = real_state(ev->from) ? state_of(ev->from) : t->state;
        bool same = was == t->state;
        span_push(t, t->since, now, was, same ? t->cause : GW_TIMELINE_CAUSE_NONE,
                  same ? t->reason : NULL, same ? t->cause_target : NULL);
    }
    t->seen = true;
    t->state = state_of(ev->to);
    t->since = now;
    t->cause = cause_of(ev->cause);
    free(t->reason);
    free(t->cause_target);
    t->reason = ev->reason ? gw_xstrdup(ev->reason) : NULL;
    t->cause_target = ev->cause_target ? gw_xstrdup(ev->cause_target) : NULL;
}

void gw_history_add(struct gw_history *h, const struct gw_event_lines_rec *ev)
{
    int64_t now = ev->time_ms;
    bool first = !h->any_line;
    if (first) {
        h->any_line = true;
        h->begin = now;
    }
    switch (ev->kind) {
    case GW_EVENT_LINES_START:
        if (h->running && !first) /* no stop since the last start: it crashed */
            window_push(&h->stops, &h->n_stops, h->last_line, now);
        else if (!h->running)
            window_push(&h->stops, &h->n_stops, h->stopped_at, now);
        h->running = true;
        h->latest_start = now;
        break;
    case GW_EVENT_LINES_STOP:
        if (h->running) {
            h->running = false;
            h->stopped_at = now;
        }
        break;
    case GW_EVENT_LINES_STATE:
        track_change(h, track_of(h, ev->target), ev);
        break;
    case GW_EVENT_LINES_SETTLED: {
        struct track *t = track_of(h, ev->target);
        if (real_state(ev->to) && (!t->seen || state_of(ev->to) != t->state))
            track_change(h, t, ev);
        break;
    }
    case GW_EVENT_LINES_MAINTENANCE_START: {
        struct track *t = track_of(h, ev->target);
        if (t->maint_open < 0)
            t->maint_open = now;
        break;
    }
    case GW_EVENT_LINES_MAINTENANCE_END: {
        struct track *t = track_of(h, ev->target);
        if (t->maint_open >= 0)
            window_push(&t->maint, &t->n_maint, t->maint_open, now);
        t->maint_open = -1;
        break;
    }
    default:
        break;
    }
    h->last_line = now;
}

void gw_history_finish(struct gw_history *h, int64_t end_ms, bool live)
{
    if (h->finished)
        return;
    h->finished = true;
    h->end = end_ms;
    h->live = live;
    for (size_t i = 0; i < h->n_tracks; i++) {
        struct track *t = h->tracks[i];
        if (t->seen)
            span_push(t, t->since, end_ms, t->state, t->cause, t->reason, t->cause_target);
        if (t->maint_open >= 0)
            window_push(&t->maint, &t->n_maint, t->maint_open, end_ms);
    }
    if (!h->running)
        window_push(&h->stops, &h->n_stops, h->stopped_at, end_ms);
}

int64_t gw_history_begin_ms(const struct gw_history *h)
{
    return h->begin;
}

int64_t gw_history_first_ms(const struct gw_history *h, const char *target)
{
    const struct track *t = track_find(h, target);
    if (!t || !t->seen)
        return INT64_MAX;
    return t->n_spans ? t->spans[0].start : t->since;
}

bool gw_history_has(const struct gw_history *h, const char *target)
{
    const struct track *t = track_find(h, target);
    return t && t->seen;
}

size_t gw_history_target_count(const struct gw_history *h)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n_tracks; i++)
        n += h->tracks[i]->seen;
    return n;
}

bool gw_history_fill(const struct gw_history *h, const char *target, struct gw_timeline *tl)
{
    const struct track *t = track_find(h, target);
    if (!t || !t->seen)
        return false;
    for (size_t i = 0; i < t->n_spans; i++) {
        const struct hspan *s = &t->spans[i];
        gw_timeline_add_span(tl, s->start, s->end, s->state, s->reason, s->cause, s->cause_target);
    }
    for (size_t i = 0; i < t->n_maint; i++)
        gw_timeline_add_maintenance(tl, t->maint[i].start, t->maint[i].end);
    for (size_t i = 0; i < h->n_stops; i++)
        gw_timeline_add_unmonitored(tl, h->stops[i].start, h->stops[i].end);
    if (h->live)
        gw_timeline_set_live_end(tl, h->end);
    return true;
}

/* ---- RRD rows ------------------------------------------------------------------ */

static void clipped_span(struct gw_timeline *tl, int64_t start, int64_t end,
                         enum gw_timeline_state state, int64_t lo, int64_t hi)
{
    if (start < lo)
        start = lo;
    if (end > hi)
        end = hi;
    gw_timeline_add_span(tl, start, end, state, NULL, GW_TIMELINE_CAUSE_NONE, NULL);
}

void gw_history_add_rows(struct gw_timeline *tl, int64_t first_ms, int64_t step_ms, size_t n,
                         const double *up, const double *degraded, size_t stride,
                         int64_t clip_start_ms, int64_t clip_end_ms)
{
    bool down_before = false;
    for (size_t i = 0; i < n; i++) {
        int64_t t0 = first_ms + (int64_t)i * step_ms, t1 = t0 + step_ms;
        double u = up[i * stride];
        if (isnan(u)) {
            down_before = false;
            continue;
        }
        u = u < 0 ? 0 : u > 1 ? 1 : u;
        double d = degraded ? degraded[i * stride] : NAN;
        d = isnan(d) || d < 0 ? 0 : d > u ? u : d;
        int64_t down = llround((1 - u) * (double)step_ms);
        int64_t deg = llround(d * (double)step_ms);
        if (deg > step_ms - down)
            deg = step_ms - down;
        int64_t upt = step_ms - down - deg;
        int64_t t = t0;
        if (down_before && down > 0) {
            clipped_span(tl, t, t + down, GW_TIMELINE_DOWN, clip_start_ms, clip_end_ms);
            t += down;
        }
        clipped_span(tl, t, t + upt, GW_TIMELINE_UP, clip_start_ms, clip_end_ms);
        t += upt;
        clipped_span(tl, t, t + deg, GW_TIMELINE_DEGRADED, clip_start_ms, clip_end_ms);
        t += deg;
        if (!(down_before && down > 0))
            clipped_span(tl, t, t1, GW_TIMELINE_DOWN, clip_start_ms, clip_end_ms);
        /* Only a row that ends down carries its outage into the next. */
        down_before = down > 0 && (!down_before || upt + deg == 0);
    }
}

/* ---- configured maintenance --------------------------------------------------- */

static bool covers(const struct gw_maintenance_conf *m, const char *target_id)
{
    for (size_t i = 0; i < m->n_patterns; i++)
        if (fnmatch(m->patterns[i], target_id, FNM_PATHNAME) == 0)
            return true;
    return false;
}

/*
 * The instant (ms) local clocks show `minutes` after the midnight that
 * begins local date `days` (minutes may pass 1440: a later day). A start
 * takes the first time the clocks show it, an end the last; in March's
 * skipped hour both are the moment the clocks went forward.
 */
static int64_t local_ms(int64_t days, int minutes, bool end)
{
    days += minutes / 1440;
    minutes %= 1440;
    int y, m, d;
    gw_london_date(days, &y, &m, &d);
    int64_t at[2];
    int n = gw_london_instants(y, m, d, minutes, at);
    return (end && n == 2 ? at[1] : at[0]) * 1000;
}

void gw_history_config_windows(const struct gw_config *config, const char *target_id,
                               int64_t start_ms, int64_t end_ms, struct gw_timeline *tl)
{
    for (size_t i = 0; i < config->n_maintenance; i++) {
        const struct gw_maintenance_conf *m = &config->maintenance[i];
        if (!covers(m, target_id))
            continue;
        if (m->weekday < 0) {
            int64_t s = m->from_s * 1000, e = m->to_s * 1000;
            if (e > start_ms && s < end_ms)
                gw_timeline_add_maintenance(tl, s > start_ms ? s : start_ms,
                                            e < end_ms ? e : end_ms);
            continue;
        }
        /* Every local day from the one before the period (a window across midnight). */
        struct gw_civil c;
        gw_london_civil(start_ms / 1000 - 86400, &c);
        for (int64_t day = gw_london_days(c.year, c.month, c.day);; day++) {
            if (local_ms(day, 0, false) >= end_ms)
                break;
            if (gw_london_weekday(day) != m->weekday)
                continue;
            int to = m->to_min > m->from_min ? m->to_min : m->to_min + 1440;
            int64_t s = local_ms(day, m->from_min, false), e = local_ms(day, to, true);
            if (e > start_ms && s < end_ms)
                gw_timeline_add_maintenance(tl, s > start_ms ? s : start_ms,
                                            e < end_ms ? e : end_ms);
        }
    }
}
