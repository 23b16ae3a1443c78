/*
 * The `exec` notifier: runs a program for each notification, with argv as
 * configured (never through a shell), the notification in GWYLIWR_*
 * environment variables (its first event; GWYLIWR_EVENT_COUNT says how many
 * there are) and, whole, as JSON on its standard input. Exit status 0 is
 * delivered; 64 (EX_USAGE) and 65 (EX_DATAERR) are a refusal that retrying
 * cannot mend; anything else fails the attempt, which the daemon retries.
 * The first line the program writes on stderr (else stdout) is the message
 * the daemon logs.
 *
 * The daemon's timeout (the notifier's `timeout`) cancels a run that takes
 * too long: the program and everything it started (its own session) are
 * killed with SIGKILL. The exec (which waits for the kernel to start the
 * program) happens on a worker thread, never on the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gwyliwr/plugin.h>
#include <jansson.h>

#include "lib/notify_body.h"
#include "lib/notify_util.h"

/* Output kept from the program, for the message. */
#define EXEC_OUTPUT_MAX 4096

struct exec_conf {
    char **argv; /* NULL-terminated */
    size_t argc;
    char **env; /* "NAME=value" from `env`, NULL-terminated */
    size_t n_env;
};

static const struct gw_cfg_key exec_keys[] = {
    {"command", GW_CFG_LIST, GW_CFG_REQUIRED, NULL,
     "the program and its arguments, e.g. [/usr/local/bin/page, --team, ops]"},
    {"env", GW_CFG_MAP, 0, NULL, "more environment variables for the program: {NAME: value}"},
    {NULL, 0, 0, NULL, NULL},
};

/* ---- configuration ------------------------------------------------------- */

static void conf_free(void *p)
{
    struct exec_conf *c = p;
    if (!c)
        return;
    for (size_t i = 0; i < c->argc; i++)
        free(c->argv[i]);
    free(c->argv);
    for (size_t i = 0; i < c->n_env; i++)
        free(c->env[i]);
    free(c->env);
    free(c);
}

/* A copy of a configuration (a run keeps its own); NULL without memory. */
static struct exec_conf *conf_copy(const struct exec_conf *from)
{
    struct exec_conf *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->argv = calloc(from->argc + 1, sizeof(*c->argv));
    c->env = calloc(from->n_env + 1, sizeof(*c->env));
    bool ok = c->argv && c->env;
    for (size_t i = 0; ok && i < from->argc; i++)
        ok = (c->argv[c->argc++] = strdup(from->argv[i])) != NULL;
    for (size_t i = 0; ok && i < from->n_env; i++)
        ok = (c->env[c->n_env++] = strdup(from->env[i])) != NULL;
    if (!ok) {
        conf_free(c);
        return NULL;
    }
    return c;
}

/* True when `name` (no slash) is an executable file in one of PATH's directories. */
static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char buf[4096];
    while (*path) {
        size_t len = strcspn(path, ":");
        if (len > 0 && len + strlen(name) + 2 < sizeof(buf)) {
            memcpy(buf, path, len);
            buf[len] = '/';
            strcpy(buf + len + 1, name);
            if (access(buf, X_OK) == 0)
                return true;
        }
        path += len;
        if (*path == ':')
            path++;
    }
    return false;
}

