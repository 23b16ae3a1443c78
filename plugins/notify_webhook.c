/*
 * The webhook notifier: one HTTP POST of JSON per notification, through the
 * daemon's HTTP client. The body is gwyliwr's own document (docs/notifiers.md
 * lists its fields), or the rendering of a JSON template (template_file)
 * that shapes it for a chat service: Slack, Microsoft Teams, ntfy and
 * Mattermost templates ship with gwyliwr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <gwyliwr/plugin.h>

#include "lib/json_template.h"
#include "lib/notify_body.h"
#include "lib/notify_http.h"

struct webhook_conf {
    struct gw_notify_http_conf http;
    json_t *template; /* NULL: gwyliwr's own body */
    json_t *vars;     /* the `vars` mapping, as {{vars.NAME}} sees it */
};

static const struct gw_cfg_key webhook_keys[] = {
    GW_NOTIFY_HTTP_KEYS,
    {"template_file", GW_CFG_FILE, GW_CFG_PUBLIC, NULL,
     "JSON template that shapes the body (e.g. /usr/share/gwyliwr/webhook-templates/slack.json)"},
    {"vars", GW_CFG_MAP, 0, NULL, "name -> text, seen by the template as {{vars.NAME}}"},
    {NULL, 0, 0, NULL, NULL},
};

/* ---- the body ---------------------------------------------------------------------- */

/* A notification with every field filled, for checking a template's field names. */
static json_t *sample_body(void)
{
    static const struct gw_event_figure figure = {"latency", 0.212};
    const struct gw_event e = {
        .size = sizeof(e),
        .id = "e",
        .kind = "state",
        .state = "down",
        .previous = "up",
        .target = "c/t",
        .council = "c",
        .council_name = "C",
        .council_name_cy = "C",
        .target_name = "T",
        .category = "digital-services",
        .check = "http",
        .reason = "http_status",
        .message = "m",
        .time_ms = 2000,
        .since_ms = 1000,
        .cause = "parent",
        .cause_target = "c/p",
        .figures = &figure,
        .n_figures = 1,
        .url = "u",
        .severity = GW_STATUS_DOWN,
    };
    const struct gw_event *events[] = {&e};
    const struct gw_notification n = {
        .size = sizeof(n),
        .id = "n",
        .events = events,
        .n_events = 1,
        .subject = "s",
        .body = "b",
        .language = "en",
    };
    return gw_notify_body_json(&n);
}

/* ---- configuration ----------------------------------------------------------------- */

static void webhook_conf_free(void *p)
{
    struct webhook_conf *conf = p;
    if (!conf)
        return;
    gw_notify_http_conf_clear(&conf->http);
    json_decref(conf->template);
    json_decref(conf->vars);
    free(conf);
}

static int read_vars(const struct gw_host *host, const struct gw_cfg *node,
                     struct webhook_conf *conf)
{
    conf->vars = json_object();
    const struct gw_cfg *map = host->cfg_child(node, "vars");
    int rc = 0;
    for (size_t i = 0; map && i < host->cfg_len(map); i++) {
        const char *name = host->cfg_key_at(map, i);
        const char *value = host->cfg_scalar(host->cfg_at(map, i));
        if (!name || !value) {
            host->cfg_error(host->cfg_at(map, i), "vars: %s needs a text value",
                            name ? name : "each name");
            rc = -EINVAL;
        } else {
            json_object_set_new(conf->vars, name, json_string(value));
        }
    }
    return rc;
}

static int read_template(const struct gw_host *host, const struct gw_cfg *node,
                         struct webhook_conf *conf)
{
    char *text = NULL;
    if (host->cfg_secret(node, "template_file", &text) < 0)
        return -EINVAL;
    if (!text)
        return 0;
    const struct gw_cfg *where = host->cfg_child(node, "template_file");
    const char *path = host->cfg_scalar(where);
    json_error_t jerr;
    conf->template = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!conf->template) {
        host->cfg_error(where, "template %s:%d:%d: %s (expected a JSON document)", path, jerr.line,
                        jerr.column, jerr.text);
        return -EINVAL;
    }
    json_t *sample = sample_body();
    json_object_set(sample, "vars", conf->vars);
    char err[512];
    int rc = gw_json_template_check(conf->template, sample, err, sizeof(err));
    json_decref(sample);
    if (rc < 0)
        host->cfg_error(where, "template %s: %s", path, err);
    return rc;
}

static int webhook_configure(const struct gw_host *host, const struct gw_cfg *node, void **conf_out)
{
    struct webhook_conf *conf = calloc(1, sizeof(*conf));
    if (!conf)
        abort();
    int rc = gw_notify_http_configure(host, node, &conf->http, NULL);
    if (read_vars(host, node, conf) < 0)
        rc = -EINVAL;
    if (read_template(host, node, conf) < 0)
        rc = -EINVAL;
    if (rc < 0) {
        webhook_conf_free(conf);
        return rc;
    }
    *conf_out = conf;
    return 0;
}

/* ---- delivery ------------------------------------------------------------------------ */

static int webhook_send(const struct gw_host *host, const void *p, const struct gw_notification *n,
                        struct gw_delivery *delivery, gw_delivery_done_cb done, void **run_out)
{
    const struct webhook_conf *conf = p;
    json_t *body = gw_notify_body_json(n);
    if (conf->template) {
        json_object_set(body, "vars", conf->vars);
        json_t *shaped = gw_json_template_render(conf->template, body);
        json_decref(body);
        body = shaped;
    }
    return gw_notify_http_post_json(host, &conf->http, body, n->id, delivery, done, run_out);
}

static const struct gw_notifier_type webhook_type = {
    .name = "webhook",
    .description = "HTTP POST of a JSON document (gwyliwr's own, or shaped by a template for "
                   "Slack, Teams, ntfy, Mattermost)",
    .keys = webhook_keys,
    .configure = webhook_configure,
    .conf_free = webhook_conf_free,
    .send = webhook_send,
    .cancel = gw_notify_http_cancel,
    .resend_ms = NULL,
};

static const struct gw_notifier_type *const notifiers[] = {&webhook_type, NULL};

GW_PLUGIN_DEFINE("webhook", NULL, notifiers);
