/*
 * The email notifier: one plain-text message per notification, sent over
 * SMTP by the daemon's shared client (libcurl): STARTTLS when the server
 * offers it (required when logging in), or smtps:// for TLS throughout.
 *
 * The subject is the daemon's one-line subject ("[DOWN] Cyngor Gwynedd —
 * website: HTTP 503"), RFC 2047-encoded when it is not ASCII; the text is
 * the daemon's body in UTF-8. Message-IDs are derived from the events, not
 * drawn at random, so that a retry, even after a restart, carries the same
 * Message-ID, and a recovery can name the message of its outage in
 * In-Reply-To and References: mail clients then show the recovery in the
 * outage's thread. The anchor of a problem is <gwyliwr.T.H@domain>, T the
 * time the problem began (ms) and H a hash of the target: the message that
 * announced it has that Message-ID, and whatever follows (a recovery, a
 * reminder, a change from degraded to down) refers to it through the
 * event's since_ms.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gwyliwr/plugin.h>

#include "lib/notify_http.h"
#include "lib/notify_util.h"

/* Anchors of a group's problems named in References, at most. */
#define REFERENCES_MAX 20

/* Longest line SMTP carries (RFC 5321 4.5.3.1.6), without its CRLF. */
#define LINE_MAX_OCTETS 998

struct email_conf {
    char *url;
    char *where; /* "smtp://host:port", for messages */
    char *from_header;
    char *from_addr;
    char *domain; /* of from_addr: the right side of Message-IDs */
    char *to_header;
    char **rcpt; /* NULL-terminated envelope recipients */
    char *username, *password;
    int tls; /* enum gw_mail_tls */
    bool insecure;
    char *ca_pem;
    uint64_t timeout_ms;
};

static const struct gw_cfg_key email_keys[] = {
    {"url", GW_CFG_STRING, GW_CFG_REQUIRED, NULL,
     "smtp://host[:port] (STARTTLS when offered) or smtps://host[:port] (TLS throughout)"},
    {"from", GW_CFG_STRING, GW_CFG_REQUIRED, NULL,
     "sender: alerts@example.org, or \"Gwyliwr <alerts@example.org>\""},
    {"to", GW_CFG_LIST, GW_CFG_REQUIRED, NULL, "recipients, one address or a list"},
    {"auth_file", GW_CFG_FILE, 0, NULL, "file holding user:password for SMTP AUTH"},
    {"starttls", GW_CFG_STRING, 0, NULL,
     "smtp:// only: when_offered (default without auth_file) or required (default with it)"},
    {"ca_file", GW_CFG_FILE, GW_CFG_PUBLIC, NULL, "PEM trust anchors used instead of the system's"},
    {"tls_verify", GW_CFG_BOOL, 0, NULL, "verify the server's certificate (default true)"},
    /* and `timeout`, a key every notifier has: the mail ends a little before it */
    {NULL, 0, 0, NULL, NULL},
};

/* ---- addresses ------------------------------------------------------------------------ */

static bool valid_addr(const char *a)
{
    const char *at = strchr(a, '@');
    if (!at || at == a || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const char *p = a; *p; p++)
        if ((unsigned char)*p <= ' ' || strchr("<>(),;:\\\"[]", *p))
            return false;
    return true;
}

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(struct gw_notify_buf *out, const unsigned char *in, size_t len)
{
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63],
                     i + 1 < len ? b64[(v >> 6) & 63] : '=', i + 2 < len ? b64[v & 63] : '='};
        gw_notify_buf_add(out, q, 4);
    }
}

/*
 * RFC 2047 "B" encoded-words of a UTF-8 text, never splitting a character,
 * folded so that no line passes 76 characters: the first shares its line
 * with `prefix` characters ("Subject: "), the others have a line each
 * ("=?UTF-8?B?...?=\r\n =?UTF-8?B?...?=").
 */
