#include "http_conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool token_char(char c)
{
    return isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~", c);
}

bool gw_http_header_name_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!token_char(*s))
            return false;
    return true;
}

static bool valid_value(const char *s)
{
    return !strpbrk(s, "\r\n");
}

int gw_http_headers_add(struct gw_http_headers *h, const char *name, const char *value)
{
    if (!gw_http_header_name_ok(name) || !valid_value(value))
        return -EINVAL;
    char **v = realloc(h->v, (h->n + 2) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    h->v = v;
    size_t len = strlen(name) + strlen(value) + 3;
    char *line = malloc(len);
    if (!line)
        return -ENOMEM;
    snprintf(line, len, "%s: %s", name, value);
    h->v[h->n++] = line;
    h->v[h->n] = NULL;
    return 0;
}

bool gw_http_headers_has(const struct gw_http_headers *h, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < h->n; i++)
        if (strncasecmp(h->v[i], name, n) == 0 && h->v[i][n] == ':')
            return true;
    return false;
}

void gw_http_headers_fini(struct gw_http_headers *h)
{
    /* Headers may carry tokens. */
    for (size_t i = 0; i < h->n; i++) {
        explicit_bzero(h->v[i], strlen(h->v[i]));
        free(h->v[i]);
    }
    free(h->v);
    h->v = NULL;
    h->n = 0;
}

/* Checks an http(s) URL and takes its host out; returns why it cannot be used, or NULL. */
static const char *url_check(const char *url, char **host_out)
{
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return "contains a space or a control character (expected them %-encoded)";
    size_t skip;
    if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else
        return "is not an http:// or https:// URL";
    const char *a = url + skip;
    size_t alen = strcspn(a, "/?#");
    if (memchr(a, '@', alen))
        return "holds credentials (expected them in headers_file or bearer_token_file)";
    const char *hend;
    if (*a == '[') {
        hend = memchr(a, ']', alen);
        if (!hend)
            return "has an IPv6 address without its closing ]";
        a++;
    } else {
        hend = memchr(a, ':', alen);
        if (!hend)
            hend = a + alen;
    }
    if (hend == a)
        return "has no host";
    *host_out = strndup(a, (size_t)(hend - a));
    return *host_out ? NULL : "cannot be copied (out of memory)";
}

int gw_http_conf_url(const struct gw_host *host, const struct gw_cfg *target, char **url_out,
                     char **host_out)
{
    *url_out = *host_out = NULL;
    const char *url = NULL;
    if (host->cfg_string(target, "url", &url) < 0 || !url)
        return -EINVAL;
    const char *why = url_check(url, host_out);
    if (why) {
        host->cfg_error(host->cfg_child(target, "url"), "url \"%s\" %s", url, why);
        return -EINVAL;
    }
    if (!(*url_out = strdup(url))) {
        free(*host_out);
        *host_out = NULL;
        return -ENOMEM;
    }
    return 0;
}

static void wipe_free(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
    free(s);
}

int gw_http_conf_headers(const struct gw_host *host, const struct gw_cfg *target,
                         struct gw_http_headers *out)
{
    int rc = 0;
    const struct gw_cfg *map = host->cfg_child(target, "headers");
    for (size_t i = 0; map && i < host->cfg_len(map); i++) {
        const char *name = host->cfg_key_at(map, i);
        const struct gw_cfg *vnode = host->cfg_at(map, i);
        const char *value = host->cfg_scalar(vnode);
        if (!name || !gw_http_header_name_ok(name)) {
            host->cfg_error(vnode,
                            "headers: bad header name \"%s\" (expected letters, digits "
                            "and -, like X-Api-Version)",
                            name ? name : "");
            rc = -EINVAL;
        } else if (!value) {
            host->cfg_error(vnode, "headers: %s needs a text value", name);
            rc = -EINVAL;
        } else if (!valid_value(value)) {
            host->cfg_error(vnode, "headers: the value of %s has a line break", name);
            rc = -EINVAL;
        } else if (gw_http_headers_add(out, name, value) < 0) {
            rc = -ENOMEM;
        }
    }

    char *text = NULL;
    if (host->cfg_secret(target, "headers_file", &text) < 0)
        return -EINVAL;
    const struct gw_cfg *node = host->cfg_child(target, "headers_file");
    unsigned lineno = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        line[strcspn(line, "\r")] = '\0';
        if (!*line || *line == '#')
            continue;
        char *colon = strchr(line, ':');
        if (colon)
            *colon = '\0';
        const char *value = colon ? colon + 1 + strspn(colon + 1, " \t") : "";
        /* The file is secret: its text never goes into a message. */
        if (!colon || !gw_http_header_name_ok(line)) {
            host->cfg_error(node, "headers_file: line %u is not a \"Name: value\" header", lineno);
            rc = -EINVAL;
        } else if (gw_http_headers_add(out, line, value) < 0) {
            rc = -ENOMEM;
        }
    }
    wipe_free(text);
    return rc;
}

int gw_http_conf_bearer(const struct gw_host *host, const struct gw_cfg *target,
                        struct gw_http_headers *out)
{
    char *token = NULL;
    if (host->cfg_secret(target, "bearer_token_file", &token) < 0)
        return -EINVAL;
    if (!token)
        return 0;
    const struct gw_cfg *node = host->cfg_child(target, "bearer_token_file");
    int rc = 0;
    if (!*token || strpbrk(token, " \t\r\n")) {
        host->cfg_error(node, "bearer_token_file: expected one token without spaces or line "
                              "breaks");
        rc = -EINVAL;
    } else if (gw_http_headers_has(out, "Authorization")) {
        host->cfg_error(node,
                        "an Authorization header is given too (expected one way to authenticate)");
        rc = -EINVAL;
    } else if ((rc = gw_http_headers_add(out, "Authorization", "Bearer ")) == 0) {
        /* The token is appended in place rather than formatted, to keep it
         * out of any intermediate buffer. */
        char *line = out->v[out->n - 1];
        size_t len = strlen(line) + strlen(token) + 1;
        char *full = realloc(line, len);
        if (!full) {
            rc = -ENOMEM;
        } else {
            strcat(full, token);
            out->v[out->n - 1] = full;
        }
    }
    wipe_free(token);
    return rc;
}

int gw_http_conf_tls(const struct gw_host *host, const struct gw_cfg *target, bool *verify,
                     char **ca_pem)
{
    int rc = 0;
    *verify = true;
    *ca_pem = NULL;
    if (host->cfg_bool(target, "tls_verify", verify) < 0)
        rc = -EINVAL;
    char *ca = NULL;
    if (host->cfg_secret(target, "ca_file", &ca) < 0) {
        rc = -EINVAL;
    } else if (ca && !strstr(ca, "-----BEGIN CERTIFICATE-----")) {
        host->cfg_error(host->cfg_child(target, "ca_file"),
                        "ca_file holds no PEM certificate (expected \"-----BEGIN "
                        "CERTIFICATE-----\" blocks)");
        free(ca);
        rc = -EINVAL;
    } else {
        *ca_pem = ca;
    }
    return rc;
}

int gw_http_conf_ip(const struct gw_host *host, const struct gw_cfg *target, int *ip)
{
    int family;
    int rc = gw_netaddr_configure_ip(host, target, &family);
    *ip = family == AF_INET ? 4 : family == AF_INET6 ? 6 : 0;
    return rc;
}
