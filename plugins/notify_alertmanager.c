/*
 * The Alertmanager notifier: each notification becomes one POST of alerts to
 * Alertmanager's v2 API (/api/v2/alerts), so that routing, grouping,
 * silences, inhibition and high availability come from Alertmanager.
 *
 * An alert is identified by its labels, so its labels are what stays the
 * same for one problem of one target: alertname (which problem: down,
 * degraded, unknown, flapping), target, council, category, severity, and
 * the configured static labels. What changes during an outage (the reason,
 * the sentence, the figures) goes into annotations: were the reason a label,
 * a recovery (which carries no reason) could not name the alert it ends, and
 * a reason changing mid-outage would split one outage into two alerts.
 *
 * A firing alert is posted with endsAt = now + resolve_timeout, and the
 * daemon re-posts it every quarter of that (resend_ms) while the problem
 * lasts: if gwyliwr stops, Alertmanager resolves the alert by itself. A
 * state change posts the new problem firing and the previous one resolved
 * (endsAt = the time of the change) in the same request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <gwyliwr/plugin.h>

#include "lib/notify_http.h"

#define DEFAULT_RESOLVE_TIMEOUT_MS (5u * 60u * 1000u)

struct am_conf {
    struct gw_notify_http_conf http;
    uint64_t resolve_timeout_ms;
    json_t *labels; /* static labels added to every alert */
};

static const struct gw_cfg_key am_keys[] = {
    GW_NOTIFY_HTTP_KEYS,
    {"resolve_timeout", GW_CFG_DURATION, 0, NULL,
     "how long an alert stays firing unless re-posted; re-posted every quarter of it (default "
     "5m)"},
    {"labels", GW_CFG_MAP, 0, NULL, "static labels added to every alert, e.g. env: production"},
    {NULL, 0, 0, NULL, NULL},
};

/* Labels gwyliwr sets itself. */
static const char *const own_labels[] = {"alertname", "target",  "council", "category",
                                         "severity",  "problem", NULL};

/* ---- configuration ----------------------------------------------------------------- */

static void am_conf_free(void *p)
{
    struct am_conf *conf = p;
    if (!conf)
        return;
    gw_notify_http_conf_clear(&conf->http);
    json_decref(conf->labels);
    free(conf);
}

