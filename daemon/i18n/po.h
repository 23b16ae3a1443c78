/*
 * A reader of GNU gettext PO files: the translation catalogue that
 * translators edit (po/cy.po), read at run time from the copy embedded in
 * the binary, so gwyliwr needs no locale set up and no .mo files installed.
 *
 * Pure: text in, catalogue out. Messages marked fuzzy and untranslated ones
 * are left out (the English text is shown for them, as gettext does).
 * Contexts (msgctxt) and plural forms (msgid_plural / msgstr[N]) are kept.
 */
#ifndef GW_PO_H
#define GW_PO_H

#include <stddef.h>

struct gw_po;

/*
 * Parses the PO text `text` of `len` bytes. Returns the catalogue (caller
 * frees with gw_po_free), or NULL with *error_out set to a sentence naming
 * the line ("line 12: a string must be in double quotes"; caller frees).
 */
struct gw_po *gw_po_parse(const char *text, size_t len, char **error_out);

/* Frees the catalogue; NULL does nothing. */
void gw_po_free(struct gw_po *po);

/*
 * The translation of `msgid` in context `ctx` (NULL: none), or NULL when the
 * catalogue has none. For a plural message, `form` picks msgstr[form] (0
 * for a message without plural forms). Borrowed from the catalogue.
 */
const char *gw_po_lookup(const struct gw_po *po, const char *ctx, const char *msgid, size_t form);

/* Number of translated messages. */
size_t gw_po_count(const struct gw_po *po);

/*
 * The value of `field` in the catalogue's header (the msgstr of the empty
 * msgid), e.g. "Plural-Forms"; NULL when absent. Caller frees.
 */
char *gw_po_header(const struct gw_po *po, const char *field);

#endif
