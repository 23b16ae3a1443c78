/*
 * What the feed check types (ocpi, ocm, json_feed, health) share beyond
 * parsing: the keys of a feed's HTTP request, read from the target's
 * configuration, and one run that fetches a feed through the daemon's HTTP
 * client, page after page, and hands each page to the type's parser.
 *
 * Not pure (it runs on the loop and calls the host), unlike the parsers.
 *
 * A run ends the check itself when a page cannot be had, with the reason:
 *
 *   no response (dns, connect_refused, timeout, tls_*, ...)   down
 *   HTTP 429 (Retry-After honoured: the next check waits)     unknown rate_limited
 *   any other status but 2xx (and 503 when the type reads it) down    http_status
 *   a body over max_body                                      down    feed_too_large
 *   the parser refuses the page                               down    its reason
 *   a next link to another host, back to a page read, or past
 *   max_pages                                                 down    feed_paging
 *
 * and otherwise calls the type's end function, which completes it. Each
 * page's `Link: <...>; rel="next"` is followed when paging is on. Figures
 * recorded: latency (all pages together), pages, size (bytes of all pages).
 */
#ifndef GW_FEED_FETCH_H
#define GW_FEED_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gwyliwr/plugin.h>

#include "feed.h"
#include "http_conf.h"

#define GW_FEED_DEFAULT_MAX_BODY  (16u * 1024u * 1024u)
#define GW_FEED_MAX_MAX_BODY      (1024u * 1024u * 1024u)
#define GW_FEED_DEFAULT_MAX_PAGES 100
#define GW_FEED_MAX_MAX_PAGES     10000

/* The keys of a feed's request, to put in a check type's keys. */
/* clang-format off */
#define GW_FEED_HTTP_KEYS                                                                          \
    {"url", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "http:// or https:// URL of the feed"},          \
    GW_HTTP_CONF_KEYS,                                                                             \
    {"max_body", GW_CFG_SIZE, 0, NULL,                                                             \
     "bytes of one document read at most (default 16MiB); a larger one is feed_too_large"}
#define GW_FEED_PAGING_KEYS                                                                        \
    {"max_pages", GW_CFG_INT, 0, NULL,                                                             \
     "pages followed at most through Link: rel=\"next\" (default 100; 1: no paging)"}
/* Figures every feed check records beside its items. */
#define GW_FEED_FIGURES                                                                            \
    {"pages", "count", 0, NAN}, {"size", "B", 0, NAN}
/* clang-format on */

/* A feed's request, built by gw_feed_http_configure. */
struct gw_feed_http {
    char *url;
    char *host; /* for the per-host cap and messages, without IPv6 brackets */
    struct gw_http_headers headers;
    bool tls_verify;
    char *ca_pem;
    int ip; /* 0 any, 4, 6 */
    uint64_t max_body;
    uint32_t max_pages; /* 1: the first page only */
};

/*
 * Reads the GW_FEED_HTTP_KEYS (and, when `paging`, GW_FEED_PAGING_KEYS) of
 * a target into *out, reporting every problem at its position. Returns 0,
 * or -EINVAL / -ENOMEM; in every case free *out with gw_feed_http_fini.
 */
int gw_feed_http_configure(const struct gw_host *host, const struct gw_cfg *target, bool paging,
                           struct gw_feed_http *out);
/*
 * Adds a request header (name and value copied; a secret is wiped when
 * freed). Returns 0, -EINVAL for a name or value that cannot be a header,
 * or -ENOMEM.
 */
int gw_feed_http_add_header(struct gw_feed_http *http, const char *name, const char *value);
/* True when the request has a header of this name (any case). */
bool gw_feed_http_has_header(const struct gw_feed_http *http, const char *name);
void gw_feed_http_fini(struct gw_feed_http *http);

/* One page, as handed to the type's parser. Borrowed for the call. */
struct gw_feed_page {
    const struct gw_http_response *response;
    const char *url;
    unsigned number; /* from 1 */
};

/* Parses a page: 0 to go on, or -1 with *err set to end the check DOWN with its reason. */
typedef int (*gw_feed_page_fn)(void *data, const struct gw_feed_page *page,
                               struct gw_feed_error *err);
/*
 * Every page was read: the type completes the check (check_items_complete,
 * check_done) here. `pages` read; `where` is "host:port" for messages.
 */
typedef void (*gw_feed_end_fn)(void *data, unsigned pages, const char *where);

struct gw_feed_fetch;

/*
 * Starts fetching `conf`'s feed for `check`: pages go to page_fn, the end to
 * end_fn, both with `data`, which the run owns from now on and frees with
 * data_free when it ends (after the check is completed) or is cancelled.
 * `accept_503`: a 503 answer is read like a 200 (a health document says
 * why it is down). Returns 0 with *out set, or a negative errno (data not
 * taken) and never calls anything.
 */
int gw_feed_fetch_start(const struct gw_host *host, const struct gw_feed_http *conf,
                        struct gw_check *check, bool accept_503, gw_feed_page_fn page_fn,
                        gw_feed_end_fn end_fn, void *data, void (*data_free)(void *),
                        struct gw_feed_fetch **out);
/* Abandons a run (the check's cancel()): no callback is called again; data is freed. */
void gw_feed_fetch_cancel(struct gw_feed_fetch *fetch);

/*
 * A check type's start() in one call: allocates the type's run state of
 * `run_size` bytes (zeroed; it begins with a struct gw_feed_sink, filled
 * in with host, check and conf), and starts fetching `http` with it as the
 * data of page_fn and end_fn. *run_out is what the type's cancel() hands to
 * gw_feed_fetch_cancel. Returns 0, -ENOTSUP when the daemon's host table
 * has no items, or another negative errno.
 */
int gw_feed_check_start(const struct gw_host *host, const struct gw_feed_http *http,
                        const void *conf, struct gw_check *check, bool accept_503, size_t run_size,
                        gw_feed_page_fn page_fn, gw_feed_end_fn end_fn, void **run_out);

/*
 * Where a parser's items go: the check's items (host->check_item), counted
 * by status for the check's sentence. Use gw_feed_sink_item as the parser's
 * gw_feed_item_fn with a sink as its data.
 */
struct gw_feed_sink {
    const struct gw_host *host;
    struct gw_check *check;
    const void *conf; /* the check type's configuration of the target */
    uint64_t n[GW_ITEM_EXCLUDED + 1];
    uint64_t rapid, rapid_down; /* GW_ITEM_RAPID items in service, and those down */
};

void gw_feed_sink_item(void *sink, const struct gw_feed_item *item);

/*
 * "8 up, 3 down, 2 unknown, 2 not in service" (statuses with none left out;
 * "none" when there are no items) into buf.
 */
void gw_feed_sink_counts(const struct gw_feed_sink *sink, char *buf, size_t size);
/*
 * "; rapid chargers: 13 of 15 working (86.7%)" when some item is rapid,
 * else "" (the daemon records the figure; this says it in the sentence).
 */
void gw_feed_sink_rapid(const struct gw_feed_sink *sink, char *buf, size_t size);

/* The value of a response header (borrowed from the response), or NULL. */
const char *gw_feed_header(const struct gw_http_response *r, const char *name);

#endif
