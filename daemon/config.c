#include "config.h"

#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_load.h"
#include "log.h"
#include "strmap.h"
#include "suggest.h"
#include "units.h"
#include "xalloc.h"

/* ---- schemas of the core's own sections ----------------------------------- */

static const struct gw_cfg_key daemon_keys[] = {
    {"data_dir", GW_CFG_STRING, 0, NULL, "RRD files, state.json, events.jsonl"},
    {"plugin_dir", GW_CFG_STRING, 0, NULL, "where check and notifier plugins are loaded from"},
    {"listen", GW_CFG_STRING, 0, NULL, "address of the web server; \"\" turns it off"},
    {"rrdcached", GW_CFG_STRING, 0, NULL, "\"\", unix:PATH or host:port"},
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
        gw_cfg_error(key_node, "%sunknown key \"%s\" (did you mean \"%s\"?)", where,
                     key_node->text, near);
    } else {
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
            len += strlen(names[i]) + 2;
        char *expected = gw_xcalloc(len + 1, 1);
        for (size_t i = 0; i < n; i++) {
            if (i)
                strcat(expected, ", ");
            strcat(expected, names[i]);
        }
        gw_cfg_error(key_node, "%sunknown key \"%s\" (expected one of: %s)", where,
                     key_node->text, n ? expected : "no keys");
        free(expected);
    }
    free(names);
}

/*
 * Checks every pair of `map` against the keys of `lists`: unknown keys,
 * repeated keys, value types, nested mappings, and missing required keys.
 * `where` prefixes messages ("target cardiff/website: "). Returns true when
 * nothing was wrong.
 */
static bool validate_keys(const struct gw_cfg *map, const struct gw_cfg_key *const *lists,
                          size_t n_lists, const char *where)
{
    bool ok = true;
    if (map->kind != GW_CFG_KIND_MAP) {
        gw_cfg_error(map, "%sexpected a mapping, found %s", where, gw_cfg_kind_name(map));
        return false;
    }
    for (uint32_t i = 0; i < map->n; i++) {
        const struct gw_cfg *key = map->keys[i];
        if (!key->text)
            continue;
        bool repeated = false;
        for (uint32_t j = 0; j < i; j++) {
            if (map->keys[j]->text && strcmp(map->keys[j]->text, key->text) == 0) {
                gw_cfg_error(key, "%sduplicate key \"%s\" (first given at line %u, column %u)",
                             where, key->text, map->keys[j]->line, map->keys[j]->col);
                repeated = true;
                ok = false;
                break;
            }
        }
        if (repeated)
            continue;
        const struct gw_cfg_key *k = find_key(lists, n_lists, key->text);
        if (!k) {
            report_unknown_key(key, lists, n_lists, where);
            ok = false;
            continue;
        }
        const struct gw_cfg *value = map->items[i];
        if (gw_cfg_check_type(value, k->type) < 0) {
            ok = false;
            continue;
        }
        if (k->type == GW_CFG_MAP && k->sub) {
            const struct gw_cfg_key *sub[] = {k->sub};
            if (!validate_keys(value, sub, 1, where))
                ok = false;
        }
    }
    for (size_t l = 0; l < n_lists; l++) {
        for (const struct gw_cfg_key *k = lists[l]; k && k->name; k++) {
            if ((k->flags & GW_CFG_REQUIRED) && !gw_cfg_child(map, k->name)) {
                gw_cfg_error(map, "%smissing required key \"%s\" (%s)", where, k->name,
                             k->help ? k->help : gw_cfg_type_expect(k->type));
                ok = false;
            }
        }
    }
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
        gw_cfg_error(node, "bad %s id \"%s\" (expected 1 to 64 lower-case letters, digits, - "
                           "and _, starting with a letter or digit)",
                     what, id);
        return false;
    }
    return true;
}

