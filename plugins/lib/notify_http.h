/*
 * What the notifiers that deliver over HTTP share (webhook, alertmanager):
 * their connection keys (url or url_file, headers_file, ca_file,
 * tls_verify, proxy, timeout), one POST through the daemon's HTTP client,
 * and the mapping of the receiver's answer to a delivery outcome:
 *
 *   2xx                      sent (err 0)
 *   429                      -EAGAIN, retry_after_ms from Retry-After
 *   408, 5xx                 -EIO (retryable; a 503's Retry-After is honoured)
 *   other 4xx, 3xx           -EINVAL (retrying cannot fix it)
 *   no answer                -ECONNREFUSED, -ETIMEDOUT, -ECONNRESET,
 *                            -EHOSTUNREACH, -EPROTO (all retryable)
 *
 * Built into each plugin as a static library with hidden symbols: the
 * plugins still export only gw_plugin.
 */
#ifndef GW_NOTIFY_HTTP_H
#define GW_NOTIFY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <gwyliwr/plugin.h>

#include "notify_util.h"

/*
 * The keys gw_notify_http_configure reads, for a notifier's key table. It
 * reads `timeout` too, a key every notifier has (the daemon validates it).
 */
#define GW_NOTIFY_HTTP_KEYS                                                                        \
    {"url", GW_CFG_STRING, 0, NULL, "http:// or https:// URL to POST to (or url_file)"},           \
        {"url_file", GW_CFG_FILE, 0, NULL,                                                         \
         "file holding the URL, for receivers whose URL is a secret (Slack, Mattermost)"},         \
        {"headers_file", GW_CFG_FILE, 0, NULL,                                                     \
         "file of secret request headers, one \"Name: value\" a line"},                            \
        {"ca_file", GW_CFG_FILE, GW_CFG_PUBLIC, NULL,                                              \
         "PEM trust anchors used instead of the system's"},                                        \
        {"tls_verify", GW_CFG_BOOL, 0, NULL, "verify the receiver's certificate (default true)"},  \
    {                                                                                              \
        "proxy", GW_CFG_STRING, 0, NULL, "proxy URL, e.g. http://proxy.example:3128"               \
    }

/*
 * The daemon's limit on one delivery when `timeout` is not given: it
 * cancels a delivery then. A notifier ends its own request a tenth earlier
 * (at most 1 s), so the outcome says which part was slow.
 */
#define GW_NOTIFY_DEFAULT_TIMEOUT_MS 30000u

/* Bytes of a receiver's answer kept: enough for its error message. */
#define GW_NOTIFY_HTTP_MAX_BODY (64u * 1024u)

struct gw_notify_http_conf {
    char *url;
    char *where;    /* "https://hooks.example:443": names the receiver without the URL's secrets */
    char **headers; /* "Name: value", NULL-terminated; never NULL after configure */
    size_t n_headers;
    char *ca_pem;
    char *proxy;
    bool insecure;
    uint64_t timeout_ms;
};

/* One delivery over HTTP (or one completed without a request). */
struct gw_notify_http_run;

/*
 * Reads the keys of GW_NOTIFY_HTTP_KEYS from `node` into `conf` (zeroed by
 * the caller). `path` is appended to the URL when not NULL ("/api/v2/alerts").
 * Reports every problem through host->cfg_error and returns -EINVAL; returns
 * 0 otherwise. The caller frees with gw_notify_http_conf_clear, either way.
 */
int gw_notify_http_configure(const struct gw_host *host, const struct gw_cfg *node,
                             struct gw_notify_http_conf *conf, const char *path);

/*
 * Reads ca_file (into *ca_pem, caller frees), tls_verify (into *insecure)
 * and timeout (at least 100ms, GW_NOTIFY_DEFAULT_TIMEOUT_MS when absent):
 * *timeout_ms is the notifier's own limit, a little shorter. Reports each
 * problem through host->cfg_error and returns -EINVAL, else 0.
 */
int gw_notify_read_transport(const struct gw_host *host, const struct gw_cfg *node, char **ca_pem,
                             bool *insecure, uint64_t *timeout_ms);

/* Frees what conf holds, wiping the secrets. NULL does nothing. */
void gw_notify_http_conf_clear(struct gw_notify_http_conf *conf);

/*
 * POSTs `body` (copied) with `content_type` and the configured headers, plus
 * "Idempotency-Key: <id>" so that a receiver can drop a repeat. Returns 0,
 * sets *run_out and later calls done(delivery, ...) exactly once with the
 * outcome mapped as above; or returns a negative errno and never calls done.
 */
int gw_notify_http_post(const struct gw_host *host, const struct gw_notify_http_conf *conf,
                        const char *body, size_t body_len, const char *content_type,
                        const char *idempotency_key, struct gw_delivery *delivery,
                        gw_delivery_done_cb done, void **run_out);

/* gw_notify_http_post of `doc` (taken: its reference is dropped) as compact JSON. */
int gw_notify_http_post_json(const struct gw_host *host, const struct gw_notify_http_conf *conf,
                             json_t *doc, const char *idempotency_key, struct gw_delivery *delivery,
                             gw_delivery_done_cb done, void **run_out);

/*
 * Completes a delivery that needs no request (nothing for this receiver in
 * the notification): done(delivery, 0, message, 0) is called once, on a
 * later turn of the loop. Returns 0, or a negative errno and never calls it.
 */
int gw_notify_http_nothing(const struct gw_host *host, const char *message,
                           struct gw_delivery *delivery, gw_delivery_done_cb done, void **run_out);

/* Abandons a run of gw_notify_http_post or _nothing: done is never called. */
void gw_notify_http_cancel(void *run);

/*
 * The delivery outcome of `response` from `where`: sets *err, a sentence in
 * msg ("HTTP 503 from https://hooks.example:443: Service Unavailable") and
 * *retry_after_ms. `now_s` is the wall clock, for a Retry-After date.
 */
void gw_notify_http_outcome(const struct gw_http_response *response, const char *where,
                            int64_t now_s, int *err, char *msg, size_t msg_len,
                            uint64_t *retry_after_ms);

/*
 * The errno of a request that got no answer, from its reason word
 * (gw_http_response.reason): -ECONNREFUSED, -ETIMEDOUT, -ECONNRESET,
 * -EHOSTUNREACH, -EIO (our own failure) or -EPROTO (TLS, a malformed answer).
 */
int gw_notify_errno_of_reason(const char *reason);

#endif
