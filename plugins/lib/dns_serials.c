#include "dns_serials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "dns_packet.h"

struct gw_dns_serials {
    uv_loop_t *loop;
    struct gw_dns_channel *ch; /* borrowed; NULL once the names are resolved */
    char zone[GW_DNS_NAME_MAX];
    int port;
    uint64_t timeout_ms;
    gw_dns_serials_cb done; /* NULL once called or cancelled */
    void *data;

    unsigned pending; /* channel queries still out */
    size_t n_names;
    char names[GW_DNS_SERIALS_MAX_NS][GW_DNS_NAME_MAX];
    size_t n, n_settled;
    struct gw_dns_serial servers[GW_DNS_SERIALS_MAX_ADDRS];
    uint16_t ids[GW_DNS_SERIALS_MAX_ADDRS];
    bool settled[GW_DNS_SERIALS_MAX_ADDRS];

    uv_udp_t udp[2]; /* IPv4, IPv6 */
    bool udp_live[2];
    uv_timer_t timer;
    bool timer_live;
    char datagram[4096];
};

static void release(struct gw_dns_serials *s)
{
    if (!s->done && !s->udp_live[0] && !s->udp_live[1] && !s->timer_live)
        free(s);
}

static void closed_cb(uv_handle_t *handle)
{
    struct gw_dns_serials *s = handle->data;
    if (handle == (uv_handle_t *)&s->timer)
        s->timer_live = false;
    else
        s->udp_live[handle == (uv_handle_t *)&s->udp[1]] = false;
    release(s);
}

/* No more callbacks: closes the sockets and the timer; freed once they are. */
static void stop(struct gw_dns_serials *s)
{
    s->done = NULL;
    for (int i = 0; i < 2; i++)
        if (s->udp_live[i] && !uv_is_closing((uv_handle_t *)&s->udp[i]))
            uv_close((uv_handle_t *)&s->udp[i], closed_cb);
    if (s->timer_live && !uv_is_closing((uv_handle_t *)&s->timer))
        uv_close((uv_handle_t *)&s->timer, closed_cb);
    release(s);
}

static void report(struct gw_dns_serials *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (!s->settled[i])
            snprintf(s->servers[i].failure, sizeof(s->servers[i].failure), "no answer");
    gw_dns_serials_cb done = s->done;
    void *data = s->data;
    s->done = NULL;
    done(data, s->servers, s->n, s->n_names);
    stop(s);
}

void gw_dns_serials_cancel(struct gw_dns_serials *s)
{
    stop(s);
}

static void timeout_cb(uv_timer_t *timer)
{
    report(timer->data);
}

