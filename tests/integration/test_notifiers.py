"""The notifier plugins as the gwyliwr command sees them: check-config loads
webhook (with each shipped template), email and Alertmanager notifiers and
refuses bad ones with their position; an installed tree has the plugins, the
templates and their documentation.

Deliveries to real receivers are tested through the plugin loader in
tests/unit/test_notify_*.c."""

from gwtest import BUILD_DIR, GWYLIWR, TestCase, main, os, run

TEMPLATES = ("slack.json", "teams.json", "ntfy.json", "mattermost.json")


class NotifierConfigTest(TestCase):
    def write(self, name, text, mode=0o600):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def config(self, notifiers):
        return self.write("gwyliwr.yaml", "notifiers:\n" + notifiers + (
            "councils:\n"
            "  - id: gwynedd\n"
            "    targets:\n"
            "      - id: website\n"
            "        check: tcp\n"
            "        host: 127.0.0.1\n"
            "        port: 443\n"
            "        notify: [n0]\n"))

    def test_every_notifier_and_shipped_template_is_valid(self):
        self.write("slack-url", "https://hooks.slack.example/services/T0/B0/secret\n")
        self.write("auth", "gwyliwr:secret\n")
        self.write("headers", "Authorization: Bearer tk_secret\n")
        blocks = [
            "  - id: n0\n    type: webhook\n    url: http://127.0.0.1:9/hook\n",
            "  - id: mail\n    type: email\n    url: smtp://127.0.0.1:25\n"
            "    from: \"Gwyliwr <gwyliwr@example.gov.wales>\"\n"
            "    to: [ops@example.gov.wales, \"On Call <oncall@example.gov.wales>\"]\n"
            "    auth_file: auth\n",
            "  - id: am\n    type: alertmanager\n    url: http://127.0.0.1:9093\n"
            "    resolve_timeout: 10m\n    labels: {env: production}\n",
        ]
        for i, name in enumerate(TEMPLATES):
            path = os.path.join(BUILD_DIR, "share/gwyliwr/webhook-templates", name)
            self.assertTrue(os.path.exists(path), path)
            blocks.append("  - id: t%d\n    type: webhook\n    url_file: slack-url\n"
                          "    headers_file: headers\n    template_file: %s\n"
                          "    vars: {topic: gwyliwr-ops}\n" % (i, path))
        path = self.config("".join(blocks))
        r = run([GWYLIWR, "check-config", "-c", path])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("secret", r.stdout + r.stderr)

        r = run([GWYLIWR, "plugins"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for kind in ("webhook", "email", "alertmanager"):
            self.assertIn("notifier %s:" % kind, r.stdout)

    def test_bad_notifiers_are_refused_where_they_are_wrong(self):
        template = self.write("bad.json", '{"text": "{{subjct}}"}\n', mode=0o644)
        path = self.config(
            "  - id: n0\n"                                        # 2
            "    type: webhook\n"
            "    url: ftp://127.0.0.1/\n"                         # 4
            "  - id: n1\n"
            "    type: webhook\n"
            "    url: http://127.0.0.1/\n"
            "    template_file: %s\n"                             # 8
            "  - id: n2\n"
            "    type: email\n"
            "    url: smtp://127.0.0.1\n"
            "    from: nobody\n"                                  # 12
            "    to: ops@example.gov.wales\n"
            "  - id: n3\n"
            "    type: alertmanager\n"
            "    url: http://127.0.0.1:9093\n"
            "    labels: {severity: low}\n"                       # 17
            "  - id: n4\n"
            "    type: webhok\n"                                  # 19
            "    url: http://127.0.0.1/\n"
            "  - id: n5\n"
            "    type: webhook\n"
            "    url: http://127.0.0.1/\n"
            "    timeout: 50ms\n"                                 # 24: every notifier's key
            "  - id: n6\n"
            "    type: email\n"
            "    url: smtp://127.0.0.1\n"
            "    from: a@example.gov.wales\n"
            "    to: ops@example.gov.wales\n"
            "    timeout: 0s\n" % template)                       # 30
        r = run([GWYLIWR, "check-config", "-c", path])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        for expected in (
                "gwyliwr.yaml:4:10: error: bad url \"ftp://127.0.0.1/\"",
                "gwyliwr.yaml:8:20: error: template %s: text: unknown field \"subjct\"" % template,
                "gwyliwr.yaml:12:11: error: bad address \"nobody\"",
                "gwyliwr.yaml:17:24: error: labels: \"severity\" is set by gwyliwr",
                "gwyliwr.yaml:19:11: error: notifier n4: no plugin provides notifier type "
                "\"webhok\" (did you mean \"webhook\"?)",
                "gwyliwr.yaml:24:14: error: timeout too short (expected at least 100ms)",
                "gwyliwr.yaml:30:14: error: notifier n6: timeout is zero"):
            self.assertIn(expected, r.stderr)


class InstalledNotifiersTest(TestCase):
    def test_installed_tree_has_notifiers_and_templates(self):
        prefix = os.path.join(self.tmp, "prefix")
        r = run(["cmake", "--install", BUILD_DIR, "--prefix", prefix], timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in ("notify_webhook.so", "notify_email.so", "notify_alertmanager.so"):
            self.assertTrue(os.path.exists(os.path.join(prefix, "lib/gwyliwr/plugins", name)), name)
        for name in TEMPLATES:
            self.assertTrue(os.path.exists(
                os.path.join(prefix, "share/gwyliwr/webhook-templates", name)), name)
        self.assertTrue(os.path.exists(os.path.join(prefix, "share/doc/gwyliwr/notifiers.md")))


if __name__ == "__main__":
    main()
