"""Alerting end to end through the webhook, email and Alertmanager notifiers:
the daemon watches targets the simulator plays on 127.0.0.1 and tells real
receivers started here (tests/tools: an HTTP receiver, aiosmtpd, Debian's
prometheus-alertmanager). One outage is exactly one DOWN and one UP on each,
the recovery mail threaded under the outage's and the alert fired then
resolved; 300 targets failing together are one grouped message per
notifier."""

import select
import subprocess
import urllib.parse
import urllib.request

from gwtest import (SLOW, SOURCE_DIR, free_port, http_get, json, main, os, read_events,
                    SimulatorTestCase, time, wait_until)

TOOLS = os.path.join(SOURCE_DIR, "tests", "tools")
# Debian's interpreter: python3-aiosmtpd is installed for it, and another
# python3 may come first in PATH.
PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else "python3"

SCENARIO = """
listeners:
  control: {type: control}
  www: {type: tcp}
  many: {type: tcp}
"""

NOTIFIERS = ("hook", "mail", "am")


class Receiver:
    """A program of tests/tools that prints "ready ..." once it listens;
    words[1:] are what it says after "ready"."""

    def __init__(self, workdir, name, argv, timeout=60):
        self.name = name
        self.log = open(os.path.join(workdir, name + ".log"), "wb")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log)
        buf = b""
        deadline = time.monotonic() + timeout * SLOW
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.close()
                raise AssertionError("%s did not get ready: %r" % (name, buf))
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                data = os.read(self.proc.stdout.fileno(), 4096)
                if not data:
                    self.close()
                    raise AssertionError("%s ended before it was ready: %r" % (name, buf))
                buf += data
        self.words = buf.decode().split()
        if self.words[0] != "ready":
            self.close()
            raise AssertionError("%s says %r" % (name, buf))

    def port(self, name=None):
        """The first port it names, or the one it calls `name` (NAME=PORT)."""
        if name is None:
            return int(self.words[1])
        return int([w for w in self.words if w.startswith(name + "=")][0].split("=")[1])

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


