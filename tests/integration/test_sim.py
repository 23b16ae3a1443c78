"""gwyliwr-sim, the council simulator, asserted for real on 127.0.0.1.

Starts the simulator on ephemeral ports with a scenario written to a
temporary directory, with certificates made by sim/make-certs.sh, and checks
every behaviour with sockets, http.client and ssl: TCP open/banner/silent/
reset/closed/blackhole, HTTP status/delay/trickle/huge body/redirect loop/
reset/garbage/wrong content, HTTPS with each kind of certificate, the feeds,
schedules, the control endpoint, bad scenarios and SIGTERM.

Environment: GW_BUILD_DIR (the build tree), GW_SOURCE_DIR (the sources; the
fixtures beside it in ../shared are used when present), GW_SIM_WRAPPER
(optional command to run the simulator under, e.g. "valgrind -q
--leak-check=full --error-exitcode=99").
"""

import gzip
import http.client
import json
import os
import select
import shlex
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import zlib

import gwtest
from gwtest import TIMER_EARLY, best_of, wakeup_lateness

BUILD = os.environ.get("GW_BUILD_DIR", "build")
SOURCE = os.environ.get("GW_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SIM = os.path.join(BUILD, "bin", "gwyliwr-sim")
MAKE_CERTS = os.path.join(SOURCE, "sim", "make-certs.sh")
FIXTURES = os.path.join(SOURCE, "..", "shared", "fixtures")
WRAPPER = shlex.split(os.environ.get("GW_SIM_WRAPPER", ""))
# Under valgrind everything is slower, under the sanitizers less so; the
# timing assertions widen with it.
SLOW = 10.0 if WRAPPER else gwtest.SLOW

SCENARIO = r"""
description: everything the simulator can do, for its own test
listeners:
  control: {type: control}
  tcp-open: {type: tcp, banner: "220 mail.test ESMTP\r\n"}
  tcp-open-close: {type: tcp, banner: "hello then bye\r\n", close_after_banner: true}
  tcp-silent: {type: tcp, behaviour: silent}
  tcp-reset: {type: tcp, behaviour: reset}
  tcp-closed: {type: tcp, behaviour: closed}
  tcp-blackhole: {type: tcp, behaviour: blackhole}
  tcp-flap:
    type: tcp
    schedule:
      - {after: 1s, behaviour: closed}
    repeat: 2s
  tcp-switch: {type: tcp, bind: 127.0.0.1}
  web:
    type: http
    routes:
      /: {body: "Croeso / Welcome to the council"}
      /down: {status: 503, body: "down for maintenance", headers: {Retry-After: "30"}}
      /delay: {delay: 200ms, body: "slow"}
      /trickle: {body: "0123456789", trickle: {bytes: 2, every: 100ms}}
      /huge: {size: 1GiB}
      /gzip: {body: "Croeso / Welcome to the council", gzip: true}
      /gzip-generated: {size: 2097153, gzip: true}
      /gzip-bomb: {size: 1GiB, gzip: true}
      /loop: {redirect: /loop}
      /reset: {reset: true}
      /garbage: {garbage: true}
      /wrong: {body: "Under maintenance", content_type: text/plain}
      /file: {body_file: page.html}
      /auth: {auth: "Bearer s3cret", body: "secret"}
      /switch: {body: "normal"}
      /sched:
        body: "up"
        schedule:
          - {after: 1s, status: 503, body: "outage"}
        repeat: 2s
      /ocpi: {feed: {type: ocpi, name: cardiff, locations: 7, evses: 2, page_size: 3,
                     statuses: {OUTOFORDER: 3, CHARGING: 50%}}}
      /ocm: {feed: {type: ocm, sites: 5, connections: 2, statuses: {"100": 2}}}
      /meraki: {feed: {type: meraki, devices: 10, statuses: {offline: 2, alerting: 1, dormant: 1}}}
      /wifi-sched:
        feed: {type: meraki, devices: 6}
        schedule:
          - {after: 1s, feed: {statuses: {offline: 50%}}}
        repeat: 2s
      /health: {feed: {type: health}}
      /health-fail: {feed: {type: health, status: fail}}
      /summary: {feed: {type: statuspage, components: {Website: operational, Forms: major_outage}}}
  tls-valid: {type: https, cert: valid.crt, key: valid.key, routes: {/: {body: "valid"}}}
  tls-expired: {type: https, cert: expired.crt, key: expired.key, routes: {/: {body: "x"}}}
  tls-selfsigned: {type: https, cert: selfsigned.crt, key: selfsigned.key, routes: {/: {body: "x"}}}
  tls-wronghost: {type: https, cert: wronghost.crt, key: wronghost.key, routes: {/: {body: "x"}}}
  tls-expiring: {type: https, cert: expiring.crt, key: expiring.key, routes: {/: {body: "soon"}}}
"""


def start_sim(scenario_path, extra=(), timeout=15.0):
    """Starts the simulator and reads its listing up to "ready"."""
    cmd = WRAPPER + [SIM, "-c", scenario_path] + list(extra)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    listing = {}
    deadline = time.monotonic() + timeout * SLOW
    buf = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            proc.kill()
            raise AssertionError("the simulator did not say ready: %r" % buf)
        r, _, _ = select.select([proc.stdout], [], [], left)
        if not r:
            continue
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            err = proc.stderr.read().decode(errors="replace")
            proc.wait()
            raise AssertionError("the simulator exited %s before ready:\n%s" % (proc.returncode, err))
        buf += chunk
        if b"ready\n" in buf:
            break
    for line in buf.decode().splitlines():
        if line == "ready":
            break
        name, kind, addr = line.split()
        host, port = addr.rsplit(":", 1)
        assert host == "127.0.0.1", line
        listing[name] = (kind, int(port))
    return proc, listing


def stop_sim(proc, timeout=10.0):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=timeout * SLOW)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err.decode(errors="replace")


