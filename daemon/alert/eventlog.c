#include "alert/eventlog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util/fsutil.h"
#include "util/log.h"
#include "util/xalloc.h"

/* How long the writer waits for more lines before it writes what it has. */
#define GW_EVENTLOG_LINGER_MS 20

struct item {
    uint64_t seq;
    char *text; /* NULL for a save */
    size_t len;
    struct gw_eventlog_save *save;
};

struct gw_eventlog {
    uv_loop_t *loop;
    uv_async_t async;
    char *dir;
    char *live; /* dir/events.jsonl */
    gw_eventlog_durable_cb durable;
    void *data;

    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* under lock: */
    struct item *items;
    size_t n_items, cap_items;
    bool stop;
    uint64_t max_size, keep_ms;
    uint64_t durable_seq;
    struct gw_eventlog_save *done_head, *done_tail;

    /* the writer thread's: */
    int fd;
    struct gw_eventlog_pos pos;
    char *buf;
    size_t buf_len, buf_cap;
    bool failing;

    uint64_t reported_seq; /* the loop's */
};

/* ---- files ------------------------------------------------------------------- */

static char *rotated_path(const char *dir, unsigned k)
{
    return gw_xasprintf("%s/%s.%u", dir, GW_EVENTLOG_NAME, k);
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Removes rotated files whose last line (their last change) is older than keep_ms. */
static void prune(const char *dir, uint64_t keep_ms)
{
    unsigned *ks;
    size_t n = gw_eventlog_rotated(dir, &ks);
    time_t limit = time(NULL) - (time_t)(keep_ms / 1000);
    for (size_t i = 0; i < n; i++) {
        char *path = rotated_path(dir, ks[i]);
        struct stat st;
        if (stat(path, &st) == 0 && st.st_mtime < limit) {
            if (unlink(path) == 0)
                gw_log_info("events: removed %s, older than events_keep", path);
            else
                gw_log_warning("events: cannot remove %s: %s", path, strerror(errno));
        }
        free(path);
    }
    free(ks);
}

static int open_live(struct gw_eventlog *log)
{
    int fd = open(log->live, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    log->fd = fd;
    log->pos.dev = (uint64_t)st.st_dev;
    log->pos.ino = (uint64_t)st.st_ino;
    log->pos.offset = (uint64_t)st.st_size;
    return 0;
}

static int rotate(struct gw_eventlog *log)
{
    unsigned *ks;
    size_t n = gw_eventlog_rotated(log->dir, &ks);
    int err = 0;
    for (size_t i = 0; i < n && !err; i++) {
        char *from = rotated_path(log->dir, ks[i]), *to = rotated_path(log->dir, ks[i] + 1);
        if (rename(from, to) != 0)
            err = -errno;
        free(from);
        free(to);
    }
    free(ks);
    char *first = rotated_path(log->dir, 1);
    if (!err && rename(log->live, first) != 0)
        err = -errno;
    free(first);
    if (err) {
        gw_log_error("events: cannot rotate %s: %s; it grows on", log->live, strerror(-err));
        return err;
    }
    close(log->fd);
    log->fd = -1;
    err = open_live(log);
    sync_dir(log->dir);
    pthread_mutex_lock(&log->lock);
    uint64_t keep = log->keep_ms;
    pthread_mutex_unlock(&log->lock);
    prune(log->dir, keep);
    return err;
}

/* ---- the writer thread ------------------------------------------------------------ */

/* Waits up to `ms` unless told to stop; returns true when stopping. */
static bool pause_ms(struct gw_eventlog *log, unsigned ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&log->lock);
    if (!log->stop)
        pthread_cond_timedwait(&log->cond, &log->lock, &until);
    bool stop = log->stop;
    pthread_mutex_unlock(&log->lock);
    return stop;
}

/* Writes the buffered lines and makes them durable, retrying while the disk refuses. */
static void flush(struct gw_eventlog *log, uint64_t last_seq)
{
    if (log->buf_len == 0)
        return;
    pthread_mutex_lock(&log->lock);
    uint64_t max_size = log->max_size;
    pthread_mutex_unlock(&log->lock);
    if (log->fd >= 0 && log->pos.offset >= max_size)
        rotate(log); /* on failure the live file grows on: nothing is lost */
    size_t done = 0;
    unsigned wait_ms = 1000, tries_stopping = 0;
    for (;;) {
        int err = 0;
        if (log->fd < 0)
            err = open_live(log);
        while (!err && done < log->buf_len) {
            ssize_t w = write(log->fd, log->buf + done, log->buf_len - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                err = -errno;
                break;
            }
            done += (size_t)w;
            log->pos.offset += (uint64_t)w;
        }
        if (!err && fdatasync(log->fd) != 0)
            err = -errno;
        if (!err)
            break;
        if (!log->failing)
            gw_log_error("events: cannot write %s: %s; notifications wait until it can be written",
                         log->live, strerror(-err));
        log->failing = true;
        if (pause_ms(log, wait_ms) && ++tries_stopping >= 3) {
            gw_log_error("events: %zu bytes of events are lost: %s cannot be written",
                         log->buf_len - done, log->live);
            log->buf_len = 0;
            return;
        }
        wait_ms = wait_ms * 2 > 30000 ? 30000 : wait_ms * 2;
    }
    if (log->failing)
        gw_log_notice("events: %s is written again", log->live);
    log->failing = false;
    log->buf_len = 0;
    log->pos.seq = last_seq;
    pthread_mutex_lock(&log->lock);
    log->durable_seq = last_seq;
    pthread_mutex_unlock(&log->lock);
}

static void run_save(struct gw_eventlog *log, struct gw_eventlog_save *save)
{
    size_t len = 0;
    char *text = save->render(save, &log->pos, &len);
    save->err = text ? gw_fsutil_write_atomic(save->path, text, len, 0640) : 0;
    free(text);
    save->next = NULL;
    pthread_mutex_lock(&log->lock);
    if (log->done_tail)
        log->done_tail->next = save;
    else
        log->done_head = save;
    log->done_tail = save;
    pthread_mutex_unlock(&log->lock);
}

static void buffer(struct gw_eventlog *log, const char *text, size_t len)
{
    if (log->buf_len + len + 1 > log->buf_cap) {
        log->buf_cap = (log->buf_len + len + 1) * 2;
        log->buf = gw_xreallocarray(log->buf, log->buf_cap, 1);
    }
    memcpy(log->buf + log->buf_len, text, len);
    log->buf[log->buf_len + len] = '\n';
    log->buf_len += len + 1;
}

static void *writer_main(void *arg)
{
    struct gw_eventlog *log = arg;
    struct item *batch = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        pthread_mutex_lock(&log->lock);
        while (log->n_items == 0 && !log->stop)
            pthread_cond_wait(&log->cond, &log->lock);
        if (log->n_items == 0 && log->stop) {
            pthread_mutex_unlock(&log->lock);
            break;
        }
        if (!log->stop) {
            /* Lines that come close together share one fdatasync: a storm
             * of changes costs a few a second, and a line waits this little
             * more to be durable. */
            pthread_mutex_unlock(&log->lock);
            struct timespec linger = {0, GW_EVENTLOG_LINGER_MS * 1000000L};
            nanosleep(&linger, NULL);
            pthread_mutex_lock(&log->lock);
        }
        /* take the whole queue: a storm of events costs one fdatasync */
        struct item *t = log->items;
        log->items = batch;
        batch = t;
        n = log->n_items;
        size_t c = log->cap_items;
        log->cap_items = cap;
        cap = c;
        log->n_items = 0;
        pthread_mutex_unlock(&log->lock);

        uint64_t last = log->pos.seq;
        for (size_t i = 0; i < n; i++) {
            if (batch[i].text) {
                buffer(log, batch[i].text, batch[i].len);
                last = batch[i].seq;
                free(batch[i].text);
            } else {
                flush(log, last);
                run_save(log, batch[i].save);
            }
        }
        flush(log, last);
        uv_async_send(&log->async);
    }
    free(batch);
    return NULL;
}

