#include "feed_fetch.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "feed_link.h"

/* Longest URL followed as a next link. */
#define URL_MAX 4096

/* ---- configuration ------------------------------------------------------------- */

int gw_feed_http_add_header(struct gw_feed_http *http, const char *name, const char *value)
{
    return gw_http_headers_add(&http->headers, name, value);
}

bool gw_feed_http_has_header(const struct gw_feed_http *http, const char *name)
{
    return gw_http_headers_has(&http->headers, name);
}

void gw_feed_http_fini(struct gw_feed_http *http)
{
    gw_http_headers_fini(&http->headers);
    free(http->url);
    free(http->host);
    free(http->ca_pem);
    memset(http, 0, sizeof(*http));
}

int gw_feed_http_configure(const struct gw_host *host, const struct gw_cfg *target, bool paging,
                           struct gw_feed_http *out)
{
    memset(out, 0, sizeof(*out));
    int rc = gw_http_conf_url(host, target, &out->url, &out->host);
    if (rc == -ENOMEM)
        return rc;
    if (gw_http_conf_headers(host, target, &out->headers) < 0 ||
        gw_http_conf_bearer(host, target, &out->headers) < 0)
        rc = -EINVAL;
    if (gw_http_conf_tls(host, target, &out->tls_verify, &out->ca_pem) < 0 ||
        gw_http_conf_ip(host, target, &out->ip) < 0)
        rc = -EINVAL;

    out->max_body = GW_FEED_DEFAULT_MAX_BODY;
    if (host->cfg_size(target, "max_body", &out->max_body) < 0) {
        rc = -EINVAL;
    } else if (out->max_body < 1 || out->max_body > GW_FEED_MAX_MAX_BODY) {
        host->cfg_error(host->cfg_child(target, "max_body"),
                        "max_body %llu is out of range (expected 1 byte to 1GiB)",
                        (unsigned long long)out->max_body);
        rc = -EINVAL;
    }
    int64_t pages = paging ? GW_FEED_DEFAULT_MAX_PAGES : 1;
    if (paging && host->cfg_int(target, "max_pages", 1, GW_FEED_MAX_MAX_PAGES, &pages) < 0)
        rc = -EINVAL;
    out->max_pages = (uint32_t)pages;
    return rc;
}

/* ---- a run ----------------------------------------------------------------------- */

struct gw_feed_fetch {
    const struct gw_host *host;
    const struct gw_feed_http *conf;
    struct gw_check *check;
    struct gw_http_call *call;
    bool accept_503;
    gw_feed_page_fn page_fn;
    gw_feed_end_fn end_fn;
    void *data;
    void (*data_free)(void *);
    uint64_t started_ms; /* loop time */
    unsigned pages;
    double seconds; /* all pages' total times */
    uint64_t bytes;
    char where[160]; /* host:port of the feed */
    char url[URL_MAX];
    uint64_t *seen; /* hashes of the URLs read, to see a paging loop */
};

static void fetch_free(struct gw_feed_fetch *f)
{
    if (f->data_free)
        f->data_free(f->data);
    free(f->seen);
    free(f);
}

static uint64_t url_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

const char *gw_feed_header(const struct gw_http_response *r, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < r->n_headers; i++) {
        const char *h = r->headers[i];
        if (strncasecmp(h, name, n) == 0 && h[n] == ':')
            return h + n + 1 + strspn(h + n + 1, " \t");
    }
    return NULL;
}

static void record(struct gw_feed_fetch *f)
{
    const struct gw_host *host = f->host;
    host->check_figure(f->check, "latency", f->seconds);
    host->check_figure(f->check, "pages", f->pages);
    host->check_figure(f->check, "size", (double)f->bytes);
    host->check_detail(f->check, "pages", "%u, %llu bytes", f->pages, (unsigned long long)f->bytes);
}

/* Ends the check with a failure of page f->pages and frees the run. */
static void fail(struct gw_feed_fetch *f, enum gw_status status, const char *reason,
                 const char *message)
{
    record(f);
    if (f->pages > 1)
        f->host->check_done(f->check, status, reason, "%s (page %u)", message, f->pages);
    else
        f->host->check_done(f->check, status, reason, "%s", message);
    fetch_free(f);
}

static void rate_limited(struct gw_feed_fetch *f, const struct gw_http_response *r)
{
    const char *after = gw_feed_header(r, "Retry-After");
    int64_t wait_s = after ? gw_feed_retry_after_s(after, (int64_t)time(NULL)) : -1;
    char text[320];
    if (wait_s >= 0 && GW_HOST_HAS(f->host, check_retry_after)) {
        f->host->check_retry_after(f->check, (uint64_t)wait_s * 1000u);
        snprintf(text, sizeof(text), "HTTP 429 from %s: asked to wait %lld s before the next check",
                 f->where, (long long)wait_s);
    } else {
        snprintf(text, sizeof(text), "HTTP 429 from %s: too many requests", f->where);
    }
    fail(f, GW_STATUS_UNKNOWN, GW_REASON_RATE_LIMITED, text);
}

