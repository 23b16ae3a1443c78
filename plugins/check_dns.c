/*
 * The `dns` check type: a query (A, AAAA, CNAME, MX, TXT, NS, SOA) at the
 * system's resolvers or at a given server, its answers compared with the
 * expected ones, its time measured; optionally, every name server of the
 * zone is asked for the zone's SOA and their serials compared.
 *
 * Queries go through c-ares on the loop (plugins/lib/dns_channel.c), which
 * tries the servers, retries and falls back to TCP; answers are read by
 * plugins/lib/dns_packet.c, whatever the server sent. A verdict carries the
 * response code: nxdomain, servfail, refused, nodata (the name exists without
 * a record of the type), timeout. When a server is given it is the target,
 * and its failures are the target's (down); through the system's resolvers a
 * SERVFAIL or NXDOMAIN is still the zone's, but a resolver that refuses us
 * or does not answer is ours: unknown, never the council's downtime. The
 * first resolver's answer counts, its code kept (see dns_channel.h); one
 * that does not answer is passed over for the next.
 *
 * The serial check asks for the zone's NS records, resolves each name
 * server's addresses through the same channel, then sends each address one
 * SOA query over UDP itself (non-recursive: the server's own copy) and
 * compares the serials. A name server that does not answer, or answers
 * without authority, degrades the result, as do serials that differ.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ares.h>
#include <arpa/inet.h>

#include <gwyliwr/plugin.h>

#include "dns_channel.h"
#include "dns_packet.h"
#include "dns_serials.h"
#include "fmt.h"
#include "netaddr.h"

#define DNS_MAX_EXPECTED 32

/* ---- configuration ------------------------------------------------------- */

struct dns_conf {
    char *name;    /* lower case, no final dot */
    uint16_t type; /* enum gw_dns_type */
    char *server;  /* "ip:port" for c-ares, NULL: the system's resolvers */
    char *server_text;
    size_t n_expected;
    char *expected[DNS_MAX_EXPECTED]; /* normalised like the answers */
    bool exactly;
    double max_latency_s; /* NAN: none */
    bool serials;
    int ns_port;
    size_t n_figures;
    struct gw_figure_decl figures[3];
};

static const struct gw_cfg_key expect_keys[] = {
    {"answers", GW_CFG_LIST, 0, NULL,
     "answers that must all be there: addresses, names, \"10 mail.example.org\" or "
     "mail.example.org "
     "for MX, the text of a TXT record, the primary name server for SOA"},
    {"exactly", GW_CFG_BOOL, 0, NULL, "true: no answers but those of `answers`"},
    {"max_latency", GW_CFG_DURATION, 0, NULL, "a slower answer is degraded"},
    {"serials_agree", GW_CFG_BOOL, 0, NULL,
     "true: every name server of the zone `name` must answer with the same SOA serial"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_cfg_key dns_keys[] = {
    {"name", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "the name to look up"},
    {"type", GW_CFG_STRING, 0, NULL, "A (default), AAAA, CNAME, MX, TXT, NS or SOA"},
    {"server", GW_CFG_STRING, 0, NULL,
     "the server to ask, 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53; default: the "
     "system's resolvers"},
    {"ns_port", GW_CFG_INT, 0, NULL, "port the zone's name servers are asked on (default 53)"},
    {"expect", GW_CFG_MAP, 0, expect_keys, "answers, exactly, max_latency, serials_agree"},
    {NULL, 0, 0, NULL, NULL},
};

static void dns_conf_free(void *p)
{
    struct dns_conf *conf = p;
    if (!conf)
        return;
    free(conf->name);
    free(conf->server);
    free(conf->server_text);
    for (size_t i = 0; i < conf->n_expected; i++)
        free(conf->expected[i]);
    free(conf);
}

static char *must_strdup(const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        abort();
    return copy;
}

/* A name as answers show it: lower case, without its final dot. */
static char *normal_name(const char *text)
{
    char *s = must_strdup(text);
    size_t len = strlen(s);
    if (len > 1 && s[len - 1] == '.')
        s[len - 1] = '\0';
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

/* "ip", "ip:port", "[v6]:port" into conf->server (c-ares's form) and its text. */
static int configure_server(const struct gw_host *host, const struct gw_cfg *node, const char *text,
                            struct dns_conf *conf)
{
    char addr[80];
    int port = 53;
    const char *colon = strrchr(text, ':');
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || (close[1] && close[1] != ':') || (size_t)(close - text) >= sizeof(addr))
            goto bad;
        snprintf(addr, sizeof(addr), "%.*s", (int)(close - text - 1), text + 1);
        colon = close[1] ? close + 1 : NULL;
    } else if (colon && strchr(text, ':') == colon) {
        if ((size_t)(colon - text) >= sizeof(addr))
            goto bad;
        snprintf(addr, sizeof(addr), "%.*s", (int)(colon - text), text);
    } else {
        snprintf(addr, sizeof(addr), "%s", text);
        colon = NULL;
    }
    if (colon) {
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || p < 1 || p > 65535)
            goto bad;
        port = (int)p;
    }
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    bool v6 = uv_ip6_addr(addr, port, &sin6) == 0;
    if (!v6 && uv_ip4_addr(addr, port, &sin) != 0)
        goto bad;
    char buf[128];
    snprintf(buf, sizeof(buf), "%s%s%s:%d", v6 ? "[" : "", addr, v6 ? "]" : "", port);
    conf->server = must_strdup(buf);
    conf->server_text = must_strdup(buf);
    return 0;
bad:
    host->cfg_error(node,
                    "server \"%s\" is not an address with an optional port (expected "
                    "192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53)",
                    text);
    return -EINVAL;
}

