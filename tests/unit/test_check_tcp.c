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
#include <math.h>
#include <netdb.h>
#include <uv.h>

#include "check_testutil.h"
#include "resolver_testutil.h"
#include "util/xalloc.h"

/*
 * The names the tests resolve, answered without a name server; any other
 * name under .test or .invalid does not exist.
 */
static const struct fake_name fake_names[] = {
    {.name = "nowhere.invalid", .error = EAI_NONAME},
    {.name = "resolver-down.test", .error = EAI_AGAIN}, /* our resolver fails */
    {.name = "slow.test", .addresses = {"127.0.0.1"}, .delay_ms = 300},
    {.name = "dual.test", .addresses = {"::1", "127.0.0.1"}}, /* a dual-stack name */
    {.name = "v4only.test", .addresses = {"127.0.0.1"}},
    {.name = NULL},
};

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

/* ---- fixture: the plugin through the loader, and a server ------------------------- */

struct fixture {
    struct check_harness h;
    struct server server; /* here, not on a test's stack, so teardown can stop it */
};

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    harness_init(&f->h, "check_tcp.so", false, 1.0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (test_loop_open(&f->h.loop))
        server_stop(&f->server);
    harness_fini(&f->h);
    free(f);
    return 0;
}

#define TARGET_HEAD HARNESS_TARGET_HEAD("tcp")

/* Loads one target, test/t, with `host`, `port` and the given extra lines. */
static const struct gw_target_conf *load_target(struct fixture *f, const char *host, int port,
                                                const char *extra)
{
    char *yaml = gw_xasprintf(TARGET_HEAD "        host: \"%s\"\n"
                                          "        port: %d\n"
                                          "%s",
                              host, port, extra ? extra : "");
    const struct gw_target_conf *t = harness_load_target(&f->h, yaml);
    free(yaml);
    return t;
}

/* The plugin closes its socket when it is done or cancelled: the server sees it. */
static void assert_client_closes(struct fixture *f, const struct server *s)
{
    if (!test_loop_run_until(&f->h.loop, &s->peer_closed, 1, 2000))
        fail_msg("the check's connection is still open");
}

#define assert_reason(out, r) assert_string_equal((out)->result.reason, (r))

/* ---- connecting ------------------------------------------------------------------ */

static void test_check_tcp_open_port_is_up(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_SILENT, NULL, 0);
    load_target(f, "127.0.0.1", s->port, NULL);
    struct outcome out;
    harness_run(&f->h, &out);

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
    harness_finish_loop(&f->h);
    assert_int_equal(out.calls, 1);
    assert_int_equal(s->accepted, 1);
}

static void test_check_tcp_closed_port_is_refused(void **state)
{
    struct fixture *f = *state;
    int port = closed_port(&f->h.loop.uv);
    load_target(f, "127.0.0.1", port, NULL);
    struct outcome out;
    harness_run(&f->h, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_CONNECT_REFUSED);
    char want[64];
    snprintf(want, sizeof(want), "connection refused by 127.0.0.1:%d", port);
    assert_string_equal(out.result.message, want);
    assert_true(isnan(gw_result_figure(&out.result, "connect")));
    harness_finish_loop(&f->h);
    assert_int_equal(out.calls, 1);
}

static void test_check_tcp_ipv6_literal_in_brackets(void **state)
{
    struct fixture *f = *state;
    int port = closed_port(&f->h.loop.uv);
    const struct gw_target_conf *t = load_target(f, "[::1]", port, NULL);
    assert_string_equal(t->host, "::1");
    struct outcome out;
    harness_run(&f->h, &out);

    /* No listener on ::1 either way; a host without IPv6 says unreachable. */
    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    if (strcmp(out.result.reason, GW_REASON_UNREACHABLE) != 0) {
        assert_reason(&out, GW_REASON_CONNECT_REFUSED);
        char want[64];
        snprintf(want, sizeof(want), "connection refused by [::1]:%d", port);
        assert_string_equal(out.result.message, want);
    }
    harness_finish_loop(&f->h);
}

static void test_check_tcp_tries_each_address_in_turn(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_SILENT, NULL, 0);
    /* dual.test gives ::1 first, where nothing listens on the port. */
    int before = resolver_lookups();
    const struct gw_target_conf *t = load_target(f, "dual.test", s->port, NULL);
    assert_string_equal(t->host, "dual.test");
    struct outcome out;
    harness_run(&f->h, &out);

    assert_true(resolver_lookups() > before);
    assert_int_equal(out.result.status, GW_STATUS_UP);
    char want[80];
    snprintf(want, sizeof(want), "connected to 127.0.0.1:%d (dual.test) in ", s->port);
    assert_message_has(&out, want);
    assert_true(gw_result_figure(&out.result, "connect") > 0);
    server_stop(s);
    harness_finish_loop(&f->h);
    assert_true(s->accepted <= 1);
}

