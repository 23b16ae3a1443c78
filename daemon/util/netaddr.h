/*
 * Addresses to listen on, as the configuration writes them.
 */
#ifndef GW_NETADDR_H
#define GW_NETADDR_H

#include <sys/socket.h>

/*
 * Parses "IPv4:port", "[IPv6]:port" or "localhost:port" (numeric addresses
 * only: no name is looked up). Returns 0 and fills *addr and *len, or
 * -EINVAL.
 */
int gw_netaddr_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len);

#endif
