#include "cli/demo.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "service/daemon.h"
#include "service/signals.h"
#include "util/clock.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/units.h"
#include "util/xalloc.h"

/* The demo's files, embedded at build time (demo_files.c, generated from
 * config/demo.yaml and sim/demo-estate.yaml) so the demo needs nothing
 * beside the binaries. */
extern const char gw_demo_config_yaml[];
extern const char gw_demo_estate_yaml[];

/* The simulator is installed beside gwyliwr (bin/gwyliwr-sim). Caller frees. */
static char *sibling(const char *name)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0)
        return gw_xstrdup(name);
    exe[len] = '\0';
    return gw_xasprintf("%s/%s", dirname(exe), name);
}

/* Prints the last `lines` lines of the file at `path` to stderr, indented. */
static void print_tail(const char *path, int lines)
{
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
    close(fd);
    size_t end = n > 0 ? (size_t)n : 0;
    while (end > 0 && buf[end - 1] == '\n')
        end--;
    buf[end] = '\0';
    size_t start = end;
    for (int seen = 0; start > 0; start--)
        if (buf[start - 1] == '\n' && ++seen == lines)
            break;
    for (char *line = buf + start, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        fprintf(stderr, "  | %s\n", line);
    }
}

/*
 * Starts the simulator, its log (and the certificate script's, on the first
 * run) going to `log` so the terminal shows the daemon, and waits until it
 * says "ready". Returns its pid, or -1.
 */
static pid_t start_simulator(const char *dir, const char *log)
{
    char *sim = sibling("gwyliwr-sim");
    char *scenario = gw_xasprintf("%s/estate.yaml", dir);
    char *certs = gw_xasprintf("%s/certs", dir);
    char *ports = gw_xasprintf("%s/ports.json", dir);
    char *ca = gw_xasprintf("%s/ca.crt", certs);
    int out[2] = {-1, -1};
    pid_t pid = -1;
    int log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        fprintf(stderr, "gwyliwr demo: cannot write %s: %s\n", log, strerror(errno));
        goto done;
    }
    if (access(ca, F_OK) != 0)
        printf("gwyliwr demo: making TLS certificates for the simulated HTTPS services in %s\n",
               certs);
    fflush(stdout);
    if (pipe2(out, O_CLOEXEC) != 0) {
        fprintf(stderr, "gwyliwr demo: pipe: %s\n", strerror(errno));
        goto done;
    }
    pid_t parent = getpid();
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "gwyliwr demo: fork: %s\n", strerror(errno));
        goto done;
    }
    if (pid == 0) {
        /* A demo killed with SIGKILL must not leave the simulator holding the
         * demo's ports; the check after prctl covers a parent already gone. */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(1);
        gw_signals_unblock();
        dup2(out[1], STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        execl(sim, sim, "-c", scenario, "--cert-dir", certs, "--make-certs", "--ports-file", ports,
              (char *)NULL);
        fprintf(stderr, "gwyliwr demo: cannot run %s: %s\n", sim, strerror(errno));
        _exit(127);
    }
    close(out[1]);
    out[1] = -1;
    /* Read its listing until "ready", for at most 20 s (certificates are made
     * on the first run). */
    char buf[8192];
    size_t used = 0;
    bool ready = false;
    uint64_t deadline = gw_clock_mono_ms() + 20000;
    while (!ready && gw_clock_mono_ms() < deadline) {
        struct pollfd pfd = {.fd = out[0], .events = POLLIN};
        int left = (int)(deadline - gw_clock_mono_ms());
        if (poll(&pfd, 1, left > 0 ? left : 0) <= 0)
            break;
        ssize_t r = read(out[0], buf + used, sizeof(buf) - 1 - used);
        if (r <= 0)
            break;
        used += (size_t)r;
        buf[used] = '\0';
        ready = strstr(buf, "ready\n") != NULL;
        if (used == sizeof(buf) - 1)
            used = 0;
    }
    if (!ready) {
        fprintf(stderr, "gwyliwr demo: the simulator %s did not become ready; its log, %s, ends:\n",
                sim, log);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        print_tail(log, 10);
        pid = -1;
    }
done:
    if (out[0] >= 0)
        close(out[0]);
    if (out[1] >= 0)
        close(out[1]);
    if (log_fd >= 0)
        close(log_fd);
    free(sim);
    free(scenario);
    free(certs);
    free(ports);
    free(ca);
    return pid;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: gwyliwr demo [--data-dir DIR] [--for DURATION] [--log-level LEVEL]\n"
                 "  Runs a simulated council estate on 127.0.0.1 and the daemon watching it.\n"
                 "  DIR defaults to ./gwyliwr-demo. Stop with Ctrl-C.\n");
}

