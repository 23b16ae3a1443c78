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
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <uv.h>

#include "check/http_client.h"
#include "loop_testutil.h"
#include "resolver_testutil.h"
#include "sim_testutil.h"
#include "util/xalloc.h"

/* The names the tests resolve; any other goes no further than a numeric host. */
static const struct fake_name fake_names[] = {
    {.name = "nowhere.invalid", .error = EAI_NONAME},
    {.name = "sim.test", .addresses = {"127.0.0.1"}},
    {.name = "slow.test", .addresses = {"127.0.0.1"}, .delay_ms = 300},
    {.name = NULL},
};

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
    "      /gz: {body: \"<h1>Croeso i Gyngor Caerdydd</h1>\", gzip: true}\n"
    "      /bomb: {size: 1GiB, gzip: true}\n"
    "      /loop: {redirect: /loop}\n"
    "      /redir: {redirect: /}\n"
    "      /reset: {reset: true}\n"
    "      /garbage: {garbage: true}\n"
    "      /trickle: {body: \"0123456789\", trickle: {bytes: 2, every: 400ms}}\n"
    "      /auth: {auth: \"Basic dXNlcjpwYXNz\", body: \"secret\"}\n"
    "  tls-selfsigned: {type: https, cert: selfsigned.crt, key: selfsigned.key,\n"
    "                   routes: {/: {body: x}}}\n"
    "  tls-wronghost: {type: https, cert: wronghost.crt, key: wronghost.key,\n"
    "                  routes: {/: {body: x}}}\n"
    "  ssh: {type: tcp, banner: \"SSH-2.0-OpenSSH_9.2\\r\\n\"}\n" SIM_FAULT_LISTENERS;

static struct sim sim;

/* ---- fixture: a loop and a client ----------------------------------------------------- */

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

struct fixture {
    struct test_loop loop;
    struct gw_http_client *client;
    char *url;                  /* of the last request(), or NULL */
    struct gw_http_request req; /* the last request() */
    struct got got;             /* the last fetch() */
};

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    test_loop_init(&f->loop, (uint64_t)(5000 * slack()));
    f->client = gw_http_client_new(&f->loop.uv);
    *state = f;
    return 0;
}

/* Frees the client and runs the loop dry: whatever it left open fails here. */
static void finish(struct fixture *f)
{
    gw_http_client_free(f->client);
    f->client = NULL;
    test_loop_finish(&f->loop);
}

