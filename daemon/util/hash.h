/*
 * Stable 64-bit hashes (the same on every run and machine): FNV-1a for
 * strings and bytes, and splitmix64's finaliser to spread similar inputs.
 */
#ifndef GW_HASH_H
#define GW_HASH_H

#include <stddef.h>
#include <stdint.h>

#define GW_HASH_FNV_OFFSET 14695981039346656037ull

/* Continues the FNV-1a hash h over n bytes. */
uint64_t gw_hash_bytes(uint64_t h, const void *p, size_t n);
/* The FNV-1a hash of a NUL-terminated string. */
uint64_t gw_hash_str(const char *s);
/* splitmix64's finaliser: similar inputs give unrelated outputs. */
uint64_t gw_hash_mix(uint64_t x);

#endif
