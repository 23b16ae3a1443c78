/*
 * The per-target state machine, table-driven: each case is a run of results
 * fed in order, with the hard state and transition expected after each.
 */
#include <errno.h>
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
            struct gw_state_params params = {sc->failures, sc->successes, 0, 0};
            struct gw_transition t = gw_state_feed(&st, step->status, &params, now);
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
    const struct gw_state_params p = {3, 2, 0, 0};
    gw_state_feed(&st, UP, &p, 1);
    gw_state_feed(&st, UP, &p, 2);
    assert_int_equal(st.streak, 2);
    gw_state_feed(&st, DOWN, &p, 3);
    assert_int_equal(st.streak, 1);
    gw_state_feed(&st, DEG, &p, 4); /* the same class of failure */
    assert_int_equal(st.streak, 2);
    gw_state_feed(&st, UNK, &p, 5);
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

/* ---- retry: which results leave the state soft ---------------------------- */

static void test_state_soft_while_a_change_is_confirmed(void **state)
{
    (void)state;
    static const struct {
        const char *seq; /* U up, G degraded, D down, ? unknown */
        const char *soft;
    } cases[] = {
        /* failures 3, successes 2 */
        {"UDDDUUU", "-++-+--"},
        {"DDDU", "++-+"}, /* pending: failures count towards the first state */
        {"UDU?UGGG", "-+-+-++-"},
        {"UDDDGU", "-++--+"}, /* DOWN -> DEGRADED is immediate, not soft */
    };
    const struct gw_state_params p = {3, 2, 0, 0};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct gw_state st;
        gw_state_init(&st);
        assert_false(gw_state_soft(&st));
        for (size_t i = 0; cases[c].seq[i]; i++) {
            char ch = cases[c].seq[i];
            enum gw_status status = ch == 'U' ? UP : ch == 'G' ? DEG : ch == 'D' ? DOWN : UNK;
            gw_state_feed(&st, status, &p, (int64_t)i);
            if (gw_state_soft(&st) != (cases[c].soft[i] == '+'))
                fail_msg("%s, result %zu: soft %d", cases[c].seq, i + 1, gw_state_soft(&st));
        }
    }
}

/* ---- flapping ---------------------------------------------------------------- */

static enum gw_status status_of(char ch)
{
    switch (ch) {
    case 'U':
        return UP;
    case 'G':
        return DEG;
    case 'D':
        return DOWN;
    default:
        return UNK;
    }
}

/* seq repeated `times`, then `then` */
struct flap_case {
    const char *name;
    double start, stop;
    const char *seq;
    int times;
    const char *then;
    int then_times;
    int starts_at; /* 1-based result that starts flapping, 0 never */
    int stops_at;
};

static const struct flap_case flap_cases[] = {
    /* 9 changes in a row weigh 783/1520 = 51.5 %, 8 weigh 46.3 %; after 20
     * changes, 14 steady results leave 372/1520 = 24.5 % (13 leave 29 %). */
    {"alternating up and down", 0.5, 0.25, "UD", 10, "U", 15, 10, 35},
    {"alternating degraded and down", 0.5, 0.25, "GD", 10, "G", 15, 10, 35},
    {"a flap of up and unknown is no evidence", 0.5, 0.25, "U?", 20, "", 0, 0, 0},
    {"one outage does not flap", 0.5, 0.25, "UUUUUDDDDDDDDDD", 1, "U", 20, 0, 0},
    {"two outages close together do not flap", 0.5, 0.25, "UUDDUUDDUU", 1, "U", 20, 0, 0},
    {"detection off", 0, 0, "UD", 20, "U", 20, 0, 0},
    /* 30 %: 6 changes weigh 540 (35.5 %), 5 weigh 455 (29.9 %); below 10 %:
     * 2 changes left (116/1520 = 7.6 %) after 18 steady results */
    {"thresholds 30 % and 10 %", 0.3, 0.1, "DU", 10, "UD", 0, 7, 0},
    {"thresholds 30 % and 10 %, then steady", 0.3, 0.1, "DU", 10, "DDDDDDDDDDDDDDDDDDD", 1, 7, 39},
};

