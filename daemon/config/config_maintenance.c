#include "config/config_internal.h"

#include <string.h>
#include <strings.h>

#include "util/london.h"
#include "util/units.h"
#include "util/xalloc.h"

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

void gw_config_maintenance_build(struct config_builder *b)
{
    struct gw_config *c = b->config;
    const struct gw_cfg_key *lists[] = {gw_config_keys_maintenance};
    for (size_t i = 0; i < b->n_maintenance_nodes; i++) {
        const struct gw_cfg *node = b->maintenance_nodes[i];
        if (!gw_config_keys_validate(node, lists, 1, "maintenance: ",
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
                const char *text = gw_cfg_scalar(nodes[k]);
                /* Without a zone a time is Europe/London's: a repeated one
                 * is taken so that the window covers both passes. */
                if (gw_units_parse_time(text, vals[k]) < 0 &&
                    gw_london_parse_local(text, k == 1, vals[k]) < 0) {
                    gw_cfg_error(nodes[k],
                                 "maintenance: bad time \"%s\" (expected RFC 3339 like "
                                 "2026-12-01T22:00:00Z, or Europe/London local time like "
                                 "2026-12-01 22:00)",
                                 text);
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
        m.reason = gw_config_opt_string(node, "reason");
        c->maintenance =
            gw_xreallocarray(c->maintenance, c->n_maintenance + 1, sizeof(*c->maintenance));
        c->maintenance[c->n_maintenance++] = m;
    }
}
