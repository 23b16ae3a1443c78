/*
 * The `exec` check type: any Nagios / Monitoring Plugins command. It is run
 * with uv_spawn, never through a shell, in a process group of its own, with
 * standard input from /dev/null and a small fixed environment. Its exit
 * status is the verdict (0 up, 1 degraded, 2 down, 3 unknown), the first line
 * of its output the message, and the perfdata labels the target names become
 * its figures (plugins/lib/perfdata.c).
 *
 * Time: the check's timeout ends the command. A grace before the core's own
 * limit (a quarter of the timeout, at most 2 s) the group gets SIGTERM, and
 * SIGKILL half a grace later, so the check reports "timeout" with what the
 * command printed instead of being cut off.
 * The child starts with every signal at its default and none blocked
 * (libuv's child set-up does both, whatever the daemon blocks or ignores).
 *
 * Output: at most `max_output` bytes of standard output are kept and 4 KiB of
 * standard error; the rest is read and thrown away, so a command that prints
 * 1 GB costs bounded memory and never stalls on a full pipe.
 *
 * A run ends when the command has exited and both pipes are at their end. A
 * process the command left behind holding a pipe open gets DRAIN_MS, then
 * the group is killed and the run ends with what was read.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gwyliwr/plugin.h>

#include "fmt.h"
#include "perfdata.h"

#define EXEC_DEFAULT_MAX_OUTPUT (64u * 1024u)
#define EXEC_MIN_MAX_OUTPUT     256u
#define EXEC_MAX_MAX_OUTPUT     (16u * 1024u * 1024u)
#define EXEC_STDERR_KEEP        4096u
#define EXEC_MAX_ARGS           256u
#define EXEC_MAX_FIGURES        40u /* a result holds 48 figures, the core's among them */
#define DRAIN_MS                250u
#define EXEC_MAX_GRACE_MS       2000u

/* Where a bare command name (check_tcp) is looked for: Debian's place for the
 * Monitoring Plugins, and the one the upstream build installs to. */
static const char *const plugin_dirs[] = {
    "/usr/lib/nagios/plugins",
    "/usr/lib/monitoring-plugins",
    "/usr/local/nagios/libexec",
};

/* ---- configuration ------------------------------------------------------- */

/* A perfdata label recorded as a figure. */
struct exec_perf {
    char *label;
    enum gw_perfdata_unit unit; /* GW_PERFDATA_OTHER: any unit is taken */
};

struct exec_conf {
    char **argv; /* NULL-terminated; argv[0] is an absolute path */
    char **env;  /* NULL-terminated "NAME=value" */
    char *name;  /* the command's base name, for messages */
    char *host;  /* the host it checks, or NULL */
    size_t max_output;
    size_t n_perf;
    struct exec_perf *perf;         /* parallel to figures */
    struct gw_figure_decl *figures; /* names owned (figure_names) */
    char **figure_names;
};

static const struct gw_cfg_key exec_keys[] = {
    {"command", GW_CFG_LIST, GW_CFG_REQUIRED, NULL,
     "the program and its arguments, [/usr/lib/nagios/plugins/check_tcp, -H, host, -p, 25]; "
     "run without a shell; a bare name is looked for in /usr/lib/nagios/plugins"},
    {"env", GW_CFG_MAP, 0, NULL,
     "environment variables for the command beyond PATH, LC_ALL=C, HOME and TMPDIR"},
    {"perfdata", GW_CFG_MAP, 0, NULL,
     "perfdata labels recorded as figures: {label: figure} or {label: {figure: name, unit: "
     "s|B|%|c|none}}"},
    {"max_output", GW_CFG_SIZE, 0, NULL,
     "bytes of standard output kept (default 64KiB); the rest is read and dropped"},
    {"host", GW_CFG_STRING, 0, NULL,
     "the host the command checks, for messages and the per-host limit of checks at once"},
    {NULL, 0, 0, NULL, NULL},
};

static void strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

static void exec_conf_free(void *p)
{
    struct exec_conf *conf = p;
    if (!conf)
        return;
    strv_free(conf->argv);
    strv_free(conf->env);
    free(conf->name);
    free(conf->host);
    for (size_t i = 0; i < conf->n_perf; i++) {
        free(conf->perf[i].label);
        free(conf->figure_names[i]);
    }
    free(conf->perf);
    free(conf->figures);
    free(conf->figure_names);
    free(conf);
}

