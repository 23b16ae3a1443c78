/*
 * The tcp check plugin, through the real loader: check_tcp.so is dlopened,
 * targets are built from YAML by the configuration loader, and checks run
 * through gw_check_start on a real loop against servers on 127.0.0.1 in the
 * same loop. Every test ends with the loop run to idle and closed, so a
 * handle or request the plugin forgot fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dlfcn.h>
#include <math.h>
#include <netdb.h>
#include <stdatomic.h>
#include <time.h>
#include <uv.h>

#include "check.h"
#include "config.h"
#include "diag.h"
#include "host.h"
#include "plugins.h"
#include "result.h"
#include "xalloc.h"

/* ---- a resolver of our own ----------------------------------------------------
 *
 * The tests must not send queries off the machine, yet glibc hands even
 * names under .invalid (which RFC 6761 asks resolvers to refuse at once) to
 * the DNS server. This program therefore defines getaddrinfo() and
 * freeaddrinfo(): an executable's symbols come first in the lookup order, so
 * libuv's resolver threads call these. Test names are answered here; any
 * other name goes to the C library as a numeric host only, so no test can
 * query a name server.
 *
 *   nowhere.invalid       no such name (EAI_NONAME)
 *   resolver-down.test    our resolver fails (EAI_AGAIN)
 *   slow.test             127.0.0.1 after 300 ms
 *   dual.test             ::1 then 127.0.0.1, as a dual-stack name
 *   v4only.test           127.0.0.1 only
 */

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);
typedef void (*freeaddrinfo_fn)(struct addrinfo *);

static atomic_int fake_lookups;
static char fake_tag[] = "gwyliwr-test"; /* ai_canonname of the lists made here */

struct fake_ai {
    struct addrinfo ai;
    struct sockaddr_storage addr;
};

/* Builds a list of the literals allowed by hints (NULL-terminated array). */
static int fake_list(const char *const *literals, const char *service, const struct addrinfo *hints,
                     struct addrinfo **res)
{
    int family = hints ? hints->ai_family : AF_UNSPEC;
    int port = service ? atoi(service) : 0;
    struct addrinfo *head = NULL, **tail = &head;
    for (size_t i = 0; literals[i]; i++) {
        struct fake_ai *f = calloc(1, sizeof(*f));
        if (!f)
            abort();
        if (uv_ip4_addr(literals[i], port, (struct sockaddr_in *)&f->addr) == 0) {
            f->ai.ai_addrlen = sizeof(struct sockaddr_in);
        } else if (uv_ip6_addr(literals[i], port, (struct sockaddr_in6 *)&f->addr) == 0) {
            f->ai.ai_addrlen = sizeof(struct sockaddr_in6);
        } else {
            abort();
        }
        f->ai.ai_family = f->addr.ss_family;
        if (family != AF_UNSPEC && family != f->ai.ai_family) {
            free(f);
            continue;
        }
        f->ai.ai_socktype = SOCK_STREAM;
        f->ai.ai_protocol = IPPROTO_TCP;
        f->ai.ai_addr = (struct sockaddr *)&f->addr;
        f->ai.ai_canonname = fake_tag;
        *tail = &f->ai;
        tail = &f->ai.ai_next;
    }
    if (!head)
        return EAI_NODATA;
    *res = head;
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    if (node && (ends_with(node, ".invalid") || ends_with(node, ".test"))) {
        atomic_fetch_add(&fake_lookups, 1);
        if (strcmp(node, "resolver-down.test") == 0)
            return EAI_AGAIN;
        if (strcmp(node, "slow.test") == 0) {
            nanosleep(&(struct timespec){.tv_nsec = 300 * 1000 * 1000}, NULL);
            return fake_list((const char *const[]){"127.0.0.1", NULL}, service, hints, res);
        }
        if (strcmp(node, "v4only.test") == 0)
            return fake_list((const char *const[]){"127.0.0.1", NULL}, service, hints, res);
        if (strcmp(node, "dual.test") == 0)
            return fake_list((const char *const[]){"::1", "127.0.0.1", NULL}, service, hints, res);
        return EAI_NONAME;
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
        while (ai) {
            struct addrinfo *next = ai->ai_next;
            free(ai);
            ai = next;
        }
        return;
    }
    freeaddrinfo_fn real;
    *(void **)&real = dlsym(RTLD_NEXT, "freeaddrinfo");
    real(ai);
}

