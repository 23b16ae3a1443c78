/*
 * The files of tracked items: an item id made a file name, the item schema
 * (two data sources, three tiers, the size check-config counts), the store
 * that writes one file per item through the real writer within its bound,
 * and the reliability of a rapid charge point over a period read back from
 * its file after a hand-made sequence of states.
 */
#include <sys/stat.h>

#include "rrd_testutil.h"
#include "storage/item_store.h"

/* A multiple of 300 s, so 5-minute rows line up with the sequence below. */
#define ITEM_BASE_S 1700000100.0

static void test_item_store_file_names(void **state)
{
    (void)state;
    char out[64];
    gw_rrd_schema_item_file("WCP-CDF-001/WCP-CDF-001-01", out, sizeof(out));
    assert_string_equal(out, "WCP-CDF-001%2FWCP-CDF-001-01");
    gw_rrd_schema_item_file("GB*WCP*E1 x:y", out, sizeof(out));
    assert_string_equal(out, "GB%2AWCP%2AE1%20x%3Ay");
    gw_rrd_schema_item_file(".hidden.v2", out, sizeof(out));
    assert_string_equal(out, "%2Ehidden.v2");
    gw_rrd_schema_item_file("", out, sizeof(out));
    assert_string_equal(out, "%");
    gw_rrd_schema_item_file("\xc5\xb5", out, sizeof(out));
    assert_string_equal(out, "%C5%B5");
    /* Too long: cut, with a hash of the whole so two long ids stay apart. */
    char a[200], b[200];
    memset(a, 'a', sizeof(a) - 1);
    a[sizeof(a) - 1] = '\0';
    memcpy(b, a, sizeof(b));
    b[150] = 'b';
    char fa[64], fb[64];
    gw_rrd_schema_item_file(a, fa, sizeof(fa));
    gw_rrd_schema_item_file(b, fb, sizeof(fb));
    assert_true(strlen(fa) < sizeof(fa));
    assert_non_null(strchr(fa, '~'));
    assert_string_not_equal(fa, fb);
    assert_memory_equal(fa, fb, strchr(fa, '~') - fa);
}

static void test_item_store_schema(void **state)
{
    (void)state;
    struct gw_rrd_series *s = gw_rrd_series_new_item("/d/", "cardiff", "ev", "GB%2A1", 60);
    assert_non_null(s);
    assert_int_equal(gw_rrd_series_kind(s), GW_RRD_KIND_ITEM);
    assert_string_equal(gw_rrd_series_path(s), "/d/cardiff/ev.items/GB%2A1.rrd");
    assert_string_equal(gw_rrd_series_file_name(s, 0), "cardiff/ev.items/GB%2A1.rrd");
    assert_string_equal(gw_rrd_series_id(s), "cardiff/ev/GB%2A1");
    assert_int_equal(gw_rrd_series_file_count(s), 1);
    assert_int_equal(gw_rrd_series_ds_count(s), 2);
    char **argv;
    int argc;
    assert_int_equal(gw_rrd_schema_create_args(s, 0, &argv, &argc), 0);
    static const char *const want[] = {
        "DS:up:GAUGE:120:0:1",     "DS:working:GAUGE:120:0:1",  "RRA:AVERAGE:0.5:5:576",
        "RRA:AVERAGE:0.5:60:2160", "RRA:AVERAGE:0.5:1440:1827",
    };
    assert_int_equal(argc, 5);
    for (int i = 0; i < argc; i++)
        assert_string_equal(argv[i], want[i]);
    gw_rrd_schema_args_free(argv);
    assert_int_equal(gw_rrd_schema_create_args(s, 1, &argv, &argc), -EINVAL);
    gw_rrd_series_unref(s);

    /* At 5 minutes the finest tier is the step itself. */
    s = gw_rrd_series_new_item("/d", "cardiff", "ev", "x", 300);
    assert_int_equal(gw_rrd_schema_create_args(s, 0, &argv, &argc), 0);
    assert_int_equal(argc, 5);
    assert_string_equal(argv[2], "RRA:AVERAGE:0.5:1:576");
    assert_string_equal(argv[3], "RRA:AVERAGE:0.5:12:2160");
    assert_string_equal(argv[4], "RRA:AVERAGE:0.5:288:1827");
    gw_rrd_schema_args_free(argv);
    gw_rrd_series_unref(s);

    /* A name that is not one path component is refused. */
    assert_null(gw_rrd_series_new_item("/d", "cardiff", "ev", "a/b", 60));
    assert_null(gw_rrd_series_new_item("/d", "cardiff", "ev", "..", 60));
    assert_null(gw_rrd_series_new_item("/d", "cardiff", "ev", ".x", 60));
    assert_null(gw_rrd_series_new_item("", "cardiff", "ev", "x", 60));
}

