/*
 * Reasons in words: every reason code of the public header has a phrase in
 * English and in Welsh, the Welsh its own; an http_status says its status;
 * a reason without words leaves the caller to say something else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gwyliwr/plugin.h>

#include "i18n/reason.h"

/* The phrase of reason (and sentence) in lang; NULL when there is none. Caller frees. */
static char *phrase(enum gw_lang lang, const char *reason, const char *sentence)
{
    struct gw_strbuf b = {0};
    if (!gw_reason_phrase(&b, lang, reason, sentence)) {
        assert_int_equal(strlen(gw_strbuf_str(&b)), 0);
        gw_strbuf_reset(&b);
        return NULL;
    }
    return gw_strbuf_take(&b);
}

static void phrase_is(enum gw_lang lang, const char *reason, const char *sentence, const char *want)
{
    char *got = phrase(lang, reason, sentence);
    if (!want) {
        if (got)
            fail_msg("%s: want no phrase, got \"%s\"", reason ? reason : "(null)", got);
        return;
    }
    if (!got)
        fail_msg("%s: no phrase, want \"%s\"", reason ? reason : "(null)", want);
    assert_string_equal(got, want);
    free(got);
}

/*
 * The words of every `#define GW_REASON_X "word"` of include/gwyliwr/plugin.h,
 * read from the source, so a code added there without a phrase fails here.
 */
static size_t header_reasons(char words[][64], size_t max)
{
    const char *src = getenv("GW_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof(path), "%s/include/gwyliwr/plugin.h", src);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot read %s", path);
    char line[512];
    size_t n = 0;
    while (fgets(line, sizeof(line), f)) {
        char name[64];
        if (sscanf(line, "#define GW_REASON_%63s \"%63[a-z0-9_]\"", name, words[n]) == 2) {
            assert_true(n + 1 < max);
            n++;
        }
    }
    fclose(f);
    return n;
}

static void test_reason_every_code_has_welsh_words(void **state)
{
    (void)state;
    char words[128][64];
    size_t n = header_reasons(words, 128);
    /* the header's vocabulary, at least as it stood when this test was written */
    assert_true(n >= 45);
    for (size_t i = 0; i < n; i++) {
        char *en = phrase(GW_LANG_EN, words[i], NULL);
        char *cy = phrase(GW_LANG_CY, words[i], NULL);
        if (!en || !cy)
            fail_msg("reason %s has no phrase in %s", words[i], en ? "Welsh" : "English");
        if (strcmp(en, cy) == 0)
            fail_msg("reason %s: the Welsh is the English \"%s\"", words[i], en);
        free(en);
        free(cy);
    }
}

static void test_reason_phrases(void **state)
{
    (void)state;
    phrase_is(GW_LANG_EN, GW_REASON_CONNECT_REFUSED, "connection refused by 127.0.0.1:8",
              "connection refused");
    phrase_is(GW_LANG_CY, GW_REASON_CONNECT_REFUSED, "connection refused by 127.0.0.1:8",
              "cysylltiad wedi'i wrthod");
    phrase_is(GW_LANG_CY, GW_REASON_NXDOMAIN, NULL, "nid yw'r enw'n bodoli");
    phrase_is(GW_LANG_CY, GW_REASON_FEED_SCHEMA, NULL, "ffrwd anghyflawn");
    phrase_is(GW_LANG_CY, GW_REASON_PACKET_LOSS, NULL, "pecynnau wedi'u colli");
    /* two codes, one meaning for a reader */
    phrase_is(GW_LANG_EN, GW_REASON_JSON_MISMATCH, NULL, "wrong content");
    phrase_is(GW_LANG_EN, GW_REASON_BODY_MISMATCH, NULL, "wrong content");
}

static void test_reason_http_status_from_the_sentence(void **state)
{
    (void)state;
    const char *sentence = "HTTP 503 from www.gwynedd.llyw.cymru after 212 ms (expected 2xx)";
    phrase_is(GW_LANG_EN, GW_REASON_HTTP_STATUS, sentence, "HTTP 503");
    phrase_is(GW_LANG_CY, GW_REASON_HTTP_STATUS, sentence, "HTTP 503");
    /* anywhere in the sentence, the first that is a status */
    phrase_is(GW_LANG_CY, GW_REASON_HTTP_STATUS,
              "https://x/HTTP 99/ says \"fail\" (HTTP 404, then HTTP 500)", "HTTP 404");
    /* not a status: four digits, too few, out of range, no space */
    phrase_is(GW_LANG_CY, GW_REASON_HTTP_STATUS, "HTTP 5030 from x", "statws HTTP annisgwyl");
    phrase_is(GW_LANG_CY, GW_REASON_HTTP_STATUS, "HTTP 50 from x", "statws HTTP annisgwyl");
    phrase_is(GW_LANG_EN, GW_REASON_HTTP_STATUS, "HTTP 999 from x", "unexpected HTTP status");
    phrase_is(GW_LANG_EN, GW_REASON_HTTP_STATUS, "HTTP/1.1 503 from x", "unexpected HTTP status");
    phrase_is(GW_LANG_EN, GW_REASON_HTTP_STATUS, "HTTP 503", "HTTP 503");
    phrase_is(GW_LANG_EN, GW_REASON_HTTP_STATUS, NULL, "unexpected HTTP status");
    /* only an http_status takes its words from the sentence */
    phrase_is(GW_LANG_EN, GW_REASON_RATE_LIMITED, "HTTP 429 from x", "too many requests");
    phrase_is(GW_LANG_CY, GW_REASON_RATE_LIMITED, "HTTP 429 from x", "gormod o geisiadau");
}

static void test_reason_none_leaves_the_buffer(void **state)
{
    (void)state;
    phrase_is(GW_LANG_CY, NULL, "HTTP 200 from x in 3 ms", NULL);
    phrase_is(GW_LANG_CY, "", "HTTP 200 from x in 3 ms", NULL);
    phrase_is(GW_LANG_EN, "someone_elses_word", "it broke", NULL);
    /* appended after what is there; untouched when there is no phrase */
    struct gw_strbuf b = {0};
    gw_strbuf_append(&b, "x: ");
    assert_false(gw_reason_phrase(&b, GW_LANG_CY, "someone_elses_word", NULL));
    assert_string_equal(gw_strbuf_str(&b), "x: ");
    assert_true(gw_reason_phrase(&b, GW_LANG_CY, GW_REASON_TIMEOUT, NULL));
    assert_string_equal(gw_strbuf_str(&b), "x: dim ateb mewn pryd");
    gw_strbuf_reset(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reason_every_code_has_welsh_words),
        cmocka_unit_test(test_reason_phrases),
        cmocka_unit_test(test_reason_http_status_from_the_sentence),
        cmocka_unit_test(test_reason_none_leaves_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
