#include "schedule/phase.h"

#include "util/hash.h"

uint64_t gw_phase_offset_ms(const char *id, uint64_t interval_ms)
{
    if (interval_ms == 0)
        return 0;
    /* FNV-1a alone leaves the low bits of similar ids correlated; the mix
     * spreads them so "site-1" .. "site-9999" land evenly. */
    return gw_hash_mix(gw_hash_str(id)) % interval_ms;
}

uint64_t gw_phase_next_due(uint64_t offset_ms, uint64_t interval_ms, int64_t wall_now_ms,
                           uint64_t mono_now_ms)
{
    if (interval_ms == 0)
        return mono_now_ms;
    uint64_t wall = wall_now_ms < 0 ? 0 : (uint64_t)wall_now_ms;
    uint64_t into = wall % interval_ms;
    uint64_t wait = (offset_ms + interval_ms - into) % interval_ms;
    return mono_now_ms + wait;
}