/* ---- test servers on 127.0.0.1 ------------------------------------------------ */

enum server_mode {
    SERVER_SILENT,       /* accepts, reads, never writes */
    SERVER_BANNER_CLOSE, /* writes the banner, then closes */
    SERVER_BANNER_OPEN,  /* writes the banner, then waits */
    SERVER_ECHO,         /* writes back what it reads */
    SERVER_RESET,        /* accepts and resets the connection */
};

#define MAX_CONNS 8

struct server;

struct conn {
    uv_tcp_t tcp;
    struct server *server;
    bool closing;
};

struct server {
    uv_tcp_t listener;
    enum server_mode mode;
    const char *banner;
    size_t banner_len;
    int port;
    bool listening;
    unsigned accepted;
    unsigned peer_closed; /* connections the client closed or reset */
    struct conn *conns[MAX_CONNS];
    char rx[256]; /* what clients sent */
    size_t rx_len;
};

static void conn_closed_cb(uv_handle_t *handle)
{
    struct conn *c = handle->data;
    struct server *s = c->server;
    for (size_t i = 0; i < MAX_CONNS; i++)
        if (s->conns[i] == c)
            s->conns[i] = NULL;
    free(c);
}

static void conn_close(struct conn *c)
{
    if (!c->closing) {
        c->closing = true;
        uv_close((uv_handle_t *)&c->tcp, conn_closed_cb);
    }
}

static void conn_alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)handle;
    static char scratch[65536];
    buf->base = scratch;
    buf->len = suggested < sizeof(scratch) ? suggested : sizeof(scratch);
}

struct server_write {
    uv_write_t req;
    struct conn *conn;
    char data[]; /* a copy: read buffers are reused before the write completes */
};

static void server_write_done_cb(uv_write_t *req, int status)
{
    (void)status;
    struct server_write *w = req->data;
    struct conn *c = w->conn;
    free(w);
    if (c->server->mode == SERVER_BANNER_CLOSE)
        conn_close(c);
}

static void conn_send(struct conn *c, const char *data, size_t len)
{
    struct server_write *w = gw_xmalloc(sizeof(*w) + len);
    w->req.data = w;
    w->conn = c;
    memcpy(w->data, data, len);
    uv_buf_t buf = uv_buf_init(w->data, (unsigned)len);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, server_write_done_cb) < 0) {
        free(w);
        conn_close(c);
    }
}

static void conn_read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = stream->data;
    struct server *s = c->server;
    if (nread < 0) {
        s->peer_closed++;
        conn_close(c);
        return;
    }
    size_t n = (size_t)nread;
    if (n > sizeof(s->rx) - s->rx_len)
        n = sizeof(s->rx) - s->rx_len;
    memcpy(s->rx + s->rx_len, buf->base, n);
    s->rx_len += n;
    if (s->mode == SERVER_ECHO && nread > 0)
        conn_send(c, buf->base, (size_t)nread);
}

static void server_connection_cb(uv_stream_t *listener, int status)
{
    struct server *s = listener->data;
    assert_int_equal(status, 0);
    struct conn *c = gw_xcalloc(1, sizeof(*c));
    c->server = s;
    assert_int_equal(uv_tcp_init(listener->loop, &c->tcp), 0);
    c->tcp.data = c;
    assert_int_equal(uv_accept(listener, (uv_stream_t *)&c->tcp), 0);
    s->accepted++;
    for (size_t i = 0; i < MAX_CONNS; i++) {
        if (!s->conns[i]) {
            s->conns[i] = c;
            break;
        }
    }
    switch (s->mode) {
    case SERVER_RESET:
        c->closing = true;
        assert_int_equal(uv_tcp_close_reset(&c->tcp, conn_closed_cb), 0);
        return;
    case SERVER_BANNER_CLOSE:
    case SERVER_BANNER_OPEN:
        conn_send(c, s->banner, s->banner_len);
        break;
    default:
        break;
    }
    uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb, conn_read_cb);
}

