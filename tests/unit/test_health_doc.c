/*
 * Health documents: application/health+json (the shared fixtures' pass and
 * fail documents), Spring Boot's /health in its three generations,
 * Statuspage's summary.json; which format a document is; the verdict (worst
 * wins); a list of components that alone count; every malformed document
 * with its reason.
 */
#include "feed_testutil.h"
#include "health_doc.h"

static int parse(enum gw_health_format format, const char *type, const char *doc, size_t len,
                 const char *const *only, struct seen *s, struct gw_health_verdict *v,
                 struct gw_feed_error *err)
{
    memset(err, 0, sizeof(*err));
    return gw_health_parse(format, type, doc, len, only, seen_cb, s, v, err);
}

static void parse_seed(const char *name, const char *const *only, struct seen *s,
                       struct gw_health_verdict *v)
{
    size_t len;
    char *doc = corpus_read("health", name, &len);
    struct gw_feed_error err;
    if (parse(GW_HEALTH_AUTO, NULL, doc, len, only, s, v, &err) != 0)
        fail_msg("%s: %s", name, err.message);
    free(doc);
}

static void test_health_doc_health_json(void **state)
{
    (void)state;
    struct seen s = {0};
    struct gw_health_verdict v;
    parse_seed("health_pass.json", NULL, &s, &v);
    assert_int_equal(v.format, GW_HEALTH_JSON);
    assert_int_equal(v.status, GW_ITEM_UP);
    assert_string_equal(v.word, "pass");
    assert_tally(&s, 5, 0, 0, 0, 0);
    seen_find(&s, "uptime");
    seen_find(&s, "cpu:utilization/web-2"); /* a key with several checks */
    assert_string_equal(seen_find(&s, "postgresql:responseTime")->name,
                        "postgresql:responseTime (db-primary)");

    memset(&s, 0, sizeof(s));
    parse_seed("health_fail.json", NULL, &s, &v);
    assert_int_equal(v.status, GW_ITEM_DOWN);
    assert_tally(&s, 1, 1, 1, 0, 0);
    assert_string_equal(seen_find(&s, "rabbitmq:connections")->reason, "fail");
}

static void test_health_doc_shared_fixtures(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        enum gw_item_status verdict;
        size_t up, degraded, down, excluded;
    } cases[] = {
        {"health/health_json_pass.json", GW_ITEM_UP, 5, 0, 0, 0},
        {"health/health_json_fail.json", GW_ITEM_DOWN, 1, 1, 1, 0},
        {"health/statuspage_summary.json", GW_ITEM_DOWN, 2, 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = 0;
        char *doc = fixture_read(cases[i].file, &len);
        if (!doc)
            skip();
        struct seen s = {0};
        struct gw_health_verdict v;
        struct gw_feed_error err;
        if (parse(GW_HEALTH_AUTO, NULL, doc, len, NULL, &s, &v, &err) != 0)
            fail_msg("%s: %s", cases[i].file, err.message);
        free(doc);
        assert_int_equal(v.status, cases[i].verdict);
        assert_tally(&s, cases[i].up, cases[i].degraded, cases[i].down, 0, cases[i].excluded);
    }
}

