#include "ocpi.h"

#include <stdio.h>
#include <string.h>

static const char *const status_words[GW_OCPI_STATUSES] = {
    [GW_OCPI_AVAILABLE] = "AVAILABLE",   [GW_OCPI_BLOCKED] = "BLOCKED",
    [GW_OCPI_CHARGING] = "CHARGING",     [GW_OCPI_INOPERATIVE] = "INOPERATIVE",
    [GW_OCPI_OUTOFORDER] = "OUTOFORDER", [GW_OCPI_PLANNED] = "PLANNED",
    [GW_OCPI_REMOVED] = "REMOVED",       [GW_OCPI_RESERVED] = "RESERVED",
    [GW_OCPI_UNKNOWN] = "UNKNOWN",       [GW_OCPI_OTHER] = "other",
};

enum gw_ocpi_status gw_ocpi_status_of(const char *word)
{
    for (int i = 0; i < GW_OCPI_OTHER; i++)
        if (strcmp(word, status_words[i]) == 0)
            return (enum gw_ocpi_status)i;
    return GW_OCPI_OTHER;
}

const char *gw_ocpi_status_word(enum gw_ocpi_status status)
{
    return status < GW_OCPI_STATUSES ? status_words[status] : "other";
}

enum gw_item_status gw_ocpi_item_status(enum gw_ocpi_status status)
{
    switch (status) {
    case GW_OCPI_AVAILABLE:
    case GW_OCPI_CHARGING:
    case GW_OCPI_RESERVED:
        return GW_ITEM_UP;
    case GW_OCPI_INOPERATIVE:
    case GW_OCPI_OUTOFORDER:
        return GW_ITEM_DOWN;
    case GW_OCPI_PLANNED:
    case GW_OCPI_REMOVED:
        return GW_ITEM_EXCLUDED;
    default:
        return GW_ITEM_UNKNOWN;
    }
}

/* Where a value sits, for messages: "data[3].evses[1]". */
struct where {
    size_t location, evse;
    bool in_evse;
};

static const char *where_text(const struct where *w, char *buf, size_t size)
{
    if (w->in_evse)
        snprintf(buf, size, "data[%zu].evses[%zu]", w->location, w->evse);
    else
        snprintf(buf, size, "data[%zu]", w->location);
    return buf;
}

/*
 * A member that must be a string: 0 with *out set; -1 with err set when it
 * is missing (feed_schema) or of another type (feed_parse).
 */
static int need_string(json_t *obj, const char *key, const struct where *w, const char **out,
                       struct gw_feed_error *err)
{
    char at[48];
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return gw_feed_fail(err, GW_REASON_FEED_SCHEMA, "%s has no %s",
                            where_text(w, at, sizeof(at)), key);
    if (!json_is_string(v))
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s.%s is %s (expected a string)",
                            where_text(w, at, sizeof(at)), key, gw_feed_type_name(v));
    *out = json_string_value(v);
    return 0;
}

/* An optional string member: NULL when absent or not a string. */
static const char *opt_string(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

/* The most watts a connector delivers, as OCPI 2.2.1 says to read it; 0 when unknown. */
static double connector_watts(json_t *c)
{
    json_t *p = json_object_get(c, "max_electric_power");
    if (json_is_number(p))
        return json_number_value(p);
    json_t *v = json_object_get(c, "max_voltage"), *a = json_object_get(c, "max_amperage");
    if (!json_is_number(v) || !json_is_number(a))
        return 0;
    const char *type = opt_string(c, "power_type");
    double phases = type && strcmp(type, "AC_3_PHASE") == 0 ? 3 : 1;
    return json_number_value(v) * json_number_value(a) * phases;
}

static int parse_evse(json_t *evse, json_t *location, const char *location_id,
                      const struct where *w, gw_feed_item_fn fn, void *data,
                      struct gw_ocpi_tally *tally, struct gw_feed_error *err)
{
    char at[48];
    if (!json_is_object(evse))
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s is %s (expected an EVSE object)",
                            where_text(w, at, sizeof(at)), gw_feed_type_name(evse));
    const char *uid, *word;
    if (need_string(evse, "uid", w, &uid, err) < 0 ||
        need_string(evse, "status", w, &word, err) < 0)
        return -1;
    json_t *connectors = json_object_get(evse, "connectors");
    if (connectors && !json_is_array(connectors) && !json_is_null(connectors))
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s.connectors is %s (expected a list)",
                            where_text(w, at, sizeof(at)), gw_feed_type_name(connectors));
    double watts = 0;
    size_t i;
    json_t *c;
    json_array_foreach(connectors, i, c)
    {
        if (json_is_object(c) && connector_watts(c) > watts)
            watts = connector_watts(c);
    }
    enum gw_ocpi_status st = gw_ocpi_status_of(word);
    tally->evses++;
    tally->by_status[st]++;
    uint32_t flags = 0;
    if (watts >= GW_OCPI_RAPID_W) {
        flags |= GW_ITEM_RAPID;
        tally->rapid++;
    }

    char id[256], name[256];
    snprintf(id, sizeof(id), "%s/%s", location_id, uid);
    const char *place = opt_string(location, "name");
    if (!place)
        place = opt_string(location, "address");
    const char *which = opt_string(evse, "physical_reference");
    if (!which)
        which = opt_string(evse, "evse_id");
    if (place && which)
        snprintf(name, sizeof(name), "%s, %s", place, which);
    else
        snprintf(name, sizeof(name), "%s", place ? place : which ? which : "");
    struct gw_feed_item item = {
        .id = id,
        .name = *name ? name : NULL,
        .reason = word,
        .status = gw_ocpi_item_status(st),
        .flags = flags,
    };
    fn(data, &item);
    return 0;
}

