#include "config/config_internal.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/cfg_load.h"
#include "util/xalloc.h"

struct file_id {
    dev_t dev;
    ino_t ino;
};

/* True when the file at `path` was read already; else remembers it. */
static bool seen_file(struct file_id **seen, size_t *n, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return false; /* loading it will say what is wrong */
    for (size_t i = 0; i < *n; i++)
        if ((*seen)[i].dev == st.st_dev && (*seen)[i].ino == st.st_ino)
            return true;
    *seen = gw_xreallocarray(*seen, *n + 1, sizeof(**seen));
    (*seen)[(*n)++] = (struct file_id){st.st_dev, st.st_ino};
    return false;
}

/* Checks the top level of an included file and collects its entries. */
static void merge_include(struct config_builder *b, const struct gw_cfg *inc_root)
{
    if (gw_cfg_check_type(inc_root, GW_CFG_MAP) < 0)
        return;
    /* Keys of the main file get a message of their own and are then left
     * out, so the generic check does not call them unknown. */
    struct gw_cfg **keys = gw_xcalloc(inc_root->n + 1, sizeof(*keys));
    struct gw_cfg **values = gw_xcalloc(inc_root->n + 1, sizeof(*values));
    uint32_t n = 0;
    for (uint32_t i = 0; i < inc_root->n; i++) {
        const char *k = inc_root->keys[i]->text;
        bool main_only = false;
        for (size_t j = 0; k && gw_config_keys_main_only[j]; j++)
            main_only = main_only || strcmp(k, gw_config_keys_main_only[j]) == 0;
        if (main_only) {
            gw_cfg_error(inc_root->keys[i],
                         "\"%s\" is only allowed in the main file (expected councils, notifiers "
                         "or maintenance in an included file)",
                         k);
            continue;
        }
        keys[n] = inc_root->keys[i];
        values[n++] = inc_root->items[i];
    }
    const struct gw_cfg *map =
        gw_cfg_map_new(inc_root->file, inc_root->line, inc_root->col, keys, values, n);
    free(keys);
    free(values);
    const struct gw_cfg_key *lists[] = {gw_config_keys_include_top};
    gw_config_keys_validate(map, lists, 1, "", map->n, false, NULL);
    gw_config_collect(&b->council_nodes, &b->n_council_nodes, gw_cfg_child(map, "councils"));
    gw_config_collect(&b->notifier_nodes, &b->n_notifier_nodes, gw_cfg_child(map, "notifiers"));
    gw_config_collect(&b->maintenance_nodes, &b->n_maintenance_nodes,
                      gw_cfg_child(map, "maintenance"));
}

/* Why glob() gave up, for the message; per thread, as a reload runs on a worker. */
static _Thread_local int glob_errno;
static _Thread_local char glob_errpath[256];

/* A directory that does not exist matches nothing; any other failure stops. */
static int glob_error_cb(const char *path, int err)
{
    if (err == ENOENT || err == ENOTDIR)
        return 0;
    glob_errno = err;
    snprintf(glob_errpath, sizeof(glob_errpath), "%s", path);
    return 1;
}

void gw_config_include_load(struct config_builder *b, const struct gw_cfg *root)
{
    const struct gw_cfg *inc = gw_cfg_child(root, "include");
    if (!inc || inc->kind == GW_CFG_KIND_MAP || inc->kind == GW_CFG_KIND_NULL)
        return; /* reported by the top-level check */
    char *base = gw_config_dir_of(root->file->path);
    /* A pattern like "*.yaml" beside the main file matches the main file, and
     * two patterns may match one file: each file is read once. */
    struct file_id *seen = NULL;
    size_t n_seen = 0;
    seen_file(&seen, &n_seen, root->file->path);
    for (size_t i = 0; i < gw_cfg_len(inc); i++) {
        const struct gw_cfg *pat_node = gw_cfg_at(inc, i);
        const char *pat = gw_cfg_scalar(pat_node);
        if (!pat)
            continue;
        bool relative = pat[0] != '/';
        char *full = relative ? gw_xasprintf("%s/%s", base, pat) : gw_xstrdup(pat);
        glob_t g;
        memset(&g, 0, sizeof(g));
        glob_errno = 0;
        int rc = glob(full, 0, glob_error_cb, &g);
        if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
            gw_cfg_error(pat_node,
                         "include \"%s\" matches no file (expected a path or glob of "
                         "YAML files%s%s)",
                         pat, relative ? ", relative to " : "", relative ? base : "");
        } else if (rc != 0) {
            gw_cfg_error(pat_node,
                         "include \"%s\" cannot be read: %s: %s (expected readable "
                         "directories)",
                         pat, glob_errno ? glob_errpath : full,
                         strerror(glob_errno ? glob_errno : EIO));
        } else {
            for (size_t j = 0; j < g.gl_pathc; j++) {
                if (seen_file(&seen, &n_seen, g.gl_pathv[j]))
                    continue;
                struct gw_cfg *inc_root = NULL;
                if (gw_cfg_load_file(b->doc, g.gl_pathv[j], &inc_root) < 0 || !inc_root)
                    continue;
                if (inc_root->kind != GW_CFG_KIND_NULL)
                    merge_include(b, inc_root);
            }
        }
        globfree(&g);
        free(full);
    }
    free(seen);
    free(base);
}
