"""Shared pieces of the integration tests: the build's programs, real local
servers on 127.0.0.1, a daemon under test, and RRD readers.

Only the Python standard library is used; everything listens on loopback.
"""

import datetime
import glob
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

BUILD_DIR = os.environ.get("GW_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
SOURCE_DIR = os.environ.get("GW_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
GWYLIWR = os.path.join(BUILD_DIR, "bin", "gwyliwr")
GWYLIWR_SIM = os.path.join(BUILD_DIR, "bin", "gwyliwr-sim")
SANITIZE = os.environ.get("GW_SANITIZE", "").upper() in ("ON", "1", "TRUE", "YES")

# Under ASan/UBSan everything is slower; waits scale with this.
SLOW = 3.0 if SANITIZE else 1.0

# How early a libuv timer may fire, in seconds, against a precise clock: the
# loop's clock is whole milliseconds, truncated, and read from
# CLOCK_MONOTONIC_COARSE where that ticks every millisecond or faster (a tick
# behind at most): the daemon's 1.5 s timeout can measure 1.498 s. The
# simulator waits out its delays on a precise clock, so a delay it promises is
# never shorter; the same margin covers the client measuring it.
TIMER_EARLY = 0.002

# A busy machine only makes a measured delay longer: of up to this many
# measurements, the best must be close to the truth.
BEST_OF = 10


def wakeup_lateness(samples=20, nap=0.010):
    """How late this process wakes up from a short sleep, now, in seconds (the
    90th percentile of `samples` naps). On a busy machine every process wakes
    about as late, so a delay measured across two of them (a server's timer,
    then the client reading its answer) may be up to twice this longer."""
    late = []
    for _ in range(samples):
        t0 = time.perf_counter()
        time.sleep(nap)
        late.append(time.perf_counter() - t0 - nap)
    late.sort()
    return late[int(0.9 * (samples - 1))]


def best_of(measure, good_enough):
    """Calls measure() until it returns a value good_enough() accepts, at most
    BEST_OF times; returns every value measured."""
    values = []
    while len(values) < BEST_OF and not (values and good_enough(min(values))):
        values.append(measure())
    return values


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    """Polls predicate() until it returns something true, and returns that.
    A file read while another process writes it (an RRD file being made, a
    log line half written) can fail to parse: that counts as not yet, and
    only the last such error is told if the time runs out."""
    deadline = time.monotonic() + timeout * SLOW
    error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (IndexError, KeyError, ValueError, OSError) as e:
            error, value = e, None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %.1f s waiting for %s%s"
                         % (timeout * SLOW, what, " (last: %r)" % error if error else ""))


class Listener:
    """A TCP server on 127.0.0.1 in a thread.

    mode: "open" (accept, send banner if any, close), "silent" (accept, never
    answer, keep the connection), "reset" (accept, then RST).
    """

    def __init__(self, mode="open", banner=None, port=0):
        self.mode = mode
        self.banner = banner
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.held = []
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            if self.mode == "silent":
                self.held.append(conn)
                continue
            if self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                conn.close()
                continue
            try:
                if self.banner:
                    conn.sendall(self.banner.encode())
            except OSError:
                pass
            conn.close()

    def close(self):
        self.stopped = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in self.held:
            c.close()
        self.thread.join(timeout=2)


class Daemon:
    """`gwyliwr run` on a configuration written into a temporary directory."""

    def __init__(self, workdir, config_text, name="gwyliwr.yaml", args=(), env=None,
                 log_name="daemon.log"):
        self.workdir = workdir
        self.config_path = os.path.join(workdir, name)
        self.write_config(config_text)
        self.log_path = os.path.join(workdir, log_name)
        self.log = open(self.log_path, "wb")
        extra = env or {}
        env = dict(os.environ)
        env.pop("JOURNAL_STREAM", None)
        env.pop("NOTIFY_SOCKET", None)
        env.update(extra)
        self.proc = subprocess.Popen([GWYLIWR, "run", "-c", self.config_path, *args],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     cwd=workdir)

    def write_config(self, text):
        tmp = self.config_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.config_path)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_log(self, pattern, timeout=10, count=1):
        rx = re.compile(pattern)
        return wait_until(lambda: len(rx.findall(self.output())) >= count, timeout,
                          what="log line /%s/ x%d; log so far:\n%s" % (pattern, count, self.output()[-3000:]))

    def count(self, pattern):
        return len(re.findall(pattern, self.output()))

    def results(self, target):
        """[(time, status)] of `target`'s ("council/id") results, time in
        seconds since the epoch and status "up", "down", ..., from the log
        (run the daemon at log level debug, where each result is a line)."""
        found = []
        for stamp, status in re.findall(
                r"(?m)^(\S+)Z \w+: %s \(\w+\): (?:\w+ -> )?(up|down|degraded|unknown)\b"
                % re.escape(target), self.output(), re.IGNORECASE):
            when = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f")
            found.append((when.replace(tzinfo=datetime.timezone.utc).timestamp(), status.lower()))
        return found

    def rrd_stats(self, *names):
        """Counters of the writer from the last stats line (SIGUSR1, and at the
        stop): written, pending, spooled, errors, dropped; those named, in order."""
        m = re.findall(r"rrd written (\d+) pending (\d+) spooled (\d+) errors (\d+) dropped (\d+)",
                       self.output())
        assert m, "no stats line in the log:\n" + self.output()[-2000:]
        stats = dict(zip(("written", "pending", "spooled", "errors", "dropped"),
                         (int(x) for x in m[-1])))
        return tuple(stats[n] for n in names)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10):
        """SIGTERM; returns (exit code, seconds it took)."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("daemon did not stop within %.0f s of SIGTERM:\n%s"
                                 % (timeout * SLOW, self.output()[-3000:]))
        return code, time.monotonic() - start

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def run(args, timeout=60, **kw):
    """Runs a program of the build; returns CompletedProcess with text output."""
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout * SLOW, **kw)


def stop_sim(proc):
    """SIGTERM to the simulator, and its exit code."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=10 * SLOW)
    finally:
        if proc.stdout:
            proc.stdout.close()


