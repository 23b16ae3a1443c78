/*
 * The disk budget of a configuration: RRD files have a fixed size, known
 * before the first result, so `gwyliwr check-config` can say what the
 * targets will occupy and whether the data directory's file system has room.
 * Reads the file system (stat, statvfs): not for the event loop.
 */
#ifndef GW_RRD_BUDGET_H
#define GW_RRD_BUDGET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

struct gw_rrd_budget {
    size_t targets;         /* targets whose results are stored */
    uint64_t bytes;         /* all their RRD files, tracked items' included */
    uint64_t item_files;    /* tracked items' files at most (max_tracked_items of each) */
    uint64_t item_bytes;    /* what those take, part of `bytes` */
    uint64_t missing_bytes; /* of the files not made yet (on this host) */
    bool local;             /* the files are under data_dir on this host */
    char *fs_path;          /* the existing directory whose file system was examined */
    bool fs_known;          /* fs_avail was read */
    uint64_t fs_avail;      /* bytes an unprivileged user may still write there */
};

/*
 * Works out the budget of `config` (borrowed) into *out; caller releases with
 * gw_rrd_budget_fini. With storage: none there are no targets to count. A
 * feed target with track_items counts max_tracked_items item files: how many
 * items a feed will list is not known before it is read, and that bound is
 * what the daemon keeps to.
 */
void gw_rrd_budget_compute(const struct gw_config *config, struct gw_rrd_budget *out);
void gw_rrd_budget_fini(struct gw_rrd_budget *b);

/* True when the files still to be made need more than the file system has. */
bool gw_rrd_budget_short(const struct gw_rrd_budget *b);

/* "1.3 GB", "412 MB", "980 kB", "12 B" (powers of 1000, as disks are sold). */
void gw_rrd_budget_format(uint64_t bytes, char *buf, size_t size);

/*
 * Prints the budget of `config` as one line on `out` and, when the data
 * directory lacks room, a warning on `err`. Returns true when it warned.
 */
bool gw_rrd_budget_report(const struct gw_config *config, FILE *out, FILE *err);

#endif
