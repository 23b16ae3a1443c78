/*
 * The `tcp` check type: a port accepts connections, and optionally answers a
 * request (or greets) with an expected text, as SMTP ("220") or SSH ("SSH-")
 * do.
 *
 * One run goes through up to three phases, each asynchronous on the loop:
 * name resolution (uv_getaddrinfo, skipped for address literals), connecting
 * to each resolved address in turn until one accepts, and, when `send` or
 * `expect` is set, the exchange. The core enforces the timeout by cancelling
 * the run, so no phase has a timer of its own.
 *
 * A run ends in one of two ways: the plugin completes the check (finish) or
 * the core cancels it. Either way `run->check` becomes NULL at once and every
 * callback still to come only releases resources: the run is freed when the
 * resolver request and the socket handle have both reported back.
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gwyliwr/plugin.h>

#include "fmt.h"
#include "netaddr.h"

/* The reply is searched for `expect` within this many bytes. */
#define TCP_READ_LIMIT 4096

/* Bytes of a reply quoted in a message. */
#define TCP_QUOTE_BYTES 60

/* ---- configuration ------------------------------------------------------- */

struct tcp_conf {
    char *host; /* as configured, without the brackets of "[::1]" */
    char port_text[8];
    int port;
    int family;   /* AF_UNSPEC, AF_INET or AF_INET6 */
    bool numeric; /* host is an address literal, already in addr */
    struct sockaddr_storage addr;
    char *send; /* NULL when nothing is sent */
    size_t send_len;
    char *expect; /* NULL when the reply is not read */
    size_t expect_len;
};

static const struct gw_cfg_key tcp_keys[] = {
    {"host", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "host name or IPv4/IPv6 address to connect to"},
    {"port", GW_CFG_INT, GW_CFG_REQUIRED, NULL, "TCP port, 1 to 65535"},
    GW_NETADDR_IP_KEY,
    {"send", GW_CFG_STRING, 0, NULL,
     "text written once connected; \\r, \\n, \\t and \\\\ escapes allowed, e.g. QUIT\\r\\n"},
    {"expect", GW_CFG_STRING, 0, NULL,
     "text the reply must contain within its first 4 KiB, e.g. 220 or SSH-"},
    {NULL, 0, 0, NULL, NULL},
};

/* `response` is declared only when expect is set. */
static const struct gw_figure_decl tcp_figures[] = {
    {"connect", "s", 0, NAN},
    {"response", "s", 0, NAN},
};

static void tcp_conf_free(void *p)
{
    struct tcp_conf *conf = p;
    if (!conf)
        return;
    free(conf->host);
    free(conf->send);
    free(conf->expect);
    free(conf);
}

/*
 * Decodes \r, \n, \t and \\ in `text` into a new buffer (caller frees).
 * Reports an unknown escape at `node`.
 */
static int decode_escapes(const struct gw_host *host, const struct gw_cfg *node, const char *key,
                          const char *text, char **out, size_t *out_len)
{
    char *buf = malloc(strlen(text) + 1);
    if (!buf) {
        host->cfg_error(node, "out of memory");
        return -ENOMEM;
    }
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p != '\\') {
            buf[n++] = *p;
            continue;
        }
        switch (p[1]) {
        case 'r':
            buf[n++] = '\r';
            break;
        case 'n':
            buf[n++] = '\n';
            break;
        case 't':
            buf[n++] = '\t';
            break;
        case '\\':
            buf[n++] = '\\';
            break;
        default:
            if (p[1])
                host->cfg_error(node,
                                "%s: unknown escape \"\\%c\" (expected \\r, \\n, \\t or "
                                "\\\\)",
                                key, p[1]);
            else
                host->cfg_error(node,
                                "%s: ends with a lone backslash (expected \\r, \\n, \\t "
                                "or \\\\)",
                                key);
            free(buf);
            return -EINVAL;
        }
        p++;
    }
    buf[n] = '\0';
    if (n == 0) {
        host->cfg_error(node, "empty %s (remove the key, or give the text)", key);
        free(buf);
        return -EINVAL;
    }
    *out = buf;
    *out_len = n;
    return 0;
}

