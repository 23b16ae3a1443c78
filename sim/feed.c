#include "feed.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "util/xalloc.h"

#define DEFAULT_NAME "sim"

/* ---- helpers ------------------------------------------------------------------ */

int64_t sim_feed_share_count(const struct sim_share *s, int64_t n)
{
    int64_t k = s->is_ratio ? (int64_t)(s->ratio * (double)n + 0.5) : s->count;
    return k < 0 ? 0 : k > n ? n : k;
}

/* The status of item i of n (see feed.h). */
static const char *status_of(const struct sim_feed *f, int64_t i, int64_t n, const char *dflt)
{
    int64_t start = 0;
    for (size_t s = 0; s < f->n_shares; s++) {
        int64_t k = sim_feed_share_count(&f->shares[s], n);
        if (k > n - start)
            k = n - start;
        if (i < start + k)
            return f->shares[s].status;
        start += k;
    }
    return dflt;
}

/* An RFC 3339 UTC time `ago_s` seconds before now. */
static void iso_time(char *buf, size_t size, long ago_s)
{
    time_t t = time(NULL) - ago_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *feed_name(const struct sim_feed *f)
{
    return f->name && *f->name ? f->name : DEFAULT_NAME;
}

/* Three upper-case letters from the name, for OCPI party ids ("CAR"). */
static void party_id(const char *name, char out[4])
{
    size_t k = 0;
    for (const char *p = name; *p && k < 3; p++)
        if (isalnum((unsigned char)*p))
            out[k++] = (char)toupper((unsigned char)*p);
    while (k < 3)
        out[k++] = 'X';
    out[3] = '\0';
}

/* The name with its first letter upper-case ("Cardiff"). Caller frees. */
static char *title(const char *name)
{
    char *s = gw_xstrdup(name);
    s[0] = (char)toupper((unsigned char)s[0]);
    return s;
}

static void set_str(json_t *o, const char *key, const char *value)
{
    json_object_set_new(o, key, value ? json_string(value) : json_null());
}

static void set_int(json_t *o, const char *key, json_int_t value)
{
    json_object_set_new(o, key, json_integer(value));
}

static void set_fmt(json_t *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_fmt(json_t *o, const char *key, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_object_set_new(o, key, json_string(buf));
}

static json_t *str_array(const char *const *items)
{
    json_t *a = json_array();
    for (; *items; items++)
        json_array_append_new(a, json_string(*items));
    return a;
}

static void dump(json_t *doc, struct sim_feed_page *out)
{
    out->body = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!out->body)
        abort();
    out->len = strlen(out->body);
    json_decref(doc);
}

/* ---- paging ------------------------------------------------------------------- */

/* The URL next links start from: the request's, or another host's for `paging: foreign`. */
struct url_text {
    char text[512];
};

static struct url_text paging_base(const struct sim_feed *f, const struct sim_feed_query *q)
{
    struct url_text u;
    const char *path = strstr(q->url, "://");
    path = path ? path + 3 + strcspn(path + 3, "/") : "";
    if (f->paging == SIM_PAGING_FOREIGN)
        snprintf(u.text, sizeof(u.text), "http://feeds.other.example%s", path);
    else
        snprintf(u.text, sizeof(u.text), "%s", q->url);
    return u;
}

/* ---- OCPI 2.2.1 locations ------------------------------------------------------ */

/* The three kinds of charger the EVSEs cycle through: 150 kW and 50 kW DC, 22 kW AC. */
static const struct {
    const char *standard, *format, *power_type, *tariff;
    int volts, amps, watts;
} chargers[] = {
    {"IEC_62196_T2_COMBO", "CABLE", "DC", "SIM-DC", 920, 164, 150000},
    {"CHADEMO", "CABLE", "DC", "SIM-DC", 500, 125, 50000},
    {"IEC_62196_T2", "SOCKET", "AC_3_PHASE", "SIM-AC", 230, 32, 22000},
};

static json_t *ocpi_evse(const char *party, int64_t loc, int64_t j, const char *status,
                         const char *now)
{
    static const char *const caps[] = {"CONTACTLESS_CARD_SUPPORT", "RFID_READER",
                                       "REMOTE_START_STOP_CAPABLE", NULL};
    json_t *e = json_object();
    set_fmt(e, "uid", "%s-%03lld-%02lld", party, (long long)loc + 1, (long long)j + 1);
    set_fmt(e, "evse_id", "GB*%s*E%03lld%02lld", party, (long long)loc + 1, (long long)j + 1);
    set_str(e, "status", status);
    json_object_set_new(e, "capabilities", str_array(caps));
    size_t k = (size_t)((loc + j) % 3);
    json_t *c = json_object();
    set_str(c, "id", "1");
    set_str(c, "standard", chargers[k].standard);
    set_str(c, "format", chargers[k].format);
    set_str(c, "power_type", chargers[k].power_type);
    set_int(c, "max_voltage", chargers[k].volts);
    set_int(c, "max_amperage", chargers[k].amps);
    set_int(c, "max_electric_power", chargers[k].watts);
    const char *tariffs[] = {chargers[k].tariff, NULL};
    json_object_set_new(c, "tariff_ids", str_array(tariffs));
    set_str(c, "last_updated", now);
    json_t *conns = json_array();
    json_array_append_new(conns, c);
    json_object_set_new(e, "connectors", conns);
    set_fmt(e, "physical_reference", "R%lld", (long long)j + 1);
    set_str(e, "last_updated", now);
    return e;
}

static json_t *ocpi_location(const struct sim_feed *f, const char *party, const char *town,
                             int64_t i, int64_t per, int64_t total_evses, const char *now)
{
    json_t *l = json_object();
    set_str(l, "country_code", "GB");
    set_str(l, "party_id", party);
    set_fmt(l, "id", "%s-%03lld", party, (long long)i + 1);
    json_object_set_new(l, "publish", json_true());
    set_fmt(l, "name", "Maes parcio %lld / Car park %lld", (long long)i + 1, (long long)i + 1);
    set_fmt(l, "address", "%lld Heol y Gwefru", (long long)i + 1);
    set_str(l, "city", town);
    set_str(l, "postal_code", "CF10 1AA");
    set_str(l, "country", "GBR");
    json_t *coord = json_object();
    set_fmt(coord, "latitude", "%.5f", 51.48 + 0.001 * (double)i);
    set_fmt(coord, "longitude", "%.5f", -3.18 - 0.001 * (double)i);
    json_object_set_new(l, "coordinates", coord);
    set_str(l, "parking_type", "PARKING_LOT");
    json_t *evses = json_array();
    for (int64_t j = 0; j < per; j++) {
        const char *st = status_of(f, i * per + j, total_evses, "AVAILABLE");
        json_array_append_new(evses, ocpi_evse(party, i, j, st, now));
    }
    json_object_set_new(l, "evses", evses);
    json_t *op = json_object();
    set_str(op, "name", "Gwefru Sim Cyf (simulated CPO)");
    json_object_set_new(l, "operator", op);
    const char *fac[] = {"PARKING_LOT", NULL};
    json_object_set_new(l, "facilities", str_array(fac));
    set_str(l, "time_zone", "Europe/London");
    json_t *open = json_object();
    json_object_set_new(open, "twentyfourseven", json_true());
    json_object_set_new(l, "opening_times", open);
    set_str(l, "last_updated", now);
    return l;
}

static void render_ocpi(const struct sim_feed *f, const struct sim_feed_query *q,
                        struct sim_feed_page *out)
{
    int64_t n = f->set & SIM_F_ITEMS ? f->items : 6;
    int64_t per = f->set & SIM_F_PER_ITEM ? f->per_item : 3;
    int64_t page = f->set & SIM_F_PAGE_SIZE ? f->page_size : 3;
    /* A client may ask for fewer per page, never more (OCPI: the server caps). */
    int64_t limit = q->limit > 0 && q->limit < page ? q->limit : page;
    int64_t offset = q->offset > 0 ? q->offset : 0;
    char party[4], now[32];
    party_id(feed_name(f), party);
    char *town = title(feed_name(f));
    iso_time(now, sizeof(now), 0);

    json_t *data = json_array();
    for (int64_t i = offset; i < n && i < offset + limit; i++)
        json_array_append_new(data, ocpi_location(f, party, town, i, per, n * per, now));
    json_t *doc = json_object();
    json_object_set_new(doc, "data", data);
    set_int(doc, "status_code", 1000);
    set_str(doc, "status_message", "Success");
    set_str(doc, "timestamp", now);
    dump(doc, out);
    free(town);
    out->content_type = "application/json";
    out->total = n;
    out->limit = limit;
    if (offset + limit < n || f->paging == SIM_PAGING_LOOP) {
        long long next = offset + limit < n ? offset + limit : 0;
        out->next = gw_xasprintf("%s?offset=%lld&limit=%lld", paging_base(f, q).text, next,
                                 (long long)limit);
    }
}

/* ---- Open Charge Map POIs ----------------------------------------------------------- */

static const struct {
    int id;
    const char *title;
    int operational; /* 1 true, 0 false, -1 unknown (null) */
} ocm_statuses[] = {
    {0, "Unknown", -1},
    {10, "Currently Available (Automated Status)", 1},
    {20, "Currently In Use (Automated Status)", 1},
    {30, "Temporarily Unavailable", 1},
    {50, "Operational", 1},
    {75, "Partly Operational (Mixed)", 1},
    {100, "Not Operational", 0},
    {150, "Planned For Future Date", 0},
    {200, "Removed (Decommissioned)", 0},
    {210, "Removed (Duplicate Listing)", 0},
};

static json_t *ocm_status(int id)
{
    json_t *s = json_object();
    for (size_t i = 0; i < sizeof(ocm_statuses) / sizeof(ocm_statuses[0]); i++) {
        if (ocm_statuses[i].id != id)
            continue;
        json_object_set_new(s, "IsOperational",
                            ocm_statuses[i].operational < 0
                                ? json_null()
                                : json_boolean(ocm_statuses[i].operational));
        json_object_set_new(s, "IsUserSelectable", json_true());
        set_int(s, "ID", id);
        set_str(s, "Title", ocm_statuses[i].title);
    }
    return s;
}

static json_t *ocm_connection(int64_t site, int64_t j, int status)
{
    static const struct {
        int type_id;
        const char *title;
        int level, current;
        double kw;
        int amps, volts;
    } kinds[] = {
        {33, "CCS (Type 2)", 3, 30, 150, 164, 920},
        {2, "CHAdeMO", 3, 30, 50, 125, 500},
        {25, "Type 2 (Socket Only)", 2, 20, 22, 32, 400},
    };
    size_t k = (size_t)((site + j) % 3);
    json_t *c = json_object();
    set_int(c, "ID", 1900000 + site * 100 + j + 1);
    set_int(c, "ConnectionTypeID", kinds[k].type_id);
    json_t *ct = json_object();
    set_int(ct, "ID", kinds[k].type_id);
    set_str(ct, "Title", kinds[k].title);
    json_object_set_new(c, "ConnectionType", ct);
    set_int(c, "StatusTypeID", status);
    json_object_set_new(c, "StatusType", ocm_status(status));
    set_int(c, "LevelID", kinds[k].level);
    set_int(c, "Amps", kinds[k].amps);
    set_int(c, "Voltage", kinds[k].volts);
    json_object_set_new(c, "PowerKW", json_real(kinds[k].kw));
    set_int(c, "CurrentTypeID", kinds[k].current);
    set_int(c, "Quantity", 1);
    return c;
}

static void render_ocm(const struct sim_feed *f, struct sim_feed_page *out)
{
    int64_t n = f->set & SIM_F_ITEMS ? f->items : 6;
    int64_t per = f->set & SIM_F_PER_ITEM ? f->per_item : 2;
    char now[32];
    iso_time(now, sizeof(now), 0);
    char *town = title(feed_name(f));
    json_t *doc = json_array();
    for (int64_t i = 0; i < n; i++) {
        int status = atoi(status_of(f, i, n, "50"));
        json_t *p = json_object();
        set_int(p, "ID", 900000 + i + 1);
        set_fmt(p, "UUID", "5B0A5F63-1C2E-4A5B-9D7E-%012lld", (long long)i + 1);
        set_int(p, "DataProviderID", 1);
        set_int(p, "OperatorID", 3999);
        json_t *op = json_object();
        set_int(op, "ID", 3999);
        set_str(op, "Title", "Gwefru Sim (simulated)");
        json_object_set_new(p, "OperatorInfo", op);
        set_int(p, "UsageTypeID", 5);
        json_t *usage = json_object();
        set_int(usage, "ID", 5);
        set_str(usage, "Title", "Public - Pay At Location");
        json_object_set_new(p, "UsageType", usage);
        set_str(p, "UsageCost",
                "\xc2\xa3"
                "0.79/kWh");
        set_int(p, "StatusTypeID", status);
        json_object_set_new(p, "StatusType", ocm_status(status));
        set_int(p, "SubmissionStatusTypeID", 200);
        json_t *addr = json_object();
        set_int(addr, "ID", 901000 + i + 1);
        set_fmt(addr, "Title", "Car park %lld", (long long)i + 1);
        set_fmt(addr, "AddressLine1", "%lld Heol y Gwefru", (long long)i + 1);
        set_str(addr, "Town", town);
        set_str(addr, "Postcode", "CF10 1AA");
        set_int(addr, "CountryID", 1);
        json_object_set_new(addr, "Latitude", json_real(51.48 + 0.001 * (double)i));
        json_object_set_new(addr, "Longitude", json_real(-3.18 - 0.001 * (double)i));
        json_object_set_new(p, "AddressInfo", addr);
        json_t *conns = json_array();
        for (int64_t j = 0; j < per; j++) {
            /* "Partly operational" is a site whose first connection works. */
            int cs = status == 75 ? (j == 0 ? 50 : 100) : status;
            json_array_append_new(conns, ocm_connection(i, j, cs));
        }
        json_object_set_new(p, "Connections", conns);
        set_int(p, "NumberOfPoints", per);
        set_str(p, "DateLastStatusUpdate", now);
        set_str(p, "DateCreated", "2023-06-01T12:00:00Z");
        set_int(p, "DataQualityLevel", 1);
        json_object_set_new(p, "IsRecentlyVerified", json_true());
        json_array_append_new(doc, p);
    }
    free(town);
    dump(doc, out);
    out->content_type = "application/json";
}

/* ---- Meraki device statuses ------------------------------------------------------------ */

/* Meraki pages by device: perPage (capped at page_size) after the serial startingAfter. */
static void meraki_page(const struct sim_feed *f, const struct sim_feed_query *q, const char *party,
                        int64_t n, int64_t *first, int64_t *last, struct sim_feed_page *out)
{
    *first = 0;
    *last = n;
    int64_t size = f->set & SIM_F_PAGE_SIZE ? f->page_size : 0;
    if (size <= 0)
        return;
    int64_t per = q->per_page > 0 && q->per_page < size ? q->per_page : size;
    if (q->starting_after) {
        for (int64_t i = 0; i < n; i++) {
            char serial[48];
            snprintf(serial, sizeof(serial), "Q2XX-%s0-%04lld", party, (long long)i + 1);
            if (strcmp(serial, q->starting_after) == 0)
                *first = i + 1;
        }
    }
    *last = *first + per < n ? *first + per : n;
    struct url_text base_url = paging_base(f, q);
    const char *base = base_url.text;
    out->first = gw_xasprintf("%s?perPage=%lld", q->url, (long long)per);
    if (*last < n || f->paging == SIM_PAGING_LOOP) {
        if (*last < n)
            out->next = gw_xasprintf("%s?perPage=%lld&startingAfter=Q2XX-%s0-%04lld", base,
                                     (long long)per, party, (long long)*last);
        else
            out->next = gw_xasprintf("%s?perPage=%lld", base, (long long)per);
    }
}

static void render_meraki(const struct sim_feed *f, const struct sim_feed_query *q,
                          struct sim_feed_page *out)
{
    int64_t n = f->set & SIM_F_ITEMS ? f->items : 10;
    const char *name = feed_name(f);
    char now[32], then[32];
    iso_time(now, sizeof(now), 0);
    iso_time(then, sizeof(then), 3600);
    char party[4];
    party_id(name, party);
    int64_t from, to;
    meraki_page(f, q, party, n, &from, &to, out);
    json_t *doc = json_array();
    for (int64_t i = from; i < to; i++) {
        const char *status = status_of(f, i, n, "online");
        bool reporting = strcmp(status, "online") == 0 || strcmp(status, "alerting") == 0;
        json_t *d = json_object();
        set_fmt(d, "name", "%s-AP%02lld", party, (long long)i + 1);
        set_fmt(d, "serial", "Q2XX-%s0-%04lld", party, (long long)i + 1);
        set_fmt(d, "mac", "e0:55:3d:%02x:%02x:%02x", (unsigned)((i >> 16) & 0xff),
                (unsigned)((i >> 8) & 0xff), (unsigned)(i & 0xff));
        set_str(d, "publicIp", reporting ? "203.0.113.10" : NULL);
        set_str(d, "networkId", "L_646829496481105433");
        set_str(d, "status", status);
        set_str(d, "lastReportedAt", reporting ? now : then);
        set_str(d, "productType", "wireless");
        json_t *comp = json_object();
        json_object_set_new(comp, "powerSupplies", json_array());
        json_object_set_new(d, "components", comp);
        set_str(d, "model", "MR46");
        json_t *tags = json_array();
        json_array_append_new(tags, json_sprintf("council:%s", name));
        json_array_append_new(tags, json_string("public-wifi"));
        json_object_set_new(d, "tags", tags);
        set_fmt(d, "lanIp", "10.20.%lld.%lld", (long long)(i / 200) + 1, (long long)(i % 200) + 11);
        set_str(d, "gateway", "10.20.0.1");
        set_str(d, "ipType", "dhcp");
        set_str(d, "primaryDns", "10.20.0.1");
        set_str(d, "secondaryDns", "10.20.0.2");
        json_array_append_new(doc, d);
    }
    dump(doc, out);
    out->content_type = "application/json";
}

/* ---- application/health+json ------------------------------------------------------------- */

static json_t *health_check(const char *id, const char *type, double value, const char *unit,
                            const char *status, const char *now)
{
    json_t *c = json_object();
    if (id)
        set_str(c, "componentId", id);
    set_str(c, "componentType", type);
    json_object_set_new(c, "observedValue", json_real(value));
    set_str(c, "observedUnit", unit);
    set_str(c, "status", status);
    set_str(c, "time", now);
    json_t *a = json_array();
    json_array_append_new(a, c);
    return a;
}

static void render_health(const struct sim_feed *f, struct sim_feed_page *out)
{
    const char *status = f->health ? f->health : "pass";
    char now[32];
    iso_time(now, sizeof(now), 0);
    json_t *doc = json_object();
    set_str(doc, "status", status);
    set_str(doc, "version", "1");
    set_str(doc, "releaseId", "3.2.0");
    set_fmt(doc, "serviceId", "gwyliwr-sim-%s", feed_name(f));
    set_fmt(doc, "description", "Fy Nghyfrif / My Account API (%s, simulated)", feed_name(f));
    json_t *checks = json_object();
    json_object_set_new(checks, "uptime",
                        health_check(NULL, "system", 1209600.5, "s", "pass", now));
    bool fail = strcmp(status, "fail") == 0, warn = strcmp(status, "warn") == 0;
    json_object_set_new(checks, "postgresql:responseTime",
                        health_check("db-primary", "datastore",
                                     fail   ? 0
                                     : warn ? 480
                                            : 7,
                                     "ms", status, now));
    json_object_set_new(doc, "checks", checks);
    if (fail) {
        set_str(doc, "output", "database unreachable");
        json_t *notes = json_array();
        json_array_append_new(notes, json_string("Form submissions are failing"));
        json_object_set_new(doc, "notes", notes);
    }
    dump(doc, out);
    out->content_type = "application/health+json";
}

/* ---- Statuspage summary.json -------------------------------------------------------------- */

static const struct {
    const char *status, *indicator, *description;
} severities[] = {
    /* In rising order of severity. */
    {"operational", "none", "All Systems Operational"},
    {"under_maintenance", "maintenance", "Service Under Maintenance"},
    {"degraded_performance", "minor", "Minor Service Outage"},
    {"partial_outage", "major", "Partial System Outage"},
    {"major_outage", "critical", "Major System Outage"},
};

static size_t severity(const char *status)
{
    for (size_t i = 0; i < sizeof(severities) / sizeof(severities[0]); i++)
        if (strcmp(severities[i].status, status) == 0)
            return i;
    return 0;
}

static json_t *sp_component(size_t i, const char *name, const char *status, const char *now)
{
    json_t *c = json_object();
    set_fmt(c, "id", "cmp%010zu", i + 1);
    set_str(c, "name", name);
    set_str(c, "status", status);
    set_str(c, "created_at", "2023-01-10T12:00:00.000Z");
    set_str(c, "updated_at", now);
    set_int(c, "position", (json_int_t)i + 1);
    set_str(c, "description", NULL);
    json_object_set_new(c, "showcase", json_true());
    set_str(c, "start_date", "2023-01-10");
    set_str(c, "group_id", NULL);
    set_str(c, "page_id", "gwyliwrsim01");
    json_object_set_new(c, "group", json_false());
    json_object_set_new(c, "only_show_if_degraded", json_false());
    return c;
}

/* An incident or maintenance naming the components it affects. */
static json_t *sp_event(const char *id, const char *name, const char *status, const char *impact,
                        json_t *components, const char *now)
{
    json_t *e = json_object();
    set_str(e, "id", id);
    set_str(e, "name", name);
    set_str(e, "status", status);
    set_str(e, "created_at", now);
    set_str(e, "updated_at", now);
    set_str(e, "monitoring_at", NULL);
    set_str(e, "resolved_at", NULL);
    set_str(e, "impact", impact);
    set_str(e, "shortlink", "https://stspg.io/gwyliwr-sim");
    set_str(e, "started_at", now);
    set_str(e, "page_id", "gwyliwrsim01");
    json_object_set_new(e, "incident_updates", json_array());
    json_object_set_new(e, "components", components);
    return e;
}

static void render_statuspage(const struct sim_feed *f, struct sim_feed_page *out)
{
    static const struct sim_pair defaults[] = {
        {"Gwefan / Website", "operational"},
        {"Fy Nghyfrif / My Account", "operational"},
        {"Ffurflenni ar-lein / Online forms", "operational"},
    };
    const struct sim_pair *comps = f->n_components ? f->components : defaults;
    size_t n = f->n_components ? f->n_components : sizeof(defaults) / sizeof(defaults[0]);
    char now[32];
    iso_time(now, sizeof(now), 0);

    json_t *doc = json_object();
    json_t *page = json_object();
    set_str(page, "id", "gwyliwrsim01");
    set_fmt(page, "name", "%s digital services (simulated)", feed_name(f));
    set_str(page, "url", "https://status.example.gov.uk");
    set_str(page, "time_zone", "Europe/London");
    set_str(page, "updated_at", now);
    json_object_set_new(doc, "page", page);

    json_t *list = json_array(), *down = json_array(), *maint = json_array();
    size_t worst = 0, worst_outage = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *c = sp_component(i, comps[i].name, comps[i].value, now);
        json_array_append(list, c);
        size_t sev = severity(comps[i].value);
        if (sev > worst)
            worst = sev;
        if (strcmp(comps[i].value, "under_maintenance") == 0) {
            json_array_append(maint, c);
        } else if (sev > 0) {
            json_array_append(down, c);
            if (sev > worst_outage)
                worst_outage = sev;
        }
        json_decref(c);
    }
    json_object_set_new(doc, "components", list);

    json_t *incidents = json_array();
    if (json_array_size(down))
        json_array_append_new(incidents,
                              sp_event("inc0000000001", "Service disruption", "investigating",
                                       severities[worst_outage].indicator, down, now));
    else
        json_decref(down);
    json_object_set_new(doc, "incidents", incidents);
    json_t *maintenances = json_array();
    if (json_array_size(maint))
        json_array_append_new(maintenances, sp_event("mnt0000000001", "Planned maintenance",
                                                     "in_progress", "maintenance", maint, now));
    else
        json_decref(maint);
    json_object_set_new(doc, "scheduled_maintenances", maintenances);

    json_t *st = json_object();
    set_str(st, "indicator", severities[worst].indicator);
    set_str(st, "description", severities[worst].description);
    json_object_set_new(doc, "status", st);
    dump(doc, out);
    out->content_type = "application/json";
}

void sim_feed_render(const struct sim_feed *f, const struct sim_feed_query *q,
                     struct sim_feed_page *out)
{
    memset(out, 0, sizeof(*out));
    out->total = -1;
    out->limit = -1;
    switch (f->type) {
    case SIM_FEED_OCPI:
        render_ocpi(f, q, out);
        break;
    case SIM_FEED_OCM:
        render_ocm(f, out);
        break;
    case SIM_FEED_MERAKI:
        render_meraki(f, q, out);
        break;
    case SIM_FEED_HEALTH:
        render_health(f, out);
        break;
    case SIM_FEED_STATUSPAGE:
        render_statuspage(f, out);
        break;
    case SIM_FEED_NONE:
        out->body = gw_xstrdup("");
        out->content_type = "application/json";
        break;
    }
}

void sim_feed_page_clear(struct sim_feed_page *page)
{
    free(page->body);
    free(page->next);
    free(page->first);
    memset(page, 0, sizeof(*page));
}
