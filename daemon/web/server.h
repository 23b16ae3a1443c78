/*
 * The built-in web server: libmicrohttpd in threads of its own, bound to
 * daemon.listen, serving the status pages, graphs, the JSON API, /metrics
 * and /healthz (docs/web.md) from the snapshots the loop publishes. It never
 * touches the loop's state, so a slow or hostile client cannot slow the
 * checks; connection limits (in all, per address) and timeouts keep many
 * or slow clients from exhausting it.
 */
#ifndef GW_SERVER_H
#define GW_SERVER_H

#include <stddef.h>

#include "result/snapshot.h"

struct gw_rrd_writer;

/* Limits; docs/web.md explains them. */
#define GW_WEB_MAX_CONNECTIONS 512u
#define GW_WEB_MAX_PER_IP      32u
#define GW_WEB_TIMEOUT_S       15u
#define GW_WEB_THREADS         2u
/* The web's threads run at this nice value: on a busy machine the check loop
 * (nice 0) gets the processor first, so a storm of requests cannot make
 * checks late. */
#define GW_WEB_NICE 10

/* Lowers the calling thread to GW_WEB_NICE, once per thread. Any web thread. */
void gw_web_lower_priority(void);

struct gw_web;

/*
 * Starts serving on `listen` what `box` (borrowed; it must outlive the
 * server) publishes; graphs, reports and the pages' availability are read
 * after `writer` (borrowed; NULL: none) has written what it holds of them. Returns 0 and *out
 * (caller stops it with gw_web_stop), or a negative errno: -EINVAL for a bad address, -EADDRINUSE
 * and the like when it cannot listen.
 */
int gw_web_start(const char *listen, struct gw_snapshot_box *box, struct gw_rrd_writer *writer,
                 struct gw_web **out);

/* The port it listens on (useful when asked for port 0). */
unsigned gw_web_port(const struct gw_web *web);

/* Stops serving, waits for its threads, frees it. NULL does nothing. */
void gw_web_stop(struct gw_web *web);

#endif
