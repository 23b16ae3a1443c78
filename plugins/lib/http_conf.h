/*
 * The keys of an HTTP request that checks share, read from a target's
 * configuration the same way by every check that makes one (http, the feed
 * checks, throughput): the URL, request headers, secret headers from a file,
 * a bearer token, TLS verification and trust anchors, the address family.
 * Every problem is reported at its key; secrets never go into a message and
 * are wiped from memory when freed.
 */
#ifndef GW_HTTP_CONF_H
#define GW_HTTP_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include <gwyliwr/plugin.h>

#include "netaddr.h"

/* The keys gw_http_conf_headers, _bearer, _tls and _ip read, to put in a check type's keys. */
/* clang-format off */
#define GW_HTTP_CONF_KEYS                                                                          \
    {"headers", GW_CFG_MAP, 0, NULL, "request header name -> value"},                              \
    {"headers_file", GW_CFG_FILE, 0, NULL,                                                         \
     "file of secret request headers, one \"Name: value\" a line (API keys)"},                     \
    {"bearer_token_file", GW_CFG_FILE, 0, NULL, "file holding a bearer token"},                    \
    {"tls_verify", GW_CFG_BOOL, 0, NULL, "verify the server certificate (default true)"},         \
    {"ca_file", GW_CFG_FILE, GW_CFG_PUBLIC, NULL, "PEM trust anchors used instead of the system's"}, \
    GW_NETADDR_IP_KEY
/* clang-format on */

/* Request headers, "Name: value", NULL-terminated (v is NULL while empty). */
struct gw_http_headers {
    char **v;
    size_t n;
};

/* True when `name` can be a header's name (an RFC 9110 token). */
bool gw_http_header_name_ok(const char *name);
/* Adds a header (copied). 0; -EINVAL for a name or value no header can have; -ENOMEM. */
int gw_http_headers_add(struct gw_http_headers *h, const char *name, const char *value);
/* True when there is a header of this name (any case). */
bool gw_http_headers_has(const struct gw_http_headers *h, const char *name);
/* Wipes and frees every header; the list is empty again. */
void gw_http_headers_fini(struct gw_http_headers *h);

/*
 * Reads the target's required `url`: an http:// or https:// URL with a host,
 * without blanks, control characters or credentials (they go in
 * headers_file or bearer_token_file). On success *url_out is a copy of it
 * and *host_out its host without an IPv6 address's brackets (for the
 * per-host cap and messages), both the caller's to free. 0, or -EINVAL after
 * reporting (*url_out and *host_out then NULL), or -ENOMEM.
 */
int gw_http_conf_url(const struct gw_host *host, const struct gw_cfg *target, char **url_out,
                     char **host_out);

/*
 * Adds the target's `headers` (a mapping) and the lines of its
 * `headers_file` (secret: "Name: value" a line, # comments and blank lines
 * allowed). 0, or -EINVAL / -ENOMEM after reporting the problems.
 */
int gw_http_conf_headers(const struct gw_host *host, const struct gw_cfg *target,
                         struct gw_http_headers *out);

/*
 * Adds `Authorization: Bearer <token>` from the target's `bearer_token_file`
 * (when given), refusing a token with blanks and a second way to
 * authenticate (an Authorization header already there). 0, or -EINVAL /
 * -ENOMEM after reporting.
 */
int gw_http_conf_bearer(const struct gw_host *host, const struct gw_cfg *target,
                        struct gw_http_headers *out);

/*
 * Reads `tls_verify` (default true) and `ca_file` (PEM certificates; *ca_pem
 * NULL when absent, caller frees). 0, or -EINVAL after reporting.
 */
int gw_http_conf_tls(const struct gw_host *host, const struct gw_cfg *target, bool *verify,
                     char **ca_pem);

/*
 * Reads `ip` (gw_netaddr_configure_ip) into *ip as the HTTP client takes it: 4, 6 or 0 for
 * any. 0, or -EINVAL after reporting.
 */
int gw_http_conf_ip(const struct gw_host *host, const struct gw_cfg *target, int *ip);

#endif
