/*
 * The RRD series of a feed target's tracked items (`track_items: true`):
 * one small file per item (rrd_schema.h, "Items"), made on the item's first
 * result and kept while the target is configured. At most `max_items` files
 * per target, so the disk budget `check-config` prints holds: items beyond
 * are not recorded, and the first time that happens it is logged.
 *
 * Owned by the loop thread (the target's live state); the series it hands
 * the writer are reference-counted.
 */
#ifndef GW_ITEM_STORE_H
#define GW_ITEM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "result/items.h"

struct gw_rrd_writer;
struct gw_item_store;

/*
 * A store for the items of `council`/`target` under `data_dir` (all copied),
 * written at `step_s`, at most `max_items` of them. Caller frees.
 */
struct gw_item_store *gw_item_store_new(const char *data_dir, const char *council,
                                        const char *target, uint32_t step_s, uint32_t max_items);
/* Frees the store and drops its series; NULL does nothing. */
void gw_item_store_free(struct gw_item_store *store);

/* True when the store was made for this directory, step and bound (a reload may change them). */
bool gw_item_store_matches(const struct gw_item_store *store, const char *data_dir, uint32_t step_s,
                           uint32_t max_items);

/*
 * Queues a point for each listed item of `items` at wall time `time_ms`
 * through `writer`. Returns the number of points queued.
 */
size_t gw_item_store_submit(struct gw_item_store *store, struct gw_rrd_writer *writer,
                            const struct gw_items *items, int64_t time_ms);

/*
 * Queues a point read back from the spool for the item whose file name is
 * `item_file`, if its series is one this store makes. Returns false when
 * it is not (a bad name, or the store is full).
 */
bool gw_item_store_submit_named(struct gw_item_store *store, struct gw_rrd_writer *writer,
                                const char *item_file, int64_t time_ms, size_t n,
                                const char *const *names, const double *values);

#endif
