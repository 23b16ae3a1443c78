#include "web/route.h"

#include <stdio.h>
#include <string.h>

int gw_route_id_ok(const char *id, size_t len)
{
    if (len == 0 || len > GW_ROUTE_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* Copies the next segment of *p (up to '/' or the end) into out; 0 when it is no id. */
static int take_id(const char **p, char *out)
{
    const char *s = *p, *end = strchr(s, '/');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    if (!gw_route_id_ok(s, len))
        return 0;
    memcpy(out, s, len);
    out[len] = '\0';
    *p = s + len;
    return 1;
}

static enum gw_route_kind set(struct gw_route *r, enum gw_route_kind kind)
{
    r->kind = kind;
    return kind;
}

/* Any byte a well-formed path of ours never holds. */
static int suspicious(const char *path)
{
    for (const char *c = path; *c; c++)
        if (*c == '%' || *c == '\\' || (unsigned char)*c < 0x21 || (unsigned char)*c >= 0x7f)
            return 1;
    return strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../") ||
           (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0);
}

/* The rest of a report's path: what a month, a council id and an extension are made of. */
static enum gw_route_kind parse_report(const char *p, struct gw_route *r, enum gw_route_kind kind)
{
    if (*p == '/')
        p++;
    else if (*p)
        return set(r, GW_ROUTE_NOT_FOUND); /* "/reports-old" */
    size_t len = strlen(p);
    if (len > GW_ROUTE_REST_MAX)
        return set(r, GW_ROUTE_BAD);
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == '/'))
            return set(r, GW_ROUTE_BAD);
    }
    memcpy(r->rest, p, len + 1);
    return set(r, kind);
}

static enum gw_route_kind parse_graph(const char *p, struct gw_route *r)
{
    const char *dot = strrchr(p, '.');
    if (!dot || (strcmp(dot, ".png") != 0 && strcmp(dot, ".svg") != 0))
        return set(r, GW_ROUTE_NOT_FOUND);
    r->svg = strcmp(dot, ".svg") == 0;
    char subject[2 * GW_ROUTE_ID_MAX + 2];
    size_t len = (size_t)(dot - p);
    if (len >= sizeof(subject))
        return set(r, GW_ROUTE_BAD);
    memcpy(subject, p, len);
    subject[len] = '\0';
    const char *s = subject;
    if (!take_id(&s, r->council))
        return set(r, GW_ROUTE_BAD);
    if (*s == '/') {
        s++;
        if (!take_id(&s, r->target))
            return set(r, GW_ROUTE_BAD);
    }
    return set(r, *s ? GW_ROUTE_BAD : GW_ROUTE_GRAPH);
}

enum gw_route_kind gw_route_parse(const char *path, struct gw_route *r)
{
    memset(r, 0, sizeof(*r));
    r->lang = GW_LANG_EN;
    if (!path || path[0] != '/')
        return set(r, GW_ROUTE_BAD);
    if (suspicious(path))
        return set(r, GW_ROUTE_BAD);
    const char *p = path;
    if (strcmp(p, "/cy") == 0 || strncmp(p, "/cy/", 4) == 0) {
        r->lang = GW_LANG_CY;
        p += 3;
        if (!*p)
            p = "/";
    }
    if (strcmp(p, "/") == 0)
        return set(r, GW_ROUTE_OVERVIEW);
    if (strncmp(p, "/council/", 9) == 0) {
        p += 9;
        if (!take_id(&p, r->council))
            return set(r, GW_ROUTE_BAD);
        return set(r, *p ? GW_ROUTE_NOT_FOUND : GW_ROUTE_COUNCIL);
    }
    if (strncmp(p, "/target/", 8) == 0) {
        p += 8;
        if (!take_id(&p, r->council) || *p != '/')
            return set(r, GW_ROUTE_BAD);
        p++;
        if (!take_id(&p, r->target))
            return set(r, GW_ROUTE_BAD);
        return set(r, *p ? GW_ROUTE_NOT_FOUND : GW_ROUTE_TARGET);
    }
    if (strncmp(p, "/report", 7) == 0)
        return parse_report(p + 7, r, GW_ROUTE_REPORT);
    if (r->lang != GW_LANG_EN)
        return set(r, GW_ROUTE_NOT_FOUND); /* only pages have a Welsh address */
    if (strncmp(p, "/graph/", 7) == 0)
        return parse_graph(p + 7, r);
    if (strcmp(p, "/static/style.css") == 0)
        return set(r, GW_ROUTE_STYLE);
    if (strcmp(p, "/healthz") == 0)
        return set(r, GW_ROUTE_HEALTHZ);
    if (strcmp(p, "/metrics") == 0)
        return set(r, GW_ROUTE_METRICS);
    if (strcmp(p, "/api/v1/status") == 0)
        return set(r, GW_ROUTE_API_STATUS);
    if (strcmp(p, "/api/v1/events") == 0)
        return set(r, GW_ROUTE_API_EVENTS);
    if (strcmp(p, "/api/v1/openapi.json") == 0)
        return set(r, GW_ROUTE_API_OPENAPI);
    if (strncmp(p, "/api/v1/reports", 15) == 0)
        return parse_report(p + 15, r, GW_ROUTE_API_REPORT);
    if (strncmp(p, "/api/v1/councils/", 17) == 0) {
        p += 17;
        if (!take_id(&p, r->council))
            return set(r, GW_ROUTE_BAD);
        return set(r, *p ? GW_ROUTE_NOT_FOUND : GW_ROUTE_API_COUNCIL);
    }
    if (strncmp(p, "/api/v1/targets/", 16) == 0) {
        p += 16;
        if (!take_id(&p, r->council) || *p != '/')
            return set(r, GW_ROUTE_BAD);
        p++;
        if (!take_id(&p, r->target))
            return set(r, GW_ROUTE_BAD);
        return set(r, *p ? GW_ROUTE_NOT_FOUND : GW_ROUTE_API_TARGET);
    }
    return set(r, GW_ROUTE_NOT_FOUND);
}

void gw_route_page_path(const struct gw_route *route, enum gw_lang lang, char *buf, size_t size)
{
    const char *prefix = lang == GW_LANG_CY ? "/cy" : "";
    switch (route->kind) {
    case GW_ROUTE_COUNCIL:
        snprintf(buf, size, "%s/council/%s", prefix, route->council);
        break;
    case GW_ROUTE_TARGET:
        snprintf(buf, size, "%s/target/%s/%s", prefix, route->council, route->target);
        break;
    case GW_ROUTE_REPORT:
        snprintf(buf, size, "%s/report/%s", prefix, route->rest);
        break;
    default:
        snprintf(buf, size, "%s/", prefix);
        break;
    }
}
