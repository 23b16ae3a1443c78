#include "json_template.h"

#include "notify_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest field name and filter list inside one placeholder. */
#define PLACEHOLDER_MAX 256

/* Fields are looked up in the innermost context first (an $each element). */
struct scope {
    const json_t *obj;
    const struct scope *outer;
};

/* Where the checker is in the template, for its messages: "blocks[1].text". */
struct path {
    char text[512];
    size_t len;
};

static void path_push_key(struct path *p, const char *key, size_t *saved)
{
    *saved = p->len;
    int n = snprintf(p->text + p->len, sizeof(p->text) - p->len, "%s%s", p->len ? "." : "", key);
    if (n > 0 && p->len + (size_t)n < sizeof(p->text))
        p->len += (size_t)n;
}

static void path_push_index(struct path *p, size_t i, size_t *saved)
{
    *saved = p->len;
    int n = snprintf(p->text + p->len, sizeof(p->text) - p->len, "[%zu]", i);
    if (n > 0 && p->len + (size_t)n < sizeof(p->text))
        p->len += (size_t)n;
}

static void path_pop(struct path *p, size_t saved)
{
    p->len = saved;
    p->text[saved] = '\0';
}

static void *xnonnull(void *p)
{
    if (!p) {
        fputs("gwyliwr notifier: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* ---- fields --------------------------------------------------------------------- */

/*
 * The value at a dotted name, or NULL when absent. *dynamic is set when the
 * name went missing under an object named "figures" (whose keys depend on
 * the check).
 */
static const json_t *lookup(const struct scope *scope, const char *name, bool *dynamic)
{
    if (dynamic)
        *dynamic = false;
    char buf[PLACEHOLDER_MAX];
    snprintf(buf, sizeof(buf), "%s", name);
    char *save = NULL;
    char *part = strtok_r(buf, ".", &save);
    if (!part)
        return NULL;
    const json_t *v = NULL;
    for (const struct scope *s = scope; s && !v; s = s->outer)
        v = json_object_get(s->obj, part);
    const char *parent = part;
    while (v && (part = strtok_r(NULL, ".", &save))) {
        const json_t *next = NULL;
        if (json_is_object(v)) {
            next = json_object_get(v, part);
        } else if (json_is_array(v)) {
            char *end;
            unsigned long i = strtoul(part, &end, 10);
            if (*end == '\0' && end != part)
                next = json_array_get(v, i);
        }
        if (!next && dynamic && json_is_object(v) && strcmp(parent, "figures") == 0)
            *dynamic = true;
        parent = part;
        v = next;
    }
    return v;
}

/* The text of a field as it goes into a string. Caller frees. */
static char *value_text(const json_t *v)
{
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        return xnonnull(strdup(json_string_value(v)));
    case JSON_INTEGER:
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return xnonnull(strdup(buf));
    case JSON_REAL:
        snprintf(buf, sizeof(buf), "%.6g", json_real_value(v));
        return xnonnull(strdup(buf));
    case JSON_TRUE:
        return xnonnull(strdup("true"));
    case JSON_FALSE:
        return xnonnull(strdup("false"));
    case JSON_OBJECT:
    case JSON_ARRAY:
        return xnonnull(json_dumps(v, JSON_COMPACT));
    case JSON_NULL:
    default:
        return xnonnull(strdup(""));
    }
}

/* ---- text and filters ------------------------------------------------------------ */

/* `s` cut to at most `max` characters (UTF-8), "…" being the last when cut. Caller frees. */
static char *truncate_chars(const char *s, unsigned long max)
{
    unsigned long chars = 0;
    size_t cut = 0;
    for (size_t i = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue;
        if (max && chars == max - 1)
            cut = i;
        if (++chars > max) {
            char *out = xnonnull(malloc(cut + 4));
            memcpy(out, s, cut);
            /* U+2026 takes the place of the last character kept. */
            memcpy(out + cut, max ? "\xe2\x80\xa6" : "", max ? 4 : 1);
            return out;
        }
    }
    return xnonnull(strdup(s));
}

static char *slack_escape(const char *s)
{
    struct gw_notify_buf t = {0};
    gw_notify_buf_add(&t, "", 0);
    for (const char *p = s; *p; p++) {
        if (*p == '&')
            gw_notify_buf_add(&t, "&amp;", 5);
        else if (*p == '<')
            gw_notify_buf_add(&t, "&lt;", 4);
        else if (*p == '>')
            gw_notify_buf_add(&t, "&gt;", 4);
        else
            gw_notify_buf_add(&t, p, 1);
    }
    return t.s;
}

/* Applies one filter to *s (replaced). Returns false for a filter that is none. */
static bool apply_filter(const char *f, size_t len, char **s)
{
    if (len == 5 && strncmp(f, "upper", 5) == 0) {
        for (char *p = *s; *p; p++)
            *p = (char)toupper((unsigned char)*p);
    } else if (len == 5 && strncmp(f, "lower", 5) == 0) {
        for (char *p = *s; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    } else if (len == 5 && strncmp(f, "slack", 5) == 0) {
        char *e = slack_escape(*s);
        free(*s);
        *s = e;
    } else if (len > 4 && strncmp(f, "max=", 4) == 0) {
        char num[16];
        if (len - 4 >= sizeof(num))
            return false;
        memcpy(num, f + 4, len - 4);
        num[len - 4] = '\0';
        char *end;
        unsigned long max = strtoul(num, &end, 10);
        if (*end || !isdigit((unsigned char)num[0]))
            return false;
        char *cut = truncate_chars(*s, max);
        free(*s);
        *s = cut;
    } else {
        return false;
    }
    return true;
}

/*
 * One placeholder's inside ("name|filter|..."), trimmed: renders it into
 * `out` when out is not NULL; checks it otherwise. Returns NULL, or what is
 * wrong with it.
 */
static const char *placeholder(const char *in, size_t len, const struct scope *scope,
                               struct gw_notify_buf *out, char *why, size_t why_len)
{
    while (len && isspace((unsigned char)*in))
        in++, len--;
    while (len && isspace((unsigned char)in[len - 1]))
        len--;
    size_t seg_len = strcspn(in, "|");
    if (seg_len > len)
        seg_len = len;
    size_t name_len = seg_len;
    while (name_len && isspace((unsigned char)in[name_len - 1]))
        name_len--;
    if (name_len == 0 || name_len >= PLACEHOLDER_MAX)
        return "empty or overlong field name";
    char name[PLACEHOLDER_MAX];
    memcpy(name, in, name_len);
    name[name_len] = '\0';
    for (size_t i = 0; i < name_len; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '.') {
            snprintf(why, why_len, "bad field name \"%s\" (expected letters, digits, _ and .)",
                     name);
            return why;
        }
    bool dynamic = false;
    const json_t *v = lookup(scope, name, out ? NULL : &dynamic);
    if (!out && !v && !dynamic) {
        snprintf(why, why_len, "unknown field \"%s\"", name);
        return why;
    }
    char *s = value_text(v);
    const char *f = in + seg_len;
    const char *end = in + len;
    while (f < end) {
        f++; /* the '|' */
        size_t flen = strcspn(f, "|");
        if (f + flen > end)
            flen = (size_t)(end - f);
        const char *next = f + flen;
        /* "{{ text | max=10 }}" reads as "{{text|max=10}}". */
        while (flen && isspace((unsigned char)*f))
            f++, flen--;
        while (flen && isspace((unsigned char)f[flen - 1]))
            flen--;
        if (!apply_filter(f, flen, &s)) {
            snprintf(why, why_len,
                     "unknown filter \"%.*s\" (expected upper, lower, slack or max=N)", (int)flen,
                     f);
            free(s);
            return why;
        }
        f = next;
    }
    if (out)
        gw_notify_buf_add(out, s, strlen(s));
    free(s);
    return NULL;
}

/* Renders (out) or checks (out NULL) a string with placeholders. */
static const char *expand(const char *s, const struct scope *scope, struct gw_notify_buf *out,
                          char *why, size_t why_len)
{
    const char *p = s;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (!open) {
            if (out)
                gw_notify_buf_add(out, p, strlen(p));
            break;
        }
        if (out)
            gw_notify_buf_add(out, p, (size_t)(open - p));
        const char *close = strstr(open + 2, "}}");
        if (!close)
            return "\"{{\" without its \"}}\"";
        const char *bad =
            placeholder(open + 2, (size_t)(close - open - 2), scope, out, why, why_len);
        if (bad)
            return bad;
        p = close + 2;
    }
    return NULL;
}

/* ---- directives -------------------------------------------------------------------- */

enum directive { DIR_NONE, DIR_VALUE, DIR_SELECT, DIR_EACH };

static enum directive directive_of(const json_t *v)
{
    if (!json_is_object(v))
        return DIR_NONE;
    if (json_object_get(v, "$value"))
        return DIR_VALUE;
    if (json_object_get(v, "$select"))
        return DIR_SELECT;
    if (json_object_get(v, "$each"))
        return DIR_EACH;
    return DIR_NONE;
}

/* ---- rendering ------------------------------------------------------------------------ */

static json_t *render(const json_t *tpl, const struct scope *scope);

static void render_each(const json_t *tpl, const struct scope *scope, json_t *array)
{
    const json_t *list = lookup(scope, json_string_value(json_object_get(tpl, "$each")), NULL);
    const json_t *item_tpl = json_object_get(tpl, "do");
    json_int_t max = json_integer_value(json_object_get(tpl, "max"));
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        if (max > 0 && (json_int_t)i >= max)
            break;
        struct scope inner = {.obj = item, .outer = scope};
        json_t *r = render(item_tpl, &inner);
        if (r)
            json_array_append_new(array, r);
    }
}

/* The rendering of tpl, or NULL: left out (a $select with no case). */
static json_t *render(const json_t *tpl, const struct scope *scope)
{
    switch (directive_of(tpl)) {
    case DIR_VALUE: {
        const json_t *v = lookup(scope, json_string_value(json_object_get(tpl, "$value")), NULL);
        return v ? xnonnull(json_deep_copy(v)) : json_null();
    }
    case DIR_SELECT: {
        const json_t *v = lookup(scope, json_string_value(json_object_get(tpl, "$select")), NULL);
        char *key = v ? value_text(v) : NULL;
        const json_t *chosen = key ? json_object_get(json_object_get(tpl, "cases"), key) : NULL;
        free(key);
        if (!chosen)
            chosen = json_object_get(tpl, "default");
        return chosen ? render(chosen, scope) : NULL;
    }
    case DIR_EACH: /* outside an array: refused by the check */
    case DIR_NONE:
        break;
    }
    if (json_is_string(tpl)) {
        const char *s = json_string_value(tpl);
        if (!strstr(s, "{{"))
            return xnonnull(json_deep_copy(tpl));
        struct gw_notify_buf t = {0};
        gw_notify_buf_add(&t, "", 0);
        char why[8];
        expand(s, scope, &t, why, sizeof(why));
        json_t *r = xnonnull(json_string(t.s));
        free(t.s);
        return r;
    }
    if (json_is_array(tpl)) {
        json_t *out = xnonnull(json_array());
        size_t i;
        const json_t *item;
        json_array_foreach(tpl, i, item)
        {
            if (directive_of(item) == DIR_EACH) {
                render_each(item, scope, out);
                continue;
            }
            json_t *r = render(item, scope);
            if (r)
                json_array_append_new(out, r);
        }
        return out;
    }
    if (json_is_object(tpl)) {
        json_t *out = xnonnull(json_object());
        const char *key;
        const json_t *member;
        json_object_foreach((json_t *)tpl, key, member)
        {
            json_t *r = render(member, scope);
            if (r)
                json_object_set_new(out, key, r);
        }
        return out;
    }
    return xnonnull(json_deep_copy(tpl));
}

json_t *gw_json_template_render(const json_t *tpl, const json_t *context)
{
    struct scope scope = {.obj = context, .outer = NULL};
    json_t *r = render(tpl, &scope);
    return r ? r : json_null();
}

/* ---- checking ---------------------------------------------------------------------------- */

struct checker {
    struct path path;
    char *err;
    size_t err_len;
};

static int fail(struct checker *c, const char *fmt, const char *detail)
{
    char what[384];
    snprintf(what, sizeof(what), fmt, detail);
    snprintf(c->err, c->err_len, "%s: %s", c->path.len ? c->path.text : "(top)", what);
    return -EINVAL;
}

static int check(struct checker *c, const json_t *tpl, const struct scope *scope, bool in_array);

/* A directive's keys are exactly its own. */
static int check_keys(struct checker *c, const json_t *tpl, const char *const *allowed)
{
    const char *key;
    const json_t *member;
    json_object_foreach((json_t *)tpl, key, member)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok = ok || strcmp(key, *a) == 0;
        if (!ok)
            return fail(c, "unexpected key \"%s\" in a directive", key);
    }
    (void)member;
    return 0;
}

