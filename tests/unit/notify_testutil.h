/*
 * A notifier plugin through the real loader: the plugin's .so is dlopened
 * from $GW_PLUGIN_DIR into a check_harness (real loop, the daemon's HTTP
 * client), its notifier is built from YAML by the configuration loader, and
 * hand-built notifications are sent through its send() to real receivers
 * that the tests start as child processes (tests/tools/, in Python) on 127.0.0.1.
 */
#ifndef GW_NOTIFY_TESTUTIL_H
#define GW_NOTIFY_TESTUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "check_testutil.h"
#include "sim_testutil.h"
#include "tmp_testutil.h"

/* ---- receivers: child processes that say "ready ..." -------------------------------- */

struct receiver {
    pid_t pid;
    char *dir;       /* private directory: the receiver's files and log */
    char ready[256]; /* its "ready ..." line, without the newline */
};

/*
 * Debian's interpreter when there is one: python3-aiosmtpd installs for it,
 * and another python3 may come first in PATH.
 */
static inline const char *receiver_python(void)
{
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* $GW_SOURCE_DIR/tests/tools/<name>. Caller frees. */
static inline char *receiver_script(const char *name)
{
    const char *src = getenv("GW_SOURCE_DIR");
    assert_non_null(src);
    return gw_xasprintf("%s/tests/tools/%s", src, name);
}

/*
 * Starts argv (argv[0] looked up in PATH) with stdout on a pipe and stderr
 * in <dir>/log, and waits up to `wait_s` seconds for a line starting with
 * "ready". Returns 0, or -1 after printing the log.
 */
static inline int receiver_start(struct receiver *r, const char *dir, char *const argv[],
                                 double wait_s)
{
    memset(r, 0, sizeof(*r));
    r->dir = gw_xstrdup(dir);
    char *log = gw_xasprintf("%s/log", dir);
    int pipefd[2];
    if (pipe(pipefd) != 0)
        abort();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    int rc = posix_spawnp(&r->pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        fprintf(stderr, "cannot start %s: %s\n", argv[0], strerror(rc));
        r->pid = 0;
        close(pipefd[0]);
        free(log);
        return -1;
    }
    size_t len = 0;
    uint64_t deadline = uv_hrtime() + (uint64_t)(wait_s * 1e9);
    while (!memchr(r->ready, '\n', len) && len + 1 < sizeof(r->ready)) {
        struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
        if (uv_hrtime() > deadline || poll(&pfd, 1, 100) < 0)
            break;
        if (!(pfd.revents & (POLLIN | POLLHUP)))
            continue;
        ssize_t n = read(pipefd[0], r->ready + len, sizeof(r->ready) - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        r->ready[len] = '\0';
    }
    close(pipefd[0]);
    char *nl = strchr(r->ready, '\n');
    if (!nl || strncmp(r->ready, "ready", 5) != 0) {
        char *text = sim_read_text(log);
        fprintf(stderr, "%s did not get ready (said \"%s\"):\n%s\n", argv[0], r->ready,
                text ? text : "");
        free(text);
        free(log);
        return -1;
    }
    *nl = '\0';
    free(log);
    return 0;
}

/* Stops the receiver (SIGTERM, then waits) and removes its directory. */
static inline void receiver_stop(struct receiver *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        int status;
        waitpid(r->pid, &status, 0);
    }
    if (r->dir)
        tree_remove(r->dir);
    free(r->dir);
    memset(r, 0, sizeof(*r));
}

/* ---- the notifier under test --------------------------------------------------------- */

/* A cmocka setup: *state is a harness with `plugin` loaded and the daemon's HTTP client. */
static inline int notify_setup(void **state, const char *plugin)
{
    struct check_harness *h = gw_xcalloc(1, sizeof(*h));
    harness_init(h, plugin, true, slack());
    *state = h;
    return 0;
}

/* The teardown of notify_setup. */
static inline int notify_teardown(void **state)
{
    struct check_harness *h = *state;
    harness_fini(h);
    free(h);
    return 0;
}

/* One delivery's end, copied out of its callback. */
struct delivery {
    unsigned calls;
    int err;
    char message[1024];
    uint64_t retry_after_ms;
    uint64_t start_ns, end_ns;
};

static inline void notify_done_cb(struct gw_delivery *d, int err, const char *message,
                                  uint64_t retry_after_ms)
{
    struct delivery *out = (struct delivery *)d;
    out->calls++;
    out->err = err;
    snprintf(out->message, sizeof(out->message), "%s", message ? message : "(null)");
    out->retry_after_ms = retry_after_ms;
    out->end_ns = uv_hrtime();
}

/* The YAML of one notifier, id n, of type `type`, up to its own keys. */
#define NOTIFIER_HEAD(type)                                                                        \
    "notifiers:\n"                                                                                 \
    "  - id: n\n"                                                                                  \
    "    type: " type "\n"

/* Loads `yaml`, which must define one notifier, into h->config. Returns it (borrowed). */
static inline const struct gw_notifier_conf *notify_load(struct check_harness *h, const char *yaml)
{
    gw_config_unref(h->config);
    h->config = harness_load_yaml(h, yaml);
    if (!h->config) {
        harness_dump_diag(h->diag);
        fail_msg("the configuration was refused");
    }
    assert_int_equal(h->config->n_notifiers, 1);
    return &h->config->notifiers[0];
}

/* Starts delivering `n` through `nc` into `out`. Returns the plugin's run. */
static inline void *notify_start(struct check_harness *h, const struct gw_notifier_conf *nc,
                                 const struct gw_notification *n, struct delivery *out)
{
    memset(out, 0, sizeof(*out));
    void *run = NULL;
    uv_update_time(&h->loop.uv);
    out->start_ns = uv_hrtime();
    int rc = nc->type->send(&h->host, nc->plugin_conf, n, (struct gw_delivery *)out, notify_done_cb,
                            &run);
    if (rc != 0)
        fail_msg("send() refused: %s", strerror(-rc));
    assert_int_equal(out->calls, 0); /* never completed from inside send */
    return run;
}

/* Runs the loop until the delivery has ended (fails after 30 s × slack). */
static inline void notify_wait(struct check_harness *h, struct delivery *out)
{
    test_loop_wait(&h->loop, &out->calls, 1, (uint64_t)(30000 * h->slack), "delivery outcome");
    assert_int_equal(out->calls, 1);
}

/* Sends and waits for the one outcome. */
static inline void notify_run(struct check_harness *h, const struct gw_notifier_conf *nc,
                              const struct gw_notification *n, struct delivery *out)
{
    notify_start(h, nc, n, out);
    notify_wait(h, out);
}

static inline double delivery_ms(const struct delivery *d)
{
    return (double)(d->end_ns - d->start_ns) / 1e6;
}

#define assert_delivery(d, want_err, text)                                                         \
    do {                                                                                           \
        if ((d)->err != (want_err) || !strstr((d)->message, (text)))                               \
            fail_msg("delivery: %s (\"%s\"); expected %s with \"%s\"", strerror(-(d)->err),        \
                     (d)->message, strerror(-(want_err)), (text));                                 \
    } while (0)

/* ---- hand-built notifications ------------------------------------------------------- */

/* An event and the strings it points to, filled with plausible values. */
struct test_event {
    struct gw_event e;
    struct gw_event_figure figures[2];
    char id[128], target[64], council[32];
};

/*
 * A state change of council/target to `state` from `previous` at time_ms,
 * the previous state having begun at since_ms (0: unknown).
 */
static inline void test_event_init(struct test_event *t, const char *council, const char *target,
                                   const char *state, const char *previous, int64_t time_ms,
                                   int64_t since_ms)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->council, sizeof(t->council), "%s", council);
    snprintf(t->target, sizeof(t->target), "%s/%s", council, target);
    snprintf(t->id, sizeof(t->id), "%s-%lld", t->target, (long long)time_ms);
    bool up = strcmp(state, "up") == 0;
    t->figures[0] = (struct gw_event_figure){"latency", 0.212};
    t->figures[1] = (struct gw_event_figure){"status", up ? 200 : 503};
    t->e = (struct gw_event){
        .size = sizeof(struct gw_event),
        .id = t->id,
        .kind = "state",
        .state = state,
        .previous = previous,
        .target = t->target,
        .council = t->council,
        .council_name = "Cyngor Gwynedd",
        .council_name_cy = "Cyngor Gwynedd",
        .target_name = "Website",
        .category = "digital-services",
        .check = "http",
        .reason = up ? NULL : "http_status",
        .message = up ? "HTTP 200 from www.gwynedd.llyw.cymru in 212 ms"
                      : "HTTP 503 from www.gwynedd.llyw.cymru in 212 ms",
        .time_ms = time_ms,
        .since_ms = since_ms,
        .figures = t->figures,
        .n_figures = 2,
        .url = "http://127.0.0.1:8080/target/gwynedd/website",
        .severity = up ? GW_STATUS_UP : GW_STATUS_DOWN,
    };
}

