/*
 * An Open Charge Map style list of charge points (POIs). Pure (feed.h).
 *
 * The document is a list of POIs; each needs an `ID` (a number) and may give
 * a `StatusTypeID` (a number or null) and `Connections`, each with its own
 * `ID`, `StatusTypeID` (null or absent: the POI's) and `PowerKW`.
 *
 * Items: one per connection where a POI lists them, id "<POI ID>/<connection
 * ID>" (or its position from 1 when it has no ID); else one per POI, id
 * "<POI ID>". Status by StatusTypeID:
 *   10 available, 20 in use, 50 operational        up
 *   75 partly operational                          degraded
 *   30 temporarily unavailable, 100 not operational down
 *   150 planned, 200 removed, 210 removed (duplicate) excluded
 *   0, null, absent, any other                     unknown
 * (OCM marks 30 operational itself, but a charger temporarily unavailable
 * does not charge now.) A connection of 50 kW or more is GW_ITEM_RAPID.
 */
#ifndef GW_OCM_H
#define GW_OCM_H

#include <stddef.h>
#include <stdint.h>

#include "feed.h"

struct gw_ocm_tally {
    uint64_t sites;
    uint64_t items; /* connections, or sites without any */
    uint64_t rapid;
};

/*
 * Parses a POI list and reports each item to fn(data, item) in document
 * order, adding to *tally. Returns 0, or -1 with *err set.
 */
int gw_ocm_parse(const char *body, size_t len, gw_feed_item_fn fn, void *data,
                 struct gw_ocm_tally *tally, struct gw_feed_error *err);

/* What a StatusTypeID counts as; -1 (absent or null) is unknown. */
enum gw_item_status gw_ocm_item_status(long status_type);
/* A short word for a StatusTypeID ("temporarily unavailable"), for the item's reason. */
const char *gw_ocm_status_word(long status_type);

#endif
