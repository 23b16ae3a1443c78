/*
 * The alert engine on a real loop with a notifier plugin of the tests that
 * answers as each test scripts it: grouping, retries with backoff and
 * Retry-After, giving up, order, an answer given inside send(), a notifier
 * that keeps failing as a problem of the monitor, reminders for receivers
 * that forget, what is owed across a restart, and a notifier removed by a
 * reload. Targets get their results through the funnel, as in the daemon.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "alert/alert.h"
#include "alert/alert_internal.h"
#include "config/config.h"
#include "loop_testutil.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "result/funnel.h"
#include "result/snapshot.h"
#include "schedule/target.h"
#include "tmp_testutil.h"
#include "util/clock.h"
#include "util/diag.h"
#include "util/xalloc.h"

/* ---- a notifier of the tests ------------------------------------------------------ */

struct answer {
    int err;
    uint64_t retry_after_ms;
    bool inside_send; /* answer from inside send() */
    bool never;       /* never answer (until cancelled) */
};

struct sent {
    char notifier[16];
    char id[96];
    size_t n;
    char first_kind[24], first_state[16], first_id[96];
    uint64_t at_ms; /* loop time */
};

#define MAX_SENT 64

static struct recorder {
    uv_loop_t *loop;
    struct gw_alert *alert;
    struct answer script[16];
    size_t n_script, next;
    struct sent sent[MAX_SENT];
    unsigned n_sent;
    unsigned cancelled;
    uint64_t messages_inside_send; /* stats seen from inside send(), after answering */
} rec;

struct fake_conf {
    char id[16];
    uint64_t resend_ms;
};

struct fake_run {
    uv_timer_t timer;
    struct gw_delivery *delivery;
    gw_delivery_done_cb done;
    struct answer answer;
    bool cancelled;
};

static const struct gw_cfg_key fake_keys[] = {
    {"resend", GW_CFG_DURATION, 0, NULL, "resend_ms"},
    {NULL, 0, 0, NULL, NULL},
};

static int fake_configure(const struct gw_host *host, const struct gw_cfg *node, void **conf_out)
{
    struct fake_conf *c = gw_xcalloc(1, sizeof(*c));
    const char *id = "";
    host->cfg_string(node, "id", &id);
    snprintf(c->id, sizeof(c->id), "%s", id);
    host->cfg_duration_ms(node, "resend", &c->resend_ms);
    *conf_out = c;
    return 0;
}

static void run_closed_cb(uv_handle_t *h)
{
    free(h->data);
}

static void answer_cb(uv_timer_t *timer)
{
    struct fake_run *run = timer->data;
    if (!run->cancelled)
        run->done(run->delivery, run->answer.err, run->answer.err ? "scripted failure" : "taken",
                  run->answer.retry_after_ms);
    uv_close((uv_handle_t *)timer, run_closed_cb);
}

static int fake_send(const struct gw_host *host, const void *conf, const struct gw_notification *n,
                     struct gw_delivery *delivery, gw_delivery_done_cb done, void **run_out)
{
    const struct fake_conf *c = conf;
    assert_true(rec.n_sent < MAX_SENT);
    struct sent *s = &rec.sent[rec.n_sent++];
    snprintf(s->notifier, sizeof(s->notifier), "%s", c->id);
    snprintf(s->id, sizeof(s->id), "%s", n->id);
    s->n = n->n_events;
    snprintf(s->first_kind, sizeof(s->first_kind), "%s", n->events[0]->kind);
    snprintf(s->first_state, sizeof(s->first_state), "%s", n->events[0]->state);
    snprintf(s->first_id, sizeof(s->first_id), "%s", n->events[0]->id);
    s->at_ms = uv_now(host->loop);
    struct answer a = {0};
    /* the script is for notifier "a"; the others always take it */
    if (strcmp(c->id, "a") == 0 && rec.next < rec.n_script)
        a = rec.script[rec.next++];
    if (a.inside_send) {
        done(delivery, a.err, "taken at once", 0);
        struct gw_alert_stats st;
        gw_alert_stats(rec.alert, &st);
        rec.messages_inside_send = st.messages;
        *run_out = NULL;
        return 0;
    }
    struct fake_run *run = gw_xcalloc(1, sizeof(*run));
    run->delivery = delivery;
    run->done = done;
    run->answer = a;
    uv_timer_init(host->loop, &run->timer);
    run->timer.data = run;
    if (a.never)
        uv_timer_start(&run->timer, answer_cb, 3600000, 0);
    else
        uv_timer_start(&run->timer, answer_cb, 5, 0);
    *run_out = run;
    return 0;
}

