/*
 * A libuv loop for one test: run for a while or until a callback has been
 * called, and at the end run to idle and closed under a watchdog, so that a
 * handle or request the code under test forgot fails the test.
 */
#ifndef GW_LOOP_TESTUTIL_H
#define GW_LOOP_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <time.h>
#include <uv.h>
#include <valgrind/valgrind.h>

/*
 * Timing slack for tests that measure against real servers: valgrind makes
 * everything several times slower, and with the sanitizers the servers
 * (built the same way) answer late by up to ~20 ms, which the code under
 * test measures faithfully.
 */
static inline double slack(void)
{
#ifdef __SANITIZE_ADDRESS__
    return 5.0;
#else
    return RUNNING_ON_VALGRIND ? 10.0 : 1.0;
#endif
}

/*
 * How early a libuv timer may fire, against a precise clock: the loop's clock
 * is whole milliseconds, truncated, and libuv reads it from
 * CLOCK_MONOTONIC_COARSE where that ticks every millisecond or faster, a tick
 * behind at most. A server's 200 ms delay, or our 300 ms timeout, can be
 * 2 ms short; never more.
 */
#define TIMER_EARLY_MS 2.0

/*
 * A load on the machine can only make a measured delay longer. Of up to this
 * many measurements, the best must be close to the truth: one run in twenty
 * slowed by a busy machine then decides nothing.
 */
#define BEST_OF 10

/*
 * How much longer than a server's delay the best of BEST_OF measurements may
 * be: a few milliseconds in a real build. Built with the sanitizers (or run
 * under valgrind) the servers themselves answer tens of milliseconds late, more
 * on a busy machine; the bound then only tells seconds from milliseconds.
 */
static inline double delay_slack_s(void)
{
    return slack() > 1.0 ? 0.100 : 0.005;
}

static inline int test_loop_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * How late this process wakes up from a short sleep, now, in seconds (the
 * 90th percentile of twenty naps of 10 ms). On a busy machine every process
 * wakes about as late, so a delay measured across two of them (a server's
 * timer, then the client reading its answer) may be up to twice this longer.
 */
static inline double wakeup_lateness_s(void)
{
    double late[20];
    for (int i = 0; i < 20; i++) {
        struct timespec a, b, nap = {0, 10 * 1000000L};
        clock_gettime(CLOCK_MONOTONIC, &a);
        nanosleep(&nap, NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        late[i] = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 - 0.010;
    }
    qsort(late, 20, sizeof(late[0]), test_loop_cmp_double);
    return late[17];
}

/* What a measured 200 ms delay may come to at most, now (see above). */
static inline double delay_allowed_s(void)
{
    return 0.200 + delay_slack_s() + 2 * wakeup_lateness_s();
}

struct test_loop {
    uv_loop_t uv;
    /* Here and not on a stack: after a watchdog trip the loop still holds it. */
    uv_timer_t watchdog;
    uint64_t watchdog_ms; /* how long test_loop_finish lets the loop run */
    bool stuck;           /* the watchdog stopped the loop */
    bool closed;          /* test_loop_finish closed the loop */
};

/* Initialises the loop; test_loop_finish will allow it `watchdog_ms` to run dry. */
static inline void test_loop_init(struct test_loop *l, uint64_t watchdog_ms)
{
    assert_int_equal(uv_loop_init(&l->uv), 0);
    l->watchdog_ms = watchdog_ms;
    l->stuck = false;
    l->closed = false;
}

static inline void test_loop_watchdog_cb(uv_timer_t *timer)
{
    struct test_loop *l = timer->data;
    l->stuck = true;
    uv_stop(&l->uv);
}

/*
 * Runs the loop until nothing is left in it and closes it: whatever is still
 * open keeps the loop alive and trips the watchdog, or makes uv_loop_close
 * fail. Either fails the test.
 */
static inline void test_loop_finish(struct test_loop *l)
{
    uv_timer_init(&l->uv, &l->watchdog);
    l->watchdog.data = l;
    uv_timer_start(&l->watchdog, test_loop_watchdog_cb, l->watchdog_ms, 0);
    uv_unref((uv_handle_t *)&l->watchdog);
    uv_run(&l->uv, UV_RUN_DEFAULT);
    assert_false(l->stuck);
    uv_close((uv_handle_t *)&l->watchdog, NULL);
    uv_run(&l->uv, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&l->uv), 0);
    l->closed = true;
}

/*
 * Whether a teardown should still finish the loop: not when the test did,
 * and not after the watchdog tripped (the loop may then hold handles of a
 * test's frame that is gone).
 */
static inline bool test_loop_open(const struct test_loop *l)
{
    return !l->closed && !l->stuck;
}

static inline void test_loop_flag_closed_cb(uv_handle_t *handle)
{
    *(bool *)handle->data = true;
}

/* Closes a handle that lives on the caller's stack and waits until libuv is done with it. */
static inline void close_and_wait(uv_loop_t *loop, uv_handle_t *handle)
{
    bool closed = false;
    handle->data = &closed;
    uv_close(handle, test_loop_flag_closed_cb);
    while (!closed)
        uv_run(loop, UV_RUN_ONCE);
}

static inline void test_loop_flag_timer_cb(uv_timer_t *timer)
{
    *(bool *)timer->data = true;
}

/*
 * Runs the loop until *count reaches `want` (count NULL: never) or `ms`
 * milliseconds have passed. Returns true when the count was reached.
 */
static inline bool test_loop_run_until(struct test_loop *l, const unsigned *count, unsigned want,
                                       uint64_t ms)
{
    uv_timer_t timer;
    bool fired = false;
    uv_timer_init(&l->uv, &timer);
    timer.data = &fired;
    uv_timer_start(&timer, test_loop_flag_timer_cb, ms, 0);
    while (!fired && !(count && *count >= want))
        uv_run(&l->uv, UV_RUN_ONCE);
    close_and_wait(&l->uv, (uv_handle_t *)&timer);
    return count && *count >= want;
}

/* Runs the loop for `ms` milliseconds. */
static inline void test_loop_run_for(struct test_loop *l, uint64_t ms)
{
    test_loop_run_until(l, NULL, 0, ms);
}

/*
 * Runs the loop until *calls reaches `want`. Fails the test when the loop
 * runs dry first, or after `limit_ms` milliseconds; `what` names the awaited
 * thing in the message.
 */
static inline void test_loop_wait(struct test_loop *l, const unsigned *calls, unsigned want,
                                  uint64_t limit_ms, const char *what)
{
    uint64_t deadline = uv_hrtime() + limit_ms * 1000000u;
    while (*calls < want) {
        if (uv_hrtime() > deadline)
            fail_msg("no %s within %.1f s", what, (double)limit_ms / 1e3);
        if (uv_run(&l->uv, UV_RUN_ONCE) == 0 && *calls < want)
            fail_msg("the loop ran dry without a %s", what);
    }
}

#endif
