#include "check/http_client.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "check/mail_client.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Response headers kept, in lines and bytes: enough for any real page. */
#define HEADER_LINES_MAX 128
#define HEADER_BYTES_MAX (64u * 1024u)

/*
 * Seconds a resolved name is reused. 0: every request resolves afresh, so
 * the dns figure is a measurement and a name that stops resolving fails at
 * the next check (see the README for the figures behind this choice).
 */
#define DNS_CACHE_S 0L

/* ---- types --------------------------------------------------------------------- */

/* A socket curl asked us to watch. Freed in its close callback. */
struct http_socket {
    uv_poll_t poll;
    struct gw_http_client *client;
    struct http_socket *prev, *next;
};

/* Progress marks of one request (curl's microseconds since it started). */
struct hop_marks {
    curl_off_t dns, connect, tls, sent, first_byte;
};

/* Phase durations summed over the requests of a call, seconds; NAN: none. */
struct phases {
    double dns, connect, tls, first_byte;
};

struct gw_http_call {
    struct gw_http_client *client;
    struct gw_http_call *prev, *next; /* in flight */
    CURL *easy;
    bool in_multi;
    gw_http_done_cb done;
    void *data;
    uv_timer_t deadline; /* closed when the call ends; the call is freed then */
    uint64_t timeout_ms;
    bool follow;
    bool has_proxy;
    struct curl_slist *headers;
    struct gw_mail_job *mail; /* a mail: sent by mail_client.c, none of the rest is used */

    /* The body, decoded: at most max_body bytes (+1 for the NUL), or only counted. */
    bool keep_body;
    char *body;
    size_t body_len, body_cap;
    uint64_t max_body;
    uint64_t decoded; /* bytes curl handed over, past any Content-Encoding */
    bool truncated;

    /* Headers of the response being received: NUL-separated lines. */
    char *hdr;
    size_t hdr_len, hdr_cap;
    size_t n_hdr;
    long hdr_status;
    bool hdr_location;

    /* Earlier requests of a redirect chain, and where the current one began. */
    struct phases done_phases;
    struct hop_marks mark;

    /* The server certificate, from OpenSSL's verification callback. */
    bool tls_seen;
    const char *tls_version; /* static in OpenSSL */
    char *cert_subject;
    char *cert_issuer;
    int64_t cert_not_after;
    long verify_error;

    /* The socket of the latest connection attempt, to tell at the deadline
     * whether TCP had connected (curl's connect time waits for TLS too). */
    curl_socket_t sock;
    char sock_ip[64];
    int sock_port;

    char errbuf[CURL_ERROR_SIZE];
};

struct gw_http_client {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer; /* curl's own timeouts */
    unsigned handles; /* uv handles of ours not yet closed: the timer and sockets */
    bool freeing;
    bool tls_hooks; /* curl uses OpenSSL: its SSL_CTX callback is ours to use */
    struct http_socket *sockets;
    struct gw_http_call *calls;
    CURL *pool[GW_HTTP_POOL_MAX];
    unsigned n_pool;
    struct gw_http_client_stats stats;
};

/* ---- OpenSSL: the server certificate ---------------------------------------------- */

static int tls_index = -1; /* SSL_CTX ex data slot holding the call */
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static void tls_init_once(void)
{
    tls_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* "CN=www.example.org,O=Example" (caller frees), or NULL. */
static char *name_text(const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return NULL;
    char *out = NULL;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        if (n >= 0)
            out = gw_xstrndup(data, (size_t)n);
    }
    BIO_free(bio);
    return out;
}

static void note_certificate(struct gw_http_call *call, SSL *ssl, X509 *cert)
{
    call->tls_seen = true;
    call->tls_version = SSL_get_version(ssl);
    free(call->cert_subject);
    free(call->cert_issuer);
    call->cert_subject = name_text(X509_get_subject_name(cert));
    call->cert_issuer = name_text(X509_get_issuer_name(cert));
    call->cert_not_after = 0;
    struct tm tm;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1)
        call->cert_not_after = (int64_t)timegm(&tm);
}

/*
 * OpenSSL's verification callback: it runs during every handshake, with
 * verification on or off, before a failed verification ends the handshake,
 * so the certificate is known even when it is refused.
 */
static int verify_cb(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct gw_http_call *call = ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_index) : NULL;
    if (!call)
        return ok;
    X509 *cert = X509_STORE_CTX_get0_cert(store);
    if (!call->tls_seen && cert)
        note_certificate(call, ssl, cert);
    if (!ok && !call->verify_error)
        call->verify_error = X509_STORE_CTX_get_error(store);
    return ok;
}

static CURLcode ssl_ctx_cb(CURL *easy, void *sslctx, void *userp)
{
    (void)easy;
    SSL_CTX *ctx = sslctx;
    if (!SSL_CTX_set_ex_data(ctx, tls_index, userp))
        return CURLE_OK; /* no certificate details; the request goes on */
    SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), verify_cb);
    /* A connection kept for reuse outlives its call: a renegotiation would
     * run the callback again with a stale call. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    return CURLE_OK;
}

/* ---- the loop drives curl ---------------------------------------------------------- */

