/*
 * The configuration loader (YAML or JSON text to a positioned tree) on any
 * bytes: the lowest bit of the first byte chooses the syntax (0 YAML, as in
 * the seeds that start with "0"; 1 JSON, as in those that start with "1"),
 * the rest is the file. It must never crash or leak, and the tree it returns
 * must hold together: every node has a position, a scalar its text, a
 * mapping scalar keys.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config/cfg.h"
#include "config/cfg_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aliases make the tree a graph; a depth bound keeps the walk finite. */
static void check_node(const struct gw_cfg_doc *doc, const struct gw_cfg *node, unsigned depth)
{
    if (!node || node->line == 0 || node->col == 0 || !node->file)
        abort();
    if (depth > 64)
        return;
    switch (node->kind) {
    case GW_CFG_KIND_NULL:
        break;
    case GW_CFG_KIND_SCALAR:
        if (!node->text)
            abort();
        break;
    case GW_CFG_KIND_MAP:
        for (uint32_t i = 0; i < node->n; i++) {
            /* a key that is not a string is reported, and parsing goes on */
            if (node->keys[i]->kind != GW_CFG_KIND_SCALAR && doc->diag->errors == 0)
                abort();
            check_node(doc, node->keys[i], depth + 1);
            check_node(doc, node->items[i], depth + 1);
        }
        break;
    case GW_CFG_KIND_SEQ:
        for (uint32_t i = 0; i < node->n; i++)
            check_node(doc, node->items[i], depth + 1);
        break;
    default:
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *name = data[0] & 1 ? "fuzz.json" : "fuzz.yaml";
    /* A copy of exactly the file's bytes, so ASan sees any read past it. */
    size_t len = size - 1;
    char *text = malloc(len ? len : 1);
    if (!text)
        abort();
    for (size_t i = 0; i < len; i++)
        text[i] = (char)data[i + 1];
    struct gw_cfg_doc *doc = gw_cfg_doc_new();
    struct gw_cfg *root = NULL;
    int rc = gw_cfg_load_string(doc, name, text, len, &root);
    if ((rc == 0) != (root != NULL))
        abort();
    if (rc < 0 && doc->diag->errors == 0)
        abort(); /* refused without saying why */
    if (root)
        check_node(doc, root, 0);
    gw_cfg_doc_free(doc);
    free(text);
    return 0;
}
