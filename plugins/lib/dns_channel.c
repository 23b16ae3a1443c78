#include "dns_channel.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <arpa/inet.h>

/* One socket of c-ares's, watched by the loop. */
struct sock {
    struct sock *next;
    struct gw_dns_channel *ch;
    ares_socket_t fd;
    uv_poll_t poll;
};

/* One query: c-ares calls back exactly once for each, also on destruction. */
struct query {
    struct query *next;
    struct gw_dns_channel *ch;
    gw_dns_channel_answer_cb answer;
    void *data;
    int status; /* when deferred: the status c-ares gave inside ares_query */
};

struct gw_dns_channel {
    uv_loop_t *loop;
    ares_channel channel; /* NULL until set up, and after teardown */
    int setup_status;
    char *server_csv;  /* the servers asked for, or NULL */
    char servers[160]; /* the servers in use, for messages */
    uint64_t timeout_ms;
    gw_dns_channel_ready_cb ready;
    void *data;

    uv_work_t work;
    bool working;   /* the set-up's after-work callback is still to come */
    bool closing;   /* closed: no more callbacks */
    bool torn_down; /* the c-ares channel destroyed, the handles closing */
    int depth;      /* inside c-ares or a callback of ours: no teardown now */
    bool in_query;  /* inside ares_query: its callbacks are deferred */

    uv_timer_t timer; /* c-ares's time-outs */
    uv_timer_t defer; /* callbacks c-ares made inside ares_query */
    unsigned live_handles;
    struct sock *socks;
    struct query *deferred;
};

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static int library_status;

static void library_init(void)
{
    library_status = ares_library_init(ARES_LIB_INIT_ALL);
}

static void handle_released(struct gw_dns_channel *ch)
{
    if (--ch->live_handles == 0 && !ch->working) {
        free(ch->server_csv);
        free(ch);
    }
}

static void sock_closed_cb(uv_handle_t *handle)
{
    struct sock *s = handle->data;
    struct gw_dns_channel *ch = s->ch;
    free(s);
    handle_released(ch);
}

static void timer_closed_cb(uv_handle_t *handle)
{
    handle_released(handle->data);
}

/* Destroys the c-ares channel (its sockets' watchers close through
 * sock_state_cb) and closes the timers; the channel is freed with the last. */
static void teardown(struct gw_dns_channel *ch)
{
    if (ch->torn_down || ch->working || ch->depth > 0)
        return;
    ch->torn_down = true;
    if (ch->channel) {
        ares_destroy(ch->channel); /* calls back every query: dropped, closing */
        ch->channel = NULL;
    }
    while (ch->deferred) {
        struct query *q = ch->deferred;
        ch->deferred = q->next;
        free(q);
    }
    uv_close((uv_handle_t *)&ch->timer, timer_closed_cb);
    uv_close((uv_handle_t *)&ch->defer, timer_closed_cb);
}

static void timer_cb(uv_timer_t *timer);

static void reschedule(struct gw_dns_channel *ch)
{
    if (ch->closing || !ch->channel)
        return;
    struct timeval tv;
    if (!ares_timeout(ch->channel, NULL, &tv)) {
        uv_timer_stop(&ch->timer);
        return;
    }
    uint64_t ms = (uint64_t)tv.tv_sec * 1000 + ((uint64_t)tv.tv_usec + 999) / 1000;
    uv_timer_start(&ch->timer, timer_cb, ms, 0);
}

/* After c-ares ran: the time-out it wants next, or the teardown asked for. */
static void after_process(struct gw_dns_channel *ch)
{
    if (ch->closing)
        teardown(ch);
    else
        reschedule(ch);
}