static void check_multi_info(struct gw_http_client *client);

static void client_handle_closed(struct gw_http_client *client)
{
    if (--client->handles == 0 && client->freeing)
        free(client);
}

static void socket_closed_cb(uv_handle_t *handle)
{
    struct http_socket *s = handle->data;
    struct gw_http_client *client = s->client;
    free(s);
    client_handle_closed(client);
}

static void socket_close(struct gw_http_client *client, struct http_socket *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        client->sockets = s->next;
    if (s->next)
        s->next->prev = s->prev;
    client->stats.sockets--;
    uv_close((uv_handle_t *)&s->poll, socket_closed_cb);
}

static void poll_cb(uv_poll_t *poll, int status, int events)
{
    struct http_socket *s = poll->data;
    struct gw_http_client *client = s->client;
    int flags = 0;
    /* libuv reports a socket error (a reset: POLLERR) as a status and stops
     * watching; curl then reads or writes the socket and finds the cause,
     * where CURL_CSELECT_ERR alone would only say "select/poll error". */
    if (status < 0)
        flags = CURL_CSELECT_IN | CURL_CSELECT_OUT;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)poll, &fd) < 0)
        return;
    int running;
    curl_multi_socket_action(client->multi, (curl_socket_t)fd, flags, &running);
    check_multi_info(client);
}

/* The loop is kept alive by our handles only while requests are in flight:
 * idle connections kept for reuse must not hold the daemon up at exit. */
static void set_ref(uv_handle_t *handle, bool ref)
{
    if (ref)
        uv_ref(handle);
    else
        uv_unref(handle);
}

static void update_refs(struct gw_http_client *client)
{
    bool ref = client->stats.in_flight > 0;
    set_ref((uv_handle_t *)&client->timer, ref);
    for (struct http_socket *s = client->sockets; s; s = s->next)
        set_ref((uv_handle_t *)&s->poll, ref);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct gw_http_client *client = userp;
    struct http_socket *s = socketp;
    char *private = NULL;
    if (easy)
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &private);
    struct gw_http_call *call = (struct gw_http_call *)private;
    if (call && what != CURL_POLL_REMOVE)
        call->sock = fd;
    else if (call && call->sock == fd)
        call->sock = CURL_SOCKET_BAD;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            curl_multi_assign(client->multi, fd, NULL);
            socket_close(client, s);
        }
        return 0;
    }
    if (!s) {
        s = gw_xcalloc(1, sizeof(*s));
        int rc = uv_poll_init_socket(client->loop, &s->poll, fd);
        if (rc < 0) {
            gw_log_error("http: cannot watch socket %d: %s", (int)fd, uv_strerror(rc));
            free(s);
            return -1;
        }
        s->client = client;
        s->poll.data = s;
        s->next = client->sockets;
        if (s->next)
            s->next->prev = s;
        client->sockets = s;
        client->handles++;
        client->stats.sockets++;
        set_ref((uv_handle_t *)&s->poll, client->stats.in_flight > 0);
        curl_multi_assign(client->multi, fd, s);
    }
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    uv_poll_start(&s->poll, events, poll_cb);
    return 0;
}

static void timer_fired_cb(uv_timer_t *timer)
{
    struct gw_http_client *client = timer->data;
    int running;
    curl_multi_socket_action(client->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_multi_info(client);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct gw_http_client *client = userp;
    if (client->freeing)
        return 0;
    if (timeout_ms < 0)
        uv_timer_stop(&client->timer);
    else
        uv_timer_start(&client->timer, timer_fired_cb, (uint64_t)timeout_ms, 0);
    return 0;
}

/* ---- receiving ---------------------------------------------------------------------- */

/*
 * curl hands over the body decoded (gzip, deflate, br, zstd), a buffer at a
 * time as it inflates: stopping here at max_body also stops the inflating,
 * so a small compressed body that would inflate to gigabytes costs at most
 * max_body of memory and the work of inflating that much.
 */
static size_t write_cb(char *data, size_t size, size_t n, void *userp)
{
    struct gw_http_call *call = userp;
    size_t len = size * n;
    uint64_t room = call->max_body - call->decoded;
    call->decoded += len;
    size_t take = len < room ? len : (size_t)room;
    if (call->keep_body && take) {
        if (call->body_len + take + 1 > call->body_cap) {
            size_t cap = call->body_cap ? call->body_cap : 4096;
            while (cap < call->body_len + take + 1)
                cap *= 2;
            if (cap > call->max_body + 1)
                cap = (size_t)call->max_body + 1;
            call->body = gw_xreallocarray(call->body, cap, 1);
            call->body_cap = cap;
        }
        memcpy(call->body + call->body_len, data, take);
        call->body_len += take;
    }
    if (take < len) {
        /* Beyond max_body: stop reading. A short count ends the transfer. */
        call->truncated = true;
        return 0;
    }
    return len;
}

static void read_marks(CURL *easy, struct hop_marks *m)
{
    memset(m, 0, sizeof(*m));
    curl_easy_getinfo(easy, CURLINFO_NAMELOOKUP_TIME_T, &m->dns);
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &m->connect);
    curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &m->tls);
    curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &m->sent);
    curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &m->first_byte);
}

