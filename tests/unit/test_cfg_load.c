/*
 * The YAML/JSON loader: positions of nodes, syntax errors, duplicate keys,
 * anchors, ${ENV} references.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/cfg.h"
#include "config/cfg_load.h"

struct fixture {
    struct gw_cfg_doc *doc;
    struct gw_cfg *root;
    int rc;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->doc = gw_cfg_doc_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    gw_cfg_doc_free(f->doc);
    free(f);
    return 0;
}

static void load(struct fixture *f, const char *name, const char *text)
{
    f->rc = gw_cfg_load_string(f->doc, name, text, strlen(text), &f->root);
}

/* Asserts that diagnostic i reads exactly `want`. */
static void assert_diag(const struct gw_diag *d, size_t i, const char *want)
{
    if (i >= d->n)
        fail_msg("expected diagnostic %zu \"%s\", but there are only %zu", i, want, d->n);
    char *got = gw_diag_format(d, i);
    if (strcmp(got, want) != 0) {
        print_error("diagnostic %zu:\n  got:  %s\n  want: %s\n", i, got, want);
        free(got);
        fail();
    }
    free(got);
}

static void test_cfg_load_positions(void **state)
{
    struct fixture *f = *state;
    load(f, "p.yaml",
         "daemon:\n"
         "  listen: 127.0.0.1:9469\n"
         "councils:\n"
         "  - id: cardiff\n"
         "    targets: [a, \"b\"]\n");
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 0);
    assert_int_equal(f->root->kind, GW_CFG_KIND_MAP);
    const struct gw_cfg *listen = gw_cfg_child(gw_cfg_child(f->root, "daemon"), "listen");
    assert_string_equal(gw_cfg_scalar(listen), "127.0.0.1:9469");
    assert_int_equal(listen->line, 2);
    assert_int_equal(listen->col, 11);
    const struct gw_cfg *council = gw_cfg_at(gw_cfg_child(f->root, "councils"), 0);
    assert_int_equal(council->kind, GW_CFG_KIND_MAP);
    assert_int_equal(council->line, 4);
    assert_int_equal(council->col, 5);
    const struct gw_cfg *targets = gw_cfg_child(council, "targets");
    assert_int_equal(gw_cfg_len(targets), 2);
    const struct gw_cfg *b = gw_cfg_at(targets, 1);
    assert_string_equal(gw_cfg_scalar(b), "b");
    assert_int_equal(b->quoted, 1);
    assert_int_equal(b->line, 5);
    assert_int_equal(b->col, 19);
    const struct gw_cfg *key = gw_cfg_key_node(council, "targets");
    assert_int_equal(key->line, 5);
    assert_int_equal(key->col, 5);
    assert_string_equal(key->file->path, "p.yaml");
}

static void test_cfg_load_nulls_and_empty(void **state)
{
    struct fixture *f = *state;
    load(f, "n.yaml", "a:\nb: ~\nc: null\nd: \"\"\n");
    assert_int_equal(f->rc, 0);
    assert_int_equal(gw_cfg_child(f->root, "a")->kind, GW_CFG_KIND_NULL);
    assert_int_equal(gw_cfg_child(f->root, "b")->kind, GW_CFG_KIND_NULL);
    assert_int_equal(gw_cfg_child(f->root, "c")->kind, GW_CFG_KIND_NULL);
    assert_null(gw_cfg_scalar(gw_cfg_child(f->root, "c")));
    /* a quoted empty string is a string, not null */
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(f->root, "d")), "");
}

static void test_cfg_load_empty_file(void **state)
{
    struct fixture *f = *state;
    load(f, "e.yaml", "# only a comment\n");
    assert_int_equal(f->rc, 0);
    assert_non_null(f->root);
    assert_int_equal(f->root->kind, GW_CFG_KIND_NULL);
    assert_int_equal(f->doc->diag->n, 0);
}

static void test_cfg_load_syntax_error(void **state)
{
    struct fixture *f = *state;
    load(f, "s.yaml", "a: 1\nb: [1, 2\nc: 3\n");
    assert_int_not_equal(f->rc, 0);
    assert_null(f->root);
    assert_int_equal(f->doc->diag->n, 1);
    /* where the parser gave up, with libfyaml's words */
    assert_diag(f->doc->diag, 0,
                "s.yaml:4:1: error: YAML syntax error: flow sequence without a closing bracket");
}

