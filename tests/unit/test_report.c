/*
 * Reports built from a hand-written event log and RRD files made here, for
 * November 2026, checked figure by figure; then every format and language,
 * and the web server's entry points with good and bad paths.
 *
 * The estate:
 *   cardiff/website      en, events: up all month
 *   cardiff/website-cy   cy, parity_with website; events: down 6 Nov 00:00-00:45
 *   cardiff/network      events: down 30 Nov 23:00 to 2 Dec 00:00 (across the month's end)
 *   cardiff/myaccount    depends_on network; events: down 1 h caused by its parent,
 *                        and a maintenance window of 2 h with 30 min down inside
 *   cardiff/chargers     ev-charging; no events; an RRD file (hourly, up 1 except 2 h
 *                        at 0.5) and two charge points' files in chargers.items/
 *   gwynedd/website      events begin on 10 Nov; before that its RRD file (hourly):
 *                        up, except one hour at 0.75 on 5 Nov
 *   powys/website        nothing recorded
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>
#include <rrd.h>

#include "config/config.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "report/report.h"
#include "report/report_period.h"
#include "report/report_render.h"
#include "report/report_web.h"
#include "config_testutil.h"
#include "tmp_testutil.h"
#include "util/diag.h"
#include "util/log.h"
#include "util/london.h"
#include "util/xalloc.h"

#define MINUTE 60000LL
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)

struct fixture {
    char *dir;
    struct gw_plugins *plugins;
    struct gw_host host;
    struct gw_config *config;
    int64_t nov, dec; /* local midnights, ms */
    FILE *log;
    long seq;
};

/* The local midnights that begin and end a month in Wales, in seconds. */
static void month_bounds_s(int year, int month, int64_t *start_s, int64_t *end_s)
{
    int64_t s, e;
    gw_report_period_month_bounds(year, month, &s, &e);
    *start_s = s / 1000;
    *end_s = e / 1000;
}

/* The first instant clocks in Wales show y-m-d h:mi, in seconds. */
static int64_t local_s(int year, int month, int day, int hour, int minute)
{
    int64_t at[2];
    gw_london_instants(year, month, day, hour * 60 + minute, at);
    return at[0];
}

static void event(struct fixture *f, int64_t t, const char *kind, const char *target,
                  const char *from, const char *to, const char *extra)
{
    fprintf(f->log, "{\"v\":1,\"seq\":%ld,\"time_ms\":%lld,\"kind\":\"%s\"", ++f->seq, (long long)t,
            kind);
    if (target)
        fprintf(f->log, ",\"target\":\"%s\"", target);
    if (from)
        fprintf(f->log, ",\"from\":\"%s\",\"to\":\"%s\"", from, to);
    fprintf(f->log, "%s}\n", extra ? extra : "");
}

/* An RRD file of hourly rows over November with the values `row(hour)` gives. */
static void make_rrd(const char *path, const char *const *ds, size_t n_ds, int64_t start_ms,
                     int hours, void (*row)(int hour, double *v))
{
    const char *args[8];
    char defs[4][64];
    for (size_t i = 0; i < n_ds; i++) {
        snprintf(defs[i], sizeof(defs[i]), "DS:%s:GAUGE:7200:0:1", ds[i]);
        args[i] = defs[i];
    }
    args[n_ds] = "RRA:AVERAGE:0.5:1:2400";
    time_t start = (time_t)(start_ms / 1000);
    assert_int_equal(rrd_create_r(path, 3600, start - 3600, (int)n_ds + 1, args), 0);
    char **rows = gw_xcalloc((size_t)hours, sizeof(char *));
    for (int h = 0; h < hours; h++) {
        double v[4];
        row(h, v);
        if (n_ds == 1)
            rows[h] = gw_xasprintf("%lld:%g", (long long)(start + (h + 1) * 3600), v[0]);
        else
            rows[h] = gw_xasprintf("%lld:%g:%g", (long long)(start + (h + 1) * 3600), v[0], v[1]);
    }
    rrd_clear_error();
    int rc = rrd_update_r(path, NULL, hours, (const char **)rows);
    if (rc)
        fprintf(stderr, "rrd_update_r: %s\n", rrd_get_error());
    assert_int_equal(rc, 0);
    for (int h = 0; h < hours; h++)
        free(rows[h]);
    free(rows);
}

