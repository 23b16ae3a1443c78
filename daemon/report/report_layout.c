#include "report/report_layout.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/format.h"
#include "i18n/reason.h"
#include "report/report_text.h"
#include "util/xalloc.h"

/* ---- tables ------------------------------------------------------------------- */

struct column {
    const char *label; /* msgid */
    bool numeric;
};

static struct gw_report_table *table_add(struct gw_report_layout *l, const char *id,
                                         const char *heading, char *caption,
                                         const struct column *cols, size_t n_cols)
{
    l->tables = gw_xreallocarray(l->tables, l->n_tables + 1, sizeof(*l->tables));
    struct gw_report_table *t = &l->tables[l->n_tables++];
    memset(t, 0, sizeof(*t));
    t->id = gw_xstrdup(id);
    t->heading = heading ? gw_xstrdup(heading) : NULL;
    t->caption = caption;
    t->n_cols = n_cols;
    t->headers = gw_xcalloc(n_cols, sizeof(char *));
    t->numeric = gw_xcalloc(n_cols, sizeof(bool));
    for (size_t i = 0; i < n_cols; i++) {
        t->headers[i] = gw_xstrdup(gw_i18n_tr(l->lang, cols[i].label));
        t->numeric[i] = cols[i].numeric;
    }
    return t;
}

static char **row_add(struct gw_report_table *t, bool total)
{
    t->rows = gw_xreallocarray(t->rows, t->n_rows + 1, sizeof(*t->rows));
    t->total = gw_xreallocarray(t->total, t->n_rows + 1, sizeof(*t->total));
    t->marks = gw_xreallocarray(t->marks, t->n_rows + 1, sizeof(*t->marks));
    char **row = gw_xcalloc(t->n_cols, sizeof(char *));
    t->rows[t->n_rows] = row;
    t->marks[t->n_rows] = gw_xcalloc(t->n_cols, sizeof(enum gw_report_mark));
    t->total[t->n_rows] = total;
    t->n_rows++;
    return row;
}

/* Marks cell `col` of the last row with what its words say of an SLA. */
static void mark(struct gw_report_table *t, size_t col, enum gw_report_sla result)
{
    t->marks[t->n_rows - 1][col] = result == GW_REPORT_SLA_MET      ? GW_REPORT_MARK_MET
                                   : result == GW_REPORT_SLA_MISSED ? GW_REPORT_MARK_MISSED
                                                                    : GW_REPORT_MARK_NONE;
}

static void cell(char **row, size_t i, const char *text)
{
    free(row[i]);
    row[i] = gw_xstrdup(text ? text : "");
}

