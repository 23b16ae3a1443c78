/*
 * Targets at run time: the live state of each configured target (state
 * machine, last result, scheduling links) and the registry that maps ids to
 * them. Owned by the loop thread. A reload builds a new registry that adopts
 * the live state of targets that are still configured.
 */
#ifndef GW_TARGET_H
#define GW_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "result/result.h"
#include "result/state.h"
#include "util/strmap.h"

struct gw_check;
struct gw_item_store;
struct gw_items;
struct gw_rrd_series;
struct gw_sched_slot;
struct gw_snap_target;

enum gw_wait {
    GW_WAIT_NONE,
    GW_WAIT_GLOBAL, /* for a place under the global cap */
    GW_WAIT_HOST,   /* for a place under its host's cap */
};

struct gw_target {
    const struct gw_target_conf *conf; /* borrowed from the registry's config */
    struct gw_state state;
    struct gw_rrd_series *series; /* where results are stored; owned reference */

    /* Scheduling, managed by scheduler.c. */
    uint64_t due_ms;     /* loop time of the next planned run */
    uint64_t beat_ms;    /* loop time of the next run on the target's phase */
    uint64_t planned_ms; /* planned start of the run waiting or running */
    size_t heap_pos;     /* position in the scheduler's heap, SIZE_MAX when out */
    struct gw_target *wait_prev, *wait_next;
    struct gw_sched_slot *slot; /* the host's concurrency slot, NULL when uncapped */
    uint8_t waiting;            /* GW_WAIT_*: the line the run waits in */
    struct gw_check *running;
    /* Loop time before which no run starts: the feed asked us to wait
     * (Retry-After). Due runs before it are skipped. */
    uint64_t not_before_ms;

    /* The last result, for logs, probes and the status page. */
    enum gw_status last_status;
    char last_reason[32];
    char last_message[320];
    int64_t last_time_ms;
    double last_latency_s;
    uint64_t checks;
    uint64_t skipped;
    /* What the web server sees of it: the entry of its last result (result/snapshot.h). */
    struct gw_snap_target *snap;

    /*
     * Feeds: the items of the last result that listed them (result/items.h),
     * each with its id, name, status, reason and since when; a reference,
     * NULL before any. The list never changes once here: a status page
     * snapshot takes a reference of its own (gw_items_ref) and reads it from
     * any thread. `items_time_ms` is that result's wall clock, so a page can
     * say how old the list is when later checks failed to read the feed.
     */
    struct gw_items *items;
    int64_t items_time_ms;
    struct gw_item_store *item_store; /* with track_items: the items' RRD series */
};

struct gw_targets {
    struct gw_config *config; /* a reference */
    struct gw_target **items; /* one per config target, same order */
    size_t n;
    struct gw_strmap *index; /* id -> position */
};

/* A new live target for `conf` (borrowed), with a fresh state. Caller frees. */
struct gw_target *gw_target_new(const struct gw_target_conf *conf);
/* Frees a target that is out of the scheduler and has no running check. */
void gw_target_free(struct gw_target *target);

/*
 * Builds the registry of `config` (a reference is taken). Targets whose id is
 * in `previous` are moved over with their live state and take the new
 * settings; they are removed from `previous` (their slot there set to NULL),
 * so what is left in `previous` afterwards is what the new configuration
 * dropped. `previous` may be NULL.
 */
struct gw_targets *gw_targets_new(struct gw_config *config, struct gw_targets *previous);
/* Frees the registry and the targets it still holds; NULL does nothing. */
void gw_targets_free(struct gw_targets *targets);
/* The live target with that full id, or NULL. */
struct gw_target *gw_targets_find(const struct gw_targets *targets, const char *id);

#endif
