"""The real daemon against real listeners on 127.0.0.1: states, reasons, RRD
files, reload with good and bad configurations, a prompt clean stop."""

import os
import signal
import time

from gwtest import (GWYLIWR, TestCase, free_port, main, rrd_fetch, rrd_info, rrd_lastupdate,
                    run, wait_until)


def config(data_dir, targets, extra=""):
    # Results written as they come: these tests read the files while the
    # daemon runs (test_crash tests results held back).
    lines = ["daemon:", "  data_dir: %s" % data_dir, "  log_level: info",
             "  rrd_write_delay: 0s", "defaults:",
             "  interval: 1s", "  timeout: 800ms", "  failure_threshold: 2",
             "  success_threshold: 1", "councils:", "  - id: cardiff", "    name: Cardiff Council",
             "    targets:"]
    for t in targets:
        lines.append("      - id: %s" % t["id"])
        for k, v in t.items():
            if k != "id":
                lines.append("        %s: %s" % (k, v))
    return "\n".join(lines) + "\n" + extra


class DaemonTest(TestCase):
    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.tmp, "data")
        self.open = self.listener("open")
        self.silent = self.listener("silent")
        self.closed_port = free_port()

    def targets(self):
        return [
            {"id": "open", "check": "tcp", "host": "127.0.0.1", "port": self.open.port},
            {"id": "closed", "check": "tcp", "host": "127.0.0.1", "port": self.closed_port},
            {"id": "silent", "check": "tcp", "host": "127.0.0.1", "port": self.silent.port,
             "expect": '"220"', "timeout": "500ms"},
        ]

    def rrd(self, target):
        return os.path.join(self.data, "cardiff", target + ".rrd")

    def test_states_reasons_and_rrd_files(self):
        d = self.daemon(config(self.data, self.targets()))
        d.wait_log(r"cardiff/open \(tcp\): UP: connected")
        d.wait_log(r"cardiff/closed \(tcp\): DOWN after 2 failures: connection refused")
        line = d.wait_log(r"cardiff/silent \(tcp\): DOWN after 2 failures: no answer")
        self.assertTrue(line)

        # RRD files: step = interval, heartbeat = 2 x step, the core data sources.
        wait_until(lambda: all(os.path.exists(self.rrd(t)) for t in ("open", "closed", "silent")),
                   10, what="RRD files")
        # A file being made can be read before librrd has written all of it.
        info = wait_until(lambda: "step" in rrd_info(self.rrd("open")) and rrd_info(self.rrd("open")),
                          10, what="a whole RRD file")
        self.assertEqual(info["step"], "1")
        self.assertEqual(info["ds[up].minimal_heartbeat"], "2")
        self.assertEqual(info["ds[up].type"], "GAUGE")
        for ds in ("up", "degraded", "latency", "connect"):
            self.assertIn("ds[%s].type" % ds, info)

        def settled():
            _, v = rrd_lastupdate(self.rrd("open"))
            _, c = rrd_lastupdate(self.rrd("closed"))
            return v["up"] == 1.0 and c["up"] == 0.0
        wait_until(settled, 10, what="last updates")
        _, v = rrd_lastupdate(self.rrd("open"))
        self.assertEqual(v["degraded"], 0.0)
        self.assertGreater(v["latency"], 0.0)
        self.assertLess(v["latency"], 0.05)  # loopback connect, well under 50 ms
        _, s = rrd_lastupdate(self.rrd("silent"))
        self.assertEqual(s["up"], 0.0)

        # The timeout fires at the configured time, not later: the silent
        # listener got a connection per second and each check ended at 500 ms.
        self.assertRegex(d.output(), r"no answer from 127\.0\.0\.1 within 500ms")

        # Consolidated history: a minute of averages exists and availability of
        # the open port is 1.
        time.sleep(2)
        rows = [r for _, r in rrd_fetch(self.rrd("open"), start="-20") if r["up"] is not None]
        self.assertTrue(rows)
        self.assertTrue(all(r["up"] == 1.0 for r in rows))

        code, took = d.stop()
        self.assertEqual(code, 0)
        self.assertLess(took, 5)
        self.assertRegex(d.output(), r"stopping \(SIGTERM\)")
        # One line per state change, not per check.
        self.assertEqual(d.count(r"cardiff/open \(tcp\)"), 1)

    def test_reload_applies_good_and_refuses_bad_configurations(self):
        d = self.daemon(config(self.data, self.targets()))
        d.wait_log(r"cardiff/open \(tcp\): UP")
        d.wait_log(r"running: 3 targets")

        # A broken configuration is refused; the old one keeps running.
        d.write_config(config(self.data, self.targets()) + "bogus: [\n")
        d.signal(signal.SIGHUP)
        d.wait_log(r"reload refused")
        self.assertRegex(d.output(), r"gwyliwr\.yaml:\d+:\d+: error:")
        stamp_before, _ = rrd_lastupdate(self.rrd("open"))
        wait_until(lambda: rrd_lastupdate(self.rrd("open"))[0] > stamp_before + 1.5, 10,
                   what="checks going on after a refused reload")

        # A good one: one target removed, one added, one changed; the unchanged
        # target keeps its state (no second UP line for it).
        other = self.listener("open")
        targets = self.targets()
        targets = [t for t in targets if t["id"] != "silent"]
        targets.append({"id": "new", "check": "tcp", "host": "127.0.0.1", "port": other.port})
        targets[1]["failure_threshold"] = 3
        d.write_config(config(self.data, targets))
        d.signal(signal.SIGHUP)
        d.wait_log(r"configuration reloaded .*: 3 targets \(1 added, 1 removed, 1 changed\)")
        d.wait_log(r"cardiff/new \(tcp\): UP")
        wait_until(lambda: os.path.exists(self.rrd("new")), 10, what="the new target's RRD")
        self.assertEqual(d.count(r"cardiff/open \(tcp\): UP"), 1)
        self.assertEqual(d.count(r"cardiff/closed \(tcp\): DOWN"), 1)
        # The removed target is no longer checked.
        stamp, _ = rrd_lastupdate(self.rrd("silent"))
        accepted = self.silent.accepted
        time.sleep(2.5)
        self.assertEqual(rrd_lastupdate(self.rrd("silent"))[0], stamp)
        self.assertLessEqual(self.silent.accepted, accepted + 1)
        self.assertEqual(d.stop()[0], 0)

    def test_phase_is_the_same_after_a_restart(self):
        # A 10 s interval: each run falls at the same offset within the beat.
        targets = [{"id": "open", "check": "tcp", "host": "127.0.0.1", "port": self.open.port,
                    "interval": "10s", "timeout": "1s"}]
        offsets = []
        for _ in range(2):
            started = time.time()
            d = self.daemon(config(self.data, targets))
            d.wait_log(r"cardiff/open \(tcp\): UP", timeout=25)
            # This run's first point, once the writer has it in the file.
            stamp = wait_until(lambda: os.path.exists(self.rrd("open")) and
                               rrd_lastupdate(self.rrd("open"))[0] > started and
                               rrd_lastupdate(self.rrd("open"))[0], 10, what="this run's point")
            offsets.append(stamp % 10)
            self.assertEqual(d.stop()[0], 0)
        delta = abs(offsets[0] - offsets[1])
        self.assertLess(min(delta, 10 - delta), 0.25)

    def test_invalid_configuration_does_not_start(self):
        path = os.path.join(self.tmp, "bad.yaml")
        with open(path, "w") as f:
            f.write("councils:\n  - id: cardiff\n    targets:\n      - id: x\n        check: tcp\n"
                    "        host: 127.0.0.1\n        port: 99999\n        intervl: 5s\n")
        r = run([GWYLIWR, "run", "-c", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.yaml:8:9: error: target cardiff/x: unknown key \"intervl\" "
                      "(did you mean \"interval\"?)", r.stderr)
        self.assertRegex(r.stderr, r"bad\.yaml:7:15: error: .*99999")

    def test_unwritable_data_directory_is_a_clear_error(self):
        blocker = os.path.join(self.tmp, "file")
        open(blocker, "w").close()
        cfg = config(os.path.join(blocker, "data"), self.targets()[:1])
        path = os.path.join(self.tmp, "c.yaml")
        with open(path, "w") as f:
            f.write(cfg)
        r = run([GWYLIWR, "run", "-c", path])
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot create data directory", r.stderr)


if __name__ == "__main__":
    main()
