/*
 * A check plugin through the real loader: the plugin's .so is dlopened from
 * $GW_PLUGIN_DIR, targets are built from YAML by the configuration loader,
 * and checks run through gw_check_start on a real loop, with the daemon's
 * HTTP client when the plugin needs one. Each check's result is collected in
 * an outcome; the loop is run to idle and closed at the end of each test.
 */
#ifndef GW_CHECK_TESTUTIL_H
#define GW_CHECK_TESTUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "check/http_client.h"
#include "config/config.h"
#include "loop_testutil.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "result/items.h"
#include "result/result.h"
#include "util/diag.h"
#include "util/xalloc.h"

/* The YAML of one target, test/t, of check type `type`, up to its own keys. */
#define HARNESS_TARGET_HEAD(type)                                                                  \
    "councils:\n"                                                                                  \
    "  - id: test\n"                                                                               \
    "    targets:\n"                                                                               \
    "      - id: t\n"                                                                              \
    "        check: " type "\n"

struct check_harness {
    struct test_loop loop;
    struct gw_host host;
    struct gw_http_client *http; /* the host's HTTP client, or NULL */
    struct gw_plugins *plugins;
    struct gw_config *config; /* the configuration of harness_load_target, or NULL */
    struct gw_diag *diag;     /* what the last load said */
    double slack;             /* scales the loop's watchdog and the wait for a result */
};

/* One check's end, copied out of its callback. */
struct outcome {
    unsigned calls;
    struct gw_result result; /* result.items: a reference the outcome holds (outcome_fini) */
    uint64_t start_ns, end_ns;
};

/* Drops what an outcome holds (a feed check's items); again does nothing. */
static inline void outcome_fini(struct outcome *out)
{
    gw_items_unref(out->result.items);
    out->result.items = NULL;
}

/*
 * Loads `plugin_file` (a file of $GW_PLUGIN_DIR) into a new loader, with an
 * HTTP client for the host when `http_client`. Timing limits (5 s for the
 * loop to run dry, 20 s for a result) are multiplied by `slack`.
 */
static inline void harness_init(struct check_harness *h, const char *plugin_file, bool http_client,
                                double slack)
{
    memset(h, 0, sizeof(*h));
    h->slack = slack;
    test_loop_init(&h->loop, (uint64_t)(5000 * slack));
    gw_host_init(&h->host, &h->loop.uv);
    if (http_client) {
        h->http = gw_http_client_new(&h->loop.uv);
        gw_host_set_http(&h->host, h->http);
    }
    h->plugins = gw_plugins_new();
    const char *dir = getenv("GW_PLUGIN_DIR");
    assert_non_null(dir);
    char *path = gw_xasprintf("%s/%s", dir, plugin_file);
    char *err = NULL;
    if (gw_plugins_load_file(h->plugins, path, &err) < 0)
        fail_msg("%s", err);
    free(path);
    h->diag = gw_diag_new();
}

/* Frees the HTTP client, then runs the loop dry and closes it (test_loop_finish). */
static inline void harness_finish_loop(struct check_harness *h)
{
    if (h->http) {
        gw_host_set_http(&h->host, NULL);
        gw_http_client_free(h->http);
        h->http = NULL;
    }
    test_loop_finish(&h->loop);
}

/* Finishes the loop unless the test did (or it is stuck), and frees the rest. */
static inline void harness_fini(struct check_harness *h)
{
    if (test_loop_open(&h->loop))
        harness_finish_loop(h);
    gw_config_unref(h->config);
    gw_diag_free(h->diag);
    gw_plugins_free(h->plugins);
}

/* Prints every diagnostic, for the reader of a failed test. */
static inline void harness_dump_diag(const struct gw_diag *diag)
{
    for (size_t i = 0; i < diag->n; i++) {
        char *line = gw_diag_format(diag, i);
        print_message("%s\n", line);
        free(line);
    }
}

/* Loads `yaml` as "test.yaml" with fresh diagnostics in h->diag. Caller unrefs; NULL if refused. */
static inline struct gw_config *harness_load_yaml(struct check_harness *h, const char *yaml)
{
    gw_diag_free(h->diag);
    h->diag = gw_diag_new();
    return gw_config_load_string("test.yaml", yaml, h->plugins, &h->host, h->diag);
}

/*
 * Loads `yaml`, which must hold one target, into h->config (replacing the
 * previous one); fails the test if it is refused. Returns the target
 * (borrowed from h->config).
 */
static inline const struct gw_target_conf *harness_load_target(struct check_harness *h,
                                                               const char *yaml)
{
    gw_config_unref(h->config);
    h->config = harness_load_yaml(h, yaml);
    if (!h->config) {
        harness_dump_diag(h->diag);
        fail_msg("the configuration was refused");
    }
    assert_int_equal(h->config->n_targets, 1);
    return &h->config->targets[0];
}

