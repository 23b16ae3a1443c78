/*
 * The OCPI parser's cost: an OCPI 2.2.1 locations feed of 10,000 EVSEs in
 * 10 pages (100 locations of 10 EVSEs a page, each EVSE with two connectors
 * and the fields operators publish), parsed and tallied, against jansson
 * parsing the same pages and nothing else in the same run (what a parser
 * that builds the document costs before it reads a field).
 *
 *   ocpi_bench [--pages 10] [--locations 100] [--evses 10] [--runs 21]
 *
 * Prints, per run of all pages (median of --runs, the modes interleaved):
 * the CPU time of jansson alone, of the parser with a counting callback,
 * and of the parser feeding the daemon's item list as a check does
 * (gw_items_add, then the figures and verdict); and the peak of memory
 * allocated and not freed while each reads one page and all the pages
 * (the parser's is bounded by one page: the ratio is 1).
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ocpi.h"
#include "result/items.h"
#include "util/strbuf.h"

/* ---- memory, counted ------------------------------------------------------------------
 * The bench is linked with --wrap for malloc, calloc, realloc and free: every
 * allocation of the process passes here, and while `counting` the bytes live
 * above where counting started, and their peak, are kept. */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void __wrap_free(void *p);

static bool counting;
static long long live, peak;

static void count(void *p, long long sign)
{
    if (counting && p) {
        live += sign * (long long)malloc_usable_size(p);
        if (live > peak)
            peak = live;
    }
}

void *__wrap_malloc(size_t size)
{
    void *p = __real_malloc(size);
    count(p, 1);
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    void *p = __real_calloc(n, size);
    count(p, 1);
    return p;
}

void *__wrap_realloc(void *old, size_t size)
{
    count(old, -1);
    void *p = __real_realloc(old, size);
    count(p ? p : old, 1);
    return p;
}

void __wrap_free(void *p)
{
    count(p, -1);
    __real_free(p);
}

/* The peak of bytes allocated and not yet freed while `fn` runs over `pages` pages. */
static long long peak_of(double (*fn)(int, char **, const size_t *, int, size_t *), int mode,
                         char **pages, const size_t *lens, int n_pages)
{
    size_t n;
    live = peak = 0;
    counting = true;
    fn(mode, pages, lens, n_pages, &n);
    counting = false;
    return peak;
}

/* ---- the feed ------------------------------------------------------------------------ */

static const char *const statuses[] = {"AVAILABLE", "CHARGING", "AVAILABLE", "OUTOFORDER",
                                       "AVAILABLE", "BLOCKED",  "CHARGING",  "AVAILABLE",
                                       "RESERVED",  "PLANNED"};

