#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "config/cfg_load.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#define PEM_MAX (1024u * 1024u)

static const char *const top_keys[] = {"listeners", "description", NULL};
static const char *const common_keys[] = {"type", "port", "bind", "description", NULL};
static const char *const tcp_extra[] = {"type",     "port",   "bind", "description",
                                        "schedule", "repeat", NULL};
static const char *const http_keys[] = {"routes", "cert", "key", NULL};
static const char *const route_extra[] = {"schedule", "repeat", NULL};
static const char *const phase_extra[] = {"after", NULL};
static const char *const type_names[] = {"tcp", "http", "https", "control", NULL};

/* A name usable in the control path and the ports file. */
static bool name_ok(const char *s)
{
    if (!*s || strcmp(s, "stats") == 0)
        return false;
    for (; *s; s++)
        if (!strchr("-_.", *s) && !(*s >= '0' && *s <= '9') && !(*s >= 'a' && *s <= 'z') &&
            !(*s >= 'A' && *s <= 'Z'))
            return false;
    return true;
}

static bool path_ok(const char *s)
{
    if (s[0] != '/')
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '?' || *s == '#' || *s == 0x7f)
            return false;
    return true;
}

/* Reads a PEM file named at `node`, relative to `dir`. Caller frees *out. */
static int read_pem(const struct gw_cfg *node, const char *dir, char **out)
{
    const char *name = gw_cfg_scalar(node);
    if (!name || !*name) {
        gw_cfg_error(node, "expected the path of a PEM file, found %s",
                     name ? "an empty string" : gw_cfg_kind_name(node));
        return -EINVAL;
    }
    char *path = name[0] == '/' ? gw_xstrdup(name) : gw_xasprintf("%s/%s", dir, name);
    int rc = 0;
    char *buf = NULL;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        rc = -errno;
        gw_cfg_error(node,
                     "cannot read \"%s\": %s (make certificates with make-certs.sh DIR, or "
                     "give --cert-dir DIR --make-certs)",
                     path, strerror(errno));
        goto out;
    }
    rc = gw_fsutil_read_fd(fd, PEM_MAX, &buf, &got);
    if (rc < 0) {
        gw_cfg_error(node, "cannot read \"%s\": %s", path, strerror(-rc));
        goto out;
    }
    if (!strstr(buf, "-----BEGIN ")) {
        rc = -EINVAL;
        gw_cfg_error(node, "\"%s\" is not a PEM file", path);
        goto out;
    }
    *out = gw_xstrdup(buf);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    free(path);
    return rc;
}

/* Reads `schedule:` and `repeat:` of `map` into the slot. */
static int parse_schedule(struct sim_slot *slot, const struct gw_cfg *map,
                          const struct sim_behav_ctx *ctx)
{
    const struct gw_cfg *sched = gw_cfg_child(map, "schedule");
    const struct gw_cfg *repeat = gw_cfg_child(map, "repeat");
    int rc = 0;
    if (!sched) {
        if (repeat) {
            gw_cfg_error(repeat, "repeat without a schedule (expected a schedule: list of phases)");
            return -EINVAL;
        }
        return 0;
    }
    if (sched->kind != GW_CFG_KIND_SEQ) {
        gw_cfg_error(sched, "expected a list of phases like {after: 30s, status: 503}, found %s",
                     gw_cfg_kind_name(sched));
        return -EINVAL;
    }
    struct sim_behav_ctx pctx = *ctx;
    pctx.base = slot->base;
    const struct gw_cfg *last_after = NULL;
    uint64_t last_ms = 0;
    for (uint32_t i = 0; i < sched->n; i++) {
        const struct gw_cfg *item = sched->items[i];
        struct sim_behav *over = sim_behav_parse(item, &pctx, phase_extra);
        const struct gw_cfg *after = gw_cfg_child(item, "after");
        uint64_t after_ms = 0;
        if (item->kind == GW_CFG_KIND_MAP && !after) {
            gw_cfg_error(item, "missing required key \"after\" (when the phase begins, like 30s)");
            rc = -EINVAL;
        } else if (after && gw_cfg_node_duration_ms(after, &after_ms) < 0) {
            rc = -EINVAL;
        } else if (after && last_after && after_ms <= last_ms) {
            gw_cfg_error(after,
                         "phases must be in time order: this one begins at or before the "
                         "one at line %u",
                         last_after->line);
            rc = -EINVAL;
        }
        if (after) {
            last_after = after;
            last_ms = after_ms;
        }
        if (!over) {
            rc = -EINVAL;
            continue;
        }
        sim_slot_add_phase(slot, after_ms, sim_behav_merge(slot->base, over));
        sim_behav_unref(over);
    }
    if (repeat) {
        uint64_t ms = 0;
        if (gw_cfg_node_duration_ms(repeat, &ms) < 0) {
            rc = -EINVAL;
        } else if (ms <= last_ms) {
            gw_cfg_error(repeat, "repeat must be longer than the last phase's start");
            rc = -EINVAL;
        }
        slot->repeat_ms = ms;
    }
    return rc;
}

