/*
 * One line of the event log (<data_dir>/events.jsonl, docs/events.md): a
 * hard state change, the start or end of flapping or of a maintenance
 * window, a problem of the monitor itself, a start or stop of the daemon,
 * or a delivery attempt. The one place that writes and reads the format.
 *
 * An event is immutable once it has its line (gw_alert_event_seal), so the
 * writer thread may read it while the loop holds references; references are
 * taken and dropped on the loop thread only.
 */
#ifndef GW_ALERT_EVENT_H
#define GW_ALERT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gwyliwr/plugin.h>

#define GW_EVENTS_FORMAT 1

enum gw_alert_kind {
    GW_EVENT_STATE,
    GW_EVENT_FLAPPING,
    GW_EVENT_SETTLED,
    GW_EVENT_MAINTENANCE_START,
    GW_EVENT_MAINTENANCE_END,
    GW_EVENT_MONITOR,
    GW_EVENT_START,
    GW_EVENT_STOP,
    GW_EVENT_DELIVERY,
    GW_EVENT_KIND_COUNT,
};

struct gw_alert_figure {
    char name[20];
    double value;
};

struct gw_alert_event {
    unsigned refs;
    uint64_t seq;
    int64_t time_ms;
    enum gw_alert_kind kind;

    /* Every kind that can be owed to notifiers: */
    char *id; /* the idempotency key */
    char **notify;
    size_t n_notify;

    /* Of a target (state, flapping, settled, maintenance; monitor: optional). */
    char *target; /* "council/target" */
    char *council;
    char *category;
    char *check;
    uint8_t from, to; /* states (result/state.h); maintenance: `to` is the state */
    char *reason;     /* NULL when up */
    char *sentence;
    int64_t since_ms;
    uint8_t cause; /* enum gw_hold */
    char *cause_target;
    struct gw_alert_figure *figures;
    size_t n_figures;
    double percent; /* flapping, settled */
    char *window;   /* maintenance: the window's reason, or NULL */

    /* monitor */
    char *problem;
    bool active;

    /* start */
    char *version;
    char *config;

    /* delivery */
    char *event;   /* the first event of the message */
    char **events; /* every event id of the message */
    size_t n_events;
    char *notifier;     /* also of a monitor problem that concerns a notifier */
    char *notification; /* the message's idempotency key */
    uint32_t attempt;
    char *outcome; /* "sent", "failed", "gave_up" */
    char *message;

    char *line; /* the JSON line, set by gw_alert_event_seal */

    bool reminder; /* not a line: news told again (re_notify, resend_ms) */
};

/* A new, empty event of `kind` (refs = 1; states PENDING). Caller unrefs. */
struct gw_alert_event *gw_alert_event_new(enum gw_alert_kind kind);
/* Takes a reference; returns ev. */
struct gw_alert_event *gw_alert_event_ref(struct gw_alert_event *ev);
/* Drops a reference, freeing the event with the last; NULL does nothing. */
void gw_alert_event_unref(struct gw_alert_event *ev);

/* Adds a notifier id (copied) to notify. */
void gw_alert_event_add_notify(struct gw_alert_event *ev, const char *notifier);
/* Adds a figure; names longer than 19 characters are cut. */
void gw_alert_event_add_figure(struct gw_alert_event *ev, const char *name, double value);

/*
 * Renders the event's JSON line (no newline) into ev->line, with `seq`.
 * The event must not change afterwards.
 */
void gw_alert_event_seal(struct gw_alert_event *ev, uint64_t seq);

/*
 * Reads one line of the log (len bytes, no newline needed). Returns a new
 * event (caller unrefs) whose line is a copy of the text, or NULL when the
 * line is not an event of this format (*error, when not NULL, gets a
 * sentence: caller frees).
 */
struct gw_alert_event *gw_alert_event_parse(const char *text, size_t len, char **error);

/* "state", "flapping", ...; NULL for an unknown kind. Static. */
const char *gw_alert_kind_name(enum gw_alert_kind kind);
/* The kind of a name: 0 and *out, or -EINVAL. */
int gw_alert_kind_parse(const char *name, enum gw_alert_kind *out);

/* "parent", "maintenance" or NULL, for an enum gw_hold. Static. */
const char *gw_alert_cause_name(uint8_t cause);

/* The RFC 3339 UTC text of a time in ms: "2026-11-03T10:12:03.123Z". */
void gw_alert_format_time(int64_t time_ms, char *buf, size_t size);

#endif