static char *make_page(int page, int locations, int evses, size_t *len)
{
    struct gw_strbuf b = {0};
    gw_strbuf_append(&b, "{\"data\":[");
    for (int l = 0; l < locations; l++) {
        int loc = page * locations + l;
        gw_strbuf_printf(&b,
                         "%s{\"country_code\":\"GB\",\"party_id\":\"BEN\",\"id\":\"BEN-%06d\","
                         "\"publish\":true,\"name\":\"Maes parcio %d / Car park %d\","
                         "\"address\":\"%d Heol y Gwefru\",\"city\":\"Caerdydd\","
                         "\"postal_code\":\"CF10 1AA\",\"country\":\"GBR\","
                         "\"coordinates\":{\"latitude\":\"51.48%03d\",\"longitude\":\"-3.18%03d\"},"
                         "\"parking_type\":\"PARKING_LOT\",\"evses\":[",
                         l ? "," : "", loc, loc, loc, loc, loc % 1000, loc % 1000);
        for (int e = 0; e < evses; e++) {
            int dc = (loc + e) % 3 != 2;
            gw_strbuf_printf(
                &b,
                "%s{\"uid\":\"BEN-%06d-%02d\",\"evse_id\":\"GB*BEN*E%06d%02d\",\"status\":\"%s\","
                "\"capabilities\":[\"CONTACTLESS_CARD_SUPPORT\",\"RFID_READER\","
                "\"REMOTE_START_STOP_CAPABLE\"],\"connectors\":["
                "{\"id\":\"1\",\"standard\":\"%s\",\"format\":\"CABLE\",\"power_type\":\"%s\","
                "\"max_voltage\":%d,\"max_amperage\":%d,\"max_electric_power\":%d,"
                "\"tariff_ids\":[\"BEN-1\"],\"last_updated\":\"2025-03-14T09:12:04Z\"},"
                "{\"id\":\"2\",\"standard\":\"IEC_62196_T2\",\"format\":\"SOCKET\","
                "\"power_type\":\"AC_3_PHASE\",\"max_voltage\":230,\"max_amperage\":32,"
                "\"max_electric_power\":22000,\"tariff_ids\":[\"BEN-2\"],"
                "\"last_updated\":\"2025-03-14T09:12:04Z\"}],"
                "\"physical_reference\":\"%d\",\"last_updated\":\"2025-03-14T09:12:04Z\"}",
                e ? "," : "", loc, e + 1, loc, e + 1, statuses[(loc + e) % 10],
                dc ? "IEC_62196_T2_COMBO" : "IEC_62196_T2", dc ? "DC" : "AC_3_PHASE",
                dc ? 920 : 230, dc ? 164 : 32, dc ? 150000 : 22000, e + 1);
        }
        gw_strbuf_append(&b, "],\"time_zone\":\"Europe/London\","
                             "\"last_updated\":\"2025-03-14T09:12:04Z\"}");
    }
    gw_strbuf_append(&b, "],\"status_code\":1000,\"status_message\":\"Success\","
                         "\"timestamp\":\"2025-03-14T09:30:00Z\"}");
    *len = strlen(b.s);
    return b.s;
}

/* ---- the runs ----------------------------------------------------------------------- */

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count_cb(void *data, const struct gw_feed_item *item)
{
    (void)item;
    (*(size_t *)data)++;
}

static void items_cb(void *data, const struct gw_feed_item *item)
{
    gw_items_add(data, item->id, (int)item->status, item->reason, item->name, item->flags);
}

enum mode { JANSSON, PARSE, ITEMS, MODES };

