/*
 * `gwyliwr status`: asks the running daemon (over daemon.listen of its
 * configuration) how everything is, and prints a summary.
 */
#ifndef GW_STATUS_H
#define GW_STATUS_H

/*
 * argv[0] is "status". Returns the exit code, as a Nagios plugin would: 0
 * every target up, 1 some degraded (none down), 2 some down, 3 the daemon
 * cannot be asked (not running, no listen address, refused credentials) or
 * bad usage.
 */
int gw_status_main(int argc, char **argv, const char *default_config);

#endif
