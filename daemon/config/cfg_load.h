/*
 * Reading YAML (or JSON) text into a positioned configuration tree.
 */
#ifndef GW_CFG_LOAD_H
#define GW_CFG_LOAD_H

#include <stddef.h>

#include "config/cfg.h"

/*
 * Parses the file at `path` into `doc` and sets *root_out to its top node
 * (a NULL-kind node for an empty file). Syntax errors, unreadable files and
 * undefined ${VARIABLES} are reported in doc->diag with their position.
 * Returns 0, or -EINVAL / a negative errno when nothing usable was read
 * (*root_out is then NULL).
 */
int gw_cfg_load_file(struct gw_cfg_doc *doc, const char *path, struct gw_cfg **root_out);

/* As gw_cfg_load_file for text in memory; `name` stands for the file in messages. */
int gw_cfg_load_string(struct gw_cfg_doc *doc, const char *name, const char *text, size_t len,
                       struct gw_cfg **root_out);

/*
 * Expands ${NAME} and ${NAME:-default} references in `text`, "$$" giving "$";
 * NAME is a shell variable name, and the default also replaces a variable
 * that is set but empty. Returns a new string (caller frees), or NULL with
 * *missing_out set to a copy of the first undefined name (caller frees) or
 * to NULL on a syntax error.
 */
char *gw_cfg_load_expand_env(const char *text, char **missing_out);

#endif
