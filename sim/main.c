/*
 * gwyliwr-sim: plays a council estate on 127.0.0.1 for the demo and the
 * integration tests. See docs/simulator.md.
 *
 * Exit status: 0 after SIGTERM/SIGINT, 1 when something could not be set up
 * (a port in use, the ports file), 2 for a bad command line or scenario.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include "config/cfg.h"
#include "scenario.h"
#include "service/signals.h"
#include "sim.h"
#include "util/log.h"
#include "util/xalloc.h"

struct app {
    uv_loop_t loop;
    struct sim *sim;
    const char *ports_file;
    struct gw_signals *signals;
    uv_work_t work;
    char *ports_json; /* written by the worker */
    int write_rc;
    int exit_code;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gwyliwr-sim -c SCENARIO.yaml [--ports-file FILE] [--cert-dir DIR]\n"
            "                   [--make-certs] [--check] [--log-level LEVEL]\n"
            "  Plays the listeners of SCENARIO on 127.0.0.1. Prints one line per listener\n"
            "  (NAME TYPE 127.0.0.1:PORT) and then \"ready\" once all are bound.\n"
            "  --ports-file FILE  also write {\"name\": port, ...} to FILE (atomically)\n"
            "  --cert-dir DIR     certificate and key paths are relative to DIR\n"
            "  --make-certs       create DIR's certificates with make-certs.sh if it has none\n"
            "  --check            validate SCENARIO and exit\n"
            "  Stops cleanly on SIGTERM or SIGINT.\n");
}

/* ---- shutdown ------------------------------------------------------------------ */

static void stop(struct app *app, int exit_code)
{
    if (exit_code > app->exit_code)
        app->exit_code = exit_code;
    /* Signals stay blocked: one that arrives from now on is discarded at exit. */
    gw_signals_stop(app->signals);
    app->signals = NULL;
    sim_stop(app->sim);
}

static void signal_cb(void *data, int signum)
{
    struct app *app = data;
    if (signum != SIGTERM && signum != SIGINT) {
        sim_log(GW_LOG_DEBUG, "%s: ignored", strsignal(signum));
        return;
    }
    sim_log(GW_LOG_INFO, "%s: stopping", strsignal(signum));
    stop(app, 0);
}

/* ---- readiness ------------------------------------------------------------------- */

static void announce(struct app *app)
{
    struct sim *sim = app->sim;
    for (size_t i = 0; i < sim->n_listeners; i++) {
        const struct sim_listener *l = sim->listeners[i];
        printf("%s %s 127.0.0.1:%u\n", l->name, sim_listener_type_name(l->type), l->port);
    }
    printf("ready\n");
    fflush(stdout);
    sim_log(GW_LOG_INFO, "ready: %zu listeners on 127.0.0.1", sim->n_listeners);
}

/* Writes the ports file beside itself and renames it into place (worker thread). */
static void write_work_cb(uv_work_t *work)
{
    struct app *app = work->data;
    char *tmp = gw_xasprintf("%s.tmp.%ld", app->ports_file, (long)getpid());
    size_t len = strlen(app->ports_json);
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, app->ports_json + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = -errno;
            break;
        }
        done += (size_t)w;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, app->ports_file) != 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp);
out:
    app->write_rc = rc;
    free(tmp);
}

static void write_done_cb(uv_work_t *work, int status)
{
    struct app *app = work->data;
    free(app->ports_json);
    app->ports_json = NULL;
    if (status < 0 || app->write_rc < 0) {
        sim_log(GW_LOG_ERROR, "cannot write the ports file %s: %s", app->ports_file,
                strerror(status < 0 ? ECANCELED : -app->write_rc));
        stop(app, 1);
        return;
    }
    if (!app->sim->stopping)
        announce(app);
}

static void ready_cb(struct sim *sim)
{
    struct app *app = sim->ready_data;
    if (!app->ports_file) {
        announce(app);
        return;
    }
    json_t *doc = json_object();
    for (size_t i = 0; i < sim->n_listeners; i++)
        json_object_set_new(doc, sim->listeners[i]->name, json_integer(sim->listeners[i]->port));
    app->ports_json = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!app->ports_json)
        abort();
    app->work.data = app;
    int rc = uv_queue_work(&app->loop, &app->work, write_work_cb, write_done_cb);
    if (rc < 0) {
        sim_log(GW_LOG_ERROR, "cannot write the ports file: %s", uv_strerror(rc));
        free(app->ports_json);
        app->ports_json = NULL;
        stop(app, 1);
    }
}

