/*
 * One attempt to deliver a notification through a notifier plugin, with
 * the daemon's own timeout on top of whatever the plugin does: the plugin
 * is cancelled at the limit and the attempt fails with -ETIMEDOUT.
 */
#ifndef GW_DELIVERY_H
#define GW_DELIVERY_H

#include <stdint.h>

#include <gwyliwr/plugin.h>

#include "config/config.h"

struct gw_delivery;

/*
 * How the attempt ended: err 0 when the receiver took it, else a negative
 * errno (-EINVAL: retrying cannot help), `message` what happened (borrowed
 * for the call), retry_after_ms the receiver's wish (0: none).
 */
typedef void (*gw_alert_delivery_cb)(void *data, int err, const char *message,
                                     uint64_t retry_after_ms);

/*
 * Starts delivering `notification` (borrowed for the call only) with the
 * notifier `notifier` of `config` (a reference is held until the attempt
 * ends). Returns 0 and later calls cb exactly once, never from inside this
 * call; or returns the plugin's negative errno and never calls it
 * (*message_out, when not NULL, gets a sentence: caller frees).
 */
int gw_alert_delivery_start(const struct gw_host *host, struct gw_config *config,
                            const struct gw_notifier_conf *notifier,
                            const struct gw_notification *notification, gw_alert_delivery_cb cb,
                            void *data, struct gw_delivery **out, char **message_out);

/* Abandons the attempt: cb is never called; the plugin is cancelled. */
void gw_alert_delivery_cancel(struct gw_delivery *delivery);

#endif
