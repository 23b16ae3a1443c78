"""The daemon as systemd sees it: sd_notify messages (READY, RELOADING then
READY, STOPPING, watchdog pings from the loop) on a NOTIFY_SOCKET we own, and
journald priority prefixes when stderr is the journal stream."""

import os
import signal
import socket
import subprocess

from gwtest import GWYLIWR, SLOW, TestCase, main, wait_until


class ServiceTest(TestCase):
    def write_config(self, extra=""):
        listener = self.listener("open")
        path = os.path.join(self.tmp, "c.yaml")
        with open(path, "w") as f:
            f.write("daemon:\n  data_dir: %s/data\ndefaults:\n  interval: 1s\n  timeout: 500ms\n"
                    "councils:\n  - id: cardiff\n    targets:\n"
                    "      - {id: web, check: tcp, host: 127.0.0.1, port: %d}\n%s"
                    % (self.tmp, listener.port, extra))
        return path

    def test_notify_protocol_and_watchdog(self):
        path = self.write_config()
        sock_path = os.path.join(self.tmp, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        sock.settimeout(0.2)
        messages = []

        def drain():
            while True:
                try:
                    messages.append(sock.recv(4096).decode())
                except socket.timeout:
                    return

        log = open(os.path.join(self.tmp, "log"), "wb")
        env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="400000")
        env.pop("JOURNAL_STREAM", None)
        proc = subprocess.Popen([GWYLIWR, "run", "-c", path], stdout=log, stderr=log, env=env)
        try:
            def seen(text):
                drain()
                return any(text in m for m in messages)
            wait_until(lambda: seen("READY=1"), 10, what="READY=1")
            # Pings every half watchdog interval, from the loop.
            before = sum("WATCHDOG=1" in m for m in messages)

            def pinged():
                drain()
                return sum("WATCHDOG=1" in m for m in messages) - before >= 3
            wait_until(pinged, 3, what="three watchdog pings")

            messages.clear()
            proc.send_signal(signal.SIGHUP)
            wait_until(lambda: seen("READY=1"), 10, what="READY=1 after the reload")
            reloading = [i for i, m in enumerate(messages) if "RELOADING=1" in m]
            ready = [i for i, m in enumerate(messages) if "READY=1" in m]
            self.assertTrue(reloading and ready and reloading[0] < ready[-1], messages)

            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10 * SLOW), 0)
            drain()
            self.assertTrue(any("STOPPING=1" in m for m in messages), messages)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
            sock.close()

    def test_journal_priority_prefixes(self):
        path = self.write_config()
        log_path = os.path.join(self.tmp, "journal")
        log = open(log_path, "wb")
        st = os.fstat(log.fileno())
        env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
        env.pop("NOTIFY_SOCKET", None)
        proc = subprocess.Popen([GWYLIWR, "run", "-c", path, "--for", "2s"], stdout=log,
                                stderr=log, env=env)
        self.assertEqual(proc.wait(timeout=20 * SLOW), 0)
        log.close()
        lines = open(log_path).read().splitlines()
        self.assertTrue(lines)
        # "<5>" notice for start and stop, "<6>" info for the first UP; no timestamps.
        self.assertTrue(any(l.startswith("<5>gwyliwr ") for l in lines), lines)
        self.assertTrue(any(l.startswith("<6>cardiff/web (tcp): UP") for l in lines), lines)
        self.assertFalse(any(l[:1].isdigit() for l in lines), lines)

    def test_plain_logs_have_timestamps_when_not_under_systemd(self):
        path = self.write_config()
        env = dict(os.environ)
        env.pop("JOURNAL_STREAM", None)
        r = subprocess.run([GWYLIWR, "run", "-c", path, "--for", "1500ms"], env=env,
                           capture_output=True, text=True, timeout=20 * SLOW)
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stderr, r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z notice: gwyliwr ")


if __name__ == "__main__":
    main()
