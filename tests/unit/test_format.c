/*
 * Dates, durations and figures in English and Welsh, and the escaping of
 * label values in /metrics' text.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "i18n/format.h"

static char *fmt_date(enum gw_lang lang, int64_t ms, bool weekday)
{
    struct gw_strbuf b = {0};
    gw_format_date(&b, lang, ms, weekday);
    return gw_strbuf_take(&b);
}

static int setup(void **state)
{
    (void)state;
    setenv("TZ", "Europe/London", 1);
    tzset();
    return 0;
}

static void test_format_dates_in_welsh_and_english(void **state)
{
    (void)state;
    int64_t ms = 1796212800000; /* 2026-12-02T12:00:00Z, a Wednesday */
    char *en = fmt_date(GW_LANG_EN, ms, true), *cy = fmt_date(GW_LANG_CY, ms, true);
    assert_string_equal(en, "Wednesday 2 December 2026");
    assert_string_equal(cy, "Dydd Mercher 2 Rhagfyr 2026");
    free(en);
    free(cy);
    struct gw_strbuf b = {0};
    gw_format_datetime(&b, GW_LANG_CY, ms, ms);
    assert_string_equal(gw_strbuf_str(&b), "2 Rhag, 12:00");
    gw_strbuf_reset(&b);
    gw_format_datetime(&b, GW_LANG_EN, ms - 400LL * 86400000, ms);
    assert_string_equal(gw_strbuf_str(&b), "28 Oct 2025, 12:00"); /* another year: shown */
    gw_strbuf_reset(&b);
    /* May: the short month's msgid differs from the full one, and shows no space. */
    gw_format_day_short(&b, GW_LANG_CY, 1779710400000); /* 2026-05-25T12:00Z */
    assert_string_equal(gw_strbuf_str(&b), "25 Mai");
    gw_strbuf_reset(&b);
    /* Summer time: local midnight, not UTC's. */
    gw_format_datetime(&b, GW_LANG_EN, 1779663600000, 1779663600000); /* 2026-05-24T23:00Z */
    assert_string_equal(gw_strbuf_str(&b), "25 May, 00:00");
    gw_strbuf_reset(&b);
}

static void test_format_durations_and_figures(void **state)
{
    (void)state;
    static const struct {
        double s;
        enum gw_lang lang;
        const char *want;
    } cases[] = {
        {5, GW_LANG_EN, "5 s"},
        {5, GW_LANG_CY, "5 eil"},
        {60, GW_LANG_EN, "1 min"},
        {3 * 3600 + 12 * 60, GW_LANG_EN, "3 h 12 min"},
        {3 * 3600, GW_LANG_CY, "3 awr"},
        {36 * 3600, GW_LANG_EN, "36 h"},
        {3 * 86400 + 7200, GW_LANG_CY, "3 diwrnod 2 awr"},
        {NAN, GW_LANG_EN, "0 s"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct gw_strbuf b = {0};
        gw_format_duration(&b, cases[i].lang, cases[i].s);
        assert_string_equal(gw_strbuf_str(&b), cases[i].want);
        gw_strbuf_reset(&b);
    }
    struct gw_strbuf b = {0};
    gw_format_percent(&b, GW_LANG_EN, 0.99999);
    assert_string_equal(gw_strbuf_str(&b), "99.99 %"); /* down: never 100 with downtime */
    gw_strbuf_reset(&b);
    gw_format_percent(&b, GW_LANG_EN, 1.0);
    assert_string_equal(gw_strbuf_str(&b), "100.00 %");
    gw_strbuf_reset(&b);
    gw_format_percent(&b, GW_LANG_EN, NAN);
    assert_string_equal(gw_strbuf_str(&b), "–");
    gw_strbuf_reset(&b);
    gw_format_ms(&b, GW_LANG_EN, 1.2345);
    assert_string_equal(gw_strbuf_str(&b), "1,235 ms");
    gw_strbuf_reset(&b);
    gw_format_ms(&b, GW_LANG_EN, 0.00042);
    assert_string_equal(gw_strbuf_str(&b), "0.4 ms");
    gw_strbuf_reset(&b);
    gw_format_count(&b, 10000000);
    assert_string_equal(gw_strbuf_str(&b), "10,000,000");
    gw_strbuf_reset(&b);
    gw_format_rfc3339(&b, 1796212800123);
    assert_string_equal(gw_strbuf_str(&b), "2026-12-02T12:00:00.123Z");
    gw_strbuf_reset(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_dates_in_welsh_and_english),
        cmocka_unit_test(test_format_durations_and_figures),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
