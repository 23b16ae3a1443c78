#include "control.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/cfg_load.h"
#include "tcp.h"
#include "util/log.h"
#include "util/xalloc.h"

#define PREFIX "/control/"

static void reply_json(struct sim_control_reply *reply, unsigned status, json_t *doc)
{
    reply->status = status;
    reply->body = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!reply->body)
        abort();
    json_decref(doc);
}

static void reply_error(struct sim_control_reply *reply, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_error(struct sim_control_reply *reply, unsigned status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    json_t *doc = json_object();
    json_object_set_new(doc, "error", json_string(msg));
    free(msg);
    reply_json(reply, status, doc);
}

void sim_control_reply_clear(struct sim_control_reply *reply)
{
    free(reply->body);
    reply->body = NULL;
}

static json_t *slot_json(const struct sim_slot *s)
{
    json_t *o = json_object();
    char *what = sim_behav_describe(s->current, s->kind);
    json_object_set_new(o, "behaviour", json_string(what));
    free(what);
    json_object_set_new(o, "phase", json_integer(s->phase));
    json_object_set_new(o, "controlled", json_boolean(s->control != NULL));
    return o;
}

static void stats(struct sim *sim, struct sim_control_reply *reply)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "uptime_ms",
                        json_integer((json_int_t)(uv_now(sim->loop) - sim->start_ms)));
    json_t *all = json_object();
    for (size_t i = 0; i < sim->n_listeners; i++) {
        const struct sim_listener *l = sim->listeners[i];
        json_t *o = l->slot ? slot_json(l->slot) : json_object();
        json_object_set_new(o, "type", json_string(sim_listener_type_name(l->type)));
        json_object_set_new(o, "port", json_integer(l->port));
        json_object_set_new(o, "connections", json_integer((json_int_t)l->connections));
        if (l->type != SIM_LISTENER_TCP)
            json_object_set_new(o, "requests", json_integer((json_int_t)l->requests));
        if (l->n_routes) {
            json_t *routes = json_object();
            for (size_t r = 0; r < l->n_routes; r++) {
                json_t *ro = slot_json(l->routes[r].slot);
                json_object_set_new(ro, "requests",
                                    json_integer((json_int_t)l->routes[r].slot->count));
                json_object_set_new(routes, l->routes[r].path, ro);
            }
            json_object_set_new(o, "routes", routes);
        }
        json_object_set_new(all, l->name, o);
    }
    json_object_set_new(doc, "listeners", all);
    reply_json(reply, 200, doc);
}

static void stats_reset(struct sim *sim)
{
    for (size_t i = 0; i < sim->n_listeners; i++) {
        struct sim_listener *l = sim->listeners[i];
        l->connections = l->requests = 0;
        if (l->slot)
            l->slot->count = 0;
        for (size_t r = 0; r < l->n_routes; r++)
            l->routes[r].slot->count = 0;
    }
}

/* Parses a JSON body of overrides onto the slot's base. NULL with *reply set on error. */
static struct sim_behav *parse_override(struct sim *sim, const struct sim_listener *l,
                                        const struct sim_slot *slot, const char *body, size_t len,
                                        struct sim_control_reply *reply)
{
    struct gw_cfg_doc *doc = gw_cfg_doc_new();
    struct gw_cfg *root = NULL;
    struct sim_behav *over = NULL;
    if (!body || !len) {
        reply_error(reply, 400, "expected a JSON object of overrides in the body");
        goto out;
    }
    if (gw_cfg_load_string(doc, "request.json", body, len, &root) == 0) {
        struct sim_behav_ctx ctx = {
            .kind = sim_listener_kind(l), .dir = sim->dir, .base = slot->base};
        over = sim_behav_parse(root, &ctx, NULL);
    }
    if (!over || doc->diag->errors) {
        sim_behav_unref(over);
        over = NULL;
        gw_diag_sort(doc->diag);
        json_t *errors = json_array();
        for (size_t i = 0; i < doc->diag->n; i++) {
            char *line = gw_diag_format(doc->diag, i);
            json_array_append_new(errors, json_string(line));
            free(line);
        }
        json_t *o = json_object();
        json_object_set_new(o, "error", json_string("bad overrides"));
        json_object_set_new(o, "errors", errors);
        reply_json(reply, 400, o);
    }
out:
    gw_cfg_doc_free(doc);
    return over;
}

void sim_control_handle(struct sim *sim, const char *method, const char *url, const char *body,
                        size_t len, struct sim_control_reply *reply)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
    bool del = strcmp(method, "DELETE") == 0;
    if (strncmp(url, PREFIX, strlen(PREFIX)) != 0) {
        reply_error(reply, 404,
                    "not a control path (expected /control/stats or "
                    "/control/<listener>[/<route>])");
        return;
    }
    const char *rest = url + strlen(PREFIX);
    if (strcmp(rest, "stats") == 0) {
        if (get) {
            stats(sim, reply);
        } else if (del) {
            stats_reset(sim);
            reply_json(reply, 200, json_pack("{s:b}", "ok", 1));
        } else {
            reply_error(reply, 405, "use GET or DELETE on /control/stats");
        }
        return;
    }
    const char *slash = strchr(rest, '/');
    char *name = slash ? gw_xstrndup(rest, (size_t)(slash - rest)) : gw_xstrdup(rest);
    struct sim_listener *l = sim_find_listener(sim, name);
    struct sim_slot *slot = NULL;
    const char *route = slash;
    if (!l) {
        reply_error(reply, 404, "no listener \"%s\"", name);
    } else if (l->type == SIM_LISTENER_CONTROL) {
        reply_error(reply, 400, "the control listener has no behaviour");
    } else if (l->type == SIM_LISTENER_TCP && route) {
        reply_error(reply, 404, "listener \"%s\" is tcp and has no routes", name);
    } else if (l->type != SIM_LISTENER_TCP && !route) {
        reply_error(reply, 400, "name a route: /control/%s/<path>", name);
    } else if (route && !sim_find_route(l, route)) {
        reply_error(reply, 404, "listener \"%s\" has no route \"%s\"", name, route);
    } else {
        slot = route ? sim_find_route(l, route)->slot : l->slot;
    }
    if (!slot || !(get || post || del)) {
        if (slot)
            reply_error(reply, 405, "use GET, POST or DELETE");
        free(name);
        return;
    }
    if (post || del) {
        struct sim_behav *merged = NULL;
        if (post) {
            struct sim_behav *over = parse_override(sim, l, slot, body, len, reply);
            if (!over) {
                free(name);
                return;
            }
            merged = sim_behav_merge(slot->base, over);
            sim_behav_unref(over);
        }
        bool changed = sim_slot_set_control(slot, merged);
        char *what = sim_behav_describe(slot->current, slot->kind);
        sim_log(GW_LOG_INFO, "%s: now %s (%s)", slot->name, what,
                post ? "control" : "schedule again");
        free(what);
        if (changed && l->type == SIM_LISTENER_TCP)
            sim_tcp_apply(l);
    }
    json_t *o = slot_json(slot);
    json_object_set_new(o, "listener", json_string(name));
    if (route)
        json_object_set_new(o, "route", json_string(route));
    reply_json(reply, 200, o);
    free(name);
}
