#include "alert/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "i18n/reason.h"
#include "util/london.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Events listed one by one in the body of a grouped message; the rest are counted. */
#define LISTED_MAX 200

/* ---- pieces ------------------------------------------------------------------ */

static const char *state_text(enum gw_lang lang, const char *state)
{
    if (!state)
        return "";
    if (strcmp(state, "up") == 0)
        return gw_i18n_text(lang, GW_I18N_UP);
    if (strcmp(state, "down") == 0)
        return gw_i18n_text(lang, GW_I18N_DOWN);
    if (strcmp(state, "degraded") == 0)
        return gw_i18n_text(lang, GW_I18N_DEGRADED);
    if (strcmp(state, "flapping") == 0)
        return gw_i18n_tr(lang, "Changing state often");
    return gw_i18n_text(lang, GW_I18N_UNKNOWN);
}

static bool is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The tag in square brackets that says what happened. */
static const char *tag(enum gw_lang lang, const struct gw_event *e, bool test)
{
    if (test || is(e->kind, "test"))
        return gw_i18n_trp(lang, "subject", "TEST");
    if (is(e->kind, "flapping"))
        return gw_i18n_trp(lang, "subject", "FLAPPING");
    if (is(e->kind, "settled"))
        return gw_i18n_trp(lang, "subject", "SETTLED");
    if (is(e->kind, "monitor"))
        return is(e->state, "up") ? gw_i18n_trp(lang, "subject", "MONITOR OK")
                                  : gw_i18n_trp(lang, "subject", "MONITOR");
    if (is(e->kind, "maintenance_start"))
        return gw_i18n_trp(lang, "subject", "MAINTENANCE");
    bool reminder = is(e->kind, "reminder");
    if (is(e->state, "down"))
        return reminder ? gw_i18n_trp(lang, "subject", "STILL DOWN")
                        : gw_i18n_trp(lang, "subject", "DOWN");
    if (is(e->state, "degraded"))
        return reminder ? gw_i18n_trp(lang, "subject", "STILL DEGRADED")
                        : gw_i18n_trp(lang, "subject", "DEGRADED");
    if (is(e->state, "up"))
        return gw_i18n_trp(lang, "subject", "UP");
    return gw_i18n_trp(lang, "subject", "UNKNOWN");
}

/* Why it failed, in a few words; the reason code itself when no phrase is known. */
static void reason_text(enum gw_lang lang, const struct gw_event *e, struct gw_strbuf *b)
{
    if (!gw_reason_phrase(b, lang, e->reason, e->message))
        gw_strbuf_append(b, e->reason && *e->reason ? e->reason : state_text(lang, e->state));
}

static void duration(enum gw_lang lang, int64_t ms, struct gw_strbuf *b)
{
    unsigned long s = ms > 0 ? (unsigned long)(ms / 1000) : 0;
    if (s < 60) {
        gw_strbuf_printf(b, gw_i18n_ntr(lang, "%lu second", "%lu seconds", s), s);
    } else if (s < 3600) {
        gw_strbuf_printf(b, gw_i18n_ntr(lang, "%lu minute", "%lu minutes", s / 60), s / 60);
    } else if (s < 86400) {
        gw_strbuf_printf(b, gw_i18n_ntr(lang, "%lu hour", "%lu hours", s / 3600), s / 3600);
        if (s % 3600 >= 60) {
            gw_strbuf_append_char(b, ' ');
            gw_strbuf_printf(b, gw_i18n_ntr(lang, "%lu minute", "%lu minutes", s % 3600 / 60),
                             s % 3600 / 60);
        }
    } else {
        gw_strbuf_printf(b, gw_i18n_ntr(lang, "%lu day", "%lu days", s / 86400), s / 86400);
        if (s % 86400 >= 3600) {
            gw_strbuf_append_char(b, ' ');
            gw_strbuf_printf(b, gw_i18n_ntr(lang, "%lu hour", "%lu hours", s % 86400 / 3600),
                             s % 86400 / 3600);
        }
    }
}