static int tcp_configure(const struct gw_host *host, const struct gw_cfg *target, void **conf_out)
{
    struct tcp_conf *conf = calloc(1, sizeof(*conf));
    if (!conf) {
        host->cfg_error(target, "out of memory");
        return -ENOMEM;
    }
    int rc = 0;
    const char *send = NULL, *expect = NULL;
    int64_t port = 0;
    if (host->cfg_int(target, "port", INT64_MIN, INT64_MAX, &port) < 0) {
        rc = -EINVAL;
    } else if (port < 1 || port > 65535) {
        host->cfg_error(host->cfg_child(target, "port"),
                        "port %lld is out of range (expected 1 to 65535)", (long long)port);
        rc = -EINVAL;
    }
    conf->port = (int)port;
    snprintf(conf->port_text, sizeof(conf->port_text), "%d", conf->port);

    struct gw_netaddr target_host;
    if (gw_netaddr_configure(host, target, "port", &target_host, &conf->family) < 0) {
        rc = -EINVAL;
    } else {
        conf->host = target_host.host;
        conf->numeric = target_host.numeric;
        conf->addr = target_host.addr;
        if (conf->numeric)
            gw_netaddr_set_port(&conf->addr, conf->port);
    }

    if (host->cfg_string(target, "send", &send) < 0 ||
        (send && decode_escapes(host, host->cfg_child(target, "send"), "send", send, &conf->send,
                                &conf->send_len) < 0))
        rc = -EINVAL;
    if (host->cfg_string(target, "expect", &expect) < 0 ||
        (expect && decode_escapes(host, host->cfg_child(target, "expect"), "expect", expect,
                                  &conf->expect, &conf->expect_len) < 0)) {
        rc = -EINVAL;
    } else if (conf->expect && conf->expect_len > TCP_READ_LIMIT) {
        host->cfg_error(host->cfg_child(target, "expect"),
                        "expect is %zu bytes long and can never match (expected at most %d "
                        "bytes: the reply is searched within its first 4 KiB)",
                        conf->expect_len, TCP_READ_LIMIT);
        rc = -EINVAL;
    }

    if (rc < 0) {
        tcp_conf_free(conf);
        return rc;
    }
    *conf_out = conf;
    return 0;
}

static const char *tcp_conf_host(const void *p)
{
    const struct tcp_conf *conf = p;
    return conf->host;
}

static size_t tcp_conf_figures(const void *p, const struct gw_figure_decl **out)
{
    const struct tcp_conf *conf = p;
    *out = tcp_figures;
    return conf->expect ? 2 : 1;
}

/* ---- one run -------------------------------------------------------------- */

struct tcp_run {
    const struct gw_host *host;
    const struct tcp_conf *conf; /* valid only while check is set */
    struct gw_check *check;      /* NULL once completed or cancelled */

    uv_getaddrinfo_t resolve;
    bool resolving; /* the resolver's callback is still to come */
    struct addrinfo *addrs;
    struct addrinfo *next_addr;

    uv_tcp_t tcp;
    bool tcp_live; /* initialised, and its close callback is still to come */
    uv_connect_t connect;
    uv_write_t write;

    struct sockaddr_storage peer; /* the address being tried */
    unsigned tried;               /* addresses tried so far */
    int best_err;                 /* the most telling connect error, 0 none */
    int best_rank;
    struct sockaddr_storage best_peer;

    uint64_t attempt_ns;   /* uv_hrtime when connecting to peer began */
    uint64_t connected_ns; /* uv_hrtime when it was connected */
    bool numeric_pending;  /* the literal address is still to be tried */

    size_t received;
    char reply[TCP_READ_LIMIT];
    size_t send_len;
    char send[]; /* a copy: libuv holds it while the write is queued */
};

static void tcp_closed_cb(uv_handle_t *handle);

