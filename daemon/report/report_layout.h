/*
 * A report laid out for people, in one language: its title, the tables it
 * shows (summary, league, each council's services and outages, parity,
 * charge points) as rows of text cells, notes on its sources and the
 * accounting rules. The terminal table and HTML renderings draw this same
 * layout, so both say the same thing in the same order.
 */
#ifndef GW_REPORT_LAYOUT_H
#define GW_REPORT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "i18n/i18n.h"
#include "report/report.h"

/* What a cell's words say, for renderings that also show it another way (a colour). */
enum gw_report_mark {
    GW_REPORT_MARK_NONE,
    GW_REPORT_MARK_MET,
    GW_REPORT_MARK_MISSED,
};

struct gw_report_table {
    char *id;      /* unique, [a-z0-9-]: an HTML id */
    char *heading; /* a section heading before the table; NULL: none */
    char *caption; /* what the table holds */
    size_t n_cols;
    char **headers;              /* n_cols */
    bool *numeric;               /* n_cols; numbers are aligned right */
    char ***rows;                /* n_rows arrays of n_cols cells */
    size_t header_col;           /* the cell that names its row (a row header for screen readers) */
    bool *total;                 /* n_rows; a row that adds up the others */
    enum gw_report_mark **marks; /* n_rows arrays of n_cols */
    size_t n_rows;
    char *empty; /* said instead of the table when it has no rows; NULL: the table is left out */
};

struct gw_report_layout {
    enum gw_lang lang;
    char *title;  /* "24/7 service delivery: Wales" */
    char *period; /* "November 2026" */
    char *generated;
    char **notes; /* where figures came from */
    size_t n_notes;
    struct gw_report_table *tables;
    size_t n_tables;
    const char **rules; /* the accounting rules in lang; borrowed from the catalogue */
    size_t n_rules;
    /* Labels for the renderings. Borrowed from the catalogue. */
    const char *rules_heading, *sources_heading;
};

/* Lays `r` (borrowed for the call) out in `lang`. Caller frees. */
struct gw_report_layout *gw_report_layout_new(const struct gw_report *r, enum gw_lang lang);
/* Frees a layout; NULL does nothing. */
void gw_report_layout_free(struct gw_report_layout *l);

#endif
