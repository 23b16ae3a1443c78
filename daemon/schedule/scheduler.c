#include "schedule/scheduler.h"

#include <stdlib.h>
#include <string.h>

#include "schedule/phase.h"
#include "util/clock.h"
#include "util/xalloc.h"

/* A host's share of the per-host cap, with the runs waiting for it. */
struct gw_sched_slot {
    char *host;
    uint32_t in_flight;
    struct gw_target *head, *tail;
};

struct queue {
    struct gw_target *head, *tail;
};

struct heap_entry;

struct gw_scheduler {
    uv_loop_t *loop;
    uv_timer_t timer;
    gw_scheduler_start_fn start;
    void *data;
    uint32_t max_in_flight;
    uint32_t max_per_host;
    bool stopped;

    struct heap_entry *heap; /* min-heap on due_ms */
    size_t n_heap, cap_heap;

    struct queue global; /* runs waiting for the global cap */
    struct gw_strmap *slot_index;
    struct gw_sched_slot **slots;
    size_t n_slots;

    struct gw_scheduler_stats stats;
};

/* ---- heap -------------------------------------------------------------------
 * Entries carry their due time so sifting compares within the array instead
 * of chasing a pointer per comparison: at 100,000 targets that is the
 * scheduler's main cost. */

struct heap_entry {
    uint64_t due_ms;
    struct gw_target *target;
};

static void heap_set(struct gw_scheduler *s, size_t i, struct heap_entry e)
{
    s->heap[i] = e;
    e.target->heap_pos = i;
}

static void heap_up(struct gw_scheduler *s, size_t i)
{
    struct heap_entry e = s->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (s->heap[parent].due_ms <= e.due_ms)
            break;
        heap_set(s, i, s->heap[parent]);
        i = parent;
    }
    heap_set(s, i, e);
}

static void heap_down(struct gw_scheduler *s, size_t i)
{
    struct heap_entry e = s->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        uint64_t best = e.due_ms;
        if (l < s->n_heap && s->heap[l].due_ms < best) {
            m = l;
            best = s->heap[l].due_ms;
        }
        if (r < s->n_heap && s->heap[r].due_ms < best)
            m = r;
        if (m == i)
            break;
        heap_set(s, i, s->heap[m]);
        i = m;
    }
    heap_set(s, i, e);
}

/* Moves a target in the heap to where its (changed) due_ms puts it. */
static void heap_update(struct gw_scheduler *s, struct gw_target *t)
{
    size_t i = t->heap_pos;
    s->heap[i].due_ms = t->due_ms;
    heap_down(s, i);
    heap_up(s, t->heap_pos);
}

static void heap_push(struct gw_scheduler *s, struct gw_target *t)
{
    if (s->n_heap == s->cap_heap) {
        s->cap_heap = s->cap_heap ? s->cap_heap * 2 : 64;
        s->heap = gw_xreallocarray(s->heap, s->cap_heap, sizeof(*s->heap));
    }
    heap_set(s, s->n_heap, (struct heap_entry){t->due_ms, t});
    s->n_heap++;
    heap_up(s, s->n_heap - 1);
}

static void heap_remove(struct gw_scheduler *s, struct gw_target *t)
{
    size_t i = t->heap_pos;
    if (i == SIZE_MAX)
        return;
    t->heap_pos = SIZE_MAX;
    s->n_heap--;
    if (i == s->n_heap)
        return;
    struct heap_entry last = s->heap[s->n_heap];
    heap_set(s, i, last);
    heap_down(s, i);
    heap_up(s, last.target->heap_pos);
}

/* ---- queues ------------------------------------------------------------------ */

static void queue_push(struct gw_target **head, struct gw_target **tail, struct gw_target *t)
{
    t->wait_next = NULL;
    t->wait_prev = *tail;
    if (*tail)
        (*tail)->wait_next = t;
    else
        *head = t;
    *tail = t;
}

static void queue_unlink(struct gw_target **head, struct gw_target **tail, struct gw_target *t)
{
    if (t->wait_prev)
        t->wait_prev->wait_next = t->wait_next;
    else
        *head = t->wait_next;
    if (t->wait_next)
        t->wait_next->wait_prev = t->wait_prev;
    else
        *tail = t->wait_prev;
    t->wait_prev = t->wait_next = NULL;
}

static void wait_remove(struct gw_scheduler *s, struct gw_target *t)
{
    if (t->waiting == GW_WAIT_HOST)
        queue_unlink(&t->slot->head, &t->slot->tail, t);
    else if (t->waiting == GW_WAIT_GLOBAL)
        queue_unlink(&s->global.head, &s->global.tail, t);
    else
        return;
    t->waiting = GW_WAIT_NONE;
    s->stats.waiting--;
}

static void wait_in(struct gw_scheduler *s, struct gw_target *t, enum gw_wait line)
{
    if (line == GW_WAIT_HOST)
        queue_push(&t->slot->head, &t->slot->tail, t);
    else
        queue_push(&s->global.head, &s->global.tail, t);
    t->waiting = (uint8_t)line;
}

