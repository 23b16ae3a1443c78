/*
 * The last body of an answer that is the same for every client (/metrics,
 * /api/v1/status: megabytes at 10,000 targets), rendered once and sent to
 * every client that asks within a second, without a copy: each response
 * holds a reference to the body, and the body goes with its last one. Its
 * memory then serves the next render: a fresh buffer of megabytes costs a
 * page fault per 4 KiB, which on a virtual machine is dearer than the
 * rendering itself.
 */
#ifndef GW_BODY_CACHE_H
#define GW_BODY_CACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* How long a cached body is served after it was rendered, whatever changed since:
 * snapshots follow each other every 100 ms under load, and rendering one such
 * body for every request would let a crowd of scrapers take the processor
 * from the checks. */
#define GW_BODY_CACHE_MS 1000u

/* Room for an ETag: a quoted 64-bit hash in hexadecimal. */
#define GW_BODY_ETAG_MAX 24

struct gw_body_cache;

/* A rendered body, shared by the cache and the responses sending it. */
struct gw_shared_body {
    atomic_uint refs;
    struct gw_body_cache *home;  /* takes the text back for the next render */
    struct gw_strbuf text;       /* owned */
    char etag[GW_BODY_ETAG_MAX]; /* "" when the body may not be stored */
};

/*
 * Drops a reference to a gw_shared_body (given as void * so that it serves
 * as libmicrohttpd's free callback); with the last, its text goes back to
 * its cache for the next render. Any thread.
 */
void gw_shared_body_unref(void *body);

/* Writes the ETag of text[0 .. len) into etag (GW_BODY_ETAG_MAX bytes): "0123456789abcdef". */
void gw_body_etag(const char *text, size_t len, char *etag);

/*
 * Renders a body into `out`: empty, but it may have room already (the
 * memory of a body that went).
 */
typedef void (*gw_body_render_fn)(void *ctx, struct gw_strbuf *out);

struct gw_body_cache {
    pthread_mutex_t lock;         /* guards the fields below */
    pthread_mutex_t render_lock;  /* one render at a time: the others wait for it */
    uint64_t generation, history; /* of the snapshot and availability view it shows */
    uint64_t rendered_mono_ms;
    struct gw_shared_body *body; /* NULL: empty */
    struct gw_strbuf spare;      /* the memory of the last body that went */
};

/* An empty cache. */
void gw_body_cache_init(struct gw_body_cache *c);
/* Frees the cache and its body. No response may still hold one of its bodies. */
void gw_body_cache_fini(struct gw_body_cache *c);

/*
 * The body for (generation, history): the cached one if it shows them or
 * was rendered less than GW_BODY_CACHE_MS ago, else a new one from `render`
 * (with an ETag when `tagged`), which the cache then keeps. Returns a
 * reference (caller drops it with gw_shared_body_unref). Any thread.
 */
struct gw_shared_body *gw_body_cache_get(struct gw_body_cache *c, uint64_t generation,
                                         uint64_t history, bool tagged, gw_body_render_fn render,
                                         void *ctx);

#endif
