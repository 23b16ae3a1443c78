"""A daemon killed outright (kill -9, a crash, the OOM killer) while results
wait for daemon.rrd_write_delay loses none that its writer had taken in:
they are in the journal (<data_dir>/rrd-journal.N.tsv), and the next start
writes them at once, even when it is killed in turn before it has written
anything; directly and through rrdcached. A journal line the kill cut short
is skipped with a line that says so; a daemon that cannot keep a journal
writes results as they come, as it did before there was one."""

import fcntl
import glob

from gwtest import (Rrdcached, SimulatorTestCase, main, os, rrd_first_point, rrd_holes,
                    rrd_lastupdate, read_events, result_gaps, signal, time, wait_until)

SCENARIO = """
listeners:
  control: {type: control}
  www: {type: http, routes: {/: {body: "<h1>Cyngor Gwynedd</h1>"}}}
"""

COUNCIL = "gwynedd"
TARGETS = 3
NAMES = ["%s/web%d" % (COUNCIL, i) for i in range(TARGETS)]


class CrashTest(SimulatorTestCase):
    scenario = SCENARIO

    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.tmp, "data")
        os.makedirs(self.data)
        self.rrdcached = None

    def tearDown(self):
        if self.rrdcached:
            self.rrdcached.stop(signal.SIGKILL)
        super().tearDown()

    def config(self, rrdcached=""):
        """http targets on the simulator, checked every second, their results
        held back an hour (the default is a minute): nothing reaches the files
        while a test runs unless the daemon writes it at once, however slow
        the machine."""
        lines = ["daemon:", "  data_dir: %s" % self.data, '  listen: ""',
                 "  rrd_write_delay: 1h", '  rrdcached: "%s"' % rrdcached,
                 "defaults: {interval: 1s, timeout: 800ms}",
                 "councils:", "  - id: %s" % COUNCIL, "    targets:"]
        url = "http://127.0.0.1:%d/" % self.sim.ports["www"]
        lines += ["      - {id: web%d, check: http, url: \"%s\"}" % (i, url)
                  for i in range(TARGETS)]
        return "\n".join(lines) + "\n"

    def start(self, cfg, log_name="daemon.log"):
        # Each result is a line at debug: the test compares them with the files.
        return self.daemon(cfg, args=("--log-level", "debug"), log_name=log_name)

    def rrd(self, name):
        return os.path.join(self.data, name + ".rrd")

    def segments(self):
        return sorted(glob.glob(os.path.join(self.data, "rrd-journal.*.tsv")))

    def journal(self):
        """{target: [time in ms, ...]} of the main-file points in the journal now."""
        held = {}
        for path in self.segments():
            with open(path) as f:
                for line in f:
                    fields = line.rstrip("\n").split("\t")
                    if line.endswith("\n") and any(f.startswith("up=") for f in fields[2:]):
                        held.setdefault(fields[0], []).append(int(fields[1]))
        return held

    def monitor(self, problem):
        """The `active` of each monitor event of `problem` in the event log, in order."""
        return [e["active"] for e in read_events(self.data)
                if e.get("kind") == "monitor" and e.get("problem") == problem]

    def run_and_kill(self, cfg):
        """Runs a daemon until each target has six results in the journal, then
        freezes it, reads what its journal holds, and kills it. Returns
        ({target: journaled times in ms}, {target: results from its log})."""
        d = self.start(cfg)
        wait_until(lambda: all(len(self.journal().get(n, [])) >= 6 for n in NAMES), 20,
                   what="six results of each target in the journal")
        d.signal(signal.SIGSTOP)
        held = self.journal()
        d.signal(signal.SIGKILL)
        d.proc.wait()
        results = {n: d.results(n) for n in NAMES}
        d.close()
        # Nothing was written: the results were in memory and the journal only.
        self.assertEqual(glob.glob(os.path.join(self.data, COUNCIL, "*.rrd")), [])
        return held, results

    def assert_all_written(self, held, results):
        """Every step from a target's first result to the last one its killed
        run had journaled holds that result (rrdtool fetch)."""
        for name in NAMES:
            path = self.rrd(name)
            last = max(held[name]) // 1000
            self.assertGreaterEqual(rrd_lastupdate(path)[0], last)
            first = rrd_first_point(path)
            self.assertLessEqual(first, min(t for t, _ in results[name]) + 1)
            self.assertEqual(rrd_holes(path, first, last, result_gaps(results[name])), [],
                             "steps without a result in %s" % path)

    def assert_nothing_left(self):
        self.assertEqual(self.segments(), [])
        self.assertFalse(os.path.exists(os.path.join(self.data, "unwritten-points.tsv")))

    def test_kill_9_direct_loses_none_and_a_torn_line_is_told(self):
        cfg = self.config()
        held, results = self.run_and_kill(cfg)
        # Killed in the middle of appending a later result: its line is cut short.
        torn = self.segments()[-1]
        with open(torn, "a") as f:
            f.write("%s\t%d\tup=1\tdegraded=0\tlaten" % (NAMES[0], max(held[NAMES[0]]) + 500))

        # The next start reads them back, says what it skipped, and is killed
        # in turn right after.
        d2 = self.start(cfg, log_name="daemon2.log")
        d2.wait_log(r"rrd: the last line of .*/%s is cut short \(the last run was killed, or the "
                    r"disk filled, while it was written\); its point is dropped"
                    % os.path.basename(torn))
        d2.wait_log(r"rrd: [1-9]\d* points the last run did not write are queued again")
        d2.signal(signal.SIGKILL)
        d2.proc.wait()
        d2.close()

        # The third writes them at once, an hour's delay or not; the monitor
        # problem it reports meanwhile ends; it leaves nothing behind.
        d3 = self.start(cfg, log_name="daemon3.log")
        d3.wait_log(r"rrd: [1-9]\d* points the last run did not write are queued again")
        wait_until(lambda: all(os.path.exists(self.rrd(n)) and
                               rrd_lastupdate(self.rrd(n))[0] >= max(held[n]) // 1000
                               for n in NAMES), 10, what="the journal's results written")
        # (The second run may have reported it too before it was killed.)
        wait_until(lambda: self.monitor("rrd_spool")[-2:] == [True, False], 30,
                   what="the rrd_spool problem to begin and end")
        d3.wait_log(r"%s \(http\): UP" % NAMES[-1])
        self.assertEqual(d3.stop()[0], 0)
        self.assertEqual(d3.rrd_stats("pending", "dropped"), (0, 0))
        self.assert_nothing_left()
        self.assert_all_written(held, results)

    def test_kill_9_through_rrdcached_loses_none(self):
        self.rrdcached = Rrdcached(self.tmp, self.data)
        self.rrdcached.start()
        cfg = self.config(rrdcached=self.rrdcached.address)
        held, results = self.run_and_kill(cfg)
        killed = self.segments()

        # The next start hands them to rrdcached at once; the problem ends.
        d2 = self.start(cfg, log_name="daemon2.log")
        d2.wait_log(r"rrd: [1-9]\d* points the last run did not write are queued again")
        wait_until(lambda: self.monitor("rrd_spool")[-2:] == [True, False], 30,
                   what="the rrd_spool problem to begin and end")
        # In this run's journal first, the killed run's goes.
        wait_until(lambda: not set(killed) & set(self.segments()), 10,
                   what="the killed run's journal removed")
        d2.wait_log(r"%s \(http\): UP" % NAMES[-1])
        self.assertEqual(d2.stop()[0], 0)
        self.assertEqual(d2.rrd_stats("pending", "dropped"), (0, 0))
        self.assert_nothing_left()
        # rrdcached writes everything it holds to the files as it stops (-F).
        self.rrdcached.stop()
        self.assert_all_written(held, results)

    def test_without_a_journal_results_are_written_as_they_come(self):
        # The last run's journal, and another process holding the journal's
        # lock (a second daemon on the same data directory, say).
        old = os.path.join(self.data, "rrd-journal.0000000007.tsv")
        with open(old, "w") as f:
            f.write("%s\t%d\tup=1\n" % (NAMES[0], (int(time.time()) - 60) * 1000))
        lock = open(os.path.join(self.data, "rrd-journal.lock"), "w")
        self.addCleanup(lock.close)
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)

        d = self.start(self.config())
        d.wait_log(r"rrd: no journal: .*rrd-journal\.lock is locked: another gwyliwr process "
                   r"writes RRD files from .*; results are written as they come, not after "
                   r"rrd_write_delay")
        # Nothing keeps them across a kill, so nothing holds them back: an
        # hour's delay or not, the files follow the results.
        d.wait_log(r"%s \(http\): UP" % NAMES[-1])
        wait_until(lambda: all(os.path.exists(self.rrd(n)) and
                               rrd_lastupdate(self.rrd(n))[0] >= d.results(n)[-1][0] - 1.5
                               for n in NAMES), 10, what="results written as they come")
        d.signal(signal.SIGKILL)
        d.proc.wait()
        # The journal was another's: left alone, neither read nor removed.
        self.assertEqual(self.segments(), [old])
        self.assertIn("no journal", d.output())
        self.assertNotIn("queued again", d.output())


if __name__ == "__main__":
    main()
