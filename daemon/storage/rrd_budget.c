#include "storage/rrd_budget.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "storage/rrd_schema.h"
#include "util/xalloc.h"

/* The nearest directory at or above `path` that exists. Caller frees. */
static char *existing_ancestor(const char *path)
{
    char *dir = gw_xstrdup(path && *path ? path : ".");
    struct stat st;
    while (stat(dir, &st) != 0) {
        char *slash = strrchr(dir, '/');
        if (!slash) {
            free(dir);
            return gw_xstrdup(".");
        }
        if (slash == dir) {
            dir[1] = '\0';
            break;
        }
        *slash = '\0';
    }
    return dir;
}

/* RRD files in a directory (0 when there is none). */
static uint64_t rrd_files_in(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    uint64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        n += len > 4 && strcmp(e->d_name + len - 4, ".rrd") == 0;
    }
    closedir(d);
    return n;
}

/* Adds the item files of a target with track_items. */
static void count_items(const struct gw_config *config, const struct gw_target_conf *t,
                        uint32_t step_s, struct gw_rrd_budget *out)
{
    uint64_t size = gw_rrd_schema_item_file_size(step_s);
    out->item_files += t->max_tracked_items;
    out->item_bytes += t->max_tracked_items * size;
    out->bytes += t->max_tracked_items * size;
    if (!out->local)
        return;
    char *dir = gw_xasprintf("%s/%s/%s.items", config->daemon.data_dir,
                             config->councils[t->council].id, t->name);
    uint64_t made = rrd_files_in(dir);
    if (made < t->max_tracked_items)
        out->missing_bytes += (t->max_tracked_items - made) * size;
    free(dir);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

void gw_rrd_budget_compute(const struct gw_config *config, struct gw_rrd_budget *out)
{
    memset(out, 0, sizeof(*out));
    const char *rrdcached = config->daemon.rrdcached;
    out->local = !*rrdcached || strncmp(rrdcached, "unix:", 5) == 0 || rrdcached[0] == '/';
    if (!config->daemon.store_rrd)
        return;
    for (size_t i = 0; i < config->n_targets; i++) {
        const struct gw_target_conf *t = &config->targets[i];
        uint32_t step_s = (uint32_t)((t->interval_ms + 999) / 1000);
        size_t n_ds = gw_rrd_schema_ds_count(t->figures, t->n_figures);
        out->targets++;
        out->bytes += gw_rrd_schema_target_size(step_s, n_ds);
        if (t->track_items)
            count_items(config, t, step_s, out);
        if (!out->local)
            continue;
        const char *council = config->councils[t->council].id;
        struct gw_rrd_series *s =
            gw_rrd_series_new(config->daemon.data_dir, council, t->name, step_s, NULL, 0);
        for (size_t f = 0; s && f < gw_rrd_series_file_count(s); f++)
            if (!file_exists(gw_rrd_series_file_path(s, f)))
                out->missing_bytes += gw_rrd_schema_file_size(step_s, f, n_ds);
        gw_rrd_series_unref(s);
    }
    if (!out->local)
        return;
    out->fs_path = existing_ancestor(config->daemon.data_dir);
    struct statvfs vfs;
    if (statvfs(out->fs_path, &vfs) == 0) {
        out->fs_known = true;
        out->fs_avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
    }
}

void gw_rrd_budget_fini(struct gw_rrd_budget *b)
{
    free(b->fs_path);
    b->fs_path = NULL;
}

bool gw_rrd_budget_short(const struct gw_rrd_budget *b)
{
    return b->local && b->fs_known && b->missing_bytes > b->fs_avail;
}

void gw_rrd_budget_format(uint64_t bytes, char *buf, size_t size)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1000;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%llu B", (unsigned long long)bytes);
    else if (v < 9.95)
        snprintf(buf, size, "%.1f %s", v, units[u]);
    else
        snprintf(buf, size, "%.0f %s", v, units[u]);
}

bool gw_rrd_budget_report(const struct gw_config *config, FILE *out, FILE *err)
{
    if (!config->daemon.store_rrd) {
        fprintf(out, "storage: none (no RRD files)\n");
        return false;
    }
    struct gw_rrd_budget b;
    gw_rrd_budget_compute(config, &b);
    char total[32], missing[32], avail[32];
    gw_rrd_budget_format(b.bytes, total, sizeof(total));
    gw_rrd_budget_format(b.missing_bytes, missing, sizeof(missing));
    gw_rrd_budget_format(b.fs_avail, avail, sizeof(avail));
    fprintf(out, "storage: %zu target%s, %s of RRD files", b.targets, b.targets == 1 ? "" : "s",
            total);
    if (b.item_files) {
        char items[32];
        gw_rrd_budget_format(b.item_bytes, items, sizeof(items));
        fprintf(out, ", %s of them for at most %llu tracked items", items,
                (unsigned long long)b.item_files);
    }
    if (!b.local)
        fprintf(out, " on the rrdcached host (%s)\n", config->daemon.rrdcached);
    else if (b.fs_known)
        fprintf(out, " (%s not made yet); %s has %s free\n", missing, b.fs_path, avail);
    else
        fprintf(out, " (%s not made yet)\n", missing);
    bool warned = gw_rrd_budget_short(&b);
    if (warned)
        fprintf(err,
                "%s: warning: the RRD files still to be made need %s but the file system of %s "
                "has %s free\n",
                config->path, missing, b.fs_path, avail);
    gw_rrd_budget_fini(&b);
    return warned;
}
