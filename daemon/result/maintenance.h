/*
 * Maintenance windows in time: which targets a window covers and when each
 * occurrence of it begins and ends. Pure: the time is an argument.
 *
 * Weekly windows are in Europe/London local time (util/london.h). An
 * occurrence covers every moment at which the clocks show a time inside
 * it, and is never shorter in real time than written:
 *
 *  - it begins the first time the clocks show its start: in March's
 *    skipped hour (01:00-01:59 on the last Sunday), at the moment the
 *    clocks go forward (02:00 BST); in October's repeated hour, at the
 *    first pass (BST);
 *  - it ends the last time the clocks show its end (October: the second
 *    pass, GMT), or once its written length has passed since it began,
 *    whichever is later.
 *
 * A window whose end is not after its start ("22:00" to "02:00") runs into
 * the next day; equal times make a whole day.
 */
#ifndef GW_MAINTENANCE_H
#define GW_MAINTENANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* One occurrence of a window: from_s <= t < to_s, seconds since the epoch. */
struct gw_maintenance_span {
    int64_t from_s, to_s;
};

/*
 * The occurrence of `window` in force at t_s, or else the next to begin.
 * Returns 0 and *out, or -ENOENT when there is none (a one-off window that
 * has ended).
 */
int gw_maintenance_span(const struct gw_maintenance_conf *window, int64_t t_s,
                        struct gw_maintenance_span *out);

/* The occurrence of a weekly window on the local date `days` (after 1970-01-01). */
struct gw_maintenance_span gw_maintenance_weekly_span(const struct gw_maintenance_conf *window,
                                                      int64_t days);

/* True when one of the window's "council/target" patterns (each part a glob) matches `id`. */
bool gw_maintenance_matches(const struct gw_maintenance_conf *window, const char *id);

/*
 * The occurrence of each of the n windows in force at t_s, or the next to
 * begin (spans[i] = {INT64_MAX, INT64_MAX} for a window that will not come
 * again). Returns the next moment one of them begins or ends after t_s
 * (INT64_MAX: never): a target covered by several windows is inside one
 * while any span holds, so this is when to look again.
 */
int64_t gw_maintenance_spans(const struct gw_maintenance_conf *windows, size_t n, int64_t t_s,
                             struct gw_maintenance_span *spans);

/* True when the span holds at t_s. */
bool gw_maintenance_in(const struct gw_maintenance_span *span, int64_t t_s);

#endif
