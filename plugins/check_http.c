/*
 * The `http` check type: an HTTP(S) endpoint answers, and answers correctly.
 *
 * One run is one request through the daemon's shared HTTP client
 * (host->http_start); the client measures the phases and says why a request
 * got no response at all. This file turns a target's configuration into the
 * request, and the response into a verdict: the expected status, body text,
 * regular expression, JSON values and headers, the time taken and the
 * certificate's days left.
 *
 * Verdicts, first failing one wins, all failing ones are listed as details:
 *   no response                  down (unknown when the failure was ours)
 *   status not expected          down     http_status
 *   body expectation not met     down     body_mismatch / json_mismatch
 *   ... undecidable: body cut    down     body_too_large
 *   header expectation not met   down     assertion
 *   certificate expired          down     tls_expired
 *   slower than max_latency      degraded too_slow
 *   fewer than cert_min_days     degraded cert_expiring
 *
 * A body longer than max_body is read up to max_body only. That is not a
 * failure in itself (a page is not down for being large); it is one when an
 * expectation on the body could not be decided from the part kept
 * (body_too_large).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include <gwyliwr/plugin.h>

#include "fmt.h"
#include "http_conf.h"

#define HTTP_DEFAULT_REDIRECTS 5
#define HTTP_MAX_REDIRECTS     50
#define HTTP_DEFAULT_MAX_BODY  (1024u * 1024u)
#define HTTP_MAX_MAX_BODY      (1024u * 1024u * 1024u)
/* Characters of a body, value or pattern quoted in a message. */
#define HTTP_QUOTE 60

/* ---- configuration ------------------------------------------------------- */

struct status_range {
    int lo, hi;
};

struct json_expect {
    char *path;   /* as written: "status.indicator" */
    char **parts; /* its segments */
    size_t n_parts;
    char *value; /* expected scalar text; NULL: JSON null */
};

struct header_expect {
    char *name;
    char *contains;
};

struct http_conf {
    char *url;
    char *host; /* without the brackets of an IPv6 literal: for the per-host cap */
    bool https;
    char *method; /* upper case; NULL: GET */
    struct gw_http_headers headers;
    char *body;
    size_t body_len;
    char *username, *password;
    int follow;
    int ip;
    bool tls_verify;
    char *ca_pem;
    char *proxy;
    bool reuse;
    uint64_t max_body;

    struct status_range *status;
    size_t n_status;
    char *status_text; /* "2xx", "200, 301" */
    char *body_contains;
    bool has_regex;
    regex_t regex;
    char *regex_text;
    struct json_expect *json;
    size_t n_json;
    struct header_expect *hexp;
    size_t n_hexp;
    uint64_t max_latency_ms; /* 0: none */
    int64_t cert_min_days;   /* -1: none */
};

