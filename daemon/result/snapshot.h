/*
 * The live snapshot: what the web server (pages, API, /metrics) may know of
 * the running daemon, published by the loop thread and read by any other.
 *
 * The loop thread owns every target's live state; no other thread may look
 * at it. Instead, each result makes an immutable per-target entry (struct
 * gw_snap_target), and after a batch of results the loop publishes a new
 * snapshot: the configuration (a reference), one entry pointer per target
 * (references, shared with the previous snapshot for targets that had no new
 * result), the counts per council and for Wales, and the daemon's own health.
 * Publishing costs a pointer and an atomic increment per target and one pass
 * to count, never a copy of what did not change.
 *
 * Readers take the current snapshot with gw_snapshot_acquire and drop it with
 * gw_snapshot_unref. The box that holds the current one swaps its pointer
 * under a lock held only for that swap and for a reader's increment, so a
 * reader holding a snapshot for as long as it likes never delays the loop,
 * and the loop never waits for a reader to finish.
 */
#ifndef GW_SNAPSHOT_H
#define GW_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "config/config.h"
#include "result/items.h"
#include "result/result.h"
#include "util/histo.h"

struct gw_target;
struct gw_targets;

/* Why a target's outage is not its own (the alerting engine sets it). */
enum gw_snap_cause {
    GW_SNAP_CAUSE_NONE,
    GW_SNAP_CAUSE_PARENT,      /* a parent named by depends_on is down */
    GW_SNAP_CAUSE_MAINTENANCE, /* inside a maintenance window */
};

/*
 * What is known of one target at one moment. Immutable once made, shared by
 * reference between snapshots.
 */
struct gw_snap_target {
    atomic_uint refs;
    uint8_t state;       /* hard state: enum gw_status, or GW_STATE_PENDING */
    uint8_t last_status; /* status of the last result; GW_STATE_PENDING before any */
    int64_t since_ms;    /* wall clock of the last hard change; 0 before any */
    int64_t last_ms;     /* wall clock of the last result; 0 before any */
    uint64_t checks;     /* results seen since the daemon started */
    double latency_s;    /* of the last result; NAN when it had none */
    char reason[32];     /* of the last result; "" when up */
    char message[320];   /* of the last result, a sentence for people */
    /* The alerting engine's view; false / NONE until it runs. */
    bool flapping;
    bool in_maintenance;
    uint8_t cause;          /* enum gw_snap_cause */
    char cause_target[128]; /* the parent's full id when cause is PARENT */
    /* A feed target's items of its last complete list (result/items.h: id,
     * name, status, reason and since when, immutable); a reference; NULL. */
    struct gw_items *items;
    size_t n_figures;
    struct gw_result_figure figures[]; /* of the last result */
};

/*
 * The entry of `target` (borrowed) after `result` (borrowed; NULL: none yet),
 * with the items of a feed (a reference is taken; NULL for none). Flapping
 * and being in a maintenance window come from the target's state; the cause
 * is NONE until the alerting engine fills it in (gw_alert_describe), before
 * the entry is shared. Loop thread. Caller releases with gw_snap_target_unref.
 */
struct gw_snap_target *gw_snapshot_entry_new(const struct gw_target *target,
                                             const struct gw_result *result,
                                             struct gw_items *items);
/*
 * A new entry equal to `e` (borrowed; its items referenced), not yet shared:
 * for changing what is known of a target without a new result (a window
 * opens, a parent goes down). Loop thread. Caller releases.
 */
struct gw_snap_target *gw_snapshot_entry_copy(const struct gw_snap_target *e);
/* Takes a reference; returns e. Any thread. */
struct gw_snap_target *gw_snap_target_ref(struct gw_snap_target *e);
/* Drops a reference, freeing the entry with the last. NULL does nothing. Any thread. */
void gw_snap_target_unref(struct gw_snap_target *e);
/* The figure's value in the entry, or NAN. */
double gw_snap_target_figure(const struct gw_snap_target *e, const char *name);

/* How many targets are in each hard state; `pending` have no state yet. */
struct gw_snap_counts {
    uint32_t up, degraded, down, unknown, pending;
    uint32_t total;
};