/* Prometheus label names: [a-zA-Z_][a-zA-Z0-9_]*, "__" reserved. */
static bool valid_label_name(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9') || strncmp(s, "__", 2) == 0)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

static int read_labels(const struct gw_host *host, const struct gw_cfg *node, struct am_conf *conf)
{
    conf->labels = json_object();
    const struct gw_cfg *map = host->cfg_child(node, "labels");
    int rc = 0;
    for (size_t i = 0; map && i < host->cfg_len(map); i++) {
        const char *name = host->cfg_key_at(map, i);
        const struct gw_cfg *vnode = host->cfg_at(map, i);
        const char *value = host->cfg_scalar(vnode);
        bool own = false;
        for (const char *const *o = own_labels; name && *o; o++)
            own = own || strcmp(name, *o) == 0;
        if (!name || !valid_label_name(name)) {
            host->cfg_error(vnode,
                            "labels: bad label name \"%s\" (expected letters, digits and _, not "
                            "starting with a digit or __)",
                            name ? name : "");
            rc = -EINVAL;
        } else if (own) {
            host->cfg_error(vnode, "labels: \"%s\" is set by gwyliwr (expected another name)",
                            name);
            rc = -EINVAL;
        } else if (!value || !*value) {
            host->cfg_error(vnode, "labels: %s needs a non-empty text value", name);
            rc = -EINVAL;
        } else {
            json_object_set_new(conf->labels, name, json_string(value));
        }
    }
    return rc;
}

static int am_configure(const struct gw_host *host, const struct gw_cfg *node, void **conf_out)
{
    struct am_conf *conf = calloc(1, sizeof(*conf));
    if (!conf)
        abort();
    int rc = gw_notify_http_configure(host, node, &conf->http, "/api/v2/alerts");
    conf->resolve_timeout_ms = DEFAULT_RESOLVE_TIMEOUT_MS;
    if (host->cfg_duration_ms(node, "resolve_timeout", &conf->resolve_timeout_ms) < 0) {
        rc = -EINVAL;
    } else if (conf->resolve_timeout_ms < 4000) {
        host->cfg_error(host->cfg_child(node, "resolve_timeout"),
                        "resolve_timeout too short (expected at least 4s)");
        rc = -EINVAL;
    }
    if (read_labels(host, node, conf) < 0)
        rc = -EINVAL;
    if (rc < 0) {
        am_conf_free(conf);
        return rc;
    }
    *conf_out = conf;
    return 0;
}

static uint64_t am_resend_ms(const void *p)
{
    const struct am_conf *conf = p;
    /* Three re-posts may be lost before Alertmanager lets the alert go. */
    return conf->resolve_timeout_ms / 4;
}

/* ---- alerts --------------------------------------------------------------------------- */

static const char *alertname_of(const char *state)
{
    if (strcmp(state, "down") == 0)
        return "GwyliwrTargetDown";
    if (strcmp(state, "degraded") == 0)
        return "GwyliwrTargetDegraded";
    if (strcmp(state, "flapping") == 0)
        return "GwyliwrTargetFlapping";
    return "GwyliwrTargetUnknown";
}

static const char *severity_of(const char *state)
{
    return strcmp(state, "down") == 0 ? "critical" : "warning";
}

static void set_str(json_t *o, const char *key, const char *value)
{
    if (value && *value)
        json_object_set_new(o, key, json_string(value));
}

static void set_time(json_t *o, const char *key, int64_t ms)
{
    char buf[40];
    if (ms > 0)
        json_object_set_new(o, key, json_string(gw_notify_rfc3339(ms, buf, sizeof(buf))));
}

/* What people read about the event: the daemon's words when the message is about it alone. */
static json_t *annotations(const struct gw_notification *n, const struct gw_event *e)
{
    json_t *a = json_object();
    if (n->n_events == 1) {
        set_str(a, "summary", n->subject);
        set_str(a, "description", n->body);
    } else {
        /* One message about many: each alert gets its own line, in English. */
        char state[16] = "";
        for (size_t i = 0; e->state && e->state[i] && i + 1 < sizeof(state); i++)
            state[i] =
                (char)(e->state[i] >= 'a' && e->state[i] <= 'z' ? e->state[i] - 32 : e->state[i]);
        char *summary =
            gw_notify_xasprintf("[%s] %s — %s: %s", state, e->council_name ? e->council_name : "",
                                e->target_name ? e->target_name : (e->target ? e->target : ""),
                                e->message ? e->message : "");
        set_str(a, "summary", summary);
        set_str(a, "description", e->message);
        free(summary);
    }
    set_str(a, "sentence", e->message);
    set_str(a, "reason", e->reason);
    set_str(a, "check", e->check);
    set_str(a, "target_name", e->target_name);
    set_str(a, "council_name", e->council_name);
    if (n->language && strcmp(n->language, "en") != 0)
        set_str(a, "council_name_cy", e->council_name_cy);
    set_str(a, "cause", e->cause);
    set_str(a, "cause_target", e->cause_target);
    set_str(a, "url", e->url);
    set_str(a, "event_id", e->id);
    set_str(a, "notification_id", n->id);
    return a;
}

/* One alert of `alertname` for the event's target; ends_ms 0: leave endsAt out. */
static json_t *alert(const struct am_conf *conf, const struct gw_notification *n,
                     const struct gw_event *e, const char *alertname, const char *severity,
                     int64_t starts_ms, int64_t ends_ms)
{
    json_t *labels = json_deep_copy(conf->labels);
    set_str(labels, "alertname", alertname);
    set_str(labels, "severity", severity);
    if (e->target) {
        set_str(labels, "target", e->target);
        set_str(labels, "council", e->council);
        set_str(labels, "category", e->category);
    } else if (strcmp(alertname, "GwyliwrMonitorProblem") == 0) {
        set_str(labels, "problem", e->reason ? e->reason : "monitor");
    }
    json_t *a = json_object();
    json_object_set_new(a, "labels", labels);
    json_object_set_new(a, "annotations", annotations(n, e));
    set_time(a, "startsAt", starts_ms);
    set_time(a, "endsAt", ends_ms);
    /* The API refuses a generatorURL that is not a URI. */
    if (e->url && (strncmp(e->url, "http://", 7) == 0 || strncmp(e->url, "https://", 8) == 0))
        set_str(a, "generatorURL", e->url);
    return a;
}

/* Appends the alerts one event makes: the problem it starts (firing), the one it ends (resolved).
 */
static void event_alerts(const struct am_conf *conf, const struct gw_notification *n,
                         const struct gw_event *e, int64_t now_ms, json_t *out)
{
    int64_t until = now_ms + (int64_t)conf->resolve_timeout_ms;
    const char *kind = e->kind ? e->kind : "state";
    if (strcmp(kind, "maintenance_start") == 0 || strcmp(kind, "maintenance_end") == 0)
        return; /* silences are Alertmanager's own way to say this */
    if (strcmp(kind, "test") == 0) {
        json_array_append_new(out, alert(conf, n, e, "GwyliwrTest", "none", now_ms, until));
        return;
    }
    if (!e->target) {
        bool over = e->state && strcmp(e->state, "up") == 0;
        json_array_append_new(out,
                              alert(conf, n, e, "GwyliwrMonitorProblem", "warning",
                                    over ? e->since_ms : e->time_ms, over ? e->time_ms : until));
        return;
    }
    bool reminder = strcmp(kind, "reminder") == 0;
    const char *state = e->state ? e->state : "unknown";
    const char *previous = e->previous;
    /* A target that settles stops flapping, whatever the daemon names as before. */
    if (strcmp(kind, "settled") == 0 && (!previous || strcmp(previous, "flapping") != 0))
        json_array_append_new(
            out, alert(conf, n, e, alertname_of("flapping"), "warning", e->since_ms, e->time_ms));
    if (!reminder && gw_notify_state_is_bad(previous) && strcmp(previous, state) != 0)
        json_array_append_new(out, alert(conf, n, e, alertname_of(previous), severity_of(previous),
                                         e->since_ms, e->time_ms));
    if (gw_notify_state_is_bad(state)) {
        int64_t starts = reminder && e->since_ms > 0 ? e->since_ms : e->time_ms;
        json_array_append_new(
            out, alert(conf, n, e, alertname_of(state), severity_of(state), starts, until));
    }
}

/* ---- delivery ------------------------------------------------------------------------- */

static int am_send(const struct gw_host *host, const void *p, const struct gw_notification *n,
                   struct gw_delivery *delivery, gw_delivery_done_cb done, void **run_out)
{
    const struct am_conf *conf = p;
    json_t *alerts = json_array();
    int64_t now = gw_notify_now_ms();
    for (size_t i = 0; i < n->n_events; i++)
        event_alerts(conf, n, n->events[i], now, alerts);
    if (json_array_size(alerts) == 0) {
        json_decref(alerts);
        return gw_notify_http_nothing(host, "nothing for Alertmanager in this notification",
                                      delivery, done, run_out);
    }
    return gw_notify_http_post_json(host, &conf->http, alerts, n->id, delivery, done, run_out);
}

static const struct gw_notifier_type am_type = {
    .name = "alertmanager",
    .description = "alerts posted to Prometheus Alertmanager's v2 API (firing, then resolved)",
    .keys = am_keys,
    .configure = am_configure,
    .conf_free = am_conf_free,
    .send = am_send,
    .cancel = gw_notify_http_cancel,
    .resend_ms = am_resend_ms,
};

static const struct gw_notifier_type *const notifiers[] = {&am_type, NULL};

GW_PLUGIN_DEFINE("alertmanager", NULL, notifiers);
