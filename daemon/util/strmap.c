#include "util/strmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/xalloc.h"

struct slot {
    const char *key; /* NULL: empty */
    uint64_t hash;
    size_t value;
};

struct gw_strmap {
    struct slot *slots;
    size_t cap; /* a power of two */
    size_t n;
};

uint64_t gw_strmap_hash(const char *s)
{
    return gw_hash_str(s);
}

struct gw_strmap *gw_strmap_new(void)
{
    struct gw_strmap *map = gw_xcalloc(1, sizeof(*map));
    map->cap = 16;
    map->slots = gw_xcalloc(map->cap, sizeof(*map->slots));
    return map;
}

void gw_strmap_free(struct gw_strmap *map)
{
    if (!map)
        return;
    free(map->slots);
    free(map);
}

static struct slot *find(const struct gw_strmap *map, const char *key, uint64_t hash)
{
    size_t mask = map->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        struct slot *s = &map->slots[i];
        if (!s->key || (s->hash == hash && strcmp(s->key, key) == 0))
            return s;
    }
}

static void grow(struct gw_strmap *map)
{
    struct slot *old = map->slots;
    size_t old_cap = map->cap;
    map->cap *= 2;
    map->slots = gw_xcalloc(map->cap, sizeof(*map->slots));
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key)
            *find(map, old[i].key, old[i].hash) = old[i];
    free(old);
}

int gw_strmap_put(struct gw_strmap *map, const char *key, size_t value, size_t *existing)
{
    if ((map->n + 1) * 4 > map->cap * 3)
        grow(map);
    uint64_t hash = gw_strmap_hash(key);
    struct slot *s = find(map, key, hash);
    if (s->key) {
        if (existing)
            *existing = s->value;
        return -EEXIST;
    }
    *s = (struct slot){.key = key, .hash = hash, .value = value};
    map->n++;
    return 0;
}

int gw_strmap_get(const struct gw_strmap *map, const char *key, size_t *value)
{
    const struct slot *s = find(map, key, gw_strmap_hash(key));
    if (!s->key)
        return -ENOENT;
    *value = s->value;
    return 0;
}

size_t gw_strmap_size(const struct gw_strmap *map)
{
    return map->n;
}
