/*
 * Where a command writes what it made: a file, or standard output.
 */
#ifndef GW_CLI_OUTPUT_H
#define GW_CLI_OUTPUT_H

#include <stddef.h>

/*
 * Writes `size` bytes of `data` (borrowed) to the file at `path`, made or
 * emptied first, or to standard output when path is NULL. Returns 0, or a
 * negative errno when they could not all be written and kept.
 */
int gw_cli_output_write(const char *path, const void *data, size_t size);

#endif