/* ---- certificates ------------------------------------------------------------------ */

/* make-certs.sh sits in share/gwyliwr beside bin/ (installed and in the build tree). */
static char *certs_script(void)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0)
        return NULL;
    exe[len] = '\0';
    return gw_xasprintf("%s/../share/gwyliwr/make-certs.sh", dirname(exe));
}

/* Runs make-certs.sh DIR unless DIR/ca.crt exists (before the loop runs). */
static int make_certs(const char *dir)
{
    char *ca = gw_xasprintf("%s/ca.crt", dir);
    struct stat st;
    bool have = stat(ca, &st) == 0;
    free(ca);
    if (have)
        return 0;
    char *script = certs_script();
    if (!script || access(script, R_OK) != 0) {
        fprintf(stderr, "gwyliwr-sim: cannot find make-certs.sh (looked for %s)\n",
                script ? script : "share/gwyliwr/make-certs.sh");
        free(script);
        return -ENOENT;
    }
    pid_t pid = fork();
    if (pid == 0) {
        gw_signals_unblock();
        /* Its chatter must not mix with our listing on stdout. */
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execl("/bin/sh", "sh", script, dir, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    int rc = pid < 0 ? -errno : 0;
    while (rc == 0 && waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            rc = -errno;
    if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
        rc = -EIO;
    if (rc < 0)
        fprintf(stderr, "gwyliwr-sim: %s %s failed\n", script, dir);
    free(script);
    return rc;
}

/* ---- main ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},   {"ports-file", required_argument, NULL, 'p'},
        {"cert-dir", required_argument, NULL, 'C'}, {"make-certs", no_argument, NULL, 'm'},
        {"check", no_argument, NULL, 'k'},          {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    const char *scenario = NULL, *cert_dir = NULL;
    bool want_certs = false, check_only = false;
    struct app app = {.exit_code = 0};
    gw_log_init();
    int opt;
    while ((opt = getopt_long(argc, argv, "c:p:C:mkl:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            scenario = optarg;
            break;
        case 'p':
            app.ports_file = optarg;
            break;
        case 'C':
            cert_dir = optarg;
            break;
        case 'm':
            want_certs = true;
            break;
        case 'k':
            check_only = true;
            break;
        case 'l': {
            int level = gw_log_level_parse(optarg);
            if (level < 0) {
                fprintf(stderr, "gwyliwr-sim: bad log level \"%s\"\n", optarg);
                return 2;
            }
            gw_log_set_level(level);
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!scenario || optind != argc || (want_certs && !cert_dir)) {
        if (want_certs && !cert_dir)
            fprintf(stderr, "gwyliwr-sim: --make-certs needs --cert-dir DIR\n");
        usage(stderr);
        return 2;
    }
    /* A client that goes away mid-body must be an error code, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    /* Before any thread exists (service/signals.h): a second signal while
     * stopping must not kill us. */
    if (gw_signals_block() < 0) {
        fprintf(stderr, "gwyliwr-sim: cannot block signals\n");
        return 1;
    }
    if (want_certs && make_certs(cert_dir) < 0)
        return 1;

    uv_loop_init(&app.loop);
    app.sim = sim_new(&app.loop);
    struct gw_cfg_doc *doc = gw_cfg_doc_new();
    int rc = sim_scenario_load(app.sim, doc, scenario, cert_dir);
    gw_diag_sort(doc->diag);
    gw_diag_print(doc->diag, stderr);
    bool bad = rc < 0 || doc->diag->errors > 0;
    gw_cfg_doc_free(doc);
    if (bad || check_only) {
        sim_free(app.sim);
        uv_loop_close(&app.loop);
        return bad ? 2 : 0;
    }

    rc = gw_signals_start(&app.loop, signal_cb, &app, &app.signals);
    if (rc < 0) {
        sim_log(GW_LOG_ERROR, "cannot read signals: %s", uv_strerror(rc));
        app.exit_code = 1;
        sim_stop(app.sim);
    } else if (sim_start(app.sim, ready_cb, &app) < 0) {
        stop(&app, 1);
    }
    uv_run(&app.loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&app.loop) != 0) {
        sim_log(GW_LOG_ERROR, "handles left open at exit");
        app.exit_code = 1;
    }
    sim_free(app.sim);
    return app.exit_code;
}