/* Aborts on out-of-memory, as the daemon does (plugin.h has no allocator). */
static void *must(void *p)
{
    if (!p)
        abort();
    return p;
}

static char *must_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *must_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    return s;
}

static bool executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Finds the program: an absolute path as it is, a bare name in plugin_dirs. */
static int configure_program(const struct gw_host *host, const struct gw_cfg *node,
                             const char *text, char **path_out)
{
    if (text[0] == '/') {
        if (!executable_file(text)) {
            struct stat st;
            if (stat(text, &st) != 0)
                host->cfg_error(node, "command %s does not exist (expected a program)", text);
            else
                host->cfg_error(node,
                                "command %s is not an executable file (expected a program "
                                "gwyliwr's user may run)",
                                text);
            return -EINVAL;
        }
        *path_out = must(strdup(text));
        return 0;
    }
    if (!text[0] || strchr(text, '/')) {
        host->cfg_error(node,
                        "command \"%s\" is neither an absolute path nor a bare name (expected "
                        "/usr/lib/nagios/plugins/check_tcp or check_tcp)",
                        text);
        return -EINVAL;
    }
    for (size_t i = 0; i < sizeof(plugin_dirs) / sizeof(plugin_dirs[0]); i++) {
        char *path = must_asprintf("%s/%s", plugin_dirs[i], text);
        if (executable_file(path)) {
            *path_out = path;
            return 0;
        }
        free(path);
    }
    host->cfg_error(node,
                    "command %s is not in /usr/lib/nagios/plugins nor /usr/lib/monitoring-plugins "
                    "(expected an absolute path, or the name of an installed Monitoring Plugin: "
                    "Debian's monitoring-plugins-basic and -standard)",
                    text);
    return -EINVAL;
}

static int configure_command(const struct gw_host *host, const struct gw_cfg *target,
                             struct exec_conf *conf)
{
    const struct gw_cfg *command = host->cfg_child(target, "command");
    size_t n = host->cfg_len(command);
    if (n == 0) {
        host->cfg_error(command, "empty command (expected [program, argument, ...])");
        return -EINVAL;
    }
    if (n > EXEC_MAX_ARGS) {
        host->cfg_error(command, "command has %zu arguments (expected at most %u)", n - 1,
                        EXEC_MAX_ARGS - 1);
        return -EINVAL;
    }
    conf->argv = must(calloc(n + 1, sizeof(char *)));
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const struct gw_cfg *item = host->cfg_at(command, i);
        const char *text = host->cfg_scalar(item);
        if (!text) {
            host->cfg_error(item, "a command argument that is not a string");
            rc = -EINVAL;
        } else if (i == 0) {
            if (configure_program(host, item, text, &conf->argv[0]) < 0)
                rc = -EINVAL;
        } else {
            conf->argv[i] = must(strdup(text));
        }
        if (!conf->argv[i]) /* keep the vector NULL-terminated for free */
            conf->argv[i] = must(strdup(""));
    }
    if (rc == 0) {
        const char *slash = strrchr(conf->argv[0], '/');
        conf->name = must(strdup(slash ? slash + 1 : conf->argv[0]));
    }
    return rc;
}

