#include "sim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "tcp.h"
#include "util/log.h"
#include "util/xalloc.h"

struct sim *sim_new(uv_loop_t *loop)
{
    struct sim *sim = gw_xcalloc(1, sizeof(*sim));
    sim->loop = loop;
    return sim;
}

void sim_listener_free(struct sim_listener *l)
{
    if (!l)
        return;
    sim_slot_free(l->slot);
    for (size_t i = 0; i < l->n_routes; i++) {
        free(l->routes[i].path);
        sim_slot_free(l->routes[i].slot);
    }
    free(l->routes);
    free(l->cert_pem);
    free(l->key_pem);
    free(l->name);
    free(l);
}

void sim_free(struct sim *sim)
{
    if (!sim)
        return;
    for (size_t i = 0; i < sim->n_listeners; i++)
        sim_listener_free(sim->listeners[i]);
    free(sim->listeners);
    free(sim->dir);
    free(sim);
}

void sim_add_listener(struct sim *sim, struct sim_listener *l)
{
    l->sim = sim;
    sim->listeners =
        gw_xreallocarray(sim->listeners, sim->n_listeners + 1, sizeof(*sim->listeners));
    sim->listeners[sim->n_listeners++] = l;
}

struct sim_listener *sim_find_listener(const struct sim *sim, const char *name)
{
    for (size_t i = 0; i < sim->n_listeners; i++)
        if (strcmp(sim->listeners[i]->name, name) == 0)
            return sim->listeners[i];
    return NULL;
}

struct sim_route *sim_find_route(const struct sim_listener *l, const char *path)
{
    for (size_t i = 0; i < l->n_routes; i++)
        if (strcmp(l->routes[i].path, path) == 0)
            return &l->routes[i];
    return NULL;
}

enum sim_behav_kind sim_listener_kind(const struct sim_listener *l)
{
    switch (l->type) {
    case SIM_LISTENER_TCP:
        return SIM_BEHAV_TCP;
    case SIM_LISTENER_HTTPS:
        return SIM_BEHAV_HTTPS;
    default:
        return SIM_BEHAV_HTTP;
    }
}

const char *sim_listener_type_name(enum sim_listener_type type)
{
    static const char *const names[] = {"tcp", "http", "https", "control"};
    return names[type];
}

void sim_log(int level, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    gw_log(level, "gwyliwr-sim: %s", msg);
    free(msg);
}

/* ---- sockets --------------------------------------------------------------- */

int sim_bind_loopback(uint16_t *port, int *fd_out)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    /* A port given up a moment ago (a listener that flaps) has connections
     * in TIME_WAIT; they must not stop it being bound again. */
    int one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(*port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    *port = ntohs(sa.sin_port);
    *fd_out = fd;
    return 0;
}

/* ---- readiness ------------------------------------------------------------ */

static void free_handle_cb(uv_handle_t *h)
{
    free(h);
}

static void ready_timer_cb(uv_timer_t *timer)
{
    struct sim *sim = timer->data;
    uv_close((uv_handle_t *)timer, free_handle_cb);
    if (sim->stopping || sim->ready || sim->unsettled)
        return;
    sim->ready = true;
    sim->ready_cb(sim);
}

/* Calls the ready callback on the next loop iteration, once. */
static void ready_later(struct sim *sim)
{
    uv_timer_t *t = gw_xmalloc(sizeof(*t));
    uv_timer_init(sim->loop, t);
    t->data = sim;
    uv_timer_start(t, ready_timer_cb, 0, 0);
}

void sim_settle_begin(struct sim *sim)
{
    sim->unsettled++;
}

void sim_settle_end(struct sim *sim)
{
    if (--sim->unsettled > 0 || sim->stopping)
        return;
    if (!sim->ready && sim->ready_cb)
        ready_later(sim);
    for (size_t i = 0; i < sim->n_listeners; i++)
        if (sim->listeners[i]->type == SIM_LISTENER_CONTROL && sim->listeners[i]->http)
            sim_http_settled(sim->listeners[i]);
}

/* ---- start and stop -------------------------------------------------------- */

static void route_changed_cb(struct sim_slot *slot, void *data)
{
    (void)data;
    char *what = sim_behav_describe(slot->current, slot->kind);
    sim_log(GW_LOG_INFO, "%s: now %s (phase %ld)", slot->name, what, slot->phase);
    free(what);
}

int sim_start(struct sim *sim, sim_ready_cb ready, void *data)
{
    sim->ready_data = data;
    uv_update_time(sim->loop);
    sim->start_ms = uv_now(sim->loop);
    sim->ready_cb = ready;
    int first = 0;
    for (size_t i = 0; i < sim->n_listeners; i++) {
        struct sim_listener *l = sim->listeners[i];
        for (size_t r = 0; r < l->n_routes; r++)
            sim_slot_start(l->routes[r].slot, sim->loop, sim->start_ms, route_changed_cb, NULL);
        int rc = l->type == SIM_LISTENER_TCP ? sim_tcp_start(l) : sim_http_start(l);
        if (rc < 0 && first == 0)
            first = rc;
    }
    if (first == 0 && sim->unsettled == 0)
        ready_later(sim);
    return first;
}

void sim_stop(struct sim *sim)
{
    if (sim->stopping)
        return;
    sim->stopping = true;
    for (size_t i = 0; i < sim->n_listeners; i++) {
        struct sim_listener *l = sim->listeners[i];
        for (size_t r = 0; r < l->n_routes; r++)
            sim_slot_stop(l->routes[r].slot);
        if (l->tcp)
            sim_tcp_stop(l);
        if (l->http)
            sim_http_stop(l);
    }
}
