/*
 * The validated configuration, end to end: documents (in memory and in files
 * of a temporary directory) go in, a configuration or every problem with its
 * exact position comes out. Check and notifier types are registered from this
 * file: `fake` declares keys of every kind and reports a semantic error through
 * host->cfg_error, as a real plugin does.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "tmp_testutil.h"
#include "util/diag.h"
#include "util/xalloc.h"

/* ---- the fake plugin --------------------------------------------------------- */

struct fake_conf {
    char *host;
    int64_t port;
    char *token;
    uint64_t max_latency_ms;
};

static const struct gw_figure_decl fake_figures[] = {
    {"connect", "s", 0, NAN},
};

static const struct gw_cfg_key fake_expect_keys[] = {
    {"status", GW_CFG_LIST, 0, NULL, "accepted status codes"},
    {"max_latency", GW_CFG_DURATION, 0, NULL, "slower than this: degraded"},
    {"min_up", GW_CFG_PERCENT, 0, NULL, "share of items up"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_cfg_key fake_keys[] = {
    {"host", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "the host to connect to"},
    {"port", GW_CFG_INT, 0, NULL, "TCP port"},
    {"expect", GW_CFG_MAP, 0, fake_expect_keys, "what a good answer looks like"},
    {"token_file", GW_CFG_FILE, 0, NULL, "file holding a bearer token"},
    {"verify", GW_CFG_BOOL, 0, NULL, "verify certificates"},
    {"headers", GW_CFG_MAP, 0, NULL, "any header names"},
    {NULL, 0, 0, NULL, NULL},
};

static int fake_configure(const struct gw_host *host, const struct gw_cfg *target, void **conf_out)
{
    const char *h = NULL;
    int64_t port = 80;
    uint64_t max_latency = 0;
    char *token = NULL;
    int rc = 0;
    if (host->cfg_string(target, "host", &h) < 0)
        rc = -EINVAL;
    /* A plugin that refuses without saying why: the daemon must still tell. */
    if (h && strcmp(h, "refuse-silently") == 0)
        return -EINVAL;
    if (host->cfg_int(target, "port", INT64_MIN, INT64_MAX, &port) < 0) {
        rc = -EINVAL;
    } else if (port < 1 || port > 65535) {
        host->cfg_error(host->cfg_child(target, "port"),
                        "port %lld is out of range (expected 1 to 65535)", (long long)port);
        rc = -EINVAL;
    }
    const struct gw_cfg *expect = host->cfg_child(target, "expect");
    if (expect && host->cfg_duration_ms(expect, "max_latency", &max_latency) < 0)
        rc = -EINVAL;
    if (host->cfg_secret(target, "token_file", &token) < 0)
        rc = -EINVAL;
    if (rc < 0) {
        free(token);
        return rc;
    }
    struct fake_conf *c = calloc(1, sizeof(*c));
    c->host = strdup(h);
    c->port = port;
    c->token = token;
    c->max_latency_ms = max_latency;
    *conf_out = c;
    return 0;
}

static void fake_conf_free(void *conf)
{
    struct fake_conf *c = conf;
    if (!c)
        return;
    free(c->host);
    free(c->token);
    free(c);
}

static const char *fake_conf_host(const void *conf)
{
    return ((const struct fake_conf *)conf)->host;
}

static size_t fake_figures_of(const void *conf, const struct gw_figure_decl **out)
{
    (void)conf;
    *out = fake_figures;
    return 1;
}

static int fake_start(const struct gw_host *host, const void *conf, struct gw_check *check,
                      void **run_out)
{
    (void)host, (void)conf, (void)check, (void)run_out;
    return -ENOTSUP;
}

static void fake_cancel(void *run)
{
    (void)run;
}

static const struct gw_check_type fake_type = {
    .name = "fake",
    .description = "a check type of the tests",
    .keys = fake_keys,
    .configure = fake_configure,
    .conf_free = fake_conf_free,
    .conf_host = fake_conf_host,
    .figures = fake_figures_of,
    .start = fake_start,
    .cancel = fake_cancel,
};

static const struct gw_cfg_key other_keys[] = {
    {"url", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "what to fetch"},
    {NULL, 0, 0, NULL, NULL},
};

static int other_configure(const struct gw_host *host, const struct gw_cfg *target, void **conf_out)
{
    const char *url = NULL;
    if (host->cfg_string(target, "url", &url) < 0)
        return -EINVAL;
    *conf_out = strdup(url);
    return 0;
}

static const struct gw_check_type other_type = {
    .name = "other",
    .description = "a second check type",
    .keys = other_keys,
    .configure = other_configure,
    .conf_free = free,
    .start = fake_start,
    .cancel = fake_cancel,
};

static const struct gw_cfg_key hook_keys[] = {
    {"url", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "where to post"},
    {NULL, 0, 0, NULL, NULL},
};

static int hook_configure(const struct gw_host *host, const struct gw_cfg *notifier,
                          void **conf_out)
{
    const char *url = NULL;
    if (host->cfg_string(notifier, "url", &url) < 0)
        return -EINVAL;
    *conf_out = strdup(url);
    return 0;
}

static int hook_send(const struct gw_host *host, const void *conf,
                     const struct gw_notification *notification, struct gw_delivery *delivery,
                     gw_delivery_done_cb done, void **run_out)
{
    (void)host, (void)conf, (void)notification, (void)delivery, (void)done, (void)run_out;
    return -ENOTSUP;
}

static const struct gw_notifier_type hook_type = {
    .name = "hook",
    .description = "a notifier type of the tests",
    .keys = hook_keys,
    .configure = hook_configure,
    .conf_free = free,
    .send = hook_send,
    .cancel = fake_cancel,
};

static const struct gw_check_type *const test_checks[] = {&fake_type, &other_type, NULL};
static const struct gw_notifier_type *const test_notifiers[] = {&hook_type, NULL};
static const struct gw_plugin test_plugin = {
    GW_PLUGIN_ABI_VERSION, sizeof(struct gw_plugin), "test", test_checks, test_notifiers,
};

/* ---- fixture ------------------------------------------------------------------- */

struct fixture {
    struct gw_plugins *plugins;
    struct gw_host host;
    struct gw_diag *diag;
    struct gw_config *config;
    char *dir; /* a temporary directory, NULL until made */
    pid_t pid; /* of the test process (a child may run a part) */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->plugins = gw_plugins_new();
    char *err = NULL;
    if (gw_plugins_add(f->plugins, &test_plugin, "test", &err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    gw_host_init(&f->host, NULL);
    f->diag = gw_diag_new();
    f->pid = getpid();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    gw_config_unref(f->config);
    gw_diag_free(f->diag);
    gw_plugins_free(f->plugins);
    if (f->dir)
        tree_remove(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static struct gw_config *load(struct fixture *f, const char *name, const char *text)
{
    gw_config_unref(f->config);
    gw_diag_free(f->diag);
    f->diag = gw_diag_new();
    f->config = gw_config_load_string(name, text, f->plugins, &f->host, f->diag);
    return f->config;
}

static void make_dir(struct fixture *f)
{
    f->dir = temp_dir("gw-test-config");
}

/* Writes `text` to DIR/name with `mode`; returns the full path (caller frees). */
static char *write_file(struct fixture *f, const char *name, const char *text, mode_t mode)
{
    if (!f->dir)
        make_dir(f);
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", f->dir, name) > 0);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0755); /* a sub-directory like conf.d; EEXIST is fine */
    *slash = '/';
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static struct gw_config *load_file(struct fixture *f, const char *path)
{
    gw_config_unref(f->config);
    gw_diag_free(f->diag);
    f->diag = gw_diag_new();
    f->config = gw_config_load(path, f->plugins, &f->host, f->diag);
    return f->config;
}

/* Asserts that the diagnostics are exactly `want`, in order. */
static void expect_diags(const struct gw_diag *d, const char *const *want, size_t n)
{
    bool same = d->n == n;
    for (size_t i = 0; same && i < n; i++) {
        char *got = gw_diag_format(d, i);
        same = strcmp(got, want[i]) == 0;
        free(got);
    }
    if (same)
        return;
    print_error("diagnostics differ.\n got %zu:\n", d->n);
    for (size_t i = 0; i < d->n; i++) {
        char *got = gw_diag_format(d, i);
        print_error("   %s\n", got);
        free(got);
    }
    print_error(" want %zu:\n", n);
    for (size_t i = 0; i < n; i++)
        print_error("   %s\n", want[i]);
    fail();
}

#define EXPECT_DIAGS(diag, ...)                                                                    \
    do {                                                                                           \
        const char *const want_[] = {__VA_ARGS__};                                                 \
        expect_diags((diag), want_, sizeof(want_) / sizeof(want_[0]));                             \
    } while (0)

#define EXPECT_NO_DIAGS(diag) expect_diags((diag), NULL, 0)

/* Substitutes the fixture's directory for every "@" of `fmt`. Caller frees. */
static char *in_dir(const struct fixture *f, const char *fmt)
{
    size_t n = 1;
    for (const char *p = fmt; *p; p++)
        n += *p == '@' ? strlen(f->dir) : 1;
    char *s = malloc(n), *q = s;
    for (const char *p = fmt; *p; p++) {
        if (*p == '@') {
            strcpy(q, f->dir);
            q += strlen(f->dir);
        } else {
            *q++ = *p;
        }
    }
    *q = '\0';
    return s;
}

/* ---- a valid document ------------------------------------------------------------- */

static const char valid_doc[] = "daemon:\n"                                                 /* 1 */
                                "  data_dir: /tmp/gw-data\n"                                /* 2 */
                                "  listen: \"\"\n"                                          /* 3 */
                                "  max_in_flight: 100\n"                                    /* 4 */
                                "  log_level: debug\n"                                      /* 5 */
                                "defaults:\n"                                               /* 6 */
                                "  interval: 30s\n"                                         /* 7 */
                                "  timeout: 10s\n"                                          /* 8 */
                                "  failure_threshold: 4\n"                                  /* 9 */
                                "  notify: [ops]\n"                                         /* 10 */
                                "  port: 443\n"                                             /* 11 */
                                "councils:\n"                                               /* 12 */
                                "  - id: cardiff\n"                                         /* 13 */
                                "    name: Cardiff Council\n"                               /* 14 */
                                "    name_cy: Cyngor Caerdydd\n"                            /* 15 */
                                "    targets:\n"                                            /* 16 */
                                "      - id: web\n"                                         /* 17 */
                                "        check: fake\n"                                     /* 18 */
                                "        host: www.cardiff.gov.uk\n"                        /* 19 */
                                "        expect: {status: [200], max_latency: 3s}\n"        /* 20 */
                                "      - id: web-cy\n"                                      /* 21 */
                                "        check: fake\n"                                     /* 22 */
                                "        host: www.caerdydd.gov.uk\n"                       /* 23 */
                                "        interval: 5s\n"                                    /* 24 */
                                "        success_threshold: 1\n"                            /* 25 */
                                "        language: cy\n"                                    /* 26 */
                                "        parity_with: web\n"                                /* 27 */
                                "        notify: [ops, pager]\n"                            /* 28 */
                                "  - id: newport\n"                                         /* 29 */
                                "    targets:\n"                                            /* 30 */
                                "      - id: smtp\n"                                        /* 31 */
                                "        check: fake\n"                                     /* 32 */
                                "        host: mail.newport.gov.uk\n"                       /* 33 */
                                "        port: 25\n"                                        /* 34 */
                                "        timeout: 2s\n"                                     /* 35 */
                                "        depends_on: cardiff/web\n"                         /* 36 */
                                "      - id: portal\n"                                      /* 37 */
                                "        check: other\n"                                    /* 38 */
                                "        url: https://newport.example/\n"                   /* 39 */
                                "        notify: pager\n"                                   /* 40 */
                                "notifiers:\n"                                              /* 41 */
                                "  - id: ops\n"                                             /* 42 */
                                "    type: hook\n"                                          /* 43 */
                                "    url: https://hooks.example/x\n"                        /* 44 */
                                "  - id: pager\n"                                           /* 45 */
                                "    type: hook\n"                                          /* 46 */
                                "    url: https://hooks.example/y\n"                        /* 47 */
                                "maintenance:\n"                                            /* 48 */
                                "  - targets: [cardiff/*]\n"                                /* 49 */
                                "    from: 2026-12-01T22:00:00Z\n"                          /* 50 */
                                "    to: 2026-12-02T02:00:00+01:00\n"                       /* 51 */
                                "    reason: works\n"                                       /* 52 */
                                "  - targets: [\"*/web\"]\n"                                /* 53 */
                                "    weekly: {day: sun, from: \"02:00\", to: \"03:00\"}\n"; /* 54 */

static void test_config_valid_document(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "valid.yaml", valid_doc);
    EXPECT_NO_DIAGS(f->diag);
    assert_non_null(c);
    assert_int_equal(c->refs, 1);

    assert_string_equal(c->daemon.data_dir, "/tmp/gw-data");
    assert_string_equal(c->daemon.listen, "");
    assert_string_equal(c->daemon.rrdcached, "");
    assert_int_equal(c->daemon.max_in_flight, 100);
    assert_int_equal(c->daemon.max_per_host, GW_DEFAULT_MAX_PER_HOST);
    assert_int_equal(c->daemon.log_level, GW_LOG_DEBUG);

    assert_int_equal(c->n_councils, 2);
    assert_string_equal(c->councils[0].id, "cardiff");
    assert_string_equal(c->councils[0].name, "Cardiff Council");
    assert_string_equal(c->councils[0].name_cy, "Cyngor Caerdydd");
    assert_int_equal(c->councils[0].first_target, 0);
    assert_int_equal(c->councils[0].n_targets, 2);
    assert_string_equal(c->councils[1].id, "newport");
    assert_null(c->councils[1].name);
    assert_int_equal(c->councils[1].first_target, 2);
    assert_int_equal(c->councils[1].n_targets, 2);

    assert_int_equal(c->n_targets, 4);
    const struct gw_target_conf *web = gw_config_find_target(c, "cardiff/web");
    assert_ptr_equal(web, &c->targets[0]);
    assert_string_equal(web->name, "web");
    assert_int_equal(web->council, 0);
    assert_ptr_equal(web->type, &fake_type);
    assert_string_equal(web->host, "www.cardiff.gov.uk");
    assert_int_equal(web->n_figures, 1);
    assert_string_equal(web->figures[0].name, "connect");
    assert_int_equal(web->interval_ms, 30000);
    assert_int_equal(web->timeout_ms, 10000);
    assert_int_equal(web->failure_threshold, 4);
    assert_int_equal(web->success_threshold, GW_DEFAULT_SUCCESSES);
    assert_int_equal(web->n_notify, 1);
    assert_string_equal(web->notify[0], "ops");
    assert_null(web->depends_on);
    assert_null(web->parity_with);
    assert_null(web->language);
    const struct fake_conf *fc = web->plugin_conf;
    assert_int_equal(fc->port, 443); /* a plugin key inherited from defaults */
    assert_int_equal(fc->max_latency_ms, 3000);

    const struct gw_target_conf *cy = gw_config_find_target(c, "cardiff/web-cy");
    assert_ptr_equal(cy, &c->targets[1]);
    assert_int_equal(cy->interval_ms, 5000);
    /* the default timeout does not fit a 5s interval: shortened, not an error */
    assert_int_equal(cy->timeout_ms, 5000);
    assert_int_equal(cy->failure_threshold, 4);
    assert_int_equal(cy->success_threshold, 1);
    assert_string_equal(cy->language, "cy");
    assert_string_equal(cy->parity_with, "cardiff/web");
    assert_int_equal(cy->n_notify, 2);
    assert_string_equal(cy->notify[0], "ops");
    assert_string_equal(cy->notify[1], "pager");

    const struct gw_target_conf *smtp = gw_config_find_target(c, "newport/smtp");
    assert_ptr_equal(smtp, &c->targets[2]);
    assert_int_equal(smtp->council, 1);
    assert_int_equal(((const struct fake_conf *)smtp->plugin_conf)->port, 25);
    assert_int_equal(smtp->timeout_ms, 2000);
    assert_int_equal(smtp->interval_ms, 30000);
    assert_string_equal(smtp->depends_on, "cardiff/web");

    const struct gw_target_conf *portal = gw_config_find_target(c, "newport/portal");
    assert_ptr_equal(portal->type, &other_type);
    assert_null(portal->host);
    assert_int_equal(portal->n_figures, 0);
    /* one scalar is a list of one */
    assert_int_equal(portal->n_notify, 1);
    assert_string_equal(portal->notify[0], "pager");
    assert_null(gw_config_find_target(c, "newport/web"));

    assert_int_equal(c->n_notifiers, 2);
    assert_string_equal(c->notifiers[0].id, "ops");
    assert_ptr_equal(c->notifiers[0].type, &hook_type);
    assert_string_equal(c->notifiers[1].plugin_conf, "https://hooks.example/y");

    assert_int_equal(c->n_maintenance, 2);
    assert_int_equal(c->maintenance[0].n_patterns, 1);
    assert_string_equal(c->maintenance[0].patterns[0], "cardiff/*");
    assert_int_equal(c->maintenance[0].from_s, 1796162400);
    assert_int_equal(c->maintenance[0].to_s, 1796173200);
    assert_int_equal(c->maintenance[0].weekday, -1);
    assert_string_equal(c->maintenance[0].reason, "works");
    assert_int_equal(c->maintenance[1].weekday, 0);
    assert_int_equal(c->maintenance[1].from_min, 120);
    assert_int_equal(c->maintenance[1].to_min, 180);
    assert_null(c->maintenance[1].reason);

    assert_ptr_equal(gw_config_ref(c), c);
    assert_int_equal(c->refs, 2);
    gw_config_unref(c);
    assert_int_equal(c->refs, 1);
}

static void test_config_defaults_without_section(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "d.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: t, check: fake, host: h}\n");
    EXPECT_NO_DIAGS(f->diag);
    assert_non_null(c);
    assert_int_equal(c->targets[0].interval_ms, GW_DEFAULT_INTERVAL_MS);
    assert_int_equal(c->targets[0].timeout_ms, GW_DEFAULT_TIMEOUT_MS);
    assert_int_equal(c->targets[0].failure_threshold, GW_DEFAULT_FAILURES);
    assert_int_equal(c->targets[0].success_threshold, GW_DEFAULT_SUCCESSES);
    assert_int_equal(c->targets[0].n_notify, 0);
    assert_string_equal(c->daemon.listen, GW_DEFAULT_LISTEN);
    assert_int_equal(c->daemon.max_in_flight, GW_DEFAULT_MAX_IN_FLIGHT);
    assert_int_equal(c->daemon.log_level, GW_LOG_INFO);
}

/* A target's SLA is its own, else its council's, else that of defaults. */
static void test_config_sla_inherited(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "s.yaml",
                               "defaults:\n"
                               "  sla: 99.9%\n"
                               "councils:\n"
                               "  - id: a\n"
                               "    sla: 99.5%\n"
                               "    targets:\n"
                               "      - {id: own, check: fake, host: h, sla: 98%}\n"
                               "      - {id: council, check: fake, host: h}\n"
                               "  - id: b\n"
                               "    targets:\n"
                               "      - {id: default, check: fake, host: h}\n");
    EXPECT_NO_DIAGS(f->diag);
    assert_non_null(c);
    assert_true(fabs(c->targets[0].sla - 0.98) < 1e-12);
    assert_true(fabs(c->targets[1].sla - 0.995) < 1e-12);
    assert_true(fabs(c->targets[2].sla - 0.999) < 1e-12);
    assert_true(fabs(c->councils[0].sla - 0.995) < 1e-12);
    assert_true(fabs(c->councils[1].sla - 0.999) < 1e-12);

    c = load(f, "n.yaml",
             "councils:\n"
             "  - id: a\n"
             "    targets:\n"
             "      - {id: t, check: fake, host: h}\n");
    assert_non_null(c);
    assert_true(isnan(c->targets[0].sla));
    assert_true(isnan(c->councils[0].sla));

    c = load(f, "bad.yaml",
             "councils:\n"
             "  - id: a\n"
             "    sla: lots\n"
             "    targets:\n"
             "      - {id: t, check: fake, host: h, sla: 120%}\n");
    assert_null(c);
    assert_int_equal(f->diag->errors, 2);
}

static void test_config_empty_document(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "e.yaml", "# nothing yet\n");
    assert_non_null(c);
    assert_int_equal(c->n_targets, 0);
    EXPECT_DIAGS(f->diag,
                 "e.yaml:1:1: warning: the configuration is empty: nothing will be monitored");
}

static void test_config_required_key_from_defaults(void **state)
{
    struct fixture *f = *state;
    /* `host` is required by fake; a default satisfies it */
    struct gw_config *c = load(f, "r.yaml",
                               "defaults:\n"
                               "  host: shared.example\n"
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake}\n"
                               "      - {id: b, check: fake, host: own.example}\n"
                               "      - {id: u, check: other, url: x}\n");
    EXPECT_NO_DIAGS(f->diag);
    assert_non_null(c);
    assert_string_equal(c->targets[0].host, "shared.example");
    assert_string_equal(c->targets[1].host, "own.example");
}

/* ---- timeouts ------------------------------------------------------------------------ */

static void test_config_timeout_longer_than_interval(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "t.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - id: a\n"
                               "        check: fake\n"
                               "        host: h\n"
                               "        interval: 10s\n"
                               "        timeout: 1m30s\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "t.yaml:8:18: error: target c/a: timeout 1m30s is longer than the "
                          "interval 10s (expected at most the interval)");
}

static void test_config_interval_too_short(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "t.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: h, interval: 500ms}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "t.yaml:4:49: error: target c/a: interval 500ms is shorter than 1s "
                          "(expected 1s or more)");
}

