/*
 * The per-target state machine, Nagios style: every result is a soft state;
 * the hard state changes only when a new status has held for its threshold
 * (failure_threshold results for DOWN, DEGRADED or UNKNOWN; success_threshold
 * for UP). Pure: results and times go in, transitions come out.
 */
#ifndef GW_STATE_H
#define GW_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <gwyliwr/plugin.h>

/* Hard states: the four statuses, and PENDING before any is established. */
#define GW_STATE_PENDING 4

struct gw_state {
    uint8_t hard;     /* enum gw_status, or GW_STATE_PENDING */
    uint8_t last;     /* status of the last result */
    uint32_t streak;  /* consecutive results of the last result's class */
    int64_t since_ms; /* wall clock of the last hard change; 0 before any */
    uint64_t results; /* results seen */
};

struct gw_transition {
    bool changed;
    uint8_t from;   /* the previous hard state */
    uint8_t to;     /* the new hard state */
    uint32_t after; /* consecutive results that made it */
};

/* A state before any result. */
void gw_state_init(struct gw_state *state);

/*
 * Feeds one result. A target's first UP is established at once (no alert
 * noise at start-up); every other change needs its threshold. DOWN and
 * DEGRADED are one class of failure: once the hard state is a failure, a move
 * between them is immediate.
 */
struct gw_transition gw_state_feed(struct gw_state *state, enum gw_status status,
                                   uint32_t failure_threshold, uint32_t success_threshold,
                                   int64_t now_ms);

/* "UP", "DEGRADED", "DOWN", "UNKNOWN", "PENDING". */
const char *gw_state_name(uint8_t state);

#endif
