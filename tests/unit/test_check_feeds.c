/*
 * The feed check plugins (ocpi, ocm, json_feed, health) through the real
 * loader, with the daemon's HTTP client, against the council simulator
 * (gwyliwr-sim, started once for the file): paging, tokens, items and their
 * counts, min_up, the reliability figure, and every way a feed fails, each
 * with its status, reason and no partial item list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_testutil.h"
#include "sim_testutil.h"
#include "util/xalloc.h"

static const char scenario[] =
    "description: feeds and their faults for the feed checks' tests\n"
    "listeners:\n"
    "  feeds:\n"
    "    type: http\n"
    "    routes:\n"
    "      /ocpi: {feed: {type: ocpi, name: cardiff, locations: 8, evses: 3, page_size: 3,\n"
    "              statuses: {OUTOFORDER: 2, CHARGING: 5, PLANNED: 1}}}\n"
    "      /ocpi-token: {auth: \"Token c2VjcmV0LXRva2Vu\", feed: {type: ocpi, locations: 2}}\n"
    "      /ocpi-token-211: {auth: \"Token secret-token\", feed: {type: ocpi, locations: 2}}\n"
    "      /ocpi-loop: {feed: {type: ocpi, locations: 6, page_size: 2, paging: loop}}\n"
    "      /ocpi-foreign: {feed: {type: ocpi, locations: 6, page_size: 2, paging: foreign}}\n"
    "      /ocpi-error:\n"
    "        content_type: application/json\n"
    "        body: '{\"status_code\": 2001, \"status_message\": \"Invalid or missing "
    "parameters\"}'\n"
    "      /ocpi-no-data: {content_type: application/json, body: '{\"status_code\": 1000}'}\n"
    "      /ocpi-garbage: {feed: {type: ocpi}, body: \"<html>Gateway Timeout</html>\"}\n"
    "      /ocpi-429: {status: 429, headers: {Retry-After: \"120\"}, body: \"slow down\"}\n"
    "      /ocpi-huge: {size: 2MiB}\n"
    "      /ocpi-404: {status: 404, body: \"no such feed\"}\n"
    "      /down-page: {status: 503, body: \"<h1>Service Unavailable</h1>\"}\n"
    "      /ocm: {feed: {type: ocm, sites: 6, connections: 2,\n"
    "             statuses: {\"30\": 1, \"75\": 1, \"150\": 1}}}\n"
    "      /wifi: {feed: {type: meraki, name: gwynedd, devices: 10, page_size: 4,\n"
    "              statuses: {offline: 2, alerting: 1, dormant: 1}}}\n"
    "      /wifi-loop: {feed: {type: meraki, devices: 4, page_size: 2, paging: loop}}\n"
    "      /health: {feed: {type: health}}\n"
    "      /health-fail: {feed: {type: health, status: fail}}\n"
    "      /status:\n"
    "        feed:\n"
    "          type: statuspage\n"
    "          components: {\"Gwefan / Website\": operational,\n"
    "                       \"Fy Nghyfrif / My Account\": degraded_performance}\n";

static struct sim sim;

/* ---- the harness ------------------------------------------------------------------ */

static struct check_harness *harness(void **state, const char *plugin)
{
    struct check_harness *h = gw_xcalloc(1, sizeof(*h));
    harness_init(h, plugin, true, slack());
    *state = h;
    return h;
}

static int teardown(void **state)
{
    struct check_harness *h = *state;
    harness_fini(h);
    free(h);
    return 0;
}

static int setup_ocpi(void **state)
{
    harness(state, "check_ocpi.so");
    return 0;
}

static int setup_ocm(void **state)
{
    harness(state, "check_ocm.so");
    return 0;
}

static int setup_json_feed(void **state)
{
    harness(state, "check_json_feed.so");
    return 0;
}

static int setup_health(void **state)
{
    harness(state, "check_health.so");
    return 0;
}

/* Runs one check of a `type` target on `path` of the feeds listener, with extra lines. */
static void run(struct check_harness *h, const char *type, const char *path, const char *extra,
                struct outcome *out)
{
    char *url = sim_url(&sim, "http", "127.0.0.1", "feeds", path);
    char *yaml = gw_xasprintf("councils:\n  - id: test\n    targets:\n      - id: t\n"
                              "        check: %s\n        url: \"%s\"\n%s",
                              type, url, extra ? extra : "");
    harness_load_target(h, yaml);
    free(yaml);
    free(url);
    harness_run(h, out);
}