static const struct gw_cfg_key expect_keys[] = {
    {"status", GW_CFG_LIST, 0, NULL,
     "expected status codes: 200, \"2xx\", \"200-299\" (default 2xx; with follow_redirects: 0 "
     "also 3xx)"},
    {"body_contains", GW_CFG_STRING, 0, NULL, "text the body must contain"},
    {"body_regex", GW_CFG_STRING, 0, NULL, "POSIX extended regular expression the body must match"},
    {"json", GW_CFG_MAP, 0, NULL,
     "dotted path -> expected value in a JSON body, e.g. status.indicator: none, items.0.id: 7"},
    {"headers", GW_CFG_MAP, 0, NULL, "response header name -> text its value must contain"},
    {"max_latency", GW_CFG_DURATION, 0, NULL, "slower than this is degraded (too_slow)"},
    {"cert_min_days", GW_CFG_INT, 0, NULL,
     "fewer days of certificate validity left is degraded (cert_expiring)"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_cfg_key http_keys[] = {
    {"url", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "http:// or https:// URL to request"},
    {"method", GW_CFG_STRING, 0, NULL, "GET (default), HEAD, POST, PUT, ..."},
    {"headers", GW_CFG_MAP, 0, NULL, "request header name -> value"},
    {"headers_file", GW_CFG_FILE, 0, NULL,
     "file of secret request headers, one \"Name: value\" a line"},
    {"body", GW_CFG_STRING, 0, NULL, "request body"},
    {"basic_auth_file", GW_CFG_FILE, 0, NULL,
     "file holding user:password for basic authentication"},
    {"bearer_token_file", GW_CFG_FILE, 0, NULL, "file holding a bearer token"},
    {"follow_redirects", GW_CFG_INT, 0, NULL, "redirects followed, 0 to 50 (default 5; 0: none)"},
    GW_NETADDR_IP_KEY,
    {"tls_verify", GW_CFG_BOOL, 0, NULL, "verify the server certificate (default true)"},
    {"ca_file", GW_CFG_FILE, GW_CFG_PUBLIC, NULL, "PEM trust anchors used instead of the system's"},
    {"proxy", GW_CFG_STRING, 0, NULL, "proxy URL, e.g. http://proxy.example:3128"},
    {"reuse_connections", GW_CFG_BOOL, 0, NULL,
     "reuse connections between checks (default false: connect and TLS are measured every time)"},
    {"max_body", GW_CFG_SIZE, 0, NULL, "bytes of body read at most (default 1MiB)"},
    {"expect", GW_CFG_MAP, 0, expect_keys, "what a good response looks like"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_figure_decl https_figures[] = {
    {"dns", "s", 0, NAN},         {"connect", "s", 0, NAN}, {"tls", "s", 0, NAN},
    {"ttfb", "s", 0, NAN},        {"size", "B", 0, NAN},    {"cert_days", "days", NAN, NAN},
    {"http_version", "", 0, NAN},
};

/* Plain HTTP has no handshake nor certificate to record. */
static const struct gw_figure_decl http_figures[] = {
    {"dns", "s", 0, NAN},  {"connect", "s", 0, NAN},     {"ttfb", "s", 0, NAN},
    {"size", "B", 0, NAN}, {"http_version", "", 0, NAN},
};

/* Frees a NULL-terminated array of strings. */
static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void http_conf_free(void *p)
{
    struct http_conf *conf = p;
    if (!conf)
        return;
    free(conf->url);
    free(conf->host);
    free(conf->method);
    gw_http_headers_fini(&conf->headers);
    free(conf->body);
    free(conf->username);
    if (conf->password)
        explicit_bzero(conf->password, strlen(conf->password));
    free(conf->password);
    free(conf->ca_pem);
    free(conf->proxy);
    free(conf->status);
    free(conf->status_text);
    free(conf->body_contains);
    if (conf->has_regex)
        regfree(&conf->regex);
    free(conf->regex_text);
    for (size_t i = 0; i < conf->n_json; i++) {
        free(conf->json[i].path);
        strv_free(conf->json[i].parts);
        free(conf->json[i].value);
    }
    free(conf->json);
    for (size_t i = 0; i < conf->n_hexp; i++) {
        free(conf->hexp[i].name);
        free(conf->hexp[i].contains);
    }
    free(conf->hexp);
    free(conf);
}

/* Allocation failures in configure() are reported like any problem. */
static void *oom_check(const struct gw_host *host, const struct gw_cfg *node, void *p)
{
    if (!p)
        host->cfg_error(node, "out of memory");
    return p;
}

/* ---- URLs ---------------------------------------------------------------- */

/* The parts of an http(s) URL that matter here; pointers into the URL. */
struct url_parts {
    const char *scheme_end; /* the ':' of "://" */
    const char *host;       /* with brackets for IPv6 */
    size_t host_len;
    const char *port; /* NULL when absent */
    size_t port_len;
    bool https;
};

/*
 * Splits `url`. Returns NULL, or why it is not an http(s) URL this check can
 * request (a phrase for "url ...").
 */
static const char *url_split(const char *url, struct url_parts *u)
{
    memset(u, 0, sizeof(*u));
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return "contains a space or a control character (expected them %-encoded)";
    const char *sep = strstr(url, "://");
    if (!sep)
        return "has no scheme (expected http:// or https://)";
    size_t slen = (size_t)(sep - url);
    if (slen == 4 && strncasecmp(url, "http", 4) == 0)
        u->https = false;
    else if (slen == 5 && strncasecmp(url, "https", 5) == 0)
        u->https = true;
    else
        return "has a scheme other than http:// or https://";
    u->scheme_end = sep;
    const char *auth = sep + 3;
    size_t alen = strcspn(auth, "/?#");
    if (memchr(auth, '@', alen))
        return "holds credentials (expected them in basic_auth_file)";
    if (alen == 0)
        return "has no host";
    const char *end = auth + alen;
    const char *hend;
    if (*auth == '[') {
        const char *close = memchr(auth, ']', alen);
        if (!close)
            return "has an IPv6 address without its closing ]";
        hend = close + 1;
    } else {
        hend = memchr(auth, ':', alen);
        if (!hend)
            hend = end;
    }
    u->host = auth;
    u->host_len = (size_t)(hend - auth);
    if (u->host_len == 0 || (*auth == '[' && u->host_len <= 2))
        return "has no host";
    if (hend < end) {
        if (*hend != ':')
            return "has text after the IPv6 address (expected :port)";
        u->port = hend + 1;
        u->port_len = (size_t)(end - u->port);
        if (u->port_len == 0 || u->port_len > 5 || strspn(u->port, "0123456789") < u->port_len)
            return "has a bad port (expected 1 to 65535)";
        long port = strtol(u->port, NULL, 10);
        if (port < 1 || port > 65535)
            return "has a bad port (expected 1 to 65535)";
    }
    return NULL;
}

/* "host[:port]" of a URL for messages, or the URL itself when it is odd. */
static void url_authority(const char *url, char *out, size_t len)
{
    struct url_parts u;
    if (!url || url_split(url, &u)) {
        snprintf(out, len, "%s", url ? url : "the server");
        return;
    }
    size_t n = u.host_len + (u.port ? u.port_len + 1 : 0);
    snprintf(out, len, "%.*s", (int)n, u.host);
}

/* ---- configure ------------------------------------------------------------ */

/* basic_auth_file, or a bearer token (http_conf.h): one way to authenticate. */
static int configure_auth(const struct gw_host *host, const struct gw_cfg *target,
                          struct http_conf *conf)
{
    const struct gw_cfg *bnode = host->cfg_child(target, "basic_auth_file");
    if (bnode && host->cfg_child(target, "bearer_token_file")) {
        host->cfg_error(host->cfg_child(target, "bearer_token_file"),
                        "bearer_token_file and basic_auth_file are both given (expected "
                        "one of them)");
        return -EINVAL;
    }
    if (!bnode)
        return gw_http_conf_bearer(host, target, &conf->headers);
    char *basic = NULL;
    if (host->cfg_secret(target, "basic_auth_file", &basic) < 0)
        return -EINVAL;
    int rc = 0;
    char *colon = strchr(basic, ':');
    if (gw_http_headers_has(&conf->headers, "Authorization")) {
        host->cfg_error(bnode,
                        "an Authorization header is given too (expected one way to authenticate)");
        rc = -EINVAL;
    } else if (!colon || colon == basic || strchr(basic, '\n')) {
        host->cfg_error(bnode, "basic_auth_file: expected one line \"user:password\"");
        rc = -EINVAL;
    } else {
        *colon = '\0';
        conf->username = strdup(basic);
        conf->password = strdup(colon + 1);
        if (!oom_check(host, bnode, conf->username) || !oom_check(host, bnode, conf->password))
            rc = -ENOMEM;
    }
    explicit_bzero(basic, strlen(basic));
    free(basic);
    return rc;
}

/* Parses "200", "2xx", "200-299" into a range; false when it is none. */
static bool parse_status(const char *s, struct status_range *r)
{
    size_t len = strlen(s);
    if (len == 3 && s[0] >= '1' && s[0] <= '5' && (s[1] == 'x' || s[1] == 'X') &&
        (s[2] == 'x' || s[2] == 'X')) {
        r->lo = (s[0] - '0') * 100;
        r->hi = r->lo + 99;
        return true;
    }
    char *end;
    long lo = strtol(s, &end, 10);
    long hi = lo;
    if (end == s)
        return false;
    if (*end == '-') {
        const char *p = end + 1;
        hi = strtol(p, &end, 10);
        if (end == p)
            return false;
    }
    if (*end || lo < 100 || hi > 599 || lo > hi)
        return false;
    r->lo = (int)lo;
    r->hi = (int)hi;
    return true;
}

static int configure_status(const struct gw_host *host, const struct gw_cfg *expect,
                            struct http_conf *conf)
{
    const struct gw_cfg *list = expect ? host->cfg_child(expect, "status") : NULL;
    size_t n = list ? host->cfg_len(list) : 0;
    if (n == 0) {
        /* Without following, a redirect is the answer the page gives. */
        const char *def = conf->follow == 0 ? "2xx, 3xx" : "2xx";
        conf->status = calloc(2, sizeof(*conf->status));
        conf->status_text = strdup(def);
        if (!oom_check(host, expect, conf->status) || !oom_check(host, expect, conf->status_text))
            return -ENOMEM;
        conf->status[0] = (struct status_range){200, 299};
        conf->status[1] = (struct status_range){300, 399};
        conf->n_status = conf->follow == 0 ? 2 : 1;
        return 0;
    }
    conf->status = calloc(n, sizeof(*conf->status));
    conf->status_text = calloc(1, n * 12 + 1);
    if (!oom_check(host, list, conf->status) || !oom_check(host, list, conf->status_text))
        return -ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const struct gw_cfg *item = host->cfg_at(list, i);
        const char *text = host->cfg_scalar(item);
        if (!text || !parse_status(text, &conf->status[i])) {
            host->cfg_error(item,
                            "expect.status: bad status \"%s\" (expected a code like 200, a class "
                            "like 2xx or a range like 200-299, within 100 to 599)",
                            text ? text : "");
            rc = -EINVAL;
            continue;
        }
        if (i)
            strcat(conf->status_text, ", ");
        strncat(conf->status_text, text, 9);
    }
    conf->n_status = n;
    return rc;
}

static int configure_json(const struct gw_host *host, const struct gw_cfg *map,
                          struct http_conf *conf)
{
    size_t n = host->cfg_len(map);
    if (n == 0)
        return 0;
    conf->json = calloc(n, sizeof(*conf->json));
    if (!oom_check(host, map, conf->json))
        return -ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *path = host->cfg_key_at(map, i);
        const struct gw_cfg *vnode = host->cfg_at(map, i);
        struct json_expect *j = &conf->json[conf->n_json];
        if (!path || !*path || path[0] == '.' || path[strlen(path) - 1] == '.' ||
            strstr(path, "..")) {
            host->cfg_error(vnode,
                            "expect.json: bad path \"%s\" (expected names and list indexes "
                            "joined by dots, like data.items.0.status)",
                            path ? path : "");
            rc = -EINVAL;
            continue;
        }
        const char *value = host->cfg_scalar(vnode);
        bool is_null = !value && host->cfg_len(vnode) == 0;
        if (!value && !is_null) {
            host->cfg_error(vnode,
                            "expect.json: %s: expected a single value (text, number, "
                            "true, false or null), not a list or mapping",
                            path);
            rc = -EINVAL;
            continue;
        }
        j->path = strdup(path);
        j->value = value ? strdup(value) : NULL;
        size_t parts = 1;
        for (const char *p = path; *p; p++)
            parts += *p == '.';
        j->parts = calloc(parts + 1, sizeof(*j->parts));
        conf->n_json++;
        if (!oom_check(host, vnode, j->path) || (value && !oom_check(host, vnode, j->value)) ||
            !oom_check(host, vnode, j->parts))
            return -ENOMEM;
        const char *p = path;
        for (size_t k = 0; k < parts; k++) {
            size_t len = strcspn(p, ".");
            j->parts[k] = strndup(p, len);
            if (!oom_check(host, vnode, j->parts[k]))
                return -ENOMEM;
            p += len + 1;
        }
        j->n_parts = parts;
    }
    return rc;
}

static int configure_expect_headers(const struct gw_host *host, const struct gw_cfg *map,
                                    struct http_conf *conf)
{
    size_t n = host->cfg_len(map);
    if (n == 0)
        return 0;
    conf->hexp = calloc(n, sizeof(*conf->hexp));
    if (!oom_check(host, map, conf->hexp))
        return -ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = host->cfg_key_at(map, i);
        const struct gw_cfg *vnode = host->cfg_at(map, i);
        const char *value = host->cfg_scalar(vnode);
        if (!name || !gw_http_header_name_ok(name)) {
            host->cfg_error(vnode, "expect.headers: bad header name \"%s\"", name ? name : "");
            rc = -EINVAL;
            continue;
        }
        if (!value) {
            host->cfg_error(vnode,
                            "expect.headers: %s needs the text its value must contain (\"\" "
                            "for any value)",
                            name);
            rc = -EINVAL;
            continue;
        }
        struct header_expect *h = &conf->hexp[conf->n_hexp++];
        h->name = strdup(name);
        h->contains = strdup(value);
        if (!oom_check(host, vnode, h->name) || !oom_check(host, vnode, h->contains))
            return -ENOMEM;
    }
    return rc;
}

static int configure_expect(const struct gw_host *host, const struct gw_cfg *target,
                            struct http_conf *conf)
{
    const struct gw_cfg *expect = host->cfg_child(target, "expect");
    int rc = configure_status(host, expect, conf);
    if (!expect)
        return rc;

    const char *contains = NULL, *regex = NULL;
    if (host->cfg_string(expect, "body_contains", &contains) < 0) {
        rc = -EINVAL;
    } else if (contains && !*contains) {
        host->cfg_error(host->cfg_child(expect, "body_contains"),
                        "expect.body_contains is empty (remove it, or give the text)");
        rc = -EINVAL;
    } else if (contains && !oom_check(host, expect, conf->body_contains = strdup(contains))) {
        rc = -ENOMEM;
    }

    if (host->cfg_string(expect, "body_regex", &regex) < 0) {
        rc = -EINVAL;
    } else if (regex) {
        int err = regcomp(&conf->regex, regex, REG_EXTENDED | REG_NOSUB);
        if (err) {
            char why[160];
            regerror(err, &conf->regex, why, sizeof(why));
            host->cfg_error(host->cfg_child(expect, "body_regex"),
                            "expect.body_regex: %s (expected a POSIX extended regular "
                            "expression)",
                            why);
            rc = -EINVAL;
        } else {
            conf->has_regex = true;
            if (!oom_check(host, expect, conf->regex_text = strdup(regex)))
                rc = -ENOMEM;
        }
    }

    const struct gw_cfg *json = host->cfg_child(expect, "json");
    if (json && configure_json(host, json, conf) < 0)
        rc = -EINVAL;
    const struct gw_cfg *headers = host->cfg_child(expect, "headers");
    if (headers && configure_expect_headers(host, headers, conf) < 0)
        rc = -EINVAL;

    if (host->cfg_duration_ms(expect, "max_latency", &conf->max_latency_ms) < 0) {
        rc = -EINVAL;
    } else if (host->cfg_child(expect, "max_latency") && conf->max_latency_ms == 0) {
        host->cfg_error(host->cfg_child(expect, "max_latency"),
                        "expect.max_latency must be more than 0");
        rc = -EINVAL;
    }
    if (host->cfg_int(expect, "cert_min_days", 0, 3650, &conf->cert_min_days) < 0)
        rc = -EINVAL;
    return rc;
}

static int configure_request(const struct gw_host *host, const struct gw_cfg *target,
                             struct http_conf *conf)
{
    int rc = 0;
    const char *url = NULL;
    if (host->cfg_string(target, "url", &url) < 0 || !url)
        return -EINVAL;
    const struct gw_cfg *unode = host->cfg_child(target, "url");
    struct url_parts u;
    const char *why = url_split(url, &u);
    if (why) {
        host->cfg_error(unode, "url \"%s\" %s", url, why);
        rc = -EINVAL;
    } else {
        conf->url = strdup(url);
        conf->https = u.https;
        bool v6 = u.host[0] == '[';
        conf->host = strndup(u.host + v6, u.host_len - 2 * v6);
        if (!oom_check(host, unode, conf->url) || !oom_check(host, unode, conf->host))
            return -ENOMEM;
    }

    const char *method = NULL;
    if (host->cfg_string(target, "method", &method) < 0) {
        rc = -EINVAL;
    } else if (method) {
        bool ok = *method && strlen(method) <= 20;
        for (const char *p = method; ok && *p; p++)
            ok = isalpha((unsigned char)*p);
        if (!ok) {
            host->cfg_error(host->cfg_child(target, "method"),
                            "bad method \"%s\" (expected a word like GET, HEAD or POST)", method);
            rc = -EINVAL;
        } else if (!oom_check(host, target, conf->method = strdup(method))) {
            return -ENOMEM;
        } else {
            for (char *p = conf->method; *p; p++)
                *p = (char)toupper((unsigned char)*p);
        }
    }

    if (gw_http_conf_headers(host, target, &conf->headers) < 0)
        rc = -EINVAL;
    if (configure_auth(host, target, conf) < 0)
        rc = -EINVAL;

    const char *body = NULL;
    if (host->cfg_string(target, "body", &body) < 0) {
        rc = -EINVAL;
    } else if (body) {
        conf->body = strdup(body);
        conf->body_len = strlen(body);
        if (!oom_check(host, target, conf->body))
            return -ENOMEM;
    }

    int64_t follow = HTTP_DEFAULT_REDIRECTS;
    if (host->cfg_int(target, "follow_redirects", 0, HTTP_MAX_REDIRECTS, &follow) < 0)
        rc = -EINVAL;
    conf->follow = (int)follow;

    if (gw_http_conf_ip(host, target, &conf->ip) < 0 ||
        gw_http_conf_tls(host, target, &conf->tls_verify, &conf->ca_pem) < 0)
        rc = -EINVAL;

    const char *proxy = NULL;
    if (host->cfg_string(target, "proxy", &proxy) < 0) {
        rc = -EINVAL;
    } else if (proxy && (!*proxy || strpbrk(proxy, " \t\r\n"))) {
        host->cfg_error(host->cfg_child(target, "proxy"),
                        "bad proxy \"%s\" (expected a URL like http://proxy.example:3128)", proxy);
        rc = -EINVAL;
    } else if (proxy && !oom_check(host, target, conf->proxy = strdup(proxy))) {
        return -ENOMEM;
    }

    if (host->cfg_bool(target, "reuse_connections", &conf->reuse) < 0)
        rc = -EINVAL;
    conf->max_body = HTTP_DEFAULT_MAX_BODY;
    if (host->cfg_size(target, "max_body", &conf->max_body) < 0) {
        rc = -EINVAL;
    } else if (conf->max_body < 1 || conf->max_body > HTTP_MAX_MAX_BODY) {
        host->cfg_error(host->cfg_child(target, "max_body"),
                        "max_body %llu is out of range (expected 1 byte to 1GiB)",
                        (unsigned long long)conf->max_body);
        rc = -EINVAL;
    }
    return rc;
}

static int http_configure(const struct gw_host *host, const struct gw_cfg *target, void **conf_out)
{
    struct http_conf *conf = calloc(1, sizeof(*conf));
    if (!oom_check(host, target, conf))
        return -ENOMEM;
    conf->cert_min_days = -1;
    int rc = configure_request(host, target, conf);
    /* After the request: the default status depends on follow_redirects. */
    if (configure_expect(host, target, conf) < 0)
        rc = -EINVAL;
    if (rc < 0) {
        http_conf_free(conf);
        return -EINVAL;
    }
    *conf_out = conf;
    return 0;
}

static const char *http_conf_host(const void *p)
{
    const struct http_conf *conf = p;
    return conf->host;
}

static size_t http_conf_figures(const void *p, const struct gw_figure_decl **out)
{
    const struct http_conf *conf = p;
    if (conf->https) {
        *out = https_figures;
        return sizeof(https_figures) / sizeof(https_figures[0]);
    }
    *out = http_figures;
    return sizeof(http_figures) / sizeof(http_figures[0]);
}

static bool needs_body(const struct http_conf *conf)
{
    return conf->body_contains || conf->has_regex || conf->n_json;
}

/* ---- judging a response --------------------------------------------------- */

static void format_bytes(uint64_t n, char *out, size_t len)
{
    if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
        snprintf(out, len, "%lluMiB", (unsigned long long)(n / (1024 * 1024)));
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(out, len, "%lluKiB", (unsigned long long)(n / 1024));
    else
        snprintf(out, len, "%llu bytes", (unsigned long long)n);
}

/* Quotes the start of `data` in printable ASCII, marking a cut with "...". */
static void quote(const char *data, size_t len, char *out, size_t out_len)
{
    size_t n = 0, i;
    for (i = 0; i < len && i < HTTP_QUOTE && n + 5 < out_len; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\r' || c == '\n' || c == '\t' || c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = c == '\r' ? 'r' : c == '\n' ? 'n' : c == '\t' ? 't' : (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            out[n++] = (char)c;
        } else {
            n += (size_t)snprintf(out + n, out_len - n, "\\x%02x", c);
        }
    }
    out[n] = '\0';
    if (i < len && n + 4 <= out_len)
        memcpy(out + n, "...", 4);
}

