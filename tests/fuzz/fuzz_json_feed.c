/*
 * The parser of JSON lists of things with a status (the json_feed check) on
 * any bytes, under three targets' settings: a top-level list (Meraki's
 * devices), a list at a nested path with nested ids and statuses, and one
 * with down_values (other statuses unknown). Never a crash, a leak or a
 * read past the document; the tally agrees with the items reported.
 */
#include "fuzz_feed.h"
#include "json_list.h"

static struct gw_json_list_conf confs[3];

static void setup(void)
{
    const char *bad = NULL;
    static const char *const dormant[] = {"dormant"};
    static const char *const down[] = {"DOWN", "0", "false"};
    if (gw_json_list_conf_init(&confs[0], "", "serial", "status", "name", &bad) < 0 ||
        gw_json_list_conf_set(&confs[0], GW_ITEM_EXCLUDED, dormant, 1) < 0 ||
        gw_json_list_conf_init(&confs[1], "data.devices", "id", "state.code", "meta.0.name", &bad) <
            0 ||
        gw_json_list_conf_init(&confs[2], "0.list", "ids.1", "s", NULL, &bad) < 0 ||
        gw_json_list_conf_set(&confs[2], GW_ITEM_DOWN, down, 3) < 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    char *doc = fuzz_copy(data, size);
    for (size_t c = 0; c < sizeof(confs) / sizeof(confs[0]); c++) {
        struct gw_json_list_tally t = {0};
        struct gw_feed_error err = {0};
        uint64_t items = 0;
        int rc = gw_json_list_parse(&confs[c], doc, size, fuzz_item_cb, &items, &t, &err);
        fuzz_check_outcome(rc, &err);
        if (items != t.items)
            abort();
    }
    free(doc);
    return 0;
}
