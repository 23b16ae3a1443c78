/*
 * The words of a notification: a subject a person can triage on a phone
 * ("[DOWN] Cyngor Gwynedd — website: HTTP 503") and a plain-text body, in
 * English, Welsh, or both (Welsh first), from the translations of
 * po/cy.po. Pure: the events and the language go in, text comes out.
 */
#ifndef GW_RENDER_H
#define GW_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include <gwyliwr/plugin.h>

#include "config/config.h"

/*
 * The subject (one line) and body (lines ending in \n) of a message of the
 * n events (borrowed; at least one) in `language`; `test` marks a test
 * message. names_cy (NULL, or n names, each NULL when there is none) gives
 * the targets' Welsh names. Caller frees both.
 */
void gw_alert_render(const struct gw_event *const *events, const char *const *names_cy, size_t n,
                     enum gw_notify_language language, bool test, char **subject, char **body);

/*
 * A duration for people, in the language: "45 seconds", "12 minutes",
 * "3 hours 5 minutes", "2 days 4 hours". Appended to buf (truncated to size).
 */
void gw_alert_render_duration(enum gw_notify_language language, int64_t ms, char *buf, size_t size);

#endif