static void test_check_tcp_every_address_refused(void **state)
{
    struct fixture *f = *state;
    int port = closed_port(&f->h.loop.uv);
    load_target(f, "dual.test", port, NULL);
    struct outcome out;
    harness_run(&f->h, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_CONNECT_REFUSED);
    assert_message_has(&out, "(dual.test)");
    assert_message_has(&out, "; 2 addresses tried");
    harness_finish_loop(&f->h);
}

static void test_check_tcp_ip_4_keeps_to_ipv4(void **state)
{
    struct fixture *f = *state;
    int port = closed_port(&f->h.loop.uv);
    load_target(f, "dual.test", port, "        ip: 4\n");
    struct outcome out;
    harness_run(&f->h, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_CONNECT_REFUSED);
    char want[80];
    snprintf(want, sizeof(want), "connection refused by 127.0.0.1:%d (dual.test)", port);
    assert_string_equal(out.result.message, want);
    harness_finish_loop(&f->h);
}

/* ---- name resolution --------------------------------------------------------------- */

static void test_check_tcp_name_that_does_not_resolve_is_down(void **state)
{
    struct fixture *f = *state;
    int before = resolver_lookups();
    load_target(f, "nowhere.invalid", 25, NULL);
    struct outcome out;
    harness_run(&f->h, &out);

    assert_true(resolver_lookups() > before); /* answered here, not by the DNS */
    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_DNS);
    assert_message_has(&out, "nowhere.invalid does not resolve (");
    harness_finish_loop(&f->h);
}

static void test_check_tcp_name_without_address_of_family_is_down(void **state)
{
    struct fixture *f = *state;
    load_target(f, "v4only.test", 25, "        ip: 6\n");
    struct outcome out;
    harness_run(&f->h, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_DNS);
    assert_message_has(&out, "v4only.test has no IPv6 address (");
    harness_finish_loop(&f->h);
}

static void test_check_tcp_resolver_failure_is_unknown(void **state)
{
    struct fixture *f = *state;
    load_target(f, "resolver-down.test", 25, NULL);
    struct outcome out;
    harness_run(&f->h, &out);

    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_DNS);
    assert_message_has(&out, "cannot resolve resolver-down.test: ");
    harness_finish_loop(&f->h);
}

/* ---- the exchange ------------------------------------------------------------------ */

static void test_check_tcp_silent_server_times_out_on_time(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_SILENT, NULL, 0);
    /* Long enough that a test process stalled by a loaded machine still sees
     * the loopback connection made before the limit. */
    load_target(f, "127.0.0.1", s->port, "        expect: \"220\"\n        timeout: 1500ms\n");
    struct outcome out;
    harness_run(&f->h, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_TIMEOUT);
    double ms = elapsed_ms(&out);
    if (ms < 1500 - TIMER_EARLY_MS || ms > 1750)
        fail_msg("timed out after %.1f ms, expected about 1500 ms", ms);
    /* The connection was made (and measured) before the wait. */
    assert_true(gw_result_figure(&out.result, "connect") > 0);

    /* The cancelled run closes its socket. */
    assert_client_closes(f, s);
    server_stop(s);
    harness_finish_loop(&f->h);
}

static const char smtp_banner[] = "220 ready\r\n";

static void test_check_tcp_expected_banner_is_up(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_BANNER_OPEN, smtp_banner, strlen(smtp_banner));
    const struct gw_target_conf *t = load_target(f, "127.0.0.1", s->port, "        expect: 220\n");
    assert_int_equal(t->n_figures, 2);
    assert_string_equal(t->figures[0].name, "connect");
    assert_string_equal(t->figures[1].name, "response");
    struct outcome out;
    harness_run(&f->h, &out);

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
    harness_finish_loop(&f->h);
}

static void test_check_tcp_wrong_banner_is_a_mismatch(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_BANNER_CLOSE, smtp_banner, strlen(smtp_banner));
    load_target(f, "127.0.0.1", s->port, "        expect: SSH-\n");
    struct outcome out;
    harness_run(&f->h, &out);

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
    harness_finish_loop(&f->h);
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
    server_start(s, &f->h.loop.uv, SERVER_BANNER_OPEN, flood, sizeof(flood));
    load_target(f, "127.0.0.1", s->port, "        expect: SSH-\n        timeout: 5s\n");
    struct outcome out;
    harness_run(&f->h, &out);

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
    harness_finish_loop(&f->h);
}

