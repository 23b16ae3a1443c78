/*
 * `gwyliwr probe`: one check now, with its full breakdown, for a person
 * debugging a target (or Nagios running gwyliwr as a plugin).
 */
#ifndef GW_PROBE_H
#define GW_PROBE_H

/*
 * Runs the probe command with its own arguments (argv[0] is "probe").
 * Returns the exit status: the result's status (0 up, 1 degraded, 2 down,
 * 3 unknown), or 3 when it could not check at all.
 */
int gw_probe_main(int argc, char **argv, const char *default_config);

#endif
