#include "notify_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void *gw_notify_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        fputs("gwyliwr notifier: out of memory\n", stderr);
        abort();
    }
    return p;
}

char *gw_notify_xstrdup(const char *s)
{
    size_t len = strlen(s) + 1;
    return memcpy(gw_notify_xmalloc(len), s, len);
}

char *gw_notify_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    int n = vasprintf(&out, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fputs("gwyliwr notifier: out of memory\n", stderr);
        abort();
    }
    return out;
}

const char *gw_notify_rfc3339(int64_t ms, char *buf, size_t len)
{
    time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)s * 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char day[24];
    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03dZ", day, frac);
    return buf;
}

int64_t gw_notify_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool gw_notify_state_is_bad(const char *state)
{
    return state && (strcmp(state, "down") == 0 || strcmp(state, "degraded") == 0 ||
                     strcmp(state, "unknown") == 0 || strcmp(state, "flapping") == 0);
}

bool gw_notify_header_safe(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return s != NULL;
}

void gw_notify_buf_add(struct gw_notify_buf *b, const char *s, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            fputs("gwyliwr notifier: out of memory\n", stderr);
            abort();
        }
        b->s = p;
        b->cap = cap;
    }
    if (len)
        memcpy(b->s + b->len, s, len);
    b->len += len;
    b->s[b->len] = '\0';
}

void gw_notify_buf_addf(struct gw_notify_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fputs("gwyliwr notifier: out of memory\n", stderr);
        abort();
    }
    gw_notify_buf_add(b, s, (size_t)n);
    free(s);
}
