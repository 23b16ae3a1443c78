/*
 * What a simulated listener or route does: one immutable, reference-counted
 * value. The scenario's base behaviour, each schedule phase and each control
 * override is one of these; a phase or override is parsed as a partial
 * behaviour (only the keys it gives) and merged onto the base.
 *
 * Immutability is what lets a request that started under one behaviour finish
 * under it while the schedule moves on: the request holds a reference.
 */
#ifndef SIM_BEHAV_H
#define SIM_BEHAV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"

/* What the behaviour applies to: the keys allowed differ. */
enum sim_behav_kind {
    SIM_BEHAV_TCP,
    SIM_BEHAV_HTTP,
    SIM_BEHAV_HTTPS,
};

enum sim_tcp_mode {
    SIM_TCP_OPEN,      /* accept; optional banner */
    SIM_TCP_SILENT,    /* accept, never send, keep the connection */
    SIM_TCP_RESET,     /* accept, then RST */
    SIM_TCP_CLOSED,    /* nothing listens: connection refused */
    SIM_TCP_BLACKHOLE, /* connect() hangs: SYNs are dropped */
};

enum sim_feed_type {
    SIM_FEED_NONE,
    SIM_FEED_OCPI,       /* OCPI 2.2.1 locations, paged */
    SIM_FEED_OCM,        /* Open Charge Map POI array */
    SIM_FEED_MERAKI,     /* Meraki-style device statuses */
    SIM_FEED_HEALTH,     /* application/health+json */
    SIM_FEED_STATUSPAGE, /* Statuspage summary.json */
};

/* Bits of sim_behav.set: which fields a (partial) behaviour gives. */
enum {
    SIM_B_MODE = 1u << 0,
    SIM_B_BANNER = 1u << 1,
    SIM_B_CLOSE_AFTER_BANNER = 1u << 2,
    SIM_B_STATUS = 1u << 3,
    SIM_B_BODY = 1u << 4,
    SIM_B_CONTENT_TYPE = 1u << 5,
    SIM_B_HEADERS = 1u << 6,
    SIM_B_DELAY = 1u << 7,
    SIM_B_TRICKLE = 1u << 8,
    SIM_B_SIZE = 1u << 9,
    SIM_B_REDIRECT = 1u << 10,
    SIM_B_RESET = 1u << 11,
    SIM_B_GARBAGE = 1u << 12,
    SIM_B_AUTH = 1u << 13,
    SIM_B_FEED = 1u << 14,
    SIM_B_GZIP = 1u << 15,
};

/* Bits of sim_feed.set. */
enum {
    SIM_F_TYPE = 1u << 0,
    SIM_F_ITEMS = 1u << 1,
    SIM_F_PER_ITEM = 1u << 2,
    SIM_F_PAGE_SIZE = 1u << 3,
    SIM_F_NAME = 1u << 4,
    SIM_F_HEALTH = 1u << 5,
    SIM_F_SHARES = 1u << 6,
    SIM_F_COMPONENTS = 1u << 7,
    SIM_F_PAGING = 1u << 8,
};

/* How a paged feed's next links behave: as they should, or a fault. */
enum sim_paging {
    SIM_PAGING_NORMAL,  /* a next link on every page but the last */
    SIM_PAGING_LOOP,    /* the last page links back to the first */
    SIM_PAGING_FOREIGN, /* next links lead to another host */
};

/* A name and a text value: an HTTP header, a Statuspage component. */
struct sim_pair {
    char *name;
    char *value;
};

/* How many items of a feed are in one status: a ratio, or an exact count. */
struct sim_share {
    char *status;
    bool is_ratio;
    double ratio;
    int64_t count;
};

struct sim_feed {
    enum sim_feed_type type;
    uint32_t set;      /* SIM_F_* */
    int64_t items;     /* OCPI locations, OCM sites, Meraki devices */
    int64_t per_item;  /* EVSEs per location, connections per site */
    int64_t page_size; /* OCPI: most locations per page; Meraki: devices (0: no paging) */
    enum sim_paging paging;
    char *name;   /* in generated names and ids */
    char *health; /* health: "pass", "warn" or "fail" */
    struct sim_share *shares;
    size_t n_shares;
    struct sim_pair *components; /* Statuspage: component name -> status */
    size_t n_components;
};

struct sim_behav {
    unsigned refs;
    uint32_t set; /* SIM_B_* */
    /* tcp */
    enum sim_tcp_mode mode;
    char *banner;
    size_t banner_len;
    bool close_after_banner;
    /* http */
    int status;
    char *body;
    size_t body_len;
    char *content_type;
    struct sim_pair *headers;
    size_t n_headers;
    uint64_t delay_ms;
    uint64_t trickle_bytes;
    uint64_t trickle_every_ms;
    uint64_t size;
    char *redirect;
    bool reset;
    char *garbage; /* NULL: off */
    size_t garbage_len;
    char *auth; /* the Authorization header a request must carry; NULL: none */
    bool gzip;  /* the body is sent gzip-compressed, whatever the request accepts */
    struct sim_feed feed;
};

/* What a parser needs besides the mapping. */
struct sim_behav_ctx {
    enum sim_behav_kind kind;
    const char *dir;              /* body_file paths are relative to it */
    const struct sim_behav *base; /* for partial behaviours: what they apply to; else NULL */
};

/*
 * Parses the behaviour keys of the mapping `map`. Keys named in `extra`
 * (NULL-terminated, may be NULL) are the caller's and are skipped; any other
 * unknown key is an error. Problems are reported at their node in the
 * document's diagnostics. Returns a new behaviour (caller unrefs) holding
 * only the keys given, or NULL when something was wrong.
 */
struct sim_behav *sim_behav_parse(const struct gw_cfg *map, const struct sim_behav_ctx *ctx,
                                  const char *const *extra);

/*
 * A new behaviour: `base` with the fields that `over` gives replaced;
 * mappings (headers, feed statuses, components) are merged key by key.
 * Both are borrowed. Caller unrefs.
 */
struct sim_behav *sim_behav_merge(const struct sim_behav *base, const struct sim_behav *over);

/* Takes a reference; returns b. */
struct sim_behav *sim_behav_ref(struct sim_behav *b);
/* Drops a reference, freeing at zero; NULL does nothing. */
void sim_behav_unref(struct sim_behav *b);

/*
 * Checks that every key of the mapping is in `a` or `b` (NULL-terminated;
 * either may be NULL) and given once, reporting unknown keys with a
 * suggestion. Returns true when all are.
 */
bool sim_behav_check_keys(const struct gw_cfg *map, const char *const *a, const char *const *b);

/* The HTTP status a route answers with (the given one, or what its kind implies). */
int sim_behav_http_status(const struct sim_behav *b);

/* A short description for logs and stats ("closed", "status 503, delay 200ms"). Caller frees. */
char *sim_behav_describe(const struct sim_behav *b, enum sim_behav_kind kind);

/* The name of a TCP mode ("blackhole"). */
const char *sim_behav_mode_name(enum sim_tcp_mode mode);

#endif
