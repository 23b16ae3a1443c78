/*
 * HTTP and HTTPS listeners (and the control listener) on libmicrohttpd.
 *
 * Each listener is an MHD daemon in external-polling epoll mode: the loop
 * watches MHD's epoll descriptor with a uv_poll and calls MHD_run() when it
 * is readable or when MHD's timeout comes, so requests are answered on the
 * loop thread, where the behaviours live. Delays and trickled bodies suspend
 * the connection and resume it from a loop timer; no thread ever sleeps.
 */
#ifndef SIM_HTTP_H
#define SIM_HTTP_H

#include "sim.h"

/* Binds the listener and starts its MHD daemon. Returns 0 or a negative errno (logged). */
int sim_http_start(struct sim_listener *l);
/* Ends every request and stops the daemon; memory is released on the loop. */
void sim_http_stop(struct sim_listener *l);
/* Control listener: answers the requests that waited for the estate to settle. */
void sim_http_settled(struct sim_listener *l);

#endif
