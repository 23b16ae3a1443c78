#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/eventlog.h"
#include "report/event_lines.h"
#include "report/history.h"
#include "report/report_internal.h"
#include "report/rrd_rows.h"
#include "util/log.h"
#include "util/xalloc.h"

/* ---- building ----------------------------------------------------------------- */

struct build {
    struct gw_report *r;
    const struct gw_report_request *req;
    const struct gw_config *config;
    struct gw_history *history;
    struct gw_rrd_rows_reader *reader;
    struct gw_timeline **timelines; /* per configured target; NULL when not needed */
    bool *wanted;                   /* per configured target: in the report */
    size_t done, total;
};

static void progress(struct build *b)
{
    b->done++;
    if (b->req->progress)
        b->req->progress(b->req->progress_data, b->done, b->total);
}

static void history_cb(void *data, const struct gw_event_lines_rec *rec)
{
    gw_history_add(data, rec);
}

int gw_report_read_file(struct gw_report *r, struct gw_rrd_rows_reader *reader, const char *path,
                        const char *name, int64_t from_ms, int64_t to_ms, struct gw_rrd_rows *rows)
{
    char *err = NULL;
    int rc = gw_rrd_rows_read(reader, path, name, from_ms / 1000, (to_ms + 999) / 1000, rows, &err);
    if (rc == 0) {
        r->rrd_files_read++;
    } else if (rc != -ENOENT) {
        r->rrd_files_failed++;
        gw_log_warning("report: cannot read %s: %s", path, err ? err : strerror(-rc));
    }
    free(err);
    return rc;
}

/* Reads the main RRD file of target t over [from, to]; 0, -ENOENT or -EIO. */
static int read_rows(struct build *b, const struct gw_target_conf *t, int64_t from_ms,
                     int64_t to_ms, struct gw_rrd_rows *rows)
{
    const struct gw_council_conf *c = &b->config->councils[t->council];
    char *path = gw_xasprintf("%s/%s/%s.rrd", b->config->daemon.data_dir, c->id, t->name);
    char *name = gw_xasprintf("%s/%s.rrd", c->id, t->name);
    int rc = gw_report_read_file(b->r, b->reader, path, name, from_ms, to_ms, rows);
    free(path);
    free(name);
    return rc;
}

/* Adds the RRD rows of t within [from, to) to tl; returns true when the file was read. */
static bool fill_from_rrd(struct build *b, const struct gw_target_conf *t, int64_t from_ms,
                          int64_t to_ms, struct gw_timeline *tl)
{
    struct gw_rrd_rows rows;
    if (read_rows(b, t, from_ms, to_ms, &rows) < 0)
        return false;
    int up = gw_rrd_rows_col(&rows, "up"), deg = gw_rrd_rows_col(&rows, "degraded");
    if (up >= 0)
        gw_history_add_rows(tl, rows.first_ms, rows.step_ms, rows.n_rows, rows.data + up,
                            deg >= 0 ? rows.data + deg : NULL, rows.n_cols, from_ms, to_ms);
    gw_rrd_rows_clear(&rows);
    return up >= 0;
}

static struct gw_timeline *target_timeline(struct build *b, size_t i, enum gw_report_source *src)
{
    const struct gw_target_conf *t = &b->config->targets[i];
    struct gw_report *r = b->r;
    struct gw_timeline *tl = gw_timeline_new();
    *src = GW_REPORT_SOURCE_NONE;
    if (b->history && gw_history_has(b->history, t->id)) {
        /* Before the log knew the target, its files may know what happened. */
        int64_t first = gw_history_first_ms(b->history, t->id);
        if (r->start_ms < first)
            fill_from_rrd(b, t, r->start_ms,
                          first < r->measured_end_ms ? first : r->measured_end_ms, tl);
        gw_history_fill(b->history, t->id, tl);
        *src = GW_REPORT_SOURCE_EVENTS;
    } else if (fill_from_rrd(b, t, r->start_ms, r->measured_end_ms, tl)) {
        *src = GW_REPORT_SOURCE_RRD;
        if (!r->event_log)
            gw_history_config_windows(b->config, t->id, r->start_ms, r->measured_end_ms, tl);
    }
    progress(b);
    return tl;
}

static const char *category_key(const char *category)
{
    return category ? category : "";
}

