/*
 * The webhook notifier, through the real loader (notify_webhook.so), sending
 * hand-built notifications with the daemon's HTTP client to a real receiver
 * (tests/tools/webhook_receiver.py) on 127.0.0.1: the documented body, the
 * secret headers, every failure of a receiver (refused, 500, 429 with
 * Retry-After, 4xx, hung, a 1 GiB answer), and the four shipped templates,
 * each checked against the body its receiver documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>

#include "notify_testutil.h"

static struct hook_receiver hook;

static int group_setup(void **state)
{
    (void)state;
    return hook_receiver_start(&hook, "gw-webhook");
}

static int group_teardown(void **state)
{
    (void)state;
    receiver_stop(&hook.proc);
    return 0;
}

static int setup(void **state)
{
    return notify_setup(state, "notify_webhook.so");
}

/* ---- helpers ------------------------------------------------------------------------ */

/* Loads a webhook notifier posting to `path` of the receiver, with extra lines. */
static const struct gw_notifier_conf *load(struct check_harness *h, const char *path,
                                           const char *extra)
{
    return hook_load(h, &hook, "webhook", path, extra);
}

/* The requests recorded so far: a JSON array of {method, path, headers, body}. */
static json_t *recorded(void)
{
    char *path = gw_xasprintf("%s/requests.jsonl", hook.proc.dir);
    json_t *all = json_array();
    FILE *f = fopen(path, "r");
    char line[1 << 16];
    while (f && fgets(line, sizeof(line), f)) {
        json_error_t err;
        json_t *entry = json_loads(line, 0, &err);
        if (!entry)
            fail_msg("receiver record: %s", err.text);
        json_array_append_new(all, entry);
    }
    if (f)
        fclose(f);
    free(path);
    return all;
}

static size_t n_recorded(void)
{
    json_t *all = recorded();
    size_t n = json_array_size(all);
    json_decref(all);
    return n;
}

/* The last request's parsed body (caller decrefs) and, in *headers_out, its headers. */
static json_t *last_body(json_t **headers_out)
{
    json_t *all = recorded();
    size_t n = json_array_size(all);
    assert_true(n > 0);
    json_t *entry = json_array_get(all, n - 1);
    assert_string_equal(json_string_value(json_object_get(entry, "method")), "POST");
    json_error_t err;
    json_t *body = json_loads(json_string_value(json_object_get(entry, "body")), 0, &err);
    if (!body)
        fail_msg("the body is not JSON: %s (%s)", err.text,
                 json_string_value(json_object_get(entry, "body")));
    if (headers_out)
        *headers_out = json_incref(json_object_get(entry, "headers"));
    json_decref(all);
    return body;
}

static const char *str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("\"%s\" is not a string", key);
    return json_string_value(v);
}

/* One DOWN event of gwynedd/website at 2026-11-03T10:12:03Z, up since 10:00:00. */
#define T_DOWN     1793700723000LL
#define T_UP_SINCE 1793700000000LL

/* ---- the body ----------------------------------------------------------------------- */

