#include "service/signals.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "util/xalloc.h"

struct gw_signals {
    uv_poll_t poll;
    int fd;
    gw_signals_cb cb;
    void *data;
};

static void watched(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR1);
}

int gw_signals_block(void)
{
    sigset_t set;
    watched(&set);
    return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void gw_signals_unblock(void)
{
    sigset_t set;
    watched(&set);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static void read_cb(uv_poll_t *poll, int status, int events)
{
    struct gw_signals *s = poll->data;
    (void)events;
    if (status < 0)
        return;
    struct signalfd_siginfo info[4];
    for (;;) {
        ssize_t n = read(s->fd, info, sizeof(info));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* EAGAIN: all read */
        for (size_t i = 0; i < (size_t)n / sizeof(info[0]); i++) {
            s->cb(s->data, (int)info[i].ssi_signo);
            /* The callback may have stopped the reader: the rest stays pending. */
            if (uv_is_closing((uv_handle_t *)&s->poll))
                return;
        }
    }
}

int gw_signals_start(uv_loop_t *loop, gw_signals_cb cb, void *data, struct gw_signals **out)
{
    sigset_t set;
    watched(&set);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct gw_signals *s = gw_xcalloc(1, sizeof(*s));
    s->fd = fd;
    s->cb = cb;
    s->data = data;
    int rc = uv_poll_init(loop, &s->poll, fd);
    if (rc < 0) {
        close(fd);
        free(s);
        return rc;
    }
    s->poll.data = s;
    rc = uv_poll_start(&s->poll, UV_READABLE, read_cb);
    if (rc < 0) {
        gw_signals_stop(s);
        return rc;
    }
    *out = s;
    return 0;
}

static void close_cb(uv_handle_t *handle)
{
    struct gw_signals *s = handle->data;
    close(s->fd);
    free(s);
}

void gw_signals_stop(struct gw_signals *s)
{
    if (!s)
        return;
    uv_close((uv_handle_t *)&s->poll, close_cb);
}
