/*
 * Parsers for the value syntaxes of the configuration: durations, sizes,
 * percentages, booleans and numbers. Pure functions on strings.
 */
#ifndef GW_UNITS_H
#define GW_UNITS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * "500ms", "10s", "5m", "1h", "1d", "1.5s", and sums "1m30s". A bare "0" is
 * accepted; any other number needs a unit. Returns 0 or -EINVAL / -ERANGE.
 */
int gw_units_parse_duration_ms(const char *text, uint64_t *out);
/* Formats milliseconds the way the parser reads them ("1m30s", "250ms"). */
void gw_units_format_duration(uint64_t ms, char *buf, unsigned size);
/* "1048576", "512KiB", "1MiB", "2GiB", "10kB", "1MB" (SI powers of 1000). */
int gw_units_parse_size(const char *text, uint64_t *out);
/* "95%" gives 0.95; a bare number 0..1 is a ratio. Range 0..100 %. */
int gw_units_parse_percent(const char *text, double *out_ratio);
/* YAML-ish booleans: true/false, yes/no, on/off (any case). */
int gw_units_parse_bool(const char *text, bool *out);
/* A whole number, decimal (or 0x hex). */
int gw_units_parse_int(const char *text, int64_t *out);
/* A finite decimal number. */
int gw_units_parse_number(const char *text, double *out);

/*
 * An RFC 3339 time "2026-12-01T22:00:00Z" (seconds and offset optional:
 * "2026-12-01T22:00Z", "2026-12-01T23:00:00+01:00") to seconds since the epoch.
 */
int gw_units_parse_time(const char *text, int64_t *out_s);
/* "HH:MM" to minutes after midnight (0..1440). */
int gw_units_parse_clock(const char *text, int *out_min);
#endif