static bool valid_env_name(const char *s)
{
    if (!s || !*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

static int exec_configure(const struct gw_host *host, const struct gw_cfg *node, void **conf_out)
{
    const struct gw_cfg *command = host->cfg_child(node, "command");
    size_t n = host->cfg_len(command);
    if (n == 0) {
        host->cfg_error(command, "exec: an empty command (expected the program and its arguments)");
        return -EINVAL;
    }
    struct exec_conf *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->argv = calloc(n + 1, sizeof(*c->argv));
    if (!c->argv)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const char *arg = host->cfg_scalar(host->cfg_at(command, i));
        c->argv[i] = strdup(arg ? arg : "");
        if (!c->argv[i])
            goto oom;
        c->argc++;
    }
    const char *program = c->argv[0];
    if (strchr(program, '/') ? access(program, X_OK) != 0 : !on_path(program)) {
        host->cfg_error(host->cfg_at(command, 0),
                        "exec: \"%s\" is not an executable program (%s; expected an absolute "
                        "path, or a program on PATH)",
                        program, strchr(program, '/') ? strerror(errno) : "not found on PATH");
        conf_free(c);
        return -EINVAL;
    }
    const struct gw_cfg *env = host->cfg_child(node, "env");
    size_t n_env = env ? host->cfg_len(env) : 0;
    c->env = calloc(n_env + 1, sizeof(*c->env));
    if (!c->env)
        goto oom;
    int rc = 0;
    for (size_t i = 0; i < n_env; i++) {
        const char *name = host->cfg_key_at(env, i);
        const char *value = host->cfg_scalar(host->cfg_at(env, i));
        if (!valid_env_name(name) || strncmp(name, "GWYLIWR_", 8) == 0 || !value) {
            host->cfg_error(host->cfg_at(env, i),
                            "exec: bad environment variable \"%s\" (expected a name of letters, "
                            "digits and _ not starting GWYLIWR_, with a text value)",
                            name ? name : "");
            rc = -EINVAL;
            continue;
        }
        size_t len = strlen(name) + strlen(value) + 2;
        char *kv = malloc(len);
        if (!kv)
            goto oom;
        snprintf(kv, len, "%s=%s", name, value);
        c->env[c->n_env++] = kv;
    }
    if (rc < 0) {
        conf_free(c);
        return rc;
    }
    *conf_out = c;
    return 0;
oom:
    host->cfg_error(node, "exec: out of memory");
    conf_free(c);
    return -ENOMEM;
}

/* ---- the notification as JSON and environment ------------------------------ */

/* The whole message, as the webhook's body (docs/notifiers.md); caller frees. */
static char *notification_json(const struct gw_notification *n)
{
    json_t *o = gw_notify_body_json(n);
    char *text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
    json_decref(o);
    return text;
}

/* RFC 3339 of `ms`, or "" when it is not known. */
static void rfc3339(int64_t ms, char *buf, size_t size)
{
    if (ms <= 0)
        buf[0] = '\0';
    else
        gw_notify_rfc3339(ms, buf, size);
}

struct env {
    char **vars;
    size_t n, cap;
    bool failed;
};

static void env_add(struct env *e, const char *name, const char *value)
{
    if (e->failed)
        return;
    if (e->n + 2 > e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        char **vars = realloc(e->vars, cap * sizeof(*vars));
        if (!vars) {
            e->failed = true;
            return;
        }
        e->vars = vars;
        e->cap = cap;
    }
    size_t len = strlen(name) + strlen(value ? value : "") + 2;
    char *kv = malloc(len);
    if (!kv) {
        e->failed = true;
        return;
    }
    snprintf(kv, len, "%s=%s", name, value ? value : "");
    e->vars[e->n++] = kv;
    e->vars[e->n] = NULL;
}

static void env_add_int(struct env *e, const char *name, long long value)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", value);
    env_add(e, name, buf);
}

static void env_free(struct env *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->vars[i]);
    free(e->vars);
}