static void test_state_flapping(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(flap_cases) / sizeof(flap_cases[0]); c++) {
        const struct flap_case *fc = &flap_cases[c];
        const struct gw_state_params p = {3, 2, fc->start, fc->stop};
        struct gw_state st;
        gw_state_init(&st);
        int n = 0, started = 0, stopped = 0;
        for (int part = 0; part < 2; part++) {
            const char *seq = part ? fc->then : fc->seq;
            int times = part ? fc->then_times : fc->times;
            for (int r = 0; r < times; r++) {
                for (const char *ch = seq; *ch; ch++) {
                    n++;
                    struct gw_transition t = gw_state_feed(&st, status_of(*ch), &p, n);
                    if (t.flap > 0) {
                        if (started)
                            fail_msg("%s: started twice (%d, %d)", fc->name, started, n);
                        started = n;
                    } else if (t.flap < 0) {
                        if (stopped)
                            fail_msg("%s: stopped twice", fc->name);
                        stopped = n;
                    }
                    assert_true(t.flap_percent == gw_state_flap_percent(&st));
                    assert_int_equal(st.flapping, started && !stopped);
                }
            }
        }
        if (started != fc->starts_at || stopped != fc->stops_at)
            fail_msg("%s: started at %d, stopped at %d; want %d and %d", fc->name, started, stopped,
                     fc->starts_at, fc->stops_at);
    }
}

static void test_state_flap_percent_weights(void **state)
{
    (void)state;
    const struct gw_state_params p = {1, 1, 0, 0};
    struct gw_state st;
    gw_state_init(&st);
    gw_state_feed(&st, UP, &p, 1);
    assert_true(gw_state_flap_percent(&st) == 0);
    gw_state_feed(&st, DOWN, &p, 2); /* the newest change weighs 1.25 of 20 */
    assert_float_equal(gw_state_flap_percent(&st), 6.25, 1e-9);
    for (int i = 0; i < 19; i++) /* then it is the oldest: 0.75 of 20 */
        gw_state_feed(&st, DOWN, &p, 3 + i);
    assert_float_equal(gw_state_flap_percent(&st), 3.75, 1e-9);
    gw_state_feed(&st, DOWN, &p, 40); /* and then forgotten */
    assert_true(gw_state_flap_percent(&st) == 0);
    for (int i = 0; i < 21; i++)
        gw_state_feed(&st, i % 2 ? UP : DOWN, &p, 50 + i);
    assert_float_equal(gw_state_flap_percent(&st), 100.0, 1e-9);
}

/* ---- what people are owed ------------------------------------------------------- */

#define N_NONE  GW_NOTICE_NONE
#define N_STATE GW_NOTICE_STATE
#define N_FLAP  GW_NOTICE_FLAPPING
#define N_SETL  GW_NOTICE_SETTLED

struct notice_step {
    uint8_t hard;
    bool flapping;
    bool held;
    enum gw_notice want;
    uint8_t told; /* after */
};

struct notice_case {
    const char *name;
    size_t n;
    struct notice_step steps[8];
};

#define NS(...)                                                                                    \
    sizeof((struct notice_step[]){__VA_ARGS__}) / sizeof(struct notice_step),                      \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }

