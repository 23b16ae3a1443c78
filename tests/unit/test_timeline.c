/*
 * The arithmetic of availability on hand-made histories: each test draws a
 * history in minutes and checks every figure of a period against what a
 * person would count on paper.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "report/timeline.h"
#include "report/report.h"
#include "report/report_period.h"
#include "util/london.h"

#define MINUTE 60000LL
#define HOUR   (60 * MINUTE)

/* November 2026 in Europe/London (GMT all month): 720 hours. */

/* The local midnights that begin and end a month in Wales, in seconds. */
static void month_bounds_s(int year, int month, int64_t *start_s, int64_t *end_s)
{
    int64_t s, e;
    gw_report_period_month_bounds(year, month, &s, &e);
    *start_s = s / 1000;
    *end_s = e / 1000;
}

/* The first instant clocks in Wales show y-m-d h:mi, in seconds. */
static int64_t local_s(int year, int month, int day, int hour, int minute)
{
    int64_t at[2];
    gw_london_instants(year, month, day, hour * 60 + minute, at);
    return at[0];
}

static int64_t nov_start, nov_end, dec_end;

static int setup(void **state)
{
    (void)state;
    int64_t s, e;
    month_bounds_s(2026, 11, &s, &e);
    nov_start = s * 1000;
    nov_end = e * 1000;
    month_bounds_s(2026, 12, &s, &e);
    dec_end = e * 1000;
    return 0;
}

static void span(struct gw_timeline *tl, int64_t from, int64_t to, enum gw_timeline_state s,
                 const char *reason)
{
    gw_timeline_add_span(tl, from, to, s, reason, GW_TIMELINE_CAUSE_NONE, NULL);
}

/* Every instant of the period is in exactly one bucket. */
static void assert_buckets_fill(const struct gw_timeline_figures *f)
{
    assert_int_equal(f->up_ms + f->degraded_ms + f->down_ms + f->maintenance_ms + f->unknown_ms +
                         f->unmonitored_ms,
                     f->period_ms);
}

static void test_timeline_plain_month(void **state)
{
    (void)state;
    struct gw_timeline *tl = gw_timeline_new();
    int64_t t1 = nov_start + 10 * 24 * HOUR; /* 11 Nov 00:00 */
    span(tl, nov_start - HOUR, t1, GW_TIMELINE_UP, NULL);
    span(tl, t1, t1 + 30 * MINUTE, GW_TIMELINE_DOWN, "http_status");
    span(tl, t1 + 30 * MINUTE, t1 + 2 * HOUR, GW_TIMELINE_UP, NULL);
    span(tl, t1 + 2 * HOUR, t1 + 2 * HOUR + 12 * MINUTE, GW_TIMELINE_DOWN, "timeout");
    span(tl, t1 + 2 * HOUR + 12 * MINUTE, t1 + 3 * HOUR, GW_TIMELINE_DEGRADED, "too_slow");
    span(tl, t1 + 3 * HOUR, nov_end + HOUR, GW_TIMELINE_UP, NULL);

    struct gw_timeline_figures f;
    struct gw_timeline_outage *o;
    size_t n;
    gw_timeline_figures(tl, nov_start, nov_end, &f, &o, &n);
    assert_buckets_fill(&f);
    assert_int_equal(f.period_ms, 720 * HOUR);
    assert_int_equal(f.down_ms, 42 * MINUTE);
    assert_int_equal(f.degraded_ms, 48 * MINUTE);
    assert_int_equal(f.outages, 2);
    assert_int_equal(f.longest_outage_ms, 30 * MINUTE);
    assert_int_equal(gw_timeline_mttr_ms(&f), 21 * MINUTE);
    assert_int_equal(gw_timeline_mtbf_ms(&f), (720 * HOUR - 42 * MINUTE) / 2);
    assert_true(fabs(gw_timeline_availability(&f) - (1.0 - 42.0 / (720 * 60))) < 1e-12);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].start_ms, t1);
    assert_int_equal(o[0].end_ms, t1 + 30 * MINUTE);
    assert_string_equal(o[0].reason, "http_status");
    assert_string_equal(o[1].reason, "timeout");
    assert_false(o[0].began_before);
    assert_false(o[1].continues_after);
    assert_false(o[1].ongoing);
    free(o);
    gw_timeline_free(tl);
}

