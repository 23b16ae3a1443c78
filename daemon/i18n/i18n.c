#include "i18n/i18n.h"

#include <errno.h>
#include <string.h>

static const char *const lang_codes[GW_LANG_COUNT] = {"en", "cy"};

/* One row per key: its identifier, then the text in each language. */
static const struct {
    const char *id;
    const char *text[GW_LANG_COUNT];
} table[GW_I18N_KEY_COUNT] = {
    [GW_I18N_UP] = {"up", {"Up", "Ar gael"}},
    [GW_I18N_DOWN] = {"down", {"Down", "Ddim ar gael"}},
    [GW_I18N_DEGRADED] = {"degraded", {"Degraded", "Diraddiedig"}},
    [GW_I18N_UNKNOWN] = {"unknown", {"Unknown", "Anhysbys"}},
    [GW_I18N_NO_DATA] = {"no_data", {"No data", "Dim data"}},
    [GW_I18N_PARTLY_DOWN] = {"partly_down", {"Degraded or partial", "Diraddiedig neu rannol"}},
    [GW_I18N_AVAILABILITY] = {"availability", {"Availability", "Argaeledd"}},
    [GW_I18N_DOWNTIME] = {"downtime", {"downtime", "amser segur"}},
    [GW_I18N_LATENCY] = {"latency", {"Latency", "Amser ymateb"}},
    [GW_I18N_LATENCY_RANGE] = {"latency_range", {"min–max", "isaf–uchaf"}},
    [GW_I18N_MEDIAN] = {"median", {"Median", "Canolrif"}},
    [GW_I18N_SAMPLES] = {"samples", {"Samples", "Samplau"}},
    [GW_I18N_LOSS] = {"loss", {"Loss", "Colled"}},
    [GW_I18N_AVERAGE] = {"average", {"average", "cyfartaledd"}},
    [GW_I18N_MAXIMUM] = {"maximum", {"max", "uchaf"}},
    [GW_I18N_PHASE_DNS] = {"phase_dns", {"DNS lookup", "Chwilio DNS"}},
    [GW_I18N_PHASE_CONNECT] = {"phase_connect", {"Connect", "Cysylltu"}},
    [GW_I18N_PHASE_TLS] = {"phase_tls", {"TLS handshake", "Ysgwyd llaw TLS"}},
    [GW_I18N_PHASE_TTFB] = {"phase_ttfb", {"First byte", "Beit cyntaf"}},
    [GW_I18N_FEED_TOTAL] = {"feed_total", {"Total", "Cyfanswm"}},
    [GW_I18N_FEED_OPERATIONAL] = {"feed_operational", {"Operational", "Gweithredol"}},
    [GW_I18N_FEED_AVAILABLE] = {"feed_available", {"Available", "Ar gael"}},
    [GW_I18N_COUNT_UNIT] = {"count_unit", {"count", "nifer"}},
    [GW_I18N_UNIT_MS] = {"unit_ms", {"ms", "ms"}},
    [GW_I18N_UNIT_SECONDS] = {"unit_seconds", {"s", "eiliad"}},
    [GW_I18N_UNIT_MINUTES] = {"unit_minutes", {"min", "munud"}},
    [GW_I18N_UNIT_HOURS] = {"unit_hours", {"h", "awr"}},
    [GW_I18N_UNIT_DAYS] = {"unit_days", {"days", "diwrnod"}},
    [GW_I18N_BY_SERVICE] = {"by_service",
                            {"availability by service", "argaeledd fesul gwasanaeth"}},
    [GW_I18N_BY_COUNCIL] = {"by_council", {"Availability by council", "Argaeledd fesul cyngor"}},
    [GW_I18N_WHOLE_COUNCIL] = {"whole_council", {"Whole council", "Y cyngor cyfan"}},
    [GW_I18N_WALES] = {"wales", {"Wales", "Cymru"}},
    [GW_I18N_PERIOD_1H] = {"period_1h", {"last hour", "yr awr ddiwethaf"}},
    [GW_I18N_PERIOD_1D] = {"period_1d", {"last 24 hours", "y 24 awr ddiwethaf"}},
    [GW_I18N_PERIOD_7D] = {"period_7d", {"last 7 days", "y 7 diwrnod diwethaf"}},
    [GW_I18N_PERIOD_30D] = {"period_30d", {"last 30 days", "y 30 diwrnod diwethaf"}},
    [GW_I18N_PERIOD_365D] = {"period_365d", {"last 12 months", "y 12 mis diwethaf"}},
};

int gw_i18n_lang_parse(const char *code, enum gw_lang *out)
{
    for (int i = 0; code && i < GW_LANG_COUNT; i++) {
        if (strcmp(code, lang_codes[i]) == 0) {
            *out = (enum gw_lang)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *gw_i18n_lang_code(enum gw_lang lang)
{
    return (unsigned)lang < GW_LANG_COUNT ? lang_codes[lang] : "";
}

const char *gw_i18n_text(enum gw_lang lang, enum gw_i18n_key key)
{
    if ((unsigned)lang >= GW_LANG_COUNT || (unsigned)key >= GW_I18N_KEY_COUNT)
        return "";
    return table[key].text[lang];
}

const char *gw_i18n_key_id(enum gw_i18n_key key)
{
    return (unsigned)key < GW_I18N_KEY_COUNT ? table[key].id : "";
}

int gw_i18n_find(const char *id, enum gw_i18n_key *out)
{
    for (int i = 0; id && i < GW_I18N_KEY_COUNT; i++) {
        if (strcmp(id, table[i].id) == 0) {
            *out = (enum gw_i18n_key)i;
            return 0;
        }
    }
    return -ENOENT;
}

const char *gw_i18n_council_name(const struct gw_council_conf *council, enum gw_lang lang)
{
    if (lang == GW_LANG_CY && council->name_cy)
        return council->name_cy;
    return council->name ? council->name : council->id;
}

const char *gw_i18n_target_name(const struct gw_target_conf *target)
{
    return target->title ? target->title : target->name;
}