static void add_phase(double *sum, curl_off_t us)
{
    *sum = (isnan(*sum) ? 0 : *sum) + (double)us / 1e6;
}

/*
 * Adds the phases the current request finished to *p. curl adds each
 * request's times (since that request began) to its running totals, so the
 * current request's are the totals minus the marks taken when it began.
 */
static void add_hop(const struct hop_marks *mark, const struct hop_marks *now, struct phases *p)
{
    curl_off_t dns = now->dns - mark->dns, connect = now->connect - mark->connect,
               tls = now->tls - mark->tls, sent = now->sent - mark->sent,
               first = now->first_byte - mark->first_byte;
    if (dns > 0)
        add_phase(&p->dns, dns);
    if (connect > 0)
        add_phase(&p->connect, connect - (dns > 0 ? dns : 0));
    if (tls > 0 && connect > 0)
        add_phase(&p->tls, tls - connect);
    if (first > 0) {
        curl_off_t from = sent > 0 ? sent : tls > 0 ? tls : connect;
        add_phase(&p->first_byte, first - from);
    }
}

/* A redirect will be followed: the next request's times start here. */
static void mark_hop(struct gw_http_call *call)
{
    struct hop_marks now;
    read_marks(call->easy, &now);
    add_hop(&call->mark, &now, &call->done_phases);
    call->mark = now;
    call->tls_seen = false; /* the next host's certificate replaces this one */
}

static long parse_status(const char *line, size_t len)
{
    /* "HTTP/1.1 200 OK", "HTTP/2 200" */
    const char *sp = memchr(line, ' ', len);
    if (!sp || (size_t)(sp - line) + 4 > len)
        return 0;
    long code = 0;
    for (const char *p = sp + 1; p < sp + 4; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        code = code * 10 + (*p - '0');
    }
    return code;
}

static size_t header_cb(char *data, size_t size, size_t n, void *userp)
{
    struct gw_http_call *call = userp;
    size_t len = size * n;
    size_t l = len;
    while (l && (data[l - 1] == '\r' || data[l - 1] == '\n'))
        l--;
    if (l >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new response: only the last one's headers are reported. */
        call->hdr_len = 0;
        call->n_hdr = 0;
        call->hdr_status = parse_status(data, l);
        call->hdr_location = false;
        return len;
    }
    if (l == 0) {
        if (call->follow && call->hdr_location && call->hdr_status >= 300 && call->hdr_status < 400)
            mark_hop(call);
        return len;
    }
    if (l >= 9 && strncasecmp(data, "location:", 9) == 0)
        call->hdr_location = true;
    if (call->n_hdr >= HEADER_LINES_MAX || call->hdr_len + l + 1 > HEADER_BYTES_MAX)
        return len;
    if (call->hdr_len + l + 1 > call->hdr_cap) {
        size_t cap = call->hdr_cap ? call->hdr_cap * 2 : 1024;
        while (cap < call->hdr_len + l + 1)
            cap *= 2;
        call->hdr = gw_xreallocarray(call->hdr, cap, 1);
        call->hdr_cap = cap;
    }
    memcpy(call->hdr + call->hdr_len, data, l);
    call->hdr[call->hdr_len + l] = '\0';
    call->hdr_len += l + 1;
    call->n_hdr++;
    return len;
}

/* ---- the outcome -------------------------------------------------------------------- */

/* What a response is built from, and the storage its strings point into. */
struct outcome {
    struct gw_http_response r;
    char error[512];
    char peer[320];
    char host[256]; /* the host name of the last request, for name failures */
    const char **headers;
};

/* "s" for durations in messages: "2 s", "300 ms". */
static void format_limit(uint64_t ms, char *out, size_t len)
{
    if (ms >= 1000 && ms % 1000 == 0)
        snprintf(out, len, "%llu s", (unsigned long long)(ms / 1000));
    else
        snprintf(out, len, "%llu ms", (unsigned long long)ms);
}

/*
 * Names the peer of the last request: "192.0.2.1:443 (www.example.org)",
 * "127.0.0.1:8080", or "www.example.org:443" when no address was reached.
 */
