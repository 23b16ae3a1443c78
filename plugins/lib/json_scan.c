#include "json_scan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_json_scan_init(struct gw_json_scan *s, const char *text, size_t len)
{
    memset(s, 0, sizeof(*s));
    s->text = text ? text : "";
    s->p = s->text;
    s->end = s->text + (text ? len : 0);
}

int gw_json_scan_fail(struct gw_json_scan *s, const char *problem)
{
    if (!s->problem) {
        s->problem = problem;
        s->at = s->p;
    }
    return -1;
}

static void skip_ws(struct gw_json_scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

enum gw_json_type gw_json_scan_peek(struct gw_json_scan *s)
{
    if (s->problem)
        return GW_JSON_BAD;
    skip_ws(s);
    if (s->p == s->end) {
        gw_json_scan_fail(s, "the document ends where a value was expected");
        return GW_JSON_BAD;
    }
    switch (*s->p) {
    case '{':
        return GW_JSON_OBJECT;
    case '[':
        return GW_JSON_ARRAY;
    case '"':
        return GW_JSON_STRING;
    case 't':
        return GW_JSON_TRUE;
    case 'f':
        return GW_JSON_FALSE;
    case 'n':
        return GW_JSON_NULL;
    case '-':
    case '0' ... '9':
        return GW_JSON_NUMBER;
    default:
        gw_json_scan_fail(s, "a value was expected");
        return GW_JSON_BAD;
    }
}

/* Enters `open` ('{' or '['), counting the depth. */
static int enter(struct gw_json_scan *s, enum gw_json_type type, char open)
{
    if (gw_json_scan_peek(s) != type)
        return gw_json_scan_fail(s, open == '{' ? "an object was expected" : "a list was expected");
    if (s->depth == GW_JSON_SCAN_DEPTH)
        return gw_json_scan_fail(s, "the maximum nesting depth (2048) is exceeded");
    s->depth++;
    s->p++;
    return 0;
}

int gw_json_scan_object(struct gw_json_scan *s)
{
    return enter(s, GW_JSON_OBJECT, '{');
}

int gw_json_scan_array(struct gw_json_scan *s)
{
    return enter(s, GW_JSON_ARRAY, '[');
}

/*
 * Before the next item of a container: 1 when one follows, 0 at its end (the
 * closer read), -1. The first item follows the opener directly; the others
 * a comma.
 */
static int next_item(struct gw_json_scan *s, char close)
{
    if (s->problem)
        return -1;
    skip_ws(s);
    if (s->p == s->end)
        return gw_json_scan_fail(s, close == '}' ? "the document ends inside an object"
                                                 : "the document ends inside a list");
    /* What came before, past white space: the opener, or a value. */
    const char *q = s->p;
    while (q > s->text && (q[-1] == ' ' || q[-1] == '\n' || q[-1] == '\r' || q[-1] == '\t'))
        q--;
    bool first = q > s->text && (q[-1] == '{' || q[-1] == '[');
    if (*s->p == close) {
        if (!first && q[-1] == ',')
            return gw_json_scan_fail(s, "a value was expected after ','");
        s->p++;
        s->depth--;
        return 0;
    }
    if (!first) {
        if (*s->p != ',')
            return gw_json_scan_fail(s, close == '}' ? "',' or '}' was expected"
                                                     : "',' or ']' was expected");
        s->p++;
        skip_ws(s);
    }
    return 1;
}

int gw_json_scan_element(struct gw_json_scan *s)
{
    return next_item(s, ']');
}

int gw_json_scan_member(struct gw_json_scan *s, char *key, size_t size)
{
    int rc = next_item(s, '}');
    if (rc <= 0)
        return rc;
    if (s->p == s->end || *s->p != '"')
        return gw_json_scan_fail(s, "a member name (a string) was expected");
    if (gw_json_scan_string(s, key, size, NULL) < 0)
        return -1;
    skip_ws(s);
    if (s->p == s->end || *s->p != ':')
        return gw_json_scan_fail(s, "':' was expected after a member name");
    s->p++;
    return 1;
}

/* ---- strings ------------------------------------------------------------------------- */

static int hex4(const char *p, const char *end, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        if (p + i >= end)
            return -1;
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Length of the well-formed UTF-8 sequence at p (before end), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || p + n > end || (n == 2 && c < 0xc2) || (n == 4 && c > 0xf4))
        return 0;
    for (size_t k = 1; k < n; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    if ((n == 3 && c == 0xe0 && p[1] < 0xa0) || (n == 3 && c == 0xed && p[1] > 0x9f) ||
        (n == 4 && c == 0xf0 && p[1] < 0x90) || (n == 4 && c == 0xf4 && p[1] > 0x8f))
        return 0;
    return n;
}

/* The output of a string: what fits of it, never a part of a character. */
struct out {
    char *buf;
    size_t size, len;
    bool full;
};

static void put(struct out *o, const char *bytes, size_t n)
{
    if (!o->buf || o->full)
        return;
    if (o->len + n + 1 > o->size) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, bytes, n);
    o->len += n;
}