/* Reads one expected answer into its normal form; reports a malformed one. */
static char *normal_expected(const struct gw_host *host, const struct gw_cfg *node, uint16_t type,
                             const char *text)
{
    unsigned char bin[16];
    char buf[INET6_ADDRSTRLEN];
    switch (type) {
    case GW_DNS_A:
    case GW_DNS_AAAA: {
        int af = type == GW_DNS_A ? AF_INET : AF_INET6;
        if (inet_pton(af, text, bin) != 1) {
            host->cfg_error(node, "expected answer \"%s\" is not an IPv%c address", text,
                            type == GW_DNS_A ? '4' : '6');
            return NULL;
        }
        inet_ntop(af, bin, buf, sizeof(buf));
        return must_strdup(buf);
    }
    case GW_DNS_TXT:
        return must_strdup(text);
    default: /* names, "10 name" for MX, "mname ..." for SOA */
        if (!text[0] || strspn(text, " ") == strlen(text)) {
            host->cfg_error(node, "an empty expected answer");
            return NULL;
        }
        return normal_name(text);
    }
}

static int configure_expect(const struct gw_host *host, const struct gw_cfg *target,
                            struct dns_conf *conf)
{
    conf->max_latency_s = NAN;
    const struct gw_cfg *expect = host->cfg_child(target, "expect");
    if (!expect)
        return 0;
    int rc = 0;
    uint64_t max_ms = 0;
    if (host->cfg_bool(expect, "exactly", &conf->exactly) < 0 ||
        host->cfg_bool(expect, "serials_agree", &conf->serials) < 0 ||
        host->cfg_duration_ms(expect, "max_latency", &max_ms) < 0)
        rc = -EINVAL;
    if (host->cfg_child(expect, "max_latency"))
        conf->max_latency_s = (double)max_ms / 1e3;
    const struct gw_cfg *answers = host->cfg_child(expect, "answers");
    size_t n = answers ? host->cfg_len(answers) : 0;
    if (n > DNS_MAX_EXPECTED) {
        host->cfg_error(answers, "%zu expected answers (expected at most %d)", n, DNS_MAX_EXPECTED);
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        const struct gw_cfg *item = host->cfg_at(answers, i);
        char *value = normal_expected(host, item, conf->type, host->cfg_scalar(item));
        if (!value) {
            rc = -EINVAL;
            continue;
        }
        conf->expected[conf->n_expected++] = value;
    }
    if (conf->exactly && conf->n_expected == 0) {
        host->cfg_error(host->cfg_child(expect, "exactly"),
                        "exactly: true without answers (expected the answers to insist on)");
        rc = -EINVAL;
    }
    return rc;
}