static void test_health_doc_spring(void **state)
{
    (void)state;
    struct seen s = {0};
    struct gw_health_verdict v;
    parse_seed("spring.json", NULL, &s, &v);
    assert_int_equal(v.format, GW_HEALTH_SPRING);
    assert_int_equal(v.status, GW_ITEM_DOWN);
    assert_string_equal(v.word, "DOWN");
    /* Leaves only: db, diskSpace, payments/govpay, payments/cache, mail, ping. */
    assert_int_equal(s.n, 6);
    assert_int_equal(seen_find(&s, "payments/govpay")->status, GW_ITEM_DOWN);
    assert_int_equal(seen_find(&s, "payments/cache")->status, GW_ITEM_UP);
    assert_int_equal(seen_find(&s, "mail")->status, GW_ITEM_DOWN); /* OUT_OF_SERVICE */
    assert_int_equal(seen_find(&s, "diskSpace")->status, GW_ITEM_UP);

    memset(&s, 0, sizeof(s));
    parse_seed("spring_1x.json", NULL, &s, &v);
    assert_int_equal(v.format, GW_HEALTH_SPRING);
    assert_int_equal(v.status, GW_ITEM_UP);
    assert_int_equal(s.n, 2);
    seen_find(&s, "db");

    /* Spring Boot 2.0: components under details. */
    const char *boot20 = "{\"status\":\"UP\",\"details\":{\"db\":{\"status\":\"UNKNOWN\","
                         "\"details\":{\"database\":\"x\"}},\"redis\":{\"status\":\"UP\"}}}";
    memset(&s, 0, sizeof(s));
    struct gw_feed_error err;
    assert_int_equal(parse(GW_HEALTH_AUTO, NULL, boot20, strlen(boot20), NULL, &s, &v, &err), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(seen_find(&s, "db")->status, GW_ITEM_UNKNOWN);
    assert_int_equal(v.status, GW_ITEM_UP);
    /* A service that cannot tell its own state. */
    const char *unknown = "{\"status\":\"UNKNOWN\"}";
    assert_int_equal(parse(GW_HEALTH_AUTO, NULL, unknown, strlen(unknown), NULL, &s, &v, &err), 0);
    assert_int_equal(v.status, GW_ITEM_UNKNOWN);
}

static void test_health_doc_statuspage(void **state)
{
    (void)state;
    struct seen s = {0};
    struct gw_health_verdict v;
    parse_seed("statuspage.json", NULL, &s, &v);
    assert_int_equal(v.format, GW_HEALTH_STATUSPAGE);
    assert_int_equal(v.status, GW_ITEM_DOWN);
    assert_string_equal(v.word, "critical");
    assert_int_equal(s.n, 5); /* the group is not an item */
    assert_tally(&s, 2, 1, 1, 0, 1);
    assert_string_equal(seen_find(&s, "tst0000000002")->name, "Fy Nghyfrif / My Account");

    /* Only the components the target names count, by name or id. */
    const char *only[] = {"Fy Nghyfrif / My Account", "tst0000000005", NULL};
    memset(&s, 0, sizeof(s));
    parse_seed("statuspage.json", only, &s, &v);
    assert_int_equal(s.n, 2);
    assert_int_equal(v.status, GW_ITEM_DEGRADED);
    const char *none[] = {"Gwefan / Website", NULL};
    memset(&s, 0, sizeof(s));
    parse_seed("statuspage.json", none, &s, &v);
    assert_int_equal(v.status, GW_ITEM_UP);
    assert_int_equal(v.components, 1);
}

static void test_health_doc_formats(void **state)
{
    (void)state;
    static const struct {
        enum gw_health_format asked;
        const char *type, *doc;
        enum gw_health_format found;
        enum gw_item_status status;
    } cases[] = {
        {GW_HEALTH_AUTO, NULL, "{\"status\":\"pass\"}", GW_HEALTH_JSON, GW_ITEM_UP},
        {GW_HEALTH_AUTO, NULL, "{\"status\":\"ok\"}", GW_HEALTH_JSON, GW_ITEM_UP},
        {GW_HEALTH_AUTO, NULL, "{\"status\":\"warn\"}", GW_HEALTH_JSON, GW_ITEM_DEGRADED},
        {GW_HEALTH_AUTO, NULL, "{\"status\":\"error\"}", GW_HEALTH_JSON, GW_ITEM_DOWN},
        {GW_HEALTH_AUTO, NULL, "{\"status\":\"UP\"}", GW_HEALTH_SPRING, GW_ITEM_UP},
        {GW_HEALTH_AUTO, "application/health+json; charset=utf-8", "{\"status\":\"UP\"}",
         GW_HEALTH_JSON, GW_ITEM_UP},
        {GW_HEALTH_SPRING, NULL, "{\"status\":\"fail\"}", GW_HEALTH_SPRING, GW_ITEM_DOWN},
        {GW_HEALTH_AUTO, NULL, "{\"status\":{\"indicator\":\"none\"},\"components\":[]}",
         GW_HEALTH_STATUSPAGE, GW_ITEM_UP},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seen s = {0};
        struct gw_health_verdict v;
        struct gw_feed_error err;
        if (parse(cases[i].asked, cases[i].type, cases[i].doc, strlen(cases[i].doc), NULL, &s, &v,
                  &err) != 0)
            fail_msg("%s: %s", cases[i].doc, err.message);
        if (v.format != cases[i].found || v.status != cases[i].status)
            fail_msg("%s: %s %d", cases[i].doc, gw_health_format_name(v.format), v.status);
    }
}

static void test_health_doc_malformed_documents(void **state)
{
    (void)state;
    static const struct {
        enum gw_health_format format;
        struct bad_doc bad;
    } cases[] = {
        {GW_HEALTH_AUTO, {"", GW_REASON_FEED_PARSE, "empty"}},
        {GW_HEALTH_AUTO, {"OK", GW_REASON_FEED_PARSE, "not JSON"}},
        {GW_HEALTH_AUTO, {"[]", GW_REASON_FEED_SCHEMA, "a list, not a health document"}},
        {GW_HEALTH_AUTO, {"{}", GW_REASON_FEED_SCHEMA, "not a health document"}},
        {GW_HEALTH_AUTO, {"{\"status\":1}", GW_REASON_FEED_SCHEMA, "not a health document"}},
        {GW_HEALTH_JSON, {"{}", GW_REASON_FEED_SCHEMA, "the document has no status"}},
        {GW_HEALTH_JSON, {"{\"status\":true}", GW_REASON_FEED_PARSE, "status is true or false"}},
        {GW_HEALTH_AUTO,
         {"{\"status\":\"pass\",\"checks\":[]}", GW_REASON_FEED_PARSE, "checks is a list"}},
        {GW_HEALTH_AUTO,
         {"{\"status\":\"pass\",\"checks\":{\"db\":3}}", GW_REASON_FEED_PARSE,
          "checks[\"db\"] is a number"}},
        {GW_HEALTH_AUTO,
         {"{\"status\":\"pass\",\"checks\":{\"db\":[1]}}", GW_REASON_FEED_PARSE,
          "checks[\"db\"][0] is a number"}},
        {GW_HEALTH_AUTO,
         {"{\"status\":\"pass\",\"checks\":{\"db\":[{\"status\":0}]}}", GW_REASON_FEED_PARSE,
          "checks[\"db\"][0].status is a number"}},
        {GW_HEALTH_SPRING,
         {"{\"status\":\"UP\",\"components\":{\"db\":{\"status\":null}}}", GW_REASON_FEED_SCHEMA,
          "db has no status"}},
        {GW_HEALTH_STATUSPAGE, {"{\"page\":{}}", GW_REASON_FEED_SCHEMA, "has no components"}},
        {GW_HEALTH_STATUSPAGE, {"{\"components\":{}}", GW_REASON_FEED_PARSE, "components is an"}},
        {GW_HEALTH_STATUSPAGE,
         {"{\"components\":[{\"status\":\"operational\"}]}", GW_REASON_FEED_SCHEMA,
          "components[0] has no id"}},
        {GW_HEALTH_STATUSPAGE,
         {"{\"components\":[{\"id\":\"a\"}]}", GW_REASON_FEED_SCHEMA,
          "components[0] has no status"}},
        {GW_HEALTH_STATUSPAGE,
         {"{\"components\":[\"a\"]}", GW_REASON_FEED_PARSE, "components[0] is a string"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seen s = {0};
        struct gw_health_verdict v;
        struct gw_feed_error err;
        const struct bad_doc *b = &cases[i].bad;
        assert_refused(parse(cases[i].format, NULL, b->doc, strlen(b->doc), NULL, &s, &v, &err),
                       &err, b);
    }
}

/* Spring components nested deeper than the walker goes count as one, never a crash. */
static void test_health_doc_deep_spring(void **state)
{
    (void)state;
    size_t depth = 1000;
    char *doc = malloc(depth * 40 + 64);
    size_t len = 0;
    for (size_t i = 0; i < depth; i++)
        len += (size_t)sprintf(doc + len, "{\"status\":\"UP\",\"components\":{\"c\":");
    len += (size_t)sprintf(doc + len, "{\"status\":\"DOWN\"}");
    for (size_t i = 0; i < depth; i++)
        len += (size_t)sprintf(doc + len, "}}");
    struct seen s = {0};
    struct gw_health_verdict v;
    struct gw_feed_error err;
    assert_int_equal(parse(GW_HEALTH_SPRING, NULL, doc, len, NULL, &s, &v, &err), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(strlen(s.items[0].id) > 0, 1);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_doc_health_json),
        cmocka_unit_test(test_health_doc_shared_fixtures),
        cmocka_unit_test(test_health_doc_spring),
        cmocka_unit_test(test_health_doc_statuspage),
        cmocka_unit_test(test_health_doc_formats),
        cmocka_unit_test(test_health_doc_malformed_documents),
        cmocka_unit_test(test_health_doc_deep_spring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
