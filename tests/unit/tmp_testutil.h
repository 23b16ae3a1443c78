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

/* Makes `path` hold `text`; aborts when it cannot. */
static inline void file_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        abort();
    }
}

/* What `path` holds, as a string; aborts when it cannot be read. Caller frees. */
static inline char *file_read(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
        abort();
    }
    size_t len = 0, cap = 4096;
    char *text = gw_xmalloc(cap);
    size_t got;
    while ((got = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2)
            text = gw_xreallocarray(text, cap *= 2, 1);
    }
    fclose(f);
    text[len] = '\0';
    return text;
}

#endif
