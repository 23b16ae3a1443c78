#include "web/graphs.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/rrd_writer.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "web/server.h"

/* How long a drawing waits for the writer at most: then it draws what is on disk. */
#define SYNC_TIMEOUT_MS 2000u

struct job {
    struct job *next;
    struct gw_snapshot *snap;
    struct gw_graph_key key;
    gw_graphs_done_fn done;
    void *data;
};

struct slot {
    struct gw_graph_key key;
    struct gw_graph_image *img; /* NULL: empty */
};

struct gw_graphs {
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;                      /* under lock */
    struct job *head, *tail;            /* under lock */
    struct slot cache[GW_GRAPHS_CACHE]; /* under lock */
    struct gw_rrd_writer *writer;
};

void gw_graph_image_unref(struct gw_graph_image *img)
{
    if (!img || atomic_fetch_sub_explicit(&img->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(img->error);
    free(img);
}

static struct gw_graph_image *image_ref(struct gw_graph_image *img)
{
    atomic_fetch_add_explicit(&img->refs, 1, memory_order_relaxed);
    return img;
}

static bool key_eq(const struct gw_graph_key *a, const struct gw_graph_key *b)
{
    return a->period == b->period && a->lang == b->lang && a->format == b->format &&
           strcmp(a->subject, b->subject) == 0;
}

/* Under lock. */
static struct gw_graph_image *lookup(struct gw_graphs *g, const struct gw_graph_key *key)
{
    uint64_t now = gw_clock_mono_ms();
    for (size_t i = 0; i < GW_GRAPHS_CACHE; i++) {
        struct slot *s = &g->cache[i];
        if (s->img && key_eq(&s->key, key) && now - s->img->drawn_mono_ms < GW_GRAPHS_TTL_MS)
            return image_ref(s->img);
    }
    return NULL;
}

/* Under lock: the same key's slot, an empty one, or the oldest. */
static void store(struct gw_graphs *g, const struct gw_graph_key *key, struct gw_graph_image *img)
{
    struct slot *victim = &g->cache[0];
    for (size_t i = 0; i < GW_GRAPHS_CACHE; i++) {
        struct slot *s = &g->cache[i];
        if (!s->img || key_eq(&s->key, key)) {
            victim = s;
            break;
        }
        if (s->img->drawn_mono_ms < victim->img->drawn_mono_ms)
            victim = s;
    }
    gw_graph_image_unref(victim->img);
    victim->key = *key;
    victim->img = image_ref(img);
}

struct gw_graph_image *gw_graphs_cached(struct gw_graphs *g, const struct gw_graph_key *key)
{
    pthread_mutex_lock(&g->lock);
    struct gw_graph_image *img = lookup(g, key);
    pthread_mutex_unlock(&g->lock);
    return img;
}

static struct gw_graph_image *failure(int status, const char *error)
{
    struct gw_graph_image *img = gw_xcalloc(1, sizeof(*img));
    atomic_init(&img->refs, 1);
    img->status = status;
    img->error = gw_xstrdup(error ? error : "");
    img->drawn_mono_ms = gw_clock_mono_ms();
    return img;
}

static struct gw_graph_image *draw(struct gw_graphs *g, const struct job *job)
{
    /* Points held back by rrd_write_delay are drawn too: the subject's files are written first. */
    if (g->writer) {
        bool wales = strcmp(job->key.subject, "wales") == 0;
        gw_rrd_writer_sync(g->writer, wales ? NULL : job->key.subject, SYNC_TIMEOUT_MS);
    }
    int64_t now_s = (int64_t)time(NULL);
    struct gw_graph_request req = {
        .subject = job->key.subject,
        .start_s = now_s - gw_graph_period_seconds(job->key.period),
        .end_s = now_s,
        .period = job->key.period,
        .lang = job->key.lang,
        .format = job->key.format,
    };
    unsigned char *data = NULL;
    size_t size = 0;
    char *error = NULL;
    int rc = gw_graph_render(job->snap->config, &req, &data, &size, &error);
    if (rc < 0) {
        struct gw_graph_image *img = failure(rc, error);
        free(error);
        return img;
    }
    struct gw_graph_image *img = gw_xmalloc(sizeof(*img) + size);
    atomic_init(&img->refs, 1);
    img->status = 0;
    img->error = NULL;
    img->size = size;
    img->drawn_mono_ms = gw_clock_mono_ms();
    memcpy(img->data, data, size);
    free(data);
    return img;
}

static void *graphs_main(void *arg)
{
    struct gw_graphs *g = arg;
    gw_web_lower_priority();
    pthread_mutex_lock(&g->lock);
    for (;;) {
        while (!g->head && !g->stopping)
            pthread_cond_wait(&g->wake, &g->lock);
        struct job *job = g->head;
        if (!job)
            break; /* stopping, nothing queued */
        g->head = job->next;
        if (!g->head)
            g->tail = NULL;
        bool stopping = g->stopping;
        /* Another request may have drawn it while this one waited. */
        struct gw_graph_image *img = stopping ? NULL : lookup(g, &job->key);
        pthread_mutex_unlock(&g->lock);
        if (stopping)
            img = failure(-ECANCELED, "the daemon is stopping");
        else if (!img) {
            img = draw(g, job);
            pthread_mutex_lock(&g->lock);
            store(g, &job->key, img);
            pthread_mutex_unlock(&g->lock);
        }
        job->done(job->data, img);
        gw_snapshot_unref(job->snap);
        free(job);
        pthread_mutex_lock(&g->lock);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

struct gw_graphs *gw_graphs_new(struct gw_rrd_writer *writer)
{
    struct gw_graphs *g = gw_xcalloc(1, sizeof(*g));
    g->writer = writer;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->wake, NULL);
    g->started = pthread_create(&g->thread, NULL, graphs_main, g) == 0;
    return g;
}

void gw_graphs_request(struct gw_graphs *g, struct gw_snapshot *s, const struct gw_graph_key *key,
                       gw_graphs_done_fn done, void *data)
{
    struct job *job = gw_xcalloc(1, sizeof(*job));
    job->snap = gw_snapshot_ref(s);
    job->key = *key;
    job->done = done;
    job->data = data;
    pthread_mutex_lock(&g->lock);
    bool refused = g->stopping || !g->started;
    if (!refused) {
        if (g->tail)
            g->tail->next = job;
        else
            g->head = job;
        g->tail = job;
        pthread_cond_signal(&g->wake);
    }
    pthread_mutex_unlock(&g->lock);
    if (refused) {
        /* Exactly once, even now: the caller expects the callback. */
        done(data, failure(-ECANCELED, "graphs cannot be drawn now"));
        gw_snapshot_unref(job->snap);
        free(job);
    }
}

void gw_graphs_free(struct gw_graphs *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    g->stopping = true;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
    if (g->started)
        pthread_join(g->thread, NULL);
    for (size_t i = 0; i < GW_GRAPHS_CACHE; i++)
        gw_graph_image_unref(g->cache[i].img);
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->lock);
    free(g);
}
