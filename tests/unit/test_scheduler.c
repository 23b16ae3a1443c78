/*
 * Scheduler and phase tests: even, stable phases; runs at their interval;
 * the global and per-host caps; skipped runs; lateness measured.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "schedule/phase.h"
#include "schedule/scheduler.h"
#include "schedule/target.h"
#include "util/xalloc.h"

/* ---- phases ----------------------------------------------------------------- */

static void test_phase_offsets_are_stable_and_in_range(void **state)
{
    (void)state;
    uint64_t a = gw_phase_offset_ms("cardiff/website", 60000);
    uint64_t b = gw_phase_offset_ms("cardiff/website", 60000);
    assert_int_equal(a, b);
    assert_true(a < 60000);
    assert_int_not_equal(gw_phase_offset_ms("cardiff/website", 60000),
                         gw_phase_offset_ms("cardiff/website-cy", 60000));
    assert_int_equal(gw_phase_offset_ms("x/y", 0), 0);
}

static void test_phase_offsets_spread_evenly(void **state)
{
    (void)state;
    /* 10,000 similar ids over 10 equal slices of a minute: each slice should
     * hold close to 1,000 (a uniform spread has a standard deviation of 30). */
    enum { N = 10000, SLICES = 10 };
    unsigned counts[SLICES] = {0};
    char id[64];
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof(id), "council-%d/target-%d", i % 22, i);
        counts[gw_phase_offset_ms(id, 60000) / 6000]++;
    }
    for (int s = 0; s < SLICES; s++) {
        assert_true(counts[s] > 880);
        assert_true(counts[s] < 1120);
    }
}

static void test_phase_next_due_lands_on_the_beat(void **state)
{
    (void)state;
    /* wall 1000 ms into a 60 s beat, offset 5000: due in 4000 ms */
    assert_int_equal(gw_phase_next_due(5000, 60000, 60000 * 100 + 1000, 777), 777 + 4000);
    /* exactly on the beat: now */
    assert_int_equal(gw_phase_next_due(1000, 60000, 60000 * 100 + 1000, 777), 777);
    /* just past it: a whole interval later */
    assert_int_equal(gw_phase_next_due(1000, 60000, 60000 * 100 + 1001, 777), 777 + 59999);
}

/* ---- a scheduler driven by fake checks ---------------------------------------- */

struct run {
    uv_timer_t timer;
    struct fixture *fx;
    struct gw_target *target;
};

struct fixture {
    uv_loop_t loop;
    struct gw_scheduler *sched;
    struct gw_config config; /* only targets[] and n_targets are used */
    struct gw_target **targets;
    size_t n;
    uint64_t run_ms; /* how long each fake check takes */
    unsigned started;
    unsigned in_flight, max_in_flight_seen;
    unsigned per_host[4], max_per_host_seen[4];
    unsigned starts_of[64];
    unsigned soft_runs;       /* runs of target 0 that end with its state soft */
    uint64_t start_times[16]; /* loop time of target 0's runs */
    uint64_t planned[16];     /* when the scheduler meant each of them to start */
    uv_timer_t stop;
    /* A metronome on the same loop: how late the loop itself wakes up on
     * this machine, now, whatever the scheduler does. */
    uv_timer_t tick;
    bool ticking;
    uint64_t tick_due_ns;
    uint64_t tick_late_max_us;
};

#define TICK_MS 10

static int host_index(const struct gw_target *t)
{
    return t->conf->host ? t->conf->host[1] - '0' : 3;
}

static void run_close_cb(uv_handle_t *h)
{
    free(h->data);
}

static void run_end_cb(uv_timer_t *timer)
{
    struct run *r = timer->data;
    struct fixture *fx = r->fx;
    fx->in_flight--;
    fx->per_host[host_index(r->target)]--;
    r->target->running = NULL;
    if (strcmp(r->target->conf->id, "c/0") == 0 && fx->soft_runs > 0) {
        /* a failure the state machine has yet to confirm */
        fx->soft_runs--;
        r->target->state.results = 1;
        r->target->state.last = GW_STATUS_DOWN;
        r->target->state.hard = GW_STATUS_UP;
    } else {
        r->target->state.last = r->target->state.hard;
    }
    gw_scheduler_done(fx->sched, r->target);
    uv_close((uv_handle_t *)timer, run_close_cb);
}