#define QUOTE_SIZE (HTTP_QUOTE * 4 + 8)

/* One run, and the verdict being built for it. */
struct http_run {
    const struct gw_host *host;
    const struct http_conf *conf;
    struct gw_check *check;
    struct gw_http_call *call;

    enum gw_status status;
    const char *reason;
    char message[400];
    char where[300]; /* "host[:port]" of the last request */
    char took[32];   /* its total time */
};

/* Records a failed expectation; the first of the worst status is the verdict. */
static void fail(struct http_run *run, enum gw_status status, const char *reason, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));
static void fail(struct http_run *run, enum gw_status status, const char *reason, const char *fmt,
                 ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    run->host->check_detail(run->check, "expectation", "%s", text);
    if (run->reason && run->status >= status)
        return;
    run->status = status;
    run->reason = reason;
    snprintf(run->message, sizeof(run->message), "%s", text);
}

static bool status_expected(const struct http_conf *conf, long status)
{
    for (size_t i = 0; i < conf->n_status; i++)
        if (status >= conf->status[i].lo && status <= conf->status[i].hi)
            return true;
    return false;
}

/* The value at a dotted path, or NULL; *missing_at names the first segment not found. */
static json_t *json_at(json_t *root, const struct json_expect *j, size_t *missing_at)
{
    json_t *v = root;
    for (size_t i = 0; i < j->n_parts; i++) {
        const char *seg = j->parts[i];
        json_t *next = NULL;
        if (json_is_object(v)) {
            next = json_object_get(v, seg);
        } else if (json_is_array(v) && *seg && strspn(seg, "0123456789") == strlen(seg)) {
            next = json_array_get(v, strtoul(seg, NULL, 10));
        }
        if (!next) {
            *missing_at = i;
            return NULL;
        }
        v = next;
    }
    return v;
}

