/*
 * The per-target state machine, table-driven: each case is a run of results
 * fed in order, with the hard state and transition expected after each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "result/state.h"

#define UP   GW_STATUS_UP
#define DEG  GW_STATUS_DEGRADED
#define DOWN GW_STATUS_DOWN
#define UNK  GW_STATUS_UNKNOWN
#define PEND GW_STATE_PENDING

struct step {
    enum gw_status status;
    bool changed;
    uint8_t hard;   /* after the step */
    uint32_t after; /* when changed */
};

struct scenario {
    const char *name;
    uint32_t failures, successes;
    size_t n;
    struct step steps[12];
};

#define S(...)                                                                                     \
    sizeof((struct step[]){__VA_ARGS__}) / sizeof(struct step),                                    \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }

static const struct scenario scenarios[] = {
    {"first UP is immediate", 3, 2, S({UP, true, UP, 1}, {UP, false, UP, 0})},
    {"first DOWN needs the failure threshold", 3, 2,
     S({DOWN, false, PEND, 0}, {DOWN, false, PEND, 0}, {DOWN, true, DOWN, 3})},
    {"first UNKNOWN needs the failure threshold", 2, 2,
     S({UNK, false, PEND, 0}, {UNK, true, UNK, 2})},
    {"UP after failures while pending is immediate", 3, 2,
     S({DOWN, false, PEND, 0}, {DOWN, false, PEND, 0}, {UP, true, UP, 1})},
    {"UP to DOWN at the threshold", 3, 2,
     S({UP, true, UP, 1}, {DOWN, false, UP, 0}, {DOWN, false, UP, 0}, {DOWN, true, DOWN, 3},
       {DOWN, false, DOWN, 0})},
    {"a success resets the failure streak", 3, 2,
     S({UP, true, UP, 1}, {DOWN, false, UP, 0}, {DOWN, false, UP, 0}, {UP, false, UP, 0},
       {DOWN, false, UP, 0}, {DOWN, false, UP, 0}, {DOWN, true, DOWN, 3})},
    {"recovery needs the success threshold", 1, 3,
     S({UP, true, UP, 1}, {DOWN, true, DOWN, 1}, {UP, false, DOWN, 0}, {UP, false, DOWN, 0},
       {UP, true, UP, 3})},
    {"a failure resets the success streak", 1, 2,
     S({UP, true, UP, 1}, {DOWN, true, DOWN, 1}, {UP, false, DOWN, 0}, {DOWN, false, DOWN, 0},
       {UP, false, DOWN, 0}, {UP, true, UP, 2})},
    {"UP to DEGRADED needs the threshold", 2, 2,
     S({UP, true, UP, 1}, {DEG, false, UP, 0}, {DEG, true, DEG, 2})},
    {"DOWN and DEGRADED count as one run of failures", 3, 2,
     S({UP, true, UP, 1}, {DOWN, false, UP, 0}, {DEG, false, UP, 0}, {DOWN, true, DOWN, 3})},
    {"DOWN <-> DEGRADED is immediate once failing", 2, 2,
     S({UP, true, UP, 1}, {DOWN, false, UP, 0}, {DOWN, true, DOWN, 2}, {DEG, true, DEG, 3},
       {DOWN, true, DOWN, 4}, {DOWN, false, DOWN, 0})},
    {"UNKNOWN does not count as a failure", 3, 2,
     S({UP, true, UP, 1}, {DOWN, false, UP, 0}, {DOWN, false, UP, 0}, {UNK, false, UP, 0},
       {DOWN, false, UP, 0}, {DOWN, false, UP, 0}, {DOWN, true, DOWN, 3})},
    {"UNKNOWN at the threshold, UP again at the success threshold", 2, 2,
     S({UP, true, UP, 1}, {UNK, false, UP, 0}, {UNK, true, UNK, 2}, {UP, false, UNK, 0},
       {UP, true, UP, 2})},
    {"DOWN to UNKNOWN and back need their thresholds", 2, 2,
     S({DOWN, false, PEND, 0}, {DOWN, true, DOWN, 2}, {UNK, false, DOWN, 0}, {UNK, true, UNK, 2},
       {DEG, false, UNK, 0}, {DOWN, true, DOWN, 2})},
    {"thresholds of 0 act as 1", 0, 0,
     S({DOWN, true, DOWN, 1}, {UP, true, UP, 1}, {DEG, true, DEG, 1})},
};

static void test_state_transitions(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(scenarios) / sizeof(scenarios[0]); s++) {
        const struct scenario *sc = &scenarios[s];
        struct gw_state st;
        gw_state_init(&st);
        assert_int_equal(st.hard, PEND);
        uint8_t hard = PEND;
        for (size_t i = 0; i < sc->n; i++) {
            const struct step *step = &sc->steps[i];
            int64_t now = 1000 * (int64_t)(i + 1);
            int64_t since_before = st.since_ms;
            struct gw_transition t =
                gw_state_feed(&st, step->status, sc->failures, sc->successes, now);
            if (t.changed != step->changed || st.hard != step->hard || t.from != hard ||
                t.to != st.hard || (t.changed && t.after != step->after))
                fail_msg("%s, step %zu (%s): changed %d hard %s after %u, want changed %d hard "
                         "%s after %u",
                         sc->name, i + 1, gw_state_name((uint8_t)step->status), t.changed,
                         gw_state_name(st.hard), t.after, step->changed, gw_state_name(step->hard),
                         step->after);
            /* the time of the last hard change, and only of a change */
            assert_int_equal(st.since_ms, t.changed ? now : since_before);
            assert_int_equal(st.last, step->status);
            assert_int_equal(st.results, i + 1);
            hard = st.hard;
        }
    }
}

static void test_state_streak(void **state)
{
    (void)state;
    struct gw_state st;
    gw_state_init(&st);
    gw_state_feed(&st, UP, 3, 2, 1);
    gw_state_feed(&st, UP, 3, 2, 2);
    assert_int_equal(st.streak, 2);
    gw_state_feed(&st, DOWN, 3, 2, 3);
    assert_int_equal(st.streak, 1);
    gw_state_feed(&st, DEG, 3, 2, 4); /* the same class of failure */
    assert_int_equal(st.streak, 2);
    gw_state_feed(&st, UNK, 3, 2, 5);
    assert_int_equal(st.streak, 1);
}

static void test_state_names(void **state)
{
    (void)state;
    assert_string_equal(gw_state_name(UP), "UP");
    assert_string_equal(gw_state_name(DEG), "DEGRADED");
    assert_string_equal(gw_state_name(DOWN), "DOWN");
    assert_string_equal(gw_state_name(UNK), "UNKNOWN");
    assert_string_equal(gw_state_name(PEND), "PENDING");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_transitions),
        cmocka_unit_test(test_state_streak),
        cmocka_unit_test(test_state_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
