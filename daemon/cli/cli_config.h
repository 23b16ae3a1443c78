/*
 * Loading the configuration for a command that reads it once (graph,
 * report, events, notify): its plugins from the directory the configuration
 * names, every problem printed to stderr.
 */
#ifndef GW_CLI_CONFIG_H
#define GW_CLI_CONFIG_H

#include <gwyliwr/plugin.h>

#include "config/config.h"
#include "plugin/plugins.h"

/*
 * Loads and validates the configuration at `path` for the command `cmd`
 * (for messages: "gwyliwr report: ..."), for a command that runs no check
 * and sends nothing. On success returns it (caller unrefs) and sets
 * *plugins_out to the plugins it uses (caller frees after the
 * configuration). On failure prints the problems, returns NULL and sets
 * *plugins_out to NULL.
 */
struct gw_config *gw_cli_config_load(const char *path, const char *cmd,
                                     struct gw_plugins **plugins_out);

/*
 * The same, handing the plugins `host` (borrowed: plugins keep it, so it
 * must outlive the configuration), for a command that runs plugins on its
 * own loop.
 */
struct gw_config *gw_cli_config_load_host(const char *path, const char *cmd,
                                          const struct gw_host *host,
                                          struct gw_plugins **plugins_out);

#endif