/* One run over every page; returns the CPU seconds it took. */
static double run(int mode, char **pages, const size_t *lens, int n_pages, size_t *evses)
{
    double t0 = cpu_s();
    struct gw_ocpi_tally tally = {0};
    struct gw_items *items = mode == ITEMS ? gw_items_new() : NULL;
    size_t count = 0;
    for (int p = 0; p < n_pages; p++) {
        struct gw_feed_error err = {0};
        if (mode == JANSSON) {
            json_error_t je;
            json_t *doc = json_loadb(pages[p], lens[p], JSON_DECODE_ANY, &je);
            if (!doc)
                abort();
            json_decref(doc);
        } else if (gw_ocpi_parse_page(pages[p], lens[p], mode == ITEMS ? items_cb : count_cb,
                                      mode == ITEMS ? (void *)items : (void *)&count, &tally,
                                      &err) != 0) {
            fprintf(stderr, "page %d refused: %s\n", p + 1, err.message);
            exit(1);
        }
    }
    if (items) {
        struct gw_result r = {.status = GW_STATUS_UP};
        gw_items_judge(items, 0.9, &r);
        count = gw_items_count(items);
        gw_items_unref(items);
    }
    *evses = mode == JANSSON ? 0 : count;
    return cpu_s() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int n_pages = 10, locations = 100, evses = 10, runs = 21;
    for (int i = 1; i + 1 < argc; i += 2) {
        int v = atoi(argv[i + 1]);
        if (strcmp(argv[i], "--pages") == 0)
            n_pages = v;
        else if (strcmp(argv[i], "--locations") == 0)
            locations = v;
        else if (strcmp(argv[i], "--evses") == 0)
            evses = v;
        else if (strcmp(argv[i], "--runs") == 0)
            runs = v;
    }
    if (n_pages < 1 || locations < 1 || evses < 1 || runs < 1) {
        fprintf(stderr, "usage: ocpi_bench [--pages N] [--locations N] [--evses N] [--runs N]\n");
        return 2;
    }
    /* jansson is a shared library: its allocations are counted through these. */
    json_set_alloc_funcs(__wrap_malloc, __wrap_free);
    char **pages = calloc((size_t)n_pages, sizeof(*pages));
    size_t *lens = calloc((size_t)n_pages, sizeof(*lens));
    size_t bytes = 0;
    for (int p = 0; p < n_pages; p++) {
        pages[p] = make_page(p, locations, evses, &lens[p]);
        bytes += lens[p];
    }
    double *t[MODES];
    size_t found[MODES] = {0};
    for (int m = 0; m < MODES; m++)
        t[m] = calloc((size_t)runs, sizeof(double));
    for (int r = 0; r < runs; r++)
        for (int m = 0; m < MODES; m++) /* interleaved: the machine's noise falls on all */
            t[m][r] = run((enum mode)m, pages, lens, n_pages, &found[m]);
    for (int m = 0; m < MODES; m++)
        qsort(t[m], (size_t)runs, sizeof(double), cmp_double);
    double med[MODES];
    for (int m = 0; m < MODES; m++)
        med[m] = t[m][runs / 2];

    /* Memory, once the timing is done: the peak of live allocations while the
     * parser reads the first page, then all of them; and jansson's the same way. */
    long long parse_one = peak_of(run, PARSE, pages, lens, 1);
    long long parse_all = peak_of(run, PARSE, pages, lens, n_pages);
    long long jansson_one = peak_of(run, JANSSON, pages, lens, 1);
    long long jansson_all = peak_of(run, JANSSON, pages, lens, n_pages);
    long long items_all = peak_of(run, ITEMS, pages, lens, n_pages);

    size_t total = (size_t)n_pages * (size_t)locations * (size_t)evses;
    if (found[PARSE] != total || found[ITEMS] != total) {
        fprintf(stderr, "counted %zu and %zu EVSEs, expected %zu\n", found[PARSE], found[ITEMS],
                total);
        return 1;
    }
    printf("OCPI feed: %zu EVSEs in %d pages of %d locations, %.1f MB of JSON; median of %d "
           "runs\n\n",
           total, n_pages, locations, (double)bytes / 1e6, runs);
    printf("| what | CPU per feed | per EVSE | vs jansson alone |\n|---|---|---|---|\n");
    static const char *const names[MODES] = {
        "jansson parses the pages (floor)",
        "parse and tally (gw_ocpi_parse_page)",
        "parse, tally and the daemon's item list",
    };
    for (int m = 0; m < MODES; m++)
        printf("| %s | %.1f ms | %.2f µs | %.2fx |\n", names[m], med[m] * 1e3,
               med[m] * 1e6 / (double)total, med[m] / med[JANSSON]);
    printf("\n| memory: peak of live allocations | one page | all %d pages |\n|---|---|---|\n",
           n_pages);
    printf("| parse and tally | %.2f MB | %.2f MB (%.2fx one page) |\n", parse_one / 1e6,
           parse_all / 1e6, (double)parse_all / (double)parse_one);
    printf("| jansson alone | %.2f MB | %.2f MB |\n", jansson_one / 1e6, jansson_all / 1e6);
    printf("| parse, tally and the item list | | %.2f MB (%.0f B per EVSE) |\n", items_all / 1e6,
           (double)items_all / (double)total);
    printf("\ngoal: parse and tally under 50 ms: %s\n", med[PARSE] < 0.050 ? "met" : "NOT met");
    for (int p = 0; p < n_pages; p++)
        free(pages[p]);
    for (int m = 0; m < MODES; m++)
        free(t[m]);
    free(pages);
    free(lens);
    return 0;
}
