#include "tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"
#include "util/xalloc.h"

/* How long a blackhole may take to fill its queue before we call it settled
 * anyway: without SYN cookies the kernel drops even our own filler's SYN,
 * and then every connect() hangs already. */
#define SETTLE_MAX_MS 200

enum sock_mode {
    SOCK_NONE,      /* no socket (a bind failed) */
    SOCK_RESERVED,  /* bound, not listening: connections are refused */
    SOCK_LISTENING, /* accepting */
    SOCK_BLACKHOLE, /* listening with a full queue: SYNs are dropped */
};

struct tcp_conn {
    uv_tcp_t handle;
    struct sim_tcp *t;   /* NULL once the listener is stopped */
    struct sim_behav *b; /* holds the banner while it is written */
    uv_write_t write;
    uv_shutdown_t shutdown;
    struct tcp_conn *prev, *next;
};

/* Our own connection that fills a blackhole's accept queue. */
struct tcp_filler {
    uv_tcp_t handle;
    uv_connect_t connect;
};

struct sim_tcp {
    struct sim_listener *l;
    enum sock_mode mode;
    uv_tcp_t *sock;
    struct tcp_filler *filler;
    uv_timer_t *settle; /* polls a blackhole's queue until it is full */
    uint64_t settle_since;
    struct tcp_conn *conns;
    char discard[64 * 1024]; /* what clients send is read and dropped */
};

static void free_handle_cb(uv_handle_t *h)
{
    free(h);
}

/* ---- connections ------------------------------------------------------------ */

static void conn_close_cb(uv_handle_t *h)
{
    struct tcp_conn *c = h->data;
    if (c->t) {
        if (c->prev)
            c->prev->next = c->next;
        else
            c->t->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
    }
    sim_behav_unref(c->b);
    free(c);
}

static void conn_close(struct tcp_conn *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->handle))
        uv_close((uv_handle_t *)&c->handle, conn_close_cb);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct tcp_conn *c = h->data;
    *buf = uv_buf_init(c->t->discard, sizeof(c->t->discard));
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    if (nread < 0)
        conn_close(s->data);
}

static void shutdown_cb(uv_shutdown_t *req, int status)
{
    (void)status;
    conn_close(req->data);
}

static void write_cb(uv_write_t *req, int status)
{
    struct tcp_conn *c = req->data;
    if (status < 0 || !c->b->close_after_banner)
        return;
    /* FIN after the banner, so the client reads it whole before EOF. */
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->handle, shutdown_cb) < 0)
        conn_close(c);
}

static void accept_cb(uv_stream_t *server, int status)
{
    struct sim_tcp *t = server->data;
    if (status < 0) {
        sim_log(GW_LOG_WARNING, "%s: accept: %s", t->l->name, uv_strerror(status));
        return;
    }
    struct tcp_conn *c = gw_xcalloc(1, sizeof(*c));
    uv_tcp_init(server->loop, &c->handle);
    c->handle.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->handle) < 0) {
        uv_close((uv_handle_t *)&c->handle, conn_close_cb);
        return;
    }
    c->t = t;
    c->next = t->conns;
    if (t->conns)
        t->conns->prev = c;
    t->conns = c;
    t->l->connections++;
    t->l->slot->count++;

    struct sim_behav *b = t->l->slot->current;
    switch (b->mode) {
    case SIM_TCP_RESET:
        /* SO_LINGER 0 and close: the kernel answers with RST. */
        uv_tcp_close_reset(&c->handle, conn_close_cb);
        return;
    case SIM_TCP_OPEN:
        if (b->banner && b->banner_len) {
            c->b = sim_behav_ref(b);
            uv_buf_t buf = uv_buf_init(b->banner, (unsigned)b->banner_len);
            c->write.data = c;
            if (uv_write(&c->write, (uv_stream_t *)&c->handle, &buf, 1, write_cb) < 0) {
                conn_close(c);
                return;
            }
        } else if (b->close_after_banner) {
            conn_close(c);
            return;
        }
        break;
    default:
        break;
    }
    if (uv_read_start((uv_stream_t *)&c->handle, alloc_cb, read_cb) < 0)
        conn_close(c);
}

/* ---- the listening socket ------------------------------------------------------ */

static void filler_connect_cb(uv_connect_t *req, int status)
{
    /* Nothing to do: the connection only has to sit in the queue. A failure
     * means SYNs are dropped already, which is what a blackhole wants. */
    (void)req;
    (void)status;
}

static void filler_close_cb(uv_handle_t *h)
{
    free(h->data);
}