static int bound_port(uv_tcp_t *tcp)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    assert_int_equal(uv_tcp_getsockname(tcp, (struct sockaddr *)&ss, &len), 0);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void server_start(struct server *s, uv_loop_t *loop, enum server_mode mode,
                         const char *banner, size_t banner_len)
{
    memset(s, 0, sizeof(*s));
    s->mode = mode;
    s->banner = banner;
    s->banner_len = banner_len;
    struct sockaddr_in addr;
    assert_int_equal(uv_ip4_addr("127.0.0.1", 0, &addr), 0);
    assert_int_equal(uv_tcp_init(loop, &s->listener), 0);
    s->listener.data = s;
    assert_int_equal(uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&s->listener, 16, server_connection_cb), 0);
    s->port = bound_port(&s->listener);
    s->listening = true;
}

/* Stops listening and closes what is still open; does nothing the second time. */
static void server_stop(struct server *s)
{
    if (!s->listening)
        return;
    s->listening = false;
    uv_close((uv_handle_t *)&s->listener, NULL);
    for (size_t i = 0; i < MAX_CONNS; i++)
        if (s->conns[i])
            conn_close(s->conns[i]);
}

static void flag_closed_cb(uv_handle_t *handle)
{
    *(bool *)handle->data = true;
}

/* Closes a handle that lives on the caller's stack and waits until libuv is done with it. */
static void close_and_wait(uv_loop_t *loop, uv_handle_t *handle)
{
    bool closed = false;
    handle->data = &closed;
    uv_close(handle, flag_closed_cb);
    while (!closed)
        uv_run(loop, UV_RUN_ONCE);
}

/* A port on 127.0.0.1 that nothing listens on: bound, noted, released. */
static int closed_port(uv_loop_t *loop)
{
    uv_tcp_t tcp;
    struct sockaddr_in addr;
    assert_int_equal(uv_ip4_addr("127.0.0.1", 0, &addr), 0);
    assert_int_equal(uv_tcp_init(loop, &tcp), 0);
    assert_int_equal(uv_tcp_bind(&tcp, (const struct sockaddr *)&addr, 0), 0);
    int port = bound_port(&tcp);
    close_and_wait(loop, (uv_handle_t *)&tcp);
    return port;
}

/* ---- fixture: loader, configuration, loop --------------------------------------- */

struct fixture {
    uv_loop_t loop;
    struct gw_host host;
    struct gw_plugins *plugins;
    struct gw_config *config;
    struct gw_diag *diag;
    uv_timer_t watchdog;
    bool stuck;
    bool loop_closed;
    struct server server; /* here, not on a test's stack, so teardown can stop it */
};

struct outcome {
    unsigned calls;
    struct gw_result result;
    uint64_t start_ns;
    uint64_t end_ns;
};

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    assert_int_equal(uv_loop_init(&f->loop), 0);
    gw_host_init(&f->host, &f->loop);
    f->plugins = gw_plugins_new();
    const char *dir = getenv("GW_PLUGIN_DIR");
    assert_non_null(dir);
    char *path = gw_xasprintf("%s/check_tcp.so", dir);
    char *err = NULL;
    int rc = gw_plugins_load_file(f->plugins, path, &err);
    if (rc < 0)
        fail_msg("%s", err);
    free(path);
    f->diag = gw_diag_new();
    *state = f;
    return 0;
}

static void finish_loop(struct fixture *f);

static int teardown(void **state)
{
    struct fixture *f = *state;
    /* After a failed test the loop may hold handles of a test's frame:
     * leave it rather than run it. */
    if (!f->loop_closed && !f->stuck) {
        server_stop(&f->server);
        finish_loop(f);
    }
    gw_config_unref(f->config);
    gw_diag_free(f->diag);
    gw_plugins_free(f->plugins);
    free(f);
    return 0;
}

static void watchdog_cb(uv_timer_t *timer)
{
    struct fixture *f = timer->data;
    f->stuck = true;
    uv_stop(&f->loop);
}

