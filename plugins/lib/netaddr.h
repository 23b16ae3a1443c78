/*
 * Host names and addresses as checks take them in their configuration: a
 * name ("mail.example.org"), an IPv4 address ("192.0.2.1") or an IPv6
 * address, bare or in brackets ("::1", "[::1]"). Pure: nothing is resolved.
 */
#ifndef GW_NETADDR_H
#define GW_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <gwyliwr/plugin.h>

struct gw_netaddr {
    char *host;                   /* as given, without the brackets of "[::1]"; caller frees */
    bool numeric;                 /* an address literal, already in addr */
    struct sockaddr_storage addr; /* numeric only: the address, port 0 */
};

/*
 * Reads `text` into *out (zeroed first). A name must be a plausible DNS
 * host name: the resolver judges the rest. Returns 0, or -EINVAL with a
 * sentence for people in `err` ("host \"10.1\" is not a valid IPv4
 * address"); a "host:port" is refused, and when `port_key` is not NULL the
 * message says the port goes under that key. Out of memory aborts.
 */
int gw_netaddr_parse_host(const char *text, const char *port_key, struct gw_netaddr *out, char *err,
                          size_t err_len);

/* The `ip` key gw_netaddr_configure_ip reads, to put in a check type's keys. */
/* clang-format off */
#define GW_NETADDR_IP_KEY                                                                          \
    {"ip", GW_CFG_STRING, 0, NULL, "address family to use: 4, 6 or any (default any)"}
/* clang-format on */

/*
 * Reads a target's `ip` (4, 6 or any; absent: any) into *family as AF_INET,
 * AF_INET6 or AF_UNSPEC. Returns 0, or -EINVAL with the problem reported.
 */
int gw_netaddr_configure_ip(const struct gw_host *host, const struct gw_cfg *target, int *family);

/*
 * Reads a target's `host` (required; see gw_netaddr_parse_host) into *out,
 * and its `ip` (4, 6 or any; absent: any) into *family as AF_INET, AF_INET6
 * or AF_UNSPEC, refusing an ip that contradicts an address literal. Each
 * problem is reported at its key. Returns 0, or -EINVAL (*out then holds
 * nothing to free).
 */
int gw_netaddr_configure(const struct gw_host *host, const struct gw_cfg *target,
                         const char *port_key, struct gw_netaddr *out, int *family);

/*
 * Why `name` cannot be a DNS name, or NULL when it can ("has an empty
 * label"). Underscores are let through (_dmarc.example.org), and so is a
 * final dot.
 */
const char *gw_netaddr_name_problem(const char *name);

/* Sets the port of an AF_INET or AF_INET6 address. */
void gw_netaddr_set_port(struct sockaddr_storage *addr, int port);

/* The address alone, "192.0.2.1" or "2001:db8::1"; "?" for another family. */
void gw_netaddr_ip(const struct sockaddr_storage *addr, char *out, size_t len);

/* Length of the sockaddr of the address's family. */
size_t gw_netaddr_len(const struct sockaddr_storage *addr);

/*
 * The verdict on a failed lookup of `name` (uv_getaddrinfo's status, for
 * `family` AF_UNSPEC, AF_INET or AF_INET6; status 0 means the name has no
 * address of a usable family): DOWN when the DNS answered that the name (or
 * its address of that family) does not exist, UNKNOWN when our resolver
 * failed and nothing can be told. The reason is always "dns"; the sentence
 * goes to `message`.
 */
enum gw_status gw_netaddr_lookup_failed(int status, const char *name, int family, char *message,
                                        size_t len);

#endif