/* Text that is not UTF-8 is refused where it starts (a directive line that
 * is not made libfyaml 0.7 loop for ever, as the configuration fuzzer found). */
static void test_cfg_load_not_utf8(void **state)
{
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"%\xff\n", "u.yaml:1:2: error: byte 0xFF is not UTF-8 text (expected the file saved as "
                    "UTF-8)"},
        {"a: 1\nb: \"caf\xe9\"\n", "u.yaml:2:8: error: byte 0xE9 is not UTF-8 text (expected "
                                   "the file saved as UTF-8)"},
        {"a: \xc0\xaf\n", "u.yaml:1:4: error: byte 0xC0 is not UTF-8 text (expected the file "
                          "saved as UTF-8)"},
        {"a: \xed\xa0\x80\n", "u.yaml:1:4: error: byte 0xED is not UTF-8 text (expected the "
                              "file saved as UTF-8)"},
        {"a: \xe2\x82\n", "u.yaml:1:4: error: byte 0xE2 is not UTF-8 text (expected the file "
                          "saved as UTF-8)"},
        /* past U+10FFFF, a lone continuation byte, cut short at the end */
        {"a: \xf4\x90\x80\x80\n", "u.yaml:1:4: error: byte 0xF4 is not UTF-8 text (expected "
                                  "the file saved as UTF-8)"},
        {"a: 1\nb: \x80\n", "u.yaml:2:4: error: byte 0x80 is not UTF-8 text (expected the "
                            "file saved as UTF-8)"},
        {"a: \xe2\x82", "u.yaml:1:4: error: byte 0xE2 is not UTF-8 text (expected the file "
                        "saved as UTF-8)"},
        {"%\xf4", "u.yaml:1:2: error: byte 0xF4 is not UTF-8 text (expected the file saved as "
                  "UTF-8)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fixture *f = *state;
        gw_cfg_doc_free(f->doc);
        f->doc = gw_cfg_doc_new();
        load(f, "u.yaml", cases[i].text);
        assert_int_not_equal(f->rc, 0);
        assert_null(f->root);
        assert_int_equal(f->doc->diag->n, 1);
        assert_diag(f->doc->diag, 0, cases[i].want);
    }
    /* Welsh and Euro signs are UTF-8. */
    struct fixture *f = *state;
    gw_cfg_doc_free(f->doc);
    f->doc = gw_cfg_doc_new();
    load(f, "u.yaml", "name: \"Cyngor Gwynedd \xc5\xb5 \xe2\x82\xac \xf0\x9f\x94\x8c\"\n");
    assert_int_equal(f->rc, 0);
}

/* Quoted quotes in a row, which Debian 12's libfyaml misreads (and leaks
 * over, as the configuration fuzzer found), are read as YAML says. */
static void test_cfg_load_single_quotes_in_a_row(void **state)
{
    struct fixture *f = *state;
    char many[80] = "n: '";
    memset(many + 4, '\'', 60); /* 30 quoted quotes */
    strcpy(many + 64, "x'\n");
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    fprintf(out, "a: 'x''''y'\nb: ''''''\nc: 'it''s ''''quoted'''''\nd: 'x''y'\n%s", many);
    fclose(out);
    load(f, "q.yaml", text);
    free(text);
    assert_int_equal(f->rc, 0);
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(f->root, "a")), "x''y");
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(f->root, "b")), "''");
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(f->root, "c")), "it's ''quoted''");
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(f->root, "d")), "x'y");
    const char *n = gw_cfg_scalar(gw_cfg_child(f->root, "n"));
    assert_int_equal(strlen(n), 31);
    assert_int_equal(strspn(n, "'"), 30);

    /* Over several lines YAML folds the breaks: refused rather than misread. */
    gw_cfg_doc_free(f->doc);
    f->doc = gw_cfg_doc_new();
    load(f, "q.yaml", "a: 1\nb: 'x\n  ''''y'\n");
    assert_int_equal(f->rc, 0); /* reported, and loading goes on */
    assert_int_equal(f->doc->diag->n, 1);
    assert_diag(f->doc->diag, 0,
                "q.yaml:2:5: error: quoted quotes in a row ('''') in a single-quoted text over "
                "several lines cannot be read here (expected the text on one line, or "
                "double-quoted)");
}

static void test_cfg_load_syntax_error_bad_indent(void **state)
{
    struct fixture *f = *state;
    load(f, "i.yaml", "a:\n  b: 1\n c: 2\n");
    assert_int_not_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 1);
    assert_diag(f->doc->diag, 0,
                "i.yaml:3:2: error: YAML syntax error: invalid indentation in mapping");
}

