/*
 * The host table: the daemon services handed to plugins (struct gw_host of
 * <gwyliwr/plugin.h>), wired to the configuration getters, the running
 * check functions and the shared HTTP client.
 */
#ifndef GW_HOST_H
#define GW_HOST_H

#include <gwyliwr/plugin.h>

#include "check/http_client.h"

/* The daemon's own state behind a host table (host->internal). */
struct gw_host_internal {
    struct gw_http_client *http; /* borrowed; NULL: http_start fails with -ENOTSUP */
};

/* Fills `host` for a daemon running `loop` (NULL when no check will run,
 * as in check-config). */
void gw_host_init(struct gw_host *host, uv_loop_t *loop);

/*
 * Gives the table an HTTP client for http_start/http_cancel (borrowed: it
 * must outlive every check started through the table). NULL takes it away
 * again and releases what the table held for it: call that before
 * gw_http_client_free. Must run on the loop thread, with no check running
 * when the client changes.
 */
void gw_host_set_http(struct gw_host *host, struct gw_http_client *client);

#endif