static int request(struct gw_feed_fetch *f);

/* Follows the page's next link, or ends: returns true when the run goes on. */
static bool follow(struct gw_feed_fetch *f, const struct gw_http_response *r)
{
    char next[URL_MAX], full[URL_MAX], text[URL_MAX + 200];
    if (f->conf->max_pages <= 1 ||
        gw_feed_link_next(r->headers, r->n_headers, next, sizeof(next)) == -ENOENT)
        return false;
    if (gw_feed_link_resolve(f->url, next, full, sizeof(full)) < 0) {
        snprintf(text, sizeof(text), "the next link of %s cannot be followed: \"%.200s\"", f->where,
                 next);
        fail(f, GW_STATUS_DOWN, GW_REASON_FEED_PAGING, text);
        return true;
    }
    if (!gw_feed_link_same_origin(f->url, full)) {
        char other[160];
        gw_feed_link_authority(full, other, sizeof(other));
        snprintf(text, sizeof(text),
                 "the next link of %s leads to another host, %s (only links on the feed's own "
                 "host are followed)",
                 f->where, other);
        fail(f, GW_STATUS_DOWN, GW_REASON_FEED_PAGING, text);
        return true;
    }
    uint64_t h = url_hash(full);
    for (unsigned i = 0; i < f->pages; i++) {
        if (f->seen[i] == h) {
            snprintf(text, sizeof(text), "the feed at %s links back to page %u: a paging loop",
                     f->where, i + 1);
            fail(f, GW_STATUS_DOWN, GW_REASON_FEED_PAGING, text);
            return true;
        }
    }
    if (f->pages >= f->conf->max_pages) {
        snprintf(text, sizeof(text), "the feed at %s has more than max_pages %u pages", f->where,
                 f->conf->max_pages);
        fail(f, GW_STATUS_DOWN, GW_REASON_FEED_PAGING, text);
        return true;
    }
    snprintf(f->url, sizeof(f->url), "%s", full);
    int rc = request(f);
    if (rc < 0) {
        snprintf(text, sizeof(text), "page %u of %s could not be requested: %s", f->pages + 1,
                 f->where, strerror(-rc));
        fail(f, GW_STATUS_UNKNOWN, GW_REASON_PLUGIN, text);
    }
    return true;
}

static void done_cb(void *data, const struct gw_http_response *r)
{
    struct gw_feed_fetch *f = data;
    f->call = NULL;
    f->pages++;
    if (!isnan(r->total_s))
        f->seconds += r->total_s;
    f->bytes += r->bytes;
    char text[512];
    if (r->reason) {
        bool ours = strcmp(r->reason, GW_REASON_PLUGIN) == 0;
        fail(f, ours ? GW_STATUS_UNKNOWN : GW_STATUS_DOWN, r->reason,
             r->error ? r->error : "no response");
        return;
    }
    if (r->status == 429) {
        rate_limited(f, r);
        return;
    }
    if ((r->status < 200 || r->status > 299) && !(r->status == 503 && f->accept_503)) {
        snprintf(text, sizeof(text), "HTTP %ld from %s (expected 2xx)", r->status, f->where);
        fail(f, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS, text);
        return;
    }
    if (r->body_truncated) {
        snprintf(text, sizeof(text), "the document from %s is larger than max_body (%llu bytes)",
                 f->where, (unsigned long long)f->conf->max_body);
        fail(f, GW_STATUS_DOWN, GW_REASON_FEED_TOO_LARGE, text);
        return;
    }
    f->seen[f->pages - 1] = url_hash(f->url);
    /* Next links are relative to where the page came from, after redirects. */
    if (r->final_url)
        snprintf(f->url, sizeof(f->url), "%s", r->final_url);
    struct gw_feed_page page = {.response = r, .url = f->url, .number = f->pages};
    struct gw_feed_error err = {0};
    if (f->page_fn(f->data, &page, &err) < 0) {
        /* A 503 without the document expected is an outage like any other. */
        if (r->status == 503) {
            snprintf(text, sizeof(text), "HTTP 503 from %s, and no document to say why: %s",
                     f->where, err.message);
            fail(f, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS, text);
            return;
        }
        snprintf(text, sizeof(text), "the feed at %s: %s", f->where, err.message);
        fail(f, GW_STATUS_DOWN, err.reason ? err.reason : GW_REASON_FEED_PARSE, text);
        return;
    }
    if (follow(f, r))
        return;
    record(f);
    f->end_fn(f->data, f->pages, f->where);
    fetch_free(f);
}

