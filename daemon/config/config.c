#include "config/config.h"

#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config/cfg.h"
#include "config/cfg_load.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/suggest.h"
#include "util/units.h"
#include "util/xalloc.h"

/* ---- schemas of the core's own sections ----------------------------------- */

static const struct gw_cfg_key daemon_keys[] = {
    {"data_dir", GW_CFG_STRING, 0, NULL, "RRD files, state.json, events.jsonl"},
    {"plugin_dir", GW_CFG_STRING, 0, NULL, "where check and notifier plugins are loaded from"},
    {"listen", GW_CFG_STRING, 0, NULL, "address of the web server; \"\" turns it off"},
    {"rrdcached", GW_CFG_STRING, 0, NULL, "\"\", unix:PATH or host:port"},
    {"storage", GW_CFG_STRING, 0, NULL, "rrd (record every result) or none (keep no history)"},
    {"rrd_write_delay", GW_CFG_DURATION, 0, NULL,
     "longest a result waits to be written with later ones of its file"},
    {"max_in_flight", GW_CFG_INT, 0, NULL, "checks running at once, in all"},
    {"max_per_host", GW_CFG_INT, 0, NULL, "checks running at once against one host"},
    {"log_level", GW_CFG_STRING, 0, NULL, "debug | info | notice | warning | error"},
    {NULL, 0, 0, NULL, NULL},
};

/* Keys every target has, whatever its check type; all may come from defaults:
 * except id and check. */
