/*
 * A notification as a notifier plugin receives it (struct gw_notification
 * of <gwyliwr/plugin.h>): the events of a message with the names people
 * know them by, and the words rendered in the notifier's language.
 */
#ifndef GW_COMPOSE_H
#define GW_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>

#include <gwyliwr/plugin.h>

#include "alert/event.h"
#include "config/config.h"

struct gw_alert_composed {
    struct gw_notification notification;
    /* what it points into, owned: */
    struct gw_event *events;
    const struct gw_event **event_ptrs;
    struct gw_event_figure *figures;
    char **urls; /* one per event (NULL: none); NULL when daemon.web_url is not set */
    char *subject, *body;
};

/*
 * Composes the message `id` (borrowed: it must outlive the result) of the n
 * events (borrowed likewise) for a notifier speaking `language`; names come
 * from `config` (borrowed likewise). Free with gw_alert_composed_fini.
 */
void gw_alert_compose(struct gw_alert_composed *out, const struct gw_config *config,
                      struct gw_alert_event *const *events, size_t n, const char *id,
                      enum gw_notify_language language, bool test);
void gw_alert_composed_fini(struct gw_alert_composed *c);

#endif
