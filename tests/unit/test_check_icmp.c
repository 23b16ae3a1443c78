/*
 * The icmp check plugin, through the real loader, pinging 127.0.0.1 and ::1
 * (and more of 127/8) with whatever ICMP socket this process may open.
 *
 * tests/integration/test_icmp_sockets.sh runs this program again in network
 * namespaces of its own, once per kind of socket, and says so:
 *   GW_TEST_ICMP_SOCKET  raw, datagram: the kind the check must report;
 *                        none: neither is allowed (only that test runs)
 *   GW_TEST_ICMP_NETNS   1: the namespace is ours, so the tests that make
 *                        the host deaf to pings (net.ipv4.icmp_echo_ignore_all)
 *                        run too
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <netdb.h>
#include <uv.h>

#include "check_testutil.h"
#include "resolver_testutil.h"
#include "util/xalloc.h"

static const struct fake_name fake_names[] = {
    {.name = "nowhere.invalid", .error = EAI_NONAME},
    {.name = "resolver-down.test", .error = EAI_AGAIN},
    {.name = "v4only.test", .addresses = {"127.0.0.1"}},
    {.name = "dual.test", .addresses = {"::1", "127.0.0.1"}},
    {.name = NULL},
};

struct fixture {
    struct check_harness h;
};

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    harness_init(&f->h, "check_icmp.so", false, slack());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    harness_fini(&f->h);
    free(f);
    return 0;
}

/* A round of 3 pings 20 ms apart, each waited for 500 ms, unless extra says otherwise. */
static const struct gw_target_conf *load(struct fixture *f, const char *host, const char *extra)
{
    char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("icmp") "        host: \"%s\"\n%s", host,
                              extra ? extra
                                    : "        count: 3\n        spacing: 20ms\n"
                                      "        wait: 500ms\n");
    const struct gw_target_conf *t = harness_load_target(&f->h, yaml);
    free(yaml);
    return t;
}

#define assert_reason(out, r) assert_string_equal((out)->result.reason, (r))

/* Every sample answered, in order, with min <= median <= max. */
static void assert_round_answered(const struct outcome *out, unsigned count)
{
    assert_int_equal(out->result.status, GW_STATUS_UP);
    assert_reason(out, "");
    assert_true(outcome_figure(out, "loss") == 0);
    double previous = 0;
    for (unsigned i = 1; i <= count; i++) {
        char name[8];
        snprintf(name, sizeof(name), "s%02u", i);
        double s = outcome_figure(out, name);
        assert_false(isnan(s));
        assert_true(s > 0 && s < 0.5);
        assert_true(s >= previous); /* sorted */
        previous = s;
    }
    assert_true(outcome_figure(out, "min") == outcome_figure(out, "s01"));
    assert_true(outcome_figure(out, "min") <= outcome_figure(out, "median"));
    assert_true(outcome_figure(out, "median") <= outcome_figure(out, "max"));
    assert_true(outcome_figure(out, "latency") == outcome_figure(out, "median"));
    assert_true(outcome_figure(out, "stddev") >= 0);
    assert_true(outcome_figure(out, "stddev") <=
                outcome_figure(out, "max") - outcome_figure(out, "min"));
    /* the socket in use, as the environment says it must be */
    const char *want = getenv("GW_TEST_ICMP_SOCKET");
    const char *kind = outcome_detail(out, "socket");
    assert_non_null(kind);
    if (want && strcmp(want, "raw") == 0)
        assert_non_null(strstr(kind, "raw ICMP socket"));
    else if (want && strcmp(want, "datagram") == 0)
        assert_non_null(strstr(kind, "ICMP datagram socket"));
}

/* ---- rounds that are answered ------------------------------------------------------ */

static void test_check_icmp_loopback_ipv4(void **state)
{
    struct fixture *f = *state;
    const struct gw_target_conf *t = load(f, "127.0.0.1", NULL);
    assert_string_equal(t->host, "127.0.0.1");
    /* median, loss, min, max, stddev, then one per sample */
    assert_int_equal(t->n_figures, 5 + 3);
    assert_string_equal(t->figures[7].name, "s03");
    struct outcome out;
    harness_run(&f->h, &out);
    assert_round_answered(&out, 3);
    assert_message_has(&out, "127.0.0.1 answered 3 of 3 pings, rtt min/median/max ");
    /* three pings 20 ms apart, and the last answered at once */
    assert_true(elapsed_ms(&out) >= 39 && elapsed_ms(&out) < 400 * f->h.slack);
    assert_true(isnan(outcome_figure(&out, "s04")));
    harness_finish_loop(&f->h);
}

