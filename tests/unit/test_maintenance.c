/*
 * Maintenance windows in time, table-driven: weekly windows across both
 * clock changes of 2026 and 2027 (the skipped and the repeated hour),
 * windows past midnight, one-off windows, overlapping windows and the
 * patterns that pick targets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "result/maintenance.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm);
}

static struct gw_maintenance_conf weekly(int weekday, const char *from, const char *to)
{
    int fh, fm, th, tm;
    sscanf(from, "%d:%d", &fh, &fm);
    sscanf(to, "%d:%d", &th, &tm);
    return (struct gw_maintenance_conf){
        .weekday = weekday, .from_min = fh * 60 + fm, .to_min = th * 60 + tm};
}

#define SUN 0
#define SAT 6

struct span_case {
    const char *name;
    int weekday;
    const char *from, *to;
    int y, mo, d;             /* the local date of the occurrence */
    int fy, fmo, fd, fh, fmi; /* expected start, UTC */
    int ty, tmo, td, th, tmi; /* expected end, UTC */
};

static const struct span_case span_cases[] = {
    /* ordinary Sundays either side of the change: GMT, then BST */
    {"GMT Sunday", SUN, "01:30", "03:00", 2026, 3, 22, 2026, 3, 22, 1, 30, 2026, 3, 22, 3, 0},
    {"BST Sunday", SUN, "01:30", "03:00", 2026, 4, 5, 2026, 4, 5, 0, 30, 2026, 4, 5, 2, 0},
    /* March 2026: 01:00-01:59 never shows. A start in it is the change
     * (02:00 BST); the window keeps its written length. */
    {"2026 spring, start skipped", SUN, "01:30", "03:00", 2026, 3, 29, 2026, 3, 29, 1, 0, 2026, 3,
     29, 2, 30},
    {"2026 spring, wholly skipped", SUN, "01:15", "01:45", 2026, 3, 29, 2026, 3, 29, 1, 0, 2026, 3,
     29, 1, 30},
    {"2026 spring, end skipped", SUN, "00:30", "01:30", 2026, 3, 29, 2026, 3, 29, 0, 30, 2026, 3,
     29, 1, 30},
    {"2026 spring, after the change", SUN, "02:00", "03:00", 2026, 3, 29, 2026, 3, 29, 1, 0, 2026,
     3, 29, 2, 0},
    /* October 2026: 01:00-01:59 shows twice. From the first pass of the
     * start to the last pass of the end. */
    {"2026 autumn, both in the doubled hour", SUN, "01:15", "01:45", 2026, 10, 25, 2026, 10, 25, 0,
     15, 2026, 10, 25, 1, 45},
    {"2026 autumn, start doubled", SUN, "01:30", "02:30", 2026, 10, 25, 2026, 10, 25, 0, 30, 2026,
     10, 25, 2, 30},
    {"2026 autumn, end doubled", SUN, "00:30", "01:30", 2026, 10, 25, 2026, 10, 24, 23, 30, 2026,
     10, 25, 1, 30},
    {"2026 autumn, after the change", SUN, "02:00", "03:00", 2026, 10, 25, 2026, 10, 25, 2, 0, 2026,
     10, 25, 3, 0},
    {"2026 autumn, from Saturday night", SAT, "23:00", "01:00", 2026, 10, 24, 2026, 10, 24, 22, 0,
     2026, 10, 25, 1, 0},
    /* and the same in 2027 (28 March, 31 October) */
    {"2027 spring, start skipped", SUN, "01:30", "03:00", 2027, 3, 28, 2027, 3, 28, 1, 0, 2027, 3,
     28, 2, 30},
    {"2027 spring, wholly skipped", SUN, "01:00", "02:00", 2027, 3, 28, 2027, 3, 28, 1, 0, 2027, 3,
     28, 2, 0},
    {"2027 autumn, start doubled", SUN, "01:30", "02:30", 2027, 10, 31, 2027, 10, 31, 0, 30, 2027,
     10, 31, 2, 30},
    {"2027 autumn, end doubled", SUN, "00:30", "01:30", 2027, 10, 31, 2027, 10, 30, 23, 30, 2027,
     10, 31, 1, 30},
    /* past midnight, and a whole day */
    {"past midnight", SAT, "22:00", "02:00", 2026, 7, 4, 2026, 7, 4, 21, 0, 2026, 7, 5, 1, 0},
    {"a whole day", SAT, "06:00", "06:00", 2026, 7, 4, 2026, 7, 4, 5, 0, 2026, 7, 5, 5, 0},
    {"to midnight", SAT, "23:00", "24:00", 2026, 12, 5, 2026, 12, 5, 23, 0, 2026, 12, 6, 0, 0},
};