static int dns_configure(const struct gw_host *host, const struct gw_cfg *target, void **conf_out)
{
    struct dns_conf *conf = calloc(1, sizeof(*conf));
    if (!conf)
        abort();
    int rc = 0;
    const char *name = NULL, *type = "A", *server = NULL, *problem = NULL;
    struct sockaddr_in6 literal;
    if (host->cfg_string(target, "name", &name) < 0 || !name) {
        rc = -EINVAL;
    } else if ((problem = gw_netaddr_name_problem(name)) != NULL) {
        host->cfg_error(host->cfg_child(target, "name"),
                        "name \"%s\" %s (expected a DNS name like www.example.org)", name, problem);
        rc = -EINVAL;
    } else if (strspn(name, "0123456789.") == strlen(name) || uv_ip6_addr(name, 0, &literal) == 0) {
        host->cfg_error(host->cfg_child(target, "name"),
                        "name %s is an address (expected a DNS name; a reverse lookup is not a "
                        "check type of its own)",
                        name);
        rc = -EINVAL;
    } else {
        conf->name = normal_name(name);
    }
    if (host->cfg_string(target, "type", &type) < 0) {
        rc = -EINVAL;
    } else if (!(conf->type = gw_dns_packet_type(type))) {
        host->cfg_error(host->cfg_child(target, "type"),
                        "type \"%s\" (expected A, AAAA, CNAME, MX, TXT, NS or SOA)", type);
        rc = -EINVAL;
    }
    if (host->cfg_string(target, "server", &server) < 0 ||
        (server && configure_server(host, host->cfg_child(target, "server"), server, conf) < 0))
        rc = -EINVAL;
    int64_t ns_port = 53;
    if (host->cfg_int(target, "ns_port", 1, 65535, &ns_port) < 0)
        rc = -EINVAL;
    conf->ns_port = (int)ns_port;
    if (rc == 0 && configure_expect(host, target, conf) < 0)
        rc = -EINVAL;
    if (rc < 0) {
        dns_conf_free(conf);
        return rc;
    }
    conf->figures[conf->n_figures++] = (struct gw_figure_decl){"answers", "count", 0, NAN};
    if (conf->serials) {
        conf->figures[conf->n_figures++] = (struct gw_figure_decl){"nameservers", "count", 0, NAN};
        conf->figures[conf->n_figures++] = (struct gw_figure_decl){"serials", "count", 0, NAN};
    }
    *conf_out = conf;
    return 0;
}

static const char *dns_conf_host(const void *p)
{
    const struct dns_conf *conf = p;
    return conf->server_text ? conf->server_text : conf->name;
}

static size_t dns_conf_figures(const void *p, const struct gw_figure_decl **out)
{
    const struct dns_conf *conf = p;
    *out = conf->figures;
    return conf->n_figures;
}

/* ---- one run -------------------------------------------------------------- */

/* One run, freed as soon as it ends: the channel and survey free themselves. */
struct dns_run {
    const struct gw_host *host;
    const struct dns_conf *conf;
    struct gw_check *check;
    struct gw_dns_channel *ch;
    char servers[160];
    uint64_t sent_ns;
    double elapsed_s;
    uint64_t timeout_ms;

    /* the main answer's verdict, while the serials are checked */
    char message[320];

    struct gw_dns_serials *serials; /* the survey of the zone's name servers, or NULL */
};

/* Lets go of the check and frees the run; its channel and survey free themselves. */
static void run_abandon(struct dns_run *run)
{
    if (run->serials)
        gw_dns_serials_cancel(run->serials);
    if (run->ch)
        gw_dns_channel_close(run->ch);
    free(run);
}

