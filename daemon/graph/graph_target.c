#include "graph/graph_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Adds DEF:vname=<file of ds>:ds:CF[:reduce=R]; false when no file holds ds. */
static bool add_def(struct graph_args *a, const struct graph_catalogue *cat, const char *vname,
                    const char *ds, enum graph_cf cf, const char *reduce)
{
    const struct graph_ds *loc = gw_graph_catalogue_find_cf(cat, ds, cf);
    if (!loc)
        return false;
    const char *path = cat->parts[loc->part].def_path;
    if (reduce)
        gw_graph_draw_arg(a, "DEF:%s=%s:%s:%s:reduce=%s", vname, path, ds,
                          gw_graph_catalogue_cf_name(cf), reduce);
    else
        gw_graph_draw_arg(a, "DEF:%s=%s:%s:%s", vname, path, ds, gw_graph_catalogue_cf_name(cf));
    return true;
}

/* The samples of a round: s01, s02, ... as far as they go without a gap. */
static int sample_count(const struct graph_catalogue *cat)
{
    int n = 0;
    char name[16];
    for (;;) {
        snprintf(name, sizeof(name), "s%02d", n + 1);
        if (!gw_graph_catalogue_find(cat, name) || n >= 99)
            return n;
        n++;
    }
}

struct phase {
    const char *ds;
    enum gw_i18n_key label;
    const char *color;
};

static const struct phase http_phases[] = {
    {"dns", GW_I18N_PHASE_DNS, "#8E6CB8"},
    {"connect", GW_I18N_PHASE_CONNECT, "#2BA3B5"},
    {"tls", GW_I18N_PHASE_TLS, "#E8871E"},
    {"ttfb", GW_I18N_PHASE_TTFB, "#7FA7E0"},
};
#define N_PHASES (sizeof(http_phases) / sizeof(http_phases[0]))

