/*
 * The `json_feed` check type: any JSON list of things with a status, from a
 * Wi-Fi controller (Meraki's device statuses, UniFi), a sensor list or a
 * council's own API. Where the list is and where each item's id, status and
 * name are are dotted paths; which status texts are up, degraded, down,
 * excluded or unknown are lists (plugins/lib/json_list.h). Pages are
 * followed through `Link: <...>; rel="next"`, and a 429 with Retry-After
 * makes the next check wait rather than count as an outage.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include <gwyliwr/plugin.h>

#include "feed_fetch.h"
#include "json_list.h"

struct json_feed_conf {
    struct gw_feed_http http;
    struct gw_json_list_conf list;
};

static const struct gw_cfg_key json_feed_keys[] = {
    GW_FEED_HTTP_KEYS,
    GW_FEED_PAGING_KEYS,
    GW_ITEM_CFG_KEYS,
    {"items", GW_CFG_STRING, 0, NULL,
     "dotted path to the list in the document (default \"\": the document is the list)"},
    {"item_id", GW_CFG_STRING, 0, NULL, "dotted path to an item's id (default id)"},
    {"item_status", GW_CFG_STRING, 0, NULL, "dotted path to an item's status (default status)"},
    {"item_name", GW_CFG_STRING, 0, NULL, "dotted path to an item's name (default name)"},
    {"up_values", GW_CFG_LIST, 0, NULL,
     "statuses that are up (default online, up, ok, pass, operational, active, available, true)"},
    {"degraded_values", GW_CFG_LIST, 0, NULL,
     "statuses that are degraded (default alerting, degraded, warn, warning)"},
    {"down_values", GW_CFG_LIST, 0, NULL,
     "statuses that are down (default: every status in no list; given, those are unknown)"},
    {"excluded_values", GW_CFG_LIST, 0, NULL,
     "statuses of items not in service, left out of the counts that judge (e.g. dormant)"},
    {"unknown_values", GW_CFG_LIST, 0, NULL, "statuses that say nothing (default unknown)"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_figure_decl json_feed_figures[] = {
    GW_ITEM_FIGURES,
    GW_FEED_FIGURES,
};

static void json_feed_conf_free(void *p)
{
    struct json_feed_conf *conf = p;
    if (!conf)
        return;
    gw_feed_http_fini(&conf->http);
    gw_json_list_conf_fini(&conf->list);
    free(conf);
}

/* Reads one list of status texts into the parser's configuration. */
static int configure_values(const struct gw_host *host, const struct gw_cfg *target,
                            const char *key, enum gw_item_status status,
                            struct gw_json_list_conf *list)
{
    const struct gw_cfg *node = host->cfg_child(target, key);
    if (!node)
        return 0;
    size_t n = host->cfg_len(node);
    const char **texts = calloc(n ? n : 1, sizeof(*texts));
    if (!texts)
        return -ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        texts[i] = host->cfg_scalar(host->cfg_at(node, i));
        if (!texts[i] || !*texts[i]) {
            host->cfg_error(host->cfg_at(node, i), "%s: expected status texts", key);
            rc = -EINVAL;
        }
    }
    if (rc == 0)
        rc = gw_json_list_conf_set(list, status, texts, n);
    free(texts);
    return rc;
}

static int json_feed_configure(const struct gw_host *host, const struct gw_cfg *target,
                               void **conf_out)
{
    struct json_feed_conf *conf = calloc(1, sizeof(*conf));
    if (!conf)
        return -ENOMEM;
    int rc = gw_feed_http_configure(host, target, true, &conf->http);
    const char *items = "", *id = "id", *status = "status", *name = "name", *bad = NULL;
    if (host->cfg_string(target, "items", &items) < 0 ||
        host->cfg_string(target, "item_id", &id) < 0 ||
        host->cfg_string(target, "item_status", &status) < 0 ||
        host->cfg_string(target, "item_name", &name) < 0) {
        rc = -EINVAL;
    } else if (gw_json_list_conf_init(&conf->list, items, id, status, name, &bad) < 0) {
        const char *key = bad && host->cfg_child(target, bad) ? bad : "check";
        host->cfg_error(host->cfg_child(target, key),
                        "%s: bad path (expected names and list indexes joined by dots, like "
                        "data.devices or state.code)",
                        bad ? bad : "items");
        rc = -EINVAL;
    } else {
        static const struct {
            const char *key;
            enum gw_item_status status;
        } lists[] = {
            {"up_values", GW_ITEM_UP},           {"degraded_values", GW_ITEM_DEGRADED},
            {"down_values", GW_ITEM_DOWN},       {"excluded_values", GW_ITEM_EXCLUDED},
            {"unknown_values", GW_ITEM_UNKNOWN},
        };
        for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
            if (configure_values(host, target, lists[i].key, lists[i].status, &conf->list) < 0)
                rc = -EINVAL;
    }
    if (rc < 0) {
        json_feed_conf_free(conf);
        return rc;
    }
    *conf_out = conf;
    return 0;
}

static const char *json_feed_conf_host(const void *p)
{
    return ((const struct json_feed_conf *)p)->http.host;
}

static size_t json_feed_conf_figures(const void *p, const struct gw_figure_decl **out)
{
    (void)p;
    *out = json_feed_figures;
    return sizeof(json_feed_figures) / sizeof(json_feed_figures[0]);
}

struct json_feed_run {
    struct gw_feed_sink sink; /* first: gw_feed_check_start fills it in */
    struct gw_json_list_tally tally;
};

static int page_cb(void *data, const struct gw_feed_page *page, struct gw_feed_error *err)
{
    struct json_feed_run *run = data;
    const struct json_feed_conf *conf = run->sink.conf;
    const struct gw_http_response *r = page->response;
    return gw_json_list_parse(&conf->list, r->body, r->body_len, gw_feed_sink_item, &run->sink,
                              &run->tally, err);
}

static void end_cb(void *data, unsigned pages, const char *where)
{
    struct json_feed_run *run = data;
    const struct gw_host *host = run->sink.host;
    char counts[160];
    gw_feed_sink_counts(&run->sink, counts, sizeof(counts));
    host->check_items_complete(run->sink.check);
    host->check_done(run->sink.check, GW_STATUS_UP, NULL,
                     "%" PRIu64 " items in %u page%s from %s: %s", run->tally.items, pages,
                     pages == 1 ? "" : "s", where, counts);
}

static int json_feed_start(const struct gw_host *host, const void *p, struct gw_check *check,
                           void **run_out)
{
    const struct json_feed_conf *conf = p;
    return gw_feed_check_start(host, &conf->http, conf, check, false, sizeof(struct json_feed_run),
                               page_cb, end_cb, run_out);
}

static void json_feed_cancel(void *run)
{
    gw_feed_fetch_cancel(run);
}

static const struct gw_check_type json_feed_check = {
    .name = "json_feed",
    .description = "any JSON list of things with a status (Wi-Fi access points, sensors): "
                   "items by status",
    .keys = json_feed_keys,
    .configure = json_feed_configure,
    .conf_free = json_feed_conf_free,
    .conf_host = json_feed_conf_host,
    .figures = json_feed_conf_figures,
    .start = json_feed_start,
    .cancel = json_feed_cancel,
};

static const struct gw_check_type *const json_feed_checks[] = {&json_feed_check, NULL};

GW_PLUGIN_DEFINE("json_feed", json_feed_checks, NULL);
