#include "ocpi.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"

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

/*
 * The page is read in one pass with the streaming reader (json_scan.h):
 * nothing of the document is built but the EVSEs it lists, kept until the
 * envelope has said status_code 1000 (which OCPI writes after the data) and
 * then reported in order. A location's name may follow its EVSEs, so they
 * are named when the location ends.
 */

#define KEY_MAX  64
#define TEXT_MAX 256 /* bytes of an id, a name or a word kept */

/* One EVSE of the page; strings are offsets into the page's text arena. */
struct evse {
    size_t id, name, word;
    enum gw_ocpi_status status;
    bool rapid;
};

struct page {
    struct gw_json_scan scan;
    char *arena;
    size_t used, cap;
    struct evse *evses;
    size_t n, evses_cap;
    uint64_t locations;
    enum gw_json_type data; /* the type of `data`; GW_JSON_BAD when there is none */
    struct gw_feed_error *err;
    bool refused; /* err is set */
};

static size_t keep(struct page *pg, const char *s)
{
    size_t len = strlen(s) + 1;
    if (pg->used + len > pg->cap) {
        size_t cap = pg->cap ? pg->cap : 256;
        while (pg->used + len > cap)
            cap *= 2;
        char *a = realloc(pg->arena, cap);
        if (!a)
            abort(); /* as the daemon's own allocations: out of memory is fatal */
        pg->arena = a;
        pg->cap = cap;
    }
    memcpy(pg->arena + pg->used, s, len);
    pg->used += len;
    return pg->used - len;
}

static struct evse *new_evse(struct page *pg)
{
    if (pg->n == pg->evses_cap) {
        pg->evses_cap = pg->evses_cap ? 2 * pg->evses_cap : 256;
        struct evse *e = realloc(pg->evses, pg->evses_cap * sizeof(*e));
        if (!e)
            abort();
        pg->evses = e;
    }
    return &pg->evses[pg->n++];
}

/* Refuses the page (the first reason stands). Returns -1. */
static int refuse(struct page *pg, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(struct page *pg, const char *reason, const char *fmt, ...)
{
    if (pg->refused)
        return -1;
    pg->refused = true;
    pg->err->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pg->err->message, sizeof(pg->err->message), fmt, ap);
    va_end(ap);
    return -1;
}

/* A value that must be a string: 0 with it in buf; -1 with the page refused. */
static int want_string(struct page *pg, const char *where, const char *key, char *buf)
{
    enum gw_json_type t = gw_json_scan_peek(&pg->scan);
    if (t == GW_JSON_NULL) {
        gw_json_scan_skip(&pg->scan);
        return refuse(pg, GW_REASON_FEED_SCHEMA, "%s has no %s", where, key);
    }
    if (t != GW_JSON_STRING && t != GW_JSON_BAD)
        return refuse(pg, GW_REASON_FEED_PARSE, "%s.%s is %s (expected a string)", where, key,
                      gw_json_scan_type_name(t));
    return gw_json_scan_string(&pg->scan, buf, TEXT_MAX, NULL);
}

/* A number that may be there; false when it is not a number. */
static bool opt_number(struct page *pg, double *out)
{
    if (gw_json_scan_peek(&pg->scan) != GW_JSON_NUMBER) {
        gw_json_scan_skip(&pg->scan);
        return false;
    }
    return gw_json_scan_number(&pg->scan, out) == 0;
}

/* The watts of one connector object: max_electric_power, or volts x amps (x 3 phases). */
static double connector_watts(struct page *pg)
{
    struct gw_json_scan *s = &pg->scan;
    if (gw_json_scan_peek(s) != GW_JSON_OBJECT) {
        gw_json_scan_skip(s);
        return 0;
    }
    double power = -1, volts = -1, amps = -1;
    bool three = false;
    char key[KEY_MAX], text[TEXT_MAX];
    gw_json_scan_object(s);
    while (gw_json_scan_member(s, key, sizeof(key)) == 1) {
        if (strcmp(key, "max_electric_power") == 0 && !opt_number(pg, &power))
            power = -1;
        else if (strcmp(key, "max_voltage") == 0 && !opt_number(pg, &volts))
            volts = -1;
        else if (strcmp(key, "max_amperage") == 0 && !opt_number(pg, &amps))
            amps = -1;
        else if (strcmp(key, "power_type") == 0 && gw_json_scan_peek(s) == GW_JSON_STRING)
            three = gw_json_scan_string(s, text, sizeof(text), NULL) == 0 &&
                    strcmp(text, "AC_3_PHASE") == 0;
        else if (strcmp(key, "max_electric_power") && strcmp(key, "max_voltage") &&
                 strcmp(key, "max_amperage"))
            gw_json_scan_skip(s);
    }
    if (power >= 0)
        return power;
    return volts >= 0 && amps >= 0 ? volts * amps * (three ? 3 : 1) : 0;
}

