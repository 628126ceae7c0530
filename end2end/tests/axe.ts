import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

/** WCAG 2.2 AA, as axe-core checks it. */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/**
 * Runs axe-core on the page and fails with a readable list of what it found. axe is a
 * script: for a page shown without JavaScript, the same address is opened (same cookies, so
 * the same server-held state and errors) in a script-enabled page whose own bundle is
 * blocked, so that axe sees exactly the server-rendered markup.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  if (test.info().project.name !== "no-js") {
    return check(page, what);
  }
  const browser = page.context().browser();
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext({ javaScriptEnabled: true });
  try {
    await context.addCookies(await page.context().cookies());
    const twin = await context.newPage();
    await twin.route(/\/pkg\/|form-post\.js/, (route) => route.abort());
    await twin.goto(page.url());
    await check(twin, `${what} (without JavaScript)`);
  } finally {
    await context.close();
  }
}

async function check(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const found = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join("\n    ")}`,
  );
  expect(found, `${what}:\n${found.join("\n")}`).toEqual([]);
}
