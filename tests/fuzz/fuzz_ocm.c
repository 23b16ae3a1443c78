/*
 * The Open Charge Map parser on any bytes: never a crash, a leak or a read
 * past the document; tallies agree with the items reported.
 */
#include "fuzz_feed.h"
#include "ocm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *doc = fuzz_copy(data, size);
    struct gw_ocm_tally t = {0};
    struct gw_feed_error err = {0};
    uint64_t items = 0;
    int rc = gw_ocm_parse(doc, size, fuzz_item_cb, &items, &t, &err);
    fuzz_check_outcome(rc, &err);
    if (items != t.items || t.rapid > t.items || (rc == 0 && t.items < t.sites))
        abort();
    free(doc);
    return 0;
}