static void got_free(struct got *g)
{
    free(g->body);
    g->body = NULL;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (test_loop_open(&f->loop))
        finish(f);
    got_free(&f->got);
    free(f->url);
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

static struct gw_http_request request_for(const char *url)
{
    return (struct gw_http_request){.size = sizeof(struct gw_http_request),
                                    .url = url,
                                    .timeout_ms = (uint64_t)(5000 * slack())};
}

/*
 * A request for `path` of the simulator's `listener` through `host`, with
 * the tests' defaults. Borrowed: the fixture keeps it, and its URL, until
 * the next request().
 */
static struct gw_http_request *request(struct fixture *f, const char *scheme, const char *host,
                                       const char *listener, const char *path)
{
    free(f->url);
    f->url = sim_url(&sim, scheme, host, listener, path);
    f->req = request_for(f->url);
    return &f->req;
}

static struct gw_http_call *start(struct fixture *f, const struct gw_http_request *req,
                                  struct got *g)
{
    memset(g, 0, sizeof(*g));
    struct gw_http_call *call = NULL;
    uv_update_time(&f->loop.uv);
    g->start_ns = uv_hrtime();
    assert_int_equal(gw_http_client_start(f->client, req, got_cb, g, &call), 0);
    assert_non_null(call);
    assert_int_equal(g->calls, 0); /* never from inside start */
    return call;
}

/* Runs the loop until *calls reaches `want`, for at most 20 s. */
static void wait_for(struct fixture *f, const unsigned *calls, unsigned want)
{
    test_loop_wait(&f->loop, calls, want, (uint64_t)(20000 * slack()), "response");
}

/* Starts `req` and waits for its one response in `g` (the caller frees it with got_free). */
static void fetch_into(struct fixture *f, const struct gw_http_request *req, struct got *g)
{
    start(f, req, g);
    wait_for(f, &g->calls, 1);
    assert_int_equal(g->calls, 1);
}

/* Fetches `req` into the fixture's got, which it returns (borrowed, until the next fetch). */
static struct got *fetch(struct fixture *f, const struct gw_http_request *req)
{
    got_free(&f->got);
    fetch_into(f, req, &f->got);
    return &f->got;
}

/* Fetches the request() of these arguments as it is. */
static struct got *get(struct fixture *f, const char *scheme, const char *host,
                       const char *listener, const char *path)
{
    return fetch(f, request(f, scheme, host, listener, path));
}

static double elapsed_ms(const struct got *g)
{
    return (double)(g->end_ns - g->start_ns) / 1e6;
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
    char *url = sim_url(&sim, "http", "127.0.0.1", "control", "/control/stats");
    struct gw_http_request req = request_for(url);
    struct got g;
    fetch_into(f, &req, &g);
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
    struct got *g = get(f, "http", "127.0.0.1", "web", "/");

    assert_reason(g, "");
    assert_string_equal(g->error, "");
    assert_int_equal(g->status, 200);
    assert_int_equal(g->http_version, 11);
    assert_string_equal(g->body, "Croeso / Welcome");
    assert_int_equal(g->body_len, 16);
    assert_int_equal(g->bytes, 16);
    assert_false(g->truncated);
    assert_has(g->headers, "X-Council: cardiff\n");
    assert_string_equal(g->remote_ip, "127.0.0.1");
    assert_int_equal(g->remote_port, sim_port(&sim, "web"));
    assert_string_equal(g->final_url, f->url);
    assert_int_equal(g->redirects, 0);
    /* Each phase is a duration, and together they make at most the whole. */
    assert_false(isnan(g->dns));
    assert_true(g->connect > 0);
    assert_true(isnan(g->tls));
    assert_true(g->first_byte >= 0);
    assert_true(g->total > 0 && g->total < 1.0 * slack());
    assert_true(g->dns + g->connect + g->first_byte <= g->total + 1e-6);
    assert_string_equal(g->tls_version, "");
    assert_int_equal(g->not_after, 0);
    finish(f);
}

static void test_http_client_error_status_is_a_response(void **state)
{
    struct fixture *f = *state;
    struct got *g = get(f, "http", "127.0.0.1", "web", "/down");
    assert_reason(g, "");
    assert_int_equal(g->status, 503);
    assert_string_equal(g->body, "down for maintenance");
    finish(f);
}

static void test_http_client_delay_is_measured_to_the_ms(void **state)
{
    struct fixture *f = *state;
    /* The simulator waits 200 ms before it answers. */
    const double low = 0.200 - TIMER_EARLY_MS / 1e3;
    double best_total = INFINITY, excess = INFINITY;
    for (int i = 0; i < BEST_OF && excess > 0; i++) {
        double allowed = delay_allowed_s();
        struct got *g = get(f, "http", "127.0.0.1", "web", "/delay");
        assert_int_equal(g->status, 200);
        if (g->total < low)
            fail_msg("total %.3f ms for a response delayed 200 ms", g->total * 1e3);
        if (g->first_byte < low)
            fail_msg("first byte after %.3f ms for a response delayed 200 ms", g->first_byte * 1e3);
        best_total = fmin(best_total, g->total);
        excess = fmin(excess, fmax(g->total, g->first_byte) - allowed);
    }
    if (excess > 0)
        fail_msg("total at best %.3f ms for a response delayed 200 ms", best_total * 1e3);
    finish(f);
}

/* Fails unless `g` is a 200 response whose generated body was cut at max_body. */
static void assert_cut_at(const struct got *g, size_t max_body)
{
    assert_reason(g, "");
    assert_int_equal(g->status, 200);
    assert_true(g->truncated);
    assert_int_equal(g->body_len, max_body);
    assert_has(g->body, "gwyliwr-sim generated body");
    assert_true(elapsed_ms(g) < 2000 * slack());
}

static void test_http_client_stops_reading_at_max_body(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "web", "/huge");
    req->max_body = 65536;
    struct got *g = fetch(f, req);
    /* A 1 GiB body: 64 KiB kept, and reading stopped there. */
    assert_cut_at(g, 65536);
    assert_true(g->bytes > 65536 && g->bytes < 65536 + 65536);

    /* The default limit is 1 MiB. */
    req->max_body = 0;
    g = fetch(f, req);
    assert_true(g->truncated);
    assert_int_equal(g->body_len, GW_HTTP_DEFAULT_MAX_BODY);
    finish(f);
}

