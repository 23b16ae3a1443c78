/*
 * One running check: starts a target's plugin on the loop, enforces the
 * timeout whatever the plugin does, gathers its figures, and hands exactly one
 * result to the owner's callback.
 */
#ifndef GW_CHECK_H
#define GW_CHECK_H

#include <stdint.h>

#include <gwyliwr/plugin.h>

#include "config/config.h"
#include "result/result.h"

struct gw_check;

/*
 * Called once with the result, on the loop, never from inside gw_check_start.
 * `result` is borrowed for the call. The check frees itself afterwards.
 */
typedef void (*gw_check_done_cb)(void *data, const struct gw_target_conf *conf,
                                 const struct gw_result *result);

/*
 * Starts a check of `conf` (which must stay valid until the callback: the
 * check holds a reference to `config`). `lateness_ms` is recorded in the
 * result. On success returns 0, sets *check_out (borrowed: valid until the
 * callback) and later calls done_cb once. When the plugin refuses to start,
 * returns its negative errno and never calls done_cb.
 */
int gw_check_start(const struct gw_host *host, struct gw_config *config,
                   const struct gw_target_conf *conf, uint64_t lateness_ms,
                   gw_check_done_cb done_cb, void *data, struct gw_check **check_out);

/*
 * Abandons a running check: the plugin is cancelled and done_cb is called
 * later with an UNKNOWN result whose reason is "cancelled" unless `silent`,
 * in which case it is never called.
 */
void gw_check_cancel(struct gw_check *check, bool silent);

/* Host table functions (see struct gw_host). */
const char *gw_check_target(const struct gw_check *check);
uint64_t gw_check_timeout_ms(const struct gw_check *check);
void gw_check_figure(struct gw_check *check, const char *name, double value);
void gw_check_detail(struct gw_check *check, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gw_check_samples(struct gw_check *check, const double *samples, size_t n);
void gw_check_done(struct gw_check *check, enum gw_status status, const char *reason,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void gw_check_item(struct gw_check *check, const char *id, enum gw_item_status status,
                   const char *reason, const char *name, uint32_t flags);
void gw_check_items_complete(struct gw_check *check);
void gw_check_retry_after(struct gw_check *check, uint64_t delay_ms);

#endif
