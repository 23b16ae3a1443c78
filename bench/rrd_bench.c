/*
 * The storage benchmark's worker (bench/bench_storage.py drives it): RRD
 * files of N targets (main and spread file each, as the daemon lays them
 * out), then rounds of one result per target written one of three ways:
 *
 *   create     make the files (optionally with a tenth of the rows: --reduced)
 *   per-point  one rrd_update_r per point and file, in this thread
 *   writer     the daemon's RRD writer (direct, or --rrdcached ADDRESS);
 *              --delay-ms 0 submits a round and waits for it before the next
 *              (one point per update), a longer delay submits every round
 *              first so each update carries all of a file's points
 *
 * Prints one line: mode, targets, results, seconds, results/s, file updates,
 * and for the writer the time the submitting thread spent per result.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rrd.h>

#include "storage/rrd_backend.h"
#include "storage/rrd_schema.h"
#include "storage/rrd_writer.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

#define COUNCILS 22
#define STEP_S   60

struct options {
    const char *mode;
    const char *dir;
    const char *rrdcached;
    size_t targets;
    int rounds;
    int64_t t0;
    uint64_t delay_ms;
    bool reduced;
};

static struct gw_rrd_series *series_of(const struct options *o, size_t i)
{
    char council[16], target[16];
    snprintf(council, sizeof(council), "c%02zu", i % COUNCILS);
    snprintf(target, sizeof(target), "t%06zu", i);
    return gw_rrd_series_new(o->dir, council, target, STEP_S, NULL, 0);
}

/* A tenth of the rows of every archive: the same archives, a tenth of the disk. */
static void reduce(char **argv)
{
    for (char **a = argv; *a; a++) {
        unsigned long ppr, rows;
        char cf[16];
        if (sscanf(*a, "RRA:%15[A-Z]:0.5:%lu:%lu", cf, &ppr, &rows) != 3)
            continue;
        free(*a);
        *a = gw_xasprintf("RRA:%s:0.5:%lu:%lu", cf, ppr, rows / 10 ? rows / 10 : 1);
    }
}

static int create_files(const struct options *o)
{
    for (size_t i = 0; i < o->targets; i++) {
        struct gw_rrd_series *s = series_of(o, i);
        char *err = NULL;
        if (gw_rrd_backend_mkdir_of(gw_rrd_series_path(s), &err) < 0) {
            fprintf(stderr, "rrd_bench: %s\n", err);
            return 1;
        }
        for (size_t f = 0; f < gw_rrd_series_file_count(s); f++) {
            char **argv;
            int argc;
            gw_rrd_schema_create_args(s, f, &argv, &argc);
            if (o->reduced)
                reduce(argv);
            rrd_clear_error();
            if (rrd_create_r2(gw_rrd_series_file_path(s, f), STEP_S, (time_t)(o->t0 - STEP_S), 0,
                              NULL, NULL, argc, (const char **)argv) != 0) {
                fprintf(stderr, "rrd_bench: %s\n", rrd_get_error());
                return 1;
            }
            gw_rrd_schema_args_free(argv);
        }
        gw_rrd_series_unref(s);
    }
    return 0;
}

static void values_of(double *v, size_t i, int round)
{
    v[GW_RRD_DS_UP] = 1;
    v[GW_RRD_DS_DEGRADED] = 0;
    v[GW_RRD_DS_LATENCY] = 0.001 * (double)((i + (size_t)round) % 997);
}

static int per_point(const struct options *o, uint64_t *updates)
{
    struct gw_rrd_series **all = gw_xcalloc(o->targets, sizeof(*all));
    for (size_t i = 0; i < o->targets; i++)
        all[i] = series_of(o, i);
    for (int r = 0; r < o->rounds; r++) {
        int64_t t = o->t0 + (int64_t)STEP_S * r;
        for (size_t i = 0; i < o->targets; i++) {
            double v[GW_RRD_CORE_DS];
            values_of(v, i, r);
            char main_row[128], spread_row[64];
            snprintf(main_row, sizeof(main_row), "%" PRId64 ":%g:%g:%g", t, v[0], v[1], v[2]);
            snprintf(spread_row, sizeof(spread_row), "%" PRId64 ":%g", t, v[2]);
            const char *rows[2] = {main_row, spread_row};
            for (size_t f = 0; f < gw_rrd_series_file_count(all[i]); f++) {
                const char *argv[1] = {rows[f]};
                rrd_clear_error();
                if (rrd_update_r(gw_rrd_series_file_path(all[i], f), NULL, 1, argv) != 0) {
                    fprintf(stderr, "rrd_bench: %s\n", rrd_get_error());
                    return 1;
                }
                (*updates)++;
            }
        }
    }
    for (size_t i = 0; i < o->targets; i++)
        gw_rrd_series_unref(all[i]);
    free(all);
    return 0;
}

