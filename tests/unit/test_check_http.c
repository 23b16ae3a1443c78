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
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>
#include <valgrind/valgrind.h>

#include "check.h"
#include "config.h"
#include "diag.h"
#include "host.h"
#include "http_client.h"
#include "plugins.h"
#include "result.h"
#include "xalloc.h"

extern char **environ;

/* ---- a resolver of our own ------------------------------------------------------
 *
 * No test may query a name server, yet curl's resolver threads call
 * getaddrinfo(). This program defines it (an executable's symbols come
 * first): nowhere.invalid does not exist, sim.test is 127.0.0.1, and any
 * other name is passed on as a numeric host only.
 */

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);
typedef void (*freeaddrinfo_fn)(struct addrinfo *);

static char fake_tag[] = "gwyliwr-test";

struct fake_ai {
    struct addrinfo ai;
    struct sockaddr_in sin;
};

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    if (node && strcmp(node, "nowhere.invalid") == 0)
        return EAI_NONAME;
    if (node && strcmp(node, "sim.test") == 0) {
        if (hints && hints->ai_family == AF_INET6)
            return EAI_NODATA;
        struct fake_ai *f = calloc(1, sizeof(*f));
        if (!f || uv_ip4_addr("127.0.0.1", service ? atoi(service) : 0, &f->sin) != 0)
            abort();
        f->ai.ai_family = AF_INET;
        f->ai.ai_socktype = SOCK_STREAM;
        f->ai.ai_protocol = IPPROTO_TCP;
        f->ai.ai_addrlen = sizeof(f->sin);
        f->ai.ai_addr = (struct sockaddr *)&f->sin;
        f->ai.ai_canonname = fake_tag;
        *res = &f->ai;
        return 0;
    }
    struct addrinfo numeric = hints ? *hints : (struct addrinfo){.ai_family = AF_UNSPEC};
    numeric.ai_flags |= AI_NUMERICHOST;
    getaddrinfo_fn real;
    *(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
    return real(node, service, &numeric, res);
}

void freeaddrinfo(struct addrinfo *ai)
{
    if (ai && ai->ai_canonname == fake_tag) {
        free(ai);
        return;
    }
    freeaddrinfo_fn real;
    *(void **)&real = dlsym(RTLD_NEXT, "freeaddrinfo");
    real(ai);
}

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
    "  tls-valid: {type: https, cert: valid.crt, key: valid.key, routes: {/: {body: valid}}}\n"
    "  tls-expired: {type: https, cert: expired.crt, key: expired.key, routes: {/: {body: x}}}\n"
    "  tls-expiring: {type: https, cert: expiring.crt, key: expiring.key,\n"
    "                 routes: {/: {body: soon}}}\n"
    "  silent: {type: tcp, behaviour: silent}\n"
    "  closed: {type: tcp, behaviour: closed}\n"
    "  blackhole: {type: tcp, behaviour: blackhole}\n";

#define SIM_MAX_LISTENERS 16

static struct {
    pid_t pid;
    char *dir;
    char *ca; /* path of the CA certificate, mode 0600 */
    size_t n;
    char names[SIM_MAX_LISTENERS][32];
    int ports[SIM_MAX_LISTENERS];
} sim;

/*
 * Timing slack: valgrind makes everything several times slower, and with
 * the sanitizers the simulator (built the same way) answers late by up to
 * ~20 ms, which the client measures faithfully.
 */
static double slack(void)
{
#ifdef __SANITIZE_ADDRESS__
    return 5.0;
#else
    return RUNNING_ON_VALGRIND ? 10.0 : 1.0;
#endif
}

