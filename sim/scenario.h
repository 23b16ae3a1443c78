/*
 * Reading a scenario: the YAML file that describes the simulated estate
 * (listeners, routes, behaviours and schedules), validated in full with every
 * problem reported as FILE:LINE:COL before anything is bound.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include "config/cfg.h"
#include "sim.h"

/*
 * Reads the scenario at `path` into `sim` (its listeners and sim->dir).
 * Certificate and key paths are relative to `cert_dir` when it is not NULL,
 * else to the scenario's directory. Every problem is reported in
 * doc->diag. Returns 0, or -EINVAL when there were errors.
 */
int sim_scenario_load(struct sim *sim, struct gw_cfg_doc *doc, const char *path,
                      const char *cert_dir);

#endif