/*
 * Runs the loop until nothing is left in it and closes it: whatever the
 * plugin left open (a socket, a resolver request) keeps the loop alive and
 * trips the watchdog, or makes uv_loop_close fail.
 */
static void finish_loop(struct fixture *f)
{
    uv_timer_init(&f->loop, &f->watchdog);
    f->watchdog.data = f;
    uv_timer_start(&f->watchdog, watchdog_cb, 5000, 0);
    uv_unref((uv_handle_t *)&f->watchdog);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_false(f->stuck);
    uv_close((uv_handle_t *)&f->watchdog, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    f->loop_closed = true;
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

/* Loads one target, test/t, with `host`, `port` and the given extra lines. */
static const struct gw_target_conf *load_target(struct fixture *f, const char *host, int port,
                                                const char *extra)
{
    char *yaml = gw_xasprintf("councils:\n"
                              "  - id: test\n"
                              "    targets:\n"
                              "      - id: t\n"
                              "        check: tcp\n"
                              "        host: \"%s\"\n"
                              "        port: %d\n"
                              "%s",
                              host, port, extra ? extra : "");
    f->config = load_yaml(f, yaml);
    free(yaml);
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
    /* The core's timeout timer counts from the loop's cached time. */
    uv_update_time(&f->loop);
    out->start_ns = uv_hrtime();
    assert_int_equal(
        gw_check_start(&f->host, f->config, &f->config->targets[0], 0, done_cb, out, &check), 0);
    assert_int_equal(out->calls, 0); /* never completed from inside start */
    return check;
}

static void wait_result(struct fixture *f, struct outcome *out)
{
    while (out->calls == 0)
        if (uv_run(&f->loop, UV_RUN_ONCE) == 0 && out->calls == 0)
            fail_msg("the loop ran dry without a result");
}

static void run_check(struct fixture *f, struct outcome *out)
{
    start_check(f, out);
    wait_result(f, out);
}

static double elapsed_ms(const struct outcome *out)
{
    return (double)(out->end_ns - out->start_ns) / 1e6;
}

static void timer_fired_cb(uv_timer_t *timer)
{
    *(bool *)timer->data = true;
}

/*
 * Runs the loop until *count reaches `want` (count NULL: never) or `ms`
 * milliseconds have passed. Returns true when the count was reached.
 */
static bool run_until(struct fixture *f, const unsigned *count, unsigned want, uint64_t ms)
{
    uv_timer_t timer;
    bool fired = false;
    uv_timer_init(&f->loop, &timer);
    timer.data = &fired;
    uv_timer_start(&timer, timer_fired_cb, ms, 0);
    while (!fired && !(count && *count >= want))
        uv_run(&f->loop, UV_RUN_ONCE);
    close_and_wait(&f->loop, (uv_handle_t *)&timer);
    return count && *count >= want;
}

static void run_for(struct fixture *f, uint64_t ms)
{
    run_until(f, NULL, 0, ms);
}

/* The plugin closes its socket when it is done or cancelled: the server sees it. */
static void assert_client_closes(struct fixture *f, const struct server *s)
{
    if (!run_until(f, &s->peer_closed, 1, 2000))
        fail_msg("the check's connection is still open");
}

#define assert_reason(out, r) assert_string_equal((out)->result.reason, (r))
#define assert_message_has(out, s)                                                                 \
    do {                                                                                           \
        if (!strstr((out)->result.message, (s)))                                                   \
            fail_msg("message \"%s\" lacks \"%s\"", (out)->result.message, (s));                   \
    } while (0)

/* ---- connecting ------------------------------------------------------------------ */

static void test_check_tcp_open_port_is_up(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_SILENT, NULL, 0);
    load_target(f, "127.0.0.1", s->port, NULL);
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_UP);
    assert_reason(&out, "");
    double connect = gw_result_figure(&out.result, "connect");
    assert_false(isnan(connect));
    assert_true(connect > 0);
    assert_true(connect < 0.5);
    assert_true(gw_result_figure(&out.result, "latency") == connect);
    assert_true(isnan(gw_result_figure(&out.result, "response")));
    char want[64];
    snprintf(want, sizeof(want), "connected to 127.0.0.1:%d in ", s->port);
    assert_message_has(&out, want);

    /* The plugin closes its socket once it has its answer. */
    assert_client_closes(f, s);
    server_stop(s);
    finish_loop(f);
    assert_int_equal(out.calls, 1);
    assert_int_equal(s->accepted, 1);
}

