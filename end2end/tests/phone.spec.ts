// Phone numbers only: sign-up without a password by a text-message code (read from the
// development outbox), the terms checkbox, the profile screen, sign-in by code, the lockout
// after wrong codes, the language picker on the code screen, and the Experience API, against
// the second Sesame (end2end/sesame-e2e-phone.toml), with JavaScript off and hydrated.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { PHONE_URL } from "../playwright.config";
import { newPhone, outboxCodeAt } from "./helpers";

test.use({ baseURL: PHONE_URL });

/** The code of the newest outbox message to `e164` on the phone Sesame. */
function outboxCode(request: APIRequestContext, e164: string): Promise<string> {
  return outboxCodeAt(request, PHONE_URL, e164);
}

async function enterCode(page: Page, code: string) {
  await page.getByLabel("Verification code").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
}

test("phone-only sign-up with terms and profile, then sign-in by text message", async ({ page }) => {
  const phone = newPhone();
  await page.goto("/register");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Create your account");
  await expect(page.getByLabel("Password", { exact: true })).toHaveCount(0);
  await page.getByLabel("Phone number").fill(phone.national);
  // Without ticking the terms: refused beside the checkbox, the number kept.
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#terms-error")).toContainText("Agree to the terms");
  await expect(page.getByLabel("Phone number")).toHaveValue(phone.national);
  await page.getByLabel(/I agree to the/).check();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Check your phone");
  await expect(page.getByText(phone.e164)).toBeVisible();
  await enterCode(page, await outboxCode(page.request, phone.e164));
  // The profile screen, with a field error first.
  await expect(page).toHaveURL(/\/continue$/);
  await page.getByLabel("Given name").fill("Hana");
  await page.getByLabel("Date of birth").fill("2001-02-03");
  await page.getByRole("button", { name: "Save and continue" }).click();
  await expect(page.locator("[id='profile.name.family_name-error']")).toContainText("Enter this field");
  await expect(page.getByLabel("Given name")).toHaveValue("Hana");
  await page.getByLabel("Family name").fill("Sato");
  await page.getByRole("button", { name: "Save and continue" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText(phone.e164)).toBeVisible();

  // Signed out, back in with a text-message code.
  await page.context().clearCookies();
  await page.goto("/sign-in");
  await page.getByLabel("Phone number").fill(phone.e164);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page).toHaveURL(/\/verify$/);
  await enterCode(page, await outboxCode(page.request, phone.e164));
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText(phone.e164)).toBeVisible();
});

test("wrong codes lock the number and say for how long", async ({ page }) => {
  const phone = newPhone();
  await page.goto("/sign-in");
  await page.getByLabel("Phone number").fill(phone.national);
  await page.getByRole("button", { name: "Send code" }).click();
  const code = await outboxCode(page.request, phone.e164);
  const wrong = code === "000000" ? "111111" : "000000";
  for (let i = 0; i < 3; i++) await enterCode(page, wrong);
  await enterCode(page, code);
  await expect(page.getByRole("alert")).toContainText("Try again in 60 minutes");
  await expect(page).toHaveURL(/\/verify$/);
});

test("the language picker translates the code screen", async ({ page }) => {
  const phone = newPhone();
  await page.goto("/sign-in");
  await page.getByLabel("Phone number").fill(phone.national);
  await page.getByRole("button", { name: "Send code" }).click();
  await page.getByLabel("Language").selectOption("ja");
  await page.getByRole("button", { name: "Change" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("スマートフォンを確認してください");
  await expect(page.getByLabel("確認コード")).toBeVisible();
});

test("the Experience API signs up with a phone number", async ({ request }) => {
  const phone = newPhone();
  const post = (path: string, data: unknown) => request.post(`${PHONE_URL}/api/experience${path}`, { data });
  expect((await post("", { event: "register" })).status()).toBe(200);
  const refused = await post("/register", { phone: phone.national });
  expect(refused.status()).toBe(400);
  expect((await refused.json()).fields[0]).toMatchObject({ field: "terms", error: "terms_required" });
  const sent = await post("/register", { phone: phone.national, terms: true });
  expect(await sent.json()).toMatchObject({ next: "verify_code" });
  const verified = await post("/code/verify", { code: await outboxCode(request, phone.e164) });
  expect(await verified.json()).toMatchObject({ next: "profile" });
  const done = await post("/profile", { fields: { "name.given_name": "Api", "name.family_name": "User" } });
  expect(await done.json()).toMatchObject({ next: "done", redirect_to: "/" });
  const doc = await (await request.get(`${PHONE_URL}/api/experience/openapi.json`)).json();
  expect(Object.keys(doc.paths)).toContain("/api/experience/profile");
});
