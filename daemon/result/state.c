#include "result/state.h"

enum klass { CLASS_UP, CLASS_FAIL, CLASS_UNKNOWN, CLASS_PENDING };

static enum klass class_of(uint8_t s)
{
    switch (s) {
    case GW_STATUS_UP:
        return CLASS_UP;
    case GW_STATUS_DEGRADED:
    case GW_STATUS_DOWN:
        return CLASS_FAIL;
    case GW_STATUS_UNKNOWN:
        return CLASS_UNKNOWN;
    default:
        return CLASS_PENDING;
    }
}

void gw_state_init(struct gw_state *state)
{
    *state = (struct gw_state){.hard = GW_STATE_PENDING, .last = GW_STATE_PENDING};
}

struct gw_transition gw_state_feed(struct gw_state *state, enum gw_status status,
                                   uint32_t failure_threshold, uint32_t success_threshold,
                                   int64_t now_ms)
{
    struct gw_transition t = {.changed = false, .from = state->hard, .to = state->hard};
    enum klass k = class_of((uint8_t)status);
    if (state->results > 0 && class_of(state->last) == k)
        state->streak++;
    else
        state->streak = 1;
    state->last = (uint8_t)status;
    state->results++;

    if (class_of(state->hard) == k) {
        if (state->hard != status) { /* DOWN <-> DEGRADED */
            t.changed = true;
            t.to = (uint8_t)status;
            t.after = state->streak;
        }
    } else {
        uint32_t need = k == CLASS_UP ? success_threshold : failure_threshold;
        if (k == CLASS_UP && state->hard == GW_STATE_PENDING)
            need = 1;
        if (need == 0)
            need = 1;
        if (state->streak >= need) {
            t.changed = true;
            t.to = (uint8_t)status;
            t.after = state->streak;
        }
    }
    if (t.changed) {
        state->hard = t.to;
        state->since_ms = now_ms;
    }
    return t;
}

const char *gw_state_name(uint8_t state)
{
    switch (state) {
    case GW_STATUS_UP:
        return "UP";
    case GW_STATUS_DEGRADED:
        return "DEGRADED";
    case GW_STATUS_DOWN:
        return "DOWN";
    case GW_STATUS_UNKNOWN:
        return "UNKNOWN";
    default:
        return "PENDING";
    }
}
