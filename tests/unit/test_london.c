/*
 * Europe/London civil time from its rule, checked against instants
 * computed independently with timegm() and the published change dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/london.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm);
}

static void test_london_change_dates(void **state)
{
    (void)state;
    /* Clocks go forward at 01:00 UTC on the last Sunday of March and back
     * at 01:00 UTC on the last Sunday of October. */
    static const struct {
        int year, march, october;
    } years[] = {{2024, 31, 27}, {2025, 30, 26}, {2026, 29, 25}, {2027, 28, 31}, {2028, 26, 29}};
    for (size_t i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
        assert_int_equal(gw_london_bst_start(years[i].year),
                         utc(years[i].year, 3, years[i].march, 1, 0));
        assert_int_equal(gw_london_bst_end(years[i].year),
                         utc(years[i].year, 10, years[i].october, 1, 0));
    }
}

static void test_london_offset_and_civil(void **state)
{
    (void)state;
    struct {
        int64_t t;
        int offset;
        int y, mo, d, h, mi, wday;
    } cases[] = {
        {utc(2026, 3, 29, 0, 59), 0, 2026, 3, 29, 0, 59, 0},
        {utc(2026, 3, 29, 1, 0), 3600, 2026, 3, 29, 2, 0, 0},
        {utc(2026, 10, 25, 0, 59), 3600, 2026, 10, 25, 1, 59, 0},
        {utc(2026, 10, 25, 1, 0), 0, 2026, 10, 25, 1, 0, 0},
        {utc(2026, 6, 30, 23, 30), 3600, 2026, 7, 1, 0, 30, 3},
        {utc(2027, 3, 28, 1, 0), 3600, 2027, 3, 28, 2, 0, 0},
        {utc(2027, 10, 31, 0, 30), 3600, 2027, 10, 31, 1, 30, 0},
        {utc(2027, 10, 31, 1, 30), 0, 2027, 10, 31, 1, 30, 0},
        {utc(2028, 2, 29, 12, 0), 0, 2028, 2, 29, 12, 0, 2},
        {utc(1969, 12, 31, 23, 0), 0, 1969, 12, 31, 23, 0, 3},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct gw_civil c;
        gw_london_civil(cases[i].t, &c);
        assert_int_equal(gw_london_offset_s(cases[i].t), cases[i].offset);
        assert_int_equal(c.year, cases[i].y);
        assert_int_equal(c.month, cases[i].mo);
        assert_int_equal(c.day, cases[i].d);
        assert_int_equal(c.hour, cases[i].h);
        assert_int_equal(c.minute, cases[i].mi);
        assert_int_equal(c.weekday, cases[i].wday);
    }
}

static void test_london_instants_across_the_changes(void **state)
{
    (void)state;
    int64_t at[2];
    /* an ordinary time */
    assert_int_equal(gw_london_instants(2026, 7, 1, 9 * 60, at), 1);
    assert_int_equal(at[0], utc(2026, 7, 1, 8, 0));
    /* March: 01:30 never shows; the answer is the moment of the change */
    assert_int_equal(gw_london_instants(2026, 3, 29, 90, at), 0);
    assert_int_equal(at[0], utc(2026, 3, 29, 1, 0));
    assert_int_equal(gw_london_instants(2027, 3, 28, 60, at), 0);
    assert_int_equal(at[0], utc(2027, 3, 28, 1, 0));
    assert_int_equal(gw_london_instants(2026, 3, 29, 120, at), 1); /* 02:00 BST */
    assert_int_equal(at[0], utc(2026, 3, 29, 1, 0));
    /* October: 01:30 shows twice, BST then GMT */
    assert_int_equal(gw_london_instants(2026, 10, 25, 90, at), 2);
    assert_int_equal(at[0], utc(2026, 10, 25, 0, 30));
    assert_int_equal(at[1], utc(2026, 10, 25, 1, 30));
    assert_int_equal(gw_london_instants(2027, 10, 31, 60, at), 2);
    assert_int_equal(at[0], utc(2027, 10, 31, 0, 0));
    assert_int_equal(at[1], utc(2027, 10, 31, 1, 0));
    assert_int_equal(gw_london_instants(2026, 10, 25, 120, at), 1);
    assert_int_equal(at[0], utc(2026, 10, 25, 2, 0));
    /* 24:00 is the next midnight */
    assert_int_equal(gw_london_instants(2026, 7, 1, 1440, at), 1);
    assert_int_equal(at[0], utc(2026, 7, 1, 23, 0));
}

static void test_london_dates_round_trip(void **state)
{
    (void)state;
    for (int64_t days = -800000; days <= 800000; days += 997) {
        int y, m, d;
        gw_london_date(days, &y, &m, &d);
        assert_int_equal(gw_london_days(y, m, d), days);
    }
    assert_int_equal(gw_london_days(1970, 1, 1), 0);
    assert_int_equal(gw_london_weekday(0), 4); /* a Thursday */
    assert_int_equal(gw_london_weekday(-1), 3);
}

static void test_london_format(void **state)
{
    (void)state;
    char buf[64];
    gw_london_format(utc(2026, 3, 29, 1, 30), buf, sizeof(buf));
    assert_string_equal(buf, "2026-03-29 02:30 BST");
    gw_london_format(utc(2026, 12, 1, 22, 5), buf, sizeof(buf));
    assert_string_equal(buf, "2026-12-01 22:05 GMT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_london_change_dates),
        cmocka_unit_test(test_london_offset_and_civil),
        cmocka_unit_test(test_london_instants_across_the_changes),
        cmocka_unit_test(test_london_dates_round_trip),
        cmocka_unit_test(test_london_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