static void describe_peer(struct gw_http_call *call, struct outcome *o, const char *url)
{
    char *host = NULL, *port = NULL;
    CURLU *u = curl_url();
    if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_HOST, &host, 0);
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    }
    snprintf(o->host, sizeof(o->host), "%s", host ? host : "the server");
    const char *ip = o->r.remote_ip;
    if (call->has_proxy || !ip) {
        snprintf(o->peer, sizeof(o->peer), "%s%s%s", host ? host : "the server", port ? ":" : "",
                 port ? port : "");
    } else {
        bool v6 = strchr(ip, ':') != NULL;
        char addr[80];
        snprintf(addr, sizeof(addr), "%s%s%s:%d", v6 ? "[" : "", ip, v6 ? "]" : "",
                 o->r.remote_port);
        /* A literal host is its own address: say it once. */
        size_t hl = host ? strlen(host) : 0;
        bool literal = host && (strcmp(host, ip) == 0 ||
                                (v6 && hl == strlen(ip) + 2 && strncmp(host + 1, ip, hl - 2) == 0));
        if (literal || !host)
            snprintf(o->peer, sizeof(o->peer), "%s", addr);
        else
            snprintf(o->peer, sizeof(o->peer), "%s (%s)", addr, host);
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

static void set_error(struct outcome *o, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error(struct outcome *o, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->error, sizeof(o->error), fmt, ap);
    va_end(ap);
    o->r.reason = reason;
    o->r.error = o->error;
}

/* "on 2026-03-01 (2 days ago)". */
static void describe_expiry(int64_t not_after, char *out, size_t len)
{
    if (!not_after) {
        snprintf(out, len, "(expiry date unknown)");
        return;
    }
    time_t t = (time_t)not_after;
    struct tm tm;
    gmtime_r(&t, &tm);
    char day[32];
    strftime(day, sizeof(day), "%Y-%m-%d %H:%M UTC", &tm);
    double days = ((double)not_after - (double)time(NULL)) / 86400.0;
    if (days <= -1)
        snprintf(out, len, "on %s (%.0f day%s ago)", day, -days,
                 -days >= 0.5 && -days < 1.5 ? "" : "s");
    else if (days < 0)
        snprintf(out, len, "on %s (%.0f hours ago)", day, -days * 24);
    else
        snprintf(out, len, "on %s", day);
}

/*
 * Whether the call's latest socket is connected; notes its peer. curl's
 * connect time is set only once TLS is up too, so the socket is asked.
 */
static bool socket_connected(struct gw_http_call *call)
{
    if (call->sock == CURL_SOCKET_BAD)
        return false;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getpeername(call->sock, (struct sockaddr *)&ss, &len) != 0)
        return false;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
        uv_ip4_name(sin, call->sock_ip, sizeof(call->sock_ip));
        call->sock_port = ntohs(sin->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
        uv_ip6_name(sin6, call->sock_ip, sizeof(call->sock_ip));
        call->sock_port = ntohs(sin6->sin6_port);
    }
    return true;
}

/* A request that the deadline ended: which phase it was in. */
static void classify_timeout(struct gw_http_call *call, struct outcome *o,
                             const struct hop_marks *now)
{
    char limit[32];
    format_limit(call->timeout_ms, limit, sizeof(limit));
    /* An address literal needs no resolving, even when the deadline came
     * before curl began. */
    unsigned char addr[sizeof(struct in6_addr)];
    bool literal = o->host[0] == '[' || inet_pton(AF_INET, o->host, addr) == 1;
    bool resolved = literal || now->dns > call->mark.dns;
    bool connected = now->connect > call->mark.connect || call->sock_ip[0];
    bool tls_done = now->tls > call->mark.tls;
    bool answered = now->first_byte > call->mark.first_byte;
    const char *url = o->r.final_url;
    bool https = url && strncasecmp(url, "https:", 6) == 0;
    if (!resolved) {
        set_error(o, GW_REASON_DNS, "%s did not resolve within %s", o->host, limit);
    } else if (!connected) {
        set_error(o, GW_REASON_CONNECT_TIMEOUT, "connecting to %s timed out after %s", o->peer,
                  limit);
    } else if (https && !tls_done && !call->has_proxy) {
        set_error(o, GW_REASON_TIMEOUT, "no TLS handshake from %s within %s", o->peer, limit);
    } else if (!answered) {
        set_error(o, GW_REASON_TIMEOUT, "no response from %s within %s", o->peer, limit);
    } else {
        set_error(o, GW_REASON_TIMEOUT,
                  "the response from %s was still arriving after %s (%llu bytes of body)", o->peer,
                  limit, (unsigned long long)call->decoded);
    }
}

static bool is_errno_unreachable(long err)
{
    switch (err) {
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
        return true;
    default:
        return false;
    }
}

/*
 * Whether curl's message reports a reset or broken pipe. Its OS errno is
 * only set afresh by connect failures (a pooled handle keeps an older one),
 * so for failures after connecting the message is what tells.
 */
static bool says_reset(const char *detail)
{
    return strstr(detail, strerror(ECONNRESET)) || strstr(detail, strerror(EPIPE));
}

