#include "web/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/xalloc.h"

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

static void collect_line(struct collect *c, const char *line, size_t len)
{
    /* Cheap refusals before parsing: most lines of a large log are of other targets. */
    if (c->q->target) {
        char needle[160];
        snprintf(needle, sizeof(needle), "\"%s\"", c->q->target);
        if (!memmem(line, len, needle, strlen(needle)))
            return;
    }
    json_error_t err;
    json_t *e = json_loadb(line, len, 0, &err);
    if (!e)
        return;
    if (!matches(e, c->q)) {
        json_decref(e);
        return;
    }
    size_t limit = c->q->limit ? c->q->limit : 1;
    if (json_array_size(c->out) == limit) {
        c->more = true;
        if (!c->q->newest) {
            json_decref(e);
            return;
        }
        json_array_remove(c->out, 0);
    }
    json_array_append_new(c->out, e);
}

static void read_file(struct collect *c, const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (!c->q->newest && c->more)
            break;
        collect_line(c, line, (size_t)len);
    }
    free(line);
    fclose(f);
}

json_t *gw_events_read(const char *data_dir, const struct gw_events_query *q, bool *more)
{
    struct collect c = {.q = q, .out = json_array()};
    int rotated = 0;
    for (;;) {
        char *path = gw_xasprintf("%s/events.jsonl.%d", data_dir, rotated + 1);
        bool exists = access(path, F_OK) == 0;
        free(path);
        if (!exists)
            break;
        rotated++;
    }
    for (int i = rotated; i >= 1; i--) {
        char *path = gw_xasprintf("%s/events.jsonl.%d", data_dir, i);
        read_file(&c, path);
        free(path);
    }
    char *path = gw_xasprintf("%s/events.jsonl", data_dir);
    read_file(&c, path);
    free(path);
    if (more)
        *more = c.more;
    return c.out;
}
