/*
 * Health documents: a service's own account of its health, its components as
 * items. Pure (feed.h). Three formats:
 *
 * health+json   application/health+json (draft-inadarei-api-health-check):
 *               `status` pass / warn / fail (aliases ok, up; warning;
 *               error, down); `checks` maps "component:measurement" to a list
 *               of check objects with their own `status`. Items: one per
 *               check, id the key (with "/componentId", or "/<n>" from 1,
 *               when the key has several).
 * spring        Spring Boot actuator /health: `status` UP / DOWN /
 *               OUT_OF_SERVICE / UNKNOWN (or any word); components under
 *               `components` (Boot 2.2 and later), `details` (2.0, 2.1), or
 *               beside `status` (1.x), nested to any depth. Items: the
 *               leaves, id their path ("db", "nested/db2").
 * statuspage    Statuspage summary.json: `components`, each with `id`,
 *               `name` and `status` operational / degraded_performance /
 *               partial_outage / major_outage / under_maintenance. Items:
 *               the components that are not groups, id their `id`.
 *
 * Statuses: pass, UP, operational: up. warn, degraded_performance,
 * partial_outage: degraded. fail, DOWN, OUT_OF_SERVICE, major_outage: down.
 * under_maintenance: excluded. UNKNOWN and any other word: unknown.
 *
 * The verdict is the worst status of the document's own and of its items
 * (down over degraded); a document with only unknown in it is unknown. With a
 * list of components, only those (by id, key or name) count, and the
 * document's own status is left aside: it speaks for every component.
 */
#ifndef GW_HEALTH_DOC_H
#define GW_HEALTH_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "feed.h"

enum gw_health_format {
    GW_HEALTH_AUTO,
    GW_HEALTH_JSON, /* application/health+json */
    GW_HEALTH_SPRING,
    GW_HEALTH_STATUSPAGE,
};

struct gw_health_verdict {
    enum gw_health_format format; /* the one read (auto: the one found) */
    enum gw_item_status status;   /* up, degraded, down or unknown */
    char word[32];                /* the document's own status word, "" when none */
    uint64_t components;          /* items reported (with a component list: found) */
};

/*
 * Parses a health document of `format` (GW_HEALTH_AUTO: from the content
 * type, which may be NULL, and the document's shape), reporting each
 * component to fn(data, item) and the verdict into *out. `only` is a
 * NULL-terminated list of component ids, keys or names that count, or NULL
 * for all. Returns 0, or -1 with *err set.
 */
int gw_health_parse(enum gw_health_format format, const char *content_type, const char *body,
                    size_t len, const char *const *only, gw_feed_item_fn fn, void *data,
                    struct gw_health_verdict *out, struct gw_feed_error *err);

/* The status a word stands for in any of the formats. */
enum gw_item_status gw_health_status_of(const char *word);
/* "health+json", "spring", "statuspage", "auto". */
const char *gw_health_format_name(enum gw_health_format format);

#endif
