/*
 * The layout of a target's round-robin databases: where the files live, their
 * data sources and archives, and how a result becomes one row of values.
 * Pure: no I/O, no clocks.
 *
 * Files
 * -----
 * A target has two files in <data_dir>/<council>/, because every archive of
 * an RRD applies to all its data sources, and only one figure earns a minimum
 * and a maximum:
 *
 *   <target>.rrd         every figure, consolidated with AVERAGE only
 *   <target>.spread.rrd  `latency` alone, consolidated with MIN and MAX
 *
 * In the main file MIN and MAX would add nothing for `up` and `degraded` (a
 * row's average below 1 already says the target was down in it) and cost a
 * third of the file for each phase time; the spread of the response time is
 * what graphs draw as smoke at every period, so it keeps its extremes.
 *
 * Data sources of the main file, in this order (the row of values of
 * gw_rrd_schema_values):
 *
 *   up        0..1  1 when up or degraded, 0 when down, unknown ("U") when the
 *                   result is unknown, so its average is availability and an
 *                   unknown result never counts as downtime
 *   degraded  0..1  1 when degraded, 0 when up or down, unknown when unknown
 *   latency   s     the result's `latency` figure, >= 0
 *   ...             the check type's declared figures (struct gw_figure_decl),
 *                   in declared order
 *
 * Every data source is a GAUGE with a heartbeat of two steps (one missed check
 * is interpolated over, two are unknown), the step being the target's interval.
 *
 * Latency spread: a check that measures several times per round (pings,
 * `samples: N` requests) declares the figures `median`, `loss` and `s01` ..
 * `sNN`, the samples sorted with lost ones last (gw_result_set_samples). They
 * are data sources of the main file like any other, kept with AVERAGE, as
 * Smokeping keeps them: the average of the i-th smallest sample over a row
 * still traces the shape of the distribution, so graphs draw s01..sNN as
 * smoke around the median at every period; `loss` averages to the loss ratio.
 *
 * Archives
 * --------
 * Four tiers:
 *
 *   tier        resolution   kept for
 *   full        1 step       2 days, at most 2,880 rows
 *   5 minutes   300 s        14 days
 *   hourly      3,600 s      90 days
 *   daily       86,400 s     5 years (1,827 days)
 *
 * Rule for steps that do not divide a tier's resolution, or are not finer than
 * it: a tier consolidates round(resolution / step) steps per row, at least 1,
 * and keeps ceil(span / (steps per row * step)) rows. Tiers that end up with
 * the same steps per row are one archive, kept for the longest of their spans
 * (a 300 s target keeps its full resolution for 14 days; a 3,600 s target for
 * 90 days; a daily target for 5 years). Only the full tier is capped at 2,880
 * rows: it alone grows without bound as the step shrinks (a 1 s target keeps
 * 48 minutes of single results, then 5-minute rows).
 *
 * Examples (steps per row x rows):
 *   1 s:      1 x 2880,  300 x 4032, 3600 x 2160, 86400 x 1827
 *   7 s:      1 x 2880,   43 x 4019,  514 x 2162, 12343 x 1827
 *   60 s:     1 x 2880,    5 x 4032,   60 x 2160,  1440 x 1827
 *   300 s:    1 x 4032,   12 x 2160,  288 x 1827
 *   3,600 s:  1 x 2160,   24 x 1827
 *   86,400 s: 1 x 1827
 *
 * The main file has one AVERAGE archive per tier (xff 0.5). The spread file
 * has a MIN and a MAX archive for each tier of more than one step per row (at
 * one step per row they would repeat the main file's value); a target whose
 * only tier is its full resolution (a daily check) has no spread file.
 *
 * Sizes (fixed for ever; gw_rrd_schema_file_size), for any step up to 60 s:
 *   core only (3 data sources)            258 KiB + 127 KiB =   385 KiB
 *   tcp (5: + connect, response)          429 KiB + 127 KiB =   556 KiB
 *   http (10: + dns, connect, tls, ttfb,
 *         size, cert_days, http_version)  858 KiB + 127 KiB =   984 KiB
 *   icmp, 20 samples (25: + median, loss,
 *         s01..s20)                      2143 KiB + 127 KiB =  2270 KiB
 * A 300 s target takes about two thirds of that, an hourly one about a third.
 *
 * Items
 * -----
 * A feed target with `track_items: true` gives each item (an EVSE, an access
 * point) a file of its own, <data_dir>/<council>/<target>.items/<item>.rrd,
 * the item's id made a file name (gw_rrd_schema_item_file). Two data
 * sources, AVERAGE only, no spread file:
 *
 *   up       0..1  1 up or degraded, 0 down, unknown when unknown or excluded:
 *                  its average is the item's availability
 *   working  0..1  rapid charge points only (GW_ITEM_RAPID), unknown for any
 *                  other item: 1 up, degraded or unknown, 0 down, unknown
 *                  when excluded: its average over a period is the share of
 *                  time the charger worked as the Public Charge Point
 *                  Regulations 2023 count it (a state that cannot be
 *                  measured is not held against the operator; a charger not
 *                  in service is not counted)
 *
 * and three tiers, by the same rule as above: 5 minutes for 2 days, hourly
 * for 90 days, daily for 5 years. At a 60 s step that is 5 x 576, 60 x 2160,
 * 1440 x 1827: 4,563 rows, 74,480 bytes a file (gw_rrd_schema_item_file_size)
 * at any step up to 5 minutes, fixed for ever: 1,000 chargers take 74 MB,
 * 10,000 take 745 MB.
 */
