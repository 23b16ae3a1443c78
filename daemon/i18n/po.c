#include "i18n/po.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/strmap.h"
#include "util/xalloc.h"

/* gettext joins a context and its msgid with EOT in its own catalogues. */
#define CTX_SEP '\004'

/* At most this many plural forms (Welsh, with six, has the most we need). */
#define MAX_FORMS 8

struct po_message {
    char *key; /* "ctx\004msgid" or "msgid" */
    char *forms[MAX_FORMS];
    size_t n_forms;
};

struct gw_po {
    struct po_message *messages;
    size_t n, cap;
    struct gw_strmap *index; /* key -> position in messages */
    char *header;            /* msgstr of the empty msgid, or NULL */
};

/* The entry being read. */
enum field {
    F_NONE,
    F_CTX,
    F_ID,
    F_PLURAL,
    F_STR,
};

struct entry {
    char *ctx, *id, *plural;
    char *str[MAX_FORMS];
    size_t n_str;
    bool fuzzy, obsolete, has_id, has_str;
    enum field field;
    size_t form; /* msgstr[form] being read */
};

static void entry_clear(struct entry *e)
{
    free(e->ctx);
    free(e->id);
    free(e->plural);
    for (size_t i = 0; i < MAX_FORMS; i++)
        free(e->str[i]);
    memset(e, 0, sizeof(*e));
}

static char *append(char *to, const char *s, size_t n)
{
    size_t len = to ? strlen(to) : 0;
    char *out = gw_xreallocarray(to, len + n + 1, 1);
    memcpy(out + len, s, n);
    out[len + n] = '\0';
    return out;
}

/*
 * Reads one C-style quoted string starting at *p (after blanks), unescaped,
 * into a new string; advances *p past it. NULL when it is not one.
 */
static char *read_quoted(const char **p, const char *end)
{
    const char *s = *p;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    if (s >= end || *s != '"')
        return NULL;
    s++;
    char *out = gw_xstrdup("");
    size_t len = 0;
    while (s < end && *s != '"') {
        char c = *s++;
        if (c == '\\') {
            if (s >= end) {
                free(out);
                return NULL;
            }
            switch (*s++) {
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            case '"':
                c = '"';
                break;
            case '\\':
                c = '\\';
                break;
            default:
                free(out);
                return NULL;
            }
        }
        out = gw_xreallocarray(out, len + 2, 1);
        out[len++] = c;
        out[len] = '\0';
    }
    if (s >= end) {
        free(out);
        return NULL;
    }
    s++;
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
        s++;
    if (s < end) { /* something after the closing quote */
        free(out);
        return NULL;
    }
    *p = s;
    return out;
}

static void add_message(struct gw_po *po, struct entry *e)
{
    char *key = e->ctx ? gw_xasprintf("%s%c%s", e->ctx, CTX_SEP, e->id) : gw_xstrdup(e->id);
    if (gw_strmap_get(po->index, key, &(size_t){0}) == 0) {
        free(key); /* a duplicate: msgfmt refuses them; the first one stands */
        return;
    }
    if (po->n == po->cap) {
        po->cap = po->cap ? po->cap * 2 : 64;
        po->messages = gw_xreallocarray(po->messages, po->cap, sizeof(*po->messages));
    }
    struct po_message *m = &po->messages[po->n];
    memset(m, 0, sizeof(*m));
    m->key = key;
    for (size_t i = 0; i < e->n_str; i++) {
        m->forms[i] = e->str[i];
        e->str[i] = NULL;
    }
    m->n_forms = e->n_str;
    gw_strmap_put(po->index, m->key, po->n, NULL);
    po->n++;
}

/* Ends the entry being read: keeps it when it is a real translation. */
static void finish_entry(struct gw_po *po, struct entry *e)
{
    if (e->has_id && e->has_str && !e->obsolete) {
        bool translated = e->n_str > 0;
        for (size_t i = 0; i < e->n_str; i++)
            if (!e->str[i] || !*e->str[i])
                translated = false;
        if (!*e->id && !e->ctx) {
            free(po->header);
            po->header = e->n_str ? e->str[0] : NULL;
            e->str[0] = NULL;
        } else if (translated && !e->fuzzy) {
            add_message(po, e);
        }
    }
    entry_clear(e);
}

static bool keyword(const char **p, const char *end, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(end - *p) < n || memcmp(*p, word, n) != 0)
        return false;
    if ((size_t)(end - *p) > n && (*p)[n] != ' ' && (*p)[n] != '\t' && (*p)[n] != '[')
        return false;
    *p += n;
    return true;
}

