/*
 * The estate of the web readers' tests: one target, powys/forms (tcp, every
 * 10 s), in a temporary data directory, and an RRD writer that holds its
 * points back an hour (daemon.rrd_write_delay), as the daemon's would be
 * between two writes. A reader that has the writer write first sees them;
 * one that reads the file as it is finds none.
 */
#ifndef GW_ESTATE_TESTUTIL_H
#define GW_ESTATE_TESTUTIL_H

#include "config_testutil.h"
#include "rrd_testutil.h"

struct estate {
    char *dir;
    struct gw_plugins *plugins;
    struct gw_host host;
    struct gw_config *config;
    struct gw_rrd_series *series; /* powys/forms */
    struct gw_rrd_writer *writer; /* started; points held back an hour */
};

static inline struct estate *estate_new(const char *prefix)
{
    struct estate *e = gw_xcalloc(1, sizeof(*e));
    gw_log_set_level(GW_LOG_ERROR);
    e->dir = temp_dir(prefix);
    e->plugins = test_plugins_load();
    gw_host_init(&e->host, NULL);
    char *yaml = gw_xasprintf("daemon:\n  data_dir: %s\n  listen: \"\"\n"
                              "councils:\n"
                              "  - id: powys\n    name: Powys County Council\n    targets:\n"
                              "      - {check: tcp, id: forms, host: 127.0.0.1, port: 9, "
                              "interval: 10s}\n",
                              e->dir);
    e->config = test_config_load("estate.yaml", yaml, e->plugins, &e->host);
    free(yaml);
    e->series = gw_rrd_series_new(e->dir, "powys", "forms", 10, NULL, 0);
    e->writer = gw_rrd_writer_new(0);
    gw_rrd_writer_set_delay(e->writer, 3600 * 1000);
    assert_int_equal(gw_rrd_writer_start(e->writer), 0);
    return e;
}

/* Submits results of powys/forms, up, every 10 s from first_s to last_s. */
static inline void estate_results(struct estate *e, double first_s, double last_s)
{
    double v[3];
    core_values(v, 1, 0, 0.05);
    for (double t = first_s; t <= last_s; t += 10)
        gw_rrd_writer_submit(e->writer, e->series, t, v);
}

/* The main file of powys/forms. */
static inline const char *estate_file(const struct estate *e)
{
    return gw_rrd_series_path(e->series);
}

static inline void estate_free(struct estate *e)
{
    gw_rrd_writer_free(e->writer);
    gw_rrd_series_unref(e->series);
    gw_config_unref(e->config);
    gw_plugins_free(e->plugins);
    tree_remove(e->dir);
    free(e->dir);
    free(e);
}

#endif
