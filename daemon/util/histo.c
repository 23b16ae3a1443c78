#include "util/histo.h"

#include <string.h>

static unsigned bucket_of(uint64_t v)
{
    if (v < GW_HISTO_SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - 4; /* keep 4 bits below the leading one */
    unsigned sub = (unsigned)(v >> shift) & (GW_HISTO_SUB - 1);
    unsigned b = (shift + 1) * GW_HISTO_SUB + sub;
    return b < GW_HISTO_BUCKETS ? b : GW_HISTO_BUCKETS - 1;
}

static uint64_t bucket_top(unsigned b)
{
    if (b < GW_HISTO_SUB)
        return b;
    unsigned shift = b / GW_HISTO_SUB - 1;
    uint64_t sub = b % GW_HISTO_SUB;
    return ((GW_HISTO_SUB + sub + 1) << shift) - 1;
}

void gw_histo_reset(struct gw_histo *h)
{
    memset(h, 0, sizeof(*h));
}

void gw_histo_add(struct gw_histo *h, uint64_t us)
{
    h->count++;
    h->sum_us += us;
    if (us > h->max_us)
        h->max_us = us;
    h->buckets[bucket_of(us)]++;
}

uint64_t gw_histo_quantile(const struct gw_histo *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)h->count);
    if (rank >= h->count)
        rank = h->count - 1;
    uint64_t seen = 0;
    for (unsigned b = 0; b < GW_HISTO_BUCKETS; b++) {
        seen += h->buckets[b];
        if (seen > rank) {
            uint64_t top = bucket_top(b);
            return top < h->max_us ? top : h->max_us;
        }
    }
    return h->max_us;
}
