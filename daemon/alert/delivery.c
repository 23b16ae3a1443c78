#include "alert/delivery.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "util/units.h"
#include "util/xalloc.h"

/* The plugin's handle of one delivery (opaque to plugins). */
struct gw_delivery {
    const struct gw_host *host;
    struct gw_config *config; /* a reference: the notifier's settings live in it */
    const struct gw_notifier_conf *notifier;
    gw_alert_delivery_cb cb;
    void *data;
    void *run;
    uv_timer_t timeout;
    bool in_send; /* inside send(): an outcome now is reported once it returns */
    bool ended;
    /* an outcome reported from inside send() */
    bool early;
    int err;
    char *message;
    uint64_t retry_after_ms;
};

static void free_cb(uv_handle_t *handle)
{
    struct gw_delivery *d = handle->data;
    gw_config_unref(d->config);
    free(d->message);
    free(d);
}

static void end(struct gw_delivery *d)
{
    d->ended = true;
    uv_close((uv_handle_t *)&d->timeout, free_cb);
}

static void done_cb(struct gw_delivery *d, int err, const char *message, uint64_t retry_after_ms)
{
    if (d->ended)
        return; /* after a cancel: the plugin broke its contract; ignored */
    if (d->in_send) {
        /* A plugin that answers at once: report after send() returns, so
         * the caller never sees its callback inside its own call. */
        d->early = true;
        d->err = err;
        d->message = gw_xstrdup(message);
        d->retry_after_ms = retry_after_ms;
        return;
    }
    uv_timer_stop(&d->timeout);
    gw_alert_delivery_cb cb = d->cb;
    void *data = d->data;
    end(d);
    if (err > 0)
        err = -err; /* a plugin that forgot the sign */
    cb(data, err, message ? message : err ? strerror(-err) : "sent", retry_after_ms);
}

static void early_cb(uv_timer_t *timer)
{
    struct gw_delivery *d = timer->data;
    char *message = d->message;
    d->message = NULL;
    done_cb(d, d->err, message, d->retry_after_ms);
    free(message);
}

static void timeout_cb(uv_timer_t *timer)
{
    struct gw_delivery *d = timer->data;
    d->notifier->type->cancel(d->run);
    char limit[32];
    gw_units_format_duration(d->notifier->timeout_ms, limit, sizeof(limit));
    char *message = gw_xasprintf("no answer within %s (the notifier's timeout)", limit);
    gw_alert_delivery_cb cb = d->cb;
    void *data = d->data;
    end(d);
    cb(data, -ETIMEDOUT, message, 0);
    free(message);
}

int gw_alert_delivery_start(const struct gw_host *host, struct gw_config *config,
                            const struct gw_notifier_conf *notifier,
                            const struct gw_notification *notification, gw_alert_delivery_cb cb,
                            void *data, struct gw_delivery **out, char **message_out)
{
    struct gw_delivery *d = gw_xcalloc(1, sizeof(*d));
    d->host = host;
    d->config = gw_config_ref(config);
    d->notifier = notifier;
    d->cb = cb;
    d->data = data;
    uv_timer_init(host->loop, &d->timeout);
    d->timeout.data = d;
    d->in_send = true;
    int rc = notifier->type->send(host, notifier->plugin_conf, notification, d, done_cb, &d->run);
    d->in_send = false;
    if (rc < 0) {
        if (message_out)
            *message_out = gw_xasprintf("the %s plugin could not start: %s", notifier->type->name,
                                        strerror(-rc));
        d->ended = true;
        uv_close((uv_handle_t *)&d->timeout, free_cb);
        return rc;
    }
    if (d->early)
        uv_timer_start(&d->timeout, early_cb, 0, 0);
    else
        uv_timer_start(&d->timeout, timeout_cb, notifier->timeout_ms, 0);
    if (out)
        *out = d;
    return 0;
}

void gw_alert_delivery_cancel(struct gw_delivery *d)
{
    if (!d || d->ended)
        return;
    uv_timer_stop(&d->timeout);
    if (!d->early)
        d->notifier->type->cancel(d->run);
    end(d);
}