static const struct notice_case notice_cases[] = {
    {"the first UP is not told, an outage and its end are",
     NS({UP, 0, 0, N_NONE, UP}, {DOWN, 0, 0, N_STATE, DOWN}, {DOWN, 0, 0, N_NONE, DOWN},
        {DEG, 0, 0, N_STATE, DEG}, {UP, 0, 0, N_STATE, UP})},
    {"a target down at start-up is told", NS({DOWN, 0, 0, N_STATE, DOWN})},
    {"held news is told when the hold ends",
     NS({UP, 0, 0, N_NONE, UP}, {DOWN, 0, 1, N_NONE, UP}, {DOWN, 0, 1, N_NONE, UP},
        {DOWN, 0, 0, N_STATE, DOWN})},
    {"an outage that ends while held is never told",
     NS({UP, 0, 0, N_NONE, UP}, {DOWN, 0, 1, N_NONE, UP}, {UP, 0, 1, N_NONE, UP},
        {UP, 0, 0, N_NONE, UP})},
    {"a recovery while held is told when the hold ends",
     NS({UP, 0, 0, N_NONE, UP}, {DOWN, 0, 0, N_STATE, DOWN}, {UP, 0, 1, N_NONE, DOWN},
        {UP, 0, 0, N_STATE, UP})},
    {"UNKNOWN is never told and changes nothing told",
     NS({UP, 0, 0, N_NONE, UP}, {UNK, 0, 0, N_NONE, UP}, {UP, 0, 0, N_NONE, UP},
        {DOWN, 0, 0, N_STATE, DOWN}, {UNK, 0, 0, N_NONE, DOWN}, {DOWN, 0, 0, N_NONE, DOWN})},
    {"flapping is told once, then where it settled",
     NS({UP, 0, 0, N_NONE, UP}, {UP, 1, 0, N_FLAP, UP}, {DOWN, 1, 0, N_NONE, UP},
        {UP, 1, 0, N_NONE, UP}, {DOWN, 1, 0, N_NONE, UP}, {DOWN, 0, 0, N_SETL, DOWN},
        {UP, 0, 0, N_STATE, UP})},
    {"settling in the state told is still told",
     NS({UP, 0, 0, N_NONE, UP}, {DOWN, 1, 0, N_FLAP, UP}, {UP, 0, 0, N_SETL, UP})},
    {"flapping held by maintenance is told when the window ends",
     NS({UP, 0, 0, N_NONE, UP}, {DOWN, 1, 1, N_NONE, UP}, {UP, 1, 0, N_FLAP, UP},
        {UP, 0, 1, N_NONE, UP}, {UP, 0, 0, N_SETL, UP})},
};

static void test_state_notice(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(notice_cases) / sizeof(notice_cases[0]); c++) {
        const struct notice_case *nc = &notice_cases[c];
        struct gw_state st;
        gw_state_init(&st);
        for (size_t i = 0; i < nc->n; i++) {
            const struct notice_step *s = &nc->steps[i];
            st.hard = s->hard;
            st.flapping = s->flapping;
            enum gw_notice got = gw_state_notice(&st, s->held);
            if (got != s->want || st.told != s->told)
                fail_msg("%s, step %zu: notice %d told %s, want %d and %s", nc->name, i + 1, got,
                         gw_state_name(st.told), s->want, gw_state_name(s->told));
            /* asking again changes nothing */
            assert_int_equal(gw_state_notice(&st, s->held), N_NONE);
        }
    }
}