/* An EVSE's id parts, until its location is known in full. */
struct evse_parts {
    char uid[TEXT_MAX], word[TEXT_MAX], which[TEXT_MAX];
    double watts;
};

static int parse_evse(struct page *pg, const char *where, struct evse_parts *ep)
{
    struct gw_json_scan *s = &pg->scan;
    enum gw_json_type t = gw_json_scan_peek(s);
    if (t != GW_JSON_OBJECT)
        return t == GW_JSON_BAD
                   ? -1
                   : refuse(pg, GW_REASON_FEED_PARSE, "%s is %s (expected an EVSE object)", where,
                            gw_json_scan_type_name(t));
    bool has_uid = false, has_status = false;
    char key[KEY_MAX], evse_id[TEXT_MAX] = "", reference[TEXT_MAX] = "";
    ep->watts = 0;
    gw_json_scan_object(s);
    int rc;
    while ((rc = gw_json_scan_member(s, key, sizeof(key))) == 1) {
        if (strcmp(key, "uid") == 0) {
            if (want_string(pg, where, "uid", ep->uid) < 0)
                return -1;
            has_uid = true;
        } else if (strcmp(key, "status") == 0) {
            if (want_string(pg, where, "status", ep->word) < 0)
                return -1;
            has_status = true;
        } else if (strcmp(key, "evse_id") == 0 && gw_json_scan_peek(s) == GW_JSON_STRING) {
            gw_json_scan_string(s, evse_id, sizeof(evse_id), NULL);
        } else if (strcmp(key, "physical_reference") == 0 &&
                   gw_json_scan_peek(s) == GW_JSON_STRING) {
            gw_json_scan_string(s, reference, sizeof(reference), NULL);
        } else if (strcmp(key, "connectors") == 0) {
            t = gw_json_scan_peek(s);
            if (t == GW_JSON_NULL) {
                gw_json_scan_skip(s);
            } else if (t != GW_JSON_ARRAY) {
                return t == GW_JSON_BAD ? -1
                                        : refuse(pg, GW_REASON_FEED_PARSE,
                                                 "%s.connectors is %s (expected a list)", where,
                                                 gw_json_scan_type_name(t));
            } else {
                gw_json_scan_array(s);
                while (gw_json_scan_element(s) == 1) {
                    double w = connector_watts(pg);
                    if (w > ep->watts)
                        ep->watts = w;
                }
            }
        } else {
            gw_json_scan_skip(s);
        }
    }
    if (rc < 0)
        return -1;
    if (!has_uid)
        return refuse(pg, GW_REASON_FEED_SCHEMA, "%s has no uid", where);
    if (!has_status)
        return refuse(pg, GW_REASON_FEED_SCHEMA, "%s has no status", where);
    snprintf(ep->which, sizeof(ep->which), "%s", *reference ? reference : evse_id);
    return 0;
}

