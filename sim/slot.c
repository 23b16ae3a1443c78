#include "slot.h"

#include <stdlib.h>

#include "util/log.h"
#include "util/xalloc.h"

struct sim_slot *sim_slot_new(const char *name, enum sim_behav_kind kind, struct sim_behav *base)
{
    struct sim_slot *s = gw_xcalloc(1, sizeof(*s));
    s->name = gw_xstrdup(name);
    s->kind = kind;
    s->base = base;
    s->current = base;
    s->phase = -1;
    return s;
}

void sim_slot_add_phase(struct sim_slot *s, uint64_t after_ms, struct sim_behav *behav)
{
    s->phases = gw_xreallocarray(s->phases, s->n_phases + 1, sizeof(*s->phases));
    s->phases[s->n_phases++] = (struct sim_phase){after_ms, behav};
}

void sim_slot_free(struct sim_slot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_phases; i++)
        sim_behav_unref(s->phases[i].behav);
    free(s->phases);
    sim_behav_unref(s->control);
    sim_behav_unref(s->base);
    free(s->name);
    free(s);
}

long sim_slot_phase_at(const uint64_t *afters, size_t n, uint64_t repeat_ms, uint64_t elapsed_ms,
                       uint64_t *next_ms)
{
    uint64_t t = repeat_ms ? elapsed_ms % repeat_ms : elapsed_ms;
    long phase = -1;
    size_t i = 0;
    while (i < n && afters[i] <= t)
        phase = (long)i++;
    if (i < n)
        *next_ms = afters[i] - t;
    else if (repeat_ms)
        *next_ms = repeat_ms - t;
    else
        *next_ms = UINT64_MAX;
    return phase;
}

/* Which behaviour the schedule puts in force for a phase index. */
static struct sim_behav *phase_behav(const struct sim_slot *s, long phase)
{
    return phase < 0 ? s->base : s->phases[phase].behav;
}

static void slot_timer_cb(uv_timer_t *timer);

/* Re-reads the schedule at loop time `now` and arms the timer for the next boundary. */
static long slot_tick(struct sim_slot *s, uint64_t now)
{
    uint64_t afters_small[16];
    uint64_t *afters = s->n_phases <= 16 ? afters_small : gw_xcalloc(s->n_phases, sizeof(*afters));
    for (size_t i = 0; i < s->n_phases; i++)
        afters[i] = s->phases[i].after_ms;
    uint64_t next = UINT64_MAX;
    uint64_t elapsed = now >= s->start_ms ? now - s->start_ms : 0;
    long phase = sim_slot_phase_at(afters, s->n_phases, s->repeat_ms, elapsed, &next);
    if (afters != afters_small)
        free(afters);
    if (next != UINT64_MAX)
        uv_timer_start(s->timer, slot_timer_cb, next, 0);
    return phase;
}

static void slot_timer_cb(uv_timer_t *timer)
{
    struct sim_slot *s = timer->data;
    long phase = slot_tick(s, uv_now(timer->loop));
    if (phase == s->phase)
        return;
    s->phase = phase;
    if (s->control)
        return;
    s->current = phase_behav(s, phase);
    s->changed_cb(s, s->cb_data);
}

static void timer_free_cb(uv_handle_t *h)
{
    free(h);
}

int sim_slot_start(struct sim_slot *s, uv_loop_t *loop, uint64_t start_ms, sim_slot_changed_cb cb,
                   void *data)
{
    s->start_ms = start_ms;
    s->changed_cb = cb;
    s->cb_data = data;
    s->timer = gw_xmalloc(sizeof(*s->timer));
    uv_timer_init(loop, s->timer);
    s->timer->data = s;
    s->phase = slot_tick(s, uv_now(loop));
    s->current = s->control ? s->control : phase_behav(s, s->phase);
    return 0;
}

void sim_slot_stop(struct sim_slot *s)
{
    if (!s->timer)
        return;
    uv_close((uv_handle_t *)s->timer, timer_free_cb);
    s->timer = NULL;
}

bool sim_slot_set_control(struct sim_slot *s, struct sim_behav *b)
{
    sim_behav_unref(s->control);
    s->control = b;
    struct sim_behav *now = b ? b : phase_behav(s, s->phase);
    bool changed = now != s->current;
    s->current = now;
    return changed;
}
