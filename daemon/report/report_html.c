/*
 * The report as an HTML page: valid HTML, `lang` set, a skip link, one
 * section per table with a heading, tables with captions, column headers
 * (scope=col) and row headers (scope=row), totals in <tfoot>, a region that
 * scrolls sideways on narrow screens and can be reached by keyboard, and
 * results in words as well as colour. No script.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_layout.h"
#include "report/report_render.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/*
 * Class names shared with the web pages: .skip (skip link), .period,
 * .table-wrap (a scrolling region), td.num (figures), tr.total, .met and
 * .missed (an SLA result, always in words too), .notes, .rules.
 * Colours meet WCAG 2.2 AA on white (text 16:1, links 5.2:1, red 4.5:1,
 * green 6.1:1); focus is a thick yellow outline with a dark edge.
 */
static const char stylesheet[] =
    ":root{--text:#0b0c0c;--muted:#505a5f;--line:#b1b4b6;--stripe:#f3f2f1;"
    "--link:#1d70b8;--focus:#ffdd00;--met:#00703c;--missed:#d4351c}\n"
    "body{margin:0;font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Arial,sans-serif;"
    "color:var(--text);background:#fff}\n"
    "main{max-width:80rem;margin:0 auto;padding:1rem}\n"
    "h1{font-size:1.75rem;margin:.5rem 0}h2{font-size:1.35rem;margin:2rem 0 .5rem}\n"
    ".period{font-size:1.2rem;margin:0 0 .25rem}.generated,.notes{color:var(--muted)}\n"
    "a{color:var(--link)}\n"
    "a:focus,.table-wrap:focus{outline:3px solid var(--focus);outline-offset:0;"
    "box-shadow:0 0 0 6px var(--text)}\n"
    ".skip{position:absolute;left:-999rem}.skip:focus{position:static;display:inline-block;"
    "padding:.5rem;background:var(--focus);color:var(--text)}\n"
    ".table-wrap{overflow-x:auto;margin:0 0 1rem}\n"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums}\n"
    "caption{text-align:left;font-weight:600;padding:.25rem 0}\n"
    "th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top}\n"
    "thead th{border-bottom:2px solid var(--text)}\n"
    "td.num,th.num{text-align:right;white-space:nowrap}\n"
    "tbody tr:nth-child(even){background:var(--stripe)}\n"
    "tfoot th,tfoot td{font-weight:600;border-top:2px solid var(--text)}\n"
    ".met{color:var(--met)}.missed{color:var(--missed);font-weight:600}\n"
    "@media print{.skip{display:none}.table-wrap{overflow:visible}"
    "body{font-size:9pt}main{max-width:none;padding:0}"
    "tbody tr:nth-child(even){background:none}h2{break-after:avoid}"
    "table{break-inside:auto}tr{break-inside:avoid}}\n";

const char *gw_report_html_stylesheet(void)
{
    return stylesheet;
}

static void put_row(struct gw_strbuf *b, const struct gw_report_table *t, size_t r)
{
    gw_strbuf_append(b, t->total[r] ? "<tr class=\"total\">" : "<tr>");
    for (size_t c = 0; c < t->n_cols; c++) {
        const char *text = t->rows[r][c];
        bool header = c == t->header_col;
        enum gw_report_mark m = t->marks[r][c];
        const char *result = m == GW_REPORT_MARK_MET      ? "met"
                             : m == GW_REPORT_MARK_MISSED ? "missed"
                                                          : NULL;
        gw_strbuf_append(b, header ? "<th scope=\"row\"" : "<td");
        if (t->numeric[c] || result) {
            gw_strbuf_printf(b, " class=\"%s%s%s\"", t->numeric[c] ? "num" : "",
                             t->numeric[c] && result ? " " : "", result ? result : "");
        }
        gw_strbuf_append_char(b, '>');
        gw_strbuf_append_xml_text(b, text);
        gw_strbuf_append(b, header ? "</th>" : "</td>");
    }
    gw_strbuf_append(b, "</tr>\n");
}

