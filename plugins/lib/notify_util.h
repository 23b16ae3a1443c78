/*
 * Small helpers every notifier plugin shares: allocation that aborts when
 * memory runs out (as the daemon's does), a growable string, times.
 */
#ifndef GW_NOTIFY_UTIL_H
#define GW_NOTIFY_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Allocation that aborts when memory runs out, as the daemon's does. */
void *gw_notify_xmalloc(size_t size);
char *gw_notify_xstrdup(const char *s);
char *gw_notify_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "2026-11-03T10:12:03.123Z" of `ms` since the epoch, into buf (at least 32 bytes). */
const char *gw_notify_rfc3339(int64_t ms, char *buf, size_t len);

/* Wall clock in milliseconds since the epoch. */
int64_t gw_notify_now_ms(void);

/* Whether a state word is a problem ("down", "degraded", "unknown", "flapping"). */
bool gw_notify_state_is_bad(const char *state);

/* Whether s can stand in a header as it is: printable ASCII, no line break. */
bool gw_notify_header_safe(const char *s);

/* A growable NUL-terminated string; zero-initialise, free(b.s) when done. */
struct gw_notify_buf {
    char *s;
    size_t len, cap;
};

/* Appends len bytes of s (s always NUL-terminated afterwards, even when len is 0). */
void gw_notify_buf_add(struct gw_notify_buf *b, const char *s, size_t len);
void gw_notify_buf_addf(struct gw_notify_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