static void test_timeline_outage_across_month_boundary(void **state)
{
    (void)state;
    struct gw_timeline *tl = gw_timeline_new();
    /* Down from 30 Nov 23:00 to 1 Dec 01:30: 60 minutes in November, 90 in December. */
    span(tl, nov_start, nov_end - HOUR, GW_TIMELINE_UP, NULL);
    span(tl, nov_end - HOUR, nov_end + 90 * MINUTE, GW_TIMELINE_DOWN, "dns");
    span(tl, nov_end + 90 * MINUTE, dec_end, GW_TIMELINE_UP, NULL);

    struct gw_timeline_figures nov, dec;
    struct gw_timeline_outage *o;
    size_t n;
    gw_timeline_figures(tl, nov_start, nov_end, &nov, &o, &n);
    assert_int_equal(nov.down_ms, 60 * MINUTE);
    assert_int_equal(nov.outages, 1);
    assert_int_equal(nov.longest_outage_ms, 60 * MINUTE);
    assert_int_equal(n, 1);
    assert_false(o[0].began_before);
    assert_true(o[0].continues_after);
    assert_int_equal(o[0].down_ms, 60 * MINUTE);
    assert_int_equal(o[0].down_all_ms, 150 * MINUTE);
    assert_int_equal(o[0].end_ms, nov_end + 90 * MINUTE);
    free(o);

    gw_timeline_figures(tl, nov_end, dec_end, &dec, &o, &n);
    assert_buckets_fill(&dec);
    assert_int_equal(dec.down_ms, 90 * MINUTE);
    assert_int_equal(dec.outages, 1);
    assert_true(o[0].began_before);
    assert_false(o[0].continues_after);
    assert_int_equal(o[0].start_ms, nov_end - HOUR);
    free(o);

    /* Downtime adds up across the months; the outage is in both. */
    struct gw_timeline_figures both;
    gw_timeline_figures(tl, nov_start, dec_end, &both, NULL, NULL);
    assert_int_equal(both.down_ms, nov.down_ms + dec.down_ms);
    assert_int_equal(both.outages, 1);
    assert_int_equal(both.longest_outage_ms, 150 * MINUTE);
    gw_timeline_free(tl);
}

static void test_timeline_maintenance_excluded(void **state)
{
    (void)state;
    struct gw_timeline *tl = gw_timeline_new();
    int64_t t = nov_start + 24 * HOUR;
    /* Down 02:00-04:00, inside a window 01:00-03:00: one hour of it is maintenance. */
    span(tl, nov_start, t + 2 * HOUR, GW_TIMELINE_UP, NULL);
    span(tl, t + 2 * HOUR, t + 4 * HOUR, GW_TIMELINE_DOWN, "connect_refused");
    span(tl, t + 4 * HOUR, nov_end, GW_TIMELINE_UP, NULL);
    gw_timeline_add_maintenance(tl, t + HOUR, t + 3 * HOUR);
    /* And a window in which it was down throughout, told by the event's cause. */
    gw_timeline_add_span(tl, nov_end, nov_end + HOUR, GW_TIMELINE_DOWN, "http_status",
                         GW_TIMELINE_CAUSE_MAINTENANCE, NULL);

    struct gw_timeline_figures f;
    struct gw_timeline_outage *o;
    size_t n;
    gw_timeline_figures(tl, nov_start, nov_end, &f, &o, &n);
    assert_buckets_fill(&f);
    assert_int_equal(f.maintenance_ms, 2 * HOUR);
    assert_int_equal(f.down_ms, HOUR);
    assert_int_equal(f.outages, 1);
    assert_int_equal(o[0].start_ms, t + 3 * HOUR); /* the outage begins as the window ends */
    free(o);
    assert_true(fabs(gw_timeline_availability(&f) - (1.0 - 1.0 / 718)) < 1e-12);

    gw_timeline_figures(tl, nov_end, nov_end + HOUR, &f, NULL, NULL);
    assert_int_equal(f.maintenance_ms, HOUR);
    assert_int_equal(f.down_ms, 0);
    assert_int_equal(f.outages, 0);
    assert_true(isnan(gw_timeline_availability(&f)));
    assert_int_equal(gw_timeline_mttr_ms(&f), -1);
    assert_int_equal(gw_timeline_mtbf_ms(&f), -1);
    gw_timeline_free(tl);
}

