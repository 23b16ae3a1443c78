/*
 * The reliability of rapid charge points as the Public Charge Point
 * Regulations 2023 count it: the share of time a charge point in service
 * worked. A charge point whose state cannot be measured is not held against
 * its operator (it counts as working), one not in service (planned,
 * removed, under planned maintenance) is not counted at all, and time with
 * nothing recorded is not counted. The Regulations ask that the rapid
 * charge points of a network be 99 % reliable on average.
 *
 * From the feed's own words to these states: a feed plugin reports each
 * charge point's status (up, degraded, down, unknown, excluded) and the
 * item's RRD file records `working` for a rapid charge point (1 up, degraded
 * or unknown; 0 down; nothing when excluded, and nothing at all for an item
 * that is not rapid), whose average over a row is the share of that row the
 * charge point worked.
 *
 * Pure: no I/O, no clocks.
 */
#ifndef GW_PCPR_H
#define GW_PCPR_H

#include <stddef.h>
#include <stdint.h>

/* The reliability the Regulations ask of a network's rapid charge points. */
#define GW_PCPR_TARGET 0.99

enum gw_pcpr_state {
    GW_PCPR_WORKING,        /* up, degraded, or its state could not be told */
    GW_PCPR_BROKEN,         /* down: out of order, faulted, inoperative */
    GW_PCPR_OUT_OF_SERVICE, /* not in service: not counted */
    GW_PCPR_NO_DATA,        /* nothing recorded: not counted */
};

struct gw_pcpr {
    int64_t working_ms;
    int64_t broken_ms;
    int64_t out_of_service_ms;
    int64_t no_data_ms;
};

/* Adds `ms` of time in `state`. */
void gw_pcpr_add(struct gw_pcpr *p, enum gw_pcpr_state state, int64_t ms);

/*
 * Adds a row of `ms` whose average `working` is `ratio` (0..1; values
 * outside are clamped): that share worked, the rest was broken. NAN (no
 * value: out of service or nothing recorded) adds to no_data_ms.
 */
void gw_pcpr_add_ratio(struct gw_pcpr *p, double ratio, int64_t ms);

/* One reading of a charge point's state, as a feed gave it at a time. */
struct gw_pcpr_obs {
    int64_t time_ms;
    enum gw_pcpr_state state;
};

/*
 * Adds the time of [start_ms, end_ms) from readings in time order (`obs`,
 * borrowed): each holds from its time until the next, but for at most
 * `max_gap_ms` (past that, and before the first, nothing is recorded).
 */
void gw_pcpr_observe(struct gw_pcpr *p, const struct gw_pcpr_obs *obs, size_t n, int64_t start_ms,
                     int64_t end_ms, int64_t max_gap_ms);

/* Adds b to a. */
void gw_pcpr_sum(struct gw_pcpr *a, const struct gw_pcpr *b);

/* working / (working + broken), 0..1; NAN when no time counts. */
double gw_pcpr_reliability(const struct gw_pcpr *p);

#endif
