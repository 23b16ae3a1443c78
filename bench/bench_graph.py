#!/usr/bin/env python3
"""Graph benchmark: how long `gwyliwr graph` takes to draw 30 days of a
target, a council and Wales, from RRD files filled with 30 days of 60 s
results (made here with rrdtool, in a temporary directory).

The estate: 22 councils of --targets targets each (tcp-like; every fourth
target http-like, its phases in a file of their own), each target down for a
stretch and degraded for another. The files have the daemon's archives
(daemon/storage/rrd_schema.h: a main file and the latency's spread file), so librrd
reads what it reads in production.

Each figure is the median wall time of --runs runs of the command; the cost
of starting the program and loading the configuration alone (`gwyliwr
check-config` on the same file) is measured too and subtracted for the
"drawing" column. Goal: a target graph in under 200 ms.

Usage: bench/bench_graph.py [--build build] [--targets 4] [--runs 7] [--days 30]
"""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from test_graph import FILES, STEP, rrd_create, rrd_update, target_rows, write_config  # noqa: E402

WELSH_COUNCILS = [
    ("anglesey", "Isle of Anglesey County Council", "Cyngor Sir Ynys Môn"),
    ("blaenau-gwent", "Blaenau Gwent County Borough Council", "Cyngor Bwrdeistref Sirol Blaenau Gwent"),
    ("bridgend", "Bridgend County Borough Council", "Cyngor Bwrdeistref Sirol Pen-y-bont ar Ogwr"),
    ("caerphilly", "Caerphilly County Borough Council", "Cyngor Bwrdeistref Sirol Caerffili"),
    ("cardiff", "Cardiff Council", "Cyngor Caerdydd"),
    ("carmarthenshire", "Carmarthenshire County Council", "Cyngor Sir Gâr"),
    ("ceredigion", "Ceredigion County Council", "Cyngor Sir Ceredigion"),
    ("conwy", "Conwy County Borough Council", "Cyngor Bwrdeistref Sirol Conwy"),
    ("denbighshire", "Denbighshire County Council", "Cyngor Sir Ddinbych"),
    ("flintshire", "Flintshire County Council", "Cyngor Sir y Fflint"),
    ("gwynedd", "Gwynedd Council", "Cyngor Gwynedd"),
    ("merthyr-tydfil", "Merthyr Tydfil County Borough Council", "Cyngor Bwrdeistref Sirol Merthyr Tudful"),
    ("monmouthshire", "Monmouthshire County Council", "Cyngor Sir Fynwy"),
    ("neath-port-talbot", "Neath Port Talbot County Borough Council",
     "Cyngor Bwrdeistref Sirol Castell-nedd Port Talbot"),
    ("newport", "Newport City Council", "Cyngor Dinas Casnewydd"),
    ("pembrokeshire", "Pembrokeshire County Council", "Cyngor Sir Penfro"),
    ("powys", "Powys County Council", "Cyngor Sir Powys"),
    ("rhondda-cynon-taf", "Rhondda Cynon Taf County Borough Council",
     "Cyngor Bwrdeistref Sirol Rhondda Cynon Taf"),
    ("swansea", "City and County of Swansea Council", "Cyngor Dinas a Sir Abertawe"),
    ("torfaen", "Torfaen County Borough Council", "Cyngor Bwrdeistref Sirol Torfaen"),
    ("vale-of-glamorgan", "Vale of Glamorgan Council", "Cyngor Bro Morgannwg"),
    ("wrexham", "Wrexham County Borough Council", "Cyngor Bwrdeistref Sirol Wrecsam"),
]
TARGET_NAMES = ["website", "myaccount", "payments", "democracy", "wifi", "opendata", "smtp", "vpn"]


def make_estate(workdir, days, per_council, seed=11):
    data_dir = os.path.join(workdir, "data")
    minutes = days * 86400 // STEP
    end = int(time.time()) // STEP * STEP
    start = end - minutes * STEP
    times = [start + (m + 1) * STEP for m in range(minutes)]
    rng = random.Random(seed)
    councils = []
    n_files = 0
    for cid, name, name_cy in WELSH_COUNCILS:
        targets = []
        os.makedirs(os.path.join(data_dir, cid))
        for k in range(per_council):
            tid = TARGET_NAMES[k % len(TARGET_NAMES)] + ("" if k < len(TARGET_NAMES) else str(k))
            targets.append((tid, tid.capitalize(), "tcp"))
            # A few outages and degraded stretches, 5 to 90 minutes each.
            a = rng.randrange(minutes - 100)
            b = rng.randrange(minutes - 100)
            pattern = {"outage": (a, a + rng.randrange(5, 90)),
                       "degraded": (b, b + rng.randrange(5, 90))}
            for suffix, names, layout in FILES["tcp" if k % 4 else "http"]:
                path = os.path.join(data_dir, cid, "%s%s.rrd" % (tid, suffix))
                rrd_create(path, names, start, layout=layout)
                rrd_update(path, target_rows("tcp", names, times, rng, **pattern), chunk=5000)
                n_files += 1
        councils.append((cid, name, name_cy, targets))
    config = os.path.join(workdir, "gwyliwr.yaml")
    write_config(config, data_dir, councils)
    return config, n_files


def timed(args, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(args, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(args), r.stderr))
    return statistics.median(times) * 1000.0, min(times) * 1000.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--targets", type=int, default=4, help="targets per council")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--keep", action="store_true", help="keep the data and the images")
    opts = ap.parse_args()
    gwyliwr = os.path.join(opts.build, "bin", "gwyliwr")
    if not os.access(gwyliwr, os.X_OK):
        sys.exit("no %s: build first" % gwyliwr)

    workdir = tempfile.mkdtemp(prefix="gwbench-graph-")
    try:
        t0 = time.perf_counter()
        config, n_files = make_estate(workdir, opts.days, opts.targets)
        print("estate: 22 councils x %d targets, %d RRD files of %d days at %d s, made in %.0f s"
              % (opts.targets, n_files, opts.days, STEP, time.perf_counter() - t0))
        base, _ = timed([gwyliwr, "check-config", "-c", config], opts.runs)
        print("start-up and configuration (check-config): %.1f ms" % base)
        print("%-28s %8s %8s %10s" % ("graph, %d days" % opts.days, "median", "best", "drawing"))
        for label, subject in (("target (http, 3 files)", "cardiff/website"),
                               ("target (tcp)", "cardiff/myaccount"),
                               ("council (%d strips)" % (opts.targets + 1), "cardiff"),
                               ("wales (23 strips)", "wales")):
            for fmt in ("png", "svg"):
                out = os.path.join(workdir, "%s.%s" % (subject.replace("/", "_"), fmt))
                med, best = timed([gwyliwr, "graph", "-c", config, subject, "--from",
                                   "-%dd" % opts.days, "--out", out], opts.runs)
                print("%-28s %6.1f ms %6.1f ms %7.1f ms" % ("%s %s" % (label, fmt.upper()), med,
                                                              best, med - base))
        if opts.keep:
            print("kept", workdir)
    finally:
        if not opts.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
