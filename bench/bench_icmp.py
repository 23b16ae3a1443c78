#!/usr/bin/env python3
"""icmp benchmark: many icmp targets on loopback addresses (127.0.x.y), each
pinged `count` times a round, against fping pinging the same addresses the
same number of times, in the same run.

Measures the CPU time per ping of the daemon (all it does: scheduling, the
shared ICMP socket, timers, the result funnel; storage off) over a window of
steady state, and fping's CPU per ping for the same pings (`fping -C`), both
with the kernel's work of answering on loopback included in their system
time.

The daemon uses whatever socket this process may open: raw as root (the
kernel then copies every ICMP packet of the host to it), unprivileged
datagram sockets otherwise; the report says which.

Usage: bench/bench_icmp.py [--build build] [--targets 1000] [--count 5]
                           [--interval 10s] [--window 60]
"""

import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_core import parse_stats, stats_lines  # noqa: E402


def cpu_user_sys(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def addresses(n):
    return ["127.0.%d.%d" % (i // 250, i % 250 + 1) for i in range(n)]


def write_config(path, data_dir, hosts, count, spacing_ms, interval):
    with open(path, "w") as f:
        f.write("daemon:\n  data_dir: %s\n  storage: none\n  log_level: notice\n"
                "  max_in_flight: %d\n" % (data_dir, len(hosts) + 16))
        f.write("defaults:\n  interval: %s\n  timeout: %s\n" % (interval, interval))
        f.write("councils:\n  - id: bench\n    targets:\n")
        for i, host in enumerate(hosts):
            f.write("      - {id: p%05d, check: icmp, host: %s, count: %d, spacing: %dms, "
                    "wait: 1s}\n" % (i, host, count, spacing_ms))


def results(line):
    m = re.search(r"results up (\d+) degraded (\d+) down (\d+) unknown (\d+)", line)
    return [int(v) for v in m.groups()] if m else [0, 0, 0, 0]


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime, ru.ru_stime


def run_fping(fping, hosts, count, interval_ms, spacing_ms):
    """One fping run over every host; returns ((user s, system s), pings sent, replies)."""
    cpu0 = children_cpu()
    r = subprocess.run([fping, "-C", str(count), "-q", "-i", str(interval_ms),
                        "-p", str(spacing_ms), "-t", "1000"] + hosts,
                       capture_output=True, text=True)
    cpu = tuple(b - a for a, b in zip(cpu0, children_cpu()))
    replies = 0
    for line in r.stderr.splitlines():
        m = re.match(r"\S+\s+: (.*)", line)
        if m:
            replies += sum(1 for v in m.group(1).split() if v != "-")
    return cpu, len(hosts) * count, replies


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--targets", type=int, default=1000)
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--spacing-ms", type=int, default=200)
    ap.add_argument("--interval", default="10s")
    ap.add_argument("--window", type=int, default=60, help="seconds of steady state measured")
    ap.add_argument("--fping", default=shutil.which("fping") or "/usr/bin/fping")
    args = ap.parse_args()

    gwyliwr = os.path.join(args.build, "bin", "gwyliwr")
    hosts = addresses(args.targets)
    tmp = tempfile.mkdtemp(prefix="gwbench-icmp-")
    daemon = None
    try:
        cfg = os.path.join(tmp, "bench.yaml")
        write_config(cfg, os.path.join(tmp, "data"), hosts, args.count, args.spacing_ms,
                     args.interval)
        log_path = os.path.join(tmp, "daemon.log")
        log = open(log_path, "w")
        daemon = subprocess.Popen([gwyliwr, "run", "-c", cfg], stdout=log,
                                  stderr=subprocess.STDOUT)
        while "running:" not in open(log_path).read():
            if daemon.poll() is not None:
                sys.exit("daemon exited:\n" + open(log_path).read()[-2000:])
            time.sleep(0.05)
        interval_s = float(args.interval.rstrip("s"))
        time.sleep(interval_s + 2)  # every target has had its first round

        daemon.send_signal(signal.SIGUSR1)
        time.sleep(0.5)
        cpu0 = cpu_user_sys(daemon.pid)
        before = parse_stats(stats_lines(log_path)[-1])
        time.sleep(args.window)
        cpu1 = cpu_user_sys(daemon.pid)
        daemon.send_signal(signal.SIGUSR1)
        time.sleep(0.5)
        after = parse_stats(stats_lines(log_path)[-1])
        rounds = after["started"] - before["started"]
        pings = rounds * args.count
        daemon_user, daemon_sys = (b - a for a, b in zip(cpu0, cpu1))
        daemon_us = (daemon_user + daemon_sys) / pings * 1e6 if pings else float("nan")
        ended = [a - b for a, b in zip(results(stats_lines(log_path)[-1]),
                                       results(stats_lines(log_path)[-2]))]
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)

        # fping at the daemon's rate of pings, over the same hosts.
        rate = pings / args.window if args.window else 1
        interval_ms = max(1, int(1000 / rate)) if rate else 1
        fping_cpu, fping_pings, fping_replies = run_fping(args.fping, hosts, args.count,
                                                          interval_ms, args.spacing_ms)
        fping_us = sum(fping_cpu) / fping_pings * 1e6

        kind = "raw (root: CAP_NET_RAW)" if os.geteuid() == 0 else "datagram or none"
        print("gwyliwr icmp benchmark: %d targets on 127.0.x.y, %d pings a round %d ms apart, "
              "every %s" % (args.targets, args.count, args.spacing_ms, args.interval))
        print("  socket                       %s" % kind)
        print("  rounds in the window         %d in %d s = %.0f pings/s"
              % (rounds, args.window, pings / args.window))
        print("  results in the window        up %d, degraded %d, down %d, unknown %d" % tuple(ended))
        print("  CPU per ping, daemon         %.1f us = %.1f user + %.1f system   (goal < 20 us)"
              % (daemon_us, daemon_user / pings * 1e6, daemon_sys / pings * 1e6))
        print("  CPU per ping, fping -C %d     %.1f us = %.1f user + %.1f system"
              % (args.count, fping_us, fping_cpu[0] / fping_pings * 1e6,
                 fping_cpu[1] / fping_pings * 1e6))
        print("                               (%d pings, -i %d ms, %d replies)"
              % (fping_pings, interval_ms, fping_replies))
        print("  ratio daemon / fping         %.2f" % (daemon_us / fping_us))
    finally:
        if daemon and daemon.poll() is None:
            daemon.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
