import { expect, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { UPSTREAM_URL } from "../playwright.config";
import { codeIn, waitForMail } from "./mail";

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

/** The email address the tests register `username` with. */
export function emailOf(username: string): string {
  return `${username}@example.test`;
}

/** Types the code mailed to `email` (sent at or after `after`) into the code screen. */
export async function enterMailedCode(page: Page, email: string, after: number) {
  await expect(page).toHaveURL(/\/verify$/);
  const mail = await waitForMail(email, { after });
  await page.getByLabel("Verification code").fill(codeIn(mail));
  await page.getByRole("button", { name: "Verify" }).click();
}

/** Fills and submits the registration screen, then verifies the email address with the
 * code that arrives at the SMTP server. */
export async function register(page: Page, info: TestInfo, username: string, password = PASSWORD) {
  await expect(page).toHaveURL(/\/register$/);
  await settle(page, info);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill(emailOf(username));
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password);
  const sent = Date.now();
  await page.getByRole("button", { name: "Create account" }).click();
  await enterMailedCode(page, emailOf(username), sent);
}

/** Fills and submits the sign-in screen. */
export async function signIn(page: Page, info: TestInfo, identifier: string, password = PASSWORD) {
  await expect(page).toHaveURL(/\/sign-in$/);
  await settle(page, info);
  await page.getByLabel("Username or email").fill(identifier);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** A Japanese mobile number no other test uses: national and E.164 forms. */
export function newPhone(): { national: string; e164: string } {
  // 090 numbers continue with 1–9 in Japan's numbering plan.
  const digits = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
  return {
    national: `090-${digits.slice(0, 4)}-${digits.slice(4)}`,
    e164: `+8190${digits}`,
  };
}

/** The code of the newest message to `e164` in the development outbox of the Sesame at
 * `base` (text messages go there in the tests). */
export async function outboxCodeAt(request: APIRequestContext, base: string, e164: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const html = await (await request.get(`${base}/dev/outbox`)).text();
    const at = html.indexOf(`data-recipient="${e164}"`);
    if (at >= 0) {
      const body = html.slice(at).match(/<pre class="outbox-body">([\s\S]*?)<\/pre>/);
      const code = body?.[1].match(/\b\d{6}\b/);
      if (code) return code[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code for ${e164} in the outbox of ${base}`);
}

/** Signs in at the upstream provider's development screens (npm oidc-provider, any login
 * name signs in; the name chooses the account's email) and waits to leave them. */
export async function upstreamSignIn(page: Page, login: string, upstream = UPSTREAM_URL) {
  await expect(page).toHaveURL(new RegExp(`^${upstream}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("anything");
  await page.getByRole("button", { name: "Sign-in" }).click();
  // The provider asks for consent the first time only, and without JavaScript it may show a
  // "Continue" page of its own before answering.
  const consent = page.getByRole("button", { name: "Continue" });
  await expect(async () => {
    if (page.url().startsWith(upstream) && (await consent.isVisible())) {
      await consent.click();
    }
    expect(page.url().startsWith(upstream)).toBe(false);
  }).toPass({ timeout: 15_000 });
}

/** The invitation link in an organization's invitation mail. */
export function invitationLinkIn(mail: { to: string; subject: string; text: string }): string {
  const match = /https?:\/\/\S+\/invitation\?token=[A-Za-z0-9_%-]+/.exec(mail.text);
  if (!match) {
    throw new Error(`no invitation link in the mail to ${mail.to} ("${mail.subject}"):\n${mail.text}`);
  }
  return match[0];
}

/** The notice a page announces after a change (a status message). */
export async function expectNotice(page: Page, text: string) {
  await expect(page.getByRole("status").filter({ hasText: text })).toBeVisible();
}