/* Latency in ms on the left axis: smoke, stacked phases, or the min-max band. */
static void add_latency(struct graph_args *a, const struct graph_catalogue *cat, enum gw_lang lang)
{
    char *leg;
    int n_samples = sample_count(cat);
    bool have_lat = add_def(a, cat, "lat", "latency", GRAPH_CF_AVERAGE, NULL);
    if (have_lat)
        gw_graph_draw_arg(a, "CDEF:latms=lat,1000,*");

    if (n_samples >= 2) {
        /* Smokeping's smoke: the band between the i-th fastest and i-th
         * slowest sample, stacked so the middle of the spread is darkest. */
        for (int i = 1; i <= n_samples / 2; i++) {
            int j = n_samples + 1 - i;
            char lo[16], hi[16];
            snprintf(lo, sizeof(lo), "s%02d", i);
            snprintf(hi, sizeof(hi), "s%02d", j);
            gw_graph_draw_arg(a, "DEF:smlo%d=%s:%s:AVERAGE", i,
                              cat->parts[gw_graph_catalogue_find(cat, lo)->part].def_path, lo);
            gw_graph_draw_arg(a, "DEF:smhi%d=%s:%s:AVERAGE", i,
                              cat->parts[gw_graph_catalogue_find(cat, hi)->part].def_path, hi);
            gw_graph_draw_arg(a, "CDEF:smb%d=smlo%d,1000,*", i, i);
            gw_graph_draw_arg(a, "CDEF:smh%d=smhi%d,smlo%d,-,1000,*", i, i, i);
            gw_graph_draw_arg(a, "AREA:smb%d" INVISIBLE, i);
            if (i == 1) {
                leg = gw_graph_draw_legend(gw_i18n_text(lang, GW_I18N_SAMPLES), "");
                gw_graph_draw_arg(a, "AREA:smh%d" SHADE_SMOKE ":%s:STACK", i, leg);
                free(leg);
            } else {
                gw_graph_draw_arg(a, "AREA:smh%d" SHADE_SMOKE "::STACK", i);
            }
        }
        const char *line = NULL;
        enum gw_i18n_key key = GW_I18N_MEDIAN;
        if (add_def(a, cat, "med", "median", GRAPH_CF_AVERAGE, NULL)) {
            gw_graph_draw_arg(a, "CDEF:medms=med,1000,*");
            line = "medms";
        } else if (have_lat) {
            line = "latms";
            key = GW_I18N_LATENCY;
        }
        if (line) {
            leg = gw_graph_draw_legend(gw_i18n_text(lang, key), "\\l");
            gw_graph_draw_arg(a, "LINE1.5:%s" COLOR_LATENCY ":%s", line, leg);
            free(leg);
        }
        return;
    }

    /* Phases stack only as a breakdown: one alone (tcp's connect) is the latency. */
    size_t n_phases = 0;
    for (size_t i = 0; i < N_PHASES; i++)
        n_phases += gw_graph_catalogue_find(cat, http_phases[i].ds) != NULL;
    bool stacked = false;
    for (size_t i = 0; n_phases >= 2 && i < N_PHASES; i++) {
        const struct phase *p = &http_phases[i];
        char vname[32];
        snprintf(vname, sizeof(vname), "ph_%s", p->ds);
        if (!add_def(a, cat, vname, p->ds, GRAPH_CF_AVERAGE, NULL))
            continue;
        /* An unknown phase stacks as nothing, so the others keep their place. */
        gw_graph_draw_arg(a, "CDEF:%sms=%s,UN,0,%s,IF,1000,*", vname, vname, vname);
        leg = gw_graph_draw_legend(gw_i18n_text(lang, p->label), "");
        gw_graph_draw_arg(a, "AREA:%sms%s:%s%s", vname, p->color, leg, stacked ? ":STACK" : "");
        free(leg);
        stacked = true;
    }
    if (!have_lat)
        return;
    if (!stacked) {
        add_def(a, cat, "latlo", "latency", GRAPH_CF_AVERAGE, "MIN");
        add_def(a, cat, "lathi", "latency", GRAPH_CF_AVERAGE, "MAX");
        /* The MIN and MAX archives keep the spread of the coarser tiers,
         * where one pixel is a single consolidated row. */
        if (add_def(a, cat, "latmin", "latency", GRAPH_CF_MIN, NULL) &&
            add_def(a, cat, "latmax", "latency", GRAPH_CF_MAX, NULL)) {
            gw_graph_draw_arg(a, "CDEF:lo=latlo,latmin,MINNAN,1000,*");
            gw_graph_draw_arg(a, "CDEF:hi=lathi,latmax,MAXNAN,1000,*");
        } else {
            gw_graph_draw_arg(a, "CDEF:lo=latlo,1000,*");
            gw_graph_draw_arg(a, "CDEF:hi=lathi,1000,*");
        }
        gw_graph_draw_arg(a, "CDEF:span=hi,lo,-");
        gw_graph_draw_arg(a, "AREA:lo" INVISIBLE);
        leg = gw_graph_draw_legend(gw_i18n_text(lang, GW_I18N_LATENCY_RANGE), "");
        gw_graph_draw_arg(a, "AREA:span" SHADE_LATENCY ":%s:STACK", leg);
        free(leg);
    }
    leg = gw_graph_draw_legend(gw_i18n_text(lang, GW_I18N_LATENCY), "\\l");
    gw_graph_draw_arg(a, "LINE1.5:latms" COLOR_LATENCY ":%s", leg);
    free(leg);
}

/* A feed's items by status, stacked from the bottom up to its total. */
static const struct feed_series {
    const char *ds;
    enum gw_i18n_key label; /* GW_I18N_KEY_COUNT: "Not in service" */
    const char *color;
} feed_series[] = {
    {"items_up", GW_I18N_UP, COLOR_UP},
    {"items_degraded", GW_I18N_DEGRADED, COLOR_DEGRADED},
    {"items_down", GW_I18N_DOWN, COLOR_DOWN},
    {"items_unknown", GW_I18N_UNKNOWN, COLOR_NO_DATA},
    {"items_excluded", GW_I18N_KEY_COUNT, COLOR_EXCLUDED},
};
#define N_FEED_SERIES (sizeof(feed_series) / sizeof(feed_series[0]))

