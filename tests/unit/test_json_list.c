/*
 * The parser of any JSON list of things with a status (json_feed): the seed
 * Meraki-style list (the shared fixture's ten access points), paths into
 * nested documents, the value lists and their defaults, and every malformed
 * document with its reason.
 */
#include "feed_testutil.h"
#include "json_list.h"

static void conf_init(struct gw_json_list_conf *conf, const char *items, const char *id,
                      const char *status, const char *name)
{
    const char *bad = NULL;
    if (gw_json_list_conf_init(conf, items, id, status, name, &bad) != 0)
        fail_msg("bad path %s", bad);
}

static int parse(const struct gw_json_list_conf *conf, const char *doc, size_t len, struct seen *s,
                 struct gw_feed_error *err)
{
    struct gw_json_list_tally t = {0};
    memset(err, 0, sizeof(*err));
    int rc = gw_json_list_parse(conf, doc, len, seen_cb, s, &t, err);
    if (rc == 0)
        assert_int_equal(t.items, s->n);
    return rc;
}

/* The fixture's ten APs: 6 online, 2 offline, 1 alerting, 1 dormant. */
static void assert_ten_aps(const char *doc, size_t len)
{
    struct gw_json_list_conf conf;
    conf_init(&conf, "", "serial", "status", "name");
    const char *dormant[] = {"dormant"};
    assert_int_equal(gw_json_list_conf_set(&conf, GW_ITEM_EXCLUDED, dormant, 1), 0);
    struct seen s = {0};
    struct gw_feed_error err;
    if (parse(&conf, doc, len, &s, &err) != 0)
        fail_msg("%s", err.message);
    assert_tally(&s, 6, 1, 2, 0, 1);
    gw_json_list_conf_fini(&conf);
}

static void test_json_list_meraki_devices(void **state)
{
    (void)state;
    size_t len;
    char *doc = corpus_read("json_feed", "meraki.json", &len);
    assert_ten_aps(doc, len);
    struct gw_json_list_conf conf;
    conf_init(&conf, NULL, "serial", "status", "name");
    struct seen s = {0};
    struct gw_feed_error err;
    assert_int_equal(parse(&conf, doc, len, &s, &err), 0);
    /* Without excluded_values, dormant is one more device down. */
    assert_tally(&s, 6, 1, 3, 0, 0);
    const struct seen_item *ap = seen_find(&s, "Q2XX-TEST-0004");
    assert_string_equal(ap->name, "TST-Stryd-OUT01");
    assert_string_equal(ap->reason, "offline");
    assert_int_equal(ap->status, GW_ITEM_DOWN);
    gw_json_list_conf_fini(&conf);
    free(doc);
}

static void test_json_list_shared_fixture(void **state)
{
    (void)state;
    size_t len = 0;
    char *doc = fixture_read("wifi/meraki_statuses.json", &len);
    if (!doc)
        skip();
    assert_ten_aps(doc, len);
    free(doc);
}

static void test_json_list_nested_paths_and_values(void **state)
{
    (void)state;
    size_t len;
    char *doc = corpus_read("json_feed", "nested.json", &len);
    struct gw_json_list_conf conf;
    conf_init(&conf, "data.devices", "id", "state.code", NULL);
    const char *down[] = {"DOWN", "3"};
    assert_int_equal(gw_json_list_conf_set(&conf, GW_ITEM_DOWN, down, 2), 0);
    struct seen s = {0};
    struct gw_feed_error err;
    assert_int_equal(parse(&conf, doc, len, &s, &err), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(seen_find(&s, "1")->status, GW_ITEM_UP);      /* "up", by default */
    assert_int_equal(seen_find(&s, "2")->status, GW_ITEM_UNKNOWN); /* null */
    assert_int_equal(seen_find(&s, "x")->status, GW_ITEM_DOWN);    /* 3, as text */
    assert_string_equal(seen_find(&s, "1")->name, "");
    /* With down_values given, a text in no list is unknown, not down. */
    assert_int_equal(gw_json_list_status(&conf, "rebooting"), GW_ITEM_UNKNOWN);
    assert_int_equal(gw_json_list_status(&conf, "down"), GW_ITEM_DOWN); /* any case */
    assert_int_equal(gw_json_list_status(&conf, "ONLINE"), GW_ITEM_UP);
    assert_int_equal(gw_json_list_status(&conf, "Warning"), GW_ITEM_DEGRADED);
    assert_int_equal(gw_json_list_status(&conf, "unknown"), GW_ITEM_UNKNOWN);
    assert_int_equal(gw_json_list_conf_set(&conf, GW_ITEM_DOWN, NULL, 0), 0);
    assert_int_equal(gw_json_list_status(&conf, "rebooting"), GW_ITEM_DOWN);
    /* Index paths reach into lists. */
    gw_json_list_conf_fini(&conf);
    conf_init(&conf, "0.list", "ids.1", "s", NULL);
    const char *arr = "[{\"list\":[{\"ids\":[\"a\",\"b\"],\"s\":true}]}]";
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse(&conf, arr, strlen(arr), &s, &err), 0);
    assert_string_equal(s.items[0].id, "b");
    assert_int_equal(s.items[0].status, GW_ITEM_UP); /* true */
    gw_json_list_conf_fini(&conf);
    free(doc);
}

