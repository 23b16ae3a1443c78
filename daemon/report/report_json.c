/*
 * The report as JSON: the document docs/reports.md describes, the same
 * shape the web server serves at /api/v1/reports/... Keys are English and
 * stable; names and the accounting rules are in the report's language.
 * Times are RFC 3339 in UTC with their milliseconds since the epoch beside;
 * durations are minutes (to a thousandth); ratios are 0..1; a figure that
 * does not exist (no outage for an MTTR) is null.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "i18n/reason.h"
#include "report/report_render.h"
#include "report/report_text.h"
#include "util/xalloc.h"

static json_t *ratio(double r)
{
    return isnan(r) ? json_null() : json_real(r);
}

static json_t *minutes(int64_t ms)
{
    return ms < 0 ? json_null() : json_real(round((double)ms / 60.0) / 1000.0);
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *rfc3339(int64_t ms)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
    int frac = (int)(ms - (int64_t)t * 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[40];
    size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac)
        snprintf(buf + n, sizeof(buf) - n, ".%03dZ", frac);
    else
        snprintf(buf + n, sizeof(buf) - n, "Z");
    return json_string(buf);
}

static const char *sla_word(enum gw_report_sla s)
{
    return s == GW_REPORT_SLA_MET ? "met" : s == GW_REPORT_SLA_MISSED ? "missed" : NULL;
}

static json_t *figures(const struct gw_timeline_figures *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "availability", ratio(gw_timeline_availability(f)));
    json_object_set_new(o, "period_minutes", minutes(f->period_ms));
    json_object_set_new(o, "up_minutes", minutes(f->up_ms));
    json_object_set_new(o, "degraded_minutes", minutes(f->degraded_ms));
    json_object_set_new(o, "downtime_minutes", minutes(f->down_ms));
    json_object_set_new(o, "downtime_parent_minutes", minutes(f->down_parent_ms));
    json_object_set_new(o, "maintenance_minutes", minutes(f->maintenance_ms));
    json_object_set_new(o, "unknown_minutes", minutes(f->unknown_ms));
    json_object_set_new(o, "not_monitored_minutes", minutes(f->unmonitored_ms));
    json_object_set_new(o, "outages", json_integer(f->outages));
    json_object_set_new(o, "longest_outage_minutes",
                        f->outages ? minutes(f->longest_outage_ms) : json_null());
    json_object_set_new(o, "mttr_minutes", minutes(gw_timeline_mttr_ms(f)));
    json_object_set_new(o, "mtbf_minutes", minutes(gw_timeline_mtbf_ms(f)));
    return o;
}

static json_t *group(const struct gw_report_group *g, enum gw_lang lang, bool with_category)
{
    json_t *o = json_object();
    if (with_category) {
        json_object_set_new(o, "category", string_or_null(g->category));
        json_object_set_new(o, "label", json_string(gw_i18n_category(lang, g->category)));
    }
    json_object_set_new(o, "targets", json_integer((json_int_t)g->n_targets));
    json_object_set_new(o, "measured", json_integer((json_int_t)g->n_measured));
    json_object_set_new(o, "sla_met", json_integer((json_int_t)g->sla_met));
    json_object_set_new(o, "sla_missed", json_integer((json_int_t)g->sla_missed));
    json_object_set_new(o, "figures", figures(&g->fig));
    return o;
}

static json_t *outage(const struct gw_timeline_outage *o, enum gw_lang lang)
{
    json_t *j = json_object();
    json_object_set_new(j, "start", rfc3339(o->start_ms));
    json_object_set_new(j, "start_ms", json_integer(o->start_ms));
    json_object_set_new(j, "end", o->ongoing ? json_null() : rfc3339(o->end_ms));
    json_object_set_new(j, "end_ms", o->ongoing ? json_null() : json_integer(o->end_ms));
    json_object_set_new(j, "downtime_minutes", minutes(o->down_ms));
    json_object_set_new(j, "downtime_all_minutes", minutes(o->down_all_ms));
    json_object_set_new(j, "reason", string_or_null(o->reason));
    struct gw_strbuf words = {0};
    json_object_set_new(j, "reason_text",
                        gw_reason_phrase(&words, lang, o->reason, NULL)
                            ? json_string(gw_strbuf_str(&words))
                            : json_null());
    gw_strbuf_reset(&words);
    json_object_set_new(j, "cause",
                        o->cause == GW_TIMELINE_CAUSE_PARENT ? json_string("parent") : json_null());
    json_object_set_new(j, "cause_target", string_or_null(o->cause_target));
    json_object_set_new(j, "began_before", json_boolean(o->began_before));
    json_object_set_new(j, "continues_after", json_boolean(o->continues_after));
    json_object_set_new(j, "ongoing", json_boolean(o->ongoing));
    return j;
}

static const char *source_word(enum gw_report_source s)
{
    return s == GW_REPORT_SOURCE_EVENTS ? "events" : s == GW_REPORT_SOURCE_RRD ? "rrd" : "none";
}

static json_t *target(const struct gw_report_target *t, enum gw_lang lang)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(t->conf->id));
    json_object_set_new(o, "name", json_string(gw_i18n_target_title(t->conf, lang)));
    json_object_set_new(o, "category", string_or_null(t->conf->category));
    json_object_set_new(o, "language", string_or_null(t->conf->language));
    json_object_set_new(o, "source", json_string(source_word(t->source)));
    json_object_set_new(o, "sla", ratio(t->sla));
    json_object_set_new(o, "sla_result", string_or_null(sla_word(t->sla_result)));
    json_object_set_new(o, "figures", figures(&t->fig));
    json_t *list = json_array();
    for (size_t i = 0; i < t->n_outages; i++)
        json_array_append_new(list, outage(&t->outages[i], lang));
    json_object_set_new(o, "outages", list);
    return o;
}

static json_t *council(const struct gw_report_council *c, enum gw_lang lang)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(c->conf->id));
    json_object_set_new(o, "name", json_string(gw_i18n_council_name(c->conf, lang)));
    json_object_set_new(o, "rank", c->rank ? json_integer(c->rank) : json_null());
    json_object_set_new(o, "sla", ratio(c->sla));
    json_object_set_new(o, "sla_result", string_or_null(sla_word(c->sla_result)));
    json_object_set_new(o, "total", group(&c->total, lang, false));
    json_t *cats = json_array();
    for (size_t i = 0; i < c->n_categories; i++)
        json_array_append_new(cats, group(&c->categories[i], lang, true));
    json_object_set_new(o, "categories", cats);
    json_t *targets = json_array();
    for (size_t i = 0; i < c->n_targets; i++)
        json_array_append_new(targets, target(&c->targets[i], lang));
    json_object_set_new(o, "targets", targets);
    return o;
}

static json_t *league(const struct gw_report *r, enum gw_lang lang)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_league; i++) {
        const struct gw_report_council *c = &r->councils[r->league[i]];
        json_t *o = json_object();
        json_object_set_new(o, "rank", json_integer(c->rank));
        json_object_set_new(o, "council", json_string(c->conf->id));
        json_object_set_new(o, "name", json_string(gw_i18n_council_name(c->conf, lang)));
        json_object_set_new(o, "availability", ratio(gw_timeline_availability(&c->total.fig)));
        json_object_set_new(o, "downtime_minutes", minutes(c->total.fig.down_ms));
        json_object_set_new(o, "outages", json_integer(c->total.fig.outages));
        json_object_set_new(o, "sla", ratio(c->sla));
        json_object_set_new(o, "sla_result", string_or_null(sla_word(c->sla_result)));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *parity(const struct gw_report_parity *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "welsh", json_string(p->welsh->id));
    json_object_set_new(o, "english", json_string(p->english->id));
    json_object_set_new(o, "languages_known", json_boolean(p->languages_known));
    json_object_set_new(o, "compared_minutes", minutes(p->p.compared_ms));
    json_object_set_new(o, "welsh_down_english_up_minutes", minutes(p->p.a_only_down_ms));
    json_object_set_new(o, "welsh_down_english_up_times", json_integer(p->p.a_only_episodes));
    json_object_set_new(o, "english_down_welsh_up_minutes", minutes(p->p.b_only_down_ms));
    json_object_set_new(o, "english_down_welsh_up_times", json_integer(p->p.b_only_episodes));
    json_object_set_new(o, "both_down_minutes", minutes(p->p.both_down_ms));
    return o;
}

static json_t *pcpr(const struct gw_pcpr *p)
{
    json_t *o = json_object();
    double rel = gw_pcpr_reliability(p);
    json_object_set_new(o, "reliability", ratio(rel));
    json_object_set_new(o, "met",
                        isnan(rel) ? json_null() : json_boolean(rel + 1e-12 >= GW_PCPR_TARGET));
    json_object_set_new(o, "working_minutes", minutes(p->working_ms));
    json_object_set_new(o, "broken_minutes", minutes(p->broken_ms));
    json_object_set_new(o, "out_of_service_minutes", minutes(p->out_of_service_ms));
    json_object_set_new(o, "no_data_minutes", minutes(p->no_data_ms));
    return o;
}

static json_t *charge_points(const struct gw_report_pcpr *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "target", json_string(p->target->id));
    json_object_set_new(o, "required", json_real(GW_PCPR_TARGET));
    json_object_set_new(o, "network", pcpr(&p->network));
    json_object_set_new(o, "feed_rapid_reliability", ratio(p->rapid_reliability));
    json_t *points = json_array();
    for (size_t i = 0; i < p->n_chargers; i++) {
        json_t *c = pcpr(&p->chargers[i].p);
        json_object_set_new(c, "id", json_string(p->chargers[i].id));
        json_array_append_new(points, c);
    }
    json_object_set_new(o, "points", points);
    return o;
}

static json_t *period(const struct gw_report *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "start", rfc3339(r->start_ms));
    json_object_set_new(o, "end", rfc3339(r->end_ms));
    json_object_set_new(o, "start_ms", json_integer(r->start_ms));
    json_object_set_new(o, "end_ms", json_integer(r->end_ms));
    char month[16];
    snprintf(month, sizeof(month), "%04d-%02d", r->year, r->month);
    json_object_set_new(o, "month", r->year ? json_string(month) : json_null());
    json_object_set_new(o, "time_zone", json_string("Europe/London"));
    json_object_set_new(o, "hours", json_real((double)(r->end_ms - r->start_ms) / 3600000.0));
    json_object_set_new(o, "measured_until", rfc3339(r->measured_end_ms));
    json_object_set_new(o, "complete", json_boolean(r->measured_end_ms >= r->end_ms));
    return o;
}

static json_t *sources(const struct gw_report *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "event_log", json_boolean(r->event_log));
    json_object_set_new(o, "event_log_begins",
                        r->event_log && r->log_begin_ms ? rfc3339(r->log_begin_ms) : json_null());
    json_object_set_new(o, "event_lines", json_integer((json_int_t)r->event_lines));
    json_object_set_new(o, "event_lines_skipped", json_integer((json_int_t)r->event_skipped));
    json_object_set_new(o, "rrd_files_read", json_integer((json_int_t)r->rrd_files_read));
    json_object_set_new(o, "rrd_files_failed", json_integer((json_int_t)r->rrd_files_failed));
    return o;
}

char *gw_report_json_render(const struct gw_report *r, enum gw_lang lang)
{
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(GW_REPORT_VERSION));
    json_object_set_new(root, "lang", json_string(gw_i18n_lang_code(lang)));
    json_object_set_new(root, "generated", rfc3339(r->generated_ms));
    json_object_set_new(root, "period", period(r));
    json_t *filter = json_object();
    json_object_set_new(filter, "council", string_or_null(r->council));
    json_object_set_new(filter, "category", string_or_null(r->category));
    json_object_set_new(root, "filter", filter);
    json_object_set_new(root, "sources", sources(r));
    const char *const *msgids;
    size_t n_rules = gw_report_text_rules(&msgids);
    json_t *rules = json_array();
    for (size_t i = 0; i < n_rules; i++)
        json_array_append_new(rules, json_string(gw_i18n_tr(lang, msgids[i])));
    json_object_set_new(root, "rules", rules);
    json_object_set_new(root, "wales", group(&r->wales, lang, false));
    json_t *cats = json_array();
    for (size_t i = 0; i < r->n_categories; i++)
        json_array_append_new(cats, group(&r->categories[i], lang, true));
    json_object_set_new(root, "categories", cats);
    json_object_set_new(root, "league", league(r, lang));
    json_t *councils = json_array();
    for (size_t i = 0; i < r->n_councils; i++)
        json_array_append_new(councils, council(&r->councils[i], lang));
    json_object_set_new(root, "councils", councils);
    json_t *pairs = json_array();
    for (size_t i = 0; i < r->n_parity; i++)
        json_array_append_new(pairs, parity(&r->parity[i]));
    json_object_set_new(root, "parity", pairs);
    json_t *points = json_array();
    for (size_t i = 0; i < r->n_pcpr; i++)
        json_array_append_new(points, charge_points(&r->pcpr[i]));
    json_object_set_new(root, "charge_points", points);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (!text)
        abort(); /* jansson fails only when out of memory */
    /* A text the caller frees with free(), ending in a newline like the other formats. */
    char *out = gw_xasprintf("%s\n", text);
    free(text);
    return out;
}
