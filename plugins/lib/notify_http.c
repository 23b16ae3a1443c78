#include "notify_http.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A Retry-After longer than this is taken as this: a receiver's typo must
 * not park a notification for a week. */
#define RETRY_AFTER_MAX_S 3600

/* Characters of the receiver's answer quoted in a message. */
#define EXCERPT_MAX 200

/* ---- configuration ------------------------------------------------------------------- */

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++) {
        explicit_bzero(v[i], strlen(v[i]));
        free(v[i]);
    }
    free(v);
}

static void wipe_free(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
    free(s);
}

void gw_notify_http_conf_clear(struct gw_notify_http_conf *conf)
{
    if (!conf)
        return;
    wipe_free(conf->url);
    free(conf->where);
    strv_free(conf->headers);
    free(conf->ca_pem);
    free(conf->proxy);
    memset(conf, 0, sizeof(*conf));
}

/* RFC 9110 token characters: a header name. */
static bool valid_header_name(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("!#$%&'*+-.^_`|~", s[i]))
            return false;
    return true;
}

static void add_header(struct gw_notify_http_conf *conf, const char *line)
{
    char **v = realloc(conf->headers, (conf->n_headers + 2) * sizeof(*v));
    if (!v)
        abort();
    conf->headers = v;
    v[conf->n_headers++] = gw_notify_xstrdup(line);
    v[conf->n_headers] = NULL;
}

/* The headers of headers_file: "Name: value" lines, blank lines and # comments skipped. */
static int read_headers(const struct gw_host *host, const struct gw_cfg *node,
                        struct gw_notify_http_conf *conf)
{
    char *text = NULL;
    if (host->cfg_secret(node, "headers_file", &text) < 0)
        return -EINVAL;
    if (!text)
        return 0;
    const struct gw_cfg *where = host->cfg_child(node, "headers_file");
    int rc = 0;
    unsigned lineno = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        const char *colon = strchr(line, ':');
        /* The file is secret: its text never goes into a message. */
        if (!colon || !valid_header_name(line, (size_t)(colon - line))) {
            host->cfg_error(where, "headers_file: line %u is not a \"Name: value\" header", lineno);
            rc = -EINVAL;
            continue;
        }
        add_header(conf, line);
    }
    explicit_bzero(text, strlen(text));
    free(text);
    return rc;
}

