#include "storage/rrd_schema.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strmap.h"
#include "util/xalloc.h"

#define DAY_S     86400u
#define XFF       "0.5"
#define TIERS_MAX 4

struct gw_rrd_series {
    atomic_uint refs;
    enum gw_rrd_kind kind;
    char *dir;
    char *id;
    char *paths[GW_RRD_FILES_MAX];
    char *names[GW_RRD_FILES_MAX];
    size_t n_files;
    uint32_t step_s;
    size_t n_ds;
    struct gw_rrd_ds ds[];
};

static const char *const file_suffix[GW_RRD_FILES_MAX] = {".rrd", ".spread.rrd"};

/* ---------------------------------------------------------------------------
 * Archives
 * ------------------------------------------------------------------------ */

struct tier {
    uint64_t pdp_per_row;
    uint64_t rows;
};

struct tier_def {
    uint64_t resolution_s; /* 0: the step itself */
    uint64_t span_s;       /* 0: no such tier */
};

static const struct tier_def tier_defs[][TIERS_MAX] = {
    [GW_RRD_KIND_TARGET] =
        {
            {0, 2 * DAY_S},
            {300, 14 * DAY_S},
            {3600, 90 * DAY_S},
            {DAY_S, 1827 * (uint64_t)DAY_S},
        },
    /* An item's file answers "when did this charger work?" for today and
     * for the year: no single-step tier, no 14-day tier. */
    [GW_RRD_KIND_ITEM] =
        {
            {300, 2 * DAY_S},
            {3600, 90 * DAY_S},
            {DAY_S, 1827 * (uint64_t)DAY_S},
        },
};

static uint64_t div_ceil(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

/* The tiers of a step, finest first; see the rule in rrd_schema.h. */
static size_t schema_tiers(enum gw_rrd_kind kind, uint32_t step_s, struct tier out[TIERS_MAX])
{
    uint64_t step = step_s ? step_s : 1;
    size_t n = 0;
    for (size_t i = 0; i < TIERS_MAX && tier_defs[kind][i].span_s; i++) {
        uint64_t res = tier_defs[kind][i].resolution_s;
        uint64_t ppr = res ? (2 * res + step) / (2 * step) : 1;
        if (ppr == 0)
            ppr = 1;
        uint64_t rows = div_ceil(tier_defs[kind][i].span_s, ppr * step);
        if (i == 0 && res == 0 && rows > GW_RRD_FULL_ROWS_MAX)
            rows = GW_RRD_FULL_ROWS_MAX;
        if (n > 0 && out[n - 1].pdp_per_row == ppr) {
            if (rows > out[n - 1].rows)
                out[n - 1].rows = rows;
            continue;
        }
        out[n].pdp_per_row = ppr;
        out[n].rows = rows;
        n++;
    }
    return n;
}

/* The consolidation functions file f keeps for tier t (NULL-terminated). */
static const char *const *tier_cfs(size_t f, const struct tier *t)
{
    static const char *const average[] = {"AVERAGE", NULL};
    static const char *const extremes[] = {"MIN", "MAX", NULL};
    static const char *const none[] = {NULL};
    if (f == GW_RRD_FILE_MAIN)
        return average;
    return t->pdp_per_row > 1 ? extremes : none;
}

static size_t cf_count(const char *const *cfs)
{
    size_t n = 0;
    while (cfs[n])
        n++;
    return n;
}

/* Archives and rows (all archives together) of file f at this step. */
static void file_shape(enum gw_rrd_kind kind, uint32_t step_s, size_t f, uint64_t *n_rra,
                       uint64_t *rows)
{
    struct tier tiers[TIERS_MAX];
    size_t n_tiers = schema_tiers(kind, step_s, tiers);
    *n_rra = *rows = 0;
    for (size_t i = 0; i < n_tiers; i++) {
        size_t n_cf = cf_count(tier_cfs(f, &tiers[i]));
        *n_rra += n_cf;
        *rows += n_cf * tiers[i].rows;
    }
}

static bool has_spread(enum gw_rrd_kind kind, uint32_t step_s)
{
    if (kind == GW_RRD_KIND_ITEM)
        return false;
    uint64_t n_rra, rows;
    file_shape(kind, step_s, GW_RRD_FILE_SPREAD, &n_rra, &rows);
    return n_rra > 0;
}

/* ---------------------------------------------------------------------------
 * Series
 * ------------------------------------------------------------------------ */

static bool ds_name_valid(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len >= GW_FIGURE_NAME_MAX)
        return false;
    for (const char *c = name; *c; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '_';
        if (!ok)
            return false;
    }
    return true;
}

