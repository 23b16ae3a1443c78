/*
 * Dates, times, durations and figures as a person reads them, in English or
 * Welsh: Welsh day and month names, the units of each language, and one
 * rounding rule for availability (down, so any downtime keeps it under
 * 100 %). Times are Europe/London time (util/london.h), whatever the
 * server's time zone. Everything appends to a buffer; the text is plain
 * (escape it for HTML where it goes into a page). Pages, reports and
 * notifications share it.
 */
#ifndef GW_FORMAT_H
#define GW_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "i18n/i18n.h"
#include "util/strbuf.h"

/* "Wednesday 2 December 2026" / "Dydd Mercher 2 Rhagfyr 2026"; no weekday: "2 December 2026". */
void gw_format_date(struct gw_strbuf *b, enum gw_lang lang, int64_t ms, bool weekday);
/* "2 Dec 2026, 14:05" / "2 Rhag 2026, 14:05"; the year left out when it is `now_ms`'s. */
void gw_format_datetime(struct gw_strbuf *b, enum gw_lang lang, int64_t ms, int64_t now_ms);
/* "2 Dec" / "2 Rhag": a day in a short list. */
void gw_format_day_short(struct gw_strbuf *b, enum gw_lang lang, int64_t ms);
/* "3 h 12 min" / "3 awr 12 mun"; seconds under a minute, days over two days. */
void gw_format_duration(struct gw_strbuf *b, enum gw_lang lang, double seconds);
/* "November" / "Tachwedd" for month 1..12; "" out of range. Borrowed. */
const char *gw_format_month(enum gw_lang lang, int month);
/* "99.95 %", rounded down to two decimals; "–" (no data) for NAN. */
void gw_format_percent(struct gw_strbuf *b, enum gw_lang lang, double ratio);
/* "212 ms" (under 10 ms with one decimal); "–" for NAN. */
void gw_format_ms(struct gw_strbuf *b, enum gw_lang lang, double seconds);
/* "10,000": thousands separated, as both languages write them in Wales. */
void gw_format_count(struct gw_strbuf *b, uint64_t n);
/* An RFC 3339 time in UTC with milliseconds, "2026-11-03T10:12:03.123Z", for machines. */
void gw_format_rfc3339(struct gw_strbuf *b, int64_t ms);
/* The time zone of Wales at `ms`: "GMT" or "BST". */
void gw_format_zone(struct gw_strbuf *b, int64_t ms);

#endif
