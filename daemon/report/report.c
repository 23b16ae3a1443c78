#include "report/report.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "report/event_lines.h"
#include "report/history.h"
#include "report/rrd_rows.h"
#include "util/log.h"
#include "util/london.h"
#include "util/xalloc.h"

/* ---- periods ------------------------------------------------------------------ */

/* The instant local time in Wales shows `minute` on y-m-d first; midnights are never
 * skipped nor repeated. */
static int64_t local_ms(int year, int month, int day, int minute)
{
    int64_t at[2];
    gw_london_instants(year, month, day, minute, at);
    return at[0] * 1000;
}

void gw_report_month_bounds(int year, int month, int64_t *start_ms, int64_t *end_ms)
{
    *start_ms = local_ms(year, month, 1, 0);
    *end_ms = month == 12 ? local_ms(year + 1, 1, 1, 0) : local_ms(year, month + 1, 1, 0);
}

int gw_report_parse_month(const char *text, int *year, int *month, int64_t *start_ms,
                          int64_t *end_ms)
{
    int y, m, used = 0;
    if (!text || sscanf(text, "%4d-%2d%n", &y, &m, &used) != 2 || used != 7 || text[used] != '\0' ||
        text[4] != '-' || y < 1970 || y > 9999 || m < 1 || m > 12)
        return -EINVAL;
    *year = y;
    *month = m;
    gw_report_month_bounds(y, m, start_ms, end_ms);
    return 0;
}

/* "YYYY-MM-DD" (local midnight), or with a time as gw_london_parse_local reads it. */
static int parse_local(const char *text, int64_t *out_ms)
{
    int y, mo, d, used = 0;
    if (strlen(text) == 10 && sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 &&
        used == 10) {
        int cy, cm, cd;
        gw_london_date(gw_london_days(y, mo, d), &cy, &cm, &cd);
        if (mo < 1 || mo > 12 || cm != mo || cd != d)
            return -EINVAL;
        *out_ms = local_ms(y, mo, d, 0);
        return 0;
    }
    int64_t s;
    if (gw_london_parse_local(text, false, &s) < 0)
        return -EINVAL;
    *out_ms = s * 1000;
    return 0;
}

int gw_report_parse_time(const char *text, int64_t now_ms, int64_t *out_ms)
{
    if (!text || !*text)
        return -EINVAL;
    if (parse_local(text, out_ms) == 0)
        return 0;
    /* A local date that is not valid ("2026-02-30") is refused here: the graph's
     * parser would read it in the system's time zone. RFC 3339 times go on. */
    if (strlen(text) >= 10 && text[4] == '-' && text[7] == '-' && !strpbrk(text + 10, "Zz+-"))
        return -EINVAL;
    int64_t s;
    if (gw_graph_parse_time(text, now_ms / 1000, &s) < 0)
        return -EINVAL;
    *out_ms = s * 1000;
    return 0;
}

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

/* Reads the main RRD file of target t over [from, to]; 0, -ENOENT or -EIO. */
static int read_rows(struct build *b, const struct gw_target_conf *t, int64_t from_ms,
                     int64_t to_ms, struct gw_rrd_rows *rows)
{
    const struct gw_council_conf *c = &b->config->councils[t->council];
    char *path = gw_xasprintf("%s/%s/%s.rrd", b->config->daemon.data_dir, c->id, t->name);
    char *name = gw_xasprintf("%s/%s.rrd", c->id, t->name);
    char *err = NULL;
    int rc =
        gw_rrd_rows_read(b->reader, path, name, from_ms / 1000, (to_ms + 999) / 1000, rows, &err);
    if (rc == 0) {
        b->r->rrd_files_read++;
    } else if (rc != -ENOENT) {
        b->r->rrd_files_failed++;
        gw_log_warning("report: cannot read %s: %s", path, err ? err : strerror(-rc));
    }
    free(err);
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

/* ---- charge points ------------------------------------------------------------ */

/* "%2F" back to "/" for people; an id cut and hashed stays as it is. */
static char *item_id_of(const char *file)
{
    size_t len = strlen(file) - 4; /* ".rrd" */
    char *id = gw_xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        if (file[i] == '%' && i + 2 < len && sscanf(file + i + 1, "%2x", &v) == 1) {
            id[o++] = (char)v;
            i += 2;
        } else {
            id[o++] = file[i];
        }
    }
    id[o] = '\0';
    return id;
}

static int charger_cmp(const void *a, const void *b)
{
    return strcmp(((const struct gw_report_charger *)a)->id,
                  ((const struct gw_report_charger *)b)->id);
}