static const char *council_name(enum gw_lang lang, const struct gw_event *e)
{
    const char *name = lang == GW_LANG_CY ? e->council_name_cy : e->council_name;
    return name ? name : e->council ? e->council : "";
}

/* "Cyngor Gwynedd — website: HTTP 503" */
/* The name of event i's target in `lang`: its Welsh name when there is one. */
static const char *name_of(enum gw_lang lang, const struct gw_event *e, const char *const *names_cy,
                           size_t i)
{
    if (lang == GW_LANG_CY && names_cy && names_cy[i])
        return names_cy[i];
    return e->target_name ? e->target_name : e->target;
}

static void headline(enum gw_lang lang, const struct gw_event *e, const char *name, bool test,
                     struct gw_strbuf *b)
{
    if (test || is(e->kind, "test")) {
        gw_strbuf_printf(b, "gwyliwr: %s",
                         gw_i18n_tr(lang, "a test notification; nothing is wrong"));
        return;
    }
    if (is(e->kind, "monitor") || !e->target) {
        gw_strbuf_append(b, "gwyliwr: ");
        gw_strbuf_append(b, e->message ? e->message : "");
        return;
    }
    gw_strbuf_printf(b, "%s — %s: ", council_name(lang, e), name);
    if (is(e->kind, "flapping"))
        gw_strbuf_append(b, gw_i18n_tr(lang, "changing state often"));
    else if (is(e->kind, "settled"))
        gw_strbuf_printf(b, gw_i18n_tr(lang, "settled, %s"), state_text(lang, e->state));
    else if (is(e->state, "up") && e->since_ms > 0 && e->time_ms > e->since_ms) {
        struct gw_strbuf d = {0};
        duration(lang, e->time_ms - e->since_ms, &d);
        gw_strbuf_printf(b, gw_i18n_tr(lang, "back after %s"), gw_strbuf_str(&d));
        gw_strbuf_reset(&d);
    } else if (is(e->state, "up"))
        gw_strbuf_append(b, gw_i18n_tr(lang, "back"));
    else
        reason_text(lang, e, b);
}

static void when(int64_t ms, struct gw_strbuf *b)
{
    char t[40];
    gw_london_format(ms / 1000, t, sizeof(t));
    gw_strbuf_append(b, t);
}

/* ---- subject ------------------------------------------------------------------- */

static void subject_in(enum gw_lang lang, const struct gw_event *const *events,
                       const char *const *names_cy, size_t n, bool test, struct gw_strbuf *b)
{
    if (n == 1) {
        gw_strbuf_printf(b, "[%s] ", tag(lang, events[0], test));
        headline(lang, events[0], name_of(lang, events[0], names_cy, 0), test, b);
        return;
    }
    /* "[DOWN ×298, UP ×2] 300 services in 3 councils" */
    const char *tags[16];
    size_t counts[16], n_tags = 0, councils = 0;
    /* distinct councils, each looked for among those seen: a message holds
     * thousands of events but Wales has 22 councils */
    const char **seen = gw_xcalloc(n, sizeof(*seen));
    for (size_t i = 0; i < n; i++) {
        const char *t = tag(lang, events[i], test);
        size_t k;
        for (k = 0; k < n_tags && strcmp(tags[k], t) != 0; k++)
            ;
        if (k == n_tags && n_tags < 16) {
            tags[n_tags] = t;
            counts[n_tags++] = 0;
        }
        if (k < n_tags)
            counts[k]++;
        const char *c = events[i]->council ? events[i]->council : "";
        size_t j;
        for (j = 0; j < councils && strcmp(seen[j], c) != 0; j++)
            ;
        if (j == councils)
            seen[councils++] = c;
    }
    free(seen);
    gw_strbuf_append_char(b, '[');
    for (size_t k = 0; k < n_tags; k++)
        gw_strbuf_printf(b, "%s%s ×%zu", k ? ", " : "", tags[k], counts[k]);
    gw_strbuf_append(b, "] ");
    if (councils == 1 && events[0]->council)
        gw_strbuf_printf(b, "%s: ", council_name(lang, events[0]));
    gw_strbuf_printf(b, gw_i18n_ntr(lang, "%lu service", "%lu services", n), (unsigned long)n);
    if (councils > 1) {
        gw_strbuf_append_char(b, ' ');
        gw_strbuf_printf(b, gw_i18n_ntr(lang, "in %lu council", "in %lu councils", councils),
                         (unsigned long)councils);
    }
}

