#include "web/api.h"

#include <math.h>
#include <stdbool.h>
#include <time.h>
#include <string.h>

#include "i18n/i18n.h"
#include "result/state.h"
#include "util/strbuf.h"
#include "i18n/format.h"

/* daemon/web/openapi.json, embedded at build time. */
extern const char gw_web_openapi_json[];

const char *gw_api_openapi(void)
{
    return gw_web_openapi_json;
}

static json_t *number_or_null(double v)
{
    return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *string_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t ms)
{
    if (!ms)
        return json_null();
    struct gw_strbuf b = {0};
    gw_format_rfc3339(&b, ms);
    json_t *t = json_string(gw_strbuf_str(&b));
    gw_strbuf_reset(&b);
    return t;
}

static const char *state_word(uint8_t state)
{
    static const char *const w[] = {"up", "degraded", "down", "unknown", "pending"};
    return w[state <= GW_STATE_PENDING ? state : GW_STATE_PENDING];
}

static json_t *counts(const struct gw_snap_counts *c)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "total", (json_int_t)c->total, "up",
                     (json_int_t)c->up, "degraded", (json_int_t)c->degraded, "down",
                     (json_int_t)c->down, "unknown", (json_int_t)c->unknown, "pending",
                     (json_int_t)c->pending);
}

static json_t *availability(const struct gw_avail *a, bool days, const struct gw_history_view *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "last_24h", number_or_null(a ? a->last_24h : NAN));
    json_object_set_new(o, "last_7d", number_or_null(a ? a->last_7d : NAN));
    json_object_set_new(o, "last_30d", number_or_null(a ? a->last_30d : NAN));
    if (days) {
        json_t *list = json_array();
        for (int d = 0; h && d < GW_HISTORY_DAYS; d++) {
            struct gw_strbuf b = {0};
            struct tm tm;
            time_t t = (time_t)(h->day_start_ms[d] / 1000);
            localtime_r(&t, &tm);
            gw_strbuf_printf(&b, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
            json_array_append_new(list,
                                  json_pack("{s:s,s:o}", "date", gw_strbuf_str(&b), "availability",
                                            number_or_null(a ? a->days[d] : NAN)));
            gw_strbuf_reset(&b);
        }
        json_object_set_new(o, "days", list);
    }
    json_object_set_new(o, "as_of", time_or_null(h ? h->computed_ms : 0));
    return o;
}

static json_t *names(const char *en, const char *cy)
{
    return json_pack("{s:s,s:s}", "en", en, "cy", cy);
}

static json_t *target_brief(const struct gw_snapshot *s, const struct gw_history_view *h, size_t i)
{
    const struct gw_target_conf *t = &s->config->targets[i];
    const struct gw_snap_target *e = s->targets[i];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(t->id));
    json_object_set_new(o, "council", json_string(s->config->councils[t->council].id));
    json_object_set_new(
        o, "name", names(gw_i18n_target_title(t, GW_LANG_EN), gw_i18n_target_title(t, GW_LANG_CY)));
    json_object_set_new(o, "category", string_or_null(t->category));
    json_object_set_new(o, "check", json_string(t->type->name));
    json_object_set_new(o, "state", json_string(state_word(e->state)));
    json_object_set_new(o, "since", time_or_null(e->since_ms));
    json_object_set_new(o, "reason", string_or_null(e->reason));
    json_object_set_new(o, "sentence", string_or_null(e->message));
    json_object_set_new(o, "latency_s", number_or_null(e->latency_s));
    json_object_set_new(o, "availability", availability(gw_history_find(h, t->id), false, h));
    return o;
}

static json_t *council_brief(const struct gw_snapshot *s, const struct gw_history_view *h, size_t k)
{
    const struct gw_council_conf *c = &s->config->councils[k];
    struct gw_avail a;
    gw_history_mean(h, s, c->first_target, c->n_targets, &a);
    return json_pack(
        "{s:s,s:o,s:o,s:o}", "id", c->id, "name",
        names(gw_i18n_council_name(c, GW_LANG_EN), gw_i18n_council_name(c, GW_LANG_CY)), "counts",
        counts(&s->councils[k]), "availability", availability(h ? &a : NULL, false, h));
}

static json_t *envelope(const struct gw_snapshot *s)
{
    return json_pack("{s:o,s:I}", "as_of", time_or_null(s->published_ms), "generation",
                     (json_int_t)s->generation);
}

