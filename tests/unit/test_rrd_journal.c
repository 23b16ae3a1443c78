/*
 * The RRD writer's journal on its own: segments appended, rotated, released
 * and removed; what a run leaves read back by the next; a torn last line
 * and corrupt lines, skipped and located; and writes that fail at the
 * boundary as they do on a full disk (journal_testutil.h), part way through
 * a batch or before its first byte.
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
#include <unistd.h>

#include <cmocka.h>

#include "journal_testutil.h"
#include "storage/rrd_journal.h"
#include "storage/rrd_spool.h"
#include "tmp_testutil.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* ---- fixture and helpers ---------------------------------------------------------- */

static int setup(void **state)
{
    *state = temp_dir("gw-journal");
    disk_free();
    atomic_store(&disk.calls, 0);
    return 0;
}

static int teardown(void **state)
{
    disk_free();
    tree_remove(*state);
    free(*state);
    return 0;
}

/* The names of the segments in `dir`, in order, joined by spaces. Caller frees. */
static char *segments_in(const char *dir)
{
    size_t n;
    char **paths = segment_paths(dir, &n);
    struct gw_strbuf b = {0};
    for (size_t i = 0; i < n; i++)
        gw_strbuf_printf(&b, "%s%s", i ? " " : "", strrchr(paths[i], '/') + 1);
    segment_paths_free(paths, n);
    gw_strbuf_append(&b, "");
    return b.s;
}

static void assert_segments(const char *dir, const char *want)
{
    char *have = segments_in(dir);
    assert_string_equal(have, want);
    free(have);
}

static char *segment_text(const char *dir, unsigned number)
{
    char *path =
        gw_xasprintf("%s/%s%010u%s", dir, GW_RRD_JOURNAL_PREFIX, number, GW_RRD_JOURNAL_SUFFIX);
    char *text = file_read(path);
    free(path);
    return text;
}

/* The lines of points `first`..`last` of cardiff/web, a minute apart, as the writer makes them. */
static void lines_of(struct gw_strbuf *b, int first, int last)
{
    static const char *names[] = {"up", "latency"};
    for (int i = first; i <= last; i++) {
        double values[] = {1, i / 100.0};
        gw_rrd_spool_format(b, "cardiff/web", 1700000000000LL + 60000LL * i, 2, names, values);
    }
}

/* A journal opened on `dir`, as a daemon starts. */
static struct gw_rrd_journal *opened(const char *dir)
{
    struct gw_rrd_journal *j = NULL;
    char *err = NULL;
    if (gw_rrd_journal_open(dir, &j, &err) != 0)
        fail_msg("open: %s", err);
    return j;
}

/* Appends points first..last at monotonic time now_ms; returns their segment. */
static struct gw_rrd_journal_seg *append(struct gw_rrd_journal *j, int first, int last,
                                         uint64_t now_ms)
{
    struct gw_strbuf b = {0};
    lines_of(&b, first, last);
    struct gw_rrd_journal_seg *seg = NULL;
    char *err = NULL;
    int rc = gw_rrd_journal_append(j, b.s, b.len, (size_t)(last - first + 1), now_ms, &seg, &err);
    if (rc != 0)
        fail_msg("append: %s", err);
    gw_strbuf_reset(&b);
    return seg;
}

/* Collects points read back as "id@time:name=value,..." lines. */
static void collect(void *ctx, const char *id, int64_t time_ms, size_t n, const char *const *names,
                    const double *values)
{
    struct gw_strbuf *b = ctx;
    gw_strbuf_printf(b, "%s@%lld:", id, (long long)time_ms);
    for (size_t i = 0; i < n; i++)
        gw_strbuf_printf(b, "%s%s=%g", i ? "," : "", names[i], values[i]);
    gw_strbuf_append_char(b, ';');
}

/*
 * Opens a journal on `dir` as the next start does and reads back what it
 * finds: `want_points` points, and what could not be read in *damage
 * (caller clears; NULL: there must be none). Returns the points. Caller frees.
 */
static char *read_back(const char *dir, long want_points, struct gw_rrd_spool_damage *damage)
{
    struct gw_rrd_journal *j = opened(dir);
    size_t n;
    const char *const *paths = gw_rrd_journal_old_paths(j, &n);
    struct gw_strbuf b = {0};
    struct gw_rrd_spool_damage found;
    assert_int_equal(gw_rrd_spool_read_all(paths, n, collect, &b, &found), want_points);
    if (damage) {
        *damage = found;
    } else {
        assert_int_equal(found.bad + found.torn, 0);
        gw_rrd_spool_damage_clear(&found);
    }
    gw_rrd_journal_free(j, false);
    gw_strbuf_append(&b, "");
    return b.s;
}

