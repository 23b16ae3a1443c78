/*
 * Temporary directories for the tests: made fresh under $TMPDIR (or /tmp)
 * and removed with everything in them.
 */
#ifndef GW_TMP_TESTUTIL_H
#define GW_TMP_TESTUTIL_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/xalloc.h"

/* A fresh directory "<prefix>-XXXXXX" under $TMPDIR (or /tmp); aborts when it
 * cannot be made. Caller frees; remove with tree_remove. */
static inline char *temp_dir(const char *prefix)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = gw_xasprintf("%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "mkdtemp %s: %s\n", dir, strerror(errno));
        abort();
    }
    return dir;
}

static inline int tree_remove_entry(const char *path, const struct stat *st, int flag,
                                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes `dir` and everything beneath it (symbolic links are not followed). */
static inline void tree_remove(const char *dir)
{
    nftw(dir, tree_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
