/*
 * The shared HTTP client on a real loop against the council simulator
 * (gwyliwr-sim, started once for the whole file): every way a request can
 * end, the phases it measures, the certificate it reports, the limits it
 * enforces, and what it leaves behind. Each test ends with the client freed,
 * the loop run to idle and closed: a handle the client forgot fails it.
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

#include <jansson.h>
#include <uv.h>
#include <valgrind/valgrind.h>

#include "http_client.h"
#include "xalloc.h"

extern char **environ;

/* ---- a resolver of our own ------------------------------------------------------
 *
 * Names must never reach a name server from a test, yet the client's
 * resolver is getaddrinfo() in curl's resolver threads. This program
 * defines getaddrinfo() and freeaddrinfo(), which come first in symbol
 * lookup, and answers its test names here; any other name is passed on as a
 * numeric host only.
 *
 *   nowhere.invalid   no such name
 *   sim.test          127.0.0.1
 *   slow.test         127.0.0.1 after 300 ms
 */

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);
typedef void (*freeaddrinfo_fn)(struct addrinfo *);

static atomic_int fake_lookups;
static char fake_tag[] = "gwyliwr-test";

struct fake_ai {
    struct addrinfo ai;
    struct sockaddr_in sin;
};

static int fake_loopback(const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
    if (hints && hints->ai_family == AF_INET6)
        return EAI_NODATA;
    struct fake_ai *f = calloc(1, sizeof(*f));
    if (!f)
        abort();
    if (uv_ip4_addr("127.0.0.1", service ? atoi(service) : 0, &f->sin) != 0)
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

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    if (node && (strcmp(node, "sim.test") == 0 || strcmp(node, "slow.test") == 0 ||
                 strcmp(node, "nowhere.invalid") == 0)) {
        atomic_fetch_add(&fake_lookups, 1);
        if (strcmp(node, "nowhere.invalid") == 0)
            return EAI_NONAME;
        if (strcmp(node, "slow.test") == 0)
            nanosleep(&(struct timespec){.tv_nsec = 300 * 1000 * 1000}, NULL);
        return fake_loopback(service, hints, res);
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
    "description: faults for the HTTP client's tests\n"
    "listeners:\n"
    "  control: {type: control}\n"
    "  web:\n"
    "    type: http\n"
    "    routes:\n"
    "      /: {body: \"Croeso / Welcome\", headers: {X-Council: cardiff}}\n"
    "      /down: {status: 503, body: \"down for maintenance\"}\n"
    "      /delay: {delay: 200ms, body: \"slow\"}\n"
    "      /huge: {size: 1GiB}\n"
    "      /loop: {redirect: /loop}\n"
    "      /redir: {redirect: /}\n"
    "      /reset: {reset: true}\n"
    "      /garbage: {garbage: true}\n"
    "      /trickle: {body: \"0123456789\", trickle: {bytes: 2, every: 100ms}}\n"
    "      /auth: {auth: \"Basic dXNlcjpwYXNz\", body: \"secret\"}\n"
    "  tls-valid: {type: https, cert: valid.crt, key: valid.key, routes: {/: {body: valid}}}\n"
    "  tls-expired: {type: https, cert: expired.crt, key: expired.key, routes: {/: {body: x}}}\n"
    "  tls-selfsigned: {type: https, cert: selfsigned.crt, key: selfsigned.key,\n"
    "                   routes: {/: {body: x}}}\n"
    "  tls-wronghost: {type: https, cert: wronghost.crt, key: wronghost.key,\n"
    "                  routes: {/: {body: x}}}\n"
    "  silent: {type: tcp, behaviour: silent}\n"
    "  closed: {type: tcp, behaviour: closed}\n"
    "  blackhole: {type: tcp, behaviour: blackhole}\n"
    "  ssh: {type: tcp, banner: \"SSH-2.0-OpenSSH_9.2\\r\\n\"}\n";

#define SIM_MAX_LISTENERS 16

static struct {
    pid_t pid;
    char *dir;
    char *ca_pem;
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

/* "http://127.0.0.1:PORT/path" of a listener. Caller frees. */
static char *sim_url(const char *scheme, const char *host, const char *listener, const char *path)
{
    return gw_xasprintf("%s://%s:%d%s", scheme, host, sim_port(listener), path);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = gw_xmalloc(65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The simulator's binary: bin/ beside lib/gwyliwr/plugins in the build tree. */
static char *sim_binary(void)
{
    const char *plugins = getenv("GW_PLUGIN_DIR");
    if (!plugins)
        return NULL;
    return gw_xasprintf("%s/../../../bin/gwyliwr-sim", plugins);
}

static int sim_start(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    sim.dir = gw_xasprintf("%s/gw-http-client-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(sim.dir))
        return -1;
    char *scen = gw_xasprintf("%s/scenario.yaml", sim.dir);
    char *certs = gw_xasprintf("%s/certs", sim.dir);
    char *log = gw_xasprintf("%s/sim.log", sim.dir);
    char *bin = sim_binary();
    FILE *f = fopen(scen, "w");
    if (!f || !bin)
        return -1;
    fputs(scenario, f);
    fclose(f);

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
    if (rc != 0) {
        fprintf(stderr, "cannot start %s: %s\n", bin, strerror(rc));
        return -1;
    }

    /* Read the listing up to "ready" (certificates are made first). */
    char buf[4096] = "";
    size_t len = 0;
    uint64_t deadline = uv_hrtime() + (uint64_t)(30e9 * slack());
    while (!strstr(buf, "ready\n")) {
        struct pollfd pfd = {.fd = out[0], .events = POLLIN};
        if (uv_hrtime() > deadline || poll(&pfd, 1, 100) < 0)
            break;
        if (!(pfd.revents & (POLLIN | POLLHUP)))
            continue;
        ssize_t n = read(out[0], buf + len, sizeof(buf) - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
    }
    close(out[0]);
    if (!strstr(buf, "ready\n")) {
        char *text = read_text(log);
        fprintf(stderr, "the simulator did not get ready:\n%s\n%s\n", buf, text ? text : "");
        free(text);
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
    char *ca = gw_xasprintf("%s/ca.crt", certs);
    sim.ca_pem = read_text(ca);
    free(ca);
    free(scen);
    free(certs);
    free(log);
    free(bin);
    return sim.ca_pem ? 0 : -1;
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
    free(sim.ca_pem);
    return 0;
}

/* ---- fixture: a loop and a client ----------------------------------------------------- */

struct fixture {
    uv_loop_t loop;
    struct gw_http_client *client;
};

/* What a response said, copied out of the callback. */
struct got {
    unsigned calls;
    uint64_t start_ns, end_ns;
    char reason[32];
    char error[512];
    long status;
    int http_version;
    char *body; /* copy, or NULL */
    size_t body_len;
    bool truncated;
    uint64_t bytes;
    char headers[2048]; /* lines joined by \n */
    double dns, connect, tls, first_byte, total;
    char remote_ip[64];
    int remote_port;
    int redirects;
    char final_url[256];
    char tls_version[16];
    char subject[128];
    char issuer[128];
    int64_t not_after;
};

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    assert_int_equal(uv_loop_init(&f->loop), 0);
    f->client = gw_http_client_new(&f->loop);
    *state = f;
    return 0;
}

static bool stuck;

static void watchdog_cb(uv_timer_t *timer)
{
    stuck = true;
    uv_stop(timer->loop);
}

/* Frees the client and runs the loop dry: whatever it left open fails here. */
static void finish(struct fixture *f)
{
    gw_http_client_free(f->client);
    f->client = NULL;
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
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->client)
        finish(f);
    free(f);
    return 0;
}

static void copy_str(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

static void got_cb(void *data, const struct gw_http_response *r)
{
    struct got *g = data;
    g->calls++;
    g->end_ns = uv_hrtime();
    copy_str(g->reason, sizeof(g->reason), r->reason);
    copy_str(g->error, sizeof(g->error), r->error);
    g->status = r->status;
    g->http_version = r->http_version;
    free(g->body);
    g->body = r->body ? gw_xstrndup(r->body, r->body_len) : NULL;
    g->body_len = r->body_len;
    g->truncated = r->body_truncated;
    g->bytes = r->bytes;
    g->headers[0] = '\0';
    for (size_t i = 0; i < r->n_headers; i++) {
        strncat(g->headers, r->headers[i], sizeof(g->headers) - strlen(g->headers) - 2);
        strcat(g->headers, "\n");
    }
    assert_null(r->headers ? r->headers[r->n_headers] : NULL);
    g->dns = r->dns_s;
    g->connect = r->connect_s;
    g->tls = r->tls_s;
    g->first_byte = r->first_byte_s;
    g->total = r->total_s;
    copy_str(g->remote_ip, sizeof(g->remote_ip), r->remote_ip);
    g->remote_port = r->remote_port;
    g->redirects = r->redirects;
    copy_str(g->final_url, sizeof(g->final_url), r->final_url);
    copy_str(g->tls_version, sizeof(g->tls_version), r->tls_version);
    copy_str(g->subject, sizeof(g->subject), r->cert_subject);
    copy_str(g->issuer, sizeof(g->issuer), r->cert_issuer);
    g->not_after = r->cert_not_after;
}

static void got_free(struct got *g)
{
    free(g->body);
    g->body = NULL;
}

static struct gw_http_request request_for(const char *url)
{
    return (struct gw_http_request){.size = sizeof(struct gw_http_request),
                                    .url = url,
                                    .timeout_ms = (uint64_t)(5000 * slack())};
}

static struct gw_http_call *start(struct fixture *f, const struct gw_http_request *req,
                                  struct got *g)
{
    memset(g, 0, sizeof(*g));
    struct gw_http_call *call = NULL;
    uv_update_time(&f->loop);
    g->start_ns = uv_hrtime();
    assert_int_equal(gw_http_client_start(f->client, req, got_cb, g, &call), 0);
    assert_non_null(call);
    assert_int_equal(g->calls, 0); /* never from inside start */
    return call;
}

static void wait_for(struct fixture *f, const unsigned *calls, unsigned want)
{
    uint64_t deadline = uv_hrtime() + (uint64_t)(20e9 * slack());
    while (*calls < want) {
        if (uv_hrtime() > deadline)
            fail_msg("no response within 20 s");
        uv_run(&f->loop, UV_RUN_ONCE);
    }
}

static void fetch(struct fixture *f, const struct gw_http_request *req, struct got *g)
{
    start(f, req, g);
    wait_for(f, &g->calls, 1);
    assert_int_equal(g->calls, 1);
}

static void fetch_url(struct fixture *f, const char *url, struct got *g)
{
    struct gw_http_request req = request_for(url);
    fetch(f, &req, g);
}

static double elapsed_ms(const struct got *g)
{
    return (double)(g->end_ns - g->start_ns) / 1e6;
}

static void timer_flag_cb(uv_timer_t *timer)
{
    *(bool *)timer->data = true;
}

static void run_for(struct fixture *f, uint64_t ms)
{
    uv_timer_t timer;
    bool fired = false;
    uv_timer_init(&f->loop, &timer);
    timer.data = &fired;
    uv_timer_start(&timer, timer_flag_cb, ms, 0);
    while (!fired)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&timer, NULL);
    uv_run(&f->loop, UV_RUN_NOWAIT);
}

#define assert_has(haystack, needle)                                                               \
    do {                                                                                           \
        if (!strstr((haystack), (needle)))                                                         \
            fail_msg("\"%s\" lacks \"%s\"", (haystack), (needle));                                 \
    } while (0)

#define assert_reason(g, r)                                                                        \
    do {                                                                                           \
        if (strcmp((g)->reason, (r)) != 0)                                                         \
            fail_msg("reason \"%s\" (%s), expected \"%s\"", (g)->reason, (g)->error, (r));         \
    } while (0)

/* The simulator's count of connections a listener accepted. */
static long sim_connections(struct fixture *f, const char *listener)
{
    char *url = sim_url("http", "127.0.0.1", "control", "/control/stats");
    struct got g;
    fetch_url(f, url, &g);
    free(url);
    assert_int_equal(g.status, 200);
    json_t *doc = json_loads(g.body, 0, NULL);
    assert_non_null(doc);
    json_t *n = json_object_get(json_object_get(json_object_get(doc, "listeners"), listener),
                                "connections");
    long count = (long)json_integer_value(n);
    json_decref(doc);
    got_free(&g);
    return count;
}

/* ---- responses -------------------------------------------------------------------------- */

static void test_http_client_get_measures_phases(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/");
    struct got g;
    fetch_url(f, url, &g);

    assert_reason(&g, "");
    assert_string_equal(g.error, "");
    assert_int_equal(g.status, 200);
    assert_int_equal(g.http_version, 11);
    assert_string_equal(g.body, "Croeso / Welcome");
    assert_int_equal(g.body_len, 16);
    assert_int_equal(g.bytes, 16);
    assert_false(g.truncated);
    assert_has(g.headers, "X-Council: cardiff\n");
    assert_string_equal(g.remote_ip, "127.0.0.1");
    assert_int_equal(g.remote_port, sim_port("web"));
    assert_string_equal(g.final_url, url);
    assert_int_equal(g.redirects, 0);
    /* Each phase is a duration, and together they make at most the whole. */
    assert_false(isnan(g.dns));
    assert_true(g.connect > 0);
    assert_true(isnan(g.tls));
    assert_true(g.first_byte >= 0);
    assert_true(g.total > 0 && g.total < 1.0 * slack());
    assert_true(g.dns + g.connect + g.first_byte <= g.total + 1e-6);
    assert_string_equal(g.tls_version, "");
    assert_int_equal(g.not_after, 0);
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_error_status_is_a_response(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/down");
    struct got g;
    fetch_url(f, url, &g);
    assert_reason(&g, "");
    assert_int_equal(g.status, 503);
    assert_string_equal(g.body, "down for maintenance");
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_delay_is_measured_to_the_ms(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/delay");
    struct got g;
    fetch_url(f, url, &g);
    assert_int_equal(g.status, 200);
    /* The simulator waits 200 ms before it answers. */
    if (g.total < 0.199 || g.total > 0.200 + 0.005 * slack())
        fail_msg("total %.3f ms for a response delayed 200 ms", g.total * 1e3);
    if (g.first_byte < 0.199 || g.first_byte > 0.200 + 0.005 * slack())
        fail_msg("first byte after %.3f ms for a response delayed 200 ms", g.first_byte * 1e3);
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_stops_reading_at_max_body(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/huge");
    struct gw_http_request req = request_for(url);
    req.max_body = 65536;
    struct got g;
    fetch(f, &req, &g);
    /* A 1 GiB body: 64 KiB kept, and reading stopped there. */
    assert_reason(&g, "");
    assert_int_equal(g.status, 200);
    assert_true(g.truncated);
    assert_int_equal(g.body_len, 65536);
    assert_true(g.bytes > 65536 && g.bytes < 65536 + 65536);
    assert_has(g.body, "gwyliwr-sim generated body");
    assert_true(elapsed_ms(&g) < 2000 * slack());
    got_free(&g);

    /* The default limit is 1 MiB. */
    req.max_body = 0;
    fetch(f, &req, &g);
    assert_true(g.truncated);
    assert_int_equal(g.body_len, GW_HTTP_DEFAULT_MAX_BODY);
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_discard_body_only_counts(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/huge");
    struct gw_http_request req = request_for(url);
    req.discard_body = true;
    req.max_body = 100000;
    struct got g;
    fetch(f, &req, &g);
    assert_reason(&g, "");
    assert_null(g.body);
    assert_true(g.truncated);
    assert_true(g.bytes > 100000);
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_head_and_post(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/");
    struct gw_http_request req = request_for(url);
    struct got g;
    req.method = "HEAD";
    fetch(f, &req, &g);
    assert_int_equal(g.status, 200);
    assert_int_equal(g.body_len, 0);
    assert_int_equal(g.bytes, 0);
    got_free(&g);

    req.method = "POST";
    req.body = "q=bins";
    req.body_len = 6;
    fetch(f, &req, &g);
    assert_reason(&g, "");
    assert_int_equal(g.status, 200);
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_authentication(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/auth");
    struct gw_http_request req = request_for(url);
    struct got g;
    fetch(f, &req, &g);
    assert_int_equal(g.status, 401);
    got_free(&g);

    req.username = "user";
    req.password = "pass";
    fetch(f, &req, &g);
    assert_int_equal(g.status, 200);
    assert_string_equal(g.body, "secret");
    got_free(&g);

    /* The same credentials as a header of the caller's. */
    const char *headers[] = {"Authorization: Basic dXNlcjpwYXNz", "X-Test: 1", NULL};
    req.username = req.password = NULL;
    req.headers = headers;
    fetch(f, &req, &g);
    assert_int_equal(g.status, 200);
    got_free(&g);
    free(url);
    finish(f);
}

/* ---- redirects --------------------------------------------------------------------------- */

static void test_http_client_follows_redirects(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/redir");
    char *home = sim_url("http", "127.0.0.1", "web", "/");
    struct gw_http_request req = request_for(url);
    req.max_redirects = 5;
    struct got g;
    fetch(f, &req, &g);
    assert_int_equal(g.status, 200);
    assert_int_equal(g.redirects, 1);
    assert_string_equal(g.final_url, home);
    assert_string_equal(g.body, "Croeso / Welcome");
    /* Only the last response's headers. */
    assert_has(g.headers, "X-Council: cardiff");
    assert_null(strstr(g.headers, "Location:"));
    /* Two fresh connections: connect is the sum of both. */
    assert_true(g.connect > 0);
    got_free(&g);

    req.max_redirects = 0;
    fetch(f, &req, &g);
    assert_reason(&g, "");
    assert_int_equal(g.status, 302);
    assert_int_equal(g.redirects, 0);
    assert_has(g.headers, "Location: /");
    got_free(&g);
    free(url);
    free(home);
    finish(f);
}

static void test_http_client_redirect_loop(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/loop");
    struct gw_http_request req = request_for(url);
    req.max_redirects = 3;
    struct got g;
    fetch(f, &req, &g);
    assert_reason(&g, GW_REASON_TOO_MANY_REDIRECTS);
    assert_has(g.error, "more than 3 redirects");
    assert_has(g.error, "/loop");
    assert_int_equal(g.status, 0);
    assert_null(g.body);
    got_free(&g);
    free(url);
    finish(f);
}

/* ---- failures ---------------------------------------------------------------------------- */

static void test_http_client_connection_refused(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "closed", "/");
    struct got g;
    fetch_url(f, url, &g);
    assert_reason(&g, GW_REASON_CONNECT_REFUSED);
    char want[64];
    snprintf(want, sizeof(want), "connection refused by 127.0.0.1:%d", sim_port("closed"));
    assert_string_equal(g.error, want);
    assert_true(isnan(g.connect));
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_connect_timeout_on_time(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "blackhole", "/");
    struct gw_http_request req = request_for(url);
    req.timeout_ms = 300;
    struct got g;
    fetch(f, &req, &g);
    assert_reason(&g, GW_REASON_CONNECT_TIMEOUT);
    assert_has(g.error, "timed out after 300 ms");
    double ms = elapsed_ms(&g);
    if (ms < 299 || ms > 300 + 50 * slack())
        fail_msg("ended after %.1f ms, expected 300 ms", ms);
    assert_true(isnan(g.connect));
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_silent_server_times_out_on_time(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "silent", "/");
    struct gw_http_request req = request_for(url);
    req.timeout_ms = 300;
    struct got g;
    fetch(f, &req, &g);
    assert_reason(&g, GW_REASON_TIMEOUT);
    char want[80];
    snprintf(want, sizeof(want), "no response from 127.0.0.1:%d within 300 ms", sim_port("silent"));
    assert_string_equal(g.error, want);
    double ms = elapsed_ms(&g);
    if (ms < 299 || ms > 300 + 50 * slack())
        fail_msg("ended after %.1f ms, expected 300 ms", ms);
    /* It connected, and that phase is measured. */
    assert_true(g.connect > 0);
    assert_true(isnan(g.first_byte));
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_body_still_arriving_at_timeout(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/trickle");
    struct gw_http_request req = request_for(url);
    req.timeout_ms = 250;
    struct got g;
    fetch(f, &req, &g);
    assert_reason(&g, GW_REASON_TIMEOUT);
    assert_has(g.error, "was still arriving after 250 ms");
    assert_true(g.first_byte >= 0);
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_reset(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/reset");
    struct got g;
    fetch_url(f, url, &g);
    assert_reason(&g, GW_REASON_RESET);
    char want[64];
    snprintf(want, sizeof(want), "connection reset by 127.0.0.1:%d", sim_port("web"));
    assert_has(g.error, want);
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_garbage_is_a_bad_response(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/garbage");
    struct got g;
    fetch_url(f, url, &g);
    assert_reason(&g, GW_REASON_BAD_RESPONSE);
    assert_has(g.error, "is not valid HTTP");
    got_free(&g);
    /* A server of another protocol altogether. */
    url = (free(url), sim_url("http", "127.0.0.1", "ssh", "/"));
    fetch_url(f, url, &g);
    assert_reason(&g, GW_REASON_BAD_RESPONSE);
    got_free(&g);
    free(url);
    finish(f);
}

/* ---- names ------------------------------------------------------------------------------- */

static void test_http_client_resolves_every_time(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "sim.test", "web", "/");
    int before = atomic_load(&fake_lookups);
    struct got g;
    fetch_url(f, url, &g);
    assert_int_equal(g.status, 200);
    assert_true(g.dns > 0);
    assert_string_equal(g.remote_ip, "127.0.0.1");
    got_free(&g);
    fetch_url(f, url, &g);
    got_free(&g);
    /* No DNS cache: the second request asked the resolver again. */
    assert_int_equal(atomic_load(&fake_lookups) - before, 2);
    free(url);
    finish(f);
}

static void test_http_client_name_that_does_not_resolve(void **state)
{
    struct fixture *f = *state;
    struct got g;
    fetch_url(f, "http://nowhere.invalid/", &g);
    assert_reason(&g, GW_REASON_DNS);
    assert_string_equal(g.error, "nowhere.invalid does not resolve");
    assert_true(isnan(g.connect));
    got_free(&g);
    finish(f);
}

static void test_http_client_resolution_timeout(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "slow.test", "web", "/");
    struct gw_http_request req = request_for(url);
    req.timeout_ms = 100;
    struct got g;
    fetch(f, &req, &g);
    assert_reason(&g, GW_REASON_DNS);
    assert_has(g.error, "did not resolve within 100 ms");
    double ms = elapsed_ms(&g);
    if (ms > 100 + 50 * slack())
        fail_msg("ended after %.1f ms, expected 100 ms", ms);
    got_free(&g);
    /* The lookup's late answer is dropped; its thread ends on its own. */
    run_for(f, 400);
    free(url);
    finish(f);
}

/* ---- TLS -------------------------------------------------------------------------------- */

static void test_http_client_tls_reports_certificate(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("https", "127.0.0.1", "tls-valid", "/");
    struct gw_http_request req = request_for(url);
    req.ca_pem = sim.ca_pem;
    struct got g;
    fetch(f, &req, &g);
    assert_reason(&g, "");
    assert_int_equal(g.status, 200);
    assert_string_equal(g.body, "valid");
    assert_true(g.tls > 0);
    assert_true(g.connect > 0);
    assert_true(strncmp(g.tls_version, "TLSv1.", 6) == 0);
    assert_has(g.subject, "CN=localhost");
    assert_has(g.issuer, "gwyliwr-sim local CA");
    double days = ((double)g.not_after - (double)time(NULL)) / 86400.0;
    if (days < 360 || days > 366)
        fail_msg("certificate valid for %.1f more days, expected a year", days);
    got_free(&g);

    /* The same through a name the certificate holds. */
    free(url);
    url = sim_url("https", "localhost", "tls-valid", "/");
    req.url = url;
    fetch(f, &req, &g);
    assert_int_equal(g.status, 200);
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_tls_untrusted_by_the_system(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("https", "127.0.0.1", "tls-valid", "/");
    struct got g;
    fetch_url(f, url, &g);
    /* The simulator's CA is not among the system's trust anchors. */
    assert_reason(&g, GW_REASON_TLS_VERIFY);
    assert_has(g.error, "is not trusted: unable to get local issuer certificate");
    /* The certificate is known all the same. */
    assert_has(g.subject, "CN=localhost");
    assert_true(g.not_after > 0);
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_tls_expired(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("https", "127.0.0.1", "tls-expired", "/");
    struct gw_http_request req = request_for(url);
    req.ca_pem = sim.ca_pem;
    struct got g;
    fetch(f, &req, &g);
    assert_reason(&g, GW_REASON_TLS_EXPIRED);
    assert_has(g.error, "expired on ");
    assert_has(g.error, "(1 day ago)");
    assert_true(g.not_after < time(NULL));
    got_free(&g);

    /* Without verification the exchange goes on, and the certificate is still reported. */
    req.insecure = true;
    fetch(f, &req, &g);
    assert_reason(&g, "");
    assert_int_equal(g.status, 200);
    assert_true(g.not_after > 0 && g.not_after < time(NULL));
    assert_has(g.subject, "CN=localhost");
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_tls_self_signed_and_wrong_host(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("https", "127.0.0.1", "tls-selfsigned", "/");
    struct gw_http_request req = request_for(url);
    req.ca_pem = sim.ca_pem;
    struct got g;
    fetch(f, &req, &g);
    assert_reason(&g, GW_REASON_TLS_VERIFY);
    assert_has(g.error, "self-signed certificate");
    got_free(&g);

    free(url);
    url = sim_url("https", "127.0.0.1", "tls-wronghost", "/");
    req.url = url;
    fetch(f, &req, &g);
    assert_reason(&g, GW_REASON_TLS_VERIFY);
    assert_has(g.error, "is not for that name (it is for CN=wrong.example.org");
    got_free(&g);
    free(url);
    finish(f);
}

static void test_http_client_tls_handshake_failures(void **state)
{
    struct fixture *f = *state;
    /* TLS to a plain HTTP server, and to a server of another protocol. */
    char *url = sim_url("https", "127.0.0.1", "web", "/");
    struct got g;
    fetch_url(f, url, &g);
    assert_reason(&g, GW_REASON_TLS_HANDSHAKE);
    assert_has(g.error, "TLS handshake with 127.0.0.1:");
    got_free(&g);
    free(url);
    url = sim_url("https", "127.0.0.1", "ssh", "/");
    fetch_url(f, url, &g);
    assert_reason(&g, GW_REASON_TLS_HANDSHAKE);
    got_free(&g);

    /* A server that accepts and never shakes hands. */
    free(url);
    url = sim_url("https", "127.0.0.1", "silent", "/");
    struct gw_http_request req = request_for(url);
    req.timeout_ms = 300;
    fetch(f, &req, &g);
    assert_reason(&g, GW_REASON_TIMEOUT);
    assert_has(g.error, "no TLS handshake from 127.0.0.1:");
    got_free(&g);
    free(url);
    finish(f);
}

/* ---- connections, pooling, cancelling ------------------------------------------------------ */

static void test_http_client_fresh_connection_unless_reuse(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/");
    struct gw_http_request req = request_for(url);
    struct got g;
    long before = sim_connections(f, "web");
    for (int i = 0; i < 3; i++) {
        fetch(f, &req, &g);
        got_free(&g);
    }
    assert_int_equal(sim_connections(f, "web") - before, 3);

    req.reuse_connection = true;
    before = sim_connections(f, "web");
    for (int i = 0; i < 3; i++) {
        fetch(f, &req, &g);
        assert_int_equal(g.status, 200);
        got_free(&g);
    }
    assert_int_equal(sim_connections(f, "web") - before, 1);
    free(url);
    /* The kept connection does not hold the loop: finish() proves it. */
    finish(f);
}

static void test_http_client_pools_easy_handles(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "web", "/");
    struct gw_http_request req = request_for(url);
    struct got g[8];
    for (int round = 0; round < 3; round++) {
        unsigned done = 0;
        for (int i = 0; i < 8; i++)
            start(f, &req, &g[i]);
        for (int i = 0; i < 8; i++) {
            wait_for(f, &g[i].calls, 1);
            done += g[i].calls;
            assert_int_equal(g[i].status, 200);
            got_free(&g[i]);
        }
        assert_int_equal(done, 8);
    }
    struct gw_http_client_stats st;
    gw_http_client_stats(f->client, &st);
    /* 24 requests, at most 8 at once: 8 handles, kept for reuse. */
    assert_int_equal(st.handles_made, 8);
    assert_int_equal(st.idle_handles, 8);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.started, 24);
    assert_int_equal(st.completed, 24);
    free(url);
    finish(f);
}

static void test_http_client_cancel_in_flight(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "silent", "/");
    struct gw_http_request req = request_for(url);
    struct got g;
    struct gw_http_call *call = start(f, &req, &g);
    run_for(f, 50);
    struct gw_http_client_stats st;
    gw_http_client_stats(f->client, &st);
    assert_int_equal(st.in_flight, 1);
    assert_true(st.sockets >= 1);
    gw_http_client_cancel(f->client, call);
    gw_http_client_stats(f->client, &st);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.sockets, 0);
    run_for(f, 50);
    assert_int_equal(g.calls, 0);
    free(url);
    finish(f);
}

static void test_http_client_cancel_while_resolving_does_not_block(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "slow.test", "web", "/");
    struct gw_http_request req = request_for(url);
    struct got g;
    struct gw_http_call *call = start(f, &req, &g);
    run_for(f, 20); /* the lookup is under way in its thread */
    uint64_t t0 = uv_hrtime();
    gw_http_client_cancel(f->client, call);
    double ms = (double)(uv_hrtime() - t0) / 1e6;
    if (ms > 50 * slack())
        fail_msg("cancelling took %.1f ms: it waited for the resolver", ms);
    run_for(f, 400);
    assert_int_equal(g.calls, 0);
    free(url);
    finish(f);
}

static void test_http_client_free_with_requests_in_flight(void **state)
{
    struct fixture *f = *state;
    char *url = sim_url("http", "127.0.0.1", "silent", "/");
    struct gw_http_request req = request_for(url);
    struct got g[3];
    for (int i = 0; i < 3; i++)
        start(f, &req, &g[i]);
    run_for(f, 50);
    finish(f); /* frees the client with three requests open */
    for (int i = 0; i < 3; i++)
        assert_int_equal(g[i].calls, 0);
    free(url);
}

static void test_http_client_refuses_bad_requests(void **state)
{
    struct fixture *f = *state;
    struct gw_http_call *call = NULL;
    struct got g = {0};
    struct gw_http_request req = request_for(NULL);
    assert_int_equal(gw_http_client_start(f->client, &req, got_cb, &g, &call), -EINVAL);
    req = request_for("http://127.0.0.1/");
    req.size = 8; /* a struct of an ABI this client does not know */
    assert_int_equal(gw_http_client_start(f->client, &req, got_cb, &g, &call), -EINVAL);
    finish(f);
    assert_int_equal(g.calls, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_http_client_get_measures_phases),
        T(test_http_client_error_status_is_a_response),
        T(test_http_client_delay_is_measured_to_the_ms),
        T(test_http_client_stops_reading_at_max_body),
        T(test_http_client_discard_body_only_counts),
        T(test_http_client_head_and_post),
        T(test_http_client_authentication),
        T(test_http_client_follows_redirects),
        T(test_http_client_redirect_loop),
        T(test_http_client_connection_refused),
        T(test_http_client_connect_timeout_on_time),
        T(test_http_client_silent_server_times_out_on_time),
        T(test_http_client_body_still_arriving_at_timeout),
        T(test_http_client_reset),
        T(test_http_client_garbage_is_a_bad_response),
        T(test_http_client_resolves_every_time),
        T(test_http_client_name_that_does_not_resolve),
        T(test_http_client_resolution_timeout),
        T(test_http_client_tls_reports_certificate),
        T(test_http_client_tls_untrusted_by_the_system),
        T(test_http_client_tls_expired),
        T(test_http_client_tls_self_signed_and_wrong_host),
        T(test_http_client_tls_handshake_failures),
        T(test_http_client_fresh_connection_unless_reuse),
        T(test_http_client_pools_easy_handles),
        T(test_http_client_cancel_in_flight),
        T(test_http_client_cancel_while_resolving_does_not_block),
        T(test_http_client_free_with_requests_in_flight),
        T(test_http_client_refuses_bad_requests),
    };
#undef T
    return cmocka_run_group_tests(tests, sim_start, sim_stop);
}
