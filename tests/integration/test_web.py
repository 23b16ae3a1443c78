"""The web server against the simulator: every page in English and Welsh is
valid HTML with its language, alternates and switch; the JSON API has the
shape its OpenAPI document promises (and that document is valid); /metrics
passes promtool; graphs are drawn only for subjects that exist; addresses that
try to reach files are refused; slow clients neither stop /healthz nor the
checks; credentials protect everything but /healthz; `gwyliwr status`.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import time

from gwtest import (GWYLIWR, SLOW, TestCase, free_port, http_get, main, run, start_sim,
                    wait_until, web_tools)

SCENARIO = r"""
description: the web server's integration test
listeners:
  web:
    type: http
    routes:
      /: {body: "<h1>Cardiff Council</h1>"}
      /cy: {body: "<h1>Cyngor Caerdydd</h1>"}
      /down: {status: 503, body: "down for maintenance"}
  closed: {type: tcp, behaviour: closed}
"""

CONFIG = """
daemon:
  data_dir: data
  listen: 127.0.0.1:{port}
  log_level: info
defaults:
  interval: 1s
  timeout: 900ms
  failure_threshold: 1
  success_threshold: 1
councils:
  - id: cardiff
    name: Cardiff Council
    name_cy: Cyngor Caerdydd
    targets:
      - id: website
        name: Website
        name_cy: Gwefan
        category: digital-services
        check: http
        url: http://127.0.0.1:{web}/
      - id: website-cy
        name: Welsh website
        name_cy: Gwefan Gymraeg
        category: digital-services
        language: cy
        check: http
        url: http://127.0.0.1:{web}/cy
      - id: payments
        name: Payments <& "quotes">
        category: digital-services
        check: http
        url: http://127.0.0.1:{web}/down
      - id: committees
        name: Committee papers
        category: democracy
        check: tcp
        host: 127.0.0.1
        port: {closed}
  - id: gwynedd
    name: Gwynedd Council
    name_cy: Cyngor Gwynedd
    targets:
      - id: website
        name: Website
        check: http
        url: http://127.0.0.1:{web}/
