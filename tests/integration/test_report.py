"""`gwyliwr report` on real data: the daemon against the simulator with
outages scripted through its control endpoint, then the report of that span
checked against what was scripted; and hand-made data directories (an event
log and RRD files written here) for whole months, one with a change of the
clocks, checked figure by figure in every format and both languages.
"""

import calendar
import csv
import io
import json
import os
import pty
import shutil
import signal
import subprocess
import time
from html.parser import HTMLParser

from gwtest import GWYLIWR, SLOW, TestCase, main, run, sim_control, start_sim

SCENARIO = r"""
description: scripted outages for the report's integration test
listeners:
  control: {type: control}
  vpn: {type: tcp}
  site:
    type: http
    routes:
      /: {body: "<h1>Welcome to Cardiff</h1>"}
      /cy: {body: "<h1>Croeso i Gaerdydd</h1>"}
"""

H = 3600 * 1000
M = 60 * 1000


def last_sunday_0100(year, month):
    """01:00 UTC on the last Sunday of a month: when British clocks change."""
    days = calendar.monthrange(year, month)[1]
    t = calendar.timegm((year, month, days, 1, 0, 0))
    return t - ((time.gmtime(t).tm_wday + 1) % 7) * 86400


def london_midnight(year, month):
    """Seconds since the epoch of 00:00 on the 1st of a month in Europe/London."""
    utc = calendar.timegm((year, month, 1, 0, 0, 0))
    bst = last_sunday_0100(year, 3) <= utc - 3600 < last_sunday_0100(year, 10)
    return utc - 3600 if bst else utc


def month_before(year, month, n=1):
    k = year * 12 + (month - 1) - n
    return k // 12, k % 12 + 1


def month_bounds(year, month):
    ny, nm = month_before(year, month, -1)
    return london_midnight(year, month) * 1000, london_midnight(ny, nm) * 1000


def now_month():
    t = time.time()
    y, m = time.gmtime(t)[:2]
    # Local time is at most an hour ahead of UTC: the 1st may have begun already.
    ny, nm = month_before(y, m, -1)
    if t >= london_midnight(ny, nm):
        return ny, nm
    return y, m


class Shape(HTMLParser):
    """Well-formedness and the accessibility the report promises: lang on
    <html>, a caption and column headers in every table, a row header in
    every row."""

    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def __init__(self):
        super().__init__()
        self.stack = []
        self.lang = None
        self.tables = 0
        self.captions = 0
        self.rows_without_header = 0
        self.row_has_header = None
        self.ids = set()
        self.errors = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append("duplicate id %s" % a["id"])
            self.ids.add(a["id"])
        if tag == "table":
            self.tables += 1
        if tag == "caption":
            self.captions += 1
        if tag == "tr":
            self.row_has_header = False
        if tag == "th":
            if a.get("scope") not in ("col", "row"):
                self.errors.append("a th without scope")
            self.row_has_header = True
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "tr" and not self.row_has_header:
            self.rows_without_header += 1
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else ""))
        else:
            self.stack.pop()


def check_html(test, text, lang):
    shape = Shape()
    shape.feed(text)
    shape.close()
    test.assertEqual(shape.errors, [])
    test.assertEqual(shape.stack, [])
    test.assertEqual(shape.lang, lang)
    test.assertGreater(shape.tables, 2)
    test.assertEqual(shape.captions, shape.tables)
    test.assertEqual(shape.rows_without_header, 0)
    tidy = shutil.which("tidy")
    if tidy:
        # HTML5 errors and warnings alike fail: tidy exits 0 only for a clean page.
        p = subprocess.run([tidy, "-q", "-e", "--show-warnings", "yes"], input=text.encode(),
                           capture_output=True)
        test.assertEqual(p.returncode, 0, p.stderr.decode())


def report(test, config, *args, fmt="json", lang="en"):
    """The report's text (CSV with its CRLFs as they are), or JSON parsed."""
    p = subprocess.run([GWYLIWR, "report", "-c", config, "--format", fmt, "--lang", lang, *args],
                       capture_output=True, timeout=60 * SLOW)
    test.assertEqual(p.returncode, 0, p.stderr.decode())
    text = p.stdout.decode()
    return json.loads(text) if fmt == "json" else text


