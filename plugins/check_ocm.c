/*
 * The `ocm` check type: charge points from an Open Charge Map style POI list
 * (the OCM API's /poi, or a council's own export in its shape). Each
 * connection is an item, or each site without connections
 * (plugins/lib/ocm.h); connections of 50 kW or more count in the
 * rapid-charger reliability figure.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include <gwyliwr/plugin.h>

#include "feed_fetch.h"
#include "ocm.h"

struct ocm_conf {
    struct gw_feed_http http;
};

static const struct gw_cfg_key ocm_keys[] = {
    GW_FEED_HTTP_KEYS,
    GW_ITEM_CFG_KEYS,
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_figure_decl ocm_figures[] = {
    GW_ITEM_FIGURES,
    GW_ITEM_RAPID_FIGURES,
    GW_FEED_FIGURES,
    {"sites", "count", 0, NAN},
};

static void ocm_conf_free(void *p)
{
    struct ocm_conf *conf = p;
    if (!conf)
        return;
    gw_feed_http_fini(&conf->http);
    free(conf);
}

static int ocm_configure(const struct gw_host *host, const struct gw_cfg *target, void **conf_out)
{
    struct ocm_conf *conf = calloc(1, sizeof(*conf));
    if (!conf)
        return -ENOMEM;
    int rc = gw_feed_http_configure(host, target, false, &conf->http);
    if (rc < 0) {
        ocm_conf_free(conf);
        return rc;
    }
    *conf_out = conf;
    return 0;
}

static const char *ocm_conf_host(const void *p)
{
    return ((const struct ocm_conf *)p)->http.host;
}

static size_t ocm_conf_figures(const void *p, const struct gw_figure_decl **out)
{
    (void)p;
    *out = ocm_figures;
    return sizeof(ocm_figures) / sizeof(ocm_figures[0]);
}

struct ocm_run {
    struct gw_feed_sink sink; /* first: gw_feed_check_start fills it in */
    struct gw_ocm_tally tally;
};

static int page_cb(void *data, const struct gw_feed_page *page, struct gw_feed_error *err)
{
    struct ocm_run *run = data;
    const struct gw_http_response *r = page->response;
    return gw_ocm_parse(r->body, r->body_len, gw_feed_sink_item, &run->sink, &run->tally, err);
}

static void end_cb(void *data, unsigned pages, const char *where)
{
    (void)pages;
    struct ocm_run *run = data;
    const struct gw_host *host = run->sink.host;
    struct gw_check *check = run->sink.check;
    host->check_items_complete(check);
    host->check_figure(check, "sites", (double)run->tally.sites);
    char counts[160], rapid[96];
    gw_feed_sink_counts(&run->sink, counts, sizeof(counts));
    gw_feed_sink_rapid(&run->sink, rapid, sizeof(rapid));
    host->check_done(check, GW_STATUS_UP, NULL,
                     "%" PRIu64 " connectors at %" PRIu64 " sites from %s: %s%s", run->tally.items,
                     run->tally.sites, where, counts, rapid);
}

static int ocm_start(const struct gw_host *host, const void *p, struct gw_check *check,
                     void **run_out)
{
    const struct ocm_conf *conf = p;
    return gw_feed_check_start(host, &conf->http, conf, check, false, sizeof(struct ocm_run),
                               page_cb, end_cb, run_out);
}

static void ocm_cancel(void *run)
{
    gw_feed_fetch_cancel(run);
}

static const struct gw_check_type ocm_check = {
    .name = "ocm",
    .description = "EV charge points from an Open Charge Map style POI list: connectors by status",
    .keys = ocm_keys,
    .configure = ocm_configure,
    .conf_free = ocm_conf_free,
    .conf_host = ocm_conf_host,
    .figures = ocm_conf_figures,
    .start = ocm_start,
    .cancel = ocm_cancel,
};

static const struct gw_check_type *const ocm_checks[] = {&ocm_check, NULL};

GW_PLUGIN_DEFINE("ocm", ocm_checks, NULL);