static void encode_words(struct gw_notify_buf *out, const char *s, size_t prefix)
{
    size_t len = strlen(s), i = 0;
    bool first = true;
    while (i < len) {
        /* 12 characters of frame, 4 of base64 for every 3 bytes. */
        size_t room = first ? (76 - 12 - (prefix < 40 ? prefix : 40)) / 4 * 3 : (76 - 13) / 4 * 3;
        size_t n = len - i < room ? len - i : room;
        while (n < len - i && n > 0 && ((unsigned char)s[i + n] & 0xC0) == 0x80)
            n--;
        gw_notify_buf_add(out, first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?", first ? 10 : 13);
        base64(out, (const unsigned char *)s + i, n);
        gw_notify_buf_add(out, "?=", 2);
        first = false;
        i += n;
    }
}

/* A display name as a header shows it: as is, quoted, or encoded. */
static void display_name(struct gw_notify_buf *out, const char *name)
{
    if (!is_ascii(name)) {
        encode_words(out, name, 40);
    } else if (strpbrk(name, "()<>[]:;@\\,.\"")) {
        gw_notify_buf_add(out, "\"", 1);
        for (const char *p = name; *p; p++) {
            if (*p == '"' || *p == '\\')
                gw_notify_buf_add(out, "\\", 1);
            gw_notify_buf_add(out, p, 1);
        }
        gw_notify_buf_add(out, "\"", 1);
    } else {
        gw_notify_buf_add(out, name, strlen(name));
    }
}

/*
 * Parses "addr" or "Display Name <addr>" into the address (caller frees) and
 * appends its header form to `header`. Returns false when it is neither.
 */
static bool parse_mailbox(const char *text, char **addr_out, struct gw_notify_buf *header)
{
    const char *lt = strchr(text, '<');
    if (!lt) {
        while (isspace((unsigned char)*text))
            text++;
        size_t len = strlen(text);
        while (len && isspace((unsigned char)text[len - 1]))
            len--;
        char *addr = gw_notify_xasprintf("%.*s", (int)len, text);
        if (!valid_addr(addr)) {
            free(addr);
            return false;
        }
        gw_notify_buf_add(header, addr, strlen(addr));
        *addr_out = addr;
        return true;
    }
    const char *gt = strchr(lt, '>');
    if (!gt || gt[1 + strspn(gt + 1, " \t")] != '\0')
        return false;
    char *addr = gw_notify_xasprintf("%.*s", (int)(gt - lt - 1), lt + 1);
    const char *name = text;
    while (isspace((unsigned char)*name))
        name++;
    size_t nlen = (size_t)(lt - name);
    while (nlen && isspace((unsigned char)name[nlen - 1]))
        nlen--;
    if (nlen >= 2 && name[0] == '"' && name[nlen - 1] == '"')
        name++, nlen -= 2;
    if (!valid_addr(addr) || memchr(name, '\n', nlen) || memchr(name, '\r', nlen)) {
        free(addr);
        return false;
    }
    if (nlen) {
        char *n = gw_notify_xasprintf("%.*s", (int)nlen, name);
        display_name(header, n);
        free(n);
        gw_notify_buf_add(header, " ", 1);
    }
    gw_notify_buf_addf(header, "<%s>", addr);
    *addr_out = addr;
    return true;
}

/* ---- configuration ------------------------------------------------------------------- */

static void wipe_free(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
    free(s);
}

static void email_conf_free(void *p)
{
    struct email_conf *c = p;
    if (!c)
        return;
    free(c->url);
    free(c->where);
    free(c->from_header);
    free(c->from_addr);
    free(c->domain);
    free(c->to_header);
    for (size_t i = 0; c->rcpt && c->rcpt[i]; i++)
        free(c->rcpt[i]);
    free(c->rcpt);
    free(c->username);
    wipe_free(c->password);
    free(c->ca_pem);
    free(c);
}

static int read_url(const struct gw_host *host, const struct gw_cfg *node, struct email_conf *c)
{
    const char *url = NULL;
    if (host->cfg_string(node, "url", &url) < 0 || !url)
        return -EINVAL;
    const char *rest = NULL;
    if (strncasecmp(url, "smtp://", 7) == 0)
        rest = url + 7;
    else if (strncasecmp(url, "smtps://", 8) == 0)
        rest = url + 8;
    size_t hlen = rest ? strcspn(rest, "/?#") : 0;
    if (!rest || hlen == 0 || memchr(rest, '@', hlen) || strpbrk(url, " \t\r\n")) {
        host->cfg_error(host->cfg_child(node, "url"),
                        "bad url \"%s\" (expected smtp://host[:port] or smtps://host[:port]; "
                        "credentials go in auth_file)",
                        url);
        return -EINVAL;
    }
    c->url = gw_notify_xstrdup(url);
    c->where = gw_notify_xasprintf("%.*s", (int)(rest - url + (ptrdiff_t)hlen), url);
    return 0;
}

static int read_addresses(const struct gw_host *host, const struct gw_cfg *node,
                          struct email_conf *c)
{
    int rc = 0;
    const char *from = NULL;
    if (host->cfg_string(node, "from", &from) < 0 || !from)
        return -EINVAL;
    struct gw_notify_buf h = {0};
    if (!parse_mailbox(from, &c->from_addr, &h)) {
        host->cfg_error(host->cfg_child(node, "from"),
                        "bad address \"%s\" (expected alerts@example.org or \"Gwyliwr "
                        "<alerts@example.org>\")",
                        from);
        rc = -EINVAL;
    } else {
        c->from_header = h.s;
        c->domain = gw_notify_xstrdup(strchr(c->from_addr, '@') + 1);
        h = (struct gw_notify_buf){0};
    }
    free(h.s);

    const struct gw_cfg *to = host->cfg_child(node, "to");
    size_t n = to ? host->cfg_len(to) : 0;
    c->rcpt = calloc(n + 1, sizeof(*c->rcpt));
    if (!c->rcpt)
        abort();
    struct gw_notify_buf th = {0};
    gw_notify_buf_add(&th, "", 0);
    for (size_t i = 0, k = 0; i < n; i++) {
        const struct gw_cfg *item = host->cfg_at(to, i);
        const char *text = host->cfg_scalar(item);
        if (th.len)
            gw_notify_buf_add(&th, ",\r\n ", 4);
        if (!text || !parse_mailbox(text, &c->rcpt[k], &th)) {
            host->cfg_error(item, "to: bad address \"%s\" (expected ops@example.org)",
                            text ? text : "");
            rc = -EINVAL;
            continue;
        }
        k++;
    }
    if (n == 0) {
        host->cfg_error(to ? to : node, "to: no recipient (expected one address or a list)");
        rc = -EINVAL;
    }
    c->to_header = th.s;
    return rc;
}

static int read_auth(const struct gw_host *host, const struct gw_cfg *node, struct email_conf *c)
{
    char *auth = NULL;
    if (host->cfg_secret(node, "auth_file", &auth) < 0)
        return -EINVAL;
    if (!auth)
        return 0;
    int rc = 0;
    char *colon = strchr(auth, ':');
    if (!colon || colon == auth || strpbrk(auth, "\r\n")) {
        host->cfg_error(host->cfg_child(node, "auth_file"),
                        "auth_file: expected one line \"user:password\"");
        rc = -EINVAL;
    } else {
        *colon = '\0';
        c->username = gw_notify_xstrdup(auth);
        c->password = gw_notify_xstrdup(colon + 1);
    }
    wipe_free(auth);
    return rc;
}

static int read_tls(const struct gw_host *host, const struct gw_cfg *node, struct email_conf *c)
{
    int rc = 0;
    const char *starttls = NULL;
    if (host->cfg_string(node, "starttls", &starttls) < 0)
        return -EINVAL;
    /* A password never crosses the network in the clear unless asked. */
    c->tls = c->username ? GW_MAIL_TLS_REQUIRED : GW_MAIL_TLS_WHEN_OFFERED;
    const struct gw_cfg *where = host->cfg_child(node, "starttls");
    if (starttls && strcmp(starttls, "required") == 0) {
        c->tls = GW_MAIL_TLS_REQUIRED;
    } else if (starttls && strcmp(starttls, "when_offered") == 0) {
        c->tls = GW_MAIL_TLS_WHEN_OFFERED;
        if (c->username)
            host->cfg_warning(where, "starttls: when_offered with auth_file may send the "
                                     "password in the clear to a server without STARTTLS");
    } else if (starttls) {
        host->cfg_error(where, "bad starttls \"%s\" (expected when_offered or required)", starttls);
        rc = -EINVAL;
    }
    if (gw_notify_read_transport(host, node, &c->ca_pem, &c->insecure, &c->timeout_ms) < 0)
        rc = -EINVAL;
    return rc;
}

static int email_configure(const struct gw_host *host, const struct gw_cfg *node, void **conf_out)
{
    struct email_conf *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    int rc = 0;
    if (read_url(host, node, c) < 0)
        rc = -EINVAL;
    if (read_addresses(host, node, c) < 0)
        rc = -EINVAL;
    if (read_auth(host, node, c) < 0)
        rc = -EINVAL;
    if (read_tls(host, node, c) < 0)
        rc = -EINVAL;
    if (rc < 0) {
        email_conf_free(c);
        return rc;
    }
    *conf_out = c;
    return 0;
}

/* ---- the message ---------------------------------------------------------------------- */

/* FNV-1a, 64 bits: a target's part of its Message-IDs. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

/* "<gwyliwr.T.H@domain>": the Message-ID of the problem of `target` that began at ms. */
static void anchor(struct gw_notify_buf *out, const char *target, int64_t ms, const char *domain)
{
    gw_notify_buf_addf(out, "<gwyliwr.%lld.%016llx@%s>", (long long)ms,
                       (unsigned long long)fnv1a(target), domain);
}

/* Whether the event follows a problem whose message it should thread under. */
static bool follows_a_problem(const struct gw_event *e)
{
    if (!e->target || e->since_ms <= 0)
        return false;
    return gw_notify_state_is_bad(e->previous) ||
           (e->kind && (strcmp(e->kind, "reminder") == 0 || strcmp(e->kind, "settled") == 0));
}

static void message_ids(struct gw_notify_buf *msg, const struct email_conf *c,
                        const struct gw_notification *n)
{
    const struct gw_event *first = n->n_events ? n->events[0] : NULL;
    gw_notify_buf_add(msg, "Message-ID: ", 12);
    if (n->n_events == 1 && first->target && first->time_ms > 0)
        anchor(msg, first->target, first->time_ms, c->domain);
    else
        gw_notify_buf_addf(msg, "<gwyliwr.n.%016llx@%s>", (unsigned long long)fnv1a(n->id),
                           c->domain);
    gw_notify_buf_add(msg, "\r\n", 2);

    struct gw_notify_buf refs = {0};
    size_t n_refs = 0;
    for (size_t i = 0; i < n->n_events && n_refs < REFERENCES_MAX; i++) {
        const struct gw_event *e = n->events[i];
        if (!follows_a_problem(e))
            continue;
        gw_notify_buf_add(&refs, n_refs ? "\r\n " : "", n_refs ? 3 : 0);
        anchor(&refs, e->target, e->since_ms, c->domain);
        if (n_refs++ == 0) {
            gw_notify_buf_add(msg, "In-Reply-To: ", 13);
            anchor(msg, e->target, e->since_ms, c->domain);
            gw_notify_buf_add(msg, "\r\n", 2);
        }
    }
    if (n_refs)
        gw_notify_buf_addf(msg, "References: %s\r\n", refs.s);
    free(refs.s);
}

/* Whether the text can go as 7bit: ASCII, and lines SMTP can carry. */
static bool plain_7bit(const char *s)
{
    size_t line = 0;
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80 || *s == '\r')
            return false;
        line = *s == '\n' ? 0 : line + 1;
        if (line > LINE_MAX_OCTETS)
            return false;
    }
    return true;
}

