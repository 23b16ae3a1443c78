"""Alerting end to end: the daemon watching targets the simulator plays on
127.0.0.1, telling a receiver program through the exec notifier. One outage
is one DOWN and one UP; a flapping target one notice each way; a dependent
target held back and attributed to its parent; maintenance silent, and a
target still down at its end notified then; the daemon's own trouble told
to daemon.notify; `gwyliwr events` and `gwyliwr notify --test`."""

import datetime

from gwtest import (GWYLIWR, SLOW, ExecReceiver, free_port, http_get, json, main, os, read_events,
                    run, signal, SimulatorTestCase, time, wait_until)

SCENARIO = """
listeners:
  control: {type: control}
  link: {type: tcp}
  www: {type: tcp}
  slow: {type: tcp}
  flappy:
    type: tcp
    schedule: [{after: 1500ms, behaviour: closed}]
    repeat: 3s
"""


def config(data, rx, sim, targets, notifiers="", extra="", daemon="", listen=""):
    """A configuration of council gwynedd whose targets (YAML flow mappings,
    {port} naming a simulator listener) tell notifier ops (the receiver)."""
    lines = [
        "daemon: {data_dir: %s, listen: \"%s\", storage: none, notify: [ops]%s}"
        % (data, listen, daemon),
        "notifiers:",
        "  - {id: ops, type: exec, command: [%s], group_wait: 1s, timeout: 10s}" % rx.program,
    ]
    lines += ["  - " + n for n in notifiers]
    lines += [
        "defaults: {interval: 1s, timeout: 500ms, failure_threshold: 2, success_threshold: 2,",
        "           notify: [ops]}",
        "councils:",
        "  - id: gwynedd",
        "    name: Gwynedd Council",
        "    name_cy: Cyngor Gwynedd",
        "    targets:",
    ]
    for t in targets:
        lines.append("      - " + t.format(**{k: v for k, v in sim.ports.items()}))
    return "\n".join(lines) + "\n" + extra


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class AlertingTest(SimulatorTestCase):
    scenario = SCENARIO
    reset = ("link", "www", "slow", "flappy")

    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.tmp, "data")
        self.rx = ExecReceiver(self.tmp)

    def tearDown(self):
        self.rx.kill_hung()
        super().tearDown()

    def close(self, listener):
        self.sim.control("POST", listener, {"behaviour": "closed"})

    def open(self, listener):
        self.sim.control("DELETE", listener)

    def stop(self, d):
        code, _ = d.stop()
        self.assertEqual(code, 0, d.output()[-3000:])

    def test_one_outage_is_one_down_and_one_up(self):
        d = self.daemon(config(self.data, self.rx, self.sim,
                               ["{{id: website, check: tcp, host: 127.0.0.1, port: {www}}}"],
                               daemon=", web_url: \"https://status.example.gov.wales/\""))
        d.wait_log(r"gwynedd/website \(tcp\): UP")
        self.close("www")
        down = self.rx.wait(target="gwynedd/website", state="down")[0]
        self.open("www")
        up = self.rx.wait(target="gwynedd/website", state="up")[0]
        wait_until(lambda: sum(1 for e in read_events(self.data) if e["kind"] == "delivery")
                   >= 2, 10, what="both deliveries in the log")
        self.stop(d)

        self.assertEqual(len(self.rx.events(target="gwynedd/website")), 2)
        self.assertEqual(down["previous"], "up")
        self.assertEqual(down["reason"], "connect_refused")
        self.assertEqual(down["council_name"], "Gwynedd Council")
        self.assertEqual(down["council_name_cy"], "Cyngor Gwynedd")
        self.assertIsNotNone(up["since"])
        self.assertNotEqual(down["event_id"], up["event_id"])
        first = self.rx.received()[0]
        self.assertEqual(first["env"]["GWYLIWR_STATE"], "down")
        self.assertEqual(first["env"]["GWYLIWR_TARGET"], "gwynedd/website")
        self.assertEqual(first["env"]["GWYLIWR_SUBJECT"],
                         "[DOWN] Gwynedd Council — website: connection refused")
        self.assertEqual(first["input"]["idempotency_key"], first["env"]["GWYLIWR_NOTIFICATION_ID"])
        page = "https://status.example.gov.wales/target/gwynedd/website"
        self.assertEqual(first["env"]["GWYLIWR_URL"], page)
        self.assertEqual(down["url"], page)

        events = read_events(self.data)
        kinds = [e["kind"] for e in events]
        self.assertEqual(kinds[0], "start")
        self.assertEqual(kinds[-1], "stop")
        states = [e for e in events if e["kind"] == "state"]
        # the first UP is a change of state too, told to nobody
        self.assertEqual([(e["from"], e["to"]) for e in states],
                         [("pending", "up"), ("up", "down"), ("down", "up")])
        self.assertEqual([e["notify"] for e in states], [[], ["ops"], ["ops"]])
        self.assertEqual([e["seq"] for e in events], list(range(1, len(events) + 1)))
        sent = [e for e in events if e["kind"] == "delivery"]
        self.assertEqual([e["outcome"] for e in sent], ["sent", "sent"])
        self.assertEqual(sent[0]["events"], [down["event_id"]])

    def test_retry_interval_confirms_an_outage_sooner(self):
        # An 8 s interval and 3 failures to confirm: without retries the
        # DOWN would come 16 s or more after the first failure; retried
        # every second, it comes 2 s after it.
        d = self.daemon(config(self.data, self.rx, self.sim,
                               ["{{id: website, check: tcp, host: 127.0.0.1, port: {www}, "
                                "interval: 8s, retry_interval: 1s, failure_threshold: 3}}"]))
        d.wait_log(r"gwynedd/website \(tcp\): UP")
        self.close("www")
        closed = time.time()
        self.rx.wait(target="gwynedd/website", state="down", timeout=20)
        state = [e for e in read_events(self.data) if e["kind"] == "state"][-1]
        # the first failure comes at the next check, within 8 s
        self.assertLess(state["time_ms"] / 1000 - closed, 8 + 2 + 1.5 * SLOW)
        self.stop(d)

    def test_flapping_is_one_notice_and_one_when_it_settles(self):
        # Open 1.5 s, closed 1.5 s: never three results in a row alike, so
        # no state change is confirmed; the changes make it flap.
        d = self.daemon(config(self.data, self.rx, self.sim,
                               ["{{id: vpn, check: tcp, host: 127.0.0.1, port: {flappy}, "
                                "failure_threshold: 3, success_threshold: 3}}"]))
        self.sim.control("POST", "flappy", {"behaviour": "open"})
        d.wait_log(r"gwynedd/vpn \(tcp\): UP")
        self.sim.control("DELETE", "flappy")
        flap = self.rx.wait(target="gwynedd/vpn", kind="flapping", timeout=40)[0]
        self.assertEqual(flap["state"], "flapping")
        self.sim.control("POST", "flappy", {"behaviour": "open"})
        settled = self.rx.wait(target="gwynedd/vpn", kind="settled", timeout=40)[0]
        self.assertEqual(settled["state"], "up")
        wait_until(lambda: sum(1 for e in read_events(self.data) if e["kind"] == "delivery")
                   >= 2, 10, what="both deliveries")
        self.stop(d)
        self.assertEqual([e["kind"] for e in self.rx.events(target="gwynedd/vpn")],
                         ["flapping", "settled"])
        lines = [e for e in read_events(self.data) if e.get("target") == "gwynedd/vpn"][1:]
        self.assertEqual([e["kind"] for e in lines], ["flapping", "settled"])
        self.assertGreaterEqual(lines[0]["percent_change"], 50)
        self.assertLess(lines[1]["percent_change"], 25)

    def test_dependent_target_is_held_back_and_attributed_to_its_parent(self):
        web = free_port()
        d = self.daemon(config(self.data, self.rx, self.sim, [
            "{{id: link, check: tcp, host: 127.0.0.1, port: {link}}}",
            "{{id: website, check: tcp, host: 127.0.0.1, port: {www}, depends_on: link}}",
        ], listen="127.0.0.1:%d" % web))
        d.wait_log(r"gwynedd/website \(tcp\): UP")
        d.wait_log(r"gwynedd/link \(tcp\): UP")

        def cause():
            """(cause, cause_target) of the website as the API shows it."""
            status, _, body = http_get(web, "/api/v1/targets/gwynedd/website")
            t = json.loads(body)["target"] if status == 200 else {}
            return t.get("cause"), t.get("cause_target")
        self.close("link")
        self.rx.wait(target="gwynedd/link", state="down")
        self.close("www")
        # The log's thread writes the line just after the daemon logs the change.
        child = wait_until(lambda: [e for e in read_events(self.data) if e["kind"] == "state" and
                                    e["target"] == "gwynedd/website" and e["to"] == "down"],
                           10, what="the website's DOWN in the event log")[0]
        self.assertEqual(child["cause"], "parent")
        self.assertEqual(child["cause_target"], "gwynedd/link")
        self.assertEqual(child["notify"], [])
        wait_until(lambda: cause() == ("parent", "gwynedd/link"), 10,
                   what="the status API to attribute the outage to the parent")
        # The parent recovers, the child is still down: it is told now, and
        # its outage is its own.
        self.open("link")
        self.rx.wait(target="gwynedd/link", state="up")
        told = self.rx.wait(target="gwynedd/website", state="down")[0]
        self.assertEqual(told["cause"], None)
        wait_until(lambda: cause() == (None, None), 10,
                   what="the status API to see the outage as the target's own")
        self.open("www")
        self.rx.wait(target="gwynedd/website", state="up")
        self.stop(d)
        self.assertEqual([e["state"] for e in self.rx.events(target="gwynedd/website")],
                         ["down", "up"])
        self.assertEqual([e["state"] for e in self.rx.events(target="gwynedd/link")],
                         ["down", "up"])
        released = [e for e in read_events(self.data) if e["kind"] == "state" and
                    e["target"] == "gwynedd/website" and e["to"] == "down"][1]
        self.assertEqual((released["from"], released["to"], released["cause"]),
                         ("down", "down", None))

    def test_maintenance_is_silent_and_a_target_still_down_is_told_at_its_end(self):
        start = time.time()
        window = ("maintenance:\n"
                  "  - targets: [gwynedd/*]\n"
                  "    from: %s\n    to: %s\n    reason: Planned works\n"
                  % (rfc3339(start - 60), rfc3339(start + 8 * SLOW)))
        d = self.daemon(config(self.data, self.rx, self.sim,
                               ["{{id: website, check: tcp, host: 127.0.0.1, port: {www}}}"],
                               extra=window))
        d.wait_log(r"gwynedd/website \(tcp\): UP")
        self.close("www")
        d.wait_log(r"gwynedd/website \(tcp\): UP -> DOWN")
        self.assertEqual(self.rx.received(), [])
        told = self.rx.wait(target="gwynedd/website", timeout=30)[0]
        self.assertGreaterEqual(time.time(), start + 8 * SLOW - 1)
        # nothing had been told of it before: it came up inside the window
        self.assertEqual((told["kind"], told["state"], told["previous"]),
                         ("maintenance_end", "down", None))
        self.open("www")
        self.rx.wait(target="gwynedd/website", state="up")
        self.stop(d)
        lines = [e for e in read_events(self.data) if e.get("target") == "gwynedd/website"]
        self.assertEqual([(e["kind"], e.get("to", e.get("state"))) for e in lines],
                         [("maintenance_start", "pending"), ("state", "up"), ("state", "down"),
                          ("maintenance_end", "down"), ("state", "up")])
        self.assertEqual(lines[0]["window"], "Planned works")
        self.assertEqual(lines[2]["cause"], "maintenance")
        self.assertEqual(lines[2]["notify"], [])
        self.assertEqual(lines[3]["notify"], ["ops"])
        self.assertEqual(len(self.rx.received()), 2)

    def test_a_refused_reload_is_told_to_daemon_notify(self):
        text = config(self.data, self.rx, self.sim,
                      ["{{id: website, check: tcp, host: 127.0.0.1, port: {www}}}"])
        d = self.daemon(text)
        d.wait_log(r"gwynedd/website \(tcp\): UP")
        d.write_config(text + "councils: [\n")
        d.signal(signal.SIGHUP)
        problem = self.rx.wait(kind="monitor")[0]
        self.assertEqual(problem["state"], "unknown")
        self.assertIn("reload was refused", problem["sentence"])
        d.write_config(text)
        d.signal(signal.SIGHUP)
        self.rx.wait(count=2, kind="monitor")
        self.stop(d)
        lines = [e for e in read_events(self.data) if e["kind"] == "monitor"]
        self.assertEqual([(e["problem"], e["active"]) for e in lines],
                         [("reload_refused", True), ("reload_refused", False)])

    def test_events_command_and_a_test_notification(self):
        cfg = config(self.data, self.rx, self.sim,
                     ["{{id: website, check: tcp, host: 127.0.0.1, port: {www}}}",
                      "{{id: link, check: tcp, host: 127.0.0.1, port: {link}}}"],
                     notifiers=["{id: cymraeg, type: exec, command: [%s], language: cy}"
                                % self.rx.program])
        d = self.daemon(cfg)
        d.wait_log(r"gwynedd/website \(tcp\): UP")
        self.close("www")
        self.rx.wait(target="gwynedd/website", state="down")
        self.open("www")
        self.rx.wait(target="gwynedd/website", state="up")
        self.stop(d)

        r = run([GWYLIWR, "events", "-c", d.config_path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"gwynedd/website  UP -> DOWN: connection refused by "
                                   r"127\.0\.0\.1:\d+  -> ops")
        self.assertRegex(r.stdout, r"ops  sent \S+ \(attempt 1, 1 event\): exit 0")
        r = run([GWYLIWR, "events", "-c", d.config_path, "--json", "--target", "gwynedd/website",
                 "--since", "-1h"])
        lines = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual([(e["kind"], e["to"]) for e in lines],
                         [("state", "up"), ("state", "down"), ("state", "up")])
        r = run([GWYLIWR, "events", "-c", d.config_path, "--since", "yesterday-ish"])
        self.assertEqual(r.returncode, 2)

        r = run([GWYLIWR, "notify", "-c", d.config_path, "--test", "cymraeg"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("the test notification was delivered", r.stdout)
        test = self.rx.received()[-1]
        self.assertTrue(test["input"]["test"])
        self.assertEqual(test["env"]["GWYLIWR_SUBJECT"],
                         "[PRAWF] gwyliwr: hysbysiad prawf; does dim byd o'i le")
        self.rx.set_mode("exit 3")
        r = run([GWYLIWR, "notify", "-c", d.config_path, "--test", "ops"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("exit 3: receiver refuses", r.stderr)
        r = run([GWYLIWR, "notify", "-c", d.config_path, "--test", "nobody"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("has no notifier \"nobody\" (it has: ops cymraeg)", r.stderr)


if __name__ == "__main__":
    main()
