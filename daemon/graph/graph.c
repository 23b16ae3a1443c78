#include "graph/graph.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <rrd.h>
#include <rrd_client.h>

#include "plugin/host.h"
#include "plugin/plugins.h"
#include "util/diag.h"
#include "util/units.h"
#include "util/xalloc.h"

/* librrd's graphing keeps global state: one drawing at a time in the process. */
static pthread_mutex_t graph_lock = PTHREAD_MUTEX_INITIALIZER;

#define FONT "DejaVu Sans"

/* Status colours, and the same colours see-through for shading behind a line. */
#define COLOR_UP          "#3A9D4A"
#define COLOR_DEGRADED    "#F2A900"
#define COLOR_DOWN        "#D62728"
#define COLOR_NO_DATA     "#CFCFCF"
#define SHADE_DEGRADED    "#F2A90080"
#define SHADE_DOWN        "#D6272880"
#define SHADE_NO_DATA     "#CFCFCF80"
#define COLOR_LATENCY     "#1F5FA8"
#define SHADE_LATENCY     "#1F5FA833"
#define SHADE_SMOKE       "#1F5FA824"
#define COLOR_TOTAL       "#333333"
#define SHADE_OPERATIONAL "#3A9D4A55"
#define COLOR_AVAILABLE   "#1F5FA8"
#define INVISIBLE         "#00000000"

/* Strips of the council and Wales graphs: a strip whose members' mean
 * availability falls below this within a pixel is drawn as down. */
#define STRIP_DOWN_BELOW "0.5"
/* Legend font of the strip graphs before it is fitted to the strips. */
#define STRIP_FONT_PT        8.0
#define STRIP_FONT_MIN       5.0
#define STRIP_SLOT_LINES_MAX 3
#define STRIP_GAP_PX         3

/* ---------------------------------------------------------------------------
 * Periods, times and sizes
 * ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    int64_t seconds;
    enum gw_i18n_key title;
} periods[] = {
    [GW_GRAPH_PERIOD_1H] = {"1h", 3600, GW_I18N_PERIOD_1H},
    [GW_GRAPH_PERIOD_1D] = {"1d", 86400, GW_I18N_PERIOD_1D},
    [GW_GRAPH_PERIOD_7D] = {"7d", 7 * 86400, GW_I18N_PERIOD_7D},
    [GW_GRAPH_PERIOD_30D] = {"30d", 30 * 86400, GW_I18N_PERIOD_30D},
    [GW_GRAPH_PERIOD_365D] = {"365d", 365 * 86400, GW_I18N_PERIOD_365D},
};
#define N_PERIODS (sizeof(periods) / sizeof(periods[0]))

int gw_graph_parse_period(const char *text, enum gw_graph_period *out)
{
    for (size_t i = 0; text && i < N_PERIODS; i++) {
        if (strcmp(text, periods[i].name) == 0) {
            *out = (enum gw_graph_period)i;
            return 0;
        }
    }
    return -EINVAL;
}

int64_t gw_graph_period_seconds(enum gw_graph_period period)
{
    return (unsigned)period < N_PERIODS ? periods[period].seconds : 0;
}

/*
 * The time axis for a span: grid lines, major lines and labels (librrd's
 * --x-grid), about eight labels whatever the span. Numeric labels only: the
 * names of days and months would follow the C locale, not the graph's
 * language.
 */
static const char *x_grid_for(int64_t span_s)
{
    static const struct {
        int64_t up_to_s;
        const char *grid;
    } grids[] = {
        {2 * 3600, "MINUTE:5:MINUTE:15:MINUTE:15:0:%H:%M"},
        {6 * 3600, "MINUTE:15:HOUR:1:HOUR:1:0:%H:%M"},
        {36 * 3600, "HOUR:1:HOUR:3:HOUR:3:0:%H:%M"},
        {10 * 86400, "HOUR:6:DAY:1:DAY:1:43200:%d/%m"},
        {60 * 86400, "DAY:1:WEEK:1:WEEK:1:0:%d/%m"},
        {400 * 86400, "MONTH:1:MONTH:3:MONTH:2:0:%m/%Y"},
    };
    for (size_t i = 0; i < sizeof(grids) / sizeof(grids[0]); i++)
        if (span_s <= grids[i].up_to_s)
            return grids[i].grid;
    return "MONTH:3:YEAR:1:YEAR:1:0:%Y";
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* "YYYY-MM-DD[( |T)HH:MM[:SS]]" in local time. */
static int parse_local_time(const char *text, int64_t *out_s)
{
    static const char *const formats[] = {
        "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
    };
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        struct tm tm = {0};
        const char *end = strptime(text, formats[i], &tm);
        if (!end || *end)
            continue;
        struct tm asked = tm;
        tm.tm_isdst = -1;
        time_t t = mktime(&tm);
        /* mktime turns 31 February into 3 March: refuse what it had to move. */
        if (t == (time_t)-1 || tm.tm_mday != asked.tm_mday || tm.tm_mon != asked.tm_mon)
            return -EINVAL;
        *out_s = (int64_t)t;
        return 0;
    }
    return -EINVAL;
}

int gw_graph_parse_time(const char *text, int64_t now_s, int64_t *out_s)
{
    if (!text || !*text)
        return -EINVAL;
    if (strcmp(text, "now") == 0) {
        *out_s = now_s;
        return 0;
    }
    if (text[0] == '-') {
        uint64_t ms;
        if (gw_units_parse_duration_ms(text + 1, &ms) < 0 || ms / 1000 > (uint64_t)INT64_MAX / 2)
            return -EINVAL;
        *out_s = now_s - (int64_t)(ms / 1000);
        return 0;
    }
    if (all_digits(text)) {
        errno = 0;
        char *end;
        unsigned long long v = strtoull(text, &end, 10);
        if (errno || v > (unsigned long long)INT32_MAX * 4)
            return -EINVAL;
        *out_s = (int64_t)v;
        return 0;
    }
    if (gw_units_parse_time(text, out_s) == 0)
        return 0;
    return parse_local_time(text, out_s);
}

int gw_graph_parse_size(const char *text, unsigned *width, unsigned *height)
{
    if (!text)
        return -EINVAL;
    const char *x = strpbrk(text, "xX");
    if (!x || x == text || !x[1])
        return -EINVAL;
    char *w_text = gw_xstrndup(text, (size_t)(x - text));
    bool digits = all_digits(w_text) && all_digits(x + 1);
    unsigned long w = strtoul(w_text, NULL, 10), h = strtoul(x + 1, NULL, 10);
    free(w_text);
    if (!digits || strlen(x + 1) > 6 || (size_t)(x - text) > 6)
        return -EINVAL;
    if (w < GW_GRAPH_WIDTH_MIN || w > GW_GRAPH_WIDTH_MAX || h < GW_GRAPH_HEIGHT_MIN ||
        h > GW_GRAPH_HEIGHT_MAX)
        return -ERANGE;
    *width = (unsigned)w;
    *height = (unsigned)h;
    return 0;
}

int gw_graph_format_of_path(const char *path, enum gw_graph_format *out)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/'))
        return -EINVAL;
    if (strcasecmp(dot, ".png") == 0)
        *out = GW_GRAPH_PNG;
    else if (strcasecmp(dot, ".svg") == 0)
        *out = GW_GRAPH_SVG;
    else
        return -EINVAL;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Strings and argument lists
 * ------------------------------------------------------------------------ */

