/*
 * The snapshot the loop publishes for the web server: entries shared between
 * snapshots until their target has a new result, counts per council and for
 * Wales, a reader's reference outliving the publish of the next, and what is
 * rendered from it (pages and /metrics) escaping the configuration's text.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check_testutil.h"
#include "result/funnel.h"
#include "result/snapshot.h"
#include "schedule/target.h"
#include "web/metrics.h"
#include "web/pages.h"

static const char *const yaml = "defaults: {failure_threshold: 1}\n"
                                "councils:\n"
                                "  - id: cardiff\n"
                                "    name: Cardiff <Council>\n"
                                "    name_cy: Cyngor Caerdydd\n"
                                "    targets:\n"
                                "      - {id: web, name: 'Web & \"site\"', name_cy: Gwefan,\n"
                                "         category: 'digital-services', check: tcp,\n"
                                "         host: 127.0.0.1, port: 1}\n"
                                "      - {id: ftp, category: 'odd \"category\"\\', check: tcp,\n"
                                "         host: 127.0.0.1, port: 2}\n"
                                "  - id: powys\n"
                                "    targets:\n"
                                "      - {id: web, check: tcp, host: 127.0.0.1, port: 3}\n";

struct fixture {
    struct check_harness h;
    struct gw_targets *targets;
    struct gw_funnel funnel;
};

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    harness_init(&f->h, "check_tcp.so", false, 1.0);
    f->h.config = harness_load_yaml(&f->h, yaml);
    if (!f->h.config)
        harness_dump_diag(f->h.diag);
    assert_non_null(f->h.config);
    f->targets = gw_targets_new(f->h.config, NULL);
    gw_funnel_init(&f->funnel, NULL, "/nonexistent");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    gw_funnel_fini(&f->funnel);
    gw_targets_free(f->targets);
    harness_fini(&f->h);
    free(f);
    return 0;
}

static void feed(struct fixture *f, const char *id, enum gw_status status, const char *message)
{
    struct gw_target *t = gw_targets_find(f->targets, id);
    struct gw_result r = {.status = status, .time_ms = 1796212800000};
    snprintf(r.message, sizeof(r.message), "%s", message);
    if (status != GW_STATUS_UP)
        snprintf(r.reason, sizeof(r.reason), "connect_refused");
    gw_result_set_figure(&r, "latency", 0.25);
    gw_result_set_figure(&r, "connect", 0.125);
    gw_funnel_result(&f->funnel, t, t->conf, &r);
}

static void test_snapshot_shares_unchanged_entries(void **state)
{
    struct fixture *f = *state;
    struct gw_snapshot *a = gw_snapshot_build(f->targets, NULL, 1, 1000);
    assert_int_equal(a->n, 3);
    assert_int_equal(a->wales.pending, 3);
    feed(f, "cardiff/ftp", GW_STATUS_DOWN, "connection refused");
    struct gw_snapshot *b = gw_snapshot_build(f->targets, NULL, 2, 2000);
    /* Unchanged targets: the same entry; the one with a result: a new one. */
    assert_ptr_equal(a->targets[0], b->targets[0]);
    assert_ptr_not_equal(a->targets[1], b->targets[1]);
    assert_int_equal(b->targets[1]->state, GW_STATUS_DOWN);
    assert_string_equal(b->targets[1]->message, "connection refused");
    assert_true(fabs(gw_snap_target_figure(b->targets[1], "connect") - 0.125) < 1e-12);
    assert_true(isnan(gw_snap_target_figure(b->targets[1], "dns")));
    assert_int_equal(b->councils[0].down, 1);
    assert_int_equal(b->councils[0].pending, 1);
    assert_int_equal(b->councils[1].pending, 1);
    assert_int_equal(b->wales.total, 3);
    assert_int_equal(b->wales.down, 1);
    /* The older snapshot still says what it said. */
    assert_int_equal(a->targets[1]->state, GW_STATE_PENDING);
    assert_int_equal(gw_snapshot_council_index(b, "powys"), 1);
    assert_int_equal(gw_snapshot_target_index(b, "powys/web"), 2);
    assert_int_equal(gw_snapshot_target_index(b, "powys/ftp"), -1);
    gw_snapshot_unref(a);
    gw_snapshot_unref(b);
}

static void test_snapshot_reader_outlives_publish(void **state)
{
    struct fixture *f = *state;
    struct gw_snapshot_box *box = gw_snapshot_box_new();
    assert_null(gw_snapshot_acquire(box));
    gw_snapshot_box_publish(box, gw_snapshot_build(f->targets, NULL, 1, 1000));
    struct gw_snapshot *held = gw_snapshot_acquire(box);
    assert_int_equal(held->generation, 1);
    feed(f, "powys/web", GW_STATUS_UP, "connected");
    gw_snapshot_box_publish(box, gw_snapshot_build(f->targets, NULL, 2, 2000));
    struct gw_snapshot *now = gw_snapshot_acquire(box);
    assert_int_equal(now->generation, 2);
    assert_int_equal(now->wales.up, 1);
    /* The reader's snapshot is intact after the box dropped it (ASan would see). */
    assert_int_equal(held->wales.pending, 3);
    gw_snapshot_unref(held);
    gw_snapshot_unref(now);
    gw_snapshot_box_free(box);
}

static void test_snapshot_pages_and_metrics_escape(void **state)
{
    struct fixture *f = *state;
    feed(f, "cardiff/web", GW_STATUS_DOWN, "refused <script>alert(1)</script>");
    struct gw_snapshot *s = gw_snapshot_build(f->targets, NULL, 1, 1796212800000);
    struct gw_route route;
    gw_route_parse("/council/cardiff", &route);
    struct gw_strbuf b = {0};
    struct gw_page p = {
        .b = &b, .snap = s, .route = &route, .lang = GW_LANG_EN, .now_ms = 1796212800000};
    gw_page_council(&p, 0);
    const char *html = gw_strbuf_str(&b);
    assert_non_null(strstr(html, "<h1>Cardiff &lt;Council&gt;</h1>"));
    assert_non_null(strstr(html, "Web &amp; &quot;site&quot;"));
    assert_non_null(strstr(html, "refused &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(html, "<script"));
    gw_strbuf_reset(&b);
    route.lang = GW_LANG_CY;
    p.lang = GW_LANG_CY;
    gw_page_overview(&p);
    html = gw_strbuf_str(&b);
    assert_non_null(strstr(html, "<html lang=\"cy\">"));
    assert_non_null(strstr(html, "Cyngor Caerdydd: Gwefan"));
    assert_non_null(strstr(html, "Ddim ar gael"));
    gw_strbuf_reset(&b);
    gw_metrics_render(&b, s);
    const char *text = gw_strbuf_str(&b);
    assert_non_null(strstr(text, "gwyliwr_up{council=\"cardiff\",target=\"web\"} 0\n"));
    assert_non_null(strstr(text, "category=\"odd \\\"category\\\"\\\\\"} 1\n"));
    assert_non_null(strstr(text, "gwyliwr_up{council=\"powys\",target=\"web\"} NaN\n"));
    assert_non_null(
        strstr(text, "gwyliwr_phase_seconds{council=\"cardiff\",target=\"web\",phase=\"connect\"} "
                     "0.125\n"));
    gw_strbuf_reset(&b);
    gw_snapshot_unref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_snapshot_shares_unchanged_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_reader_outlives_publish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_pages_and_metrics_escape, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
