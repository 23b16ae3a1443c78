/*
 * One page of an OCPI 2.2.1 `locations` response (the Public Charge Point
 * Regulations 2023 make UK operators publish it): the envelope, its
 * Locations, their EVSEs as items. Pure (feed.h). Read with the streaming
 * reader (json_scan.h) rather than jansson: an operator's feed lists tens of
 * thousands of EVSEs, and building each page costs ten times reading it
 * (bench/ocpi_bench.c: 10,000 EVSEs in 18 ms, 0.16 MB).
 *
 * Envelope: an object with `status_code` (1000 is success; any other is a
 * feed_error with its `status_message`) and `data`, the list of Locations.
 * Required and read: a Location's `id`; an EVSE's `uid` and `status`. Read
 * when present: the Location's `name`, the EVSE's `evse_id` and
 * `physical_reference` (for its name), its connectors' `max_electric_power`
 * or, without it, `max_voltage` x `max_amperage` (x 3 for AC_3_PHASE), as
 * the specification says to compute it.
 *
 * Items: one per EVSE, id "<location id>/<evse uid>", status
 *   AVAILABLE, CHARGING, RESERVED   up
 *   BLOCKED, UNKNOWN                unknown
 *   INOPERATIVE, OUTOFORDER         down
 *   PLANNED, REMOVED                excluded
 *   anything else                   unknown (the word kept as the reason)
 * flagged GW_ITEM_RAPID when a connector delivers 50 kW or more.
 */
#ifndef GW_OCPI_H
#define GW_OCPI_H

#include <stddef.h>
#include <stdint.h>

#include "feed.h"

/* The EVSE statuses of OCPI 2.2.1, and one for any other word. */
enum gw_ocpi_status {
    GW_OCPI_AVAILABLE,
    GW_OCPI_BLOCKED,
    GW_OCPI_CHARGING,
    GW_OCPI_INOPERATIVE,
    GW_OCPI_OUTOFORDER,
    GW_OCPI_PLANNED,
    GW_OCPI_REMOVED,
    GW_OCPI_RESERVED,
    GW_OCPI_UNKNOWN,
    GW_OCPI_OTHER,
    GW_OCPI_STATUSES
};

/* The watts from which a charge point is rapid under the Regulations. */
#define GW_OCPI_RAPID_W 50000.0

/* Counts over the pages read so far: each parse adds to them. */
struct gw_ocpi_tally {
    uint64_t locations;
    uint64_t evses;
    uint64_t by_status[GW_OCPI_STATUSES];
    uint64_t rapid; /* EVSEs with a connector of 50 kW or more */
};

/*
 * Parses one page and reports each EVSE to fn(data, item) in document
 * order, adding to *tally. Returns 0, or -1 with *err set (items already
 * reported belong to a refused page: the caller drops them).
 */
int gw_ocpi_parse_page(const char *body, size_t len, gw_feed_item_fn fn, void *data,
                       struct gw_ocpi_tally *tally, struct gw_feed_error *err);

/* The status of an OCPI word (GW_OCPI_OTHER for any other). */
enum gw_ocpi_status gw_ocpi_status_of(const char *word);
/* What an OCPI status counts as (enum gw_item_status). */
enum gw_item_status gw_ocpi_item_status(enum gw_ocpi_status status);
/* The OCPI word of a status ("OUTOFORDER"; "other"). */
const char *gw_ocpi_status_word(enum gw_ocpi_status status);

#endif