#define SEG(n) GW_RRD_JOURNAL_PREFIX "000000000" #n GW_RRD_JOURNAL_SUFFIX

/* ---- the tests -------------------------------------------------------------------- */

static void test_rrd_journal_appends_and_the_next_start_reads_back(void **state)
{
    const char *dir = *state;
    struct gw_rrd_journal *j = opened(dir);
    /* Nothing is made until something is appended. */
    assert_segments(dir, "");
    struct gw_rrd_journal_seg *a = append(j, 1, 2, 1000);
    struct gw_rrd_journal_seg *b = append(j, 3, 3, 2000);
    assert_ptr_equal(a, b); /* one segment while it is young */
    assert_segments(dir, SEG(1));
    gw_rrd_journal_release(j, a, 1); /* one point written: the rest is still held */
    /* Killed here: the segments stay, whole lines only. */
    gw_rrd_journal_free(j, false);
    char *text = segment_text(dir, 1);
    struct gw_strbuf want = {0};
    lines_of(&want, 1, 3);
    assert_string_equal(text, want.s);
    free(text);
    gw_strbuf_reset(&want);

    text = read_back(dir, 3, NULL);
    assert_string_equal(text, "cardiff/web@1700000060000:up=1,latency=0.01;"
                              "cardiff/web@1700000120000:up=1,latency=0.02;"
                              "cardiff/web@1700000180000:up=1,latency=0.03;");
    free(text);
}

static void test_rrd_journal_segments_go_when_their_points_are_written(void **state)
{
    const char *dir = *state;
    struct gw_rrd_journal *j = opened(dir);
    struct gw_rrd_journal_seg *first = append(j, 1, 2, 0);
    /* A minute later the next batch starts a new segment. */
    struct gw_rrd_journal_seg *second = append(j, 3, 4, 60000);
    assert_ptr_not_equal(first, second);
    assert_true(gw_rrd_journal_sealed(j, first));
    assert_false(gw_rrd_journal_sealed(j, second));
    assert_segments(dir, SEG(1) " " SEG(2));
    /* The first's points written: it goes. */
    gw_rrd_journal_release(j, first, 1);
    assert_segments(dir, SEG(1) " " SEG(2));
    gw_rrd_journal_release(j, first, 1);
    assert_segments(dir, SEG(2));
    /* The newest stays while it may take more, even with nothing held. */
    gw_rrd_journal_release(j, second, 2);
    assert_segments(dir, SEG(2));
    /* Sealed empty at the next append, it goes too. */
    append(j, 5, 5, 120001);
    assert_segments(dir, SEG(3));
    /* Stopped with every point written: nothing is left for the next start. */
    gw_rrd_journal_free(j, true);
    assert_segments(dir, "");
}

static void test_rrd_journal_next_start_numbers_after_the_last_runs(void **state)
{
    const char *dir = *state;
    /* The last run's segments, and files that are not segments. */
    char *path = gw_xasprintf("%s/%s", dir, SEG(7));
    struct gw_strbuf b = {0};
    lines_of(&b, 1, 1);
    file_write(path, b.s);
    free(path);
    gw_strbuf_reset(&b);
    path = gw_xasprintf("%s/%s", dir, GW_RRD_JOURNAL_PREFIX "x1" GW_RRD_JOURNAL_SUFFIX);
    file_write(path, "");
    free(path);

    struct gw_rrd_journal *j = opened(dir);
    size_t n;
    const char *const *old = gw_rrd_journal_old_paths(j, &n);
    assert_int_equal(n, 1);
    assert_non_null(strstr(old[0], SEG(7)));
    append(j, 2, 2, 0);
    char *have = segments_in(dir);
    assert_non_null(strstr(have, GW_RRD_JOURNAL_PREFIX "0000000008" GW_RRD_JOURNAL_SUFFIX));
    free(have);
    /* The last run's points are in this run's segment now: its own go. */
    gw_rrd_journal_retire_old(j);
    assert_int_equal((gw_rrd_journal_old_paths(j, &n), n), 0);
    assert_segments(dir,
                    GW_RRD_JOURNAL_PREFIX "0000000008" GW_RRD_JOURNAL_SUFFIX
                                          " " GW_RRD_JOURNAL_PREFIX "x1" GW_RRD_JOURNAL_SUFFIX);
    gw_rrd_journal_free(j, false);
}

