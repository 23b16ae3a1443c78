/*
 * The Alertmanager notifier, through the real loader (notify_alertmanager.so),
 * sending hand-built notifications to a real Alertmanager (Debian's
 * prometheus-alertmanager, started for this file on 127.0.0.1 with clustering
 * off) and reading back through its API that each alert fires, carries its
 * labels and annotations, resolves on recovery, and ends by itself when not
 * re-posted within resolve_timeout. The ways a receiver fails are played by
 * the webhook receiver (tests/tools/webhook_receiver.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <time.h>

#include "notify_testutil.h"

static struct hook_receiver hook;
static struct receiver am;
static int am_port;

static int group_setup(void **state)
{
    (void)state;
    if (hook_receiver_start(&hook, "gw-am-hook") < 0)
        return -1;
    char *dir = temp_dir("gw-alertmanager");
    char *script = receiver_script("alertmanager_run.py");
    char *argv[] = {(char *)receiver_python(), "-B", script, "--dir", dir, NULL};
    int rc = receiver_start(&am, dir, argv, 60 * slack());
    if (rc == 0 && sscanf(am.ready, "ready %d", &am_port) != 1)
        rc = -1;
    free(script);
    free(dir);
    return rc;
}

static int group_teardown(void **state)
{
    (void)state;
    receiver_stop(&am);
    receiver_stop(&hook.proc);
    return 0;
}

static int setup(void **state)
{
    return notify_setup(state, "notify_alertmanager.so");
}

/* ---- helpers ------------------------------------------------------------------------- */

static const struct gw_notifier_conf *load_am(struct check_harness *h, const char *extra)
{
    char *yaml = gw_xasprintf(NOTIFIER_HEAD("alertmanager") "    url: http://127.0.0.1:%d/\n%s",
                              am_port, extra ? extra : "");
    const struct gw_notifier_conf *nc = notify_load(h, yaml);
    free(yaml);
    return nc;
}

struct fetched {
    unsigned calls;
    long status;
    char *body;
};

static void fetched_cb(void *data, const struct gw_http_response *r)
{
    struct fetched *f = data;
    f->calls++;
    f->status = r->status;
    f->body = r->body ? gw_xstrdup(r->body) : NULL;
}

/* Alertmanager's open alerts of `target` (GET /api/v2/alerts with a filter). Caller decrefs. */
static json_t *open_alerts(struct check_harness *h, const char *target)
{
    /* filter=target="<target>", percent-encoded. */
    char enc[256];
    size_t n = 0;
    for (const char *p = target; *p && n + 4 < sizeof(enc); p++) {
        if (*p == '/')
            n += (size_t)snprintf(enc + n, sizeof(enc) - n, "%%2F");
        else
            enc[n++] = *p;
    }
    enc[n] = '\0';
    char *url =
        gw_xasprintf("http://127.0.0.1:%d/api/v2/alerts?filter=target%%3D%%22%s%%22", am_port, enc);
    struct gw_http_request req = {.size = sizeof(req), .url = url, .timeout_ms = 10000};
    struct fetched f = {0};
    struct gw_http_call *call;
    assert_int_equal(gw_http_client_start(h->http, &req, fetched_cb, &f, &call), 0);
    test_loop_wait(&h->loop, &f.calls, 1, 20000, "answer from Alertmanager");
    assert_int_equal(f.status, 200);
    json_error_t err;
    json_t *alerts = json_loads(f.body, 0, &err);
    if (!json_is_array(alerts))
        fail_msg("Alertmanager's answer is not a list: %s", f.body);
    free(f.body);
    free(url);
    return alerts;
}

static const char *label(const json_t *alert, const char *name)
{
    return json_string_value(json_object_get(json_object_get(alert, "labels"), name));
}

static const char *annotation(const json_t *alert, const char *name)
{
    return json_string_value(json_object_get(json_object_get(alert, "annotations"), name));
}

/* The open alert of target named `alertname`; fails unless it is the only one. */
static json_t *only_alert(struct check_harness *h, const char *target, const char *alertname)
{
    json_t *alerts = open_alerts(h, target);
    if (json_array_size(alerts) != 1) {
        char *dump = json_dumps(alerts, JSON_INDENT(1));
        fail_msg("expected one open alert of %s, got: %s", target, dump);
    }
    json_t *a = json_incref(json_array_get(alerts, 0));
    json_decref(alerts);
    assert_string_equal(label(a, "alertname"), alertname);
    return a;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds since the epoch of Alertmanager's RFC 3339 time (UTC, "Z"). */
static int64_t parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    assert_non_null(rest);
    int64_t ms = (int64_t)timegm(&tm) * 1000;
    if (*rest == '.')
        ms += (int64_t)(strtod(rest, NULL) * 1000 + 0.5);
    return ms;
}