static int start_fn(void *data, struct gw_target *t, uint64_t lateness_ms)
{
    (void)lateness_ms;
    struct fixture *fx = data;
    fx->started++;
    fx->in_flight++;
    if (fx->in_flight > fx->max_in_flight_seen)
        fx->max_in_flight_seen = fx->in_flight;
    int h = host_index(t);
    fx->per_host[h]++;
    if (fx->per_host[h] > fx->max_per_host_seen[h])
        fx->max_per_host_seen[h] = fx->per_host[h];
    size_t i = (size_t)atoi(strchr(t->conf->id, '/') + 1);
    if (i == 0 && fx->starts_of[0] < 16) {
        fx->start_times[fx->starts_of[0]] = uv_now(&fx->loop);
        fx->planned[fx->starts_of[0]] = t->planned_ms;
    }
    if (i < 64)
        fx->starts_of[i]++;
    struct run *r = gw_xcalloc(1, sizeof(*r));
    r->fx = fx;
    r->target = t;
    uv_timer_init(&fx->loop, &r->timer);
    r->timer.data = r;
    uv_timer_start(&r->timer, run_end_cb, fx->run_ms, 0);
    t->running = (struct gw_check *)r; /* any non-NULL marker */
    return 0;
}

static void stop_cb(uv_timer_t *timer)
{
    struct fixture *fx = timer->data;
    gw_scheduler_stop(fx->sched);
    uv_close((uv_handle_t *)timer, NULL);
    if (fx->ticking)
        uv_close((uv_handle_t *)&fx->tick, NULL);
}

static void tick_cb(uv_timer_t *timer)
{
    struct fixture *fx = timer->data;
    uint64_t now = uv_hrtime();
    if (now > fx->tick_due_ns && (now - fx->tick_due_ns) / 1000 > fx->tick_late_max_us)
        fx->tick_late_max_us = (now - fx->tick_due_ns) / 1000;
    fx->tick_due_ns = now + TICK_MS * 1000000ull;
}

/* n targets, spread over `hosts` hosts (0 = no host), interval_ms each. */
static struct fixture *fixture_new(size_t n, unsigned hosts, uint64_t interval_ms,
                                   uint32_t max_in_flight, uint32_t max_per_host)
{
    struct fixture *fx = gw_xcalloc(1, sizeof(*fx));
    uv_loop_init(&fx->loop);
    fx->n = n;
    fx->config.targets = gw_xcalloc(n, sizeof(struct gw_target_conf));
    fx->config.n_targets = n;
    fx->targets = gw_xcalloc(n, sizeof(*fx->targets));
    static const char *const host_names[] = {"h0", "h1", "h2"};
    for (size_t i = 0; i < n; i++) {
        struct gw_target_conf *c = &fx->config.targets[i];
        c->id = gw_xasprintf("c/%zu", i);
        c->name = c->id + 2;
        c->interval_ms = interval_ms;
        c->timeout_ms = interval_ms;
        c->host = hosts ? host_names[i % hosts] : NULL;
        fx->targets[i] = gw_target_new(c);
    }
    fx->sched = gw_scheduler_new(&fx->loop, max_in_flight, max_per_host, start_fn, fx);
    uv_timer_init(&fx->loop, &fx->stop);
    fx->stop.data = fx;
    return fx;
}

static void fixture_run(struct fixture *fx, uint64_t for_ms)
{
    uv_update_time(&fx->loop);
    for (size_t i = 0; i < fx->n; i++)
        gw_scheduler_add(fx->sched, fx->targets[i]);
    uv_timer_start(&fx->stop, stop_cb, for_ms, 0);
    uv_timer_init(&fx->loop, &fx->tick);
    fx->tick.data = fx;
    fx->ticking = true;
    fx->tick_due_ns = uv_hrtime() + TICK_MS * 1000000ull;
    uv_timer_start(&fx->tick, tick_cb, TICK_MS, TICK_MS);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
}