/* Whether a JSON value equals the expected YAML scalar, compared as the JSON value's type. */
static bool json_matches(json_t *v, const char *want)
{
    if (!want)
        return json_is_null(v);
    switch (json_typeof(v)) {
    case JSON_STRING:
        return strcmp(json_string_value(v), want) == 0;
    case JSON_INTEGER:
    case JSON_REAL: {
        char *end;
        double w = strtod(want, &end);
        if (end == want || *end)
            return false;
        double got = json_number_value(v);
        return got == w || fabs(got - w) <= 1e-9 * fmax(fabs(got), fabs(w));
    }
    case JSON_TRUE:
        return strcasecmp(want, "true") == 0;
    case JSON_FALSE:
        return strcasecmp(want, "false") == 0;
    default:
        return false;
    }
}

/* A JSON value for a message: "text", 3, true, null, an object, a list. */
static void json_text(json_t *v, char *out, size_t len)
{
    char q[QUOTE_SIZE];
    if (json_is_string(v) && len > 2) {
        out[0] = '"';
        quote(json_string_value(v), json_string_length(v), out + 1, len - 2);
        strcat(out, "\"");
        return;
    }
    if (json_is_object(v) || json_is_array(v)) {
        snprintf(out, len, "%s", json_is_object(v) ? "an object" : "a list");
        return;
    }
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text) {
        snprintf(out, len, "?");
        return;
    }
    quote(text, strlen(text), q, sizeof(q));
    snprintf(out, len, "%s", q);
    free(text);
}

