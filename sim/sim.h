/*
 * gwyliwr-sim: a simulated council estate on 127.0.0.1.
 *
 * One process, one libuv loop, one thread. TCP listeners are libuv handles;
 * HTTP(S) listeners are libmicrohttpd daemons in external-polling mode whose
 * epoll descriptor is watched by the same loop, so every piece of state
 * (behaviours, schedules, counters) belongs to the loop thread and nothing
 * needs a lock.
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "slot.h"

struct sim_tcp;
struct sim_http;
struct sim;

enum sim_listener_type {
    SIM_LISTENER_TCP,
    SIM_LISTENER_HTTP,
    SIM_LISTENER_HTTPS,
    SIM_LISTENER_CONTROL,
};

struct sim_route {
    char *path; /* "/api/health" */
    struct sim_slot *slot;
};

struct sim_listener {
    struct sim *sim;
    char *name;
    enum sim_listener_type type;
    uint16_t port;         /* as configured (0: any), then as bound */
    struct sim_slot *slot; /* tcp: the listener's behaviour over time */
    struct sim_route *routes;
    size_t n_routes;
    char *cert_pem; /* https */
    char *key_pem;
    uint64_t connections; /* accepted since start (or the last stats reset) */
    uint64_t requests;    /* http: requests, any path */
    struct sim_tcp *tcp;  /* running state, while started */
    struct sim_http *http;
};

/* Called once when every listener is bound and settled. */
typedef void (*sim_ready_cb)(struct sim *sim);

struct sim {
    uv_loop_t *loop;
    char *dir; /* the scenario's directory: body_file paths are relative to it */
    struct sim_listener **listeners;
    size_t n_listeners;
    uint64_t start_ms;  /* loop time schedules count from */
    unsigned unsettled; /* listeners between two socket states (a blackhole filling) */
    bool stopping;
    bool ready;
    sim_ready_cb ready_cb;
    void *ready_data; /* for the ready callback */
};

/* An empty simulator on `loop` (borrowed). Caller frees with sim_free. */
struct sim *sim_new(uv_loop_t *loop);
/* Frees the simulator and its listeners (stop it first); NULL does nothing. */
void sim_free(struct sim *sim);
/* Adds a listener (taken). */
void sim_add_listener(struct sim *sim, struct sim_listener *l);
/* Frees a listener that was never started; NULL does nothing. */
void sim_listener_free(struct sim_listener *l);

/*
 * Binds every listener and starts every schedule. Problems are logged.
 * Returns 0 or the first negative errno. `ready` is called later, on the
 * loop, once every listener is settled (never from this call).
 */
int sim_start(struct sim *sim, sim_ready_cb ready, void *data);
/* Closes every listener and connection; the loop then runs out. */
void sim_stop(struct sim *sim);

/* The listener called `name`, or NULL. */
struct sim_listener *sim_find_listener(const struct sim *sim, const char *name);
/* The route of `l` for `path` (exact match), or NULL. */
struct sim_route *sim_find_route(const struct sim_listener *l, const char *path);

/*
 * A non-blocking TCP socket bound to 127.0.0.1:*port (0: any free port),
 * not listening; *port is set to the port bound. Returns 0 or a negative errno.
 */
int sim_bind_loopback(uint16_t *port, int *fd_out);

/* A listener begins and ends a change that must finish before it is "ready". */
void sim_settle_begin(struct sim *sim);
void sim_settle_end(struct sim *sim);

/*
 * Logs a line through gw_log with the program's name first: the demo runs
 * us beside the daemon, on the same terminal.
 */
void sim_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The kind of behaviour a listener's slots hold. */
enum sim_behav_kind sim_listener_kind(const struct sim_listener *l);
/* "tcp", "http", "https", "control". */
const char *sim_listener_type_name(enum sim_listener_type type);

#endif
