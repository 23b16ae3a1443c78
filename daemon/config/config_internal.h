/*
 * What the files that build a gw_config share; nothing outside
 * daemon/config/ includes this. The validated configuration is built in one
 * pass over the positioned tree (cfg.h), in this order:
 *
 *   config.c             the whole: loading, the daemon section, the order
 *                        below, the finished gw_config and its lifetime
 *   config_keys.c        the schemas of the core's sections (where a key is
 *                        added) and the generic check of a mapping's keys
 *   config_include.c     include: files merged into the main one
 *   config_targets.c     defaults, notifiers, councils and their targets,
 *                        and the references between targets
 *   config_fingerprint.c what a target does, hashed, to see changes on reload
 *   config_maintenance.c maintenance windows
 *
 * Every problem goes to b->doc->diag with its position (gw_cfg_error); a
 * function here never stops at the first one.
 */
#ifndef GW_CONFIG_INTERNAL_H
#define GW_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"
#include "config/config.h"

/* The state of one build, from the tree to the finished configuration. */
struct config_builder {
    struct gw_cfg_doc *doc;
    struct gw_diag *diag; /* the caller's: doc->diag is copied into it at the end */
    const struct gw_plugins *plugins;
    const struct gw_host *host;
    struct gw_config *config;
    const struct gw_cfg *defaults; /* mapping, or NULL */
    /* council entries from every file, in order: */
    const struct gw_cfg **council_nodes;
    size_t n_council_nodes;
    const struct gw_cfg **notifier_nodes;
    size_t n_notifier_nodes;
    const struct gw_cfg **maintenance_nodes;
    size_t n_maintenance_nodes;
    const struct gw_cfg **target_nodes; /* parallel to config->targets */
    size_t targets_cap;
    struct gw_strmap *council_index; /* council id -> index into config->councils */
    /* Every target entry with a valid id, built or not, so that a reference
     * to a target that has its own error is not reported a second time:
     * "council/target" (in the arena) -> index into declared_ids. */
    struct gw_strmap *declared;
    const struct gw_cfg **declared_ids; /* the id node of each */
    size_t n_declared, declared_cap;
    struct gw_strmap *notifier_ids; /* notifier id -> index into notifier_nodes */
};

/* ---- config.c ----------------------------------------------------------------- */

/* Appends the items of the sequence `seq` (NULL or not a sequence: none) to *arr. */
void gw_config_collect(const struct gw_cfg ***arr, size_t *n, const struct gw_cfg *seq);
/* The directory part of `path`. Caller frees. */
char *gw_config_dir_of(const char *path);
/* A copy of the string value of `key` in `map` (caller frees), or NULL when absent. */
char *gw_config_opt_string(const struct gw_cfg *map, const char *key);

/* ---- config_keys.c: schemas and the generic check ------------------------------ */

/* Key tables, each ended by an entry whose name is NULL. */
extern const struct gw_cfg_key gw_config_keys_top[];         /* the main file's top level */
extern const struct gw_cfg_key gw_config_keys_include_top[]; /* an included file's */
extern const struct gw_cfg_key gw_config_keys_daemon[];
extern const struct gw_cfg_key gw_config_keys_target[]; /* common to every check type */
extern const struct gw_cfg_key gw_config_keys_council[];
extern const struct gw_cfg_key gw_config_keys_notifier[]; /* common to every notifier type */
extern const struct gw_cfg_key gw_config_keys_maintenance[];
/* Top-level keys only the main file may hold; NULL-terminated. */
extern const char *const gw_config_keys_main_only[];

/* The key `name` of the first of `n_lists` tables that has it (a NULL table is
 * skipped), or NULL. */
const struct gw_cfg_key *gw_config_keys_find(const struct gw_cfg_key *const *lists, size_t n_lists,
                                             const char *name);
/* Reports `key_node` as unknown, suggesting the nearest key of `lists`, or
 * listing them; `where` prefixes the message. */
void gw_config_keys_report_unknown(const struct gw_cfg *key_node,
                                   const struct gw_cfg_key *const *lists, size_t n_lists,
                                   const char *where);
/*
 * Checks every pair of `map` against the keys of `lists` (a NULL list is
 * skipped): unknown keys, value types, nested mappings, and missing required
 * keys. `where` prefixes messages ("target cardiff/website: "). Pairs from
 * index `own` on were inherited from defaults: their messages say
 * "defaults: " instead, so that one default inherited by many targets reads
 * the same each time and is reported once. With `known_only`, keys that no
 * list declares are passed over (their schema is unknown). A key given twice
 * was reported by the loader; its first value is the one checked. Returns
 * true when nothing was wrong. *values_ok (when not NULL) tells whether every
 * declared key has a value of its type and every required key is there: a
 * plugin's configure() may then run, and report its own problems, even when
 * an unknown key makes the whole invalid.
 */
bool gw_config_keys_validate(const struct gw_cfg *map, const struct gw_cfg_key *const *lists,
                             size_t n_lists, const char *where, uint32_t own, bool known_only,
                             bool *values_ok);

/* ---- config_include.c ---------------------------------------------------------- */

/* Reads the files `include:` of the main file's `root` names (each once) and
 * collects their councils, notifiers and maintenance entries into b. */
void gw_config_include_load(struct config_builder *b, const struct gw_cfg *root);

/* ---- config_targets.c ------------------------------------------------------------ */

/* Checks the `defaults:` mapping (b->defaults is set by the caller). */
void gw_config_targets_validate_defaults(struct config_builder *b, const struct gw_cfg *defaults);
/* Builds the notifiers; before the councils, whose targets name them. */
void gw_config_targets_build_notifiers(struct config_builder *b);
/* Builds the councils and their targets, council by council. */
void gw_config_targets_build_councils(struct config_builder *b);
/* Parents, language pairs, cycles: once every target is built and indexed. */
void gw_config_targets_check_references(struct config_builder *b);

/* ---- config_notifiers.c ---------------------------------------------------------- */

/*
 * Reads the keys every notifier has from its mapping into n (its id, type
 * and plugin_conf are left alone). Reports each bad value, `where` prefixing
 * the message; returns true when all were good.
 */
bool gw_config_notifier_common(const struct gw_cfg *node, const char *where,
                               struct gw_notifier_conf *n);
/* Reports the ids of daemon.notify (`notify`, or NULL) that name no notifier. */
void gw_config_notifiers_check_daemon(struct config_builder *b, const struct gw_cfg *notify);

/* ---- config_fingerprint.c -------------------------------------------------------- */

/* The fingerprint of the built target `t` whose effective settings are `eff`. */
uint64_t gw_config_fingerprint_target(const struct gw_target_conf *t, const struct gw_cfg *eff);

/* ---- config_maintenance.c -------------------------------------------------------- */

/* Builds the maintenance windows of every file. */
void gw_config_maintenance_build(struct config_builder *b);

#endif
