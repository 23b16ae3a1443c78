/*
 * Helpers shared by the RRD storage tests: a temporary directory, a started
 * writer and numbered runs of points, waiting on the writer's counters,
 * reading RRD files back, capturing the log, and a real rrdcached on a
 * private socket.
 */
#ifndef GW_RRD_TESTUTIL_H
#define GW_RRD_TESTUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <rrd.h>

#include "storage/rrd_schema.h"
#include "storage/rrd_writer.h"
#include "tmp_testutil.h"
#include "util/log.h"
#include "util/xalloc.h"

/* A time well in the past, so nothing depends on today's clock, and a multiple of
 * every step used here, so fetched rows line up with points. */
#define BASE_S 1700000040.0

static inline void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static inline void stats_of(struct gw_rrd_writer *w, struct gw_rrd_writer_stats *st)
{
    memset(st, 0xff, sizeof(*st));
    gw_rrd_writer_stats(w, st);
}

/* Polls until `written` points are stored and none is pending, for at most timeout_ms. */
static inline bool wait_written(struct gw_rrd_writer *w, uint64_t written, int timeout_ms)
{
    struct gw_rrd_writer_stats st;
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        stats_of(w, &st);
        if (st.written == written && st.pending == 0)
            return true;
        sleep_ms(10);
    }
    fprintf(stderr, "waited for %llu written: %llu written, %llu pending, %llu errors\n",
            (unsigned long long)written, (unsigned long long)st.written,
            (unsigned long long)st.pending, (unsigned long long)st.errors);
    return false;
}

/* Polls until at least `errors` failed attempts have been counted. */
static inline bool wait_errors(struct gw_rrd_writer *w, uint64_t errors, int timeout_ms)
{
    struct gw_rrd_writer_stats st;
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        stats_of(w, &st);
        if (st.errors >= errors)
            return true;
        sleep_ms(10);
    }
    return false;
}

static inline void core_values(double *v, double up, double degraded, double latency)
{
    v[0] = up;
    v[1] = degraded;
    v[2] = latency;
}

/* A new writer of at most `bound` points (0: the default), started. */
static inline struct gw_rrd_writer *started_writer(size_t bound)
{
    struct gw_rrd_writer *w = gw_rrd_writer_new(bound);
    assert_int_equal(gw_rrd_writer_start(w), 0);
    return w;
}

/* Submits point i of a numbered run: up, latency i/10 s, at BASE_S + 10 i. */
static inline void submit_latency(struct gw_rrd_writer *w, struct gw_rrd_series *s, int i)
{
    double v[3];
    core_values(v, 1, 0, i / 10.0);
    gw_rrd_writer_submit(w, s, BASE_S + 10 * i, v);
}

/* Submits points first..last of a numbered run (submit_latency). */
static inline void submit_latencies(struct gw_rrd_writer *w, struct gw_rrd_series *s, int first,
                                    int last)
{
    for (int i = first; i <= last; i++)
        submit_latency(w, s, i);
}

/* The file's last update (whole seconds) and the text of its last value of each DS. */
struct last {
    time_t time;
    unsigned long n;
    char **names;
    char **values;
};

static inline void last_read(const char *path, struct last *l)
{
    rrd_clear_error();
    int rc = rrd_lastupdate_r(path, &l->time, &l->n, &l->names, &l->values);
    if (rc != 0)
        fail_msg("rrd_lastupdate_r(%s): %s", path, rrd_get_error());
}

static inline void last_free(struct last *l)
{
    for (unsigned long i = 0; i < l->n; i++) {
        free(l->names[i]);
        free(l->values[i]);
    }
    free(l->names);
    free(l->values);
}

/* The last value of data source `name` ("U" when unknown), or NULL. Borrowed from l. */
static inline const char *last_value(const struct last *l, const char *name)
{
    for (unsigned long i = 0; i < l->n; i++)
        if (strcmp(l->names[i], name) == 0)
            return l->values[i];
    return NULL;
}

/*
 * One value of the finest archive of `cf`: the step that ends at `end_s`, of
 * data source `ds` (by name).
 */