static int parse_location(struct page *pg, size_t index)
{
    struct gw_json_scan *s = &pg->scan;
    char where[64];
    snprintf(where, sizeof(where), "data[%zu]", index);
    enum gw_json_type t = gw_json_scan_peek(s);
    if (t != GW_JSON_OBJECT)
        return t == GW_JSON_BAD
                   ? -1
                   : refuse(pg, GW_REASON_FEED_PARSE, "%s is %s (expected a Location object)",
                            where, gw_json_scan_type_name(t));
    char key[KEY_MAX], id[TEXT_MAX], name[TEXT_MAX] = "", address[TEXT_MAX] = "";
    bool has_id = false;
    size_t first = pg->n; /* this location's EVSEs: first .. pg->n */
    /* The parts of each EVSE wait in the arena until the location's name is known. */
    gw_json_scan_object(s);
    int rc;
    while ((rc = gw_json_scan_member(s, key, sizeof(key))) == 1) {
        if (strcmp(key, "id") == 0) {
            if (want_string(pg, where, "id", id) < 0)
                return -1;
            has_id = true;
        } else if (strcmp(key, "name") == 0 && gw_json_scan_peek(s) == GW_JSON_STRING) {
            gw_json_scan_string(s, name, sizeof(name), NULL);
        } else if (strcmp(key, "address") == 0 && gw_json_scan_peek(s) == GW_JSON_STRING) {
            gw_json_scan_string(s, address, sizeof(address), NULL);
        } else if (strcmp(key, "evses") == 0) {
            t = gw_json_scan_peek(s);
            if (t == GW_JSON_NULL) {
                gw_json_scan_skip(s);
                continue;
            }
            if (t != GW_JSON_ARRAY)
                return t == GW_JSON_BAD
                           ? -1
                           : refuse(pg, GW_REASON_FEED_PARSE, "%s.evses is %s (expected a list)",
                                    where, gw_json_scan_type_name(t));
            gw_json_scan_array(s);
            for (size_t i = 0; gw_json_scan_element(s) == 1; i++) {
                char ewhere[96];
                snprintf(ewhere, sizeof(ewhere), "%s.evses[%zu]", where, i);
                struct evse_parts ep;
                if (parse_evse(pg, ewhere, &ep) < 0)
                    return -1;
                struct evse *e = new_evse(pg);
                e->id = keep(pg, ep.uid);
                e->name = keep(pg, ep.which);
                e->word = keep(pg, ep.word);
                e->status = gw_ocpi_status_of(ep.word);
                e->rapid = ep.watts >= GW_OCPI_RAPID_W;
            }
        } else {
            gw_json_scan_skip(s);
        }
    }
    if (rc < 0)
        return -1;
    if (!has_id)
        return refuse(pg, GW_REASON_FEED_SCHEMA, "%s has no id", where);
    pg->locations++;
    /* Now that the location is known: "<location>/<uid>" and "<place>, <which>". */
    const char *place = *name ? name : address;
    for (size_t i = first; i < pg->n; i++) {
        struct evse *e = &pg->evses[i];
        /* Both made before either is kept: keeping may move the arena. */
        char full_id[2 * TEXT_MAX + 4], full_name[2 * TEXT_MAX + 4];
        const char *which = pg->arena + e->name;
        snprintf(full_id, sizeof(full_id), "%s/%s", id, pg->arena + e->id);
        if (*place && *which)
            snprintf(full_name, sizeof(full_name), "%s, %s", place, which);
        else
            snprintf(full_name, sizeof(full_name), "%s", *place ? place : which);
        e->id = keep(pg, full_id);
        e->name = keep(pg, full_name);
    }
    return 0;
}