static bool env_name_ok(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

/* Index of NAME in an environment vector of n entries, or n. */
static size_t env_find(char **env, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
            return i;
    return n;
}

/*
 * The command's environment: a fixed PATH, LC_ALL=C (numbers in perfdata
 * with a '.'), the daemon's HOME and TMPDIR when set, then `env`.
 */
static int configure_env(const struct gw_host *host, const struct gw_cfg *target,
                         struct exec_conf *conf)
{
    const struct gw_cfg *env = host->cfg_child(target, "env");
    size_t extra = env ? host->cfg_len(env) : 0;
    conf->env = must(calloc(4 + extra + 1, sizeof(char *)));
    size_t n = 0;
    conf->env[n++] =
        must(strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    conf->env[n++] = must(strdup("LC_ALL=C"));
    static const char *const inherited[] = {"HOME", "TMPDIR"};
    for (size_t i = 0; i < 2; i++) {
        const char *value = getenv(inherited[i]);
        if (value)
            conf->env[n++] = must_asprintf("%s=%s", inherited[i], value);
    }
    int rc = 0;
    for (size_t i = 0; i < extra; i++) {
        const char *name = host->cfg_key_at(env, i);
        const struct gw_cfg *value_node = host->cfg_at(env, i);
        const char *value = host->cfg_scalar(value_node);
        if (!name || !env_name_ok(name)) {
            host->cfg_error(value_node,
                            "env: \"%s\" is not a variable name (expected letters, digits and "
                            "_, not starting with a digit)",
                            name ? name : "");
            rc = -EINVAL;
            continue;
        }
        if (!value) {
            host->cfg_error(value_node, "env: %s is not a string", name);
            rc = -EINVAL;
            continue;
        }
        size_t at = env_find(conf->env, n, name);
        if (at < n)
            free(conf->env[at]);
        else
            n++;
        conf->env[at] = must_asprintf("%s=%s", name, value);
    }
    return rc;
}

/* RRD's rules for a data source name, and not one of the core's own figures. */
static const char *figure_name_problem(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 19)
        return "must be 1 to 19 characters";
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return "may hold only a-z, 0-9 and _";
    if (strcmp(name, "up") == 0 || strcmp(name, "degraded") == 0 || strcmp(name, "latency") == 0)
        return "is a figure every target records already";
    return NULL;
}

static const struct {
    const char *word;
    enum gw_perfdata_unit unit;
    const char *decl; /* the figure's unit */
} perf_units[] = {
    {"s", GW_PERFDATA_SECONDS, "s"}, {"B", GW_PERFDATA_BYTES, "B"},
    {"%", GW_PERFDATA_PERCENT, "%"}, {"c", GW_PERFDATA_COUNTER, "count"},
    {"none", GW_PERFDATA_NONE, ""},
};

/* Reads one `label: figure` or `label: {figure: name, unit: u}` entry. */
static int configure_perf_entry(const struct gw_host *host, const struct gw_cfg *value,
                                const char *label, struct exec_perf *perf, const char **figure,
                                const char **decl_unit)
{
    perf->unit = GW_PERFDATA_OTHER;
    *decl_unit = "";
    *figure = host->cfg_scalar(value);
    if (!*figure) {
        const char *unit = NULL;
        if (host->cfg_string(value, "figure", figure) < 0 ||
            host->cfg_string(value, "unit", &unit) < 0)
            return -EINVAL;
        for (size_t i = 0; i < host->cfg_len(value); i++) {
            const char *key = host->cfg_key_at(value, i);
            if (!key || (strcmp(key, "figure") != 0 && strcmp(key, "unit") != 0)) {
                host->cfg_error(host->cfg_at(value, i),
                                "perfdata: %s: unknown key \"%s\" (expected figure and unit)",
                                label, key ? key : "");
                return -EINVAL;
            }
        }
        if (!*figure) {
            host->cfg_error(value, "perfdata: %s: no figure (expected {figure: name})", label);
            return -EINVAL;
        }
        if (unit) {
            size_t i;
            for (i = 0; i < sizeof(perf_units) / sizeof(perf_units[0]); i++)
                if (strcmp(perf_units[i].word, unit) == 0)
                    break;
            if (i == sizeof(perf_units) / sizeof(perf_units[0])) {
                host->cfg_error(host->cfg_child(value, "unit"),
                                "perfdata: %s: unit \"%s\" (expected s, B, %%, c or none)", label,
                                unit);
                return -EINVAL;
            }
            perf->unit = perf_units[i].unit;
            *decl_unit = perf_units[i].decl;
        }
    }
    const char *problem = figure_name_problem(*figure);
    if (problem) {
        host->cfg_error(value, "perfdata: %s: figure name \"%s\" %s", label, *figure, problem);
        return -EINVAL;
    }
    if (strlen(label) >= GW_PERFDATA_LABEL_MAX) {
        host->cfg_error(value, "perfdata: label \"%.20s...\" is longer than %d bytes", label,
                        GW_PERFDATA_LABEL_MAX - 1);
        return -EINVAL;
    }
    return 0;
}

static int configure_perfdata(const struct gw_host *host, const struct gw_cfg *target,
                              struct exec_conf *conf)
{
    const struct gw_cfg *map = host->cfg_child(target, "perfdata");
    size_t n = map ? host->cfg_len(map) : 0;
    if (n == 0)
        return 0;
    if (n > EXEC_MAX_FIGURES) {
        host->cfg_error(map, "perfdata names %zu figures (expected at most %u)", n,
                        EXEC_MAX_FIGURES);
        return -EINVAL;
    }
    conf->perf = must(calloc(n, sizeof(*conf->perf)));
    conf->figures = must(calloc(n, sizeof(*conf->figures)));
    conf->figure_names = must(calloc(n, sizeof(char *)));
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *label = host->cfg_key_at(map, i);
        const struct gw_cfg *value = host->cfg_at(map, i);
        const char *figure = NULL, *decl_unit = "";
        struct exec_perf perf;
        if (!label || configure_perf_entry(host, value, label, &perf, &figure, &decl_unit) < 0) {
            rc = -EINVAL;
            continue;
        }
        bool repeated = false;
        for (size_t j = 0; j < conf->n_perf; j++)
            repeated = repeated || strcmp(conf->figure_names[j], figure) == 0;
        if (repeated) {
            host->cfg_error(value,
                            "perfdata: %s: figure %s is named twice (expected one label "
                            "per figure)",
                            label, figure);
            rc = -EINVAL;
            continue;
        }
        size_t k = conf->n_perf++;
        conf->perf[k].label = must(strdup(label));
        conf->perf[k].unit = perf.unit;
        conf->figure_names[k] = must(strdup(figure));
        conf->figures[k] = (struct gw_figure_decl){conf->figure_names[k], decl_unit, NAN, NAN};
    }
    return rc;
}

