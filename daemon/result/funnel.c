#include "result/funnel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "result/items.h"
#include "result/snapshot.h"
#include "storage/item_store.h"
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

/* ---- items ------------------------------------------------------------------ */

/* Item changes logged one by one per result; the rest are summed up in one line. */
#define ITEM_LINES_MAX 20

struct item_log {
    const struct gw_target_conf *conf;
    size_t lines;
    size_t more;
};

/* ' "name"' when the item has one, for log lines. */
static void item_label(const struct gw_item_rec *r, char *buf, size_t size)
{
    if (*r->name)
        snprintf(buf, size, " \"%s\"", r->name);
    else
        buf[0] = '\0';
}

static void item_change_cb(void *data, enum gw_item_change change, const struct gw_item_rec *before,
                           const struct gw_item_rec *after)
{
    struct item_log *log = data;
    if (log->lines == ITEM_LINES_MAX) {
        log->more++;
        return;
    }
    log->lines++;
    const char *id = log->conf->id, *type = log->conf->type->name;
    const struct gw_item_rec *r = after ? after : before;
    char label[GW_ITEM_NAME_MAX + 4];
    item_label(r, label, sizeof(label));
    bool down =
        (before && before->status == GW_ITEM_DOWN) || (after && after->status == GW_ITEM_DOWN);
    int level = down ? GW_LOG_NOTICE : GW_LOG_INFO;
    const char *why = after && *after->reason ? after->reason : "";
    switch (change) {
    case GW_ITEM_APPEARED:
        gw_log(level, "%s (%s): item %s%s appeared: %s%s%s%s", id, type, r->id, label,
               gw_item_status_name(after->status), *why ? " (" : "", why, *why ? ")" : "");
        break;
    case GW_ITEM_GONE:
        gw_log(level, "%s (%s): item %s%s is no longer listed (was %s)", id, type, r->id, label,
               gw_item_status_name(before->status));
        break;
    case GW_ITEM_CHANGED:
        gw_log(level, "%s (%s): item %s%s: %s -> %s%s%s%s", id, type, r->id, label,
               gw_item_status_name(before->status), gw_item_status_name(after->status),
               *why ? " (" : "", why, *why ? ")" : "");
        break;
    }
}

/* "24 items: 20 up, 2 down, 2 unknown" */
static void items_summary(const struct gw_items *items, char *buf, size_t size)
{
    const struct gw_item_tally *t = gw_items_tally(items);
    uint64_t total = 0;
    for (int st = 0; st < GW_ITEM_STATUSES; st++)
        total += t->n[st];
    int len = snprintf(buf, size, "%llu item%s", (unsigned long long)total, total == 1 ? "" : "s");
    const char *sep = ": ";
    for (int st = 0; st < GW_ITEM_STATUSES && len > 0 && (size_t)len < size; st++) {
        if (!t->n[st])
            continue;
        len += snprintf(buf + len, size - (size_t)len, "%s%llu %s", sep,
                        (unsigned long long)t->n[st], gw_item_status_word(st));
        sep = ", ";
    }
}

/* The target's item store, made or remade for its settings; NULL without track_items. */
static struct gw_item_store *item_store_of(struct gw_funnel *funnel, struct gw_target *target,
                                           const struct gw_target_conf *conf)
{
    uint32_t step_s = (uint32_t)((conf->interval_ms + 999) / 1000);
    if (target->item_store && (!conf->track_items || !funnel->writer ||
                               !gw_item_store_matches(target->item_store, funnel->data_dir, step_s,
                                                      conf->max_tracked_items))) {
        gw_item_store_free(target->item_store);
        target->item_store = NULL;
    }
    if (!conf->track_items || !funnel->writer)
        return NULL;
    if (!target->item_store) {
        char council[80];
        gw_funnel_council_of(conf->id, council, sizeof(council));
        target->item_store = gw_item_store_new(funnel->data_dir, council, conf->name, step_s,
                                               conf->max_tracked_items);
    }
    return target->item_store;
}

