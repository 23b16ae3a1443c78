"""HTTP(S) checks end to end: `gwyliwr probe` and `gwyliwr run` against the
council simulator (gwyliwr-sim) on 127.0.0.1.

Every reason a check can give is produced by a real fault the simulator
plays and asserted with its status, its reason and the figure that matters;
a 1 GiB body leaves the daemon's memory nearly where it was; a server that
accepts and never answers is a timeout at the configured time; a
certificate 3 days from expiry with cert_min_days: 14 is degraded; a
response delayed 200 ms measures 200 ms to within a few milliseconds.

Name resolution failures (reason `dns`) need a resolver that answers test
names without asking a name server: the unit tests (test_http_client,
test_check_http) have one; here no name but 127.0.0.1 is ever used.
"""

import http.client
import http.server
import json
import os
import re
import select
import shutil
import signal
import subprocess
import threading
import time

from gwtest import (GWYLIWR, GWYLIWR_SIM, SANITIZE, SLOW, TIMER_EARLY, best_of, main,
                    rrd_lastupdate, run, sim_control, start_sim, TestCase, wait_until,
                    wakeup_lateness)

SCENARIO = r"""
description: faults for the http check's integration test
listeners:
  control: {type: control}
  web:
    type: http
    routes:
      /: {body: "<h1>Croeso i Gyngor Caerdydd</h1>", headers: {X-Council: cardiff}}
      /down: {status: 503, body: "down for maintenance"}
      /delay: {delay: 200ms, body: "slow"}
      /huge: {size: 1GiB}
      /flip: {body: "small page"}
      /json: {body: '{"status": {"indicator": "none"}}', content_type: application/json}
      /gz: {body: "<h1>Croeso i Gyngor Caerdydd</h1>", gzip: true}
      /gzjson: {body: '{"status": {"indicator": "none"}}', content_type: application/json, gzip: true}
      /loop: {redirect: /loop}
      /reset: {reset: true}
      /garbage: {garbage: true}
  myaccount:
    type: https
    cert: valid.crt
    key: valid.key
    routes:
      /: {redirect: /login}
      /login: {body: "<h1>My Account / Fy Nghyfrif</h1>"}
  tls-expired: {type: https, cert: expired.crt, key: expired.key, routes: {/: {body: x}}}
  tls-selfsigned: {type: https, cert: selfsigned.crt, key: selfsigned.key, routes: {/: {body: x}}}
  tls-wronghost: {type: https, cert: wronghost.crt, key: wronghost.key, routes: {/: {body: x}}}
  tls-expiring: {type: https, cert: expiring.crt, key: expiring.key, routes: {/: {body: soon}}}
  silent: {type: tcp, behaviour: silent}
  closed: {type: tcp, behaviour: closed}
  blackhole: {type: tcp, behaviour: blackhole}
  ssh: {type: tcp, banner: "SSH-2.0-OpenSSH_9.2\r\n"}
"""


