/*
 * The OCPI 2.2.1 locations parser: the seed pages (the shared fixtures'
 * fifteen EVSEs in nine statuses), the status mapping, the rapid flag, and
 * every malformed document with its reason; 100,000 EVSEs and nesting
 * 10,000 deep are read or refused, never a crash.
 */
#include "feed_testutil.h"
#include "ocpi.h"

static int parse(const char *doc, size_t len, struct seen *s, struct gw_ocpi_tally *t,
                 struct gw_feed_error *err)
{
    memset(err, 0, sizeof(*err));
    return gw_ocpi_parse_page(doc, len, seen_cb, s, t, err);
}

static void test_ocpi_fixture_pages(void **state)
{
    (void)state;
    struct seen s = {0};
    struct gw_ocpi_tally t = {0};
    struct gw_feed_error err;
    const char *pages[] = {"page1.json", "page2.json"};
    for (size_t p = 0; p < 2; p++) {
        size_t len;
        char *doc = corpus_read("ocpi", pages[p], &len);
        if (parse(doc, len, &s, &t, &err) != 0)
            fail_msg("%s: %s", pages[p], err.message);
        free(doc);
    }
    /* The fixture README's tallies: 6 locations, 15 EVSEs, all nine statuses. */
    assert_int_equal(t.locations, 6);
    assert_int_equal(t.evses, 15);
    static const uint64_t want[GW_OCPI_STATUSES] = {
        [GW_OCPI_AVAILABLE] = 4,   [GW_OCPI_BLOCKED] = 1,    [GW_OCPI_CHARGING] = 3,
        [GW_OCPI_INOPERATIVE] = 1, [GW_OCPI_OUTOFORDER] = 2, [GW_OCPI_PLANNED] = 1,
        [GW_OCPI_REMOVED] = 1,     [GW_OCPI_RESERVED] = 1,   [GW_OCPI_UNKNOWN] = 1,
    };
    for (int i = 0; i < GW_OCPI_STATUSES; i++)
        if (t.by_status[i] != want[i])
            fail_msg("%s: %llu, want %llu", gw_ocpi_status_word(i),
                     (unsigned long long)t.by_status[i], (unsigned long long)want[i]);
    assert_tally(&s, 8, 0, 3, 2, 2);
    /* 50 and 150 kW DC chargers are rapid; 22 and 7.4 kW AC ones are not. */
    assert_int_equal(t.rapid, 6);
    assert_int_equal(s.rapid, 6);
    const struct seen_item *e = seen_find(&s, "TST-AAA-001/TST-AAA-001-01");
    assert_int_equal(e->status, GW_ITEM_UP);
    assert_string_equal(e->reason, "AVAILABLE");
    assert_string_equal(e->name, "Maes Parcio Prawf 1 / Test Car Park 1, 1");
    assert_true(e->flags & GW_ITEM_RAPID);
    e = seen_find(&s, "TST-AAA-001/TST-AAA-001-03");
    assert_int_equal(e->status, GW_ITEM_DOWN);
    assert_false(e->flags & GW_ITEM_RAPID);
    e = seen_find(&s, "TST-EEE-005/TST-EEE-005-01");
    assert_int_equal(e->status, GW_ITEM_EXCLUDED);
    assert_true(e->flags & GW_ITEM_RAPID);
}

/* The shared fixtures themselves, when they are beside the sources. */
static void test_ocpi_shared_fixtures(void **state)
{
    (void)state;
    struct seen s = {0};
    struct gw_ocpi_tally t = {0};
    struct gw_feed_error err;
    const char *pages[] = {"ocpi/locations_page1.json", "ocpi/locations_page2.json"};
    for (size_t p = 0; p < 2; p++) {
        size_t len = 0;
        char *doc = fixture_read(pages[p], &len);
        if (!doc)
            skip();
        if (parse(doc, len, &s, &t, &err) != 0)
            fail_msg("%s: %s", pages[p], err.message);
        free(doc);
    }
    assert_int_equal(t.locations, 6);
    assert_int_equal(t.evses, 15);
    for (int i = 0; i < GW_OCPI_OTHER; i++)
        assert_true(t.by_status[i] > 0); /* all nine statuses */
    assert_tally(&s, 8, 0, 3, 2, 2);
    assert_int_equal(t.rapid, 6);
}