static void test_notify_webhook_posts_the_documented_body(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load(h, "/ok", NULL);
    struct test_event ev;
    test_event_init(&ev, "gwynedd", "website", "down", "up", T_DOWN, T_UP_SINCE);
    const struct gw_event *events[] = {&ev.e};
    struct gw_notification n =
        test_notification("n-1", events, 1, "[DOWN] Cyngor Gwynedd — Website: HTTP 503",
                          "Cyngor Gwynedd — Website is DOWN.\n");
    struct delivery d;
    notify_run(h, nc, &n, &d);
    char where[64];
    snprintf(where, sizeof(where), "HTTP 200 from http://127.0.0.1:%d", hook.port);
    assert_delivery(&d, 0, where);
    assert_int_equal(d.retry_after_ms, 0);

    json_t *headers;
    json_t *b = last_body(&headers);
    assert_string_equal(str(headers, "content-type"), "application/json");
    assert_string_equal(str(headers, "idempotency-key"), "n-1");
    assert_int_equal(json_integer_value(json_object_get(b, "version")), 1);
    assert_string_equal(str(b, "idempotency_key"), "n-1");
    assert_true(json_is_false(json_object_get(b, "test")));
    assert_string_equal(str(b, "state"), "down");
    assert_string_equal(str(b, "previous"), "up");
    assert_string_equal(str(b, "target"), "gwynedd/website");
    assert_string_equal(str(b, "target_name"), "Website");
    assert_string_equal(str(b, "council"), "gwynedd");
    assert_string_equal(str(b, "council_name"), "Cyngor Gwynedd");
    assert_string_equal(str(b, "category"), "digital-services");
    assert_string_equal(str(b, "check"), "http");
    assert_string_equal(str(b, "reason"), "http_status");
    assert_string_equal(str(b, "sentence"), "HTTP 503 from www.gwynedd.llyw.cymru in 212 ms");
    assert_string_equal(str(b, "time"), "2026-11-03T10:12:03.000Z");
    assert_string_equal(str(b, "since"), "2026-11-03T10:00:00.000Z");
    assert_int_equal(json_integer_value(json_object_get(b, "duration")), 723);
    json_t *figures = json_object_get(b, "figures");
    assert_float_equal(json_real_value(json_object_get(figures, "latency")), 0.212, 1e-9);
    assert_float_equal(json_real_value(json_object_get(figures, "status")), 503, 1e-9);
    assert_true(json_is_null(json_object_get(b, "cause")));
    assert_string_equal(str(b, "url"), "http://127.0.0.1:8080/target/gwynedd/website");
    assert_string_equal(str(b, "subject"), "[DOWN] Cyngor Gwynedd — Website: HTTP 503");
    assert_string_equal(str(b, "text"), "Cyngor Gwynedd — Website is DOWN.\n");
    assert_string_equal(str(b, "event_id"), ev.id);
    assert_int_equal(json_integer_value(json_object_get(b, "count")), 1);
    json_t *list = json_object_get(b, "events");
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(str(json_array_get(list, 0), "target"), "gwynedd/website");
    json_decref(headers);
    json_decref(b);
}

static void test_notify_webhook_sends_a_group_as_one_body(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load(h, "/ok", NULL);
    struct test_event ev[3];
    const char *names[] = {"website", "payments", "library"};
    const struct gw_event *events[3];
    for (int i = 0; i < 3; i++) {
        test_event_init(&ev[i], "cardiff", names[i], "down", "up", T_DOWN + i, 0);
        events[i] = &ev[i].e;
    }
    ev[1].e.cause = "parent";
    ev[1].e.cause_target = "cardiff/link";
    struct gw_notification n = test_notification("group-7", events, 3, "[DOWN] 3 targets", "...");
    struct delivery d;
    notify_run(h, nc, &n, &d);
    assert_delivery(&d, 0, "HTTP 200");
    json_t *b = last_body(NULL);
    assert_int_equal(json_integer_value(json_object_get(b, "count")), 3);
    /* The top level is the first event; every event is in the list. */
    assert_string_equal(str(b, "target"), "cardiff/website");
    assert_true(json_is_null(json_object_get(b, "since")));
    assert_true(json_is_null(json_object_get(b, "duration")));
    json_t *list = json_object_get(b, "events");
    assert_int_equal(json_array_size(list), 3);
    for (int i = 0; i < 3; i++) {
        char want[64];
        snprintf(want, sizeof(want), "cardiff/%s", names[i]);
        assert_string_equal(str(json_array_get(list, (size_t)i), "target"), want);
    }
    assert_string_equal(str(json_array_get(list, 1), "cause"), "parent");
    assert_string_equal(str(json_array_get(list, 1), "cause_target"), "cardiff/link");
    json_decref(b);
}

