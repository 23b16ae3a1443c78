#include "config/config_internal.h"

#include <string.h>

/*
 * What every notifier has whatever its type (language, grouping,
 * re-notification, recovery, least state, delivery timeout), and the
 * notifiers the daemon tells of its own problems (daemon.notify).
 */

bool gw_config_notifier_common(const struct gw_cfg *node, const char *where,
                               struct gw_notifier_conf *n)
{
    bool ok = true;
    const char *language = "en", *group_by = "none", *min_state = "degraded";
    n->group_wait_ms = GW_DEFAULT_GROUP_WAIT_MS;
    n->re_notify_ms = 0;
    n->send_recovery = true;
    n->timeout_ms = GW_DEFAULT_DELIVERY_TIMEOUT_MS;
    gw_cfg_get_duration_ms(node, "group_wait", &n->group_wait_ms);
    gw_cfg_get_duration_ms(node, "re_notify", &n->re_notify_ms);
    gw_cfg_get_bool(node, "send_recovery", &n->send_recovery);
    gw_cfg_get_duration_ms(node, "timeout", &n->timeout_ms);
    if (gw_cfg_get_string(node, "language", &language) == 0 && strcmp(language, "en") != 0 &&
        strcmp(language, "cy") != 0 && strcmp(language, "both") != 0) {
        gw_cfg_error(gw_cfg_child(node, "language"),
                     "%sunknown language \"%s\" (expected en, cy or both)", where, language);
        ok = false;
    }
    n->language = strcmp(language, "cy") == 0     ? GW_NOTIFY_CY
                  : strcmp(language, "both") == 0 ? GW_NOTIFY_BOTH
                                                  : GW_NOTIFY_EN;
    if (gw_cfg_get_string(node, "group_by", &group_by) == 0 && strcmp(group_by, "council") != 0 &&
        strcmp(group_by, "none") != 0) {
        gw_cfg_error(gw_cfg_child(node, "group_by"),
                     "%sunknown group_by \"%s\" (expected council or none)", where, group_by);
        ok = false;
    }
    n->group_by_council = strcmp(group_by, "council") == 0;
    if (gw_cfg_get_string(node, "min_state", &min_state) == 0 &&
        strcmp(min_state, "degraded") != 0 && strcmp(min_state, "down") != 0) {
        gw_cfg_error(gw_cfg_child(node, "min_state"),
                     "%sunknown min_state \"%s\" (expected degraded or down)", where, min_state);
        ok = false;
    }
    n->min_state = strcmp(min_state, "down") == 0 ? GW_STATUS_DOWN : GW_STATUS_DEGRADED;
    if (gw_cfg_child(node, "timeout") && n->timeout_ms == 0) {
        gw_cfg_error(gw_cfg_child(node, "timeout"),
                     "%stimeout is zero (expected a duration like 30s)", where);
        ok = false;
    }
    if (gw_cfg_child(node, "re_notify") && n->re_notify_ms > 0 && n->re_notify_ms < 10000) {
        gw_cfg_error(gw_cfg_child(node, "re_notify"),
                     "%sre_notify shorter than 10s (expected 0 to turn it off, or a duration "
                     "like 4h)",
                     where);
        ok = false;
    }
    return ok;
}

void gw_config_notifiers_check_daemon(struct config_builder *b, const struct gw_cfg *notify)
{
    size_t unused;
    for (size_t i = 0; notify && notify->kind != GW_CFG_KIND_MAP && i < gw_cfg_len(notify); i++) {
        const char *nid = gw_cfg_scalar(gw_cfg_at(notify, i));
        if (nid && gw_strmap_get(b->notifier_ids, nid, &unused) < 0)
            gw_cfg_error(gw_cfg_at(notify, i),
                         "daemon: notifier \"%s\" is not defined (expected the id of an entry "
                         "under notifiers:)",
                         nid);
    }
}
