#include "result/items.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strmap.h"
#include "util/xalloc.h"

/* Strings live in chunks that never move, so records and the index can
 * point into them while the list grows. */
#define CHUNK_BYTES (64u * 1024u)

struct chunk {
    struct chunk *next;
    size_t used;
    char text[CHUNK_BYTES];
};

struct gw_items {
    atomic_uint refs;
    struct gw_item_rec *recs;
    size_t n, cap;
    struct gw_strmap *index; /* id -> position in recs */
    struct chunk *chunks;    /* the newest first */
    struct gw_item_tally tally;
};

struct gw_items *gw_items_new(void)
{
    struct gw_items *items = gw_xcalloc(1, sizeof(*items));
    atomic_init(&items->refs, 1);
    items->index = gw_strmap_new();
    return items;
}

struct gw_items *gw_items_ref(struct gw_items *items)
{
    atomic_fetch_add_explicit(&items->refs, 1, memory_order_relaxed);
    return items;
}

void gw_items_unref(struct gw_items *items)
{
    if (!items)
        return;
    if (atomic_fetch_sub_explicit(&items->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (struct chunk *c = items->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    gw_strmap_free(items->index);
    free(items->recs);
    free(items);
}

/* Length of s cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t cut_utf8(const char *s, size_t max)
{
    size_t len = strnlen(s, max + 1);
    if (len <= max)
        return len;
    len = max;
    while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
        len--;
    return len;
}

/* Copies s, cut to max bytes, into out (max + 1 bytes), control characters as spaces. */
static size_t clean_copy(char *out, const char *s, size_t max)
{
    size_t len = s ? cut_utf8(s, max) : 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)s[i];
        out[i] = b < 0x20 || b == 0x7f ? ' ' : (char)b;
    }
    out[len] = '\0';
    return len;
}

/* A copy of s (at most max bytes, cleaned) in the list's chunks; "" for NULL. */
static const char *store(struct gw_items *items, const char *s, size_t max)
{
    if (!s || !*s)
        return "";
    size_t len = cut_utf8(s, max);
    struct chunk *c = items->chunks;
    if (!c || c->used + len + 1 > CHUNK_BYTES) {
        c = gw_xmalloc(sizeof(*c));
        c->next = items->chunks;
        c->used = 0;
        items->chunks = c;
    }
    char *out = c->text + c->used;
    c->used += clean_copy(out, s, max) + 1;
    return out;
}

static void count(struct gw_item_tally *t, int status, uint32_t flags)
{
    t->n[status]++;
    if ((flags & GW_ITEM_RAPID) && status != GW_ITEM_EXCLUDED) {
        t->rapid_total++;
        if (status == GW_ITEM_DOWN)
            t->rapid_down++;
    }
}

int gw_items_add(struct gw_items *items, const char *id, int status, const char *reason,
                 const char *name, uint32_t flags)
{
    if (status < GW_ITEM_UP || status > GW_ITEM_EXCLUDED)
        status = GW_ITEM_UNKNOWN;
    if (items->n == GW_ITEMS_MAX) {
        items->tally.unlisted++;
        count(&items->tally, status, flags);
        return -E2BIG;
    }
    char key[GW_ITEM_ID_MAX + 1];
    if (clean_copy(key, id, GW_ITEM_ID_MAX) == 0)
        strcpy(key, "?");
    size_t at;
    if (gw_strmap_get(items->index, key, &at) == 0) {
        items->tally.duplicates++;
        return -EEXIST;
    }
    if (items->n == items->cap) {
        items->cap = items->cap ? 2 * items->cap : 64;
        items->recs = gw_xreallocarray(items->recs, items->cap, sizeof(*items->recs));
    }
    struct gw_item_rec *r = &items->recs[items->n];
    r->id = store(items, key, GW_ITEM_ID_MAX);
    r->name = store(items, name, GW_ITEM_NAME_MAX);
    r->reason = store(items, reason, GW_ITEM_REASON_MAX);
    r->since_ms = 0;
    r->status = (uint8_t)status;
    r->flags = (uint8_t)flags;
    gw_strmap_put(items->index, r->id, items->n, NULL);
    items->n++;
    count(&items->tally, status, flags);
    return 0;
}

size_t gw_items_count(const struct gw_items *items)
{
    return items->n;
}

const struct gw_item_rec *gw_items_at(const struct gw_items *items, size_t i)
{
    return &items->recs[i];
}

const struct gw_item_rec *gw_items_find(const struct gw_items *items, const char *id)
{
    size_t at;
    if (gw_strmap_get(items->index, id, &at) < 0)
        return NULL;
    return &items->recs[at];
}

const struct gw_item_tally *gw_items_tally(const struct gw_items *items)
{
    return &items->tally;
}

void gw_items_set_since(struct gw_items *items, size_t i, int64_t since_ms)
{
    items->recs[i].since_ms = since_ms;
}

const char *gw_item_status_word(int status)
{
    static const char *const words[] = {"up", "degraded", "down", "unknown", "excluded"};
    return status >= 0 && status < GW_ITEM_STATUSES ? words[status] : "unknown";
}

const char *gw_item_status_name(int status)
{
    static const char *const names[] = {"UP", "DEGRADED", "DOWN", "UNKNOWN", "EXCLUDED"};
    return status >= 0 && status < GW_ITEM_STATUSES ? names[status] : "UNKNOWN";
}

double gw_items_share_up(const struct gw_item_tally *t)
{
    uint64_t working = t->n[GW_ITEM_UP] + t->n[GW_ITEM_DEGRADED];
    uint64_t counted = working + t->n[GW_ITEM_DOWN];
    return counted ? (double)working / (double)counted : NAN;
}

void gw_items_judge(const struct gw_items *items, double min_up, struct gw_result *result)
{
    const struct gw_item_tally *t = &items->tally;
    static const char *const figure[GW_ITEM_STATUSES] = {"items_up", "items_degraded", "items_down",
                                                         "items_unknown", "items_excluded"};
    uint64_t total = 0;
    for (int s = 0; s < GW_ITEM_STATUSES; s++) {
        gw_result_set_figure(result, figure[s], (double)t->n[s]);
        total += t->n[s];
    }
    gw_result_set_figure(result, "items_total", (double)total);
    if (t->rapid_total) {
        gw_result_set_figure(result, "rapid_total", (double)t->rapid_total);
        gw_result_set_figure(result, "rapid_down", (double)t->rapid_down);
        gw_result_set_figure(result, "rapid_reliability",
                             (double)(t->rapid_total - t->rapid_down) / (double)t->rapid_total);
    }
    char text[160];
    if (t->duplicates) {
        snprintf(text, sizeof(text), "%llu item ids were given twice; the first of each counts",
                 (unsigned long long)t->duplicates);
        gw_result_add_detail(result, "items", text);
    }
    if (t->unlisted) {
        snprintf(text, sizeof(text), "%llu items beyond the first %u are counted but not listed",
                 (unsigned long long)t->unlisted, (unsigned)GW_ITEMS_MAX);
        gw_result_add_detail(result, "items", text);
    }

    double share = gw_items_share_up(t);
    if (result->status != GW_STATUS_UP || !(min_up > 0) || isnan(share) || share >= min_up)
        return;
    uint64_t working = t->n[GW_ITEM_UP] + t->n[GW_ITEM_DEGRADED];
    char prefix[160];
    snprintf(prefix, sizeof(prefix), "%.0f%% of items work (%llu of %llu), below min_up %.0f%%: ",
             floor(share * 100.0), (unsigned long long)working,
             (unsigned long long)(working + t->n[GW_ITEM_DOWN]), min_up * 100.0);
    /* The plugin's sentence follows, cut to fit. */
    size_t plen = strlen(prefix), mlen = strlen(result->message);
    if (plen + mlen >= sizeof(result->message))
        mlen = sizeof(result->message) - 1 - plen;
    memmove(result->message + plen, result->message, mlen);
    memcpy(result->message, prefix, plen);
    result->message[plen + mlen] = '\0';
    result->status = GW_STATUS_DEGRADED;
    snprintf(result->reason, sizeof(result->reason), "%s", GW_REASON_TOO_FEW_UP);
}

size_t gw_items_track(const struct gw_items *prev, struct gw_items *next, int64_t now_ms,
                      gw_items_change_cb cb, void *data)
{
    size_t changes = 0;
    for (size_t i = 0; i < next->n; i++) {
        struct gw_item_rec *r = &next->recs[i];
        const struct gw_item_rec *before = prev ? gw_items_find(prev, r->id) : NULL;
        if (before && before->status == r->status) {
            r->since_ms = before->since_ms ? before->since_ms : now_ms;
            continue;
        }
        r->since_ms = now_ms;
        if (!prev)
            continue;
        changes++;
        if (cb)
            cb(data, before ? GW_ITEM_CHANGED : GW_ITEM_APPEARED, before, r);
    }
    for (size_t i = 0; prev && i < prev->n; i++) {
        if (gw_items_find(next, prev->recs[i].id))
            continue;
        changes++;
        if (cb)
            cb(data, GW_ITEM_GONE, &prev->recs[i], NULL);
    }
    return changes;
}
