"""`gwyliwr graph`: PNG and SVG for a target, a council and Wales, in English
and Welsh, drawn from RRD files with known data (made here with rrdtool), and
the errors a person can run into.

The estate: two hours at a 60 s step, in the daemon's layout (a main file
and the latency's MIN and MAX in <target>.spread.rrd) unless said otherwise.
  cardiff/website    tcp figures; down for minutes 30-45, degraded 70-85
  cardiff/myaccount  http figures, the phases in a third file (.phases.rrd)
  cardiff/ping       several samples a round: median, loss, s01..s05
  cardiff/evcharge   feed counts: items by status and in all, rapid chargers' reliability
  cardiff/ftp        configured, never measured (no file)
  swansea/website    up all along; one file with every archive
  powys/website      no file at all
PNGs are decoded with zlib (no imaging library) to look at pixels.
"""

import math
import os
import random
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib

from gwtest import GWYLIWR, TestCase, main, run as gwrun

STEP = 60
MINUTES = 120
OUTAGE = (30, 45)
DEGRADED = (70, 85)
N_SAMPLES = 5

TCP_DS = ["up", "degraded", "latency", "connect"]
HTTP_MAIN_DS = ["up", "degraded", "latency", "size", "cert_days", "http_version"]
HTTP_PHASE_DS = ["dns", "connect", "tls", "ttfb"]
SMOKE_DS = ["up", "degraded", "latency", "median", "loss"] + ["s%02d" % i for i in range(1, N_SAMPLES + 1)]
FEED_DS = ["up", "degraded", "latency", "items_total", "items_up", "items_degraded", "items_down",
           "items_unknown", "items_excluded", "rapid_reliability"]

COUNCILS = [
    ("cardiff", "Cardiff Council", "Cyngor Caerdydd", [
        ("website", "Website", "tcp"),
        ("myaccount", "My Account", "http"),
        ("ping", "Gateway", "smoke"),
        ("evcharge", "EV charge points", "feed"),
        ("ftp", None, None),
    ]),
    ("swansea", "City and County of Swansea Council", "Cyngor Dinas a Sir Abertawe", [
        ("website", "Website", "tcp_ok"),
    ]),
    ("powys", "Powys County Council", "Cyngor Sir Powys", [
        ("website", "Website", None),
    ]),
]


# What rrd_graph_v leaves behind under LeakSanitizer is not ours. The font
# caches of fontconfig and pango (some filled on pango's own thread) live as
# long as the process, and librrd 1.7 never frees the copies of the legend
# texts it puts in its info list. Suppressing by function needs whole
# allocation stacks, and unwinding every malloc of pango and fontconfig that
# way makes a graph ten times slower under the sanitizers: only the runs of
# GraphLeakTest look for leaks; the others leave that to it.
LSAN_SUPPRESSIONS = "leak:rrd_graph_v\nleak:libfontconfig.so\n"
_suppressions_file = None


def run(args, leaks=False, **kw):
    """gwtest.run with the sanitizers told about librrd's own leaks, or
    (unless `leaks`) not looking for leaks at all."""
    global _suppressions_file
    env = dict(os.environ)
    if not leaks:
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        return gwrun(args, env=env, **kw)
    if _suppressions_file is None:
        import tempfile
        fd, _suppressions_file = tempfile.mkstemp(prefix="gwgraph-lsan-", suffix=".supp")
        os.write(fd, LSAN_SUPPRESSIONS.encode())
        os.close(fd)
        import atexit
        atexit.register(os.unlink, _suppressions_file)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "fast_unwind_on_malloc=0"]))
    env["LSAN_OPTIONS"] = ":".join(filter(None, [env.get("LSAN_OPTIONS"),
                                                 "suppressions=" + _suppressions_file]))
    return gwrun(args, env=env, **kw)


# ---------------------------------------------------------------------------
# RRD files with known data