static struct gw_report_group *group_of(struct gw_report_group **groups, size_t *n,
                                        const char *category)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(category_key((*groups)[i].category), category_key(category)) == 0)
            return &(*groups)[i];
    *groups = gw_xreallocarray(*groups, *n + 1, sizeof(**groups));
    struct gw_report_group *g = &(*groups)[(*n)++];
    memset(g, 0, sizeof(*g));
    g->category = category;
    return g;
}

static enum gw_report_sla judge(double availability, double sla)
{
    if (isnan(availability) || isnan(sla))
        return GW_REPORT_SLA_NONE;
    /* Figures are ratios of whole milliseconds: allow for the rounding of the target. */
    return availability + 1e-12 >= sla ? GW_REPORT_SLA_MET : GW_REPORT_SLA_MISSED;
}

static void group_add(struct gw_report_group *g, const struct gw_report_target *t)
{
    gw_timeline_figures_add(&g->fig, &t->fig);
    g->n_targets++;
    g->n_measured += !isnan(gw_timeline_availability(&t->fig));
    g->sla_met += t->sla_result == GW_REPORT_SLA_MET;
    g->sla_missed += t->sla_result == GW_REPORT_SLA_MISSED;
}

static void keep_outages(struct gw_report_target *rt, const struct gw_timeline_outage *o, size_t n)
{
    rt->n_outages = n;
    rt->outages = n ? gw_xcalloc(n, sizeof(*rt->outages)) : NULL;
    for (size_t i = 0; i < n; i++) {
        rt->outages[i] = o[i];
        rt->outages[i].reason = o[i].reason ? gw_xstrdup(o[i].reason) : NULL;
        rt->outages[i].cause_target = o[i].cause_target ? gw_xstrdup(o[i].cause_target) : NULL;
    }
}

static bool in_filter(const struct gw_report_request *req, const struct gw_config *config,
                      const struct gw_target_conf *t)
{
    if (req->council && strcmp(config->councils[t->council].id, req->council) != 0)
        return false;
    if (req->category && (!t->category || strcmp(t->category, req->category) != 0))
        return false;
    return true;
}

/* What the league is sorted by: better first. */
struct standing {
    double availability;
    int64_t down_ms;
    uint32_t outages;
    const char *id;
    size_t index;
};