static void test_notify_webhook_sends_headers_from_the_secret_file(void **state)
{
    struct check_harness *h = *state;
    char *file = gw_xasprintf("%s/headers", hook.proc.dir);
    FILE *f = fopen(file, "w");
    fputs("# for the ops hook\nAuthorization: Bearer s3cret\n\nX-Team: ops\n", f);
    fclose(f);
    chmod(file, 0600);
    char *extra = gw_xasprintf("    headers_file: %s\n", file);
    const struct gw_notifier_conf *nc = load(h, "/ok", extra);
    struct test_event ev;
    test_event_init(&ev, "gwynedd", "website", "up", "down", T_DOWN, T_UP_SINCE);
    const struct gw_event *events[] = {&ev.e};
    struct gw_notification n = test_notification("n-2", events, 1, "[UP]", "up");
    struct delivery d;
    notify_run(h, nc, &n, &d);
    assert_delivery(&d, 0, "HTTP 200");
    json_t *headers;
    json_t *b = last_body(&headers);
    assert_string_equal(str(headers, "authorization"), "Bearer s3cret");
    assert_string_equal(str(headers, "x-team"), "ops");
    assert_true(json_is_null(json_object_get(b, "reason")));
    json_decref(headers);
    json_decref(b);

    /* A line that is no header is refused, without quoting the secret file. */
    f = fopen(file, "w");
    fputs("Authorization Bearer s3cret\n", f);
    fclose(f);
    char *yaml = gw_xasprintf(NOTIFIER_HEAD("webhook") "    url: http://127.0.0.1:%d/ok\n%s",
                              hook.port, extra);
    harness_expect_config_error(h, yaml, "headers_file: line 1 is not a \"Name: value\" header");
    assert_false(gw_diag_contains(h->diag, "s3cret"));
    free(yaml);
    free(extra);
    free(file);
}

static void test_notify_webhook_keeps_a_secret_url_out_of_messages(void **state)
{
    struct check_harness *h = *state;
    char *file = gw_xasprintf("%s/url", hook.proc.dir);
    FILE *f = fopen(file, "w");
    fprintf(f, "http://127.0.0.1:%d/status/500?token=T0PSECRET\n", hook.port);
    fclose(f);
    chmod(file, 0600);
    char *yaml = gw_xasprintf(NOTIFIER_HEAD("webhook") "    url_file: %s\n", file);
    const struct gw_notifier_conf *nc = notify_load(h, yaml);
    struct test_event ev;
    test_event_init(&ev, "gwynedd", "website", "down", "up", T_DOWN, 0);
    const struct gw_event *events[] = {&ev.e};
    struct gw_notification n = test_notification("n-3", events, 1, "s", "b");
    struct delivery d;
    notify_run(h, nc, &n, &d);
    assert_delivery(&d, -EIO, "HTTP 500 from http://127.0.0.1:");
    assert_null(strstr(d.message, "T0PSECRET"));
    assert_null(strstr(d.message, "/status"));

    /* url and url_file together, and neither, are refused. */
    char *both = gw_xasprintf("%s    url: http://127.0.0.1:1/\n", yaml);
    harness_expect_config_error(h, both, "url and url_file are both given");
    harness_expect_config_error(h, NOTIFIER_HEAD("webhook"), "missing url");
    harness_expect_config_error(h, NOTIFIER_HEAD("webhook") "    url: ftp://x/\n",
                                "bad url \"ftp://x/\"");
    free(both);
    free(yaml);
    free(file);
}

/* ---- what the receiver answers ---------------------------------------------------------- */

static void test_notify_webhook_refused_connection_is_retryable(void **state)
{
    hook_expect_refused(*state, &hook, "webhook");
}

static void test_notify_webhook_answer_statuses(void **state)
{
    hook_expect_statuses(*state, &hook, "webhook");
}

static void test_notify_webhook_retry_after_date(void **state)
{
    /* A date already past still asks for a pause. */
    struct delivery d;
    hook_send(*state, &hook, "webhook",
              "/status/429?retry_after=Wed,%2021%20Oct%202015%2007:28:00%20GMT", NULL, &d);
    assert_delivery(&d, -EAGAIN, "HTTP 429");
    assert_int_equal(d.retry_after_ms, 1000);
}

static void test_notify_webhook_hung_receiver_times_out(void **state)
{
    size_t before = n_recorded();
    hook_expect_timeout(*state, &hook, "webhook");
    assert_int_equal(n_recorded(), before + 1);
}

