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
};

/*
 * Runs the daemon in the foreground until SIGTERM or SIGINT. Returns the
 * process exit code: 0 after a clean stop, 1 when the configuration is
 * invalid, 2 when the daemon could not start (unwritable data directory, no
 * plugins, ...). Every problem is logged.
 */
int gw_daemon_run(const struct gw_daemon_options *options);

#endif
