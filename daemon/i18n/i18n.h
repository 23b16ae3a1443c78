/*
 * Every string gwyliwr shows to a person — graphs, pages, notifications,
 * reports — in English and Welsh, from one translation source in the form
 * translators use: the English text in the code is the msgid, and
 * po/cy.po (GNU gettext) holds its Welsh, embedded in the binary at build
 * time. Log lines and command-line errors are for operators and stay in
 * English.
 *
 * Code marks a text for translation where it is shown:
 *   gw_i18n_tr(lang, "Availability")
 *   gw_i18n_ntr(lang, "%lu outage", "%lu outages", n)
 * and in a static table with GW_N_("..."), translated where it is used.
 * The test suite extracts every marked text (xgettext) and fails when
 * po/cy.po lacks one or its format directives differ (msgcmp, msgfmt -c);
 * po/README.md says how to update the file.
 *
 * No locale is used; strings are UTF-8, static or owned by the catalogue
 * (valid for the life of the process). Any thread.
 */
#ifndef GW_I18N_H
#define GW_I18N_H

#include <stddef.h>

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

/* Marks a text for translation in a static table (xgettext finds it). */
#define GW_N_(text) text

/*
 * `msgid` (English) in `lang`: the Welsh of po/cy.po, or msgid itself when
 * the catalogue has no translation (or lang is English). Borrowed, valid for
 * the life of the process.
 */
const char *gw_i18n_tr(enum gw_lang lang, const char *msgid);

/* As gw_i18n_tr, for a msgid with a context (msgctxt) to tell equal English texts apart. */
const char *gw_i18n_trp(enum gw_lang lang, const char *ctx, const char *msgid);

/*
 * The form of a countable text for `n` in `lang` (English: singular for 1;
 * Welsh has six forms, by its plural rule). Borrowed, like gw_i18n_tr.
 */
const char *gw_i18n_ntr(enum gw_lang lang, const char *singular, const char *plural,
                        unsigned long n);

/* The plural form index of `n` in `lang` (the Plural-Forms rule of its catalogue). */
size_t gw_i18n_plural_form(enum gw_lang lang, unsigned long n);

/* The language of an ISO 639-1 code, "en" or "cy": 0, or -EINVAL. */
int gw_i18n_lang_parse(const char *code, enum gw_lang *out);
/* "en" or "cy". Static. */
const char *gw_i18n_lang_code(enum gw_lang lang);

/*
 * The text of `key` in `lang` (UTF-8; borrowed, valid for the life of the
 * process). A key or language out of range gives "".
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

/*
 * The name of a category to show: "Digital services" / "Gwasanaethau
 * digidol" for the categories of the Digital Strategy for Wales
 * (digital-services, democracy, connectivity, ev-charging, data), "Other
 * services" for none (NULL), any other word as it is. Borrowed.
 */
const char *gw_i18n_category(enum gw_lang lang, const char *category);

/* A target's display name: its title, else the part of its id after the slash. Borrowed. */
const char *gw_i18n_target_name(const struct gw_target_conf *target);

/* A target's display name in `lang`: name_cy in Welsh when the configuration
 * gives it, else as gw_i18n_target_name. Borrowed. */
const char *gw_i18n_target_title(const struct gw_target_conf *target, enum gw_lang lang);

#endif