static void test_check_tcp_closed_port_is_refused(void **state)
{
    struct fixture *f = *state;
    int port = closed_port(&f->loop);
    load_target(f, "127.0.0.1", port, NULL);
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_CONNECT_REFUSED);
    char want[64];
    snprintf(want, sizeof(want), "connection refused by 127.0.0.1:%d", port);
    assert_string_equal(out.result.message, want);
    assert_true(isnan(gw_result_figure(&out.result, "connect")));
    finish_loop(f);
    assert_int_equal(out.calls, 1);
}

static void test_check_tcp_ipv6_literal_in_brackets(void **state)
{
    struct fixture *f = *state;
    int port = closed_port(&f->loop);
    const struct gw_target_conf *t = load_target(f, "[::1]", port, NULL);
    assert_string_equal(t->host, "::1");
    struct outcome out;
    run_check(f, &out);

    /* No listener on ::1 either way; a host without IPv6 says unreachable. */
    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    if (strcmp(out.result.reason, GW_REASON_UNREACHABLE) != 0) {
        assert_reason(&out, GW_REASON_CONNECT_REFUSED);
        char want[64];
        snprintf(want, sizeof(want), "connection refused by [::1]:%d", port);
        assert_string_equal(out.result.message, want);
    }
    finish_loop(f);
}

static void test_check_tcp_tries_each_address_in_turn(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_SILENT, NULL, 0);
    /* dual.test gives ::1 first, where nothing listens on the port. */
    int before = atomic_load(&fake_lookups);
    const struct gw_target_conf *t = load_target(f, "dual.test", s->port, NULL);
    assert_string_equal(t->host, "dual.test");
    struct outcome out;
    run_check(f, &out);

    assert_true(atomic_load(&fake_lookups) > before);
    assert_int_equal(out.result.status, GW_STATUS_UP);
    char want[80];
    snprintf(want, sizeof(want), "connected to 127.0.0.1:%d (dual.test) in ", s->port);
    assert_message_has(&out, want);
    assert_true(gw_result_figure(&out.result, "connect") > 0);
    server_stop(s);
    finish_loop(f);
    assert_true(s->accepted <= 1);
}

static void test_check_tcp_every_address_refused(void **state)
{
    struct fixture *f = *state;
    int port = closed_port(&f->loop);
    load_target(f, "dual.test", port, NULL);
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_CONNECT_REFUSED);
    assert_message_has(&out, "(dual.test)");
    assert_message_has(&out, "; 2 addresses tried");
    finish_loop(f);
}

static void test_check_tcp_ip_4_keeps_to_ipv4(void **state)
{
    struct fixture *f = *state;
    int port = closed_port(&f->loop);
    load_target(f, "dual.test", port, "        ip: 4\n");
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_CONNECT_REFUSED);
    char want[80];
    snprintf(want, sizeof(want), "connection refused by 127.0.0.1:%d (dual.test)", port);
    assert_string_equal(out.result.message, want);
    finish_loop(f);
}

/* ---- name resolution --------------------------------------------------------------- */

static void test_check_tcp_name_that_does_not_resolve_is_down(void **state)
{
    struct fixture *f = *state;
    int before = atomic_load(&fake_lookups);
    load_target(f, "nowhere.invalid", 25, NULL);
    struct outcome out;
    run_check(f, &out);

    assert_true(atomic_load(&fake_lookups) > before); /* answered here, not by the DNS */
    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_DNS);
    assert_message_has(&out, "nowhere.invalid does not resolve (");
    finish_loop(f);
}

