/*
 * gwyliwr plugin interface.
 *
 * Check plugins (how a target is measured) and notifier plugins (how people are
 * told) are shared objects that the daemon loads with dlopen() from its plugin
 * directory. Built-in plugins use exactly this interface; nothing else of the
 * daemon is visible to a plugin.
 *
 * ABI policy
 * ----------
 * A plugin exports one data symbol, `gw_plugin` (see GW_PLUGIN_DEFINE), whose
 * `abi` field is GW_PLUGIN_ABI_VERSION as seen by the compiler that built it and
 * whose `size` is sizeof(struct gw_plugin). The daemon refuses a plugin whose abi
 * differs from its own, naming both versions. GW_PLUGIN_ABI_VERSION changes
 * whenever a structure in this header changes layout or a function changes
 * meaning; appending a member to struct gw_host is not a change of version, so a
 * plugin that needs a newer host member checks `host->size` first
 * (GW_HOST_HAS(host, member)). Nor is appending a member to a structure that
 * carries its own size (gw_http_request, gw_event, gw_notification): the
 * reader treats members beyond that size as absent (zero).
 *
 * Threads
 * -------
 * configure() and conf_free() may run on a worker thread (a reload is parsed off
 * the event loop); they must only read the configuration they are given. Every
 * other function runs on the daemon's event loop thread and must never block:
 * no blocking I/O, no sleep, no synchronous DNS.
 *
 * Ownership words used below: *borrowed* (valid for the duration of the call, or
 * for the stated lifetime; do not free), *copied* (the callee keeps its own copy),
 * *caller frees*.
 */
#ifndef GWYLIWR_PLUGIN_H
#define GWYLIWR_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GW_PLUGIN_ABI_VERSION 2

/* ---------------------------------------------------------------------------
 * Results
 * ------------------------------------------------------------------------ */

/*
 * The verdict of one check. The numeric values are the Nagios plugin exit
 * codes, so `gwyliwr probe` can serve as a Nagios/Icinga plugin.
 * UNKNOWN means "we could not tell" (our resolver or plugin failed); it is never
 * counted as the target's downtime.
 */
enum gw_status {
    GW_STATUS_UP = 0,
    GW_STATUS_DEGRADED = 1,
    GW_STATUS_DOWN = 2,
    GW_STATUS_UNKNOWN = 3,
};

/*
 * Reason codes: short machine-readable words that say why a result is not up.
 * A plugin may use any lower-case word; these are the shared vocabulary.
 */
#define GW_REASON_TIMEOUT            "timeout"
#define GW_REASON_DNS                "dns"
#define GW_REASON_CONNECT_REFUSED    "connect_refused"
#define GW_REASON_CONNECT_TIMEOUT    "connect_timeout"
#define GW_REASON_UNREACHABLE        "unreachable"
#define GW_REASON_RESET              "reset"
#define GW_REASON_BANNER_MISMATCH    "banner_mismatch"
#define GW_REASON_PLUGIN             "plugin"
#define GW_REASON_CANCELLED          "cancelled"
#define GW_REASON_TLS_HANDSHAKE      "tls_handshake"
#define GW_REASON_TLS_VERIFY         "tls_verify"
#define GW_REASON_TLS_EXPIRED        "tls_expired"
#define GW_REASON_HTTP_STATUS        "http_status"
#define GW_REASON_BODY_MISMATCH      "body_mismatch"
#define GW_REASON_JSON_MISMATCH      "json_mismatch"
#define GW_REASON_ASSERTION          "assertion"
#define GW_REASON_TOO_SLOW           "too_slow"
#define GW_REASON_CERT_EXPIRING      "cert_expiring"
#define GW_REASON_TOO_MANY_REDIRECTS "too_many_redirects"
#define GW_REASON_BODY_TOO_LARGE     "body_too_large"
#define GW_REASON_BAD_RESPONSE       "bad_response"
#define GW_REASON_FEED_PARSE         "feed_parse"
/* Feeds (documents listing many items); see "Items" below. */
#define GW_REASON_FEED_SCHEMA    "feed_schema"    /* a required field is missing */
#define GW_REASON_FEED_TOO_LARGE "feed_too_large" /* a document is over max_body */
#define GW_REASON_FEED_PAGING    "feed_paging"    /* next link off-host, a loop, too many pages */
#define GW_REASON_FEED_ERROR     "feed_error"     /* the feed reports an error of its own */
#define GW_REASON_RATE_LIMITED   "rate_limited"   /* HTTP 429: asked to come back later */
#define GW_REASON_TOO_FEW_UP     "too_few_up"     /* fewer items work than min_up asks */
#define GW_REASON_HEALTH_WARN    "health_warn"    /* a health document says warn / degraded */
#define GW_REASON_HEALTH_FAIL    "health_fail"    /* a health document says fail / down */
#define GW_REASON_HEALTH_UNKNOWN "health_unknown" /* a health document cannot tell */
/* Network checks. A DNS lookup's reason is the answer's code (RFC 1035). */
#define GW_REASON_NXDOMAIN        "nxdomain"        /* the name does not exist */
#define GW_REASON_NODATA          "nodata"          /* the name has no record of the type */
#define GW_REASON_SERVFAIL        "servfail"        /* the name server failed */
#define GW_REASON_REFUSED         "refused"         /* the name server refused the query */
#define GW_REASON_FORMERR         "formerr"         /* the name server could not read the query */
#define GW_REASON_NOTIMP          "notimp"          /* the name server does not do the query */
#define GW_REASON_ANSWER_MISMATCH "answer_mismatch" /* the answers are not those expected */
#define GW_REASON_NAMESERVER      "nameserver"      /* one of a zone's name servers fails */
#define GW_REASON_SOA_MISMATCH    "soa_mismatch"    /* a zone's name servers give other serials */
#define GW_REASON_PACKET_LOSS     "packet_loss"     /* more pings lost than max_loss */
#define GW_REASON_TOO_SMALL       "too_small"       /* a download too quick to time */
/* A Monitoring Plugins command's exit status 1, 2, 3. */
#define GW_REASON_WARNING  "warning"
#define GW_REASON_CRITICAL "critical"
#define GW_REASON_UNKNOWN  "unknown"