static void test_state_wants(void **state)
{
    (void)state;
    static const struct {
        enum gw_notice notice;
        uint8_t to, previous, min;
        bool recovery, want;
    } cases[] = {
        {N_STATE, DOWN, UP, DEG, true, true},
        {N_STATE, DEG, UP, DEG, true, true},
        {N_STATE, DEG, UP, DOWN, true, false}, /* below min_state */
        {N_STATE, DOWN, DEG, DOWN, true, true},
        {N_STATE, DEG, DOWN, DOWN, true, true}, /* away from a state it was told */
        {N_STATE, UP, DEG, DOWN, true, false},  /* it was never told of DEGRADED */
        {N_STATE, UP, DOWN, DOWN, true, true},
        {N_STATE, UP, DOWN, DOWN, false, false}, /* send_recovery: false */
        {N_STATE, DOWN, PEND, DOWN, true, true}, /* down at start-up */
        {N_FLAP, UP, UP, DOWN, true, true},
        {N_SETL, UP, UP, DOWN, false, true},
        {N_NONE, DOWN, UP, DEG, true, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (gw_state_wants(cases[i].notice, cases[i].to, cases[i].previous, cases[i].min,
                           cases[i].recovery) != cases[i].want)
            fail_msg("case %zu: want %d", i + 1, cases[i].want);
}

/* ---- dependencies ----------------------------------------------------------------
 * Each step feeds the parent's and the child's results (thresholds of 1),
 * then asks what the child is owed with the hold its parent makes, as the
 * engine does after every change of either. */

struct dep_step {
    char parent, child; /* status letters; ' ' feeds nothing */
    enum gw_notice want;
    enum gw_hold hold;
    uint8_t told;
};

struct dep_case {
    const char *name;
    size_t n;
    struct dep_step steps[8];
};

#define DS(...)                                                                                    \
    sizeof((struct dep_step[]){__VA_ARGS__}) / sizeof(struct dep_step),                            \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }

#define H_NO  GW_HOLD_NONE
#define H_PAR GW_HOLD_PARENT

static const struct dep_case dep_cases[] = {
    {"held while the parent is down, told when it recovers and the child is still down",
     DS({'U', 'U', N_NONE, H_NO, UP}, {'D', 'D', N_NONE, H_PAR, UP}, {' ', 'D', N_NONE, H_PAR, UP},
        {'U', ' ', N_STATE, H_NO, DOWN}, {' ', 'U', N_STATE, H_NO, UP})},
    {"a child that recovers while the parent is down is never told",
     DS({'U', 'U', N_NONE, H_NO, UP}, {'D', 'D', N_NONE, H_PAR, UP}, {'D', 'U', N_NONE, H_PAR, UP},
        {'U', 'U', N_NONE, H_NO, UP})},
    {"a child told before its parent failed hears of its recovery after the parent's",
     DS({'U', 'U', N_NONE, H_NO, UP}, {'U', 'D', N_STATE, H_NO, DOWN},
        {'D', 'D', N_NONE, H_PAR, DOWN}, {'D', 'U', N_NONE, H_PAR, DOWN},
        {'U', ' ', N_STATE, H_NO, UP})},
    {"a degraded parent holds nothing back",
     DS({'U', 'U', N_NONE, H_NO, UP}, {'G', 'D', N_STATE, H_NO, DOWN})},
    {"an unknown parent holds nothing back",
     DS({'U', 'U', N_NONE, H_NO, UP}, {'?', 'D', N_STATE, H_NO, DOWN})},
};

static void test_state_dependencies(void **state)
{
    (void)state;
    const struct gw_state_params p = {1, 1, 0, 0};
    for (size_t c = 0; c < sizeof(dep_cases) / sizeof(dep_cases[0]); c++) {
        const struct dep_case *dc = &dep_cases[c];
        struct gw_state parent, child;
        gw_state_init(&parent);
        gw_state_init(&child);
        for (size_t i = 0; i < dc->n; i++) {
            const struct dep_step *s = &dc->steps[i];
            if (s->parent != ' ')
                gw_state_feed(&parent, status_of(s->parent), &p, (int64_t)i);
            if (s->child != ' ')
                gw_state_feed(&child, status_of(s->child), &p, (int64_t)i);
            gw_state_notice(&parent, false);
            enum gw_hold hold = gw_state_hold(false, &parent);
            enum gw_notice got = gw_state_notice(&child, hold != GW_HOLD_NONE);
            if (got != s->want || hold != s->hold || child.told != s->told)
                fail_msg("%s, step %zu: notice %d hold %d told %s; want %d, %d, %s", dc->name,
                         i + 1, got, hold, gw_state_name(child.told), s->want, s->hold,
                         gw_state_name(s->told));
        }
    }
    /* maintenance is the cause when both hold */
    struct gw_state down;
    gw_state_init(&down);
    down.hard = DOWN;
    assert_int_equal(gw_state_hold(true, &down), GW_HOLD_MAINTENANCE);
    assert_int_equal(gw_state_hold(true, NULL), GW_HOLD_MAINTENANCE);
    assert_int_equal(gw_state_hold(false, NULL), GW_HOLD_NONE);
}

static void test_state_words(void **state)
{
    (void)state;
    for (uint8_t s = 0; s <= PEND; s++) {
        uint8_t back = 99;
        assert_int_equal(gw_state_parse(gw_state_word(s), &back), 0);
        assert_int_equal(back, s);
    }
    uint8_t out;
    assert_int_equal(gw_state_parse("sideways", &out), -EINVAL);
    assert_int_equal(gw_state_parse(NULL, &out), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_transitions),
        cmocka_unit_test(test_state_streak),
        cmocka_unit_test(test_state_names),
        cmocka_unit_test(test_state_soft_while_a_change_is_confirmed),
        cmocka_unit_test(test_state_flapping),
        cmocka_unit_test(test_state_flap_percent_weights),
        cmocka_unit_test(test_state_notice),
        cmocka_unit_test(test_state_wants),
        cmocka_unit_test(test_state_dependencies),
        cmocka_unit_test(test_state_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