static char *slot_name(const char *listener, const char *path)
{
    return path ? gw_xasprintf("%s %s", listener, path) : gw_xstrdup(listener);
}

static int parse_routes(struct sim_listener *l, const struct gw_cfg *routes,
                        const struct sim_behav_ctx *ctx)
{
    if (!routes)
        return 0;
    if (routes->kind != GW_CFG_KIND_MAP) {
        gw_cfg_error(routes, "expected a mapping of paths to behaviours, found %s",
                     gw_cfg_kind_name(routes));
        return -EINVAL;
    }
    int rc = 0;
    for (uint32_t i = 0; i < routes->n; i++) {
        const struct gw_cfg *key = routes->keys[i];
        const char *path = key->text ? key->text : "";
        if (!path_ok(path)) {
            gw_cfg_error(key,
                         "\"%s\" is not a route path (expected one starting with /, "
                         "without spaces or a query)",
                         path);
            rc = -EINVAL;
            continue;
        }
        if (sim_find_route(l, path)) {
            gw_cfg_error(key, "route \"%s\" is given twice", path);
            rc = -EINVAL;
            continue;
        }
        const struct gw_cfg *value = routes->items[i];
        struct sim_behav *base = NULL;
        if (value->kind == GW_CFG_KIND_NULL) {
            base = gw_xcalloc(1, sizeof(*base));
            base->refs = 1;
        } else {
            base = sim_behav_parse(value, ctx, route_extra);
        }
        if (!base) {
            rc = -EINVAL;
            continue;
        }
        char *name = slot_name(l->name, path);
        struct sim_slot *slot = sim_slot_new(name, ctx->kind, base);
        free(name);
        l->routes = gw_xreallocarray(l->routes, l->n_routes + 1, sizeof(*l->routes));
        l->routes[l->n_routes++] = (struct sim_route){gw_xstrdup(path), slot};
        if (parse_schedule(slot, value, ctx) < 0)
            rc = -EINVAL;
    }
    return rc;
}