static void fake_cancel(void *p)
{
    struct fake_run *run = p;
    rec.cancelled++;
    if (!run)
        return;
    run->cancelled = true;
    uv_timer_stop(&run->timer);
    uv_close((uv_handle_t *)&run->timer, run_closed_cb);
}

static uint64_t fake_resend(const void *conf)
{
    return ((const struct fake_conf *)conf)->resend_ms;
}

static const struct gw_notifier_type fake_notifier = {
    .name = "fake",
    .description = "a notifier of the tests",
    .keys = fake_keys,
    .configure = fake_configure,
    .conf_free = free,
    .send = fake_send,
    .cancel = fake_cancel,
    .resend_ms = fake_resend,
};

/* A check type whose checks never run: results come from the tests. */
static int probe_configure(const struct gw_host *host, const struct gw_cfg *t, void **conf_out)
{
    (void)host, (void)t;
    *conf_out = gw_xstrdup("x");
    return 0;
}

static int probe_start(const struct gw_host *host, const void *conf, struct gw_check *check,
                       void **run_out)
{
    (void)host, (void)conf, (void)check, (void)run_out;
    return -ENOTSUP;
}

static void probe_cancel(void *run)
{
    (void)run;
}

static const struct gw_check_type probe_type = {
    .name = "probe",
    .description = "results from the tests",
    .configure = probe_configure,
    .conf_free = free,
    .start = probe_start,
    .cancel = probe_cancel,
};

static const struct gw_check_type *const checks[] = {&probe_type, NULL};
static const struct gw_notifier_type *const notifiers[] = {&fake_notifier, NULL};
static const struct gw_plugin test_plugin = {
    GW_PLUGIN_ABI_VERSION, sizeof(struct gw_plugin), "test", checks, notifiers,
};

/* ---- fixture ------------------------------------------------------------------------ */

struct fx {
    struct test_loop loop;
    struct gw_host host;
    struct gw_plugins *plugins;
    char *dir;
    struct gw_config *config;
    struct gw_targets *targets;
    struct gw_alert *alert;
    struct gw_funnel funnel;
};

static int setup(void **state)
{
    struct fx *f = gw_xcalloc(1, sizeof(*f));
    test_loop_init(&f->loop, 5000);
    gw_host_init(&f->host, &f->loop.uv);
    f->plugins = gw_plugins_new();
    char *err = NULL;
    assert_int_equal(gw_plugins_add(f->plugins, &test_plugin, "test", &err), 0);
    f->dir = temp_dir("gw-alert");
    memset(&rec, 0, sizeof(rec));
    rec.loop = &f->loop.uv;
    *state = f;
    return 0;
}

/* A configuration of councils c and d (d/t2 depends on d/t1): notifiers
 * (YAML lines), targets telling `notify` (a YAML list), and `more` (YAML
 * lines of the top level). */
static struct gw_config *load_more(struct fx *f, const char *notifiers_yaml, const char *notify,
                                   const char *more)
{
    char *text = gw_xasprintf("daemon: {data_dir: %s, notify: [b]}\n"
                              "notifiers:\n%s"
                              "defaults: {failure_threshold: 1, success_threshold: 1, "
                              "notify: %s}\n"
                              "councils:\n"
                              "  - id: c\n"
                              "    targets: [{id: t1, check: probe}, {id: t2, check: probe},\n"
                              "              {id: t3, check: probe}]\n"
                              "  - id: d\n"
                              "    targets: [{id: t1, check: probe},\n"
                              "              {id: t2, check: probe, depends_on: t1}]\n"
                              "%s",
                              f->dir, notifiers_yaml, notify, more);
    struct gw_diag *diag = gw_diag_new();
    struct gw_config *c = gw_config_load_string("alert.yaml", text, f->plugins, &f->host, diag);
    if (!c) {
        gw_diag_print(diag, stderr);
        fail_msg("the test configuration is not valid");
    }
    gw_diag_free(diag);
    free(text);
    return c;
}

