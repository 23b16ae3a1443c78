#include "web/page.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "result/state.h"
#include "i18n/format.h"
#include "i18n/reason.h"

void gw_page_text(struct gw_page *p, const char *s)
{
    gw_strbuf_append_xml_attr(p->b, s ? s : "");
}

void gw_page_href(struct gw_page *p, const char *path)
{
    if (p->lang == GW_LANG_CY)
        gw_strbuf_append(p->b, "/cy");
    gw_strbuf_append_char(p->b, '/');
    gw_page_text(p, path);
}

const char *gw_page_state_word(enum gw_lang lang, uint8_t state)
{
    switch (state) {
    case GW_STATUS_UP:
        return gw_i18n_text(lang, GW_I18N_UP);
    case GW_STATUS_DEGRADED:
        return gw_i18n_text(lang, GW_I18N_DEGRADED);
    case GW_STATUS_DOWN:
        return gw_i18n_text(lang, GW_I18N_DOWN);
    case GW_STATUS_UNKNOWN:
        return gw_i18n_text(lang, GW_I18N_UNKNOWN);
    default:
        return gw_i18n_tr(lang, "Not checked yet");
    }
}

void gw_page_state(struct gw_page *p, uint8_t state)
{
    /* The symbol says it without colour; aria-hidden as the word follows. */
    static const char *const cls[] = {"up", "degraded", "down", "unknown", "pending"};
    static const char *const sym[] = {"✓", "!", "✕", "?", "…"};
    unsigned i = state <= GW_STATE_PENDING ? state : GW_STATE_PENDING;
    gw_strbuf_printf(p->b, "<span class=\"st st-%s\"><span aria-hidden=\"true\">%s</span> ", cls[i],
                     sym[i]);
    gw_page_text(p, gw_page_state_word(p->lang, state));
    gw_strbuf_append(p->b, "</span>");
}

void gw_page_found(struct gw_page *p, const char *reason, const char *sentence)
{
    bool said = sentence && *sentence;
    if (p->lang == GW_LANG_EN && said) {
        gw_page_text(p, sentence);
        return;
    }
    struct gw_strbuf phrase = {0};
    if (gw_reason_phrase(&phrase, p->lang, reason, sentence))
        gw_page_text(p, gw_strbuf_str(&phrase));
    gw_strbuf_reset(&phrase);
    if (said && p->lang != GW_LANG_EN) {
        gw_strbuf_append(p->b, "<span class=\"said\" lang=\"en\">");
        gw_page_text(p, sentence);
        gw_strbuf_append(p->b, "</span>");
    }
}

void gw_page_percent(struct gw_page *p, double ratio)
{
    if (isnan(ratio)) {
        gw_page_text(p, gw_i18n_text(p->lang, GW_I18N_NO_DATA));
        return;
    }
    gw_format_percent(p->b, p->lang, ratio);
}

static const char *bar_class(double ratio)
{
    if (isnan(ratio))
        return "none";
    if (ratio >= 0.999)
        return "ok";
    if (ratio >= 0.99)
        return "minor";
    return "major";
}

/* A day's figure as the page writes it ("99.95 %", "no data"). */
static void day_figure(struct gw_page *p, struct gw_strbuf *b, double v)
{
    if (isnan(v))
        gw_strbuf_append_xml_text(b, gw_i18n_text(p->lang, GW_I18N_NO_DATA));
    else
        gw_format_percent(b, p->lang, v);
}

void gw_page_bars(struct gw_page *p, const struct gw_avail *a)
{
    /* Named by what precedes it (the row's header, or a heading): an <ol> takes no label.
     * Days in a row with the same figure are one bar as wide as they are, and
     * one text ("1 Sep – 30 Nov: 100.00 %"): a council of 500 targets stays a
     * page, not megabytes, and every day still has its figure in words. */
    gw_strbuf_append(p->b, "<ol class=\"bars\">");
    struct gw_strbuf fig = {0}, next = {0};
    int d = 0;
    while (d < GW_HISTORY_DAYS) {
        double v = a ? a->days[d] : NAN;
        gw_strbuf_reset(&fig);
        day_figure(p, &fig, v);
        int end = d + 1;
        for (; end < GW_HISTORY_DAYS; end++) {
            gw_strbuf_reset(&next);
            day_figure(p, &next, a ? a->days[end] : NAN);
            if (strcmp(gw_strbuf_str(&next), gw_strbuf_str(&fig)) != 0)
                break;
        }
        int n = end - d;
        if (n > 1)
            gw_strbuf_printf(p->b, "<li class=\"%s\" style=\"flex-grow:%d\"><span class=\"vh\">",
                             bar_class(v), n);
        else
            gw_strbuf_printf(p->b, "<li class=\"%s\"><span class=\"vh\">", bar_class(v));
        if (p->hist) {
            gw_format_day_short(p->b, p->lang, p->hist->day_start_ms[d]);
            if (n > 1) {
                gw_strbuf_append(p->b, " – ");
                gw_format_day_short(p->b, p->lang, p->hist->day_start_ms[end - 1]);
            }
            gw_strbuf_append(p->b, ": ");
        }
        gw_strbuf_append(p->b, gw_strbuf_str(&fig));
        gw_strbuf_append(p->b, "</span></li>");
        d = end;
    }
    gw_strbuf_reset(&fig);
    gw_strbuf_reset(&next);
    gw_strbuf_append(p->b, "</ol>");
}

