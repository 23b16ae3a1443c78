#include "behav.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "util/suggest.h"
#include "util/units.h"
#include "util/xalloc.h"

/* A body_file larger than this is a mistake in a scenario, not a test. */
#define BODY_FILE_MAX (64u * 1024u * 1024u)

static const char *const tcp_keys[] = {"behaviour", "banner", "close_after_banner", NULL};
static const char *const http_keys[] = {
    "status",   "body",  "body_file", "content_type", "headers", "delay", "trickle", "size",
    "redirect", "reset", "garbage",   "auth",         "feed",    "gzip",  NULL,
};

static const char *const mode_names[] = {
    [SIM_TCP_OPEN] = "open",     [SIM_TCP_SILENT] = "silent",       [SIM_TCP_RESET] = "reset",
    [SIM_TCP_CLOSED] = "closed", [SIM_TCP_BLACKHOLE] = "blackhole", NULL,
};

static const char *const feed_names[] = {
    [SIM_FEED_NONE] = "none",
    [SIM_FEED_OCPI] = "ocpi",
    [SIM_FEED_OCM] = "ocm",
    [SIM_FEED_MERAKI] = "meraki",
    [SIM_FEED_HEALTH] = "health",
    [SIM_FEED_STATUSPAGE] = "statuspage",
    NULL,
};

/* The keys each feed type takes, beside `type`. */
static const char *const feed_keys[][7] = {
    [SIM_FEED_NONE] = {NULL},
    [SIM_FEED_OCPI] = {"locations", "evses", "page_size", "name", "statuses", "paging", NULL},
    [SIM_FEED_OCM] = {"sites", "connections", "name", "statuses", NULL},
    [SIM_FEED_MERAKI] = {"devices", "page_size", "name", "statuses", "paging", NULL},
    [SIM_FEED_HEALTH] = {"status", "name", NULL},
    [SIM_FEED_STATUSPAGE] = {"components", "name", NULL},
};

/* The statuses a feed's items can be in (the first is the default). */
static const char *const feed_statuses[][11] = {
    [SIM_FEED_NONE] = {NULL},
    [SIM_FEED_OCPI] = {"AVAILABLE", "BLOCKED", "CHARGING", "INOPERATIVE", "OUTOFORDER", "PLANNED",
                       "REMOVED", "RESERVED", "UNKNOWN", NULL},
    [SIM_FEED_OCM] = {"50", "0", "10", "20", "30", "75", "100", "150", "200", "210", NULL},
    [SIM_FEED_MERAKI] = {"online", "offline", "alerting", "dormant", NULL},
    [SIM_FEED_HEALTH] = {NULL},
    [SIM_FEED_STATUSPAGE] = {NULL},
};

static const char *const component_statuses[] = {
    "operational",  "degraded_performance", "partial_outage",
    "major_outage", "under_maintenance",    NULL,
};

static const char *const health_statuses[] = {"pass", "warn", "fail", NULL};

static const char *const paging_names[] = {
    [SIM_PAGING_NORMAL] = "normal",
    [SIM_PAGING_LOOP] = "loop",
    [SIM_PAGING_FOREIGN] = "foreign",
    NULL,
};

const char *sim_behav_mode_name(enum sim_tcp_mode mode)
{
    return mode_names[mode];
}

/* ---- small helpers ------------------------------------------------------- */

static size_t list_len(const char *const *list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    return n;
}

static int list_find(const char *const *list, const char *word)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], word) == 0)
            return (int)i;
    return -1;
}

/* "a, b or c" for messages. Caller frees. */
static char *list_text(const char *const *list)
{
    size_t n = list_len(list), len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(list[i]) + 4;
    char *s = gw_xcalloc(len, 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(s, i + 1 == n ? " or " : ", ");
        strcat(s, list[i]);
    }
    return s;
}

/* Reports a word that is not one of `list`, with a suggestion when one is near. */
static void report_choice(const struct gw_cfg *node, const char *what, const char *word,
                          const char *const *list)
{
    const char *near = gw_suggest(word, list, list_len(list));
    if (near) {
        gw_cfg_error(node, "unknown %s \"%s\" (did you mean \"%s\"?)", what, word, near);
    } else {
        char *all = list_text(list);
        gw_cfg_error(node, "unknown %s \"%s\" (expected %s)", what, word, all);
        free(all);
    }
}

