#include "service/sdnotify.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

struct gw_watchdog {
    uv_timer_t timer;
    uint64_t interval_ms;
    bool failing; /* last ping failed: log the failure and the recovery once each */
};

/* sd_notify() returns > 0 when sent and 0 when NOTIFY_SOCKET is unset; both
 * are success for us. The environment is kept (unset_environment = 0) because
 * RELOADING/STOPPING come long after READY. */
static int notify(const char *msg)
{
    int r = sd_notify(0, msg);
    return r < 0 ? r : 0;
}

int gw_sdnotify_ready(void)
{
    return notify("READY=1");
}

int gw_sdnotify_reloading(void)
{
    char msg[64];
    snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, gw_clock_mono_ns() / 1000u);
    return notify(msg);
}

int gw_sdnotify_stopping(void)
{
    return notify("STOPPING=1");
}

int gw_sdnotify_status(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return -EINVAL;

    static const char prefix[] = "STATUS=";
    size_t plen = sizeof prefix - 1;
    char *msg = gw_xmalloc(plen + (size_t)len + 1);
    memcpy(msg, prefix, plen);
    va_start(ap, fmt);
    vsnprintf(msg + plen, (size_t)len + 1, fmt, ap);
    va_end(ap);

    /* The protocol is newline-separated assignments: a newline in a target
     * name must not be able to send "READY=1" or "MAINPID=" on our behalf. */
    for (char *p = msg + plen; *p; p++)
        if (*p == '\n')
            *p = ' ';

    int r = notify(msg);
    free(msg);
    return r;
}

static void watchdog_ping_cb(uv_timer_t *timer)
{
    struct gw_watchdog *wd = timer->data;
    int r = notify("WATCHDOG=1");
    if (r < 0 && !wd->failing)
        gw_log_warning("systemd watchdog: cannot send keep-alive: %s", uv_strerror(r));
    else if (r == 0 && wd->failing)
        gw_log_notice("systemd watchdog: keep-alive sent again");
    wd->failing = r < 0;
}

int gw_watchdog_start(uv_loop_t *loop, struct gw_watchdog **out)
{
    *out = NULL;
    uint64_t usec = 0;
    int r = sd_watchdog_enabled(0, &usec);
    if (r <= 0)
        return r; /* 0: not asked for, or asked of another process */

    struct gw_watchdog *wd = gw_xcalloc(1, sizeof *wd);
    /* Half the interval, as sd_watchdog_enabled(3) recommends: one late loop
     * iteration does not get us killed, a stuck loop does. */
    wd->interval_ms = usec / 2000u;
    if (wd->interval_ms == 0)
        wd->interval_ms = 1;

    r = uv_timer_init(loop, &wd->timer);
    if (r < 0) {
        free(wd);
        return r;
    }
    wd->timer.data = wd;
    r = uv_timer_start(&wd->timer, watchdog_ping_cb, wd->interval_ms, wd->interval_ms);
    if (r < 0) {
        gw_watchdog_stop(wd);
        return r;
    }
    /* The loop ends when the daemon's real work ends, not when only the
     * keep-alive is left. */
    uv_unref((uv_handle_t *)&wd->timer);
    gw_log_debug("systemd watchdog: keep-alive every %" PRIu64 " ms", wd->interval_ms);
    *out = wd;
    return 0;
}

static void watchdog_close_cb(uv_handle_t *handle)
{
    free(handle->data);
}

void gw_watchdog_stop(struct gw_watchdog *wd)
{
    if (!wd)
        return;
    uv_close((uv_handle_t *)&wd->timer, watchdog_close_cb);
}
