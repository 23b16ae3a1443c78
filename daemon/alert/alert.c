#include "alert/alert.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert_internal.h"
#include "result/maintenance.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

/*
 * Events from state changes. The decisions are the state machine's
 * (result/state.h: what is owed, what holds it back); here they become
 * lines of the log, and the notifiers each line is owed to.
 */

/* ---- life -------------------------------------------------------------------- */

struct gw_alert *gw_alert_new(uv_loop_t *loop, const struct gw_host *host)
{
    struct gw_alert *a = gw_xcalloc(1, sizeof(*a));
    a->loop = loop;
    a->host = host;
    a->next_seq = 1;
    a->backoff_min_ms = GW_ALERT_BACKOFF_MIN_MS;
    a->backoff_max_ms = GW_ALERT_BACKOFF_MAX_MS;
    return a;
}

void gw_alert_stats(const struct gw_alert *a, struct gw_alert_stats *out)
{
    *out = a->stats;
    out->owed = gw_alert_outbox_owed(a);
}

/* ---- the registry ------------------------------------------------------------------ */

static void free_targets(struct gw_alert *a)
{
    for (size_t i = 0; a->targets && i < a->targets->n; i++) {
        free(a->at[i].children);
        free(a->at[i].windows);
        free(a->at[i].outboxes);
    }
    free(a->at);
    a->at = NULL;
}

struct gw_alert_outbox *gw_alert_outbox_of(struct gw_alert *a, const char *id)
{
    for (size_t i = 0; i < a->n_outboxes; i++)
        if (strcmp(a->outboxes[i]->id, id) == 0)
            return a->outboxes[i];
    return NULL;
}

const struct gw_notifier_conf *gw_alert_notifier(const struct gw_alert *a, const char *id)
{
    for (size_t i = 0; a->config && i < a->config->n_notifiers; i++)
        if (strcmp(a->config->notifiers[i].id, id) == 0)
            return &a->config->notifiers[i];
    return NULL;
}

/* An outbox for every notifier of the configuration; those of notifiers no
 * longer configured give up what they held. */
static void sync_outboxes(struct gw_alert *a)
{
    const struct gw_config *c = a->config;
    for (size_t i = 0; i < a->n_outboxes;) {
        struct gw_alert_outbox *ob = a->outboxes[i];
        ob->conf = gw_alert_notifier(a, ob->id);
        if (ob->conf) {
            i++;
            continue;
        }
        gw_alert_outbox_close(ob, "the notifier is no longer configured");
        a->outboxes[i] = a->outboxes[--a->n_outboxes];
    }
    for (size_t i = 0; i < c->n_notifiers; i++) {
        if (gw_alert_outbox_of(a, c->notifiers[i].id))
            continue;
        a->outboxes = gw_xreallocarray(a->outboxes, a->n_outboxes + 1, sizeof(*a->outboxes));
        struct gw_alert_outbox *ob = gw_alert_outbox_new(a, c->notifiers[i].id);
        ob->conf = &c->notifiers[i];
        a->outboxes[a->n_outboxes++] = ob;
    }
    for (size_t i = 0; i < a->n_outboxes; i++)
        gw_alert_outbox_kick(a->outboxes[i]);
}

static void push_index(size_t **arr, size_t *n, size_t v)
{
    *arr = gw_xreallocarray(*arr, *n + 1, sizeof(**arr));
    (*arr)[(*n)++] = v;
}

/* Parents and children, windows and notifiers of each target. */
static void index_targets(struct gw_alert *a)
{
    const struct gw_targets *ts = a->targets;
    const struct gw_config *c = a->config;
    a->at = gw_xcalloc(ts->n ? ts->n : 1, sizeof(*a->at));
    for (size_t i = 0; i < ts->n; i++) {
        const struct gw_target_conf *conf = ts->items[i]->conf;
        struct gw_alert_target *at = &a->at[i];
        at->parent = SIZE_MAX;
        size_t p;
        if (conf->depends_on && gw_strmap_get(ts->index, conf->depends_on, &p) == 0)
            at->parent = p;
        for (size_t w = 0; w < c->n_maintenance; w++)
            if (gw_maintenance_matches(&c->maintenance[w], conf->id))
                push_index(&at->windows, &at->n_windows, w);
        for (size_t k = 0; k < conf->n_notify; k++)
            for (size_t o = 0; o < a->n_outboxes; o++)
                if (strcmp(a->outboxes[o]->id, conf->notify[k]) == 0)
                    push_index(&at->outboxes, &at->n_outboxes, o);
    }
    for (size_t i = 0; i < ts->n; i++)
        if (a->at[i].parent != SIZE_MAX)
            push_index(&a->at[a->at[i].parent].children, &a->at[a->at[i].parent].n_children, i);
}

