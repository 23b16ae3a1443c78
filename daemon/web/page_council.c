/* A council's page: every target now, and its last 90 days. */
#include <math.h>
#include <stdbool.h>

#include "result/state.h"
#include "i18n/format.h"
#include "web/pages.h"

static void th(struct gw_page *p, const char *text, const char *cls)
{
    gw_strbuf_printf(p->b, "<th scope=\"col\"%s%s%s>", cls ? " class=\"" : "", cls ? cls : "",
                     cls ? "\"" : "");
    gw_page_text(p, text);
    gw_strbuf_append(p->b, "</th>");
}

static void targets_table(struct gw_page *p, const struct gw_council_conf *cc)
{
    const struct gw_snapshot *s = p->snap;
    const struct gw_config *c = s->config;
    enum gw_lang l = p->lang;
    gw_strbuf_append(p->b, "<div class=\"scroll\"><table>\n<caption>");
    gw_page_text(p, gw_i18n_tr(l, "Every service now"));
    gw_strbuf_append(p->b, "</caption>\n<thead><tr>");
    th(p, gw_i18n_tr(l, "Service"), NULL);
    th(p, gw_i18n_tr(l, "Category"), NULL);
    th(p, gw_i18n_tr(l, "State"), NULL);
    th(p, gw_i18n_tr(l, "What happened"), NULL);
    th(p, gw_i18n_tr(l, "Since"), NULL);
    th(p, gw_i18n_tr(l, "Response time"), "num");
    th(p, gw_i18n_tr(l, "24 hours"), "num");
    th(p, gw_i18n_tr(l, "30 days"), "num");
    gw_strbuf_append(p->b, "</tr></thead>\n<tbody>\n");
    for (size_t i = cc->first_target; i < cc->first_target + cc->n_targets; i++) {
        const struct gw_target_conf *t = &c->targets[i];
        const struct gw_snap_target *e = s->targets[i];
        const struct gw_avail *a = gw_history_find(p->hist, t->id);
        gw_strbuf_append(p->b, "<tr><th scope=\"row\"><a href=\"");
        gw_strbuf_append(p->b, l == GW_LANG_CY ? "/cy/target/" : "/target/");
        gw_page_text(p, t->id);
        gw_strbuf_append(p->b, "\">");
        gw_page_text(p, gw_i18n_target_title(t, l));
        gw_strbuf_append(p->b, "</a></th><td>");
        gw_page_text(p, gw_i18n_category(l, t->category));
        gw_strbuf_append(p->b, "</td><td>");
        gw_page_state(p, e->state);
        gw_strbuf_append(p->b, "</td><td>");
        gw_page_found(p, e->reason, e->message);
        gw_strbuf_append(p->b, "</td><td>");
        gw_page_since(p, e->since_ms);
        gw_strbuf_append(p->b, "</td><td class=\"num\">");
        gw_format_ms(p->b, l, e->latency_s);
        gw_strbuf_append(p->b, "</td><td class=\"num\">");
        gw_page_percent(p, a ? a->last_24h : NAN);
        gw_strbuf_append(p->b, "</td><td class=\"num\">");
        gw_page_percent(p, a ? a->last_30d : NAN);
        gw_strbuf_append(p->b, "</td></tr>\n");
    }
    gw_strbuf_append(p->b, "</tbody></table></div>\n");
}

static double mean_of_days(const struct gw_avail *a)
{
    double sum = 0;
    size_t n = 0;
    for (int d = 0; a && d < GW_HISTORY_DAYS; d++)
        if (!isnan(a->days[d])) {
            sum += a->days[d];
            n++;
        }
    return n ? sum / (double)n : NAN;
}

