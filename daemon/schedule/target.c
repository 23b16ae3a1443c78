#include "schedule/target.h"

#include <math.h>
#include <stdlib.h>

#include "result/snapshot.h"
#include "result/items.h"
#include "storage/item_store.h"
#include "storage/rrd_schema.h"
#include "util/xalloc.h"

struct gw_target *gw_target_new(const struct gw_target_conf *conf)
{
    struct gw_target *t = gw_xcalloc(1, sizeof(*t));
    t->conf = conf;
    gw_state_init(&t->state);
    t->heap_pos = SIZE_MAX;
    t->last_status = GW_STATUS_UNKNOWN;
    t->last_latency_s = NAN;
    return t;
}

void gw_target_free(struct gw_target *target)
{
    if (!target)
        return;
    gw_rrd_series_unref(target->series);
    gw_snap_target_unref(target->snap);
    gw_items_unref(target->items);
    gw_item_store_free(target->item_store);
    free(target);
}

struct gw_targets *gw_targets_new(struct gw_config *config, struct gw_targets *previous)
{
    struct gw_targets *ts = gw_xcalloc(1, sizeof(*ts));
    ts->config = gw_config_ref(config);
    ts->n = config->n_targets;
    ts->items = gw_xcalloc(ts->n ? ts->n : 1, sizeof(*ts->items));
    ts->index = gw_strmap_new();
    for (size_t i = 0; i < ts->n; i++) {
        const struct gw_target_conf *conf = &config->targets[i];
        struct gw_target *t = NULL;
        size_t at;
        if (previous && gw_strmap_get(previous->index, conf->id, &at) == 0 && previous->items[at]) {
            t = previous->items[at];
            previous->items[at] = NULL;
            t->conf = conf;
        } else {
            t = gw_target_new(conf);
        }
        ts->items[i] = t;
        gw_strmap_put(ts->index, conf->id, i, NULL);
    }
    return ts;
}

void gw_targets_free(struct gw_targets *targets)
{
    if (!targets)
        return;
    for (size_t i = 0; i < targets->n; i++)
        gw_target_free(targets->items[i]);
    free(targets->items);
    gw_strmap_free(targets->index);
    gw_config_unref(targets->config);
    free(targets);
}

struct gw_target *gw_targets_find(const struct gw_targets *targets, const char *id)
{
    size_t at;
    if (gw_strmap_get(targets->index, id, &at) < 0)
        return NULL;
    return targets->items[at];
}
