/*
 * The per-target state machine, Nagios style, and what people are owed of
 * it. Pure: results, settings and times go in, transitions come out; no
 * clock is read and nothing is written.
 *
 * Thresholds. Every result is a soft state; the hard state changes only
 * when a new status has held for its threshold (failure_threshold results
 * for DOWN, DEGRADED or UNKNOWN; success_threshold for UP). While a change
 * is being confirmed the state is soft (gw_state_soft): the scheduler then
 * checks again after retry_interval instead of the interval.
 *
 * Flapping. Each result other than UNKNOWN is compared with the one before
 * it; over the last 21 such results the 20 changes are weighted from 0.75
 * (oldest) to 1.25 (newest) and summed into a percentage of state change,
 * as Nagios and Icinga do. A target starts flapping when it reaches
 * flap_start and stops when it falls below flap_stop.
 *
 * What people are owed. The state remembers what notifications have told
 * (`told`, `told_flapping`). gw_state_notice compares that with the state
 * now and says what to tell, unless notifications are held back (a
 * maintenance window, or a parent that is hard DOWN): held news is told
 * when the hold ends, if it still differs from what was told.
 */
#ifndef GW_STATE_H
#define GW_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <gwyliwr/plugin.h>

/* Hard states: the four statuses, and PENDING before any is established. */
#define GW_STATE_PENDING 4

/* Results over which flapping is measured. */
#define GW_STATE_FLAP_RESULTS 21

struct gw_state_params {
    uint32_t failure_threshold; /* 0 acts as 1 */
    uint32_t success_threshold; /* 0 acts as 1 */
    double flap_start;          /* ratio 0..1; 0 turns flap detection off */
    double flap_stop;           /* ratio 0..1, below flap_start */
};

struct gw_state {
    uint8_t hard;     /* enum gw_status, or GW_STATE_PENDING */
    uint8_t last;     /* status of the last result */
    uint32_t streak;  /* consecutive results of the last result's class */
    int64_t since_ms; /* wall clock of the last hard change; 0 before any */
    uint64_t results; /* results seen */

    uint32_t flap_changes; /* bit i: the (i+1)-th newest counted result changed the status */
    uint8_t flap_last;     /* status of the newest counted result; PENDING before any */
    bool flapping;

    uint8_t told;       /* the hard state notifications last told; PENDING: none yet */
    bool told_flapping; /* notifications said it flaps (and have not said it settled) */
    bool maintenance;   /* inside a maintenance window (kept by the alert engine) */
};

struct gw_transition {
    bool changed;   /* the hard state changed */
    uint8_t from;   /* the previous hard state */
    uint8_t to;     /* the new hard state */
    uint32_t after; /* consecutive results that made it */
    int64_t previous_since_ms; /* when the previous hard state began (0: unknown) */
    int flap;       /* +1 started flapping, -1 stopped, 0 neither */
    double flap_percent;
};

/* What notifications are owed: nothing, a state, the start or the end of flapping. */
enum gw_notice {
    GW_NOTICE_NONE,
    GW_NOTICE_STATE,
    GW_NOTICE_FLAPPING,
    GW_NOTICE_SETTLED,
};

/* Why a target's notifications are held back. */
enum gw_hold {
    GW_HOLD_NONE,
    GW_HOLD_MAINTENANCE, /* inside a maintenance window */
    GW_HOLD_PARENT,      /* the parent named by depends_on is hard DOWN: the outage is its */
};

/* A state before any result. */
void gw_state_init(struct gw_state *state);

/*
 * Feeds one result at wall time now_ms. A target's first UP is established
 * at once (no alert noise at start-up); every other change needs its
 * threshold. DOWN and DEGRADED are one class of failure: once the hard state
 * is a failure, a move between them is immediate.
 */
struct gw_transition gw_state_feed(struct gw_state *state, enum gw_status status,
                                   const struct gw_state_params *params, int64_t now_ms);

/* The weighted percentage of state change over the last 21 results (0..100). */
double gw_state_flap_percent(const struct gw_state *state);

/* True while a change of hard state is being confirmed (re-check at retry_interval). */
bool gw_state_soft(const struct gw_state *state);

/*
 * What to tell people now, and records it as told. With `held` (maintenance,
 * or the parent is hard DOWN) nothing is told and nothing recorded. UNKNOWN
 * is never told (it is the monitor's problem, not the target's); a first UP
 * after start-up is recorded without being told.
 */
enum gw_notice gw_state_notice(struct gw_state *state, bool held);

/*
 * Whether a notifier with `min_state` (DEGRADED or DOWN) and `send_recovery`
 * wants a notice of kind `notice` that tells `to` after `previous` was told:
 * a state at or above min_state, or a change away from one. Flapping and
 * settled notices go to every notifier of the target.
 */
bool gw_state_wants(enum gw_notice notice, uint8_t to, uint8_t previous, uint8_t min_state,
                    bool send_recovery);

/*
 * What holds a target's notifications back: a maintenance window it is in,
 * else its parent (NULL: none) being hard DOWN.
 */
enum gw_hold gw_state_hold(bool in_maintenance, const struct gw_state *parent);

/* "UP", "DEGRADED", "DOWN", "UNKNOWN", "PENDING". */
const char *gw_state_name(uint8_t state);
/* "up", "degraded", "down", "unknown", "pending". */
const char *gw_state_word(uint8_t state);
/* The state of a word of gw_state_word: 0 and *out, or -EINVAL. */
int gw_state_parse(const char *word, uint8_t *out);

#endif
