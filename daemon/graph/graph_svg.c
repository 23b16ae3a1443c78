#include "graph/graph_internal.h"

#include <string.h>

#include "util/xalloc.h"

unsigned char *gw_graph_svg_finish(const unsigned char *svg, size_t len,
                                   const struct graph_render *r, size_t *len_out)
{
    struct gw_strbuf b = {0};
    const char *text = (const char *)svg;
    const char *open = memmem(svg, len, "<svg", 4);
    const char *close = open ? memchr(open, '>', len - (size_t)(open - text)) : NULL;
    if (!open || !close) {
        unsigned char *copy = gw_xmalloc(len ? len : 1);
        memcpy(copy, svg, len);
        *len_out = len;
        return copy;
    }
    gw_strbuf_append_n(&b, text, (size_t)(open - text));
    /* cairo sizes the image in points; a page shows it at the size asked for in pixels. */
    const char *p = open;
    while (p < close) {
        const char *attr = NULL;
        for (const char *q = p; q + 8 < close; q++) {
            if (strncmp(q, " width=\"", 8) == 0 || strncmp(q, " height=\"", 9) == 0) {
                attr = q;
                break;
            }
        }
        if (!attr)
            break;
        const char *value = strchr(attr, '"') + 1;
        const char *end = memchr(value, '"', (size_t)(close - value));
        if (!end)
            break;
        gw_strbuf_append_n(&b, p, (size_t)(value - p));
        size_t vlen = (size_t)(end - value);
        if (vlen > 2 && strncmp(end - 2, "pt", 2) == 0)
            vlen -= 2;
        gw_strbuf_append_n(&b, value, vlen);
        p = end;
    }
    gw_strbuf_append_n(&b, p, (size_t)(close - p));
    gw_strbuf_printf(&b, " xml:lang=\"%s\">\n<title>", gw_i18n_lang_code(r->req->lang));
    gw_strbuf_append_xml_attr(&b, r->title_text ? r->title_text : "");
    gw_strbuf_append(&b, "</title>\n<desc>");
    gw_strbuf_append_xml_attr(&b, r->desc.s ? r->desc.s : "");
    gw_strbuf_append(&b, "</desc>");
    gw_strbuf_append_n(&b, close + 1, len - (size_t)(close + 1 - text));
    *len_out = b.len;
    return (unsigned char *)gw_strbuf_take(&b);
}
