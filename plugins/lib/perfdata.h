/*
 * The output of a Nagios / Monitoring Plugins command: its first line (the
 * status text) and its performance data, as the plugin guidelines define them:
 *
 *   TEXT | 'label'=value[UOM];[warn];[crit];[min];[max] label2=...
 *   LONG TEXT LINE
 *   LONG TEXT LINE | more perfdata
 *   more perfdata
 *
 * Perfdata is what follows the '|' of the first line, and everything after
 * the first '|' of the lines that follow it. A label is quoted with single
 * quotes when it holds spaces or '=' ('' stands for a quote inside). Values
 * are numbers or U (undetermined). Units of time (s, ms, us) become seconds
 * and sizes (B, KB, MB, GB, TB; multiples of 1024, as the plugins count) bytes,
 * so figures follow gwyliwr's units; % and c, and units outside the
 * guidelines, are kept as given.
 *
 * Pure: text in, values out; no I/O, no allocation, no locale. Any text is
 * accepted: what is malformed is skipped and counted, never read past.
 */
#ifndef GW_PERFDATA_H
#define GW_PERFDATA_H

#include <stddef.h>

#define GW_PERFDATA_MAX       64 /* values kept from one output */
#define GW_PERFDATA_LABEL_MAX 64 /* bytes of a label, with its NUL */
#define GW_PERFDATA_UOM_MAX   8  /* bytes of a unit as written, with its NUL */
#define GW_PERFDATA_RANGE_MAX 32 /* bytes of a warn or crit range, with its NUL */

enum gw_perfdata_unit {
    GW_PERFDATA_NONE,    /* no unit: a number */
    GW_PERFDATA_SECONDS, /* s, ms, us: the value is in seconds */
    GW_PERFDATA_BYTES,   /* B, KB, MB, GB, TB: the value is in bytes */
    GW_PERFDATA_PERCENT, /* %: 0 to 100, as given */
    GW_PERFDATA_COUNTER, /* c: a continuous counter, as given */
    GW_PERFDATA_OTHER,   /* a unit outside the guidelines: the value as given */
};

struct gw_perfdata_value {
    char label[GW_PERFDATA_LABEL_MAX]; /* unquoted */
    char uom[GW_PERFDATA_UOM_MAX];     /* the unit as written, "" when none */
    enum gw_perfdata_unit unit;
    double value; /* in the unit's base (seconds, bytes); NAN for U */
    /* Threshold ranges as written ("10", "@10:20", "~:5"); "" when absent. */
    char warn[GW_PERFDATA_RANGE_MAX];
    char crit[GW_PERFDATA_RANGE_MAX];
    double min, max; /* scaled like value; NAN when absent */
};

struct gw_perfdata {
    size_t n; /* values in `values` */
    struct gw_perfdata_value values[GW_PERFDATA_MAX];
    size_t dropped; /* well-formed values beyond GW_PERFDATA_MAX */
    size_t bad;     /* malformed items skipped */
    /* The first malformed item: what is wrong and the item's start, quoted
     * ("no '=' after the label in \"load 5\""); "" when none was. */
    char problem[128];
};

/*
 * The status text of a plugin's output: the first line up to its '|', blanks
 * trimmed. Sets *off and *n to its place in `text` (n may be 0).
 */
void gw_perfdata_summary(const char *text, size_t len, size_t *off, size_t *n);

/*
 * Resets *pd and parses every perfdata item of a plugin's whole output
 * (`len` bytes, not necessarily NUL-terminated) into it.
 */
void gw_perfdata_parse_output(const char *text, size_t len, struct gw_perfdata *pd);

/*
 * Parses perfdata text alone (items separated by blanks or newlines) and
 * appends its values to *pd, which the caller has zeroed or filled before.
 */
void gw_perfdata_parse(const char *text, size_t len, struct gw_perfdata *pd);

/* The first value labelled `label` (compared exactly), or NULL. Borrowed from pd. */
const struct gw_perfdata_value *gw_perfdata_find(const struct gw_perfdata *pd, const char *label);

#endif
