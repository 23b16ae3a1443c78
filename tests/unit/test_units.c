/*
 * Value syntaxes of the configuration, table-driven: every row is one text
 * and what it must give (or that it must be refused).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/units.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct u64_case {
    const char *text;
    int rc;
    uint64_t want;
};

static void test_units_duration(void **state)
{
    (void)state;
    static const struct u64_case cases[] = {
        {"500ms", 0, 500},
        {"10s", 0, 10000},
        {"5m", 0, 300000},
        {"1h", 0, 3600000},
        {"1d", 0, 86400000},
        {"1w", 0, 604800000},
        {"1m30s", 0, 90000},
        {"1h30m15s", 0, 5415000},
        {"1.5s", 0, 1500},
        {".5s", 0, 500},
        {"0", 0, 0},
        {"0s", 0, 0},
        {"250ms", 0, 250},
        {"2d12h", 0, 216000000},
        /* refused */
        {"", -EINVAL, 0},
        {"10", -EINVAL, 0},    /* a number needs a unit */
        {"10 s", -EINVAL, 0},  /* no spaces */
        {"10sec", -EINVAL, 0}, /* not a unit */
        {"10S", -EINVAL, 0},   /* units are lower case */
        {"1M", -EINVAL, 0},    /* month or minute? neither */
        {"-5s", -EINVAL, 0},
        {"+5s", -EINVAL, 0},
        {"s", -EINVAL, 0},
        {"1h30", -EINVAL, 0}, /* a trailing number without its unit */
        {"1.s", -EINVAL, 0},
        {"1e3s", -EINVAL, 0},  /* no exponents */
        {"0x10s", -EINVAL, 0}, /* no hexadecimal */
        {"1..5s", -EINVAL, 0},
        {"5s ", -EINVAL, 0},
        {" 5s", -EINVAL, 0},
        {"nan", -EINVAL, 0},
        {"99999999999d", -ERANGE, 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        uint64_t got = 12345;
        int rc = gw_units_parse_duration_ms(cases[i].text, &got);
        if (rc != cases[i].rc || (rc == 0 && got != cases[i].want))
            fail_msg("duration \"%s\": rc %d value %llu, want rc %d value %llu", cases[i].text, rc,
                     (unsigned long long)got, cases[i].rc, (unsigned long long)cases[i].want);
        if (rc < 0 && got != 12345)
            fail_msg("duration \"%s\": output changed on failure", cases[i].text);
    }
    uint64_t v;
    assert_int_equal(gw_units_parse_duration_ms(NULL, &v), -EINVAL);
}