/* The program's environment: a few of the daemon's, the configured ones, the notification's. */
static void build_env(struct env *e, const struct exec_conf *c, const struct gw_notification *n)
{
    static const char *const kept[] = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        if (getenv(kept[i]))
            env_add(e, kept[i], getenv(kept[i]));
    for (size_t i = 0; i < c->n_env; i++) {
        const char *eq = strchr(c->env[i], '=');
        char name[256];
        size_t len = (size_t)(eq - c->env[i]);
        if (len >= sizeof(name))
            continue;
        memcpy(name, c->env[i], len);
        name[len] = '\0';
        env_add(e, name, eq + 1);
    }
    const struct gw_event *ev = n->events[0];
    char when[32], since[32];
    rfc3339(ev->time_ms, when, sizeof(when));
    rfc3339(ev->since_ms, since, sizeof(since));
    env_add(e, "GWYLIWR_NOTIFICATION_ID", n->id);
    env_add(e, "GWYLIWR_SUBJECT", n->subject);
    env_add(e, "GWYLIWR_BODY", n->body);
    env_add(e, "GWYLIWR_LANGUAGE", n->language);
    env_add(e, "GWYLIWR_TEST", n->test ? "1" : "0");
    env_add_int(e, "GWYLIWR_EVENT_COUNT", (long long)n->n_events);
    env_add(e, "GWYLIWR_EVENT_ID", ev->id);
    env_add(e, "GWYLIWR_KIND", ev->kind);
    env_add(e, "GWYLIWR_STATE", ev->state);
    env_add(e, "GWYLIWR_PREVIOUS", ev->previous);
    env_add(e, "GWYLIWR_TARGET", ev->target);
    env_add(e, "GWYLIWR_TARGET_NAME", ev->target_name);
    env_add(e, "GWYLIWR_COUNCIL", ev->council);
    env_add(e, "GWYLIWR_COUNCIL_NAME", ev->council_name);
    env_add(e, "GWYLIWR_COUNCIL_NAME_CY", ev->council_name_cy);
    env_add(e, "GWYLIWR_CATEGORY", ev->category);
    env_add(e, "GWYLIWR_CHECK", ev->check);
    env_add(e, "GWYLIWR_REASON", ev->reason);
    env_add(e, "GWYLIWR_SENTENCE", ev->message);
    env_add(e, "GWYLIWR_TIME", when);
    env_add_int(e, "GWYLIWR_TIME_MS", ev->time_ms);
    env_add(e, "GWYLIWR_SINCE", since);
    env_add_int(e, "GWYLIWR_SINCE_MS", ev->since_ms);
    env_add(e, "GWYLIWR_CAUSE", ev->cause);
    env_add(e, "GWYLIWR_CAUSE_TARGET", ev->cause_target);
    env_add(e, "GWYLIWR_URL", ev->url);
    env_add_int(e, "GWYLIWR_SEVERITY", ev->severity);
}

/* ---- an owned copy of the notification (send() only borrows it) ------------- */

struct copy {
    struct gw_notification n;
    struct gw_event *events;
    const struct gw_event **ptrs;
    struct gw_event_figure *figures;
    char *text; /* every string, one after the other */
};