/* Sets reason and error from curl's result: a request that got no response (rc not OK). */
static void classify(struct gw_http_call *call, CURLcode rc, struct outcome *o,
                     const struct hop_marks *now)
{
    long os_errno = 0;
    curl_easy_getinfo(call->easy, CURLINFO_OS_ERRNO, &os_errno);
    const char *detail = call->errbuf[0] ? call->errbuf : curl_easy_strerror(rc);
    const char *peer = o->peer;
    switch (rc) {
    case CURLE_WRITE_ERROR: /* not ours stopping at max_body: that is a response */
        set_error(o, "plugin", "cannot keep the response from %s: %s", peer, detail);
        return;
    case CURLE_COULDNT_RESOLVE_HOST:
        set_error(o, GW_REASON_DNS, "%s does not resolve", o->host);
        return;
    case CURLE_COULDNT_RESOLVE_PROXY:
        set_error(o, GW_REASON_DNS, "the proxy does not resolve (%s)", detail);
        return;
    case CURLE_COULDNT_CONNECT: {
        const char *via = call->has_proxy ? " (the proxy)" : "";
        if (os_errno == ECONNREFUSED)
            set_error(o, GW_REASON_CONNECT_REFUSED, "connection refused by %s%s", peer, via);
        else if (os_errno == ETIMEDOUT)
            set_error(o, GW_REASON_CONNECT_TIMEOUT, "connecting to %s%s timed out", peer, via);
        else if (os_errno == ECONNRESET)
            set_error(o, GW_REASON_RESET, "connection reset by %s%s while connecting", peer, via);
        else if (is_errno_unreachable(os_errno) || os_errno == 0)
            set_error(o, GW_REASON_UNREACHABLE, "%s%s is unreachable (%s)", peer, via, detail);
        else
            set_error(o, "plugin", "cannot connect to %s%s: %s", peer, via,
                      strerror((int)os_errno));
        return;
    }
    case CURLE_OPERATION_TIMEDOUT:
        classify_timeout(call, o, now);
        return;
    case CURLE_SSL_CONNECT_ERROR:
        if (says_reset(detail))
            set_error(o, GW_REASON_RESET, "connection reset by %s during the TLS handshake", peer);
        else
            set_error(o, GW_REASON_TLS_HANDSHAKE, "TLS handshake with %s failed: %s", peer, detail);
        return;
    case CURLE_PEER_FAILED_VERIFICATION: {
        /* The chain's first error, as OpenSSL's callback saw it; none
         * there means the chain was good and the name did not match. */
        long verify = call->verify_error;
        if (!verify && !call->tls_seen)
            curl_easy_getinfo(call->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
        if (verify == X509_V_ERR_UNSPECIFIED)
            verify = 0;
        if (verify == X509_V_ERR_CERT_HAS_EXPIRED) {
            char when[96];
            describe_expiry(call->cert_not_after, when, sizeof(when));
            set_error(o, GW_REASON_TLS_EXPIRED, "the certificate of %s expired %s", peer, when);
        } else if (verify) {
            set_error(o, GW_REASON_TLS_VERIFY, "the certificate of %s is not trusted: %s", peer,
                      X509_verify_cert_error_string(verify));
        } else if (call->tls_seen && call->cert_subject) {
            set_error(o, GW_REASON_TLS_VERIFY,
                      "the certificate of %s is not for that name (it is for %s; %s)", peer,
                      call->cert_subject, detail);
        } else {
            set_error(o, GW_REASON_TLS_VERIFY, "the certificate of %s is not trusted: %s", peer,
                      detail);
        }
        return;
    }
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
        set_error(o, "plugin", "cannot set up TLS for %s: %s", peer, detail);
        return;
    case CURLE_TOO_MANY_REDIRECTS: {
        long redirects = 0;
        curl_easy_getinfo(call->easy, CURLINFO_REDIRECT_COUNT, &redirects);
        char *next = NULL;
        curl_easy_getinfo(call->easy, CURLINFO_REDIRECT_URL, &next);
        set_error(o, GW_REASON_TOO_MANY_REDIRECTS, "more than %ld redirects, the last from %s%s%s",
                  redirects, o->r.final_url ? o->r.final_url : peer, next ? " to " : "",
                  next ? next : "");
        return;
    }
    case CURLE_GOT_NOTHING:
        set_error(o, GW_REASON_RESET, "%s closed the connection without a response", peer);
        return;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_SSL_SHUTDOWN_FAILED: {
        const char *doing = now->first_byte > call->mark.first_byte ? "receiving the response"
                                                                    : "waiting for the response";
        if (says_reset(detail))
            set_error(o, GW_REASON_RESET, "connection reset by %s while %s", peer, doing);
        else
            set_error(o, GW_REASON_RESET, "connection to %s broke while %s (%s)", peer, doing,
                      detail);
        return;
    }
    case CURLE_PARTIAL_FILE:
        set_error(o, GW_REASON_RESET, "%s closed the connection before the end of the body (%s)",
                  peer, detail);
        return;
    case CURLE_UNSUPPORTED_PROTOCOL:
        /* Either a redirect to another scheme, or a reply without an HTTP
         * status line, which curl calls HTTP/0.9. */
        if (!strstr(detail, "HTTP/0.9")) {
            set_error(o, GW_REASON_BAD_RESPONSE,
                      "%s redirects to a URL that is not http or https (%s)", peer, detail);
            return;
        }
        set_error(o, GW_REASON_BAD_RESPONSE, "the reply from %s is not valid HTTP (%s)", peer,
                  detail);
        return;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_RANGE_ERROR:
    case CURLE_HTTP3:
        set_error(o, GW_REASON_BAD_RESPONSE, "the reply from %s is not valid HTTP (%s)", peer,
                  detail);
        return;
    case CURLE_PROXY:
        set_error(o, GW_REASON_UNREACHABLE, "the proxy cannot reach %s (%s)", peer, detail);
        return;
    default:
        set_error(o, "plugin", "request to %s failed: %s", peer, detail);
        return;
    }
}

static int http_version_of(long v)
{
    switch (v) {
    case CURL_HTTP_VERSION_1_0:
        return 10;
    case CURL_HTTP_VERSION_1_1:
        return 11;
    case CURL_HTTP_VERSION_2_0:
        return 20;
    case CURL_HTTP_VERSION_3:
        return 30;
    default:
        return 0;
    }
}

/* Fills the response from curl's state after the transfer ended with `rc`. */
static void build_outcome(struct gw_http_call *call, CURLcode rc, struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    struct gw_http_response *r = &o->r;
    CURL *easy = call->easy;
    struct hop_marks now;
    read_marks(easy, &now);
    struct phases p = call->done_phases;
    add_hop(&call->mark, &now, &p);
    r->dns_s = p.dns;
    r->connect_s = p.connect;
    r->tls_s = p.tls;
    r->first_byte_s = p.first_byte;
    curl_off_t total = 0;
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total);
    r->total_s = (double)total / 1e6;

    char *url = NULL, *ip = NULL;
    long port = 0, redirects = 0, version = 0, status = 0;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
    curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip);
    curl_easy_getinfo(easy, CURLINFO_PRIMARY_PORT, &port);
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    r->final_url = url;
    r->redirects = (int)redirects;
    if (call->tls_seen) {
        r->tls_version = call->tls_version;
        r->cert_subject = call->cert_subject;
        r->cert_issuer = call->cert_issuer;
        r->cert_not_after = call->cert_not_after;
    }
    bool response = rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && call->truncated);
    /* A failure needs its peer named, and the socket, while still open,
     * tells whether TCP got through (curl notes the address only later). */
    bool tcp_up = !response && socket_connected(call);
    if (ip && *ip) {
        r->remote_ip = ip;
        r->remote_port = (int)port;
    } else if (tcp_up) {
        r->remote_ip = call->sock_ip;
        r->remote_port = call->sock_port;
    }
    if (!response) {
        describe_peer(call, o, url);
        if (rc == CURLE_OPERATION_TIMEDOUT)
            classify_timeout(call, o, &now);
        else
            classify(call, rc, o, &now);
        return;
    }

    r->status = status;
    r->http_version = http_version_of(version);
    o->headers = gw_xcalloc(call->n_hdr + 1, sizeof(*o->headers));
    const char *line = call->hdr;
    for (size_t i = 0; i < call->n_hdr; i++) {
        o->headers[i] = line;
        line += strlen(line) + 1;
    }
    r->headers = o->headers;
    r->n_headers = call->n_hdr;
    if (call->keep_body) {
        if (!call->body)
            call->body = gw_xcalloc(1, 1);
        call->body[call->body_len] = '\0';
        r->body = call->body;
        r->body_len = call->body_len;
    }
    r->body_truncated = call->truncated;
    /* As sent: curl counts the body before decoding it (and without the
     * chunked framing). */
    curl_off_t wire = 0;
    curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &wire);
    r->bytes = (uint64_t)wire;
}

