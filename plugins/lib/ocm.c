#include "ocm.h"

#include <stdio.h>
#include <string.h>

static const struct {
    long id;
    enum gw_item_status status;
    const char *word;
} status_types[] = {
    {0, GW_ITEM_UNKNOWN, "unknown"},
    {10, GW_ITEM_UP, "available"},
    {20, GW_ITEM_UP, "in use"},
    {30, GW_ITEM_DOWN, "temporarily unavailable"},
    {50, GW_ITEM_UP, "operational"},
    {75, GW_ITEM_DEGRADED, "partly operational"},
    {100, GW_ITEM_DOWN, "not operational"},
    {150, GW_ITEM_EXCLUDED, "planned"},
    {200, GW_ITEM_EXCLUDED, "removed"},
    {210, GW_ITEM_EXCLUDED, "removed (duplicate)"},
};

#define N_STATUS_TYPES (sizeof(status_types) / sizeof(status_types[0]))

enum gw_item_status gw_ocm_item_status(long status_type)
{
    for (size_t i = 0; i < N_STATUS_TYPES; i++)
        if (status_types[i].id == status_type)
            return status_types[i].status;
    return GW_ITEM_UNKNOWN;
}

const char *gw_ocm_status_word(long status_type)
{
    if (status_type < 0)
        return "no status";
    for (size_t i = 0; i < N_STATUS_TYPES; i++)
        if (status_types[i].id == status_type)
            return status_types[i].word;
    return "unknown status type";
}

/*
 * A member that may be a whole number or null: 0 with *out (-1 when absent or
 * null); -1 with err set for another type.
 */
static int opt_id(json_t *obj, const char *key, const char *where, long *out,
                  struct gw_feed_error *err)
{
    json_t *v = json_object_get(obj, key);
    *out = -1;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s.%s is %s (expected a whole number)",
                            where, key, json_is_integer(v) ? "negative" : gw_feed_type_name(v));
    *out = (long)json_integer_value(v);
    return 0;
}

/* The text of obj.a.b when it is a non-empty string, else NULL. */
static const char *opt_text(json_t *obj, const char *a, const char *b)
{
    json_t *v = json_object_get(obj, a);
    if (b)
        v = json_object_get(v, b);
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

static void report(const char *id, const char *site, const char *kind, long status, uint32_t flags,
                   gw_feed_item_fn fn, void *data)
{
    char name[256];
    if (site && kind)
        snprintf(name, sizeof(name), "%s, %s", site, kind);
    else
        snprintf(name, sizeof(name), "%s", site ? site : kind ? kind : "");
    struct gw_feed_item item = {
        .id = id,
        .name = *name ? name : NULL,
        .reason = gw_ocm_status_word(status),
        .status = gw_ocm_item_status(status),
        .flags = flags,
    };
    fn(data, &item);
}

static int parse_poi(json_t *poi, size_t index, gw_feed_item_fn fn, void *data,
                     struct gw_ocm_tally *tally, struct gw_feed_error *err)
{
    char where[48];
    snprintf(where, sizeof(where), "[%zu]", index);
    if (!json_is_object(poi))
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s is %s (expected a charge point object)",
                            where, gw_feed_type_name(poi));
    long id, status;
    if (opt_id(poi, "ID", where, &id, err) < 0 ||
        opt_id(poi, "StatusTypeID", where, &status, err) < 0)
        return -1;
    if (id < 0)
        return gw_feed_fail(err, GW_REASON_FEED_SCHEMA, "%s has no ID", where);
    json_t *conns = json_object_get(poi, "Connections");
    if (conns && !json_is_array(conns) && !json_is_null(conns))
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s.Connections is %s (expected a list)",
                            where, gw_feed_type_name(conns));
    tally->sites++;
    const char *site = opt_text(poi, "AddressInfo", "Title");
    char item_id[64];
    if (json_array_size(conns) == 0) {
        snprintf(item_id, sizeof(item_id), "%ld", id);
        tally->items++;
        report(item_id, site, NULL, status, 0, fn, data);
        return 0;
    }
    size_t i;
    json_t *c;
    json_array_foreach(conns, i, c)
    {
        char cwhere[96];
        snprintf(cwhere, sizeof(cwhere), "%s.Connections[%zu]", where, i);
        if (!json_is_object(c))
            return gw_feed_fail(err, GW_REASON_FEED_PARSE,
                                "%s is %s (expected a connection object)", cwhere,
                                gw_feed_type_name(c));
        long cid, cstatus;
        if (opt_id(c, "ID", cwhere, &cid, err) < 0 ||
            opt_id(c, "StatusTypeID", cwhere, &cstatus, err) < 0)
            return -1;
        json_t *kw = json_object_get(c, "PowerKW");
        if (kw && !json_is_number(kw) && !json_is_null(kw))
            return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s.PowerKW is %s (expected a number)",
                                cwhere, gw_feed_type_name(kw));
        uint32_t flags = json_is_number(kw) && json_number_value(kw) >= 50.0 ? GW_ITEM_RAPID : 0;
        if (cid >= 0)
            snprintf(item_id, sizeof(item_id), "%ld/%ld", id, cid);
        else
            snprintf(item_id, sizeof(item_id), "%ld/%zu", id, i + 1);
        tally->items++;
        tally->rapid += flags ? 1 : 0;
        report(item_id, site, opt_text(c, "ConnectionType", "Title"),
               cstatus >= 0 ? cstatus : status, flags, fn, data);
    }
    return 0;
}

int gw_ocm_parse(const char *body, size_t len, gw_feed_item_fn fn, void *data,
                 struct gw_ocm_tally *tally, struct gw_feed_error *err)
{
    json_t *doc = gw_feed_load(body, len, err);
    if (!doc)
        return -1;
    int rc = 0;
    if (!json_is_array(doc)) {
        rc = gw_feed_fail(err, GW_REASON_FEED_SCHEMA,
                          "the document is %s, not a list of charge points (POIs)",
                          gw_feed_type_name(doc));
    } else {
        size_t i;
        json_t *poi;
        json_array_foreach(doc, i, poi)
        {
            if (parse_poi(poi, i, fn, data, tally, err) < 0) {
                rc = -1;
                break;
            }
        }
    }
    json_decref(doc);
    return rc;
}
