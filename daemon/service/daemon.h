/*
 * The daemon: wires the configuration, the scheduler, the checks, the result
 * funnel and storage onto one libuv loop, and handles the signals of a
 * systemd service (SIGHUP reloads, SIGTERM/SIGINT stop, SIGUSR1 logs
 * counters).
 */
#ifndef GW_DAEMON_H
#define GW_DAEMON_H

#include <stdbool.h>

struct gw_daemon_options {
    const char *config_path;
    int log_level; /* < 0: the configuration's */
    /* Stop on its own after this many milliseconds (0: run until signalled). */
    unsigned long run_for_ms;
    /* The longest a stop waits for the last RRD writes before it keeps the
     * rest in the spool (0: GW_DAEMON_STOP_WAIT_MS). */
    unsigned long stop_wait_ms;
};

/* Well within systemd's default TimeoutStopSec (90 s), after which it kills. */
#define GW_DAEMON_STOP_WAIT_MS 30000

/*
 * Runs the daemon in the foreground until SIGTERM or SIGINT. Returns the
 * process exit code: 0 after a clean stop, 1 when the configuration is
 * invalid, 2 when the daemon could not start (unwritable data directory, no
 * plugins, ...). Every problem is logged.
 *
 * Blocks SIGTERM, SIGINT, SIGHUP and SIGUSR1 for good (service/signals.h):
 * call it before the process has any other thread. A stop waits for the last
 * RRD writes while the loop keeps turning; a second SIGTERM or SIGINT, or
 * stop_wait_ms, cuts that short and the rest is kept in the spool, so the
 * exit is 0 with every point written or spooled whatever signals arrive.
 */
int gw_daemon_run(const struct gw_daemon_options *options);

#endif