static void judge_json(struct http_run *run, const struct gw_http_response *r)
{
    const struct http_conf *conf = run->conf;
    json_error_t err;
    json_t *root = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, &err);
    if (!root) {
        if (r->body_truncated)
            fail(run, GW_STATUS_DOWN, GW_REASON_BODY_TOO_LARGE,
                 "the body from %s is larger than max_body and was cut there, so expect.json "
                 "could not be checked",
                 run->where);
        else
            fail(run, GW_STATUS_DOWN, GW_REASON_JSON_MISMATCH,
                 "the body from %s is not JSON (line %d, column %d: %s)", run->where, err.line,
                 err.column, err.text);
        return;
    }
    for (size_t i = 0; i < conf->n_json; i++) {
        const struct json_expect *j = &conf->json[i];
        size_t missing = 0;
        json_t *v = json_at(root, j, &missing);
        char want[QUOTE_SIZE + 2];
        if (j->value)
            quote(j->value, strlen(j->value), want, sizeof(want));
        if (!v) {
            fail(run, GW_STATUS_DOWN, GW_REASON_JSON_MISMATCH,
                 "json %s: %s has no \"%s\" in the body from %s", j->path,
                 missing ? "its parent" : "the document", j->parts[missing], run->where);
        } else if (!json_matches(v, j->value)) {
            char got[QUOTE_SIZE];
            json_text(v, got, sizeof(got));
            fail(run, GW_STATUS_DOWN, GW_REASON_JSON_MISMATCH,
                 "json %s is %s in the body from %s (expected %s%s%s)", j->path, got, run->where,
                 j->value ? "\"" : "", j->value ? want : "null", j->value ? "\"" : "");
        }
    }
    json_decref(root);
}

