#include "service/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "alert/alert.h"
#include "check/check.h"
#include "check/http_client.h"
#include "config/config.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "result/funnel.h"
#include "result/snapshot.h"
#include "schedule/scheduler.h"
#include "schedule/target.h"
#include "service/sdnotify.h"
#include "service/signals.h"
#include "storage/rrd_schema.h"
#include "storage/rrd_spool.h"
#include "storage/rrd_writer.h"
#include "util/clock.h"
#include "util/diag.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/server.h"

struct reload_job {
    uv_work_t work;
    struct gw_daemon *daemon;
    char *path;
    struct gw_diag *diag;
    struct gw_config *config; /* result of the worker, NULL when invalid */
};

struct gw_daemon {
    uv_loop_t loop;
    struct gw_host host;
    struct gw_http_client *http;
    struct gw_plugins *plugins;
    char *config_path;
    int forced_log_level;
    struct gw_targets *targets;
    struct gw_scheduler *scheduler;
    struct gw_rrd_writer *writer;
    struct gw_funnel funnel;
    struct gw_signals *signals;
    struct gw_alert *alert; /* NULL when the event log cannot be opened */
    uv_timer_t run_for;
    struct gw_watchdog *watchdog;
    struct reload_job *reload;
    bool reload_again;
    bool stopping;
    /* What the web server sees: snapshots published after each burst of results. */
    struct gw_snapshot_box *box;
    struct gw_snapshot_publisher *publisher;
    struct gw_web *web;
    int64_t started_ms;
    uint64_t rate_results; /* results counted at rate_mono_ms */
    uint64_t rate_mono_ms;
    double rate_per_s;
    /* Stopping: the writer's last writes run while the loop goes on. */
    uint64_t stop_wait_ms;
    uv_timer_t stop_wait; /* how long they may take before the rest is spooled */
    uv_async_t writer_done;
    bool hurried;
};

/* Results per second, smoothed over about a minute. */
#define RATE_WINDOW_MS 60000.0

/* ---- checks ------------------------------------------------------------------ */

static void check_done_cb(void *data, const struct gw_target_conf *conf,
                          const struct gw_result *result)
{
    struct gw_daemon *d = data;
    struct gw_target *t = gw_targets_find(d->targets, conf->id);
    if (!t || !t->running)
        return; /* removed by a reload meanwhile: its check was abandoned */
    t->running = NULL;
    gw_funnel_result(&d->funnel, t, conf, result);
    gw_scheduler_done(d->scheduler, t);
}

static int start_cb(void *data, struct gw_target *t, uint64_t lateness_ms)
{
    struct gw_daemon *d = data;
    struct gw_check *check = NULL;
    int rc = gw_check_start(&d->host, d->targets->config, t->conf, lateness_ms, check_done_cb, d,
                            &check);
    if (rc < 0) {
        /* The plugin could not even start: we cannot tell, which is not the
         * target's downtime. */
        struct gw_result r = {.status = GW_STATUS_UNKNOWN, .time_ms = gw_clock_wall_ms()};
        snprintf(r.reason, sizeof(r.reason), "%s", GW_REASON_PLUGIN);
        snprintf(r.message, sizeof(r.message), "the %s plugin could not start a check: %s",
                 t->conf->type->name, strerror(-rc));
        gw_funnel_result(&d->funnel, t, t->conf, &r);
        return rc;
    }
    t->running = check;
    return 0;
}

/* Abandons the running check of a target that goes away. */
static void abandon(struct gw_daemon *d, struct gw_target *t)
{
    if (!t->running)
        return;
    gw_check_cancel(t->running, true);
    t->running = NULL;
    gw_scheduler_done(d->scheduler, t);
}

/* ---- the snapshot's health part ---------------------------------------------------- */

