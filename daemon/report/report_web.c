#include "report/report_web.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report/report.h"
#include "report/report_period.h"
#include "report/report_text.h"
#include "util/london.h"
#include "util/xalloc.h"

#define ID_MAX 64

static void reply_error(struct gw_report_web_reply *out, enum gw_report_web_kind kind,
                        unsigned status, const char *message)
{
    out->status = status;
    out->complete = false;
    if (kind == GW_REPORT_WEB_API) {
        json_t *o = json_pack("{s:s,s:i}", "error", message, "status", (int)status);
        char *text = json_dumps(o, 0);
        json_decref(o);
        out->body = gw_xasprintf("%s\n", text);
        free(text);
        out->content_type = gw_report_format_content_type(GW_REPORT_FORMAT_JSON);
    } else {
        out->body = gw_xasprintf("%s\n", message);
        out->content_type = "text/plain; charset=utf-8";
    }
    out->len = strlen(out->body);
}

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* "YYYY-MM[/council][.ext]": the parts, each checked for what it may hold. */
struct path {
    char month[8];
    char council[ID_MAX + 1]; /* "" when none */
    char ext[8];              /* "" when none */
};

static bool parse_path(const char *rest, struct path *p)
{
    memset(p, 0, sizeof(*p));
    size_t len = strlen(rest);
    const char *dot = strrchr(rest, '.');
    size_t body = len;
    if (dot) {
        size_t elen = len - (size_t)(dot - rest) - 1;
        if (elen == 0 || elen >= sizeof(p->ext))
            return false;
        memcpy(p->ext, dot + 1, elen);
        body = (size_t)(dot - rest);
    }
    if (body < 7)
        return false;
    memcpy(p->month, rest, 7);
    for (int i = 0; i < 7; i++)
        if (i == 4 ? rest[i] != '-' : (rest[i] < '0' || rest[i] > '9'))
            return false;
    if (body == 7)
        return true;
    if (rest[7] != '/' || body - 8 == 0 || body - 8 > ID_MAX)
        return false;
    for (size_t i = 8; i < body; i++)
        if (!id_char(rest[i]))
            return false;
    memcpy(p->council, rest + 8, body - 8);
    return true;
}

static bool format_of_ext(const char *ext, enum gw_report_format *f)
{
    if (!*ext || strcmp(ext, "html") == 0)
        *f = GW_REPORT_FORMAT_HTML;
    else if (strcmp(ext, "txt") == 0)
        *f = GW_REPORT_FORMAT_TABLE;
    else if (strcmp(ext, "csv") == 0)
        *f = GW_REPORT_FORMAT_CSV;
    else if (strcmp(ext, "json") == 0)
        *f = GW_REPORT_FORMAT_JSON;
    else
        return false;
    return true;
}

static bool valid_category(const char *c)
{
    size_t n = strlen(c);
    if (n == 0 || n > ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
            return false;
    return true;
}

void gw_report_web_handle(const struct gw_config *config, enum gw_report_web_kind kind,
                          const char *rest, const char *category, enum gw_lang lang, int64_t now_ms,
                          const struct gw_report_html_options *html,
                          struct gw_report_web_reply *out)
{
    memset(out, 0, sizeof(*out));
    struct path p;
    enum gw_report_format format = GW_REPORT_FORMAT_JSON;
    if (!rest || !parse_path(rest, &p) ||
        (kind == GW_REPORT_WEB_API ? p.ext[0] != '\0' : !format_of_ext(p.ext, &format))) {
        reply_error(out, kind, 404,
                    "no such report (expected a month, YYYY-MM, then optionally /COUNCIL)");
        return;
    }
    if (category && !valid_category(category)) {
        reply_error(out, kind, 400, "bad category parameter");
        return;
    }
    struct gw_report_request req = {
        .council = p.council[0] ? p.council : NULL,
        .category = category,
        .now_ms = now_ms,
    };
    if (gw_report_period_parse_month(p.month, &req.year, &req.month, &req.start_ms, &req.end_ms) <
        0) {
        reply_error(out, kind, 404, "no such month (expected YYYY-MM)");
        return;
    }
    if (req.start_ms > now_ms) {
        reply_error(out, kind, 404, "that month has not begun");
        return;
    }
    struct gw_report *r = NULL;
    char *error = NULL;
    int rc = gw_report_build(config, &req, &r, &error);
    if (rc < 0) {
        reply_error(out, kind, rc == -ENOENT ? 404 : 400, error);
        free(error);
        return;
    }
    out->status = 200;
    out->body = gw_report_render(r, format, lang, html, &out->len);
    if (format == GW_REPORT_FORMAT_HTML && html && html->fragment)
        out->title = gw_report_text_title(r, lang);
    out->content_type = gw_report_format_content_type(format);
    out->complete = r->measured_end_ms >= r->end_ms;
    gw_report_free(r);
}

void gw_report_web_last_month(int64_t now_ms, char out[8])
{
    struct gw_civil c;
    gw_london_civil(now_ms / 1000, &c);
    unsigned y = (unsigned)(c.month == 1 ? c.year - 1 : c.year) % 10000;
    unsigned m = c.month == 1 ? 12 : (unsigned)c.month - 1;
    snprintf(out, 8, "%04u-%02u", y, m % 100);
}
