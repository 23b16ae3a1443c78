#include "feed_link.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* True when the space-separated relation types of a rel value include "next". */
static bool rel_has_next(const char *v, size_t len)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && v[i] == ' ')
            i++;
        size_t start = i;
        while (i < len && v[i] != ' ')
            i++;
        if (i - start == 4 && strncasecmp(v + start, "next", 4) == 0)
            return true;
    }
    return false;
}

/*
 * Reads the parameters of one link from p (just after its '>') up to the
 * ',' that ends it or the end. Sets *next when rel says "next". Returns
 * where the link ends.
 */
static const char *link_params(const char *p, bool *next)
{
    for (;;) {
        p = skip_ows(p);
        if (*p != ';')
            break;
        p = skip_ows(p + 1);
        const char *name = p;
        while (*p && *p != '=' && *p != ';' && *p != ',' && *p != ' ')
            p++;
        size_t name_len = (size_t)(p - name);
        p = skip_ows(p);
        const char *value = p;
        size_t value_len = 0;
        if (*p == '=') {
            p = skip_ows(p + 1);
            if (*p == '"') {
                value = ++p;
                while (*p && *p != '"') {
                    if (*p == '\\' && p[1])
                        p++;
                    p++;
                }
                value_len = (size_t)(p - value);
                if (*p == '"')
                    p++;
            } else {
                value = p;
                while (*p && *p != ';' && *p != ',' && *p != ' ')
                    p++;
                value_len = (size_t)(p - value);
            }
        }
        if (name_len == 3 && strncasecmp(name, "rel", 3) == 0 && rel_has_next(value, value_len))
            *next = true;
    }
    /* Anything else up to the next link. */
    while (*p && *p != ',')
        p++;
    return p;
}

static int links_next(const char *v, char *out, size_t size)
{
    const char *p = v;
    while (*p) {
        p = skip_ows(p);
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p != '<') {
            while (*p && *p != ',')
                p++;
            continue;
        }
        const char *url = p + 1;
        const char *close = strchr(url, '>');
        if (!close)
            return -ENOENT;
        bool next = false;
        p = link_params(close + 1, &next);
        if (next) {
            size_t len = (size_t)(close - url);
            if (len + 1 > size)
                return -ENAMETOOLONG;
            memcpy(out, url, len);
            out[len] = '\0';
            return 0;
        }
    }
    return -ENOENT;
}

int gw_feed_link_next(const char *const *headers, size_t n_headers, char *out, size_t size)
{
    for (size_t i = 0; i < n_headers && headers && headers[i]; i++) {
        if (strncasecmp(headers[i], "Link:", 5) != 0)
            continue;
        int rc = links_next(headers[i] + 5, out, size);
        if (rc != -ENOENT)
            return rc;
    }
    return -ENOENT;
}

/* Length of the scheme of an absolute URL ("https"), or 0 when it has none. */
static size_t scheme_len(const char *url)
{
    if (!isalpha((unsigned char)url[0]))
        return 0;
    size_t i = 1;
    while (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.')
        i++;
    return url[i] == ':' ? i : 0;
}

/* Where the authority of an absolute "scheme://authority/..." URL ends; NULL when there is none. */
static const char *authority_end(const char *url, size_t slen)
{
    if (strncmp(url + slen, "://", 3) != 0)
        return NULL;
    return url + slen + 3 + strcspn(url + slen + 3, "/?#");
}

static int put(char *out, size_t size, const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen + blen + 1 > size)
        return -ENAMETOOLONG;
    memmove(out, a, alen);
    memcpy(out + alen, b, blen + 1);
    return 0;
}