static void health_cb(void *data, struct gw_snap_health *h)
{
    struct gw_daemon *d = data;
    struct gw_scheduler_stats s;
    gw_scheduler_stats(d->scheduler, &s);
    struct gw_rrd_writer_stats w;
    gw_rrd_writer_stats(d->writer, &w);
    const struct gw_funnel_stats *f = &d->funnel.stats;
    uint64_t results = f->results[0] + f->results[1] + f->results[2] + f->results[3];
    uint64_t now = uv_now(&d->loop);
    if (now > d->rate_mono_ms) {
        double dt = (double)(now - d->rate_mono_ms);
        double rate = (double)(results - d->rate_results) * 1000.0 / dt;
        double k = dt >= RATE_WINDOW_MS ? 1.0 : dt / RATE_WINDOW_MS;
        d->rate_per_s += k * (rate - d->rate_per_s);
        d->rate_results = results;
        d->rate_mono_ms = now;
    }
    *h = (struct gw_snap_health){
        .started_ms = d->started_ms,
        .checks_started = s.started,
        .checks_skipped = s.skipped,
        .transitions = f->transitions,
        .in_flight = s.in_flight,
        .waiting = s.waiting,
        .checks_per_s = d->rate_per_s,
        .lateness_p50_s = (double)gw_histo_quantile(&s.lateness, 0.5) / 1e6,
        .lateness_p99_s = (double)gw_histo_quantile(&s.lateness, 0.99) / 1e6,
        .lateness_max_s = (double)s.lateness.max_us / 1e6,
        .lateness_count = s.lateness.count,
        .rrd_written = w.written,
        .rrd_pending = w.pending,
        .rrd_errors = w.errors,
        .rrd_dropped = w.dropped_stale + w.dropped_overflow,
    };
    if (d->alert) {
        struct gw_alert_stats a;
        gw_alert_stats(d->alert, &a);
        h->notifier_failures = a.failed;
    }
    memcpy(h->results, f->results, sizeof(h->results));
}

/* ---- configuration ------------------------------------------------------------ */

static void apply_log_level(struct gw_daemon *d, const struct gw_config *config)
{
    gw_log_set_level(d->forced_log_level >= 0 ? d->forced_log_level : config->daemon.log_level);
}

static bool figures_differ(const struct gw_target_conf *a, const struct gw_target_conf *b)
{
    if (a->n_figures != b->n_figures)
        return true;
    for (size_t i = 0; i < a->n_figures; i++)
        if (strcmp(a->figures[i].name, b->figures[i].name) != 0)
            return true;
    return false;
}

/* Puts a new, valid configuration in place: targets that stay keep their
 * state and phase; those that go are abandoned; new ones are planned. */
