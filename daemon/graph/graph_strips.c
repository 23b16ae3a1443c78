#include "graph/graph_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Strips of the council and Wales graphs: a strip whose members' mean
 * availability falls below this within a pixel is drawn as down. */
#define STRIP_DOWN_BELOW "0.5"
/* Legend font of the strip graphs before it is fitted to the strips. */
#define STRIP_FONT_PT        8.0
#define STRIP_FONT_MIN       5.0
#define STRIP_SLOT_LINES_MAX 3
#define STRIP_GAP_PX         3

struct member {
    const struct gw_target_conf *target;
    struct graph_catalogue cat;
    bool has_up, has_degraded;
    bool in_single, in_combined; /* drawn alone, or averaged into a strip */
};

struct strip {
    size_t first, count; /* members */
    bool combined;       /* members averaged, else one target */
    bool headline;       /* the whole council, or Wales: in bold */
    char *name;
    double availability;
};

struct strips {
    struct member *members;
    size_t n_members;
    struct strip *strips;
    size_t n_strips;
};

static void strips_add(struct strips *s, size_t first, size_t count, bool combined, bool headline,
                       const char *name)
{
    s->strips = gw_xreallocarray(s->strips, s->n_strips + 1, sizeof(*s->strips));
    double sum = 0;
    size_t n = 0;
    for (size_t j = first; j < first + count; j++) {
        double a = gw_graph_catalogue_mean(gw_graph_catalogue_find(&s->members[j].cat, "up"));
        if (!isnan(a)) {
            sum += a;
            n++;
        }
    }
    for (size_t j = first; j < first + count; j++) {
        s->members[j].in_single = s->members[j].in_single || !combined;
        s->members[j].in_combined = s->members[j].in_combined || combined;
    }
    s->strips[s->n_strips++] = (struct strip){.first = first,
                                              .count = count,
                                              .combined = combined,
                                              .headline = headline,
                                              .name = gw_xstrdup(name),
                                              .availability = n ? sum / (double)n : NAN};
}

static void strips_free(struct strips *s)
{
    for (size_t i = 0; i < s->n_members; i++)
        gw_graph_catalogue_free(&s->members[i].cat);
    for (size_t i = 0; i < s->n_strips; i++)
        free(s->strips[i].name);
    free(s->members);
    free(s->strips);
}

/* Scans and measures the targets [first, first + count) of the configuration. */
static void strips_add_members(struct strips *s, const struct graph_render *r, size_t first,
                               size_t count)
{
    const struct gw_config *config = r->config;
    int64_t span = r->req->end_s - r->req->start_s;
    unsigned long step =
        (unsigned long)(span / (int64_t)r->width > 0 ? span / (int64_t)r->width : 1);
    s->members = gw_xreallocarray(s->members, s->n_members + count, sizeof(*s->members));
    for (size_t i = first; i < first + count; i++) {
        const struct gw_target_conf *t = &config->targets[i];
        struct member *m = &s->members[s->n_members++];
        *m = (struct member){.target = t};
        gw_graph_catalogue_scan(&m->cat, config->daemon.data_dir, config->councils[t->council].id,
                                t->name);
        gw_graph_catalogue_flush(&m->cat, r->cached);
        gw_graph_catalogue_stats(&m->cat, r->req->start_s, r->req->end_s, step);
        m->has_up = gw_graph_catalogue_find(&m->cat, "up") != NULL;
        m->has_degraded = gw_graph_catalogue_find(&m->cat, "degraded") != NULL;
    }
}

/* The legend line of a strip: availability, then the name. Markup. */
static char *strip_label(const struct strip *st)
{
    struct gw_strbuf b = {0};
    if (st->headline)
        gw_strbuf_append(&b, "<b>");
    gw_graph_text_availability(&b, st->availability, true);
    gw_strbuf_append(&b, "   ");
    gw_graph_draw_element_text(&b, st->name);
    if (st->headline)
        gw_strbuf_append(&b, "</b>");
    gw_strbuf_append(&b, "\\l");
    return gw_strbuf_take(&b);
}

/*
 * Each strip has `slot` legend lines, its label on the middle one (the
 * first, when slot is even: then one blank line leads, so the strip,
 * centred on its label, starts below the top of the canvas).
 */
static size_t strip_lead_lines(int slot)
{
    return slot % 2 == 0 ? 1 : 0;
}

/* Index of the legend entry that labels strip i. */
static size_t strip_label_index(size_t i, int slot)
{
    return strip_lead_lines(slot) + i * (size_t)slot + (size_t)(slot - 1) / 2;
}

