#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "host.h"
#include "log.h"
#include "plugins.h"

int main(int argc, char **argv)
{
    gw_log_init();
    if (argc < 4 || strcmp(argv[1], "check-config") != 0)
        return 2;
    struct gw_plugins *plugins = gw_plugins_new();
    char *dir = gw_config_plugin_dir_of(argv[3]);
    gw_plugins_load_dir(plugins, dir);
    free(dir);
    struct gw_host host;
    gw_host_init(&host, NULL);
    struct gw_diag *diag = gw_diag_new();
    struct gw_config *c = gw_config_load(argv[3], plugins, &host, diag);
    gw_diag_print(diag, stderr);
    gw_diag_free(diag);
    int rc = c ? 0 : 1;
    gw_config_unref(c);
    gw_plugins_free(plugins);
    return rc;
}