static void collect(const struct gw_cfg ***arr, size_t *n, const struct gw_cfg *seq)
{
    if (!seq || seq->kind != GW_CFG_KIND_SEQ)
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

static void load_includes(struct builder *b, const struct gw_cfg *root)
{
    const struct gw_cfg *inc = gw_cfg_child(root, "include");
    if (!inc || gw_cfg_check_type(inc, GW_CFG_LIST) < 0)
        return;
    char *base = dir_of(root->file->path);
    for (size_t i = 0; i < gw_cfg_len(inc); i++) {
        const struct gw_cfg *pat_node = gw_cfg_at(inc, i);
        const char *pat = gw_cfg_scalar(pat_node);
        if (!pat)
            continue;
        char *full = pat[0] == '/' ? gw_xstrdup(pat) : gw_xasprintf("%s/%s", base, pat);
        glob_t g;
        int rc = glob(full, GLOB_ERR, NULL, &g);
        if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
            gw_cfg_error(pat_node, "include \"%s\" matches no file (expected a path or glob of "
                                   "YAML files)",
                         pat);
        } else if (rc != 0) {
            gw_cfg_error(pat_node, "include \"%s\" cannot be read", pat);
        } else {
            for (size_t j = 0; j < g.gl_pathc; j++) {
                struct gw_cfg *inc_root = NULL;
                if (gw_cfg_load_file(b->doc, g.gl_pathv[j], &inc_root) < 0 || !inc_root)
                    continue;
                if (inc_root->kind == GW_CFG_KIND_NULL)
                    continue;
                const struct gw_cfg_key *lists[] = {include_top_keys};
                if (!validate_keys(inc_root, lists, 1, ""))
                    continue;
                collect(&b->council_nodes, &b->n_council_nodes,
                        gw_cfg_child(inc_root, "councils"));
                collect(&b->notifier_nodes, &b->n_notifier_nodes,
                        gw_cfg_child(inc_root, "notifiers"));
                collect(&b->maintenance_nodes, &b->n_maintenance_nodes,
                        gw_cfg_child(inc_root, "maintenance"));
            }
        }
        if (rc == 0)
            globfree(&g);
        free(full);
    }
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
    const char *level = "info";
    int64_t in_flight = GW_DEFAULT_MAX_IN_FLIGHT, per_host = GW_DEFAULT_MAX_PER_HOST;
    const struct gw_cfg *node = gw_cfg_child(root, "daemon");
    if (node && node->kind == GW_CFG_KIND_MAP) {
        gw_cfg_get_string(node, "data_dir", &data_dir);
        gw_cfg_get_string(node, "plugin_dir", &plugin_dir);
        gw_cfg_get_string(node, "listen", &listen);
        gw_cfg_get_string(node, "rrdcached", &rrdcached);
        gw_cfg_get_int(node, "max_in_flight", 1, 1000000, &in_flight);
        gw_cfg_get_int(node, "max_per_host", 1, 1000000, &per_host);
        if (gw_cfg_get_string(node, "log_level", &level) == 0 && gw_log_level_parse(level) < 0)
            gw_cfg_error(gw_cfg_child(node, "log_level"),
                         "bad log level \"%s\" (expected debug, info, notice, warning or error)",
                         level);
        const char *rc = rrdcached;
        if (*rc && strncmp(rc, "unix:", 5) != 0 && !strchr(rc, ':') && rc[0] != '/')
            gw_cfg_error(gw_cfg_child(node, "rrdcached"),
                         "bad rrdcached address \"%s\" (expected \"\", unix:PATH or host:port)",
                         rc);
        if (data_dir && !*data_dir)
            gw_cfg_error(gw_cfg_child(node, "data_dir"), "empty data_dir (expected a directory)");
    }
    d->data_dir = resolve_dir(b->config->path, data_dir);
    d->plugin_dir = plugin_dir ? resolve_dir(b->config->path, plugin_dir) : NULL;
    d->listen = gw_xstrdup(listen);
    d->rrdcached = gw_xstrdup(rrdcached);
    d->max_in_flight = (uint32_t)in_flight;
    d->max_per_host = (uint32_t)per_host;
    int lv = gw_log_level_parse(level);
    d->log_level = lv < 0 ? GW_LOG_INFO : lv;
}

/* Keys a `defaults:` section may hold: common target keys (but not id or
 * check) and any key some check type declares. */
