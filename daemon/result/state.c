#include "result/state.h"

#include <errno.h>
#include <string.h>

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
    *state = (struct gw_state){.hard = GW_STATE_PENDING,
                               .last = GW_STATE_PENDING,
                               .flap_last = GW_STATE_PENDING,
                               .told = GW_STATE_PENDING};
}

#define FLAP_CHANGES (GW_STATE_FLAP_RESULTS - 1)

/*
 * Nagios's curve: the change between results x-1 and x (x = 1 the oldest
 * pair) weighs 0.75 + 0.5 (x-1)/19. In 76ths, so sums are exact: the newest
 * weighs 95/76, the oldest 57/76, all twenty together 1520/76 = 20.
 */
double gw_state_flap_percent(const struct gw_state *state)
{
    uint32_t sum = 0;
    for (int i = 0; i < FLAP_CHANGES; i++)
        if (state->flap_changes & (1u << i))
            sum += 57u + 2u * (uint32_t)(FLAP_CHANGES - 1 - i);
    return (double)sum * 100.0 / 1520.0;
}

static int feed_flapping(struct gw_state *state, enum gw_status status,
                         const struct gw_state_params *params, double *percent)
{
    *percent = gw_state_flap_percent(state);
    if (status == GW_STATUS_UNKNOWN)
        return 0; /* we could not tell: no evidence of the target's state */
    if (state->flap_last != GW_STATE_PENDING) {
        uint32_t changed = state->flap_last != (uint8_t)status;
        state->flap_changes = ((state->flap_changes << 1) | changed) & ((1u << FLAP_CHANGES) - 1);
    }
    state->flap_last = (uint8_t)status;
    *percent = gw_state_flap_percent(state);
    if (params->flap_start <= 0)
        return 0;
    /* A tolerance below the percentages' resolution (1/15.2 %) keeps the
     * comparison exact for thresholds such as 50 %. */
    if (!state->flapping && *percent >= params->flap_start * 100.0 - 1e-9) {
        state->flapping = true;
        return 1;
    }
    if (state->flapping && *percent < params->flap_stop * 100.0 - 1e-9) {
        state->flapping = false;
        return -1;
    }
    return 0;
}

struct gw_transition gw_state_feed(struct gw_state *state, enum gw_status status,
                                   const struct gw_state_params *params, int64_t now_ms)
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
        uint32_t need = k == CLASS_UP ? params->success_threshold : params->failure_threshold;
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
        t.previous_since_ms = state->since_ms;
        state->hard = t.to;
        state->since_ms = now_ms;
    }
    t.flap = feed_flapping(state, status, params, &t.flap_percent);
    return t;
}

bool gw_state_soft(const struct gw_state *state)
{
    return state->results > 0 && class_of(state->last) != class_of(state->hard);
}

static bool told_kind(uint8_t s)
{
    return s == GW_STATUS_UP || s == GW_STATUS_DEGRADED || s == GW_STATUS_DOWN;
}

enum gw_notice gw_state_notice(struct gw_state *state, bool held)
{
    if (held)
        return GW_NOTICE_NONE;
    if (state->flapping != state->told_flapping) {
        state->told_flapping = state->flapping;
        if (state->flapping)
            return GW_NOTICE_FLAPPING;
        if (told_kind(state->hard))
            state->told = state->hard;
        return GW_NOTICE_SETTLED;
    }
    if (state->flapping || !told_kind(state->hard) || state->told == state->hard)
        return GW_NOTICE_NONE;
    if (state->told == GW_STATE_PENDING && state->hard == GW_STATUS_UP) {
        state->told = GW_STATUS_UP;
        return GW_NOTICE_NONE;
    }
    state->told = state->hard;
    return GW_NOTICE_STATE;
}

static int severity(uint8_t s)
{
    switch (s) {
    case GW_STATUS_UP:
        return 0;
    case GW_STATUS_DEGRADED:
        return 1;
    case GW_STATUS_DOWN:
        return 2;
    default:
        return -1;
    }
}

bool gw_state_wants(enum gw_notice notice, uint8_t to, uint8_t previous, uint8_t min_state,
                    bool send_recovery)
{
    if (notice == GW_NOTICE_NONE)
        return false;
    if (notice != GW_NOTICE_STATE)
        return true;
    if (to == GW_STATUS_UP && !send_recovery)
        return false;
    int min = severity(min_state);
    return severity(to) >= min || severity(previous) >= min;
}

enum gw_hold gw_state_hold(bool in_maintenance, const struct gw_state *parent)
{
    if (in_maintenance)
        return GW_HOLD_MAINTENANCE;
    if (parent && parent->hard == GW_STATUS_DOWN)
        return GW_HOLD_PARENT;
    return GW_HOLD_NONE;
}

static const char *const names[] = {"UP", "DEGRADED", "DOWN", "UNKNOWN", "PENDING"};
static const char *const words[] = {"up", "degraded", "down", "unknown", "pending"};

const char *gw_state_name(uint8_t state)
{
    return names[state <= GW_STATE_PENDING ? state : GW_STATE_PENDING];
}

const char *gw_state_word(uint8_t state)
{
    return words[state <= GW_STATE_PENDING ? state : GW_STATE_PENDING];
}

int gw_state_parse(const char *word, uint8_t *out)
{
    for (uint8_t i = 0; word && i <= GW_STATE_PENDING; i++)
        if (strcmp(word, words[i]) == 0) {
            *out = i;
            return 0;
        }
    return -EINVAL;
}