/* "scheme://host[:port]" of an http(s) URL, without user information; NULL when it is none. */
static char *url_where(const char *url)
{
    const char *rest;
    if (strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else
        return NULL;
    size_t auth_len = strcspn(rest, "/?#");
    const char *at = memchr(rest, '@', auth_len);
    const char *host = at ? at + 1 : rest;
    size_t host_len = auth_len - (size_t)(host - rest);
    if (host_len == 0)
        return NULL;
    return gw_notify_xasprintf("%.*s%.*s", (int)(rest - url), url, (int)host_len, host);
}

static int read_url(const struct gw_host *host, const struct gw_cfg *node,
                    struct gw_notify_http_conf *conf, const char *path)
{
    const char *url = NULL;
    char *secret = NULL;
    if (host->cfg_string(node, "url", &url) < 0 || host->cfg_secret(node, "url_file", &secret) < 0)
        return -EINVAL;
    const struct gw_cfg *where = host->cfg_child(node, url ? "url" : "url_file");
    int rc = 0;
    if (url && secret) {
        host->cfg_error(host->cfg_child(node, "url_file"),
                        "url and url_file are both given (expected one of them)");
        rc = -EINVAL;
    } else if (!url && !secret) {
        host->cfg_error(node, "missing url (expected url: https://... or url_file: PATH)");
        rc = -EINVAL;
    } else {
        const char *text = url ? url : secret;
        conf->where = url_where(text);
        if (!conf->where || strpbrk(text, " \t\r\n")) {
            /* A URL from a file is secret: it is not quoted. */
            if (url)
                host->cfg_error(where, "bad url \"%s\" (expected http://... or https://...)", url);
            else
                host->cfg_error(where, "url_file does not hold one http:// or https:// URL");
            rc = -EINVAL;
        } else {
            size_t len = strlen(text);
            bool slash = len && text[len - 1] == '/';
            conf->url =
                path ? gw_notify_xasprintf("%.*s%s", (int)(len - (slash ? 1 : 0)), text, path)
                     : gw_notify_xstrdup(text);
        }
    }
    wipe_free(secret);
    return rc;
}

int gw_notify_read_transport(const struct gw_host *host, const struct gw_cfg *node, char **ca_pem,
                             bool *insecure, uint64_t *timeout_ms)
{
    int rc = 0;
    if (host->cfg_secret(node, "ca_file", ca_pem) < 0) {
        rc = -EINVAL;
    } else if (*ca_pem && !strstr(*ca_pem, "-----BEGIN CERTIFICATE-----")) {
        host->cfg_error(host->cfg_child(node, "ca_file"),
                        "ca_file holds no PEM certificate (expected \"-----BEGIN "
                        "CERTIFICATE-----\")");
        rc = -EINVAL;
    }
    bool verify = true;
    if (host->cfg_bool(node, "tls_verify", &verify) < 0)
        rc = -EINVAL;
    *insecure = !verify;
    uint64_t limit = GW_NOTIFY_DEFAULT_TIMEOUT_MS;
    if (host->cfg_duration_ms(node, "timeout", &limit) < 0) {
        rc = -EINVAL;
    } else if (limit < 100) {
        host->cfg_error(host->cfg_child(node, "timeout"),
                        "timeout too short (expected at least 100ms)");
        rc = -EINVAL;
    }
    /* Just before the daemon cancels: the outcome then names the slow part. */
    uint64_t margin = limit / 10 < 1000 ? limit / 10 : 1000;
    *timeout_ms = limit - margin;
    return rc;
}

int gw_notify_http_configure(const struct gw_host *host, const struct gw_cfg *node,
                             struct gw_notify_http_conf *conf, const char *path)
{
    int rc = read_url(host, node, conf, path);
    if (read_headers(host, node, conf) < 0)
        rc = -EINVAL;
    if (!conf->headers)
        conf->headers = calloc(1, sizeof(*conf->headers));
    if (!conf->headers)
        abort();

    const char *proxy = NULL;
    if (host->cfg_string(node, "proxy", &proxy) < 0) {
        rc = -EINVAL;
    } else if (proxy && (!*proxy || strpbrk(proxy, " \t\r\n"))) {
        host->cfg_error(host->cfg_child(node, "proxy"),
                        "bad proxy \"%s\" (expected a URL like http://proxy.example:3128)", proxy);
        rc = -EINVAL;
    } else if (proxy) {
        conf->proxy = gw_notify_xstrdup(proxy);
    }

    if (gw_notify_read_transport(host, node, &conf->ca_pem, &conf->insecure, &conf->timeout_ms) < 0)
        rc = -EINVAL;
    return rc;
}

/* ---- the outcome of an answer ----------------------------------------------------- */

/* The value of header `name` in `r`, or NULL. Borrowed from r. */
static const char *find_header(const struct gw_http_response *r, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; r->headers && i < r->n_headers; i++) {
        const char *h = r->headers[i];
        if (strncasecmp(h, name, len) == 0 && h[len] == ':') {
            h += len + 1;
            while (*h == ' ' || *h == '\t')
                h++;
            return h;
        }
    }
    return NULL;
}

/* Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date. 0 when absent or unreadable. */
static uint64_t retry_after_ms(const struct gw_http_response *r, int64_t now_s)
{
    const char *v = find_header(r, "Retry-After");
    if (!v || !*v)
        return 0;
    int64_t seconds = 0;
    if (isdigit((unsigned char)*v)) {
        char *end;
        unsigned long long n = strtoull(v, &end, 10);
        while (*end == ' ' || *end == '\t')
            end++;
        if (*end == '\0')
            seconds = n > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (int64_t)n;
    } else {
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        const char *end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        if (end && *end == '\0') {
            seconds = (int64_t)timegm(&tm) - now_s;
            /* A date already past still asks for a pause. */
            if (seconds < 1)
                seconds = 1;
            if (seconds > RETRY_AFTER_MAX_S)
                seconds = RETRY_AFTER_MAX_S;
        }
    }
    return (uint64_t)seconds * 1000u;
}