def cpu_s(pid):
    """CPU seconds a process has used, user and system."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


class HttpTest(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.simdir = os.path.join(os.environ.get("TMPDIR", "/tmp"), "gwtest-http-%d" % os.getpid())
        os.makedirs(cls.simdir, exist_ok=True)
        cls.sim, cls.ports = start_sim(cls.simdir, SCENARIO)
        # The CA certificate, kept private so the configuration warns about nothing.
        cls.ca = os.path.join(cls.simdir, "ca.pem")
        shutil.copyfile(os.path.join(cls.simdir, "certs", "ca.crt"), cls.ca)
        os.chmod(cls.ca, 0o600)

    @classmethod
    def tearDownClass(cls):
        cls.sim.send_signal(signal.SIGTERM)
        cls.sim.wait(timeout=10 * SLOW)
        shutil.rmtree(cls.simdir, ignore_errors=True)

    def url(self, listener, path="/", scheme="http"):
        return "%s://127.0.0.1:%d%s" % (scheme, self.ports[listener], path)

    def control(self, method, path, body=None):
        """A request to the simulator's control endpoint."""
        return sim_control(self.ports["control"], method, path, body)

    def write_config(self, targets, interval="1s", timeout="1s", data=None):
        # Results written as they come: the tests read the files while the daemon runs.
        lines = ["daemon:", "  data_dir: %s" % (data or os.path.join(self.tmp, "data")),
                 "  rrd_write_delay: 0s", "defaults:", "  interval: %s" % interval, "  timeout: %s" % timeout,
                 "  failure_threshold: 2", "  success_threshold: 1",
                 "councils:", "  - id: cardiff", "    targets:"]
        for tid, keys in targets:
            lines.append("      - id: %s" % tid)
            lines.append("        check: http")
            for k, v in keys.items():
                lines.append("        %s: %s" % (k, v))
        return "\n".join(lines) + "\n"

    def probe(self, keys, target="t", extra_args=()):
        """Runs `gwyliwr probe --json` on one target; returns (document, exit code, seconds)."""
        cfg = os.path.join(self.tmp, "probe.yaml")
        with open(cfg, "w") as f:
            f.write(self.write_config([(target, keys)], interval="30s", timeout=keys.pop("_timeout", "3s")))
        start = time.monotonic()
        r = run([GWYLIWR, "probe", "-c", cfg, "--json", *extra_args, "cardiff/" + target])
        took = time.monotonic() - start
        self.assertEqual(r.stderr, "", "probe warned or failed:\n" + r.stderr)
        return json.loads(r.stdout), r.returncode, took

    def assertVerdict(self, doc, code, status, reason):
        self.assertEqual((doc["status"], doc.get("reason")), (status, reason), doc["message"])
        self.assertEqual(code, {"up": 0, "degraded": 1, "down": 2, "unknown": 3}[status])

    # ---- every reason, from a real fault -----------------------------------------

    def test_every_reason_from_a_real_fault(self):
        ca = '"%s"' % self.ca
        cases = [
            # (keys, status, reason, check of the figures and message)
            ({"url": self.url("web")}, "up", None,
             lambda d, f: f["size"] == 33 and f["http_version"] == 1.1 and 0 < f["latency"] < 0.5),
            ({"url": self.url("web", "/down")}, "down", "http_status",
             lambda d, f: "HTTP 503 from 127.0.0.1:" in d["message"] and f["latency"] > 0),
            ({"url": self.url("web"), "expect": "{body_contains: Gwynedd}"}, "down",
             "body_mismatch", lambda d, f: "does not contain \"Gwynedd\"" in d["message"]),
            ({"url": self.url("web", "/json"), "expect": "{json: {status.indicator: major}}"},
             "down", "json_mismatch",
             lambda d, f: 'json status.indicator is "none"' in d["message"]),
            ({"url": self.url("web", "/delay"), "expect": "{max_latency: 100ms}"}, "degraded",
             "too_slow", lambda d, f: f["latency"] >= 0.200 - TIMER_EARLY),
            ({"url": self.url("tls-expiring", scheme="https"), "ca_file": ca,
              "expect": "{cert_min_days: 14}"}, "degraded", "cert_expiring",
             lambda d, f: 2.9 < f["cert_days"] < 3.1),
            ({"url": self.url("tls-expired", scheme="https"), "ca_file": ca}, "down",
             "tls_expired", lambda d, f: f["cert_days"] < 0),
            ({"url": self.url("tls-selfsigned", scheme="https"), "ca_file": ca}, "down",
             "tls_verify", lambda d, f: "self-signed" in d["message"]),
            ({"url": self.url("tls-wronghost", scheme="https"), "ca_file": ca}, "down",
             "tls_verify", lambda d, f: "CN=wrong.example.org" in d["message"]),
            ({"url": self.url("ssh", scheme="https")}, "down", "tls_handshake",
             lambda d, f: "TLS handshake with 127.0.0.1:" in d["message"]),
            ({"url": self.url("closed")}, "down", "connect_refused",
             lambda d, f: f.get("connect") is None),
            ({"url": self.url("blackhole"), "_timeout": "1s"}, "down", "connect_timeout",
             lambda d, f: "timed out after 1 s" in d["message"]),
            ({"url": self.url("silent"), "_timeout": "1s"}, "down", "timeout",
             lambda d, f: f["connect"] > 0 and f.get("latency") is None),
            ({"url": self.url("web", "/loop")}, "down", "too_many_redirects",
             lambda d, f: "more than 5 redirects" in d["message"]),
            ({"url": self.url("web", "/huge"), "max_body": "64KiB",
              "expect": "{body_contains: needle}"}, "down", "body_too_large",
             lambda d, f: 65536 < f["size"] < 2 * 65536),
            ({"url": self.url("web", "/reset")}, "down", "reset",
             lambda d, f: "connection reset by 127.0.0.1:" in d["message"]),
            ({"url": self.url("web", "/garbage")}, "down", "bad_response",
             lambda d, f: "not valid HTTP" in d["message"]),
        ]
        for keys, status, reason, ok in cases:
            with self.subTest(url=keys["url"], reason=reason):
                doc, code, _ = self.probe(dict(keys))
                self.assertVerdict(doc, code, status, reason)
                figures = {k: v for k, v in doc["figures"].items() if v is not None}
                self.assertTrue(ok(doc, figures), json.dumps(doc, indent=1))

    # ---- compressed responses ----------------------------------------------------------

    def test_compressed_bodies_are_decoded(self):
        # The simulator sends these gzip-compressed, asked or not.
        conn = http.client.HTTPConnection("127.0.0.1", self.ports["web"], timeout=5)
        conn.request("GET", "/gz")
        resp = conn.getresponse()
        wire = len(resp.read())
        conn.close()
        self.assertEqual(resp.getheader("Content-Encoding"), "gzip")
        doc, code, _ = self.probe({"url": self.url("web", "/gz"),
                                   "expect": "{body_contains: Gyngor Caerdydd}"})
        self.assertVerdict(doc, code, "up", None)
        # size: the body as it came over the wire.
        self.assertEqual(doc["figures"]["size"], wire)
        self.assertEqual(doc["details"]["body"], "%d bytes as sent (gzip), 33 decoded" % wire)
        doc, code, _ = self.probe({"url": self.url("web", "/gzjson"),
                                   "expect": "{json: {status.indicator: none}}"})
        self.assertVerdict(doc, code, "up", None)
        doc, code, _ = self.probe({"url": self.url("web", "/gzjson"),
                                   "expect": "{json: {status.indicator: major}}"})
        self.assertVerdict(doc, code, "down", "json_mismatch")
        self.assertIn('json status.indicator is "none"', doc["message"])

    def test_every_encoding_libcurl_decodes_is_offered(self):
        asked = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                asked.append(self.headers.get("Accept-Encoding"))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            doc, code, _ = self.probe({"url": "http://127.0.0.1:%d/" % server.server_port})
        finally:
            server.shutdown()
            server.server_close()
        self.assertVerdict(doc, code, "up", None)
        offered = {e.strip() for e in asked[0].split(",")}
        # What Debian's libcurl decodes: zlib's two always, brotli and zstd
        # when it is built with them (curl, on the same libcurl, says).
        features = run(["curl", "--version"]).stdout
        expect = {"gzip", "deflate"}
        expect |= {"br"} if re.search(r"(?m)^Features:.* brotli", features) else set()
        expect |= {"zstd"} if re.search(r"(?m)^Features:.* zstd", features) else set()
        self.assertEqual(offered, expect)

    # ---- timing ----------------------------------------------------------------------

    def test_delay_measured_within_milliseconds(self):
        # Never shorter than the delay (but for the simulator's timer firing
        # early). Longer by a few ms in a real build (built with the
        # sanitizers the simulator itself answers tens of ms late, and a
        # plain gwyliwr measures that too), and by as much as a busy machine
        # delays the simulator's wake-up and the probe's: measured just
        # before each probe. The best of a few probes decides.
        slack = 0.100 if SANITIZE else 0.005
        seen = []  # (latency, allowed)

        def measure():
            allowed = 0.200 + slack + 2 * wakeup_lateness()
            doc, code, _ = self.probe({"url": self.url("web", "/delay")})
            self.assertVerdict(doc, code, "up", None)
            latency, ttfb = doc["figures"]["latency"], doc["figures"]["ttfb"]
            self.assertGreaterEqual(latency, 0.200 - TIMER_EARLY)
            # libcurl stamps the request sent when it moves on after sending
            # it: a probe kept from the processor in between sees a shorter
            # wait for the first byte, by as long as it waited, which the
            # whole latency holds beyond the delay.
            self.assertLessEqual(ttfb, latency)
            self.assertGreaterEqual(ttfb, 0.200 - TIMER_EARLY - (latency - 0.200))
            seen.append((doc["figures"]["latency"], allowed))
            return doc["figures"]["latency"] - allowed
        self.assertLess(min(best_of(measure, lambda best: best < 0)), 0,
                        "200 ms delay measured as %s" % ", ".join(
                            "%.2f ms (%.2f allowed)" % (v * 1e3, a * 1e3) for v, a in seen))

    def test_silent_server_times_out_at_the_configured_time(self):
        # What a probe costs besides its check (start-up, exit), now: one
        # refused at once, just before and just after. A busy machine makes
        # that long; the check's own part is the timeout, to within its timer.
        def overhead():
            doc, _, took = self.probe({"url": self.url("closed")})
            self.assertEqual(doc["reason"], "connect_refused")
            return took
        before = overhead()
        doc, code, took = self.probe({"url": self.url("silent"), "_timeout": "1500ms"})
        after = overhead()
        self.assertVerdict(doc, code, "down", "timeout")
        self.assertIn("no response from 127.0.0.1:%d within 1500 ms" % self.ports["silent"],
                      doc["message"])
        # The whole probe ends soon after 1.5 s (and not at some other timeout).
        self.assertGreaterEqual(took, 1.5 - TIMER_EARLY)
        self.assertLess(took, 1.5 + 0.5 * SLOW + max(before, after),
                        "%.2f s, a probe refused at once %.2f s and %.2f s" % (took, before, after))

    # ---- what a person debugging sees -------------------------------------------------

    def test_probe_prints_the_breakdown(self):
        cfg = os.path.join(self.tmp, "probe.yaml")
        with open(cfg, "w") as f:
            f.write(self.write_config([("myaccount", {
                "url": self.url("myaccount", scheme="https"), "ca_file": '"%s"' % self.ca,
                "expect": "{body_contains: Fy Nghyfrif, cert_min_days: 14}"})],
                interval="30s", timeout="10s"))  # two TLS handshakes, sanitized, on a busy machine
        r = run([GWYLIWR, "probe", "-c", cfg, "cardiff/myaccount"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = r.stdout
        self.assertRegex(out.splitlines()[0],
                         r"^UP: cardiff/myaccount \(http\): HTTP 200 from 127\.0\.0\.1:\d+ in .* \| "
                         r".*latency=")
        port = self.ports["myaccount"]
        self.assertIn("address      127.0.0.1:%d" % port, out)
        self.assertIn("redirects    1, to https://127.0.0.1:%d/login" % port, out)
        self.assertIn("http         HTTP/1.1 200", out)
        self.assertRegex(out, r"tls          TLSv1\.[23]")
        self.assertRegex(out, r"certificate  CN=localhost, issued by CN=gwyliwr-sim local CA, "
                              r"valid until \d{4}-\d\d-\d\d")
        for figure in ("dns", "connect", "tls", "ttfb", "size", "cert_days", "http_version"):
            self.assertRegex(out, r"\n  %s +\S" % figure)

        # A failing expectation is named, with why.
        with open(cfg, "w") as f:
            f.write(self.write_config([("www", {"url": self.url("web"),
                                                "expect": "{body_contains: Powys}"})]))
        r = run([GWYLIWR, "probe", "-c", cfg, "cardiff/www"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("expectation  the body from 127.0.0.1:%d does not contain \"Powys\""
                      % self.ports["web"], r.stdout)

        # A URL alone is enough.
        r = run([GWYLIWR, "probe", "--json", self.url("web", "/down")])
        self.assertEqual(r.returncode, 2)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["reason"], "http_status")
        self.assertEqual(doc["details"]["http"], "HTTP/1.1 503")

    # ---- the daemon --------------------------------------------------------------------

    def test_daemon_states_and_rrd_figures(self):
        data = os.path.join(self.tmp, "data")
        d = self.daemon(self.write_config([
            ("www", {"url": self.url("web"), "expect": "{body_contains: Croeso}"}),
            ("forms", {"url": self.url("web", "/down")}),
            ("myaccount", {"url": self.url("tls-expiring", scheme="https"),
                           "ca_file": '"%s"' % self.ca, "expect": "{cert_min_days: 14}"}),
        ]))
        d.wait_log(r"cardiff/www \(http\): UP: HTTP 200 from 127\.0\.0\.1:%d in "
                   % self.ports["web"], timeout=10)
        d.wait_log(r"cardiff/forms \(http\): DOWN after 2 failures: HTTP 503 from "
                   r"127\.0\.0\.1:%d after [0-9.]+ ms \(expected 2xx\)" % self.ports["web"],
                   timeout=10)
        d.wait_log(r"cardiff/myaccount \(http\): DEGRADED after 2 \w+: the certificate of "
                   r"127\.0\.0\.1:%d expires in 3\.0 days" % self.ports["tls-expiring"], timeout=10)

        rrd = lambda t: os.path.join(data, "cardiff", t + ".rrd")
        wait_until(lambda: all(os.path.exists(rrd(t)) for t in ("www", "forms", "myaccount")), 10,
                   what="RRD files")

        def recorded():
            _, www = rrd_lastupdate(rrd("www"))
            _, acct = rrd_lastupdate(rrd("myaccount"))
            return www.get("size") and acct.get("cert_days") and (www, acct)
        www, acct = wait_until(recorded, 10, what="figures in the RRD files")
        self.assertEqual(www["up"], 1.0)
        self.assertEqual(www["size"], 33.0)
        self.assertEqual(www["http_version"], 1.1)
        for ds in ("latency", "dns", "connect", "ttfb"):
            self.assertIsNotNone(www[ds], ds)
            self.assertLess(www[ds], 0.5, ds)
        self.assertNotIn("tls", www)  # plain HTTP declares no TLS figures
        self.assertEqual(acct["degraded"], 1.0)
        self.assertGreater(acct["tls"], 0.0)
        self.assertGreater(acct["cert_days"], 2.9)
        self.assertLess(acct["cert_days"], 3.1)
        code, _ = d.stop()
        self.assertEqual(code, 0, d.output()[-3000:])
        self.assertNotIn("internal error", d.output())

    def body_costs_the_daemon_little(self, override, kept_failure):
        """The route /flip answers with `override`: ten checks of each of two
        targets, one that asserts nothing on the body (it is only counted)
        and one that looks for text in it (the first 1 MiB is kept), leave
        the daemon's memory nearly where it was and cost little CPU."""
        self.control("DELETE", "/control/web/flip")
        if SANITIZE:
            # AddressSanitizer keeps freed memory in quarantine: without it
            # the daemon's RSS measures what the daemon holds.
            opts = os.environ.get("ASAN_OPTIONS", "")
            os.environ["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "quarantine_size_mb=0"
            self.addCleanup(os.environ.__setitem__, "ASAN_OPTIONS", opts)
        d = self.daemon(self.write_config([
            ("counted", {"url": self.url("web", "/flip")}),
            ("kept", {"url": self.url("web", "/flip"), "expect": "{body_contains: page}"}),
        ], interval="2s", timeout="2s"))
        d.wait_log(r"cardiff/counted \(http\): UP", timeout=10)
        d.wait_log(r"cardiff/kept \(http\): UP", timeout=10)
        time.sleep(2)
        before = rss_kib(d.proc.pid)
        cpu_before = cpu_s(d.proc.pid)

        self.control("POST", "/control/web/flip", override)
        self.control("DELETE", "/control/stats")
        wait_until(lambda: self.control("GET", "/control/stats")["listeners"]["web"]["routes"]
                   ["/flip"]["requests"] >= 10, 30, what="ten checks of the 1 GiB body")
        after = rss_kib(d.proc.pid)
        # Ten checks read at most 1 MiB of body each: a few milliseconds of
        # CPU each, where reading (or inflating) 1 GiB would take seconds.
        per_check = (cpu_s(d.proc.pid) - cpu_before) / 10
        d.wait_log(r"cardiff/kept \(http\): UP -> DOWN after 2 failures: %s" % kept_failure,
                   timeout=10)
        self.assertNotIn("cardiff/counted (http): UP -> DOWN", d.output())
        grown = after - before
        self.assertLess(grown, 4 * 1024, "RSS grew by %d KiB reading 1 GiB bodies" % grown)
        self.assertLess(per_check, 0.1 * SLOW, "%.3f s of CPU per check" % per_check)
        self.control("DELETE", "/control/web/flip")
        code, took = d.stop()
        self.assertEqual(code, 0)
        self.assertLess(took, 3 * SLOW)

    def test_huge_body_costs_the_daemon_little_memory(self):
        self.body_costs_the_daemon_little({"size": "1GiB"},
                                          r"no \"page\" in the first 1MiB of the body")

    def test_gzip_bomb_costs_the_daemon_little(self):
        # About 3 MiB on the wire that inflate to 1 GiB.
        self.body_costs_the_daemon_little({"size": "1GiB", "gzip": True},
                                          r"no \"page\" in the first 1MiB of the body")


if __name__ == "__main__":
    main()