static void test_config_timeout_zero(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "t.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: h, timeout: 0}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "t.yaml:4:48: error: target c/a: timeout is zero (expected a "
                          "duration like 10s)");
}

/* ---- one test per error kind ------------------------------------------------------------ */

static void test_config_unknown_key_suggests(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "u.yaml",
                               "councills: []\n"
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - id: a\n"
                               "        check: fake\n"
                               "        host: h\n"
                               "        intervall: 10s\n"
                               "        prot: 25\n"
                               "        expect: {stauts: [200]}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "u.yaml:1:1: error: unknown key \"councills\" (did you mean \"councils\"?)",
                 "u.yaml:8:9: error: target c/a: unknown key \"intervall\" (did you mean "
                 "\"interval\"?)",
                 "u.yaml:9:9: error: target c/a: unknown key \"prot\" (did you mean \"port\"?)",
                 "u.yaml:10:18: error: target c/a: expect: unknown key \"stauts\" (did you mean "
                 "\"status\"?)");
}

static void test_config_unknown_key_lists_expected(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "u.yaml",
                               "notifiers:\n"
                               "  - id: ops\n"
                               "    type: hook\n"
                               "    url: x\n"
                               "    colour: red\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "u.yaml:5:5: error: notifier ops: unknown key \"colour\" (expected one "
                          "of: id, type, language, group_wait, group_by, re_notify, send_recovery, "
                          "min_state, timeout, url)");
}

