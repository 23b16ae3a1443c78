/*
 * The items of a feed result: the list (ids kept once, strings cut and
 * cleaned, a bound on what is listed), the figures and verdict it gives its
 * result (min_up, the reliability figure of rapid charge points), and how a
 * list follows the previous one (since, the changes logged).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "result/items.h"

#define UP   GW_ITEM_UP
#define DEG  GW_ITEM_DEGRADED
#define DOWN GW_ITEM_DOWN
#define UNK  GW_ITEM_UNKNOWN
#define EXCL GW_ITEM_EXCLUDED

struct spec {
    const char *id;
    int status;
    uint32_t flags;
};

static struct gw_items *list_of(const struct spec *specs, size_t n)
{
    struct gw_items *items = gw_items_new();
    for (size_t i = 0; i < n; i++)
        gw_items_add(items, specs[i].id, specs[i].status, NULL, NULL, specs[i].flags);
    return items;
}

#define LIST(...)                                                                                  \
    list_of((const struct spec[]){__VA_ARGS__},                                                    \
            sizeof((struct spec[]){__VA_ARGS__}) / sizeof(struct spec))

static struct gw_result up_result(void)
{
    struct gw_result r;
    memset(&r, 0, sizeof(r));
    r.status = GW_STATUS_UP;
    snprintf(r.message, sizeof(r.message), "15 EVSEs in 6 locations");
    return r;
}

static void test_items_ids_are_kept_once(void **state)
{
    (void)state;
    struct gw_items *items = gw_items_new();
    assert_int_equal(gw_items_add(items, "a", UP, "AVAILABLE", "Car park 1", 0), 0);
    assert_int_equal(gw_items_add(items, "a", DOWN, "OUTOFORDER", NULL, 0), -EEXIST);
    assert_int_equal(gw_items_add(items, "b", 7, NULL, NULL, 0), 0);
    assert_int_equal(gw_items_count(items), 2);
    const struct gw_item_rec *a = gw_items_find(items, "a");
    assert_non_null(a);
    assert_int_equal(a->status, UP);
    assert_string_equal(a->reason, "AVAILABLE");
    assert_string_equal(a->name, "Car park 1");
    const struct gw_item_rec *b = gw_items_find(items, "b");
    assert_int_equal(b->status, UNK); /* out of range */
    assert_string_equal(b->name, "");
    const struct gw_item_tally *t = gw_items_tally(items);
    assert_int_equal(t->duplicates, 1);
    assert_int_equal(t->n[UP], 1);
    assert_int_equal(t->n[UNK], 1);
    assert_int_equal(t->n[DOWN], 0);
    assert_null(gw_items_find(items, "c"));
    gw_items_unref(items);
}

