/*
 * gwyliwr's own JSON document of a notification (docs/notifiers.md, "The
 * webhook body"): what the webhook notifier posts when it has no template,
 * what its templates see, and what the exec notifier writes on its
 * program's input. One document, so a receiver written for one reads the
 * other.
 */
#ifndef GW_NOTIFY_BODY_H
#define GW_NOTIFY_BODY_H

#include <jansson.h>

#include <gwyliwr/plugin.h>

/*
 * The document of `n` (borrowed): the message's own fields, the first
 * event's fields at the top (a one-event message reads as a flat object),
 * and every event in `events`. Caller decrefs. Aborts when memory runs out.
 */
json_t *gw_notify_body_json(const struct gw_notification *n);

#endif
