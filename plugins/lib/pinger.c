#include "pinger.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "icmp_packet.h"
#include "netaddr.h"

#define SEQS           65536
#define READS_PER_WAKE 256 /* then the loop's other work gets its turn */
#define BATCH          16  /* messages a recvmmsg call reads */

/* Where a batch of messages is read into. */
struct batch {
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_storage from[BATCH];
    union {
        char bytes[CMSG_SPACE(sizeof(struct timespec)) + 64];
        struct cmsghdr align;
    } control[BATCH];
    /* a reply is 84 bytes; an error quotes our request within its first 76 */
    uint8_t data[BATCH][1024];
};

#ifndef ICMP_FILTER /* <linux/icmp.h>, which clashes with <netinet/ip_icmp.h> */
#define ICMP_FILTER 1
#endif

struct gw_pinger {
    struct gw_pinger *next; /* in the open pingers */
    uv_loop_t *loop;
    int family;
    gw_pinger_cb cb;
    int fd;
    bool raw;
    uint16_t ident; /* raw: the identifier of our requests */
    uint64_t cookie;
    unsigned users;
    uint16_t next_seq;
    unsigned outstanding;
    uv_poll_t poll;
    void **owners; /* SEQS: the owner of each outstanding sequence number */
    struct batch *batch;
};

/* The open pingers. Plugins keep no state of their own but a target's
 * immutable conf; this list is the exception, and only the thread of each
 * loop touches its entries. */
static _Thread_local struct gw_pinger *pingers;

static void closed_cb(uv_handle_t *handle)
{
    struct gw_pinger *p = handle->data;
    close(p->fd);
    free(p->owners);
    free(p->batch);
    free(p);
}

void gw_pinger_release(struct gw_pinger *p)
{
    if (--p->users > 0)
        return;
    for (struct gw_pinger **pp = &pingers; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    uv_close((uv_handle_t *)&p->poll, closed_cb);
}

/* A socket of `type`, non-blocking, stamping what it receives. */
static int open_socket(int family, int type)
{
    int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd < 0)
        return -errno;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
    if (type == SOCK_RAW && family == AF_INET) {
        /* the types to block: all but echo replies and the errors read */
        uint32_t block =
            ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_DEST_UNREACH) | (1u << ICMP_TIME_EXCEEDED));
        setsockopt(fd, SOL_RAW, ICMP_FILTER, &block, sizeof(block));
    } else if (type == SOCK_RAW) {
        struct icmp6_filter filter;
        ICMP6_FILTER_SETBLOCKALL(&filter);
        ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &filter);
        setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter));
    }
    return fd;
}

/* The kernel's receive stamp, 0 when the message has none. */
static int64_t received_wall_ns(struct msghdr *msg)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        }
    }
    return 0;
}

static void dispatch(struct gw_pinger *p, const uint8_t *data, size_t len,
                     const struct sockaddr_storage *from, int64_t rx_wall_ns)
{
    struct gw_icmp_packet packet;
    /* raw IPv4 sockets receive the IP header */
    gw_icmp_packet_parse(p->family, p->raw && p->family == AF_INET, data, len, &packet);
    if (packet.kind == GW_ICMP_PACKET_OTHER)
        return;
    /* a datagram socket's identifier is the kernel's, and only ours arrive */
    if (p->raw && packet.id != p->ident)
        return;
    if (packet.kind == GW_ICMP_PACKET_REPLY &&
        (!packet.has_cookie || packet.cookie != p->cookie || packet.seq_copy != packet.seq))
        return;
    void *owner = p->owners[packet.seq];
    if (!owner)
        return; /* a duplicate, or a request its owner forgot */
    gw_pinger_forget(p, packet.seq);
    if (packet.kind == GW_ICMP_PACKET_REPLY) {
        p->cb(owner, packet.seq, rx_wall_ns, NULL);
    } else {
        char ip[64], error[128];
        gw_netaddr_ip(from, ip, sizeof(ip));
        snprintf(error, sizeof(error), "%s (reported by %s)", packet.error, ip);
        p->cb(owner, packet.seq, rx_wall_ns, error);
    }
}