static void judge_body(struct http_run *run, const struct gw_http_response *r)
{
    const struct http_conf *conf = run->conf;
    const char *body = r->body ? r->body : "";
    size_t len = r->body ? r->body_len : 0;
    char max[32];
    format_bytes(conf->max_body, max, sizeof(max));
    if (conf->body_contains &&
        !memmem(body, len, conf->body_contains, strlen(conf->body_contains))) {
        char want[QUOTE_SIZE], got[QUOTE_SIZE];
        quote(conf->body_contains, strlen(conf->body_contains), want, sizeof(want));
        quote(body, len, got, sizeof(got));
        if (r->body_truncated)
            fail(run, GW_STATUS_DOWN, GW_REASON_BODY_TOO_LARGE,
                 "no \"%s\" in the first %s of the body from %s, cut there by max_body", want, max,
                 run->where);
        else
            fail(run, GW_STATUS_DOWN, GW_REASON_BODY_MISMATCH,
                 "the body from %s does not contain \"%s\" (it begins \"%s\")", run->where, want,
                 got);
    }
    /* regexec stops at a NUL byte: a binary body is matched up to its first. */
    if (conf->has_regex && regexec(&conf->regex, body, 0, NULL, 0) != 0) {
        char want[QUOTE_SIZE];
        quote(conf->regex_text, strlen(conf->regex_text), want, sizeof(want));
        if (r->body_truncated)
            fail(run, GW_STATUS_DOWN, GW_REASON_BODY_TOO_LARGE,
                 "the first %s of the body from %s, cut there by max_body, do not match /%s/", max,
                 run->where, want);
        else
            fail(run, GW_STATUS_DOWN, GW_REASON_BODY_MISMATCH,
                 "the body from %s does not match /%s/", run->where, want);
    }
    if (conf->n_json)
        judge_json(run, r);
}

