#include "web/server.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <microhttpd.h>

#include "report/report_web.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/auth.h"
#include "web/body_cache.h"
#include "web/events.h"
#include "web/graphs.h"
#include "web/history.h"
#include "web/metrics.h"
#include "web/pages.h"
#include "web/reports.h"
#include "web/route.h"

/* daemon/web/style.css, embedded at build time. */
extern const char gw_web_style_css[];

#define EVENTS_ON_PAGE 20
#define EVENTS_LIMIT   1000
#define EVENTS_MAX     10000

struct gw_web {
    struct MHD_Daemon *mhd;
    struct gw_body_cache metrics, status;
    struct gw_snapshot_box *box;
    struct gw_history *history;
    struct gw_graphs *graphs;
    struct gw_web_reports *reports;
    struct gw_auth *auth;
    unsigned port;
};

/* A request that waits for a graph: the connection is suspended meanwhile. */
struct pending {
    struct gw_web *web;
    struct MHD_Connection *conn;
    struct gw_graph_image *img; /* set by the worker before it resumes the connection */
    atomic_bool done;
};

/* ---- responses ------------------------------------------------------------------ */

static void security_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(
        r, "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
}

/*
 * Sends text[0 .. len), which free_fn(cls) releases once it is sent (or at
 * once, for a 304), with `etag` unless it is "": a client that already has
 * it (If-None-Match) gets 304 and no body.
 */
static enum MHD_Result send_tagged(struct MHD_Connection *c, unsigned status, const char *type,
                                   char *text, size_t len, MHD_ContentReaderFreeCallback free_fn,
                                   void *cls, const char *etag, const char *cache_control)
{
    bool tagged = etag[0] != '\0';
    const char *inm =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    struct MHD_Response *r;
    if (tagged && status == MHD_HTTP_OK && inm && strstr(inm, etag)) {
        free_fn(cls);
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
    } else {
        r = MHD_create_response_from_buffer_with_free_callback_cls(len, text, free_fn, cls);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    }
    if (tagged && (status == MHD_HTTP_OK || status == MHD_HTTP_NOT_MODIFIED))
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control);
    security_headers(r);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Sends `body` (taken: freed here), with an ETag of its content unless it may not be stored. */
static enum MHD_Result send_body(struct MHD_Connection *c, unsigned status, const char *type,
                                 char *body, size_t len, const char *cache_control)
{
    char etag[GW_BODY_ETAG_MAX] = "";
    if (strcmp(cache_control, "no-store") != 0)
        gw_body_etag(body, len, etag);
    return send_tagged(c, status, type, body, len, free, body, etag, cache_control);
}

/* Sends a shared body (its reference taken: dropped once it is sent). */
static enum MHD_Result send_shared(struct MHD_Connection *c, const char *type,
                                   struct gw_shared_body *body, const char *cache_control)
{
    return send_tagged(c, MHD_HTTP_OK, type, body->text.s, body->text.len, gw_shared_body_unref,
                       body, body->etag, cache_control);
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *type,
                                struct gw_strbuf *b, const char *cache_control)
{
    size_t len = b->len;
    return send_body(c, status, type, gw_strbuf_take(b), len, cache_control);
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    size_t len = strlen(text);
    /* json_dumps allocates with malloc (jansson's default), so MHD may free it. */
    return send_body(c, status, "application/json", text, len, "no-cache");
}

static bool wants_json(const struct gw_route *r)
{
    return r->kind >= GW_ROUTE_API_STATUS;
}

/* A plain error page (or JSON error for the API). */
static enum MHD_Result send_error(struct MHD_Connection *c, const struct gw_route *route,
                                  unsigned status, const char *message)
{
    if (route && wants_json(route))
        return send_json(c, status, gw_api_error((int)status, message));
    struct gw_strbuf b = {0};
    gw_strbuf_printf(&b, "%u ", status);
    gw_strbuf_append(&b, message);
    gw_strbuf_append_char(&b, '\n');
    return send_buf(c, status, "text/plain; charset=utf-8", &b, "no-store");
}

/* /metrics and /api/v1/status, rendered for the body cache. */
struct render_ctx {
    const struct gw_snapshot *snapshot;
    const struct gw_history_view *history;
};

static void render_metrics(void *ctx, struct gw_strbuf *out)
{
    const struct render_ctx *r = ctx;
    gw_metrics_render(out, r->snapshot);
}