/* True when the listening socket's accept queue is over its backlog. */
static bool queue_full(uv_tcp_t *sock)
{
    uv_os_fd_t fd;
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    if (uv_fileno((uv_handle_t *)sock, &fd) != 0 ||
        getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return false;
    /* For a listening socket Linux reports the accept queue's length in
     * tcpi_unacked and its backlog in tcpi_sacked (what `ss -lt` shows). */
    return ti.tcpi_unacked > ti.tcpi_sacked;
}

static void settle_done(struct sim_tcp *t)
{
    uv_close((uv_handle_t *)t->settle, free_handle_cb);
    t->settle = NULL;
    sim_settle_end(t->l->sim);
}

static void settle_timer_cb(uv_timer_t *timer)
{
    struct sim_tcp *t = timer->data;
    if (queue_full(t->sock)) {
        settle_done(t);
    } else if (uv_now(timer->loop) - t->settle_since >= SETTLE_MAX_MS) {
        sim_log(GW_LOG_DEBUG, "%s: our filler connection is not queued; SYNs are dropped anyway",
                t->l->name);
        settle_done(t);
    }
}

/* Closes the socket (and, with `conns`, every connection). */
static void teardown(struct sim_tcp *t, bool conns)
{
    if (t->settle)
        settle_done(t);
    if (t->filler) {
        uv_close((uv_handle_t *)&t->filler->handle, filler_close_cb);
        t->filler = NULL;
    }
    if (t->sock) {
        uv_close((uv_handle_t *)t->sock, free_handle_cb);
        t->sock = NULL;
    }
    t->mode = SOCK_NONE;
    if (!conns)
        return;
    for (struct tcp_conn *c = t->conns; c; c = c->next) {
        c->t = NULL;
        conn_close(c);
    }
    t->conns = NULL;
}

static enum sock_mode mode_for(enum sim_tcp_mode m)
{
    switch (m) {
    case SIM_TCP_CLOSED:
        return SOCK_RESERVED;
    case SIM_TCP_BLACKHOLE:
        return SOCK_BLACKHOLE;
    default:
        return SOCK_LISTENING;
    }
}

/* Fills the accept queue of a socket listening with backlog 0. */
static int blackhole(struct sim_tcp *t, int fd)
{
    if (listen(fd, 0) != 0)
        return -errno;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(t->l->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    t->filler = gw_xcalloc(1, sizeof(*t->filler));
    uv_tcp_init(t->l->sim->loop, &t->filler->handle);
    t->filler->handle.data = t->filler;
    int rc = uv_tcp_connect(&t->filler->connect, &t->filler->handle, (struct sockaddr *)&sa,
                            filler_connect_cb);
    if (rc < 0)
        return rc;
    /* On loopback the handshake completes inside connect(), so the queue is
     * normally full already; otherwise wait for it before saying "ready". */
    if (queue_full(t->sock))
        return 0;
    t->settle = gw_xmalloc(sizeof(*t->settle));
    uv_timer_init(t->l->sim->loop, t->settle);
    t->settle->data = t;
    t->settle_since = uv_now(t->l->sim->loop);
    uv_timer_start(t->settle, settle_timer_cb, 1, 1);
    sim_settle_begin(t->l->sim);
    return 0;
}

/* Makes the socket for `want`. Returns 0 or a negative errno (logged). */
static int open_socket(struct sim_tcp *t, enum sock_mode want)
{
    struct sim_listener *l = t->l;
    int fd = -1;
    int rc = sim_bind_loopback(&l->port, &fd);
    if (rc < 0) {
        sim_log(GW_LOG_ERROR, "%s: cannot bind 127.0.0.1:%u: %s", l->name, l->port, strerror(-rc));
        return rc;
    }
    t->sock = gw_xmalloc(sizeof(*t->sock));
    uv_tcp_init(l->sim->loop, t->sock);
    t->sock->data = t;
    if ((rc = uv_tcp_open(t->sock, fd)) < 0) {
        close(fd);
        goto fail;
    }
    t->mode = want;
    if (want == SOCK_LISTENING)
        rc = uv_listen((uv_stream_t *)t->sock, 128, accept_cb);
    else if (want == SOCK_BLACKHOLE)
        rc = blackhole(t, fd);
    if (rc == 0)
        return 0;
fail:
    sim_log(GW_LOG_ERROR, "%s: cannot listen on 127.0.0.1:%u: %s", l->name, l->port,
            uv_strerror(rc));
    teardown(t, false);
    return rc;
}

void sim_tcp_apply(struct sim_listener *l)
{
    struct sim_tcp *t = l->tcp;
    enum sock_mode want = mode_for(l->slot->current->mode);
    if (t->sock && want == t->mode)
        return;
    /* A service that goes away drops its clients too. */
    teardown(t, want != SOCK_LISTENING);
    open_socket(t, want);
}

static void changed_cb(struct sim_slot *slot, void *data)
{
    struct sim_listener *l = data;
    char *what = sim_behav_describe(slot->current, SIM_BEHAV_TCP);
    sim_log(GW_LOG_INFO, "%s: now %s (phase %ld)", l->name, what, slot->phase);
    free(what);
    sim_tcp_apply(l);
}

int sim_tcp_start(struct sim_listener *l)
{
    struct sim_tcp *t = gw_xcalloc(1, sizeof(*t));
    t->l = l;
    l->tcp = t;
    sim_slot_start(l->slot, l->sim->loop, l->sim->start_ms, changed_cb, l);
    return open_socket(t, mode_for(l->slot->current->mode));
}

void sim_tcp_stop(struct sim_listener *l)
{
    struct sim_tcp *t = l->tcp;
    sim_slot_stop(l->slot);
    teardown(t, true);
    free(t);
    l->tcp = NULL;
}
