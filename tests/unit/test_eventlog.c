/*
 * The event log's writer: lines made durable in order and reported on the
 * loop, saves after the lines queued before them, rotation by size and
 * pruning by age, a line cut by a crash, and reading from a position.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "alert/eventlog.h"
#include "loop_testutil.h"
#include "tmp_testutil.h"
#include "util/xalloc.h"

struct fx {
    struct test_loop loop;
    char *dir;
    uint64_t durable;
    unsigned durable_calls;
    struct gw_eventlog *log;
};

static int setup(void **state)
{
    struct fx *f = gw_xcalloc(1, sizeof(*f));
    test_loop_init(&f->loop, 5000);
    f->dir = temp_dir("gw-eventlog");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (test_loop_open(&f->loop)) {
        gw_eventlog_free(f->log);
        test_loop_finish(&f->loop);
    }
    tree_remove(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void durable_cb(void *data, uint64_t seq)
{
    struct fx *f = data;
    assert_true(seq > f->durable); /* reports only move forward */
    f->durable = seq;
    f->durable_calls++;
}

static struct gw_eventlog *open_log(struct fx *f, uint64_t max_size, uint64_t *last)
{
    f->log = gw_eventlog_new(&f->loop.uv, f->dir, max_size, 400ull * 86400000, durable_cb, f);
    uint64_t seq;
    assert_int_equal(gw_eventlog_open(f->log, &seq, NULL), 0);
    if (last)
        *last = seq;
    return f->log;
}

static void append(struct fx *f, uint64_t seq)
{
    char line[64];
    snprintf(line, sizeof(line), "{\"v\":1,\"seq\":%llu,\"kind\":\"stop\"}",
             (unsigned long long)seq);
    gw_eventlog_append(f->log, seq, line);
}

static void noop_cb(uv_timer_t *timer)
{
    (void)timer;
}

/* Runs the loop until *count reaches want: the log's handle does not keep a
 * loop alive by itself (a daemon's has its own), so a timer does here. */
static void wait_for(struct fx *f, const unsigned *count, unsigned want, const uint64_t *seq,
                     uint64_t want_seq)
{
    uv_timer_t keep;
    uv_timer_init(&f->loop.uv, &keep);
    uv_timer_start(&keep, noop_cb, 10, 10);
    uint64_t deadline = uv_hrtime() + 5000000000ull;
    while ((count && *count < want) || (seq && *seq < want_seq)) {
        if (uv_hrtime() > deadline)
            fail_msg("the log did not report within 5 s");
        uv_run(&f->loop.uv, UV_RUN_ONCE);
    }
    close_and_wait(&f->loop.uv, (uv_handle_t *)&keep);
}

