/*
 * Allocation that cannot fail: out of memory aborts with a message, so callers
 * carry no untestable NULL branches.
 */
#ifndef GW_XALLOC_H
#define GW_XALLOC_H

#include <stddef.h>

/* malloc(size); never returns NULL. Caller frees. */
void *gw_xmalloc(size_t size);
/* calloc(n, size), overflow-checked; never returns NULL. Caller frees. */
void *gw_xcalloc(size_t n, size_t size);
/* realloc(p, n * size), overflow-checked; never returns NULL. */
void *gw_xreallocarray(void *p, size_t n, size_t size);
/* strdup(s); NULL gives NULL. Caller frees. */
char *gw_xstrdup(const char *s);
/* A copy of the first len bytes of s, NUL-terminated. Caller frees. */
char *gw_xstrndup(const char *s, size_t len);
/* A new string from printf-style arguments. Caller frees. */
char *gw_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