bool gw_funnel_store_item_named(struct gw_funnel *funnel, struct gw_target *target,
                                const char *item_file, int64_t time_ms, size_t n,
                                const char *const *names, const double *values)
{
    struct gw_item_store *store = item_store_of(funnel, target, target->conf);
    return store &&
           gw_item_store_submit_named(store, funnel->writer, item_file, time_ms, n, names, values);
}

/*
 * Takes in the item list of a result: each item's since, one log line per
 * change (a summary line for the first list after start), the list kept as
 * the target's live state, and the tracked items' points.
 */
static void take_items(struct gw_funnel *funnel, struct gw_target *target,
                       const struct gw_target_conf *conf, struct gw_items *items, int64_t now_ms)
{
    struct item_log log = {conf, 0, 0};
    gw_items_track(target->items, items, now_ms, item_change_cb, &log);
    if (log.more)
        gw_log_notice("%s (%s): and %zu more item changes", conf->id, conf->type->name, log.more);
    if (!target->items) {
        /* The first list after start: its counts are in the target's UP line. */
        char summary[160];
        items_summary(items, summary, sizeof(summary));
        gw_log_debug("%s (%s): %s", conf->id, conf->type->name, summary);
    }
    gw_items_unref(target->items);
    target->items = gw_items_ref(items);
    target->items_time_ms = now_ms;

    struct gw_item_store *store = item_store_of(funnel, target, conf);
    if (store)
        gw_item_store_submit(store, funnel->writer, items, now_ms);
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

    const struct gw_state_params params = {conf->failure_threshold, conf->success_threshold,
                                           conf->flap_start, conf->flap_stop};
    struct gw_transition tr = gw_state_feed(&target->state, result->status, &params, now_ms);
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
    } else if (target->checks == 1 && target->state.hard != GW_STATE_PENDING) {
        /* The first result after a restart, in the state kept from before:
         * one line per target, as a start would have given. */
        gw_log(target->state.hard == GW_STATUS_UP ? GW_LOG_INFO : GW_LOG_NOTICE,
               "%s (%s): %s, as before the restart: %s", conf->id, conf->type->name,
               gw_state_name(target->state.hard), result->message);
    } else {
        gw_log_debug("%s (%s): %s%s%s: %s", conf->id, conf->type->name,
                     gw_status_word(result->status), *result->reason ? " " : "", result->reason,
                     result->message);
    }
    gw_alert_result(funnel->alert, target, conf, result, &tr);
    if (tr.flap > 0)
        gw_log_notice("%s (%s): flapping: %.0f%% state change over the last %d results", conf->id,
                      conf->type->name, tr.flap_percent, GW_STATE_FLAP_RESULTS);
    else if (tr.flap < 0)
        gw_log_notice("%s (%s): no longer flapping (%.0f%% state change), %s", conf->id,
                      conf->type->name, tr.flap_percent, gw_state_name(target->state.hard));
    if (result->items)
        take_items(funnel, target, conf, result->items, now_ms);
    /* A feed's entry shows its last complete list, also after a failed read. */
    struct gw_snap_target *entry = gw_snapshot_entry_new(target, result, target->items);
    gw_alert_describe(funnel->alert, target, entry);
    gw_snap_target_unref(target->snap);
    target->snap = entry;
    if (funnel->publisher)
        gw_snapshot_publisher_mark(funnel->publisher);
    store(funnel, target, conf, result);
    if (result->retry_after_ms) {
        /* One line per request to wait: they come at most once a wait. */
        target->not_before_ms = gw_clock_mono_ms() + result->retry_after_ms;
        gw_log_notice("%s (%s): the next check waits %.0f s, as asked: %s", conf->id,
                      conf->type->name, (double)result->retry_after_ms / 1000.0, result->message);
    }
}
