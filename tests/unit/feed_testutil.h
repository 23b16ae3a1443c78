/*
 * For the feed parser tests: documents from the fuzzers' seed corpus
 * (tests/fuzz/corpus/<parser>/, synthesised in the shapes of the shared
 * fixtures, with their tallies), items collected from a parser's callback,
 * and tables of malformed documents with the reason each must get.
 */
#ifndef GW_FEED_TESTUTIL_H
#define GW_FEED_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "feed.h"

/* The whole file at `path`, NUL-terminated, with *len set; NULL when it cannot be read. Caller
 * frees. */
static inline char *file_read(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
        fail_msg("cannot read %s", path);
    buf[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* A seed document: tests/fuzz/corpus/<parser>/<name>. Caller frees; *len set. */
static inline char *corpus_read(const char *parser, const char *name, size_t *len)
{
    const char *src = getenv("GW_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/%s/%s", src ? src : "..", parser, name);
    char *text = file_read(path, len);
    if (!text)
        fail_msg("cannot read %s", path);
    return text;
}

/*
 * A document of the shared fixtures (../shared/fixtures beside the sources),
 * which the project never needs: NULL when they are not there. Caller frees.
 */
static inline char *fixture_read(const char *rel, size_t *len)
{
    const char *src = getenv("GW_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/../shared/fixtures/%s", src ? src : "..", rel);
    return file_read(path, len);
}

struct seen_item {
    char id[128];
    char name[128];
    char reason[40];
    enum gw_item_status status;
    uint32_t flags;
};

/* Items a parser reported, in order. */
struct seen {
    struct seen_item items[64];
    size_t n;
    size_t by_status[GW_ITEM_EXCLUDED + 1];
    size_t rapid;
};

static inline void seen_cb(void *data, const struct gw_feed_item *item)
{
    struct seen *s = data;
    assert_non_null(item->id);
    assert_true(item->status <= GW_ITEM_EXCLUDED);
    s->by_status[item->status]++;
    s->rapid += (item->flags & GW_ITEM_RAPID) ? 1 : 0;
    if (s->n == sizeof(s->items) / sizeof(s->items[0]))
        return;
    struct seen_item *it = &s->items[s->n++];
    snprintf(it->id, sizeof(it->id), "%s", item->id);
    snprintf(it->name, sizeof(it->name), "%s", item->name ? item->name : "");
    snprintf(it->reason, sizeof(it->reason), "%s", item->reason ? item->reason : "");
    it->status = item->status;
    it->flags = item->flags;
}

static inline const struct seen_item *seen_find(const struct seen *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i].id, id) == 0)
            return &s->items[i];
    fail_msg("no item %s", id);
    return NULL;
}

/* Counts by status: up, degraded, down, unknown, excluded. */
#define assert_tally(s, up, deg, down, unk, excl)                                                  \
    do {                                                                                           \
        const size_t *b_ = (s)->by_status;                                                         \
        if (b_[0] != (up) || b_[1] != (deg) || b_[2] != (down) || b_[3] != (unk) ||                \
            b_[4] != (excl))                                                                       \
            fail_msg("tally %zu/%zu/%zu/%zu/%zu, want %d/%d/%d/%d/%d", b_[0], b_[1], b_[2], b_[3], \
                     b_[4], up, deg, down, unk, excl);                                             \
    } while (0)

/* A malformed document and what its refusal must say. */
struct bad_doc {
    const char *doc;
    const char *reason;
    const char *says; /* text the message contains */
};

/* Checks one refusal against its table row. */
static inline void assert_refused(int rc, const struct gw_feed_error *err, const struct bad_doc *b)
{
    if (rc == 0)
        fail_msg("accepted: %s", b->doc);
    if (!err->reason || strcmp(err->reason, b->reason) != 0 || !strstr(err->message, b->says))
        fail_msg("%s: got %s \"%s\", want %s \"...%s...\"", b->doc,
                 err->reason ? err->reason : "(none)", err->message, b->reason, b->says);
}

#endif
