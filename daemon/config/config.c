/*
 * The validated configuration (config.h), the third layer of three:
 * cfg.c holds the positioned tree, cfg_load.c reads YAML or JSON into it,
 * and this file, with the config_*.c beside it (config_internal.h says
 * which does what), checks the tree whole and builds struct gw_config from
 * it. Here: loading, the daemon section, the order of the build, and the
 * finished configuration's lifetime.
 */
#include "config/config.h"

#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_load.h"
#include "config/config_internal.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/netaddr.h"
#include "util/xalloc.h"

/* ---- helpers the build shares --------------------------------------------------------- */

void gw_config_collect(const struct gw_cfg ***arr, size_t *n, const struct gw_cfg *seq)
{
    if (!seq || seq->kind != GW_CFG_KIND_SEQ || seq->n == 0)
        return;
    *arr = gw_xreallocarray(*arr, *n + seq->n, sizeof(**arr));
    for (uint32_t i = 0; i < seq->n; i++)
        (*arr)[(*n)++] = seq->items[i];
}

char *gw_config_dir_of(const char *path)
{
    char *copy = gw_xstrdup(path);
    char *dir = gw_xstrdup(dirname(copy));
    free(copy);
    return dir;
}

char *gw_config_opt_string(const struct gw_cfg *map, const char *key)
{
    const char *s = NULL;
    gw_cfg_get_string(map, key, &s);
    return s ? gw_xstrdup(s) : NULL;
}

/* ---- the daemon section ---------------------------------------------------------------- */

static char *resolve_dir(const char *config_path, const char *dir)
{
    if (dir[0] == '/' || !config_path)
        return gw_xstrdup(dir);
    char *base = gw_config_dir_of(config_path);
    char *full = gw_xasprintf("%s/%s", base, dir);
    free(base);
    return full;
}

/* An address notifications can link to: http(s), a host, nothing a link would break on. */
static bool web_url_ok(const char *url)
{
    const char *host = strncmp(url, "https://", 8) == 0  ? url + 8
                       : strncmp(url, "http://", 7) == 0 ? url + 7
                                                         : NULL;
    if (!host || !*host || *host == '/')
        return false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '?' || *p == '#' || *p == '"' ||
            *p == '<' || *p == '>')
            return false;
    return true;
}

static void build_daemon(struct config_builder *b, const struct gw_cfg *root)
{
    struct gw_daemon_conf *d = &b->config->daemon;
    const char *state_dir = getenv("STATE_DIRECTORY"); /* set by systemd's StateDirectory= */
    const char *data_dir = state_dir && *state_dir ? state_dir : "/var/lib/gwyliwr";
    const char *plugin_dir = NULL, *listen = GW_DEFAULT_LISTEN, *rrdcached = "";
    const char *level = "info", *storage = "rrd", *web_url = "";
    int64_t in_flight = GW_DEFAULT_MAX_IN_FLIGHT, per_host = GW_DEFAULT_MAX_PER_HOST;
    uint64_t write_delay_ms = GW_DEFAULT_WRITE_DELAY_MS, refresh_ms = 0;
    uint64_t events_max = GW_DEFAULT_EVENTS_MAX_SIZE, events_keep = GW_DEFAULT_EVENTS_KEEP_MS;
    uint64_t lateness_limit = GW_DEFAULT_LATENESS_LIMIT_MS;
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
        struct sockaddr_storage addr;
        socklen_t addr_len;
        if (gw_cfg_get_string(node, "listen", &listen) == 0 && *listen &&
            gw_netaddr_parse(listen, &addr, &addr_len) < 0)
            gw_cfg_error(gw_cfg_child(node, "listen"),
                         "bad listen address \"%s\" (expected \"\", IPv4:port, [IPv6]:port or "
                         "localhost:port)",
                         listen);
        gw_cfg_get_secret(node, "web_token_file", &d->web_token);
        gw_cfg_get_secret(node, "web_users_file", &d->web_users);
        if (gw_cfg_get_duration_ms(node, "web_refresh", &refresh_ms) == 0 && refresh_ms &&
            (refresh_ms < 5000 || refresh_ms > 86400000))
            gw_cfg_error(gw_cfg_child(node, "web_refresh"),
                         "web_refresh out of range (expected 0s, or 5s to 1d)");
        if (gw_cfg_get_string(node, "web_url", &web_url) == 0 && *web_url && !web_url_ok(web_url)) {
            gw_cfg_error(gw_cfg_child(node, "web_url"),
                         "bad web_url \"%s\" (expected http:// or https:// and a host, with no "
                         "spaces, query or fragment)",
                         web_url);
            web_url = "";
        }
        if (gw_cfg_get_size(node, "events_max_size", &events_max) == 0 &&
            events_max < GW_MIN_EVENTS_MAX_SIZE)
            gw_cfg_error(gw_cfg_child(node, "events_max_size"),
                         "events_max_size below 64KiB (expected a size like 64MiB)");
        if (gw_cfg_get_duration_ms(node, "events_keep", &events_keep) == 0 &&
            events_keep < 86400000u)
            gw_cfg_error(gw_cfg_child(node, "events_keep"),
                         "events_keep shorter than a day (expected a duration like 400d)");
        if (gw_cfg_get_duration_ms(node, "lateness_limit", &lateness_limit) == 0 &&
            lateness_limit == 0)
            gw_cfg_error(gw_cfg_child(node, "lateness_limit"),
                         "lateness_limit is zero (expected a duration like 1s)");
        const struct gw_cfg *notify = gw_cfg_child(node, "notify");
        d->n_notify = notify && notify->kind != GW_CFG_KIND_MAP ? gw_cfg_len(notify) : 0;
        d->notify = d->n_notify ? gw_xcalloc(d->n_notify, sizeof(char *)) : NULL;
        for (size_t i = 0; i < d->n_notify; i++)
            d->notify[i] = gw_xstrdup(gw_cfg_scalar(gw_cfg_at(notify, i)));
    }
    d->data_dir = resolve_dir(b->config->path, data_dir);
    d->plugin_dir = plugin_dir ? resolve_dir(b->config->path, plugin_dir) : NULL;
    d->listen = gw_xstrdup(listen);
    d->rrdcached = gw_xstrdup(rrdcached);
    d->max_in_flight = (uint32_t)in_flight;
    d->max_per_host = (uint32_t)per_host;
    d->store_rrd = strcmp(storage, "none") != 0;
    d->rrd_write_delay_ms = write_delay_ms;
    d->web_refresh_s = (uint32_t)(refresh_ms / 1000);
    size_t url_len = strlen(web_url);
    while (url_len > 0 && web_url[url_len - 1] == '/')
        url_len--;
    d->web_url = gw_xstrndup(web_url, url_len);
    d->events_max_size = events_max;
    d->events_keep_ms = events_keep;
    d->lateness_limit_ms = lateness_limit;
    int lv = gw_log_level_parse(level);
    d->log_level = lv < 0 ? GW_LOG_INFO : lv;
}