static size_t size_of(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* Copies s to *at (which moves past it); NULL stays NULL. */
static const char *put(char **at, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = memcpy(*at, s, n);
    *at += n;
    return d;
}

static void copy_free(struct copy *c)
{
    if (!c)
        return;
    free(c->text);
    free(c->events);
    free(c->ptrs);
    free(c->figures);
    free(c);
}

/*
 * A copy the worker thread can read after send() returned; NULL without
 * memory. A message may hold thousands of events: their strings go in one
 * block, sized first.
 */
static struct copy *copy_of(const struct gw_notification *n)
{
    size_t n_figures = 0,
           bytes = size_of(n->id) + size_of(n->subject) + size_of(n->body) + size_of(n->language);
    for (size_t i = 0; i < n->n_events; i++) {
        const struct gw_event *e = n->events[i];
        const char *strings[] = {e->id,          e->kind,     e->state,        e->previous,
                                 e->target,      e->council,  e->council_name, e->council_name_cy,
                                 e->target_name, e->category, e->check,        e->reason,
                                 e->message,     e->cause,    e->cause_target, e->url};
        for (size_t k = 0; k < sizeof(strings) / sizeof(strings[0]); k++)
            bytes += size_of(strings[k]);
        for (size_t k = 0; k < e->n_figures; k++)
            bytes += size_of(e->figures[k].name);
        n_figures += e->n_figures;
    }
    struct copy *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->events = calloc(n->n_events + 1, sizeof(*c->events));
    c->ptrs = calloc(n->n_events + 1, sizeof(*c->ptrs));
    c->figures = calloc(n_figures + 1, sizeof(*c->figures));
    c->text = malloc(bytes + 1);
    if (!c->events || !c->ptrs || !c->figures || !c->text) {
        copy_free(c);
        return NULL;
    }
    char *at = c->text;
    struct gw_event_figure *f = c->figures;
    for (size_t i = 0; i < n->n_events; i++) {
        const struct gw_event *e = n->events[i];
        struct gw_event *d = &c->events[i];
        d->size = sizeof(*d);
        d->id = put(&at, e->id);
        d->kind = put(&at, e->kind);
        d->state = put(&at, e->state);
        d->previous = put(&at, e->previous);
        d->target = put(&at, e->target);
        d->council = put(&at, e->council);
        d->council_name = put(&at, e->council_name);
        d->council_name_cy = put(&at, e->council_name_cy);
        d->target_name = put(&at, e->target_name);
        d->category = put(&at, e->category);
        d->check = put(&at, e->check);
        d->reason = put(&at, e->reason);
        d->message = put(&at, e->message);
        d->time_ms = e->time_ms;
        d->since_ms = e->since_ms;
        d->cause = put(&at, e->cause);
        d->cause_target = put(&at, e->cause_target);
        d->figures = f;
        d->n_figures = e->n_figures;
        d->url = put(&at, e->url);
        d->severity = e->severity;
        for (size_t k = 0; k < e->n_figures; k++, f++)
            *f = (struct gw_event_figure){put(&at, e->figures[k].name), e->figures[k].value};
        c->ptrs[i] = d;
    }
    c->n.size = sizeof(c->n);
    c->n.id = put(&at, n->id);
    c->n.events = c->ptrs;
    c->n.n_events = n->n_events;
    c->n.subject = put(&at, n->subject);
    c->n.body = put(&at, n->body);
    c->n.language = put(&at, n->language);
    c->n.test = n->test;
    return c;
}

/* ---- a run ---------------------------------------------------------------------
 * The program is started on a worker thread (posix_spawn, which waits for the
 * child's exec: never on the loop, which must not wait for the scheduler to
 * run another process); the loop then reads its output through pipes and
 * learns of its end through a pidfd, and reaps it. */

struct exec_run {
    struct gw_delivery *delivery; /* NULL once cancelled */
    gw_delivery_done_cb done;
    struct exec_conf *conf; /* a copy: the daemon's may go with a reload meanwhile */
    uv_loop_t *loop;
    uv_work_t work;
    bool working; /* the worker has not reported yet */
    struct copy *copy;
    /* the worker's results */
    int spawn_err;
    pid_t pid;
    int pidfd, fd_in, fd_out, fd_err;
    char *input;
    /* on the loop */
    uv_pipe_t in, out, err;
    uv_poll_t exit_poll;
    uv_write_t write;
    unsigned open; /* handles not yet closed */
    bool exited, out_eof, err_eof, reported;
    int64_t status;
    int term_signal;
    char output[2][EXEC_OUTPUT_MAX + 1]; /* stdout, stderr */
    size_t output_len[2];
    char read_buf[4096];
};

static void run_free(struct exec_run *run)
{
    conf_free(run->conf);
    copy_free(run->copy);
    free(run->input);
    free(run);
}

static void run_closed_cb(uv_handle_t *handle)
{
    struct exec_run *run = handle->data;
    if (--run->open == 0)
        run_free(run);
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, run_closed_cb);
}

/* The first non-empty line of what the program said. */
static void first_line(const char *text, char *buf, size_t size)
{
    while (*text == '\n' || *text == '\r' || *text == ' ')
        text++;
    size_t len = strcspn(text, "\r\n");
    if (len >= size)
        len = size - 1;
    memcpy(buf, text, len);
    buf[len] = '\0';
}

/* Once the program has exited and both pipes are at their end. */
static void maybe_finish(struct exec_run *run)
{
    if (!run->exited || !run->out_eof || !run->err_eof || run->reported)
        return;
    run->reported = true;
    close_handle((uv_handle_t *)&run->exit_poll);
    close_handle((uv_handle_t *)&run->in);
    close_handle((uv_handle_t *)&run->out);
    close_handle((uv_handle_t *)&run->err);
    if (!run->delivery)
        return; /* cancelled */
    char said[240];
    first_line(run->output_len[1] ? run->output[1] : run->output[0], said, sizeof(said));
    char message[320];
    int err;
    if (run->term_signal) {
        snprintf(message, sizeof(message), "killed by signal %d%s%s", run->term_signal,
                 *said ? ": " : "", said);
        err = -EIO;
    } else if (run->status == 0) {
        snprintf(message, sizeof(message), "exit 0%s%s", *said ? ": " : "", said);
        err = 0;
    } else {
        snprintf(message, sizeof(message), "exit %lld%s%s", (long long)run->status,
                 *said ? ": " : "", said);
        err = run->status == 64 || run->status == 65 ? -EINVAL : -EIO;
    }
    run->done(run->delivery, err, message, 0);
}