static void test_item_store_values(void **state)
{
    (void)state;
    static const struct {
        int status;
        uint32_t flags;
        double up, working; /* -1: unknown */
    } cases[] = {
        {GW_ITEM_UP, GW_ITEM_RAPID, 1, 1},
        {GW_ITEM_DEGRADED, GW_ITEM_RAPID, 1, 1},
        {GW_ITEM_DOWN, GW_ITEM_RAPID, 0, 0},
        {GW_ITEM_UNKNOWN, GW_ITEM_RAPID, -1, 1},
        {GW_ITEM_EXCLUDED, GW_ITEM_RAPID, -1, -1},
        /* Not a rapid charger: no working figure at all. */
        {GW_ITEM_UP, 0, 1, -1},
        {GW_ITEM_DOWN, 0, 0, -1},
        {GW_ITEM_UNKNOWN, 0, -1, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v[2];
        gw_rrd_schema_item_values(cases[i].status, cases[i].flags, v);
        if (cases[i].up < 0)
            assert_true(isnan(v[0]));
        else
            assert_true(v[0] == cases[i].up);
        if (cases[i].working < 0)
            assert_true(isnan(v[1]));
        else
            assert_true(v[1] == cases[i].working);
    }
}

static void test_item_store_writes_each_item_within_its_bound(void **state)
{
    (void)state;
    char *dir = temp_dir("gw-items");
    struct gw_rrd_writer *w = started_writer(0);
    struct gw_item_store *st = gw_item_store_new(dir, "cardiff", "ev", 60, 2);
    assert_true(gw_item_store_matches(st, dir, 60, 2));
    assert_false(gw_item_store_matches(st, dir, 300, 2));
    assert_false(gw_item_store_matches(st, dir, 60, 3));

    struct gw_items *items = gw_items_new();
    gw_items_add(items, "GB*1", GW_ITEM_UP, NULL, NULL, GW_ITEM_RAPID);
    gw_items_add(items, "GB*2", GW_ITEM_DOWN, NULL, NULL, 0);
    gw_items_add(items, "GB*3", GW_ITEM_UP, NULL, NULL, 0);
    struct log_capture cap;
    log_capture_start(&cap, GW_LOG_WARNING);
    assert_int_equal(gw_item_store_submit(st, w, items, (int64_t)(BASE_S * 1000)), 2);
    assert_int_equal(gw_item_store_submit(st, w, items, (int64_t)(BASE_S * 1000) + 60000), 2);
    assert_true(wait_written(w, 4, 10000));
    gw_rrd_writer_stop(w);
    char *log = log_capture_end(&cap);
    assert_int_equal(count_of(log, "cardiff/ev: more than 2 items to track"), 1);
    free(log);

    char *one = gw_xasprintf("%s/cardiff/ev.items/GB%%2A1.rrd", dir);
    char *two = gw_xasprintf("%s/cardiff/ev.items/GB%%2A2.rrd", dir);
    char *three = gw_xasprintf("%s/cardiff/ev.items/GB%%2A3.rrd", dir);
    struct stat sb;
    assert_int_equal(stat(one, &sb), 0);
    /* What check-config counts is what the file takes. */
    assert_int_equal((uint64_t)sb.st_size, gw_rrd_schema_item_file_size(60));
    assert_true(gw_rrd_schema_item_file_size(60) < 80 * 1024);
    assert_int_not_equal(stat(three, &sb), 0);
    struct last l;
    last_read(two, &l);
    assert_string_equal(last_value(&l, "up"), "0");
    assert_string_equal(last_value(&l, "working"), "U"); /* not a rapid charger */
    last_free(&l);

    /* A point read back from the spool goes to its item's file by name. */
    const char *names[] = {"working", "up", "other"};
    const double values[] = {1, 1, 5};
    struct gw_rrd_writer *w2 = started_writer(0);
    assert_true(gw_item_store_submit_named(st, w2, "GB%2A1", (int64_t)(BASE_S * 1000) + 120000, 3,
                                           names, values));
    assert_false(gw_item_store_submit_named(st, w2, "GB%2A9", (int64_t)(BASE_S * 1000) + 120000, 3,
                                            names, values));
    assert_true(wait_written(w2, 1, 10000));
    gw_rrd_writer_free(w2);
    last_read(one, &l);
    assert_string_equal(last_value(&l, "working"), "1");
    last_free(&l);

    free(one);
    free(two);
    free(three);
    gw_items_unref(items);
    gw_item_store_free(st);
    gw_rrd_writer_free(w);
    tree_remove(dir);
    free(dir);
}

/* Mean of the known rows of `ds` at a 5-minute resolution over (from, to]. */
static double period_mean(const char *path, const char *ds, time_t from, time_t to)
{
    time_t start = from, end = to;
    unsigned long step = 300, n_ds = 0;
    char **names = NULL;
    rrd_value_t *data = NULL;
    rrd_clear_error();
    if (rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &n_ds, &names, &data) != 0)
        fail_msg("rrd_fetch_r(%s): %s", path, rrd_get_error());
    assert_int_equal(step, 300);
    size_t col = n_ds;
    for (unsigned long i = 0; i < n_ds; i++) {
        if (strcmp(names[i], ds) == 0)
            col = i;
        free(names[i]);
    }
    free(names);
    assert_true(col < n_ds);
    double sum = 0;
    size_t n = 0;
    for (time_t t = start; t < end; t += (time_t)step) {
        size_t row = (size_t)((t - start) / (time_t)step);
        double v = data[row * n_ds + col];
        if (t >= from && t < to && !isnan(v)) {
            sum += v;
            n++;
        }
    }
    free(data);
    return n ? sum / (double)n : NAN;
}

