/*
 * Reports for the web server: /report/... pages and /api/v1/reports/...
 * (report/report_web.h builds them). A report reads many files, so it is
 * built on the server's thread that asked for it, one at a time (a request
 * while another report is being built is told to come back, rather than
 * holding a second thread), and what was built is kept: a period that is
 * over for GW_WEB_REPORTS_DONE_MS, the current month for
 * GW_WEB_REPORTS_OPEN_MS. Before building one, the RRD writer writes the
 * points it holds, so a report of the month under way counts every result.
 */
#ifndef GW_WEB_REPORTS_H
#define GW_WEB_REPORTS_H

#include <stdint.h>

#include "config/config.h"
#include "report/report_web.h"

struct gw_rrd_writer;

#define GW_WEB_REPORTS_DONE_MS 600000u
#define GW_WEB_REPORTS_OPEN_MS 60000u
#define GW_WEB_REPORTS_CACHE   16u

struct gw_web_reports;

/* An empty cache, reports read after `writer` (borrowed; NULL: none) wrote. Caller frees. */
struct gw_web_reports *gw_web_reports_new(struct gw_rrd_writer *writer);
/* Frees the cache; NULL does nothing. */
void gw_web_reports_free(struct gw_web_reports *w);

/*
 * The reply to a report request (gw_report_web_handle's arguments; HTML
 * pages come as a fragment with its title, for the site's frame), from the
 * cache or built now. Fills *out (its body and title are the caller's to
 * free). Returns 0, or -EBUSY when another report is being built and this
 * one is not kept: *out is then untouched. Any thread; blocks while it
 * builds.
 */
int gw_web_reports_get(struct gw_web_reports *w, const struct gw_config *config,
                       enum gw_report_web_kind kind, const char *rest, const char *category,
                       enum gw_lang lang, int64_t now_ms, struct gw_report_web_reply *out);

#endif
