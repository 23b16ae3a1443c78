/*
 * The events of the event log (docs/events.md) that a page or the API asks
 * for, as JSON: the log's files are read oldest first by its reader
 * (alert/eventlog.h), and a line that does not parse is skipped. Blocks on
 * file I/O: the web server's threads call it, never the loop.
 */
#ifndef GW_EVENTS_H
#define GW_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct gw_events_query {
    int64_t since_ms;    /* events at or after this wall time; 0: from the first */
    uint64_t after_seq;  /* only events whose seq is larger; 0: any */
    const char *target;  /* only events of this "council/target"; NULL: all */
    const char *council; /* only events of this council; NULL: all */
    bool states_only;    /* only a target's own kinds: state, flapping, settled, maintenance_* */
    size_t limit;        /* at most this many (at least 1) */
    bool newest;         /* true: the newest `limit` matching; false: the oldest */
};

/*
 * The events matching `q` under `data_dir`, oldest first, as a JSON array
 * (caller decrefs). *more is set when more matched than `limit`. A missing
 * log is an empty array.
 */
json_t *gw_events_read(const char *data_dir, const struct gw_events_query *q, bool *more);

#endif
