/*
 * The items of one result: what a feed check reported through
 * host->check_item (EVSEs, access points, components), their counts, the
 * verdict they give the target (min_up, the reliability figure of rapid
 * charge points), and how a list differs from the previous one.
 *
 * A list is built on the loop thread while its check runs, then handed on
 * with the result. Once the funnel has stamped each item's `since` and kept
 * the list as the target's live state it is never changed again, so it is
 * shared by reference: a status page snapshot takes a reference instead of a
 * copy, from any thread.
 *
 * Pure: no I/O, no clocks read inside.
 */
#ifndef GW_ITEMS_H
#define GW_ITEMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gwyliwr/plugin.h>

#include "result/result.h"

#define GW_ITEMS_MAX       100000 /* items listed per result; more are counted only */
#define GW_ITEM_ID_MAX     120    /* bytes of an id kept */
#define GW_ITEM_NAME_MAX   120    /* bytes of a name kept */
#define GW_ITEM_REASON_MAX 31     /* bytes of a reason kept */
#define GW_ITEM_STATUSES   5      /* enum gw_item_status */

/* One item as the status page shows it. Strings are borrowed from the list. */
struct gw_item_rec {
    const char *id;
    const char *name;   /* "" when the feed gives none */
    const char *reason; /* the feed's own word for the status; "" when none */
    int64_t since_ms;   /* wall clock since when the item is in this status; 0 unknown */
    uint8_t status;     /* enum gw_item_status */
    uint8_t flags;      /* GW_ITEM_* */
};

struct gw_item_tally {
    uint64_t n[GW_ITEM_STATUSES]; /* every item counted, by status */
    uint64_t rapid_total;         /* GW_ITEM_RAPID items not excluded */
    uint64_t rapid_down;          /* of those, down */
    uint64_t duplicates;          /* ids reported again in the same result: ignored */
    uint64_t unlisted;            /* counted, but beyond GW_ITEMS_MAX: not listed */
};

struct gw_items;

/* An empty list (one reference). Caller releases with gw_items_unref. */
struct gw_items *gw_items_new(void);
/* Takes one more reference; returns items. Any thread. */
struct gw_items *gw_items_ref(struct gw_items *items);
/* Drops a reference, freeing the list with the last. NULL does nothing. Any thread. */
void gw_items_unref(struct gw_items *items);

/*
 * Adds an item (strings copied, cut to their maximum on a UTF-8 boundary,
 * control characters replaced so that a log line stays one line; a NULL or
 * empty id is "?"). Returns 0; -EEXIST when the id is listed already (the
 * first stays, the duplicate is counted); -E2BIG when the list is full (the
 * item is counted in the tally only). A status out of range is unknown.
 */
int gw_items_add(struct gw_items *items, const char *id, int status, const char *reason,
                 const char *name, uint32_t flags);

/* Items listed. */
size_t gw_items_count(const struct gw_items *items);
/* Item i (< count). Borrowed for the list's life. */
const struct gw_item_rec *gw_items_at(const struct gw_items *items, size_t i);
/* The item with this id, or NULL. */
const struct gw_item_rec *gw_items_find(const struct gw_items *items, const char *id);
/* The counts. Borrowed. */
const struct gw_item_tally *gw_items_tally(const struct gw_items *items);
/* Sets item i's since_ms: only while the list is not yet shared (the funnel). */
void gw_items_set_since(struct gw_items *items, size_t i, int64_t since_ms);

/* "up", "degraded", "down", "unknown", "excluded". */
const char *gw_item_status_word(int status);
/* "UP", "DEGRADED", "DOWN", "UNKNOWN", "EXCLUDED". */
const char *gw_item_status_name(int status);

/*
 * The share of working items: (up + degraded) / (up + degraded + down),
 * unknown and excluded left out; NAN when no item counts.
 */
double gw_items_share_up(const struct gw_item_tally *tally);

/*
 * Applies a complete list to its result: the figures items_total, items_up,
 * items_degraded, items_down, items_unknown, items_excluded and, when some
 * item is rapid, rapid_total, rapid_down and rapid_reliability (see
 * plugin.h). When `min_up` (a ratio; 0 or NAN: none) is not met by a result
 * the plugin found up, the result becomes DEGRADED (too_few_up) and its
 * message says by how much. Duplicates and unlisted items get a detail line.
 */
void gw_items_judge(const struct gw_items *items, double min_up, struct gw_result *result);

enum gw_item_change {
    GW_ITEM_APPEARED, /* in the new list only: `before` is NULL */
    GW_ITEM_GONE,     /* in the old list only: `after` is NULL */
    GW_ITEM_CHANGED,  /* in both, with another status */
};

typedef void (*gw_items_change_cb)(void *data, enum gw_item_change change,
                                   const struct gw_item_rec *before,
                                   const struct gw_item_rec *after);

/*
 * Stamps each item of `next` with since when it is in its status: carried
 * over from `prev` when it was there in the same status, else `now_ms`; and
 * reports every difference to `cb` (when not NULL): items that appeared or
 * changed in the order of `next`, then those gone in the order of `prev`.
 * With no previous list (`prev` NULL: the first after start) every item is
 * new but nothing is reported. Returns the number of differences.
 */
size_t gw_items_track(const struct gw_items *prev, struct gw_items *next, int64_t now_ms,
                      gw_items_change_cb cb, void *data);

#endif