/* Frees the run once nothing of libuv refers to it any more. */
static void run_release(struct tcp_run *run)
{
    if (run->resolving || run->tcp_live)
        return;
    uv_freeaddrinfo(run->addrs);
    free(run);
}

static void close_tcp(struct tcp_run *run)
{
    if (run->tcp_live && !uv_is_closing((uv_handle_t *)&run->tcp))
        uv_close((uv_handle_t *)&run->tcp, tcp_closed_cb);
}

/* Completes the check and lets go of it; the run is freed when its handles are. */
static void finish(struct tcp_run *run, enum gw_status status, const char *reason, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
static void finish(struct tcp_run *run, enum gw_status status, const char *reason, const char *fmt,
                   ...)
{
    char message[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    struct gw_check *check = run->check;
    run->check = NULL;
    run->conf = NULL;
    close_tcp(run);
    run->host->check_done(check, status, reason, "%s", message);
    run_release(run);
}

/* "192.0.2.1:25", "[2001:db8::1]:25", then " (mail.example)" when a name was resolved. */
static void describe_peer(const struct tcp_run *run, const struct sockaddr_storage *ss, char *out,
                          size_t len)
{
    char ip[64] = "?";
    int port = 0;
    bool v6 = ss->ss_family == AF_INET6;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        uv_ip4_name(sin, ip, sizeof(ip));
        port = ntohs(sin->sin_port);
    } else if (v6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        uv_ip6_name(sin6, ip, sizeof(ip));
        port = ntohs(sin6->sin6_port);
    }
    if (run->conf->numeric)
        snprintf(out, len, "%s%s%s:%d", v6 ? "[" : "", ip, v6 ? "]" : "", port);
    else
        snprintf(out, len, "%s%s%s:%d (%s)", v6 ? "[" : "", ip, v6 ? "]" : "", port,
                 run->conf->host);
}

/* Quotes the start of `data` in printable ASCII, marking a cut with "...". */
static void quote_bytes(const char *data, size_t len, char *out, size_t out_len)
{
    size_t n = 0;
    size_t i;
    for (i = 0; i < len && i < TCP_QUOTE_BYTES && n + 5 < out_len; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\r' || c == '\n' || c == '\t' || c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = c == '\r' ? 'r' : c == '\n' ? 'n' : c == '\t' ? 't' : (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            out[n++] = (char)c;
        } else {
            n += (size_t)snprintf(out + n, out_len - n, "\\x%02x", c);
        }
    }
    out[n] = '\0';
    if (i < len && n + 4 <= out_len)
        memcpy(out + n, "...", 4);
}

/* How much a connect error tells about the target: the one reported when
 * every address fails is the highest ranked (refused beats unreachable, as
 * an IPv6 route missing on our side says less than an IPv4 refusal). */
static int error_rank(int err)
{
    switch (err) {
    case UV_ECONNREFUSED:
        return 5;
    case UV_ECONNRESET:
        return 4;
    case UV_ETIMEDOUT:
        return 3;
    case UV_ENETUNREACH:
    case UV_EHOSTUNREACH:
    case UV_EADDRNOTAVAIL:
    case UV_EHOSTDOWN:
    case UV_ENETDOWN:
    case UV_EAFNOSUPPORT:
        return 2;
    default:
        return 1; /* our own trouble: no sockets, no memory, a local firewall */
    }
}

static void note_connect_error(struct tcp_run *run, int err)
{
    int rank = error_rank(err);
    if (rank > run->best_rank) {
        run->best_rank = rank;
        run->best_err = err;
        run->best_peer = run->peer;
    }
}