/* ---- calls ------------------------------------------------------------------------ */

static CURL *easy_take(struct gw_http_client *client)
{
    if (client->n_pool)
        return client->pool[--client->n_pool];
    CURL *easy = curl_easy_init();
    if (!easy) {
        gw_log_error("http: out of memory");
        abort();
    }
    client->stats.handles_made++;
    return easy;
}

static void easy_give(struct gw_http_client *client, CURL *easy)
{
    if (client->n_pool < GW_HTTP_POOL_MAX && !client->freeing) {
        curl_easy_reset(easy);
        client->pool[client->n_pool++] = easy;
    } else {
        curl_easy_cleanup(easy);
    }
}

static void call_closed_cb(uv_handle_t *handle)
{
    free(handle->data);
}

static void call_unlink(struct gw_http_client *client, struct gw_http_call *call)
{
    if (call->prev)
        call->prev->next = call->next;
    else
        client->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    if (--client->stats.in_flight == 0)
        update_refs(client);
}

/* Takes the call out of curl and releases everything but the struct itself,
 * which goes when its timer has closed. */
static void call_release(struct gw_http_client *client, struct gw_http_call *call)
{
    if (call->in_multi)
        curl_multi_remove_handle(client->multi, call->easy);
    easy_give(client, call->easy);
    curl_slist_free_all(call->headers);
    free(call->body);
    free(call->hdr);
    free(call->cert_subject);
    free(call->cert_issuer);
    uv_close((uv_handle_t *)&call->deadline, call_closed_cb);
}

static void call_finish(struct gw_http_call *call, CURLcode rc)
{
    struct gw_http_client *client = call->client;
    uv_timer_stop(&call->deadline);
    struct outcome o;
    build_outcome(call, rc, &o);
    /* Out of curl before the callback, which may start or cancel others. */
    curl_multi_remove_handle(client->multi, call->easy);
    call->in_multi = false;
    call_unlink(client, call);
    client->stats.completed++;
    call->done(call->data, &o.r);
    free(o.headers);
    call_release(client, call);
}

static void check_multi_info(struct gw_http_client *client)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(client->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        char *private = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &private);
        if (private)
            call_finish((struct gw_http_call *)private, msg->data.result);
    }
}

