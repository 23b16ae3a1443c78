#include "json_list.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const default_up[] = {"online",      "up",     "ok",        "pass",
                                         "operational", "active", "available", "true"};
static const char *const default_degraded[] = {"alerting", "degraded", "warn", "warning"};
static const char *const default_unknown[] = {"unknown"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void texts_free(char **texts)
{
    for (size_t i = 0; texts && texts[i]; i++)
        free(texts[i]);
    free(texts);
}

int gw_json_list_conf_set(struct gw_json_list_conf *conf, enum gw_item_status status,
                          const char *const *texts, size_t n)
{
    texts_free(conf->values[status]);
    conf->values[status] = NULL;
    if (n == 0 && status == GW_ITEM_DOWN)
        return 0;
    char **copy = calloc(n + 1, sizeof(*copy));
    if (!copy)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        copy[i] = strdup(texts[i]);
        if (!copy[i]) {
            texts_free(copy);
            return -ENOMEM;
        }
    }
    conf->values[status] = copy;
    return 0;
}

int gw_json_list_conf_init(struct gw_json_list_conf *conf, const char *items, const char *id,
                           const char *status, const char *name, const char **bad)
{
    memset(conf, 0, sizeof(*conf));
    const struct {
        struct gw_feed_path *path;
        const char *text, *key;
    } paths[] = {
        {&conf->items, items, "items"},
        {&conf->id, id, "item_id"},
        {&conf->status, status, "item_status"},
        {&conf->name, name, "item_name"},
    };
    for (size_t i = 0; i < N(paths); i++) {
        int rc = gw_feed_path_init(paths[i].path, paths[i].text);
        if (rc < 0) {
            *bad = paths[i].key;
            gw_json_list_conf_fini(conf);
            return rc;
        }
    }
    if (conf->id.n == 0 || conf->status.n == 0) {
        *bad = conf->id.n == 0 ? "item_id" : "item_status";
        gw_json_list_conf_fini(conf);
        return -EINVAL;
    }
    if (gw_json_list_conf_set(conf, GW_ITEM_UP, default_up, N(default_up)) < 0 ||
        gw_json_list_conf_set(conf, GW_ITEM_DEGRADED, default_degraded, N(default_degraded)) < 0 ||
        gw_json_list_conf_set(conf, GW_ITEM_UNKNOWN, default_unknown, N(default_unknown)) < 0) {
        gw_json_list_conf_fini(conf);
        return -ENOMEM;
    }
    return 0;
}

void gw_json_list_conf_fini(struct gw_json_list_conf *conf)
{
    gw_feed_path_fini(&conf->items);
    gw_feed_path_fini(&conf->id);
    gw_feed_path_fini(&conf->status);
    gw_feed_path_fini(&conf->name);
    for (size_t i = 0; i < N(conf->values); i++) {
        texts_free(conf->values[i]);
        conf->values[i] = NULL;
    }
}

static bool listed(char *const *texts, const char *text)
{
    for (size_t i = 0; texts && texts[i]; i++)
        if (strcasecmp(texts[i], text) == 0)
            return true;
    return false;
}

enum gw_item_status gw_json_list_status(const struct gw_json_list_conf *conf, const char *text)
{
    /* The most specific lists first: a text in two lists takes the first of these. */
    static const enum gw_item_status order[] = {GW_ITEM_EXCLUDED, GW_ITEM_UNKNOWN, GW_ITEM_DOWN,
                                                GW_ITEM_DEGRADED, GW_ITEM_UP};
    for (size_t i = 0; i < N(order); i++)
        if (listed(conf->values[order[i]], text))
            return order[i];
    return conf->values[GW_ITEM_DOWN] ? GW_ITEM_UNKNOWN : GW_ITEM_DOWN;
}

/* A scalar member reached by `path`, as text in buf: 0; 1 when absent or null; -1 for another type.
 */
static int scalar_at(json_t *item, const struct gw_feed_path *path, char *buf, size_t size,
                     const char **out)
{
    json_t *v = gw_feed_path_get(item, path);
    if (!v || json_is_null(v))
        return 1;
    *out = gw_feed_scalar(v, buf, size);
    return *out ? 0 : -1;
}

static void path_text(const struct gw_feed_path *p, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "." : "", p->parts[i]);
}

static int parse_item(const struct gw_json_list_conf *conf, json_t *item, size_t index,
                      gw_feed_item_fn fn, void *data, struct gw_feed_error *err)
{
    if (!json_is_object(item) && !json_is_array(item))
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "item %zu is %s (expected an object)", index,
                            gw_feed_type_name(item));
    char id_buf[256], status_buf[128], name_buf[256], path[128];
    const char *id = NULL, *status = NULL, *name = NULL;
    int rc = scalar_at(item, &conf->id, id_buf, sizeof(id_buf), &id);
    if (rc != 0) {
        path_text(&conf->id, path, sizeof(path));
        return gw_feed_fail(err, rc > 0 ? GW_REASON_FEED_SCHEMA : GW_REASON_FEED_PARSE,
                            rc > 0 ? "item %zu has no %s" : "item %zu: %s is not a single value",
                            index, path);
    }
    json_t *sv = gw_feed_path_get(item, &conf->status);
    if (!sv) {
        path_text(&conf->status, path, sizeof(path));
        return gw_feed_fail(err, GW_REASON_FEED_SCHEMA, "item %s has no %s", id, path);
    }
    if (!json_is_null(sv) && !(status = gw_feed_scalar(sv, status_buf, sizeof(status_buf)))) {
        path_text(&conf->status, path, sizeof(path));
        return gw_feed_fail(err, GW_REASON_FEED_PARSE,
                            "item %s: %s is %s (expected a single value)", id, path,
                            gw_feed_type_name(sv));
    }
    if (conf->name.n)
        scalar_at(item, &conf->name, name_buf, sizeof(name_buf), &name);
    struct gw_feed_item it = {
        .id = id,
        .name = name,
        .reason = status,
        .status = status ? gw_json_list_status(conf, status) : GW_ITEM_UNKNOWN,
        .flags = 0,
    };
    fn(data, &it);
    return 0;
}

int gw_json_list_parse(const struct gw_json_list_conf *conf, const char *body, size_t len,
                       gw_feed_item_fn fn, void *data, struct gw_json_list_tally *tally,
                       struct gw_feed_error *err)
{
    json_t *doc = gw_feed_load(body, len, err);
    if (!doc)
        return -1;
    int rc = 0;
    json_t *list = gw_feed_path_get(doc, &conf->items);
    char path[128];
    path_text(&conf->items, path, sizeof(path));
    if (!list) {
        rc = gw_feed_fail(err, GW_REASON_FEED_SCHEMA, "the document has no %s", path);
    } else if (!json_is_array(list)) {
        rc = gw_feed_fail(err, conf->items.n ? GW_REASON_FEED_PARSE : GW_REASON_FEED_SCHEMA,
                          "%s%s is %s (expected a list)", conf->items.n ? "" : "the document", path,
                          gw_feed_type_name(list));
    } else {
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
            if (parse_item(conf, item, i, fn, data, err) < 0) {
                rc = -1;
                break;
            }
            tally->items++;
        }
    }
    json_decref(doc);
    return rc;
}