static const char *feed_label(const struct feed_series *f, enum gw_lang lang)
{
    return f->label == GW_I18N_KEY_COUNT ? gw_i18n_tr(lang, "Not in service")
                                         : gw_i18n_text(lang, f->label);
}

/* Feed counts on the left axis: the items of each status stacked, the total as a line. */
static void add_feed(struct graph_args *a, const struct graph_catalogue *cat, enum gw_lang lang)
{
    char *leg;
    bool stacked = false;
    for (size_t i = 0; i < N_FEED_SERIES; i++) {
        const struct feed_series *f = &feed_series[i];
        char vname[32];
        snprintf(vname, sizeof(vname), "it%zu", i);
        if (!add_def(a, cat, vname, f->ds, GRAPH_CF_AVERAGE, NULL))
            continue;
        /* A check that could not read its feed has no counts: nothing is stacked. */
        gw_graph_draw_arg(a, "CDEF:%sz=%s,UN,0,%s,IF", vname, vname, vname);
        leg = gw_graph_draw_legend(feed_label(f, lang), "");
        gw_graph_draw_arg(a, "AREA:%sz%s:%s%s", vname, f->color, leg, stacked ? ":STACK" : "");
        free(leg);
        stacked = true;
    }
    if (add_def(a, cat, "tot", "items_total", GRAPH_CF_AVERAGE, NULL)) {
        leg = gw_graph_draw_legend(gw_i18n_text(lang, GW_I18N_FEED_TOTAL), "");
        gw_graph_draw_arg(a, "LINE1.5:tot" COLOR_TOTAL ":%s", leg);
        free(leg);
        /* Headroom, so the total is not drawn on the top edge of the canvas. */
        gw_graph_draw_arg(a, "CDEF:headroom=tot,1.1,*");
        gw_graph_draw_arg(a, "LINE1:headroom" INVISIBLE);
    }
    gw_graph_draw_arg(a, "COMMENT:\\l");
}

/* "Latency: average 12.3 ms · max 45.6 ms" and its like, from the fetched figures. */
static void latency_figures(struct gw_strbuf *b, const struct graph_catalogue *cat,
                            enum gw_lang lang)
{
    const char *sep = "";
    bool smoke = sample_count(cat) >= 2 && gw_graph_catalogue_find(cat, "median");
    const struct graph_ds *lat = gw_graph_catalogue_find(cat, smoke ? "median" : "latency");
    if (lat && lat->n_known) {
        gw_strbuf_printf(b, "%s: %s ", gw_i18n_text(lang, smoke ? GW_I18N_MEDIAN : GW_I18N_LATENCY),
                         gw_i18n_text(lang, GW_I18N_AVERAGE));
        gw_graph_text_ms(b, gw_graph_catalogue_mean(lat));
        gw_strbuf_printf(b, " %s · %s ", gw_i18n_text(lang, GW_I18N_UNIT_MS),
                         gw_i18n_text(lang, GW_I18N_MAXIMUM));
        gw_graph_text_ms(b, lat->max);
        gw_strbuf_printf(b, " %s", gw_i18n_text(lang, GW_I18N_UNIT_MS));
        sep = "    ";
    }
    const struct graph_ds *loss = gw_graph_catalogue_find(cat, "loss");
    if (loss && loss->n_known)
        gw_strbuf_printf(b, "%s%s: %s %.1f %%", sep, gw_i18n_text(lang, GW_I18N_LOSS),
                         gw_i18n_text(lang, GW_I18N_AVERAGE),
                         gw_graph_catalogue_mean(loss) * 100.0);
}

/*
 * "Up: average 21.0    Down: average 2.0    Total: average 24.0" for feeds,
 * and the share of time the rapid chargers worked against the 99 % the
 * Public Charge Point Regulations 2023 ask.
 */
