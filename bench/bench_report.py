#!/usr/bin/env python3
"""Report benchmark: how long `gwyliwr report` takes for last month over 22
councils of --targets targets each (25 by default: 550 targets), from the
daemon's RRD files (60 s steps, the daemon's archives, so last month is read
from the hourly tier as in production) and from an event log holding a year
of state changes and deliveries, made here in a temporary directory.

Measured:
  - start-up and configuration alone (`gwyliwr check-config`), the floor of
    any command;
  - the report from the event log (every target in it; the log read whole);
  - the report from the RRD files alone (no event log: every file read);
  - the same in HTML and in Welsh;
  - the baseline of reading those RRD files: `rrdtool -` fetching the same
    month from every file in one process (librrd's reading, plus printing).
Each is the median of --runs runs, as wall time and as CPU time (user +
system), the steadier figure on a shared machine.
Goal: a monthly report for 22 councils x 25 targets in under 2 s.

Usage: bench/bench_report.py [--build build] [--targets 25] [--runs 5] [--keep]
"""

import argparse
import calendar
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)

from bench_graph import WELSH_COUNCILS  # noqa: E402
from test_graph import STEP, TCP_DS, rrd_create, rrd_update, target_rows  # noqa: E402

CATEGORIES = ["digital-services", "democracy", "connectivity", "data", "ev-charging"]
VARIANTS = 25  # distinct files made with rrdtool; councils share them in turn


def last_month(now):
    y, m = time.gmtime(now)[:2]
    y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return y, m


def make_estate(workdir, per_council, seed=5):
    rng = random.Random(seed)
    data = os.path.join(workdir, "data")
    os.makedirs(data)
    now = int(time.time()) // STEP * STEP
    year, month = last_month(now)
    # From a day before the month (UTC or BST, either way) to now.
    start = (calendar.timegm((year, month, 1, 0, 0, 0)) - 86400) // STEP * STEP
    minutes = (now - start) // STEP
    times = [start + (m + 1) * STEP for m in range(minutes)]
    variants = []
    for v in range(VARIANTS):
        a, b = rng.randrange(minutes - 200), rng.randrange(minutes - 200)
        pattern = {"outage": (a, a + rng.randrange(2, 120)), "degraded": (b, b + rng.randrange(5, 90))}
        path = os.path.join(workdir, "variant%d.rrd" % v)
        rrd_create(path, TCP_DS, start)
        rrd_update(path, target_rows("tcp", TCP_DS, times, rng, **pattern), chunk=20000)
        variants.append((path, pattern))
    councils = []
    for ci, (cid, name, name_cy) in enumerate(WELSH_COUNCILS):
        os.makedirs(os.path.join(data, cid))
        targets = []
        for k in range(per_council):
            tid = "service%02d" % k
            path, pattern = variants[(ci + k) % VARIANTS]
            shutil.copyfile(path, os.path.join(data, cid, tid + ".rrd"))
            targets.append((tid, pattern))
        councils.append((cid, name, name_cy, targets))
    config = os.path.join(workdir, "gwyliwr.yaml")
    with open(config, "w") as f:
        f.write("daemon:\n  data_dir: %s\n  listen: \"\"\ndefaults:\n  sla: 99.9%%\n"
                "  host: 127.0.0.1\n  port: 9\ncouncils:\n" % data)
        for cid, name, name_cy, targets in councils:
            f.write("  - id: %s\n    name: %s\n    name_cy: %s\n    targets:\n"
                    % (cid, name, name_cy))
            for k, (tid, _) in enumerate(targets):
                f.write("      - {id: %s, check: tcp, category: %s%s}\n"
                        % (tid, CATEGORIES[k % len(CATEGORIES)],
                           ", parity_with: service00, language: cy" if k == 1 else ""))
    write_events(data, councils, start, now, rng)
    return config, data, "%04d-%02d" % (year, month), start, now


