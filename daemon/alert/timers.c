#include <stdlib.h>

#include "alert/alert_internal.h"
#include "result/maintenance.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

/*
 * What the clock brings rather than a result: maintenance windows opening
 * and closing (a timer at the next moment one does), and reminders of
 * problems that hold (looked for on each tick of alert.c).
 */

/* ---- maintenance ----------------------------------------------------------------------------- */

static void arm_maintenance(struct gw_alert *a, int64_t next_s, int64_t now_ms);

/* Every target enters or leaves its windows as the clock says. */
void gw_alert_maintenance_update(struct gw_alert *a)
{
    const struct gw_config *c = a->config;
    int64_t now_ms = gw_clock_wall_ms(), now_s = now_ms / 1000;
    struct gw_maintenance_span *spans = gw_xcalloc(c->n_maintenance + 1, sizeof(*spans));
    int64_t next = gw_maintenance_spans(c->maintenance, c->n_maintenance, now_s, spans);
    for (size_t i = 0; i < a->targets->n; i++) {
        struct gw_target *t = a->targets->items[i];
        const struct gw_alert_target *at = &a->at[i];
        const struct gw_maintenance_conf *in = NULL;
        for (size_t k = 0; k < at->n_windows; k++)
            if (gw_maintenance_in(&spans[at->windows[k]], now_s))
                in = &c->maintenance[at->windows[k]];
        if ((in != NULL) == t->state.maintenance)
            continue;
        t->state.maintenance = in != NULL;
        gw_alert_renew(a, i);
        if (in) {
            struct gw_alert_event *ev =
                gw_alert_target_event(a, GW_EVENT_MAINTENANCE_START, i, NULL, now_ms);
            ev->window = gw_xstrdup(in->reason);
            gw_alert_emit(a, ev);
            gw_log_notice("%s: maintenance%s%s begins; its notifications are held back",
                          t->conf->id, in->reason ? ": " : "", in->reason ? in->reason : "");
        } else {
            /* the window of the end line: one that held a second ago (none
             * when it ended while the daemon was not running) */
            const struct gw_maintenance_conf *was = NULL;
            for (size_t k = 0; k < at->n_windows && !was; k++) {
                struct gw_maintenance_span span;
                const struct gw_maintenance_conf *w = &c->maintenance[at->windows[k]];
                if (gw_maintenance_span(w, now_s - 1, &span) == 0 &&
                    gw_maintenance_in(&span, now_s - 1))
                    was = w;
            }
            static const struct gw_maintenance_conf none = {.weekday = -1};
            gw_alert_release(a, i, was ? was : &none, now_ms);
            gw_log_notice("%s: maintenance ends (%s)", t->conf->id, gw_state_name(t->state.hard));
        }
    }
    free(spans);
    arm_maintenance(a, next, now_ms);
}

static void maintenance_cb(uv_timer_t *timer)
{
    gw_alert_maintenance_update(timer->data);
}

static void arm_maintenance(struct gw_alert *a, int64_t next_s, int64_t now_ms)
{
    if (next_s == INT64_MAX || a->config->n_maintenance == 0) {
        uv_timer_stop(&a->maintenance);
        return;
    }
    int64_t delay = next_s * 1000 - now_ms;
    /* Look again at least daily: the wall clock may have been set meanwhile. */
    if (delay > 86400000)
        delay = 86400000;
    uv_timer_start(&a->maintenance, maintenance_cb, delay > 0 ? (uint64_t)delay : 0, 0);
}

/* ---- reminders ----------------------------------------------------------------------------------
 * A problem that holds is told again every re_notify, and as often as a
 * notifier's plugin asks (resend_ms: Alertmanager forgets what is not
 * re-posted), counted from when the state began. The id of a reminder is
 * the same after a restart: "<since>-<target>~<n>". */

void gw_alert_remind(struct gw_alert *a, int64_t from_ms, int64_t to_ms)
{
    for (size_t i = 0; i < a->targets->n; i++) {
        struct gw_target *t = a->targets->items[i];
        const struct gw_state *st = &t->state;
        if ((st->told != GW_STATUS_DOWN && st->told != GW_STATUS_DEGRADED) ||
            st->told != st->hard || st->flapping || st->since_ms <= 0 ||
            gw_alert_hold(a, i) != GW_HOLD_NONE)
            continue;
        for (size_t k = 0; k < a->at[i].n_outboxes; k++) {
            struct gw_alert_outbox *ob = a->outboxes[a->at[i].outboxes[k]];
            const struct gw_notifier_conf *nc = ob->conf;
            if (!nc ||
                !gw_state_wants(GW_NOTICE_STATE, st->told, GW_STATUS_UP, nc->min_state, true))
                continue;
            uint64_t period = nc->re_notify_ms;
            uint64_t resend = nc->type->resend_ms ? nc->type->resend_ms(nc->plugin_conf) : 0;
            if (resend && (!period || resend < period))
                period = resend;
            int64_t age_to = to_ms - st->since_ms, age_from = from_ms - st->since_ms;
            if (!period || age_to < (int64_t)period)
                continue;
            int64_t n = age_to / (int64_t)period;
            if (age_from >= 0 && age_from / (int64_t)period >= n)
                continue;
            struct gw_alert_event *ev = gw_alert_target_event(a, GW_EVENT_STATE, i, NULL, to_ms);
            ev->reminder = true;
            ev->id =
                gw_xasprintf("%lld-%s~%lld", (long long)st->since_ms, t->conf->id, (long long)n);
            gw_alert_outbox_add(ob, ev, true);
            gw_alert_event_unref(ev);
        }
    }
}
