/*
 * The report as an HTML page: valid HTML, `lang` set, a skip link, one
 * section per part with a heading, tables with captions, column headers
 * (scope=col) and row headers (scope=row), totals in <tfoot>, each table in
 * a box that scrolls sideways on narrow screens and can be reached by
 * keyboard, and results in words as well as colour. No script.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_layout.h"
#include "report/report_render.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/*
 * The web pages' conventions (daemon/web's style.css): .skip (skip link),
 * .scroll (a table that may scroll sideways), .num (figures, aligned
 * right), the same colours and focus; and the report's own .period,
 * tr.total, .met and .missed (an SLA result, always in words too), .notes,
 * .rules. Colours meet WCAG 2.2 AA on white: text 16:1, links 8:1, the red
 * 7:1, the green 6:1; focus is a thick dark outline on yellow.
 */
static const char stylesheet[] =
    "*,*::before,*::after{box-sizing:border-box}\n"
    "html{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif;"
    "font-size:100%;line-height:1.5;color:#1b1b1b;background:#fff}\n"
    "body{margin:0}\n"
    "a{color:#1d4f91;text-decoration:underline;text-underline-offset:.15em}\n"
    "a:focus-visible,main:focus-visible,[tabindex]:focus-visible{outline:3px solid #1b1b1b;"
    "outline-offset:2px;background:#ffdd00;color:#1b1b1b}\n"
    ".skip{position:absolute;left:-9999px;top:0;padding:.5rem 1rem;background:#ffdd00;"
    "color:#1b1b1b;z-index:10}\n"
    ".skip:focus{left:.5rem;top:.5rem}\n"
    "main{display:block;padding:0 1rem 2rem;max-width:90rem}\n"
    "h1{font-size:2rem;line-height:1.2;margin:1rem 0;overflow-wrap:anywhere}\n"
    "h2{font-size:1.5rem;margin:2rem 0 .75rem}\n"
    ".period{font-size:1.2rem;margin:0 0 .25rem}.generated,.notes{color:#505a5f}\n"
    ".scroll{max-width:100%;overflow-x:auto;position:relative}\n"
    "table{border-collapse:collapse;margin:0 0 1.5rem}\n"
    "caption{text-align:left;font-weight:700;font-size:1.1rem;padding:0 0 .5rem}\n"
    "th,td{text-align:left;vertical-align:top;padding:.4rem .75rem .4rem 0;"
    "border-bottom:1px solid #b1b4b6}\n"
    "thead th{border-bottom:2px solid #505a5f}\n"
    ".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tfoot th,tfoot td{font-weight:700;border-top:2px solid #505a5f}\n"
    ".met{color:#00703c}.missed{color:#b10e1e;font-weight:700}\n"
    "@media (max-width:40rem){h1{font-size:1.5rem}main{padding:0 .5rem 1rem}"
    "th,td{padding-right:.5rem}}\n"
    "@media print{.skip{display:none}html{font-size:9pt;color:#000}.scroll{overflow:visible}"
    "main{max-width:none;padding:0}h2{break-after:avoid}tr{break-inside:avoid}}\n";

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
    /* A wide table scrolls sideways in its own box, which the keyboard can reach and a
     * screen reader names by the table's caption. */
    gw_strbuf_printf(b,
                     "<section class=\"scroll\" aria-labelledby=\"cap-%s\" tabindex=\"0\">\n"
                     "<table id=\"%s\">\n<caption id=\"cap-%s\">",
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
    gw_strbuf_append(b, "</table>\n</section>\n");
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

/* The report inside <main>, after its <h1>. */
static void put_content(struct gw_strbuf *b, const struct gw_report_layout *l)
{
    gw_strbuf_append(b, "<p class=\"period\">");
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
}

char *gw_report_html_render(const struct gw_report *r, enum gw_lang lang,
                            const struct gw_report_html_options *options)
{
    struct gw_report_html_options none = {0};
    const struct gw_report_html_options *o = options ? options : &none;
    struct gw_report_layout *l = gw_report_layout_new(r, lang);
    struct gw_strbuf b = {0};
    if (o->fragment) {
        put_content(&b, l);
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
    gw_strbuf_append(&b, "<main id=\"report\">\n<h1>");
    gw_strbuf_append_xml_text(&b, l->title);
    gw_strbuf_append(&b, "</h1>\n");
    put_content(&b, l);
    gw_strbuf_append(&b, "</main>\n</body>\n</html>\n");
    gw_report_layout_free(l);
    return gw_strbuf_take(&b);
}