static void test_items_strings_are_cut_and_cleaned(void **state)
{
    (void)state;
    struct gw_items *items = gw_items_new();
    char long_id[400];
    memset(long_id, 'x', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    gw_items_add(items, long_id, UP, NULL, NULL, 0);
    /* Welsh "ŵ" is two bytes: a cut never splits it. */
    char name[GW_ITEM_NAME_MAX + 8];
    memset(name, 'a', GW_ITEM_NAME_MAX - 1);
    strcpy(name + GW_ITEM_NAME_MAX - 1, "\xc5\xb5zz");
    gw_items_add(items, "line\nbreak", DOWN, "OUT\tOF\rORDER", name, 0);
    gw_items_add(items, "", UP, NULL, NULL, 0);
    gw_items_add(items, NULL, UP, NULL, NULL, 0); /* "?" again: a duplicate */
    assert_int_equal(gw_items_count(items), 3);
    assert_int_equal(strlen(gw_items_at(items, 0)->id), GW_ITEM_ID_MAX);
    const struct gw_item_rec *r = gw_items_at(items, 1);
    assert_string_equal(r->id, "line break");
    assert_string_equal(r->reason, "OUT OF ORDER");
    assert_int_equal(strlen(r->name), GW_ITEM_NAME_MAX - 1);
    assert_non_null(gw_items_find(items, "line break"));
    assert_string_equal(gw_items_at(items, 2)->id, "?");
    assert_int_equal(gw_items_tally(items)->duplicates, 1);
    gw_items_unref(items);
}

static void test_items_beyond_the_bound_are_counted_not_listed(void **state)
{
    (void)state;
    struct gw_items *items = gw_items_new();
    char id[32];
    for (int i = 0; i < GW_ITEMS_MAX + 10; i++) {
        snprintf(id, sizeof(id), "evse-%d", i);
        int rc = gw_items_add(items, id, i % 2 ? DOWN : UP, NULL, NULL, 0);
        assert_int_equal(rc, i < GW_ITEMS_MAX ? 0 : -E2BIG);
    }
    assert_int_equal(gw_items_count(items), GW_ITEMS_MAX);
    const struct gw_item_tally *t = gw_items_tally(items);
    assert_int_equal(t->unlisted, 10);
    assert_int_equal(t->n[UP] + t->n[DOWN], GW_ITEMS_MAX + 10);
    struct gw_result r = up_result();
    gw_items_judge(items, 0, &r);
    assert_int_equal(r.n_details, 1);
    assert_non_null(strstr(r.details[0].text, "10 items beyond"));
    gw_items_unref(items);
}

static void test_items_references_keep_the_list(void **state)
{
    (void)state;
    struct gw_items *items = LIST({"a", UP, 0});
    struct gw_items *kept = gw_items_ref(items);
    gw_items_unref(items);
    assert_string_equal(gw_items_at(kept, 0)->id, "a");
    gw_items_unref(kept);
    gw_items_unref(NULL);
}

/* ---- the verdict ------------------------------------------------------------ */

struct judge_case {
    const char *name;
    int statuses[12];
    size_t n;
    double min_up;
    enum gw_status plugin; /* what the plugin decided */
    enum gw_status want;
    const char *reason;
    double share; /* NAN: none */
};

static void test_items_min_up_decides_degraded(void **state)
{
    (void)state;
    static const struct judge_case cases[] = {
        {"all up", {UP, UP, UP, UP}, 4, 0.9, GW_STATUS_UP, GW_STATUS_UP, "", 1.0},
        {"one of four down, 90%",
         {UP, UP, UP, DOWN},
         4,
         0.9,
         GW_STATUS_UP,
         GW_STATUS_DEGRADED,
         GW_REASON_TOO_FEW_UP,
         0.75},
        {"one of four down, 75%",
         {UP, UP, UP, DOWN},
         4,
         0.75,
         GW_STATUS_UP,
         GW_STATUS_UP,
         "",
         0.75},
        {"no min_up", {DOWN, DOWN, DOWN}, 3, 0, GW_STATUS_UP, GW_STATUS_UP, "", 0.0},
        {"degraded items work",
         {DEG, DEG, UP, DOWN},
         4,
         0.75,
         GW_STATUS_UP,
         GW_STATUS_UP,
         "",
         0.75},
        {"unknown and excluded are left out",
         {UP, UNK, UNK, EXCL, EXCL, EXCL},
         6,
         0.99,
         GW_STATUS_UP,
         GW_STATUS_UP,
         "",
         1.0},
        {"nothing counts: no verdict", {UNK, EXCL}, 2, 0.9, GW_STATUS_UP, GW_STATUS_UP, "", NAN},
        {"an empty feed", {0}, 0, 0.9, GW_STATUS_UP, GW_STATUS_UP, "", NAN},
        {"the plugin's down stays",
         {UP, UP},
         2,
         0.9,
         GW_STATUS_DOWN,
         GW_STATUS_DOWN,
         GW_REASON_HEALTH_FAIL,
         1.0},
        {"the plugin's degraded stays",
         {DOWN, DOWN},
         2,
         0.9,
         GW_STATUS_DEGRADED,
         GW_STATUS_DEGRADED,
         GW_REASON_HEALTH_WARN,
         0.0},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const struct judge_case *k = &cases[c];
        struct gw_items *items = gw_items_new();
        for (size_t i = 0; i < k->n; i++) {
            char id[24];
            snprintf(id, sizeof(id), "i%zu", i);
            gw_items_add(items, id, k->statuses[i], NULL, NULL, 0);
        }
        struct gw_result r = up_result();
        r.status = k->plugin;
        if (k->plugin == GW_STATUS_DOWN)
            strcpy(r.reason, GW_REASON_HEALTH_FAIL);
        if (k->plugin == GW_STATUS_DEGRADED)
            strcpy(r.reason, GW_REASON_HEALTH_WARN);
        gw_items_judge(items, k->min_up, &r);
        if (r.status != k->want || strcmp(r.reason, k->reason) != 0)
            fail_msg("%s: got %d \"%s\", want %d \"%s\"", k->name, r.status, r.reason, k->want,
                     k->reason);
        double share = gw_items_share_up(gw_items_tally(items));
        if (isnan(k->share) ? !isnan(share) : fabs(share - k->share) > 1e-9)
            fail_msg("%s: share %g, want %g", k->name, share, k->share);
        assert_true(gw_result_figure(&r, "items_total") == (double)k->n);
        gw_items_unref(items);
    }
}

static void test_items_degraded_message_says_by_how_much(void **state)
{
    (void)state;
    struct gw_items *items = LIST({"a", UP, 0}, {"b", DOWN, 0}, {"c", DOWN, 0}, {"d", UNK, 0});
    struct gw_result r = up_result();
    gw_items_judge(items, 0.9, &r);
    assert_int_equal(r.status, GW_STATUS_DEGRADED);
    assert_string_equal(r.message,
                        "33% of items work (1 of 3), below min_up 90%: 15 EVSEs in 6 locations");
    /* A long sentence is cut, never overrun. */
    struct gw_result r2 = up_result();
    memset(r2.message, 'm', sizeof(r2.message) - 1);
    r2.message[sizeof(r2.message) - 1] = '\0';
    gw_items_judge(items, 0.9, &r2);
    assert_int_equal(strlen(r2.message), sizeof(r2.message) - 1);
    assert_memory_equal(r2.message, "33% of items work", 17);
    gw_items_unref(items);
}

static void test_items_figures_count_every_status(void **state)
{
    (void)state;
    struct gw_items *items = LIST({"a", UP, 0}, {"b", UP, 0}, {"c", DEG, 0}, {"d", DOWN, 0},
                                  {"e", UNK, 0}, {"f", EXCL, 0}, {"g", EXCL, 0});
    struct gw_result r = up_result();
    gw_items_judge(items, 0, &r);
    assert_true(gw_result_figure(&r, "items_total") == 7);
    assert_true(gw_result_figure(&r, "items_up") == 2);
    assert_true(gw_result_figure(&r, "items_degraded") == 1);
    assert_true(gw_result_figure(&r, "items_down") == 1);
    assert_true(gw_result_figure(&r, "items_unknown") == 1);
    assert_true(gw_result_figure(&r, "items_excluded") == 2);
    /* No rapid charge point: no reliability figure at all. */
    assert_true(isnan(gw_result_figure(&r, "rapid_total")));
    assert_true(isnan(gw_result_figure(&r, "rapid_reliability")));
    gw_items_unref(items);
}

/*
 * The reliability figure of the Public Charge Point Regulations 2023 on the
 * shared fixture's 15 EVSEs (ocpi/locations_page1.json and page2.json): six
 * are rapid (a connector of 50 kW or more); one of them is PLANNED (not in
 * service), two are INOPERATIVE or OUTOFORDER; so 3 of 5 work: 60 %.
 */
static void test_items_rapid_reliability_of_the_fixture(void **state)
{
    (void)state;
    const uint32_t R = GW_ITEM_RAPID;
    struct gw_items *items =
        LIST({"WCP-CDF-001-01", UP, R}, {"WCP-CDF-001-02", UP, R}, {"WCP-CDF-001-03", DOWN, 0},
             {"WCP-NWP-002-01", UP, 0}, {"WCP-NWP-002-02", UNK, 0}, {"WCP-NWP-002-03", UP, 0},
             {"WCP-SWA-003-01", DOWN, R}, {"WCP-SWA-003-02", UNK, 0}, {"WCP-ABY-004-01", UP, 0},
             {"WCP-ABY-004-02", UP, 0}, {"WCP-BGR-005-01", EXCL, R}, {"WCP-BGR-005-02", EXCL, 0},
             {"WCP-WRX-006-01", UP, R}, {"WCP-WRX-006-02", DOWN, R}, {"WCP-WRX-006-03", UP, 0});
    struct gw_result r = up_result();
    gw_items_judge(items, 0, &r);
    assert_true(gw_result_figure(&r, "items_total") == 15);
    assert_true(gw_result_figure(&r, "items_up") == 8);
    assert_true(gw_result_figure(&r, "items_down") == 3);
    assert_true(gw_result_figure(&r, "items_unknown") == 2);
    assert_true(gw_result_figure(&r, "items_excluded") == 2);
    assert_true(gw_result_figure(&r, "rapid_total") == 5);
    assert_true(gw_result_figure(&r, "rapid_down") == 2);
    assert_true(fabs(gw_result_figure(&r, "rapid_reliability") - 0.6) < 1e-12);
    gw_items_unref(items);
}

/*
 * The figure over a hand-made sequence of results: a rapid charger whose
 * state cannot be told (UNKNOWN, BLOCKED) counts as working, as the
 * Regulations count it; one not in service is left out of the figure.
 */
static void test_items_rapid_reliability_over_a_sequence(void **state)
{
    (void)state;
    const uint32_t R = GW_ITEM_RAPID;
    static const struct {
        int a, b, c;
        double want; /* NAN: no figure */
    } seq[] = {
        {UP, UP, UP, 1.0},          {UP, DOWN, UP, 2.0 / 3}, {UNK, DOWN, UP, 2.0 / 3},
        {UNK, UNK, EXCL, 1.0},      {DOWN, DOWN, EXCL, 0.0}, {EXCL, EXCL, EXCL, NAN},
        {DEG, DOWN, DOWN, 1.0 / 3},
    };
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        struct gw_items *items =
            LIST({"a", seq[i].a, R}, {"b", seq[i].b, R}, {"c", seq[i].c, R}, {"slow", DOWN, 0});
        struct gw_result r = up_result();
        gw_items_judge(items, 0, &r);
        double got = gw_result_figure(&r, "rapid_reliability");
        if (isnan(seq[i].want) ? !isnan(got) : fabs(got - seq[i].want) > 1e-12)
            fail_msg("step %zu: reliability %g, want %g", i, got, seq[i].want);
        gw_items_unref(items);
    }
}

