/*
 * The periods of reports: calendar months in Europe/London time, and the
 * times people write for --from and --to. Pure (the time "now" is an
 * argument).
 */
#ifndef GW_REPORT_PERIOD_H
#define GW_REPORT_PERIOD_H

#include <stdint.h>

/*
 * The first instant of month `month` (1..12) of `year` in Europe/London time
 * and the first of the next month, in ms since the epoch: local midnights,
 * so a month with a change of the clocks lasts 743 or 745 hours.
 */
void gw_report_period_month_bounds(int year, int month, int64_t *start_ms, int64_t *end_ms);

/*
 * The period of "YYYY-MM" in Europe/London time: 0 with *start_ms and
 * *end_ms, *year and *month set; or -EINVAL.
 */
int gw_report_period_parse_month(const char *text, int *year, int *month, int64_t *start_ms,
                                 int64_t *end_ms);

/*
 * A point in time for --from / --to: "YYYY-MM-DD" (local midnight),
 * "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS]" in Europe/London time,
 * an RFC 3339 time with its zone, seconds since the epoch, "now", or
 * "-DURATION" before now. Returns 0 and *out_ms, or -EINVAL.
 */
int gw_report_period_parse_time(const char *text, int64_t now_ms, int64_t *out_ms);

#endif