static void test_config_odd_keys_in_free_mapping(void **state)
{
    struct fixture *f = *state;
    /* a mapping whose keys no schema names still gets the loader's checks */
    struct gw_config *c = load(f, "h.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - id: a\n"
                               "        check: fake\n"
                               "        host: h\n"
                               "        headers:\n"
                               "          ? [x, y]\n"
                               "          : z\n"
                               "          Accept: a\n"
                               "          Accept: b\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "h.yaml:8:13: error: a key that is a list (expected a string)",
                 "h.yaml:11:11: error: duplicate key \"Accept\" (first given at line 10, column "
                 "11)");
}

static void test_config_wrong_types(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "w.yaml",
                               "daemon: [1]\n"
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - id: a\n"
                               "        check: fake\n"
                               "        host: {name: h}\n"
                               "        port: eighty\n"
                               "        verify: maybe\n"
                               "        expect: 200\n"
                               "        notify: {a: b}\n"
                               "        failure_threshold:\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "w.yaml:1:9: error: found a list (expected a mapping)",
                 "w.yaml:7:15: error: found a mapping (expected a string)",
                 "w.yaml:8:15: error: \"eighty\" is not a whole number (expected digits, like "
                 "42)",
                 "w.yaml:9:17: error: \"maybe\" is not a boolean (expected true or false)",
                 "w.yaml:10:17: error: found \"200\" (expected a mapping)",
                 "w.yaml:11:17: error: found a mapping (expected a list of strings)",
                 "w.yaml:12:9: error: found no value (expected a whole number)");
}

static void test_config_bad_duration(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "b.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - id: a\n"
                               "        check: fake\n"
                               "        host: h\n"
                               "        interval: 10\n"
                               "        timeout: 5 s\n"
                               "        expect:\n"
                               "          max_latency: 3sec\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "b.yaml:7:19: error: bad duration \"10\" (expected a number with a unit: "
                 "500ms, 10s, 5m, 1h, 1d)",
                 "b.yaml:8:18: error: bad duration \"5 s\" (expected a number with a unit: "
                 "500ms, 10s, 5m, 1h, 1d)",
                 "b.yaml:10:24: error: bad duration \"3sec\" (expected a number with a unit: "
                 "500ms, 10s, 5m, 1h, 1d)");
}

static void test_config_out_of_range(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "r.yaml",
                               "daemon:\n"
                               "  max_per_host: 0\n"
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: h, success_threshold: 5000}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "r.yaml:2:17: error: 0 is out of range (expected 1 to 1000000)",
                 "r.yaml:6:58: error: 5000 is out of range (expected 1 to 1000)");
}

static void test_config_duplicate_council_id(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "d.yaml",
                               "councils:\n"
                               "  - id: cardiff\n"
                               "    name: Cardiff\n"
                               "  - id: newport\n"
                               "  - id: cardiff\n"
                               "    name: Caerdydd\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "d.yaml:5:9: error: duplicate council id \"cardiff\" (first defined at "
                          "d.yaml:2:9; to add targets elsewhere give only id and targets)");
}

static void test_config_duplicate_target_id(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "d.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: web, check: fake, host: a}\n"
                               "      - {id: api, check: fake, host: b}\n"
                               "      - {id: web, check: other, url: c}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "d.yaml:6:14: error: duplicate target id \"c/web\" (first defined at "
                          "d.yaml:4:14)");
}

