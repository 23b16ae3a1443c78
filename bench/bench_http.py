#!/usr/bin/env python3
"""HTTP benchmark: the daemon's http checks against a loopback nginx, next to
two baselines measured in the same run on the same machine.

  * CPU per check of the daemon, all included (scheduling, the result funnel,
    RRD writes), for HTTP and for HTTPS (ECDSA P-256, verification on), with a
    fresh connection per check; next to bench/bare_curl_client (libcurl multi
    on libuv, the same requests at the same rate: the floor of our stack) and
    `wrk -H 'Connection: close'` (no verification). Goal: at most 1.5x the
    bare client with storage. Storage direct and through a local rrdcached
    (whose CPU is added to the daemon's), each with the default settings (a
    minute of results per write, journaled meanwhile) and with
    rrd_write_delay 0 (a write per result, as before the journal), and none.
    rrdcached writes a file once its oldest value has waited the measured
    window (-w), so its own writes to disk fall inside the window too.
  * Measurement fidelity under load: gwyliwr-sim adds a fixed 50 ms delay,
    1,000 checks/s; the recorded latency minus 50 ms, p50 and p99 (from the
    RRD files). Goal: under 2 ms at p50, under 10 ms at p99.
  * RSS with 10,000 http targets configured and checked. Goal: under 64 MB.

Everything listens on 127.0.0.1. nginx and wrk are installed from Debian when
missing (as root).

With --rounds N every row is measured N times, the rows taking turns, and
the median of each figure is printed with its range; --rows REGEX measures
only the rows whose label matches. The load average of the machine at the
start and at the end is printed too: CPU time per check is what is compared,
but a loaded machine still moves it.

With --baseline DIR the gwyliwr of another build (the main branch, say) is
measured on every row too, right before or after this build's (they take
turns going first), against the same nginx at the same rate; each row then
also gives this build's CPU per check over the baseline's. Each build runs
with its own defaults where a row says "default settings". The journal's
size (<data_dir>/rrd-journal.*.tsv) is read at the end of each measured
window.

Usage: bench/bench_http.py [--build build] [--baseline DIR] [--targets 2000] [--interval 2]
                           [--window 60] [--rounds 1] [--rows REGEX] [--skip-extras]
"""

import argparse
import glob
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import cpu_seconds, status_kib

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_packages():
    missing = [p for p, exe in (("nginx-light", "/usr/sbin/nginx"), ("wrk", "/usr/bin/wrk"))
               if not os.path.exists(exe)]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit("install %s (as root: apt-get install %s)" % (missing, " ".join(missing)))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    policy = "/usr/sbin/policy-rc.d"
    made_policy = not os.path.exists(policy)
    if made_policy:  # do not start a system-wide nginx
        with open(policy, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(policy, 0o755)
    try:
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
                       check=True, env=env, stdin=subprocess.DEVNULL)
    finally:
        if made_policy:
            os.unlink(policy)


def make_certs(d):
    """A CA and an ECDSA P-256 server certificate for 127.0.0.1."""
    def ossl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)
    ossl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key")
    ossl("req", "-x509", "-new", "-key", "ca.key", "-days", "30", "-subj", "/CN=bench CA",
         "-out", "ca.crt")
    ossl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server.key")
    ossl("req", "-new", "-key", "server.key", "-subj", "/CN=127.0.0.1", "-out", "server.csr")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
         "-CAcreateserial", "-days", "30", "-extfile", "ext.cnf", "-out", "server.crt")


