#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alert/alert_internal.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/*
 * <data_dir>/state.json: the targets' states (soft counters, flapping
 * history, hard state and since, what was told), the monitor's problems in
 * progress, what is owed to whom (with the id of each message formed), and
 * the position in the event log this all describes. Saved through the
 * log's thread after the lines queued before (so it never describes an
 * event the log could still lose); at start, read back, then the log's
 * lines after that position are applied.
 */

#define STATE_FORMAT 1

/* ---- saving -------------------------------------------------------------------- */

struct owed {
    char *notifier;
    char *message; /* NULL: not yet in a message */
    uint32_t attempts;
    int64_t first_ms;
    struct gw_alert_event **events; /* references */
    size_t n;
};

struct snapshot {
    struct gw_eventlog_save save; /* first: the writer hands this back */
    struct gw_alert *alert;
    uint64_t gen;
    int64_t time_ms;
    struct gw_config *config; /* a reference: the ids are its */
    size_t n;
    const char **ids;
    struct gw_state *states;
    char **problems;
    size_t n_problems;
    struct owed *owed;
    size_t n_owed, cap_owed;
};

static void add_owed(struct snapshot *s, const char *notifier, const char *message,
                     uint32_t attempts, int64_t first_ms, struct gw_alert_event *const *events,
                     size_t n)
{
    if (n == 0)
        return;
    if (s->n_owed == s->cap_owed) {
        s->cap_owed = s->cap_owed ? s->cap_owed * 2 : 16;
        s->owed = gw_xreallocarray(s->owed, s->cap_owed, sizeof(*s->owed));
    }
    struct owed *o = &s->owed[s->n_owed++];
    *o = (struct owed){gw_xstrdup(notifier), gw_xstrdup(message), attempts, first_ms, NULL, n};
    o->events = gw_xcalloc(n, sizeof(*o->events));
    for (size_t i = 0; i < n; i++)
        o->events[i] = gw_alert_event_ref(events[i]);
}

static void json_text(struct gw_strbuf *b, const char *s)
{
    gw_strbuf_append_char(b, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            gw_strbuf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            gw_strbuf_printf(b, "\\u%04x", *p);
        else
            gw_strbuf_append_char(b, (char)*p);
    }
    gw_strbuf_append_char(b, '"');
}

/* On the log's thread: the events and states are read only. */
static char *render(struct gw_eventlog_save *save, const struct gw_eventlog_pos *pos,
                    size_t *len_out)
{
    struct snapshot *s = (struct snapshot *)save;
    struct gw_strbuf b = {0};
    gw_strbuf_printf(&b,
                     "{\"v\":%d,\"saved_ms\":%lld,\"events\":{\"seq\":%llu,\"dev\":%llu,"
                     "\"ino\":%llu,\"offset\":%llu},\n\"targets\":{",
                     STATE_FORMAT, (long long)s->time_ms, (unsigned long long)pos->seq,
                     (unsigned long long)pos->dev, (unsigned long long)pos->ino,
                     (unsigned long long)pos->offset);
    for (size_t i = 0; i < s->n; i++) {
        const struct gw_state *st = &s->states[i];
        gw_strbuf_append(&b, i ? ",\n" : "\n");
        json_text(&b, s->ids[i]);
        gw_strbuf_printf(&b,
                         ":{\"hard\":\"%s\",\"last\":\"%s\",\"streak\":%u,\"since_ms\":%lld,"
                         "\"results\":%llu,\"flap_changes\":%u,\"flap_last\":\"%s\","
                         "\"flapping\":%s,\"told\":\"%s\",\"told_flapping\":%s,"
                         "\"maintenance\":%s}",
                         gw_state_word(st->hard), gw_state_word(st->last), st->streak,
                         (long long)st->since_ms, (unsigned long long)st->results, st->flap_changes,
                         gw_state_word(st->flap_last), st->flapping ? "true" : "false",
                         gw_state_word(st->told), st->told_flapping ? "true" : "false",
                         st->maintenance ? "true" : "false");
    }
    gw_strbuf_append(&b, "},\n\"problems\":[");
    for (size_t i = 0; i < s->n_problems; i++) {
        if (i)
            gw_strbuf_append_char(&b, ',');
        json_text(&b, s->problems[i]);
    }
    gw_strbuf_append(&b, "],\n\"owed\":[");
    for (size_t i = 0; i < s->n_owed; i++) {
        const struct owed *o = &s->owed[i];
        gw_strbuf_append(&b, i ? ",\n{\"notifier\":" : "\n{\"notifier\":");
        json_text(&b, o->notifier);
        gw_strbuf_append(&b, ",\"message\":");
        if (o->message)
            json_text(&b, o->message);
        else
            gw_strbuf_append(&b, "null");
        gw_strbuf_printf(&b, ",\"attempts\":%u,\"first_ms\":%lld,\"events\":[", o->attempts,
                         (long long)o->first_ms);
        for (size_t k = 0; k < o->n; k++) {
            if (k)
                gw_strbuf_append_char(&b, ',');
            gw_strbuf_append(&b, o->events[k]->line);
        }
        gw_strbuf_append(&b, "]}");
    }
    gw_strbuf_append(&b, "]}\n");
    *len_out = b.len;
    return gw_strbuf_take(&b);
}