static void wait_durable(struct fx *f, uint64_t seq)
{
    wait_for(f, NULL, 0, &f->durable, seq);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    char *buf = gw_xcalloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

struct seen {
    uint64_t seqs[256];
    size_t n;
    struct gw_eventlog_pos pos[256];
};

static bool collect(void *data, const struct gw_eventlog_line *line)
{
    struct seen *s = data;
    unsigned long long seq = 0;
    assert_int_equal(strlen(line->text), line->len);
    if (sscanf(line->text, "{\"v\":1,\"seq\":%llu", &seq) == 1 && s->n < 256) {
        s->pos[s->n] = line->pos;
        s->seqs[s->n++] = seq;
    }
    return true;
}

static void test_eventlog_lines_are_durable_in_order(void **state)
{
    struct fx *f = *state;
    uint64_t last;
    open_log(f, 1 << 20, &last);
    assert_int_equal(last, 0);
    for (uint64_t s = 1; s <= 100; s++)
        append(f, s);
    wait_durable(f, 100);
    char *path = gw_xasprintf("%s/events.jsonl", f->dir);
    char *text = slurp(path);
    char *p = text;
    for (uint64_t s = 1; s <= 100; s++) {
        char want[64];
        snprintf(want, sizeof(want), "{\"v\":1,\"seq\":%llu,\"kind\":\"stop\"}\n",
                 (unsigned long long)s);
        assert_memory_equal(p, want, strlen(want));
        p += strlen(want);
    }
    assert_int_equal(*p, '\0');
    free(text);
    free(path);
    /* one storm of lines is a handful of writes, not a hundred */
    assert_true(f->durable_calls < 100);
}

struct save_fx {
    struct gw_eventlog_save save;
    struct gw_eventlog_pos seen;
    int err;
    unsigned done;
    char *path;
};

static char *render(struct gw_eventlog_save *save, const struct gw_eventlog_pos *pos, size_t *len)
{
    struct save_fx *s = (struct save_fx *)save;
    s->seen = *pos;
    char *text = gw_xasprintf("{\"seq\":%llu}", (unsigned long long)pos->seq);
    *len = strlen(text);
    return text;
}

static void save_done(struct gw_eventlog_save *save, int err)
{
    struct save_fx *s = (struct save_fx *)save;
    s->err = err;
    s->done++;
}

static void test_eventlog_save_follows_the_lines_before_it(void **state)
{
    struct fx *f = *state;
    open_log(f, 1 << 20, NULL);
    struct save_fx s = {0};
    s.path = gw_xasprintf("%s/state.json", f->dir);
    s.save.path = s.path;
    s.save.render = render;
    s.save.done = save_done;
    for (uint64_t q = 1; q <= 10; q++)
        append(f, q);
    gw_eventlog_save(f->log, &s.save);
    append(f, 11);
    wait_for(f, &s.done, 1, NULL, 0);
    assert_int_equal(s.err, 0);
    assert_int_equal(s.seen.seq, 10);
    /* the position is the end of line 10 in the live file */
    struct seen seen = {0};
    wait_durable(f, 11);
    assert_int_equal(gw_eventlog_read(f->dir, NULL, NULL, collect, &seen), 0);
    assert_int_equal(seen.n, 11);
    assert_int_equal(seen.pos[9].offset, s.seen.offset);
    assert_int_equal(seen.pos[9].ino, s.seen.ino);
    char *text = slurp(s.path);
    assert_string_equal(text, "{\"seq\":10}");
    free(text);
    free(s.path);
}

static void test_eventlog_rotates_and_reads_in_order(void **state)
{
    struct fx *f = *state;
    open_log(f, 200, NULL); /* each line is about 35 bytes */
    for (uint64_t s = 1; s <= 60; s++) {
        append(f, s);
        if (s % 5 == 0)
            wait_durable(f, s); /* several writes, so rotation has its chance */
    }
    wait_durable(f, 60);
    char *rot = gw_xasprintf("%s/events.jsonl.2", f->dir);
    struct stat st;
    assert_int_equal(stat(rot, &st), 0);
    free(rot);
    struct seen seen = {0};
    assert_int_equal(gw_eventlog_read(f->dir, NULL, NULL, collect, &seen), 0);
    assert_int_equal(seen.n, 60);
    for (size_t i = 0; i < 60; i++)
        assert_int_equal(seen.seqs[i], i + 1);
    /* from the position of line 20, in whichever file it is: lines 21.. */
    struct seen after = {0};
    bool found = false;
    assert_int_equal(gw_eventlog_read(f->dir, &seen.pos[19], &found, collect, &after), 0);
    assert_true(found);
    assert_int_equal(after.n, 40);
    assert_int_equal(after.seqs[0], 21);
    /* a reopened log continues the numbering from its last line */
    gw_eventlog_free(f->log);
    uint64_t last;
    open_log(f, 200, &last);
    assert_int_equal(last, 60);
}

static void test_eventlog_ends_a_cut_line(void **state)
{
    struct fx *f = *state;
    char *path = gw_xasprintf("%s/events.jsonl", f->dir);
    FILE *fp = fopen(path, "w");
    fputs("{\"v\":1,\"seq\":7,\"kind\":\"stop\"}\n{\"v\":1,\"seq\":8,\"ki", fp);
    fclose(fp);
    uint64_t last;
    open_log(f, 1 << 20, &last);
    assert_int_equal(last, 7); /* the cut line does not count */
    append(f, 8);
    wait_durable(f, 8);
    char *text = slurp(path);
    assert_string_equal(text, "{\"v\":1,\"seq\":7,\"kind\":\"stop\"}\n{\"v\":1,\"seq\":8,\"ki\n"
                              "{\"v\":1,\"seq\":8,\"kind\":\"stop\"}\n");
    free(text);
    free(path);
}

static void test_eventlog_prunes_old_rotated_files(void **state)
{
    struct fx *f = *state;
    const char *names[] = {"events.jsonl.1", "events.jsonl.2", "events.jsonl.3"};
    time_t ages[] = {10 * 86400, 300 * 86400, 500 * 86400}; /* keep is 400 days */
    for (int i = 0; i < 3; i++) {
        char *p = gw_xasprintf("%s/%s", f->dir, names[i]);
        FILE *fp = fopen(p, "w");
        fprintf(fp, "{\"v\":1,\"seq\":%d,\"kind\":\"stop\"}\n", 3 - i);
        fclose(fp);
        struct timeval tv[2] = {{time(NULL) - ages[i], 0}, {time(NULL) - ages[i], 0}};
        utimes(p, tv);
        free(p);
    }
    uint64_t last;
    open_log(f, 1 << 20, &last);
    assert_int_equal(last, 3); /* from .1, the live file being empty */
    struct stat st;
    char *p1 = gw_xasprintf("%s/events.jsonl.2", f->dir),
         *p2 = gw_xasprintf("%s/events.jsonl.3", f->dir);
    assert_int_equal(stat(p1, &st), 0);
    assert_int_equal(stat(p2, &st), -1);
    free(p1);
    free(p2);
}

static void test_eventlog_stop_writes_what_is_queued(void **state)
{
    struct fx *f = *state;
    open_log(f, 1 << 20, NULL);
    for (uint64_t s = 1; s <= 500; s++)
        append(f, s);
    gw_eventlog_stop(f->log); /* no loop run: stop itself reports */
    assert_int_equal(f->durable, 500);
    struct seen seen = {0};
    gw_eventlog_read(f->dir, NULL, NULL, collect, &seen);
    assert_int_equal(seen.n, 256); /* the collector keeps the first 256 */
    assert_int_equal(seen.seqs[255], 256);
}

static void test_eventlog_read_without_a_log(void **state)
{
    struct fx *f = *state;
    char *missing = gw_xasprintf("%s/nothing", f->dir);
    struct seen seen = {0};
    assert_int_equal(gw_eventlog_read(missing, NULL, NULL, collect, &seen), -ENOENT);
    free(missing);
    /* nor is a directory with no log yet */
    assert_false(gw_eventlog_exists(f->dir));
    assert_int_equal(gw_eventlog_read(f->dir, NULL, NULL, collect, &seen), -ENOENT);
    assert_int_equal(seen.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_eventlog_lines_are_durable_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_save_follows_the_lines_before_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_rotates_and_reads_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_ends_a_cut_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_prunes_old_rotated_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_stop_writes_what_is_queued, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlog_read_without_a_log, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
