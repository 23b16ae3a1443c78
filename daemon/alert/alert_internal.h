/*
 * The alert engine's parts, shared by its files: alert.c (events from
 * state changes, dependencies, the monitor's problems), timers.c
 * (maintenance windows and reminders),
 * outbox.c (grouping, delivery, retries, reminders per notifier),
 * statefile.c (state.json: saving and restoring), watch.c (the daemon
 * watching itself) and status.c (what the status pages see of it). Loop thread only, except where a
 * comment says so.
 */
#ifndef GW_ALERT_INTERNAL_H
#define GW_ALERT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "alert/alert.h"
#include "alert/event.h"
#include "alert/eventlog.h"
#include "config/config.h"
#include "util/histo.h"

/* A delivery is given up when it has failed for this long. */
#define GW_ALERT_GIVE_UP_MS (24ull * 3600 * 1000)
/* Retries wait 5 s, 10 s, 20 s, … up to this. */
#define GW_ALERT_BACKOFF_MIN_MS 5000u
#define GW_ALERT_BACKOFF_MAX_MS 300000u
/* Consecutive failed attempts that make a notifier a problem of the monitor. */
#define GW_ALERT_NOTIFIER_PROBLEM_AFTER 3
/* state.json is saved at least this often. */
#define GW_ALERT_SAVE_EVERY_MS 60000u
/* Saves asked for by messages within this time of each other are one. */
#define GW_ALERT_SAVE_SOON_MS 250u
/* The save_gen of a message no save has taken yet. */
#define GW_ALERT_UNSAVED UINT64_MAX

/* One message for one notifier: events sent together, attempted until done. */
struct gw_alert_message {
    char *id;
    struct gw_alert_event **events; /* references */
    size_t n;
    bool reminder;      /* re-sent news (re_notify, resend_ms): never saved */
    uint32_t attempts;  /* made so far */
    int64_t first_ms;   /* wall clock of the first attempt; 0 before */
    uint64_t next_mono; /* loop time of the next attempt */
    uint64_t save_gen;  /* sent once state.json of this generation is written;
                           GW_ALERT_UNSAVED until a save takes it */
    struct gw_alert_message *next;
};

/* Events gathered for one message, until group_wait passes. */
struct gw_alert_group {
    char *key; /* council id with group_by: council, else "" */
    bool reminder;
    uint64_t close_mono;
    struct gw_alert_event **events; /* references */
    size_t n, cap;
};

struct gw_delivery;

/* What one notifier is owed, and its deliveries. */
struct gw_alert_outbox {
    struct gw_alert *alert;
    char *id;
    const struct gw_notifier_conf
        *conf; /* of alert->config; NULL once it is no longer configured */
    struct gw_alert_group *groups;
    size_t n_groups;
    struct gw_alert_message *head, *tail;
    struct gw_delivery *delivery; /* the head's attempt in flight, or NULL */
    uv_timer_t timer;             /* the next group to close or attempt to make */
    bool closing;
    uint32_t failures; /* consecutive failed attempts */
    bool problem;      /* the monitor said this notifier keeps failing */
    uint64_t sent, failed, gave_up;
};

/* What the engine knows of each target of the registry, in its order. */
struct gw_alert_target {
    size_t parent;    /* index of the depends_on parent, SIZE_MAX when none */
    size_t *children; /* indexes of the targets that depend on it */
    size_t n_children;
    size_t *windows; /* maintenance windows that cover it (indexes into config->maintenance) */
    size_t n_windows;
    size_t *outboxes; /* its notifiers (indexes into alert->outboxes) */
    size_t n_outboxes;
};

/* A problem of the monitor in progress. */
struct gw_alert_problem {
    char *key; /* "problem" or "problem target" */
};

/* Events written but not yet durable, in seq order, that are owed to notifiers. */
struct gw_alert_awaiting {
    struct gw_alert_event **events;
    size_t head, n, cap;
};

struct gw_alert_watch_state;

struct gw_alert {
    uv_loop_t *loop;
    const struct gw_host *host;
    struct gw_config *config; /* a reference */
    struct gw_targets *targets;
    struct gw_alert_target *at; /* per target of `targets` */
    char *data_dir;
    char *state_path;
    struct gw_eventlog *log;
    bool started, stopping;
    uint64_t next_seq;

    struct gw_alert_awaiting awaiting;
    struct gw_alert_outbox **outboxes;
    size_t n_outboxes;
    struct gw_alert_problem *problems;
    size_t n_problems;

    /* state.json */
    uint64_t save_gen;  /* generation of the latest save begun */
    uint64_t saved_gen; /* generation of the latest save finished */
    bool save_running, save_again;
    uint64_t last_save_mono;

    uv_timer_t save_soon;   /* a save asked for by messages just formed */
    uv_timer_t maintenance; /* the next time a target enters or leaves a window */
    uv_timer_t tick;        /* each second: reminders, the periodic save, the watch */
    int64_t last_tick_ms;   /* wall clock of the last tick */