static void snapshot_free(struct snapshot *s)
{
    for (size_t i = 0; i < s->n_owed; i++) {
        for (size_t k = 0; k < s->owed[i].n; k++)
            gw_alert_event_unref(s->owed[i].events[k]);
        free(s->owed[i].events);
        free(s->owed[i].notifier);
        free(s->owed[i].message);
    }
    free(s->owed);
    for (size_t i = 0; i < s->n_problems; i++)
        free(s->problems[i]);
    free(s->problems);
    free(s->ids);
    free(s->states);
    gw_config_unref(s->config);
    free(s);
}

static void start_save(struct gw_alert *a);

static void saved_cb(struct gw_eventlog_save *save, int err)
{
    struct snapshot *s = (struct snapshot *)save;
    struct gw_alert *a = s->alert;
    if (err < 0)
        gw_log_error("cannot save %s: %s; a restart now may announce again what is known",
                     a->state_path, strerror(-err));
    else
        a->stats.saves++;
    /* Messages wait for a save even when it failed: once tried, they go. */
    a->saved_gen = s->gen;
    a->save_running = false;
    snapshot_free(s);
    if (a->stopping)
        return;
    if (a->save_again) {
        a->save_again = false;
        start_save(a);
    }
    for (size_t i = 0; i < a->n_outboxes; i++)
        gw_alert_outbox_kick(a->outboxes[i]);
}

