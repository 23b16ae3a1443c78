/*
 * The arithmetic of availability: a target's history as spans of states,
 * with their causes, in; the figures of a period and its outages out.
 *
 * A history is built from the event log (exact times) or from the rows of
 * an RRD file (history.h), then asked about any period. Three kinds of input
 * make it up:
 *
 *   spans        what the target's state was: up, degraded, down or
 *                unknown, from start to end, with the reason and cause of
 *                the result that set it. Time no span covers is not
 *                monitored (nothing is known of the target then).
 *   maintenance  windows in which the target was under planned maintenance,
 *                whatever its state.
 *   unmonitored  stretches in which the daemon itself was not running.
 *
 * Accounting, instant by instant (docs/reports.md says the same for people):
 *
 *   not monitored   the daemon was not running, or no span covers the
 *                   instant; never downtime;
 *   maintenance     else, inside a maintenance window, or in a span whose
 *                   cause is maintenance;
 *   unknown         else, in an unknown span: the monitor could not tell;
 *   down / up / degraded   else, the span's state.
 *
 * Availability = (up + degraded) / (up + degraded + down): maintenance,
 * unknown and not-monitored time are excluded, and each is shown apart. Down
 * time whose cause is a parent (depends_on) is downtime all the same (the
 * service was not there for the people using it) and is also shown apart.
 *
 * An outage is a maximal run of down time that no up or degraded time
 * interrupts: maintenance, unknown or unmonitored time inside it neither ends
 * it nor counts in its length (a restart of the daemon during an outage does
 * not make two). An outage belongs to every period in which it has down
 * time, with the part of its length inside that period; its reason and cause
 * are those of its first down time.
 *
 * MTTR = downtime / outages; MTBF = available time / outages (both none
 * without an outage).
 *
 * Times are milliseconds since the epoch. Pure: no I/O, no clocks.
 */
#ifndef GW_TIMELINE_H
#define GW_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gw_timeline_state {
    GW_TIMELINE_UP,
    GW_TIMELINE_DEGRADED,
    GW_TIMELINE_DOWN,
    GW_TIMELINE_UNKNOWN,
};

enum gw_timeline_cause {
    GW_TIMELINE_CAUSE_NONE,
    GW_TIMELINE_CAUSE_PARENT,      /* a parent named by depends_on was down */
    GW_TIMELINE_CAUSE_MAINTENANCE, /* inside a maintenance window */
};

/* What an instant counts as, once every rule above is applied. */
enum gw_timeline_kind {
    GW_TIMELINE_K_UP,
    GW_TIMELINE_K_DEGRADED,
    GW_TIMELINE_K_DOWN,
    GW_TIMELINE_K_UNKNOWN,
    GW_TIMELINE_K_MAINTENANCE,
    GW_TIMELINE_K_UNMONITORED,
};

/* A stretch of one kind, as gw_timeline_segments gives them. */
struct gw_timeline_seg {
    int64_t start_ms, end_ms; /* [start, end) */
    enum gw_timeline_kind kind;
    enum gw_timeline_cause cause;
    const char *reason;       /* borrowed from the timeline; NULL when none */
    const char *cause_target; /* borrowed; the parent when cause is parent */
};

/* The figures of one target, or of several added together. */
struct gw_timeline_figures {
    int64_t period_ms;      /* the length of the period asked about */
    int64_t up_ms;          /* up and not degraded */
    int64_t degraded_ms;    /* degraded: available, but not fully */
    int64_t down_ms;        /* downtime */
    int64_t down_parent_ms; /* of which a parent was the cause */
    int64_t maintenance_ms;
    int64_t unknown_ms;
    int64_t unmonitored_ms;
    uint32_t outages;
    int64_t longest_outage_ms; /* the longest outage's down time within the period */
};

/* One outage that has down time within the period asked about. */
struct gw_timeline_outage {
    int64_t start_ms;    /* its first down instant (may be before the period) */
    int64_t end_ms;      /* the end of its last down time (may be after the period) */
    int64_t down_ms;     /* its down time within the period */
    int64_t down_all_ms; /* its whole down time, in and out of the period */
    enum gw_timeline_cause cause;
    const char *reason;       /* borrowed from the timeline; NULL when none */
    const char *cause_target; /* borrowed */
    bool began_before;        /* it began before the period */
    bool continues_after;     /* it has down time after the period */
    bool ongoing;             /* still down when the history ends */
};

