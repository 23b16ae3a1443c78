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

const char *gw_netaddr_name_problem(const char *name)
{
    size_t len = strlen(name);
    if (len > 1 && name[len - 1] == '.')
        len--;
    if (len == 0)
        return "is empty";
    if (len > 253)
        return "is longer than 253 characters";
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '.') {
            if (label == 0)
                return "has an empty label";
            label = 0;
        } else if (!name_char(name[i])) {
            return "has a character not allowed in a host name";
        } else if (++label > 63) {
            return "has a label longer than 63 characters";
        }
    }
    return label == 0 ? "has an empty label" : NULL;
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
    } else if ((problem = gw_netaddr_name_problem(h)) != NULL) {
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

int gw_netaddr_configure_ip(const struct gw_host *host, const struct gw_cfg *target, int *family)
{
    const char *ip = NULL;
    *family = AF_UNSPEC;
    if (host->cfg_string(target, "ip", &ip) < 0)
        return -EINVAL;
    if (!ip || strcmp(ip, "any") == 0)
        return 0;
    if (strcmp(ip, "4") == 0 || strcmp(ip, "6") == 0) {
        *family = ip[0] == '4' ? AF_INET : AF_INET6;
        return 0;
    }
    host->cfg_error(host->cfg_child(target, "ip"), "bad ip \"%s\" (expected 4, 6 or any)", ip);
    return -EINVAL;
}

int gw_netaddr_configure(const struct gw_host *host, const struct gw_cfg *target,
                         const char *port_key, struct gw_netaddr *out, int *family)
{
    memset(out, 0, sizeof(*out));
    const char *name = NULL;
    int rc = gw_netaddr_configure_ip(host, target, family);
    char err[320];
    if (host->cfg_string(target, "host", &name) < 0 || !name) {
        rc = -EINVAL;
    } else if (gw_netaddr_parse_host(name, port_key, out, err, sizeof(err)) < 0) {
        host->cfg_error(host->cfg_child(target, "host"), "%s", err);
        rc = -EINVAL;
    } else if (out->numeric && *family != AF_UNSPEC && *family != out->addr.ss_family) {
        host->cfg_error(host->cfg_child(target, "ip"),
                        "ip %c contradicts host %s, an IPv%c address (expected any, or no ip)",
                        *family == AF_INET ? '4' : '6', name,
                        out->addr.ss_family == AF_INET ? '4' : '6');
        rc = -EINVAL;
    }
    if (rc < 0) {
        free(out->host);
        memset(out, 0, sizeof(*out));
    }
    return rc;
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

enum gw_status gw_netaddr_lookup_failed(int status, const char *name, int family, char *message,
                                        size_t len)
{
    switch (status) {
    case 0:
        snprintf(message, len, "%s resolves to no IPv4 or IPv6 address", name);
        return GW_STATUS_DOWN;
    case UV_EAI_NODATA:
    case UV_EAI_ADDRFAMILY:
        if (family != AF_UNSPEC) {
            snprintf(message, len, "%s has no IPv%c address (%s)", name,
                     family == AF_INET ? '4' : '6', uv_strerror(status));
            return GW_STATUS_DOWN;
        }
        /* fall through */
    case UV_EAI_NONAME:
        snprintf(message, len, "%s does not resolve (%s)", name, uv_strerror(status));
        return GW_STATUS_DOWN;
    default: /* the resolution path failed (our resolver, a timeout, memory) */
        snprintf(message, len, "cannot resolve %s: %s", name, uv_strerror(status));
        return GW_STATUS_UNKNOWN;
    }
}
