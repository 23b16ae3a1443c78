#include "i18n/i18n.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/po.h"
#include "util/log.h"

/* po/cy.po, embedded at build time. */
extern const char gw_po_cy[];

static const char *const lang_codes[GW_LANG_COUNT] = {"en", "cy"};

/* The Welsh catalogue, read once on first use by whichever thread needs it
 * first, then only read: the web server's thread and the graph workers share it. */
static pthread_once_t catalogue_once = PTHREAD_ONCE_INIT;
static struct gw_po *catalogue_cy;

static void catalogue_load(void)
{
    char *err = NULL;
    catalogue_cy = gw_po_parse(gw_po_cy, strlen(gw_po_cy), &err);
    if (!catalogue_cy) {
        /* The build checks the file (msgfmt -c), so this is a broken build. */
        gw_log_error("po/cy.po: %s; Welsh texts are shown in English", err);
        free(err);
    }
}

static const struct gw_po *catalogue_of(enum gw_lang lang)
{
    if (lang != GW_LANG_CY)
        return NULL;
    pthread_once(&catalogue_once, catalogue_load);
    return catalogue_cy;
}

const char *gw_i18n_trp(enum gw_lang lang, const char *ctx, const char *msgid)
{
    const char *t = gw_po_lookup(catalogue_of(lang), ctx, msgid, 0);
    return t ? t : msgid;
}

const char *gw_i18n_tr(enum gw_lang lang, const char *msgid)
{
    return gw_i18n_trp(lang, NULL, msgid);
}

size_t gw_i18n_plural_form(enum gw_lang lang, unsigned long n)
{
    if (lang == GW_LANG_CY) /* the Plural-Forms of po/cy.po; a unit test keeps them equal */
        return n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 : n == 3 ? 3 : n == 6 ? 4 : 5;
    return n == 1 ? 0 : 1;
}

const char *gw_i18n_ntr(enum gw_lang lang, const char *singular, const char *plural,
                        unsigned long n)
{
    const char *t = gw_po_lookup(catalogue_of(lang), NULL, singular, gw_i18n_plural_form(lang, n));
    if (t)
        return t;
    return n == 1 ? singular : plural;
}

/* One row per key: its identifier and its English text (the msgid of po/cy.po). */
static const struct {
    const char *id;
    const char *text;
} table[GW_I18N_KEY_COUNT] = {
    [GW_I18N_UP] = {"up", GW_N_("Up")},
    [GW_I18N_DOWN] = {"down", GW_N_("Down")},
    [GW_I18N_DEGRADED] = {"degraded", GW_N_("Degraded")},
    [GW_I18N_UNKNOWN] = {"unknown", GW_N_("Unknown")},
    [GW_I18N_NO_DATA] = {"no_data", GW_N_("No data")},
    [GW_I18N_PARTLY_DOWN] = {"partly_down", GW_N_("Degraded or partial")},
    [GW_I18N_AVAILABILITY] = {"availability", GW_N_("Availability")},
    [GW_I18N_DOWNTIME] = {"downtime", GW_N_("downtime")},
    [GW_I18N_LATENCY] = {"latency", GW_N_("Latency")},
    [GW_I18N_LATENCY_RANGE] = {"latency_range", GW_N_("min–max")},
    [GW_I18N_MEDIAN] = {"median", GW_N_("Median")},
    [GW_I18N_SAMPLES] = {"samples", GW_N_("Samples")},
    [GW_I18N_LOSS] = {"loss", GW_N_("Loss")},
    [GW_I18N_AVERAGE] = {"average", GW_N_("average")},
    [GW_I18N_MAXIMUM] = {"maximum", GW_N_("max")},
    [GW_I18N_PHASE_DNS] = {"phase_dns", GW_N_("DNS lookup")},
    [GW_I18N_PHASE_CONNECT] = {"phase_connect", GW_N_("Connect")},
    [GW_I18N_PHASE_TLS] = {"phase_tls", GW_N_("TLS handshake")},
    [GW_I18N_PHASE_TTFB] = {"phase_ttfb", GW_N_("First byte")},
    [GW_I18N_FEED_TOTAL] = {"feed_total", GW_N_("Total")},
    [GW_I18N_FEED_OPERATIONAL] = {"feed_operational", GW_N_("Operational")},
    [GW_I18N_FEED_AVAILABLE] = {"feed_available", GW_N_("Available")},
    [GW_I18N_COUNT_UNIT] = {"count_unit", GW_N_("count")},
    [GW_I18N_UNIT_MS] = {"unit_ms", GW_N_("ms")},
    [GW_I18N_UNIT_SECONDS] = {"unit_seconds", GW_N_("s")},
    [GW_I18N_UNIT_MINUTES] = {"unit_minutes", GW_N_("min")},
    [GW_I18N_UNIT_HOURS] = {"unit_hours", GW_N_("h")},
    [GW_I18N_UNIT_DAYS] = {"unit_days", GW_N_("days")},
    [GW_I18N_BY_SERVICE] = {"by_service", GW_N_("availability by service")},
    [GW_I18N_BY_COUNCIL] = {"by_council", GW_N_("Availability by council")},
    [GW_I18N_WHOLE_COUNCIL] = {"whole_council", GW_N_("Whole council")},
    [GW_I18N_WALES] = {"wales", GW_N_("Wales")},
    [GW_I18N_PERIOD_1H] = {"period_1h", GW_N_("last hour")},
    [GW_I18N_PERIOD_1D] = {"period_1d", GW_N_("last 24 hours")},
    [GW_I18N_PERIOD_7D] = {"period_7d", GW_N_("last 7 days")},
    [GW_I18N_PERIOD_30D] = {"period_30d", GW_N_("last 30 days")},
    [GW_I18N_PERIOD_365D] = {"period_365d", GW_N_("last 12 months")},
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
    return gw_i18n_tr(lang, table[key].text);
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

const char *gw_i18n_target_title(const struct gw_target_conf *target, enum gw_lang lang)
{
    if (lang == GW_LANG_CY && target->title_cy)
        return target->title_cy;
    return gw_i18n_target_name(target);
}

static const struct {
    const char *id;
    const char *name;
} categories[] = {
    {"digital-services", GW_N_("Digital services")},
    {"democracy", GW_N_("Democracy")},
    {"connectivity", GW_N_("Connectivity")},
    {"ev-charging", GW_N_("EV charging")},
    {"data", GW_N_("Data and APIs")},
};

const char *gw_i18n_category(enum gw_lang lang, const char *category)
{
    if (!category)
        return gw_i18n_tr(lang, "Other services");
    for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
        if (strcmp(categories[i].id, category) == 0)
            return gw_i18n_tr(lang, categories[i].name);
    return category;
}
