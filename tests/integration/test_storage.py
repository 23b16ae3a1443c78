"""Storage end to end: the real daemon writing RRD files directly and through a
real rrdcached (Debian's) on a private unix socket, rrdcached restarted under
it, SIGTERM flushing what was held back, a web graph having its results
written first, and check-config's disk budget."""

import os
import re
import signal
import subprocess
import time

from gwtest import (GWYLIWR, SLOW, Rrdcached, StorageTestCase, assert_no_hole, free_port,
                    http_get, main, rrd_first_point, rrd_lastupdate, rrd_rows_between, run,
                    tcp_config, wait_until)


class StorageTest(StorageTestCase):
    def test_rrdcached_restarted_under_the_daemon(self):
        self.rrdcached = Rrdcached(self.tmp, self.data)
        self.rrdcached.start()
        d = self.daemon(self.config(extra_daemon="rrdcached: %s" % self.rrdcached.address))
        d.wait_log(r"caerphilly/web0 \(tcp\): UP")
        wait_until(lambda: os.path.exists(self.rrd()) and os.path.exists(self.rrd(spread=True)),
                   10, what="files made through rrdcached")
        time.sleep(2)

        # rrdcached is restarted (systemctl restart) while checks go on.
        down = time.time()
        self.rrdcached.stop(signal.SIGTERM)
        d.wait_log(r"rrd: .*rrdcached.*; keeping points in memory and retrying", timeout=10)
        time.sleep(3)
        self.rrdcached.start()
        up = time.time()
        d.wait_log(r"rrd: rrdcached at unix:.* is reachable again after \d+ s", timeout=15)
        time.sleep(2)
        code, _ = d.stop()
        self.assertEqual(code, 0)
        written, pending, errors, dropped = d.rrd_stats("written", "pending", "errors", "dropped")
        self.assertEqual((pending, dropped), (0, 0))
        self.assertGreater(errors, 0)

        # rrdcached writes what it holds as it stops (-F); then read the files.
        self.rrdcached.stop(signal.SIGTERM)
        # From the first result to the last, through the restart.
        first, last, values = self.assert_every_result_stored(written)
        self.assertEqual(values["up"], 1.0)
        self.assertLess(first, down)
        self.assertGreater(last, up)
        spread_last, spread_values = rrd_lastupdate(self.rrd(spread=True))
        self.assertEqual(int(spread_last), int(last))
        self.assertIsNotNone(spread_values["latency"])

    def assert_every_result_stored(self, written):
        """The main file holds one step per result (`written` counts both
        files) from its first to its last, none missing. Returns (first step,
        last step, the last values)."""
        last, values = rrd_lastupdate(self.rrd())
        first = rrd_first_point(self.rrd())
        self.assertEqual(int(last) - first + 1, written // 2)
        assert_no_hole(self, self.rrd(), first, int(last))
        return first, int(last), values

    def test_sigterm_writes_what_was_held_back_direct(self):
        d = self.daemon(self.config(write_delay="1h"))
        d.wait_log(r"caerphilly/web0 \(tcp\): UP")
        time.sleep(3)
        # Held back by the delay: nothing on disk yet.
        self.assertFalse(os.path.exists(self.rrd()))
        code, _ = d.stop()
        self.assertEqual(code, 0)
        written, pending, errors, dropped = d.rrd_stats("written", "pending", "errors", "dropped")
        self.assertEqual((pending, errors, dropped), (0, 0, 0))
        self.assertGreaterEqual(written, 2 * 3)
        _, _, values = self.assert_every_result_stored(written)
        self.assertEqual(values["up"], 1.0)

    def test_sigterm_writes_what_was_held_back_rrdcached(self):
        self.rrdcached = Rrdcached(self.tmp, self.data)
        self.rrdcached.start()
        d = self.daemon(self.config(
            extra_daemon="rrdcached: %s" % self.rrdcached.address, write_delay="1h"))
        d.wait_log(r"caerphilly/web0 \(tcp\): UP")
        time.sleep(3)
        self.assertFalse(os.path.exists(self.rrd()))
        code, _ = d.stop()
        self.assertEqual(code, 0)
        written, pending, errors, dropped = d.rrd_stats("written", "pending", "errors", "dropped")
        self.assertEqual((pending, errors, dropped), (0, 0, 0))
        # rrdcached still runs and writes nothing by itself for an hour: the
        # files on disk are complete because the daemon had them flushed.
        self.assertIsNone(self.rrdcached.proc.poll())
        self.assert_every_result_stored(written)

    def test_web_graph_has_its_subjects_results_written_first(self):
        # Results are held back an hour, yet a graph drawn now shows them.
        port = free_port()
        # librrd's graphing and fontconfig keep memory to the end: the leak
        # checker is test_graph's business, not this test's.
        env = {"ASAN_OPTIONS": ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                      "detect_leaks=0"]))}
        d = self.daemon(self.config(write_delay="1h", listen="127.0.0.1:%d" % port), env=env)
        d.wait_log(r"web: serving on")
        d.wait_log(r"caerphilly/web0 \(tcp\): UP")
        time.sleep(2)
        asked = time.time()
        status, _, body = http_get(port, "/graph/caerphilly/web0.svg?period=1h")
        self.assertEqual(status, 200, body[:300])
        self.assertIn(b"<svg", body[:1000])
        # Written up to the last result before the graph was asked for (one
        # a second), not up to what the pages' reader wrote at the start.
        last, values = rrd_lastupdate(self.rrd())
        self.assertGreaterEqual(last, asked - 1.0 - 0.5 * SLOW)
        self.assertEqual(values["up"], 1.0)
        self.assertEqual(d.stop()[0], 0)

    def test_daemon_restarted_while_rrdcached_is_down(self):
        self.rrdcached = Rrdcached(self.tmp, self.data)
        self.rrdcached.start()
        cfg = self.config(extra_daemon="rrdcached: %s" % self.rrdcached.address)
        d = self.daemon(cfg)
        d.wait_log(r"caerphilly/web0 \(tcp\): UP")
        wait_until(lambda: os.path.exists(self.rrd()), 10, what="files made through rrdcached")
        time.sleep(2)

        # rrdcached goes away; the daemon is stopped before it comes back.
        self.rrdcached.stop(signal.SIGTERM)
        d.wait_log(r"rrd: .*rrdcached.*; keeping points in memory and retrying", timeout=10)
        time.sleep(3)
        stopped = time.time()
        code, _ = d.stop()
        self.assertEqual(code, 0)
        d.wait_log(r"points that could not be written; kept in .*unwritten-points.tsv")
        spool = os.path.join(self.data, "unwritten-points.tsv")
        self.assertTrue(os.path.exists(spool))

        # Both come back: the next run writes what the last one kept.
        self.rrdcached.start()
        d2 = self.daemon(cfg)
        d2.wait_log(r"rrd: [1-9]\d* points the last run did not write are queued again")
        d2.wait_log(r"caerphilly/web0 \(tcp\): UP")
        time.sleep(2)
        self.assertFalse(os.path.exists(spool))
        code, _ = d2.stop()
        self.assertEqual(code, 0)
        self.rrdcached.stop(signal.SIGTERM)
        first = rrd_first_point(self.rrd())
        # Every step until the first run stopped holds its result, through
        # the outage; the second run's results follow.
        assert_no_hole(self, self.rrd(), first, int(stopped) - 2)
        last, values = rrd_lastupdate(self.rrd())
        self.assertGreater(int(last), stopped)
        self.assertEqual(values["up"], 1.0)

    def test_spool_from_a_last_run_is_written_and_checked(self):
        past = int(time.time()) - 30
        with open(os.path.join(self.data, "unwritten-points.tsv"), "w") as f:
            f.write("caerphilly/web0\t%d\tup=1\tdegraded=0\tlatency=0.0421\n" % (past * 1000))
            f.write("caerphilly/gone\t%d\tup=1\tlatency=0.5\n" % (past * 1000))
            f.write("caerphilly/web0\tyesterday\tup=1\n")
        d = self.daemon(self.config())
        d.wait_log(r"rrd: 1 points the last run did not write are queued again")
        d.wait_log(r"rrd: 1 points the last run did not write belong to targets no longer "
                   r"configured")
        d.wait_log(r"rrd: 1 lines left by the last run cannot be read \(the first: "
                   r".*/unwritten-points\.tsv:3\); they are dropped")
        d.wait_log(r"caerphilly/web0 \(tcp\): UP")
        self.assertFalse(os.path.exists(os.path.join(self.data, "unwritten-points.tsv")))
        code, _ = d.stop()
        self.assertEqual(code, 0)
        rows = dict(rrd_rows_between(self.rrd(), past, past))
        self.assertAlmostEqual(rows[past]["latency"], 0.0421, places=6)
        self.assertEqual(rows[past]["up"], 1.0)

    def test_reload_moves_writes_to_rrdcached(self):
        d = self.daemon(self.config())
        d.wait_log(r"caerphilly/web0 \(tcp\): UP")
        wait_until(lambda: os.path.exists(self.rrd()), 10, what="the RRD file")
        self.rrdcached = Rrdcached(self.tmp, self.data)
        self.rrdcached.start()
        d.write_config(self.config(extra_daemon="rrdcached: %s" % self.rrdcached.address))
        d.signal(signal.SIGHUP)
        d.wait_log(r"rrd: writing through rrdcached at unix:")
        self.assertNotRegex(d.output(), r"rrdcached.* take effect at the next restart")
        time.sleep(3)
        self.assertEqual(d.stop()[0], 0)
        written, pending, errors, dropped = d.rrd_stats("written", "pending", "errors", "dropped")
        self.assertEqual((pending, errors, dropped), (0, 0, 0))
        self.rrdcached.stop(signal.SIGTERM)
        last, _ = rrd_lastupdate(self.rrd())
        first = rrd_first_point(self.rrd())
        assert_no_hole(self, self.rrd(), first, int(last))

    def test_check_config_prints_the_disk_budget(self):
        path = os.path.join(self.tmp, "budget.yaml")
        with open(path, "w") as f:
            f.write(self.config(n_targets=412, interval="60s"))
        r = run([GWYLIWR, "check-config", "-c", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r"storage: 412 targets, ([\d.]+) MB of RRD files \(([\d.]+) MB not made "
                      r"yet\); (\S+) has [\d.]+ [kMGT]B free", r.stdout)
        self.assertTrue(m, r.stdout)
        self.assertEqual(m.group(1), m.group(2))
        self.assertEqual(m.group(3), self.data)
        total_mb = float(m.group(1))

        # The budget is what the files really take: make three and compare.
        d = self.daemon(self.config(n_targets=3), name="small.yaml")
        wait_until(lambda: all(os.path.exists(self.rrd("web%d" % i, s)) for i in range(3)
                               for s in (False, True)), 10, what="three targets' files")
        self.assertEqual(d.stop()[0], 0)
        real = sum(os.path.getsize(self.rrd("web%d" % i, s)) for i in range(3)
                   for s in (False, True))
        self.assertAlmostEqual(total_mb, real / 3 * 412 / 1e6, delta=0.5)
        # Those three are made: the rest is still to come.
        r = run([GWYLIWR, "check-config", "-c", path])
        m = re.search(r"\(([\d.]+) MB not made yet\)", r.stdout)
        self.assertTrue(m, r.stdout)
        self.assertAlmostEqual(float(m.group(1)), total_mb - real / 1e6, delta=0.6)
        self.assertNotIn("warning", r.stderr)

    def test_check_config_warns_when_the_disk_lacks_room(self):
        small_fs = os.path.join(self.tmp, "small-fs")
        os.makedirs(small_fs)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small_fs],
                          capture_output=True).returncode != 0:
            self.skipTest("cannot mount a tmpfs here")
        try:
            data = os.path.join(small_fs, "not", "yet", "made")
            path = os.path.join(self.tmp, "tight.yaml")
            with open(path, "w") as f:
                f.write(tcp_config(data, self.open.port, self.council, n_targets=5, interval="60s"))
            r = run([GWYLIWR, "check-config", "-c", path])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"storage: 5 targets, 2\.\d MB of RRD files \(2\.\d MB "
                                       r"not made yet\); %s has 1\.0 MB free" % re.escape(small_fs))
            self.assertRegex(r.stderr, r"tight\.yaml: warning: the RRD files still to be made need "
                                       r"2\.\d MB but the file system of %s has 1\.0 MB free"
                             % re.escape(small_fs))
        finally:
            subprocess.run(["umount", "-l", small_fs])


if __name__ == "__main__":
    main()
