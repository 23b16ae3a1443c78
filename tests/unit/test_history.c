/*
 * Histories from the event log, from RRD rows and from configured
 * maintenance windows, checked through the figures they give.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/history.h"
#include "report/report.h"
#include "report/report_period.h"
#include "util/london.h"

#define MINUTE 60000LL
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)

/* The local midnights that begin and end a month in Wales, in seconds. */
static void month_bounds_s(int year, int month, int64_t *start_s, int64_t *end_s)
{
    int64_t s, e;
    gw_report_period_month_bounds(year, month, &s, &e);
    *start_s = s / 1000;
    *end_s = e / 1000;
}

static int64_t nov_start, nov_end;

static int setup(void **state)
{
    (void)state;
    int64_t s, e;
    month_bounds_s(2026, 11, &s, &e);
    nov_start = s * 1000;
    nov_end = e * 1000;
    return 0;
}

static void daemon_line(struct gw_history *h, enum gw_event_lines_kind kind, int64_t t)
{
    struct gw_event_lines_rec ev = {.kind = kind, .time_ms = t};
    gw_history_add(h, &ev);
}

static void change(struct gw_history *h, const char *target, int64_t t,
                   enum gw_event_lines_state from, enum gw_event_lines_state to, const char *reason,
                   const char *cause, const char *cause_target)
{
    struct gw_event_lines_rec ev = {
        .kind = GW_EVENT_LINES_STATE,
        .time_ms = t,
        .target = target,
        .from = from,
        .to = to,
        .reason = reason,
        .cause = cause,
        .cause_target = cause_target,
    };
    gw_history_add(h, &ev);
}

static void maintenance(struct gw_history *h, const char *target, int64_t t, bool start)
{
    struct gw_event_lines_rec ev = {
        .kind = start ? GW_EVENT_LINES_MAINTENANCE_START : GW_EVENT_LINES_MAINTENANCE_END,
        .time_ms = t,
        .target = target,
    };
    gw_history_add(h, &ev);
}

/* The figures of a target's history; outages borrow from the timeline returned (caller frees). */
static struct gw_timeline *figures_of(const struct gw_history *h, const char *target, int64_t from,
                                      int64_t to, struct gw_timeline_figures *f,
                                      struct gw_timeline_outage **o, size_t *n)
{
    struct gw_timeline *tl = gw_timeline_new();
    assert_true(gw_history_fill(h, target, tl));
    gw_timeline_figures(tl, from, to, f, o, n);
    return tl;
}

static void test_history_restarts_and_crash(void **state)
{
    (void)state;
    struct gw_history *h = gw_history_new();
    const char *web = "cardiff/website";
    int64_t t = nov_start + DAY;
    daemon_line(h, GW_EVENT_LINES_START, t);
    change(h, web, t + MINUTE, GW_EVENT_LINES_S_PENDING, GW_EVENT_LINES_S_UP, NULL, NULL, NULL);
    change(h, web, t + HOUR, GW_EVENT_LINES_S_UP, GW_EVENT_LINES_S_DOWN, "http_status", NULL, NULL);
    /* A clean stop while down, an hour's pause, a start that carries the state on. */
    daemon_line(h, GW_EVENT_LINES_STOP, t + 2 * HOUR);
    daemon_line(h, GW_EVENT_LINES_START, t + 3 * HOUR);
    change(h, web, t + 3 * HOUR + 30 * MINUTE, GW_EVENT_LINES_S_DOWN, GW_EVENT_LINES_S_UP, NULL,
           NULL, NULL);
    /* A crash: the last line before the next start is where monitoring stopped. */
    daemon_line(h, GW_EVENT_LINES_MONITOR, t + 5 * HOUR);
    daemon_line(h, GW_EVENT_LINES_START, t + 7 * HOUR);
    /* Started afresh: pending until the first result, which says down. */
    change(h, web, t + 7 * HOUR + 2 * MINUTE, GW_EVENT_LINES_S_PENDING, GW_EVENT_LINES_S_DOWN,
           "timeout", NULL, NULL);
    change(h, web, t + 7 * HOUR + 12 * MINUTE, GW_EVENT_LINES_S_DOWN, GW_EVENT_LINES_S_UP, NULL,
           NULL, NULL);
    gw_history_finish(h, nov_end, false);
    assert_int_equal(gw_history_begin_ms(h), t);
    assert_true(gw_history_has(h, web));
    assert_false(gw_history_has(h, "cardiff/other"));
    assert_int_equal(gw_history_target_count(h), 1);

    struct gw_timeline_figures f;
    struct gw_timeline_outage *o;
    size_t n;
    struct gw_timeline *tl = figures_of(h, web, nov_start, nov_end, &f, &o, &n);
    assert_int_equal(f.up_ms + f.degraded_ms + f.down_ms + f.unknown_ms + f.unmonitored_ms +
                         f.maintenance_ms,
                     720 * HOUR);
    /* Before the log began and before the target's first result, and the two
     * stops: 1 day + 1 min + 1 h + 2 h. */
    assert_int_equal(f.unmonitored_ms, DAY + MINUTE + 3 * HOUR);
    /* Pending after the crash, the state not carried over: two minutes. */
    assert_int_equal(f.unknown_ms, 2 * MINUTE);
    /* Down 1 h before the stop and 30 min after the start; then 10 min. */
    assert_int_equal(f.down_ms, 90 * MINUTE + 10 * MINUTE);
    assert_int_equal(f.outages, 2);
    assert_int_equal(o[0].down_ms, 90 * MINUTE);
    assert_string_equal(o[0].reason, "http_status");
    assert_string_equal(o[1].reason, "timeout");
    free(o);
    gw_timeline_free(tl);
    gw_history_free(h);
}

