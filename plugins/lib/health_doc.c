#include "health_doc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Spring components nest; deeper than this, a component counts as one. */
#define SPRING_DEPTH_MAX 32

static const struct {
    const char *word;
    enum gw_item_status status;
} words[] = {
    {"pass", GW_ITEM_UP},
    {"ok", GW_ITEM_UP},
    {"up", GW_ITEM_UP},
    {"operational", GW_ITEM_UP},
    {"warn", GW_ITEM_DEGRADED},
    {"warning", GW_ITEM_DEGRADED},
    {"degraded", GW_ITEM_DEGRADED},
    {"degraded_performance", GW_ITEM_DEGRADED},
    {"partial_outage", GW_ITEM_DEGRADED},
    {"fail", GW_ITEM_DOWN},
    {"error", GW_ITEM_DOWN},
    {"down", GW_ITEM_DOWN},
    {"out_of_service", GW_ITEM_DOWN},
    {"major_outage", GW_ITEM_DOWN},
    {"under_maintenance", GW_ITEM_EXCLUDED},
};

enum gw_item_status gw_health_status_of(const char *word)
{
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(words[i].word, word) == 0)
            return words[i].status;
    return GW_ITEM_UNKNOWN;
}

const char *gw_health_format_name(enum gw_health_format format)
{
    switch (format) {
    case GW_HEALTH_JSON:
        return "health+json";
    case GW_HEALTH_SPRING:
        return "spring";
    case GW_HEALTH_STATUSPAGE:
        return "statuspage";
    default:
        return "auto";
    }
}

/* What one parse carries along. */
struct walk {
    const char *const *only;
    gw_feed_item_fn fn;
    void *data;
    struct gw_health_verdict *out;
    bool seen[GW_ITEM_EXCLUDED + 1]; /* statuses that count towards the verdict */
};

static bool wanted(const struct walk *w, const char *a, const char *b, const char *c)
{
    if (!w->only)
        return true;
    for (const char *const *o = w->only; *o; o++)
        if ((a && strcmp(*o, a) == 0) || (b && strcmp(*o, b) == 0) || (c && strcmp(*o, c) == 0))
            return true;
    return false;
}

/* Reports an item unless the component list leaves it out. key: another name it answers to. */
static void report(struct walk *w, const char *id, const char *key, const char *name,
                   const char *word)
{
    if (!wanted(w, id, key, name))
        return;
    enum gw_item_status st = word ? gw_health_status_of(word) : GW_ITEM_UNKNOWN;
    w->seen[st] = true;
    w->out->components++;
    struct gw_feed_item item = {.id = id, .name = name, .reason = word, .status = st};
    w->fn(w->data, &item);
}

/* The document's own status word: counted unless a component list is given. */
static void own_status(struct walk *w, const char *word, enum gw_item_status st)
{
    snprintf(w->out->word, sizeof(w->out->word), "%s", word);
    if (!w->only)
        w->seen[st] = true;
}

static int need_status(json_t *obj, const char *where, const char **out, bool required,
                       struct gw_feed_error *err)
{
    json_t *v = json_object_get(obj, "status");
    *out = NULL;
    if (!v || json_is_null(v))
        return required ? gw_feed_fail(err, GW_REASON_FEED_SCHEMA, "%s has no status", where) : 0;
    if (!json_is_string(v))
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s.status is %s (expected a string)", where,
                            gw_feed_type_name(v));
    *out = json_string_value(v);
    return 0;
}

/* ---- application/health+json ------------------------------------------------------- */