static int standing_cmp(const void *pa, const void *pb)
{
    const struct standing *a = pa, *b = pb;
    if (a->availability != b->availability)
        return a->availability > b->availability ? -1 : 1;
    if (a->down_ms != b->down_ms)
        return a->down_ms < b->down_ms ? -1 : 1;
    if (a->outages != b->outages)
        return a->outages < b->outages ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* Councils by availability, then less downtime, then fewer outages; equal figures share a place. */
static void build_league(struct gw_report *r)
{
    struct standing *s = gw_xcalloc(r->n_councils + 1, sizeof(*s));
    size_t n = 0;
    for (size_t i = 0; i < r->n_councils; i++) {
        const struct gw_timeline_figures *f = &r->councils[i].total.fig;
        double a = gw_timeline_availability(f);
        if (!isnan(a))
            s[n++] = (struct standing){a, f->down_ms, f->outages, r->councils[i].conf->id, i};
    }
    qsort(s, n, sizeof(*s), standing_cmp);
    r->league = gw_xcalloc(n + 1, sizeof(size_t));
    r->n_league = n;
    for (size_t k = 0; k < n; k++) {
        r->league[k] = s[k].index;
        bool tie = k > 0 && s[k].availability == s[k - 1].availability &&
                   s[k].down_ms == s[k - 1].down_ms && s[k].outages == s[k - 1].outages;
        r->councils[s[k].index].rank = tie ? r->councils[s[k - 1].index].rank : (unsigned)k + 1;
    }
    free(s);
}

static void build_parity(struct build *b)
{
    const struct gw_config *config = b->config;
    struct gw_report *r = b->r;
    for (size_t i = 0; i < config->n_targets; i++) {
        const struct gw_target_conf *a = &config->targets[i];
        if (!a->parity_with)
            continue;
        size_t j;
        if (gw_strmap_get(config->index, a->parity_with, &j) < 0 || j == i)
            continue;
        const struct gw_target_conf *o = &config->targets[j];
        /* Each pair once: from the first of the two that names the other. */
        if (o->parity_with && strcmp(o->parity_with, a->id) == 0 && j < i)
            continue;
        if (!b->wanted[i] && !b->wanted[j])
            continue;
        const struct gw_target_conf *welsh = a, *english = o;
        bool known = true;
        if (o->language && strcmp(o->language, "cy") == 0) {
            welsh = o;
            english = a;
        } else if (!(a->language && strcmp(a->language, "cy") == 0)) {
            if (a->language && strcmp(a->language, "en") == 0) {
                welsh = o;
                english = a;
            } else if (!(o->language && strcmp(o->language, "en") == 0)) {
                known = false;
            }
        }
        size_t wi = (size_t)(welsh - config->targets), ei = (size_t)(english - config->targets);
        r->parity = gw_xreallocarray(r->parity, r->n_parity + 1, sizeof(*r->parity));
        struct gw_report_parity *p = &r->parity[r->n_parity++];
        p->welsh = welsh;
        p->english = english;
        p->languages_known = known;
        gw_timeline_parity(b->timelines[wi], b->timelines[ei], r->start_ms, r->measured_end_ms,
                           &p->p);
    }
}

/* ---- the report --------------------------------------------------------------- */

static void read_event_log(struct build *b)
{
    struct gw_report *r = b->r;
    const char *dir = b->config->daemon.data_dir;
    r->event_log = gw_eventlog_exists(dir);
    if (!r->event_log)
        return;
    b->history = gw_history_new();
    struct gw_event_lines_stats st;
    int rc = gw_event_lines_read(dir, history_cb, b->history, &st);
    if (rc < 0 && rc != -ENOENT)
        gw_log_warning("report: the event log in %s could not be read to its end: %s", dir,
                       strerror(-rc));
    /* Up to now: what the log says last still holds. */
    gw_history_finish(b->history, b->req->now_ms, true);
    r->event_lines = st.lines;
    r->event_skipped = st.skipped;
    int64_t begin = gw_history_begin_ms(b->history);
    r->log_begin_ms = begin == INT64_MAX ? 0 : begin;
}

static int check_request(const struct gw_config *config, const struct gw_report_request *req,
                         char **error)
{
    if (req->end_ms <= req->start_ms) {
        *error = gw_xstrdup("the period is empty: its end is not after its start");
        return -EINVAL;
    }
    bool council_found = !req->council, category_found = !req->category;
    for (size_t i = 0; i < config->n_councils && !council_found; i++)
        council_found = strcmp(config->councils[i].id, req->council) == 0;
    if (!council_found) {
        *error = gw_xasprintf("no council \"%s\" in %s", req->council, config->path);
        return -ENOENT;
    }
    for (size_t i = 0; i < config->n_targets && !category_found; i++)
        category_found = in_filter(req, config, &config->targets[i]);
    if (!category_found) {
        *error = gw_xasprintf("no target of category \"%s\"%s%s in %s", req->category,
                              req->council ? " in council " : "", req->council ? req->council : "",
                              config->path);
        return -ENOENT;
    }
    return 0;
}

int gw_report_build(const struct gw_config *config, const struct gw_report_request *req,
                    struct gw_report **out, char **error)
{
    *out = NULL;
    *error = NULL;
    int rc = check_request(config, req, error);
    if (rc < 0)
        return rc;

    struct gw_report *r = gw_xcalloc(1, sizeof(*r));
    r->config = config;
    r->start_ms = req->start_ms;
    r->end_ms = req->end_ms;
    r->measured_end_ms = req->end_ms < req->now_ms ? req->end_ms : req->now_ms;
    if (r->measured_end_ms < r->start_ms)
        r->measured_end_ms = r->start_ms;
    r->year = req->year;
    r->month = req->month;
    r->council = req->council ? gw_xstrdup(req->council) : NULL;
    r->category = req->category ? gw_xstrdup(req->category) : NULL;
    r->generated_ms = req->now_ms;

    struct build b = {.r = r, .req = req, .config = config};
    b.reader = gw_rrd_rows_reader_new(req->use_rrdcached ? config->daemon.rrdcached : NULL);
    r->rrd_access = gw_xstrdup(gw_rrd_rows_reader_describe(b.reader));
    b.timelines = gw_xcalloc(config->n_targets + 1, sizeof(*b.timelines));
    b.wanted = gw_xcalloc(config->n_targets + 1, sizeof(*b.wanted));
    bool *needed = gw_xcalloc(config->n_targets + 1, sizeof(*needed));
    for (size_t i = 0; i < config->n_targets; i++) {
        const struct gw_target_conf *t = &config->targets[i];
        b.wanted[i] = in_filter(req, config, t);
        if (!b.wanted[i])
            continue;
        needed[i] = true;
        size_t j;
        if (t->parity_with && gw_strmap_get(config->index, t->parity_with, &j) == 0)
            needed[j] = true;
        b.total += 1 + gw_report_pcpr_wanted(t);
    }
    for (size_t i = 0; i < config->n_targets; i++)
        b.total += needed[i] && !b.wanted[i];

    read_event_log(&b);

    enum gw_report_source *sources = gw_xcalloc(config->n_targets + 1, sizeof(*sources));
    for (size_t i = 0; i < config->n_targets; i++)
        if (needed[i])
            b.timelines[i] = target_timeline(&b, i, &sources[i]);

    r->n_councils = 0;
    r->councils = gw_xcalloc(config->n_councils + 1, sizeof(*r->councils));
    for (size_t ci = 0; ci < config->n_councils; ci++) {
        const struct gw_council_conf *cc = &config->councils[ci];
        if (req->council && strcmp(cc->id, req->council) != 0)
            continue;
        struct gw_report_council *rc_ = &r->councils[r->n_councils++];
        rc_->conf = cc;
        rc_->sla = cc->sla;
        rc_->targets = gw_xcalloc(cc->n_targets + 1, sizeof(*rc_->targets));
        for (size_t k = 0; k < cc->n_targets; k++) {
            size_t i = cc->first_target + k;
            if (!b.wanted[i])
                continue;
            const struct gw_target_conf *t = &config->targets[i];
            struct gw_report_target *rt = &rc_->targets[rc_->n_targets++];
            rt->conf = t;
            rt->source = sources[i];
            rt->sla = t->sla;
            struct gw_timeline_outage *o;
            size_t n;
            gw_timeline_figures(b.timelines[i], r->start_ms, r->measured_end_ms, &rt->fig, &o, &n);
            keep_outages(rt, o, n);
            free(o);
            rt->sla_result = judge(gw_timeline_availability(&rt->fig), rt->sla);
            group_add(&rc_->total, rt);
            group_add(group_of(&rc_->categories, &rc_->n_categories, t->category), rt);
            group_add(&r->wales, rt);
            group_add(group_of(&r->categories, &r->n_categories, t->category), rt);
        }
        rc_->sla_result = judge(gw_timeline_availability(&rc_->total.fig), rc_->sla);
    }
    build_league(r);
    build_parity(&b);
    for (size_t i = 0; i < config->n_targets; i++) {
        if (b.wanted[i] && gw_report_pcpr_wanted(&config->targets[i])) {
            gw_report_pcpr_build(r, config, b.reader, &config->targets[i]);
            progress(&b);
        }
    }

    for (size_t i = 0; i < config->n_targets; i++)
        gw_timeline_free(b.timelines[i]);
    free(b.timelines);
    free(b.wanted);
    free(needed);
    free(sources);
    gw_history_free(b.history);
    gw_rrd_rows_reader_free(b.reader);
    *out = r;
    return 0;
}

void gw_report_free(struct gw_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_councils; i++) {
        struct gw_report_council *c = &r->councils[i];
        for (size_t k = 0; k < c->n_targets; k++) {
            for (size_t j = 0; j < c->targets[k].n_outages; j++) {
                free((char *)c->targets[k].outages[j].reason);
                free((char *)c->targets[k].outages[j].cause_target);
            }
            free(c->targets[k].outages);
        }
        free(c->targets);
        free(c->categories);
    }
    free(r->councils);
    free(r->league);
    free(r->categories);
    free(r->parity);
    for (size_t i = 0; i < r->n_pcpr; i++) {
        for (size_t k = 0; k < r->pcpr[i].n_chargers; k++)
            free(r->pcpr[i].chargers[k].id);
        free(r->pcpr[i].chargers);
    }
    free(r->pcpr);
    free(r->council);
    free(r->category);
    free(r->rrd_access);
    free(r);
}
