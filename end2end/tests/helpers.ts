import { expect, type Page, type TestInfo } from "@playwright/test";

/** A username no other test uses. */
export function uniqueName(prefix: string, info: TestInfo): string {
  const rand = Math.random().toString(36).slice(2, 8);
  return `${prefix}${info.project.name.replace("-", "")}${rand}`.toLowerCase().slice(0, 30);
}

export const PASSWORD = "correct horse battery";

/** Whether this project runs with JavaScript (hydrated islands). */
export function hydrated(info: TestInfo): boolean {
  return info.project.name === "hydrated";
}

/**
 * In the hydrated project, waits until the islands are interactive (the password toggle only
 * appears once hydrated); in the no-JS project, checks it stays hidden.
 */
export async function settle(page: Page, info: TestInfo): Promise<void> {
  const toggle = page.locator(".password-toggle").first();
  if (hydrated(info)) {
    await expect(toggle).toBeVisible();
  } else {
    await expect(toggle).toBeHidden();
  }
}

/** Fills and submits the registration screen. */
export async function register(page: Page, info: TestInfo, username: string, password = PASSWORD) {
  await expect(page).toHaveURL(/\/register$/);
  await settle(page, info);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Fills and submits the sign-in screen. */
export async function signIn(page: Page, info: TestInfo, identifier: string, password = PASSWORD) {
  await expect(page).toHaveURL(/\/sign-in$/);
  await settle(page, info);
  await page.getByLabel("Username or email").fill(identifier);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}
