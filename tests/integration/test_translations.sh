#!/usr/bin/env bash
# The Welsh catalogue is complete and well-formed: every text the code marks
# for translation (gw_i18n_tr, gw_i18n_trp, gw_i18n_ntr, GW_N_) has a Welsh
# msgstr in po/cy.po that is not fuzzy, and format directives agree
# (msgfmt -c), so a new English string cannot land without its Welsh.
set -euo pipefail
src=${GW_SOURCE_DIR:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/gw-po.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$src/po/update-pot" "$work/gwyliwr.pot"
msgfmt -c --check-format -o /dev/null "$src/po/cy.po"
# msgcmp counts untranslated and fuzzy messages of cy.po as missing.
if ! msgcmp "$src/po/cy.po" "$work/gwyliwr.pot" 2>"$work/missing"; then
    echo "po/cy.po lacks the Welsh of these texts (po/README.md says how to add them):" >&2
    msgmerge --quiet --no-fuzzy-matching -o "$work/merged.po" "$src/po/cy.po" "$work/gwyliwr.pot"
    msgattrib --untranslated --no-obsolete --no-location "$work/merged.po" | grep -v '^#' >&2 || true
    msgattrib --only-fuzzy --no-obsolete --no-location "$work/merged.po" | grep -v '^#' >&2 || true
    exit 1
fi
n=$(grep -c '^msgid ' "$work/gwyliwr.pot")
echo "po/cy.po translates all $((n - 1)) texts marked in the sources"
