/*
 * `gwyliwr demo`: a simulated council estate (gwyliwr-sim on 127.0.0.1) and
 * the daemon watching it, so a newcomer sees everything work with no
 * internet.
 */
#ifndef GW_DEMO_H
#define GW_DEMO_H

/* Runs the demo command (argv[0] is "demo"); returns the exit status. */
int gw_demo_main(int argc, char **argv);

#endif
