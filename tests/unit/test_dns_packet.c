/*
 * The DNS message reader and query builder, on hand-made messages: every
 * record type as text, and every way a message can lie (the dns check's
 * tests see only what dnsmasq sends).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns_packet.h"

/* A message under construction. */
struct msg {
    uint8_t b[1024];
    size_t n;
};

static void put(struct msg *m, const void *data, size_t len)
{
    assert_true(m->n + len <= sizeof(m->b));
    memcpy(m->b + m->n, data, len);
    m->n += len;
}

static void put16(struct msg *m, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(m, b, 2);
}

static void put32(struct msg *m, uint32_t v)
{
    put16(m, v >> 16);
    put16(m, v & 0xffff);
}

static void put_name(struct msg *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        uint8_t len = (uint8_t)l;
        put(m, &len, 1);
        put(m, name, l);
        name += l + (dot ? 1 : 0);
    }
    put(m, "", 1);
}

/* A response header and the question (name at offset 12), then `answers` to come. */
static void begin(struct msg *m, unsigned flags, const char *qname, unsigned qtype,
                  unsigned answers)
{
    m->n = 0;
    put16(m, 0xbeef);
    put16(m, flags);
    put16(m, 1);
    put16(m, answers);
    put16(m, 0);
    put16(m, 0);
    put_name(m, qname);
    put16(m, qtype);
    put16(m, 1);
}

/* An answer owned by the question's name (a pointer to offset 12). */
static void answer(struct msg *m, unsigned type, const void *rdata, size_t len)
{
    put(m, "\xc0\x0c", 2);
    put16(m, type);
    put16(m, 1);
    put32(m, 300);
    put16(m, (unsigned)len);
    put(m, rdata, len);
}

static void parse_ok(const struct msg *m, struct gw_dns_message *out)
{
    char problem[96];
    if (gw_dns_packet_parse(m->b, m->n, out, problem, sizeof(problem)) < 0)
        fail_msg("refused: %s", problem);
}

static void parse_bad(const struct msg *m, const char *why)
{
    struct gw_dns_message out;
    char problem[96];
    assert_int_equal(gw_dns_packet_parse(m->b, m->n, &out, problem, sizeof(problem)), -EINVAL);
    assert_string_equal(problem, why);
    assert_int_equal(out.n_answers, 0);
}

