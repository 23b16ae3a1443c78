/*
 * `gwyliwr events`: the event log of a configuration's data directory
 * (rotated files oldest first, then the live one), for people or as JSON
 * lines, from a time on and for one target.
 */
#ifndef GW_EVENTS_CMD_H
#define GW_EVENTS_CMD_H

/*
 * Runs the command with its own arguments (argv[0] is "events"). Returns
 * the exit status: 0 printed, 1 no valid configuration or no log, 2 bad
 * usage.
 */
int gw_events_cmd_main(int argc, char **argv, const char *default_config);

#endif
