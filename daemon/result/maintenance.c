#include "result/maintenance.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "util/london.h"

struct gw_maintenance_span gw_maintenance_weekly_span(const struct gw_maintenance_conf *w,
                                                      int64_t days)
{
    int y, m, d;
    int64_t at[2];
    gw_london_date(days, &y, &m, &d);
    int n = gw_london_instants(y, m, d, w->from_min, at);
    int64_t from = at[0]; /* the first pass, or the moment the clocks went forward */
    int length_min = w->to_min - w->from_min;
    int64_t end_day = days;
    if (length_min <= 0) {
        length_min += 1440;
        end_day++;
    }
    gw_london_date(end_day, &y, &m, &d);
    n = gw_london_instants(y, m, d, w->to_min, at);
    int64_t to = n == 2 ? at[1] : at[0];
    if (to < from + (int64_t)length_min * 60)
        to = from + (int64_t)length_min * 60;
    return (struct gw_maintenance_span){from, to};
}

int gw_maintenance_span(const struct gw_maintenance_conf *w, int64_t t_s,
                        struct gw_maintenance_span *out)
{
    if (w->weekday < 0) {
        if (w->to_s <= t_s)
            return -ENOENT;
        *out = (struct gw_maintenance_span){w->from_s, w->to_s};
        return 0;
    }
    /* An occurrence lasts at most a day and an hour: one that began up to
     * two days before the local date of t may still hold. */
    struct gw_civil c;
    gw_london_civil(t_s, &c);
    int64_t today = gw_london_days(c.year, c.month, c.day);
    for (int64_t day = today - 2; day <= today + 7; day++) {
        if (gw_london_weekday(day) != w->weekday)
            continue;
        struct gw_maintenance_span span = gw_maintenance_weekly_span(w, day);
        if (span.to_s > t_s) {
            *out = span;
            return 0;
        }
    }
    return -ENOENT; /* not reached: a weekday comes within a week */
}

bool gw_maintenance_matches(const struct gw_maintenance_conf *w, const char *id)
{
    const char *slash = strchr(id, '/');
    if (!slash)
        return false;
    char council[128];
    size_t len = (size_t)(slash - id);
    if (len >= sizeof(council))
        return false;
    memcpy(council, id, len);
    council[len] = '\0';
    for (size_t i = 0; i < w->n_patterns; i++) {
        const char *p = w->patterns[i];
        const char *ps = strchr(p, '/');
        char pc[128];
        size_t plen = (size_t)(ps - p);
        if (!ps || plen >= sizeof(pc))
            continue;
        memcpy(pc, p, plen);
        pc[plen] = '\0';
        if (fnmatch(pc, council, 0) == 0 && fnmatch(ps + 1, slash + 1, 0) == 0)
            return true;
    }
    return false;
}

int64_t gw_maintenance_spans(const struct gw_maintenance_conf *windows, size_t n, int64_t t_s,
                             struct gw_maintenance_span *spans)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        if (gw_maintenance_span(&windows[i], t_s, &spans[i]) < 0) {
            spans[i] = (struct gw_maintenance_span){INT64_MAX, INT64_MAX};
            continue;
        }
        int64_t change = spans[i].from_s > t_s ? spans[i].from_s : spans[i].to_s;
        if (change < next)
            next = change;
    }
    return next;
}

bool gw_maintenance_in(const struct gw_maintenance_span *span, int64_t t_s)
{
    return span->from_s <= t_s && t_s < span->to_s;
}