/* ---- the whole ---------------------------------------------------------------------------- */

/* The index of built targets, filled once they all exist (their ids do not move). */
static void index_targets(struct gw_config *c)
{
    for (size_t i = 0; i < c->n_targets; i++)
        gw_strmap_put(c->index, c->targets[i].id, i, NULL);
}

static struct gw_config *build(struct config_builder *b, struct gw_cfg *root)
{
    if (root->kind == GW_CFG_KIND_NULL) {
        gw_cfg_warning(root, "the configuration is empty: nothing will be monitored");
    } else {
        const struct gw_cfg_key *lists[] = {gw_config_keys_top};
        gw_config_keys_validate(root, lists, 1, "", root->kind == GW_CFG_KIND_MAP ? root->n : 0,
                                false, NULL);
    }
    build_daemon(b, root);
    const struct gw_cfg *defaults = gw_cfg_child(root, "defaults");
    if (defaults && defaults->kind == GW_CFG_KIND_MAP) {
        b->defaults = defaults;
        gw_config_targets_validate_defaults(b, defaults);
    }
    gw_config_collect(&b->council_nodes, &b->n_council_nodes, gw_cfg_child(root, "councils"));
    gw_config_collect(&b->notifier_nodes, &b->n_notifier_nodes, gw_cfg_child(root, "notifiers"));
    gw_config_collect(&b->maintenance_nodes, &b->n_maintenance_nodes,
                      gw_cfg_child(root, "maintenance"));
    gw_config_include_load(b, root);
    gw_config_targets_build_notifiers(b);
    gw_config_notifiers_check_daemon(b, gw_cfg_child(gw_cfg_child(root, "daemon"), "notify"));
    gw_config_targets_build_councils(b);
    index_targets(b->config);
    gw_config_targets_check_references(b);
    gw_config_maintenance_build(b);
    if (b->config->n_targets == 0 && b->doc->diag->errors == 0 && root->kind != GW_CFG_KIND_NULL)
        gw_cfg_warning(root, "no targets are configured: nothing will be monitored");
    return b->config;
}

static struct gw_config *finish(struct config_builder *b, struct gw_cfg *root)
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

static void builder_init(struct config_builder *b, const char *path,
                         const struct gw_plugins *plugins, const struct gw_host *host,
                         struct gw_diag *diag)
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
    struct config_builder b;
    builder_init(&b, path, plugins, host, diag);
    struct gw_cfg *root = NULL;
    gw_cfg_load_file(b.doc, path, &root);
    return finish(&b, root);
}

struct gw_config *gw_config_load_string(const char *name, const char *text,
                                        const struct gw_plugins *plugins,
                                        const struct gw_host *host, struct gw_diag *diag)
{
    struct config_builder b;
    builder_init(&b, name, plugins, host, diag);
    struct gw_cfg *root = NULL;
    gw_cfg_load_string(b.doc, name, text, strlen(text), &root);
    return finish(&b, root);
}

struct gw_config *gw_config_ref(struct gw_config *config)
{
    __atomic_fetch_add(&config->refs, 1, __ATOMIC_RELAXED);
    return config;
}

void gw_config_unref(struct gw_config *config)
{
    if (!config || __atomic_sub_fetch(&config->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    for (size_t i = 0; i < config->n_targets; i++) {
        struct gw_target_conf *t = &config->targets[i];
        free(t->id);
        free(t->title);
        free(t->title_cy);
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
    for (size_t i = 0; i < config->daemon.n_notify; i++)
        free(config->daemon.notify[i]);
    free(config->daemon.notify);
    free(config->daemon.data_dir);
    free(config->daemon.plugin_dir);
    free(config->daemon.listen);
    free(config->daemon.web_url);
    free(config->daemon.web_token);
    free(config->daemon.web_users);
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
