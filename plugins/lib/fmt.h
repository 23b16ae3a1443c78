/*
 * Numbers in the sentences checks write for people: durations, sizes, rates.
 * Pure.
 */
#ifndef GW_FMT_H
#define GW_FMT_H

#include <stddef.h>
#include <stdint.h>

/* "0.031 ms", "2.35 ms", "12.3 ms", "212 ms", "12.5 s"; "?" for NAN. */
void gw_fmt_seconds(double seconds, char *out, size_t len);

/* "512 B", "12.3 KiB", "10.0 MiB", "1.50 GiB". */
void gw_fmt_bytes(double bytes, char *out, size_t len);

/* A rate in bits per second, as lines are sold: "850 kbit/s", "94.2 Mbit/s", "1.05 Gbit/s". */
void gw_fmt_rate(double bytes_per_s, char *out, size_t len);

#endif