static void validate_defaults(struct builder *b, const struct gw_cfg *defaults)
{
    if (defaults->kind != GW_CFG_KIND_MAP)
        return; /* already reported by the top-level check */
    const char **names;
    size_t n_types = gw_plugins_check_names(b->plugins, &names);
    size_t n_lists = 1 + n_types;
    const struct gw_cfg_key **lists = gw_xcalloc(n_lists, sizeof(*lists));
    lists[0] = target_keys;
    for (size_t i = 0; i < n_types; i++)
        lists[1 + i] = gw_plugins_check(b->plugins, names[i])->keys;
    for (uint32_t i = 0; i < defaults->n; i++) {
        const struct gw_cfg *key = defaults->keys[i];
        if (!key->text)
            continue;
        if (strcmp(key->text, "id") == 0 || strcmp(key->text, "check") == 0) {
            gw_cfg_error(key, "defaults: \"%s\" cannot have a default (each target sets its "
                              "own)",
                         key->text);
            continue;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (defaults->keys[j]->text && strcmp(defaults->keys[j]->text, key->text) == 0) {
                gw_cfg_error(key, "defaults: duplicate key \"%s\" (first given at line %u, "
                                  "column %u)",
                             key->text, defaults->keys[j]->line, defaults->keys[j]->col);
                break;
            }
        }
        const struct gw_cfg_key *k = find_key(lists, n_lists, key->text);
        if (!k) {
            report_unknown_key(key, lists, n_lists, "defaults: ");
            continue;
        }
        /* Common keys are checked once here; a plugin's keys are checked by
         * each target of that plugin, where they apply. */
        if (find_key(lists, 1, key->text))
            gw_cfg_check_type(defaults->items[i], k->type);
    }
    free(lists);
}

/* The target's settings with the defaults it does not override and that
 * apply to its check type. */
static const struct gw_cfg *effective_target(struct builder *b, const struct gw_cfg *target,
                                             const struct gw_check_type *type)
{
    const struct gw_cfg *defaults = b->defaults;
    if (!defaults || defaults->kind != GW_CFG_KIND_MAP || defaults->n == 0)
        return target;
    uint32_t n = target->n;
    struct gw_cfg **keys = gw_xcalloc(target->n + defaults->n, sizeof(*keys));
    struct gw_cfg **values = gw_xcalloc(target->n + defaults->n, sizeof(*values));
    memcpy(keys, target->keys, sizeof(*keys) * target->n);
    memcpy(values, target->items, sizeof(*values) * target->n);
    const struct gw_cfg_key *common[] = {target_keys};
    for (uint32_t i = 0; i < defaults->n; i++) {
        const char *k = defaults->keys[i]->text;
        if (!k || gw_cfg_child(target, k))
            continue;
        bool applies = find_key(common, 1, k) || (type && find_key(&type->keys, 1, k));
        if (!applies)
            continue;
        bool seen = false;
        for (uint32_t j = target->n; j < n; j++)
            if (strcmp(keys[j]->text, k) == 0)
                seen = true;
        if (seen)
            continue;
        keys[n] = defaults->keys[i];
        values[n] = defaults->items[i];
        n++;
    }
    const struct gw_cfg *eff = gw_cfg_map_new(target->file, target->line, target->col, keys,
                                              values, n);
    free(keys);
    free(values);
    return eff;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    h ^= 0xff; /* separator, so "ab","c" differs from "a","bc" */
    h *= 1099511628211ull;
    return h;
}

static uint64_t fingerprint(uint64_t h, const struct gw_cfg *node)
{
    char kind[2] = {(char)('0' + node->kind), 0};
    h = fnv1a(h, kind);
    switch (node->kind) {
    case GW_CFG_KIND_SCALAR:
        return fnv1a(h, node->text);
    case GW_CFG_KIND_MAP:
        for (uint32_t i = 0; i < node->n; i++) {
            h = fnv1a(h, node->keys[i]->text);
            h = fingerprint(h, node->items[i]);
        }
        return h;
    case GW_CFG_KIND_SEQ:
        for (uint32_t i = 0; i < node->n; i++)
            h = fingerprint(h, node->items[i]);
        return h;
    default:
        return h;
    }
}

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

