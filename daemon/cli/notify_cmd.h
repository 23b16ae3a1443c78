/*
 * `gwyliwr notify --test NOTIFIER`: sends a notification marked as a test
 * through one notifier of a configuration, now, and says what happened:
 * what an operator does first after configuring a notifier.
 */
#ifndef GW_NOTIFY_CMD_H
#define GW_NOTIFY_CMD_H

/*
 * Runs the command with its own arguments (argv[0] is "notify"). Returns 0
 * when the receiver took the test, 1 when it did not (or the configuration
 * is not valid), 2 for bad usage.
 */
int gw_notify_cmd_main(int argc, char **argv, const char *default_config);

#endif