/* Sends one event in a notification of its own, and expects Alertmanager to take it. */
static void send_one(struct check_harness *h, const struct gw_notifier_conf *nc,
                     const struct gw_event *e, const char *subject, const char *body)
{
    const struct gw_event *events[] = {e};
    struct gw_notification n = test_notification(e->id, events, 1, subject, body);
    struct delivery d;
    notify_run(h, nc, &n, &d);
    assert_delivery(&d, 0, "HTTP 200 from http://127.0.0.1:");
}

/* ---- firing and resolving --------------------------------------------------------------- */

static void test_notify_alertmanager_fires_then_resolves(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load_am(h, NULL);
    int64_t down_at = now_ms() - 60000, up_since = down_at - 3600000;
    struct test_event down;
    test_event_init(&down, "gwynedd", "am1", "down", "up", down_at, up_since);
    int64_t sent = now_ms();
    send_one(h, nc, &down.e, "[DOWN] Cyngor Gwynedd — Website: HTTP 503",
             "Cyngor Gwynedd — Website is DOWN.\n");

    json_t *a = only_alert(h, "gwynedd/am1", "GwyliwrTargetDown");
    assert_string_equal(label(a, "council"), "gwynedd");
    assert_string_equal(label(a, "category"), "digital-services");
    assert_string_equal(label(a, "severity"), "critical");
    assert_null(label(a, "reason")); /* an annotation: it changes within an outage */
    assert_string_equal(annotation(a, "summary"), "[DOWN] Cyngor Gwynedd — Website: HTTP 503");
    assert_string_equal(annotation(a, "description"), "Cyngor Gwynedd — Website is DOWN.\n");
    assert_string_equal(annotation(a, "sentence"),
                        "HTTP 503 from www.gwynedd.llyw.cymru in 212 ms");
    assert_string_equal(annotation(a, "reason"), "http_status");
    assert_string_equal(annotation(a, "event_id"), down.id);
    assert_string_equal(json_string_value(json_object_get(a, "generatorURL")),
                        "http://127.0.0.1:8080/target/gwynedd/website");
    assert_string_equal(json_string_value(json_object_get(json_object_get(a, "status"), "state")),
                        "active");
    assert_int_equal(parse_time(json_string_value(json_object_get(a, "startsAt"))), down_at);
    /* Firing for resolve_timeout (5 minutes) from the post. */
    int64_t ends = parse_time(json_string_value(json_object_get(a, "endsAt")));
    assert_true(ends >= sent + 300000 - 1 && ends <= now_ms() + 300000 + 1);
    json_decref(a);

    struct test_event up;
    test_event_init(&up, "gwynedd", "am1", "up", "down", now_ms(), down_at);
    send_one(h, nc, &up.e, "[UP] Cyngor Gwynedd — Website", "It is back.\n");
    json_t *alerts = open_alerts(h, "gwynedd/am1");
    assert_int_equal(json_array_size(alerts), 0);
    json_decref(alerts);
}

static void test_notify_alertmanager_a_change_of_problem_ends_the_previous(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load_am(h, NULL);
    int64_t t0 = now_ms() - 10000;
    struct test_event degraded, down, reminder;
    test_event_init(&degraded, "cardiff", "am2", "degraded", "up", t0, 0);
    degraded.e.reason = "too_slow";
    send_one(h, nc, &degraded.e, "[DEGRADED] s", "b");
    json_t *a = only_alert(h, "cardiff/am2", "GwyliwrTargetDegraded");
    assert_string_equal(label(a, "severity"), "warning");
    json_decref(a);

    test_event_init(&down, "cardiff", "am2", "down", "degraded", t0 + 5000, t0);
    send_one(h, nc, &down.e, "[DOWN] s", "b");
    a = only_alert(h, "cardiff/am2", "GwyliwrTargetDown");
    json_decref(a);

    /* A reminder with another reason is the same alert, not a second one. */
    test_event_init(&reminder, "cardiff", "am2", "down", NULL, t0 + 9000, t0 + 5000);
    reminder.e.kind = "reminder";
    reminder.e.reason = "timeout";
    send_one(h, nc, &reminder.e, "[DOWN] still", "b");
    a = only_alert(h, "cardiff/am2", "GwyliwrTargetDown");
    assert_string_equal(annotation(a, "reason"), "timeout");
    assert_int_equal(parse_time(json_string_value(json_object_get(a, "startsAt"))), t0 + 5000);
    json_decref(a);
}

