/*
 * Targets' histories (timeline.h) made from what gwyliwr recorded:
 *
 *   the event log   exact: each hard state change with its reason and
 *                   cause, maintenance windows as they happened, and the
 *                   daemon's starts and stops (docs/events.md);
 *   RRD rows        approximate, at the file's resolution: a row whose `up`
 *                   average is u was up for u of its length and down for the
 *                   rest, degraded for its `degraded` average; a row with no
 *                   value is not monitored;
 *   configuration   maintenance windows, for histories without an event log.
 *
 * Rules for the event log (a state holds from its event to the next):
 *   - the span before a state change has the state it changed from; `from:
 *     pending` after earlier changes (the daemon started afresh, without its
 *     saved state) makes the time since the last start unknown;
 *   - before a target's first state change, it was in the state the change
 *     was from since `since_ms` (when given); before that, and before a first
 *     change from pending (a new target), nothing is known of it;
 *   - from a `stop` (or, after a crash, from the last line before the next
 *     `start`) to the next `start`, nothing is monitored;
 *   - maintenance is from `maintenance_start` to `maintenance_end`;
 *   - a `settled` line that names another state than the current one is a
 *     change of state.
 *
 * Pure: no I/O, no clocks.
 */
#ifndef GW_HISTORY_H
#define GW_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "report/event_lines.h"
#include "report/timeline.h"

struct gw_history;

/* An empty history of the event log. Caller frees. */
struct gw_history *gw_history_new(void);
/* Frees it; NULL does nothing. */
void gw_history_free(struct gw_history *h);

/* Takes in one line of the log (borrowed for the call), in the log's order. */
void gw_history_add(struct gw_history *h, const struct gw_event_lines_rec *ev);

/*
 * Ends every open state and window at `end_ms`. `live`: the log ends now,
 * so an open outage is ongoing. Call once, after the last line.
 */
void gw_history_finish(struct gw_history *h, int64_t end_ms, bool live);

/* The time of the log's first line; INT64_MAX when it had none. */
int64_t gw_history_begin_ms(const struct gw_history *h);

/*
 * The first instant the log knows the state of `target` (after
 * gw_history_finish); INT64_MAX when it has no state change of it.
 */
int64_t gw_history_first_ms(const struct gw_history *h, const char *target);

/* True when the log has a state change of `target` ("council/target"). */
bool gw_history_has(const struct gw_history *h, const char *target);

/*
 * Adds the history of `target` to `tl` (after gw_history_finish): its spans
 * (with times before those already in `tl` dropped), its maintenance, and
 * the daemon's stops. Returns false, adding nothing, when the log has no
 * state change of the target.
 */
bool gw_history_fill(const struct gw_history *h, const char *target, struct gw_timeline *tl);

/* Number of targets the log has state changes of. */
size_t gw_history_target_count(const struct gw_history *h);

/*
 * Adds the spans of RRD rows to `tl`: n rows of `step_ms`, row i covering
 * [first_ms + i * step_ms, first_ms + (i + 1) * step_ms), with averages
 * up[i * stride] and degraded[i * stride] (degraded may be NULL; NAN is no
 * value). Down time is put next to the down time of the row before when
 * that row had some, else at the row's end, so consecutive rows with
 * downtime make one outage. Only what falls in [clip_start_ms, clip_end_ms)
 * is added.
 */
void gw_history_add_rows(struct gw_timeline *tl, int64_t first_ms, int64_t step_ms, size_t n,
                         const double *up, const double *degraded, size_t stride,
                         int64_t clip_start_ms, int64_t clip_end_ms);

/*
 * Adds to `tl` the maintenance windows of `config` (borrowed) that cover
 * target `target_id` within [start_ms, end_ms): one-off windows as given,
 * weekly ones on each of their days, in Europe/London time (a window whose
 * end is not after its start ends the next day).
 */
void gw_history_config_windows(const struct gw_config *config, const char *target_id,
                               int64_t start_ms, int64_t end_ms, struct gw_timeline *tl);

#endif
