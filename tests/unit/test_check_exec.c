/*
 * The exec check plugin, through the real loader, running real Monitoring
 * Plugins (check_dummy, check_tcp from Debian's monitoring-plugins-basic)
 * and tests/tools/fake_plugin for the misbehaviours: commands that hang,
 * ignore SIGTERM, flood their output, leave children behind or die.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "check_testutil.h"
#include "tmp_testutil.h"
#include "util/xalloc.h"

#define DUMMY    "/usr/lib/nagios/plugins/check_dummy"
#define CHECKTCP "/usr/lib/nagios/plugins/check_tcp"

struct fixture {
    struct check_harness h;
    char *fake; /* absolute path of tests/tools' fake_plugin */
};

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    harness_init(&f->h, "check_exec.so", false, slack());
    /* ctest runs the tests in the build's tests/ directory, beside the tools. */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    f->fake = gw_xasprintf("%s/fake_plugin", cwd);
    if (access(f->fake, X_OK) != 0)
        fail_msg("%s is missing: build the tests' tools", f->fake);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    harness_fini(&f->h);
    free(f->fake);
    free(f);
    return 0;
}

/* Loads test/t running `command` (a YAML flow list) with the extra lines. */
static const struct gw_target_conf *load(struct fixture *f, const char *command, const char *extra)
{
    char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("exec") "        command: %s\n%s", command,
                              extra ? extra : "");
    const struct gw_target_conf *t = harness_load_target(&f->h, yaml);
    free(yaml);
    return t;
}

static void run(struct fixture *f, struct outcome *out)
{
    harness_run(&f->h, out);
}

#define assert_reason(out, r) assert_string_equal((out)->result.reason, (r))

/* True while `pid` is a process that has not yet died (a zombie has). */
static bool process_alive(pid_t pid)
{
    char path[64], state = '?';
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return false;
    int n = fscanf(fp, "%*d (%*[^)]) %c", &state);
    fclose(fp);
    return n == 1 && state != 'Z' && state != 'X';
}

/* ---- statuses of real plugins ------------------------------------------------------ */

static void test_check_exec_check_dummy_statuses(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *command;
        enum gw_status status;
        const char *reason;
        const char *message;
    } cases[] = {
        {"[" DUMMY ", 0, all good]", GW_STATUS_UP, "", "OK: all good"},
        {"[" DUMMY ", 1, slow disk]", GW_STATUS_DEGRADED, "warning", "WARNING: slow disk"},
        {"[" DUMMY ", 2, site gone]", GW_STATUS_DOWN, "critical", "CRITICAL: site gone"},
        {"[" DUMMY ", 3]", GW_STATUS_UNKNOWN, "unknown", "UNKNOWN"},
        /* a bare name is found among the Monitoring Plugins */
        {"[check_dummy, 0, found]", GW_STATUS_UP, "", "OK: found"},
        /* the text is the plugin's, question marks and all */
        {"[check_dummy, 1, \"is it up?\"]", GW_STATUS_DEGRADED, "warning", "WARNING: is it up?"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        load(f, cases[i].command, NULL);
        struct outcome out;
        run(f, &out);
        assert_int_equal(out.result.status, cases[i].status);
        assert_reason(&out, cases[i].reason);
        assert_string_equal(out.result.message, cases[i].message);
        double latency = gw_result_figure(&out.result, "latency");
        assert_true(latency > 0 && latency < 5 * f->h.slack);
        assert_detail_has(&out, "exit", "exit ");
    }
    harness_finish_loop(&f->h);
}

/* A port on 127.0.0.1 that accepts connections (the kernel completes them). */
static int listening_socket(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t len = sizeof(addr);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

static void test_check_exec_check_tcp_perfdata_becomes_a_figure(void **state)
{
    struct fixture *f = *state;
    int port;
    int fd = listening_socket(&port);
    char *command = gw_xasprintf("[" CHECKTCP ", -H, 127.0.0.1, -p, \"%d\"]", port);
    const struct gw_target_conf *t =
        load(f, command, "        perfdata: {time: connect}\n        host: 127.0.0.1\n");
    assert_string_equal(t->host, "127.0.0.1");
    assert_int_equal(t->n_figures, 1);
    assert_string_equal(t->figures[0].name, "connect");
    struct outcome out;
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_UP);
    assert_message_has(&out, "TCP OK");
    double connect = gw_result_figure(&out.result, "connect");
    assert_true(connect >= 0 && connect < 1.0);

    /* nothing listens any more: check_tcp says CRITICAL */
    close(fd);
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, "critical");
    assert_message_has(&out, "Connection refused");
    assert_true(isnan(gw_result_figure(&out.result, "connect")));
    assert_detail_has(&out, "perfdata", "no 'time' in the output");
    free(command);
    harness_finish_loop(&f->h);
}

