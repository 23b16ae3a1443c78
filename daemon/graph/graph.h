/*
 * Graphs of what the RRD files hold, drawn with librrd (rrd_graph_v) as PNG
 * or SVG, in English or Welsh:
 *
 *   council/target  availability band (red where down, amber where
 *                   degraded, grey where nothing is known), latency with its
 *                   min-max spread, or the "smoke" of the samples when the
 *                   check takes several, HTTP phases stacked, feed counts;
 *   council         one strip per target over time, and the council as a whole;
 *   wales           one strip per council, and Wales as a whole.
 *
 * Each target's data sources are found by asking its files which they hold
 * (rrd_info): <data_dir>/<council>/<target>.rrd and any
 * <target>.<part>.rrd beside it. A data source that no file holds is simply
 * not drawn.
 *
 * librrd's graphing is not thread-safe: every librrd call made here runs
 * under one mutex, so any thread may call gw_graph_render, one at a time.
 * Rendering blocks on file I/O: never call it on the loop thread.
 */
#ifndef GW_GRAPH_H
#define GW_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "i18n/i18n.h"

enum gw_graph_format {
    GW_GRAPH_PNG,
    GW_GRAPH_SVG,
};

enum gw_graph_period {
    GW_GRAPH_PERIOD_1H,
    GW_GRAPH_PERIOD_1D,
    GW_GRAPH_PERIOD_7D,
    GW_GRAPH_PERIOD_30D,
    GW_GRAPH_PERIOD_365D,
    GW_GRAPH_PERIOD_CUSTOM, /* start and end given: the title shows the dates */
};

/* Image sizes accepted, in pixels. */
#define GW_GRAPH_WIDTH_MIN  300u
#define GW_GRAPH_WIDTH_MAX  4000u
#define GW_GRAPH_HEIGHT_MIN 150u
#define GW_GRAPH_HEIGHT_MAX 4000u

struct gw_graph_request {
    const char *subject; /* "wales", "<council>" or "<council>/<target>"; borrowed */
    int64_t start_s;     /* wall clock, seconds since the epoch; start < end */
    int64_t end_s;
    enum gw_graph_period period; /* names the span in the title */
    enum gw_lang lang;
    enum gw_graph_format format;
    unsigned width, height; /* the whole image; 0 and 0: the subject's default size */
};

/* "1h", "1d", "7d", "30d" or "365d": 0 and *out set, or -EINVAL. */
int gw_graph_parse_period(const char *text, enum gw_graph_period *out);
/* The length of a period in seconds; 0 for GW_GRAPH_PERIOD_CUSTOM. */
int64_t gw_graph_period_seconds(enum gw_graph_period period);

/*
 * A point in time for --from / --to, relative to `now_s`: "now", "-2h" (a
 * duration before now), seconds since the epoch, an RFC 3339 time with its
 * zone, or "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]", "YYYY-MM-DDTHH:MM[:SS]" in
 * local time. Returns 0 and *out_s, or -EINVAL.
 */
int gw_graph_parse_time(const char *text, int64_t now_s, int64_t *out_s);

/* "WIDTHxHEIGHT" within the limits above: 0, or -EINVAL / -ERANGE. */
int gw_graph_parse_size(const char *text, unsigned *width, unsigned *height);

/* The format a file name asks for by its extension (.png, .svg, any case): 0, or -EINVAL. */
int gw_graph_format_of_path(const char *path, enum gw_graph_format *out);

/*
 * Draws the graph `req` asks for from the RRD files of `config` (borrowed).
 * On success returns 0 and sets *data_out (caller frees) and *size_out to
 * the image. On failure returns a negative errno and sets *error_out to a
 * sentence (caller frees):
 *   -ENOENT   the subject names no council or target of the configuration;
 *   -ENODATA  none of the subject's RRD files exists yet;
 *   -EINVAL   a request out of range (times, size);
 *   -EIO      librrd failed (its message is in the sentence).
 * With daemon.rrdcached set, each file is flushed through rrdcached first
 * (best effort: when rrdcached cannot be reached, what is on disk is drawn).
 */
int gw_graph_render(const struct gw_config *config, const struct gw_graph_request *req,
                    unsigned char **data_out, size_t *size_out, char **error_out);

#endif
