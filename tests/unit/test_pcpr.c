/*
 * Rapid charge point reliability (Public Charge Point Regulations 2023) from
 * a sequence of feed readings and from RRD rows.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "report/pcpr.h"

#define MINUTE 60000LL

static void test_pcpr_sequence(void **state)
{
    (void)state;
    /* Readings every 5 minutes from t=10 min; a reading holds 10 minutes at most. */
    const struct gw_pcpr_obs obs[] = {
        {10 * MINUTE, GW_PCPR_WORKING},        /* 10-15 */
        {15 * MINUTE, GW_PCPR_WORKING},        /* 15-20 */
        {20 * MINUTE, GW_PCPR_BROKEN},         /* 20-25: out of order */
        {25 * MINUTE, GW_PCPR_BROKEN},         /* 25-30 */
        {30 * MINUTE, GW_PCPR_WORKING},        /* 30-35: its state could not be told: working */
        {35 * MINUTE, GW_PCPR_OUT_OF_SERVICE}, /* 35-40: planned, not counted */
        {40 * MINUTE, GW_PCPR_WORKING},        /* 40-50, then nothing until 70 */
        {70 * MINUTE, GW_PCPR_BROKEN},         /* 70-80, then nothing to the end */
    };
    struct gw_pcpr p = {0};
    gw_pcpr_observe(&p, obs, sizeof(obs) / sizeof(obs[0]), 0, 100 * MINUTE, 10 * MINUTE);
    assert_int_equal(p.working_ms, 25 * MINUTE);
    assert_int_equal(p.broken_ms, 20 * MINUTE);
    assert_int_equal(p.out_of_service_ms, 5 * MINUTE);
    assert_int_equal(p.no_data_ms, 10 * MINUTE + 20 * MINUTE + 20 * MINUTE);
    assert_true(fabs(gw_pcpr_reliability(&p) - 25.0 / 45.0) < 1e-12);

    /* The same readings seen through a window that cuts two of them. */
    struct gw_pcpr w = {0};
    gw_pcpr_observe(&w, obs, sizeof(obs) / sizeof(obs[0]), 22 * MINUTE, 32 * MINUTE, 10 * MINUTE);
    assert_int_equal(w.broken_ms, 8 * MINUTE);
    assert_int_equal(w.working_ms, 2 * MINUTE);
    assert_int_equal(w.no_data_ms, 0);
}

static void test_pcpr_rows_and_network(void **state)
{
    (void)state;
    /* A charge point: hourly rows, working 1, 0.5, none (out of service), 0.99. */
    struct gw_pcpr a = {0};
    const double rows[] = {1, 0.5, NAN, 0.99};
    for (size_t i = 0; i < 4; i++)
        gw_pcpr_add_ratio(&a, rows[i], 60 * MINUTE);
    assert_int_equal(a.working_ms, 60 * MINUTE + 30 * MINUTE + 59 * MINUTE + 24000);
    assert_int_equal(a.no_data_ms, 60 * MINUTE);
    /* Another, always working; values out of range are clamped. */
    struct gw_pcpr b = {0};
    gw_pcpr_add_ratio(&b, 1.5, 180 * MINUTE);
    gw_pcpr_add_ratio(&b, -1, 0);
    assert_int_equal(b.working_ms, 180 * MINUTE);
    assert_true(fabs(gw_pcpr_reliability(&b) - 1.0) < 1e-12);
    /* The network: time of every point together. */
    struct gw_pcpr net = {0};
    gw_pcpr_sum(&net, &a);
    gw_pcpr_sum(&net, &b);
    double r = gw_pcpr_reliability(&net);
    assert_true(fabs(r - (180.0 + 149.4) / 360.0) < 1e-9);
    assert_true(r < GW_PCPR_TARGET);
    /* Nothing counted: no figure. */
    struct gw_pcpr none = {0};
    gw_pcpr_add(&none, GW_PCPR_OUT_OF_SERVICE, MINUTE);
    assert_true(isnan(gw_pcpr_reliability(&none)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcpr_sequence),
        cmocka_unit_test(test_pcpr_rows_and_network),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