static int append_json(const char *buffer, size_t size, void *data)
{
    gw_strbuf_append_n(data, buffer, size);
    return 0;
}

static void render_status(void *ctx, struct gw_strbuf *out)
{
    const struct render_ctx *r = ctx;
    json_t *j = gw_api_status(r->snapshot, r->history);
    json_dump_callback(j, append_json, out, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
}

/* ---- query arguments -------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The argument `key`, percent-decoded into buf; NULL when absent or malformed. */
static const char *arg(struct MHD_Connection *c, const char *key, char *buf, size_t size)
{
    const char *raw = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
    if (!raw)
        return NULL;
    size_t n = 0;
    for (const char *s = raw; *s; s++) {
        char ch = *s;
        if (ch == '+')
            ch = ' ';
        else if (ch == '%') {
            int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
            if (lo < 0)
                return NULL;
            ch = (char)(hi * 16 + lo);
            s += 2;
        }
        if (ch == '\0' || n + 1 >= size)
            return NULL;
        buf[n++] = ch;
    }
    buf[n] = '\0';
    return buf;
}

/* MHD must leave the path as sent, so encoded slashes and dots reach the router. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

/* ---- handlers -------------------------------------------------------------------------- */

static bool valid_period(const char *p)
{
    enum gw_graph_period period;
    return p && gw_graph_parse_period(p, &period) == 0;
}

static json_t *target_events(const struct gw_snapshot *s, const char *id, size_t limit)
{
    struct gw_events_query q = {.target = id, .states_only = true, .limit = limit, .newest = true};
    return gw_events_read(s->config->daemon.data_dir, &q, NULL);
}

static enum MHD_Result page(struct gw_web *web, struct MHD_Connection *c, struct gw_snapshot *s,
                            const struct gw_route *route)
{
    struct gw_strbuf b = {0};
    struct gw_history_view *h = gw_history_acquire(web->history);
    char period_buf[8];
    const char *period = arg(c, "period", period_buf, sizeof(period_buf));
    struct gw_page p = {
        .b = &b,
        .snap = s,
        .hist = h,
        .route = route,
        .lang = route->lang,
        .now_ms = gw_clock_wall_ms(),
        .refresh_s = s->config->daemon.web_refresh_s,
        .query_period = valid_period(period) ? period : NULL,
    };
    if (route->kind == GW_ROUTE_OVERVIEW) {
        gw_page_overview(&p);
    } else if (route->kind == GW_ROUTE_COUNCIL) {
        long k = gw_snapshot_council_index(s, route->council);
        if (k < 0)
            goto not_found;
        gw_page_council(&p, (size_t)k);
    } else {
        char id[2 * GW_ROUTE_ID_MAX + 2];
        snprintf(id, sizeof(id), "%s/%s", route->council, route->target);
        long i = gw_snapshot_target_index(s, id);
        if (i < 0)
            goto not_found;
        json_t *events = target_events(s, id, EVENTS_ON_PAGE);
        gw_page_target(&p, (size_t)i, events);
        json_decref(events);
    }
    gw_history_view_unref(h);
    return send_buf(c, MHD_HTTP_OK, "text/html; charset=utf-8", &b, "no-cache");
not_found:
    gw_history_view_unref(h);
    gw_strbuf_reset(&b);
    return send_error(c, route, MHD_HTTP_NOT_FOUND, "no such page");
}

/*
 * /report/... and /api/v1/reports/...: built on this thread (web/reports.h
 * keeps what it built and builds one at a time); an HTML report goes into
 * the site's frame, other formats as they are.
 */
static enum MHD_Result report(struct gw_web *web, struct MHD_Connection *c, struct gw_snapshot *s,
                              const struct gw_route *route)
{
    bool api = route->kind == GW_ROUTE_API_REPORT;
    int64_t now = gw_clock_wall_ms();
    char month[8];
    const char *rest = route->rest;
    if (!*rest) {
        gw_report_web_last_month(now, month);
        rest = month;
    }
    char cat_buf[GW_ROUTE_ID_MAX + 1];
    const char *category = arg(c, "category", cat_buf, sizeof(cat_buf));
    if (!category && MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "category"))
        return send_error(c, route, MHD_HTTP_BAD_REQUEST, "category: too long or malformed");
    /* Pages say their language by their address; the API by ?lang=. */
    enum gw_lang lang = route->lang;
    char lang_buf[8];
    const char *lang_arg = api ? arg(c, "lang", lang_buf, sizeof(lang_buf)) : NULL;
    if (lang_arg && gw_i18n_lang_parse(lang_arg, &lang) < 0)
        return send_error(c, route, MHD_HTTP_BAD_REQUEST, "lang: expected en or cy");
    struct gw_report_web_reply reply = {0};
    if (gw_web_reports_get(web->reports, s->config, api ? GW_REPORT_WEB_API : GW_REPORT_WEB_PAGE,
                           rest, category, lang, now, &reply) == -EBUSY)
        return send_error(c, route, MHD_HTTP_SERVICE_UNAVAILABLE,
                          "another report is being built; try again in a few seconds");
    if (reply.status != MHD_HTTP_OK) {
        free(reply.title);
        return send_body(c, reply.status, reply.content_type, reply.body, reply.len, "no-store");
    }
    /* A period that is over does not change: it may be kept. */
    const char *cache = reply.complete ? "max-age=600" : "no-cache";
    if (!reply.title)
        return send_body(c, MHD_HTTP_OK, reply.content_type, reply.body, reply.len, cache);
    struct gw_strbuf b = {0};
    struct gw_history_view *h = gw_history_acquire(web->history);
    struct gw_page p = {
        .b = &b,
        .snap = s,
        .hist = h,
        .route = route,
        .lang = route->lang,
        .now_ms = now,
    };
    struct gw_crumb crumbs[] = {{"", gw_i18n_text(route->lang, GW_I18N_WALES)},
                                {NULL, reply.title}};
    gw_page_begin(&p, reply.title, crumbs, 2);
    gw_strbuf_append_n(&b, reply.body, reply.len);
    gw_page_end(&p);
    gw_history_view_unref(h);
    free(reply.body);
    free(reply.title);
    return send_buf(c, MHD_HTTP_OK, "text/html; charset=utf-8", &b, cache);
}