static void test_rrd_journal_torn_last_line_is_skipped(void **state)
{
    const char *dir = *state;
    struct gw_rrd_journal *j = opened(dir);
    append(j, 1, 2, 0);
    gw_rrd_journal_free(j, false);
    /* Killed in the middle of a write: the last line lacks its end. */
    char *path = gw_xasprintf("%s/%s", dir, SEG(1));
    FILE *f = fopen(path, "a");
    fputs("cardiff/web\t1700000180000\tup=1\tlatency=0.0", f); /* 0.03, cut short */
    fclose(f);
    free(path);

    struct gw_rrd_spool_damage damage;
    char *text = read_back(dir, 2, &damage);
    assert_string_equal(text, "cardiff/web@1700000060000:up=1,latency=0.01;"
                              "cardiff/web@1700000120000:up=1,latency=0.02;");
    free(text);
    /* Told apart from damage: the log can say the last run was killed while writing. */
    assert_int_equal(damage.torn, 1);
    assert_non_null(strstr(damage.first_torn, SEG(1)));
    assert_int_equal(damage.bad, 0);
    assert_null(damage.first_bad);
    gw_rrd_spool_damage_clear(&damage);
}

static void test_rrd_journal_corrupt_lines_are_skipped_and_located(void **state)
{
    const char *dir = *state;
    struct gw_strbuf b = {0};
    lines_of(&b, 1, 1);
    gw_strbuf_append(&b, "cardiff/web\tyesterday\tup=1\n");       /* line 2: no time */
    gw_strbuf_append(&b, "\n");                                   /* an empty line is nothing */
    gw_strbuf_append(&b, "cardiff/web\t1700000180000\tup\n");     /* line 4: no value */
    gw_strbuf_append(&b, "cardiff/web\t1700000180000\tup=one\n"); /* line 5: not a number */
    gw_strbuf_append(&b, "\x01\x02binary\n");                     /* line 6: not ours */
    lines_of(&b, 2, 2);
    char *path = gw_xasprintf("%s/%s", dir, SEG(3));
    file_write(path, b.s);
    gw_strbuf_reset(&b);
    /* A second segment with damage of its own: the first is the one named. */
    char *second = gw_xasprintf("%s/%s", dir, SEG(4));
    file_write(second, "\tno id\t1700000240000\tup=1\n");

    struct gw_rrd_spool_damage damage;
    char *text = read_back(dir, 2, &damage);
    assert_string_equal(text, "cardiff/web@1700000060000:up=1,latency=0.01;"
                              "cardiff/web@1700000120000:up=1,latency=0.02;");
    free(text);
    assert_int_equal(damage.bad, 5);
    char *where = gw_xasprintf("%s:2", path);
    assert_string_equal(damage.first_bad, where);
    free(where);
    assert_int_equal(damage.torn, 0);
    gw_rrd_spool_damage_clear(&damage);
    assert_int_equal(damage.bad, 0);
    assert_null(damage.first_bad);
    free(second);
    free(path);
}

static void test_rrd_journal_full_disk_part_way_leaves_whole_lines(void **state)
{
    const char *dir = *state;
    struct gw_rrd_journal *j = opened(dir);
    char *err = NULL;
    struct gw_rrd_journal_seg *seg = append(j, 1, 1, 0);
    char *before = segment_text(dir, 1);

    /* The disk has room for a few bytes of the next batch. */
    disk_fill(10, ENOSPC);
    struct gw_strbuf b = {0};
    lines_of(&b, 2, 3);
    struct gw_rrd_journal_seg *got = NULL;
    assert_int_equal(gw_rrd_journal_append(j, b.s, b.len, 2, 1000, &got, &err), -ENOSPC);
    assert_null(got);
    assert_non_null(strstr(err, SEG(1)));
    assert_non_null(strstr(err, "No space left on device"));
    free(err);
    err = NULL;
    /* The part that went is cut back: the segment holds what it held. */
    char *after = segment_text(dir, 1);
    assert_string_equal(after, before);
    free(after);

    /* Room again: the same batch goes after the whole lines. */
    disk_free();
    assert_int_equal(gw_rrd_journal_append(j, b.s, b.len, 2, 2000, &got, &err), 0);
    assert_ptr_equal(got, seg);
    gw_strbuf_reset(&b);
    gw_rrd_journal_free(j, false);
    char *text = read_back(dir, 3, NULL);
    assert_string_equal(text, "cardiff/web@1700000060000:up=1,latency=0.01;"
                              "cardiff/web@1700000120000:up=1,latency=0.02;"
                              "cardiff/web@1700000180000:up=1,latency=0.03;");
    free(text);
    free(before);
}

