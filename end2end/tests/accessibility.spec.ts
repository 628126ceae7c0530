// axe-core (WCAG 2.2 AA) on the live screens, with JavaScript off and hydrated, in their
// empty and error states; and a keyboard-only sign-up and sign-in.
import { expect, test } from "@playwright/test";
import { expectAccessible } from "./axe";
import { emailOf, hydrated, PASSWORD, settle, uniqueName } from "./helpers";
import { codeIn, waitForMail } from "./mail";

test("the live screens are accessible, empty and with errors", async ({ page }, info) => {
  for (const path of ["/sign-in", "/register", "/identifier-sign-in", "/reset-password", "/sign-out", "/demo", "/dev/outbox", "/error?kind=internal"]) {
    await page.goto(path);
    await expectAccessible(page, path);
  }
  // Errors: an empty sign-in and a bad registration.
  await page.goto("/sign-in");
  await settle(page, info);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByText("Enter this field.").first()).toBeVisible();
  await expectAccessible(page, "/sign-in with errors");
  await page.goto("/register");
  await page.getByLabel("Username").fill("1x");
  await page.getByLabel("Email").fill("nope");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#email-error")).not.toBeEmpty();
  await expectAccessible(page, "/register with errors");
  // The code screen.
  await page.goto("/sign-in");
  await page.getByLabel("Username or email").fill("axe@example.test");
  await page.getByRole("button", { name: "Email me a sign-in code instead" }).click();
  await expect(page).toHaveURL(/\/verify$/);
  await expectAccessible(page, "/verify");
});

test("sign up and sign in with the keyboard alone", async ({ page }, info) => {
  const username = uniqueName("kb", info);
  await page.goto("/register");
  await settle(page, info);
  // The first field has focus on arrival; Tab walks the form in order.
  await expect(page.getByLabel("Username")).toBeFocused();
  await page.keyboard.type(username);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(emailOf(username));
  await page.keyboard.press("Tab");
  if (hydrated(info)) {
    // Past the hint, to the password; its show/hide button comes after it.
    await expect(page.getByLabel("Password", { exact: true })).toBeFocused();
  }
  await page.getByLabel("Password", { exact: true }).focus();
  await page.keyboard.type(PASSWORD);
  await page.getByLabel("Confirm password").focus();
  await page.keyboard.type(PASSWORD);
  const sent = Date.now();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/verify$/);
  await expect(page.getByLabel("Verification code")).toBeFocused();
  await page.keyboard.type(codeIn(await waitForMail(emailOf(username), { after: sent })));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/$/);
  await page.context().clearCookies();
  await page.goto("/sign-in");
  await settle(page, info);
  await expect(page.getByLabel("Username or email")).toBeFocused();
  await page.keyboard.type(username);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password", { exact: true })).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText(username)).toBeVisible();
});

test("after a failed submit, focus lands on the first field in error", async ({ page }) => {
  await page.goto("/register");
  await page.getByLabel("Username").fill("valid_name");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByLabel("Email")).toBeFocused();
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-describedby", /email-error/);
});

test("Arabic screens are right to left, translated and accessible", async ({ page }) => {
  await page.goto("/language?lang=ar&return_to=/sign-in");
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
  await expect(page.locator("html")).toHaveAttribute("lang", "ar");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("تسجيل الدخول");
  await expectAccessible(page, "/sign-in in Arabic");
  // The picker keeps the flow: back to English on the same screen.
  await page.getByLabel("اللغة").selectOption("en");
  await page.getByRole("button", { name: "تغيير" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.locator("html")).toHaveAttribute("dir", "ltr");
});