static void test_cfg_load_second_document(void **state)
{
    struct fixture *f = *state;
    load(f, "d.yaml", "a: 1\n---\nb: 2\n");
    assert_int_not_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 1);
    assert_diag(f->doc->diag, 0,
                "d.yaml:2:1: error: a second YAML document in one file (expected one; use "
                "include: for more files)");
}

static void test_cfg_load_explicit_single_document(void **state)
{
    struct fixture *f = *state;
    load(f, "d.yaml", "---\na: 1\n...\n");
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 0);
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(f->root, "a")), "1");
}

static void test_cfg_load_duplicate_key(void **state)
{
    struct fixture *f = *state;
    /* in any mapping, including ones no schema describes */
    load(f, "k.yaml", "headers:\n  Accept: a\n  X: b\n  Accept: c\n");
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 1);
    assert_diag(f->doc->diag, 0,
                "k.yaml:4:3: error: duplicate key \"Accept\" (first given at line 2, column 3)");
    /* the first one counts */
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(gw_cfg_child(f->root, "headers"), "Accept")),
                        "a");
}

static void test_cfg_load_duplicate_key_in_large_mapping(void **state)
{
    struct fixture *f = *state;
    size_t cap = 200 * 16 + 32;
    char *text = malloc(cap);
    size_t len = 0;
    for (int i = 0; i < 200; i++)
        len += (size_t)snprintf(text + len, cap - len, "k%d: %d\n", i, i);
    len += (size_t)snprintf(text + len, cap - len, "k7: again\n");
    load(f, "big.yaml", text);
    free(text);
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 1);
    assert_diag(f->doc->diag, 0,
                "big.yaml:201:1: error: duplicate key \"k7\" (first given at line 8, column 1)");
}

static void test_cfg_load_non_scalar_key(void **state)
{
    struct fixture *f = *state;
    load(f, "c.yaml", "? [a, b]\n: 1\nok: 2\n");
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->errors, 1);
    assert_diag(f->doc->diag, 0, "c.yaml:1:3: error: a key that is a list (expected a string)");
    assert_null(gw_cfg_key_at(f->root, 0));
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(f->root, "ok")), "2");
}

static void test_cfg_load_json(void **state)
{
    struct fixture *f = *state;
    load(f, "c.json", "{\n  \"councils\": [\n    {\"id\": \"cardiff\", \"n\": 3}\n  ]\n}\n");
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 0);
    const struct gw_cfg *c = gw_cfg_at(gw_cfg_child(f->root, "councils"), 0);
    const struct gw_cfg *id = gw_cfg_child(c, "id");
    assert_string_equal(gw_cfg_scalar(id), "cardiff");
    assert_int_equal(id->line, 3);
    assert_int_equal(id->col, 13);
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(c, "n")), "3");
}

static void test_cfg_load_json_syntax_error(void **state)
{
    struct fixture *f = *state;
    load(f, "c.json", "{\n  \"a\": 1,\n  \"b\" 2\n}\n");
    assert_int_not_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 1);
    assert_diag(f->doc->diag, 0,
                "c.json:3:4: error: JSON syntax error: JSON does not allow empty values in a "
                "mapping");
}

static void test_cfg_load_anchor_alias(void **state)
{
    struct fixture *f = *state;
    load(f, "a.yaml", "base: &b {x: 1}\nother: *b\nname: &n hello\ncopy: *n\n");
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 0);
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(gw_cfg_child(f->root, "other"), "x")), "1");
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(f->root, "copy")), "hello");
}

static void test_cfg_load_unknown_alias(void **state)
{
    struct fixture *f = *state;
    load(f, "a.yaml", "a: 1\nb: *nowhere\n");
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 1);
    assert_diag(f->doc->diag, 0,
                "a.yaml:2:5: error: alias *nowhere names no anchor (expected &nowhere defined "
                "before it)");
}

static void test_cfg_load_env_reference(void **state)
{
    struct fixture *f = *state;
    setenv("GW_TEST_HOST", "mail.example", 1);
    unsetenv("GW_TEST_UNSET");
    load(f, "e.yaml",
         "host: ${GW_TEST_HOST}\n"
         "url: \"https://${GW_TEST_HOST}:${GW_TEST_UNSET:-443}/x\"\n"
         "price: $$5 and $HOME\n");
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 0);
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(f->root, "host")), "mail.example");
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(f->root, "url")), "https://mail.example:443/x");
    assert_string_equal(gw_cfg_scalar(gw_cfg_child(f->root, "price")), "$5 and $HOME");
}

