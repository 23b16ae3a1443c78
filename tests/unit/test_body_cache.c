/*
 * The web server's body cache: one render serves every request of its
 * second, responses share the body without copies, and a body's memory
 * serves the next render once the last response has sent it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/clock.h"
#include "web/body_cache.h"

struct counter {
    int renders;
    const char *text;
};

static void render(void *ctx, struct gw_strbuf *out)
{
    struct counter *c = ctx;
    c->renders++;
    assert_int_equal(out->len, 0);
    gw_strbuf_append(out, c->text);
}

static void test_body_cache_renders_once_per_second(void **state)
{
    (void)state;
    struct gw_body_cache cache;
    gw_body_cache_init(&cache);
    struct counter n = {0, "first"};
    uint64_t t0 = gw_clock_mono_ms();
    struct gw_shared_body *a = gw_body_cache_get(&cache, 1, 0, true, render, &n);
    struct gw_shared_body *b = gw_body_cache_get(&cache, 1, 0, true, render, &n);
    /* A newer snapshot within the second: the same body still. */
    n.text = "second";
    struct gw_shared_body *c = gw_body_cache_get(&cache, 2, 0, true, render, &n);
    if (gw_clock_mono_ms() - t0 < GW_BODY_CACHE_MS) {
        assert_int_equal(n.renders, 1);
        assert_ptr_equal(a, c);
    }
    assert_ptr_equal(a, b);
    assert_string_equal(a->text.s, "first");
    assert_int_equal(a->text.len, 5);
    assert_int_equal(strlen(a->etag), 18);
    gw_shared_body_unref(a);
    gw_shared_body_unref(b);
    gw_shared_body_unref(c);

    /* After the second, a newer snapshot is rendered anew; the same one is not. */
    struct timespec pause = {1, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    struct gw_shared_body *same = gw_body_cache_get(&cache, 1, 0, true, render, &n);
    assert_string_equal(same->text.s, "first");
    gw_shared_body_unref(same);
    int before = n.renders;
    struct gw_shared_body *d = gw_body_cache_get(&cache, 2, 0, true, render, &n);
    assert_int_equal(n.renders, before + 1);
    assert_string_equal(d->text.s, "second");
    gw_shared_body_unref(d);
    /* Another availability view is another body. */
    nanosleep(&pause, NULL);
    d = gw_body_cache_get(&cache, 2, 7, true, render, &n);
    assert_int_equal(n.renders, before + 2);
    gw_shared_body_unref(d);
    gw_body_cache_fini(&cache);
}

static void test_body_cache_recycles_memory_and_keeps_bodies_in_use(void **state)
{
    (void)state;
    struct gw_body_cache cache;
    gw_body_cache_init(&cache);
    struct counter n = {0, "one"};
    struct gw_shared_body *one = gw_body_cache_get(&cache, 1, 0, false, render, &n);
    assert_string_equal(one->etag, "");
    /* Replaced while a response still sends it: it stays whole. */
    cache.rendered_mono_ms = 0;
    n.text = "two";
    struct gw_shared_body *two = gw_body_cache_get(&cache, 2, 0, false, render, &n);
    assert_string_equal(one->text.s, "one");
    assert_string_equal(two->text.s, "two");
    const char *memory = one->text.s;
    gw_shared_body_unref(one); /* its last reference: the memory goes back */
    cache.rendered_mono_ms = 0;
    n.text = "three";
    struct gw_shared_body *three = gw_body_cache_get(&cache, 3, 0, false, render, &n);
    assert_ptr_equal(three->text.s, memory);
    assert_string_equal(three->text.s, "three");
    gw_shared_body_unref(two);
    gw_shared_body_unref(three);
    gw_body_cache_fini(&cache);
}

static void test_body_etag_follows_the_content(void **state)
{
    (void)state;
    char a[GW_BODY_ETAG_MAX], b[GW_BODY_ETAG_MAX], c[GW_BODY_ETAG_MAX];
    gw_body_etag("abc", 3, a);
    gw_body_etag("abc", 3, b);
    gw_body_etag("abd", 3, c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(a[0], '"');
    assert_int_equal(a[17], '"');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_cache_renders_once_per_second),
        cmocka_unit_test(test_body_cache_recycles_memory_and_keeps_bodies_in_use),
        cmocka_unit_test(test_body_etag_follows_the_content),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
