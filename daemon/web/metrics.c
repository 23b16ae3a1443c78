#include "web/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/number.h"
#include "util/xalloc.h"

#include "result/state.h"

/* A label value: backslash, double quote and newline escaped. */
static void label(struct gw_strbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            gw_strbuf_append_char(b, '\\');
        if (*s == '\n') {
            gw_strbuf_append(b, "\\n");
            continue;
        }
        gw_strbuf_append_char(b, *s);
    }
}

static void head(struct gw_strbuf *b, const char *name, const char *type, const char *help)
{
    gw_strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* " <value>\n": Prometheus reads Go's text of a float; ours reads back exactly too. */
static void value(struct gw_strbuf *b, double v)
{
    char text[GW_NUMBER_MAX + 2];
    text[0] = ' ';
    size_t len;
    if (isnan(v))
        len = 1 + (size_t)sprintf(text + 1, "NaN");
    else if (isinf(v))
        len = 1 + (size_t)sprintf(text + 1, v > 0 ? "+Inf" : "-Inf");
    else
        len = 1 + gw_number_format(text + 1, v);
    text[len++] = '\n';
    gw_strbuf_append_n(b, text, len);
}

static void extra_label(struct gw_strbuf *b, const char *key, const char *value)
{
    if (!key)
        return;
    gw_strbuf_append_char(b, ',');
    gw_strbuf_append(b, key);
    gw_strbuf_append(b, "=\"");
    label(b, value);
    gw_strbuf_append_char(b, '"');
}

/*
 * Each target's labels, council="c",target="t", made once per scrape: a
 * scrape of 10,000 targets writes them some 120,000 times. All of them are
 * in one text, each target's at its offset.
 */
struct labels {
    struct gw_strbuf text;
    size_t *start; /* target i's labels: text.s + start[i], start[i + 1] - start[i] bytes */
};

static void labels_init(struct labels *l, const struct gw_snapshot *s)
{
    l->text = (struct gw_strbuf){0};
    l->start = gw_xcalloc(s->n + 1, sizeof(*l->start));
    for (size_t i = 0; i < s->n; i++) {
        const struct gw_target_conf *t = &s->config->targets[i];
        l->start[i] = l->text.len;
        gw_strbuf_append(&l->text, "council=\"");
        label(&l->text, s->config->councils[t->council].id);
        gw_strbuf_append(&l->text, "\",target=\"");
        label(&l->text, t->name);
        gw_strbuf_append_char(&l->text, '"');
    }
    l->start[s->n] = l->text.len;
}

static void labels_fini(struct labels *l)
{
    gw_strbuf_reset(&l->text);
    free(l->start);
}

/* name{council="c",target="t"[,k1="v1"[,k2="v2"]]} */
static void target_series2(struct gw_strbuf *b, const char *name, const struct labels *labels,
                           size_t i, const char *k1, const char *v1, const char *k2, const char *v2)
{
    gw_strbuf_append(b, name);
    gw_strbuf_append_char(b, '{');
    gw_strbuf_append_n(b, labels->text.s + labels->start[i],
                       labels->start[i + 1] - labels->start[i]);
    extra_label(b, k1, v1);
    extra_label(b, k2, v2);
    gw_strbuf_append_char(b, '}');
}

static void target_series(struct gw_strbuf *b, const char *name, const struct labels *labels,
                          size_t i, const char *key, const char *value)
{
    target_series2(b, name, labels, i, key, value, NULL, NULL);
}

static const char *const state_words[] = {"up", "degraded", "down", "unknown", "pending"};

static bool is_phase(const char *name)
{
    return strcmp(name, "dns") == 0 || strcmp(name, "connect") == 0 || strcmp(name, "tls") == 0 ||
           strcmp(name, "ttfb") == 0 || strcmp(name, "response") == 0;
}

static bool is_item_count(const char *name)
{
    return strncmp(name, "items_", 6) == 0 || strcmp(name, "rapid_total") == 0 ||
           strcmp(name, "rapid_down") == 0;
}

/* Figures with a metric of their own; every other one is a gwyliwr_figure. */
static bool has_own_metric(const char *name)
{
    return strcmp(name, "latency") == 0 || strcmp(name, "cert_days") == 0 || is_phase(name) ||
           is_item_count(name);
}

static void per_target(struct gw_strbuf *b, const struct gw_snapshot *s, const struct labels *lb)
{
    size_t n = s->n;
    head(b, "gwyliwr_target_info", "gauge",
         "A configured target, with its category and check type (always 1).");
    for (size_t i = 0; i < n; i++) {
        const struct gw_target_conf *t = &s->config->targets[i];
        target_series2(b, "gwyliwr_target_info", lb, i, "check", t->type->name, "category",
                       t->category ? t->category : "");
        gw_strbuf_append(b, " 1\n");
    }
    head(b, "gwyliwr_up", "gauge",
         "1 when the target's state is up or degraded, 0 when down, NaN when unknown or pending.");
    for (size_t i = 0; i < n; i++) {
        uint8_t st = s->targets[i]->state;
        target_series(b, "gwyliwr_up", lb, i, NULL, NULL);
        value(b, st == GW_STATUS_UP || st == GW_STATUS_DEGRADED ? 1
                 : st == GW_STATUS_DOWN                         ? 0
                                                                : NAN);
    }
    head(b, "gwyliwr_state", "gauge", "The target's hard state: 1 for the state it is in.");
    for (size_t i = 0; i < n; i++) {
        uint8_t st = s->targets[i]->state;
        for (uint8_t k = 0; k <= GW_STATE_PENDING; k++) {
            target_series(b, "gwyliwr_state", lb, i, "state", state_words[k]);
            gw_strbuf_append(b, st == k ? " 1\n" : " 0\n");
        }
    }
    head(b, "gwyliwr_state_since_timestamp_seconds", "gauge",
         "When the target's hard state began (seconds since the epoch).");
    for (size_t i = 0; i < n; i++)
        if (s->targets[i]->since_ms) {
            target_series(b, "gwyliwr_state_since_timestamp_seconds", lb, i, NULL, NULL);
            value(b, (double)s->targets[i]->since_ms / 1000.0);
        }
    head(b, "gwyliwr_last_check_timestamp_seconds", "gauge",
         "When the target's last check ended (seconds since the epoch).");
    for (size_t i = 0; i < n; i++)
        if (s->targets[i]->last_ms) {
            target_series(b, "gwyliwr_last_check_timestamp_seconds", lb, i, NULL, NULL);
            value(b, (double)s->targets[i]->last_ms / 1000.0);
        }
    head(b, "gwyliwr_checks_total", "counter", "Results of the target since the daemon started.");
    for (size_t i = 0; i < n; i++) {
        target_series(b, "gwyliwr_checks_total", lb, i, NULL, NULL);
        value(b, (double)s->targets[i]->checks);
    }
    head(b, "gwyliwr_latency_seconds", "gauge", "Response time of the target's last check.");
    for (size_t i = 0; i < n; i++)
        if (!isnan(s->targets[i]->latency_s)) {
            target_series(b, "gwyliwr_latency_seconds", lb, i, NULL, NULL);
            value(b, s->targets[i]->latency_s);
        }
    head(b, "gwyliwr_phase_seconds", "gauge",
         "Time of each phase of the last check: dns, connect, tls, ttfb, response.");
    for (size_t i = 0; i < n; i++) {
        const struct gw_snap_target *e = s->targets[i];
        for (size_t f = 0; f < e->n_figures; f++)
            if (is_phase(e->figures[f].name) && !isnan(e->figures[f].value)) {
                target_series(b, "gwyliwr_phase_seconds", lb, i, "phase", e->figures[f].name);
                value(b, e->figures[f].value);
            }
    }
    head(b, "gwyliwr_certificate_days", "gauge",
         "Days of validity left on the certificate seen at the last check.");
    for (size_t i = 0; i < n; i++) {
        double v = gw_snap_target_figure(s->targets[i], "cert_days");
        if (!isnan(v)) {
            target_series(b, "gwyliwr_certificate_days", lb, i, NULL, NULL);
            value(b, v);
        }
    }
    head(b, "gwyliwr_feed_items", "gauge",
         "Items of a feed target by state at its last complete list (total, up, degraded, down, "
         "unknown, excluded; rapid_total and rapid_down for rapid charge points).");
    for (size_t i = 0; i < n; i++) {
        const struct gw_snap_target *e = s->targets[i];
        for (size_t f = 0; f < e->n_figures; f++) {
            const char *name = e->figures[f].name;
            if (!is_item_count(name) || isnan(e->figures[f].value))
                continue;
            target_series(b, "gwyliwr_feed_items", lb, i, "state",
                          strncmp(name, "items_", 6) == 0 ? name + 6 : name);
            value(b, e->figures[f].value);
        }
    }
    head(b, "gwyliwr_figure", "gauge", "Any other figure of the target's last check, by name.");
    for (size_t i = 0; i < n; i++) {
        const struct gw_snap_target *e = s->targets[i];
        for (size_t f = 0; f < e->n_figures; f++)
            if (!has_own_metric(e->figures[f].name) && !isnan(e->figures[f].value)) {
                target_series(b, "gwyliwr_figure", lb, i, "figure", e->figures[f].name);
                value(b, e->figures[f].value);
            }
    }
}

static void scalar(struct gw_strbuf *b, const char *name, const char *type, const char *help,
                   double v)
{
    head(b, name, type, help);
    gw_strbuf_append(b, name);
    value(b, v);
}

static void health(struct gw_strbuf *b, const struct gw_snapshot *s)
{
    const struct gw_snap_health *h = &s->health;
    scalar(b, "gwyliwr_start_time_seconds", "gauge",
           "When the daemon started (seconds since the epoch).", (double)h->started_ms / 1000.0);
    scalar(b, "gwyliwr_targets", "gauge", "Targets configured.", (double)s->n);
    scalar(b, "gwyliwr_checks_started_total", "counter", "Checks started.",
           (double)h->checks_started);
    scalar(b, "gwyliwr_checks_skipped_total", "counter",
           "Runs skipped because the previous one was still waiting or running.",
           (double)h->checks_skipped);
    head(b, "gwyliwr_results_total", "counter", "Results by status.");
    for (int k = 0; k < 4; k++)
        gw_strbuf_printf(b, "gwyliwr_results_total{status=\"%s\"} %llu\n", state_words[k],
                         (unsigned long long)h->results[k]);
    scalar(b, "gwyliwr_transitions_total", "counter", "Hard state changes of targets.",
           (double)h->transitions);
    scalar(b, "gwyliwr_checks_in_flight", "gauge", "Checks running now.", (double)h->in_flight);
    scalar(b, "gwyliwr_checks_waiting", "gauge", "Runs waiting for a place under the caps.",
           (double)h->waiting);
    scalar(b, "gwyliwr_checks_per_second", "gauge", "Results per second over the last minute.",
           h->checks_per_s);
    scalar(b, "gwyliwr_lateness_p50_seconds", "gauge",
           "Median scheduling lateness (start minus planned start) over the current window.",
           h->lateness_p50_s);
    scalar(b, "gwyliwr_lateness_p99_seconds", "gauge",
           "99th percentile of scheduling lateness over the current window.", h->lateness_p99_s);
    scalar(b, "gwyliwr_lateness_max_seconds", "gauge",
           "Largest scheduling lateness over the current window.", h->lateness_max_s);
    scalar(b, "gwyliwr_rrd_points_written_total", "counter", "RRD file points written.",
           (double)h->rrd_written);
    scalar(b, "gwyliwr_rrd_points_pending", "gauge", "RRD file points waiting to be written.",
           (double)h->rrd_pending);
    scalar(b, "gwyliwr_rrd_errors_total", "counter", "Failed attempts to write RRD files.",
           (double)h->rrd_errors);
    scalar(b, "gwyliwr_rrd_points_dropped_total", "counter", "RRD file points lost.",
           (double)h->rrd_dropped);
    scalar(b, "gwyliwr_notifier_failures_total", "counter", "Failed notification deliveries.",
           (double)h->notifier_failures);
    scalar(b, "gwyliwr_snapshot_timestamp_seconds", "gauge",
           "When the state served here was published (seconds since the epoch).",
           (double)s->published_ms / 1000.0);
}

void gw_metrics_render(struct gw_strbuf *b, const struct gw_snapshot *s)
{
    struct labels l;
    labels_init(&l, s);
    per_target(b, s, &l);
    health(b, s);
    labels_fini(&l);
}
