/*
 * The `throughput` check type: the quality of the probe host's own line,
 * measured by downloading a known object (a file on a council's server, a
 * speed-test object) through the daemon's shared HTTP client: the rate of
 * the transfer, the time to its first byte, degraded below `min_rate`. A
 * small gwyliwr host in a library or community hub measures that site's
 * broadband this way.
 *
 * The body is counted, never kept, and reading stops at `max_size`, so the
 * check costs bounded memory and bounded traffic whatever the object is; the
 * rate is then measured on what was read. The rate covers the transfer
 * alone, from the first byte of the body to the last, as speed tests count
 * it; name resolution, connecting and the server's thinking time are the
 * separate `first_byte` figure (not the http check's `ttfb` phase, which starts
 * once the request is sent).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gwyliwr/plugin.h>

#include "feed_link.h"
#include "fmt.h"
#include "http_conf.h"

#define THROUGHPUT_DEFAULT_MAX_SIZE (10u * 1024u * 1024u)
#define THROUGHPUT_MAX_MAX_SIZE     (4ull * 1024u * 1024u * 1024u)

/* ---- configuration ------------------------------------------------------- */

struct throughput_conf {
    char *url;
    char *host;          /* for the per-host cap */
    char authority[160]; /* host[:port], for messages */
    struct gw_http_headers headers;
    bool tls_verify;
    char *ca_pem;
    int ip; /* 0 any, 4 or 6 */
    uint64_t max_size;
    double min_rate; /* bytes per second; 0: none */
};

static const struct gw_cfg_key throughput_keys[] = {
    {"url", GW_CFG_STRING, GW_CFG_REQUIRED, NULL,
     "http:// or https:// URL of the object to download"},
    {"max_size", GW_CFG_SIZE, 0, NULL,
     "bytes read at most (default 10MiB): the download stops there and is measured on them"},
    {"min_rate", GW_CFG_STRING, 0, NULL,
     "a slower download is degraded: 10Mbit/s, 500kbit/s, 2MB/s, 1MiB/s"},
    GW_HTTP_CONF_KEYS,
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_figure_decl throughput_figures[] = {
    {"rate", "B/s", 0, NAN},
    {"first_byte", "s", 0, NAN},
    {"size", "B", 0, NAN},
};

static void throughput_conf_free(void *p)
{
    struct throughput_conf *conf = p;
    if (!conf)
        return;
    free(conf->url);
    free(conf->host);
    gw_http_headers_fini(&conf->headers);
    free(conf->ca_pem);
    free(conf);
}

static const struct {
    const char *unit;
    double bytes; /* bytes per second of one of the unit */
} rate_units[] = {
    {"bit/s", 1.0 / 8}, {"kbit/s", 1e3 / 8}, {"Mbit/s", 1e6 / 8},     {"Gbit/s", 1e9 / 8},
    {"B/s", 1},         {"kB/s", 1e3},       {"MB/s", 1e6},           {"GB/s", 1e9},
    {"KiB/s", 1024},    {"MiB/s", 1048576},  {"GiB/s", 1073741824.0},
};

/* "10Mbit/s", "2.5 MB/s" into bytes per second; -EINVAL when it is not a rate. */
static int parse_rate(const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || !isfinite(v) || v <= 0)
        return -EINVAL;
    while (*end == ' ')
        end++;
    for (size_t i = 0; i < sizeof(rate_units) / sizeof(rate_units[0]); i++) {
        if (strcmp(end, rate_units[i].unit) == 0) {
            *out = v * rate_units[i].bytes;
            return 0;
        }
    }
    return -EINVAL;
}

static int throughput_configure(const struct gw_host *host, const struct gw_cfg *target,
                                void **conf_out)
{
    struct throughput_conf *conf = calloc(1, sizeof(*conf));
    if (!conf)
        abort();
    int rc = gw_http_conf_url(host, target, &conf->url, &conf->host);
    if (rc == -ENOMEM)
        abort();
    gw_feed_link_authority(conf->url, conf->authority, sizeof(conf->authority));
    /* Each is read whatever came before, so that every problem is reported. */
    if (gw_http_conf_headers(host, target, &conf->headers) < 0)
        rc = -EINVAL;
    if (gw_http_conf_bearer(host, target, &conf->headers) < 0)
        rc = -EINVAL;
    if (gw_http_conf_tls(host, target, &conf->tls_verify, &conf->ca_pem) < 0)
        rc = -EINVAL;
    if (gw_http_conf_ip(host, target, &conf->ip) < 0)
        rc = -EINVAL;
    const char *min_rate = NULL;
    conf->max_size = THROUGHPUT_DEFAULT_MAX_SIZE;
    if (host->cfg_size(target, "max_size", &conf->max_size) < 0) {
        rc = -EINVAL;
    } else if (conf->max_size < 1024 || conf->max_size > THROUGHPUT_MAX_MAX_SIZE) {
        host->cfg_error(host->cfg_child(target, "max_size"),
                        "max_size %llu is out of range (expected 1KiB to 4GiB)",
                        (unsigned long long)conf->max_size);
        rc = -EINVAL;
    }
    if (host->cfg_string(target, "min_rate", &min_rate) < 0) {
        rc = -EINVAL;
    } else if (min_rate && parse_rate(min_rate, &conf->min_rate) < 0) {
        host->cfg_error(host->cfg_child(target, "min_rate"),
                        "min_rate \"%s\" is not a rate (expected a number and bit/s, kbit/s, "
                        "Mbit/s, Gbit/s, B/s, kB/s, MB/s, GB/s, KiB/s, MiB/s or GiB/s, like "
                        "10Mbit/s)",
                        min_rate);
        rc = -EINVAL;
    }
    if (rc < 0) {
        throughput_conf_free(conf);
        return rc;
    }
    *conf_out = conf;
    return 0;
}

