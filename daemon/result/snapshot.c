#include "result/snapshot.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "result/state.h"
#include "schedule/target.h"
#include "util/clock.h"
#include "util/xalloc.h"

struct gw_snap_target *gw_snapshot_entry_new(const struct gw_target *target,
                                             const struct gw_result *result, struct gw_items *items)
{
    size_t n = result ? result->n_figures : 0;
    struct gw_snap_target *e = gw_xcalloc(1, sizeof(*e) + n * sizeof(e->figures[0]));
    atomic_init(&e->refs, 1);
    e->state = target->state.hard;
    e->since_ms = target->state.since_ms;
    e->checks = target->checks;
    e->latency_s = NAN;
    e->last_status = GW_STATE_PENDING;
    if (result) {
        e->last_status = (uint8_t)result->status;
        e->last_ms = target->last_time_ms;
        e->latency_s = target->last_latency_s;
        memcpy(e->reason, result->reason, sizeof(e->reason));
        e->reason[sizeof(e->reason) - 1] = '\0';
        memcpy(e->message, result->message, sizeof(e->message));
        e->message[sizeof(e->message) - 1] = '\0';
        memcpy(e->figures, result->figures, n * sizeof(e->figures[0]));
        e->n_figures = n;
    }
    e->flapping = target->state.flapping;
    e->in_maintenance = target->state.maintenance;
    e->items = items ? gw_items_ref(items) : NULL;
    return e;
}

struct gw_snap_target *gw_snapshot_entry_copy(const struct gw_snap_target *e)
{
    size_t size = sizeof(*e) + e->n_figures * sizeof(e->figures[0]);
    struct gw_snap_target *c = gw_xmalloc(size);
    memcpy(c, e, size);
    atomic_init(&c->refs, 1);
    c->items = e->items ? gw_items_ref(e->items) : NULL;
    return c;
}

struct gw_snap_target *gw_snap_target_ref(struct gw_snap_target *e)
{
    if (e)
        atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
    return e;
}

void gw_snap_target_unref(struct gw_snap_target *e)
{
    if (!e || atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1)
        return;
    gw_items_unref(e->items);
    free(e);
}

double gw_snap_target_figure(const struct gw_snap_target *e, const char *name)
{
    for (size_t i = 0; i < e->n_figures; i++)
        if (strcmp(e->figures[i].name, name) == 0)
            return e->figures[i].value;
    return NAN;
}

/* ---- snapshots ------------------------------------------------------------------ */

static void count(struct gw_snap_counts *c, uint8_t state)
{
    c->total++;
    switch (state) {
    case GW_STATUS_UP:
        c->up++;
        break;
    case GW_STATUS_DEGRADED:
        c->degraded++;
        break;
    case GW_STATUS_DOWN:
        c->down++;
        break;
    case GW_STATUS_UNKNOWN:
        c->unknown++;
        break;
    default:
        c->pending++;
        break;
    }
}

struct gw_snapshot *gw_snapshot_build(const struct gw_targets *targets,
                                      const struct gw_snap_health *health, uint64_t generation,
                                      int64_t now_ms)
{
    struct gw_config *config = targets->config;
    struct gw_snapshot *s = gw_xcalloc(1, sizeof(*s));
    atomic_init(&s->refs, 1);
    s->generation = generation;
    s->published_ms = now_ms;
    s->config = gw_config_ref(config);
    s->n = targets->n;
    s->targets = gw_xcalloc(s->n ? s->n : 1, sizeof(*s->targets));
    s->councils = gw_xcalloc(config->n_councils ? config->n_councils : 1, sizeof(*s->councils));
    for (size_t i = 0; i < s->n; i++) {
        struct gw_target *t = targets->items[i];
        /* A target without a result yet gets its entry here, once. */
        if (!t->snap)
            t->snap = gw_snapshot_entry_new(t, NULL, NULL);
        s->targets[i] = gw_snap_target_ref(t->snap);
        count(&s->councils[config->targets[i].council], t->snap->state);
        count(&s->wales, t->snap->state);
    }
    if (health)
        s->health = *health;
    return s;
}

struct gw_snapshot *gw_snapshot_ref(struct gw_snapshot *s)
{
    if (s)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void gw_snapshot_unref(struct gw_snapshot *s)
{
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < s->n; i++)
        gw_snap_target_unref(s->targets[i]);
    free(s->targets);
    free(s->councils);
    gw_config_unref(s->config);
    free(s);
}