struct sbuf {
    char *s;
    size_t len, cap;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = gw_xreallocarray(b->s, cap, 1);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void sb_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (len <= 0)
        return;
    char *tmp = gw_xmalloc((size_t)len + 1);
    vsnprintf(tmp, (size_t)len + 1, fmt, ap);
    sb_putn(b, tmp, (size_t)len);
    free(tmp);
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

/* The buffer's string, handed over (never NULL). */
static char *sb_take(struct sbuf *b)
{
    char *s = b->s ? b->s : gw_xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

/* Text for pango markup (titles and legends are drawn with --pango-markup). */
static void sb_markup(struct sbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            sb_puts(b, "&amp;");
        else if (*s == '<')
            sb_puts(b, "&lt;");
        else if (*s == '>')
            sb_puts(b, "&gt;");
        else
            sb_putn(b, s, 1);
    }
}

/* Text inside a graph element: markup escaped, ':' escaped for librrd, and
 * no backslash, which would start one of librrd's legend controls. */
static void sb_element_text(struct sbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == ':')
            sb_puts(b, "\\:");
        else if (*s == '\\')
            sb_puts(b, "/");
        else if (*s == '&' || *s == '<' || *s == '>') {
            char one[2] = {*s, '\0'};
            sb_markup(b, one);
        } else
            sb_putn(b, s, 1);
    }
}

static void sb_xml(struct sbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '"')
            sb_puts(b, "&quot;");
        else {
            char one[2] = {*s, '\0'};
            sb_markup(b, one);
        }
    }
}

/* A file name inside DEF:name=FILE:ds:CF, where ':' separates fields. */
static char *def_path(const char *path)
{
    struct sbuf b = {0};
    for (const char *s = path; *s; s++) {
        if (*s == ':')
            sb_puts(&b, "\\:");
        else
            sb_putn(&b, s, 1);
    }
    return sb_take(&b);
}

struct args {
    char **v;
    size_t n, cap;
};

static void args_add(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void args_add(struct args *a, const char *fmt, ...)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->v = gw_xreallocarray(a->v, a->cap, sizeof(*a->v));
    }
    struct sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    a->v[a->n++] = sb_take(&b);
    a->v[a->n] = NULL;
}

