/*
 * ICMP and ICMPv6 echo packets: the requests the icmp check sends, and what
 * it reads back from its socket (replies, and the errors routers send about
 * a request). Pure: bytes in, fields out; any bytes are read safely.
 */
#ifndef GW_ICMP_PACKET_H
#define GW_ICMP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of an echo request: the 8-byte header and 56 of payload, as ping. */
#define GW_ICMP_PACKET_SIZE 64

enum gw_icmp_packet_kind {
    GW_ICMP_PACKET_OTHER, /* not ours to read: another type, or malformed */
    GW_ICMP_PACKET_REPLY, /* an echo reply */
    GW_ICMP_PACKET_ERROR, /* an error quoting an echo request */
};

struct gw_icmp_packet {
    enum gw_icmp_packet_kind kind;
    uint16_t id, seq;  /* of the reply, or of the request the error quotes */
    bool has_cookie;   /* a reply whose payload is long enough to hold ours */
    uint64_t cookie;   /* the payload's cookie (as gw_icmp_packet_echo put it) */
    uint16_t seq_copy; /* the sequence number the payload repeats */
    const char *error; /* ERROR: "host unreachable", "time to live exceeded", ... */
};

/*
 * Writes an echo request of `family` (AF_INET, AF_INET6) into out
 * (GW_ICMP_PACKET_SIZE bytes): identifier, sequence, and a payload carrying
 * the cookie and the sequence again, so that a reply proves it answers this
 * request. With `checksum` the ICMP checksum is filled in (raw IPv4 sockets
 * need it; the kernel sums ICMPv6 and datagram sockets' packets).
 */
void gw_icmp_packet_echo(int family, bool checksum, uint16_t id, uint16_t seq, uint64_t cookie,
                         uint8_t *out);

/*
 * Reads `len` bytes received on an ICMP socket of `family`. Raw IPv4
 * sockets receive the IP header first: `ip_header` says so.
 */
void gw_icmp_packet_parse(int family, bool ip_header, const uint8_t *data, size_t len,
                          struct gw_icmp_packet *out);

/* The Internet checksum of `len` bytes, in network byte order. */
uint16_t gw_icmp_packet_checksum(const void *data, size_t len);

#endif