static void test_check_tcp_name_without_address_of_family_is_down(void **state)
{
    struct fixture *f = *state;
    load_target(f, "v4only.test", 25, "        ip: 6\n");
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_DNS);
    assert_message_has(&out, "v4only.test has no IPv6 address (");
    finish_loop(f);
}

static void test_check_tcp_resolver_failure_is_unknown(void **state)
{
    struct fixture *f = *state;
    load_target(f, "resolver-down.test", 25, NULL);
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_DNS);
    assert_message_has(&out, "cannot resolve resolver-down.test: ");
    finish_loop(f);
}

/* ---- the exchange ------------------------------------------------------------------ */

static void test_check_tcp_silent_server_times_out_on_time(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_SILENT, NULL, 0);
    load_target(f, "127.0.0.1", s->port, "        expect: \"220\"\n        timeout: 300ms\n");
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_TIMEOUT);
    double ms = elapsed_ms(&out);
    if (ms < 299 || ms > 550)
        fail_msg("timed out after %.1f ms, expected about 300 ms", ms);
    /* The connection was made (and measured) before the wait. */
    assert_true(gw_result_figure(&out.result, "connect") > 0);

    /* The cancelled run closes its socket. */
    assert_client_closes(f, s);
    server_stop(s);
    finish_loop(f);
}

static const char smtp_banner[] = "220 ready\r\n";

static void test_check_tcp_expected_banner_is_up(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_BANNER_OPEN, smtp_banner, strlen(smtp_banner));
    const struct gw_target_conf *t = load_target(f, "127.0.0.1", s->port, "        expect: 220\n");
    assert_int_equal(t->n_figures, 2);
    assert_string_equal(t->figures[0].name, "connect");
    assert_string_equal(t->figures[1].name, "response");
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_UP);
    assert_reason(&out, "");
    double response = gw_result_figure(&out.result, "response");
    assert_false(isnan(response));
    assert_true(response >= 0);
    assert_true(response < 0.5);
    assert_true(gw_result_figure(&out.result, "connect") > 0);
    assert_message_has(&out, "\"220\" received");
    assert_client_closes(f, s);
    server_stop(s);
    finish_loop(f);
}

static void test_check_tcp_wrong_banner_is_a_mismatch(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_BANNER_CLOSE, smtp_banner, strlen(smtp_banner));
    load_target(f, "127.0.0.1", s->port, "        expect: SSH-\n");
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_BANNER_MISMATCH);
    char want[160];
    snprintf(want, sizeof(want),
             "127.0.0.1:%d closed the connection without sending \"SSH-\" (received \"220 "
             "ready\\r\\n\")",
             s->port);
    assert_string_equal(out.result.message, want);
    assert_true(isnan(gw_result_figure(&out.result, "response")));
    server_stop(s);
    finish_loop(f);
}

static void test_check_tcp_mismatch_within_first_4_kib(void **state)
{
    struct fixture *f = *state;
    /* A binary greeting longer than the window, on a connection left open:
     * the verdict comes when 4 KiB are in, not at the timeout. */
    static char flood[5000];
    memset(flood, 'x', sizeof(flood));
    static const char greeting[] = "\x16\x03\x01 hello\r\n";
    memcpy(flood, greeting, sizeof(greeting) - 1);
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_BANNER_OPEN, flood, sizeof(flood));
    load_target(f, "127.0.0.1", s->port, "        expect: SSH-\n        timeout: 5s\n");
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_BANNER_MISMATCH);
    assert_true(elapsed_ms(&out) < 2000);
    assert_message_has(&out, "no \"SSH-\" in the first 4 KiB from 127.0.0.1:");
    /* sanitised: control bytes escaped, the quote cut short */
    assert_message_has(&out, "(received \"\\x16\\x03\\x01 hello\\r\\nxxxx");
    assert_message_has(&out, "...\")");
    for (const char *p = out.result.message; *p; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
    assert_client_closes(f, s);
    server_stop(s);
    finish_loop(f);
}

static void test_check_tcp_reset_connection(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_RESET, NULL, 0);
    load_target(f, "127.0.0.1", s->port, "        expect: \"220\"\n");
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_RESET);
    char want[64];
    snprintf(want, sizeof(want), "connection reset by 127.0.0.1:%d", s->port);
    assert_message_has(&out, want);
    server_stop(s);
    finish_loop(f);
    assert_int_equal(s->accepted, 1);
}