static int request(struct gw_feed_fetch *f)
{
    const struct gw_host *host = f->host;
    uint64_t limit = host->check_timeout_ms(f->check);
    uint64_t spent = uv_now(host->loop) - f->started_ms;
    struct gw_http_request req = {
        .size = sizeof(req),
        .url = f->url,
        .headers = (const char *const *)f->conf->headers.v,
        .max_redirects = 5,
        .ip_version = f->conf->ip,
        .insecure = !f->conf->tls_verify,
        .ca_pem = f->conf->ca_pem,
        .max_body = f->conf->max_body,
        .timeout_ms = limit > spent ? limit - spent : 1,
    };
    return host->http_start(host, &req, done_cb, f, &f->call);
}

int gw_feed_fetch_start(const struct gw_host *host, const struct gw_feed_http *conf,
                        struct gw_check *check, bool accept_503, gw_feed_page_fn page_fn,
                        gw_feed_end_fn end_fn, void *data, void (*data_free)(void *),
                        struct gw_feed_fetch **out)
{
    if (!GW_HOST_HAS(host, http_cancel) || !host->http_start)
        return -ENOTSUP;
    struct gw_feed_fetch *f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->seen = calloc(conf->max_pages ? conf->max_pages : 1, sizeof(*f->seen));
    if (!f->seen) {
        free(f);
        return -ENOMEM;
    }
    f->host = host;
    f->conf = conf;
    f->check = check;
    f->accept_503 = accept_503;
    f->page_fn = page_fn;
    f->end_fn = end_fn;
    f->started_ms = uv_now(host->loop);
    snprintf(f->url, sizeof(f->url), "%s", conf->url);
    gw_feed_link_authority(conf->url, f->where, sizeof(f->where));
    int rc = request(f);
    if (rc < 0) {
        fetch_free(f); /* data is not ours yet */
        return rc;
    }
    f->data = data;
    f->data_free = data_free;
    *out = f;
    return 0;
}

void gw_feed_fetch_cancel(struct gw_feed_fetch *f)
{
    if (f->call)
        f->host->http_cancel(f->host, f->call);
    fetch_free(f);
}

/* ---- items ------------------------------------------------------------------------ */

void gw_feed_sink_item(void *data, const struct gw_feed_item *item)
{
    struct gw_feed_sink *sink = data;
    sink->n[item->status]++;
    if ((item->flags & GW_ITEM_RAPID) && item->status != GW_ITEM_EXCLUDED) {
        sink->rapid++;
        sink->rapid_down += item->status == GW_ITEM_DOWN;
    }
    sink->host->check_item(sink->check, item->id, item->status, item->reason, item->name,
                           item->flags);
}

void gw_feed_sink_counts(const struct gw_feed_sink *sink, char *buf, size_t size)
{
    static const char *const words[] = {"up", "degraded", "down", "unknown", "not in service"};
    size_t len = 0;
    buf[0] = '\0';
    for (int st = 0; st <= GW_ITEM_EXCLUDED && len < size; st++)
        if (sink->n[st])
            len += (size_t)snprintf(buf + len, size - len, "%s%llu %s", len ? ", " : "",
                                    (unsigned long long)sink->n[st], words[st]);
    if (len == 0)
        snprintf(buf, size, "none");
}

int gw_feed_check_start(const struct gw_host *host, const struct gw_feed_http *http,
                        const void *conf, struct gw_check *check, bool accept_503, size_t run_size,
                        gw_feed_page_fn page_fn, gw_feed_end_fn end_fn, void **run_out)
{
    if (!GW_HOST_HAS(host, check_retry_after))
        return -ENOTSUP;
    struct gw_feed_sink *sink = calloc(1, run_size < sizeof(*sink) ? sizeof(*sink) : run_size);
    if (!sink)
        return -ENOMEM;
    sink->host = host;
    sink->check = check;
    sink->conf = conf;
    struct gw_feed_fetch *fetch;
    int rc =
        gw_feed_fetch_start(host, http, check, accept_503, page_fn, end_fn, sink, free, &fetch);
    if (rc < 0) {
        free(sink);
        return rc;
    }
    *run_out = fetch;
    return 0;
}

void gw_feed_sink_rapid(const struct gw_feed_sink *sink, char *buf, size_t size)
{
    buf[0] = '\0';
    if (sink->rapid)
        snprintf(buf, size, "; rapid chargers: %llu of %llu working (%.1f%%)",
                 (unsigned long long)(sink->rapid - sink->rapid_down),
                 (unsigned long long)sink->rapid,
                 100.0 * (double)(sink->rapid - sink->rapid_down) / (double)sink->rapid);
}