int gw_demo_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"for", required_argument, NULL, 'f'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir_arg = "gwyliwr-demo";
    uint64_t run_for_ms = 0;
    int level = -1;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "d:f:l:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            dir_arg = optarg;
            break;
        case 'f':
            if (gw_units_parse_duration_ms(optarg, &run_for_ms) < 0) {
                fprintf(stderr, "gwyliwr demo: bad duration \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'l':
            level = gw_log_level_parse(optarg);
            if (level < 0) {
                fprintf(stderr, "gwyliwr demo: bad log level \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }

    int rc = gw_fsutil_mkdirs(dir_arg, 0755);
    if (rc < 0) {
        fprintf(stderr, "gwyliwr demo: cannot create %s: %s\n", dir_arg, strerror(-rc));
        return 2;
    }
    char *dir = realpath(dir_arg, NULL);
    if (!dir) {
        fprintf(stderr, "gwyliwr demo: %s: %s\n", dir_arg, strerror(errno));
        return 2;
    }
    char *config = gw_xasprintf("%s/demo.yaml", dir);
    char *estate = gw_xasprintf("%s/estate.yaml", dir);
    char *sim_log = gw_xasprintf("%s/simulator.log", dir);
    int exit_code = 2;
    if ((rc = gw_fsutil_write_atomic(config, gw_demo_config_yaml, strlen(gw_demo_config_yaml),
                                     0644)) < 0 ||
        (rc = gw_fsutil_write_atomic(estate, gw_demo_estate_yaml, strlen(gw_demo_estate_yaml),
                                     0644)) < 0) {
        fprintf(stderr, "gwyliwr demo: cannot write into %s: %s\n", dir, strerror(-rc));
        goto out;
    }
    pid_t sim = start_simulator(dir, sim_log);
    if (sim < 0)
        goto out;

    printf("\n"
           "gwyliwr demo: a simulated council estate is running on 127.0.0.1.\n"
           "  configuration   %s\n"
           "  RRD files       %s/data/<council>/<target>.rrd\n"
           "  simulator       %s (ports in %s/ports.json)\n"
           "  simulator log   %s (what it plays, and when)\n"
           /* daemon.listen of config/demo.yaml */
           "  status pages    http://127.0.0.1:18080/ (Cymraeg: http://127.0.0.1:18080/cy/)\n"
           "  daemon log      below, one line per state change\n"
           "try, in another terminal:\n"
           "  gwyliwr check-config -c %s\n"
           "  gwyliwr probe -c %s cardiff/smtp\n"
           "  gwyliwr status -c %s\n"
           "  rrdtool lastupdate %s/data/cardiff/smtp.rrd\n"
           "  tail -f %s\n"
           "  kill -HUP <pid of gwyliwr> (reload), Ctrl-C here to stop.\n\n",
           config, dir, estate, dir, sim_log, config, config, config, dir, sim_log);
    fflush(stdout);

    struct gw_daemon_options options = {
        .config_path = config, .log_level = level, .run_for_ms = (unsigned long)run_for_ms};
    exit_code = gw_daemon_run(&options);

    kill(sim, SIGTERM);
    waitpid(sim, NULL, 0);
out:
    free(config);
    free(estate);
    free(sim_log);
    free(dir);
    return exit_code;
}