bool sim_behav_check_keys(const struct gw_cfg *map, const char *const *a, const char *const *b)
{
    bool ok = true;
    for (uint32_t i = 0; i < map->n; i++) {
        const struct gw_cfg *key = map->keys[i];
        if (!key->text)
            continue;
        for (uint32_t j = 0; j < i; j++) {
            if (map->keys[j]->text && strcmp(map->keys[j]->text, key->text) == 0) {
                gw_cfg_error(key, "duplicate key \"%s\" (first given at line %u, column %u)",
                             key->text, map->keys[j]->line, map->keys[j]->col);
                ok = false;
                break;
            }
        }
        if (list_find(a, key->text) >= 0 || list_find(b, key->text) >= 0)
            continue;
        size_t na = list_len(a), nb = list_len(b);
        const char **all = gw_xcalloc(na + nb + 1, sizeof(*all));
        memcpy(all, a, na * sizeof(*all));
        if (nb)
            memcpy(all + na, b, nb * sizeof(*all));
        const char *near = gw_suggest(key->text, all, na + nb);
        if (near) {
            gw_cfg_error(key, "unknown key \"%s\" (did you mean \"%s\"?)", key->text, near);
        } else {
            char *text = list_text(all);
            gw_cfg_error(key, "unknown key \"%s\" (expected %s)", key->text, text);
            free(text);
        }
        free(all);
        ok = false;
    }
    return ok;
}

static int node_string(const struct gw_cfg *node, char **out, size_t *len_out)
{
    const char *text = gw_cfg_scalar(node);
    if (!text) {
        gw_cfg_error(node, "expected a string, found %s", gw_cfg_kind_name(node));
        return -EINVAL;
    }
    free(*out);
    *out = gw_xstrdup(text);
    if (len_out)
        *len_out = strlen(text);
    return 0;
}

static int node_map(const struct gw_cfg *node)
{
    if (!node || node->kind != GW_CFG_KIND_MAP) {
        gw_cfg_error(node, "expected a mapping, found %s", gw_cfg_kind_name(node));
        return -EINVAL;
    }
    return 0;
}

/* Reads a whole file named relative to `dir`, reporting at the node. */
static int read_body_file(const struct gw_cfg *node, const char *dir, char **out, size_t *len_out)
{
    const char *name = gw_cfg_scalar(node);
    if (!name || !*name) {
        gw_cfg_error(node, "expected the path of a readable file, found %s",
                     name ? "an empty string" : gw_cfg_kind_name(node));
        return -EINVAL;
    }
    char *path = name[0] == '/' || !dir ? gw_xstrdup(name) : gw_xasprintf("%s/%s", dir, name);
    int rc = 0;
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = -errno;
        gw_cfg_error(node, "cannot read \"%s\": %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > (off_t)BODY_FILE_MAX) {
        rc = -EINVAL;
        gw_cfg_error(node, "\"%s\" is not a regular file of at most %u bytes", path, BODY_FILE_MAX);
        goto out;
    }
    size_t got = 0;
    rc = gw_fsutil_read_fd(fd, BODY_FILE_MAX, &buf, &got);
    if (rc < 0) {
        gw_cfg_error(node, "cannot read \"%s\": %s", path, strerror(-rc));
        goto out;
    }
    *out = buf;
    *len_out = got;
    buf = NULL;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

/* ---- pairs and shares ---------------------------------------------------- */

static void pairs_free(struct sim_pair *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].value);
    }
    free(p);
}

/* Sets name to value in the list, replacing an entry of the same name. */
static void pairs_put(struct sim_pair **p, size_t *n, const char *name, const char *value,
                      bool nocase)
{
    for (size_t i = 0; i < *n; i++) {
        if ((nocase ? strcasecmp((*p)[i].name, name) : strcmp((*p)[i].name, name)) == 0) {
            free((*p)[i].value);
            (*p)[i].value = gw_xstrdup(value);
            return;
        }
    }
    *p = gw_xreallocarray(*p, *n + 1, sizeof(**p));
    (*p)[*n] = (struct sim_pair){gw_xstrdup(name), gw_xstrdup(value)};
    (*n)++;
}