static void test_history_first_change_uses_since(void **state)
{
    (void)state;
    struct gw_history *h = gw_history_new();
    int64_t t = nov_start + 10 * DAY;
    /* The log's first line is a change from up, which had held for two days. */
    struct gw_event_lines_rec ev = {
        .kind = GW_EVENT_LINES_STATE,
        .time_ms = t,
        .target = "powys/website",
        .from = GW_EVENT_LINES_S_UP,
        .to = GW_EVENT_LINES_S_DOWN,
        .reason = "dns",
        .since_ms = t - 2 * DAY,
    };
    gw_history_add(h, &ev);
    gw_history_finish(h, t + HOUR, true);
    struct gw_timeline_figures f;
    struct gw_timeline_outage *o;
    size_t n;
    gw_timeline_free(figures_of(h, "powys/website", nov_start, nov_end, &f, &o, &n));
    assert_int_equal(f.up_ms, 2 * DAY);
    assert_int_equal(f.down_ms, HOUR);
    assert_int_equal(n, 1);
    assert_true(o[0].ongoing);
    free(o);
    gw_history_free(h);
}

static void test_history_maintenance_and_parent(void **state)
{
    (void)state;
    struct gw_history *h = gw_history_new();
    const char *web = "gwynedd/website", *net = "gwynedd/network";
    int64_t t = nov_start;
    daemon_line(h, GW_EVENT_LINES_START, t);
    change(h, web, t, GW_EVENT_LINES_S_PENDING, GW_EVENT_LINES_S_UP, NULL, NULL, NULL);
    change(h, net, t, GW_EVENT_LINES_S_PENDING, GW_EVENT_LINES_S_UP, NULL, NULL, NULL);
    /* The network goes down; the website with it, caused by its parent. */
    change(h, net, t + DAY, GW_EVENT_LINES_S_UP, GW_EVENT_LINES_S_DOWN, "timeout", NULL, NULL);
    change(h, web, t + DAY + MINUTE, GW_EVENT_LINES_S_UP, GW_EVENT_LINES_S_DOWN, "connect_timeout",
           "parent", net);
    change(h, net, t + DAY + HOUR, GW_EVENT_LINES_S_DOWN, GW_EVENT_LINES_S_UP, NULL, NULL, NULL);
    change(h, web, t + DAY + HOUR + MINUTE, GW_EVENT_LINES_S_DOWN, GW_EVENT_LINES_S_UP, NULL, NULL,
           NULL);
    /* A maintenance window on the website: down inside it, then up before it ends. */
    maintenance(h, web, t + 2 * DAY, true);
    change(h, web, t + 2 * DAY + 5 * MINUTE, GW_EVENT_LINES_S_UP, GW_EVENT_LINES_S_DOWN,
           "http_status", "maintenance", NULL);
    change(h, web, t + 2 * DAY + 50 * MINUTE, GW_EVENT_LINES_S_DOWN, GW_EVENT_LINES_S_UP, NULL,
           NULL, NULL);
    maintenance(h, web, t + 2 * DAY + HOUR, false);
    /* A window still open when the log ends. */
    maintenance(h, web, nov_end - HOUR, true);
    gw_history_finish(h, nov_end, false);

    struct gw_timeline_figures f;
    gw_timeline_free(figures_of(h, web, nov_start, nov_end, &f, NULL, NULL));
    assert_int_equal(f.down_ms, HOUR);
    assert_int_equal(f.down_parent_ms, HOUR);
    assert_int_equal(f.outages, 1);
    assert_int_equal(f.maintenance_ms, 2 * HOUR);
    assert_int_equal(f.unmonitored_ms, 0);
    gw_timeline_free(figures_of(h, net, nov_start, nov_end, &f, NULL, NULL));
    assert_int_equal(f.down_ms, HOUR);
    assert_int_equal(f.maintenance_ms, 0);
    gw_history_free(h);
}

