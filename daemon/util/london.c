#include "util/london.h"

#include <stdbool.h>

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int gw_london_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    return days[month - 1] + (month == 2 && leap(year));
}

/* Howard Hinnant's days_from_civil: exact for every Gregorian date. */
int64_t gw_london_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = m;
    *day = d;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday_of_days(int64_t days)
{
    int64_t w = (days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* The UTC instant of 01:00 UTC on the last Sunday of `month` of `year`. */
static int64_t last_sunday_0100_utc(int year, int month)
{
    int64_t last = gw_london_days_from_civil(year, month, gw_london_days_in_month(year, month));
    last -= weekday_of_days(last);
    return last * 86400 + 3600;
}

int gw_london_offset_s(int64_t utc_s)
{
    int year, month, day;
    civil_from_days(floor_div(utc_s, 86400), &year, &month, &day);
    return utc_s >= last_sunday_0100_utc(year, 3) && utc_s < last_sunday_0100_utc(year, 10) ? 3600
                                                                                            : 0;
}

void gw_london_civil(int64_t utc_s, struct gw_london_civil *out)
{
    int offset = gw_london_offset_s(utc_s);
    int64_t local = utc_s + offset;
    int64_t days = floor_div(local, 86400);
    int64_t secs = local - days * 86400;
    civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    out->weekday = weekday_of_days(days);
    out->offset_s = offset;
}

int64_t gw_london_to_utc(int year, int month, int day, int hour, int minute, int second)
{
    int64_t local = gw_london_days_from_civil(year, month, day) * 86400 + (int64_t)hour * 3600 +
                    (int64_t)minute * 60 + second;
    /* Try BST first, so a repeated hour gives its first occurrence. */
    if (gw_london_offset_s(local - 3600) == 3600)
        return local - 3600;
    return local;
}

int gw_london_valid(int year, int month, int day, int hour, int minute, int second)
{
    return month >= 1 && month <= 12 && day >= 1 && day <= gw_london_days_in_month(year, month) &&
           hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 60;
}

void gw_london_month_bounds(int year, int month, int64_t *start_s, int64_t *end_s)
{
    *start_s = gw_london_to_utc(year, month, 1, 0, 0, 0);
    int ny = month == 12 ? year + 1 : year, nm = month == 12 ? 1 : month + 1;
    *end_s = gw_london_to_utc(ny, nm, 1, 0, 0, 0);
}