def change_brackets(samples):
    """From samples (time before, time after, state) taken one after another,
    the changes of state, each as the interval it happened in: after the last
    sample of the old state began, before the first of the new one ended."""
    return [(prev[0], cur[1]) for prev, cur in zip(samples, samples[1:]) if prev[2] != cur[2]]


def connect(port, timeout=2.0):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def raw_request(port, path, timeout=5.0):
    """Sends a GET and returns the socket, for reading the answer by hand."""
    s = connect(port, timeout)
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % (path, port)).encode())
    return s


def read_all(s):
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


class SimTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="gw-sim-test-")
        cls.dir = cls.tmp.name
        cls.certs = os.path.join(cls.dir, "certs")
        subprocess.run(["sh", MAKE_CERTS, cls.certs], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
        cls.scenario = os.path.join(cls.dir, "scenario.yaml")
        with open(cls.scenario, "w") as f:
            f.write(SCENARIO)
        with open(os.path.join(cls.dir, "page.html"), "wb") as f:
            f.write("<h1>Cyngor \u2014 Council</h1>\n".encode())
        cls.ports_file = os.path.join(cls.dir, "ports.json")
        cls.proc, cls.listing = start_sim(cls.scenario, ["--cert-dir", cls.certs, "--ports-file",
                                                         cls.ports_file])
        cls.port = {name: port for name, (_, port) in cls.listing.items()}

    @classmethod
    def tearDownClass(cls):
        code, err = stop_sim(cls.proc)
        cls.tmp.cleanup()
        if code != 0:
            raise AssertionError("the simulator exited %s after SIGTERM:\n%s" % (code, err[-4000:]))

    # ---- helpers ---------------------------------------------------------------

    def get(self, listener, path, headers=None, timeout=5.0):
        c = http.client.HTTPConnection("127.0.0.1", self.port[listener], timeout=timeout * SLOW)
        try:
            c.request("GET", path, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def control(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port["control"], timeout=10 * SLOW)
        try:
            data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
            c.request(method, "/control/" + path, body=data,
                      headers={"Content-Type": "application/json"} if data else {})
            r = c.getresponse()
            return r.status, json.loads(r.read() or b"null")
        finally:
            c.close()

    def feed(self, path):
        status, headers, body = self.get("web", path)
        self.assertEqual(status, 200, body)
        return headers, json.loads(body)

    def fixture(self, *parts):
        path = os.path.join(FIXTURES, *parts)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return json.load(f)

    def assertKeysFrom(self, generated, fixture, what):
        """Every key we generate is one the public shape has (no invented fields)."""
        if fixture is None:
            return
        extra = set(generated) - set(fixture)
        self.assertFalse(extra, "%s: keys not in the fixture: %s" % (what, sorted(extra)))

    def assertChangesEvery(self, samples, period):
        """The state of `samples` (see change_brackets) changed at least three
        times, `period` seconds apart: however long each sample took, times
        the changes could have had fit that period, within the simulator's
        own timer accuracy (which a busy machine makes worse)."""
        changes = change_brackets(samples)
        self.assertGreaterEqual(len(changes), 3, samples)
        tol = TIMER_EARLY + 0.1 * SLOW
        for (lo_a, hi_a), (lo_b, hi_b) in zip(changes, changes[1:]):
            shortest, longest = lo_b - hi_a, hi_b - lo_a
            self.assertTrue(shortest <= period + tol and longest >= period - tol,
                            "changes %.3f to %.3f s apart, expected %.1f s: %s"
                            % (shortest, longest, period, samples))

    def assertRefused(self, port):
        with self.assertRaises(ConnectionRefusedError):
            connect(port, 2.0).close()

    def assertHangs(self, port, wait=1.0):
        t0 = time.monotonic()
        with self.assertRaises(socket.timeout):
            connect(port, wait).close()
        self.assertGreaterEqual(time.monotonic() - t0, wait * 0.9)

    def assertReset(self, port):
        # The RST can beat a non-blocking connect() to its own completion:
        # then connect() itself reports it.
        with self.assertRaises(ConnectionResetError):
            s = connect(port)
            try:
                for _ in range(20):
                    if s.recv(100) == b"":
                        time.sleep(0.05)
            finally:
                s.close()

    # ---- start-up --------------------------------------------------------------------

    def test_listing_and_ports_file(self):
        with open(self.ports_file) as f:
            ports = json.load(f)
        self.assertEqual(ports, self.port)
        self.assertEqual(self.listing["web"][0], "http")
        self.assertEqual(self.listing["tls-valid"][0], "https")
        self.assertEqual(self.listing["tcp-open"][0], "tcp")
        self.assertEqual(self.listing["control"][0], "control")
        for name, port in ports.items():
            self.assertTrue(1024 <= port <= 65535, (name, port))
        self.assertEqual(len(set(ports.values())), len(ports))
        self.assertEqual([n for n in os.listdir(self.dir) if n.startswith("ports.json.")], [])

    # ---- TCP -------------------------------------------------------------------------------

    def test_tcp_open_banner_keeps_connection(self):
        s = connect(self.port["tcp-open"])
        try:
            self.assertEqual(s.recv(100), b"220 mail.test ESMTP\r\n")
            s.sendall(b"QUIT\r\n")
            s.settimeout(0.3)
            with self.assertRaises(socket.timeout):
                s.recv(100)
        finally:
            s.close()

    def test_tcp_open_close_after_banner(self):
        s = connect(self.port["tcp-open-close"])
        try:
            self.assertEqual(read_all(s), b"hello then bye\r\n")
        finally:
            s.close()

    def test_tcp_silent_accepts_and_never_answers(self):
        s = connect(self.port["tcp-silent"])
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(0.5)
            with self.assertRaises(socket.timeout):
                s.recv(100)
        finally:
            s.close()

    def test_tcp_reset(self):
        self.assertReset(self.port["tcp-reset"])

    def test_tcp_closed_refuses_and_keeps_the_port(self):
        port = self.port["tcp-closed"]
        self.assertRefused(port)
        # The port stays ours while closed: nobody else can bind it.
        s = socket.socket()
        try:
            with self.assertRaises(OSError):
                s.bind(("127.0.0.1", port))
        finally:
            s.close()

    def test_tcp_blackhole_connect_hangs(self):
        self.assertHangs(self.port["tcp-blackhole"], 1.0)

    def test_tcp_flapping_schedule(self):
        port = self.port["tcp-flap"]
        samples = []  # (time before, time after, open?)
        t_end = time.monotonic() + 4.5
        while time.monotonic() < t_end:
            before = time.monotonic()
            try:
                connect(port, 0.5).close()
                state = True
            except (ConnectionRefusedError, ConnectionResetError):
                # A connection caught in the backlog as the port closes is reset.
                state = False
            samples.append((before, time.monotonic(), state))
            time.sleep(0.02)
        self.assertEqual({s for _, _, s in samples}, {True, False})
        self.assertChangesEvery(samples, 1.0)

    def test_control_switches_tcp_behaviour(self):
        port = self.port["tcp-switch"]
        connect(port).close()
        try:
            status, reply = self.control("POST", "tcp-switch", {"behaviour": "closed"})
            self.assertEqual(status, 200, reply)
            self.assertEqual(reply["behaviour"], "closed")
            self.assertTrue(reply["controlled"])
            self.assertRefused(port)
            self.assertEqual(self.control("POST", "tcp-switch", {"behaviour": "blackhole"})[0], 200)
            self.assertHangs(port, 0.5)
            self.assertEqual(self.control("POST", "tcp-switch", {"behaviour": "reset"})[0], 200)
            self.assertReset(port)
            self.assertEqual(self.control("POST", "tcp-switch",
                                          {"behaviour": "open", "banner": "SSH-2.0-sim\r\n"})[0], 200)
            s = connect(port)
            self.assertEqual(s.recv(100), b"SSH-2.0-sim\r\n")
            s.close()
        finally:
            status, reply = self.control("DELETE", "tcp-switch")
        self.assertEqual(status, 200)
        self.assertFalse(reply["controlled"])
        s = connect(port)
        s.settimeout(0.3)
        with self.assertRaises(socket.timeout):
            s.recv(10)  # open without a banner again
        s.close()

    # ---- HTTP ----------------------------------------------------------------------------------

    def test_http_status_body_headers(self):
        status, headers, body = self.get("web", "/")
        self.assertEqual((status, body), (200, b"Croeso / Welcome to the council"))
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        status, headers, body = self.get("web", "/down")
        self.assertEqual((status, body), (503, b"down for maintenance"))
        self.assertEqual(headers["retry-after"], "30")
        self.assertEqual(self.get("web", "/no/such/page")[0], 404)

    def test_http_body_file(self):
        status, headers, body = self.get("web", "/file")
        self.assertEqual((status, body), (200, "<h1>Cyngor \u2014 Council</h1>\n".encode()))

    def test_http_wrong_content(self):
        status, headers, body = self.get("web", "/wrong")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/plain")
        self.assertNotIn(b"Croeso", body)

    def test_http_auth(self):
        self.assertEqual(self.get("web", "/auth")[0], 401)
        self.assertEqual(self.get("web", "/auth", {"Authorization": "Bearer wrong"})[0], 401)
        self.assertEqual(self.get("web", "/auth", {"Authorization": "Bearer s3cret"})[:3:2],
                         (200, b"secret"))

    def test_http_delay_is_measured_to_the_millisecond(self):
        port = self.port["web"]
        # A few ms late at best in a real build; tens of ms with the
        # sanitizers or valgrind; and as late again as a busy machine delays
        # the simulator's wake-up and ours, measured just before each request.
        late = 100.0 if SLOW > 1 else 12.0
        seen = []  # (ms, allowed)

        def measure():
            allowed = 200.0 + late + 2000 * wakeup_lateness()
            s = connect(port)
            try:
                t0 = time.perf_counter()
                s.sendall(b"GET /delay HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                first = s.recv(1)
                took = (time.perf_counter() - t0) * 1000
                self.assertEqual(first, b"H")
                self.assertTrue(read_all(s).endswith(b"slow"))
            finally:
                s.close()
            # Its timer may fire a little early, never more.
            self.assertGreaterEqual(took, 200.0 - TIMER_EARLY * 1e3)
            seen.append((took, allowed))
            return took - allowed
        self.assertLess(min(best_of(measure, lambda best: best < 0)), 0, seen)

    def test_http_trickle(self):
        s = raw_request(self.port["web"], "/trickle")
        try:
            t0 = time.monotonic()
            data, arrivals = b"", []
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
                arrivals.append(time.monotonic() - t0)
        finally:
            s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertIn(b"Content-Length: 10", head)
        self.assertEqual(body, b"0123456789")
        # 5 pieces of 2 bytes, 100 ms apart: the last comes about 400 ms in.
        self.assertGreaterEqual(arrivals[-1], 0.39)
        self.assertLess(arrivals[-1], 0.39 + 0.3 * SLOW)
        self.assertGreaterEqual(len(arrivals), 4)

    def test_http_huge_body_is_streamed(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port["web"], timeout=10 * SLOW)
        try:
            c.request("GET", "/huge")
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(int(r.getheader("Content-Length")), 1 << 30)
            got = 0
            first = r.read(64)
            self.assertTrue(first.startswith(b"gwyliwr-sim generated body"), first)
            got += len(first)
            while got < 8 << 20:
                chunk = r.read(1 << 20)
                self.assertTrue(chunk)
                got += len(chunk)
        finally:
            c.close()
        # Nothing like the whole gibibyte was ever held in memory.
        pid = self.proc.pid
        with open("/proc/%d/status" % pid) as f:
            hwm = [int(line.split()[1]) for line in f if line.startswith("VmHWM:")][0]
        if not WRAPPER:
            self.assertLess(hwm, 512 * 1024, "peak RSS %d KiB" % hwm)
        self.assertEqual(self.get("web", "/")[0], 200)

    def test_http_gzip_whatever_was_asked(self):
        # Asked for nothing: compressed all the same, as some CDNs do.
        status, headers, body = self.get("web", "/gzip", {"Accept-Encoding": "identity"})
        self.assertEqual((status, headers["content-encoding"]), (200, "gzip"))
        self.assertEqual(int(headers["content-length"]), len(body))
        self.assertEqual(gzip.decompress(body), b"Croeso / Welcome to the council")
        # A generated body: two whole blocks and one byte more, the same bytes
        # as the uncompressed one (gzip.decompress checks the CRC and length).
        _, headers, body = self.get("web", "/gzip-generated")
        self.assertEqual(headers["content-encoding"], "gzip")
        plain = gzip.decompress(body)
        self.assertEqual(len(plain), 2097153)
        line = b"gwyliwr-sim generated body, repeated to the size asked for.....\n"
        self.assertEqual(plain, (line * (2097153 // len(line) + 1))[:2097153])

    def test_http_gzip_bomb(self):
        # 1 GiB that arrives as a few MiB; inflated here in pieces, never whole.
        c = http.client.HTTPConnection("127.0.0.1", self.port["web"], timeout=10 * SLOW)
        try:
            c.request("GET", "/gzip-bomb")
            r = c.getresponse()
            self.assertEqual(r.getheader("Content-Encoding"), "gzip")
            wire = int(r.getheader("Content-Length"))
            self.assertLess(wire, 4 << 20)
            inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            total, data = 0, r.read()
            self.assertEqual(len(data), wire)
            while data:
                total += len(inflate.decompress(data, 16 << 20))
                data = inflate.unconsumed_tail
            # The trailer's CRC and length were checked at the end of the stream.
            self.assertTrue(inflate.eof)
            self.assertEqual(total, 1 << 30)
        finally:
            c.close()

    def test_http_redirect_loop(self):
        status, headers, _ = self.get("web", "/loop")
        self.assertEqual(status, 302)
        self.assertEqual(headers["location"], "/loop")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen("http://127.0.0.1:%d/loop" % self.port["web"], timeout=5 * SLOW)
        self.assertIn("infinite loop", str(cm.exception))

    def test_http_reset(self):
        s = raw_request(self.port["web"], "/reset")
        try:
            with self.assertRaises(ConnectionResetError):
                s.recv(100)
        finally:
            s.close()

    def test_http_garbage(self):
        s = raw_request(self.port["web"], "/garbage")
        try:
            data = read_all(s)
        finally:
            s.close()
        self.assertTrue(data)
        self.assertFalse(data.startswith(b"HTTP/"), data)
        with self.assertRaises(http.client.HTTPException):
            self.get("web", "/garbage")

    # ---- HTTPS -------------------------------------------------------------------------------

    def tls_get(self, listener, verify=True):
        ctx = ssl.create_default_context(cafile=os.path.join(self.certs, "ca.crt"))
        if not verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        c = http.client.HTTPSConnection("127.0.0.1", self.port[listener], context=ctx,
                                        timeout=5 * SLOW)
        try:
            c.request("GET", "/")
            r = c.getresponse()
            return r.status, r.read(), c.sock.getpeercert(binary_form=True)
        finally:
            c.close()

    def assertVerifyFails(self, listener, code):
        with self.assertRaises(ssl.SSLCertVerificationError) as cm:
            self.tls_get(listener)
        self.assertEqual(cm.exception.verify_code, code, cm.exception)
        # The server itself works: only the certificate is wrong.
        self.assertEqual(self.tls_get(listener, verify=False)[0], 200)

    def test_https_valid(self):
        status, body, _ = self.tls_get("tls-valid")
        self.assertEqual((status, body), (200, b"valid"))

    def test_https_expired(self):
        self.assertVerifyFails("tls-expired", 10)  # X509_V_ERR_CERT_HAS_EXPIRED

    def test_https_self_signed(self):
        self.assertVerifyFails("tls-selfsigned", 18)  # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT

    def test_https_wrong_host(self):
        # Asked for by address: X509_V_ERR_IP_ADDRESS_MISMATCH.
        self.assertVerifyFails("tls-wronghost", 64)

    def test_https_expiring_in_three_days(self):
        ctx = ssl.create_default_context(cafile=os.path.join(self.certs, "ca.crt"))
        with socket.create_connection(("127.0.0.1", self.port["tls-expiring"]), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                not_after = ssl.cert_time_to_seconds(s.getpeercert()["notAfter"])
        days = (not_after - time.time()) / 86400
        self.assertTrue(2.9 < days <= 3.0, days)

    # ---- feeds ----------------------------------------------------------------------------------

    def test_feed_ocpi_paging(self):
        headers, doc = self.feed("/ocpi")
        self.assertEqual(headers["x-total-count"], "7")
        self.assertEqual(headers["x-limit"], "3")
        self.assertEqual(headers["content-type"], "application/json")
        base = "http://127.0.0.1:%d/ocpi" % self.port["web"]
        self.assertEqual(headers["link"], '<%s?offset=3&limit=3>; rel="next"' % base)
        self.assertEqual((doc["status_code"], doc["status_message"]), (1000, "Success"))
        self.assertIn("timestamp", doc)
        locations, pages = list(doc["data"]), 1
        link = headers.get("link")
        while "link" in headers:
            url = headers["link"][1:headers["link"].index(">")]
            path = url[len("http://127.0.0.1:%d" % self.port["web"]):]
            headers, doc = self.feed(path)
            locations += doc["data"]
            pages += 1
        self.assertEqual(pages, 3)
        self.assertIsNotNone(link)
        self.assertEqual(len(locations), 7)
        self.assertEqual(len({loc["id"] for loc in locations}), 7)
        evses = [e for loc in locations for e in loc["evses"]]
        self.assertEqual(len(evses), 14)
        statuses = [e["status"] for e in evses]
        self.assertEqual(statuses.count("OUTOFORDER"), 3)
        self.assertEqual(statuses.count("CHARGING"), 7)
        self.assertEqual(statuses.count("AVAILABLE"), 4)
        # A client may ask for smaller pages.
        headers, doc = self.feed("/ocpi?offset=6&limit=2")
        self.assertEqual((headers["x-limit"], len(doc["data"])), ("2", 1))
        self.assertNotIn("link", headers)
        # The shape is the specification's.
        for key in ("country_code", "party_id", "id", "publish", "address", "city", "country",
                    "coordinates", "evses", "time_zone", "last_updated"):
            self.assertIn(key, locations[0])
        for key in ("uid", "status", "connectors", "last_updated"):
            self.assertIn(key, evses[0])
        fixture = self.fixture("ocpi", "locations_page1.json")
        if fixture:
            self.assertEqual(set(doc) - {"data"}, set(fixture) - {"data"})
            f_loc = fixture["data"][0]
            self.assertKeysFrom(locations[0], f_loc, "location")
            self.assertKeysFrom(evses[0], f_loc["evses"][0], "evse")
            self.assertKeysFrom(evses[0]["connectors"][0], f_loc["evses"][0]["connectors"][0],
                                "connector")

    def test_feed_ocpi_follows_control(self):
        try:
            status, reply = self.control("POST", "web/ocpi",
                                         {"feed": {"statuses": {"OUTOFORDER": "100%"}}})
            self.assertEqual(status, 200, reply)
            _, doc = self.feed("/ocpi?limit=3")
            self.assertEqual({e["status"] for loc in doc["data"] for e in loc["evses"]},
                             {"OUTOFORDER"})
        finally:
            self.control("DELETE", "web/ocpi")
        _, doc = self.feed("/ocpi?offset=6")
        self.assertEqual([e["status"] for loc in doc["data"] for e in loc["evses"]],
                         ["AVAILABLE", "AVAILABLE"])

    def test_feed_ocm(self):
        _, doc = self.feed("/ocm")
        self.assertIsInstance(doc, list)
        self.assertEqual(len(doc), 5)
        self.assertEqual([p["StatusTypeID"] for p in doc], [100, 100, 50, 50, 50])
        self.assertEqual([p["StatusType"]["IsOperational"] for p in doc], [False, False, True, True, True])
        for p in doc:
            self.assertEqual(len(p["Connections"]), 2)
            self.assertIn("Latitude", p["AddressInfo"])
        fixture = self.fixture("ocm", "poi.json")
        if fixture:
            self.assertKeysFrom(doc[0], fixture[0], "POI")
            self.assertKeysFrom(doc[0]["AddressInfo"], fixture[0]["AddressInfo"], "AddressInfo")
            self.assertKeysFrom(doc[0]["Connections"][0], fixture[0]["Connections"][0], "Connection")

    def test_feed_meraki(self):
        _, doc = self.feed("/meraki")
        self.assertEqual(len(doc), 10)
        statuses = [d["status"] for d in doc]
        self.assertEqual((statuses.count("offline"), statuses.count("alerting"),
                          statuses.count("dormant"), statuses.count("online")), (2, 1, 1, 6))
        self.assertEqual(len({d["serial"] for d in doc}), 10)
        fixture = self.fixture("wifi", "meraki_statuses.json")
        if fixture:
            self.assertKeysFrom(doc[0], fixture[0], "device")
            self.assertEqual(set(doc[0]), set(fixture[0]))

    def test_feed_health(self):
        status, headers, body = self.get("web", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/health+json")
        self.assertEqual(json.loads(body)["status"], "pass")
        status, headers, body = self.get("web", "/health-fail")
        self.assertEqual(status, 503)
        doc = json.loads(body)
        self.assertEqual(doc["status"], "fail")
        self.assertIn("fail", [c["status"] for checks in doc["checks"].values() for c in checks])
        fixture = self.fixture("health", "health_json_fail.json")
        if fixture:
            self.assertKeysFrom(doc, fixture, "health")

    def test_feed_statuspage(self):
        _, doc = self.feed("/summary")
        self.assertEqual({c["name"]: c["status"] for c in doc["components"]},
                         {"Website": "operational", "Forms": "major_outage"})
        self.assertEqual(doc["status"]["indicator"], "critical")
        self.assertEqual(len(doc["incidents"]), 1)
        self.assertEqual([c["name"] for c in doc["incidents"][0]["components"]], ["Forms"])
        fixture = self.fixture("health", "statuspage_summary.json")
        if fixture:
            self.assertEqual(set(doc), set(fixture))
            self.assertKeysFrom(doc["components"][0], fixture["components"][1], "component")

    # ---- schedules and control -------------------------------------------------------------------

    def test_route_schedule_phases(self):
        samples = []  # (time before, time after, status)
        offline = set()  # the scheduled feed's counts seen meanwhile
        t_end = time.monotonic() + 4.5
        while time.monotonic() < t_end:
            before = time.monotonic()
            status, _, body = self.get("web", "/sched")
            samples.append((before, time.monotonic(), status))
            self.assertIn((status, body), [(200, b"up"), (503, b"outage")])
            _, doc = self.feed("/wifi-sched")
            offline.add([d["status"] for d in doc].count("offline"))
            time.sleep(0.02)
        self.assertEqual(offline, {0, 3})
        self.assertChangesEvery(samples, 1.0)
        status, stats = self.control("GET", "stats")
        self.assertIn(stats["listeners"]["web"]["routes"]["/sched"]["phase"], (-1, 0))

    def test_control_http_override(self):
        try:
            status, reply = self.control("POST", "web/switch",
                                         {"status": 500, "body": "boom", "delay": "100ms"})
            self.assertEqual(status, 200, reply)
            self.assertEqual((reply["listener"], reply["route"]), ("web", "/switch"))
            t0 = time.monotonic()
            status, _, body = self.get("web", "/switch")
            self.assertGreaterEqual(time.monotonic() - t0, 0.100 - TIMER_EARLY)
            self.assertEqual((status, body), (500, b"boom"))
            status, reply = self.control("GET", "web/switch")
            self.assertTrue(reply["controlled"])
            # An override replaces the previous one: it is laid on the base.
            self.control("POST", "web/switch", {"reset": True})
            s = raw_request(self.port["web"], "/switch")
            with self.assertRaises(ConnectionResetError):
                s.recv(10)
            s.close()
        finally:
            status, reply = self.control("DELETE", "web/switch")
        self.assertEqual(status, 200)
        self.assertFalse(reply["controlled"])
        self.assertEqual(self.get("web", "/switch")[:3:2], (200, b"normal"))

    def test_control_errors(self):
        status, reply = self.control("POST", "web/switch", b"{not json")
        self.assertEqual(status, 400)
        self.assertTrue(any(e.startswith("request.json:1:") for e in reply["errors"]), reply)
        status, reply = self.control("POST", "web/switch", {"stauts": 503})
        self.assertEqual(status, 400)
        self.assertIn('did you mean "status"', " ".join(reply["errors"]))
        status, reply = self.control("POST", "web/switch", {"delay": "soon"})
        self.assertEqual(status, 400)
        self.assertIn("bad duration", " ".join(reply["errors"]))
        self.assertEqual(self.control("POST", "nosuch", {"behaviour": "closed"})[0], 404)
        self.assertEqual(self.control("POST", "web/nosuch", {"status": 500})[0], 404)
        self.assertEqual(self.control("POST", "web", {"status": 500})[0], 400)
        self.assertEqual(self.control("POST", "tcp-open", {"behaviour": "sideways"})[0], 400)
        self.assertEqual(self.get("web", "/switch")[:3:2], (200, b"normal"))

    def test_control_stats_count(self):
        # Other tests run before and after; count what this one does.
        _, before = self.control("GET", "stats")
        for _ in range(3):
            self.get("web", "/wrong")
        for _ in range(2):
            s = connect(self.port["tcp-silent"])
            s.close()
        _, after = self.control("GET", "stats")
        web0, web1 = before["listeners"]["web"], after["listeners"]["web"]
        self.assertEqual(web1["routes"]["/wrong"]["requests"] - web0["routes"]["/wrong"]["requests"], 3)
        self.assertEqual(web1["requests"] - web0["requests"], 3)
        silent0 = before["listeners"]["tcp-silent"]["connections"]
        silent1 = after["listeners"]["tcp-silent"]["connections"]
        self.assertEqual(silent1 - silent0, 2)
        self.assertEqual(after["listeners"]["tcp-silent"]["behaviour"], "silent")
        self.assertEqual(after["listeners"]["tcp-silent"]["port"], self.port["tcp-silent"])
        self.assertEqual(self.control("DELETE", "stats")[0], 200)
        _, zero = self.control("GET", "stats")
        self.assertEqual(zero["listeners"]["tcp-silent"]["connections"], 0)


class SimLifecycleTest(unittest.TestCase):
    """Start-up and shutdown, each with its own simulator."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="gw-sim-life-")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_sigterm_with_requests_in_flight_exits_0(self):
        path = self.write("s.yaml", """
listeners:
  web:
    type: http
    routes:
      /slow: {delay: 30s}
      /drip: {body: "0123456789", trickle: {bytes: 1, every: 1s}}
  keep: {type: tcp, behaviour: silent}
  hole: {type: tcp, behaviour: blackhole}
""")
        proc, listing = start_sim(path)
        web = listing["web"][1]
        held = [raw_request(web, "/slow"), raw_request(web, "/drip"), connect(listing["keep"][1])]
        try:
            time.sleep(0.3 * SLOW)  # both requests are now suspended in the simulator
            t0 = time.monotonic()
            code, err = stop_sim(proc)
            self.assertEqual(code, 0, err)
            self.assertLess(time.monotonic() - t0, 3.0 * SLOW)
            self.assertIn("stopping", err)
        finally:
            for s in held:
                s.close()

    def test_sigint_exits_0(self):
        path = self.write("s.yaml", "listeners:\n  a: {type: tcp}\n")
        proc, _ = start_sim(path)
        proc.send_signal(signal.SIGINT)
        code, err = stop_sim(proc)
        self.assertEqual(code, 0, err)

    def test_signals_while_stopping_never_kill_it(self):
        # Ctrl-C and the caller's SIGTERM, or SIGTERM twice, the second at
        # once or while the first is being handled (the window where a
        # restored default action used to kill it), and a SIGHUP (ignored):
        # exit 0 every time.
        path = self.write("s.yaml", "listeners:\n  a: {type: tcp}\n  w: {type: http}\n")
        rounds = [((signal.SIGHUP, signal.SIGTERM), 0.0)]
        for gap in (0.0, 0.0002, 0.0005, 0.001, 0.002):
            rounds += [((signal.SIGINT, signal.SIGTERM), gap), ((signal.SIGTERM, signal.SIGTERM), gap)]
        for signals, gap in rounds:
            with self.subTest(signals=[s.name for s in signals], gap=gap):
                proc, _ = start_sim(path)
                proc.send_signal(signals[0])
                time.sleep(gap)
                try:
                    proc.send_signal(signals[1])
                except ProcessLookupError:
                    pass  # already gone: stop_sim reads its status
                code, err = stop_sim(proc)
                self.assertEqual(code, 0, err)

    def test_bad_scenario_reports_every_error(self):
        path = self.write("bad.yaml", """listeners:
  web:
    type: http
    bind: 0.0.0.0
    routes:
      /a: {stauts: 503}
      /b: {delay: soon}
      /c:
        body: x
        schedule:
          - {after: 2s, status: 503}
          - {after: 1s, status: 200}
        repeat: 1s
  tls: {type: https, routes: {/: {garbage: true}}}
  t: {type: tcp, behaviour: sideways, port: 70000}
  u: {type: udp}
""")
        r = subprocess.run(WRAPPER + [SIM, "-c", path], capture_output=True, text=True,
                           timeout=30 * SLOW)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, "")
        errors = [l for l in r.stderr.splitlines() if ": error: " in l]
        expect = [
            ("4:11", "127.0.0.1 only"),
            ("6:12", 'did you mean "status"'),
            ("7:19", "bad duration"),
            ("12:21", "time order"),
            ("13:17", "repeat must be longer"),
            ("14:8", 'missing required key "cert"'),
            ("14:44", "garbage needs plain HTTP"),
            ("15:29", 'unknown behaviour "sideways"'),
            ("15:45", "out of range"),
            ("16:13", 'unknown listener type "udp"'),
        ]
        for pos, text in expect:
            self.assertTrue(any(l.startswith("%s:%s: error: " % (path, pos)) and text in l
                                for l in errors), "%s %s not in:\n%s" % (pos, text, r.stderr))
        self.assertEqual(len(errors), len(expect), r.stderr)

    def test_check_mode(self):
        path = os.path.join(SOURCE, "sim", "demo-estate.yaml")
        certs = os.path.join(self.tmp.name, "certs")
        subprocess.run(["sh", MAKE_CERTS, certs], check=True, capture_output=True)
        r = subprocess.run([SIM, "-c", path, "--cert-dir", certs, "--check"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        # Without certificates the https listeners cannot be served.
        r = subprocess.run([SIM, "-c", path, "--check"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("valid.crt", r.stderr)

    def test_port_in_use_exits_1(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        try:
            path = self.write("s.yaml", "listeners:\n  a: {type: tcp, port: %d}\n" % s.getsockname()[1])
            r = subprocess.run(WRAPPER + [SIM, "-c", path], capture_output=True, text=True,
                               timeout=30 * SLOW)
        finally:
            s.close()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("cannot bind", r.stderr)
        self.assertNotIn("ready", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
