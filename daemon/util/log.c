#include "util/log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_level = GW_LOG_INFO;
static atomic_bool log_journal = false;

static const char *const level_names[] = {
    [GW_LOG_ERROR] = "error", [GW_LOG_WARNING] = "warning", [GW_LOG_NOTICE] = "notice",
    [GW_LOG_INFO] = "info",   [GW_LOG_DEBUG] = "debug",
};

/* JOURNAL_STREAM names the device:inode of the stream journald gave us; only
 * trust it when stderr is still that stream (not redirected by a wrapper). */
static bool stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    if (!js || !*js)
        return false;
    unsigned long long dev = 0, ino = 0;
    if (sscanf(js, "%llu:%llu", &dev, &ino) != 2)
        return false;
    struct stat st;
    if (fstat(STDERR_FILENO, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void gw_log_init(void)
{
    atomic_store(&log_journal, stderr_is_journal());
}

void gw_log_set_journal(bool journal)
{
    atomic_store(&log_journal, journal);
}

void gw_log_set_level(int level)
{
    atomic_store(&log_level, level);
}

int gw_log_get_level(void)
{
    return atomic_load(&log_level);
}

int gw_log_level_parse(const char *name)
{
    for (int i = GW_LOG_ERROR; i <= GW_LOG_DEBUG; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    if (strcmp(name, "warn") == 0)
        return GW_LOG_WARNING;
    return -EINVAL;
}

const char *gw_log_level_name(int level)
{
    if (level < GW_LOG_ERROR || level > GW_LOG_DEBUG)
        return "?";
    return level_names[level];
}

void gw_logv(int level, const char *fmt, va_list ap)
{
    if (level > atomic_load(&log_level))
        return;
    char line[2048];
    size_t n;
    if (atomic_load(&log_journal)) {
        n = (size_t)snprintf(line, sizeof(line), "<%d>", level);
    } else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
        n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ %s: ", ts.tv_nsec / 1000000,
                              gw_log_level_name(level));
    }
    int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    if (m < 0)
        m = 0;
    n += (size_t)m;
    if (n >= sizeof(line) - 1) {
        n = sizeof(line) - 2;
        memcpy(line + n - 3, "...", 3);
    }
    line[n++] = '\n';
    /* One write per line so concurrent threads do not interleave mid-line. */
    ssize_t w;
    do {
        w = write(STDERR_FILENO, line, n);
    } while (w < 0 && errno == EINTR);
}

void gw_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gw_logv(level, fmt, ap);
    va_end(ap);
}