static void fixture_free(struct fixture *fx)
{
    for (size_t i = 0; i < fx->n; i++)
        gw_scheduler_remove(fx->sched, fx->targets[i]);
    gw_scheduler_free(fx->sched);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&fx->loop), 0);
    for (size_t i = 0; i < fx->n; i++) {
        gw_target_free(fx->targets[i]);
        free(fx->config.targets[i].id);
    }
    free(fx->targets);
    free(fx->config.targets);
    free(fx);
}

static void test_scheduler_runs_each_target_once_per_interval(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(20, 0, 1000, 100, 100);
    fx->run_ms = 5;
    fixture_run(fx, 3050);
    /* 3.05 s at a 1 s interval: every target ran 3 or 4 times, never 5. */
    for (size_t i = 0; i < 20; i++) {
        assert_true(fx->starts_of[i] >= 3);
        assert_true(fx->starts_of[i] <= 4);
    }
    struct gw_scheduler_stats st;
    gw_scheduler_stats(fx->sched, &st);
    assert_int_equal(st.started, fx->started);
    assert_int_equal(st.skipped, 0);
    assert_int_equal(st.scheduled, 20);
    /* With nothing in the way, runs start within a few ms of their plan, or
     * as late as the loop itself wakes on a busy machine (the metronome). */
    uint64_t p99_us = gw_histo_quantile(&st.lateness, 0.99);
    if (p99_us >= 20000 + fx->tick_late_max_us)
        fail_msg("runs started up to %.1f ms late (p99); the loop woke up to %.1f ms late",
                 (double)p99_us / 1000, (double)fx->tick_late_max_us / 1000);
    fixture_free(fx);
}

/* A feed that asked to be left alone (Retry-After) gets no run before the time it gave. */
static void test_scheduler_waits_for_not_before(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(2, 0, 1000, 100, 100);
    fx->run_ms = 5;
    uv_update_time(&fx->loop);
    fx->targets[0]->not_before_ms = uv_now(&fx->loop) + 2500;
    fixture_run(fx, 4050);
    /* 4.05 s at 1 s: the other ran 4 or 5 times; this one only from 2.5 s on. */
    assert_true(fx->starts_of[1] >= 4 && fx->starts_of[1] <= 5);
    assert_true(fx->starts_of[0] >= 1 && fx->starts_of[0] <= 2);
    /* Its beats before 2.5 s (at least the first two, at most three) were skipped and counted. */
    struct gw_scheduler_stats st;
    gw_scheduler_stats(fx->sched, &st);
    assert_true(st.skipped >= 2 && st.skipped <= 3);
    assert_int_equal(fx->targets[0]->skipped, st.skipped);
    assert_int_equal(fx->targets[1]->skipped, 0);
    fixture_free(fx);
}

static void test_scheduler_caps_checks_in_flight(void **state)
{
    (void)state;
    /* 30 targets due within two seconds, each taking a second: demand far
     * beyond 4 at once, which is the cap. */
    struct fixture *fx = fixture_new(30, 0, 2000, 4, 100);
    fx->run_ms = 1000;
    fixture_run(fx, 1900);
    assert_int_equal(fx->max_in_flight_seen, 4);
    assert_true(fx->started >= 4);
    fixture_free(fx);
}

static void test_scheduler_caps_checks_per_host(void **state)
{
    (void)state;
    /* 3 hosts, at most 2 at once against each, 6 overall. */
    struct fixture *fx = fixture_new(36, 3, 1000, 6, 2);
    fx->run_ms = 150;
    fixture_run(fx, 2500);
    for (int h = 0; h < 3; h++)
        assert_true(fx->max_per_host_seen[h] <= 2);
    assert_true(fx->max_in_flight_seen <= 6);
    /* Every host got its share: no host was starved behind another. */
    for (int h = 0; h < 3; h++)
        assert_int_equal(fx->max_per_host_seen[h], 2);
    fixture_free(fx);
}