/*
 * A figure a check type records for each result: one RRD data source.
 * Names follow RRD's rules: 1 to 19 characters of [a-z0-9_].
 * The daemon always records `up`, `degraded` and `latency`; a plugin declares
 * only the figures beyond those. Times are in seconds, sizes in bytes.
 */
struct gw_figure_decl {
    const char *name;
    const char *unit; /* "s", "B", "B/s", "days", "count", "ratio" */
    double min;       /* NAN: unbounded */
    double max;       /* NAN: unbounded */
};

/* ---------------------------------------------------------------------------
 * Items: a check that reports many things
 * ------------------------------------------------------------------------ */

/*
 * A feed lists many things with a state each: the EVSEs of a charge point
 * operator, a council's Wi-Fi access points, the components of a status
 * page. A check of such a feed reports each as an item (host->check_item)
 * and then says its list is complete (host->check_items_complete). The daemon
 * then, for that result:
 *
 *   - records the counts as the figures items_total, items_up,
 *     items_degraded, items_down, items_unknown and items_excluded
 *     (GW_ITEM_FIGURES, which the check type declares among its figures);
 *   - judges the share of working items: (up + degraded) / (up + degraded +
 *     down), unknown and excluded items left out. When it is below the
 *     target's `min_up`, a result the plugin found up becomes DEGRADED with
 *     the reason too_few_up. A plugin still decides DOWN itself when the feed
 *     cannot be fetched or parsed, and may decide any status from the
 *     document (a health document that says "fail");
 *   - for items flagged GW_ITEM_RAPID (a rapid charge point: a connector of
 *     50 kW or more), records the reliability figure of the Public Charge
 *     Point Regulations 2023 (GW_ITEM_RAPID_FIGURES): rapid_total (rapid
 *     items in service: not excluded), rapid_down (those down) and
 *     rapid_reliability = (rapid_total - rapid_down) / rapid_total. Unknown
 *     items count as working there: the Regulations do not count a charge
 *     point whose state cannot be measured against its operator;
 *   - keeps the list as the target's live state, logs items that appear,
 *     disappear or change status (one line each), and with `track_items:
 *     true` records each item's own history in a small RRD file.
 *
 * Items reported by a check that completes without check_items_complete are
 * discarded: a feed that fails part way (page 3 of 10 cannot be read) leaves
 * no partial list, and its item figures are unknown for that result.
 */