"""

EVENTS = [
    {"v": 1, "seq": 1, "time_ms": 1764000000000, "time": "2025-11-24T16:00:00.000Z", "kind": "start",
     "version": "0.1.0", "config": "x"},
    {"v": 1, "seq": 2, "time_ms": 1764000060000, "time": "2025-11-24T16:01:00.000Z", "kind": "state",
     "id": "e2", "target": "cardiff/payments", "council": "cardiff", "category": "digital-services",
     "check": "http", "from": "up", "to": "down", "reason": "http_status",
     "sentence": "HTTP 503 from 127.0.0.1 after 1 ms (expected 2xx)", "figures": {"latency": 0.001},
     "since_ms": 1764000000000, "cause": None, "cause_target": None, "notify": []},
    {"v": 1, "seq": 3, "time_ms": 1764000120000, "time": "2025-11-24T16:02:00.000Z", "kind": "state",
     "id": "e3", "target": "gwynedd/website", "council": "gwynedd", "category": None, "check": "http",
     "from": "pending", "to": "up", "reason": None, "sentence": "HTTP 200", "figures": {},
     "since_ms": 0, "cause": None, "cause_target": None, "notify": []},
]

PAGES = ["/", "/council/cardiff", "/target/cardiff/website", "/target/cardiff/payments",
         "/target/cardiff/committees", "/council/gwynedd", "/target/gwynedd/website"]


def this_month():
    """YYYY-MM of now in UTC: a month that has begun in Europe/London too."""
    return time.strftime("%Y-%m", time.gmtime())


def schema_check(doc, schema, value, where="$"):
    """Checks `value` against an OpenAPI 3.0 schema of `doc` (type, required,
    properties, items, enum, nullable, allOf, $ref): a list of problems."""
    if "$ref" in schema:
        node = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return schema_check(doc, node, value, where)
    problems = []
    for sub in schema.get("allOf", []):
        problems += schema_check(doc, sub, value, where)
    if value is None:
        if not schema.get("nullable") and schema.get("type"):
            problems.append("%s: null where %s is expected" % (where, schema.get("type")))
        return problems
    t = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if t in types and not isinstance(value, types[t]):
        problems.append("%s: %r is not %s" % (where, value, t))
        return problems
    if t in ("number", "integer") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        problems.append("%s: %r is not a %s" % (where, value, t))
        return problems
    if t == "integer" and not isinstance(value, int):
        problems.append("%s: %r is not an integer" % (where, value))
    if "enum" in schema and value not in schema["enum"]:
        problems.append("%s: %r not in %r" % (where, value, schema["enum"]))
    if "minimum" in schema and value < schema["minimum"]:
        problems.append("%s: %r below %r" % (where, value, schema["minimum"]))
    if "maximum" in schema and value > schema["maximum"]:
        problems.append("%s: %r above %r" % (where, value, schema["maximum"]))
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                problems.append("%s: %s missing" % (where, key))
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                problems += schema_check(doc, sub, value[key], "%s.%s" % (where, key))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, v in value.items():
                if key not in schema.get("properties", {}):
                    problems += schema_check(doc, extra, v, "%s.%s" % (where, key))
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            problems += schema_check(doc, schema["items"], v, "%s[%d]" % (where, i))
    return problems


class Estate(TestCase):
    """A simulator and a daemon serving its web pages, for the class's tests."""

    @classmethod
    def setUpClass(cls):
        cls.dir = os.path.join(os.environ.get("TMPDIR", "/tmp"), "gwtest-web-%d" % os.getpid())
        os.makedirs(os.path.join(cls.dir, "data"), exist_ok=True)
        cls.sim, ports = start_sim(cls.dir, SCENARIO)
        with open(os.path.join(cls.dir, "data", "events.jsonl"), "w") as f:
            for e in EVENTS:
                f.write(json.dumps(e) + "\n")
            f.write('{"v": 1, "seq": 4, "kind": "state", "target": "cardiff/pay\n')  # a torn last line
        cls.config = os.path.join(cls.dir, "gwyliwr.yaml")
        log_path = os.path.join(cls.dir, "daemon.log")

        def log_text():
            with open(log_path, "rb") as f:
                return f.read().decode(errors="replace")
        # A port free a moment ago can be taken before the daemon binds it
        # (tests running at once make outgoing connections from the same
        # range): then start again on another.
        for attempt in range(3):
            cls.port = free_port()
            with open(cls.config, "w") as f:
                f.write(CONFIG.format(port=cls.port, web=ports["web"], closed=ports["closed"]))
            cls.log = open(log_path, "wb")
            cls.proc = subprocess.Popen([GWYLIWR, "run", "-c", cls.config], stdout=cls.log,
                                        stderr=subprocess.STDOUT, cwd=cls.dir)
            serving = wait_until(lambda: re.search(r"web: (serving on|cannot serve on)",
                                                   log_text()), 10, what="the web server")
            if serving.group(1) == "serving on":
                break
            cls.proc.terminate()
            cls.proc.wait(timeout=20 * SLOW)
            cls.log.close()

        # Every target has a state, and the payments page is down.
        def settled():
            try:
                status, _, body = http_get(cls.port, "/api/v1/status")
            except OSError:
                return False
            if status != 200:
                return False
            states = {t["id"]: t["state"] for t in json.loads(body)["targets"]}
            return states.get("cardiff/payments") == "down" and "pending" not in states.values()
        try:
            wait_until(settled, 20, what="every target checked")
        except AssertionError as e:
            text = log_text()[-3000:]
            cls.tearDownClass()  # unittest does not when setUpClass fails
            raise AssertionError("%s; the daemon's log ends:\n%s" % (e, text))

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=20 * SLOW)
        cls.log.close()
        cls.sim.terminate()
        cls.sim.wait(timeout=20 * SLOW)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def get(self, path, **kw):
        return http_get(self.port, path, **kw)