/* ---- following a list ---------------------------------------------------------- */

struct change {
    enum gw_item_change what;
    char id[16];
    int before, after;
};

struct changes {
    struct change c[16];
    size_t n;
};

static void change_cb(void *data, enum gw_item_change what, const struct gw_item_rec *before,
                      const struct gw_item_rec *after)
{
    struct changes *cs = data;
    assert_true(cs->n < 16);
    struct change *c = &cs->c[cs->n++];
    c->what = what;
    snprintf(c->id, sizeof(c->id), "%s", after ? after->id : before->id);
    c->before = before ? before->status : -1;
    c->after = after ? after->status : -1;
}

static void test_items_track_follows_changes(void **state)
{
    (void)state;
    struct gw_items *first = LIST({"a", UP, 0}, {"b", UP, 0}, {"c", DOWN, 0});
    struct changes cs = {0};
    /* The first list after start reports nothing: every item is new. */
    assert_int_equal(gw_items_track(NULL, first, 1000, change_cb, &cs), 0);
    assert_int_equal(cs.n, 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(gw_items_at(first, i)->since_ms, 1000);

    struct gw_items *second = LIST({"a", UP, 0}, {"b", DOWN, 0}, {"d", UP, 0});
    assert_int_equal(gw_items_track(first, second, 2000, change_cb, &cs), 3);
    assert_int_equal(cs.n, 3);
    assert_int_equal(cs.c[0].what, GW_ITEM_CHANGED);
    assert_string_equal(cs.c[0].id, "b");
    assert_int_equal(cs.c[0].before, UP);
    assert_int_equal(cs.c[0].after, DOWN);
    assert_int_equal(cs.c[1].what, GW_ITEM_APPEARED);
    assert_string_equal(cs.c[1].id, "d");
    assert_int_equal(cs.c[2].what, GW_ITEM_GONE);
    assert_string_equal(cs.c[2].id, "c");
    assert_int_equal(gw_items_find(second, "a")->since_ms, 1000); /* unchanged: kept */
    assert_int_equal(gw_items_find(second, "b")->since_ms, 2000);
    assert_int_equal(gw_items_find(second, "d")->since_ms, 2000);

    /* The same list again: nothing to say, every since carried over. */
    struct gw_items *third = LIST({"a", UP, 0}, {"b", DOWN, 0}, {"d", UP, 0});
    cs.n = 0;
    assert_int_equal(gw_items_track(second, third, 3000, change_cb, &cs), 0);
    assert_int_equal(gw_items_find(third, "a")->since_ms, 1000);
    assert_int_equal(gw_items_find(third, "b")->since_ms, 2000);
    /* And back up: a change from DOWN, since the new time. */
    struct gw_items *fourth = LIST({"a", UP, 0}, {"b", UP, 0}, {"d", UP, 0});
    assert_int_equal(gw_items_track(third, fourth, 4000, NULL, NULL), 1);
    assert_int_equal(gw_items_find(fourth, "b")->since_ms, 4000);
    gw_items_unref(first);
    gw_items_unref(second);
    gw_items_unref(third);
    gw_items_unref(fourth);
}

static void test_items_status_words(void **state)
{
    (void)state;
    assert_string_equal(gw_item_status_word(EXCL), "excluded");
    assert_string_equal(gw_item_status_name(DEG), "DEGRADED");
    assert_string_equal(gw_item_status_name(99), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items_ids_are_kept_once),
        cmocka_unit_test(test_items_strings_are_cut_and_cleaned),
        cmocka_unit_test(test_items_beyond_the_bound_are_counted_not_listed),
        cmocka_unit_test(test_items_references_keep_the_list),
        cmocka_unit_test(test_items_min_up_decides_degraded),
        cmocka_unit_test(test_items_degraded_message_says_by_how_much),
        cmocka_unit_test(test_items_figures_count_every_status),
        cmocka_unit_test(test_items_rapid_reliability_of_the_fixture),
        cmocka_unit_test(test_items_rapid_reliability_over_a_sequence),
        cmocka_unit_test(test_items_track_follows_changes),
        cmocka_unit_test(test_items_status_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