static void test_notify_webhook_hung_receiver_is_cancelled(void **state)
{
    hook_expect_cancel(*state, &hook, "webhook");
}

static void test_notify_webhook_huge_answer_is_cut_short(void **state)
{
    hook_expect_huge_answer(*state, &hook, "webhook");
}

/* ---- templates ------------------------------------------------------------------------ */

/* Characters (UTF-8 code points) of s. */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static const char *text_at(const json_t *o, const char *key, size_t max_chars)
{
    const char *s = str(o, key);
    if (chars(s) > max_chars)
        fail_msg("\"%s\" has %zu characters (at most %zu)", key, chars(s), max_chars);
    return s;
}

/*
 * Slack incoming webhooks: "text" (the notification's fallback) and Block
 * Kit "blocks": at most 50; a header's plain_text at most 150 characters,
 * a section's text at most 3,000, a context at most 10 elements.
 */
static void expect_slack_shape(const json_t *b, size_t n_events)
{
    assert_true(strlen(text_at(b, "text", 40000)) > 0);
    const json_t *blocks = json_object_get(b, "blocks");
    assert_true(json_is_array(blocks));
    assert_true(json_array_size(blocks) <= 50);
    size_t contexts = 0, i;
    const json_t *block;
    json_array_foreach(blocks, i, block)
    {
        const char *type = str(block, "type");
        if (strcmp(type, "header") == 0) {
            const json_t *t = json_object_get(block, "text");
            assert_string_equal(str(t, "type"), "plain_text");
            assert_true(chars(text_at(t, "text", 150)) > 0);
        } else if (strcmp(type, "section") == 0) {
            const json_t *t = json_object_get(block, "text");
            assert_string_equal(str(t, "type"), "mrkdwn");
            text_at(t, "text", 3000);
        } else if (strcmp(type, "context") == 0) {
            const json_t *el = json_object_get(block, "elements");
            assert_true(json_array_size(el) >= 1 && json_array_size(el) <= 10);
            assert_string_equal(str(json_array_get(el, 0), "type"), "mrkdwn");
            text_at(json_array_get(el, 0), "text", 3000);
            contexts++;
        } else {
            fail_msg("unexpected block type %s", type);
        }
    }
    assert_int_equal(contexts, n_events < 20 ? n_events : 20);
}

/*
 * Microsoft Teams (Workflows "when a Teams webhook request is received"):
 * {"type": "message", "attachments": [{"contentType":
 * "application/vnd.microsoft.card.adaptive", "content": an AdaptiveCard}]},
 * the card under Teams' 28 KB.
 */
static void expect_teams_shape(const json_t *b, size_t n_events)
{
    assert_string_equal(str(b, "type"), "message");
    const json_t *att = json_object_get(b, "attachments");
    assert_int_equal(json_array_size(att), 1);
    const json_t *a = json_array_get(att, 0);
    assert_string_equal(str(a, "contentType"), "application/vnd.microsoft.card.adaptive");
    const json_t *card = json_object_get(a, "content");
    char *dump = json_dumps(card, JSON_COMPACT);
    assert_true(strlen(dump) < 28 * 1024);
    free(dump);
    assert_string_equal(str(card, "type"), "AdaptiveCard");
    assert_string_equal(str(card, "version"), "1.4");
    assert_string_equal(str(card, "$schema"), "http://adaptivecards.io/schemas/adaptive-card.json");
    const json_t *body = json_object_get(card, "body");
    assert_true(json_array_size(body) >= 2);
    size_t i;
    const json_t *el;
    json_array_foreach(body, i, el)
    {
        const char *type = str(el, "type");
        if (strcmp(type, "TextBlock") == 0) {
            str(el, "text");
            assert_true(json_is_true(json_object_get(el, "wrap")));
        } else if (strcmp(type, "FactSet") == 0) {
            const json_t *facts = json_object_get(el, "facts");
            assert_int_equal(json_array_size(facts), n_events < 20 ? n_events : 20);
            size_t k;
            const json_t *fact;
            json_array_foreach(facts, k, fact)
            {
                assert_true(strlen(str(fact, "title")) > 0);
                str(fact, "value");
            }
        } else {
            fail_msg("unexpected card element %s", type);
        }
    }
    static const char *const colors[] = {"Default", "Dark",    "Light",     "Accent",
                                         "Good",    "Warning", "Attention", NULL};
    const char *color = str(json_array_get(body, 0), "color");
    bool known = false;
    for (const char *const *c = colors; *c; c++)
        known = known || strcmp(*c, color) == 0;
    assert_true(known);
}

