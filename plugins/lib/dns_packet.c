#include "dns_packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define HEADER_LEN 12
#define MAX_JUMPS  64 /* compression pointers followed in one name */

static const struct {
    uint16_t type;
    const char *name;
} types[] = {
    {GW_DNS_A, "A"},     {GW_DNS_AAAA, "AAAA"}, {GW_DNS_CNAME, "CNAME"}, {GW_DNS_MX, "MX"},
    {GW_DNS_TXT, "TXT"}, {GW_DNS_NS, "NS"},     {GW_DNS_SOA, "SOA"},
};

const char *gw_dns_packet_type_name(uint16_t type)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (types[i].type == type)
            return types[i].name;
    return NULL;
}

uint16_t gw_dns_packet_type(const char *name)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcasecmp(types[i].name, name) == 0)
            return types[i].type;
    return 0;
}

const char *gw_dns_packet_rcode_name(int rcode, char *buf, size_t len)
{
    static const char *const names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                        "NXDOMAIN", "NOTIMP",  "REFUSED"};
    if (rcode >= 0 && rcode < (int)(sizeof(names) / sizeof(names[0])))
        return names[rcode];
    snprintf(buf, len, "RCODE %d", rcode);
    return buf;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Reads the (possibly compressed) name at *pos into out as lower-case text
 * without a final dot ("" for the root). *pos moves past the name as it
 * stands at *pos. Returns NULL, or what is wrong.
 */
static const char *read_name(const uint8_t *msg, size_t len, size_t *pos, char *out)
{
    size_t p = *pos, n = 0;
    size_t end = 0; /* where the name at *pos ends, once a pointer is taken */
    int jumps = 0;
    for (;;) {
        if (p >= len)
            return "a name runs past the message";
        uint8_t l = msg[p];
        if ((l & 0xc0) == 0xc0) {
            if (p + 1 >= len)
                return "a name runs past the message";
            if (++jumps > MAX_JUMPS)
                return "a name's compression pointers loop";
            if (!end)
                end = p + 2;
            p = (size_t)(l & 0x3f) << 8 | msg[p + 1];
            continue;
        }
        if (l & 0xc0)
            return "a name label of an unknown kind";
        p++;
        if (l == 0)
            break;
        if (p + l > len)
            return "a name runs past the message";
        if (n + l + 2 > GW_DNS_NAME_MAX)
            return "a name longer than 255 bytes";
        if (n)
            out[n++] = '.';
        for (size_t i = 0; i < l; i++) {
            char c = (char)msg[p + i];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            /* a dot or a control byte inside a label cannot be told apart
             * in text: shown as '?' */
            out[n++] = (c == '.' || (unsigned char)c < 0x21 || c == 0x7f) ? '?' : c;
        }
        p += l;
    }
    out[n] = '\0';
    *pos = end ? end : p;
    return NULL;
}

/* Appends the TXT character-strings of rdata to out, bytes outside printable ASCII as \DDD. */
static const char *txt_text(const uint8_t *rd, size_t rdlen, char *out)
{
    size_t n = 0;
    for (size_t p = 0; p < rdlen;) {
        size_t l = rd[p++];
        if (p + l > rdlen)
            return "a TXT string runs past its record";
        for (size_t i = 0; i < l; i++) {
            unsigned char c = rd[p + i];
            if (n + 5 >= GW_DNS_TEXT_MAX)
                break;
            if (c >= 0x20 && c < 0x7f && c != '\\')
                out[n++] = (char)c;
            else
                n += (size_t)snprintf(out + n, GW_DNS_TEXT_MAX - n, "\\%03u", c);
        }
        p += l;
    }
    out[n] = '\0';
    return NULL;
}