static void test_config_duplicate_target_id_of_broken_target(void **state)
{
    struct fixture *f = *state;
    /* the first one has its own error: the repeat is still found */
    struct gw_config *c = load(f, "d.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: web, check: fake, host: a, port: 0}\n"
                               "      - {id: web, check: fake, host: b}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "d.yaml:4:47: error: port 0 is out of range (expected 1 to 65535)",
                 "d.yaml:5:14: error: duplicate target id \"c/web\" (first defined at "
                 "d.yaml:4:14)");
}

static void test_config_duplicate_notifier_id(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "d.yaml",
                               "notifiers:\n"
                               "  - {id: ops, type: hook, url: a}\n"
                               "  - {id: ops, type: hook, url: b}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "d.yaml:3:10: error: duplicate notifier id \"ops\" (first defined at "
                          "d.yaml:2:10)");
}

static void test_config_duplicate_key(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "k.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - id: a\n"
                               "        check: fake\n"
                               "        host: h\n"
                               "        port: 25\n"
                               "        port: 26\n");
    assert_null(c);
    /* once, though both the loader and the schema see the mapping */
    EXPECT_DIAGS(f->diag,
                 "k.yaml:8:9: error: duplicate key \"port\" (first given at line 7, column 9)");
}

static void test_config_unknown_check_type(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "p.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fakee, host: h}\n"
                               "      - {id: b, check: fak, host: h}\n"
                               "      - {id: d, check: icmp, host: h, interval: 10}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "p.yaml:4:24: error: target c/a: no plugin provides check type \"fakee\" (did "
                 "you mean \"fake\"?)",
                 "p.yaml:5:24: error: target c/b: no plugin provides check type \"fak\" (did "
                 "you mean \"fake\"?)",
                 "p.yaml:6:24: error: target c/d: no plugin provides check type \"icmp\" "
                 "(available: fake, other)",
                 /* the common keys are still checked */
                 "p.yaml:6:49: error: bad duration \"10\" (expected a number with a unit: "
                 "500ms, 10s, 5m, 1h, 1d)");
}

static void test_config_unknown_notifier_type(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "n.yaml",
                               "notifiers:\n"
                               "  - {id: a, type: hoook, url: x}\n"
                               "  - {id: b, type: email, to: x}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "n.yaml:2:19: error: notifier a: no plugin provides notifier type \"hoook\" "
                 "(did you mean \"hook\"?)",
                 "n.yaml:3:19: error: notifier b: no plugin provides notifier type \"email\" "
                 "(available: hook)");
}

static void test_config_missing_required_keys(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "m.yaml",
                               "councils:\n"
                               "  - name: No id\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake}\n"
                               "      - {id: b, host: h}\n"
                               "      - {check: fake, host: h}\n"
                               "notifiers:\n"
                               "  - {id: ops}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "m.yaml:2:5: error: council: missing required key \"id\" (expected a string: "
                 "council id)",
                 "m.yaml:5:9: error: target c/a: missing required key \"host\" (expected a "
                 "string: the host to connect to)",
                 "m.yaml:6:9: error: target c/b: missing required key \"check\" (expected a "
                 "string: the check type (plugin))",
                 "m.yaml:7:9: error: a target of council c: missing required key \"id\" "
                 "(expected a string: the target's id within its council)",
                 "m.yaml:9:5: error: notifier ops: missing required key \"type\" (expected a "
                 "string: notifier type (plugin))");
}

static void test_config_bad_ids(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "i.yaml",
                               "councils:\n"
                               "  - id: Cardiff\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a/b, check: fake, host: h}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "i.yaml:2:9: error: bad council id \"Cardiff\" (expected 1 to 64 lower-case "
                 "letters, digits, - and _, starting with a letter or digit)",
                 "i.yaml:5:14: error: bad target id \"a/b\" (expected 1 to 64 lower-case "
                 "letters, digits, - and _, starting with a letter or digit)");
}

static void test_config_plugin_semantic_error(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "s.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - id: a\n"
                               "        check: fake\n"
                               "        host: h\n"
                               "        port: 70000\n"
                               "      - id: b\n"
                               "        check: fake\n"
                               "        host: h\n"
                               "        port: 443\n"
                               "        interval: 0.5s\n");
    assert_null(c);
    /* errors of the core and of the plugin, each where it is */
    EXPECT_DIAGS(f->diag, "s.yaml:7:15: error: port 70000 is out of range (expected 1 to 65535)",
                 "s.yaml:12:19: error: target c/b: interval 500ms is shorter than 1s (expected "
                 "1s or more)");
}

static void test_config_plugin_error_beside_unknown_key(void **state)
{
    struct fixture *f = *state;
    /* an unknown key does not keep the plugin from checking its own keys;
     * a value of the wrong type does (the plugin may trust the types) */
    struct gw_config *c = load(f, "s.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - id: a\n"
                               "        check: fake\n"
                               "        host: h\n"
                               "        port: 99999\n"
                               "        intervl: 5s\n"
                               "      - id: b\n"
                               "        check: fake\n"
                               "        host: h\n"
                               "        port: 99999\n"
                               "        verify: perhaps\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "s.yaml:7:15: error: port 99999 is out of range (expected 1 to 65535)",
                 "s.yaml:8:9: error: target c/a: unknown key \"intervl\" (did you mean "
                 "\"interval\"?)",
                 "s.yaml:13:17: error: \"perhaps\" is not a boolean (expected true or false)");
}

static void test_config_plugin_refuses_silently(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "s.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: refuse-silently}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "s.yaml:4:9: error: target c/a: the fake plugin refused this target "
                          "without giving a reason (expected a message from the plugin)");
}

static void test_config_defaults_rejects_id_and_unknown(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "d.yaml",
                               "defaults:\n"
                               "  check: fake\n"
                               "  intreval: 5s\n"
                               "  url: x\n"
                               "councils: []\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "d.yaml:2:3: error: defaults: \"check\" cannot have a default (expected it on "
                 "each target)",
                 "d.yaml:3:3: error: defaults: unknown key \"intreval\" (did you mean "
                 "\"interval\"?)");
}

static void test_config_defaults_problem_reported_once(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "o.yaml",
                               "defaults:\n"
                               "  interval: 500ms\n"
                               "  port: eighty\n"
                               "  notify: [ops, nobody]\n"
                               "  token_file: /nonexistent/token\n"
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: h}\n"
                               "      - {id: b, check: fake, host: h}\n"
                               "      - {id: d, check: fake, host: h}\n"
                               "      - {id: e, check: other, url: u}\n"
                               "notifiers:\n"
                               "  - {id: ops, type: hook, url: x}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "o.yaml:2:13: error: defaults: interval 500ms is shorter than 1s (expected 1s "
                 "or more)",
                 "o.yaml:3:9: error: \"eighty\" is not a whole number (expected digits, like "
                 "42)",
                 "o.yaml:4:17: error: notifier \"nobody\" is not defined (expected the id of an "
                 "entry under notifiers:)",
                 "o.yaml:5:15: error: cannot read \"/nonexistent/token\": No such file or "
                 "directory (expected the path of a readable file)");
}

static void test_config_defaults_timeout_longer_than_interval(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "o.yaml",
                               "defaults:\n"
                               "  interval: 5s\n"
                               "  timeout: 10s\n"
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: h}\n"
                               "      - {id: b, check: fake, host: h, interval: 1m}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "o.yaml:3:12: error: defaults: timeout 10s is longer than the interval "
                          "5s (expected at most the interval)");
}

static void test_config_retry_and_flapping(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "a.yaml",
                               "defaults:\n"
                               "  flap_start: 40%\n"
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: h}\n"
                               "      - {id: b, check: fake, host: h, interval: 3s}\n"
                               "      - {id: c, check: fake, host: h, retry_interval: 5s, "
                               "flap_stop: 10%}\n"
                               "      - {id: d, check: fake, host: h, interval: 10s, "
                               "retry_interval: 1m, flap_start: 0%}\n");
    assert_non_null(c);
    assert_int_equal(c->targets[0].retry_interval_ms, 12000); /* a fifth of 60s */
    assert_int_equal(c->targets[1].retry_interval_ms, 1000);  /* at least 1s */
    assert_int_equal(c->targets[2].retry_interval_ms, 5000);
    assert_int_equal(c->targets[3].retry_interval_ms, 10000); /* never past the next check */
    assert_float_equal(c->targets[0].flap_start, 0.4, 1e-9);
    assert_float_equal(c->targets[0].flap_stop, 0.25, 1e-9);
    assert_float_equal(c->targets[2].flap_stop, 0.1, 1e-9);
    assert_float_equal(c->targets[3].flap_start, 0, 1e-9);

    c = load(f, "b.yaml",
             "defaults:\n"
             "  flap_stop: 60%\n"
             "councils:\n"
             "  - id: c\n"
             "    targets:\n"
             "      - {id: a, check: fake, host: h, retry_interval: 500ms}\n"
             "      - {id: b, check: fake, host: h, flap_start: 70%}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "b.yaml:2:14: error: defaults: flap_stop 60% is not below flap_start 50% "
                 "(expected a lower percentage, such as 25%)",
                 "b.yaml:6:55: error: target c/a: retry_interval 500ms is shorter than 1s "
                 "(expected 1s or more)");
}

