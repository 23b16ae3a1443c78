"""Feed checks end to end: `gwyliwr run` and `gwyliwr probe` watching the
simulator's OCPI, Meraki-style and health feeds on 127.0.0.1.

The simulator's control endpoint changes a feed while the daemon watches:
chargers go out of order and come back, locations disappear, and the log
says so one line per item (and sums up beyond twenty); the target turns
degraded below min_up; tracked items get files of their own whose values
follow their status; a feed answering 429 with Retry-After is left alone
for that long; `probe` lists the items, and so do the status page and the API, each item
with since when it is in its state; `check-config` counts the item files in
its disk budget.
"""

import json
import os
import re

from gwtest import (GWYLIWR, TestCase, free_port, http_get, main, rrd_lastupdate, run,
                    sim_control, start_sim, stop_sim, wait_until)
from test_web import schema_check

SCENARIO = r"""
description: feeds for the feed checks' integration test
listeners:
  control: {type: control}
  feeds:
    type: http
    routes:
      /ocpi/2.2.1/locations:
        feed: {type: ocpi, name: cardiff, locations: 8, evses: 3, page_size: 3,
               statuses: {OUTOFORDER: 1}}
      /wifi: {feed: {type: meraki, name: gwynedd, devices: 10, page_size: 4,
                     statuses: {offline: 2, dormant: 1}}}
      /health: {feed: {type: health}}
      /busy: {status: 429, headers: {Retry-After: "3"}, body: "slow down"}
"""

# Results written as they come (rrd_write_delay): the tests read the files
# while the daemon runs.
CONFIG = """
daemon:
  data_dir: data
  listen: ""
  log_level: info
  rrd_write_delay: 0s
defaults:
  interval: 1s
  timeout: 1s
  failure_threshold: 1
  success_threshold: 1
councils:
  - id: cardiff
    targets:
      - id: ev
        check: ocpi
        url: http://127.0.0.1:{feeds}/ocpi/2.2.1/locations
        min_up: 90%
        track_items: true
      - id: wifi
        check: json_feed
        url: http://127.0.0.1:{feeds}/wifi
        item_id: serial
        excluded_values: [dormant]
      - id: api
        check: health
        url: http://127.0.0.1:{feeds}/health
      - id: busy
        check: json_feed
        url: http://127.0.0.1:{feeds}/busy
"""