static bool wait_written(struct gw_rrd_writer *w, uint64_t written)
{
    struct gw_rrd_writer_stats st;
    for (;;) {
        gw_rrd_writer_stats(w, &st);
        if (st.written >= written && st.pending == 0)
            return true;
        if (st.dropped_overflow || st.dropped_stale) {
            fprintf(stderr,
                    "rrd_bench: the writer dropped points (%" PRIu64 " over the bound, %" PRIu64
                    " stale)\n",
                    st.dropped_overflow, st.dropped_stale);
            return false;
        }
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Nanoseconds the caller (the daemon's loop thread) spent in submit, per result. */
static double submit_ns;

static int writer(const struct options *o, uint64_t *updates)
{
    struct gw_rrd_series **all = gw_xcalloc(o->targets, sizeof(*all));
    for (size_t i = 0; i < o->targets; i++)
        all[i] = series_of(o, i);
    size_t files = gw_rrd_series_file_count(all[0]);
    uint64_t total = (uint64_t)o->targets * (uint64_t)o->rounds * files;
    struct gw_rrd_writer *w = gw_rrd_writer_new((size_t)total + 1);
    gw_rrd_writer_set_backend(w, gw_rrd_backend_new(o->rrdcached ? o->rrdcached : ""));
    gw_rrd_writer_set_delay(w, o->delay_ms);
    if (gw_rrd_writer_start(w) != 0)
        return 1;
    int rc = 0;
    uint64_t in_submit_ns = 0;
    for (int r = 0; r < o->rounds && rc == 0; r++) {
        double t = (double)(o->t0 + (int64_t)STEP_S * r);
        for (size_t i = 0; i < o->targets; i++) {
            double v[GW_RRD_CORE_DS];
            values_of(v, i, r);
            uint64_t before = gw_clock_mono_ns();
            gw_rrd_writer_submit(w, all[i], t, v);
            in_submit_ns += gw_clock_mono_ns() - before;
        }
        if (o->delay_ms == 0 && !wait_written(w, (uint64_t)o->targets * files * (uint64_t)(r + 1)))
            rc = 1;
    }
    if (o->delay_ms > 0) {
        gw_rrd_writer_flush(w);
        if (!wait_written(w, total))
            rc = 1;
    }
    gw_rrd_writer_stop(w);
    submit_ns = (double)in_submit_ns / ((double)o->targets * o->rounds);
    struct gw_rrd_writer_stats st;
    gw_rrd_writer_stats(w, &st);
    *updates = st.updates;
    if (st.errors)
        fprintf(stderr, "rrd_bench: %" PRIu64 " write errors\n", st.errors);
    gw_rrd_writer_free(w);
    for (size_t i = 0; i < o->targets; i++)
        gw_rrd_series_unref(all[i]);
    free(all);
    return rc;
}

static void usage(void)
{
    fprintf(stderr, "usage: rrd_bench create|per-point|writer --dir DIR --targets N [--rounds R] "
                    "[--t0 SECONDS] [--delay-ms MS] [--rrdcached ADDRESS] [--reduced]\n");
}

int main(int argc, char **argv)
{
    struct options o = {.rounds = 1, .t0 = 1700000040};
    if (argc < 2) {
        usage();
        return 2;
    }
    o.mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--reduced") == 0) {
            o.reduced = true;
            continue;
        }
        if (!v) {
            usage();
            return 2;
        }
        i++;
        if (strcmp(a, "--dir") == 0)
            o.dir = v;
        else if (strcmp(a, "--targets") == 0)
            o.targets = strtoull(v, NULL, 10);
        else if (strcmp(a, "--rounds") == 0)
            o.rounds = atoi(v);
        else if (strcmp(a, "--t0") == 0)
            o.t0 = strtoll(v, NULL, 10);
        else if (strcmp(a, "--delay-ms") == 0)
            o.delay_ms = strtoull(v, NULL, 10);
        else if (strcmp(a, "--rrdcached") == 0)
            o.rrdcached = v;
        else {
            usage();
            return 2;
        }
    }
    if (!o.dir || o.targets == 0 || o.rounds < 1) {
        usage();
        return 2;
    }
    gw_log_set_level(GW_LOG_WARNING);

    uint64_t start = gw_clock_mono_ns();
    uint64_t updates = 0;
    int rc;
    if (strcmp(o.mode, "create") == 0)
        rc = create_files(&o);
    else if (strcmp(o.mode, "per-point") == 0)
        rc = per_point(&o, &updates);
    else if (strcmp(o.mode, "writer") == 0)
        rc = writer(&o, &updates);
    else {
        usage();
        return 2;
    }
    double seconds = (double)(gw_clock_mono_ns() - start) / 1e9;
    uint64_t results = strcmp(o.mode, "create") == 0 ? 0 : (uint64_t)o.targets * (uint64_t)o.rounds;
    printf("mode=%s targets=%zu results=%" PRIu64
           " seconds=%.3f results_per_s=%.0f updates=%" PRIu64 " submit_ns=%.0f\n",
           o.mode, o.targets, results, seconds, results ? (double)results / seconds : 0.0, updates,
           submit_ns);
    return rc;
}