static int sim_port(const char *name)
{
    for (size_t i = 0; i < sim.n; i++)
        if (strcmp(sim.names[i], name) == 0)
            return sim.ports[i];
    fail_msg("no listener %s in the simulator", name);
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Writes a file of the test's directory, mode 0600 as secrets should be. Caller frees the path. */
static char *sim_file(const char *name, const char *text)
{
    char *path = gw_xasprintf("%s/%s", sim.dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        abort();
    close(fd);
    return path;
}

static int sim_start(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    const char *plugins = getenv("GW_PLUGIN_DIR");
    sim.dir = gw_xasprintf("%s/gw-check-http-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!plugins || !mkdtemp(sim.dir))
        return -1;
    char *scen = sim_file("scenario.yaml", scenario);
    char *certs = gw_xasprintf("%s/certs", sim.dir);
    char *log = gw_xasprintf("%s/sim.log", sim.dir);
    char *bin = gw_xasprintf("%s/../../../bin/gwyliwr-sim", plugins);

    int out[2];
    if (pipe(out) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char *argv[] = {bin, "-c", scen, "--cert-dir", certs, "--make-certs", NULL};
    int rc = posix_spawn(&sim.pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (rc != 0)
        return -1;
    char buf[4096] = "";
    size_t len = 0;
    uint64_t deadline = uv_hrtime() + (uint64_t)(30e9 * slack());
    while (!strstr(buf, "ready\n") && uv_hrtime() < deadline) {
        struct pollfd pfd = {.fd = out[0], .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        ssize_t n = read(out[0], buf + len, sizeof(buf) - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
    }
    close(out[0]);
    if (!strstr(buf, "ready\n")) {
        fprintf(stderr, "the simulator did not get ready (its log: %s)\n", log);
        return -1;
    }
    for (char *line = strtok(buf, "\n"); line && sim.n < SIM_MAX_LISTENERS;
         line = strtok(NULL, "\n")) {
        char name[32], kind[16];
        int port;
        if (sscanf(line, "%31s %15s 127.0.0.1:%d", name, kind, &port) == 3) {
            snprintf(sim.names[sim.n], sizeof(sim.names[0]), "%s", name);
            sim.ports[sim.n++] = port;
        }
    }
    sim.ca = gw_xasprintf("%s/ca.crt", certs);
    chmod(sim.ca, 0600);
    free(scen);
    free(certs);
    free(log);
    free(bin);
    return 0;
}

static int sim_stop(void **state)
{
    (void)state;
    if (sim.pid > 0) {
        kill(sim.pid, SIGTERM);
        int status;
        waitpid(sim.pid, &status, 0);
    }
    if (sim.dir)
        nftw(sim.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(sim.dir);
    free(sim.ca);
    return 0;
}

/* ---- fixture: loader, configuration, loop, client ---------------------------------------- */

struct fixture {
    uv_loop_t loop;
    struct gw_host host;
    struct gw_http_client *http;
    struct gw_plugins *plugins;
    struct gw_config *config;
    struct gw_diag *diag;
    bool loop_closed;
};

struct outcome {
    unsigned calls;
    struct gw_result result;
    uint64_t start_ns, end_ns;
};

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    assert_int_equal(uv_loop_init(&f->loop), 0);
    gw_host_init(&f->host, &f->loop);
    f->http = gw_http_client_new(&f->loop);
    gw_host_set_http(&f->host, f->http);
    f->plugins = gw_plugins_new();
    char *path = gw_xasprintf("%s/check_http.so", getenv("GW_PLUGIN_DIR"));
    char *err = NULL;
    if (gw_plugins_load_file(f->plugins, path, &err) < 0)
        fail_msg("%s", err);
    free(path);
    f->diag = gw_diag_new();
    *state = f;
    return 0;
}

static bool stuck;

static void watchdog_cb(uv_timer_t *timer)
{
    stuck = true;
    uv_stop(timer->loop);
}

/* Frees the client and runs the loop dry and closes it. */
static void finish_loop(struct fixture *f)
{
    gw_host_set_http(&f->host, NULL);
    gw_http_client_free(f->http);
    f->http = NULL;
    uv_timer_t watchdog;
    uv_timer_init(&f->loop, &watchdog);
    uv_timer_start(&watchdog, watchdog_cb, (uint64_t)(5000 * slack()), 0);
    uv_unref((uv_handle_t *)&watchdog);
    stuck = false;
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_false(stuck);
    uv_close((uv_handle_t *)&watchdog, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    f->loop_closed = true;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (!f->loop_closed)
        finish_loop(f);
    gw_config_unref(f->config);
    gw_diag_free(f->diag);
    gw_plugins_free(f->plugins);
    free(f);
    return 0;
}

static void dump_diag(const struct gw_diag *diag)
{
    for (size_t i = 0; i < diag->n; i++) {
        char *line = gw_diag_format(diag, i);
        print_message("%s\n", line);
        free(line);
    }
}

static struct gw_config *load_yaml(struct fixture *f, const char *yaml)
{
    gw_diag_free(f->diag);
    f->diag = gw_diag_new();
    return gw_config_load_string("test.yaml", yaml, f->plugins, &f->host, f->diag);
}

#define TARGET_HEAD                                                                                \
    "councils:\n"                                                                                  \
    "  - id: test\n"                                                                               \
    "    targets:\n"                                                                               \
    "      - id: t\n"                                                                              \
    "        check: http\n"

/* Loads test/t for `url` (a path of `listener` when it starts with '/') with extra lines. */
static const struct gw_target_conf *load_target(struct fixture *f, const char *scheme,
                                                const char *listener, const char *path,
                                                const char *extra)
{
    char *url = gw_xasprintf("%s://127.0.0.1:%d%s", scheme, sim_port(listener), path);
    char *yaml = gw_xasprintf(TARGET_HEAD "        url: \"%s\"\n%s", url, extra ? extra : "");
    gw_config_unref(f->config);
    f->config = load_yaml(f, yaml);
    free(yaml);
    free(url);
    if (!f->config) {
        dump_diag(f->diag);
        fail_msg("the configuration was refused");
    }
    assert_int_equal(f->config->n_targets, 1);
    return &f->config->targets[0];
}

static void done_cb(void *data, const struct gw_target_conf *conf, const struct gw_result *result)
{
    (void)conf;
    struct outcome *out = data;
    out->calls++;
    out->end_ns = uv_hrtime();
    out->result = *result;
}

static struct gw_check *start_check(struct fixture *f, struct outcome *out)
{
    struct gw_check *check = NULL;
    memset(out, 0, sizeof(*out));
    uv_update_time(&f->loop);
    out->start_ns = uv_hrtime();
    assert_int_equal(
        gw_check_start(&f->host, f->config, &f->config->targets[0], 0, done_cb, out, &check), 0);
    assert_int_equal(out->calls, 0);
    return check;
}

static void wait_result(struct fixture *f, struct outcome *out)
{
    uint64_t deadline = uv_hrtime() + (uint64_t)(20e9 * slack());
    while (out->calls == 0) {
        if (uv_hrtime() > deadline)
            fail_msg("no result within 20 s");
        uv_run(&f->loop, UV_RUN_ONCE);
    }
}

static void run_check(struct fixture *f, struct outcome *out)
{
    start_check(f, out);
    wait_result(f, out);
    assert_int_equal(out->calls, 1);
}

/* Loads and runs one check of test/t. */
static void check(struct fixture *f, const char *scheme, const char *listener, const char *path,
                  const char *extra, struct outcome *out)
{
    load_target(f, scheme, listener, path, extra);
    run_check(f, out);
}

static double elapsed_ms(const struct outcome *out)
{
    return (double)(out->end_ns - out->start_ns) / 1e6;
}

static double figure(const struct outcome *out, const char *name)
{
    return gw_result_figure(&out->result, name);
}

static const char *detail(const struct outcome *out, const char *key)
{
    for (size_t i = 0; i < out->result.n_details; i++)
        if (strcmp(out->result.details[i].key, key) == 0)
            return out->result.details[i].text;
    return NULL;
}

#define assert_verdict(out, st, why)                                                               \
    do {                                                                                           \
        if ((out)->result.status != (st) || strcmp((out)->result.reason, (why)) != 0)              \
            fail_msg("%s (%s): %s; expected %s (%s)", gw_status_word((out)->result.status),        \
                     (out)->result.reason, (out)->result.message, gw_status_word(st), (why));      \
    } while (0)

#define assert_message_has(out, s)                                                                 \
    do {                                                                                           \
        if (!strstr((out)->result.message, (s)))                                                   \
            fail_msg("message \"%s\" lacks \"%s\"", (out)->result.message, (s));                   \
    } while (0)

#define assert_detail_has(out, key, s)                                                             \
    do {                                                                                           \
        const char *d_ = detail((out), (key));                                                     \
        if (!d_ || !strstr(d_, (s)))                                                               \
            fail_msg("detail %s \"%s\" lacks \"%s\"", (key), d_ ? d_ : "(none)", (s));             \
    } while (0)

static char *web_where(void)
{
    return gw_xasprintf("127.0.0.1:%d", sim_port("web"));
}

/* ---- up -------------------------------------------------------------------------------- */

static void test_check_http_up_with_figures(void **state)
{
    struct fixture *f = *state;
    const struct gw_target_conf *t = load_target(f, "http", "web", "/", NULL);
    assert_string_equal(t->host, "127.0.0.1");
    const char *names[] = {"dns", "connect", "ttfb", "size", "http_version"};
    assert_int_equal(t->n_figures, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(t->figures[i].name, names[i]);
    struct outcome out;
    run_check(f, &out);

    assert_verdict(&out, GW_STATUS_UP, "");
    char *where = web_where();
    char *want = gw_xasprintf("HTTP 200 from %s in ", where);
    assert_message_has(&out, want);
    assert_true(figure(&out, "latency") > 0 && figure(&out, "latency") < 1 * slack());
    assert_true(figure(&out, "connect") > 0);
    assert_false(isnan(figure(&out, "dns")));
    assert_false(isnan(figure(&out, "ttfb")));
    assert_true(figure(&out, "size") == 33);
    assert_true(figure(&out, "http_version") == 1.1);
    assert_true(isnan(figure(&out, "cert_days")));
    assert_detail_has(&out, "address", where);
    assert_detail_has(&out, "http", "HTTP/1.1 200");
    assert_detail_has(&out, "body", "33 bytes");
    free(want);
    free(where);
}

static void test_check_http_delay_measured_within_ms(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    check(f, "http", "web", "/delay", NULL, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    double latency = figure(&out, "latency");
    if (latency < 0.199 || latency > 0.200 + 0.005 * slack())
        fail_msg("latency %.3f ms for a response delayed 200 ms", latency * 1e3);
}

/* ---- status ---------------------------------------------------------------------------- */

static void test_check_http_status(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    check(f, "http", "web", "/down", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS);
    char *where = web_where();
    char *want = gw_xasprintf("HTTP 503 from %s after ", where);
    assert_message_has(&out, want);
    assert_message_has(&out, "(expected 2xx)");
    assert_false(isnan(figure(&out, "latency")));
    assert_detail_has(&out, "expectation", "HTTP 503");

    check(f, "http", "web", "/down", "        expect: {status: [200, \"5xx\"]}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    check(f, "http", "web", "/down", "        expect: {status: 500-502}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS);
    assert_message_has(&out, "(expected 500-502)");
    free(want);
    free(where);
}

static void test_check_http_redirects(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    check(f, "http", "web", "/redir", NULL, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_detail_has(&out, "redirects", "1, to http://127.0.0.1:");

    /* Not following: the redirect is the answer, and 3xx is expected by default. */
    check(f, "http", "web", "/redir", "        follow_redirects: 0\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_message_has(&out, "HTTP 302 from");
    check(f, "http", "web", "/redir",
          "        follow_redirects: 0\n        expect: {status: 200}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS);

    check(f, "http", "web", "/loop", "        follow_redirects: 2\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TOO_MANY_REDIRECTS);
    assert_message_has(&out, "more than 2 redirects");
}

/* ---- body, JSON, headers ------------------------------------------------------------------ */

static void test_check_http_body_expectations(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    check(f, "http", "web", "/", "        expect: {body_contains: \"Gyngor Caerdydd\"}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    check(f, "http", "web", "/", "        expect: {body_contains: \"Cyngor Gwynedd\"}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BODY_MISMATCH);
    assert_message_has(&out, "does not contain \"Cyngor Gwynedd\" (it begins \"<h1>Croeso");

    check(f, "http", "web", "/", "        expect: {body_regex: \"Croeso i Gyngor [A-Z][a-z]+\"}\n",
          &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    check(f, "http", "web", "/", "        expect: {body_regex: \"^Croeso\"}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BODY_MISMATCH);
    assert_message_has(&out, "does not match /^Croeso/");
}

static void test_check_http_json_expectations(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    check(f, "http", "web", "/json",
          "        expect:\n"
          "          json: {status.indicator: none, status.ok: true, count: 3, ratio: 0.50,\n"
          "                 items.0.id: 7, note: null}\n",
          &out);
    assert_verdict(&out, GW_STATUS_UP, "");

    check(f, "http", "web", "/json", "        expect: {json: {status.indicator: major}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_JSON_MISMATCH);
    assert_message_has(&out, "json status.indicator is \"none\" in the body from");
    assert_message_has(&out, "(expected \"major\")");

    check(f, "http", "web", "/json", "        expect: {json: {count: 4, items.3.id: 7}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_JSON_MISMATCH);
    assert_message_has(&out, "json count is 3");
    /* Every failed expectation is listed, the first is the verdict. */
    size_t failed = 0;
    for (size_t i = 0; i < out.result.n_details; i++)
        failed += strcmp(out.result.details[i].key, "expectation") == 0;
    assert_int_equal(failed, 2);

    check(f, "http", "web", "/notjson", "        expect: {json: {count: 3}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_JSON_MISMATCH);
    assert_message_has(&out, "is not JSON (line 1");
}

static void test_check_http_header_expectations(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    check(f, "http", "web", "/", "        expect: {headers: {x-council: card}}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    check(f, "http", "web", "/", "        expect: {headers: {X-Council: powys}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_ASSERTION);
    assert_message_has(&out, "header X-Council from");
    assert_message_has(&out, "is \"cardiff\" (expected it to contain \"powys\")");
    check(f, "http", "web", "/", "        expect: {headers: {X-Missing: \"\"}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_ASSERTION);
    assert_message_has(&out, "has no X-Missing header");
}

static void test_check_http_huge_body(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    /* Nothing asked of the body: a large page is not a failure. */
    check(f, "http", "web", "/huge", "        max_body: 64KiB\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_true(figure(&out, "size") > 65536 && figure(&out, "size") < 2 * 65536);
    assert_detail_has(&out, "body", "reading stopped at max_body 64KiB");
    /* An expectation the first 64 KiB cannot decide. */
    check(f, "http", "web", "/huge",
          "        max_body: 64KiB\n        expect: {body_contains: x}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BODY_TOO_LARGE);
    assert_message_has(&out, "no \"x\" in the first 64KiB of the body");
    check(f, "http", "web", "/huge", "        expect: {json: {a: 1}}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BODY_TOO_LARGE);
    assert_true(elapsed_ms(&out) < 3000 * slack());
}

/* ---- timing and certificates -------------------------------------------------------------- */

static void test_check_http_too_slow_is_degraded(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    check(f, "http", "web", "/delay", "        expect: {max_latency: 100ms}\n", &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, GW_REASON_TOO_SLOW);
    assert_message_has(&out, "slower than max_latency 100 ms");
    assert_true(figure(&out, "latency") >= 0.199);
    check(f, "http", "web", "/delay", "        expect: {max_latency: 1s}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
}

static void test_check_http_certificates(void **state)
{
    struct fixture *f = *state;
    char *ca = gw_xasprintf("        ca_file: \"%s\"\n", sim.ca);
    const struct gw_target_conf *t = load_target(f, "https", "tls-valid", "/", ca);
    assert_int_equal(t->n_figures, 7);
    assert_string_equal(t->figures[2].name, "tls");
    assert_string_equal(t->figures[5].name, "cert_days");
    struct outcome out;
    run_check(f, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_true(figure(&out, "tls") > 0);
    double days = figure(&out, "cert_days");
    assert_true(days > 360 && days < 366);
    assert_detail_has(&out, "tls", "TLSv1.");
    assert_detail_has(&out, "certificate", "CN=localhost, issued by CN=gwyliwr-sim local CA");

    /* 3 days left, 14 asked for. */
    char *extra = gw_xasprintf("%s        expect: {cert_min_days: 14}\n", ca);
    check(f, "https", "tls-expiring", "/", extra, &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, GW_REASON_CERT_EXPIRING);
    days = figure(&out, "cert_days");
    assert_true(days > 2.9 && days < 3.1);
    assert_message_has(&out, "expires in 3.0 days");
    assert_message_has(&out, "(cert_min_days: 14)");

    check(f, "https", "tls-expired", "/", extra, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TLS_EXPIRED);
    assert_message_has(&out, "expired on ");
    assert_true(figure(&out, "cert_days") < 0);

    /* Unverified, an expired certificate still fails cert_min_days. */
    check(f, "https", "tls-expired", "/",
          "        tls_verify: false\n        expect: {cert_min_days: 1}\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TLS_EXPIRED);
    check(f, "https", "tls-expired", "/", "        tls_verify: false\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");

    check(f, "https", "tls-valid", "/", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TLS_VERIFY);
    free(extra);
    free(ca);
}

/* ---- no response -------------------------------------------------------------------------- */

static void test_check_http_timeout_at_configured_time(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    check(f, "http", "silent", "/", "        timeout: 300ms\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TIMEOUT);
    /* The client's limit ended it, just before the core's: the message
     * says what the request was waiting for. */
    assert_message_has(&out, "no response from 127.0.0.1:");
    assert_message_has(&out, "within 300 ms");
    double ms = elapsed_ms(&out);
    if (ms < 299 || ms > 300 + 50 * slack())
        fail_msg("timed out after %.1f ms, expected 300 ms", ms);
    assert_true(figure(&out, "connect") > 0);
    assert_true(isnan(figure(&out, "latency")));

    check(f, "http", "blackhole", "/", "        timeout: 300ms\n", &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_CONNECT_TIMEOUT);
    assert_true(isnan(figure(&out, "connect")));
}

static void test_check_http_connection_failures(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    check(f, "http", "closed", "/", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_CONNECT_REFUSED);
    char want[64];
    snprintf(want, sizeof(want), "connection refused by 127.0.0.1:%d", sim_port("closed"));
    assert_string_equal(out.result.message, want);

    check(f, "http", "web", "/reset", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_RESET);
    assert_message_has(&out, "connection reset by 127.0.0.1:");

    check(f, "http", "web", "/garbage", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BAD_RESPONSE);

    check(f, "https", "web", "/", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TLS_HANDSHAKE);
}

static void test_check_http_name_resolution(void **state)
{
    struct fixture *f = *state;
    gw_config_unref(f->config);
    f->config = load_yaml(f, TARGET_HEAD "        url: http://nowhere.invalid/\n");
    assert_non_null(f->config);
    assert_string_equal(f->config->targets[0].host, "nowhere.invalid");
    struct outcome out;
    run_check(f, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_DNS);
    assert_string_equal(out.result.message, "nowhere.invalid does not resolve");

    char *yaml = gw_xasprintf(TARGET_HEAD "        url: http://sim.test:%d/\n", sim_port("web"));
    gw_config_unref(f->config);
    f->config = load_yaml(f, yaml);
    free(yaml);
    run_check(f, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_true(figure(&out, "dns") > 0);
    assert_message_has(&out, "from sim.test:");
}

/* ---- authentication ------------------------------------------------------------------------- */

static void test_check_http_credentials_from_files(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    check(f, "http", "web", "/bearer", NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS);
    assert_message_has(&out, "HTTP 401");

    char *token = sim_file("token", "s3cret\n");
    char *extra = gw_xasprintf("        bearer_token_file: \"%s\"\n", token);
    check(f, "http", "web", "/bearer", extra, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    free(extra);

    char *basic = sim_file("basic", "user:pass\n");
    extra = gw_xasprintf("        basic_auth_file: \"%s\"\n", basic);
    check(f, "http", "web", "/basic", extra, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    free(extra);

    char *headers = sim_file("headers", "# secret headers\nAuthorization: Token abc\n\n");
    extra = gw_xasprintf("        headers_file: \"%s\"\n", headers);
    check(f, "http", "web", "/token", extra, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    free(extra);

    check(f, "http", "web", "/token", "        headers: {Authorization: Token abc}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    free(token);
    free(basic);
    free(headers);
}

/* ---- cancelling ----------------------------------------------------------------------------- */

struct cancel_later {
    uv_timer_t timer;
    struct gw_check *check;
};

static void cancel_later_cb(uv_timer_t *timer)
{
    struct cancel_later *c = timer->data;
    gw_check_cancel(c->check, false);
    uv_close((uv_handle_t *)timer, NULL);
}

static void test_check_http_cancel_in_flight(void **state)
{
    struct fixture *f = *state;
    load_target(f, "http", "silent", "/", NULL);
    struct outcome out;
    struct cancel_later later;
    later.check = start_check(f, &out);
    uv_timer_init(&f->loop, &later.timer);
    later.timer.data = &later;
    uv_timer_start(&later.timer, cancel_later_cb, 100, 0);
    wait_result(f, &out);
    assert_verdict(&out, GW_STATUS_UNKNOWN, GW_REASON_CANCELLED);
    struct gw_http_client_stats st;
    gw_http_client_stats(f->http, &st);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.sockets, 0);
    finish_loop(f);
    assert_int_equal(out.calls, 1);
}

/* ---- configuration ------------------------------------------------------------------------ */

static void expect_config_error(struct fixture *f, const char *yaml, const char *message)
{
    struct gw_config *config = load_yaml(f, yaml);
    if (config) {
        gw_config_unref(config);
        fail_msg("the configuration was accepted; expected \"%s\"", message);
    }
    if (!gw_diag_contains(f->diag, message)) {
        dump_diag(f->diag);
        fail_msg("no diagnostic \"%s\"", message);
    }
}

static void test_check_http_config_errors_have_positions(void **state)
{
    struct fixture *f = *state;
    expect_config_error(f, TARGET_HEAD "        url: ftp://example.org/\n",
                        "test.yaml:6:14: error: url \"ftp://example.org/\" has a scheme other "
                        "than http:// or https://");
    expect_config_error(f, TARGET_HEAD "        url: https://user:pw@example.org/\n",
                        "holds credentials (expected them in basic_auth_file)");
    expect_config_error(f, TARGET_HEAD "        url: http://example.org:99999/\n",
                        "has a bad port (expected 1 to 65535)");
    expect_config_error(f, TARGET_HEAD "        url: example.org\n", "has no scheme");
    expect_config_error(f, TARGET_HEAD "        check: http\n", "missing required key \"url\"");
    expect_config_error(f,
                        TARGET_HEAD "        url: http://example.org/\n"
                                    "        expect: {body_regex: \"a(b\"}\n",
                        "test.yaml:7:31: error: expect.body_regex: ");
    expect_config_error(f,
                        TARGET_HEAD "        url: http://example.org/\n"
                                    "        expect: {status: [200, 2x, 700]}\n",
                        "test.yaml:7:32: error: expect.status: bad status \"2x\"");
    expect_config_error(f,
                        TARGET_HEAD "        url: http://example.org/\n"
                                    "        expect: {status: [200, 2x, 700]}\n",
                        "test.yaml:7:36: error: expect.status: bad status \"700\"");
    expect_config_error(f,
                        TARGET_HEAD "        url: http://example.org/\n"
                                    "        expect: {json: {a..b: 1}}\n",
                        "expect.json: bad path \"a..b\"");
    expect_config_error(f,
                        TARGET_HEAD "        url: http://example.org/\n"
                                    "        expect: {json: {a: [1, 2]}}\n",
                        "expect.json: a: expected a single value");
    expect_config_error(f,
                        TARGET_HEAD "        url: http://example.org/\n"
                                    "        expect: {bodycontains: x}\n",
                        "unknown key \"bodycontains\" (did you mean \"body_contains\"?)");
    expect_config_error(f,
                        TARGET_HEAD "        url: http://example.org/\n"
                                    "        method: \"GET /\"\n",
                        "bad method \"GET /\"");
    expect_config_error(f, TARGET_HEAD "        url: http://example.org/\n        ip: 5\n",
                        "bad ip \"5\" (expected 4, 6 or any)");
    expect_config_error(f, TARGET_HEAD "        url: http://example.org/\n        max_body: 2GiB\n",
                        "max_body 2147483648 is out of range");
    expect_config_error(f,
                        TARGET_HEAD "        url: http://example.org/\n"
                                    "        headers: {\"Bad Name\": x}\n",
                        "headers: bad header name \"Bad Name\"");
    expect_config_error(f,
                        TARGET_HEAD "        url: http://example.org/\n"
                                    "        follow_redirects: 99\n",
                        "test.yaml:7:27: error: 99 is out of range (expected 0 to 50)");

    char *token = sim_file("t2", "tok\n");
    char *basic = sim_file("b2", "nocolon\n");
    char *hfile = sim_file("h2", "X-Ok: 1\nnot a header\n");
    char *notpem = sim_file("ca2", "hello\n");
    char *yaml = gw_xasprintf(TARGET_HEAD "        url: http://example.org/\n"
                                          "        bearer_token_file: \"%s\"\n"
                                          "        basic_auth_file: \"%s\"\n",
                              token, token);
    expect_config_error(f, yaml, "bearer_token_file and basic_auth_file are both given");
    free(yaml);
    yaml = gw_xasprintf(TARGET_HEAD "        url: http://example.org/\n"
                                    "        basic_auth_file: \"%s\"\n",
                        basic);
    expect_config_error(f, yaml, "basic_auth_file: expected one line \"user:password\"");
    free(yaml);
    yaml = gw_xasprintf(TARGET_HEAD "        url: http://example.org/\n"
                                    "        headers_file: \"%s\"\n",
                        hfile);
    expect_config_error(f, yaml,
                        "test.yaml:7:24: error: headers_file: line 2 is not a \"Name: value\" "
                        "header");
    free(yaml);
    yaml = gw_xasprintf(TARGET_HEAD "        url: http://example.org/\n"
                                    "        ca_file: \"%s\"\n",
                        notpem);
    expect_config_error(f, yaml, "ca_file holds no PEM certificate");
    free(yaml);
    free(token);
    free(basic);
    free(hfile);
    free(notpem);
}

static void test_check_http_config_accepts_a_full_target(void **state)
{
    struct fixture *f = *state;
    gw_config_unref(f->config);
    f->config = load_yaml(f, TARGET_HEAD "        url: \"https://[::1]:8443/api/health?x=1\"\n"
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
    if (!f->config) {
        dump_diag(f->diag);
        fail_msg("refused");
    }
    assert_int_equal(f->diag->errors, 0);
    assert_string_equal(f->config->targets[0].host, "::1");
    assert_int_equal(f->config->targets[0].n_figures, 7);
}

int main(void)
{
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
    return cmocka_run_group_tests(tests, sim_start, sim_stop);
}
