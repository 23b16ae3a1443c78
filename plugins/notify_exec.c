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
 * too long: the program and everything it started (its own session, made
 * with setsid) are killed with SIGKILL.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gwyliwr/plugin.h>
#include <jansson.h>

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

static void rfc3339(int64_t ms, char *buf, size_t size)
{
    if (ms <= 0) {
        buf[0] = '\0';
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* One event in the body documented for webhooks (docs/alerting.md). */
static json_t *event_json(const struct gw_event *e)
{
    char when[32], since[32];
    rfc3339(e->time_ms, when, sizeof(when));
    rfc3339(e->since_ms, since, sizeof(since));
    json_t *o = json_object();
    json_t *figures = json_object();
    for (size_t i = 0; i < e->n_figures; i++)
        json_object_set_new(figures, e->figures[i].name, json_real(e->figures[i].value));
    json_object_set_new(o, "idempotency_key", str_or_null(e->id));
    json_object_set_new(o, "kind", str_or_null(e->kind));
    json_object_set_new(o, "state", str_or_null(e->state));
    json_object_set_new(o, "previous", str_or_null(e->previous));
    json_object_set_new(o, "target", str_or_null(e->target));
    json_object_set_new(o, "target_name", str_or_null(e->target_name));
    json_object_set_new(o, "council", str_or_null(e->council));
    json_object_set_new(o, "council_name", str_or_null(e->council_name));
    json_object_set_new(o, "council_name_cy", str_or_null(e->council_name_cy));
    json_object_set_new(o, "category", str_or_null(e->category));
    json_object_set_new(o, "check", str_or_null(e->check));
    json_object_set_new(o, "reason", str_or_null(e->reason));
    json_object_set_new(o, "sentence", str_or_null(e->message));
    json_object_set_new(o, "time", json_string(when));
    json_object_set_new(o, "since", e->since_ms > 0 ? json_string(since) : json_null());
    json_object_set_new(o, "duration",
                        e->since_ms > 0 && e->time_ms >= e->since_ms
                            ? json_integer((e->time_ms - e->since_ms) / 1000)
                            : json_null());
    json_object_set_new(o, "figures", figures);
    json_object_set_new(o, "cause", str_or_null(e->cause));
    json_object_set_new(o, "cause_target", str_or_null(e->cause_target));
    json_object_set_new(o, "url", str_or_null(e->url));
    json_object_set_new(o, "severity", json_integer(e->severity));
    return o;
}

static char *notification_json(const struct gw_notification *n)
{
    json_t *o = json_object();
    json_object_set_new(o, "idempotency_key", json_string(n->id));
    json_object_set_new(o, "subject", json_string(n->subject));
    json_object_set_new(o, "body", json_string(n->body));
    json_object_set_new(o, "language", json_string(n->language));
    json_object_set_new(o, "test", json_boolean(n->test));
    json_t *events = json_array();
    for (size_t i = 0; i < n->n_events; i++)
        json_array_append_new(events, event_json(n->events[i]));
    json_object_set_new(o, "events", events);
    char *text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
    json_decref(o);
    return text;
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

/* ---- a run ---------------------------------------------------------------- */

struct exec_run {
    struct gw_delivery *delivery; /* NULL once cancelled */
    gw_delivery_done_cb done;
    uv_process_t process;
    uv_pipe_t in, out, err;
    uv_write_t write;
    char *input;
    unsigned open; /* handles not yet closed */
    bool exited, out_eof, err_eof, reported;
    int64_t status;
    int term_signal;
    char output[2][EXEC_OUTPUT_MAX + 1]; /* stdout, stderr */
    size_t output_len[2];
    char read_buf[4096];
};

static void run_closed_cb(uv_handle_t *handle)
{
    struct exec_run *run = handle->data;
    if (--run->open == 0) {
        free(run->input);
        free(run);
    }
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
    close_handle((uv_handle_t *)&run->process);
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

static void exit_cb(uv_process_t *process, int64_t status, int term_signal)
{
    struct exec_run *run = process->data;
    run->exited = true;
    run->status = status;
    run->term_signal = term_signal;
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

static int exec_send(const struct gw_host *host, const void *conf,
                     const struct gw_notification *notification, struct gw_delivery *delivery,
                     gw_delivery_done_cb done, void **run_out)
{
    const struct exec_conf *c = conf;
    struct exec_run *run = calloc(1, sizeof(*run));
    if (!run)
        return -ENOMEM;
    run->delivery = delivery;
    run->done = done;
    run->input = notification_json(notification);
    struct env env = {0};
    build_env(&env, c, notification);
    if (!run->input || env.failed) {
        env_free(&env);
        free(run->input);
        free(run);
        return -ENOMEM;
    }
    uv_pipe_t *pipes[] = {&run->in, &run->out, &run->err};
    for (int i = 0; i < 3; i++) {
        uv_pipe_init(host->loop, pipes[i], 0);
        pipes[i]->data = run;
        run->open++;
    }
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&run->in},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&run->out},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&run->err},
    };
    uv_process_options_t options = {
        .exit_cb = exit_cb,
        .file = c->argv[0],
        .args = c->argv,
        .env = env.vars,
        .stdio_count = 3,
        .stdio = stdio,
        /* its own session: a cancel kills it and whatever it started */
        .flags = UV_PROCESS_DETACHED | UV_PROCESS_WINDOWS_HIDE,
    };
    run->process.data = run;
    int rc = uv_spawn(host->loop, &run->process, &options);
    env_free(&env);
    if (rc < 0) {
        /* Nothing started: the pipes are closed, the process handle too
         * (libuv asks that of a failed spawn), and the run is freed then. */
        run->delivery = NULL;
        run->reported = true;
        run->open++;
        uv_close((uv_handle_t *)&run->process, run_closed_cb);
        for (int i = 0; i < 3; i++)
            close_handle((uv_handle_t *)pipes[i]);
        return rc;
    }
    run->open++;
    uv_read_start((uv_stream_t *)&run->out, alloc_cb, read_cb);
    uv_read_start((uv_stream_t *)&run->err, alloc_cb, read_cb);
    uv_buf_t buf = uv_buf_init(run->input, (unsigned)strlen(run->input));
    run->write.data = run;
    if (uv_write(&run->write, (uv_stream_t *)&run->in, &buf, 1, write_cb) < 0)
        close_handle((uv_handle_t *)&run->in);
    *run_out = run;
    return 0;
}

static void exec_cancel(void *p)
{
    struct exec_run *run = p;
    run->delivery = NULL;
    /* The process handle stays open until it has exited, so it is reaped. */
    if (!run->exited)
        kill(-run->process.pid, SIGKILL);
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
