/*
 * The validated configuration: daemon settings, councils, their targets and
 * the notifiers, built from a configuration file (and its includes) in full
 * before anything uses it. Validation is pure apart from reading the files
 * the configuration names; it reports every problem with its position.
 *
 * A configuration is immutable once built and reference-counted: running
 * checks hold a reference to the configuration their target came from, so a
 * reload can replace it while they finish.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gwyliwr/plugin.h>

#include "plugin/plugins.h"
#include "util/diag.h"
#include "util/strmap.h"

struct gw_daemon_conf {
    char *data_dir;
    char *plugin_dir;       /* NULL: the compiled-in default */
    char *listen;           /* "" turns the web server off */
    char *web_token;        /* the bearer token the web server asks for; NULL: none */
    char *web_users;        /* "user:password" lines for basic authentication; NULL: none */
    uint32_t web_refresh_s; /* pages refresh themselves this often; 0: never */
    char *web_url;          /* where people reach the status pages, no final "/"; "": unknown */
    char *rrdcached;        /* "" writes RRD files directly */
    bool store_rrd;         /* false: storage: none, no history kept */
    /* The longest a result waits to be written with later ones of its file. */
    uint64_t rrd_write_delay_ms;
    uint32_t max_in_flight;
    uint32_t max_per_host;
    int log_level; /* enum gw_log_level */
    char **notify; /* notifier ids told of the monitor's own problems */
    size_t n_notify;
    uint64_t events_max_size;   /* events.jsonl is rotated past this size */
    uint64_t events_keep_ms;    /* rotated event logs are kept this long */
    uint64_t lateness_limit_ms; /* scheduling lateness (p99) that is a problem of the monitor */
};

struct gw_target_conf {
    char *id;          /* "council/target" */
    const char *name;  /* the part after the slash, inside id */
    size_t council;    /* index into gw_config.councils */
    char *title;       /* display name; NULL: the id */
    char *title_cy;    /* Welsh display name; NULL: title */
    char *category;    /* NULL when not given */
    char *language;    /* "en", "cy"; NULL when not given */
    char *parity_with; /* full id of the target this one should match, or NULL */
    char *depends_on;  /* full id of the parent, or NULL */
    char **notify;     /* notifier ids */
    size_t n_notify;
    const struct gw_check_type *type;
    void *plugin_conf;                    /* owned: type->conf_free */
    const char *host;                     /* borrowed from plugin_conf; NULL when none */
    const struct gw_figure_decl *figures; /* borrowed from plugin_conf */
    size_t n_figures;
    uint64_t interval_ms;
    uint64_t timeout_ms;
    uint32_t failure_threshold;
    uint32_t success_threshold;
    /* The availability reports hold it to, a ratio: its own `sla`, else its
     * council's, else that of defaults; NAN when none is set. */
    double sla;
    /* Feeds (check types declaring GW_ITEM_CFG_KEYS): the share of working
     * items below which the target is degraded (0: none); whether each item
     * gets its own RRD file, and at most how many. */
    double min_up;
    bool track_items;
    uint32_t max_tracked_items;
    uint64_t retry_interval_ms;   /* between checks while a change is confirmed */
    double flap_start, flap_stop; /* ratios; flap_start 0: no flap detection */
    /* Hash of the effective settings, to see changes on reload: parsed values
     * (10s and 10000ms are the same), keys in any order, and the contents of
     * the target's secret files (a rotated token is a change). */
    uint64_t fingerprint;
};

struct gw_council_conf {
    char *id;
    char *name;          /* NULL when not given */
    char *name_cy;       /* NULL when not given */
    double sla;          /* its own `sla`, else that of defaults; NAN when none */
    size_t first_target; /* targets of a council are contiguous */
    size_t n_targets;
};

enum gw_notify_language {
    GW_NOTIFY_EN,
    GW_NOTIFY_CY,
    GW_NOTIFY_BOTH, /* Welsh first, then English */
};

