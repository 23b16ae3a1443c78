#include "plugin/host.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "config/cfg.h"
#include "util/log.h"
#include "util/xalloc.h"

static void host_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gw_logv(level, fmt, ap);
    va_end(ap);
}

static void host_cfg_error(const struct gw_cfg *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gw_cfg_errorv(node, GW_DIAG_ERROR, fmt, ap);
    va_end(ap);
}

static void host_cfg_warning(const struct gw_cfg *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gw_cfg_errorv(node, GW_DIAG_WARNING, fmt, ap);
    va_end(ap);
}

static int host_http_start(const struct gw_host *host, const struct gw_http_request *request,
                           gw_http_done_cb done, void *data, struct gw_http_call **call_out)
{
    if (!host->internal || !host->internal->http)
        return -ENOTSUP;
    return gw_http_client_start(host->internal->http, request, done, data, call_out);
}

static void host_http_cancel(const struct gw_host *host, struct gw_http_call *call)
{
    if (host->internal && host->internal->http)
        gw_http_client_cancel(host->internal->http, call);
}

void gw_host_init(struct gw_host *host, uv_loop_t *loop)
{
    memset(host, 0, sizeof(*host));
    host->abi = GW_PLUGIN_ABI_VERSION;
    host->size = sizeof(*host);
    host->loop = loop;
    host->log = host_log;
    host->cfg_string = gw_cfg_get_string;
    host->cfg_int = gw_cfg_get_int;
    host->cfg_number = gw_cfg_get_number;
    host->cfg_bool = gw_cfg_get_bool;
    host->cfg_duration_ms = gw_cfg_get_duration_ms;
    host->cfg_percent = gw_cfg_get_percent;
    host->cfg_size = gw_cfg_get_size;
    host->cfg_secret = gw_cfg_get_secret;
    host->cfg_child = gw_cfg_child;
    host->cfg_len = gw_cfg_len;
    host->cfg_at = gw_cfg_at;
    host->cfg_key_at = gw_cfg_key_at;
    host->cfg_scalar = gw_cfg_scalar;
    host->cfg_error = host_cfg_error;
    host->cfg_warning = host_cfg_warning;
    host->check_target = gw_check_target;
    host->check_timeout_ms = gw_check_timeout_ms;
    host->check_figure = gw_check_figure;
    host->check_done = gw_check_done;
    host->check_detail = gw_check_detail;
    host->check_samples = gw_check_samples;
    host->http_start = host_http_start;
    host->http_cancel = host_http_cancel;
    host->check_item = gw_check_item;
    host->check_items_complete = gw_check_items_complete;
    host->check_retry_after = gw_check_retry_after;
}

void gw_host_set_http(struct gw_host *host, struct gw_http_client *client)
{
    if (!client) {
        free(host->internal);
        host->internal = NULL;
        return;
    }
    if (!host->internal)
        host->internal = gw_xcalloc(1, sizeof(*host->internal));
    host->internal->http = client;
}