static void test_check_exec_multi_line_perfdata_and_units(void **state)
{
    struct fixture *f = *state;
    char *command = gw_xasprintf("[%s, exit, \"1\", \"WARNING - disk | 't x'=250ms;1;2\\nlong "
                                 "text\\nmore | used=5MB pct=3%%\\nbroken= hits=7c\\n\"]",
                                 f->fake);
    load(f, command,
         "        perfdata:\n"
         "          't x': tx\n"
         "          used: {figure: used, unit: B}\n"
         "          pct: {figure: pct, unit: s}\n" /* declared as time, printed in % */
         "          hits: hits\n"
         "          gone: gone\n");
    struct outcome out;
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_DEGRADED);
    assert_reason(&out, "warning");
    assert_string_equal(out.result.message, "WARNING - disk");
    assert_true(fabs(gw_result_figure(&out.result, "tx") - 0.25) < 1e-12);
    assert_true(gw_result_figure(&out.result, "used") == 5.0 * 1048576);
    assert_true(gw_result_figure(&out.result, "hits") == 7.0);
    assert_true(isnan(gw_result_figure(&out.result, "pct")));
    assert_true(isnan(gw_result_figure(&out.result, "gone")));
    const struct gw_result *r = &out.result;
    bool unit_said = false, missing_said = false, malformed_said = false;
    for (size_t i = 0; i < r->n_details; i++) {
        if (strcmp(r->details[i].key, "perfdata") != 0)
            continue;
        unit_said |= strstr(r->details[i].text, "'pct' is in \"%\"") != NULL;
        missing_said |= strstr(r->details[i].text, "no 'gone' in the output") != NULL;
        malformed_said |= strstr(r->details[i].text, "1 malformed item skipped") != NULL;
    }
    assert_true(unit_said && missing_said && malformed_said);
    free(command);
    harness_finish_loop(&f->h);
}

/* ---- commands that misbehave ------------------------------------------------------ */

static void test_check_exec_bad_exit_and_signal_are_unknown(void **state)
{
    struct fixture *f = *state;
    char *command = gw_xasprintf("[%s, exit, \"7\", \"OK - says all is well\"]", f->fake);
    load(f, command, NULL);
    struct outcome out;
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_PLUGIN);
    assert_string_equal(out.result.message,
                        "fake_plugin exit 7, not a plugin status 0 to 3: OK - says all is well");
    free(command);

    command = gw_xasprintf("[%s, abort]", f->fake);
    load(f, command, NULL);
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_PLUGIN);
    assert_string_equal(out.result.message, "fake_plugin killed by SIGABRT");
    free(command);

    /* nothing printed: the message says so, with what stderr said */
    command = gw_xasprintf("[%s]", f->fake);
    load(f, command, NULL);
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, "unknown");
    assert_message_has(&out, "fake_plugin printed nothing (exit 3): usage: fake_plugin");
    assert_detail_has(&out, "stderr", "usage: fake_plugin");
    free(command);
    harness_finish_loop(&f->h);
}

static void test_check_exec_timeout_kills_the_process_group(void **state)
{
    struct fixture *f = *state;
    load(f, "[/bin/sleep, \"30\"]", "        timeout: 2s\n        interval: 5s\n");
    struct outcome out;
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_TIMEOUT);
    assert_string_equal(out.result.message,
                        "sleep did not finish within its timeout: killed by SIGTERM");
    assert_true(isnan(gw_result_figure(&out.result, "latency")));
    /* killed a grace (a quarter of the timeout) before the core's own limit */
    double ms = elapsed_ms(&out);
    assert_true(ms >= 1499 && ms < 2000);
    harness_finish_loop(&f->h);
}

static void test_check_exec_sigterm_ignored_gets_sigkill(void **state)
{
    struct fixture *f = *state;
    char *command = gw_xasprintf("[%s, hang, ignore-term]", f->fake);
    load(f, command, "        timeout: 2s\n        interval: 5s\n");
    struct outcome out;
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_DOWN);
    assert_reason(&out, GW_REASON_TIMEOUT);
    assert_string_equal(out.result.message,
                        "fake_plugin did not finish within its timeout: killed by SIGKILL; it "
                        "printed: waiting for ever, deaf to SIGTERM");
    double ms = elapsed_ms(&out);
    /* SIGTERM at 1.5 s went unheard; SIGKILL half a grace later */
    assert_true(ms >= 1749 && ms < 2000);
    free(command);
    harness_finish_loop(&f->h);
}