enum gw_item_status {
    GW_ITEM_UP = 0,       /* works (an available or charging charger, an online AP) */
    GW_ITEM_DEGRADED = 1, /* works in part (an alerting AP, a partly operational site) */
    GW_ITEM_DOWN = 2,     /* does not work (out of order, offline, major outage) */
    GW_ITEM_UNKNOWN = 3,  /* its state cannot be told (UNKNOWN, BLOCKED, no status) */
    GW_ITEM_EXCLUDED = 4, /* not in service: planned, removed, dormant, under maintenance */
};

/* Flags of an item (check_item's `flags`). */
#define GW_ITEM_RAPID 0x1u /* a rapid charge point: counted in the reliability figure */

/*
 * Figure declarations for a check type that reports items, to put in the
 * array its figures() returns (they need <math.h> for NAN):
 *   static const struct gw_figure_decl f[] = {GW_ITEM_FIGURES, GW_ITEM_RAPID_FIGURES};
 */
/* clang-format off */
#define GW_ITEM_FIGURES                                                                            \
    {"items_total", "count", 0, NAN},    {"items_up", "count", 0, NAN},                            \
    {"items_degraded", "count", 0, NAN}, {"items_down", "count", 0, NAN},                          \
    {"items_unknown", "count", 0, NAN},  {"items_excluded", "count", 0, NAN}
#define GW_ITEM_RAPID_FIGURES                                                                      \
    {"rapid_total", "count", 0, NAN}, {"rapid_down", "count", 0, NAN},                             \
    {"rapid_reliability", "ratio", 0, 1}
/* clang-format on */

/* ---------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------ */

/* One node of the configuration document, with its file, line and column. */
struct gw_cfg;

/* The value types a configuration key may hold. */
enum gw_cfg_type {
    GW_CFG_STRING = 1, /* a scalar */
    GW_CFG_INT,        /* a whole number */
    GW_CFG_NUMBER,     /* any number */
    GW_CFG_BOOL,       /* true/false (also yes/no/on/off) */
    GW_CFG_DURATION,   /* 500ms, 10s, 5m, 1h, 1d, or sums like 1m30s */
    GW_CFG_PERCENT,    /* 95% (or a ratio 0..1) */
    GW_CFG_SIZE,       /* 1048576, 512KiB, 1MiB, 1GB */
    GW_CFG_LIST,       /* a sequence of scalars, or one scalar meaning a list of one */
    GW_CFG_MAP,        /* a mapping; `sub` lists its keys (NULL: any keys) */
    GW_CFG_ANY,        /* anything; the plugin validates it */
    GW_CFG_FILE,       /* a path to a readable file (secrets: `*_file` keys) */
    GW_CFG_SEQ,        /* a sequence of anything */
};

#define GW_CFG_REQUIRED 0x1u
/* A GW_CFG_FILE that is not a secret (a CA certificate): others may read it. */
#define GW_CFG_PUBLIC 0x2u

/*
 * A key a check or notifier type accepts in its part of the configuration.
 * The daemon rejects keys that are not declared (suggesting near misses) and
 * values of the wrong type before configure() runs, each with its position.
 * Arrays of keys end with an entry whose name is NULL.
 */
struct gw_cfg_key {
    const char *name;
    enum gw_cfg_type type;
    uint32_t flags;               /* GW_CFG_REQUIRED */
    const struct gw_cfg_key *sub; /* GW_CFG_MAP: its keys, or NULL for any */
    const char *help;             /* one line for `gwyliwr plugins` and docs */
};

/*
 * Keys of a target whose check type reports items, to put in the type's
 * keys: the daemon reads them itself (they are not the plugin's to use).
 *   min_up             share of working items below which the target is
 *                      degraded (too_few_up); not given: never
 *   track_items        true: each item gets its own RRD file of history
 *                      (<data_dir>/<council>/<target>.items/<item>.rrd)
 *   max_tracked_items  at most this many item files per target (default
 *                      1000): what `check-config` counts in the disk budget
 */
/* clang-format off */
#define GW_ITEM_CFG_KEYS                                                                           \
    {"min_up", GW_CFG_PERCENT, 0, NULL,                                                            \
     "share of items in service that must work (90%); below it the target is degraded"},           \
    {"track_items", GW_CFG_BOOL, 0, NULL,                                                          \
     "keep each item's own availability history, one small RRD file per item"},                    \
    {"max_tracked_items", GW_CFG_INT, 0, NULL,                                                     \
     "most item files kept per target with track_items (default 1000)"}