/* A notification of `n` events (pointers borrowed), with its own id and words. */
static inline struct gw_notification test_notification(const char *id,
                                                       const struct gw_event *const *events,
                                                       size_t n, const char *subject,
                                                       const char *body)
{
    return (struct gw_notification){
        .size = sizeof(struct gw_notification),
        .id = id,
        .events = events,
        .n_events = n,
        .subject = subject,
        .body = body,
        .language = "en",
    };
}

/* ---- receivers over HTTP and the ways they fail ------------------------------------------ */

/* tests/tools/webhook_receiver.py: it answers by path, and records every request. */
struct hook_receiver {
    struct receiver proc;
    int port;         /* answers HTTP */
    int refused_port; /* bound, never listening: connections are refused */
};

/* Starts the receiver in a new directory named after `prefix`. Returns 0 or -1. */
static inline int hook_receiver_start(struct hook_receiver *hr, const char *prefix)
{
    memset(hr, 0, sizeof(*hr));
    char *dir = temp_dir(prefix);
    char *script = receiver_script("webhook_receiver.py");
    char *record = gw_xasprintf("%s/requests.jsonl", dir);
    char *argv[] = {(char *)receiver_python(), "-B", script, "--record", record, NULL};
    int rc = receiver_start(&hr->proc, dir, argv, 30 * slack());
    if (rc == 0 && sscanf(hr->proc.ready, "ready %d %d", &hr->port, &hr->refused_port) != 2)
        rc = -1;
    free(record);
    free(script);
    free(dir);
    return rc;
}

