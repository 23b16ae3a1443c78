/*
 * `gwyliwr report`: the 24/7 service-delivery report of a month or a
 * period, from the event log and RRD files of a configuration's data
 * directory, as a terminal table, CSV, JSON or HTML, in English or Welsh
 * (report/report.h builds it, report/report_render.h renders it).
 */
#ifndef GW_REPORT_CMD_H
#define GW_REPORT_CMD_H

/*
 * Runs the report command with its own arguments (argv[0] is "report").
 * Returns the exit status: 0 written; 1 the configuration is not valid,
 * the council or category is not in it, or the output cannot be written;
 * 2 bad usage.
 */
int gw_report_cmd_main(int argc, char **argv, const char *default_config);

#endif
