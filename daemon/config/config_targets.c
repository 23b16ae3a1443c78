#include "config/config_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/strmap.h"
#include "util/suggest.h"
#include "util/units.h"
#include "util/xalloc.h"

/* ---- ids ---------------------------------------------------------------------------- */

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

/*
 * retry_interval (a fifth of the interval, at least 1s, at most the
 * interval), flap_start and flap_stop (stop below start).
 */
static bool check_alerting(const struct gw_cfg *map, const struct gw_cfg *own, const char *where,
                           uint64_t interval, uint64_t *retry_out, double *start_out,
                           double *stop_out)
{
    uint64_t retry = interval / 5;
    if (retry < GW_MIN_INTERVAL_MS)
        retry = GW_MIN_INTERVAL_MS;
    double start = GW_DEFAULT_FLAP_START, stop = GW_DEFAULT_FLAP_STOP;
    bool ok = gw_cfg_get_duration_ms(map, "retry_interval", &retry) == 0;
    ok = gw_cfg_get_percent(map, "flap_start", &start) == 0 && ok;
    ok = gw_cfg_get_percent(map, "flap_stop", &stop) == 0 && ok;
    const struct gw_cfg *rn = gw_cfg_child(map, "retry_interval");
    const struct gw_cfg *sn = gw_cfg_child(map, "flap_stop");
    char r[32];
    gw_units_format_duration(retry, r, sizeof(r));
    if (ok && rn && retry < GW_MIN_INTERVAL_MS) {
        gw_cfg_error(rn, "%sretry_interval %s is shorter than 1s (expected 1s or more)",
                     gw_cfg_child(own, "retry_interval") ? where : "defaults: ", r);
        ok = false;
    }
    if (retry > interval)
        retry = interval; /* a retry is never later than the next check */
    if (ok && start > 0 && stop >= start) {
        const struct gw_cfg *at = sn ? sn : gw_cfg_child(map, "flap_start");
        bool own_key = gw_cfg_child(own, sn ? "flap_stop" : "flap_start") != NULL;
        gw_cfg_error(at,
                     "%sflap_stop %.0f%% is not below flap_start %.0f%% (expected a lower "
                     "percentage, such as 25%%)",
                     own_key ? where : "defaults: ", stop * 100, start * 100);
        ok = false;
    }
    *retry_out = retry;
    *start_out = start;
    *stop_out = stop;
    return ok;
}

/* Keys a `defaults:` section may hold: common target keys (but not id or
 * check) and any key some check type declares. */
void gw_config_targets_validate_defaults(struct config_builder *b, const struct gw_cfg *defaults)
{
    const char **names;
    size_t n_types = gw_plugins_check_names(b->plugins, &names);
    size_t n_lists = 1 + n_types;
    const struct gw_cfg_key **lists = gw_xcalloc(n_lists, sizeof(*lists));
    lists[0] = gw_config_keys_target;
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
        const struct gw_cfg_key *k = gw_config_keys_find(lists, n_lists, key->text);
        if (!k) {
            gw_config_keys_report_unknown(key, lists, n_lists, "defaults: ");
            continue;
        }
        /* Common keys are checked once here; a plugin's keys are checked by
         * each target of that plugin, where they apply. */
        if (gw_config_keys_find(lists, 1, key->text))
            gw_cfg_check_key(defaults->items[i], k);
    }
    free(lists);
    uint64_t interval, timeout;
    check_timing(defaults, defaults, "defaults: ",
                 gw_cfg_child(defaults, "interval") && gw_cfg_child(defaults, "timeout"), &interval,
                 &timeout);
    uint64_t retry;
    double start, stop;
    check_alerting(defaults, defaults, "defaults: ", interval, &retry, &start, &stop);
}

/* The target's settings with the defaults it does not override and that
 * apply to its check type; the target's own pairs come first. */
static const struct gw_cfg *effective_target(struct config_builder *b, const struct gw_cfg *target,
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
    const struct gw_cfg_key *common[] = {gw_config_keys_target};
    for (uint32_t i = 0; i < defaults->n; i++) {
        const char *k = defaults->keys[i]->text;
        if (!k || gw_cfg_key_node(defaults, k) != defaults->keys[i] || gw_cfg_child(target, k))
            continue;
        if (strcmp(k, "id") == 0 || strcmp(k, "check") == 0)
            continue;
        bool applies =
            gw_config_keys_find(common, 1, k) || (type && gw_config_keys_find(&type->keys, 1, k));
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
/* ---- targets and councils ------------------------------------------------------------ */

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
        struct gw_strbuf avail = {0};
        gw_strbuf_join(&avail, names, n, ", ");
        gw_cfg_error(node, "%sno plugin provides %s type \"%s\" (available: %s)", where, what, name,
                     n ? gw_strbuf_str(&avail) : "none; is the plugin directory right?");
        gw_strbuf_reset(&avail);
    }
}

/* Remembers a target entry's full id; reports it when it was declared already. */
static bool declare_target(struct config_builder *b, const char *council,
                           const struct gw_cfg *id_node)
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

/*
 * The item keys a feed type declares (GW_ITEM_CFG_KEYS), which the daemon
 * reads itself. Types that do not declare them never see them: the generic
 * validation has refused them already.
 */
