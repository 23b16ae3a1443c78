/*
 * The words of reports, in English or Welsh, beyond the dates, durations
 * and figures every page shares (i18n/format.h): minutes, the period, the
 * result of an SLA, where figures came from, an outage's cause, and the
 * sentences of the accounting rules. Every text goes through i18n/i18n.h.
 * Pure.
 */
#ifndef GW_REPORT_TEXT_H
#define GW_REPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "i18n/i18n.h"
#include "report/report.h"
#include "util/strbuf.h"

/* Shown where there is no figure (no outage for an MTTR, nothing measured): as
 * i18n/format.h shows a percentage of nothing. */
#define GW_REPORT_TEXT_NONE "–"

/* Appends minutes with one decimal: "1,234.5"; GW_REPORT_TEXT_NONE when ms < 0. */
void gw_report_text_minutes(struct gw_strbuf *b, int64_t ms);

/*
 * The title of a report: "24/7 service delivery: Wales", with the council
 * and category when it is limited to them. Caller frees.
 */
char *gw_report_text_title(const struct gw_report *r, enum gw_lang lang);

/*
 * The period of a report for its title: "November 2026" for a calendar
 * month, else "1 Nov 2026, 00:00 to 8 Nov 2026, 00:00"; with " (so far:
 * until ...)" when it is not over. Caller frees.
 */
char *gw_report_text_period(const struct gw_report *r, enum gw_lang lang);

/* "met", "missed" or "—". Borrowed. */
const char *gw_report_text_sla(enum gw_report_sla sla, enum gw_lang lang);
/* "event log", "RRD files" or "no data". Borrowed. */
const char *gw_report_text_source(enum gw_report_source source, enum gw_lang lang);
/* The name of a category to show ("digital-services" as it is; "no category" for NULL). Borrowed.
 */
const char *gw_report_text_category(const char *category, enum gw_lang lang);
/* "caused by cardiff/network" / "maintenance" / "" for an outage's cause. Caller frees. */
char *gw_report_text_cause(const struct gw_timeline_outage *o, enum gw_lang lang);

/*
 * The accounting rules, one sentence each, in English (msgids: show each
 * through gw_i18n_tr). Sets *msgids (static); returns their number.
 */
size_t gw_report_text_rules(const char *const **msgids);

/*
 * Lines saying where the figures came from ("Event log from 3 Nov 2026,
 * 10:00: 1,234 lines read.", "RRD files read: 25."). Caller frees
 * each line and the array. Returns their number.
 */
size_t gw_report_text_sources(const struct gw_report *r, enum gw_lang lang, char ***out);

#endif