long gw_snapshot_council_index(const struct gw_snapshot *s, const char *id)
{
    for (size_t i = 0; i < s->config->n_councils; i++)
        if (strcmp(s->config->councils[i].id, id) == 0)
            return (long)i;
    return -1;
}

long gw_snapshot_target_index(const struct gw_snapshot *s, const char *id)
{
    size_t at;
    if (gw_strmap_get(s->config->index, id, &at) < 0)
        return -1;
    return (long)at;
}

/* ---- the box ------------------------------------------------------------------- */

/*
 * The lock covers a pointer swap and a reader's reference increment, nothing
 * else: without it a reader could load the pointer, be preempted while the
 * loop swaps and drops the last reference, and then increment freed memory.
 */
struct gw_snapshot_box {
    pthread_mutex_t lock;
    struct gw_snapshot *current;
};

struct gw_snapshot_box *gw_snapshot_box_new(void)
{
    struct gw_snapshot_box *box = gw_xcalloc(1, sizeof(*box));
    pthread_mutex_init(&box->lock, NULL);
    return box;
}

void gw_snapshot_box_free(struct gw_snapshot_box *box)
{
    if (!box)
        return;
    gw_snapshot_unref(box->current);
    pthread_mutex_destroy(&box->lock);
    free(box);
}

void gw_snapshot_box_publish(struct gw_snapshot_box *box, struct gw_snapshot *s)
{
    pthread_mutex_lock(&box->lock);
    struct gw_snapshot *old = box->current;
    box->current = s;
    pthread_mutex_unlock(&box->lock);
    /* The old one is freed outside the lock, by whoever drops it last. */
    gw_snapshot_unref(old);
}

struct gw_snapshot *gw_snapshot_acquire(struct gw_snapshot_box *box)
{
    pthread_mutex_lock(&box->lock);
    struct gw_snapshot *s = gw_snapshot_ref(box->current);
    pthread_mutex_unlock(&box->lock);
    return s;
}

/* ---- the publisher --------------------------------------------------------------- */

struct gw_snapshot_publisher {
    uv_timer_t timer;
    struct gw_snapshot_box *box;
    struct gw_targets *const *targets;
    uint64_t min_interval_ms;
    uint64_t last_ms; /* loop time of the last publish */
    uint64_t generation;
    gw_snapshot_health_fn health;
    void *data;
};

void gw_snapshot_publisher_now(struct gw_snapshot_publisher *p)
{
    struct gw_snap_health h = {0};
    if (p->health)
        p->health(p->data, &h);
    uv_timer_stop(&p->timer);
    p->last_ms = uv_now(p->timer.loop);
    gw_snapshot_box_publish(
        p->box, gw_snapshot_build(*p->targets, &h, ++p->generation, gw_clock_wall_ms()));
}

static void publish_cb(uv_timer_t *timer)
{
    gw_snapshot_publisher_now(timer->data);
}

struct gw_snapshot_publisher *gw_snapshot_publisher_new(uv_loop_t *loop,
                                                        struct gw_snapshot_box *box,
                                                        struct gw_targets *const *targets,
                                                        uint64_t min_interval_ms,
                                                        gw_snapshot_health_fn health, void *data)
{
    struct gw_snapshot_publisher *p = gw_xcalloc(1, sizeof(*p));
    uv_timer_init(loop, &p->timer);
    p->timer.data = p;
    p->box = box;
    p->targets = targets;
    p->min_interval_ms = min_interval_ms;
    p->health = health;
    p->data = data;
    return p;
}

void gw_snapshot_publisher_mark(struct gw_snapshot_publisher *p)
{
    if (uv_is_active((uv_handle_t *)&p->timer))
        return;
    uint64_t now = uv_now(p->timer.loop);
    uint64_t due = p->last_ms + p->min_interval_ms;
    uv_timer_start(&p->timer, publish_cb, due > now ? due - now : 0, 0);
}

static void publisher_close_cb(uv_handle_t *handle)
{
    free(handle->data);
}

void gw_snapshot_publisher_free(struct gw_snapshot_publisher *p)
{
    if (p)
        uv_close((uv_handle_t *)&p->timer, publisher_close_cb);
}