static void test_config_notify_unknown(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "n.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: h, notify: [ops, opps]}\n"
                               "notifiers:\n"
                               "  - {id: ops, type: hook, url: x}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "n.yaml:4:53: error: notifier \"opps\" is not defined (expected the id "
                          "of an entry under notifiers:)");
}

static void test_config_references(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "r.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: h, depends_on: nowhere}\n"
                               "      - {id: b, check: fake, host: h, parity_with: d/x}\n"
                               "      - {id: s, check: fake, host: h, depends_on: s}\n"
                               "      - {id: p, check: fake, host: h, parity_with: c/p}\n"
                               "  - id: d\n"
                               "    targets:\n"
                               "      - {id: x, check: fake, host: h, depends_on: c/a}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "r.yaml:4:51: error: target c/a: depends_on names no target \"c/nowhere\" "
                 "(expected council/target, or a target of the same council)",
                 "r.yaml:6:51: error: target c/s: depends_on names the target itself (expected "
                 "another target)",
                 "r.yaml:7:52: error: target c/p: parity_with names the target itself (expected "
                 "another target)");
}

static void test_config_reference_to_broken_target(void **state)
{
    struct fixture *f = *state;
    /* `a` has its own error; `b` depending on it is not a second problem */
    struct gw_config *c = load(f, "r.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: h, port: -1}\n"
                               "      - {id: b, check: fake, host: h, depends_on: a}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "r.yaml:4:45: error: port -1 is out of range (expected 1 to 65535)");
}

static void test_config_dependency_cycle(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "y.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: h, depends_on: b}\n"
                               "      - {id: b, check: fake, host: h, depends_on: d/x}\n"
                               "      - {id: e, check: fake, host: h, depends_on: a}\n"
                               "  - id: d\n"
                               "    targets:\n"
                               "      - {id: x, check: fake, host: h, depends_on: c/a}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "y.yaml:4:51: error: target c/a: depends_on forms a cycle (c/a -> c/b -> d/x "
                 "-> c/a; expected a chain that ends)",
                 "y.yaml:5:51: error: target c/b: depends_on forms a cycle (c/b -> d/x -> c/a "
                 "-> c/b; expected a chain that ends)",
                 "y.yaml:9:51: error: target d/x: depends_on forms a cycle (d/x -> c/a -> c/b "
                 "-> d/x; expected a chain that ends)");
}

static void test_config_daemon_section(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "d.yaml",
                               "daemon:\n"
                               "  log_level: verbose\n"
                               "  rrdcached: localhost\n"
                               "  data_dir: \"\"\n"
                               "  lisen: x\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "d.yaml:2:14: error: bad log level \"verbose\" (expected debug, info, notice, "
                 "warning or error)",
                 "d.yaml:3:14: error: bad rrdcached address \"localhost\" (expected \"\", "
                 "unix:PATH or host:port)",
                 "d.yaml:4:14: error: empty data_dir (expected a directory)",
                 "d.yaml:5:3: error: unknown key \"lisen\" (did you mean \"listen\"?)");
}

static void test_config_notifier_common_keys(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c =
        load(f, "n.yaml",
             "daemon: {notify: [ops], events_max_size: 1MiB, events_keep: 30d}\n"
             "notifiers:\n"
             "  - {id: ops, type: hook, url: a}\n"
             "  - {id: page, type: hook, url: b, language: both, group_wait: 5s,\n"
             "     group_by: council, re_notify: 4h, send_recovery: false,\n"
             "     min_state: down, timeout: 10s}\n"
             "councils:\n"
             "  - {id: c, targets: [{id: a, check: fake, host: h}]}\n");
    EXPECT_NO_DIAGS(f->diag);
    assert_non_null(c);
    const struct gw_notifier_conf *ops = &c->notifiers[0], *page = &c->notifiers[1];
    assert_int_equal(ops->language, GW_NOTIFY_EN);
    assert_int_equal(ops->group_wait_ms, 30000);
    assert_false(ops->group_by_council);
    assert_int_equal(ops->re_notify_ms, 0);
    assert_true(ops->send_recovery);
    assert_int_equal(ops->min_state, GW_STATUS_DEGRADED);
    assert_int_equal(ops->timeout_ms, 30000);
    assert_string_equal(ops->plugin_conf, "a"); /* the plugin still sees its own keys */
    assert_int_equal(page->language, GW_NOTIFY_BOTH);
    assert_int_equal(page->group_wait_ms, 5000);
    assert_true(page->group_by_council);
    assert_int_equal(page->re_notify_ms, 4 * 3600000);
    assert_false(page->send_recovery);
    assert_int_equal(page->min_state, GW_STATUS_DOWN);
    assert_int_equal(page->timeout_ms, 10000);
    assert_int_equal(c->daemon.n_notify, 1);
    assert_string_equal(c->daemon.notify[0], "ops");
    assert_int_equal(c->daemon.events_max_size, 1 << 20);
    assert_int_equal(c->daemon.events_keep_ms, 30ull * 86400000);
    assert_int_equal(c->daemon.lateness_limit_ms, 1000);

    c = load(f, "e.yaml",
             "daemon: {notify: [opps], events_keep: 1h, lateness_limit: 0s}\n"
             "notifiers:\n"
             "  - {id: ops, type: hook, url: a, language: fr, group_by: target,\n"
             "     min_state: unknown, re_notify: 1s, timeout: 0s}\n");
    assert_null(c);
    EXPECT_DIAGS(
        f->diag,
        "e.yaml:1:19: error: daemon: notifier \"opps\" is not defined (expected the id "
        "of an entry under notifiers:)",
        "e.yaml:1:39: error: events_keep shorter than a day (expected a duration like "
        "400d)",
        "e.yaml:1:59: error: lateness_limit is zero (expected a duration like 1s)",
        "e.yaml:3:45: error: notifier ops: unknown language \"fr\" (expected en, cy or "
        "both)",
        "e.yaml:3:59: error: notifier ops: unknown group_by \"target\" (expected council "
        "or none)",
        "e.yaml:4:17: error: notifier ops: unknown min_state \"unknown\" (expected "
        "degraded or down)",
        "e.yaml:4:37: error: notifier ops: re_notify shorter than 10s (expected 0 to turn "
        "it off, or a duration like 4h)",
        "e.yaml:4:50: error: notifier ops: timeout is zero (expected a duration like 30s)");
}

static void test_config_web_url(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "w.yaml",
                               "councils:\n"
                               "  - {id: c, targets: [{id: a, check: fake, host: h}]}\n");
    EXPECT_NO_DIAGS(f->diag);
    assert_string_equal(c->daemon.web_url, ""); /* none: notifications link nowhere */
    c = load(f, "w.yaml",
             "daemon: {web_url: \"https://status.example.gov.wales/gwyliwr//\"}\n"
             "councils:\n"
             "  - {id: c, targets: [{id: a, check: fake, host: h}]}\n");
    EXPECT_NO_DIAGS(f->diag);
    assert_string_equal(c->daemon.web_url, "https://status.example.gov.wales/gwyliwr");
    static const char *const bad[] = {"ftp://status.example", "https://", "http:///x",
                                      "https://status example", "https://s.example/?page=1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *text = gw_xasprintf("daemon: {web_url: \"%s\"}\n"
                                  "councils:\n"
                                  "  - {id: c, targets: [{id: a, check: fake, host: h}]}\n",
                                  bad[i]);
        char *want = gw_xasprintf("w.yaml:1:20: error: bad web_url \"%s\" (expected http:// or "
                                  "https:// and a host, with no spaces, query or fragment)",
                                  bad[i]);
        assert_null(load(f, "w.yaml", text));
        EXPECT_DIAGS(f->diag, want);
        free(text);
        free(want);
    }
}

static void test_config_relative_data_dir(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "/etc/gw/main.yaml",
                               "daemon: {data_dir: data}\n"
                               "councils:\n"
                               "  - {id: c, targets: [{id: a, check: fake, host: h}]}\n");
    EXPECT_NO_DIAGS(f->diag);
    assert_string_equal(c->daemon.data_dir, "/etc/gw/data");
}