class WebTest(Estate):
    # ---- pages ---------------------------------------------------------------

    def test_web_pages_in_both_languages(self):
        out = os.path.join(self.tmp, "pages")
        os.makedirs(out)
        files = []
        for path in PAGES:
            for lang, prefix in (("en", ""), ("cy", "/cy")):
                url = prefix + path if path != "/" else prefix + "/"
                status, headers, body = self.get(url)
                self.assertEqual(status, 200, url)
                self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
                self.assertIn("etag", headers)
                html = body.decode()
                self.assertIn('<html lang="%s">' % lang, html)
                other = "cy" if lang == "en" else "en"
                # The switch and the alternates lead to the same page in the other language.
                same_page = ("/cy" + path if other == "cy" else path) if path != "/" else (
                    "/cy/" if other == "cy" else "/")
                self.assertIn('href="%s" hreflang="%s"' % (same_page, other), html)
                self.assertIn('<link rel="alternate" hreflang="cy" href="%s">'
                              % (("/cy" + path) if path != "/" else "/cy/"), html)
                self.assertIn('<a class="skip" href="#main">', html)
                self.assertIn("<caption>", html)
                self.assertNotIn("<script", html)
                name = re.sub(r"[^a-z0-9]+", "_", url).strip("_") or "root"
                with open(os.path.join(out, name + ".html"), "w") as f:
                    f.write(html)
                files.append(os.path.join(out, name + ".html"))
        # Names and words in the page's own language; escaping of configured text.
        _, _, cy = self.get("/cy/council/cardiff")
        cy = cy.decode()
        self.assertIn("<h1>Cyngor Caerdydd</h1>", cy)
        self.assertIn("Gwefan Gymraeg", cy)
        self.assertIn("Toriadau cyfredol", cy)
        self.assertIn("Ddim ar gael", cy)
        _, _, en = self.get("/council/cardiff")
        en = en.decode()
        self.assertIn("Payments &lt;&amp; &quot;quotes&quot;&gt;", en)
        self.assertNotIn('<& "quotes">', en)
        # The outage with its sentence and since when, in its category.
        _, _, home = self.get("/")
        home = home.decode()
        self.assertRegex(home, r"(?s)<caption>Digital services</caption>.*payments.*HTTP 503.*<time datetime=")
        self.assertIn("<caption>Democracy</caption>", home)
        # Recent events of the target page, from events.jsonl.
        _, _, target = self.get("/cy/target/cardiff/payments")
        self.assertIn("HTTP 503 from 127.0.0.1 after 1 ms", target.decode())
        self.assertIn("Ar gael → Ddim ar gael", target.decode())
        # Valid HTML, by a checker that runs offline.
        tools = web_tools()
        if tools is None:
            self.skipTest("node and npm are needed for html-validate")
        r = run(["node", os.path.join(tools, "check-html.mjs"), *files], timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_web_welsh_pages_say_what_happened_in_welsh(self):
        # The check's sentence is English: a Welsh page says it in Welsh words
        # first, then gives the sentence marked as English for screen readers.
        refused = r"cysylltiad wedi'i wrthod<span class=\"said\" lang=\"en\">connection refused by 127\.0\.0\.1:\d+</span>"
        status503 = r"HTTP 503<span class=\"said\" lang=\"en\">HTTP 503 from 127\.0\.0\.1:\d+ after "
        for path in ("/cy/", "/cy/council/cardiff"):
            _, _, body = self.get(path)
            html = body.decode()
            self.assertRegex(html, r"(?s)<caption>Democratiaeth</caption>.*" + refused, path)
            self.assertRegex(html, r"(?s)<caption>Gwasanaethau digidol</caption>.*" + status503, path)
        # A service that is up has no reason: its sentence alone, still marked English.
        _, _, body = self.get("/cy/council/cardiff")
        self.assertRegex(body.decode(), r"<td><span class=\"said\" lang=\"en\">HTTP 200 from 127\.0\.0\.1:\d+")
        # The target page: the last check, and the recent events from events.jsonl.
        _, _, body = self.get("/cy/target/cardiff/committees")
        self.assertRegex(body.decode(), r"\(<code>connect_refused</code>\)\. " + refused)
        _, _, body = self.get("/cy/target/cardiff/payments")
        self.assertIn('HTTP 503<span class="said" lang="en">HTTP 503 from 127.0.0.1 after 1 ms '
                      "(expected 2xx)</span>", body.decode())
        # English pages say it as the check does, with nothing marked.
        for path in ("/", "/council/cardiff", "/target/cardiff/committees"):
            _, _, body = self.get(path)
            html = body.decode()
            self.assertRegex(html, r"<td>connection refused by 127\.0\.0\.1:\d+</td>|\. connection refused by", path)
            self.assertNotIn('class="said"', html, path)
            self.assertNotIn("cysylltiad", html, path)

    def test_web_stylesheet_and_etag(self):
        status, headers, body = self.get("/static/style.css")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/css"))
        self.assertIn(":focus-visible", body.decode())
        self.assertIn("@media print", body.decode())
        status, headers2, body2 = self.get("/static/style.css", headers={"If-None-Match": headers["etag"]})
        self.assertEqual(status, 304)
        self.assertEqual(body2, b"")
        self.assertEqual(headers2["etag"], headers["etag"])

    def test_web_status_api_etag(self):
        # /api/v1/status is rendered once and shared for a second: a client
        # that has it gets 304, and one that has an older one the new body.
        for _ in range(5):
            status, headers, body = self.get("/api/v1/status")
            self.assertEqual(status, 200)
            self.assertIn("etag", headers)
            status2, headers2, body2 = self.get("/api/v1/status",
                                                headers={"If-None-Match": headers["etag"]})
            if status2 == 304:
                self.assertEqual(body2, b"")
                self.assertEqual(headers2["etag"], headers["etag"])
                break
            self.assertEqual(status2, 200)
            self.assertNotEqual(headers2["etag"], headers["etag"])
            self.assertNotEqual(body2, body)
        else:
            self.fail("the status never came back 304 to a client that had it")
        status, headers, _ = self.get("/api/v1/status", headers={"If-None-Match": '"0"'})
        self.assertEqual(status, 200)

    # ---- API ------------------------------------------------------------------

    def test_web_api_matches_openapi(self):
        status, _, body = self.get("/api/v1/openapi.json")
        self.assertEqual(status, 200)
        doc = json.loads(body)
        tools = web_tools()
        if tools is not None:
            path = os.path.join(self.tmp, "openapi.json")
            with open(path, "wb") as f:
                f.write(body)
            r = run(["node", os.path.join(tools, "check-openapi.mjs"), path], timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        def check(path, op_path):
            status, headers, body = self.get(path)
            self.assertEqual(status, 200, path)
            self.assertEqual(headers["content-type"], "application/json")
            value = json.loads(body)
            schema = doc["paths"][op_path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            self.assertEqual(schema_check(doc, schema, value), [], path)
            return value

        st = check("/api/v1/status", "/api/v1/status")
        self.assertEqual(len(st["councils"]), 2)
        self.assertEqual(st["wales"]["counts"]["total"], 5)
        self.assertGreaterEqual(st["wales"]["counts"]["down"], 2)
        council = check("/api/v1/councils/cardiff", "/api/v1/councils/{council}")
        self.assertEqual(council["council"]["name"], {"en": "Cardiff Council", "cy": "Cyngor Caerdydd"})
        self.assertEqual(len(council["council"]["availability"]["days"]), 90)
        t = check("/api/v1/targets/cardiff/payments", "/api/v1/targets/{council}/{target}")["target"]
        self.assertEqual(t["state"], "down")
        self.assertEqual(t["reason"], "http_status")
        self.assertIn("latency", t["figures"])
        # The lines written here (seq 1 to 3), then the running daemon's own
        # (from seq 4: it carries on after the torn line, which is skipped).
        def written_here(events):
            return [e["seq"] for e in events if e["seq"] <= 3]
        self.assertEqual(written_here(t["events"]), [2])
        ev = check("/api/v1/events", "/api/v1/events")
        self.assertEqual(written_here(ev["events"]), [1, 2, 3])
        own = [e for e in ev["events"] if e["seq"] > 3]
        self.assertEqual([e["seq"] for e in own], list(range(4, 4 + len(own))))
        self.assertEqual(own[0]["kind"], "start")
        self.assertNotIn("cardiff/pay", [e.get("target") for e in ev["events"]])
        ev = check("/api/v1/events?since=2025-11-24T16:00:30Z&limit=1", "/api/v1/events")
        self.assertEqual([e["seq"] for e in ev["events"]], [2])
        self.assertTrue(ev["more"])
        self.assertEqual(ev["next_after_seq"], 2)
        ev = check("/api/v1/events?after_seq=2", "/api/v1/events")
        self.assertEqual(written_here(ev["events"]), [3])
        ev = check("/api/v1/events?council=gwynedd", "/api/v1/events")
        self.assertEqual(written_here(ev["events"]), [3])
        self.assertEqual({e["council"] for e in ev["events"]}, {"gwynedd"})
        for bad in ("/api/v1/events?since=yesterday", "/api/v1/events?limit=0",
                    "/api/v1/events?limit=100000"):
            status, _, body = self.get(bad)
            self.assertEqual(status, 400, bad)
            self.assertEqual(json.loads(body)["status"], 400)
        for missing in ("/api/v1/councils/nowhere", "/api/v1/targets/cardiff/nothing",
                        "/api/v1/events?target=cardiff/nothing"):
            status, _, body = self.get(missing)
            self.assertEqual(status, 404, missing)
            self.assertIn("error", json.loads(body))

    # ---- metrics and health ---------------------------------------------------------

    # ---- reports ---------------------------------------------------------------

    def test_web_reports(self):
        month = this_month()
        status, headers, body = self.get("/report/" + month)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(headers["cache-control"], "no-cache")  # the month is not over
        html = body.decode()
        self.assertIn('<html lang="en">', html)
        self.assertIn("<h1>24/7 service delivery: Wales</h1>", html)
        self.assertIn('<a class="skip" href="#main">', html)
        self.assertIn('href="/cy/report/%s" hreflang="cy"' % month, html)
        self.assertIn('<caption id="cap-league">', html)
        self.assertNotIn("<script", html)
        status, _, body = self.get("/cy/report/%s/cardiff" % month)
        self.assertEqual(status, 200, body)
        cy = body.decode()
        self.assertIn('<html lang="cy">', cy)
        self.assertIn("<h1>Darparu gwasanaethau 24/7: Cyngor Caerdydd</h1>", cy)
        self.assertIn("Gwefan Gymraeg", cy)
        self.assertIn("statws HTTP annisgwyl", cy)  # why payments is down, in Welsh
        files = []
        for name, text in (("report-en.html", html), ("report-cy.html", cy)):
            files.append(os.path.join(self.tmp, name))
            with open(files[-1], "w") as f:
                f.write(text)

        # The API: the document's shape; payments has been down since the log began.
        _, _, spec = self.get("/api/v1/openapi.json")
        doc = json.loads(spec)
        status, headers, body = self.get("/api/v1/reports/%s/cardiff?lang=cy" % month)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"], "application/json")
        rep = json.loads(body)
        schema = doc["paths"]["/api/v1/reports/{month}/{council}"]["get"]["responses"]["200"][
            "content"]["application/json"]["schema"]
        self.assertEqual(schema_check(doc, schema, rep), [])
        self.assertEqual(rep["lang"], "cy")
        self.assertEqual(rep["period"]["month"], month)
        self.assertFalse(rep["period"]["complete"])
        targets = {t["id"]: t for t in rep["councils"][0]["targets"]}
        self.assertEqual(targets["cardiff/payments"]["source"], "events")
        self.assertEqual(targets["cardiff/payments"]["figures"]["availability"], 0)
        self.assertTrue(targets["cardiff/payments"]["outages"][0]["ongoing"])
        self.assertEqual(targets["cardiff/payments"]["outages"][0]["reason"], "http_status")
        self.assertEqual(targets["cardiff/payments"]["outages"][0]["reason_text"],
                         "statws HTTP annisgwyl")
        status, _, body = self.get("/api/v1/reports/" + month)
        self.assertEqual(status, 200)
        self.assertEqual(schema_check(doc, schema, json.loads(body)), [])

        # Other formats, and a category.
        status, headers, body = self.get("/report/%s/cardiff.csv?category=democracy" % month)
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["content-type"].startswith("text/csv"))
        rows = body.decode().split("\r\n")
        self.assertTrue(rows[1].startswith("target,cardiff,Cardiff Council,Democracy,"
                                           "cardiff/committees,"), rows[:3])

        # What is not a report.
        for path, want in (("/report/2026-13", 404), ("/report/%s/nowhere" % month, 404),
                           ("/report/%s.exe" % month, 404), ("/report/%s/Cardiff" % month, 400),
                           ("/report/%s?category=%%0a" % month, 400),
                           ("/api/v1/reports/%s?lang=fr" % month, 400),
                           ("/api/v1/reports/%s.csv" % month, 404)):
            status, headers, body = self.get(path)
            self.assertEqual(status, want, path)
        status, headers, body = self.get("/api/v1/reports/2026-13")
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(schema_check(doc, doc["components"]["schemas"]["Error"], json.loads(body)),
                         [])

        tools = web_tools()
        if tools is None:
            self.skipTest("node and npm are needed for html-validate")
        r = run(["node", os.path.join(tools, "check-html.mjs"), *files], timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_web_metrics_pass_promtool(self):
        status, headers, body = self.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        text = body.decode()
        self.assertIn('gwyliwr_up{council="cardiff",target="payments"} 0\n', text)
        self.assertIn('gwyliwr_up{council="cardiff",target="website"} 1\n', text)
        self.assertIn('gwyliwr_state{council="cardiff",target="payments",state="down"} 1\n', text)
        self.assertRegex(text, r'gwyliwr_phase_seconds\{council="cardiff",target="website",phase="connect"\} [0-9.e-]+\n')
        self.assertRegex(text, r"gwyliwr_checks_per_second [0-9.e+-]+\n")
        self.assertRegex(text, r"gwyliwr_lateness_p99_seconds [0-9.e+-]+\n")
        if not shutil.which("promtool"):
            self.skipTest("promtool (Debian's prometheus) is needed")
        r = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())

    def test_web_healthz(self):
        status, headers, body = self.get("/healthz")
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith(b"ok: 5 targets"))
        self.assertEqual(headers["cache-control"], "no-store")

    # ---- graphs ------------------------------------------------------------------

    def test_web_graphs_only_of_subjects(self):
        def png():
            return self.get("/graph/cardiff/website.png?period=1h&lang=cy")
        status, headers, body = wait_until(lambda: (lambda r: r if r[0] == 200 else None)(png()),
                                           20, what="a graph of cardiff/website")
        self.assertEqual(headers["content-type"], "image/png")
        self.assertTrue(body.startswith(b"\x89PNG"))
        self.assertEqual(headers["cache-control"], "max-age=15")
        status, headers, body = self.get("/graph/cardiff.svg?period=1d")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "image/svg+xml")
        self.assertIn(b"<svg", body[:400])
        self.assertEqual(self.get("/graph/wales.png")[0], 200)
        self.assertEqual(self.get("/graph/nowhere.png")[0], 404)
        self.assertEqual(self.get("/graph/cardiff/nothing.svg")[0], 404)
        self.assertEqual(self.get("/graph/cardiff/website.png?period=2w")[0], 400)
        self.assertEqual(self.get("/graph/cardiff/website.png?lang=fr")[0], 400)
        self.assertEqual(self.get("/graph/cardiff/website.gif")[0], 404)

    # ---- refusals ------------------------------------------------------------------

    def test_web_path_tricks_are_refused(self):
        bad = ["/target/../../etc/passwd", "/target/cardiff/..", "/council/%2e%2e",
               "/graph/..%2f..%2fetc%2fpasswd.png", "/graph/cardiff%2fwebsite.png",
               "/target/cardiff%2Fwebsite", "/council/" + "a" * 65, "/council/Cardiff",
               "/target/cardiff//website", "/static/../../etc/passwd", "/council/card iff",
               "/graph/cardiff/../../../etc/passwd.png"]
        for path in bad:
            status = self.raw_status(path)
            self.assertIn(status, (400, 404), path)
        self.assertEqual(self.get("/council/" + "a" * 64)[0], 404)  # well formed, unknown
        self.assertEqual(self.get("/council/nowhere")[0], 404)
        self.assertEqual(self.get("/cy/metrics")[0], 404)
        self.assertEqual(self.raw_status("/" + "x" * 5000), 414)
        # Other methods are refused.
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10 * SLOW)
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
        reply = s.recv(4096)
        s.close()
        self.assertTrue(reply.startswith(b"HTTP/1.1 405"), reply[:100])

    def raw_status(self, path):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10 * SLOW)
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        reply = b""
        while b"\r\n" not in reply:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        s.close()
        return int(reply.split()[1]) if reply.startswith(b"HTTP/") else 0

    # ---- slow and many clients -----------------------------------------------------------

    def test_web_slow_clients_do_not_stop_healthz_nor_checks(self):
        def checks_total():
            _, _, body = self.get("/metrics")
            return sum(float(v) for v in re.findall(r"^gwyliwr_checks_total\{[^}]*\} (\S+)$",
                                                    body.decode(), re.M))
        before = checks_total()
        start = time.monotonic()
        held = []
        try:
            # 200 clients from 200 addresses, each sending half a request and holding on.
            for i in range(200):
                addr = "127.0.%d.%d" % (1 + i // 250, 2 + i % 250)
                s = socket.socket()
                s.bind((addr, 0))
                s.settimeout(10 * SLOW)
                s.connect(("127.0.0.1", self.port))
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                held.append(s)
            worst = 0.0
            for _ in range(20):
                t0 = time.monotonic()
                status, _, _ = self.get("/healthz", timeout=2)
                worst = max(worst, time.monotonic() - t0)
                self.assertEqual(status, 200)
            self.assertLess(worst, 1.0 * SLOW)
            # One address cannot take every connection: past the limit it is turned away.
            crowd = []
            refused = 0
            for _ in range(40):
                s = socket.socket()
                s.bind(("127.0.9.9", 0))
                s.settimeout(2 * SLOW)
                s.connect(("127.0.0.1", self.port))
                crowd.append(s)
            time.sleep(0.5)
            for s in crowd:
                try:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    if not s.recv(1):
                        refused += 1
                except OSError:
                    refused += 1
            self.assertGreaterEqual(refused, 40 - 32)
            for s in crowd:
                s.close()
            time.sleep(3)
        finally:
            for s in held:
                s.close()
        # The checks went on at their pace meanwhile: 5 targets every second.
        elapsed = time.monotonic() - start
        done = checks_total() - before
        self.assertGreaterEqual(done, 5 * (elapsed - 2) * 0.8, "%.0f checks in %.1f s" % (done, elapsed))

    # ---- gwyliwr status ---------------------------------------------------------------

    def test_web_status_command(self):
        r = run([GWYLIWR, "status", "-c", self.config])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)  # targets are down
        self.assertRegex(r.stdout, r"Wales: 3 of 5 up")
        self.assertIn("cardiff/payments", r.stdout)
        self.assertIn("DOWN", r.stdout)
        r = run([GWYLIWR, "status", "-c", self.config, "--json"])
        self.assertEqual(json.loads(r.stdout)["wales"]["counts"]["total"], 5)


