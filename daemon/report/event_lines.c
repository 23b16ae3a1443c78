#include "report/event_lines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alert/eventlog.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Unreadable lines logged one by one per file; then only their number. */
#define SKIPS_LOGGED 5

static const struct {
    const char *word;
    enum gw_event_lines_kind kind;
    bool has_target;
} kinds[] = {
    {"state", GW_EVENT_LINES_STATE, true},
    {"flapping", GW_EVENT_LINES_FLAPPING, true},
    {"settled", GW_EVENT_LINES_SETTLED, true},
    {"maintenance_start", GW_EVENT_LINES_MAINTENANCE_START, true},
    {"maintenance_end", GW_EVENT_LINES_MAINTENANCE_END, true},
    {"monitor", GW_EVENT_LINES_MONITOR, false},
    {"start", GW_EVENT_LINES_START, false},
    {"stop", GW_EVENT_LINES_STOP, false},
    {"delivery", GW_EVENT_LINES_DELIVERY, false},
};

static const char *const state_words[] = {
    [GW_EVENT_LINES_S_NONE] = "",     [GW_EVENT_LINES_S_PENDING] = "pending",
    [GW_EVENT_LINES_S_UP] = "up",     [GW_EVENT_LINES_S_DEGRADED] = "degraded",
    [GW_EVENT_LINES_S_DOWN] = "down", [GW_EVENT_LINES_S_UNKNOWN] = "unknown",
};

const char *gw_event_lines_state_word(enum gw_event_lines_state s)
{
    return (size_t)s < sizeof(state_words) / sizeof(state_words[0]) ? state_words[s] : "";
}

static enum gw_event_lines_state state_of(const char *word)
{
    if (!word)
        return GW_EVENT_LINES_S_NONE;
    for (size_t i = 1; i < sizeof(state_words) / sizeof(state_words[0]); i++)
        if (strcmp(word, state_words[i]) == 0)
            return (enum gw_event_lines_state)i;
    return GW_EVENT_LINES_S_NONE;
}

static const char *string_of(json_t *root, const char *key)
{
    return json_string_value(json_object_get(root, key));
}

static int64_t integer_of(json_t *root, const char *key)
{
    json_t *v = json_object_get(root, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* ---- the quick path -------------------------------------------------------------
 * Most lines of a long log are delivery attempts, which readers of outages
 * need only the time of. Building a jansson document for each costs more
 * than everything else a report does, so a line is first scanned: when it is
 * a well-formed object whose top-level "kind" is "delivery" and whose
 * "time_ms" is an integer, it is taken without a document. Anything the scan
 * is not sure of (escapes in those values, a key twice, a cut line) goes the
 * full way, with its checks and errors. */

struct scan {
    const char *p, *end;
};

static void scan_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* A string at p: sets [*b, *e) to its raw contents and *escaped when it has escapes. */
static bool scan_string(struct scan *s, const char **b, const char **e, bool *escaped)
{
    if (s->p >= s->end || *s->p != '"')
        return false;
    s->p++;
    *b = s->p;
    *escaped = false;
    while (s->p < s->end && *s->p != '"') {
        if ((unsigned char)*s->p < 0x20)
            return false;
        if (*s->p == '\\') {
            *escaped = true;
            s->p++;
        }
        s->p++;
    }
    if (s->p >= s->end)
        return false;
    *e = s->p++;
    return true;
}

/* Any value, skipped: strings and nested brackets followed to their end. */
static bool scan_skip_value(struct scan *s)
{
    int depth = 0;
    do {
        scan_ws(s);
        if (s->p >= s->end)
            return false;
        char c = *s->p;
        const char *b, *e;
        bool esc;
        if (c == '"') {
            if (!scan_string(s, &b, &e, &esc))
                return false;
        } else if (c == '{' || c == '[') {
            depth++;
            s->p++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return false;
            depth--;
            s->p++;
        } else if (c == ',' || c == ':') {
            if (depth == 0)
                return false;
            s->p++;
        } else {
            const char *start = s->p;
            while (s->p < s->end && strchr("+-.0123456789eEtruefalsn", *s->p))
                s->p++;
            if (s->p == start)
                return false;
        }
    } while (depth > 0);
    return true;
}

static bool scan_integer(struct scan *s, int64_t *out)
{
    const char *start = s->p;
    if (s->p < s->end && *s->p == '-')
        s->p++;
    int64_t v = 0;
    int digits = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && digits < 18) {
        v = v * 10 + (*s->p++ - '0');
        digits++;
    }
    if (!digits || (s->p < s->end && strchr(".eE0123456789", *s->p)))
        return false;
    *out = *start == '-' ? -v : v;
    return true;
}

/* True when the line is a delivery attempt, with its time (and seq) read. */
static bool scan_delivery(const char *line, size_t len, struct gw_event_lines_rec *rec)
{
    struct scan s = {line, line + len};
    bool have_time = false, have_seq = false, delivery = false, have_kind = false;
    scan_ws(&s);
    if (s.p >= s.end || *s.p++ != '{')
        return false;
    for (bool first = true;; first = false) {
        scan_ws(&s);
        if (s.p < s.end && *s.p == '}' && first)
            return false;
        const char *kb, *ke;
        bool esc;
        if (!scan_string(&s, &kb, &ke, &esc) || esc)
            return false;
        scan_ws(&s);
        if (s.p >= s.end || *s.p++ != ':')
            return false;
        scan_ws(&s);
        size_t kl = (size_t)(ke - kb);
        if (kl == 4 && memcmp(kb, "kind", 4) == 0) {
            const char *vb, *ve;
            if (have_kind || !scan_string(&s, &vb, &ve, &esc) || esc)
                return false;
            have_kind = true;
            delivery = ve - vb == 8 && memcmp(vb, "delivery", 8) == 0;
        } else if (kl == 7 && memcmp(kb, "time_ms", 7) == 0) {
            if (have_time || !scan_integer(&s, &rec->time_ms))
                return false;
            have_time = true;
        } else if (kl == 3 && memcmp(kb, "seq", 3) == 0) {
            if (have_seq || !scan_integer(&s, &rec->seq))
                return false;
            have_seq = true;
        } else if (!scan_skip_value(&s)) {
            return false;
        }
        scan_ws(&s);
        if (s.p >= s.end)
            return false;
        if (*s.p == '}')
            break;
        if (*s.p++ != ',')
            return false;
    }
    s.p++;
    scan_ws(&s);
    return s.p == s.end && delivery && have_time;
}

int gw_event_lines_parse(const char *line, size_t len, struct gw_event_lines_line *out,
                         const char **error)
{
    memset(out, 0, sizeof(*out));
    if (scan_delivery(line, len, &out->rec)) {
        out->rec.kind = GW_EVENT_LINES_DELIVERY;
        out->rec.kind_text = "delivery";
        return 0;
    }
    memset(out, 0, sizeof(*out));
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        *error = "not JSON";
        return -EINVAL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        *error = "not a JSON object";
        return -EINVAL;
    }
    json_t *time = json_object_get(root, "time_ms");
    const char *kind = string_of(root, "kind");
    if (!json_is_integer(time) || !kind) {
        json_decref(root);
        *error = "no integer time_ms or no string kind";
        return -EINVAL;
    }
    struct gw_event_lines_rec *r = &out->rec;
    r->kind = GW_EVENT_LINES_OTHER;
    r->kind_text = kind;
    bool needs_target = false;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kind, kinds[i].word) == 0) {
            r->kind = kinds[i].kind;
            needs_target = kinds[i].has_target;
            break;
        }
    }
    r->time_ms = (int64_t)json_integer_value(time);
    r->seq = integer_of(root, "seq");
    r->since_ms = integer_of(root, "since_ms");
    r->target = string_of(root, "target");
    r->from = state_of(string_of(root, "from"));
    r->to = state_of(string_of(root, "to"));
    r->reason = string_of(root, "reason");
    r->cause = string_of(root, "cause");
    r->cause_target = string_of(root, "cause_target");
    r->sentence = string_of(root, "sentence");
    if (needs_target && (!r->target || !strchr(r->target, '/'))) {
        json_decref(root);
        memset(out, 0, sizeof(*out));
        *error = "no \"council/target\" in target";
        return -EINVAL;
    }
    if (r->kind == GW_EVENT_LINES_STATE && r->to == GW_EVENT_LINES_S_NONE) {
        json_decref(root);
        memset(out, 0, sizeof(*out));
        *error = "a state change with no known \"to\"";
        return -EINVAL;
    }
    out->root = root;
    return 0;
}

