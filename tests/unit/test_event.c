/*
 * The event log's lines: every kind written as docs/events.md says and read
 * back to the same event; lines that are not events refused with a reason.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "alert/event.h"
#include "result/state.h"

static struct gw_alert_event *reparse(const struct gw_alert_event *ev)
{
    char *error = NULL;
    struct gw_alert_event *back = gw_alert_event_parse(ev->line, strlen(ev->line), &error);
    if (!back)
        fail_msg("%s does not read back: %s", ev->line, error);
    assert_string_equal(back->line, ev->line);
    assert_int_equal(back->seq, ev->seq);
    assert_int_equal(back->time_ms, ev->time_ms);
    assert_int_equal(back->kind, ev->kind);
    return back;
}

static json_t *doc(const struct gw_alert_event *ev)
{
    json_t *o = json_loads(ev->line, 0, NULL);
    assert_non_null(o);
    return o;
}

static void test_event_state_line(void **state)
{
    (void)state;
    struct gw_alert_event *ev = gw_alert_event_new(GW_EVENT_STATE);
    ev->time_ms = 1793441523123; /* 2026-10-31T10:12:03.123Z */
    ev->id = strdup("1793441523123-42");
    ev->target = strdup("gwynedd/website");
    ev->council = strdup("gwynedd");
    ev->check = strdup("http");
    ev->from = GW_STATUS_UP;
    ev->to = GW_STATUS_DOWN;
    ev->reason = strdup("http_status");
    ev->sentence = strdup("HTTP 503 from 127.0.0.1:18202 after 0.37 ms (expected 2xx)");
    ev->since_ms = 1793400000000;
    ev->cause = GW_HOLD_PARENT;
    ev->cause_target = strdup("gwynedd/link");
    gw_alert_event_add_figure(ev, "latency", 0.000372);
    gw_alert_event_add_figure(ev, "ttfb", NAN); /* not JSON: left out */
    gw_alert_event_add_notify(ev, "ops");
    gw_alert_event_add_notify(ev, "pager");
    gw_alert_event_seal(ev, 42);

    json_t *o = doc(ev);
    assert_int_equal(json_integer_value(json_object_get(o, "v")), 1);
    assert_int_equal(json_integer_value(json_object_get(o, "seq")), 42);
    assert_string_equal(json_string_value(json_object_get(o, "time")), "2026-10-31T10:12:03.123Z");
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "state");
    assert_string_equal(json_string_value(json_object_get(o, "from")), "up");
    assert_string_equal(json_string_value(json_object_get(o, "to")), "down");
    assert_true(json_is_null(json_object_get(o, "category")));
    assert_string_equal(json_string_value(json_object_get(o, "cause")), "parent");
    assert_int_equal(json_object_size(json_object_get(o, "figures")), 1);
    assert_int_equal(json_array_size(json_object_get(o, "notify")), 2);
    assert_null(strchr(ev->line, '\n'));
    json_decref(o);

    struct gw_alert_event *back = reparse(ev);
    assert_string_equal(back->id, ev->id);
    assert_string_equal(back->target, "gwynedd/website");
    assert_null(back->category);
    assert_int_equal(back->from, GW_STATUS_UP);
    assert_int_equal(back->to, GW_STATUS_DOWN);
    assert_int_equal(back->cause, GW_HOLD_PARENT);
    assert_string_equal(back->cause_target, "gwynedd/link");
    assert_int_equal(back->since_ms, ev->since_ms);
    assert_int_equal(back->n_figures, 1);
    assert_float_equal(back->figures[0].value, 0.000372, 1e-12);
    assert_int_equal(back->n_notify, 2);
    assert_string_equal(back->notify[1], "pager");
    gw_alert_event_unref(back);
    gw_alert_event_unref(ev);
}

