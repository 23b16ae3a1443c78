#include "util/hash.h"

#include <string.h>

#define FNV_PRIME 1099511628211ull

uint64_t gw_hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= FNV_PRIME;
    }
    return h;
}

uint64_t gw_hash_str(const char *s)
{
    return gw_hash_bytes(GW_HASH_FNV_OFFSET, s, strlen(s));
}

uint64_t gw_hash_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}
