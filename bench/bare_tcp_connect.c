/*
 * bare_tcp_connect: the floor of a libuv TCP availability check. Connects to
 * 127.0.0.1 ports at a fixed rate for a while, a fresh connection each time,
 * closes on connect, and reports the CPU time per connection. The daemon's
 * tcp checks are measured against this in the same run.
 *
 *   bare_tcp_connect RATE_PER_S SECONDS PORT [PORT...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <uv.h>

struct conn {
    uv_tcp_t tcp;
    uv_connect_t req;
};

static uint64_t started, connected, failed;
static int n_ports;
static int *ports;

static void close_cb(uv_handle_t *h)
{
    free(h->data);
}

static void connect_cb(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    if (status == 0)
        connected++;
    else
        failed++;
    c->tcp.data = c;
    uv_close((uv_handle_t *)&c->tcp, close_cb);
}

/* Connections owed so far, in thousandths: the rate is spread over 1 ms
 * ticks the way the daemon spreads targets over their interval (bursts would
 * let the far end accept many per wake-up and look cheaper). */
static uint64_t owed_milli, last_ms;

static void tick_cb(uv_timer_t *timer)
{
    unsigned rate = *(unsigned *)timer->data;
    uint64_t now_ms = uv_now(timer->loop);
    owed_milli += rate * (now_ms - last_ms);
    last_ms = now_ms;
    unsigned now = (unsigned)(owed_milli / 1000);
    owed_milli %= 1000;
    for (unsigned i = 0; i < now; i++) {
        struct conn *c = malloc(sizeof(*c));
        if (!c)
            abort();
        uv_tcp_init(timer->loop, &c->tcp);
        c->req.data = c;
        struct sockaddr_in addr;
        uv_ip4_addr("127.0.0.1", ports[started % (uint64_t)n_ports], &addr);
        started++;
        if (uv_tcp_connect(&c->req, &c->tcp, (const struct sockaddr *)&addr, connect_cb) < 0) {
            failed++;
            c->tcp.data = c;
            uv_close((uv_handle_t *)&c->tcp, close_cb);
        }
    }
}

static void stop_cb(uv_timer_t *timer)
{
    uv_stop(timer->loop);
}

static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bare_tcp_connect RATE_PER_S SECONDS PORT [PORT...]\n");
        return 2;
    }
    unsigned rate = (unsigned)atoi(argv[1]);
    unsigned seconds = (unsigned)atoi(argv[2]);
    n_ports = argc - 3;
    ports = calloc((size_t)n_ports, sizeof(*ports));
    for (int i = 0; i < n_ports; i++)
        ports[i] = atoi(argv[3 + i]);
    uv_loop_t *loop = uv_default_loop();
    uv_timer_t tick, stop;
    uv_timer_init(loop, &tick);
    uv_timer_init(loop, &stop);
    tick.data = &rate;
    double cpu0 = cpu_us();
    last_ms = uv_now(loop);
    uv_timer_start(&tick, tick_cb, 1, 1);
    uv_timer_start(&stop, stop_cb, seconds * 1000u, 0);
    uv_run(loop, UV_RUN_DEFAULT);
    double cpu = cpu_us() - cpu0;
    printf("connections %llu ok %llu failed %llu cpu_us_per_connection %.1f\n",
           (unsigned long long)started, (unsigned long long)connected, (unsigned long long)failed,
           connected ? cpu / (double)connected : 0.0);
    return 0;
}