/* Everything but the strips themselves: what decides the legend's layout. */
static void add_strip_frame(struct graph_args *a, const struct graph_render *r,
                            const struct strips *s, const char *clock_def, double font_pt, int slot)
{
    enum gw_lang lang = r->req->lang;
    gw_graph_draw_common(a, r);
    gw_graph_draw_arg(a, "--legend-position=west");
    gw_graph_draw_arg(a, "--font=LEGEND:%.2f:" FONT, font_pt);
    gw_graph_draw_arg(a, "--y-grid=none");
    gw_graph_draw_arg(a, "--color=ARROW#FFFFFF00");
    gw_graph_draw_arg(a, "%s", clock_def);
    gw_graph_draw_arg(a, "CDEF:nil=clock,UN,UNKN,UNKN,IF");
    for (size_t l = 0; l < strip_lead_lines(slot); l++)
        gw_graph_draw_arg(a, "COMMENT:\u2007\\l");
    for (size_t i = 0; i < s->n_strips; i++) {
        for (int l = 0; l < slot; l++) {
            if (l == (slot - 1) / 2) {
                char *label = strip_label(&s->strips[i]);
                gw_graph_draw_arg(a, "COMMENT:%s", label);
                free(label);
            } else {
                gw_graph_draw_arg(a, "COMMENT:\u2007\\l");
            }
        }
    }
    gw_graph_draw_arg(a, "COMMENT:\u2007\\l");
    gw_graph_draw_key(a, "nil", COLOR_UP, gw_i18n_text(lang, GW_I18N_UP), "");
    gw_graph_draw_key(a, "nil", COLOR_DOWN, gw_i18n_text(lang, GW_I18N_DOWN), "\\l");
    gw_graph_draw_key(a, "nil", COLOR_DEGRADED, gw_i18n_text(lang, GW_I18N_PARTLY_DOWN), "");
    gw_graph_draw_key(a, "nil", COLOR_NO_DATA, gw_i18n_text(lang, GW_I18N_NO_DATA), "\\l");
}

static int strips_measure(const struct graph_render *r, const struct strips *s,
                          const char *clock_def, double font, int slot, struct graph_out *layout,
                          char **error_out)
{
    struct graph_args a = {0};
    add_strip_frame(&a, r, s, clock_def, font, slot);
    gw_graph_draw_arg(&a, "LINE1:clock" INVISIBLE);
    int rc = gw_graph_draw_run(&a, layout, error_out);
    gw_graph_draw_args_free(&a);
    if (rc == 0 && layout->n_labels < strip_label_index(s->n_strips - 1, slot) + 1) {
        gw_graph_draw_out_free(layout);
        *error_out = gw_xstrdup("cannot draw the graph: librrd placed no legend");
        rc = -EIO;
    }
    return rc;
}

/*
 * librrd cannot label a position on the value axis with text, so each strip
 * is drawn level with its line of the legend, which stands to the left of the
 * graph: a first drawing of the legend alone measures where its lines fall,
 * the spacing (or, when even one line each is too much, the font) is chosen
 * so the labels fill the canvas and the colour key fits below them, and a
 * second drawing measures the result. The strips are then placed there.
 */
static int strips_layout(const struct graph_render *r, const struct strips *s,
                         const char *clock_def, double *font_out, int *slot_out,
                         struct graph_out *layout, char **error_out)
{
    double font = STRIP_FONT_PT;
    int slot = 1;
    int rc = strips_measure(r, s, clock_def, font, slot, layout, error_out);
    if (rc < 0)
        return rc;
    size_t n = s->n_strips;
    double first = (double)layout->label_top[0];
    double line = n > 1
                      ? (double)(layout->label_top[n - 1] - layout->label_top[0]) / (double)(n - 1)
                      : (double)(layout->label_bottom[0] - layout->label_top[0]);
    double canvas_end = (double)(layout->graph_top + layout->graph_height);
    double image_end = (double)r->height - 2;
    for (slot = STRIP_SLOT_LINES_MAX; slot > 1; slot--) {
        double lines = (double)(strip_lead_lines(slot) + n * (size_t)slot);
        if (first + line * lines <= canvas_end &&
            first + line * (lines + STRIP_KEY_LINES) <= image_end)
            break;
    }
    if (slot == 1) {
        double fit = fmin((canvas_end - first) / (line * (double)n),
                          (image_end - first) / (line * (double)(n + STRIP_KEY_LINES)));
        if (fit < 1)
            font = fmax(STRIP_FONT_MIN, font * fit * 0.97);
    }
    if (font != STRIP_FONT_PT || slot != 1) {
        gw_graph_draw_out_free(layout);
        rc = strips_measure(r, s, clock_def, font, slot, layout, error_out);
        if (rc < 0)
            return rc;
    }
    *font_out = font;
    *slot_out = slot;
    return 0;
}