/* ---- emitting ------------------------------------------------------------------------ */

static void awaiting_push(struct gw_alert *a, struct gw_alert_event *ev)
{
    struct gw_alert_awaiting *q = &a->awaiting;
    if (q->head + q->n == q->cap) {
        if (q->head > 0) {
            memmove(q->events, q->events + q->head, q->n * sizeof(*q->events));
            q->head = 0;
        }
        if (q->n == q->cap) {
            q->cap = q->cap ? q->cap * 2 : 64;
            q->events = gw_xreallocarray(q->events, q->cap, sizeof(*q->events));
        }
    }
    q->events[q->head + q->n++] = ev;
}

void gw_alert_emit(struct gw_alert *a, struct gw_alert_event *ev)
{
    bool owed_kind =
        ev->kind != GW_EVENT_START && ev->kind != GW_EVENT_STOP && ev->kind != GW_EVENT_DELIVERY;
    if (owed_kind && !ev->id)
        ev->id = gw_xasprintf("%lld-%llu", (long long)ev->time_ms, (unsigned long long)a->next_seq);
    gw_alert_event_seal(ev, a->next_seq++);
    gw_eventlog_append(a->log, ev->seq, ev->line);
    a->stats.events++;
    if (ev->n_notify > 0)
        awaiting_push(a, ev);
    else
        gw_alert_event_unref(ev);
}

/* A line is on disk: what it owes goes to the notifiers' outboxes. */
static void durable_cb(void *data, uint64_t seq)
{
    struct gw_alert *a = data;
    struct gw_alert_awaiting *q = &a->awaiting;
    while (q->n > 0 && q->events[q->head]->seq <= seq) {
        struct gw_alert_event *ev = q->events[q->head++];
        q->n--;
        /* Stopping: the last state.json names it as owed, for the next start. */
        for (size_t i = 0; i < ev->n_notify && !a->stopping; i++) {
            struct gw_alert_outbox *ob = gw_alert_outbox_of(a, ev->notify[i]);
            if (ob && ob->conf)
                gw_alert_outbox_add(ob, ev, false);
        }
        gw_alert_event_unref(ev);
    }
    if (q->n == 0)
        q->head = 0;
}

/* ---- events of targets ------------------------------------------------------------------ */

enum gw_hold gw_alert_hold(const struct gw_alert *a, size_t idx)
{
    const struct gw_target *t = a->targets->items[idx];
    size_t p = a->at[idx].parent;
    return gw_state_hold(t->state.maintenance, p == SIZE_MAX ? NULL : &a->targets->items[p]->state);
}

struct gw_alert_event *gw_alert_target_event(struct gw_alert *a, enum gw_alert_kind kind,
                                             size_t idx, const struct gw_result *result,
                                             int64_t now_ms)
{
    const struct gw_target *t = a->targets->items[idx];
    const struct gw_target_conf *conf = t->conf;
    struct gw_alert_event *ev = gw_alert_event_new(kind);
    ev->time_ms = now_ms;
    ev->target = gw_xstrdup(conf->id);
    ev->council = gw_xstrdup(a->config->councils[conf->council].id);
    ev->category = gw_xstrdup(conf->category);
    ev->check = gw_xstrdup(conf->type->name);
    ev->from = ev->to = t->state.hard;
    ev->since_ms = t->state.since_ms;
    ev->reason =
        t->last_reason[0] && t->state.hard != GW_STATUS_UP ? gw_xstrdup(t->last_reason) : NULL;
    ev->sentence = gw_xstrdup(t->last_message);
    if (result)
        for (size_t i = 0; i < result->n_figures; i++)
            gw_alert_event_add_figure(ev, result->figures[i].name, result->figures[i].value);
    return ev;
}

static void set_cause(struct gw_alert *a, size_t idx, struct gw_alert_event *ev, enum gw_hold hold)
{
    ev->cause = (uint8_t)hold;
    if (hold == GW_HOLD_PARENT)
        ev->cause_target = gw_xstrdup(a->targets->items[a->at[idx].parent]->conf->id);
}

