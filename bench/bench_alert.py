#!/usr/bin/env python3
"""Alerting benchmark: an alert storm. Many tcp targets (127.0.0.1 only) all
fail within one interval, when their listeners go away, and recover within
the next, when they come back; two exec notifiers (one grouping everything,
one grouping by council) receive what the daemon owes.

Measures, in one run on this machine, against a baseline window of the same
run where nothing changes:
  * events written to events.jsonl per second (peak second, and on average
    over the storm);
  * CPU of the daemon per event: the storm's CPU less what its checks cost
    at the baseline's CPU per check (the storm has more: retries), over the
    events written; and how much of it the loop thread spent;
  * scheduling lateness p99 during the storm, next to the baseline's
    (goal < 50 ms);
  * messages sent per notifier (goal: a handful);
  * the daemon's memory high-water mark (VmHWM), next to its RSS before.

RRD storage is off (daemon.storage: none): storage has its own benchmark.

Usage: bench/bench_alert.py [--build build] [--targets 10000] [--interval 60s]
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from benchlib import cpu_seconds, load_average, start_sink, status_kib, stop, write_councils

HERE = os.path.dirname(os.path.abspath(__file__))

RECEIVER = r"""#!/usr/bin/env python3
import json, os, sys
n = len(json.load(sys.stdin)["events"])
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "received"), "a") as f:
    f.write("%s %d\n" % (os.environ["GWYLIWR_NOTIFICATION_ID"], n))
"""


def write_config(path, data_dir, receiver, n, ports, interval):
    with open(path, "w") as f:
        f.write("daemon: {data_dir: %s, storage: none, listen: \"\", log_level: notice,\n"
                "         max_in_flight: 1024, max_per_host: 64}\n" % data_dir)
        f.write("notifiers:\n"
                "  - {id: ops, type: exec, command: [%s]}\n"
                "  - {id: councils, type: exec, command: [%s], group_by: council}\n"
                % (receiver, receiver))
        f.write("defaults: {interval: %s, timeout: 5s, notify: [ops, councils]}\n" % interval)
        write_councils(f, n, ports)


class Log:
    """The daemon's log: SIGUSR1 reports, read back."""

    def __init__(self, path, proc):
        self.path, self.proc = path, proc

    def text(self):
        with open(self.path, errors="replace") as f:
            return f.read()

    def report(self):
        """Asks for a report; returns (scheduler line, alert line)."""
        before = self.text().count("stats:")
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while self.text().count("stats:") < before + 2:
            if time.monotonic() > deadline:
                sys.exit("no stats report:\n" + self.text()[-2000:])
            time.sleep(0.05)
        lines = [l for l in self.text().splitlines() if "stats:" in l]
        return lines[-2], lines[-1]


def num(pattern, line):
    m = re.search(pattern, line)
    return float(m.group(1)) if m else float("nan")


def state_lines(data_dir, to):
    n = 0
    for path in glob.glob(os.path.join(data_dir, "events.jsonl*")):
        with open(path) as f:
            for line in f:
                if '"kind":"state"' in line and '"to":"%s"' % to in line:
                    n += 1
    return n


