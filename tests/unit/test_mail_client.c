/*
 * Mail through the shared client (check/mail_client.c behind
 * gw_http_client_start): requests it refuses at once, a server that never
 * greets (the timeout; a cancel that leaves nothing behind and never blocks
 * the loop), and the size rule of struct gw_http_request: a plugin built
 * before the mail members were appended still gets its requests made.
 * Servers here are sockets of the test that listen and never accept; the
 * conversations with real SMTP servers are in test_notify_email.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check/http_client.h"
#include "loop_testutil.h"
#include "util/xalloc.h"

struct answer {
    unsigned calls;
    char reason[32];
    char error[256];
    long status;
};

static void answer_cb(void *data, const struct gw_http_response *r)
{
    struct answer *a = data;
    a->calls++;
    snprintf(a->reason, sizeof(a->reason), "%s", r->reason ? r->reason : "");
    snprintf(a->error, sizeof(a->error), "%s", r->error ? r->error : "");
    a->status = r->status;
}

/* A socket on 127.0.0.1 that listens and never accepts: connections are made, never answered. */
static int silent_server(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sin);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, len), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

/* A port of 127.0.0.1 that refuses connections: bound, not listening. */
static int refusing_port(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sin);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, len), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

static const char message[] = "Subject: test\r\n\r\nhello\r\n";
static const char *const rcpt[] = {"ops@x.example", NULL};

/* A mail of `message` to ops@x.example through smtp://127.0.0.1:PORT (url: caller frees). */
static struct gw_http_request mail_to(int port, uint64_t timeout_ms, char **url)
{
    *url = gw_xasprintf("smtp://127.0.0.1:%d", port);
    return (struct gw_http_request){
        .size = sizeof(struct gw_http_request),
        .url = *url,
        .body = message,
        .body_len = strlen(message),
        .mail_from = "a@x.example",
        .mail_rcpt = rcpt,
        .timeout_ms = timeout_ms,
    };
}

static void test_mail_client_refuses_what_it_cannot_send(void **state)
{
    (void)state;
    struct test_loop l;
    test_loop_init(&l, 5000);
    struct gw_http_client *c = gw_http_client_new(&l.uv);
    struct answer a = {0};
    struct gw_http_call *call;
    struct gw_http_request req = {
        .size = sizeof(req),
        .url = "http://127.0.0.1:1/",
        .body = message,
        .body_len = strlen(message),
        .mail_from = "a@x.example",
        .mail_rcpt = rcpt,
    };
    /* A sender on an HTTP URL. */
    assert_int_equal(gw_http_client_start(c, &req, answer_cb, &a, &call), -EINVAL);
    /* No recipient, no body. */
    req.url = "smtp://127.0.0.1:1";
    req.mail_rcpt = NULL;
    assert_int_equal(gw_http_client_start(c, &req, answer_cb, &a, &call), -EINVAL);
    req.mail_rcpt = rcpt;
    req.body = NULL;
    assert_int_equal(gw_http_client_start(c, &req, answer_cb, &a, &call), -EINVAL);
    /* An SMTP URL without a sender. */
    req.body = message;
    req.mail_from = NULL;
    assert_int_equal(gw_http_client_start(c, &req, answer_cb, &a, &call), -EINVAL);
    /* A request smaller than any plugin ever sent. */
    req.mail_from = "a@x.example";
    req.size = offsetof(struct gw_http_request, discard_body);
    assert_int_equal(gw_http_client_start(c, &req, answer_cb, &a, &call), -EINVAL);
    test_loop_run_for(&l, 20);
    assert_int_equal(a.calls, 0);
    gw_http_client_free(c);
    test_loop_finish(&l);
}

/* A plugin built before the mail members existed: its request is made, the members read as zero. */
static void test_mail_client_older_plugins_requests_are_made(void **state)
{
    (void)state;
    int port;
    int fd = refusing_port(&port);
    struct test_loop l;
    test_loop_init(&l, 5000);
    struct gw_http_client *c = gw_http_client_new(&l.uv);
    char *url = gw_xasprintf("http://127.0.0.1:%d/", port);
    /* Garbage beyond the old size must not be read. */
    struct gw_http_request req;
    memset(&req, 0xA5, sizeof(req));
    memset(&req, 0, offsetof(struct gw_http_request, discard_body) + sizeof(bool));
    req.size = offsetof(struct gw_http_request, discard_body) + sizeof(bool);
    req.url = url;
    req.timeout_ms = 5000;
    struct answer a = {0};
    struct gw_http_call *call;
    assert_int_equal(gw_http_client_start(c, &req, answer_cb, &a, &call), 0);
    test_loop_wait(&l, &a.calls, 1, 10000, "answer");
    assert_string_equal(a.reason, "connect_refused");
    gw_http_client_free(c);
    test_loop_finish(&l);
    free(url);
    close(fd);
}

static void test_mail_client_silent_server_times_out(void **state)
{
    (void)state;
    int port;
    int fd = silent_server(&port);
    struct test_loop l;
    test_loop_init(&l, 5000);
    struct gw_http_client *c = gw_http_client_new(&l.uv);
    char *url;
    struct gw_http_request req = mail_to(port, 300, &url);
    struct answer a = {0};
    struct gw_http_call *call;
    uint64_t t0 = uv_hrtime();
    assert_int_equal(gw_http_client_start(c, &req, answer_cb, &a, &call), 0);
    assert_int_equal(a.calls, 0);
    test_loop_wait(&l, &a.calls, 1, 10000, "answer");
    double ms = (double)(uv_hrtime() - t0) / 1e6;
    assert_string_equal(a.reason, "timeout");
    char *want = gw_xasprintf("no answer from 127.0.0.1:%d within 300 ms", port);
    assert_string_equal(a.error, want);
    assert_true(ms >= 299 && ms < 3000 * slack());
    struct gw_http_client_stats st;
    gw_http_client_stats(c, &st);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.completed, 1);
    gw_http_client_free(c);
    test_loop_finish(&l);
    free(want);
    free(url);
    close(fd);
}

/* Cancelled, or abandoned by freeing the client, a mail never answers and never holds the loop. */
static void test_mail_client_cancel_leaves_nothing(void **state)
{
    (void)state;
    int port;
    int fd = silent_server(&port);
    struct test_loop l;
    test_loop_init(&l, 5000);
    struct gw_http_client *c = gw_http_client_new(&l.uv);
    char *url;
    struct gw_http_request req = mail_to(port, 60000, &url);
    struct answer a = {0}, b = {0};
    struct gw_http_call *first, *second;
    assert_int_equal(gw_http_client_start(c, &req, answer_cb, &a, &first), 0);
    assert_int_equal(gw_http_client_start(c, &req, answer_cb, &b, &second), 0);
    test_loop_run_for(&l, 200);
    uint64_t t0 = uv_hrtime();
    gw_http_client_cancel(c, first);
    struct gw_http_client_stats st;
    gw_http_client_stats(c, &st);
    assert_int_equal(st.in_flight, 1);
    /* The other is abandoned with the client. */
    gw_http_client_free(c);
    test_loop_finish(&l);
    assert_true((double)(uv_hrtime() - t0) / 1e6 < 3000 * slack());
    assert_int_equal(a.calls, 0);
    assert_int_equal(b.calls, 0);
    free(url);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mail_client_refuses_what_it_cannot_send),
        cmocka_unit_test(test_mail_client_older_plugins_requests_are_made),
        cmocka_unit_test(test_mail_client_silent_server_times_out),
        cmocka_unit_test(test_mail_client_cancel_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
