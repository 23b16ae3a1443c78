/*
 * A report rendered for people or machines, in English or Welsh:
 *
 *   table  aligned columns for a terminal (report_table.c)
 *   csv    RFC 4180: one row per target, category, council and Wales,
 *          headers in the report's language, numbers without separators
 *          (report_csv.c)
 *   json   the document docs/reports.md describes, also served at
 *          /api/v1/reports/... (report_json.c)
 *   html   a valid, accessible page: semantic tables with captions and
 *          header cells, `lang` set, its own small stylesheet so a file
 *          stands alone (report_html.c)
 *
 * Every text people read goes through i18n/i18n.h. Rendering is pure: no
 * I/O, any thread.
 */
#ifndef GW_REPORT_RENDER_H
#define GW_REPORT_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "i18n/i18n.h"
#include "report/report.h"

enum gw_report_format {
    GW_REPORT_FORMAT_TABLE,
    GW_REPORT_FORMAT_CSV,
    GW_REPORT_FORMAT_JSON,
    GW_REPORT_FORMAT_HTML,
};

struct gw_report_html_options {
    /*
     * Link this stylesheet (an URL, borrowed) instead of embedding
     * gw_report_html_stylesheet(): for pages served beside others that share it.
     */
    const char *stylesheet_href;
    /*
     * Only the report's content, for a page that puts its own document,
     * header, language switch, <main> and <h1> (gw_report_text_title) around
     * it: the period, then a <section> for each part.
     */
    bool fragment;
};

/* "table", "csv", "json" or "html": 0 and *out set, or -EINVAL. */
int gw_report_format_parse(const char *text, enum gw_report_format *out);
/* The name of a format ("csv"). Static. */
const char *gw_report_format_name(enum gw_report_format format);
/* Its media type: "text/plain; charset=utf-8", "text/csv; charset=utf-8; header=present",
 * "application/json", "text/html; charset=utf-8". Static. */
const char *gw_report_format_content_type(enum gw_report_format format);

/*
 * Renders `r` (borrowed) in `format` and `lang`. `html` (may be NULL)
 * applies to HTML only. Returns the text (caller frees), its length in *len
 * when len is not NULL.
 */
char *gw_report_render(const struct gw_report *r, enum gw_report_format format, enum gw_lang lang,
                       const struct gw_report_html_options *html, size_t *len);

/* The formats, one per file. Each returns text the caller frees. */
char *gw_report_table_render(const struct gw_report *r, enum gw_lang lang);
char *gw_report_csv_render(const struct gw_report *r, enum gw_lang lang);
char *gw_report_json_render(const struct gw_report *r, enum gw_lang lang);
char *gw_report_html_render(const struct gw_report *r, enum gw_lang lang,
                            const struct gw_report_html_options *options);

/* The stylesheet HTML reports embed: the same class names the web pages use. Static. */
const char *gw_report_html_stylesheet(void);

#endif