static void put_code_point(struct out *o, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    put(o, b, n);
}

/* Reads an escape after its backslash. 0, or -1. */
static int escape(struct gw_json_scan *s, struct out *o)
{
    if (s->p == s->end)
        return gw_json_scan_fail(s, "the document ends inside a string");
    char c = *s->p++;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = c ? strchr(from, c) : NULL;
    if (k) {
        put(o, &to[k - from], 1);
        return 0;
    }
    if (c != 'u')
        return gw_json_scan_fail(s, "an unknown escape in a string");
    unsigned cp;
    if (hex4(s->p, s->end, &cp) < 0)
        return gw_json_scan_fail(s, "\\u must be followed by four hex digits");
    s->p += 4;
    if (cp >= 0xdc00 && cp <= 0xdfff)
        return gw_json_scan_fail(s, "a lone low surrogate in a string");
    if (cp >= 0xd800 && cp <= 0xdbff) {
        unsigned low;
        if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
            hex4(s->p + 2, s->end, &low) < 0 || low < 0xdc00 || low > 0xdfff)
            return gw_json_scan_fail(s, "a high surrogate without its low one in a string");
        s->p += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    if (cp == 0)
        return gw_json_scan_fail(s, "\\u0000 in a string");
    put_code_point(o, cp);
    return 0;
}

int gw_json_scan_string(struct gw_json_scan *s, char *buf, size_t size, size_t *len)
{
    if (gw_json_scan_peek(s) != GW_JSON_STRING)
        return gw_json_scan_fail(s, "a string was expected");
    s->p++;
    struct out o = {.buf = size ? buf : NULL, .size = size};
    for (;;) {
        /* Plain ASCII in one go: most of any document. */
        const char *run = s->p;
        while (s->p < s->end && (unsigned char)*s->p >= 0x20 && (unsigned char)*s->p < 0x80 &&
               *s->p != '"' && *s->p != '\\')
            s->p++;
        put(&o, run, (size_t)(s->p - run));
        if (s->p == s->end)
            return gw_json_scan_fail(s, "the document ends inside a string");
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            s->p++;
            break;
        }
        if (c == '\\') {
            s->p++;
            if (escape(s, &o) < 0)
                return -1;
            continue;
        }
        if (c < 0x20)
            return gw_json_scan_fail(s, "a control character in a string (expected it escaped)");
        size_t n = utf8_len((const unsigned char *)s->p, (const unsigned char *)s->end);
        if (n == 0)
            return gw_json_scan_fail(s, "a string that is not UTF-8");
        put(&o, s->p, n);
        s->p += n;
    }
    if (o.buf)
        o.buf[o.len] = '\0';
    if (len)
        *len = o.len;
    return 0;
}