static void apply(struct gw_daemon *d, struct gw_config *config)
{
    struct gw_targets *old = d->targets;
    const struct gw_config *old_config = old->config;
    bool new_dir = strcmp(old_config->daemon.data_dir, config->daemon.data_dir) != 0;
    size_t n = config->n_targets;
    const struct gw_target_conf **before = gw_xcalloc(n ? n : 1, sizeof(*before));
    for (size_t i = 0; i < n; i++) {
        struct gw_target *t = gw_targets_find(old, config->targets[i].id);
        before[i] = t ? t->conf : NULL;
    }
    struct gw_targets *neu = gw_targets_new(config, old);
    size_t added = 0, changed = 0, removed = 0;
    for (size_t i = 0; i < n; i++) {
        struct gw_target *t = neu->items[i];
        const struct gw_target_conf *prev = before[i];
        if (!prev) {
            gw_scheduler_add(d->scheduler, t);
            added++;
            continue;
        }
        if (prev->fingerprint != t->conf->fingerprint)
            changed++;
        bool replan = prev->interval_ms != t->conf->interval_ms ||
                      (prev->host == NULL) != (t->conf->host == NULL) ||
                      (prev->host && strcmp(prev->host, t->conf->host) != 0);
        if (replan)
            gw_scheduler_replan(d->scheduler, t);
        if (new_dir || prev->interval_ms != t->conf->interval_ms || figures_differ(prev, t->conf)) {
            gw_rrd_series_unref(t->series);
            t->series = NULL;
        }
    }
    for (size_t i = 0; i < old->n; i++) {
        struct gw_target *t = old->items[i];
        if (!t)
            continue;
        gw_scheduler_remove(d->scheduler, t);
        abandon(d, t);
        removed++;
    }
    free(before);
    if (new_dir) {
        int rc = gw_fsutil_mkdirs(config->daemon.data_dir, 0750);
        if (rc < 0)
            gw_log_error("cannot create data directory %s: %s", config->daemon.data_dir,
                         strerror(-rc));
        gw_funnel_set_data_dir(&d->funnel, config->daemon.data_dir);
    }
    d->funnel.writer = config->daemon.store_rrd ? d->writer : NULL;
    gw_scheduler_set_caps(d->scheduler, config->daemon.max_in_flight, config->daemon.max_per_host);
    /* The writer sends queued points to the new store once the old one has
     * put what it holds on disk. */
    if (strcmp(old_config->daemon.rrdcached, config->daemon.rrdcached) != 0)
        gw_rrd_writer_set_backend(d->writer, gw_rrd_backend_new(config->daemon.rrdcached));
    gw_rrd_writer_set_delay(d->writer, config->daemon.rrd_write_delay_ms);
    if (strcmp(old_config->daemon.listen, config->daemon.listen) != 0 ||
        (old_config->daemon.plugin_dir && config->daemon.plugin_dir &&
         strcmp(old_config->daemon.plugin_dir, config->daemon.plugin_dir) != 0))
        gw_log_warning("daemon.listen and daemon.plugin_dir take effect at "
                       "the next restart");
    apply_log_level(d, config);
    d->targets = neu;
    gw_alert_apply(d->alert, neu);
    gw_targets_free(old);
    gw_snapshot_publisher_now(d->publisher);
    gw_log_notice("configuration reloaded from %s: %zu targets (%zu added, %zu removed, %zu "
                  "changed)",
                  config->path, n, added, removed, changed);
}

static void start_reload(struct gw_daemon *d);

static void reload_work_cb(uv_work_t *work)
{
    struct reload_job *job = work->data;
    job->config = gw_config_load(job->path, job->daemon->plugins, &job->daemon->host, job->diag);
}

static void reload_after_cb(uv_work_t *work, int status)
{
    struct reload_job *job = work->data;
    struct gw_daemon *d = job->daemon;
    d->reload = NULL;
    if (d->stopping || status == UV_ECANCELED) {
        gw_config_unref(job->config);
    } else if (!job->config) {
        gw_diag_log(job->diag);
        gw_log_error("reload refused: %s has %zu error%s; the running configuration is kept",
                     job->path, job->diag->errors, job->diag->errors == 1 ? "" : "s");
        gw_alert_monitor(d->alert, "reload_refused", NULL, true,
                         "a reload was refused: %s has %zu error%s; the running configuration "
                         "is kept",
                         job->path, job->diag->errors, job->diag->errors == 1 ? "" : "s");
        gw_sdnotify_ready();
    } else {
        gw_diag_log(job->diag); /* warnings */
        apply(d, job->config);
        gw_alert_monitor(d->alert, "reload_refused", NULL, false,
                         "the configuration %s was reloaded", job->path);
        gw_config_unref(job->config);
        gw_sdnotify_ready();
    }
    gw_diag_free(job->diag);
    free(job->path);
    free(job);
    if (d->reload_again && !d->stopping) {
        d->reload_again = false;
        start_reload(d);
    }
}

/* Reloads parse and validate on a worker thread: reading a configuration of
 * 100,000 targets (and its secret files) must not hold up the checks. */
