#include "notify_body.h"

#include <stdlib.h>

#include "notify_util.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t ms)
{
    char buf[40];
    return ms > 0 ? json_string(gw_notify_rfc3339(ms, buf, sizeof(buf))) : json_null();
}

/* One event as the body shows it (docs/notifiers.md, "The webhook body"). */
static json_t *event_json(const struct gw_event *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "event_id", str_or_null(e->id));
    json_object_set_new(o, "kind", str_or_null(e->kind));
    json_object_set_new(o, "state", str_or_null(e->state));
    json_object_set_new(o, "previous", str_or_null(e->previous));
    json_object_set_new(o, "target", str_or_null(e->target));
    json_object_set_new(o, "target_name", str_or_null(e->target_name));
    json_object_set_new(o, "council", str_or_null(e->council));
    json_object_set_new(o, "council_name", str_or_null(e->council_name));
    json_object_set_new(o, "council_name_cy", str_or_null(e->council_name_cy));
    json_object_set_new(o, "category", str_or_null(e->category));
    json_object_set_new(o, "check", str_or_null(e->check));
    json_object_set_new(o, "reason", str_or_null(e->reason));
    json_object_set_new(o, "sentence", str_or_null(e->message));
    json_object_set_new(o, "time", time_or_null(e->time_ms));
    json_object_set_new(o, "since", time_or_null(e->since_ms));
    json_object_set_new(o, "duration",
                        e->since_ms > 0 && e->time_ms >= e->since_ms
                            ? json_integer((e->time_ms - e->since_ms) / 1000)
                            : json_null());
    json_t *figures = json_object();
    for (size_t i = 0; i < e->n_figures; i++)
        if (e->figures[i].name)
            json_object_set_new(figures, e->figures[i].name, json_real(e->figures[i].value));
    json_object_set_new(o, "figures", figures);
    json_object_set_new(o, "cause", str_or_null(e->cause));
    json_object_set_new(o, "cause_target", str_or_null(e->cause_target));
    json_object_set_new(o, "url", str_or_null(e->url));
    return o;
}

json_t *gw_notify_body_json(const struct gw_notification *n)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "idempotency_key", str_or_null(n->id));
    json_object_set_new(o, "test", json_boolean(n->test));
    json_object_set_new(o, "language", str_or_null(n->language));
    json_object_set_new(o, "subject", str_or_null(n->subject));
    json_object_set_new(o, "text", str_or_null(n->body));
    json_object_set_new(o, "count", json_integer((json_int_t)n->n_events));
    json_t *events = json_array();
    for (size_t i = 0; i < n->n_events; i++)
        json_array_append_new(events, event_json(n->events[i]));
    if (n->n_events > 0)
        json_object_update_missing(o, json_array_get(events, 0));
    json_object_set_new(o, "events", events);
    if (!o || !events)
        abort();
    return o;
}