/* ---- numbers and literals ----------------------------------------------------------- */

static bool digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

int gw_json_scan_number(struct gw_json_scan *s, double *out)
{
    if (gw_json_scan_peek(s) != GW_JSON_NUMBER)
        return gw_json_scan_fail(s, "a number was expected");
    const char *start = s->p, *p = s->p, *end = s->end;
    if (*p == '-')
        p++;
    if (!digit(p, end))
        return gw_json_scan_fail(s, "a number must have digits");
    if (*p == '0')
        p++;
    else
        while (digit(p, end))
            p++;
    if (p < end && *p == '.') {
        p++;
        if (!digit(p, end)) {
            s->p = p;
            return gw_json_scan_fail(s, "a number must have digits after its '.'");
        }
        while (digit(p, end))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!digit(p, end)) {
            s->p = p;
            return gw_json_scan_fail(s, "a number must have digits in its exponent");
        }
        while (digit(p, end))
            p++;
    }
    s->p = p;
    if (!out)
        return 0;
    /* strtod needs a NUL: the text may have none. */
    char small[64];
    size_t n = (size_t)(p - start);
    char *copy = n < sizeof(small) ? small : malloc(n + 1);
    if (!copy)
        return gw_json_scan_fail(s, "out of memory");
    memcpy(copy, start, n);
    copy[n] = '\0';
    *out = strtod(copy, NULL);
    if (copy != small)
        free(copy);
    return 0;
}

static int literal(struct gw_json_scan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return gw_json_scan_fail(s, "a value was expected (true, false, null?)");
    s->p += n;
    return 0;
}

/* ---- skipping --------------------------------------------------------------------------- */

int gw_json_scan_skip(struct gw_json_scan *s)
{
    int rc;
    switch (gw_json_scan_peek(s)) {
    case GW_JSON_OBJECT:
        if (gw_json_scan_object(s) < 0)
            return -1;
        while ((rc = gw_json_scan_member(s, NULL, 0)) == 1)
            if (gw_json_scan_skip(s) < 0)
                return -1;
        return rc;
    case GW_JSON_ARRAY:
        if (gw_json_scan_array(s) < 0)
            return -1;
        while ((rc = gw_json_scan_element(s)) == 1)
            if (gw_json_scan_skip(s) < 0)
                return -1;
        return rc;
    case GW_JSON_STRING:
        return gw_json_scan_string(s, NULL, 0, NULL);
    case GW_JSON_NUMBER:
        return gw_json_scan_number(s, NULL);
    case GW_JSON_TRUE:
        return literal(s, "true");
    case GW_JSON_FALSE:
        return literal(s, "false");
    case GW_JSON_NULL:
        return literal(s, "null");
    default:
        return -1;
    }
}

int gw_json_scan_end(struct gw_json_scan *s)
{
    if (s->problem)
        return -1;
    skip_ws(s);
    if (s->p != s->end)
        return gw_json_scan_fail(s, "text after the document");
    return 0;
}

void gw_json_scan_error(const struct gw_json_scan *s, char *buf, size_t size)
{
    if (!s->problem) {
        if (size)
            buf[0] = '\0';
        return;
    }
    unsigned line = 1, col = 1;
    for (const char *p = s->text; p < s->at; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)*p & 0xc0) != 0x80) {
            col++;
        }
    }
    snprintf(buf, size, "line %u, column %u: %s", line, col, s->problem);
}

const char *gw_json_scan_type_name(enum gw_json_type type)
{
    switch (type) {
    case GW_JSON_OBJECT:
        return "an object";
    case GW_JSON_ARRAY:
        return "a list";
    case GW_JSON_STRING:
        return "a string";
    case GW_JSON_NUMBER:
        return "a number";
    case GW_JSON_TRUE:
    case GW_JSON_FALSE:
        return "true or false";
    case GW_JSON_NULL:
        return "null";
    default:
        return "not a value";
    }
}
