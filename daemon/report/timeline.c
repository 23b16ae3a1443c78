#include "report/timeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct span {
    int64_t start, end;
    enum gw_timeline_state state;
    enum gw_timeline_cause cause;
    char *reason;
    char *cause_target;
};

struct interval {
    int64_t start, end;
};

struct intervals {
    struct interval *v;
    size_t n, cap;
};

struct gw_timeline {
    struct span *spans;
    size_t n_spans, cap_spans;
    struct intervals maintenance;
    struct intervals unmonitored;
    bool live;
    int64_t live_end;
};

struct gw_timeline *gw_timeline_new(void)
{
    return gw_xcalloc(1, sizeof(struct gw_timeline));
}

void gw_timeline_free(struct gw_timeline *tl)
{
    if (!tl)
        return;
    for (size_t i = 0; i < tl->n_spans; i++) {
        free(tl->spans[i].reason);
        free(tl->spans[i].cause_target);
    }
    free(tl->spans);
    free(tl->maintenance.v);
    free(tl->unmonitored.v);
    free(tl);
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

void gw_timeline_add_span(struct gw_timeline *tl, int64_t start_ms, int64_t end_ms,
                          enum gw_timeline_state state, const char *reason,
                          enum gw_timeline_cause cause, const char *cause_target)
{
    if (tl->n_spans && start_ms < tl->spans[tl->n_spans - 1].end)
        start_ms = tl->spans[tl->n_spans - 1].end;
    if (end_ms <= start_ms)
        return;
    if (state == GW_TIMELINE_UP)
        reason = NULL;
    if (cause != GW_TIMELINE_CAUSE_PARENT)
        cause_target = NULL;
    if (tl->n_spans) {
        struct span *last = &tl->spans[tl->n_spans - 1];
        if (last->end == start_ms && last->state == state && last->cause == cause &&
            same_text(last->reason, reason) && same_text(last->cause_target, cause_target)) {
            last->end = end_ms;
            return;
        }
    }
    if (tl->n_spans == tl->cap_spans) {
        tl->cap_spans = tl->cap_spans ? tl->cap_spans * 2 : 16;
        tl->spans = gw_xreallocarray(tl->spans, tl->cap_spans, sizeof(*tl->spans));
    }
    tl->spans[tl->n_spans++] = (struct span){
        .start = start_ms,
        .end = end_ms,
        .state = state,
        .cause = cause,
        .reason = reason ? gw_xstrdup(reason) : NULL,
        .cause_target = cause_target ? gw_xstrdup(cause_target) : NULL,
    };
}

static void intervals_add(struct intervals *iv, int64_t start, int64_t end)
{
    if (end <= start)
        return;
    if (iv->n == iv->cap) {
        iv->cap = iv->cap ? iv->cap * 2 : 8;
        iv->v = gw_xreallocarray(iv->v, iv->cap, sizeof(*iv->v));
    }
    iv->v[iv->n++] = (struct interval){start, end};
}

void gw_timeline_add_maintenance(struct gw_timeline *tl, int64_t start_ms, int64_t end_ms)
{
    intervals_add(&tl->maintenance, start_ms, end_ms);
}

void gw_timeline_add_unmonitored(struct gw_timeline *tl, int64_t start_ms, int64_t end_ms)
{
    intervals_add(&tl->unmonitored, start_ms, end_ms);
}

void gw_timeline_set_live_end(struct gw_timeline *tl, int64_t end_ms)
{
    tl->live = true;
    tl->live_end = end_ms;
}

size_t gw_timeline_span_count(const struct gw_timeline *tl)
{
    return tl->n_spans;
}

static int interval_cmp(const void *a, const void *b)
{
    const struct interval *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* A sorted copy of iv with overlapping and touching intervals merged. Caller frees. */
static struct interval *intervals_merged(const struct intervals *iv, size_t *n_out)
{
    *n_out = 0;
    if (!iv->n)
        return NULL;
    struct interval *v = gw_xreallocarray(NULL, iv->n, sizeof(*v));
    memcpy(v, iv->v, iv->n * sizeof(*v));
    qsort(v, iv->n, sizeof(*v), interval_cmp);
    size_t n = 0;
    for (size_t i = 0; i < iv->n; i++) {
        if (n && v[i].start <= v[n - 1].end) {
            if (v[i].end > v[n - 1].end)
                v[n - 1].end = v[i].end;
        } else {
            v[n++] = v[i];
        }
    }
    *n_out = n;
    return v;
}

/* ---- segments --------------------------------------------------------------- */

struct segs {
    struct gw_timeline_seg *v;
    size_t n, cap;
};

static void segs_push(struct segs *s, const struct gw_timeline_seg *seg)
{
    if (s->n) {
        struct gw_timeline_seg *last = &s->v[s->n - 1];
        if (last->end_ms == seg->start_ms && last->kind == seg->kind && last->cause == seg->cause &&
            same_text(last->reason, seg->reason) &&
            same_text(last->cause_target, seg->cause_target)) {
            last->end_ms = seg->end_ms;
            return;
        }
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = gw_xreallocarray(s->v, s->cap, sizeof(*s->v));
    }
    s->v[s->n++] = *seg;
}

/* A cursor over sorted, disjoint intervals: is t inside one, and where does that change. */
struct cursor {
    const struct interval *v;
    size_t n, i;
};

/* Moves to time t; returns true when t is inside an interval; *next is where that changes. */
static bool cursor_at(struct cursor *c, int64_t t, int64_t *next)
{
    while (c->i < c->n && c->v[c->i].end <= t)
        c->i++;
    if (c->i == c->n) {
        *next = INT64_MAX;
        return false;
    }
    if (c->v[c->i].start <= t) {
        *next = c->v[c->i].end;
        return true;
    }
    *next = c->v[c->i].start;
    return false;
}

/* The index of the first span that ends after t. */
static size_t first_span_after(const struct gw_timeline *tl, int64_t t)
{
    size_t lo = 0, hi = tl->n_spans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->spans[mid].end <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static enum gw_timeline_kind kind_of_state(enum gw_timeline_state s)
{
    switch (s) {
    case GW_TIMELINE_UP:
        return GW_TIMELINE_K_UP;
    case GW_TIMELINE_DEGRADED:
        return GW_TIMELINE_K_DEGRADED;
    case GW_TIMELINE_DOWN:
        return GW_TIMELINE_K_DOWN;
    case GW_TIMELINE_UNKNOWN:
        break;
    }
    return GW_TIMELINE_K_UNKNOWN;
}

size_t gw_timeline_segments(const struct gw_timeline *tl, int64_t start_ms, int64_t end_ms,
                            struct gw_timeline_seg **segs_out)
{
    struct segs out = {0};
    size_t n_maint, n_unmon;
    struct interval *maint = intervals_merged(&tl->maintenance, &n_maint);
    struct interval *unmon = intervals_merged(&tl->unmonitored, &n_unmon);
    struct cursor cm = {maint, n_maint, 0}, cu = {unmon, n_unmon, 0};
    size_t si = first_span_after(tl, start_ms);

    for (int64_t t = start_ms; t < end_ms;) {
        int64_t next_m, next_u, next_s;
        bool in_maint = cursor_at(&cm, t, &next_m);
        bool in_unmon = cursor_at(&cu, t, &next_u);
        while (si < tl->n_spans && tl->spans[si].end <= t)
            si++;
        const struct span *sp = NULL;
        if (si < tl->n_spans && tl->spans[si].start <= t) {
            sp = &tl->spans[si];
            next_s = sp->end;
        } else {
            next_s = si < tl->n_spans ? tl->spans[si].start : INT64_MAX;
        }
        int64_t next = end_ms;
        if (next_m < next)
            next = next_m;
        if (next_u < next)
            next = next_u;
        if (next_s < next)
            next = next_s;

        struct gw_timeline_seg seg = {.start_ms = t, .end_ms = next};
        if (in_unmon || !sp) {
            seg.kind = GW_TIMELINE_K_UNMONITORED;
        } else if (in_maint || sp->cause == GW_TIMELINE_CAUSE_MAINTENANCE) {
            seg.kind = GW_TIMELINE_K_MAINTENANCE;
        } else {
            seg.kind = kind_of_state(sp->state);
            seg.cause = sp->cause;
            seg.reason = sp->reason;
            seg.cause_target = sp->cause_target;
        }
        segs_push(&out, &seg);
        t = next;
    }
    free(maint);
    free(unmon);
    *segs_out = out.v;
    return out.n;
}

/* ---- figures and outages ---------------------------------------------------- */

static int64_t overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
    int64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
    return hi > lo ? hi - lo : 0;
}

static void add_segment_time(struct gw_timeline_figures *f, const struct gw_timeline_seg *s,
                             int64_t ms)
{
    switch (s->kind) {
    case GW_TIMELINE_K_UP:
        f->up_ms += ms;
        break;
    case GW_TIMELINE_K_DEGRADED:
        f->degraded_ms += ms;
        break;
    case GW_TIMELINE_K_DOWN:
        f->down_ms += ms;
        if (s->cause == GW_TIMELINE_CAUSE_PARENT)
            f->down_parent_ms += ms;
        break;
    case GW_TIMELINE_K_UNKNOWN:
        f->unknown_ms += ms;
        break;
    case GW_TIMELINE_K_MAINTENANCE:
        f->maintenance_ms += ms;
        break;
    case GW_TIMELINE_K_UNMONITORED:
        f->unmonitored_ms += ms;
        break;
    }
}

struct outages {
    struct gw_timeline_outage *v;
    size_t n, cap;
};

static void outage_close(struct outages *o, struct gw_timeline_outage *cur,
                         struct gw_timeline_figures *f, int64_t end_ms)
{
    if (cur->down_ms <= 0)
        return;
    cur->continues_after = cur->end_ms > end_ms;
    f->outages++;
    if (cur->down_ms > f->longest_outage_ms)
        f->longest_outage_ms = cur->down_ms;
    if (!o)
        return;
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 8;
        o->v = gw_xreallocarray(o->v, o->cap, sizeof(*o->v));
    }
    o->v[o->n++] = *cur;
}

void gw_timeline_figures(const struct gw_timeline *tl, int64_t start_ms, int64_t end_ms,
                         struct gw_timeline_figures *fig, struct gw_timeline_outage **outages_out,
                         size_t *n_outages)
{
    memset(fig, 0, sizeof(*fig));
    fig->period_ms = end_ms > start_ms ? end_ms - start_ms : 0;
    /* Outages crossing the period's edges are followed through the whole history. */
    int64_t lo = start_ms, hi = end_ms;
    if (tl->n_spans) {
        if (tl->spans[0].start < lo)
            lo = tl->spans[0].start;
        if (tl->spans[tl->n_spans - 1].end > hi)
            hi = tl->spans[tl->n_spans - 1].end;
    }
    struct gw_timeline_seg *segs;
    size_t n = gw_timeline_segments(tl, lo, hi, &segs);

    struct outages o = {0};
    struct gw_timeline_outage cur;
    bool open = false;
    for (size_t i = 0; i < n; i++) {
        const struct gw_timeline_seg *s = &segs[i];
        int64_t in = overlap(s->start_ms, s->end_ms, start_ms, end_ms);
        if (in)
            add_segment_time(fig, s, in);
        if (s->kind == GW_TIMELINE_K_DOWN) {
            if (!open) {
                cur = (struct gw_timeline_outage){
                    .start_ms = s->start_ms,
                    .cause = s->cause,
                    .reason = s->reason,
                    .cause_target = s->cause_target,
                    .began_before = s->start_ms < start_ms,
                };
                open = true;
            }
            cur.end_ms = s->end_ms;
            cur.down_ms += in;
            cur.down_all_ms += s->end_ms - s->start_ms;
        } else if (open && (s->kind == GW_TIMELINE_K_UP || s->kind == GW_TIMELINE_K_DEGRADED)) {
            outage_close(outages_out ? &o : NULL, &cur, fig, end_ms);
            open = false;
        }
    }
    if (open) {
        cur.ongoing = tl->live && cur.end_ms >= tl->live_end;
        outage_close(outages_out ? &o : NULL, &cur, fig, end_ms);
    }
    free(segs);
    if (outages_out) {
        *outages_out = o.v;
        *n_outages = o.n;
    }
}

void gw_timeline_figures_add(struct gw_timeline_figures *a, const struct gw_timeline_figures *b)
{
    a->period_ms += b->period_ms;
    a->up_ms += b->up_ms;
    a->degraded_ms += b->degraded_ms;
    a->down_ms += b->down_ms;
    a->down_parent_ms += b->down_parent_ms;
    a->maintenance_ms += b->maintenance_ms;
    a->unknown_ms += b->unknown_ms;
    a->unmonitored_ms += b->unmonitored_ms;
    a->outages += b->outages;
    if (b->longest_outage_ms > a->longest_outage_ms)
        a->longest_outage_ms = b->longest_outage_ms;
}

int64_t gw_timeline_available_ms(const struct gw_timeline_figures *f)
{
    return f->up_ms + f->degraded_ms;
}

double gw_timeline_availability(const struct gw_timeline_figures *f)
{
    int64_t avail = gw_timeline_available_ms(f), counted = avail + f->down_ms;
    return counted > 0 ? (double)avail / (double)counted : NAN;
}

int64_t gw_timeline_mttr_ms(const struct gw_timeline_figures *f)
{
    return f->outages ? f->down_ms / f->outages : -1;
}

int64_t gw_timeline_mtbf_ms(const struct gw_timeline_figures *f)
{
    return f->outages ? gw_timeline_available_ms(f) / f->outages : -1;
}

/* ---- parity ------------------------------------------------------------------ */

enum measured {
    M_EXCLUDED,
    M_AVAILABLE,
    M_DOWN,
};

static enum measured measured_of(enum gw_timeline_kind k)
{
    switch (k) {
    case GW_TIMELINE_K_UP:
    case GW_TIMELINE_K_DEGRADED:
        return M_AVAILABLE;
    case GW_TIMELINE_K_DOWN:
        return M_DOWN;
    default:
        return M_EXCLUDED;
    }
}

enum pair_class {
    P_NONE,
    P_A_ONLY,
    P_B_ONLY,
    P_BOTH,
    P_NEITHER,
};

void gw_timeline_parity(const struct gw_timeline *a, const struct gw_timeline *b, int64_t start_ms,
                        int64_t end_ms, struct gw_timeline_parity *out)
{
    memset(out, 0, sizeof(*out));
    struct gw_timeline_seg *sa, *sb;
    size_t na = gw_timeline_segments(a, start_ms, end_ms, &sa);
    size_t nb = gw_timeline_segments(b, start_ms, end_ms, &sb);
    /* Both cover [start, end) without gaps: walk them side by side. */
    size_t i = 0, j = 0;
    enum pair_class last = P_NONE;
    for (int64_t t = start_ms; t < end_ms && i < na && j < nb;) {
        int64_t next = sa[i].end_ms < sb[j].end_ms ? sa[i].end_ms : sb[j].end_ms;
        enum measured ma = measured_of(sa[i].kind), mb = measured_of(sb[j].kind);
        int64_t ms = next - t;
        if (ma != M_EXCLUDED && mb != M_EXCLUDED) {
            enum pair_class c = P_NEITHER;
            out->compared_ms += ms;
            if (ma == M_DOWN && mb == M_DOWN) {
                c = P_BOTH;
                out->both_down_ms += ms;
            } else if (ma == M_DOWN) {
                c = P_A_ONLY;
                out->a_only_down_ms += ms;
                out->a_only_episodes += last != P_A_ONLY;
            } else if (mb == M_DOWN) {
                c = P_B_ONLY;
                out->b_only_down_ms += ms;
                out->b_only_episodes += last != P_B_ONLY;
            }
            /* Excluded time between two stretches does not end an episode. */
            last = c;
        }
        t = next;
        if (sa[i].end_ms == next)
            i++;
        if (sb[j].end_ms == next)
            j++;
    }
    free(sa);
    free(sb);
}