/*
 * A rapid charger over two hours, checked every minute: an hour AVAILABLE,
 * 10 minutes OUTOFORDER, 20 minutes UNKNOWN, 10 minutes PLANNED, 20 minutes
 * CHARGING. The Regulations' reliability over the period is the share of the
 * time in service that it worked, unknown counting as working: (60 + 20 +
 * 20) of 110 minutes, 90.9 %; its availability leaves the unknown time out:
 * 80 of 90 minutes.
 */
static void test_item_store_reliability_over_a_period(void **state)
{
    (void)state;
    static const struct {
        int minutes;
        int status;
    } sequence[] = {
        {60, GW_ITEM_UP},       {10, GW_ITEM_DOWN}, {20, GW_ITEM_UNKNOWN},
        {10, GW_ITEM_EXCLUDED}, {20, GW_ITEM_UP},
    };
    char *dir = temp_dir("gw-pcpr");
    struct gw_rrd_writer *w = started_writer(0);
    struct gw_item_store *st = gw_item_store_new(dir, "powys", "ev", 60, 10);
    int minute = 0;
    for (size_t s = 0; s < sizeof(sequence) / sizeof(sequence[0]); s++) {
        for (int m = 0; m < sequence[s].minutes; m++) {
            struct gw_items *items = gw_items_new();
            gw_items_add(items, "PWY-001-01", sequence[s].status, NULL, NULL, GW_ITEM_RAPID);
            /* A point at the end of each minute stands for that minute. */
            minute++;
            gw_item_store_submit(st, w, items, (int64_t)(ITEM_BASE_S + 60.0 * minute) * 1000);
            gw_items_unref(items);
        }
    }
    assert_true(wait_written(w, (uint64_t)minute, 20000));
    gw_rrd_writer_stop(w);
    char *path = gw_xasprintf("%s/powys/ev.items/PWY-001-01.rrd", dir);
    time_t from = (time_t)ITEM_BASE_S, to = (time_t)ITEM_BASE_S + 120 * 60;
    double working = period_mean(path, "working", from, to);
    double up = period_mean(path, "up", from, to);
    if (fabs(working - 100.0 / 110.0) > 1e-9 || fabs(up - 80.0 / 90.0) > 1e-9)
        fail_msg("working %.6f (want %.6f), up %.6f (want %.6f)", working, 100.0 / 110.0, up,
                 80.0 / 90.0);
    free(path);
    gw_item_store_free(st);
    gw_rrd_writer_free(w);
    tree_remove(dir);
    free(dir);
}

int main(void)
{
    gw_log_set_level(GW_LOG_WARNING);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_item_store_file_names),
        cmocka_unit_test(test_item_store_schema),
        cmocka_unit_test(test_item_store_values),
        cmocka_unit_test(test_item_store_writes_each_item_within_its_bound),
        cmocka_unit_test(test_item_store_reliability_over_a_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