def wait_for(what, predicate, timeout):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            sys.exit("timed out waiting for " + what)
        time.sleep(0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--targets", type=int, default=10000)
    ap.add_argument("--interval", default="60s")
    ap.add_argument("--listeners", type=int, default=20)
    ap.add_argument("--keep", action="store_true", help="keep the daemon's files, and say where")
    args = ap.parse_args()
    interval_s = int(args.interval.rstrip("s"))

    gwyliwr = os.path.join(args.build, "bin", "gwyliwr")
    sink_bin = os.path.join(args.build, "bench", "tcp_sink")
    tmp = tempfile.mkdtemp(prefix="gwbench-alert-")
    data = os.path.join(tmp, "data")
    receiver = os.path.join(tmp, "receive.py")
    with open(receiver, "w") as f:
        f.write(RECEIVER)
    os.chmod(receiver, 0o755)
    sink, ports = start_sink(sink_bin, [0] * args.listeners)
    daemon = None
    load_start = load_average()
    try:
        cfg = os.path.join(tmp, "bench.yaml")
        write_config(cfg, data, receiver, args.targets, ports, args.interval)
        log_path = os.path.join(tmp, "daemon.log")
        daemon = subprocess.Popen([gwyliwr, "run", "-c", cfg], stdout=open(log_path, "w"),
                                  stderr=subprocess.STDOUT)
        log = Log(log_path, daemon)
        # every target up once (its first UP is a line told to nobody)
        wait_for("the first round of checks", lambda: state_lines(data, "up") >= args.targets,
                 interval_s * 3)

        # Baseline: one interval where nothing changes.
        started0 = num(r"(\d+) checks started", log.report()[0])
        cpu0, t0 = cpu_seconds(daemon.pid), time.monotonic()
        time.sleep(interval_s)
        sched, _ = log.report()
        base_cpu_s = (cpu_seconds(daemon.pid) - cpu0) / (time.monotonic() - t0)
        base_checks = num(r"(\d+) checks started", sched) - started0
        base_cpu_per_check = (cpu_seconds(daemon.pid) - cpu0) / base_checks
        base_p99 = num(r"p99 ([\d.]+) ms", sched)
        rss_before = status_kib(daemon.pid, "VmRSS")

        # The storm: every listener goes away, then comes back a minute later.
        lines_before = sum(1 for _ in open(os.path.join(data, "events.jsonl")))
        started0 = num(r"(\d+) checks started", sched)
        cpu0, t0 = cpu_seconds(daemon.pid), time.monotonic()
        loop0 = cpu_seconds(daemon.pid, daemon.pid)
        stop(sink)
        wait_for("every target DOWN", lambda: state_lines(data, "down") >= args.targets,
                 interval_s * 4)
        down_s = time.monotonic() - t0
        time.sleep(max(0.0, interval_s - down_s))
        sink, _ = start_sink(sink_bin, ports)
        wait_for("every target UP again",
                 lambda: state_lines(data, "up") >= 2 * args.targets, interval_s * 4)
        storm_s = time.monotonic() - t0
        sched, _ = log.report()
        storm_cpu = cpu_seconds(daemon.pid) - cpu0
        storm_loop_cpu = cpu_seconds(daemon.pid, daemon.pid) - loop0
        storm_checks = num(r"(\d+) checks started", sched) - started0
        storm_p99 = num(r"p99 ([\d.]+) ms", sched)
        storm_max = num(r"max ([\d.]+) ms", sched)
        # what was owed goes out (group_wait, then delivery)
        wait_for("every notification delivered",
                 lambda: num(r"([\d]+) owed now", log.report()[1]) == 0, 120)
        hwm = status_kib(daemon.pid, "VmHWM")
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)

        events = []
        with open(os.path.join(data, "events.jsonl")) as f:
            events = [json.loads(line) for line in f][lines_before:]
        storm = [e for e in events if e["kind"] in ("state", "delivery")]
        per_second = {}
        for e in storm:
            per_second[e["time_ms"] // 1000] = per_second.get(e["time_ms"] // 1000, 0) + 1
        span_s = (storm[-1]["time_ms"] - storm[0]["time_ms"]) / 1000 if storm else 0
        messages = {}
        for e in events:
            if e["kind"] == "delivery" and e["outcome"] == "sent":
                messages.setdefault(e["notifier"], []).append(len(e["events"]))
        checks_cpu = base_cpu_per_check * storm_checks
        cpu_per_event_us = (storm_cpu - checks_cpu) / len(storm) * 1e6

        print("gwyliwr alert storm: %d tcp targets at %s, all failing within one interval and "
              "recovering within the next; 2 exec notifiers" % (args.targets, args.interval))
        print("  events written in the storm   %d (%d DOWN, %d UP, %d deliveries) over %.0f s"
              % (len(storm), sum(1 for e in storm if e.get("to") == "down"),
                 sum(1 for e in storm if e.get("to") == "up"),
                 sum(1 for e in storm if e["kind"] == "delivery"), span_s))
        print("  events per second             peak %d, average %.0f"
              % (max(per_second.values()), len(storm) / span_s if span_s else 0))
        print("  CPU in the storm              %.2f s (%.2f s on the loop thread) in %.0f s, for %d "
              "events and %d checks" % (storm_cpu, storm_loop_cpu, storm_s, len(storm),
                                        storm_checks))
        print("  CPU per event, all included   %.0f us   (the storm's CPU over its events, the "
              "checks' too)" % (storm_cpu / len(storm) * 1e6))
        print("  CPU per event, checks apart   %s   (the checks at the baseline's %.0f us each)"
              % ("%.0f us" % cpu_per_event_us if cpu_per_event_us > 0 else "lost in the noise",
                 base_cpu_per_check * 1e6))
        print("  lateness p99                  storm %.2f ms (max %.2f ms), baseline %.2f ms   "
              "(goal < 50 ms)" % (storm_p99, storm_max, base_p99))
        for n in sorted(messages):
            sizes = messages[n]
            print("  messages to %-17s %d, of %d to %d events each (%d in all)"
                  % (n, len(sizes), min(sizes), max(sizes), sum(sizes)))
        print("  memory                        RSS before %.1f MB, high-water mark %.1f MB"
              % (rss_before / 1024, hwm / 1024))
        print("  load average                  %.2f at the start, %.2f at the end"
              % (load_start, load_average()))
    finally:
        if daemon and daemon.poll() is None:
            daemon.kill()
        if sink.poll() is None:
            stop(sink)
        if args.keep:
            print("  files kept in                 " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
