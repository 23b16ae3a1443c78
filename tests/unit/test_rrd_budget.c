#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "config_testutil.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "rrd_testutil.h"
#include "storage/rrd_budget.h"
#include "storage/rrd_schema.h"
#include "util/diag.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

/* A check type that records the phase figures of an http check. */
static const struct gw_figure_decl phases[] = {
    {"dns", "s", 0, NAN},        {"connect", "s", 0, NAN}, {"tls", "s", 0, NAN},
    {"ttfb", "s", 0, NAN},       {"size", "B", 0, NAN},    {"cert_days", "days", NAN, NAN},
    {"http_version", "", 0, 30},
};

static int phases_configure(const struct gw_host *host, const struct gw_cfg *target,
                            void **conf_out)
{
    (void)host;
    (void)target;
    *conf_out = gw_xstrdup("conf");
    return 0;
}

static size_t phases_figures(const void *conf, const struct gw_figure_decl **out)
{
    (void)conf;
    *out = phases;
    return sizeof(phases) / sizeof(phases[0]);
}

/* Never run here: only the configuration is looked at. */
static int phases_start(const struct gw_host *host, const void *conf, struct gw_check *check,
                        void **run_out)
{
    (void)host;
    (void)conf;
    (void)check;
    (void)run_out;
    return -ENOSYS;
}

static void phases_cancel(void *run)
{
    (void)run;
}

static const char *phases_host(const void *conf)
{
    (void)conf;
    return NULL;
}

static const struct gw_check_type phases_type = {
    .name = "phases",
    .description = "a check with http's figures",
    .configure = phases_configure,
    .conf_free = free,
    .conf_host = phases_host,
    .figures = phases_figures,
    .start = phases_start,
    .cancel = phases_cancel,
};

/* A feed type: it declares the item keys the daemon reads. */
static const struct gw_cfg_key feed_keys[] = {GW_ITEM_CFG_KEYS, {NULL, 0, 0, NULL, NULL}};

static const struct gw_check_type feed_type = {
    .name = "feed",
    .description = "a feed with items",
    .keys = feed_keys,
    .configure = phases_configure,
    .conf_free = free,
    .conf_host = phases_host,
    .figures = phases_figures,
    .start = phases_start,
    .cancel = phases_cancel,
};

static const struct gw_check_type *const checks[] = {&phases_type, &feed_type, NULL};
static const struct gw_plugin plugin = {
    GW_PLUGIN_ABI_VERSION, sizeof(struct gw_plugin), "budget-test", checks, NULL,
};

struct fixture {
    struct gw_plugins *plugins;
    struct gw_host host;
    char *dir;
};

