#include "feed.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gw_feed_fail(struct gw_feed_error *err, const char *reason, const char *fmt, ...)
{
    err->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}

json_t *gw_feed_load(const char *body, size_t len, struct gw_feed_error *err)
{
    size_t blank = 0;
    while (
        body && blank < len &&
        (body[blank] == ' ' || body[blank] == '\t' || body[blank] == '\r' || body[blank] == '\n'))
        blank++;
    if (!body || blank == len) {
        gw_feed_fail(err, GW_REASON_FEED_PARSE, "the document is empty");
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loadb(body, len, JSON_DECODE_ANY, &je);
    if (!doc)
        gw_feed_fail(err, GW_REASON_FEED_PARSE, "not JSON (line %d, column %d: %s)", je.line,
                     je.column, je.text);
    return doc;
}

int gw_feed_path_init(struct gw_feed_path *out, const char *path)
{
    memset(out, 0, sizeof(*out));
    if (!path || !*path)
        return 0;
    size_t n = 1;
    for (const char *p = path; *p; p++)
        n += *p == '.';
    out->parts = calloc(n, sizeof(*out->parts));
    if (!out->parts)
        return -ENOMEM;
    const char *p = path;
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn(p, ".");
        if (len == 0) {
            gw_feed_path_fini(out);
            return -EINVAL;
        }
        out->parts[i] = strndup(p, len);
        out->n++;
        if (!out->parts[i]) {
            gw_feed_path_fini(out);
            return -ENOMEM;
        }
        p += len + 1;
    }
    return 0;
}

void gw_feed_path_fini(struct gw_feed_path *path)
{
    for (size_t i = 0; i < path->n; i++)
        free(path->parts[i]);
    free(path->parts);
    path->parts = NULL;
    path->n = 0;
}

json_t *gw_feed_path_get(json_t *v, const struct gw_feed_path *path)
{
    for (size_t i = 0; v && i < path->n; i++) {
        const char *seg = path->parts[i];
        if (json_is_object(v)) {
            v = json_object_get(v, seg);
        } else if (json_is_array(v) && strspn(seg, "0123456789") == strlen(seg) &&
                   strlen(seg) < 10) {
            v = json_array_get(v, strtoul(seg, NULL, 10));
        } else {
            v = NULL;
        }
    }
    return v;
}

const char *gw_feed_scalar(json_t *v, char *buf, size_t size)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        snprintf(buf, size, "%s", json_string_value(v));
        return buf;
    case JSON_INTEGER:
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    case JSON_REAL: {
        double d = json_real_value(v);
        snprintf(buf, size, "%.15g", d);
        if (strtod(buf, NULL) != d)
            snprintf(buf, size, "%.17g", d);
        return buf;
    }
    case JSON_TRUE:
        snprintf(buf, size, "true");
        return buf;
    case JSON_FALSE:
        snprintf(buf, size, "false");
        return buf;
    default:
        return NULL;
    }
}

const char *gw_feed_type_name(json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "true or false";
    default:
        return "null";
    }
}
