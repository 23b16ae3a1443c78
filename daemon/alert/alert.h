/*
 * Alerting: what the result funnel's state changes mean for people.
 *
 * Every hard state change, start and end of flapping and of a maintenance
 * window, and every problem of the monitor itself becomes one line of the
 * event log (alert/eventlog.h) naming the notifiers it is owed to. Once the
 * line is on disk the notification is owed for good: it waits group_wait
 * to be sent with others in one message per notifier (and per council with
 * group_by: council), is rendered in the notifier's language, and is
 * delivered through the notifier's plugin with a timeout, retried with
 * bounded exponential backoff until delivered (or refused for good, or a
 * day has passed). Each attempt is a `delivery` line of the log. What is
 * owed, the targets' states and the grouping of messages are kept in
 * <data_dir>/state.json, saved through the log's thread, so that after a
 * restart, even after kill -9, nothing known is announced again and
 * nothing owed is forgotten: the log's lines after the saved position are
 * read again at start.
 *
 * Owned by the loop thread; nothing here blocks except gw_alert_start and
 * gw_alert_free, which run before and after the loop.
 */
#ifndef GW_ALERT_H
#define GW_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "result/result.h"
#include "result/state.h"
#include "schedule/target.h"

struct gw_alert;
struct gw_rrd_writer;
struct gw_scheduler;
struct gw_snap_target;
struct gw_snapshot_publisher;

#define GW_STATE_FILE_NAME "state.json"

/* An engine on `loop`, delivering through plugins with `host` (borrowed). Caller frees. */
struct gw_alert *gw_alert_new(uv_loop_t *loop, const struct gw_host *host);

/*
 * Opens the event log in the data directory of targets->config, gives the
 * targets the state they had (state.json and the log after it), takes up
 * what was owed, enters or leaves maintenance windows, and writes the
 * `start` line. `targets` is borrowed until the next gw_alert_apply. Blocks:
 * call before the loop runs. Returns 0, or a negative errno when the event
 * log cannot be opened (alerting is then off; checks still run).
 */
int gw_alert_start(struct gw_alert *alert, struct gw_targets *targets);

/*
 * Takes a reloaded registry (borrowed; targets that stayed kept their
 * state): notifiers added, changed or removed (what a removed one was owed
 * is given up, with a line saying so), maintenance windows, dependencies.
 */
void gw_alert_apply(struct gw_alert *alert, struct gw_targets *targets);

/*
 * A result of `target` went through the state machine with transition
 * `tr`. Called by the funnel for every result.
 */
void gw_alert_result(struct gw_alert *alert, struct gw_target *target,
                     const struct gw_target_conf *conf, const struct gw_result *result,
                     const struct gw_transition *tr);

/*
 * A problem of the monitor itself (`problem`: rrd_write, lateness,
 * reload_refused, ...; `target` NULL or the target it concerns) begins
 * (`active`) or ends. Only a change makes an event, told to the notifiers
 * of daemon.notify; the sentence (printf-style) says it for people.
 */
void gw_alert_monitor(struct gw_alert *alert, const char *problem, const char *target, bool active,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Watches the daemon's own machinery (borrowed until gw_alert_stop): RRD
 * writes failing or points dropped, and scheduling lateness beyond
 * daemon.lateness_limit, each a monitor problem while it lasts.
 */
void gw_alert_watch(struct gw_alert *alert, struct gw_rrd_writer *writer,
                    struct gw_scheduler *scheduler);

/*
 * `points` measurements the last run could not write are being written
 * now: a problem of the monitor (rrd_spool) until the writer has caught up.
 */
void gw_alert_watch_spooled(struct gw_alert *alert, size_t points);

/*
 * Fills in why the outage of `target` (borrowed) is not its own in `entry`,
 * a new entry of it not yet shared (result/snapshot.h): while its hard state
 * is DOWN or DEGRADED, a maintenance window it is in, else its depends_on
 * parent being hard DOWN (cause_target: the parent's id). A NULL alert, or
 * a target it does not know, leaves no cause.
 */
void gw_alert_describe(const struct gw_alert *alert, const struct gw_target *target,
                       struct gw_snap_target *entry);

/*
 * Entries that change without a result (a window opens or closes, a parent
 * goes down or recovers, a reload) are renewed in the targets and announced
 * to `publisher` (borrowed; NULL: to nobody, as before the web server is
 * up or once it is gone).
 */
void gw_alert_set_publisher(struct gw_alert *alert, struct gw_snapshot_publisher *publisher);

/*
 * On the loop, when the daemon stops: timers stop, deliveries in flight are
 * abandoned (they stay owed), the `stop` line and a last state.json are
 * queued. Handles close, so the loop can end.
 */
void gw_alert_stop(struct gw_alert *alert);

/*
 * After the loop has ended: writes what is queued (blocking), then frees.
 * The loop must run once more to close the last handle. NULL does nothing.
 */
void gw_alert_free(struct gw_alert *alert);

/* Counters for the stats line and benchmarks. */
struct gw_alert_stats {
    uint64_t events;   /* lines written, deliveries included */
    uint64_t owed;     /* event-notifier pairs owed now */
    uint64_t messages; /* messages delivered */
    uint64_t failed;   /* delivery attempts that failed */
    uint64_t gave_up;  /* messages given up */
    uint64_t saves;    /* state.json written */
};
void gw_alert_stats(const struct gw_alert *alert, struct gw_alert_stats *out);

#endif
