/*
 * The report for a terminal: each table of the layout in aligned columns,
 * numbers to the right, totals under a rule, then the sources and the
 * accounting rules wrapped at 78 columns.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_layout.h"
#include "report/report_render.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define WRAP_COLUMNS 78
#define GAP          "  "

/* Columns a UTF-8 text takes: one per character (no wide characters in reports). */
static size_t width_of(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(struct gw_strbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gw_strbuf_append_char(b, ' ');
}

static void put_cell(struct gw_strbuf *b, const char *text, size_t width, bool right, bool last)
{
    size_t w = width_of(text);
    if (right)
        pad(b, width - w);
    gw_strbuf_append(b, text);
    if (!right && !last)
        pad(b, width - w);
}

static void put_row(struct gw_strbuf *b, char *const *cells, const size_t *widths,
                    const bool *numeric, size_t n)
{
    struct gw_strbuf line = {0};
    for (size_t c = 0; c < n; c++) {
        if (c)
            gw_strbuf_append(&line, GAP);
        put_cell(&line, cells[c], widths[c], numeric[c], c + 1 == n);
    }
    /* Empty cells at the end leave no spaces behind. */
    size_t len = line.len;
    while (len && line.s[len - 1] == ' ')
        len--;
    gw_strbuf_append_n(b, gw_strbuf_str(&line), len);
    gw_strbuf_append_char(b, '\n');
    gw_strbuf_reset(&line);
}

static void put_rule(struct gw_strbuf *b, const size_t *widths, size_t n)
{
    size_t total = 0;
    for (size_t c = 0; c < n; c++)
        total += widths[c] + (c ? strlen(GAP) : 0);
    for (size_t i = 0; i < total; i++)
        gw_strbuf_append(b, "─");
    gw_strbuf_append_char(b, '\n');
}

static void put_table(struct gw_strbuf *b, const struct gw_report_table *t)
{
    if (t->heading) {
        gw_strbuf_printf(b, "\n%s\n", t->heading);
        size_t w = width_of(t->heading);
        for (size_t i = 0; i < w; i++)
            gw_strbuf_append(b, "=");
        gw_strbuf_append_char(b, '\n');
    }
    gw_strbuf_printf(b, "\n%s\n", t->caption);
    if (!t->n_rows) {
        if (t->empty)
            gw_strbuf_printf(b, "%s\n", t->empty);
        return;
    }
    size_t *widths = gw_xcalloc(t->n_cols, sizeof(size_t));
    for (size_t c = 0; c < t->n_cols; c++) {
        widths[c] = width_of(t->headers[c]);
        for (size_t r = 0; r < t->n_rows; r++) {
            size_t w = width_of(t->rows[r][c]);
            if (w > widths[c])
                widths[c] = w;
        }
    }
    put_row(b, t->headers, widths, t->numeric, t->n_cols);
    put_rule(b, widths, t->n_cols);
    for (size_t r = 0; r < t->n_rows; r++) {
        if (t->total[r] && (r == 0 || !t->total[r - 1]) && r > 0)
            put_rule(b, widths, t->n_cols);
        put_row(b, t->rows[r], widths, t->numeric, t->n_cols);
    }
    free(widths);
}

/* Appends `text` wrapped at WRAP_COLUMNS, each line after the first indented by `indent`. */
static void put_wrapped(struct gw_strbuf *b, const char *first, const char *text, size_t indent)
{
    gw_strbuf_append(b, first);
    size_t col = width_of(first);
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *word = gw_xstrndup(p, len);
        size_t w = width_of(word);
        if (col > indent && col + 1 + w > WRAP_COLUMNS) {
            gw_strbuf_append_char(b, '\n');
            pad(b, indent);
            col = indent;
        } else if (col > indent) {
            gw_strbuf_append_char(b, ' ');
            col++;
        }
        gw_strbuf_append(b, word);
        col += w;
        free(word);
        p += len;
        while (*p == ' ')
            p++;
    }
    gw_strbuf_append_char(b, '\n');
}

char *gw_report_table_render(const struct gw_report *r, enum gw_lang lang)
{
    struct gw_report_layout *l = gw_report_layout_new(r, lang);
    struct gw_strbuf b = {0};
    gw_strbuf_printf(&b, "%s\n%s\n%s\n", l->title, l->period, l->generated);
    for (size_t i = 0; i < l->n_tables; i++)
        put_table(&b, &l->tables[i]);
    gw_strbuf_printf(&b, "\n%s\n", l->sources_heading);
    for (size_t i = 0; i < l->n_notes; i++)
        put_wrapped(&b, "- ", l->notes[i], 2);
    gw_strbuf_printf(&b, "\n%s\n", l->rules_heading);
    for (size_t i = 0; i < l->n_rules; i++)
        put_wrapped(&b, "- ", l->rules[i], 2);
    gw_report_layout_free(l);
    return gw_strbuf_take(&b);
}
