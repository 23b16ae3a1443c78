/*
 * The throughput check plugin, through the real loader and the daemon's HTTP
 * client, downloading generated objects from the simulator on 127.0.0.1:
 * at loopback speed, trickled (a slow line), cut at max_size, missing.
 */
#include <math.h>
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check_testutil.h"
#include "resolver_testutil.h"
#include "sim_testutil.h"
#include "util/xalloc.h"

static const struct fake_name fake_names[] = {
    {.name = NULL},
};

/* A trickled body: 16 KiB every 20 ms, at most 6.6 Mbit/s. */
static const char scenario[] =
    "description: objects for the throughput check's tests\n"
    "listeners:\n"
    "  web:\n"
    "    type: http\n"
    "    routes:\n"
    "      /2MiB: {size: 2MiB}\n"
    "      /huge: {size: 1GiB}\n"
    "      /slow: {size: 160KiB, trickle: {bytes: 16384, every: 20ms}}\n"
    "      /later: {size: 1MiB, delay: 150ms}\n"
    "  private:\n"
    "    type: https\n"
    "    cert: valid.crt\n"
    "    key: valid.key\n"
    "    routes:\n"
    "      /2MiB: {size: 2MiB, auth: \"Bearer s3cret\"}\n" SIM_FAULT_LISTENERS;

static struct sim sim;

static int setup(void **state)
{
    struct check_harness *h = gw_xcalloc(1, sizeof(*h));
    harness_init(h, "check_throughput.so", true, slack());
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    struct check_harness *h = *state;
    harness_fini(h);
    free(h);
    return 0;
}

/* Downloads `path` of the simulator's `listener` with the extra lines. */
static void download(struct check_harness *h, const char *listener, const char *path,
                     const char *extra, struct outcome *out)
{
    char *url = sim_url(&sim, "http", "127.0.0.1", listener, path);
    char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("throughput") "        url: \"%s\"\n%s", url,
                              extra ? extra : "");
    harness_load_target(h, yaml);
    free(yaml);
    free(url);
    harness_run(h, out);
}

