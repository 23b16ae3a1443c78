/* A target's page: its state, figures, availability, graphs, events and items. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "graph/graph.h"
#include "result/state.h"
#include "i18n/format.h"
#include "web/pages.h"

static void row(struct gw_page *p, const char *head)
{
    gw_strbuf_append(p->b, "<tr><th scope=\"row\">");
    gw_page_text(p, head);
    gw_strbuf_append(p->b, "</th><td>");
}

static void figure_value(struct gw_page *p, const char *name, double v)
{
    if (isnan(v)) {
        gw_strbuf_append(p->b, "–");
        return;
    }
    size_t len = strlen(name);
    bool seconds = strcmp(name, "latency") == 0 || strcmp(name, "dns") == 0 ||
                   strcmp(name, "connect") == 0 || strcmp(name, "tls") == 0 ||
                   strcmp(name, "ttfb") == 0 || strcmp(name, "response") == 0 ||
                   strcmp(name, "median") == 0 || (len == 3 && name[0] == 's' && name[1] >= '0');
    if (seconds) {
        gw_format_ms(p->b, p->lang, v);
    } else if (strcmp(name, "cert_days") == 0) {
        gw_strbuf_printf(p->b, "%.1f ", v);
        gw_page_text(p, gw_i18n_tr(p->lang, "days"));
    } else if (strcmp(name, "size") == 0) {
        gw_format_count(p->b, (uint64_t)llround(v));
        gw_strbuf_append(p->b, " B");
    } else if (strcmp(name, "loss") == 0 || strstr(name, "reliability")) {
        gw_format_percent(p->b, p->lang, v);
    } else if (v == floor(v) && fabs(v) < 1e15) {
        if (v < 0)
            gw_strbuf_append_char(p->b, '-');
        gw_format_count(p->b, (uint64_t)fabs(v));
    } else {
        gw_strbuf_printf(p->b, "%.3g", v);
    }
}

static void about(struct gw_page *p, const struct gw_target_conf *t, const struct gw_snap_target *e)
{
    enum gw_lang l = p->lang;
    gw_strbuf_append(p->b, "<div class=\"scroll\"><table class=\"about\">\n<caption>");
    gw_page_text(p, gw_i18n_tr(l, "State now"));
    gw_strbuf_append(p->b, "</caption>\n<tbody>\n");
    row(p, gw_i18n_tr(l, "State"));
    gw_page_state(p, e->state);
    gw_strbuf_append(p->b, "</td></tr>\n");
    row(p, gw_i18n_tr(l, "Since"));
    gw_page_since(p, e->since_ms);
    gw_strbuf_append(p->b, "</td></tr>\n");
    row(p, gw_i18n_tr(l, "Last check"));
    if (e->last_ms) {
        gw_page_since(p, e->last_ms);
        gw_strbuf_append(p->b, ": ");
        gw_page_text(p, gw_page_state_word(l, e->last_status));
        if (*e->reason)
            gw_strbuf_printf(p->b, " (<code>%s</code>)", e->reason); /* [a-z_] by contract */
        gw_strbuf_append(p->b, ". ");
        gw_page_found(p, e->reason, e->message);
    } else {
        gw_page_text(p, gw_i18n_tr(l, "Not checked yet"));
    }
    gw_strbuf_append(p->b, "</td></tr>\n");
    if (e->flapping || e->in_maintenance || e->cause != GW_SNAP_CAUSE_NONE) {
        row(p, gw_i18n_tr(l, "Note"));
        if (e->flapping)
            gw_page_text(p, gw_i18n_tr(l, "Flapping: its state changes often."));
        if (e->in_maintenance)
            gw_page_text(p, gw_i18n_tr(l, "In a maintenance window."));
        if (e->cause == GW_SNAP_CAUSE_PARENT) {
            gw_page_text(p, gw_i18n_tr(l, "Caused by a service it depends on:"));
            gw_strbuf_append_char(p->b, ' ');
            gw_page_text(p, e->cause_target);
        }
        gw_strbuf_append(p->b, "</td></tr>\n");
    }
    row(p, gw_i18n_tr(l, "Category"));
    gw_page_text(p, gw_i18n_category(l, t->category));
    gw_strbuf_append(p->b, "</td></tr>\n");
    row(p, gw_i18n_tr(l, "Check"));
    gw_strbuf_append(p->b, "<code>");
    gw_page_text(p, t->type->name);
    gw_strbuf_append(p->b, "</code>, ");
    struct gw_strbuf every = {0};
    gw_format_duration(&every, l, (double)t->interval_ms / 1000.0);
    gw_strbuf_printf(p->b, gw_i18n_tr(l, "every %s"), gw_strbuf_str(&every));
    gw_strbuf_reset(&every);
    gw_strbuf_append(p->b, "</td></tr>\n</tbody></table></div>\n");
}