static void bars_table(struct gw_page *p, const struct gw_council_conf *cc)
{
    const struct gw_snapshot *s = p->snap;
    const struct gw_config *c = s->config;
    enum gw_lang l = p->lang;
    gw_strbuf_append(p->b, "<section aria-labelledby=\"days\">\n<h2 id=\"days\">");
    gw_page_text(p, gw_i18n_tr(l, "The last 90 days"));
    gw_strbuf_append(p->b, "</h2>\n<p class=\"key\">");
    gw_page_text(p, gw_i18n_tr(l, "Each bar is a day, oldest first:"));
    gw_strbuf_append(p->b, " <span class=\"k ok\"></span> ");
    gw_page_text(p, gw_i18n_tr(l, "99.9 % or more"));
    gw_strbuf_append(p->b, ", <span class=\"k minor\"></span> ");
    gw_page_text(p, gw_i18n_tr(l, "99 % to 99.9 %"));
    gw_strbuf_append(p->b, ", <span class=\"k major\"></span> ");
    gw_page_text(p, gw_i18n_tr(l, "under 99 %"));
    gw_strbuf_append(p->b, ", <span class=\"k none\"></span> ");
    gw_page_text(p, gw_i18n_text(l, GW_I18N_NO_DATA));
    gw_strbuf_append(p->b, ".</p>\n<div class=\"scroll\"><table class=\"days\">\n<caption>");
    gw_page_text(p, gw_i18n_tr(l, "Availability day by day"));
    gw_strbuf_append(p->b, "</caption>\n<thead><tr>");
    th(p, gw_i18n_tr(l, "Service"), NULL);
    th(p, gw_i18n_tr(l, "Days"), NULL);
    th(p, gw_i18n_tr(l, "90 days"), "num");
    gw_strbuf_append(p->b, "</tr></thead>\n<tbody>\n");
    struct gw_avail all;
    gw_history_mean(p->hist, s, cc->first_target, cc->n_targets, &all);
    for (size_t i = cc->first_target; i <= cc->first_target + cc->n_targets; i++) {
        bool whole = i == cc->first_target + cc->n_targets;
        const char *name = whole ? gw_i18n_text(l, GW_I18N_WHOLE_COUNCIL)
                                 : gw_i18n_target_title(&c->targets[i], l);
        const struct gw_avail *a = whole ? &all : gw_history_find(p->hist, c->targets[i].id);
        gw_strbuf_append(p->b, "<tr><th scope=\"row\">");
        gw_page_text(p, name);
        gw_strbuf_append(p->b, "</th><td>");
        gw_page_bars(p, a);
        gw_strbuf_append(p->b, "</td><td class=\"num\">");
        gw_page_percent(p, mean_of_days(a));
        gw_strbuf_append(p->b, "</td></tr>\n");
    }
    gw_strbuf_append(p->b, "</tbody></table></div>\n</section>\n");
}

void gw_page_council(struct gw_page *p, size_t council)
{
    const struct gw_snapshot *s = p->snap;
    const struct gw_council_conf *cc = &s->config->councils[council];
    enum gw_lang l = p->lang;
    const char *name = gw_i18n_council_name(cc, l);
    struct gw_crumb crumbs[] = {{"", gw_i18n_text(l, GW_I18N_WALES)}, {NULL, name}};
    gw_page_begin(p, name, crumbs, 2);
    struct gw_avail a;
    gw_history_mean(p->hist, s, cc->first_target, cc->n_targets, &a);
    const struct gw_snap_counts *n = &s->councils[council];
    gw_strbuf_append(p->b, "<p class=\"lead\">");
    gw_strbuf_printf(p->b, gw_i18n_ntr(l, "%u of %u up", "%u of %u up", n->total), n->up, n->total);
    gw_strbuf_append(p->b, ". ");
    gw_page_text(p, gw_i18n_tr(l, "Availability over the last 24 hours:"));
    gw_strbuf_append_char(p->b, ' ');
    gw_page_percent(p, a.last_24h);
    gw_strbuf_append(p->b, "; ");
    gw_page_text(p, gw_i18n_tr(l, "7 days:"));
    gw_strbuf_append_char(p->b, ' ');
    gw_page_percent(p, a.last_7d);
    gw_strbuf_append(p->b, "; ");
    gw_page_text(p, gw_i18n_tr(l, "30 days:"));
    gw_strbuf_append_char(p->b, ' ');
    gw_page_percent(p, a.last_30d);
    gw_strbuf_append(p->b, ".</p>\n");
    gw_page_outages(p, cc->first_target, cc->n_targets, 2);
    gw_strbuf_append(p->b, "<section aria-labelledby=\"services\">\n<h2 id=\"services\">");
    gw_page_text(p, gw_i18n_tr(l, "Services"));
    gw_strbuf_append(p->b, "</h2>\n");
    targets_table(p, cc);
    gw_strbuf_append(p->b, "</section>\n");
    bars_table(p, cc);
    gw_strbuf_append(p->b, "<section aria-labelledby=\"graph\">\n<h2 id=\"graph\">");
    gw_page_text(p, gw_i18n_tr(l, "Graph of the last day"));
    gw_strbuf_append(p->b, "</h2>\n<figure><img src=\"/graph/");
    gw_page_text(p, cc->id);
    gw_strbuf_printf(p->b, ".png?period=1d&amp;lang=%s\" alt=\"", gw_i18n_lang_code(l));
    gw_page_text(p,
                 gw_i18n_tr(l, "Each service's availability over the last day, as coloured strips; "
                               "the figures are in the tables above."));
    gw_strbuf_append(p->b, "\"></figure>\n</section>\n");
    gw_page_end(p);
}