static void test_config_maintenance_errors(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "m.yaml",
                               "maintenance:\n"
                               "  - targets: [c/*]\n"
                               "    from: 2026-12-01 24:00\n"
                               "    to: 2026-12-01T21:00:00Z\n"
                               "  - targets: [c/*]\n"
                               "    from: 2026-12-01T22:00:00Z\n"
                               "    to: 2026-12-01T21:00:00Z\n"
                               "  - targets: [website]\n"
                               "    weekly: {day: someday, from: \"25:00\", to: \"03:00\"}\n"
                               "  - targets: [\"*/*\"]\n"
                               "    from: 2026-12-01T22:00:00Z\n"
                               "  - targets: [\"*/*\"]\n"
                               "    from: 2026-12-01T22:00:00Z\n"
                               "    to: 2026-12-01T23:00:00Z\n"
                               "    weekly: {day: mon, from: \"02:00\", to: \"03:00\"}\n");
    assert_null(c);
    EXPECT_DIAGS(
        f->diag,
        "m.yaml:3:11: error: maintenance: bad time \"2026-12-01 24:00\" (expected RFC 3339 like "
        "2026-12-01T22:00:00Z, or Europe/London local time like 2026-12-01 22:00)",
        "m.yaml:7:9: error: maintenance: the window ends before it starts (expected to after "
        "from)",
        "m.yaml:8:15: error: maintenance: bad target pattern \"website\" (expected "
        "council/target, where * matches any part)",
        "m.yaml:9:19: error: maintenance: bad day \"someday\" (expected mon, tue, wed, thu, fri, "
        "sat or sun)",
        "m.yaml:9:35: error: maintenance: bad time of day \"25:00\" (expected HH:MM)",
        "m.yaml:10:5: error: maintenance: missing to (expected from and to, or weekly)",
        "m.yaml:12:5: error: maintenance: give either from/to or weekly, not both");
}

/* A time without a zone is Europe/London's; in October's repeated hour the
 * window runs from the first pass of its start to the last of its end. */
static void test_config_maintenance_local_times(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "m.yaml",
                               "maintenance:\n"
                               "  - targets: [c/*]\n"
                               "    from: 2026-10-25 01:30\n"
                               "    to: 2026-10-25T01:45\n"
                               "  - targets: [c/*]\n"
                               "    from: 2026-07-01 09:00\n"
                               "    to: 2026-07-01 10:00:30\n");
    assert_non_null(c);
    assert_int_equal(c->n_maintenance, 2);
    assert_int_equal(c->maintenance[0].from_s, 1792888200); /* 2026-10-25T00:30:00Z */
    assert_int_equal(c->maintenance[0].to_s, 1792892700);   /* 2026-10-25T01:45:00Z */
    assert_int_equal(c->maintenance[1].from_s, 1782892800); /* 2026-07-01T08:00:00Z */
    assert_int_equal(c->maintenance[1].to_s, 1782896430);   /* 2026-07-01T09:00:30Z */
}

/* ---- documents ------------------------------------------------------------------------- */

static void test_config_second_document(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "two.yaml", "councils: []\n---\ncouncils: []\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "two.yaml:2:1: error: a second YAML document in one file (expected "
                          "one; use include: for more files)");
}

static void test_config_syntax_error(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "bad.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets: [\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "bad.yaml:4:1: error: YAML syntax error: flow sequence without a closing "
                          "bracket");
}

static void test_config_json_input(void **state)
{
    struct fixture *f = *state;
    struct gw_config *c = load(f, "conf.json",
                               "{\n"
                               "  \"defaults\": {\"interval\": \"20s\"},\n"
                               "  \"councils\": [\n"
                               "    {\"id\": \"c\", \"targets\": [\n"
                               "      {\"id\": \"a\", \"check\": \"fake\", \"host\": \"h\", "
                               "\"port\": 8080}\n"
                               "    ]}\n"
                               "  ]\n"
                               "}\n");
    EXPECT_NO_DIAGS(f->diag);
    assert_non_null(c);
    assert_int_equal(c->n_targets, 1);
    assert_int_equal(c->targets[0].interval_ms, 20000);
    assert_int_equal(((const struct fake_conf *)c->targets[0].plugin_conf)->port, 8080);

    c = load(f, "conf.json",
             "{\n  \"councils\": [\n    {\"id\": \"c\", \"nmae\": \"C\"}\n  ]\n}\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "conf.json:3:18: error: council c: unknown key \"nmae\" (did you mean "
                          "\"name\"?)");
}

static void test_config_env_reference(void **state)
{
    struct fixture *f = *state;
    setenv("GW_TEST_CFG_HOST", "env.example", 1);
    unsetenv("GW_TEST_CFG_UNSET");
    struct gw_config *c = load(f, "e.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - id: a\n"
                               "        check: fake\n"
                               "        host: ${GW_TEST_CFG_HOST}\n"
                               "        port: ${GW_TEST_CFG_UNSET:-8443}\n");
    EXPECT_NO_DIAGS(f->diag);
    assert_string_equal(c->targets[0].host, "env.example");
    assert_int_equal(((const struct fake_conf *)c->targets[0].plugin_conf)->port, 8443);
}

static void test_config_env_missing(void **state)
{
    struct fixture *f = *state;
    unsetenv("GW_TEST_CFG_UNSET");
    struct gw_config *c = load(f, "e.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - id: a\n"
                               "        check: fake\n"
                               "        host: \"${GW_TEST_CFG_UNSET}.example\"\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag, "e.yaml:6:16: error: environment variable GW_TEST_CFG_UNSET is not set "
                          "(expected it set, or ${GW_TEST_CFG_UNSET:-default} for a fallback)");
}

static void test_config_errors_sorted_by_position(void **state)
{
    struct fixture *f = *state;
    /* reported in the order the builder meets them (notifiers before
     * councils, references last), printed in the order of the file */
    struct gw_config *c = load(f, "o.yaml",
                               "councils:\n"
                               "  - id: c\n"
                               "    targets:\n"
                               "      - {id: a, check: fake, host: h, depends_on: zz}\n"
                               "      - {id: b, check: fake, hots: h}\n"
                               "notifiers:\n"
                               "  - {id: n, type: hook, ur: x}\n"
                               "bogus: 1\n");
    assert_null(c);
    EXPECT_DIAGS(f->diag,
                 "o.yaml:4:51: error: target c/a: depends_on names no target \"c/zz\" "
                 "(expected council/target, or a target of the same council)",
                 "o.yaml:5:9: error: target c/b: missing required key \"host\" (expected a "
                 "string: the host to connect to)",
                 "o.yaml:5:30: error: target c/b: unknown key \"hots\" (did you mean \"host\"?)",
                 "o.yaml:7:5: error: notifier n: missing required key \"url\" (expected a "
                 "string: where to post)",
                 "o.yaml:7:25: error: notifier n: unknown key \"ur\" (did you mean \"url\"?)",
                 "o.yaml:8:1: error: unknown key \"bogus\" (expected one of: daemon, defaults, "
                 "councils, notifiers, maintenance, include)");
}

/* ---- files: includes and secrets ------------------------------------------------------ */

static void test_config_include_merges(void **state)
{
    struct fixture *f = *state;
    char *main_path = write_file(f, "main.yaml",
                                 "councils:\n"
                                 "  - id: cardiff\n"
                                 "    name: Cardiff\n"
                                 "    targets:\n"
                                 "      - {id: web, check: fake, host: a}\n"
                                 "  - id: newport\n"
                                 "    targets:\n"
                                 "      - {id: web, check: fake, host: n}\n"
                                 "notifiers:\n"
                                 "  - {id: ops, type: hook, url: u}\n"
                                 "include: [conf.d/*.yaml]\n",
                                 0644);
    free(write_file(f, "conf.d/10-cardiff.yaml",
                    "councils:\n"
                    "  - id: cardiff\n"
                    "    targets:\n"
                    "      - {id: api, check: fake, host: b, notify: [pager]}\n",
                    0644));
    free(write_file(f, "conf.d/20-swansea.yaml",
                    "councils:\n"
                    "  - id: swansea\n"
                    "    name: Swansea\n"
                    "    targets:\n"
                    "      - {id: web, check: fake, host: c}\n"
                    "notifiers:\n"
                    "  - {id: pager, type: hook, url: v}\n",
                    0644));
    free(write_file(f, "conf.d/README", "not yaml: [\n", 0644));
    struct gw_config *c = load_file(f, main_path);
    free(main_path);
    EXPECT_NO_DIAGS(f->diag);
    assert_non_null(c);
    assert_int_equal(c->n_councils, 3);
    assert_string_equal(c->councils[0].id, "cardiff");
    assert_string_equal(c->councils[0].name, "Cardiff");
    assert_int_equal(c->councils[0].n_targets, 2);
    /* the council's targets are contiguous, the include's after the main file's */
    assert_string_equal(c->targets[0].id, "cardiff/web");
    assert_string_equal(c->targets[1].id, "cardiff/api");
    assert_string_equal(c->targets[1].notify[0], "pager");
    assert_string_equal(c->councils[1].id, "newport");
    assert_string_equal(c->targets[2].id, "newport/web");
    assert_string_equal(c->councils[2].id, "swansea");
    assert_string_equal(c->councils[2].name, "Swansea");
    assert_string_equal(c->targets[3].id, "swansea/web");
    assert_int_equal(c->n_notifiers, 2);
    assert_string_equal(c->notifiers[1].id, "pager");
}