static void test_units_format_duration(void **state)
{
    (void)state;
    static const struct {
        uint64_t ms;
        const char *want;
    } cases[] = {
        {0, "0s"},         {1, "1ms"},
        {250, "250ms"},    {1000, "1s"},
        {1500, "1s500ms"}, {60000, "1m"},
        {90000, "1m30s"},  {3600000, "1h"},
        {86400000, "1d"},  {90061001, "1d1h1m1s1ms"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char buf[64];
        gw_units_format_duration(cases[i].ms, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
        /* what it writes, the parser reads back */
        uint64_t back = 0;
        assert_int_equal(gw_units_parse_duration_ms(buf, &back), 0);
        assert_int_equal(back, cases[i].ms);
    }
    /* a short buffer is cut, never overrun */
    char small[4] = {'x', 'x', 'x', 'x'};
    gw_units_format_duration(90061001, small, 3);
    assert_int_equal(small[3], 'x');
    assert_true(memchr(small, '\0', 3) != NULL);
}

static void test_units_size(void **state)
{
    (void)state;
    static const struct u64_case cases[] = {
        {"0", 0, 0},
        {"1048576", 0, 1048576},
        {"512B", 0, 512},
        {"512KiB", 0, 524288},
        {"1MiB", 0, 1048576},
        {"2GiB", 0, 2147483648ull},
        {"1TiB", 0, 1099511627776ull},
        {"10kB", 0, 10000},
        {"1MB", 0, 1000000},
        {"1GB", 0, 1000000000},
        {"1.5KiB", 0, 1536},
        {"512 KiB", 0, 524288},
        {"16000000TB", 0, 16000000000000000000ull},
        /* refused */
        {"", -EINVAL, 0},
        {"-1", -EINVAL, 0},
        {"1 MiBs", -EINVAL, 0},
        {"1mib", -EINVAL, 0},
        {"KiB", -EINVAL, 0},
        {"1e3", -EINVAL, 0},
        {"20000000TB", -ERANGE, 0}, /* beyond 2^64 bytes */
        {"20000000TiB", -ERANGE, 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        uint64_t got = 12345;
        int rc = gw_units_parse_size(cases[i].text, &got);
        if (rc != cases[i].rc || (rc == 0 && got != cases[i].want))
            fail_msg("size \"%s\": rc %d value %llu, want rc %d value %llu", cases[i].text, rc,
                     (unsigned long long)got, cases[i].rc, (unsigned long long)cases[i].want);
    }
}

static void test_units_percent(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        double want;
    } cases[] = {
        {"95%", 0, 0.95},     {"100%", 0, 1.0},    {"0%", 0, 0.0},       {"12.5%", 0, 0.125},
        {"95 %", 0, 0.95},    {"0.9", 0, 0.9},     {"1", 0, 1.0},        {"0", 0, 0.0},
        {"", -EINVAL, 0},     {"%", -EINVAL, 0},   {"abc%", -EINVAL, 0}, {"95%%", -EINVAL, 0},
        {"101%", -ERANGE, 0}, {"-1%", -ERANGE, 0}, {"95", -ERANGE, 0}, /* a ratio is 0..1 */
        {"nan%", -EINVAL, 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        double got = -7;
        int rc = gw_units_parse_percent(cases[i].text, &got);
        if (rc != cases[i].rc ||
            (rc == 0 && (got < cases[i].want - 1e-12 || got > cases[i].want + 1e-12)))
            fail_msg("percent \"%s\": rc %d value %g, want rc %d value %g", cases[i].text, rc, got,
                     cases[i].rc, cases[i].want);
    }
}

static void test_units_bool(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        bool want;
    } cases[] = {
        {"true", 0, true},     {"True", 0, true},         {"YES", 0, true},
        {"on", 0, true},       {"false", 0, false},       {"no", 0, false},
        {"Off", 0, false},     {"", -EINVAL, false},      {"1", -EINVAL, false},
        {"y", -EINVAL, false}, {"truee", -EINVAL, false},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        bool got = !cases[i].want;
        int rc = gw_units_parse_bool(cases[i].text, &got);
        if (rc != cases[i].rc || (rc == 0 && got != cases[i].want))
            fail_msg("bool \"%s\": rc %d value %d", cases[i].text, rc, got);
    }
    bool b;
    assert_int_equal(gw_units_parse_bool(NULL, &b), -EINVAL);
}

static void test_units_int(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        int64_t want;
    } cases[] = {
        {"0", 0, 0},
        {"42", 0, 42},
        {"-7", 0, -7},
        {"+7", 0, 7},
        {"010", 0, 10}, /* not octal */
        {"0x1F", 0, 31},
        {"9223372036854775807", 0, INT64_MAX},
        {"-9223372036854775808", 0, INT64_MIN},
        {"9223372036854775808", -ERANGE, 0},
        {"", -EINVAL, 0},
        {" 1", -EINVAL, 0},
        {"1 ", -EINVAL, 0},
        {"1.0", -EINVAL, 0},
        {"0x", -EINVAL, 0},
        {"-", -EINVAL, 0},
        {"--1", -EINVAL, 0},
        {"- 1", -EINVAL, 0},
        {"12abc", -EINVAL, 0},
        {"eighty", -EINVAL, 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        int64_t got = 12345;
        int rc = gw_units_parse_int(cases[i].text, &got);
        if (rc != cases[i].rc || (rc == 0 && got != cases[i].want))
            fail_msg("int \"%s\": rc %d value %lld, want rc %d value %lld", cases[i].text, rc,
                     (long long)got, cases[i].rc, (long long)cases[i].want);
    }
}

static void test_units_number(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        double want;
    } cases[] = {
        {"2.5", 0, 2.5},    {"-1", 0, -1},       {"1e3", 0, 1000},    {"0", 0, 0},
        {"", -EINVAL, 0},   {"nan", -EINVAL, 0}, {"inf", -EINVAL, 0}, {"1e999", -EINVAL, 0},
        {" 1", -EINVAL, 0}, {"1 ", -EINVAL, 0},  {"1,5", -EINVAL, 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        double got = -7;
        int rc = gw_units_parse_number(cases[i].text, &got);
        if (rc != cases[i].rc || (rc == 0 && got != cases[i].want))
            fail_msg("number \"%s\": rc %d value %g", cases[i].text, rc, got);
    }
}

static void test_units_time(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        int64_t want;
    } cases[] = {
        {"2026-12-01T22:00:00Z", 0, 1796162400},
        {"2026-12-01T22:00Z", 0, 1796162400},
        {"2026-12-01t22:00:00z", 0, 1796162400},
        {"2026-12-01 22:00:00Z", 0, 1796162400},
        {"2026-12-01T23:00:00+01:00", 0, 1796162400},
        {"2026-12-01T17:30:00-04:30", 0, 1796162400},
        {"2026-12-01T22:00:00.250Z", 0, 1796162400},
        {"1970-01-01T00:00:00Z", 0, 0},
        {"2028-02-29T00:00:00Z", 0, 1835395200}, /* a leap day */
        /* refused */
        {"2026-12-01T22:00:00", -EINVAL, 0}, /* no zone: ambiguous */
        {"2026-12-01", -EINVAL, 0},
        {"2026-12-01T22Z", -EINVAL, 0},
        {"2026-02-30T00:00:00Z", -EINVAL, 0},
        {"2027-02-29T00:00:00Z", -EINVAL, 0},
        {"2026-04-31T00:00:00Z", -EINVAL, 0},
        {"2026-13-01T00:00:00Z", -EINVAL, 0},
        {"2026-00-01T00:00:00Z", -EINVAL, 0},
        {"2026-12-01T24:00:00Z", -EINVAL, 0},
        {"2026-12-01T-1:00:00Z", -EINVAL, 0},
        {"2026-12-01T22:60:00Z", -EINVAL, 0},
        {"2026-12-01T22:00:61Z", -EINVAL, 0},
        {"2026-1-1T1:1Z", -EINVAL, 0},
        {"2026-12-01T22:00:00+0100", -EINVAL, 0},
        {"2026-12-01T22:00:00+25:00", -EINVAL, 0},
        {"2026-12-01T22:00:00Z ", -EINVAL, 0},
        {" 2026-12-01T22:00:00Z", -EINVAL, 0},
        {"2026-12-01T22:00:00.Z", -EINVAL, 0},
        {"", -EINVAL, 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        int64_t got = 12345;
        int rc = gw_units_parse_time(cases[i].text, &got);
        if (rc != cases[i].rc || (rc == 0 && got != cases[i].want))
            fail_msg("time \"%s\": rc %d value %lld, want rc %d value %lld", cases[i].text, rc,
                     (long long)got, cases[i].rc, (long long)cases[i].want);
    }
    int64_t t;
    assert_int_equal(gw_units_parse_time(NULL, &t), -EINVAL);
}

static void test_units_clock(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        int want;
    } cases[] = {
        {"00:00", 0, 0},        {"02:00", 0, 120},     {"9:30", 0, 570},
        {"23:59", 0, 1439},     {"24:00", 0, 1440},    {"24:01", -EINVAL, 0},
        {"25:00", -EINVAL, 0},  {"12:60", -EINVAL, 0}, {"12:5", -EINVAL, 0},
        {"12:05 ", -EINVAL, 0}, {" 2:00", -EINVAL, 0}, {"+2:00", -EINVAL, 0},
        {"123:00", -EINVAL, 0}, {"12", -EINVAL, 0},    {"", -EINVAL, 0},
        {"ab:cd", -EINVAL, 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        int got = -1;
        int rc = gw_units_parse_clock(cases[i].text, &got);
        if (rc != cases[i].rc || (rc == 0 && got != cases[i].want))
            fail_msg("clock \"%s\": rc %d value %d, want rc %d value %d", cases[i].text, rc, got,
                     cases[i].rc, cases[i].want);
    }
    int m;
    assert_int_equal(gw_units_parse_clock(NULL, &m), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_duration), cmocka_unit_test(test_units_format_duration),
        cmocka_unit_test(test_units_size),     cmocka_unit_test(test_units_percent),
        cmocka_unit_test(test_units_bool),     cmocka_unit_test(test_units_int),
        cmocka_unit_test(test_units_number),   cmocka_unit_test(test_units_time),
        cmocka_unit_test(test_units_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
