#include "graph/graph.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <rrd.h>
#include <rrd_client.h>

#include "graph/graph_internal.h"
#include "util/units.h"
#include "util/xalloc.h"

/* ---- periods, times and sizes ---------------------------------------------- */

static const struct {
    const char *name;
    int64_t seconds;
    enum gw_i18n_key title;
} periods[] = {
    [GW_GRAPH_PERIOD_1H] = {"1h", 3600, GW_I18N_PERIOD_1H},
    [GW_GRAPH_PERIOD_1D] = {"1d", 86400, GW_I18N_PERIOD_1D},
    [GW_GRAPH_PERIOD_7D] = {"7d", 7 * 86400, GW_I18N_PERIOD_7D},
    [GW_GRAPH_PERIOD_30D] = {"30d", 30 * 86400, GW_I18N_PERIOD_30D},
    [GW_GRAPH_PERIOD_365D] = {"365d", 365 * 86400, GW_I18N_PERIOD_365D},
};
#define N_PERIODS (sizeof(periods) / sizeof(periods[0]))

int gw_graph_parse_period(const char *text, enum gw_graph_period *out)
{
    for (size_t i = 0; text && i < N_PERIODS; i++) {
        if (strcmp(text, periods[i].name) == 0) {
            *out = (enum gw_graph_period)i;
            return 0;
        }
    }
    return -EINVAL;
}

int64_t gw_graph_period_seconds(enum gw_graph_period period)
{
    return (unsigned)period < N_PERIODS ? periods[period].seconds : 0;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* "YYYY-MM-DD[( |T)HH:MM[:SS]]" in local time. */
static int parse_local_time(const char *text, int64_t *out_s)
{
    static const char *const formats[] = {
        "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
    };
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        struct tm tm = {0};
        const char *end = strptime(text, formats[i], &tm);
        if (!end || *end)
            continue;
        struct tm asked = tm;
        tm.tm_isdst = -1;
        time_t t = mktime(&tm);
        /* mktime turns 31 February into 3 March: refuse what it had to move. */
        if (t == (time_t)-1 || tm.tm_mday != asked.tm_mday || tm.tm_mon != asked.tm_mon)
            return -EINVAL;
        *out_s = (int64_t)t;
        return 0;
    }
    return -EINVAL;
}

int gw_graph_parse_time(const char *text, int64_t now_s, int64_t *out_s)
{
    if (!text || !*text)
        return -EINVAL;
    if (strcmp(text, "now") == 0) {
        *out_s = now_s;
        return 0;
    }
    if (text[0] == '-') {
        uint64_t ms;
        if (gw_units_parse_duration_ms(text + 1, &ms) < 0 || ms / 1000 > (uint64_t)INT64_MAX / 2)
            return -EINVAL;
        *out_s = now_s - (int64_t)(ms / 1000);
        return 0;
    }
    if (all_digits(text)) {
        errno = 0;
        char *end;
        unsigned long long v = strtoull(text, &end, 10);
        if (errno || v > (unsigned long long)INT32_MAX * 4)
            return -EINVAL;
        *out_s = (int64_t)v;
        return 0;
    }
    if (gw_units_parse_time(text, out_s) == 0)
        return 0;
    return parse_local_time(text, out_s);
}

int gw_graph_parse_size(const char *text, unsigned *width, unsigned *height)
{
    if (!text)
        return -EINVAL;
    const char *x = strpbrk(text, "xX");
    if (!x || x == text || !x[1])
        return -EINVAL;
    char *w_text = gw_xstrndup(text, (size_t)(x - text));
    bool digits = all_digits(w_text) && all_digits(x + 1);
    unsigned long w = strtoul(w_text, NULL, 10), h = strtoul(x + 1, NULL, 10);
    free(w_text);
    if (!digits || strlen(x + 1) > 6 || (size_t)(x - text) > 6)
        return -EINVAL;
    if (w < GW_GRAPH_WIDTH_MIN || w > GW_GRAPH_WIDTH_MAX || h < GW_GRAPH_HEIGHT_MIN ||
        h > GW_GRAPH_HEIGHT_MAX)
        return -ERANGE;
    *width = (unsigned)w;
    *height = (unsigned)h;
    return 0;
}

int gw_graph_format_of_path(const char *path, enum gw_graph_format *out)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/'))
        return -EINVAL;
    if (strcasecmp(dot, ".png") == 0)
        *out = GW_GRAPH_PNG;
    else if (strcasecmp(dot, ".svg") == 0)
        *out = GW_GRAPH_SVG;
    else
        return -EINVAL;
    return 0;
}

/* The span as a title names it: the period, or the dates of a custom span. */
static void period_text(struct gw_strbuf *b, const struct graph_render *r)
{
    const struct gw_graph_request *req = r->req;
    if ((unsigned)req->period < N_PERIODS) {
        gw_strbuf_append(b, gw_i18n_text(req->lang, periods[req->period].title));
        return;
    }
    char from[32], to[32];
    struct tm tm;
    time_t t = (time_t)req->start_s;
    strftime(from, sizeof(from), "%d/%m/%Y %H:%M", localtime_r(&t, &tm));
    t = (time_t)req->end_s;
    strftime(to, sizeof(to), "%d/%m/%Y %H:%M", localtime_r(&t, &tm));
    gw_strbuf_printf(b, "%s – %s", from, to);
}

/* ---- titles ------------------------------------------------------------------ */

