/*
 * Any JSON list of things with a status (a Wi-Fi controller's devices, a
 * sensor list): where the list is, and where each thing's id, status and
 * name are, are dotted paths given by the target. Pure (feed.h).
 *
 * An item's status is its status value as text (a string, number, true or
 * false), matched without regard to case against the target's lists:
 * up_values, degraded_values, excluded_values, unknown_values and, when it
 * is given, down_values. Without down_values every other text is down; with
 * it, every other text is unknown. A null status is unknown.
 *
 * Required: the list (feed_schema when the path leads nowhere, feed_parse
 * when it is not a list), each item's id and status (feed_schema when
 * missing, feed_parse when not a scalar).
 */
#ifndef GW_JSON_LIST_H
#define GW_JSON_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "feed.h"

struct gw_json_list_conf {
    struct gw_feed_path items; /* to the list; no parts: the document is the list */
    struct gw_feed_path id, status;
    struct gw_feed_path name;            /* no parts: items have no name */
    char **values[GW_ITEM_EXCLUDED + 1]; /* per status: NULL-terminated texts, or NULL */
};

struct gw_json_list_tally {
    uint64_t items;
};

/*
 * Sets up *conf from the paths (name may be NULL or "") with the default
 * value lists: up "online up ok pass operational active available true",
 * degraded "alerting degraded warn warning", unknown "unknown", no
 * excluded, no down. Returns 0, or -EINVAL naming the bad path in *bad
 * ("items", "item_id", ...), or -ENOMEM. Free with gw_json_list_conf_fini.
 */
int gw_json_list_conf_init(struct gw_json_list_conf *conf, const char *items, const char *id,
                           const char *status, const char *name, const char **bad);
/* Replaces the texts of one status (copied); n 0 with down: back to "every other text". */
int gw_json_list_conf_set(struct gw_json_list_conf *conf, enum gw_item_status status,
                          const char *const *texts, size_t n);
void gw_json_list_conf_fini(struct gw_json_list_conf *conf);

/* The status a text stands for under conf. */
enum gw_item_status gw_json_list_status(const struct gw_json_list_conf *conf, const char *text);

/*
 * Parses a document (or one page of it) and reports each item to fn(data,
 * item), adding to *tally. Returns 0, or -1 with *err set.
 */
int gw_json_list_parse(const struct gw_json_list_conf *conf, const char *body, size_t len,
                       gw_feed_item_fn fn, void *data, struct gw_json_list_tally *tally,
                       struct gw_feed_error *err);

#endif
