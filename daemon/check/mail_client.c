#include "check/mail_client.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "util/log.h"
#include "util/xalloc.h"

struct gw_mail_job {
    uv_async_t async; /* the thread says it is done; closed (and the job freed) on the loop */
    uv_thread_t thread;
    CURL *easy;
    struct curl_slist *rcpt;
    char *message;
    size_t message_len, sent;
    uint64_t timeout_ms;
    gw_http_done_cb done;
    void *data;

    /* Shared with the thread: cancel() shuts the socket down, the thread closes it. */
    atomic_bool cancelled;
    uv_mutex_t lock;
    curl_socket_t sock; /* under lock; CURL_SOCKET_BAD when none is open */

    /* Written by the thread before it signals, read on the loop after. */
    CURLcode rc;
    char errbuf[CURL_ERROR_SIZE];
};

bool gw_mail_client_is_mail(const struct gw_http_request *req)
{
    return req->url &&
           (strncasecmp(req->url, "smtp://", 7) == 0 || strncasecmp(req->url, "smtps://", 8) == 0);
}

/* ---- the thread ------------------------------------------------------------------- */

static size_t read_cb(char *buf, size_t size, size_t n, void *userp)
{
    struct gw_mail_job *job = userp;
    size_t left = job->message_len - job->sent;
    size_t take = left < size * n ? left : size * n;
    memcpy(buf, job->message + job->sent, take);
    job->sent += take;
    return take;
}

static int progress_cb(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct gw_mail_job *job = userp;
    return atomic_load(&job->cancelled) ? 1 : 0;
}

static int sockopt_cb(void *userp, curl_socket_t fd, curlsocktype purpose)
{
    (void)purpose;
    struct gw_mail_job *job = userp;
    uv_mutex_lock(&job->lock);
    job->sock = fd;
    bool cancelled = atomic_load(&job->cancelled);
    uv_mutex_unlock(&job->lock);
    return cancelled ? CURL_SOCKOPT_ERROR : CURL_SOCKOPT_OK;
}

static int close_cb(void *userp, curl_socket_t fd)
{
    struct gw_mail_job *job = userp;
    uv_mutex_lock(&job->lock);
    if (job->sock == fd)
        job->sock = CURL_SOCKET_BAD;
    int rc = close(fd);
    uv_mutex_unlock(&job->lock);
    return rc;
}

static void mail_thread(void *arg)
{
    struct gw_mail_job *job = arg;
    job->rc = curl_easy_perform(job->easy);
    uv_async_send(&job->async);
}

/* ---- the outcome, on the loop ------------------------------------------------------- */

/* "127.0.0.1:2525" when connected, else the URL's host and port. */
static void peer(CURL *easy, char *out, size_t len)
{
    char *ip = NULL, *url = NULL;
    long port = 0;
    curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip);
    curl_easy_getinfo(easy, CURLINFO_PRIMARY_PORT, &port);
    if (ip && *ip) {
        bool v6 = strchr(ip, ':') != NULL;
        snprintf(out, len, "%s%s%s:%ld", v6 ? "[" : "", ip, v6 ? "]" : "", port);
        return;
    }
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
    const char *host = url ? strstr(url, "://") : NULL;
    host = host ? host + 3 : "the mail server";
    snprintf(out, len, "%.*s", (int)strcspn(host, "/?#"), host);
}

/*
 * Fills the response. A server that refused (a reply code of 400 or more:
 * MAIL, RCPT or DATA refused, login denied) answered: reason NULL, status
 * the code, error the step curl names. Anything else that failed has a
 * reason as HTTP requests do.
 */
