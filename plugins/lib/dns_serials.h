/*
 * A survey of a zone's name servers: their names (the zone's NS records)
 * and addresses (A and AAAA) through a DNS channel, then one non-recursive
 * SOA query over UDP to each address, so that each answers with its own copy
 * of the zone. The dns check compares the serials.
 *
 * Loop thread only.
 */
#ifndef GW_DNS_SERIALS_H
#define GW_DNS_SERIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

#include "dns_channel.h"

#define GW_DNS_SERIALS_MAX_NS    8  /* name servers asked */
#define GW_DNS_SERIALS_MAX_ADDRS 16 /* addresses of them */

/* One address of a name server, and what it said. */
struct gw_dns_serial {
    const char *name; /* the name server's name */
    struct sockaddr_storage addr;
    uint32_t serial;
    char failure[96]; /* why it gave no serial ("no answer", "REFUSED", ...); "" when it did */
};

/*
 * The survey is over: `n` addresses of `n_names` name servers (n is 0 when
 * there were no NS records, or their names did not resolve). Borrowed for
 * the call; the survey frees itself afterwards.
 */
typedef void (*gw_dns_serials_cb)(void *data, const struct gw_dns_serial *servers, size_t n,
                                  size_t n_names);

struct gw_dns_serials;

/*
 * Starts a survey of `zone` (lower case, no final dot) through `ch` (ready),
 * asking the name servers on `port`, and giving up on the ones that have not
 * answered `timeout_ms` after the SOA queries went out. Calls done(data, ...)
 * once, later. *out is the survey, to cancel it before then. The channel
 * must stay open until then.
 */
void gw_dns_serials_start(uv_loop_t *loop, struct gw_dns_channel *ch, const char *zone, int port,
                          uint64_t timeout_ms, gw_dns_serials_cb done, void *data,
                          struct gw_dns_serials **out);

/*
 * Abandons the survey: done is never called; it frees itself once its
 * handles close. Close the channel right after (before it runs again): the
 * survey's queries on it must be dropped with it.
 */
void gw_dns_serials_cancel(struct gw_dns_serials *s);

#endif
