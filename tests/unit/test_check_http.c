/*
 * The http check plugin, through the real loader: check_http.so is dlopened,
 * targets are built from YAML by the configuration loader, and checks run
 * through gw_check_start on a real loop, with the daemon's HTTP client,
 * against the council simulator (gwyliwr-sim, started once for the file).
 * Every verdict is produced by a real fault and asserted with its status,
 * reason, message and the figure that matters. Each test ends with the loop
 * run to idle and closed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "check_testutil.h"
#include "resolver_testutil.h"
#include "sim_testutil.h"
#include "util/xalloc.h"

/* The names the tests resolve; any other goes no further than a numeric host. */
static const struct fake_name fake_names[] = {
    {.name = "nowhere.invalid", .error = EAI_NONAME},
    {.name = "sim.test", .addresses = {"127.0.0.1"}},
    {.name = NULL},
};

/* ---- the simulator --------------------------------------------------------------- */

static const char scenario[] =
    "description: faults for the http check's tests\n"
    "listeners:\n"
    "  web:\n"
    "    type: http\n"
    "    routes:\n"
    "      /: {body: \"<h1>Croeso i Gyngor Caerdydd</h1>\", headers: {X-Council: cardiff}}\n"
    "      /down: {status: 503, body: \"down for maintenance\"}\n"
    "      /delay: {delay: 200ms, body: \"slow\"}\n"
    "      /huge: {size: 1GiB}\n"
    "      /gz: {body: \"<h1>Croeso i Gyngor Caerdydd</h1>\", gzip: true}\n"
    "      /gzjson: {body: '{\"status\": {\"indicator\": \"none\"}}', gzip: true,\n"
    "                content_type: application/json}\n"
    "      /bomb: {size: 1GiB, gzip: true}\n"
    "      /json:\n"
    "        content_type: application/json\n"
    "        body: '{\"status\": {\"indicator\": \"none\", \"ok\": true}, \"count\": 3,\n"
    "                \"ratio\": 0.5, \"items\": [{\"id\": 7}], \"note\": null}'\n"
    "      /notjson: {body: \"<html>\", content_type: application/json}\n"
    "      /loop: {redirect: /loop}\n"
    "      /redir: {redirect: /}\n"
    "      /reset: {reset: true}\n"
    "      /garbage: {garbage: true}\n"
    "      /bearer: {auth: \"Bearer s3cret\", body: ok}\n"
    "      /basic: {auth: \"Basic dXNlcjpwYXNz\", body: ok}\n"
    "      /token: {auth: \"Token abc\", body: ok}\n"
    "  tls-expiring: {type: https, cert: expiring.crt, key: expiring.key,\n"
    "                 routes: {/: {body: soon}}}\n" SIM_FAULT_LISTENERS;

static struct sim sim;

/* ---- fixture: the plugin through the loader, with the daemon's HTTP client -------------- */