/*
 * Loads notifier n of `type` whose url is http://127.0.0.1:PORT/PATH (PORT
 * the receiver's, or its refused port when path is NULL), then `extra`
 * lines. Returns it (borrowed from h->config).
 */
static inline const struct gw_notifier_conf *hook_load(struct check_harness *h,
                                                       const struct hook_receiver *hr,
                                                       const char *type, const char *path,
                                                       const char *extra)
{
    char *yaml = gw_xasprintf("notifiers:\n  - id: n\n    type: %s\n"
                              "    url: \"http://127.0.0.1:%d%s\"\n%s",
                              type, path ? hr->port : hr->refused_port, path ? path : "/",
                              extra ? extra : "");
    const struct gw_notifier_conf *nc = notify_load(h, yaml);
    free(yaml);
    return nc;
}

/* A DOWN of gwynedd/website, sent by notifier `type` to PATH of the receiver; waits. */
static inline void hook_send(struct check_harness *h, const struct hook_receiver *hr,
                             const char *type, const char *path, const char *extra,
                             struct delivery *d)
{
    const struct gw_notifier_conf *nc = hook_load(h, hr, type, path, extra);
    struct test_event ev;
    test_event_init(&ev, "gwynedd", "website", "down", "up", 1793700723000LL, 0);
    const struct gw_event *events[] = {&ev.e};
    struct gw_notification n = test_notification("n-f", events, 1, "s", "b");
    notify_run(h, nc, &n, d);
}

/* A refused connection is worth retrying. */
static inline void hook_expect_refused(struct check_harness *h, const struct hook_receiver *hr,
                                       const char *type)
{
    struct delivery d;
    hook_send(h, hr, type, NULL, NULL, &d);
    assert_delivery(&d, -ECONNREFUSED, "connection refused by 127.0.0.1:");
}

