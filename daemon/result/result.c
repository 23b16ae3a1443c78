#include "result/result.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_result_set_figure(struct gw_result *result, const char *name, double value)
{
    if (!name || strlen(name) >= GW_FIGURE_NAME_MAX)
        return;
    for (size_t i = 0; i < result->n_figures; i++) {
        if (strcmp(result->figures[i].name, name) == 0) {
            result->figures[i].value = value;
            return;
        }
    }
    if (result->n_figures == GW_RESULT_MAX_FIGURES)
        return;
    struct gw_result_figure *f = &result->figures[result->n_figures++];
    strcpy(f->name, name);
    f->value = value;
}

void gw_result_add_detail(struct gw_result *result, const char *key, const char *text)
{
    if (result->n_details == GW_RESULT_MAX_DETAILS)
        return;
    struct gw_result_detail *d = &result->details[result->n_details++];
    snprintf(d->key, sizeof(d->key), "%s", key ? key : "");
    snprintf(d->text, sizeof(d->text), "%s", text ? text : "");
}

/* Lost samples (NAN) sort after every measured one. */
static int sample_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);
    return (x > y) - (x < y);
}

void gw_result_set_samples(struct gw_result *result, const double *samples, size_t n)
{
    enum { MAX_SAMPLES = 20 };
    double sorted[MAX_SAMPLES];
    if (n > MAX_SAMPLES)
        n = MAX_SAMPLES;
    if (n == 0)
        return;
    memcpy(sorted, samples, n * sizeof(double));
    qsort(sorted, n, sizeof(double), sample_cmp);
    size_t got = 0;
    while (got < n && !isnan(sorted[got]))
        got++;
    double median = NAN;
    if (got > 0)
        median = got % 2 ? sorted[got / 2] : (sorted[got / 2 - 1] + sorted[got / 2]) / 2.0;
    gw_result_set_figure(result, "median", median);
    gw_result_set_figure(result, "loss", (double)(n - got) / (double)n);
    for (size_t i = 0; i < n; i++) {
        char name[8];
        snprintf(name, sizeof(name), "s%02zu", i + 1);
        gw_result_set_figure(result, name, sorted[i]);
    }
}

double gw_result_figure(const struct gw_result *result, const char *name)
{
    for (size_t i = 0; i < result->n_figures; i++)
        if (strcmp(result->figures[i].name, name) == 0)
            return result->figures[i].value;
    return NAN;
}

const char *gw_status_name(enum gw_status status)
{
    switch (status) {
    case GW_STATUS_UP:
        return "UP";
    case GW_STATUS_DEGRADED:
        return "DEGRADED";
    case GW_STATUS_DOWN:
        return "DOWN";
    default:
        return "UNKNOWN";
    }
}

const char *gw_status_word(enum gw_status status)
{
    switch (status) {
    case GW_STATUS_UP:
        return "up";
    case GW_STATUS_DEGRADED:
        return "degraded";
    case GW_STATUS_DOWN:
        return "down";
    default:
        return "unknown";
    }
}
