#include "perfdata.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Bytes of a malformed item quoted in pd->problem. */
#define QUOTE_BYTES 40

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Where an item ends: at a blank, past the quoted label it may start with. */
static const char *item_end(const char *p, const char *end)
{
    if (p < end && *p == '\'') {
        for (p++; p < end && *p != '\n'; p++) {
            if (*p != '\'')
                continue;
            if (p + 1 < end && p[1] == '\'')
                p++;
            else
                break;
        }
    }
    while (p < end && !is_blank(*p))
        p++;
    return p;
}

/*
 * Reads a decimal number ([+-]digits[.digits][e[+-]digits]) without strtod,
 * whose decimal point follows the locale. Exact for the numbers plugins
 * print (up to 15 significant digits, exponents within +-22). Returns the
 * bytes read, 0 when there is no number at p.
 */
static size_t scan_number(const char *p, const char *end, double *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *s = p;
    bool negative = false;
    if (s < end && (*s == '+' || *s == '-'))
        negative = *s++ == '-';
    uint64_t mantissa = 0;
    long scale = 0;
    bool digits = false;
    for (; s < end && is_digit(*s); s++, digits = true) {
        if (mantissa < UINT64_C(1000000000000000000))
            mantissa = mantissa * 10 + (uint64_t)(*s - '0');
        else
            scale++;
    }
    if (s < end && *s == '.') {
        for (s++; s < end && is_digit(*s); s++, digits = true) {
            if (mantissa < UINT64_C(1000000000000000000)) {
                mantissa = mantissa * 10 + (uint64_t)(*s - '0');
                scale--;
            }
        }
    }
    if (!digits)
        return 0;
    if (s < end && (*s == 'e' || *s == 'E')) {
        const char *e = s + 1;
        bool e_negative = false;
        if (e < end && (*e == '+' || *e == '-'))
            e_negative = *e++ == '-';
        long exponent = 0;
        const char *e_digits = e;
        for (; e < end && is_digit(*e); e++)
            if (exponent < 100000)
                exponent = exponent * 10 + (*e - '0');
        if (e > e_digits) { /* else the 'e' is not part of the number */
            scale += e_negative ? -exponent : exponent;
            s = e;
        }
    }
    double v = (double)mantissa;
    if (mantissa != 0 && scale != 0) {
        long a = scale < 0 ? -scale : scale;
        double f = a <= 22 ? pow10[a] : pow(10.0, (double)a);
        v = scale < 0 ? v / f : v * f;
    }
    *out = negative ? -v : v;
    return (size_t)(s - p);
}

struct unit_def {
    const char *uom;
    enum gw_perfdata_unit unit;
    double scale;
};

static const struct unit_def units[] = {
    {"s", GW_PERFDATA_SECONDS, 1.0},
    {"ms", GW_PERFDATA_SECONDS, 1e-3},
    {"us", GW_PERFDATA_SECONDS, 1e-6},
    {"%", GW_PERFDATA_PERCENT, 1.0},
    {"B", GW_PERFDATA_BYTES, 1.0},
    {"KB", GW_PERFDATA_BYTES, 1024.0},
    {"MB", GW_PERFDATA_BYTES, 1048576.0},
    {"GB", GW_PERFDATA_BYTES, 1073741824.0},
    {"TB", GW_PERFDATA_BYTES, 1099511627776.0},
    {"c", GW_PERFDATA_COUNTER, 1.0},
};

static double unit_scale(const char *uom, enum gw_perfdata_unit *unit)
{
    if (!*uom) {
        *unit = GW_PERFDATA_NONE;
        return 1.0;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(units[i].uom, uom) == 0) {
            *unit = units[i].unit;
            return units[i].scale;
        }
    }
    *unit = GW_PERFDATA_OTHER;
    return 1.0;
}

/* Reads the label at *pp into v->label. Returns NULL, or what is wrong. */
static const char *parse_label(const char **pp, const char *end, struct gw_perfdata_value *v)
{
    const char *p = *pp;
    size_t n = 0;
    if (*p == '\'') {
        for (p++;; p++) {
            if (p == end || *p == '\n')
                return "a quoted label is not closed";
            if (*p == '\'') {
                if (p + 1 < end && p[1] == '\'')
                    p++;
                else
                    break;
            }
            if (*p == '\0')
                return "a NUL byte in the label";
            if (n + 1 == sizeof(v->label))
                return "a label longer than 63 bytes";
            v->label[n++] = *p;
        }
        p++;
    } else {
        for (; p < end && *p != '=' && !is_blank(*p); p++) {
            if (*p == '\'')
                return "a quote inside an unquoted label";
            if (*p == '\0')
                return "a NUL byte in the label";
            if (n + 1 == sizeof(v->label))
                return "a label longer than 63 bytes";
            v->label[n++] = *p;
        }
    }
    v->label[n] = '\0';
    if (n == 0)
        return "an empty label";
    if (p == end || *p != '=')
        return "no '=' after the label";
    *pp = p + 1;
    return NULL;
}

/* Reads a threshold range up to ';' or a blank into out. */
static const char *parse_range(const char **pp, const char *end, char *out, size_t size)
{
    const char *p = *pp;
    size_t n = 0;
    for (; p < end && *p != ';' && !is_blank(*p); p++) {
        if (!is_digit(*p) && !strchr(".:~@+-eE", *p))
            return "a threshold that is not a range";
        if (n + 1 == size)
            return "a threshold longer than 31 bytes";
        out[n++] = *p;
    }
    out[n] = '\0';
    *pp = p;
    return NULL;
}