static void figures(struct gw_page *p, const struct gw_snap_target *e)
{
    if (!e->n_figures)
        return;
    enum gw_lang l = p->lang;
    gw_strbuf_append(p->b, "<div class=\"scroll\"><table>\n<caption>");
    gw_page_text(p, gw_i18n_tr(l, "Figures of the last check"));
    gw_strbuf_append(p->b, "</caption>\n<thead><tr><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(l, "Figure"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\" class=\"num\">");
    gw_page_text(p, gw_i18n_tr(l, "Value"));
    gw_strbuf_append(p->b, "</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < e->n_figures; i++) {
        gw_strbuf_append(p->b, "<tr><th scope=\"row\"><code>");
        gw_page_text(p, e->figures[i].name);
        gw_strbuf_append(p->b, "</code></th><td class=\"num\">");
        figure_value(p, e->figures[i].name, e->figures[i].value);
        gw_strbuf_append(p->b, "</td></tr>\n");
    }
    gw_strbuf_append(p->b, "</tbody></table></div>\n");
}

static void availability(struct gw_page *p, const struct gw_target_conf *t)
{
    enum gw_lang l = p->lang;
    const struct gw_avail *a = gw_history_find(p->hist, t->id);
    gw_strbuf_append(p->b, "<section aria-labelledby=\"avail\">\n<h2 id=\"avail\">");
    gw_page_text(p, gw_i18n_text(l, GW_I18N_AVAILABILITY));
    gw_strbuf_append(p->b, "</h2>\n<div class=\"scroll\"><table>\n<caption>");
    gw_page_text(p, gw_i18n_tr(l, "Availability over recent periods"));
    gw_strbuf_append(p->b, "</caption>\n<thead><tr><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(l, "24 hours"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(l, "7 days"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(l, "30 days"));
    gw_strbuf_append(p->b, "</th></tr></thead>\n<tbody><tr><td>");
    gw_page_percent(p, a ? a->last_24h : NAN);
    gw_strbuf_append(p->b, "</td><td>");
    gw_page_percent(p, a ? a->last_7d : NAN);
    gw_strbuf_append(p->b, "</td><td>");
    gw_page_percent(p, a ? a->last_30d : NAN);
    gw_strbuf_append(p->b, "</td></tr></tbody></table></div>\n<h3>");
    gw_page_text(p, gw_i18n_tr(l, "The last 90 days"));
    gw_strbuf_append(p->b, "</h3>\n");
    gw_page_bars(p, a);
    gw_strbuf_append(p->b, "</section>\n");
}

static const char *const periods[] = {"1h", "1d", "7d", "30d", "365d"};
static const enum gw_i18n_key period_keys[] = {GW_I18N_PERIOD_1H, GW_I18N_PERIOD_1D,
                                               GW_I18N_PERIOD_7D, GW_I18N_PERIOD_30D,
                                               GW_I18N_PERIOD_365D};

static void graphs(struct gw_page *p, const struct gw_target_conf *t)
{
    enum gw_lang l = p->lang;
    const char *period = p->query_period ? p->query_period : "1d";
    gw_strbuf_append(p->b, "<section aria-labelledby=\"graphs\">\n<h2 id=\"graphs\">");
    gw_page_text(p, gw_i18n_tr(l, "Graph"));
    gw_strbuf_append(p->b, "</h2>\n<nav aria-label=\"");
    gw_page_text(p, gw_i18n_tr(l, "Period of the graph"));
    gw_strbuf_append(p->b, "\"><ul class=\"periods\">");
    const char *period_name = "";
    for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
        const char *name = gw_i18n_text(l, period_keys[i]);
        if (strcmp(periods[i], period) == 0) {
            period_name = name;
            gw_strbuf_append(p->b, "<li><a aria-current=\"true\" href=\"?period=");
        } else {
            gw_strbuf_append(p->b, "<li><a href=\"?period=");
        }
        gw_strbuf_printf(p->b, "%s#graphs\">", periods[i]);
        gw_page_text(p, name);
        gw_strbuf_append(p->b, "</a></li>");
    }
    gw_strbuf_append(p->b, "</ul></nav>\n<figure><img width=\"800\" height=\"420\" src=\"/graph/");
    gw_page_text(p, t->id);
    gw_strbuf_printf(p->b, ".png?period=%s&amp;lang=%s\" alt=\"", period, gw_i18n_lang_code(l));
    gw_page_text(p, gw_i18n_tr(l, "Availability and response time over the period:"));
    gw_strbuf_append_char(p->b, ' ');
    gw_page_text(p, period_name);
    gw_strbuf_append(p->b, ". ");
    gw_page_text(p, gw_i18n_tr(l, "The figures are in the tables on this page."));
    gw_strbuf_append(p->b, "\"><figcaption><a href=\"/graph/");
    gw_page_text(p, t->id);
    gw_strbuf_printf(p->b, ".svg?period=%s&amp;lang=%s\">", period, gw_i18n_lang_code(l));
    gw_page_text(p, gw_i18n_tr(l, "The same graph as SVG"));
    gw_strbuf_append(p->b, "</a></figcaption></figure>\n</section>\n");
}

