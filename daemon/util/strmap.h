/*
 * A hash map from strings to indexes (open addressing, linear probing), for
 * finding targets, councils and hosts by id among hundreds of thousands.
 * Keys are borrowed: they must outlive the map.
 */
#ifndef GW_STRMAP_H
#define GW_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct gw_strmap;

/* An empty map. Caller frees with gw_strmap_free. */
struct gw_strmap *gw_strmap_new(void);
/* Frees the map (not the keys); NULL does nothing. */
void gw_strmap_free(struct gw_strmap *map);
/*
 * Adds key -> value. Returns 0, or -EEXIST leaving the map unchanged and
 * setting *existing (when not NULL) to the value already there.
 */
int gw_strmap_put(struct gw_strmap *map, const char *key, size_t value, size_t *existing);
/* Looks key up: 0 and *value set, or -ENOENT. */
int gw_strmap_get(const struct gw_strmap *map, const char *key, size_t *value);
/* Number of keys. */
size_t gw_strmap_size(const struct gw_strmap *map);
/* The 64-bit FNV-1a hash of a string (stable across runs and machines). */
uint64_t gw_strmap_hash(const char *s);

#endif