static void poll_cb(uv_poll_t *poll, int status, int events)
{
    struct sock *s = poll->data;
    struct gw_dns_channel *ch = s->ch;
    if (ch->closing || !ch->channel)
        return;
    /* an error on the socket (POLLERR stops the watcher): c-ares reads it */
    ares_socket_t r = status < 0 || (events & UV_READABLE) ? s->fd : ARES_SOCKET_BAD;
    ares_socket_t w = status < 0 || (events & UV_WRITABLE) ? s->fd : ARES_SOCKET_BAD;
    ch->depth++;
    ares_process_fd(ch->channel, r, w);
    ch->depth--;
    after_process(ch);
}

static void timer_cb(uv_timer_t *timer)
{
    struct gw_dns_channel *ch = timer->data;
    if (ch->closing || !ch->channel)
        return;
    ch->depth++;
    ares_process_fd(ch->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    ch->depth--;
    after_process(ch);
}

/* c-ares opens, changes or closes a socket (readable and writable both 0). */
static void sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
    struct gw_dns_channel *ch = data;
    struct sock **sp = &ch->socks;
    while (*sp && (*sp)->fd != fd)
        sp = &(*sp)->next;
    struct sock *s = *sp;
    if (!readable && !writable) {
        if (s) {
            *sp = s->next;
            /* synchronous deregistration: c-ares closes the descriptor next */
            uv_close((uv_handle_t *)&s->poll, sock_closed_cb);
        }
        return;
    }
    if (!s) {
        s = calloc(1, sizeof(*s));
        if (!s)
            abort();
        s->ch = ch;
        s->fd = fd;
        if (uv_poll_init_socket(ch->loop, &s->poll, fd) < 0) {
            /* unwatched, the query times out: c-ares's timer still runs */
            free(s);
            return;
        }
        s->poll.data = s;
        ch->live_handles++;
        s->next = ch->socks;
        ch->socks = s;
    }
    uv_poll_start(&s->poll, (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0), poll_cb);
}

static void query_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    struct query *q = arg;
    struct gw_dns_channel *ch = q->ch;
    if (ch->closing) {
        free(q);
        return;
    }
    if (ch->in_query) {
        q->status = status;
        q->next = ch->deferred;
        ch->deferred = q;
        return;
    }
    q->answer(q->data, status, abuf, abuf && alen > 0 ? (size_t)alen : 0);
    free(q);
}

static void defer_cb(uv_timer_t *timer)
{
    struct gw_dns_channel *ch = timer->data;
    ch->depth++;
    while (ch->deferred && !ch->closing) {
        struct query *q = ch->deferred;
        ch->deferred = q->next;
        q->answer(q->data, q->status, NULL, 0);
        free(q);
    }
    ch->depth--;
    after_process(ch);
}

void gw_dns_channel_query(struct gw_dns_channel *ch, const char *name, uint16_t type,
                          gw_dns_channel_answer_cb answer, void *data)
{
    struct query *q = calloc(1, sizeof(*q));
    if (!q)
        abort();
    q->ch = ch;
    q->answer = answer;
    q->data = data;
    ch->in_query = true;
    if (ch->channel)
        ares_query(ch->channel, name, 1 /* class IN */, type, query_cb, q);
    else
        query_cb(q, ARES_ENOTINITIALIZED, 0, NULL, 0); /* not ready: a caller's mistake */
    ch->in_query = false;
    if (ch->deferred)
        uv_timer_start(&ch->defer, defer_cb, 0, 0);
    reschedule(ch);
}

/* "127.0.0.53:53, [::1]:5353" into ch->servers. */
static void describe_servers(struct gw_dns_channel *ch, const struct ares_addr_port_node *node)
{
    size_t n = 0;
    ch->servers[0] = '\0';
    for (; node && n + 64 < sizeof(ch->servers); node = node->next) {
        char ip[INET6_ADDRSTRLEN] = "?";
        inet_ntop(node->family, &node->addr, ip, sizeof(ip));
        int port = node->udp_port ? node->udp_port : 53;
        bool v6 = node->family == AF_INET6;
        n += (size_t)snprintf(ch->servers + n, sizeof(ch->servers) - n, "%s%s%s%s:%d",
                              n ? ", " : "", v6 ? "[" : "", ip, v6 ? "]" : "", port);
    }
}