static void test_check_tcp_send_then_expect(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_ECHO, NULL, 0);
    /* Single quotes keep the backslashes for the plugin to decode. */
    load_target(f, "127.0.0.1", s->port,
                "        send: 'PING x\\r\\n'\n        expect: 'x\\r\\n'\n");
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_UP);
    assert_false(isnan(gw_result_figure(&out.result, "response")));
    assert_client_closes(f, s);
    assert_int_equal(s->rx_len, 8);
    assert_memory_equal(s->rx, "PING x\r\n", 8);
    server_stop(s);
    finish_loop(f);
}

static void test_check_tcp_send_only(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_SILENT, NULL, 0);
    load_target(f, "127.0.0.1", s->port, "        send: \"QUIT\\r\\n\"\n");
    struct outcome out;
    run_check(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_UP);
    assert_message_has(&out, "and sent 6 bytes");
    assert_client_closes(f, s);
    assert_int_equal(s->rx_len, 6);
    assert_memory_equal(s->rx, "QUIT\r\n", 6);
    server_stop(s);
    finish_loop(f);
}

/* ---- cancellation ---------------------------------------------------------------- */

static void test_check_tcp_cancel_while_resolving(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_SILENT, NULL, 0);
    /* slow.test answers 127.0.0.1 after 300 ms: the listener must see no
     * connection from a run cancelled before that. */
    load_target(f, "slow.test", s->port, NULL);
    struct outcome out;
    struct gw_check *check = start_check(f, &out);
    gw_check_cancel(check, false);
    assert_int_equal(out.calls, 0);
    wait_result(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_CANCELLED);

    run_for(f, 450);
    assert_int_equal(s->accepted, 0);
    server_stop(s);
    finish_loop(f);
    assert_int_equal(out.calls, 1);
}

static void test_check_tcp_timeout_while_resolving(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_SILENT, NULL, 0);
    /* By 100 ms the lookup is running in a resolver thread, so it cannot be
     * withdrawn: its late answer must be freed and not acted on. */
    load_target(f, "slow.test", s->port, "        timeout: 100ms\n");
    struct outcome out;
    run_check(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_TIMEOUT);
    assert_message_has(&out, "no answer from slow.test within ");

    run_for(f, 400);
    assert_int_equal(s->accepted, 0);
    server_stop(s);
    finish_loop(f);
}

static void test_check_tcp_cancel_while_connecting(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_SILENT, NULL, 0);
    load_target(f, "127.0.0.1", s->port, "        expect: \"220\"\n");
    struct outcome out;
    struct gw_check *check = start_check(f, &out);
    gw_check_cancel(check, false);
    wait_result(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_CANCELLED);
    assert_true(isnan(gw_result_figure(&out.result, "connect")));

    /* Whatever the kernel completed, the client side is closed. */
    run_for(f, 50);
    assert_int_equal(s->peer_closed, s->accepted);
    server_stop(s);
    finish_loop(f);
    assert_int_equal(out.calls, 1);
}

static void test_check_tcp_cancel_silently_while_connecting(void **state)
{
    struct fixture *f = *state;
    int port = closed_port(&f->loop);
    load_target(f, "127.0.0.1", port, NULL);
    struct outcome out;
    struct gw_check *check = start_check(f, &out);
    gw_check_cancel(check, true);
    finish_loop(f);
    assert_int_equal(out.calls, 0);
}

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

static void test_check_tcp_cancel_while_reading(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->loop, SERVER_SILENT, NULL, 0);
    load_target(f, "127.0.0.1", s->port, "        expect: \"220\"\n");
    struct outcome out;
    struct cancel_later later;
    later.check = start_check(f, &out);
    uv_timer_init(&f->loop, &later.timer);
    later.timer.data = &later;
    uv_timer_start(&later.timer, cancel_later_cb, 100, 0);
    wait_result(f, &out);

    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_CANCELLED);
    assert_int_equal(s->accepted, 1);
    assert_client_closes(f, s);
    server_stop(s);
    finish_loop(f);
    assert_int_equal(out.calls, 1);
}

