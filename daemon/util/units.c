#include "util/units.h"

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
    /* Base 10 unless 0x: a leading zero is not octal ("010" is ten, as in
     * YAML 1.2 and as a person reads it). */
    const char *digits = text + (*text == '-' || *text == '+');
    int base = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') ? 16 : 10;
    if (!isxdigit((unsigned char)digits[base == 16 ? 2 : 0]))
        return -EINVAL; /* "-", "0x", "- 5", "--5" */
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, base);
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

/* Reads a non-negative decimal number ("12", "1.5", ".5") at *p, advancing
 * it; no sign, exponent or hexadecimal, which strtod alone would take. */
static int read_decimal(const char **p, double *out)
{
    const char *s = *p;
    size_t n = 0;
    while (isdigit((unsigned char)s[n]))
        n++;
    if (s[n] == '.') {
        size_t frac = 0;
        while (isdigit((unsigned char)s[n + 1 + frac]))
            frac++;
        if (frac == 0)
            return -EINVAL; /* "1." */
        n += 1 + frac;
    }
    if (n == 0 || (n == 1 && s[0] == '.'))
        return -EINVAL;
    char buf[64];
    if (n >= sizeof(buf))
        return -ERANGE;
    memcpy(buf, s, n);
    buf[n] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return -ERANGE;
    *p = s + n;
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
        int rc = read_decimal(&p, &v);
        if (rc < 0)
            return rc;
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
        int w = snprintf(buf + used, size > used ? size - used : 0, "%llu%s", (unsigned long long)n,
                         units[i].unit);
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
        {"", 1},         {"B", 1},           {"k", 1e3},
        {"kB", 1e3},     {"KB", 1e3},        {"M", 1e6},
        {"MB", 1e6},     {"G", 1e9},         {"GB", 1e9},
        {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
        {"Ki", 1024},    {"Mi", 1048576.0},  {"Gi", 1073741824.0},
        {"TB", 1e12},    {"T", 1e12},        {"TiB", 1099511627776.0},
    };
    if (!text)
        return -EINVAL;
    const char *p = text;
    double v;
    int rc = read_decimal(&p, &v);
    if (rc < 0)
        return rc;
    while (*p == ' ')
        p++;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(p, units[i].unit) == 0) {
            double bytes = round(v * units[i].mult);
            /* 2^64 is the first value a uint64_t cannot hold; llround would
             * already overflow at 2^63. */
            if (bytes >= 18446744073709551616.0)
                return -ERANGE;
            *out = (uint64_t)bytes;
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

/* Reads exactly `n` digits at *p, advancing it. */
static bool read_digits(const char **p, int n, int *out)
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

static int days_in_month(int y, int mo)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mo == 2 && leap ? 29 : days[mo - 1];
}

int gw_units_parse_time(const char *text, int64_t *out_s)
{
    if (!text)
        return -EINVAL;
    const char *p = text;
    int y, mo, d, h, mi, s = 0;
    if (!read_digits(&p, 4, &y) || *p++ != '-' || !read_digits(&p, 2, &mo) || *p++ != '-' ||
        !read_digits(&p, 2, &d))
        return -EINVAL;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -EINVAL;
    p++;
    if (!read_digits(&p, 2, &h) || *p++ != ':' || !read_digits(&p, 2, &mi))
        return -EINVAL;
    if (*p == ':') {
        p++;
        if (!read_digits(&p, 2, &s))
            return -EINVAL;
        if (*p == '.') { /* fractions of a second: dropped */
            p++;
            if (!isdigit((unsigned char)*p))
                return -EINVAL;
            while (isdigit((unsigned char)*p))
                p++;
        }
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (!read_digits(&p, 2, &oh) || *p++ != ':' || !read_digits(&p, 2, &om) || oh > 23 ||
            om > 59)
            return -EINVAL;
        offset_min = sign * (oh * 60 + om);
    } else {
        return -EINVAL; /* a time without a zone is ambiguous */
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        s > 60)
        return -EINVAL;
    /* A leap second (:60) becomes the next second, as timegm normalises it. */
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    time_t t = timegm(&tm);
    *out_s = (int64_t)t - (int64_t)offset_min * 60;
    return 0;
}

int gw_units_parse_clock(const char *text, int *out_min)
{
    if (!text)
        return -EINVAL;
    const char *p = text;
    int h, m;
    /* "9:30" or "09:30" */
    bool two = isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]);
    if (!read_digits(&p, two ? 2 : 1, &h) || *p++ != ':' || !read_digits(&p, 2, &m) || *p)
        return -EINVAL;
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -EINVAL;
    *out_min = h * 60 + m;
    return 0;
}
