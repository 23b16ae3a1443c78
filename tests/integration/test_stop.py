"""Stopping under fire: signals that arrive while the daemon stops never kill
it, and never cost a point.

An operator presses Ctrl-C while systemd stops the unit, or presses it
twice; rrdcached hangs (stopped) while a full queue waits to be written. The
exit status is always 0, and every point measured is either written or kept
in unwritten-points.tsv, which the next start writes."""

import os
import re
import signal
import socket
import threading
import time

from gwtest import (SLOW, Rrdcached, StorageTestCase, main, result_gaps, rrd_first_point,
                    rrd_holes, rrd_rows_between, wait_until)

TARGETS = 3


class StopTest(StorageTestCase):
    council = "conwy"

    def rrds(self):
        return [self.rrd("web%d" % i) for i in range(TARGETS)]

    def wait_exit(self, d):
        try:
            return d.proc.wait(timeout=10 * SLOW)
        except Exception:
            raise AssertionError("the daemon did not exit:\n" + d.output()[-3000:])

    # ---- direct writes: both signals at once -----------------------------------------

    def test_sigint_and_sigterm_at_once_exit_0_and_lose_nothing(self):
        # Points are held back (rrd_write_delay), so the stop has writing to do
        # when the second signal arrives. Five rounds on the same data: each
        # start writes what the previous stop kept.
        cfg = self.config(n_targets=TARGETS, write_delay="1h")
        spool = os.path.join(self.data, "unwritten-points.tsv")
        lines = 0
        for round_ in range(5):
            with self.subTest(round=round_):
                d = self.daemon(cfg)
                if lines:
                    d.wait_log(r"rrd: \d+ points the last run did not write are queued again")
                    replayed = int(re.search(r"rrd: (\d+) points the last run", d.output())[1])
                    # A line per RRD file of a point: one or both of its two files.
                    self.assertTrue(lines / 2 <= replayed <= lines, (lines, replayed))
                d.wait_log(r"conwy/web%d \(tcp\): UP" % (TARGETS - 1))
                self.assertFalse(os.path.exists(spool))
                d.signal(signal.SIGINT)
                d.signal(signal.SIGTERM)
                self.assertEqual(self.wait_exit(d), 0, d.output()[-3000:])
                pending, spooled = d.rrd_stats("pending", "spooled")
                self.assertEqual(pending, 0)
                self.assertNotIn("they are lost", d.output())
                self.assertNotIn("internal error", d.output())
                lines = 0
                if os.path.exists(spool):
                    with open(spool) as f:
                        lines = len(f.read().splitlines())
                self.assertEqual(lines, spooled)
                d.close()

    # ---- rrdcached hangs: the last writes never return ---------------------------------

    def notify_socket(self):
        """Plays systemd's end of sd_notify: returns the list its messages
        are appended to as they come, and the daemon's environment for it."""
        path = os.path.join(self.tmp, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(0.1)
        messages = []
        done = threading.Event()

        def read():
            # Read at once, as systemd does: a full queue would block the sender.
            while not done.is_set():
                try:
                    messages.append(sock.recv(4096).decode())
                except socket.timeout:
                    pass
        reader = threading.Thread(target=read, daemon=True)
        reader.start()

        def close():
            done.set()
            reader.join()
            sock.close()
        self.addCleanup(close)
        return messages, {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"}

    def hung_flush(self, first, second=None, args=()):
        """Stops the daemon with `first` while rrdcached is stopped (SIGSTOP)
        and points pile up, then sends `second` (or lets --stop-wait expire):
        exit 0, every point spooled or written, and all of them in the files
        after the next start. Meanwhile the loop keeps pinging systemd's
        watchdog."""
        self.rrdcached = Rrdcached(self.tmp, self.data)
        self.rrdcached.start()
        cfg = self.config(n_targets=TARGETS,
                          extra_daemon="rrdcached: %s" % self.rrdcached.address)
        notify, env = self.notify_socket()
        # At log level debug every result is a line: when the checks ran.
        d = self.daemon(cfg, args=("--log-level", "debug") + tuple(args), env=env)
        d.wait_log(r"conwy/web%d \(tcp\): UP" % (TARGETS - 1))
        wait_until(lambda: all(os.path.exists(path) for path in self.rrds()), 10,
                   what="files made through rrdcached")

        # rrdcached stops answering: the writer waits for ever on its next
        # write, and results pile up in memory.
        self.rrdcached.proc.send_signal(signal.SIGSTOP)

        def piled_up():
            d.signal(signal.SIGUSR1)
            return d.count(r"stats: ") and d.rrd_stats("pending")[0] >= 4 * TARGETS
        wait_until(piled_up, 20, interval=0.3, what="points piling up while rrdcached hangs")
        stopped = time.time()
        d.signal(first)
        d.wait_log(r"stopping \(%s\)" % first.name)
        # The last writes hang: only the second signal (or the wait's end)
        # stops it. The watchdog is still pinged, every 200 ms, meanwhile.
        self.assertIsNone(d.proc.poll())

        def pinged_while_stopping():
            seen = list(notify)
            stopping = next((i for i, m in enumerate(seen) if "STOPPING=1" in m), None)
            return stopping is not None and \
                sum("WATCHDOG=1" in m for m in seen[stopping:]) >= 2
        if second:
            wait_until(pinged_while_stopping, 10, interval=0.1,
                       what="watchdog pings while the last writes hang")
            d.signal(second)
        self.assertEqual(self.wait_exit(d), 0, d.output()[-3000:])
        out = d.output()
        self.assertRegex(out, r"rrd: writing \S+\.rrd has not finished after 500 ms; not waiting "
                              r"for it")
        self.assertRegex(out, r"stopping with \d+ points that could not be written; kept in "
                              r"\S+/unwritten-points\.tsv for the next start")
        pending, spooled, dropped = d.rrd_stats("pending", "spooled", "dropped")
        self.assertEqual((pending, dropped), (0, 0))
        self.assertGreaterEqual(spooled, 4 * TARGETS)
        # Every point the stop kept is in the spool, and the next start
        # queues each again (one line per RRD file of a point).
        spool = os.path.join(self.data, "unwritten-points.tsv")
        with open(spool) as f:
            lines = len(f.read().splitlines())
        self.assertEqual(lines, spooled)
        d.close()

        # rrdcached comes back; so does the daemon, and it writes what was kept.
        self.rrdcached.proc.send_signal(signal.SIGCONT)
        d2 = self.daemon(cfg, log_name="daemon2.log")
        d2.wait_log(r"rrd: [1-9]\d* points the last run did not write are queued again")
        replayed = int(re.search(r"rrd: (\d+) points the last run", d2.output())[1])
        self.assertTrue(lines / 2 <= replayed <= lines, (lines, replayed))
        d2.wait_log(r"conwy/web0 \(tcp\): UP")
        self.assertFalse(os.path.exists(os.path.join(self.data, "unwritten-points.tsv")))
        self.assertEqual(d2.stop()[0], 0)
        self.assertEqual(d2.rrd_stats("pending")[0], 0)
        self.rrdcached.stop(signal.SIGTERM)  # writes what it holds (-F)
        for i, path in enumerate(self.rrds()):
            results = d.results("conwy/web%d" % i)
            holes = rrd_holes(path, rrd_first_point(path), int(stopped) - 1, result_gaps(results))
            if holes:
                near = [r for r in results if any(abs(r[0] - t) < 4 for t, _ in holes)]
                lines = [line for line in (d.output() + d2.output()).splitlines()
                         if "rrd:" in line or "stopping" in line or "stats:" in line]
                self.fail("steps without a result in %s: %s\nresults near them: %s\n"
                          "rows: %s\nlogs:\n%s"
                          % (path, holes, near,
                             rrd_rows_between(path, holes[0][0] - 3, holes[-1][0] + 3),
                             "\n".join(lines)))
        return out

    def test_sigint_then_sigterm_while_rrdcached_hangs(self):
        out = self.hung_flush(signal.SIGINT, signal.SIGTERM)
        self.assertIn("SIGTERM while stopping: not waiting any longer for RRD writes", out)

    def test_sigterm_twice_while_rrdcached_hangs(self):
        out = self.hung_flush(signal.SIGTERM, signal.SIGTERM)
        self.assertIn("SIGTERM while stopping: not waiting any longer for RRD writes", out)

    def test_one_sigterm_and_the_stop_wait_expires(self):
        # systemd sends one SIGTERM, then SIGKILL after TimeoutStopSec: the
        # daemon stops waiting first.
        out = self.hung_flush(signal.SIGTERM, args=("--stop-wait", "1s"))
        self.assertIn("still writing after 1 s: not waiting any longer for RRD writes", out)


if __name__ == "__main__":
    main()