static void test_ocpi_status_mapping(void **state)
{
    (void)state;
    static const struct {
        const char *word;
        enum gw_item_status status;
    } cases[] = {
        {"AVAILABLE", GW_ITEM_UP},     {"CHARGING", GW_ITEM_UP},
        {"RESERVED", GW_ITEM_UP},      {"BLOCKED", GW_ITEM_UNKNOWN},
        {"UNKNOWN", GW_ITEM_UNKNOWN},  {"INOPERATIVE", GW_ITEM_DOWN},
        {"OUTOFORDER", GW_ITEM_DOWN},  {"PLANNED", GW_ITEM_EXCLUDED},
        {"REMOVED", GW_ITEM_EXCLUDED}, {"available", GW_ITEM_UNKNOWN},
        {"BROKEN", GW_ITEM_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char doc[256];
        snprintf(doc, sizeof(doc),
                 "{\"status_code\":1000,\"data\":[{\"id\":\"L\",\"evses\":[{\"uid\":\"E\","
                 "\"status\":\"%s\"}]}]}",
                 cases[i].word);
        struct seen s = {0};
        struct gw_ocpi_tally t = {0};
        struct gw_feed_error err;
        assert_int_equal(parse(doc, strlen(doc), &s, &t, &err), 0);
        assert_int_equal(s.n, 1);
        if (s.items[0].status != cases[i].status)
            fail_msg("%s: %d, want %d", cases[i].word, s.items[0].status, cases[i].status);
        assert_string_equal(s.items[0].reason, cases[i].word);
        assert_string_equal(s.items[0].id, "L/E");
    }
}

static void test_ocpi_power_from_voltage_and_amperage(void **state)
{
    (void)state;
    size_t len;
    char *doc = corpus_read("ocpi", "no_power_given.json", &len);
    struct seen s = {0};
    struct gw_ocpi_tally t = {0};
    struct gw_feed_error err;
    assert_int_equal(parse(doc, len, &s, &t, &err), 0);
    free(doc);
    /* 230 V x 80 A x 3 phases = 55.2 kW: rapid. */
    assert_true(s.items[0].flags & GW_ITEM_RAPID);
    const char *slow = "{\"status_code\":1000,\"data\":[{\"id\":\"L\",\"evses\":[{\"uid\":\"E\","
                       "\"status\":\"AVAILABLE\",\"connectors\":[{\"power_type\":\"AC_1_PHASE\","
                       "\"max_voltage\":230,\"max_amperage\":80}]}]}]}";
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse(slow, strlen(slow), &s, &t, &err), 0);
    assert_false(s.items[0].flags & GW_ITEM_RAPID);
}