static bool read_item_keys(const struct gw_cfg *eff, struct gw_target_conf *t)
{
    double min_up = 0;
    bool track = false;
    int64_t max_items = GW_DEFAULT_TRACKED_ITEMS;
    bool ok = gw_cfg_get_percent(eff, "min_up", &min_up) == 0;
    ok = gw_cfg_get_bool(eff, "track_items", &track) == 0 && ok;
    ok = gw_cfg_get_int(eff, "max_tracked_items", 1, 1000000, &max_items) == 0 && ok;
    t->min_up = min_up;
    t->track_items = track;
    t->max_tracked_items = (uint32_t)max_items;
    return ok;
}

static void build_target(struct config_builder *b, size_t council_index, const struct gw_cfg *node)
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
    const struct gw_cfg_key *lists[] = {gw_config_keys_target, type ? type->keys : NULL};
    bool values_ok;
    bool ok = gw_config_keys_validate(eff, lists, 2, where, node->n, !type, &values_ok) && type;
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
    struct gw_target_conf items = {0};
    if (!read_item_keys(eff, &items))
        ok = false;
    uint64_t retry = 0;
    double flap_start = 0, flap_stop = 0;
    if (!check_alerting(eff, node, where, interval, &retry, &flap_start, &flap_stop))
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
    t->title = gw_config_opt_string(eff, "name");
    t->title_cy = gw_config_opt_string(eff, "name_cy");
    t->category = gw_config_opt_string(eff, "category");
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
    /* Its own, else its council's (which has fallen back on defaults already). */
    if (gw_cfg_get_percent(node, "sla", &t->sla) < 0 || !gw_cfg_child(node, "sla"))
        t->sla = c->councils[council_index].sla;
    t->min_up = items.min_up;
    t->track_items = items.track_items;
    t->max_tracked_items = items.max_tracked_items;
    t->retry_interval_ms = retry;
    t->flap_start = flap_start;
    t->flap_stop = flap_stop;
    t->fingerprint = gw_config_fingerprint_target(t, eff);
}

static bool has_details(const struct gw_cfg *council)
{
    return gw_cfg_child(council, "name") || gw_cfg_child(council, "name_cy") ||
           gw_cfg_child(council, "sla");
}

/* A council's SLA: its own, else that of defaults, else none (NAN). */
static double council_sla(const struct config_builder *b, const struct gw_cfg *node)
{
    double v;
    if (gw_cfg_child(node, "sla") && gw_cfg_get_percent(node, "sla", &v) == 0)
        return v;
    if (b->defaults && gw_cfg_child(b->defaults, "sla") &&
        gw_cfg_get_percent(b->defaults, "sla", &v) == 0)
        return v;
    return NAN;
}

/* Councils may be declared once with their details and extended elsewhere
 * (an include) by an entry holding only id and targets. */
void gw_config_targets_build_councils(struct config_builder *b)
{
    struct gw_config *c = b->config;
    const struct gw_cfg_key *lists[] = {gw_config_keys_council};
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
        gw_config_keys_validate(node, lists, 1, where, node->kind == GW_CFG_KIND_MAP ? node->n : 0,
                                false, NULL);
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
                c->councils[k].name = gw_config_opt_string(node, "name");
                c->councils[k].name_cy = gw_config_opt_string(node, "name_cy");
                c->councils[k].sla = council_sla(b, node);
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
                .name = gw_config_opt_string(node, "name"),
                .name_cy = gw_config_opt_string(node, "name_cy"),
                .sla = council_sla(b, node),
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

void gw_config_targets_build_notifiers(struct config_builder *b)
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
        const struct gw_cfg_key *lists[] = {gw_config_keys_notifier, type ? type->keys : NULL};
        bool values_ok;
        bool ok = gw_config_keys_validate(node, lists, 2, where,
                                          node->kind == GW_CFG_KIND_MAP ? node->n : 0, !type,
                                          &values_ok) &&
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
        struct gw_notifier_conf common = {0};
        if (values_ok && !gw_config_notifier_common(node, where, &common))
            ok = false;
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
            common.id = gw_xstrdup(id);
            common.type = type;
            common.plugin_conf = conf;
            c->notifiers[c->n_notifiers++] = common;
        }
        free(where);
    }
}

/* ---- cross references ------------------------------------------------------------------- */

/* The node of `key` of a target, or of the default it inherited. */
static const struct gw_cfg *target_or_default(struct config_builder *b, const struct gw_cfg *node,
                                              const char *key)
{
    const struct gw_cfg *v = gw_cfg_child(node, key);
    return v ? v : gw_cfg_child(b->defaults, key);
}

static void check_reference(struct config_builder *b, const struct gw_target_conf *t,
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

void gw_config_targets_check_references(struct config_builder *b)
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
        struct gw_strbuf path = {0};
        gw_strbuf_append(&path, start->id);
        t = start;
        for (size_t s = 0; s < steps; s++) {
            t = gw_config_find_target(c, t->depends_on);
            gw_strbuf_printf(&path, " -> %s", t->id);
        }
        gw_cfg_error(target_or_default(b, b->target_nodes[i], "depends_on"),
                     "target %s: depends_on forms a cycle (%s; expected a chain that ends)",
                     start->id, path.s);
        gw_strbuf_reset(&path);
    }
}
