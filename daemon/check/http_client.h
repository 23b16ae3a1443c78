/*
 * The shared HTTP client: one libcurl multi handle driven by the libuv loop
 * (curl's sockets watched with uv_poll, its timer a uv_timer, both handed to
 * curl_multi_socket_action), so any number of requests run at once on the
 * loop thread and none of them blocks it.
 *
 * Checks, feeds and notifiers reach it through the host table
 * (host->http_start / host->http_cancel of <gwyliwr/plugin.h>); its requests
 * and responses are the ABI's struct gw_http_request and gw_http_response.
 *
 * What every request gets, whatever the caller asks:
 *  - a fresh connection unless reuse_connection is set (connect and TLS are
 *    then measured every time) and no TLS session resumption;
 *  - a fresh name lookup: the DNS cache is off, so the dns phase is measured
 *    and a name that stops resolving fails at the next check;
 *  - Accept-Encoding for every encoding libcurl decodes, and the body
 *    decoded before anyone sees it (also when the server compresses
 *    unasked); the response's `bytes` are the body as sent;
 *  - at most max_body bytes of (decoded) body kept (1 MiB by default):
 *    reading stops there and the response says body_truncated;
 *  - the caller's timeout, enforced by a loop timer of the call's own that
 *    ends the request with the phase it was in;
 *  - http and https only, also across redirects; no proxy unless given (the
 *    *_proxy environment variables are ignored);
 *  - smtp:// and smtps:// (mail_from set): handed to check/mail_client.h,
 *    which sends from a thread, since libcurl's SMTP waits for replies.
 *
 * Easy handles are pooled, not kept per request or target: a used handle
 * holds a 16 KiB receive buffer, so memory follows the requests in flight,
 * not the number of targets.
 */
#ifndef GW_HTTP_CLIENT_H
#define GW_HTTP_CLIENT_H

#include <stdint.h>

#include <uv.h>

#include <gwyliwr/plugin.h>

struct gw_http_client;

/* Easy handles kept idle for the next requests; more are freed when done. */
#define GW_HTTP_POOL_MAX 64

/* The default of gw_http_request.max_body. */
#define GW_HTTP_DEFAULT_MAX_BODY (1024u * 1024u)

struct gw_http_client_stats {
    unsigned in_flight;    /* requests started and not yet done or cancelled */
    unsigned sockets;      /* sockets curl has asked us to watch */
    unsigned idle_handles; /* easy handles in the pool */
    uint64_t handles_made; /* easy handles created since the start */
    uint64_t started;      /* requests started */
    uint64_t completed;    /* done callbacks made */
};

/*
 * A client on `loop`. Never fails (out of memory aborts). Caller frees with
 * gw_http_client_free. The client keeps the loop alive only while requests
 * are in flight.
 */
struct gw_http_client *gw_http_client_new(uv_loop_t *loop);

/*
 * Abandons every request in flight (their done callbacks are never called),
 * closes every connection and starts closing the client's handles: the loop
 * must run once more to finish (uv_run until it returns). NULL does nothing.
 * Not from inside a done callback.
 */
void gw_http_client_free(struct gw_http_client *client);

/*
 * Starts a request (copied: the caller may free it when this returns). On
 * success returns 0, sets *call_out (valid until done is called or the call
 * is cancelled) and later calls done(data, response) exactly once, never from
 * inside this function. Returns -EINVAL for a request the client cannot make
 * (no URL, a struct smaller than ABI 2's first, an option curl refuses) and
 * then never calls done. A plugin's struct may be larger (newer: members
 * this client does not know are ignored) or smaller (older: members it
 * lacks are taken as zero).
 */
int gw_http_client_start(struct gw_http_client *client, const struct gw_http_request *request,
                         gw_http_done_cb done, void *data, struct gw_http_call **call_out);

/*
 * Abandons a call in flight: its connection is closed and done is never
 * called. The call handle is invalid afterwards.
 */
void gw_http_client_cancel(struct gw_http_client *client, struct gw_http_call *call);

/* Counters, for tests and the daemon's statistics. */
void gw_http_client_stats(const struct gw_http_client *client, struct gw_http_client_stats *out);

#endif
