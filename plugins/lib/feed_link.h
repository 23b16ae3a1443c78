/*
 * Following a paged feed: the next page's link from `Link` headers (RFC
 * 8288), a reference resolved against the page's URL, whether two URLs are
 * on the same host (a feed's next link to another host is refused: it
 * would send our credentials there), and the wait a `Retry-After` header
 * asks for. Pure.
 */
#ifndef GW_FEED_LINK_H
#define GW_FEED_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The target of the first link with relation "next" among the response's
 * headers ("Name: value" strings; every Link header is read, each may hold
 * several links: `<url>; rel="next", <url2>; rel="last"`), copied into out.
 * Returns 0; -ENOENT when there is none; -ENAMETOOLONG when it does not fit.
 */
int gw_feed_link_next(const char *const *headers, size_t n_headers, char *out, size_t size);

/*
 * `ref` resolved against the absolute URL `base` into out: an absolute URL
 * as it is; "//host/p", "/p", "?q" and "p" relative to base. Returns 0,
 * -EINVAL when base is not absolute, -ENAMETOOLONG when out is too small.
 */
int gw_feed_link_resolve(const char *base, const char *ref, char *out, size_t size);

/* True when both are absolute URLs with the same scheme, host (any case) and port. */
bool gw_feed_link_same_origin(const char *a, const char *b);

/*
 * "host[:port]" of an absolute URL into out, for messages ("the URL" when it
 * has none).
 */
void gw_feed_link_authority(const char *url, char *out, size_t size);

/*
 * The seconds a Retry-After value asks to wait: a number of seconds, or an
 * HTTP date (IMF-fixdate) compared with `now_s`. Returns -1 when it is
 * neither; 0 for a date in the past.
 */
int64_t gw_feed_retry_after_s(const char *value, int64_t now_s);

#endif
