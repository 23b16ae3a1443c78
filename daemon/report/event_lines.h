/*
 * Reading the event log, <data_dir>/events.jsonl and its rotated files
 * (docs/events.md): every line as a record, oldest first. Reports draw
 * outages from it; anything else that needs the lines may use it too.
 *
 * Reading blocks on file I/O: never on the loop thread. Any thread.
 */
#ifndef GW_EVENT_LINES_H
#define GW_EVENT_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gw_event_lines_kind {
    GW_EVENT_LINES_OTHER, /* a kind this reader does not know: kept for its time only */
    GW_EVENT_LINES_STATE,
    GW_EVENT_LINES_FLAPPING,
    GW_EVENT_LINES_SETTLED,
    GW_EVENT_LINES_MAINTENANCE_START,
    GW_EVENT_LINES_MAINTENANCE_END,
    GW_EVENT_LINES_MONITOR,
    GW_EVENT_LINES_START,
    GW_EVENT_LINES_STOP,
    GW_EVENT_LINES_DELIVERY,
};

enum gw_event_lines_state {
    GW_EVENT_LINES_S_NONE, /* absent or not a state this reader knows */
    GW_EVENT_LINES_S_PENDING,
    GW_EVENT_LINES_S_UP,
    GW_EVENT_LINES_S_DEGRADED,
    GW_EVENT_LINES_S_DOWN,
    GW_EVENT_LINES_S_UNKNOWN,
};

/* One line. Strings are borrowed for the callback's duration; NULL when absent. */
struct gw_event_lines_rec {
    int64_t seq;
    int64_t time_ms;
    int64_t since_ms; /* 0 when absent */
    enum gw_event_lines_kind kind;
    const char *kind_text;
    const char *target; /* "council/target" */
    enum gw_event_lines_state from, to;
    const char *reason;
    const char *cause; /* "parent", "maintenance" */
    const char *cause_target;
    const char *sentence;
};

/* A parsed line: its record, and the document that holds the record's strings. */
struct gw_event_lines_line {
    struct gw_event_lines_rec rec;
    void *root; /* jansson's json_t */
};

/*
 * Parses one line (`len` bytes, no newline needed) into *out, which holds
 * its strings until gw_event_lines_line_clear. Returns 0, or -EINVAL when the
 * line is not a JSON object with an integer `time_ms` and a string `kind`
 * (with a "council/target" `target` for kinds that concern one, and a known
 * `to` for a state change), with *error set to a static description and
 * nothing to clear.
 */
int gw_event_lines_parse(const char *line, size_t len, struct gw_event_lines_line *out,
                         const char **error);
/* Frees what a parsed line holds; a cleared line may be cleared again. */
void gw_event_lines_line_clear(struct gw_event_lines_line *line);

/* The word of a state as the log writes it ("down"); "" for none. Static. */
const char *gw_event_lines_state_word(enum gw_event_lines_state s);

typedef void (*gw_event_lines_cb)(void *data, const struct gw_event_lines_rec *rec);

struct gw_event_lines_stats {
    size_t lines;              /* lines given to the callback */
    size_t skipped;            /* lines that did not parse (each logged, a few per file) */
    int64_t first_ms, last_ms; /* times of the first and last line given; 0 when none */
};

/*
 * Reads the event log of `data_dir` through its reader (alert/eventlog.h:
 * events.jsonl.N .. events.jsonl.1, then events.jsonl) and calls `cb` with
 * every line that parses, in that order; lines that do not parse are skipped
 * with a warning in the log. Fills *stats when not NULL.
 *
 * Returns 0, -ENOENT when there is no event log at all (neither file), or
 * another negative errno when a file exists but cannot be read (*stats says
 * how far it got). gw_eventlog_exists says whether there is a log.
 */
int gw_event_lines_read(const char *data_dir, gw_event_lines_cb cb, void *data,
                        struct gw_event_lines_stats *stats);

#endif