/* The first line of the answer's body, printable and short, or "". */
static void excerpt(const struct gw_http_response *r, char *out, size_t len)
{
    size_t n = 0;
    const char *b = r->body;
    size_t blen = r->body ? r->body_len : 0;
    size_t i = 0;
    while (i < blen && isspace((unsigned char)b[i]))
        i++;
    for (; i < blen && b[i] != '\n' && b[i] != '\r' && n + 4 < len && n < EXCERPT_MAX; i++) {
        unsigned char c = (unsigned char)b[i];
        out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    if (i < blen && b[i] != '\n' && b[i] != '\r' && n + 4 < len) {
        /* Cut inside a UTF-8 sequence: drop its start. */
        while (n && ((unsigned char)out[n - 1] & 0xC0) == 0x80)
            n--;
        if (n && ((unsigned char)out[n - 1] & 0xC0) == 0xC0)
            n--;
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

int gw_notify_errno_of_reason(const char *reason)
{
    if (strcmp(reason, GW_REASON_CONNECT_REFUSED) == 0)
        return -ECONNREFUSED;
    if (strcmp(reason, GW_REASON_TIMEOUT) == 0 || strcmp(reason, GW_REASON_CONNECT_TIMEOUT) == 0)
        return -ETIMEDOUT;
    if (strcmp(reason, GW_REASON_RESET) == 0)
        return -ECONNRESET;
    if (strcmp(reason, GW_REASON_DNS) == 0 || strcmp(reason, GW_REASON_UNREACHABLE) == 0)
        return -EHOSTUNREACH;
    if (strcmp(reason, GW_REASON_PLUGIN) == 0)
        return -EIO;
    return -EPROTO; /* TLS and malformed answers: a retry may meet a mended receiver */
}

void gw_notify_http_outcome(const struct gw_http_response *r, const char *where, int64_t now_s,
                            int *err, char *msg, size_t msg_len, uint64_t *retry_ms)
{
    *retry_ms = 0;
    if (r->reason) {
        *err = gw_notify_errno_of_reason(r->reason);
        snprintf(msg, msg_len, "%s", r->error ? r->error : r->reason);
        return;
    }
    long status = r->status;
    char text[EXCERPT_MAX + 8];
    excerpt(r, text, sizeof(text));
    const char *sep = text[0] ? ": " : "";
    if (status >= 200 && status < 300) {
        *err = 0;
        snprintf(msg, msg_len, "HTTP %ld from %s", status, where);
        return;
    }
    if (status == 429 || status == 503)
        *retry_ms = retry_after_ms(r, now_s);
    if (status == 429)
        *err = -EAGAIN;
    else if (status == 408 || status >= 500)
        *err = -EIO;
    else if (status >= 300 && status < 400)
        *err = -EINVAL;
    else if (status >= 400)
        *err = -EINVAL;
    else
        *err = -EPROTO;
    if (status >= 300 && status < 400) {
        const char *location = find_header(r, "Location");
        snprintf(msg, msg_len,
                 "HTTP %ld from %s: redirects%s%s (expected the notifier's url "
                 "to be the final one)",
                 status, where, location ? " to " : "", location ? location : "");
    } else if (*retry_ms) {
        snprintf(msg, msg_len, "HTTP %ld from %s%s%s (retry after %llu s)", status, where, sep,
                 text, (unsigned long long)(*retry_ms / 1000));
    } else {
        snprintf(msg, msg_len, "HTTP %ld from %s%s%s", status, where, sep, text);
    }
}

/* ---- one delivery ------------------------------------------------------------------- */

struct gw_notify_http_run {
    const struct gw_host *host;
    struct gw_http_call *call; /* NULL for a delivery without a request */
    uv_timer_t timer;          /* a delivery without a request completes from it */
    bool has_timer;
    struct gw_delivery *delivery;
    gw_delivery_done_cb done;
    char *where;
    char *message;
};

static void run_closed_cb(uv_handle_t *handle)
{
    struct gw_notify_http_run *run = handle->data;
    free(run->message);
    free(run->where);
    free(run);
}

static void run_free(struct gw_notify_http_run *run)
{
    if (run->has_timer) {
        uv_close((uv_handle_t *)&run->timer, run_closed_cb);
        return;
    }
    free(run->message);
    free(run->where);
    free(run);
}

static void post_done_cb(void *data, const struct gw_http_response *response)
{
    struct gw_notify_http_run *run = data;
    int err;
    uint64_t retry_ms;
    char msg[512];
    gw_notify_http_outcome(response, run->where, (int64_t)time(NULL), &err, msg, sizeof(msg),
                           &retry_ms);
    run->call = NULL;
    struct gw_delivery *delivery = run->delivery;
    gw_delivery_done_cb done = run->done;
    run_free(run);
    done(delivery, err, msg, retry_ms);
}

int gw_notify_http_post(const struct gw_host *host, const struct gw_notify_http_conf *conf,
                        const char *body, size_t body_len, const char *content_type,
                        const char *idempotency_key, struct gw_delivery *delivery,
                        gw_delivery_done_cb done, void **run_out)
{
    if (!GW_HOST_HAS(host, http_start) || !host->http_start)
        return -ENOTSUP;
    /* The configured headers, then ours: Content-Type and the idempotency key. */
    const char **headers = gw_notify_xmalloc((conf->n_headers + 3) * sizeof(*headers));
    size_t n = 0;
    for (size_t i = 0; i < conf->n_headers; i++)
        headers[n++] = conf->headers[i];
    char *type = gw_notify_xasprintf("Content-Type: %s", content_type);
    char *key = gw_notify_header_safe(idempotency_key)
                    ? gw_notify_xasprintf("Idempotency-Key: %s", idempotency_key)
                    : NULL;
    headers[n++] = type;
    if (key)
        headers[n++] = key;
    headers[n] = NULL;

    struct gw_http_request req = {
        .size = sizeof(req),
        .method = "POST",
        .url = conf->url,
        .headers = headers,
        .body = body,
        .body_len = body_len,
        .insecure = conf->insecure,
        .ca_pem = conf->ca_pem,
        .proxy = conf->proxy,
        /* One receiver, many messages: keep its connection (and TLS session). */
        .reuse_connection = true,
        .max_body = GW_NOTIFY_HTTP_MAX_BODY,
        .timeout_ms = conf->timeout_ms,
    };
    struct gw_notify_http_run *run = calloc(1, sizeof(*run));
    if (!run)
        abort();
    run->host = host;
    run->delivery = delivery;
    run->done = done;
    run->where = gw_notify_xstrdup(conf->where);
    int rc = host->http_start(host, &req, post_done_cb, run, &run->call);
    free(type);
    free(key);
    free(headers);
    if (rc < 0) {
        run_free(run);
        return rc;
    }
    *run_out = run;
    return 0;
}

int gw_notify_http_post_json(const struct gw_host *host, const struct gw_notify_http_conf *conf,
                             json_t *doc, const char *idempotency_key, struct gw_delivery *delivery,
                             gw_delivery_done_cb done, void **run_out)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text)
        abort();
    int rc = gw_notify_http_post(host, conf, text, strlen(text), "application/json",
                                 idempotency_key, delivery, done, run_out);
    free(text);
    return rc;
}

static void nothing_cb(uv_timer_t *timer)
{
    struct gw_notify_http_run *run = timer->data;
    struct gw_delivery *delivery = run->delivery;
    gw_delivery_done_cb done = run->done;
    char *message = run->message;
    run->message = NULL;
    run_free(run);
    done(delivery, 0, message, 0);
    free(message);
}

int gw_notify_http_nothing(const struct gw_host *host, const char *message,
                           struct gw_delivery *delivery, gw_delivery_done_cb done, void **run_out)
{
    struct gw_notify_http_run *run = calloc(1, sizeof(*run));
    if (!run)
        abort();
    int rc = uv_timer_init(host->loop, &run->timer);
    if (rc < 0) {
        free(run);
        return rc;
    }
    run->has_timer = true;
    run->timer.data = run;
    run->host = host;
    run->delivery = delivery;
    run->done = done;
    run->message = gw_notify_xstrdup(message);
    uv_timer_start(&run->timer, nothing_cb, 0, 0);
    *run_out = run;
    return 0;
}

void gw_notify_http_cancel(void *p)
{
    struct gw_notify_http_run *run = p;
    if (!run)
        return;
    if (run->call)
        run->host->http_cancel(run->host, run->call);
    run->call = NULL;
    if (run->has_timer)
        uv_timer_stop(&run->timer);
    run_free(run);
}
