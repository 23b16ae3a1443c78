/*
 * The cost of publishing a snapshot: N targets (default 10,000) in 22
 * councils, one new result per publish (as under load: a burst of a few
 * results between publishes), timed over many publishes, next to the
 * baseline of copying N pointers; then the cost of rendering /metrics and
 * /api/v1/status from such a snapshot, as the web server does once a second.
 *
 *   bench/snapshot_bench PLUGIN_DIR [N] [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "result/funnel.h"
#include "result/snapshot.h"
#include "schedule/target.h"
#include "util/clock.h"
#include "util/diag.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/metrics.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: snapshot_bench PLUGIN_DIR [N] [ROUNDS]\n");
        return 2;
    }
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
    size_t rounds = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
    gw_log_set_level(GW_LOG_WARNING); /* the targets' first states are no news here */
    struct gw_plugins *plugins = gw_plugins_new();
    char *path = gw_xasprintf("%s/check_tcp.so", argv[1]);
    char *err = NULL;
    if (gw_plugins_load_file(plugins, path, &err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct gw_strbuf y = {0};
    gw_strbuf_append(&y, "councils:\n");
    for (size_t c = 0; c < 22; c++) {
        gw_strbuf_printf(&y, "  - id: c%zu\n    targets:\n", c);
        for (size_t t = c; t < n; t += 22)
            gw_strbuf_printf(&y, "      - {id: t%zu, check: tcp, host: 127.0.0.1, port: 9}\n", t);
    }
    struct gw_host host;
    gw_host_init(&host, NULL);
    struct gw_diag *diag = gw_diag_new();
    struct gw_config *config =
        gw_config_load_string("bench.yaml", gw_strbuf_str(&y), plugins, &host, diag);
    if (!config) {
        gw_diag_print(diag, stderr);
        return 1;
    }
    struct gw_targets *targets = gw_targets_new(config, NULL);
    struct gw_funnel funnel;
    gw_funnel_init(&funnel, NULL, "/nonexistent");
    struct gw_result r = {.status = GW_STATUS_UP, .time_ms = gw_clock_wall_ms()};
    gw_result_set_figure(&r, "latency", 0.001);
    for (size_t i = 0; i < targets->n; i++) /* every target has an entry of a result */
        gw_funnel_result(&funnel, targets->items[i], targets->items[i]->conf, &r);
    struct gw_snapshot_box *box = gw_snapshot_box_new();

    uint64_t t0 = gw_clock_mono_ns();
    for (size_t k = 0; k < rounds; k++) {
        struct gw_target *t = targets->items[k % targets->n];
        gw_funnel_result(&funnel, t, t->conf, &r);
        gw_snapshot_box_publish(box, gw_snapshot_build(targets, NULL, k + 1, r.time_ms));
    }
    double publish_us = (double)(gw_clock_mono_ns() - t0) / 1000.0 / (double)rounds;

    void **copy = gw_xcalloc(targets->n, sizeof(*copy));
    t0 = gw_clock_mono_ns();
    for (size_t k = 0; k < rounds; k++) {
        memcpy(copy, targets->items, targets->n * sizeof(*copy));
        __asm__ volatile("" : : "r"(copy) : "memory");
    }
    double copy_us = (double)(gw_clock_mono_ns() - t0) / 1000.0 / (double)rounds;
    printf("%zu targets: publish %.1f us (a result and a snapshot), copying %zu pointers %.1f us; "
           "at 10 publishes a second: %.2f %% of a core\n",
           targets->n, publish_us, targets->n, copy_us, publish_us * 10 / 1e4);
    free(copy);

    /* What the web server renders from one snapshot: /metrics and /api/v1/status. */
    struct gw_snapshot *snap = gw_snapshot_acquire(box);
    size_t renders = rounds / 100 ? rounds / 100 : 1;
    size_t metrics_len = 0, status_len = 0;
    t0 = gw_clock_mono_ns();
    for (size_t k = 0; k < renders; k++) {
        struct gw_strbuf b = {0};
        gw_metrics_render(&b, snap);
        metrics_len = b.len;
        gw_strbuf_reset(&b);
    }
    double metrics_ms = (double)(gw_clock_mono_ns() - t0) / 1e6 / (double)renders;
    t0 = gw_clock_mono_ns();
    for (size_t k = 0; k < renders; k++) {
        json_t *j = gw_api_status(snap, NULL);
        char *text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
        status_len = strlen(text);
        free(text);
        json_decref(j);
    }
    double status_ms = (double)(gw_clock_mono_ns() - t0) / 1e6 / (double)renders;
    printf("rendering from it: /metrics %.1f ms (%zu KiB), /api/v1/status %.1f ms (%zu KiB), "
           "means of %zu\n",
           metrics_ms, metrics_len / 1024, status_ms, status_len / 1024, renders);
    gw_snapshot_unref(snap);
    gw_snapshot_box_free(box);
    gw_funnel_fini(&funnel);
    gw_targets_free(targets);
    gw_config_unref(config);
    gw_diag_free(diag);
    gw_strbuf_reset(&y);
    gw_plugins_free(plugins);
    free(path);
    return 0;
}