static void args_free(struct args *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

/* ---------------------------------------------------------------------------
 * Which file holds which data source
 *
 * A target's data sources may be spread over several files; each file is
 * asked what it holds, so the layout can change without this module knowing.
 * ------------------------------------------------------------------------ */

/* The consolidation functions a file's archives use. */
enum cf {
    CF_AVERAGE,
    CF_MIN,
    CF_MAX,
    CF_COUNT,
};

static const char *const cf_names[CF_COUNT] = {"AVERAGE", "MIN", "MAX"};

struct rrd_part {
    char *path;
    char *def_path; /* path escaped for DEF */
    bool has_cf[CF_COUNT];
};

/* One data source of one file; a name may be in several files (with other archives). */
struct ds_loc {
    char *name;
    size_t part;
    /* Over the graph's span, from the AVERAGE archive. */
    size_t n_known;
    double sum, max;
    double step_s;
};

struct catalogue {
    struct rrd_part *parts;
    size_t n_parts;
    struct ds_loc *ds;
    size_t n_ds;
};

/* The first file that holds data source `name` consolidated with `cf`, or NULL. */
static const struct ds_loc *catalogue_find_cf(const struct catalogue *cat, const char *name,
                                              enum cf cf)
{
    for (size_t i = 0; i < cat->n_ds; i++)
        if (strcmp(cat->ds[i].name, name) == 0 && cat->parts[cat->ds[i].part].has_cf[cf])
            return &cat->ds[i];
    return NULL;
}

/* Where `name` is averaged: what is drawn as a line and measured. */
static const struct ds_loc *catalogue_find(const struct catalogue *cat, const char *name)
{
    return catalogue_find_cf(cat, name, CF_AVERAGE);
}

/* "ds[NAME].index" gives NAME. */
static char *info_ds_name(const char *key)
{
    if (strncmp(key, "ds[", 3) != 0)
        return NULL;
    const char *close = strstr(key, "].index");
    if (!close || close[7] != '\0')
        return NULL;
    return gw_xstrndup(key + 3, (size_t)(close - key - 3));
}

/* Adds a file, its data sources and the consolidation functions of its archives. */
static void catalogue_add_file(struct catalogue *cat, const char *path)
{
    rrd_clear_error();
    rrd_info_t *info = rrd_info_r(path);
    if (!info) {
        rrd_clear_error();
        return;
    }
    struct rrd_part part = {0};
    size_t first_ds = cat->n_ds;
    for (rrd_info_t *i = info; i; i = i->next) {
        if (i->type == RD_I_STR && strncmp(i->key, "rra[", 4) == 0 && strstr(i->key, "].cf")) {
            for (int c = 0; c < CF_COUNT; c++)
                part.has_cf[c] = part.has_cf[c] || strcmp(i->value.u_str, cf_names[c]) == 0;
            continue;
        }
        char *name = info_ds_name(i->key);
        if (!name)
            continue;
        cat->ds = gw_xreallocarray(cat->ds, cat->n_ds + 1, sizeof(*cat->ds));
        cat->ds[cat->n_ds++] = (struct ds_loc){.name = name, .part = cat->n_parts};
    }
    rrd_info_free(info);
    if (cat->n_ds == first_ds)
        return;
    part.path = gw_xstrdup(path);
    part.def_path = def_path(path);
    cat->parts = gw_xreallocarray(cat->parts, cat->n_parts + 1, sizeof(*cat->parts));
    cat->parts[cat->n_parts++] = part;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* <dir>/<target>.rrd first, then <dir>/<target>.<part>.rrd in name order. */
static void catalogue_scan(struct catalogue *cat, const char *data_dir, const char *council,
                           const char *target)
{
    char *dir = gw_xasprintf("%s/%s", data_dir, council);
    char *main_path = gw_xasprintf("%s/%s.rrd", dir, target);
    struct stat st;
    if (stat(main_path, &st) == 0 && S_ISREG(st.st_mode))
        catalogue_add_file(cat, main_path);
    free(main_path);

    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0;
    size_t tlen = strlen(target);
    for (struct dirent *e; d && (e = readdir(d));) {
        const char *name = e->d_name;
        size_t len = strlen(name);
        if (len <= tlen + 5 || strncmp(name, target, tlen) != 0 || name[tlen] != '.' ||
            strcmp(name + len - 4, ".rrd") != 0)
            continue;
        /* Exactly one part between the dots: target ids have none of their own. */
        const char *part = name + tlen + 1;
        if (memchr(part, '.', (size_t)(name + len - 4 - part)))
            continue;
        names = gw_xreallocarray(names, n + 1, sizeof(*names));
        names[n++] = gw_xasprintf("%s/%s", dir, name);
    }
    if (d)
        closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        catalogue_add_file(cat, names[i]);
        free(names[i]);
    }
    free(names);
    free(dir);
}

/*
 * Flushes the files through rrdcached so the newest points are drawn. Uses
 * librrd's one process-wide rrdcached connection (the only client interface
 * librrd 1.7 exports), under graph_lock.
 */
static void catalogue_flush(const struct catalogue *cat, bool connected)
{
    for (size_t i = 0; connected && i < cat->n_parts; i++)
        if (rrdc_flush(cat->parts[i].path) != 0)
            rrd_clear_error();
}

/* Sums, counts and maxima of every data source over [start, end]. */
static void catalogue_stats(struct catalogue *cat, int64_t start_s, int64_t end_s,
                            unsigned long step_s)
{
    for (size_t p = 0; p < cat->n_parts; p++) {
        if (!cat->parts[p].has_cf[CF_AVERAGE])
            continue;
        time_t start = (time_t)start_s, end = (time_t)end_s;
        unsigned long step = step_s, n_cols = 0;
        char **names = NULL;
        rrd_value_t *data = NULL;
        rrd_clear_error();
        if (rrd_fetch_r(cat->parts[p].path, "AVERAGE", &start, &end, &step, &n_cols, &names,
                        &data) != 0) {
            rrd_clear_error();
            continue;
        }
        size_t rows = step ? (size_t)((end - start) / (time_t)step) : 0;
        for (unsigned long c = 0; c < n_cols; c++) {
            struct ds_loc *loc = NULL;
            for (size_t d = 0; d < cat->n_ds && !loc; d++)
                if (cat->ds[d].part == p && strcmp(cat->ds[d].name, names[c]) == 0)
                    loc = &cat->ds[d];
            if (loc) {
                loc->step_s = (double)step;
                for (size_t r = 0; r < rows; r++) {
                    double v = data[r * n_cols + c];
                    if (isnan(v))
                        continue;
                    loc->sum += v;
                    loc->max = loc->n_known ? fmax(loc->max, v) : v;
                    loc->n_known++;
                }
            }
            rrd_freemem(names[c]);
        }
        rrd_freemem(names);
        rrd_freemem(data);
    }
}

static void catalogue_free(struct catalogue *cat)
{
    for (size_t i = 0; i < cat->n_parts; i++) {
        free(cat->parts[i].path);
        free(cat->parts[i].def_path);
    }
    for (size_t i = 0; i < cat->n_ds; i++)
        free(cat->ds[i].name);
    free(cat->parts);
    free(cat->ds);
    memset(cat, 0, sizeof(*cat));
}

static double ds_mean(const struct ds_loc *loc)
{
    return loc && loc->n_known ? loc->sum / (double)loc->n_known : NAN;
}

/* Seconds of downtime: the known rows' share of "not up", in time. */
static double ds_downtime_s(const struct ds_loc *loc)
{
    return loc ? ((double)loc->n_known - loc->sum) * loc->step_s : 0;
}

/* ---------------------------------------------------------------------------
 * Figures as text
 * ------------------------------------------------------------------------ */

/*
 * "99.95 %", rounded down so that any downtime keeps it below 100, padded on
 * the left with figure spaces (as wide as a digit) so columns line up; "—"
 * when nothing is known.
 */
static void sb_availability(struct sbuf *b, double ratio, bool pad)
{
    if (isnan(ratio)) {
        sb_puts(b, pad ? "\u2007\u2007\u2007\u2007—\u2007\u2007" : "—");
        return;
    }
    double pct = floor(ratio * 10000.0 + 1e-6) / 100.0;
    char text[32];
    snprintf(text, sizeof(text), "%6.2f %%", pct);
    const char *t = text;
    while (*t == ' ') {
        if (pad)
            sb_puts(b, "\u2007");
        t++;
    }
    sb_puts(b, t);
}

static void sb_duration(struct sbuf *b, double seconds, enum gw_lang lang)
{
    long s = lround(seconds);
    if (s < 60) {
        sb_printf(b, "%ld %s", s, gw_i18n_text(lang, GW_I18N_UNIT_SECONDS));
    } else if (s < 3600) {
        sb_printf(b, "%ld %s", s / 60, gw_i18n_text(lang, GW_I18N_UNIT_MINUTES));
    } else if (s < 2 * 86400) {
        sb_printf(b, "%ld %s %02ld %s", s / 3600, gw_i18n_text(lang, GW_I18N_UNIT_HOURS),
                  (s % 3600) / 60, gw_i18n_text(lang, GW_I18N_UNIT_MINUTES));
    } else {
        sb_printf(b, "%.1f %s", seconds / 86400.0, gw_i18n_text(lang, GW_I18N_UNIT_DAYS));
    }
}

/* "12.3" for milliseconds: one decimal below 100, none above. */
static void sb_ms(struct sbuf *b, double seconds)
{
    double ms = seconds * 1000.0;
    sb_printf(b, ms < 100 ? "%.1f" : "%.0f", ms);
}

/* ---------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------ */

struct render {
    const struct gw_config *config;
    const struct gw_graph_request *req;
    unsigned width, height;
    char *title;      /* markup */
    char *title_text; /* plain, for the SVG <title> */
    struct sbuf desc; /* plain, for the SVG <desc> */
    bool cached;      /* connected to rrdcached */
};

static void sb_period(struct sbuf *b, const struct render *r)
{
    const struct gw_graph_request *req = r->req;
    if ((unsigned)req->period < N_PERIODS) {
        sb_puts(b, gw_i18n_text(req->lang, periods[req->period].title));
        return;
    }
    char from[32], to[32];
    struct tm tm;
    time_t t = (time_t)req->start_s;
    strftime(from, sizeof(from), "%d/%m/%Y %H:%M", localtime_r(&t, &tm));
    t = (time_t)req->end_s;
    strftime(to, sizeof(to), "%d/%m/%Y %H:%M", localtime_r(&t, &tm));
    sb_printf(b, "%s – %s", from, to);
}

/* The title as markup and as plain text: a bold head, then the rest. */
static void render_set_title(struct render *r, const char *head, const char *middle)
{
    struct sbuf plain = {0}, markup = {0}, period = {0};
    sb_period(&period, r);
    sb_puts(&plain, head);
    sb_puts(&markup, "<b>");
    sb_markup(&markup, head);
    sb_puts(&markup, "</b>");
    if (middle) {
        sb_printf(&plain, " · %s", middle);
        sb_puts(&markup, " · ");
        sb_markup(&markup, middle);
    }
    sb_printf(&plain, " · %s", period.s);
    sb_puts(&markup, " · ");
    sb_markup(&markup, period.s);
    free(period.s);
    r->title = sb_take(&markup);
    r->title_text = sb_take(&plain);
}

static void add_common(struct args *a, const struct render *r)
{
    const struct gw_graph_request *req = r->req;
    args_add(a, "graph");
    args_add(a, "-");
    args_add(a, "--imgformat=%s", req->format == GW_GRAPH_SVG ? "SVG" : "PNG");
    args_add(a, "--full-size-mode");
    args_add(a, "--width=%u", r->width);
    args_add(a, "--height=%u", r->height);
    args_add(a, "--start=%lld", (long long)req->start_s);
    args_add(a, "--end=%lld", (long long)req->end_s);
    args_add(a, "--title=%s", r->title);
    args_add(a, "--pango-markup");
    args_add(a, "--disable-rrdtool-tag");
    args_add(a, "--border=0");
    args_add(a, "--x-grid=%s", x_grid_for(req->end_s - req->start_s));
    args_add(a, "--font=DEFAULT:8:" FONT);
    args_add(a, "--font=TITLE:10:" FONT);
    args_add(a, "--font=AXIS:7:" FONT);
    args_add(a, "--font=UNIT:8:" FONT);
    static const char *const colors[] = {
        "BACK#FFFFFF",  "CANVAS#FFFFFF", "SHADEA#FFFFFF", "SHADEB#FFFFFF", "FRAME#9A9A9A",
        "ARROW#9A9A9A", "GRID#E4E4E4",   "MGRID#C4C4C4",  "FONT#1A1A1A",   "AXIS#9A9A9A",
    };
    for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
        args_add(a, "--color=%s", colors[i]);
}

/* A legend entry that draws nothing: a swatch of `color` with `text`. */
static void add_key(struct args *a, const char *nil, const char *color, const char *text,
                    const char *end)
{
    struct sbuf b = {0};
    sb_element_text(&b, text);
    args_add(a, "AREA:%s%s:%s%s", nil, color, b.s, end);
    free(b.s);
}

struct graph_out {
    unsigned char *image;
    size_t size;
    long graph_top, graph_height;
    long *label_top, *label_bottom; /* of legend entries, in order */
    size_t n_labels;
};

static void graph_out_free(struct graph_out *o)
{
    free(o->image);
    free(o->label_top);
    free(o->label_bottom);
    memset(o, 0, sizeof(*o));
}

static long info_long(const rrd_info_t *i)
{
    switch (i->type) {
    case RD_I_CNT:
        return (long)i->value.u_cnt;
    case RD_I_INT:
        return i->value.u_int;
    case RD_I_VAL:
        return lround(i->value.u_val);
    default:
        return 0;
    }
}

/* Runs rrd_graph_v; the caller holds graph_lock. */
static int run_graph(struct args *a, struct graph_out *out, char **error_out)
{
    memset(out, 0, sizeof(*out));
    rrd_clear_error();
    rrd_info_t *info = rrd_graph_v((int)a->n, a->v);
    if (!info) {
        const char *msg = rrd_get_error();
        *error_out = gw_xasprintf("cannot draw the graph: %s", msg && *msg ? msg : "librrd failed");
        rrd_clear_error();
        return -EIO;
    }
    for (rrd_info_t *i = info; i; i = i->next) {
        if (strcmp(i->key, "image") == 0 && i->type == RD_I_BLO) {
            out->size = i->value.u_blo.size;
            out->image = gw_xmalloc(out->size ? out->size : 1);
            memcpy(out->image, i->value.u_blo.ptr, out->size);
        } else if (strcmp(i->key, "graph_top") == 0) {
            out->graph_top = info_long(i);
        } else if (strcmp(i->key, "graph_height") == 0) {
            out->graph_height = info_long(i);
        } else if (strncmp(i->key, "coords[", 7) == 0 && i->type == RD_I_STR) {
            long x1, y1, x2, y2;
            if (sscanf(i->value.u_str, "%ld,%ld,%ld,%ld", &x1, &y1, &x2, &y2) != 4)
                continue;
            size_t k = out->n_labels++;
            out->label_top = gw_xreallocarray(out->label_top, out->n_labels, sizeof(long));
            out->label_bottom = gw_xreallocarray(out->label_bottom, out->n_labels, sizeof(long));
            out->label_top[k] = y1;
            out->label_bottom[k] = y2;
        }
    }
    rrd_info_free(info);
    if (!out->image) {
        *error_out = gw_xstrdup("cannot draw the graph: librrd returned no image");
        graph_out_free(out);
        return -EIO;
    }
    return 0;
}

/* ---- one target --------------------------------------------------------- */

/* Adds DEF:vname=<file of ds>:ds:CF[:reduce=R]; false when no file holds ds. */
static bool add_def(struct args *a, const struct catalogue *cat, const char *vname, const char *ds,
                    enum cf cf, const char *reduce)
{
    const struct ds_loc *loc = catalogue_find_cf(cat, ds, cf);
    if (!loc)
        return false;
    const char *path = cat->parts[loc->part].def_path;
    if (reduce)
        args_add(a, "DEF:%s=%s:%s:%s:reduce=%s", vname, path, ds, cf_names[cf], reduce);
    else
        args_add(a, "DEF:%s=%s:%s:%s", vname, path, ds, cf_names[cf]);
    return true;
}

/* Legend text for a drawn element: escaped, with an optional end control. */
static char *element_legend(const char *text, const char *end)
{
    struct sbuf b = {0};
    sb_element_text(&b, text);
    sb_puts(&b, end);
    return sb_take(&b);
}

/* The samples of a round: s01, s02, ... as far as they go without a gap. */
static int sample_count(const struct catalogue *cat)
{
    int n = 0;
    char name[16];
    for (;;) {
        snprintf(name, sizeof(name), "s%02d", n + 1);
        if (!catalogue_find(cat, name) || n >= 99)
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
static void add_latency(struct args *a, const struct catalogue *cat, enum gw_lang lang)
{
    char *leg;
    int n_samples = sample_count(cat);
    bool have_lat = add_def(a, cat, "lat", "latency", CF_AVERAGE, NULL);
    if (have_lat)
        args_add(a, "CDEF:latms=lat,1000,*");

    if (n_samples >= 2) {
        /* Smokeping's smoke: the band between the i-th fastest and i-th
         * slowest sample, stacked so the middle of the spread is darkest. */
        for (int i = 1; i <= n_samples / 2; i++) {
            int j = n_samples + 1 - i;
            char lo[16], hi[16];
            snprintf(lo, sizeof(lo), "s%02d", i);
            snprintf(hi, sizeof(hi), "s%02d", j);
            args_add(a, "DEF:smlo%d=%s:%s:AVERAGE", i,
                     cat->parts[catalogue_find(cat, lo)->part].def_path, lo);
            args_add(a, "DEF:smhi%d=%s:%s:AVERAGE", i,
                     cat->parts[catalogue_find(cat, hi)->part].def_path, hi);
            args_add(a, "CDEF:smb%d=smlo%d,1000,*", i, i);
            args_add(a, "CDEF:smh%d=smhi%d,smlo%d,-,1000,*", i, i, i);
            args_add(a, "AREA:smb%d" INVISIBLE, i);
            if (i == 1) {
                leg = element_legend(gw_i18n_text(lang, GW_I18N_SAMPLES), "");
                args_add(a, "AREA:smh%d" SHADE_SMOKE ":%s:STACK", i, leg);
                free(leg);
            } else {
                args_add(a, "AREA:smh%d" SHADE_SMOKE "::STACK", i);
            }
        }
        const char *line = NULL;
        enum gw_i18n_key key = GW_I18N_MEDIAN;
        if (add_def(a, cat, "med", "median", CF_AVERAGE, NULL)) {
            args_add(a, "CDEF:medms=med,1000,*");
            line = "medms";
        } else if (have_lat) {
            line = "latms";
            key = GW_I18N_LATENCY;
        }
        if (line) {
            leg = element_legend(gw_i18n_text(lang, key), "\\l");
            args_add(a, "LINE1.5:%s" COLOR_LATENCY ":%s", line, leg);
            free(leg);
        }
        return;
    }

    /* Phases stack only as a breakdown: one alone (tcp's connect) is the latency. */
    size_t n_phases = 0;
    for (size_t i = 0; i < N_PHASES; i++)
        n_phases += catalogue_find(cat, http_phases[i].ds) != NULL;
    bool stacked = false;
    for (size_t i = 0; n_phases >= 2 && i < N_PHASES; i++) {
        const struct phase *p = &http_phases[i];
        char vname[32];
        snprintf(vname, sizeof(vname), "ph_%s", p->ds);
        if (!add_def(a, cat, vname, p->ds, CF_AVERAGE, NULL))
            continue;
        /* An unknown phase stacks as nothing, so the others keep their place. */
        args_add(a, "CDEF:%sms=%s,UN,0,%s,IF,1000,*", vname, vname, vname);
        leg = element_legend(gw_i18n_text(lang, p->label), "");
        args_add(a, "AREA:%sms%s:%s%s", vname, p->color, leg, stacked ? ":STACK" : "");
        free(leg);
        stacked = true;
    }
    if (!have_lat)
        return;
    if (!stacked) {
        add_def(a, cat, "latlo", "latency", CF_AVERAGE, "MIN");
        add_def(a, cat, "lathi", "latency", CF_AVERAGE, "MAX");
        /* The MIN and MAX archives keep the spread of the coarser tiers,
         * where one pixel is a single consolidated row. */
        if (add_def(a, cat, "latmin", "latency", CF_MIN, NULL) &&
            add_def(a, cat, "latmax", "latency", CF_MAX, NULL)) {
            args_add(a, "CDEF:lo=latlo,latmin,MINNAN,1000,*");
            args_add(a, "CDEF:hi=lathi,latmax,MAXNAN,1000,*");
        } else {
            args_add(a, "CDEF:lo=latlo,1000,*");
            args_add(a, "CDEF:hi=lathi,1000,*");
        }
        args_add(a, "CDEF:span=hi,lo,-");
        args_add(a, "AREA:lo" INVISIBLE);
        leg = element_legend(gw_i18n_text(lang, GW_I18N_LATENCY_RANGE), "");
        args_add(a, "AREA:span" SHADE_LATENCY ":%s:STACK", leg);
        free(leg);
    }
    leg = element_legend(gw_i18n_text(lang, GW_I18N_LATENCY), "\\l");
    args_add(a, "LINE1.5:latms" COLOR_LATENCY ":%s", leg);
    free(leg);
}

/* Feed counts on the left axis: operational as an area, available and total as lines. */
static void add_feed(struct args *a, const struct catalogue *cat, enum gw_lang lang)
{
    char *leg;
    if (add_def(a, cat, "op", "operational", CF_AVERAGE, NULL)) {
        leg = element_legend(gw_i18n_text(lang, GW_I18N_FEED_OPERATIONAL), "");
        args_add(a, "AREA:op" SHADE_OPERATIONAL ":%s", leg);
        args_add(a, "LINE1:op" COLOR_UP);
        free(leg);
    }
    if (add_def(a, cat, "av", "available", CF_AVERAGE, NULL)) {
        leg = element_legend(gw_i18n_text(lang, GW_I18N_FEED_AVAILABLE), "");
        args_add(a, "LINE1.5:av" COLOR_AVAILABLE ":%s", leg);
        free(leg);
    }
    if (add_def(a, cat, "tot", "total", CF_AVERAGE, NULL)) {
        leg = element_legend(gw_i18n_text(lang, GW_I18N_FEED_TOTAL), "");
        args_add(a, "LINE1.5:tot" COLOR_TOTAL ":%s", leg);
        free(leg);
        /* Headroom, so the total is not drawn on the top edge of the canvas. */
        args_add(a, "CDEF:headroom=tot,1.1,*");
        args_add(a, "LINE1:headroom" INVISIBLE);
    }
    args_add(a, "COMMENT:\\l");
}

/* "Latency: average 12.3 ms · max 45.6 ms" and its like, from the fetched figures. */
static void sb_latency_line(struct sbuf *b, const struct catalogue *cat, enum gw_lang lang)
{
    const char *sep = "";
    bool smoke = sample_count(cat) >= 2 && catalogue_find(cat, "median");
    const struct ds_loc *lat = catalogue_find(cat, smoke ? "median" : "latency");
    if (lat && lat->n_known) {
        sb_printf(b, "%s: %s ", gw_i18n_text(lang, smoke ? GW_I18N_MEDIAN : GW_I18N_LATENCY),
                  gw_i18n_text(lang, GW_I18N_AVERAGE));
        sb_ms(b, ds_mean(lat));
        sb_printf(b, " %s · %s ", gw_i18n_text(lang, GW_I18N_UNIT_MS),
                  gw_i18n_text(lang, GW_I18N_MAXIMUM));
        sb_ms(b, lat->max);
        sb_printf(b, " %s", gw_i18n_text(lang, GW_I18N_UNIT_MS));
        sep = "    ";
    }
    const struct ds_loc *loss = catalogue_find(cat, "loss");
    if (loss && loss->n_known)
        sb_printf(b, "%s%s: %s %.1f %%", sep, gw_i18n_text(lang, GW_I18N_LOSS),
                  gw_i18n_text(lang, GW_I18N_AVERAGE), ds_mean(loss) * 100.0);
}

/* "Operational: average 35.0    Total: average 40.0" for feeds. */
static void sb_feed_line(struct sbuf *b, const struct catalogue *cat, enum gw_lang lang)
{
    static const struct {
        const char *ds;
        enum gw_i18n_key label;
    } feeds[] = {
        {"operational", GW_I18N_FEED_OPERATIONAL},
        {"available", GW_I18N_FEED_AVAILABLE},
        {"total", GW_I18N_FEED_TOTAL},
    };
    const char *sep = "";
    for (size_t i = 0; i < sizeof(feeds) / sizeof(feeds[0]); i++) {
        const struct ds_loc *f = catalogue_find(cat, feeds[i].ds);
        if (!f || !f->n_known)
            continue;
        sb_printf(b, "%s%s: %s %.1f", sep, gw_i18n_text(lang, feeds[i].label),
                  gw_i18n_text(lang, GW_I18N_AVERAGE), ds_mean(f));
        sep = "    ";
    }
}

/* One legend line of figures, also added to the SVG's description. */
static void add_figure_line(struct args *a, struct render *r, const char *text)
{
    if (!text || !*text)
        return;
    struct sbuf e = {0};
    sb_element_text(&e, text);
    args_add(a, "COMMENT:%s\\l", e.s);
    sb_printf(&r->desc, ". %s", text);
    free(e.s);
}

static int render_target(struct render *r, const struct gw_council_conf *council,
                         const struct gw_target_conf *target, struct graph_out *out,
                         char **error_out)
{
    enum gw_lang lang = r->req->lang;
    struct catalogue cat = {0};
    catalogue_scan(&cat, r->config->daemon.data_dir, council->id, target->name);
    if (cat.n_parts == 0) {
        *error_out = gw_xasprintf("no data recorded for %s yet (no file %s/%s/%s.rrd)", target->id,
                                  r->config->daemon.data_dir, council->id, target->name);
        return -ENODATA;
    }
    catalogue_flush(&cat, r->cached);
    int64_t span = r->req->end_s - r->req->start_s;
    catalogue_stats(&cat, r->req->start_s, r->req->end_s,
                    (unsigned long)(span / (int64_t)r->width > 0 ? span / (int64_t)r->width : 1));

    char *head =
        gw_xasprintf("%s · %s", gw_i18n_council_name(council, lang), gw_i18n_target_name(target));
    render_set_title(r, head, NULL);
    free(head);

    bool feed = catalogue_find(&cat, "total") || catalogue_find(&cat, "operational");
    struct args a = {0};
    add_common(&a, r);
    char *vlabel = feed ? gw_xstrdup(gw_i18n_text(lang, GW_I18N_COUNT_UNIT))
                        : gw_xasprintf("%s (%s)", gw_i18n_text(lang, GW_I18N_LATENCY),
                                       gw_i18n_text(lang, GW_I18N_UNIT_MS));
    args_add(&a, "--vertical-label=%s", vlabel);
    free(vlabel);
    args_add(&a, "--lower-limit=0");
    args_add(&a, "--units-exponent=0");

    /* Availability shading behind everything else. */
    const struct ds_loc *up = catalogue_find(&cat, "up");
    const char *clock = NULL;
    if (add_def(&a, &cat, "upmin", "up", CF_AVERAGE, "MIN")) {
        clock = "upmin";
        args_add(&a, "CDEF:nodata=upmin,UN,1,0,IF");
        args_add(&a, "CDEF:down=upmin,UN,0,upmin,1,LT,IF");
        args_add(&a, "TICK:nodata" SHADE_NO_DATA ":1");
        if (add_def(&a, &cat, "deg", "degraded", CF_AVERAGE, "MAX")) {
            args_add(&a, "CDEF:degr=deg,UN,0,deg,0,GT,IF");
            args_add(&a, "TICK:degr" SHADE_DEGRADED ":1");
        }
        args_add(&a, "TICK:down" SHADE_DOWN ":1");
    } else {
        /* Some data source to hang the legend's swatches on. */
        const struct rrd_part *part = &cat.parts[cat.ds[0].part];
        enum cf cf = part->has_cf[CF_AVERAGE] ? CF_AVERAGE : part->has_cf[CF_MIN] ? CF_MIN : CF_MAX;
        args_add(&a, "DEF:any=%s:%s:%s", part->def_path, cat.ds[0].name, cf_names[cf]);
        clock = "any";
    }
    args_add(&a, "CDEF:nil=%s,UN,UNKN,UNKN,IF", clock);

    /* Line 1: availability and downtime. */
    struct sbuf line = {0};
    sb_printf(&line, "<b>%s ", gw_i18n_text(lang, GW_I18N_AVAILABILITY));
    sb_availability(&line, ds_mean(up), false);
    sb_puts(&line, "</b>");
    sb_printf(&r->desc, "%s ", gw_i18n_text(lang, GW_I18N_AVAILABILITY));
    sb_availability(&r->desc, ds_mean(up), false);
    if (up && up->n_known) {
        struct sbuf d = {0};
        sb_printf(&d, "%s ", gw_i18n_text(lang, GW_I18N_DOWNTIME));
        sb_duration(&d, ds_downtime_s(up), lang);
        sb_printf(&line, "    %s", d.s);
        sb_printf(&r->desc, ", %s", d.s);
        free(d.s);
    } else {
        sb_printf(&line, "    %s", gw_i18n_text(lang, GW_I18N_NO_DATA));
    }
    args_add(&a, "COMMENT:%s\\l", line.s);
    free(line.s);

    /* Line 2: what the colours mean. */
    add_key(&a, "nil", COLOR_DOWN, gw_i18n_text(lang, GW_I18N_DOWN), "");
    if (catalogue_find(&cat, "degraded"))
        add_key(&a, "nil", COLOR_DEGRADED, gw_i18n_text(lang, GW_I18N_DEGRADED), "");
    add_key(&a, "nil", COLOR_NO_DATA, gw_i18n_text(lang, GW_I18N_NO_DATA), "\\l");

    /* Line 3: the series drawn over the shading; line 4: their figures. */
    if (feed)
        add_feed(&a, &cat, lang);
    else
        add_latency(&a, &cat, lang);
    struct sbuf figures = {0};
    sb_latency_line(&figures, &cat, lang);
    add_figure_line(&a, r, figures.s);
    free(sb_take(&figures));
    sb_feed_line(&figures, &cat, lang);
    add_figure_line(&a, r, figures.s);
    free(figures.s);

    int rc = run_graph(&a, out, error_out);
    args_free(&a);
    catalogue_free(&cat);
    return rc;
}

/* ---- strips: a council's targets, or the councils of Wales ------------- */

struct member {
    const struct gw_target_conf *target;
    struct catalogue cat;
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
        double a = ds_mean(catalogue_find(&s->members[j].cat, "up"));
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
        catalogue_free(&s->members[i].cat);
    for (size_t i = 0; i < s->n_strips; i++)
        free(s->strips[i].name);
    free(s->members);
    free(s->strips);
}

/* Scans and measures the targets [first, first + count) of the configuration. */
static void strips_add_members(struct strips *s, const struct render *r, size_t first, size_t count)
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
        catalogue_scan(&m->cat, config->daemon.data_dir, config->councils[t->council].id, t->name);
        catalogue_flush(&m->cat, r->cached);
        catalogue_stats(&m->cat, r->req->start_s, r->req->end_s, step);
        m->has_up = catalogue_find(&m->cat, "up") != NULL;
        m->has_degraded = catalogue_find(&m->cat, "degraded") != NULL;
    }
}

/* The legend line of a strip: availability, then the name. Markup. */
static char *strip_label(const struct strip *st)
{
    struct sbuf b = {0};
    if (st->headline)
        sb_puts(&b, "<b>");
    sb_availability(&b, st->availability, true);
    sb_puts(&b, "   ");
    sb_element_text(&b, st->name);
    if (st->headline)
        sb_puts(&b, "</b>");
    sb_puts(&b, "\\l");
    return sb_take(&b);
}

/* Legend lines below the labels: a blank one and two of colour key. */
#define STRIP_KEY_LINES 3

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
static void add_strip_frame(struct args *a, const struct render *r, const struct strips *s,
                            const char *clock_def, double font_pt, int slot)
{
    enum gw_lang lang = r->req->lang;
    add_common(a, r);
    args_add(a, "--legend-position=west");
    args_add(a, "--font=LEGEND:%.2f:" FONT, font_pt);
    args_add(a, "--y-grid=none");
    args_add(a, "--color=ARROW#FFFFFF00");
    args_add(a, "%s", clock_def);
    args_add(a, "CDEF:nil=clock,UN,UNKN,UNKN,IF");
    for (size_t l = 0; l < strip_lead_lines(slot); l++)
        args_add(a, "COMMENT:\u2007\\l");
    for (size_t i = 0; i < s->n_strips; i++) {
        for (int l = 0; l < slot; l++) {
            if (l == (slot - 1) / 2) {
                char *label = strip_label(&s->strips[i]);
                args_add(a, "COMMENT:%s", label);
                free(label);
            } else {
                args_add(a, "COMMENT:\u2007\\l");
            }
        }
    }
    args_add(a, "COMMENT:\u2007\\l");
    add_key(a, "nil", COLOR_UP, gw_i18n_text(lang, GW_I18N_UP), "");
    add_key(a, "nil", COLOR_DOWN, gw_i18n_text(lang, GW_I18N_DOWN), "\\l");
    add_key(a, "nil", COLOR_DEGRADED, gw_i18n_text(lang, GW_I18N_PARTLY_DOWN), "");
    add_key(a, "nil", COLOR_NO_DATA, gw_i18n_text(lang, GW_I18N_NO_DATA), "\\l");
}

static int strips_measure(const struct render *r, const struct strips *s, const char *clock_def,
                          double font, int slot, struct graph_out *layout, char **error_out)
{
    struct args a = {0};
    add_strip_frame(&a, r, s, clock_def, font, slot);
    args_add(&a, "LINE1:clock" INVISIBLE);
    int rc = run_graph(&a, layout, error_out);
    args_free(&a);
    if (rc == 0 && layout->n_labels < strip_label_index(s->n_strips - 1, slot) + 1) {
        graph_out_free(layout);
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
static int strips_layout(const struct render *r, const struct strips *s, const char *clock_def,
                         double *font_out, int *slot_out, struct graph_out *layout,
                         char **error_out)
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
        graph_out_free(layout);
        rc = strips_measure(r, s, clock_def, font, slot, layout, error_out);
        if (rc < 0)
            return rc;
    }
    *font_out = font;
    *slot_out = slot;
    return 0;
}

/* The DEFs of every member that strips use; returns the first as the clock. */
static char *add_member_defs(struct args *a, const struct strips *s)
{
    char *clock = NULL;
    for (size_t j = 0; j < s->n_members; j++) {
        const struct member *m = &s->members[j];
        if (!m->has_up)
            continue;
        const char *path = m->cat.parts[catalogue_find(&m->cat, "up")->part].def_path;
        if (m->in_combined)
            args_add(a, "DEF:a%zu=%s:up:AVERAGE", j, path);
        if (m->in_single)
            args_add(a, "DEF:m%zu=%s:up:AVERAGE:reduce=MIN", j, path);
        if (m->has_degraded)
            args_add(a, "DEF:d%zu=%s:degraded:AVERAGE:reduce=MAX", j,
                     m->cat.parts[catalogue_find(&m->cat, "degraded")->part].def_path);
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
static void add_strip(struct args *a, const struct strips *s, size_t i, long base, long h)
{
    const struct strip *st = &s->strips[i];
    struct sbuf up = {0}, deg = {0};
    size_t n_up = 0, n_deg = 0;
    for (size_t j = st->first; j < st->first + st->count; j++) {
        if (s->members[j].has_up) {
            sb_printf(&up, "%s%c%zu", n_up ? "," : "", st->combined ? 'a' : 'm', j);
            n_up++;
        }
        if (s->members[j].has_degraded) {
            sb_printf(&deg, "%sd%zu", n_deg ? "," : "", j);
            n_deg++;
        }
    }
    if (n_up == 0) {
        args_add(a, "CDEF:s%zun=clock,UN,%ld,%ld,IF", i, h, h);
        args_add(a, "CDEF:s%zub=clock,UN,%ld,%ld,IF", i, base, base);
        args_add(a, "AREA:s%zub" INVISIBLE, i);
        args_add(a, "AREA:s%zun" COLOR_NO_DATA "::STACK", i);
        free(up.s);
        free(deg.s);
        return;
    }
    if (n_up == 1)
        args_add(a, "CDEF:s%zuu=%s", i, up.s);
    else
        args_add(a, "CDEF:s%zuu=%s,%zu,AVG", i, up.s, n_up);
    if (n_deg == 1)
        args_add(a, "CDEF:s%zuv=%s", i, deg.s);
    else if (n_deg > 1)
        args_add(a, "CDEF:s%zuv=%s,%zu,AVG", i, deg.s, n_deg);
    /* 1 where degraded, else 0 */
    char degraded[64];
    if (n_deg)
        snprintf(degraded, sizeof(degraded), "s%zuv,UN,0,s%zuv,0,GT,IF", i, i);
    else
        snprintf(degraded, sizeof(degraded), "0");
    const char *down_below = st->combined ? STRIP_DOWN_BELOW : "1";
    args_add(a, "CDEF:s%zun=s%zuu,UN,%ld,0,IF", i, i, h);
    args_add(a, "CDEF:s%zur=s%zuu,UN,0,s%zuu,%s,LT,%ld,0,IF,IF", i, i, i, down_below, h);
    if (st->combined)
        args_add(a, "CDEF:s%zuy=s%zuu,UN,0,s%zuu,%s,LT,0,s%zuu,1,LT,%s,MAX,%ld,*,IF,IF", i, i, i,
                 down_below, i, degraded, h);
    else
        args_add(a, "CDEF:s%zuy=s%zuu,UN,0,s%zuu,1,LT,0,%s,%ld,*,IF,IF", i, i, i, degraded, h);
    args_add(a, "CDEF:s%zug=%ld,s%zun,-,s%zur,-,s%zuy,-", i, h, i, i, i);
    args_add(a, "CDEF:s%zub=s%zun,0,*,%ld,+", i, i, base);
    args_add(a, "AREA:s%zub" INVISIBLE, i);
    args_add(a, "AREA:s%zug" COLOR_UP "::STACK", i);
    args_add(a, "AREA:s%zuy" COLOR_DEGRADED "::STACK", i);
    args_add(a, "AREA:s%zur" COLOR_DOWN "::STACK", i);
    args_add(a, "AREA:s%zun" COLOR_NO_DATA "::STACK", i);
    free(up.s);
    free(deg.s);
}

static int render_strips(struct render *r, struct strips *s, const char *what,
                         struct graph_out *out, char **error_out)
{
    struct args a = {0};
    char *clock = add_member_defs(&a, s);
    args_free(&a);
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
    args_add(&a, "--lower-limit=0");
    args_add(&a, "--upper-limit=%ld", height);
    args_add(&a, "--rigid");
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
    graph_out_free(&layout);
    rc = run_graph(&a, out, error_out);
    args_free(&a);

    for (size_t i = 0; i < s->n_strips; i++) {
        sb_printf(&r->desc, "%s%s ", i ? "; " : "", s->strips[i].name);
        sb_availability(&r->desc, s->strips[i].availability, false);
    }
    return rc;
}

static int render_council(struct render *r, const struct gw_council_conf *council,
                          struct graph_out *out, char **error_out)
{
    enum gw_lang lang = r->req->lang;
    struct strips s = {0};
    strips_add_members(&s, r, council->first_target, council->n_targets);
    strips_add(&s, 0, s.n_members, true, true, gw_i18n_text(lang, GW_I18N_WHOLE_COUNCIL));
    for (size_t j = 0; j < s.n_members; j++)
        strips_add(&s, j, 1, false, false, gw_i18n_target_name(s.members[j].target));
    render_set_title(r, gw_i18n_council_name(council, lang),
                     gw_i18n_text(lang, GW_I18N_BY_SERVICE));
    int rc = render_strips(r, &s, council->id, out, error_out);
    strips_free(&s);
    return rc;
}

static int render_wales(struct render *r, struct graph_out *out, char **error_out)
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
    render_set_title(r, gw_i18n_text(lang, GW_I18N_BY_COUNCIL), NULL);
    int rc = render_strips(r, &s, "any council", out, error_out);
    strips_free(&s);
    return rc;
}

/* ---------------------------------------------------------------------------
 * SVG: sized in pixels, titled and described for screen readers
 * ------------------------------------------------------------------------ */

static unsigned char *svg_finish(const unsigned char *svg, size_t len, const struct render *r,
                                 size_t *len_out)
{
    struct sbuf b = {0};
    const char *text = (const char *)svg;
    const char *open = memmem(svg, len, "<svg", 4);
    const char *close = open ? memchr(open, '>', len - (size_t)(open - text)) : NULL;
    if (!open || !close) {
        unsigned char *copy = gw_xmalloc(len ? len : 1);
        memcpy(copy, svg, len);
        *len_out = len;
        return copy;
    }
    sb_putn(&b, text, (size_t)(open - text));
    /* cairo sizes the image in points; a page shows it at the size asked for in pixels. */
    const char *p = open;
    while (p < close) {
        const char *attr = NULL;
        for (const char *q = p; q + 8 < close; q++) {
            if (strncmp(q, " width=\"", 8) == 0 || strncmp(q, " height=\"", 9) == 0) {
                attr = q;
                break;
            }
        }
        if (!attr)
            break;
        const char *value = strchr(attr, '"') + 1;
        const char *end = memchr(value, '"', (size_t)(close - value));
        if (!end)
            break;
        sb_putn(&b, p, (size_t)(value - p));
        size_t vlen = (size_t)(end - value);
        if (vlen > 2 && strncmp(end - 2, "pt", 2) == 0)
            vlen -= 2;
        sb_putn(&b, value, vlen);
        p = end;
    }
    sb_putn(&b, p, (size_t)(close - p));
    sb_printf(&b, " xml:lang=\"%s\">\n<title>", gw_i18n_lang_code(r->req->lang));
    sb_xml(&b, r->title_text ? r->title_text : "");
    sb_puts(&b, "</title>\n<desc>");
    sb_xml(&b, r->desc.s ? r->desc.s : "");
    sb_puts(&b, "</desc>");
    sb_putn(&b, close + 1, len - (size_t)(close + 1 - text));
    *len_out = b.len;
    return (unsigned char *)sb_take(&b);
}

/* ---------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------ */

static const struct gw_council_conf *find_council(const struct gw_config *config, const char *id)
{
    for (size_t i = 0; i < config->n_councils; i++)
        if (strcmp(config->councils[i].id, id) == 0)
            return &config->councils[i];
    return NULL;
}

/*
 * The default size of a subject's image. Strips get about three legend lines
 * each in a council graph and two in the Wales graph, so their labels need
 * no smaller font and the strips are thick enough to read.
 */
static void default_size(const struct gw_config *config, const struct gw_council_conf *council,
                         const struct gw_target_conf *target, unsigned *w, unsigned *h)
{
    if (target) {
        *w = 800;
        *h = 420;
        return;
    }
    size_t n = council ? council->n_targets + 1 : config->n_councils + 1;
    size_t lines = (council ? 3 : 2) * n + 1 + STRIP_KEY_LINES;
    size_t want = 60 + 14 * lines;
    *w = council ? 800 : 960;
    *h = (unsigned)(want < 300 ? 300 : want > 1600 ? 1600 : want);
}

int gw_graph_render(const struct gw_config *config, const struct gw_graph_request *req,
                    unsigned char **data_out, size_t *size_out, char **error_out)
{
    *data_out = NULL;
    *size_out = 0;
    *error_out = NULL;
    if (!req->subject || !*req->subject) {
        *error_out = gw_xstrdup("no subject (expected wales, a council or council/target)");
        return -EINVAL;
    }
    if (req->end_s <= req->start_s || req->start_s < 0) {
        *error_out = gw_xstrdup("the start of the graph must come before its end");
        return -EINVAL;
    }
    if ((unsigned)req->lang >= GW_LANG_COUNT ||
        (req->format != GW_GRAPH_PNG && req->format != GW_GRAPH_SVG)) {
        *error_out = gw_xstrdup("unknown language or image format");
        return -EINVAL;
    }
    if ((req->width || req->height) &&
        (req->width < GW_GRAPH_WIDTH_MIN || req->width > GW_GRAPH_WIDTH_MAX ||
         req->height < GW_GRAPH_HEIGHT_MIN || req->height > GW_GRAPH_HEIGHT_MAX)) {
        *error_out = gw_xasprintf("size %ux%u out of range (%u..%u x %u..%u)", req->width,
                                  req->height, GW_GRAPH_WIDTH_MIN, GW_GRAPH_WIDTH_MAX,
                                  GW_GRAPH_HEIGHT_MIN, GW_GRAPH_HEIGHT_MAX);
        return -EINVAL;
    }

    const struct gw_council_conf *council = NULL;
    const struct gw_target_conf *target = NULL;
    bool wales = strcmp(req->subject, "wales") == 0;
    if (!wales && strchr(req->subject, '/')) {
        target = gw_config_find_target(config, req->subject);
        if (!target) {
            *error_out = gw_xasprintf("no target %s in %s", req->subject, config->path);
            return -ENOENT;
        }
        council = &config->councils[target->council];
    } else if (!wales) {
        council = find_council(config, req->subject);
        if (!council) {
            *error_out = gw_xasprintf("no council %s in %s", req->subject, config->path);
            return -ENOENT;
        }
    }

    struct render r = {.config = config, .req = req, .width = req->width, .height = req->height};
    if (!r.width || !r.height)
        default_size(config, council, target, &r.width, &r.height);

    struct graph_out out = {0};
    int rc;
    pthread_mutex_lock(&graph_lock);
    const char *cached = config->daemon.rrdcached;
    if (cached && *cached) {
        r.cached = rrdc_connect(cached) == 0;
        rrd_clear_error();
    }
    if (target)
        rc = render_target(&r, council, target, &out, error_out);
    else if (council)
        rc = render_council(&r, council, &out, error_out);
    else
        rc = render_wales(&r, &out, error_out);
    if (r.cached)
        rrdc_disconnect();
    pthread_mutex_unlock(&graph_lock);

    if (rc == 0 && req->format == GW_GRAPH_SVG) {
        *data_out = svg_finish(out.image, out.size, &r, size_out);
    } else if (rc == 0) {
        *data_out = out.image;
        *size_out = out.size;
        out.image = NULL;
    }
    graph_out_free(&out);
    free(r.title);
    free(r.title_text);
    free(r.desc.s);
    return rc;
}

/* ---------------------------------------------------------------------------
 * gwyliwr graph
 * ------------------------------------------------------------------------ */

static void graph_usage(FILE *out)
{
    fprintf(out, "usage: gwyliwr graph [-c FILE] SUBJECT [--period 1h|1d|7d|30d|365d | --from T "
                 "[--to T]]\n"
                 "                     --out FILE.png|FILE.svg [--lang en|cy] [--size WxH]\n"
                 "\n"
                 "SUBJECT is wales, a council id, or council/target. T is now, -DURATION (-2h),\n"
                 "seconds since the epoch, 2026-11-12T10:00:00Z, or 2026-11-12 [10:00] in local\n"
                 "time. The period defaults to 1d.\n");
}

static int write_file(const char *path, const unsigned char *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -errno;
    size_t n = fwrite(data, 1, size, f);
    int rc = n == size ? 0 : -EIO;
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

int gw_graph_main(int argc, char **argv, const char *default_config)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"period", required_argument, NULL, 'p'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {"lang", required_argument, NULL, 'l'},
        {"size", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = default_config, *period_text = NULL, *from = NULL, *to = NULL;
    const char *out_path = NULL, *lang_text = "en", *size_text = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 'p':
            period_text = optarg;
            break;
        case 'f':
            from = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'l':
            lang_text = optarg;
            break;
        case 's':
            size_text = optarg;
            break;
        case 'h':
            graph_usage(stdout);
            return 0;
        default:
            graph_usage(stderr);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, optind >= argc ? "gwyliwr graph: no subject given\n"
                                       : "gwyliwr graph: one subject at a time\n");
        graph_usage(stderr);
        return 2;
    }
    struct gw_graph_request req = {.subject = argv[optind], .period = GW_GRAPH_PERIOD_1D};
    int64_t now = (int64_t)time(NULL);
    if (period_text && (from || to)) {
        fprintf(stderr, "gwyliwr graph: give --period or --from/--to, not both\n");
        return 2;
    }
    if (period_text && gw_graph_parse_period(period_text, &req.period) < 0) {
        fprintf(stderr, "gwyliwr graph: bad period \"%s\" (expected 1h, 1d, 7d, 30d or 365d)\n",
                period_text);
        return 2;
    }
    req.end_s = now;
    req.start_s = now - gw_graph_period_seconds(req.period);
    if (to && !from) {
        fprintf(stderr, "gwyliwr graph: --to needs --from\n");
        return 2;
    }
    if (from) {
        req.period = GW_GRAPH_PERIOD_CUSTOM;
        if (gw_graph_parse_time(from, now, &req.start_s) < 0) {
            fprintf(stderr, "gwyliwr graph: bad time \"%s\"\n", from);
            return 2;
        }
        if (to && gw_graph_parse_time(to, now, &req.end_s) < 0) {
            fprintf(stderr, "gwyliwr graph: bad time \"%s\"\n", to);
            return 2;
        }
        if (req.end_s <= req.start_s) {
            fprintf(stderr, "gwyliwr graph: --from must come before --to\n");
            return 2;
        }
    }
    if (!out_path) {
        fprintf(stderr, "gwyliwr graph: --out FILE.png or FILE.svg is required\n");
        return 2;
    }
    if (gw_graph_format_of_path(out_path, &req.format) < 0) {
        fprintf(stderr, "gwyliwr graph: cannot tell the format of \"%s\" (expected .png or .svg)\n",
                out_path);
        return 2;
    }
    if (gw_i18n_lang_parse(lang_text, &req.lang) < 0) {
        fprintf(stderr, "gwyliwr graph: bad language \"%s\" (expected en or cy)\n", lang_text);
        return 2;
    }
    if (size_text) {
        int rc = gw_graph_parse_size(size_text, &req.width, &req.height);
        if (rc < 0) {
            fprintf(stderr,
                    "gwyliwr graph: bad size \"%s\" (expected WIDTHxHEIGHT, %u..%u x %u..%u)\n",
                    size_text, GW_GRAPH_WIDTH_MIN, GW_GRAPH_WIDTH_MAX, GW_GRAPH_HEIGHT_MIN,
                    GW_GRAPH_HEIGHT_MAX);
            return 2;
        }
    }

    struct gw_plugins *plugins = gw_plugins_new();
    char *dir = gw_config_plugin_dir_of(config_path);
    if (gw_plugins_load_dir(plugins, dir) < 0)
        fprintf(stderr, "gwyliwr graph: cannot read the plugin directory %s\n", dir);
    free(dir);
    struct gw_host host;
    gw_host_init(&host, NULL);
    struct gw_diag *diag = gw_diag_new();
    struct gw_config *config = gw_config_load(config_path, plugins, &host, diag);
    if (!config) {
        gw_diag_print(diag, stderr);
        fprintf(stderr, "gwyliwr graph: %s is not a valid configuration\n", config_path);
        gw_diag_free(diag);
        gw_plugins_free(plugins);
        return 1;
    }
    gw_diag_free(diag);

    unsigned char *image = NULL;
    size_t size = 0;
    char *error = NULL;
    int status = 0;
    int rc = gw_graph_render(config, &req, &image, &size, &error);
    if (rc < 0) {
        fprintf(stderr, "gwyliwr graph: %s\n", error);
        status = 1;
    } else if ((rc = write_file(out_path, image, size)) < 0) {
        fprintf(stderr, "gwyliwr graph: cannot write %s: %s\n", out_path, strerror(-rc));
        status = 1;
    }
    free(error);
    free(image);
    gw_config_unref(config);
    gw_plugins_free(plugins);
    return status;
}
