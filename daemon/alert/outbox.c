#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert_internal.h"
#include "alert/compose.h"
#include "alert/delivery.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/units.h"
#include "util/xalloc.h"

/*
 * One notifier's outbox. Events owed to it gather for group_wait in a group
 * (one per council with group_by: council); a group becomes a message,
 * whose id is saved in state.json before its first attempt so a restart
 * sends it again under the same id. Messages go out one at a time, in
 * order: a receiver never hears of a recovery before the outage. A failed
 * attempt is retried after 5 s, 10 s, 20 s … at most 5 min (or the
 * receiver's Retry-After), for a day; one that cannot succeed (-EINVAL) is
 * given up at once. Other notifiers never wait for this one.
 */

/* ---- messages -------------------------------------------------------------- */

void gw_alert_message_free(struct gw_alert_message *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        gw_alert_event_unref(m->events[i]);
    free(m->events);
    free(m->id);
    free(m);
}

static void push(struct gw_alert_outbox *ob, struct gw_alert_message *m)
{
    m->next = NULL;
    if (ob->tail)
        ob->tail->next = m;
    else
        ob->head = m;
    ob->tail = m;
}

static struct gw_alert_message *pop(struct gw_alert_outbox *ob)
{
    struct gw_alert_message *m = ob->head;
    if (m) {
        ob->head = m->next;
        if (!ob->head)
            ob->tail = NULL;
    }
    return m;
}

/* A `delivery` line for an attempt at message m. */
static void delivery_line(struct gw_alert_outbox *ob, const struct gw_alert_message *m,
                          const char *outcome, const char *message)
{
    struct gw_alert_event *ev = gw_alert_event_new(GW_EVENT_DELIVERY);
    ev->time_ms = gw_clock_wall_ms();
    ev->event = gw_xstrdup(m->n ? m->events[0]->id : NULL);
    ev->events = gw_xcalloc(m->n ? m->n : 1, sizeof(char *));
    for (size_t i = 0; i < m->n; i++)
        ev->events[ev->n_events++] = gw_xstrdup(m->events[i]->id);
    ev->notifier = gw_xstrdup(ob->id);
    ev->notification = gw_xstrdup(m->id);
    ev->attempt = m->attempts;
    ev->outcome = gw_xstrdup(outcome);
    ev->message = gw_xstrdup(message);
    gw_alert_emit(ob->alert, ev);
}

/* ---- the timer ----------------------------------------------------------------- */

static void arm(struct gw_alert_outbox *ob);
static void attempt(struct gw_alert_outbox *ob);

static void form(struct gw_alert_outbox *ob, size_t gi)
{
    struct gw_alert_group g = ob->groups[gi];
    ob->groups[gi] = ob->groups[--ob->n_groups];
    struct gw_alert_message *m = gw_xcalloc(1, sizeof(*m));
    m->events = g.events;
    m->n = g.n;
    m->reminder = g.reminder;
    m->id = g.n == 1 ? gw_xasprintf("%s:%s", g.events[0]->id, ob->id)
                     : gw_xasprintf("%s:%s:%zu", g.events[0]->id, ob->id, g.n);
    m->next_mono = uv_now(ob->alert->loop);
    free(g.key);
    push(ob, m);
    /* News is sent once its message id is in state.json: the next save
     * that begins takes it (saves asked for within a moment of each other
     * are one). A reminder needs no such care: telling it twice is what it
     * is for. */
    if (g.reminder) {
        m->save_gen = 0;
    } else {
        m->save_gen = GW_ALERT_UNSAVED;
        gw_alert_save_soon(ob->alert);
    }
}

static void timer_cb(uv_timer_t *timer)
{
    struct gw_alert_outbox *ob = timer->data;
    uint64_t now = uv_now(ob->alert->loop);
    for (size_t i = 0; i < ob->n_groups;) {
        if (ob->groups[i].close_mono <= now)
            form(ob, i);
        else
            i++;
    }
    gw_alert_outbox_kick(ob);
}

static void arm(struct gw_alert_outbox *ob)
{
    if (ob->closing || ob->alert->stopping)
        return;
    uint64_t at = UINT64_MAX;
    for (size_t i = 0; i < ob->n_groups; i++)
        if (ob->groups[i].close_mono < at)
            at = ob->groups[i].close_mono;
    if (ob->head && !ob->delivery && ob->head->save_gen <= ob->alert->saved_gen &&
        ob->head->next_mono < at)
        at = ob->head->next_mono;
    if (at == UINT64_MAX) {
        uv_timer_stop(&ob->timer);
        return;
    }
    uint64_t now = uv_now(ob->alert->loop);
    uv_timer_start(&ob->timer, timer_cb, at > now ? at - now : 0, 0);
}