static void build_target(struct builder *b, size_t council_index, const struct gw_cfg *node)
{
    struct gw_config *c = b->config;
    const struct gw_council_conf *council = &c->councils[council_index];
    if (node->kind != GW_CFG_KIND_MAP) {
        gw_cfg_error(node, "council %s: a target must be a mapping, found %s", council->id,
                     gw_cfg_kind_name(node));
        return;
    }
    const char *id = NULL, *check = NULL;
    gw_cfg_get_string(node, "id", &id);
    gw_cfg_get_string(node, "check", &check);
    char *where = id ? gw_xasprintf("target %s/%s: ", council->id, id)
                     : gw_xasprintf("a target of council %s: ", council->id);

    const struct gw_check_type *type = check ? gw_plugins_check(b->plugins, check) : NULL;
    if (check && !type) {
        const char **names;
        size_t n = gw_plugins_check_names(b->plugins, &names);
        const char *near = gw_suggest(check, names, n);
        size_t len = 1;
        for (size_t i = 0; i < n; i++)
            len += strlen(names[i]) + 2;
        char *avail = gw_xcalloc(len, 1);
        for (size_t i = 0; i < n; i++) {
            if (i)
                strcat(avail, ", ");
            strcat(avail, names[i]);
        }
        if (near)
            gw_cfg_error(gw_cfg_child(node, "check"),
                         "%sno plugin provides check type \"%s\" (did you mean \"%s\"?)", where,
                         check, near);
        else
            gw_cfg_error(gw_cfg_child(node, "check"),
                         "%sno plugin provides check type \"%s\" (available: %s)", where, check,
                         n ? avail : "none; is the plugin directory right?");
        free(avail);
    }

    /* Without its type the plugin's keys are unknown: check the common ones
     * only, so that a wrong check name does not bury the file in errors. */
    const struct gw_cfg_key *lists[] = {target_keys, type ? type->keys : NULL};
    bool ok = true;
    if (type) {
        ok = validate_keys(node, lists, 2, where);
    } else {
        for (uint32_t i = 0; i < node->n; i++) {
            const struct gw_cfg_key *k = find_key(lists, 1, node->keys[i]->text);
            if (k && gw_cfg_check_type(node->items[i], k->type) < 0)
                ok = false;
        }
        if (!id)
            gw_cfg_error(node, "%smissing required key \"id\"", where);
        if (!check)
            gw_cfg_error(node, "%smissing required key \"check\" (the check type, e.g. tcp)",
                         where);
        ok = false;
    }
    if (id && !check_id(node, "target"))
        ok = false;
    if (!ok || !id) {
        free(where);
        return;
    }

    const struct gw_cfg *eff = effective_target(b, node, type);
    uint64_t interval = GW_DEFAULT_INTERVAL_MS, timeout = GW_DEFAULT_TIMEOUT_MS;
    int64_t failures = GW_DEFAULT_FAILURES, successes = GW_DEFAULT_SUCCESSES;
    gw_cfg_get_duration_ms(eff, "interval", &interval);
    gw_cfg_get_duration_ms(eff, "timeout", &timeout);
    gw_cfg_get_int(eff, "failure_threshold", 1, 1000, &failures);
    gw_cfg_get_int(eff, "success_threshold", 1, 1000, &successes);
    if (interval < GW_MIN_INTERVAL_MS) {
        gw_cfg_error(gw_cfg_child(eff, "interval"), "%sinterval is shorter than 1s (expected "
                                                    "1s or more)",
                     where);
        ok = false;
    }
    if (timeout == 0) {
        gw_cfg_error(gw_cfg_child(eff, "timeout"), "%stimeout is zero (expected a duration "
                                                   "like 10s)",
                     where);
        ok = false;
    }
    if (timeout > interval) {
        /* A timeout given on the target itself that cannot fit is a mistake;
         * one inherited from defaults is shortened to fit the interval. */
        if (gw_cfg_child(node, "timeout")) {
            char t[32], i[32];
            gw_units_format_duration(timeout, t, sizeof(t));
            gw_units_format_duration(interval, i, sizeof(i));
            gw_cfg_error(gw_cfg_child(node, "timeout"),
                         "%stimeout %s is longer than the interval %s (expected at most the "
                         "interval)",
                         where, t, i);
            ok = false;
        }
        timeout = interval;
    }
    const char *language = NULL;
    if (gw_cfg_get_string(eff, "language", &language) == 0 && language &&
        strcmp(language, "en") != 0 && strcmp(language, "cy") != 0) {
        gw_cfg_error(gw_cfg_child(eff, "language"),
                     "%sunknown language \"%s\" (expected en or cy)", where, language);
        ok = false;
    }

    void *plugin_conf = NULL;
    if (type->configure(b->host, eff, &plugin_conf) < 0 || !ok) {
        if (plugin_conf)
            type->conf_free(plugin_conf);
        free(where);
        return;
    }

    c->targets = gw_xreallocarray(c->targets, c->n_targets + 1, sizeof(*c->targets));
    b->target_nodes = gw_xreallocarray(b->target_nodes, c->n_targets + 1, sizeof(*b->target_nodes));
    struct gw_target_conf *t = &c->targets[c->n_targets];
    b->target_nodes[c->n_targets] = node;
    c->n_targets++;
    memset(t, 0, sizeof(*t));
    t->id = gw_xasprintf("%s/%s", council->id, id);
    t->name = t->id + strlen(council->id) + 1;
    t->council = council_index;
    t->title = opt_string(eff, "name");
    t->category = opt_string(eff, "category");
    t->language = opt_string(eff, "language");
    const char *ref = NULL;
    if (gw_cfg_get_string(eff, "parity_with", &ref) == 0 && ref)
        t->parity_with = full_ref(council->id, ref);
    ref = NULL;
    if (gw_cfg_get_string(eff, "depends_on", &ref) == 0 && ref)
        t->depends_on = full_ref(council->id, ref);
    const struct gw_cfg *notify = gw_cfg_child(eff, "notify");
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
    t->fingerprint = fingerprint(14695981039346656037ull, eff);
    free(where);
}

