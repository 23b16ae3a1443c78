/*
 * Every string gwyliwr shows to a person in graphs and pages, in English and
 * Welsh: one table, looked up by key, so the graphs and the web pages say
 * the same thing in the same words. Log lines and command-line errors are
 * for operators and stay in English.
 *
 * Pure: no I/O, no locale. Strings are UTF-8 and static.
 */
#ifndef GW_I18N_H
#define GW_I18N_H

#include "config/config.h"

enum gw_lang {
    GW_LANG_EN,
    GW_LANG_CY,
    GW_LANG_COUNT,
};

enum gw_i18n_key {
    /* status of a target */
    GW_I18N_UP,
    GW_I18N_DOWN,
    GW_I18N_DEGRADED,
    GW_I18N_UNKNOWN,
    GW_I18N_NO_DATA,
    GW_I18N_PARTLY_DOWN, /* a council or Wales: some of its services down or degraded */
    /* figures */
    GW_I18N_AVAILABILITY,
    GW_I18N_DOWNTIME,
    GW_I18N_LATENCY,
    GW_I18N_LATENCY_RANGE,
    GW_I18N_MEDIAN,
    GW_I18N_SAMPLES,
    GW_I18N_LOSS,
    GW_I18N_AVERAGE,
    GW_I18N_MAXIMUM,
    GW_I18N_PHASE_DNS,
    GW_I18N_PHASE_CONNECT,
    GW_I18N_PHASE_TLS,
    GW_I18N_PHASE_TTFB,
    GW_I18N_FEED_TOTAL,
    GW_I18N_FEED_OPERATIONAL,
    GW_I18N_FEED_AVAILABLE,
    GW_I18N_COUNT_UNIT,
    /* units */
    GW_I18N_UNIT_MS,
    GW_I18N_UNIT_SECONDS,
    GW_I18N_UNIT_MINUTES,
    GW_I18N_UNIT_HOURS,
    GW_I18N_UNIT_DAYS,
    /* titles */
    GW_I18N_BY_SERVICE,
    GW_I18N_BY_COUNCIL,
    GW_I18N_WHOLE_COUNCIL,
    GW_I18N_WALES,
    /* periods */
    GW_I18N_PERIOD_1H,
    GW_I18N_PERIOD_1D,
    GW_I18N_PERIOD_7D,
    GW_I18N_PERIOD_30D,
    GW_I18N_PERIOD_365D,
    GW_I18N_KEY_COUNT,
};

/* The language of an ISO 639-1 code, "en" or "cy": 0, or -EINVAL. */
int gw_i18n_lang_parse(const char *code, enum gw_lang *out);
/* "en" or "cy". Static. */
const char *gw_i18n_lang_code(enum gw_lang lang);

/*
 * The text of `key` in `lang` (static, UTF-8). A key or language out of
 * range gives "".
 */
const char *gw_i18n_text(enum gw_lang lang, enum gw_i18n_key key);

/* The stable identifier of a key ("availability", "phase_dns"), for templates. Static. */
const char *gw_i18n_key_id(enum gw_i18n_key key);
/* The key whose identifier is `id`: 0 and *out set, or -ENOENT. */
int gw_i18n_find(const char *id, enum gw_i18n_key *out);

/*
 * The name of a council to show in `lang`: name_cy in Welsh when the
 * configuration gives it, else name, else the id. Borrowed from `council`.
 */
const char *gw_i18n_council_name(const struct gw_council_conf *council, enum gw_lang lang);

/* A target's display name: its title, else the part of its id after the slash. Borrowed. */
const char *gw_i18n_target_name(const struct gw_target_conf *target);

#endif
