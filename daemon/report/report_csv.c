/*
 * The report as CSV (RFC 4180): a header row, then one row per target, per
 * category of each council, per council, per category across Wales and one
 * for Wales, told apart by the first column. Lines end in CRLF; a field
 * with a comma, a double quote or a line break is quoted, its quotes
 * doubled. Headers and words are in the report's language; numbers are
 * plain (a decimal point, no thousands separator) so spreadsheets read
 * them: availability and SLA in percent, durations in minutes. Parity and
 * charge points are in the JSON and HTML renderings.
 */
#include <math.h>
#include <string.h>

#include "report/report_render.h"
#include "report/report_text.h"
#include "util/strbuf.h"

static const char *const headers[] = {
    GW_N_("level"),
    GW_N_("council"),
    GW_N_("council name"),
    GW_N_("category"),
    GW_N_("target"),
    GW_N_("target name"),
    GW_N_("availability (%)"),
    GW_N_("downtime (minutes)"),
    GW_N_("downtime caused by a parent (minutes)"),
    GW_N_("outages"),
    GW_N_("longest outage (minutes)"),
    GW_N_("MTTR (minutes)"),
    GW_N_("MTBF (minutes)"),
    GW_N_("degraded (minutes)"),
    GW_N_("maintenance (minutes)"),
    GW_N_("unknown (minutes)"),
    GW_N_("not monitored (minutes)"),
    GW_N_("period (minutes)"),
    GW_N_("SLA (%)"),
    GW_N_("SLA result"),
    GW_N_("source"),
    GW_N_("rank"),
};

#define N_HEADERS (sizeof(headers) / sizeof(headers[0]))

static void field(struct gw_strbuf *b, const char *s, bool first)
{
    if (!first)
        gw_strbuf_append_char(b, ',');
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        gw_strbuf_append(b, s);
        return;
    }
    gw_strbuf_append_char(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            gw_strbuf_append_char(b, '"');
        gw_strbuf_append_char(b, *s);
    }
    gw_strbuf_append_char(b, '"');
}

static void number(struct gw_strbuf *b, double v, int decimals)
{
    gw_strbuf_append_char(b, ',');
    if (!isnan(v))
        gw_strbuf_printf(b, "%.*f", decimals, v);
}

static void minutes(struct gw_strbuf *b, int64_t ms)
{
    number(b, ms < 0 ? NAN : (double)ms / 60000.0, 3);
}

struct row {
    const char *level;
    const struct gw_council_conf *council;
    const char *category;
    bool category_given; /* a category row, or a target (whose category may be none) */
    const struct gw_target_conf *target;
    const struct gw_timeline_figures *fig;
    double sla;
    enum gw_report_sla sla_result;
    enum gw_report_source source;
    unsigned rank;
};

static void put_row(struct gw_strbuf *b, const struct row *r, enum gw_lang lang)
{
    field(b, gw_i18n_tr(lang, r->level), true);
    field(b, r->council ? r->council->id : NULL, false);
    field(b, r->council ? gw_i18n_council_name(r->council, lang) : NULL, false);
    field(b, r->category_given ? gw_i18n_category(lang, r->category) : NULL, false);
    field(b, r->target ? r->target->id : NULL, false);
    field(b, r->target ? gw_i18n_target_title(r->target, lang) : NULL, false);
    const struct gw_timeline_figures *f = r->fig;
    double a = gw_timeline_availability(f);
    /* Percent to a thousandth, rounded down as everywhere else. */
    number(b, isnan(a) ? NAN : floor(a * 100000.0 + 1e-7) / 1000.0, 3);
    minutes(b, f->down_ms);
    minutes(b, f->down_parent_ms);
    gw_strbuf_printf(b, ",%u", f->outages);
    minutes(b, f->outages ? f->longest_outage_ms : -1);
    minutes(b, gw_timeline_mttr_ms(f));
    minutes(b, gw_timeline_mtbf_ms(f));
    minutes(b, f->degraded_ms);
    minutes(b, f->maintenance_ms);
    minutes(b, f->unknown_ms);
    minutes(b, f->unmonitored_ms);
    minutes(b, f->period_ms);
    number(b, isnan(r->sla) ? NAN : r->sla * 100.0, 3);
    field(b, r->sla_result == GW_REPORT_SLA_NONE ? NULL : gw_report_text_sla(r->sla_result, lang),
          false);
    field(b, r->target ? gw_report_text_source(r->source, lang) : NULL, false);
    if (r->rank)
        gw_strbuf_printf(b, ",%u", r->rank);
    else
        gw_strbuf_append_char(b, ',');
    gw_strbuf_append(b, "\r\n");
}

char *gw_report_csv_render(const struct gw_report *r, enum gw_lang lang)
{
    struct gw_strbuf b = {0};
    for (size_t i = 0; i < N_HEADERS; i++)
        field(&b, gw_i18n_tr(lang, headers[i]), i == 0);
    gw_strbuf_append(&b, "\r\n");
    for (size_t i = 0; i < r->n_councils; i++) {
        const struct gw_report_council *c = &r->councils[i];
        for (size_t k = 0; k < c->n_targets; k++) {
            const struct gw_report_target *t = &c->targets[k];
            put_row(&b,
                    &(struct row){GW_N_("target"), c->conf, t->conf->category, true, t->conf,
                                  &t->fig, t->sla, t->sla_result, t->source, 0},
                    lang);
        }
        for (size_t k = 0; k < c->n_categories; k++)
            put_row(&b,
                    &(struct row){GW_N_("category"), c->conf, c->categories[k].category, true, NULL,
                                  &c->categories[k].fig, NAN, GW_REPORT_SLA_NONE,
                                  GW_REPORT_SOURCE_NONE, 0},
                    lang);
        put_row(&b,
                &(struct row){GW_N_("council"), c->conf, NULL, false, NULL, &c->total.fig, c->sla,
                              c->sla_result, GW_REPORT_SOURCE_NONE, c->rank},
                lang);
    }
    for (size_t k = 0; k < r->n_categories; k++)
        put_row(&b,
                &(struct row){GW_N_("category"), NULL, r->categories[k].category, true, NULL,
                              &r->categories[k].fig, NAN, GW_REPORT_SLA_NONE, GW_REPORT_SOURCE_NONE,
                              0},
                lang);
    put_row(&b,
            &(struct row){GW_N_("wales"), NULL, NULL, false, NULL, &r->wales.fig, NAN,
                          GW_REPORT_SLA_NONE, GW_REPORT_SOURCE_NONE, 0},
            lang);
    return gw_strbuf_take(&b);
}