/* Reads one listener; returns it (also when some of it was wrong) or NULL. */
static struct sim_listener *parse_listener(const struct gw_cfg *key, const struct gw_cfg *map,
                                           const char *dir, const char *cert_dir, int *rc)
{
    const char *name = key->text ? key->text : "";
    if (!name_ok(name)) {
        gw_cfg_error(key,
                     "\"%s\" is not a listener name (expected letters, digits, '-', '_' or "
                     "'.', and not \"stats\")",
                     name);
        *rc = -EINVAL;
    }
    if (map->kind != GW_CFG_KIND_MAP) {
        gw_cfg_error(map, "expected a mapping with at least \"type\", found %s",
                     gw_cfg_kind_name(map));
        *rc = -EINVAL;
        return NULL;
    }
    const struct gw_cfg *type = gw_cfg_child(map, "type");
    const char *t = gw_cfg_scalar(type);
    int ti = t ? -1 : -2;
    for (int i = 0; t && type_names[i]; i++)
        if (strcmp(type_names[i], t) == 0)
            ti = i;
    if (ti == -2) {
        gw_cfg_error(type ? type : map, "%s \"type\" (tcp, http, https or control)",
                     type ? "expected a word for" : "missing required key");
        *rc = -EINVAL;
        return NULL;
    }
    if (ti < 0) {
        gw_cfg_error(type, "unknown listener type \"%s\" (expected tcp, http, https or control)",
                     t);
        *rc = -EINVAL;
        return NULL;
    }
    struct sim_listener *l = gw_xcalloc(1, sizeof(*l));
    l->name = gw_xstrdup(name);
    l->type = (enum sim_listener_type)ti;
    if (l->type == SIM_LISTENER_HTTPS && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
        gw_cfg_error(type, "this libmicrohttpd was built without TLS");
        *rc = -EINVAL;
    }

    int64_t port = 0;
    if (gw_cfg_get_int(map, "port", 0, 65535, &port) < 0)
        *rc = -EINVAL;
    l->port = (uint16_t)port;
    const struct gw_cfg *bind = gw_cfg_child(map, "bind");
    if (bind && (!gw_cfg_scalar(bind) || strcmp(gw_cfg_scalar(bind), "127.0.0.1") != 0)) {
        gw_cfg_error(bind, "the simulator listens on 127.0.0.1 only (found \"%s\")",
                     gw_cfg_scalar(bind) ? gw_cfg_scalar(bind) : gw_cfg_kind_name(bind));
        *rc = -EINVAL;
    }

    struct sim_behav_ctx ctx = {.kind = sim_listener_kind(l), .dir = dir};
    switch (l->type) {
    case SIM_LISTENER_TCP: {
        struct sim_behav *base = sim_behav_parse(map, &ctx, tcp_extra);
        if (!base) {
            *rc = -EINVAL;
            break;
        }
        l->slot = sim_slot_new(name, SIM_BEHAV_TCP, base);
        if (parse_schedule(l->slot, map, &ctx) < 0)
            *rc = -EINVAL;
        break;
    }
    case SIM_LISTENER_HTTP:
    case SIM_LISTENER_HTTPS: {
        if (!sim_behav_check_keys(map, common_keys, http_keys))
            *rc = -EINVAL;
        if (parse_routes(l, gw_cfg_child(map, "routes"), &ctx) < 0)
            *rc = -EINVAL;
        const struct gw_cfg *cert = gw_cfg_child(map, "cert");
        const struct gw_cfg *keyf = gw_cfg_child(map, "key");
        const char *from = cert_dir ? cert_dir : dir;
        if (l->type == SIM_LISTENER_HTTP) {
            if (cert || keyf) {
                gw_cfg_error(cert ? cert : keyf,
                             "cert and key are for https listeners (this one is http)");
                *rc = -EINVAL;
            }
        } else if (!cert || !keyf) {
            gw_cfg_error(map,
                         "missing required key \"%s\" (an https listener needs a PEM "
                         "certificate and key)",
                         cert ? "key" : "cert");
            *rc = -EINVAL;
        } else if (read_pem(cert, from, &l->cert_pem) < 0 ||
                   read_pem(keyf, from, &l->key_pem) < 0) {
            *rc = -EINVAL;
        }
        break;
    }
    case SIM_LISTENER_CONTROL:
        if (!sim_behav_check_keys(map, common_keys, NULL))
            *rc = -EINVAL;
        break;
    }
    return l;
}

int sim_scenario_load(struct sim *sim, struct gw_cfg_doc *doc, const char *path,
                      const char *cert_dir)
{
    struct gw_cfg *root = NULL;
    if (gw_cfg_load_file(doc, path, &root) < 0)
        return -EINVAL;
    char *real = realpath(path, NULL);
    char *copy = gw_xstrdup(real ? real : path);
    sim->dir = gw_xstrdup(dirname(copy));
    free(copy);
    free(real);

    if (root->kind != GW_CFG_KIND_MAP) {
        gw_cfg_error(root, "expected a mapping with \"listeners\", found %s",
                     gw_cfg_kind_name(root));
        return -EINVAL;
    }
    int rc = sim_behav_check_keys(root, top_keys, NULL) ? 0 : -EINVAL;
    const struct gw_cfg *listeners = gw_cfg_child(root, "listeners");
    if (!listeners || listeners->kind != GW_CFG_KIND_MAP || listeners->n == 0) {
        gw_cfg_error(listeners ? listeners : root,
                     "%s \"listeners\" (a mapping of names to listeners, at least one)",
                     listeners ? "expected a non-empty mapping for" : "missing required key");
        return -EINVAL;
    }
    const struct gw_cfg *control = NULL;
    for (uint32_t i = 0; i < listeners->n; i++) {
        const struct gw_cfg *key = listeners->keys[i];
        if (key->text && sim_find_listener(sim, key->text)) {
            gw_cfg_error(key, "listener \"%s\" is given twice", key->text);
            rc = -EINVAL;
            continue;
        }
        struct sim_listener *l = parse_listener(key, listeners->items[i], sim->dir, cert_dir, &rc);
        if (!l)
            continue;
        sim_add_listener(sim, l);
        if (l->type == SIM_LISTENER_CONTROL) {
            if (control) {
                gw_cfg_error(key, "a second control listener (the one at line %u is enough)",
                             control->line);
                rc = -EINVAL;
            }
            control = key;
        }
        for (size_t j = 0; l->port && j + 1 < sim->n_listeners; j++) {
            if (sim->listeners[j]->port == l->port) {
                gw_cfg_error(gw_cfg_child(listeners->items[i], "port"),
                             "port %u is also listener \"%s\"'s", l->port, sim->listeners[j]->name);
                rc = -EINVAL;
            }
        }
    }
    return rc;
}
