#include "cli/probe.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <uv.h>

#include "check/check.h"
#include "check/http_client.h"
#include "config/config.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "result/items.h"
#include "util/diag.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/units.h"
#include "util/xalloc.h"

struct probe_outcome {
    bool done;
    struct gw_result result;
};

static void done_cb(void *data, const struct gw_target_conf *conf, const struct gw_result *result)
{
    (void)conf;
    struct probe_outcome *o = data;
    o->done = true;
    o->result = *result;
    /* The check frees its items after this call. */
    if (result->items)
        o->result.items = gw_items_ref(result->items);
}

/* Quotes a string for a YAML double-quoted scalar. Caller frees. */
static char *yaml_quote(const char *s)
{
    struct gw_strbuf b = {0};
    gw_strbuf_append_char(&b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            gw_strbuf_printf(&b, "\\%c", c);
        else if (c < 0x20)
            gw_strbuf_printf(&b, "\\x%02x", c);
        else
            gw_strbuf_append_char(&b, (char)c);
    }
    gw_strbuf_append_char(&b, '"');
    return gw_strbuf_take(&b);
}

/*
 * A one-target configuration for a URL given on the command line:
 * tcp://host:port (host may be [v6]), or http(s)://... for the http plugin.
 * Returns NULL with a message printed when the URL is not understood.
 */