static void finish(struct dns_run *run, enum gw_status status, const char *reason, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
static void finish(struct dns_run *run, enum gw_status status, const char *reason, const char *fmt,
                   ...)
{
    char message[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    struct gw_check *check = run->check;
    const struct gw_host *host = run->host;
    run_abandon(run);
    host->check_done(check, status, reason, "%s", message);
}

/* "192.0.2.53:53", or "the system's resolver 127.0.0.53:53". */
static void describe_server(const struct dns_run *run, char *out, size_t len)
{
    snprintf(out, len, "%s%s", run->conf->server ? "" : "the system's resolver ", run->servers);
}

/* An error answer (or none): the verdict, by who failed. */
static void judge_failure(struct dns_run *run, int status, int rcode)
{
    const struct dns_conf *conf = run->conf;
    const char *type = gw_dns_packet_type_name(conf->type);
    char who[200], took[32], rcode_buf[16];
    describe_server(run, who, sizeof(who));
    gw_fmt_seconds(run->elapsed_s, took, sizeof(took));
    /* through the system's resolvers, the resolver failing is ours */
    enum gw_status ours = conf->server ? GW_STATUS_DOWN : GW_STATUS_UNKNOWN;
    if (status == ARES_ENOTFOUND || status == ARES_ENODATA)
        run->host->check_figure(run->check, "answers", 0);
    switch (status) {
    case ARES_ENOTFOUND:
        finish(run, GW_STATUS_DOWN, GW_REASON_NXDOMAIN,
               "%s does not exist (NXDOMAIN from %s in %s)", conf->name, who, took);
        return;
    case ARES_ENODATA:
        finish(run, GW_STATUS_DOWN, GW_REASON_NODATA,
               "%s has no %s record (NOERROR, no answer from %s in %s)", conf->name, type, who,
               took);
        return;
    case ARES_ESERVFAIL:
        finish(run, GW_STATUS_DOWN, GW_REASON_SERVFAIL, "%s %s: SERVFAIL from %s in %s", conf->name,
               type, who, took);
        return;
    case ARES_EREFUSED:
        finish(run, ours, GW_REASON_REFUSED, "%s %s: REFUSED from %s in %s", conf->name, type, who,
               took);
        return;
    case ARES_EFORMERR:
    case ARES_ENOTIMP:
        finish(run, ours, status == ARES_EFORMERR ? GW_REASON_FORMERR : GW_REASON_NOTIMP,
               "%s %s: %s from %s in %s", conf->name, type,
               gw_dns_packet_rcode_name(rcode >= 0                ? rcode
                                        : status == ARES_EFORMERR ? GW_DNS_FORMERR
                                                                  : GW_DNS_NOTIMP,
                                        rcode_buf, sizeof(rcode_buf)),
               who, took);
        return;
    case ARES_ETIMEOUT:
        finish(run, ours, GW_REASON_TIMEOUT, "no answer for %s %s from %s", conf->name, type, who);
        return;
    case ARES_ECONNREFUSED:
        finish(run, ours, GW_REASON_CONNECT_REFUSED, "%s refused the query for %s %s (port closed)",
               who, conf->name, type);
        return;
    case ARES_EBADRESP:
        finish(run, ours, GW_REASON_BAD_RESPONSE, "a malformed answer for %s %s from %s",
               conf->name, type, who);
        return;
    default:
        finish(run, GW_STATUS_UNKNOWN, GW_REASON_PLUGIN, "cannot look up %s %s: %s", conf->name,
               type, ares_strerror(status));
        return;
    }
}

/* Does `answer` (as text) stand for the expected `want`? */
static bool answer_matches(uint16_t type, const char *want, const char *answer)
{
    if (type == GW_DNS_TXT || type == GW_DNS_A || type == GW_DNS_AAAA)
        return strcmp(want, answer) == 0;
    if (strcasecmp(want, answer) == 0)
        return true;
    /* MX without its preference, SOA by its first fields */
    const char *rest = answer;
    if (type == GW_DNS_MX && !strchr(want, ' ') && (rest = strchr(answer, ' ')))
        return strcasecmp(want, rest + 1) == 0;
    size_t n = strlen(want);
    return type == GW_DNS_SOA && strncasecmp(want, answer, n) == 0 && answer[n] == ' ';
}

/* Appends ", text" (or the first "text") to a list in out, within its size. */
static void list_add(char *out, size_t len, const char *text)
{
    size_t used = strlen(out);
    if (used + 8 >= len)
        return;
    snprintf(out + used, len - used, "%s%s", used ? ", " : "", text);
}

static void start_serials(struct dns_run *run);

/* The main answer: its figures and verdict, or on to the serials. */
static void judge_answer(struct dns_run *run, const struct gw_dns_message *m)
{
    const struct dns_conf *conf = run->conf;
    const struct gw_host *host = run->host;
    const char *type = gw_dns_packet_type_name(conf->type);
    char who[200], took[32], answers[400] = "", chain[300] = "";
    describe_server(run, who, sizeof(who));
    gw_fmt_seconds(run->elapsed_s, took, sizeof(took));
    size_t n = 0;
    const char *first = NULL;
    for (size_t i = 0; i < m->n_kept; i++) {
        const struct gw_dns_record *r = &m->records[i];
        if (r->type == conf->type) {
            n++;
            first = first ? first : r->text;
            list_add(answers, sizeof(answers), r->text);
        } else if (r->type == GW_DNS_CNAME) {
            list_add(chain, sizeof(chain), r->text);
        }
    }
    host->check_figure(run->check, "answers", (double)n);
    if (chain[0])
        host->check_detail(run->check, "cname", "%s", chain);
    if (n == 0) {
        judge_failure(run, ARES_ENODATA, m->rcode);
        return;
    }
    host->check_detail(run->check, "answers", "%s", answers);
    char missing[300] = "", extra[300] = "";
    for (size_t i = 0; i < conf->n_expected; i++) {
        bool found = false;
        for (size_t j = 0; j < m->n_kept && !found; j++)
            found = m->records[j].type == conf->type &&
                    answer_matches(conf->type, conf->expected[i], m->records[j].text);
        if (!found)
            list_add(missing, sizeof(missing), conf->expected[i]);
    }
    for (size_t j = 0; j < m->n_kept && conf->exactly; j++) {
        bool wanted = false;
        for (size_t i = 0; i < conf->n_expected && !wanted; i++)
            wanted = answer_matches(conf->type, conf->expected[i], m->records[j].text);
        if (m->records[j].type == conf->type && !wanted)
            list_add(extra, sizeof(extra), m->records[j].text);
    }
    if (missing[0] || extra[0]) {
        finish(run, GW_STATUS_DOWN, GW_REASON_ANSWER_MISMATCH,
               "%s %s from %s: %s%s%s%s%s (answers: %s)", conf->name, type, who,
               missing[0] ? "no " : "", missing, missing[0] && extra[0] ? "; " : "",
               extra[0] ? "unexpected " : "", extra, answers);
        return;
    }
    if (!isnan(conf->max_latency_s) && run->elapsed_s > conf->max_latency_s) {
        char limit[32];
        gw_fmt_seconds(conf->max_latency_s, limit, sizeof(limit));
        finish(run, GW_STATUS_DEGRADED, GW_REASON_TOO_SLOW,
               "%s %s answered from %s in %s, slower than max_latency %s", conf->name, type, who,
               took, limit);
        return;
    }
    snprintf(run->message, sizeof(run->message), "%s %s %s%s from %s in %s", conf->name, type,
             first, n > 1 ? " (and more)" : "", who, took);
    if (conf->serials)
        start_serials(run);
    else
        finish(run, GW_STATUS_UP, NULL, "%s", run->message);
}

static void answer_cb(void *data, int status, const uint8_t *abuf, size_t alen)
{
    struct dns_run *run = data;
    run->elapsed_s = (double)(uv_hrtime() - run->sent_ns) / 1e9;
    run->host->check_figure(run->check, "latency", run->elapsed_s);
    struct gw_dns_message *m = malloc(sizeof(*m));
    if (!m)
        abort();
    char problem[96];
    int rcode = -1;
    if (abuf && gw_dns_packet_parse(abuf, alen, m, problem, sizeof(problem)) < 0) {
        char who[200];
        describe_server(run, who, sizeof(who));
        finish(run, run->conf->server ? GW_STATUS_DOWN : GW_STATUS_UNKNOWN, GW_REASON_BAD_RESPONSE,
               "a malformed answer for %s from %s: %s", run->conf->name, who, problem);
    } else if (status != ARES_SUCCESS) {
        if (abuf)
            rcode = m->rcode;
        judge_failure(run, status, rcode);
    } else {
        judge_answer(run, m);
    }
    free(m);
}

static void ready_cb(void *data, int status, const char *servers)
{
    struct dns_run *run = data;
    if (status != ARES_SUCCESS) {
        finish(run, GW_STATUS_UNKNOWN, GW_REASON_PLUGIN, "cannot set up the resolver: %s",
               ares_strerror(status));
        return;
    }
    snprintf(run->servers, sizeof(run->servers), "%s", servers);
    run->host->check_detail(run->check, "server", "%s%s",
                            run->conf->server ? "" : "system: ", servers);
    run->sent_ns = uv_hrtime();
    gw_dns_channel_query(run->ch, run->conf->name, run->conf->type, answer_cb, run);
}

/* ---- the serials of the zone's name servers --------------------------------- */

static void serials_cb(void *data, const struct gw_dns_serial *servers, size_t n, size_t n_names)
{
    struct dns_run *run = data;
    run->serials = NULL;
    const struct gw_host *host = run->host;
    char failures[300] = "", serials[300] = "", item[200];
    uint32_t distinct[GW_DNS_SERIALS_MAX_ADDRS];
    size_t n_distinct = 0, answered = 0;
    for (size_t i = 0; i < n; i++) {
        const struct gw_dns_serial *t = &servers[i];
        char ip[64];
        gw_netaddr_ip(&t->addr, ip, sizeof(ip));
        if (t->failure[0]) {
            snprintf(item, sizeof(item), "%s (%s): %s", t->name, ip, t->failure);
            list_add(failures, sizeof(failures), item);
            continue;
        }
        answered++;
        snprintf(item, sizeof(item), "%u at %s (%s)", t->serial, t->name, ip);
        list_add(serials, sizeof(serials), item);
        size_t k = 0;
        while (k < n_distinct && distinct[k] != t->serial)
            k++;
        if (k == n_distinct)
            distinct[n_distinct++] = t->serial;
    }
    host->check_figure(run->check, "nameservers", (double)answered);
    host->check_figure(run->check, "serials", (double)n_distinct);
    if (serials[0])
        host->check_detail(run->check, "serials", "%s", serials);
    const char *zone = run->conf->name;
    if (n == 0)
        finish(run, GW_STATUS_DEGRADED, GW_REASON_NAMESERVER,
               "%s: no name server address to ask (%s)", zone,
               n_names ? "their names do not resolve" : "no NS records");
    else if (failures[0])
        finish(run, GW_STATUS_DEGRADED, GW_REASON_NAMESERVER, "%s: a name server fails: %s", zone,
               failures);
    else if (n_distinct > 1)
        finish(run, GW_STATUS_DEGRADED, GW_REASON_SOA_MISMATCH, "serials of %s differ: %s", zone,
               serials);
    else
        finish(run, GW_STATUS_UP, NULL, "%s; serial %u at %zu name server address%s", run->message,
               distinct[0], answered, answered == 1 ? "" : "es");
}

static void start_serials(struct dns_run *run)
{
    /* the SOA queries get what is left of the check's time, less a margin */
    uint64_t spent = (uv_hrtime() - run->sent_ns) / 1000000;
    uint64_t left = run->timeout_ms > spent ? run->timeout_ms - spent : 0;
    gw_dns_serials_start(run->host->loop, run->ch, run->conf->name, run->conf->ns_port,
                         left > 100 ? left - left / 10 - 50 : 1, serials_cb, run, &run->serials);
}

/* ---- the check type ------------------------------------------------------ */

static int dns_start(const struct gw_host *host, const void *p, struct gw_check *check,
                     void **run_out)
{
    const struct dns_conf *conf = p;
    struct dns_run *run = calloc(1, sizeof(*run));
    if (!run)
        abort();
    run->host = host;
    run->conf = conf;
    run->check = check;
    run->timeout_ms = host->check_timeout_ms(check);
    struct gw_dns_channel_options options = {
        .servers = conf->server,
        .timeout_ms = run->timeout_ms,
    };
    int rc = gw_dns_channel_open(host->loop, &options, ready_cb, run, &run->ch);
    if (rc < 0) {
        free(run);
        return rc;
    }
    *run_out = run;
    return 0;
}

static void dns_cancel(void *p)
{
    run_abandon(p);
}

static const struct gw_check_type dns_check = {
    .name = "dns",
    .description = "a name resolves to what is expected, in time (optionally: the zone's name "
                   "servers agree on its serial)",
    .keys = dns_keys,
    .configure = dns_configure,
    .conf_free = dns_conf_free,
    .conf_host = dns_conf_host,
    .figures = dns_conf_figures,
    .start = dns_start,
    .cancel = dns_cancel,
};

static const struct gw_check_type *const dns_checks[] = {&dns_check, NULL};

GW_PLUGIN_DEFINE("dns", dns_checks, NULL);