static int setup(void **state)
{
    struct check_harness *h = gw_xcalloc(1, sizeof(*h));
    harness_init(h, "check_http.so", true, slack());
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

#define TARGET_HEAD HARNESS_TARGET_HEAD("http")

/* Loads test/t for `path` of `listener`, with extra lines. */
static const struct gw_target_conf *load_target(struct check_harness *h, const char *scheme,
                                                const char *listener, const char *path,
                                                const char *extra)
{
    char *url = sim_url(&sim, scheme, "127.0.0.1", listener, path);
    char *yaml = gw_xasprintf(TARGET_HEAD "        url: \"%s\"\n%s", url, extra ? extra : "");
    const struct gw_target_conf *t = harness_load_target(h, yaml);
    free(yaml);
    free(url);
    return t;
}

/* Loads and runs one check of test/t. */
static void check(struct check_harness *h, const char *scheme, const char *listener,
                  const char *path, const char *extra, struct outcome *out)
{
    load_target(h, scheme, listener, path, extra);
    harness_run(h, out);
}

static char *web_where(void)
{
    return gw_xasprintf("127.0.0.1:%d", sim_port(&sim, "web"));
}

/* ---- up -------------------------------------------------------------------------------- */

static void test_check_http_up_with_figures(void **state)
{
    struct check_harness *h = *state;
    const struct gw_target_conf *t = load_target(h, "http", "web", "/", NULL);
    assert_string_equal(t->host, "127.0.0.1");
    const char *names[] = {"dns", "connect", "ttfb", "size", "http_version"};
    assert_int_equal(t->n_figures, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(t->figures[i].name, names[i]);
    struct outcome out;
    harness_run(h, &out);

    assert_verdict(&out, GW_STATUS_UP, "");
    char *where = web_where();
    char *want = gw_xasprintf("HTTP 200 from %s in ", where);
    assert_message_has(&out, want);
    assert_true(outcome_figure(&out, "latency") > 0 &&
                outcome_figure(&out, "latency") < 1 * slack());
    assert_true(outcome_figure(&out, "connect") > 0);
    assert_false(isnan(outcome_figure(&out, "dns")));
    assert_false(isnan(outcome_figure(&out, "ttfb")));
    assert_true(outcome_figure(&out, "size") == 33);
    assert_true(outcome_figure(&out, "http_version") == 1.1);
    assert_true(isnan(outcome_figure(&out, "cert_days")));
    assert_detail_has(&out, "address", where);
    assert_detail_has(&out, "http", "HTTP/1.1 200");
    assert_detail_has(&out, "body", "33 bytes");
    free(want);
    free(where);
}

static void test_check_http_delay_measured_within_ms(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    double best = INFINITY, excess = INFINITY;
    for (int i = 0; i < BEST_OF && excess > 0; i++) {
        double allowed = delay_allowed_s();
        check(h, "http", "web", "/delay", NULL, &out);
        assert_verdict(&out, GW_STATUS_UP, "");
        double latency = outcome_figure(&out, "latency");
        if (latency < 0.200 - TIMER_EARLY_MS / 1e3)
            fail_msg("latency %.3f ms for a response delayed 200 ms", latency * 1e3);
        best = fmin(best, latency);
        excess = fmin(excess, latency - allowed);
    }
    if (excess > 0)
        fail_msg("latency at best %.3f ms for a response delayed 200 ms", best * 1e3);
}

/* ---- status ---------------------------------------------------------------------------- */

static void test_check_http_status(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    check(h, "http", "web", "/down", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS);
    char *where = web_where();
    char *want = gw_xasprintf("HTTP 503 from %s after ", where);
    assert_message_has(&out, want);
    assert_message_has(&out, "(expected 2xx)");
    assert_false(isnan(outcome_figure(&out, "latency")));
    assert_detail_has(&out, "expectation", "HTTP 503");

    check(h, "http", "web", "/down", "        expect: {status: [200, \"5xx\"]}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    check(h, "http", "web", "/down", "        expect: {status: 500-502}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS);
    assert_message_has(&out, "(expected 500-502)");
    free(want);
    free(where);
}

static void test_check_http_redirects(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    check(h, "http", "web", "/redir", NULL, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_detail_has(&out, "redirects", "1, to http://127.0.0.1:");

    /* Not following: the redirect is the answer, and 3xx is expected by default. */
    check(h, "http", "web", "/redir", "        follow_redirects: 0\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_message_has(&out, "HTTP 302 from");
    check(h, "http", "web", "/redir",
          "        follow_redirects: 0\n        expect: {status: 200}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS);

    check(h, "http", "web", "/loop", "        follow_redirects: 2\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TOO_MANY_REDIRECTS);
    assert_message_has(&out, "more than 2 redirects");
}

/* ---- body, JSON, headers ------------------------------------------------------------------ */

static void test_check_http_body_expectations(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    check(h, "http", "web", "/", "        expect: {body_contains: \"Gyngor Caerdydd\"}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    check(h, "http", "web", "/", "        expect: {body_contains: \"Cyngor Gwynedd\"}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BODY_MISMATCH);
    assert_message_has(&out, "does not contain \"Cyngor Gwynedd\" (it begins \"<h1>Croeso");

    check(h, "http", "web", "/", "        expect: {body_regex: \"Croeso i Gyngor [A-Z][a-z]+\"}\n",
          &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    check(h, "http", "web", "/", "        expect: {body_regex: \"^Croeso\"}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BODY_MISMATCH);
    assert_message_has(&out, "does not match /^Croeso/");
}

static void test_check_http_json_expectations(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    check(h, "http", "web", "/json",
          "        expect:\n"
          "          json: {status.indicator: none, status.ok: true, count: 3, ratio: 0.50,\n"
          "                 items.0.id: 7, note: null}\n",
          &out);
    assert_verdict(&out, GW_STATUS_UP, "");

    check(h, "http", "web", "/json", "        expect: {json: {status.indicator: major}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_JSON_MISMATCH);
    assert_message_has(&out, "json status.indicator is \"none\" in the body from");
    assert_message_has(&out, "(expected \"major\")");

    check(h, "http", "web", "/json", "        expect: {json: {count: 4, items.3.id: 7}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_JSON_MISMATCH);
    assert_message_has(&out, "json count is 3");
    /* Every failed expectation is listed, the first is the verdict. */
    size_t failed = 0;
    for (size_t i = 0; i < out.result.n_details; i++)
        failed += strcmp(out.result.details[i].key, "expectation") == 0;
    assert_int_equal(failed, 2);

    check(h, "http", "web", "/notjson", "        expect: {json: {count: 3}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_JSON_MISMATCH);
    assert_message_has(&out, "is not JSON (line 1");
}

static void test_check_http_header_expectations(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    check(h, "http", "web", "/", "        expect: {headers: {x-council: card}}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    check(h, "http", "web", "/", "        expect: {headers: {X-Council: powys}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_ASSERTION);
    assert_message_has(&out, "header X-Council from");
    assert_message_has(&out, "is \"cardiff\" (expected it to contain \"powys\")");
    check(h, "http", "web", "/", "        expect: {headers: {X-Missing: \"\"}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_ASSERTION);
    assert_message_has(&out, "has no X-Missing header");
}

static void test_check_http_huge_body(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    /* Nothing asked of the body: a large page is not a failure. */
    check(h, "http", "web", "/huge", "        max_body: 64KiB\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_true(outcome_figure(&out, "size") > 65536 && outcome_figure(&out, "size") < 2 * 65536);
    assert_detail_has(&out, "body", "reading stopped at max_body 64KiB");
    /* An expectation the first 64 KiB cannot decide. */
    check(h, "http", "web", "/huge",
          "        max_body: 64KiB\n        expect: {body_contains: x}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BODY_TOO_LARGE);
    assert_message_has(&out, "no \"x\" in the first 64KiB of the body");
    check(h, "http", "web", "/huge", "        expect: {json: {a: 1}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BODY_TOO_LARGE);
    assert_true(elapsed_ms(&out) < 3000 * slack());
}

/* A server that compresses whatever was asked: expectations see the decoded body. */
static void test_check_http_compressed_body_is_decoded(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    check(h, "http", "web", "/gz", "        expect: {body_contains: Gyngor Caerdydd}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    /* size is the body as sent: compressed, not its 33 bytes. */
    double size = outcome_figure(&out, "size");
    assert_true(size > 0 && size != 33);
    assert_detail_has(&out, "body", "bytes as sent (gzip), 33 decoded");
    check(h, "http", "web", "/gz", "        expect: {body_regex: \"^<h1>Croeso\"}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    check(h, "http", "web", "/gzjson", "        expect: {json: {status.indicator: none}}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    check(h, "http", "web", "/gzjson", "        expect: {json: {status.indicator: major}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_JSON_MISMATCH);
    assert_message_has(&out, "json status.indicator is \"none\"");
}

/* 1 GiB inflated from about 3 MiB: cut at max_body, which the verdict says. */
static void test_check_http_gzip_bomb_is_cut_at_max_body(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    check(h, "http", "web", "/bomb",
          "        max_body: 64KiB\n        expect: {body_contains: x}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BODY_TOO_LARGE);
    assert_message_has(&out, "no \"x\" in the first 64KiB of the body");
    assert_true(outcome_figure(&out, "size") < 65536);
    check(h, "http", "web", "/bomb", "        expect: {json: {a: 1}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BODY_TOO_LARGE);
    assert_message_has(&out, "larger than max_body");
    assert_true(elapsed_ms(&out) < 3000 * slack());
}

/* ---- timing and certificates -------------------------------------------------------------- */

static void test_check_http_too_slow_is_degraded(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    check(h, "http", "web", "/delay", "        expect: {max_latency: 100ms}\n", &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, GW_REASON_TOO_SLOW);
    assert_message_has(&out, "slower than max_latency 100 ms");
    assert_true(outcome_figure(&out, "latency") >= 0.200 - TIMER_EARLY_MS / 1e3);
    check(h, "http", "web", "/delay", "        expect: {max_latency: 1s}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
}

static void test_check_http_certificates(void **state)
{
    struct check_harness *h = *state;
    char *ca = gw_xasprintf("        ca_file: \"%s\"\n", sim.ca);
    const struct gw_target_conf *t = load_target(h, "https", "tls-valid", "/", ca);
    assert_int_equal(t->n_figures, 7);
    assert_string_equal(t->figures[2].name, "tls");
    assert_string_equal(t->figures[5].name, "cert_days");
    struct outcome out;
    harness_run(h, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_true(outcome_figure(&out, "tls") > 0);
    double days = outcome_figure(&out, "cert_days");
    assert_true(days > 360 && days < 366);
    assert_detail_has(&out, "tls", "TLSv1.");
    assert_detail_has(&out, "certificate", "CN=localhost, issued by CN=gwyliwr-sim local CA");

    /* 3 days left, 14 asked for. */
    char *extra = gw_xasprintf("%s        expect: {cert_min_days: 14}\n", ca);
    check(h, "https", "tls-expiring", "/", extra, &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, GW_REASON_CERT_EXPIRING);
    days = outcome_figure(&out, "cert_days");
    assert_true(days > 2.9 && days < 3.1);
    assert_message_has(&out, "expires in 3.0 days");
    assert_message_has(&out, "(cert_min_days: 14)");

    check(h, "https", "tls-expired", "/", extra, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TLS_EXPIRED);
    assert_message_has(&out, "expired on ");
    assert_true(outcome_figure(&out, "cert_days") < 0);

    /* Unverified, an expired certificate still fails cert_min_days. */
    check(h, "https", "tls-expired", "/",
          "        tls_verify: false\n        expect: {cert_min_days: 1}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TLS_EXPIRED);
    check(h, "https", "tls-expired", "/", "        tls_verify: false\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");

    check(h, "https", "tls-valid", "/", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TLS_VERIFY);
    free(extra);
    free(ca);
}

/* ---- no response -------------------------------------------------------------------------- */

static void test_check_http_timeout_at_configured_time(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    /* Long enough that a test process stalled by a loaded machine still sees
     * the loopback connection made before the limit. */
    check(h, "http", "silent", "/", "        timeout: 1500ms\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TIMEOUT);
    /* The client's limit ended it, just before the core's: the message
     * says what the request was waiting for. */
    assert_message_has(&out, "no response from 127.0.0.1:");
    assert_message_has(&out, "within 1500 ms");
    double ms = elapsed_ms(&out);
    if (ms < 1499 || ms > 1500 + 50 * slack())
        fail_msg("timed out after %.1f ms, expected 1500 ms", ms);
    assert_true(outcome_figure(&out, "connect") > 0);
    assert_true(isnan(outcome_figure(&out, "latency")));

    check(h, "http", "blackhole", "/", "        timeout: 300ms\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_CONNECT_TIMEOUT);
    assert_true(isnan(outcome_figure(&out, "connect")));
}

static void test_check_http_connection_failures(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    check(h, "http", "closed", "/", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_CONNECT_REFUSED);
    char want[64];
    snprintf(want, sizeof(want), "connection refused by 127.0.0.1:%d", sim_port(&sim, "closed"));
    assert_string_equal(out.result.message, want);

    check(h, "http", "web", "/reset", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_RESET);
    assert_message_has(&out, "connection reset by 127.0.0.1:");

    check(h, "http", "web", "/garbage", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BAD_RESPONSE);

    check(h, "https", "web", "/", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TLS_HANDSHAKE);
}

static void test_check_http_name_resolution(void **state)
{
    struct check_harness *h = *state;
    const struct gw_target_conf *t =
        harness_load_target(h, TARGET_HEAD "        url: http://nowhere.invalid/\n");
    assert_string_equal(t->host, "nowhere.invalid");
    struct outcome out;
    harness_run(h, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_DNS);
    assert_string_equal(out.result.message, "nowhere.invalid does not resolve");

    char *yaml =
        gw_xasprintf(TARGET_HEAD "        url: http://sim.test:%d/\n", sim_port(&sim, "web"));
    harness_load_target(h, yaml);
    free(yaml);
    harness_run(h, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_true(outcome_figure(&out, "dns") > 0);
    assert_message_has(&out, "from sim.test:");
}

/* ---- authentication ------------------------------------------------------------------------- */

static void test_check_http_credentials_from_files(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    check(h, "http", "web", "/bearer", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS);
    assert_message_has(&out, "HTTP 401");

    char *token = sim_file(&sim, "token", "s3cret\n");
    char *extra = gw_xasprintf("        bearer_token_file: \"%s\"\n", token);
    check(h, "http", "web", "/bearer", extra, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    free(extra);

    char *basic = sim_file(&sim, "basic", "user:pass\n");
    extra = gw_xasprintf("        basic_auth_file: \"%s\"\n", basic);
    check(h, "http", "web", "/basic", extra, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    free(extra);

    char *headers = sim_file(&sim, "headers", "# secret headers\nAuthorization: Token abc\n\n");
    extra = gw_xasprintf("        headers_file: \"%s\"\n", headers);
    check(h, "http", "web", "/token", extra, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    free(extra);

    check(h, "http", "web", "/token", "        headers: {Authorization: Token abc}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    free(token);
    free(basic);
    free(headers);
}

/* ---- cancelling ----------------------------------------------------------------------------- */

static void test_check_http_cancel_in_flight(void **state)
{
    struct check_harness *h = *state;
    load_target(h, "http", "silent", "/", NULL);
    struct outcome out;
    struct cancel_later later;
    harness_cancel_later(h, &later, harness_start(h, &out), 100);
    harness_wait(h, &out);
    assert_verdict(&out, GW_STATUS_UNKNOWN, GW_REASON_CANCELLED);
    struct gw_http_client_stats st;
    gw_http_client_stats(h->http, &st);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.sockets, 0);
    harness_finish_loop(h);
    assert_int_equal(out.calls, 1);
}

/* ---- configuration ------------------------------------------------------------------------ */

static void test_check_http_config_errors_have_positions(void **state)
{
    struct check_harness *h = *state;
    harness_expect_config_error(
        h, TARGET_HEAD "        url: ftp://example.org/\n",
        "test.yaml:6:14: error: url \"ftp://example.org/\" has a scheme other "
        "than http:// or https://");
    harness_expect_config_error(h, TARGET_HEAD "        url: https://user:pw@example.org/\n",
                                "holds credentials (expected them in basic_auth_file)");
    harness_expect_config_error(h, TARGET_HEAD "        url: http://example.org:99999/\n",
                                "has a bad port (expected 1 to 65535)");
    harness_expect_config_error(h, TARGET_HEAD "        url: example.org\n", "has no scheme");
    harness_expect_config_error(h, TARGET_HEAD "        check: http\n",
                                "missing required key \"url\"");
    harness_expect_config_error(h,
                                TARGET_HEAD "        url: http://example.org/\n"
                                            "        expect: {body_regex: \"a(b\"}\n",
                                "test.yaml:7:31: error: expect.body_regex: ");
    harness_expect_config_error(h,
                                TARGET_HEAD "        url: http://example.org/\n"
                                            "        expect: {status: [200, 2x, 700]}\n",
                                "test.yaml:7:32: error: expect.status: bad status \"2x\"");
    harness_expect_config_error(h,
                                TARGET_HEAD "        url: http://example.org/\n"
                                            "        expect: {status: [200, 2x, 700]}\n",
                                "test.yaml:7:36: error: expect.status: bad status \"700\"");
    harness_expect_config_error(h,
                                TARGET_HEAD "        url: http://example.org/\n"
                                            "        expect: {json: {a..b: 1}}\n",
                                "expect.json: bad path \"a..b\"");
    harness_expect_config_error(h,
                                TARGET_HEAD "        url: http://example.org/\n"
                                            "        expect: {json: {a: [1, 2]}}\n",
                                "expect.json: a: expected a single value");
    harness_expect_config_error(h,
                                TARGET_HEAD "        url: http://example.org/\n"
                                            "        expect: {bodycontains: x}\n",
                                "unknown key \"bodycontains\" (did you mean \"body_contains\"?)");
    harness_expect_config_error(h,
                                TARGET_HEAD "        url: http://example.org/\n"
                                            "        method: \"GET /\"\n",
                                "bad method \"GET /\"");
    harness_expect_config_error(h, TARGET_HEAD "        url: http://example.org/\n        ip: 5\n",
                                "bad ip \"5\" (expected 4, 6 or any)");
    harness_expect_config_error(
        h, TARGET_HEAD "        url: http://example.org/\n        max_body: 2GiB\n",
        "max_body 2147483648 is out of range");
    harness_expect_config_error(h,
                                TARGET_HEAD "        url: http://example.org/\n"
                                            "        headers: {\"Bad Name\": x}\n",
                                "headers: bad header name \"Bad Name\"");
    harness_expect_config_error(h,
                                TARGET_HEAD "        url: http://example.org/\n"
                                            "        follow_redirects: 99\n",
                                "test.yaml:7:27: error: 99 is out of range (expected 0 to 50)");

    char *token = sim_file(&sim, "t2", "tok\n");
    char *basic = sim_file(&sim, "b2", "nocolon\n");
    char *hfile = sim_file(&sim, "h2", "X-Ok: 1\nnot a header\n");
    char *notpem = sim_file(&sim, "ca2", "hello\n");
    char *yaml = gw_xasprintf(TARGET_HEAD "        url: http://example.org/\n"
                                          "        bearer_token_file: \"%s\"\n"
                                          "        basic_auth_file: \"%s\"\n",
                              token, token);
    harness_expect_config_error(h, yaml, "bearer_token_file and basic_auth_file are both given");
    free(yaml);
    yaml = gw_xasprintf(TARGET_HEAD "        url: http://example.org/\n"
                                    "        basic_auth_file: \"%s\"\n",
                        basic);
    harness_expect_config_error(h, yaml, "basic_auth_file: expected one line \"user:password\"");
    free(yaml);
    yaml = gw_xasprintf(TARGET_HEAD "        url: http://example.org/\n"
                                    "        headers_file: \"%s\"\n",
                        hfile);
    harness_expect_config_error(
        h, yaml,
        "test.yaml:7:24: error: headers_file: line 2 is not a \"Name: value\" "
        "header");
    free(yaml);
    yaml = gw_xasprintf(TARGET_HEAD "        url: http://example.org/\n"
                                    "        ca_file: \"%s\"\n",
                        notpem);
    harness_expect_config_error(h, yaml, "ca_file holds no PEM certificate");
    free(yaml);
    free(token);
    free(basic);
    free(hfile);
    free(notpem);
}

static void test_check_http_config_accepts_a_full_target(void **state)
{
    struct check_harness *h = *state;
    const struct gw_target_conf *t =
        harness_load_target(h, TARGET_HEAD "        url: \"https://[::1]:8443/api/health?x=1\"\n"
                                           "        method: post\n"
                                           "        headers: {Accept: application/json}\n"
                                           "        body: '{\"q\": 1}'\n"
                                           "        follow_redirects: 0\n"
                                           "        ip: 6\n"
                                           "        tls_verify: false\n"
                                           "        proxy: http://127.0.0.1:3128\n"
                                           "        reuse_connections: true\n"
                                           "        max_body: 512KiB\n"
                                           "        expect:\n"
                                           "          status: [200, 2xx, 200-204]\n"
                                           "          body_contains: ok\n"
                                           "          body_regex: \"^[{]\"\n"
                                           "          json: {status: pass}\n"
                                           "          headers: {Content-Type: json}\n"
                                           "          max_latency: 2s\n"
                                           "          cert_min_days: 14\n");
    assert_int_equal(h->diag->errors, 0);
    assert_string_equal(t->host, "::1");
    assert_int_equal(t->n_figures, 7);
}

int main(void)
{
    resolver_use(fake_names);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_check_http_up_with_figures),
        T(test_check_http_delay_measured_within_ms),
        T(test_check_http_status),
        T(test_check_http_redirects),
        T(test_check_http_body_expectations),
        T(test_check_http_json_expectations),
        T(test_check_http_header_expectations),
        T(test_check_http_huge_body),
        T(test_check_http_compressed_body_is_decoded),
        T(test_check_http_gzip_bomb_is_cut_at_max_body),
        T(test_check_http_too_slow_is_degraded),
        T(test_check_http_certificates),
        T(test_check_http_timeout_at_configured_time),
        T(test_check_http_connection_failures),
        T(test_check_http_name_resolution),
        T(test_check_http_credentials_from_files),
        T(test_check_http_cancel_in_flight),
        T(test_check_http_config_errors_have_positions),
        T(test_check_http_config_accepts_a_full_target),
    };
#undef T
    return sim_run_group_tests(&sim, scenario, "gw-check-http", tests);
}
