/*
 * The dns check plugin, through the real loader, against Debian's dnsmasq
 * started by each test on 127.0.0.2 and beyond at one high port, with
 * records of its own (dnsmasq answers them; it forwards nothing), and a
 * responder in the test's loop for what dnsmasq never sends: SERVFAIL, a
 * malformed answer, silence. Nothing is asked of any other server.
 *
 * tests/integration/test_dns_system_resolver.sh runs this program again in a
 * network and mount namespace of its own, where /etc/resolv.conf names
 * 127.0.0.2, with GW_TEST_DNS_SYSTEM=1: then dnsmasq listens on port 53 and
 * only the tests of the system's resolver run.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "check_testutil.h"
#include "dns_packet.h"
#include "util/xalloc.h"

#define DNSMASQ "/usr/sbin/dnsmasq"

extern char **environ;

/* The port every dnsmasq of this program listens on (each on its address). */
static int dns_port;

/* ---- dnsmasq ------------------------------------------------------------------ */

/* Asks `ip`:dns_port for www.example.test once; true when anything answers. */
static bool answers_at(const char *ip)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_usec = 100000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)dns_port)};
    inet_pton(AF_INET, ip, &to.sin_addr);
    uint8_t query[128], answer[512];
    size_t len = gw_dns_packet_query(7, "www.example.test", GW_DNS_A, true, query, sizeof(query));
    sendto(fd, query, len, 0, (struct sockaddr *)&to, sizeof(to));
    ssize_t n = recv(fd, answer, sizeof(answer), 0);
    close(fd);
    return n > 0;
}

/*
 * Starts dnsmasq on `ip`:dns_port answering for example.test (the zone's
 * SOA with `serial`, and its name servers ns1 at `ip` and ns2 at `ns2_ip`)
 * and a few more names, and waits until it answers. Returns its pid.
 */
static pid_t dnsmasq_start(const char *ip, const char *ns2_ip, unsigned serial)
{
    if (access(DNSMASQ, X_OK) != 0)
        fail_msg(DNSMASQ " is missing (Debian package dnsmasq-base)");
    char *listen = gw_xasprintf("--listen-address=%s", ip);
    char *port = gw_xasprintf("--port=%d", dns_port);
    char *auth = gw_xasprintf("--auth-server=ns1.example.test,%s", ip);
    char *soa = gw_xasprintf("--auth-soa=%u,hostmaster.example.test", serial);
    char *ns1 = gw_xasprintf("--host-record=ns1.example.test,%s", ip);
    char *ns2 = gw_xasprintf("--host-record=ns2.example.test,%s", ns2_ip);
    char *argv[] = {DNSMASQ,
                    "--keep-in-foreground",
                    "--conf-file=/dev/null",
                    "--no-resolv",
                    "--no-hosts",
                    "--bind-interfaces",
                    listen,
                    port,
                    "--pid-file=",
                    "--log-facility=/dev/null",
                    "--auth-zone=example.test",
                    auth,
                    "--auth-sec-servers=ns2.example.test",
                    soa,
                    ns1,
                    ns2,
                    "--host-record=www.example.test,127.0.0.10,::10",
                    "--address=/multi.test/127.0.0.11",
                    "--address=/multi.test/127.0.0.12",
                    "--cname=web.example.test,www.example.test",
                    "--mx-host=example.test,mail.example.test,10",
                    "--txt-record=example.test,v=spf1 -all",
                    "--txt-record=_dmarc.example.test,v=DMARC1; p=reject",
                    "--address=/gone.test/", /* NXDOMAIN for the domain */
                    NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, DNSMASQ, NULL, NULL, argv, environ);
    free(listen);
    free(port);
    free(auth);
    free(soa);
    free(ns1);
    free(ns2);
    assert_int_equal(rc, 0);
    uint64_t deadline = uv_hrtime() + 5000000000u;
    while (!answers_at(ip)) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            fail_msg("dnsmasq on %s:%d exited at once (status %d)", ip, dns_port, status);
        if (uv_hrtime() > deadline)
            fail_msg("dnsmasq on %s:%d does not answer", ip, dns_port);
    }
    return pid;
}

