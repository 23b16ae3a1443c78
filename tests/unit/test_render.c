/*
 * The words of notifications, table-driven: subjects a person can triage on
 * a phone in English, Welsh and both (Welsh first), bodies, grouped
 * messages, and durations with Welsh plural forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alert/render.h"

/* 2026-11-03 10:12:03 UTC (GMT in November) */
#define T0 1793700723000

static struct gw_event event(const char *kind, const char *state, const char *previous,
                             const char *reason, const char *message)
{
    return (struct gw_event){
        .size = sizeof(struct gw_event),
        .id = "1793700723000-42",
        .kind = kind,
        .state = state,
        .previous = previous,
        .target = "gwynedd/website",
        .council = "gwynedd",
        .council_name = "Gwynedd Council",
        .council_name_cy = "Cyngor Gwynedd",
        .target_name = "website",
        .check = "http",
        .reason = reason,
        .message = message,
        .time_ms = T0,
        .since_ms = T0 - 3 * 86400000LL - 2 * 3600000LL,
    };
}

static void subject_is(const struct gw_event *e, enum gw_notify_language lang, const char *want)
{
    const struct gw_event *list[] = {e};
    char *subject, *body;
    gw_alert_render(list, NULL, 1, lang, false, &subject, &body);
    assert_string_equal(subject, want);
    assert_true(body[strlen(body) - 1] == '\n');
    free(subject);
    free(body);
}

static void test_render_subjects(void **state)
{
    (void)state;
    struct gw_event down =
        event("state", "down", "up", "http_status",
              "HTTP 503 from www.gwynedd.llyw.cymru after 212 ms (expected 2xx)");
    subject_is(&down, GW_NOTIFY_EN, "[DOWN] Gwynedd Council — website: HTTP 503");
    subject_is(&down, GW_NOTIFY_CY, "[I LAWR] Cyngor Gwynedd — website: HTTP 503");
    subject_is(&down, GW_NOTIFY_BOTH,
               "[I LAWR] Cyngor Gwynedd — website: HTTP 503 | "
               "[DOWN] Gwynedd Council — website: HTTP 503");
    struct gw_event refused = event("state", "down", "up", "connect_refused", "refused");
    subject_is(&refused, GW_NOTIFY_CY,
               "[I LAWR] Cyngor Gwynedd — website: cysylltiad wedi'i wrthod");
    /* every reason has its words, a feed's and a name server's too; a word no
     * phrase is known for (a third-party plugin's) as it is */
    struct gw_event feed = event("state", "down", "up", "feed_schema", "no \"evses\" in item 3");
    subject_is(&feed, GW_NOTIFY_CY, "[I LAWR] Cyngor Gwynedd — website: ffrwd anghyflawn");
    struct gw_event nx = event("state", "down", "up", "nxdomain", "x does not exist");
    subject_is(&nx, GW_NOTIFY_EN, "[DOWN] Gwynedd Council — website: the name does not exist");
    struct gw_event own = event("state", "down", "up", "kettle_cold", "the kettle is cold");
    subject_is(&own, GW_NOTIFY_CY, "[I LAWR] Cyngor Gwynedd — website: kettle_cold");
    struct gw_event slow = event("state", "degraded", "up", "too_slow", "slow");
    subject_is(&slow, GW_NOTIFY_EN, "[DEGRADED] Gwynedd Council — website: too slow");
    struct gw_event up = event("state", "up", "down", NULL, "fine");
    up.since_ms = T0 - 12 * 60000;
    subject_is(&up, GW_NOTIFY_EN, "[UP] Gwynedd Council — website: back after 12 minutes");
    subject_is(&up, GW_NOTIFY_CY, "[AR GAEL] Cyngor Gwynedd — website: yn ôl ar ôl 12 munud");
    struct gw_event flap = event("flapping", "flapping", "up", NULL, "x");
    subject_is(&flap, GW_NOTIFY_EN, "[FLAPPING] Gwynedd Council — website: changing state often");
    /* a target's Welsh name, in Welsh */
    const struct gw_event *one[] = {&down};
    const char *const names_cy[] = {"gwefan"};
    char *subject, *body;
    gw_alert_render(one, names_cy, 1, GW_NOTIFY_BOTH, false, &subject, &body);
    assert_string_equal(subject, "[I LAWR] Cyngor Gwynedd — gwefan: HTTP 503 | "
                                 "[DOWN] Gwynedd Council — website: HTTP 503");
    assert_non_null(strstr(body, "Cyngor Gwynedd — gwefan (gwynedd/website)\n"));
    free(subject);
    free(body);
    subject_is(&flap, GW_NOTIFY_CY,
               "[ANSEFYDLOG] Cyngor Gwynedd — website: yn newid cyflwr yn aml");
    struct gw_event settled = event("settled", "down", "down", "dns", "x");
    subject_is(&settled, GW_NOTIFY_EN, "[SETTLED] Gwynedd Council — website: settled, Down");
    struct gw_event reminder = event("reminder", "down", NULL, "timeout", "x");
    subject_is(&reminder, GW_NOTIFY_EN,
               "[STILL DOWN] Gwynedd Council — website: no answer in time");
    subject_is(&reminder, GW_NOTIFY_CY,
               "[DAL I LAWR] Cyngor Gwynedd — website: dim ateb mewn pryd");
    struct gw_event monitor = {.size = sizeof(struct gw_event),
                               .id = "p1",
                               .kind = "monitor",
                               .state = "unknown",
                               .message = "RRD files cannot be written: 12 measurements wait",
                               .time_ms = T0};
    subject_is(&monitor, GW_NOTIFY_EN,
               "[MONITOR] gwyliwr: RRD files cannot be written: 12 measurements wait");
    monitor.state = "up";
    subject_is(&monitor, GW_NOTIFY_CY,
               "[MONITRO: IAWN] gwyliwr: RRD files cannot be written: 12 measurements wait");
}

