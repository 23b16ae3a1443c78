/*
 * The `ocpi` check type: the EV charge points of an OCPI 2.2.1 `locations`
 * feed, which the Public Charge Point Regulations 2023 make UK operators
 * publish. Each EVSE is an item (plugins/lib/ocpi.h: status mapping, the
 * rapid flag); the daemon counts them, judges min_up and records the
 * Regulations' reliability figure for rapid charge points.
 *
 * Pages are followed through `Link: <...>; rel="next"` on the feed's own
 * host, at most max_pages; the count read is checked against the first
 * page's X-Total-Count (a feed whose paging skips or repeats locations is
 * degraded, feed_paging). Authentication is `Authorization: Token ...` from
 * token_file, the token base64-encoded as OCPI 2.2.1 asks, or as it is for
 * 2.1.1 implementations (token_base64: false).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gwyliwr/plugin.h>

#include "feed_fetch.h"
#include "ocpi.h"

struct ocpi_conf {
    struct gw_feed_http http;
};

static const struct gw_cfg_key ocpi_keys[] = {
    GW_FEED_HTTP_KEYS,
    GW_FEED_PAGING_KEYS,
    GW_ITEM_CFG_KEYS,
    {"token_file", GW_CFG_FILE, 0, NULL,
     "file holding the OCPI token, sent as Authorization: Token ..."},
    {"token_base64", GW_CFG_BOOL, 0, NULL,
     "send the token base64-encoded, as OCPI 2.2.1 asks (default true; false for 2.1.1)"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_figure_decl ocpi_figures[] = {
    GW_ITEM_FIGURES,
    GW_ITEM_RAPID_FIGURES,
    GW_FEED_FIGURES,
    {"locations", "count", 0, NAN},
    {"evses_available", "count", 0, NAN},
    {"evses_charging", "count", 0, NAN},
};

/* Standard base64 of s into a new string, or NULL when out of memory. */
static char *base64(const char *s)
{
    static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(s);
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)(unsigned char)s[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)s[i + 2];
        out[o++] = table[(v >> 18) & 63];
        out[o++] = table[(v >> 12) & 63];
        out[o++] = i + 1 < len ? table[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? table[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static int configure_token(const struct gw_host *host, const struct gw_cfg *target,
                           struct ocpi_conf *conf)
{
    char *token = NULL;
    bool b64 = true;
    if (host->cfg_secret(target, "token_file", &token) < 0 ||
        host->cfg_bool(target, "token_base64", &b64) < 0)
        return -EINVAL;
    if (!token)
        return 0;
    const struct gw_cfg *node = host->cfg_child(target, "token_file");
    int rc = 0;
    char *encoded = NULL, *value = NULL;
    if (!*token || strpbrk(token, " \t\r\n")) {
        host->cfg_error(node, "token_file: expected one token without spaces or line breaks");
        rc = -EINVAL;
    } else if (gw_feed_http_has_header(&conf->http, "Authorization")) {
        host->cfg_error(node,
                        "an Authorization header is given too (expected one way to authenticate)");
        rc = -EINVAL;
    } else if (!(encoded = b64 ? base64(token) : strdup(token)) ||
               !(value = malloc(strlen(encoded) + 7))) {
        rc = -ENOMEM;
    } else {
        snprintf(value, strlen(encoded) + 7, "Token %s", encoded);
        rc = gw_feed_http_add_header(&conf->http, "Authorization", value);
    }
    /* The token is secret: wiped wherever it was copied. */
    for (char *p[] = {token, encoded, value}, **q = p; q < p + 3; q++) {
        if (*q)
            explicit_bzero(*q, strlen(*q));
        free(*q);
    }
    return rc;
}

static void ocpi_conf_free(void *p)
{
    struct ocpi_conf *conf = p;
    if (!conf)
        return;
    gw_feed_http_fini(&conf->http);
    free(conf);
}

static int ocpi_configure(const struct gw_host *host, const struct gw_cfg *target, void **conf_out)
{
    struct ocpi_conf *conf = calloc(1, sizeof(*conf));
    if (!conf)
        return -ENOMEM;
    int rc = gw_feed_http_configure(host, target, true, &conf->http);
    if (configure_token(host, target, conf) < 0)
        rc = -EINVAL;
    if (rc < 0) {
        ocpi_conf_free(conf);
        return rc;
    }
    *conf_out = conf;
    return 0;
}

static const char *ocpi_conf_host(const void *p)
{
    return ((const struct ocpi_conf *)p)->http.host;
}

static size_t ocpi_conf_figures(const void *p, const struct gw_figure_decl **out)
{
    (void)p;
    *out = ocpi_figures;
    return sizeof(ocpi_figures) / sizeof(ocpi_figures[0]);
}

/* ---- a run ------------------------------------------------------------------------ */

struct ocpi_run {
    struct gw_feed_sink sink; /* first: gw_feed_check_start fills it in */
    struct gw_ocpi_tally tally;
    int64_t total; /* X-Total-Count of the first page; -1 when not given */
};

static int page_cb(void *data, const struct gw_feed_page *page, struct gw_feed_error *err)
{
    struct ocpi_run *run = data;
    const struct gw_http_response *r = page->response;
    if (page->number == 1) {
        const char *total = gw_feed_header(r, "X-Total-Count");
        char *end = NULL;
        long long n = total ? strtoll(total, &end, 10) : -1;
        run->total = total && end != total && n >= 0 ? n : -1;
    }
    return gw_ocpi_parse_page(r->body, r->body_len, gw_feed_sink_item, &run->sink, &run->tally,
                              err);
}

static void end_cb(void *data, unsigned pages, const char *where)
{
    struct ocpi_run *run = data;
    const struct gw_host *host = run->sink.host;
    struct gw_check *check = run->sink.check;
    const struct gw_ocpi_tally *t = &run->tally;
    host->check_items_complete(check);
    host->check_figure(check, "locations", (double)t->locations);
    host->check_figure(check, "evses_available", (double)t->by_status[GW_OCPI_AVAILABLE]);
    host->check_figure(check, "evses_charging", (double)t->by_status[GW_OCPI_CHARGING]);
    char counts[160], rapid[96];
    gw_feed_sink_counts(&run->sink, counts, sizeof(counts));
    gw_feed_sink_rapid(&run->sink, rapid, sizeof(rapid));
    if (run->total >= 0 && (uint64_t)run->total != t->locations)
        host->check_done(check, GW_STATUS_DEGRADED, GW_REASON_FEED_PAGING,
                         "%" PRIu64 " locations read in %u pages from %s, but X-Total-Count says "
                         "%" PRId64 "; %" PRIu64 " EVSEs: %s%s",
                         t->locations, pages, where, run->total, t->evses, counts, rapid);
    else
        host->check_done(check, GW_STATUS_UP, NULL,
                         "%" PRIu64 " EVSEs at %" PRIu64 " locations from %s: %s%s", t->evses,
                         t->locations, where, counts, rapid);
}

static int ocpi_start(const struct gw_host *host, const void *p, struct gw_check *check,
                      void **run_out)
{
    const struct ocpi_conf *conf = p;
    return gw_feed_check_start(host, &conf->http, conf, check, false, sizeof(struct ocpi_run),
                               page_cb, end_cb, run_out);
}

static void ocpi_cancel(void *run)
{
    gw_feed_fetch_cancel(run);
}

static const struct gw_check_type ocpi_check = {
    .name = "ocpi",
    .description = "EV charge points of an OCPI 2.2.1 locations feed: EVSEs by status, the "
                   "rapid-charger reliability figure",
    .keys = ocpi_keys,
    .configure = ocpi_configure,
    .conf_free = ocpi_conf_free,
    .conf_host = ocpi_conf_host,
    .figures = ocpi_conf_figures,
    .start = ocpi_start,
    .cancel = ocpi_cancel,
};

static const struct gw_check_type *const ocpi_checks[] = {&ocpi_check, NULL};

GW_PLUGIN_DEFINE("ocpi", ocpi_checks, NULL);
