/*
 * 24/7 service-delivery reports: for a period (a calendar month in
 * Europe/London time, or any span), per target, per category and per
 * council — availability, downtime, outages, longest outage, MTTR, MTBF,
 * maintenance, unknown and unmonitored time, the SLA met or missed — a
 * league table of the councils, the Welsh-language parity of each
 * `parity_with` pair, and the reliability of rapid charge points.
 *
 * Where figures come from (each target's `source` says which it had):
 *   events  the event log (report/event_lines.h): exact outages with reasons
 *           and causes; before the log's first line, the RRD files fill in;
 *   rrd     the RRD files' `up` and `degraded` averages at their resolution,
 *           for targets the log knows nothing of (or when there is no log);
 *   none    nothing recorded for the target.
 * The accounting rules are report/timeline.h's and docs/reports.md's; every
 * rendering of a report states them.
 *
 * A report is built once, then rendered in any format and language
 * (report/report_render.h). Building reads many files and blocks: call it
 * on a worker or the web server's thread, never on the loop thread. Any
 * number of reports may be built at once, in any threads, as long as none
 * of them uses rrdcached (gw_report_request.use_rrdcached).
 */
#ifndef GW_REPORT_H
#define GW_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "report/pcpr.h"
#include "report/timeline.h"

/* Figures of the report's format, in JSON as "version". */
#define GW_REPORT_VERSION 1

typedef void (*gw_report_progress_cb)(void *data, size_t done, size_t total);

struct gw_report_request {
    int64_t start_ms, end_ms; /* the period, [start, end) */
    int year, month;          /* the calendar month the period is, else 0 and 0 */
    const char *council;      /* only this council (borrowed); NULL: all */
    const char *category;     /* only targets of this category (borrowed); NULL: all */
    int64_t now_ms;           /* the wall clock: a period reaching past it ends there */
    /*
     * Read RRD files through daemon.rrdcached when it is set (flushing what
     * it holds first). librrd has one rrdcached connection per process, so
     * only a process that does not write through it may ask: the command
     * line, not the daemon (which reads the files directly instead).
     */
    bool use_rrdcached;
    gw_report_progress_cb progress; /* files read so far, of how many; NULL: none */
    void *progress_data;
};

enum gw_report_source {
    GW_REPORT_SOURCE_NONE,
    GW_REPORT_SOURCE_EVENTS,
    GW_REPORT_SOURCE_RRD,
};

/* met, missed, or not judged (no SLA configured, or nothing measured). */
enum gw_report_sla {
    GW_REPORT_SLA_NONE,
    GW_REPORT_SLA_MET,
    GW_REPORT_SLA_MISSED,
};

struct gw_report_target {
    const struct gw_target_conf *conf; /* borrowed from the report's configuration */
    enum gw_report_source source;
    struct gw_timeline_figures fig;
    double sla;                         /* the target, a ratio; NAN when none */
    enum gw_report_sla sla_result;      /* availability >= sla: met */
    struct gw_timeline_outage *outages; /* in time order; their strings owned by the report */
    size_t n_outages;
};

/* Targets added together: a category, a council, Wales. */
struct gw_report_group {
    const char *category; /* for a category; borrowed from the configuration */
    struct gw_timeline_figures fig;
    size_t n_targets;
    size_t n_measured; /* targets with an availability */
    size_t sla_met, sla_missed;
};

struct gw_report_council {
    const struct gw_council_conf *conf; /* borrowed from the report's configuration */
    struct gw_report_group total;
    double sla; /* the council's SLA, a ratio; NAN when none */
    enum gw_report_sla sla_result;
    struct gw_report_group *categories; /* in the order they first appear */
    size_t n_categories;
    struct gw_report_target *targets;
    size_t n_targets;
    unsigned rank; /* place in the league, from 1; 0: nothing measured */
};

/* One `parity_with` pair; `welsh` is the target whose language is cy when either says so. */
struct gw_report_parity {
    const struct gw_target_conf *welsh, *english; /* borrowed */
    bool languages_known;                         /* false: the order is the configuration's */
    struct gw_timeline_parity p;                  /* a = welsh, b = english */
};

struct gw_report_charger {
    char *id; /* the item's id (from its file name) */
    struct gw_pcpr p;
};

/* The charge points of one feed target whose items are tracked. */
struct gw_report_pcpr {
    const struct gw_target_conf *target; /* borrowed */
    struct gw_report_charger *chargers;  /* by id */
    size_t n_chargers;
    struct gw_pcpr network; /* every charge point's time together */
    /* The feed's own rapid_reliability figure averaged over the period; NAN when none. */
    double rapid_reliability;
};

struct gw_report {
    const struct gw_config *config; /* borrowed: the caller keeps it while the report lives */
    int64_t start_ms, end_ms;       /* the period as asked */
    int64_t measured_end_ms;        /* end_ms, or now when the period is not over */
    int year, month;
    char *council, *category; /* the filters; NULL: none */
    int64_t generated_ms;     /* the request's now */

    struct gw_report_council *councils; /* in the configuration's order */
    size_t n_councils;
    size_t *league; /* indexes into councils, best first; measured councils only */
    size_t n_league;
    struct gw_report_group wales;
    struct gw_report_group *categories; /* across every council */
    size_t n_categories;
    struct gw_report_parity *parity;
    size_t n_parity;
    struct gw_report_pcpr *pcpr;
    size_t n_pcpr;

    /* What was read. */
    bool event_log;       /* an event log exists */
    int64_t log_begin_ms; /* its first line; 0 when none */
    size_t event_lines, event_skipped;
    size_t rrd_files_read;   /* RRD files read */
    size_t rrd_files_failed; /* RRD files that exist but could not be read */
    char *rrd_access;        /* "directly", "through rrdcached at ..." */
};

/*
 * Builds the report `req` asks for from the files of `config`, which is
 * borrowed: the report points into it, so the caller keeps it alive until
 * gw_report_free (no reference is taken, so any thread may build from a
 * configuration another thread holds, such as a snapshot's). Returns 0 and
 * *out (caller frees with gw_report_free); or -EINVAL (the period is empty
 * or reversed), -ENOENT (req->council is not a council of the
 * configuration, or no target has req->category), with *error set to a
 * sentence for people (caller frees).
 */
int gw_report_build(const struct gw_config *config, const struct gw_report_request *req,
                    struct gw_report **out, char **error);

/* Frees a report; NULL does nothing. */
void gw_report_free(struct gw_report *report);

#endif