/* Fails the test unless `yaml` is refused with a diagnostic that contains `message`. */
static inline void harness_expect_config_error(struct check_harness *h, const char *yaml,
                                               const char *message)
{
    struct gw_config *config = harness_load_yaml(h, yaml);
    if (config) {
        gw_config_unref(config);
        fail_msg("the configuration was accepted; expected \"%s\"", message);
    }
    if (!gw_diag_contains(h->diag, message)) {
        harness_dump_diag(h->diag);
        fail_msg("no diagnostic \"%s\"", message);
    }
}

static inline void harness_done_cb(void *data, const struct gw_target_conf *conf,
                                   const struct gw_result *result)
{
    (void)conf;
    struct outcome *out = data;
    out->calls++;
    out->end_ns = uv_hrtime();
    out->result = *result;
    /* The check frees its items after this callback: keep them with the outcome. */
    if (result->items)
        out->result.items = gw_items_ref(result->items);
}

/* Starts the check of h->config's target into `out`. Returns the check (borrowed). */
static inline struct gw_check *harness_start(struct check_harness *h, struct outcome *out)
{
    struct gw_check *check = NULL;
    memset(out, 0, sizeof(*out));
    /* The core's timeout timer counts from the loop's cached time. */
    uv_update_time(&h->loop.uv);
    out->start_ns = uv_hrtime();
    assert_int_equal(gw_check_start(&h->host, h->config, &h->config->targets[0], 0, harness_done_cb,
                                    out, &check),
                     0);
    assert_int_equal(out->calls, 0); /* never completed from inside start */
    return check;
}

/* Runs the loop until the check has ended: fails if the loop runs dry first, or after 20 s. */
static inline void harness_wait(struct check_harness *h, struct outcome *out)
{
    test_loop_wait(&h->loop, &out->calls, 1, (uint64_t)(20000 * h->slack), "result");
}

/* Starts the check and waits for its one result. */
static inline void harness_run(struct check_harness *h, struct outcome *out)
{
    harness_start(h, out);
    harness_wait(h, out);
    assert_int_equal(out->calls, 1);
}

static inline double elapsed_ms(const struct outcome *out)
{
    return (double)(out->end_ns - out->start_ns) / 1e6;
}

/* A cancel (not silent) of a running check a while after it started. */
struct cancel_later {
    uv_timer_t timer;
    struct gw_check *check;
};

static inline void harness_cancel_later_cb(uv_timer_t *timer)
{
    struct cancel_later *c = timer->data;
    gw_check_cancel(c->check, false);
    uv_close((uv_handle_t *)timer, NULL);
}

/* Cancels `check` after `ms` milliseconds of the loop; `c` must live until then. */
static inline void harness_cancel_later(struct check_harness *h, struct cancel_later *c,
                                        struct gw_check *check, uint64_t ms)
{
    c->check = check;
    uv_timer_init(&h->loop.uv, &c->timer);
    c->timer.data = c;
    uv_timer_start(&c->timer, harness_cancel_later_cb, ms, 0);
}

/* The result's figure `name`, or NAN when it has none. */
static inline double outcome_figure(const struct outcome *out, const char *name)
{
    return gw_result_figure(&out->result, name);
}

/* The text of the result's first detail `key`, or NULL when it has none. */
static inline const char *outcome_detail(const struct outcome *out, const char *key)
{
    for (size_t i = 0; i < out->result.n_details; i++)
        if (strcmp(out->result.details[i].key, key) == 0)
            return out->result.details[i].text;
    return NULL;
}

/* The result's status and reason are these (the message is shown when not). */
#define assert_verdict(out, st, why)                                                               \
    do {                                                                                           \
        if ((out)->result.status != (st) || strcmp((out)->result.reason, (why)) != 0)              \
            fail_msg("%s (%s): %s; expected %s (%s)", gw_status_word((out)->result.status),        \
                     (out)->result.reason, (out)->result.message, gw_status_word(st), (why));      \
    } while (0)

/* The result has a detail `key` whose text holds `s`. */
#define assert_detail_has(out, key, s)                                                             \
    do {                                                                                           \
        const char *d_ = outcome_detail((out), (key));                                             \
        if (!d_ || !strstr(d_, (s)))                                                               \
            fail_msg("detail %s \"%s\" lacks \"%s\"", (key), d_ ? d_ : "(none)", (s));             \
    } while (0)

#define assert_message_has(out, s)                                                                 \
    do {                                                                                           \
        if (!strstr((out)->result.message, (s)))                                                   \
            fail_msg("message \"%s\" lacks \"%s\"", (out)->result.message, (s));                   \
    } while (0)

#endif