static void deadline_cb(uv_timer_t *timer)
{
    call_finish(timer->data, CURLE_OPERATION_TIMEDOUT);
}

/* Applies the request to the call's easy handle. Returns 0 or -EINVAL. */
static int configure_easy(struct gw_http_client *client, struct gw_http_call *call,
                          const struct gw_http_request *req)
{
    CURL *e = call->easy;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        CURLcode set_rc = curl_easy_setopt(e, opt, val);                                           \
        if (set_rc != CURLE_OK && rc == CURLE_OK)                                                  \
            rc = set_rc;                                                                           \
    } while (0)

    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_PRIVATE, call);
    SET(CURLOPT_ERRORBUFFER, call->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_USERAGENT, "gwyliwr/" GW_VERSION);
    SET(CURLOPT_WRITEFUNCTION, write_cb);
    SET(CURLOPT_WRITEDATA, call);
    SET(CURLOPT_HEADERFUNCTION, header_cb);
    SET(CURLOPT_HEADERDATA, call);
    /* "": offer every encoding this libcurl can decode (Debian 12's: deflate,
     * gzip, br, zstd), and decode whatever a server sends, asked or not. */
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_DNS_CACHE_TIMEOUT, DNS_CACHE_S);
    /* A cancelled lookup must not make curl wait for its resolver thread. */
    SET(CURLOPT_QUICK_EXIT, 1L);
    /* Resumed TLS sessions would hide the handshake's cost and the certificate. */
    SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
    if (!req->reuse_connection) {
        SET(CURLOPT_FRESH_CONNECT, 1L);
        SET(CURLOPT_FORBID_REUSE, 1L);
    }
    if (req->max_redirects > 0) {
        SET(CURLOPT_FOLLOWLOCATION, 1L);
        SET(CURLOPT_MAXREDIRS, (long)req->max_redirects);
    }
    if (req->ip_version == 4)
        SET(CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4);
    else if (req->ip_version == 6)
        SET(CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V6);
    if (req->timeout_ms) {
        /* Lets curl share the time among a name's addresses. A little
         * longer than the deadline, which ends the request first: curl
         * closes a socket it times out, and the socket tells what phase
         * the request was in. */
        SET(CURLOPT_CONNECTTIMEOUT_MS, (long)req->timeout_ms + 1000L);
    }
    if (req->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (req->ca_pem) {
        struct curl_blob blob = {
            .data = (void *)req->ca_pem, .len = strlen(req->ca_pem), .flags = CURL_BLOB_COPY};
        SET(CURLOPT_CAINFO, NULL);
        SET(CURLOPT_CAPATH, NULL);
        SET(CURLOPT_CAINFO_BLOB, &blob);
    }
    if (client->tls_hooks) {
        SET(CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
        SET(CURLOPT_SSL_CTX_DATA, call);
    }
    /* "" rather than unset: the *_proxy environment variables are ignored. */
    SET(CURLOPT_PROXY, req->proxy ? req->proxy : "");
    if (req->username) {
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SET(CURLOPT_USERNAME, req->username);
        SET(CURLOPT_PASSWORD, req->password ? req->password : "");
    }

    const char *method = req->method ? req->method : "GET";
    bool has_body = req->body != NULL;
    if (strcmp(method, "HEAD") == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "POST") == 0 || has_body) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(has_body ? req->body_len : 0));
        SET(CURLOPT_COPYPOSTFIELDS, has_body ? req->body : "");
        if (strcmp(method, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        SET(CURLOPT_CUSTOMREQUEST, method);
    }
    for (const char *const *h = req->headers; h && *h; h++) {
        struct curl_slist *l = curl_slist_append(call->headers, *h);
        if (!l) {
            gw_log_error("http: out of memory");
            abort();
        }
        call->headers = l;
    }
    if (has_body || strcmp(method, "POST") == 0) {
        /* No "Expect: 100-continue" wait before the body. */
        struct curl_slist *l = curl_slist_append(call->headers, "Expect:");
        if (!l) {
            gw_log_error("http: out of memory");
            abort();
        }
        call->headers = l;
    }
    if (call->headers)
        SET(CURLOPT_HTTPHEADER, call->headers);
#undef SET
    if (rc != CURLE_OK) {
        gw_log_error("http: cannot set up a request for %s: %s", req->url, curl_easy_strerror(rc));
        return -EINVAL;
    }
    return 0;
}

static void call_link(struct gw_http_client *client, struct gw_http_call *call)
{
    call->next = client->calls;
    if (call->next)
        call->next->prev = call;
    client->calls = call;
    client->stats.started++;
    if (client->stats.in_flight++ == 0)
        update_refs(client);
}

static void mail_done_cb(void *data, const struct gw_http_response *response)
{
    struct gw_http_call *call = data;
    call_unlink(call->client, call);
    call->client->stats.completed++;
    call->done(call->data, response);
    free(call);
}

static int start_mail(struct gw_http_client *client, const struct gw_http_request *req,
                      gw_http_done_cb done, void *data, struct gw_http_call **call_out)
{
    struct gw_http_call *call = gw_xcalloc(1, sizeof(*call));
    call->client = client;
    call->done = done;
    call->data = data;
    int rc = gw_mail_client_start(client->loop, req, mail_done_cb, call, &call->mail);
    if (rc < 0) {
        free(call);
        return rc;
    }
    call_link(client, call);
    *call_out = call;
    return 0;
}