class WebAuthTest(TestCase):
    def test_web_credentials_protect_all_but_healthz(self):
        port = free_port()
        with open(os.path.join(self.tmp, "token"), "w") as f:
            f.write("s3cret-token\n")
        hashed = run(["openssl", "passwd", "-6", "-salt", "gwtestsalt", "pa55"]).stdout.strip()
        with open(os.path.join(self.tmp, "users"), "w") as f:
            f.write("# people\nalice:plain-pass\nbob:%s\n" % hashed)
        for name in ("token", "users"):
            os.chmod(os.path.join(self.tmp, name), 0o600)
        d = self.daemon("""
daemon:
  data_dir: data
  listen: 127.0.0.1:%d
  web_token_file: token
  web_users_file: users
  web_refresh: 60s
councils:
  - id: cardiff
    targets:
      - {id: closed, check: tcp, host: 127.0.0.1, port: %d, interval: 1s}
""" % (port, free_port()))
        wait_until(lambda: self.try_get(port, "/healthz") == 200, 15, what="the web server")
        import base64

        def basic(user, pw):
            return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()}
        status, headers, _ = http_get(port, "/")
        self.assertEqual(status, 401)
        self.assertIn("Basic", headers["www-authenticate"])
        for path in ("/metrics", "/api/v1/status", "/graph/wales.png", "/static/style.css"):
            self.assertEqual(http_get(port, path)[0], 401, path)
        self.assertEqual(http_get(port, "/", headers={"Authorization": "Bearer s3cret-token"})[0], 200)
        self.assertEqual(http_get(port, "/", headers={"Authorization": "Bearer s3cret-tokeN"})[0], 401)
        self.assertEqual(http_get(port, "/", headers=basic("alice", "plain-pass"))[0], 200)
        self.assertEqual(http_get(port, "/", headers=basic("bob", "pa55"))[0], 200)
        self.assertEqual(http_get(port, "/", headers=basic("bob", "pa55"))[0], 200)  # remembered
        self.assertEqual(http_get(port, "/", headers=basic("bob", "wrong"))[0], 401)
        self.assertEqual(http_get(port, "/", headers=basic("mallory", "plain-pass"))[0], 401)
        status, _, body = http_get(port, "/", headers=basic("alice", "plain-pass"))
        self.assertIn(b'<meta http-equiv="refresh" content="60">', body)
        d.stop()

    def try_get(self, port, path):
        try:
            return http_get(port, path)[0]
        except OSError:
            return None

    def test_web_bad_listen_is_a_config_error(self):
        path = os.path.join(self.tmp, "c.yaml")
        with open(path, "w") as f:
            f.write("daemon: {listen: 'nowhere'}\ncouncils: []\n")
        r = run([GWYLIWR, "check-config", "-c", path])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"c.yaml:1:\d+: error: bad listen address \"nowhere\"")


if __name__ == "__main__":
    main()