WELSH_MONTHS = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst",
                "Medi", "Hydref", "Tachwedd", "Rhagfyr"]


def targets_of(doc):
    return {t["id"]: t for c in doc["councils"] for t in c["targets"]}


class ReportFromDaemonTest(TestCase):
    """The daemon checks a simulated estate every second while outages are
    played; the report of that span must show them."""

    def setUp(self):
        super().setUp()
        self.sim, self.ports = start_sim(self.tmp, SCENARIO)

    def tearDown(self):
        self.sim.send_signal(signal.SIGTERM)
        self.sim.wait(timeout=10 * SLOW)
        self.sim.stdout.close()
        super().tearDown()

    def outage(self, path, override, seconds):
        """Plays an outage for `seconds`; returns how long it really lasted."""
        sim_control(self.ports["control"], "POST", path, override)
        began = time.time()
        time.sleep(seconds)
        sim_control(self.ports["control"], "DELETE", path)
        return time.time() - began

    def test_scripted_outages_are_reported(self):
        data = os.path.join(self.tmp, "data")
        site = "http://127.0.0.1:%d" % self.ports["site"]
        config = """daemon:
  data_dir: %s
  listen: ""
defaults:
  interval: 1s
  timeout: 1s
  failure_threshold: 1
  success_threshold: 1
  sla: 99%%
councils:
  - id: cardiff
    name: Cardiff Council
    name_cy: Cyngor Caerdydd
    targets:
      - {id: vpn, check: tcp, host: 127.0.0.1, port: %d, category: connectivity}
      - {id: website, check: http, url: "%s/", category: digital-services, language: en}
      - {id: website-cy, check: http, url: "%s/cy", category: digital-services,
         language: cy, parity_with: website}
""" % (data, self.ports["vpn"], site, site)
        begin = int(time.time())
        d = self.daemon(config)
        # Results wait for rrd_write_delay: the report is read after the stop writes them.
        for t in ("vpn", "website", "website-cy"):
            d.wait_log(r"cardiff/%s \(\w+\): UP" % t, timeout=15)
        time.sleep(3)
        vpn_down = self.outage("/control/vpn", {"behaviour": "closed"}, 6)
        time.sleep(3)
        cy_down = self.outage("/control/site/cy", {"status": 503}, 5)
        time.sleep(3)
        code, _ = d.stop()
        self.assertEqual(code, 0)
        end = int(time.time()) + 1
        cfg = d.config_path

        doc = report(self, cfg, "--from", str(begin), "--to", str(end))
        self.assertEqual(doc["period"]["start_ms"], begin * 1000)
        self.assertIsNone(doc["period"]["month"])
        t = targets_of(doc)
        tolerance = 2.5 * SLOW
        for tid in t:
            self.assertIn(t[tid]["source"], ("rrd", "events"), tid)
        vpn = t["cardiff/vpn"]["figures"]
        self.assertAlmostEqual(vpn["downtime_minutes"] * 60, vpn_down, delta=tolerance)
        self.assertEqual(vpn["outages"], 1, t["cardiff/vpn"])
        self.assertLess(vpn["availability"], 0.99)
        self.assertEqual(t["cardiff/vpn"]["sla_result"], "missed")
        self.assertEqual(len(t["cardiff/vpn"]["outages"]), 1)
        outage = t["cardiff/vpn"]["outages"][0]
        self.assertGreaterEqual(outage["start_ms"], begin * 1000)
        self.assertLessEqual(outage["end_ms"], end * 1000)

        www = t["cardiff/website"]["figures"]
        self.assertEqual(www["downtime_minutes"], 0)
        self.assertEqual(www["outages"], 0)
        self.assertEqual(t["cardiff/website"]["sla_result"], "met")

        cy = t["cardiff/website-cy"]["figures"]
        self.assertAlmostEqual(cy["downtime_minutes"] * 60, cy_down, delta=tolerance)
        self.assertEqual(cy["outages"], 1)

        # Every second of the span is in one bucket; what the daemon did not cover
        # (before its first check, after it stopped) is not monitored, never down.
        for tid, target in t.items():
            f = target["figures"]
            total = (f["up_minutes"] + f["degraded_minutes"] + f["downtime_minutes"]
                     + f["maintenance_minutes"] + f["unknown_minutes"]
                     + f["not_monitored_minutes"])
            self.assertAlmostEqual(total, f["period_minutes"], delta=0.01, msg=tid)
            self.assertGreater(f["not_monitored_minutes"], 0, tid)

        self.assertEqual(len(doc["parity"]), 1)
        pair = doc["parity"][0]
        self.assertEqual((pair["welsh"], pair["english"]), ("cardiff/website-cy", "cardiff/website"))
        self.assertAlmostEqual(pair["welsh_down_english_up_minutes"] * 60, cy_down, delta=tolerance)
        self.assertEqual(pair["english_down_welsh_up_minutes"], 0)
        self.assertEqual(doc["league"][0]["council"], "cardiff")

        # The other formats say the same.
        rows = list(csv.reader(io.StringIO(report(self, cfg, "--from", str(begin), "--to", str(end),
                                                  fmt="csv"), newline="")))
        byid = {r[4]: r for r in rows[1:] if r[0] == "target"}
        self.assertAlmostEqual(float(byid["cardiff/vpn"][7]), vpn["downtime_minutes"], delta=0.001)
        self.assertEqual(byid["cardiff/vpn"][19], "missed")
        table = report(self, cfg, "--from", str(begin), "--to", str(end), fmt="table", lang="cy")
        self.assertIn("Cyngor Caerdydd", table)
        self.assertIn("heb ei gyrraedd", table)
        html = report(self, cfg, "--from", str(begin), "--to", str(end), fmt="html", lang="cy")
        check_html(self, html, "cy")