static void connect_failed(struct tcp_run *run)
{
    if (run->tried == 0) {
        finish(run, GW_STATUS_DOWN, GW_REASON_DNS, "%s resolves to no IPv4 or IPv6 address",
               run->conf->host);
        return;
    }
    char peer[160], tried[48] = "";
    describe_peer(run, &run->best_peer, peer, sizeof(peer));
    if (run->tried > 1)
        snprintf(tried, sizeof(tried), "; %u addresses tried", run->tried);
    int err = run->best_err;
    switch (error_rank(err)) {
    case 5:
        finish(run, GW_STATUS_DOWN, GW_REASON_CONNECT_REFUSED, "connection refused by %s%s", peer,
               tried);
        break;
    case 4:
        finish(run, GW_STATUS_DOWN, GW_REASON_RESET, "connection reset by %s%s", peer, tried);
        break;
    case 3:
        finish(run, GW_STATUS_DOWN, GW_REASON_CONNECT_TIMEOUT, "connecting to %s timed out%s", peer,
               tried);
        break;
    case 2:
        finish(run, GW_STATUS_DOWN, GW_REASON_UNREACHABLE, "%s is unreachable (%s)%s", peer,
               uv_strerror(err), tried);
        break;
    default:
        finish(run, GW_STATUS_UNKNOWN, GW_REASON_PLUGIN, "cannot connect to %s: %s%s", peer,
               uv_strerror(err), tried);
        break;
    }
}

/* The next address to try, or NULL when all have been. */
static const struct sockaddr *next_address(struct tcp_run *run)
{
    if (run->numeric_pending) {
        run->numeric_pending = false;
        return (const struct sockaddr *)&run->conf->addr;
    }
    while (run->next_addr) {
        const struct addrinfo *ai = run->next_addr;
        run->next_addr = ai->ai_next;
        if ((ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) ||
            (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(struct sockaddr_in6)))
            return ai->ai_addr;
    }
    return NULL;
}

static void connect_cb(uv_connect_t *req, int status);

/*
 * Starts connecting to `addr`. A connect that fails at once is recorded and
 * the handle closed, so that the outcome is always reached from the close
 * callback, never from inside the caller. Returns a negative errno only when
 * no handle could be set up (nothing is pending then).
 */
static int try_connect(struct tcp_run *run, const struct sockaddr *addr)
{
    size_t len =
        addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    memset(&run->peer, 0, sizeof(run->peer));
    memcpy(&run->peer, addr, len);
    int rc = uv_tcp_init(run->host->loop, &run->tcp);
    if (rc < 0)
        return rc;
    run->tcp_live = true;
    run->tcp.data = run;
    run->connect.data = run;
    run->tried++;
    run->attempt_ns = uv_hrtime();
    rc = uv_tcp_connect(&run->connect, &run->tcp, (const struct sockaddr *)&run->peer, connect_cb);
    if (rc < 0) {
        note_connect_error(run, rc);
        close_tcp(run);
    }
    return 0;
}

/* Tries the next address, or reports the connect failure when none is left. */
static void connect_next(struct tcp_run *run)
{
    const struct sockaddr *addr = next_address(run);
    if (!addr) {
        connect_failed(run);
        return;
    }
    int rc = try_connect(run, addr);
    if (rc < 0)
        finish(run, GW_STATUS_UNKNOWN, GW_REASON_PLUGIN, "cannot create a socket: %s",
               uv_strerror(rc));
}

static void tcp_closed_cb(uv_handle_t *handle)
{
    struct tcp_run *run = handle->data;
    run->tcp_live = false;
    if (run->check)
        connect_next(run); /* the attempt failed: on to the next address */
    else
        run_release(run);
}

/* ---- after connecting ---------------------------------------------------- */

static void report_expect_found(struct tcp_run *run)
{
    double connect_s = (double)(run->connected_ns - run->attempt_ns) / 1e9;
    double response_s = (double)(uv_hrtime() - run->connected_ns) / 1e9;
    run->host->check_figure(run->check, "response", response_s);
    char peer[160], expect[TCP_QUOTE_BYTES * 4 + 8], connect_ms[32], response_ms[32];
    describe_peer(run, &run->peer, peer, sizeof(peer));
    quote_bytes(run->conf->expect, run->conf->expect_len, expect, sizeof(expect));
    gw_fmt_seconds(connect_s, connect_ms, sizeof(connect_ms));
    gw_fmt_seconds(response_s, response_ms, sizeof(response_ms));
    finish(run, GW_STATUS_UP, NULL, "connected to %s in %s; \"%s\" received %s later", peer,
           connect_ms, expect, response_ms);
}

