#include "graph/graph_internal.h"

#include <math.h>
#include <stdio.h>

/*
 * "99.95 %", rounded down so that any downtime keeps it below 100, padded on
 * the left with figure spaces (as wide as a digit) so columns line up; "—"
 * when nothing is known.
 */
void gw_graph_text_availability(struct gw_strbuf *b, double ratio, bool pad)
{
    if (isnan(ratio)) {
        gw_strbuf_append(b, pad ? "\u2007\u2007\u2007\u2007—\u2007\u2007" : "—");
        return;
    }
    double pct = floor(ratio * 10000.0 + 1e-6) / 100.0;
    char text[32];
    snprintf(text, sizeof(text), "%6.2f %%", pct);
    const char *t = text;
    while (*t == ' ') {
        if (pad)
            gw_strbuf_append(b, "\u2007");
        t++;
    }
    gw_strbuf_append(b, t);
}

void gw_graph_text_duration(struct gw_strbuf *b, double seconds, enum gw_lang lang)
{
    long s = lround(seconds);
    if (s < 60) {
        gw_strbuf_printf(b, "%ld %s", s, gw_i18n_text(lang, GW_I18N_UNIT_SECONDS));
    } else if (s < 3600) {
        gw_strbuf_printf(b, "%ld %s", s / 60, gw_i18n_text(lang, GW_I18N_UNIT_MINUTES));
    } else if (s < 2 * 86400) {
        gw_strbuf_printf(b, "%ld %s %02ld %s", s / 3600, gw_i18n_text(lang, GW_I18N_UNIT_HOURS),
                         (s % 3600) / 60, gw_i18n_text(lang, GW_I18N_UNIT_MINUTES));
    } else {
        gw_strbuf_printf(b, "%.1f %s", seconds / 86400.0, gw_i18n_text(lang, GW_I18N_UNIT_DAYS));
    }
}

/* "12.3" for milliseconds: one decimal below 100, none above. */
void gw_graph_text_ms(struct gw_strbuf *b, double seconds)
{
    double ms = seconds * 1000.0;
    gw_strbuf_printf(b, ms < 100 ? "%.1f" : "%.0f", ms);
}