static void test_ocpi_malformed_documents(void **state)
{
    (void)state;
#define ENV(data) "{\"status_code\":1000,\"data\":" data "}"
    static const struct bad_doc cases[] = {
        {"", GW_REASON_FEED_PARSE, "empty"},
        {"  \n", GW_REASON_FEED_PARSE, "empty"},
        {"{", GW_REASON_FEED_PARSE, "not JSON (line 1"},
        {"<html>Service Unavailable</html>", GW_REASON_FEED_PARSE, "not JSON"},
        {"[1]", GW_REASON_FEED_SCHEMA, "a list, not an OCPI response"},
        {"{}", GW_REASON_FEED_SCHEMA, "no status_code"},
        {"{\"status_code\":\"1000\",\"data\":[]}", GW_REASON_FEED_PARSE, "status_code is a string"},
        {"{\"status_code\":2001,\"status_message\":\"Invalid parameters\"}", GW_REASON_FEED_ERROR,
         "OCPI status_code 2001: \"Invalid parameters\""},
        {"{\"status_code\":3000}", GW_REASON_FEED_ERROR, "3000 (no status_message)"},
        {"{\"status_code\":1000}", GW_REASON_FEED_SCHEMA, "no data"},
        {ENV("{}"), GW_REASON_FEED_PARSE, "data is an object"},
        {ENV("[1]"), GW_REASON_FEED_PARSE, "data[0] is a number"},
        {ENV("[{}]"), GW_REASON_FEED_SCHEMA, "data[0] has no id"},
        {ENV("[{\"id\":5}]"), GW_REASON_FEED_PARSE, "data[0].id is a number"},
        {ENV("[{\"id\":\"L\",\"evses\":\"x\"}]"), GW_REASON_FEED_PARSE,
         "data[0].evses is a string"},
        {ENV("[{\"id\":\"L\"},{\"id\":\"M\",\"evses\":[null]}]"), GW_REASON_FEED_PARSE,
         "data[1].evses[0] is null"},
        {ENV("[{\"id\":\"L\",\"evses\":[{\"status\":\"AVAILABLE\"}]}]"), GW_REASON_FEED_SCHEMA,
         "data[0].evses[0] has no uid"},
        {ENV("[{\"id\":\"L\",\"evses\":[{\"uid\":\"E\"}]}]"), GW_REASON_FEED_SCHEMA,
         "data[0].evses[0] has no status"},
        {ENV("[{\"id\":\"L\",\"evses\":[{\"uid\":\"E\",\"status\":7}]}]"), GW_REASON_FEED_PARSE,
         "data[0].evses[0].status is a number"},
        {ENV("[{\"id\":\"L\",\"evses\":[{\"uid\":\"E\",\"status\":\"AVAILABLE\","
             "\"connectors\":{}}]}]"),
         GW_REASON_FEED_PARSE, "data[0].evses[0].connectors is an object"},
    };
#undef ENV
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seen s = {0};
        struct gw_ocpi_tally t = {0};
        struct gw_feed_error err;
        assert_refused(parse(cases[i].doc, strlen(cases[i].doc), &s, &t, &err), &err, &cases[i]);
    }
}

static void test_ocpi_nesting_10000_deep_is_refused(void **state)
{
    (void)state;
    size_t depth = 10000;
    char *doc = malloc(2 * depth + 1);
    memset(doc, '[', depth);
    memset(doc + depth, ']', depth);
    doc[2 * depth] = '\0';
    struct seen s = {0};
    struct gw_ocpi_tally t = {0};
    struct gw_feed_error err;
    const struct bad_doc want = {"10,000 nested lists", GW_REASON_FEED_PARSE, "depth"};
    assert_refused(parse(doc, 2 * depth, &s, &t, &err), &err, &want);
    free(doc);
}

static void test_ocpi_100000_evses(void **state)
{
    (void)state;
    const size_t n = 100000;
    const char *head = "{\"status_code\":1000,\"data\":[{\"id\":\"L\",\"evses\":[";
    const char *each = "{\"uid\":\"E%06zu\",\"status\":\"%s\"}";
    struct seen s = {0};
    struct gw_ocpi_tally t = {0};
    struct gw_feed_error err;
    size_t cap = strlen(head) + n * 50 + 8;
    char *doc = malloc(cap);
    size_t len = (size_t)sprintf(doc, "%s", head);
    for (size_t i = 0; i < n; i++) {
        len += (size_t)sprintf(doc + len, each, i, i % 10 ? "AVAILABLE" : "OUTOFORDER");
        doc[len++] = i + 1 < n ? ',' : ']';
    }
    len += (size_t)sprintf(doc + len, "}]}");
    assert_int_equal(parse(doc, len, &s, &t, &err), 0);
    assert_int_equal(t.evses, n);
    assert_int_equal(s.by_status[GW_ITEM_UP], 90000);
    assert_int_equal(s.by_status[GW_ITEM_DOWN], 10000);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ocpi_fixture_pages),
        cmocka_unit_test(test_ocpi_shared_fixtures),
        cmocka_unit_test(test_ocpi_status_mapping),
        cmocka_unit_test(test_ocpi_power_from_voltage_and_amperage),
        cmocka_unit_test(test_ocpi_malformed_documents),
        cmocka_unit_test(test_ocpi_nesting_10000_deep_is_refused),
        cmocka_unit_test(test_ocpi_100000_evses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
