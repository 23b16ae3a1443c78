#include "util/suggest.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

size_t gw_suggest_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    size_t cols = m + 1;
    size_t *d = gw_xcalloc((n + 1) * cols, sizeof(*d));
    for (size_t i = 0; i <= n; i++)
        d[i * cols] = i;
    for (size_t j = 0; j <= m; j++)
        d[j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[(i - 1) * cols + j] + 1;
            if (d[i * cols + j - 1] + 1 < best)
                best = d[i * cols + j - 1] + 1;
            if (d[(i - 1) * cols + j - 1] + cost < best)
                best = d[(i - 1) * cols + j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[(i - 2) * cols + j - 2] + 1 < best)
                best = d[(i - 2) * cols + j - 2] + 1;
            d[i * cols + j] = best;
        }
    }
    size_t result = d[n * cols + m];
    free(d);
    return result;
}

const char *gw_suggest(const char *word, const char *const *candidates, size_t n)
{
    size_t len = strlen(word);
    size_t limit = len <= 4 ? 1 : 2;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        size_t d = gw_suggest_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    if (!best || best_d > limit || best_d >= len)
        return NULL;
    return best;
}
