/*
 * Reports over HTTP: what the web server answers under /report/ (pages) and
 * /api/v1/reports/ (JSON), given the rest of the path after that prefix.
 *
 *   pages  /report/2026-11              all councils, HTML
 *          /report/2026-11/cardiff      one council
 *          /report/2026-11.csv          .csv, .json, .txt (terminal table) or .html
 *          ?category=digital-services   only that category
 *          (in Welsh under /cy/report/...: the caller passes the language)
 *   API    /api/v1/reports/2026-11[/cardiff][?category=C]   JSON, always
 *
 * A path that is not one of these, or names a council the configuration
 * lacks, is 404 — nothing here reaches a file by the path. A month that has
 * not begun is 404; the current month is reported so far.
 *
 * Building a report reads many files and blocks: call this on the web
 * server's own thread or a worker, never on the loop thread. It never uses
 * rrdcached (the daemon's RRD writer owns librrd's connection): files are
 * read as they are on disk, so figures may lag the last few minutes that
 * rrdcached holds, and with a remote rrdcached only the event log is read.
 */
#ifndef GW_REPORT_WEB_H
#define GW_REPORT_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "i18n/i18n.h"
#include "report/report_render.h"

enum gw_report_web_kind {
    GW_REPORT_WEB_PAGE, /* under /report/ */
    GW_REPORT_WEB_API,  /* under /api/v1/reports/ */
};

struct gw_report_web_reply {
    unsigned status; /* 200, 404 (no such report), 400 (a bad category parameter) */
    char *body;      /* caller frees */
    size_t len;
    const char *content_type; /* static */
    /* For an HTML fragment (html->fragment): the report's title, for the page's
     * <title> and <h1>; caller frees. NULL otherwise. */
    char *title;
    /* The period is over: the report will not change unless history is rewritten,
     * so it may be cached for long (Cache-Control). */
    bool complete;
};

/*
 * Answers the request for `rest` (the path after the prefix, without a
 * leading slash; borrowed) with the report of `config` (borrowed for the
 * call: the snapshot the web server reads holds it) in `lang`, for the time
 * `now_ms`. `category` is the query
 * parameter or NULL. `html` shapes HTML pages (NULL: a page that stands
 * alone). Fills *out; the body of an error is a sentence (JSON {"error":
 * "..."} for the API).
 */
void gw_report_web_handle(const struct gw_config *config, enum gw_report_web_kind kind,
                          const char *rest, const char *category, enum gw_lang lang, int64_t now_ms,
                          const struct gw_report_html_options *html,
                          struct gw_report_web_reply *out);

/* "YYYY-MM" of the last month that is over at `now_ms`, in Europe/London time, into out[8]. */
void gw_report_web_last_month(int64_t now_ms, char out[8]);

#endif