static void dnsmasq_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* A port free for UDP and TCP on every address the tests use. */
static int free_port(void)
{
    static const char *const ips[] = {"127.0.0.2", "127.0.0.3", "127.0.0.4"};
    for (int attempt = 0; attempt < 50; attempt++) {
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET};
        inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
        bind(fd, (struct sockaddr *)&a, sizeof(a));
        socklen_t len = sizeof(a);
        getsockname(fd, (struct sockaddr *)&a, &len);
        close(fd);
        int port = ntohs(a.sin_port);
        bool free_everywhere = true;
        for (size_t i = 0; i < 3 && free_everywhere; i++) {
            for (int type = SOCK_DGRAM; type <= SOCK_STREAM + 1 && free_everywhere; type++) {
                int t = type == SOCK_STREAM + 1 ? SOCK_STREAM : type;
                int probe = socket(AF_INET, t, 0);
                struct sockaddr_in b = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
                inet_pton(AF_INET, ips[i], &b.sin_addr);
                free_everywhere = bind(probe, (struct sockaddr *)&b, sizeof(b)) == 0;
                close(probe);
            }
        }
        if (free_everywhere)
            return port;
    }
    fail_msg("no free port on 127.0.0.2-4");
    return -1;
}

/* ---- a responder in the loop, for answers dnsmasq never gives ------------------ */

enum responder_mode {
    RESPOND_SERVFAIL,  /* the question back, rcode SERVFAIL */
    RESPOND_MALFORMED, /* the question back, one answer cut short */
    RESPOND_SILENT,    /* nothing */
};

struct responder {
    uv_udp_t udp;
    enum responder_mode mode;
    int port;
    unsigned queries;
    uint8_t buf[512];
};

static void responder_alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct responder *r = handle->data;
    buf->base = (char *)r->buf;
    buf->len = sizeof(r->buf);
}

static void responder_recv_cb(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
                              const struct sockaddr *from, unsigned flags)
{
    (void)flags;
    struct responder *r = udp->data;
    if (nread < 12 || !from)
        return;
    r->queries++;
    uint8_t *m = (uint8_t *)buf->base;
    size_t len = (size_t)nread;
    m[2] |= 0x80; /* a response */
    if (r->mode == RESPOND_SILENT)
        return;
    if (r->mode == RESPOND_SERVFAIL) {
        m[3] = (uint8_t)((m[3] & 0xf0) | GW_DNS_SERVFAIL);
    } else {
        m[7] = 1; /* one answer, of which only three bytes follow */
        memcpy(m + len, "\xc0\x0c\x00", 3);
        len += 3;
    }
    uv_buf_t out = uv_buf_init((char *)m, (unsigned)len);
    uv_udp_try_send(udp, &out, 1, from);
}

static void responder_start(struct responder *r, uv_loop_t *loop, enum responder_mode mode)
{
    memset(r, 0, sizeof(*r));
    r->mode = mode;
    assert_int_equal(uv_udp_init(loop, &r->udp), 0);
    r->udp.data = r;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    assert_int_equal(uv_udp_bind(&r->udp, (struct sockaddr *)&a, 0), 0);
    int len = sizeof(a);
    uv_udp_getsockname(&r->udp, (struct sockaddr *)&a, &len);
    r->port = ntohs(a.sin_port);
    assert_int_equal(uv_udp_recv_start(&r->udp, responder_alloc_cb, responder_recv_cb), 0);
}

/* ---- fixture ------------------------------------------------------------------ */

struct fixture {
    struct check_harness h;
    pid_t dnsmasq[2];
    struct responder responder;
    bool responding;
};

static int group_setup(void **state)
{
    (void)state;
    dns_port = free_port();
    return 0;
}

static int system_group_setup(void **state)
{
    (void)state;
    dns_port = 53;
    return 0;
}

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    harness_init(&f->h, "check_dns.so", false, slack());
    *state = f;
    return 0;
}