static inline double fetch_cf_at(const char *path, const char *cf, time_t end_s,
                                 unsigned long step_s, const char *ds)
{
    time_t start = end_s - (time_t)step_s, end = end_s;
    unsigned long step = step_s, n_ds = 0;
    char **names = NULL;
    rrd_value_t *data = NULL;
    rrd_clear_error();
    if (rrd_fetch_r(path, cf, &start, &end, &step, &n_ds, &names, &data) != 0)
        fail_msg("rrd_fetch_r(%s): %s", path, rrd_get_error());
    if (step != step_s)
        fail_msg("fetch %s %s: step %lu, expected %lu", path, cf, step, step_s);
    /* Rows are the steps (start, start + step], ...; find the one ending at end_s. */
    if (!(end_s > start && (end_s - start) % (time_t)step == 0))
        fail_msg("fetch %s: asked to %ld, got (%ld, %ld] step %lu", path, (long)end_s, (long)start,
                 (long)end, step);
    size_t row = (size_t)((end_s - start) / (time_t)step) - 1;
    double v = NAN;
    bool found = false;
    for (unsigned long i = 0; i < n_ds; i++) {
        if (strcmp(names[i], ds) == 0) {
            v = data[row * n_ds + i];
            found = true;
        }
        free(names[i]);
    }
    free(names);
    free(data);
    if (!found)
        fail_msg("%s has no data source %s", path, ds);
    return v;
}

static inline double fetch_at(const char *path, time_t end_s, unsigned long step_s, const char *ds)
{
    return fetch_cf_at(path, "AVERAGE", end_s, step_s, ds);
}

/* Data source names of the file, in order, as one string "up,degraded,...". Caller frees. */
static inline char *ds_list(const char *path)
{
    rrd_clear_error();
    rrd_info_t *info = rrd_info_r(path);
    if (!info)
        fail_msg("rrd_info_r(%s): %s", path, rrd_get_error());
    char *names[64] = {0};
    for (rrd_info_t *i = info; i; i = i->next) {
        const char *end = strstr(i->key, "].index");
        if (strncmp(i->key, "ds[", 3) == 0 && end && end[7] == '\0' && i->value.u_cnt < 64)
            names[i->value.u_cnt] = gw_xstrndup(i->key + 3, (size_t)(end - i->key - 3));
    }
    rrd_info_free(info);
    char *out = gw_xstrdup("");
    for (size_t k = 0; k < 64 && names[k]; k++) {
        char *next = gw_xasprintf("%s%s%s", out, k ? "," : "", names[k]);
        free(out);
        free(names[k]);
        out = next;
    }
    return out;
}

/* Fails unless the data sources of the file are `want`, as ds_list gives them. */
static inline void assert_ds_list(const char *path, const char *want)
{
    char *list = ds_list(path);
    assert_string_equal(list, want);
    free(list);
}

/* Fails unless every point first..last of a numbered run is in the (main) file at `path`. */
static inline void assert_latencies(const char *path, int first, int last)
{
    for (int i = first; i <= last; i++)
        assert_true(fetch_at(path, (time_t)BASE_S + 10 * i, 10, "latency") == i / 10.0);
}

/* The daemon's log (stderr) sent to a file, from log_capture_start to log_capture_end. */
struct log_capture {
    int fd;    /* the file, already unlinked */
    int saved; /* the real stderr */
};

/* Sets the log level to `level` (GW_LOG_*) and sends the log to a file until log_capture_end. */
static inline void log_capture_start(struct log_capture *c, int level)
{
    gw_log_set_level(level);
    char path[] = "/tmp/gw-rrd-log-XXXXXX";
    c->fd = mkstemp(path);
    if (c->fd < 0)
        abort();
    unlink(path);
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    dup2(c->fd, STDERR_FILENO);
}

/* Restores stderr and the tests' level (warnings); returns what was logged meanwhile. Caller frees.
 */