/* Quoted-printable (RFC 2045 6.7) of UTF-8 text with \n line ends, CRLF out. */
static void quoted_printable(struct gw_notify_buf *out, const char *s)
{
    size_t col = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n') {
            gw_notify_buf_add(out, "\r\n", 2);
            col = 0;
            continue;
        }
        char enc[4];
        size_t len;
        bool at_eol = p[1] == '\n' || p[1] == '\0';
        if ((*p == ' ' || *p == '\t') && !at_eol) {
            enc[0] = (char)*p;
            len = 1;
        } else if (*p >= 33 && *p <= 126 && *p != '=') {
            enc[0] = (char)*p;
            len = 1;
        } else {
            snprintf(enc, sizeof(enc), "=%02X", *p);
            len = 3;
        }
        if (col + len > 75) {
            gw_notify_buf_add(out, "=\r\n", 3); /* a soft line break */
            col = 0;
        }
        gw_notify_buf_add(out, enc, len);
        col += len;
    }
}

/* The whole message: RFC 5322 headers, a blank line, the text; CRLF line ends. */
static char *build_message(const struct email_conf *c, const struct gw_notification *n,
                           size_t *len_out)
{
    struct gw_notify_buf m = {0};
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    gw_notify_buf_addf(&m, "Date: %s\r\nFrom: %s\r\nTo: %s\r\n", date, c->from_header,
                       c->to_header);
    gw_notify_buf_add(&m, "Subject: ", 9);
    const char *subject = n->subject ? n->subject : "";
    if (is_ascii(subject) && strlen(subject) <= LINE_MAX_OCTETS - 9 && !strpbrk(subject, "\r\n"))
        gw_notify_buf_add(&m, subject, strlen(subject));
    else
        encode_words(&m, subject, 9);
    gw_notify_buf_add(&m, "\r\n", 2);
    message_ids(&m, c, n);
    const char *lang = n->language ? n->language : "en";
    gw_notify_buf_addf(&m,
                       "MIME-Version: 1.0\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n"
                       "Content-Language: %s\r\n"
                       "Auto-Submitted: auto-generated\r\n",
                       strcmp(lang, "both") == 0 ? "cy, en" : lang);
    if (gw_notify_header_safe(n->id))
        gw_notify_buf_addf(&m, "X-Gwyliwr-Notification: %s\r\n", n->id);
    if (n->n_events && gw_notify_header_safe(n->events[0]->state))
        gw_notify_buf_addf(&m, "X-Gwyliwr-State: %s\r\n", n->events[0]->state);
    const char *body = n->body ? n->body : "";
    if (plain_7bit(body)) {
        gw_notify_buf_add(&m, "Content-Transfer-Encoding: 7bit\r\n\r\n", 35);
        for (const char *p = body; *p; p++)
            gw_notify_buf_add(&m, *p == '\n' ? "\r\n" : p, *p == '\n' ? 2 : 1);
    } else {
        gw_notify_buf_add(&m, "Content-Transfer-Encoding: quoted-printable\r\n\r\n", 47);
        quoted_printable(&m, body);
    }
    if (m.len < 2 || memcmp(m.s + m.len - 2, "\r\n", 2) != 0)
        gw_notify_buf_add(&m, "\r\n", 2);
    *len_out = m.len;
    return m.s;
}