/* The result's item counts: up, degraded, down, unknown, excluded. */
#define assert_items(out, up, deg, down, unk, excl)                                                \
    do {                                                                                           \
        assert_non_null((out)->result.items);                                                      \
        const struct gw_item_tally *t_ = gw_items_tally((out)->result.items);                      \
        if (t_->n[0] != (up) || t_->n[1] != (deg) || t_->n[2] != (down) || t_->n[3] != (unk) ||    \
            t_->n[4] != (excl))                                                                    \
            fail_msg("items %llu/%llu/%llu/%llu/%llu, want %d/%d/%d/%d/%d",                        \
                     (unsigned long long)t_->n[0], (unsigned long long)t_->n[1],                   \
                     (unsigned long long)t_->n[2], (unsigned long long)t_->n[3],                   \
                     (unsigned long long)t_->n[4], up, deg, down, unk, excl);                      \
        assert_true(outcome_figure((out), "items_total") ==                                        \
                    (up) + (deg) + (down) + (unk) + (excl));                                       \
    } while (0)

/* A failed feed leaves no partial list, and its item figures unknown. */
static void assert_failed(struct outcome *out, enum gw_status status, const char *reason,
                          const char *says)
{
    assert_verdict(out, status, reason);
    assert_message_has(out, says);
    assert_null(out->result.items);
    assert_true(isnan(outcome_figure(out, "items_total")));
    outcome_fini(out);
}

/* ---- ocpi ----------------------------------------------------------------------------- */

/*
 * 8 locations of 3 EVSEs, 3 locations a page: 2 OUTOFORDER, 5 CHARGING, 1
 * PLANNED, 16 AVAILABLE. The simulator's chargers cycle through 150 kW,
 * 50 kW and 22 kW: 16 rapid, of which the PLANNED one is not in service and
 * the two OUTOFORDER are down: 13 of 15 work.
 */
