/*
 * The council simulator (gwyliwr-sim of the build tree) for a test program:
 * started once for the group with the program's scenario, in a private
 * directory that also holds the certificates it makes (--make-certs), its
 * log and the files a test writes with sim_file; stopped, and the directory
 * removed, at the end. Its listeners are found by name.
 */
#ifndef GW_SIM_TESTUTIL_H
#define GW_SIM_TESTUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop_testutil.h"
#include "tmp_testutil.h"
#include "util/xalloc.h"

extern char **environ;

#define SIM_MAX_LISTENERS 16

/*
 * Listeners of the faults below HTTP, for a scenario's end: TLS with a valid
 * and with an expired certificate of the simulator's CA, a server that
 * accepts and never answers, a closed port, and one that never accepts.
 */
#define SIM_FAULT_LISTENERS                                                                        \
    "  tls-valid: {type: https, cert: valid.crt, key: valid.key, routes: {/: {body: valid}}}\n"    \
    "  tls-expired: {type: https, cert: expired.crt, key: expired.key, routes: {/: {body: x}}}\n"  \
    "  silent: {type: tcp, behaviour: silent}\n"                                                   \
    "  closed: {type: tcp, behaviour: closed}\n"                                                   \
    "  blackhole: {type: tcp, behaviour: blackhole}\n"

struct sim {
    pid_t pid;
    char *dir;    /* the private directory */
    char *ca;     /* path of the simulator's CA certificate, mode 0600 as secrets must be */
    char *ca_pem; /* its text */
    size_t n;
    char names[SIM_MAX_LISTENERS][32];
    int ports[SIM_MAX_LISTENERS];
};

/* The port of the listener `name`; fails the test when there is none. */
static inline int sim_port(const struct sim *sim, const char *name)
{
    for (size_t i = 0; i < sim->n; i++)
        if (strcmp(sim->names[i], name) == 0)
            return sim->ports[i];
    fail_msg("no listener %s in the simulator", name);
    return 0;
}

/* "scheme://host:PORT/path" of a listener. Caller frees. */
static inline char *sim_url(const struct sim *sim, const char *scheme, const char *host,
                            const char *listener, const char *path)
{
    return gw_xasprintf("%s://%s:%d%s", scheme, host, sim_port(sim, listener), path);
}

/* Writes a file of the private directory, mode 0600 as secrets should be. Caller frees the path. */
static inline char *sim_file(const struct sim *sim, const char *name, const char *text)
{
    char *path = gw_xasprintf("%s/%s", sim->dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        abort();
    close(fd);
    return path;
}

/* The first 64 KiB of a file, or NULL. Caller frees. */
static inline char *sim_read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = gw_xmalloc(65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Reads the simulator's listing from `fd` up to "ready" (certificates are made first). */
static inline void sim_read_listing(int fd, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    uint64_t deadline = uv_hrtime() + (uint64_t)(30e9 * slack());
    while (!strstr(buf, "ready\n")) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (uv_hrtime() > deadline || poll(&pfd, 1, 100) < 0)
            break;
        if (!(pfd.revents & (POLLIN | POLLHUP)))
            continue;
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
    }
}

/* Spawns the simulator with its stdout on a pipe (returned in *out) and stderr in `log`. */
static inline int sim_spawn(struct sim *sim, char *bin, char *scenario, char *certs,
                            const char *log, int *out)
{
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return -errno;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char *argv[] = {bin, "-c", scenario, "--cert-dir", certs, "--make-certs", NULL};
    int rc = posix_spawn(&sim->pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return -rc;
    }
    *out = pipefd[0];
    return 0;
}

/*
 * Starts the simulator on `scenario` (YAML text) in a new directory named
 * after `prefix` under $TMPDIR, and waits until it is ready. The binary is
 * bin/ beside lib/gwyliwr/plugins ($GW_PLUGIN_DIR) in the build tree.
 * Returns 0, or -1 after saying why on stderr. sim_stop undoes it, either
 * way.
 */
static inline int sim_start(struct sim *sim, const char *scenario, const char *prefix)
{
    memset(sim, 0, sizeof(*sim));
    const char *plugins = getenv("GW_PLUGIN_DIR");
    if (!plugins) {
        fprintf(stderr, "GW_PLUGIN_DIR is not set\n");
        return -1;
    }
    sim->dir = temp_dir(prefix);
    char *scen = sim_file(sim, "scenario.yaml", scenario);
    char *certs = gw_xasprintf("%s/certs", sim->dir);
    char *log = gw_xasprintf("%s/sim.log", sim->dir);
    char *bin = gw_xasprintf("%s/../../../bin/gwyliwr-sim", plugins);
    char buf[4096] = "";
    int out = -1;
    int rc = sim_spawn(sim, bin, scen, certs, log, &out);
    if (rc < 0) {
        fprintf(stderr, "cannot start %s: %s\n", bin, strerror(-rc));
    } else {
        sim_read_listing(out, buf, sizeof(buf));
        close(out);
    }
    if (rc == 0 && !strstr(buf, "ready\n")) {
        char *text = sim_read_text(log);
        fprintf(stderr, "the simulator did not get ready:\n%s\n%s\n", buf, text ? text : "");
        free(text);
        rc = -1;
    }
    if (rc == 0) {
        for (char *line = strtok(buf, "\n"); line && sim->n < SIM_MAX_LISTENERS;
             line = strtok(NULL, "\n")) {
            char name[32], kind[16];
            int port;
            if (sscanf(line, "%31s %15s 127.0.0.1:%d", name, kind, &port) == 3) {
                snprintf(sim->names[sim->n], sizeof(sim->names[0]), "%s", name);
                sim->ports[sim->n++] = port;
            }
        }
        sim->ca = gw_xasprintf("%s/ca.crt", certs);
        chmod(sim->ca, 0600);
        sim->ca_pem = sim_read_text(sim->ca);
        if (!sim->ca_pem) {
            fprintf(stderr, "no CA certificate %s\n", sim->ca);
            rc = -1;
        }
    }
    free(scen);
    free(certs);
    free(log);
    free(bin);
    return rc == 0 ? 0 : -1;
}

/* Stops the simulator and removes its directory. */
static inline void sim_stop(struct sim *sim)
{
    if (sim->pid > 0) {
        kill(sim->pid, SIGTERM);
        int status;
        waitpid(sim->pid, &status, 0);
        sim->pid = 0;
    }
    if (sim->dir)
        tree_remove(sim->dir);
    free(sim->dir);
    free(sim->ca);
    free(sim->ca_pem);
    memset(sim, 0, sizeof(*sim));
}

/*
 * Runs the cmocka group `tests` (an array) with the simulator started on
 * `scenario` around it, and stops it after. Returns cmocka's count of failed
 * tests, or 1 when the simulator did not start.
 */
#define sim_run_group_tests(sim, scenario, prefix, tests)                                          \
    sim_run_group((sim), (scenario), (prefix), #tests, (tests), sizeof(tests) / sizeof((tests)[0]))

/* sim_run_group_tests of `n` tests. */
static inline int sim_run_group(struct sim *sim, const char *scenario, const char *prefix,
                                const char *name, const struct CMUnitTest *tests, size_t n)
{
    int failed = 1;
    if (sim_start(sim, scenario, prefix) == 0)
        failed = _cmocka_run_group_tests(name, tests, n, NULL, NULL);
    sim_stop(sim);
    return failed;
}

#endif