/* ---- configuration ----------------------------------------------------------------- */

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

#define TARGET_HEAD                                                                                \
    "councils:\n"                                                                                  \
    "  - id: test\n"                                                                               \
    "    targets:\n"                                                                               \
    "      - id: t\n"                                                                              \
    "        check: tcp\n"

static void test_check_tcp_config_errors_have_positions(void **state)
{
    struct fixture *f = *state;
    expect_config_error(f, TARGET_HEAD "        host: 127.0.0.1\n        port: 70000\n",
                        "test.yaml:7:15: error: port 70000 is out of range (expected 1 to 65535)");
    expect_config_error(f, TARGET_HEAD "        port: 25\n",
                        "test.yaml:4:9: error: target test/t: missing required key \"host\"");
    /* A quoted value is placed at its first character, inside the quotes. */
    expect_config_error(f, TARGET_HEAD "        host: \"\"\n        port: 25\n",
                        "test.yaml:6:16: error: empty host");
    expect_config_error(f, TARGET_HEAD "        host: mail.example:25\n        port: 25\n",
                        "test.yaml:6:15: error: host \"mail.example:25\" includes a port");
    expect_config_error(f, TARGET_HEAD "        host: 10.0.300.1\n        port: 25\n",
                        "test.yaml:6:15: error: host \"10.0.300.1\" is not a valid IPv4 address");
    expect_config_error(f, TARGET_HEAD "        host: mail..example\n        port: 25\n",
                        "test.yaml:6:15: error: host \"mail..example\" has an empty label");
    expect_config_error(f,
                        TARGET_HEAD "        host: mail.example\n        port: 25\n"
                                    "        ip: 5\n",
                        "test.yaml:8:13: error: bad ip \"5\" (expected 4, 6 or any)");
    expect_config_error(f,
                        TARGET_HEAD "        host: \"::1\"\n        port: 25\n"
                                    "        ip: 4\n",
                        "test.yaml:8:13: error: ip 4 contradicts host ::1, an IPv6 address");
    expect_config_error(f,
                        TARGET_HEAD "        host: mail.example\n        port: 25\n"
                                    "        send: QUIT\\q\n",
                        "test.yaml:8:15: error: send: unknown escape \"\\q\"");
    expect_config_error(f,
                        TARGET_HEAD "        host: mail.example\n        port: 25\n"
                                    "        expect: \"\"\n",
                        "test.yaml:8:18: error: empty expect");
    expect_config_error(f,
                        TARGET_HEAD "        host: mail.example\n        port: 25\n"
                                    "        expct: SSH-\n",
                        "test.yaml:8:9: error: target test/t: unknown key \"expct\" (did you mean "
                        "\"expect\"?)");
}

static void test_check_tcp_config_reports_host_and_figures(void **state)
{
    struct fixture *f = *state;
    const struct gw_target_conf *t = load_target(f, "mail.example", 25, "        ip: 6\n");
    assert_string_equal(t->type->name, "tcp");
    assert_string_equal(t->host, "mail.example");
    assert_int_equal(t->n_figures, 1);
    assert_string_equal(t->figures[0].name, "connect");
    assert_string_equal(t->figures[0].unit, "s");
    assert_int_equal(f->diag->errors, 0);
    finish_loop(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_check_tcp_open_port_is_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_closed_port_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_ipv6_literal_in_brackets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_tries_each_address_in_turn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_every_address_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_ip_4_keeps_to_ipv4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_name_that_does_not_resolve_is_down, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_name_without_address_of_family_is_down,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_resolver_failure_is_unknown, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_silent_server_times_out_on_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_expected_banner_is_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_wrong_banner_is_a_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_mismatch_within_first_4_kib, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_reset_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_send_then_expect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_send_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_cancel_while_resolving, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_timeout_while_resolving, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_cancel_while_connecting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_cancel_silently_while_connecting, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_cancel_while_reading, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_config_errors_have_positions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_check_tcp_config_reports_host_and_figures, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
