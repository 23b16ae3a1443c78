#include "cli/cli_config.h"

#include <stdio.h>
#include <stdlib.h>

#include "plugin/host.h"
#include "util/diag.h"

struct gw_config *gw_cli_config_load_host(const char *path, const char *cmd,
                                          const struct gw_host *host,
                                          struct gw_plugins **plugins_out)
{
    struct gw_plugins *plugins = gw_plugins_new();
    char *dir = gw_config_plugin_dir_of(path);
    if (gw_plugins_load_dir(plugins, dir) < 0)
        fprintf(stderr, "gwyliwr %s: cannot read the plugin directory %s\n", cmd, dir);
    free(dir);
    struct gw_diag *diag = gw_diag_new();
    struct gw_config *config = gw_config_load(path, plugins, host, diag);
    if (!config) {
        gw_diag_print(diag, stderr);
        fprintf(stderr, "gwyliwr %s: %s is not a valid configuration\n", cmd, path);
        gw_plugins_free(plugins);
        plugins = NULL;
    }
    gw_diag_free(diag);
    *plugins_out = plugins;
    return config;
}

struct gw_config *gw_cli_config_load(const char *path, const char *cmd,
                                     struct gw_plugins **plugins_out)
{
    /* Plugins may keep the table for as long as the configuration lives. */
    static struct gw_host no_loop;
    static bool ready;
    if (!ready) {
        gw_host_init(&no_loop, NULL);
        ready = true;
    }
    return gw_cli_config_load_host(path, cmd, &no_loop, plugins_out);
}
