/*
 * sd_notify messages as systemd would receive them: each test binds a unix
 * datagram socket, points NOTIFY_SOCKET at it and reads what arrives.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "service/sdnotify.h"
#include "util/clock.h"

struct fixture {
    char dir[64];
    char path[128];
    int fd;
};

static int fixture_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/gw-sdnotify-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/notify", f->dir);

    f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(f->fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    assert_true(strlen(f->path) < sizeof sa.sun_path);
    strcpy(sa.sun_path, f->path);
    assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof sa), 0);

    assert_int_equal(setenv("NOTIFY_SOCKET", f->path, 1), 0);
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    struct fixture *f = *state;
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    close(f->fd);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The next datagram, NUL-terminated; -EAGAIN when none is queued. sd_notify()
 * has sent it by the time it returns, so no waiting is needed. */
static ssize_t next_message(int fd, char *buf, size_t size)
{
    ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return n;
}

static void assert_message(int fd, const char *expected)
{
    char buf[512];
    assert_true(next_message(fd, buf, sizeof buf) >= 0);
    assert_string_equal(buf, expected);
}

static void assert_no_message(int fd)
{
    char buf[512];
    assert_int_equal(next_message(fd, buf, sizeof buf), -EAGAIN);
}

static void set_watchdog_env(uint64_t usec, long pid)
{
    char value[32];
    snprintf(value, sizeof value, "%" PRIu64, usec);
    assert_int_equal(setenv("WATCHDOG_USEC", value, 1), 0);
    snprintf(value, sizeof value, "%ld", pid);
    assert_int_equal(setenv("WATCHDOG_PID", value, 1), 0);
}

static void test_sdnotify_ready_sends_ready(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(gw_sdnotify_ready(), 0);
    assert_message(f->fd, "READY=1");
    assert_no_message(f->fd);
}

static void test_sdnotify_stopping_sends_stopping(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(gw_sdnotify_stopping(), 0);
    assert_message(f->fd, "STOPPING=1");
    assert_no_message(f->fd);
}

static void test_sdnotify_reloading_sends_monotonic_time(void **state)
{
    struct fixture *f = *state;
    uint64_t before_us = gw_clock_mono_ns() / 1000u;
    assert_int_equal(gw_sdnotify_reloading(), 0);
    uint64_t after_us = gw_clock_mono_ns() / 1000u;

    char buf[512];
    assert_true(next_message(f->fd, buf, sizeof buf) > 0);
    static const char head[] = "RELOADING=1\nMONOTONIC_USEC=";
    assert_memory_equal(buf, head, sizeof head - 1);
    char *end = NULL;
    errno = 0;
    unsigned long long usec = strtoull(buf + sizeof head - 1, &end, 10);
    assert_int_equal(errno, 0);
    assert_string_equal(end, "");
    assert_true(usec >= before_us);
    assert_true(usec <= after_us);

    /* A reload ends with READY=1 again. */
    assert_int_equal(gw_sdnotify_ready(), 0);
    assert_message(f->fd, "READY=1");
    assert_no_message(f->fd);
}

static void test_sdnotify_status_formats_text(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(gw_sdnotify_status("%d targets, %d down (%s)", 1200, 3, "cardiff"), 0);
    assert_message(f->fd, "STATUS=1200 targets, 3 down (cardiff)");
    assert_no_message(f->fd);
}

static void test_sdnotify_status_cannot_inject_assignments(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(gw_sdnotify_status("checking %s", "evil\nREADY=1\nMAINPID=1"), 0);
    assert_message(f->fd, "STATUS=checking evil READY=1 MAINPID=1");
    assert_no_message(f->fd);
}

static void test_sdnotify_without_socket_is_silent_success(void **state)
{
    struct fixture *f = *state;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(gw_sdnotify_ready(), 0);
    assert_int_equal(gw_sdnotify_reloading(), 0);
    assert_int_equal(gw_sdnotify_stopping(), 0);
    assert_int_equal(gw_sdnotify_status("%s", "idle"), 0);

    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    struct gw_watchdog *wd = (struct gw_watchdog *)&loop; /* must be overwritten */
    assert_int_equal(gw_watchdog_start(&loop, &wd), 0);
    assert_null(wd);
    assert_int_equal(uv_loop_close(&loop), 0);

    assert_no_message(f->fd);
}

static void test_sdnotify_unreachable_socket_is_an_error(void **state)
{
    struct fixture *f = *state;
    char absent[160];
    snprintf(absent, sizeof absent, "%s/absent", f->dir);
    assert_int_equal(setenv("NOTIFY_SOCKET", absent, 1), 0);
    assert_int_equal(gw_sdnotify_ready(), -ENOENT);
    assert_int_equal(gw_sdnotify_stopping(), -ENOENT);
    assert_int_equal(gw_sdnotify_status("x"), -ENOENT);
}