static void start_save(struct gw_alert *a)
{
    struct snapshot *s = gw_xcalloc(1, sizeof(*s));
    s->alert = a;
    s->gen = ++a->save_gen;
    s->time_ms = gw_clock_wall_ms();
    s->config = gw_config_ref(a->config);
    s->n = a->targets->n;
    s->ids = gw_xcalloc(s->n ? s->n : 1, sizeof(*s->ids));
    s->states = gw_xcalloc(s->n ? s->n : 1, sizeof(*s->states));
    for (size_t i = 0; i < s->n; i++) {
        s->ids[i] = a->targets->items[i]->conf->id;
        s->states[i] = a->targets->items[i]->state;
    }
    s->n_problems = a->n_problems;
    s->problems = gw_xcalloc(s->n_problems ? s->n_problems : 1, sizeof(*s->problems));
    for (size_t i = 0; i < s->n_problems; i++)
        s->problems[i] = gw_xstrdup(a->problems[i].key);
    /* Lines not yet durable: one entry per notifier, in the log's order. */
    struct gw_alert_event **pending = gw_xcalloc(a->awaiting.n + 1, sizeof(*pending));
    for (size_t o = 0; o < a->n_outboxes; o++) {
        const struct gw_alert_outbox *ob = a->outboxes[o];
        size_t n = 0;
        for (size_t i = 0; i < a->awaiting.n; i++) {
            struct gw_alert_event *ev = a->awaiting.events[a->awaiting.head + i];
            for (size_t k = 0; k < ev->n_notify; k++)
                if (strcmp(ev->notify[k], ob->id) == 0) {
                    pending[n++] = ev;
                    break;
                }
        }
        add_owed(s, ob->id, NULL, 0, 0, pending, n);
    }
    free(pending);
    for (size_t o = 0; o < a->n_outboxes; o++) {
        const struct gw_alert_outbox *ob = a->outboxes[o];
        for (struct gw_alert_message *m = ob->head; m; m = m->next) {
            if (m->reminder)
                continue;
            add_owed(s, ob->id, m->id, m->attempts, m->first_ms, m->events, m->n);
            if (m->save_gen == GW_ALERT_UNSAVED)
                m->save_gen = s->gen;
        }
        for (size_t g = 0; g < ob->n_groups; g++)
            if (!ob->groups[g].reminder)
                add_owed(s, ob->id, NULL, 0, 0, ob->groups[g].events, ob->groups[g].n);
    }
    s->save.path = a->state_path;
    s->save.render = render;
    s->save.done = saved_cb;
    a->save_running = true;
    a->last_save_mono = uv_now(a->loop);
    gw_eventlog_save(a->log, &s->save);
}

void gw_alert_save(struct gw_alert *a)
{
    uv_timer_stop(&a->save_soon);
    if (a->save_running)
        a->save_again = true;
    else
        start_save(a);
}

static void save_soon_cb(uv_timer_t *timer)
{
    gw_alert_save(timer->data);
}

void gw_alert_save_soon(struct gw_alert *a)
{
    if (!a->stopping && !uv_is_active((uv_handle_t *)&a->save_soon))
        uv_timer_start(&a->save_soon, save_soon_cb, GW_ALERT_SAVE_SOON_MS, 0);
}

/* ---- restoring ------------------------------------------------------------------ */

static uint8_t word_state(json_t *o, const char *key, uint8_t fallback)
{
    uint8_t s;
    return gw_state_parse(json_string_value(json_object_get(o, key)), &s) == 0 ? s : fallback;
}

static void restore_target(struct gw_state *st, json_t *o)
{
    st->hard = word_state(o, "hard", GW_STATE_PENDING);
    st->last = word_state(o, "last", GW_STATE_PENDING);
    st->streak = (uint32_t)json_integer_value(json_object_get(o, "streak"));
    st->since_ms = json_integer_value(json_object_get(o, "since_ms"));
    st->results = (uint64_t)json_integer_value(json_object_get(o, "results"));
    st->flap_changes = (uint32_t)json_integer_value(json_object_get(o, "flap_changes"));
    st->flap_last = word_state(o, "flap_last", GW_STATE_PENDING);
    st->flapping = json_is_true(json_object_get(o, "flapping"));
    st->told = word_state(o, "told", GW_STATE_PENDING);
    st->told_flapping = json_is_true(json_object_get(o, "told_flapping"));
    st->maintenance = json_is_true(json_object_get(o, "maintenance"));
}

static struct gw_alert_event *event_of(json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    struct gw_alert_event *ev = text ? gw_alert_event_parse(text, strlen(text), NULL) : NULL;
    free(text);
    return ev;
}

