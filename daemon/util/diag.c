#include "util/diag.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/strmap.h"
#include "util/xalloc.h"

struct gw_diag *gw_diag_new(void)
{
    return gw_xcalloc(1, sizeof(struct gw_diag));
}

void gw_diag_free(struct gw_diag *diag)
{
    if (!diag)
        return;
    for (size_t i = 0; i < diag->n; i++) {
        free(diag->entries[i].file);
        free(diag->entries[i].message);
    }
    free(diag->entries);
    free(diag);
}

void gw_diag_addv(struct gw_diag *diag, enum gw_diag_severity severity, const char *file,
                  unsigned line, unsigned col, const char *fmt, va_list ap)
{
    if (diag->n == diag->cap) {
        diag->cap = diag->cap ? diag->cap * 2 : 16;
        diag->entries = gw_xreallocarray(diag->entries, diag->cap, sizeof(*diag->entries));
    }
    char *message = NULL;
    if (vasprintf(&message, fmt, ap) < 0)
        message = gw_xstrdup("(message too long)");
    diag->entries[diag->n] = (struct gw_diag_entry){
        .severity = severity,
        .file = gw_xstrdup(file),
        .line = line,
        .col = col,
        .message = message,
        .seq = (unsigned)diag->n,
    };
    diag->n++;
    if (severity == GW_DIAG_ERROR)
        diag->errors++;
    else
        diag->warnings++;
}

void gw_diag_add(struct gw_diag *diag, enum gw_diag_severity severity, const char *file,
                 unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gw_diag_addv(diag, severity, file, line, col, fmt, ap);
    va_end(ap);
}

/* qsort is not stable and has no context argument: files are ranked first. */
struct ranked {
    struct gw_diag_entry entry;
    unsigned file_rank;
};

static int ranked_cmp(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->file_rank != y->file_rank)
        return x->file_rank < y->file_rank ? -1 : 1;
    if (x->entry.line != y->entry.line)
        return x->entry.line < y->entry.line ? -1 : 1;
    if (x->entry.col != y->entry.col)
        return x->entry.col < y->entry.col ? -1 : 1;
    return x->entry.seq < y->entry.seq ? -1 : (x->entry.seq > y->entry.seq);
}

static bool same_position(const struct gw_diag_entry *a, const struct gw_diag_entry *b)
{
    if (a->line != b->line || a->col != b->col)
        return false;
    return (!a->file && !b->file) || (a->file && b->file && strcmp(a->file, b->file) == 0);
}

void gw_diag_sort(struct gw_diag *diag)
{
    if (diag->n < 2)
        return;
    struct ranked *r = gw_xcalloc(diag->n, sizeof(*r));
    /* Entries without a file come first; files follow in order of first
     * appearance (a hash map: there may be tens of thousands of entries). */
    struct gw_strmap *ranks = gw_strmap_new();
    for (size_t i = 0; i < diag->n; i++) {
        r[i].entry = diag->entries[i];
        r[i].file_rank = 0;
        if (diag->entries[i].file) {
            size_t rank = gw_strmap_size(ranks) + 1;
            gw_strmap_put(ranks, diag->entries[i].file, rank, &rank);
            r[i].file_rank = (unsigned)rank;
        }
    }
    gw_strmap_free(ranks);
    qsort(r, diag->n, sizeof(*r), ranked_cmp);
    /* The same problem reached twice (a default inherited by many targets)
     * is reported once: compare with every entry kept at the same position,
     * as other messages may sit between two copies. */
    size_t kept = 0, group = 0; /* group: first kept entry at the current position */
    diag->errors = diag->warnings = 0;
    for (size_t i = 0; i < diag->n; i++) {
        struct gw_diag_entry *e = &r[i].entry;
        if (kept == 0 || !same_position(&diag->entries[group], e))
            group = kept;
        bool repeat = false;
        for (size_t j = group; j < kept && !repeat; j++)
            repeat = diag->entries[j].severity == e->severity &&
                     strcmp(diag->entries[j].message, e->message) == 0;
        if (repeat) {
            free(e->file);
            free(e->message);
            continue;
        }
        diag->entries[kept++] = *e;
        if (e->severity == GW_DIAG_ERROR)
            diag->errors++;
        else
            diag->warnings++;
    }
    diag->n = kept;
    free(r);
}

char *gw_diag_format(const struct gw_diag *diag, size_t i)
{
    const struct gw_diag_entry *e = &diag->entries[i];
    const char *sev = e->severity == GW_DIAG_ERROR ? "error" : "warning";
    if (!e->file)
        return gw_xasprintf("%s: %s", sev, e->message);
    if (e->line == 0)
        return gw_xasprintf("%s: %s: %s", e->file, sev, e->message);
    return gw_xasprintf("%s:%u:%u: %s: %s", e->file, e->line, e->col, sev, e->message);
}

void gw_diag_print(const struct gw_diag *diag, FILE *out)
{
    for (size_t i = 0; i < diag->n; i++) {
        char *line = gw_diag_format(diag, i);
        fprintf(out, "%s\n", line);
        free(line);
    }
}

void gw_diag_log(const struct gw_diag *diag)
{
    for (size_t i = 0; i < diag->n; i++) {
        char *line = gw_diag_format(diag, i);
        gw_log(diag->entries[i].severity == GW_DIAG_ERROR ? GW_LOG_ERROR : GW_LOG_WARNING, "%s",
               line);
        free(line);
    }
}

bool gw_diag_contains(const struct gw_diag *diag, const char *needle)
{
    for (size_t i = 0; i < diag->n; i++) {
        char *line = gw_diag_format(diag, i);
        bool found = strstr(line, needle) != NULL;
        free(line);
        if (found)
            return true;
    }
    return false;
}