/* The DEFs of every member that strips use; returns the first as the clock. */
static char *add_member_defs(struct graph_args *a, const struct strips *s)
{
    char *clock = NULL;
    for (size_t j = 0; j < s->n_members; j++) {
        const struct member *m = &s->members[j];
        if (!m->has_up)
            continue;
        const char *path = m->cat.parts[gw_graph_catalogue_find(&m->cat, "up")->part].def_path;
        if (m->in_combined)
            gw_graph_draw_arg(a, "DEF:a%zu=%s:up:AVERAGE", j, path);
        if (m->in_single)
            gw_graph_draw_arg(a, "DEF:m%zu=%s:up:AVERAGE:reduce=MIN", j, path);
        if (m->has_degraded)
            gw_graph_draw_arg(
                a, "DEF:d%zu=%s:degraded:AVERAGE:reduce=MAX", j,
                m->cat.parts[gw_graph_catalogue_find(&m->cat, "degraded")->part].def_path);
        if (!clock)
            clock = gw_xasprintf("DEF:clock=%s:up:AVERAGE", path);
    }
    return clock;
}

/*
 * One strip: green, amber, red and grey segments stacked on an invisible
 * base, exactly one of them non-zero in each pixel. A single target is red
 * where it was down at all within the pixel, amber where degraded; a
 * combined strip is red where its members' mean availability is below
 * STRIP_DOWN_BELOW, amber where any was down or degraded.
 */
static void add_strip(struct graph_args *a, const struct strips *s, size_t i, long base, long h)
{
    const struct strip *st = &s->strips[i];
    struct gw_strbuf up = {0}, deg = {0};
    size_t n_up = 0, n_deg = 0;
    for (size_t j = st->first; j < st->first + st->count; j++) {
        if (s->members[j].has_up) {
            gw_strbuf_printf(&up, "%s%c%zu", n_up ? "," : "", st->combined ? 'a' : 'm', j);
            n_up++;
        }
        if (s->members[j].has_degraded) {
            gw_strbuf_printf(&deg, "%sd%zu", n_deg ? "," : "", j);
            n_deg++;
        }
    }
    if (n_up == 0) {
        gw_graph_draw_arg(a, "CDEF:s%zun=clock,UN,%ld,%ld,IF", i, h, h);
        gw_graph_draw_arg(a, "CDEF:s%zub=clock,UN,%ld,%ld,IF", i, base, base);
        gw_graph_draw_arg(a, "AREA:s%zub" INVISIBLE, i);
        gw_graph_draw_arg(a, "AREA:s%zun" COLOR_NO_DATA "::STACK", i);
        gw_strbuf_reset(&up);
        gw_strbuf_reset(&deg);
        return;
    }
    if (n_up == 1)
        gw_graph_draw_arg(a, "CDEF:s%zuu=%s", i, up.s);
    else
        gw_graph_draw_arg(a, "CDEF:s%zuu=%s,%zu,AVG", i, up.s, n_up);
    if (n_deg == 1)
        gw_graph_draw_arg(a, "CDEF:s%zuv=%s", i, deg.s);
    else if (n_deg > 1)
        gw_graph_draw_arg(a, "CDEF:s%zuv=%s,%zu,AVG", i, deg.s, n_deg);
    /* 1 where degraded, else 0 */
    char degraded[64];
    if (n_deg)
        snprintf(degraded, sizeof(degraded), "s%zuv,UN,0,s%zuv,0,GT,IF", i, i);
    else
        snprintf(degraded, sizeof(degraded), "0");
    const char *down_below = st->combined ? STRIP_DOWN_BELOW : "1";
    gw_graph_draw_arg(a, "CDEF:s%zun=s%zuu,UN,%ld,0,IF", i, i, h);
    gw_graph_draw_arg(a, "CDEF:s%zur=s%zuu,UN,0,s%zuu,%s,LT,%ld,0,IF,IF", i, i, i, down_below, h);
    if (st->combined)
        gw_graph_draw_arg(a, "CDEF:s%zuy=s%zuu,UN,0,s%zuu,%s,LT,0,s%zuu,1,LT,%s,MAX,%ld,*,IF,IF", i,
                          i, i, down_below, i, degraded, h);
    else
        gw_graph_draw_arg(a, "CDEF:s%zuy=s%zuu,UN,0,s%zuu,1,LT,0,%s,%ld,*,IF,IF", i, i, i, degraded,
                          h);
    gw_graph_draw_arg(a, "CDEF:s%zug=%ld,s%zun,-,s%zur,-,s%zuy,-", i, h, i, i, i);
    gw_graph_draw_arg(a, "CDEF:s%zub=s%zun,0,*,%ld,+", i, i, base);
    gw_graph_draw_arg(a, "AREA:s%zub" INVISIBLE, i);
    gw_graph_draw_arg(a, "AREA:s%zug" COLOR_UP "::STACK", i);
    gw_graph_draw_arg(a, "AREA:s%zuy" COLOR_DEGRADED "::STACK", i);
    gw_graph_draw_arg(a, "AREA:s%zur" COLOR_DOWN "::STACK", i);
    gw_graph_draw_arg(a, "AREA:s%zun" COLOR_NO_DATA "::STACK", i);
    gw_strbuf_reset(&up);
    gw_strbuf_reset(&deg);
}

