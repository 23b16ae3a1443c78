#include "check/check.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/items.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/units.h"
#include "util/xalloc.h"

struct gw_check {
    const struct gw_host *host;
    struct gw_config *config; /* a reference: conf lives in it */
    const struct gw_target_conf *conf;
    gw_check_done_cb done_cb;
    void *data;
    void *run;        /* the plugin's state of this run */
    uv_timer_t timer; /* the timeout, then the deferred delivery */
    bool in_start;    /* inside the plugin's start() */
    bool finished;    /* the result is decided; no more plugin calls */
    bool silent;      /* cancelled without a result */
    struct gw_result result;
    struct gw_items *items; /* reported by the plugin, or NULL */
    bool items_complete;    /* the plugin said the list is whole */
};

/* The longest check_retry_after is honoured. */
#define RETRY_AFTER_MAX_MS 3600000u

static void check_free_cb(uv_handle_t *handle)
{
    struct gw_check *check = handle->data;
    gw_items_unref(check->items);
    gw_config_unref(check->config);
    free(check);
}

/* Hands the result over and releases the check. */
static void deliver(struct gw_check *check)
{
    uv_timer_stop(&check->timer);
    if (!check->silent) {
        check->result.time_ms = gw_clock_wall_ms();
        /* A list the plugin did not call complete is partial: dropped. */
        if (check->items_complete) {
            if (!check->items)
                check->items = gw_items_new();
            check->result.items = check->items;
            gw_items_judge(check->items, check->conf->min_up, &check->result);
        }
        check->done_cb(check->data, check->conf, &check->result);
    }
    uv_close((uv_handle_t *)&check->timer, check_free_cb);
}

static void deliver_cb(uv_timer_t *timer)
{
    deliver(timer->data);
}

/* Delivery on the next loop turn, for results decided where a synchronous
 * callback would surprise the caller. */
static void deliver_later(struct gw_check *check)
{
    uv_timer_stop(&check->timer);
    uv_timer_start(&check->timer, deliver_cb, 0, 0);
}

static void set_verdict(struct gw_check *check, enum gw_status status, const char *reason,
                        const char *fmt, va_list ap)
{
    check->finished = true;
    check->result.status = status;
    snprintf(check->result.reason, sizeof(check->result.reason), "%s", reason ? reason : "");
    vsnprintf(check->result.message, sizeof(check->result.message), fmt ? fmt : "", ap);
}

static void set_verdictf(struct gw_check *check, enum gw_status status, const char *reason,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void set_verdictf(struct gw_check *check, enum gw_status status, const char *reason,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_verdict(check, status, reason, fmt, ap);
    va_end(ap);
}

static void timeout_cb(uv_timer_t *timer)
{
    struct gw_check *check = timer->data;
    if (check->finished)
        return;
    check->finished = true;
    check->items_complete = false;
    check->conf->type->cancel(check->run);
    /* Phases that finished keep their figures; the whole took "too long",
     * not a number. */
    gw_result_set_figure(&check->result, "latency", NAN);
    char limit[32];
    gw_units_format_duration(check->conf->timeout_ms, limit, sizeof(limit));
    set_verdictf(check, GW_STATUS_DOWN, GW_REASON_TIMEOUT, "no answer from %s within %s",
                 check->conf->host ? check->conf->host : check->conf->id, limit);
    deliver(check);
}

int gw_check_start(const struct gw_host *host, struct gw_config *config,
                   const struct gw_target_conf *conf, uint64_t lateness_ms,
                   gw_check_done_cb done_cb, void *data, struct gw_check **check_out)
{
    struct gw_check *check = gw_xcalloc(1, sizeof(*check));
    check->host = host;
    check->config = gw_config_ref(config);
    check->conf = conf;
    check->done_cb = done_cb;
    check->data = data;
    check->result.lateness_ms = lateness_ms;
    check->result.started_mono_ms = (int64_t)gw_clock_mono_ms();
    uv_timer_init(host->loop, &check->timer);
    check->timer.data = check;

    check->in_start = true;
    int rc = conf->type->start(host, conf->plugin_conf, check, &check->run);
    check->in_start = false;
    if (rc < 0) {
        if (check->finished)
            gw_log_error("%s (%s): plugin completed a check it failed to start", conf->id,
                         conf->type->name);
        check->silent = true;
        uv_close((uv_handle_t *)&check->timer, check_free_cb);
        return rc;
    }
    if (check->finished)
        deliver_later(check);
    else
        uv_timer_start(&check->timer, timeout_cb, conf->timeout_ms, 0);
    *check_out = check;
    return 0;
}

void gw_check_cancel(struct gw_check *check, bool silent)
{
    if (!check->finished) {
        check->finished = true;
        check->items_complete = false;
        check->conf->type->cancel(check->run);
        set_verdictf(check, GW_STATUS_UNKNOWN, GW_REASON_CANCELLED, "check cancelled");
    }
    check->silent = check->silent || silent;
    deliver_later(check);
}

const char *gw_check_target(const struct gw_check *check)
{
    return check->conf->id;
}

uint64_t gw_check_timeout_ms(const struct gw_check *check)
{
    return check->conf->timeout_ms;
}

void gw_check_figure(struct gw_check *check, const char *name, double value)
{
    if (check->finished)
        return;
    gw_result_set_figure(&check->result, name, value);
}

void gw_check_detail(struct gw_check *check, const char *key, const char *fmt, ...)
{
    if (check->finished)
        return;
    char text[sizeof(((struct gw_result_detail *)0)->text)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    gw_result_add_detail(&check->result, key, text);
}

void gw_check_samples(struct gw_check *check, const double *samples, size_t n)
{
    if (check->finished)
        return;
    gw_result_set_samples(&check->result, samples, n);
}

void gw_check_done(struct gw_check *check, enum gw_status status, const char *reason,
                   const char *fmt, ...)
{
    if (check->finished) {
        gw_log_error("%s (%s): plugin completed a check twice or after it was cancelled",
                     check->conf->id, check->conf->type->name);
        return;
    }
    if (status > GW_STATUS_UNKNOWN)
        status = GW_STATUS_UNKNOWN;
    va_list ap;
    va_start(ap, fmt);
    set_verdict(check, status, reason, fmt, ap);
    va_end(ap);
    if (check->in_start)
        return; /* gw_check_start delivers it on the next loop turn */
    deliver(check);
}

void gw_check_item(struct gw_check *check, const char *id, enum gw_item_status status,
                   const char *reason, const char *name, uint32_t flags)
{
    if (check->finished)
        return;
    if (!check->items)
        check->items = gw_items_new();
    gw_items_add(check->items, id, (int)status, reason, name, flags);
}

void gw_check_items_complete(struct gw_check *check)
{
    if (!check->finished)
        check->items_complete = true;
}

void gw_check_retry_after(struct gw_check *check, uint64_t delay_ms)
{
    if (check->finished)
        return;
    check->result.retry_after_ms = delay_ms < RETRY_AFTER_MAX_MS ? delay_ms : RETRY_AFTER_MAX_MS;
}