static void start_reload(struct gw_daemon *d)
{
    if (d->reload) {
        d->reload_again = true;
        return;
    }
    gw_log_notice("reloading the configuration from %s", d->config_path);
    gw_sdnotify_reloading();
    struct reload_job *job = gw_xcalloc(1, sizeof(*job));
    job->daemon = d;
    job->path = gw_xstrdup(d->config_path);
    job->diag = gw_diag_new();
    job->work.data = job;
    d->reload = job;
    int rc = uv_queue_work(&d->loop, &job->work, reload_work_cb, reload_after_cb);
    if (rc < 0) {
        gw_log_error("cannot reload: %s", uv_strerror(rc));
        d->reload = NULL;
        gw_diag_free(job->diag);
        free(job->path);
        free(job);
        gw_sdnotify_ready();
    }
}

/* ---- stopping --------------------------------------------------------------------- */

/* The writer is done: every point is written, spooled or counted lost. */
static void writer_done_cb(uv_async_t *async)
{
    struct gw_daemon *d = async->data;
    gw_signals_stop(d->signals);
    d->signals = NULL;
    gw_watchdog_stop(d->watchdog);
    d->watchdog = NULL;
    uv_close((uv_handle_t *)&d->stop_wait, NULL);
    uv_close((uv_handle_t *)&d->writer_done, NULL);
}

/* On a thread of the writer. */
static void writer_stopped_cb(void *data)
{
    struct gw_daemon *d = data;
    uv_async_send(&d->writer_done);
}

/* Stops waiting for the last writes: what is left goes to the spool. */
static void hurry(struct gw_daemon *d, const char *why)
{
    if (d->hurried)
        return;
    d->hurried = true;
    gw_log_notice("%s: not waiting any longer for RRD writes; what is left is kept for the "
                  "next start",
                  why);
    gw_rrd_writer_hurry(d->writer);
}

static void stop_wait_cb(uv_timer_t *timer)
{
    struct gw_daemon *d = timer->data;
    char why[64];
    snprintf(why, sizeof(why), "still writing after %.0f s", (double)d->stop_wait_ms / 1000.0);
    hurry(d, why);
}

/*
 * Stops checking and has the writer make its last writes on its own thread
 * while the loop goes on: the watchdog is still pinged, and a second SIGTERM
 * or SIGINT (or stop_wait_ms) cuts the wait short. The signals stay blocked
 * and read to the end, so none of them can kill the process meanwhile.
 */
static void stop(struct gw_daemon *d, const char *why)
{
    if (d->stopping)
        return;
    d->stopping = true;
    gw_log_notice("stopping (%s)", why);
    gw_sdnotify_stopping();
    gw_scheduler_stop(d->scheduler);
    for (size_t i = 0; i < d->targets->n; i++)
        abandon(d, d->targets->items[i]);
    /* Deliveries in flight are abandoned (still owed) before the HTTP client goes. */
    gw_alert_stop(d->alert);
    uv_close((uv_handle_t *)&d->run_for, NULL);
    if (d->reload)
        uv_cancel((uv_req_t *)&d->reload->work);
    /* No check runs any more, so nothing more is submitted to the writer. */
    gw_host_set_http(&d->host, NULL);
    gw_http_client_free(d->http);
    d->http = NULL;
    if (gw_rrd_writer_stop_async(d->writer, writer_stopped_cb, d) < 0) {
        uv_async_send(&d->writer_done);
        return;
    }
    uv_timer_start(&d->stop_wait, stop_wait_cb, d->stop_wait_ms, 0);
}

struct replay {
    struct gw_daemon *d;
    size_t stored, unknown;
};

static void replay_point(void *ctx, const char *id, int64_t time_ms, size_t n,
                         const char *const *names, const double *values)
{
    struct replay *r = ctx;
    struct gw_target *target = gw_targets_find(r->d->targets, id);
    bool stored = target && gw_funnel_store_named(&r->d->funnel, target, time_ms, n, names, values);
    /* A tracked item's point: "<council>/<target>/<item file>". */
    const char *item = id + strcspn(id, "/");
    item = *item ? strchr(item + 1, '/') : NULL;
    if (!target && item) {
        char *owner = gw_xstrndup(id, (size_t)(item - id));
        target = gw_targets_find(r->d->targets, owner);
        stored = target && gw_funnel_store_item_named(&r->d->funnel, target, item + 1, time_ms, n,
                                                      names, values);
        free(owner);
    }
    if (stored)
        r->stored++;
    else
        r->unknown++;
}