/* The daemon's own health, for /metrics and /healthz. */
struct gw_snap_health {
    int64_t started_ms;      /* wall clock when the daemon started */
    uint64_t checks_started; /* runs started since the daemon started */
    uint64_t checks_skipped; /* runs skipped: the previous one still waiting or running */
    uint64_t results[4];     /* results by enum gw_status */
    uint64_t transitions;    /* hard state changes */
    uint32_t in_flight;      /* checks running now */
    uint32_t waiting;        /* runs waiting for a place under the caps */
    double checks_per_s;     /* results per second over the last minute or so */
    double lateness_p50_s;   /* scheduling lateness over the current window */
    double lateness_p99_s;
    double lateness_max_s;
    uint64_t lateness_count;    /* runs measured in the window */
    uint64_t rrd_written;       /* file points written */
    uint64_t rrd_pending;       /* file points waiting to be written */
    uint64_t rrd_errors;        /* failed attempts */
    uint64_t rrd_dropped;       /* file points lost */
    uint64_t notifier_failures; /* failed deliveries (the alerting engine counts them) */
};

struct gw_snapshot {
    atomic_uint refs;
    uint64_t generation;             /* increases by one per publish; tags caches and ETags */
    int64_t published_ms;            /* wall clock */
    struct gw_config *config;        /* a reference: names, categories, settings */
    size_t n;                        /* == config->n_targets */
    struct gw_snap_target **targets; /* references, aligned with config->targets */
    struct gw_snap_counts *councils; /* aligned with config->councils */
    struct gw_snap_counts wales;
    struct gw_snap_health health;
};

/*
 * A snapshot of `targets` (borrowed; each target's current entry, or a
 * pending one for a target without any, is referenced) with `health`
 * (copied). Loop thread. Caller releases with gw_snapshot_unref.
 */
struct gw_snapshot *gw_snapshot_build(const struct gw_targets *targets,
                                      const struct gw_snap_health *health, uint64_t generation,
                                      int64_t now_ms);
/* Takes a reference; returns s. Any thread. */
struct gw_snapshot *gw_snapshot_ref(struct gw_snapshot *s);
/* Drops a reference, freeing the snapshot with the last. NULL does nothing. Any thread. */
void gw_snapshot_unref(struct gw_snapshot *s);

/* The index of a council by id in the snapshot's configuration, or -1. */
long gw_snapshot_council_index(const struct gw_snapshot *s, const char *id);
/* The index of a target by full id, or -1. */
long gw_snapshot_target_index(const struct gw_snapshot *s, const char *id);

/* ---- publishing ---------------------------------------------------------- */

/* The holder of the current snapshot. */
struct gw_snapshot_box;

/* An empty box (acquire gives NULL until the first publish). Caller frees. */
struct gw_snapshot_box *gw_snapshot_box_new(void);
/* Frees the box and drops its snapshot. NULL does nothing. No reader may use the box after. */
void gw_snapshot_box_free(struct gw_snapshot_box *box);
/* Makes `s` the current snapshot (the box takes the caller's reference). Any thread. */
void gw_snapshot_box_publish(struct gw_snapshot_box *box, struct gw_snapshot *s);
/* The current snapshot, referenced (caller unrefs), or NULL before the first. Any thread. */
struct gw_snapshot *gw_snapshot_acquire(struct gw_snapshot_box *box);

/*
 * Fills the health part of a snapshot: the daemon's counters (loop thread).
 */
typedef void (*gw_snapshot_health_fn)(void *data, struct gw_snap_health *out);

/*
 * The loop side: publishes a new snapshot of `*targets` into `box` at most
 * every `min_interval_ms` after gw_snapshot_publisher_mark says something
 * changed (results arrive in bursts: one publish per burst, not per result).
 * `targets` points at the daemon's registry pointer, which a reload replaces.
 */
struct gw_snapshot_publisher;

struct gw_snapshot_publisher *gw_snapshot_publisher_new(uv_loop_t *loop,
                                                        struct gw_snapshot_box *box,
                                                        struct gw_targets *const *targets,
                                                        uint64_t min_interval_ms,
                                                        gw_snapshot_health_fn health, void *data);
/* Something changed: a publish follows within min_interval_ms. Loop thread. */
void gw_snapshot_publisher_mark(struct gw_snapshot_publisher *p);
/* Publishes now. Loop thread. */
void gw_snapshot_publisher_now(struct gw_snapshot_publisher *p);
/* Closes its timer and frees it once the loop runs the close. NULL does nothing. */
void gw_snapshot_publisher_free(struct gw_snapshot_publisher *p);

#endif