static void test_render_body(void **state)
{
    (void)state;
    struct gw_event down = event("state", "down", "up", "http_status", "HTTP 503 from x");
    const struct gw_event *list[] = {&down};
    char *subject, *body;
    gw_alert_render(list, NULL, 1, GW_NOTIFY_BOTH, false, &subject, &body);
    assert_string_equal(body, "Cyngor Gwynedd — website (gwynedd/website)\n"
                              "Nawr: Ddim ar gael (cyn hynny: Ar gael)\n"
                              "Canfu'r gwiriad (yn Saesneg): HTTP 503 from x\n"
                              "Ers: 2026-11-03 10:12 GMT\n"
                              "Cyn hynny: Ar gael am 3 diwrnod 2 awr\n"
                              "Cyfeirnod: 1793700723000-42\n"
                              "\n—\n\n"
                              "Gwynedd Council — website (gwynedd/website)\n"
                              "Now: Down (before: Up)\n"
                              "The check found (in English): HTTP 503 from x\n"
                              "Since: 2026-11-03 10:12 GMT\n"
                              "Before that: Up for 3 days 2 hours\n"
                              "Reference: 1793700723000-42\n");
    free(subject);
    free(body);
    /* held back while its parent was down, now told */
    struct gw_event released = event("state", "down", "down", "dns", "no such name");
    released.since_ms = T0 - 3600000;
    list[0] = &released;
    gw_alert_render(list, NULL, 1, GW_NOTIFY_EN, false, &subject, &body);
    assert_non_null(strstr(body, "Since: 2026-11-03 09:12 GMT (1 hour)\n"));
    assert_non_null(strstr(body, "held back while the service it depends on was down"));
    free(subject);
    free(body);
    /* a test */
    gw_alert_render(list, NULL, 1, GW_NOTIFY_CY, true, &subject, &body);
    assert_string_equal(subject, "[PRAWF] gwyliwr: hysbysiad prawf; does dim byd o'i le");
    assert_non_null(strstr(body, "Hysbysiad prawf yw hwn"));
    free(subject);
    free(body);
}

static void test_render_groups(void **state)
{
    (void)state;
    enum { N = 300 };
    struct gw_event *events = calloc(N, sizeof(*events));
    const struct gw_event **list = calloc(N, sizeof(*list));
    static const char *const councils[] = {"cardiff", "gwynedd", "powys"};
    for (int i = 0; i < N; i++) {
        events[i] = event("state", i < 298 ? "down" : "up", "up", "timeout", "x");
        events[i].council = councils[i % 3];
        events[i].council_name = events[i].council_name_cy = councils[i % 3];
        list[i] = &events[i];
    }
    char *subject, *body;
    gw_alert_render(list, NULL, N, GW_NOTIFY_EN, false, &subject, &body);
    assert_string_equal(subject, "[DOWN ×298, UP ×2] 300 services in 3 councils");
    assert_non_null(strstr(body, "300 changes:\n"));
    assert_non_null(strstr(body, "… and 100 more\n"));
    free(subject);
    free(body);
    gw_alert_render(list, NULL, N, GW_NOTIFY_CY, false, &subject, &body);
    assert_string_equal(subject, "[I LAWR ×298, AR GAEL ×2] 300 gwasanaeth mewn 3 chyngor");
    assert_non_null(strstr(body, "… a 100 arall\n"));
    free(subject);
    free(body);
    /* two, of one council: the council is named */
    events[1].council = events[0].council;
    events[1].council_name = events[1].council_name_cy = events[0].council_name;
    gw_alert_render(list, NULL, 2, GW_NOTIFY_CY, false, &subject, &body);
    assert_string_equal(subject, "[I LAWR ×2] cardiff: 2 wasanaeth");
    free(subject);
    free(body);
    free(events);
    free(list);
}

static void test_render_durations(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        enum gw_notify_language lang;
        const char *want;
    } cases[] = {
        {1000, GW_NOTIFY_EN, "1 second"},
        {45000, GW_NOTIFY_EN, "45 seconds"},
        {45000, GW_NOTIFY_CY, "45 eiliad"},
        {60000, GW_NOTIFY_EN, "1 minute"},
        {120000, GW_NOTIFY_CY, "2 funud"},
        {3 * 60000, GW_NOTIFY_CY, "3 munud"},
        {3600000 + 5 * 60000, GW_NOTIFY_EN, "1 hour 5 minutes"},
        {2 * 3600000, GW_NOTIFY_CY, "2 awr"},
        {2 * 86400000LL, GW_NOTIFY_CY, "2 ddiwrnod"},
        {3 * 86400000LL + 4 * 3600000, GW_NOTIFY_EN, "3 days 4 hours"},
        {-5, GW_NOTIFY_EN, "0 seconds"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        gw_alert_render_duration(cases[i].lang, cases[i].ms, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_subjects),
        cmocka_unit_test(test_render_body),
        cmocka_unit_test(test_render_groups),
        cmocka_unit_test(test_render_durations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