static void gwynedd_row(int h, double *v)
{
    v[0] = h == 4 * 24 + 10 ? 0.75 : 1; /* 5 Nov, 10:00-11:00 */
    v[1] = 0;
}

static void chargers_row(int h, double *v)
{
    v[0] = h == 100 || h == 101 ? 0.5 : 1;
    v[1] = 0;
}

static void evse1_row(int h, double *v)
{
    v[0] = 1;
    v[1] = h < 72 ? 0 : 1; /* broken for the first three days */
}

static void evse2_row(int h, double *v)
{
    (void)h;
    v[0] = 1;
    v[1] = 1;
}

static char *path_in(struct fixture *f, const char *rel)
{
    return gw_xasprintf("%s/data/%s", f->dir, rel);
}

static void make_dir(struct fixture *f, const char *rel)
{
    char *p = path_in(f, rel);
    assert_int_equal(mkdir(p, 0755), 0);
    free(p);
}

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    gw_log_set_level(GW_LOG_ERROR);
    f->dir = temp_dir("gw-test-report");
    int64_t s, e;
    month_bounds_s(2026, 11, &s, &e);
    f->nov = s * 1000;
    f->dec = e * 1000;
    make_dir(f, "");
    make_dir(f, "cardiff");
    make_dir(f, "gwynedd");
    make_dir(f, "cardiff/chargers.items");

    const char *core[] = {"up", "degraded"};
    char *p = path_in(f, "gwynedd/website.rrd");
    make_rrd(p, core, 2, f->nov, 720, gwynedd_row);
    free(p);
    p = path_in(f, "cardiff/chargers.rrd");
    make_rrd(p, core, 2, f->nov, 720, chargers_row);
    free(p);
    const char *item[] = {"up", "working"};
    p = path_in(f, "cardiff/chargers.items/evse%2F1.rrd");
    make_rrd(p, item, 2, f->nov, 720, evse1_row);
    free(p);
    p = path_in(f, "cardiff/chargers.items/evse%2F2.rrd");
    make_rrd(p, item, 2, f->nov, 720, evse2_row);
    free(p);

    p = path_in(f, "events.jsonl");
    f->log = fopen(p, "w");
    free(p);
    int64_t n = f->nov;
    event(f, n - DAY, "start", NULL, NULL, NULL, NULL);
    const char *from_start[] = {"cardiff/website", "cardiff/website-cy", "cardiff/network",
                                "cardiff/myaccount"};
    for (size_t i = 0; i < 4; i++)
        event(f, n - DAY + MINUTE, "state", from_start[i], "pending", "up", NULL);
    event(f, n + 5 * DAY, "state", "cardiff/website-cy", "up", "down",
          ",\"reason\":\"http_status\"");
    event(f, n + 5 * DAY + 45 * MINUTE, "state", "cardiff/website-cy", "down", "up", NULL);
    event(f, n + 7 * DAY, "state", "cardiff/myaccount", "up", "down",
          ",\"reason\":\"connect_timeout\",\"cause\":\"parent\","
          "\"cause_target\":\"cardiff/network\"");
    event(f, n + 7 * DAY + HOUR, "state", "cardiff/myaccount", "down", "up", NULL);
    event(f, n + 8 * DAY, "maintenance_start", "cardiff/myaccount", NULL, NULL, NULL);
    event(f, n + 8 * DAY + HOUR, "state", "cardiff/myaccount", "up", "down",
          ",\"reason\":\"http_status\",\"cause\":\"maintenance\"");
    event(f, n + 8 * DAY + 90 * MINUTE, "state", "cardiff/myaccount", "down", "up", NULL);
    event(f, n + 8 * DAY + 2 * HOUR, "maintenance_end", "cardiff/myaccount", NULL, NULL, NULL);
    event(f, n + 9 * DAY + 12 * HOUR, "state", "gwynedd/website", "pending", "up", NULL);
    event(f, n + 29 * DAY + 23 * HOUR, "state", "cardiff/network", "up", "down",
          ",\"reason\":\"connect_refused\"");
    event(f, n + 31 * DAY, "state", "cardiff/network", "down", "up", NULL);
    fclose(f->log);
    f->log = NULL;

    f->plugins = test_plugins_load();
    gw_host_init(&f->host, NULL);
    char *yaml = gw_xasprintf(
        "daemon:\n  data_dir: %s/data\n  listen: \"\"\n"
        "defaults:\n  sla: 99.9%%\n  host: 127.0.0.1\n  port: 9\n"
        "councils:\n"
        "  - id: cardiff\n    name: Cardiff Council\n    name_cy: Cyngor Caerdydd\n"
        "    sla: 99.5%%\n    targets:\n"
        "      - {check: tcp, id: website, category: digital-services, language: en, name: "
        "Website}\n"
        "      - {check: tcp, id: website-cy, category: digital-services, language: cy,\n"
        "         parity_with: website, name: Gwefan}\n"
        "      - {check: tcp, id: network, category: connectivity}\n"
        "      - {check: tcp, id: myaccount, category: digital-services, depends_on: network}\n"
        "      - {check: tcp, id: chargers, category: ev-charging}\n"
        "  - id: gwynedd\n    name: Gwynedd Council\n    name_cy: Cyngor Gwynedd\n"
        "    targets:\n"
        "      - {check: tcp, id: website, category: digital-services}\n"
        "  - id: powys\n    name: Powys County Council\n    targets:\n"
        "      - {check: tcp, id: website, category: digital-services}\n",
        f->dir);
    f->config = test_config_load("report.yaml", yaml, f->plugins, &f->host);
    free(yaml);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    gw_config_unref(f->config);
    gw_plugins_free(f->plugins);
    tree_remove(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static struct gw_report *build(struct fixture *f, const char *council, const char *category,
                               int64_t now)
{
    struct gw_report_request req = {
        .start_ms = f->nov,
        .end_ms = f->dec,
        .year = 2026,
        .month = 11,
        .council = council,
        .category = category,
        .now_ms = now,
    };
    struct gw_report *r;
    char *err = NULL;
    int rc = gw_report_build(f->config, &req, &r, &err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    return r;
}

static const struct gw_report_target *target_of(const struct gw_report *r, const char *id)
{
    for (size_t i = 0; i < r->n_councils; i++)
        for (size_t k = 0; k < r->councils[i].n_targets; k++)
            if (strcmp(r->councils[i].targets[k].conf->id, id) == 0)
                return &r->councils[i].targets[k];
    fail_msg("no target %s in the report", id);
    return NULL;
}

static const struct gw_report_council *council_of(const struct gw_report *r, const char *id)
{
    for (size_t i = 0; i < r->n_councils; i++)
        if (strcmp(r->councils[i].conf->id, id) == 0)
            return &r->councils[i];
    fail_msg("no council %s in the report", id);
    return NULL;
}

static void test_report_month_figures(void **state)
{
    struct fixture *f = *state;
    struct gw_report *r = build(f, NULL, NULL, f->dec + 10 * DAY);
    assert_true(r->event_log);
    assert_int_equal(r->measured_end_ms, f->dec);

    const struct gw_report_target *t = target_of(r, "cardiff/website");
    assert_int_equal(t->source, GW_REPORT_SOURCE_EVENTS);
    assert_int_equal(t->fig.up_ms, 720 * HOUR);
    assert_int_equal(t->sla_result, GW_REPORT_SLA_MET);
    assert_true(fabs(t->sla - 0.995) < 1e-12); /* the council's */

    t = target_of(r, "cardiff/website-cy");
    assert_int_equal(t->fig.down_ms, 45 * MINUTE);
    assert_int_equal(t->n_outages, 1);
    assert_string_equal(t->outages[0].reason, "http_status");
    assert_int_equal(t->sla_result, GW_REPORT_SLA_MET); /* 99.896% against 99.5% */

    t = target_of(r, "cardiff/network");
    assert_int_equal(t->fig.down_ms, HOUR);
    assert_true(t->outages[0].continues_after);
    assert_false(t->outages[0].ongoing);
    assert_int_equal(t->outages[0].down_all_ms, 25 * HOUR);

    t = target_of(r, "cardiff/myaccount");
    assert_int_equal(t->fig.down_ms, HOUR);
    assert_int_equal(t->fig.down_parent_ms, HOUR);
    assert_int_equal(t->fig.maintenance_ms, 2 * HOUR);
    assert_int_equal(t->fig.outages, 1);
    assert_string_equal(t->outages[0].cause_target, "cardiff/network");

    /* Before its first event (10 Nov, 12:00) gwynedd/website is read from its RRD file. */
    t = target_of(r, "gwynedd/website");
    assert_int_equal(t->source, GW_REPORT_SOURCE_EVENTS);
    assert_int_equal(t->fig.down_ms, 15 * MINUTE);
    assert_int_equal(t->fig.outages, 1);
    assert_int_equal(t->fig.unmonitored_ms, 0);
    assert_true(isnan(t->sla) == false && fabs(t->sla - 0.999) < 1e-12);

    t = target_of(r, "cardiff/chargers");
    assert_int_equal(t->source, GW_REPORT_SOURCE_RRD);
    assert_int_equal(t->fig.down_ms, HOUR);
    assert_int_equal(t->fig.outages, 1);

    t = target_of(r, "powys/website");
    assert_int_equal(t->source, GW_REPORT_SOURCE_NONE);
    assert_int_equal(t->fig.unmonitored_ms, 720 * HOUR);
    assert_true(isnan(gw_timeline_availability(&t->fig)));
    assert_int_equal(t->sla_result, GW_REPORT_SLA_NONE);

    /* Councils add their targets' times; the league leaves out what was not measured. */
    const struct gw_report_council *c = council_of(r, "cardiff");
    assert_int_equal(c->total.n_targets, 5);
    assert_int_equal(c->total.fig.down_ms, 45 * MINUTE + HOUR + HOUR + HOUR);
    assert_int_equal(c->total.fig.outages, 4);
    assert_int_equal(c->n_categories, 3);
    assert_int_equal(r->n_league, 2);
    assert_string_equal(r->councils[r->league[0]].conf->id, "gwynedd");
    assert_int_equal(council_of(r, "gwynedd")->rank, 1);
    assert_int_equal(council_of(r, "cardiff")->rank, 2);
    assert_int_equal(council_of(r, "powys")->rank, 0);
    assert_int_equal(r->wales.n_targets, 7);
    assert_int_equal(r->wales.n_measured, 6);

    /* Parity: the Welsh site was down 45 minutes while the English one was up. */
    assert_int_equal(r->n_parity, 1);
    assert_string_equal(r->parity[0].welsh->id, "cardiff/website-cy");
    assert_string_equal(r->parity[0].english->id, "cardiff/website");
    assert_int_equal(r->parity[0].p.a_only_down_ms, 45 * MINUTE);
    assert_int_equal(r->parity[0].p.b_only_down_ms, 0);

    /* Charge points: one broken for three days of 30; the feed's figure from the file. */
    assert_int_equal(r->n_pcpr, 1);
    assert_int_equal(r->pcpr[0].n_chargers, 2);
    assert_string_equal(r->pcpr[0].chargers[0].id, "evse/1");
    assert_true(fabs(gw_pcpr_reliability(&r->pcpr[0].chargers[0].p) - 27.0 / 30.0) < 1e-9);
    assert_true(fabs(gw_pcpr_reliability(&r->pcpr[0].network) - 57.0 / 60.0) < 1e-9);
    assert_true(isnan(r->pcpr[0].rapid_reliability)); /* this file has no such figure */
    gw_report_free(r);
}

static void test_report_filters_and_partial_month(void **state)
{
    struct fixture *f = *state;
    /* On 15 November at noon: the month so far. */
    struct gw_report *r = build(f, "cardiff", "digital-services", f->nov + 14 * DAY + 12 * HOUR);
    assert_int_equal(r->n_councils, 1);
    assert_int_equal(r->councils[0].n_targets, 3);
    assert_int_equal(r->measured_end_ms, f->nov + 14 * DAY + 12 * HOUR);
    assert_int_equal(r->wales.fig.period_ms, 3 * (14 * DAY + 12 * HOUR));
    /* The pair is reported with its English side, which is in the filter too. */
    assert_int_equal(r->n_parity, 1);
    assert_int_equal(r->n_pcpr, 0);
    char *table = gw_report_render(r, GW_REPORT_FORMAT_TABLE, GW_LANG_EN, NULL, NULL);
    assert_non_null(strstr(table, "November 2026 (so far: until 15 Nov 2026, 12:00)"));
    assert_non_null(strstr(table, "24/7 service delivery: Cardiff Council, Digital services"));
    free(table);
    gw_report_free(r);

    struct gw_report_request req = {.start_ms = f->nov, .end_ms = f->dec, .now_ms = f->dec};
    char *err = NULL;
    req.council = "atlantis";
    assert_int_equal(gw_report_build(f->config, &req, &r, &err), -ENOENT);
    assert_non_null(strstr(err, "atlantis"));
    free(err);
    req.council = NULL;
    req.category = "space";
    assert_int_equal(gw_report_build(f->config, &req, &r, &err), -ENOENT);
    free(err);
    req.category = NULL;
    req.end_ms = req.start_ms;
    assert_int_equal(gw_report_build(f->config, &req, &r, &err), -EINVAL);
    free(err);
}

/* Every line of a CSV text has `fields` fields (no field here holds a quoted comma). */
static void assert_csv_shape(const char *csv, size_t fields)
{
    size_t lines = 0;
    for (const char *p = csv; *p;) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        size_t commas = 0;
        bool quoted = false;
        for (const char *q = p; q < eol; q++) {
            if (*q == '"')
                quoted = !quoted;
            else if (*q == ',' && !quoted)
                commas++;
        }
        assert_int_equal(commas + 1, fields);
        lines++;
        p = eol + 2;
    }
    assert_true(lines > 1);
}

static void test_report_formats(void **state)
{
    struct fixture *f = *state;
    struct gw_report *r = build(f, NULL, NULL, f->dec + DAY);

    char *csv = gw_report_render(r, GW_REPORT_FORMAT_CSV, GW_LANG_EN, NULL, NULL);
    assert_csv_shape(csv, 22);
    assert_non_null(strstr(csv, "target,cardiff,Cardiff Council,Digital services,"
                                "cardiff/website-cy,Gwefan,99.895,45.000,0.000,1,45.000,"));
    assert_non_null(strstr(csv, "\r\nwales,,,,,,"));
    free(csv);
    csv = gw_report_render(r, GW_REPORT_FORMAT_CSV, GW_LANG_CY, NULL, NULL);
    assert_csv_shape(csv, 22);
    assert_non_null(strstr(csv, "targed,cardiff,Cyngor Caerdydd,Gwasanaethau digidol,"));
    free(csv);

    size_t len;
    char *text = gw_report_render(r, GW_REPORT_FORMAT_JSON, GW_LANG_CY, NULL, &len);
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), GW_REPORT_VERSION);
    assert_string_equal(json_string_value(json_object_get(doc, "lang")), "cy");
    json_t *period = json_object_get(doc, "period");
    assert_string_equal(json_string_value(json_object_get(period, "month")), "2026-11");
    assert_string_equal(json_string_value(json_object_get(period, "start")),
                        "2026-11-01T00:00:00Z");
    assert_true(json_is_true(json_object_get(period, "complete")));
    json_t *councils = json_object_get(doc, "councils");
    assert_int_equal(json_array_size(councils), 3);
    json_t *cardiff = json_array_get(councils, 0);
    assert_string_equal(json_string_value(json_object_get(cardiff, "name")), "Cyngor Caerdydd");
    json_t *cy = json_array_get(json_object_get(cardiff, "targets"), 1);
    json_t *fig = json_object_get(cy, "figures");
    assert_true(fabs(json_real_value(json_object_get(fig, "downtime_minutes")) - 45.0) < 1e-9);
    assert_true(json_is_null(json_object_get(
        json_object_get(json_array_get(json_object_get(cardiff, "targets"), 0), "figures"),
        "mttr_minutes")));
    json_t *outage = json_array_get(json_object_get(cy, "outages"), 0);
    assert_string_equal(json_string_value(json_object_get(outage, "start")),
                        "2026-11-06T00:00:00Z");
    assert_int_equal(json_array_size(json_object_get(doc, "league")), 2);
    assert_int_equal(json_array_size(json_object_get(doc, "parity")), 1);
    assert_int_equal(json_array_size(json_object_get(doc, "charge_points")), 1);
    assert_true(json_array_size(json_object_get(doc, "rules")) > 5);
    json_decref(doc);
    free(text);

    char *html = gw_report_render(r, GW_REPORT_FORMAT_HTML, GW_LANG_CY, NULL, NULL);
    assert_non_null(strstr(html, "<html lang=\"cy\">"));
    assert_non_null(strstr(html, "<p class=\"period\">Tachwedd 2026</p>"));
    assert_non_null(strstr(html, "<caption id=\"cap-league\">"));
    assert_non_null(strstr(html, "<th scope=\"row\">Cyngor Gwynedd</th>"));
    assert_non_null(strstr(html, "class=\"missed\""));
    assert_non_null(strstr(html, "<style>"));
    assert_null(strstr(html, "November"));
    free(html);
    struct gw_report_html_options opt = {.stylesheet_href = "/static/style.css?a&b"};
    html = gw_report_render(r, GW_REPORT_FORMAT_HTML, GW_LANG_EN, &opt, NULL);
    assert_non_null(strstr(html, "href=\"/static/style.css?a&amp;b\""));
    assert_null(strstr(html, "<style>"));
    free(html);
    opt.fragment = true;
    html = gw_report_render(r, GW_REPORT_FORMAT_HTML, GW_LANG_EN, &opt, NULL);
    static const char first_line[] = "<p class=\"period\">November 2026</p>\n";
    assert_true(strncmp(html, first_line, strlen(first_line)) == 0);
    assert_null(strstr(html, "<main"));
    assert_null(strstr(html, "<h1"));
    free(html);

    char *table = gw_report_render(r, GW_REPORT_FORMAT_TABLE, GW_LANG_CY, NULL, NULL);
    assert_non_null(strstr(table, "Darparu gwasanaethau 24/7: Cymru\nTachwedd 2026\n"));
    assert_non_null(strstr(table, "  45 mun  "));
    assert_non_null(strstr(table, "99.89 %"));
    free(table);
    gw_report_free(r);
}