static void test_check_feeds_ocpi_pages_and_items(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    run(h, "ocpi", "/ocpi", NULL, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_message_has(&out, "24 EVSEs at 8 locations from 127.0.0.1:");
    assert_message_has(&out, "21 up, 2 down, 1 not in service");
    assert_items(&out, 21, 0, 2, 0, 1);
    assert_true(outcome_figure(&out, "pages") == 3);
    assert_true(outcome_figure(&out, "locations") == 8);
    assert_true(outcome_figure(&out, "evses_charging") == 5);
    assert_true(outcome_figure(&out, "evses_available") == 16);
    assert_true(outcome_figure(&out, "rapid_total") == 15);
    assert_true(outcome_figure(&out, "rapid_down") == 2);
    assert_true(fabs(outcome_figure(&out, "rapid_reliability") - 13.0 / 15.0) < 1e-9);
    assert_true(outcome_figure(&out, "latency") > 0);
    const struct gw_item_rec *e = gw_items_find(out.result.items, "CAR-001/CAR-001-01");
    assert_non_null(e);
    assert_int_equal(e->status, GW_ITEM_DOWN);
    assert_string_equal(e->reason, "OUTOFORDER");
    assert_string_equal(e->name, "Maes parcio 1 / Car park 1, R1");
    assert_true(e->flags & GW_ITEM_RAPID);
    outcome_fini(&out);
}

static void test_check_feeds_ocpi_min_up(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    /* 21 of 23 in service work: 91 %. */
    run(h, "ocpi", "/ocpi", "        min_up: 95%\n", &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, GW_REASON_TOO_FEW_UP);
    assert_message_has(&out, "91% of items work (21 of 23), below min_up 95%: 24 EVSEs");
    outcome_fini(&out);
    run(h, "ocpi", "/ocpi", "        min_up: 90%\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_int_equal(h->config->targets[0].min_up * 100, 90);
    outcome_fini(&out);
}

static void test_check_feeds_ocpi_token(void **state)
{
    struct check_harness *h = *state;
    char *token = sim_file(&sim, "ocpi.token", "secret-token\n");
    char *extra = gw_xasprintf("        token_file: \"%s\"\n", token);
    struct outcome out;
    /* OCPI 2.2.1: the token base64-encoded. */
    run(h, "ocpi", "/ocpi-token", extra, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    outcome_fini(&out);
    run(h, "ocpi", "/ocpi-token-211", extra, &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS, "HTTP 401 from");
    free(extra);
    /* OCPI 2.1.1 implementations take it as it is. */
    extra = gw_xasprintf("        token_file: \"%s\"\n        token_base64: false\n", token);
    run(h, "ocpi", "/ocpi-token-211", extra, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    outcome_fini(&out);
    run(h, "ocpi", "/ocpi-token", NULL, &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS, "HTTP 401 from");
    free(extra);
    free(token);
}

static void test_check_feeds_ocpi_paging_faults(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    run(h, "ocpi", "/ocpi-loop", NULL, &out);
    /* The last page links to the first page's offset again: page 4 repeats page 2. */
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_PAGING,
                  "links back to page 2: a paging loop");
    run(h, "ocpi", "/ocpi-foreign", NULL, &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_PAGING,
                  "leads to another host, feeds.other.example");
    run(h, "ocpi", "/ocpi", "        max_pages: 2\n", &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_PAGING, "more than max_pages 2 pages");
    /* max_pages 1 reads the first page alone: X-Total-Count then disagrees. */
    run(h, "ocpi", "/ocpi", "        max_pages: 1\n", &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, GW_REASON_FEED_PAGING);
    assert_message_has(&out, "3 locations read in 1 pages");
    assert_message_has(&out, "X-Total-Count says 8");
    outcome_fini(&out);
}

static void test_check_feeds_ocpi_bad_documents(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    run(h, "ocpi", "/ocpi-error", NULL, &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_ERROR,
                  "OCPI status_code 2001: \"Invalid or missing parameters\"");
    run(h, "ocpi", "/ocpi-no-data", NULL, &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_SCHEMA, "the OCPI response has no data");
    run(h, "ocpi", "/ocpi-garbage", NULL, &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_PARSE, "not JSON (line 1, column 1");
    run(h, "ocpi", "/ocpi-404", NULL, &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS, "HTTP 404 from 127.0.0.1:");
    run(h, "ocpi", "/ocpi-huge", "        max_body: 1MiB\n", &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_TOO_LARGE,
                  "is larger than max_body (1048576 bytes)");
}

static void test_check_feeds_ocpi_rate_limited(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    run(h, "ocpi", "/ocpi-429", NULL, &out);
    /* Asked to come back later: not an outage, and the next check waits. */
    assert_failed(&out, GW_STATUS_UNKNOWN, GW_REASON_RATE_LIMITED, "HTTP 429 from 127.0.0.1:");
    assert_message_has(&out, "asked to wait 120 s before the next check");
    assert_int_equal(out.result.retry_after_ms, 120000);
}

static void test_check_feeds_config_errors(void **state)
{
    struct check_harness *h = *state;
    static const struct {
        const char *lines;
        const char *message;
    } cases[] = {
        {"        url: ftp://example.org/\n", "url \"ftp://example.org/\" is not an http://"},
        {"        url: \"http://user:pw@example.org/\"\n", "holds credentials"},
        {"        url: http://example.org/\n        max_pages: 0\n",
         "0 is out of range (expected 1 to 10000)"},
        {"        url: http://example.org/\n        max_body: 2GiB\n", "max_body"},
        {"        url: http://example.org/\n        min_up: 120%\n", "bad percentage"},
        {"        url: http://example.org/\n        track_items: maybe\n",
         "\"maybe\" is not a boolean"},
        {"        url: http://example.org/\n        headers: {\"Bad Name\": x}\n",
         "headers: bad header name \"Bad Name\""},
        {"        url: http://example.org/\n        max_tracked_items: 0\n",
         "0 is out of range (expected 1 to 1000000)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("ocpi") "%s", cases[i].lines);
        harness_expect_config_error(h, yaml, cases[i].message);
        free(yaml);
    }
    char *token = sim_file(&sim, "two.token", "abc\n");
    char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("ocpi") "        url: http://example.org/\n"
                                                          "        token_file: \"%s\"\n"
                                                          "        bearer_token_file: \"%s\"\n",
                              token, token);
    harness_expect_config_error(h, yaml, "an Authorization header is given too");
    free(yaml);
    free(token);
}

/* ---- ocm ------------------------------------------------------------------------------ */

/*
 * 6 sites of 2 connections: one temporarily unavailable (30), one partly
 * operational (75: its first connection works), one planned (150), three
 * operational. Rapid: 8 connections, one of them planned, two down.
 */
static void test_check_feeds_ocm_connections(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    run(h, "ocm", "/ocm", "        min_up: 50%\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_message_has(&out, "12 connectors at 6 sites");
    assert_items(&out, 7, 0, 3, 0, 2);
    assert_true(outcome_figure(&out, "sites") == 6);
    assert_true(outcome_figure(&out, "rapid_total") == 7);
    assert_true(outcome_figure(&out, "rapid_down") == 2);
    const struct gw_item_rec *c = gw_items_find(out.result.items, "900001/1900001");
    assert_non_null(c);
    assert_string_equal(c->reason, "temporarily unavailable");
    outcome_fini(&out);
}

/* ---- json_feed ---------------------------------------------------------------------------- */

#define MERAKI "        item_id: serial\n        excluded_values: [dormant]\n"

static void test_check_feeds_json_feed_meraki_pages(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    /* 10 APs, 4 a page, Meraki's Link header (rel=first, rel=next, bare). */
    run(h, "json_feed", "/wifi", MERAKI, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_message_has(&out, "10 items in 3 pages from 127.0.0.1:");
    assert_items(&out, 6, 1, 2, 0, 1);
    assert_true(outcome_figure(&out, "pages") == 3);
    const struct gw_item_rec *ap = gw_items_find(out.result.items, "Q2XX-GWY0-0001");
    assert_non_null(ap);
    assert_string_equal(ap->name, "GWY-AP01");
    assert_string_equal(ap->reason, "offline");
    assert_int_equal(ap->status, GW_ITEM_DOWN);
    outcome_fini(&out);
    /* 6 of 9 in service work. */
    run(h, "json_feed", "/wifi", MERAKI "        min_up: 80%\n", &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, GW_REASON_TOO_FEW_UP);
    outcome_fini(&out);
    run(h, "json_feed", "/wifi-loop", MERAKI, &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_PAGING, "a paging loop");
    /* An OCPI document is no list of things with a status. */
    run(h, "json_feed", "/ocpi", NULL, &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_SCHEMA, "the document is an object");
    run(h, "json_feed", "/ocpi", "        items: data\n", &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_SCHEMA, "item CAR-001 has no status");
}

/* ---- health ----------------------------------------------------------------------------- */

static void test_check_feeds_health_documents(void **state)
{
    struct check_harness *h = *state;
    struct outcome out;
    run(h, "health", "/health", NULL, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_message_has(&out, "the health+json document from 127.0.0.1:");
    assert_message_has(&out, "says \"pass\"");
    assert_items(&out, 2, 0, 0, 0, 0);
    outcome_fini(&out);
    /* Failing: HTTP 503, and the document says why. */
    run(h, "health", "/health-fail", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_HEALTH_FAIL);
    assert_message_has(&out, "says \"fail\" (HTTP 503)");
    assert_items(&out, 1, 0, 1, 0, 0);
    outcome_fini(&out);
    run(h, "health", "/status", NULL, &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, GW_REASON_HEALTH_WARN);
    assert_message_has(&out, "the statuspage document");
    assert_items(&out, 1, 1, 0, 0, 0);
    outcome_fini(&out);
    run(h, "health", "/status", "        components: [\"Gwefan / Website\"]\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_items(&out, 1, 0, 0, 0, 0);
    outcome_fini(&out);
    run(h, "health", "/status", "        components: [\"Nothing here\"]\n", &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_SCHEMA, "none of the components");
    run(h, "health", "/health", "        format: statuspage\n", &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_FEED_SCHEMA, "has no components");
    run(h, "health", "/ocpi-404", NULL, &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS, "HTTP 404");
    /* A 503 is read for its document; without one it is the outage it says. */
    run(h, "health", "/down-page", NULL, &out);
    assert_failed(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS, "HTTP 503 from 127.0.0.1:");
    assert_message_has(&out, "and no document to say why: not JSON");
    char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("health") "        url: http://example.org/\n"
                                                            "        format: prometheus\n");
    harness_expect_config_error(h, yaml, "unknown format \"prometheus\"");
    free(yaml);
}

int main(void)
{
#define T(f, s) cmocka_unit_test_setup_teardown(f, s, teardown)
    const struct CMUnitTest tests[] = {
        T(test_check_feeds_ocpi_pages_and_items, setup_ocpi),
        T(test_check_feeds_ocpi_min_up, setup_ocpi),
        T(test_check_feeds_ocpi_token, setup_ocpi),
        T(test_check_feeds_ocpi_paging_faults, setup_ocpi),
        T(test_check_feeds_ocpi_bad_documents, setup_ocpi),
        T(test_check_feeds_ocpi_rate_limited, setup_ocpi),
        T(test_check_feeds_config_errors, setup_ocpi),
        T(test_check_feeds_ocm_connections, setup_ocm),
        T(test_check_feeds_json_feed_meraki_pages, setup_json_feed),
        T(test_check_feeds_health_documents, setup_health),
    };
#undef T
    return sim_run_group_tests(&sim, scenario, "gw-check-feeds", tests);
}