static void test_timeline_parent_cause_counts_and_shows(void **state)
{
    (void)state;
    struct gw_timeline *tl = gw_timeline_new();
    int64_t t = nov_start + 5 * 24 * HOUR;
    span(tl, nov_start, t, GW_TIMELINE_UP, NULL);
    gw_timeline_add_span(tl, t, t + 45 * MINUTE, GW_TIMELINE_DOWN, "connect_timeout",
                         GW_TIMELINE_CAUSE_PARENT, "cardiff/network");
    /* Still down after the parent came back: the same outage, its own cause now. */
    span(tl, t + 45 * MINUTE, t + HOUR, GW_TIMELINE_DOWN, "http_status");
    span(tl, t + HOUR, nov_end, GW_TIMELINE_UP, NULL);

    struct gw_timeline_figures f;
    struct gw_timeline_outage *o;
    size_t n;
    gw_timeline_figures(tl, nov_start, nov_end, &f, &o, &n);
    assert_int_equal(f.down_ms, HOUR);
    assert_int_equal(f.down_parent_ms, 45 * MINUTE);
    assert_int_equal(f.outages, 1);
    assert_int_equal(n, 1);
    assert_int_equal(o[0].cause, GW_TIMELINE_CAUSE_PARENT);
    assert_string_equal(o[0].cause_target, "cardiff/network");
    assert_string_equal(o[0].reason, "connect_timeout");
    assert_int_equal(o[0].down_ms, HOUR);
    free(o);
    gw_timeline_free(tl);
}

static void test_timeline_unknown_and_gaps_are_not_downtime(void **state)
{
    (void)state;
    struct gw_timeline *tl = gw_timeline_new();
    int64_t t = nov_start + 24 * HOUR;
    /* Nothing known for the first day (not monitored), then up, down, unknown, down, up. */
    span(tl, t, t + HOUR, GW_TIMELINE_UP, NULL);
    span(tl, t + HOUR, t + HOUR + 10 * MINUTE, GW_TIMELINE_DOWN, "reset");
    span(tl, t + HOUR + 10 * MINUTE, t + HOUR + 40 * MINUTE, GW_TIMELINE_UNKNOWN, "dns");
    span(tl, t + HOUR + 40 * MINUTE, t + 2 * HOUR, GW_TIMELINE_DOWN, "reset");
    span(tl, t + 2 * HOUR, nov_end, GW_TIMELINE_UP, NULL);
    /* The daemon stopped for three hours while the target was up. */
    gw_timeline_add_unmonitored(tl, t + 5 * HOUR, t + 8 * HOUR);

    struct gw_timeline_figures f;
    struct gw_timeline_outage *o;
    size_t n;
    gw_timeline_figures(tl, nov_start, nov_end, &f, &o, &n);
    assert_buckets_fill(&f);
    assert_int_equal(f.unknown_ms, 30 * MINUTE);
    assert_int_equal(f.unmonitored_ms, 24 * HOUR + 3 * HOUR);
    assert_int_equal(f.down_ms, 30 * MINUTE);
    /* Unknown time inside an outage neither ends it nor lengthens it. */
    assert_int_equal(f.outages, 1);
    assert_int_equal(o[0].down_ms, 30 * MINUTE);
    assert_int_equal(o[0].start_ms, t + HOUR);
    assert_int_equal(o[0].end_ms, t + 2 * HOUR);
    free(o);
    gw_timeline_free(tl);
}

static void test_timeline_daemon_gap_inside_outage(void **state)
{
    (void)state;
    struct gw_timeline *tl = gw_timeline_new();
    int64_t t = nov_start + 2 * 24 * HOUR;
    span(tl, nov_start, t, GW_TIMELINE_UP, NULL);
    span(tl, t, t + 4 * HOUR, GW_TIMELINE_DOWN, "http_status");
    span(tl, t + 4 * HOUR, nov_end, GW_TIMELINE_UP, NULL);
    gw_timeline_add_unmonitored(tl, t + HOUR, t + 3 * HOUR);         /* stopped for two hours */
    gw_timeline_add_unmonitored(tl, t + 2 * HOUR, t + 150 * MINUTE); /* overlapping report */

    struct gw_timeline_figures f;
    gw_timeline_figures(tl, nov_start, nov_end, &f, NULL, NULL);
    assert_buckets_fill(&f);
    assert_int_equal(f.unmonitored_ms, 2 * HOUR);
    assert_int_equal(f.down_ms, 2 * HOUR);
    assert_int_equal(f.outages, 1); /* a restart does not make two outages */
    assert_int_equal(f.longest_outage_ms, 2 * HOUR);
    gw_timeline_free(tl);
}