static struct gw_config *load(struct fx *f, const char *notifiers_yaml, const char *notify)
{
    return load_more(f, notifiers_yaml, notify, "");
}

#define NOTIFIERS(a_extra)                                                                         \
    "  - {id: a, type: fake, group_wait: 200ms, timeout: 2s" a_extra "}\n"                         \
    "  - {id: b, type: fake, group_wait: 0s}\n"

static void start_more(struct fx *f, const char *notifiers_yaml, const char *more)
{
    f->config = load_more(f, notifiers_yaml, "[a]", more);
    f->targets = gw_targets_new(f->config, NULL);
    f->alert = gw_alert_new(&f->loop.uv, &f->host);
    rec.alert = f->alert;
    f->alert->backoff_min_ms = 100;
    f->alert->backoff_max_ms = 1000;
    uv_update_time(&f->loop.uv);
    assert_int_equal(gw_alert_start(f->alert, f->targets), 0);
    gw_funnel_init(&f->funnel, NULL, f->dir);
    f->funnel.alert = f->alert;
}

static void start(struct fx *f, const char *notifiers_yaml)
{
    start_more(f, notifiers_yaml, "");
}

/* Stops the engine as the daemon does (the loop runs its last callbacks). */
static void stop(struct fx *f)
{
    gw_alert_stop(f->alert);
    test_loop_run_for(&f->loop, 20);
    gw_alert_free(f->alert);
    f->alert = NULL;
    gw_funnel_fini(&f->funnel);
    gw_targets_free(f->targets);
    f->targets = NULL;
    gw_config_unref(f->config);
    f->config = NULL;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (test_loop_open(&f->loop)) {
        if (f->alert)
            stop(f);
        test_loop_finish(&f->loop);
    }
    gw_plugins_free(f->plugins);
    tree_remove(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void result(struct fx *f, const char *id, enum gw_status status)
{
    struct gw_target *t = gw_targets_find(f->targets, id);
    assert_non_null(t);
    struct gw_result r = {.status = status, .time_ms = gw_clock_wall_ms()};
    snprintf(r.reason, sizeof(r.reason), "%s", status == GW_STATUS_UP ? "" : "connect_refused");
    snprintf(r.message, sizeof(r.message), "%s", status == GW_STATUS_UP ? "fine" : "refused");
    gw_funnel_result(&f->funnel, t, t->conf, &r);
}

static void wait_sent(struct fx *f, unsigned n, uint64_t limit_ms)
{
    test_loop_wait(&f->loop, &rec.n_sent, n, limit_ms, "notification");
}

/* Runs the loop until n messages were delivered in all. */
static void wait_delivered(struct fx *f, uint64_t n)
{
    uint64_t deadline = uv_hrtime() + 5000000000ull;
    for (;;) {
        struct gw_alert_stats st;
        gw_alert_stats(f->alert, &st);
        if (st.messages >= n)
            return;
        if (uv_hrtime() > deadline)
            fail_msg("%llu messages delivered, not %llu", (unsigned long long)st.messages,
                     (unsigned long long)n);
        uv_run(&f->loop.uv, UV_RUN_ONCE);
    }
}

/* Lines of the log with kind and, for deliveries, this outcome. */
static unsigned lines(struct fx *f, const char *kind, const char *outcome)
{
    char *path = gw_xasprintf("%s/events.jsonl", f->dir);
    FILE *fp = fopen(path, "r");
    free(path);
    unsigned n = 0;
    char line[8192];
    char want_kind[64], want_outcome[64];
    snprintf(want_kind, sizeof(want_kind), "\"kind\":\"%s\"", kind);
    snprintf(want_outcome, sizeof(want_outcome), "\"outcome\":\"%s\"", outcome ? outcome : "");
    while (fp && fgets(line, sizeof(line), fp))
        if (strstr(line, want_kind) && (!outcome || strstr(line, want_outcome)))
            n++;
    if (fp)
        fclose(fp);
    return n;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_alert_groups_retries_with_backoff_and_keeps_order(void **state)
{
    struct fx *f = *state;
    start(f, NOTIFIERS(""));
    rec.script[0] = (struct answer){.err = -EIO};
    rec.script[1] = (struct answer){.err = -ECONNREFUSED};
    rec.n_script = 2;
    result(f, "c/t1", GW_STATUS_UP);
    result(f, "c/t2", GW_STATUS_UP);
    result(f, "c/t1", GW_STATUS_DOWN);
    result(f, "c/t2", GW_STATUS_DOWN);
    wait_sent(f, 1, 2000);
    /* both changes came within group_wait: one message */
    assert_int_equal(rec.sent[0].n, 2);
    assert_string_equal(rec.sent[0].first_state, "down");
    result(f, "c/t1", GW_STATUS_UP); /* waits behind the message being retried */
    wait_sent(f, 4, 3000);
    assert_string_equal(rec.sent[1].id, rec.sent[0].id);
    assert_string_equal(rec.sent[2].id, rec.sent[0].id);
    /* backoff: 100 ms, then 200 ms (timers may fire up to 1 ms early) */
    uint64_t gap1 = rec.sent[1].at_ms - rec.sent[0].at_ms,
             gap2 = rec.sent[2].at_ms - rec.sent[1].at_ms;
    assert_true(gap1 + 1 >= 100 && gap1 < 100 + 200 * (uint64_t)slack());
    assert_true(gap2 + 1 >= 200 && gap2 < 200 + 200 * (uint64_t)slack());
    /* the recovery only after the outage went through */
    assert_int_equal(rec.sent[3].n, 1);
    assert_string_equal(rec.sent[3].first_state, "up");
    wait_delivered(f, 2);
    stop(f);
    assert_int_equal(lines(f, "delivery", "failed"), 2);
    assert_int_equal(lines(f, "delivery", "sent"), 2);
}

static void test_alert_gives_up_what_cannot_succeed(void **state)
{
    struct fx *f = *state;
    start(f, NOTIFIERS(""));
    rec.script[0] = (struct answer){.err = -EINVAL};
    rec.n_script = 1;
    result(f, "c/t1", GW_STATUS_DOWN);
    wait_sent(f, 1, 2000);
    result(f, "c/t2", GW_STATUS_DOWN);
    wait_sent(f, 2, 2000);
    assert_string_not_equal(rec.sent[1].id, rec.sent[0].id); /* the next message, not a retry */
    wait_delivered(f, 1);
    stop(f);
    assert_int_equal(lines(f, "delivery", "gave_up"), 1);
    assert_int_equal(lines(f, "delivery", "sent"), 1);
}

static void test_alert_honours_retry_after(void **state)
{
    struct fx *f = *state;
    start(f, NOTIFIERS(""));
    rec.script[0] = (struct answer){.err = -EIO, .retry_after_ms = 700};
    rec.n_script = 1;
    result(f, "c/t1", GW_STATUS_DOWN);
    wait_sent(f, 2, 3000);
    assert_true(rec.sent[1].at_ms - rec.sent[0].at_ms + 1 >= 700);
}

static void test_alert_an_answer_inside_send_is_taken_after_it(void **state)
{
    struct fx *f = *state;
    start(f, NOTIFIERS(""));
    rec.script[0] = (struct answer){.inside_send = true};
    rec.n_script = 1;
    result(f, "c/t1", GW_STATUS_DOWN);
    wait_sent(f, 1, 2000);
    test_loop_run_for(&f->loop, 50);
    struct gw_alert_stats st;
    gw_alert_stats(f->alert, &st);
    assert_int_equal(rec.messages_inside_send, 0); /* not yet when send() answered */
    assert_int_equal(st.messages, 1);
    assert_int_equal(st.owed, 0);
}

static void test_alert_a_notifier_that_keeps_failing_is_a_problem_of_the_monitor(void **state)
{
    struct fx *f = *state;
    start(f, NOTIFIERS(""));
    for (int i = 0; i < 3; i++)
        rec.script[i] = (struct answer){.err = -EIO};
    rec.n_script = 3;
    result(f, "c/t1", GW_STATUS_DOWN);
    /* three failures of a, then b (daemon.notify) is told; a then delivers */
    wait_sent(f, 6, 5000);
    unsigned to_b = 0;
    for (unsigned i = 0; i < rec.n_sent; i++)
        if (strcmp(rec.sent[i].notifier, "b") == 0) {
            assert_string_equal(rec.sent[i].first_kind, "monitor");
            to_b++;
        }
    assert_int_equal(to_b, 2); /* the problem, then its end */
    stop(f);
    assert_int_equal(lines(f, "monitor", NULL), 2);
}

static void test_alert_reminds_a_receiver_that_forgets(void **state)
{
    struct fx *f = *state;
    start(f, NOTIFIERS(", resend: 300ms"));
    result(f, "c/t1", GW_STATUS_DOWN);
    wait_sent(f, 3, 4000); /* the DOWN, then reminders on the engine's ticks */
    assert_string_equal(rec.sent[0].first_kind, "state");
    assert_string_equal(rec.sent[1].first_kind, "reminder");
    assert_string_equal(rec.sent[1].first_state, "down");
    assert_string_not_equal(rec.sent[1].first_id, rec.sent[2].first_id);
    assert_non_null(strstr(rec.sent[1].first_id, "-c/t1~"));
    result(f, "c/t1", GW_STATUS_UP);
    unsigned before = rec.n_sent;
    test_loop_run_for(&f->loop, 2500);
    /* the UP, and no reminder after it */
    assert_true(rec.n_sent >= before + 1);
    assert_string_equal(rec.sent[rec.n_sent - 1].first_state, "up");
    assert_string_equal(rec.sent[rec.n_sent - 1].first_kind, "state");
    stop(f);
    assert_int_equal(lines(f, "state", NULL), 2); /* reminders are no lines of their own */
}

static void test_alert_what_is_owed_outlives_a_restart(void **state)
{
    struct fx *f = *state;
    start(f, NOTIFIERS(""));
    rec.script[0] = (struct answer){.never = true};
    rec.n_script = 1;
    result(f, "c/t1", GW_STATUS_UP);
    result(f, "c/t1", GW_STATUS_DOWN);
    wait_sent(f, 1, 2000);
    char id[96];
    snprintf(id, sizeof(id), "%s", rec.sent[0].id);
    stop(f); /* the delivery in flight is abandoned, not failed */
    assert_int_equal(rec.cancelled, 1);

    start(f, NOTIFIERS(""));
    struct gw_target *t = gw_targets_find(f->targets, "c/t1");
    assert_int_equal(t->state.hard, GW_STATUS_DOWN);
    assert_int_equal(t->state.told, GW_STATUS_DOWN);
    wait_sent(f, 2, 2000);
    assert_string_equal(rec.sent[1].id, id); /* the same message, under the same id */
    result(f, "c/t1", GW_STATUS_DOWN);       /* known: not told again */
    test_loop_run_for(&f->loop, 400);
    assert_int_equal(rec.n_sent, 2);
    stop(f);
    assert_int_equal(lines(f, "state", NULL), 2);
    assert_int_equal(lines(f, "start", NULL), 2);
    assert_int_equal(lines(f, "stop", NULL), 2);
}

static void test_alert_groups_by_council(void **state)
{
    struct fx *f = *state;
    start(f, "  - {id: a, type: fake, group_wait: 200ms, group_by: council}\n"
             "  - {id: b, type: fake}\n");
    result(f, "c/t1", GW_STATUS_DOWN);
    result(f, "c/t2", GW_STATUS_DOWN);
    result(f, "d/t1", GW_STATUS_DOWN);
    result(f, "c/t3", GW_STATUS_DOWN);
    wait_sent(f, 2, 2000);
    test_loop_run_for(&f->loop, 300);
    assert_int_equal(rec.n_sent, 2);
    assert_int_equal(rec.sent[0].n + rec.sent[1].n, 4);
    assert_true((rec.sent[0].n == 3 && rec.sent[1].n == 1) ||
                (rec.sent[0].n == 1 && rec.sent[1].n == 3));
}

static void test_alert_a_removed_notifier_gives_up_what_it_was_owed(void **state)
{
    struct fx *f = *state;
    start(f, NOTIFIERS(""));
    rec.script[0] = (struct answer){.never = true};
    rec.n_script = 1;
    result(f, "c/t1", GW_STATUS_DOWN);
    wait_sent(f, 1, 2000);
    /* a reload without notifier a */
    struct gw_config *c2 = load(f, "  - {id: b, type: fake}\n", "[b]");
    struct gw_targets *t2 = gw_targets_new(c2, f->targets);
    gw_alert_apply(f->alert, t2);
    gw_targets_free(f->targets);
    f->targets = t2;
    gw_config_unref(f->config);
    f->config = c2;
    assert_int_equal(rec.cancelled, 1);
    stop(f);
    assert_int_equal(lines(f, "delivery", "gave_up"), 1);
}

/* What the status pages see of a target (its snapshot entry). */
static const struct gw_snap_target *entry(struct fx *f, const char *id)
{
    const struct gw_target *t = gw_targets_find(f->targets, id);
    assert_non_null(t);
    assert_non_null(t->snap);
    return t->snap;
}

static void test_alert_tells_the_status_pages_why_an_outage_is_not_its_own(void **state)
{
    struct fx *f = *state;
    char from[32], to[32];
    time_t now = time(NULL) - 3600, later = now + 7200;
    strftime(from, sizeof(from), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    strftime(to, sizeof(to), "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
    char *more = gw_xasprintf("maintenance:\n"
                              "  - {targets: [c/t3], from: \"%s\", to: \"%s\", reason: works}\n",
                              from, to);
    start_more(f, NOTIFIERS(""), more);
    free(more);
    /* In its window from the start, before any result; no outage to explain. */
    assert_true(entry(f, "c/t3")->in_maintenance);
    assert_int_equal(entry(f, "c/t3")->cause, GW_SNAP_CAUSE_NONE);
    assert_false(entry(f, "c/t1")->in_maintenance);
    result(f, "c/t3", GW_STATUS_DOWN);
    assert_int_equal(entry(f, "c/t3")->cause, GW_SNAP_CAUSE_MAINTENANCE);

    /* A child's outage is its parent's while the parent is down, and its
     * entry says so as soon as the parent goes down or recovers. */
    result(f, "d/t1", GW_STATUS_UP);
    result(f, "d/t2", GW_STATUS_DOWN);
    assert_int_equal(entry(f, "d/t2")->cause, GW_SNAP_CAUSE_NONE);
    result(f, "d/t1", GW_STATUS_DOWN);
    assert_int_equal(entry(f, "d/t2")->cause, GW_SNAP_CAUSE_PARENT);
    assert_string_equal(entry(f, "d/t2")->cause_target, "d/t1");
    assert_string_equal(entry(f, "d/t2")->message, "refused"); /* its own last result kept */
    assert_int_equal(entry(f, "d/t1")->cause, GW_SNAP_CAUSE_NONE);
    result(f, "d/t1", GW_STATUS_UP);
    assert_int_equal(entry(f, "d/t2")->cause, GW_SNAP_CAUSE_NONE);
    assert_string_equal(entry(f, "d/t2")->cause_target, "");
    result(f, "d/t1", GW_STATUS_DOWN);
    result(f, "d/t2", GW_STATUS_UP); /* an UP child is nobody's outage */
    assert_int_equal(entry(f, "d/t2")->cause, GW_SNAP_CAUSE_NONE);

    /* Flapping, as the state machine says. */
    for (int i = 0; i < 12; i++)
        result(f, "c/t1", i % 2 ? GW_STATUS_UP : GW_STATUS_DOWN);
    assert_true(gw_targets_find(f->targets, "c/t1")->state.flapping);
    assert_true(entry(f, "c/t1")->flapping);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alert_groups_retries_with_backoff_and_keeps_order,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_gives_up_what_cannot_succeed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_honours_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_an_answer_inside_send_is_taken_after_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_alert_a_notifier_that_keeps_failing_is_a_problem_of_the_monitor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_reminds_a_receiver_that_forgets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_alert_what_is_owed_outlives_a_restart, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_alert_groups_by_council, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_a_removed_notifier_gives_up_what_it_was_owed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_alert_tells_the_status_pages_why_an_outage_is_not_its_own, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