/*
 * ntfy, publishing as JSON to the server's root URL: "topic" (required),
 * "message", "title", "tags" (strings), "priority" 1 to 5, "click" (a URL);
 * a message past 4,096 bytes would become an attachment.
 */
static void expect_ntfy_shape(const json_t *b, const char *state)
{
    const char *topic = str(b, "topic");
    assert_true(strlen(topic) > 0 && strlen(topic) <= 64);
    assert_true(strspn(topic, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
                strlen(topic));
    assert_true(strlen(str(b, "message")) <= 4096);
    str(b, "title");
    json_int_t prio = json_integer_value(json_object_get(b, "priority"));
    assert_true(json_is_integer(json_object_get(b, "priority")));
    assert_true(prio >= 1 && prio <= 5);
    assert_int_equal(prio, strcmp(state, "down") == 0 ? 5 : 3);
    const json_t *tags = json_object_get(b, "tags");
    assert_true(json_array_size(tags) >= 1);
    assert_string_equal(json_string_value(json_array_get(tags, 0)),
                        strcmp(state, "down") == 0 ? "rotating_light" : "white_check_mark");
    assert_true(strncmp(str(b, "click"), "http", 4) == 0);
}

/*
 * Mattermost incoming webhooks: "text" and/or "attachments" (Slack-style:
 * fallback, color "#RRGGBB", title, title_link, text, fields of {short,
 * title, value}); a post at most 16,383 characters.
 */
static void expect_mattermost_shape(const json_t *b, size_t n_events)
{
    size_t total = chars(text_at(b, "text", 16383));
    const json_t *att = json_object_get(b, "attachments");
    assert_int_equal(json_array_size(att), 1);
    const json_t *a = json_array_get(att, 0);
    str(a, "fallback");
    const char *color = str(a, "color");
    assert_int_equal(strlen(color), 7);
    assert_true(color[0] == '#' && strspn(color + 1, "0123456789ABCDEFabcdef") == 6);
    str(a, "title");
    assert_true(strncmp(str(a, "title_link"), "http", 4) == 0);
    total += chars(str(a, "text"));
    const json_t *fields = json_object_get(a, "fields");
    assert_int_equal(json_array_size(fields), n_events < 20 ? n_events : 20);
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f)
    {
        assert_true(json_is_boolean(json_object_get(f, "short")));
        total += chars(str(f, "title")) + chars(str(f, "value"));
    }
    assert_true(total <= 16383);
}

enum receiver_kind { SLACK, TEAMS, NTFY, MATTERMOST };

/* Sends a DOWN of one target, an UP, and a group of 60 through the shipped template. */
static void check_shipped_template(struct check_harness *h, const char *file,
                                   enum receiver_kind kind)
{
    const char *src = getenv("GW_SOURCE_DIR");
    char *extra = gw_xasprintf("    template_file: %s/config/webhook-templates/%s\n"
                               "    vars: {topic: gwyliwr-alerts}\n",
                               src, file);
    const struct gw_notifier_conf *nc = load(h, "/ok", extra);
    free(extra);