static void test_dns_packet_records_as_text(void **state)
{
    (void)state;
    struct msg m;
    struct gw_dns_message out;
    begin(&m, 0x8580, "Example.TEST", GW_DNS_SOA, 7);
    answer(&m, GW_DNS_A, "\xc0\x00\x02\x01", 4);
    answer(&m, GW_DNS_AAAA, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    struct msg rd = {.n = 0};
    put16(&rd, 10);
    put_name(&rd, "Mail.example.test");
    answer(&m, GW_DNS_MX, rd.b, rd.n);
    answer(&m, GW_DNS_TXT, "\x05hello\x06 world\x03\x01\\\"", 17);
    rd.n = 0;
    put_name(&rd, "ns1.example.test");
    answer(&m, GW_DNS_NS, rd.b, rd.n);
    rd.n = 0;
    put_name(&rd, "ns1.example.test");
    put(&rd, "\x0ahostmaster\xc0\x0c", 13); /* compressed: hostmaster.example.test */
    put32(&rd, 2024010101);
    put32(&rd, 1200);
    put32(&rd, 180);
    put32(&rd, 1209600);
    put32(&rd, 600);
    answer(&m, GW_DNS_SOA, rd.b, rd.n);
    answer(&m, 99, "anything", 8); /* a type not read: kept without text */
    parse_ok(&m, &out);
    assert_int_equal(out.id, 0xbeef);
    assert_true(out.response && out.authoritative && !out.truncated);
    assert_int_equal(out.rcode, GW_DNS_NOERROR);
    assert_string_equal(out.question, "example.test");
    assert_int_equal(out.question_type, GW_DNS_SOA);
    assert_int_equal(out.n_answers, 7);
    assert_string_equal(out.records[0].owner, "example.test");
    assert_int_equal(out.records[0].ttl, 300);
    assert_string_equal(out.records[0].text, "192.0.2.1");
    assert_string_equal(out.records[1].text, "2001:db8::1");
    assert_string_equal(out.records[2].text, "10 mail.example.test");
    assert_string_equal(out.records[3].text, "hello world\\001\\092\"");
    assert_string_equal(out.records[4].text, "ns1.example.test");
    assert_string_equal(out.records[5].text,
                        "ns1.example.test hostmaster.example.test 2024010101 1200 180 1209600 600");
    assert_int_equal(out.records[5].serial, 2024010101);
    assert_int_equal(out.records[6].type, 99);
    assert_string_equal(out.records[6].text, "");
}

static void test_dns_packet_header_flags_and_limits(void **state)
{
    (void)state;
    struct msg m;
    struct gw_dns_message out;
    begin(&m, 0x8383, "nx.test", GW_DNS_A, 0); /* response, TC, NXDOMAIN */
    parse_ok(&m, &out);
    assert_true(out.truncated);
    assert_false(out.authoritative);
    assert_int_equal(out.rcode, GW_DNS_NXDOMAIN);

    /* more answers than kept: all read, the first ones kept */
    begin(&m, 0x8180, "many.test", GW_DNS_A, 40);
    for (unsigned i = 0; i < 40; i++) {
        uint8_t a[4] = {10, 0, 0, (uint8_t)i};
        answer(&m, GW_DNS_A, a, 4);
    }
    parse_ok(&m, &out);
    assert_int_equal(out.n_answers, 40);
    assert_int_equal(out.n_kept, GW_DNS_MAX_ANSWERS);
    assert_string_equal(out.records[31].text, "10.0.0.31");

    char buf[16];
    assert_string_equal(gw_dns_packet_rcode_name(GW_DNS_SERVFAIL, buf, sizeof(buf)), "SERVFAIL");
    assert_string_equal(gw_dns_packet_rcode_name(9, buf, sizeof(buf)), "RCODE 9");
    assert_int_equal(gw_dns_packet_type("aaaa"), GW_DNS_AAAA);
    assert_int_equal(gw_dns_packet_type("PTR"), 0);
    assert_string_equal(gw_dns_packet_type_name(GW_DNS_MX), "MX");
}

static void test_dns_packet_lies_are_refused(void **state)
{
    (void)state;
    struct msg m;
    m.n = 11;
    memset(m.b, 0, m.n);
    parse_bad(&m, "shorter than a DNS header");

    begin(&m, 0x8180, "x.test", GW_DNS_A, 1);
    m.n -= 3; /* the question's type and class cut */
    parse_bad(&m, "the question runs past the message");

    begin(&m, 0x8180, "x.test", GW_DNS_A, 2); /* says two, has one */
    answer(&m, GW_DNS_A, "\x01\x02\x03\x04", 4);
    parse_bad(&m, "a name runs past the message");

    begin(&m, 0x8180, "x.test", GW_DNS_A, 1);
    answer(&m, GW_DNS_A, "\x01\x02\x03\x04", 4);
    m.n -= 1;
    parse_bad(&m, "an answer's data runs past the message");

    begin(&m, 0x8180, "x.test", GW_DNS_A, 1);
    answer(&m, GW_DNS_A, "\x01\x02\x03", 3);
    parse_bad(&m, "an address record of the wrong length");

    begin(&m, 0x8180, "x.test", GW_DNS_TXT, 1);
    answer(&m, GW_DNS_TXT, "\x09short", 6);
    parse_bad(&m, "a TXT string runs past its record");

    begin(&m, 0x8180, "x.test", GW_DNS_MX, 1);
    answer(&m, GW_DNS_MX, "\x00\x0a", 2);
    parse_bad(&m, "an MX record too short");

    begin(&m, 0x8180, "x.test", GW_DNS_SOA, 1);
    answer(&m, GW_DNS_SOA, "\x00\x00\x00\x00\x00", 5);
    parse_bad(&m, "an SOA record too short");

    /* a name whose pointer points at itself */
    begin(&m, 0x8180, "x.test", GW_DNS_CNAME, 1);
    size_t at = m.n + 12; /* where the CNAME's data will start */
    uint8_t self[2] = {(uint8_t)(0xc0 | at >> 8), (uint8_t)at};
    answer(&m, GW_DNS_CNAME, self, 2);
    parse_bad(&m, "a name's compression pointers loop");

    /* a pointer past the end, a label of the reserved kind */
    begin(&m, 0x8180, "x.test", GW_DNS_NS, 1);
    answer(&m, GW_DNS_NS, "\xc3\xff", 2);
    parse_bad(&m, "a name runs past the message");
    begin(&m, 0x8180, "x.test", GW_DNS_NS, 1);
    answer(&m, GW_DNS_NS, "\x80", 1);
    parse_bad(&m, "a name label of an unknown kind");

    /* a name of more than 255 bytes, made of pointers to long labels */
    begin(&m, 0x8180, "x.test", GW_DNS_CNAME, 1);
    struct msg rd = {.n = 0};
    for (int i = 0; i < 5; i++) {
        uint8_t l = 63;
        put(&rd, &l, 1);
        char label[63];
        memset(label, 'a', sizeof(label));
        put(&rd, label, sizeof(label));
    }
    put(&rd, "", 1);
    answer(&m, GW_DNS_CNAME, rd.b, rd.n);
    parse_bad(&m, "a name longer than 255 bytes");

    /* a name inside a record that runs past its record's data */
    begin(&m, 0x8180, "x.test", GW_DNS_CNAME, 1);
    answer(&m, GW_DNS_CNAME, "\x01", 1);
    put(&m, "a\0", 2); /* the name ends after the record's one byte */
    parse_bad(&m, "a record's name runs past its data");
}

static void test_dns_packet_query_round_trip(void **state)
{
    (void)state;
    uint8_t q[300];
    size_t n = gw_dns_packet_query(0x1234, "WWW.example.test.", GW_DNS_AAAA, true, q, sizeof(q));
    assert_int_equal(n, 12 + 18 + 4);
    assert_int_equal(q[2], 0x01); /* recursion desired */
    struct gw_dns_message out;
    char problem[96];
    assert_int_equal(gw_dns_packet_parse(q, n, &out, problem, sizeof(problem)), 0);
    assert_int_equal(out.id, 0x1234);
    assert_false(out.response);
    assert_string_equal(out.question, "www.example.test");
    assert_int_equal(out.question_type, GW_DNS_AAAA);

    n = gw_dns_packet_query(1, "example.test", GW_DNS_SOA, false, q, sizeof(q));
    assert_int_equal(q[2], 0x00);
    /* names that cannot be asked, and a buffer too small */
    assert_int_equal(gw_dns_packet_query(1, "", GW_DNS_A, true, q, sizeof(q)), 0);
    assert_int_equal(gw_dns_packet_query(1, "a..b", GW_DNS_A, true, q, sizeof(q)), 0);
    char label[70];
    memset(label, 'x', 64);
    strcpy(label + 64, ".test");
    assert_int_equal(gw_dns_packet_query(1, label, GW_DNS_A, true, q, sizeof(q)), 0);
    assert_int_equal(gw_dns_packet_query(1, "example.test", GW_DNS_A, true, q, 20), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dns_packet_records_as_text),
        cmocka_unit_test(test_dns_packet_header_flags_and_limits),
        cmocka_unit_test(test_dns_packet_lies_are_refused),
        cmocka_unit_test(test_dns_packet_query_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
