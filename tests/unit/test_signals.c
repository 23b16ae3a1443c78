/*
 * The signals module: blocked signals read on the loop, never a default
 * action, and children that start with a clean mask (uv_spawn resets it;
 * a forked child calls gw_signals_unblock).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "loop_testutil.h"
#include "service/signals.h"

struct seen {
    int signums[8];
    int n;
};

static void seen_cb(void *data, int signum)
{
    struct seen *s = data;
    if (s->n < 8)
        s->signums[s->n++] = signum;
}

/* Whether `signum` is blocked in this thread. */
static bool blocked(int signum)
{
    sigset_t now;
    pthread_sigmask(SIG_BLOCK, NULL, &now);
    return sigismember(&now, signum);
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(gw_signals_block(), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* Whatever a test left pending is taken before the mask is lifted. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    struct timespec none = {0, 0};
    while (sigtimedwait(&set, NULL, &none) > 0)
        ;
    gw_signals_unblock();
    return 0;
}

static void test_signals_are_read_on_the_loop(void **state)
{
    (void)state;
    assert_true(blocked(SIGTERM) && blocked(SIGINT) && blocked(SIGHUP) && blocked(SIGUSR1));
    struct test_loop loop;
    test_loop_init(&loop, 2000);
    struct seen seen = {.n = 0};
    struct gw_signals *s = NULL;
    assert_int_equal(gw_signals_start(&loop.uv, seen_cb, &seen, &s), 0);
    kill(getpid(), SIGHUP);
    kill(getpid(), SIGUSR1);
    for (int i = 0; i < 100 && seen.n < 2; i++)
        test_loop_run_for(&loop, 20);
    assert_int_equal(seen.n, 2);
    /* The kernel hands pending signals over lowest number first. */
    assert_int_equal(seen.signums[0], SIGHUP);
    assert_int_equal(seen.signums[1], SIGUSR1);
    gw_signals_stop(s);
    gw_signals_stop(NULL);
    test_loop_finish(&loop);
}

/* The reader closed, a signal stays pending: nothing restores a default action. */
static void test_signals_after_stop_stay_pending(void **state)
{
    (void)state;
    struct test_loop loop;
    test_loop_init(&loop, 2000);
    struct seen seen = {.n = 0};
    struct gw_signals *s = NULL;
    assert_int_equal(gw_signals_start(&loop.uv, seen_cb, &seen, &s), 0);
    gw_signals_stop(s);
    test_loop_finish(&loop);
    kill(getpid(), SIGTERM);
    kill(getpid(), SIGTERM);
    sigset_t pending;
    sigpending(&pending);
    assert_true(sigismember(&pending, SIGTERM));
    assert_int_equal(seen.n, 0);
}

static void exit_cb(uv_process_t *process, int64_t status, int signal)
{
    int *out = process->data;
    out[0] = (int)status;
    out[1] = signal;
    uv_close((uv_handle_t *)process, NULL);
}

struct reading {
    char text[4096];
    size_t len;
};

static void alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct reading *r = handle->data;
    *buf = uv_buf_init(r->text + r->len, (unsigned)(sizeof(r->text) - 1 - r->len));
}

static void read_cb(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    struct reading *r = stream->data;
    if (n > 0)
        r->len += (size_t)n;
    else if (n < 0)
        uv_close((uv_handle_t *)stream, NULL);
}

/* The mask line of /proc/self/status in `text`, e.g. "SigBlk:\t0000000000000000". */
static void assert_no_signal_blocked(const char *text)
{
    const char *line = strstr(text, "SigBlk:");
    assert_non_null(line);
    unsigned long long mask = strtoull(line + strlen("SigBlk:"), NULL, 16);
    assert_int_equal(mask, 0);
}

/* A child started with uv_spawn (exec checks, notifier scripts) gets an empty mask. */
static void test_signals_uv_spawn_child_has_a_clean_mask(void **state)
{
    (void)state;
    struct test_loop loop;
    test_loop_init(&loop, 5000);
    uv_pipe_t out;
    assert_int_equal(uv_pipe_init(&loop.uv, &out, 0), 0);
    struct reading reading = {.len = 0};
    out.data = &reading;
    char *args[] = {"cat", "/proc/self/status", NULL};
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&out},
        {.flags = UV_INHERIT_FD, .data.fd = 2},
    };
    uv_process_options_t options = {
        .exit_cb = exit_cb, .file = "cat", .args = args, .stdio = stdio, .stdio_count = 3};
    uv_process_t child;
    int status[2] = {-1, -1};
    child.data = status;
    assert_int_equal(uv_spawn(&loop.uv, &child, &options), 0);
    assert_int_equal(uv_read_start((uv_stream_t *)&out, alloc_cb, read_cb), 0);
    test_loop_finish(&loop);
    assert_int_equal(status[0], 0);
    reading.text[reading.len] = '\0';
    assert_no_signal_blocked(reading.text);
}

/* A forked child (the demo's simulator) lifts the mask itself before exec. */
static void test_signals_forked_child_unblocks(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        gw_signals_unblock();
        dup2(fds[1], STDOUT_FILENO);
        execlp("cat", "cat", "/proc/self/status", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char text[4096];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fds[0], text + len, sizeof(text) - 1 - len)) > 0)
        len += (size_t)n;
    close(fds[0]);
    text[len] = '\0';
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_no_signal_blocked(text);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_signals_are_read_on_the_loop),
        T(test_signals_after_stop_stay_pending),
        T(test_signals_uv_spawn_child_has_a_clean_mask),
        T(test_signals_forked_child_unblocks),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