/* ---- body ------------------------------------------------------------------------ */

/*
 * When: a change says when it happened and how long the state before it
 * lasted (since_ms is when that one began); news told again (a reminder,
 * the end of a hold) says since when the state it tells has held.
 */
static void times(enum gw_lang lang, const struct gw_event *e, struct gw_strbuf *b)
{
    struct gw_strbuf t = {0}, d = {0};
    bool change = is(e->kind, "state") && !is(e->previous, e->state);
    if (!change && !is(e->kind, "reminder") && !is(e->kind, "maintenance_end") &&
        !is(e->kind, "state"))
        return;
    if (change && is(e->state, "up")) {
        if (e->since_ms > 0) {
            when(e->since_ms, &t);
            duration(lang, e->time_ms - e->since_ms, &d);
            gw_strbuf_printf(b, gw_i18n_tr(lang, "It had been failing since %s (%s).\n"),
                             gw_strbuf_str(&t), gw_strbuf_str(&d));
        }
    } else if (change) {
        when(e->time_ms, &t);
        gw_strbuf_printf(b, gw_i18n_tr(lang, "Since: %s\n"), gw_strbuf_str(&t));
        if (e->since_ms > 0 && e->previous && !is(e->previous, "pending")) {
            duration(lang, e->time_ms - e->since_ms, &d);
            gw_strbuf_printf(b, gw_i18n_tr(lang, "Before that: %s for %s\n"),
                             state_text(lang, e->previous), gw_strbuf_str(&d));
        }
    } else if (e->since_ms > 0) {
        when(e->since_ms, &t);
        duration(lang, e->time_ms - e->since_ms, &d);
        gw_strbuf_printf(b, gw_i18n_tr(lang, "Since: %s (%s)\n"), gw_strbuf_str(&t),
                         gw_strbuf_str(&d));
    }
    gw_strbuf_reset(&t);
    gw_strbuf_reset(&d);
}

static void body_event(enum gw_lang lang, const struct gw_event *e, const char *name,
                       struct gw_strbuf *b)
{
    if (is(e->kind, "monitor")) {
        gw_strbuf_printf(b, "%s\n",
                         is(e->state, "up")
                             ? gw_i18n_tr(lang, "A problem of the monitor has ended:")
                             : gw_i18n_tr(lang, "A problem of the monitor itself:"));
        gw_strbuf_printf(b, "%s\n", e->message ? e->message : "");
        if (e->target)
            gw_strbuf_printf(b, gw_i18n_tr(lang, "Target: %s\n"), e->target);
        gw_strbuf_printf(b, gw_i18n_tr(lang, "Reference: %s\n"), e->id);
        return;
    }
    gw_strbuf_printf(b, "%s — %s (%s)\n", council_name(lang, e), name, e->target);
    if (is(e->kind, "flapping")) {
        gw_strbuf_printf(b, "%s\n",
                         gw_i18n_tr(lang, "It is changing state often: its notices are held back "
                                          "until it settles."));
    } else if (is(e->kind, "settled")) {
        gw_strbuf_printf(b, gw_i18n_tr(lang, "It has stopped changing state often. Now: %s\n"),
                         state_text(lang, e->state));
    } else if (is(e->kind, "reminder")) {
        gw_strbuf_printf(b, gw_i18n_tr(lang, "Still: %s\n"), state_text(lang, e->state));
    } else if (e->previous && !is(e->previous, e->state) && !is(e->previous, "pending")) {
        gw_strbuf_printf(b, gw_i18n_tr(lang, "Now: %s (before: %s)\n"), state_text(lang, e->state),
                         state_text(lang, e->previous));
    } else {
        gw_strbuf_printf(b, gw_i18n_tr(lang, "Now: %s\n"), state_text(lang, e->state));
    }
    if (e->message && *e->message)
        gw_strbuf_printf(b, gw_i18n_tr(lang, "The check found (in English): %s\n"), e->message);
    times(lang, e, b);
    if (is(e->kind, "maintenance_end"))
        gw_strbuf_printf(b, "%s\n", gw_i18n_tr(lang, "A maintenance window has ended."));
    else if (is(e->kind, "state") && is(e->previous, e->state))
        gw_strbuf_printf(b, "%s\n",
                         gw_i18n_tr(lang, "This was held back while the service it depends on "
                                          "was down; that service is back."));
    if (e->cause && is(e->cause, "parent") && e->cause_target)
        gw_strbuf_printf(b, gw_i18n_tr(lang, "The outage is that of %s, on which it depends.\n"),
                         e->cause_target);
    gw_strbuf_printf(b, gw_i18n_tr(lang, "Reference: %s\n"), e->id);
}

