#include "fmt.h"

#include <math.h>
#include <stdio.h>

void gw_fmt_seconds(double seconds, char *out, size_t len)
{
    double ms = seconds * 1e3;
    if (isnan(seconds))
        snprintf(out, len, "?");
    else if (ms < 1)
        snprintf(out, len, "%.3f ms", ms);
    else if (ms < 10)
        snprintf(out, len, "%.2f ms", ms);
    else if (ms < 100)
        snprintf(out, len, "%.1f ms", ms);
    else if (ms < 10000)
        snprintf(out, len, "%.0f ms", ms);
    else
        snprintf(out, len, "%.1f s", seconds);
}

void gw_fmt_bytes(double bytes, char *out, size_t len)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) {
        snprintf(out, len, "%.0f B", bytes);
        return;
    }
    int u = -1;
    while (bytes >= 1024 && u < 3) {
        bytes /= 1024;
        u++;
    }
    snprintf(out, len,
             bytes < 10    ? "%.2f %s"
             : bytes < 100 ? "%.1f %s"
                           : "%.0f %s",
             bytes, units[u]);
}

void gw_fmt_rate(double bytes_per_s, char *out, size_t len)
{
    static const char *const units[] = {"bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"};
    double bits = bytes_per_s * 8;
    int u = 0;
    while (bits >= 1000 && u < 4) {
        bits /= 1000;
        u++;
    }
    snprintf(out, len,
             bits < 10 && u    ? "%.2f %s"
             : bits < 100 && u ? "%.1f %s"
                               : "%.0f %s",
             bits, units[u]);
}
