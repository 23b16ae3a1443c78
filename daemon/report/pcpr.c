#include "report/pcpr.h"

#include <math.h>

void gw_pcpr_add(struct gw_pcpr *p, enum gw_pcpr_state state, int64_t ms)
{
    if (ms <= 0)
        return;
    switch (state) {
    case GW_PCPR_WORKING:
        p->working_ms += ms;
        break;
    case GW_PCPR_BROKEN:
        p->broken_ms += ms;
        break;
    case GW_PCPR_OUT_OF_SERVICE:
        p->out_of_service_ms += ms;
        break;
    case GW_PCPR_NO_DATA:
        p->no_data_ms += ms;
        break;
    }
}

void gw_pcpr_add_ratio(struct gw_pcpr *p, double ratio, int64_t ms)
{
    if (ms <= 0)
        return;
    if (isnan(ratio)) {
        p->no_data_ms += ms;
        return;
    }
    ratio = ratio < 0 ? 0 : ratio > 1 ? 1 : ratio;
    int64_t working = llround(ratio * (double)ms);
    p->working_ms += working;
    p->broken_ms += ms - working;
}

void gw_pcpr_observe(struct gw_pcpr *p, const struct gw_pcpr_obs *obs, size_t n, int64_t start_ms,
                     int64_t end_ms, int64_t max_gap_ms)
{
    int64_t t = start_ms;
    for (size_t i = 0; i < n && t < end_ms; i++) {
        int64_t from = obs[i].time_ms, until = from + max_gap_ms;
        if (i + 1 < n && obs[i + 1].time_ms < until)
            until = obs[i + 1].time_ms;
        if (until > end_ms)
            until = end_ms;
        if (until <= t)
            continue;
        if (from > t) {
            int64_t gap_end = from < end_ms ? from : end_ms;
            gw_pcpr_add(p, GW_PCPR_NO_DATA, gap_end - t);
            t = gap_end;
        }
        if (until > t) {
            gw_pcpr_add(p, obs[i].state, until - t);
            t = until;
        }
    }
    if (t < end_ms)
        gw_pcpr_add(p, GW_PCPR_NO_DATA, end_ms - t);
}

void gw_pcpr_sum(struct gw_pcpr *a, const struct gw_pcpr *b)
{
    a->working_ms += b->working_ms;
    a->broken_ms += b->broken_ms;
    a->out_of_service_ms += b->out_of_service_ms;
    a->no_data_ms += b->no_data_ms;
}

double gw_pcpr_reliability(const struct gw_pcpr *p)
{
    int64_t counted = p->working_ms + p->broken_ms;
    return counted > 0 ? (double)p->working_ms / (double)counted : NAN;
}
