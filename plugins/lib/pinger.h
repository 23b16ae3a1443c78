/*
 * A shared ICMP socket: one per event loop and address family, opened when
 * the first check needs it and closed when the last one lets go, so that
 * 1,000 targets pinging at once cost one descriptor per family and one
 * wake-up reads every reply that has arrived.
 *
 * It is an unprivileged ICMP datagram socket where net.ipv4.ping_group_range
 * admits the process's group (the kernel then sets the echo identifier and
 * hands the socket only its replies), else a raw socket, which needs
 * CAP_NET_RAW and receives every ICMP packet of the host: a socket filter
 * keeps echo replies and errors, and the pinger's identifier picks ours. A
 * raw socket also sees the errors routers send back about a request; a
 * datagram socket is not told of them, and the request times out.
 *
 * Each request takes a free sequence number of the pinger and carries the
 * pinger's random cookie, so a reply is matched to its sender and a stray one
 * never counts. Receive times are the kernel's (SO_TIMESTAMPNS, wall clock).
 *
 * Loop thread only.
 */
#ifndef GW_PINGER_H
#define GW_PINGER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

struct gw_pinger;

/*
 * A request of `owner` is settled: answered (error NULL), or refused by a
 * router (error: "host unreachable (reported by 192.0.2.1)"). rx_wall_ns is
 * the kernel's receive time (CLOCK_REALTIME), 0 when unknown. The sequence
 * number is free again when this is called.
 */
typedef void (*gw_pinger_cb)(void *owner, uint16_t seq, int64_t rx_wall_ns, const char *error);

/*
 * The pinger of `loop` for `family` (AF_INET or AF_INET6) that reports to
 * `cb`, opened if there is none, with one more user. Returns 0, -EPERM when
 * neither kind of socket is allowed, or another negative errno.
 */
int gw_pinger_acquire(uv_loop_t *loop, int family, gw_pinger_cb cb, struct gw_pinger **out);

/* One user fewer; the last one closes the socket (asynchronously). */
void gw_pinger_release(struct gw_pinger *p);

/*
 * Sends an echo request for `owner` to `to`. Returns 0 with its sequence
 * number in *seq: the request is outstanding until `cb` reports it or the
 * owner forgets it. Returns -EBUSY when 65,536 requests are outstanding, or
 * sendto's negative errno (nothing is then outstanding).
 */
int gw_pinger_send(struct gw_pinger *p, void *owner, const struct sockaddr_storage *to,
                   uint16_t *seq);

/* Stops waiting for the request `seq`: a late answer is then ignored. */
void gw_pinger_forget(struct gw_pinger *p, uint16_t seq);

/* True for a raw socket, false for an unprivileged datagram one. */
bool gw_pinger_is_raw(const struct gw_pinger *p);

#endif