static char *config_for_url(const char *url, uint64_t timeout_ms)
{
    const char *sep = strstr(url, "://");
    if (!sep) {
        fprintf(stderr, "gwyliwr probe: \"%s\" is neither council/target nor a URL\n", url);
        return NULL;
    }
    char *scheme = gw_xstrndup(url, (size_t)(sep - url));
    for (char *c = scheme; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    char timeout[32];
    gw_units_format_duration(timeout_ms, timeout, sizeof(timeout));
    char *yaml = NULL;
    if (strcmp(scheme, "tcp") == 0) {
        const char *hp = sep + 3;
        char *host = NULL;
        const char *port = NULL;
        if (*hp == '[') {
            const char *close = strchr(hp, ']');
            if (close && close[1] == ':') {
                host = gw_xstrndup(hp + 1, (size_t)(close - hp - 1));
                port = close + 2;
            }
        } else {
            const char *colon = strrchr(hp, ':');
            if (colon) {
                host = gw_xstrndup(hp, (size_t)(colon - hp));
                port = colon + 1;
            }
        }
        size_t plen = port ? strcspn(port, "/") : 0;
        if (!host || !*host || plen == 0) {
            fprintf(stderr, "gwyliwr probe: \"%s\": expected tcp://HOST:PORT\n", url);
            free(host);
            free(scheme);
            return NULL;
        }
        char *qhost = yaml_quote(host);
        yaml = gw_xasprintf("councils:\n  - id: probe\n    targets:\n      - id: tcp\n"
                            "        check: tcp\n        host: %s\n        port: %.*s\n"
                            "        interval: %s\n        timeout: %s\n",
                            qhost, (int)plen, port, timeout, timeout);
        free(qhost);
        free(host);
    } else if (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) {
        char *qurl = yaml_quote(url);
        yaml = gw_xasprintf("councils:\n  - id: probe\n    targets:\n      - id: %s\n"
                            "        check: http\n        url: %s\n"
                            "        interval: %s\n        timeout: %s\n",
                            scheme, qurl, timeout, timeout);
        free(qurl);
    } else {
        fprintf(stderr,
                "gwyliwr probe: no check for URLs of scheme \"%s\" (expected tcp://, "
                "http:// or https://)\n",
                scheme);
    }
    free(scheme);
    return yaml;
}

static const struct gw_figure_decl *find_decl(const struct gw_target_conf *conf, const char *name)
{
    for (size_t i = 0; i < conf->n_figures; i++)
        if (strcmp(conf->figures[i].name, name) == 0)
            return &conf->figures[i];
    return NULL;
}

static const char *unit_of(const struct gw_target_conf *conf, const char *name)
{
    if (strcmp(name, "latency") == 0)
        return "s";
    const struct gw_figure_decl *d = find_decl(conf, name);
    return d && d->unit ? d->unit : "";
}

static void print_value(FILE *out, double v, const char *unit)
{
    if (isnan(v))
        fprintf(out, "-");
    else if (strcmp(unit, "s") == 0)
        fprintf(out, "%.3f ms", v * 1000.0);
    else if (strcmp(unit, "B") == 0)
        fprintf(out, "%.0f B", v);
    else if (strcmp(unit, "days") == 0)
        fprintf(out, "%.1f days", v);
    else
        fprintf(out, "%g%s%s", v, *unit ? " " : "", unit);
}

/* A perfdata number: plain decimal, never an exponent (Nagios reads [-0-9.]). */
static void perf_number(double v, char *buf, size_t len)
{
    snprintf(buf, len, "%.6f", v);
    char *end = buf + strlen(buf);
    while (end > buf && end[-1] == '0')
        *--end = '\0';
    if (end > buf && end[-1] == '.')
        *--end = '\0';
}

/* Every item of a feed, one a line: status, id, name, the feed's word, rapid or not. */
static void print_items(const struct gw_items *items)
{
    const struct gw_item_tally *t = gw_items_tally(items);
    uint64_t total = 0;
    for (int st = 0; st < GW_ITEM_STATUSES; st++)
        total += t->n[st];
    printf("  items        %llu:", (unsigned long long)total);
    const char *sep = " ";
    for (int st = 0; st < GW_ITEM_STATUSES; st++) {
        if (t->n[st]) {
            printf("%s%llu %s", sep, (unsigned long long)t->n[st], gw_item_status_word(st));
            sep = ", ";
        }
    }
    printf("\n");
    for (size_t i = 0; i < gw_items_count(items); i++) {
        const struct gw_item_rec *it = gw_items_at(items, i);
        printf("    %-9s %s%s%s%s%s%s%s\n", gw_item_status_name(it->status), it->id,
               *it->name ? "  \"" : "", it->name, *it->name ? "\"" : "", *it->reason ? "  " : "",
               it->reason, (it->flags & GW_ITEM_RAPID) ? "  rapid" : "");
    }
}

static void print_text(const struct gw_target_conf *conf, const struct gw_result *r)
{
    /* First line in the Nagios plugin format: status, message, perfdata. */
    printf("%s: %s (%s): %s |", gw_status_name(r->status), conf->id, conf->type->name, r->message);
    for (size_t i = 0; i < r->n_figures; i++) {
        if (isnan(r->figures[i].value))
            continue;
        char number[64];
        perf_number(r->figures[i].value, number, sizeof(number));
        printf(" %s=%s%s", r->figures[i].name, number,
               strcmp(unit_of(conf, r->figures[i].name), "s") == 0 ? "s" : "");
    }
    printf("\n");
    /* Keys up to 12 characters ("certificate", "http_version") line up. */
    printf("  target       %s (%s)%s%s\n", conf->id, conf->type->name, conf->host ? " " : "",
           conf->host ? conf->host : "");
    printf("  status       %s%s%s%s\n", gw_status_name(r->status), *r->reason ? " (" : "",
           r->reason, *r->reason ? ")" : "");
    printf("  message      %s\n", r->message);
    for (size_t i = 0; i < r->n_details; i++)
        printf("  %-12s %s\n", r->details[i].key, r->details[i].text);
    for (size_t i = 0; i < r->n_figures; i++) {
        printf("  %-12s ", r->figures[i].name);
        print_value(stdout, r->figures[i].value, unit_of(conf, r->figures[i].name));
        printf("\n");
    }
    if (r->items)
        print_items(r->items);
}

static json_t *items_json(const struct gw_items *items)
{
    json_t *list = json_array();
    for (size_t i = 0; i < gw_items_count(items); i++) {
        const struct gw_item_rec *it = gw_items_at(items, i);
        json_array_append_new(list, json_pack("{s:s, s:s?, s:s, s:s?, s:b}", "id", it->id, "name",
                                              *it->name ? it->name : NULL, "status",
                                              gw_item_status_word(it->status), "reason",
                                              *it->reason ? it->reason : NULL, "rapid",
                                              (it->flags & GW_ITEM_RAPID) != 0));
    }
    return list;
}

static void print_json(const struct gw_target_conf *conf, const struct gw_result *r)
{
    json_t *figures = json_object();
    for (size_t i = 0; i < r->n_figures; i++)
        json_object_set_new(figures, r->figures[i].name,
                            isnan(r->figures[i].value) ? json_null()
                                                       : json_real(r->figures[i].value));
    char when[32];
    time_t secs = (time_t)(r->time_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *details = json_object();
    for (size_t i = 0; i < r->n_details; i++)
        json_object_set_new(details, r->details[i].key, json_string(r->details[i].text));
    json_t *doc =
        json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s, s:s, s:o, s:o}", "target", conf->id, "check",
                  conf->type->name, "host", conf->host, "status", gw_status_word(r->status),
                  "reason", *r->reason ? r->reason : NULL, "message", r->message, "time", when,
                  "figures", figures, "details", details);
    if (r->items)
        json_object_set_new(doc, "items", items_json(r->items));
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", text);
    free(text);
    json_decref(doc);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: gwyliwr probe [-c FILE] [--json] [--timeout DURATION] "
                 "COUNCIL/TARGET | URL\n"
                 "  Runs one check now and prints its result. Exit status: 0 up, 1 degraded,\n"
                 "  2 down, 3 unknown (the Nagios plugin convention).\n"
                 "  URL: tcp://HOST:PORT, http://..., https://...\n");
}