/*
 * Off the loop: c-ares reads /etc/resolv.conf when a channel is made. A first
 * channel tells which servers there are, so that the second's time-out per
 * try lets every server and one retry each (c-ares doubles the time of the
 * second round) end within the query's time: 3 x servers x per try.
 */
static void work_cb(uv_work_t *work)
{
    struct gw_dns_channel *ch = work->data;
    pthread_once(&library_once, library_init);
    if (library_status != ARES_SUCCESS) {
        ch->setup_status = library_status;
        return;
    }
    struct ares_options options;
    memset(&options, 0, sizeof(options));
    options.sock_state_cb = sock_state_cb;
    options.sock_state_cb_data = ch;
    options.flags = ARES_FLAG_NOCHECKRESP;
    options.tries = 2;
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_FLAGS | ARES_OPT_TRIES;
    ares_channel probe;
    int rc = ares_init_options(&probe, &options, mask);
    if (rc != ARES_SUCCESS) {
        ch->setup_status = rc;
        return;
    }
    struct ares_addr_port_node *servers = NULL;
    if (ch->server_csv)
        rc = ares_set_servers_ports_csv(probe, ch->server_csv);
    if (rc == ARES_SUCCESS)
        rc = ares_get_servers_ports(probe, &servers);
    ares_destroy(probe);
    unsigned n = 0;
    for (const struct ares_addr_port_node *s = servers; s; s = s->next)
        n++;
    if (rc == ARES_SUCCESS && n == 0)
        rc = ARES_EBADSTR;
    if (rc == ARES_SUCCESS) {
        uint64_t per_try = ch->timeout_ms / (3 * n + 1);
        options.timeout = per_try < 50 ? 50 : (int)per_try;
        rc = ares_init_options(&ch->channel, &options, mask | ARES_OPT_TIMEOUTMS);
    }
    if (rc == ARES_SUCCESS) {
        rc = ares_set_servers_ports(ch->channel, servers);
        describe_servers(ch, servers);
    }
    if (servers)
        ares_free_data(servers);
    ch->setup_status = rc;
}

static void after_work_cb(uv_work_t *work, int status)
{
    struct gw_dns_channel *ch = work->data;
    ch->working = false;
    if (status < 0 && ch->setup_status == ARES_SUCCESS)
        ch->setup_status = ARES_ECANCELLED;
    if (!ch->closing) {
        ch->depth++;
        ch->ready(ch->data, ch->setup_status, ch->servers);
        ch->depth--;
    }
    after_process(ch);
}

int gw_dns_channel_open(uv_loop_t *loop, const struct gw_dns_channel_options *options,
                        gw_dns_channel_ready_cb ready, void *data, struct gw_dns_channel **out)
{
    struct gw_dns_channel *ch = calloc(1, sizeof(*ch));
    if (!ch)
        abort();
    ch->loop = loop;
    ch->timeout_ms = options->timeout_ms;
    ch->ready = ready;
    ch->data = data;
    if (options->servers && !(ch->server_csv = strdup(options->servers)))
        abort();
    uv_timer_init(loop, &ch->timer);
    uv_timer_init(loop, &ch->defer);
    ch->timer.data = ch->defer.data = ch;
    ch->live_handles = 2;
    ch->work.data = ch;
    int rc = uv_queue_work(loop, &ch->work, work_cb, after_work_cb);
    if (rc < 0) {
        ch->closing = true;
        teardown(ch);
        return rc;
    }
    ch->working = true;
    *out = ch;
    return 0;
}

void gw_dns_channel_close(struct gw_dns_channel *ch)
{
    if (ch->closing)
        return;
    ch->closing = true;
    if (ch->working)
        uv_cancel((uv_req_t *)&ch->work); /* else after_work tears down */
    teardown(ch);
}
