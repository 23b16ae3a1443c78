/*
 * Numbers as text that reads back exactly: the RRD writer's updates and
 * journal, and /metrics, write a dozen numbers per result or a hundred
 * thousand per scrape, so the common ones are written without printf.
 */
#ifndef GW_NUMBER_H
#define GW_NUMBER_H

#include <stddef.h>

/* Room for the text of any double gw_number_format writes, with its terminating NUL. */
#define GW_NUMBER_MAX 32

/*
 * Writes into `out` (GW_NUMBER_MAX bytes) the shortest of %.15g, %.16g and
 * %.17g that reads back as `v` exactly ("nan", "inf" and "-inf" as printf
 * writes them), and returns its length. Numbers that 15 significant digits
 * write exactly in plain notation (whole numbers below 1e15, whole
 * milliseconds of a timestamp, the microseconds and nanoseconds of a
 * measured time) are written without printf, in the same text.
 */
size_t gw_number_format(char *out, double v);

#endif