static void test_scheduler_waiting_runs_are_late_and_measured(void **state)
{
    (void)state;
    /* One slot, 5 targets a second of 400 ms each: twice the work the slot
     * can do, so runs queue up and their lateness says so. */
    struct fixture *fx = fixture_new(5, 0, 1000, 1, 1);
    fx->run_ms = 400;
    fixture_run(fx, 3000);
    struct gw_scheduler_stats st;
    gw_scheduler_stats(fx->sched, &st);
    assert_true(st.lateness.max_us >= 300000);
    assert_int_equal(fx->max_in_flight_seen, 1);
    fixture_free(fx);
}

static void test_scheduler_skips_a_run_while_the_last_one_runs(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(1, 0, 1000, 10, 10);
    fx->run_ms = 1500; /* longer than the interval */
    fixture_run(fx, 3600);
    struct gw_scheduler_stats st;
    gw_scheduler_stats(fx->sched, &st);
    assert_true(st.skipped >= 1);
    assert_true(fx->started >= 2);
    assert_true(fx->started <= 3);
    fixture_free(fx);
}

static void test_scheduler_remove_takes_a_target_out(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(4, 0, 1000, 10, 10);
    fx->run_ms = 1;
    uv_update_time(&fx->loop);
    for (size_t i = 0; i < fx->n; i++)
        gw_scheduler_add(fx->sched, fx->targets[i]);
    gw_scheduler_remove(fx->sched, fx->targets[2]);
    uv_timer_start(&fx->stop, stop_cb, 2100, 0);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_int_equal(fx->starts_of[2], 0);
    assert_true(fx->starts_of[1] >= 2);
    struct gw_scheduler_stats st;
    gw_scheduler_stats(fx->sched, &st);
    assert_int_equal(st.scheduled, 3);
    fixture_free(fx);
}

/* A soft state is re-checked after retry_interval; then the target is back on its beat. */
static void test_scheduler_retries_soft_states_and_keeps_the_phase(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(1, 0, 2000, 10, 10);
    fx->config.targets[0].retry_interval_ms = 300;
    fx->run_ms = 10;
    fx->soft_runs = 2;
    fixture_run(fx, 6500);
    assert_true(fx->starts_of[0] >= 5);
    uint64_t *at = fx->start_times;
    /* two retries, each 300 ms after the run before ended (timers may fire
     * up to 1 ms early on the loop's clock; a loaded machine makes them late) */
    for (int i = 1; i <= 2; i++) {
        uint64_t gap = at[i] - at[i - 1];
        if (gap + 1 < 310 || gap > 310 + 200)
            fail_msg("retry %d came %llu ms after the run before", i, (unsigned long long)gap);
    }
    /* Then the beat: one interval, and two, after the first run was meant
     * to start (it may itself have started late on a loaded machine). */
    for (int i = 3; i <= 4; i++) {
        uint64_t want = fx->planned[0] + 2000u * (uint64_t)(i - 2);
        if (fx->planned[i] != want)
            fail_msg("run %d planned at %llu, want its beat at %llu", i,
                     (unsigned long long)fx->planned[i], (unsigned long long)want);
        /* the loop's clock is whole coarse milliseconds: up to 2 ms behind */
        if (at[i] + 2 < want || at[i] > want + 200)
            fail_msg("run %d at %llu, want its beat at %llu", i, (unsigned long long)at[i],
                     (unsigned long long)want);
    }
    fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phase_offsets_are_stable_and_in_range),
        cmocka_unit_test(test_phase_offsets_spread_evenly),
        cmocka_unit_test(test_phase_next_due_lands_on_the_beat),
        cmocka_unit_test(test_scheduler_runs_each_target_once_per_interval),
        cmocka_unit_test(test_scheduler_waits_for_not_before),
        cmocka_unit_test(test_scheduler_caps_checks_in_flight),
        cmocka_unit_test(test_scheduler_caps_checks_per_host),
        cmocka_unit_test(test_scheduler_waiting_runs_are_late_and_measured),
        cmocka_unit_test(test_scheduler_skips_a_run_while_the_last_one_runs),
        cmocka_unit_test(test_scheduler_remove_takes_a_target_out),
        cmocka_unit_test(test_scheduler_retries_soft_states_and_keeps_the_phase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