/* The field a directive names must be a string naming a known field. */
static const json_t *check_field(struct checker *c, const json_t *tpl, const char *directive,
                                 const struct scope *scope, int *rc)
{
    const char *name = json_string_value(json_object_get(tpl, directive));
    if (!name) {
        *rc = fail(c, "%s expects a field name", directive);
        return NULL;
    }
    bool dynamic = false;
    const json_t *v = lookup(scope, name, &dynamic);
    if (!v && !dynamic)
        *rc = fail(c, "unknown field \"%s\"", name);
    return v;
}

static int check_directive(struct checker *c, const json_t *tpl, const struct scope *scope,
                           bool in_array)
{
    int rc = 0;
    size_t saved;
    switch (directive_of(tpl)) {
    case DIR_VALUE: {
        static const char *const keys[] = {"$value", NULL};
        if (check_keys(c, tpl, keys) < 0)
            return -EINVAL;
        check_field(c, tpl, "$value", scope, &rc);
        return rc;
    }
    case DIR_SELECT: {
        static const char *const keys[] = {"$select", "cases", "default", NULL};
        if (check_keys(c, tpl, keys) < 0)
            return -EINVAL;
        check_field(c, tpl, "$select", scope, &rc);
        if (rc < 0)
            return rc;
        const json_t *cases = json_object_get(tpl, "cases");
        if (!json_is_object(cases))
            return fail(c, "%s needs \"cases\": an object of text -> value", "$select");
        const char *key;
        const json_t *member;
        json_object_foreach((json_t *)cases, key, member)
        {
            path_push_key(&c->path, "cases", &saved);
            size_t inner;
            path_push_key(&c->path, key, &inner);
            rc = check(c, member, scope, false);
            path_pop(&c->path, saved);
            if (rc < 0)
                return rc;
        }
        const json_t *def = json_object_get(tpl, "default");
        if (def) {
            path_push_key(&c->path, "default", &saved);
            rc = check(c, def, scope, false);
            path_pop(&c->path, saved);
        }
        return rc;
    }
    case DIR_EACH: {
        static const char *const keys[] = {"$each", "do", "max", NULL};
        if (!in_array)
            return fail(c, "%s is only allowed as an item of an array", "$each");
        if (check_keys(c, tpl, keys) < 0)
            return -EINVAL;
        const json_t *list = check_field(c, tpl, "$each", scope, &rc);
        if (rc < 0)
            return rc;
        if (!json_is_array(list) || json_array_size(list) == 0)
            return fail(c, "$each needs a list field such as \"%s\"", "events");
        const json_t *max = json_object_get(tpl, "max");
        if (max && (!json_is_integer(max) || json_integer_value(max) < 1))
            return fail(c, "%s must be a whole number of at least 1", "max");
        const json_t *item_tpl = json_object_get(tpl, "do");
        if (!item_tpl)
            return fail(c, "$each needs \"do\": the template of %s", "one item");
        struct scope inner = {.obj = json_array_get(list, 0), .outer = scope};
        path_push_key(&c->path, "do", &saved);
        rc = check(c, item_tpl, &inner, false);
        path_pop(&c->path, saved);
        return rc;
    }
    case DIR_NONE:
        break;
    }
    return 0;
}

static int check(struct checker *c, const json_t *tpl, const struct scope *scope, bool in_array)
{
    if (directive_of(tpl) != DIR_NONE)
        return check_directive(c, tpl, scope, in_array);
    size_t saved;
    int rc = 0;
    if (json_is_string(tpl)) {
        char why[320];
        const char *bad = expand(json_string_value(tpl), scope, NULL, why, sizeof(why));
        return bad ? fail(c, "%s", bad) : 0;
    }
    if (json_is_array(tpl)) {
        size_t i;
        const json_t *item;
        json_array_foreach(tpl, i, item)
        {
            path_push_index(&c->path, i, &saved);
            rc = check(c, item, scope, true);
            path_pop(&c->path, saved);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (json_is_object(tpl)) {
        const char *key;
        const json_t *member;
        json_object_foreach((json_t *)tpl, key, member)
        {
            path_push_key(&c->path, key, &saved);
            rc = check(c, member, scope, false);
            path_pop(&c->path, saved);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

int gw_json_template_check(const json_t *tpl, const json_t *sample, char *err, size_t err_len)
{
    struct checker c = {.err = err, .err_len = err_len};
    struct scope scope = {.obj = sample, .outer = NULL};
    return check(&c, tpl, &scope, false);
}