static void feed_figures(struct gw_strbuf *b, const struct graph_catalogue *cat, enum gw_lang lang)
{
    const char *sep = "";
    for (size_t i = 0; i <= N_FEED_SERIES; i++) {
        const char *ds = i < N_FEED_SERIES ? feed_series[i].ds : "items_total";
        const char *label = i < N_FEED_SERIES ? feed_label(&feed_series[i], lang)
                                              : gw_i18n_text(lang, GW_I18N_FEED_TOTAL);
        const struct graph_ds *f = gw_graph_catalogue_find(cat, ds);
        if (!f || !f->n_known || (i < N_FEED_SERIES && f->max <= 0))
            continue;
        gw_strbuf_printf(b, "%s%s: %s %.1f", sep, label, gw_i18n_text(lang, GW_I18N_AVERAGE),
                         gw_graph_catalogue_mean(f));
        sep = "    ";
    }
    const struct graph_ds *rapid = gw_graph_catalogue_find(cat, "rapid_reliability");
    if (rapid && rapid->n_known)
        gw_strbuf_printf(b, "%s%s: %.1f %% (%s 99 %%)", sep,
                         gw_i18n_tr(lang, "Rapid chargers working"),
                         gw_graph_catalogue_mean(rapid) * 100.0, gw_i18n_tr(lang, "target"));
}

/* One legend line of figures, also added to the SVG's description. */
static void add_figure_line(struct graph_args *a, struct graph_render *r, const char *text)
{
    if (!text || !*text)
        return;
    struct gw_strbuf e = {0};
    gw_graph_draw_element_text(&e, text);
    gw_graph_draw_arg(a, "COMMENT:%s\\l", e.s);
    gw_strbuf_printf(&r->desc, ". %s", text);
    gw_strbuf_reset(&e);
}

