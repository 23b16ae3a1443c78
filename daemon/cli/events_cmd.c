#include "cli/events_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/event.h"
#include "alert/eventlog.h"
#include "cli/cli_config.h"
#include "graph/graph.h"
#include "result/state.h"
#include "util/london.h"

static void events_usage(FILE *out)
{
    fprintf(out, "usage: gwyliwr events [-c FILE] [--since T] [--target COUNCIL/TARGET] [--json]\n"
                 "\n"
                 "Prints the event log of the configuration's data directory, oldest first.\n"
                 "T is now, -DURATION (-2h), seconds since the epoch, 2026-11-12T10:00:00Z, or\n"
                 "2026-11-12 [10:00] in local time. --json prints the lines as they are.\n");
}

struct filter {
    int64_t since_ms;
    const char *target;
    bool json;
    size_t shown, bad;
};

static void upper(const char *s, char *buf, size_t size)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < size; i++)
        buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
    buf[i] = '\0';
}

static void print_event(const struct gw_alert_event *ev)
{
    struct gw_civil c;
    gw_london_civil(ev->time_ms / 1000, &c);
    printf("%04d-%02d-%02d %02d:%02d:%02d %s  ", c.year, c.month, c.day, c.hour, c.minute, c.second,
           gw_london_offset_s(ev->time_ms / 1000) ? "BST" : "GMT");
    const char *cause = gw_alert_cause_name(ev->cause);
    switch (ev->kind) {
    case GW_EVENT_STATE:
        if (ev->from == ev->to)
            printf("%s  %s, told now", ev->target, gw_state_name(ev->to));
        else
            printf("%s  %s -> %s", ev->target, gw_state_name(ev->from), gw_state_name(ev->to));
        printf(": %s", ev->sentence ? ev->sentence : "");
        if (cause)
            printf(" (held back: %s%s%s)", cause, ev->cause_target ? " " : "",
                   ev->cause_target ? ev->cause_target : "");
        break;
    case GW_EVENT_FLAPPING:
        printf("%s  flapping: %.1f%% state change", ev->target, ev->percent);
        break;
    case GW_EVENT_SETTLED:
        printf("%s  no longer flapping (%.1f%%): %s", ev->target, ev->percent,
               gw_state_name(ev->to));
        break;
    case GW_EVENT_MAINTENANCE_START:
    case GW_EVENT_MAINTENANCE_END:
        printf("%s  maintenance %s%s%s (%s)", ev->target,
               ev->kind == GW_EVENT_MAINTENANCE_START ? "begins" : "ends", ev->window ? ": " : "",
               ev->window ? ev->window : "", gw_state_name(ev->to));
        break;
    case GW_EVENT_MONITOR: {
        char problem[64];
        upper(ev->problem, problem, sizeof(problem));
        printf("monitor  %s %s: %s", problem, ev->active ? "begins" : "ends",
               ev->sentence ? ev->sentence : "");
        break;
    }
    case GW_EVENT_START:
        printf("gwyliwr %s started with %s", ev->version ? ev->version : "?",
               ev->config ? ev->config : "?");
        break;
    case GW_EVENT_STOP:
        printf("gwyliwr stopped");
        break;
    case GW_EVENT_DELIVERY:
        printf("%s  %s %s (attempt %u, %zu event%s)%s%s", ev->notifier, ev->outcome,
               ev->notification ? ev->notification : "", ev->attempt, ev->n_events,
               ev->n_events == 1 ? "" : "s", ev->message ? ": " : "",
               ev->message ? ev->message : "");
        break;
    default:
        break;
    }
    if (ev->n_notify > 0) {
        printf("  -> ");
        for (size_t i = 0; i < ev->n_notify; i++)
            printf("%s%s", i ? ", " : "", ev->notify[i]);
    }
    printf("\n");
}

static bool line_cb(void *data, const struct gw_eventlog_line *line)
{
    struct filter *f = data;
    struct gw_alert_event *ev = gw_alert_event_parse(line->text, line->len, NULL);
    if (!ev) {
        f->bad++;
        return true;
    }
    bool show = ev->time_ms >= f->since_ms &&
                (!f->target || (ev->target && strcmp(ev->target, f->target) == 0));
    if (show) {
        f->shown++;
        if (f->json)
            printf("%s\n", ev->line);
        else
            print_event(ev);
    }
    gw_alert_event_unref(ev);
    return true;
}

int gw_events_cmd_main(int argc, char **argv, const char *default_config)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"since", required_argument, NULL, 's'},
        {"target", required_argument, NULL, 't'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *config_path = default_config, *since = NULL;
    struct filter f = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 's':
            since = optarg;
            break;
        case 't':
            f.target = optarg;
            break;
        case 'j':
            f.json = true;
            break;
        case 'h':
            events_usage(stdout);
            return 0;
        default:
            events_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "gwyliwr events: unexpected argument \"%s\"\n", argv[optind]);
        events_usage(stderr);
        return 2;
    }
    if (since) {
        int64_t s;
        if (gw_graph_parse_time(since, (int64_t)time(NULL), &s) < 0) {
            fprintf(stderr, "gwyliwr events: bad time \"%s\"\n", since);
            return 2;
        }
        f.since_ms = s * 1000;
    }
    struct gw_plugins *plugins;
    struct gw_config *config = gw_cli_config_load(config_path, "events", &plugins);
    if (!config)
        return 1;
    int status = 0;
    int rc = gw_eventlog_read(config->daemon.data_dir, NULL, NULL, line_cb, &f);
    if (rc == -ENOENT) {
        fprintf(stderr, "gwyliwr events: no event log in %s\n", config->daemon.data_dir);
        status = 1;
    } else if (rc < 0) {
        fprintf(stderr, "gwyliwr events: the event log in %s could not be read to its end: %s\n",
                config->daemon.data_dir, strerror(-rc));
        status = 1;
    }
    if (f.bad)
        fprintf(stderr, "gwyliwr events: %zu line%s that cannot be read skipped\n", f.bad,
                f.bad == 1 ? "" : "s");
    gw_config_unref(config);
    gw_plugins_free(plugins);
    return status;
}