/* "2026-11-03T10:12:03Z", "2026-11-03T10:12:03.123+01:00" or milliseconds since the epoch. */
static int parse_since(const char *text, int64_t *out_ms)
{
    char *end;
    if (text[0] >= '0' && text[0] <= '9' && strlen(text) >= 10 && !strchr(text, '-')) {
        long long v = strtoll(text, &end, 10);
        if (*end || v < 0)
            return -EINVAL;
        *out_ms = v;
        return 0;
    }
    int64_t s;
    if (gw_graph_parse_time(text, 0, &s) < 0 || !strchr(text, 'T'))
        return -EINVAL;
    *out_ms = s * 1000;
    return 0;
}

static enum MHD_Result api_events(struct MHD_Connection *c, const struct gw_route *route,
                                  struct gw_snapshot *s)
{
    char since_buf[64], target_buf[2 * GW_ROUTE_ID_MAX + 2], council_buf[GW_ROUTE_ID_MAX + 1],
        limit_buf[16], after_buf[24];
    const char *since = arg(c, "since", since_buf, sizeof(since_buf));
    const char *target = arg(c, "target", target_buf, sizeof(target_buf));
    const char *council = arg(c, "council", council_buf, sizeof(council_buf));
    const char *limit = arg(c, "limit", limit_buf, sizeof(limit_buf));
    const char *after = arg(c, "after_seq", after_buf, sizeof(after_buf));
    struct gw_events_query q = {.limit = EVENTS_LIMIT};
    if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since") &&
        (!since || parse_since(since, &q.since_ms) < 0))
        return send_error(c, route, MHD_HTTP_BAD_REQUEST,
                          "since: expected an RFC 3339 time or milliseconds since the epoch");
    if (limit) {
        char *end;
        long v = strtol(limit, &end, 10);
        if (*end || v < 1 || v > EVENTS_MAX)
            return send_error(c, route, MHD_HTTP_BAD_REQUEST, "limit: expected 1 to 10000");
        q.limit = (size_t)v;
    }
    if (after) {
        char *end;
        unsigned long long v = strtoull(after, &end, 10);
        if (*end)
            return send_error(c, route, MHD_HTTP_BAD_REQUEST, "after_seq: expected a number");
        q.after_seq = v;
    }
    if (target) {
        if (gw_snapshot_target_index(s, target) < 0)
            return send_error(c, route, MHD_HTTP_NOT_FOUND, "no such target");
        q.target = target;
    }
    if (council) {
        if (gw_snapshot_council_index(s, council) < 0)
            return send_error(c, route, MHD_HTTP_NOT_FOUND, "no such council");
        q.council = council;
    }
    bool more = false;
    json_t *events = gw_events_read(s->config->daemon.data_dir, &q, &more);
    json_t *last = json_array_get(events, json_array_size(events) - 1);
    json_t *next = last ? json_object_get(last, "seq") : NULL;
    return send_json(c, MHD_HTTP_OK,
                     json_pack("{s:o,s:b,s:O}", "events", events, "more", more, "next_after_seq",
                               next ? next : json_null()));
}

