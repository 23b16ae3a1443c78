/*
 * gwyliwr: the command line. Each command is a function; the daemon itself
 * lives in daemon.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/demo.h"
#include "cli/events_cmd.h"
#include "cli/graph_cmd.h"
#include "cli/notify_cmd.h"
#include "cli/probe.h"
#include "cli/report_cmd.h"
#include "cli/status.h"
#include "config/config.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "service/daemon.h"
#include "storage/rrd_budget.h"
#include "util/diag.h"
#include "util/log.h"
#include "util/units.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gwyliwr COMMAND [OPTIONS]\n"
            "\n"
            "commands:\n"
            "  run -c FILE [--log-level LEVEL] [--stop-wait DURATION]\n"
            "                                    run the daemon in the foreground; a stop waits\n"
            "                                    at most DURATION (30s) for the last RRD writes\n"
            "  check-config -c FILE              validate a configuration, print every problem\n"
            "  probe [-c FILE] [--json] COUNCIL/TARGET | URL\n"
            "                                    run one check now and print its breakdown\n"
            "  graph [-c FILE] SUBJECT --period P|--from T [--to T] --out FILE.png|.svg\n"
            "        [--lang en|cy] [--size WxH] draw wales, a council or council/target\n"
            "  report [-c FILE] --month YYYY-MM|--from T [--to T] [--council ID] [--category C]\n"
            "        [--format table|csv|json|html] [--lang en|cy] [--out FILE]\n"
            "                                    24/7 service-delivery figures per council\n"
            "  demo [--data-dir DIR] [--for DURATION]\n"
            "                                    run a simulated council estate on 127.0.0.1\n"
            "  status [-c FILE] [--json] [--user USER:PASSWORD]\n"
            "                                    ask the running daemon how everything is\n"
            "  events [-c FILE] [--since T] [--target ID] [--json]\n"
            "                                    print the event log: outages, notifications\n"
            "  notify [-c FILE] --test NOTIFIER  send a test notification now\n"
            "  plugins                           list the check and notifier types\n"
            "  version                           print the version\n"
            "\n"
            "The configuration defaults to %s.\n",
            GW_DEFAULT_CONFIG);
}

struct common {
    const char *config;
    int log_level;
    unsigned long run_for_ms;
    unsigned long stop_wait_ms;
};

/* Parses the options shared by run and check-config. Returns 0, or the exit code. */
static int parse_common(int argc, char **argv, struct common *c)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"log-level", required_argument, NULL, 'l'},
        {"verbose", no_argument, NULL, 'v'},
        {"for", required_argument, NULL, 'f'},
        {"stop-wait", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    c->config = GW_DEFAULT_CONFIG;
    c->log_level = -1;
    c->run_for_ms = 0;
    c->stop_wait_ms = 0;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:l:vh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            c->config = optarg;
            break;
        case 'l':
            c->log_level = gw_log_level_parse(optarg);
            if (c->log_level < 0) {
                fprintf(stderr,
                        "gwyliwr: bad log level \"%s\" (expected debug, info, notice, "
                        "warning or error)\n",
                        optarg);
                return 2;
            }
            break;
        case 'v':
            c->log_level = GW_LOG_DEBUG;
            break;
        case 'f':
        case 'w': {
            uint64_t ms;
            if (gw_units_parse_duration_ms(optarg, &ms) < 0 || (opt == 'w' && ms == 0)) {
                fprintf(stderr, "gwyliwr: bad duration \"%s\"\n", optarg);
                return 2;
            }
            *(opt == 'f' ? &c->run_for_ms : &c->stop_wait_ms) = (unsigned long)ms;
            break;
        }
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "gwyliwr: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    struct common c;
    int rc = parse_common(argc, argv, &c);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct gw_daemon_options options = {.config_path = c.config,
                                        .log_level = c.log_level,
                                        .run_for_ms = c.run_for_ms,
                                        .stop_wait_ms = c.stop_wait_ms};
    return gw_daemon_run(&options);
}