    /* A long body with characters JSON must escape, and Welsh letters. */
    char body[20000];
    size_t len = 0;
    for (int i = 0; len + 80 < sizeof(body); i++)
        len += (size_t)snprintf(body + len, sizeof(body) - len,
                                "Line %d: \"quoted\" <b>&</b> \\ tab\there ŵŷ — Caerdydd\n", i);
    static const char *const states[][2] = {{"down", "up"}, {"up", "down"}};
    for (size_t s = 0; s < 3; s++) {
        size_t count = s < 2 ? 1 : 60;
        struct test_event *ev = gw_xcalloc(count, sizeof(*ev));
        const struct gw_event **events = gw_xcalloc(count, sizeof(*events));
        const char *state = states[s < 2 ? s : 0][0];
        for (size_t i = 0; i < count; i++) {
            char name[32];
            snprintf(name, sizeof(name), "t%zu", i);
            test_event_init(&ev[i], "gwynedd", name, state, states[s < 2 ? s : 0][1], T_DOWN,
                            T_UP_SINCE);
            events[i] = &ev[i].e;
        }
        struct gw_notification n =
            test_notification("n-t", events, count, "[DOWN] Cyngor Gwynedd — Website: \"503\"",
                              s == 2 ? body : "Cyngor Gwynedd — Website is DOWN.\n");
        struct delivery d;
        notify_run(h, nc, &n, &d);
        assert_delivery(&d, 0, "HTTP 200");
        json_t *b = last_body(NULL);
        switch (kind) {
        case SLACK:
            expect_slack_shape(b, count);
            break;
        case TEAMS:
            expect_teams_shape(b, count);
            break;
        case NTFY:
            expect_ntfy_shape(b, state);
            break;
        case MATTERMOST:
            expect_mattermost_shape(b, count);
            break;
        }
        json_decref(b);
        free(events);
        free(ev);
    }
}

static void test_notify_webhook_slack_template(void **state)
{
    check_shipped_template(*state, "slack.json", SLACK);
    /* Slack's markup characters in a value are escaped. */
    json_t *b = last_body(NULL);
    const char *section =
        str(json_object_get(json_array_get(json_object_get(b, "blocks"), 1), "text"), "text");
    assert_non_null(strstr(section, "&lt;b&gt;&amp;&lt;/b&gt;"));
    json_decref(b);
}

static void test_notify_webhook_teams_template(void **state)
{
    check_shipped_template(*state, "teams.json", TEAMS);
}

static void test_notify_webhook_ntfy_template(void **state)
{
    check_shipped_template(*state, "ntfy.json", NTFY);
}

static void test_notify_webhook_mattermost_template(void **state)
{
    check_shipped_template(*state, "mattermost.json", MATTERMOST);
}