static int parse_health_json(json_t *doc, struct walk *w, struct gw_feed_error *err)
{
    const char *word;
    if (need_status(doc, "the document", &word, true, err) < 0)
        return -1;
    own_status(w, word, gw_health_status_of(word));
    json_t *checks = json_object_get(doc, "checks");
    if (!checks || json_is_null(checks))
        return 0;
    if (!json_is_object(checks))
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "checks is %s (expected an object)",
                            gw_feed_type_name(checks));
    const char *key;
    json_t *list;
    json_object_foreach(checks, key, list)
    {
        char where[120];
        snprintf(where, sizeof(where), "checks[\"%.100s\"]", key);
        /* One check object stands for a list of one. */
        size_t n = json_is_array(list) ? json_array_size(list) : 1;
        if (!json_is_array(list) && !json_is_object(list))
            return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s is %s (expected a list)", where,
                                gw_feed_type_name(list));
        for (size_t i = 0; i < n; i++) {
            json_t *c = json_is_array(list) ? json_array_get(list, i) : list;
            char cwhere[200];
            snprintf(cwhere, sizeof(cwhere), "%s[%zu]", where, i);
            if (!json_is_object(c))
                return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s is %s (expected an object)",
                                    cwhere, gw_feed_type_name(c));
            const char *cword;
            if (need_status(c, cwhere, &cword, false, err) < 0)
                return -1;
            json_t *cid = json_object_get(c, "componentId");
            const char *component = json_is_string(cid) ? json_string_value(cid) : NULL;
            char id[256], name[256];
            if (n == 1)
                snprintf(id, sizeof(id), "%s", key);
            else if (component)
                snprintf(id, sizeof(id), "%s/%s", key, component);
            else
                snprintf(id, sizeof(id), "%s/%zu", key, i + 1);
            if (component)
                snprintf(name, sizeof(name), "%s (%s)", key, component);
            else
                snprintf(name, sizeof(name), "%s", key);
            report(w, id, key, name, cword);
        }
    }
    return 0;
}

/* ---- Spring Boot actuator ------------------------------------------------------------- */

/* True when v is a component: an object with a string status. */
static bool is_component(json_t *v)
{
    return json_is_object(v) && json_is_string(json_object_get(v, "status"));
}

/* The object holding a component's sub-components, or NULL for a leaf. */
static json_t *children_of(json_t *node)
{
    json_t *c = json_object_get(node, "components");
    if (json_is_object(c))
        return c;
    const char *key;
    json_t *v;
    json_t *details = json_object_get(node, "details");
    if (json_is_object(details)) {
        json_object_foreach(details, key, v) if (is_component(v)) return details;
    }
    /* Spring Boot 1.x: components beside the status. */
    json_object_foreach(node, key, v) if (is_component(v)) return node;
    return NULL;
}

static int spring_walk(json_t *node, const char *path, int depth, struct walk *w,
                       struct gw_feed_error *err)
{
    json_t *kids = depth < SPRING_DEPTH_MAX ? children_of(node) : NULL;
    if (!kids) {
        if (depth > 0)
            report(w, path, NULL, path, json_string_value(json_object_get(node, "status")));
        return 0;
    }
    const char *key;
    json_t *v;
    json_object_foreach(kids, key, v)
    {
        if (!json_is_object(v) || !json_object_get(v, "status"))
            continue; /* details of the component itself */
        char sub[256];
        snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "/" : "", key);
        const char *word;
        if (need_status(v, sub, &word, true, err) < 0 || spring_walk(v, sub, depth + 1, w, err) < 0)
            return -1;
    }
    return 0;
}

static int parse_spring(json_t *doc, struct walk *w, struct gw_feed_error *err)
{
    const char *word;
    if (need_status(doc, "the document", &word, true, err) < 0)
        return -1;
    own_status(w, word, gw_health_status_of(word));
    return spring_walk(doc, "", 0, w, err);
}

/* ---- Statuspage summary.json -------------------------------------------------------------- */

static enum gw_item_status indicator_status(const char *indicator)
{
    if (strcmp(indicator, "none") == 0)
        return GW_ITEM_UP;
    if (strcmp(indicator, "minor") == 0 || strcmp(indicator, "major") == 0)
        return GW_ITEM_DEGRADED;
    if (strcmp(indicator, "critical") == 0)
        return GW_ITEM_DOWN;
    return GW_ITEM_UNKNOWN;
}