/* 5xx and 408 are retried, 429 waits for Retry-After, other 4xx and 3xx are given up. */
static inline void hook_expect_statuses(struct check_harness *h, const struct hook_receiver *hr,
                                        const char *type)
{
    struct delivery d;
    hook_send(h, hr, type, "/status/500", NULL, &d);
    assert_delivery(&d, -EIO, "HTTP 500 from http://127.0.0.1:");
    assert_non_null(strstr(d.message, ": failure 500"));
    assert_int_equal(d.retry_after_ms, 0);
    hook_send(h, hr, type, "/status/408", NULL, &d);
    assert_delivery(&d, -EIO, "HTTP 408");
    hook_send(h, hr, type, "/status/429/retry/7", NULL, &d);
    assert_delivery(&d, -EAGAIN, "HTTP 429");
    assert_int_equal(d.retry_after_ms, 7000);
    hook_send(h, hr, type, "/status/429", NULL, &d);
    assert_delivery(&d, -EAGAIN, "HTTP 429");
    assert_int_equal(d.retry_after_ms, 0);
    hook_send(h, hr, type, "/status/503/retry/30", NULL, &d);
    assert_delivery(&d, -EIO, "HTTP 503");
    assert_int_equal(d.retry_after_ms, 30000);
    hook_send(h, hr, type, "/status/400", NULL, &d);
    assert_delivery(&d, -EINVAL, "HTTP 400 from http://127.0.0.1:");
    hook_send(h, hr, type, "/status/404", NULL, &d);
    assert_delivery(&d, -EINVAL, "HTTP 404");
    hook_send(h, hr, type, "/status/301", NULL, &d);
    assert_delivery(&d, -EINVAL, "HTTP 301");
}

/* A receiver that never answers ends the attempt at the notifier's timeout. */
static inline void hook_expect_timeout(struct check_harness *h, const struct hook_receiver *hr,
                                       const char *type)
{
    struct delivery d;
    /* The daemon's limit is 1 s: the request ends a tenth before. */
    hook_send(h, hr, type, "/hang", "    timeout: 1s\n", &d);
    assert_delivery(&d, -ETIMEDOUT, "no response from 127.0.0.1:");
    assert_non_null(strstr(d.message, "within 900 ms"));
    assert_true(delivery_ms(&d) >= 899 && delivery_ms(&d) < 1000 * slack());
    assert_true(delivery_ms(&d) < 5000 * slack());
}

/*
 * A delivery to a hung receiver, cancelled, never completes; meanwhile the
 * same notifier type delivers elsewhere at once; nothing is left on the loop.
 */
static inline void hook_expect_cancel(struct check_harness *h, const struct hook_receiver *hr,
                                      const char *type)
{
    const struct gw_notifier_conf *hung = hook_load(h, hr, type, "/hang", NULL);
    struct test_event ev;
    test_event_init(&ev, "gwynedd", "website", "down", "up", 1793700723000LL, 0);
    const struct gw_event *events[] = {&ev.e};
    struct gw_notification n = test_notification("n-h", events, 1, "s", "b");
    struct delivery d_hung, d_ok;
    void *run = notify_start(h, hung, &n, &d_hung);
    char *yaml = gw_xasprintf("notifiers:\n  - id: n\n    type: %s\n"
                              "    url: \"http://127.0.0.1:%d/ok\"\n",
                              type, hr->port);
    struct gw_config *other = harness_load_yaml(h, yaml);
    assert_non_null(other);
    notify_run(h, &other->notifiers[0], &n, &d_ok);
    assert_delivery(&d_ok, 0, "HTTP 200");
    assert_true(delivery_ms(&d_ok) < 2000 * slack());
    test_loop_run_for(&h->loop, 200);
    assert_int_equal(d_hung.calls, 0);
    hung->type->cancel(run);
    test_loop_run_for(&h->loop, 100);
    assert_int_equal(d_hung.calls, 0);
    gw_config_unref(other);
    free(yaml);
    harness_finish_loop(h);
}

/* A 1 GiB answer is not read: the outcome comes at once, its text quoted short. */
static inline void hook_expect_huge_answer(struct check_harness *h, const struct hook_receiver *hr,
                                           const char *type)
{
    struct delivery d;
    hook_send(h, hr, type, "/huge", NULL, &d);
    assert_delivery(&d, 0, "HTTP 200");
    assert_true(delivery_ms(&d) < 10000 * slack());
    hook_send(h, hr, type, "/huge/500", NULL, &d);
    assert_delivery(&d, -EIO, "HTTP 500");
    assert_non_null(strstr(d.message, "xxxx..."));
    assert_true(strlen(d.message) < 300);
}
#endif