static void test_check_icmp_loopback_ipv6(void **state)
{
    struct fixture *f = *state;
    load(f, "[::1]", NULL);
    struct outcome out;
    harness_run(&f->h, &out);
    assert_round_answered(&out, 3);
    assert_message_has(&out, "::1 answered 3 of 3 pings");
    harness_finish_loop(&f->h);
}

static void test_check_icmp_one_ping_with_default_spacing(void **state)
{
    struct fixture *f = *state;
    load(f, "127.0.0.1", "        count: 1\n");
    struct outcome out;
    harness_run(&f->h, &out);
    assert_round_answered(&out, 1);
    assert_true(outcome_figure(&out, "stddev") == 0);
    harness_finish_loop(&f->h);
}

static void test_check_icmp_names_are_resolved(void **state)
{
    struct fixture *f = *state;
    load(f, "v4only.test", NULL);
    struct outcome out;
    harness_run(&f->h, &out);
    assert_round_answered(&out, 3);
    assert_message_has(&out, "127.0.0.1 (v4only.test) answered 3 of 3");

    load(f, "dual.test", "        count: 2\n        spacing: 10ms\n        ip: 4\n");
    harness_run(&f->h, &out);
    assert_round_answered(&out, 2);
    assert_message_has(&out, "127.0.0.1 (dual.test)");

    load(f, "dual.test", "        count: 2\n        spacing: 10ms\n");
    harness_run(&f->h, &out);
    assert_round_answered(&out, 2);
    assert_message_has(&out, "::1 (dual.test)"); /* the resolver's first address */

    load(f, "nowhere.invalid", NULL);
    harness_run(&f->h, &out);
    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_DNS);
    assert_message_has(&out, "nowhere.invalid does not resolve");

    load(f, "resolver-down.test", NULL);
    harness_run(&f->h, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_DNS);
    assert_message_has(&out, "cannot resolve resolver-down.test");
    harness_finish_loop(&f->h);
}

static void test_check_icmp_slower_than_max_rtt_is_degraded(void **state)
{
    struct fixture *f = *state;
    /* nothing answers in no time */
    load(f, "127.0.0.1",
         "        count: 2\n        spacing: 10ms\n        expect: {max_rtt: 0ms, max_loss: 0%}\n");
    struct outcome out;
    harness_run(&f->h, &out);
    assert_int_equal(out.result.status, GW_STATUS_DEGRADED);
    assert_reason(&out, GW_REASON_TOO_SLOW);
    assert_message_has(&out, "127.0.0.1 answers in ");
    assert_message_has(&out, "(median of 2), slower than max_rtt 0.000 ms");
    assert_false(isnan(outcome_figure(&out, "median")));
    harness_finish_loop(&f->h);
}

/* Many targets at once share the socket: each gets its own replies. */
static void test_check_icmp_concurrent_rounds_get_their_own_replies(void **state)
{
    struct fixture *f = *state;
    enum { N = 60 };
    char *yaml = gw_xasprintf("councils:\n  - id: test\n    targets:\n");
    for (int i = 0; i < N; i++) {
        char host[32];
        if (i % 4 == 3)
            snprintf(host, sizeof(host), "::1");
        else
            snprintf(host, sizeof(host), "127.0.%d.%d", i / 200, i % 200 + 1);
        char *more = gw_xasprintf("%s      - {id: t%d, check: icmp, host: \"%s\", count: 4, "
                                  "spacing: 10ms, wait: 1s}\n",
                                  yaml, i, host);
        free(yaml);
        yaml = more;
    }
    gw_config_unref(f->h.config);
    f->h.config = harness_load_yaml(&f->h, yaml);
    free(yaml);
    if (!f->h.config) {
        harness_dump_diag(f->h.diag);
        fail_msg("refused");
    }
    struct outcome outs[N];
    unsigned done = 0;
    for (int i = 0; i < N; i++) {
        struct gw_check *check = NULL;
        memset(&outs[i], 0, sizeof(outs[i]));
        assert_int_equal(gw_check_start(&f->h.host, f->h.config, &f->h.config->targets[i], 0,
                                        harness_done_cb, &outs[i], &check),
                         0);
    }
    uint64_t deadline = uv_hrtime() + (uint64_t)(10e9 * f->h.slack);
    while (done < N && uv_hrtime() < deadline) {
        uv_run(&f->h.loop.uv, UV_RUN_ONCE);
        done = 0;
        for (int i = 0; i < N; i++)
            done += outs[i].calls;
    }
    assert_int_equal(done, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(outs[i].calls, 1);
        assert_round_answered(&outs[i], 4);
        char want[64];
        if (i % 4 == 3)
            snprintf(want, sizeof(want), "::1 answered 4 of 4");
        else
            snprintf(want, sizeof(want), "127.0.%d.%d answered 4 of 4", i / 200, i % 200 + 1);
        assert_message_has(&outs[i], want);
    }
    harness_finish_loop(&f->h);
}

