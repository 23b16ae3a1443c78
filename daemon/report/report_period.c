#include "report/report_period.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "graph/graph.h"
#include "util/london.h"

/* The instant local time in Wales shows `minute` on y-m-d first; midnights are never
 * skipped nor repeated. */
static int64_t local_ms(int year, int month, int day, int minute)
{
    int64_t at[2];
    gw_london_instants(year, month, day, minute, at);
    return at[0] * 1000;
}

void gw_report_period_month_bounds(int year, int month, int64_t *start_ms, int64_t *end_ms)
{
    *start_ms = local_ms(year, month, 1, 0);
    *end_ms = month == 12 ? local_ms(year + 1, 1, 1, 0) : local_ms(year, month + 1, 1, 0);
}

int gw_report_period_parse_month(const char *text, int *year, int *month, int64_t *start_ms,
                                 int64_t *end_ms)
{
    int y, m, used = 0;
    if (!text || sscanf(text, "%4d-%2d%n", &y, &m, &used) != 2 || used != 7 || text[used] != '\0' ||
        text[4] != '-' || y < 1970 || y > 9999 || m < 1 || m > 12)
        return -EINVAL;
    *year = y;
    *month = m;
    gw_report_period_month_bounds(y, m, start_ms, end_ms);
    return 0;
}

/* "YYYY-MM-DD" (local midnight), or with a time as gw_london_parse_local reads it. */
static int parse_local(const char *text, int64_t *out_ms)
{
    int y, mo, d, used = 0;
    if (strlen(text) == 10 && sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 &&
        used == 10) {
        int cy, cm, cd;
        gw_london_date(gw_london_days(y, mo, d), &cy, &cm, &cd);
        if (mo < 1 || mo > 12 || cm != mo || cd != d)
            return -EINVAL;
        *out_ms = local_ms(y, mo, d, 0);
        return 0;
    }
    int64_t s;
    if (gw_london_parse_local(text, false, &s) < 0)
        return -EINVAL;
    *out_ms = s * 1000;
    return 0;
}

int gw_report_period_parse_time(const char *text, int64_t now_ms, int64_t *out_ms)
{
    if (!text || !*text)
        return -EINVAL;
    if (parse_local(text, out_ms) == 0)
        return 0;
    /* A local date that is not valid ("2026-02-30") is refused here: the graph's
     * parser would read it in the system's time zone. RFC 3339 times go on. */
    if (strlen(text) >= 10 && text[4] == '-' && text[7] == '-' && !strpbrk(text + 10, "Zz+-"))
        return -EINVAL;
    int64_t s;
    if (gw_graph_parse_time(text, now_ms / 1000, &s) < 0)
        return -EINVAL;
    *out_ms = s * 1000;
    return 0;
}