static void test_cfg_load_env_missing(void **state)
{
    struct fixture *f = *state;
    unsetenv("GW_TEST_UNSET");
    load(f, "e.yaml", "a: 1\nurl: https://${GW_TEST_UNSET}/\n");
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 1);
    assert_diag(f->doc->diag, 0,
                "e.yaml:2:6: error: environment variable GW_TEST_UNSET is not set (expected it "
                "set, or ${GW_TEST_UNSET:-default} for a fallback)");
}

static void test_cfg_load_env_bad_reference(void **state)
{
    struct fixture *f = *state;
    load(f, "e.yaml", "a: ${unclosed\nb: ${}\nc: ${BAD NAME}\n");
    assert_int_equal(f->rc, 0);
    assert_int_equal(f->doc->diag->n, 3);
    assert_diag(f->doc->diag, 0,
                "e.yaml:1:4: error: bad variable reference in \"${unclosed\" (expected "
                "${NAME}, ${NAME:-default} or $$ for a dollar)");
    assert_diag(f->doc->diag, 1,
                "e.yaml:2:4: error: bad variable reference in \"${}\" (expected ${NAME}, "
                "${NAME:-default} or $$ for a dollar)");
    assert_diag(f->doc->diag, 2,
                "e.yaml:3:4: error: bad variable reference in \"${BAD NAME}\" (expected "
                "${NAME}, ${NAME:-default} or $$ for a dollar)");
}

static void test_cfg_load_expand_env(void **state)
{
    (void)state;
    char *missing = NULL;
    setenv("GW_TEST_EMPTY", "", 1);
    setenv("GW_TEST_X", "x", 1);
    unsetenv("GW_TEST_UNSET");
    char *s = gw_cfg_load_expand_env("a${GW_TEST_X}b${GW_TEST_UNSET:-d:-e}c", &missing);
    assert_string_equal(s, "axbd:-ec");
    free(s);
    /* set but empty: the default applies, as in the shell's :- */
    s = gw_cfg_load_expand_env("[${GW_TEST_EMPTY:-dflt}]", &missing);
    assert_string_equal(s, "[dflt]");
    free(s);
    s = gw_cfg_load_expand_env("[${GW_TEST_EMPTY}]", &missing);
    assert_string_equal(s, "[]");
    free(s);
    s = gw_cfg_load_expand_env("${GW_TEST_UNSET:-}", &missing);
    assert_string_equal(s, "");
    free(s);
    s = gw_cfg_load_expand_env("x ${GW_TEST_UNSET} y", &missing);
    assert_null(s);
    assert_string_equal(missing, "GW_TEST_UNSET");
    free(missing);
    missing = (char *)"sentinel";
    s = gw_cfg_load_expand_env("${GW_TEST_X", &missing);
    assert_null(s);
    assert_null(missing);
}

static void test_cfg_load_file_missing(void **state)
{
    struct fixture *f = *state;
    struct gw_cfg *root = NULL;
    int rc = gw_cfg_load_file(f->doc, "/nonexistent/gwyliwr.yaml", &root);
    assert_int_equal(rc, -2 /* -ENOENT */);
    assert_null(root);
    assert_diag(f->doc->diag, 0,
                "/nonexistent/gwyliwr.yaml: error: cannot open: No such file or directory");
}

/* A node with no place of its own in the text (an anchored nothing) still
 * has a position: the last one seen (found by tests/fuzz). */
static void test_cfg_load_every_node_has_a_position(void **state)
{
    struct fixture *f = *state;
    load(f, "p.yaml", "&&anchor\n");
    assert_int_equal(f->rc, 0);
    assert_non_null(f->root);
    assert_true(f->root->line >= 1 && f->root->col >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cfg_load_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_nulls_and_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_not_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_single_quotes_in_a_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_syntax_error_bad_indent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_second_document, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_explicit_single_document, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_duplicate_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_duplicate_key_in_large_mapping, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_non_scalar_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_json_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_anchor_alias, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_unknown_alias, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_env_reference, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_env_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_env_bad_reference, setup, teardown),
        cmocka_unit_test(test_cfg_load_expand_env),
        cmocka_unit_test_setup_teardown(test_cfg_load_file_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cfg_load_every_node_has_a_position, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