struct gw_timeline;

/* An empty history: not monitored at all. Caller frees. */
struct gw_timeline *gw_timeline_new(void);
/* Frees the history and the strings it holds; NULL does nothing. */
void gw_timeline_free(struct gw_timeline *tl);

/*
 * Appends a span [start_ms, end_ms) in state `state`, with the reason
 * (copied; NULL for none), cause and cause_target (copied; NULL for none)
 * of the result that set it. Spans are added in time order: the part of a
 * span before the end of the previous one is dropped (the earlier span
 * holds), and an empty span is ignored. The span right after another of the
 * same state, cause, reason and cause target, with no gap, extends it.
 */
void gw_timeline_add_span(struct gw_timeline *tl, int64_t start_ms, int64_t end_ms,
                          enum gw_timeline_state state, const char *reason,
                          enum gw_timeline_cause cause, const char *cause_target);

/* Adds a maintenance window [start_ms, end_ms), in any order; windows may overlap. */
void gw_timeline_add_maintenance(struct gw_timeline *tl, int64_t start_ms, int64_t end_ms);

/* Adds a stretch [start_ms, end_ms) in which the daemon did not run, in any order. */
void gw_timeline_add_unmonitored(struct gw_timeline *tl, int64_t start_ms, int64_t end_ms);

/*
 * Says the history ends at `end_ms` with the last span still open (the
 * target's state then is still its state now): a last down span makes its
 * outage ongoing. Without it, outages are never ongoing.
 */
void gw_timeline_set_live_end(struct gw_timeline *tl, int64_t end_ms);

/* Number of spans (after merging neighbours). */
size_t gw_timeline_span_count(const struct gw_timeline *tl);

/*
 * The stretches of [start_ms, end_ms) by kind, in time order, each as long
 * as possible (neighbours of the same kind, cause and reason are one).
 * Returns their number and sets *segs_out (caller frees; NULL when none).
 */
size_t gw_timeline_segments(const struct gw_timeline *tl, int64_t start_ms, int64_t end_ms,
                            struct gw_timeline_seg **segs_out);

/*
 * The figures of [start_ms, end_ms) into *fig (zeroed first). When
 * outages_out is not NULL, sets it to the outages with down time in the
 * period, in time order (caller frees; NULL when none) and *n_outages to
 * their number.
 */
void gw_timeline_figures(const struct gw_timeline *tl, int64_t start_ms, int64_t end_ms,
                         struct gw_timeline_figures *fig, struct gw_timeline_outage **outages_out,
                         size_t *n_outages);

/* Adds b's times and outages to a's; the longest outage is the longer. */
void gw_timeline_figures_add(struct gw_timeline_figures *a, const struct gw_timeline_figures *b);

/* up + degraded. */
int64_t gw_timeline_available_ms(const struct gw_timeline_figures *f);
/* Available / (available + down), 0..1; NAN when neither was measured. */
double gw_timeline_availability(const struct gw_timeline_figures *f);
/* Mean time to repair: downtime / outages; -1 without an outage. */
int64_t gw_timeline_mttr_ms(const struct gw_timeline_figures *f);
/* Mean time between failures: available time / outages; -1 without an outage. */
int64_t gw_timeline_mtbf_ms(const struct gw_timeline_figures *f);

/*
 * Welsh-language parity of two services over [start_ms, end_ms): time in
 * which one was down while the other was available, each way, and time in
 * which both were down. Only instants where both were measured (neither
 * maintenance, unknown nor unmonitored) count. An episode is a maximal
 * stretch of one service down while the other is available.
 */
struct gw_timeline_parity {
    int64_t compared_ms;    /* both measured */
    int64_t a_only_down_ms; /* a down, b available */
    int64_t b_only_down_ms; /* b down, a available */
    int64_t both_down_ms;
    uint32_t a_only_episodes;
    uint32_t b_only_episodes;
};

void gw_timeline_parity(const struct gw_timeline *a, const struct gw_timeline *b, int64_t start_ms,
                        int64_t end_ms, struct gw_timeline_parity *out);

#endif
