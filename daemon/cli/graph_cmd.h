/*
 * `gwyliwr graph`: draws a target, a council or Wales from the RRD files of
 * a configuration into a PNG or SVG file (graph/graph.h does the drawing).
 */
#ifndef GW_GRAPH_CMD_H
#define GW_GRAPH_CMD_H

/*
 * Runs the graph command with its own arguments (argv[0] is "graph").
 * Returns the exit status: 0 written, 1 the configuration, subject or
 * drawing failed, 2 bad usage.
 */
int gw_graph_cmd_main(int argc, char **argv, const char *default_config);

#endif