void gw_event_lines_line_clear(struct gw_event_lines_line *line)
{
    json_decref(line->root);
    memset(line, 0, sizeof(*line));
}

/* ---- files ------------------------------------------------------------------ */

struct reading {
    gw_event_lines_cb cb;
    void *data;
    struct gw_event_lines_stats *st;
    char *path;     /* the file being read */
    size_t skipped; /* lines of it skipped */
};

/* The file read so far is done: how many lines were skipped beyond those logged. */
static void file_done(struct reading *r)
{
    if (r->skipped > SKIPS_LOGGED)
        gw_log_warning("%s: %zu lines in all skipped that are not events", r->path, r->skipped);
    r->st->skipped += r->skipped;
    r->skipped = 0;
    free(r->path);
    r->path = NULL;
}

static bool line_cb(void *data, const struct gw_eventlog_line *l)
{
    struct reading *r = data;
    if (!r->path || strcmp(r->path, l->path) != 0) {
        file_done(r);
        r->path = gw_xstrdup(l->path);
    }
    struct gw_event_lines_line parsed;
    const char *why;
    if (gw_event_lines_parse(l->text, l->len, &parsed, &why) < 0) {
        if (++r->skipped <= SKIPS_LOGGED)
            gw_log_warning("%s:%llu: skipped a line that is not an event (%s)", l->path,
                           (unsigned long long)l->number, why);
        return true;
    }
    if (!r->st->first_ms)
        r->st->first_ms = parsed.rec.time_ms;
    r->st->last_ms = parsed.rec.time_ms;
    r->st->lines++;
    r->cb(r->data, &parsed.rec);
    gw_event_lines_line_clear(&parsed);
    return true;
}

int gw_event_lines_read(const char *data_dir, gw_event_lines_cb cb, void *data,
                        struct gw_event_lines_stats *stats)
{
    struct gw_event_lines_stats local;
    struct reading r = {.cb = cb, .data = data, .st = stats ? stats : &local};
    memset(r.st, 0, sizeof(*r.st));
    int rc = gw_eventlog_read(data_dir, NULL, NULL, line_cb, &r);
    file_done(&r);
    return rc;
}