def start_nginx(d, http_port, https_port):
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %(d)s/tmp; proxy_temp_path %(d)s/tmp;
    fastcgi_temp_path %(d)s/tmp; uwsgi_temp_path %(d)s/tmp; scgi_temp_path %(d)s/tmp;
    server {
        listen 127.0.0.1:%(http)d;
        listen 127.0.0.1:%(https)d ssl;
        ssl_certificate %(d)s/server.crt;
        ssl_certificate_key %(d)s/server.key;
        location / { default_type text/html; return 200 "<html><body>Cyngor Caerdydd / Cardiff Council: ok</body></html>\\n"; }
    }
}
""" % {"d": d, "http": http_port, "https": https_port})
    os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
    proc = subprocess.Popen(["/usr/sbin/nginx", "-c", conf, "-g", "daemon off;"],
                            stderr=subprocess.DEVNULL)
    wait_port(http_port)
    return proc


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("nothing listens on 127.0.0.1:%d" % port)


def write_config(path, data_dir, targets, interval, url, ca_file=None, storage="rrd", timeout="2s",
                 write_delay="0s", rrdcached=""):
    """write_delay None: the daemon's default."""
    with open(path, "w") as f:
        f.write("daemon:\n  data_dir: %s\n  storage: %s\n  log_level: notice\n"
                "  max_in_flight: 4096\n  max_per_host: 4096\n  listen: \"\"\n"
                "  rrdcached: \"%s\"\n" % (data_dir, storage, rrdcached))
        if write_delay is not None:
            f.write("  rrd_write_delay: %s\n" % write_delay)
        f.write("defaults:\n  interval: %s\n  timeout: %s\n" % (interval, timeout))
        f.write("councils:\n  - id: bench\n    targets:\n")
        for i in range(targets):
            f.write("      - id: t%05d\n        check: http\n        url: \"%s\"\n" % (i, url))
            if ca_file:
                f.write("        ca_file: %s\n" % ca_file)