/* The pidfd is readable: the program has ended. */
static void exit_cb(uv_poll_t *poll, int status, int events)
{
    (void)status, (void)events;
    struct exec_run *run = poll->data;
    int ws;
    pid_t got;
    do
        got = waitpid(run->pid, &ws, WNOHANG);
    while (got < 0 && errno == EINTR);
    if (got == 0)
        return; /* not yet */
    uv_poll_stop(poll);
    run->exited = true;
    if (got > 0 && WIFSIGNALED(ws))
        run->term_signal = WTERMSIG(ws);
    else
        run->status = got > 0 && WIFEXITED(ws) ? WEXITSTATUS(ws) : 255;
    maybe_finish(run);
}

static void alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct exec_run *run = handle->data;
    *buf = uv_buf_init(run->read_buf, sizeof(run->read_buf));
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct exec_run *run = stream->data;
    int which = stream == (uv_stream_t *)&run->err;
    if (nread > 0) {
        size_t room = EXEC_OUTPUT_MAX - run->output_len[which];
        size_t n = (size_t)nread < room ? (size_t)nread : room;
        memcpy(run->output[which] + run->output_len[which], buf->base, n);
        run->output_len[which] += n;
        run->output[which][run->output_len[which]] = '\0';
        return;
    }
    if (nread < 0) {
        uv_read_stop(stream);
        if (which)
            run->err_eof = true;
        else
            run->out_eof = true;
        maybe_finish(run);
    }
}

static void write_cb(uv_write_t *req, int status)
{
    (void)status; /* a program that does not read its input is its own business */
    struct exec_run *run = req->data;
    close_handle((uv_handle_t *)&run->in);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* On a worker thread: the input, the environment, three pipes, the program. */
static void spawn_work(uv_work_t *work)
{
    struct exec_run *run = work->data;
    run->pid = -1;
    run->pidfd = run->fd_in = run->fd_out = run->fd_err = -1;
    run->input = notification_json(&run->copy->n);
    struct env env = {0};
    build_env(&env, run->conf, &run->copy->n);
    int p_in[2] = {-1, -1}, p_out[2] = {-1, -1}, p_err[2] = {-1, -1};
    int *ends[] = {&p_in[0], &p_in[1], &p_out[0], &p_out[1], &p_err[0], &p_err[1]};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    bool fa_ok = false, attr_ok = false;
    if (!run->input || env.failed) {
        run->spawn_err = -ENOMEM;
        goto out;
    }
    if (pipe2(p_in, O_CLOEXEC) < 0 || pipe2(p_out, O_CLOEXEC) < 0 || pipe2(p_err, O_CLOEXEC) < 0) {
        run->spawn_err = -errno;
        goto out;
    }
    fa_ok = posix_spawn_file_actions_init(&fa) == 0;
    attr_ok = posix_spawnattr_init(&attr) == 0;
    if (!fa_ok || !attr_ok) {
        run->spawn_err = -ENOMEM;
        goto out;
    }
    posix_spawn_file_actions_adddup2(&fa, p_in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, p_out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p_err[1], 2);
    /* its own session, so a cancel kills it and whatever it started; no
     * signal of ours blocked or caught */
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawnp(&run->pid, run->conf->argv[0], &fa, &attr, run->conf->argv, env.vars);
    if (rc != 0) {
        run->spawn_err = -rc;
        run->pid = -1;
        goto out;
    }
    run->pidfd = (int)syscall(SYS_pidfd_open, run->pid, 0);
    if (run->pidfd < 0) {
        /* cannot watch it: stop it now rather than leave it unreaped */
        run->spawn_err = -errno;
        kill(-run->pid, SIGKILL);
        waitpid(run->pid, NULL, 0);
        run->pid = -1;
        goto out;
    }
    run->fd_in = p_in[1];
    run->fd_out = p_out[0];
    run->fd_err = p_err[0];
    p_in[1] = p_out[0] = p_err[0] = -1;
out:
    for (size_t i = 0; i < 6; i++)
        close_fd(ends[i]);
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_ok)
        posix_spawnattr_destroy(&attr);
    env_free(&env);
}

