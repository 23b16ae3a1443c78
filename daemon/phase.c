#include "phase.h"

#include "strmap.h"

/* FNV-1a alone leaves the low bits of similar ids correlated; the splitmix64
 * finaliser spreads them so "site-1" .. "site-9999" land evenly. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

uint64_t gw_phase_offset_ms(const char *id, uint64_t interval_ms)
{
    if (interval_ms == 0)
        return 0;
    return mix(gw_strmap_hash(id)) % interval_ms;
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
