#include "util/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Room for `extra` more bytes and the NUL; doubling keeps appends amortised O(1). */
static void reserve(struct gw_strbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->s = gw_xreallocarray(b->s, cap, 1);
    b->cap = cap;
}

void gw_strbuf_reserve(struct gw_strbuf *b, size_t extra)
{
    reserve(b, extra);
    b->s[b->len] = '\0';
}

void gw_strbuf_append_n(struct gw_strbuf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void gw_strbuf_append(struct gw_strbuf *b, const char *s)
{
    gw_strbuf_append_n(b, s, strlen(s));
}

void gw_strbuf_append_char(struct gw_strbuf *b, char c)
{
    gw_strbuf_append_n(b, &c, 1);
}

void gw_strbuf_vprintf(struct gw_strbuf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (len <= 0)
        return;
    reserve(b, (size_t)len);
    vsnprintf(b->s + b->len, (size_t)len + 1, fmt, ap);
    b->len += (size_t)len;
}

void gw_strbuf_printf(struct gw_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gw_strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* Escapes the characters of `s` found in `special` as XML entities. */
static void append_escaped(struct gw_strbuf *b, const char *s, const char *special)
{
    while (*s) {
        size_t plain = strcspn(s, special);
        gw_strbuf_append_n(b, s, plain);
        s += plain;
        if (!*s)
            break;
        switch (*s) {
        case '&':
            gw_strbuf_append(b, "&amp;");
            break;
        case '<':
            gw_strbuf_append(b, "&lt;");
            break;
        case '>':
            gw_strbuf_append(b, "&gt;");
            break;
        case '"':
            gw_strbuf_append(b, "&quot;");
            break;
        }
        s++;
    }
}

void gw_strbuf_append_xml_text(struct gw_strbuf *b, const char *s)
{
    append_escaped(b, s, "&<>");
}

void gw_strbuf_append_xml_attr(struct gw_strbuf *b, const char *s)
{
    append_escaped(b, s, "&<>\"");
}

void gw_strbuf_join(struct gw_strbuf *b, const char *const *items, size_t n, const char *sep)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            gw_strbuf_append(b, sep);
        gw_strbuf_append(b, items[i]);
    }
}

const char *gw_strbuf_str(const struct gw_strbuf *b)
{
    return b->s ? b->s : "";
}

char *gw_strbuf_take(struct gw_strbuf *b)
{
    char *s = b->s ? b->s : gw_xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void gw_strbuf_reset(struct gw_strbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