/* ---- slots -------------------------------------------------------------------- */

static struct gw_sched_slot *slot_for(struct gw_scheduler *s, const char *host)
{
    if (!host)
        return NULL;
    size_t i;
    if (gw_strmap_get(s->slot_index, host, &i) == 0)
        return s->slots[i];
    struct gw_sched_slot *slot = gw_xcalloc(1, sizeof(*slot));
    slot->host = gw_xstrdup(host);
    s->slots = gw_xreallocarray(s->slots, s->n_slots + 1, sizeof(*s->slots));
    s->slots[s->n_slots] = slot;
    gw_strmap_put(s->slot_index, slot->host, s->n_slots, NULL);
    s->n_slots++;
    return slot;
}

/* ---- running -------------------------------------------------------------------- */

static void arm(struct gw_scheduler *s);

static bool global_free(const struct gw_scheduler *s)
{
    return s->stats.in_flight < s->max_in_flight;
}

static bool host_free(const struct gw_scheduler *s, const struct gw_target *t)
{
    return !t->slot || t->slot->in_flight < s->max_per_host;
}

static void run(struct gw_scheduler *s, struct gw_target *t)
{
    uint64_t now_us = gw_clock_mono_ns() / 1000u;
    uint64_t planned_us = t->planned_ms * 1000u;
    uint64_t late_us = now_us > planned_us ? now_us - planned_us : 0;
    gw_histo_add(&s->stats.lateness, late_us);
    s->stats.in_flight++;
    if (t->slot)
        t->slot->in_flight++;
    s->stats.started++;
    if (s->start(s->data, t, late_us / 1000u) < 0) {
        s->stats.in_flight--;
        if (t->slot)
            t->slot->in_flight--;
    }
}

/* Takes the head of a line out of it to run now or to wait in another line. */
static struct gw_target *take(struct gw_scheduler *s, struct gw_target **head,
                              struct gw_target **tail)
{
    struct gw_target *t = *head;
    queue_unlink(head, tail, t);
    t->waiting = GW_WAIT_NONE;
    s->stats.waiting--;
    return t;
}

/*
 * Starts waiting runs while the caps allow. First the runs of `slot`, whose
 * host just freed places: those that the global cap still holds back move to
 * the global line (so a host with nothing in flight is never forgotten).
 * Then the global line, moving to their host's line the runs whose host is
 * the limit. Every run moves at most a few times: no scanning.
 */
static void drain(struct gw_scheduler *s, struct gw_sched_slot *slot)
{
    if (s->stopped)
        return;
    if (slot) {
        uint32_t room = slot->in_flight < s->max_per_host ? s->max_per_host - slot->in_flight : 0;
        for (; slot->head && room > 0; room--) {
            struct gw_target *t = take(s, &slot->head, &slot->tail);
            s->stats.waiting++;
            if (global_free(s)) {
                s->stats.waiting--;
                run(s, t);
            } else {
                wait_in(s, t, GW_WAIT_GLOBAL);
            }
        }
    }
    while (s->global.head && global_free(s)) {
        struct gw_target *t = take(s, &s->global.head, &s->global.tail);
        if (!host_free(s, t)) {
            s->stats.waiting++;
            wait_in(s, t, GW_WAIT_HOST);
            continue;
        }
        run(s, t);
    }
}

static void due(struct gw_scheduler *s, struct gw_target *t, uint64_t planned_ms)
{
    if (t->running || t->waiting || planned_ms < t->not_before_ms) {
        s->stats.skipped++;
        t->skipped++;
        return;
    }
    t->planned_ms = planned_ms;
    if (global_free(s) && host_free(s, t)) {
        run(s, t);
        return;
    }
    s->stats.waiting++;
    wait_in(s, t, global_free(s) ? GW_WAIT_HOST : GW_WAIT_GLOBAL);
}

static void timer_cb(uv_timer_t *timer)
{
    struct gw_scheduler *s = timer->data;
    uint64_t now = uv_now(s->loop);
    while (!s->stopped && s->n_heap > 0 && s->heap[0].due_ms <= now) {
        struct gw_target *t = s->heap[0].target;
        uint64_t planned = t->due_ms;
        if (planned >= t->beat_ms) { /* a run on the beat, not a retry */
            uint64_t interval = t->conf->interval_ms;
            uint64_t next = t->beat_ms + interval;
            if (next <= now) /* the loop was stalled: skip the missed beats, no burst */
                next = now + interval - (now - t->beat_ms) % interval;
            t->beat_ms = next;
        }
        /* Plan the next run before starting this one: starting may remove it. */
        t->due_ms = t->beat_ms;
        heap_update(s, t);
        due(s, t, planned);
    }
    arm(s);
}

