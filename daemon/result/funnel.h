/*
 * The completion funnel: every check, whatever its plugin, ends here. The one
 * place that stamps the result onto its target, counts, feeds the state
 * machine, logs transitions (one line per change, not per check), hands
 * them to alerting and queues the point for storage.
 */
#ifndef GW_FUNNEL_H
#define GW_FUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result/result.h"
#include "schedule/target.h"

struct gw_alert;
struct gw_rrd_writer;
struct gw_snapshot_publisher;

struct gw_funnel_stats {
    uint64_t results[4]; /* by enum gw_status */
    uint64_t transitions;
};

struct gw_funnel {
    struct gw_rrd_writer *writer; /* borrowed; NULL stores nothing */
    struct gw_alert *alert;       /* borrowed; NULL tells nobody */
    char *data_dir;               /* owned */
    /* Told of every result, to publish a new snapshot; borrowed, NULL: none. */
    struct gw_snapshot_publisher *publisher;
    struct gw_funnel_stats stats;
};

/* Prepares a funnel storing under data_dir (copied) through writer (borrowed). */
void gw_funnel_init(struct gw_funnel *funnel, struct gw_rrd_writer *writer, const char *data_dir);
/* Changes the data directory (a reload); the caller drops the targets' series. */
void gw_funnel_set_data_dir(struct gw_funnel *funnel, const char *data_dir);
void gw_funnel_fini(struct gw_funnel *funnel);

/*
 * Takes in one result of `target`, produced under `conf` (the settings the
 * check ran with; a reload may have changed target->conf since).
 */
void gw_funnel_result(struct gw_funnel *funnel, struct gw_target *target,
                      const struct gw_target_conf *conf, const struct gw_result *result);

/*
 * Stores a point read back from the spool (rrd_spool.h) for `target`: the
 * values named as its RRD data sources go there, the others are unknown.
 * Returns false when nothing of it could be stored (storage off, no name in
 * common).
 */
bool gw_funnel_store_named(struct gw_funnel *funnel, struct gw_target *target, int64_t time_ms,
                           size_t n, const char *const *names, const double *values);

/*
 * As gw_funnel_store_named for a point of one of the target's tracked items
 * (its file name `item_file`, rrd_schema.h). False when the target does not
 * track items now, or the point shares no value with an item's file.
 */
bool gw_funnel_store_item_named(struct gw_funnel *funnel, struct gw_target *target,
                                const char *item_file, int64_t time_ms, size_t n,
                                const char *const *names, const double *values);

/* The council id of a target's full id, copied into buf. */
void gw_funnel_council_of(const char *id, char *buf, size_t size);

#endif