/* Councils may be declared once with their details and extended elsewhere
 * (an include) by an entry holding only id and targets. */
static void build_councils(struct builder *b)
{
    struct gw_config *c = b->config;
    const struct gw_cfg_key *lists[] = {council_keys};
    /* first pass: one council per distinct id, details from the full entry */
    const struct gw_cfg **decl = gw_xcalloc(b->n_council_nodes + 1, sizeof(*decl));
    for (size_t i = 0; i < b->n_council_nodes; i++) {
        const struct gw_cfg *node = b->council_nodes[i];
        if (!validate_keys(node, lists, 1, "council: ") || !check_id(node, "council"))
            continue;
        const char *id = gw_cfg_scalar(gw_cfg_child(node, "id"));
        bool details = gw_cfg_child(node, "name") || gw_cfg_child(node, "name_cy");
        size_t k;
        for (k = 0; k < c->n_councils; k++)
            if (strcmp(c->councils[k].id, id) == 0)
                break;
        if (k < c->n_councils) {
            const struct gw_cfg *first = decl[k];
            bool first_details = gw_cfg_child(first, "name") || gw_cfg_child(first, "name_cy");
            if ((details && first_details) || (!gw_cfg_child(node, "targets") && !details)) {
                gw_cfg_error(gw_cfg_child(node, "id"),
                             "duplicate council id \"%s\" (first defined at %s:%u:%u; to add "
                             "targets elsewhere give only id and targets)",
                             id, first->file->path, first->line, first->col);
                continue;
            }
            if (details) {
                decl[k] = node;
                c->councils[k].name = opt_string(node, "name");
                c->councils[k].name_cy = opt_string(node, "name_cy");
            }
            continue;
        }
        c->councils = gw_xreallocarray(c->councils, c->n_councils + 1, sizeof(*c->councils));
        c->councils[c->n_councils] = (struct gw_council_conf){
            .id = gw_xstrdup(id),
            .name = opt_string(node, "name"),
            .name_cy = opt_string(node, "name_cy"),
        };
        decl[c->n_councils++] = node;
    }
    /* second pass: targets, council by council so they are contiguous */
    for (size_t k = 0; k < c->n_councils; k++) {
        c->councils[k].first_target = c->n_targets;
        size_t first = c->n_targets;
        for (size_t i = 0; i < b->n_council_nodes; i++) {
            const struct gw_cfg *node = b->council_nodes[i];
            const char *id = gw_cfg_scalar(gw_cfg_child(node, "id"));
            if (!id || strcmp(id, c->councils[k].id) != 0)
                continue;
            const struct gw_cfg *targets = gw_cfg_child(node, "targets");
            if (!targets || targets->kind != GW_CFG_KIND_SEQ)
                continue;
            for (uint32_t t = 0; t < targets->n; t++)
                build_target(b, k, targets->items[t]);
        }
        /* duplicate target ids: the index keeps the first of each */
        for (size_t i = first; i < c->n_targets; i++) {
            size_t prev_i;
            if (gw_strmap_put(c->index, c->targets[i].id, i, &prev_i) < 0) {
                const struct gw_cfg *prev = b->target_nodes[prev_i];
                gw_cfg_error(gw_cfg_child(b->target_nodes[i], "id"),
                             "duplicate target id \"%s\" (first defined at %s:%u:%u)",
                             c->targets[i].id, prev->file->path, prev->line, prev->col);
            }
        }
        c->councils[k].n_targets = c->n_targets - first;
    }
    free(decl);
}

