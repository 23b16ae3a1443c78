#include "result/funnel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/snapshot.h"
#include "storage/rrd_schema.h"
#include "storage/rrd_writer.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

void gw_funnel_init(struct gw_funnel *funnel, struct gw_rrd_writer *writer, const char *data_dir)
{
    memset(funnel, 0, sizeof(*funnel));
    funnel->writer = writer;
    funnel->data_dir = gw_xstrdup(data_dir);
}

void gw_funnel_set_data_dir(struct gw_funnel *funnel, const char *data_dir)
{
    free(funnel->data_dir);
    funnel->data_dir = gw_xstrdup(data_dir);
}

void gw_funnel_fini(struct gw_funnel *funnel)
{
    free(funnel->data_dir);
    funnel->data_dir = NULL;
}

void gw_funnel_council_of(const char *id, char *buf, size_t size)
{
    const char *slash = strchr(id, '/');
    size_t len = slash ? (size_t)(slash - id) : strlen(id);
    if (len >= size)
        len = size - 1;
    memcpy(buf, id, len);
    buf[len] = '\0';
}

static int level_of(uint8_t from, uint8_t to)
{
    if (from == GW_STATE_PENDING && to == GW_STATUS_UP)
        return GW_LOG_INFO;
    if (to == GW_STATUS_DOWN)
        return GW_LOG_WARNING;
    return GW_LOG_NOTICE;
}

static const char *count_word(uint8_t to, uint32_t n)
{
    if (to == GW_STATUS_UP)
        return n == 1 ? "success" : "successes";
    if (to == GW_STATUS_UNKNOWN)
        return n == 1 ? "inconclusive check" : "inconclusive checks";
    return n == 1 ? "failure" : "failures";
}

/* The target's RRD series, made at its first result. */
static struct gw_rrd_series *series_of(struct gw_funnel *funnel, struct gw_target *target,
                                       const struct gw_target_conf *conf)
{
    if (!target->series) {
        char council[80];
        gw_funnel_council_of(conf->id, council, sizeof(council));
        uint32_t step_s = (uint32_t)((conf->interval_ms + 999) / 1000);
        target->series = gw_rrd_series_new(funnel->data_dir, council, conf->name, step_s,
                                           conf->figures, conf->n_figures);
    }
    return target->series;
}

static void store(struct gw_funnel *funnel, struct gw_target *target,
                  const struct gw_target_conf *conf, const struct gw_result *result)
{
    if (!funnel->writer)
        return;
    struct gw_rrd_series *series = series_of(funnel, target, conf);
    if (!series)
        return;
    size_t n = gw_rrd_series_ds_count(series);
    double values[GW_RESULT_MAX_FIGURES + 8];
    if (n > sizeof(values) / sizeof(values[0]))
        return;
    gw_rrd_schema_values(series, result, values);
    gw_rrd_writer_submit(funnel->writer, series, (double)result->time_ms / 1000.0, values);
}

bool gw_funnel_store_named(struct gw_funnel *funnel, struct gw_target *target, int64_t time_ms,
                           size_t n, const char *const *names, const double *values)
{
    if (!funnel->writer)
        return false;
    struct gw_rrd_series *series = series_of(funnel, target, target->conf);
    if (!series)
        return false;
    size_t n_ds = gw_rrd_series_ds_count(series);
    double row[GW_RESULT_MAX_FIGURES + 8];
    if (n_ds > sizeof(row) / sizeof(row[0]))
        return false;
    bool any = false;
    for (size_t i = 0; i < n_ds; i++) {
        row[i] = NAN;
        for (size_t k = 0; k < n; k++)
            if (strcmp(gw_rrd_series_ds(series, i)->name, names[k]) == 0) {
                row[i] = values[k];
                any = true;
            }
    }
    if (any)
        gw_rrd_writer_submit(funnel->writer, series, (double)time_ms / 1000.0, row);
    return any;
}

void gw_funnel_result(struct gw_funnel *funnel, struct gw_target *target,
                      const struct gw_target_conf *conf, const struct gw_result *result)
{
    int64_t now_ms = result->time_ms ? result->time_ms : gw_clock_wall_ms();
    funnel->stats.results[result->status & 3]++;
    target->checks++;
    target->last_status = result->status;
    target->last_time_ms = now_ms;
    snprintf(target->last_reason, sizeof(target->last_reason), "%s", result->reason);
    snprintf(target->last_message, sizeof(target->last_message), "%s", result->message);
    target->last_latency_s = gw_result_figure(result, "latency");

    struct gw_transition tr = gw_state_feed(&target->state, result->status, conf->failure_threshold,
                                            conf->success_threshold, now_ms);
    if (tr.changed) {
        funnel->stats.transitions++;
        int level = level_of(tr.from, tr.to);
        const char *id = conf->id, *type = conf->type->name, *to = gw_state_name(tr.to);
        const char *why = count_word(tr.to, tr.after);
        if (tr.from == GW_STATE_PENDING && tr.to == GW_STATUS_UP)
            gw_log(level, "%s (%s): UP: %s", id, type, result->message);
        else if (tr.from == GW_STATE_PENDING)
            gw_log(level, "%s (%s): %s after %u %s: %s", id, type, to, tr.after, why,
                   result->message);
        else
            gw_log(level, "%s (%s): %s -> %s after %u %s: %s", id, type, gw_state_name(tr.from), to,
                   tr.after, why, result->message);
    } else {
        gw_log_debug("%s (%s): %s%s%s: %s", conf->id, conf->type->name,
                     gw_status_word(result->status), *result->reason ? " " : "", result->reason,
                     result->message);
    }
    /* Feed items join the entry here once the host table carries them. */
    struct gw_snap_target *entry = gw_snapshot_entry_new(target, result, NULL);
    gw_snap_target_unref(target->snap);
    target->snap = entry;
    if (funnel->publisher)
        gw_snapshot_publisher_mark(funnel->publisher);
    store(funnel, target, conf, result);
}
