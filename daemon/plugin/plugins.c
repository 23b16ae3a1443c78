#include "plugin/plugins.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/xalloc.h"

struct loaded {
    void *handle; /* dlopen handle, NULL for plugins added in memory */
    const struct gw_plugin *plugin;
    char *origin;
};

struct gw_plugins {
    struct loaded *loaded;
    size_t n_loaded;
    const struct gw_check_type **checks;
    const char **check_names;
    size_t n_checks;
    const struct gw_notifier_type **notifiers;
    const char **notifier_names;
    size_t n_notifiers;
};

struct gw_plugins *gw_plugins_new(void)
{
    return gw_xcalloc(1, sizeof(struct gw_plugins));
}

void gw_plugins_free(struct gw_plugins *plugins)
{
    if (!plugins)
        return;
    for (size_t i = 0; i < plugins->n_loaded; i++) {
        if (plugins->loaded[i].handle)
            dlclose(plugins->loaded[i].handle);
        free(plugins->loaded[i].origin);
    }
    free(plugins->loaded);
    free(plugins->checks);
    free(plugins->check_names);
    free(plugins->notifiers);
    free(plugins->notifier_names);
    free(plugins);
}

static int validate(const struct gw_plugins *plugins, const struct gw_plugin *p, const char *origin,
                    char **error_out)
{
    if (p->abi != GW_PLUGIN_ABI_VERSION) {
        *error_out = gw_xasprintf("%s: plugin was built for plugin ABI %u, this gwyliwr "
                                  "speaks ABI %u: rebuild it against this version's "
                                  "<gwyliwr/plugin.h>",
                                  origin, p->abi, GW_PLUGIN_ABI_VERSION);
        return -EPROTO;
    }
    if (p->size != sizeof(struct gw_plugin)) {
        *error_out = gw_xasprintf("%s: plugin structure has size %u, expected %zu (built "
                                  "against a different <gwyliwr/plugin.h>)",
                                  origin, p->size, sizeof(struct gw_plugin));
        return -EPROTO;
    }
    for (size_t i = 0; p->checks && p->checks[i]; i++) {
        const struct gw_check_type *c = p->checks[i];
        if (!c->name || !c->configure || !c->conf_free || !c->start || !c->cancel) {
            *error_out = gw_xasprintf("%s: check type %s lacks a required function", origin,
                                      c->name ? c->name : "(unnamed)");
            return -EINVAL;
        }
        if (gw_plugins_check(plugins, c->name)) {
            *error_out = gw_xasprintf("%s: check type \"%s\" is already provided by another "
                                      "plugin",
                                      origin, c->name);
            return -EEXIST;
        }
    }
    for (size_t i = 0; p->notifiers && p->notifiers[i]; i++) {
        const struct gw_notifier_type *nt = p->notifiers[i];
        if (!nt->name || !nt->configure || !nt->conf_free || !nt->send || !nt->cancel) {
            *error_out = gw_xasprintf("%s: notifier type %s lacks a required function", origin,
                                      nt->name ? nt->name : "(unnamed)");
            return -EINVAL;
        }
        if (gw_plugins_notifier(plugins, nt->name)) {
            *error_out = gw_xasprintf("%s: notifier type \"%s\" is already provided by "
                                      "another plugin",
                                      origin, nt->name);
            return -EEXIST;
        }
    }
    return 0;
}