static void put_table(struct gw_strbuf *b, const struct gw_report_table *t)
{
    if (!t->n_rows) {
        if (t->empty) {
            gw_strbuf_append(b, "<p>");
            gw_strbuf_append_xml_text(b, t->empty);
            gw_strbuf_append(b, "</p>\n");
        }
        return;
    }
    gw_strbuf_printf(b,
                     "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"cap-%s\" "
                     "tabindex=\"0\">\n<table id=\"%s\">\n<caption id=\"cap-%s\">",
                     t->id, t->id, t->id);
    gw_strbuf_append_xml_text(b, t->caption);
    gw_strbuf_append(b, "</caption>\n<thead><tr>");
    for (size_t c = 0; c < t->n_cols; c++) {
        gw_strbuf_append(b,
                         t->numeric[c] ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">");
        gw_strbuf_append_xml_text(b, t->headers[c]);
        gw_strbuf_append(b, "</th>");
    }
    gw_strbuf_append(b, "</tr></thead>\n");
    /* Rows first, totals after: the layout keeps them in that order. */
    size_t first_total = t->n_rows;
    for (size_t r = 0; r < t->n_rows; r++) {
        if (t->total[r]) {
            first_total = r;
            break;
        }
    }
    if (first_total > 0) {
        gw_strbuf_append(b, "<tbody>\n");
        for (size_t r = 0; r < first_total; r++)
            put_row(b, t, r);
        gw_strbuf_append(b, "</tbody>\n");
    }
    if (first_total < t->n_rows) {
        gw_strbuf_append(b, "<tfoot>\n");
        for (size_t r = first_total; r < t->n_rows; r++)
            put_row(b, t, r);
        gw_strbuf_append(b, "</tfoot>\n");
    }
    gw_strbuf_append(b, "</table>\n</div>\n");
}

static void put_list(struct gw_strbuf *b, const char *id, const char *heading, const char *cls,
                     const char *const *items, size_t n)
{
    gw_strbuf_printf(b, "<section aria-labelledby=\"h-%s\">\n<h2 id=\"h-%s\">", id, id);
    gw_strbuf_append_xml_text(b, heading);
    gw_strbuf_printf(b, "</h2>\n<ul class=\"%s\">\n", cls);
    for (size_t i = 0; i < n; i++) {
        gw_strbuf_append(b, "<li>");
        gw_strbuf_append_xml_text(b, items[i]);
        gw_strbuf_append(b, "</li>\n");
    }
    gw_strbuf_append(b, "</ul>\n</section>\n");
}

static void put_main(struct gw_strbuf *b, const struct gw_report_layout *l)
{
    gw_strbuf_append(b, "<main id=\"report\">\n<h1>");
    gw_strbuf_append_xml_text(b, l->title);
    gw_strbuf_append(b, "</h1>\n<p class=\"period\">");
    gw_strbuf_append_xml_text(b, l->period);
    gw_strbuf_append(b, "</p>\n<p class=\"generated\">");
    gw_strbuf_append_xml_text(b, l->generated);
    gw_strbuf_append(b, "</p>\n");
    bool open = false;
    for (size_t i = 0; i < l->n_tables; i++) {
        const struct gw_report_table *t = &l->tables[i];
        if (t->heading) {
            if (open)
                gw_strbuf_append(b, "</section>\n");
            gw_strbuf_printf(b, "<section aria-labelledby=\"h-%s\">\n<h2 id=\"h-%s\">", t->id,
                             t->id);
            gw_strbuf_append_xml_text(b, t->heading);
            gw_strbuf_append(b, "</h2>\n");
            open = true;
        }
        put_table(b, t);
    }
    if (open)
        gw_strbuf_append(b, "</section>\n");
    put_list(b, "sources", l->sources_heading, "notes", (const char *const *)l->notes, l->n_notes);
    put_list(b, "rules", l->rules_heading, "rules", l->rules, l->n_rules);
    gw_strbuf_append(b, "</main>\n");
}

char *gw_report_html_render(const struct gw_report *r, enum gw_lang lang,
                            const struct gw_report_html_options *options)
{
    struct gw_report_html_options none = {0};
    const struct gw_report_html_options *o = options ? options : &none;
    struct gw_report_layout *l = gw_report_layout_new(r, lang);
    struct gw_strbuf b = {0};
    if (o->fragment) {
        put_main(&b, l);
        gw_report_layout_free(l);
        return gw_strbuf_take(&b);
    }
    gw_strbuf_printf(&b,
                     "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<title>",
                     gw_i18n_lang_code(lang));
    gw_strbuf_append_xml_text(&b, l->title);
    gw_strbuf_append(&b, " — ");
    gw_strbuf_append_xml_text(&b, l->period);
    gw_strbuf_append(&b, "</title>\n");
    if (o->stylesheet_href) {
        gw_strbuf_append(&b, "<link rel=\"stylesheet\" href=\"");
        gw_strbuf_append_xml_attr(&b, o->stylesheet_href);
        gw_strbuf_append(&b, "\">\n");
    } else {
        gw_strbuf_printf(&b, "<style>\n%s</style>\n", stylesheet);
    }
    gw_strbuf_append(&b, "</head>\n<body>\n<a class=\"skip\" href=\"#report\">");
    gw_strbuf_append_xml_text(&b, gw_i18n_tr(lang, "Skip to the report"));
    gw_strbuf_append(&b, "</a>\n");
    put_main(&b, l);
    gw_strbuf_append(&b, "</body>\n</html>\n");
    gw_report_layout_free(l);
    return gw_strbuf_take(&b);
}