/* Back on the loop: the program runs (or could not start). */
static void spawned_cb(uv_work_t *work, int status)
{
    struct exec_run *run = work->data;
    run->working = false;
    if (status == UV_ECANCELED) { /* cancelled before a worker took it */
        run_free(run);
        return;
    }
    if (run->spawn_err < 0) {
        if (run->delivery) {
            char message[200];
            snprintf(message, sizeof(message), "cannot run %s: %s", run->conf->argv[0],
                     strerror(-run->spawn_err));
            run->done(run->delivery, run->spawn_err, message, 0);
        }
        run_free(run);
        return;
    }
    if (!run->delivery) /* cancelled while it started */
        kill(-run->pid, SIGKILL);
    uv_pipe_t *pipes[] = {&run->in, &run->out, &run->err};
    int fds[] = {run->fd_in, run->fd_out, run->fd_err};
    for (int i = 0; i < 3; i++) {
        uv_pipe_init(run->loop, pipes[i], 0);
        pipes[i]->data = run;
        uv_pipe_open(pipes[i], fds[i]);
        run->open++;
    }
    uv_poll_init(run->loop, &run->exit_poll, run->pidfd);
    run->exit_poll.data = run;
    run->open++;
    uv_poll_start(&run->exit_poll, UV_READABLE, exit_cb);
    uv_read_start((uv_stream_t *)&run->out, alloc_cb, read_cb);
    uv_read_start((uv_stream_t *)&run->err, alloc_cb, read_cb);
    uv_buf_t buf = uv_buf_init(run->input, (unsigned)strlen(run->input));
    run->write.data = run;
    if (uv_write(&run->write, (uv_stream_t *)&run->in, &buf, 1, write_cb) < 0)
        close_handle((uv_handle_t *)&run->in);
}

static int exec_send(const struct gw_host *host, const void *conf,
                     const struct gw_notification *notification, struct gw_delivery *delivery,
                     gw_delivery_done_cb done, void **run_out)
{
    struct exec_run *run = calloc(1, sizeof(*run));
    if (!run)
        return -ENOMEM;
    run->copy = copy_of(notification);
    if (!run->copy) {
        free(run);
        return -ENOMEM;
    }
    run->conf = conf_copy(conf);
    if (!run->conf) {
        run_free(run);
        return -ENOMEM;
    }
    run->delivery = delivery;
    run->done = done;
    run->loop = host->loop;
    run->work.data = run;
    int rc = uv_queue_work(host->loop, &run->work, spawn_work, spawned_cb);
    if (rc < 0) {
        run_free(run);
        return rc;
    }
    run->working = true;
    *run_out = run;
    return 0;
}

static void exec_cancel(void *p)
{
    struct exec_run *run = p;
    run->delivery = NULL;
    if (run->working) {
        uv_cancel((uv_req_t *)&run->work); /* else spawned_cb kills what started */
        return;
    }
    /* The poll stays open until the program has exited, so it is reaped. */
    if (!run->exited)
        kill(-run->pid, SIGKILL);
}

static const struct gw_notifier_type exec_type = {
    .name = "exec",
    .description = "run a program with the notification in its environment and on its input",
    .keys = exec_keys,
    .configure = exec_configure,
    .conf_free = conf_free,
    .send = exec_send,
    .cancel = exec_cancel,
    .resend_ms = NULL,
};

static const struct gw_notifier_type *const notifiers[] = {&exec_type, NULL};

GW_PLUGIN_DEFINE("notify_exec", NULL, notifiers);