json_t *gw_api_status(const struct gw_snapshot *s, const struct gw_history_view *h)
{
    json_t *o = envelope(s);
    struct gw_avail a;
    gw_history_mean(h, s, 0, s->n, &a);
    json_object_set_new(o, "wales",
                        json_pack("{s:o,s:o}", "counts", counts(&s->wales), "availability",
                                  availability(h ? &a : NULL, false, h)));
    json_t *councils = json_array();
    for (size_t k = 0; k < s->config->n_councils; k++)
        json_array_append_new(councils, council_brief(s, h, k));
    json_object_set_new(o, "councils", councils);
    json_t *targets = json_array();
    for (size_t i = 0; i < s->n; i++)
        json_array_append_new(targets, target_brief(s, h, i));
    json_object_set_new(o, "targets", targets);
    return o;
}

json_t *gw_api_council(const struct gw_snapshot *s, const struct gw_history_view *h, size_t council)
{
    const struct gw_council_conf *c = &s->config->councils[council];
    json_t *o = envelope(s);
    json_t *brief = council_brief(s, h, council);
    struct gw_avail a;
    gw_history_mean(h, s, c->first_target, c->n_targets, &a);
    json_object_set_new(brief, "availability", availability(h ? &a : NULL, true, h));
    json_object_set_new(o, "council", brief);
    json_t *targets = json_array();
    for (size_t i = c->first_target; i < c->first_target + c->n_targets; i++)
        json_array_append_new(targets, target_brief(s, h, i));
    json_object_set_new(o, "targets", targets);
    return o;
}

json_t *gw_api_target(const struct gw_snapshot *s, const struct gw_history_view *h, size_t target,
                      json_t *events)
{
    const struct gw_target_conf *t = &s->config->targets[target];
    const struct gw_snap_target *e = s->targets[target];
    json_t *o = envelope(s);
    json_t *d = target_brief(s, h, target);
    json_object_set_new(d, "availability", availability(gw_history_find(h, t->id), true, h));
    json_object_set_new(d, "last_status",
                        e->last_ms ? json_string(state_word(e->last_status)) : json_null());
    json_object_set_new(d, "last_check", time_or_null(e->last_ms));
    json_object_set_new(d, "checks", json_integer((json_int_t)e->checks));
    json_object_set_new(d, "interval_s", json_real((double)t->interval_ms / 1000.0));
    json_object_set_new(d, "language", string_or_null(t->language));
    json_object_set_new(d, "depends_on", string_or_null(t->depends_on));
    json_object_set_new(d, "parity_with", string_or_null(t->parity_with));
    json_object_set_new(d, "flapping", json_boolean(e->flapping));
    json_object_set_new(d, "in_maintenance", json_boolean(e->in_maintenance));
    static const char *const causes[] = {NULL, "parent", "maintenance"};
    json_object_set_new(d, "cause", string_or_null(e->cause < 3 ? causes[e->cause] : NULL));
    json_object_set_new(d, "cause_target",
                        string_or_null(*e->cause_target ? e->cause_target : NULL));
    json_t *figures = json_object();
    for (size_t i = 0; i < e->n_figures; i++)
        json_object_set_new(figures, e->figures[i].name, number_or_null(e->figures[i].value));
    json_object_set_new(d, "figures", figures);
    if (e->items) {
        static const char *const item_states[] = {"up", "degraded", "down", "unknown", "excluded"};
        json_t *items = json_array();
        for (size_t i = 0; i < gw_items_count(e->items); i++) {
            const struct gw_item_rec *it = gw_items_at(e->items, i);
            json_array_append_new(items,
                                  json_pack("{s:s,s:o,s:s,s:o,s:o,s:b}", "id", it->id, "name",
                                            string_or_null(*it->name ? it->name : NULL), "state",
                                            item_states[it->status < 5 ? it->status : 3], "reason",
                                            string_or_null(*it->reason ? it->reason : NULL),
                                            "since", time_or_null(it->since_ms), "rapid",
                                            (it->flags & GW_ITEM_RAPID) != 0));
        }
        json_object_set_new(d, "items", items);
    } else {
        json_object_set_new(d, "items", json_null());
    }
    json_object_set_new(d, "events", events ? json_incref(events) : json_array());
    json_object_set_new(o, "target", d);
    return o;
}

json_t *gw_api_error(int status, const char *message)
{
    return json_pack("{s:s,s:i}", "error", message, "status", status);
}