/* ---- the frame ---------------------------------------------------------------- */

static void alternate(struct gw_page *p, enum gw_lang lang)
{
    char path[2 * GW_ROUTE_ID_MAX + 32];
    gw_route_page_path(p->route, lang, path, sizeof(path));
    gw_strbuf_printf(p->b, "<link rel=\"alternate\" hreflang=\"%s\" href=\"%s\">\n",
                     gw_i18n_lang_code(lang), path);
}

void gw_page_begin(struct gw_page *p, const char *title, const struct gw_crumb *crumbs,
                   size_t n_crumbs)
{
    struct gw_strbuf *b = p->b;
    enum gw_lang other = p->lang == GW_LANG_CY ? GW_LANG_EN : GW_LANG_CY;
    gw_strbuf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
                     gw_i18n_lang_code(p->lang));
    gw_strbuf_append(b,
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    if (p->refresh_s)
        gw_strbuf_printf(b, "<meta http-equiv=\"refresh\" content=\"%u\">\n", p->refresh_s);
    gw_strbuf_append(b, "<title>");
    gw_page_text(p, title);
    gw_strbuf_append(b,
                     " – gwyliwr</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n");
    alternate(p, GW_LANG_EN);
    alternate(p, GW_LANG_CY);
    gw_strbuf_append(b, "</head>\n<body>\n<a class=\"skip\" href=\"#main\">");
    gw_page_text(p, gw_i18n_tr(p->lang, "Skip to the content"));
    gw_strbuf_append(b, "</a>\n<header class=\"site\">\n<p class=\"brand\"><a href=\"");
    gw_page_href(p, "");
    gw_strbuf_append(b, "\">gwyliwr</a> <span>");
    gw_page_text(p, gw_i18n_tr(p->lang, "Digital services of the councils of Wales"));
    gw_strbuf_append(b, "</span></p>\n");
    /* The switch keeps the reader on the same page, in the other language. */
    char path[2 * GW_ROUTE_ID_MAX + 32];
    gw_route_page_path(p->route, other, path, sizeof(path));
    gw_strbuf_printf(b, "<p class=\"lang\"><a href=\"%s\" hreflang=\"%s\" lang=\"%s\">%s</a></p>\n",
                     path, gw_i18n_lang_code(other), gw_i18n_lang_code(other),
                     other == GW_LANG_CY ? "Cymraeg" : "English");
    gw_strbuf_append(b, "</header>\n");
    if (n_crumbs > 1) {
        gw_strbuf_append(b, "<nav class=\"crumbs\" aria-label=\"");
        gw_page_text(p, gw_i18n_tr(p->lang, "Breadcrumb"));
        gw_strbuf_append(b, "\"><ol>");
        for (size_t i = 0; i < n_crumbs; i++) {
            if (crumbs[i].href) {
                gw_strbuf_append(b, "<li><a href=\"");
                gw_page_href(p, crumbs[i].href);
                gw_strbuf_append(b, "\">");
                gw_page_text(p, crumbs[i].text);
                gw_strbuf_append(b, "</a></li>");
            } else {
                gw_strbuf_append(b, "<li aria-current=\"page\">");
                gw_page_text(p, crumbs[i].text);
                gw_strbuf_append(b, "</li>");
            }
        }
        gw_strbuf_append(b, "</ol></nav>\n");
    }
    gw_strbuf_append(b, "<main id=\"main\" tabindex=\"-1\">\n<h1>");
    gw_page_text(p, title);
    gw_strbuf_append(b, "</h1>\n");
}

void gw_page_end(struct gw_page *p)
{
    struct gw_strbuf *b = p->b;
    gw_strbuf_append(b, "</main>\n<footer class=\"site\">\n<p>");
    gw_page_text(p, gw_i18n_tr(p->lang, "State as of"));
    gw_strbuf_append_char(b, ' ');
    gw_format_datetime(b, p->lang, p->snap->published_ms, p->now_ms);
    gw_strbuf_append_char(b, ' ');
    gw_format_zone(b, p->snap->published_ms);
    gw_strbuf_append(b, ". ");
    if (p->hist) {
        gw_page_text(p, gw_i18n_tr(p->lang, "Availability figures as of"));
        gw_strbuf_append_char(b, ' ');
        gw_format_datetime(b, p->lang, p->hist->computed_ms, p->now_ms);
        gw_strbuf_append(b, ".");
    } else {
        gw_page_text(p, gw_i18n_tr(p->lang, "Availability figures are being read."));
    }
    gw_strbuf_append(b, "</p>\n<p>");
    gw_page_text(p, gw_i18n_tr(p->lang, "For machines:"));
    gw_strbuf_append(b,
                     " <a href=\"/api/v1/status\">JSON API</a>, <a href=\"/api/v1/openapi.json\">"
                     "OpenAPI</a>, <a href=\"/metrics\">Prometheus</a>.</p>\n</footer>\n"
                     "</body>\n</html>\n");
}