static void test_timeline_dst_month_lengths(void **state)
{
    (void)state;
    int64_t s, e;
    month_bounds_s(2026, 10, &s, &e); /* clocks go back on 25 October */
    struct gw_timeline *tl = gw_timeline_new();
    span(tl, s * 1000, e * 1000, GW_TIMELINE_UP, NULL);
    struct gw_timeline_figures f;
    gw_timeline_figures(tl, s * 1000, e * 1000, &f, NULL, NULL);
    assert_int_equal(f.period_ms, 745 * HOUR);
    assert_int_equal(f.up_ms, 745 * HOUR);
    gw_timeline_free(tl);

    month_bounds_s(2026, 3, &s, &e); /* clocks go forward on 29 March */
    tl = gw_timeline_new();
    /* Down from 01:00 GMT to 03:00 BST on the night of the change: one hour. */
    int64_t down_from = local_s(2026, 3, 29, 1, 0) * 1000;
    int64_t down_to = local_s(2026, 3, 29, 3, 0) * 1000;
    span(tl, s * 1000, down_from, GW_TIMELINE_UP, NULL);
    span(tl, down_from, down_to, GW_TIMELINE_DOWN, "timeout");
    span(tl, down_to, e * 1000, GW_TIMELINE_UP, NULL);
    gw_timeline_figures(tl, s * 1000, e * 1000, &f, NULL, NULL);
    assert_int_equal(f.period_ms, 743 * HOUR);
    assert_int_equal(f.down_ms, HOUR);
    assert_true(fabs(gw_timeline_availability(&f) - 742.0 / 743.0) < 1e-12);
    gw_timeline_free(tl);
}

static void test_timeline_ongoing_and_merging(void **state)
{
    (void)state;
    struct gw_timeline *tl = gw_timeline_new();
    int64_t t = nov_start + HOUR;
    span(tl, nov_start, t, GW_TIMELINE_UP, NULL);
    span(tl, t, t + MINUTE, GW_TIMELINE_DOWN, "timeout");
    span(tl, t + MINUTE, t + 2 * MINUTE, GW_TIMELINE_DOWN, "timeout"); /* merges */
    span(tl, t, t + 3 * MINUTE, GW_TIMELINE_DOWN, "timeout");        /* overlaps: trimmed, merges */
    span(tl, t + 10 * MINUTE, t + 5 * MINUTE, GW_TIMELINE_UP, NULL); /* empty: ignored */
    assert_int_equal(gw_timeline_span_count(tl), 2);
    gw_timeline_set_live_end(tl, t + 3 * MINUTE);

    struct gw_timeline_figures f;
    struct gw_timeline_outage *o;
    size_t n;
    gw_timeline_figures(tl, nov_start, nov_end, &f, &o, &n);
    assert_int_equal(f.down_ms, 3 * MINUTE);
    assert_int_equal(f.unmonitored_ms, 720 * HOUR - HOUR - 3 * MINUTE);
    assert_int_equal(n, 1);
    assert_true(o[0].ongoing);
    free(o);

    struct gw_timeline_seg *segs;
    size_t ns = gw_timeline_segments(tl, nov_start, nov_end, &segs);
    assert_int_equal(ns, 3);
    assert_int_equal(segs[0].kind, GW_TIMELINE_K_UP);
    assert_int_equal(segs[1].kind, GW_TIMELINE_K_DOWN);
    assert_int_equal(segs[1].end_ms, t + 3 * MINUTE);
    assert_int_equal(segs[2].kind, GW_TIMELINE_K_UNMONITORED);
    free(segs);
    gw_timeline_free(tl);
}