static void test_notify_alertmanager_posts_a_group_as_one_request(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load_am(h, NULL);
    struct test_event ev[3];
    const struct gw_event *events[3];
    const char *names[] = {"am3a", "am3b", "am3c"};
    for (int i = 0; i < 3; i++) {
        test_event_init(&ev[i], "powys", names[i], "down", "up", now_ms() - 1000, 0);
        events[i] = &ev[i].e;
    }
    struct gw_notification n = test_notification("g-1", events, 3, "[DOWN] 3", "three");
    struct delivery d;
    notify_run(h, nc, &n, &d);
    assert_delivery(&d, 0, "HTTP 200");
    for (int i = 0; i < 3; i++) {
        char target[32];
        snprintf(target, sizeof(target), "powys/%s", names[i]);
        json_t *a = only_alert(h, target, "GwyliwrTargetDown");
        /* Each alert speaks of its own target. */
        assert_string_equal(annotation(a, "summary"),
                            "[DOWN] Cyngor Gwynedd — Website: HTTP 503 from "
                            "www.gwynedd.llyw.cymru in 212 ms");
        assert_string_equal(annotation(a, "notification_id"), "g-1");
        json_decref(a);
    }
}

static void test_notify_alertmanager_speaks_welsh_when_asked(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load_am(h, NULL);
    struct test_event ev;
    test_event_init(&ev, "ynys-mon", "am4", "down", "up", now_ms() - 1000, 0);
    ev.e.council_name = "Isle of Anglesey County Council";
    ev.e.council_name_cy = "Cyngor Sir Ynys Môn";
    const struct gw_event *events[] = {&ev.e};
    struct gw_notification n =
        test_notification("cy-1", events, 1, "[I LAWR] Cyngor Sir Ynys Môn — Gwefan: HTTP 503",
                          "Mae'r wefan i lawr.\n");
    n.language = "cy";
    struct delivery d;
    notify_run(h, nc, &n, &d);
    assert_delivery(&d, 0, "HTTP 200");
    json_t *a = only_alert(h, "ynys-mon/am4", "GwyliwrTargetDown");
    assert_string_equal(annotation(a, "summary"),
                        "[I LAWR] Cyngor Sir Ynys Môn — Gwefan: HTTP 503");
    assert_string_equal(annotation(a, "council_name_cy"), "Cyngor Sir Ynys Môn");
    json_decref(a);
}

static void test_notify_alertmanager_static_labels(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load_am(h, "    labels: {env: test, team: digital}\n");
    struct test_event ev;
    test_event_init(&ev, "conwy", "am5", "down", "up", now_ms() - 1000, 0);
    send_one(h, nc, &ev.e, "s", "b");
    json_t *a = only_alert(h, "conwy/am5", "GwyliwrTargetDown");
    assert_string_equal(label(a, "env"), "test");
    assert_string_equal(label(a, "team"), "digital");
    json_decref(a);

    char *yaml =
        gw_xasprintf(NOTIFIER_HEAD("alertmanager") "    url: http://127.0.0.1:%d/\n", am_port);
    char *bad = gw_xasprintf("%s    labels: {severity: low}\n", yaml);
    harness_expect_config_error(h, bad, "labels: \"severity\" is set by gwyliwr");
    free(bad);
    bad = gw_xasprintf("%s    labels: {bad-name: x}\n", yaml);
    harness_expect_config_error(h, bad, "labels: bad label name \"bad-name\"");
    free(bad);
    bad = gw_xasprintf("%s    resolve_timeout: 1s\n", yaml);
    harness_expect_config_error(h, bad, "resolve_timeout too short");
    free(bad);
    free(yaml);
}

/* Not re-posted within resolve_timeout, an alert ends by itself: gwyliwr gone silent. */
static void test_notify_alertmanager_alert_ends_unless_re_posted(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load_am(h, "    resolve_timeout: 4s\n");
    assert_int_equal(nc->type->resend_ms(nc->plugin_conf), 1000);
    struct test_event ev;
    test_event_init(&ev, "wrexham", "am6", "down", "up", now_ms() - 1000, 0);
    int64_t sent = now_ms();
    send_one(h, nc, &ev.e, "s", "b");
    json_t *a = only_alert(h, "wrexham/am6", "GwyliwrTargetDown");
    json_decref(a);
    /* Re-posted before it ends, it stays. */
    test_loop_run_for(&h->loop, 2500);
    send_one(h, nc, &ev.e, "s", "b");
    int64_t reposted = now_ms();
    test_loop_run_for(&h->loop, 2500);
    a = only_alert(h, "wrexham/am6", "GwyliwrTargetDown");
    json_decref(a);
    /* Then, left alone, it ends about 4 s after the last post. */
    int64_t gone = 0;
    while (!gone && now_ms() < reposted + 15000) {
        json_t *alerts = open_alerts(h, "wrexham/am6");
        if (json_array_size(alerts) == 0)
            gone = now_ms();
        json_decref(alerts);
        if (!gone)
            test_loop_run_for(&h->loop, 100);
    }
    assert_true(gone > 0);
    assert_true(gone >= reposted + 4000 - 1000);
    assert_true(gone >= sent + 4000);

    /* The default re-posts every 75 s, well inside 5 minutes. */
    nc = load_am(h, NULL);
    assert_int_equal(nc->type->resend_ms(nc->plugin_conf), 75000);
}