static void test_json_list_bad_paths(void **state)
{
    (void)state;
    struct gw_json_list_conf conf;
    const char *bad = NULL;
    assert_int_equal(gw_json_list_conf_init(&conf, "a..b", "id", "status", NULL, &bad), -EINVAL);
    assert_string_equal(bad, "items");
    assert_int_equal(gw_json_list_conf_init(&conf, "", "", "status", NULL, &bad), -EINVAL);
    assert_string_equal(bad, "item_id");
    assert_int_equal(gw_json_list_conf_init(&conf, "", "id", "s.", NULL, &bad), -EINVAL);
    assert_string_equal(bad, "item_status");
}

static void test_json_list_malformed_documents(void **state)
{
    (void)state;
    struct gw_json_list_conf top, nested;
    conf_init(&top, "", "id", "status", "name");
    conf_init(&nested, "data.devices", "id", "status", "name");
    static const struct bad_doc cases[] = {
        {"", GW_REASON_FEED_PARSE, "empty"},
        {"[{\"id\":1,\"status\":\"up\"}", GW_REASON_FEED_PARSE, "not JSON"},
        {"{\"id\":1}", GW_REASON_FEED_SCHEMA, "the document is an object (expected a list)"},
        {"[1]", GW_REASON_FEED_PARSE, "item 0 is a number"},
        {"[{\"status\":\"up\"}]", GW_REASON_FEED_SCHEMA, "item 0 has no id"},
        {"[{\"id\":null,\"status\":\"up\"}]", GW_REASON_FEED_SCHEMA, "item 0 has no id"},
        {"[{\"id\":{},\"status\":\"up\"}]", GW_REASON_FEED_PARSE, "item 0: id is not a single"},
        {"[{\"id\":\"a\",\"status\":\"up\"},{\"id\":\"b\"}]", GW_REASON_FEED_SCHEMA,
         "item b has no status"},
        {"[{\"id\":\"a\",\"status\":[\"up\"]}]", GW_REASON_FEED_PARSE,
         "item a: status is a list (expected a single value)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seen s = {0};
        struct gw_feed_error err;
        assert_refused(parse(&top, cases[i].doc, strlen(cases[i].doc), &s, &err), &err, &cases[i]);
    }
    static const struct bad_doc nested_cases[] = {
        {"{\"data\":{}}", GW_REASON_FEED_SCHEMA, "the document has no data.devices"},
        {"{\"data\":{\"devices\":7}}", GW_REASON_FEED_PARSE, "data.devices is a number"},
        {"[]", GW_REASON_FEED_SCHEMA, "no data.devices"},
    };
    for (size_t i = 0; i < sizeof(nested_cases) / sizeof(nested_cases[0]); i++) {
        struct seen s = {0};
        struct gw_feed_error err;
        assert_refused(parse(&nested, nested_cases[i].doc, strlen(nested_cases[i].doc), &s, &err),
                       &err, &nested_cases[i]);
    }
    gw_json_list_conf_fini(&top);
    gw_json_list_conf_fini(&nested);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_list_meraki_devices),
        cmocka_unit_test(test_json_list_shared_fixture),
        cmocka_unit_test(test_json_list_nested_paths_and_values),
        cmocka_unit_test(test_json_list_bad_paths),
        cmocka_unit_test(test_json_list_malformed_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
