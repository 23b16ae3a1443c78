/*
 * Why a check failed, in a few words of each language: the reason code of
 * a result (GW_REASON_* of gwyliwr/plugin.h) as a short phrase a person
 * reads, "connection refused" / "cysylltiad wedi'i wrthod". The sentence a
 * check writes is always English and full of detail; this phrase is what
 * a Welsh reader gets in Welsh, with that sentence after it. One table for
 * notifications, the status pages and the reports.
 */
#ifndef GW_REASON_H
#define GW_REASON_H

#include <stdbool.h>

#include "i18n/i18n.h"
#include "util/strbuf.h"

/*
 * Appends to b the phrase for `reason` in `lang`. For an http_status whose
 * `sentence` (the check's English sentence; may be NULL) names the status,
 * the phrase is that status, "HTTP 503", the same in both languages. Returns true; false, with b
 * unchanged, when reason is NULL or empty (the result was up) or a word no phrase is known for (a
 * third-party plugin's own), so the caller shows what it has instead.
 */
bool gw_reason_phrase(struct gw_strbuf *b, enum gw_lang lang, const char *reason,
                      const char *sentence);

#endif
