#include "graph/graph_internal.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrd.h>

#include "util/xalloc.h"

static pthread_mutex_t graph_lock = PTHREAD_MUTEX_INITIALIZER;

void gw_graph_draw_lock(void)
{
    pthread_mutex_lock(&graph_lock);
}

void gw_graph_draw_unlock(void)
{
    pthread_mutex_unlock(&graph_lock);
}

/*
 * The time axis for a span: grid lines, major lines and labels (librrd's
 * --x-grid), about eight labels whatever the span. Numeric labels only: the
 * names of days and months would follow the C locale, not the graph's
 * language.
 */
static const char *x_grid_for(int64_t span_s)
{
    static const struct {
        int64_t up_to_s;
        const char *grid;
    } grids[] = {
        {2 * 3600, "MINUTE:5:MINUTE:15:MINUTE:15:0:%H:%M"},
        {6 * 3600, "MINUTE:15:HOUR:1:HOUR:1:0:%H:%M"},
        {36 * 3600, "HOUR:1:HOUR:3:HOUR:3:0:%H:%M"},
        {10 * 86400, "HOUR:6:DAY:1:DAY:1:43200:%d/%m"},
        {60 * 86400, "DAY:1:WEEK:1:WEEK:1:0:%d/%m"},
        {400 * 86400, "MONTH:1:MONTH:3:MONTH:2:0:%m/%Y"},
    };
    for (size_t i = 0; i < sizeof(grids) / sizeof(grids[0]); i++)
        if (span_s <= grids[i].up_to_s)
            return grids[i].grid;
    return "MONTH:3:YEAR:1:YEAR:1:0:%Y";
}

void gw_graph_draw_element_text(struct gw_strbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == ':')
            gw_strbuf_append(b, "\\:");
        else if (*s == '\\')
            gw_strbuf_append(b, "/");
        else if (*s == '&' || *s == '<' || *s == '>') {
            char one[2] = {*s, '\0'};
            gw_strbuf_append_xml_text(b, one);
        } else
            gw_strbuf_append_n(b, s, 1);
    }
}

void gw_graph_draw_arg(struct graph_args *a, const char *fmt, ...)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->v = gw_xreallocarray(a->v, a->cap, sizeof(*a->v));
    }
    struct gw_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    gw_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    a->v[a->n++] = gw_strbuf_take(&b);
    a->v[a->n] = NULL;
}

void gw_graph_draw_args_free(struct graph_args *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

void gw_graph_draw_common(struct graph_args *a, const struct graph_render *r)
{
    const struct gw_graph_request *req = r->req;
    gw_graph_draw_arg(a, "graph");
    gw_graph_draw_arg(a, "-");
    gw_graph_draw_arg(a, "--imgformat=%s", req->format == GW_GRAPH_SVG ? "SVG" : "PNG");
    gw_graph_draw_arg(a, "--full-size-mode");
    gw_graph_draw_arg(a, "--width=%u", r->width);
    gw_graph_draw_arg(a, "--height=%u", r->height);
    gw_graph_draw_arg(a, "--start=%lld", (long long)req->start_s);
    gw_graph_draw_arg(a, "--end=%lld", (long long)req->end_s);
    gw_graph_draw_arg(a, "--title=%s", r->title);
    gw_graph_draw_arg(a, "--pango-markup");
    gw_graph_draw_arg(a, "--disable-rrdtool-tag");
    gw_graph_draw_arg(a, "--border=0");
    gw_graph_draw_arg(a, "--x-grid=%s", x_grid_for(req->end_s - req->start_s));
    gw_graph_draw_arg(a, "--font=DEFAULT:8:" FONT);
    gw_graph_draw_arg(a, "--font=TITLE:10:" FONT);
    gw_graph_draw_arg(a, "--font=AXIS:7:" FONT);
    gw_graph_draw_arg(a, "--font=UNIT:8:" FONT);
    static const char *const colors[] = {
        "BACK#FFFFFF",  "CANVAS#FFFFFF", "SHADEA#FFFFFF", "SHADEB#FFFFFF", "FRAME#9A9A9A",
        "ARROW#9A9A9A", "GRID#E4E4E4",   "MGRID#C4C4C4",  "FONT#1A1A1A",   "AXIS#9A9A9A",
    };
    for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
        gw_graph_draw_arg(a, "--color=%s", colors[i]);
}

void gw_graph_draw_key(struct graph_args *a, const char *nil, const char *color, const char *text,
                       const char *end)
{
    struct gw_strbuf b = {0};
    gw_graph_draw_element_text(&b, text);
    gw_graph_draw_arg(a, "AREA:%s%s:%s%s", nil, color, b.s, end);
    gw_strbuf_reset(&b);
}

void gw_graph_draw_out_free(struct graph_out *o)
{
    free(o->image);
    free(o->label_top);
    free(o->label_bottom);
    memset(o, 0, sizeof(*o));
}

static long info_long(const rrd_info_t *i)
{
    switch (i->type) {
    case RD_I_CNT:
        return (long)i->value.u_cnt;
    case RD_I_INT:
        return i->value.u_int;
    case RD_I_VAL:
        return lround(i->value.u_val);
    default:
        return 0;
    }
}

int gw_graph_draw_run(struct graph_args *a, struct graph_out *out, char **error_out)
{
    memset(out, 0, sizeof(*out));
    rrd_clear_error();
    rrd_info_t *info = rrd_graph_v((int)a->n, a->v);
    if (!info) {
        const char *msg = rrd_get_error();
        *error_out = gw_xasprintf("cannot draw the graph: %s", msg && *msg ? msg : "librrd failed");
        rrd_clear_error();
        return -EIO;
    }
    for (rrd_info_t *i = info; i; i = i->next) {
        if (strcmp(i->key, "image") == 0 && i->type == RD_I_BLO) {
            out->size = i->value.u_blo.size;
            out->image = gw_xmalloc(out->size ? out->size : 1);
            memcpy(out->image, i->value.u_blo.ptr, out->size);
        } else if (strcmp(i->key, "graph_top") == 0) {
            out->graph_top = info_long(i);
        } else if (strcmp(i->key, "graph_height") == 0) {
            out->graph_height = info_long(i);
        } else if (strncmp(i->key, "coords[", 7) == 0 && i->type == RD_I_STR) {
            long x1, y1, x2, y2;
            if (sscanf(i->value.u_str, "%ld,%ld,%ld,%ld", &x1, &y1, &x2, &y2) != 4)
                continue;
            size_t k = out->n_labels++;
            out->label_top = gw_xreallocarray(out->label_top, out->n_labels, sizeof(long));
            out->label_bottom = gw_xreallocarray(out->label_bottom, out->n_labels, sizeof(long));
            out->label_top[k] = y1;
            out->label_bottom[k] = y2;
        }
    }
    rrd_info_free(info);
    if (!out->image) {
        *error_out = gw_xstrdup("cannot draw the graph: librrd returned no image");
        gw_graph_draw_out_free(out);
        return -EIO;
    }
    return 0;
}

char *gw_graph_draw_legend(const char *text, const char *end)
{
    struct gw_strbuf b = {0};
    gw_graph_draw_element_text(&b, text);
    gw_strbuf_append(&b, end);
    return gw_strbuf_take(&b);
}