static void test_config_include_errors_name_the_included_file(void **state)
{
    struct fixture *f = *state;
    char *main_path = write_file(f, "main.yaml",
                                 "councils:\n"
                                 "  - id: cardiff\n"
                                 "    name: Cardiff\n"
                                 "include: [conf.d/*.yaml]\n",
                                 0644);
    free(write_file(f, "conf.d/a.yaml",
                    "defaults: {interval: 5s}\n"
                    "councils:\n"
                    "  - id: cardiff\n"
                    "    name: Caerdydd\n"
                    "    targets:\n"
                    "      - {id: x, check: fake, hots: h}\n",
                    0644));
    struct gw_config *c = load_file(f, main_path);
    free(main_path);
    assert_null(c);
    /* the rejected entry's targets are checked all the same */
    char *want[4] = {
        in_dir(f, "@/conf.d/a.yaml:1:1: error: \"defaults\" is only allowed in the main file "
                  "(expected councils, notifiers or maintenance in an included file)"),
        in_dir(f, "@/conf.d/a.yaml:3:9: error: duplicate council id \"cardiff\" (first defined "
                  "at @/main.yaml:2:9; to add targets elsewhere give only id and targets)"),
        in_dir(f, "@/conf.d/a.yaml:6:9: error: target cardiff/x: missing required key \"host\" "
                  "(expected a string: the host to connect to)"),
        in_dir(f, "@/conf.d/a.yaml:6:30: error: target cardiff/x: unknown key \"hots\" (did you "
                  "mean \"host\"?)"),
    };
    expect_diags(f->diag, (const char *const *)want, 4);
    for (int i = 0; i < 4; i++)
        free(want[i]);
}

static void test_config_include_matches_nothing(void **state)
{
    struct fixture *f = *state;
    char *main_path = write_file(f, "main.yaml",
                                 "councils: []\n"
                                 "include:\n"
                                 "  - conf.d/*.yaml\n"
                                 "  - /nonexistent/gwyliwr/extra.yaml\n",
                                 0644);
    struct gw_config *c = load_file(f, main_path);
    assert_null(c);
    char *want[2] = {
        in_dir(f, "@/main.yaml:3:5: error: include \"conf.d/*.yaml\" matches no file (expected "
                  "a path or glob of YAML files, relative to @)"),
        in_dir(f, "@/main.yaml:4:5: error: include \"/nonexistent/gwyliwr/extra.yaml\" matches "
                  "no file (expected a path or glob of YAML files)"),
    };
    expect_diags(f->diag, (const char *const *)want, 2);
    free(want[0]);
    free(want[1]);
    free(main_path);
}

static void test_config_include_skips_main_file(void **state)
{
    struct fixture *f = *state;
    /* "*.yaml" beside the main file matches the main file too: it is not
     * read twice, and a file matched by two patterns is read once */
    char *main_path = write_file(f, "main.yaml",
                                 "daemon: {listen: \"\"}\n"
                                 "include: [\"*.yaml\", \"more.yaml\"]\n",
                                 0644);
    free(write_file(f, "more.yaml",
                    "councils:\n"
                    "  - {id: c, targets: [{id: a, check: fake, host: h}]}\n",
                    0644));
    struct gw_config *c = load_file(f, main_path);
    free(main_path);
    EXPECT_NO_DIAGS(f->diag);
    assert_non_null(c);
    assert_int_equal(c->n_targets, 1);
}

static void test_config_secret_file(void **state)
{
    struct fixture *f = *state;
    free(write_file(f, "token", "s3cret\n\n", 0600));
    char *main_path = write_file(f, "main.yaml",
                                 "councils:\n"
                                 "  - id: c\n"
                                 "    targets:\n"
                                 "      - {id: a, check: fake, host: h, token_file: token}\n",
                                 0644);
    struct gw_config *c = load_file(f, main_path);
    free(main_path);
    EXPECT_NO_DIAGS(f->diag);
    assert_non_null(c);
    /* relative to the configuration file, trailing newlines removed */
    assert_string_equal(((const struct fake_conf *)c->targets[0].plugin_conf)->token, "s3cret");
}

static void test_config_secret_file_unreadable(void **state)
{
    struct fixture *f = *state;
    make_dir(f);
    char *doc = in_dir(f, "councils:\n"
                          "  - id: c\n"
                          "    targets:\n"
                          "      - id: a\n"
                          "        check: fake\n"
                          "        host: h\n"
                          "        token_file: @/missing\n"
                          "      - id: b\n"
                          "        check: fake\n"
                          "        host: h\n"
                          "        token_file: @\n");
    struct gw_config *c = load(f, "s.yaml", doc);
    free(doc);
    assert_null(c);
    char *want[2] = {
        in_dir(f, "s.yaml:7:21: error: cannot read \"@/missing\": No such file or directory "
                  "(expected the path of a readable file)"),
        in_dir(f, "s.yaml:11:21: error: \"@\" is not a regular file (expected the path of a "
                  "readable file)"),
    };
    expect_diags(f->diag, (const char *const *)want, 2);
    free(want[0]);
    free(want[1]);
}

/* Loads `doc` (freed here, as is `want`) as an unprivileged user, since root
 * reads any file: 0 when the one diagnostic is `want`, else 1. When root, a
 * child process drops privileges and loads. */
static int load_unprivileged(struct fixture *f, char *doc, char *want)
{
    pid_t pid = 0;
    if (geteuid() == 0) {
        pid = fork();
        assert_true(pid >= 0);
        if (pid > 0) {
            free(doc);
            free(want);
            int status = 0;
            assert_int_equal(waitpid(pid, &status, 0), pid);
            return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
        }
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
    }
    struct gw_config *c = load(f, "s.yaml", doc);
    char *got = f->diag->n == 1 ? gw_diag_format(f->diag, 0) : NULL;
    int rc = !c && got && strcmp(got, want) == 0 ? 0 : 1;
    if (rc)
        fprintf(stderr, "got %zu diagnostics: %s\nwant: %s\n", f->diag->n, got ? got : "", want);
    free(got);
    free(doc);
    free(want);
    if (pid == 0 && geteuid() != 0 && getpid() != f->pid) {
        /* the child: nothing of the fixture survives it */
        gw_config_unref(f->config);
        gw_diag_free(f->diag);
        gw_plugins_free(f->plugins);
        free(f);
        _exit(rc);
    }
    return rc;
}

static void test_config_secret_file_permission_denied(void **state)
{
    struct fixture *f = *state;
    free(write_file(f, "token", "x\n", 0000));
    assert_int_equal(chmod(f->dir, 0755), 0); /* the unprivileged user may look inside */
    char *doc = in_dir(f, "councils:\n"
                          "  - {id: c, targets: [{id: a, check: fake, host: h, token_file: "
                          "@/token}]}\n");
    char *want = in_dir(f, "s.yaml:2:65: error: cannot read \"@/token\": Permission denied "
                           "(expected the path of a readable file)");
    assert_int_equal(load_unprivileged(f, doc, want), 0);
}

static void test_config_secret_file_readable_by_others(void **state)
{
    struct fixture *f = *state;
    free(write_file(f, "open-token", "x\n", 0644));
    free(write_file(f, "group-token", "y\n", 0640));
    char *main_path = write_file(f, "main.yaml",
                                 "defaults:\n"
                                 "  token_file: open-token\n"
                                 "councils:\n"
                                 "  - id: c\n"
                                 "    targets:\n"
                                 "      - {id: a, check: fake, host: h}\n"
                                 "      - {id: b, check: fake, host: h}\n"
                                 "      - {id: d, check: fake, host: h, token_file: group-token}\n",
                                 0644);
    struct gw_config *c = load_file(f, main_path);
    free(main_path);
    /* a warning only, given once for the default that two targets inherit */
    assert_non_null(c);
    char *want = in_dir(f, "@/main.yaml:2:15: warning: secret file \"@/open-token\" is "
                           "readable by others (expected no access for others: chmod o-r "
                           "@/open-token)");
    expect_diags(f->diag, (const char *const *)&want, 1);
    free(want);
    assert_string_equal(((const struct fake_conf *)c->targets[0].plugin_conf)->token, "x");
    assert_string_equal(((const struct fake_conf *)c->targets[2].plugin_conf)->token, "y");
}

/* ---- fingerprints ----------------------------------------------------------------------- */

static const char fp_base[] = "defaults:\n"
                              "  interval: 60s\n"
                              "  timeout: 20s\n"
                              "councils:\n"
                              "  - id: c\n"
                              "    targets:\n"
                              "      - {id: a, check: fake, host: h, port: 25}\n"
                              "      - {id: b, check: fake, host: h, interval: 10s}\n";

/* Loads `doc` and returns the fingerprints of c/a and c/b. */
static void fingerprints(struct fixture *f, const char *doc, uint64_t out[2])
{
    struct gw_config *c = load(f, "f.yaml", doc);
    EXPECT_NO_DIAGS(f->diag);
    assert_non_null(c);
    out[0] = gw_config_find_target(c, "c/a")->fingerprint;
    out[1] = gw_config_find_target(c, "c/b")->fingerprint;
}

