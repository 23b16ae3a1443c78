/*
 * What the files of the graph module share; nothing outside daemon/graph/
 * includes this. The module, in the order a drawing runs:
 *
 *   graph.c            the public entry (graph.h): the request checked, the
 *                      subject found, periods, times and sizes parsed, titles
 *   graph_catalogue.c  which RRD file holds which data source, and each
 *                      source's figures over the span (reads the files)
 *   graph_target.c     the graph of one target
 *   graph_strips.c     strips: a council's targets, or the councils of Wales
 *   graph_text.c       figures as text (availability, durations, ms)
 *   graph_draw.c       librrd's argument list, and the call into rrd_graph_v
 *                      under the one lock librrd needs
 *   graph_svg.c        the SVG finished: sized in pixels, titled, described
 *
 * Every librrd call of the module runs between gw_graph_draw_lock and
 * gw_graph_draw_unlock (gw_graph_render takes the lock once per drawing).
 */
#ifndef GW_GRAPH_INTERNAL_H
#define GW_GRAPH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "graph/graph.h"
#include "i18n/i18n.h"
#include "util/strbuf.h"

#define FONT "DejaVu Sans"

/* Status colours, and the same colours see-through for shading behind a line. */
#define COLOR_UP          "#3A9D4A"
#define COLOR_DEGRADED    "#F2A900"
#define COLOR_DOWN        "#D62728"
#define COLOR_NO_DATA     "#CFCFCF"
#define SHADE_DEGRADED    "#F2A90080"
#define SHADE_DOWN        "#D6272880"
#define SHADE_NO_DATA     "#CFCFCF80"
#define COLOR_LATENCY     "#1F5FA8"
#define SHADE_LATENCY     "#1F5FA833"
#define SHADE_SMOKE       "#1F5FA824"
#define COLOR_TOTAL       "#333333"
#define SHADE_OPERATIONAL "#3A9D4A55"
#define COLOR_AVAILABLE   "#1F5FA8"
#define COLOR_EXCLUDED    "#E8E8E8"
#define INVISIBLE         "#00000000"

/* Legend lines below the labels of a strip graph: a blank one and two of colour key. */
#define STRIP_KEY_LINES 3

/* One drawing in progress. */
struct graph_render {
    const struct gw_config *config;
    const struct gw_graph_request *req;
    unsigned width, height;
    char *title;           /* markup */
    char *title_text;      /* plain, for the SVG <title> */
    struct gw_strbuf desc; /* plain, for the SVG <desc> */
    bool cached;           /* connected to rrdcached */
};

/* Sets r->title and r->title_text: a bold head, then `middle` (may be NULL),
 * then the period. The strings are copied. */
void gw_graph_set_title(struct graph_render *r, const char *head, const char *middle);

/* ---- graph_draw.c: librrd's argument list and rrd_graph_v ------------------ */

/* The argv of rrd_graph_v: NULL-terminated once anything is added. Zeroed is empty. */
struct graph_args {
    char **v;
    size_t n, cap;
};

/* What rrd_graph_v drew, and where it placed the canvas and legend lines. */
struct graph_out {
    unsigned char *image;
    size_t size;
    long graph_top, graph_height;
    long *label_top, *label_bottom; /* of legend entries, in order */
    size_t n_labels;
};

/* librrd's graphing keeps global state: one drawing at a time in the process. */
void gw_graph_draw_lock(void);
void gw_graph_draw_unlock(void);