static int parse_location(json_t *loc, struct where *w, gw_feed_item_fn fn, void *data,
                          struct gw_ocpi_tally *tally, struct gw_feed_error *err)
{
    char at[48];
    if (!json_is_object(loc))
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s is %s (expected a Location object)",
                            where_text(w, at, sizeof(at)), gw_feed_type_name(loc));
    const char *id;
    if (need_string(loc, "id", w, &id, err) < 0)
        return -1;
    json_t *evses = json_object_get(loc, "evses");
    if (evses && !json_is_array(evses) && !json_is_null(evses))
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "%s.evses is %s (expected a list)",
                            where_text(w, at, sizeof(at)), gw_feed_type_name(evses));
    tally->locations++;
    size_t i;
    json_t *evse;
    json_array_foreach(evses, i, evse)
    {
        w->evse = i;
        w->in_evse = true;
        if (parse_evse(evse, loc, id, w, fn, data, tally, err) < 0)
            return -1;
    }
    w->in_evse = false;
    return 0;
}

int gw_ocpi_parse_page(const char *body, size_t len, gw_feed_item_fn fn, void *data,
                       struct gw_ocpi_tally *tally, struct gw_feed_error *err)
{
    json_t *doc = gw_feed_load(body, len, err);
    if (!doc)
        return -1;
    int rc = -1;
    json_t *code = json_object_get(doc, "status_code");
    json_t *list = json_object_get(doc, "data");
    if (!json_is_object(doc)) {
        gw_feed_fail(err, GW_REASON_FEED_SCHEMA,
                     "the document is %s, not an OCPI response (expected an object with "
                     "status_code and data)",
                     gw_feed_type_name(doc));
    } else if (!code) {
        gw_feed_fail(err, GW_REASON_FEED_SCHEMA, "the OCPI response has no status_code");
    } else if (!json_is_integer(code)) {
        gw_feed_fail(err, GW_REASON_FEED_PARSE, "status_code is %s (expected a number)",
                     gw_feed_type_name(code));
    } else if (json_integer_value(code) != 1000) {
        const char *msg = opt_string(doc, "status_message");
        gw_feed_fail(err, GW_REASON_FEED_ERROR, "OCPI status_code %" JSON_INTEGER_FORMAT "%s%s%s",
                     json_integer_value(code), msg ? ": \"" : " (no status_message)",
                     msg ? msg : "", msg ? "\"" : "");
    } else if (!list || json_is_null(list)) {
        gw_feed_fail(err, GW_REASON_FEED_SCHEMA, "the OCPI response has no data");
    } else if (!json_is_array(list)) {
        gw_feed_fail(err, GW_REASON_FEED_PARSE, "data is %s (expected a list of Locations)",
                     gw_feed_type_name(list));
    } else {
        rc = 0;
        struct where w = {0};
        size_t i;
        json_t *loc;
        json_array_foreach(list, i, loc)
        {
            w.location = i;
            if (parse_location(loc, &w, fn, data, tally, err) < 0) {
                rc = -1;
                break;
            }
        }
    }
    json_decref(doc);
    return rc;
}
