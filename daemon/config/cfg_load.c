/*
 * Reading YAML or JSON into the positioned tree (cfg.h), the second layer of
 * the configuration: libfyaml's events become nodes that keep their file,
 * line and column; anchors, aliases and ${VARIABLE} references are resolved
 * here. Nothing is validated beyond the syntax: config.c does that.
 */
#include "config/cfg_load.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include "util/xalloc.h"

/* A configuration larger than this is a mistake (a log file passed by error). */
#define CONFIG_MAX_BYTES (512u * 1024u * 1024u)

/* ---- environment references ---------------------------------------------- */

/* A shell variable name: a letter or underscore, then letters, digits, underscores. */
static bool valid_env_name(const char *s, size_t len)
{
    if (len == 0 || isdigit((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

char *gw_cfg_load_expand_env(const char *text, char **missing_out)
{
    struct gw_strbuf b = {0};
    *missing_out = NULL;
    const char *p = text;
    while (*p) {
        const char *dollar = strchr(p, '$');
        if (!dollar) {
            gw_strbuf_append(&b, p);
            break;
        }
        gw_strbuf_append_n(&b, p, (size_t)(dollar - p));
        if (dollar[1] == '$') {
            gw_strbuf_append_char(&b, '$');
            p = dollar + 2;
            continue;
        }
        if (dollar[1] != '{') {
            gw_strbuf_append_char(&b, '$');
            p = dollar + 1;
            continue;
        }
        const char *close = strchr(dollar + 2, '}');
        if (!close) {
            gw_strbuf_reset(&b);
            return NULL;
        }
        const char *name = dollar + 2;
        const char *def = NULL;
        size_t name_len = (size_t)(close - name);
        const char *sep = strstr(name, ":-");
        if (sep && sep < close) {
            name_len = (size_t)(sep - name);
            def = sep + 2;
        }
        if (!valid_env_name(name, name_len)) {
            gw_strbuf_reset(&b);
            return NULL;
        }
        char *var = gw_xstrndup(name, name_len);
        const char *value = getenv(var);
        if (value && (*value || !def)) {
            gw_strbuf_append(&b, value);
        } else if (def) {
            gw_strbuf_append_n(&b, def, (size_t)(close - def));
        } else {
            gw_strbuf_reset(&b);
            *missing_out = var;
            return NULL;
        }
        free(var);
        p = close + 1;
    }
    return gw_strbuf_take(&b);
}

/* ---- parsing ------------------------------------------------------------------ */

struct anchor {
    char *name;
    struct gw_cfg *node;
};

struct frame {
    struct gw_cfg *node;
    struct gw_cfg **keys; /* growing arrays, copied into the arena when closed */
    struct gw_cfg **items;
    uint32_t n, cap;
    bool want_key; /* in a mapping: the next node is a key */
    char *anchor;
};

struct loader {
    struct gw_cfg_doc *doc;
    const struct gw_cfg_file *file;
    struct frame *stack;
    size_t depth, cap;
    struct anchor *anchors;
    size_t n_anchors;
    struct gw_cfg *root;
    const char *text; /* the file's bytes, which token marks index */
    size_t len;
    uint32_t last_line, last_col; /* position of the last node, for nulls */
    int documents;
    bool json;   /* parsed as JSON (by the file's .json name) */
    bool failed; /* parsing cannot go on */
    bool parse_error_reported;
};

static void frame_push(struct loader *l, struct gw_cfg *node, char *anchor)
{
    if (l->depth == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->stack = gw_xreallocarray(l->stack, l->cap, sizeof(*l->stack));
    }
    l->stack[l->depth++] =
        (struct frame){.node = node, .want_key = node->kind == GW_CFG_KIND_MAP, .anchor = anchor};
}

static void remember_anchor(struct loader *l, char *name, struct gw_cfg *node)
{
    if (!name)
        return;
    l->anchors = gw_xreallocarray(l->anchors, l->n_anchors + 1, sizeof(*l->anchors));
    l->anchors[l->n_anchors++] = (struct anchor){.name = name, .node = node};
}

/* Attaches a finished node to its parent (or makes it the root). */
static void attach(struct loader *l, struct gw_cfg *node)
{
    if (l->depth == 0) {
        l->root = node;
        return;
    }
    struct frame *f = &l->stack[l->depth - 1];
    if (f->node->kind == GW_CFG_KIND_MAP) {
        if (f->want_key) {
            if (f->n == f->cap) {
                f->cap = f->cap ? f->cap * 2 : 8;
                f->keys = gw_xreallocarray(f->keys, f->cap, sizeof(*f->keys));
                f->items = gw_xreallocarray(f->items, f->cap, sizeof(*f->items));
            }
            if (node->kind != GW_CFG_KIND_SCALAR) {
                gw_cfg_error(node, "a key that is %s (expected a string)", gw_cfg_kind_name(node));
                /* reported; parsing goes on */
            }
            f->keys[f->n] = node;
            f->want_key = false;
        } else {
            f->items[f->n++] = node;
            f->want_key = true;
        }
    } else {
        if (f->n == f->cap) {
            f->cap = f->cap ? f->cap * 2 : 8;
            f->items = gw_xreallocarray(f->items, f->cap, sizeof(*f->items));
        }
        f->items[f->n++] = node;
    }
}

/* Mappings with more keys than this are checked for repeats through a hash map. */
#define DUP_SCAN_MAX 32

static void report_duplicate(const struct gw_cfg *key, const struct gw_cfg *first)
{
    gw_cfg_error(key, "duplicate key \"%s\" (first given at line %u, column %u)", key->text,
                 first->line, first->col);
}

/*
 * Reports every key given twice in a mapping, whatever schema (if any) later
 * describes it; readers see the first of each (gw_cfg_child).
 */
static void check_duplicate_keys(struct gw_cfg **keys, uint32_t n)
{
    if (n <= DUP_SCAN_MAX) {
        for (uint32_t i = 1; i < n; i++) {
            if (!keys[i]->text)
                continue;
            for (uint32_t j = 0; j < i; j++) {
                if (keys[j]->text && strcmp(keys[j]->text, keys[i]->text) == 0) {
                    report_duplicate(keys[i], keys[j]);
                    break;
                }
            }
        }
        return;
    }
    struct gw_strmap *seen = gw_strmap_new();
    for (uint32_t i = 0; i < n; i++) {
        size_t first;
        if (keys[i]->text && gw_strmap_put(seen, keys[i]->text, i, &first) < 0)
            report_duplicate(keys[i], keys[first]);
    }
    gw_strmap_free(seen);
}

static void frame_pop(struct loader *l)
{
    struct frame *f = &l->stack[--l->depth];
    struct gw_cfg *node = f->node;
    if (node->kind == GW_CFG_KIND_MAP)
        check_duplicate_keys(f->keys, f->n);
    node->n = f->n;
    size_t bytes = sizeof(struct gw_cfg *) * (f->n ? f->n : 1);
    node->items = gw_cfg_doc_alloc(l->doc, bytes);
    if (f->n)
        memcpy(node->items, f->items, sizeof(struct gw_cfg *) * f->n);
    if (node->kind == GW_CFG_KIND_MAP) {
        node->keys = gw_cfg_doc_alloc(l->doc, bytes);
        if (f->n)
            memcpy(node->keys, f->keys, sizeof(struct gw_cfg *) * f->n);
    }
    free(f->keys);
    free(f->items);
    remember_anchor(l, f->anchor, node);
    attach(l, node);
}

static char *token_text_dup(struct fy_token *t)
{
    if (!t)
        return NULL;
    size_t len = 0;
    const char *s = fy_token_get_text(t, &len);
    return s ? gw_xstrndup(s, len) : NULL;
}

static void set_pos(struct loader *l, struct gw_cfg *node, struct fy_event *e)
{
    const struct fy_mark *m = fy_event_start_mark(e);
    if (m && m->line >= 0) {
        node->line = (uint32_t)m->line + 1;
        node->col = (uint32_t)m->column + 1;
        l->last_line = node->line;
        l->last_col = node->col;
    } else {
        node->line = l->last_line;
        node->col = l->last_col;
    }
}

static bool plain_null(const char *s, size_t len)
{
    return len == 0 || (len == 1 && s[0] == '~') || (len == 4 && memcmp(s, "null", 4) == 0) ||
           (len == 4 && memcmp(s, "Null", 4) == 0) || (len == 4 && memcmp(s, "NULL", 4) == 0);
}

/*
 * The text of a single-quoted scalar `t` that libfyaml 0.7 (Debian 12) would
 * misread: two quoted quotes in a row ('a''''b' is a''b; it gives a''' and,
 * with more of them, leaks the buffer it read them into). Such a scalar on one
 * line is unquoted here from the file's own bytes into a copy the caller
 * frees; on several lines, where YAML folds the breaks, it is reported at
 * `node` and read as empty. NULL when libfyaml reads `t` right.
 */
static char *unquote_misread(const struct loader *l, struct fy_token *t, struct gw_cfg *node,
                             size_t *len)
{
    const struct fy_mark *a = fy_token_start_mark(t), *b = fy_token_end_mark(t);
    if (fy_token_scalar_style(t) != FYSS_SINGLE_QUOTED || !a || !b || b->input_pos < a->input_pos ||
        b->input_pos > l->len)
        return NULL;
    const char *raw = l->text + a->input_pos;
    size_t raw_len = b->input_pos - a->input_pos;
    if (!memmem(raw, raw_len, "''''", 4))
        return NULL;
    char *out = gw_xmalloc(raw_len + 1);
    size_t n = 0;
    if (memchr(raw, '\n', raw_len) || memchr(raw, '\r', raw_len)) {
        gw_cfg_error(node, "quoted quotes in a row ('''') in a single-quoted text over several "
                           "lines cannot be read here (expected the text on one line, or "
                           "double-quoted)");
    } else {
        for (size_t i = 0; i < raw_len; i++) {
            out[n++] = raw[i];
            if (raw[i] == '\'' && i + 1 < raw_len && raw[i + 1] == '\'')
                i++;
        }
    }
    out[n] = '\0';
    *len = n;
    return out;
}

static void on_scalar(struct loader *l, struct fy_event *e)
{
    struct gw_cfg *node = gw_cfg_node_new(l->file, GW_CFG_KIND_SCALAR, 0, 0);
    set_pos(l, node, e);
    struct fy_token *t = e->scalar.value;
    size_t len = 0;
    char *unquoted = t ? unquote_misread(l, t, node, &len) : NULL;
    const char *s = unquoted ? unquoted : t ? fy_token_get_text(t, &len) : NULL;
    enum fy_scalar_style style = t ? fy_token_scalar_style(t) : FYSS_PLAIN;
    node->quoted = style != FYSS_PLAIN;
    if (!s || (style == FYSS_PLAIN && plain_null(s, len))) {
        node->kind = GW_CFG_KIND_NULL;
    } else if (memchr(s, '$', len)) {
        char *raw = gw_xstrndup(s, len);
        char *missing = NULL;
        char *expanded = gw_cfg_load_expand_env(raw, &missing);
        if (!expanded) {
            if (missing)
                gw_cfg_error(node,
                             "environment variable %s is not set (expected it set, or "
                             "${%s:-default} for a fallback)",
                             missing, missing);
            else
                gw_cfg_error(node,
                             "bad variable reference in \"%s\" (expected ${NAME}, "
                             "${NAME:-default} or $$ for a dollar)",
                             raw);
            /* reported; parsing goes on */
            node->text = gw_cfg_doc_strdup(l->doc, raw, strlen(raw));
        } else {
            node->text = gw_cfg_doc_strdup(l->doc, expanded, strlen(expanded));
        }
        free(missing);
        free(expanded);
        free(raw);
    } else {
        node->text = gw_cfg_doc_strdup(l->doc, s, len);
    }
    free(unquoted);
    char *anchor = token_text_dup(e->scalar.anchor);
    if (anchor)
        remember_anchor(l, anchor, node);
    attach(l, node);
}

static void on_alias(struct loader *l, struct fy_event *e)
{
    char *name = token_text_dup(e->alias.anchor);
    struct gw_cfg *target = NULL;
    for (size_t i = l->n_anchors; name && i > 0; i--) {
        if (strcmp(l->anchors[i - 1].name, name) == 0) {
            target = l->anchors[i - 1].node;
            break;
        }
    }
    if (!target) {
        struct gw_cfg *node = gw_cfg_node_new(l->file, GW_CFG_KIND_NULL, 0, 0);
        set_pos(l, node, e);
        gw_cfg_error(node, "alias *%s names no anchor (expected &%s defined before it)",
                     name ? name : "?", name ? name : "?");
        /* reported; parsing goes on */
        target = node;
    }
    free(name);
    /* Aliased subtrees are shared: nodes are read-only once built. */
    attach(l, target);
}

/* libfyaml reports syntax errors as text "NAME:LINE:COL: error: MESSAGE". */
static void diag_output_cb(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    struct loader *l = user;
    if (l->parse_error_reported)
        return;
    char *text = gw_xstrndup(buf, len);
    char *err = strstr(text, ": error: ");
    if (err) {
        unsigned line = 0, col = 0;
        *err = '\0';
        char *c2 = strrchr(text, ':');
        if (c2) {
            *c2 = '\0';
            char *c1 = strrchr(text, ':');
            if (c1) {
                line = (unsigned)strtoul(c1 + 1, NULL, 10);
                col = (unsigned)strtoul(c2 + 1, NULL, 10);
            }
        }
        char *msg = err + strlen(": error: ");
        size_t mlen = strlen(msg);
        while (mlen && (msg[mlen - 1] == '\n' || msg[mlen - 1] == ' '))
            msg[--mlen] = '\0';
        gw_diag_add(l->doc->diag, GW_DIAG_ERROR, l->file->path, line, col, "%s syntax error: %s",
                    l->json ? "JSON" : "YAML", msg);
        l->parse_error_reported = true;
        l->failed = true;
    }
    free(text);
}

/*
 * The offset of the first byte of `text` that is not well-formed UTF-8, or
 * `len` when all is; *line and *col (from 1) say where it is.
 */
static size_t bad_utf8_at(const char *text, size_t len, unsigned *line, unsigned *col)
{
    const unsigned char *s = (const unsigned char *)text;
    *line = *col = 1;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t n = c < 0x80             ? 1
                   : (c & 0xe0) == 0xc0 ? 2
                   : (c & 0xf0) == 0xe0 ? 3
                   : (c & 0xf8) == 0xf0 ? 4
                                        : 0;
        if (n == 0 || i + n > len || (n == 2 && c < 0xc2) || (n == 4 && c > 0xf4))
            return i;
        for (size_t k = 1; k < n; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
        /* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
        if ((n == 3 && c == 0xe0 && s[i + 1] < 0xa0) || (n == 3 && c == 0xed && s[i + 1] > 0x9f) ||
            (n == 4 && c == 0xf0 && s[i + 1] < 0x90) || (n == 4 && c == 0xf4 && s[i + 1] > 0x8f))
            return i;
        if (c == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
        i += n;
    }
    return len;
}

int gw_cfg_load_string(struct gw_cfg_doc *doc, const char *name, const char *text, size_t len,
                       struct gw_cfg **root_out)
{
    /* a node without a mark of its own takes the last one seen, from 1:1 on */
    struct loader l = {.doc = doc,
                       .file = gw_cfg_doc_file(doc, name),
                       .text = text,
                       .len = len,
                       .last_line = 1,
                       .last_col = 1};
    *root_out = NULL;

    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_output_cb;
    dcfg.user = &l;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag)
        abort();
    size_t nlen = strlen(name);
    l.json = nlen > 5 && strcmp(name + nlen - 5, ".json") == 0;
    struct fy_parse_cfg pcfg = {
        .flags = FYPCF_QUIET | (l.json ? FYPCF_JSON_FORCE : FYPCF_JSON_NONE),
        .diag = diag,
    };
    struct fy_parser *parser = fy_parser_create(&pcfg);
    if (!parser)
        abort();
    /* YAML and JSON are UTF-8 here. Checked first: libfyaml 0.7 can loop for
     * ever on a directive line that is not. */
    unsigned bad_line, bad_col;
    size_t bad = bad_utf8_at(text, len, &bad_line, &bad_col);
    if (bad < len) {
        gw_diag_add(doc->diag, GW_DIAG_ERROR, name, bad_line, bad_col,
                    "byte 0x%02X is not UTF-8 text (expected the file saved as UTF-8)",
                    (unsigned char)text[bad]);
        l.failed = true;
    } else if (fy_parser_set_string(parser, text, len) != 0) {
        gw_diag_add(doc->diag, GW_DIAG_ERROR, name, 0, 0, "cannot parse this file");
        l.failed = true;
    }

    struct fy_event *e;
    while (!l.failed && (e = fy_parser_parse(parser)) != NULL) {
        switch (e->type) {
        case FYET_DOCUMENT_START:
            if (++l.documents > 1) {
                struct gw_cfg pos = {.file = l.file};
                set_pos(&l, &pos, e);
                gw_cfg_error(&pos, "a second YAML document in one file (expected one; use "
                                   "include: for more files)");
                l.failed = true;
            }
            break;
        case FYET_MAPPING_START:
        case FYET_SEQUENCE_START: {
            bool map = e->type == FYET_MAPPING_START;
            struct gw_cfg *node =
                gw_cfg_node_new(l.file, map ? GW_CFG_KIND_MAP : GW_CFG_KIND_SEQ, 0, 0);
            set_pos(&l, node, e);
            char *anchor = token_text_dup(map ? e->mapping_start.anchor : e->sequence_start.anchor);
            frame_push(&l, node, anchor);
            break;
        }
        case FYET_MAPPING_END:
        case FYET_SEQUENCE_END:
            frame_pop(&l);
            break;
        case FYET_SCALAR:
            on_scalar(&l, e);
            break;
        case FYET_ALIAS:
            on_alias(&l, e);
            break;
        default:
            break;
        }
        fy_parser_event_free(parser, e);
    }
    if (!l.failed && fy_parser_get_stream_error(parser)) {
        gw_diag_add(doc->diag, GW_DIAG_ERROR, name, 0, 0, "%s syntax error",
                    l.json ? "JSON" : "YAML");
        l.failed = true;
    }
    fy_parser_destroy(parser);
    fy_diag_destroy(diag);

    while (l.depth > 0) {
        struct frame *f = &l.stack[--l.depth];
        free(f->keys);
        free(f->items);
        free(f->anchor);
    }
    free(l.stack);
    for (size_t i = 0; i < l.n_anchors; i++)
        free(l.anchors[i].name);
    free(l.anchors);

    if (l.failed)
        return -EINVAL;
    if (!l.root)
        l.root = gw_cfg_node_new(l.file, GW_CFG_KIND_NULL, 1, 1);
    *root_out = l.root;
    return 0;
}

int gw_cfg_load_file(struct gw_cfg_doc *doc, const char *path, struct gw_cfg **root_out)
{
    *root_out = NULL;
    /* O_NONBLOCK: a FIFO named by mistake must not hang the open; it is
     * refused below as not a regular file. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        gw_diag_add(doc->diag, GW_DIAG_ERROR, path, 0, 0, "cannot open: %s", strerror(err));
        return -err;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        gw_diag_add(doc->diag, GW_DIAG_ERROR, path, 0, 0, "not a regular file");
        close(fd);
        return -EINVAL;
    }
    if ((uint64_t)st.st_size > CONFIG_MAX_BYTES) {
        gw_diag_add(doc->diag, GW_DIAG_ERROR, path, 0, 0,
                    "file of %lld bytes is too large for a configuration", (long long)st.st_size);
        close(fd);
        return -EFBIG;
    }
    char *buf = NULL;
    size_t got = 0;
    int err = gw_fsutil_read_fd(fd, CONFIG_MAX_BYTES, &buf, &got);
    close(fd);
    if (err < 0) {
        gw_diag_add(doc->diag, GW_DIAG_ERROR, path, 0, 0, "cannot read: %s", strerror(-err));
        return err;
    }
    int rc = gw_cfg_load_string(doc, path, buf, got, root_out);
    free(buf);
    return rc;
}
