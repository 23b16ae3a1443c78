#include "i18n/reason.h"

#include <string.h>

#include <gwyliwr/plugin.h>

static const struct {
    const char *code, *text;
} phrases[] = {
    /* reaching the service */
    {GW_REASON_TIMEOUT, GW_N_("no answer in time")},
    {GW_REASON_DNS, GW_N_("name not found")},
    {GW_REASON_CONNECT_REFUSED, GW_N_("connection refused")},
    {GW_REASON_CONNECT_TIMEOUT, GW_N_("no connection")},
    {GW_REASON_UNREACHABLE, GW_N_("unreachable")},
    {GW_REASON_RESET, GW_N_("connection reset")},
    {GW_REASON_BANNER_MISMATCH, GW_N_("unexpected reply")},
    {GW_REASON_PLUGIN, GW_N_("the monitor's own error")},
    {GW_REASON_CANCELLED, GW_N_("check abandoned")},
    /* TLS and HTTP */
    {GW_REASON_TLS_HANDSHAKE, GW_N_("TLS handshake failed")},
    {GW_REASON_TLS_VERIFY, GW_N_("certificate not trusted")},
    {GW_REASON_TLS_EXPIRED, GW_N_("certificate expired")},
    {GW_REASON_HTTP_STATUS, GW_N_("unexpected HTTP status")},
    {GW_REASON_BODY_MISMATCH, GW_N_("wrong content")},
    {GW_REASON_JSON_MISMATCH, GW_N_("wrong content")},
    {GW_REASON_ASSERTION, GW_N_("a check failed")},
    {GW_REASON_TOO_SLOW, GW_N_("too slow")},
    {GW_REASON_CERT_EXPIRING, GW_N_("certificate expiring")},
    {GW_REASON_TOO_MANY_REDIRECTS, GW_N_("too many redirects")},
    {GW_REASON_BODY_TOO_LARGE, GW_N_("answer too large")},
    {GW_REASON_BAD_RESPONSE, GW_N_("not a valid answer")},
    /* feeds */
    {GW_REASON_FEED_PARSE, GW_N_("feed cannot be read")},
    {GW_REASON_FEED_SCHEMA, GW_N_("feed incomplete")},
    {GW_REASON_FEED_TOO_LARGE, GW_N_("feed too large")},
    {GW_REASON_FEED_PAGING, GW_N_("feed pages cannot be followed")},
    {GW_REASON_FEED_ERROR, GW_N_("the feed reports an error")},
    {GW_REASON_RATE_LIMITED, GW_N_("too many requests")},
    {GW_REASON_TOO_FEW_UP, GW_N_("too few working")},
    {GW_REASON_HEALTH_WARN, GW_N_("the service reports a problem")},
    {GW_REASON_HEALTH_FAIL, GW_N_("the service reports a failure")},
    {GW_REASON_HEALTH_UNKNOWN, GW_N_("the service cannot tell its state")},
    /* network checks */
    {GW_REASON_NXDOMAIN, GW_N_("the name does not exist")},
    {GW_REASON_NODATA, GW_N_("no record of that type")},
    {GW_REASON_SERVFAIL, GW_N_("name server failure")},
    {GW_REASON_REFUSED, GW_N_("the name server refused the query")},
    {GW_REASON_FORMERR, GW_N_("the name server could not read the query")},
    {GW_REASON_NOTIMP, GW_N_("the name server does not support the query")},
    {GW_REASON_ANSWER_MISMATCH, GW_N_("wrong DNS answer")},
    {GW_REASON_NAMESERVER, GW_N_("a name server fails")},
    {GW_REASON_SOA_MISMATCH, GW_N_("the name servers disagree")},
    {GW_REASON_PACKET_LOSS, GW_N_("packets lost")},
    {GW_REASON_TOO_SMALL, GW_N_("download too small to time")},
    {GW_REASON_WARNING, GW_N_("the check warns")},
    {GW_REASON_CRITICAL, GW_N_("the check finds a critical problem")},
    {GW_REASON_UNKNOWN, GW_N_("the check cannot tell")},
};

/*
 * "HTTP 503" in the sentence: the first "HTTP " followed by three digits
 * and no fourth. Returns its length (8) and *at, or 0.
 */
static size_t http_status_in(const char *sentence, const char **at)
{
    for (const char *s = sentence; s && (s = strstr(s, "HTTP ")) != NULL; s += 5) {
        const char *d = s + 5;
        if (d[0] >= '1' && d[0] <= '5' && d[1] >= '0' && d[1] <= '9' && d[2] >= '0' &&
            d[2] <= '9' && !(d[3] >= '0' && d[3] <= '9')) {
            *at = s;
            return 8;
        }
    }
    return 0;
}

bool gw_reason_phrase(struct gw_strbuf *b, enum gw_lang lang, const char *reason,
                      const char *sentence)
{
    if (!reason || !*reason)
        return false;
    const char *status;
    size_t len;
    if (strcmp(reason, GW_REASON_HTTP_STATUS) == 0 &&
        (len = http_status_in(sentence, &status)) > 0) {
        gw_strbuf_append_n(b, status, len);
        return true;
    }
    for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
        if (strcmp(reason, phrases[i].code) == 0) {
            gw_strbuf_append(b, gw_i18n_tr(lang, phrases[i].text));
            return true;
        }
    return false;
}
