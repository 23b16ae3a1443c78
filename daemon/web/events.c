#include "web/events.h"

#include <stdio.h>
#include <string.h>

#include "alert/eventlog.h"

static bool is_target_kind(const char *kind)
{
    return strcmp(kind, "state") == 0 || strcmp(kind, "flapping") == 0 ||
           strcmp(kind, "settled") == 0 || strncmp(kind, "maintenance_", 12) == 0;
}

static bool matches(json_t *e, const struct gw_events_query *q)
{
    if (!json_is_object(e))
        return false;
    json_int_t time_ms = json_integer_value(json_object_get(e, "time_ms"));
    if (q->since_ms && time_ms < q->since_ms)
        return false;
    if (q->after_seq && (uint64_t)json_integer_value(json_object_get(e, "seq")) <= q->after_seq)
        return false;
    const char *kind = json_string_value(json_object_get(e, "kind"));
    if (!kind)
        return false;
    if (q->states_only && !is_target_kind(kind))
        return false;
    const char *target = json_string_value(json_object_get(e, "target"));
    if (q->target && (!target || strcmp(target, q->target) != 0))
        return false;
    if (q->council) {
        const char *council = json_string_value(json_object_get(e, "council"));
        size_t n = strlen(q->council);
        bool of_council = (council && strcmp(council, q->council) == 0) ||
                          (target && strncmp(target, q->council, n) == 0 && target[n] == '/');
        if (!of_council)
            return false;
    }
    return true;
}

struct collect {
    const struct gw_events_query *q;
    json_t *out;
    bool more;
};

/* One line of the log: kept when it matches; false once no more is wanted. */
static bool collect_line(void *data, const struct gw_eventlog_line *l)
{
    struct collect *c = data;
    /* Cheap refusals before parsing: most lines of a large log are of other targets. */
    if (c->q->target) {
        char needle[160];
        snprintf(needle, sizeof(needle), "\"%s\"", c->q->target);
        if (!strstr(l->text, needle))
            return true;
    }
    json_error_t err;
    json_t *e = json_loadb(l->text, l->len, 0, &err);
    if (!e)
        return true;
    if (!matches(e, c->q)) {
        json_decref(e);
        return true;
    }
    size_t limit = c->q->limit ? c->q->limit : 1;
    if (json_array_size(c->out) == limit) {
        c->more = true;
        if (!c->q->newest) {
            json_decref(e);
            return false; /* the oldest `limit` are found */
        }
        json_array_remove(c->out, 0);
    }
    json_array_append_new(c->out, e);
    return true;
}

json_t *gw_events_read(const char *data_dir, const struct gw_events_query *q, bool *more)
{
    struct collect c = {.q = q, .out = json_array()};
    /* A missing log is no event; one cut short by a read error gives what was read. */
    gw_eventlog_read(data_dir, NULL, NULL, collect_line, &c);
    if (more)
        *more = c.more;
    return c.out;
}
