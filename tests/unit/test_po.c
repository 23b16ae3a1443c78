/*
 * The PO reader: what translators write (contexts, plurals, continued
 * strings, escapes, fuzzy and obsolete entries) is read as gettext reads it,
 * and a malformed file is refused with its line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "i18n/po.h"

static struct gw_po *parse(const char *text)
{
    char *err = NULL;
    struct gw_po *po = gw_po_parse(text, strlen(text), &err);
    if (!po)
        fail_msg("refused: %s", err);
    return po;
}

static void test_po_reads_messages_contexts_and_continuations(void **state)
{
    (void)state;
    struct gw_po *po = parse("# a comment\n"
                             "msgid \"\"\n"
                             "msgstr \"\"\n"
                             "\"Language: cy\\n\"\n"
                             "\"Plural-Forms: nplurals=6; plural=0;\\n\"\n"
                             "\n"
                             "#: daemon/graph/graph.c\n"
                             "msgid \"Availability\"\n"
                             "msgstr \"Argaeledd\"\n"
                             "\n"
                             "msgctxt \"menu\"\n"
                             "msgid \"Up\"\n"
                             "msgstr \"I fyny\"\n"
                             "\n"
                             "msgid \"\"\n"
                             "\"two \"\n"
                             "\"lines\\n\\\"quoted\\\"\"\n"
                             "msgstr \"dwy \"\n"
                             "\"linell\\n\\\"\\\\\"\n");
    assert_int_equal(gw_po_count(po), 3);
    assert_string_equal(gw_po_lookup(po, NULL, "Availability", 0), "Argaeledd");
    assert_null(gw_po_lookup(po, NULL, "Up", 0));
    assert_string_equal(gw_po_lookup(po, "menu", "Up", 0), "I fyny");
    assert_string_equal(gw_po_lookup(po, NULL, "two lines\n\"quoted\"", 0), "dwy linell\n\"\\");
    assert_null(gw_po_lookup(po, NULL, "Availability", 1));
    char *forms = gw_po_header(po, "Plural-Forms");
    assert_string_equal(forms, "nplurals=6; plural=0;");
    free(forms);
    char *lang = gw_po_header(po, "language");
    assert_string_equal(lang, "cy");
    free(lang);
    assert_null(gw_po_header(po, "Last-Translator"));
    gw_po_free(po);
}

static void test_po_reads_plural_forms(void **state)
{
    (void)state;
    struct gw_po *po = parse("msgid \"%lu outage\"\n"
                             "msgid_plural \"%lu outages\"\n"
                             "msgstr[0] \"%lu toriad (0)\"\n"
                             "msgstr[1] \"%lu toriad\"\n"
                             "msgstr[2] \"%lu doriad\"\n"
                             "msgstr[3] \"%lu thoriad\"\n"
                             "msgstr[4] \"%lu thoriad (6)\"\n"
                             "msgstr[5] \"%lu toriad (5)\"\n");
    assert_string_equal(gw_po_lookup(po, NULL, "%lu outage", 2), "%lu doriad");
    assert_string_equal(gw_po_lookup(po, NULL, "%lu outage", 5), "%lu toriad (5)");
    assert_null(gw_po_lookup(po, NULL, "%lu outage", 6));
    gw_po_free(po);
}

static void test_po_leaves_out_fuzzy_untranslated_and_obsolete(void **state)
{
    (void)state;
    struct gw_po *po = parse("#, fuzzy, c-format\n"
                             "msgid \"Latency\"\n"
                             "msgstr \"Hwyrni\"\n"
                             "\n"
                             "msgid \"Loss\"\n"
                             "msgstr \"\"\n"
                             "\n"
                             "#~ msgid \"Old\"\n"
                             "#~ msgstr \"Hen\"\n"
                             "\n"
                             "msgid \"%lu day\"\n"
                             "msgid_plural \"%lu days\"\n"
                             "msgstr[0] \"%lu diwrnod\"\n"
                             "msgstr[1] \"\"\n"
                             "\n"
                             "msgid \"Wales\"\n"
                             "msgstr \"Cymru\"\n");
    assert_null(gw_po_lookup(po, NULL, "Latency", 0));
    assert_null(gw_po_lookup(po, NULL, "Loss", 0));
    assert_null(gw_po_lookup(po, NULL, "Old", 0));
    assert_null(gw_po_lookup(po, NULL, "%lu day", 0)); /* a plural missing a form */
    assert_string_equal(gw_po_lookup(po, NULL, "Wales", 0), "Cymru");
    assert_int_equal(gw_po_count(po), 1);
    gw_po_free(po);
}

static void test_po_refuses_malformed_text_with_its_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        {"msgid \"a\"\nmsgstr unquoted\n", "line 2: a string must be in double quotes"},
        {"msgid \"a\nmsgstr \"b\"\n", "line 1: a string must be in double quotes"},
        {"msgstr \"b\"\n", "line 1: msgstr without msgid"},
        {"\"stray\"\n", "line 1: a string that continues nothing"},
        {"msgid \"a\"\nmsgstr[9] \"b\"\n", "line 2: msgstr[N] needs a plural form number"},
        {"msgid \"a\"\nmsgstr \"b\\q\"\n", "line 2: a string must be in double quotes"},
        {"msgid \"a\"\nmsgstr \"b\" x\n", "line 2: a string must be in double quotes"},
        {"msgid \"a\"\nmsgid_x \"b\"\n", "line 2: expected msgctxt"},
        {"msgid \"a\"\nmsgstr \"b\"\nmsgid_plural \"c\"\n", "line 3: msgid_plural must follow"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *err = NULL;
        struct gw_po *po = gw_po_parse(cases[i].text, strlen(cases[i].text), &err);
        assert_null(po);
        assert_non_null(err);
        if (strncmp(err, cases[i].error, strlen(cases[i].error)) != 0)
            fail_msg("case %zu: got \"%s\", expected \"%s...\"", i, err, cases[i].error);
        free(err);
    }
}

static void test_po_empty_text_is_an_empty_catalogue(void **state)
{
    (void)state;
    struct gw_po *po = parse("");
    assert_int_equal(gw_po_count(po), 0);
    assert_null(gw_po_lookup(po, NULL, "x", 0));
    assert_null(gw_po_header(po, "Language"));
    gw_po_free(po);
    gw_po_free(NULL);
    assert_null(gw_po_lookup(NULL, NULL, "x", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_po_reads_messages_contexts_and_continuations),
        cmocka_unit_test(test_po_reads_plural_forms),
        cmocka_unit_test(test_po_leaves_out_fuzzy_untranslated_and_obsolete),
        cmocka_unit_test(test_po_refuses_malformed_text_with_its_line),
        cmocka_unit_test(test_po_empty_text_is_an_empty_catalogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