static void test_history_settled_changes_state(void **state)
{
    (void)state;
    struct gw_history *h = gw_history_new();
    int64_t t = nov_start;
    change(h, "a/b", t, GW_EVENT_LINES_S_PENDING, GW_EVENT_LINES_S_UP, NULL, NULL, NULL);
    struct gw_event_lines_rec flap = {
        .kind = GW_EVENT_LINES_FLAPPING, .time_ms = t + HOUR, .target = "a/b"};
    gw_history_add(h, &flap);
    struct gw_event_lines_rec settled = {.kind = GW_EVENT_LINES_SETTLED,
                                         .time_ms = t + 2 * HOUR,
                                         .target = "a/b",
                                         .to = GW_EVENT_LINES_S_DOWN,
                                         .reason = "reset"};
    gw_history_add(h, &settled);
    settled.time_ms = t + 3 * HOUR; /* settled again in the same state: no change */
    gw_history_add(h, &settled);
    gw_history_finish(h, t + 4 * HOUR, false);
    struct gw_timeline_figures f;
    gw_timeline_free(figures_of(h, "a/b", t, t + 4 * HOUR, &f, NULL, NULL));
    assert_int_equal(f.up_ms, 2 * HOUR);
    assert_int_equal(f.down_ms, 2 * HOUR);
    assert_int_equal(f.outages, 1);
    gw_history_free(h);
}

static void test_history_rows(void **state)
{
    (void)state;
    /* Hourly rows: up, up with 15 min down at its end, fully down, half down, nothing, up. */
    const double up[] = {1, 0.75, 0, 0.5, NAN, 1};
    const double degraded[] = {0, 0.25, 0, NAN, NAN, 0.5};
    struct gw_timeline *tl = gw_timeline_new();
    gw_history_add_rows(tl, nov_start, HOUR, 6, up, degraded, 1, nov_start, nov_end);
    struct gw_timeline_figures f;
    struct gw_timeline_outage *o;
    size_t n;
    gw_timeline_figures(tl, nov_start, nov_start + 6 * HOUR, &f, &o, &n);
    assert_int_equal(f.down_ms, 15 * MINUTE + HOUR + 30 * MINUTE);
    assert_int_equal(f.degraded_ms, 15 * MINUTE + 30 * MINUTE);
    assert_int_equal(f.unmonitored_ms, HOUR);
    assert_int_equal(f.up_ms, HOUR + 30 * MINUTE + 30 * MINUTE + 30 * MINUTE);
    /* The downtime of rows 2-4 touches: one outage. */
    assert_int_equal(f.outages, 1);
    assert_int_equal(o[0].start_ms, nov_start + 2 * HOUR - 15 * MINUTE);
    assert_int_equal(o[0].end_ms, nov_start + 3 * HOUR + 30 * MINUTE);
    free(o);
    gw_timeline_free(tl);

    /* Rows are clipped to the period asked for, and a stride skips other columns. */
    const double two_cols[] = {0, 99, 1, 99};
    tl = gw_timeline_new();
    gw_history_add_rows(tl, nov_start, HOUR, 2, two_cols, NULL, 2, nov_start + 30 * MINUTE,
                        nov_start + 90 * MINUTE);
    gw_timeline_figures(tl, nov_start, nov_start + 2 * HOUR, &f, NULL, NULL);
    assert_int_equal(f.down_ms, 30 * MINUTE);
    assert_int_equal(f.up_ms, 30 * MINUTE);
    assert_int_equal(f.unmonitored_ms, HOUR);
    gw_timeline_free(tl);
}

