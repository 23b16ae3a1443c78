/*
 * TCP listeners: open (with an optional banner), silent, reset, closed and
 * blackhole, switched over time by the listener's slot.
 *
 * A listener always holds its port: "closed" is a socket bound to the port
 * but not listening, so the kernel refuses connections (RST) and no other
 * program is handed the port meanwhile; "blackhole" is a socket listening
 * with a backlog of 0 whose accept queue is filled by one connection of our
 * own and never accepted, so the kernel drops every further SYN and a
 * client's connect() hangs until its own timeout.
 */
#ifndef SIM_TCP_H
#define SIM_TCP_H

#include "sim.h"

/* Binds the listener's port and puts it in the mode its behaviour asks for. Returns 0 or a negative
 * errno. */
int sim_tcp_start(struct sim_listener *l);
/* Closes the listener and its connections; memory is released on the loop. */
void sim_tcp_stop(struct sim_listener *l);
/* Puts the listener in the mode of l->slot->current (after a control change). */
void sim_tcp_apply(struct sim_listener *l);

#endif
