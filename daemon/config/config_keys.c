#include "config/config_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/suggest.h"
#include "util/xalloc.h"

/*
 * The schemas of the core's own sections, and the generic check of a
 * mapping's keys against them.
 *
 * Adding a key:
 *   - to the daemon section: a row in gw_config_keys_daemon, read in
 *     build_daemon (config.c) into struct gw_daemon_conf (config.h);
 *   - to every target: a row in gw_config_keys_target, read in build_target
 *     (config_targets.c) from the effective settings (defaults applied) into
 *     struct gw_target_conf, and hashed in gw_config_fingerprint_target
 *     (config_fingerprint.c) so that a reload sees it change;
 *   - to every notifier: a row in gw_config_keys_notifier, read in
 *     gw_config_notifier_common (config_notifiers.c) into struct
 *     gw_notifier_conf;
 *   - to one check or notifier type only: not here, but in the key table of
 *     its plugin (plugins/<name>.c), which the plugin reads in configure();
 *   - a new top-level section: a row in gw_config_keys_top (and in
 *     gw_config_keys_include_top when included files may hold it, else in
 *     gw_config_keys_main_only), and a step in build() (config.c).
 * Free what the new field owns in gw_config_unref (config.c), and describe
 * the key in docs/configuration.md. The help text of a row is what an error
 * about a missing key prints.
 */

/* ---- schemas ---------------------------------------------------------------- */

const struct gw_cfg_key gw_config_keys_daemon[] = {
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
    {"web_token_file", GW_CFG_FILE, 0, NULL,
     "secret file holding the bearer token the web server asks for"},
    {"web_users_file", GW_CFG_FILE, 0, NULL,
     "secret file of user:password lines (clear or crypt hashes) for the web server"},
    {"web_refresh", GW_CFG_DURATION, 0, NULL, "pages reload themselves this often; 0s: never"},
    {"web_url", GW_CFG_STRING, 0, NULL,
     "where people reach the status pages (https://...); notifications link to them"},
    {"notify", GW_CFG_LIST, 0, NULL, "notifier ids told of the monitor's own problems"},
    {"events_max_size", GW_CFG_SIZE, 0, NULL, "size at which events.jsonl is rotated"},
    {"events_keep", GW_CFG_DURATION, 0, NULL, "how long rotated event logs are kept"},
    {"lateness_limit", GW_CFG_DURATION, 0, NULL,
     "scheduling lateness (p99) beyond which the monitor reports a problem"},
    {NULL, 0, 0, NULL, NULL},
};

/* Keys every target has, whatever its check type; all may come from defaults:
 * except id and check. */
const struct gw_cfg_key gw_config_keys_target[] = {
    {"id", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "the target's id within its council"},
    {"check", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "the check type (plugin)"},
    {"name", GW_CFG_STRING, 0, NULL, "display name"},
    {"name_cy", GW_CFG_STRING, 0, NULL, "display name in Welsh"},
    {"description", GW_CFG_STRING, 0, NULL, "free text"},
    {"category", GW_CFG_STRING, 0, NULL, "digital-services, democracy, connectivity, ..."},
    {"interval", GW_CFG_DURATION, 0, NULL, "time between checks"},
    {"timeout", GW_CFG_DURATION, 0, NULL, "time a check may take"},
    {"failure_threshold", GW_CFG_INT, 0, NULL, "consecutive failures before DOWN"},
    {"success_threshold", GW_CFG_INT, 0, NULL, "consecutive successes before UP"},
    {"retry_interval", GW_CFG_DURATION, 0, NULL,
     "time between checks while a change of state is confirmed"},
    {"flap_start", GW_CFG_PERCENT, 0, NULL, "state change that starts flapping; 0% turns it off"},
    {"flap_stop", GW_CFG_PERCENT, 0, NULL, "state change below which flapping stops"},
    {"notify", GW_CFG_LIST, 0, NULL, "notifier ids"},
    {"depends_on", GW_CFG_STRING, 0, NULL, "parent target id"},
    {"language", GW_CFG_STRING, 0, NULL, "en or cy"},
    {"parity_with", GW_CFG_STRING, 0, NULL, "target in the other language"},
    {"sla", GW_CFG_PERCENT, 0, NULL, "availability reports hold it to, e.g. 99.9%"},
    {NULL, 0, 0, NULL, NULL},
};

const struct gw_cfg_key gw_config_keys_council[] = {
    {"id", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "council id"},
    {"name", GW_CFG_STRING, 0, NULL, "English name"},
    {"name_cy", GW_CFG_STRING, 0, NULL, "Welsh name"},
    {"sla", GW_CFG_PERCENT, 0, NULL, "availability reports hold its targets to, e.g. 99.9%"},
    {"targets", GW_CFG_SEQ, 0, NULL, "what is monitored"},
    {NULL, 0, 0, NULL, NULL},
};

