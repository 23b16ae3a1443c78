/*
 * ICMP echo packets, built and read back, and the errors routers send about
 * them (which no loopback test can make): hand-made packets, table-driven.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "icmp_packet.h"

#define COOKIE UINT64_C(0x0123456789abcdef)

/* An IPv4 header of `ihl` words carrying `proto`, before `len` more bytes. */
static size_t ip4_header(uint8_t *out, unsigned ihl, uint8_t proto)
{
    memset(out, 0, ihl * 4);
    out[0] = (uint8_t)(0x40 | ihl);
    out[8] = 64;
    out[9] = proto;
    return ihl * 4;
}

static size_t ip6_header(uint8_t *out, uint8_t next)
{
    memset(out, 0, 40);
    out[0] = 0x60;
    out[6] = next;
    out[7] = 64;
    return 40;
}

/* An echo reply as the peer sends it back: our request with the type changed. */
static size_t reply(int family, uint16_t id, uint16_t seq, uint8_t *out)
{
    gw_icmp_packet_echo(family, false, id, seq, COOKIE, out);
    out[0] = family == AF_INET ? 0 : 129;
    return GW_ICMP_PACKET_SIZE;
}

static void test_icmp_packet_echo_request(void **state)
{
    (void)state;
    uint8_t p[GW_ICMP_PACKET_SIZE];
    gw_icmp_packet_echo(AF_INET, true, 0xbeef, 0x0102, COOKIE, p);
    assert_int_equal(p[0], 8);
    assert_int_equal(p[1], 0);
    assert_int_equal(p[4], 0xbe);
    assert_int_equal(p[5], 0xef);
    assert_int_equal(p[6], 0x01);
    assert_int_equal(p[7], 0x02);
    /* a packet with a right checksum sums to zero */
    assert_int_equal(gw_icmp_packet_checksum(p, sizeof(p)), 0);

    gw_icmp_packet_echo(AF_INET6, false, 1, 2, COOKIE, p);
    assert_int_equal(p[0], 128);
    assert_int_equal(p[2], 0); /* the kernel sums ICMPv6 */
    assert_int_equal(p[3], 0);

    /* a known checksum: RFC 1071's example words 0001 f203 f4f5 f6f7 */
    const uint8_t words[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    uint16_t sum = gw_icmp_packet_checksum(words, sizeof(words));
    const uint8_t *b = (const uint8_t *)&sum;
    assert_int_equal(b[0], 0x22);
    assert_int_equal(b[1], 0x0d);
}

static void test_icmp_packet_replies(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct gw_icmp_packet pkt;

    /* datagram socket, IPv4: no IP header */
    size_t n = reply(AF_INET, 7, 300, buf);
    gw_icmp_packet_parse(AF_INET, false, buf, n, &pkt);
    assert_int_equal(pkt.kind, GW_ICMP_PACKET_REPLY);
    assert_int_equal(pkt.id, 7);
    assert_int_equal(pkt.seq, 300);
    assert_true(pkt.has_cookie);
    assert_true(pkt.cookie == COOKIE);
    assert_int_equal(pkt.seq_copy, 300);

    /* raw socket, IPv4: the IP header first, with options too */
    for (unsigned ihl = 5; ihl <= 6; ihl++) {
        size_t h = ip4_header(buf, ihl, IPPROTO_ICMP);
        n = h + reply(AF_INET, 7, 301, buf + h);
        gw_icmp_packet_parse(AF_INET, true, buf, n, &pkt);
        assert_int_equal(pkt.kind, GW_ICMP_PACKET_REPLY);
        assert_int_equal(pkt.seq, 301);
        assert_true(pkt.cookie == COOKIE);
    }

    /* IPv6, raw or not: no IP header */
    n = reply(AF_INET6, 9, 65535, buf);
    gw_icmp_packet_parse(AF_INET6, false, buf, n, &pkt);
    assert_int_equal(pkt.kind, GW_ICMP_PACKET_REPLY);
    assert_int_equal(pkt.id, 9);
    assert_int_equal(pkt.seq, 65535);

    /* a reply too short for our payload is a reply without a cookie */
    gw_icmp_packet_parse(AF_INET6, false, buf, 12, &pkt);
    assert_int_equal(pkt.kind, GW_ICMP_PACKET_REPLY);
    assert_false(pkt.has_cookie);
}

static void test_icmp_packet_not_ours(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct gw_icmp_packet pkt;
    /* our own request, seen by a raw socket on loopback */
    gw_icmp_packet_echo(AF_INET, true, 1, 1, COOKIE, buf);
    gw_icmp_packet_parse(AF_INET, false, buf, GW_ICMP_PACKET_SIZE, &pkt);
    assert_int_equal(pkt.kind, GW_ICMP_PACKET_OTHER);
    /* shorter than a header */
    reply(AF_INET, 1, 1, buf);
    gw_icmp_packet_parse(AF_INET, false, buf, 7, &pkt);
    assert_int_equal(pkt.kind, GW_ICMP_PACKET_OTHER);
    /* IP headers that lie: shorter than 20 bytes, longer than the packet, not v4 */
    size_t h = ip4_header(buf, 4, IPPROTO_ICMP);
    reply(AF_INET, 1, 1, buf + 20);
    gw_icmp_packet_parse(AF_INET, true, buf, 20 + GW_ICMP_PACKET_SIZE, &pkt);
    assert_int_equal(pkt.kind, GW_ICMP_PACKET_OTHER);
    h = ip4_header(buf, 15, IPPROTO_ICMP);
    gw_icmp_packet_parse(AF_INET, true, buf, 40, &pkt);
    assert_int_equal(pkt.kind, GW_ICMP_PACKET_OTHER);
    h = ip4_header(buf, 5, IPPROTO_ICMP);
    buf[0] = 0x65;
    reply(AF_INET, 1, 1, buf + h);
    gw_icmp_packet_parse(AF_INET, true, buf, h + GW_ICMP_PACKET_SIZE, &pkt);
    assert_int_equal(pkt.kind, GW_ICMP_PACKET_OTHER);
}

struct error_case {
    int family;
    uint8_t type, code;
    uint8_t quoted_proto; /* what the quoted IP header carries */
    enum gw_icmp_packet_kind kind;
    const char *error;
};

/* A router's error about our request (id 0x4242, seq 77), as a raw socket reads it. */
static size_t router_error(const struct error_case *c, uint8_t *out)
{
    size_t n = 0;
    if (c->family == AF_INET)
        n += ip4_header(out, 5, IPPROTO_ICMP);
    memset(out + n, 0, 8);
    out[n] = c->type;
    out[n + 1] = c->code;
    n += 8;
    n += c->family == AF_INET ? ip4_header(out + n, 5, c->quoted_proto)
                              : ip6_header(out + n, c->quoted_proto);
    uint8_t request[GW_ICMP_PACKET_SIZE];
    gw_icmp_packet_echo(c->family, c->family == AF_INET, 0x4242, 77, COOKIE, request);
    memcpy(out + n, request, 8); /* routers quote at least the first 8 bytes */
    return n + 8;
}

static void test_icmp_packet_router_errors(void **state)
{
    (void)state;
    static const struct error_case cases[] = {
        {AF_INET, 3, 0, IPPROTO_ICMP, GW_ICMP_PACKET_ERROR, "network unreachable"},
        {AF_INET, 3, 1, IPPROTO_ICMP, GW_ICMP_PACKET_ERROR, "host unreachable"},
        {AF_INET, 3, 13, IPPROTO_ICMP, GW_ICMP_PACKET_ERROR, "administratively prohibited"},
        {AF_INET, 3, 3, IPPROTO_ICMP, GW_ICMP_PACKET_ERROR, "destination unreachable"},
        {AF_INET, 11, 0, IPPROTO_ICMP, GW_ICMP_PACKET_ERROR, "time to live exceeded"},
        {AF_INET, 3, 1, IPPROTO_TCP, GW_ICMP_PACKET_OTHER, NULL},  /* about someone's TCP */
        {AF_INET, 5, 0, IPPROTO_ICMP, GW_ICMP_PACKET_OTHER, NULL}, /* a redirect */
        {AF_INET6, 1, 0, IPPROTO_ICMPV6, GW_ICMP_PACKET_ERROR, "no route to the destination"},
        {AF_INET6, 1, 1, IPPROTO_ICMPV6, GW_ICMP_PACKET_ERROR, "administratively prohibited"},
        {AF_INET6, 1, 3, IPPROTO_ICMPV6, GW_ICMP_PACKET_ERROR, "address unreachable"},
        {AF_INET6, 2, 0, IPPROTO_ICMPV6, GW_ICMP_PACKET_ERROR, "packet too big"},
        {AF_INET6, 3, 0, IPPROTO_ICMPV6, GW_ICMP_PACKET_ERROR, "hop limit exceeded"},
        {AF_INET6, 1, 0, IPPROTO_UDP, GW_ICMP_PACKET_OTHER, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct error_case *c = &cases[i];
        uint8_t buf[256];
        size_t n = router_error(c, buf);
        struct gw_icmp_packet pkt;
        gw_icmp_packet_parse(c->family, c->family == AF_INET, buf, n, &pkt);
        assert_int_equal(pkt.kind, c->kind);
        if (c->kind != GW_ICMP_PACKET_ERROR)
            continue;
        assert_string_equal(pkt.error, c->error);
        assert_int_equal(pkt.id, 0x4242);
        assert_int_equal(pkt.seq, 77);
        /* cut anywhere inside the quote, it is nobody's */
        gw_icmp_packet_parse(c->family, c->family == AF_INET, buf, n - 1, &pkt);
        assert_int_equal(pkt.kind, GW_ICMP_PACKET_OTHER);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_icmp_packet_echo_request),
        cmocka_unit_test(test_icmp_packet_replies),
        cmocka_unit_test(test_icmp_packet_not_ours),
        cmocka_unit_test(test_icmp_packet_router_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
