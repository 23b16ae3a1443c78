/*
 * "Did you mean ..." for misspelt names: the closest candidate by edit
 * distance (insertions, deletions, substitutions and swaps of neighbours).
 */
#ifndef GW_SUGGEST_H
#define GW_SUGGEST_H

#include <stddef.h>

/* Edit distance between a and b (optimal string alignment). */
size_t gw_suggest_distance(const char *a, const char *b);

/*
 * The candidate nearest to `word` when it is near enough to be a likely typo
 * (distance at most 1 for words of up to 4 characters, at most 2 beyond, and
 * less than the word's length), else NULL. Borrowed from candidates.
 */
const char *gw_suggest(const char *word, const char *const *candidates, size_t n);

#endif
