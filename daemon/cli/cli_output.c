#include "cli/cli_output.h"

#include <errno.h>
#include <stdio.h>

int gw_cli_output_write(const char *path, const void *data, size_t size)
{
    FILE *f = path ? fopen(path, "wb") : stdout;
    if (!f)
        return -errno;
    int rc = fwrite(data, 1, size, f) == size ? 0 : -EIO;
    if (path) {
        if (fclose(f) != 0 && rc == 0)
            rc = -errno;
    } else if (fflush(f) != 0 && rc == 0) {
        rc = -errno;
    }
    return rc;
}