static int render_strips(struct graph_render *r, struct strips *s, const char *what,
                         struct graph_out *out, char **error_out)
{
    struct graph_args a = {0};
    char *clock = add_member_defs(&a, s);
    gw_graph_draw_args_free(&a);
    if (!clock) {
        *error_out = gw_xasprintf("no data recorded for %s yet (no RRD file under %s)", what,
                                  r->config->daemon.data_dir);
        return -ENODATA;
    }
    double font;
    int slot;
    struct graph_out layout;
    int rc = strips_layout(r, s, clock, &font, &slot, &layout, error_out);
    if (rc < 0) {
        free(clock);
        return rc;
    }

    add_strip_frame(&a, r, s, clock, font, slot);
    free(clock);
    long height = layout.graph_height;
    gw_graph_draw_arg(&a, "--lower-limit=0");
    gw_graph_draw_arg(&a, "--upper-limit=%ld", height);
    gw_graph_draw_arg(&a, "--rigid");
    char *unused = add_member_defs(&a, s);
    free(unused);
    for (size_t i = 0; i < s->n_strips; i++) {
        size_t k = strip_label_index(i, slot);
        double pitch = s->n_strips > 1
                           ? (double)(layout.label_top[strip_label_index(s->n_strips - 1, slot)] -
                                      layout.label_top[strip_label_index(0, slot)]) /
                                 (double)(s->n_strips - 1)
                           : (double)(layout.label_bottom[k] - layout.label_top[k]) * slot;
        double centre = (double)(layout.label_top[k] + layout.label_bottom[k]) / 2.0;
        double gap = pitch > 4 * STRIP_GAP_PX ? STRIP_GAP_PX : 1;
        /* Pixel rows from the canvas top, turned into values (0 at the bottom). */
        long top = lround(centre - pitch / 2.0 + gap / 2.0) - layout.graph_top;
        long bottom = lround(centre + pitch / 2.0 - gap / 2.0) - layout.graph_top;
        if (bottom > height)
            bottom = height;
        if (top < 0)
            top = 0;
        if (bottom <= top)
            continue;
        add_strip(&a, s, i, height - bottom, bottom - top);
    }
    gw_graph_draw_out_free(&layout);
    rc = gw_graph_draw_run(&a, out, error_out);
    gw_graph_draw_args_free(&a);

    for (size_t i = 0; i < s->n_strips; i++) {
        gw_strbuf_printf(&r->desc, "%s%s ", i ? "; " : "", s->strips[i].name);
        gw_graph_text_availability(&r->desc, s->strips[i].availability, false);
    }
    return rc;
}

int gw_graph_strips_render_council(struct graph_render *r, const struct gw_council_conf *council,
                                   struct graph_out *out, char **error_out)
{
    enum gw_lang lang = r->req->lang;
    struct strips s = {0};
    strips_add_members(&s, r, council->first_target, council->n_targets);
    strips_add(&s, 0, s.n_members, true, true, gw_i18n_text(lang, GW_I18N_WHOLE_COUNCIL));
    for (size_t j = 0; j < s.n_members; j++)
        strips_add(&s, j, 1, false, false, gw_i18n_target_name(s.members[j].target));
    gw_graph_set_title(r, gw_i18n_council_name(council, lang),
                       gw_i18n_text(lang, GW_I18N_BY_SERVICE));
    int rc = render_strips(r, &s, council->id, out, error_out);
    strips_free(&s);
    return rc;
}

int gw_graph_strips_render_wales(struct graph_render *r, struct graph_out *out, char **error_out)
{
    enum gw_lang lang = r->req->lang;
    const struct gw_config *config = r->config;
    struct strips s = {0};
    strips_add_members(&s, r, 0, config->n_targets);
    strips_add(&s, 0, s.n_members, true, true, gw_i18n_text(lang, GW_I18N_WALES));
    for (size_t c = 0; c < config->n_councils; c++) {
        const struct gw_council_conf *council = &config->councils[c];
        strips_add(&s, council->first_target, council->n_targets, true, false,
                   gw_i18n_council_name(council, lang));
    }
    gw_graph_set_title(r, gw_i18n_text(lang, GW_I18N_BY_COUNCIL), NULL);
    int rc = render_strips(r, &s, "any council", out, error_out);
    strips_free(&s);
    return rc;
}
