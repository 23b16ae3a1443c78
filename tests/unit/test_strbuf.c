/*
 * The growable string: appending, formatting past the first allocation,
 * escaping for XML and HTML, joining, and handing the text over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/strbuf.h"

static void test_strbuf_empty(void **state)
{
    (void)state;
    struct gw_strbuf b = {0};
    assert_string_equal(gw_strbuf_str(&b), "");
    assert_null(b.s);
    char *s = gw_strbuf_take(&b);
    assert_string_equal(s, "");
    free(s);
    gw_strbuf_reset(&b);
    assert_null(b.s);
    /* zero bytes appended: the text exists, empty */
    gw_strbuf_append_n(&b, "x", 0);
    assert_non_null(b.s);
    assert_string_equal(b.s, "");
    gw_strbuf_reset(&b);
}

static void test_strbuf_append(void **state)
{
    (void)state;
    struct gw_strbuf b = {0};
    gw_strbuf_append(&b, "cardiff");
    gw_strbuf_append_char(&b, '/');
    gw_strbuf_append_n(&b, "website-cy", 7);
    assert_string_equal(b.s, "cardiff/website");
    assert_int_equal(b.len, strlen("cardiff/website"));
    gw_strbuf_reset(&b);
    assert_null(b.s);
    assert_int_equal(b.len, 0);
}

static void test_strbuf_grows(void **state)
{
    (void)state;
    struct gw_strbuf b = {0};
    /* far past the first allocation, one byte and one long piece at a time */
    for (int i = 0; i < 1000; i++)
        gw_strbuf_append_char(&b, (char)('a' + i % 26));
    char big[5000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    gw_strbuf_append(&b, big);
    assert_int_equal(b.len, 1000 + sizeof(big) - 1);
    assert_int_equal(strlen(b.s), b.len);
    assert_true(b.cap > b.len);
    assert_int_equal(b.s[0], 'a');
    assert_int_equal(b.s[999], (char)('a' + 999 % 26));
    assert_int_equal(b.s[b.len - 1], 'z');
    gw_strbuf_reset(&b);
}

static void test_strbuf_printf(void **state)
{
    (void)state;
    struct gw_strbuf b = {0};
    gw_strbuf_printf(&b, "%s: %d ms", "latency", 212);
    gw_strbuf_printf(&b, "%s", "");
    gw_strbuf_printf(&b, " (%.1f %%)", 99.95);
    assert_string_equal(b.s, "latency: 212 ms (100.0 %)");
    /* a piece longer than what is allocated so far */
    gw_strbuf_printf(&b, "%300s|", "end");
    assert_int_equal(b.len, strlen("latency: 212 ms (100.0 %)") + 301);
    assert_string_equal(b.s + b.len - 4, "end|");
    gw_strbuf_reset(&b);
}

static void vprintf_through(struct gw_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void vprintf_through(struct gw_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gw_strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

static void test_strbuf_vprintf(void **state)
{
    (void)state;
    struct gw_strbuf b = {0};
    gw_strbuf_append(&b, "> ");
    vprintf_through(&b, "%s/%s after %u failures", "gwynedd", "myaccount", 2u);
    assert_string_equal(b.s, "> gwynedd/myaccount after 2 failures");
    gw_strbuf_reset(&b);
}

static void test_strbuf_xml_escapes(void **state)
{
    (void)state;
    struct gw_strbuf b = {0};
    gw_strbuf_append_xml_text(&b, "<b>Conwy & \"Môn\"</b>");
    assert_string_equal(b.s, "&lt;b&gt;Conwy &amp; \"Môn\"&lt;/b&gt;");
    gw_strbuf_reset(&b);
    gw_strbuf_append_xml_attr(&b, "a \"quoted\" <tag> & more");
    assert_string_equal(b.s, "a &quot;quoted&quot; &lt;tag&gt; &amp; more");
    gw_strbuf_reset(&b);
    /* plain text passes unchanged; an empty string appends nothing */
    gw_strbuf_append_xml_attr(&b, "Caerdydd");
    gw_strbuf_append_xml_text(&b, "");
    assert_string_equal(b.s, "Caerdydd");
    gw_strbuf_reset(&b);
}

static void test_strbuf_join(void **state)
{
    (void)state;
    static const char *const names[] = {"http", "tcp", "icmp"};
    struct gw_strbuf b = {0};
    gw_strbuf_join(&b, names, 3, ", ");
    assert_string_equal(b.s, "http, tcp, icmp");
    gw_strbuf_reset(&b);
    gw_strbuf_join(&b, names, 1, ", ");
    assert_string_equal(b.s, "http");
    gw_strbuf_reset(&b);
    gw_strbuf_join(&b, names, 0, ", ");
    assert_string_equal(gw_strbuf_str(&b), "");
    gw_strbuf_reset(&b);
}

static void test_strbuf_take(void **state)
{
    (void)state;
    struct gw_strbuf b = {0};
    gw_strbuf_append(&b, "first");
    char *first = gw_strbuf_take(&b);
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    /* the buffer is usable again, and the text taken is not touched */
    gw_strbuf_append(&b, "second");
    char *second = gw_strbuf_take(&b);
    assert_string_equal(first, "first");
    assert_string_equal(second, "second");
    free(first);
    free(second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf_empty),   cmocka_unit_test(test_strbuf_append),
        cmocka_unit_test(test_strbuf_grows),   cmocka_unit_test(test_strbuf_printf),
        cmocka_unit_test(test_strbuf_vprintf), cmocka_unit_test(test_strbuf_xml_escapes),
        cmocka_unit_test(test_strbuf_join),    cmocka_unit_test(test_strbuf_take),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