/* Closes the responder, so that the loop can run dry. */
static void responder_stop(struct fixture *f)
{
    if (f->responding)
        close_and_wait(&f->h.loop.uv, (uv_handle_t *)&f->responder.udp);
    f->responding = false;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (test_loop_open(&f->h.loop))
        responder_stop(f);
    harness_fini(&f->h);
    dnsmasq_stop(f->dnsmasq[0]);
    dnsmasq_stop(f->dnsmasq[1]);
    free(f);
    return 0;
}

/* Runs test/t asking 127.0.0.2 for name/type, with extra lines. */
static void run_query(struct fixture *f, const char *name, const char *type, const char *extra,
                      struct outcome *out)
{
    char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("dns") "        name: \"%s\"\n"
                                                         "        type: %s\n"
                                                         "        server: \"127.0.0.2:%d\"\n%s",
                              name, type, dns_port, extra ? extra : "");
    harness_load_target(&f->h, yaml);
    free(yaml);
    harness_run(&f->h, out);
}

/* ---- answers ---------------------------------------------------------------------- */

static void test_check_dns_record_types(void **state)
{
    struct fixture *f = *state;
    f->dnsmasq[0] = dnsmasq_start("127.0.0.2", "127.0.0.3", 2024010101);
    static const struct {
        const char *name, *type, *expect, *message;
    } cases[] = {
        {"www.example.test", "A", "[127.0.0.10]", "www.example.test A 127.0.0.10 from 127.0.0.2:"},
        {"WWW.Example.Test.", "AAAA", "[\"::10\"]", "www.example.test AAAA ::10 from 127.0.0.2:"},
        {"web.example.test", "CNAME", "[WWW.example.test.]",
         "web.example.test CNAME www.example.test from"},
        {"example.test", "MX", "[mail.example.test]", "example.test MX 10 mail.example.test from"},
        {"example.test", "mx", "[\"10 mail.example.test\"]", "example.test MX 10 mail"},
        {"_dmarc.example.test", "TXT", "[\"v=DMARC1; p=reject\"]",
         "_dmarc.example.test TXT v=DMARC1; p=reject from"},
        {"example.test", "NS", "[ns1.example.test, ns2.example.test]", "example.test NS ns"},
        {"example.test", "SOA", "[ns1.example.test]",
         "example.test SOA ns1.example.test hostmaster.example.test 2024010101 "},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *extra =
            gw_xasprintf("        expect: {answers: %s, max_latency: 5s}\n", cases[i].expect);
        struct outcome out;
        run_query(f, cases[i].name, cases[i].type, extra, &out);
        free(extra);
        assert_verdict(&out, GW_STATUS_UP, "");
        assert_message_has(&out, cases[i].message);
        assert_true(outcome_figure(&out, "answers") >= 1);
        double latency = outcome_figure(&out, "latency");
        assert_true(latency > 0 && latency < 1.0);
        const char *server = outcome_detail(&out, "server");
        assert_non_null(server);
        assert_non_null(strstr(server, "127.0.0.2:"));
    }
    harness_finish_loop(&f->h);
}