static void test_notify_alertmanager_monitor_problem(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load_am(h, NULL);
    int64_t t0 = now_ms() - 5000;
    struct gw_event e = {
        .size = sizeof(e),
        .id = "monitor-1",
        .kind = "monitor",
        .state = "down",
        .reason = "rrd_write",
        .message = "RRD files cannot be written: No space left on device",
        .time_ms = t0,
    };
    send_one(h, nc, &e, "[gwyliwr] storage failing", "b");
    char *url = gw_xasprintf("http://127.0.0.1:%d/api/v2/alerts?filter=problem%%3D%%22rrd_write"
                             "%%22",
                             am_port);
    struct gw_http_request req = {.size = sizeof(req), .url = url, .timeout_ms = 10000};
    struct fetched f = {0};
    struct gw_http_call *call;
    assert_int_equal(gw_http_client_start(h->http, &req, fetched_cb, &f, &call), 0);
    test_loop_wait(&h->loop, &f.calls, 1, 20000, "answer");
    json_t *alerts = json_loads(f.body, 0, NULL);
    assert_int_equal(json_array_size(alerts), 1);
    assert_string_equal(label(json_array_get(alerts, 0), "alertname"), "GwyliwrMonitorProblem");
    assert_null(label(json_array_get(alerts, 0), "target"));
    json_decref(alerts);
    free(f.body);

    e.id = "monitor-2";
    e.state = "up";
    e.since_ms = t0;
    e.time_ms = now_ms();
    send_one(h, nc, &e, "[gwyliwr] storage back", "b");
    memset(&f, 0, sizeof(f));
    assert_int_equal(gw_http_client_start(h->http, &req, fetched_cb, &f, &call), 0);
    test_loop_wait(&h->loop, &f.calls, 1, 20000, "answer");
    alerts = json_loads(f.body, 0, NULL);
    assert_int_equal(json_array_size(alerts), 0);
    json_decref(alerts);
    free(f.body);
    free(url);
}

static void test_notify_alertmanager_maintenance_sends_nothing(void **state)
{
    struct check_harness *h = *state;
    /* Pointed at a port nobody listens on: nothing must be sent. */
    char *yaml = gw_xasprintf(NOTIFIER_HEAD("alertmanager") "    url: http://127.0.0.1:%d/\n",
                              hook.refused_port);
    const struct gw_notifier_conf *nc = notify_load(h, yaml);
    struct test_event ev;
    test_event_init(&ev, "gwynedd", "am7", "down", "down", now_ms(), 0);
    ev.e.kind = "maintenance_start";
    const struct gw_event *events[] = {&ev.e};
    struct gw_notification n = test_notification("m-1", events, 1, "s", "b");
    struct delivery d;
    notify_run(h, nc, &n, &d);
    assert_delivery(&d, 0, "nothing for Alertmanager");
    /* Cancelled before its turn, it never completes. */
    void *run = notify_start(h, nc, &n, &d);
    nc->type->cancel(run);
    test_loop_run_for(&h->loop, 50);
    assert_int_equal(d.calls, 0);
    free(yaml);
}

/* ---- what the receiver answers ---------------------------------------------------------- */

static void test_notify_alertmanager_refused_connection_is_retryable(void **state)
{
    hook_expect_refused(*state, &hook, "alertmanager");
}

static void test_notify_alertmanager_answer_statuses(void **state)
{
    hook_expect_statuses(*state, &hook, "alertmanager");
}

static void test_notify_alertmanager_hung_receiver_times_out(void **state)
{
    hook_expect_timeout(*state, &hook, "alertmanager");
}

static void test_notify_alertmanager_hung_receiver_is_cancelled(void **state)
{
    hook_expect_cancel(*state, &hook, "alertmanager");
}

static void test_notify_alertmanager_huge_answer_is_cut_short(void **state)
{
    hook_expect_huge_answer(*state, &hook, "alertmanager");
}

#define TEST(name)                                                                                 \
    cmocka_unit_test_setup_teardown(test_notify_alertmanager_##name, setup, notify_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(fires_then_resolves),
        TEST(a_change_of_problem_ends_the_previous),
        TEST(posts_a_group_as_one_request),
        TEST(speaks_welsh_when_asked),
        TEST(static_labels),
        TEST(alert_ends_unless_re_posted),
        TEST(monitor_problem),
        TEST(maintenance_sends_nothing),
        TEST(refused_connection_is_retryable),
        TEST(answer_statuses),
        TEST(hung_receiver_times_out),
        TEST(hung_receiver_is_cancelled),
        TEST(huge_answer_is_cut_short),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