/*
 * Submits again what the last run did not write (its journal, when it was
 * killed; the spool, when it stopped), ahead of every new result so each
 * file still gets its points in time order.
 */
static void replay_unwritten(struct gw_daemon *d, const char *data_dir)
{
    struct replay r = {d, 0, 0};
    struct gw_rrd_spool_damage damage;
    long rc = gw_rrd_writer_recover(d->writer, replay_point, &r, &damage);
    if (rc < 0) {
        gw_log_error("rrd: cannot read what the last run left unwritten in %s: %s; it is kept "
                     "there, not written",
                     data_dir, strerror((int)-rc));
        return;
    }
    if (r.stored)
        gw_log_notice("rrd: %zu points the last run did not write are queued again", r.stored);
    gw_alert_watch_spooled(d->alert, r.stored);
    if (r.unknown)
        gw_log_warning("rrd: %zu points the last run did not write belong to targets no longer "
                       "configured (or share no figure with them); they are dropped",
                       r.unknown);
    if (damage.torn == 1)
        gw_log_warning("rrd: the last line of %s is cut short (the last run was killed, or the "
                       "disk filled, while it was written); its point is dropped",
                       damage.first_torn);
    else if (damage.torn > 1)
        gw_log_warning("rrd: %zu files left by the last run end in a line cut short (the first: "
                       "%s); their last points are dropped",
                       damage.torn, damage.first_torn);
    if (damage.bad)
        gw_log_warning("rrd: %zu lines left by the last run cannot be read (the first: %s); "
                       "they are dropped",
                       damage.bad, damage.first_bad);
    gw_rrd_spool_damage_clear(&damage);
}

static void log_stats(struct gw_daemon *d)
{
    struct gw_scheduler_stats s;
    gw_scheduler_stats(d->scheduler, &s);
    struct gw_rrd_writer_stats w;
    gw_rrd_writer_stats(d->writer, &w);
    const struct gw_funnel_stats *f = &d->funnel.stats;
    gw_log_notice(
        "stats: %u targets, %llu checks started, %llu skipped, %u in flight, %u "
        "waiting; results up %llu degraded %llu down %llu unknown %llu; lateness "
        "since the last report p50 %.1f ms p99 %.1f ms max %.1f ms; rrd written %llu pending %llu "
        "spooled %llu errors %llu dropped %llu",
        s.scheduled, (unsigned long long)s.started, (unsigned long long)s.skipped, s.in_flight,
        s.waiting, (unsigned long long)f->results[0], (unsigned long long)f->results[1],
        (unsigned long long)f->results[2], (unsigned long long)f->results[3],
        (double)gw_histo_quantile(&s.lateness, 0.5) / 1000.0,
        (double)gw_histo_quantile(&s.lateness, 0.99) / 1000.0, (double)s.lateness.max_us / 1000.0,
        (unsigned long long)w.written, (unsigned long long)w.pending, (unsigned long long)w.spooled,
        (unsigned long long)w.errors, (unsigned long long)(w.dropped_stale + w.dropped_overflow));
    if (d->alert) {
        struct gw_alert_stats a;
        gw_alert_stats(d->alert, &a);
        gw_log_notice("stats: %llu events written; notifications: %llu messages sent, %llu "
                      "attempts failed, %llu given up, %llu owed now",
                      (unsigned long long)a.events, (unsigned long long)a.messages,
                      (unsigned long long)a.failed, (unsigned long long)a.gave_up,
                      (unsigned long long)a.owed);
    }
    /* Each report covers the lateness since the one before: a window. */
    gw_scheduler_reset_lateness(d->scheduler);
}