struct gw_notifier_conf {
    char *id;
    const struct gw_notifier_type *type;
    void *plugin_conf; /* owned */
    /* The keys every notifier has: */
    enum gw_notify_language language;
    uint64_t group_wait_ms; /* changes that come within this time go in one message */
    bool group_by_council;  /* one message per council */
    uint64_t re_notify_ms;  /* a problem that holds is told again this often; 0: never */
    bool send_recovery;
    uint8_t min_state;   /* GW_STATUS_DEGRADED or GW_STATUS_DOWN */
    uint64_t timeout_ms; /* the longest one delivery may take */
};

struct gw_maintenance_conf {
    char **patterns; /* "council/target" globs */
    size_t n_patterns;
    int64_t from_s, to_s; /* one-off window, wall clock; 0 when weekly */
    int weekday;          /* weekly: 0 = Sunday .. 6; -1 when one-off */
    int from_min, to_min; /* weekly: minutes after local midnight */
    char *reason;
};

struct gw_config {
    unsigned refs; /* atomic: snapshots hold references on other threads */
    char *path;
    struct gw_daemon_conf daemon;
    struct gw_council_conf *councils;
    size_t n_councils;
    struct gw_target_conf *targets;
    size_t n_targets;
    struct gw_notifier_conf *notifiers;
    size_t n_notifiers;
    struct gw_maintenance_conf *maintenance;
    size_t n_maintenance;
    struct gw_strmap *index; /* target id -> index into targets */
};

/* The settings used when the configuration does not give them. */
#define GW_DEFAULT_INTERVAL_MS         60000u
#define GW_DEFAULT_TIMEOUT_MS          10000u
#define GW_DEFAULT_FAILURES            3u
#define GW_DEFAULT_SUCCESSES           2u
#define GW_DEFAULT_FLAP_START          0.5
#define GW_DEFAULT_FLAP_STOP           0.25
#define GW_DEFAULT_MAX_IN_FLIGHT       1024u
#define GW_DEFAULT_MAX_PER_HOST        8u
#define GW_DEFAULT_LISTEN              "127.0.0.1:9469"
#define GW_MIN_INTERVAL_MS             1000u
#define GW_MAX_WRITE_DELAY_MS          3600000u
#define GW_DEFAULT_GROUP_WAIT_MS       30000u
#define GW_DEFAULT_DELIVERY_TIMEOUT_MS 30000u
#define GW_DEFAULT_EVENTS_MAX_SIZE     (64u << 20)
#define GW_MIN_EVENTS_MAX_SIZE         (64u << 10)
#define GW_DEFAULT_EVENTS_KEEP_MS      (400ull * 86400000u)
#define GW_DEFAULT_LATENESS_LIMIT_MS   1000u
#define GW_DEFAULT_TRACKED_ITEMS       1000u
/*
 * Results wait this long to be written together: a minute's worth in one
 * update of a file costs librrd's open, map and unmap once. The journal
 * keeps them across a crash, and readers have them written first.
 */
#define GW_DEFAULT_WRITE_DELAY_MS 60000u

/*
 * Loads and validates the configuration at `path` (YAML, or JSON by its
 * .json name) with the check and notifier types of `plugins`. Every problem,
 * and every warning, is added to `diag`. Returns the configuration (refs = 1)
 * when there is no error, else NULL. `host` is handed to plugins' configure().
 */
struct gw_config *gw_config_load(const char *path, const struct gw_plugins *plugins,
                                 const struct gw_host *host, struct gw_diag *diag);

/* As gw_config_load for text in memory; `name` stands for the file in messages. */
struct gw_config *gw_config_load_string(const char *name, const char *text,
                                        const struct gw_plugins *plugins,
                                        const struct gw_host *host, struct gw_diag *diag);

/* Takes a reference. Returns config. Any thread. */
struct gw_config *gw_config_ref(struct gw_config *config);
/* Drops a reference, freeing the configuration with the last; NULL does nothing. Any thread. */
void gw_config_unref(struct gw_config *config);

/* The target with full id "council/target", or NULL. */
const struct gw_target_conf *gw_config_find_target(const struct gw_config *config, const char *id);

/* The plugin directory the configuration asks for, else the default. Caller frees. */
char *gw_config_plugin_dir_of(const char *path);

#endif
