#include "cli/graph_cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_config.h"
#include "cli/cli_output.h"
#include "graph/graph.h"

static void graph_usage(FILE *out)
{
    fprintf(out, "usage: gwyliwr graph [-c FILE] SUBJECT [--period 1h|1d|7d|30d|365d | --from T "
                 "[--to T]]\n"
                 "                     --out FILE.png|FILE.svg [--lang en|cy] [--size WxH]\n"
                 "\n"
                 "SUBJECT is wales, a council id, or council/target. T is now, -DURATION (-2h),\n"
                 "seconds since the epoch, 2026-11-12T10:00:00Z, or 2026-11-12 [10:00] in local\n"
                 "time. The period defaults to 1d.\n");
}

int gw_graph_cmd_main(int argc, char **argv, const char *default_config)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"period", required_argument, NULL, 'p'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {"lang", required_argument, NULL, 'l'},
        {"size", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = default_config, *period_text = NULL, *from = NULL, *to = NULL;
    const char *out_path = NULL, *lang_text = "en", *size_text = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 'p':
            period_text = optarg;
            break;
        case 'f':
            from = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'l':
            lang_text = optarg;
            break;
        case 's':
            size_text = optarg;
            break;
        case 'h':
            graph_usage(stdout);
            return 0;
        default:
            graph_usage(stderr);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, optind >= argc ? "gwyliwr graph: no subject given\n"
                                       : "gwyliwr graph: one subject at a time\n");
        graph_usage(stderr);
        return 2;
    }
    struct gw_graph_request req = {.subject = argv[optind], .period = GW_GRAPH_PERIOD_1D};
    int64_t now = (int64_t)time(NULL);
    if (period_text && (from || to)) {
        fprintf(stderr, "gwyliwr graph: give --period or --from/--to, not both\n");
        return 2;
    }
    if (period_text && gw_graph_parse_period(period_text, &req.period) < 0) {
        fprintf(stderr, "gwyliwr graph: bad period \"%s\" (expected 1h, 1d, 7d, 30d or 365d)\n",
                period_text);
        return 2;
    }
    req.end_s = now;
    req.start_s = now - gw_graph_period_seconds(req.period);
    if (to && !from) {
        fprintf(stderr, "gwyliwr graph: --to needs --from\n");
        return 2;
    }
    if (from) {
        req.period = GW_GRAPH_PERIOD_CUSTOM;
        if (gw_graph_parse_time(from, now, &req.start_s) < 0) {
            fprintf(stderr, "gwyliwr graph: bad time \"%s\"\n", from);
            return 2;
        }
        if (to && gw_graph_parse_time(to, now, &req.end_s) < 0) {
            fprintf(stderr, "gwyliwr graph: bad time \"%s\"\n", to);
            return 2;
        }
        if (req.end_s <= req.start_s) {
            fprintf(stderr, "gwyliwr graph: --from must come before --to\n");
            return 2;
        }
    }
    if (!out_path) {
        fprintf(stderr, "gwyliwr graph: --out FILE.png or FILE.svg is required\n");
        return 2;
    }
    if (gw_graph_format_of_path(out_path, &req.format) < 0) {
        fprintf(stderr, "gwyliwr graph: cannot tell the format of \"%s\" (expected .png or .svg)\n",
                out_path);
        return 2;
    }
    if (gw_i18n_lang_parse(lang_text, &req.lang) < 0) {
        fprintf(stderr, "gwyliwr graph: bad language \"%s\" (expected en or cy)\n", lang_text);
        return 2;
    }
    if (size_text) {
        int rc = gw_graph_parse_size(size_text, &req.width, &req.height);
        if (rc < 0) {
            fprintf(stderr,
                    "gwyliwr graph: bad size \"%s\" (expected WIDTHxHEIGHT, %u..%u x %u..%u)\n",
                    size_text, GW_GRAPH_WIDTH_MIN, GW_GRAPH_WIDTH_MAX, GW_GRAPH_HEIGHT_MIN,
                    GW_GRAPH_HEIGHT_MAX);
            return 2;
        }
    }

    struct gw_plugins *plugins;
    struct gw_config *config = gw_cli_config_load(config_path, "graph", &plugins);
    if (!config)
        return 1;

    unsigned char *image = NULL;
    size_t size = 0;
    char *error = NULL;
    int status = 0;
    int rc = gw_graph_render(config, &req, &image, &size, &error);
    if (rc < 0) {
        fprintf(stderr, "gwyliwr graph: %s\n", error);
        status = 1;
    } else if ((rc = gw_cli_output_write(out_path, image, size)) < 0) {
        fprintf(stderr, "gwyliwr graph: cannot write %s: %s\n", out_path, strerror(-rc));
        status = 1;
    }
    free(error);
    free(image);
    gw_config_unref(config);
    gw_plugins_free(plugins);
    return status;
}
