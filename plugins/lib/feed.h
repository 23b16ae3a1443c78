/*
 * What the feed parsers share: how they hand over items and say why a
 * document is refused, and the few JSON readings every one of them makes
 * (loading with a reason for each failure, dotted paths, a value as text).
 *
 * The parsers (ocpi.h, ocm.h, json_list.h, health_doc.h) are pure: bytes in,
 * items and tallies out through a callback, no I/O, no clock, nothing kept
 * between calls. A document is someone else's server's output: every
 * failure has a reason and a sentence, and nothing in a document makes a
 * parser crash or keep memory beyond that document's (jansson, and the
 * streaming reader of json_scan.h, refuse nesting deeper than 2048).
 *
 * Failure reasons (the plugin.h vocabulary):
 *   feed_parse   not JSON, or a value of the wrong type
 *   feed_schema  a required field is missing, or the document is not of the
 *                kind expected
 *   feed_error   the document is well formed and reports an error itself
 */
#ifndef GW_FEED_H
#define GW_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <gwyliwr/plugin.h>

/* Why a document was refused: a GW_REASON_FEED_* word and a sentence. */
struct gw_feed_error {
    const char *reason; /* NULL: no error */
    char message[256];
};

/* One item found in a document. Borrowed for the callback only. */
struct gw_feed_item {
    const char *id;
    const char *name;   /* NULL when none */
    const char *reason; /* the feed's own word for the status, NULL when none */
    enum gw_item_status status;
    uint32_t flags; /* GW_ITEM_* */
};

typedef void (*gw_feed_item_fn)(void *data, const struct gw_feed_item *item);

/* A dotted path into a document ("data.items", "status.indicator"), split once. */
struct gw_feed_path {
    char **parts;
    size_t n; /* 0: the document itself */
};

/* Sets the error (reason and printf-style sentence) and returns -1. */
int gw_feed_fail(struct gw_feed_error *err, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Parses `len` bytes of JSON (any value at the top). Returns the document
 * (caller decrefs), or NULL with err set: feed_parse with jansson's line,
 * column and words, or for an empty body.
 */
json_t *gw_feed_load(const char *body, size_t len, struct gw_feed_error *err);

/*
 * Splits a dotted path into *out ("" is the document itself). Returns 0, or
 * -EINVAL for an empty part ("a..b", ".a", "a.") or -ENOMEM. Free with
 * gw_feed_path_fini.
 */
int gw_feed_path_init(struct gw_feed_path *out, const char *path);
void gw_feed_path_fini(struct gw_feed_path *path);
/* The value at `path` under `v` (object members; array indexes in digits), or NULL. */
json_t *gw_feed_path_get(json_t *v, const struct gw_feed_path *path);

/*
 * A scalar as text in buf: a string as it is, a number as %.17g shortest,
 * true/false. Returns buf, or NULL for null, an object or an array.
 */
const char *gw_feed_scalar(json_t *v, char *buf, size_t size);

/* The JSON type of v for messages: "a string", "a number", "an object", ... */
const char *gw_feed_type_name(json_t *v);

#endif
