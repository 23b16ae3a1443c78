/*
 * The health document parser on any bytes, in every format (found from the
 * document, and each one forced), with and without a list of components:
 * never a crash, a leak or a read past the document; a verdict is one of
 * up, degraded, down or unknown, and only the components listed are
 * reported when there is a list.
 */
#include "fuzz_feed.h"
#include "health_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum gw_health_format formats[] = {GW_HEALTH_AUTO, GW_HEALTH_JSON,
                                                    GW_HEALTH_SPRING, GW_HEALTH_STATUSPAGE};
    static const char *const only[] = {"db", "tst0000000002", "Gwefan / Website", NULL};
    char *doc = fuzz_copy(data, size);
    for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
        for (int listed = 0; listed < 2; listed++) {
            struct gw_health_verdict v;
            struct gw_feed_error err = {0};
            uint64_t items = 0;
            const char *type = f == 0 && listed ? "application/health+json" : NULL;
            int rc = gw_health_parse(formats[f], type, doc, size, listed ? only : NULL,
                                     fuzz_item_cb, &items, &v, &err);
            fuzz_check_outcome(rc, &err);
            if (rc == 0 && (v.status == GW_ITEM_EXCLUDED || v.status > GW_ITEM_EXCLUDED ||
                            v.components != items || v.format == GW_HEALTH_AUTO))
                abort();
        }
    }
    free(doc);
    return 0;
}