static void arm(struct gw_scheduler *s)
{
    if (s->stopped || s->n_heap == 0) {
        uv_timer_stop(&s->timer);
        return;
    }
    uint64_t now = uv_now(s->loop);
    uint64_t at = s->heap[0].due_ms;
    uv_timer_start(&s->timer, timer_cb, at > now ? at - now : 0, 0);
}

/* ---- public --------------------------------------------------------------------- */

struct gw_scheduler *gw_scheduler_new(uv_loop_t *loop, uint32_t max_in_flight,
                                      uint32_t max_per_host, gw_scheduler_start_fn start,
                                      void *data)
{
    struct gw_scheduler *s = gw_xcalloc(1, sizeof(*s));
    s->loop = loop;
    s->start = start;
    s->data = data;
    s->max_in_flight = max_in_flight ? max_in_flight : 1;
    s->max_per_host = max_per_host ? max_per_host : 1;
    s->slot_index = gw_strmap_new();
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    return s;
}

void gw_scheduler_set_caps(struct gw_scheduler *s, uint32_t max_in_flight, uint32_t max_per_host)
{
    s->max_in_flight = max_in_flight ? max_in_flight : 1;
    s->max_per_host = max_per_host ? max_per_host : 1;
    for (size_t i = 0; i < s->n_slots; i++)
        drain(s, s->slots[i]);
    drain(s, NULL);
}

static void plan(struct gw_scheduler *s, struct gw_target *t)
{
    /* Loop time and the monotonic clock share their origin in libuv; the
     * wall clock is read once to place the phase on its beat. */
    uint64_t offset = gw_phase_offset_ms(t->conf->id, t->conf->interval_ms);
    t->due_ms =
        gw_phase_next_due(offset, t->conf->interval_ms, gw_clock_wall_ms(), uv_now(s->loop));
    t->beat_ms = t->due_ms;
}

void gw_scheduler_add(struct gw_scheduler *s, struct gw_target *t)
{
    t->slot = slot_for(s, t->conf->host);
    plan(s, t);
    heap_push(s, t);
    s->stats.scheduled++;
    arm(s);
}

void gw_scheduler_replan(struct gw_scheduler *s, struct gw_target *t)
{
    struct gw_sched_slot *slot = slot_for(s, t->conf->host);
    if (slot != t->slot) {
        /* The host changed: the running check, if any, still counts on the
         * old slot; gw_scheduler_done releases it there. */
        wait_remove(s, t);
        if (!t->running)
            t->slot = slot;
    }
    if (t->heap_pos != SIZE_MAX) {
        plan(s, t);
        heap_update(s, t);
    }
    arm(s);
}

void gw_scheduler_remove(struct gw_scheduler *s, struct gw_target *t)
{
    if (t->heap_pos != SIZE_MAX) {
        heap_remove(s, t);
        s->stats.scheduled--;
    }
    wait_remove(s, t);
    arm(s);
}

void gw_scheduler_done(struct gw_scheduler *s, struct gw_target *t)
{
    if (s->stats.in_flight > 0)
        s->stats.in_flight--;
    struct gw_sched_slot *slot = t->slot;
    if (slot && slot->in_flight > 0)
        slot->in_flight--;
    /* A reload may have moved the target to another host meanwhile. */
    struct gw_sched_slot *now_slot = slot_for(s, t->conf->host);
    t->slot = now_slot;
    drain(s, slot);
    /* A change of state being confirmed is checked again soon; the beat
     * stays where it was, so the target keeps its phase afterwards. */
    if (!s->stopped && t->heap_pos != SIZE_MAX && gw_state_soft(&t->state)) {
        uint64_t at = uv_now(s->loop) + t->conf->retry_interval_ms;
        if (at < t->not_before_ms) /* a feed asked us to wait */
            at = t->not_before_ms;
        if (at < t->due_ms) {
            t->due_ms = at;
            heap_update(s, t);
            arm(s);
        }
    }
}

void gw_scheduler_stop(struct gw_scheduler *s)
{
    s->stopped = true;
    uv_timer_stop(&s->timer);
    while (s->global.head)
        wait_remove(s, s->global.head);
    for (size_t i = 0; i < s->n_slots; i++)
        while (s->slots[i]->head)
            wait_remove(s, s->slots[i]->head);
}

void gw_scheduler_stats(const struct gw_scheduler *s, struct gw_scheduler_stats *out)
{
    *out = s->stats;
}

void gw_scheduler_reset_lateness(struct gw_scheduler *s)
{
    gw_histo_reset(&s->stats.lateness);
}

static void free_cb(uv_handle_t *handle)
{
    struct gw_scheduler *s = handle->data;
    for (size_t i = 0; i < s->n_slots; i++) {
        free(s->slots[i]->host);
        free(s->slots[i]);
    }
    free(s->slots);
    gw_strmap_free(s->slot_index);
    free(s->heap);
    free(s);
}

void gw_scheduler_free(struct gw_scheduler *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_heap; i++)
        s->heap[i].target->heap_pos = SIZE_MAX;
    s->n_heap = 0;
    uv_close((uv_handle_t *)&s->timer, free_cb);
}