/* ABI 2's first gw_http_request, up to discard_body: what every plugin sends. */
#define REQUEST_MIN_SIZE (offsetof(struct gw_http_request, discard_body) + sizeof(bool))

int gw_http_client_start(struct gw_http_client *client, const struct gw_http_request *request,
                         gw_http_done_cb done, void *data, struct gw_http_call **call_out)
{
    if (!request || request->size < REQUEST_MIN_SIZE || client->freeing)
        return -EINVAL;
    /* Members appended after the plugin was built are zero for it. */
    struct gw_http_request copy = {0};
    memcpy(&copy, request, request->size < sizeof(copy) ? request->size : sizeof(copy));
    const struct gw_http_request *req = &copy;
    if (!req->url)
        return -EINVAL;
    if (gw_mail_client_is_mail(req) || req->mail_from)
        return start_mail(client, req, done, data, call_out);
    struct gw_http_call *call = gw_xcalloc(1, sizeof(*call));
    call->client = client;
    call->done = done;
    call->data = data;
    call->timeout_ms = req->timeout_ms;
    call->follow = req->max_redirects > 0;
    call->has_proxy = req->proxy && *req->proxy;
    call->max_body = req->max_body ? req->max_body : GW_HTTP_DEFAULT_MAX_BODY;
    call->keep_body = !req->discard_body;
    call->done_phases = (struct phases){NAN, NAN, NAN, NAN};
    call->sock = CURL_SOCKET_BAD;
    call->easy = easy_take(client);
    uv_timer_init(client->loop, &call->deadline);
    call->deadline.data = call;

    int rc = configure_easy(client, call, req);
    if (rc == 0) {
        CURLMcode mrc = curl_multi_add_handle(client->multi, call->easy);
        if (mrc != CURLM_OK) {
            gw_log_error("http: cannot start a request for %s: %s", req->url,
                         curl_multi_strerror(mrc));
            rc = -EINVAL;
        }
        call->in_multi = mrc == CURLM_OK;
    }
    if (rc < 0) {
        easy_give(client, call->easy);
        curl_slist_free_all(call->headers);
        uv_close((uv_handle_t *)&call->deadline, call_closed_cb);
        return rc;
    }
    /* Started after the caller's own timer would be, for the same instant,
     * libuv runs this one first (see gw_http_request.timeout_ms). */
    if (req->timeout_ms)
        uv_timer_start(&call->deadline, deadline_cb, req->timeout_ms, 0);
    call_link(client, call);
    *call_out = call;
    return 0;
}

void gw_http_client_cancel(struct gw_http_client *client, struct gw_http_call *call)
{
    if (!call)
        return;
    if (call->mail) {
        gw_mail_client_cancel(call->mail);
        call_unlink(client, call);
        free(call);
        return;
    }
    uv_timer_stop(&call->deadline);
    call_unlink(client, call);
    call_release(client, call);
}

/* ---- the client ------------------------------------------------------------------- */

static void client_timer_closed_cb(uv_handle_t *handle)
{
    client_handle_closed(handle->data);
}

struct gw_http_client *gw_http_client_new(uv_loop_t *loop)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        gw_log_error("http: libcurl cannot start");
        abort();
    }
    struct gw_http_client *client = gw_xcalloc(1, sizeof(*client));
    client->loop = loop;
    client->multi = curl_multi_init();
    if (!client->multi) {
        gw_log_error("http: out of memory");
        abort();
    }
    curl_multi_setopt(client->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(client->multi, CURLMOPT_SOCKETDATA, client);
    curl_multi_setopt(client->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(client->multi, CURLMOPT_TIMERDATA, client);
    uv_timer_init(loop, &client->timer);
    client->timer.data = client;
    uv_unref((uv_handle_t *)&client->timer);
    client->handles = 1;

    /* The certificate hooks are OpenSSL's: with curl on another TLS library
     * requests still work, without certificate details. */
    const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
    if (info->ssl_version && strncmp(info->ssl_version, "OpenSSL/", 8) == 0) {
        pthread_once(&tls_once, tls_init_once);
        client->tls_hooks = tls_index >= 0;
    }
    return client;
}

void gw_http_client_free(struct gw_http_client *client)
{
    if (!client)
        return;
    while (client->calls)
        gw_http_client_cancel(client, client->calls);
    client->freeing = true;
    /* Closes kept connections: curl tells socket_cb to stop watching them. */
    curl_multi_cleanup(client->multi);
    while (client->n_pool)
        curl_easy_cleanup(client->pool[--client->n_pool]);
    while (client->sockets)
        socket_close(client, client->sockets);
    uv_close((uv_handle_t *)&client->timer, client_timer_closed_cb);
    curl_global_cleanup();
}

void gw_http_client_stats(const struct gw_http_client *client, struct gw_http_client_stats *out)
{
    *out = client->stats;
    out->idle_handles = client->n_pool;
}
