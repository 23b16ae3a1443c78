#include "cli/notify_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "alert/compose.h"
#include "alert/delivery.h"
#include "alert/event.h"
#include "check/http_client.h"
#include "cli/cli_config.h"
#include "plugin/host.h"
#include "util/clock.h"
#include "util/xalloc.h"

static void notify_usage(FILE *out)
{
    fprintf(out, "usage: gwyliwr notify [-c FILE] --test NOTIFIER\n"
                 "\n"
                 "Sends a notification marked as a test through the notifier NOTIFIER of the\n"
                 "configuration now, in its language, and says whether its receiver took it.\n");
}

struct outcome {
    bool done;
    int err;
    char *message;
};

static void done_cb(void *data, int err, const char *message, uint64_t retry_after_ms)
{
    (void)retry_after_ms;
    struct outcome *o = data;
    o->done = true;
    o->err = err;
    o->message = gw_xstrdup(message);
}

/* Sends the test; returns the exit status. */
static int send_test(uv_loop_t *loop, const struct gw_host *host, struct gw_config *config,
                     const struct gw_notifier_conf *notifier)
{
    struct gw_alert_event *ev = gw_alert_event_new(GW_EVENT_STATE);
    ev->time_ms = gw_clock_wall_ms();
    ev->id = gw_xasprintf("test-%lld", (long long)ev->time_ms);
    ev->from = ev->to = GW_STATUS_UP;
    ev->sentence =
        gw_xasprintf("a test notification from notifier %s; nothing is wrong", notifier->id);
    char *id = gw_xasprintf("%s:%s", ev->id, notifier->id);
    struct gw_alert_composed c;
    gw_alert_compose(&c, config, &ev, 1, id, notifier->language, true);
    struct outcome o = {0};
    char *why = NULL;
    printf("sending \"%s\" through %s (%s)\n", c.subject, notifier->id, notifier->type->name);
    int rc =
        gw_alert_delivery_start(host, config, notifier, &c.notification, done_cb, &o, NULL, &why);
    gw_alert_composed_fini(&c);
    if (rc < 0) {
        o.done = true;
        o.err = rc;
        o.message = why;
        why = NULL;
    }
    while (!o.done)
        uv_run(loop, UV_RUN_ONCE);
    int status = o.err == 0 ? 0 : 1;
    if (o.err == 0)
        printf("%s: the test notification was delivered: %s\n", notifier->id, o.message);
    else
        fprintf(stderr, "gwyliwr notify: %s: the test notification was not delivered: %s\n",
                notifier->id, o.message ? o.message : strerror(-o.err));
    free(o.message);
    free(why);
    free(id);
    gw_alert_event_unref(ev);
    return status;
}

int gw_notify_cmd_main(int argc, char **argv, const char *default_config)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"test", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = default_config, *which = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 't':
            which = optarg;
            break;
        case 'h':
            notify_usage(stdout);
            return 0;
        default:
            notify_usage(stderr);
            return 2;
        }
    }
    if (optind < argc || !which) {
        fprintf(stderr,
                optind < argc ? "gwyliwr notify: unexpected argument \"%s\"\n"
                              : "gwyliwr notify: --test NOTIFIER is required\n",
                optind < argc ? argv[optind] : "");
        notify_usage(stderr);
        return 2;
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct gw_host host;
    gw_host_init(&host, &loop);
    struct gw_http_client *http = gw_http_client_new(&loop);
    gw_host_set_http(&host, http);
    struct gw_plugins *plugins;
    struct gw_config *config = gw_cli_config_load_host(config_path, "notify", &host, &plugins);
    int status = 1;
    const struct gw_notifier_conf *notifier = NULL;
    for (size_t i = 0; config && i < config->n_notifiers; i++)
        if (strcmp(config->notifiers[i].id, which) == 0)
            notifier = &config->notifiers[i];
    if (config && !notifier) {
        fprintf(stderr, "gwyliwr notify: %s has no notifier \"%s\" (it has:", config_path, which);
        for (size_t i = 0; i < config->n_notifiers; i++)
            fprintf(stderr, " %s", config->notifiers[i].id);
        fprintf(stderr, "%s)\n", config->n_notifiers ? "" : " none");
    } else if (config) {
        status = send_test(&loop, &host, config, notifier);
    }
    gw_config_unref(config);
    gw_host_set_http(&host, NULL);
    gw_http_client_free(http);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0)
        fprintf(stderr, "gwyliwr notify: internal error: handles left open\n");
    gw_plugins_free(plugins);
    return status;
}
