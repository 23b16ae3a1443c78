#!/usr/bin/env python3
"""Core benchmark: a configuration of many tcp targets against a few local
listeners (127.0.0.1 only).

Measures, in one run on this machine:
  * time to load and validate the configuration (gwyliwr check-config);
  * the daemon's resident memory after start-up, per target;
  * scheduling lateness (actual minus planned start) p50 / p99 over a window;
  * CPU per check of the daemon, next to a bare libuv client making the same
    connections at the same rate (bench/bare_tcp_connect): the ratio is the
    cost of everything the daemon adds (scheduling, timeouts, the funnel).

RRD storage is off in this benchmark (daemon.storage: none): 100,000 RRD files
of the standard layout would take about 64 GB; storage has its own benchmark.

Usage: bench/bench_core.py [--build build] [--targets 100000] [--window 120]
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

from benchlib import cpu_seconds, status_kib, write_councils

HERE = os.path.dirname(os.path.abspath(__file__))


def write_config(path, data_dir, n, ports, interval):
    with open(path, "w") as f:
        f.write("daemon:\n  data_dir: %s\n  storage: none\n  log_level: notice\n"
                "  max_in_flight: 1024\n  max_per_host: 64\n" % data_dir)
        f.write("defaults:\n  interval: %s\n  timeout: 5s\n" % interval)
        write_councils(f, n, ports)


def stats_lines(log_path):
    with open(log_path, errors="replace") as f:
        return [line for line in f if "stats:" in line]


def parse_stats(line):
    def num(pattern):
        m = re.search(pattern, line)
        return float(m.group(1)) if m else float("nan")
    return {
        "started": num(r"(\d+) checks started"),
        "p50": num(r"p50 ([\d.]+) ms"),
        "p99": num(r"p99 ([\d.]+) ms"),
        "max": num(r"max ([\d.]+) ms"),
        "skipped": num(r"(\d+) skipped"),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--targets", type=int, default=100000)
    ap.add_argument("--interval", default="60s")
    ap.add_argument("--window", type=int, default=120, help="seconds of steady state measured")
    ap.add_argument("--listeners", type=int, default=8)
    args = ap.parse_args()

    gwyliwr = os.path.join(args.build, "bin", "gwyliwr")
    sink_bin = os.path.join(args.build, "bench", "tcp_sink")
    bare_bin = os.path.join(args.build, "bench", "bare_tcp_connect")
    tmp = tempfile.mkdtemp(prefix="gwbench-")
    sink = subprocess.Popen([sink_bin] + ["0"] * args.listeners, stdout=subprocess.PIPE, text=True)
    ports = []
    for line in sink.stdout:
        if line.strip() == "ready":
            break
        ports.append(int(line))
    daemon = None
    try:
        cfg = os.path.join(tmp, "bench.yaml")
        write_config(cfg, os.path.join(tmp, "data"), args.targets, ports, args.interval)
        size_mb = os.path.getsize(cfg) / 1e6

        t0 = time.monotonic()
        r = subprocess.run([gwyliwr, "check-config", "-c", cfg], capture_output=True, text=True)
        load_s = time.monotonic() - t0
        if r.returncode != 0:
            print(r.stderr[-2000:], file=sys.stderr)
            sys.exit("the generated configuration is invalid")

        log_path = os.path.join(tmp, "daemon.log")
        log = open(log_path, "w")
        t0 = time.monotonic()
        daemon = subprocess.Popen([gwyliwr, "run", "-c", cfg], stdout=log, stderr=subprocess.STDOUT)
        while "running:" not in open(log_path).read():
            if daemon.poll() is not None:
                sys.exit("daemon exited:\n" + open(log_path).read()[-2000:])
            time.sleep(0.05)
        start_s = time.monotonic() - t0
        time.sleep(5)
        rss_start = status_kib(daemon.pid)

        # Steady state: the window starts after a first report (which resets
        # the lateness histogram) and ends with a second one.
        daemon.send_signal(signal.SIGUSR1)
        time.sleep(0.5)
        cpu0 = cpu_seconds(daemon.pid)
        before = parse_stats(stats_lines(log_path)[-1])
        time.sleep(args.window)
        cpu1 = cpu_seconds(daemon.pid)
        daemon.send_signal(signal.SIGUSR1)
        time.sleep(0.5)
        after = parse_stats(stats_lines(log_path)[-1])
        rss_end = status_kib(daemon.pid)
        checks = after["started"] - before["started"]
        cpu_per_check_us = (cpu1 - cpu0) / checks * 1e6 if checks else float("nan")
        rate = checks / args.window

        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)

        # Baseline: the same connections at the same rate from a bare client.
        bare_s = min(30, args.window)
        r = subprocess.run([bare_bin, str(int(rate)), str(bare_s)] + [str(p) for p in ports],
                           capture_output=True, text=True)
        m = re.search(r"cpu_us_per_connection ([\d.]+)", r.stdout)
        bare_us = float(m.group(1)) if m else float("nan")

        print("gwyliwr core benchmark: %d tcp targets at %s against %d listeners on 127.0.0.1"
              % (args.targets, args.interval, len(ports)))
        print("  configuration                %.1f MB of YAML" % size_mb)
        print("  load + validate              %.2f s   (goal < 2 s)" % load_s)
        print("  daemon start to running      %.2f s" % start_s)
        print("  RSS after start-up           %.1f MB = %.2f KB per target   (goal < 200 MB)"
              % (rss_start / 1024, rss_start / args.targets))
        print("  RSS after the window         %.1f MB" % (rss_end / 1024))
        print("  checks in the window         %d in %d s = %.0f/s, %d skipped"
              % (checks, args.window, rate, after["skipped"] - before["skipped"]))
        print("  lateness over the window     p50 %.2f ms, p99 %.2f ms, max %.2f ms   (goal p99 < 50 ms)"
              % (after["p50"], after["p99"], after["max"]))
        print("  CPU per check, daemon        %.1f us" % cpu_per_check_us)
        print("  CPU per connect, bare libuv  %.1f us   (same rate, same listeners)" % bare_us)
        print("  ratio daemon / bare          %.2f" % (cpu_per_check_us / bare_us))
    finally:
        if daemon and daemon.poll() is None:
            daemon.kill()
        sink.send_signal(signal.SIGTERM)
        sink.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
