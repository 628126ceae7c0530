// The built theme gallery (scripts/lib/site.sh): every fixture entry renders, in light and dark, and passes
// axe-core's WCAG 2.2 AA checks; so do the example themes, the split layout and
// right-to-left.
import { expect, test } from "@playwright/test";
import { expectAccessible } from "./axe";

async function entries(page: import("@playwright/test").Page): Promise<string[]> {
  await page.goto("/");
  const links = page.locator(".gallery-nav a");
  await expect(links.first()).toBeVisible();
  return (await links.evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""))).filter(Boolean);
}

// Axe on every entry in light and dark takes minutes: the entries are checked in four parts
// that the workers run side by side.
test.describe.configure({ mode: "parallel" });
const PARTS = 4;
for (let part = 0; part < PARTS; part++) {
  test(`every gallery entry renders in light and dark and is accessible (part ${part + 1} of ${PARTS})`, async ({ page }) => {
    test.setTimeout(180_000);
    const all = await entries(page);
    expect(all.length).toBeGreaterThan(30);
    const hrefs = all.filter((_, i) => i % PARTS === part);
    for (const href of hrefs) {
      await page.goto(href);
      const frames = page.locator(".gallery-frame");
      await expect(frames, href).toHaveCount(2);
      await expect(frames.nth(0).locator("h1")).toBeVisible();
      await expect(frames.nth(1).locator("h1")).toBeVisible();
      await expectAccessible(page, href);
    }
  });
}

test("example themes, the split layout and right-to-left stay accessible", async ({ page }) => {
  test.setTimeout(120_000);
  for (const query of ["theme=brand", "theme=dark-only", "theme=dense", "layout=split", "lang=ar", "lang=ja", "pending=1"]) {
    for (const screen of ["sign-in-error", "register-errors", "verify-code", "continue-profile"]) {
      await page.goto(`/${screen}?${query}`);
      await expect(page.locator(".gallery-frame")).toHaveCount(2);
      if (query === "pending=1") {
        await expect(page.locator('.button-primary[aria-busy="true"]').first()).toBeVisible();
      }
      if (query === "lang=ar") {
        await expect(page.locator(".gallery-frame").first()).toHaveAttribute("dir", "rtl");
      }
      if (query.startsWith("theme=")) {
        await expect(page.locator(`link[href="/themes/${query.slice(6)}.css"]`)).toHaveCount(1);
      }
      await expectAccessible(page, `${screen}?${query}`);
    }
  }
});