void gw_alert_outbox_kick(struct gw_alert_outbox *ob)
{
    if (ob->closing || ob->alert->stopping || !ob->conf)
        return;
    struct gw_alert_message *m = ob->head;
    if (m && !ob->delivery && m->save_gen <= ob->alert->saved_gen &&
        m->next_mono <= uv_now(ob->alert->loop))
        attempt(ob);
    arm(ob);
}

/* ---- attempts -------------------------------------------------------------------- */

static uint64_t backoff_ms(const struct gw_alert *a, uint32_t attempts)
{
    uint64_t ms = a->backoff_min_ms;
    for (uint32_t i = 1; i < attempts && ms < a->backoff_max_ms; i++)
        ms *= 2;
    return ms < a->backoff_max_ms ? ms : a->backoff_max_ms;
}

static bool power_of_two(uint32_t n)
{
    return n && !(n & (n - 1));
}

static void outcome(struct gw_alert_outbox *ob, int err, const char *message,
                    uint64_t retry_after_ms)
{
    struct gw_alert *a = ob->alert;
    struct gw_alert_message *m = ob->head;
    if (err == 0) {
        delivery_line(ob, m, "sent", message);
        gw_log_info("%s: sent %s (%zu event%s)", ob->id, m->id, m->n, m->n == 1 ? "" : "s");
        if (ob->failures > 0)
            gw_log_notice("%s: delivering again after %u failed attempt%s", ob->id, ob->failures,
                          ob->failures == 1 ? "" : "s");
        if (ob->problem)
            gw_alert_monitor(a, "notifier", ob->id, false, "notifier %s delivers again", ob->id);
        ob->problem = false;
        ob->failures = 0;
        ob->sent++;
        a->stats.messages++;
        gw_alert_message_free(pop(ob));
        return;
    }
    ob->failures++;
    ob->failed++;
    a->stats.failed++;
    bool final = err == -EINVAL || (m->first_ms > 0 && gw_clock_wall_ms() - m->first_ms >=
                                                           (int64_t)GW_ALERT_GIVE_UP_MS);
    if (final) {
        delivery_line(ob, m, "gave_up", message);
        gw_log_error("%s: gave up %s after %u attempt%s: %s", ob->id, m->id, m->attempts,
                     m->attempts == 1 ? "" : "s", message);
        ob->gave_up++;
        a->stats.gave_up++;
        gw_alert_message_free(pop(ob));
    } else {
        uint64_t wait = backoff_ms(a, m->attempts);
        if (retry_after_ms > wait)
            wait = retry_after_ms > 3600000u ? 3600000u : retry_after_ms;
        m->next_mono = uv_now(a->loop) + wait;
        delivery_line(ob, m, "failed", message);
        /* Repeated failures are logged at 1, 2, 4, 8 … attempts. */
        if (power_of_two(m->attempts)) {
            char w[32];
            gw_units_format_duration(wait, w, sizeof(w));
            gw_log_warning("%s: attempt %u of %s failed: %s; trying again in %s", ob->id,
                           m->attempts, m->id, message, w);
        }
    }
    if (ob->failures == GW_ALERT_NOTIFIER_PROBLEM_AFTER && !ob->problem) {
        ob->problem = true;
        gw_alert_monitor(a, "notifier", ob->id, true, "notifier %s keeps failing: %s", ob->id,
                         message);
    }
}

static void delivered_cb(void *data, int err, const char *message, uint64_t retry_after_ms)
{
    struct gw_alert_outbox *ob = data;
    ob->delivery = NULL;
    outcome(ob, err, message, retry_after_ms);
    gw_alert_outbox_kick(ob);
}

static void attempt(struct gw_alert_outbox *ob)
{
    struct gw_alert *a = ob->alert;
    struct gw_alert_message *m = ob->head;
    m->attempts++;
    if (!m->first_ms)
        m->first_ms = gw_clock_wall_ms();
    struct gw_alert_composed c;
    gw_alert_compose(&c, a->config, m->events, m->n, m->id, ob->conf->language, false);
    char *why = NULL;
    int rc = gw_alert_delivery_start(a->host, a->config, ob->conf, &c.notification, delivered_cb,
                                     ob, &ob->delivery, &why);
    gw_alert_composed_fini(&c);
    if (rc < 0) {
        ob->delivery = NULL;
        outcome(ob, rc, why, 0);
    }
    free(why);
}

/* ---- the outbox ---------------------------------------------------------------------- */

struct gw_alert_outbox *gw_alert_outbox_new(struct gw_alert *a, const char *id)
{
    struct gw_alert_outbox *ob = gw_xcalloc(1, sizeof(*ob));
    ob->alert = a;
    ob->id = gw_xstrdup(id);
    uv_timer_init(a->loop, &ob->timer);
    ob->timer.data = ob;
    return ob;
}