/* Appends one printf-formatted argument. */
void gw_graph_draw_arg(struct graph_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Frees the arguments and leaves the list empty. */
void gw_graph_draw_args_free(struct graph_args *a);

/* The arguments every graph starts with: format, size, span, title, fonts, colours. */
void gw_graph_draw_common(struct graph_args *a, const struct graph_render *r);

/* A legend entry that draws nothing: a swatch of `color` with `text`. */
void gw_graph_draw_key(struct graph_args *a, const char *nil, const char *color, const char *text,
                       const char *end);

/* Appends `s` as text inside a graph element: markup escaped, ':' escaped for
 * librrd, and no backslash, which would start one of librrd's legend controls. */
void gw_graph_draw_element_text(struct gw_strbuf *b, const char *s);

/* Legend text for a drawn element: escaped, with an optional end control
 * ("\\l"). Caller frees. */
char *gw_graph_draw_legend(const char *text, const char *end);

/*
 * Runs rrd_graph_v on `a`; the caller holds the lock. 0 and *out filled
 * (free with gw_graph_draw_out_free), or -EIO and *error_out (caller frees).
 */
int gw_graph_draw_run(struct graph_args *a, struct graph_out *out, char **error_out);
/* Frees what *o holds and zeroes it. */
void gw_graph_draw_out_free(struct graph_out *o);

/* ---- graph_catalogue.c: which file holds which data source ----------------- */

/* The consolidation functions a file's archives use. */
enum graph_cf {
    GRAPH_CF_AVERAGE,
    GRAPH_CF_MIN,
    GRAPH_CF_MAX,
    GRAPH_CF_COUNT,
};

struct graph_part {
    char *path;
    char *def_path; /* path escaped for DEF */
    bool has_cf[GRAPH_CF_COUNT];
};

/* One data source of one file; a name may be in several files (with other archives). */
struct graph_ds {
    char *name;
    size_t part;
    /* Over the graph's span, from the AVERAGE archive. */
    size_t n_known;
    double sum, max;
    double step_s;
};

/* The files of one target and what they hold. Zeroed is empty. */
struct graph_catalogue {
    struct graph_part *parts;
    size_t n_parts;
    struct graph_ds *ds;
    size_t n_ds;
};

/* "AVERAGE", "MIN" or "MAX", as librrd names them. */
const char *gw_graph_catalogue_cf_name(enum graph_cf cf);

/* Adds <data_dir>/<council>/<target>.rrd, then <target>.<part>.rrd in name
 * order; a file librrd cannot read, or that holds nothing, is left out. */
void gw_graph_catalogue_scan(struct graph_catalogue *cat, const char *data_dir, const char *council,
                             const char *target);
/* Flushes the files through rrdcached (when `connected`), best effort. */
void gw_graph_catalogue_flush(const struct graph_catalogue *cat, bool connected);
/* Sums, counts and maxima of every data source over [start_s, end_s]. */
void gw_graph_catalogue_stats(struct graph_catalogue *cat, int64_t start_s, int64_t end_s,
                              unsigned long step_s);
/* Frees what the catalogue holds and zeroes it. */
void gw_graph_catalogue_free(struct graph_catalogue *cat);

/* The first file's data source `name` consolidated with `cf` (borrowed), or NULL. */
const struct graph_ds *gw_graph_catalogue_find_cf(const struct graph_catalogue *cat,
                                                  const char *name, enum graph_cf cf);
/* Where `name` is averaged: what is drawn as a line and measured; or NULL. */
const struct graph_ds *gw_graph_catalogue_find(const struct graph_catalogue *cat, const char *name);
/* The mean over the span; NAN when nothing is known or `ds` is NULL. */
double gw_graph_catalogue_mean(const struct graph_ds *ds);
/* Seconds of downtime of an "up" source: the known rows' share of "not up", in time. */
double gw_graph_catalogue_downtime_s(const struct graph_ds *ds);

/* ---- graph_text.c: figures as text ----------------------------------------- */

/* "99.95 %", rounded down so that any downtime keeps it below 100; with
 * `pad`, padded on the left with figure spaces so columns line up; "—" for NAN. */
void gw_graph_text_availability(struct gw_strbuf *b, double ratio, bool pad);
/* A duration in seconds, minutes, hours and minutes, or days, in the words of `lang`. */
void gw_graph_text_duration(struct gw_strbuf *b, double seconds, enum gw_lang lang);
/* "12.3" for milliseconds: one decimal below 100, none above. */
void gw_graph_text_ms(struct gw_strbuf *b, double seconds);

/* ---- the subjects ------------------------------------------------------------ */

/* Each draws into *out (free with gw_graph_draw_out_free) under the lock,
 * and adds its figures to r->desc. 0, or a negative errno and *error_out
 * (caller frees): -ENODATA when the subject has no file yet, -EIO. */
int gw_graph_target_render(struct graph_render *r, const struct gw_council_conf *council,
                           const struct gw_target_conf *target, struct graph_out *out,
                           char **error_out);
int gw_graph_strips_render_council(struct graph_render *r, const struct gw_council_conf *council,
                                   struct graph_out *out, char **error_out);
int gw_graph_strips_render_wales(struct graph_render *r, struct graph_out *out, char **error_out);

/* ---- graph_svg.c ------------------------------------------------------------------ */

/* The SVG of `len` bytes as a page shows it: sized in pixels, with r's title
 * as <title> and r->desc as <desc>, in the request's language. Returns a new
 * image (caller frees) and sets *len_out. */
unsigned char *gw_graph_svg_finish(const unsigned char *svg, size_t len,
                                   const struct graph_render *r, size_t *len_out);

#endif
