/*
 * Graphs on demand for the web server: /graph/<subject>.png|svg. Drawn by
 * one worker thread with the graph module (which serialises librrd's
 * graphing anyway), after the RRD writer has written what it holds of the
 * subject's files (however long daemon.rrd_write_delay holds points), and kept
 * briefly (GW_GRAPHS_TTL_MS) so a page viewed by many draws its graph once.
 * The server's threads never wait for a drawing: a request for a graph not
 * in the cache is handed to the worker, and its completion callback (called
 * on the worker thread) resumes the connection.
 */
#ifndef GW_GRAPHS_H
#define GW_GRAPHS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "result/snapshot.h"

struct gw_rrd_writer;

#define GW_GRAPHS_TTL_MS 15000u
#define GW_GRAPHS_CACHE  64u

/* A drawn image, shared by the cache and the responses that send it. */
struct gw_graph_image {
    atomic_uint refs;
    int status;  /* 0, or the negative errno of gw_graph_render */
    char *error; /* a sentence when status < 0 */
    size_t size;
    uint64_t drawn_mono_ms;
    unsigned char data[];
};

void gw_graph_image_unref(struct gw_graph_image *img);

struct gw_graph_key {
    char subject[160]; /* "wales", "<council>", "<council>/<target>" */
    enum gw_graph_period period;
    enum gw_lang lang;
    enum gw_graph_format format;
};

/* Called on the worker thread with the image (a reference the callee owns). */
typedef void (*gw_graphs_done_fn)(void *data, struct gw_graph_image *img);

struct gw_graphs;

/* A worker that flushes `writer` (borrowed; NULL: none) before drawing. Caller frees. */
struct gw_graphs *gw_graphs_new(struct gw_rrd_writer *writer);
/* Stops the worker; queued requests complete with -ECANCELED. NULL does nothing. */
void gw_graphs_free(struct gw_graphs *g);

/* The cached image of `key` drawn within the TTL (a reference), or NULL. Any thread. */
struct gw_graph_image *gw_graphs_cached(struct gw_graphs *g, const struct gw_graph_key *key);

/*
 * Queues a drawing of `key` from the snapshot `s` (a reference is taken).
 * `done` is called exactly once, on the worker thread. Any thread.
 */
void gw_graphs_request(struct gw_graphs *g, struct gw_snapshot *s, const struct gw_graph_key *key,
                       gw_graphs_done_fn done, void *data);

#endif