/* The notifiers of target idx that want notice n, which tells `to` after `previous`. */
static void fill_notify(struct gw_alert *a, size_t idx, struct gw_alert_event *ev, enum gw_notice n,
                        uint8_t to, uint8_t previous)
{
    const struct gw_alert_target *at = &a->at[idx];
    for (size_t k = 0; k < at->n_outboxes; k++) {
        const struct gw_alert_outbox *ob = a->outboxes[at->outboxes[k]];
        if (ob->conf &&
            gw_state_wants(n, to, previous, ob->conf->min_state, ob->conf->send_recovery))
            gw_alert_event_add_notify(ev, ob->id);
    }
}

static enum gw_alert_kind kind_of(enum gw_notice n)
{
    return n == GW_NOTICE_FLAPPING  ? GW_EVENT_FLAPPING
           : n == GW_NOTICE_SETTLED ? GW_EVENT_SETTLED
                                    : GW_EVENT_STATE;
}

static void monitor_event(struct gw_alert *a, const char *problem, const char *subject,
                          const char *target, bool active, const char *sentence);

/*
 * A hold of target idx ended (its parent recovered, or with `window` set, a
 * maintenance window ended): tells what is owed now. A window's end is
 * always a line; otherwise only news makes one, a line of the kind owed
 * with `from` equal to `to`: no change of state, the notice held back.
 */
void gw_alert_release(struct gw_alert *a, size_t idx, const struct gw_maintenance_conf *window,
                      int64_t now_ms)
{
    struct gw_target *t = a->targets->items[idx];
    enum gw_hold hold = gw_alert_hold(a, idx);
    uint8_t previous = t->state.told;
    enum gw_notice n = gw_state_notice(&t->state, hold != GW_HOLD_NONE);
    if (!window && n == GW_NOTICE_NONE)
        return;
    struct gw_alert_event *ev =
        gw_alert_target_event(a, window ? GW_EVENT_MAINTENANCE_END : kind_of(n), idx, NULL, now_ms);
    if (window) {
        ev->from = previous;
        ev->window = gw_xstrdup(window->reason);
    }
    if (ev->kind == GW_EVENT_FLAPPING || ev->kind == GW_EVENT_SETTLED)
        ev->percent = gw_state_flap_percent(&t->state);
    set_cause(a, idx, ev, hold);
    fill_notify(a, idx, ev, n, t->state.hard, previous);
    gw_alert_emit(a, ev);
}

static void release_children(struct gw_alert *a, size_t idx, int64_t now_ms)
{
    for (size_t k = 0; k < a->at[idx].n_children; k++)
        gw_alert_release(a, a->at[idx].children[k], NULL, now_ms);
}

void gw_alert_result(struct gw_alert *a, struct gw_target *t, const struct gw_target_conf *conf,
                     const struct gw_result *result, const struct gw_transition *tr)
{
    if (!a || !a->started || a->stopping || (!tr->changed && tr->flap == 0))
        return;
    size_t idx;
    if (gw_strmap_get(a->targets->index, conf->id, &idx) < 0 || a->targets->items[idx] != t)
        return; /* a target a reload has just dropped */
    int64_t now = result->time_ms;
    enum gw_hold hold = gw_alert_hold(a, idx);
    uint8_t previous = t->state.told;
    enum gw_notice n = gw_state_notice(&t->state, hold != GW_HOLD_NONE);
    if (tr->changed) {
        struct gw_alert_event *ev = gw_alert_target_event(a, GW_EVENT_STATE, idx, result, now);
        ev->from = tr->from;
        ev->to = tr->to;
        ev->since_ms = tr->previous_since_ms;
        set_cause(a, idx, ev, hold);
        if (n == GW_NOTICE_STATE)
            fill_notify(a, idx, ev, n, tr->to, previous);
        gw_alert_emit(a, ev);
    } else if (n == GW_NOTICE_STATE) {
        struct gw_alert_event *ev = gw_alert_target_event(a, GW_EVENT_STATE, idx, result, now);
        fill_notify(a, idx, ev, n, t->state.hard, previous);
        gw_alert_emit(a, ev);
    }
    if (tr->flap != 0) {
        struct gw_alert_event *ev = gw_alert_target_event(
            a, tr->flap > 0 ? GW_EVENT_FLAPPING : GW_EVENT_SETTLED, idx, result, now);
        ev->percent = tr->flap_percent;
        set_cause(a, idx, ev, hold);
        if (n == GW_NOTICE_FLAPPING || n == GW_NOTICE_SETTLED)
            fill_notify(a, idx, ev, n, t->state.hard, previous);
        gw_alert_emit(a, ev);
    }
    if (tr->changed && (tr->to == GW_STATUS_UNKNOWN || tr->from == GW_STATUS_UNKNOWN)) {
        bool active = tr->to == GW_STATUS_UNKNOWN;
        char *sentence =
            active ? gw_xasprintf("%s cannot be checked: %s", conf->id, result->message)
                   : gw_xasprintf("%s can be checked again (%s)", conf->id, gw_state_word(tr->to));
        monitor_event(a, "unknown_results", conf->id, conf->id, active, sentence);
        free(sentence);
    }
    if (tr->changed && tr->from == GW_STATUS_DOWN)
        release_children(a, idx, now);
    /* Its children's outages are its own, or no longer are. */
    for (size_t k = 0; tr->changed && k < a->at[idx].n_children; k++)
        gw_alert_renew(a, a->at[idx].children[k]);
}

