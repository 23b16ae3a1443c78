#include "cli/status.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "config/config.h"
#include "plugin/host.h"
#include "plugin/plugins.h"
#include "util/diag.h"
#include "util/strbuf.h"

enum { EXIT_UP = 0, EXIT_DEGRADED = 1, EXIT_DOWN = 2, EXIT_UNKNOWN = 3 };

static size_t body_cb(char *data, size_t size, size_t n, void *arg)
{
    gw_strbuf_append_n(arg, data, size * n);
    return size * n;
}

/* GET http://<listen>/api/v1/status into b. Returns the HTTP status, or 0 and a message. */
static long fetch(const struct gw_config *config, const char *user, struct gw_strbuf *b, char *err,
                  size_t err_size)
{
    char *url = NULL;
    const char *listen = config->daemon.listen;
    if (asprintf(&url, "http://%s/api/v1/status", listen) < 0)
        return 0;
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    char *auth = NULL;
    if (config->daemon.web_token &&
        asprintf(&auth, "Authorization: Bearer %s", config->daemon.web_token) >= 0)
        headers = curl_slist_append(headers, auth);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    if (user) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(curl, CURLOPT_USERPWD, user);
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    long code = 0;
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    else
        snprintf(err, err_size, "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    free(auth);
    free(url);
    return code;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long num(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static void counts_line(json_t *counts)
{
    printf("%lld of %lld up", num(counts, "up"), num(counts, "total"));
    const char *kinds[] = {"degraded", "down", "unknown", "pending"};
    for (size_t i = 0; i < 4; i++)
        if (num(counts, kinds[i]))
            printf(", %lld %s", num(counts, kinds[i]), kinds[i]);
    printf("\n");
}

/* The exit code of a status: see status.h. */
static int summary_code_only(json_t *status)
{
    json_t *counts = json_object_get(json_object_get(status, "wales"), "counts");
    if (num(counts, "down"))
        return EXIT_DOWN;
    if (num(counts, "degraded"))
        return EXIT_DEGRADED;
    if (num(counts, "unknown") || num(counts, "pending"))
        return EXIT_UNKNOWN;
    return EXIT_UP;
}

static int summary(json_t *status)
{
    json_t *wales = json_object_get(status, "wales");
    json_t *counts = json_object_get(wales, "counts");
    printf("Wales: ");
    counts_line(counts);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(status, "councils"), i, c)
    {
        printf("  %-24s ", str(c, "id"));
        counts_line(json_object_get(c, "counts"));
    }
    json_t *t;
    bool header = false;
    json_array_foreach(json_object_get(status, "targets"), i, t)
    {
        const char *state = str(t, "state");
        if (strcmp(state, "up") == 0)
            continue;
        if (!header) {
            printf("\nnot up:\n");
            header = true;
        }
        char upper[16];
        size_t k = 0;
        for (; state[k] && k < sizeof(upper) - 1; k++)
            upper[k] = (char)(state[k] >= 'a' && state[k] <= 'z' ? state[k] - 32 : state[k]);
        upper[k] = '\0';
        printf("  %-8s %s", upper, str(t, "id"));
        if (*str(t, "since"))
            printf(" since %s", str(t, "since"));
        if (*str(t, "sentence"))
            printf(": %s", str(t, "sentence"));
        printf("\n");
    }
    return summary_code_only(status);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: gwyliwr status [-c FILE] [--json] [--user USER:PASSWORD]\n");
}

int gw_status_main(int argc, char **argv, const char *default_config)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"user", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = default_config, *user = getenv("GWYLIWR_WEB_USER");
    bool as_json = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:u:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            path = optarg;
            break;
        case 'j':
            as_json = true;
            break;
        case 'u':
            user = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_UNKNOWN;
        }
    }
    struct gw_plugins *plugins = gw_plugins_new();
    char *dir = gw_config_plugin_dir_of(path);
    gw_plugins_load_dir(plugins, dir);
    free(dir);
    struct gw_host host;
    gw_host_init(&host, NULL);
    struct gw_diag *diag = gw_diag_new();
    struct gw_config *config = gw_config_load(path, plugins, &host, diag);
    if (!config) {
        gw_diag_print(diag, stderr);
        fprintf(stderr, "gwyliwr: %s is not valid: cannot tell where the daemon listens\n", path);
    }
    gw_diag_free(diag);
    int rc = EXIT_UNKNOWN;
    if (config && !*config->daemon.listen) {
        fprintf(stderr, "gwyliwr: daemon.listen is \"\" in %s: the daemon cannot be asked\n", path);
    } else if (config) {
        struct gw_strbuf b = {0};
        char err[CURL_ERROR_SIZE + 64] = "";
        long code = fetch(config, user, &b, err, sizeof(err));
        json_t *status = code == 200 ? json_loads(gw_strbuf_str(&b), 0, NULL) : NULL;
        if (code == 0)
            fprintf(stderr, "gwyliwr: cannot reach the daemon at %s: %s (is it running?)\n",
                    config->daemon.listen, err);
        else if (code == 401)
            fprintf(stderr,
                    "gwyliwr: the daemon at %s asks for credentials (give --user USER:PASSWORD "
                    "or GWYLIWR_WEB_USER)\n",
                    config->daemon.listen);
        else if (!status)
            fprintf(stderr, "gwyliwr: the daemon at %s answered HTTP %ld without a status\n",
                    config->daemon.listen, code);
        else if (as_json) {
            printf("%s\n", gw_strbuf_str(&b));
            rc = summary_code_only(status);
        } else
            rc = summary(status);
        json_decref(status);
        gw_strbuf_reset(&b);
    }
    gw_config_unref(config);
    gw_plugins_free(plugins);
    return rc;
}
