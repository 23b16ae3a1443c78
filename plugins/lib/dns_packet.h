/*
 * DNS messages (RFC 1035) as the dns check reads them: the header, and the
 * answer section's records as text a person (and a configuration) can
 * compare: "192.0.2.1", "2001:db8::1", "mail.example.org", "10
 * mail.example.org", the strings of a TXT record, an SOA's fields. Also the
 * one query the check builds itself (SOA, to each of a zone's name servers).
 *
 * Pure: bytes in, fields out, no allocation. Any bytes are read safely:
 * compression pointers are followed a bounded number of times, and a message
 * that ends early or lies about its lengths is refused with the reason.
 */
#ifndef GW_DNS_PACKET_H
#define GW_DNS_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gw_dns_type {
    GW_DNS_A = 1,
    GW_DNS_NS = 2,
    GW_DNS_CNAME = 5,
    GW_DNS_SOA = 6,
    GW_DNS_MX = 15,
    GW_DNS_TXT = 16,
    GW_DNS_AAAA = 28,
};

enum gw_dns_rcode {
    GW_DNS_NOERROR = 0,
    GW_DNS_FORMERR = 1,
    GW_DNS_SERVFAIL = 2,
    GW_DNS_NXDOMAIN = 3,
    GW_DNS_NOTIMP = 4,
    GW_DNS_REFUSED = 5,
};

#define GW_DNS_MAX_ANSWERS 32  /* records kept of one answer section */
#define GW_DNS_TEXT_MAX    640 /* bytes of a record's text, with its NUL (an SOA fits) */
#define GW_DNS_NAME_MAX    256 /* a name as text, with its NUL */

struct gw_dns_record {
    uint16_t type;
    uint32_t ttl;
    char owner[GW_DNS_NAME_MAX]; /* lower case, no final dot */
    char text[GW_DNS_TEXT_MAX];  /* the data as text; cut at the limit */
    uint32_t serial;             /* SOA only */
};

struct gw_dns_message {
    uint16_t id;
    bool response, authoritative, truncated;
    int rcode;                      /* enum gw_dns_rcode, or another value */
    char question[GW_DNS_NAME_MAX]; /* the first question's name, "" when none */
    uint16_t question_type;
    size_t n_answers; /* records of the answer section, all types */
    size_t n_kept;    /* of them, in records[] (the first GW_DNS_MAX_ANSWERS) */
    struct gw_dns_record records[GW_DNS_MAX_ANSWERS];
};

/*
 * Reads a DNS message of `len` bytes into *out. Returns 0, or -EINVAL with
 * what is wrong in `problem` ("an answer's data runs past the message").
 * Records of types not listed above are kept with an empty text.
 */
int gw_dns_packet_parse(const uint8_t *data, size_t len, struct gw_dns_message *out, char *problem,
                        size_t problem_len);

/*
 * Writes a query for `name` (a host name, a final dot allowed) of `type`,
 * class IN, id `id`, recursion desired or not, into out. Returns its length,
 * or 0 when the name is not a valid DNS name or `cap` is too small.
 */
size_t gw_dns_packet_query(uint16_t id, const char *name, uint16_t type, bool recursion,
                           uint8_t *out, size_t cap);

/* "A", "AAAA", ..., or NULL for a type not listed above. */
const char *gw_dns_packet_type_name(uint16_t type);
/* The type named (any case), or 0. */
uint16_t gw_dns_packet_type(const char *name);
/* "NOERROR", "NXDOMAIN", ... or "RCODE 9" (buf is used for the last). */
const char *gw_dns_packet_rcode_name(int rcode, char *buf, size_t len);

#endif