static void shares_free(struct sim_share *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i].status);
    free(s);
}

static void shares_put(struct sim_share **s, size_t *n, const struct sim_share *v)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*s)[i].status, v->status) == 0) {
            (*s)[i].is_ratio = v->is_ratio;
            (*s)[i].ratio = v->ratio;
            (*s)[i].count = v->count;
            return;
        }
    }
    *s = gw_xreallocarray(*s, *n + 1, sizeof(**s));
    (*s)[*n] = *v;
    (*s)[*n].status = gw_xstrdup(v->status);
    (*n)++;
}

/* Header names are HTTP tokens. */
static bool header_name_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr("!#$%&'*+-.^_`|~", *s) && !(*s >= '0' && *s <= '9') &&
            !(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z'))
            return false;
    return true;
}

static bool header_value_ok(const char *s)
{
    return !strpbrk(s, "\r\n");
}

/* ---- parsing --------------------------------------------------------------- */

static int parse_headers(const struct gw_cfg *v, struct sim_behav *b)
{
    if (node_map(v) < 0)
        return -EINVAL;
    int rc = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        const char *name = v->keys[i]->text;
        const char *value = gw_cfg_scalar(v->items[i]);
        if (!name || !header_name_ok(name)) {
            gw_cfg_error(v->keys[i], "\"%s\" is not a header name", name ? name : "");
            rc = -EINVAL;
        } else if (!value || !header_value_ok(value)) {
            gw_cfg_error(v->items[i], "expected a header value on one line, found %s",
                         value ? "a line break" : gw_cfg_kind_name(v->items[i]));
            rc = -EINVAL;
        } else {
            pairs_put(&b->headers, &b->n_headers, name, value, true);
        }
    }
    return rc;
}

static int parse_trickle(const struct gw_cfg *v, struct sim_behav *b)
{
    static const char *const keys[] = {"bytes", "every", NULL};
    if (node_map(v) < 0 || !sim_behav_check_keys(v, keys, NULL))
        return -EINVAL;
    int64_t bytes = 0;
    uint64_t every = 0;
    int rc = 0;
    if (!gw_cfg_child(v, "bytes") || !gw_cfg_child(v, "every")) {
        gw_cfg_error(v, "trickle needs both \"bytes\" (per step) and \"every\" (a duration)");
        rc = -EINVAL;
    }
    if (gw_cfg_get_int(v, "bytes", 1, 1 << 20, &bytes) < 0)
        rc = -EINVAL;
    if (gw_cfg_get_duration_ms(v, "every", &every) < 0)
        rc = -EINVAL;
    else if (gw_cfg_child(v, "every") && every == 0) {
        gw_cfg_error(gw_cfg_child(v, "every"), "\"every\" must be longer than 0 ms");
        rc = -EINVAL;
    }
    b->trickle_bytes = (uint64_t)bytes;
    b->trickle_every_ms = every;
    return rc;
}

static int parse_shares(const struct gw_cfg *v, struct sim_feed *f)
{
    if (node_map(v) < 0)
        return -EINVAL;
    int rc = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        const struct gw_cfg *key = v->keys[i];
        const struct gw_cfg *val = v->items[i];
        if (!key->text || list_find(feed_statuses[f->type], key->text) < 0) {
            report_choice(key, "status", key->text ? key->text : "", feed_statuses[f->type]);
            rc = -EINVAL;
            continue;
        }
        struct sim_share s = {.status = (char *)key->text}; /* copied by shares_put */
        const char *text = gw_cfg_scalar(val);
        size_t len = text ? strlen(text) : 0;
        if (len && text[len - 1] == '%') {
            if (gw_cfg_node_percent(val, &s.ratio) < 0) {
                rc = -EINVAL;
                continue;
            }
            s.is_ratio = true;
        } else if (text && gw_units_parse_int(text, &s.count) == 0 && s.count >= 0) {
            s.is_ratio = false;
        } else {
            gw_cfg_error(val, "expected a share like 20%% or a count like 3, found %s",
                         text ? text : gw_cfg_kind_name(val));
            rc = -EINVAL;
            continue;
        }
        shares_put(&f->shares, &f->n_shares, &s);
    }
    return rc;
}

