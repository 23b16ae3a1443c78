#include "result.h"

#include <math.h>
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