/* Reads one non-comment line into the entry. NULL, or what is wrong. */
static const char *read_line(struct gw_po *po, struct entry *e, const char *p, const char *end)
{
    char **slot = NULL;
    if (*p == '"') {
        switch (e->field) {
        case F_CTX:
            slot = &e->ctx;
            break;
        case F_ID:
            slot = &e->id;
            break;
        case F_PLURAL:
            slot = &e->plural;
            break;
        case F_STR:
            slot = &e->str[e->form];
            break;
        default:
            return "a string that continues nothing";
        }
    } else if (keyword(&p, end, "msgctxt")) {
        if (e->has_id)
            finish_entry(po, e);
        e->field = F_CTX;
        slot = &e->ctx;
        e->ctx = gw_xstrdup("");
    } else if (keyword(&p, end, "msgid_plural")) {
        if (!e->has_id || e->has_str)
            return "msgid_plural must follow msgid";
        e->field = F_PLURAL;
        slot = &e->plural;
        e->plural = gw_xstrdup("");
    } else if (keyword(&p, end, "msgid")) {
        if (e->has_id)
            finish_entry(po, e);
        e->has_id = true;
        e->field = F_ID;
        slot = &e->id;
        e->id = gw_xstrdup("");
    } else if (keyword(&p, end, "msgstr")) {
        if (!e->has_id)
            return "msgstr without msgid";
        size_t form = 0;
        if (p < end && *p == '[') {
            char *close = NULL;
            unsigned long v = strtoul(p + 1, &close, 10);
            if (!close || close >= end || *close != ']' || v >= MAX_FORMS)
                return "msgstr[N] needs a plural form number below 8";
            form = v;
            p = close + 1;
        }
        e->has_str = true;
        e->field = F_STR;
        e->form = form;
        if (form + 1 > e->n_str)
            e->n_str = form + 1;
        slot = &e->str[form];
        free(*slot);
        *slot = gw_xstrdup("");
    } else {
        return "expected msgctxt, msgid, msgid_plural, msgstr or a quoted string";
    }
    char *text = read_quoted(&p, end);
    if (!text)
        return "a string must be in double quotes, with only \\n \\t \\r \\\" \\\\ escapes";
    *slot = append(*slot, text, strlen(text));
    free(text);
    return NULL;
}

struct gw_po *gw_po_parse(const char *text, size_t len, char **error_out)
{
    struct gw_po *po = gw_xcalloc(1, sizeof(*po));
    po->index = gw_strmap_new();
    struct entry e = {0};
    const char *p = text, *end = text + len;
    unsigned line = 0;
    while (p < end) {
        line++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *s = p;
        while (s < eol && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        if (s == eol) {
            if (e.has_id)
                finish_entry(po, &e);
        } else if (*s == '#') {
            if (e.has_str)
                finish_entry(po, &e);
            if (eol - s >= 2 && s[1] == ',' && memmem(s, (size_t)(eol - s), "fuzzy", 5))
                e.fuzzy = true;
            else if (eol - s >= 2 && s[1] == '~')
                e.obsolete = true;
        } else {
            const char *why = read_line(po, &e, s, eol);
            if (why) {
                if (error_out)
                    *error_out = gw_xasprintf("line %u: %s", line, why);
                entry_clear(&e);
                gw_po_free(po);
                return NULL;
            }
        }
        p = eol < end ? eol + 1 : end;
    }
    if (e.has_id)
        finish_entry(po, &e);
    entry_clear(&e);
    return po;
}

void gw_po_free(struct gw_po *po)
{
    if (!po)
        return;
    for (size_t i = 0; i < po->n; i++) {
        free(po->messages[i].key);
        for (size_t f = 0; f < po->messages[i].n_forms; f++)
            free(po->messages[i].forms[f]);
    }
    free(po->messages);
    gw_strmap_free(po->index);
    free(po->header);
    free(po);
}

const char *gw_po_lookup(const struct gw_po *po, const char *ctx, const char *msgid, size_t form)
{
    if (!po || !msgid)
        return NULL;
    size_t at;
    int rc;
    if (ctx) {
        char *key = gw_xasprintf("%s%c%s", ctx, CTX_SEP, msgid);
        rc = gw_strmap_get(po->index, key, &at);
        free(key);
    } else {
        rc = gw_strmap_get(po->index, msgid, &at);
    }
    if (rc < 0)
        return NULL;
    const struct po_message *m = &po->messages[at];
    return form < m->n_forms ? m->forms[form] : NULL;
}

size_t gw_po_count(const struct gw_po *po)
{
    return po ? po->n : 0;
}

char *gw_po_header(const struct gw_po *po, const char *field)
{
    if (!po || !po->header)
        return NULL;
    size_t n = strlen(field);
    for (const char *line = po->header; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > n + 1 && strncasecmp(line, field, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            return gw_xstrndup(v, len - (size_t)(v - line));
        }
        line = eol ? eol + 1 : NULL;
    }
    return NULL;
}