static void test_http_client_discard_body_only_counts(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "web", "/huge");
    req->discard_body = true;
    req->max_body = 100000;
    struct got *g = fetch(f, req);
    assert_reason(g, "");
    assert_null(g->body);
    assert_true(g->truncated);
    assert_true(g->bytes > 100000);
    finish(f);
}

/* Compressed though nobody asked for it: decoded; `bytes` are what came over the wire. */
static void test_http_client_decodes_a_compressed_body(void **state)
{
    struct fixture *f = *state;
    struct got *g = get(f, "http", "127.0.0.1", "web", "/gz");
    assert_reason(g, "");
    assert_int_equal(g->status, 200);
    assert_has(g->headers, "Content-Encoding: gzip");
    assert_string_equal(g->body, "<h1>Croeso i Gyngor Caerdydd</h1>");
    assert_int_equal(g->body_len, 33);
    assert_false(g->truncated);
    char want[64];
    snprintf(want, sizeof(want), "Content-Length: %llu", (unsigned long long)g->bytes);
    assert_has(g->headers, want);
    assert_int_not_equal(g->bytes, 33);
    finish(f);
}

/* 1 GiB inflated from about 3 MiB: reading stops at max_body of decoded body. */
static void test_http_client_gzip_bomb_stops_at_max_body(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "web", "/bomb");
    req->max_body = 65536;
    struct got *g = fetch(f, req);
    assert_cut_at(g, 65536);
    /* What was read off the wire: a buffer or two of curl's, a sliver of the body. */
    assert_true(g->bytes > 0 && g->bytes < 65536);

    /* A body nobody keeps stops there too, at the default 1 MiB. */
    req->discard_body = true;
    req->max_body = 0;
    g = fetch(f, req);
    assert_reason(g, "");
    assert_null(g->body);
    assert_true(g->truncated);
    assert_true(g->bytes > 0 && g->bytes < GW_HTTP_DEFAULT_MAX_BODY);
    finish(f);
}

static void test_http_client_head_and_post(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "web", "/");
    req->method = "HEAD";
    struct got *g = fetch(f, req);
    assert_int_equal(g->status, 200);
    assert_int_equal(g->body_len, 0);
    assert_int_equal(g->bytes, 0);

    req->method = "POST";
    req->body = "q=bins";
    req->body_len = 6;
    g = fetch(f, req);
    assert_reason(g, "");
    assert_int_equal(g->status, 200);
    finish(f);
}

static void test_http_client_authentication(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "web", "/auth");
    struct got *g = fetch(f, req);
    assert_int_equal(g->status, 401);

    req->username = "user";
    req->password = "pass";
    g = fetch(f, req);
    assert_int_equal(g->status, 200);
    assert_string_equal(g->body, "secret");

    /* The same credentials as a header of the caller's. */
    const char *headers[] = {"Authorization: Basic dXNlcjpwYXNz", "X-Test: 1", NULL};
    req->username = req->password = NULL;
    req->headers = headers;
    g = fetch(f, req);
    assert_int_equal(g->status, 200);
    finish(f);
}

/* ---- redirects --------------------------------------------------------------------------- */

static void test_http_client_follows_redirects(void **state)
{
    struct fixture *f = *state;
    char *home = sim_url(&sim, "http", "127.0.0.1", "web", "/");
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "web", "/redir");
    req->max_redirects = 5;
    struct got *g = fetch(f, req);
    assert_int_equal(g->status, 200);
    assert_int_equal(g->redirects, 1);
    assert_string_equal(g->final_url, home);
    assert_string_equal(g->body, "Croeso / Welcome");
    /* Only the last response's headers. */
    assert_has(g->headers, "X-Council: cardiff");
    assert_null(strstr(g->headers, "Location:"));
    /* Two fresh connections: connect is the sum of both. */
    assert_true(g->connect > 0);

    req->max_redirects = 0;
    g = fetch(f, req);
    assert_reason(g, "");
    assert_int_equal(g->status, 302);
    assert_int_equal(g->redirects, 0);
    assert_has(g->headers, "Location: /");
    free(home);
    finish(f);
}