static void restore_owed(struct gw_alert *a, json_t *owed)
{
    size_t i;
    json_t *o;
    json_array_foreach(owed, i, o)
    {
        const char *notifier = json_string_value(json_object_get(o, "notifier"));
        const char *message = json_string_value(json_object_get(o, "message"));
        struct gw_alert_outbox *ob = notifier ? gw_alert_outbox_of(a, notifier) : NULL;
        json_t *events = json_object_get(o, "events");
        if (!ob) {
            gw_log_warning("%s: notifier %s is no longer configured: %zu notification%s owed to "
                           "it are given up",
                           a->state_path, notifier ? notifier : "?", json_array_size(events),
                           json_array_size(events) == 1 ? "" : "s");
            continue;
        }
        struct gw_alert_message *m = NULL;
        if (message) {
            m = gw_xcalloc(1, sizeof(*m));
            m->id = gw_xstrdup(message);
            m->attempts = (uint32_t)json_integer_value(json_object_get(o, "attempts"));
            m->first_ms = json_integer_value(json_object_get(o, "first_ms"));
            m->events = gw_xcalloc(json_array_size(events) + 1, sizeof(*m->events));
        }
        size_t k;
        json_t *e;
        json_array_foreach(events, k, e)
        {
            struct gw_alert_event *ev = event_of(e);
            if (!ev)
                continue;
            if (m)
                m->events[m->n++] = ev;
            else {
                gw_alert_outbox_add(ob, ev, false);
                gw_alert_event_unref(ev);
            }
        }
        if (m && m->n)
            gw_alert_outbox_restore(ob, m);
        else
            gw_alert_message_free(m);
    }
}

/* Reads state.json: 0 and the log position it describes, or -ENOENT. */
static int load_state(struct gw_alert *a, struct gw_eventlog_pos *pos)
{
    json_error_t err;
    json_t *root = json_load_file(a->state_path, 0, &err);
    if (!root) {
        FILE *f = fopen(a->state_path, "r");
        if (f) {
            fclose(f);
            gw_log_error("%s:%d: %s; targets start afresh (the event log still says what is "
                         "owed)",
                         a->state_path, err.line, err.text);
        }
        return -ENOENT;
    }
    if (json_integer_value(json_object_get(root, "v")) != STATE_FORMAT) {
        gw_log_error("%s: not a state file of format %d; targets start afresh", a->state_path,
                     STATE_FORMAT);
        json_decref(root);
        return -ENOENT;
    }
    json_t *ev = json_object_get(root, "events");
    pos->seq = (uint64_t)json_integer_value(json_object_get(ev, "seq"));
    pos->dev = (uint64_t)json_integer_value(json_object_get(ev, "dev"));
    pos->ino = (uint64_t)json_integer_value(json_object_get(ev, "ino"));
    pos->offset = (uint64_t)json_integer_value(json_object_get(ev, "offset"));
    json_t *targets = json_object_get(root, "targets");
    size_t restored = 0;
    for (size_t i = 0; i < a->targets->n; i++) {
        json_t *o = json_object_get(targets, a->targets->items[i]->conf->id);
        if (json_is_object(o)) {
            restore_target(&a->targets->items[i]->state, o);
            restored++;
        }
    }
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(root, "problems"), i, p)
    {
        if (!json_is_string(p))
            continue;
        a->problems = gw_xreallocarray(a->problems, a->n_problems + 1, sizeof(*a->problems));
        a->problems[a->n_problems++].key = gw_xstrdup(json_string_value(p));
    }
    restore_owed(a, json_object_get(root, "owed"));
    gw_log_info("%s: the state of %zu targets restored", a->state_path, restored);
    json_decref(root);
    return 0;
}

/* ---- what the log says happened after it ---------------------------------------- */

struct replay {
    struct gw_alert *alert;
    uint64_t after; /* lines up to this seq are in state.json */
    size_t lines, bad;
};

