/*
 * Logging to stderr. Under systemd (JOURNAL_STREAM set and pointing at our
 * stderr) each line carries the "<N>" priority prefix journald understands and
 * no timestamp of our own; otherwise a UTC timestamp and the level name.
 * Safe to call from any thread: each line is written with one write().
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include <gwyliwr/plugin.h>

/* Decides the output format from the environment; call once at start-up. */
void gw_log_init(void);
/* Lines above `level` (enum gw_log_level) are dropped. */
void gw_log_set_level(int level);
int gw_log_get_level(void);
/* Parses "debug", "info", "notice", "warning", "error"; -EINVAL otherwise. */
int gw_log_level_parse(const char *name);
/* The name of a level ("info"). */
const char *gw_log_level_name(int level);
/* Forces journald-style output on or off (tests). */
void gw_log_set_journal(bool journal);

void gw_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gw_logv(int level, const char *fmt, va_list ap);

#define gw_log_error(...)   gw_log(GW_LOG_ERROR, __VA_ARGS__)
#define gw_log_warning(...) gw_log(GW_LOG_WARNING, __VA_ARGS__)
#define gw_log_notice(...)  gw_log(GW_LOG_NOTICE, __VA_ARGS__)
#define gw_log_info(...)    gw_log(GW_LOG_INFO, __VA_ARGS__)
#define gw_log_debug(...)   gw_log(GW_LOG_DEBUG, __VA_ARGS__)

#endif
