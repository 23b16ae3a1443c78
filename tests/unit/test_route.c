/*
 * The web server's addresses: pages in both languages, graphs, the API, and
 * every path that tries to reach something else refused before any lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web/route.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void test_route_pages_and_languages(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        enum gw_route_kind kind;
        enum gw_lang lang;
        const char *council, *target;
    } cases[] = {
        {"/", GW_ROUTE_OVERVIEW, GW_LANG_EN, "", ""},
        {"/cy", GW_ROUTE_OVERVIEW, GW_LANG_CY, "", ""},
        {"/cy/", GW_ROUTE_OVERVIEW, GW_LANG_CY, "", ""},
        {"/council/cardiff", GW_ROUTE_COUNCIL, GW_LANG_EN, "cardiff", ""},
        {"/cy/council/vale-of_glamorgan2", GW_ROUTE_COUNCIL, GW_LANG_CY, "vale-of_glamorgan2", ""},
        {"/target/cardiff/website", GW_ROUTE_TARGET, GW_LANG_EN, "cardiff", "website"},
        {"/cy/target/cardiff/website-cy", GW_ROUTE_TARGET, GW_LANG_CY, "cardiff", "website-cy"},
        {"/graph/wales.png", GW_ROUTE_GRAPH, GW_LANG_EN, "wales", ""},
        {"/graph/cardiff/website.svg", GW_ROUTE_GRAPH, GW_LANG_EN, "cardiff", "website"},
        {"/api/v1/status", GW_ROUTE_API_STATUS, GW_LANG_EN, "", ""},
        {"/api/v1/councils/powys", GW_ROUTE_API_COUNCIL, GW_LANG_EN, "powys", ""},
        {"/api/v1/targets/powys/api", GW_ROUTE_API_TARGET, GW_LANG_EN, "powys", "api"},
        {"/api/v1/events", GW_ROUTE_API_EVENTS, GW_LANG_EN, "", ""},
        {"/api/v1/openapi.json", GW_ROUTE_API_OPENAPI, GW_LANG_EN, "", ""},
        {"/metrics", GW_ROUTE_METRICS, GW_LANG_EN, "", ""},
        {"/healthz", GW_ROUTE_HEALTHZ, GW_LANG_EN, "", ""},
        {"/static/style.css", GW_ROUTE_STYLE, GW_LANG_EN, "", ""},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct gw_route r;
        assert_int_equal(gw_route_parse(cases[i].path, &r), cases[i].kind);
        assert_int_equal(r.lang, cases[i].lang);
        assert_string_equal(r.council, cases[i].council);
        assert_string_equal(r.target, cases[i].target);
    }
    struct gw_route r;
    gw_route_parse("/graph/cardiff/website.svg", &r);
    assert_int_equal(r.svg, 1);
    gw_route_parse("/graph/cardiff.png", &r);
    assert_int_equal(r.svg, 0);
}

static void test_route_refuses_tricks(void **state)
{
    (void)state;
    char overlong[GW_ROUTE_ID_MAX + 32] = "/council/";
    memset(overlong + 9, 'a', GW_ROUTE_ID_MAX + 1);
    overlong[9 + GW_ROUTE_ID_MAX + 1] = '\0';
    const char *bad[] = {
        "",
        "council/cardiff",
        "/target/../etc/passwd",
        "/target/cardiff/..",
        "/council/..",
        "/council/%2e%2e",
        "/graph/..%2fetc%2fpasswd.png",
        "/graph/cardiff%2fwebsite.png",
        "/target/cardiff%2Fwebsite",
        "/council/Cardiff",
        "/council/card iff",
        "/council/card\\iff",
        "/target/cardiff//website",
        "//council/cardiff",
        "/council/./cardiff",
        overlong,
        "/graph/../../x.png",
        "/council/caf\xc3\xa9",
        "/target/cardiff",
    };
    for (size_t i = 0; i < N_OF(bad); i++) {
        struct gw_route r;
        enum gw_route_kind k = gw_route_parse(bad[i], &r);
        if (k != GW_ROUTE_BAD && k != GW_ROUTE_NOT_FOUND)
            fail_msg("\"%s\" was accepted as %d", bad[i], k);
    }
    const char *unknown[] = {"/nothing",
                             "/cy/metrics",
                             "/cy/api/v1/status",
                             "/graph/wales.gif",
                             "/council/cardiff/extra",
                             "/api/v2/status"};
    for (size_t i = 0; i < N_OF(unknown); i++) {
        struct gw_route r;
        assert_int_equal(gw_route_parse(unknown[i], &r), GW_ROUTE_NOT_FOUND);
    }
    /* The longest well-formed id is an id. */
    overlong[9 + GW_ROUTE_ID_MAX] = '\0';
    struct gw_route r;
    assert_int_equal(gw_route_parse(overlong, &r), GW_ROUTE_COUNCIL);
}