static enum MHD_Result api(struct gw_web *web, struct MHD_Connection *c,
                           const struct gw_route *route, struct gw_snapshot *s)
{
    if (route->kind == GW_ROUTE_API_OPENAPI) {
        const char *doc = gw_api_openapi();
        return send_body(c, MHD_HTTP_OK, "application/json", gw_xstrdup(doc), strlen(doc),
                         "max-age=3600");
    }
    if (route->kind == GW_ROUTE_API_EVENTS)
        return api_events(c, route, s);
    if (route->kind == GW_ROUTE_API_REPORT)
        return report(web, c, s, route);
    struct gw_history_view *h = gw_history_acquire(web->history);
    json_t *body = NULL;
    if (route->kind == GW_ROUTE_API_STATUS) {
        uint64_t hgen = h ? h->generation : 0;
        struct render_ctx ctx = {s, h};
        struct gw_shared_body *shared =
            gw_body_cache_get(&web->status, s->generation, hgen, true, render_status, &ctx);
        gw_history_view_unref(h);
        return send_shared(c, "application/json", shared, "no-cache");
    } else if (route->kind == GW_ROUTE_API_COUNCIL) {
        long k = gw_snapshot_council_index(s, route->council);
        if (k >= 0)
            body = gw_api_council(s, h, (size_t)k);
    } else {
        char id[2 * GW_ROUTE_ID_MAX + 2];
        snprintf(id, sizeof(id), "%s/%s", route->council, route->target);
        long i = gw_snapshot_target_index(s, id);
        if (i >= 0) {
            json_t *events = target_events(s, id, EVENTS_ON_PAGE);
            body = gw_api_target(s, h, (size_t)i, events);
            json_decref(events);
        }
    }
    gw_history_view_unref(h);
    if (!body)
        return send_error(c, route, MHD_HTTP_NOT_FOUND, "no such council or target");
    return send_json(c, MHD_HTTP_OK, body);
}

static enum MHD_Result send_image(struct MHD_Connection *c, const struct gw_route *route,
                                  struct gw_graph_image *img, bool svg)
{
    if (img->status == -ENODATA)
        return send_error(c, route, MHD_HTTP_NOT_FOUND, "nothing recorded for it yet");
    if (img->status == -ENOENT)
        return send_error(c, route, MHD_HTTP_NOT_FOUND, "no such council or target");
    if (img->status < 0) {
        gw_log_warning("web: a graph could not be drawn: %s", img->error);
        return send_error(c, route, MHD_HTTP_INTERNAL_SERVER_ERROR, "the graph could not be drawn");
    }
    char *copy = gw_xmalloc(img->size ? img->size : 1);
    memcpy(copy, img->data, img->size);
    return send_body(c, MHD_HTTP_OK, svg ? "image/svg+xml" : "image/png", copy, img->size,
                     "max-age=15");
}

static void graph_done_cb(void *data, struct gw_graph_image *img)
{
    struct pending *p = data;
    p->img = img;
    atomic_store(&p->done, true);
    MHD_resume_connection(p->conn);
}