static void test_maintenance_weekly_spans(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(span_cases) / sizeof(span_cases[0]); i++) {
        const struct span_case *c = &span_cases[i];
        struct gw_maintenance_conf w = weekly(c->weekday, c->from, c->to);
        int64_t from = utc(c->fy, c->fmo, c->fd, c->fh, c->fmi);
        int64_t to = utc(c->ty, c->tmo, c->td, c->th, c->tmi);
        /* asked before, at the start, inside and just before the end */
        int64_t asks[] = {from - 3600, from, from + (to - from) / 2, to - 1};
        for (size_t k = 0; k < 4; k++) {
            struct gw_maintenance_span span;
            assert_int_equal(gw_maintenance_span(&w, asks[k], &span), 0);
            if (span.from_s != from || span.to_s != to)
                fail_msg("%s (asked at +%llds): %lld..%lld, want %lld..%lld", c->name,
                         (long long)(asks[k] - from), (long long)span.from_s, (long long)span.to_s,
                         (long long)from, (long long)to);
        }
        /* at its end the next week's occurrence is the answer */
        struct gw_maintenance_span next;
        assert_int_equal(gw_maintenance_span(&w, to, &next), 0);
        assert_true(next.from_s > to + 5 * 86400 && next.from_s < to + 8 * 86400);
    }
}

static void test_maintenance_one_off(void **state)
{
    (void)state;
    struct gw_maintenance_conf w = {
        .weekday = -1, .from_s = utc(2026, 12, 1, 22, 0), .to_s = utc(2026, 12, 2, 2, 0)};
    struct gw_maintenance_span span;
    assert_int_equal(gw_maintenance_span(&w, utc(2026, 11, 1, 0, 0), &span), 0);
    assert_int_equal(span.from_s, w.from_s);
    assert_int_equal(span.to_s, w.to_s);
    assert_int_equal(gw_maintenance_span(&w, w.to_s - 1, &span), 0);
    assert_int_equal(gw_maintenance_span(&w, w.to_s, &span), -ENOENT);
}

/* A target covered by several windows is inside while any holds. */
static bool inside(const struct gw_maintenance_span *spans, const size_t *idx, size_t n, int64_t t)
{
    for (size_t i = 0; i < n; i++)
        if (gw_maintenance_in(&spans[idx[i]], t))
            return true;
    return false;
}

static void test_maintenance_spans_and_next_change(void **state)
{
    (void)state;
    struct gw_maintenance_conf windows[] = {
        weekly(SUN, "02:00", "03:00"),
        weekly(SUN, "02:30", "04:00"), /* overlaps the first */
        {.weekday = -1, .from_s = utc(2026, 7, 5, 10, 0), .to_s = utc(2026, 7, 5, 11, 0)},
    };
    struct gw_maintenance_span spans[3];
    size_t both[] = {0, 1}, first[] = {0}, one_off[] = {2};
    /* Sunday 5 July 2026, BST: 02:00 local is 01:00 UTC */
    static const struct {
        int h, mi;       /* UTC on 5 July 2026 */
        int nh, nmi, nd; /* the next change, UTC */
        bool in_both, in_first, in_one_off;
    } steps[] = {
        {0, 0, 1, 0, 5, false, false, false},   {1, 0, 1, 30, 5, true, true, false},
        {1, 30, 2, 0, 5, true, true, false},    {2, 0, 3, 0, 5, true, false, false},
        {3, 0, 10, 0, 5, false, false, false},  {10, 30, 11, 0, 5, false, false, true},
        {11, 0, 1, 0, 12, false, false, false},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        int64_t t = utc(2026, 7, 5, steps[i].h, steps[i].mi);
        int64_t next = gw_maintenance_spans(windows, 3, t, spans);
        if (next != utc(2026, 7, steps[i].nd, steps[i].nh, steps[i].nmi))
            fail_msg("step %zu: next change %lld", i + 1, (long long)next);
        assert_int_equal(inside(spans, both, 2, t), steps[i].in_both);
        assert_int_equal(inside(spans, first, 1, t), steps[i].in_first);
        assert_int_equal(inside(spans, one_off, 1, t), steps[i].in_one_off);
    }
    /* the one-off window is over: it never comes again */
    gw_maintenance_spans(windows, 3, utc(2026, 8, 1, 0, 0), spans);
    assert_true(spans[2].from_s == INT64_MAX);
    assert_int_equal(gw_maintenance_spans(windows + 2, 1, utc(2026, 8, 1, 0, 0), spans), INT64_MAX);
}

static void test_maintenance_patterns(void **state)
{
    (void)state;
    char *pats[] = {"cardiff/*", "*/website", "gwyn*/my*"};
    struct gw_maintenance_conf w = {.patterns = pats, .n_patterns = 3, .weekday = -1};
    static const struct {
        const char *id;
        bool want;
    } cases[] = {
        {"cardiff/website", true}, {"cardiff/vpn", true},       {"powys/website", true},
        {"powys/vpn", false},      {"gwynedd/myaccount", true}, {"gwynedd/website-cy", false},
        {"cardiffx/vpn", false},   {"noslash", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (gw_maintenance_matches(&w, cases[i].id) != cases[i].want)
            fail_msg("%s: want %d", cases[i].id, cases[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maintenance_weekly_spans),
        cmocka_unit_test(test_maintenance_one_off),
        cmocka_unit_test(test_maintenance_spans_and_next_change),
        cmocka_unit_test(test_maintenance_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