/* Reads the data of a record of `type` (at msg[pos], rdlen bytes) as text. */
static const char *record_text(const uint8_t *msg, size_t len, size_t pos, size_t rdlen,
                               struct gw_dns_record *r)
{
    const uint8_t *rd = msg + pos;
    size_t p = pos;
    char name[GW_DNS_NAME_MAX], name2[GW_DNS_NAME_MAX];
    const char *why;
    switch (r->type) {
    case GW_DNS_A:
    case GW_DNS_AAAA: {
        size_t want = r->type == GW_DNS_A ? 4 : 16;
        if (rdlen != want)
            return "an address record of the wrong length";
        inet_ntop(r->type == GW_DNS_A ? AF_INET : AF_INET6, rd, r->text, sizeof(r->text));
        return NULL;
    }
    case GW_DNS_CNAME:
    case GW_DNS_NS:
        if ((why = read_name(msg, len, &p, name)))
            return why;
        snprintf(r->text, sizeof(r->text), "%s", name);
        break;
    case GW_DNS_MX:
        if (rdlen < 3)
            return "an MX record too short";
        p += 2;
        if ((why = read_name(msg, len, &p, name)))
            return why;
        snprintf(r->text, sizeof(r->text), "%u %s", be16(rd), name);
        break;
    case GW_DNS_TXT:
        return txt_text(rd, rdlen, r->text);
    case GW_DNS_SOA:
        if ((why = read_name(msg, len, &p, name)) || (why = read_name(msg, len, &p, name2)))
            return why;
        if (p + 20 > pos + rdlen)
            return "an SOA record too short";
        r->serial = be32(msg + p);
        snprintf(r->text, sizeof(r->text), "%s %s %u %u %u %u %u", name, name2, r->serial,
                 be32(msg + p + 4), be32(msg + p + 8), be32(msg + p + 12), be32(msg + p + 16));
        return NULL;
    default:
        return NULL;
    }
    if (p > pos + rdlen)
        return "a record's name runs past its data";
    return NULL;
}

int gw_dns_packet_parse(const uint8_t *data, size_t len, struct gw_dns_message *out, char *problem,
                        size_t problem_len)
{
    memset(out, 0, sizeof(*out));
    const char *why = NULL;
    if (len < HEADER_LEN) {
        why = "shorter than a DNS header";
        goto bad;
    }
    out->id = be16(data);
    uint16_t flags = be16(data + 2);
    out->response = flags & 0x8000;
    out->authoritative = flags & 0x0400;
    out->truncated = flags & 0x0200;
    out->rcode = flags & 0x000f;
    uint16_t qdcount = be16(data + 4), ancount = be16(data + 6);
    size_t pos = HEADER_LEN;
    for (uint16_t i = 0; i < qdcount; i++) {
        char name[GW_DNS_NAME_MAX];
        if ((why = read_name(data, len, &pos, name)))
            goto bad;
        if (pos + 4 > len) {
            why = "the question runs past the message";
            goto bad;
        }
        if (i == 0) {
            memcpy(out->question, name, sizeof(name));
            out->question_type = be16(data + pos);
        }
        pos += 4;
    }
    for (uint16_t i = 0; i < ancount; i++) {
        struct gw_dns_record scratch, *r = i < GW_DNS_MAX_ANSWERS ? &out->records[i] : &scratch;
        memset(r, 0, sizeof(*r));
        if ((why = read_name(data, len, &pos, r->owner)))
            goto bad;
        if (pos + 10 > len) {
            why = "an answer runs past the message";
            goto bad;
        }
        r->type = be16(data + pos);
        r->ttl = be32(data + pos + 4);
        size_t rdlen = be16(data + pos + 8);
        pos += 10;
        if (pos + rdlen > len) {
            why = "an answer's data runs past the message";
            goto bad;
        }
        if ((why = record_text(data, len, pos, rdlen, r)))
            goto bad;
        pos += rdlen;
        out->n_answers++;
    }
    out->n_kept = out->n_answers < GW_DNS_MAX_ANSWERS ? out->n_answers : GW_DNS_MAX_ANSWERS;
    return 0;
bad:
    snprintf(problem, problem_len, "%s", why);
    out->n_answers = out->n_kept = 0;
    return -EINVAL;
}

size_t gw_dns_packet_query(uint16_t id, const char *name, uint16_t type, bool recursion,
                           uint8_t *out, size_t cap)
{
    size_t len = strlen(name);
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > 253 || cap < HEADER_LEN + len + 2 + 4)
        return 0;
    memset(out, 0, HEADER_LEN);
    out[0] = (uint8_t)(id >> 8);
    out[1] = (uint8_t)id;
    out[2] = recursion ? 0x01 : 0x00; /* RD */
    out[5] = 1;                       /* one question */
    size_t p = HEADER_LEN;
    for (size_t start = 0; start < len;) {
        const char *dot = memchr(name + start, '.', len - start);
        size_t l = (dot ? (size_t)(dot - name) : len) - start;
        if (l == 0 || l > 63)
            return 0;
        out[p++] = (uint8_t)l;
        memcpy(out + p, name + start, l);
        p += l;
        start += l + 1;
    }
    out[p++] = 0;
    out[p++] = (uint8_t)(type >> 8);
    out[p++] = (uint8_t)type;
    out[p++] = 0;
    out[p++] = 1; /* class IN */
    return p;
}
