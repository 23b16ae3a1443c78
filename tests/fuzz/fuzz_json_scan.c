/*
 * The streaming JSON reader the OCPI parser stands on, on any bytes, against
 * jansson reading the same bytes: a document one accepts the other accepts
 * too, but for what they are known to differ on (jansson refuses integers
 * and reals out of range, which the reader reads as doubles; nesting at the
 * limit; jansson stops at a NUL byte after a document, the reader refuses
 * anything but white space there). Strings are read into a small buffer, so cutting on a UTF-8
 * boundary is exercised.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads one value the way a parser does, strings into a small buffer. */
static int walk(struct gw_json_scan *s)
{
    char buf[7], key[5];
    size_t len;
    double d;
    int rc;
    switch (gw_json_scan_peek(s)) {
    case GW_JSON_OBJECT:
        if (gw_json_scan_object(s) < 0)
            return -1;
        while ((rc = gw_json_scan_member(s, key, sizeof(key))) == 1) {
            if (strlen(key) >= sizeof(key) || walk(s) < 0)
                return -1;
        }
        return rc;
    case GW_JSON_ARRAY:
        if (gw_json_scan_array(s) < 0)
            return -1;
        while ((rc = gw_json_scan_element(s)) == 1)
            if (walk(s) < 0)
                return -1;
        return rc;
    case GW_JSON_STRING:
        if (gw_json_scan_string(s, buf, sizeof(buf), &len) < 0)
            return -1;
        if (len != strlen(buf) || len >= sizeof(buf))
            abort();
        return 0;
    case GW_JSON_NUMBER:
        return gw_json_scan_number(s, &d);
    default:
        return gw_json_scan_skip(s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *doc = malloc(size ? size : 1);
    if (!doc)
        abort();
    if (size)
        memcpy(doc, data, size);
    struct gw_json_scan s, t;
    gw_json_scan_init(&s, doc, size);
    int walked = walk(&s) == 0 && gw_json_scan_end(&s) == 0;
    gw_json_scan_init(&t, doc, size);
    int skipped = gw_json_scan_skip(&t) == 0 && gw_json_scan_end(&t) == 0;
    if (walked != skipped || (!walked && !s.problem))
        abort();
    char where[200];
    gw_json_scan_error(&s, where, sizeof(where));

    json_error_t je;
    json_t *j = json_loadb(doc, size, JSON_DECODE_ANY, &je);
    int depth_limit = s.problem && strstr(s.problem, "depth");
    int range = !j && (strstr(je.text, "too big") || strstr(je.text, "overflow"));
    int nesting = !j && strstr(je.text, "depth");
    int nul = memchr(doc, '\0', size) != NULL;
    if (j && !walked && !depth_limit && !nul)
        abort(); /* jansson reads it, the reader does not */
    if (!j && walked && !range && !nesting)
        abort(); /* the reader reads it, jansson does not */
    json_decref(j);
    free(doc);
    return 0;
}
