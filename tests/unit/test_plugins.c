/*
 * The plugin loader: a good plugin loads and its types are found; one built
 * for another ABI, one without the entry symbol, a type defined twice and a
 * file that is not a shared object are refused with a sentence saying why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugin/plugins.h"
#include "tmp_testutil.h"
#include "util/xalloc.h"

static char *test_plugin(const char *name)
{
    const char *dir = getenv("GW_TEST_PLUGIN_DIR");
    assert_non_null(dir);
    return gw_xasprintf("%s/test_plugin_%s.so", dir, name);
}

static void test_plugins_load_a_good_plugin(void **state)
{
    (void)state;
    struct gw_plugins *p = gw_plugins_new();
    char *path = test_plugin("good");
    char *err = NULL;
    assert_int_equal(gw_plugins_load_file(p, path, &err), 0);
    assert_null(err);
    const struct gw_check_type *t = gw_plugins_check(p, "good");
    assert_non_null(t);
    assert_string_equal(t->description, "loads, never checks");
    assert_null(gw_plugins_check(p, "bad"));
    const char **names;
    assert_int_equal(gw_plugins_check_names(p, &names), 1);
    assert_string_equal(names[0], "good");
    free(path);
    gw_plugins_free(p);
}

static void test_plugins_refuse_another_abi(void **state)
{
    (void)state;
    struct gw_plugins *p = gw_plugins_new();
    char *path = test_plugin("wrong_abi");
    char *err = NULL;
    assert_int_equal(gw_plugins_load_file(p, path, &err), -EPROTO);
    char *expected = gw_xasprintf("plugin was built for plugin ABI %d, this gwyliwr speaks ABI %d",
                                  GW_PLUGIN_ABI_VERSION + 1, GW_PLUGIN_ABI_VERSION);
    assert_non_null(strstr(err, expected));
    assert_non_null(strstr(err, "rebuild it"));
    assert_null(gw_plugins_check(p, "good"));
    free(expected);
    free(err);
    free(path);
    gw_plugins_free(p);
}

static void test_plugins_refuse_a_library_without_the_entry_symbol(void **state)
{
    (void)state;
    struct gw_plugins *p = gw_plugins_new();
    char *path = test_plugin("no_symbol");
    char *err = NULL;
    assert_int_equal(gw_plugins_load_file(p, path, &err), -ENOEXEC);
    assert_non_null(strstr(err, "not a gwyliwr plugin (no \"gw_plugin\" symbol)"));
    free(err);
    free(path);
    gw_plugins_free(p);
}

static void test_plugins_refuse_a_type_defined_twice(void **state)
{
    (void)state;
    struct gw_plugins *p = gw_plugins_new();
    char *path = test_plugin("good");
    char *err = NULL;
    assert_int_equal(gw_plugins_load_file(p, path, &err), 0);
    /* The same type from a second file (a copy, so dlopen gives a new handle). */
    assert_int_equal(gw_plugins_load_file(p, path, &err), -EEXIST);
    assert_non_null(strstr(err, "check type \"good\" is already provided"));
    free(err);
    free(path);
    gw_plugins_free(p);
}

static void test_plugins_refuse_what_is_not_a_shared_object(void **state)
{
    (void)state;
    char *dir = temp_dir("gw-plugins");
    char *junk = gw_xasprintf("%s/junk.so", dir);
    FILE *f = fopen(junk, "w");
    fputs("not an ELF file\n", f);
    fclose(f);
    struct gw_plugins *p = gw_plugins_new();
    char *err = NULL;
    assert_int_equal(gw_plugins_load_file(p, junk, &err), -ENOEXEC);
    assert_non_null(strstr(err, "cannot load plugin"));
    free(err);
    /* A directory load goes on past a bad file and counts what loaded. */
    assert_int_equal(gw_plugins_load_dir(p, dir), 0);
    assert_int_equal(gw_plugins_load_dir(p, "/nonexistent-gwyliwr-dir"), -ENOENT);
    gw_plugins_free(p);
    tree_remove(dir);
    free(dir);
    free(junk);
}

static void test_plugins_load_the_built_in_directory(void **state)
{
    (void)state;
    const char *dir = getenv("GW_PLUGIN_DIR");
    assert_non_null(dir);
    struct gw_plugins *p = gw_plugins_new();
    assert_true(gw_plugins_load_dir(p, dir) >= 1);
    assert_non_null(gw_plugins_check(p, "tcp"));
    gw_plugins_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plugins_load_a_good_plugin),
        cmocka_unit_test(test_plugins_refuse_another_abi),
        cmocka_unit_test(test_plugins_refuse_a_library_without_the_entry_symbol),
        cmocka_unit_test(test_plugins_refuse_a_type_defined_twice),
        cmocka_unit_test(test_plugins_refuse_what_is_not_a_shared_object),
        cmocka_unit_test(test_plugins_load_the_built_in_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
