/*
 * The figures of reports as people read them, in English or Welsh: numbers
 * with thousands separated by commas and a decimal point (both languages'
 * convention in Wales), percentages, durations, dates with the month's name,
 * and the sentences of the accounting rules. Every text goes through
 * i18n/i18n.h; times are shown in Europe/London time.
 *
 * Functions that fill `buf` write at most `size` bytes, always
 * NUL-terminated; GW_REPORT_TEXT_MAX is enough for any of them. Pure.
 */
#ifndef GW_REPORT_TEXT_H
#define GW_REPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "i18n/i18n.h"
#include "report/report.h"

#define GW_REPORT_TEXT_MAX 128

/* Shown where there is no figure (no outage for an MTTR, nothing measured). */
#define GW_REPORT_TEXT_NONE "—"

/* "99.954%", rounded down so that any downtime keeps it below 100%; "—" for NAN. */
void gw_report_text_percent(char *buf, size_t size, double ratio);
/* "1,234". */
void gw_report_text_count(char *buf, size_t size, uint64_t n);
/* Minutes with one decimal: "1,234.5"; "—" when ms < 0. */
void gw_report_text_minutes(char *buf, size_t size, int64_t ms);
/* "2 d 3 h", "3 h 05 min", "12 min 30 s", "45 s" (Welsh: "2 diwrnod 3 awr", "3 awr 05 mun",
 * "12 mun 30 eil"); "—" when ms < 0. */
void gw_report_text_duration(char *buf, size_t size, int64_t ms, enum gw_lang lang);
/* "3 November 2026, 14:05" / "3 Tachwedd 2026, 14:05", local time. */
void gw_report_text_datetime(char *buf, size_t size, int64_t ms, enum gw_lang lang);
/* "November" / "Tachwedd" for month 1..12; "" out of range. Borrowed. */
const char *gw_report_text_month(int month, enum gw_lang lang);

/*
 * The period of a report for its title: "November 2026" for a calendar
 * month, else "1 November 2026, 00:00 to 8 November 2026, 00:00"; with
 * ", so far" when it is not over. Caller frees.
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
 * Lines saying where the figures came from ("Event log from 3 November
 * 2026, 10:00: 1,234 lines", "RRD files read directly: 25"). Caller frees
 * each line and the array. Returns their number.
 */
size_t gw_report_text_sources(const struct gw_report *r, enum gw_lang lang, char ***out);

#endif
