#include "util/london.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>

/* Howard Hinnant's days_from_civil and civil_from_days. */
int64_t gw_london_days(int year, int month, int day)
{
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void gw_london_date(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = m;
    *year = (int)(yoe + era * 400 + (m <= 2));
}

int gw_london_weekday(int64_t days)
{
    int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

static int64_t last_sunday(int year, int month)
{
    int64_t last = gw_london_days(year, month, 31);
    return last - gw_london_weekday(last);
}

int64_t gw_london_bst_start(int year)
{
    return last_sunday(year, 3) * 86400 + 3600;
}

int64_t gw_london_bst_end(int year)
{
    return last_sunday(year, 10) * 86400 + 3600;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int gw_london_offset_s(int64_t t_s)
{
    int y, m, d;
    gw_london_date(floor_div(t_s, 86400), &y, &m, &d);
    return t_s >= gw_london_bst_start(y) && t_s < gw_london_bst_end(y) ? 3600 : 0;
}

void gw_london_civil(int64_t t_s, struct gw_civil *out)
{
    int64_t local = t_s + gw_london_offset_s(t_s);
    int64_t days = floor_div(local, 86400);
    int64_t secs = local - days * 86400;
    gw_london_date(days, &out->year, &out->month, &out->day);
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    out->weekday = gw_london_weekday(days);
}

int gw_london_instants(int year, int month, int day, int minute, int64_t out[2])
{
    int64_t local = gw_london_days(year, month, day) * 86400 + (int64_t)minute * 60;
    int n = 0;
    /* Try BST first, so a repeated time lists its first pass first. */
    int64_t candidates[2] = {local - 3600, local};
    for (int i = 0; i < 2; i++)
        if (candidates[i] + gw_london_offset_s(candidates[i]) == local)
            out[n++] = candidates[i];
    if (n == 0)
        out[0] = gw_london_bst_start(year);
    return n;
}

void gw_london_format(int64_t t_s, char *buf, size_t size)
{
    struct gw_civil c;
    gw_london_civil(t_s, &c);
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d %s", c.year, c.month, c.day, c.hour, c.minute,
             gw_london_offset_s(t_s) ? "BST" : "GMT");
}

static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

int gw_london_parse_local(const char *text, bool last, int64_t *out_s)
{
    const char *p = text;
    int y, mo, d, h, mi, s = 0;
    if (!p || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d) || (*p != 'T' && *p != ' ') || !*p++ || !digits(&p, 2, &h) ||
        *p++ != ':' || !digits(&p, 2, &mi))
        return -EINVAL;
    if (*p == ':' && (p++, !digits(&p, 2, &s)))
        return -EINVAL;
    if (*p || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59)
        return -EINVAL;
    int64_t days = gw_london_days(y, mo, d);
    int cy, cm, cd;
    gw_london_date(days, &cy, &cm, &cd);
    if (cm != mo || cd != d) /* 31 April */
        return -EINVAL;
    int64_t at[2];
    int n = gw_london_instants(y, mo, d, h * 60 + mi, at);
    *out_s = (n == 2 && last ? at[1] : at[0]) + (n == 0 ? 0 : s);
    return 0;
}