/* ---- the loop's side ---------------------------------------------------------------- */

static void deliver(struct gw_eventlog *log)
{
    pthread_mutex_lock(&log->lock);
    uint64_t seq = log->durable_seq;
    struct gw_eventlog_save *saves = log->done_head;
    log->done_head = log->done_tail = NULL;
    pthread_mutex_unlock(&log->lock);
    if (seq > log->reported_seq) {
        log->reported_seq = seq;
        log->durable(log->data, seq);
    }
    while (saves) {
        struct gw_eventlog_save *next = saves->next;
        saves->done(saves, saves->err);
        saves = next;
    }
}

static void async_cb(uv_async_t *async)
{
    deliver(async->data);
}

struct gw_eventlog *gw_eventlog_new(uv_loop_t *loop, const char *dir, uint64_t max_size,
                                    uint64_t keep_ms, gw_eventlog_durable_cb durable, void *data)
{
    struct gw_eventlog *log = gw_xcalloc(1, sizeof(*log));
    log->loop = loop;
    log->dir = gw_xstrdup(dir);
    log->live = gw_xasprintf("%s/%s", dir, GW_EVENTLOG_NAME);
    log->durable = durable;
    log->data = data;
    log->max_size = max_size;
    log->keep_ms = keep_ms;
    log->fd = -1;
    pthread_mutex_init(&log->lock, NULL);
    pthread_cond_init(&log->cond, NULL);
    uv_async_init(loop, &log->async, async_cb);
    log->async.data = log;
    /* The writer's news never keeps the loop running by itself: a stopping
     * daemon gets the last of it from gw_eventlog_stop. */
    uv_unref((uv_handle_t *)&log->async);
    return log;
}