void gw_graph_set_title(struct graph_render *r, const char *head, const char *middle)
{
    struct gw_strbuf plain = {0}, markup = {0}, period = {0};
    period_text(&period, r);
    gw_strbuf_append(&plain, head);
    gw_strbuf_append(&markup, "<b>");
    gw_strbuf_append_xml_text(&markup, head);
    gw_strbuf_append(&markup, "</b>");
    if (middle) {
        gw_strbuf_printf(&plain, " · %s", middle);
        gw_strbuf_append(&markup, " · ");
        gw_strbuf_append_xml_text(&markup, middle);
    }
    gw_strbuf_printf(&plain, " · %s", period.s);
    gw_strbuf_append(&markup, " · ");
    gw_strbuf_append_xml_text(&markup, period.s);
    gw_strbuf_reset(&period);
    r->title = gw_strbuf_take(&markup);
    r->title_text = gw_strbuf_take(&plain);
}

/* ---- the entry ------------------------------------------------------------- */

static const struct gw_council_conf *find_council(const struct gw_config *config, const char *id)
{
    for (size_t i = 0; i < config->n_councils; i++)
        if (strcmp(config->councils[i].id, id) == 0)
            return &config->councils[i];
    return NULL;
}

/*
 * The default size of a subject's image. Strips get about three legend lines
 * each in a council graph and two in the Wales graph, so their labels need
 * no smaller font and the strips are thick enough to read.
 */
static void default_size(const struct gw_config *config, const struct gw_council_conf *council,
                         const struct gw_target_conf *target, unsigned *w, unsigned *h)
{
    if (target) {
        *w = 800;
        *h = 420;
        return;
    }
    size_t n = council ? council->n_targets + 1 : config->n_councils + 1;
    size_t lines = (council ? 3 : 2) * n + 1 + STRIP_KEY_LINES;
    size_t want = 60 + 14 * lines;
    *w = council ? 800 : 960;
    *h = (unsigned)(want < 300 ? 300 : want > 1600 ? 1600 : want);
}

int gw_graph_render(const struct gw_config *config, const struct gw_graph_request *req,
                    unsigned char **data_out, size_t *size_out, char **error_out)
{
    *data_out = NULL;
    *size_out = 0;
    *error_out = NULL;
    if (!req->subject || !*req->subject) {
        *error_out = gw_xstrdup("no subject (expected wales, a council or council/target)");
        return -EINVAL;
    }
    if (req->end_s <= req->start_s || req->start_s < 0) {
        *error_out = gw_xstrdup("the start of the graph must come before its end");
        return -EINVAL;
    }
    if ((unsigned)req->lang >= GW_LANG_COUNT ||
        (req->format != GW_GRAPH_PNG && req->format != GW_GRAPH_SVG)) {
        *error_out = gw_xstrdup("unknown language or image format");
        return -EINVAL;
    }
    if ((req->width || req->height) &&
        (req->width < GW_GRAPH_WIDTH_MIN || req->width > GW_GRAPH_WIDTH_MAX ||
         req->height < GW_GRAPH_HEIGHT_MIN || req->height > GW_GRAPH_HEIGHT_MAX)) {
        *error_out = gw_xasprintf("size %ux%u out of range (%u..%u x %u..%u)", req->width,
                                  req->height, GW_GRAPH_WIDTH_MIN, GW_GRAPH_WIDTH_MAX,
                                  GW_GRAPH_HEIGHT_MIN, GW_GRAPH_HEIGHT_MAX);
        return -EINVAL;
    }

    const struct gw_council_conf *council = NULL;
    const struct gw_target_conf *target = NULL;
    bool wales = strcmp(req->subject, "wales") == 0;
    if (!wales && strchr(req->subject, '/')) {
        target = gw_config_find_target(config, req->subject);
        if (!target) {
            *error_out = gw_xasprintf("no target %s in %s", req->subject, config->path);
            return -ENOENT;
        }
        council = &config->councils[target->council];
    } else if (!wales) {
        council = find_council(config, req->subject);
        if (!council) {
            *error_out = gw_xasprintf("no council %s in %s", req->subject, config->path);
            return -ENOENT;
        }
    }

    struct graph_render r = {
        .config = config, .req = req, .width = req->width, .height = req->height};
    if (!r.width || !r.height)
        default_size(config, council, target, &r.width, &r.height);

    struct graph_out out = {0};
    int rc;
    gw_graph_draw_lock();
    const char *cached = config->daemon.rrdcached;
    if (cached && *cached) {
        r.cached = rrdc_connect(cached) == 0;
        rrd_clear_error();
    }
    if (target)
        rc = gw_graph_target_render(&r, council, target, &out, error_out);
    else if (council)
        rc = gw_graph_strips_render_council(&r, council, &out, error_out);
    else
        rc = gw_graph_strips_render_wales(&r, &out, error_out);
    if (r.cached)
        rrdc_disconnect();
    gw_graph_draw_unlock();

    if (rc == 0 && req->format == GW_GRAPH_SVG) {
        *data_out = gw_graph_svg_finish(out.image, out.size, &r, size_out);
    } else if (rc == 0) {
        *data_out = out.image;
        *size_out = out.size;
        out.image = NULL;
    }
    gw_graph_draw_out_free(&out);
    free(r.title);
    free(r.title_text);
    gw_strbuf_reset(&r.desc);
    return rc;
}
