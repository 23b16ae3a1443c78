#include "web/body_cache.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/clock.h"
#include "util/hash.h"
#include "util/xalloc.h"

void gw_shared_body_unref(void *body)
{
    struct gw_shared_body *b = body;
    if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    struct gw_body_cache *c = b->home;
    pthread_mutex_lock(&c->lock);
    /* The larger of the two is kept: bodies grow with the configuration. */
    if (b->text.cap > c->spare.cap) {
        struct gw_strbuf smaller = c->spare;
        c->spare = b->text;
        b->text = smaller;
    }
    pthread_mutex_unlock(&c->lock);
    gw_strbuf_reset(&b->text);
    free(b);
}

/* FNV-1a: the ETag only has to change when the body does. */
void gw_body_etag(const char *text, size_t len, char *etag)
{
    uint64_t h = gw_hash_bytes(GW_HASH_FNV_OFFSET, text, len);
    snprintf(etag, GW_BODY_ETAG_MAX, "\"%016llx\"", (unsigned long long)h);
}

void gw_body_cache_init(struct gw_body_cache *c)
{
    *c = (struct gw_body_cache){0};
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->render_lock, NULL);
}

void gw_body_cache_fini(struct gw_body_cache *c)
{
    gw_shared_body_unref(c->body);
    c->body = NULL;
    gw_strbuf_reset(&c->spare);
    pthread_mutex_destroy(&c->render_lock);
    pthread_mutex_destroy(&c->lock);
}

/* The cached body, referenced, if it may serve (generation, history); else NULL. */
static struct gw_shared_body *cached(struct gw_body_cache *c, uint64_t generation, uint64_t history)
{
    struct gw_shared_body *b = NULL;
    uint64_t now = gw_clock_mono_ms();
    pthread_mutex_lock(&c->lock);
    bool same = c->generation == generation && c->history == history;
    if (c->body && (same || now - c->rendered_mono_ms < GW_BODY_CACHE_MS)) {
        b = c->body;
        atomic_fetch_add(&b->refs, 1);
    }
    pthread_mutex_unlock(&c->lock);
    return b;
}

struct gw_shared_body *gw_body_cache_get(struct gw_body_cache *c, uint64_t generation,
                                         uint64_t history, bool tagged, gw_body_render_fn render,
                                         void *ctx)
{
    struct gw_shared_body *b = cached(c, generation, history);
    if (b)
        return b;
    pthread_mutex_lock(&c->render_lock);
    /* Another thread may have rendered it while this one waited. */
    b = cached(c, generation, history);
    if (b) {
        pthread_mutex_unlock(&c->render_lock);
        return b;
    }
    b = gw_xcalloc(1, sizeof(*b));
    b->home = c;
    pthread_mutex_lock(&c->lock);
    b->text = c->spare;
    c->spare = (struct gw_strbuf){0};
    size_t last_len = c->body ? c->body->text.len : 0;
    pthread_mutex_unlock(&c->lock);
    b->text.len = 0;
    gw_strbuf_reserve(&b->text, last_len + last_len / 8);
    render(ctx, &b->text);
    if (tagged)
        gw_body_etag(b->text.s, b->text.len, b->etag);
    atomic_init(&b->refs, 2); /* the cache's and the caller's */
    pthread_mutex_lock(&c->lock);
    struct gw_shared_body *old = c->body;
    c->body = b;
    c->generation = generation;
    c->history = history;
    c->rendered_mono_ms = gw_clock_mono_ms();
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_unlock(&c->render_lock);
    gw_shared_body_unref(old);
    return b;
}