/* ---- problems of the monitor ---------------------------------------------------------------- */

static void monitor_event(struct gw_alert *a, const char *problem, const char *subject,
                          const char *target, bool active, const char *sentence)
{
    char *key = subject ? gw_xasprintf("%s %s", problem, subject) : gw_xstrdup(problem);
    size_t i;
    for (i = 0; i < a->n_problems; i++)
        if (strcmp(a->problems[i].key, key) == 0)
            break;
    bool was = i < a->n_problems;
    if (was == active) {
        free(key);
        return;
    }
    if (active) {
        a->problems = gw_xreallocarray(a->problems, a->n_problems + 1, sizeof(*a->problems));
        a->problems[a->n_problems++].key = key;
        key = NULL;
    } else {
        free(a->problems[i].key);
        a->problems[i] = a->problems[--a->n_problems];
    }
    free(key);
    struct gw_alert_event *ev = gw_alert_event_new(GW_EVENT_MONITOR);
    ev->time_ms = gw_clock_wall_ms();
    ev->problem = gw_xstrdup(problem);
    ev->active = active;
    ev->sentence = gw_xstrdup(sentence);
    size_t idx;
    if (target && gw_strmap_get(a->targets->index, target, &idx) == 0) {
        const struct gw_target_conf *conf = a->targets->items[idx]->conf;
        ev->target = gw_xstrdup(conf->id);
        ev->council = gw_xstrdup(a->config->councils[conf->council].id);
    }
    /* A notifier that keeps failing is not told of its own trouble. */
    bool own = strcmp(problem, "notifier") == 0;
    if (own && subject)
        ev->notifier = gw_xstrdup(subject);
    for (size_t k = 0; k < a->config->daemon.n_notify; k++)
        if (!own || !subject || strcmp(subject, a->config->daemon.notify[k]) != 0)
            gw_alert_event_add_notify(ev, a->config->daemon.notify[k]);
    gw_log(active ? GW_LOG_WARNING : GW_LOG_NOTICE, "monitor: %s%s", sentence,
           active ? "" : " (resolved)");
    gw_alert_emit(a, ev);
}

void gw_alert_monitor(struct gw_alert *a, const char *problem, const char *target, bool active,
                      const char *fmt, ...)
{
    if (!a || !a->started || a->stopping)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *sentence = NULL;
    if (vasprintf(&sentence, fmt, ap) < 0)
        sentence = NULL;
    va_end(ap);
    monitor_event(a, problem, target, target, active, sentence ? sentence : problem);
    free(sentence);
}

/* ---- the tick ---------------------------------------------------------------------------------
 */

static void tick_cb(uv_timer_t *timer)
{
    struct gw_alert *a = timer->data;
    int64_t now = gw_clock_wall_ms();
    if (now > a->last_tick_ms)
        gw_alert_remind(a, a->last_tick_ms, now);
    a->last_tick_ms = now;
    if (uv_now(a->loop) - a->last_save_mono >= GW_ALERT_SAVE_EVERY_MS)
        gw_alert_save(a);
    gw_alert_watch_tick(a);
}

/* ---- start, reload, stop ----------------------------------------------------------------------
 */

