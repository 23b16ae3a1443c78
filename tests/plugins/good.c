/* A minimal valid check plugin for the loader tests. */
#include <errno.h>

#include <gwyliwr/plugin.h>

static int configure(const struct gw_host *host, const struct gw_cfg *target, void **conf_out)
{
    (void)host;
    (void)target;
    *conf_out = (void *)1;
    return 0;
}

static void conf_free(void *conf)
{
    (void)conf;
}

static int start(const struct gw_host *host, const void *conf, struct gw_check *check,
                 void **run_out)
{
    (void)host;
    (void)conf;
    (void)check;
    (void)run_out;
    return -ENOSYS;
}

static void cancel(void *run)
{
    (void)run;
}

static const struct gw_check_type good = {
    .name = "good",
    .description = "loads, never checks",
    .configure = configure,
    .conf_free = conf_free,
    .start = start,
    .cancel = cancel,
};

static const struct gw_check_type *const checks[] = {&good, NULL};

#ifdef WRONG_ABI
/* As if built against a future header. */
__attribute__((visibility("default"))) const struct gw_plugin gw_plugin = {
    GW_PLUGIN_ABI_VERSION + 1, sizeof(struct gw_plugin), "future", checks, NULL};
#elif defined(NO_SYMBOL)
__attribute__((visibility("default"))) const struct gw_plugin gw_plugin_misspelt = {
    GW_PLUGIN_ABI_VERSION, sizeof(struct gw_plugin), "nosymbol", checks, NULL};
#else
GW_PLUGIN_DEFINE("good", checks, NULL);
#endif
