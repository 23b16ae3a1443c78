// Drives Debian's chromium (no browser download) through playwright-core:
// loads each page given, in a wide window, at 320 px and at 400 % zoom,
// saves screenshots, and runs axe-core for WCAG 2.2 A and AA.
//   node browser.mjs BASE_URL OUT_DIR PATH...
// Prints one JSON line per page; exits 1 on any violation or layout problem.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
const [base, outDir, ...paths] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "gw-chromium-"));
// A new, empty profile directory (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // The pages forbid scripts (CSP); axe is the test's own, injected past it.
  bypassCSP: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
  ],
  viewport: { width: 1280, height: 900 },
});
let failed = false;
const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
try {
  for (const path of paths) {
    const name = path.replace(/[^a-z0-9]+/gi, "_").replace(/^_|_$/g, "") || "overview";
    const result = { path };
    // 1. A desktop window: axe and a screenshot.
    let page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const resp = await page.goto(base + path, { waitUntil: "load" });
    result.status = resp.status();
    await page.addScriptTag({ path: axePath });
    const axe = await page.evaluate(async (t) => {
      const r = await window.axe.run(document, { runOnly: { type: "tag", values: t } });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
    }, tags);
    result.violations = axe;
    result.lang = await page.evaluate(() => document.documentElement.lang);
    // The skip link is the first thing the keyboard reaches, and it is visible then.
    await page.keyboard.press("Tab");
    result.firstFocus = await page.evaluate(() => {
      const el = document.activeElement;
      const r = el.getBoundingClientRect();
      return { cls: el.className, visible: r.width > 0 && r.left >= 0 && r.top >= 0,
               outline: getComputedStyle(el).outlineStyle };
    });
    await page.screenshot({ path: join(outDir, `${name}-wide.png`), fullPage: false });
    await page.close();
    // 2. 320 CSS px wide, and 1280 px at 400 % zoom (the same 320 CSS px):
    // nothing may need scrolling sideways but the tables' own scroll areas.
    // 400 % of a 1280 x 1024 window is 320 x 256 CSS pixels.
    for (const [label, size] of [["320", { width: 320, height: 640 }],
                                 ["zoom400", { width: 320, height: 256 }]]) {
      page = await browser.newPage();
      await page.setViewportSize(size);
      await page.goto(base + path, { waitUntil: "load" });
      result[`overflow_${label}`] = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (result[`overflow_${label}`] > 1)
        result[`wide_${label}`] = await page.evaluate(() => {
          const w = document.documentElement.clientWidth;
          return [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > w + 1 &&
                           !(e.parentElement && e.parentElement.closest(".scroll")))
            .slice(0, 5).map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
        });
      await page.screenshot({ path: join(outDir, `${name}-${label}.png`), fullPage: false });
      await page.close();
    }
    const ok = result.status === 200 && axe.length === 0 && result.firstFocus.cls === "skip" &&
      result.firstFocus.visible && result.overflow_320 <= 1 && result.overflow_zoom400 <= 1;
    result.ok = ok;
    failed ||= !ok;
    console.log(JSON.stringify(result));
  }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