static void test_check_dns_expected_answers(void **state)
{
    struct fixture *f = *state;
    f->dnsmasq[0] = dnsmasq_start("127.0.0.2", "127.0.0.3", 1);
    struct outcome out;
    run_query(f, "multi.test", "A", "        expect: {answers: [127.0.0.12, 127.0.0.11]}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_true(outcome_figure(&out, "answers") == 2);
    assert_message_has(&out, "(and more)");

    run_query(f, "multi.test", "A", "        expect: {answers: [127.0.0.11], exactly: true}\n",
              &out);
    assert_verdict(&out, GW_STATUS_DOWN, "answer_mismatch");
    assert_message_has(&out, "multi.test A from 127.0.0.2:");
    assert_message_has(&out, ": unexpected 127.0.0.12 (answers: ");

    run_query(f, "www.example.test", "A", "        expect: {answers: [192.0.2.1, 127.0.0.10]}\n",
              &out);
    assert_verdict(&out, GW_STATUS_DOWN, "answer_mismatch");
    assert_message_has(&out, ": no 192.0.2.1 (answers: 127.0.0.10)");

    /* an A query that meets a CNAME: the chain is shown, the address compared */
    run_query(f, "web.example.test", "A", "        expect: {answers: [127.0.0.10]}\n", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_string_equal(outcome_detail(&out, "cname"), "www.example.test");

    run_query(f, "www.example.test", "A", "        expect: {max_latency: 0s}\n", &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, GW_REASON_TOO_SLOW);
    assert_message_has(&out, ", slower than max_latency 0.000 ms");
    harness_finish_loop(&f->h);
}

static void test_check_dns_response_codes(void **state)
{
    struct fixture *f = *state;
    f->dnsmasq[0] = dnsmasq_start("127.0.0.2", "127.0.0.3", 1);
    static const struct {
        const char *name, *type, *reason, *message;
    } cases[] = {
        {"nothing.example.test", "A", "nxdomain",
         "nothing.example.test does not exist (NXDOMAIN from 127.0.0.2:"},
        {"a.gone.test", "AAAA", "nxdomain", "a.gone.test does not exist (NXDOMAIN"},
        {"www.example.test", "MX", "nodata",
         "www.example.test has no MX record (NOERROR, no answer from 127.0.0.2:"},
        {"elsewhere.test", "A", "refused", "elsewhere.test A: REFUSED from 127.0.0.2:"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct outcome out;
        run_query(f, cases[i].name, cases[i].type, NULL, &out);
        assert_verdict(&out, GW_STATUS_DOWN, cases[i].reason);
        assert_message_has(&out, cases[i].message);
        if (strcmp(cases[i].reason, "refused") != 0)
            assert_true(outcome_figure(&out, "answers") == 0);
    }
    harness_finish_loop(&f->h);
}

/* Asks the responder (on 127.0.0.1) instead of dnsmasq. */
static void run_responder(struct fixture *f, enum responder_mode mode, const char *extra,
                          struct outcome *out)
{
    responder_start(&f->responder, &f->h.loop.uv, mode);
    f->responding = true;
    char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("dns") "        name: www.example.test\n"
                                                         "        server: \"127.0.0.1:%d\"\n%s",
                              f->responder.port, extra ? extra : "");
    harness_load_target(&f->h, yaml);
    free(yaml);
    harness_run(&f->h, out);
}

static void test_check_dns_servfail(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    run_responder(f, RESPOND_SERVFAIL, NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, "servfail");
    assert_message_has(&out, "www.example.test A: SERVFAIL from 127.0.0.1:");
    /* the server's answer is the verdict: not asked again */
    assert_int_equal(f->responder.queries, 1);
    responder_stop(f);
    harness_finish_loop(&f->h);
}

static void test_check_dns_malformed_answer(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    run_responder(f, RESPOND_MALFORMED, NULL, &out);
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_BAD_RESPONSE);
    assert_message_has(&out, "a malformed answer for www.example.test from 127.0.0.1:");
    assert_message_has(&out, "an answer runs past the message");
    responder_stop(f);
    harness_finish_loop(&f->h);
}

static void test_check_dns_silent_server_times_out(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    run_responder(f, RESPOND_SILENT, "        timeout: 1s\n", &out);
    /* c-ares gives up (a try and a retry) before the check's own limit */
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_TIMEOUT);
    assert_message_has(&out, "no answer for www.example.test A from 127.0.0.1:");
    assert_int_equal(f->responder.queries, 2);
    assert_true(elapsed_ms(&out) >= 700 && elapsed_ms(&out) < 1000);
    responder_stop(f);
    harness_finish_loop(&f->h);
}

static void test_check_dns_closed_port(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    run_query(f, "www.example.test", "A", NULL, &out); /* nothing runs at 127.0.0.2 */
    assert_verdict(&out, GW_STATUS_DOWN, GW_REASON_CONNECT_REFUSED);
    assert_message_has(&out, "refused the query for www.example.test A (port closed)");
    harness_finish_loop(&f->h);
}

/* ---- the zone's serials ------------------------------------------------------------ */