class NotifierDeliveryTest(SimulatorTestCase):
    scenario = SCENARIO
    reset = ("www", "many")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = cls.simdir
        certs = os.path.join(cls.dir, "certs")
        subprocess.run(["sh", os.path.join(SOURCE_DIR, "sim", "make-certs.sh"), certs],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.ca = os.path.join(certs, "ca.crt")
        cls.hooks = os.path.join(cls.dir, "hooks.jsonl")
        cls.mail = os.path.join(cls.dir, "mail")
        os.makedirs(cls.mail)
        am_dir = os.path.join(cls.dir, "alertmanager")
        os.makedirs(am_dir)
        cls.webhook = Receiver(cls.dir, "webhook", [PYTHON, "-B", os.path.join(
            TOOLS, "webhook_receiver.py"), "--record", cls.hooks])
        cls.addClassCleanup(cls.webhook.close)
        cls.smtp = Receiver(cls.dir, "smtp", [PYTHON, "-B", os.path.join(
            TOOLS, "smtp_receiver.py"), "--dir", cls.mail, "--certs", certs, "--auth", "u:p"])
        cls.addClassCleanup(cls.smtp.close)
        cls.am = Receiver(cls.dir, "alertmanager", [PYTHON, "-B", os.path.join(
            TOOLS, "alertmanager_run.py"), "--dir", am_dir])
        cls.addClassCleanup(cls.am.close)

    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.tmp, "data")

    # ---- what the receivers took -----------------------------------------------------

    def hook_bodies(self, council):
        """The webhook bodies about `council` the receiver answered 200, in order."""
        out = []
        if os.path.exists(self.hooks):
            with open(self.hooks) as f:
                for line in f:
                    request = json.loads(line)
                    if request["path"] != "/ok":
                        continue
                    body = json.loads(request["body"])
                    if body["council"] == council:
                        out.append(body)
        return out

    def mails(self, council):
        """The mails (aiosmtpd's reading: headers, text) naming `council` (its
        name, "Cyngor Gwynedd" for gwynedd: see config), in order."""
        name = "Cyngor " + council.capitalize()
        out = []
        n = 1
        while os.path.exists(os.path.join(self.mail, "msg-%d.json" % n)):
            with open(os.path.join(self.mail, "msg-%d.json" % n)) as f:
                m = json.load(f)
            if name in m["text"] or name in m["headers"].get("subject", ""):
                out.append(m)
            n += 1
        return out

    def alerts(self, council):
        """The alerts Alertmanager holds as firing for `council`."""
        query = urllib.parse.urlencode({"filter": 'council="%s"' % council})
        with urllib.request.urlopen("http://127.0.0.1:%d/api/v2/alerts?%s"
                                    % (self.am.port(), query), timeout=10 * SLOW) as r:
            return json.load(r)

    def deliveries(self, notifier):
        """The event log's deliveries of `notifier` that went through."""
        return [e for e in read_events(self.data)
                if e["kind"] == "delivery" and e["notifier"] == notifier and e["outcome"] == "sent"]

    def config(self, council, targets, group_wait="1s", listen="", more_notifiers=(),
               notify=NOTIFIERS):
        lines = [
            "daemon: {data_dir: %s, listen: \"%s\", storage: none, max_per_host: 400}"
            % (self.data, listen),
            "notifiers:",
            "  - {id: hook, type: webhook, url: \"http://127.0.0.1:%d/ok\", group_wait: %s}"
            % (self.webhook.port(), group_wait),
            "  - {id: mail, type: email, url: \"smtp://127.0.0.1:%d\", ca_file: %s,"
            " from: \"Gwyliwr <gwyliwr@test.example>\", to: [ops@test.example], group_wait: %s}"
            % (self.smtp.port("starttls"), self.ca, group_wait),
            "  - {id: am, type: alertmanager, url: \"http://127.0.0.1:%d\", group_wait: %s}"
            % (self.am.port(), group_wait),
        ]
        lines += ["  - " + n for n in more_notifiers]
        lines += [
            "defaults: {interval: 2s, timeout: 1s, failure_threshold: 2, success_threshold: 2,",
            "           retry_interval: 1s, notify: [%s]}" % ", ".join(notify),
            "councils:",
            "  - id: %s" % council,
            "    name: Cyngor %s" % council.capitalize(),
            "    targets:",
        ]
        lines += ["      - " + t for t in targets]
        return "\n".join(lines) + "\n"

    def stop(self, d):
        code, _ = d.stop()
        self.assertEqual(code, 0, d.output()[-3000:])

    # ---- the tests ---------------------------------------------------------------------

    def test_one_outage_is_one_down_and_one_up_on_each(self):
        web = free_port()
        # A fourth notifier whose receiver always fails: counted in /metrics,
        # and the others are not held up by it.
        broken = "{id: broken, type: webhook, url: \"http://127.0.0.1:%d/status/503\", " \
                 "group_wait: 0s}" % self.webhook.port()
        d = self.daemon(self.config("gwynedd", [
            "{id: website, check: tcp, host: 127.0.0.1, port: %d}" % self.sim.ports["www"]],
            listen="127.0.0.1:%d" % web, more_notifiers=[broken], notify=NOTIFIERS + ("broken",)))
        d.wait_log(r"gwynedd/website \(tcp\): UP")
        self.sim.control("POST", "www", {"behaviour": "closed"})
        wait_until(lambda: all(self.deliveries(n) for n in NOTIFIERS), 30,
                   what="the DOWN delivered by every notifier")
        firing = self.alerts("gwynedd")
        self.sim.control("DELETE", "www")
        wait_until(lambda: all(len(self.deliveries(n)) >= 2 for n in NOTIFIERS), 30,
                   what="the UP delivered by every notifier")

        def failures():
            _, _, body = http_get(web, "/metrics")
            for line in body.decode().splitlines():
                if line.startswith("gwyliwr_notifier_failures_total "):
                    return float(line.split()[1])
            return 0
        wait_until(lambda: failures() >= 1, 10, what="a failed delivery counted in /metrics")
        self.stop(d)

        bodies = self.hook_bodies("gwynedd")
        self.assertEqual([b["state"] for b in bodies], ["down", "up"])
        self.assertEqual(bodies[0]["reason"], "connect_refused")
        self.assertEqual(bodies[0]["council_name"], "Cyngor Gwynedd")
        self.assertEqual(bodies[1]["previous"], "down")
        self.assertNotEqual(bodies[0]["idempotency_key"], bodies[1]["idempotency_key"])

        mails = self.mails("gwynedd")
        self.assertEqual(len(mails), 2)
        self.assertTrue(mails[0]["headers"]["subject"].startswith("[DOWN] Cyngor Gwynedd"),
                        mails[0]["headers"]["subject"])
        self.assertTrue(mails[1]["headers"]["subject"].startswith("[UP] Cyngor Gwynedd"),
                        mails[1]["headers"]["subject"])
        self.assertTrue(mails[0]["tls"])  # STARTTLS, offered, was taken
        # The recovery threads under the outage.
        self.assertEqual(mails[1]["headers"]["in-reply-to"], mails[0]["headers"]["message-id"])
        self.assertIn(mails[0]["headers"]["message-id"], mails[1]["headers"]["references"])

        self.assertEqual(len(firing), 1)
        self.assertEqual(firing[0]["labels"]["alertname"], "GwyliwrTargetDown")
        self.assertEqual(firing[0]["labels"]["target"], "gwynedd/website")
        self.assertEqual(firing[0]["labels"]["severity"], "critical")
        self.assertEqual(self.alerts("gwynedd"), [])  # resolved by the UP
        for n in NOTIFIERS:
            self.assertEqual(len(self.deliveries(n)), 2, n)
        self.assertEqual(self.deliveries("broken"), [])

    def test_300_targets_failing_together_are_one_message_per_notifier(self):
        port = self.sim.ports["many"]
        targets = ["{id: t%03d, check: tcp, host: 127.0.0.1, port: %d}" % (i, port)
                   for i in range(300)]
        d = self.daemon(self.config("powys", targets, group_wait="8s"))
        d.wait_log(r"powys/t\d+ \(tcp\): UP", count=300, timeout=30)
        self.sim.control("POST", "many", {"behaviour": "closed"})
        wait_until(lambda: all(self.deliveries(n) for n in NOTIFIERS), 60,
                   what="the grouped DOWN delivered by every notifier")
        wait_until(lambda: len(self.alerts("powys")) == 300, 10,
                   what="300 alerts firing in Alertmanager")
        self.stop(d)
        for n in NOTIFIERS:
            sent = self.deliveries(n)
            self.assertEqual(len(sent), 1, n)
            self.assertEqual(len(sent[0]["events"]), 300, n)
        bodies = self.hook_bodies("powys")
        self.assertEqual(len(bodies), 1)
        self.assertEqual(bodies[0]["count"], 300)
        self.assertEqual({e["state"] for e in bodies[0]["events"]}, {"down"})
        mails = self.mails("powys")
        self.assertEqual(len(mails), 1)
        self.assertTrue(mails[0]["headers"]["subject"].startswith("[DOWN ×300]"),
                        mails[0]["headers"]["subject"])


if __name__ == "__main__":
    main()
