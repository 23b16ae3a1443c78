/*
 * The Open Charge Map parser: the seed list (the shared fixture's six sites
 * and their connections), StatusTypeID mapping per connection with the
 * site's as fallback, the rapid flag, and every malformed document with its
 * reason.
 */
#include "feed_testutil.h"
#include "ocm.h"

static int parse(const char *doc, size_t len, struct seen *s, struct gw_ocm_tally *t,
                 struct gw_feed_error *err)
{
    memset(err, 0, sizeof(*err));
    return gw_ocm_parse(doc, len, seen_cb, s, t, err);
}

/*
 * Six sites, ten connections: 50 (150 kW), 50 (50 kW), 100; 30 (50 kW), 50;
 * 50; 150 (150 kW); 100 (50 kW), 100 (50 kW); 0.
 */
static void assert_six_sites(const struct seen *s, const struct gw_ocm_tally *t)
{
    assert_int_equal(t->sites, 6);
    assert_int_equal(t->items, 10);
    assert_tally(s, 4, 0, 4, 1, 1);
    assert_int_equal(t->rapid, 6);
}

static void test_ocm_fixture_sites(void **state)
{
    (void)state;
    size_t len;
    char *doc = corpus_read("ocm", "poi.json", &len);
    struct seen s = {0};
    struct gw_ocm_tally t = {0};
    struct gw_feed_error err;
    if (parse(doc, len, &s, &t, &err) != 0)
        fail_msg("%s", err.message);
    free(doc);
    assert_six_sites(&s, &t);
    const struct seen_item *c = seen_find(&s, "800002/1800020");
    assert_int_equal(c->status, GW_ITEM_DOWN); /* 30: temporarily unavailable */
    assert_string_equal(c->reason, "temporarily unavailable");
    assert_string_equal(c->name, "Llyfrgell Prawf, CHAdeMO");
    assert_true(c->flags & GW_ITEM_RAPID);
    c = seen_find(&s, "800004/1800040");
    assert_int_equal(c->status, GW_ITEM_EXCLUDED);
    c = seen_find(&s, "800006/1800060");
    assert_int_equal(c->status, GW_ITEM_UNKNOWN);
    assert_false(c->flags & GW_ITEM_RAPID);
}

static void test_ocm_shared_fixture(void **state)
{
    (void)state;
    size_t len = 0;
    char *doc = fixture_read("ocm/poi.json", &len);
    if (!doc)
        skip();
    struct seen s = {0};
    struct gw_ocm_tally t = {0};
    struct gw_feed_error err;
    if (parse(doc, len, &s, &t, &err) != 0)
        fail_msg("%s", err.message);
    free(doc);
    assert_six_sites(&s, &t);
}

static void test_ocm_status_types(void **state)
{
    (void)state;
    static const struct {
        long id;
        enum gw_item_status status;
    } cases[] = {
        {10, GW_ITEM_UP},        {20, GW_ITEM_UP},        {50, GW_ITEM_UP},
        {75, GW_ITEM_DEGRADED},  {30, GW_ITEM_DOWN},      {100, GW_ITEM_DOWN},
        {0, GW_ITEM_UNKNOWN},    {-1, GW_ITEM_UNKNOWN},   {150, GW_ITEM_EXCLUDED},
        {200, GW_ITEM_EXCLUDED}, {210, GW_ITEM_EXCLUDED}, {999, GW_ITEM_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (gw_ocm_item_status(cases[i].id) != cases[i].status)
            fail_msg("StatusTypeID %ld", cases[i].id);
    /* A site's status stands for connections that have none of their own. */
    const char *doc = "[{\"ID\":7,\"StatusTypeID\":75,\"Connections\":[{\"ID\":1},"
                      "{\"ID\":2,\"StatusTypeID\":null},{\"StatusTypeID\":100,\"PowerKW\":null}]}]";
    struct seen s = {0};
    struct gw_ocm_tally t = {0};
    struct gw_feed_error err;
    assert_int_equal(parse(doc, strlen(doc), &s, &t, &err), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(seen_find(&s, "7/1")->status, GW_ITEM_DEGRADED);
    assert_int_equal(seen_find(&s, "7/2")->status, GW_ITEM_DEGRADED);
    assert_int_equal(seen_find(&s, "7/3")->status, GW_ITEM_DOWN); /* no ID: its place */
}

static void test_ocm_sites_without_connections(void **state)
{
    (void)state;
    size_t len;
    char *doc = corpus_read("ocm", "no_connections.json", &len);
    struct seen s = {0};
    struct gw_ocm_tally t = {0};
    struct gw_feed_error err;
    assert_int_equal(parse(doc, len, &s, &t, &err), 0);
    free(doc);
    assert_int_equal(s.n, 3);
    assert_int_equal(seen_find(&s, "1")->status, GW_ITEM_UP);
    assert_int_equal(seen_find(&s, "2")->status, GW_ITEM_UNKNOWN);
    assert_string_equal(seen_find(&s, "3")->reason, "no status");
}

static void test_ocm_malformed_documents(void **state)
{
    (void)state;
    static const struct bad_doc cases[] = {
        {"", GW_REASON_FEED_PARSE, "empty"},
        {"[{\"ID\":1,}]", GW_REASON_FEED_PARSE, "not JSON"},
        {"{\"ID\":1}", GW_REASON_FEED_SCHEMA, "an object, not a list of charge points"},
        {"[\"x\"]", GW_REASON_FEED_PARSE, "[0] is a string"},
        {"[{\"StatusTypeID\":50}]", GW_REASON_FEED_SCHEMA, "[0] has no ID"},
        {"[{\"ID\":\"1\"}]", GW_REASON_FEED_PARSE, "[0].ID is a string"},
        {"[{\"ID\":-1}]", GW_REASON_FEED_PARSE, "[0].ID is negative"},
        {"[{\"ID\":1,\"StatusTypeID\":\"50\"}]", GW_REASON_FEED_PARSE,
         "[0].StatusTypeID is a string"},
        {"[{\"ID\":1},{\"ID\":2,\"Connections\":{}}]", GW_REASON_FEED_PARSE,
         "[1].Connections is an object"},
        {"[{\"ID\":1,\"Connections\":[3]}]", GW_REASON_FEED_PARSE,
         "[0].Connections[0] is a number"},
        {"[{\"ID\":1,\"Connections\":[{\"PowerKW\":\"50kW\"}]}]", GW_REASON_FEED_PARSE,
         "[0].Connections[0].PowerKW is a string"},
        {"[{\"ID\":1,\"Connections\":[{\"StatusTypeID\":1.5}]}]", GW_REASON_FEED_PARSE,
         "[0].Connections[0].StatusTypeID is a number"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seen s = {0};
        struct gw_ocm_tally t = {0};
        struct gw_feed_error err;
        assert_refused(parse(cases[i].doc, strlen(cases[i].doc), &s, &t, &err), &err, &cases[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ocm_fixture_sites),
        cmocka_unit_test(test_ocm_shared_fixture),
        cmocka_unit_test(test_ocm_status_types),
        cmocka_unit_test(test_ocm_sites_without_connections),
        cmocka_unit_test(test_ocm_malformed_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
