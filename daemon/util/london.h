/*
 * Europe/London civil time, computed from the rule in force since 1996
 * (British Summer Time, UTC+1, from 01:00 UTC on the last Sunday of March
 * to 01:00 UTC on the last Sunday of October; GMT otherwise) instead of the
 * process's time zone, so maintenance windows and the times people read
 * mean the same whatever TZ the daemon runs under. Pure.
 */
#ifndef GW_LONDON_H
#define GW_LONDON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gw_civil {
    int year, month, day; /* month 1..12 */
    int hour, minute, second;
    int weekday; /* 0 = Sunday .. 6 */
};

/* Days since 1970-01-01 of a date of the proleptic Gregorian calendar. */
int64_t gw_london_days(int year, int month, int day);
/* The date `days` after 1970-01-01. */
void gw_london_date(int64_t days, int *year, int *month, int *day);
/* The weekday (0 = Sunday) of the date `days` after 1970-01-01. */
int gw_london_weekday(int64_t days);

/* The instants (seconds since the epoch) the clocks go forward and back in `year`. */
int64_t gw_london_bst_start(int year);
int64_t gw_london_bst_end(int year);

/* Europe/London's offset from UTC at the instant t_s: 0 (GMT) or 3600 (BST). */
int gw_london_offset_s(int64_t t_s);

/* The local time in Europe/London at the instant t_s. */
void gw_london_civil(int64_t t_s, struct gw_civil *out);

/*
 * The instants at which Europe/London clocks show `minute` (0..1440;
 * 1440 is the midnight that ends the day) on the date year-month-day.
 * Returns 1 on an ordinary day; 2 in October's repeated hour (out[0] the
 * first pass, in BST; out[1] the second, in GMT); 0 in March's skipped
 * hour, the clock never showing that time: out[0] is then the instant
 * the clocks went forward.
 */
int gw_london_instants(int year, int month, int day, int minute, int64_t out[2]);

/*
 * A local time in Europe/London without a zone, "2026-12-01 22:00" or
 * "2026-12-01T22:00:30", to seconds since the epoch: a time the clocks show
 * twice is its first pass (with `last`, its second); one they skip is the
 * moment they went forward. Returns 0, or -EINVAL for any other text
 * (a time with a zone included).
 */
int gw_london_parse_local(const char *text, bool last, int64_t *out_s);

/* "2026-03-29 02:30 BST": the instant as people in Wales read it. Truncated to size. */
void gw_london_format(int64_t t_s, char *buf, size_t size);

#endif
