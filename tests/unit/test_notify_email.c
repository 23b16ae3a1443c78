/*
 * The email notifier, through the real loader (notify_email.so), sending
 * hand-built notifications with the daemon's shared client (libcurl's SMTP)
 * to real SMTP servers (aiosmtpd, tests/tools/smtp_receiver.py) on
 * 127.0.0.1: STARTTLS with a login, smtps://, the RFC 5322 headers as
 * Python's email package reads them (the subject decoded from RFC 2047, the
 * text from quoted-printable), a recovery threaded under its outage, and
 * every way a server fails (refused, refusals 5xx and 4xx, a bad password,
 * no STARTTLS when required, silence, a 1 GiB reply).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>

#include "notify_testutil.h"

static struct receiver smtp;
static char *ca_file;
static char *auth_file;

/* Ports of the receiver's servers, by name. */
static int port_of(const char *name)
{
    char key[32];
    snprintf(key, sizeof(key), " %s=", name);
    const char *p = strstr(smtp.ready, key);
    if (!p)
        fail_msg("no %s server in \"%s\"", name, smtp.ready);
    return atoi(p + strlen(key));
}

/* Runs argv to its end, its output in `log` (freed). Returns 0 when it succeeded. */
static int run_script(char *const argv[], char *log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(log);
    if (rc != 0)
        return -1;
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int group_setup(void **state)
{
    (void)state;
    char *dir = temp_dir("gw-smtp");
    char *certs = gw_xasprintf("%s/certs", dir);
    char *make = gw_xasprintf("%s/sim/make-certs.sh", getenv("GW_SOURCE_DIR"));
    char *mk_argv[] = {"sh", make, certs, NULL};
    int rc = run_script(mk_argv, gw_xasprintf("%s/make-certs.log", dir));
    char *script = receiver_script("smtp_receiver.py");
    char *argv[] = {
        (char *)receiver_python(), "-B", script, "--dir", dir, "--certs", certs, "--auth",
        "gwyliwr:pa:ss w0rd",      NULL};
    if (rc == 0)
        rc = receiver_start(&smtp, dir, argv, 30 * slack());
    ca_file = gw_xasprintf("%s/ca.crt", certs);
    auth_file = gw_xasprintf("%s/auth", dir);
    FILE *f = fopen(auth_file, "w");
    fputs("gwyliwr:pa:ss w0rd\n", f);
    fclose(f);
    chmod(auth_file, 0600);
    free(script);
    free(make);
    free(certs);
    free(dir);
    return rc;
}

static int group_teardown(void **state)
{
    (void)state;
    receiver_stop(&smtp);
    free(ca_file);
    free(auth_file);
    return 0;
}

static int setup(void **state)
{
    return notify_setup(state, "notify_email.so");
}

/* ---- helpers -------------------------------------------------------------------------- */

/*
 * Loads an email notifier for `scheme`://127.0.0.1:<port of server>, from
 * "Gwyliwr <alerts@gwyliwr.example>" to `to` (a YAML value), trusting the
 * receiver's CA, with extra lines.
 */
static const struct gw_notifier_conf *load_mail(struct check_harness *h, const char *scheme,
                                                const char *server, const char *to,
                                                const char *extra)
{
    char *yaml =
        gw_xasprintf(NOTIFIER_HEAD("email") "    url: %s://127.0.0.1:%d\n"
                                            "    from: \"Gwyliwr <alerts@gwyliwr.example>\"\n"
                                            "    to: %s\n"
                                            "    ca_file: %s\n%s",
                     scheme, port_of(server), to, ca_file, extra ? extra : "");
    const struct gw_notifier_conf *nc = notify_load(h, yaml);
    free(yaml);
    return nc;
}

static unsigned n_messages(void)
{
    unsigned n = 0;
    for (;; n++) {
        char *path = gw_xasprintf("%s/msg-%u.json", smtp.dir, n + 1);
        bool there = access(path, F_OK) == 0;
        free(path);
        if (!there)
            return n;
    }
}

/* The receiver's record of message `i` (1-based): envelope, decoded headers and text. */
static json_t *message(unsigned i)
{
    char *path = gw_xasprintf("%s/msg-%u.json", smtp.dir, i);
    json_error_t err;
    json_t *m = json_load_file(path, 0, &err);
    if (!m)
        fail_msg("%s: %s", path, err.text);
    free(path);
    return m;
}

/* The raw message `i` as the server received it. Caller frees. */
static char *raw_message(unsigned i)
{
    char *path = gw_xasprintf("%s/msg-%u.eml", smtp.dir, i);
    char *text = sim_read_text(path);
    assert_non_null(text);
    free(path);
    return text;
}

static const char *header(const json_t *m, const char *name)
{
    const char *v = json_string_value(json_object_get(json_object_get(m, "headers"), name));
    if (!v)
        fail_msg("no %s header", name);
    return v;
}

/* Sends `n` and expects the server to take it; returns the record of the new message. */
static json_t *send_ok(struct check_harness *h, const struct gw_notifier_conf *nc,
                       const struct gw_notification *n)
{
    unsigned before = n_messages();
    struct delivery d;
    notify_run(h, nc, n, &d);
    assert_delivery(&d, 0, "SMTP 250 from smtp");
    assert_int_equal(n_messages(), before + 1);
    json_t *m = message(before + 1);
    assert_int_equal(json_array_size(json_object_get(m, "defects")), 0);
    return m;
}

#define T_DOWN     1793700723000LL
#define T_UP_SINCE 1793700000000LL

/* ---- the message ---------------------------------------------------------------------- */

static void test_notify_email_threads_a_recovery_under_its_outage(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load_mail(
        h, "smtp", "starttls", "[ops@gwynedd.example, \"On Call <oncall@gwynedd.example>\"]", NULL);
    struct test_event down;
    test_event_init(&down, "gwynedd", "website", "down", "up", T_DOWN, T_UP_SINCE);
    const struct gw_event *events[] = {&down.e};
    struct gw_notification n =
        test_notification("n-down", events, 1, "[DOWN] Cyngor Gwynedd — website: HTTP 503",
                          "Cyngor Gwynedd — website is DOWN since 10:12.\nHTTP 503.\n");
    json_t *m = send_ok(h, nc, &n);
    assert_string_equal(json_string_value(json_object_get(m, "mail_from")),
                        "alerts@gwyliwr.example");
    json_t *rcpt = json_object_get(m, "rcpt_tos");
    assert_int_equal(json_array_size(rcpt), 2);
    assert_string_equal(json_string_value(json_array_get(rcpt, 1)), "oncall@gwynedd.example");
    assert_true(json_is_true(json_object_get(m, "tls")));
    assert_true(json_is_null(json_object_get(m, "login")));
    assert_string_equal(header(m, "from"), "Gwyliwr <alerts@gwyliwr.example>");
    assert_string_equal(header(m, "to"), "ops@gwynedd.example, On Call <oncall@gwynedd.example>");
    assert_string_equal(header(m, "subject"), "[DOWN] Cyngor Gwynedd — website: HTTP 503");
    assert_string_equal(header(m, "content-type"), "text/plain; charset=\"utf-8\"");
    assert_string_equal(header(m, "auto-submitted"), "auto-generated");
    assert_string_equal(header(m, "x-gwyliwr-notification"), "n-down");
    assert_non_null(strstr(header(m, "date"), " +0000"));
    assert_string_equal(json_string_value(json_object_get(m, "text")),
                        "Cyngor Gwynedd — website is DOWN since 10:12.\nHTTP 503.\n");
    char *outage_id = gw_xstrdup(header(m, "message-id"));
    assert_true(strncmp(outage_id, "<gwyliwr.1793700723000.", 23) == 0);
    assert_non_null(strstr(outage_id, "@gwyliwr.example>"));
    json_decref(m);

    /* The same notification again (a retry) has the same Message-ID. */
    m = send_ok(h, nc, &n);
    assert_string_equal(header(m, "message-id"), outage_id);
    json_decref(m);

    struct test_event up;
    test_event_init(&up, "gwynedd", "website", "up", "down", T_DOWN + 600000, T_DOWN);
    events[0] = &up.e;
    n = test_notification("n-up", events, 1, "[UP] Cyngor Gwynedd — website",
                          "Back after 10 minutes.\n");
    m = send_ok(h, nc, &n);
    assert_string_equal(header(m, "in-reply-to"), outage_id);
    assert_string_equal(header(m, "references"), outage_id);
    assert_string_not_equal(header(m, "message-id"), outage_id);
    json_decref(m);
    free(outage_id);
}

static void test_notify_email_encodes_a_welsh_subject_and_text(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc =
        load_mail(h, "smtp", "starttls", "ops@ynysmon.example", NULL);
    struct test_event ev;
    test_event_init(&ev, "ynys-mon", "gwefan", "down", "up", T_DOWN, 0);
    const struct gw_event *events[] = {&ev.e};
    const char *subject = "[I LAWR] Cyngor Sir Ynys Môn — Gwefan: HTTP 503 — ŵŷ âêîôû "
                          "[DOWN] Isle of Anglesey County Council — Website: HTTP 503";
    /* A line longer than SMTP carries, and "=" and trailing spaces. */
    char body[4096];
    size_t len = (size_t)snprintf(body, sizeof(body), "Mae'r wefan i lawr. a=b  \n");
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(body + len, sizeof(body) - len, "ŵ%d", i % 10);
    snprintf(body + len, sizeof(body) - len, "\nDiwedd.\n");
    struct gw_notification n = test_notification("n-cy", events, 1, subject, body);
    n.language = "both";
    json_t *m = send_ok(h, nc, &n);
    assert_string_equal(header(m, "subject"), subject);
    assert_string_equal(json_string_value(json_object_get(m, "text")), body);
    assert_string_equal(header(m, "content-language"), "cy, en");
    assert_string_equal(header(m, "content-transfer-encoding"), "quoted-printable");
    /* On the wire: encoded words, and no line past 78 characters in the headers. */
    char *raw = raw_message(n_messages());
    assert_non_null(strstr(raw, "Subject: =?UTF-8?B?"));
    for (char *line = raw; *line && strncmp(line, "\r\n", 2) != 0;) {
        char *end = strstr(line, "\r\n");
        assert_non_null(end);
        assert_true(end - line <= 78);
        line = end + 2;
    }
    free(raw);
    json_decref(m);
}

static void test_notify_email_logs_in_over_starttls_and_smtps(void **state)
{
    struct check_harness *h = *state;
    char *extra = gw_xasprintf("    auth_file: %s\n", auth_file);
    struct test_event ev;
    test_event_init(&ev, "powys", "website", "down", "up", T_DOWN, 0);
    const struct gw_event *events[] = {&ev.e};
    struct gw_notification n = test_notification("n-auth", events, 1, "[DOWN] s", "b\n");
    const struct gw_notifier_conf *nc =
        load_mail(h, "smtp", "starttls", "ops@powys.example", extra);
    json_t *m = send_ok(h, nc, &n);
    assert_string_equal(json_string_value(json_object_get(m, "login")), "gwyliwr");
    assert_true(json_is_true(json_object_get(m, "tls")));
    json_decref(m);
    nc = load_mail(h, "smtps", "smtps", "ops@powys.example", extra);
    m = send_ok(h, nc, &n);
    assert_string_equal(json_string_value(json_object_get(m, "login")), "gwyliwr");
    assert_true(json_is_true(json_object_get(m, "tls")));
    json_decref(m);
    free(extra);
}

static void test_notify_email_groups_reference_every_outage(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load_mail(h, "smtp", "starttls", "ops@x.example", NULL);
    struct test_event ev[3];
    const struct gw_event *events[3];
    for (int i = 0; i < 3; i++) {
        char name[8];
        snprintf(name, sizeof(name), "t%d", i);
        test_event_init(&ev[i], "cardiff", name, "up", "down", T_DOWN + 60000, T_DOWN + i);
        events[i] = &ev[i].e;
    }
    struct gw_notification n = test_notification("g-up", events, 3, "[UP] 3 targets", "x\n");
    json_t *m = send_ok(h, nc, &n);
    const char *refs = header(m, "references");
    for (int i = 0; i < 3; i++) {
        char want[64];
        snprintf(want, sizeof(want), "<gwyliwr.%lld.", (long long)(T_DOWN + i));
        assert_non_null(strstr(refs, want));
    }
    assert_true(strncmp(header(m, "in-reply-to"), "<gwyliwr.1793700723000.", 23) == 0);
    json_decref(m);
}

/* ---- what the server answers ---------------------------------------------------------------- */

static void send_mail(struct check_harness *h, const struct gw_notifier_conf *nc,
                      struct delivery *d)
{
    struct test_event ev;
    test_event_init(&ev, "gwynedd", "website", "down", "up", T_DOWN, 0);
    const struct gw_event *events[] = {&ev.e};
    struct gw_notification n = test_notification("n-f", events, 1, "[DOWN] s", "b\n");
    notify_run(h, nc, &n, d);
}

static void test_notify_email_refusals(void **state)
{
    struct check_harness *h = *state;
    struct delivery d;
    unsigned before = n_messages();
    send_mail(h, load_mail(h, "smtp", "starttls", "reject@x.example", NULL), &d);
    assert_delivery(&d, -EINVAL, "SMTP 550 from smtp://127.0.0.1:");
    assert_non_null(strstr(d.message, "RCPT"));
    send_mail(h, load_mail(h, "smtp", "starttls", "busy@x.example", NULL), &d);
    assert_delivery(&d, -EIO, "SMTP 451 from smtp://127.0.0.1:");
    /* A wrong password is refused for good. */
    char *wrong = gw_xasprintf("%s/wrong", smtp.dir);
    FILE *f = fopen(wrong, "w");
    fputs("gwyliwr:not it\n", f);
    fclose(f);
    chmod(wrong, 0600);
    char *extra = gw_xasprintf("    auth_file: %s\n", wrong);
    send_mail(h, load_mail(h, "smtps", "smtps", "ops@x.example", extra), &d);
    assert_delivery(&d, -EINVAL, "SMTP 535 from smtps://127.0.0.1:");
    assert_int_equal(n_messages(), before);
    free(extra);
    free(wrong);
}

static void test_notify_email_never_logs_in_without_tls(void **state)
{
    struct check_harness *h = *state;
    struct delivery d;
    /* With a password STARTTLS is required: a server without it gets nothing. */
    char *extra = gw_xasprintf("    auth_file: %s\n", auth_file);
    send_mail(h, load_mail(h, "smtp", "plain", "ops@x.example", extra), &d);
    assert_delivery(&d, -EPROTO, "STARTTLS");
    /* Without one, a server without STARTTLS gets the message in the clear. */
    unsigned before = n_messages();
    send_mail(h, load_mail(h, "smtp", "plain", "ops@x.example", NULL), &d);
    assert_delivery(&d, 0, "SMTP 250");
    json_t *m = message(before + 1);
    assert_true(json_is_false(json_object_get(m, "tls")));
    json_decref(m);
    /* Unless it is asked for. */
    send_mail(h, load_mail(h, "smtp", "plain", "ops@x.example", "    starttls: required\n"), &d);
    assert_delivery(&d, -EPROTO, "STARTTLS");
    free(extra);
}

static void test_notify_email_refused_connection_is_retryable(void **state)
{
    struct check_harness *h = *state;
    struct delivery d;
    send_mail(h, load_mail(h, "smtp", "refused", "ops@x.example", NULL), &d);
    assert_delivery(&d, -ECONNREFUSED, "connection refused by 127.0.0.1:");
}

static void test_notify_email_silent_server_times_out(void **state)
{
    struct check_harness *h = *state;
    struct delivery d;
    send_mail(h, load_mail(h, "smtp", "hang", "ops@x.example", "    timeout: 1s\n"), &d);
    assert_delivery(&d, -ETIMEDOUT, "no answer from 127.0.0.1:");
    assert_non_null(strstr(d.message, "within 900 ms"));
    assert_true(delivery_ms(&d) >= 899);
    assert_true(delivery_ms(&d) < 5000 * slack());
}

static void test_notify_email_silent_server_is_cancelled(void **state)
{
    struct check_harness *h = *state;
    const struct gw_notifier_conf *nc = load_mail(h, "smtp", "hang", "ops@x.example", NULL);
    struct test_event ev;
    test_event_init(&ev, "gwynedd", "website", "down", "up", T_DOWN, 0);
    const struct gw_event *events[] = {&ev.e};
    struct gw_notification n = test_notification("n-h", events, 1, "s", "b\n");
    struct delivery d;
    void *run = notify_start(h, nc, &n, &d);
    test_loop_run_for(&h->loop, 200);
    assert_int_equal(d.calls, 0);
    /* Cancelling never blocks the loop waiting for the server. */
    uint64_t t0 = uv_hrtime();
    nc->type->cancel(run);
    test_loop_run_for(&h->loop, 100);
    assert_true((double)(uv_hrtime() - t0) / 1e6 < 1000 * slack());
    assert_int_equal(d.calls, 0);
    harness_finish_loop(h);
}

static void test_notify_email_huge_reply_is_cut_short(void **state)
{
    struct check_harness *h = *state;
    struct delivery d;
    send_mail(h, load_mail(h, "smtp", "huge", "ops@x.example", NULL), &d);
    assert_true(d.err == -ECONNRESET || d.err == -EPROTO);
    assert_true(delivery_ms(&d) < 10000 * slack());
}

/* ---- configuration ---------------------------------------------------------------------- */

static void test_notify_email_configuration_errors(void **state)
{
    struct check_harness *h = *state;
#define MAIL_HEAD NOTIFIER_HEAD("email") "    url: smtp://127.0.0.1:25\n    to: ops@x.example\n"
    harness_expect_config_error(h, MAIL_HEAD "    from: nobody\n", "bad address \"nobody\"");
    harness_expect_config_error(h, MAIL_HEAD "    from: \"A <a@b.example\"\n", "bad address");
    harness_expect_config_error(
        h,
        NOTIFIER_HEAD("email") "    url: http://127.0.0.1/\n    from: a@b.example\n"
                               "    to: ops@x.example\n",
        "bad url \"http://127.0.0.1/\" (expected smtp://host[:port] or smtps://host[:port]");
    harness_expect_config_error(
        h,
        NOTIFIER_HEAD("email") "    url: smtp://u:p@127.0.0.1/\n    from: a@b.example\n"
                               "    to: ops@x.example\n",
        "credentials go in auth_file");
    harness_expect_config_error(h, MAIL_HEAD "    from: a@b.example\n    starttls: maybe\n",
                                "bad starttls \"maybe\" (expected when_offered or required)");
    harness_expect_config_error(
        h,
        NOTIFIER_HEAD("email") "    url: smtp://127.0.0.1:25\n"
                               "    from: a@b.example\n"
                               "    to: [ops@x.example, \"not an address\"]\n",
        "to: bad address \"not an address\"");
    char *bad = gw_xasprintf("%s/badauth", smtp.dir);
    FILE *f = fopen(bad, "w");
    fputs("only-a-user\n", f);
    fclose(f);
    chmod(bad, 0600);
    char *yaml = gw_xasprintf(MAIL_HEAD "    from: a@b.example\n    auth_file: %s\n", bad);
    harness_expect_config_error(h, yaml, "auth_file: expected one line \"user:password\"");
    free(yaml);
    free(bad);
#undef MAIL_HEAD
}

#define TEST(name) cmocka_unit_test_setup_teardown(test_notify_email_##name, setup, notify_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(threads_a_recovery_under_its_outage),
        TEST(encodes_a_welsh_subject_and_text),
        TEST(logs_in_over_starttls_and_smtps),
        TEST(groups_reference_every_outage),
        TEST(refusals),
        TEST(never_logs_in_without_tls),
        TEST(refused_connection_is_retryable),
        TEST(silent_server_times_out),
        TEST(silent_server_is_cancelled),
        TEST(huge_reply_is_cut_short),
        TEST(configuration_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
