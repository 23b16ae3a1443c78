/*
 * Clocks: monotonic for scheduling and durations, wall clock only for records.
 */
#ifndef GW_CLOCK_H
#define GW_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds (CLOCK_MONOTONIC). */
uint64_t gw_clock_mono_ms(void);
/* Monotonic nanoseconds. */
uint64_t gw_clock_mono_ns(void);
/* Wall-clock milliseconds since the epoch (CLOCK_REALTIME). */
int64_t gw_clock_wall_ms(void);

#endif
