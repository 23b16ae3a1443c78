#include "report/report_render.h"

#include <errno.h>
#include <string.h>

static const struct {
    const char *name;
    const char *content_type;
} formats[] = {
    [GW_REPORT_FORMAT_TABLE] = {"table", "text/plain; charset=utf-8"},
    [GW_REPORT_FORMAT_CSV] = {"csv", "text/csv; charset=utf-8; header=present"},
    [GW_REPORT_FORMAT_JSON] = {"json", "application/json"},
    [GW_REPORT_FORMAT_HTML] = {"html", "text/html; charset=utf-8"},
};

#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

int gw_report_format_parse(const char *text, enum gw_report_format *out)
{
    for (size_t i = 0; text && i < N_FORMATS; i++) {
        if (strcmp(text, formats[i].name) == 0) {
            *out = (enum gw_report_format)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *gw_report_format_name(enum gw_report_format format)
{
    return (size_t)format < N_FORMATS ? formats[format].name : "";
}

const char *gw_report_format_content_type(enum gw_report_format format)
{
    return (size_t)format < N_FORMATS ? formats[format].content_type : "application/octet-stream";
}

char *gw_report_render(const struct gw_report *r, enum gw_report_format format, enum gw_lang lang,
                       const struct gw_report_html_options *html, size_t *len)
{
    char *text = NULL;
    switch (format) {
    case GW_REPORT_FORMAT_TABLE:
        text = gw_report_table_render(r, lang);
        break;
    case GW_REPORT_FORMAT_CSV:
        text = gw_report_csv_render(r, lang);
        break;
    case GW_REPORT_FORMAT_JSON:
        text = gw_report_json_render(r, lang);
        break;
    case GW_REPORT_FORMAT_HTML:
        text = gw_report_html_render(r, lang, html);
        break;
    }
    if (len)
        *len = text ? strlen(text) : 0;
    return text;
}