/* The value of a response header (borrowed from the response), or NULL. */
static const char *header_value(const struct gw_http_response *r, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < r->n_headers; i++) {
        const char *h = r->headers[i];
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            h += n + 1;
            while (*h == ' ' || *h == '\t')
                h++;
            return h;
        }
    }
    return NULL;
}

static void judge_headers(struct http_run *run, const struct gw_http_response *r)
{
    for (size_t i = 0; i < run->conf->n_hexp; i++) {
        const struct header_expect *h = &run->conf->hexp[i];
        const char *value = header_value(r, h->name);
        char want[QUOTE_SIZE];
        quote(h->contains, strlen(h->contains), want, sizeof(want));
        if (!value) {
            fail(run, GW_STATUS_DOWN, GW_REASON_ASSERTION, "the response from %s has no %s header",
                 run->where, h->name);
        } else if (!strstr(value, h->contains)) {
            char got[QUOTE_SIZE];
            quote(value, strlen(value), got, sizeof(got));
            fail(run, GW_STATUS_DOWN, GW_REASON_ASSERTION,
                 "header %s from %s is \"%s\" (expected it to contain \"%s\")", h->name, run->where,
                 got, want);
        }
    }
}

static void describe_day(int64_t t, char *out, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, len, "%Y-%m-%d", &tm);
}

static void judge_certificate(struct http_run *run, const struct gw_http_response *r)
{
    const struct http_conf *conf = run->conf;
    if (!r->cert_not_after)
        return;
    double days = ((double)r->cert_not_after - (double)time(NULL)) / 86400.0;
    run->host->check_figure(run->check, "cert_days", days);
    if (conf->cert_min_days < 0)
        return;
    char day[16];
    describe_day(r->cert_not_after, day, sizeof(day));
    if (days < 0)
        fail(run, GW_STATUS_DOWN, GW_REASON_TLS_EXPIRED,
             "the certificate of %s expired on %s, %.1f days ago", run->where, day, -days);
    else if (days < (double)conf->cert_min_days)
        fail(run, GW_STATUS_DEGRADED, GW_REASON_CERT_EXPIRING,
             "the certificate of %s expires in %.1f days, on %s (cert_min_days: %lld)", run->where,
             days, day, (long long)conf->cert_min_days);
}

static void record_figures(struct http_run *run, const struct gw_http_response *r)
{
    const struct gw_host *host = run->host;
    struct gw_check *check = run->check;
    if (!isnan(r->dns_s))
        host->check_figure(check, "dns", r->dns_s);
    if (!isnan(r->connect_s))
        host->check_figure(check, "connect", r->connect_s);
    if (!isnan(r->tls_s))
        host->check_figure(check, "tls", r->tls_s);
    if (!isnan(r->first_byte_s))
        host->check_figure(check, "ttfb", r->first_byte_s);
    if (r->reason)
        return;
    host->check_figure(check, "latency", r->total_s);
    host->check_figure(check, "size", (double)r->bytes);
    if (r->http_version)
        host->check_figure(check, "http_version", r->http_version / 10.0);
}