static void test_event_other_kinds_read_back(void **state)
{
    (void)state;
    struct gw_alert_event *flap = gw_alert_event_new(GW_EVENT_FLAPPING);
    flap->id = strdup("f1");
    flap->target = strdup("c/vpn");
    flap->from = flap->to = GW_STATUS_UP;
    flap->percent = 51.51;
    gw_alert_event_seal(flap, 1);
    struct gw_alert_event *back = reparse(flap);
    assert_float_equal(back->percent, 51.5, 1e-9);
    gw_alert_event_unref(back);

    struct gw_alert_event *m = gw_alert_event_new(GW_EVENT_MAINTENANCE_END);
    m->id = strdup("m1");
    m->target = strdup("c/vpn");
    m->to = GW_STATUS_DOWN;
    m->from = GW_STATUS_UP;
    m->window = strdup("Planned network works");
    gw_alert_event_add_notify(m, "ops");
    gw_alert_event_seal(m, 2);
    json_t *o = doc(m);
    assert_string_equal(json_string_value(json_object_get(o, "state")), "down");
    json_decref(o);
    back = reparse(m);
    assert_int_equal(back->to, GW_STATUS_DOWN);
    assert_int_equal(back->from, GW_STATUS_UP);
    assert_string_equal(back->window, "Planned network works");
    gw_alert_event_unref(back);

    struct gw_alert_event *mon = gw_alert_event_new(GW_EVENT_MONITOR);
    mon->id = strdup("p1");
    mon->problem = strdup("rrd_write");
    mon->active = true;
    mon->sentence = strdup("RRD files cannot be written: No space left on device");
    gw_alert_event_seal(mon, 3);
    back = reparse(mon);
    assert_string_equal(back->problem, "rrd_write");
    assert_true(back->active);
    assert_null(back->target);
    gw_alert_event_unref(back);

    struct gw_alert_event *d = gw_alert_event_new(GW_EVENT_DELIVERY);
    d->event = strdup("f1");
    d->n_events = 1;
    d->events = calloc(1, sizeof(char *));
    d->events[0] = strdup("f1");
    d->notifier = strdup("ops");
    d->notification = strdup("f1:ops:1");
    d->attempt = 2;
    d->outcome = strdup("failed");
    d->message = strdup("HTTP 503 from hooks.example");
    gw_alert_event_seal(d, 4);
    back = reparse(d);
    assert_int_equal(back->attempt, 2);
    assert_string_equal(back->events[0], "f1");
    assert_string_equal(back->outcome, "failed");
    gw_alert_event_unref(back);

    struct gw_alert_event *start = gw_alert_event_new(GW_EVENT_START);
    start->version = strdup("0.1.0");
    start->config = strdup("/etc/gwyliwr/gwyliwr.yaml");
    gw_alert_event_seal(start, 5);
    back = reparse(start);
    assert_string_equal(back->config, "/etc/gwyliwr/gwyliwr.yaml");
    gw_alert_event_unref(back);

    gw_alert_event_unref(flap);
    gw_alert_event_unref(m);
    gw_alert_event_unref(mon);
    gw_alert_event_unref(d);
    gw_alert_event_unref(start);
}

static void test_event_bad_lines(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "{\"v\":1,\"seq\":3,\"time_ms\":1,\"kind\":\"sta", /* cut by a crash */
        "[1,2]",
        "{\"v\":2,\"seq\":3,\"kind\":\"stop\"}",
        "{\"v\":1,\"seq\":3,\"kind\":\"lunch\"}",
        "{\"v\":1,\"seq\":3,\"kind\":\"state\",\"id\":\"x\"}",
        "{\"v\":1,\"kind\":\"stop\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *error = NULL;
        assert_null(gw_alert_event_parse(bad[i], strlen(bad[i]), &error));
        assert_non_null(error);
        assert_true(strlen(error) > 0);
        free(error);
    }
}

static void test_event_time_format(void **state)
{
    (void)state;
    char buf[40];
    gw_alert_format_time(0, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    gw_alert_format_time(1774747800007, buf, sizeof(buf));
    assert_string_equal(buf, "2026-03-29T01:30:00.007Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_state_line),
        cmocka_unit_test(test_event_other_kinds_read_back),
        cmocka_unit_test(test_event_bad_lines),
        cmocka_unit_test(test_event_time_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