static void test_config_fingerprint(void **state)
{
    struct fixture *f = *state;
    uint64_t base[2], fp[2];
    fingerprints(f, fp_base, base);
    assert_int_not_equal(base[0], base[1]);

    /* the same settings written differently: comments, order, layout, units */
    fingerprints(f,
                 "# comment\n"
                 "defaults:\n"
                 "  timeout: 20s\n"
                 "  interval: 1m\n"
                 "councils:\n"
                 "  - id: c\n"
                 "    targets:\n"
                 "      - port: 25\n"
                 "        host: h\n"
                 "        check: fake\n"
                 "        id: a\n"
                 "      - {id: b, check: fake, host: h, interval: 10000ms}\n",
                 fp);
    assert_int_equal(fp[0], base[0]);
    assert_int_equal(fp[1], base[1]);

    /* a plugin setting of one target */
    fingerprints(f,
                 "defaults:\n"
                 "  interval: 60s\n"
                 "  timeout: 20s\n"
                 "councils:\n"
                 "  - id: c\n"
                 "    targets:\n"
                 "      - {id: a, check: fake, host: h, port: 26}\n"
                 "      - {id: b, check: fake, host: h, interval: 10s}\n",
                 fp);
    assert_int_not_equal(fp[0], base[0]);
    assert_int_equal(fp[1], base[1]);

    /* a default: only the target that inherits it; b's timeout was already
     * shortened to its 10s interval */
    fingerprints(f,
                 "defaults:\n"
                 "  interval: 60s\n"
                 "  timeout: 30s\n"
                 "councils:\n"
                 "  - id: c\n"
                 "    targets:\n"
                 "      - {id: a, check: fake, host: h, port: 25}\n"
                 "      - {id: b, check: fake, host: h, interval: 10s}\n",
                 fp);
    assert_int_not_equal(fp[0], base[0]);
    assert_int_equal(fp[1], base[1]);

    /* a default moved onto the target is the same setting */
    fingerprints(f,
                 "defaults:\n"
                 "  interval: 60s\n"
                 "councils:\n"
                 "  - id: c\n"
                 "    targets:\n"
                 "      - {id: a, check: fake, host: h, port: 25, timeout: 20s}\n"
                 "      - {id: b, check: fake, host: h, interval: 10s}\n",
                 fp);
    assert_int_equal(fp[0], base[0]);
    assert_int_equal(fp[1], base[1]);

    /* a nested value, and a common setting */
    fingerprints(f,
                 "defaults:\n"
                 "  interval: 60s\n"
                 "  timeout: 20s\n"
                 "councils:\n"
                 "  - id: c\n"
                 "    targets:\n"
                 "      - {id: a, check: fake, host: h, port: 25, expect: {max_latency: 1s}}\n"
                 "      - {id: b, check: fake, host: h, interval: 10s, failure_threshold: 5}\n",
                 fp);
    assert_int_not_equal(fp[0], base[0]);
    assert_int_not_equal(fp[1], base[1]);
}

static void test_config_fingerprint_follows_secret(void **state)
{
    struct fixture *f = *state;
    char *token = write_file(f, "token", "one\n", 0600);
    char *doc = in_dir(f, "councils:\n"
                          "  - {id: c, targets: [{id: a, check: fake, host: h, token_file: "
                          "@/token}]}\n");
    assert_non_null(load(f, "s.yaml", doc));
    uint64_t before = f->config->targets[0].fingerprint;
    assert_non_null(load(f, "s.yaml", doc));
    assert_int_equal(f->config->targets[0].fingerprint, before);
    /* a rotated secret is a changed target: a reload must configure it anew */
    free(write_file(f, "token", "two\n", 0600));
    assert_non_null(load(f, "s.yaml", doc));
    assert_int_not_equal(f->config->targets[0].fingerprint, before);
    free(doc);
    free(token);
}

/* ---- scale ----------------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_config_many_targets(void **state)
{
    struct fixture *f = *state;
    enum { COUNCILS = 100, PER = 100 };
    size_t cap = 256 + (size_t)COUNCILS * (32 + (size_t)PER * 80);
    char *doc = malloc(cap);
    size_t len = (size_t)snprintf(doc, cap,
                                  "defaults: {interval: 30s, notify: [ops]}\n"
                                  "notifiers: [{id: ops, type: hook, url: x}]\n"
                                  "councils:\n");
    for (int k = 0; k < COUNCILS; k++) {
        len += (size_t)snprintf(doc + len, cap - len, "  - id: c%d\n    targets:\n", k);
        for (int t = 0; t < PER; t++)
            len += (size_t)snprintf(doc + len, cap - len,
                                    "      - {id: t%d, check: fake, host: h%d.example, "
                                    "port: %d}\n",
                                    k * PER + t, t, 1 + t);
    }
    double start = now_s();
    struct gw_config *c = load(f, "big.yaml", doc);
    double took = now_s() - start;
    free(doc);
    EXPECT_NO_DIAGS(f->diag);
    assert_non_null(c);
    assert_int_equal(c->n_targets, COUNCILS * PER);
    assert_int_equal(c->n_councils, COUNCILS);
    const struct gw_target_conf *t = gw_config_find_target(c, "c42/t4217");
    assert_non_null(t);
    assert_int_equal(t->council, 42);
    assert_string_equal(t->host, "h17.example");
    assert_int_equal(((const struct fake_conf *)t->plugin_conf)->port, 18);
    assert_int_equal(t->interval_ms, 30000);
    assert_null(gw_config_find_target(c, "c42/t1"));
    /* generous for sanitizer and valgrind builds; a plain build takes a tenth */
    if (took > 20.0)
        fail_msg("loading 10,000 targets took %.2f s", took);
}

static void test_config_many_errors_sorted_fast(void **state)
{
    struct fixture *f = *state;
    enum { N = 20000 };
    size_t cap = 64 + (size_t)N * 64;
    char *doc = malloc(cap);
    size_t len = (size_t)snprintf(doc, cap, "councils:\n  - id: c\n    targets:\n");
    for (int t = 0; t < N; t++)
        len += (size_t)snprintf(doc + len, cap - len,
                                "      - {id: t%d, check: fake, host: h, port: 0}\n", t);
    double start = now_s();
    struct gw_config *c = load(f, "many.yaml", doc);
    double took = now_s() - start;
    free(doc);
    assert_null(c);
    assert_int_equal(f->diag->n, N);
    assert_int_equal(f->diag->errors, N);
    char *last = gw_diag_format(f->diag, N - 1);
    char want[128];
    snprintf(want, sizeof(want),
             "many.yaml:%d:50: error: port 0 is out of range (expected 1 to 65535)", N + 3);
    assert_string_equal(last, want);
    free(last);
    if (took > 20.0)
        fail_msg("20,000 errors took %.2f s", took);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_config_valid_document),
        T(test_config_defaults_without_section),
        T(test_config_sla_inherited),
        T(test_config_empty_document),
        T(test_config_required_key_from_defaults),
        T(test_config_timeout_longer_than_interval),
        T(test_config_interval_too_short),
        T(test_config_timeout_zero),
        T(test_config_unknown_key_suggests),
        T(test_config_unknown_key_lists_expected),
        T(test_config_odd_keys_in_free_mapping),
        T(test_config_wrong_types),
        T(test_config_bad_duration),
        T(test_config_out_of_range),
        T(test_config_duplicate_council_id),
        T(test_config_duplicate_target_id),
        T(test_config_duplicate_target_id_of_broken_target),
        T(test_config_duplicate_notifier_id),
        T(test_config_duplicate_key),
        T(test_config_unknown_check_type),
        T(test_config_unknown_notifier_type),
        T(test_config_missing_required_keys),
        T(test_config_bad_ids),
        T(test_config_plugin_semantic_error),
        T(test_config_plugin_error_beside_unknown_key),
        T(test_config_plugin_refuses_silently),
        T(test_config_defaults_rejects_id_and_unknown),
        T(test_config_defaults_problem_reported_once),
        T(test_config_defaults_timeout_longer_than_interval),
        T(test_config_retry_and_flapping),
        T(test_config_notify_unknown),
        T(test_config_references),
        T(test_config_reference_to_broken_target),
        T(test_config_dependency_cycle),
        T(test_config_daemon_section),
        T(test_config_notifier_common_keys),
        T(test_config_web_url),
        T(test_config_relative_data_dir),
        T(test_config_maintenance_errors),
        T(test_config_maintenance_local_times),
        T(test_config_second_document),
        T(test_config_syntax_error),
        T(test_config_json_input),
        T(test_config_env_reference),
        T(test_config_env_missing),
        T(test_config_errors_sorted_by_position),
        T(test_config_include_merges),
        T(test_config_include_errors_name_the_included_file),
        T(test_config_include_matches_nothing),
        T(test_config_include_skips_main_file),
        T(test_config_secret_file),
        T(test_config_secret_file_unreadable),
        T(test_config_secret_file_permission_denied),
        T(test_config_secret_file_readable_by_others),
        T(test_config_fingerprint),
        T(test_config_fingerprint_follows_secret),
        T(test_config_many_targets),
        T(test_config_many_errors_sorted_fast),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