static int parse_statuspage(json_t *doc, struct walk *w, struct gw_feed_error *err)
{
    json_t *list = json_object_get(doc, "components");
    if (!list || json_is_null(list))
        return gw_feed_fail(err, GW_REASON_FEED_SCHEMA, "the status page has no components");
    if (!json_is_array(list))
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "components is %s (expected a list)",
                            gw_feed_type_name(list));
    json_t *indicator = json_object_get(json_object_get(doc, "status"), "indicator");
    if (json_is_string(indicator))
        own_status(w, json_string_value(indicator), indicator_status(json_string_value(indicator)));
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        char where[48];
        snprintf(where, sizeof(where), "components[%zu]", i);
        if (!json_is_object(c))
            return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s is %s (expected an object)", where,
                                gw_feed_type_name(c));
        if (json_is_true(json_object_get(c, "group")))
            continue; /* a group sums up its components, which are listed too */
        json_t *id = json_object_get(c, "id");
        const char *word;
        if (!id || json_is_null(id))
            return gw_feed_fail(err, GW_REASON_FEED_SCHEMA, "%s has no id", where);
        if (!json_is_string(id))
            return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s.id is %s (expected a string)", where,
                                gw_feed_type_name(id));
        if (need_status(c, where, &word, true, err) < 0)
            return -1;
        json_t *name = json_object_get(c, "name");
        report(w, json_string_value(id), NULL,
               json_is_string(name) ? json_string_value(name) : NULL, word);
    }
    return 0;
}

/* ---- the document ---------------------------------------------------------------------- */

static enum gw_health_format detect(json_t *doc, const char *content_type)
{
    if (content_type && strncasecmp(content_type, "application/health+json", 23) == 0)
        return GW_HEALTH_JSON;
    if (json_is_array(json_object_get(doc, "components")) &&
        (json_is_object(json_object_get(doc, "page")) ||
         json_is_object(json_object_get(doc, "status"))))
        return GW_HEALTH_STATUSPAGE;
    if (json_object_get(doc, "checks"))
        return GW_HEALTH_JSON;
    json_t *status = json_object_get(doc, "status");
    if (!json_is_string(status))
        return GW_HEALTH_AUTO;
    /* Spring writes its statuses in capitals, the health+json draft in small letters. */
    const char *s = json_string_value(status);
    return *s && isupper((unsigned char)*s) ? GW_HEALTH_SPRING : GW_HEALTH_JSON;
}

int gw_health_parse(enum gw_health_format format, const char *content_type, const char *body,
                    size_t len, const char *const *only, gw_feed_item_fn fn, void *data,
                    struct gw_health_verdict *out, struct gw_feed_error *err)
{
    memset(out, 0, sizeof(*out));
    json_t *doc = gw_feed_load(body, len, err);
    if (!doc)
        return -1;
    struct walk w = {.only = only, .fn = fn, .data = data, .out = out};
    int rc = -1;
    if (!json_is_object(doc)) {
        gw_feed_fail(err, GW_REASON_FEED_SCHEMA, "the document is %s, not a health document",
                     gw_feed_type_name(doc));
        goto out;
    }
    out->format = format == GW_HEALTH_AUTO ? detect(doc, content_type) : format;
    switch (out->format) {
    case GW_HEALTH_JSON:
        rc = parse_health_json(doc, &w, err);
        break;
    case GW_HEALTH_SPRING:
        rc = parse_spring(doc, &w, err);
        break;
    case GW_HEALTH_STATUSPAGE:
        rc = parse_statuspage(doc, &w, err);
        break;
    default:
        gw_feed_fail(err, GW_REASON_FEED_SCHEMA,
                     "not a health document (expected application/health+json, a Spring "
                     "/health or a Statuspage summary.json)");
        break;
    }
    if (rc < 0)
        goto out;
    if (w.seen[GW_ITEM_DOWN])
        out->status = GW_ITEM_DOWN;
    else if (w.seen[GW_ITEM_DEGRADED])
        out->status = GW_ITEM_DEGRADED;
    else if (w.seen[GW_ITEM_UP] || w.seen[GW_ITEM_EXCLUDED])
        out->status = GW_ITEM_UP;
    else
        out->status = GW_ITEM_UNKNOWN;
out:
    json_decref(doc);
    return rc;
}