int gw_alert_start(struct gw_alert *a, struct gw_targets *targets)
{
    a->config = gw_config_ref(targets->config);
    a->targets = targets;
    a->data_dir = gw_xstrdup(a->config->daemon.data_dir);
    a->state_path = gw_xasprintf("%s/%s", a->data_dir, GW_STATE_FILE_NAME);
    a->log = gw_eventlog_new(a->loop, a->data_dir, a->config->daemon.events_max_size,
                             a->config->daemon.events_keep_ms, durable_cb, a);
    uint64_t last_seq;
    struct gw_eventlog_pos end;
    int rc = gw_eventlog_open(a->log, &last_seq, &end);
    if (rc < 0) {
        gw_log_error("cannot open the event log in %s: %s; no notification will be sent",
                     a->data_dir, strerror(-rc));
        return rc;
    }
    a->next_seq = last_seq + 1;
    sync_outboxes(a);
    index_targets(a);
    a->started = true;
    uv_timer_init(a->loop, &a->maintenance);
    a->maintenance.data = a;
    uv_timer_init(a->loop, &a->tick);
    a->tick.data = a;
    uv_timer_init(a->loop, &a->save_soon);
    a->save_soon.data = a;
    gw_alert_restore(a, &end);
    for (size_t i = 0; i < a->n_outboxes; i++)
        gw_alert_outbox_kick(a->outboxes[i]);

    struct gw_alert_event *ev = gw_alert_event_new(GW_EVENT_START);
    ev->time_ms = gw_clock_wall_ms();
    ev->version = gw_xstrdup(GW_VERSION);
    ev->config = gw_xstrdup(a->config->path);
    gw_alert_emit(a, ev);
    gw_alert_maintenance_update(a);
    gw_alert_renew_all(a);
    a->last_tick_ms = gw_clock_wall_ms();
    a->last_save_mono = uv_now(a->loop);
    uv_timer_start(&a->tick, tick_cb, 1000, 1000);
    gw_alert_save(a);
    return 0;
}

void gw_alert_apply(struct gw_alert *a, struct gw_targets *targets)
{
    if (!a || !a->started || a->stopping)
        return;
    free_targets(a);
    gw_config_unref(a->config);
    a->config = gw_config_ref(targets->config);
    a->targets = targets;
    gw_eventlog_configure(a->log, a->config->daemon.events_max_size,
                          a->config->daemon.events_keep_ms);
    sync_outboxes(a);
    index_targets(a);
    /* New targets inherit nothing; those that stay keep what was told. */
    gw_alert_maintenance_update(a);
    gw_alert_renew_all(a); /* parents and windows may have changed */
}

static void really_free(struct gw_alert *a)
{
    gw_config_unref(a->config);
    free(a->data_dir);
    free(a->state_path);
    free(a);
}

static void timer_closed_cb(uv_handle_t *handle)
{
    struct gw_alert *a = handle->data;
    if (--a->open_handles == 0 && a->freed)
        really_free(a);
}

static void close_timer(struct gw_alert *a, uv_timer_t *timer)
{
    if (!uv_is_closing((uv_handle_t *)timer)) {
        a->open_handles++;
        uv_close((uv_handle_t *)timer, timer_closed_cb);
    }
}

void gw_alert_stop(struct gw_alert *a)
{
    if (!a || !a->started || a->stopping)
        return;
    struct gw_alert_event *ev = gw_alert_event_new(GW_EVENT_STOP);
    ev->time_ms = gw_clock_wall_ms();
    gw_alert_emit(a, ev);
    gw_alert_save(a);
    a->stopping = true;
    gw_alert_watch_free(a->watch);
    a->watch = NULL;
    close_timer(a, &a->maintenance);
    close_timer(a, &a->tick);
    close_timer(a, &a->save_soon);
    for (size_t i = 0; i < a->n_outboxes; i++)
        gw_alert_outbox_stop(a->outboxes[i]);
}

void gw_alert_free(struct gw_alert *a)
{
    if (!a)
        return;
    gw_alert_stop(a);
    /* Stopping the writer delivers the last callbacks here: the durable
     * lines (nothing more is handed out: a->stopping) and the last save. */
    a->stopping = true;
    gw_eventlog_stop(a->log);
    for (size_t i = 0; i < a->awaiting.n; i++)
        gw_alert_event_unref(a->awaiting.events[a->awaiting.head + i]);
    free(a->awaiting.events);
    for (size_t i = 0; i < a->n_outboxes; i++)
        gw_alert_outbox_close(a->outboxes[i], NULL);
    free(a->outboxes);
    for (size_t i = 0; i < a->n_problems; i++)
        free(a->problems[i].key);
    free(a->problems);
    free_targets(a);
    gw_eventlog_free(a->log);
    a->freed = true;
    if (a->open_handles == 0)
        really_free(a); /* else when the loop has closed the timers */
}