static int exec_configure(const struct gw_host *host, const struct gw_cfg *target, void **conf_out)
{
    struct exec_conf *conf = must(calloc(1, sizeof(*conf)));
    int rc = 0;
    if (configure_command(host, target, conf) < 0)
        rc = -EINVAL;
    if (configure_env(host, target, conf) < 0)
        rc = -EINVAL;
    if (configure_perfdata(host, target, conf) < 0)
        rc = -EINVAL;
    uint64_t max_output = EXEC_DEFAULT_MAX_OUTPUT;
    if (host->cfg_size(target, "max_output", &max_output) < 0) {
        rc = -EINVAL;
    } else if (max_output < EXEC_MIN_MAX_OUTPUT || max_output > EXEC_MAX_MAX_OUTPUT) {
        host->cfg_error(host->cfg_child(target, "max_output"),
                        "max_output %llu is out of range (expected 256 to 16MiB)",
                        (unsigned long long)max_output);
        rc = -EINVAL;
    }
    conf->max_output = (size_t)max_output;
    const char *target_host = NULL;
    if (host->cfg_string(target, "host", &target_host) < 0)
        rc = -EINVAL;
    else if (target_host)
        conf->host = must(strdup(target_host));
    if (rc < 0) {
        exec_conf_free(conf);
        return rc;
    }
    *conf_out = conf;
    return 0;
}

static const char *exec_conf_host(const void *p)
{
    const struct exec_conf *conf = p;
    return conf->host;
}

static size_t exec_conf_figures(const void *p, const struct gw_figure_decl **out)
{
    const struct exec_conf *conf = p;
    *out = conf->figures;
    return conf->n_perf;
}

/* ---- one run -------------------------------------------------------------- */

/* One of the command's output pipes, and what is kept of it. */
struct sink {
    uv_pipe_t pipe;
    bool live; /* initialised, and its close callback is still to come */
    bool eof;
    size_t keep; /* bytes kept at most */
    size_t len;  /* bytes kept */
    uint64_t total;
    char *data; /* keep + 1 bytes */
};

struct exec_run {
    const struct gw_host *host;
    const struct exec_conf *conf; /* valid only while check is set */
    struct gw_check *check;       /* NULL once completed or cancelled */

    uv_process_t process;
    bool process_live; /* spawned, and its close callback is still to come */
    bool exited;
    int64_t exit_status;
    int term_signal;
    int pid;

    struct sink out, err;
    uv_timer_t timer; /* the kill schedule, the drain, or a deferred failure */
    bool timer_live;
    int kill_stage; /* 0 none, 1 SIGTERM sent, 2 SIGKILL sent */
    uint64_t grace_ms;
    int spawn_error; /* uv_spawn failed: reported from the timer */

    uint64_t started_ns;
    double elapsed_s;
    char scratch[4096]; /* reads past a sink's limit land here */
};

static void handle_closed_cb(uv_handle_t *handle);