/* clang-format on */

/* ---------------------------------------------------------------------------
 * The shared HTTP client
 * ------------------------------------------------------------------------ */

/*
 * One HTTP request (or mail, see mail_from), as a plugin asks for it.
 * Everything is copied by http_start(), so the plugin may free it once that
 * returns. The request carries its size: members are only ever appended, and
 * a plugin built before a member existed gets its zero value.
 */
struct gw_http_request {
    uint32_t size;      /* sizeof(struct gw_http_request) of the plugin */
    const char *method; /* NULL: GET */
    const char *url;
    const char *const *headers; /* "Name: value" strings, NULL-terminated; or NULL */
    const char *body;           /* request body, or NULL */
    size_t body_len;
    int max_redirects;    /* redirects followed; 0 follows none */
    int ip_version;       /* 0 any, 4 or 6 */
    bool insecure;        /* true skips TLS verification (verification is on by default) */
    const char *ca_pem;   /* trust anchors (PEM text) used instead of the system's, or NULL */
    const char *proxy;    /* proxy URL, or NULL: none (the environment's *_proxy are ignored) */
    const char *username; /* basic authentication, or NULL */
    const char *password;
    bool reuse_connection; /* false: a fresh connection, so connect and TLS are measured */
    uint64_t max_body;     /* bytes of decoded body read; reading stops beyond (0: 1 MiB) */
    /*
     * The whole exchange, redirects included; 0: no limit of its own. A check
     * passes host->check_timeout_ms(check): the client's limit then ends the
     * request just before the daemon would cancel the check, so the response
     * still says which phase was too slow.
     */
    uint64_t timeout_ms;
    /*
     * true: the body is read (up to max_body) and counted in `bytes`, but not
     * kept: the response's body is NULL. For checks that assert nothing on it.
     */
    bool discard_body;

    /* ---- appended in ABI 2 (the client reads members beyond `size` as zero) ---- */

    /*
     * Mail: with an smtp:// or smtps:// URL the request sends `body` as one
     * message (RFC 5322 headers, a blank line, the text; lines end in CRLF)
     * from the envelope sender mail_from to every address of mail_rcpt
     * (NULL-terminated, at least one). username and password log in (SMTP
     * AUTH); method, headers, redirects and max_body do not apply.
     */
    const char *mail_from;
    const char *const *mail_rcpt;
    int mail_tls; /* enum gw_mail_tls: smtp:// only; smtps:// is TLS throughout */
};

enum gw_mail_tls {
    GW_MAIL_TLS_WHEN_OFFERED = 0, /* STARTTLS when the server offers it */
    GW_MAIL_TLS_REQUIRED = 1,     /* STARTTLS, or the request fails (tls_handshake) */
};

/* The outcome of an HTTP request. Borrowed: valid during the callback only. */
struct gw_http_response {
    /*
     * NULL when an HTTP response was received (whatever its status, and also
     * when its body was cut at max_body), else why not: a GW_REASON_* word
     * (dns, connect_refused, connect_timeout, unreachable, timeout,
     * tls_handshake, tls_verify, tls_expired, too_many_redirects, reset,
     * bad_response), or "plugin" when the failure is ours (out of memory or
     * sockets, a CA text that is not PEM): the target's state is then unknown.
     * `error` says it in a sentence naming the peer ("connection refused by
     * 127.0.0.1:8080"); NULL when reason is.
     */
    const char *reason;
    const char *error;
    long status;                /* HTTP status of the last response, 0 when none */
    int http_version;           /* 10, 11, 20, 30; 0 when none */
    const char *const *headers; /* "Name: value" of the last response, NULL-terminated */
    size_t n_headers;
    /* Decoded (gzip, deflate, br, zstd: the client asks for them all) */
    const char *body; /* the first max_body bytes, NUL-terminated; NULL with discard_body */
    size_t body_len;
    bool body_truncated; /* the body was longer than max_body: reading stopped there */
    uint64_t bytes;      /* body bytes as sent, compressed or not, up to where reading stopped */
    /*
     * Phase durations in seconds, NAN when the phase did not happen (tls_s
     * over plain HTTP) or did not finish: name resolution, TCP connect, TLS
     * handshake, from the request sent to the first byte of the response, and
     * the whole. Over redirects each phase is the sum over the requests made.
     */
    double dns_s, connect_s, tls_s, first_byte_s, total_s;
    const char *remote_ip; /* address connected to, or NULL */
    int remote_port;
    int redirects;         /* redirects followed */
    const char *final_url; /* the URL of the last request */
    /*
     * The TLS connection, when one was set up (also when its certificate was
     * refused, and also with verification off): protocol ("TLSv1.3"), the
     * server certificate's subject and issuer (RFC 2253 text) and end of
     * validity; NULL or 0 when unknown (plain HTTP, a reused connection).
     */
    const char *tls_version;
    const char *cert_subject;
    const char *cert_issuer;
    int64_t cert_not_after; /* seconds since the epoch, 0 when unknown */
    /*
     * Mail: `status` is the server's last reply code: 250 when it took the
     * message. A refusal (MAIL, RCPT or DATA refused, login denied) is an
     * answer too: reason is NULL, status the refusing code (550, 451, 535)
     * and `error` names the step ("RCPT failed: 550"). No headers, no body.
     */
};

