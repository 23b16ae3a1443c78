/*
 * The control endpoint: what a test uses to make faults happen now rather
 * than when the schedule says, and to count what reached each listener.
 *
 *   GET    /control/stats                   counters and behaviour of every listener
 *   DELETE /control/stats                   sets the counters to zero
 *   POST   /control/<listener>[/<route>]    JSON overrides, in force until deleted
 *   DELETE /control/<listener>[/<route>]    back to the schedule
 *   GET    /control/<listener>[/<route>]    the behaviour in force
 *
 * The route is the rest of the path: POST /control/web/api/health names the
 * route "/api/health" of listener "web"; /control/web/ names "/".
 */
#ifndef SIM_CONTROL_H
#define SIM_CONTROL_H

#include <stddef.h>

#include "sim.h"

struct sim_control_reply {
    unsigned status;
    char *body; /* JSON; owned */
};

/* Answers one request: `body` (may be NULL) is the request body. */
void sim_control_handle(struct sim *sim, const char *method, const char *url, const char *body,
                        size_t len, struct sim_control_reply *reply);
/* Frees the reply's body. */
void sim_control_reply_clear(struct sim_control_reply *reply);

#endif