void gw_eventlog_configure(struct gw_eventlog *log, uint64_t max_size, uint64_t keep_ms)
{
    pthread_mutex_lock(&log->lock);
    log->max_size = max_size;
    log->keep_ms = keep_ms;
    pthread_mutex_unlock(&log->lock);
}

/* The seq of the last whole line of the file at path (0: none), read from its end. */
static uint64_t last_seq_of(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    uint64_t seq = 0;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        size_t want = st.st_size > 65536 ? 65536 : (size_t)st.st_size;
        char *buf = gw_xmalloc(want + 1);
        ssize_t got = pread(fd, buf, want, st.st_size - (off_t)want);
        if (got > 0) {
            buf[got] = '\0';
            /* the last line that parses; a cut one (a crash) is passed over */
            char *end = buf + got;
            while (end > buf && seq == 0) {
                while (end > buf && end[-1] == '\n')
                    end--;
                char *start = end;
                while (start > buf && start[-1] != '\n')
                    start--;
                json_t *o = json_loadb(start, (size_t)(end - start), 0, NULL);
                json_int_t v = json_integer_value(json_object_get(o, "seq"));
                json_decref(o);
                if (v > 0)
                    seq = (uint64_t)v;
                end = start;
            }
        }
        free(buf);
    }
    close(fd);
    return seq;
}

int gw_eventlog_open(struct gw_eventlog *log, uint64_t *last_seq, struct gw_eventlog_pos *pos)
{
    int err = gw_fsutil_mkdirs(log->dir, 0750);
    if (err < 0)
        return err;
    err = open_live(log);
    if (err < 0)
        return err;
    /* A crash in the middle of a write leaves a line without its end: end
     * it, so the next line stays whole and readers skip only the cut one. */
    if (log->pos.offset > 0) {
        int rfd = open(log->live, O_RDONLY | O_CLOEXEC);
        char last = '\n';
        if (rfd >= 0) {
            if (pread(rfd, &last, 1, (off_t)log->pos.offset - 1) != 1)
                last = '\n';
            close(rfd);
        }
        if (last != '\n') {
            if (write(log->fd, "\n", 1) == 1) {
                log->pos.offset++;
                fdatasync(log->fd);
            }
            gw_log_warning("events: the last line of %s was cut short (the daemon stopped while "
                           "writing it); readers skip it",
                           log->live);
        }
    }
    uint64_t seq = last_seq_of(log->live);
    if (seq == 0) {
        char *first = rotated_path(log->dir, 1);
        seq = last_seq_of(first);
        free(first);
    }
    log->pos.seq = seq;
    log->durable_seq = log->reported_seq = seq;
    prune(log->dir, log->keep_ms);
    int rc = pthread_create(&log->thread, NULL, writer_main, log);
    if (rc != 0) {
        close(log->fd);
        log->fd = -1;
        return -rc;
    }
    log->running = true;
    *last_seq = seq;
    if (pos)
        *pos = log->pos;
    return 0;
}

static void enqueue(struct gw_eventlog *log, struct item item)
{
    pthread_mutex_lock(&log->lock);
    if (log->n_items == log->cap_items) {
        log->cap_items = log->cap_items ? log->cap_items * 2 : 64;
        log->items = gw_xreallocarray(log->items, log->cap_items, sizeof(*log->items));
    }
    log->items[log->n_items++] = item;
    pthread_cond_signal(&log->cond);
    pthread_mutex_unlock(&log->lock);
}

void gw_eventlog_append(struct gw_eventlog *log, uint64_t seq, const char *line)
{
    size_t len = strlen(line);
    enqueue(log, (struct item){.seq = seq, .text = gw_xstrndup(line, len), .len = len});
}

void gw_eventlog_save(struct gw_eventlog *log, struct gw_eventlog_save *save)
{
    enqueue(log, (struct item){.save = save});
}

void gw_eventlog_stop(struct gw_eventlog *log)
{
    if (!log || !log->running)
        return;
    pthread_mutex_lock(&log->lock);
    log->stop = true;
    pthread_cond_signal(&log->cond);
    pthread_mutex_unlock(&log->lock);
    pthread_join(log->thread, NULL);
    log->running = false;
    deliver(log);
}

static void free_cb(uv_handle_t *handle)
{
    struct gw_eventlog *log = handle->data;
    for (size_t i = 0; i < log->n_items; i++)
        free(log->items[i].text);
    free(log->items);
    free(log->buf);
    pthread_mutex_destroy(&log->lock);
    pthread_cond_destroy(&log->cond);
    free(log->dir);
    free(log->live);
    free(log);
}

void gw_eventlog_free(struct gw_eventlog *log)
{
    if (!log)
        return;
    gw_eventlog_stop(log);
    if (log->fd >= 0)
        close(log->fd);
    log->fd = -1;
    uv_close((uv_handle_t *)&log->async, free_cb);
}