/* The reply ended, or filled the window, without the expected text. */
static void report_mismatch(struct tcp_run *run, bool closed)
{
    char peer[160], expect[TCP_QUOTE_BYTES * 4 + 8], got[TCP_QUOTE_BYTES * 4 + 8];
    describe_peer(run, &run->peer, peer, sizeof(peer));
    quote_bytes(run->conf->expect, run->conf->expect_len, expect, sizeof(expect));
    quote_bytes(run->reply, run->received, got, sizeof(got));
    if (!closed)
        finish(run, GW_STATUS_DOWN, GW_REASON_BANNER_MISMATCH,
               "no \"%s\" in the first 4 KiB from %s (received \"%s\")", expect, peer, got);
    else if (run->received == 0)
        finish(run, GW_STATUS_DOWN, GW_REASON_BANNER_MISMATCH,
               "%s closed the connection without sending anything (expected \"%s\")", peer, expect);
    else
        finish(run, GW_STATUS_DOWN, GW_REASON_BANNER_MISMATCH,
               "%s closed the connection without sending \"%s\" (received \"%s\")", peer, expect,
               got);
}

/* A connection that broke after it was made (reading or writing). */
static void report_broken(struct tcp_run *run, int err, const char *doing)
{
    char peer[160];
    describe_peer(run, &run->peer, peer, sizeof(peer));
    switch (err) {
    case UV_ECONNRESET:
    case UV_EPIPE:
    case UV_ECONNABORTED:
        finish(run, GW_STATUS_DOWN, GW_REASON_RESET, "connection reset by %s while %s", peer,
               doing);
        break;
    case UV_ETIMEDOUT:
        finish(run, GW_STATUS_DOWN, GW_REASON_TIMEOUT, "connection to %s timed out while %s", peer,
               doing);
        break;
    default:
        if (error_rank(err) == 2)
            finish(run, GW_STATUS_DOWN, GW_REASON_UNREACHABLE,
                   "%s became unreachable while %s (%s)", peer, doing, uv_strerror(err));
        else
            finish(run, GW_STATUS_UNKNOWN, GW_REASON_PLUGIN, "connection to %s failed while %s: %s",
                   peer, doing, uv_strerror(err));
        break;
    }
}

static void alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct tcp_run *run = handle->data;
    buf->base = run->reply + run->received;
    buf->len = sizeof(run->reply) - run->received;
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    struct tcp_run *run = stream->data;
    if (!run->check || nread == 0)
        return;
    if (nread == UV_EOF) {
        report_mismatch(run, true);
        return;
    }
    if (nread < 0) {
        report_broken(run, (int)nread, "reading");
        return;
    }
    run->received += (size_t)nread;
    if (memmem(run->reply, run->received, run->conf->expect, run->conf->expect_len))
        report_expect_found(run);
    else if (run->received == sizeof(run->reply))
        report_mismatch(run, false);
}

static void report_connected(struct tcp_run *run)
{
    char peer[160], connect_ms[32];
    describe_peer(run, &run->peer, peer, sizeof(peer));
    gw_fmt_seconds((double)(run->connected_ns - run->attempt_ns) / 1e9, connect_ms,
                   sizeof(connect_ms));
    if (run->send_len)
        finish(run, GW_STATUS_UP, NULL, "connected to %s in %s and sent %zu bytes", peer,
               connect_ms, run->send_len);
    else
        finish(run, GW_STATUS_UP, NULL, "connected to %s in %s", peer, connect_ms);
}

static void write_cb(uv_write_t *req, int status)
{
    struct tcp_run *run = req->data;
    if (!run->check)
        return;
    if (status < 0)
        report_broken(run, status, "sending");
    else if (!run->conf->expect)
        report_connected(run);
}

