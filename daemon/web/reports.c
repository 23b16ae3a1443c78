#include "web/reports.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "storage/rrd_writer.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/xalloc.h"

struct entry {
    uint64_t key;  /* hash of the request and of the configuration; 0: empty */
    char *request; /* the request as text, to tell hash collisions apart */
    uint64_t built_mono_ms, ttl_ms;
    struct gw_report_web_reply reply;
};

/* How long a report waits for the writer at most: then it reads what is on disk. */
#define SYNC_TIMEOUT_MS 5000u

struct gw_web_reports {
    pthread_mutex_t lock;  /* the cache */
    pthread_mutex_t build; /* one report at a time */
    struct entry cache[GW_WEB_REPORTS_CACHE];
    struct gw_rrd_writer *writer;
};

struct gw_web_reports *gw_web_reports_new(struct gw_rrd_writer *writer)
{
    struct gw_web_reports *w = gw_xcalloc(1, sizeof(*w));
    w->writer = writer;
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_init(&w->build, NULL);
    return w;
}

static void entry_clear(struct entry *e)
{
    free(e->request);
    free(e->reply.body);
    free(e->reply.title);
    memset(e, 0, sizeof(*e));
}

void gw_web_reports_free(struct gw_web_reports *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < GW_WEB_REPORTS_CACHE; i++)
        entry_clear(&w->cache[i]);
    pthread_mutex_destroy(&w->lock);
    pthread_mutex_destroy(&w->build);
    free(w);
}

/*
 * What tells one configuration from another without holding it: its address
 * and what its targets do (a reload makes a new configuration; one made at
 * the same address is the same unless a target changed).
 */
static uint64_t config_identity(const struct gw_config *config)
{
    uint64_t h = gw_hash_mix((uint64_t)(uintptr_t)config);
    for (size_t i = 0; i < config->n_targets; i++)
        h = gw_hash_mix(h ^ config->targets[i].fingerprint);
    return h ^ config->n_targets;
}

static void copy_reply(struct gw_report_web_reply *to, const struct gw_report_web_reply *from)
{
    *to = *from;
    to->body = gw_xreallocarray(NULL, from->len + 1, 1);
    memcpy(to->body, from->body, from->len + 1);
    to->title = from->title ? gw_xstrdup(from->title) : NULL;
}

/* Under lock: a live entry for `key`, or NULL. */
static struct entry *lookup(struct gw_web_reports *w, uint64_t key, const char *request)
{
    uint64_t now = gw_clock_mono_ms();
    for (size_t i = 0; i < GW_WEB_REPORTS_CACHE; i++) {
        struct entry *e = &w->cache[i];
        if (e->key == key && strcmp(e->request, request) == 0 && now - e->built_mono_ms < e->ttl_ms)
            return e;
    }
    return NULL;
}

/* Under lock: keeps a copy of `reply` in the slot of the same request, an empty one or the oldest.
 */
static void store(struct gw_web_reports *w, uint64_t key, const char *request,
                  const struct gw_report_web_reply *reply)
{
    struct entry *victim = &w->cache[0];
    for (size_t i = 0; i < GW_WEB_REPORTS_CACHE; i++) {
        struct entry *e = &w->cache[i];
        if (!e->key || (e->key == key && strcmp(e->request, request) == 0)) {
            victim = e;
            break;
        }
        if (e->built_mono_ms < victim->built_mono_ms)
            victim = e;
    }
    entry_clear(victim);
    victim->key = key;
    victim->request = gw_xstrdup(request);
    victim->built_mono_ms = gw_clock_mono_ms();
    victim->ttl_ms = reply->complete ? GW_WEB_REPORTS_DONE_MS : GW_WEB_REPORTS_OPEN_MS;
    copy_reply(&victim->reply, reply);
}

static bool cached(struct gw_web_reports *w, uint64_t key, const char *request,
                   struct gw_report_web_reply *out)
{
    pthread_mutex_lock(&w->lock);
    struct entry *e = lookup(w, key, request);
    if (e)
        copy_reply(out, &e->reply);
    pthread_mutex_unlock(&w->lock);
    return e != NULL;
}

int gw_web_reports_get(struct gw_web_reports *w, const struct gw_config *config,
                       enum gw_report_web_kind kind, const char *rest, const char *category,
                       enum gw_lang lang, int64_t now_ms, struct gw_report_web_reply *out)
{
    char *request = gw_xasprintf("%d %d %s?%s%s", (int)kind, (int)lang, rest ? rest : "",
                                 category ? "category=" : "", category ? category : "");
    uint64_t key = gw_hash_mix(gw_hash_str(request) ^ config_identity(config));
    if (!key)
        key = 1;
    int rc = 0;
    if (cached(w, key, request, out))
        goto done;
    /* A second report waits for nobody: building one holds a server thread. */
    if (pthread_mutex_trylock(&w->build) != 0) {
        rc = -EBUSY;
        goto done;
    }
    /* Another request may have built it while this one looked. */
    if (!cached(w, key, request, out)) {
        struct gw_report_html_options html = {.fragment = true};
        if (w->writer)
            gw_rrd_writer_sync(w->writer, NULL, SYNC_TIMEOUT_MS);
        gw_report_web_handle(config, kind, rest, category, lang, now_ms, &html, out);
        if (out->status == 200) {
            pthread_mutex_lock(&w->lock);
            store(w, key, request, out);
            pthread_mutex_unlock(&w->lock);
        }
    }
    pthread_mutex_unlock(&w->build);
done:
    free(request);
    return rc;
}
