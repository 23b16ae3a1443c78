/*
 * Where in its interval a target runs: a stable hash of its full id, so load
 * is spread evenly over the interval and a restart keeps every target on the
 * same wall-clock beat. Pure.
 */
#ifndef GW_PHASE_H
#define GW_PHASE_H

#include <stdint.h>

/* The target's offset within its interval, in [0, interval_ms). */
uint64_t gw_phase_offset_ms(const char *id, uint64_t interval_ms);

/*
 * The monotonic time of the target's next run at or after now: the next
 * wall-clock instant t with t mod interval = offset, translated to the
 * monotonic clock through the pair (wall_now_ms, mono_now_ms).
 */
uint64_t gw_phase_next_due(uint64_t offset_ms, uint64_t interval_ms, int64_t wall_now_ms,
                           uint64_t mono_now_ms);

#endif
