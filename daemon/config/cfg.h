/*
 * The configuration document as a tree of positioned nodes.
 *
 * Every node remembers its file, line and column so that any problem found
 * while validating, by the core or by a plugin, is reported where it is. Nodes
 * live in the document's arena and are freed together with it. A document also
 * carries the diagnostics of its validation.
 *
 * `struct gw_cfg` is the opaque node type of the plugin interface; the typed
 * getters here are the ones the host table hands to plugins.
 */
#ifndef GW_CFG_H
#define GW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gwyliwr/plugin.h>

#include "util/diag.h"

enum gw_cfg_kind {
    GW_CFG_KIND_NULL,
    GW_CFG_KIND_SCALAR,
    GW_CFG_KIND_MAP,
    GW_CFG_KIND_SEQ,
};

struct gw_cfg_doc;

/* A source file of the document (the main file or an include). */
struct gw_cfg_file {
    struct gw_cfg_doc *doc;
    const char *path; /* in the arena */
};

struct gw_cfg {
    uint8_t kind;   /* enum gw_cfg_kind */
    uint8_t quoted; /* a quoted or block scalar: always a string, never a number */
    uint32_t line;  /* 1-based */
    uint32_t col;   /* 1-based */
    uint32_t n;     /* items of a sequence, pairs of a mapping */
    const struct gw_cfg_file *file;
    const char *text;      /* scalar text, NUL-terminated; NULL otherwise */
    struct gw_cfg **items; /* sequence items, or mapping values */
    struct gw_cfg **keys;  /* mapping keys (scalar nodes), NULL for sequences */
};

struct gw_cfg_doc {
    struct gw_cfg_arena *arena;
    struct gw_diag *diag; /* owned */
    struct gw_cfg *root;  /* the main file's root, a mapping (possibly empty) */
};

/* A new empty document. Caller frees with gw_cfg_doc_free. */
struct gw_cfg_doc *gw_cfg_doc_new(void);
/* Frees the document, its nodes and diagnostics; NULL does nothing. */
void gw_cfg_doc_free(struct gw_cfg_doc *doc);
/* Allocates `size` zeroed bytes that live as long as the document. */
void *gw_cfg_doc_alloc(struct gw_cfg_doc *doc, size_t size);
/* Copies a string into the document. */
const char *gw_cfg_doc_strdup(struct gw_cfg_doc *doc, const char *s, size_t len);
/* Registers a source file of the document. */
const struct gw_cfg_file *gw_cfg_doc_file(struct gw_cfg_doc *doc, const char *path);

/* Creates nodes in the document (tests and synthesised maps use these). */
struct gw_cfg *gw_cfg_node_new(const struct gw_cfg_file *file, enum gw_cfg_kind kind, uint32_t line,
                               uint32_t col);
/* Builds a mapping from `n` key/value node pairs (arrays are copied). */
struct gw_cfg *gw_cfg_map_new(const struct gw_cfg_file *file, uint32_t line, uint32_t col,
                              struct gw_cfg **keys, struct gw_cfg **values, uint32_t n);

/* ---- diagnostics at a node ---------------------------------------------- */

/* Reports an error or warning at the node's position (NULL node: no position). */
void gw_cfg_error(const struct gw_cfg *node, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void gw_cfg_warning(const struct gw_cfg *node, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void gw_cfg_errorv(const struct gw_cfg *node, enum gw_diag_severity sev, const char *fmt,
                   va_list ap);

/* ---- reading ------------------------------------------------------------- */

/* The value node of `key` in a mapping (the first, if repeated), or NULL. */
const struct gw_cfg *gw_cfg_child(const struct gw_cfg *map, const char *key);
/* The key node of `key` in a mapping, or NULL. */
const struct gw_cfg *gw_cfg_key_node(const struct gw_cfg *map, const char *key);
size_t gw_cfg_len(const struct gw_cfg *node);
const struct gw_cfg *gw_cfg_at(const struct gw_cfg *node, size_t i);
const char *gw_cfg_key_at(const struct gw_cfg *node, size_t i);
/* The text of a scalar, or NULL for anything else (null nodes included). */
const char *gw_cfg_scalar(const struct gw_cfg *node);
/* A word for the node's kind in messages: "a mapping", "a list", "a scalar", "null". */
const char *gw_cfg_kind_name(const struct gw_cfg *node);

/*
 * Typed getters: a missing key leaves *out unchanged and returns 0; a wrong
 * value is reported at its position and gives -EINVAL.
 */
int gw_cfg_get_string(const struct gw_cfg *map, const char *key, const char **out);
int gw_cfg_get_int(const struct gw_cfg *map, const char *key, int64_t min, int64_t max,
                   int64_t *out);
int gw_cfg_get_number(const struct gw_cfg *map, const char *key, double *out);
int gw_cfg_get_bool(const struct gw_cfg *map, const char *key, bool *out);
int gw_cfg_get_duration_ms(const struct gw_cfg *map, const char *key, uint64_t *out);
int gw_cfg_get_percent(const struct gw_cfg *map, const char *key, double *out_ratio);
int gw_cfg_get_size(const struct gw_cfg *map, const char *key, uint64_t *out);
/* Reads the file a `*_file` key names; *out caller frees. */
int gw_cfg_get_secret(const struct gw_cfg *map, const char *key, char **out);

/* Value parsers on one node, reporting at the node. */
int gw_cfg_node_int(const struct gw_cfg *node, int64_t min, int64_t max, int64_t *out);
int gw_cfg_node_number(const struct gw_cfg *node, double *out);
int gw_cfg_node_bool(const struct gw_cfg *node, bool *out);
int gw_cfg_node_duration_ms(const struct gw_cfg *node, uint64_t *out);
int gw_cfg_node_percent(const struct gw_cfg *node, double *out_ratio);
int gw_cfg_node_size(const struct gw_cfg *node, uint64_t *out);

/*
 * Checks a node against a declared type (shape only, plus the value parsers
 * above for typed scalars, plus readability for GW_CFG_FILE) and reports what
 * is wrong. Returns 0 or -EINVAL.
 */
int gw_cfg_check_type(const struct gw_cfg *node, enum gw_cfg_type type);
/* gw_cfg_check_type for a declared key, honouring its flags (GW_CFG_PUBLIC). */
int gw_cfg_check_key(const struct gw_cfg *node, const struct gw_cfg_key *key);
/* A phrase for a type in messages ("a duration like 10s"). */
const char *gw_cfg_type_expect(enum gw_cfg_type type);

#endif