static void test_sdnotify_watchdog_not_wanted(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    struct gw_watchdog *wd = (struct gw_watchdog *)&loop;

    /* No WatchdogSec= at all. */
    assert_int_equal(gw_watchdog_start(&loop, &wd), 0);
    assert_null(wd);

    /* WATCHDOG_PID names another process: we inherited its variables. */
    set_watchdog_env(100000, (long)getpid() + 1);
    wd = (struct gw_watchdog *)&loop;
    assert_int_equal(gw_watchdog_start(&loop, &wd), 0);
    assert_null(wd);

    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_sdnotify_watchdog_malformed_env_is_an_error(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    assert_int_equal(setenv("WATCHDOG_USEC", "thirty", 1), 0);
    struct gw_watchdog *wd = (struct gw_watchdog *)&loop;
    int r = gw_watchdog_start(&loop, &wd);
    assert_true(r < 0);
    assert_null(wd);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* --- pings on a running loop ------------------------------------------- */

struct ping_run {
    int fd;
    unsigned pings;
    unsigned others;
    uv_poll_t poll;
    uv_timer_t stop;
    struct gw_watchdog *wd;
};

static void ping_read_cb(uv_poll_t *poll, int status, int events)
{
    struct ping_run *run = poll->data;
    (void)events;
    assert_int_equal(status, 0);
    char buf[512];
    while (next_message(run->fd, buf, sizeof buf) >= 0) {
        if (strcmp(buf, "WATCHDOG=1") == 0)
            run->pings++;
        else
            run->others++;
    }
}

static void ping_stop_cb(uv_timer_t *timer)
{
    struct ping_run *run = timer->data;
    gw_watchdog_stop(run->wd);
    uv_close((uv_handle_t *)&run->poll, NULL);
    uv_close((uv_handle_t *)&run->stop, NULL);
}

static void test_sdnotify_watchdog_pings_from_loop(void **state)
{
    struct fixture *f = *state;
    /* WatchdogSec=100ms: a ping every 50 ms (half the interval); 530 ms of
     * loop time gives 10, a full-interval ping would give only 5. */
    set_watchdog_env(100000, (long)getpid());

    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    struct ping_run run = {.fd = f->fd};
    assert_int_equal(gw_watchdog_start(&loop, &run.wd), 0);
    assert_non_null(run.wd);

    assert_int_equal(uv_poll_init(&loop, &run.poll, f->fd), 0);
    run.poll.data = &run;
    assert_int_equal(uv_poll_start(&run.poll, UV_READABLE, ping_read_cb), 0);
    assert_int_equal(uv_timer_init(&loop, &run.stop), 0);
    run.stop.data = &run;
    assert_int_equal(uv_timer_start(&run.stop, ping_stop_cb, 530, 0), 0);

    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    /* Timers never fire early, so at most 10; a loaded machine may delay some. */
    assert_true(run.pings >= 7);
    assert_true(run.pings <= 10);
    assert_int_equal(run.others, 0);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void close_timer_cb(uv_timer_t *timer)
{
    uv_close((uv_handle_t *)timer, NULL);
}

static void test_sdnotify_watchdog_silent_when_loop_stalls(void **state)
{
    struct fixture *f = *state;
    set_watchdog_env(20000, (long)getpid()); /* a ping every 10 ms */

    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    struct gw_watchdog *wd = NULL;
    assert_int_equal(gw_watchdog_start(&loop, &wd), 0);
    assert_non_null(wd);

    /* The keep-alive alone does not hold the loop open: uv_run() reports
     * no active handles instead of pinging forever. */
    assert_int_equal(uv_run(&loop, UV_RUN_NOWAIT), 0);

    /* A loop that does not turn sends nothing, which is what lets systemd
     * notice a hang. */
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 60 * 1000000L};
    nanosleep(&pause, NULL);
    assert_no_message(f->fd);

    /* Once real work turns the loop again, the overdue ping goes out. */
    uv_timer_t work;
    assert_int_equal(uv_timer_init(&loop, &work), 0);
    assert_int_equal(uv_timer_start(&work, close_timer_cb, 0, 0), 0);
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    assert_message(f->fd, "WATCHDOG=1");

    gw_watchdog_stop(wd);
    gw_watchdog_stop(NULL);
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sdnotify_ready_sends_ready, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sdnotify_stopping_sends_stopping, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sdnotify_reloading_sends_monotonic_time, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sdnotify_status_formats_text, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sdnotify_status_cannot_inject_assignments,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sdnotify_without_socket_is_silent_success,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sdnotify_unreachable_socket_is_an_error, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sdnotify_watchdog_not_wanted, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sdnotify_watchdog_malformed_env_is_an_error,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sdnotify_watchdog_pings_from_loop, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sdnotify_watchdog_silent_when_loop_stalls,
                                        fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
