#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int gw_units_parse_int(const char *text, int64_t *out)
{
    if (!text || !*text || isspace((unsigned char)*text))
        return -EINVAL;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 0);
    if (errno == ERANGE)
        return -ERANGE;
    if (end == text || *end != '\0')
        return -EINVAL;
    *out = v;
    return 0;
}

int gw_units_parse_number(const char *text, double *out)
{
    if (!text || !*text || isspace((unsigned char)*text))
        return -EINVAL;
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return -EINVAL;
    if (errno == ERANGE)
        return -ERANGE;
    *out = v;
    return 0;
}

int gw_units_parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    if (!text)
        return -EINVAL;
    for (unsigned i = 0; i < 3; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

/* Reads a non-negative decimal number at *p, advancing it. */
static int read_decimal(const char **p, double *out)
{
    const char *s = *p;
    if (!isdigit((unsigned char)*s) && !(*s == '.' && isdigit((unsigned char)s[1])))
        return -EINVAL;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v < 0)
        return -EINVAL;
    *p = end;
    *out = v;
    return 0;
}

int gw_units_parse_duration_ms(const char *text, uint64_t *out)
{
    static const struct {
        const char *unit;
        double ms;
    } units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 604800000},
    };
    if (!text || !*text)
        return -EINVAL;
    if (strcmp(text, "0") == 0) {
        *out = 0;
        return 0;
    }
    const char *p = text;
    double total = 0;
    while (*p) {
        double v;
        if (read_decimal(&p, &v) < 0)
            return -EINVAL;
        size_t ulen = 0;
        while (isalpha((unsigned char)p[ulen]))
            ulen++;
        if (ulen == 0)
            return -EINVAL;
        double scale = -1;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (strlen(units[i].unit) == ulen && strncmp(p, units[i].unit, ulen) == 0) {
                scale = units[i].ms;
                break;
            }
        }
        if (scale < 0)
            return -EINVAL;
        total += v * scale;
        p += ulen;
    }
    if (total > 1e15)
        return -ERANGE;
    *out = (uint64_t)llround(total);
    return 0;
}

void gw_units_format_duration(uint64_t ms, char *buf, unsigned size)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
    if (ms == 0) {
        snprintf(buf, size, "0s");
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && ms; i++) {
        uint64_t n = ms / units[i].ms;
        if (n == 0)
            continue;
        ms -= n * units[i].ms;
        int w = snprintf(buf + used, size > used ? size - used : 0, "%llu%s",
                         (unsigned long long)n, units[i].unit);
        if (w < 0)
            return;
        used += (size_t)w;
    }
}

int gw_units_parse_size(const char *text, uint64_t *out)
{
    static const struct {
        const char *unit;
        double mult;
    } units[] = {
        {"", 1},      {"B", 1},           {"k", 1e3},           {"kB", 1e3},
        {"KB", 1e3},  {"M", 1e6},         {"MB", 1e6},          {"G", 1e9},
        {"GB", 1e9},  {"KiB", 1024.0},    {"MiB", 1048576.0},   {"GiB", 1073741824.0},
        {"Ki", 1024}, {"Mi", 1048576.0},  {"Gi", 1073741824.0}, {"TB", 1e12},
        {"T", 1e12},  {"TiB", 1099511627776.0},
    };
    if (!text)
        return -EINVAL;
    const char *p = text;
    double v;
    if (read_decimal(&p, &v) < 0)
        return -EINVAL;
    while (*p == ' ')
        p++;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(p, units[i].unit) == 0) {
            double bytes = v * units[i].mult;
            if (bytes > 1.8e19)
                return -ERANGE;
            *out = (uint64_t)llround(bytes);
            return 0;
        }
    }
    return -EINVAL;
}

int gw_units_parse_percent(const char *text, double *out_ratio)
{
    if (!text || !*text)
        return -EINVAL;
    size_t len = strlen(text);
    char buf[64];
    if (len >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, text, len + 1);
    bool percent = false;
    if (buf[len - 1] == '%') {
        percent = true;
        buf[--len] = '\0';
        while (len && buf[len - 1] == ' ')
            buf[--len] = '\0';
    }
    double v;
    if (gw_units_parse_number(buf, &v) < 0)
        return -EINVAL;
    if (percent)
        v /= 100.0;
    if (v < 0 || v > 1)
        return -ERANGE;
    *out_ratio = v;
    return 0;
}

int gw_units_parse_time(const char *text, int64_t *out_s)
{
    if (!text)
        return -EINVAL;
    int y, mo, d, h, mi, s = 0, used = 0;
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &used) != 5)
        return -EINVAL;
    const char *p = text + used;
    if (*p == ':') {
        int more = 0;
        if (sscanf(p, ":%2d%n", &s, &more) != 1)
            return -EINVAL;
        p += more;
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, more = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &more) != 2)
            return -EINVAL;
        offset_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 1 + more;
    } else {
        return -EINVAL; /* a time without a zone is ambiguous */
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -EINVAL;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = s};
    time_t t = timegm(&tm);
    if (tm.tm_mday != d) /* 31 February rolled over */
        return -EINVAL;
    *out_s = (int64_t)t - (int64_t)offset_min * 60;
    return 0;
}

int gw_units_parse_clock(const char *text, int *out_min)
{
    int h, m, used = 0;
    if (!text || sscanf(text, "%2d:%2d%n", &h, &m, &used) != 2 || text[used] != '\0')
        return -EINVAL;
    if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0))
        return -EINVAL;
    *out_min = h * 60 + m;
    return 0;
}
