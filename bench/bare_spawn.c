/*
 * bare_spawn: the floor of running a Nagios plugin from libuv. Spawns a
 * command at a fixed rate for a while with uv_spawn, in a process group of
 * its own, reads its standard output to the end and reaps it, and reports
 * the CPU time per run of this process and of the commands it ran. The
 * daemon's exec checks are measured against this in the same run.
 *
 *   bare_spawn RATE_PER_S SECONDS COMMAND [ARG...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <uv.h>

struct run {
    uv_process_t process;
    uv_pipe_t out;
    int open; /* handles still to close */
    char buf[4096];
};

static uint64_t started, ended, failed;
static char **command;

static void closed_cb(uv_handle_t *h)
{
    struct run *r = h->data;
    if (--r->open == 0)
        free(r);
}

static void exit_cb(uv_process_t *p, int64_t status, int signal)
{
    (void)signal;
    if (status != 0)
        failed++;
    ended++;
    uv_close((uv_handle_t *)p, closed_cb);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct run *r = h->data;
    *buf = uv_buf_init(r->buf, sizeof(r->buf));
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    if (n < 0)
        uv_close((uv_handle_t *)s, closed_cb);
}

static void spawn_one(uv_loop_t *loop)
{
    struct run *r = calloc(1, sizeof(*r));
    if (!r)
        abort();
    r->process.data = r->out.data = r;
    uv_pipe_init(loop, &r->out, 0);
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&r->out},
        {.flags = UV_IGNORE},
    };
    uv_process_options_t options = {
        .exit_cb = exit_cb,
        .file = command[0],
        .args = command,
        .flags = UV_PROCESS_DETACHED,
        .stdio_count = 3,
        .stdio = stdio,
    };
    started++;
    r->open = 2;
    if (uv_spawn(loop, &r->process, &options) < 0) {
        failed++;
        ended++;
        uv_close((uv_handle_t *)&r->process, closed_cb);
        uv_close((uv_handle_t *)&r->out, closed_cb);
        return;
    }
    uv_read_start((uv_stream_t *)&r->out, alloc_cb, read_cb);
}

/* Runs owed so far, in thousandths, spread over 1 ms ticks. */
static uint64_t owed_milli, last_ms;

static void tick_cb(uv_timer_t *timer)
{
    unsigned rate = *(unsigned *)timer->data;
    uint64_t now_ms = uv_now(timer->loop);
    owed_milli += rate * (now_ms - last_ms);
    last_ms = now_ms;
    unsigned now = (unsigned)(owed_milli / 1000);
    owed_milli %= 1000;
    for (unsigned i = 0; i < now; i++)
        spawn_one(timer->loop);
}

static void stop_cb(uv_timer_t *timer)
{
    uv_timer_stop(timer->data);
    uv_close((uv_handle_t *)timer->data, NULL);
    uv_close((uv_handle_t *)timer, NULL);
}

static double cpu_s(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bare_spawn RATE_PER_S SECONDS COMMAND [ARG...]\n");
        return 2;
    }
    unsigned rate = (unsigned)atoi(argv[1]);
    unsigned seconds = (unsigned)atoi(argv[2]);
    command = argv + 3;
    uv_loop_t *loop = uv_default_loop();
    uv_timer_t tick, stop;
    uv_timer_init(loop, &tick);
    uv_timer_init(loop, &stop);
    tick.data = &rate;
    stop.data = &tick;
    last_ms = uv_now(loop);
    uv_timer_start(&tick, tick_cb, 1, 1);
    uv_timer_start(&stop, stop_cb, seconds * 1000u, 0);
    uv_run(loop, UV_RUN_DEFAULT); /* ends when the last run has been reaped */
    double self = cpu_s(RUSAGE_SELF), children = cpu_s(RUSAGE_CHILDREN);
    printf("runs %llu failed %llu\n", (unsigned long long)ended, (unsigned long long)failed);
    printf("cpu_us_per_run %.1f\n", ended ? self / (double)ended * 1e6 : 0.0);
    printf("children_cpu_us_per_run %.1f\n", ended ? children / (double)ended * 1e6 : 0.0);
    return failed ? 1 : 0;
}
