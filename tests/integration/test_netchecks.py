"""The network and host checks end to end: the real daemon pinging
127.0.0.1, asking a dnsmasq of the test's own on 127.0.0.2, running a
Monitoring Plugin against a local listener and downloading from a local HTTP
server, every result recorded in its RRD file with the check's figures;
`gwyliwr probe` on each."""

import http.server
import os
import socket
import subprocess
import threading

from gwtest import GWYLIWR, TestCase, main, rrd_lastupdate, run, wait_until

OBJECT = b"x" * (512 * 1024)


class ObjectHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(OBJECT)))
        self.end_headers()
        self.wfile.write(OBJECT)

    def log_message(self, *args):
        pass


def free_udp_port(ip):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


class NetChecks(TestCase):
    def setUp(self):
        super().setUp()
        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ObjectHandler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.dns_port = free_udp_port("127.0.0.2")
        self.dnsmasq = subprocess.Popen(
            ["/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
             "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.2",
             "--port=%d" % self.dns_port, "--pid-file=", "--log-facility=/dev/null",
             "--host-record=www.example.test,127.0.0.10"])

    def tearDown(self):
        self.dnsmasq.terminate()
        self.dnsmasq.wait()
        self.http.shutdown()
        self.http.server_close()
        super().tearDown()

    def config(self, tcp_port):
        # Results written as they come (rrd_write_delay): the test reads the
        # files while the daemon runs.
        return """daemon:
  data_dir: %(tmp)s/data
  log_level: info
  rrd_write_delay: 0s
defaults:
  interval: 1s
  timeout: 900ms
councils:
  - id: powys
    targets:
      - {id: ping, check: icmp, host: 127.0.0.1, count: 3, spacing: 20ms, wait: 300ms}
      - {id: ping6, check: icmp, host: "::1", count: 2, spacing: 20ms, wait: 300ms}
      - id: dns
        check: dns
        name: www.example.test
        server: "127.0.0.2:%(dns)d"
        expect: {answers: [127.0.0.10]}
      - id: smtp
        check: exec
        command: [check_tcp, -H, 127.0.0.1, -p, "%(tcp)d", -t, "1"]
        perfdata: {time: connect}
      - id: line
        check: throughput
        url: http://127.0.0.1:%(http)d/object
        min_rate: 1Mbit/s
""" % {"tmp": self.tmp, "dns": self.dns_port, "tcp": tcp_port,
       "http": self.http.server_address[1]}

    def test_results_are_recorded_with_their_figures(self):
        listener = self.listener("open")
        d = self.daemon(self.config(listener.port))
        d.wait_log("running:")
        data = os.path.join(self.tmp, "data", "powys")
        want = {
            "ping": ["median", "loss", "min", "max", "stddev", "s01", "s02", "s03"],
            "ping6": ["median", "s01", "s02"],
            "dns": ["answers"],
            "smtp": ["connect"],
            "line": ["rate", "first_byte", "size"],
        }

        def recorded():
            for target, figures in want.items():
                path = os.path.join(data, target + ".rrd")
                if not os.path.exists(path):
                    return False
                _, values = rrd_lastupdate(path)
                if values.get("up") != 1 or any(values.get(f) is None for f in figures):
                    return False
            return True
        wait_until(recorded, 20, what="every target's figures in its RRD file")
        _, ping = rrd_lastupdate(os.path.join(data, "ping.rrd"))
        self.assertEqual(ping["loss"], 0)
        self.assertLessEqual(ping["min"], ping["median"])
        self.assertLessEqual(ping["median"], ping["max"])
        _, line = rrd_lastupdate(os.path.join(data, "line.rrd"))
        self.assertEqual(line["size"], len(OBJECT))
        self.assertGreater(line["rate"], 125000)
        _, dns = rrd_lastupdate(os.path.join(data, "dns.rrd"))
        self.assertEqual(dns["answers"], 1)
        self.assertEqual(d.count(r"UP -> DOWN|-> UNKNOWN"), 0, d.output())

        # One of them failing is logged as a transition, with its reason.
        listener.close()
        d.wait_log(r"powys/smtp \(exec\): UP -> DOWN after 3 failures: connect to address "
                   r"127\.0\.0\.1 and port \d+: Connection refused", timeout=15)
        code, _ = d.stop()
        self.assertEqual(code, 0)

    def test_probe_shows_each_check(self):
        listener = self.listener("open")
        path = os.path.join(self.tmp, "probe.yaml")
        with open(path, "w") as f:
            f.write(self.config(listener.port))
        expected = {
            "powys/ping": ["UP: powys/ping (icmp): 127.0.0.1 answered 3 of 3 pings",
                           "  socket       "],
            "powys/dns": ["UP: powys/dns (dns): www.example.test A 127.0.0.10 from 127.0.0.2:",
                          "  answers      127.0.0.10"],
            "powys/smtp": ["UP: powys/smtp (exec): TCP OK", "  exit         exit 0 in "],
            "powys/line": ["UP: powys/line (throughput): downloaded 512 KiB from 127.0.0.1:",
                           "  rate         "],
        }
        for target, lines in expected.items():
            r = run([GWYLIWR, "probe", "-c", path, target])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            for line in lines:
                self.assertIn(line, r.stdout)

    def test_check_config_counts_the_figures(self):
        listener = self.listener("open")
        path = os.path.join(self.tmp, "c.yaml")
        with open(path, "w") as f:
            f.write(self.config(listener.port))
        r = run([GWYLIWR, "check-config", "-c", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("storage: 5 targets", r.stdout + r.stderr)


if __name__ == "__main__":
    main()
