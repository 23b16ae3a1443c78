/*
 * The table of user-visible strings: complete in both languages, keys found
 * by their identifiers, council names chosen by language.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "i18n/i18n.h"
#include "i18n/po.h"

/* po/cy.po as built into the binary. */
extern const char gw_po_cy[];

static void test_i18n_every_key_has_every_language(void **state)
{
    (void)state;
    for (int k = 0; k < GW_I18N_KEY_COUNT; k++) {
        const char *id = gw_i18n_key_id((enum gw_i18n_key)k);
        assert_non_null(id);
        if (!*id)
            fail_msg("key %d has no identifier", k);
        for (int l = 0; l < GW_LANG_COUNT; l++)
            if (!*gw_i18n_text((enum gw_lang)l, (enum gw_i18n_key)k))
                fail_msg("key %s has no %s text", id, gw_i18n_lang_code((enum gw_lang)l));
        enum gw_i18n_key found;
        assert_int_equal(gw_i18n_find(id, &found), 0);
        assert_int_equal(found, k); /* identifiers are unique */
    }
    assert_int_equal(gw_i18n_find("nothing", &(enum gw_i18n_key){0}), -ENOENT);
    assert_string_equal(gw_i18n_text(GW_LANG_COUNT, GW_I18N_UP), "");
    assert_string_equal(gw_i18n_text(GW_LANG_EN, GW_I18N_KEY_COUNT), "");
}

static void test_i18n_welsh_differs_where_it_should(void **state)
{
    (void)state;
    assert_string_equal(gw_i18n_text(GW_LANG_EN, GW_I18N_AVAILABILITY), "Availability");
    assert_string_equal(gw_i18n_text(GW_LANG_CY, GW_I18N_AVAILABILITY), "Argaeledd");
    assert_string_equal(gw_i18n_text(GW_LANG_CY, GW_I18N_WALES), "Cymru");
    assert_string_equal(gw_i18n_text(GW_LANG_CY, GW_I18N_PERIOD_1D), "y 24 awr ddiwethaf");
}

static void test_i18n_lang_parse(void **state)
{
    (void)state;
    enum gw_lang lang = GW_LANG_COUNT;
    assert_int_equal(gw_i18n_lang_parse("cy", &lang), 0);
    assert_int_equal(lang, GW_LANG_CY);
    assert_int_equal(gw_i18n_lang_parse("en", &lang), 0);
    assert_int_equal(lang, GW_LANG_EN);
    assert_int_equal(gw_i18n_lang_parse("CY", &lang), -EINVAL);
    assert_int_equal(gw_i18n_lang_parse("fr", &lang), -EINVAL);
    assert_int_equal(gw_i18n_lang_parse(NULL, &lang), -EINVAL);
    assert_string_equal(gw_i18n_lang_code(GW_LANG_CY), "cy");
}

static void test_i18n_council_and_target_names(void **state)
{
    (void)state;
    struct gw_council_conf both = {
        .id = "cardiff", .name = "Cardiff Council", .name_cy = "Cyngor Caerdydd"};
    struct gw_council_conf english = {.id = "powys", .name = "Powys County Council"};
    struct gw_council_conf bare = {.id = "conwy"};
    assert_string_equal(gw_i18n_council_name(&both, GW_LANG_CY), "Cyngor Caerdydd");
    assert_string_equal(gw_i18n_council_name(&both, GW_LANG_EN), "Cardiff Council");
    assert_string_equal(gw_i18n_council_name(&english, GW_LANG_CY), "Powys County Council");
    assert_string_equal(gw_i18n_council_name(&bare, GW_LANG_CY), "conwy");
    struct gw_target_conf titled = {.id = "cardiff/web", .name = "web", .title = "Website"};
    struct gw_target_conf untitled = {.id = "cardiff/web", .name = "web"};
    assert_string_equal(gw_i18n_target_name(&titled), "Website");
    assert_string_equal(gw_i18n_target_name(&untitled), "web");
}

static void test_i18n_tr_falls_back_to_english(void **state)
{
    (void)state;
    assert_string_equal(gw_i18n_tr(GW_LANG_CY, "Wales"), "Cymru");
    assert_string_equal(gw_i18n_tr(GW_LANG_EN, "Wales"), "Wales");
    assert_string_equal(gw_i18n_tr(GW_LANG_CY, "no such text"), "no such text");
    assert_string_equal(gw_i18n_trp(GW_LANG_CY, "no such context", "Wales"), "Wales");
    assert_string_equal(gw_i18n_ntr(GW_LANG_EN, "%lu day", "%lu days", 1), "%lu day");
    assert_string_equal(gw_i18n_ntr(GW_LANG_EN, "%lu day", "%lu days", 0), "%lu days");
    assert_string_equal(gw_i18n_ntr(GW_LANG_CY, "no such", "no such ones", 2), "no such ones");
}

/* The rule in the code is the one the catalogue declares to translators. */
static void test_i18n_welsh_plural_rule_is_the_catalogues(void **state)
{
    (void)state;
    struct gw_po *po = gw_po_parse(gw_po_cy, strlen(gw_po_cy), NULL);
    assert_non_null(po);
    char *forms = gw_po_header(po, "Plural-Forms");
    assert_string_equal(
        forms,
        "nplurals=6; plural=(n==0) ? 0 : (n==1) ? 1 : (n==2) ? 2 : (n==3) ? 3 : (n==6) ? 4 : 5;");
    free(forms);
    gw_po_free(po);
    static const size_t want[] = {0, 1, 2, 3, 5, 5, 4, 5, 5, 5, 5, 5};
    for (unsigned long n = 0; n < sizeof(want) / sizeof(want[0]); n++)
        assert_int_equal(gw_i18n_plural_form(GW_LANG_CY, n), want[n]);
    assert_int_equal(gw_i18n_plural_form(GW_LANG_CY, 1000000), 5);
    assert_int_equal(gw_i18n_plural_form(GW_LANG_EN, 1), 0);
    assert_int_equal(gw_i18n_plural_form(GW_LANG_EN, 2), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_i18n_every_key_has_every_language),
        cmocka_unit_test(test_i18n_welsh_differs_where_it_should),
        cmocka_unit_test(test_i18n_lang_parse),
        cmocka_unit_test(test_i18n_council_and_target_names),
        cmocka_unit_test(test_i18n_tr_falls_back_to_english),
        cmocka_unit_test(test_i18n_welsh_plural_rule_is_the_catalogues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