#ifndef GW_RRD_SCHEMA_H
#define GW_RRD_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include <gwyliwr/plugin.h>

#include "result/result.h"

/* The data sources every target has, before its check type's figures. */
#define GW_RRD_DS_UP       0
#define GW_RRD_DS_DEGRADED 1
#define GW_RRD_DS_LATENCY  2
#define GW_RRD_CORE_DS     3

/* The files of a target. */
#define GW_RRD_FILE_MAIN   0
#define GW_RRD_FILE_SPREAD 1
#define GW_RRD_FILES_MAX   2

/* The data sources of an item's file. */
#define GW_RRD_ITEM_DS_UP      0
#define GW_RRD_ITEM_DS_WORKING 1

/* What a series stores: a target's results, or one item of a feed. */
enum gw_rrd_kind {
    GW_RRD_KIND_TARGET,
    GW_RRD_KIND_ITEM,
};

/* Rows of the full-resolution tier at most. */
#define GW_RRD_FULL_ROWS_MAX 2880

/* One data source: RRD's name rules (1 to 19 of [A-Za-z0-9_]); NAN = unbounded. */
struct gw_rrd_ds {
    char name[GW_FIGURE_NAME_MAX];
    double min, max;
};

/*
 * The immutable description of one target's RRD files. Reference-counted with
 * atomics, so the loop thread and the writer thread may each hold references.
 */
struct gw_rrd_series;

/*
 * A series for the target `target` of council `council`, stored under
 * `data_dir` (all copied), with a step of `step_s` seconds (0 is taken as 1)
 * and the data sources up, degraded, latency and then `figures` (borrowed for
 * the call). A declared figure named up, degraded or latency is the core data
 * source of that name and is not added twice.
 *
 * Returns NULL when no valid file can be made of the input: an empty data_dir,
 * a council or target that is empty, ".", ".." or contains '/', a figure name
 * that breaks RRD's rules, or two figures of the same name. Caller releases
 * with gw_rrd_series_unref.
 */
struct gw_rrd_series *gw_rrd_series_new(const char *data_dir, const char *council,
                                        const char *target, uint32_t step_s,
                                        const struct gw_figure_decl *figures, size_t n_figures);
/*
 * The series of one item of a feed target: the file `item_file`.rrd (a name
 * from gw_rrd_schema_item_file) in <data_dir>/<council>/<target>.items/, its
 * id "<council>/<target>/<item_file>". Same rules and ownership as
 * gw_rrd_series_new; NULL also when item_file is not one path component.
 */
struct gw_rrd_series *gw_rrd_series_new_item(const char *data_dir, const char *council,
                                             const char *target, const char *item_file,
                                             uint32_t step_s);
/*
 * The file name (without .rrd) of an item's id: letters, digits, - and _
 * as they are, '.' too except first, every other byte as %XX. One that
 * does not fit `size` (at least 32) is cut and ends in "~" and 16 hex digits
 * of a hash of the whole id. "%" for an empty id.
 */
void gw_rrd_schema_item_file(const char *item_id, char *out, size_t size);
/* Takes one more reference; returns s. Any thread. */
struct gw_rrd_series *gw_rrd_series_ref(struct gw_rrd_series *s);
/* Drops one reference, freeing the series with the last. NULL does nothing. Any thread. */
void gw_rrd_series_unref(struct gw_rrd_series *s);

