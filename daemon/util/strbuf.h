/*
 * A growable string: text built piece by piece (graph arguments, messages,
 * pages, reports) without counting lengths by hand.
 *
 *     struct gw_strbuf b = {0};          // empty; nothing allocated yet
 *     gw_strbuf_printf(&b, "%s: ", id);
 *     gw_strbuf_append_xml_text(&b, title);
 *     char *text = gw_strbuf_take(&b);   // caller frees; b is empty again
 *
 * The buffer lives where its owner puts it (on the stack, in a struct): a
 * zeroed struct gw_strbuf is an empty buffer, gw_strbuf_reset frees its
 * text. `s` is NUL-terminated whenever it is not NULL, and `len` is its
 * length; read them, never write them. Out of memory aborts (util/xalloc.h),
 * so no function here fails.
 */
#ifndef GW_STRBUF_H
#define GW_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct gw_strbuf {
    char *s;    /* the text, NUL-terminated; NULL until something is appended */
    size_t len; /* bytes in s, not counting the NUL */
    size_t cap; /* bytes allocated */
};

/* Makes room for `extra` more bytes at once: a text whose size is known
 * roughly (the last one of the same kind) is then built without copies.
 * `s` is not NULL afterwards. */
void gw_strbuf_reserve(struct gw_strbuf *b, size_t extra);

/* Appends the string `s` (borrowed). */
void gw_strbuf_append(struct gw_strbuf *b, const char *s);

/* Appends the first `n` bytes of `s` (borrowed), NULs included. Appending
 * zero bytes still allocates, so `s` is "" rather than NULL afterwards. */
void gw_strbuf_append_n(struct gw_strbuf *b, const char *s, size_t n);

/* Appends one character. */
void gw_strbuf_append_char(struct gw_strbuf *b, char c);

/* Appends printf-formatted text. A format vsnprintf cannot render (an
 * encoding error) appends nothing. */
void gw_strbuf_printf(struct gw_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* gw_strbuf_printf with a va_list; `ap` is used up (the caller still calls va_end). */
void gw_strbuf_vprintf(struct gw_strbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Appends `s` as text content of XML, HTML or Pango markup: &, < and > escaped. */
void gw_strbuf_append_xml_text(struct gw_strbuf *b, const char *s);

/* Appends `s` for a double-quoted XML or HTML attribute value (also safe as
 * text content): &, <, > and " escaped. */
void gw_strbuf_append_xml_attr(struct gw_strbuf *b, const char *s);

/* Appends the `n` strings of `items` (borrowed) with `sep` between them:
 * "a, b, c". Nothing when n is 0. */
void gw_strbuf_join(struct gw_strbuf *b, const char *const *items, size_t n, const char *sep);

/* The text so far: never NULL ("" when nothing was appended); borrowed, valid
 * until the next change to the buffer. */
const char *gw_strbuf_str(const struct gw_strbuf *b);

/* Hands the text over (caller frees; never NULL) and leaves the buffer empty. */
char *gw_strbuf_take(struct gw_strbuf *b);

/* Frees the text and leaves the buffer empty, ready for reuse. */
void gw_strbuf_reset(struct gw_strbuf *b);

#endif