static void test_check_icmp_cancel_mid_round(void **state)
{
    struct fixture *f = *state;
    load(f, "127.0.0.1", "        count: 5\n        spacing: 1s\n");
    struct outcome out;
    struct cancel_later cancel;
    struct gw_check *check = harness_start(&f->h, &out);
    harness_cancel_later(&f->h, &cancel, check, 50);
    harness_wait(&f->h, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_CANCELLED);
    /* the socket and the timers are closed: the loop runs dry at once */
    harness_finish_loop(&f->h);
}

static void test_check_icmp_round_just_within_its_timeout(void **state)
{
    struct fixture *f = *state;
    /* 600 ms + 300 ms of a 1 s timeout */
    load(f, "127.0.0.1",
         "        count: 2\n        spacing: 600ms\n        wait: 300ms\n"
         "        timeout: 1s\n        interval: 2s\n");
    struct outcome out;
    harness_run(&f->h, &out);
    assert_round_answered(&out, 2);
    harness_finish_loop(&f->h);
}

/* ---- configuration ---------------------------------------------------------------- */

static void test_check_icmp_config_errors_have_positions(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *lines;
        const char *error;
    } cases[] = {
        {"        host: 127.0.0.1\n        count: 0\n",
         "test.yaml:7:16: error: 0 is out of range (expected 1 to 20)"},
        {"        host: 127.0.0.1\n        count: 21\n", "21 is out of range (expected 1 to 20)"},
        {"        host: 127.0.0.1\n        spacing: 5ms\n",
         "spacing 5 ms is too short (expected at least 10ms)"},
        {"        host: 127.0.0.1\n        count: 10\n        timeout: 5s\n",
         "a round of 10 pings 1000 ms apart, each waited for 1000 ms, takes up to 10000 ms, "
         "not less than the timeout of 5000 ms"},
        {"        host: 127.0.0.1\n        count: 4\n        interval: 3s\n        timeout: 3s\n",
         "takes up to 4000 ms, not less than the timeout of 3000 ms"},
        {"        host: 127.0.0.1\n        ip: 6\n",
         "ip 6 contradicts host 127.0.0.1, an IPv4 address"},
        {"        host: 127.0.0.1:80\n", "host \"127.0.0.1:80\" includes a port (expected the "
                                         "host alone)"},
        {"        host: \"10.1\"\n", "host \"10.1\" is not a valid IPv4 address"},
        {"        host: 127.0.0.1\n        expect: {max_loss: 100%}\n",
         "max_loss 100% can never be exceeded or always is"},
        {"        host: 127.0.0.1\n        expect: {max_los: 10%}\n",
         "unknown key \"max_los\" (did you mean \"max_loss\"?)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("icmp") "%s", cases[i].lines);
        harness_expect_config_error(&f->h, yaml, cases[i].error);
        free(yaml);
    }
    harness_finish_loop(&f->h);
}

/* ---- in a network namespace of our own ---------------------------------------------- */

/* Makes this namespace's IPv4 stack deaf to pings, or not. */
static void ignore_pings(bool on)
{
    int fd = open("/proc/sys/net/ipv4/icmp_echo_ignore_all", O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, on ? "1" : "0", 1), 1);
    close(fd);
}