static void cellf(char **row, size_t i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cellf(char **row, size_t i, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    free(row[i]);
    row[i] = s;
}

/* ---- figures as cells ------------------------------------------------------------ */

/* Sets cell i to what `put` appends (a figure in the shared format of i18n/format.h). */
static void cell_take(char **row, size_t i, struct gw_strbuf *b)
{
    free(row[i]);
    row[i] = gw_strbuf_take(b);
}

static void cell_percent(char **row, size_t i, double ratio, enum gw_lang lang)
{
    struct gw_strbuf b = {0};
    gw_format_percent(&b, lang, ratio);
    cell_take(row, i, &b);
}

static void cell_minutes(char **row, size_t i, int64_t ms)
{
    struct gw_strbuf b = {0};
    gw_report_text_minutes(&b, ms);
    cell_take(row, i, &b);
}

/* Why an outage began, in words (i18n/reason.h); a reason no phrase is known for, as it is. */
static void cell_reason(char **row, size_t i, const char *reason, enum gw_lang lang)
{
    struct gw_strbuf b = {0};
    if (!gw_reason_phrase(&b, lang, reason, NULL))
        gw_strbuf_append(&b, reason ? reason : "");
    cell_take(row, i, &b);
}

/* A duration; GW_REPORT_TEXT_NONE when ms < 0 (no such figure). */
static void cell_duration(char **row, size_t i, int64_t ms, enum gw_lang lang)
{
    struct gw_strbuf b = {0};
    if (ms < 0)
        gw_strbuf_append(&b, GW_REPORT_TEXT_NONE);
    else
        gw_format_duration(&b, lang, (double)ms / 1000.0);
    cell_take(row, i, &b);
}

static void cell_count(char **row, size_t i, uint64_t n)
{
    struct gw_strbuf b = {0};
    gw_format_count(&b, n);
    cell_take(row, i, &b);
}

static void cell_datetime(char **row, size_t i, int64_t ms, enum gw_lang lang)
{
    struct gw_strbuf b = {0};
    gw_format_datetime(&b, lang, ms, 0);
    cell_take(row, i, &b);
}

/* The figures every summary shows, from column `at`: 9 cells. */
#define FIGURE_COLUMNS                                                                             \
    {GW_N_("Availability"), true}, {GW_N_("Downtime (minutes)"), true}, {GW_N_("Outages"), true},  \
        {GW_N_("Longest outage"), true}, {GW_N_("MTTR"), true}, {GW_N_("MTBF"), true},             \
        {GW_N_("Maintenance"), true}, {GW_N_("Unknown"), true},                                    \
    {                                                                                              \
        GW_N_("Not monitored"), true                                                               \
    }
#define N_FIGURE_COLUMNS 9

static void cells_figures(char **row, size_t at, const struct gw_timeline_figures *f,
                          enum gw_lang lang)
{
    cell_percent(row, at, gw_timeline_availability(f), lang);
    cell_minutes(row, at + 1, f->down_ms);
    cell_count(row, at + 2, f->outages);
    cell_duration(row, at + 3, f->outages ? f->longest_outage_ms : -1, lang);
    cell_duration(row, at + 4, gw_timeline_mttr_ms(f), lang);
    cell_duration(row, at + 5, gw_timeline_mtbf_ms(f), lang);
    cell_duration(row, at + 6, f->maintenance_ms, lang);
    cell_duration(row, at + 7, f->unknown_ms, lang);
    cell_duration(row, at + 8, f->unmonitored_ms, lang);
}

/* "99.90 %: met" or "–". */
static void cell_sla(char **row, size_t i, double sla, enum gw_report_sla result, enum gw_lang lang)
{
    struct gw_strbuf b = {0};
    if (isnan(sla)) {
        gw_strbuf_append(&b, GW_REPORT_TEXT_NONE);
    } else {
        gw_format_percent(&b, lang, sla);
        gw_strbuf_printf(&b, ": %s", gw_report_text_sla(result, lang));
    }
    cell_take(row, i, &b);
}

static void cell_sla_count(char **row, size_t i, const struct gw_report_group *g, enum gw_lang lang)
{
    size_t judged = g->sla_met + g->sla_missed;
    if (!judged)
        cell(row, i, GW_REPORT_TEXT_NONE);
    else
        cellf(row, i, gw_i18n_tr(lang, "%zu of %zu"), g->sla_met, judged);
}

/* ---- the tables ----------------------------------------------------------------- */

static void add_summary(struct gw_report_layout *l, const struct gw_report *r)
{
    enum gw_lang lang = l->lang;
    static const struct column cols[] = {
        {GW_N_("Services"), false}, FIGURE_COLUMNS, {GW_N_("Meeting their SLA"), true}};
    char *caption = gw_xstrdup(gw_i18n_tr(lang, "Summary by category"));
    struct gw_report_table *t = table_add(l, "summary", gw_i18n_tr(lang, "Summary"), caption, cols,
                                          sizeof(cols) / sizeof(cols[0]));
    for (size_t i = 0; i < r->n_categories; i++) {
        char **row = row_add(t, false);
        cell(row, 0, gw_i18n_category(lang, r->categories[i].category));
        cells_figures(row, 1, &r->categories[i].fig, lang);
        cell_sla_count(row, 1 + N_FIGURE_COLUMNS, &r->categories[i], lang);
    }
    char **row = row_add(t, true);
    if (r->council && r->n_councils == 1)
        cell(row, 0, gw_i18n_council_name(r->councils[0].conf, lang));
    else
        cell(row, 0, gw_i18n_tr(lang, "All of Wales"));
    cells_figures(row, 1, &r->wales.fig, lang);
    cell_sla_count(row, 1 + N_FIGURE_COLUMNS, &r->wales, lang);
}

static void add_league(struct gw_report_layout *l, const struct gw_report *r)
{
    enum gw_lang lang = l->lang;
    static const struct column cols[] = {
        {GW_N_("Rank"), true},
        {GW_N_("Council"), false},
        {GW_N_("Availability"), true},
        {GW_N_("Downtime (minutes)"), true},
        {GW_N_("Outages"), true},
        {GW_N_("Longest outage"), true},
        {GW_N_("MTTR"), true},
        {GW_N_("Council SLA"), false},
        {GW_N_("Services meeting their SLA"), true},
    };
    char *caption = gw_xstrdup(gw_i18n_tr(
        lang, "Councils ranked by availability, then by less downtime, then by fewer outages"));
    struct gw_report_table *t = table_add(l, "league", gw_i18n_tr(lang, "League table"), caption,
                                          cols, sizeof(cols) / sizeof(cols[0]));
    t->header_col = 1; /* the council names the row; its rank is data */
    /* Councils with nothing measured follow, unranked, so every council is listed. */
    size_t n = r->n_councils;
    size_t *order = gw_xcalloc(n + 1, sizeof(size_t));
    bool *placed = gw_xcalloc(n + 1, sizeof(bool));
    size_t k = 0;
    for (size_t i = 0; i < r->n_league; i++) {
        order[k++] = r->league[i];
        placed[r->league[i]] = true;
    }
    for (size_t i = 0; i < n; i++)
        if (!placed[i])
            order[k++] = i;
    for (size_t i = 0; i < k; i++) {
        const struct gw_report_council *c = &r->councils[order[i]];
        char **row = row_add(t, false);
        if (c->rank)
            cellf(row, 0, "%u", c->rank);
        else
            cell(row, 0, GW_REPORT_TEXT_NONE);
        cell(row, 1, gw_i18n_council_name(c->conf, lang));
        cell_percent(row, 2, gw_timeline_availability(&c->total.fig), lang);
        cell_minutes(row, 3, c->total.fig.down_ms);
        cell_count(row, 4, c->total.fig.outages);
        cell_duration(row, 5, c->total.fig.outages ? c->total.fig.longest_outage_ms : -1, lang);
        cell_duration(row, 6, gw_timeline_mttr_ms(&c->total.fig), lang);
        cell_sla(row, 7, c->sla, c->sla_result, lang);
        mark(t, 7, c->sla_result);
        cell_sla_count(row, 8, &c->total, lang);
    }
    free(order);
    free(placed);
}

static void add_council(struct gw_report_layout *l, const struct gw_report_council *c)
{
    enum gw_lang lang = l->lang;
    static const struct column cols[] = {
        {GW_N_("Service"), false}, {GW_N_("Category"), false}, FIGURE_COLUMNS,
        {GW_N_("Degraded"), true}, {GW_N_("SLA"), false},      {GW_N_("Source"), false},
    };
    const char *name = gw_i18n_council_name(c->conf, lang);
    char *id = gw_xasprintf("council-%s", c->conf->id);
    char *caption = gw_xasprintf(gw_i18n_tr(lang, "%s: services"), name);
    struct gw_report_table *t =
        table_add(l, id, name, caption, cols, sizeof(cols) / sizeof(cols[0]));
    free(id);
    t->empty = gw_xstrdup(gw_i18n_tr(lang, "No services match."));
    for (size_t i = 0; i < c->n_targets; i++) {
        const struct gw_report_target *rt = &c->targets[i];
        char **row = row_add(t, false);
        cell(row, 0, gw_i18n_target_title(rt->conf, lang));
        cell(row, 1, gw_i18n_category(lang, rt->conf->category));
        cells_figures(row, 2, &rt->fig, lang);
        cell_duration(row, 2 + N_FIGURE_COLUMNS, rt->fig.degraded_ms, lang);
        cell_sla(row, 3 + N_FIGURE_COLUMNS, rt->sla, rt->sla_result, lang);
        mark(t, 3 + N_FIGURE_COLUMNS, rt->sla_result);
        cell(row, 4 + N_FIGURE_COLUMNS, gw_report_text_source(rt->source, lang));
    }
    /* A category's subtotal is worth a row only beside other categories. */
    for (size_t i = 0; c->n_categories > 1 && i < c->n_categories; i++) {
        const struct gw_report_group *g = &c->categories[i];
        char **row = row_add(t, true);
        cellf(row, 0, gw_i18n_tr(lang, "All %s"), gw_i18n_category(lang, g->category));
        cell(row, 1, gw_i18n_category(lang, g->category));
        cells_figures(row, 2, &g->fig, lang);
        cell_duration(row, 2 + N_FIGURE_COLUMNS, g->fig.degraded_ms, lang);
        cell_sla_count(row, 3 + N_FIGURE_COLUMNS, g, lang);
        cell(row, 4 + N_FIGURE_COLUMNS, "");
    }
    if (c->n_targets) {
        char **row = row_add(t, true);
        cell(row, 0, gw_i18n_tr(lang, "Whole council"));
        cell(row, 1, "");
        cells_figures(row, 2, &c->total.fig, lang);
        cell_duration(row, 2 + N_FIGURE_COLUMNS, c->total.fig.degraded_ms, lang);
        cell_sla(row, 3 + N_FIGURE_COLUMNS, c->sla, c->sla_result, lang);
        mark(t, 3 + N_FIGURE_COLUMNS, c->sla_result);
        cell(row, 4 + N_FIGURE_COLUMNS, "");
    }

    static const struct column ocols[] = {
        {GW_N_("Service"), false}, {GW_N_("Start"), false},
        {GW_N_("End"), false},     {GW_N_("Downtime in the period"), true},
        {GW_N_("Reason"), false},  {GW_N_("Cause"), false},
    };
    id = gw_xasprintf("outages-%s", c->conf->id);
    caption = gw_xasprintf(gw_i18n_tr(lang, "%s: outages"), name);
    t = table_add(l, id, NULL, caption, ocols, sizeof(ocols) / sizeof(ocols[0]));
    free(id);
    t->empty = gw_xasprintf(gw_i18n_tr(lang, "%s: no outages in the period."), name);
    for (size_t i = 0; i < c->n_targets; i++) {
        const struct gw_report_target *rt = &c->targets[i];
        for (size_t k = 0; k < rt->n_outages; k++) {
            const struct gw_timeline_outage *o = &rt->outages[k];
            char **row = row_add(t, false);
            cell(row, 0, gw_i18n_target_title(rt->conf, lang));
            cell_datetime(row, 1, o->start_ms, lang);
            if (o->ongoing)
                cell(row, 2, gw_i18n_tr(lang, "still down"));
            else
                cell_datetime(row, 2, o->end_ms, lang);
            cell_duration(row, 3, o->down_ms, lang);
            cell_reason(row, 4, o->reason, lang);
            char *cause = gw_report_text_cause(o, lang);
            cell(row, 5, cause);
            free(cause);
        }
    }
}

static void add_parity(struct gw_report_layout *l, const struct gw_report *r)
{
    enum gw_lang lang = l->lang;
    static const struct column cols[] = {
        {GW_N_("Welsh service"), false},
        {GW_N_("English service"), false},
        {GW_N_("Welsh down, English up"), true},
        {GW_N_("Times"), true},
        {GW_N_("English down, Welsh up"), true},
        {GW_N_("Times"), true},
        {GW_N_("Both down"), true},
        {GW_N_("Compared"), true},
    };
    char *caption = gw_xstrdup(
        gw_i18n_tr(lang, "Time one language's service was down while the other's was available"));
    struct gw_report_table *t = table_add(l, "parity", gw_i18n_tr(lang, "Welsh-language parity"),
                                          caption, cols, sizeof(cols) / sizeof(cols[0]));
    t->empty = gw_xstrdup(
        gw_i18n_tr(lang, "No service has a Welsh and English pair (parity_with) in this report."));
    for (size_t i = 0; i < r->n_parity; i++) {
        const struct gw_report_parity *p = &r->parity[i];
        char **row = row_add(t, false);
        cell(row, 0, p->welsh->id);
        cell(row, 1, p->english->id);
        cell_duration(row, 2, p->p.a_only_down_ms, lang);
        cell_count(row, 3, p->p.a_only_episodes);
        cell_duration(row, 4, p->p.b_only_down_ms, lang);
        cell_count(row, 5, p->p.b_only_episodes);
        cell_duration(row, 6, p->p.both_down_ms, lang);
        cell_duration(row, 7, p->p.compared_ms, lang);
    }
}

static enum gw_report_sla pcpr_result(double reliability)
{
    if (isnan(reliability))
        return GW_REPORT_SLA_NONE;
    return reliability + 1e-12 >= GW_PCPR_TARGET ? GW_REPORT_SLA_MET : GW_REPORT_SLA_MISSED;
}

static void cells_pcpr(struct gw_report_table *t, char **row, size_t at, const struct gw_pcpr *p,
                       enum gw_lang lang)
{
    double rel = gw_pcpr_reliability(p);
    cell_percent(row, at, rel, lang);
    cell_duration(row, at + 1, p->working_ms, lang);
    cell_duration(row, at + 2, p->broken_ms, lang);
    cell_duration(row, at + 3, p->out_of_service_ms, lang);
    cell_duration(row, at + 4, p->no_data_ms, lang);
    cell(row, at + 5, gw_report_text_sla(pcpr_result(rel), lang));
    mark(t, at + 5, pcpr_result(rel));
}

static void add_pcpr(struct gw_report_layout *l, const struct gw_report *r)
{
    enum gw_lang lang = l->lang;
    static const struct column cols[] = {
        {GW_N_("Charge point"), false}, {GW_N_("Reliability"), true},    {GW_N_("Working"), true},
        {GW_N_("Broken"), true},        {GW_N_("Out of service"), true}, {GW_N_("No data"), true},
        {GW_N_("99% reached"), false},
    };
    for (size_t i = 0; i < r->n_pcpr; i++) {
        const struct gw_report_pcpr *p = &r->pcpr[i];
        char *id = gw_xasprintf("charge-points-%zu", i + 1);
        char *caption =
            gw_xasprintf(gw_i18n_tr(lang, "%s: reliability of its charge points"), p->target->id);
        struct gw_report_table *t =
            table_add(l, id, i == 0 ? gw_i18n_tr(lang, "Charge point reliability") : NULL, caption,
                      cols, sizeof(cols) / sizeof(cols[0]));
        free(id);
        for (size_t k = 0; k < p->n_chargers; k++) {
            char **row = row_add(t, false);
            cell(row, 0, p->chargers[k].id);
            cells_pcpr(t, row, 1, &p->chargers[k].p, lang);
        }
        if (p->n_chargers) {
            char **row = row_add(t, true);
            cell(row, 0, gw_i18n_tr(lang, "All charge points"));
            cells_pcpr(t, row, 1, &p->network, lang);
        }
        if (!isnan(p->rapid_reliability)) {
            char **row = row_add(t, true);
            cell(row, 0, gw_i18n_tr(lang, "Rapid charge points, as the feed counts them"));
            cell_percent(row, 1, p->rapid_reliability, lang);
            for (size_t c = 2; c < t->n_cols - 1; c++)
                cell(row, c, "");
            cell(row, t->n_cols - 1, gw_report_text_sla(pcpr_result(p->rapid_reliability), lang));
            mark(t, t->n_cols - 1, pcpr_result(p->rapid_reliability));
        }
    }
}

/* ---- the layout ----------------------------------------------------------------- */

struct gw_report_layout *gw_report_layout_new(const struct gw_report *r, enum gw_lang lang)
{
    struct gw_report_layout *l = gw_xcalloc(1, sizeof(*l));
    l->lang = lang;
    l->title = gw_report_text_title(r, lang);
    l->period = gw_report_text_period(r, lang);
    struct gw_strbuf when = {0};
    gw_format_datetime(&when, lang, r->generated_ms, 0);
    l->generated = gw_xasprintf(gw_i18n_tr(lang, "Made %s by gwyliwr."), gw_strbuf_str(&when));
    gw_strbuf_reset(&when);
    l->n_notes = gw_report_text_sources(r, lang, &l->notes);

    add_summary(l, r);
    add_league(l, r);
    for (size_t i = 0; i < r->n_councils; i++)
        add_council(l, &r->councils[i]);
    add_parity(l, r);
    add_pcpr(l, r);

    const char *const *msgids;
    l->n_rules = gw_report_text_rules(&msgids);
    l->rules = gw_xcalloc(l->n_rules, sizeof(char *));
    for (size_t i = 0; i < l->n_rules; i++)
        l->rules[i] = gw_i18n_tr(lang, msgids[i]);
    l->rules_heading = gw_i18n_tr(lang, "How the figures are counted");
    l->sources_heading = gw_i18n_tr(lang, "Sources");
    return l;
}

void gw_report_layout_free(struct gw_report_layout *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_tables; i++) {
        struct gw_report_table *t = &l->tables[i];
        for (size_t r = 0; r < t->n_rows; r++) {
            for (size_t c = 0; c < t->n_cols; c++)
                free(t->rows[r][c]);
            free(t->rows[r]);
            free(t->marks[r]);
        }
        for (size_t c = 0; c < t->n_cols; c++)
            free(t->headers[c]);
        free(t->rows);
        free(t->total);
        free(t->marks);
        free(t->headers);
        free(t->numeric);
        free(t->id);
        free(t->heading);
        free(t->caption);
        free(t->empty);
    }
    free(l->tables);
    for (size_t i = 0; i < l->n_notes; i++)
        free(l->notes[i]);
    free(l->notes);
    free(l->rules);
    free(l->title);
    free(l->period);
    free(l->generated);
    free(l);
}