static void test_check_tcp_reset_connection(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_RESET, NULL, 0);
    load_target(f, "127.0.0.1", s->port, "        expect: \"220\"\n");
    struct outcome out;
    harness_run(&f->h, &out);

    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_RESET);
    char want[64];
    snprintf(want, sizeof(want), "connection reset by 127.0.0.1:%d", s->port);
    assert_message_has(&out, want);
    server_stop(s);
    harness_finish_loop(&f->h);
    assert_int_equal(s->accepted, 1);
}

static void test_check_tcp_send_then_expect(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_ECHO, NULL, 0);
    /* Single quotes keep the backslashes for the plugin to decode. */
    load_target(f, "127.0.0.1", s->port,
                "        send: 'PING x\\r\\n'\n        expect: 'x\\r\\n'\n");
    struct outcome out;
    harness_run(&f->h, &out);

    assert_int_equal(out.result.status, GW_STATUS_UP);
    assert_false(isnan(gw_result_figure(&out.result, "response")));
    assert_client_closes(f, s);
    assert_int_equal(s->rx_len, 8);
    assert_memory_equal(s->rx, "PING x\r\n", 8);
    server_stop(s);
    harness_finish_loop(&f->h);
}

static void test_check_tcp_send_only(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_SILENT, NULL, 0);
    load_target(f, "127.0.0.1", s->port, "        send: \"QUIT\\r\\n\"\n");
    struct outcome out;
    harness_run(&f->h, &out);

    assert_int_equal(out.result.status, GW_STATUS_UP);
    assert_message_has(&out, "and sent 6 bytes");
    assert_client_closes(f, s);
    assert_int_equal(s->rx_len, 6);
    assert_memory_equal(s->rx, "QUIT\r\n", 6);
    server_stop(s);
    harness_finish_loop(&f->h);
}

/* ---- cancellation ---------------------------------------------------------------- */

static void test_check_tcp_cancel_while_resolving(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_SILENT, NULL, 0);
    /* slow.test answers 127.0.0.1 after 300 ms: the listener must see no
     * connection from a run cancelled before that. */
    load_target(f, "slow.test", s->port, NULL);
    struct outcome out;
    struct gw_check *check = harness_start(&f->h, &out);
    gw_check_cancel(check, false);
    assert_int_equal(out.calls, 0);
    harness_wait(&f->h, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_CANCELLED);

    test_loop_run_for(&f->h.loop, 450);
    assert_int_equal(s->accepted, 0);
    server_stop(s);
    harness_finish_loop(&f->h);
    assert_int_equal(out.calls, 1);
}

static void test_check_tcp_timeout_while_resolving(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_SILENT, NULL, 0);
    /* By 100 ms the lookup is running in a resolver thread, so it cannot be
     * withdrawn: its late answer must be freed and not acted on. */
    load_target(f, "slow.test", s->port, "        timeout: 100ms\n");
    struct outcome out;
    harness_run(&f->h, &out);
    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_TIMEOUT);
    assert_message_has(&out, "no answer from slow.test within ");

    test_loop_run_for(&f->h.loop, 400);
    assert_int_equal(s->accepted, 0);
    server_stop(s);
    harness_finish_loop(&f->h);
}

static void test_check_tcp_cancel_while_connecting(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_SILENT, NULL, 0);
    load_target(f, "127.0.0.1", s->port, "        expect: \"220\"\n");
    struct outcome out;
    struct gw_check *check = harness_start(&f->h, &out);
    gw_check_cancel(check, false);
    harness_wait(&f->h, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_CANCELLED);
    assert_true(isnan(gw_result_figure(&out.result, "connect")));

    /* Whatever the kernel completed, the client side is closed. */
    test_loop_run_for(&f->h.loop, 50);
    assert_int_equal(s->peer_closed, s->accepted);
    server_stop(s);
    harness_finish_loop(&f->h);
    assert_int_equal(out.calls, 1);
}

static void test_check_tcp_cancel_silently_while_connecting(void **state)
{
    struct fixture *f = *state;
    int port = closed_port(&f->h.loop.uv);
    load_target(f, "127.0.0.1", port, NULL);
    struct outcome out;
    struct gw_check *check = harness_start(&f->h, &out);
    gw_check_cancel(check, true);
    harness_finish_loop(&f->h);
    assert_int_equal(out.calls, 0);
}

