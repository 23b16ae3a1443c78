/*
 * The whole configuration, validated, on any YAML: councils, targets,
 * defaults, notifiers, maintenance, the keys of a check type and the item
 * keys the daemon reads for feeds (min_up, track_items,
 * max_tracked_items), through gw_config_load_string with a check type
 * registered in memory. A configuration is either refused with an error
 * said, or built with every target's settings in range. (The YAML tree
 * itself is fuzz_cfg_load's.) Inputs that name files (include, *_file) are
 * passed over: they would read this machine's files.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "util/diag.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct gw_cfg_key feed_keys[] = {
    GW_ITEM_CFG_KEYS,
    {"url", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "where"},
    {"expect", GW_CFG_MAP, 0, NULL, "anything"},
    {"max_body", GW_CFG_SIZE, 0, NULL, "bytes"},
    {"pages", GW_CFG_LIST, 0, NULL, "texts"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_figure_decl feed_figures[] = {GW_ITEM_FIGURES};

/* The plugin's side of validation: reads what it declared, as a plugin does. */
static int feed_configure(const struct gw_host *host, const struct gw_cfg *target, void **conf_out)
{
    const char *url = NULL;
    uint64_t max_body = 0;
    if (host->cfg_string(target, "url", &url) < 0 || !url ||
        host->cfg_size(target, "max_body", &max_body) < 0)
        return -EINVAL;
    if (!*url) {
        host->cfg_error(host->cfg_child(target, "url"), "empty url");
        return -EINVAL;
    }
    *conf_out = strdup(url);
    return *conf_out ? 0 : -ENOMEM;
}

static const char *feed_host(const void *conf)
{
    return conf;
}

static size_t feed_figures_of(const void *conf, const struct gw_figure_decl **out)
{
    (void)conf;
    *out = feed_figures;
    return sizeof(feed_figures) / sizeof(feed_figures[0]);
}

static int feed_start(const struct gw_host *host, const void *conf, struct gw_check *check,
                      void **run_out)
{
    (void)host;
    (void)conf;
    (void)check;
    (void)run_out;
    return -ENOSYS;
}

static void feed_cancel(void *run)
{
    (void)run;
}

static const struct gw_check_type feed_type = {
    .name = "feed",
    .description = "a feed for the fuzzer",
    .keys = feed_keys,
    .configure = feed_configure,
    .conf_free = free,
    .conf_host = feed_host,
    .figures = feed_figures_of,
    .start = feed_start,
    .cancel = feed_cancel,
};

static const struct gw_check_type *const checks[] = {&feed_type, NULL};
static const struct gw_plugin plugin = {GW_PLUGIN_ABI_VERSION, sizeof(struct gw_plugin), "fuzz",
                                        checks, NULL};

static struct gw_plugins *plugins;
static struct gw_host host;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!plugins) {
        gw_log_set_level(GW_LOG_ERROR - 1); /* quiet */
        plugins = gw_plugins_new();
        char *err = NULL;
        if (gw_plugins_add(plugins, &plugin, "fuzz", &err) < 0)
            abort();
        gw_host_init(&host, NULL);
    }
    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    if (strlen(text) != size || strstr(text, "include") || strstr(text, "_file")) {
        free(text);
        return 0;
    }
    struct gw_diag *diag = gw_diag_new();
    struct gw_config *config = gw_config_load_string("fuzz.yaml", text, plugins, &host, diag);
    if ((config == NULL) != (diag->errors > 0))
        abort();
    for (size_t i = 0; config && i < config->n_targets; i++) {
        const struct gw_target_conf *t = &config->targets[i];
        if (!(t->min_up >= 0 && t->min_up <= 1) || t->max_tracked_items < 1 ||
            t->interval_ms < GW_MIN_INTERVAL_MS || t->timeout_ms > t->interval_ms ||
            t->timeout_ms == 0 || !gw_config_find_target(config, t->id))
            abort();
    }
    gw_config_unref(config);
    gw_diag_free(diag);
    free(text);
    return 0;
}