def rrd_lastupdate(path):
    """{ds: value or None} and the time of the last update, from rrdtool."""
    out = run(["rrdtool", "lastupdate", path]).stdout.strip().splitlines()
    names = out[0].split()
    stamp, values = out[-1].split(":", 1)
    vals = [None if v in ("U", "nan", "-nan") else float(v) for v in values.split()]
    return float(stamp), dict(zip(names, vals))


def rrd_info(path):
    info = {}
    for line in run(["rrdtool", "info", path]).stdout.splitlines():
        if " = " in line:
            k, v = line.split(" = ", 1)
            info[k] = v.strip('"')
    return info


def rrd_fetch(path, cf="AVERAGE", start="-300", end="now", resolution=None):
    """[(time, {ds: value or None})] rows from rrdtool fetch."""
    args = ["rrdtool", "fetch", path, cf, "-s", start, "-e", end]
    if resolution:
        args += ["-r", str(resolution)]
    out = run(args).stdout.splitlines()
    names = out[0].split()
    rows = []
    for line in out[2:]:
        if ":" not in line:
            continue
        t, vals = line.split(":", 1)
        parsed = []
        for v in vals.split():
            try:
                f = float(v)
                parsed.append(None if f != f else f)
            except ValueError:
                parsed.append(None)
        rows.append((int(t), dict(zip(names, parsed))))
    return rows


def start_sim(workdir, scenario_text):
    """Starts the simulator on `scenario_text` with certificates in workdir/certs;
    returns (process, {listener: port})."""
    scenario = os.path.join(workdir, "scenario.yaml")
    with open(scenario, "w") as f:
        f.write(scenario_text)
    log = open(os.path.join(workdir, "sim.log"), "wb")
    proc = subprocess.Popen([GWYLIWR_SIM, "-c", scenario, "--cert-dir",
                             os.path.join(workdir, "certs"), "--make-certs"],
                            stdout=subprocess.PIPE, stderr=log)
    log.close()
    buf = b""
    deadline = time.monotonic() + 30 * SLOW
    while b"ready\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            proc.kill()
            raise AssertionError("the simulator did not get ready: %r" % buf)
        r, _, _ = select.select([proc.stdout], [], [], left)
        if r:
            buf += os.read(proc.stdout.fileno(), 4096)
    ports = {}
    for line in buf.decode().splitlines():
        if line == "ready":
            break
        name, _, addr = line.split()
        ports[name] = int(addr.rsplit(":", 1)[1])
    return proc, ports


