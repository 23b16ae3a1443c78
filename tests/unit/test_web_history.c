/*
 * The pages' availability (web/history.h) has the RRD writer write first:
 * a pass reads the results the writer holds back, and one without a writer,
 * reading the file as it is, does not.
 */
#include <math.h>

#include "estate_testutil.h"
#include "result/snapshot.h"
#include "schedule/target.h"
#include "util/clock.h"
#include "web/history.h"

/* The last-24-hours availability of powys/forms after the first pass over `box`. */
static double first_pass(struct gw_snapshot_box *box, struct gw_rrd_writer *writer)
{
    struct gw_history *h = gw_history_start(box, writer);
    struct gw_history_view *v = NULL;
    for (int waited = 0; !(v = gw_history_acquire(h)) && waited < 10000; waited += 10)
        sleep_ms(10);
    assert_non_null(v);
    const struct gw_avail *a = gw_history_find(v, "powys/forms");
    assert_non_null(a);
    double last_24h = a->last_24h;
    gw_history_view_unref(v);
    gw_history_stop(h);
    return last_24h;
}

static void test_web_history_reads_the_results_the_writer_holds(void **state)
{
    (void)state;
    struct estate *e = estate_new("gw-web-history");
    /* The last quarter of an hour, held back: a whole 5-minute row at least. */
    double now_s = (double)gw_clock_wall_ms() / 1000;
    estate_results(e, now_s - 900, now_s - 10);
    sleep_ms(50);
    assert_int_not_equal(access(estate_file(e), F_OK), 0);

    struct gw_targets *targets = gw_targets_new(e->config, NULL);
    struct gw_snap_health health = {0};
    struct gw_snapshot_box *box = gw_snapshot_box_new();
    gw_snapshot_box_publish(box, gw_snapshot_build(targets, &health, 1, gw_clock_wall_ms()));

    /* Read as it is, the file says nothing (there is none). */
    assert_true(isnan(first_pass(box, NULL)));
    /* The pages' passes have the writer write first. */
    assert_true(first_pass(box, e->writer) == 1.0);

    gw_snapshot_box_free(box);
    gw_targets_free(targets);
    estate_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_web_history_reads_the_results_the_writer_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
