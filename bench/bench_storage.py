#!/usr/bin/env python3
"""Storage benchmark: results written to the RRD files of 10,000 and 100,000
targets (main and spread file each, as the daemon lays them out), in one run,
three ways:

  * per-point: one rrd_update_r per result and file, nothing else (baseline);
  * direct writer: the daemon's RRD writer thread writing the files itself,
    with no delay (one point per update) and with a delay long enough that
    every update carries all of a file's queued points (collectd-style cache);
  * rrdcached: the daemon's writer through a real rrdcached on a unix socket
    (its rate of accepting points, then the time it takes to put them all on
    disk when it stops, -F).

Each way writes `--rounds` results per target (one per 60 s step). The goal
is 100,000 targets at a 60 s interval: 1,667 results/s sustained.

Disk: a target's two files take 385 KiB with the standard layout (60 s step,
core figures), 100,000 targets 39 GB. When the file system lacks room for
that (with a margin), the benchmark uses a tenth of the rows of every archive
(the same archives, so an update touches the same pages) and says so. All
files are removed at the end.

Usage: bench/bench_storage.py [--build build] [--dir DIR] [--targets 10000,100000]
       [--rounds 3] [--reduced]
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_BYTES = 263888 + 129928  # gw_rrd_schema_target_size(60, 3)
GOAL = 100000 / 60.0


def run_tool(tool, args):
    out = subprocess.run([tool] + args, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("rrd_bench %s failed:\n%s%s" % (" ".join(args), out.stdout, out.stderr))
    fields = dict(kv.split("=", 1) for kv in out.stdout.split())
    return {k: (v if k == "mode" else float(v)) for k, v in fields.items()}


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def start_rrdcached(workdir, base):
    sock = os.path.join(workdir, "rrdcached.sock")
    journal = os.path.join(workdir, "journal")
    os.makedirs(journal, exist_ok=True)
    proc = subprocess.Popen(
        ["rrdcached", "-g", "-l", "unix:" + sock, "-b", base, "-B", "-F", "-w", "3600",
         "-f", "7200", "-p", os.path.join(workdir, "rrdcached.pid"), "-j", journal,
         "-o", os.path.join(workdir, "rrdcached.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            if c.connect_ex(sock) == 0:
                return proc, "unix:" + sock
        time.sleep(0.05)
    proc.kill()
    sys.exit("rrdcached did not start")


def bench(tool, root, n, rounds, reduced):
    data = os.path.join(root, "data-%d" % n)
    os.makedirs(data)
    common = ["--dir", data, "--targets", str(n), "--rounds", str(rounds)]
    t0 = 1700000040
    rows = {}
    try:
        r = run_tool(tool, ["create", "--dir", data, "--targets", str(n), "--t0", str(t0)]
                     + (["--reduced"] if reduced else []))
        rows["create"] = r
        du = subprocess.run(["du", "-sb", data], capture_output=True, text=True).stdout.split()[0]
        rows["create"]["bytes"] = int(du)
        # What creating wrote must reach the disk before anything is timed.
        start = time.monotonic()
        os.sync()
        rows["create"]["sync_s"] = time.monotonic() - start

        def next_t0():
            nonlocal t0
            t0 += 60 * (rounds + 1)
            return str(t0)

        # The writer's first pass reads every file's header once, and is the
        # first to touch the files since they were made (pages read back from
        # disk): measure it apart, so the rows below are the steady state.
        rows["writer, first pass"] = run_tool(tool, ["writer", "--dir", data, "--targets", str(n),
                                                     "--rounds", "1", "--t0", next_t0()])
        rows["per-point"] = run_tool(tool, ["per-point"] + common + ["--t0", next_t0()])
        rows["writer, no delay"] = run_tool(tool, ["writer"] + common + ["--t0", next_t0()])
        rows["writer, cached"] = run_tool(tool, ["writer"] + common
                                          + ["--t0", next_t0(), "--delay-ms", "3600000"])
        proc, address = start_rrdcached(root, data)
        try:
            # rrdcached reads a file's header at its first update: apart too.
            rows["rrdcached, first pass"] = run_tool(
                tool, ["writer", "--dir", data, "--targets", str(n), "--rounds", "1",
                       "--t0", next_t0(), "--rrdcached", address])
            rows["rrdcached, accepted"] = run_tool(
                tool, ["writer"] + common + ["--t0", next_t0(), "--rrdcached", address])
            start = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=3600)
            flush_s = time.monotonic() - start
            acc = rows["rrdcached, accepted"]
            rows["rrdcached, on disk"] = {
                "mode": "rrdcached", "results": acc["results"],
                "seconds": acc["seconds"] + flush_s,
                "results_per_s": acc["results"] / (acc["seconds"] + flush_s),
                "updates": acc["updates"]}
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--dir", default=None, help="where the files go (default: a temporary "
                    "directory under $TMPDIR)")
    ap.add_argument("--targets", default="10000,100000")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reduced", action="store_true", help="a tenth of the rows, for every size")
    args = ap.parse_args()
    tool = os.path.join(args.build, "bench", "rrd_bench")
    if not os.access(tool, os.X_OK):
        sys.exit("%s not found: build first (cmake --build %s)" % (tool, args.build))
    if not shutil.which("rrdcached"):
        sys.exit("rrdcached not found (Debian package rrdcached)")
    root = tempfile.mkdtemp(prefix="gw-bench-storage-", dir=args.dir)
    sizes = [int(x) for x in args.targets.split(",")]
    print("storage benchmark: %d rounds of one result per target (60 s step), %s" %
          (args.rounds, root))
    print("goal: 100,000 targets every 60 s = %.0f results/s sustained" % GOAL)
    try:
        for n in sizes:
            need = n * TARGET_BYTES
            reduced = args.reduced or free_bytes(root) < need * 1.3
            print()
            print("== %d targets (%d files) ==" % (n, 2 * n))
            if reduced:
                print("   reduced layout: a tenth of the rows of every archive (%.1f GB would "
                      "be needed, %.1f GB free)" % (need / 1e9, free_bytes(root) / 1e9))
            rows = bench(os.path.abspath(tool), root, n, args.rounds, reduced)
            c = rows.pop("create")
            print("   create: %.1f s for %.2f GB (%.1f ms per target), then %.1f s to sync" %
                  (c["seconds"], c["bytes"] / 1e9, 1000 * c["seconds"] / n, c["sync_s"]))
            print("   %-22s %9s %9s %12s %10s %8s %10s" % (
                "way", "results", "seconds", "results/s", "pts/update", "x goal", "submit ns"))
            for name, r in rows.items():
                files_pts = 2 * r["results"]
                per_update = files_pts / r["updates"] if r["updates"] else float("nan")
                submit = "%.0f" % r["submit_ns"] if r.get("submit_ns") else "-"
                print("   %-22s %9d %9.2f %12.0f %10.1f %8.1f %10s" %
                      (name, r["results"], r["seconds"], r["results_per_s"], per_update,
                       r["results_per_s"] / GOAL, submit))
            print("   (submit ns: time the daemon's loop thread spends handing one result "
                  "to the writer)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