static void test_check_icmp_silent_host_is_down(void **state)
{
    struct fixture *f = *state;
    ignore_pings(true);
    load(f, "127.0.0.1", "        count: 3\n        spacing: 20ms\n        wait: 100ms\n");
    struct outcome out;
    harness_run(&f->h, &out);
    ignore_pings(false);
    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_TIMEOUT);
    assert_string_equal(out.result.message,
                        "no reply from 127.0.0.1 to 3 pings (waited 100 ms for each)");
    assert_true(outcome_figure(&out, "loss") == 1);
    assert_true(isnan(outcome_figure(&out, "median")));
    assert_true(isnan(outcome_figure(&out, "latency")));
    assert_true(isnan(outcome_figure(&out, "s01")));
    /* the round lasts until the last ping's wait is over */
    assert_true(elapsed_ms(&out) >= 139);
    harness_finish_loop(&f->h);
}

struct deafen {
    uv_timer_t timer;
};

static void deafen_cb(uv_timer_t *timer)
{
    (void)timer;
    ignore_pings(true);
}

static void test_check_icmp_partial_loss(void **state)
{
    struct fixture *f = *state;
    /* pings at 0, 200, 400 and 600 ms; the host goes deaf at 300 ms */
    load(f, "127.0.0.1",
         "        count: 4\n        spacing: 200ms\n        wait: 100ms\n"
         "        expect: {max_loss: 25%}\n");
    struct deafen d;
    uv_timer_init(&f->h.loop.uv, &d.timer);
    uv_timer_start(&d.timer, deafen_cb, 300, 0);
    struct outcome out;
    harness_run(&f->h, &out);
    ignore_pings(false);
    close_and_wait(&f->h.loop.uv, (uv_handle_t *)&d.timer);
    assert_int_equal(out.result.status, GW_STATUS_DEGRADED);
    assert_reason(&out, "packet_loss");
    assert_message_has(&out, "127.0.0.1 lost 50 % of 4 pings (max_loss 25 %)");
    assert_true(outcome_figure(&out, "loss") == 0.5);
    assert_false(isnan(outcome_figure(&out, "s02")));
    assert_true(isnan(outcome_figure(&out, "s03")));
    assert_true(outcome_figure(&out, "latency") == outcome_figure(&out, "median"));
    harness_finish_loop(&f->h);
}

static void test_check_icmp_no_socket_is_unknown(void **state)
{
    struct fixture *f = *state;
    load(f, "127.0.0.1", NULL);
    struct outcome out;
    harness_run(&f->h, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_PLUGIN);
    assert_string_equal(out.result.message,
                        "cannot ping: unprivileged ICMP sockets are not allowed for this "
                        "process's groups (sysctl net.ipv4.ping_group_range) and raw sockets "
                        "need CAP_NET_RAW");
    harness_finish_loop(&f->h);
}

int main(void)
{
    resolver_use(fake_names);
    const char *socket_kind = getenv("GW_TEST_ICMP_SOCKET");
    const char *netns = getenv("GW_TEST_ICMP_NETNS");
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest no_socket[] = {T(test_check_icmp_no_socket_is_unknown)};
    if (socket_kind && strcmp(socket_kind, "none") == 0)
        return cmocka_run_group_tests(no_socket, NULL, NULL);
    const struct CMUnitTest own_netns[] = {
        T(test_check_icmp_silent_host_is_down),
        T(test_check_icmp_partial_loss),
    };
    const struct CMUnitTest tests[] = {
        T(test_check_icmp_loopback_ipv4),
        T(test_check_icmp_loopback_ipv6),
        T(test_check_icmp_one_ping_with_default_spacing),
        T(test_check_icmp_names_are_resolved),
        T(test_check_icmp_slower_than_max_rtt_is_degraded),
        T(test_check_icmp_concurrent_rounds_get_their_own_replies),
        T(test_check_icmp_cancel_mid_round),
        T(test_check_icmp_round_just_within_its_timeout),
        T(test_check_icmp_config_errors_have_positions),
    };
#undef T
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (netns && strcmp(netns, "1") == 0)
        failed += cmocka_run_group_tests(own_netns, NULL, NULL);
    return failed;
}
