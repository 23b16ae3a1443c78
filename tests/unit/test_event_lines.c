/*
 * Reading the event log: lines as docs/events.md writes them, lines that
 * are not events, and rotated files read oldest first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alert/eventlog.h"
#include "report/event_lines.h"
#include "tmp_testutil.h"
#include "util/log.h"

static void test_event_lines_parse_state(void **state)
{
    (void)state;
    const char *line =
        "{\"v\":1,\"seq\":42,\"time_ms\":1793534400123,\"time\":\"2026-11-01T10:40:00.123Z\","
        "\"kind\":\"state\",\"id\":\"e42\",\"target\":\"cardiff/website\",\"council\":\"cardiff\","
        "\"category\":null,\"check\":\"http\",\"from\":\"up\",\"to\":\"down\","
        "\"reason\":\"http_status\",\"sentence\":\"HTTP 503\",\"figures\":{\"latency\":0.2},"
        "\"since_ms\":1793530000000,\"cause\":\"parent\",\"cause_target\":\"cardiff/network\","
        "\"notify\":[]}";
    struct gw_event_lines_line l;
    const char *why = NULL;
    assert_int_equal(gw_event_lines_parse(line, strlen(line), &l, &why), 0);
    assert_int_equal(l.rec.kind, GW_EVENT_LINES_STATE);
    assert_int_equal(l.rec.seq, 42);
    assert_int_equal(l.rec.time_ms, 1793534400123LL);
    assert_int_equal(l.rec.since_ms, 1793530000000LL);
    assert_string_equal(l.rec.target, "cardiff/website");
    assert_int_equal(l.rec.from, GW_EVENT_LINES_S_UP);
    assert_int_equal(l.rec.to, GW_EVENT_LINES_S_DOWN);
    assert_string_equal(l.rec.reason, "http_status");
    assert_string_equal(l.rec.cause, "parent");
    assert_string_equal(l.rec.cause_target, "cardiff/network");
    assert_string_equal(l.rec.sentence, "HTTP 503");
    assert_string_equal(gw_event_lines_state_word(l.rec.to), "down");
    gw_event_lines_line_clear(&l);
    gw_event_lines_line_clear(&l); /* again: nothing */

    const char *pending =
        "{\"time_ms\":5,\"kind\":\"state\",\"target\":\"a/b\",\"from\":\"pending\","
        "\"to\":\"up\",\"reason\":null}";
    assert_int_equal(gw_event_lines_parse(pending, strlen(pending), &l, &why), 0);
    assert_int_equal(l.rec.from, GW_EVENT_LINES_S_PENDING);
    assert_null(l.rec.reason);
    gw_event_lines_line_clear(&l);

    const char *future = "{\"time_ms\":7,\"kind\":\"reminder\",\"target\":\"a/b\"}";
    assert_int_equal(gw_event_lines_parse(future, strlen(future), &l, &why), 0);
    assert_int_equal(l.rec.kind, GW_EVENT_LINES_OTHER);
    assert_string_equal(l.rec.kind_text, "reminder");
    gw_event_lines_line_clear(&l);
}

static void test_event_lines_parse_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "not json",
        "[1,2]",
        "{\"kind\":\"start\"}",                                                 /* no time */
        "{\"time_ms\":\"12\",\"kind\":\"start\"}",                              /* time as text */
        "{\"time_ms\":12}",                                                     /* no kind */
        "{\"time_ms\":12,\"kind\":\"state\",\"to\":\"up\"}",                    /* no target */
        "{\"time_ms\":12,\"kind\":\"state\",\"target\":\"nos\",\"to\":\"up\"}", /* no slash */
        "{\"time_ms\":12,\"kind\":\"state\",\"target\":\"a/b\",\"to\":\"sideways\"}",
        "{\"time_ms\":12,\"kind\":\"start\",\"kind\":\"stop\"}", /* a key twice */
        "{\"time_ms\":12,\"kind\":\"sta",                        /* cut short by a crash */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct gw_event_lines_line l;
        const char *why = NULL;
        assert_int_equal(gw_event_lines_parse(bad[i], strlen(bad[i]), &l, &why), -EINVAL);
        assert_non_null(why);
    }
}

