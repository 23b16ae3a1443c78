/*
 * What report.c shares with the other files that build a report.
 */
#ifndef GW_REPORT_INTERNAL_H
#define GW_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "report/report.h"
#include "report/rrd_rows.h"

/*
 * Reads the RRD file at `path` (or `name` through a remote rrdcached) over
 * [from_ms, to_ms] into *rows, counting it in r as read or as failed (a
 * failure is logged; a missing file is neither). Returns 0, -ENOENT or -EIO.
 */
int gw_report_read_file(struct gw_report *r, struct gw_rrd_rows_reader *reader, const char *path,
                        const char *name, int64_t from_ms, int64_t to_ms, struct gw_rrd_rows *rows);

/* True when target t reports charge points: category ev-charging, or a rapid_reliability figure. */
bool gw_report_pcpr_wanted(const struct gw_target_conf *t);

/*
 * Adds to r the charge points of target t (borrowed, of `config`): the
 * files in <data_dir>/<council>/<target>.items/ and the target's own
 * rapid_reliability figure, when it has either.
 */
void gw_report_pcpr_build(struct gw_report *r, const struct gw_config *config,
                          struct gw_rrd_rows_reader *reader, const struct gw_target_conf *t);

#endif