class Daemon:
    def __init__(self, gwyliwr, cfg, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([gwyliwr, "run", "-c", cfg], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        while "running:" not in open(log_path).read():
            if self.proc.poll() is not None:
                sys.exit("daemon exited:\n" + open(log_path).read()[-3000:])
            time.sleep(0.05)

    def stats(self):
        """Checks started so far (SIGUSR1's stats line; other stats lines follow it)."""
        def counts():
            with open(self.log_path) as f:
                return re.findall(r"stats: .*?(\d+) checks started", f.read())
        n = len(counts())
        self.proc.send_signal(signal.SIGUSR1)
        while True:
            found = counts()
            if len(found) > n:
                return int(found[-1])
            time.sleep(0.05)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.log.close()


def start_rrdcached(tmp, data, write_s):
    """rrdcached on a private unix socket (its CPU is measured apart), writing
    a file once its oldest value is write_s old."""
    sock = os.path.join(tmp, "rrdcached.sock")
    journal = tempfile.mkdtemp(prefix="rrdcached-journal-", dir=tmp)
    os.makedirs(data, exist_ok=True)
    proc = subprocess.Popen(["rrdcached", "-g", "-l", "unix:" + sock, "-b", data, "-B", "-R",
                             "-F", "-j", journal, "-w", str(write_s),
                             "-p", os.path.join(tmp, "rrdcached.pid")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not os.path.exists(sock) and time.monotonic() < deadline:
        time.sleep(0.05)
    return proc, "unix:" + sock


def daemon_cpu_per_check(gwyliwr, tmp, name, targets, interval_s, url, ca_file, window,
                         storage="rrd", write_delay="0s", cached=False):
    """(daemon CPU per check, rrdcached CPU per check or None, checks/s, DOWN lines,
    bytes of journal at the end)."""
    data = os.path.join(tmp, "data-" + name)
    cfg = os.path.join(tmp, name + ".yaml")
    rrdcached, address = start_rrdcached(tmp, data, window) if cached else (None, "")
    # A check may take at most its interval.
    timeout = "2s" if interval_s >= 2 else "900ms"
    write_config(cfg, data, targets, "%ds" % interval_s, url, ca_file, storage=storage,
                 timeout=timeout, write_delay=write_delay, rrdcached=address)
    d = Daemon(gwyliwr, cfg, os.path.join(tmp, name + ".log"))
    # Every target checked, every RRD file created, the first delayed writes done.
    time.sleep(interval_s * 2 + 6 + int((write_delay or "60s").rstrip("s")))
    c0, n0 = cpu_seconds(d.proc.pid), d.stats()
    r0 = cpu_seconds(rrdcached.pid) if rrdcached else 0
    time.sleep(window)
    c1, n1 = cpu_seconds(d.proc.pid), d.stats()
    r1 = cpu_seconds(rrdcached.pid) if rrdcached else 0
    journal = sum(os.path.getsize(p) for p in glob.glob(os.path.join(data, "rrd-journal.*.tsv")))
    errors = open(d.log_path).read().count("DOWN")
    d.stop()
    if rrdcached:
        rrdcached.send_signal(signal.SIGTERM)
        rrdcached.wait(timeout=120)
    shutil.rmtree(data, ignore_errors=True)
    checks = n1 - n0
    return ((c1 - c0) / checks * 1e6, (r1 - r0) / checks * 1e6 if rrdcached else None,
            checks / window, errors, journal)


def bare_cpu_per_request(tool, rate, seconds, url, ca_file):
    args = [tool, str(int(rate)), str(seconds), url] + ([ca_file] if ca_file else [])
    out = subprocess.run(args, capture_output=True, text=True).stdout
    m = re.search(r"ok (\d+) failed (\d+) cpu_us_per_request ([\d.]+)", out)
    return float(m.group(3)), int(m.group(2))


def wrk_cpu_per_request(url, seconds=10):
    proc = subprocess.Popen(["wrk", "-t1", "-c32", "-d%ds" % seconds, "-H", "Connection: close",
                             url], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    m = re.search(r"(\d+) requests in", out)
    requests = int(m.group(1))
    return (usage.ru_utime + usage.ru_stime) / requests * 1e6


def fidelity(gwyliwr, sim, tmp, window):
    port, control = free_port(), free_port()
    scen = os.path.join(tmp, "delay.yaml")
    with open(scen, "w") as f:
        f.write("listeners:\n  control:\n    type: control\n    port: %d\n"
                "  slow:\n    type: http\n    port: %d\n    routes:\n      /:\n"
                "        delay: 50ms\n        body: ok\n" % (control, port))
    simp = subprocess.Popen([sim, "-c", scen], stdout=subprocess.PIPE, text=True)
    for line in simp.stdout:
        if line.strip() == "ready":
            break
    data = os.path.join(tmp, "data-fidelity")
    cfg = os.path.join(tmp, "fidelity.yaml")
    targets, interval = 1000, 1
    write_config(cfg, data, targets, "%ds" % interval, "http://127.0.0.1:%d/" % port,
                 timeout="900ms")
    d = Daemon(gwyliwr, cfg, os.path.join(tmp, "fidelity.log"))
    time.sleep(3)
    start = int(time.time())
    time.sleep(window)
    end = int(time.time()) - 2
    d.stop()
    simp.send_signal(signal.SIGTERM)
    simp.wait()
    excess = []
    council = os.path.join(data, "bench")
    for name in os.listdir(council):
        if name.endswith(".spread.rrd"):
            continue  # latency extremes only, at coarser resolutions
        out = subprocess.run(["rrdtool", "fetch", os.path.join(council, name), "AVERAGE",
                              "-r", "1", "-s", str(start), "-e", str(end)],
                             capture_output=True, text=True).stdout.splitlines()
        header = out[0].split()
        col = header.index("latency")
        for line in out[2:]:
            vals = line.split(":", 1)[1].split()
            try:
                v = float(vals[col])
            except (ValueError, IndexError):
                continue
            if v == v:
                excess.append(v * 1000 - 50)
    shutil.rmtree(data, ignore_errors=True)
    excess.sort()
    return (statistics.median(excess), excess[int(len(excess) * 0.99)], len(excess),
            len(excess) / (end - start))


def rss_10k(gwyliwr, tmp, url):
    data = os.path.join(tmp, "data-rss")
    cfg = os.path.join(tmp, "rss.yaml")
    write_config(cfg, data, 10000, "20s", url, storage="none", timeout="5s")
    d = Daemon(gwyliwr, cfg, os.path.join(tmp, "rss.log"))
    time.sleep(25)  # every target checked at least once
    checks = d.stats()
    rss = status_kib(d.proc.pid)
    d.stop()
    return rss, checks


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def spread(values):
    """The median of values, and their range when there are several."""
    m = statistics.median(values)
    if len(values) == 1:
        return "%6.0f us" % m, m
    return "%6.0f us (%.0f-%.0f)" % (m, min(values), max(values)), m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--baseline", default="",
                    help="another build whose daemon is measured on every row too")
    ap.add_argument("--targets", type=int, default=2000)
    ap.add_argument("--interval", type=int, default=2, help="seconds between checks of a target")
    ap.add_argument("--window", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=1, help="measure each row this many times")
    ap.add_argument("--rows", default="", help="only the rows whose label matches this regex")
    ap.add_argument("--skip-extras", action="store_true",
                    help="no fidelity and RSS measures, only the CPU table")
    args = ap.parse_args()
    ensure_packages()
    gwyliwr = os.path.join(args.build, "bin", "gwyliwr")
    baseline = os.path.join(args.baseline, "bin", "gwyliwr") if args.baseline else None
    sim = os.path.join(args.build, "bin", "gwyliwr-sim")
    bare = os.path.join(args.build, "bench", "bare_curl_client")
    tmp = tempfile.mkdtemp(prefix="gwbench-http-")
    nginx = None
    load_start = load_average()
    try:
        make_certs(tmp)
        http_port, https_port = free_port(), free_port()
        nginx = start_nginx(tmp, http_port, https_port)
        ca = os.path.join(tmp, "ca.crt")
        http_url = "http://127.0.0.1:%d/" % http_port
        https_url = "https://127.0.0.1:%d/" % https_port
        # (label, url, CA, seconds between checks of a target, storage, write
        # delay (None: the default), through rrdcached). HTTPS costs about ten
        # times as much: at the HTTP rate nginx and the daemon would saturate
        # the two cores, so it runs at a third.
        slow = args.interval * 3
        runs = (("http, direct, default settings", http_url, None, args.interval, "rrd", None,
                 False),
                ("http, direct, rrd_write_delay 0", http_url, None, args.interval, "rrd", "0s",
                 False),
                ("http, rrdcached, default settings", http_url, None, args.interval, "rrd", None,
                 True),
                ("http, rrdcached, rrd_write_delay 0", http_url, None, args.interval, "rrd", "0s",
                 True),
                ("http, storage none", http_url, None, args.interval, "none", "0s", False),
                ("https, direct, default settings", https_url, ca, slow, "rrd", None, False),
                ("https, rrdcached, default settings", https_url, ca, slow, "rrd", None, True),
                ("https, storage none", https_url, ca, slow, "none", "0s", False))
        runs = [r for r in runs if re.search(args.rows, r[0])]
        results = {r[0]: [] for r in runs}
        base_results = {r[0]: [] for r in runs}
        for round_ in range(args.rounds):
            for name, url, ca_file, interval, storage, delay, cached in runs:
                tag = re.sub(r"[^a-z0-9]+", "-", name)

                def measure(program, suffix=""):
                    return daemon_cpu_per_check(program, tmp, tag + suffix, args.targets,
                                                interval, url, ca_file, args.window, storage,
                                                write_delay=delay, cached=cached)
                base = None
                # The two builds take turns going first: the machine's load drifts.
                if baseline and round_ % 2 == 1:
                    b_ours, b_theirs, b_rate, b_errors, _ = measure(baseline, "-baseline")
                ours, theirs, rate, errors, journal = measure(gwyliwr)
                if baseline and round_ % 2 == 0:
                    b_ours, b_theirs, b_rate, b_errors, _ = measure(baseline, "-baseline")
                if baseline:
                    base = b_ours + (b_theirs or 0.0)
                    base_results[name].append((b_ours, b_theirs or 0.0, b_rate, b_errors))
                floor, failed = bare_cpu_per_request(bare, rate, min(args.window, 30), url,
                                                     ca_file)
                w = wrk_cpu_per_request(url)
                results[name].append((ours, theirs or 0.0, floor, w, rate, errors, failed,
                                      journal))
                print("  (%s: daemon %.0f us%s%s, bare %.0f us, wrk %.0f us per request, "
                      "%.0f/s, journal %.1f MB)"
                      % (name, ours, " + rrdcached %.0f us" % theirs if theirs is not None else "",
                         ", baseline %.0f us" % base if base is not None else "",
                         floor, w, rate, journal / 1e6), flush=True)
        if not args.skip_extras:
            p50, p99, samples, fid_rate = fidelity(gwyliwr, sim, tmp, args.window)
            rss, checks = rss_10k(gwyliwr, tmp, http_url)

        print("gwyliwr http benchmark: %d targets every %d s, loopback nginx, fresh connections, "
              "%d round%s; load average %s at the start, %s at the end"
              % (args.targets, args.interval, args.rounds, "" if args.rounds == 1 else "s",
                 load_start, load_average()))
        print("  CPU per check; rrdcached's own is added to the daemon's (shown as daemon + "
              "rrdcached); medians, with the range over the rounds")
        for name, url, ca_file, interval, storage, delay, cached in runs:
            rs = results[name]
            total, total_m = spread([r[0] + r[1] for r in rs])
            floor, floor_m = spread([r[2] for r in rs])
            w, _ = spread([r[3] for r in rs])
            ratios = [(r[0] + r[1]) / r[2] for r in rs]
            parts = ""
            if cached:
                parts = " = %.0f + %.0f" % (statistics.median([r[0] for r in rs]),
                                            statistics.median([r[1] for r in rs]))
            errors = sum(r[5] for r in rs)
            failed = sum(r[6] for r in rs)
            journal = max(r[7] for r in rs)
            print("  %-38s daemon %s%s, bare libcurl %s, wrk %s: %.2fx%s  (%.0f checks/s%s%s)"
                  % (name, total, parts, floor, w, statistics.median(ratios),
                     " (%.2f-%.2f)" % (min(ratios), max(ratios)) if len(rs) > 1 else "",
                     statistics.median([r[4] for r in rs]),
                     ", journal at most %.1f MB" % (journal / 1e6) if journal else "",
                     ", %d DOWN lines, %d bare failures" % (errors, failed)
                     if errors or failed else ""))
            bs = base_results[name]
            if bs:
                b_total, _ = spread([b[0] + b[1] for b in bs])
                b_parts = ""
                if cached:
                    b_parts = " = %.0f + %.0f" % (statistics.median([b[0] for b in bs]),
                                                  statistics.median([b[1] for b in bs]))
                b_ratios = [(b[0] + b[1]) / r[2] for b, r in zip(bs, rs)]
                over = [(r[0] + r[1]) / (b[0] + b[1]) for b, r in zip(bs, rs)]
                print("  %-38s baseline %s%s: %.2fx the bare client%s; this build / baseline "
                      "%.2f%s%s"
                      % ("", b_total, b_parts, statistics.median(b_ratios),
                         " (%.2f-%.2f)" % (min(b_ratios), max(b_ratios)) if len(bs) > 1 else "",
                         statistics.median(over),
                         " (%.2f-%.2f)" % (min(over), max(over)) if len(bs) > 1 else "",
                         ", %d DOWN lines" % sum(b[3] for b in bs)
                         if any(b[3] for b in bs) else ""))
        print("  goal: daemon, storage included, at most 1.5x the bare libcurl client")
        if not args.skip_extras:
            print("  fidelity, 50 ms server delay, %.0f checks/s: recorded latency - 50 ms p50 "
                  "%.2f ms, p99 %.2f ms over %d checks (goal < 2 ms / < 10 ms)"
                  % (fid_rate, p50, p99, samples))
            print("  RSS with 10,000 http targets checked (%d checks, storage none): %.1f MB "
                  "(goal < 64 MB)" % (checks, rss / 1024))
    finally:
        if nginx:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
