/*
 * bare_curl_client: the floor of our HTTP stack. libcurl's multi interface on
 * a libuv loop (the canonical multi-uv wiring), one fresh connection per
 * request, requests spread evenly at a fixed rate; reports CPU time per
 * request. The daemon's http checks are measured against this in one run.
 *
 *   bare_curl_client RATE_PER_S SECONDS URL [CA_FILE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <curl/curl.h>
#include <uv.h>

struct poll_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
};

static CURLM *multi;
static uv_loop_t *loop;
static uv_timer_t curl_timer;
static const char *url, *ca_file;
static uint64_t started, ok, failed, owed_milli, last_ms;
static unsigned rate;

static void check_done(void)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        long status = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        if (msg->data.result == CURLE_OK && status == 200)
            ok++;
        else
            failed++;
        curl_multi_remove_handle(multi, msg->easy_handle);
        curl_easy_cleanup(msg->easy_handle);
    }
}

static void poll_cb(uv_poll_t *handle, int status, int events)
{
    struct poll_ctx *ctx = handle->data;
    int flags = 0, running;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(multi, ctx->fd, flags, &running);
    check_done();
}

static void close_cb(uv_handle_t *h)
{
    free(h->data);
}

static int socket_cb(CURL *easy, curl_socket_t s, int action, void *userp, void *socketp)
{
    (void)easy;
    (void)userp;
    struct poll_ctx *ctx = socketp;
    if (action == CURL_POLL_REMOVE) {
        if (ctx) {
            uv_poll_stop(&ctx->poll);
            curl_multi_assign(multi, s, NULL);
            uv_close((uv_handle_t *)&ctx->poll, close_cb);
        }
        return 0;
    }
    if (!ctx) {
        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
            abort();
        ctx->fd = s;
        uv_poll_init_socket(loop, &ctx->poll, s);
        ctx->poll.data = ctx;
        curl_multi_assign(multi, s, ctx);
    }
    int events = 0;
    if (action != CURL_POLL_OUT)
        events |= UV_READABLE;
    if (action != CURL_POLL_IN)
        events |= UV_WRITABLE;
    uv_poll_start(&ctx->poll, events, poll_cb);
    return 0;
}

static void curl_timeout_cb(uv_timer_t *t)
{
    (void)t;
    int running;
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done();
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    (void)userp;
    if (timeout_ms < 0)
        uv_timer_stop(&curl_timer);
    else
        uv_timer_start(&curl_timer, curl_timeout_cb, (uint64_t)timeout_ms, 0);
    return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
    (void)p;
    (void)u;
    return size * n;
}

static void start_one(void)
{
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
    if (ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
    curl_multi_add_handle(multi, e);
    started++;
}

/* Requests owed so far, spread over 1 ms ticks as the daemon spreads targets. */
static void tick_cb(uv_timer_t *t)
{
    uint64_t now = uv_now(t->loop);
    owed_milli += rate * (now - last_ms);
    last_ms = now;
    for (; owed_milli >= 1000; owed_milli -= 1000)
        start_one();
}

static void stop_cb(uv_timer_t *t)
{
    uv_stop(t->loop);
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
        fprintf(stderr, "usage: bare_curl_client RATE_PER_S SECONDS URL [CA_FILE]\n");
        return 2;
    }
    rate = (unsigned)atoi(argv[1]);
    unsigned seconds = (unsigned)atoi(argv[2]);
    url = argv[3];
    ca_file = argc > 4 ? argv[4] : NULL;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    loop = uv_default_loop();
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    uv_timer_init(loop, &curl_timer);
    uv_timer_t tick, stop;
    uv_timer_init(loop, &tick);
    uv_timer_init(loop, &stop);
    double cpu0 = cpu_us();
    last_ms = uv_now(loop);
    uv_timer_start(&tick, tick_cb, 1, 1);
    uv_timer_start(&stop, stop_cb, seconds * 1000u, 0);
    uv_run(loop, UV_RUN_DEFAULT);
    double cpu = cpu_us() - cpu0;
    printf("requests %llu ok %llu failed %llu cpu_us_per_request %.1f\n",
           (unsigned long long)started, (unsigned long long)ok, (unsigned long long)failed,
           ok ? cpu / (double)ok : 0.0);
    return 0;
}
