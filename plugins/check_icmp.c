/*
 * The `icmp` check type: `count` echo requests a round, `spacing` apart, each
 * answered within `wait` or lost. The samples go to the daemon through
 * check_samples (median, loss, and the sorted samples: Smokeping's smoke);
 * min, max and the standard deviation are figures of their own.
 *
 * ping is never forked: the requests go through the loop's shared ICMP
 * socket (plugins/lib/pinger.c: unprivileged where ping_group_range allows,
 * raw with CAP_NET_RAW otherwise). A reply's time is the kernel's receive
 * stamp minus the wall time of the send, so a busy loop does not inflate it;
 * the monotonic clock checks it against a stepped wall clock.
 *
 * A run resolves the name (uv_getaddrinfo, off the loop), sends its requests
 * from a timer, and judges the round when every request is settled or the
 * last one's wait is over. Requests a router refuses (unreachable, time
 * exceeded; seen on raw sockets only) are lost, and the first refusal is
 * named in the message.
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gwyliwr/plugin.h>

#include "fmt.h"
#include "netaddr.h"
#include "pinger.h"

#define ICMP_MAX_COUNT 20 /* the samples a result holds */

/* ---- configuration ------------------------------------------------------- */

struct icmp_conf {
    struct gw_netaddr target;
    int family; /* AF_UNSPEC, AF_INET or AF_INET6 */
    unsigned count;
    uint64_t spacing_ms;
    uint64_t wait_ms;
    double max_loss;  /* ratio; NAN: no limit */
    double max_rtt_s; /* NAN: no limit */
    size_t n_figures;
    struct gw_figure_decl figures[5 + ICMP_MAX_COUNT];
    char sample_names[ICMP_MAX_COUNT][12];
};

