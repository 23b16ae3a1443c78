/*
 * The web server's reports have the RRD writer write first: a report that
 * reads a target's RRD file (the event log does not know it) counts the
 * results the writer holds back, and one built without a writer, reading
 * the file as it is, does not.
 */
#include <jansson.h>

#include "estate_testutil.h"
#include "i18n/i18n.h"
#include "web/reports.h"

/* A time in November 2023 (BASE_S), at the start of a 5-minute row. */
#define ROW_S (BASE_S + 60)

/* The powys/forms entry of the API's report of November 2023, built in December. */
static json_t *forms_report(struct gw_web_reports *r, const struct estate *e)
{
    struct gw_report_web_reply out = {0};
    int64_t december_ms = (int64_t)(BASE_S + 30 * 86400) * 1000;
    assert_int_equal(gw_web_reports_get(r, e->config, GW_REPORT_WEB_API, "2023-11/powys", NULL,
                                        GW_LANG_EN, december_ms, &out),
                     0);
    assert_int_equal(out.status, 200);
    json_error_t error;
    json_t *doc = json_loads(out.body, 0, &error);
    assert_non_null(doc);
    free(out.body);
    free(out.title);
    json_t *target = json_array_get(
        json_object_get(json_array_get(json_object_get(doc, "councils"), 0), "targets"), 0);
    assert_string_equal(json_string_value(json_object_get(target, "id")), "powys/forms");
    json_incref(target);
    json_decref(doc);
    return target;
}

static void test_web_reports_count_the_results_the_writer_holds(void **state)
{
    (void)state;
    struct estate *e = estate_new("gw-web-reports");
    /* Ten minutes of results, held back: nothing is in a file yet. */
    estate_results(e, ROW_S - 60, ROW_S + 600);
    sleep_ms(50);
    assert_int_not_equal(access(estate_file(e), F_OK), 0);

    /* Read as it is, the file says nothing (there is none). */
    struct gw_web_reports *blind = gw_web_reports_new(NULL);
    json_t *t = forms_report(blind, e);
    assert_true(json_is_null(json_object_get(json_object_get(t, "figures"), "availability")));
    json_decref(t);
    gw_web_reports_free(blind);

    /* The web server's reports have the writer write first. */
    struct gw_web_reports *r = gw_web_reports_new(e->writer);
    t = forms_report(r, e);
    assert_string_equal(json_string_value(json_object_get(t, "source")), "rrd");
    json_t *figures = json_object_get(t, "figures");
    assert_true(json_real_value(json_object_get(figures, "availability")) == 1.0 ||
                json_integer_value(json_object_get(figures, "availability")) == 1);
    /* Whole 5-minute rows of the results, at least: the file's archive for a month. */
    assert_true(json_number_value(json_object_get(figures, "up_minutes")) >= 10.0);
    json_decref(t);
    gw_web_reports_free(r);
    estate_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_web_reports_count_the_results_the_writer_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