void gw_alert_outbox_add(struct gw_alert_outbox *ob, struct gw_alert_event *ev, bool reminder)
{
    const char *key = ob->conf && ob->conf->group_by_council && ev->council ? ev->council : "";
    struct gw_alert_group *g = NULL;
    for (size_t i = 0; i < ob->n_groups && !g; i++)
        if (ob->groups[i].reminder == reminder && strcmp(ob->groups[i].key, key) == 0)
            g = &ob->groups[i];
    if (!g) {
        ob->groups = gw_xreallocarray(ob->groups, ob->n_groups + 1, sizeof(*ob->groups));
        g = &ob->groups[ob->n_groups++];
        *g = (struct gw_alert_group){.key = gw_xstrdup(key), .reminder = reminder};
        uint64_t wait = ob->conf ? ob->conf->group_wait_ms : 0;
        g->close_mono = uv_now(ob->alert->loop) + wait;
    }
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 8;
        g->events = gw_xreallocarray(g->events, g->cap, sizeof(*g->events));
    }
    g->events[g->n++] = gw_alert_event_ref(ev);
    arm(ob);
}

void gw_alert_outbox_restore(struct gw_alert_outbox *ob, struct gw_alert_message *m)
{
    m->save_gen = 0;
    m->next_mono = 0;
    push(ob, m);
}

static bool listed(const char *id, char *const *ids, size_t n)
{
    for (size_t i = 0; id && i < n; i++)
        if (strcmp(id, ids[i]) == 0)
            return true;
    return false;
}

/* Removes the events of ids from a list of references, keeping the order. */
static size_t drop(struct gw_alert_event **events, size_t n, char *const *ids, size_t n_ids)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (listed(events[i]->id, ids, n_ids))
            gw_alert_event_unref(events[i]);
        else
            events[kept++] = events[i];
    }
    return kept;
}

void gw_alert_outbox_forget(struct gw_alert_outbox *ob, char *const *ids, size_t n)
{
    for (size_t i = 0; i < ob->n_groups; i++)
        ob->groups[i].n = drop(ob->groups[i].events, ob->groups[i].n, ids, n);
    struct gw_alert_message **link = &ob->head;
    ob->tail = NULL;
    while (*link) {
        struct gw_alert_message *m = *link;
        m->n = drop(m->events, m->n, ids, n);
        if (m->n == 0) {
            *link = m->next;
            gw_alert_message_free(m);
        } else {
            ob->tail = m;
            link = &m->next;
        }
    }
}

uint64_t gw_alert_outbox_owed(const struct gw_alert *a)
{
    uint64_t n = 0;
    for (size_t i = 0; i < a->awaiting.n; i++)
        n += a->awaiting.events[a->awaiting.head + i]->n_notify;
    for (size_t o = 0; o < a->n_outboxes; o++) {
        const struct gw_alert_outbox *ob = a->outboxes[o];
        for (size_t i = 0; i < ob->n_groups; i++)
            n += ob->groups[i].reminder ? 0 : ob->groups[i].n;
        for (const struct gw_alert_message *m = ob->head; m; m = m->next)
            n += m->reminder ? 0 : m->n;
    }
    return n;
}

void gw_alert_outbox_stop(struct gw_alert_outbox *ob)
{
    if (ob->delivery) {
        /* abandoned, not failed: it stays owed, and is sent again after a
         * restart under the same id */
        gw_alert_delivery_cancel(ob->delivery);
        ob->delivery = NULL;
        if (ob->head)
            ob->head->attempts--;
    }
    uv_timer_stop(&ob->timer);
}

static void free_cb(uv_handle_t *handle)
{
    struct gw_alert_outbox *ob = handle->data;
    for (size_t i = 0; i < ob->n_groups; i++) {
        for (size_t k = 0; k < ob->groups[i].n; k++)
            gw_alert_event_unref(ob->groups[i].events[k]);
        free(ob->groups[i].events);
        free(ob->groups[i].key);
    }
    free(ob->groups);
    while (ob->head)
        gw_alert_message_free(pop(ob));
    free(ob->id);
    free(ob);
}

void gw_alert_outbox_close(struct gw_alert_outbox *ob, const char *why)
{
    gw_alert_outbox_stop(ob);
    if (why) {
        /* Everything still owed becomes one message, given up with the reason. */
        while (ob->n_groups > 0)
            form(ob, 0);
        for (struct gw_alert_message *m = ob->head; m; m = m->next) {
            if (!m->reminder)
                delivery_line(ob, m, "gave_up", why);
        }
        if (ob->head)
            gw_log_warning("%s: %s; what it was owed is given up", ob->id, why);
    }
    ob->closing = true;
    uv_close((uv_handle_t *)&ob->timer, free_cb);
}
