#!/usr/bin/env python3
"""Web benchmark: the daemon with 10,000 tcp targets (22 councils) against
local listeners (127.0.0.1 only), its web server asked for pages while the
checks run.

Measures, in one run:
  * the render time of `/` and of a council page (~455 targets): p50 / p99 of
    sequential requests, end to end over loopback (the request, the page
    built from the snapshot, the response read);
  * a /metrics scrape of all 10,000 targets, and /api/v1/status: in a row
    (most share the body rendered in the same second) and 1.1 s apart (each
    rendered anew, as a scraper every few seconds sees them);
  * the checks' scheduling lateness p99 over a quiet window (the baseline)
    and over a window while `wrk` hammers the web server with 16 connections
    (pages, /metrics and the API in turn), the two kinds of window taking
    turns --rounds times: the goal is no change beyond noise.

RRD storage is off (daemon.storage: none), so availability figures are
"no data": rendering them costs the same either way.

Usage: bench/bench_web.py [--build build] [--targets 10000] [--window 30] [--rounds 3]
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

COUNCILS = 22
# Longer than the web server shares a rendered /metrics or status body.
SCRAPE_SPACING = 1.1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(path, n, ports, web_port, interval):
    per = (n + COUNCILS - 1) // COUNCILS
    cats = ["digital-services", "democracy", "connectivity", "ev-charging", "data"]
    with open(path, "w") as f:
        f.write("daemon:\n  data_dir: data\n  storage: none\n  listen: 127.0.0.1:%d\n"
                "  log_level: notice\n  max_per_host: 1000\n" % web_port)
        f.write("defaults:\n  interval: %ds\n  timeout: 5s\n" % interval)
        f.write("councils:\n")
        k = 0
        for c in range(COUNCILS):
            f.write("  - id: council%02d\n    name: Council %d\n    name_cy: Cyngor %d\n"
                    "    targets:\n" % (c, c, c))
            for t in range(per):
                if k == n:
                    break
                f.write("      - {id: t%05d, name: Target %d, category: %s, check: tcp, "
                        "host: 127.0.0.1, port: %d}\n" % (t, t, cats[t % 5], ports[k % len(ports)]))
                k += 1


def timed_get(port, path, n, spacing=0.0):
    times = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    size = 0
    for _ in range(n):
        time.sleep(spacing)
        t0 = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status == 200, (path, r.status)
        size = len(body)
    conn.close()
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))], size


def lateness_p99(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    return (float(re.search(r"^gwyliwr_lateness_p99_seconds (\S+)$", text, re.M).group(1)) * 1000,
            float(re.search(r"^gwyliwr_lateness_max_seconds (\S+)$", text, re.M).group(1)) * 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--targets", type=int, default=10000)
    ap.add_argument("--interval", type=int, default=60)
    ap.add_argument("--window", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3,
                    help="quiet and loaded lateness windows, taking turns")
    args = ap.parse_args()
    gwyliwr = os.path.abspath(os.path.join(args.build, "bin", "gwyliwr"))
    work = tempfile.mkdtemp(prefix="gw-bench-web-")
    listeners = []
    for _ in range(8):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(4096)
        listeners.append(s)
    # The kernel completes the handshakes: connecting is the whole tcp check.
    ports = [s.getsockname()[1] for s in listeners]
    web_port = free_port()
    config = os.path.join(work, "gwyliwr.yaml")
    write_config(config, args.targets, ports, web_port, args.interval)
    log = open(os.path.join(work, "daemon.log"), "wb")
    daemon = subprocess.Popen([gwyliwr, "run", "-c", config], stdout=log, stderr=subprocess.STDOUT,
                              cwd=work)
    drain = True
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                timed_get(web_port, "/healthz", 1)
                break
            except (OSError, AssertionError):
                time.sleep(0.2)
        # Accepted connections pile up unread; closing them keeps the backlog free.
        import threading

        def reap(s):
            s.settimeout(0.5)
            while drain:
                try:
                    c, _ = s.accept()
                    c.close()
                except OSError:
                    pass
        for s in listeners:
            threading.Thread(target=reap, args=(s,), daemon=True).start()
        time.sleep(args.interval + 5)  # every target checked once
        print("targets: %d, checks/s: %.0f" % (args.targets, args.targets / args.interval))
        for path, n in (("/", 200), ("/cy/", 200), ("/council/council07", 200),
                        ("/cy/council/council07", 100), ("/metrics", 50), ("/api/v1/status", 20)):
            p50, p99, size = timed_get(web_port, path, n)
            print("%-24s p50 %7.1f ms   p99 %7.1f ms   %8.0f KiB" % (path, p50, p99, size / 1024))
        # A scraper comes every few seconds, each time to a body rendered
        # anew (one is shared for a second): these are the scrape times.
        print("scraped %.1f s apart, rendered anew each time:" % SCRAPE_SPACING)
        for path in ("/metrics", "/api/v1/status"):
            p50, p99, size = timed_get(web_port, path, 20, SCRAPE_SPACING)
            print("%-24s p50 %7.1f ms   p99 %7.1f ms   %8.0f KiB" % (path, p50, p99, size / 1024))
        lua = os.path.join(work, "paths.lua")
        with open(lua, "w") as f:
            f.write('local paths = {"/", "/council/council07", "/metrics", "/api/v1/status", '
                    '"/target/council07/t00003", "/healthz"}\nlocal i = 0\n'
                    'request = function()\n  i = i + 1\n'
                    '  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n')
        # Quiet and loaded windows take turns, so both see the same machine:
        # on a shared machine the quiet windows alone vary several-fold, and
        # that spread is the noise a loaded window is compared with.
        quiet, loaded, rates = [], [], []
        for _ in range(args.rounds):
            daemon.send_signal(signal.SIGUSR1)  # a new lateness window
            time.sleep(args.window)
            quiet.append(lateness_p99(web_port))
            daemon.send_signal(signal.SIGUSR1)
            # wrk runs at the lowest priority: on this one machine it stands for
            # clients that are elsewhere, and must not take the checks' processor itself.
            wrk = subprocess.run(["nice", "-n", "19", "wrk", "-t2", "-c16",
                                  "-d%ds" % args.window, "-s", lua,
                                  "http://127.0.0.1:%d/" % web_port],
                                 capture_output=True, text=True)
            loaded.append(lateness_p99(web_port))
            rps = re.search(r"Requests/sec:\s+(\S+)", wrk.stdout)
            rates.append(rps.group(1) if rps else "?")

        def row(windows):
            return ", ".join("%.1f (%.1f)" % w for w in windows)
        print("lateness p99 (max) in ms, %d windows of %d s each:" % (args.rounds, args.window))
        print("  quiet      " + row(quiet))
        print("  under wrk  " + row(loaded) + "   at " + ", ".join(rates) + " requests/s")
        print("  median p99 quiet %.1f ms, under wrk %.1f ms; the quiet windows span %.1f to %.1f ms"
              % (sorted(w[0] for w in quiet)[len(quiet) // 2],
                 sorted(w[0] for w in loaded)[len(loaded) // 2],
                 min(w[0] for w in quiet), max(w[0] for w in quiet)))
        print("  load average at the end %.2f" % os.getloadavg()[0])
    finally:
        drain = False
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
        log.close()
        for s in listeners:
            s.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