static void test_rrd_journal_full_disk_before_the_first_byte(void **state)
{
    const char *dir = *state;
    struct gw_rrd_journal *j = opened(dir);
    char *err = NULL;
    disk_fill(0, EDQUOT);
    struct gw_strbuf b = {0};
    lines_of(&b, 1, 1);
    struct gw_rrd_journal_seg *got = NULL;
    assert_int_equal(gw_rrd_journal_append(j, b.s, b.len, 1, 0, &got, &err), -EDQUOT);
    assert_non_null(strstr(err, "cannot write"));
    free(err);
    err = NULL;
    assert_int_equal(atomic_load(&disk.calls), 1);
    disk_free();
    assert_int_equal(gw_rrd_journal_append(j, b.s, b.len, 1, 0, &got, &err), 0);
    assert_non_null(got);
    gw_strbuf_reset(&b);
    gw_rrd_journal_free(j, false);
    char *text = read_back(dir, 1, NULL);
    assert_string_equal(text, "cardiff/web@1700000060000:up=1,latency=0.01;");
    free(text);
}

static void test_rrd_journal_one_process_at_a_time(void **state)
{
    const char *dir = *state;
    struct gw_rrd_journal *j = NULL, *other = NULL;
    char *err = NULL;
    assert_int_equal(gw_rrd_journal_open(dir, &j, &err), 0);
    append(j, 1, 1, 0);
    /* A second daemon on the same data directory would take these for a dead run's. */
    assert_int_equal(gw_rrd_journal_open(dir, &other, &err), -EBUSY);
    assert_null(other);
    assert_non_null(strstr(err, "another gwyliwr process"));
    free(err);
    err = NULL;
    gw_rrd_journal_free(j, false);
    assert_int_equal(gw_rrd_journal_open(dir, &other, &err), 0);
    size_t n;
    gw_rrd_journal_old_paths(other, &n);
    assert_int_equal(n, 1);
    gw_rrd_journal_free(other, false);
}

static void test_rrd_journal_unreadable_directory(void **state)
{
    const char *dir = *state;
    char *missing = gw_xasprintf("%s/not-there", dir);
    struct gw_rrd_journal *j = NULL;
    char *err = NULL;
    assert_int_equal(gw_rrd_journal_open(missing, &j, &err), -ENOENT);
    assert_null(j);
    assert_non_null(strstr(err, missing));
    free(err);
    free(missing);
    gw_rrd_journal_free(NULL, true);
}

static void test_rrd_journal_asks_for_compaction_when_old_segments_hold_little(void **state)
{
    const char *dir = *state;
    struct gw_rrd_journal *j = opened(dir);
    char *err = NULL;
    /* Counts stand for many points: a batch of 200,000 points in one line. */
    struct gw_strbuf b = {0};
    lines_of(&b, 1, 1);
    struct gw_rrd_journal_seg *old = NULL, *young = NULL;
    assert_int_equal(gw_rrd_journal_append(j, b.s, b.len, 200000, 0, &old, &err), 0);
    assert_false(gw_rrd_journal_wants_compaction(j)); /* the newest segment is never compacted */
    assert_int_equal(gw_rrd_journal_append(j, b.s, b.len, 10, 60000, &young, &err), 0);
    assert_false(gw_rrd_journal_wants_compaction(j)); /* the old one still holds all of them */
    gw_rrd_journal_release(j, old, 170000);
    assert_false(gw_rrd_journal_wants_compaction(j)); /* 30,000 of 200,000 held: not yet */
    gw_rrd_journal_release(j, old, 5001);
    assert_true(gw_rrd_journal_wants_compaction(j)); /* under an eighth held */
    gw_rrd_journal_release(j, old, 24999);
    assert_false(gw_rrd_journal_wants_compaction(j)); /* none held: the file is gone */
    gw_strbuf_reset(&b);
    gw_rrd_journal_free(j, true);
    assert_segments(dir, "");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_rrd_journal_appends_and_the_next_start_reads_back),
        T(test_rrd_journal_segments_go_when_their_points_are_written),
        T(test_rrd_journal_next_start_numbers_after_the_last_runs),
        T(test_rrd_journal_torn_last_line_is_skipped),
        T(test_rrd_journal_corrupt_lines_are_skipped_and_located),
        T(test_rrd_journal_full_disk_part_way_leaves_whole_lines),
        T(test_rrd_journal_full_disk_before_the_first_byte),
        T(test_rrd_journal_one_process_at_a_time),
        T(test_rrd_journal_unreadable_directory),
        T(test_rrd_journal_asks_for_compaction_when_old_segments_hold_little),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