/* Adds the rows of a `working` or ratio column to p, each counted for its part in [from, to). */
static void add_ratio_rows(struct gw_pcpr *p, const struct gw_rrd_rows *rows, int col, int64_t from,
                           int64_t to)
{
    for (size_t k = 0; k < rows->n_rows; k++) {
        int64_t r0 = rows->first_ms + (int64_t)k * rows->step_ms, r1 = r0 + rows->step_ms;
        int64_t lo = r0 > from ? r0 : from, hi = r1 < to ? r1 : to;
        if (hi > lo)
            gw_pcpr_add_ratio(p, rows->data[k * rows->n_cols + (size_t)col], hi - lo);
    }
}

static void build_pcpr_target(struct build *b, const struct gw_target_conf *t)
{
    struct gw_report *r = b->r;
    const struct gw_council_conf *c = &b->config->councils[t->council];
    char *dir = gw_xasprintf("%s/%s/%s.items", b->config->daemon.data_dir, c->id, t->name);
    struct gw_report_pcpr entry = {.target = t, .rapid_reliability = NAN};

    /* The feed's own figure for its rapid charge points, from the target's file. */
    struct gw_rrd_rows rows;
    if (read_rows(b, t, r->start_ms, r->measured_end_ms, &rows) == 0) {
        int col = gw_rrd_rows_col(&rows, "rapid_reliability");
        if (col >= 0) {
            struct gw_pcpr net = {0};
            add_ratio_rows(&net, &rows, col, r->start_ms, r->measured_end_ms);
            entry.rapid_reliability = gw_pcpr_reliability(&net);
        }
        gw_rrd_rows_clear(&rows);
    }

    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, ".rrd") != 0 || e->d_name[0] == '.')
            continue;
        char *path = gw_xasprintf("%s/%s", dir, e->d_name);
        char *name = gw_xasprintf("%s/%s.items/%s", c->id, t->name, e->d_name);
        char *err = NULL;
        int rc = gw_rrd_rows_read(b->reader, path, name, r->start_ms / 1000,
                                  (r->measured_end_ms + 999) / 1000, &rows, &err);
        if (rc == 0) {
            r->rrd_files_read++;
            int col = gw_rrd_rows_col(&rows, "working");
            if (col >= 0) {
                entry.chargers =
                    gw_xreallocarray(entry.chargers, entry.n_chargers + 1, sizeof(*entry.chargers));
                struct gw_report_charger *ch = &entry.chargers[entry.n_chargers++];
                memset(ch, 0, sizeof(*ch));
                ch->id = item_id_of(e->d_name);
                add_ratio_rows(&ch->p, &rows, col, r->start_ms, r->measured_end_ms);
                gw_pcpr_sum(&entry.network, &ch->p);
            }
            gw_rrd_rows_clear(&rows);
        } else {
            r->rrd_files_failed++;
            gw_log_warning("report: cannot read %s: %s", path, err ? err : strerror(-rc));
        }
        free(err);
        free(path);
        free(name);
    }
    if (d)
        closedir(d);
    free(dir);
    if (entry.n_chargers > 1)
        qsort(entry.chargers, entry.n_chargers, sizeof(*entry.chargers), charger_cmp);
    if (entry.n_chargers || !isnan(entry.rapid_reliability)) {
        r->pcpr = gw_xreallocarray(r->pcpr, r->n_pcpr + 1, sizeof(*r->pcpr));
        r->pcpr[r->n_pcpr++] = entry;
    }
}

static bool is_charging(const struct gw_target_conf *t)
{
    for (size_t i = 0; i < t->n_figures; i++)
        if (strcmp(t->figures[i].name, "rapid_reliability") == 0)
            return true;
    return t->category && strcmp(t->category, "ev-charging") == 0;
}

/* ---- the report --------------------------------------------------------------- */

static void read_event_log(struct build *b)
{
    struct gw_report *r = b->r;
    const char *dir = b->config->daemon.data_dir;
    r->event_log = gw_event_lines_exists(dir);
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

int gw_report_build(struct gw_config *config, const struct gw_report_request *req,
                    struct gw_report **out, char **error)
{
    *out = NULL;
    *error = NULL;
    int rc = check_request(config, req, error);
    if (rc < 0)
        return rc;

    struct gw_report *r = gw_xcalloc(1, sizeof(*r));
    r->config = gw_config_ref(config);
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
        b.total += 1 + is_charging(t);
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
        if (b.wanted[i] && is_charging(&config->targets[i])) {
            build_pcpr_target(&b, &config->targets[i]);
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
    gw_config_unref(r->config);
    free(r);
}