/* Writes a template file of the receiver's directory. Caller frees the path. */
static char *template_file(const char *name, const char *text)
{
    char *path = gw_xasprintf("%s/%s", hook.proc.dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_notify_webhook_template_directives(void **state)
{
    struct check_harness *h = *state;
    char *path =
        template_file("t.json", "{\"title\": \"{{state|upper}}: {{ sentence | max=10 }}\",\n"
                                " \"latency\": {\"$value\": \"figures.latency\"},\n"
                                " \"missing\": {\"$value\": \"figures.nothing\"},\n"
                                " \"cause\": \"[{{cause}}]\",\n"
                                " \"level\": {\"$select\": \"state\", \"cases\": {\"down\": 1}},\n"
                                " \"other\": {\"$select\": \"state\", \"cases\": {\"up\": 1}},\n"
                                " \"team\": \"{{vars.team}}\",\n"
                                " \"$schema\": \"kept\",\n"
                                " \"items\": [\"first\", {\"$each\": \"events\", \"max\": 2,\n"
                                "   \"do\": {\"t\": \"{{target}} of {{count}}\"}}]}\n");
    char *extra = gw_xasprintf("    template_file: %s\n    vars:\n      team: ops\n", path);
    const struct gw_notifier_conf *nc = load(h, "/ok", extra);
    struct test_event ev[3];
    const struct gw_event *events[3];
    for (int i = 0; i < 3; i++) {
        char name[8];
        snprintf(name, sizeof(name), "t%d", i);
        test_event_init(&ev[i], "powys", name, "down", "up", T_DOWN, 0);
        events[i] = &ev[i].e;
    }
    /* Quotes, a line break and Welsh in a value stay valid JSON. */
    ev[0].e.message = "Gwall \"503\"\nŵŷ";
    struct gw_notification n = test_notification("n-d", events, 3, "s", "b");
    struct delivery d;
    notify_run(h, nc, &n, &d);
    assert_delivery(&d, 0, "HTTP 200");
    json_t *b = last_body(NULL);
    assert_string_equal(str(b, "title"), "DOWN: Gwall \"50…");
    assert_float_equal(json_real_value(json_object_get(b, "latency")), 0.212, 1e-9);
    assert_true(json_is_null(json_object_get(b, "missing")));
    assert_string_equal(str(b, "cause"), "[]");
    assert_int_equal(json_integer_value(json_object_get(b, "level")), 1);
    assert_null(json_object_get(b, "other"));
    assert_string_equal(str(b, "team"), "ops");
    assert_string_equal(str(b, "$schema"), "kept");
    json_t *items = json_object_get(b, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_string_equal(json_string_value(json_array_get(items, 0)), "first");
    assert_string_equal(str(json_array_get(items, 1), "t"), "powys/t0 of 3");
    assert_string_equal(str(json_array_get(items, 2), "t"), "powys/t1 of 3");
    json_decref(b);
    free(extra);
    free(path);
}

/* Loads a template of `text`, expecting the configuration refused with `message`. */
static void expect_template_error(struct check_harness *h, const char *text, const char *message)
{
    char *path = template_file("bad.json", text);
    char *yaml = gw_xasprintf(NOTIFIER_HEAD("webhook") "    url: http://127.0.0.1:%d/\n"
                                                       "    template_file: %s\n",
                              hook.port, path);
    harness_expect_config_error(h, yaml, message);
    free(yaml);
    free(path);
}

static void test_notify_webhook_template_errors_are_reported(void **state)
{
    struct check_harness *h = *state;
    expect_template_error(h, "{\"text\": \"{{subject}}\",\n \"x\": }\n",
                          "bad.json:2:7: unexpected token");
    expect_template_error(h, "{\"a\": [{\"b\": \"{{stat}}\"}]}", "a[0].b: unknown field \"stat\"");
    expect_template_error(h, "{\"a\": \"{{state|loud}}\"}", "a: unknown filter \"loud\"");
    expect_template_error(h, "{\"a\": \"{{state\"}", "a: \"{{\" without its \"}}\"");
    expect_template_error(h, "{\"a\": {\"$each\": \"events\", \"do\": 1}}",
                          "a: $each is only allowed as an item of an array");
    expect_template_error(h, "{\"a\": [{\"$each\": \"state\", \"do\": 1}]}",
                          "a[0]: $each needs a list field");
    expect_template_error(h, "{\"a\": {\"$select\": \"state\"}}", "a: $select needs \"cases\"");
    expect_template_error(h, "{\"a\": {\"$value\": \"state\", \"b\": 1}}",
                          "a: unexpected key \"b\" in a directive");
    expect_template_error(h, "{\"a\": \"{{vars.topic}}\"}", "a: unknown field \"vars.topic\"");
    /* The ntfy template needs its topic. */
    const char *src = getenv("GW_SOURCE_DIR");
    char *yaml = gw_xasprintf(NOTIFIER_HEAD("webhook") "    url: http://127.0.0.1:%d/\n"
                                                       "    template_file: "
                                                       "%s/config/webhook-templates/ntfy.json\n",
                              hook.port, src);
    harness_expect_config_error(h, yaml, "topic: unknown field \"vars.topic\"");
    free(yaml);
}

#define TEST(name)                                                                                 \
    cmocka_unit_test_setup_teardown(test_notify_webhook_##name, setup, notify_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(posts_the_documented_body),
        TEST(sends_a_group_as_one_body),
        TEST(sends_headers_from_the_secret_file),
        TEST(keeps_a_secret_url_out_of_messages),
        TEST(refused_connection_is_retryable),
        TEST(answer_statuses),
        TEST(retry_after_date),
        TEST(hung_receiver_times_out),
        TEST(hung_receiver_is_cancelled),
        TEST(huge_answer_is_cut_short),
        TEST(slack_template),
        TEST(teams_template),
        TEST(ntfy_template),
        TEST(mattermost_template),
        TEST(template_directives),
        TEST(template_errors_are_reported),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
