/*
 * Europe/London time computed by rule: the changes of clocks, months that
 * hold one, times that do not exist or happen twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/london.h"

/* 2026: BST from 29 March 01:00 UTC to 25 October 01:00 UTC. */
#define MAR29_0100Z 1774746000LL
#define OCT25_0100Z 1792890000LL

static void test_london_offset_changes_at_one_utc(void **state)
{
    (void)state;
    assert_int_equal(gw_london_offset_s(MAR29_0100Z - 1), 0);
    assert_int_equal(gw_london_offset_s(MAR29_0100Z), 3600);
    assert_int_equal(gw_london_offset_s(OCT25_0100Z - 1), 3600);
    assert_int_equal(gw_london_offset_s(OCT25_0100Z), 0);
    /* Midsummer and midwinter. */
    assert_int_equal(gw_london_offset_s(gw_london_days_from_civil(2026, 7, 1) * 86400), 3600);
    assert_int_equal(gw_london_offset_s(gw_london_days_from_civil(2026, 1, 1) * 86400), 0);
}

static void test_london_civil_reads_local_time(void **state)
{
    (void)state;
    struct gw_london_civil c;
    gw_london_civil(MAR29_0100Z, &c); /* clocks go forward: 01:00 GMT is 02:00 BST */
    assert_int_equal(c.year, 2026);
    assert_int_equal(c.month, 3);
    assert_int_equal(c.day, 29);
    assert_int_equal(c.hour, 2);
    assert_int_equal(c.minute, 0);
    assert_int_equal(c.weekday, 0);
    assert_int_equal(c.offset_s, 3600);
    gw_london_civil(OCT25_0100Z - 1, &c); /* 01:59:59 BST, then 01:00:00 GMT */
    assert_int_equal(c.hour, 1);
    assert_int_equal(c.minute, 59);
    assert_int_equal(c.second, 59);
    gw_london_civil(OCT25_0100Z, &c);
    assert_int_equal(c.hour, 1);
    assert_int_equal(c.minute, 0);
    assert_int_equal(c.offset_s, 0);
    /* New Year's Eve late in UTC is already the next day nowhere: GMT. */
    gw_london_civil(gw_london_days_from_civil(2027, 1, 1) * 86400 - 1, &c);
    assert_int_equal(c.year, 2026);
    assert_int_equal(c.month, 12);
    assert_int_equal(c.day, 31);
    assert_int_equal(c.hour, 23);
    /* Before the epoch. */
    gw_london_civil(-1, &c);
    assert_int_equal(c.year, 1969);
    assert_int_equal(c.second, 59);
}

static void test_london_to_utc_gap_and_repeat(void **state)
{
    (void)state;
    /* 01:30 on 29 March 2026 does not exist: taken as GMT, so 02:30 BST. */
    assert_int_equal(gw_london_to_utc(2026, 3, 29, 1, 30, 0), MAR29_0100Z + 1800);
    assert_int_equal(gw_london_to_utc(2026, 3, 29, 2, 30, 0), MAR29_0100Z + 1800);
    assert_int_equal(gw_london_to_utc(2026, 3, 29, 0, 30, 0), MAR29_0100Z - 1800);
    /* 01:30 on 25 October happens twice: the first, in BST. */
    assert_int_equal(gw_london_to_utc(2026, 10, 25, 1, 30, 0), OCT25_0100Z - 1800);
    assert_int_equal(gw_london_to_utc(2026, 10, 25, 2, 0, 0), OCT25_0100Z + 3600);
    /* Round trip over a year, every 7 hours and 13 minutes. */
    int64_t start = gw_london_days_from_civil(2026, 1, 1) * 86400;
    for (int64_t t = start; t < start + 366 * 86400; t += 7 * 3600 + 13 * 60) {
        struct gw_london_civil c;
        gw_london_civil(t, &c);
        int64_t back = gw_london_to_utc(c.year, c.month, c.day, c.hour, c.minute, c.second);
        /* Only the repeated hour maps to its first occurrence. */
        if (back != t)
            assert_int_equal(back, t - 3600);
    }
}

static void test_london_month_lengths(void **state)
{
    (void)state;
    int64_t s, e;
    gw_london_month_bounds(2026, 3, &s, &e);
    assert_int_equal(e - s, 743 * 3600);
    gw_london_month_bounds(2026, 10, &s, &e);
    assert_int_equal(e - s, 745 * 3600);
    gw_london_month_bounds(2026, 11, &s, &e);
    assert_int_equal(e - s, 720 * 3600);
    assert_int_equal(s, gw_london_days_from_civil(2026, 11, 1) * 86400);
    gw_london_month_bounds(2026, 7, &s, &e); /* BST: local midnight is 23:00 UTC */
    assert_int_equal(s, gw_london_days_from_civil(2026, 7, 1) * 86400 - 3600);
    assert_int_equal(e - s, 744 * 3600);
    gw_london_month_bounds(2026, 12, &s, &e);
    assert_int_equal(e, gw_london_days_from_civil(2027, 1, 1) * 86400);
    gw_london_month_bounds(2028, 2, &s, &e);
    assert_int_equal(e - s, 29 * 86400);
}

static void test_london_valid(void **state)
{
    (void)state;
    assert_true(gw_london_valid(2028, 2, 29, 23, 59, 59));
    assert_false(gw_london_valid(2026, 2, 29, 0, 0, 0));
    assert_false(gw_london_valid(2026, 13, 1, 0, 0, 0));
    assert_false(gw_london_valid(2026, 4, 31, 0, 0, 0));
    assert_false(gw_london_valid(2026, 4, 1, 24, 0, 0));
    assert_false(gw_london_valid(2026, 4, 1, 0, 60, 0));
    assert_int_equal(gw_london_days_in_month(2100, 2), 28);
    assert_int_equal(gw_london_days_in_month(2000, 2), 29);
    assert_int_equal(gw_london_days_in_month(2026, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_london_offset_changes_at_one_utc),
        cmocka_unit_test(test_london_civil_reads_local_time),
        cmocka_unit_test(test_london_to_utc_gap_and_repeat),
        cmocka_unit_test(test_london_month_lengths),
        cmocka_unit_test(test_london_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