static const char *throughput_conf_host(const void *p)
{
    const struct throughput_conf *conf = p;
    return conf->host;
}

static size_t throughput_conf_figures(const void *p, const struct gw_figure_decl **out)
{
    (void)p;
    *out = throughput_figures;
    return sizeof(throughput_figures) / sizeof(throughput_figures[0]);
}

/* ---- one run -------------------------------------------------------------- */

struct throughput_run {
    const struct gw_host *host;
    const struct throughput_conf *conf;
    struct gw_check *check;
    struct gw_http_call *call;
};

static double phase(double s)
{
    return isnan(s) ? 0 : s;
}

static void done_cb(void *data, const struct gw_http_response *r)
{
    struct throughput_run *run = data;
    const struct throughput_conf *conf = run->conf;
    const struct gw_host *host = run->host;
    struct gw_check *check = run->check;
    free(run);

    if (r->reason) {
        /* Our own failure says nothing about the line. */
        bool ours = strcmp(r->reason, GW_REASON_PLUGIN) == 0;
        host->check_done(check, ours ? GW_STATUS_UNKNOWN : GW_STATUS_DOWN, r->reason, "%s",
                         r->error ? r->error : "no response");
        return;
    }
    /* From the start to the body's first byte, and the transfer after it. */
    double ttfb = phase(r->dns_s) + phase(r->connect_s) + phase(r->tls_s) + phase(r->first_byte_s);
    double transfer = r->total_s - ttfb;
    /* A body that came in one piece has no transfer time to divide by. */
    double rate = transfer > 0 ? (double)r->bytes / transfer : NAN;
    char size[32], speed[32], first[32], limit[32];
    gw_fmt_bytes((double)r->bytes, size, sizeof(size));
    gw_fmt_rate(rate, speed, sizeof(speed));
    gw_fmt_seconds(ttfb, first, sizeof(first));
    host->check_figure(check, "latency", r->total_s);
    host->check_figure(check, "size", (double)r->bytes);
    host->check_figure(check, "first_byte", ttfb);
    if (r->status < 200 || r->status > 299) {
        host->check_done(check, GW_STATUS_DOWN, GW_REASON_HTTP_STATUS,
                         "HTTP %ld from %s (expected 2xx and the object)", r->status,
                         conf->authority);
        return;
    }
    if (isnan(rate)) {
        host->check_done(check, GW_STATUS_UNKNOWN, GW_REASON_TOO_SMALL,
                         "downloaded %s from %s in one piece: too small to time (expected an "
                         "object that takes a while to download)",
                         size, conf->authority);
        return;
    }
    host->check_figure(check, "rate", rate);
    if (r->body_truncated)
        host->check_detail(check, "size", "reading stopped at max_size, after %s", size);
    if (r->remote_ip)
        host->check_detail(check, "address", "%s port %d", r->remote_ip, r->remote_port);
    if (conf->min_rate > 0 && rate < conf->min_rate) {
        gw_fmt_rate(conf->min_rate, limit, sizeof(limit));
        host->check_done(check, GW_STATUS_DEGRADED, GW_REASON_TOO_SLOW,
                         "downloaded %s from %s at %s, below min_rate %s (first byte after %s)",
                         size, conf->authority, speed, limit, first);
        return;
    }
    host->check_done(check, GW_STATUS_UP, NULL, "downloaded %s from %s at %s (first byte after %s)",
                     size, conf->authority, speed, first);
}

static int throughput_start(const struct gw_host *host, const void *p, struct gw_check *check,
                            void **run_out)
{
    const struct throughput_conf *conf = p;
    if (!GW_HOST_HAS(host, http_cancel) || !host->http_start)
        return -ENOTSUP;
    struct throughput_run *run = calloc(1, sizeof(*run));
    if (!run)
        abort();
    run->host = host;
    run->conf = conf;
    run->check = check;
    struct gw_http_request req = {
        .size = sizeof(req),
        .url = conf->url,
        .headers = (const char *const *)conf->headers.v,
        .max_redirects = 5,
        .ip_version = conf->ip,
        .insecure = !conf->tls_verify,
        .ca_pem = conf->ca_pem,
        .max_body = conf->max_size,
        .timeout_ms = host->check_timeout_ms(check),
        .discard_body = true,
    };
    int rc = host->http_start(host, &req, done_cb, run, &run->call);
    if (rc < 0) {
        free(run);
        return rc;
    }
    *run_out = run;
    return 0;
}

static void throughput_cancel(void *p)
{
    struct throughput_run *run = p;
    run->host->http_cancel(run->host, run->call);
    free(run);
}

static const struct gw_check_type throughput_check = {
    .name = "throughput",
    .description = "broadband quality: the rate and first-byte time of downloading a known object",
    .keys = throughput_keys,
    .configure = throughput_configure,
    .conf_free = throughput_conf_free,
    .conf_host = throughput_conf_host,
    .figures = throughput_conf_figures,
    .start = throughput_start,
    .cancel = throughput_cancel,
};

static const struct gw_check_type *const throughput_checks[] = {&throughput_check, NULL};

GW_PLUGIN_DEFINE("throughput", throughput_checks, NULL);