static void test_http_client_redirect_loop(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "web", "/loop");
    req->max_redirects = 3;
    struct got *g = fetch(f, req);
    assert_reason(g, GW_REASON_TOO_MANY_REDIRECTS);
    assert_has(g->error, "more than 3 redirects");
    assert_has(g->error, "/loop");
    assert_int_equal(g->status, 0);
    assert_null(g->body);
    finish(f);
}

/* ---- failures ---------------------------------------------------------------------------- */

static void test_http_client_connection_refused(void **state)
{
    struct fixture *f = *state;
    struct got *g = get(f, "http", "127.0.0.1", "closed", "/");
    assert_reason(g, GW_REASON_CONNECT_REFUSED);
    char want[64];
    snprintf(want, sizeof(want), "connection refused by 127.0.0.1:%d", sim_port(&sim, "closed"));
    assert_string_equal(g->error, want);
    assert_true(isnan(g->connect));
    finish(f);
}

/* Fails unless the request `g` answered ended `want` ms after it started, within the slack. */
static void assert_ended_at(const struct got *g, double want)
{
    double ms = elapsed_ms(g);
    if (ms < want - TIMER_EARLY_MS || ms > want + 100 * slack())
        fail_msg("ended after %.1f ms, expected %.0f ms", ms, want);
}

/* The timeout of a request whose reason depends on the connection having been
 * made first: a loopback connect is instant, but a test process stalled by a
 * loaded machine for longer than a short timeout would see the timer first
 * and report connect_timeout. */
#define AFTER_CONNECT_TIMEOUT_MS 1500

static void test_http_client_connect_timeout_on_time(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "blackhole", "/");
    req->timeout_ms = 300;
    struct got *g = fetch(f, req);
    assert_reason(g, GW_REASON_CONNECT_TIMEOUT);
    assert_has(g->error, "timed out after 300 ms");
    assert_ended_at(g, 300);
    assert_true(isnan(g->connect));
    finish(f);
}

static void test_http_client_silent_server_times_out_on_time(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "silent", "/");
    req->timeout_ms = AFTER_CONNECT_TIMEOUT_MS;
    struct got *g = fetch(f, req);
    assert_reason(g, GW_REASON_TIMEOUT);
    char want[80];
    snprintf(want, sizeof(want), "no response from 127.0.0.1:%d within %d ms",
             sim_port(&sim, "silent"), AFTER_CONNECT_TIMEOUT_MS);
    assert_string_equal(g->error, want);
    assert_ended_at(g, AFTER_CONNECT_TIMEOUT_MS);
    /* It connected, and that phase is measured. */
    assert_true(g->connect > 0);
    assert_true(isnan(g->first_byte));
    finish(f);
}

static void test_http_client_body_still_arriving_at_timeout(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "web", "/trickle");
    req->timeout_ms = AFTER_CONNECT_TIMEOUT_MS;
    struct got *g = fetch(f, req);
    assert_reason(g, GW_REASON_TIMEOUT);
    assert_has(g->error, "was still arriving after 1500 ms");
    assert_true(g->first_byte >= 0);
    finish(f);
}

static void test_http_client_reset(void **state)
{
    struct fixture *f = *state;
    struct got *g = get(f, "http", "127.0.0.1", "web", "/reset");
    assert_reason(g, GW_REASON_RESET);
    char want[64];
    snprintf(want, sizeof(want), "connection reset by 127.0.0.1:%d", sim_port(&sim, "web"));
    assert_has(g->error, want);
    finish(f);
}

static void test_http_client_garbage_is_a_bad_response(void **state)
{
    struct fixture *f = *state;
    struct got *g = get(f, "http", "127.0.0.1", "web", "/garbage");
    assert_reason(g, GW_REASON_BAD_RESPONSE);
    assert_has(g->error, "is not valid HTTP");
    /* A server of another protocol altogether. */
    g = get(f, "http", "127.0.0.1", "ssh", "/");
    assert_reason(g, GW_REASON_BAD_RESPONSE);
    finish(f);
}

/* ---- names ------------------------------------------------------------------------------- */

static void test_http_client_resolves_every_time(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "sim.test", "web", "/");
    int before = resolver_lookups();
    struct got *g = fetch(f, req);
    assert_int_equal(g->status, 200);
    assert_true(g->dns > 0);
    assert_string_equal(g->remote_ip, "127.0.0.1");
    fetch(f, req);
    /* No DNS cache: the second request asked the resolver again. */
    assert_int_equal(resolver_lookups() - before, 2);
    finish(f);
}

