"""A real browser: Debian's headless chromium, driven by playwright-core
(npm, no browser download), loads the overview, a council page, target
pages and the month's report in English and Welsh; axe-core finds no WCAG 2.2 A or AA violation; the
skip link is the first thing the keyboard reaches; nothing needs sideways
scrolling at 320 px wide nor at 400 % zoom. Screenshots are kept in
<build>/tests/web-screenshots for a person to look at.
"""

import json
import os
import shutil

from gwtest import BUILD_DIR, main, run, web_tools
from test_web import Estate, this_month

PAGES = ["/", "/council/cardiff", "/target/cardiff/payments", "/target/cardiff/website",
         "/cy/", "/cy/council/cardiff", "/cy/target/cardiff/payments",
         "/report/" + this_month(), "/cy/report/" + this_month()]


class BrowserTest(Estate):
    def test_web_browser_axe_and_layout(self):
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        tools = web_tools()
        if tools is None or not os.path.exists(chromium):
            self.skipTest("chromium, node and npm are needed (./dev deps installs them)")
        out = os.path.join(BUILD_DIR, "tests", "web-screenshots")
        os.makedirs(out, exist_ok=True)
        r = run(["node", os.path.join(tools, "browser.mjs"), "http://127.0.0.1:%d" % self.port,
                 out, *PAGES], timeout=240, env=dict(os.environ, CHROMIUM=chromium))
        results = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
        self.assertEqual([x["path"] for x in results], PAGES, r.stdout + r.stderr)
        for x in results:
            self.assertEqual(x["violations"], [], x["path"])
            self.assertEqual(x["lang"], "cy" if x["path"].startswith("/cy") else "en")
            self.assertEqual(x["firstFocus"]["cls"], "skip", x["path"])
            self.assertTrue(x["firstFocus"]["visible"], x["path"])
            self.assertLessEqual(x["overflow_320"], 1, json.dumps(x))
            self.assertLessEqual(x["overflow_zoom400"], 1, json.dumps(x))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(os.path.exists(os.path.join(out, "cy_council_cardiff-wide.png")))


if __name__ == "__main__":
    main()
