/*
 * Configurations for tests that need the real check plugins of the build
 * (GW_PLUGIN_DIR): loading them, and a configuration from YAML text.
 */
#ifndef GW_CONFIG_TESTUTIL_H
#define GW_CONFIG_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "util/diag.h"

/* The plugins the build made; fails the test when there are none. Caller frees. */
static inline struct gw_plugins *test_plugins_load(void)
{
    struct gw_plugins *plugins = gw_plugins_new();
    const char *dir = getenv("GW_PLUGIN_DIR");
    assert_non_null(dir);
    assert_true(gw_plugins_load_dir(plugins, dir) > 0);
    return plugins;
}

/*
 * The configuration `yaml` (named `name` in messages) with `plugins` and
 * `host` (both borrowed, and to outlive it); fails the test, printing every
 * problem, when it is not valid. Caller unrefs.
 */
static inline struct gw_config *test_config_load(const char *name, const char *yaml,
                                                 const struct gw_plugins *plugins,
                                                 const struct gw_host *host)
{
    struct gw_diag *diag = gw_diag_new();
    struct gw_config *config = gw_config_load_string(name, yaml, plugins, host, diag);
    if (!config)
        gw_diag_print(diag, stderr);
    assert_non_null(config);
    gw_diag_free(diag);
    return config;
}

#endif