static void describe(struct gw_mail_job *job, struct gw_http_response *r, char *err, size_t len)
{
    memset(r, 0, sizeof(*r));
    long code = 0, os_errno = 0;
    curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(job->easy, CURLINFO_OS_ERRNO, &os_errno);
    r->status = code;
    char where[300];
    peer(job->easy, where, sizeof(where));
    const char *detail = job->errbuf[0] ? job->errbuf : curl_easy_strerror(job->rc);
    if (job->rc == CURLE_OK)
        return;
    if (code >= 400 && job->rc != CURLE_OPERATION_TIMEDOUT) {
        snprintf(err, len, "%s", detail);
        r->error = err;
        return;
    }
    r->error = err;
    switch (job->rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
        r->reason = GW_REASON_DNS;
        snprintf(err, len, "%s does not resolve", where);
        break;
    case CURLE_COULDNT_CONNECT:
        r->reason = os_errno == ECONNREFUSED ? GW_REASON_CONNECT_REFUSED
                    : os_errno == ETIMEDOUT  ? GW_REASON_CONNECT_TIMEOUT
                                             : GW_REASON_UNREACHABLE;
        if (os_errno == ECONNREFUSED)
            snprintf(err, len, "connection refused by %s", where);
        else
            snprintf(err, len, "cannot connect to %s (%s)", where, detail);
        break;
    case CURLE_OPERATION_TIMEDOUT: {
        double connect_s = 0;
        curl_easy_getinfo(job->easy, CURLINFO_CONNECT_TIME, &connect_s);
        r->reason = connect_s > 0 ? GW_REASON_TIMEOUT : GW_REASON_CONNECT_TIMEOUT;
        snprintf(err, len, "%s %s within %llu ms",
                 connect_s > 0 ? "no answer from" : "cannot connect to", where,
                 (unsigned long long)job->timeout_ms);
        break;
    }
    case CURLE_USE_SSL_FAILED:
        r->reason = GW_REASON_TLS_HANDSHAKE;
        snprintf(err, len, "%s does not offer STARTTLS, which is required", where);
        break;
    case CURLE_SSL_CONNECT_ERROR:
        r->reason = GW_REASON_TLS_HANDSHAKE;
        snprintf(err, len, "TLS handshake with %s failed: %s", where, detail);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
        r->reason = GW_REASON_TLS_VERIFY;
        snprintf(err, len, "the certificate of %s is not trusted: %s", where, detail);
        break;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        r->reason = GW_REASON_RESET;
        snprintf(err, len, "the connection to %s broke (%s)", where, detail);
        break;
    case CURLE_WEIRD_SERVER_REPLY:
        r->reason = GW_REASON_BAD_RESPONSE;
        snprintf(err, len, "the reply from %s is not SMTP (%s)", where, detail);
        break;
    default:
        r->reason = GW_REASON_PLUGIN;
        snprintf(err, len, "mail to %s failed: %s", where, detail);
        break;
    }
}

static void job_free(struct gw_mail_job *job)
{
    curl_easy_cleanup(job->easy);
    curl_slist_free_all(job->rcpt);
    if (job->message)
        explicit_bzero(job->message, job->message_len);
    free(job->message);
    uv_mutex_destroy(&job->lock);
    free(job);
}

static void job_closed_cb(uv_handle_t *handle)
{
    job_free(handle->data);
}

static void job_done_cb(uv_async_t *async)
{
    struct gw_mail_job *job = async->data;
    uv_thread_join(&job->thread);
    if (!atomic_load(&job->cancelled)) {
        struct gw_http_response r;
        char err[1024];
        describe(job, &r, err, sizeof(err));
        job->done(job->data, &r);
    }
    uv_close((uv_handle_t *)&job->async, job_closed_cb);
}

/* ---- starting and cancelling ------------------------------------------------------------- */