static int setup(void **state)
{
    struct fixture *f = gw_xcalloc(1, sizeof(*f));
    f->plugins = gw_plugins_new();
    char *err = NULL;
    if (gw_plugins_add(f->plugins, &plugin, "budget-test", &err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    gw_host_init(&f->host, NULL);
    f->dir = temp_dir("gw-budget");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    gw_plugins_free(f->plugins);
    tree_remove(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static struct gw_config *load(struct fixture *f, const char *daemon_extra)
{
    char *text = gw_xasprintf("daemon:\n  data_dir: %s/data\n%s"
                              "councils:\n"
                              "  - id: cardiff\n"
                              "    targets:\n"
                              "      - {id: web, check: phases}\n"
                              "      - {id: api, check: phases, interval: 5m}\n"
                              "  - id: powys\n"
                              "    targets:\n"
                              "      - {id: web, check: phases, interval: 1d}\n",
                              f->dir, daemon_extra);
    struct gw_config *config = test_config_load("budget.yaml", text, f->plugins, &f->host);
    free(text);
    return config;
}

static void test_rrd_budget_counts_every_file(void **state)
{
    struct fixture *f = *state;
    struct gw_config *config = load(f, "");
    struct gw_rrd_budget b;
    gw_rrd_budget_compute(config, &b);
    uint64_t expected = gw_rrd_schema_target_size(60, 10) + gw_rrd_schema_target_size(300, 10) +
                        gw_rrd_schema_target_size(86400, 10);
    assert_int_equal(b.targets, 3);
    assert_int_equal(b.bytes, expected);
    assert_int_equal(b.missing_bytes, expected);
    assert_true(b.local);
    /* The data directory does not exist yet: its parent's file system is examined. */
    assert_string_equal(b.fs_path, f->dir);
    assert_true(b.fs_known);
    assert_true(b.fs_avail > 0);
    gw_rrd_budget_fini(&b);

    /* A file already made is not needed again. */
    char *dir = gw_xasprintf("%s/data/cardiff", f->dir);
    char *path = gw_xasprintf("%s/web.spread.rrd", dir);
    assert_int_equal(gw_fsutil_mkdirs(dir, 0750), 0);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fclose(file);
    gw_rrd_budget_compute(config, &b);
    assert_int_equal(b.missing_bytes,
                     expected - gw_rrd_schema_file_size(60, GW_RRD_FILE_SPREAD, 10));
    char *data = gw_xasprintf("%s/data", f->dir);
    assert_string_equal(b.fs_path, data);
    free(data);

    /* Short of room is judged against what is still to be made. */
    b.fs_avail = b.missing_bytes - 1;
    assert_true(gw_rrd_budget_short(&b));
    b.fs_avail = b.missing_bytes;
    assert_false(gw_rrd_budget_short(&b));
    gw_rrd_budget_fini(&b);
    gw_config_unref(config);
    free(path);
    free(dir);
}

/* Tracked items count their bound: how many a feed lists is not known before it is read. */
static void test_rrd_budget_counts_tracked_items(void **state)
{
    struct fixture *f = *state;
    char *text = gw_xasprintf("daemon:\n  data_dir: %s/data\n"
                              "councils:\n"
                              "  - id: cardiff\n"
                              "    targets:\n"
                              "      - {id: ev, check: feed, track_items: true,"
                              " max_tracked_items: 50}\n"
                              "      - {id: wifi, check: feed, track_items: true, interval: 5m}\n"
                              "      - {id: status, check: feed}\n",
                              f->dir);
    struct gw_diag *diag = gw_diag_new();
    struct gw_config *config =
        gw_config_load_string("budget.yaml", text, f->plugins, &f->host, diag);
    gw_diag_free(diag);
    free(text);
    assert_non_null(config);
    assert_true(config->targets[0].track_items);
    assert_int_equal(config->targets[0].max_tracked_items, 50);
    assert_int_equal(config->targets[1].max_tracked_items, GW_DEFAULT_TRACKED_ITEMS);
    assert_false(config->targets[2].track_items);
    struct gw_rrd_budget b;
    gw_rrd_budget_compute(config, &b);
    uint64_t items =
        50 * gw_rrd_schema_item_file_size(60) + 1000 * gw_rrd_schema_item_file_size(300);
    assert_int_equal(b.item_files, 1050);
    assert_int_equal(b.item_bytes, items);
    assert_int_equal(b.bytes, items + 2 * gw_rrd_schema_target_size(60, 10) +
                                  gw_rrd_schema_target_size(300, 10));
    assert_int_equal(b.missing_bytes, b.bytes);
    gw_rrd_budget_fini(&b);

    /* Item files already made are not needed again. */
    char *dir = gw_xasprintf("%s/data/cardiff/ev.items", f->dir);
    assert_int_equal(gw_fsutil_mkdirs(dir, 0750), 0);
    for (int i = 0; i < 3; i++) {
        char *path = gw_xasprintf("%s/GB%%2A%d.rrd", dir, i);
        FILE *file = fopen(path, "w");
        assert_non_null(file);
        fclose(file);
        free(path);
    }
    gw_rrd_budget_compute(config, &b);
    assert_int_equal(b.missing_bytes, b.bytes - 3 * gw_rrd_schema_item_file_size(60));
    gw_rrd_budget_fini(&b);

    char out[4096] = "";
    FILE *o = fmemopen(out, sizeof(out), "w");
    FILE *e = fopen("/dev/null", "w");
    gw_rrd_budget_report(config, o, e);
    fclose(o);
    fclose(e);
    if (!strstr(out, "for at most 1050 tracked items"))
        fail_msg("report: %s", out);
    gw_config_unref(config);
    free(dir);
}

static void test_rrd_budget_storage_elsewhere(void **state)
{
    struct fixture *f = *state;
    struct gw_config *config = load(f, "  rrdcached: store.example:42217\n");
    struct gw_rrd_budget b;
    gw_rrd_budget_compute(config, &b);
    assert_int_equal(b.targets, 3);
    assert_false(b.local);
    assert_false(b.fs_known);
    assert_int_equal(b.missing_bytes, 0);
    assert_false(gw_rrd_budget_short(&b));
    gw_rrd_budget_fini(&b);
    gw_config_unref(config);

    config = load(f, "  storage: none\n");
    gw_rrd_budget_compute(config, &b);
    assert_int_equal(b.targets, 0);
    assert_int_equal(b.bytes, 0);
    gw_rrd_budget_fini(&b);
    gw_config_unref(config);
}

static void test_rrd_budget_format(void **state)
{
    (void)state;
    char buf[32];
    static const struct {
        uint64_t bytes;
        const char *text;
    } cases[] = {
        {0, "0 B"},
        {999, "999 B"},
        {1000, "1.0 kB"},
        {393816, "394 kB"},
        {1008024, "1.0 MB"},
        {198000000, "198 MB"},
        {1300000000, "1.3 GB"},
        {64000000000, "64 GB"},
        {9960000000, "10 GB"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gw_rrd_budget_format(cases[i].bytes, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rrd_budget_counts_every_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrd_budget_counts_tracked_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrd_budget_storage_elsewhere, setup, teardown),
        cmocka_unit_test(test_rrd_budget_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