static void test_check_throughput_download_at_loopback_speed(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    download(h, "web", "/2MiB", "        min_rate: 1Mbit/s\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_message_has(&out, "downloaded 2.00 MiB from 127.0.0.1:");
    assert_message_has(&out, "/s (first byte after ");
    assert_true(outcome_figure(&out, "size") == 2097152);
    double rate = outcome_figure(&out, "rate"), ttfb = outcome_figure(&out, "first_byte");
    double latency = outcome_figure(&out, "latency");
    assert_true(rate > 1e6); /* well over 1 MB/s on loopback */
    assert_true(ttfb > 0 && ttfb < latency);
    /* the rate is the transfer's: no faster than the whole exchange allows */
    assert_true(rate >= 2097152 / latency);
    harness_finish_loop(h);
}

static void test_check_throughput_slow_line_is_degraded(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    download(h, "web", "/slow", "        min_rate: 100Mbit/s\n", &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, GW_REASON_TOO_SLOW);
    assert_message_has(&out, "downloaded 160 KiB from 127.0.0.1:");
    assert_message_has(&out, ", below min_rate 100 Mbit/s (first byte after ");
    /* Ten pieces 20 ms apart: 160 KiB in 180 ms from the first byte. The
     * client times the first byte when it reads it, so a stall of this
     * process then shortens what it measures: allow 90 ms of that, still
     * a hundred times slower than the same bytes unpaced on loopback. */
    double rate = outcome_figure(&out, "rate");
    assert_true(rate > 0 && rate <= 163840 / 0.090);
    harness_finish_loop(h);
}

static void test_check_throughput_first_byte_is_apart_from_the_rate(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    download(h, "web", "/later", NULL, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    /* the server's 150 ms before answering is the first byte's, not the transfer's */
    assert_true(outcome_figure(&out, "first_byte") >= 0.149);
    assert_true(outcome_figure(&out, "rate") > 1048576 / 0.149);
    harness_finish_loop(h);
}

static void test_check_throughput_stops_at_max_size(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    download(h, "web", "/huge", "        max_size: 1MiB\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    double size = outcome_figure(&out, "size");
    assert_true(size >= 1048576 && size < 1048576 + 256 * 1024);
    assert_detail_has(&out, "size", "reading stopped at max_size, after 1.");
    harness_finish_loop(h);
}

static void test_check_throughput_failures(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    download(h, "web", "/missing", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS);
    assert_message_has(&out, "HTTP 404 from 127.0.0.1:");
    assert_true(isnan(outcome_figure(&out, "rate")));

    download(h, "closed", "/", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_CONNECT_REFUSED);
    assert_message_has(&out, "connection refused by 127.0.0.1:");
    harness_finish_loop(h);
}

static void test_check_throughput_cancel_mid_download(void **state)
{
    struct check_harness *h = *state;
    char *url = sim_url(&sim, "http", "127.0.0.1", "web", "/slow");
    char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("throughput") "        url: \"%s\"\n", url);
    harness_load_target(h, yaml);
    free(yaml);
    free(url);
    struct outcome out;
    struct cancel_later cancel;
    struct gw_check *check = harness_start(h, &out);
    harness_cancel_later(h, &cancel, check, 50);
    harness_wait(h, &out);
    assert_verdict(&out, GW_STATUS_UNKNOWN, GW_REASON_CANCELLED);
    harness_finish_loop(h);
}

/* The request's keys read as the http and feed checks read them: a private
 * object behind a bearer token, on a server certified by the council's own CA. */
static void test_check_throughput_request_keys(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    char *url = sim_url(&sim, "https", "127.0.0.1", "private", "/2MiB");
    char *token = sim_file(&sim, "token", "s3cret\n");
    const char *extra[] = {"", "        ca_file: \"%s\"\n",
                           "        ca_file: \"%s\"\n        bearer_token_file: \"%s\"\n"};
    const char *want[] = {GW_REASON_TLS_VERIFY, GW_REASON_HTTP_STATUS, ""};
    for (size_t i = 0; i < 3; i++) {
        char *lines = gw_xasprintf(extra[i], sim.ca, token);
        char *yaml =
            gw_xasprintf(HARNESS_TARGET_HEAD("throughput") "        url: \"%s\"\n%s", url, lines);
        harness_load_target(h, yaml);
        harness_run(h, &out);
        assert_verdict(&out, i < 2 ? GW_STATUS_DOWN : GW_STATUS_UP, want[i]);
        free(yaml);
        free(lines);
    }
    assert_true(outcome_figure(&out, "size") == 2097152);
    free(token);
    free(url);
}

static void test_check_throughput_config_errors_have_positions(void **state)
{
    struct check_harness *h = *state;
    static const struct {
        const char *lines;
        const char *error;
    } cases[] = {
        {"        url: ftp://example.org/file\n",
         "test.yaml:6:14: error: url \"ftp://example.org/file\" is not an http:// or https:// "
         "URL"},
        {"        url: https://user:pw@example.org/\n",
         "holds credentials (expected them in headers_file or bearer_token_file)"},
        {"        url: https://example.org/\n        min_rate: 10 Mbps\n",
         "min_rate \"10 Mbps\" is not a rate (expected a number and bit/s"},
        {"        url: https://example.org/\n        min_rate: -5Mbit/s\n",
         "min_rate \"-5Mbit/s\" is not a rate"},
        {"        url: https://example.org/\n        max_size: 100\n",
         "max_size 100 is out of range (expected 1KiB to 4GiB)"},
        {"        url: https://example.org/\n        ip: 5\n",
         "bad ip \"5\" (expected 4, 6 or any)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("throughput") "%s", cases[i].lines);
        harness_expect_config_error(h, yaml, cases[i].error);
        free(yaml);
    }
    const struct gw_target_conf *t = harness_load_target(
        h, HARNESS_TARGET_HEAD("throughput") "        url: https://speed.example.org:8443/10MB\n"
                                             "        min_rate: 2.5 MB/s\n");
    assert_string_equal(t->host, "speed.example.org");
    assert_int_equal(t->n_figures, 3);
    assert_string_equal(t->figures[0].name, "rate");
    assert_string_equal(t->figures[0].unit, "B/s");
    harness_finish_loop(h);
}

int main(void)
{
    resolver_use(fake_names);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_check_throughput_download_at_loopback_speed),
        T(test_check_throughput_slow_line_is_degraded),
        T(test_check_throughput_first_byte_is_apart_from_the_rate),
        T(test_check_throughput_stops_at_max_size),
        T(test_check_throughput_failures),
        T(test_check_throughput_cancel_mid_download),
        T(test_check_throughput_request_keys),
        T(test_check_throughput_config_errors_have_positions),
    };
#undef T
    return sim_run_group_tests(&sim, scenario, "gw-check-throughput", tests);
}