static int parse_components(const struct gw_cfg *v, struct sim_feed *f)
{
    if (node_map(v) < 0)
        return -EINVAL;
    int rc = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        const char *status = gw_cfg_scalar(v->items[i]);
        if (!status || list_find(component_statuses, status) < 0) {
            report_choice(v->items[i], "component status", status ? status : "",
                          component_statuses);
            rc = -EINVAL;
            continue;
        }
        pairs_put(&f->components, &f->n_components, v->keys[i]->text ? v->keys[i]->text : "",
                  status, false);
    }
    return rc;
}

static int parse_feed(const struct gw_cfg *v, const struct sim_behav_ctx *ctx, struct sim_feed *f)
{
    if (node_map(v) < 0)
        return -EINVAL;
    const struct gw_cfg *type = gw_cfg_child(v, "type");
    enum sim_feed_type base_type = ctx->base ? ctx->base->feed.type : SIM_FEED_NONE;
    f->type = base_type;
    if (type) {
        const char *t = gw_cfg_scalar(type);
        int i = t ? list_find(feed_names + 1, t) : -1;
        if (i < 0) {
            report_choice(type, "feed type", t ? t : "", feed_names + 1);
            return -EINVAL;
        }
        f->type = (enum sim_feed_type)(i + 1);
        f->set |= SIM_F_TYPE;
    } else if (base_type == SIM_FEED_NONE) {
        gw_cfg_error(v, "missing required key \"type\" (ocpi, ocm, meraki, health or statuspage)");
        return -EINVAL;
    }
    static const char *const type_key[] = {"type", NULL};
    if (!sim_behav_check_keys(v, feed_keys[f->type], type_key))
        return -EINVAL;

    int rc = 0;
    static const char *const item_keys[] = {"locations", "sites", "devices"};
    static const char *const per_keys[] = {"evses", "connections"};
    for (size_t i = 0; i < 3; i++) {
        if (gw_cfg_child(v, item_keys[i])) {
            if (gw_cfg_get_int(v, item_keys[i], 0, 100000, &f->items) < 0)
                rc = -EINVAL;
            f->set |= SIM_F_ITEMS;
        }
    }
    for (size_t i = 0; i < 2; i++) {
        if (gw_cfg_child(v, per_keys[i])) {
            if (gw_cfg_get_int(v, per_keys[i], 1, 50, &f->per_item) < 0)
                rc = -EINVAL;
            f->set |= SIM_F_PER_ITEM;
        }
    }
    if (gw_cfg_child(v, "page_size")) {
        if (gw_cfg_get_int(v, "page_size", 1, 10000, &f->page_size) < 0)
            rc = -EINVAL;
        f->set |= SIM_F_PAGE_SIZE;
    }
    const struct gw_cfg *paging = gw_cfg_child(v, "paging");
    if (paging) {
        const char *pg = gw_cfg_scalar(paging);
        int i = pg ? list_find(paging_names, pg) : -1;
        if (i < 0) {
            report_choice(paging, "paging", pg ? pg : "", paging_names);
            rc = -EINVAL;
        } else {
            f->paging = (enum sim_paging)i;
            f->set |= SIM_F_PAGING;
        }
    }
    if (gw_cfg_child(v, "name")) {
        if (node_string(gw_cfg_child(v, "name"), &f->name, NULL) < 0)
            rc = -EINVAL;
        f->set |= SIM_F_NAME;
    }
    const struct gw_cfg *status = gw_cfg_child(v, "status");
    if (status) {
        const char *s = gw_cfg_scalar(status);
        if (!s || list_find(health_statuses, s) < 0) {
            report_choice(status, "health status", s ? s : "", health_statuses);
            rc = -EINVAL;
        } else {
            f->health = gw_xstrdup(s);
            f->set |= SIM_F_HEALTH;
        }
    }
    if (gw_cfg_child(v, "statuses")) {
        if (parse_shares(gw_cfg_child(v, "statuses"), f) < 0)
            rc = -EINVAL;
        f->set |= SIM_F_SHARES;
    }
    if (gw_cfg_child(v, "components")) {
        if (parse_components(gw_cfg_child(v, "components"), f) < 0)
            rc = -EINVAL;
        f->set |= SIM_F_COMPONENTS;
    }
    return rc;
}