static void run_release(struct exec_run *run)
{
    if (run->process_live || run->out.live || run->err.live || run->timer_live)
        return;
    free(run->out.data);
    free(run->err.data);
    free(run);
}

static void close_handle(uv_handle_t *handle, bool live)
{
    if (live && !uv_is_closing(handle))
        uv_close(handle, handle_closed_cb);
}

static void handle_closed_cb(uv_handle_t *handle)
{
    struct exec_run *run = handle->data;
    if (handle == (uv_handle_t *)&run->process)
        run->process_live = false;
    else if (handle == (uv_handle_t *)&run->out.pipe)
        run->out.live = false;
    else if (handle == (uv_handle_t *)&run->err.pipe)
        run->err.live = false;
    else
        run->timer_live = false;
    run_release(run);
}

/* Signals the command's process group (it leads it: UV_PROCESS_DETACHED). */
static void kill_group(struct exec_run *run, int signum)
{
    if (run->pid > 0)
        uv_kill(-run->pid, signum);
}

/* Lets go of the run: the group is killed if the command still runs, and
 * the run is freed once every handle has closed. */
static void run_abandon(struct exec_run *run)
{
    run->check = NULL;
    run->conf = NULL;
    if (run->process_live && !run->exited)
        kill_group(run, SIGKILL); /* its exit callback closes the process handle */
    else
        close_handle((uv_handle_t *)&run->process, run->process_live);
    close_handle((uv_handle_t *)&run->out.pipe, run->out.live);
    close_handle((uv_handle_t *)&run->err.pipe, run->err.live);
    close_handle((uv_handle_t *)&run->timer, run->timer_live);
    run_release(run);
}

/* The first line of `s` (to its \n or \r), other control characters shown as '?'. */
static void first_line(const char *s, size_t len, char *out, size_t out_len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && s[i] != '\n' && s[i] != '\r' && n + 1 < out_len; i++) {
        unsigned char c = (unsigned char)s[i];
        out[n++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
    }
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
        n--;
    out[n] = '\0';
}

static void record_perfdata(struct exec_run *run)
{
    const struct exec_conf *conf = run->conf;
    struct gw_perfdata *pd = must(malloc(sizeof(*pd)));
    gw_perfdata_parse_output(run->out.data, run->out.len, pd);
    char missing[160] = "";
    size_t n_missing = 0;
    for (size_t i = 0; i < conf->n_perf; i++) {
        const struct gw_perfdata_value *v = gw_perfdata_find(pd, conf->perf[i].label);
        double value = NAN;
        if (!v) {
            size_t used = strlen(missing);
            snprintf(missing + used, sizeof(missing) - used, "%s'%s'", n_missing ? ", " : "",
                     conf->perf[i].label);
            n_missing++;
        } else if (conf->perf[i].unit != GW_PERFDATA_OTHER && v->unit != conf->perf[i].unit) {
            run->host->check_detail(run->check, "perfdata",
                                    "'%s' is in \"%s\", not the unit its figure %s is declared in",
                                    v->label, v->uom, conf->figures[i].name);
        } else {
            value = v->value;
        }
        run->host->check_figure(run->check, conf->figures[i].name, value);
    }
    if (n_missing)
        run->host->check_detail(run->check, "perfdata", "no %s in the output", missing);
    if (pd->bad)
        run->host->check_detail(run->check, "perfdata", "%zu malformed item%s skipped: %s", pd->bad,
                                pd->bad == 1 ? "" : "s", pd->problem);
    free(pd);
}