static void body_in(enum gw_lang lang, const struct gw_event *const *events,
                    const char *const *names_cy, size_t n, bool test, struct gw_strbuf *b)
{
    if (test) {
        gw_strbuf_printf(b, "%s\n",
                         gw_i18n_tr(lang, "This is a test notification, sent by gwyliwr notify "
                                          "--test. Nothing is wrong."));
        gw_strbuf_printf(b, gw_i18n_tr(lang, "Reference: %s\n"), events[0]->id);
        return;
    }
    if (n == 1) {
        body_event(lang, events[0], name_of(lang, events[0], names_cy, 0), b);
        return;
    }
    gw_strbuf_printf(b, gw_i18n_ntr(lang, "%lu change:\n", "%lu changes:\n", n), (unsigned long)n);
    for (size_t i = 0; i < n && i < LISTED_MAX; i++) {
        gw_strbuf_printf(b, "[%s] ", tag(lang, events[i], false));
        headline(lang, events[i], name_of(lang, events[i], names_cy, i), false, b);
        gw_strbuf_append_char(b, '\n');
    }
    if (n > LISTED_MAX) {
        gw_strbuf_printf(b,
                         gw_i18n_ntr(lang, "… and %lu more\n", "… and %lu more\n", n - LISTED_MAX),
                         (unsigned long)(n - LISTED_MAX));
    }
    gw_strbuf_printf(b, gw_i18n_tr(lang, "Reference: %s\n"), events[0]->id);
}

void gw_alert_render(const struct gw_event *const *events, const char *const *names_cy, size_t n,
                     enum gw_notify_language language, bool test, char **subject, char **body)
{
    struct gw_strbuf s = {0}, t = {0};
    if (language == GW_NOTIFY_BOTH) {
        /* Welsh first, as the Welsh Language Standards ask */
        subject_in(GW_LANG_CY, events, names_cy, n, test, &s);
        gw_strbuf_append(&s, " | ");
        subject_in(GW_LANG_EN, events, names_cy, n, test, &s);
        body_in(GW_LANG_CY, events, names_cy, n, test, &t);
        gw_strbuf_append(&t, "\n—\n\n");
        body_in(GW_LANG_EN, events, names_cy, n, test, &t);
    } else {
        enum gw_lang lang = language == GW_NOTIFY_CY ? GW_LANG_CY : GW_LANG_EN;
        subject_in(lang, events, names_cy, n, test, &s);
        body_in(lang, events, names_cy, n, test, &t);
    }
    *subject = gw_strbuf_take(&s);
    *body = gw_strbuf_take(&t);
}

void gw_alert_render_duration(enum gw_notify_language language, int64_t ms, char *buf, size_t size)
{
    struct gw_strbuf b = {0};
    duration(language == GW_NOTIFY_CY ? GW_LANG_CY : GW_LANG_EN, ms, &b);
    snprintf(buf, size, "%s", gw_strbuf_str(&b));
    gw_strbuf_reset(&b);
}
