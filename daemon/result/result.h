/*
 * The result of one check, and the completion funnel every check ends in.
 */
#ifndef GW_RESULT_H
#define GW_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include <gwyliwr/plugin.h>

#define GW_RESULT_MAX_FIGURES 48
#define GW_FIGURE_NAME_MAX    20 /* RRD's limit of 19 characters, and a NUL */

struct gw_result_figure {
    char name[GW_FIGURE_NAME_MAX];
    double value;
};

#define GW_RESULT_MAX_DETAILS 16

/* A line of explanation for people ("tls: TLSv1.3"), not stored as a figure. */
struct gw_result_detail {
    char key[24];
    char text[232];
};

struct gw_items;

struct gw_result {
    enum gw_status status;
    char reason[32];         /* "" when up */
    char message[320];       /* a sentence for people */
    int64_t time_ms;         /* wall clock when the check ended */
    int64_t started_mono_ms; /* monotonic start */
    uint64_t lateness_ms;    /* actual start minus planned start */
    size_t n_figures;
    struct gw_result_figure figures[GW_RESULT_MAX_FIGURES];
    size_t n_details;
    struct gw_result_detail details[GW_RESULT_MAX_DETAILS];
    /*
     * The complete item list of a feed check (result/items.h), or NULL.
     * Borrowed for the callback that hands the result over: whoever keeps
     * it takes a reference (gw_items_ref).
     */
    struct gw_items *items;
    /* The plugin asked that the next check wait this long (HTTP 429); 0: no. */
    uint64_t retry_after_ms;
};

/* Sets (or replaces) a figure. Names that are too long or too many are dropped. */
void gw_result_set_figure(struct gw_result *result, const char *name, double value);
/* Adds a detail line (key and text truncated to fit); beyond the maximum, dropped. */
void gw_result_add_detail(struct gw_result *result, const char *key, const char *text);
/*
 * Records the samples of a round: the figures "median" and "loss" and the
 * sorted samples "s01".."sNN" (lost samples, NAN, sort last). At most 20.
 */
void gw_result_set_samples(struct gw_result *result, const double *samples, size_t n);
/* The figure's value, or NAN when the result does not have it. */
double gw_result_figure(const struct gw_result *result, const char *name);
/* "UP", "DEGRADED", "DOWN", "UNKNOWN". */
const char *gw_status_name(enum gw_status status);
/* "up", "degraded", "down", "unknown". */
const char *gw_status_word(enum gw_status status);

#endif