/* The command has ended and its output is read (or given up on): the verdict. */
static void finish(struct exec_run *run)
{
    const struct gw_host *host = run->host;
    const struct exec_conf *conf = run->conf;
    struct gw_check *check = run->check;
    host->check_figure(check, "latency", run->kill_stage ? NAN : run->elapsed_s);
    if (conf->n_perf)
        record_perfdata(run);
    char summary[300], err_line[200], took[32];
    size_t off, n;
    gw_perfdata_summary(run->out.data, run->out.len, &off, &n);
    first_line(run->out.data + off, n, summary, sizeof(summary));
    first_line(run->err.data, run->err.len, err_line, sizeof(err_line));
    gw_fmt_seconds(run->elapsed_s, took, sizeof(took));
    if (run->out.total > run->out.len)
        host->check_detail(check, "output", "%llu bytes printed, the first %zu kept (max_output)",
                           (unsigned long long)run->out.total, run->out.len);
    if (err_line[0])
        host->check_detail(check, "stderr", "%s", err_line);

    enum gw_status status = GW_STATUS_UNKNOWN;
    const char *reason = GW_REASON_PLUGIN;
    bool plugin_status = false; /* the command said what it found */
    char verdict[64];
    if (run->kill_stage) {
        status = GW_STATUS_DOWN;
        reason = GW_REASON_TIMEOUT;
        if (run->term_signal)
            snprintf(verdict, sizeof(verdict), "killed by SIG%s",
                     sigabbrev_np(run->term_signal) ? sigabbrev_np(run->term_signal) : "?");
        else
            snprintf(verdict, sizeof(verdict), "exit %lld after SIG%s", (long long)run->exit_status,
                     run->kill_stage == 1 ? "TERM" : "KILL");
    } else if (run->term_signal) {
        snprintf(verdict, sizeof(verdict), "killed by SIG%s",
                 sigabbrev_np(run->term_signal) ? sigabbrev_np(run->term_signal) : "?");
    } else if (run->exit_status >= 0 && run->exit_status <= 3) {
        static const char *const reasons[] = {NULL, GW_REASON_WARNING, GW_REASON_CRITICAL,
                                              GW_REASON_UNKNOWN};
        status = (enum gw_status)run->exit_status;
        reason = reasons[run->exit_status];
        plugin_status = true;
        snprintf(verdict, sizeof(verdict), "exit %lld", (long long)run->exit_status);
    } else {
        snprintf(verdict, sizeof(verdict), "exit %lld, not a plugin status 0 to 3",
                 (long long)run->exit_status);
    }
    host->check_detail(check, "exit", "%s in %s", verdict, took);

    run->check = NULL;
    if (run->kill_stage)
        host->check_done(check, status, reason, "%s did not finish within its timeout: %s%s%s",
                         conf->name, verdict, summary[0] ? "; it printed: " : "", summary);
    else if (!plugin_status)
        host->check_done(check, status, reason, "%s %s%s%s", conf->name, verdict,
                         summary[0] || err_line[0] ? ": " : "", summary[0] ? summary : err_line);
    else if (summary[0])
        host->check_done(check, status, reason, "%s", summary);
    else
        host->check_done(check, status, reason, "%s printed nothing (%s)%s%s", conf->name, verdict,
                         err_line[0] ? ": " : "", err_line);
    run_abandon(run);
}

static void maybe_finish(struct exec_run *run)
{
    if (run->check && run->exited && run->out.eof && run->err.eof)
        finish(run);
}

static void drain_cb(uv_timer_t *timer)
{
    struct exec_run *run = timer->data;
    /* What holds the pipes is the command's doing; it goes with the run. */
    kill_group(run, SIGKILL);
    run->out.eof = run->err.eof = true;
    maybe_finish(run);
}

static void exit_cb(uv_process_t *process, int64_t exit_status, int term_signal)
{
    struct exec_run *run = process->data;
    run->exited = true;
    run->exit_status = exit_status;
    run->term_signal = term_signal;
    run->elapsed_s = (double)(uv_hrtime() - run->started_ns) / 1e9;
    close_handle((uv_handle_t *)&run->process, run->process_live);
    if (!run->check)
        return;
    if (!run->out.eof || !run->err.eof) {
        uv_timer_stop(&run->timer);
        uv_timer_start(&run->timer, drain_cb, DRAIN_MS, 0);
    }
    maybe_finish(run);
}

static void kill_cb(uv_timer_t *timer)
{
    struct exec_run *run = timer->data;
    if (run->exited)
        return;
    run->kill_stage++;
    kill_group(run, run->kill_stage == 1 ? SIGTERM : SIGKILL);
    if (run->kill_stage == 1)
        uv_timer_start(&run->timer, kill_cb, run->grace_ms / 2 ? run->grace_ms / 2 : 1, 0);
}

static void sink_alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct exec_run *run = handle->data;
    struct sink *s = handle == (uv_handle_t *)&run->out.pipe ? &run->out : &run->err;
    if (s->len < s->keep) {
        buf->base = s->data + s->len;
        buf->len = s->keep - s->len;
    } else {
        buf->base = run->scratch;
        buf->len = sizeof(run->scratch);
    }
}