static const struct gw_cfg_key target_keys[] = {
    {"id", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "the target's id within its council"},
    {"check", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "the check type (plugin)"},
    {"name", GW_CFG_STRING, 0, NULL, "display name"},
    {"description", GW_CFG_STRING, 0, NULL, "free text"},
    {"category", GW_CFG_STRING, 0, NULL, "digital-services, democracy, connectivity, ..."},
    {"interval", GW_CFG_DURATION, 0, NULL, "time between checks"},
    {"timeout", GW_CFG_DURATION, 0, NULL, "time a check may take"},
    {"failure_threshold", GW_CFG_INT, 0, NULL, "consecutive failures before DOWN"},
    {"success_threshold", GW_CFG_INT, 0, NULL, "consecutive successes before UP"},
    {"notify", GW_CFG_LIST, 0, NULL, "notifier ids"},
    {"depends_on", GW_CFG_STRING, 0, NULL, "parent target id"},
    {"language", GW_CFG_STRING, 0, NULL, "en or cy"},
    {"parity_with", GW_CFG_STRING, 0, NULL, "target in the other language"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_cfg_key council_keys[] = {
    {"id", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "council id"},
    {"name", GW_CFG_STRING, 0, NULL, "English name"},
    {"name_cy", GW_CFG_STRING, 0, NULL, "Welsh name"},
    {"targets", GW_CFG_SEQ, 0, NULL, "what is monitored"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_cfg_key notifier_keys[] = {
    {"id", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "notifier id"},
    {"type", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "notifier type (plugin)"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_cfg_key weekly_keys[] = {
    {"day", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "mon, tue, ..."},
    {"from", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "HH:MM, Europe/London"},
    {"to", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "HH:MM, Europe/London"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_cfg_key maintenance_keys[] = {
    {"targets", GW_CFG_LIST, GW_CFG_REQUIRED, NULL, "council/target patterns"},
    {"from", GW_CFG_STRING, 0, NULL, "start, RFC 3339"},
    {"to", GW_CFG_STRING, 0, NULL, "end, RFC 3339"},
    {"weekly", GW_CFG_MAP, 0, weekly_keys, "a weekly window"},
    {"reason", GW_CFG_STRING, 0, NULL, "why"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_cfg_key top_keys[] = {
    {"daemon", GW_CFG_MAP, 0, daemon_keys, NULL},
    {"defaults", GW_CFG_MAP, 0, NULL, NULL},
    {"councils", GW_CFG_SEQ, 0, NULL, NULL},
    {"notifiers", GW_CFG_SEQ, 0, NULL, NULL},
    {"maintenance", GW_CFG_SEQ, 0, NULL, NULL},
    {"include", GW_CFG_LIST, 0, NULL, NULL},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_cfg_key include_top_keys[] = {
    {"councils", GW_CFG_SEQ, 0, NULL, NULL},
    {"notifiers", GW_CFG_SEQ, 0, NULL, NULL},
    {"maintenance", GW_CFG_SEQ, 0, NULL, NULL},
    {NULL, 0, 0, NULL, NULL},
};

/* Keys that only the main file may hold. */
static const char *const main_only_keys[] = {"daemon", "defaults", "include"};

/* ---- generic key validation ----------------------------------------------------- */

static const struct gw_cfg_key *find_key(const struct gw_cfg_key *const *lists, size_t n_lists,
                                         const char *name)
{
    for (size_t l = 0; l < n_lists; l++)
        for (const struct gw_cfg_key *k = lists[l]; k && k->name; k++)
            if (strcmp(k->name, name) == 0)
                return k;
    return NULL;
}

/* "a, b, c" of the given names. Caller frees. */
static char *join_names(const char *const *names, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 2;
    char *s = gw_xcalloc(len, 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, names[i]);
    }
    return s;
}

static void report_unknown_key(const struct gw_cfg *key_node, const struct gw_cfg_key *const *lists,
                               size_t n_lists, const char *where)
{
    const char **names = NULL;
    size_t n = 0;
    for (size_t l = 0; l < n_lists; l++) {
        for (const struct gw_cfg_key *k = lists[l]; k && k->name; k++) {
            names = gw_xreallocarray(names, n + 1, sizeof(*names));
            names[n++] = k->name;
        }
    }
    const char *near = gw_suggest(key_node->text, names, n);
    if (near) {
        gw_cfg_error(key_node, "%sunknown key \"%s\" (did you mean \"%s\"?)", where, key_node->text,
                     near);
    } else {
        char *expected = join_names(names, n);
        gw_cfg_error(key_node, "%sunknown key \"%s\" (expected one of: %s)", where, key_node->text,
                     n ? expected : "no keys");
        free(expected);
    }
    free(names);
}

static void report_missing(const struct gw_cfg *map, const char *where, const struct gw_cfg_key *k)
{
    gw_cfg_error(map, "%smissing required key \"%s\" (expected %s%s%s)", where, k->name,
                 gw_cfg_type_expect(k->type), k->help ? ": " : "", k->help ? k->help : "");
}

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
static bool validate_keys(const struct gw_cfg *map, const struct gw_cfg_key *const *lists,
                          size_t n_lists, const char *where, uint32_t own, bool known_only,
                          bool *values_ok)
{
    bool unused;
    if (!values_ok)
        values_ok = &unused;
    *values_ok = false;
    if (gw_cfg_check_type(map, GW_CFG_MAP) < 0)
        return false;
    bool ok = true, values = true;
    for (uint32_t i = 0; i < map->n; i++) {
        const struct gw_cfg *key = map->keys[i];
        if (!key->text) {
            ok = false; /* reported by the loader */
            continue;
        }
        if (gw_cfg_key_node(map, key->text) != key)
            continue;
        const char *w = i < own ? where : "defaults: ";
        const struct gw_cfg_key *k = find_key(lists, n_lists, key->text);
        if (!k) {
            if (!known_only) {
                report_unknown_key(key, lists, n_lists, w);
                ok = false;
            }
            continue;
        }
        const struct gw_cfg *value = map->items[i];
        if (gw_cfg_check_key(value, k) < 0) {
            ok = values = false;
            continue;
        }
        if (k->type == GW_CFG_MAP && k->sub) {
            /* Top-level sections need no name: the position says it. */
            char *sub_where = *w ? gw_xasprintf("%s%s: ", w, k->name) : gw_xstrdup("");
            const struct gw_cfg_key *sub[] = {k->sub};
            bool sub_values;
            if (!validate_keys(value, sub, 1, sub_where, value->n, false, &sub_values))
                ok = false;
            values = values && sub_values;
            free(sub_where);
        }
    }
    for (size_t l = 0; l < n_lists; l++) {
        for (const struct gw_cfg_key *k = lists[l]; k && k->name; k++) {
            if ((k->flags & GW_CFG_REQUIRED) && !gw_cfg_child(map, k->name)) {
                report_missing(map, where, k);
                ok = values = false;
            }
        }
    }
    *values_ok = values;
    return ok;
}

/* ---- building --------------------------------------------------------------------- */

struct builder {
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

static bool valid_id(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return false;
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return false;
    return true;
}

static bool check_id(const struct gw_cfg *map, const char *what)
{
    const struct gw_cfg *node = gw_cfg_child(map, "id");
    const char *id = gw_cfg_scalar(node);
    if (!id)
        return false;
    if (!valid_id(id)) {
        gw_cfg_error(node,
                     "bad %s id \"%s\" (expected 1 to 64 lower-case letters, digits, - "
                     "and _, starting with a letter or digit)",
                     what, id);
        return false;
    }
    return true;
}

static void collect(const struct gw_cfg ***arr, size_t *n, const struct gw_cfg *seq)
{
    if (!seq || seq->kind != GW_CFG_KIND_SEQ || seq->n == 0)
        return;
    *arr = gw_xreallocarray(*arr, *n + seq->n, sizeof(**arr));
    for (uint32_t i = 0; i < seq->n; i++)
        (*arr)[(*n)++] = seq->items[i];
}

static char *dir_of(const char *path)
{
    char *copy = gw_xstrdup(path);
    char *dir = gw_xstrdup(dirname(copy));
    free(copy);
    return dir;
}

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
static void merge_include(struct builder *b, const struct gw_cfg *inc_root)
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
        for (size_t j = 0; k && j < sizeof(main_only_keys) / sizeof(main_only_keys[0]); j++)
            main_only = main_only || strcmp(k, main_only_keys[j]) == 0;
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
    const struct gw_cfg_key *lists[] = {include_top_keys};
    validate_keys(map, lists, 1, "", map->n, false, NULL);
    collect(&b->council_nodes, &b->n_council_nodes, gw_cfg_child(map, "councils"));
    collect(&b->notifier_nodes, &b->n_notifier_nodes, gw_cfg_child(map, "notifiers"));
    collect(&b->maintenance_nodes, &b->n_maintenance_nodes, gw_cfg_child(map, "maintenance"));
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

static void load_includes(struct builder *b, const struct gw_cfg *root)
{
    const struct gw_cfg *inc = gw_cfg_child(root, "include");
    if (!inc || inc->kind == GW_CFG_KIND_MAP || inc->kind == GW_CFG_KIND_NULL)
        return; /* reported by the top-level check */
    char *base = dir_of(root->file->path);
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

static char *resolve_dir(const char *config_path, const char *dir)
{
    if (dir[0] == '/' || !config_path)
        return gw_xstrdup(dir);
    char *base = dir_of(config_path);
    char *full = gw_xasprintf("%s/%s", base, dir);
    free(base);
    return full;
}

static void build_daemon(struct builder *b, const struct gw_cfg *root)
{
    struct gw_daemon_conf *d = &b->config->daemon;
    const char *state_dir = getenv("STATE_DIRECTORY"); /* set by systemd's StateDirectory= */
    const char *data_dir = state_dir && *state_dir ? state_dir : "/var/lib/gwyliwr";
    const char *plugin_dir = NULL, *listen = GW_DEFAULT_LISTEN, *rrdcached = "";
    const char *level = "info", *storage = "rrd";
    int64_t in_flight = GW_DEFAULT_MAX_IN_FLIGHT, per_host = GW_DEFAULT_MAX_PER_HOST;
    uint64_t write_delay_ms = 0;
    const struct gw_cfg *node = gw_cfg_child(root, "daemon");
    if (node && node->kind == GW_CFG_KIND_MAP) {
        gw_cfg_get_string(node, "data_dir", &data_dir);
        gw_cfg_get_string(node, "plugin_dir", &plugin_dir);
        gw_cfg_get_string(node, "listen", &listen);
        gw_cfg_get_string(node, "rrdcached", &rrdcached);
        gw_cfg_get_int(node, "max_in_flight", 1, 1000000, &in_flight);
        gw_cfg_get_int(node, "max_per_host", 1, 1000000, &per_host);
        if (gw_cfg_get_duration_ms(node, "rrd_write_delay", &write_delay_ms) == 0 &&
            write_delay_ms > GW_MAX_WRITE_DELAY_MS)
            gw_cfg_error(gw_cfg_child(node, "rrd_write_delay"),
                         "rrd_write_delay of more than 1h (results would wait that long in "
                         "memory)");
        if (gw_cfg_get_string(node, "log_level", &level) == 0 && gw_log_level_parse(level) < 0)
            gw_cfg_error(gw_cfg_child(node, "log_level"),
                         "bad log level \"%s\" (expected debug, info, notice, warning or error)",
                         level);
        const char *rc = rrdcached;
        if (*rc && strncmp(rc, "unix:", 5) != 0 && !strchr(rc, ':') && rc[0] != '/')
            gw_cfg_error(gw_cfg_child(node, "rrdcached"),
                         "bad rrdcached address \"%s\" (expected \"\", unix:PATH or host:port)",
                         rc);
        if (gw_cfg_get_string(node, "storage", &storage) == 0 && strcmp(storage, "rrd") != 0 &&
            strcmp(storage, "none") != 0)
            gw_cfg_error(gw_cfg_child(node, "storage"),
                         "unknown storage \"%s\" (expected rrd or none)", storage);
        if (data_dir && !*data_dir)
            gw_cfg_error(gw_cfg_child(node, "data_dir"), "empty data_dir (expected a directory)");
    }
    d->data_dir = resolve_dir(b->config->path, data_dir);
    d->plugin_dir = plugin_dir ? resolve_dir(b->config->path, plugin_dir) : NULL;
    d->listen = gw_xstrdup(listen);
    d->rrdcached = gw_xstrdup(rrdcached);
    d->max_in_flight = (uint32_t)in_flight;
    d->max_per_host = (uint32_t)per_host;
    d->store_rrd = strcmp(storage, "none") != 0;
    d->rrd_write_delay_ms = write_delay_ms;
    int lv = gw_log_level_parse(level);
    d->log_level = lv < 0 ? GW_LOG_INFO : lv;
}

/* ---- timing ----------------------------------------------------------------------- */

/*
 * Reads interval and timeout of `map` (defaults applied) and reports what
 * cannot work. A timeout longer than the interval is an error when it is
 * given explicitly (`timeout_explicit`); an inherited one is shortened to
 * fit. `own` tells whether a key is the map's own (messages say `where`) or
 * inherited (they say "defaults: ").
 */
static bool check_timing(const struct gw_cfg *map, const struct gw_cfg *own, const char *where,
                         bool timeout_explicit, uint64_t *interval_out, uint64_t *timeout_out)
{
    uint64_t interval = GW_DEFAULT_INTERVAL_MS, timeout = GW_DEFAULT_TIMEOUT_MS;
    bool ok = gw_cfg_get_duration_ms(map, "interval", &interval) == 0;
    ok = gw_cfg_get_duration_ms(map, "timeout", &timeout) == 0 && ok;
    const struct gw_cfg *iv = gw_cfg_child(map, "interval");
    const struct gw_cfg *to = gw_cfg_child(map, "timeout");
    const char *w_iv = gw_cfg_child(own, "interval") ? where : "defaults: ";
    const char *w_to = gw_cfg_child(own, "timeout") ? where : "defaults: ";
    char t[32], i[32];
    gw_units_format_duration(timeout, t, sizeof(t));
    gw_units_format_duration(interval, i, sizeof(i));
    if (ok && iv && interval < GW_MIN_INTERVAL_MS) {
        gw_cfg_error(iv, "%sinterval %s is shorter than 1s (expected 1s or more)", w_iv, i);
        ok = false;
    }
    if (ok && to && timeout == 0) {
        gw_cfg_error(to, "%stimeout is zero (expected a duration like 10s)", w_to);
        ok = false;
    }
    if (timeout > interval) {
        if (ok && to && timeout_explicit) {
            gw_cfg_error(to,
                         "%stimeout %s is longer than the interval %s (expected at most the "
                         "interval)",
                         w_to, t, i);
            ok = false;
        }
        timeout = interval;
    }
    *interval_out = interval;
    *timeout_out = timeout;
    return ok;
}

/* Keys a `defaults:` section may hold: common target keys (but not id or
 * check) and any key some check type declares. */
static void validate_defaults(struct builder *b, const struct gw_cfg *defaults)
{
    const char **names;
    size_t n_types = gw_plugins_check_names(b->plugins, &names);
    size_t n_lists = 1 + n_types;
    const struct gw_cfg_key **lists = gw_xcalloc(n_lists, sizeof(*lists));
    lists[0] = target_keys;
    for (size_t i = 0; i < n_types; i++)
        lists[1 + i] = gw_plugins_check(b->plugins, names[i])->keys;
    for (uint32_t i = 0; i < defaults->n; i++) {
        const struct gw_cfg *key = defaults->keys[i];
        if (!key->text || gw_cfg_key_node(defaults, key->text) != key)
            continue; /* reported by the loader */
        if (strcmp(key->text, "id") == 0 || strcmp(key->text, "check") == 0) {
            gw_cfg_error(key,
                         "defaults: \"%s\" cannot have a default (expected it on each "
                         "target)",
                         key->text);
            continue;
        }
        const struct gw_cfg_key *k = find_key(lists, n_lists, key->text);
        if (!k) {
            report_unknown_key(key, lists, n_lists, "defaults: ");
            continue;
        }
        /* Common keys are checked once here; a plugin's keys are checked by
         * each target of that plugin, where they apply. */
        if (find_key(lists, 1, key->text))
            gw_cfg_check_key(defaults->items[i], k);
    }
    free(lists);
    uint64_t interval, timeout;
    check_timing(defaults, defaults, "defaults: ",
                 gw_cfg_child(defaults, "interval") && gw_cfg_child(defaults, "timeout"), &interval,
                 &timeout);
}

/* The target's settings with the defaults it does not override and that
 * apply to its check type; the target's own pairs come first. */
static const struct gw_cfg *effective_target(struct builder *b, const struct gw_cfg *target,
                                             const struct gw_check_type *type)
{
    const struct gw_cfg *defaults = b->defaults;
    if (!defaults || defaults->n == 0)
        return target;
    uint32_t n = target->n;
    struct gw_cfg **keys = gw_xcalloc(target->n + defaults->n, sizeof(*keys));
    struct gw_cfg **values = gw_xcalloc(target->n + defaults->n, sizeof(*values));
    memcpy(keys, target->keys, sizeof(*keys) * target->n);
    memcpy(values, target->items, sizeof(*values) * target->n);
    const struct gw_cfg_key *common[] = {target_keys};
    for (uint32_t i = 0; i < defaults->n; i++) {
        const char *k = defaults->keys[i]->text;
        if (!k || gw_cfg_key_node(defaults, k) != defaults->keys[i] || gw_cfg_child(target, k))
            continue;
        if (strcmp(k, "id") == 0 || strcmp(k, "check") == 0)
            continue;
        bool applies = find_key(common, 1, k) || (type && find_key(&type->keys, 1, k));
        if (!applies)
            continue;
        keys[n] = defaults->keys[i];
        values[n] = defaults->items[i];
        n++;
    }
    const struct gw_cfg *eff =
        gw_cfg_map_new(target->file, target->line, target->col, keys, values, n);
    free(keys);
    free(values);
    return eff;
}

/* ---- fingerprints ------------------------------------------------------------------
 * A target's fingerprint hashes what it will do, not how the file says it:
 * parsed times and thresholds, resolved references, the plugin's keys in any
 * order, and the contents of its secret files (a rotated token must reach
 * the plugin on reload). */

/* Hashes a string and a separator, so "ab","c" differs from "a","bc" and NULL from "". */
static uint64_t hash_str(uint64_t h, const char *s)
{
    if (!s)
        return gw_hash_bytes(h, "\xfe", 1);
    return gw_hash_bytes(gw_hash_bytes(h, s, strlen(s)), "\xff", 1);
}

static uint64_t hash_u64(uint64_t h, uint64_t v)
{
    return gw_hash_bytes(h, &v, sizeof(v));
}

static uint64_t hash_node(const struct gw_cfg *node)
{
    uint64_t h = hash_u64(GW_HASH_FNV_OFFSET, node->kind);
    switch (node->kind) {
    case GW_CFG_KIND_SCALAR:
        return hash_str(h, node->text);
    case GW_CFG_KIND_MAP: {
        uint64_t sum = 0;
        for (uint32_t i = 0; i < node->n; i++)
            if (node->keys[i]->text && gw_cfg_key_node(node, node->keys[i]->text) == node->keys[i])
                sum += gw_hash_mix(hash_u64(hash_str(GW_HASH_FNV_OFFSET, node->keys[i]->text),
                                            hash_node(node->items[i])));
        return hash_u64(h, sum);
    }
    case GW_CFG_KIND_SEQ:
        for (uint32_t i = 0; i < node->n; i++)
            h = hash_u64(h, hash_node(node->items[i]));
        return h;
    default:
        return h;
    }
}

static uint64_t target_fingerprint(const struct gw_target_conf *t, const struct gw_cfg *eff)
{
    uint64_t h = hash_str(GW_HASH_FNV_OFFSET, t->id);
    h = hash_str(h, t->type->name);
    h = hash_u64(h, t->interval_ms);
    h = hash_u64(h, t->timeout_ms);
    h = hash_u64(h, t->failure_threshold);
    h = hash_u64(h, t->success_threshold);
    h = hash_str(h, t->title);
    h = hash_str(h, t->category);
    h = hash_str(h, t->language);
    h = hash_str(h, t->parity_with);
    h = hash_str(h, t->depends_on);
    h = hash_u64(h, t->n_notify);
    for (size_t i = 0; i < t->n_notify; i++)
        h = hash_str(h, t->notify[i]);
    const struct gw_cfg_key *common[] = {target_keys};
    const struct gw_cfg_key *plugin[] = {t->type->keys};
    uint64_t sum = 0;
    for (uint32_t i = 0; i < eff->n; i++) {
        const char *k = eff->keys[i]->text;
        if (!k || find_key(common, 1, k) || gw_cfg_key_node(eff, k) != eff->keys[i])
            continue;
        uint64_t ph = hash_u64(hash_str(GW_HASH_FNV_OFFSET, k), hash_node(eff->items[i]));
        const struct gw_cfg_key *decl = find_key(plugin, 1, k);
        if (decl && decl->type == GW_CFG_FILE) {
            char *secret = NULL;
            if (gw_cfg_get_secret(eff, k, &secret) == 0 && secret)
                ph = hash_str(ph, secret);
            free(secret);
        }
        sum += gw_hash_mix(ph);
    }
    return hash_u64(h, sum);
}

/* ---- targets and councils ------------------------------------------------------------ */

static char *opt_string(const struct gw_cfg *map, const char *key)
{
    const char *s = NULL;
    gw_cfg_get_string(map, key, &s);
    return s ? gw_xstrdup(s) : NULL;
}

/* Turns a reference to a target ("name" in the same council, or
 * "council/name") into a full id. Caller frees. */
static char *full_ref(const char *council, const char *ref)
{
    if (strchr(ref, '/'))
        return gw_xstrdup(ref);
    return gw_xasprintf("%s/%s", council, ref);
}

static void report_unknown_type(const struct gw_cfg *node, const char *where, const char *what,
                                const char *name, const char *const *names, size_t n)
{
    const char *near = gw_suggest(name, names, n);
    if (near) {
        gw_cfg_error(node, "%sno plugin provides %s type \"%s\" (did you mean \"%s\"?)", where,
                     what, name, near);
    } else {
        char *avail = join_names(names, n);
        gw_cfg_error(node, "%sno plugin provides %s type \"%s\" (available: %s)", where, what, name,
                     n ? avail : "none; is the plugin directory right?");
        free(avail);
    }
}

/* Remembers a target entry's full id; reports it when it was declared already. */
static bool declare_target(struct builder *b, const char *council, const struct gw_cfg *id_node)
{
    char *full = gw_xasprintf("%s/%s", council, id_node->text);
    const char *key = gw_cfg_doc_strdup(b->doc, full, strlen(full));
    free(full);
    size_t prev;
    if (gw_strmap_put(b->declared, key, b->n_declared, &prev) < 0) {
        const struct gw_cfg *first = b->declared_ids[prev];
        gw_cfg_error(id_node, "duplicate target id \"%s\" (first defined at %s:%u:%u)", key,
                     first->file->path, first->line, first->col);
        return false;
    }
    if (b->n_declared == b->declared_cap) {
        b->declared_cap = b->declared_cap ? b->declared_cap * 2 : 64;
        b->declared_ids =
            gw_xreallocarray(b->declared_ids, b->declared_cap, sizeof(*b->declared_ids));
    }
    b->declared_ids[b->n_declared++] = id_node;
    return true;
}

static void build_target(struct builder *b, size_t council_index, const struct gw_cfg *node)
{
    struct gw_config *c = b->config;
    const char *council = c->councils[council_index].id;
    if (node->kind != GW_CFG_KIND_MAP) {
        gw_cfg_error(node,
                     "council %s: a target that is %s (expected a mapping with id and "
                     "check)",
                     council, gw_cfg_kind_name(node));
        return;
    }
    const struct gw_cfg *id_node = gw_cfg_child(node, "id");
    const char *id = gw_cfg_scalar(id_node);
    const char *check = gw_cfg_scalar(gw_cfg_child(node, "check"));
    char *where = id ? gw_xasprintf("target %s/%s: ", council, id)
                     : gw_xasprintf("a target of council %s: ", council);

    const struct gw_check_type *type = check ? gw_plugins_check(b->plugins, check) : NULL;
    if (check && !type) {
        const char **names;
        size_t n = gw_plugins_check_names(b->plugins, &names);
        report_unknown_type(gw_cfg_child(node, "check"), where, "check", check, names, n);
    }

    /* Without its type the plugin's keys are unknown: the common ones are
     * checked, so that a wrong check name does not bury the file in errors. */
    const struct gw_cfg *eff = effective_target(b, node, type);
    const struct gw_cfg_key *lists[] = {target_keys, type ? type->keys : NULL};
    bool values_ok;
    bool ok = validate_keys(eff, lists, 2, where, node->n, !type, &values_ok) && type;
    if (id && !check_id(node, "target"))
        ok = values_ok = false;
    else if (id && !declare_target(b, council, id_node))
        ok = false;

    uint64_t interval, timeout;
    int64_t failures = GW_DEFAULT_FAILURES, successes = GW_DEFAULT_SUCCESSES;
    if (!check_timing(eff, node, where, gw_cfg_child(node, "timeout") != NULL, &interval, &timeout))
        ok = false;
    if (gw_cfg_get_int(eff, "failure_threshold", 1, 1000, &failures) < 0)
        ok = false;
    if (gw_cfg_get_int(eff, "success_threshold", 1, 1000, &successes) < 0)
        ok = false;
    /* Notifiers are all known by now (built before councils). */
    const struct gw_cfg *notify = gw_cfg_child(eff, "notify");
    size_t unused;
    for (size_t i = 0; notify && notify->kind != GW_CFG_KIND_MAP && i < gw_cfg_len(notify); i++) {
        const char *nid = gw_cfg_scalar(gw_cfg_at(notify, i));
        if (nid && gw_strmap_get(b->notifier_ids, nid, &unused) < 0) {
            gw_cfg_error(gw_cfg_at(notify, i),
                         "notifier \"%s\" is not defined (expected the id of an entry under "
                         "notifiers:)",
                         nid);
            ok = false;
        }
    }
    const char *language = NULL;
    if (gw_cfg_get_string(eff, "language", &language) == 0 && language &&
        strcmp(language, "en") != 0 && strcmp(language, "cy") != 0) {
        gw_cfg_error(gw_cfg_child(eff, "language"), "%sunknown language \"%s\" (expected en or cy)",
                     gw_cfg_child(node, "language") ? where : "defaults: ", language);
        ok = false;
    }
    /* The plugin sees only keys of the declared types (its contract), but
     * other problems of the target do not stop it from reporting its own. */
    if (!type || !id || !values_ok) {
        free(where);
        return;
    }
    struct gw_diag *diag = b->doc->diag;
    size_t errors_before = diag->errors;
    void *plugin_conf = NULL;
    int rc = type->configure(b->host, eff, &plugin_conf);
    if (rc < 0 || diag->errors > errors_before || !ok) {
        if (rc < 0 && diag->errors == errors_before)
            gw_cfg_error(node,
                         "%sthe %s plugin refused this target without giving a reason "
                         "(expected a message from the plugin)",
                         where, type->name);
        if (plugin_conf)
            type->conf_free(plugin_conf);
        free(where);
        return;
    }
    free(where);

    if (c->n_targets == b->targets_cap) {
        b->targets_cap = b->targets_cap ? b->targets_cap * 2 : 64;
        c->targets = gw_xreallocarray(c->targets, b->targets_cap, sizeof(*c->targets));
        b->target_nodes =
            gw_xreallocarray(b->target_nodes, b->targets_cap, sizeof(*b->target_nodes));
    }
    struct gw_target_conf *t = &c->targets[c->n_targets];
    b->target_nodes[c->n_targets] = node;
    c->n_targets++;
    memset(t, 0, sizeof(*t));
    t->id = gw_xasprintf("%s/%s", council, id);
    t->name = t->id + strlen(council) + 1;
    t->council = council_index;
    t->title = opt_string(eff, "name");
    t->category = opt_string(eff, "category");
    t->language = language ? gw_xstrdup(language) : NULL;
    const char *ref = NULL;
    if (gw_cfg_get_string(eff, "parity_with", &ref) == 0 && ref)
        t->parity_with = full_ref(council, ref);
    ref = NULL;
    if (gw_cfg_get_string(eff, "depends_on", &ref) == 0 && ref)
        t->depends_on = full_ref(council, ref);
    t->n_notify = gw_cfg_len(notify);
    t->notify = t->n_notify ? gw_xcalloc(t->n_notify, sizeof(char *)) : NULL;
    for (size_t i = 0; i < t->n_notify; i++)
        t->notify[i] = gw_xstrdup(gw_cfg_scalar(gw_cfg_at(notify, i)));
    t->type = type;
    t->plugin_conf = plugin_conf;
    t->host = type->conf_host ? type->conf_host(plugin_conf) : NULL;
    t->n_figures = type->figures ? type->figures(plugin_conf, &t->figures) : 0;
    t->interval_ms = interval;
    t->timeout_ms = timeout;
    t->failure_threshold = (uint32_t)failures;
    t->success_threshold = (uint32_t)successes;
    t->fingerprint = target_fingerprint(t, eff);
}

static bool has_details(const struct gw_cfg *council)
{
    return gw_cfg_child(council, "name") || gw_cfg_child(council, "name_cy");
}

/* Councils may be declared once with their details and extended elsewhere
 * (an include) by an entry holding only id and targets. */
static void build_councils(struct builder *b)
{
    struct gw_config *c = b->config;
    const struct gw_cfg_key *lists[] = {council_keys};
    size_t n_nodes = b->n_council_nodes;
    /* council of each entry (SIZE_MAX: none), and the entries of each
     * council chained in file order, so targets are built council by council
     * in one pass over the entries */
    size_t *council_of = gw_xcalloc(n_nodes + 1, sizeof(*council_of));
    size_t *next = gw_xcalloc(n_nodes + 1, sizeof(*next));
    size_t *head = NULL, *tail = NULL, cap = 0;
    const struct gw_cfg **decl = NULL; /* the entry giving each council's details */
    for (size_t i = 0; i < n_nodes; i++) {
        const struct gw_cfg *node = b->council_nodes[i];
        council_of[i] = SIZE_MAX;
        next[i] = SIZE_MAX;
        const char *id = gw_cfg_scalar(gw_cfg_child(node, "id"));
        char *where = id ? gw_xasprintf("council %s: ", id) : gw_xstrdup("council: ");
        validate_keys(node, lists, 1, where, node->kind == GW_CFG_KIND_MAP ? node->n : 0, false,
                      NULL);
        free(where);
        /* With a usable id its targets are checked, even when another key of
         * the entry is wrong: every problem is reported at once. */
        if (!check_id(node, "council"))
            continue;
        size_t k;
        if (gw_strmap_get(b->council_index, id, &k) == 0) {
            const struct gw_cfg *first = decl[k];
            if ((has_details(node) && has_details(first)) ||
                (!gw_cfg_child(node, "targets") && !has_details(node))) {
                const struct gw_cfg *first_id = gw_cfg_child(first, "id");
                gw_cfg_error(gw_cfg_child(node, "id"),
                             "duplicate council id \"%s\" (first defined at %s:%u:%u; to add "
                             "targets elsewhere give only id and targets)",
                             id, first_id->file->path, first_id->line, first_id->col);
            } else if (has_details(node)) {
                decl[k] = node;
                c->councils[k].name = opt_string(node, "name");
                c->councils[k].name_cy = opt_string(node, "name_cy");
            }
        } else {
            k = c->n_councils++;
            if (k == cap) {
                cap = cap ? cap * 2 : 32;
                c->councils = gw_xreallocarray(c->councils, cap, sizeof(*c->councils));
                decl = gw_xreallocarray(decl, cap, sizeof(*decl));
                head = gw_xreallocarray(head, cap, sizeof(*head));
                tail = gw_xreallocarray(tail, cap, sizeof(*tail));
            }
            c->councils[k] = (struct gw_council_conf){
                .id = gw_xstrdup(id),
                .name = opt_string(node, "name"),
                .name_cy = opt_string(node, "name_cy"),
            };
            decl[k] = node;
            head[k] = tail[k] = SIZE_MAX;
            gw_strmap_put(b->council_index, c->councils[k].id, k, NULL);
        }
        council_of[i] = k;
        if (tail[k] == SIZE_MAX)
            head[k] = i;
        else
            next[tail[k]] = i;
        tail[k] = i;
    }
    for (size_t k = 0; k < c->n_councils; k++) {
        c->councils[k].first_target = c->n_targets;
        for (size_t i = head[k]; i != SIZE_MAX; i = next[i]) {
            const struct gw_cfg *targets = gw_cfg_child(b->council_nodes[i], "targets");
            if (!targets || targets->kind != GW_CFG_KIND_SEQ)
                continue;
            for (uint32_t t = 0; t < targets->n; t++)
                build_target(b, k, targets->items[t]);
        }
        c->councils[k].n_targets = c->n_targets - c->councils[k].first_target;
    }
    free(council_of);
    free(next);
    free(head);
    free(tail);
    free(decl);
}

static void build_notifiers(struct builder *b)
{
    struct gw_config *c = b->config;
    for (size_t i = 0; i < b->n_notifier_nodes; i++) {
        const struct gw_cfg *node = b->notifier_nodes[i];
        const struct gw_cfg *id_node = gw_cfg_child(node, "id");
        const char *id = gw_cfg_scalar(id_node);
        const char *type_name = gw_cfg_scalar(gw_cfg_child(node, "type"));
        const struct gw_notifier_type *type =
            type_name ? gw_plugins_notifier(b->plugins, type_name) : NULL;
        char *where = id ? gw_xasprintf("notifier %s: ", id) : gw_xstrdup("notifier: ");
        if (type_name && !type) {
            const char **names;
            size_t n = gw_plugins_notifier_names(b->plugins, &names);
            report_unknown_type(gw_cfg_child(node, "type"), where, "notifier", type_name, names, n);
        }
        const struct gw_cfg_key *lists[] = {notifier_keys, type ? type->keys : NULL};
        bool values_ok;
        bool ok = validate_keys(node, lists, 2, where, node->kind == GW_CFG_KIND_MAP ? node->n : 0,
                                !type, &values_ok) &&
                  type;
        if (id && !check_id(node, "notifier")) {
            ok = values_ok = false;
        } else if (id) {
            size_t prev;
            if (gw_strmap_put(b->notifier_ids, id, i, &prev) < 0) {
                const struct gw_cfg *first = gw_cfg_child(b->notifier_nodes[prev], "id");
                gw_cfg_error(id_node, "duplicate notifier id \"%s\" (first defined at %s:%u:%u)",
                             id, first->file->path, first->line, first->col);
                ok = false;
            }
        }
        void *conf = NULL;
        struct gw_diag *diag = b->doc->diag;
        size_t errors_before = diag->errors;
        if (type && id && values_ok) {
            int rc = type->configure(b->host, node, &conf);
            if (rc < 0 && diag->errors == errors_before)
                gw_cfg_error(node,
                             "%sthe %s plugin refused this notifier without giving a "
                             "reason (expected a message from the plugin)",
                             where, type->name);
            if (rc < 0 || diag->errors > errors_before || !ok) {
                if (conf)
                    type->conf_free(conf);
                ok = false;
            }
        }
        if (ok) {
            c->notifiers =
                gw_xreallocarray(c->notifiers, c->n_notifiers + 1, sizeof(*c->notifiers));
            c->notifiers[c->n_notifiers++] =
                (struct gw_notifier_conf){.id = gw_xstrdup(id), .type = type, .plugin_conf = conf};
        }
        free(where);
    }
}

/* ---- cross references ------------------------------------------------------------------- */

/* The node of `key` of a target, or of the default it inherited. */
static const struct gw_cfg *target_or_default(struct builder *b, const struct gw_cfg *node,
                                              const char *key)
{
    const struct gw_cfg *v = gw_cfg_child(node, key);
    return v ? v : gw_cfg_child(b->defaults, key);
}

static void check_reference(struct builder *b, const struct gw_target_conf *t,
                            const struct gw_cfg *node, const char *key, const char *ref)
{
    const struct gw_cfg *where = target_or_default(b, node, key);
    const struct gw_target_conf *other = gw_config_find_target(b->config, ref);
    size_t declared;
    if (other == t)
        gw_cfg_error(where, "target %s: %s names the target itself (expected another target)",
                     t->id, key);
    else if (!other && gw_strmap_get(b->declared, ref, &declared) < 0)
        gw_cfg_error(where,
                     "target %s: %s names no target \"%s\" (expected council/target, or a "
                     "target of the same council)",
                     t->id, key, ref);
    /* a target declared but not built has its own error already */
}

/* Parents, language pairs, cycles: once every target is known. */
static void check_references(struct builder *b)
{
    struct gw_config *c = b->config;
    for (size_t i = 0; i < c->n_targets; i++) {
        struct gw_target_conf *t = &c->targets[i];
        const struct gw_cfg *node = b->target_nodes[i];
        if (t->depends_on)
            check_reference(b, t, node, "depends_on", t->depends_on);
        if (t->parity_with)
            check_reference(b, t, node, "parity_with", t->parity_with);
    }
    /* A dependency cycle would hold every alert of the loop back forever. */
    for (size_t i = 0; i < c->n_targets; i++) {
        const struct gw_target_conf *start = &c->targets[i];
        const struct gw_target_conf *t =
            (start->depends_on ? gw_config_find_target(c, start->depends_on) : NULL);
        if (t == start)
            continue; /* reported above */
        size_t steps = 1;
        while (t && t != start && t->depends_on && steps <= c->n_targets) {
            t = gw_config_find_target(c, t->depends_on);
            steps++;
        }
        if (t != start)
            continue;
        size_t len = strlen(start->id) + 1;
        t = start;
        for (size_t s = 0; s < steps; s++) {
            t = gw_config_find_target(c, t->depends_on);
            len += strlen(t->id) + 4;
        }
        char *path = gw_xcalloc(len, 1);
        strcpy(path, start->id);
        t = start;
        for (size_t s = 0; s < steps; s++) {
            t = gw_config_find_target(c, t->depends_on);
            strcat(path, " -> ");
            strcat(path, t->id);
        }
        gw_cfg_error(target_or_default(b, b->target_nodes[i], "depends_on"),
                     "target %s: depends_on forms a cycle (%s; expected a chain that ends)",
                     start->id, path);
        free(path);
    }
}

/* ---- maintenance ------------------------------------------------------------------------- */

static int weekday_of(const char *s)
{
    static const char *const days[] = {"sunday",   "monday", "tuesday", "wednesday",
                                       "thursday", "friday", "saturday"};
    for (int i = 0; s && i < 7; i++)
        if (strcasecmp(s, days[i]) == 0 || (strlen(s) == 3 && strncasecmp(s, days[i], 3) == 0))
            return i;
    return -1;
}

/* "council/target", either part a glob. */
static bool valid_pattern(const char *p)
{
    const char *slash = p ? strchr(p, '/') : NULL;
    return slash && slash != p && slash[1] && !strchr(slash + 1, '/');
}

static void build_maintenance(struct builder *b)
{
    struct gw_config *c = b->config;
    const struct gw_cfg_key *lists[] = {maintenance_keys};
    for (size_t i = 0; i < b->n_maintenance_nodes; i++) {
        const struct gw_cfg *node = b->maintenance_nodes[i];
        if (!validate_keys(node, lists, 1, "maintenance: ",
                           node->kind == GW_CFG_KIND_MAP ? node->n : 0, false, NULL))
            continue;
        struct gw_maintenance_conf m = {.weekday = -1};
        const struct gw_cfg *from = gw_cfg_child(node, "from"), *to = gw_cfg_child(node, "to");
        const struct gw_cfg *weekly = gw_cfg_child(node, "weekly");
        const struct gw_cfg *pats = gw_cfg_child(node, "targets");
        bool ok = true;
        for (size_t k = 0; k < gw_cfg_len(pats); k++) {
            const char *p = gw_cfg_scalar(gw_cfg_at(pats, k));
            if (!valid_pattern(p)) {
                gw_cfg_error(gw_cfg_at(pats, k),
                             "maintenance: bad target pattern \"%s\" (expected council/target, "
                             "where * matches any part)",
                             p);
                ok = false;
            }
        }
        if (weekly && (from || to)) {
            gw_cfg_error(node, "maintenance: give either from/to or weekly, not both");
            ok = false;
        } else if (weekly) {
            const struct gw_cfg *day_node = gw_cfg_child(weekly, "day");
            m.weekday = weekday_of(gw_cfg_scalar(day_node));
            if (m.weekday < 0) {
                gw_cfg_error(day_node,
                             "maintenance: bad day \"%s\" (expected mon, tue, wed, thu, fri, sat "
                             "or sun)",
                             gw_cfg_scalar(day_node));
                ok = false;
            }
            const char *names[] = {"from", "to"};
            int *mins[] = {&m.from_min, &m.to_min};
            for (int k = 0; k < 2; k++) {
                const struct gw_cfg *n = gw_cfg_child(weekly, names[k]);
                if (gw_units_parse_clock(gw_cfg_scalar(n), mins[k]) < 0) {
                    gw_cfg_error(n, "maintenance: bad time of day \"%s\" (expected HH:MM)",
                                 gw_cfg_scalar(n));
                    ok = false;
                }
            }
        } else if (!from || !to) {
            gw_cfg_error(node, "maintenance: missing %s (expected from and to, or weekly)",
                         from ? "to" : "from");
            ok = false;
        } else {
            const struct gw_cfg *nodes[] = {from, to};
            int64_t *vals[] = {&m.from_s, &m.to_s};
            bool times_ok = true;
            for (int k = 0; k < 2; k++) {
                if (gw_units_parse_time(gw_cfg_scalar(nodes[k]), vals[k]) < 0) {
                    gw_cfg_error(nodes[k],
                                 "maintenance: bad time \"%s\" (expected RFC 3339 "
                                 "like 2026-12-01T22:00:00Z)",
                                 gw_cfg_scalar(nodes[k]));
                    times_ok = false;
                }
            }
            if (times_ok && m.to_s <= m.from_s) {
                gw_cfg_error(to, "maintenance: the window ends before it starts (expected to "
                                 "after from)");
                times_ok = false;
            }
            ok = ok && times_ok;
        }
        if (!ok)
            continue;
        m.n_patterns = gw_cfg_len(pats);
        m.patterns = gw_xcalloc(m.n_patterns ? m.n_patterns : 1, sizeof(char *));
        for (size_t k = 0; k < m.n_patterns; k++)
            m.patterns[k] = gw_xstrdup(gw_cfg_scalar(gw_cfg_at(pats, k)));
        m.reason = opt_string(node, "reason");
        c->maintenance =
            gw_xreallocarray(c->maintenance, c->n_maintenance + 1, sizeof(*c->maintenance));
        c->maintenance[c->n_maintenance++] = m;
    }
}

/* ---- the whole ---------------------------------------------------------------------------- */

/* The index of built targets, filled once they all exist (their ids do not move). */
static void index_targets(struct gw_config *c)
{
    for (size_t i = 0; i < c->n_targets; i++)
        gw_strmap_put(c->index, c->targets[i].id, i, NULL);
}

static struct gw_config *build(struct builder *b, struct gw_cfg *root)
{
    if (root->kind == GW_CFG_KIND_NULL) {
        gw_cfg_warning(root, "the configuration is empty: nothing will be monitored");
    } else {
        const struct gw_cfg_key *lists[] = {top_keys};
        validate_keys(root, lists, 1, "", root->kind == GW_CFG_KIND_MAP ? root->n : 0, false, NULL);
    }
    build_daemon(b, root);
    const struct gw_cfg *defaults = gw_cfg_child(root, "defaults");
    if (defaults && defaults->kind == GW_CFG_KIND_MAP) {
        b->defaults = defaults;
        validate_defaults(b, defaults);
    }
    collect(&b->council_nodes, &b->n_council_nodes, gw_cfg_child(root, "councils"));
    collect(&b->notifier_nodes, &b->n_notifier_nodes, gw_cfg_child(root, "notifiers"));
    collect(&b->maintenance_nodes, &b->n_maintenance_nodes, gw_cfg_child(root, "maintenance"));
    load_includes(b, root);
    build_notifiers(b);
    build_councils(b);
    index_targets(b->config);
    check_references(b);
    build_maintenance(b);
    if (b->config->n_targets == 0 && b->doc->diag->errors == 0 && root->kind != GW_CFG_KIND_NULL)
        gw_cfg_warning(root, "no targets are configured: nothing will be monitored");
    return b->config;
}

static struct gw_config *finish(struct builder *b, struct gw_cfg *root)
{
    if (root)
        build(b, root);
    struct gw_diag *d = b->doc->diag;
    gw_diag_sort(d);
    for (size_t i = 0; i < d->n; i++) {
        const struct gw_diag_entry *e = &d->entries[i];
        gw_diag_add(b->diag, e->severity, e->file, e->line, e->col, "%s", e->message);
    }
    bool failed = d->errors > 0 || !root;
    free(b->council_nodes);
    free(b->notifier_nodes);
    free(b->maintenance_nodes);
    free(b->target_nodes);
    free(b->declared_ids);
    gw_strmap_free(b->council_index);
    gw_strmap_free(b->declared);
    gw_strmap_free(b->notifier_ids);
    gw_cfg_doc_free(b->doc);
    if (failed) {
        gw_config_unref(b->config);
        return NULL;
    }
    return b->config;
}

static void builder_init(struct builder *b, const char *path, const struct gw_plugins *plugins,
                         const struct gw_host *host, struct gw_diag *diag)
{
    memset(b, 0, sizeof(*b));
    b->doc = gw_cfg_doc_new();
    b->diag = diag;
    b->plugins = plugins;
    b->host = host;
    b->config = gw_xcalloc(1, sizeof(*b->config));
    b->config->refs = 1;
    b->config->index = gw_strmap_new();
    b->config->path = gw_xstrdup(path);
    b->council_index = gw_strmap_new();
    b->declared = gw_strmap_new();
    b->notifier_ids = gw_strmap_new();
}

struct gw_config *gw_config_load(const char *path, const struct gw_plugins *plugins,
                                 const struct gw_host *host, struct gw_diag *diag)
{
    struct builder b;
    builder_init(&b, path, plugins, host, diag);
    struct gw_cfg *root = NULL;
    gw_cfg_load_file(b.doc, path, &root);
    return finish(&b, root);
}

struct gw_config *gw_config_load_string(const char *name, const char *text,
                                        const struct gw_plugins *plugins,
                                        const struct gw_host *host, struct gw_diag *diag)
{
    struct builder b;
    builder_init(&b, name, plugins, host, diag);
    struct gw_cfg *root = NULL;
    gw_cfg_load_string(b.doc, name, text, strlen(text), &root);
    return finish(&b, root);
}

struct gw_config *gw_config_ref(struct gw_config *config)
{
    config->refs++;
    return config;
}

void gw_config_unref(struct gw_config *config)
{
    if (!config || --config->refs > 0)
        return;
    for (size_t i = 0; i < config->n_targets; i++) {
        struct gw_target_conf *t = &config->targets[i];
        free(t->id);
        free(t->title);
        free(t->category);
        free(t->language);
        free(t->parity_with);
        free(t->depends_on);
        for (size_t k = 0; k < t->n_notify; k++)
            free(t->notify[k]);
        free(t->notify);
        if (t->plugin_conf)
            t->type->conf_free(t->plugin_conf);
    }
    free(config->targets);
    gw_strmap_free(config->index);
    for (size_t i = 0; i < config->n_councils; i++) {
        free(config->councils[i].id);
        free(config->councils[i].name);
        free(config->councils[i].name_cy);
    }
    free(config->councils);
    for (size_t i = 0; i < config->n_notifiers; i++) {
        free(config->notifiers[i].id);
        config->notifiers[i].type->conf_free(config->notifiers[i].plugin_conf);
    }
    free(config->notifiers);
    for (size_t i = 0; i < config->n_maintenance; i++) {
        for (size_t k = 0; k < config->maintenance[i].n_patterns; k++)
            free(config->maintenance[i].patterns[k]);
        free(config->maintenance[i].patterns);
        free(config->maintenance[i].reason);
    }
    free(config->maintenance);
    free(config->daemon.data_dir);
    free(config->daemon.plugin_dir);
    free(config->daemon.listen);
    free(config->daemon.rrdcached);
    free(config->path);
    free(config);
}

const struct gw_target_conf *gw_config_find_target(const struct gw_config *config, const char *id)
{
    size_t i;
    if (!config->index || gw_strmap_get(config->index, id, &i) < 0)
        return NULL;
    return &config->targets[i];
}

char *gw_config_plugin_dir_of(const char *path)
{
    struct gw_cfg_doc *doc = gw_cfg_doc_new();
    struct gw_cfg *root = NULL;
    char *dir = NULL;
    if (path && gw_cfg_load_file(doc, path, &root) == 0 && root) {
        const char *s = gw_cfg_scalar(gw_cfg_child(gw_cfg_child(root, "daemon"), "plugin_dir"));
        if (s && *s)
            dir = resolve_dir(path, s);
    }
    gw_cfg_doc_free(doc);
    return dir ? dir : gw_plugins_default_dir();
}
