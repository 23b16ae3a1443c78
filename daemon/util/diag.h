/*
 * Diagnostics of a configuration: every error and warning with its position,
 * gathered so that a user sees all problems at once, printed as
 * "FILE:LINE:COL: error: what is wrong (what was expected)".
 */
#ifndef GW_DIAG_H
#define GW_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum gw_diag_severity {
    GW_DIAG_ERROR,
    GW_DIAG_WARNING,
};

struct gw_diag_entry {
    enum gw_diag_severity severity;
    char *file; /* owned; NULL when the problem has no file */
    unsigned line;
    unsigned col;
    char *message; /* owned */
    unsigned seq;  /* order of reporting, to keep sorting stable */
};

struct gw_diag {
    struct gw_diag_entry *entries;
    size_t n;
    size_t cap;
    size_t errors;
    size_t warnings;
};

/* A new, empty collection. Caller frees with gw_diag_free. */
struct gw_diag *gw_diag_new(void);
/* Frees the collection; NULL does nothing. */
void gw_diag_free(struct gw_diag *diag);
/* Adds a problem; `file` is copied and may be NULL (then line and col are ignored). */
void gw_diag_add(struct gw_diag *diag, enum gw_diag_severity severity, const char *file,
                 unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void gw_diag_addv(struct gw_diag *diag, enum gw_diag_severity severity, const char *file,
                  unsigned line, unsigned col, const char *fmt, va_list ap);
/* Sorts by file (in order of first appearance), line and column. */
void gw_diag_sort(struct gw_diag *diag);
/* Formats entry i as one line without newline. Caller frees. */
char *gw_diag_format(const struct gw_diag *diag, size_t i);
/* Writes every entry, one per line. */
void gw_diag_print(const struct gw_diag *diag, FILE *out);
/* Logs every entry through gw_log (errors at error level, warnings at warning). */
void gw_diag_log(const struct gw_diag *diag);
/* True when an entry's formatted text contains `needle` (tests and callers). */
bool gw_diag_contains(const struct gw_diag *diag, const char *needle);

#endif
