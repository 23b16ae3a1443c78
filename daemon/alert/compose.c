#include "alert/compose.h"

#include <stdlib.h>
#include <string.h>

#include "alert/render.h"
#include "result/state.h"
#include "util/xalloc.h"

static const char *const language_codes[] = {"en", "cy", "both"};

static const struct gw_council_conf *council_of(const struct gw_config *config, const char *id)
{
    for (size_t i = 0; id && i < config->n_councils; i++)
        if (strcmp(config->councils[i].id, id) == 0)
            return &config->councils[i];
    return NULL;
}

static const char *state_of(const struct gw_alert_event *ev)
{
    if (ev->kind == GW_EVENT_FLAPPING)
        return "flapping";
    if (ev->kind == GW_EVENT_MONITOR)
        return ev->active ? "unknown" : "up";
    return gw_state_word(ev->to);
}

static const char *previous_of(const struct gw_alert_event *ev)
{
    if (ev->reminder || ev->kind == GW_EVENT_MONITOR || ev->from == GW_STATE_PENDING)
        return NULL;
    return gw_state_word(ev->from);
}

static int severity_of(const struct gw_alert_event *ev)
{
    if (ev->kind == GW_EVENT_MONITOR)
        return ev->active ? GW_STATUS_UNKNOWN : GW_STATUS_UP;
    return ev->to <= GW_STATUS_UNKNOWN ? ev->to : GW_STATUS_UNKNOWN;
}

void gw_alert_compose(struct gw_alert_composed *out, const struct gw_config *config,
                      struct gw_alert_event *const *events, size_t n, const char *id,
                      enum gw_notify_language language, bool test)
{
    memset(out, 0, sizeof(*out));
    out->events = gw_xcalloc(n ? n : 1, sizeof(*out->events));
    out->event_ptrs = gw_xcalloc(n ? n : 1, sizeof(*out->event_ptrs));
    size_t n_figures = 0;
    for (size_t i = 0; i < n; i++)
        n_figures += events[i]->n_figures;
    out->figures = gw_xcalloc(n_figures ? n_figures : 1, sizeof(*out->figures));
    struct gw_event_figure *f = out->figures;
    const char **names_cy = gw_xcalloc(n ? n : 1, sizeof(*names_cy));
    /* Links to the targets' status pages, when people can reach them: the
     * Welsh page for a notifier that speaks only Welsh. */
    const char *web = config->daemon.web_url;
    if (web && *web)
        out->urls = gw_xcalloc(n ? n : 1, sizeof(*out->urls));
    for (size_t i = 0; i < n; i++) {
        const struct gw_alert_event *ev = events[i];
        struct gw_event *e = &out->events[i];
        const struct gw_council_conf *council = council_of(config, ev->council);
        const struct gw_target_conf *target =
            ev->target ? gw_config_find_target(config, ev->target) : NULL;
        e->size = sizeof(*e);
        e->id = ev->id;
        e->kind = test ? "test" : ev->reminder ? "reminder" : gw_alert_kind_name(ev->kind);
        e->state = state_of(ev);
        e->previous = previous_of(ev);
        e->target = ev->target;
        e->council = ev->council;
        e->council_name = council && council->name ? council->name : ev->council;
        e->council_name_cy = council && council->name_cy ? council->name_cy : e->council_name;
        e->target_name = target && target->title                 ? target->title
                         : target                                ? target->name
                         : ev->target && strchr(ev->target, '/') ? strchr(ev->target, '/') + 1
                                                                 : ev->target;
        names_cy[i] = target && target->title_cy ? target->title_cy : NULL;
        e->category = ev->category;
        e->check = ev->check;
        e->reason = ev->reason;
        e->message = ev->sentence;
        e->time_ms = ev->time_ms;
        e->since_ms = ev->since_ms;
        e->cause = gw_alert_cause_name(ev->cause);
        e->cause_target = ev->cause_target;
        e->figures = f;
        e->n_figures = ev->n_figures;
        for (size_t k = 0; k < ev->n_figures; k++, f++)
            *f = (struct gw_event_figure){ev->figures[k].name, ev->figures[k].value};
        if (out->urls && target)
            out->urls[i] = gw_xasprintf("%s%s/target/%s", web,
                                        language == GW_NOTIFY_CY ? "/cy" : "", target->id);
        e->url = out->urls ? out->urls[i] : NULL;
        e->severity = severity_of(ev);
        out->event_ptrs[i] = e;
    }
    gw_alert_render(out->event_ptrs, names_cy, n, language, test, &out->subject, &out->body);
    free(names_cy);
    out->notification = (struct gw_notification){
        .size = sizeof(struct gw_notification),
        .id = id,
        .events = out->event_ptrs,
        .n_events = n,
        .subject = out->subject,
        .body = out->body,
        .language = language_codes[language],
        .test = test,
    };
}

void gw_alert_composed_fini(struct gw_alert_composed *c)
{
    for (size_t i = 0; c->urls && i < c->notification.n_events; i++)
        free(c->urls[i]);
    free(c->urls);
    free(c->events);
    free(c->event_ptrs);
    free(c->figures);
    free(c->subject);
    free(c->body);
    memset(c, 0, sizeof(*c));
}
