/*
 * The host table: the daemon services handed to plugins (struct gw_host of
 * <gwyliwr/plugin.h>), wired to the configuration getters and the running
 * check functions.
 */
#ifndef GW_HOST_H
#define GW_HOST_H

#include <gwyliwr/plugin.h>

/* Fills `host` for a daemon running `loop` (NULL when no check will run,
 * as in check-config). */
void gw_host_init(struct gw_host *host, uv_loop_t *loop);

#endif