def rra_args(step, layout="main"):
    """The archives of daemon/storage/rrd_schema.h for a step: "main" (AVERAGE),
    "spread" (MIN and MAX of the consolidated tiers) or "single" (both in one
    file, as an older layout had them)."""
    tiers = [(0, 2 * 86400), (300, 14 * 86400), (3600, 90 * 86400), (86400, 1827 * 86400)]
    out = []
    for i, (res, span) in enumerate(tiers):
        ppr = max(1, (2 * res + step) // (2 * step)) if res else 1
        rows = -(-span // (ppr * step))
        if i == 0:
            rows = min(rows, 2880)
        if out and out[-1][0] == ppr:
            out[-1][1] = max(out[-1][1], rows)
            continue
        out.append([ppr, rows])
    args = []
    for ppr, rows in out:
        cfs = {"main": ["AVERAGE"], "spread": [] if ppr == 1 else ["MIN", "MAX"],
               "single": ["AVERAGE"] if ppr == 1 else ["AVERAGE", "MIN", "MAX"]}[layout]
        for cf in cfs:
            args.append("RRA:%s:0.5:%d:%d" % (cf, ppr, rows))
    return args


def rrd_create(path, names, start, step=STEP, layout="main"):
    bounded = {"up": "0:1", "degraded": "0:1", "loss": "0:1"}
    args = ["rrdtool", "create", path, "--start", str(start - step), "--step", str(step)]
    for n in names:
        args.append("DS:%s:GAUGE:%d:%s" % (n, 2 * step, bounded.get(n, "0:U")))
    subprocess.run(args + rra_args(step, layout), check=True)


def rrd_update(path, rows, chunk=2000):
    for i in range(0, len(rows), chunk):
        subprocess.run(["rrdtool", "update", path, "--"] + rows[i:i + chunk], check=True)


def fmt(v):
    return "U" if v is None else ("%.6g" % v)


def status_at(kind, m, outage=OUTAGE, degraded=DEGRADED):
    """(up, degraded) at minute m of the pattern."""
    if kind == "tcp_ok":
        return 1, 0
    if outage[0] <= m < outage[1]:
        return 0, 0
    if degraded[0] <= m < degraded[1]:
        return 1, 1
    return 1, 0


def target_rows(kind, names, times, rng, **pattern):
    """Rows "t:v:v..." for the data sources `names` of a target of `kind`."""
    rows = []
    for m, t in enumerate(times):
        up, deg = status_at(kind, m, **pattern)
        lat = 0.06 + 0.02 * math.sin(m / 7.0) + rng.random() * 0.02 + (0.25 if deg else 0)
        samples = sorted(lat * (0.8 + 0.4 * rng.random()) for _ in range(N_SAMPLES))
        v = {
            "up": up, "degraded": deg, "latency": lat if up else None, "connect": lat * 0.4,
            "dns": 0.004, "tls": lat * 0.3, "ttfb": lat * 0.25, "size": 48000, "cert_days": 60,
            "http_version": 2, "median": samples[N_SAMPLES // 2] if up else None,
            "loss": 0.0 if up else 1.0, "items_total": 40, "items_up": 30 - (8 if deg else 0),
            "items_degraded": 2, "items_down": 4 + (8 if deg else 0), "items_unknown": 2,
            "items_excluded": 2, "rapid_reliability": 0.9 if deg else 0.95,
        }
        for i, s in enumerate(samples, 1):
            v["s%02d" % i] = s if up else None
        if not up:
            for k in ("connect", "dns", "tls", "ttfb"):
                v[k] = None
        rows.append("%d:%s" % (t, ":".join(fmt(v[n]) for n in names)))
    return rows


# The files of a target of each kind: (suffix, data sources, archives).
# Beside the main file, the latency's MIN and MAX in .spread.rrd; http keeps
# its phases in a third file, and swansea's website has an older single file.
SPREAD = (".spread", ["latency"], "spread")
FILES = {
    "tcp": [("", TCP_DS, "main"), SPREAD],
    "tcp_ok": [("", TCP_DS, "single")],
    "smoke": [("", SMOKE_DS, "main"), SPREAD],
    "feed": [("", FEED_DS, "main"), SPREAD],
    "http": [("", HTTP_MAIN_DS, "main"), (".phases", HTTP_PHASE_DS, "main"), SPREAD],
}


def write_target(council_dir, target, kind, start, times, rng, **pattern):
    """The files of one target."""
    for suffix, names, layout in FILES[kind]:
        path = os.path.join(council_dir, "%s%s.rrd" % (target, suffix))
        rrd_create(path, names, start, layout=layout)
        rrd_update(path, target_rows(kind, names, times, rng, **pattern))


def write_config(path, data_dir, councils):
    lines = ["daemon:", "  data_dir: %s" % data_dir, "  listen: \"\"", "councils:"]
    for cid, name, name_cy, targets in councils:
        lines += ["  - id: %s" % cid, "    name: %s" % name, "    name_cy: %s" % name_cy,
                  "    targets:"]
        for tid, title, _ in targets:
            lines.append("      - id: %s" % tid)
            if title:
                lines.append("        name: %s" % title)
            lines += ["        check: tcp", "        host: 127.0.0.1", "        port: 9"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def make_estate(workdir, end, councils=COUNCILS, minutes=MINUTES, seed=7, **pattern):
    """Writes a configuration and its data directory; returns (config, start, end)."""
    data_dir = os.path.join(workdir, "data")
    start = end - minutes * STEP
    times = [start + (m + 1) * STEP for m in range(minutes)]
    rng = random.Random(seed)
    for cid, _, _, targets in councils:
        council_dir = os.path.join(data_dir, cid)
        os.makedirs(council_dir, exist_ok=True)
        for tid, _, kind in targets:
            if kind:
                write_target(council_dir, tid, kind, start, times, rng, **pattern)
    config = os.path.join(workdir, "gwyliwr.yaml")
    write_config(config, data_dir, councils)
    return config, start, end


# ---------------------------------------------------------------------------
# PNG without an imaging library


def png_decode(data):
    """(width, height, rows): rows[y][x] is an (r, g, b) tuple."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
        elif kind == b"IDAT":
            idat += body
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 0xFF
            elif ftype == 2:
                line[x] = (line[x] + b) & 0xFF
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return width, height, rows


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def hex_rgb(h):
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def over_white(h, alpha):
    return tuple(round(alpha * c + (1 - alpha) * 255) for c in hex_rgb(h))


def near(p, want, tol=10):
    return all(abs(a - b) <= tol for a, b in zip(p, want))


RED, AMBER, GREEN, GREY = hex_rgb("D62728"), hex_rgb("F2A900"), hex_rgb("3A9D4A"), hex_rgb("CFCFCF")
RED_SHADE = over_white("D62728", 0x80 / 255)
AMBER_SHADE = over_white("F2A900", 0x80 / 255)


def xs_where(row, colour, tol=10):
    return [x for x, p in enumerate(row) if near(p, colour, tol)]


def count_colour(rows, colour, tol=6):
    return sum(1 for row in rows for p in row if near(p, colour, tol))


# ---------------------------------------------------------------------------


class GraphTest(TestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.estate = tempfile.mkdtemp(prefix="gwgraph-")
        now = int(__import__("time").time()) // STEP * STEP
        cls.config, cls.start, cls.end = make_estate(cls.estate, now)

    @classmethod
    def tearDownClass(cls):
        import shutil
        if not os.environ.get("GW_KEEP_TMP"):
            shutil.rmtree(cls.estate, ignore_errors=True)

    def graph(self, subject, out_name, *extra, expect=0, leaks=False):
        out = os.path.join(self.tmp, out_name)
        args = [GWYLIWR, "graph", "-c", self.config, subject, "--from", str(self.start),
                "--to", str(self.end), "--out", out, *extra]
        r = run(args, leaks=leaks)
        self.assertEqual(r.returncode, expect, "%s\n%s" % (r.stdout, r.stderr))
        if expect:
            return r
        with open(out, "rb") as f:
            return f.read()

    def svg(self, subject, *extra):
        data = self.graph(subject, "g.svg", *extra)
        root = ET.fromstring(data)  # parses as XML, or the test fails here
        ns = "{http://www.w3.org/2000/svg}"
        self.assertEqual(root.tag, ns + "svg")
        title = root.find(ns + "title").text
        desc = root.find(ns + "desc").text or ""
        return root, title, desc

    # ---- one target -------------------------------------------------------

    def test_target_png_has_the_size_asked_and_bands_where_the_outage_was(self):
        data = self.graph("cardiff/website", "t.png", "--size", "900x450")
        self.assertEqual(png_size(data), (900, 450))
        w, h, rows = png_decode(data)
        # Above the latency and its spread (at most 350 ms on a 400 ms scale):
        # only the shading crosses this row.
        row = rows[int(h * 0.12)]
        red = xs_where(row, RED_SHADE)
        amber = xs_where(row, AMBER_SHADE)
        self.assertTrue(red and amber, "no red or no amber shading in the row")
        red_w = max(red) - min(red) + 1
        amber_w = max(amber) - min(amber) + 1
        gap = min(amber) - max(red)
        # Both stretches last 15 minutes, 25 minutes apart, outage first.
        self.assertGreater(gap, 0)
        self.assertAlmostEqual(amber_w / red_w, 1.0, delta=0.15)
        self.assertAlmostEqual(gap / red_w, (DEGRADED[0] - OUTAGE[1]) / (OUTAGE[1] - OUTAGE[0]),
                               delta=0.25)
        canvas_w = red_w * MINUTES / (OUTAGE[1] - OUTAGE[0])
        self.assertLess(canvas_w, w)
        # The min-max band comes from the spread file's 5-minute MIN and MAX:
        # at this scale (8 s a pixel) the averages alone have no spread.
        band = over_white("1F5FA8", 0x33 / 255)
        self.assertGreater(count_colour(rows, band, tol=6), 2000)

    def test_target_default_size(self):
        data = self.graph("cardiff/website", "d.png")
        self.assertEqual(png_size(data), (800, 420))

    def test_target_svg_in_welsh_is_titled_and_described(self):
        root, title, desc = self.svg("cardiff/website", "--lang", "cy", "--size", "640x320")
        self.assertEqual(root.get("width"), "640")
        self.assertEqual(root.get("height"), "320")
        self.assertEqual(root.get("{http://www.w3.org/XML/1998/namespace}lang"), "cy")
        self.assertIn("Cyngor Caerdydd", title)
        self.assertIn("Website", title)
        self.assertIn("Argaeledd", desc)
        self.assertIn("amser segur 15 munud", desc)
        self.assertIn("Amser ymateb", desc)

    def test_target_svg_in_english(self):
        _, title, desc = self.svg("cardiff/website", "--lang", "en")
        self.assertIn("Cardiff Council", title)
        self.assertRegex(desc, r"Availability 8[67]\.\d\d %")
        self.assertIn("downtime 15 min", desc)

    def test_http_phases_come_from_their_own_file(self):
        data = self.graph("cardiff/myaccount", "h.png")
        _, _, rows = png_decode(data)
        for phase_colour in ("8E6CB8", "2BA3B5", "E8871E", "7FA7E0"):  # dns, connect, tls, ttfb
            self.assertGreater(count_colour(rows, hex_rgb(phase_colour)), 50, phase_colour)

    def test_samples_draw_smoke_and_a_median(self):
        data = self.graph("cardiff/ping", "s.png")
        _, _, rows = png_decode(data)
        self.assertGreater(count_colour(rows, hex_rgb("1F5FA8"), tol=25), 100)  # median line
        smoke = over_white("1F5FA8", 0x24 / 255)
        self.assertGreater(count_colour(rows, smoke, tol=8), 200)
        _, _, desc = self.svg("cardiff/ping")
        self.assertIn("Median", desc)
        self.assertIn("Loss", desc)

    def test_feed_counts(self):
        _, _, desc = self.svg("cardiff/evcharge")
        self.assertIn("Up: average 29.0", desc)  # 30, and 22 for 15 of 120 minutes
        self.assertIn("Down: average 5.0", desc)
        self.assertIn("Not in service: average 2.0", desc)
        self.assertIn("Total: average 40.0", desc)
        self.assertIn("Rapid chargers working: 94.4 % (target 99 %)", desc)
        _, _, desc = self.svg("cardiff/evcharge", "--lang", "cy")
        self.assertIn("Cyfanswm: cyfartaledd 40.0", desc)
        self.assertIn("Gwefrwyr cyflym yn gweithio: 94.4 % (targed 99 %)", desc)
        data = self.graph("cardiff/evcharge", "f.png")
        _, _, rows = png_decode(data)
        self.assertGreater(count_colour(rows, hex_rgb("333333"), tol=20), 100)  # total line
        self.assertGreater(count_colour(rows, hex_rgb("3A9D4A"), tol=3), 5000)  # items up

    # ---- a council and Wales ------------------------------------------------

    def test_council_strips(self):
        data = self.graph("cardiff", "c.png", "--size", "800x500")
        self.assertEqual(png_size(data), (800, 500))
        _, _, rows = png_decode(data)
        for name, colour in (("red", RED), ("amber", AMBER), ("green", GREEN), ("grey", GREY)):
            self.assertGreater(count_colour(rows, colour, tol=3), 300, name)
        # The outage is red in the website's strip, and only 15 of 120 minutes long.
        red_rows = [xs_where(r, RED, tol=3) for r in rows]
        widest = max(red_rows, key=len)
        green_in_that_row = xs_where(rows[red_rows.index(widest)], GREEN, tol=3)
        self.assertAlmostEqual(len(widest) / (len(widest) + len(green_in_that_row)),
                               (OUTAGE[1] - OUTAGE[0]) / MINUTES, delta=0.04)

    def test_council_svg_lists_every_target_with_its_availability(self):
        _, title, desc = self.svg("cardiff")
        self.assertIn("Cardiff Council", title)
        self.assertIn("availability by service", title)
        self.assertRegex(desc, r"Website 8[67]\.\d\d %")
        self.assertIn("My Account", desc)
        self.assertIn("ftp —", desc)
        _, title, desc = self.svg("cardiff", "--lang", "cy")
        self.assertIn("Cyngor Caerdydd", title)
        self.assertIn("argaeledd fesul gwasanaeth", title)
        self.assertIn("Y cyngor cyfan", desc)

    def test_wales_compares_councils(self):
        for lang, wales, council in (("en", "Wales", "City and County of Swansea Council"),
                                     ("cy", "Cymru", "Cyngor Dinas a Sir Abertawe")):
            _, title, desc = self.svg("wales", "--lang", lang)
            self.assertIn(wales, desc)
            self.assertIn(council + " 100.00 %", desc)
            self.assertIn("—", desc)  # Powys: nothing measured
        data = self.graph("wales", "w.png", "--size", "960x400")
        self.assertEqual(png_size(data), (960, 400))
        _, _, rows = png_decode(data)
        self.assertGreater(count_colour(rows, GREY, tol=3), 300)  # Powys's strip
        self.assertGreater(count_colour(rows, GREEN, tol=3), 300)
        self.assertGreater(count_colour(rows, AMBER, tol=3), 50)  # Cardiff partly down

    def test_every_kind_and_language_gives_an_image(self):
        for subject in ("cardiff/website", "cardiff/myaccount", "cardiff", "wales"):
            for lang, period in (("en", "last 24 hours"), ("cy", "y 24 awr ddiwethaf")):
                out = os.path.join(self.tmp, "x.png")
                r = run([GWYLIWR, "graph", "-c", self.config, subject, "--period", "1d",
                         "--lang", lang, "--out", out])
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(out, "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
                svg = os.path.join(self.tmp, "x.svg")
                r = run([GWYLIWR, "graph", "-c", self.config, subject, "--period", "1d",
                         "--lang", lang, "--out", svg])
                self.assertEqual(r.returncode, 0, r.stderr)
                title = ET.parse(svg).getroot().find("{http://www.w3.org/2000/svg}title").text
                self.assertIn(period, title)

    def test_drawing_leaks_nothing_of_ours(self):
        # Under the sanitizers, each kind of subject and format once with
        # LeakSanitizer watching (the process exits non-zero on a leak).
        for subject, name in (("cardiff/myaccount", "l.png"), ("cardiff/ping", "l.svg"),
                              ("cardiff/evcharge", "l.png"), ("cardiff", "l.svg"),
                              ("wales", "l.png")):
            self.graph(subject, name, "--lang", "cy", leaks=True)

    # ---- errors -------------------------------------------------------------

    def test_a_subject_that_does_not_exist(self):
        r = self.graph("cardiff/nothing", "n.png", expect=1)
        self.assertIn("no target cardiff/nothing in %s" % self.config, r.stderr)
        r = self.graph("nowhere", "n.png", expect=1)
        self.assertIn("no council nowhere in %s" % self.config, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "n.png")))

    def test_a_target_never_measured(self):
        r = self.graph("powys/website", "n.png", expect=1)
        self.assertIn("no data recorded for powys/website yet", r.stderr)

    def test_bad_options(self):
        out = os.path.join(self.tmp, "o.png")
        base = [GWYLIWR, "graph", "-c", self.config]
        cases = [
            (["cardiff", "--period", "2d", "--out", out], "bad period"),
            (["cardiff", "--size", "10x10", "--out", out], "bad size"),
            (["cardiff", "--size", "wide", "--out", out], "bad size"),
            (["cardiff", "--out", os.path.join(self.tmp, "o.gif")], "cannot tell the format"),
            (["cardiff", "--lang", "fr", "--out", out], "bad language"),
            (["cardiff", "--from", "yesterday-ish", "--out", out], "bad time"),
            (["cardiff", "--from", "-1h", "--to", "-2h", "--out", out], "must come before"),
            (["cardiff", "--period", "1d", "--from", "-1h", "--out", out], "not both"),
            (["cardiff", "--to", "now", "--out", out], "--to needs --from"),
            (["cardiff"], "--out"),
            (["--out", out], "no subject"),
            (["cardiff", "swansea", "--out", out], "one subject"),
        ]
        for args, message in cases:
            r = run(base + args)
            self.assertEqual(r.returncode, 2, "%s: %s" % (args, r.stderr))
            self.assertIn(message, r.stderr, args)
        self.assertFalse(os.path.exists(out))

    def test_an_invalid_configuration(self):
        bad = os.path.join(self.tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write("councils: 3\n")
        r = run([GWYLIWR, "graph", "-c", bad, "wales", "--out", os.path.join(self.tmp, "b.png")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.yaml", r.stderr)


if __name__ == "__main__":
    main()
