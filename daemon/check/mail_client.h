/*
 * Mail for the shared client: the smtp:// and smtps:// requests of
 * host->http_start (struct gw_http_request with mail_from and mail_rcpt).
 *
 * libcurl's SMTP is not fit for the loop: after the last byte of a message
 * it waits for the server's reply, blocking, inside the call that drives
 * the transfer (smtp_done in libcurl 7.88), and again for the reply to QUIT
 * when it closes a connection. So each mail is sent by a thread of its own
 * with curl_easy_perform, and its outcome comes back to the loop through a
 * uv_async_t: the loop never waits for a mail server, and a hung one holds
 * up nothing but its own message (not the thread pool, whose threads
 * resolve names for the checks).
 *
 * Every mail gets a fresh connection, with the STARTTLS the request asks
 * for (curl would reuse a connection without it), and the request's
 * timeout for the whole exchange.
 */
#ifndef GW_MAIL_CLIENT_H
#define GW_MAIL_CLIENT_H

#include <stdbool.h>

#include <uv.h>

#include <gwyliwr/plugin.h>

struct gw_mail_job;

/* Whether a request is mail: an smtp:// or smtps:// URL. */
bool gw_mail_client_is_mail(const struct gw_http_request *request);

/*
 * Starts sending the mail of `request` (copied). Returns 0, sets *job_out
 * and later calls done(data, response) exactly once on the loop, never from
 * inside this function; or returns -EINVAL (no sender, no recipient, no
 * body, an option curl refuses) or the negative errno of a thread that
 * cannot start, and never calls done.
 */
int gw_mail_client_start(uv_loop_t *loop, const struct gw_http_request *request,
                         gw_http_done_cb done, void *data, struct gw_mail_job **job_out);

/*
 * Abandons a mail in flight: done is never called. Its connection is shut
 * down at once; the thread ends soon after and the loop frees what is left
 * (the loop must run to let it).
 */
void gw_mail_client_cancel(struct gw_mail_job *job);

#endif