static void register_types(struct gw_plugins *plugins, void *handle, const struct gw_plugin *p,
                           const char *origin)
{
    plugins->loaded =
        gw_xreallocarray(plugins->loaded, plugins->n_loaded + 1, sizeof(*plugins->loaded));
    plugins->loaded[plugins->n_loaded++] =
        (struct loaded){.handle = handle, .plugin = p, .origin = gw_xstrdup(origin)};
    for (size_t i = 0; p->checks && p->checks[i]; i++) {
        plugins->checks =
            gw_xreallocarray(plugins->checks, plugins->n_checks + 1, sizeof(*plugins->checks));
        plugins->check_names = gw_xreallocarray(plugins->check_names, plugins->n_checks + 1,
                                                sizeof(*plugins->check_names));
        plugins->checks[plugins->n_checks] = p->checks[i];
        plugins->check_names[plugins->n_checks++] = p->checks[i]->name;
    }
    for (size_t i = 0; p->notifiers && p->notifiers[i]; i++) {
        plugins->notifiers = gw_xreallocarray(plugins->notifiers, plugins->n_notifiers + 1,
                                              sizeof(*plugins->notifiers));
        plugins->notifier_names = gw_xreallocarray(
            plugins->notifier_names, plugins->n_notifiers + 1, sizeof(*plugins->notifier_names));
        plugins->notifiers[plugins->n_notifiers] = p->notifiers[i];
        plugins->notifier_names[plugins->n_notifiers++] = p->notifiers[i]->name;
    }
}

int gw_plugins_add(struct gw_plugins *plugins, const struct gw_plugin *plugin, const char *origin,
                   char **error_out)
{
    int rc = validate(plugins, plugin, origin, error_out);
    if (rc < 0)
        return rc;
    register_types(plugins, NULL, plugin, origin);
    return 0;
}

int gw_plugins_load_file(struct gw_plugins *plugins, const char *path, char **error_out)
{
    *error_out = NULL;
    /* RTLD_LOCAL: plugins must not see each other's symbols. */
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *e = dlerror();
        *error_out = gw_xasprintf("%s: cannot load plugin: %s", path, e ? e : "unknown error");
        return -ENOEXEC;
    }
    const struct gw_plugin *p = dlsym(handle, GW_PLUGIN_SYMBOL);
    if (!p) {
        *error_out =
            gw_xasprintf("%s: not a gwyliwr plugin (no \"%s\" symbol)", path, GW_PLUGIN_SYMBOL);
        dlclose(handle);
        return -ENOEXEC;
    }
    int rc = validate(plugins, p, path, error_out);
    if (rc < 0) {
        dlclose(handle);
        return rc;
    }
    register_types(plugins, handle, p, path);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int gw_plugins_load_dir(struct gw_plugins *plugins, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len > 3 && strcmp(de->d_name + len - 3, ".so") == 0) {
            names = gw_xreallocarray(names, n + 1, sizeof(*names));
            names[n++] = gw_xstrdup(de->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof(*names), name_cmp);
    int loaded = 0;
    for (size_t i = 0; i < n; i++) {
        char *path = gw_xasprintf("%s/%s", dir, names[i]);
        char *err = NULL;
        if (gw_plugins_load_file(plugins, path, &err) == 0) {
            loaded++;
        } else {
            gw_log_error("%s", err);
            free(err);
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return loaded;
}

const struct gw_check_type *gw_plugins_check(const struct gw_plugins *plugins, const char *name)
{
    for (size_t i = 0; i < plugins->n_checks; i++)
        if (strcmp(plugins->checks[i]->name, name) == 0)
            return plugins->checks[i];
    return NULL;
}

const struct gw_notifier_type *gw_plugins_notifier(const struct gw_plugins *plugins,
                                                   const char *name)
{
    for (size_t i = 0; i < plugins->n_notifiers; i++)
        if (strcmp(plugins->notifiers[i]->name, name) == 0)
            return plugins->notifiers[i];
    return NULL;
}

size_t gw_plugins_check_names(const struct gw_plugins *plugins, const char ***names_out)
{
    *names_out = plugins->check_names;
    return plugins->n_checks;
}

size_t gw_plugins_notifier_names(const struct gw_plugins *plugins, const char ***names_out)
{
    *names_out = plugins->notifier_names;
    return plugins->n_notifiers;
}

char *gw_plugins_default_dir(void)
{
    const char *env = getenv("GWYLIWR_PLUGIN_DIR");
    if (env && *env)
        return gw_xstrdup(env);
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0)
        return gw_xstrdup(GW_DEFAULT_PLUGIN_DIR);
    exe[len] = '\0';
    char *bindir = dirname(exe);
    return gw_xasprintf("%s/../%s", bindir, GW_PLUGIN_SUBDIR);
}