static void test_history_config_windows(void **state)
{
    (void)state;
    char *pats_all[] = {"cardiff/*"};
    char *pats_web[] = {"*/website"};
    struct gw_maintenance_conf m[] = {
        /* One-off, across the start of November. */
        {.patterns = pats_all,
         .n_patterns = 1,
         .weekday = -1,
         .from_s = nov_start / 1000 - 3600,
         .to_s = nov_start / 1000 + 7200},
        /* Sundays 23:00 to 01:00 (across midnight), local time. */
        {.patterns = pats_web, .n_patterns = 1, .weekday = 0, .from_min = 23 * 60, .to_min = 60},
    };
    struct gw_config config = {.maintenance = m, .n_maintenance = 2};
    struct gw_timeline *tl = gw_timeline_new();
    gw_timeline_add_span(tl, nov_start, nov_end, GW_TIMELINE_UP, NULL, GW_TIMELINE_CAUSE_NONE,
                         NULL);
    gw_history_config_windows(&config, "cardiff/website", nov_start, nov_end, tl);
    struct gw_timeline_figures f;
    gw_timeline_figures(tl, nov_start, nov_end, &f, NULL, NULL);
    /* 2 h of the one-off, and 2 h on each Sunday of November 2026: 1, 8, 15, 22, 29. */
    assert_int_equal(f.maintenance_ms, 2 * HOUR + 5 * 2 * HOUR);
    gw_timeline_free(tl);

    tl = gw_timeline_new();
    gw_timeline_add_span(tl, nov_start, nov_end, GW_TIMELINE_UP, NULL, GW_TIMELINE_CAUSE_NONE,
                         NULL);
    gw_history_config_windows(&config, "powys/myaccount", nov_start, nov_end, tl);
    gw_timeline_figures(tl, nov_start, nov_end, &f, NULL, NULL);
    assert_int_equal(f.maintenance_ms, 0);
    gw_timeline_free(tl);

    /* In summer time the same window is 22:00-24:00 UTC. */
    int64_t s, e;
    month_bounds_s(2026, 7, &s, &e);
    tl = gw_timeline_new();
    gw_timeline_add_span(tl, s * 1000, e * 1000, GW_TIMELINE_UP, NULL, GW_TIMELINE_CAUSE_NONE,
                         NULL);
    gw_history_config_windows(&config, "gwynedd/website", s * 1000, e * 1000, tl);
    struct gw_timeline_seg *segs;
    size_t ns = gw_timeline_segments(tl, s * 1000, e * 1000, &segs);
    assert_true(ns > 1);
    assert_int_equal(segs[1].kind, GW_TIMELINE_K_MAINTENANCE);
    /* Sunday 5 July 2026, 23:00 BST. */
    assert_int_equal(segs[1].start_ms, (gw_london_days(2026, 7, 5) * 86400 + 22 * 3600) * 1000);
    assert_int_equal(segs[1].end_ms - segs[1].start_ms, 2 * HOUR);
    free(segs);
    gw_timeline_free(tl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_restarts_and_crash),
        cmocka_unit_test(test_history_first_change_uses_since),
        cmocka_unit_test(test_history_maintenance_and_parent),
        cmocka_unit_test(test_history_settled_changes_state),
        cmocka_unit_test(test_history_rows),
        cmocka_unit_test(test_history_config_windows),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