static void connect_cb(uv_connect_t *req, int status)
{
    struct tcp_run *run = req->data;
    if (!run->check)
        return; /* cancelled: the handle is closing */
    if (status < 0) {
        note_connect_error(run, status);
        close_tcp(run);
        return;
    }
    run->connected_ns = uv_hrtime();
    double connect_s = (double)(run->connected_ns - run->attempt_ns) / 1e9;
    run->host->check_figure(run->check, "latency", connect_s);
    run->host->check_figure(run->check, "connect", connect_s);
    if (!run->send_len && !run->conf->expect) {
        report_connected(run);
        return;
    }
    if (run->conf->expect) {
        int rc = uv_read_start((uv_stream_t *)&run->tcp, alloc_cb, read_cb);
        if (rc < 0) {
            report_broken(run, rc, "reading");
            return;
        }
    }
    if (run->send_len) {
        uv_buf_t data = uv_buf_init(run->send, (unsigned)run->send_len);
        run->write.data = run;
        int rc = uv_write(&run->write, (uv_stream_t *)&run->tcp, &data, 1, write_cb);
        if (rc < 0)
            report_broken(run, rc, "sending");
    }
}

/* ---- name resolution ----------------------------------------------------- */

static void resolved_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct tcp_run *run = req->data;
    run->resolving = false;
    if (!run->check) {
        uv_freeaddrinfo(res);
        run_release(run);
        return;
    }
    if (status == 0) {
        run->addrs = res;
        run->next_addr = res;
        connect_next(run);
        return;
    }
    char message[320];
    enum gw_status verdict = gw_netaddr_lookup_failed(status, run->conf->host, run->conf->family,
                                                      message, sizeof(message));
    finish(run, verdict, GW_REASON_DNS, "%s", message);
}

/* ---- the check type ------------------------------------------------------ */

static int tcp_start(const struct gw_host *host, const void *p, struct gw_check *check,
                     void **run_out)
{
    const struct tcp_conf *conf = p;
    struct tcp_run *run = calloc(1, sizeof(*run) + conf->send_len);
    if (!run)
        return -ENOMEM;
    run->host = host;
    run->conf = conf;
    run->check = check;
    run->send_len = conf->send_len;
    if (conf->send_len)
        memcpy(run->send, conf->send, conf->send_len);

    if (conf->numeric) {
        run->numeric_pending = true;
        int rc = try_connect(run, next_address(run));
        if (rc < 0) {
            free(run);
            return rc;
        }
    } else {
        struct addrinfo hints = {
            .ai_family = conf->family,
            .ai_socktype = SOCK_STREAM,
            .ai_protocol = IPPROTO_TCP,
            .ai_flags = AI_NUMERICSERV,
        };
        run->resolve.data = run;
        int rc = uv_getaddrinfo(host->loop, &run->resolve, resolved_cb, conf->host, conf->port_text,
                                &hints);
        if (rc < 0) {
            free(run);
            return rc;
        }
        run->resolving = true;
    }
    *run_out = run;
    return 0;
}

static void tcp_cancel(void *p)
{
    struct tcp_run *run = p;
    run->check = NULL;
    run->conf = NULL;
    /* When the request is already running, cancelling fails and the
     * callback brings the addresses later; it frees them then. */
    if (run->resolving)
        uv_cancel((uv_req_t *)&run->resolve);
    close_tcp(run);
    run_release(run);
}

static const struct gw_check_type tcp_check = {
    .name = "tcp",
    .description = "a port accepts connections (and optionally answers with an expected text)",
    .keys = tcp_keys,
    .configure = tcp_configure,
    .conf_free = tcp_conf_free,
    .conf_host = tcp_conf_host,
    .figures = tcp_conf_figures,
    .start = tcp_start,
    .cancel = tcp_cancel,
};

static const struct gw_check_type *const tcp_checks[] = {&tcp_check, NULL};

GW_PLUGIN_DEFINE("tcp", tcp_checks, NULL);