int gw_feed_link_resolve(const char *base, const char *ref, char *out, size_t size)
{
    size_t slen = scheme_len(base);
    const char *auth_end = slen ? authority_end(base, slen) : NULL;
    if (!auth_end)
        return -EINVAL;
    if (scheme_len(ref))
        return put(out, size, "", 0, ref);
    if (ref[0] == '/' && ref[1] == '/')
        return put(out, size, base, slen + 1, ref);
    if (ref[0] == '/')
        return put(out, size, base, (size_t)(auth_end - base), ref);
    const char *query = auth_end + strcspn(auth_end, "?#");
    if (ref[0] == '?')
        return put(out, size, base, (size_t)(query - base), ref);
    /* A relative path replaces the last segment of the base's path. */
    const char *last = query;
    while (last > auth_end && last[-1] != '/')
        last--;
    if (last == auth_end) {
        if (size < (size_t)(auth_end - base) + 2 + strlen(ref))
            return -ENAMETOOLONG;
        size_t alen = (size_t)(auth_end - base);
        memmove(out, base, alen);
        out[alen] = '/';
        memcpy(out + alen + 1, ref, strlen(ref) + 1);
        return 0;
    }
    return put(out, size, base, (size_t)(last - base), ref);
}

/* The parts of an origin: scheme, host (without brackets or user info) and port. */
struct origin {
    char scheme[16];
    char host[256];
    long port;
};

static bool origin_of(const char *url, struct origin *o)
{
    size_t slen = scheme_len(url);
    const char *end = slen ? authority_end(url, slen) : NULL;
    if (!end || slen >= sizeof(o->scheme))
        return false;
    for (size_t i = 0; i < slen; i++)
        o->scheme[i] = (char)tolower((unsigned char)url[i]);
    o->scheme[slen] = '\0';
    const char *a = url + slen + 3;
    const char *at = memchr(a, '@', (size_t)(end - a));
    if (at)
        a = at + 1;
    const char *host_end;
    const char *port = NULL;
    if (*a == '[') {
        host_end = memchr(a, ']', (size_t)(end - a));
        if (!host_end)
            return false;
        host_end++;
        if (host_end < end && *host_end == ':')
            port = host_end + 1;
    } else {
        host_end = memchr(a, ':', (size_t)(end - a));
        if (host_end)
            port = host_end + 1;
        else
            host_end = end;
    }
    size_t hlen = (size_t)(host_end - a);
    if (hlen == 0 || hlen >= sizeof(o->host))
        return false;
    for (size_t i = 0; i < hlen; i++)
        o->host[i] = (char)tolower((unsigned char)a[i]);
    o->host[hlen] = '\0';
    if (port && port < end) {
        char *stop;
        o->port = strtol(port, &stop, 10);
        if (stop != end)
            return false;
    } else {
        o->port = strcmp(o->scheme, "https") == 0 ? 443 : strcmp(o->scheme, "http") == 0 ? 80 : -1;
    }
    return true;
}

bool gw_feed_link_same_origin(const char *a, const char *b)
{
    struct origin x, y;
    return origin_of(a, &x) && origin_of(b, &y) && strcmp(x.scheme, y.scheme) == 0 &&
           strcmp(x.host, y.host) == 0 && x.port == y.port;
}

void gw_feed_link_authority(const char *url, char *out, size_t size)
{
    size_t slen = url ? scheme_len(url) : 0;
    const char *end = slen ? authority_end(url, slen) : NULL;
    if (!end) {
        snprintf(out, size, "the URL");
        return;
    }
    const char *a = url + slen + 3;
    const char *at = memchr(a, '@', (size_t)(end - a));
    if (at)
        a = at + 1;
    snprintf(out, size, "%.*s", (int)(end - a), a);
}

int64_t gw_feed_retry_after_s(const char *value, int64_t now_s)
{
    while (*value == ' ' || *value == '\t')
        value++;
    if (isdigit((unsigned char)*value)) {
        char *end;
        long long s = strtoll(value, &end, 10);
        while (*end == ' ' || *end == '\t')
            end++;
        return *end || s < 0 ? -1 : (int64_t)s;
    }
    /* IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", read without the locale. */
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char day[4], mon[4];
    int mday, year, hh, mm, ss, used = 0;
    if (sscanf(value, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", day, &mday, mon, &year,
               &hh, &mm, &ss, &used) != 7 ||
        value[used] != '\0')
        return -1;
    const char *m = strstr(months, mon);
    if (!m || strlen(mon) != 3 || (m - months) % 3 != 0)
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = (int)((m - months) / 3);
    tm.tm_mday = mday;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    int64_t at = (int64_t)timegm(&tm);
    return at > now_s ? at - now_s : 0;
}
