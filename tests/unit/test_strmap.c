/*
 * The string-to-index hash map: lookups, refusing repeats, growth.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "util/strmap.h"

static void test_strmap_put_get(void **state)
{
    (void)state;
    struct gw_strmap *m = gw_strmap_new();
    size_t v = 99;
    assert_int_equal(gw_strmap_size(m), 0);
    assert_int_equal(gw_strmap_get(m, "cardiff/web", &v), -ENOENT);
    assert_int_equal(v, 99);
    assert_int_equal(gw_strmap_put(m, "cardiff/web", 0, NULL), 0);
    assert_int_equal(gw_strmap_put(m, "cardiff/api", 1, NULL), 0);
    assert_int_equal(gw_strmap_put(m, "", 2, NULL), 0);
    assert_int_equal(gw_strmap_size(m), 3);
    assert_int_equal(gw_strmap_get(m, "cardiff/web", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(gw_strmap_get(m, "cardiff/api", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(gw_strmap_get(m, "", &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(gw_strmap_get(m, "cardiff/we", &v), -ENOENT);
    /* a key is compared by its text, not its address */
    char copy[] = "cardiff/api";
    assert_int_equal(gw_strmap_get(m, copy, &v), 0);
    assert_int_equal(v, 1);
    gw_strmap_free(m);
    gw_strmap_free(NULL);
}

static void test_strmap_duplicate(void **state)
{
    (void)state;
    struct gw_strmap *m = gw_strmap_new();
    size_t existing = 77, v;
    assert_int_equal(gw_strmap_put(m, "a", 5, &existing), 0);
    assert_int_equal(existing, 77);
    assert_int_equal(gw_strmap_put(m, "a", 6, &existing), -EEXIST);
    assert_int_equal(existing, 5);
    assert_int_equal(gw_strmap_put(m, "a", 7, NULL), -EEXIST);
    /* unchanged */
    assert_int_equal(gw_strmap_size(m), 1);
    assert_int_equal(gw_strmap_get(m, "a", &v), 0);
    assert_int_equal(v, 5);
    gw_strmap_free(m);
}

static void test_strmap_growth(void **state)
{
    (void)state;
    enum { N = 100000 };
    char **keys = calloc(N, sizeof(*keys));
    struct gw_strmap *m = gw_strmap_new();
    for (size_t i = 0; i < N; i++) {
        assert_true(asprintf(&keys[i], "council%zu/target%zu", i % 22, i) > 0);
        assert_int_equal(gw_strmap_put(m, keys[i], i, NULL), 0);
        assert_int_equal(gw_strmap_size(m), i + 1);
    }
    for (size_t i = 0; i < N; i++) {
        size_t v = SIZE_MAX;
        assert_int_equal(gw_strmap_get(m, keys[i], &v), 0);
        assert_int_equal(v, i);
        size_t existing = SIZE_MAX;
        assert_int_equal(gw_strmap_put(m, keys[i], 0, &existing), -EEXIST);
        assert_int_equal(existing, i);
    }
    size_t v;
    assert_int_equal(gw_strmap_get(m, "council0/target100000", &v), -ENOENT);
    assert_int_equal(gw_strmap_size(m), N);
    gw_strmap_free(m);
    for (size_t i = 0; i < N; i++)
        free(keys[i]);
    free(keys);
}

static void test_strmap_hash(void **state)
{
    (void)state;
    /* FNV-1a 64: stable across runs and machines (schedule phases use it) */
    assert_true(gw_strmap_hash("") == 14695981039346656037ull);
    assert_true(gw_strmap_hash("a") == 0xaf63dc4c8601ec8cull);
    assert_true(gw_strmap_hash("foobar") == 0x85944171f73967e8ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strmap_put_get),
        cmocka_unit_test(test_strmap_duplicate),
        cmocka_unit_test(test_strmap_growth),
        cmocka_unit_test(test_strmap_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