static void build_notifiers(struct builder *b)
{
    struct gw_config *c = b->config;
    for (size_t i = 0; i < b->n_notifier_nodes; i++) {
        const struct gw_cfg *node = b->notifier_nodes[i];
        const char *type_name = NULL, *id = NULL;
        if (node->kind != GW_CFG_KIND_MAP) {
            gw_cfg_error(node, "a notifier must be a mapping, found %s", gw_cfg_kind_name(node));
            continue;
        }
        gw_cfg_get_string(node, "type", &type_name);
        gw_cfg_get_string(node, "id", &id);
        const struct gw_notifier_type *type =
            type_name ? gw_plugins_notifier(b->plugins, type_name) : NULL;
        char *where = gw_xasprintf("notifier %s: ", id ? id : "(no id)");
        if (type_name && !type) {
            const char **names;
            size_t n = gw_plugins_notifier_names(b->plugins, &names);
            const char *near = gw_suggest(type_name, names, n);
            if (near)
                gw_cfg_error(gw_cfg_child(node, "type"),
                             "%sno plugin provides notifier type \"%s\" (did you mean \"%s\"?)",
                             where, type_name, near);
            else
                gw_cfg_error(gw_cfg_child(node, "type"),
                             "%sno plugin provides notifier type \"%s\" (available: %s)", where,
                             type_name, n ? names[0] : "none");
        }
        const struct gw_cfg_key *lists[] = {notifier_keys, type ? type->keys : NULL};
        bool ok = type ? validate_keys(node, lists, 2, where) : false;
        if (!type_name)
            validate_keys(node, lists, 1, where);
        if (id && !check_id(node, "notifier"))
            ok = false;
        for (size_t j = 0; id && j < c->n_notifiers; j++) {
            if (strcmp(c->notifiers[j].id, id) == 0) {
                gw_cfg_error(gw_cfg_child(node, "id"), "%sduplicate notifier id \"%s\"", where,
                             id);
                ok = false;
            }
        }
        void *conf = NULL;
        if (ok && type->configure(b->host, node, &conf) == 0) {
            c->notifiers =
                gw_xreallocarray(c->notifiers, c->n_notifiers + 1, sizeof(*c->notifiers));
            c->notifiers[c->n_notifiers++] =
                (struct gw_notifier_conf){.id = gw_xstrdup(id), .type = type, .plugin_conf = conf};
        }
        free(where);
    }
}

static bool notifier_declared(struct builder *b, const char *id)
{
    for (size_t i = 0; i < b->n_notifier_nodes; i++)
        if (strcmp(id, gw_cfg_scalar(gw_cfg_child(b->notifier_nodes[i], "id")) ?: "") == 0)
            return true;
    return false;
}

/* Cross references: notify lists, parents, language pairs, cycles. */
static void check_references(struct builder *b)
{
    struct gw_config *c = b->config;
    for (size_t i = 0; i < c->n_targets; i++) {
        struct gw_target_conf *t = &c->targets[i];
        const struct gw_cfg *node = b->target_nodes[i];
        for (size_t k = 0; k < t->n_notify; k++) {
            if (!notifier_declared(b, t->notify[k])) {
                const struct gw_cfg *where = gw_cfg_child(node, "notify");
                if (!where)
                    where = b->defaults ? gw_cfg_child(b->defaults, "notify") : node;
                gw_cfg_error(where, "notifier \"%s\" is not defined (expected the id of an entry "
                                    "under notifiers:)",
                             t->notify[k]);
            }
        }
        if (t->depends_on) {
            const struct gw_target_conf *parent = gw_config_find_target(c, t->depends_on);
            const struct gw_cfg *where = gw_cfg_child(node, "depends_on");
            if (!parent && where)
                gw_cfg_error(where, "target %s: depends_on names no target \"%s\"", t->id,
                             t->depends_on);
            else if (parent == t)
                gw_cfg_error(where, "target %s depends on itself", t->id);
        }
        if (t->parity_with) {
            const struct gw_target_conf *other = gw_config_find_target(c, t->parity_with);
            const struct gw_cfg *where = gw_cfg_child(node, "parity_with");
            if (!other && where)
                gw_cfg_error(where, "target %s: parity_with names no target \"%s\"", t->id,
                             t->parity_with);
        }
    }
    /* A dependency cycle would hold every alert of the loop back forever. */
    for (size_t i = 0; i < c->n_targets; i++) {
        const struct gw_target_conf *t = &c->targets[i];
        size_t steps = 0;
        while (t && t->depends_on && steps <= c->n_targets) {
            t = gw_config_find_target(c, t->depends_on);
            steps++;
            if (t == &c->targets[i]) {
                gw_cfg_error(gw_cfg_child(b->target_nodes[i], "depends_on"),
                             "target %s: depends_on forms a cycle", c->targets[i].id);
                break;
            }
        }
    }
}