static void alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct gw_dns_serials *s = handle->data;
    buf->base = s->datagram;
    buf->len = sizeof(s->datagram);
}

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr *b)
{
    if (a->ss_family != b->sa_family)
        return false;
    if (b->sa_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a,
                                 *y = (const struct sockaddr_in *)b;
        return x->sin_port == y->sin_port && memcmp(&x->sin_addr, &y->sin_addr, 4) == 0;
    }
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a,
                              *y = (const struct sockaddr_in6 *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

/* A name server's answer: its serial, or why it has none. */
static void settle(struct gw_dns_serials *s, size_t i, const struct gw_dns_message *m)
{
    struct gw_dns_serial *t = &s->servers[i];
    s->settled[i] = true;
    s->n_settled++;
    char rcode[16];
    if (m->rcode != GW_DNS_NOERROR) {
        snprintf(t->failure, sizeof(t->failure), "%s",
                 gw_dns_packet_rcode_name(m->rcode, rcode, sizeof(rcode)));
        return;
    }
    if (!m->authoritative) {
        snprintf(t->failure, sizeof(t->failure), "not authoritative for the zone");
        return;
    }
    for (size_t j = 0; j < m->n_kept; j++) {
        if (m->records[j].type == GW_DNS_SOA) {
            t->serial = m->records[j].serial;
            return;
        }
    }
    snprintf(t->failure, sizeof(t->failure), "no SOA record");
}

static void recv_cb(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *from,
                    unsigned flags)
{
    (void)flags;
    struct gw_dns_serials *s = udp->data;
    if (!s->done || nread <= 0 || !from)
        return;
    struct gw_dns_message *m = malloc(sizeof(*m));
    if (!m)
        abort();
    char problem[96];
    if (gw_dns_packet_parse((const uint8_t *)buf->base, (size_t)nread, m, problem,
                            sizeof(problem)) == 0 &&
        m->response && strcmp(m->question, s->zone) == 0) {
        for (size_t i = 0; i < s->n; i++) {
            if (!s->settled[i] && m->id == s->ids[i] && same_address(&s->servers[i].addr, from)) {
                settle(s, i, m);
                break;
            }
        }
    }
    free(m);
    if (s->n_settled == s->n)
        report(s);
}

/* The socket of the address's family, opened on first use; NULL with err set when it cannot be. */
static uv_udp_t *socket_for(struct gw_dns_serials *s, int family, int *err)
{
    int k = family == AF_INET6;
    if (s->udp_live[k])
        return &s->udp[k];
    struct sockaddr_storage any;
    memset(&any, 0, sizeof(any));
    any.ss_family = (sa_family_t)family;
    *err = uv_udp_init(s->loop, &s->udp[k]);
    if (*err < 0)
        return NULL;
    s->udp[k].data = s;
    s->udp_live[k] = true;
    if ((*err = uv_udp_bind(&s->udp[k], (const struct sockaddr *)&any, 0)) < 0 ||
        (*err = uv_udp_recv_start(&s->udp[k], alloc_cb, recv_cb)) < 0)
        return NULL;
    return &s->udp[k];
}

/* The addresses are known: one SOA query each. */
static void ask_servers(struct gw_dns_serials *s)
{
    if (s->n == 0) {
        report(s);
        return;
    }
    uint64_t seed = uv_hrtime();
    for (size_t i = 0; i < s->n; i++) {
        struct gw_dns_serial *t = &s->servers[i];
        int err = 0;
        uv_udp_t *udp = socket_for(s, t->addr.ss_family, &err);
        /* ids only tell our queries apart: the address and question must match too */
        s->ids[i] = (uint16_t)((seed >> 10) + i * 40503u);
        uint8_t query[300];
        size_t len =
            gw_dns_packet_query(s->ids[i], s->zone, GW_DNS_SOA, false, query, sizeof(query));
        uv_buf_t b = uv_buf_init((char *)query, (unsigned)len);
        if (udp && (err = uv_udp_try_send(udp, &b, 1, (const struct sockaddr *)&t->addr)) >= 0)
            continue;
        s->settled[i] = true;
        s->n_settled++;
        snprintf(t->failure, sizeof(t->failure), "cannot ask: %s", uv_strerror(err));
    }
    if (s->n_settled == s->n) {
        report(s);
        return;
    }
    uv_timer_init(s->loop, &s->timer);
    s->timer.data = s;
    s->timer_live = true;
    uv_timer_start(&s->timer, timeout_cb, s->timeout_ms ? s->timeout_ms : 1, 0);
}

/* The records of an answer, or NULL (caller frees). */
static struct gw_dns_message *parse_answer(int status, const uint8_t *abuf, size_t alen)
{
    if (status != ARES_SUCCESS || !abuf)
        return NULL;
    struct gw_dns_message *m = malloc(sizeof(*m));
    if (!m)
        abort();
    char problem[96];
    if (gw_dns_packet_parse(abuf, alen, m, problem, sizeof(problem)) == 0)
        return m;
    free(m);
    return NULL;
}

/* One query of the survey is answered: on once none is left. */
static void query_settled(struct gw_dns_serials *s)
{
    if (--s->pending == 0)
        ask_servers(s);
}

static void address_cb(void *data, int status, const uint8_t *abuf, size_t alen)
{
    struct gw_dns_serials *s = data;
    struct gw_dns_message *m = parse_answer(status, abuf, alen);
    for (size_t i = 0; m && i < m->n_kept && s->n < GW_DNS_SERIALS_MAX_ADDRS; i++) {
        const struct gw_dns_record *r = &m->records[i];
        struct gw_dns_serial *t = &s->servers[s->n];
        memset(t, 0, sizeof(*t));
        for (size_t j = 0; j < s->n_names && (r->type == GW_DNS_A || r->type == GW_DNS_AAAA); j++)
            if (strcmp(s->names[j], r->owner) == 0)
                t->name = s->names[j];
        if (!t->name)
            continue; /* not an address, or an alias's: the name server's own are asked */
        if (r->type == GW_DNS_A)
            uv_ip4_addr(r->text, s->port, (struct sockaddr_in *)&t->addr);
        else
            uv_ip6_addr(r->text, s->port, (struct sockaddr_in6 *)&t->addr);
        s->n++;
    }
    free(m);
    query_settled(s);
}

static void ns_cb(void *data, int status, const uint8_t *abuf, size_t alen)
{
    struct gw_dns_serials *s = data;
    struct gw_dns_message *m = parse_answer(status, abuf, alen);
    for (size_t i = 0; m && i < m->n_kept && s->n_names < GW_DNS_SERIALS_MAX_NS; i++)
        if (m->records[i].type == GW_DNS_NS)
            snprintf(s->names[s->n_names++], GW_DNS_NAME_MAX, "%s", m->records[i].text);
    free(m);
    for (size_t i = 0; i < s->n_names; i++) {
        s->pending += 2;
        gw_dns_channel_query(s->ch, s->names[i], GW_DNS_A, address_cb, s);
        gw_dns_channel_query(s->ch, s->names[i], GW_DNS_AAAA, address_cb, s);
    }
    query_settled(s);
}

void gw_dns_serials_start(uv_loop_t *loop, struct gw_dns_channel *ch, const char *zone, int port,
                          uint64_t timeout_ms, gw_dns_serials_cb done, void *data,
                          struct gw_dns_serials **out)
{
    struct gw_dns_serials *s = calloc(1, sizeof(*s));
    if (!s)
        abort();
    s->loop = loop;
    s->ch = ch;
    snprintf(s->zone, sizeof(s->zone), "%s", zone);
    s->port = port;
    s->timeout_ms = timeout_ms;
    s->done = done;
    s->data = data;
    s->pending = 1;
    gw_dns_channel_query(ch, zone, GW_DNS_NS, ns_cb, s);
    *out = s;
}
