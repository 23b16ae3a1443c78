#include "icmp_packet.h"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/socket.h>

#define HEADER 8

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint16_t gw_icmp_packet_checksum(const void *data, size_t len)
{
    const uint8_t *b = data;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += be16(b + i);
    if (len & 1)
        sum += (uint32_t)(b[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

void gw_icmp_packet_echo(int family, bool checksum, uint16_t id, uint16_t seq, uint64_t cookie,
                         uint8_t *out)
{
    memset(out, 0, GW_ICMP_PACKET_SIZE);
    out[0] = family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
    out[4] = (uint8_t)(id >> 8);
    out[5] = (uint8_t)id;
    out[6] = (uint8_t)(seq >> 8);
    out[7] = (uint8_t)seq;
    memcpy(out + HEADER, &cookie, sizeof(cookie));
    memcpy(out + HEADER + sizeof(cookie), &seq, sizeof(seq));
    if (checksum) {
        uint16_t sum = gw_icmp_packet_checksum(out, GW_ICMP_PACKET_SIZE);
        memcpy(out + 2, &sum, sizeof(sum));
    }
}

static const char *error4(uint8_t type, uint8_t code)
{
    if (type == ICMP_TIME_EXCEEDED)
        return "time to live exceeded";
    switch (code) {
    case ICMP_NET_UNREACH:
        return "network unreachable";
    case ICMP_HOST_UNREACH:
        return "host unreachable";
    case ICMP_NET_ANO:
    case ICMP_HOST_ANO:
    case ICMP_PKT_FILTERED:
        return "administratively prohibited";
    default:
        return "destination unreachable";
    }
}

static const char *error6(uint8_t type, uint8_t code)
{
    if (type == ICMP6_TIME_EXCEEDED)
        return "hop limit exceeded";
    if (type == ICMP6_PACKET_TOO_BIG)
        return "packet too big";
    switch (code) {
    case ICMP6_DST_UNREACH_NOROUTE:
        return "no route to the destination";
    case ICMP6_DST_UNREACH_ADMIN:
        return "administratively prohibited";
    case ICMP6_DST_UNREACH_ADDR:
        return "address unreachable";
    default:
        return "destination unreachable";
    }
}

/* Skips an IPv4 header at data; NULL when there is none whole. */
static const uint8_t *skip_ip4(const uint8_t *data, size_t *len)
{
    if (*len < 20 || (data[0] >> 4) != 4)
        return NULL;
    size_t ihl = (size_t)(data[0] & 0x0f) * 4;
    if (ihl < 20 || ihl > *len)
        return NULL;
    *len -= ihl;
    return data + ihl;
}

/* The echo request an error quotes (its IP header, then its first 8 bytes). */
static bool quoted_request(int family, const uint8_t *q, size_t qn, struct gw_icmp_packet *out)
{
    if (family == AF_INET) {
        if (qn < 20 || q[9] != IPPROTO_ICMP || !(q = skip_ip4(q, &qn)))
            return false;
        if (qn < HEADER || q[0] != ICMP_ECHO)
            return false;
    } else {
        if (qn < 40 + HEADER || (q[0] >> 4) != 6 || q[6] != IPPROTO_ICMPV6)
            return false;
        q += 40;
        if (q[0] != ICMP6_ECHO_REQUEST)
            return false;
    }
    out->id = be16(q + 4);
    out->seq = be16(q + 6);
    return true;
}

void gw_icmp_packet_parse(int family, bool ip_header, const uint8_t *data, size_t len,
                          struct gw_icmp_packet *out)
{
    memset(out, 0, sizeof(*out));
    if (family == AF_INET && ip_header && !(data = skip_ip4(data, &len)))
        return;
    if (len < HEADER)
        return;
    uint8_t type = data[0], code = data[1];
    bool v4 = family == AF_INET;
    if (type == (v4 ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY)) {
        out->kind = GW_ICMP_PACKET_REPLY;
        out->id = be16(data + 4);
        out->seq = be16(data + 6);
        if (len >= HEADER + sizeof(out->cookie) + sizeof(out->seq_copy)) {
            out->has_cookie = true;
            memcpy(&out->cookie, data + HEADER, sizeof(out->cookie));
            memcpy(&out->seq_copy, data + HEADER + sizeof(out->cookie), sizeof(out->seq_copy));
        }
        return;
    }
    bool is_error = v4 ? type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED
                       : type == ICMP6_DST_UNREACH || type == ICMP6_TIME_EXCEEDED ||
                             type == ICMP6_PACKET_TOO_BIG;
    if (is_error && quoted_request(family, data + HEADER, len - HEADER, out)) {
        out->kind = GW_ICMP_PACKET_ERROR;
        out->error = v4 ? error4(type, code) : error6(type, code);
    }
}