static int parse_tcp(const struct gw_cfg *map, struct sim_behav *b)
{
    int rc = 0;
    const struct gw_cfg *v;
    if ((v = gw_cfg_child(map, "behaviour"))) {
        const char *m = gw_cfg_scalar(v);
        int i = m ? list_find(mode_names, m) : -1;
        if (i < 0) {
            report_choice(v, "behaviour", m ? m : "", mode_names);
            rc = -EINVAL;
        }
        b->mode = i < 0 ? SIM_TCP_OPEN : (enum sim_tcp_mode)i;
        b->set |= SIM_B_MODE;
    }
    if ((v = gw_cfg_child(map, "banner"))) {
        if (node_string(v, &b->banner, &b->banner_len) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_BANNER;
    }
    if ((v = gw_cfg_child(map, "close_after_banner"))) {
        if (gw_cfg_node_bool(v, &b->close_after_banner) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_CLOSE_AFTER_BANNER;
    }
    return rc;
}

static int parse_http(const struct gw_cfg *map, const struct sim_behav_ctx *ctx,
                      struct sim_behav *b)
{
    int rc = 0;
    const struct gw_cfg *v;
    if ((v = gw_cfg_child(map, "status"))) {
        int64_t s = 0;
        if (gw_cfg_node_int(v, 100, 599, &s) < 0)
            rc = -EINVAL;
        b->status = (int)s;
        b->set |= SIM_B_STATUS;
    }
    const struct gw_cfg *body = gw_cfg_child(map, "body");
    const struct gw_cfg *body_file = gw_cfg_child(map, "body_file");
    if (body && body_file) {
        gw_cfg_error(body_file, "give either body or body_file, not both");
        rc = -EINVAL;
    } else if (body) {
        if (node_string(body, &b->body, &b->body_len) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_BODY;
    } else if (body_file) {
        if (read_body_file(body_file, ctx->dir, &b->body, &b->body_len) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_BODY;
    }
    if ((v = gw_cfg_child(map, "content_type"))) {
        if (node_string(v, &b->content_type, NULL) < 0)
            rc = -EINVAL;
        else if (!header_value_ok(b->content_type)) {
            gw_cfg_error(v, "expected a content type on one line");
            rc = -EINVAL;
        }
        b->set |= SIM_B_CONTENT_TYPE;
    }
    if ((v = gw_cfg_child(map, "headers"))) {
        if (parse_headers(v, b) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_HEADERS;
    }
    if ((v = gw_cfg_child(map, "delay"))) {
        if (gw_cfg_node_duration_ms(v, &b->delay_ms) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_DELAY;
    }
    if ((v = gw_cfg_child(map, "trickle"))) {
        if (parse_trickle(v, b) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_TRICKLE;
    }
    if ((v = gw_cfg_child(map, "size"))) {
        if (gw_cfg_node_size(v, &b->size) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_SIZE;
    }
    if ((v = gw_cfg_child(map, "redirect"))) {
        if (node_string(v, &b->redirect, NULL) < 0)
            rc = -EINVAL;
        else if (!header_value_ok(b->redirect)) {
            gw_cfg_error(v, "expected a location on one line");
            rc = -EINVAL;
        }
        b->set |= SIM_B_REDIRECT;
    }
    if ((v = gw_cfg_child(map, "reset"))) {
        if (gw_cfg_node_bool(v, &b->reset) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_RESET;
    }
    if ((v = gw_cfg_child(map, "gzip"))) {
        if (gw_cfg_node_bool(v, &b->gzip) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_GZIP;
    }
    if ((v = gw_cfg_child(map, "garbage"))) {
        /* Raw bytes written on the socket only make sense without TLS. */
        if (ctx->kind == SIM_BEHAV_HTTPS) {
            gw_cfg_error(v, "garbage needs plain HTTP; for a TLS service that answers garbage, "
                            "use a tcp listener with a banner");
            rc = -EINVAL;
        }
        const char *text = gw_cfg_scalar(v);
        bool on = false;
        if (!text) {
            gw_cfg_error(v, "expected true, false or the bytes to send, found %s",
                         gw_cfg_kind_name(v));
            rc = -EINVAL;
        } else if (gw_units_parse_bool(text, &on) == 0) {
            if (on)
                b->garbage = gw_xstrdup("SSH-2.0-gwyliwr-sim \x01\x02\x03 this is not HTTP\r\n");
        } else if (*text) {
            b->garbage = gw_xstrdup(text);
        }
        b->garbage_len = b->garbage ? strlen(b->garbage) : 0;
        b->set |= SIM_B_GARBAGE;
    }
    if ((v = gw_cfg_child(map, "auth"))) {
        if (node_string(v, &b->auth, NULL) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_AUTH;
    }
    if ((v = gw_cfg_child(map, "feed"))) {
        if (parse_feed(v, ctx, &b->feed) < 0)
            rc = -EINVAL;
        b->set |= SIM_B_FEED;
    }
    return rc;
}

struct sim_behav *sim_behav_parse(const struct gw_cfg *map, const struct sim_behav_ctx *ctx,
                                  const char *const *extra)
{
    if (node_map(map) < 0)
        return NULL;
    const char *const *keys = ctx->kind == SIM_BEHAV_TCP ? tcp_keys : http_keys;
    bool ok = sim_behav_check_keys(map, keys, extra);
    struct sim_behav *b = gw_xcalloc(1, sizeof(*b));
    b->refs = 1;
    int rc = ctx->kind == SIM_BEHAV_TCP ? parse_tcp(map, b) : parse_http(map, ctx, b);
    if (!ok || rc < 0) {
        sim_behav_unref(b);
        return NULL;
    }
    return b;
}

/* ---- merging --------------------------------------------------------------- */

static char *dup_len(const char *s, size_t len)
{
    if (!s)
        return NULL;
    char *p = gw_xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static void feed_clear(struct sim_feed *f)
{
    free(f->name);
    free(f->health);
    shares_free(f->shares, f->n_shares);
    pairs_free(f->components, f->n_components);
    memset(f, 0, sizeof(*f));
}

/* Lays the fields that `src` gives onto `dst`. */
static void feed_apply(struct sim_feed *dst, const struct sim_feed *src)
{
    if ((src->set & SIM_F_TYPE) && src->type != dst->type) {
        feed_clear(dst);
        dst->type = src->type;
    }
    dst->set |= src->set;
    if (src->set & SIM_F_ITEMS)
        dst->items = src->items;
    if (src->set & SIM_F_PER_ITEM)
        dst->per_item = src->per_item;
    if (src->set & SIM_F_PAGE_SIZE)
        dst->page_size = src->page_size;
    if (src->set & SIM_F_PAGING)
        dst->paging = src->paging;
    if (src->set & SIM_F_NAME) {
        free(dst->name);
        dst->name = gw_xstrdup(src->name);
    }
    if (src->set & SIM_F_HEALTH) {
        free(dst->health);
        dst->health = gw_xstrdup(src->health);
    }
    for (size_t i = 0; i < src->n_shares; i++)
        shares_put(&dst->shares, &dst->n_shares, &src->shares[i]);
    for (size_t i = 0; i < src->n_components; i++)
        pairs_put(&dst->components, &dst->n_components, src->components[i].name,
                  src->components[i].value, false);
}

/* Lays the fields that `src` gives onto `dst`. */
static void behav_apply(struct sim_behav *dst, const struct sim_behav *src)
{
    uint32_t s = src->set;
    dst->set |= s;
    if (s & SIM_B_MODE)
        dst->mode = src->mode;
    if (s & SIM_B_BANNER) {
        free(dst->banner);
        dst->banner = dup_len(src->banner, src->banner_len);
        dst->banner_len = src->banner_len;
    }
    if (s & SIM_B_CLOSE_AFTER_BANNER)
        dst->close_after_banner = src->close_after_banner;
    if (s & SIM_B_STATUS)
        dst->status = src->status;
    if (s & SIM_B_BODY) {
        free(dst->body);
        dst->body = dup_len(src->body, src->body_len);
        dst->body_len = src->body_len;
    }
    if (s & SIM_B_CONTENT_TYPE) {
        free(dst->content_type);
        dst->content_type = gw_xstrdup(src->content_type);
    }
    for (size_t i = 0; i < src->n_headers; i++)
        pairs_put(&dst->headers, &dst->n_headers, src->headers[i].name, src->headers[i].value,
                  true);
    if (s & SIM_B_DELAY)
        dst->delay_ms = src->delay_ms;
    if (s & SIM_B_TRICKLE) {
        dst->trickle_bytes = src->trickle_bytes;
        dst->trickle_every_ms = src->trickle_every_ms;
    }
    if (s & SIM_B_SIZE)
        dst->size = src->size;
    if (s & SIM_B_REDIRECT) {
        free(dst->redirect);
        dst->redirect = gw_xstrdup(src->redirect);
    }
    if (s & SIM_B_RESET)
        dst->reset = src->reset;
    if (s & SIM_B_GZIP)
        dst->gzip = src->gzip;
    if (s & SIM_B_GARBAGE) {
        free(dst->garbage);
        dst->garbage = dup_len(src->garbage, src->garbage_len);
        dst->garbage_len = src->garbage_len;
    }
    if (s & SIM_B_AUTH) {
        free(dst->auth);
        dst->auth = gw_xstrdup(src->auth);
    }
    if (s & SIM_B_FEED)
        feed_apply(&dst->feed, &src->feed);
}

struct sim_behav *sim_behav_merge(const struct sim_behav *base, const struct sim_behav *over)
{
    struct sim_behav *b = gw_xcalloc(1, sizeof(*b));
    b->refs = 1;
    behav_apply(b, base);
    behav_apply(b, over);
    return b;
}

struct sim_behav *sim_behav_ref(struct sim_behav *b)
{
    b->refs++;
    return b;
}

void sim_behav_unref(struct sim_behav *b)
{
    if (!b || --b->refs > 0)
        return;
    free(b->banner);
    free(b->body);
    free(b->content_type);
    pairs_free(b->headers, b->n_headers);
    free(b->redirect);
    free(b->garbage);
    free(b->auth);
    feed_clear(&b->feed);
    free(b);
}

int sim_behav_http_status(const struct sim_behav *b)
{
    if (b->set & SIM_B_STATUS)
        return b->status;
    if (b->redirect && *b->redirect)
        return 302;
    if (b->feed.type == SIM_FEED_HEALTH && b->feed.health && strcmp(b->feed.health, "fail") == 0)
        return 503;
    return 200;
}

/* ---- describing ------------------------------------------------------------ */

struct text {
    char buf[512];
    size_t len;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
    if (t->len + 3 >= sizeof(t->buf))
        return;
    if (t->len) {
        memcpy(t->buf + t->len, ", ", 2);
        t->len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n < sizeof(t->buf) - t->len ? (size_t)n : sizeof(t->buf) - t->len - 1;
}

char *sim_behav_describe(const struct sim_behav *b, enum sim_behav_kind kind)
{
    struct text t = {.len = 0};
    t.buf[0] = '\0';
    if (kind == SIM_BEHAV_TCP) {
        text_add(&t, "%s", mode_names[b->mode]);
        if (b->mode == SIM_TCP_OPEN && b->banner)
            text_add(&t, "banner");
        if (b->mode == SIM_TCP_OPEN && b->close_after_banner)
            text_add(&t, "closes");
        return gw_xstrdup(t.buf);
    }
    if (b->reset) {
        text_add(&t, "reset");
    } else if (b->garbage) {
        text_add(&t, "garbage");
    } else {
        text_add(&t, "status %d", sim_behav_http_status(b));
        if (b->redirect && *b->redirect)
            text_add(&t, "redirect to %s", b->redirect);
        else if (b->feed.type != SIM_FEED_NONE)
            text_add(&t, "%s feed", feed_names[b->feed.type]);
        else if (b->size)
            text_add(&t, "%llu generated bytes", (unsigned long long)b->size);
        if (b->gzip)
            text_add(&t, "gzip");
        if (b->trickle_bytes)
            text_add(&t, "trickle %llu bytes every %llu ms", (unsigned long long)b->trickle_bytes,
                     (unsigned long long)b->trickle_every_ms);
    }
    if (b->delay_ms)
        text_add(&t, "delay %llu ms", (unsigned long long)b->delay_ms);
    if (b->auth)
        text_add(&t, "auth");
    return gw_xstrdup(t.buf);
}
