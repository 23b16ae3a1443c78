/*
 * The ICMP packet reader on any bytes, as a socket may deliver them: the
 * first byte chooses the family and whether an IPv4 header comes first
 * (bit 0: IPv6; bit 1: an IP header), the rest is the packet. It must never
 * read past the packet, and an error it reports must have a description.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "icmp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int family = data[0] & 1 ? AF_INET6 : AF_INET;
    bool ip_header = (data[0] & 2) != 0;
    size_t len = size - 1;
    uint8_t *packet = malloc(len ? len : 1);
    if (!packet)
        abort();
    memcpy(packet, data + 1, len);
    struct gw_icmp_packet pkt;
    gw_icmp_packet_parse(family, ip_header, packet, len, &pkt);
    if ((pkt.kind == GW_ICMP_PACKET_ERROR) != (pkt.error != NULL))
        abort();
    if (pkt.kind == GW_ICMP_PACKET_OTHER && (pkt.id || pkt.seq || pkt.has_cookie))
        abort();
    free(packet);
    return 0;
}
