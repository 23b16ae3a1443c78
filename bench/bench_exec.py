#!/usr/bin/env python3
"""exec benchmark: the daemon running a Monitoring Plugin (check_dummy) as
many exec checks, next to a bare libuv program spawning the same command at
the same rate (bench/bare_spawn), in the same run.

Measures the CPU time per run of the daemon itself (everything it adds to
uv_spawn: scheduling, the process group, the timeout timer, reading and
parsing the output, the result funnel; storage off), of bare_spawn itself,
and of the commands they ran (the same program, for reference: starting a
plugin costs far more than watching it).

Usage: bench/bench_exec.py [--build build] [--rate 100] [--window 30]
                           [--command /usr/lib/nagios/plugins/check_dummy]
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_core import parse_stats, stats_lines  # noqa: E402


def cpu_split(pid):
    """(own CPU s, CPU s of the children it has reaped) of a process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return ((int(fields[11]) + int(fields[12])) / ticks,
            (int(fields[13]) + int(fields[14])) / ticks)


def write_config(path, data_dir, n, command, interval_s):
    with open(path, "w") as f:
        f.write("daemon:\n  data_dir: %s\n  storage: none\n  log_level: notice\n" % data_dir)
        f.write("defaults:\n  interval: %ds\n  timeout: %ds\n" % (interval_s, interval_s))
        f.write("councils:\n  - id: bench\n    targets:\n")
        for i in range(n):
            f.write("      - {id: e%04d, check: exec, command: [%s, \"0\", \"all well\"], "
                    "perfdata: {time: t}}\n" % (i, command))


def report(daemon, log_path):
    """Asks the daemon for its counters and waits for the line."""
    n = len(stats_lines(log_path))
    daemon.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while len(stats_lines(log_path)) == n:
        if time.monotonic() > deadline:
            sys.exit("the daemon does not report its counters")
        time.sleep(0.05)
    return stats_lines(log_path)[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--rate", type=int, default=100, help="runs a second")
    ap.add_argument("--interval", type=int, default=2, help="seconds between a target's runs")
    ap.add_argument("--window", type=int, default=30, help="seconds of steady state measured")
    ap.add_argument("--command", default="/usr/lib/nagios/plugins/check_dummy")
    args = ap.parse_args()

    gwyliwr = os.path.join(args.build, "bin", "gwyliwr")
    bare = os.path.join(args.build, "bench", "bare_spawn")
    tmp = tempfile.mkdtemp(prefix="gwbench-exec-")
    daemon = None
    try:
        cfg = os.path.join(tmp, "bench.yaml")
        write_config(cfg, os.path.join(tmp, "data"), args.rate * args.interval, args.command,
                     args.interval)
        log_path = os.path.join(tmp, "daemon.log")
        log = open(log_path, "w")
        daemon = subprocess.Popen([gwyliwr, "run", "-c", cfg], stdout=log,
                                  stderr=subprocess.STDOUT)
        while "running:" not in open(log_path).read():
            if daemon.poll() is not None:
                sys.exit("daemon exited:\n" + open(log_path).read()[-2000:])
            time.sleep(0.05)
        time.sleep(3)

        before = parse_stats(report(daemon, log_path))
        own0, kids0 = cpu_split(daemon.pid)
        time.sleep(args.window)
        own1, kids1 = cpu_split(daemon.pid)
        last = report(daemon, log_path)
        after = parse_stats(last)
        runs = after["started"] - before["started"]
        up = re.search(r"results up (\d+)", last)
        daemon_us = (own1 - own0) / runs * 1e6 if runs else float("nan")
        daemon_kids_us = (kids1 - kids0) / runs * 1e6 if runs else float("nan")
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)

        r = subprocess.run([bare, str(args.rate), str(min(args.window, 30)), args.command, "0",
                            "all well"], capture_output=True, text=True)
        m = re.search(r"cpu_us_per_run ([\d.]+)", r.stdout)
        k = re.search(r"children_cpu_us_per_run ([\d.]+)", r.stdout)
        n = re.search(r"runs (\d+)", r.stdout)
        bare_us = float(m.group(1)) if m else float("nan")
        bare_kids_us = float(k.group(1)) if k else float("nan")

        print("gwyliwr exec benchmark: %d exec targets of %s every %d s"
              % (args.rate * args.interval, os.path.basename(args.command), args.interval))
        print("  runs in the window           %d in %d s = %.0f/s (%s up in all)"
              % (runs, args.window, runs / args.window, up.group(1) if up else "?"))
        print("  lateness over the window     p50 %.1f ms, p99 %.1f ms, max %.1f ms"
              % (after["p50"], after["p99"], after["max"]))
        print("  CPU per run, daemon          %.0f us   (+ %.0f us in the command)"
              % (daemon_us, daemon_kids_us))
        print("  CPU per run, bare uv_spawn   %.0f us   (+ %.0f us in the command; %s runs)"
              % (bare_us, bare_kids_us, n.group(1) if n else "?"))
        print("  ratio daemon / bare          %.2f" % (daemon_us / bare_us))
    finally:
        if daemon and daemon.poll() is None:
            daemon.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