static inline char *log_capture_end(struct log_capture *c)
{
    fflush(stderr);
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    gw_log_set_level(GW_LOG_WARNING);
    size_t size = 65536;
    char *buf = gw_xmalloc(size);
    ssize_t n = pread(c->fd, buf, size - 1, 0);
    close(c->fd);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

/* True when what was logged since log_capture_start holds `needle`. */
static inline bool log_capture_has(const struct log_capture *c, const char *needle)
{
    fflush(stderr);
    size_t size = 65536;
    char *buf = gw_xmalloc(size);
    ssize_t n = pread(c->fd, buf, size - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    bool found = strstr(buf, needle) != NULL;
    free(buf);
    return found;
}

/* Polls until the log holds `needle`, for `timeout_ms` at most. */
static inline bool wait_log(const struct log_capture *c, const char *needle, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        if (log_capture_has(c, needle))
            return true;
        sleep_ms(10);
    }
    return false;
}

static inline size_t count_of(const char *text, const char *needle)
{
    size_t count = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        count++;
    return count;
}

/*
 * Stops the writer and ends the capture; fails unless the log holds `first`,
 * and `second` unless it is NULL, `times` times each.
 */
static inline void assert_stop_logs(struct gw_rrd_writer *w, struct log_capture *cap, size_t times,
                                    const char *first, const char *second)
{
    gw_rrd_writer_stop(w);
    char *log = log_capture_end(cap);
    assert_int_equal(count_of(log, first), times);
    if (second)
        assert_int_equal(count_of(log, second), times);
    free(log);
}

/* ---- a real rrdcached ------------------------------------------------------ */

struct rrdcached {
    pid_t pid;
    char *address; /* "unix:PATH" or "127.0.0.1:PORT" */
    char *base;    /* its -b directory */
    char *dir;     /* its socket, pid file, journal and log */
};

/* A TCP port on 127.0.0.1 that nothing listens on now. */
static inline int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        abort();
    close(fd);
    return ntohs(sa.sin_port);
}

static inline bool rrdcached_answers(const struct rrdcached *r)
{
    int fd;
    int rc;
    if (strncmp(r->address, "unix:", 5) == 0) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", r->address + 5);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    } else {
        struct sockaddr_in sa = {.sin_family = AF_INET,
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                                 .sin_port = htons((uint16_t)atoi(strchr(r->address, ':') + 1))};
        fd = socket(AF_INET, SOCK_STREAM, 0);
        rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    }
    close(fd);
    return rc == 0;
}

/*
 * Starts rrdcached in the foreground on r->address over r->base, writing only
 * when told (FLUSH) or at its own stop (-F), and waits until it answers.
 */
static inline void rrdcached_start(struct rrdcached *r)
{
    char *pid_file = gw_xasprintf("%s/rrdcached.pid", r->dir);
    char *journal = gw_xasprintf("%s/journal", r->dir);
    char *log = gw_xasprintf("%s/rrdcached.log", r->dir);
    mkdir(journal, 0700);
    r->pid = fork();
    if (r->pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execlp("rrdcached", "rrdcached", "-g", "-l", r->address, "-b", r->base, "-B", "-R", "-F",
               "-w", "3600", "-f", "7200", "-p", pid_file, "-j", journal, "-o", log, (char *)NULL);
        _exit(127);
    }
    free(pid_file);
    free(journal);
    free(log);
    for (int waited = 0; waited < 5000; waited += 10) {
        if (rrdcached_answers(r))
            return;
        int status;
        if (waitpid(r->pid, &status, WNOHANG) == r->pid)
            fail_msg("rrdcached exited at start (status %d): is it installed?", status);
        sleep_ms(10);
    }
    fail_msg("rrdcached did not answer on %s", r->address);
}

/* Stops it with `sig` and waits for it to exit. */
static inline void rrdcached_stop(struct rrdcached *r, int sig)
{
    if (r->pid <= 0)
        return;
    kill(r->pid, sig);
    int status;
    waitpid(r->pid, &status, 0);
    r->pid = 0;
}

/* An rrdcached on a unix socket (unix=true) or on 127.0.0.1, over a new base directory. */
static inline void rrdcached_init(struct rrdcached *r, bool unix_socket)
{
    memset(r, 0, sizeof(*r));
    r->dir = temp_dir("gw-rrdcached");
    r->base = temp_dir("gw-rrdbase");
    if (unix_socket)
        r->address = gw_xasprintf("unix:%s/sock", r->dir);
    else
        r->address = gw_xasprintf("127.0.0.1:%d", free_port());
}

static inline void rrdcached_fini(struct rrdcached *r)
{
    rrdcached_stop(r, SIGKILL);
    tree_remove(r->dir);
    tree_remove(r->base);
    free(r->dir);
    free(r->base);
    free(r->address);
}

#endif
