/*
 * A JSON reader that walks a document in place without building it: for a
 * feed whose pages hold thousands of things (an OCPI operator's EVSEs), the
 * parser takes what it needs and skips the rest at the speed of a scan,
 * holding no memory but its caller's buffers. jansson, which builds every
 * object of the page, costs several times more there (bench/ocpi_bench.c).
 *
 * Pure: bytes in, values out. The whole of RFC 8259 is checked, strings
 * included (escapes, UTF-8, no control characters), in what is read and in
 * what is skipped; nesting deeper than GW_JSON_SCAN_DEPTH is refused (as
 * jansson refuses it). The first problem stops the reader: every call
 * after it fails, and gw_json_scan_error says what and where.
 *
 * Use: gw_json_scan_init, then per value gw_json_scan_peek and the call for
 * its type: gw_json_scan_object / gw_json_scan_member for an object,
 * gw_json_scan_array / gw_json_scan_element for an array, gw_json_scan_string,
 * gw_json_scan_number, gw_json_scan_skip for one not wanted; finally
 * gw_json_scan_end.
 */
#ifndef GW_JSON_SCAN_H
#define GW_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#define GW_JSON_SCAN_DEPTH 2048

enum gw_json_type {
    GW_JSON_BAD, /* not the start of a value (or the reader failed) */
    GW_JSON_OBJECT,
    GW_JSON_ARRAY,
    GW_JSON_STRING,
    GW_JSON_NUMBER,
    GW_JSON_TRUE,
    GW_JSON_FALSE,
    GW_JSON_NULL,
};

struct gw_json_scan {
    const char *text;
    const char *p, *end;
    unsigned depth;
    const char *problem; /* static text; NULL while all is well */
    const char *at;      /* where the problem is */
};

void gw_json_scan_init(struct gw_json_scan *s, const char *text, size_t len);

/* The type of the next value, without reading it (GW_JSON_BAD: none there, and s fails). */
enum gw_json_type gw_json_scan_peek(struct gw_json_scan *s);

/* Enters an object. 0, or -1. */
int gw_json_scan_object(struct gw_json_scan *s);
/*
 * The next member of the object entered: 1 with its key in key (decoded,
 * cut to size - 1 bytes; the value is next), 0 at the object's end (left),
 * or -1.
 */
int gw_json_scan_member(struct gw_json_scan *s, char *key, size_t size);

/* Enters an array. 0, or -1. */
int gw_json_scan_array(struct gw_json_scan *s);
/* 1 when another element follows (read it next), 0 at the array's end (left), or -1. */
int gw_json_scan_element(struct gw_json_scan *s);

/*
 * Reads a string into buf, decoded, NUL-terminated and cut to size - 1 bytes
 * on a UTF-8 boundary (the whole is read anyway); *len (when not NULL) gets
 * the length kept. 0, or -1.
 */
int gw_json_scan_string(struct gw_json_scan *s, char *buf, size_t size, size_t *len);
/* Reads a number. 0, or -1. */
int gw_json_scan_number(struct gw_json_scan *s, double *out);
/* Reads and forgets one value of any type, checked all the same. 0, or -1. */
int gw_json_scan_skip(struct gw_json_scan *s);
/* Checks that nothing but white space is left. 0, or -1. */
int gw_json_scan_end(struct gw_json_scan *s);

/* Fails the reader with `problem` (static text) at the current place. Returns -1. */
int gw_json_scan_fail(struct gw_json_scan *s, const char *problem);

/*
 * "line 3, column 14: expected ':'" for the reader's problem, into buf; ""
 * when there is none.
 */
void gw_json_scan_error(const struct gw_json_scan *s, char *buf, size_t size);

/* "an object", "a list", "a string", "a number", "true or false", "null". */
const char *gw_json_scan_type_name(enum gw_json_type type);

#endif