    struct gw_alert_watch_state *watch;
    struct gw_snapshot_publisher *publisher; /* borrowed; NULL: none */
    struct gw_alert_stats stats;
    uint64_t backoff_min_ms, backoff_max_ms; /* GW_ALERT_BACKOFF_*; tests make them short */
    unsigned open_handles;                   /* timers closing */
    bool freed;                              /* gw_alert_free was called: the last close frees */
};

/* ---- alert.c ----------------------------------------------------------------- */

/* Seals the event with the next seq (and an id "<time_ms>-<seq>" when it
 * has none) and queues its line; one owed to notifiers is handed to their
 * outboxes once durable. Takes the reference. */
void gw_alert_emit(struct gw_alert *alert, struct gw_alert_event *ev);
/* What holds back the notifications of target idx of the registry. */
enum gw_hold gw_alert_hold(const struct gw_alert *alert, size_t idx);
/* A new event of `kind` about target idx at now_ms, from its state and last
 * result (`result`, when given, adds its figures). Caller emits or unrefs. */
struct gw_alert_event *gw_alert_target_event(struct gw_alert *alert, enum gw_alert_kind kind,
                                             size_t idx, const struct gw_result *result,
                                             int64_t now_ms);
/*
 * A hold of target idx ended (its parent recovered; or, with `window`, a
 * maintenance window ended): tells what is owed now, with a line.
 */
void gw_alert_release(struct gw_alert *alert, size_t idx, const struct gw_maintenance_conf *window,
                      int64_t now_ms);
/* The outbox of a notifier id, or NULL. */
struct gw_alert_outbox *gw_alert_outbox_of(struct gw_alert *alert, const char *id);
/* The current configuration of a notifier id, or NULL. */
const struct gw_notifier_conf *gw_alert_notifier(const struct gw_alert *alert, const char *id);

/* ---- timers.c ---------------------------------------------------------------- */

/* Every target enters or leaves its windows as the clock says; arms the
 * timer for the next time one does. */
void gw_alert_maintenance_update(struct gw_alert *alert);
/* Reminders of problems that hold, due between two ticks (wall clock). */
void gw_alert_remind(struct gw_alert *alert, int64_t from_ms, int64_t to_ms);

/* ---- outbox.c ---------------------------------------------------------------- */

struct gw_alert_outbox *gw_alert_outbox_new(struct gw_alert *alert, const char *id);
/* Gives up what the outbox holds (a line each), closes its timer and frees it. */
void gw_alert_outbox_close(struct gw_alert_outbox *ob, const char *why);
/* An event (a reference is taken) is owed to this notifier: gathered for group_wait. */
void gw_alert_outbox_add(struct gw_alert_outbox *ob, struct gw_alert_event *ev, bool reminder);
/* Puts back a message restored from state.json (its id and attempts kept). Taken. */
void gw_alert_outbox_restore(struct gw_alert_outbox *ob, struct gw_alert_message *m);
/* Forgets what is owed of these event ids (delivered, per the log). */
void gw_alert_outbox_forget(struct gw_alert_outbox *ob, char *const *ids, size_t n);
/* Sends what is due now (after a save finished, or a change of settings). */
void gw_alert_outbox_kick(struct gw_alert_outbox *ob);
/* Abandons the delivery in flight (it stays owed) and stops the timer. */
void gw_alert_outbox_stop(struct gw_alert_outbox *ob);
/* Event-notifier pairs owed in all. */
uint64_t gw_alert_outbox_owed(const struct gw_alert *alert);
void gw_alert_message_free(struct gw_alert_message *m);

/* ---- status.c ---------------------------------------------------------------- */

/* Renews the snapshot entry of target idx when what alerting says of it
 * (cause, flapping, maintenance) has changed without a result. */
void gw_alert_renew(struct gw_alert *alert, size_t idx);
/* The same for every target. */
void gw_alert_renew_all(struct gw_alert *alert);

/* ---- statefile.c ------------------------------------------------------------- */

/*
 * Starts a save of state.json (through the log's thread) of everything done
 * so far; when a save is already running, the one after it. Messages not yet
 * saved get the generation of the save that takes them.
 */
void gw_alert_save(struct gw_alert *alert);
/* A save within GW_ALERT_SAVE_SOON_MS (one timer for all who ask meanwhile). */
void gw_alert_save_soon(struct gw_alert *alert);
/*
 * Gives the targets their saved state and takes up what the log says
 * happened after it. Blocks (start-up). `pos` is where the log ends now.
 */
void gw_alert_restore(struct gw_alert *alert, const struct gw_eventlog_pos *end);

/* ---- watch.c ----------------------------------------------------------------- */

/* Looks at the daemon's machinery (each tick) and reports problems that begin or end. */
void gw_alert_watch_tick(struct gw_alert *alert);
void gw_alert_watch_free(struct gw_alert_watch_state *w);

#endif
