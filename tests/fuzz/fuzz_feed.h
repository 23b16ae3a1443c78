/*
 * What the feed parsers' fuzzers check after every parse, whatever the
 * input: an item is whole (an id, a status in range), a refusal has one of
 * the feed reasons and a sentence, an acceptance has none. The input is
 * copied to a buffer of exactly its size, so AddressSanitizer sees any read
 * past the document.
 */
#ifndef GW_FUZZ_FEED_H
#define GW_FUZZ_FEED_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Counts items, and reads every byte of their strings. */
static inline void fuzz_item_cb(void *data, const struct gw_feed_item *item)
{
    if (!item->id || item->status < GW_ITEM_UP || item->status > GW_ITEM_EXCLUDED)
        abort();
    size_t len = strlen(item->id) + (item->name ? strlen(item->name) : 0) +
                 (item->reason ? strlen(item->reason) : 0);
    if (len == SIZE_MAX)
        abort();
    (*(uint64_t *)data)++;
}

/* A copy of the input that ends where it ends. Caller frees. */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        abort();
    if (size)
        memcpy(copy, data, size);
    return copy;
}

/* The outcome of one parse holds together. */
static inline void fuzz_check_outcome(int rc, const struct gw_feed_error *err)
{
    if (rc == 0) {
        if (err->reason)
            abort();
        return;
    }
    if (rc != -1 || !err->reason || !err->message[0])
        abort();
    static const char *const reasons[] = {GW_REASON_FEED_PARSE, GW_REASON_FEED_SCHEMA,
                                          GW_REASON_FEED_ERROR};
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (strcmp(err->reason, reasons[i]) == 0)
            return;
    abort();
}

#endif
