/*
 * tcp_sink: accepts TCP connections on 127.0.0.1 and closes them at once, on
 * one or more ports, as fast as the kernel hands them over. The far end of
 * the tcp-check benchmarks.
 *
 *   tcp_sink PORT [PORT...]     (0 picks a free port; the ports are printed)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

static uint64_t accepted;

static void close_cb(uv_handle_t *h)
{
    free(h);
}

static void connection_cb(uv_stream_t *server, int status)
{
    if (status < 0)
        return;
    uv_tcp_t *client = malloc(sizeof(*client));
    if (!client)
        abort();
    uv_tcp_init(server->loop, client);
    if (uv_accept(server, (uv_stream_t *)client) == 0)
        accepted++;
    uv_close((uv_handle_t *)client, close_cb);
}

static void signal_cb(uv_signal_t *sig, int signum)
{
    (void)signum;
    fprintf(stderr, "tcp_sink: %llu connections accepted\n", (unsigned long long)accepted);
    uv_stop(sig->loop);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tcp_sink PORT [PORT...]\n");
        return 2;
    }
    uv_loop_t *loop = uv_default_loop();
    for (int i = 1; i < argc; i++) {
        uv_tcp_t *server = malloc(sizeof(*server));
        if (!server)
            abort();
        uv_tcp_init(loop, server);
        struct sockaddr_in addr;
        uv_ip4_addr("127.0.0.1", atoi(argv[i]), &addr);
        int rc = uv_tcp_bind(server, (const struct sockaddr *)&addr, 0);
        if (rc == 0)
            rc = uv_listen((uv_stream_t *)server, 4096, connection_cb);
        if (rc < 0) {
            fprintf(stderr, "tcp_sink: port %s: %s\n", argv[i], uv_strerror(rc));
            return 1;
        }
        struct sockaddr_in bound;
        int len = sizeof(bound);
        uv_tcp_getsockname(server, (struct sockaddr *)&bound, &len);
        printf("%d\n", ntohs(bound.sin_port));
    }
    printf("ready\n");
    fflush(stdout);
    uv_signal_t sigterm, sigint;
    uv_signal_init(loop, &sigterm);
    uv_signal_init(loop, &sigint);
    uv_signal_start(&sigterm, signal_cb, SIGTERM);
    uv_signal_start(&sigint, signal_cb, SIGINT);
    uv_run(loop, UV_RUN_DEFAULT);
    return 0;
}