static void test_http_client_name_that_does_not_resolve(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request req = request_for("http://nowhere.invalid/");
    struct got *g = fetch(f, &req);
    assert_reason(g, GW_REASON_DNS);
    assert_string_equal(g->error, "nowhere.invalid does not resolve");
    assert_true(isnan(g->connect));
    finish(f);
}

static void test_http_client_resolution_timeout(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "slow.test", "web", "/");
    req->timeout_ms = 100;
    struct got *g = fetch(f, req);
    assert_reason(g, GW_REASON_DNS);
    assert_has(g->error, "did not resolve within 100 ms");
    /* Not the lookup's 300 ms. */
    double ms = elapsed_ms(g);
    if (ms < 100 - TIMER_EARLY_MS || ms > 250)
        fail_msg("ended after %.1f ms, expected 100 ms", ms);
    /* The lookup's late answer is dropped; its thread ends on its own. */
    test_loop_run_for(&f->loop, 400);
    finish(f);
}

/* ---- TLS -------------------------------------------------------------------------------- */

/* A request to `listener` that trusts the simulator's CA. Borrowed, as request()'s. */
static struct gw_http_request *tls_request(struct fixture *f, const char *host,
                                           const char *listener)
{
    struct gw_http_request *req = request(f, "https", host, listener, "/");
    req->ca_pem = sim.ca_pem;
    return req;
}

static void test_http_client_tls_reports_certificate(void **state)
{
    struct fixture *f = *state;
    struct got *g = fetch(f, tls_request(f, "127.0.0.1", "tls-valid"));
    assert_reason(g, "");
    assert_int_equal(g->status, 200);
    assert_string_equal(g->body, "valid");
    assert_true(g->tls > 0);
    assert_true(g->connect > 0);
    assert_true(strncmp(g->tls_version, "TLSv1.", 6) == 0);
    assert_has(g->subject, "CN=localhost");
    assert_has(g->issuer, "gwyliwr-sim local CA");
    double days = ((double)g->not_after - (double)time(NULL)) / 86400.0;
    if (days < 360 || days > 366)
        fail_msg("certificate valid for %.1f more days, expected a year", days);

    /* The same through a name the certificate holds. */
    g = fetch(f, tls_request(f, "localhost", "tls-valid"));
    assert_int_equal(g->status, 200);
    finish(f);
}

static void test_http_client_tls_untrusted_by_the_system(void **state)
{
    struct fixture *f = *state;
    struct got *g = get(f, "https", "127.0.0.1", "tls-valid", "/");
    /* The simulator's CA is not among the system's trust anchors. */
    assert_reason(g, GW_REASON_TLS_VERIFY);
    assert_has(g->error, "is not trusted: unable to get local issuer certificate");
    /* The certificate is known all the same. */
    assert_has(g->subject, "CN=localhost");
    assert_true(g->not_after > 0);
    finish(f);
}

static void test_http_client_tls_expired(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = tls_request(f, "127.0.0.1", "tls-expired");
    struct got *g = fetch(f, req);
    assert_reason(g, GW_REASON_TLS_EXPIRED);
    assert_has(g->error, "expired on ");
    assert_has(g->error, "(1 day ago)");
    assert_true(g->not_after < time(NULL));

    /* Without verification the exchange goes on, and the certificate is still reported. */
    req->insecure = true;
    g = fetch(f, req);
    assert_reason(g, "");
    assert_int_equal(g->status, 200);
    assert_true(g->not_after > 0 && g->not_after < time(NULL));
    assert_has(g->subject, "CN=localhost");
    finish(f);
}

static void test_http_client_tls_self_signed_and_wrong_host(void **state)
{
    struct fixture *f = *state;
    struct got *g = fetch(f, tls_request(f, "127.0.0.1", "tls-selfsigned"));
    assert_reason(g, GW_REASON_TLS_VERIFY);
    assert_has(g->error, "self-signed certificate");

    g = fetch(f, tls_request(f, "127.0.0.1", "tls-wronghost"));
    assert_reason(g, GW_REASON_TLS_VERIFY);
    assert_has(g->error, "is not for that name (it is for CN=wrong.example.org");
    finish(f);
}

