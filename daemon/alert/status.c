#include <stdio.h>
#include <string.h>

#include "alert/alert_internal.h"
#include "result/snapshot.h"
#include "schedule/target.h"

/*
 * What the status pages and the API see of alerting: each target's
 * snapshot entry says why its outage is not its own. A result makes a new
 * entry (the funnel asks gw_alert_describe); a window that opens or closes,
 * a parent that goes down or recovers and a reload change it without one,
 * so the entry is renewed here.
 */

/* Why target idx's outage is not its own, and whose it is. */
static uint8_t cause_of(const struct gw_alert *a, size_t idx, const char **parent)
{
    const struct gw_target *t = a->targets->items[idx];
    *parent = NULL;
    if (t->state.hard != GW_STATUS_DOWN && t->state.hard != GW_STATUS_DEGRADED)
        return GW_SNAP_CAUSE_NONE;
    switch (gw_alert_hold(a, idx)) {
    case GW_HOLD_MAINTENANCE:
        return GW_SNAP_CAUSE_MAINTENANCE;
    case GW_HOLD_PARENT:
        *parent = a->targets->items[a->at[idx].parent]->conf->id;
        return GW_SNAP_CAUSE_PARENT;
    default:
        return GW_SNAP_CAUSE_NONE;
    }
}

static void fill(struct gw_snap_target *e, uint8_t cause, const char *parent)
{
    e->cause = cause;
    snprintf(e->cause_target, sizeof(e->cause_target), "%s", parent ? parent : "");
}

/* The index of `target` in the engine's registry, or SIZE_MAX. */
static size_t index_of(const struct gw_alert *a, const struct gw_target *target)
{
    size_t idx;
    if (!a || !a->started || gw_strmap_get(a->targets->index, target->conf->id, &idx) < 0 ||
        a->targets->items[idx] != target)
        return SIZE_MAX;
    return idx;
}

void gw_alert_describe(const struct gw_alert *a, const struct gw_target *target,
                       struct gw_snap_target *entry)
{
    size_t idx = index_of(a, target);
    const char *parent = NULL;
    uint8_t cause = idx == SIZE_MAX ? GW_SNAP_CAUSE_NONE : cause_of(a, idx, &parent);
    fill(entry, cause, parent);
}

void gw_alert_set_publisher(struct gw_alert *a, struct gw_snapshot_publisher *publisher)
{
    if (a)
        a->publisher = publisher;
}

void gw_alert_renew(struct gw_alert *a, size_t idx)
{
    struct gw_target *t = a->targets->items[idx];
    const char *parent;
    uint8_t cause = cause_of(a, idx, &parent);
    const struct gw_snap_target *e = t->snap;
    if (e && e->cause == cause && strcmp(e->cause_target, parent ? parent : "") == 0 &&
        e->flapping == t->state.flapping && e->in_maintenance == t->state.maintenance)
        return;
    /* A target with no result since the start: the entry a snapshot would make. */
    struct gw_snap_target *c = e ? gw_snapshot_entry_copy(e) : gw_snapshot_entry_new(t, NULL, NULL);
    fill(c, cause, parent);
    c->flapping = t->state.flapping;
    c->in_maintenance = t->state.maintenance;
    gw_snap_target_unref(t->snap);
    t->snap = c;
    if (a->publisher)
        gw_snapshot_publisher_mark(a->publisher);
}

void gw_alert_renew_all(struct gw_alert *a)
{
    for (size_t i = 0; i < a->targets->n; i++)
        gw_alert_renew(a, i);
}
