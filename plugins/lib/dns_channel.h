/*
 * A c-ares channel driven by a libuv loop: c-ares sends the queries, tries
 * the servers, retries, falls back to TCP for truncated answers; libuv waits
 * for its sockets (uv_poll) and its time-outs (uv_timer). Nothing blocks the
 * loop: the channel is set up on libuv's thread pool, because c-ares reads
 * /etc/resolv.conf (and its random source) there.
 *
 * A server's SERVFAIL, REFUSED or NOTIMP is the answer, with its code: c-ares
 * would otherwise ask the next server, and when none is left (1.18, Debian
 * 12) report every such answer as ARES_ECONNREFUSED, losing the code a check
 * must report. Timeouts and unreachable servers still move on to the next.
 *
 * Loop thread only, apart from the set-up it runs itself off the loop.
 * Plugins that use it link c-ares (libc-ares-dev).
 */
#ifndef GW_DNS_CHANNEL_H
#define GW_DNS_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct gw_dns_channel;

struct gw_dns_channel_options {
    /* "192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]:53", comma-separated;
     * NULL: the system's resolvers, from /etc/resolv.conf. Copied. */
    const char *servers;
    /* The longest a query may take, every server and retry included:
     * c-ares's own time-out is set so that it gives up within it. */
    uint64_t timeout_ms;
};

/*
 * The channel is ready (status ARES_SUCCESS) or could not be set up (another
 * ARES_* status; the channel must still be closed). `servers` names the
 * servers asked, for messages ("127.0.0.53:53"); borrowed from the channel.
 */
typedef void (*gw_dns_channel_ready_cb)(void *data, int status, const char *servers);

/*
 * An answer: status is ARES_SUCCESS or an ARES_E* code (ARES_ENOTFOUND for
 * NXDOMAIN, ARES_ESERVFAIL, ARES_EREFUSED, ARES_ETIMEOUT, ...); abuf is the
 * whole DNS message when one was received (also with an error rcode), else
 * NULL. Borrowed for the call.
 */
typedef void (*gw_dns_channel_answer_cb)(void *data, int status, const uint8_t *abuf, size_t alen);

/*
 * Starts setting up a channel on `loop` with the options (copied). Returns 0
 * and later calls ready(data, ...) once, never from inside this call; or
 * returns a negative errno and calls nothing. *out is the channel to query
 * and, in every case, to close.
 */
int gw_dns_channel_open(uv_loop_t *loop, const struct gw_dns_channel_options *options,
                        gw_dns_channel_ready_cb ready, void *data, struct gw_dns_channel **out);

/*
 * Asks for `name` of `type` (class IN, recursion desired) once the channel
 * is ready. answer(data, ...) is called exactly once, later, never from
 * inside this call, unless the channel is closed first.
 */
void gw_dns_channel_query(struct gw_dns_channel *ch, const char *name, uint16_t type,
                          gw_dns_channel_answer_cb answer, void *data);

/*
 * Closes the channel: no callback of it is called any more; queries are
 * dropped, its sockets and timers closed, and it frees itself once libuv and
 * the thread pool are done with it. Allowed inside its own callbacks.
 */
void gw_dns_channel_close(struct gw_dns_channel *ch);

#endif