static void record_details(struct http_run *run, const struct gw_http_response *r)
{
    const struct gw_host *host = run->host;
    struct gw_check *check = run->check;
    if (r->remote_ip) {
        bool v6 = strchr(r->remote_ip, ':') != NULL;
        host->check_detail(check, "address", "%s%s%s:%d", v6 ? "[" : "", r->remote_ip,
                           v6 ? "]" : "", r->remote_port);
    }
    if (r->redirects > 0)
        host->check_detail(check, "redirects", "%d, to %s", r->redirects,
                           r->final_url ? r->final_url : "?");
    if (r->status) {
        /* HTTP/1.0, HTTP/1.1, HTTP/2, HTTP/3 */
        int v = r->http_version;
        if (v % 10)
            host->check_detail(check, "http", "HTTP/%d.%d %ld", v / 10, v % 10, r->status);
        else
            host->check_detail(check, "http", "HTTP/%d %ld", v / 10, r->status);
    }
    if (r->tls_version)
        host->check_detail(check, "tls", "%s", r->tls_version);
    if (r->cert_subject || r->cert_not_after) {
        char day[16] = "?";
        if (r->cert_not_after)
            describe_day(r->cert_not_after, day, sizeof(day));
        host->check_detail(check, "certificate", "%s, issued by %s, valid until %s",
                           r->cert_subject ? r->cert_subject : "?",
                           r->cert_issuer ? r->cert_issuer : "?", day);
    }
    if (!r->reason) {
        char max[32], decoded[64] = "";
        format_bytes(run->conf->max_body, max, sizeof(max));
        /* The client decodes a compressed body: say so, and how big it was. */
        const char *encoding = header_value(r, "Content-Encoding");
        if (encoding && r->body && !r->body_truncated)
            snprintf(decoded, sizeof(decoded), " as sent (%.16s), %zu decoded", encoding,
                     r->body_len);
        else if (encoding)
            snprintf(decoded, sizeof(decoded), " as sent (%.16s)", encoding);
        host->check_detail(check, "body", "%llu bytes%s%s%s", (unsigned long long)r->bytes, decoded,
                           r->body_truncated ? ", reading stopped at max_body " : "",
                           r->body_truncated ? max : "");
    }
}

static void run_free(struct http_run *run)
{
    free(run);
}

static void done_cb(void *data, const struct gw_http_response *r)
{
    struct http_run *run = data;
    const struct http_conf *conf = run->conf;
    const struct gw_host *host = run->host;
    struct gw_check *check = run->check;
    run->call = NULL;
    url_authority(r->final_url ? r->final_url : conf->url, run->where, sizeof(run->where));
    gw_fmt_seconds(r->total_s, run->took, sizeof(run->took));
    record_figures(run, r);
    record_details(run, r);

    if (r->reason) {
        /* Our own failure says nothing about the target. */
        bool ours = strcmp(r->reason, "plugin") == 0;
        if (r->cert_not_after) {
            double days = ((double)r->cert_not_after - (double)time(NULL)) / 86400.0;
            host->check_figure(check, "cert_days", days);
        }
        host->check_done(check, ours ? GW_STATUS_UNKNOWN : GW_STATUS_DOWN,
                         ours ? GW_REASON_PLUGIN : r->reason, "%s",
                         r->error ? r->error : "no response");
        run_free(run);
        return;
    }

    run->status = GW_STATUS_UP;
    if (!status_expected(conf, r->status))
        fail(run, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS, "HTTP %ld from %s after %s (expected %s)",
             r->status, run->where, run->took, conf->status_text);
    if (needs_body(conf))
        judge_body(run, r);
    judge_headers(run, r);
    judge_certificate(run, r);
    if (conf->max_latency_ms && r->total_s * 1000.0 > (double)conf->max_latency_ms) {
        char limit[32];
        gw_fmt_seconds((double)conf->max_latency_ms / 1000.0, limit, sizeof(limit));
        fail(run, GW_STATUS_DEGRADED, GW_REASON_TOO_SLOW,
             "HTTP %ld from %s after %s, slower than max_latency %s", r->status, run->where,
             run->took, limit);
    }
    if (run->reason)
        host->check_done(check, run->status, run->reason, "%s", run->message);
    else
        host->check_done(check, GW_STATUS_UP, NULL, "HTTP %ld from %s in %s", r->status, run->where,
                         run->took);
    run_free(run);
}

/* ---- the check type ------------------------------------------------------ */

static int http_start(const struct gw_host *host, const void *p, struct gw_check *check,
                      void **run_out)
{
    const struct http_conf *conf = p;
    if (!GW_HOST_HAS(host, http_cancel) || !host->http_start)
        return -ENOTSUP;
    struct http_run *run = calloc(1, sizeof(*run));
    if (!run)
        return -ENOMEM;
    run->host = host;
    run->conf = conf;
    run->check = check;
    struct gw_http_request req = {
        .size = sizeof(req),
        .method = conf->method,
        .url = conf->url,
        .headers = (const char *const *)conf->headers.v,
        .body = conf->body,
        .body_len = conf->body_len,
        .max_redirects = conf->follow,
        .ip_version = conf->ip,
        .insecure = !conf->tls_verify,
        .ca_pem = conf->ca_pem,
        .proxy = conf->proxy,
        .username = conf->username,
        .password = conf->password,
        .reuse_connection = conf->reuse,
        .max_body = conf->max_body,
        .timeout_ms = host->check_timeout_ms(check),
        .discard_body = !needs_body(conf),
    };
    int rc = host->http_start(host, &req, done_cb, run, &run->call);
    if (rc < 0) {
        free(run);
        return rc;
    }
    *run_out = run;
    return 0;
}

static void http_cancel(void *p)
{
    struct http_run *run = p;
    if (run->call)
        run->host->http_cancel(run->host, run->call);
    run_free(run);
}

static const struct gw_check_type http_check = {
    .name = "http",
    .description = "an HTTP(S) endpoint answers with the expected status, content and timing",
    .keys = http_keys,
    .configure = http_configure,
    .conf_free = http_conf_free,
    .conf_host = http_conf_host,
    .figures = http_conf_figures,
    .start = http_start,
    .cancel = http_cancel,
};

static const struct gw_check_type *const http_checks[] = {&http_check, NULL};

GW_PLUGIN_DEFINE("http", http_checks, NULL);