static int cmd_check_config(int argc, char **argv)
{
    struct common c;
    int rc = parse_common(argc, argv, &c);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct gw_plugins *plugins = gw_plugins_new();
    char *dir = gw_config_plugin_dir_of(c.config);
    int loaded = gw_plugins_load_dir(plugins, dir);
    if (loaded < 0)
        fprintf(stderr, "gwyliwr: cannot read the plugin directory %s\n", dir);
    free(dir);
    struct gw_host host;
    gw_host_init(&host, NULL);
    struct gw_diag *diag = gw_diag_new();
    struct gw_config *config = gw_config_load(c.config, plugins, &host, diag);
    gw_diag_print(diag, stderr);
    if (config) {
        printf("%s: valid: %zu councils, %zu targets, %zu notifiers", c.config, config->n_councils,
               config->n_targets, config->n_notifiers);
        if (diag->warnings)
            printf(" (%zu warning%s)", diag->warnings, diag->warnings == 1 ? "" : "s");
        printf("\n");
        gw_rrd_budget_report(config, stdout, stderr);
    } else {
        printf("%s: %zu error%s\n", c.config, diag->errors, diag->errors == 1 ? "" : "s");
    }
    gw_diag_free(diag);
    gw_config_unref(config);
    gw_plugins_free(plugins);
    return config ? 0 : 1;
}

static int cmd_plugins(void)
{
    struct gw_plugins *plugins = gw_plugins_new();
    char *dir = gw_plugins_default_dir();
    int loaded = gw_plugins_load_dir(plugins, dir);
    if (loaded < 0) {
        fprintf(stderr, "gwyliwr: cannot read the plugin directory %s\n", dir);
        free(dir);
        gw_plugins_free(plugins);
        return 1;
    }
    printf("plugins from %s\n", dir);
    free(dir);
    const char **names;
    size_t n = gw_plugins_check_names(plugins, &names);
    for (size_t i = 0; i < n; i++) {
        const struct gw_check_type *t = gw_plugins_check(plugins, names[i]);
        printf("check %s: %s\n", t->name, t->description ? t->description : "");
        for (const struct gw_cfg_key *k = t->keys; k && k->name; k++)
            printf("    %-16s %s%s\n", k->name, k->help ? k->help : "",
                   (k->flags & GW_CFG_REQUIRED) ? " (required)" : "");
    }
    n = gw_plugins_notifier_names(plugins, &names);
    for (size_t i = 0; i < n; i++) {
        const struct gw_notifier_type *t = gw_plugins_notifier(plugins, names[i]);
        printf("notifier %s: %s\n", t->name, t->description ? t->description : "");
    }
    gw_plugins_free(plugins);
    return 0;
}

int main(int argc, char **argv)
{
    gw_log_init();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "check-config") == 0)
        return cmd_check_config(argc - 1, argv + 1);
    if (strcmp(cmd, "status") == 0)
        return gw_status_main(argc - 1, argv + 1, GW_DEFAULT_CONFIG);
    if (strcmp(cmd, "probe") == 0)
        return gw_probe_main(argc - 1, argv + 1, GW_DEFAULT_CONFIG);
    if (strcmp(cmd, "demo") == 0)
        return gw_demo_main(argc - 1, argv + 1);
    if (strcmp(cmd, "graph") == 0)
        return gw_graph_cmd_main(argc - 1, argv + 1, GW_DEFAULT_CONFIG);
    if (strcmp(cmd, "report") == 0)
        return gw_report_cmd_main(argc - 1, argv + 1, GW_DEFAULT_CONFIG);
    if (strcmp(cmd, "events") == 0)
        return gw_events_cmd_main(argc - 1, argv + 1, GW_DEFAULT_CONFIG);
    if (strcmp(cmd, "notify") == 0)
        return gw_notify_cmd_main(argc - 1, argv + 1, GW_DEFAULT_CONFIG);
    if (strcmp(cmd, "plugins") == 0)
        return cmd_plugins();
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("gwyliwr %s (plugin ABI %d)\n", GW_VERSION, GW_PLUGIN_ABI_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "gwyliwr: unknown command \"%s\"\n\n", cmd);
    usage(stderr);
    return 2;
}