static enum MHD_Result graph(struct gw_web *web, struct MHD_Connection *c,
                             const struct gw_route *route, struct gw_snapshot *s, void **con_cls)
{
    struct gw_graph_key key = {.format = route->svg ? GW_GRAPH_SVG : GW_GRAPH_PNG};
    char buf[16];
    const char *period = arg(c, "period", buf, sizeof(buf));
    if (!period)
        period = "1d";
    if (gw_graph_parse_period(period, &key.period) < 0)
        return send_error(c, route, MHD_HTTP_BAD_REQUEST,
                          "period: expected 1h, 1d, 7d, 30d or 365d");
    const char *lang = arg(c, "lang", buf, sizeof(buf));
    if (lang && gw_i18n_lang_parse(lang, &key.lang) < 0)
        return send_error(c, route, MHD_HTTP_BAD_REQUEST, "lang: expected en or cy");
    if (*route->target)
        snprintf(key.subject, sizeof(key.subject), "%s/%s", route->council, route->target);
    else
        snprintf(key.subject, sizeof(key.subject), "%s", route->council);
    /* Only subjects of the configuration: no path ever reaches a file of its own. */
    bool exists = strcmp(key.subject, "wales") == 0 ||
                  (*route->target ? gw_snapshot_target_index(s, key.subject) >= 0
                                  : gw_snapshot_council_index(s, key.subject) >= 0);
    if (!exists)
        return send_error(c, route, MHD_HTTP_NOT_FOUND, "no such council or target");
    struct gw_graph_image *img = gw_graphs_cached(web->graphs, &key);
    if (img) {
        enum MHD_Result ret = send_image(c, route, img, route->svg);
        gw_graph_image_unref(img);
        return ret;
    }
    struct pending *p = gw_xcalloc(1, sizeof(*p));
    p->web = web;
    p->conn = c;
    atomic_init(&p->done, false);
    *con_cls = p;
    MHD_suspend_connection(c);
    gw_graphs_request(web->graphs, s, &key, graph_done_cb, p);
    return MHD_YES;
}

static enum MHD_Result healthz(struct MHD_Connection *c, struct gw_snapshot *s)
{
    struct gw_strbuf b = {0};
    if (!s) {
        gw_strbuf_append(&b, "starting\n");
        return send_buf(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", &b,
                        "no-store");
    }
    gw_strbuf_printf(&b, "ok: %zu targets, snapshot %llu\n", s->n,
                     (unsigned long long)s->generation);
    return send_buf(c, MHD_HTTP_OK, "text/plain; charset=utf-8", &b, "no-store");
}

static enum MHD_Result unauthorised(struct MHD_Connection *c, const struct gw_route *route,
                                    const struct gw_config *config)
{
    struct gw_strbuf b = {0};
    gw_strbuf_append(&b, "401 authentication required\n");
    size_t len = b.len;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, gw_strbuf_take(&b), MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                            config->daemon.web_users ? "Basic realm=\"gwyliwr\", charset=\"UTF-8\""
                                                     : "Bearer realm=\"gwyliwr\"");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    security_headers(r);
    (void)route;
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result dispatch(struct gw_web *web, struct MHD_Connection *c,
                                const struct gw_route *route, struct gw_snapshot *s, void **con_cls)
{
    switch (route->kind) {
    case GW_ROUTE_BAD:
        return send_error(c, route, MHD_HTTP_BAD_REQUEST, "malformed address");
    case GW_ROUTE_NOT_FOUND:
        return send_error(c, route, MHD_HTTP_NOT_FOUND, "no such page");
    case GW_ROUTE_HEALTHZ:
        return healthz(c, s);
    default:
        break;
    }
    if (!s)
        return send_error(c, route, MHD_HTTP_SERVICE_UNAVAILABLE, "starting; try again shortly");
    const char *authz =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!gw_auth_check(web->auth, s->config->daemon.web_token, s->config->daemon.web_users, authz))
        return unauthorised(c, route, s->config);
    switch (route->kind) {
    case GW_ROUTE_STYLE: {
        size_t len = strlen(gw_web_style_css);
        return send_body(c, MHD_HTTP_OK, "text/css; charset=utf-8", gw_xstrdup(gw_web_style_css),
                         len, "max-age=3600");
    }
    case GW_ROUTE_METRICS: {
        /* What may not be stored needs no validator (and /metrics is megabytes to hash). */
        struct render_ctx ctx = {s, NULL};
        struct gw_shared_body *body =
            gw_body_cache_get(&web->metrics, s->generation, 0, false, render_metrics, &ctx);
        return send_shared(c, "text/plain; version=0.0.4; charset=utf-8", body, "no-store");
    }
    case GW_ROUTE_GRAPH:
        return graph(web, c, route, s, con_cls);
    case GW_ROUTE_OVERVIEW:
    case GW_ROUTE_COUNCIL:
    case GW_ROUTE_TARGET:
        return page(web, c, s, route);
    case GW_ROUTE_REPORT:
        return report(web, c, s, route);
    default:
        return api(web, c, route, s);
    }
}

