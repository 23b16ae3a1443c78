#include "config/config_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

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

uint64_t gw_config_fingerprint_target(const struct gw_target_conf *t, const struct gw_cfg *eff)
{
    uint64_t h = hash_str(GW_HASH_FNV_OFFSET, t->id);
    h = hash_str(h, t->type->name);
    h = hash_u64(h, t->interval_ms);
    h = hash_u64(h, t->timeout_ms);
    h = hash_u64(h, t->failure_threshold);
    h = hash_u64(h, t->success_threshold);
    h = hash_u64(h, t->retry_interval_ms);
    h = hash_u64(h, (uint64_t)(t->flap_start * 1e6));
    h = hash_u64(h, (uint64_t)(t->flap_stop * 1e6));
    h = hash_str(h, t->title);
    h = hash_str(h, t->category);
    h = hash_str(h, t->title_cy);
    h = hash_str(h, t->language);
    h = hash_str(h, t->parity_with);
    h = hash_str(h, t->depends_on);
    h = hash_u64(h, isnan(t->sla) ? UINT64_MAX : (uint64_t)llround(t->sla * 1e9));
    h = hash_u64(h, t->n_notify);
    for (size_t i = 0; i < t->n_notify; i++)
        h = hash_str(h, t->notify[i]);
    const struct gw_cfg_key *common[] = {gw_config_keys_target};
    const struct gw_cfg_key *plugin[] = {t->type->keys};
    uint64_t sum = 0;
    for (uint32_t i = 0; i < eff->n; i++) {
        const char *k = eff->keys[i]->text;
        if (!k || gw_config_keys_find(common, 1, k) || gw_cfg_key_node(eff, k) != eff->keys[i])
            continue;
        uint64_t ph = hash_u64(hash_str(GW_HASH_FNV_OFFSET, k), hash_node(eff->items[i]));
        const struct gw_cfg_key *decl = gw_config_keys_find(plugin, 1, k);
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