int gw_graph_target_render(struct graph_render *r, const struct gw_council_conf *council,
                           const struct gw_target_conf *target, struct graph_out *out,
                           char **error_out)
{
    enum gw_lang lang = r->req->lang;
    struct graph_catalogue cat = {0};
    gw_graph_catalogue_scan(&cat, r->config->daemon.data_dir, council->id, target->name);
    if (cat.n_parts == 0) {
        *error_out = gw_xasprintf("no data recorded for %s yet (no file %s/%s/%s.rrd)", target->id,
                                  r->config->daemon.data_dir, council->id, target->name);
        return -ENODATA;
    }
    gw_graph_catalogue_flush(&cat, r->cached);
    int64_t span = r->req->end_s - r->req->start_s;
    gw_graph_catalogue_stats(
        &cat, r->req->start_s, r->req->end_s,
        (unsigned long)(span / (int64_t)r->width > 0 ? span / (int64_t)r->width : 1));

    char *head =
        gw_xasprintf("%s · %s", gw_i18n_council_name(council, lang), gw_i18n_target_name(target));
    gw_graph_set_title(r, head, NULL);
    free(head);

    bool feed = gw_graph_catalogue_find(&cat, "items_total") != NULL;
    struct graph_args a = {0};
    gw_graph_draw_common(&a, r);
    char *vlabel = feed ? gw_xstrdup(gw_i18n_text(lang, GW_I18N_COUNT_UNIT))
                        : gw_xasprintf("%s (%s)", gw_i18n_text(lang, GW_I18N_LATENCY),
                                       gw_i18n_text(lang, GW_I18N_UNIT_MS));
    gw_graph_draw_arg(&a, "--vertical-label=%s", vlabel);
    free(vlabel);
    gw_graph_draw_arg(&a, "--lower-limit=0");
    gw_graph_draw_arg(&a, "--units-exponent=0");

    /* Availability shading behind everything else. */
    const struct graph_ds *up = gw_graph_catalogue_find(&cat, "up");
    const char *clock = NULL;
    if (add_def(&a, &cat, "upmin", "up", GRAPH_CF_AVERAGE, "MIN")) {
        clock = "upmin";
        gw_graph_draw_arg(&a, "CDEF:nodata=upmin,UN,1,0,IF");
        gw_graph_draw_arg(&a, "CDEF:down=upmin,UN,0,upmin,1,LT,IF");
        gw_graph_draw_arg(&a, "TICK:nodata" SHADE_NO_DATA ":1");
        if (add_def(&a, &cat, "deg", "degraded", GRAPH_CF_AVERAGE, "MAX")) {
            gw_graph_draw_arg(&a, "CDEF:degr=deg,UN,0,deg,0,GT,IF");
            gw_graph_draw_arg(&a, "TICK:degr" SHADE_DEGRADED ":1");
        }
        gw_graph_draw_arg(&a, "TICK:down" SHADE_DOWN ":1");
    } else {
        /* Some data source to hang the legend's swatches on. */
        const struct graph_part *part = &cat.parts[cat.ds[0].part];
        enum graph_cf cf = part->has_cf[GRAPH_CF_AVERAGE] ? GRAPH_CF_AVERAGE
                           : part->has_cf[GRAPH_CF_MIN]   ? GRAPH_CF_MIN
                                                          : GRAPH_CF_MAX;
        gw_graph_draw_arg(&a, "DEF:any=%s:%s:%s", part->def_path, cat.ds[0].name,
                          gw_graph_catalogue_cf_name(cf));
        clock = "any";
    }
    gw_graph_draw_arg(&a, "CDEF:nil=%s,UN,UNKN,UNKN,IF", clock);

    /* Line 1: availability and downtime. */
    struct gw_strbuf line = {0};
    gw_strbuf_printf(&line, "<b>%s ", gw_i18n_text(lang, GW_I18N_AVAILABILITY));
    gw_graph_text_availability(&line, gw_graph_catalogue_mean(up), false);
    gw_strbuf_append(&line, "</b>");
    gw_strbuf_printf(&r->desc, "%s ", gw_i18n_text(lang, GW_I18N_AVAILABILITY));
    gw_graph_text_availability(&r->desc, gw_graph_catalogue_mean(up), false);
    if (up && up->n_known) {
        struct gw_strbuf d = {0};
        gw_strbuf_printf(&d, "%s ", gw_i18n_text(lang, GW_I18N_DOWNTIME));
        gw_graph_text_duration(&d, gw_graph_catalogue_downtime_s(up), lang);
        gw_strbuf_printf(&line, "    %s", d.s);
        gw_strbuf_printf(&r->desc, ", %s", d.s);
        gw_strbuf_reset(&d);
    } else {
        gw_strbuf_printf(&line, "    %s", gw_i18n_text(lang, GW_I18N_NO_DATA));
    }
    gw_graph_draw_arg(&a, "COMMENT:%s\\l", line.s);
    gw_strbuf_reset(&line);

    /* Line 2: what the colours mean. */
    gw_graph_draw_key(&a, "nil", COLOR_DOWN, gw_i18n_text(lang, GW_I18N_DOWN), "");
    if (gw_graph_catalogue_find(&cat, "degraded"))
        gw_graph_draw_key(&a, "nil", COLOR_DEGRADED, gw_i18n_text(lang, GW_I18N_DEGRADED), "");
    gw_graph_draw_key(&a, "nil", COLOR_NO_DATA, gw_i18n_text(lang, GW_I18N_NO_DATA), "\\l");

    /* Line 3: the series drawn over the shading; line 4: their figures. */
    if (feed)
        add_feed(&a, &cat, lang);
    else
        add_latency(&a, &cat, lang);
    struct gw_strbuf figures = {0};
    latency_figures(&figures, &cat, lang);
    add_figure_line(&a, r, figures.s);
    gw_strbuf_reset(&figures);
    feed_figures(&figures, &cat, lang);
    add_figure_line(&a, r, figures.s);
    gw_strbuf_reset(&figures);

    int rc = gw_graph_draw_run(&a, out, error_out);
    gw_graph_draw_args_free(&a);
    gw_graph_catalogue_free(&cat);
    return rc;
}
