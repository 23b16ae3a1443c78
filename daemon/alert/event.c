#include "alert/event.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "result/state.h"
#include "util/xalloc.h"

static const char *const kind_names[GW_EVENT_KIND_COUNT] = {
    "state",   "flapping", "settled", "maintenance_start", "maintenance_end",
    "monitor", "start",    "stop",    "delivery",
};

const char *gw_alert_kind_name(enum gw_alert_kind kind)
{
    return (unsigned)kind < GW_EVENT_KIND_COUNT ? kind_names[kind] : NULL;
}

int gw_alert_kind_parse(const char *name, enum gw_alert_kind *out)
{
    for (int i = 0; name && i < GW_EVENT_KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (enum gw_alert_kind)i;
            return 0;
        }
    return -EINVAL;
}

const char *gw_alert_cause_name(uint8_t cause)
{
    switch (cause) {
    case GW_HOLD_PARENT:
        return "parent";
    case GW_HOLD_MAINTENANCE:
        return "maintenance";
    default:
        return NULL;
    }
}

void gw_alert_format_time(int64_t time_ms, char *buf, size_t size)
{
    int64_t s = time_ms / 1000, ms = time_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        s--;
    }
    time_t t = (time_t)s;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
}

/* ---- life ------------------------------------------------------------------- */

struct gw_alert_event *gw_alert_event_new(enum gw_alert_kind kind)
{
    struct gw_alert_event *ev = gw_xcalloc(1, sizeof(*ev));
    ev->refs = 1;
    ev->kind = kind;
    ev->from = ev->to = GW_STATE_PENDING;
    return ev;
}

