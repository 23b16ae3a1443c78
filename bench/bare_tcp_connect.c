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

static void tick_cb(uv_timer_t *timer)
{
    unsigned per_tick = *(unsigned *)timer->data;
    for (unsigned i = 0; i < per_tick; i++) {
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
    /* Spread the rate over 10 ms ticks, as a scheduler spreads phases. */
    unsigned per_tick = rate / 100 ? rate / 100 : 1;
    uv_loop_t *loop = uv_default_loop();
    uv_timer_t tick, stop;
    uv_timer_init(loop, &tick);
    uv_timer_init(loop, &stop);
    tick.data = &per_tick;
    double cpu0 = cpu_us();
    uv_timer_start(&tick, tick_cb, 10, 10);
    uv_timer_start(&stop, stop_cb, seconds * 1000u, 0);
    uv_run(loop, UV_RUN_DEFAULT);
    double cpu = cpu_us() - cpu0;
    printf("connections %llu ok %llu failed %llu cpu_us_per_connection %.1f\n",
           (unsigned long long)started, (unsigned long long)connected, (unsigned long long)failed,
           connected ? cpu / (double)connected : 0.0);
    return 0;
}
