/*
 * Feed documents generated from a behaviour's feed parameters: OCPI 2.2.1
 * locations (paged), an Open Charge Map style POI array, Meraki-style device
 * statuses, application/health+json and a Statuspage summary.json, in the
 * shapes of the public specifications. Generated rather than read from files
 * so that their counts and statuses can follow the schedule.
 *
 * Paged feeds (OCPI; Meraki with a page_size) link each page to the next,
 * or play a paging fault: the last page linking back to the first
 * (`paging: loop`), next links to another host (`paging: foreign`).
 *
 * Item statuses are handed out in feed order: the first items get the first
 * share's status, the next ones the second's, and the rest the default
 * (AVAILABLE, 50 Operational, online).
 */
#ifndef SIM_FEED_H
#define SIM_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "behav.h"

struct sim_feed_query {
    const char *url;            /* the request's absolute URL without query, for Link headers */
    int64_t offset;             /* OCPI paging; -1 when not given */
    int64_t limit;              /* -1 when not given */
    int64_t per_page;           /* Meraki paging (perPage); -1 when not given */
    const char *starting_after; /* Meraki paging (startingAfter: a serial); NULL when not given */
};

struct sim_feed_page {
    char *body; /* caller frees (sim_feed_page_clear) */
    size_t len;
    const char *content_type;
    int64_t total; /* OCPI: X-Total-Count; -1 otherwise */
    int64_t limit; /* OCPI: X-Limit */
    char *next;    /* the next page's URL, or NULL */
    char *first;   /* Meraki: the first page's URL (Link rel=first), or NULL */
};

/* Renders the document for `f` at wall-clock now into *out. */
void sim_feed_render(const struct sim_feed *f, const struct sim_feed_query *q,
                     struct sim_feed_page *out);
/* Frees what a render put into *page. */
void sim_feed_page_clear(struct sim_feed_page *page);

/* How many of `n` items a share covers (a ratio rounded to nearest, or its count, at most n). */
int64_t sim_feed_share_count(const struct sim_share *s, int64_t n);

#endif
