/*
 * The positioned tree (cfg.h), the first layer of the configuration: nodes
 * that remember file, line and column, the arena they live in, typed getters
 * that report a wrong value where it stands, and the diagnostics. It knows
 * no YAML (cfg_load.c fills it) and no schema of gwyliwr's own (config.c
 * checks the tree against those); plugins see it through the host table.
 */
#include "config/cfg.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "util/units.h"
#include "util/xalloc.h"

/* ---- arena ----------------------------------------------------------------
 * Documents of 100,000 targets hold millions of small nodes: a bump allocator
 * makes them cheap to build and to free at once. */

#define ARENA_CHUNK (256u * 1024u)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used;
    size_t size;
    max_align_t data[];
};

struct gw_cfg_arena {
    struct arena_chunk *head;
};

static void *arena_alloc(struct gw_cfg_arena *a, size_t size)
{
    size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    struct arena_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t want = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
        c = gw_xmalloc(sizeof(*c) + want);
        c->size = want;
        c->used = 0;
        if (size > ARENA_CHUNK / 4 && a->head) {
            /* A big block gets its own chunk behind the current one, so the
             * current chunk's free space is not wasted. */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

struct gw_cfg_doc *gw_cfg_doc_new(void)
{
    struct gw_cfg_doc *doc = gw_xcalloc(1, sizeof(*doc));
    doc->arena = gw_xcalloc(1, sizeof(*doc->arena));
    doc->diag = gw_diag_new();
    return doc;
}

void gw_cfg_doc_free(struct gw_cfg_doc *doc)
{
    if (!doc)
        return;
    struct arena_chunk *c = doc->arena->head;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(doc->arena);
    gw_diag_free(doc->diag);
    free(doc);
}

void *gw_cfg_doc_alloc(struct gw_cfg_doc *doc, size_t size)
{
    return arena_alloc(doc->arena, size);
}

const char *gw_cfg_doc_strdup(struct gw_cfg_doc *doc, const char *s, size_t len)
{
    char *p = arena_alloc(doc->arena, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

const struct gw_cfg_file *gw_cfg_doc_file(struct gw_cfg_doc *doc, const char *path)
{
    struct gw_cfg_file *f = arena_alloc(doc->arena, sizeof(*f));
    f->doc = doc;
    f->path = gw_cfg_doc_strdup(doc, path, strlen(path));
    return f;
}

struct gw_cfg *gw_cfg_node_new(const struct gw_cfg_file *file, enum gw_cfg_kind kind, uint32_t line,
                               uint32_t col)
{
    struct gw_cfg *n = arena_alloc(file->doc->arena, sizeof(*n));
    n->kind = (uint8_t)kind;
    n->line = line;
    n->col = col;
    n->file = file;
    return n;
}

struct gw_cfg *gw_cfg_map_new(const struct gw_cfg_file *file, uint32_t line, uint32_t col,
                              struct gw_cfg **keys, struct gw_cfg **values, uint32_t n)
{
    struct gw_cfg *map = gw_cfg_node_new(file, GW_CFG_KIND_MAP, line, col);
    map->n = n;
    map->keys = arena_alloc(file->doc->arena, sizeof(*map->keys) * (n ? n : 1));
    map->items = arena_alloc(file->doc->arena, sizeof(*map->items) * (n ? n : 1));
    if (n) {
        memcpy(map->keys, keys, sizeof(*keys) * n);
        memcpy(map->items, values, sizeof(*values) * n);
    }
    return map;
}

/* ---- diagnostics ----------------------------------------------------------- */

void gw_cfg_errorv(const struct gw_cfg *node, enum gw_diag_severity sev, const char *fmt,
                   va_list ap)
{
    if (!node || !node->file)
        return;
    gw_diag_addv(node->file->doc->diag, sev, node->file->path, node->line, node->col, fmt, ap);
}

void gw_cfg_error(const struct gw_cfg *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gw_cfg_errorv(node, GW_DIAG_ERROR, fmt, ap);
    va_end(ap);
}

void gw_cfg_warning(const struct gw_cfg *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gw_cfg_errorv(node, GW_DIAG_WARNING, fmt, ap);
    va_end(ap);
}

/* ---- reading --------------------------------------------------------------- */

const struct gw_cfg *gw_cfg_child(const struct gw_cfg *map, const char *key)
{
    if (!map || map->kind != GW_CFG_KIND_MAP)
        return NULL;
    for (uint32_t i = 0; i < map->n; i++)
        if (map->keys[i]->text && strcmp(map->keys[i]->text, key) == 0)
            return map->items[i];
    return NULL;
}

const struct gw_cfg *gw_cfg_key_node(const struct gw_cfg *map, const char *key)
{
    if (!map || map->kind != GW_CFG_KIND_MAP)
        return NULL;
    for (uint32_t i = 0; i < map->n; i++)
        if (map->keys[i]->text && strcmp(map->keys[i]->text, key) == 0)
            return map->keys[i];
    return NULL;
}

size_t gw_cfg_len(const struct gw_cfg *node)
{
    if (!node || node->kind == GW_CFG_KIND_NULL)
        return 0;
    if (node->kind == GW_CFG_KIND_SCALAR)
        return 1;
    return node->n;
}

const struct gw_cfg *gw_cfg_at(const struct gw_cfg *node, size_t i)
{
    if (!node)
        return NULL;
    if (node->kind == GW_CFG_KIND_SCALAR)
        return i == 0 ? node : NULL;
    if ((node->kind == GW_CFG_KIND_MAP || node->kind == GW_CFG_KIND_SEQ) && i < node->n)
        return node->items[i];
    return NULL;
}

const char *gw_cfg_key_at(const struct gw_cfg *node, size_t i)
{
    if (!node || node->kind != GW_CFG_KIND_MAP || i >= node->n)
        return NULL;
    return node->keys[i]->text;
}

const char *gw_cfg_scalar(const struct gw_cfg *node)
{
    if (!node || node->kind != GW_CFG_KIND_SCALAR)
        return NULL;
    return node->text;
}

const char *gw_cfg_kind_name(const struct gw_cfg *node)
{
    if (!node)
        return "nothing";
    switch (node->kind) {
    case GW_CFG_KIND_NULL:
        return "null";
    case GW_CFG_KIND_MAP:
        return "a mapping";
    case GW_CFG_KIND_SEQ:
        return "a list";
    default:
        return "a scalar";
    }
}

const char *gw_cfg_type_expect(enum gw_cfg_type type)
{
    switch (type) {
    case GW_CFG_STRING:
        return "a string";
    case GW_CFG_INT:
        return "a whole number";
    case GW_CFG_NUMBER:
        return "a number";
    case GW_CFG_BOOL:
        return "true or false";
    case GW_CFG_DURATION:
        return "a duration like 500ms, 10s, 5m, 1h, 1d";
    case GW_CFG_PERCENT:
        return "a percentage like 95%";
    case GW_CFG_SIZE:
        return "a size like 1048576, 512KiB or 1MiB";
    case GW_CFG_LIST:
        return "a list of strings";
    case GW_CFG_MAP:
        return "a mapping";
    case GW_CFG_FILE:
        return "the path of a readable file";
    case GW_CFG_SEQ:
        return "a list";
    case GW_CFG_ANY:
        return "a value";
    }
    return "a value";
}

/* Longest scalar quoted in full in a message; longer ones are cut. */
#define QUOTE_MAX 40

/* Reports that `node` is not of the shape `type` needs, showing a scalar's text. */
static void report_shape(const struct gw_cfg *node, enum gw_cfg_type type)
{
    const char *expect = gw_cfg_type_expect(type);
    if (node && node->kind == GW_CFG_KIND_SCALAR) {
        size_t len = strlen(node->text);
        gw_cfg_error(node, "found \"%.*s%s\" (expected %s)", QUOTE_MAX, node->text,
                     len > QUOTE_MAX ? "..." : "", expect);
    } else if (node && node->kind == GW_CFG_KIND_NULL) {
        gw_cfg_error(node, "found no value (expected %s)", expect);
    } else {
        gw_cfg_error(node, "found %s (expected %s)", gw_cfg_kind_name(node), expect);
    }
}

/* A scalar that is a string; numbers and booleans are accepted as their text. */
static int node_scalar(const struct gw_cfg *node, enum gw_cfg_type type, const char **out)
{
    if (!node || node->kind != GW_CFG_KIND_SCALAR) {
        report_shape(node, type);
        return -EINVAL;
    }
    *out = node->text;
    return 0;
}

int gw_cfg_node_int(const struct gw_cfg *node, int64_t min, int64_t max, int64_t *out)
{
    const char *text = NULL;
    if (node_scalar(node, GW_CFG_INT, &text) < 0)
        return -EINVAL;
    int64_t v;
    if (gw_units_parse_int(text, &v) < 0) {
        gw_cfg_error(node, "\"%s\" is not a whole number (expected digits, like 42)", text);
        return -EINVAL;
    }
    if (v < min || v > max) {
        gw_cfg_error(node, "%lld is out of range (expected %lld to %lld)", (long long)v,
                     (long long)min, (long long)max);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

int gw_cfg_node_number(const struct gw_cfg *node, double *out)
{
    const char *text = NULL;
    if (node_scalar(node, GW_CFG_NUMBER, &text) < 0)
        return -EINVAL;
    if (gw_units_parse_number(text, out) < 0) {
        gw_cfg_error(node, "\"%s\" is not a number (expected a number like 2.5)", text);
        return -EINVAL;
    }
    return 0;
}

int gw_cfg_node_bool(const struct gw_cfg *node, bool *out)
{
    const char *text = NULL;
    if (node_scalar(node, GW_CFG_BOOL, &text) < 0)
        return -EINVAL;
    if (gw_units_parse_bool(text, out) < 0) {
        gw_cfg_error(node, "\"%s\" is not a boolean (expected true or false)", text);
        return -EINVAL;
    }
    return 0;
}

int gw_cfg_node_duration_ms(const struct gw_cfg *node, uint64_t *out)
{
    const char *text = NULL;
    if (node_scalar(node, GW_CFG_DURATION, &text) < 0)
        return -EINVAL;
    if (gw_units_parse_duration_ms(text, out) < 0) {
        gw_cfg_error(node,
                     "bad duration \"%s\" (expected a number with a unit: 500ms, 10s, "
                     "5m, 1h, 1d)",
                     text);
        return -EINVAL;
    }
    return 0;
}

int gw_cfg_node_percent(const struct gw_cfg *node, double *out_ratio)
{
    const char *text = NULL;
    if (node_scalar(node, GW_CFG_PERCENT, &text) < 0)
        return -EINVAL;
    if (gw_units_parse_percent(text, out_ratio) < 0) {
        gw_cfg_error(node, "bad percentage \"%s\" (expected 0%% to 100%%, like 95%%)", text);
        return -EINVAL;
    }
    return 0;
}

int gw_cfg_node_size(const struct gw_cfg *node, uint64_t *out)
{
    const char *text = NULL;
    if (node_scalar(node, GW_CFG_SIZE, &text) < 0)
        return -EINVAL;
    if (gw_units_parse_size(text, out) < 0) {
        gw_cfg_error(node, "bad size \"%s\" (expected bytes or a unit: 512KiB, 1MiB, 1GB)", text);
        return -EINVAL;
    }
    return 0;
}

int gw_cfg_get_string(const struct gw_cfg *map, const char *key, const char **out)
{
    const struct gw_cfg *v = gw_cfg_child(map, key);
    if (!v)
        return 0;
    return node_scalar(v, GW_CFG_STRING, out);
}

int gw_cfg_get_int(const struct gw_cfg *map, const char *key, int64_t min, int64_t max,
                   int64_t *out)
{
    const struct gw_cfg *v = gw_cfg_child(map, key);
    return v ? gw_cfg_node_int(v, min, max, out) : 0;
}

int gw_cfg_get_number(const struct gw_cfg *map, const char *key, double *out)
{
    const struct gw_cfg *v = gw_cfg_child(map, key);
    return v ? gw_cfg_node_number(v, out) : 0;
}

int gw_cfg_get_bool(const struct gw_cfg *map, const char *key, bool *out)
{
    const struct gw_cfg *v = gw_cfg_child(map, key);
    return v ? gw_cfg_node_bool(v, out) : 0;
}

int gw_cfg_get_duration_ms(const struct gw_cfg *map, const char *key, uint64_t *out)
{
    const struct gw_cfg *v = gw_cfg_child(map, key);
    return v ? gw_cfg_node_duration_ms(v, out) : 0;
}

int gw_cfg_get_percent(const struct gw_cfg *map, const char *key, double *out_ratio)
{
    const struct gw_cfg *v = gw_cfg_child(map, key);
    return v ? gw_cfg_node_percent(v, out_ratio) : 0;
}

int gw_cfg_get_size(const struct gw_cfg *map, const char *key, uint64_t *out)
{
    const struct gw_cfg *v = gw_cfg_child(map, key);
    return v ? gw_cfg_node_size(v, out) : 0;
}

/* ---- files ------------------------------------------------------------------ */

/* A path relative to the directory of the file the node came from. Caller frees. */
static char *resolve_path(const struct gw_cfg *node, const char *path)
{
    if (path[0] == '/' || !node->file)
        return gw_xstrdup(path);
    char *copy = gw_xstrdup(node->file->path);
    char *dir = dirname(copy);
    char *full = gw_xasprintf("%s/%s", dir, path);
    free(copy);
    return full;
}

#define SECRET_MAX (1024u * 1024u)

/* Opens and reads a file a key names; reports problems at the node. A secret
 * that others can read is worth a warning; a public file (a CA certificate)
 * is not. */
static int read_file_at(const struct gw_cfg *node, char **out, bool keep, bool secret)
{
    const char *text = NULL;
    if (node_scalar(node, GW_CFG_FILE, &text) < 0)
        return -EINVAL;
    if (!*text) {
        gw_cfg_error(node, "empty path (expected %s)", gw_cfg_type_expect(GW_CFG_FILE));
        return -EINVAL;
    }
    char *path = resolve_path(node, text);
    int rc = 0;
    /* O_NONBLOCK: naming a FIFO must not hang validation; it is refused
     * below as not a regular file. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        rc = -errno;
        gw_cfg_error(node, "cannot read \"%s\": %s (expected %s)", path, strerror(errno),
                     gw_cfg_type_expect(GW_CFG_FILE));
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        gw_cfg_error(node, "\"%s\" is not a regular file (expected %s)", path,
                     gw_cfg_type_expect(GW_CFG_FILE));
        goto out;
    }
    if (secret && (st.st_mode & S_IROTH))
        gw_cfg_warning(node,
                       "secret file \"%s\" is readable by others (expected no access for "
                       "others: chmod o-r %s)",
                       path, path);
    if (st.st_size > (off_t)SECRET_MAX) {
        rc = -EFBIG;
        gw_cfg_error(node, "\"%s\" is too large for a secret (expected at most %u bytes)", path,
                     SECRET_MAX);
        goto out;
    }
    if (keep) {
        char *buf = NULL;
        size_t got = 0;
        rc = gw_fsutil_read_fd(fd, SECRET_MAX, &buf, &got);
        if (rc < 0) {
            gw_cfg_error(node, "cannot read \"%s\": %s", path, strerror(-rc));
            goto out;
        }
        while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
            got--;
        buf[got] = '\0';
        *out = buf;
    }
out:
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

int gw_cfg_get_secret(const struct gw_cfg *map, const char *key, char **out)
{
    const struct gw_cfg *v = gw_cfg_child(map, key);
    if (!v)
        return 0;
    /* Warnings were given when the type was checked; do not repeat them. */
    struct gw_diag *diag = v->file->doc->diag;
    size_t before = diag->n;
    int rc = read_file_at(v, out, true, false);
    while (diag->n > before && diag->entries[diag->n - 1].severity == GW_DIAG_WARNING) {
        diag->n--;
        diag->warnings--;
        free(diag->entries[diag->n].file);
        free(diag->entries[diag->n].message);
    }
    return rc;
}

/* ---- shape checks ----------------------------------------------------------- */

int gw_cfg_check_key(const struct gw_cfg *node, const struct gw_cfg_key *key)
{
    if (key->type == GW_CFG_FILE)
        return read_file_at(node, NULL, false, !(key->flags & GW_CFG_PUBLIC));
    return gw_cfg_check_type(node, key->type);
}

int gw_cfg_check_type(const struct gw_cfg *node, enum gw_cfg_type type)
{
    union {
        int64_t i;
        double d;
        bool b;
        uint64_t u;
    } v;
    switch (type) {
    case GW_CFG_ANY:
        return 0;
    case GW_CFG_STRING: {
        const char *t;
        return node_scalar(node, type, &t);
    }
    case GW_CFG_INT:
        return gw_cfg_node_int(node, INT64_MIN, INT64_MAX, &v.i);
    case GW_CFG_NUMBER:
        return gw_cfg_node_number(node, &v.d);
    case GW_CFG_BOOL:
        return gw_cfg_node_bool(node, &v.b);
    case GW_CFG_DURATION:
        return gw_cfg_node_duration_ms(node, &v.u);
    case GW_CFG_PERCENT:
        return gw_cfg_node_percent(node, &v.d);
    case GW_CFG_SIZE:
        return gw_cfg_node_size(node, &v.u);
    case GW_CFG_FILE:
        return read_file_at(node, NULL, false, true);
    case GW_CFG_MAP:
        if (node->kind != GW_CFG_KIND_MAP) {
            report_shape(node, type);
            return -EINVAL;
        }
        return 0;
    case GW_CFG_SEQ:
        if (node->kind != GW_CFG_KIND_SEQ) {
            report_shape(node, type);
            return -EINVAL;
        }
        return 0;
    case GW_CFG_LIST:
        if (node->kind == GW_CFG_KIND_SCALAR)
            return 0;
        if (node->kind != GW_CFG_KIND_SEQ) {
            report_shape(node, type);
            return -EINVAL;
        }
        int rc = 0;
        for (uint32_t i = 0; i < node->n; i++) {
            if (node->items[i]->kind != GW_CFG_KIND_SCALAR) {
                report_shape(node->items[i], GW_CFG_STRING);
                rc = -EINVAL;
            }
        }
        return rc;
    }
    return 0;
}
