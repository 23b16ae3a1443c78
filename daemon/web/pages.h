/*
 * The pages of the status site, each drawn from one snapshot (and the
 * availability view) into p->b: the overview of Wales, a council, a target.
 */
#ifndef GW_PAGES_H
#define GW_PAGES_H

#include <jansson.h>

#include "web/page.h"

/* The all-Wales overview: councils, availability, open outages by category. */
void gw_page_overview(struct gw_page *p);
/* A council's page (`council` indexes the snapshot's configuration). */
void gw_page_council(struct gw_page *p, size_t council);
/* A target's page, with its recent `events` (a JSON array, oldest first; may be NULL). */
void gw_page_target(struct gw_page *p, size_t target, const json_t *events);

/* Shared by the pages: the table of open outages of targets [first, first + count). */
void gw_page_outages(struct gw_page *p, size_t first, size_t count, int heading_level);
/* "since 14:05 (for 3 h 12 min)" for a hard state that began at since_ms. */
void gw_page_since(struct gw_page *p, int64_t since_ms);

#endif
