/*
 * The scheduler: runs every target at its interval on the loop, each at the
 * phase its id hashes to, within a global cap of checks in flight and a cap
 * per host. A run that cannot start for the caps waits in line (first come,
 * first served); a run that comes due while the previous one of the same
 * target is still waiting or running is skipped and counted, as is one that
 * comes due before the target's not_before_ms (a feed's Retry-After); a
 * target whose state is soft is re-checked after its retry_interval.
 * Lateness (actual start minus planned start) is measured for every run.
 */
#ifndef GW_SCHEDULER_H
#define GW_SCHEDULER_H

#include <stdint.h>

#include <uv.h>

#include "schedule/target.h"
#include "util/histo.h"

struct gw_scheduler;

/*
 * Starts a run of `target`: returns 0 when a check is now in flight (the
 * owner later calls gw_scheduler_done for it), or a negative errno when it
 * could not start (the caps are released at once).
 */
typedef int (*gw_scheduler_start_fn)(void *data, struct gw_target *target, uint64_t lateness_ms);

struct gw_scheduler_stats {
    uint64_t started;
    uint64_t skipped;
    uint32_t in_flight;
    uint32_t waiting;
    uint32_t scheduled;
    struct gw_histo lateness; /* microseconds */
};

/* A scheduler on `loop`. Caller frees with gw_scheduler_free. */
struct gw_scheduler *gw_scheduler_new(uv_loop_t *loop, uint32_t max_in_flight,
                                      uint32_t max_per_host, gw_scheduler_start_fn start,
                                      void *data);
/* Changes the caps (a reload); runs waiting for a cap that grew start now. */
void gw_scheduler_set_caps(struct gw_scheduler *s, uint32_t max_in_flight, uint32_t max_per_host);

/* Plans the target's next run at its phase. Borrowed: stays valid until removed. */
void gw_scheduler_add(struct gw_scheduler *s, struct gw_target *target);
/* Re-plans a target whose interval changed (a reload). */
void gw_scheduler_replan(struct gw_scheduler *s, struct gw_target *target);
/* Takes a target out of the plan and out of any queue. A running check is the caller's. */
void gw_scheduler_remove(struct gw_scheduler *s, struct gw_target *target);
/*
 * Tells the scheduler a run of `target` has ended (its result already fed
 * to the state machine); frees its cap for the next in line. While the
 * target's state is soft (a change being confirmed) its next run comes
 * retry_interval after this one ended, unless its beat comes first; it then
 * returns to the beat of its phase.
 */
void gw_scheduler_done(struct gw_scheduler *s, struct gw_target *target);

/* Starts no more runs; waiting runs are dropped. */
void gw_scheduler_stop(struct gw_scheduler *s);
/* Copies the counters. */
void gw_scheduler_stats(const struct gw_scheduler *s, struct gw_scheduler_stats *out);
/* Resets the lateness histogram (benchmarks measure a window). */
void gw_scheduler_reset_lateness(struct gw_scheduler *s);
/* Closes the timer and frees the scheduler (once the loop runs the close). NULL does nothing. */
void gw_scheduler_free(struct gw_scheduler *s);

#endif