static void test_route_reports(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        enum gw_route_kind kind;
        enum gw_lang lang;
        const char *rest;
    } cases[] = {
        {"/report", GW_ROUTE_REPORT, GW_LANG_EN, ""},
        {"/report/", GW_ROUTE_REPORT, GW_LANG_EN, ""},
        {"/report/2026-11", GW_ROUTE_REPORT, GW_LANG_EN, "2026-11"},
        {"/cy/report/2026-11/cardiff.csv", GW_ROUTE_REPORT, GW_LANG_CY, "2026-11/cardiff.csv"},
        {"/api/v1/reports/2026-11/gwynedd", GW_ROUTE_API_REPORT, GW_LANG_EN, "2026-11/gwynedd"},
        {"/api/v1/reports", GW_ROUTE_API_REPORT, GW_LANG_EN, ""},
        /* What the path says beyond its characters is the report module's to judge. */
        {"/report/anything-else", GW_ROUTE_REPORT, GW_LANG_EN, "anything-else"},
        {"/reports", GW_ROUTE_NOT_FOUND, GW_LANG_EN, ""},
        {"/cy/api/v1/reports/2026-11", GW_ROUTE_NOT_FOUND, GW_LANG_CY, ""},
        {"/report/2026-11/Cardiff", GW_ROUTE_BAD, GW_LANG_EN, ""},
        {"/report/2026-11/../x", GW_ROUTE_BAD, GW_LANG_EN, ""},
        {"/report/2026-11%2F..", GW_ROUTE_BAD, GW_LANG_EN, ""},
        {"/api/v1/reports/2026-11/car:diff", GW_ROUTE_BAD, GW_LANG_EN, ""},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct gw_route r;
        if (gw_route_parse(cases[i].path, &r) != cases[i].kind)
            fail_msg("%s: %d, expected %d", cases[i].path, r.kind, cases[i].kind);
        assert_int_equal(r.lang, cases[i].lang);
        if (r.kind == GW_ROUTE_REPORT || r.kind == GW_ROUTE_API_REPORT)
            assert_string_equal(r.rest, cases[i].rest);
    }
    char overlong[GW_ROUTE_REST_MAX + 16] = "/report/";
    memset(overlong + 8, 'a', GW_ROUTE_REST_MAX + 1);
    overlong[8 + GW_ROUTE_REST_MAX + 1] = '\0';
    struct gw_route r;
    assert_int_equal(gw_route_parse(overlong, &r), GW_ROUTE_BAD);
    char buf[2 * GW_ROUTE_ID_MAX + 32];
    gw_route_parse("/report/2026-11/cardiff", &r);
    gw_route_page_path(&r, GW_LANG_CY, buf, sizeof(buf));
    assert_string_equal(buf, "/cy/report/2026-11/cardiff");
}

static void test_route_same_page_in_the_other_language(void **state)
{
    (void)state;
    char buf[2 * GW_ROUTE_ID_MAX + 32];
    struct gw_route r;
    gw_route_parse("/target/cardiff/website", &r);
    gw_route_page_path(&r, GW_LANG_CY, buf, sizeof(buf));
    assert_string_equal(buf, "/cy/target/cardiff/website");
    gw_route_parse("/cy/council/powys", &r);
    gw_route_page_path(&r, GW_LANG_EN, buf, sizeof(buf));
    assert_string_equal(buf, "/council/powys");
    gw_route_parse("/cy/", &r);
    gw_route_page_path(&r, GW_LANG_EN, buf, sizeof(buf));
    assert_string_equal(buf, "/");
    gw_route_page_path(&r, GW_LANG_CY, buf, sizeof(buf));
    assert_string_equal(buf, "/cy/");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_pages_and_languages),
        cmocka_unit_test(test_route_refuses_tricks),
        cmocka_unit_test(test_route_reports),
        cmocka_unit_test(test_route_same_page_in_the_other_language),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