/* "<data_dir>/<council>/<target>.rrd", the main file. Borrowed for the series' life. */
const char *gw_rrd_series_path(const struct gw_rrd_series *s);
/* "<data_dir>/<council>", the directory of the files. Borrowed. */
const char *gw_rrd_series_dir(const struct gw_rrd_series *s);
/* "<council>/<target>", for messages. Borrowed. */
const char *gw_rrd_series_id(const struct gw_rrd_series *s);
/* A target's series or an item's. */
enum gw_rrd_kind gw_rrd_series_kind(const struct gw_rrd_series *s);
/* The step in seconds (at least 1). */
uint32_t gw_rrd_series_step(const struct gw_rrd_series *s);
/* Number of data sources, core ones included: the length of a row of values. */
size_t gw_rrd_series_ds_count(const struct gw_rrd_series *s);
/* Data source i (< ds_count). Borrowed for the series' life. */
const struct gw_rrd_ds *gw_rrd_series_ds(const struct gw_rrd_series *s, size_t i);

/* Number of files of the series: GW_RRD_FILE_MAIN, then GW_RRD_FILE_SPREAD if any. */
size_t gw_rrd_series_file_count(const struct gw_rrd_series *s);
/* The local path of file f (< file_count). Borrowed. */
const char *gw_rrd_series_file_path(const struct gw_rrd_series *s, size_t f);
/*
 * The name of file f relative to the data directory, "<council>/<target>.rrd"
 * or "<council>/<target>.spread.rrd": what a remote rrdcached is told, its
 * base directory standing for the data directory. Borrowed.
 */
const char *gw_rrd_series_file_name(const struct gw_rrd_series *s, size_t f);
/* Number of data sources of file f. */
size_t gw_rrd_series_file_ds_count(const struct gw_rrd_series *s, size_t f);
/* The series data source (index into a row) that is data source i of file f. */
size_t gw_rrd_series_file_ds(const struct gw_rrd_series *s, size_t f, size_t i);

/*
 * The DS:... and RRA:... arguments of rrd_create for file f of the series (the
 * step is passed to rrd_create separately). *argv_out is NULL-terminated and
 * holds *argc_out strings; caller frees with gw_rrd_schema_args_free.
 * Returns 0, or -EINVAL when f is not a file of the series.
 */
int gw_rrd_schema_create_args(const struct gw_rrd_series *s, size_t f, char ***argv_out,
                              int *argc_out);
/* Frees an argv from gw_rrd_schema_create_args. NULL does nothing. */
void gw_rrd_schema_args_free(char **argv);
/*
 * "DS:<name>:GAUGE:<heartbeat>:<min>:<max>" for series data source i, as
 * rrd_create and rrd_tune take it. Caller frees.
 */
char *gw_rrd_schema_ds_arg(const struct gw_rrd_series *s, size_t i);

/*
 * The size in bytes of file f of a target with this step and `n_ds` data
 * sources in its main file (0 when the target has no such file): rows x data
 * sources x 8 bytes of values, plus the header (librrd's on-disk structures as
 * laid out on an LP64 system: per data source, per archive and per data
 * source in each archive). Exact for librrd 1.x on 64-bit Linux; a close
 * estimate elsewhere.
 */
uint64_t gw_rrd_schema_file_size(uint32_t step_s, size_t f, size_t n_ds);
/* All files of such a target together. */
uint64_t gw_rrd_schema_target_size(uint32_t step_s, size_t n_ds);
/* The size in bytes of one item's file at this step. */
uint64_t gw_rrd_schema_item_file_size(uint32_t step_s);
/*
 * The number of data sources of the main file of a target whose check
 * declares `figures` (borrowed): the core ones and each other name once.
 */
size_t gw_rrd_schema_ds_count(const struct gw_figure_decl *figures, size_t n_figures);

/*
 * Fills values[0 .. ds_count) with the row of `result` (borrowed): up,
 * degraded and latency from the status and the `latency` figure, then the
 * declared figures by name. NAN stands for unknown (a figure the result does
 * not have, or any value that is not finite).
 */
void gw_rrd_schema_values(const struct gw_rrd_series *s, const struct gw_result *result,
                          double *values);

/*
 * The row of an item's file (up, working) for an item status (enum
 * gw_item_status) and its GW_ITEM_* flags: `working` only for rapid charge
 * points.
 */
void gw_rrd_schema_item_values(int status, uint32_t flags, double values[2]);

#endif
