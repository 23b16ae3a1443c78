#include "netaddr.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/*
 * Why `name` cannot be a DNS host name, or NULL when it can. Underscores are
 * let through: they are not valid in host names but occur in real zones, and
 * the resolver is the better judge.
 */
static const char *name_problem(const char *name)
{
    size_t len = strlen(name);
    if (len > 253)
        return "is longer than 253 characters";
    size_t label = 0;
    for (const char *p = name; *p; p++) {
        if (*p == '.') {
            if (label == 0)
                return "has an empty label";
            label = 0;
        } else if (!name_char(*p)) {
            return "has a character not allowed in a host name";
        } else if (++label > 63) {
            return "has a label longer than 63 characters";
        }
    }
    return NULL;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int gw_netaddr_parse_host(const char *text, const char *port_key, struct gw_netaddr *out, char *err,
                          size_t err_len)
{
    memset(out, 0, sizeof(*out));
    size_t len = strlen(text);
    if (len == 0) {
        snprintf(err, err_len, "empty host (expected a host name or an IP address)");
        return -EINVAL;
    }
    bool bracketed = len >= 2 && text[0] == '[' && text[len - 1] == ']';
    char *h = bracketed ? strndup(text + 1, len - 2) : strdup(text);
    if (!h)
        abort();
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    if (strchr(h, ':')) {
        if (uv_ip6_addr(h, 0, &sin6) == 0) {
            memcpy(&out->addr, &sin6, sizeof(sin6));
            out->numeric = true;
            out->host = h;
            return 0;
        }
        const char *colon = strrchr(h, ':');
        if (!bracketed && strchr(h, ':') == colon && all_digits(colon + 1))
            snprintf(err, err_len, "host \"%s\" includes a port (expected the host alone%s%s%s)",
                     text, port_key ? ", and the port under " : "", port_key ? port_key : "",
                     port_key ? ":" : "");
        else
            snprintf(err, err_len, "host \"%s\" is not a valid IPv6 address", text);
        free(h);
        return -EINVAL;
    }
    const char *problem = NULL;
    if (bracketed) {
        snprintf(err, err_len,
                 "host \"%s\": brackets hold an IPv6 address (expected [::1] or a name without "
                 "brackets)",
                 text);
    } else if (uv_ip4_addr(h, 0, &sin) == 0) {
        memcpy(&out->addr, &sin, sizeof(sin));
        out->numeric = true;
        out->host = h;
        return 0;
    } else if (strspn(h, "0123456789.") == len) {
        /* A dotted number the address parser refused is a mistyped address,
         * and the resolver would give it a meaning (inet_aton's "10.1"). */
        snprintf(err, err_len, "host \"%s\" is not a valid IPv4 address", text);
    } else if ((problem = name_problem(h)) != NULL) {
        snprintf(err, err_len,
                 "host \"%s\" %s (expected a host name like mail.example.org or an IP address)",
                 text, problem);
    } else {
        out->host = h;
        return 0;
    }
    free(h);
    return -EINVAL;
}

void gw_netaddr_set_port(struct sockaddr_storage *addr, int port)
{
    if (addr->ss_family == AF_INET)
        ((struct sockaddr_in *)addr)->sin_port = htons((uint16_t)port);
    else if (addr->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)addr)->sin6_port = htons((uint16_t)port);
}

void gw_netaddr_ip(const struct sockaddr_storage *addr, char *out, size_t len)
{
    snprintf(out, len, "?");
    if (addr->ss_family == AF_INET)
        uv_ip4_name((const struct sockaddr_in *)addr, out, len);
    else if (addr->ss_family == AF_INET6)
        uv_ip6_name((const struct sockaddr_in6 *)addr, out, len);
}

size_t gw_netaddr_len(const struct sockaddr_storage *addr)
{
    return addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}