static void sink_read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct exec_run *run = stream->data;
    struct sink *s = stream == (uv_stream_t *)&run->out.pipe ? &run->out : &run->err;
    if (nread < 0) {
        /* The end, or a read error: either way no more output comes. */
        s->eof = true;
        uv_read_stop(stream);
        maybe_finish(run);
        return;
    }
    s->total += (uint64_t)nread;
    if (buf->base != run->scratch) {
        s->len += (size_t)nread;
        s->data[s->len] = '\0';
    }
}

/* Completes a run whose command could not be started. */
static void spawn_failed_cb(uv_timer_t *timer)
{
    struct exec_run *run = timer->data;
    struct gw_check *check = run->check;
    run->check = NULL;
    run->host->check_done(check, GW_STATUS_UNKNOWN, GW_REASON_PLUGIN, "cannot run %s: %s",
                          run->conf->argv[0], uv_strerror(run->spawn_error));
    run_abandon(run);
}

static int sink_init(struct exec_run *run, struct sink *s, size_t keep)
{
    s->keep = keep;
    s->data = must(malloc(keep + 1));
    s->data[0] = '\0';
    int rc = uv_pipe_init(run->host->loop, &s->pipe, 0);
    if (rc < 0)
        return rc;
    s->live = true;
    s->pipe.data = run;
    return 0;
}

static int exec_start(const struct gw_host *host, const void *p, struct gw_check *check,
                      void **run_out)
{
    const struct exec_conf *conf = p;
    struct exec_run *run = must(calloc(1, sizeof(*run)));
    run->host = host;
    run->conf = conf;
    run->check = check;
    int rc = uv_timer_init(host->loop, &run->timer);
    if (rc == 0) {
        run->timer_live = true;
        run->timer.data = run;
        rc = sink_init(run, &run->out, conf->max_output);
    }
    if (rc == 0)
        rc = sink_init(run, &run->err, EXEC_STDERR_KEEP);
    if (rc < 0) {
        run->check = NULL;
        run_abandon(run);
        return rc;
    }

    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&run->out.pipe},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&run->err.pipe},
    };
    uv_process_options_t options = {
        .exit_cb = exit_cb,
        .file = conf->argv[0],
        .args = conf->argv,
        .env = conf->env,
        .cwd = "/",
        .flags = UV_PROCESS_DETACHED, /* its own process group, killed as one */
        .stdio_count = 3,
        .stdio = stdio,
    };
    run->process.data = run;
    run->started_ns = uv_hrtime();
    rc = uv_spawn(host->loop, &run->process, &options);
    /* The handle is initialised whether or not the program could be run. */
    run->process_live = true;
    if (rc < 0) {
        /* Reported as the check's result, which cannot come from inside start. */
        run->spawn_error = rc;
        run->exited = true;
        run->out.eof = run->err.eof = true;
        uv_timer_start(&run->timer, spawn_failed_cb, 0, 0);
        *run_out = run;
        return 0;
    }
    run->pid = run->process.pid;
    uv_read_start((uv_stream_t *)&run->out.pipe, sink_alloc_cb, sink_read_cb);
    uv_read_start((uv_stream_t *)&run->err.pipe, sink_alloc_cb, sink_read_cb);

    uint64_t timeout_ms = host->check_timeout_ms(check);
    /* a quarter of the time, at most 2 s, is left for the command to die
     * and be reaped before the core's own limit */
    run->grace_ms = timeout_ms / 4 < EXEC_MAX_GRACE_MS ? timeout_ms / 4 : EXEC_MAX_GRACE_MS;
    if (run->grace_ms == 0)
        run->grace_ms = 1;
    uv_timer_start(&run->timer, kill_cb, timeout_ms - run->grace_ms, 0);
    *run_out = run;
    return 0;
}

static void exec_cancel(void *p)
{
    run_abandon(p);
}

static const struct gw_check_type exec_check = {
    .name = "exec",
    .description = "a Nagios / Monitoring Plugins command: its exit status, first line and "
                   "perfdata",
    .keys = exec_keys,
    .configure = exec_configure,
    .conf_free = exec_conf_free,
    .conf_host = exec_conf_host,
    .figures = exec_conf_figures,
    .start = exec_start,
    .cancel = exec_cancel,
};

static const struct gw_check_type *const exec_checks[] = {&exec_check, NULL};

GW_PLUGIN_DEFINE("exec", exec_checks, NULL);