int gw_probe_main(int argc, char **argv, const char *default_config)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL;
    bool json = false;
    uint64_t timeout_ms = 10000;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:jt:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 't':
            if (gw_units_parse_duration_ms(optarg, &timeout_ms) < 0 || timeout_ms == 0) {
                fprintf(stderr,
                        "gwyliwr probe: bad timeout \"%s\" (expected a duration like "
                        "5s)\n",
                        optarg);
                return GW_STATUS_UNKNOWN;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return GW_STATUS_UNKNOWN;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return GW_STATUS_UNKNOWN;
    }
    const char *subject = argv[optind];
    bool is_url = strstr(subject, "://") != NULL;
    if (!is_url && !config_path)
        config_path = default_config;

    int exit_code = GW_STATUS_UNKNOWN;
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct gw_host host;
    gw_host_init(&host, &loop);
    struct gw_http_client *http = gw_http_client_new(&loop);
    gw_host_set_http(&host, http);
    struct gw_plugins *plugins = gw_plugins_new();
    char *plugin_dir = gw_config_plugin_dir_of(is_url ? NULL : config_path);
    if (gw_plugins_load_dir(plugins, plugin_dir) < 0)
        fprintf(stderr, "gwyliwr probe: cannot read the plugin directory %s\n", plugin_dir);
    free(plugin_dir);

    struct gw_diag *diag = gw_diag_new();
    struct gw_config *config = NULL;
    if (is_url) {
        char *yaml = config_for_url(subject, timeout_ms);
        if (yaml)
            config = gw_config_load_string("probe", yaml, plugins, &host, diag);
        free(yaml);
    } else {
        config = gw_config_load(config_path, plugins, &host, diag);
    }
    gw_diag_print(diag, stderr);
    gw_diag_free(diag);
    if (!config)
        goto out;

    const struct gw_target_conf *conf = is_url ? (config->n_targets ? &config->targets[0] : NULL)
                                               : gw_config_find_target(config, subject);
    if (!conf) {
        fprintf(stderr, "gwyliwr probe: no target \"%s\" in %s (expected COUNCIL/TARGET)\n",
                subject, config_path);
        goto out;
    }
    struct probe_outcome outcome = {0};
    struct gw_check *check = NULL;
    int rc = gw_check_start(&host, config, conf, 0, done_cb, &outcome, &check);
    if (rc < 0) {
        fprintf(stderr, "gwyliwr probe: the %s plugin could not start a check: %s\n",
                conf->type->name, strerror(-rc));
        goto out;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    if (!outcome.done) {
        fprintf(stderr, "gwyliwr probe: the check ended without a result\n");
        goto out;
    }
    if (json)
        print_json(conf, &outcome.result);
    else
        print_text(conf, &outcome.result);
    exit_code = (int)outcome.result.status;
    gw_items_unref(outcome.result.items);
out:
    gw_config_unref(config);
    gw_host_set_http(&host, NULL);
    gw_http_client_free(http);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0)
        fprintf(stderr, "gwyliwr probe: internal error: handles left open\n");
    gw_plugins_free(plugins);
    return exit_code;
}