static void test_report_web(void **state)
{
    struct fixture *f = *state;
    int64_t now = f->dec + DAY;
    struct gw_report_web_reply out;
    static const struct {
        enum gw_report_web_kind kind;
        const char *rest;
        const char *category;
        unsigned status;
        const char *type_prefix;
    } cases[] = {
        {GW_REPORT_WEB_PAGE, "2026-11", NULL, 200, "text/html"},
        {GW_REPORT_WEB_PAGE, "2026-11/cardiff.csv", NULL, 200, "text/csv"},
        {GW_REPORT_WEB_PAGE, "2026-11/gwynedd.txt", NULL, 200, "text/plain"},
        {GW_REPORT_WEB_PAGE, "2026-11.json", "connectivity", 200, "application/json"},
        {GW_REPORT_WEB_API, "2026-11/cardiff", NULL, 200, "application/json"},
        {GW_REPORT_WEB_API, "2026-11.csv", NULL, 404, "application/json"},
        {GW_REPORT_WEB_API, "2026-11/nowhere", NULL, 404, "application/json"},
        {GW_REPORT_WEB_PAGE, "2026-11/../../etc/passwd", NULL, 404, "text/plain"},
        {GW_REPORT_WEB_PAGE, "2026-11/cardiff%2F..", NULL, 404, "text/plain"},
        {GW_REPORT_WEB_PAGE, "2026-13", NULL, 404, "text/plain"},
        {GW_REPORT_WEB_PAGE, "2026-1", NULL, 404, "text/plain"},
        {GW_REPORT_WEB_PAGE, "2027-01", NULL, 404, "text/plain"}, /* not begun */
        {GW_REPORT_WEB_PAGE, "2026-11.exe", NULL, 404, "text/plain"},
        {GW_REPORT_WEB_PAGE, "", NULL, 404, "text/plain"},
        {GW_REPORT_WEB_PAGE, "2026-11/Cardiff", NULL, 404, "text/plain"},
        {GW_REPORT_WEB_PAGE,
         "2026-11/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL,
         404, "text/plain"},
        {GW_REPORT_WEB_PAGE, "2026-11", "no\nline", 400, "text/plain"},
        {GW_REPORT_WEB_PAGE, "2026-11", "no-such-category", 404, "text/plain"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gw_report_web_handle(f->config, cases[i].kind, cases[i].rest, cases[i].category, GW_LANG_EN,
                             now, NULL, &out);
        if (out.status != cases[i].status)
            fail_msg("%s: status %u, expected %u: %s", cases[i].rest, out.status, cases[i].status,
                     out.body);
        assert_true(strncmp(out.content_type, cases[i].type_prefix, strlen(cases[i].type_prefix)) ==
                    0);
        assert_int_equal(out.len, strlen(out.body));
        if (out.status == 200)
            assert_true(out.complete);
        free(out.body);
    }
    /* The current month is reported so far, and is not complete. */
    gw_report_web_handle(f->config, GW_REPORT_WEB_API, "2026-11", NULL, GW_LANG_CY, f->nov + DAY,
                         NULL, &out);
    assert_int_equal(out.status, 200);
    assert_false(out.complete);
    free(out.body);

    char month[8];
    gw_report_web_last_month(f->dec + DAY, month);
    assert_string_equal(month, "2026-11");
    gw_report_web_last_month(local_s(2027, 1, 1, 0, 30) * 1000, month);
    assert_string_equal(month, "2026-12");
}

static void test_report_parse_periods(void **state)
{
    (void)state;
    int y, m;
    int64_t s, e;
    assert_int_equal(gw_report_period_parse_month("2026-10", &y, &m, &s, &e), 0);
    assert_int_equal(e - s, 745 * HOUR);
    static const char *const bad_months[] = {"2026-1",   "2026-00", "2026-13", "26-11",
                                             "2026-11x", "2026/11", "",        "1969-12"};
    for (size_t i = 0; i < sizeof(bad_months) / sizeof(bad_months[0]); i++)
        assert_int_equal(gw_report_period_parse_month(bad_months[i], &y, &m, &s, &e), -EINVAL);

    int64_t now = local_s(2026, 12, 2, 12, 0) * 1000, t;
    assert_int_equal(gw_report_period_parse_time("2026-07-01", now, &t), 0);
    assert_int_equal(t, gw_london_days(2026, 7, 1) * 86400000 - HOUR); /* BST */
    assert_int_equal(gw_report_period_parse_time("2026-12-01 10:30", now, &t), 0);
    assert_int_equal(t, (gw_london_days(2026, 12, 1) * 86400 + 10 * 3600 + 1800) * 1000);
    assert_int_equal(gw_report_period_parse_time("2026-12-01T10:30:15", now, &t), 0);
    assert_int_equal(gw_report_period_parse_time("2026-12-01T10:30:00Z", now, &t), 0);
    assert_int_equal(gw_report_period_parse_time("2026-12-01T10:30:00+01:00", now, &t), 0);
    assert_int_equal(t, (gw_london_days(2026, 12, 1) * 86400 + 9 * 3600 + 1800) * 1000);
    assert_int_equal(gw_report_period_parse_time("now", now, &t), 0);
    assert_int_equal(t, now);
    assert_int_equal(gw_report_period_parse_time("-7d", now, &t), 0);
    assert_int_equal(t, now - 7 * DAY);
    assert_int_equal(gw_report_period_parse_time("2026-02-30", now, &t), -EINVAL);
    assert_int_equal(gw_report_period_parse_time("2026-12-01 25:00", now, &t), -EINVAL);
    assert_int_equal(gw_report_period_parse_time("yesterday", now, &t), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_month_figures),
        cmocka_unit_test(test_report_filters_and_partial_month),
        cmocka_unit_test(test_report_formats),
        cmocka_unit_test(test_report_web),
        cmocka_unit_test(test_report_parse_periods),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