static void test_check_tcp_cancel_while_reading(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->server;
    server_start(s, &f->h.loop.uv, SERVER_SILENT, NULL, 0);
    load_target(f, "127.0.0.1", s->port, "        expect: \"220\"\n");
    struct outcome out;
    struct cancel_later later;
    harness_cancel_later(&f->h, &later, harness_start(&f->h, &out), 100);
    harness_wait(&f->h, &out);

    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_CANCELLED);
    assert_int_equal(s->accepted, 1);
    assert_client_closes(f, s);
    server_stop(s);
    harness_finish_loop(&f->h);
    assert_int_equal(out.calls, 1);
}

/* ---- configuration ----------------------------------------------------------------- */

static void test_check_tcp_config_errors_have_positions(void **state)
{
    struct fixture *f = *state;
    harness_expect_config_error(
        &f->h, TARGET_HEAD "        host: 127.0.0.1\n        port: 70000\n",
        "test.yaml:7:15: error: port 70000 is out of range (expected 1 to 65535)");
    harness_expect_config_error(
        &f->h, TARGET_HEAD "        port: 25\n",
        "test.yaml:4:9: error: target test/t: missing required key \"host\"");
    /* A quoted value is placed at its first character, inside the quotes. */
    harness_expect_config_error(&f->h, TARGET_HEAD "        host: \"\"\n        port: 25\n",
                                "test.yaml:6:16: error: empty host");
    harness_expect_config_error(&f->h,
                                TARGET_HEAD "        host: mail.example:25\n        port: 25\n",
                                "test.yaml:6:15: error: host \"mail.example:25\" includes a port");
    harness_expect_config_error(
        &f->h, TARGET_HEAD "        host: 10.0.300.1\n        port: 25\n",
        "test.yaml:6:15: error: host \"10.0.300.1\" is not a valid IPv4 address");
    harness_expect_config_error(&f->h,
                                TARGET_HEAD "        host: mail..example\n        port: 25\n",
                                "test.yaml:6:15: error: host \"mail..example\" has an empty label");
    harness_expect_config_error(&f->h,
                                TARGET_HEAD "        host: mail.example\n        port: 25\n"
                                            "        ip: 5\n",
                                "test.yaml:8:13: error: bad ip \"5\" (expected 4, 6 or any)");
    harness_expect_config_error(
        &f->h,
        TARGET_HEAD "        host: \"::1\"\n        port: 25\n"
                    "        ip: 4\n",
        "test.yaml:8:13: error: ip 4 contradicts host ::1, an IPv6 address");
    harness_expect_config_error(&f->h,
                                TARGET_HEAD "        host: mail.example\n        port: 25\n"
                                            "        send: QUIT\\q\n",
                                "test.yaml:8:15: error: send: unknown escape \"\\q\"");
    harness_expect_config_error(&f->h,
                                TARGET_HEAD "        host: mail.example\n        port: 25\n"
                                            "        expect: \"\"\n",
                                "test.yaml:8:18: error: empty expect");
    harness_expect_config_error(
        &f->h,
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
    assert_int_equal(f->h.diag->errors, 0);
    harness_finish_loop(&f->h);
}

int main(void)
{
    resolver_use(fake_names);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_check_tcp_open_port_is_up),
        T(test_check_tcp_closed_port_is_refused),
        T(test_check_tcp_ipv6_literal_in_brackets),
        T(test_check_tcp_tries_each_address_in_turn),
        T(test_check_tcp_every_address_refused),
        T(test_check_tcp_ip_4_keeps_to_ipv4),
        T(test_check_tcp_name_that_does_not_resolve_is_down),
        T(test_check_tcp_name_without_address_of_family_is_down),
        T(test_check_tcp_resolver_failure_is_unknown),
        T(test_check_tcp_silent_server_times_out_on_time),
        T(test_check_tcp_expected_banner_is_up),
        T(test_check_tcp_wrong_banner_is_a_mismatch),
        T(test_check_tcp_mismatch_within_first_4_kib),
        T(test_check_tcp_reset_connection),
        T(test_check_tcp_send_then_expect),
        T(test_check_tcp_send_only),
        T(test_check_tcp_cancel_while_resolving),
        T(test_check_tcp_timeout_while_resolving),
        T(test_check_tcp_cancel_while_connecting),
        T(test_check_tcp_cancel_silently_while_connecting),
        T(test_check_tcp_cancel_while_reading),
        T(test_check_tcp_config_errors_have_positions),
        T(test_check_tcp_config_reports_host_and_figures),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
