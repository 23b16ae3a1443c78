"""A daemon killed outright (kill -9, a crash, the OOM killer) while results
wait for daemon.rrd_write_delay loses none that its writer had taken in:
they are in the journal (<data_dir>/rrd-journal.N.tsv), and the next start
writes them, even when it is killed in turn before it has written anything."""

import glob
import json
import os
import signal

from gwtest import (StorageTestCase, main, rrd_first_point, rrd_holes, rrd_lastupdate, result_gaps,
                    wait_until)

TARGETS = 3


class CrashTest(StorageTestCase):
    council = "gwynedd"

    def journal(self):
        """{target: [time in ms, ...]} of the main-file points in the journal now."""
        held = {}
        for path in sorted(glob.glob(os.path.join(self.data, "rrd-journal.*.tsv"))):
            with open(path) as f:
                for line in f:
                    fields = line.rstrip("\n").split("\t")
                    if line.endswith("\n") and any(f.startswith("up=") for f in fields[2:]):
                        held.setdefault(fields[0], []).append(int(fields[1]))
        return held

    def monitor(self, problem):
        """The `active` of each monitor event of `problem` in the event log, in order."""
        path = os.path.join(self.data, "events.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            events = [json.loads(line) for line in f if line.endswith("\n")]
        return [e["active"] for e in events if e.get("kind") == "monitor" and
                e.get("problem") == problem]

    def kill(self, d):
        """Freezes the daemon, reads what its journal holds, and kills it."""
        d.signal(signal.SIGSTOP)
        held = self.journal()
        d.signal(signal.SIGKILL)
        d.proc.wait()
        return held

    def test_kill_9_with_results_held_back_loses_none(self):
        # Held back an hour (the default is a minute): nothing reaches the
        # files while the test runs, however slow the machine.
        cfg = self.config(n_targets=TARGETS, write_delay="1h")
        d = self.daemon(cfg, args=("--log-level", "debug"))
        names = ["%s/web%d" % (self.council, i) for i in range(TARGETS)]
        wait_until(lambda: all(len(self.journal().get(n, [])) >= 6 for n in names), 20,
                   what="six results of each target in the journal")
        held = self.kill(d)
        results = {n: d.results(n) for n in names}
        d.close()
        # Nothing was written: the results were in memory and the journal only.
        self.assertEqual(glob.glob(os.path.join(self.data, self.council, "*.rrd")), [])

        # The next start is killed too, right after it has read them back.
        d2 = self.daemon(cfg, log_name="daemon2.log")
        d2.wait_log(r"rrd: [1-9]\d* points the last run did not write are queued again")
        d2.signal(signal.SIGKILL)
        d2.proc.wait()
        d2.close()

        # The third writes them at once, an hour's delay or not; the monitor
        # problem it reports meanwhile ends; it leaves nothing behind.
        d3 = self.daemon(cfg, log_name="daemon3.log")
        d3.wait_log(r"rrd: [1-9]\d* points the last run did not write are queued again")
        wait_until(lambda: all(os.path.exists(self.rrd("web%d" % i)) and
                               rrd_lastupdate(self.rrd("web%d" % i))[0] >= max(held[n]) // 1000
                               for i, n in enumerate(names)), 10, what="the journal's results written")
        # (The second run may have reported it too before it was killed.)
        wait_until(lambda: self.monitor("rrd_spool")[-2:] == [True, False], 30,
                   what="the rrd_spool problem to begin and end")
        d3.wait_log(r"%s \(tcp\): UP" % names[-1])
        self.assertEqual(d3.stop()[0], 0)
        self.assertEqual(d3.rrd_stats("pending", "dropped"), (0, 0))
        self.assertEqual(glob.glob(os.path.join(self.data, "rrd-journal.*.tsv")), [])
        self.assertFalse(os.path.exists(os.path.join(self.data, "unwritten-points.tsv")))
        for i, name in enumerate(names):
            path = self.rrd("web%d" % i)
            last = max(held[name]) // 1000
            first = rrd_first_point(path)
            self.assertLessEqual(first, min(t for t, _ in results[name]) + 1)
            # Every step from the first result to the last one journaled
            # holds its result.
            self.assertEqual(rrd_holes(path, first, last, result_gaps(results[name])), [],
                             "steps without a result in %s" % path)


if __name__ == "__main__":
    main()
