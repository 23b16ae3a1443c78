/*
 * The web server's addresses: a request path (as the client sent it, not
 * percent-decoded) becomes a route, or is refused. Pure.
 *
 * Ids of councils and targets are what the configuration allows (lower-case
 * letters, digits, '-' and '_', at most GW_ROUTE_ID_MAX bytes), so a path
 * with anything else in an id -- "..", a percent sign (an encoded slash or
 * dot), an upper-case letter, an overlong id -- is malformed (400), and no
 * path can name a file: graphs are looked up by subject in the
 * configuration, never by path.
 */
#ifndef GW_ROUTE_H
#define GW_ROUTE_H

#include "i18n/i18n.h"

#define GW_ROUTE_ID_MAX   64
#define GW_ROUTE_REST_MAX 96

enum gw_route_kind {
    GW_ROUTE_NOT_FOUND,   /* 404 */
    GW_ROUTE_BAD,         /* 400: malformed */
    GW_ROUTE_OVERVIEW,    /* /            /cy/ */
    GW_ROUTE_COUNCIL,     /* /council/ID  /cy/council/ID */
    GW_ROUTE_TARGET,      /* /target/COUNCIL/TARGET, /cy/target/... */
    GW_ROUTE_REPORT,      /* /report/[MONTH[/COUNCIL][.EXT]], /cy/report/... */
    GW_ROUTE_GRAPH,       /* /graph/wales.png, /graph/COUNCIL.svg, /graph/COUNCIL/TARGET.png */
    GW_ROUTE_STYLE,       /* /static/style.css */
    GW_ROUTE_HEALTHZ,     /* /healthz */
    GW_ROUTE_METRICS,     /* /metrics */
    GW_ROUTE_API_STATUS,  /* /api/v1/status */
    GW_ROUTE_API_COUNCIL, /* /api/v1/councils/ID */
    GW_ROUTE_API_TARGET,  /* /api/v1/targets/COUNCIL/TARGET */
    GW_ROUTE_API_EVENTS,  /* /api/v1/events */
    GW_ROUTE_API_OPENAPI, /* /api/v1/openapi.json */
    GW_ROUTE_API_REPORT,  /* /api/v1/reports/[MONTH[/COUNCIL]] */
};

struct gw_route {
    enum gw_route_kind kind;
    enum gw_lang lang;                 /* pages: /cy/... is Welsh */
    char council[GW_ROUTE_ID_MAX + 1]; /* "wales" for the graph of Wales */
    char target[GW_ROUTE_ID_MAX + 1];  /* "" when none */
    int svg;                           /* graphs: 1 SVG, 0 PNG */
    /* Reports: the rest of the path after /report/ or /api/v1/reports/ ("" for the last
     * month), checked here only for its characters (report/report_web.h reads it). */
    char rest[GW_ROUTE_REST_MAX + 1];
};

/* Parses `path` (the part before any '?'). Always fills *out; returns out->kind. */
enum gw_route_kind gw_route_parse(const char *path, struct gw_route *out);

/* True when `id` is a well-formed council or target id. */
int gw_route_id_ok(const char *id, size_t len);

/*
 * The path of the same page in `lang` (the language switch and hreflang
 * links): "/council/cardiff" <-> "/cy/council/cardiff". Pages only; the
 * result is written to buf (size at least 2 * GW_ROUTE_ID_MAX + 32).
 */
void gw_route_page_path(const struct gw_route *route, enum gw_lang lang, char *buf, size_t size);

#endif
