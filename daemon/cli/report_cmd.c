#include "cli/report_cmd.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_config.h"
#include "cli/cli_output.h"
#include "report/report.h"
#include "report/report_period.h"
#include "report/report_render.h"

/* The progress line is redrawn at most this often. */
#define PROGRESS_EVERY_MS 100

static void report_usage(FILE *out)
{
    fprintf(out,
            "usage: gwyliwr report [-c FILE] (--month YYYY-MM | --from T [--to T])\n"
            "                      [--council ID] [--category C] [--format table|csv|json|html]\n"
            "                      [--lang en|cy] [--out FILE]\n"
            "\n"
            "A month is a calendar month in Europe/London time. T is 2026-11-12 or\n"
            "2026-11-12 10:00 (Europe/London time), 2026-11-12T10:00:00Z, seconds since the\n"
            "epoch, now, or -DURATION (-7d); --to defaults to now. The format defaults to\n"
            "table, the language to en, the output to standard output.\n");
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct progress {
    int64_t last_ms;
    bool shown;
};

static void progress_cb(void *data, size_t done, size_t total)
{
    struct progress *p = data;
    int64_t now = mono_ms();
    if (done < total && now - p->last_ms < PROGRESS_EVERY_MS)
        return;
    p->last_ms = now;
    p->shown = true;
    fprintf(stderr, "\rgwyliwr report: reading the history of %zu of %zu services", done, total);
    fflush(stderr);
}

int gw_report_cmd_main(int argc, char **argv, const char *default_config)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"council", required_argument, NULL, 'C'},
        {"category", required_argument, NULL, 'k'},
        {"month", required_argument, NULL, 'm'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'F'},
        {"lang", required_argument, NULL, 'l'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = default_config, *month = NULL, *from = NULL, *to = NULL;
    const char *format_text = "table", *lang_text = "en", *out_path = NULL;
    struct gw_report_request req = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 'C':
            req.council = optarg;
            break;
        case 'k':
            req.category = optarg;
            break;
        case 'm':
            month = optarg;
            break;
        case 'f':
            from = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'F':
            format_text = optarg;
            break;
        case 'l':
            lang_text = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'h':
            report_usage(stdout);
            return 0;
        default:
            report_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "gwyliwr report: unexpected argument \"%s\"\n", argv[optind]);
        report_usage(stderr);
        return 2;
    }
    req.now_ms = wall_ms();
    if (month && (from || to)) {
        fprintf(stderr, "gwyliwr report: give --month or --from/--to, not both\n");
        return 2;
    }
    if (!month && !from) {
        fprintf(stderr, "gwyliwr report: say which period: --month YYYY-MM or --from T\n");
        report_usage(stderr);
        return 2;
    }
    if (to && !from) {
        fprintf(stderr, "gwyliwr report: --to needs --from\n");
        return 2;
    }
    if (month && gw_report_period_parse_month(month, &req.year, &req.month, &req.start_ms,
                                              &req.end_ms) < 0) {
        fprintf(stderr, "gwyliwr report: bad month \"%s\" (expected YYYY-MM, like 2026-11)\n",
                month);
        return 2;
    }
    if (from) {
        req.end_ms = req.now_ms;
        if (gw_report_period_parse_time(from, req.now_ms, &req.start_ms) < 0) {
            fprintf(stderr, "gwyliwr report: bad time \"%s\"\n", from);
            return 2;
        }
        if (to && gw_report_period_parse_time(to, req.now_ms, &req.end_ms) < 0) {
            fprintf(stderr, "gwyliwr report: bad time \"%s\"\n", to);
            return 2;
        }
        if (req.end_ms <= req.start_ms) {
            fprintf(stderr, "gwyliwr report: --from must come before --to\n");
            return 2;
        }
    }
    enum gw_report_format format;
    if (gw_report_format_parse(format_text, &format) < 0) {
        fprintf(stderr, "gwyliwr report: bad format \"%s\" (expected table, csv, json or html)\n",
                format_text);
        return 2;
    }
    enum gw_lang lang;
    if (gw_i18n_lang_parse(lang_text, &lang) < 0) {
        fprintf(stderr, "gwyliwr report: bad language \"%s\" (expected en or cy)\n", lang_text);
        return 2;
    }

    struct gw_plugins *plugins;
    struct gw_config *config = gw_cli_config_load(config_path, "report", &plugins);
    if (!config)
        return 1;
    /* This process has librrd's one rrdcached connection to itself. */
    req.use_rrdcached = true;
    struct progress progress = {.last_ms = mono_ms()};
    if (isatty(STDERR_FILENO)) {
        req.progress = progress_cb;
        req.progress_data = &progress;
    }
    struct gw_report *report = NULL;
    char *error = NULL;
    int status = 0;
    int rc = gw_report_build(config, &req, &report, &error);
    if (progress.shown)
        fprintf(stderr, "\r\033[K");
    if (rc < 0) {
        fprintf(stderr, "gwyliwr report: %s\n", error);
        status = 1;
    } else {
        size_t len;
        char *text = gw_report_render(report, format, lang, NULL, &len);
        rc = gw_cli_output_write(out_path, text, len);
        if (rc < 0) {
            fprintf(stderr, "gwyliwr report: cannot write %s: %s\n",
                    out_path ? out_path : "the report", strerror(-rc));
            status = 1;
        }
        free(text);
    }
    free(error);
    gw_report_free(report);
    gw_config_unref(config);
    gw_plugins_free(plugins);
    return status;
}