class FeedsTest(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.simdir = os.path.join(os.environ.get("TMPDIR", "/tmp"), "gwtest-feeds-%d" % os.getpid())
        os.makedirs(cls.simdir, exist_ok=True)
        cls.sim, cls.ports = start_sim(cls.simdir, SCENARIO)

    @classmethod
    def tearDownClass(cls):
        stop_sim(cls.sim)

    def control(self, method, path, body=None):
        return sim_control(self.ports["control"], method, "/control/" + path, body)

    def route_requests(self, path):
        stats = self.control("GET", "stats")
        return stats["listeners"]["feeds"]["routes"][path]["requests"]

    def config(self):
        return CONFIG.replace("{feeds}", str(self.ports["feeds"]))

    def setUp(self):
        super().setUp()
        self.control("DELETE", "feeds/ocpi/2.2.1/locations")

    def test_items_followed_across_feed_changes(self):
        d = self.daemon(self.config())
        # The first list after start is in the UP line, not 24 lines of its own.
        d.wait_log(r"cardiff/ev \(ocpi\): UP: 24 EVSEs at 8 locations from 127\.0\.0\.1:\d+: "
                   r"23 up, 1 down; rapid chargers: 15 of 16 working \(93\.8%\)", 10)
        self.assertEqual(d.count(r"cardiff/ev \(ocpi\): item "), 0)
        d.wait_log(r"cardiff/wifi \(json_feed\): UP: 10 items in 3 pages from 127\.0\.0\.1:\d+: "
                   r"7 up, 2 down, 1 not in service", 10)

        # Three more chargers out of order: one line each, and 20 of 23 is below min_up.
        self.control("POST", "feeds/ocpi/2.2.1/locations", {"feed": {"statuses": {"OUTOFORDER": 4}}})
        for uid in ("CAR-001-02", "CAR-001-03", "CAR-002-01"):
            d.wait_log(r"cardiff/ev \(ocpi\): item CAR-00\d/%s \"[^\"]+\": UP -> DOWN "
                       r"\(OUTOFORDER\)" % uid, 10)
        d.wait_log(r"cardiff/ev \(ocpi\): UP -> DEGRADED after 1 failure: 83% of items work "
                   r"\(20 of 24\), below min_up 90%", 10)

        # Locations gone from the feed (the three chargers back meanwhile): one line each.
        self.control("POST", "feeds/ocpi/2.2.1/locations", {"feed": {"locations": 7}})
        for uid in ("CAR-008-01", "CAR-008-02", "CAR-008-03"):
            d.wait_log(r"item CAR-008/%s \"[^\"]+\" is no longer listed \(was UP\)" % uid, 10)
        d.wait_log(r"cardiff/ev \(ocpi\): DEGRADED -> UP", 10)

        # All out of order: a change of 24 items is twenty lines and one more.
        self.control("POST", "feeds/ocpi/2.2.1/locations",
                     {"feed": {"locations": 8, "statuses": {"OUTOFORDER": 24}}})
        d.wait_log(r"cardiff/ev \(ocpi\): and \d+ more item changes", 10)
        d.wait_log(r"cardiff/ev \(ocpi\): UP -> DEGRADED", 10, count=2)
        self.control("DELETE", "feeds/ocpi/2.2.1/locations")
        d.wait_log(r"cardiff/ev \(ocpi\): DEGRADED -> UP", 15, count=2)
        self.assertEqual(d.count(r"item CAR-001/CAR-001-01 .*: UP -> DOWN"), 0)

        # Each tracked item has a file, whose last values follow its status.
        items = os.path.join(self.tmp, "data", "cardiff", "ev.items")
        wait_until(lambda: os.path.exists(os.path.join(items, "CAR-008%2FCAR-008-03.rrd")), 10,
                   what="the item files")
        files = sorted(f for f in os.listdir(items) if f.endswith(".rrd"))
        self.assertEqual(len(files), 24)
        self.assertEqual(files[0], "CAR-001%2FCAR-001-01.rrd")
        d.stop()
        _, values = rrd_lastupdate(os.path.join(items, "CAR-001%2FCAR-001-01.rrd"))
        self.assertEqual(values["up"], 0.0)  # OUTOFORDER from the start
        self.assertEqual(values["working"], 0.0)
        _, values = rrd_lastupdate(os.path.join(items, "CAR-002%2FCAR-002-02.rrd"))
        self.assertEqual(values["up"], 1.0)
        # The target's own file holds the counts and the reliability figure.
        _, values = rrd_lastupdate(os.path.join(self.tmp, "data", "cardiff", "ev.rrd"))
        self.assertEqual(values["items_total"], 24.0)
        self.assertEqual(values["items_down"], 1.0)
        self.assertEqual(values["rapid_total"], 16.0)
        self.assertAlmostEqual(values["rapid_reliability"], 15.0 / 16.0, places=6)

    def test_status_page_and_api_show_the_items(self):
        port = free_port()
        d = self.daemon(self.config().replace('listen: ""', "listen: 127.0.0.1:%d" % port))
        d.wait_log(r"cardiff/ev \(ocpi\): UP: 24 EVSEs", 10)
        self.control("POST", "feeds/ocpi/2.2.1/locations", {"feed": {"statuses": {"OUTOFORDER": 2}}})
        d.wait_log(r"item CAR-001/CAR-001-02 \"[^\"]+\": UP -> DOWN", 10)

        def get_json(path):
            status, headers, body = http_get(port, path)
            self.assertEqual(status, 200, path)
            return json.loads(body)

        def settled():
            doc = get_json("/api/v1/targets/cardiff/ev")["target"]
            return doc if doc["items"] and doc["items"][1]["state"] == "down" else None
        target = wait_until(settled, 10, what="the second charger down in the API")
        doc = get_json("/api/v1/openapi.json")
        schema = doc["paths"]["/api/v1/targets/{council}/{target}"]["get"]["responses"]["200"][
            "content"]["application/json"]["schema"]
        self.assertEqual(schema_check(doc, schema, get_json("/api/v1/targets/cardiff/ev")), [])
        first, second = target["items"][0], target["items"][1]
        self.assertEqual(first["id"], "CAR-001/CAR-001-01")
        self.assertEqual(first["reason"], "OUTOFORDER")
        self.assertTrue(first["rapid"])
        # The second went down after the first list: it has been down for less time.
        self.assertGreater(second["since"], first["since"])
        self.assertEqual(target["figures"]["items_down"], 2)
        status, _, page = http_get(port, "/target/cardiff/ev")
        self.assertEqual(status, 200)
        self.assertIn(b"Items of the feed", page)
        self.assertIn(b"CAR-001/CAR-001-02", page)
        d.stop()

    def test_retry_after_delays_the_next_check(self):
        self.control("DELETE", "stats")
        d = self.daemon(self.config())
        d.wait_log(r"cardiff/busy \(json_feed\): the next check waits 3 s, as asked: HTTP 429 "
                   r"from 127\.0\.0\.1:\d+: asked to wait 3 s before the next check", 10)
        d.wait_log(r"cardiff/busy \(json_feed\): UNKNOWN after 1 inconclusive check", 10)
        first = self.route_requests("/busy")
        # At a 1 s interval the daemon would have asked four more times meanwhile.
        wait_until(lambda: self.route_requests("/busy") > first, 10, what="the check after 3 s")
        self.assertEqual(self.route_requests("/busy"), first + 1)
        d.stop()

    def test_probe_lists_items(self):
        path = os.path.join(self.tmp, "feeds.yaml")
        with open(path, "w") as f:
            f.write(self.config())
        out = run([GWYLIWR, "probe", "-c", path, "cardiff/wifi"])
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("UP: cardiff/wifi (json_feed): 10 items in 3 pages from 127.0.0.1:", out.stdout)
        self.assertIn("  items        10: 7 up, 2 down, 1 excluded\n", out.stdout)
        self.assertRegex(out.stdout, r"\n    DOWN      Q2XX-GWY0-0001  \"GWY-AP01\"  offline\n")
        self.assertRegex(out.stdout, r"\n    EXCLUDED  Q2XX-GWY0-0003  \"GWY-AP03\"  dormant\n")
        out = run([GWYLIWR, "probe", "--json", "-c", path, "cardiff/ev"])
        doc = json.loads(out.stdout)
        self.assertEqual(len(doc["items"]), 24)
        self.assertEqual(doc["items"][0], {"id": "CAR-001/CAR-001-01",
                                           "name": "Maes parcio 1 / Car park 1, R1",
                                           "status": "down", "reason": "OUTOFORDER",
                                           "rapid": True})
        self.assertEqual(doc["figures"]["items_total"], 24)
        out = run([GWYLIWR, "probe", "-c", path, "cardiff/api"])
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("says \"pass\"", out.stdout)

    def test_check_config_counts_tracked_items(self):
        path = os.path.join(self.tmp, "feeds.yaml")
        with open(path, "w") as f:
            f.write(self.config())
        out = run([GWYLIWR, "check-config", "-c", path])
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertTrue(re.search(r"storage: 4 targets, [\d.]+ MB of RRD files, 74 MB of them for "
                                  r"at most 1000 tracked items \(", out.stdout), out.stdout)


if __name__ == "__main__":
    main()
