/*
 * What every page of the status site shares: the frame (document head with
 * its language, hreflang alternates and stylesheet, the skip link, the
 * header with the language switch, the footer), and the small pieces pages
 * are built of (a state in words and colour, an availability figure, a row
 * of daily bars with each day's figure in text). Server-rendered HTML that
 * needs no JavaScript; every text through i18n.
 */
#ifndef GW_PAGE_H
#define GW_PAGE_H

#include <stdint.h>

#include "i18n/i18n.h"
#include "result/snapshot.h"
#include "util/strbuf.h"
#include "web/history.h"
#include "web/route.h"

struct gw_page {
    struct gw_strbuf *b;                /* where the page goes */
    const struct gw_snapshot *snap;     /* borrowed */
    const struct gw_history_view *hist; /* borrowed; NULL before the first pass */
    const struct gw_route *route;       /* borrowed: the page's own address */
    enum gw_lang lang;
    int64_t now_ms;
    unsigned refresh_s;       /* 0: no automatic refresh */
    const char *query_period; /* the target page's ?period=, validated; NULL: 1d */
};

/* Opens the document: head, skip link, header, breadcrumbs (`crumbs` links
 * of `n_crumbs`, the last being the page itself), then <main>. */
struct gw_crumb {
    const char *href; /* without the language prefix; NULL for the page itself */
    const char *text;
};
void gw_page_begin(struct gw_page *p, const char *title, const struct gw_crumb *crumbs,
                   size_t n_crumbs);
/* Closes <main> and the document with the footer. */
void gw_page_end(struct gw_page *p);

/* Text, escaped for HTML. */
void gw_page_text(struct gw_page *p, const char *s);
/* A link's href to a page of the site in the page's language: "council/x" -> "/cy/council/x". */
void gw_page_href(struct gw_page *p, const char *path);
/* A state (hard state or GW_STATE_PENDING) in words, with a symbol and its colour. */
void gw_page_state(struct gw_page *p, uint8_t state);
/* The words of a state. */
const char *gw_page_state_word(enum gw_lang lang, uint8_t state);
/*
 * What a check found, from its reason code and its sentence (always
 * English): in English the sentence (the phrase of the reason when there
 * is no sentence); in Welsh the phrase of the reason (i18n/reason.h), then
 * the sentence under it marked lang="en", so a screen reader speaks it in
 * an English voice (WCAG 2.2, 3.1.2 Language of Parts). Either may be NULL.
 */
void gw_page_found(struct gw_page *p, const char *reason, const char *sentence);
/* An availability figure in a table cell's text ("99.95 %", or "no data"). */
void gw_page_percent(struct gw_page *p, double ratio);
/* The GW_HISTORY_DAYS daily bars of `a`, each with its day and figure in text. */
void gw_page_bars(struct gw_page *p, const struct gw_avail *a);

#endif