const struct gw_cfg_key gw_config_keys_notifier[] = {
    {"id", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "notifier id"},
    {"type", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "notifier type (plugin)"},
    {"language", GW_CFG_STRING, 0, NULL, "en, cy or both (Welsh first)"},
    {"group_wait", GW_CFG_DURATION, 0, NULL, "how long changes are gathered into one message"},
    {"group_by", GW_CFG_STRING, 0, NULL, "council: one message per council; none: one in all"},
    {"re_notify", GW_CFG_DURATION, 0, NULL, "how often a problem that holds is told again"},
    {"send_recovery", GW_CFG_BOOL, 0, NULL, "tell when a target is up again"},
    {"min_state", GW_CFG_STRING, 0, NULL, "degraded or down: the least state told"},
    {"timeout", GW_CFG_DURATION, 0, NULL, "the longest one delivery may take"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct gw_cfg_key weekly_keys[] = {
    {"day", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "mon, tue, ..."},
    {"from", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "HH:MM, Europe/London"},
    {"to", GW_CFG_STRING, GW_CFG_REQUIRED, NULL, "HH:MM, Europe/London"},
    {NULL, 0, 0, NULL, NULL},
};

const struct gw_cfg_key gw_config_keys_maintenance[] = {
    {"targets", GW_CFG_LIST, GW_CFG_REQUIRED, NULL, "council/target patterns"},
    {"from", GW_CFG_STRING, 0, NULL, "start, RFC 3339"},
    {"to", GW_CFG_STRING, 0, NULL, "end, RFC 3339"},
    {"weekly", GW_CFG_MAP, 0, weekly_keys, "a weekly window"},
    {"reason", GW_CFG_STRING, 0, NULL, "why"},
    {NULL, 0, 0, NULL, NULL},
};

const struct gw_cfg_key gw_config_keys_top[] = {
    {"daemon", GW_CFG_MAP, 0, gw_config_keys_daemon, NULL},
    {"defaults", GW_CFG_MAP, 0, NULL, NULL},
    {"councils", GW_CFG_SEQ, 0, NULL, NULL},
    {"notifiers", GW_CFG_SEQ, 0, NULL, NULL},
    {"maintenance", GW_CFG_SEQ, 0, NULL, NULL},
    {"include", GW_CFG_LIST, 0, NULL, NULL},
    {NULL, 0, 0, NULL, NULL},
};

const struct gw_cfg_key gw_config_keys_include_top[] = {
    {"councils", GW_CFG_SEQ, 0, NULL, NULL},
    {"notifiers", GW_CFG_SEQ, 0, NULL, NULL},
    {"maintenance", GW_CFG_SEQ, 0, NULL, NULL},
    {NULL, 0, 0, NULL, NULL},
};

const char *const gw_config_keys_main_only[] = {"daemon", "defaults", "include", NULL};

/* ---- generic key validation ----------------------------------------------------- */

const struct gw_cfg_key *gw_config_keys_find(const struct gw_cfg_key *const *lists, size_t n_lists,
                                             const char *name)
{
    for (size_t l = 0; l < n_lists; l++)
        for (const struct gw_cfg_key *k = lists[l]; k && k->name; k++)
            if (strcmp(k->name, name) == 0)
                return k;
    return NULL;
}

void gw_config_keys_report_unknown(const struct gw_cfg *key_node,
                                   const struct gw_cfg_key *const *lists, size_t n_lists,
                                   const char *where)
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
        struct gw_strbuf expected = {0};
        gw_strbuf_join(&expected, names, n, ", ");
        gw_cfg_error(key_node, "%sunknown key \"%s\" (expected one of: %s)", where, key_node->text,
                     n ? gw_strbuf_str(&expected) : "no keys");
        gw_strbuf_reset(&expected);
    }
    free(names);
}

static void report_missing(const struct gw_cfg *map, const char *where, const struct gw_cfg_key *k)
{
    gw_cfg_error(map, "%smissing required key \"%s\" (expected %s%s%s)", where, k->name,
                 gw_cfg_type_expect(k->type), k->help ? ": " : "", k->help ? k->help : "");
}

bool gw_config_keys_validate(const struct gw_cfg *map, const struct gw_cfg_key *const *lists,
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
        const struct gw_cfg_key *k = gw_config_keys_find(lists, n_lists, key->text);
        if (!k) {
            if (!known_only) {
                gw_config_keys_report_unknown(key, lists, n_lists, w);
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
            if (!gw_config_keys_validate(value, sub, 1, sub_where, value->n, false, &sub_values))
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