/* A council or target id becomes a path component: it must stay one. */
static bool component_valid(const char *s)
{
    return s && *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static void ds_set(struct gw_rrd_ds *ds, const char *name, double min, double max)
{
    snprintf(ds->name, sizeof(ds->name), "%s", name);
    ds->min = min;
    ds->max = max;
}

static bool is_core(const char *name)
{
    return strcmp(name, "up") == 0 || strcmp(name, "degraded") == 0 || strcmp(name, "latency") == 0;
}

struct gw_rrd_series *gw_rrd_series_new(const char *data_dir, const char *council,
                                        const char *target, uint32_t step_s,
                                        const struct gw_figure_decl *figures, size_t n_figures)
{
    if (!data_dir || !*data_dir || !component_valid(council) || !component_valid(target))
        return NULL;

    struct gw_rrd_series *s =
        gw_xcalloc(1, sizeof(*s) + (GW_RRD_CORE_DS + n_figures) * sizeof(struct gw_rrd_ds));
    ds_set(&s->ds[GW_RRD_DS_UP], "up", 0, 1);
    ds_set(&s->ds[GW_RRD_DS_DEGRADED], "degraded", 0, 1);
    ds_set(&s->ds[GW_RRD_DS_LATENCY], "latency", 0, NAN);
    s->n_ds = GW_RRD_CORE_DS;
    for (size_t i = 0; i < n_figures; i++) {
        const char *name = figures[i].name;
        if (!ds_name_valid(name)) {
            free(s);
            return NULL;
        }
        size_t j = 0;
        while (j < s->n_ds && strcmp(s->ds[j].name, name) != 0)
            j++;
        if (j < GW_RRD_CORE_DS)
            continue;
        if (j < s->n_ds) {
            free(s);
            return NULL;
        }
        ds_set(&s->ds[s->n_ds++], name, figures[i].min, figures[i].max);
    }

    /* "data/" and "data" name the same directory; keep paths tidy in messages. */
    size_t dir_len = strlen(data_dir);
    while (dir_len > 1 && data_dir[dir_len - 1] == '/')
        dir_len--;
    atomic_init(&s->refs, 1);
    s->step_s = step_s ? step_s : 1;
    s->dir = gw_xasprintf("%.*s/%s", (int)dir_len, data_dir, council);
    s->id = gw_xasprintf("%s/%s", council, target);
    s->n_files = has_spread(GW_RRD_KIND_TARGET, s->step_s) ? 2 : 1;
    for (size_t f = 0; f < s->n_files; f++) {
        s->paths[f] = gw_xasprintf("%s/%s%s", s->dir, target, file_suffix[f]);
        s->names[f] = gw_xasprintf("%s%s", s->id, file_suffix[f]);
    }
    return s;
}

void gw_rrd_schema_item_file(const char *item_id, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    /* A name that does not fit ends in a hash of the whole id instead. */
    size_t room = size - 18;
    size_t o = 0;
    bool cut = false;
    for (const unsigned char *p = (const unsigned char *)item_id; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
                     (*p == '.' && p != (const unsigned char *)item_id);
        size_t need = plain ? 1 : 3;
        if (o + need > room) {
            cut = true;
            break;
        }
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (cut)
        o += (size_t)snprintf(out + o, size - o, "~%016llx",
                              (unsigned long long)gw_strmap_hash(item_id));
    out[o] = '\0';
    if (o == 0)
        snprintf(out, size, "%%");
}

struct gw_rrd_series *gw_rrd_series_new_item(const char *data_dir, const char *council,
                                             const char *target, const char *item_file,
                                             uint32_t step_s)
{
    if (!data_dir || !*data_dir || !component_valid(council) || !component_valid(target) ||
        !component_valid(item_file) || item_file[0] == '.')
        return NULL;
    struct gw_rrd_series *s = gw_xcalloc(1, sizeof(*s) + 2 * sizeof(struct gw_rrd_ds));
    ds_set(&s->ds[GW_RRD_ITEM_DS_UP], "up", 0, 1);
    ds_set(&s->ds[GW_RRD_ITEM_DS_WORKING], "working", 0, 1);
    s->n_ds = 2;
    size_t dir_len = strlen(data_dir);
    while (dir_len > 1 && data_dir[dir_len - 1] == '/')
        dir_len--;
    atomic_init(&s->refs, 1);
    s->kind = GW_RRD_KIND_ITEM;
    s->step_s = step_s ? step_s : 1;
    s->dir = gw_xasprintf("%.*s/%s/%s.items", (int)dir_len, data_dir, council, target);
    s->id = gw_xasprintf("%s/%s/%s", council, target, item_file);
    s->n_files = 1;
    s->paths[0] = gw_xasprintf("%s/%s.rrd", s->dir, item_file);
    s->names[0] = gw_xasprintf("%s/%s.items/%s.rrd", council, target, item_file);
    return s;
}

struct gw_rrd_series *gw_rrd_series_ref(struct gw_rrd_series *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void gw_rrd_series_unref(struct gw_rrd_series *s)
{
    if (!s)
        return;
    /* Release/acquire so the freeing thread sees every other holder's last reads done. */
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t f = 0; f < s->n_files; f++) {
        free(s->paths[f]);
        free(s->names[f]);
    }
    free(s->dir);
    free(s->id);
    free(s);
}

const char *gw_rrd_series_path(const struct gw_rrd_series *s)
{
    return s->paths[GW_RRD_FILE_MAIN];
}

const char *gw_rrd_series_dir(const struct gw_rrd_series *s)
{
    return s->dir;
}

const char *gw_rrd_series_id(const struct gw_rrd_series *s)
{
    return s->id;
}

uint32_t gw_rrd_series_step(const struct gw_rrd_series *s)
{
    return s->step_s;
}

enum gw_rrd_kind gw_rrd_series_kind(const struct gw_rrd_series *s)
{
    return s->kind;
}

size_t gw_rrd_series_ds_count(const struct gw_rrd_series *s)
{
    return s->n_ds;
}

const struct gw_rrd_ds *gw_rrd_series_ds(const struct gw_rrd_series *s, size_t i)
{
    return &s->ds[i];
}

size_t gw_rrd_series_file_count(const struct gw_rrd_series *s)
{
    return s->n_files;
}

const char *gw_rrd_series_file_path(const struct gw_rrd_series *s, size_t f)
{
    return s->paths[f];
}

const char *gw_rrd_series_file_name(const struct gw_rrd_series *s, size_t f)
{
    return s->names[f];
}

size_t gw_rrd_series_file_ds_count(const struct gw_rrd_series *s, size_t f)
{
    return f == GW_RRD_FILE_MAIN ? s->n_ds : 1;
}

size_t gw_rrd_series_file_ds(const struct gw_rrd_series *s, size_t f, size_t i)
{
    (void)s;
    return f == GW_RRD_FILE_MAIN ? i : GW_RRD_DS_LATENCY;
}

/* ---------------------------------------------------------------------------
 * Creation arguments
 * ------------------------------------------------------------------------ */

/* Shortest text that reads back as the same double; "U" for unbounded. */
static char *bound_text(double v)
{
    if (!isfinite(v))
        return gw_xstrdup("U");
    char *text = gw_xasprintf("%.15g", v);
    if (strtod(text, NULL) != v) {
        free(text);
        text = gw_xasprintf("%.17g", v);
    }
    return text;
}

char *gw_rrd_schema_ds_arg(const struct gw_rrd_series *s, size_t i)
{
    char *min = bound_text(s->ds[i].min);
    char *max = bound_text(s->ds[i].max);
    char *arg = gw_xasprintf("DS:%s:GAUGE:%llu:%s:%s", s->ds[i].name,
                             (unsigned long long)(2 * (uint64_t)s->step_s), min, max);
    free(min);
    free(max);
    return arg;
}

int gw_rrd_schema_create_args(const struct gw_rrd_series *s, size_t f, char ***argv_out,
                              int *argc_out)
{
    if (f >= s->n_files)
        return -EINVAL;
    struct tier tiers[TIERS_MAX];
    size_t n_tiers = schema_tiers(s->kind, s->step_s, tiers);
    uint64_t n_rra, rows;
    file_shape(s->kind, s->step_s, f, &n_rra, &rows);
    size_t n_ds = gw_rrd_series_file_ds_count(s, f);

    char **argv = gw_xcalloc(n_ds + n_rra + 1, sizeof(*argv));
    size_t argc = 0;
    for (size_t i = 0; i < n_ds; i++)
        argv[argc++] = gw_rrd_schema_ds_arg(s, gw_rrd_series_file_ds(s, f, i));
    for (size_t i = 0; i < n_tiers; i++)
        for (const char *const *cf = tier_cfs(f, &tiers[i]); *cf; cf++)
            argv[argc++] = gw_xasprintf("RRA:%s:" XFF ":%llu:%llu", *cf,
                                        (unsigned long long)tiers[i].pdp_per_row,
                                        (unsigned long long)tiers[i].rows);
    argv[argc] = NULL;
    *argv_out = argv;
    *argc_out = (int)argc;
    return 0;
}

void gw_rrd_schema_args_free(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

/* ---------------------------------------------------------------------------
 * Sizes
 * ------------------------------------------------------------------------ */

/*
 * librrd's on-disk structures on LP64 (rrd_format.h): the static header, one
 * definition per data source and per archive, the live header, one PDP
 * preparation area per data source, one CDP preparation area per data source
 * in each archive, and one row pointer per archive.
 */
#define RRD_STAT_HEAD_BYTES 128u
#define RRD_DS_DEF_BYTES    120u
#define RRD_RRA_DEF_BYTES   120u
#define RRD_LIVE_HEAD_BYTES 16u
#define RRD_PDP_PREP_BYTES  112u
#define RRD_CDP_PREP_BYTES  80u
#define RRD_RRA_PTR_BYTES   8u

/* The size of a file of this kind and shape; see gw_rrd_schema_file_size. */
static uint64_t file_size(enum gw_rrd_kind kind, uint32_t step_s, size_t f, size_t n_ds)
{
    uint64_t n_rra, rows;
    file_shape(kind, step_s, f, &n_rra, &rows);
    if (n_rra == 0)
        return 0;
    uint64_t header = RRD_STAT_HEAD_BYTES + RRD_DS_DEF_BYTES * n_ds + RRD_RRA_DEF_BYTES * n_rra +
                      RRD_LIVE_HEAD_BYTES + RRD_PDP_PREP_BYTES * n_ds +
                      RRD_CDP_PREP_BYTES * n_ds * n_rra + RRD_RRA_PTR_BYTES * n_rra;
    return header + rows * n_ds * sizeof(double);
}

uint64_t gw_rrd_schema_file_size(uint32_t step_s, size_t f, size_t n_ds)
{
    if (f >= GW_RRD_FILES_MAX)
        return 0;
    return file_size(GW_RRD_KIND_TARGET, step_s, f, f == GW_RRD_FILE_SPREAD ? 1 : n_ds);
}

uint64_t gw_rrd_schema_item_file_size(uint32_t step_s)
{
    return file_size(GW_RRD_KIND_ITEM, step_s, GW_RRD_FILE_MAIN, 2);
}

uint64_t gw_rrd_schema_target_size(uint32_t step_s, size_t n_ds)
{
    uint64_t total = 0;
    for (size_t f = 0; f < GW_RRD_FILES_MAX; f++)
        total += gw_rrd_schema_file_size(step_s, f, n_ds);
    return total;
}

size_t gw_rrd_schema_ds_count(const struct gw_figure_decl *figures, size_t n_figures)
{
    size_t n = GW_RRD_CORE_DS;
    for (size_t i = 0; i < n_figures; i++) {
        const char *name = figures[i].name;
        if (!name || is_core(name))
            continue;
        size_t j = 0;
        while (j < i && !(figures[j].name && strcmp(figures[j].name, name) == 0))
            j++;
        if (j == i)
            n++;
    }
    return n;
}

/* ---------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------ */

static double known(double v)
{
    return isfinite(v) ? v : NAN;
}

void gw_rrd_schema_values(const struct gw_rrd_series *s, const struct gw_result *result,
                          double *values)
{
    switch (result->status) {
    case GW_STATUS_UP:
        values[GW_RRD_DS_UP] = 1;
        values[GW_RRD_DS_DEGRADED] = 0;
        break;
    case GW_STATUS_DEGRADED:
        values[GW_RRD_DS_UP] = 1;
        values[GW_RRD_DS_DEGRADED] = 1;
        break;
    case GW_STATUS_DOWN:
        values[GW_RRD_DS_UP] = 0;
        values[GW_RRD_DS_DEGRADED] = 0;
        break;
    default:
        values[GW_RRD_DS_UP] = NAN;
        values[GW_RRD_DS_DEGRADED] = NAN;
        break;
    }
    values[GW_RRD_DS_LATENCY] = known(gw_result_figure(result, "latency"));
    for (size_t i = GW_RRD_CORE_DS; i < s->n_ds; i++)
        values[i] = known(gw_result_figure(result, s->ds[i].name));
}

void gw_rrd_schema_item_values(int status, uint32_t flags, double values[2])
{
    switch (status) {
    case GW_ITEM_UP:
    case GW_ITEM_DEGRADED:
        values[GW_RRD_ITEM_DS_UP] = 1;
        values[GW_RRD_ITEM_DS_WORKING] = 1;
        break;
    case GW_ITEM_DOWN:
        values[GW_RRD_ITEM_DS_UP] = 0;
        values[GW_RRD_ITEM_DS_WORKING] = 0;
        break;
    case GW_ITEM_EXCLUDED:
        values[GW_RRD_ITEM_DS_UP] = NAN;
        values[GW_RRD_ITEM_DS_WORKING] = NAN;
        break;
    default:
        /* Unknown is never downtime; the Regulations count it as working. */
        values[GW_RRD_ITEM_DS_UP] = NAN;
        values[GW_RRD_ITEM_DS_WORKING] = 1;
        break;
    }
    /* The Regulations' measure is of rapid charge points alone. */
    if (!(flags & GW_ITEM_RAPID))
        values[GW_RRD_ITEM_DS_WORKING] = NAN;
}