/* Delivery lines take a quicker way: the same records, the same refusals. */
static void test_event_lines_parse_delivery(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        int rc;
        int64_t time_ms;
    } cases[] = {
        {"{\"v\":1,\"seq\":9,\"time_ms\":1700000000123,\"kind\":\"delivery\",\"events\":"
         "[\"a\",\"b\"],\"message\":\"HTTP 500: {\\\"error\\\": \\\"}]\\\"}\",\"attempt\":2,"
         "\"outcome\":\"failed\",\"x\":{\"y\":[1,2.5e3,true,null,{}]}}",
         0, 1700000000123LL},
        {" { \"kind\" : \"delivery\" , \"time_ms\" : -5 } ", 0, -5},
        {"{\"kind\":\"deli\\u0076ery\",\"time_ms\":7}", 0, 7}, /* escaped: the full way */
        {"{\"kind\":\"delivery\",\"time_ms\":7", -EINVAL, 0},  /* cut short */
        {"{\"kind\":\"delivery\",\"time_ms\":7,\"kind\":\"state\"}", -EINVAL, 0},
        {"{\"kind\":\"delivery\",\"time_ms\":7.5}", -EINVAL, 0},
        {"{\"kind\":\"delivery\",\"time_ms\":7}}", -EINVAL, 0},
        {"{\"kind\":\"delivery\",\"time_ms\":7,}", -EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct gw_event_lines_line l;
        const char *why = NULL;
        int rc = gw_event_lines_parse(cases[i].line, strlen(cases[i].line), &l, &why);
        if (rc != cases[i].rc)
            fail_msg("%s: %d, expected %d", cases[i].line, rc, cases[i].rc);
        if (rc == 0) {
            assert_int_equal(l.rec.kind, GW_EVENT_LINES_DELIVERY);
            assert_int_equal(l.rec.time_ms, cases[i].time_ms);
            gw_event_lines_line_clear(&l);
        }
    }
    struct gw_event_lines_line l;
    const char *why;
    assert_int_equal(gw_event_lines_parse(cases[0].line, strlen(cases[0].line), &l, &why), 0);
    assert_int_equal(l.rec.seq, 9);
    assert_null(l.rec.target);
    gw_event_lines_line_clear(&l);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *path = gw_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

struct seen {
    int64_t times[16];
    size_t n;
};

static void collect_cb(void *data, const struct gw_event_lines_rec *rec)
{
    struct seen *s = data;
    if (s->n < 16)
        s->times[s->n++] = rec->time_ms;
}

static void test_event_lines_read_rotated_in_order(void **state)
{
    (void)state;
    gw_log_set_level(GW_LOG_ERROR); /* the skipped line's warning is expected */
    char *dir = temp_dir("gw-event-lines");
    struct seen s = {0};
    struct gw_event_lines_stats st;
    assert_false(gw_eventlog_exists(dir));
    assert_int_equal(gw_event_lines_read(dir, collect_cb, &s, &st), -ENOENT);

    write_file(dir, "events.jsonl.10", "{\"time_ms\":1,\"kind\":\"start\"}\n");
    write_file(dir, "events.jsonl.2", "{\"time_ms\":2,\"kind\":\"stop\"}\r\n\n");
    write_file(dir, "events.jsonl.1",
               "{\"time_ms\":3,\"kind\":\"start\"}\n{broken\n{\"time_ms\":4,\"kind\":\"stop\"}");
    write_file(dir, "events.jsonl.x", "{\"time_ms\":99,\"kind\":\"start\"}\n");
    write_file(dir, "events.jsonl.01", "{\"time_ms\":98,\"kind\":\"start\"}\n");
    assert_true(gw_eventlog_exists(dir)); /* rotated files alone are a log */
    assert_int_equal(gw_event_lines_read(dir, collect_cb, &s, &st), 0);
    write_file(dir, "events.jsonl", "{\"time_ms\":5,\"kind\":\"start\"}\n");
    s.n = 0;
    assert_int_equal(gw_event_lines_read(dir, collect_cb, &s, &st), 0);
    assert_int_equal(s.n, 5);
    for (size_t i = 0; i < s.n; i++)
        assert_int_equal(s.times[i], (int64_t)i + 1);
    assert_int_equal(st.lines, 5);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.first_ms, 1);
    assert_int_equal(st.last_ms, 5);
    tree_remove(dir);
    free(dir);
    gw_log_set_level(GW_LOG_INFO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_lines_parse_state),
        cmocka_unit_test(test_event_lines_parse_refuses),
        cmocka_unit_test(test_event_lines_parse_delivery),
        cmocka_unit_test(test_event_lines_read_rotated_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
