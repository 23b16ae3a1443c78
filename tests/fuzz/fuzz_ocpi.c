/*
 * The OCPI 2.2.1 locations parser on any bytes: never a crash, a leak or a
 * read past the page; tallies agree with the items reported.
 */
#include "fuzz_feed.h"
#include "ocpi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *page = fuzz_copy(data, size);
    struct gw_ocpi_tally t = {0};
    struct gw_feed_error err = {0};
    uint64_t items = 0;
    int rc = gw_ocpi_parse_page(page, size, fuzz_item_cb, &items, &t, &err);
    fuzz_check_outcome(rc, &err);
    uint64_t sum = 0;
    for (int i = 0; i < GW_OCPI_STATUSES; i++)
        sum += t.by_status[i];
    if (sum != t.evses || items != t.evses || t.rapid > t.evses)
        abort();
    free(page);
    return 0;
}