/* ---- delivery ------------------------------------------------------------------------- */

struct email_run {
    const struct gw_host *host;
    struct gw_http_call *call;
    struct gw_delivery *delivery;
    gw_delivery_done_cb done;
    char *where;
};

static void sent_cb(void *data, const struct gw_http_response *r)
{
    struct email_run *run = data;
    int err;
    char msg[512];
    if (r->reason) {
        err = gw_notify_errno_of_reason(r->reason);
        snprintf(msg, sizeof(msg), "%s", r->error ? r->error : r->reason);
    } else {
        long code = r->status;
        /* 4xx: the server asks to try later; 5xx: it refuses for good. */
        err = code >= 200 && code < 300   ? 0
              : code >= 400 && code < 500 ? -EIO
              : code >= 500               ? -EINVAL
                                          : -EPROTO;
        snprintf(msg, sizeof(msg), "SMTP %ld from %s%s%s", code, run->where, r->error ? ": " : "",
                 r->error ? r->error : "");
    }
    struct gw_delivery *delivery = run->delivery;
    gw_delivery_done_cb done = run->done;
    free(run->where);
    free(run);
    done(delivery, err, msg, 0);
}

static int email_send(const struct gw_host *host, const void *p, const struct gw_notification *n,
                      struct gw_delivery *delivery, gw_delivery_done_cb done, void **run_out)
{
    const struct email_conf *c = p;
    if (!GW_HOST_HAS(host, http_start) || !host->http_start)
        return -ENOTSUP;
    size_t len;
    char *message = build_message(c, n, &len);
    struct gw_http_request req = {
        .size = sizeof(req),
        .url = c->url,
        .body = message,
        .body_len = len,
        .insecure = c->insecure,
        .ca_pem = c->ca_pem,
        .username = c->username,
        .password = c->password,
        .timeout_ms = c->timeout_ms,
        .mail_from = c->from_addr,
        .mail_rcpt = (const char *const *)c->rcpt,
        .mail_tls = c->tls,
    };
    struct email_run *run = calloc(1, sizeof(*run));
    if (!run)
        abort();
    run->host = host;
    run->delivery = delivery;
    run->done = done;
    run->where = gw_notify_xstrdup(c->where);
    int rc = host->http_start(host, &req, sent_cb, run, &run->call);
    free(message);
    if (rc < 0) {
        free(run->where);
        free(run);
        return rc;
    }
    *run_out = run;
    return 0;
}

static void email_cancel(void *p)
{
    struct email_run *run = p;
    if (!run)
        return;
    run->host->http_cancel(run->host, run->call);
    free(run->where);
    free(run);
}

static const struct gw_notifier_type email_type = {
    .name = "email",
    .description = "plain-text email over SMTP (STARTTLS or smtps://), recoveries threaded "
                   "under their outage",
    .keys = email_keys,
    .configure = email_configure,
    .conf_free = email_conf_free,
    .send = email_send,
    .cancel = email_cancel,
    .resend_ms = NULL,
};

static const struct gw_notifier_type *const notifiers[] = {&email_type, NULL};

GW_PLUGIN_DEFINE("email", NULL, notifiers);