/* The envelope: status_code, status_message, data, in any order. */
static int parse_envelope(struct page *pg, double *code, bool *has_code, char *message)
{
    struct gw_json_scan *s = &pg->scan;
    enum gw_json_type t = gw_json_scan_peek(s);
    if (t != GW_JSON_OBJECT) {
        if (t == GW_JSON_BAD || gw_json_scan_skip(s) < 0 || gw_json_scan_end(s) < 0)
            return -1;
        return refuse(pg, GW_REASON_FEED_SCHEMA,
                      "the document is %s, not an OCPI response (expected an object with "
                      "status_code and data)",
                      gw_json_scan_type_name(t));
    }
    char key[KEY_MAX];
    gw_json_scan_object(s);
    int rc;
    while ((rc = gw_json_scan_member(s, key, sizeof(key))) == 1) {
        if (strcmp(key, "status_code") == 0) {
            t = gw_json_scan_peek(s);
            if (t != GW_JSON_NUMBER)
                return t == GW_JSON_BAD ? -1
                                        : refuse(pg, GW_REASON_FEED_PARSE,
                                                 "status_code is %s (expected a number)",
                                                 gw_json_scan_type_name(t));
            gw_json_scan_number(s, code);
            *has_code = true;
        } else if (strcmp(key, "status_message") == 0 && gw_json_scan_peek(s) == GW_JSON_STRING) {
            gw_json_scan_string(s, message, TEXT_MAX, NULL);
        } else if (strcmp(key, "data") == 0) {
            t = gw_json_scan_peek(s);
            if (t == GW_JSON_NULL) {
                gw_json_scan_skip(s);
                continue;
            }
            pg->data = t;
            /* Data of another type is refused once the status_code is known: an
             * error response may carry anything there. */
            if (t != GW_JSON_ARRAY) {
                if (t == GW_JSON_BAD || gw_json_scan_skip(s) < 0)
                    return -1;
                continue;
            }
            gw_json_scan_array(s);
            for (size_t i = 0; (rc = gw_json_scan_element(s)) == 1; i++)
                if (parse_location(pg, i) < 0)
                    return -1;
            if (rc < 0)
                return -1;
        } else {
            gw_json_scan_skip(s);
        }
    }
    return rc < 0 ? -1 : gw_json_scan_end(s);
}

int gw_ocpi_parse_page(const char *body, size_t len, gw_feed_item_fn fn, void *data,
                       struct gw_ocpi_tally *tally, struct gw_feed_error *err)
{
    size_t blank = 0;
    while (body && blank < len && strchr(" \t\r\n", body[blank]) && body[blank])
        blank++;
    if (!body || blank == len)
        return gw_feed_fail(err, GW_REASON_FEED_PARSE, "the document is empty");
    struct page pg = {.err = err, .data = GW_JSON_BAD};
    gw_json_scan_init(&pg.scan, body, len);
    double code = 0;
    bool has_code = false;
    char message[TEXT_MAX] = "";
    int rc = parse_envelope(&pg, &code, &has_code, message);
    /* What is not JSON is said first, wherever it is, as a whole-document parser would. */
    if (rc < 0 && !pg.scan.problem) {
        struct gw_json_scan check;
        gw_json_scan_init(&check, body, len);
        if (gw_json_scan_skip(&check) < 0 || gw_json_scan_end(&check) < 0)
            pg.scan = check;
    }
    if (pg.scan.problem) {
        char where[160];
        gw_json_scan_error(&pg.scan, where, sizeof(where));
        pg.refused = false;
        refuse(&pg, GW_REASON_FEED_PARSE, "not JSON (%s)", where);
    } else if (rc == 0 && !has_code) {
        refuse(&pg, GW_REASON_FEED_SCHEMA, "the OCPI response has no status_code");
    } else if (rc == 0 && code != 1000) {
        refuse(&pg, GW_REASON_FEED_ERROR, "OCPI status_code %.0f%s%s%s", code,
               *message ? ": \"" : " (no status_message)", message, *message ? "\"" : "");
    } else if (rc == 0 && pg.data == GW_JSON_BAD) {
        refuse(&pg, GW_REASON_FEED_SCHEMA, "the OCPI response has no data");
    } else if (rc == 0 && pg.data != GW_JSON_ARRAY) {
        refuse(&pg, GW_REASON_FEED_PARSE, "data is %s (expected a list of Locations)",
               gw_json_scan_type_name(pg.data));
    }
    if (!pg.refused) {
        tally->locations += pg.locations;
        for (size_t i = 0; i < pg.n; i++) {
            const struct evse *e = &pg.evses[i];
            tally->evses++;
            tally->by_status[e->status]++;
            tally->rapid += e->rapid;
            struct gw_feed_item item = {
                .id = pg.arena + e->id,
                .name = pg.arena[e->name] ? pg.arena + e->name : NULL,
                .reason = pg.arena + e->word,
                .status = gw_ocpi_item_status(e->status),
                .flags = e->rapid ? GW_ITEM_RAPID : 0,
            };
            fn(data, &item);
        }
    }
    free(pg.arena);
    free(pg.evses);
    return pg.refused ? -1 : 0;
}
