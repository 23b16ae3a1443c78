/*
 * The DNS message reader on any bytes, as a server (or anyone who can send
 * a datagram to our port) may deliver them. It must never read past the
 * message or loop, and what it returns must hold together: NUL-terminated
 * texts, no more records kept than the section has.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *message = malloc(size ? size : 1);
    if (!message)
        abort();
    memcpy(message, data, size);
    static struct gw_dns_message m;
    char problem[96];
    int rc = gw_dns_packet_parse(message, size, &m, problem, sizeof(problem));
    if (rc < 0 && (m.n_answers || m.n_kept || !memchr(problem, '\0', sizeof(problem))))
        abort();
    if (m.n_kept > GW_DNS_MAX_ANSWERS || m.n_kept > m.n_answers)
        abort();
    if (!memchr(m.question, '\0', sizeof(m.question)))
        abort();
    for (size_t i = 0; i < m.n_kept; i++)
        if (!memchr(m.records[i].text, '\0', sizeof(m.records[i].text)) ||
            !memchr(m.records[i].owner, '\0', sizeof(m.records[i].owner)))
            abort();
    /* a query for the question read back parses as one */
    uint8_t query[300];
    if (m.question[0]) {
        size_t len =
            gw_dns_packet_query(m.id, m.question, m.question_type, true, query, sizeof(query));
        if (len && gw_dns_packet_parse(query, len, &m, problem, sizeof(problem)) < 0)
            abort();
    }
    free(message);
    return 0;
}
