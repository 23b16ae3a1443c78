/*
 * The event log's files: <dir>/events.jsonl, appended by a thread of its
 * own (the loop never waits for the disk), made durable with fdatasync
 * before the loop hears of it, rotated by size into events.jsonl.1, .2, …
 * and pruned by age. Other files that must never be newer than the log
 * (state.json) are saved through the same thread, after the lines queued
 * before them, so they never describe an event the log could still lose.
 *
 * Reading (gw_eventlog_read, below) blocks: the daemon reads the log at
 * start-up, the command line, the web server's threads and reports later.
 */
#ifndef GW_EVENTLOG_H
#define GW_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define GW_EVENTLOG_NAME "events.jsonl"

struct gw_eventlog;

/* Where the log stands after a line: its seq, and the file and offset just past it. */
struct gw_eventlog_pos {
    uint64_t seq;
    uint64_t dev, ino; /* of the file the line is in */
    uint64_t offset;   /* bytes of that file up to and including the line */
};

/*
 * A file saved through the writer thread, after the lines queued before it.
 * render() runs on the writer thread with the log's position after those
 * lines and returns the text (caller frees; NULL: nothing to write); done()
 * runs later on the loop with 0 or a negative errno. The owner embeds this
 * and keeps it alive until done().
 */
struct gw_eventlog_save {
    const char *path;
    char *(*render)(struct gw_eventlog_save *save, const struct gw_eventlog_pos *pos,
                    size_t *len_out);
    void (*done)(struct gw_eventlog_save *save, int err);
    struct gw_eventlog_save *next; /* the writer's */
    int err;                       /* the writer's */
};

/* On the loop: every line up to `seq` is on disk. */
typedef void (*gw_eventlog_durable_cb)(void *data, uint64_t seq);

/*
 * A log in `dir` (copied), rotated past `max_size` bytes, rotated files
 * removed once older than `keep_ms`. Nothing is opened yet. Caller frees
 * with gw_eventlog_free.
 */
struct gw_eventlog *gw_eventlog_new(uv_loop_t *loop, const char *dir, uint64_t max_size,
                                    uint64_t keep_ms, gw_eventlog_durable_cb durable, void *data);

/*
 * Opens the live file (making the directory and the file when missing),
 * ends a line that a crash cut short, prunes old rotated files, and starts
 * the writer thread. *last_seq gets the seq of the last line in the log (0
 * when there is none) and *pos where it ends. Blocks: call before the loop
 * runs. Returns 0 or a negative errno (the log is then unusable).
 */
int gw_eventlog_open(struct gw_eventlog *log, uint64_t *last_seq, struct gw_eventlog_pos *pos);

/* Queues a line (copied; no newline) with its seq. Never blocks. */
void gw_eventlog_append(struct gw_eventlog *log, uint64_t seq, const char *line);
/* Queues a save after the lines queued so far. Never blocks. */
void gw_eventlog_save(struct gw_eventlog *log, struct gw_eventlog_save *save);

/* Changes the rotation settings (a reload). */
void gw_eventlog_configure(struct gw_eventlog *log, uint64_t max_size, uint64_t keep_ms);

/*
 * Writes what is queued, runs the queued saves and stops the thread, then
 * calls the durable and done callbacks still due, from here. Blocks: call
 * once the loop has stopped running checks. A line that cannot be written
 * within a few attempts is lost with an error in the log.
 */
void gw_eventlog_stop(struct gw_eventlog *log);

/* Closes the loop handle (the loop must run once more) and frees; NULL does nothing. */
void gw_eventlog_free(struct gw_eventlog *log);

/* ---- reading (eventlog_read.c) ----------------------------------------------------
 * The one reader of the log's files, for the daemon's start, the command line,
 * the web server and reports. It blocks on file I/O: never on the loop
 * thread once it runs. Any thread.
 */

/*
 * The numbers N of the rotated files events.jsonl.N in `dir` (N from 1, with
 * no leading zero), highest (oldest) first, in *out (caller frees). Returns
 * how many; 0 when the directory cannot be read.
 */
size_t gw_eventlog_rotated(const char *dir, unsigned **out);

/* True when `dir` holds an event log: events.jsonl or a rotated file. */
bool gw_eventlog_exists(const char *dir);

/* A line of the log, borrowed for the callback's duration. */
struct gw_eventlog_line {
    const char *text; /* NUL-terminated, without its line end; never empty */
    size_t len;       /* strlen(text) */
    const char *path; /* the file it is in */
    uint64_t number;  /* its line number in the file (from `from` when reading began there) */
    struct gw_eventlog_pos pos; /* its file, and the offset just past it; seq 0 */
};

typedef bool (*gw_eventlog_line_fn)(void *data, const struct gw_eventlog_line *line);

/*
 * Calls line(data, l) for every line of the log in `dir`, the rotated files
 * oldest first, then the live one; blank lines are skipped. With `from`
 * (not NULL) reading begins in the file it names, at its offset, and earlier
 * files are skipped; when no file is that one, everything is read and
 * *from_found (when not NULL) is false. The callback returns false to stop.
 *
 * Returns 0; -ENOENT when there is no log (neither file, or no directory);
 * or another negative errno when a file exists but cannot be read to its end
 * (what was read before has been given). A rotated file that disappears
 * while the log is read (rotated away) is skipped.
 */
int gw_eventlog_read(const char *dir, const struct gw_eventlog_pos *from, bool *from_found,
                     gw_eventlog_line_fn line, void *data);

#endif