static void replay_problem(struct gw_alert *a, const struct gw_alert_event *ev)
{
    const char *subject = ev->target ? ev->target : ev->notifier;
    char *key = subject ? gw_xasprintf("%s %s", ev->problem, subject) : gw_xstrdup(ev->problem);
    size_t i;
    for (i = 0; i < a->n_problems && strcmp(a->problems[i].key, key) != 0; i++)
        ;
    if (ev->active && i == a->n_problems) {
        a->problems = gw_xreallocarray(a->problems, a->n_problems + 1, sizeof(*a->problems));
        a->problems[a->n_problems++].key = key;
        return;
    }
    if (!ev->active && i < a->n_problems) {
        free(a->problems[i].key);
        a->problems[i] = a->problems[--a->n_problems];
    }
    free(key);
}

static void replay_target(struct gw_alert *a, const struct gw_alert_event *ev)
{
    size_t idx;
    if (!ev->target || gw_strmap_get(a->targets->index, ev->target, &idx) < 0)
        return;
    struct gw_state *st = &a->targets->items[idx]->state;
    bool told = ev->n_notify > 0;
    switch (ev->kind) {
    case GW_EVENT_STATE:
        if (ev->from != ev->to) {
            st->hard = st->last = ev->to;
            st->streak = 1;
            st->since_ms = ev->time_ms;
        }
        if (told)
            st->told = ev->to;
        break;
    case GW_EVENT_FLAPPING:
        st->flapping = true;
        st->told_flapping = st->told_flapping || told;
        break;
    case GW_EVENT_SETTLED:
        st->flapping = false;
        if (told) {
            st->told_flapping = false;
            st->told = ev->to;
        }
        break;
    case GW_EVENT_MAINTENANCE_START:
        st->maintenance = true;
        break;
    case GW_EVENT_MAINTENANCE_END:
        st->maintenance = false;
        if (told)
            st->told = ev->to;
        break;
    default:
        break;
    }
}

static bool replay_line(void *data, const struct gw_eventlog_line *line)
{
    struct replay *r = data;
    struct gw_alert *a = r->alert;
    struct gw_alert_event *ev = gw_alert_event_parse(line->text, line->len, NULL);
    if (!ev) {
        r->bad++;
        return true;
    }
    if (ev->seq <= r->after) {
        gw_alert_event_unref(ev);
        return true;
    }
    r->lines++;
    if (ev->kind == GW_EVENT_MONITOR)
        replay_problem(a, ev);
    else
        replay_target(a, ev);
    if (ev->kind == GW_EVENT_DELIVERY && ev->outcome &&
        (strcmp(ev->outcome, "sent") == 0 || strcmp(ev->outcome, "gave_up") == 0)) {
        struct gw_alert_outbox *ob = gw_alert_outbox_of(a, ev->notifier);
        if (ob)
            gw_alert_outbox_forget(ob, ev->events, ev->n_events);
    }
    for (size_t i = 0; i < ev->n_notify; i++) {
        struct gw_alert_outbox *ob = gw_alert_outbox_of(a, ev->notify[i]);
        if (ob)
            gw_alert_outbox_add(ob, ev, false);
    }
    gw_alert_event_unref(ev);
    return true;
}

void gw_alert_restore(struct gw_alert *a, const struct gw_eventlog_pos *end)
{
    uv_update_time(a->loop);
    struct gw_eventlog_pos pos = {0};
    bool have_state = load_state(a, &pos) == 0;
    if (!have_state) {
        /* Without state.json the live file says what it can; older
         * rotated files are not read (they may be a year long). */
        pos = (struct gw_eventlog_pos){.dev = end->dev, .ino = end->ino};
    }
    if (have_state && pos.seq >= end->seq)
        return; /* nothing after it */
    struct replay r = {.alert = a, .after = have_state ? pos.seq : 0};
    bool found = false;
    gw_eventlog_read(a->data_dir, &pos, &found, replay_line, &r);
    if (r.lines)
        gw_log_notice("events: %zu lines after the last save of %s taken up", r.lines,
                      a->state_path);
    if (r.bad)
        gw_log_warning("events: %zu lines of the event log cannot be read; they are skipped",
                       r.bad);
}