/* The daemon may block or ignore signals in its threads; its commands must
 * not inherit that (a plugin deaf to SIGTERM, or blind to SIGPIPE). */
static void test_check_exec_child_signals_are_at_their_defaults(void **state)
{
    struct fixture *f = *state;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGALRM);
    assert_int_equal(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_pipe, old_usr2;
    sigaction(SIGPIPE, &ignore, &old_pipe);
    sigaction(SIGUSR2, &ignore, &old_usr2);

    char *command = gw_xasprintf("[%s, signals]", f->fake);
    load(f, command, NULL);
    struct outcome out;
    run(f, &out);
    assert_string_equal(out.result.message, "OK - every signal at its default");
    assert_int_equal(out.result.status, GW_STATUS_UP);

    /* and one that hangs is still killed by its timeout, SIGTERM sufficing */
    free(command);
    command = gw_xasprintf("[%s, hang]", f->fake);
    load(f, command, "        timeout: 2s\n        interval: 5s\n");
    run(f, &out);
    assert_reason(&out, GW_REASON_TIMEOUT);
    assert_message_has(&out, "killed by SIGTERM");

    sigaction(SIGPIPE, &old_pipe, NULL);
    sigaction(SIGUSR2, &old_usr2, NULL);
    assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
    free(command);
    harness_finish_loop(&f->h);
}

static long max_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_check_exec_output_is_capped(void **state)
{
    struct fixture *f = *state;
    char *command = gw_xasprintf("[%s, flood, \"64000000\"]", f->fake);
    load(f, command,
         "        max_output: 1KiB\n        perfdata: {bytes: bytes}\n"
         "        timeout: 30s\n        interval: 60s\n");
    long rss_before = max_rss_kib();
    struct outcome out;
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_UP);
    assert_string_equal(out.result.message, "OK - flooding");
    assert_true(gw_result_figure(&out.result, "bytes") == 64000000.0);
    assert_detail_has(&out, "output", "64000032 bytes printed, the first 1024 kept");
    /* 64 MB went through a 1 KiB window and a 4 KiB scratch buffer */
    assert_true(max_rss_kib() - rss_before < 16 * 1024);
    free(command);
    harness_finish_loop(&f->h);
}

static void test_check_exec_children_left_behind_are_killed(void **state)
{
    struct fixture *f = *state;
    char *command = gw_xasprintf("[%s, orphan]", f->fake);
    load(f, command, "        perfdata: {child: child}\n");
    struct outcome out;
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_UP);
    assert_string_equal(out.result.message, "OK - left a child behind");
    /* the child held the output open: the run ended after the drain time */
    assert_true(elapsed_ms(&out) >= 249 && elapsed_ms(&out) < 2000 * f->h.slack);
    pid_t child = (pid_t)gw_result_figure(&out.result, "child");
    assert_true(child > 1);
    uint64_t deadline = uv_hrtime() + 2000000000u;
    while (process_alive(child) && uv_hrtime() < deadline)
        usleep(10000);
    assert_false(process_alive(child));
    free(command);
    harness_finish_loop(&f->h);
}

static void test_check_exec_cancel_kills_the_command(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    char *command = gw_xasprintf("[%s, hang, ignore-term]", f->fake);
    load(f, command, NULL);
    struct cancel_later cancel;
    struct gw_check *check = harness_start(&f->h, &out);
    harness_cancel_later(&f->h, &cancel, check, 100);
    harness_wait(&f->h, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_CANCELLED);
    /* the loop closes only once the killed command has been reaped */
    harness_finish_loop(&f->h);
    free(command);
}

static void test_check_exec_program_gone_is_unknown(void **state)
{
    struct fixture *f = *state;
    char *dir = temp_dir("gw-exec");
    char *program = gw_xasprintf("%s/vanishing", dir);
    FILE *fp = fopen(program, "w");
    assert_non_null(fp);
    fputs("#!/bin/sh\necho OK\n", fp);
    fclose(fp);
    assert_int_equal(chmod(program, 0755), 0);
    char *command = gw_xasprintf("[%s]", program);
    load(f, command, NULL);
    unlink(program);
    struct outcome out;
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_UNKNOWN);
    assert_reason(&out, GW_REASON_PLUGIN);
    char *want = gw_xasprintf("cannot run %s: no such file or directory", program);
    assert_string_equal(out.result.message, want);
    free(want);
    free(command);
    free(program);
    tree_remove(dir);
    free(dir);
    harness_finish_loop(&f->h);
}

