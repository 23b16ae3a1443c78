/*
 * The plugin registry: check and notifier types, loaded from shared objects
 * with dlopen() or registered directly (tests). Immutable once loading is done,
 * so a reload may read it from a worker thread.
 */
#ifndef GW_PLUGINS_H
#define GW_PLUGINS_H

#include <stddef.h>

#include <gwyliwr/plugin.h>

struct gw_plugins;

/* An empty registry. Caller frees with gw_plugins_free. */
struct gw_plugins *gw_plugins_new(void);
/* Forgets every type and unloads the shared objects; NULL does nothing. */
void gw_plugins_free(struct gw_plugins *plugins);

/*
 * Loads one shared object and registers its types. A plugin built for another
 * ABI version, one without the `gw_plugin` symbol, or one that defines a type
 * already registered is refused: returns a negative errno and sets *error_out
 * to a sentence (caller frees).
 */
int gw_plugins_load_file(struct gw_plugins *plugins, const char *path, char **error_out);

/*
 * Loads every "*.so" in `dir` in name order. Each refusal is logged as an
 * error and loading goes on. Returns the number of plugins loaded, or a
 * negative errno when the directory cannot be read.
 */
int gw_plugins_load_dir(struct gw_plugins *plugins, const char *dir);

/*
 * Registers the types of a plugin already in memory (borrowed: it must outlive
 * the registry). Same checks as loading. `origin` names it in messages.
 */
int gw_plugins_add(struct gw_plugins *plugins, const struct gw_plugin *plugin, const char *origin,
                   char **error_out);

/* The type with that name, or NULL. */
const struct gw_check_type *gw_plugins_check(const struct gw_plugins *plugins, const char *name);
const struct gw_notifier_type *gw_plugins_notifier(const struct gw_plugins *plugins,
                                                   const char *name);

/* Names of the registered check (or notifier) types, for suggestions; borrowed. */
size_t gw_plugins_check_names(const struct gw_plugins *plugins, const char ***names_out);
size_t gw_plugins_notifier_names(const struct gw_plugins *plugins, const char ***names_out);

/*
 * The directory plugins are loaded from when the configuration does not say:
 * $GWYLIWR_PLUGIN_DIR, else "lib/gwyliwr/plugins" beside the executable's
 * bin/ directory (true both installed and in the build tree). Caller frees.
 */
char *gw_plugins_default_dir(void);

#endif