static void test_check_dns_serials_agree(void **state)
{
    struct fixture *f = *state;
    f->dnsmasq[0] = dnsmasq_start("127.0.0.2", "127.0.0.3", 7);
    f->dnsmasq[1] = dnsmasq_start("127.0.0.3", "127.0.0.3", 7);
    char *extra =
        gw_xasprintf("        ns_port: %d\n        expect: {serials_agree: true}\n", dns_port);
    struct outcome out;
    run_query(f, "example.test", "SOA", extra, &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_message_has(&out, "; serial 7 at 2 name server addresses");
    assert_true(outcome_figure(&out, "nameservers") == 2);
    assert_true(outcome_figure(&out, "serials") == 1);
    free(extra);
    harness_finish_loop(&f->h);
}

static void test_check_dns_serials_differ(void **state)
{
    struct fixture *f = *state;
    f->dnsmasq[0] = dnsmasq_start("127.0.0.2", "127.0.0.3", 2024010101);
    f->dnsmasq[1] = dnsmasq_start("127.0.0.3", "127.0.0.3", 2024010102);
    char *extra =
        gw_xasprintf("        ns_port: %d\n        expect: {serials_agree: true}\n", dns_port);
    struct outcome out;
    run_query(f, "example.test", "A", extra, &out); /* the zone apex has no A record */
    assert_verdict(&out, GW_STATUS_DOWN, "nodata");
    run_query(f, "example.test", "MX", extra, &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, "soa_mismatch");
    assert_string_equal(out.result.message,
                        "serials of example.test differ: 2024010101 at ns1.example.test "
                        "(127.0.0.2), 2024010102 at ns2.example.test (127.0.0.3)");
    assert_true(outcome_figure(&out, "serials") == 2);
    free(extra);
    harness_finish_loop(&f->h);
}

static void test_check_dns_name_server_not_answering(void **state)
{
    struct fixture *f = *state;
    /* ns2 is said to be at 127.0.0.4, where nothing answers */
    f->dnsmasq[0] = dnsmasq_start("127.0.0.2", "127.0.0.4", 3);
    char *extra = gw_xasprintf("        ns_port: %d\n        timeout: 1s\n        interval: 2s\n"
                               "        expect: {serials_agree: true}\n",
                               dns_port);
    struct outcome out;
    run_query(f, "example.test", "SOA", extra, &out);
    assert_verdict(&out, GW_STATUS_DEGRADED, "nameserver");
    assert_string_equal(out.result.message,
                        "example.test: a name server fails: ns2.example.test (127.0.0.4): no "
                        "answer");
    assert_true(outcome_figure(&out, "nameservers") == 1);
    assert_true(elapsed_ms(&out) < 1000);
    free(extra);
    harness_finish_loop(&f->h);
}

/* ---- configuration and cancelling -------------------------------------------------- */

static void test_check_dns_cancel_while_asking(void **state)
{
    struct fixture *f = *state;
    responder_start(&f->responder, &f->h.loop.uv, RESPOND_SILENT);
    f->responding = true;
    char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("dns") "        name: www.example.test\n"
                                                         "        server: \"127.0.0.1:%d\"\n",
                              f->responder.port);
    harness_load_target(&f->h, yaml);
    free(yaml);
    struct outcome out;
    struct cancel_later cancel;
    /* at once (while the channel is set up) and later (while asking) */
    for (uint64_t ms = 0; ms <= 100; ms += 100) {
        struct gw_check *check = harness_start(&f->h, &out);
        harness_cancel_later(&f->h, &cancel, check, ms);
        harness_wait(&f->h, &out);
        assert_verdict(&out, GW_STATUS_UNKNOWN, GW_REASON_CANCELLED);
    }
    responder_stop(f);
    harness_finish_loop(&f->h);
}