static int configure(struct gw_mail_job *job, const struct gw_http_request *req)
{
    CURL *e = job->easy;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        CURLcode set_rc = curl_easy_setopt(e, opt, val);                                           \
        if (set_rc != CURLE_OK && rc == CURLE_OK)                                                  \
            rc = set_rc;                                                                           \
    } while (0)
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_ERRORBUFFER, job->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    SET(CURLOPT_MAIL_FROM, req->mail_from);
    SET(CURLOPT_MAIL_RCPT, job->rcpt);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_READFUNCTION, read_cb);
    SET(CURLOPT_READDATA, job);
    SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)job->message_len);
    SET(CURLOPT_USE_SSL,
        req->mail_tls == GW_MAIL_TLS_REQUIRED ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
    SET(CURLOPT_FRESH_CONNECT, 1L);
    SET(CURLOPT_FORBID_REUSE, 1L);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_XFERINFOFUNCTION, progress_cb);
    SET(CURLOPT_XFERINFODATA, job);
    SET(CURLOPT_SOCKOPTFUNCTION, sockopt_cb);
    SET(CURLOPT_SOCKOPTDATA, job);
    SET(CURLOPT_CLOSESOCKETFUNCTION, close_cb);
    SET(CURLOPT_CLOSESOCKETDATA, job);
    if (req->timeout_ms) {
        SET(CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
        /* The wait for QUIT's reply, which the overall timeout does not bound. */
        SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)((req->timeout_ms + 999) / 1000));
    }
    if (req->ip_version == 4)
        SET(CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4);
    else if (req->ip_version == 6)
        SET(CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V6);
    if (req->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (req->ca_pem) {
        struct curl_blob blob = {
            .data = (void *)req->ca_pem, .len = strlen(req->ca_pem), .flags = CURL_BLOB_COPY};
        SET(CURLOPT_CAINFO_BLOB, &blob);
    }
    SET(CURLOPT_PROXY, req->proxy ? req->proxy : "");
    if (req->username) {
        SET(CURLOPT_USERNAME, req->username);
        SET(CURLOPT_PASSWORD, req->password ? req->password : "");
    }
#undef SET
    if (rc != CURLE_OK) {
        gw_log_error("mail: cannot set up a message for %s: %s", req->url, curl_easy_strerror(rc));
        return -EINVAL;
    }
    return 0;
}

int gw_mail_client_start(uv_loop_t *loop, const struct gw_http_request *req, gw_http_done_cb done,
                         void *data, struct gw_mail_job **job_out)
{
    if (!gw_mail_client_is_mail(req) || !req->mail_from || !req->mail_rcpt || !req->mail_rcpt[0] ||
        !req->body)
        return -EINVAL;
    struct gw_mail_job *job = gw_xcalloc(1, sizeof(*job));
    job->done = done;
    job->data = data;
    job->timeout_ms = req->timeout_ms;
    job->sock = CURL_SOCKET_BAD;
    atomic_init(&job->cancelled, false);
    uv_mutex_init(&job->lock);
    job->message = gw_xmalloc(req->body_len ? req->body_len : 1);
    memcpy(job->message, req->body, req->body_len);
    job->message_len = req->body_len;
    for (const char *const *r = req->mail_rcpt; *r; r++) {
        struct curl_slist *l = curl_slist_append(job->rcpt, *r);
        if (!l) {
            gw_log_error("mail: out of memory");
            abort();
        }
        job->rcpt = l;
    }
    job->easy = curl_easy_init();
    if (!job->easy) {
        gw_log_error("mail: out of memory");
        abort();
    }
    int rc = configure(job, req);
    if (rc == 0)
        rc = uv_async_init(loop, &job->async, job_done_cb);
    if (rc < 0) {
        job_free(job);
        return rc;
    }
    job->async.data = job;
    rc = uv_thread_create(&job->thread, mail_thread, job);
    if (rc < 0) {
        gw_log_error("mail: cannot start a thread for %s: %s", req->url, uv_strerror(rc));
        uv_close((uv_handle_t *)&job->async, job_closed_cb);
        return rc;
    }
    *job_out = job;
    return 0;
}

void gw_mail_client_cancel(struct gw_mail_job *job)
{
    if (!job)
        return;
    atomic_store(&job->cancelled, true);
    /* The thread may be blocked in a read: end its connection under it. */
    uv_mutex_lock(&job->lock);
    if (job->sock != CURL_SOCKET_BAD)
        shutdown(job->sock, SHUT_RDWR);
    uv_mutex_unlock(&job->lock);
}