static void signal_cb(void *data, int signum)
{
    struct gw_daemon *d = data;
    const char *name = signum == SIGTERM ? "SIGTERM" : "SIGINT";
    char why[32];
    switch (signum) {
    case SIGHUP:
        if (!d->stopping)
            start_reload(d);
        break;
    case SIGUSR1:
        log_stats(d);
        break;
    default:
        if (!d->stopping) {
            stop(d, name);
        } else {
            snprintf(why, sizeof(why), "%s while stopping", name);
            hurry(d, why);
        }
        break;
    }
}

static void run_for_cb(uv_timer_t *timer)
{
    stop(timer->data, "run time elapsed");
}

/* ---- start ---------------------------------------------------------------------- */

int gw_daemon_run(const struct gw_daemon_options *options)
{
    /* Before any thread exists, so that every thread inherits it. */
    int rc = gw_signals_block();
    if (rc < 0) {
        gw_log_error("cannot block signals: %s", strerror(-rc));
        return 2;
    }
    struct gw_daemon *d = gw_xcalloc(1, sizeof(*d));
    int exit_code = 0;
    d->stop_wait_ms = options->stop_wait_ms ? options->stop_wait_ms : GW_DAEMON_STOP_WAIT_MS;
    d->config_path = gw_xstrdup(options->config_path);
    d->forced_log_level = options->log_level;
    if (d->forced_log_level >= 0)
        gw_log_set_level(d->forced_log_level);
    signal(SIGPIPE, SIG_IGN);

    d->plugins = gw_plugins_new();
    char *plugin_dir = gw_config_plugin_dir_of(d->config_path);
    int loaded = gw_plugins_load_dir(d->plugins, plugin_dir);
    if (loaded < 0)
        gw_log_error("cannot read the plugin directory %s: %s", plugin_dir, strerror(-loaded));
    else
        gw_log_debug("%d plugins loaded from %s", loaded, plugin_dir);
    free(plugin_dir);

    uv_loop_init(&d->loop);
    gw_host_init(&d->host, &d->loop);
    d->http = gw_http_client_new(&d->loop);
    gw_host_set_http(&d->host, d->http);

    struct gw_diag *diag = gw_diag_new();
    struct gw_config *config = gw_config_load(d->config_path, d->plugins, &d->host, diag);
    gw_diag_log(diag);
    if (!config) {
        gw_log_error("%s has %zu error%s: not starting", d->config_path, diag->errors,
                     diag->errors == 1 ? "" : "s");
        gw_diag_free(diag);
        exit_code = 1;
        goto out_loop;
    }
    gw_diag_free(diag);
    apply_log_level(d, config);

    rc = gw_fsutil_mkdirs(config->daemon.data_dir, 0750);
    if (rc < 0) {
        gw_log_error("cannot create data directory %s: %s", config->daemon.data_dir, strerror(-rc));
        gw_config_unref(config);
        exit_code = 2;
        goto out_loop;
    }

    char *spool_path = gw_xasprintf("%s/%s", config->daemon.data_dir, GW_RRD_SPOOL_NAME);
    d->writer = gw_rrd_writer_new(0);
    gw_rrd_writer_set_backend(d->writer, gw_rrd_backend_new(config->daemon.rrdcached));
    gw_rrd_writer_set_delay(d->writer, config->daemon.rrd_write_delay_ms);
    gw_rrd_writer_set_spool(d->writer, spool_path);
    free(spool_path);
    char *err = NULL;
    if (gw_rrd_writer_set_journal(d->writer, config->daemon.data_dir, &err) < 0) {
        gw_log_error("rrd: no journal: %s; results are written as they come, not after "
                     "rrd_write_delay",
                     err);
        free(err);
    }
    gw_funnel_init(&d->funnel, config->daemon.store_rrd ? d->writer : NULL,
                   config->daemon.data_dir);
    d->scheduler = gw_scheduler_new(&d->loop, config->daemon.max_in_flight,
                                    config->daemon.max_per_host, start_cb, d);
    d->targets = gw_targets_new(config, NULL);
    d->alert = gw_alert_new(&d->loop, &d->host);
    if (gw_alert_start(d->alert, d->targets) < 0) {
        gw_alert_free(d->alert);
        d->alert = NULL;
    }
    d->funnel.alert = d->alert;
    gw_alert_watch(d->alert, d->writer, d->scheduler);
    if (config->daemon.store_rrd)
        replay_unwritten(d, config->daemon.data_dir);
    /* After the replay: the writer journals the replayed points in its first pass. */
    int writer_rc = gw_rrd_writer_start(d->writer);
    gw_config_unref(config);
    uv_update_time(&d->loop);
    for (size_t i = 0; i < d->targets->n; i++)
        gw_scheduler_add(d->scheduler, d->targets->items[i]);

    d->started_ms = gw_clock_wall_ms();
    d->rate_mono_ms = uv_now(&d->loop);
    d->box = gw_snapshot_box_new();
    d->publisher = gw_snapshot_publisher_new(&d->loop, d->box, &d->targets, 100, health_cb, d);
    gw_snapshot_publisher_now(d->publisher);
    const char *listen = d->targets->config->daemon.listen;
    if (*listen) {
        rc = gw_web_start(listen, d->box, d->writer, &d->web);
        if (rc < 0)
            gw_log_error("web: cannot serve on %s: %s; the checks run without it", listen,
                         strerror(-rc));
        else
            gw_log_notice("web: serving on http://%s/", listen);
    }
    /* Only the web server reads snapshots: without it, results publish none
     * (at 10,000 targets, ten a second cost the loop about as much as its checks). */
    if (d->web) {
        d->funnel.publisher = d->publisher;
        gw_alert_set_publisher(d->alert, d->publisher);
    }

    uv_timer_init(&d->loop, &d->run_for);
    d->run_for.data = d;
    if (options->run_for_ms)
        uv_timer_start(&d->run_for, run_for_cb, options->run_for_ms, 0);
    uv_timer_init(&d->loop, &d->stop_wait);
    d->stop_wait.data = d;
    uv_async_init(&d->loop, &d->writer_done, writer_done_cb);
    d->writer_done.data = d;
    rc = gw_signals_start(&d->loop, signal_cb, d, &d->signals);
    if (writer_rc < 0 || rc < 0) {
        if (writer_rc < 0)
            gw_log_error("cannot start the RRD writer: %s", uv_strerror(writer_rc));
        else
            gw_log_error("cannot handle signals: %s", uv_strerror(rc));
        exit_code = 2;
        stop(d, "start-up failed");
    } else {
        gw_watchdog_start(&d->loop, &d->watchdog);
        gw_log_notice("gwyliwr %s running: %zu targets in %zu councils from %s; data in %s",
                      GW_VERSION, d->targets->n, d->targets->config->n_councils, d->config_path,
                      d->targets->config->daemon.data_dir);
        gw_sdnotify_ready();
    }

    uv_run(&d->loop, UV_RUN_DEFAULT);
    /* The loop has ended after the writer's: every check is closed and every
     * point written, spooled or counted lost. The web server reads snapshots
     * only; it stops before they go. */
    gw_web_stop(d->web);
    d->web = NULL;
    d->funnel.publisher = NULL;
    gw_alert_set_publisher(d->alert, NULL);
    gw_snapshot_publisher_free(d->publisher);
    log_stats(d);
    gw_alert_free(d->alert); /* writes what it still holds */
    gw_scheduler_free(d->scheduler);
    gw_rrd_writer_free(d->writer);
    gw_funnel_fini(&d->funnel);
    gw_targets_free(d->targets);
    uv_run(&d->loop, UV_RUN_DEFAULT);
    gw_snapshot_box_free(d->box);

out_loop:
    if (d->http) {
        gw_host_set_http(&d->host, NULL);
        gw_http_client_free(d->http);
        uv_run(&d->loop, UV_RUN_DEFAULT);
    }
    if (uv_loop_close(&d->loop) != 0)
        gw_log_error("internal error: handles left open at exit");
    gw_plugins_free(d->plugins);
    free(d->config_path);
    free(d);
    return exit_code;
}