def rrdtool_file(path, start_s, rows, names=("up", "degraded")):
    """An RRD file of hourly rows from start_s: rows is a list of tuples (None: unknown)."""
    ds = ["DS:%s:GAUGE:7200:0:1" % n for n in names]
    p = run(["rrdtool", "create", path, "--start", str(start_s - 3600), "--step", "3600", *ds,
             "RRA:AVERAGE:0.5:1:24000"])
    assert p.returncode == 0, p.stderr
    updates = []
    for i, row in enumerate(rows):
        values = ":".join("U" if v is None else repr(v) for v in row)
        updates.append("%d:%s" % (start_s + (i + 1) * 3600, values))
    for k in range(0, len(updates), 200):
        p = run(["rrdtool", "update", path, *updates[k:k + 200]])
        assert p.returncode == 0, p.stderr


class Events:
    def __init__(self, path):
        self.f = open(path, "w")
        self.seq = 0

    def add(self, t, kind, **kw):
        self.seq += 1
        line = {"v": 1, "seq": self.seq, "time_ms": t, "kind": kind}
        line.update(kw)
        self.f.write(json.dumps(line) + "\n")

    def state(self, t, target, frm, to, **kw):
        self.add(t, "state", target=target, council=target.split("/")[0], **{"from": frm},
                 to=to, **kw)

    def close(self):
        self.f.close()


