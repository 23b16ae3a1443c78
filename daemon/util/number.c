#include "util/number.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The digits of u into out, most significant first, at least `width` of them
 * (leading zeros); returns how many. */
static size_t digits_of(char *out, uint64_t u, size_t width)
{
    char reversed[20];
    size_t n = 0, len = 0;
    do {
        reversed[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n < width)
        reversed[n++] = '0';
    while (n)
        out[len++] = reversed[--n];
    return len;
}

static const double powers_of_ten[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

/*
 * %.15g's text of v when it is plain notation (1e-4 <= |v| < 1e15) and
 * reads back as v, written into out; returns its length, or 0 when it is
 * not (printf then decides). The decimal of 15 significant digits nearest
 * to v is the only one within v's rounding, so when `scaled` (v with its 15
 * digits before the point) divided back gives v, it is that decimal.
 */
static size_t plain(char *out, double v)
{
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e15))
        return 0;
    size_t whole_digits = 0; /* a < 10^whole_digits */
    while (whole_digits < 15 && a >= powers_of_ten[whole_digits])
        whole_digits++;
    size_t places = 15 - whole_digits;
    double scaled = nearbyint(a * powers_of_ten[places]);
    if (scaled / powers_of_ten[places] != a)
        return 0;
    uint64_t s = (uint64_t)scaled;
    uint64_t unit = (uint64_t)powers_of_ten[places];
    uint64_t fraction = s % unit;
    size_t len = 0;
    if (v < 0)
        out[len++] = '-';
    len += digits_of(out + len, s / unit, 1);
    if (fraction) {
        while (fraction % 10 == 0) {
            fraction /= 10;
            places--;
        }
        out[len++] = '.';
        len += digits_of(out + len, fraction, places);
    }
    out[len] = '\0';
    return len;
}

size_t gw_number_format(char *out, double v)
{
    if (v == 0) {
        /* -0 is printf's too */
        strcpy(out, signbit(v) ? "-0" : "0");
        return strlen(out);
    }
    size_t len = plain(out, v);
    if (len)
        return len;
    int n = 0;
    for (int digits = 15; digits <= 17; digits++) {
        n = snprintf(out, GW_NUMBER_MAX, "%.*g", digits, v);
        if (!isfinite(v) || strtod(out, NULL) == v)
            break;
    }
    return (size_t)n;
}