static int weekday_of(const char *s)
{
    static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    for (int i = 0; i < 7; i++)
        if (strncmp(s, days[i], 3) == 0)
            return i;
    return -1;
}

static void build_maintenance(struct builder *b)
{
    struct gw_config *c = b->config;
    const struct gw_cfg_key *lists[] = {maintenance_keys};
    for (size_t i = 0; i < b->n_maintenance_nodes; i++) {
        const struct gw_cfg *node = b->maintenance_nodes[i];
        if (!validate_keys(node, lists, 1, "maintenance: "))
            continue;
        struct gw_maintenance_conf m = {.weekday = -1};
        const struct gw_cfg *from = gw_cfg_child(node, "from"), *to = gw_cfg_child(node, "to");
        const struct gw_cfg *weekly = gw_cfg_child(node, "weekly");
        bool ok = true;
        if (weekly && (from || to)) {
            gw_cfg_error(node, "maintenance: give either from/to or weekly, not both");
            ok = false;
        } else if (weekly) {
            const char *day = gw_cfg_scalar(gw_cfg_child(weekly, "day"));
            m.weekday = day ? weekday_of(day) : -1;
            if (m.weekday < 0) {
                gw_cfg_error(gw_cfg_child(weekly, "day"),
                             "maintenance: bad day \"%s\" (expected mon, tue, wed, thu, fri, sat "
                             "or sun)",
                             day ? day : "");
                ok = false;
            }
            const char *names[] = {"from", "to"};
            int *mins[] = {&m.from_min, &m.to_min};
            for (int k = 0; k < 2; k++) {
                const struct gw_cfg *n = gw_cfg_child(weekly, names[k]);
                if (gw_units_parse_clock(gw_cfg_scalar(n), mins[k]) < 0) {
                    gw_cfg_error(n, "maintenance: bad time of day \"%s\" (expected HH:MM)",
                                 gw_cfg_scalar(n) ? gw_cfg_scalar(n) : "");
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
            for (int k = 0; k < 2; k++) {
                if (gw_units_parse_time(gw_cfg_scalar(nodes[k]), vals[k]) < 0) {
                    gw_cfg_error(nodes[k], "maintenance: bad time \"%s\" (expected RFC 3339 "
                                           "like 2026-12-01T22:00:00Z)",
                                 gw_cfg_scalar(nodes[k]) ? gw_cfg_scalar(nodes[k]) : "");
                    ok = false;
                }
            }
            if (ok && m.to_s <= m.from_s) {
                gw_cfg_error(to, "maintenance: the window ends before it starts");
                ok = false;
            }
        }
        if (!ok)
            continue;
        const struct gw_cfg *pats = gw_cfg_child(node, "targets");
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

static struct gw_config *build(struct builder *b, struct gw_cfg *root)
{
    if (root->kind == GW_CFG_KIND_NULL) {
        gw_cfg_warning(root, "the configuration is empty: nothing will be monitored");
    } else {
        const struct gw_cfg_key *lists[] = {top_keys};
        validate_keys(root, lists, 1, "");
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
    check_references(b);
    build_maintenance(b);
    if (b->config->n_targets == 0 && b->doc->diag->errors == 0)
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

const struct gw_target_conf *gw_config_find_target(const struct gw_config *config,
                                                   const char *id)
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