static void test_timeline_figures_add(void **state)
{
    (void)state;
    struct gw_timeline_figures a = {
        .period_ms = 10, .up_ms = 8, .down_ms = 2, .outages = 1, .longest_outage_ms = 2};
    struct gw_timeline_figures b = {.period_ms = 10,
                                    .up_ms = 4,
                                    .degraded_ms = 1,
                                    .down_ms = 5,
                                    .outages = 3,
                                    .longest_outage_ms = 3,
                                    .unknown_ms = 0};
    gw_timeline_figures_add(&a, &b);
    assert_int_equal(a.period_ms, 20);
    assert_int_equal(a.down_ms, 7);
    assert_int_equal(a.outages, 4);
    assert_int_equal(a.longest_outage_ms, 3);
    /* Time-weighted: 13 available of 20 measured. */
    assert_true(fabs(gw_timeline_availability(&a) - 13.0 / 20.0) < 1e-12);
    assert_int_equal(gw_timeline_mttr_ms(&a), 1);
}

static void test_timeline_parity_overlapping(void **state)
{
    (void)state;
    int64_t t = nov_start + 3 * 24 * HOUR;
    /* Welsh site down 10:00-11:00, English 10:30-12:00, Welsh again 11:30-11:45. */
    struct gw_timeline *cy = gw_timeline_new(), *en = gw_timeline_new();
    span(cy, nov_start, t + 10 * HOUR, GW_TIMELINE_UP, NULL);
    span(cy, t + 10 * HOUR, t + 11 * HOUR, GW_TIMELINE_DOWN, "http_status");
    span(cy, t + 11 * HOUR, t + 11 * HOUR + 30 * MINUTE, GW_TIMELINE_UP, NULL);
    span(cy, t + 11 * HOUR + 30 * MINUTE, t + 11 * HOUR + 45 * MINUTE, GW_TIMELINE_DOWN, "timeout");
    span(cy, t + 11 * HOUR + 45 * MINUTE, nov_end, GW_TIMELINE_UP, NULL);
    span(en, nov_start, t + 10 * HOUR + 30 * MINUTE, GW_TIMELINE_UP, NULL);
    span(en, t + 10 * HOUR + 30 * MINUTE, t + 12 * HOUR, GW_TIMELINE_DOWN, "http_status");
    span(en, t + 12 * HOUR, nov_end, GW_TIMELINE_DEGRADED, "too_slow");
    /* The English site's monitor could not tell for an hour: not compared. */
    gw_timeline_add_unmonitored(en, t + 20 * HOUR, t + 21 * HOUR);

    struct gw_timeline_parity p;
    gw_timeline_parity(cy, en, nov_start, nov_end, &p);
    assert_int_equal(p.a_only_down_ms, 30 * MINUTE);
    assert_int_equal(p.a_only_episodes, 1);
    assert_int_equal(p.both_down_ms, 45 * MINUTE);
    assert_int_equal(p.b_only_down_ms, 45 * MINUTE); /* 11:00-11:30 and 11:45-12:00 */
    assert_int_equal(p.b_only_episodes, 2);
    assert_int_equal(p.compared_ms, 719 * HOUR);

    /* The other way round gives the mirror. */
    struct gw_timeline_parity q;
    gw_timeline_parity(en, cy, nov_start, nov_end, &q);
    assert_int_equal(q.a_only_down_ms, p.b_only_down_ms);
    assert_int_equal(q.b_only_down_ms, p.a_only_down_ms);
    assert_int_equal(q.b_only_episodes, p.a_only_episodes);
    gw_timeline_free(cy);
    gw_timeline_free(en);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeline_plain_month),
        cmocka_unit_test(test_timeline_outage_across_month_boundary),
        cmocka_unit_test(test_timeline_maintenance_excluded),
        cmocka_unit_test(test_timeline_parent_cause_counts_and_shows),
        cmocka_unit_test(test_timeline_unknown_and_gaps_are_not_downtime),
        cmocka_unit_test(test_timeline_daemon_gap_inside_outage),
        cmocka_unit_test(test_timeline_dst_month_lengths),
        cmocka_unit_test(test_timeline_ongoing_and_merging),
        cmocka_unit_test(test_timeline_figures_add),
        cmocka_unit_test(test_timeline_parity_overlapping),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