/* ---- configuration ---------------------------------------------------------------- */

static void test_check_exec_config_errors_have_positions(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *lines;
        const char *error;
    } cases[] = {
        {"        command: [/nonexistent/check_x]\n",
         "test.yaml:6:19: error: command /nonexistent/check_x does not exist (expected a program)"},
        {"        command: [/etc/passwd]\n", "command /etc/passwd is not an executable file"},
        {"        command: [bin/check_x]\n",
         "command \"bin/check_x\" is neither an absolute path nor a bare name"},
        {"        command: [check_nothing_of_that_name]\n",
         "command check_nothing_of_that_name is not in /usr/lib/nagios/plugins"},
        {"        command: []\n", "empty command"},
        {"        command: [" DUMMY ", [0]]\n",
         "test.yaml:6:56: error: found a list (expected a string)"},
        {"        command: [" DUMMY "]\n        perfdata: {time: Time}\n",
         "perfdata: time: figure name \"Time\" may hold only a-z, 0-9 and _"},
        {"        command: [" DUMMY "]\n        perfdata: {time: latency}\n",
         "figure name \"latency\" is a figure every target records already"},
        {"        command: [" DUMMY "]\n        perfdata: {a: x, b: x}\n",
         "perfdata: b: figure x is named twice"},
        {"        command: [" DUMMY "]\n        perfdata: {a: {figure: x, unit: ms}}\n",
         "perfdata: a: unit \"ms\" (expected s, B, %, c or none)"},
        {"        command: [" DUMMY "]\n        perfdata: {a: {figur: x}}\n",
         "perfdata: a: unknown key \"figur\""},
        {"        command: [" DUMMY "]\n        env: {1X: y}\n",
         "env: \"1X\" is not a variable name"},
        {"        command: [" DUMMY "]\n        max_output: 10\n",
         "max_output 10 is out of range (expected 256 to 16MiB)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *yaml = gw_xasprintf(HARNESS_TARGET_HEAD("exec") "%s", cases[i].lines);
        harness_expect_config_error(&f->h, yaml, cases[i].error);
        free(yaml);
    }
    harness_finish_loop(&f->h);
}

static void test_check_exec_environment_is_fixed_and_extended(void **state)
{
    struct fixture *f = *state;
    /* check_dummy's text is its second argument; env reaches the command */
    char *dir = temp_dir("gw-exec");
    char *program = gw_xasprintf("%s/printenv", dir);
    FILE *fp = fopen(program, "w");
    assert_non_null(fp);
    fputs("#!/bin/sh\necho \"OK - $LC_ALL $GREETING $PATH\"\n", fp);
    fclose(fp);
    assert_int_equal(chmod(program, 0755), 0);
    char *command = gw_xasprintf("[%s]", program);
    load(f, command, "        env: {GREETING: hello, LC_ALL: cy_GB.UTF-8}\n");
    struct outcome out;
    run(f, &out);
    assert_int_equal(out.result.status, GW_STATUS_UP);
    assert_string_equal(out.result.message,
                        "OK - cy_GB.UTF-8 hello /usr/local/sbin:/usr/local/bin:/usr/sbin:"
                        "/usr/bin:/sbin:/bin");
    free(command);
    free(program);
    tree_remove(dir);
    free(dir);
    harness_finish_loop(&f->h);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_check_exec_check_dummy_statuses),
        T(test_check_exec_check_tcp_perfdata_becomes_a_figure),
        T(test_check_exec_multi_line_perfdata_and_units),
        T(test_check_exec_bad_exit_and_signal_are_unknown),
        T(test_check_exec_timeout_kills_the_process_group),
        T(test_check_exec_sigterm_ignored_gets_sigkill),
        T(test_check_exec_child_signals_are_at_their_defaults),
        T(test_check_exec_output_is_capped),
        T(test_check_exec_children_left_behind_are_killed),
        T(test_check_exec_cancel_kills_the_command),
        T(test_check_exec_program_gone_is_unknown),
        T(test_check_exec_config_errors_have_positions),
        T(test_check_exec_environment_is_fixed_and_extended),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