class ReportFromFilesTest(TestCase):
    """Data directories written by hand."""

    def write_config(self, name, data, extra=""):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("""daemon:
  data_dir: %s
  listen: ""
defaults:
  host: 127.0.0.1
  port: 9
  sla: 99.9%%
councils:
  - id: cardiff
    name: Cardiff Council
    name_cy: Cyngor Caerdydd
    targets:
      - {id: website, check: tcp, category: digital-services, language: en}
      - {id: website-cy, check: tcp, category: digital-services, language: cy,
         parity_with: website}
      - {id: network, check: tcp, category: connectivity}
      - {id: myaccount, check: tcp, category: digital-services, depends_on: network}
  - id: gwynedd
    name: Gwynedd Council
    name_cy: Cyngor Gwynedd
    targets:
      - {id: website, check: tcp, category: digital-services}
%s""" % (data, extra))
        return path

    def test_event_log_month(self):
        data = os.path.join(self.tmp, "events")
        os.makedirs(os.path.join(data, "gwynedd"))
        # Two months ago, so that it and the month after it are over whatever today is.
        year, month = month_before(*now_month(), 2)
        nov, dec = month_bounds(year, month)
        hours = (dec - nov) // H
        name = "%04d-%02d" % (year, month)
        after = "%04d-%02d" % month_before(year, month, -1)
        # A rotated file, then the live one: read oldest first.
        ev = Events(os.path.join(data, "events.jsonl.1"))
        ev.add(nov - 3 * 24 * H, "start", version="0.1.0")
        for t in ("cardiff/website", "cardiff/website-cy", "cardiff/network", "cardiff/myaccount"):
            ev.state(nov - 3 * 24 * H + M, t, "pending", "up", reason=None)
        ev.close()
        ev = Events(os.path.join(data, "events.jsonl"))
        ev.state(nov + 2 * 24 * H, "cardiff/network", "up", "down", reason="timeout")
        ev.state(nov + 2 * 24 * H + 30 * 1000, "cardiff/myaccount", "up", "down",
                 reason="connect_timeout", cause="parent", cause_target="cardiff/network")
        ev.state(nov + 2 * 24 * H + 20 * M, "cardiff/network", "down", "up", reason=None)
        ev.state(nov + 2 * 24 * H + 21 * M, "cardiff/myaccount", "down", "up", reason=None)
        # The daemon stopped for six hours, then crashed later on: neither is downtime.
        ev.add(nov + 10 * 24 * H, "stop")
        ev.add(nov + 10 * 24 * H + 6 * H, "start", version="0.1.0")
        ev.add(nov + 12 * 24 * H, "monitor", problem="lateness", active=True)
        ev.add(nov + 12 * 24 * H + 2 * H, "start", version="0.1.0")
        ev.add(nov + 15 * 24 * H, "maintenance_start", target="cardiff/website", window="upgrade")
        ev.state(nov + 15 * 24 * H + 10 * M, "cardiff/website", "up", "down",
                 reason="http_status", cause="maintenance")
        ev.state(nov + 15 * 24 * H + 50 * M, "cardiff/website", "down", "up", reason=None)
        ev.add(nov + 15 * 24 * H + H, "maintenance_end", target="cardiff/website")
        ev.state(nov + 20 * 24 * H, "cardiff/website-cy", "up", "down", reason="http_status")
        ev.f.write('{"time_ms": 1, "kind": "sta\n')  # a line cut short: skipped
        ev.state(nov + 20 * 24 * H + 90 * M, "cardiff/website-cy", "down", "up", reason=None)
        # Down across the end of the month, up again on the 1st of the next at 02:00.
        ev.state(dec - 3 * H, "cardiff/website-cy", "up", "down", reason="dns")
        ev.state(dec + 2 * H, "cardiff/website-cy", "down", "up", reason=None)
        ev.close()
        # gwynedd/website is in no event: read from its RRD file, hourly, 2 h half down.
        rrdtool_file(os.path.join(data, "gwynedd", "website.rrd"), nov // 1000,
                     [(0.5, 0) if i in (30, 31) else (1, 0) for i in range(hours)])
        cfg = self.write_config("events.yaml", data)

        doc = report(self, cfg, "--month", name)
        self.assertEqual(doc["period"]["hours"], hours)
        self.assertEqual(doc["period"]["month"], name)
        self.assertTrue(doc["period"]["complete"])
        self.assertTrue(doc["sources"]["event_log"])
        self.assertEqual(doc["sources"]["event_lines_skipped"], 1)
        t = targets_of(doc)
        net = t["cardiff/network"]["figures"]
        self.assertEqual(net["downtime_minutes"], 20)
        self.assertEqual(net["not_monitored_minutes"], 8 * 60)
        my = t["cardiff/myaccount"]
        self.assertEqual(my["figures"]["downtime_minutes"], 20.5)
        self.assertEqual(my["figures"]["downtime_parent_minutes"], 20.5)
        self.assertEqual(my["outages"][0]["cause"], "parent")
        self.assertEqual(my["outages"][0]["cause_target"], "cardiff/network")
        www = t["cardiff/website"]["figures"]
        self.assertEqual(www["maintenance_minutes"], 60)
        self.assertEqual(www["downtime_minutes"], 0)
        cy = t["cardiff/website-cy"]
        self.assertEqual(cy["figures"]["downtime_minutes"], 90 + 180)
        self.assertEqual(cy["figures"]["outages"], 2)
        self.assertEqual(cy["figures"]["longest_outage_minutes"], 180)
        self.assertTrue(cy["outages"][1]["continues_after"])
        self.assertEqual(cy["outages"][1]["downtime_all_minutes"], 300)
        self.assertEqual(cy["sla_result"], "missed")
        gw = t["gwynedd/website"]
        self.assertEqual(gw["source"], "rrd")
        self.assertEqual(gw["figures"]["downtime_minutes"], 60)
        self.assertEqual(gw["figures"]["outages"], 1)
        pair = doc["parity"][0]
        self.assertEqual(pair["welsh_down_english_up_minutes"], 270)
        self.assertEqual(pair["welsh_down_english_up_times"], 2)
        self.assertEqual([c["council"] for c in doc["league"]], ["gwynedd", "cardiff"])

        # The next month holds the rest of the outage, which began in this one.
        dec_doc = report(self, cfg, "--month", after, "--council", "cardiff")
        cy = targets_of(dec_doc)["cardiff/website-cy"]
        self.assertEqual(cy["figures"]["downtime_minutes"], 120)
        self.assertTrue(cy["outages"][0]["began_before"])
        self.assertEqual(dec_doc["filter"]["council"], "cardiff")
        self.assertEqual(len(dec_doc["councils"]), 1)

        # One category only.
        conn = report(self, cfg, "--month", name, "--category", "connectivity")
        self.assertEqual(list(targets_of(conn)), ["cardiff/network"])

        for lang in ("en", "cy"):
            check_html(self, report(self, cfg, "--month", name, fmt="html", lang=lang), lang)
            text = report(self, cfg, "--month", name, fmt="csv", lang=lang)
            self.assertIn("\r\n", text)
            rows = list(csv.reader(io.StringIO(text, newline="")))
            self.assertTrue(all(len(r) == len(rows[0]) for r in rows))
        table = report(self, cfg, "--month", name, fmt="table", lang="cy")
        self.assertIn("%s %d" % (WELSH_MONTHS[month - 1], year), table)
        self.assertIn("oherwydd cardiff/network", table)
        # An outage's reason in words of the report's language; the code for machines.
        self.assertIn("enw heb ei ganfod", table)  # dns
        self.assertNotIn(" dns ", table)
        self.assertIn("name not found", report(self, cfg, "--month", name, fmt="table"))
        self.assertIn("statws HTTP annisgwyl",
                      report(self, cfg, "--month", name, fmt="html", lang="cy"))
        self.assertEqual(t["cardiff/website-cy"]["outages"][1]["reason"], "dns")
        self.assertEqual(t["cardiff/website-cy"]["outages"][1]["reason_text"], "name not found")
        cy_doc = report(self, cfg, "--month", name, lang="cy")
        self.assertEqual(targets_of(cy_doc)["cardiff/website-cy"]["outages"][1]["reason_text"],
                         "enw heb ei ganfod")

    def test_rrd_only_month_with_a_change_of_clocks(self):
        data = os.path.join(self.tmp, "rrd")
        os.makedirs(os.path.join(data, "cardiff"))
        # The last October that is over: in Europe/London it begins at 23:00 UTC the
        # day before, and the clocks go back on its last Sunday, so it lasts 745 hours.
        y, m = now_month()
        year = y if m > 10 else y - 1
        start_ms, end_ms = month_bounds(year, 10)
        self.assertEqual(end_ms - start_ms, 745 * H)
        start = start_ms // 1000
        rows = [(1, 0)] * 745
        rows[100] = (0, 0)       # an hour down
        rows[101] = (0.5, 0.5)   # half an hour down, the rest degraded
        rows[300] = (None, None)  # nothing recorded
        rrdtool_file(os.path.join(data, "cardiff", "website.rrd"), start, rows)
        # A configured weekly window: with no event log it is what counts as maintenance.
        cfg = self.write_config("rrd.yaml", data, """maintenance:
  - targets: [cardiff/website]
    weekly: {day: sun, from: "02:00", to: "04:00"}
""")
        doc = report(self, cfg, "--month", "%d-10" % year)
        self.assertEqual(doc["period"]["hours"], 745)
        self.assertEqual(doc["period"]["start"], "%d-09-30T23:00:00Z" % year)
        self.assertFalse(doc["sources"]["event_log"])
        f = targets_of(doc)["cardiff/website"]["figures"]
        for h in (100, 101, 300):
            self.assertFalse(self.in_window(start + h * 3600), "pick other hours this year")
        self.assertEqual(f["downtime_minutes"], 90)
        self.assertEqual(f["outages"], 1)
        self.assertEqual(f["degraded_minutes"], 30)
        self.assertEqual(f["not_monitored_minutes"], 60)
        # Every Sunday of October, 2 h each (on the last, 02:00-04:00 GMT is 2 h still),
        # but for the hour of the window that falls on row 300, not monitored.
        sundays = sum(1 for d in range(1, 32) if time.gmtime(calendar.timegm((year, 10, d, 12, 0, 0))).tm_wday == 6)
        window_hours = [h for h in range(745) if self.in_window(start + h * 3600)]
        self.assertEqual(len(window_hours), sundays * 2)
        lost = 60 if 300 in window_hours else 0
        self.assertEqual(f["maintenance_minutes"], sundays * 120 - lost)
        # Targets with no file are not monitored at all, and not ranked.
        self.assertIsNone(targets_of(doc)["gwynedd/website"]["figures"]["availability"])
        self.assertEqual([c["council"] for c in doc["league"]], ["cardiff"])
        table = report(self, cfg, "--month", "%d-10" % year, fmt="table")
        self.assertIn("October %d" % year, table)
        self.assertIn("No event log: every figure is from the RRD files.", table)

    @staticmethod
    def in_window(t):
        """Whether second t is in the window Sundays 02:00-04:00 Europe/London."""
        year = time.gmtime(t).tm_year
        bst = last_sunday_0100(year, 3) <= t < last_sunday_0100(year, 10)
        local = time.gmtime(t + (3600 if bst else 0))
        return local.tm_wday == 6 and 2 <= local.tm_hour < 4

    def test_usage_errors(self):
        cfg = self.write_config("u.yaml", os.path.join(self.tmp, "none"))
        cases = [
            ([], 2, "say which period"),
            (["--month", "2026-13"], 2, "bad month"),
            (["--month", "2026-11", "--from", "2026-11-01"], 2, "not both"),
            (["--from", "2026-11-05", "--to", "2026-11-01"], 2, "must come before"),
            (["--month", "2026-11", "--format", "pdf"], 2, "bad format"),
            (["--month", "2026-11", "--lang", "fr"], 2, "bad language"),
            (["--month", "2026-11", "--council", "atlantis"], 1, "no council \"atlantis\""),
            (["--month", "2026-11", "--category", "space"], 1, "no target of category"),
        ]
        for args, code, text in cases:
            p = run([GWYLIWR, "report", "-c", cfg, *args])
            self.assertEqual(p.returncode, code, (args, p.stderr))
            self.assertIn(text, p.stderr, args)
        out = os.path.join(self.tmp, "r.html")
        p = run([GWYLIWR, "report", "-c", cfg, "--month", "2026-11", "--format", "html",
                 "--out", out])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "")
        with open(out) as f:
            self.assertIn("<html lang=\"en\">", f.read())

    def test_progress_only_on_a_terminal(self):
        cfg = self.write_config("p.yaml", os.path.join(self.tmp, "none"))
        args = [GWYLIWR, "report", "-c", cfg, "--month", "2026-11", "--out", os.devnull]
        p = run(args)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        # stderr a terminal: the progress line is drawn, then wiped.
        master, slave = pty.openpty()
        proc = subprocess.Popen(args, stderr=slave, stdout=subprocess.DEVNULL)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        self.assertEqual(proc.wait(timeout=60 * SLOW), 0)
        self.assertIn(b"reading the history of 5 of 5 services", seen)
        self.assertTrue(seen.endswith(b"\r\x1b[K"), seen)


if __name__ == "__main__":
    main()
