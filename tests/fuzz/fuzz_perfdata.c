/*
 * The perfdata parser on any bytes: it must never read past its input nor
 * crash, and what it returns must hold together.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "perfdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly `size` bytes, so ASan sees any read past the end. */
    char *text = malloc(size ? size : 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    static struct gw_perfdata pd;
    gw_perfdata_parse_output(text, size, &pd);
    if (pd.n > GW_PERFDATA_MAX || (pd.bad > 0) != (pd.problem[0] != '\0'))
        abort();
    for (size_t i = 0; i < pd.n; i++) {
        const struct gw_perfdata_value *v = &pd.values[i];
        if (!v->label[0] || memchr(v->label, '\0', sizeof(v->label)) == NULL)
            abort();
        if (isinf(v->value) || isinf(v->min) || isinf(v->max))
            abort();
        if (gw_perfdata_find(&pd, v->label) == NULL)
            abort();
    }
    size_t off, n;
    gw_perfdata_summary(text, size, &off, &n);
    if (off > size || n > size - off || memchr(text + off, '\n', n))
        abort();
    free(text);
    return 0;
}