/* Reads min or max: a number or nothing, up to ';' or a blank. */
static const char *parse_limit(const char **pp, const char *end, double scale, double *out)
{
    const char *p = *pp;
    *out = NAN;
    if (p == end || *p == ';' || is_blank(*p))
        return NULL;
    size_t used = scan_number(p, end, out);
    if (used == 0)
        return "a minimum or maximum that is not a number";
    p += used;
    if (p < end && *p != ';' && !is_blank(*p))
        return "a minimum or maximum that is not a number";
    *out *= scale; /* 1.5e306 TB is finite until it is in bytes */
    if (!isfinite(*out))
        return "a number out of range";
    *pp = p;
    return NULL;
}

/* Reads one item at *pp into v; on success *pp is past it. Returns NULL or what is wrong. */
static const char *parse_item(const char **pp, const char *end, struct gw_perfdata_value *v)
{
    const char *p = *pp;
    memset(v, 0, sizeof(*v));
    v->min = v->max = NAN;
    const char *why = parse_label(&p, end, v);
    if (why)
        return why;
    if (p < end && *p == 'U' && (p + 1 == end || p[1] == ';' || is_blank(p[1]))) {
        v->value = NAN;
        p++;
    } else {
        size_t used = scan_number(p, end, &v->value);
        if (used == 0)
            return "a value that is not a number or U";
        if (!isfinite(v->value))
            return "a number out of range";
        p += used;
    }
    size_t n = 0;
    for (; p < end && (is_alpha(*p) || *p == '%'); p++) {
        if (n + 1 == sizeof(v->uom))
            return "a unit longer than 7 letters";
        v->uom[n++] = *p;
    }
    v->uom[n] = '\0';
    if (p < end && *p != ';' && !is_blank(*p))
        return "an unexpected character after the value";
    double scale = unit_scale(v->uom, &v->unit);
    v->value *= scale; /* NAN for U stays NAN; a huge value may overflow */
    if (isinf(v->value))
        return "a number out of range";

    /* ;warn;crit;min;max, each optional */
    if (p < end && *p == ';') {
        p++;
        if ((why = parse_range(&p, end, v->warn, sizeof(v->warn))))
            return why;
    }
    if (p < end && *p == ';') {
        p++;
        if ((why = parse_range(&p, end, v->crit, sizeof(v->crit))))
            return why;
    }
    if (p < end && *p == ';') {
        p++;
        if ((why = parse_limit(&p, end, scale, &v->min)))
            return why;
    }
    if (p < end && *p == ';') {
        p++;
        if ((why = parse_limit(&p, end, scale, &v->max)))
            return why;
    }
    while (p < end && *p == ';') /* trailing separators some plugins print */
        p++;
    if (p < end && !is_blank(*p))
        return "more than five fields";
    *pp = p;
    return NULL;
}

/* Remembers the first malformed item, quoted in printable ASCII. */
static void note_bad(struct gw_perfdata *pd, const char *why, const char *item, const char *end)
{
    pd->bad++;
    if (pd->problem[0])
        return;
    char quoted[QUOTE_BYTES * 4 + 4];
    size_t n = 0, i;
    size_t len = (size_t)(end - item);
    for (i = 0; i < len && i < QUOTE_BYTES; i++) {
        unsigned char c = (unsigned char)item[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            quoted[n++] = (char)c;
        else
            n += (size_t)snprintf(quoted + n, sizeof(quoted) - n, "\\x%02x", c);
    }
    quoted[n] = '\0';
    snprintf(pd->problem, sizeof(pd->problem), "%s in \"%s%s\"", why, quoted, i < len ? "..." : "");
}

void gw_perfdata_parse(const char *text, size_t len, struct gw_perfdata *pd)
{
    const char *p = text, *end = text + len;
    for (;;) {
        while (p < end && is_blank(*p))
            p++;
        if (p == end)
            return;
        const char *item = p;
        struct gw_perfdata_value v;
        const char *why = parse_item(&p, end, &v);
        if (why) {
            p = item_end(item, end);
            note_bad(pd, why, item, p);
        } else if (pd->n < GW_PERFDATA_MAX) {
            pd->values[pd->n++] = v;
        } else {
            pd->dropped++;
        }
    }
}

static const char *find_byte(const char *p, const char *end, char c)
{
    const char *hit = memchr(p, c, (size_t)(end - p));
    return hit ? hit : end;
}

void gw_perfdata_summary(const char *text, size_t len, size_t *off, size_t *n)
{
    const char *end = text + len;
    const char *line_end = find_byte(text, end, '\n');
    const char *stop = find_byte(text, line_end, '|');
    const char *p = text;
    while (p < stop && is_blank(*p))
        p++;
    while (stop > p && is_blank(stop[-1]))
        stop--;
    *off = (size_t)(p - text);
    *n = (size_t)(stop - p);
}

void gw_perfdata_parse_output(const char *text, size_t len, struct gw_perfdata *pd)
{
    memset(pd, 0, sizeof(*pd));
    const char *end = text + len;
    const char *line_end = find_byte(text, end, '\n');
    const char *bar = find_byte(text, line_end, '|');
    if (bar < line_end)
        gw_perfdata_parse(bar + 1, (size_t)(line_end - bar - 1), pd);
    if (line_end == end)
        return;
    /* The long text runs to its first '|'; all after it is perfdata. */
    const char *rest = line_end + 1;
    bar = find_byte(rest, end, '|');
    if (bar < end)
        gw_perfdata_parse(bar + 1, (size_t)(end - bar - 1), pd);
}

const struct gw_perfdata_value *gw_perfdata_find(const struct gw_perfdata *pd, const char *label)
{
    for (size_t i = 0; i < pd->n; i++)
        if (strcmp(pd->values[i].label, label) == 0)
            return &pd->values[i];
    return NULL;
}
