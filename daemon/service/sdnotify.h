/*
 * Telling systemd how the daemon is doing (sd_notify(3)): ready, reloading,
 * stopping, a status line, and the watchdog keep-alive.
 *
 * Outside systemd (NOTIFY_SOCKET unset) every call succeeds and does nothing,
 * so callers need no "are we under systemd?" branches. The environment is left
 * in place, so later notifications (reload, stop) still find the socket.
 */
#ifndef GW_SDNOTIFY_H
#define GW_SDNOTIFY_H

#include <uv.h>

/* "READY=1": start-up or a reload is complete. 0 or a negative errno. */
int gw_sdnotify_ready(void);
/* "RELOADING=1" with "MONOTONIC_USEC=<now>" (systemd 253 matches a reload by
 * that timestamp; older versions ignore it). Follow with gw_sdnotify_ready()
 * once the new config is in use, or the old one is kept. 0 or a negative errno. */
int gw_sdnotify_reloading(void);
/* "STOPPING=1": shutdown has begun. 0 or a negative errno. */
int gw_sdnotify_stopping(void);
/* "STATUS=<text>", shown by `systemctl status`. Newlines in the formatted text
 * become spaces, so text from config (target names) cannot add assignments of
 * its own. 0 or a negative errno. */
int gw_sdnotify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct gw_watchdog;

/*
 * Starts the watchdog keep-alive when systemd asked for one (WatchdogSec=,
 * seen as WATCHDOG_USEC and WATCHDOG_PID): a timer on `loop` sends
 * "WATCHDOG=1" every half interval, so a loop that stops turning stops the
 * pings and systemd restarts the service. The timer does not keep the loop
 * alive on its own.
 *
 * On success returns 0 and sets *out to the new watchdog (free it with
 * gw_watchdog_stop()), or to NULL when no watchdog is wanted. Returns a
 * negative errno (and sets *out to NULL) when the watchdog variables are
 * malformed or the timer cannot be started.
 */
int gw_watchdog_start(uv_loop_t *loop, struct gw_watchdog **out);
/* Stops the pings and closes the timer; the memory is freed in the close
 * callback, so run the loop once more before uv_loop_close(). NULL does
 * nothing. */
void gw_watchdog_stop(struct gw_watchdog *wd);

#endif
