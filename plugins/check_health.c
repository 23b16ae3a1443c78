/*
 * The `health` check type: a service's own account of its health, the way
 * gwyliwr watches the cloud and SaaS platforms councils' services run on.
 * application/health+json, Spring Boot's /health and Statuspage's
 * summary.json (plugins/lib/health_doc.h); components are items; the worst
 * status of the document and its components decides: fail / DOWN /
 * major_outage is down (health_fail), warn / partial_outage is degraded
 * (health_warn). A 503 answer is read like a 200: health endpoints answer
 * 503 when they are failing, and the document says why.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gwyliwr/plugin.h>

#include "feed_fetch.h"
#include "health_doc.h"

struct health_conf {
    struct gw_feed_http http;
    enum gw_health_format format;
    char **only; /* NULL-terminated component ids or names, or NULL for all */
};

static const struct gw_cfg_key health_keys[] = {
    GW_FEED_HTTP_KEYS,
    GW_ITEM_CFG_KEYS,
    {"format", GW_CFG_STRING, 0, NULL, "auto (default), health+json, spring or statuspage"},
    {"components", GW_CFG_LIST, 0, NULL,
     "only these components count (ids, check keys or names); default all"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_figure_decl health_figures[] = {
    GW_ITEM_FIGURES,
    GW_FEED_FIGURES,
};

static void health_conf_free(void *p)
{
    struct health_conf *conf = p;
    if (!conf)
        return;
    gw_feed_http_fini(&conf->http);
    for (size_t i = 0; conf->only && conf->only[i]; i++)
        free(conf->only[i]);
    free(conf->only);
    free(conf);
}

static int configure_doc(const struct gw_host *host, const struct gw_cfg *target,
                         struct health_conf *conf)
{
    static const enum gw_health_format formats[] = {GW_HEALTH_AUTO, GW_HEALTH_JSON,
                                                    GW_HEALTH_SPRING, GW_HEALTH_STATUSPAGE};
    const char *format = "auto";
    if (host->cfg_string(target, "format", &format) < 0)
        return -EINVAL;
    bool known = false;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (strcmp(format, gw_health_format_name(formats[i])) == 0) {
            conf->format = formats[i];
            known = true;
        }
    }
    if (!known) {
        host->cfg_error(host->cfg_child(target, "format"),
                        "unknown format \"%s\" (expected auto, health+json, spring or "
                        "statuspage)",
                        format);
        return -EINVAL;
    }
    const struct gw_cfg *list = host->cfg_child(target, "components");
    if (!list)
        return 0;
    size_t n = host->cfg_len(list);
    conf->only = calloc(n + 1, sizeof(*conf->only));
    if (!conf->only)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *name = host->cfg_scalar(host->cfg_at(list, i));
        if (!name || !*name) {
            host->cfg_error(host->cfg_at(list, i), "components: expected component names or ids");
            return -EINVAL;
        }
        if (!(conf->only[i] = strdup(name)))
            return -ENOMEM;
    }
    return 0;
}

static int health_configure(const struct gw_host *host, const struct gw_cfg *target,
                            void **conf_out)
{
    struct health_conf *conf = calloc(1, sizeof(*conf));
    if (!conf)
        return -ENOMEM;
    int rc = gw_feed_http_configure(host, target, false, &conf->http);
    if (configure_doc(host, target, conf) < 0)
        rc = -EINVAL;
    if (rc < 0) {
        health_conf_free(conf);
        return rc;
    }
    *conf_out = conf;
    return 0;
}

static const char *health_conf_host(const void *p)
{
    return ((const struct health_conf *)p)->http.host;
}

static size_t health_conf_figures(const void *p, const struct gw_figure_decl **out)
{
    (void)p;
    *out = health_figures;
    return sizeof(health_figures) / sizeof(health_figures[0]);
}

struct health_run {
    struct gw_feed_sink sink; /* first: gw_feed_check_start fills it in */
    struct gw_health_verdict verdict;
    long http_status;
};

static int page_cb(void *data, const struct gw_feed_page *page, struct gw_feed_error *err)
{
    struct health_run *run = data;
    const struct health_conf *conf = run->sink.conf;
    const struct gw_http_response *r = page->response;
    run->http_status = r->status;
    int rc = gw_health_parse(conf->format, gw_feed_header(r, "Content-Type"), r->body, r->body_len,
                             (const char *const *)conf->only, gw_feed_sink_item, &run->sink,
                             &run->verdict, err);
    if (rc == 0 && conf->only && run->verdict.components == 0)
        return gw_feed_fail(err, GW_REASON_FEED_SCHEMA,
                            "none of the components the target names is in the %s document",
                            gw_health_format_name(run->verdict.format));
    return rc;
}

static void end_cb(void *data, unsigned pages, const char *where)
{
    (void)pages;
    struct health_run *run = data;
    const struct gw_host *host = run->sink.host;
    struct gw_check *check = run->sink.check;
    const struct gw_health_verdict *v = &run->verdict;
    char counts[160], said[64] = "";
    gw_feed_sink_counts(&run->sink, counts, sizeof(counts));
    if (*v->word)
        snprintf(said, sizeof(said), " says \"%s\"", v->word);
    host->check_items_complete(check);
    const char *format = gw_health_format_name(v->format);
    switch (v->status) {
    case GW_ITEM_DOWN:
        host->check_done(check, GW_STATUS_DOWN, GW_REASON_HEALTH_FAIL,
                         "the %s document from %s%s (HTTP %ld); components: %s", format, where,
                         said, run->http_status, counts);
        break;
    case GW_ITEM_DEGRADED:
        host->check_done(check, GW_STATUS_DEGRADED, GW_REASON_HEALTH_WARN,
                         "the %s document from %s%s; components: %s", format, where, said, counts);
        break;
    case GW_ITEM_UNKNOWN:
        host->check_done(check, GW_STATUS_UNKNOWN, GW_REASON_HEALTH_UNKNOWN,
                         "the %s document from %s cannot tell its own state%s; components: %s",
                         format, where, said, counts);
        break;
    default:
        host->check_done(check, GW_STATUS_UP, NULL, "the %s document from %s%s; components: %s",
                         format, where, said, counts);
        break;
    }
}

static int health_start(const struct gw_host *host, const void *p, struct gw_check *check,
                        void **run_out)
{
    const struct health_conf *conf = p;
    return gw_feed_check_start(host, &conf->http, conf, check, true, sizeof(struct health_run),
                               page_cb, end_cb, run_out);
}

static void health_cancel(void *run)
{
    gw_feed_fetch_cancel(run);
}

static const struct gw_check_type health_check = {
    .name = "health",
    .description = "a service's health document (health+json, Spring /health, Statuspage): "
                   "the worst of it and its components",
    .keys = health_keys,
    .configure = health_configure,
    .conf_free = health_conf_free,
    .conf_host = health_conf_host,
    .figures = health_conf_figures,
    .start = health_start,
    .cancel = health_cancel,
};

static const struct gw_check_type *const health_checks[] = {&health_check, NULL};

GW_PLUGIN_DEFINE("health", health_checks, NULL);