static const struct gw_cfg_key expect_keys[] = {
    {"max_loss", GW_CFG_PERCENT, 0, NULL, "more of the round lost is degraded, e.g. 20%"},
    {"max_rtt", GW_CFG_DURATION, 0, NULL, "a slower median round trip is degraded, e.g. 100ms"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_cfg_key icmp_keys[] = {
    {"host", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "host name or IPv4/IPv6 address to ping"},
    {"count", GW_CFG_INT, 0, NULL, "echo requests a round, 1 to 20 (default 5)"},
    {"spacing", GW_CFG_DURATION, 0, NULL, "time between requests of a round (default 1s)"},
    {"wait", GW_CFG_DURATION, 0, NULL, "how long a reply may take before it is lost (default 1s)"},
    GW_NETADDR_IP_KEY,
    {"expect", GW_CFG_MAP, 0, expect_keys, "max_loss and max_rtt"},
    {NULL, 0, 0, NULL, NULL},
};

static void icmp_conf_free(void *p)
{
    struct icmp_conf *conf = p;
    if (!conf)
        return;
    free(conf->target.host);
    free(conf);
}

static void declare_figures(struct icmp_conf *conf)
{
    static const struct gw_figure_decl fixed[] = {
        {"median", "s", 0, NAN}, {"loss", "ratio", 0, 1}, {"min", "s", 0, NAN},
        {"max", "s", 0, NAN},    {"stddev", "s", 0, NAN},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        conf->figures[n++] = fixed[i];
    for (unsigned i = 0; i < conf->count; i++) {
        snprintf(conf->sample_names[i], sizeof(conf->sample_names[i]), "s%02u", i + 1);
        conf->figures[n++] = (struct gw_figure_decl){conf->sample_names[i], "s", 0, NAN};
    }
    conf->n_figures = n;
}

/* The round must end within the check's time: the timeout, and the interval. */
static int configure_round(const struct gw_host *host, const struct gw_cfg *target,
                           struct icmp_conf *conf)
{
    uint64_t timeout_ms = 10000, interval_ms = 60000;
    if (host->cfg_duration_ms(target, "timeout", &timeout_ms) < 0 ||
        host->cfg_duration_ms(target, "interval", &interval_ms) < 0)
        return -EINVAL; /* reported by the core too */
    uint64_t limit_ms = timeout_ms < interval_ms ? timeout_ms : interval_ms;
    uint64_t round_ms = (conf->count - 1) * conf->spacing_ms + conf->wait_ms;
    if (round_ms >= limit_ms) {
        host->cfg_error(target,
                        "a round of %u pings %llu ms apart, each waited for %llu ms, takes up to "
                        "%llu ms, not less than the %s of %llu ms (expected fewer pings, a shorter "
                        "spacing or wait, or a longer timeout)",
                        conf->count, (unsigned long long)conf->spacing_ms,
                        (unsigned long long)conf->wait_ms, (unsigned long long)round_ms,
                        limit_ms == timeout_ms ? "timeout" : "interval",
                        (unsigned long long)limit_ms);
        return -EINVAL;
    }
    return 0;
}

static int configure_expect(const struct gw_host *host, const struct gw_cfg *target,
                            struct icmp_conf *conf)
{
    conf->max_loss = NAN;
    conf->max_rtt_s = NAN;
    const struct gw_cfg *expect = host->cfg_child(target, "expect");
    if (!expect)
        return 0;
    uint64_t max_rtt_ms = 0;
    double max_loss = NAN;
    if (host->cfg_percent(expect, "max_loss", &max_loss) < 0 ||
        host->cfg_duration_ms(expect, "max_rtt", &max_rtt_ms) < 0)
        return -EINVAL;
    if (!isnan(max_loss) && (max_loss < 0 || max_loss >= 1)) {
        host->cfg_error(host->cfg_child(expect, "max_loss"),
                        "max_loss %g%% can never be exceeded or always is (expected 0%% to "
                        "less than 100%%; a round with every ping lost is down anyway)",
                        max_loss * 100);
        return -EINVAL;
    }
    conf->max_loss = max_loss;
    if (host->cfg_child(expect, "max_rtt"))
        conf->max_rtt_s = (double)max_rtt_ms / 1e3;
    return 0;
}

static int icmp_configure(const struct gw_host *host, const struct gw_cfg *target, void **conf_out)
{
    struct icmp_conf *conf = calloc(1, sizeof(*conf));
    if (!conf)
        abort();
    int rc = 0;
    if (gw_netaddr_configure(host, target, NULL, &conf->target, &conf->family) < 0)
        rc = -EINVAL;

    int64_t count = 5;
    conf->spacing_ms = 1000;
    conf->wait_ms = 1000;
    if (host->cfg_int(target, "count", 1, ICMP_MAX_COUNT, &count) < 0)
        rc = -EINVAL;
    conf->count = (unsigned)count;
    if (host->cfg_duration_ms(target, "spacing", &conf->spacing_ms) < 0 ||
        host->cfg_duration_ms(target, "wait", &conf->wait_ms) < 0) {
        rc = -EINVAL;
    } else if (conf->spacing_ms < 10) {
        host->cfg_error(host->cfg_child(target, "spacing"),
                        "spacing %llu ms is too short (expected at least 10ms)",
                        (unsigned long long)conf->spacing_ms);
        rc = -EINVAL;
    } else if (conf->wait_ms < 1) {
        host->cfg_error(host->cfg_child(target, "wait"), "wait 0 leaves no time for a reply "
                                                         "(expected at least 1ms)");
        rc = -EINVAL;
    } else if (rc == 0 && configure_round(host, target, conf) < 0) {
        rc = -EINVAL;
    }
    if (configure_expect(host, target, conf) < 0)
        rc = -EINVAL;
    if (rc < 0) {
        icmp_conf_free(conf);
        return rc;
    }
    declare_figures(conf);
    *conf_out = conf;
    return 0;
}

static const char *icmp_conf_host(const void *p)
{
    const struct icmp_conf *conf = p;
    return conf->target.host;
}

static size_t icmp_conf_figures(const void *p, const struct gw_figure_decl **out)
{
    const struct icmp_conf *conf = p;
    *out = conf->figures;
    return conf->n_figures;
}

/* ---- one run -------------------------------------------------------------- */

struct icmp_run {
    const struct gw_host *host;
    const struct icmp_conf *conf; /* valid only while check is set */
    struct gw_check *check;       /* NULL once completed or cancelled */

    uv_getaddrinfo_t resolve;
    bool resolving;
    uv_timer_t timer;
    bool timer_live;

    struct gw_pinger *pinger; /* held from the first send to the end */
    struct sockaddr_storage peer;
    unsigned sent, settled; /* requests sent; of them, answered or lost to an error */
    uint16_t seq[ICMP_MAX_COUNT];
    bool outstanding[ICMP_MAX_COUNT];
    int64_t sent_wall_ns[ICMP_MAX_COUNT];
    uint64_t sent_mono_ns[ICMP_MAX_COUNT];
    double rtt[ICMP_MAX_COUNT]; /* seconds; NAN lost */
    unsigned errors;            /* requests answered by an ICMP error */
    int send_error;             /* the first sendto error, 0 none */
    char error[160];            /* the first ICMP error, described */
};

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void timer_closed_cb(uv_handle_t *handle)
{
    struct icmp_run *run = handle->data;
    run->timer_live = false;
    if (!run->resolving)
        free(run);
}

/* Drops the run's sequence numbers and its pinger, closes its timer; the
 * run is freed once the resolver and the timer have reported back. */
static void run_release(struct icmp_run *run)
{
    run->check = NULL;
    run->conf = NULL;
    if (run->pinger) {
        for (unsigned i = 0; i < run->sent; i++)
            if (run->outstanding[i])
                gw_pinger_forget(run->pinger, run->seq[i]);
        gw_pinger_release(run->pinger);
        run->pinger = NULL;
    }
    if (run->timer_live) {
        if (!uv_is_closing((uv_handle_t *)&run->timer))
            uv_close((uv_handle_t *)&run->timer, timer_closed_cb);
    } else if (!run->resolving) {
        free(run);
    }
}

static void finish(struct icmp_run *run, enum gw_status status, const char *reason, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
static void finish(struct icmp_run *run, enum gw_status status, const char *reason, const char *fmt,
                   ...)
{
    char message[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    struct gw_check *check = run->check;
    const struct gw_host *host = run->host;
    run_release(run);
    host->check_done(check, status, reason, "%s", message);
}

/* "192.0.2.1", or "192.0.2.1 (www.example)" when a name was resolved. */
static void describe_peer(const struct icmp_run *run, char *out, size_t len)
{
    if (run->conf->target.numeric) {
        snprintf(out, len, "%s", run->conf->target.host); /* the literal as written */
        return;
    }
    char ip[64];
    gw_netaddr_ip(&run->peer, ip, sizeof(ip));
    snprintf(out, len, "%s (%s)", ip, run->conf->target.host);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The round is over: figures and verdict. */
static void judge(struct icmp_run *run)
{
    const struct icmp_conf *conf = run->conf;
    const struct gw_host *host = run->host;
    struct gw_check *check = run->check;
    unsigned n = conf->count, got = 0;
    double rtts[ICMP_MAX_COUNT], sum = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!isnan(run->rtt[i])) {
            rtts[got++] = run->rtt[i];
            sum += run->rtt[i];
        }
    }
    host->check_samples(check, run->rtt, n);
    double loss = (double)(n - got) / (double)n;
    char peer[160];
    describe_peer(run, peer, sizeof(peer));
    host->check_detail(check, "socket", "%s",
                       gw_pinger_is_raw(run->pinger) ? "raw ICMP socket (CAP_NET_RAW)"
                                                     : "ICMP datagram socket (ping_group_range)");
    if (got == 0) {
        host->check_figure(check, "latency", NAN);
        if (run->send_error)
            finish(run, GW_STATUS_DOWN, GW_REASON_UNREACHABLE, "cannot send to %s: %s", peer,
                   strerror(run->send_error));
        else if (run->errors)
            finish(run, GW_STATUS_DOWN, GW_REASON_UNREACHABLE, "no reply from %s: %s", peer,
                   run->error);
        else
            finish(run, GW_STATUS_DOWN, GW_REASON_TIMEOUT,
                   "no reply from %s to %u ping%s (waited %llu ms for each)", peer, n,
                   n == 1 ? "" : "s", (unsigned long long)conf->wait_ms);
        return;
    }
    qsort(rtts, got, sizeof(double), cmp_double);
    double median = got % 2 ? rtts[got / 2] : (rtts[got / 2 - 1] + rtts[got / 2]) / 2;
    double mean = sum / got, var = 0;
    for (unsigned i = 0; i < got; i++)
        var += (rtts[i] - mean) * (rtts[i] - mean);
    double stddev = sqrt(var / got);
    host->check_figure(check, "latency", median);
    host->check_figure(check, "min", rtts[0]);
    host->check_figure(check, "max", rtts[got - 1]);
    host->check_figure(check, "stddev", stddev);
    char s_min[32], s_med[32], s_max[32], s_limit[32];
    gw_fmt_seconds(rtts[0], s_min, sizeof(s_min));
    gw_fmt_seconds(median, s_med, sizeof(s_med));
    gw_fmt_seconds(rtts[got - 1], s_max, sizeof(s_max));
    char lost[200] = "";
    if (got < n)
        snprintf(lost, sizeof(lost), ", %u of %u lost%s%s", n - got, n, run->errors ? ": " : "",
                 run->errors ? run->error : "");
    if (!isnan(conf->max_loss) && loss > conf->max_loss + 1e-9) {
        finish(run, GW_STATUS_DEGRADED, GW_REASON_PACKET_LOSS,
               "%s lost %.0f %% of %u pings (max_loss %.0f %%); rtt min/median/max %s/%s/%s", peer,
               loss * 100, n, conf->max_loss * 100, s_min, s_med, s_max);
    } else if (!isnan(conf->max_rtt_s) && median > conf->max_rtt_s) {
        gw_fmt_seconds(conf->max_rtt_s, s_limit, sizeof(s_limit));
        finish(run, GW_STATUS_DEGRADED, GW_REASON_TOO_SLOW,
               "%s answers in %s (median of %u), slower than max_rtt %s%s", peer, s_med, got,
               s_limit, lost);
    } else {
        finish(run, GW_STATUS_UP, NULL, "%s answered %u of %u pings, rtt min/median/max %s/%s/%s",
               peer, got, n, s_min, s_med, s_max);
    }
}

/* A request has its answer (rtt) or is lost to an error (NAN). */
static void settle(struct icmp_run *run, unsigned i, double rtt)
{
    run->rtt[i] = rtt;
    run->settled++;
    if (run->settled == run->conf->count)
        judge(run);
}

static unsigned ping_index(const struct icmp_run *run, uint16_t seq)
{
    for (unsigned i = 0; i < run->sent; i++)
        if (run->seq[i] == seq && run->outstanding[i])
            return i;
    return ICMP_MAX_COUNT;
}

/* A request is settled: the pinger's report (see gw_pinger_cb). */
static void ping_settled_cb(void *owner, uint16_t seq, int64_t rx_wall_ns, const char *error)
{
    struct icmp_run *run = owner;
    unsigned i = ping_index(run, seq);
    if (i == ICMP_MAX_COUNT)
        return;
    run->outstanding[i] = false;
    if (error) {
        if (run->errors++ == 0)
            snprintf(run->error, sizeof(run->error), "%s", error);
        settle(run, i, NAN);
        return;
    }
    /* The kernel's stamp, unless the wall clock stepped: then our own
     * monotonic reading, a little later than the arrival. */
    uint64_t mono = uv_hrtime() - run->sent_mono_ns[i];
    int64_t wall = rx_wall_ns - run->sent_wall_ns[i];
    double rtt =
        rx_wall_ns && wall > 0 && (uint64_t)wall <= mono ? (double)wall / 1e9 : (double)mono / 1e9;
    /* a reply later than `wait` is lost, even when the round still runs */
    settle(run, i, rtt * 1e3 <= (double)run->conf->wait_ms ? rtt : NAN);
}

static void send_next(struct icmp_run *run);

static void round_over_cb(uv_timer_t *timer)
{
    struct icmp_run *run = timer->data;
    judge(run);
}

static void spacing_cb(uv_timer_t *timer)
{
    send_next(timer->data);
}

/* Sends the next request of the round and schedules what follows it. */
static void send_next(struct icmp_run *run)
{
    unsigned i = run->sent++;
    run->rtt[i] = NAN;
    run->sent_wall_ns[i] = wall_ns();
    run->sent_mono_ns[i] = uv_hrtime();
    int rc = gw_pinger_send(run->pinger, run, &run->peer, &run->seq[i]);
    bool last = run->sent == run->conf->count;
    uv_timer_start(&run->timer, last ? round_over_cb : spacing_cb,
                   last ? run->conf->wait_ms : run->conf->spacing_ms, 0);
    if (rc == 0) {
        run->outstanding[i] = true;
    } else if (rc == -EBUSY) {
        finish(run, GW_STATUS_UNKNOWN, GW_REASON_PLUGIN,
               "more than 65,536 pings in flight on one socket (expected fewer targets, or "
               "fewer pings a round)");
    } else if (rc == -EPERM || rc == -EACCES || rc == -ENOBUFS || rc == -ENOMEM) {
        /* a local firewall or our own shortage: not the host's doing */
        finish(run, GW_STATUS_UNKNOWN, GW_REASON_PLUGIN, "cannot send a ping: %s", strerror(-rc));
    } else {
        if (!run->send_error)
            run->send_error = -rc;
        settle(run, i, NAN);
    }
}

/* The address is known: open (or share) the socket and start the round. */
static void begin_round(struct icmp_run *run)
{
    int rc = gw_pinger_acquire(run->host->loop, run->peer.ss_family, ping_settled_cb, &run->pinger);
    if (rc == -EPERM) {
        finish(run, GW_STATUS_UNKNOWN, GW_REASON_PLUGIN,
               "cannot ping: unprivileged ICMP sockets are not allowed for this process's "
               "groups (sysctl net.ipv4.ping_group_range) and raw sockets need CAP_NET_RAW");
        return;
    }
    if (rc < 0) {
        finish(run, GW_STATUS_UNKNOWN, GW_REASON_PLUGIN, "cannot open an ICMP%s socket: %s",
               run->peer.ss_family == AF_INET6 ? "v6" : "", uv_strerror(rc));
        return;
    }
    send_next(run);
}

static void resolved_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct icmp_run *run = req->data;
    run->resolving = false;
    if (!run->check) {
        uv_freeaddrinfo(res);
        if (!run->timer_live)
            free(run);
        return;
    }
    const char *name = run->conf->target.host;
    const struct addrinfo *ai = res;
    while (ai && !((ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) ||
                   (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(struct sockaddr_in6))))
        ai = ai->ai_next;
    if (status == 0 && ai) {
        memset(&run->peer, 0, sizeof(run->peer));
        memcpy(&run->peer, ai->ai_addr, ai->ai_addrlen);
        uv_freeaddrinfo(res);
        begin_round(run);
        return;
    }
    uv_freeaddrinfo(res);
    char message[320];
    enum gw_status verdict =
        gw_netaddr_lookup_failed(status, name, run->conf->family, message, sizeof(message));
    finish(run, verdict, GW_REASON_DNS, "%s", message);
}

static void start_cb(uv_timer_t *timer)
{
    begin_round(timer->data);
}

/* ---- the check type ------------------------------------------------------ */

static int icmp_start(const struct gw_host *host, const void *p, struct gw_check *check,
                      void **run_out)
{
    const struct icmp_conf *conf = p;
    struct icmp_run *run = calloc(1, sizeof(*run));
    if (!run)
        abort();
    run->host = host;
    run->conf = conf;
    run->check = check;
    int rc = uv_timer_init(host->loop, &run->timer);
    if (rc < 0) {
        free(run);
        return rc;
    }
    run->timer_live = true;
    run->timer.data = run;
    if (conf->target.numeric) {
        /* The socket is opened on the next turn: a failure to open it is the
         * check's result, which cannot come from inside start. */
        run->peer = conf->target.addr;
        uv_timer_start(&run->timer, start_cb, 0, 0);
    } else {
        struct addrinfo hints = {.ai_family = conf->family, .ai_socktype = SOCK_RAW};
        run->resolve.data = run;
        rc =
            uv_getaddrinfo(host->loop, &run->resolve, resolved_cb, conf->target.host, NULL, &hints);
        if (rc < 0) {
            run->check = NULL;
            run_release(run);
            return rc;
        }
        run->resolving = true;
    }
    *run_out = run;
    return 0;
}

static void icmp_cancel(void *p)
{
    struct icmp_run *run = p;
    if (run->resolving)
        uv_cancel((uv_req_t *)&run->resolve);
    run_release(run);
}

static const struct gw_check_type icmp_check = {
    .name = "icmp",
    .description = "a host answers ping: loss, and the round trip's median, spread and samples",
    .keys = icmp_keys,
    .configure = icmp_configure,
    .conf_free = icmp_conf_free,
    .conf_host = icmp_conf_host,
    .figures = icmp_conf_figures,
    .start = icmp_start,
    .cancel = icmp_cancel,
};

static const struct gw_check_type *const icmp_checks[] = {&icmp_check, NULL};

GW_PLUGIN_DEFINE("icmp", icmp_checks, NULL);
