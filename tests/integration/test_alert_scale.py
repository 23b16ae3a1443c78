"""Alerting under load: a receiver that hangs delays neither the checks nor
another notifier; 300 targets failing together are one message per
notifier (one per council where the notifier groups by council); the
daemon's own trouble (RRD writes failing) is told once to daemon.notify."""

import re

from gwtest import (SLOW, ExecReceiver, free_port, main, os, read_events, signal, SimulatorTestCase,
                    time, wait_until)

SCENARIO = """
listeners:
  control: {type: control}
  farm: {type: tcp}
"""


class ScaleTest(SimulatorTestCase):
    scenario = SCENARIO
    reset = ("farm",)

    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.tmp, "data")
        self.receivers = []

    def tearDown(self):
        for rx in self.receivers:
            rx.kill_hung()
        super().tearDown()

    def receiver(self, name):
        rx = ExecReceiver(self.tmp, name)
        self.receivers.append(rx)
        return rx

    def councils(self, n_councils, per_council, notify):
        port = self.sim.ports["farm"]
        lines = ["councils:"]
        for c in range(n_councils):
            lines.append("  - id: council%d\n    name: Council %d\n    targets:" % (c, c))
            for t in range(per_council):
                lines.append("      - {id: t%d, check: tcp, host: 127.0.0.1, port: %d, "
                             "notify: [%s]}" % (t, port, ", ".join(notify)))
        return "\n".join(lines) + "\n"

    @staticmethod
    def checks_started(d):
        """The daemon's count of checks started, from a stats report asked for now."""
        before = len(re.findall(r"(\d+) checks started", d.output()))
        d.signal(signal.SIGUSR1)
        wait_until(lambda: len(re.findall(r"(\d+) checks started", d.output())) > before, 10,
                   what="a stats report")
        return int(re.findall(r"(\d+) checks started", d.output())[-1])

    def test_a_hung_receiver_delays_nothing_else(self):
        fast, hung = self.receiver("fast"), self.receiver("hung")
        hung.set_mode("hang")
        cfg = ("daemon: {data_dir: %s, listen: \"\", storage: none}\n"
               "notifiers:\n"
               "  - {id: hung, type: exec, command: [%s], group_wait: 0s, timeout: 6s}\n"
               "  - {id: fast, type: exec, command: [%s], group_wait: 1s}\n"
               "defaults: {interval: 1s, timeout: 500ms, failure_threshold: 2}\n"
               % (self.data, hung.program, fast.program)) + self.councils(1, 5, ["hung", "fast"])
        d = self.daemon(cfg)
        d.wait_log(r"council0/t4 \(tcp\): UP")
        self.sim.control("POST", "farm", {"behaviour": "closed"})
        hung.wait(state="down", timeout=30)
        started0, t0 = self.checks_started(d), time.monotonic()
        fast.wait(count=5, state="down", timeout=30)
        # the hung one is given its timeout, then tried again
        wait_until(lambda: [e for e in read_events(self.data) if e["kind"] == "delivery" and
                            e["notifier"] == "hung" and e["outcome"] == "failed"], 30,
                   what="the hung delivery failed")
        failed = [e for e in read_events(self.data)
                  if e["kind"] == "delivery" and e["outcome"] == "failed"][0]
        self.assertEqual(failed["message"], "no answer within 6s (the notifier's timeout)")
        # every change reached the other notifier while the hung one waited
        self.assertLess(max(n["time"] for n in fast.received()), failed["time_ms"] / 1000)
        # The checks kept their beat all along: five targets at a 1 s interval
        # started about five checks a second while the hung one waited its 6 s
        # (a loop held up by it would have started none). Counted, not timed:
        # a loaded machine makes checks late, not fewer.
        started, elapsed = self.checks_started(d) - started0, time.monotonic() - t0
        self.assertGreaterEqual(elapsed, 5)
        self.assertGreaterEqual(started, 5 * (elapsed - 2), "%.1f s" % elapsed)
        code, _ = d.stop()
        self.assertEqual(code, 0)

    def test_300_targets_failing_together_are_one_message_per_notifier(self):
        everyone, councils = self.receiver("everyone"), self.receiver("councils")
        cfg = ("daemon: {data_dir: %s, listen: \"\", storage: none, max_per_host: 400}\n"
               "notifiers:\n"
               "  - {id: everyone, type: exec, command: [%s], group_wait: 8s}\n"
               "  - {id: councils, type: exec, command: [%s], group_wait: 8s, "
               "group_by: council}\n"
               "defaults: {interval: 2s, timeout: 1s, failure_threshold: 2, retry_interval: 1s}\n"
               % (self.data, everyone.program, councils.program)
               ) + self.councils(3, 100, ["everyone", "councils"])
        d = self.daemon(cfg)
        d.wait_log(r"\(tcp\): UP", count=300, timeout=30)
        self.sim.control("POST", "farm", {"behaviour": "closed"})
        everyone.wait(count=300, state="down", timeout=40)
        councils.wait(count=300, state="down", timeout=40)
        self.sim.control("DELETE", "farm")
        everyone.wait(count=300, state="up", timeout=40)
        councils.wait(count=300, state="up", timeout=40)
        code, _ = d.stop()
        self.assertEqual(code, 0)

        messages = everyone.received()
        self.assertEqual(len(messages), 2)
        self.assertEqual([len(m["input"]["events"]) for m in messages], [300, 300])
        self.assertEqual(messages[0]["env"]["GWYLIWR_SUBJECT"],
                         "[DOWN ×300] 300 services in 3 councils")
        self.assertEqual(messages[0]["env"]["GWYLIWR_EVENT_COUNT"], "300")
        by_council = councils.received()
        self.assertEqual(len(by_council), 6)
        for m in by_council:
            events = m["input"]["events"]
            self.assertEqual(len(events), 100)
            self.assertEqual(len({e["council"] for e in events}), 1)
            self.assertRegex(m["env"]["GWYLIWR_SUBJECT"],
                             r"^\[(DOWN|UP) ×100\] Council \d: 100 services$")

    def test_rrd_writes_failing_are_one_problem_for_daemon_notify(self):
        ops = self.receiver("ops")
        # Results written as they come: held back a minute (the default),
        # the first write, and the problem, would come after the wait below.
        cfg = ("daemon: {data_dir: %s, listen: \"\", rrdcached: \"127.0.0.1:%d\", notify: [ops],\n"
               "         rrd_write_delay: 0s}\n"
               "notifiers:\n"
               "  - {id: ops, type: exec, command: [%s], group_wait: 0s}\n"
               "defaults: {interval: 1s, timeout: 500ms}\n"
               % (self.data, free_port(), ops.program)) + self.councils(1, 2, [])
        d = self.daemon(cfg)
        problem = ops.wait(kind="monitor", timeout=40)[0]
        self.assertIn("RRD files cannot be written", problem["sentence"])
        # one event for the episode, however long it lasts
        time.sleep(12 * SLOW)
        code, _ = d.stop()
        self.assertEqual(code, 0)
        lines = [e for e in read_events(self.data) if e["kind"] == "monitor"]
        self.assertEqual([(e["problem"], e["active"]) for e in lines], [("rrd_write", True)])
        self.assertEqual(len(ops.received()), 1)


if __name__ == "__main__":
    main()
