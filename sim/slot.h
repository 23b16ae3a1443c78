/*
 * A slot is one thing whose behaviour changes over time: a TCP listener or
 * an HTTP route. It holds the scenario's base behaviour, the schedule's
 * phases (each already merged onto the base) and, while a test has set one,
 * a control override, and it knows which of them is in force.
 *
 * Phases are not cumulative: each is the base plus its own keys. While a
 * control override is set it is in force and the schedule only keeps time.
 */
#ifndef SIM_SLOT_H
#define SIM_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "behav.h"

struct sim_slot;

/* Called on the loop when the schedule changes the behaviour in force. */
typedef void (*sim_slot_changed_cb)(struct sim_slot *slot, void *data);

struct sim_phase {
    uint64_t after_ms;       /* since the start (within the cycle when repeating) */
    struct sim_behav *behav; /* owned; merged onto the base */
};

struct sim_slot {
    char *name; /* for logs: "cardiff-smtp" or "cardiff-www /login" */
    enum sim_behav_kind kind;
    struct sim_behav *base; /* owned */
    struct sim_phase *phases;
    size_t n_phases;
    uint64_t repeat_ms;        /* 0: the schedule runs once */
    struct sim_behav *control; /* owned override, or NULL */
    struct sim_behav *current; /* borrowed: base, a phase's or control */
    long phase;                /* the schedule's phase now; -1 for the base */
    uint64_t start_ms;         /* loop time the schedule counts from */
    uv_timer_t *timer;         /* allocated; freed in its close callback */
    sim_slot_changed_cb changed_cb;
    void *cb_data;
    uint64_t count; /* connections (tcp) or requests (routes) */
};

/* A new slot with its base behaviour (taken). Caller frees with sim_slot_free. */
struct sim_slot *sim_slot_new(const char *name, enum sim_behav_kind kind, struct sim_behav *base);
/* Appends a phase; `behav` (taken) is already merged onto the base. */
void sim_slot_add_phase(struct sim_slot *s, uint64_t after_ms, struct sim_behav *behav);
/* Frees the slot and its behaviours (stop it first); NULL does nothing. */
void sim_slot_free(struct sim_slot *s);

/*
 * Puts the behaviour in force `now - start_ms` into s->current and arms a
 * timer for the next change; from then on `cb` is called on each change
 * (never from this call). Returns 0.
 */
int sim_slot_start(struct sim_slot *s, uv_loop_t *loop, uint64_t start_ms, sim_slot_changed_cb cb,
                   void *data);
/* Stops the timer (its memory is freed later, on the loop). */
void sim_slot_stop(struct sim_slot *s);

/*
 * Sets the control override (taken) or, with NULL, clears it so that the
 * schedule is in force again. Returns true when s->current changed; the
 * caller applies the change (the changed callback is not called).
 */
bool sim_slot_set_control(struct sim_slot *s, struct sim_behav *b);

/*
 * The schedule as a pure function: the index of the phase in force
 * `elapsed_ms` after the start (-1 for the base) among phases starting at
 * `afters` (ascending), and in *next_ms how long until the next boundary
 * (UINT64_MAX when none comes).
 */
long sim_slot_phase_at(const uint64_t *afters, size_t n, uint64_t repeat_ms, uint64_t elapsed_ms,
                       uint64_t *next_ms);

#endif