static void test_check_dns_config_errors_have_positions(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *lines;
        const char *error;
    } cases[] = {
        {"        name: www.example.test\n        type: PTR\n",
         "test.yaml:7:15: error: type \"PTR\" (expected A, AAAA, CNAME, MX, TXT, NS or SOA)"},
        {"        name: www..example.test\n",
         "name \"www..example.test\" has an empty label (expected a DNS name"},
        {"        name: 192.0.2.1\n", "name 192.0.2.1 is an address"},
        {"        name: x.test\n        server: dns.example\n",
         "server \"dns.example\" is not an address with an optional port"},
        {"        name: x.test\n        server: \"127.0.0.1:0\"\n", "server \"127.0.0.1:0\""},
        {"        name: x.test\n        server: \"[::1\"\n", "server \"[::1\""},
        {"        name: x.test\n        expect: {answers: [not-an-address]}\n",
         "expected answer \"not-an-address\" is not an IPv4 address"},
        {"        name: x.test\n        type: AAAA\n        expect: {answers: [192.0.2.1]}\n",
         "expected answer \"192.0.2.1\" is not an IPv6 address"},
        {"        name: x.test\n        expect: {exactly: true}\n",
         "exactly: true without answers"},
        {"        name: x.test\n        ns_port: 0\n", "0 is out of range (expected 1 to 65535)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("dns") "%s", cases[i].lines);
        harness_expect_config_error(&f->h, yaml, cases[i].error);
        free(yaml);
    }
    const struct gw_target_conf *t = harness_load_target(
        &f->h, HARNESS_TARGET_HEAD("dns") "        name: x.test\n        server: \"[::1]:5353\"\n"
                                          "        expect: {serials_agree: true}\n");
    assert_string_equal(t->host, "[::1]:5353");
    assert_int_equal(t->n_figures, 3);
    assert_string_equal(t->figures[2].name, "serials");
    harness_finish_loop(&f->h);
}

/* ---- the system's resolver (in a namespace where resolv.conf names 127.0.0.2) ----- */

static void run_system(struct fixture *f, const char *name, const char *type, struct outcome *out)
{
    char *yaml =
        gw_xasprintf(HARNESS_TARGET_HEAD("dns") "        name: %s\n        type: %s\n", name, type);
    harness_load_target(&f->h, yaml);
    free(yaml);
    harness_run(&f->h, out);
}

static void test_check_dns_system_resolver(void **state)
{
    struct fixture *f = *state;
    f->dnsmasq[0] = dnsmasq_start("127.0.0.2", "127.0.0.3", 5);
    struct outcome out;
    run_system(f, "www.example.test", "A", &out);
    assert_verdict(&out, GW_STATUS_UP, "");
    assert_message_has(&out,
                       "www.example.test A 127.0.0.10 from the system's resolver 127.0.0.2:53");
    assert_string_equal(outcome_detail(&out, "server"), "system: 127.0.0.2:53");
    /* the zone's answers are the zone's... */
    run_system(f, "nothing.example.test", "A", &out);
    assert_verdict(&out, GW_STATUS_DOWN, "nxdomain");
    /* ...but a resolver refusing us is ours: unknown, not the target's downtime */
    run_system(f, "elsewhere.test", "A", &out);
    assert_verdict(&out, GW_STATUS_UNKNOWN, "refused");
    assert_message_has(&out, "elsewhere.test A: REFUSED from the system's resolver 127.0.0.2:53");
    dnsmasq_stop(f->dnsmasq[0]);
    f->dnsmasq[0] = 0;
    run_system(f, "www.example.test", "A", &out);
    assert_verdict(&out, GW_STATUS_UNKNOWN, GW_REASON_CONNECT_REFUSED);
    harness_finish_loop(&f->h);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const char *system = getenv("GW_TEST_DNS_SYSTEM");
    if (system && strcmp(system, "1") == 0) {
        const struct CMUnitTest tests[] = {T(test_check_dns_system_resolver)};
        return cmocka_run_group_tests(tests, system_group_setup, NULL);
    }
#undef T
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_check_dns_record_types),        T(test_check_dns_expected_answers),
        T(test_check_dns_response_codes),      T(test_check_dns_servfail),
        T(test_check_dns_malformed_answer),    T(test_check_dns_silent_server_times_out),
        T(test_check_dns_closed_port),         T(test_check_dns_serials_agree),
        T(test_check_dns_serials_differ),      T(test_check_dns_name_server_not_answering),
        T(test_check_dns_cancel_while_asking), T(test_check_dns_config_errors_have_positions),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
