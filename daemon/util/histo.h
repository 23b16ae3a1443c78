/*
 * A histogram of durations in microseconds with bounded relative error
 * (log-linear buckets: 16 per power of two, so about 6 %), for lateness and
 * latency percentiles without keeping samples.
 */
#ifndef GW_HISTO_H
#define GW_HISTO_H

#include <stdint.h>

#define GW_HISTO_SUB     16
#define GW_HISTO_BUCKETS (64 * GW_HISTO_SUB)

struct gw_histo {
    uint64_t count;
    uint64_t sum_us;
    uint64_t max_us;
    uint32_t buckets[GW_HISTO_BUCKETS];
};

void gw_histo_reset(struct gw_histo *h);
void gw_histo_add(struct gw_histo *h, uint64_t us);
/* The value at quantile q (0..1), an upper bound of its bucket; 0 when empty. */
uint64_t gw_histo_quantile(const struct gw_histo *h, double q);

#endif