static const char *json_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const char *state_word_of(enum gw_lang l, const char *word)
{
    static const char *const words[] = {"up", "degraded", "down", "unknown"};
    for (uint8_t i = 0; i < 4; i++)
        if (word && strcmp(word, words[i]) == 0)
            return gw_page_state_word(l, i);
    return gw_page_state_word(l, GW_STATE_PENDING);
}

static void events(struct gw_page *p, const json_t *list)
{
    enum gw_lang l = p->lang;
    gw_strbuf_append(p->b, "<section aria-labelledby=\"events\">\n<h2 id=\"events\">");
    gw_page_text(p, gw_i18n_tr(l, "Recent events"));
    gw_strbuf_append(p->b, "</h2>\n");
    if (!list || !json_array_size(list)) {
        gw_strbuf_append(p->b, "<p>");
        gw_page_text(p, gw_i18n_tr(l, "No event is recorded for this service."));
        gw_strbuf_append(p->b, "</p>\n</section>\n");
        return;
    }
    gw_strbuf_append(p->b, "<div class=\"scroll\"><table>\n<caption>");
    gw_page_text(p, gw_i18n_tr(l, "Changes of state, newest first"));
    gw_strbuf_append(p->b, "</caption>\n<thead><tr><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(l, "When"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(l, "Change"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(l, "What happened"));
    gw_strbuf_append(p->b, "</th></tr></thead>\n<tbody>\n");
    for (size_t i = json_array_size(list); i-- > 0;) {
        const json_t *e = json_array_get(list, i);
        const char *kind = json_str(e, "kind");
        int64_t ms = (int64_t)json_integer_value(json_object_get(e, "time_ms"));
        gw_strbuf_append(p->b, "<tr><td><time datetime=\"");
        gw_format_rfc3339(p->b, ms);
        gw_strbuf_append(p->b, "\">");
        gw_format_datetime(p->b, l, ms, p->now_ms);
        gw_strbuf_append(p->b, "</time></td><td>");
        if (kind && strcmp(kind, "state") == 0) {
            gw_page_text(p, state_word_of(l, json_str(e, "from")));
            gw_strbuf_append(p->b, " → ");
            gw_page_text(p, state_word_of(l, json_str(e, "to")));
        } else if (kind && strcmp(kind, "flapping") == 0) {
            gw_page_text(p, gw_i18n_tr(l, "Started flapping"));
        } else if (kind && strcmp(kind, "settled") == 0) {
            gw_page_text(p, gw_i18n_tr(l, "Stopped flapping"));
        } else if (kind && strcmp(kind, "maintenance_start") == 0) {
            gw_page_text(p, gw_i18n_tr(l, "Maintenance began"));
        } else {
            gw_page_text(p, gw_i18n_tr(l, "Maintenance ended"));
        }
        gw_strbuf_append(p->b, "</td><td>");
        const char *sentence = json_str(e, "sentence");
        if (sentence)
            gw_page_found(p, json_str(e, "reason"), sentence);
        else
            gw_page_text(p, json_str(e, "window"));
        gw_strbuf_append(p->b, "</td></tr>\n");
    }
    gw_strbuf_append(p->b, "</tbody></table></div>\n</section>\n");
}

static void items(struct gw_page *p, const struct gw_items *list)
{
    if (!list)
        return;
    enum gw_lang l = p->lang;
    static const char *const item_states[] = {GW_N_("Working"), GW_N_("Partly working"),
                                              GW_N_("Not working"), GW_N_("Unknown state"),
                                              GW_N_("Not in service")};
    gw_strbuf_append(p->b, "<section aria-labelledby=\"items\">\n<h2 id=\"items\">");
    gw_page_text(p, gw_i18n_tr(l, "Items of the feed"));
    gw_strbuf_append(p->b, "</h2>\n<div class=\"scroll\"><table>\n<caption>");
    gw_strbuf_printf(p->b,
                     gw_i18n_ntr(l, "%zu item in the last complete list",
                                 "%zu items in the last complete list", gw_items_count(list)),
                     gw_items_count(list));
    gw_strbuf_append(p->b, "</caption>\n<thead><tr><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(l, "Item"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(l, "Name"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(l, "State"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(l, "The feed says"));
    gw_strbuf_append(p->b, "</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < gw_items_count(list); i++) {
        const struct gw_item_rec *it = gw_items_at(list, i);
        unsigned st = it->status < 5 ? it->status : 3;
        gw_strbuf_append(p->b, "<tr><th scope=\"row\"><code>");
        gw_page_text(p, it->id);
        gw_strbuf_append(p->b, "</code></th><td>");
        gw_page_text(p, it->name);
        static const char *const cls[] = {"up", "degraded", "down", "unknown", "pending"};
        gw_strbuf_printf(p->b, "</td><td><span class=\"st st-%s\">", cls[st]);
        gw_page_text(p, gw_i18n_tr(l, item_states[st]));
        gw_strbuf_append(p->b, "</span></td><td>");
        gw_page_text(p, it->reason);
        gw_strbuf_append(p->b, "</td></tr>\n");
    }
    gw_strbuf_append(p->b, "</tbody></table></div>\n</section>\n");
}

void gw_page_target(struct gw_page *p, size_t target, const json_t *event_list)
{
    const struct gw_snapshot *s = p->snap;
    const struct gw_target_conf *t = &s->config->targets[target];
    const struct gw_council_conf *cc = &s->config->councils[t->council];
    const struct gw_snap_target *e = s->targets[target];
    enum gw_lang l = p->lang;
    char council_href[GW_ROUTE_ID_MAX + 16];
    snprintf(council_href, sizeof(council_href), "council/%s", cc->id);
    const char *name = gw_i18n_target_title(t, l);
    struct gw_crumb crumbs[] = {{"", gw_i18n_text(l, GW_I18N_WALES)},
                                {council_href, gw_i18n_council_name(cc, l)},
                                {NULL, name}};
    gw_page_begin(p, name, crumbs, 3);
    about(p, t, e);
    figures(p, e);
    availability(p, t);
    graphs(p, t);
    events(p, event_list);
    items(p, e->items);
    gw_page_end(p);
}