static void poll_cb(uv_poll_t *poll, int status, int events)
{
    (void)events;
    struct gw_pinger *p = poll->data;
    if (status < 0) {
        /* A pending socket error (POLLERR) stops the handle: clear it, go on. */
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        uv_poll_start(&p->poll, UV_READABLE, poll_cb);
        return;
    }
    /* Replies may end runs and with the last one the pinger: hold it. */
    p->users++;
    struct batch *b = p->batch;
    for (int round = 0; round < READS_PER_WAKE / BATCH; round++) {
        for (int i = 0; i < BATCH; i++) {
            b->iov[i] = (struct iovec){.iov_base = b->data[i], .iov_len = sizeof(b->data[i])};
            b->msgs[i].msg_hdr = (struct msghdr){
                .msg_name = &b->from[i],
                .msg_namelen = sizeof(b->from[i]),
                .msg_iov = &b->iov[i],
                .msg_iovlen = 1,
                .msg_control = b->control[i].bytes,
                .msg_controllen = sizeof(b->control[i].bytes),
            };
        }
        /* One call reads what has arrived: usually a reply or two, as
         * requests go out spread over time. */
        int n = recvmmsg(p->fd, b->msgs, BATCH, MSG_DONTWAIT, NULL);
        if (n < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < n; i++)
            dispatch(p, b->data[i], b->msgs[i].msg_len, &b->from[i],
                     received_wall_ns(&b->msgs[i].msg_hdr));
        if (n < BATCH)
            break; /* all read (or an error the next wake-up meets again) */
    }
    gw_pinger_release(p);
}

int gw_pinger_acquire(uv_loop_t *loop, int family, gw_pinger_cb cb, struct gw_pinger **out)
{
    for (struct gw_pinger *p = pingers; p; p = p->next) {
        if (p->loop == loop && p->family == family && p->cb == cb) {
            p->users++;
            *out = p;
            return 0;
        }
    }
    bool raw = false;
    int fd = open_socket(family, SOCK_DGRAM);
    if (fd == -EACCES || fd == -EPERM) {
        raw = true;
        fd = open_socket(family, SOCK_RAW);
        if (fd == -EACCES)
            fd = -EPERM;
    }
    if (fd < 0)
        return fd;
    struct gw_pinger *p = calloc(1, sizeof(*p));
    void **owners = calloc(SEQS, sizeof(*owners));
    struct batch *batch = malloc(sizeof(*batch));
    if (!p || !owners || !batch)
        abort();
    p->owners = owners;
    p->batch = batch;
    p->loop = loop;
    p->family = family;
    p->cb = cb;
    p->fd = fd;
    p->raw = raw;
    /* Not secret, only unlikely to be another pinger's of this host. */
    uint64_t seed = uv_hrtime() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)p;
    p->cookie = seed * UINT64_C(0x9E3779B97F4A7C15);
    p->ident = (uint16_t)(p->cookie >> 48);
    p->next_seq = (uint16_t)(p->cookie >> 32);
    int rc = uv_poll_init_socket(loop, &p->poll, fd);
    if (rc < 0) {
        close(fd);
        free(p->owners);
        free(p->batch);
        free(p);
        return rc;
    }
    p->poll.data = p;
    p->users = 1;
    uv_poll_start(&p->poll, UV_READABLE, poll_cb);
    p->next = pingers;
    pingers = p;
    *out = p;
    return 0;
}

int gw_pinger_send(struct gw_pinger *p, void *owner, const struct sockaddr_storage *to,
                   uint16_t *seq)
{
    if (p->outstanding == SEQS)
        return -EBUSY;
    while (p->owners[p->next_seq])
        p->next_seq++;
    uint16_t s = p->next_seq++;
    uint8_t packet[GW_ICMP_PACKET_SIZE];
    gw_icmp_packet_echo(p->family, p->raw && p->family == AF_INET, p->ident, s, p->cookie, packet);
    ssize_t n;
    do
        n = sendto(p->fd, packet, sizeof(packet), 0, (const struct sockaddr *)to,
                   (socklen_t)gw_netaddr_len(to));
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    p->owners[s] = owner;
    p->outstanding++;
    *seq = s;
    return 0;
}

void gw_pinger_forget(struct gw_pinger *p, uint16_t seq)
{
    if (p->owners[seq]) {
        p->owners[seq] = NULL;
        p->outstanding--;
    }
}

bool gw_pinger_is_raw(const struct gw_pinger *p)
{
    return p->raw;
}