struct gw_alert_event *gw_alert_event_ref(struct gw_alert_event *ev)
{
    ev->refs++;
    return ev;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void gw_alert_event_unref(struct gw_alert_event *ev)
{
    if (!ev || --ev->refs > 0)
        return;
    free(ev->id);
    free_list(ev->notify, ev->n_notify);
    free(ev->target);
    free(ev->council);
    free(ev->category);
    free(ev->check);
    free(ev->reason);
    free(ev->sentence);
    free(ev->cause_target);
    free(ev->figures);
    free(ev->window);
    free(ev->problem);
    free(ev->version);
    free(ev->config);
    free(ev->event);
    free_list(ev->events, ev->n_events);
    free(ev->notifier);
    free(ev->notification);
    free(ev->outcome);
    free(ev->message);
    free(ev->line);
    free(ev);
}

void gw_alert_event_add_notify(struct gw_alert_event *ev, const char *notifier)
{
    ev->notify = gw_xreallocarray(ev->notify, ev->n_notify + 1, sizeof(*ev->notify));
    ev->notify[ev->n_notify++] = gw_xstrdup(notifier);
}

void gw_alert_event_add_figure(struct gw_alert_event *ev, const char *name, double value)
{
    ev->figures = gw_xreallocarray(ev->figures, ev->n_figures + 1, sizeof(*ev->figures));
    struct gw_alert_figure *f = &ev->figures[ev->n_figures++];
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->value = value;
}

/* ---- writing ----------------------------------------------------------------- */

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *list(char *const *items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    return a;
}

static void put(json_t *o, const char *key, json_t *value)
{
    json_object_set_new(o, key, value ? value : json_null());
}

static void put_target(json_t *o, const struct gw_alert_event *ev)
{
    put(o, "target", str_or_null(ev->target));
    put(o, "council", str_or_null(ev->council));
    put(o, "category", str_or_null(ev->category));
    put(o, "check", str_or_null(ev->check));
}

static json_t *figures(const struct gw_alert_event *ev)
{
    json_t *o = json_object();
    for (size_t i = 0; i < ev->n_figures; i++)
        if (isfinite(ev->figures[i].value))
            put(o, ev->figures[i].name, json_real(ev->figures[i].value));
    return o;
}

void gw_alert_event_seal(struct gw_alert_event *ev, uint64_t seq)
{
    ev->seq = seq;
    char when[40];
    gw_alert_format_time(ev->time_ms, when, sizeof(when));
    json_t *o = json_object();
    put(o, "v", json_integer(GW_EVENTS_FORMAT));
    put(o, "seq", json_integer((json_int_t)seq));
    put(o, "time_ms", json_integer(ev->time_ms));
    put(o, "time", json_string(when));
    put(o, "kind", json_string(gw_alert_kind_name(ev->kind)));
    switch (ev->kind) {
    case GW_EVENT_STATE:
    case GW_EVENT_FLAPPING:
    case GW_EVENT_SETTLED:
        put(o, "id", str_or_null(ev->id));
        put_target(o, ev);
        put(o, "from", json_string(gw_state_word(ev->from)));
        put(o, "to", json_string(gw_state_word(ev->to)));
        put(o, "reason", str_or_null(ev->reason));
        put(o, "sentence", json_string(ev->sentence ? ev->sentence : ""));
        put(o, "figures", figures(ev));
        put(o, "since_ms", json_integer(ev->since_ms));
        put(o, "cause", str_or_null(gw_alert_cause_name(ev->cause)));
        put(o, "cause_target", str_or_null(ev->cause_target));
        if (ev->kind != GW_EVENT_STATE)
            put(o, "percent_change", json_real(round(ev->percent * 10) / 10));
        put(o, "notify", list(ev->notify, ev->n_notify));
        break;
    case GW_EVENT_MAINTENANCE_START:
    case GW_EVENT_MAINTENANCE_END:
        put(o, "id", str_or_null(ev->id));
        put_target(o, ev);
        put(o, "window", str_or_null(ev->window));
        put(o, "state", json_string(gw_state_word(ev->to)));
        put(o, "from", json_string(gw_state_word(ev->from)));
        put(o, "reason", str_or_null(ev->reason));
        put(o, "sentence", json_string(ev->sentence ? ev->sentence : ""));
        put(o, "since_ms", json_integer(ev->since_ms));
        put(o, "notify", list(ev->notify, ev->n_notify));
        break;
    case GW_EVENT_MONITOR:
        put(o, "id", str_or_null(ev->id));
        put(o, "problem", str_or_null(ev->problem));
        put(o, "active", json_boolean(ev->active));
        put(o, "sentence", json_string(ev->sentence ? ev->sentence : ""));
        put(o, "target", str_or_null(ev->target));
        put(o, "council", str_or_null(ev->council));
        if (ev->notifier)
            put(o, "notifier", json_string(ev->notifier));
        put(o, "notify", list(ev->notify, ev->n_notify));
        break;
    case GW_EVENT_START:
        put(o, "version", str_or_null(ev->version));
        put(o, "config", str_or_null(ev->config));
        break;
    case GW_EVENT_STOP:
        break;
    case GW_EVENT_DELIVERY:
        put(o, "event", str_or_null(ev->event));
        put(o, "events", list(ev->events, ev->n_events));
        put(o, "notifier", str_or_null(ev->notifier));
        put(o, "notification", str_or_null(ev->notification));
        put(o, "attempt", json_integer(ev->attempt));
        put(o, "outcome", str_or_null(ev->outcome));
        put(o, "message", str_or_null(ev->message));
        break;
    default:
        break;
    }
    free(ev->line);
    ev->line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
    json_decref(o);
    if (!ev->line)
        ev->line = gw_xstrdup("{}"); /* jansson fails only without memory */
}

/* ---- reading ------------------------------------------------------------------ */

static char *opt_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? gw_xstrdup(s) : NULL;
}

static bool state_of(json_t *o, const char *key, uint8_t *out)
{
    return gw_state_parse(json_string_value(json_object_get(o, key)), out) == 0;
}

static char **str_list(json_t *a, size_t *n_out)
{
    *n_out = 0;
    if (!json_is_array(a) || json_array_size(a) == 0)
        return NULL;
    char **items = gw_xcalloc(json_array_size(a), sizeof(*items));
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (json_is_string(v))
            items[(*n_out)++] = gw_xstrdup(json_string_value(v));
    }
    return items;
}