struct gw_http_call; /* one request in flight */

typedef void (*gw_http_done_cb)(void *data, const struct gw_http_response *response);

/* ---------------------------------------------------------------------------
 * Services the daemon gives plugins
 * ------------------------------------------------------------------------ */

struct gw_check; /* one running check: the handle a check plugin completes */

enum gw_log_level {
    GW_LOG_ERROR = 3,
    GW_LOG_WARNING = 4,
    GW_LOG_NOTICE = 5,
    GW_LOG_INFO = 6,
    GW_LOG_DEBUG = 7,
};

/*
 * The host: a table of daemon services handed to every plugin function.
 * Borrowed: valid from load until the plugin is unloaded.
 */
struct gw_host {
    uint32_t abi;  /* GW_PLUGIN_ABI_VERSION of the daemon */
    uint32_t size; /* sizeof(struct gw_host) of the daemon */

    /* The daemon's event loop. Only for functions that run on the loop. */
    uv_loop_t *loop;

    /* Logs one line at `level` (enum gw_log_level), printf-style. */
    void (*log)(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

    /* ---- configuration (configure() only) --------------------------------
     * Getters take a mapping node and a key. A key that is absent leaves *out
     * unchanged (so it holds the caller's default) and returns 0. A value of
     * the wrong shape or out of range is reported at its position and the
     * getter returns -EINVAL. Strings are borrowed from the configuration and
     * valid only during configure(): copy what you keep.
     */
    int (*cfg_string)(const struct gw_cfg *map, const char *key, const char **out);
    int (*cfg_int)(const struct gw_cfg *map, const char *key, int64_t min, int64_t max,
                   int64_t *out);
    int (*cfg_number)(const struct gw_cfg *map, const char *key, double *out);
    int (*cfg_bool)(const struct gw_cfg *map, const char *key, bool *out);
    int (*cfg_duration_ms)(const struct gw_cfg *map, const char *key, uint64_t *out);
    int (*cfg_percent)(const struct gw_cfg *map, const char *key, double *out_ratio);
    int (*cfg_size)(const struct gw_cfg *map, const char *key, uint64_t *out);
    /*
     * Reads the file named by `key` (a GW_CFG_FILE key) whole, trailing
     * newlines removed. *out is NUL-terminated; caller frees. Absent: *out is
     * left unchanged and 0 is returned.
     */
    int (*cfg_secret)(const struct gw_cfg *map, const char *key, char **out);

    /* The value node of `key` in `map`, or NULL when absent. Borrowed. */
    const struct gw_cfg *(*cfg_child)(const struct gw_cfg *map, const char *key);
    /* Number of items of a sequence or pairs of a mapping; 1 for a scalar. */
    size_t (*cfg_len)(const struct gw_cfg *node);
    /* Item i of a sequence, value of pair i of a mapping; a scalar is its own item 0. */
    const struct gw_cfg *(*cfg_at)(const struct gw_cfg *node, size_t i);
    /* Key text of pair i of a mapping, or NULL. Borrowed. */
    const char *(*cfg_key_at)(const struct gw_cfg *node, size_t i);
    /* Text of a scalar node, or NULL when the node is not a scalar. Borrowed. */
    const char *(*cfg_scalar)(const struct gw_cfg *node);
    /* Reports an error (validation fails) or a warning at the node's position. */
    void (*cfg_error)(const struct gw_cfg *node, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
    void (*cfg_warning)(const struct gw_cfg *node, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

    /* ---- checks (event loop thread) ------------------------------------- */

    /* The target's full id, "council/target". Borrowed for the check's life. */
    const char *(*check_target)(const struct gw_check *check);
    /* Milliseconds this check may take; the daemon cancels it at this limit. */
    uint64_t (*check_timeout_ms)(const struct gw_check *check);
    /*
     * Records a named figure of the result (a declared figure, or `latency`,
     * in seconds). The name is copied. Calling it again for a name replaces
     * the value.
     */
    void (*check_figure)(struct gw_check *check, const char *name, double value);
    /*
     * Completes the check with its verdict: `reason` is NULL when up, otherwise
     * a reason code (borrowed static string, see GW_REASON_*); the message is a
     * sentence a person understands ("connection refused by 127.0.0.1:25").
     * Called exactly once per successful start(), never from inside start(),
     * never after cancel(). The check handle is invalid once this returns.
     */
    void (*check_done)(struct gw_check *check, enum gw_status status, const char *reason,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
    /*
     * Records a detail of the result for people (not stored as a figure):
     * `gwyliwr probe` and the status page show them in order ("address",
     * "tls", "certificate", "redirects", "expectation"). Key and text copied.
     */
    void (*check_detail)(struct gw_check *check, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    /*
     * Records the samples of a round that measures several times (pings, or
     * repeated requests): n values in seconds, NAN for a lost one. The daemon
     * records their median, the loss ratio and the sorted samples, Smokeping
     * style, as the figures "median", "loss" and "s01".."sNN" (which the
     * type declares like any other figure). Copied.
     */
    void (*check_samples)(struct gw_check *check, const double *samples, size_t n);

    /* ---- the shared HTTP client (event loop thread) -------------------------
     * One client for the whole daemon, driven by the event loop: connections
     * are kept for reuse only when a request asks, and names are resolved
     * afresh for every request (no DNS cache). http_start() copies the
     * request, returns 0 and later calls done(data, response) exactly once,
     * never from inside http_start(); or it returns a negative errno (-EINVAL
     * for a request it cannot make, -ENOTSUP without a client, as in
     * check-config) and never calls done. The call handle is valid until done
     * is called. http_cancel() abandons a call: done is then never called.
     */
    int (*http_start)(const struct gw_host *host, const struct gw_http_request *request,
                      gw_http_done_cb done, void *data, struct gw_http_call **call_out);
    void (*http_cancel)(const struct gw_host *host, struct gw_http_call *call);

    /* The daemon's own state behind this table; plugins never touch it. */
    struct gw_host_internal *internal;

    /* ---- items (event loop thread; see "Items" above) ---------------------
     * Appended members: a plugin checks GW_HOST_HAS(host, check_retry_after)
     * before using any of them.
     */

    /*
     * Reports one item of the result. `id` identifies it within the target
     * across checks (an EVSE's location and uid, an AP's serial): at most
     * 120 bytes are kept, and an id given twice in one result counts once
     * (the first wins). `reason` is the feed's own word for the state
     * ("OUTOFORDER", "offline"), NULL or "" for none, at most 31 bytes kept;
     * `name` is for people, NULL for none, at most 120 bytes kept. `flags`:
     * GW_ITEM_* bits. Everything is copied. A result keeps at most 100,000
     * items; beyond, items are counted in the figures but not listed.
     */
    void (*check_item)(struct gw_check *check, const char *id, enum gw_item_status status,
                       const char *reason, const char *name, uint32_t flags);
    /*
     * Says the items reported so far are the feed's complete list (an empty
     * list too): the daemon counts them, judges min_up and keeps them. Call
     * it once, before check_done.
     */
    void (*check_items_complete)(struct gw_check *check);
    /*
     * Asks that the target's next check wait `delay_ms` from now at least
     * (an HTTP 429 or 503 with Retry-After). The daemon skips the beats that
     * fall earlier, counting them as skipped; at most one hour is honoured.
     * A check asked to wait is not down for it: complete it UNKNOWN with
     * GW_REASON_RATE_LIMITED.
     */
    void (*check_retry_after)(struct gw_check *check, uint64_t delay_ms);
};

/* True when the daemon's host table has `member` (it may be newer or older). */
#define GW_HOST_HAS(host, member)                                                                  \
    ((host)->size >= offsetof(struct gw_host, member) + sizeof((host)->member))

/* ---------------------------------------------------------------------------
 * Check types
 * ------------------------------------------------------------------------ */

struct gw_check_type {
    const char *name;              /* the `check:` value, e.g. "tcp" */
    const char *description;       /* one line */
    const struct gw_cfg_key *keys; /* keys of a target beyond the common ones */

    /*
     * Validates the target's configuration (the mapping node `target`, with
     * defaults already applied) and builds the immutable per-target state.
     * Reports every problem through host->cfg_error and returns -EINVAL, or
     * returns 0 with *conf_out set (caller frees with conf_free).
     * May run on a worker thread.
     */
    int (*configure)(const struct gw_host *host, const struct gw_cfg *target, void **conf_out);
    void (*conf_free)(void *conf);

    /*
     * The host name or address this target's checks connect to, for the
     * per-host concurrency cap and for messages; NULL when there is none.
     * Borrowed from conf.
     */
    const char *(*conf_host)(const void *conf);

    /*
     * The figures this target records beyond up/degraded/latency: sets *out to
     * a borrowed array (lifetime of conf) and returns its length.
     */
    size_t (*figures)(const void *conf, const struct gw_figure_decl **out);

    /*
     * Starts one check of the target on the event loop. Returns 0 and later
     * calls host->check_done exactly once, or returns a negative errno and
     * never calls it. *run_out receives the plugin's state of this run, which
     * is passed to cancel().
     */
    int (*start)(const struct gw_host *host, const void *conf, struct gw_check *check,
                 void **run_out);

    /*
     * Abandons a running check (its timeout passed, or the daemon stops).
     * After cancel() returns the plugin must never touch `check` again nor
     * call check_done for it; it releases its own resources, asynchronously
     * if it has handles to close.
     */
    void (*cancel)(void *run);
};

/* ---------------------------------------------------------------------------
 * Notifier types
 *
 * The daemon decides what is owed to whom (thresholds, flapping, maintenance,
 * dependencies, grouping, re-notification), makes it durable in its event log,
 * renders the words people read (in English, Welsh or both, from its one
 * translation catalogue), and retries failed deliveries with backoff, across
 * restarts. A notifier only delivers one notification to its receiver.
 * ------------------------------------------------------------------------ */

/* A named figure of the result behind an event (latency, items_down, ...). */
struct gw_event_figure {
    const char *name;
    double value;
};

/*
 * One thing that happened, as delivered to notifiers. All members borrowed
 * for the duration of send() only: copy what you keep.
 */
struct gw_event {
    uint32_t size; /* sizeof(struct gw_event) of the daemon */
    /*
     * Unique and stable: the same event delivered again (a retry, a restart
     * in the middle of a delivery) carries the same id, so a receiver can
     * drop a duplicate.
     */
    const char *id;
    /*
     * What happened: "state" (a hard state change), "flapping" (started to
     * flap), "settled" (stopped flapping; `state` is where it settled),
     * "reminder" (still in a bad state: re_notify), "maintenance_start",
     * "maintenance_end", "monitor" (the daemon's own trouble: `target` is
     * NULL, `reason` names it), "test" (gwyliwr notify --test).
     */
    const char *kind;
    const char *state;           /* "up", "degraded", "down", "unknown" or "flapping" */
    const char *previous;        /* the state before, or NULL */
    const char *target;          /* "council/target", NULL for monitor events */
    const char *council;         /* council id, NULL for monitor events */
    const char *council_name;    /* in English (the id when the config has none) */
    const char *council_name_cy; /* in Welsh (the English name when none) */
    const char *target_name;     /* display name */
    const char *category;        /* NULL when not configured */
    const char *check;           /* check type, e.g. "http" */
    const char *reason;          /* reason code (GW_REASON_*), NULL when up */
    const char *message;         /* the result's sentence (English, from the check) */
    int64_t time_ms;             /* wall clock of the event, ms since the epoch */
    int64_t since_ms;            /* wall clock the previous state began, 0 when unknown */
    /* Why notifications were held back: NULL, "parent" (cause_target is the
     * parent that was down) or "maintenance". */
    const char *cause;
    const char *cause_target;
    const struct gw_event_figure *figures;
    size_t n_figures;
    const char *url; /* the target's page on the status page, or NULL */
    int severity;    /* enum gw_status of the state (GW_STATUS_DOWN is the most severe) */
};

/*
 * One message to send: one event, or several grouped (events that arrived
 * within the notifier's group_wait, all of one council when it groups by
 * council). Borrowed for the duration of send() only.
 */
struct gw_notification {
    uint32_t size;  /* sizeof(struct gw_notification) of the daemon */
    const char *id; /* idempotency key of this message: stable across retries and restarts */
    const struct gw_event *const *events; /* at least one */
    size_t n_events;
    /*
     * The words people read, rendered by the daemon in the notifier's
     * `language` ("en", "cy", or "both": Welsh first, then English): a
     * one-line subject a person can triage on a phone ("[DOWN] Cyngor
     * Gwynedd — website: HTTP 503") and a plain-text body (UTF-8, lines
     * ending in \n). Both never NULL.
     */
    const char *subject;
    const char *body;
    const char *language; /* "en", "cy" or "both" */
    bool test;            /* a test message from gwyliwr notify --test */
};

struct gw_delivery; /* one notification being delivered */

/*
 * How a delivery ended: err 0 when the receiver took it; else a negative
 * errno (-ETIMEDOUT, -ECONNREFUSED, -EIO for a refusal such as HTTP 500,
 * -EINVAL for one that retrying cannot fix such as HTTP 400) and `message`
 * saying what happened ("HTTP 503 from hooks.example: Service Unavailable";
 * copied). retry_after_ms > 0 asks the daemon to wait at least that long
 * before the next attempt (HTTP 429 Retry-After); 0 lets it choose.
 */
typedef void (*gw_delivery_done_cb)(struct gw_delivery *delivery, int err, const char *message,
                                    uint64_t retry_after_ms);

struct gw_notifier_type {
    const char *name; /* the `type:` value, e.g. "webhook" */
    const char *description;
    /*
     * Keys beyond those every notifier has (id, type, language, group_wait,
     * group_by, re_notify, send_recovery, min_state, timeout: validated by the
     * daemon). A plugin may read the common `timeout` (the daemon's limit on
     * one delivery) to end its own work just before it.
     */
    const struct gw_cfg_key *keys;
    /* As a check type's configure(): may run on a worker thread. */
    int (*configure)(const struct gw_host *host, const struct gw_cfg *notifier, void **conf_out);
    void (*conf_free)(void *conf);
    /*
     * Starts delivering `notification` on the event loop. Returns 0 and later
     * calls done(delivery, ...) exactly once, never from inside send(), never
     * after cancel(); or returns a negative errno and never calls it (the
     * daemon then counts a failed attempt). *run_out receives the plugin's
     * state of this delivery, passed to cancel(). The daemon enforces a
     * timeout of its own on every delivery (cancel, then a failed attempt).
     */
    int (*send)(const struct gw_host *host, const void *conf,
                const struct gw_notification *notification, struct gw_delivery *delivery,
                gw_delivery_done_cb done, void **run_out);
    /* Abandons a delivery: done is never called for it afterwards. */
    void (*cancel)(void *run);
    /*
     * How often the receiver must hear again of a state that still holds,
     * or 0 (NULL: never). Alertmanager forgets an alert that is not re-posted
     * before its resolve_timeout: its notifier returns less than that, and
     * the daemon re-sends each open problem that often.
     */
    uint64_t (*resend_ms)(const void *conf);
};

/* ---------------------------------------------------------------------------
 * The plugin
 * ------------------------------------------------------------------------ */

struct gw_plugin {
    uint32_t abi;  /* GW_PLUGIN_ABI_VERSION the plugin was built against */
    uint32_t size; /* sizeof(struct gw_plugin) the plugin was built with */
    const char *name;
    const struct gw_check_type *const *checks;       /* NULL-terminated, or NULL */
    const struct gw_notifier_type *const *notifiers; /* NULL-terminated, or NULL */
};

#define GW_PLUGIN_SYMBOL "gw_plugin"

/*
 * Defines the plugin's one exported symbol. Build plugins with
 * -fvisibility=hidden: this is the only symbol the daemon looks up.
 */
#define GW_PLUGIN_DEFINE(plugin_name, check_list, notifier_list)                                   \
    __attribute__((visibility("default"))) const struct gw_plugin gw_plugin = {                    \
        GW_PLUGIN_ABI_VERSION, sizeof(struct gw_plugin), plugin_name, check_list, notifier_list}

#ifdef __cplusplus
}
#endif

#endif /* GWYLIWR_PLUGIN_H */
