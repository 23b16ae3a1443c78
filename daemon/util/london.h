/*
 * Wall-clock time in Wales: Europe/London, GMT in winter and BST (UTC+1)
 * from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
 * Sunday of October (the rule in force since 1996; earlier years are taken
 * by the same rule). Computed, not read from the system's zone files or
 * TZ, so reports and maintenance windows mean the same on a server set to
 * UTC, and any thread may call these at any time.
 *
 * Pure: no I/O, no clocks read inside.
 */
#ifndef GW_LONDON_H
#define GW_LONDON_H

#include <stdint.h>

/* A local date and time, as people in Wales read it. */
struct gw_london_civil {
    int year;
    int month;    /* 1..12 */
    int day;      /* 1..31 */
    int hour;     /* 0..23 */
    int minute;   /* 0..59 */
    int second;   /* 0..59 */
    int weekday;  /* 0 = Sunday .. 6 */
    int offset_s; /* 0 (GMT) or 3600 (BST) */
};

/* Days from 1970-01-01 to the date y-m-d of the proleptic Gregorian calendar. */
int64_t gw_london_days_from_civil(int year, int month, int day);
/* The number of days of month `month` (1..12) of `year`; 0 for a month out of range. */
int gw_london_days_in_month(int year, int month);

/* The offset of local time from UTC at `utc_s`: 0 or 3600 seconds. */
int gw_london_offset_s(int64_t utc_s);

/* The local date and time of `utc_s` (seconds since the epoch). */
void gw_london_civil(int64_t utc_s, struct gw_london_civil *out);

/*
 * Seconds since the epoch of a local date and time. A time that does not
 * exist (the hour skipped in March) is taken as GMT, so it lands as far into
 * BST as it was into the gap; a time that happens twice (the hour repeated in
 * October) is the first, in BST. Fields out of range are not checked: use
 * gw_london_valid first for input from people.
 */
int64_t gw_london_to_utc(int year, int month, int day, int hour, int minute, int second);

/* True when the fields form a real calendar date and a time of day (hour < 24). */
int gw_london_valid(int year, int month, int day, int hour, int minute, int second);

/*
 * The first instant of local month `month` of `year` and the first of the
 * next month, as seconds since the epoch (local midnights): a month holding
 * a change of clocks is 743 or 745 hours long.
 */
void gw_london_month_bounds(int year, int month, int64_t *start_s, int64_t *end_s);

#endif