def sim_control(port, method, path, body=None):
    """A request to the simulator's control endpoint at `port` ("/control/...");
    returns the reply's JSON (None when empty), or fails when it is not a success."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5 * SLOW)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    if resp.status >= 300:
        raise AssertionError("%s %s: HTTP %d %r" % (method, path, resp.status, data))
    return json.loads(data) if data else None


WEB_TOOLS = os.path.join(SOURCE_DIR, "tests", "web")


def web_tools():
    """The directory of the web tests' npm packages (tests/web), installed from
    its lockfile with `npm ci` when missing; None when node or npm is absent."""
    import fcntl
    if not shutil.which("node") or not shutil.which("npm"):
        return None
    stamp = os.path.join(WEB_TOOLS, "node_modules", ".package-lock.json")
    with open(os.path.join(WEB_TOOLS, "package-lock.json"), "rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # tests running at once install once
        if not os.path.exists(stamp):
            subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                           cwd=WEB_TOOLS, check=True, stdout=subprocess.DEVNULL,
                           env=dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1"))
    return WEB_TOOLS


def http_get(port, path, headers=None, host="127.0.0.1", timeout=10):
    """(status, headers dict with lower-case names, body bytes) of GET path, sent as is."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout * SLOW)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def rrd_rows_between(path, first, last):
    """The full-resolution rows (step, values) from first to last, inclusive."""
    rows = rrd_fetch(path, start=str(int(first) - 1), end=str(int(last)), resolution=1)
    return [(t, v) for t, v in rows if first <= t <= last]


def rrd_first_point(path):
    """The step of a file's first result: the file starts one step before it."""
    first = run(["rrdtool", "first", path, "--rraindex", "0"])
    rows = [t for t, v in rrd_fetch(path, start=first.stdout.strip(), end="now", resolution=1)
            if v.get("up") is not None]
    if not rows:
        raise AssertionError("%s holds no result (rrdtool first: %r %r; info: %r)"
                             % (path, first.stdout, first.stderr, rrd_info(path)))
    return min(rows)


def rrd_holes(path, first, last, excused=()):
    """The 1 s steps of `path` from first to last without an `up` of 1,
    except within an `excused` (start, end) interval of time (see
    result_gaps)."""
    rows = rrd_rows_between(path, first, last)
    if len(rows) < last - first:
        raise AssertionError("%s has %d steps from %d to %d" % (path, len(rows), first, last))
    return [(t, v.get("up")) for t, v in rows if v.get("up") != 1.0
            and not any(a - 1 <= t <= b + 1 for a, b in excused)]


def assert_no_hole(test, path, first, last, excused=()):
    """Every 1 s step of `path` from first to last holds an `up` of 1: nothing
    was lost (but where `excused`, see rrd_holes)."""
    test.assertEqual(rrd_holes(path, first, last, excused), [],
                     "steps without a result in %s (excused: %s)" % (path, excused))


def result_gaps(results, longest=1.9):
    """From Daemon.results(): the (start, end) intervals of time when a file
    at a 1 s step cannot show an `up` of 1 although nothing was lost: between
    successive results further apart than `longest` seconds (RRD leaves that
    unknown), and around a result that was not up."""
    gaps = [(a, b) for (a, _), (b, _) in zip(results, results[1:]) if b - a > longest]
    gaps += [(t - 1, t + 1) for t, status in results if status != "up"]
    return sorted(gaps)