void gw_web_lower_priority(void)
{
    static _Thread_local bool lowered;
    if (lowered)
        return;
    lowered = true;
    /* Linux keeps a nice value per thread. */
    static atomic_bool told;
    /* Said once: every web thread would say the same. A sandbox that forbids
     * setpriority (systemd's ~@resources) is the usual cause. */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), GW_WEB_NICE) != 0 &&
        !atomic_exchange(&told, true))
        gw_log_warning("web: cannot lower the priority of its threads (%s): a busy web server "
                       "can make checks start late",
                       strerror(errno));
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    gw_web_lower_priority(); /* libmicrohttpd makes its threads: they lower themselves */
    struct gw_web *web = cls;
    struct gw_route route;
    char path[1024];
    size_t n = strcspn(url, "?");
    if (n >= sizeof(path)) {
        return send_error(c, NULL, MHD_HTTP_URI_TOO_LONG, "address too long");
    }
    memcpy(path, url, n);
    path[n] = '\0';
    gw_route_parse(path, &route);

    struct pending *p = *con_cls;
    if (p) { /* resumed: the graph is drawn */
        if (!atomic_load(&p->done))
            return MHD_YES;
        return send_image(c, &route, p->img, route.svg);
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        if (*upload_size) { /* a body is not read: drop it */
            *upload_size = 0;
            return MHD_YES;
        }
        struct gw_strbuf b = {0};
        gw_strbuf_append(&b, "405 only GET and HEAD\n");
        size_t len = b.len;
        struct MHD_Response *r =
            MHD_create_response_from_buffer(len, gw_strbuf_take(&b), MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
        MHD_destroy_response(r);
        return ret;
    }
    struct gw_snapshot *s = gw_snapshot_acquire(web->box);
    enum MHD_Result ret = dispatch(web, c, &route, s, con_cls);
    gw_snapshot_unref(s);
    return ret;
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct pending *p = *con_cls;
    if (!p)
        return;
    gw_graph_image_unref(p->img);
    free(p);
    *con_cls = NULL;
}

static void log_cb(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    gw_log_debug("web: %s", line);
}

/* ---- start and stop ------------------------------------------------------------------ */

int gw_web_start(const char *listen, struct gw_snapshot_box *box, struct gw_rrd_writer *writer,
                 struct gw_web **out)
{
    *out = NULL;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    if (gw_netaddr_parse(listen, &addr, &addr_len) < 0)
        return -EINVAL;
    struct gw_web *web = gw_xcalloc(1, sizeof(*web));
    web->box = box;
    web->auth = gw_auth_new();
    gw_body_cache_init(&web->metrics);
    gw_body_cache_init(&web->status);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    errno = 0;
    web->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, access_cb, web, MHD_OPTION_EXTERNAL_LOGGER, log_cb, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)GW_WEB_THREADS, MHD_OPTION_CONNECTION_LIMIT, (unsigned)GW_WEB_MAX_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)GW_WEB_MAX_PER_IP,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)GW_WEB_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)256, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL, MHD_OPTION_NOTIFY_COMPLETED,
        completed_cb, NULL, MHD_OPTION_EXTERNAL_LOGGER, log_cb, NULL, MHD_OPTION_END);
    if (!web->mhd) {
        int err = errno ? errno : EADDRINUSE;
        gw_body_cache_fini(&web->metrics);
        gw_body_cache_fini(&web->status);
        gw_auth_free(web->auth);
        free(web);
        return -err;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(web->mhd, MHD_DAEMON_INFO_BIND_PORT);
    web->port = info ? info->port : 0;
    web->history = gw_history_start(box, writer);
    web->graphs = gw_graphs_new(writer);
    web->reports = gw_web_reports_new(writer);
    *out = web;
    return 0;
}

unsigned gw_web_port(const struct gw_web *web)
{
    return web->port;
}

void gw_web_stop(struct gw_web *web)
{
    if (!web)
        return;
    /* The graph worker finishes first: it resumes connections the server still holds. */
    gw_graphs_free(web->graphs);
    MHD_stop_daemon(web->mhd);
    gw_web_reports_free(web->reports);
    gw_history_stop(web->history);
    gw_body_cache_fini(&web->metrics);
    gw_body_cache_fini(&web->status);
    gw_auth_free(web->auth);
    free(web);
}