static void test_http_client_tls_handshake_failures(void **state)
{
    struct fixture *f = *state;
    /* TLS to a plain HTTP server, and to a server of another protocol. */
    struct got *g = get(f, "https", "127.0.0.1", "web", "/");
    assert_reason(g, GW_REASON_TLS_HANDSHAKE);
    assert_has(g->error, "TLS handshake with 127.0.0.1:");
    g = get(f, "https", "127.0.0.1", "ssh", "/");
    assert_reason(g, GW_REASON_TLS_HANDSHAKE);

    /* A server that accepts and never shakes hands. */
    struct gw_http_request *req = request(f, "https", "127.0.0.1", "silent", "/");
    req->timeout_ms = AFTER_CONNECT_TIMEOUT_MS;
    g = fetch(f, req);
    assert_reason(g, GW_REASON_TIMEOUT);
    assert_has(g->error, "no TLS handshake from 127.0.0.1:");
    finish(f);
}

/* ---- connections, pooling, cancelling ------------------------------------------------------ */

static void test_http_client_fresh_connection_unless_reuse(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "web", "/");
    long before = sim_connections(f, "web");
    for (int i = 0; i < 3; i++)
        fetch(f, req);
    assert_int_equal(sim_connections(f, "web") - before, 3);

    req->reuse_connection = true;
    before = sim_connections(f, "web");
    for (int i = 0; i < 3; i++)
        assert_int_equal(fetch(f, req)->status, 200);
    assert_int_equal(sim_connections(f, "web") - before, 1);
    /* The kept connection does not hold the loop: finish() proves it. */
    finish(f);
}

static void test_http_client_pools_easy_handles(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "web", "/");
    struct got g[8];
    for (int round = 0; round < 3; round++) {
        unsigned done = 0;
        for (int i = 0; i < 8; i++)
            start(f, req, &g[i]);
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
    finish(f);
}

static void test_http_client_cancel_in_flight(void **state)
{
    struct fixture *f = *state;
    struct got g;
    struct gw_http_call *call = start(f, request(f, "http", "127.0.0.1", "silent", "/"), &g);
    test_loop_run_for(&f->loop, 50);
    struct gw_http_client_stats st;
    gw_http_client_stats(f->client, &st);
    assert_int_equal(st.in_flight, 1);
    assert_true(st.sockets >= 1);
    gw_http_client_cancel(f->client, call);
    gw_http_client_stats(f->client, &st);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.sockets, 0);
    test_loop_run_for(&f->loop, 50);
    assert_int_equal(g.calls, 0);
    finish(f);
}

static void test_http_client_cancel_while_resolving_does_not_block(void **state)
{
    struct fixture *f = *state;
    struct got g;
    struct gw_http_call *call = start(f, request(f, "http", "slow.test", "web", "/"), &g);
    test_loop_run_for(&f->loop, 20); /* the lookup is under way in its thread */
    uint64_t t0 = uv_hrtime();
    gw_http_client_cancel(f->client, call);
    /* Waiting for the lookup would take the rest of its 300 ms. */
    double ms = (double)(uv_hrtime() - t0) / 1e6;
    if (ms > 200)
        fail_msg("cancelling took %.1f ms: it waited for the resolver", ms);
    test_loop_run_for(&f->loop, 400);
    assert_int_equal(g.calls, 0);
    finish(f);
}

static void test_http_client_free_with_requests_in_flight(void **state)
{
    struct fixture *f = *state;
    struct gw_http_request *req = request(f, "http", "127.0.0.1", "silent", "/");
    struct got g[3];
    for (int i = 0; i < 3; i++)
        start(f, req, &g[i]);
    test_loop_run_for(&f->loop, 50);
    finish(f); /* frees the client with three requests open */
    for (int i = 0; i < 3; i++)
        assert_int_equal(g[i].calls, 0);
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
    resolver_use(fake_names);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_http_client_get_measures_phases),
        T(test_http_client_error_status_is_a_response),
        T(test_http_client_delay_is_measured_to_the_ms),
        T(test_http_client_stops_reading_at_max_body),
        T(test_http_client_discard_body_only_counts),
        T(test_http_client_decodes_a_compressed_body),
        T(test_http_client_gzip_bomb_stops_at_max_body),
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
    return sim_run_group_tests(&sim, scenario, "gw-http-client", tests);
}