class Rrdcached:
    """rrdcached in the foreground on a unix socket, over `base`, writing only
    when told (FLUSH) or when it stops (-F)."""

    def __init__(self, workdir, base):
        self.dir = tempfile.mkdtemp(prefix="rrdcached-", dir=workdir)
        self.base = base
        self.sock = os.path.join(self.dir, "sock")
        self.address = "unix:" + self.sock
        self.proc = None

    def start(self):
        journal = os.path.join(self.dir, "journal")
        os.makedirs(journal, exist_ok=True)
        self.proc = subprocess.Popen(
            ["rrdcached", "-g", "-l", self.address, "-b", self.base, "-B", "-R", "-F",
             "-w", "3600", "-f", "7200", "-p", os.path.join(self.dir, "pid"), "-j", journal,
             "-o", os.path.join(self.dir, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def answers():
            if self.proc.poll() is not None:
                raise AssertionError("rrdcached exited with %d" % self.proc.returncode)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
                return c.connect_ex(self.sock) == 0
        wait_until(answers, 10, what="rrdcached to answer")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        self.proc = None


class Simulator:
    """gwyliwr-sim (start_sim) on a scenario (YAML text) with a control
    listener named `control`; ports[name] is each listener's port."""

    def __init__(self, workdir, scenario_text):
        self.proc, self.ports = start_sim(workdir, scenario_text)

    def control(self, method, path, body=None):
        """A request to the control endpoint (answered once it has taken effect);
        returns the reply's JSON (None when empty)."""
        return sim_control(self.ports["control"], method, "/control/" + path, body)

    def close(self):
        if self.proc.poll() is not None:
            self.proc.stdout.close()
            return
        try:
            stop_sim(self.proc)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


RECEIVER = r"""#!/usr/bin/env python3
# One notification of gwyliwr's exec notifier: its environment and input,
# written as one JSON file; `mode` in the directory says how to answer.
import json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
body = sys.stdin.read()
env = {k: v for k, v in os.environ.items() if k.startswith("GWYLIWR_")}
mode = open(os.path.join(here, "mode")).read().strip() if os.path.exists(os.path.join(here, "mode")) else "ok"
name = "%.6f-%d" % (time.time(), os.getpid())
tmp = os.path.join(here, "in", name + ".tmp")
with open(tmp, "w") as f:
    json.dump({"env": env, "input": json.loads(body), "argv": sys.argv[1:], "mode": mode,
               "pid": os.getpid(), "time": time.time()}, f)
os.rename(tmp, os.path.join(here, "in", name + ".json"))
if mode == "hang":
    time.sleep(3600)
if mode.startswith("exit "):
    sys.stderr.write("receiver refuses\n")
    sys.exit(int(mode.split()[1]))
print("received " + env.get("GWYLIWR_NOTIFICATION_ID", "?"))
"""


class ExecReceiver:
    """A program for the exec notifier that records every notification it is
    given (environment and input) in a directory; set_mode("ok" | "hang" |
    "exit N") says how the next ones answer."""

    def __init__(self, workdir, name="receiver"):
        self.dir = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.dir, "in"))
        self.program = os.path.join(self.dir, "receive.py")
        with open(self.program, "w") as f:
            f.write(RECEIVER)
        os.chmod(self.program, 0o755)

    def set_mode(self, mode):
        with open(os.path.join(self.dir, "mode"), "w") as f:
            f.write(mode)

    def received(self):
        """Every notification received, oldest first: {"env", "input", ...}."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "in", "*.json"))):
            with open(path) as f:
                out.append(json.load(f))
        return out

    def events(self, **match):
        """The events of all notifications received whose fields equal `match`."""
        found = []
        for n in self.received():
            for e in n["input"]["events"]:
                if all(e.get(k) == v for k, v in match.items()):
                    found.append(e)
        return found

    def wait(self, count=1, timeout=20, **match):
        """Waits until at least `count` events match; returns them."""
        return wait_until(lambda: len(self.events(**match)) >= count and self.events(**match),
                          timeout, what="%d notified events like %r; received %r"
                          % (count, match, [(e["target"], e["kind"], e["state"])
                                            for e in self.events()]))

    def kill_hung(self):
        """Kills receivers left hanging (they run in a session of their own)."""
        for n in self.received():
            if n["mode"] == "hang":
                try:
                    os.kill(n["pid"], signal.SIGKILL)
                except ProcessLookupError:
                    pass


def read_events(data_dir):
    """The lines of <data_dir>/events.jsonl (and its rotated files), oldest first."""
    lines = []
    paths = sorted(glob.glob(os.path.join(data_dir, "events.jsonl.*")),
                   key=lambda p: -int(p.rsplit(".", 1)[1]))
    for path in paths + [os.path.join(data_dir, "events.jsonl")]:
        if os.path.exists(path):
            with open(path) as f:
                lines += [json.loads(line) for line in f if line.strip()]
    return lines


class TestCase(unittest.TestCase):
    """Gives each test a temporary directory, removed afterwards."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gwtest-")
        self.daemons = []
        self.listeners = []

    def tearDown(self):
        for d in self.daemons:
            d.close()
        for listener in self.listeners:
            listener.close()
        if os.environ.get("GW_KEEP_TMP"):
            print("kept", self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def listener(self, *a, **kw):
        listener = Listener(*a, **kw)
        self.listeners.append(listener)
        return listener

    def daemon(self, config_text, **kw):
        d = Daemon(self.tmp, config_text, **kw)
        self.daemons.append(d)
        return d


class SimulatorTestCase(TestCase):
    """A TestCase whose class shares one simulator (self.sim, a Simulator)
    playing `scenario` (YAML text with a control listener named control);
    before each test the overrides of the listeners named in `reset` are
    removed, so each test starts from the scenario as written."""

    scenario = None
    reset = ()

    @classmethod
    def setUpClass(cls):
        import shutil
        cls.simdir = tempfile.mkdtemp(prefix="gwtest-sim-")
        # Class cleanups run, last first, even when a setUpClass fails part way.
        cls.addClassCleanup(shutil.rmtree, cls.simdir, ignore_errors=True)
        cls.sim = Simulator(cls.simdir, cls.scenario)
        cls.addClassCleanup(cls.sim.close)

    def setUp(self):
        super().setUp()
        for name in self.reset:
            try:
                self.sim.control("DELETE", name)
            except AssertionError:
                pass  # nothing to remove


def tcp_config(data_dir, port, council, n_targets=1, interval="1s", extra_daemon="",
               write_delay=None, listen=""):
    """A configuration of n_targets tcp targets web0, web1, ... of `council`,
    all on 127.0.0.1:port, storing in data_dir; extra_daemon: more lines of
    the daemon section; write_delay: daemon.rrd_write_delay (None: the
    default); listen: the web server's address."""
    # No web server unless asked: these daemons test storage. (Its history
    # reads RRD files with librrd, whose read lock makes a concurrent write
    # of rrdcached 1.7.2 fail, and rrdcached drops the values it was writing.)
    lines = ["daemon:", "  data_dir: %s" % data_dir, "  log_level: info",
             '  listen: "%s"' % listen]
    if write_delay is not None:
        lines.append("  rrd_write_delay: %s" % write_delay)
    lines += ["  " + line for line in extra_daemon.splitlines() if line]
    lines += ["defaults:", "  interval: %s" % interval, "  timeout: 800ms",
              "councils:", "  - id: %s" % council, "    targets:"]
    for i in range(n_targets):
        lines.append("      - {id: web%d, check: tcp, host: 127.0.0.1, port: %d}" % (i, port))
    return "\n".join(lines) + "\n"


class StorageTestCase(TestCase):
    """A data directory, a listener that accepts (self.open), and
    self.rrdcached, killed at the end if a test started one."""

    council = "caerphilly"

    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.tmp, "data")
        os.makedirs(self.data)
        self.open = self.listener("open")
        self.rrdcached = None

    def tearDown(self):
        if self.rrdcached:
            self.rrdcached.stop(signal.SIGKILL)
        super().tearDown()

    def config(self, **kw):
        """tcp_config for this test's directory and listener. Results are
        written as they come unless write_delay says otherwise: these tests
        watch the files while the daemon runs."""
        kw.setdefault("write_delay", "0s")
        return tcp_config(self.data, self.open.port, self.council, **kw)

    def rrd(self, target="web0", spread=False):
        return os.path.join(self.data, self.council,
                            target + (".spread.rrd" if spread else ".rrd"))


def main():
    unittest.main(verbosity=2)


__all__ = ["BUILD_DIR", "SOURCE_DIR", "GWYLIWR", "GWYLIWR_SIM", "SLOW", "free_port", "wait_until",
           "Listener", "Daemon", "Simulator", "SimulatorTestCase", "ExecReceiver", "read_events",
           "run", "start_sim",
           "stop_sim", "sim_control", "web_tools", "http_get",
           "rrd_lastupdate", "rrd_info", "rrd_fetch", "TestCase", "Rrdcached", "rrd_rows_between",
           "rrd_first_point", "assert_no_hole", "StorageTestCase", "tcp_config", "TIMER_EARLY",
           "BEST_OF", "best_of", "wakeup_lateness", "result_gaps", "rrd_holes",
           "main", "json", "os", "time", "signal"]
