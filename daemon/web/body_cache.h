/*
 * The last body of an answer that is the same for every client (/metrics,
 * /api/v1/status: megabytes at 10,000 targets), rendered once and sent to
 * every client that asks within a second, without a copy: each response
 * holds a reference to the body, and the body goes with its last one.
 */
#ifndef GW_BODY_CACHE_H
#define GW_BODY_CACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How long a cached body is served after it was rendered, whatever changed since:
 * snapshots follow each other every 100 ms under load, and rendering one such
 * body for every request would let a crowd of scrapers take the processor
 * from the checks. */
#define GW_BODY_CACHE_MS 1000u

/* Room for an ETag: a quoted 64-bit hash in hexadecimal. */
#define GW_BODY_ETAG_MAX 24

/* A rendered body, shared by the cache and the responses sending it. */
struct gw_shared_body {
    atomic_uint refs;
    char *text; /* owned; NUL-terminated */
    size_t len;
    char etag[GW_BODY_ETAG_MAX]; /* "" when the body may not be stored */
};

/*
 * Drops a reference to a gw_shared_body (given as void * so that it serves
 * as libmicrohttpd's free callback), freeing it with the last. Any thread.
 */
void gw_shared_body_unref(void *body);

/* Writes the ETag of text[0 .. len) into etag (GW_BODY_ETAG_MAX bytes): "0123456789abcdef". */
void gw_body_etag(const char *text, size_t len, char *etag);

/*
 * Renders a body: returns the text (malloc'd, NUL-terminated; the cache
 * takes it) and its length in *len. `hint` is the length of the body it
 * replaces (0 for the first), to reserve room at once.
 */
typedef char *(*gw_body_render_fn)(void *ctx, size_t hint, size_t *len);

struct gw_body_cache {
    pthread_mutex_t lock;         /* guards the fields below */
    pthread_mutex_t render_lock;  /* one render at a time: the others wait for it */
    uint64_t generation, history; /* of the snapshot and availability view it shows */
    uint64_t rendered_mono_ms;
    struct gw_shared_body *body; /* NULL: empty */
};

/* An empty cache. */
void gw_body_cache_init(struct gw_body_cache *c);
/* Frees the cache and drops its body (responses still sending it keep theirs). */
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
