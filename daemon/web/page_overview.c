/* The all-Wales overview. */
#include <math.h>
#include <string.h>

#include "result/state.h"
#include "util/xalloc.h"
#include "i18n/format.h"
#include "web/pages.h"

void gw_page_since(struct gw_page *p, int64_t since_ms)
{
    if (!since_ms) {
        gw_strbuf_append(p->b, "–");
        return;
    }
    gw_strbuf_printf(p->b, "<time datetime=\"");
    gw_format_rfc3339(p->b, since_ms);
    gw_strbuf_append(p->b, "\">");
    gw_format_datetime(p->b, p->lang, since_ms, p->now_ms);
    gw_strbuf_append(p->b, "</time> (");
    gw_format_duration(p->b, p->lang, (double)(p->now_ms - since_ms) / 1000.0);
    gw_strbuf_append(p->b, ")");
}

static bool is_outage(uint8_t state)
{
    return state == GW_STATUS_DOWN || state == GW_STATUS_DEGRADED;
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The categories of targets [first, first + count) in the order they first appear. */
static size_t categories_of(const struct gw_config *c, size_t first, size_t count,
                            const char ***out)
{
    const char **cats = gw_xcalloc(count + 1, sizeof(*cats));
    size_t n = 0;
    bool none = false;
    for (size_t i = first; i < first + count; i++) {
        const char *cat = c->targets[i].category;
        if (!cat) {
            none = true;
            continue;
        }
        size_t k = 0;
        while (k < n && strcmp(cats[k], cat) != 0)
            k++;
        if (k == n)
            cats[n++] = cat;
    }
    if (none)
        cats[n++] = NULL; /* "Other services" last */
    *out = cats;
    return n;
}

void gw_page_outages(struct gw_page *p, size_t first, size_t count, int level)
{
    const struct gw_snapshot *s = p->snap;
    const struct gw_config *c = s->config;
    size_t open = 0;
    for (size_t i = first; i < first + count; i++)
        open += is_outage(s->targets[i]->state);
    gw_strbuf_printf(p->b, "<section aria-labelledby=\"outages\">\n<h%d id=\"outages\">", level);
    gw_page_text(p, gw_i18n_tr(p->lang, "Open outages"));
    gw_strbuf_printf(p->b, "</h%d>\n", level);
    if (!open) {
        gw_strbuf_append(p->b, "<p>");
        gw_page_text(p, gw_i18n_tr(p->lang, "No service is down or degraded."));
        gw_strbuf_append(p->b, "</p>\n</section>\n");
        return;
    }
    const char **cats;
    size_t n_cats = categories_of(c, first, count, &cats);
    for (size_t k = 0; k < n_cats; k++) {
        size_t in_cat = 0;
        for (size_t i = first; i < first + count; i++)
            in_cat += is_outage(s->targets[i]->state) && same(c->targets[i].category, cats[k]);
        if (!in_cat)
            continue;
        gw_strbuf_append(p->b, "<div class=\"scroll\"><table class=\"outages\">\n<caption>");
        gw_page_text(p, gw_i18n_category(p->lang, cats[k]));
        gw_strbuf_append(p->b, "</caption>\n<thead><tr><th scope=\"col\">");
        gw_page_text(p, gw_i18n_tr(p->lang, "Service"));
        gw_strbuf_append(p->b, "</th><th scope=\"col\">");
        gw_page_text(p, gw_i18n_tr(p->lang, "State"));
        gw_strbuf_append(p->b, "</th><th scope=\"col\">");
        gw_page_text(p, gw_i18n_tr(p->lang, "What happened"));
        gw_strbuf_append(p->b, "</th><th scope=\"col\">");
        gw_page_text(p, gw_i18n_tr(p->lang, "Since"));
        gw_strbuf_append(p->b, "</th></tr></thead>\n<tbody>\n");
        for (size_t i = first; i < first + count; i++) {
            const struct gw_snap_target *e = s->targets[i];
            const struct gw_target_conf *t = &c->targets[i];
            if (!is_outage(e->state) || !same(t->category, cats[k]))
                continue;
            gw_strbuf_append(p->b, "<tr><th scope=\"row\"><a href=\"");
            gw_strbuf_append(p->b, p->lang == GW_LANG_CY ? "/cy/target/" : "/target/");
            gw_page_text(p, t->id);
            gw_strbuf_append(p->b, "\">");
            gw_page_text(p, gw_i18n_council_name(&c->councils[t->council], p->lang));
            gw_strbuf_append(p->b, ": ");
            gw_page_text(p, gw_i18n_target_title(t, p->lang));
            gw_strbuf_append(p->b, "</a></th><td>");
            gw_page_state(p, e->state);
            gw_strbuf_append(p->b, "</td><td>");
            gw_page_found(p, e->reason, e->message);
            gw_strbuf_append(p->b, "</td><td>");
            gw_page_since(p, e->since_ms);
            gw_strbuf_append(p->b, "</td></tr>\n");
        }
        gw_strbuf_append(p->b, "</tbody></table></div>\n");
    }
    free(cats);
    gw_strbuf_append(p->b, "</section>\n");
}

/* "11 of 12 up" */
static void up_of(struct gw_page *p, const struct gw_snap_counts *n)
{
    gw_strbuf_printf(p->b, gw_i18n_ntr(p->lang, "%u of %u up", "%u of %u up", n->total), n->up,
                     n->total);
}

static void counts_cells(struct gw_page *p, const struct gw_snap_counts *n)
{
    gw_strbuf_append(p->b, "<td>");
    up_of(p, n);
    if (n->down || n->degraded) {
        gw_strbuf_append(p->b, "; ");
        if (n->down)
            gw_strbuf_printf(p->b, gw_i18n_tr(p->lang, "%u down"), n->down);
        if (n->down && n->degraded)
            gw_strbuf_append(p->b, ", ");
        if (n->degraded)
            gw_strbuf_printf(p->b, gw_i18n_tr(p->lang, "%u degraded"), n->degraded);
    }
    gw_strbuf_append(p->b, "</td>");
}

static void avail_cells(struct gw_page *p, const struct gw_avail *a)
{
    gw_strbuf_append(p->b, "<td class=\"num\">");
    gw_page_percent(p, a->last_24h);
    gw_strbuf_append(p->b, "</td><td class=\"num\">");
    gw_page_percent(p, a->last_7d);
    gw_strbuf_append(p->b, "</td><td class=\"num\">");
    gw_page_percent(p, a->last_30d);
    gw_strbuf_append(p->b, "</td>");
}

static void avail_head(struct gw_page *p)
{
    gw_strbuf_append(p->b, "<th scope=\"col\" class=\"num\">");
    gw_page_text(p, gw_i18n_tr(p->lang, "24 hours"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\" class=\"num\">");
    gw_page_text(p, gw_i18n_tr(p->lang, "7 days"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\" class=\"num\">");
    gw_page_text(p, gw_i18n_tr(p->lang, "30 days"));
    gw_strbuf_append(p->b, "</th>");
}

static void categories_table(struct gw_page *p)
{
    const struct gw_snapshot *s = p->snap;
    const struct gw_config *c = s->config;
    const char **cats;
    size_t n_cats = categories_of(c, 0, c->n_targets, &cats);
    gw_strbuf_append(p->b, "<div class=\"scroll\"><table>\n<caption>");
    gw_page_text(p, gw_i18n_tr(p->lang, "Services by category"));
    gw_strbuf_append(p->b, "</caption>\n<thead><tr><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(p->lang, "Category"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(p->lang, "Now"));
    gw_strbuf_append(p->b, "</th>");
    avail_head(p);
    gw_strbuf_append(p->b, "</tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < n_cats; k++) {
        struct gw_snap_counts n = {0};
        struct {
            double sum;
            size_t n;
        } m[3] = {{0, 0}};
        for (size_t i = 0; i < c->n_targets; i++) {
            if (!same(c->targets[i].category, cats[k]))
                continue;
            uint8_t st = s->targets[i]->state;
            n.total++;
            n.up += st == GW_STATUS_UP;
            n.down += st == GW_STATUS_DOWN;
            n.degraded += st == GW_STATUS_DEGRADED;
            const struct gw_avail *a = gw_history_find(p->hist, c->targets[i].id);
            double v[3] = {a ? a->last_24h : NAN, a ? a->last_7d : NAN, a ? a->last_30d : NAN};
            for (int j = 0; j < 3; j++)
                if (!isnan(v[j])) {
                    m[j].sum += v[j];
                    m[j].n++;
                }
        }
        struct gw_avail a = {
            .last_24h = m[0].n ? m[0].sum / (double)m[0].n : NAN,
            .last_7d = m[1].n ? m[1].sum / (double)m[1].n : NAN,
            .last_30d = m[2].n ? m[2].sum / (double)m[2].n : NAN,
        };
        gw_strbuf_append(p->b, "<tr><th scope=\"row\">");
        gw_page_text(p, gw_i18n_category(p->lang, cats[k]));
        gw_strbuf_append(p->b, "</th>");
        counts_cells(p, &n);
        avail_cells(p, &a);
        gw_strbuf_append(p->b, "</tr>\n");
    }
    gw_strbuf_append(p->b, "</tbody></table></div>\n");
    free(cats);
}

void gw_page_overview(struct gw_page *p)
{
    const struct gw_snapshot *s = p->snap;
    const struct gw_config *c = s->config;
    const char *wales = gw_i18n_text(p->lang, GW_I18N_WALES);
    struct gw_crumb crumbs[] = {{NULL, wales}};
    gw_page_begin(p, gw_i18n_tr(p->lang, "Council digital services in Wales"), crumbs, 1);

    struct gw_avail all;
    gw_history_mean(p->hist, s, 0, s->n, &all);
    gw_strbuf_append(p->b, "<p class=\"lead\">");
    up_of(p, &s->wales);
    gw_strbuf_append(p->b, ". ");
    gw_page_text(p, gw_i18n_tr(p->lang, "Availability over the last 30 days:"));
    gw_strbuf_append(p->b, " ");
    gw_page_percent(p, all.last_30d);
    gw_strbuf_append(p->b, ".</p>\n");

    gw_page_outages(p, 0, s->n, 2);

    gw_strbuf_append(p->b, "<section aria-labelledby=\"councils\">\n<h2 id=\"councils\">");
    gw_page_text(p, gw_i18n_tr(p->lang, "Councils"));
    gw_strbuf_append(p->b, "</h2>\n<div class=\"scroll\"><table>\n<caption>");
    gw_page_text(p, gw_i18n_tr(p->lang, "Services of each council now, and their availability"));
    gw_strbuf_append(p->b, "</caption>\n<thead><tr><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(p->lang, "Council"));
    gw_strbuf_append(p->b, "</th><th scope=\"col\">");
    gw_page_text(p, gw_i18n_tr(p->lang, "Now"));
    gw_strbuf_append(p->b, "</th>");
    avail_head(p);
    gw_strbuf_append(p->b, "</tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < c->n_councils; k++) {
        const struct gw_council_conf *cc = &c->councils[k];
        struct gw_avail a;
        gw_history_mean(p->hist, s, cc->first_target, cc->n_targets, &a);
        gw_strbuf_append(p->b, "<tr><th scope=\"row\"><a href=\"");
        gw_strbuf_append(p->b, p->lang == GW_LANG_CY ? "/cy/council/" : "/council/");
        gw_page_text(p, cc->id);
        gw_strbuf_append(p->b, "\">");
        gw_page_text(p, gw_i18n_council_name(cc, p->lang));
        gw_strbuf_append(p->b, "</a></th>");
        counts_cells(p, &s->councils[k]);
        avail_cells(p, &a);
        gw_strbuf_append(p->b, "</tr>\n");
    }
    gw_strbuf_append(p->b, "</tbody></table></div>\n</section>\n");

    gw_strbuf_append(p->b, "<section aria-labelledby=\"categories\">\n<h2 id=\"categories\">");
    gw_page_text(p, gw_i18n_tr(p->lang, "Categories"));
    gw_strbuf_append(p->b, "</h2>\n");
    categories_table(p);
    gw_strbuf_append(p->b, "</section>\n");
    gw_page_end(p);
}