static bool read_target(json_t *o, struct gw_alert_event *ev)
{
    ev->id = opt_str(o, "id");
    ev->target = opt_str(o, "target");
    ev->council = opt_str(o, "council");
    ev->category = opt_str(o, "category");
    ev->check = opt_str(o, "check");
    ev->reason = opt_str(o, "reason");
    ev->sentence = opt_str(o, "sentence");
    ev->since_ms = json_integer_value(json_object_get(o, "since_ms"));
    ev->notify = str_list(json_object_get(o, "notify"), &ev->n_notify);
    return ev->id && ev->target;
}

struct gw_alert_event *gw_alert_event_parse(const char *text, size_t len, char **error)
{
    json_error_t jerr;
    json_t *o = json_loadb(text, len, 0, &jerr);
    const char *why = NULL;
    struct gw_alert_event *ev = NULL;
    enum gw_alert_kind kind;
    if (!o) {
        why = jerr.text;
        goto fail;
    }
    if (!json_is_object(o) || json_integer_value(json_object_get(o, "v")) != GW_EVENTS_FORMAT) {
        why = "not an event of format 1";
        goto fail;
    }
    if (gw_alert_kind_parse(json_string_value(json_object_get(o, "kind")), &kind) < 0) {
        why = "unknown kind";
        goto fail;
    }
    ev = gw_alert_event_new(kind);
    ev->seq = (uint64_t)json_integer_value(json_object_get(o, "seq"));
    ev->time_ms = json_integer_value(json_object_get(o, "time_ms"));
    bool ok = ev->seq > 0;
    switch (kind) {
    case GW_EVENT_STATE:
    case GW_EVENT_FLAPPING:
    case GW_EVENT_SETTLED: {
        ok = read_target(o, ev) && state_of(o, "from", &ev->from) && state_of(o, "to", &ev->to) &&
             ok;
        const char *cause = json_string_value(json_object_get(o, "cause"));
        ev->cause = !cause                         ? GW_HOLD_NONE
                    : strcmp(cause, "parent") == 0 ? GW_HOLD_PARENT
                                                   : GW_HOLD_MAINTENANCE;
        ev->cause_target = opt_str(o, "cause_target");
        ev->percent = json_number_value(json_object_get(o, "percent_change"));
        const char *name;
        json_t *value;
        json_object_foreach(json_object_get(o, "figures"), name, value)
        {
            if (json_is_number(value))
                gw_alert_event_add_figure(ev, name, json_number_value(value));
        }
        break;
    }
    case GW_EVENT_MAINTENANCE_START:
    case GW_EVENT_MAINTENANCE_END:
        ok = read_target(o, ev) && state_of(o, "state", &ev->to) && ok;
        if (!state_of(o, "from", &ev->from))
            ev->from = ev->to;
        ev->window = opt_str(o, "window");
        break;
    case GW_EVENT_MONITOR:
        ev->id = opt_str(o, "id");
        ev->problem = opt_str(o, "problem");
        ev->active = json_is_true(json_object_get(o, "active"));
        ev->sentence = opt_str(o, "sentence");
        ev->target = opt_str(o, "target");
        ev->council = opt_str(o, "council");
        ev->notifier = opt_str(o, "notifier");
        ev->notify = str_list(json_object_get(o, "notify"), &ev->n_notify);
        ok = ev->id && ev->problem && ok;
        break;
    case GW_EVENT_START:
        ev->version = opt_str(o, "version");
        ev->config = opt_str(o, "config");
        break;
    case GW_EVENT_STOP:
        break;
    case GW_EVENT_DELIVERY:
        ev->event = opt_str(o, "event");
        ev->events = str_list(json_object_get(o, "events"), &ev->n_events);
        ev->notifier = opt_str(o, "notifier");
        ev->notification = opt_str(o, "notification");
        ev->attempt = (uint32_t)json_integer_value(json_object_get(o, "attempt"));
        ev->outcome = opt_str(o, "outcome");
        ev->message = opt_str(o, "message");
        ok = ev->notifier && ev->outcome && ok;
        break;
    default:
        break;
    }
    if (!ok) {
        why = "a key this kind needs is missing";
        goto fail;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    ev->line = gw_xstrndup(text, len);
    json_decref(o);
    return ev;
fail:
    if (error)
        *error = gw_xstrdup(why);
    gw_alert_event_unref(ev);
    json_decref(o);
    return NULL;
}