def write_events(data, councils, start, now, rng):
    """A year of history, in time order: the month's outages as the files have
    them, and four outages a month of each target before, each change with two
    delivery attempts."""
    year_ago = now - 365 * 86400
    old, live = [], []

    def outage(out, target, a, b, reason):
        # Outages of a target may not overlap: each is kept within its own stretch.
        for t, frm, to in ((a, "up", "down"), (b, "down", "up")):
            out.append((t, {"kind": "state", "target": target, "council": target.split("/")[0],
                            "check": "tcp", "from": frm, "to": to,
                            "reason": reason if to == "down" else None,
                            "sentence": "connection refused", "figures": {"latency": 0.2},
                            "since_ms": 0, "cause": None, "cause_target": None,
                            "notify": ["oncall"]}))
            for attempt in (1, 2):
                out.append((t + attempt, {"kind": "delivery", "notifier": "oncall",
                                          "attempt": attempt, "message": "",
                                          "outcome": "sent" if attempt == 2 else "failed"}))

    old.append((year_ago, {"kind": "start", "version": "0.1.0"}))
    stretch = (start - 7200 - year_ago) // 48
    for cid, _, _, targets in councils:
        for tid, pattern in targets:
            target = "%s/%s" % (cid, tid)
            old.append((year_ago + 60, {"kind": "state", "target": target, "from": "pending",
                                        "to": "up", "reason": None}))
            for k in range(48):
                a = year_ago + 3600 + k * stretch + rng.randrange(stretch - 7200)
                outage(old, target, a, a + rng.randrange(60, 3600), "timeout")
            a, b = pattern["outage"]
            outage(live, target, start + a * STEP, start + b * STEP, "connect_refused")
    seq = 0
    for name, lines in (("events.jsonl.1", old), ("events.jsonl", live)):
        lines.sort(key=lambda x: x[0])
        with open(os.path.join(data, name), "w") as f:
            for t, line in lines:
                seq += 1
                line.update({"v": 1, "seq": seq, "time_ms": int(t * 1000)})
                f.write(json.dumps(line) + "\n")


def timed(args, runs, stdin=None):
    """Median wall time and median CPU time (user + system) of the command, in ms:
    on a shared machine the CPU time is the steadier figure."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run(args, input=stdin, capture_output=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if r.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(args), r.stderr.decode()))
    return statistics.median(walls) * 1000.0, statistics.median(cpus) * 1000.0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--targets", type=int, default=25, help="targets per council")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the data")
    opts = ap.parse_args()
    gwyliwr = os.path.join(opts.build, "bin", "gwyliwr")
    if not os.access(gwyliwr, os.X_OK):
        sys.exit("no %s: build first" % gwyliwr)
    workdir = tempfile.mkdtemp(prefix="gwbench-report-")
    try:
        t0 = time.perf_counter()
        config, data, month, start, now = make_estate(workdir, opts.targets)
        n_targets = 22 * opts.targets
        size = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data)
                   if f.startswith("events"))
        with open(os.path.join(data, "events.jsonl.1")) as f:
            lines = sum(1 for _ in f)
        print("estate: 22 councils x %d targets, a month of 60 s rows in the daemon's archives, "
              "%d event lines (%.1f MB) over a year; made in %.0f s"
              % (opts.targets, lines, size / 1e6, time.perf_counter() - t0))
        base, base_cpu = timed([gwyliwr, "check-config", "-c", config], opts.runs)
        report = [gwyliwr, "report", "-c", config, "--month", month, "-o", os.devnull]
        rows = [("start-up and configuration (check-config)", base, base_cpu)]
        for label, extra in (("report %s from the event log, JSON" % month, ["--format", "json"]),
                             ("the same, HTML in Welsh", ["--format", "html", "--lang", "cy"]),
                             ("the same, terminal table", ["--format", "table"])):
            med, cpu = timed(report + extra, opts.runs)
            rows.append((label, med, cpu))
        for f in ("events.jsonl", "events.jsonl.1"):
            os.rename(os.path.join(data, f), os.path.join(workdir, f))
        med_rrd, cpu_rrd = timed(report + ["--format", "json"], opts.runs)
        rows.append(("report %s from the RRD files alone, JSON" % month, med_rrd, cpu_rrd))
        y, m = map(int, month.split("-"))
        first = calendar.timegm((y, m, 1, 0, 0, 0)) - 3600
        last = calendar.timegm((y + (m == 12), m % 12 + 1, 1, 0, 0, 0))
        script = "".join("fetch %s AVERAGE -s %d -e %d\n" % (os.path.join(data, c[0], "service%02d.rrd" % k), first, last)
                         for c in WELSH_COUNCILS for k in range(opts.targets))
        floor, floor_cpu = timed(["rrdtool", "-"], opts.runs, stdin=script.encode())
        rows.append(("rrdtool fetching the same month of %d files" % n_targets, floor, floor_cpu))
        print("%-58s %10s %10s" % ("", "wall", "CPU"))
        for label, med, cpu in rows:
            print("%-58s %7.0f ms %7.0f ms" % (label, med, cpu))
        print("RRD report / rrdtool fetch (CPU): %.2fx; per target: %.2f ms of CPU (goal: the "
              "whole report under 2000 ms)" % (cpu_rrd / floor_cpu, cpu_rrd / n_targets))
        if opts.keep:
            print("kept", workdir)
    finally:
        if not opts.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
