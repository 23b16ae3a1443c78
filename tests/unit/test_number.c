/*
 * gw_number_format: the shortest exact text of printf's %.15g to %.17g,
 * written without printf where it can be, the same text either way.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/number.h"

/* What printf writes: the shortest of %.15g, %.16g and %.17g that reads back as v. */
static void printf_shortest(char *out, double v)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(out, GW_NUMBER_MAX, "%.*g", digits, v);
        if (!isfinite(v) || strtod(out, NULL) == v)
            return;
    }
}

static void test_number_cases(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {1, "1"},
        {0, "0"},
        {-0.0, "-0"},
        {-5, "-5"},
        {200, "200"},
        {123456789012345.0, "123456789012345"},
        {-999999999999999.0, "-999999999999999"},
        {1e15, "1e+15"},
        {9007199254740993.0, "9007199254740992"},
        {0.25, "0.25"},
        {0.1, "0.1"},
        {0.000523, "0.000523"},
        {0.000124145, "0.000124145"},
        {0.0001, "0.0001"},
        {0.00001, "1e-05"},
        {-2.5, "-2.5"},
        {999999999.999999, "999999999.999999"},
        {1e9 + 0.5, "1000000000.5"},
        {1796227716.999, "1796227716.999"},
        {1796227716999 / 1000.0, "1796227716.999"},
        {12.000001, "12.000001"},
        {1.0 / 3, "0.3333333333333333"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1e300, "1e+300"},
        {NAN, "nan"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
    };
    char text[GW_NUMBER_MAX];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = gw_number_format(text, cases[i].v);
        if (strcmp(text, cases[i].text) != 0)
            fail_msg("%.17g: %s, expected %s", cases[i].v, text, cases[i].text);
        assert_int_equal(len, strlen(cases[i].text));
    }
}

static void test_number_is_printfs_text(void **state)
{
    (void)state;
    /* Over many magnitudes, whole numbers, whole milliseconds, microseconds
     * and nanoseconds among them: the same text as printf's. */
    char text[GW_NUMBER_MAX], want[GW_NUMBER_MAX];
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v = (double)(x >> 11) / (double)(1ull << (x % 64));
        switch (i % 6) {
        case 1:
            v = floor(v);
            break;
        case 2:
            v = (double)(x % 100000000000ull) / 1e6; /* microseconds */
            break;
        case 3:
            v = (double)(x % 10000000000ull) / 1e9; /* nanoseconds */
            break;
        case 4:
            v = (double)(1700000000000ull + x % 200000000000ull) / 1000.0; /* a timestamp */
            break;
        }
        if (i % 3 == 0)
            v = -v;
        gw_number_format(text, v);
        printf_shortest(want, v);
        if (strcmp(text, want) != 0)
            fail_msg("%.17g: %s, printf writes %s", v, text, want);
        if (strtod(text, NULL) != v && !isnan(v))
            fail_msg("%.17g: %s does not read back", v, text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_cases),
        cmocka_unit_test(test_number_is_printfs_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
